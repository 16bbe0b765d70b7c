"""Queries analysts run: named Cypher queries kept as files, free Cypher, one safe runner.

A named query is a file ``cypher/queries/<name>.cypher`` whose header says what it is::

    // title: 单位的关系 | A unit's ties
    // description: 一个单位的全部关系…… | Every tie of one unit…
    // param: unit (text) 单位名称、简称或编码 | the unit's name, short name or code
    // param: area (text, optional) 区域名称或编码，空表示全部 | area name or code; empty: everywhere
    // param: as_of (date, default today) 在任日期 | holding the post on this date

A param line gives the name, the type (``text``, ``date`` or ``int``) and, when the parameter
may be left out, ``optional`` (default empty) or ``default <value>`` (for dates ``today`` or
``today-<days>``). Every parameter declared is used in the body as ``$name`` and every
``$name`` of the body is declared, except the domain rules (``$committee_kinds``,
``$seat_words``, ``$attended``: :func:`graph.rules.query_params`), which :meth:`NamedQuery.bind`
always gives, so a query and its twin use the one definition. :func:`load_queries` reads them
all (the app builds its forms from them); :meth:`NamedQuery.bind` checks and completes the
values a user typed.

:func:`run` runs a statement (a named query's or one an analyst typed) read-only and bounded:

1. before anything runs, it refuses what is not a plain read: ``LOAD CSV``, ``CALL { } IN
   TRANSACTIONS``, administration commands (``SHOW``, ``TERMINATE``, ``GRANT``…), procedures
   outside :data:`READ_PROCEDURES`, functions of :data:`REFUSED_FUNCTIONS`, and any statement
   the server's ``EXPLAIN`` reports as writing or changing the schema (query type other than
   ``r``) or whose plan loads files, commits in batches or calls another procedure;
2. it runs the statement in a read-access session (the server refuses writes in it) as a
   transaction with a server-side timeout, :data:`TIMEOUT_S` unless told;
3. it fetches at most :data:`ROW_LIMIT` rows (unless told) and says when there were more.

Named queries that the embedded store can answer have a twin here: a plain function of the
store's graph (:meth:`graph.store.Store.view`) that gives the same columns and rows in the
same order (:func:`run_embedded`). :func:`answer` gives that answer reading only what it needs
(:func:`graph_for`; ``units_without`` from the coverage the store computes). The others need
Neo4j, and say so.

Errors (all :class:`graph.errors.GongjianError`, saying what to do, in Chinese and English kept
apart: ``err.text("zh")``, ``err.text("en")``)::

    QueryError          a query cannot be run: unknown name, bad parameter, syntax, no server
    ├── QueryRefused    the statement is not a plain read; ``reason`` says why ("CREATE writes")
    ├── QueryTimeout    the server stopped it at its timeout
    └── NeedsNeo4j      a named query without an embedded twin, asked of the embedded store
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import neo4j
import networkx as nx
import pandas as pd
from neo4j.exceptions import (
    AuthError,
    ClientError,
    CypherSyntaxError,
    DriverError,
    Neo4jError,
)
from neo4j.graph import Node, Relationship
from neo4j.graph import Path as Neo4jPath

from graph import reach, rules
from graph.coverage import FIGURES
from graph.embedded import build_graph, node_id
from graph.errors import GongjianError
from graph.model import RECORDS, RELATIONSHIP_TYPES
from graph.store import Store

QUERY_DIR = Path(__file__).resolve().parent.parent / "cypher" / "queries"
TIMEOUT_S = 30.0  # seconds a query may run before the server stops it
ROW_LIMIT = 1000  # rows fetched at most; more are left on the server and the result says so
ITEM_LIMIT = 50_000  # elements of one list value, checked on the server (see _bounded)
CHAR_LIMIT = 1_000_000  # characters of one text value, checked on the server
SIZE_LIMIT = 2_000_000  # the size of a whole result (values, list elements, text / 100), counted as fetched
FETCH = 20  # rows asked of the server at a time: what arrives past the size limit stays small
CUT = "（值过大，已截去）"  # what a value over a limit is shown as (CUT_EN in English)
CUT_EN = "(too large, cut off)"

PARAM_TYPES = ("text", "date", "int")
EXPLAIN = "EXPLAIN "  # the pre-flight: the server plans the statement without running it
READ_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
    }
)
REFUSED_FUNCTIONS = ("dbms.", "db.create", "apoc.")  # namespaces of functions refused
ADMIN_COMMANDS = frozenset(
    {"SHOW", "TERMINATE", "GRANT", "DENY", "REVOKE", "ALTER", "START", "STOP", "RENAME", "ENABLE", "DRYRUN"}
)
_BATCHES = ("CALL { } IN TRANSACTIONS commits in batches", "CALL { } IN TRANSACTIONS 会分批提交")
# Plan operators a read query never needs: files, batched commits, other users' transactions.
REFUSED_OPERATORS = {
    "LoadCSV": ("LOAD CSV reads files or URLs on the server", "LOAD CSV 会读取服务器上的文件或网址"),
    "TransactionForeach": _BATCHES,
    "TransactionApply": _BATCHES,
    "TerminateTransactions": ("TERMINATE stops other transactions", "TERMINATE 会终止其他事务"),
}
TIMEOUT_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    }
)


# --- errors ---------------------------------------------------------------------------------


class QueryError(GongjianError):
    """A query cannot be run; the message says why and what to do."""


class QueryRefused(QueryError):
    """The statement is not a plain read. ``reason``: why, in English (e.g. "CREATE writes")."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        self.reason = reason
        super().__init__(
            f"只允许只读查询：{reason_zh}。请只用 MATCH … RETURN … 读取数据。",
            f"Only read-only queries are allowed: {reason}. Read with MATCH … RETURN … instead.",
        )


class QueryTimeout(QueryError):
    pass


class NeedsNeo4j(QueryError):
    pass


# --- named queries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # one of PARAM_TYPES
    default: str | None  # None: required; "" for optional; dates: "today" or "today-<days>"
    help: str  # Chinese | English

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str  # Chinese | English
    description: str  # Chinese | English
    params: tuple[Param, ...]
    cypher: str  # the whole file, header included (comments are Cypher too)

    @property
    def has_twin(self) -> bool:
        """Whether the embedded store can answer it (:func:`run_embedded`)."""
        return self.name in TWINS

    def bind(self, values: Mapping[str, Any] | None = None, *, today: date | None = None) -> dict[str, Any]:
        """The parameters to run with: the values given (text trimmed), checked and typed, and
        the defaults of the others. Raises QueryError naming the parameter and what it should be."""
        values = dict(values or {})
        names = [p.name for p in self.params]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise QueryError(
                f"查询 {self.name} 没有参数 {'、'.join(unknown)}；它的参数是：{'、'.join(names) or '（无）'}。",
                f"Query {self.name} has no parameter {', '.join(unknown)}; "
                f"its parameters are: {', '.join(names) or '(none)'}.",
            )
        today = today or date.today()
        bound: dict[str, Any] = {}
        for p in self.params:
            value = values.get(p.name)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                if p.default is None:
                    help_zh, _, help_en = p.help.partition(" | ")
                    raise QueryError(
                        f"缺少参数：{help_zh}。请填写。",
                        f"Missing parameter {p.name} ({help_en or help_zh}); give it, e.g. {p.name}=…",
                    )
                value = _default(p, today)
            bound[p.name] = _typed(p, value)
        used = body_params(self.cypher)
        bound.update({k: v for k, v in rules.query_params().items() if k in used})
        return bound


def parse_query(name: str, text: str) -> NamedQuery:
    """A named query from the text of its file (see the module docstring for the header)."""
    header: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        found = re.match(r"\s*//\s*(title|description|param):\s*(.*?)\s*$", line)
        if found is None:
            continue
        key, value = found[1], found[2]
        if key == "param":
            params.append(_parse_param(name, value))
        else:
            header[key] = value
    missing = [k for k in ("title", "description") if k not in header]
    if missing:
        raise QueryError(
            f"Query file {name}.cypher lacks {' and '.join(missing)}; add a line like "
            f"'// {missing[0]}: 中文 | English' at the top."
        )
    declared = [p.name for p in params]
    used = body_params(text) - set(rules.query_params())  # the rules are given by the runner
    if set(declared) != used or len(set(declared)) != len(declared):
        raise QueryError(
            f"Query file {name}.cypher declares parameters {declared} but its body uses "
            f"{sorted(used)}; declare each $name once in a '// param:' line and use each one."
        )
    return NamedQuery(name, header["title"], header["description"], tuple(params), text)


def _parse_param(query: str, text: str) -> Param:
    found = re.fullmatch(r"(\w+) \((\w+)(?:, (optional|default [^)]+))?\) (.+)", text)
    if found is None or found[2] not in PARAM_TYPES:
        raise QueryError(
            f"In {query}.cypher, '// param: {text}' is not like "
            f"'// param: name ({'|'.join(PARAM_TYPES)}[, optional | , default VALUE]) 中文说明 | English help'."
        )
    option = found[3] or ""
    default = None if not option else "" if option == "optional" else option.removeprefix("default ")
    param = Param(found[1], found[2], default, found[4])
    if default:  # a bad default fails when the file is read, not when the query runs
        try:
            _typed(param, _default(param, date.today()))
        except QueryError as err:
            raise QueryError(
                f"In {query}.cypher: {err} A date's default is today, today-<days> or a day like 2025-12-31."
            ) from err
    return param


def body_params(cypher: str) -> set[str]:
    """The ``$name`` parameters a statement uses (not those in comments or strings)."""
    return set(re.findall(r"\$(\w+)", _scrub(cypher)))


def load_queries(folder: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """Every named query of the folder, by name, in name order."""
    return {
        path.stem: parse_query(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(Path(folder).glob("*.cypher"))
    }


def get_query(name: str, folder: Path = QUERY_DIR) -> NamedQuery:
    queries = load_queries(folder)
    if name not in queries:
        raise QueryError(
            f"没有名为 {name} 的查询；可用的查询：{'、'.join(queries)}。",
            f"There is no query named {name}; the queries are: {', '.join(queries)}.",
        )
    return queries[name]


def _default(param: Param, today: date) -> Any:
    default = param.default or ""
    if param.type != "date" or not default.startswith("today"):
        return default
    days = default.removeprefix("today")
    if days and not re.fullmatch(r"-\d+", days):
        raise QueryError(f"The default of {param.name}, {default!r}, is not 'today' or 'today-<days>'.")
    return (today + timedelta(days=int(days or 0))).isoformat()


def _typed(param: Param, value: Any) -> Any:
    if param.type == "int":
        try:
            return int(value)
        except (TypeError, ValueError) as err:
            raise QueryError(
                f"参数 {param.name} 应为整数，而不是 {value!r}。",
                f"Parameter {param.name} must be a whole number, not {value!r}.",
            ) from err
    if param.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        text = str(value).strip()
        if text == "" and param.default == "":
            return ""
        try:
            if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
        raise QueryError(
            f"参数 {param.name} 应为日期，如 2025-12-31，而不是 {value!r}。",
            f"Parameter {param.name} must be a date like 2025-12-31, not {value!r}.",
        )
    return str(value)


# --- the read-only runner -------------------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any]


@dataclass(frozen=True)
class GraphRelationship:
    id: str
    type: str
    start: str  # GraphNode.id
    end: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[GraphNode, ...]
    relationships: tuple[GraphRelationship, ...]


@dataclass(frozen=True)
class Result:
    """What a query returned. ``rows`` hold plain values (text, numbers, booleans, None, lists,
    dicts): a node as its name (or title, or key), a relationship as its type, a path as
    ``A -[TYPE]-> B <-[TYPE]- C``. The nodes and relationships returned, paths included, are
    in ``nodes`` and ``relationships``, to draw."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool  # there were more than row_limit rows; only the first row_limit are here
    row_limit: int
    nodes: tuple[GraphNode, ...] = ()
    relationships: tuple[GraphRelationship, ...] = ()
    cut: bool = False  # values or rows were left out for size (ITEM_LIMIT, CHAR_LIMIT, SIZE_LIMIT)

    def notice(self, lang: str = "zh") -> str | None:
        """What to tell the user about the rows shown, in one language ("zh" or "en"), or None."""
        if self.cut:
            if lang == "zh":
                return (
                    f"结果过大，只显示了一部分：单个列表最多 {ITEM_LIMIT:,} 项、单个文本最多 {CHAR_LIMIT:,} 字、"
                    f"整个结果最多约 {SIZE_LIMIT:,} 个值，超出的值显示为「{CUT}」或不再读取。请缩小查询。"
                )
            return (
                f"The result is too large and only part of it is shown: a list over {ITEM_LIMIT:,} items, "
                f"a text over {CHAR_LIMIT:,} characters or a result over about {SIZE_LIMIT:,} values is "
                f"shown as {CUT_EN} or left out. Narrow the query."
            )
        if not self.truncated:
            return None
        if lang == "zh":
            return f"只显示前 {self.row_limit} 行，还有更多。请缩小范围或加 LIMIT。"
        return f"Showing the first {self.row_limit} rows; there are more. Narrow the query or add LIMIT."


def run(
    driver: neo4j.Driver,
    database: str,
    cypher: str,
    params: Mapping[str, Any] | None = None,
    *,
    timeout_s: float = TIMEOUT_S,
    row_limit: int = ROW_LIMIT,
) -> Result:
    """Run one statement read-only and bounded (see the module docstring); refuse it, with the
    reason, if it is not a plain read."""
    if row_limit < 1 or timeout_s <= 0:
        raise QueryError(
            f"行数上限须至少为 1、超时须大于 0（现为 {row_limit} 行、{timeout_s} 秒）；请改正这些设置。",
            f"The row limit must be at least 1 and the timeout above 0 "
            f"(not {row_limit} rows, {timeout_s} s); fix these settings.",
        )
    params = dict(params or {})
    refuse_unless_read(cypher)
    try:
        with driver.session(
            database=database,
            default_access_mode=neo4j.READ_ACCESS,
            fetch_size=min(row_limit + 1, FETCH),
            notifications_min_severity="OFF",
        ) as session:
            explained = session.run(neo4j.Query(EXPLAIN + cypher, timeout=timeout_s), params)
            columns = tuple(explained.keys())
            summary = explained.consume()
            refuse_unless_read_plan(cypher, summary.query_type, summary.plan)
            text, params = _bounded(session, cypher, columns, params, timeout_s)
            result = session.run(neo4j.Query(text, timeout=timeout_s), params)
            rows: list[tuple[Any, ...]] = []
            size, cut = 0, False
            for record in itertools.islice(result, row_limit):
                values = tuple(record.values())
                if text is not cypher:
                    cut = cut or bool(values[-1])
                    values = values[:-1]
                size += sum(_size(v) for v in values)
                if size > SIZE_LIMIT:
                    cut = True
                    break
                rows.append(values)
            truncated = not cut and result.peek() is not None
    except Neo4jError as err:
        raise _query_error(err, timeout_s) from err
    except DriverError as err:
        raise QueryError(
            "无法连接 Neo4j。请启动服务器（gongjian neo4j start）或检查 neo4j_uri、neo4j_database 设置。"
            f"（{type(err).__name__}）",
            "Cannot reach Neo4j. Start it (gongjian neo4j start) or check the neo4j_uri and "
            f"neo4j_database settings. ({type(err).__name__})",
        ) from err
    found = _finish(columns, [tuple(_from_neo4j(v) for v in row) for row in rows], truncated, row_limit)
    return dataclasses.replace(found, cut=cut)


def _bounded(
    session: neo4j.Session, cypher: str, columns: Sequence[str], params: dict[str, Any], timeout_s: float
) -> tuple[str, dict[str, Any]]:
    """The statement with each returned list of more than :data:`ITEM_LIMIT` elements and each
    text of more than :data:`CHAR_LIMIT` characters (also one level down, in a list) replaced
    by :data:`CUT` on the server, before it is sent, and a last column saying whether any was;
    the statement as it is when it cannot be wrapped so (a bare procedure call)."""
    if not columns:
        return cypher, params

    def big(v: str) -> str:  # {v: x}.v: a value of any type, so that size() type-checks
        return (
            f"(CASE WHEN {v} IS :: STRING THEN size({{v: {v}}}.v) > $gj_chars "
            f"WHEN {v} IS :: LIST<ANY> THEN size({{v: {v}}}.v) > $gj_items OR any(x IN {{v: {v}}}.v WHERE "
            "(x IS :: STRING AND size({v: x}.v) > $gj_chars) OR (x IS :: LIST<ANY> AND size({v: x}.v) > $gj_items)) "
            "ELSE false END)"
        )

    names = ["`" + c.replace("`", "``") + "`" for c in columns]
    returned = [f"CASE WHEN {big(n)} THEN $gj_cut ELSE {n} END AS {n}" for n in names]
    flag = " OR ".join(big(n) for n in names)
    body = cypher.strip().rstrip(";")
    text = f"CALL () {{\n{body}\n}}\nRETURN {', '.join(returned)}, {flag} AS `gongjian cut`"
    bounded = {**params, "gj_items": ITEM_LIMIT, "gj_chars": CHAR_LIMIT, "gj_cut": CUT}
    try:
        session.run(neo4j.Query(EXPLAIN + text, timeout=timeout_s), bounded).consume()
    except ClientError:
        return cypher, params
    return text, bounded


def _size(value: Any) -> int:
    """What a fetched value counts towards :data:`SIZE_LIMIT`."""
    if isinstance(value, str | bytes):
        return 1 + len(value) // 100
    if isinstance(value, list | tuple):
        return 1 + sum(_size(v) for v in value)
    if isinstance(value, dict):
        return 1 + sum(_size(v) for v in value.values())
    if isinstance(value, Node | Relationship):
        return 1 + sum(_size(v) for v in dict(value).values())
    if isinstance(value, Neo4jPath):
        return 1 + sum(_size(n) for n in value.nodes) + len(value.relationships)
    return 1


def run_named(
    driver: neo4j.Driver,
    database: str,
    name: str,
    values: Mapping[str, Any] | None = None,
    *,
    timeout_s: float = TIMEOUT_S,
    row_limit: int = ROW_LIMIT,
) -> Result:
    """Run a named query with the values a user gave (the others take their defaults)."""
    query = get_query(name)
    return run(driver, database, query.cypher, query.bind(values), timeout_s=timeout_s, row_limit=row_limit)


def refuse_unless_read(cypher: str) -> None:
    """Refuse, from its text alone, a statement that is not a plain read (before the server sees it)."""
    text = _scrub(cypher)
    words = text.split()
    if not words:
        raise QueryError(
            "查询是空的；请输入语句，如 MATCH (n) RETURN n LIMIT 10。",
            "The query is empty; type a statement such as MATCH (n) RETURN n LIMIT 10.",
        )
    first = re.sub(r"\W.*", "", words[0]).upper()
    if first in ADMIN_COMMANDS:
        raise QueryRefused(f"{first} is an administration command", f"{first} 是管理命令")
    if first in ("USE", "EXPLAIN", "PROFILE", "CYPHER"):
        raise QueryRefused(
            f"{first} is not needed here: the runner chooses the database and plans the query",
            f"不需要 {first}：运行器会选择数据库并检查查询计划",
        )
    if re.search(r"\bLOAD\s+CSV\b", text, re.I):
        raise QueryRefused(*REFUSED_OPERATORS["LoadCSV"])
    if re.search(r"\bIN\s+(?:\d+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", text, re.I):
        raise QueryRefused(*REFUSED_OPERATORS["TransactionForeach"])
    if re.search(r"\bTERMINATE\s+TRANSACTIONS?\b", text, re.I):
        raise QueryRefused(*REFUSED_OPERATORS["TerminateTransactions"])
    dotted = re.sub(r"\s*\.\s*", ".", text)
    for procedure in re.findall(r"\bCALL\s+([A-Za-z_][\w.]*)", dotted, re.I):
        _refuse_procedure(procedure)
    for function in re.findall(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*\(", dotted):
        if function.lower().startswith(REFUSED_FUNCTIONS):
            raise QueryRefused(f"function {function} is not allowed", f"不允许调用函数 {function}")


def refuse_unless_read_plan(cypher: str, query_type: str | None, plan: Mapping[str, Any] | None) -> None:
    """Refuse a statement whose plan (from EXPLAIN) is not a plain read."""
    text = _scrub(cypher)
    command = " ".join(text.split()[:2]).upper()  # CREATE INDEX, DROP CONSTRAINT, CREATE USER…
    for operator, details in _operators(plan):
        if operator in REFUSED_OPERATORS:
            raise QueryRefused(*REFUSED_OPERATORS[operator])
        if operator == "AdministrationCommand":
            raise QueryRefused(f"{command} is an administration command", f"{command} 是管理命令")
        if operator == "ProcedureCall":
            _refuse_procedure(details.split("(")[0].strip())
    if query_type == "r":
        return
    if query_type == "s":
        raise QueryRefused(f"{command} changes the schema", f"{command} 会修改数据库结构")
    found = re.search(r"\b(DETACH\s+DELETE|CREATE|MERGE|SET|DELETE|REMOVE|FOREACH)\b", text, re.I)
    if found is None:
        raise QueryRefused("this statement writes", "该语句会写入数据")
    clause = " ".join(found[1].upper().split())
    raise QueryRefused(f"{clause} writes", f"{clause} 会写入数据")


def _refuse_procedure(name: str) -> None:
    if name not in READ_PROCEDURES:
        raise QueryRefused(
            f"procedure {name} is not allowed (allowed: {', '.join(sorted(READ_PROCEDURES))})",
            f"不允许调用过程 {name}",
        )


def _operators(plan: Mapping[str, Any] | None) -> Iterator[tuple[str, str]]:
    """(operator, details) of every step of a plan, e.g. ("ProcedureCall", "db.labels() :: …")."""
    if not plan:
        return
    details = plan.get("args", {}).get("Details")
    yield str(plan.get("operatorType", "")).split("@")[0], str(details or "")
    for child in plan.get("children", []):
        yield from _operators(child)


def _scrub(cypher: str) -> str:
    """The statement with comments removed, strings emptied and `quoted` names unquoted (their
    spaces and symbols made _), so that keywords can be searched for."""

    def replace(found: re.Match[str]) -> str:
        token = found[0]
        if token.startswith(("//", "/*")):
            return " "
        if token.startswith("`"):
            return re.sub(r"\W", "_", token[1:-1].replace("``", "`"))
        return "''"

    return re.sub(
        r"//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`]|``)*`",
        replace,
        cypher,
        flags=re.S,
    )


def _without_explain(message: str) -> str:
    """A server message about ``EXPLAIN <statement>`` as if it were about the statement: offsets,
    and columns and the caret on the first line, move back by the length of the prefix."""
    shift = len(EXPLAIN)
    message = re.sub(r"offset: (\d+)", lambda m: f"offset: {int(m[1]) - shift}", message)
    if re.search(r"line 1, column \d+", message):
        message = re.sub(r"line 1, column (\d+)", lambda m: f"line 1, column {int(m[1]) - shift}", message)
        message = message.replace("\n" + " " * shift, "\n")
    return message.replace(f'"{EXPLAIN}', '"')


def _query_error(err: Neo4jError, timeout_s: float) -> QueryError:
    code = err.code or ""
    message = err.message or str(err)
    if code in TIMEOUT_CODES:
        return QueryTimeout(
            f"查询超过 {timeout_s:g} 秒，已被服务器停止。请缩小范围（加 WHERE 条件或 LIMIT）后再试，"
            "或请管理员调高超时设置。",
            f"The query was stopped after {timeout_s:g} s. Narrow it (add WHERE conditions or a LIMIT) "
            "and run it again, or have the timeout setting raised.",
        )
    if code == "Neo.ClientError.Statement.AccessMode":
        return QueryRefused("the server refused a write", "服务器拒绝了写入")
    if isinstance(err, CypherSyntaxError):
        return QueryError(
            f"Cypher 语法错误，请改正后再运行：\n{_without_explain(message)}",
            f"Cypher syntax error; fix it and run again:\n{_without_explain(message)}",
        )
    if isinstance(err, AuthError):
        return QueryError(
            f"Neo4j 拒绝了登录（{code}）；请检查 neo4j_user 和 neo4j_password 设置。",
            f"Neo4j refused the login ({code}); check the neo4j_user and neo4j_password settings.",
        )
    if isinstance(err, ClientError):
        return QueryError(
            f"Neo4j 拒绝了查询（{code}），请检查查询及其参数：\n{message}",
            f"Neo4j refused the query ({code}); check the query and its parameters:\n{message}",
        )
    return QueryError(
        f"Neo4j 出错（{code}），请稍后再试：\n{message}",
        f"Neo4j failed ({code}); try again in a moment:\n{message}",
    )


# --- values ---------------------------------------------------------------------------------


def _from_neo4j(value: Any) -> Any:
    """A value the driver returned, with graph values as GraphNode/GraphRelationship/GraphPath
    and other driver types (dates, durations, points) as text."""
    if isinstance(value, Node):
        return GraphNode(value.element_id, tuple(sorted(value.labels)), _props(value))
    if isinstance(value, Relationship):
        start, end = value.start_node, value.end_node
        return GraphRelationship(
            value.element_id,
            value.type,
            start.element_id if start is not None else "",
            end.element_id if end is not None else "",
            _props(value),
        )
    if isinstance(value, Neo4jPath):
        return GraphPath(
            tuple(_from_neo4j(n) for n in value.nodes), tuple(_from_neo4j(r) for r in value.relationships)
        )
    if isinstance(value, list):
        return [_from_neo4j(v) for v in value]
    if isinstance(value, dict):
        return {k: _from_neo4j(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    return str(value) if not hasattr(value, "iso_format") else value.iso_format()


def _props(entity: Node | Relationship) -> dict[str, Any]:
    return {k: _from_neo4j(v) for k, v in dict(entity).items()}


def show(value: Any) -> Any:
    """The plain form of a value in a row (see :class:`Result`)."""
    if isinstance(value, GraphNode):
        props = value.properties
        return props.get("name") or props.get("title") or props.get("key") or value.id
    if isinstance(value, GraphRelationship):
        return value.type
    if isinstance(value, GraphPath):
        text = str(show(value.nodes[0])) if value.nodes else ""
        for before, rel, node in zip(value.nodes, value.relationships, value.nodes[1:], strict=False):
            arrow = f" -[{rel.type}]-> " if rel.start == before.id else f" <-[{rel.type}]- "
            text += arrow + str(show(node))
        return text
    if isinstance(value, list):
        return [show(v) for v in value]
    if isinstance(value, dict):
        return {k: show(v) for k, v in value.items()}
    return value


def _finish(
    columns: Sequence[str], rows: Sequence[tuple[Any, ...]], truncated: bool, row_limit: int
) -> Result:
    nodes: dict[str, GraphNode] = {}
    relationships: dict[str, GraphRelationship] = {}

    def collect(value: Any) -> None:
        if isinstance(value, GraphNode):
            nodes.setdefault(value.id, value)
        elif isinstance(value, GraphRelationship):
            relationships.setdefault(value.id, value)
        elif isinstance(value, GraphPath):
            for item in (*value.nodes, *value.relationships):
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    for row in rows:
        for value in row:
            collect(value)
    return Result(
        tuple(columns),
        tuple(tuple(show(v) for v in row) for row in rows),
        truncated,
        row_limit,
        tuple(nodes.values()),
        tuple(relationships.values()),
    )


# --- masking --------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三明 → 张*明, 李四 → 李*, Alice → A***."""
    name = str(name)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def person_secrets(
    keys: Iterable[str], names: Iterable[str | None], codes: Iterable[str | None]
) -> dict[str, str]:
    """What names a person, masked: the names of the people, and their keys that are not codes
    (a person without a code is keyed by the name)."""
    secrets: dict[str, str] = {}
    for key, name, code in zip(keys, names, codes, strict=True):
        if name:
            secrets[str(name)] = mask_name(str(name))
            if key != code:
                secrets[str(key)] = mask_name(str(name))
    return secrets


def mask_everywhere(value: Any, secrets: Mapping[str, str]) -> Any:
    """``value`` (text, or lists and maps of it, such as a command's JSON) with every person's
    name and name key masked wherever it occurs in a text, the longest first."""
    if not secrets:
        return value
    found = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return found.sub(lambda m: secrets[m[0]], v)
        if isinstance(v, list | tuple):
            return type(v)(walk(x) for x in v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(value)


def mask_result(result: Result, secrets: Mapping[str, str]) -> Result:
    """The result with every cell that is a person's name or name key masked, in lists and
    maps too, and the people in paths masked; the nodes to draw keep their names (the drawing
    masks them). Named queries return names as whole cells; free Cypher can spell a name any
    way it likes (split, reverse, concatenation), so it is refused while names are masked."""
    people = sorted(
        {
            str(n.properties.get("name"))
            for n in result.nodes
            if "Person" in n.labels and n.properties.get("name")
        },
        key=len,
        reverse=True,
    )

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            if value in secrets:
                return secrets[value]
            if " -[" in value or "]- " in value:  # a path
                for name in people:
                    value = value.replace(name, secrets.get(name, mask_name(name)))
            return value
        if isinstance(value, list):
            return [cell(v) for v in value]
        if isinstance(value, dict):
            return {k: cell(v) for k, v in value.items()}
        return value

    return dataclasses.replace(result, rows=tuple(tuple(cell(v) for v in row) for row in result.rows))


# --- embedded twins -------------------------------------------------------------------------

Rows = list[tuple[Any, ...]]
Twin = Callable[[nx.MultiDiGraph, Mapping[str, Any]], tuple[tuple[str, ...], Rows]]


UNIT_TWINS = ("unit_ties", "unit_attendance")  # twins that read the ties of the units they name
AREA_TWINS = {  # twins of an area (or everywhere): the record types they read (everywhere: in
    # whole), and those of which they read only the rows the others name
    "cross_appointed": (("area", "post"), ("organization", "person")),
    "agreements_in_force": (("area", "agreement"), ("organization",)),
    "units_without": (("area", "organization", "post", "agreement", "meeting", "attendance"), ("person",)),
}


def graph_for(
    store: Store, name: str, values: Mapping[str, Any] | None = None, row_limit: int = ROW_LIMIT
) -> nx.MultiDiGraph:
    """The part of the store's graph a named query's twin reads, never the whole view: for a
    query about a unit (:data:`UNIT_TWINS`), the units it names (matched as the query matches
    them) with their ties and the nodes at the other ends; for ``shortest_connection``, the rows
    holding every shortest connection between each two units it names
    (:func:`graph.reach.connection`); both read by key and reference. For a query of an area
    (:data:`AREA_TWINS`), the rows the scope of each area it names needs (``Store.scoped``), or
    everywhere the rows of its first ``row_limit`` rows and one more (:data:`FIRST_ROWS`: so
    that :func:`run_embedded` with the same ``row_limit`` says whether there were more), or the
    tables it reads. Otherwise the whole view."""
    if name not in (*UNIT_TWINS, *AREA_TWINS, "shortest_connection"):
        return store.view()
    p = get_query(name).bind(values)
    if p.get("area") == "" and name in FIRST_ROWS:
        return build_graph(FIRST_ROWS[name](store, p, row_limit + 1))
    found = reach.neighbourhood(store.rows, {}, ())  # every table, empty

    def add(rows: Mapping[str, pd.DataFrame]) -> None:
        for record, frame in rows.items():
            if not frame.empty:
                both = [found[record], frame] if not found[record].empty else [frame]
                found[record] = pd.concat(both).drop_duplicates("key")

    if name in AREA_TWINS:
        whole, named_only = AREA_TWINS[name]
        if p["area"] == "":
            add({record: store.table(record) for record in whole})
            for record in named_only:
                keys = {
                    key
                    for other in whole
                    for c in RECORDS[other].columns
                    if c.ref == record
                    for value in found[other][c.name]
                    for key in (value if isinstance(value, tuple) else (value,))
                    if isinstance(key, str)
                }
                add({record: store.rows(record, "key", keys)})
            return build_graph(found)
        areas = store.table("area", ["key", "code", "name"])
        for key, code, area in areas.itertuples(index=False, name=None):
            if _matches({"key": key, "code": code, "name": area}, p["area"], False):
                add({r: rows for r, rows in store.scoped(key).items() if r in (*whole, *named_only)})
        return build_graph(found)
    units = store.table("organization", ["key", "code", "name", "aliases"])

    def named(text: str) -> list[str]:
        return [
            f"organization:{key}"
            for key, code, unit, aliases in units.itertuples(index=False, name=None)
            if _matches({"key": key, "code": code, "name": unit, "aliases": aliases}, text, True)
        ]

    if name in UNIT_TWINS:
        return build_graph(
            reach.neighbourhood(store.rows, dict.fromkeys(named(p["unit"]), 1), RELATIONSHIP_TYPES)
        )
    for a, b in itertools.product(named(p["from_unit"]), named(p["to_unit"])):
        add(
            (reach.connection(store.rows, a, b, CONNECTING, _connections, MAX_STEPS) if a != b else None)
            or {}
        )
    return build_graph(found)


def answer(
    store: Store,
    name: str,
    values: Mapping[str, Any] | None = None,
    *,
    row_limit: int = ROW_LIMIT,
    today: date | None = None,
) -> Result:
    """A named query's answer on the embedded store, what :func:`run_embedded` answers from the
    whole view: ``units_without`` from the coverage the store computes
    (:func:`units_without_in_store`), any other from its twin on the rows it reads for its first
    ``row_limit`` rows (:func:`graph_for`)."""
    if name == "units_without":
        return units_without_in_store(store, get_query(name).bind(values, today=today), row_limit)
    return run_embedded(
        graph_for(store, name, values, row_limit), name, values, row_limit=row_limit, today=today
    )


def _first_cross_appointed(store: Store, p: Mapping[str, Any], limit: int) -> dict[str, pd.DataFrame]:
    """The rows :func:`cross_appointed` everywhere reads for its first ``limit`` rows: the people
    holding posts in two or more organizations on the day (``Store.bridging_posts`` of every
    area: every organization has one), in the query's order (most organizations first, then by
    key), with their posts and the organizations of those."""
    posts = store.bridging_posts(None, (), p["as_of"], p["as_of"])
    many = posts.groupby("person")["org"].nunique()
    people = sorted(many.index, key=lambda key: (-many[key], key))[:limit]
    held = store.rows("post", "person", people)
    return {
        "person": store.rows("person", "key", people),
        "post": held,
        "organization": store.rows("organization", "key", set(held["org"])),
    }


def _first_agreements(store: Store, p: Mapping[str, Any], limit: int) -> dict[str, pd.DataFrame]:
    """The rows :func:`agreements_in_force` everywhere reads for its first ``limit`` rows: the
    agreements in force on the day (:func:`graph.rules.during`) in the query's order (signed,
    then key), with their parties."""
    agreements = store.table("agreement")
    on = p["on"]
    first = agreements[rules.during(agreements, "signed", "expires", on, on)].sort_values(["signed", "key"])
    first = first[:limit]
    parties = {key for keys in first["parties"] for key in keys}
    return {"agreement": first, "organization": store.rows("organization", "key", parties)}


FIRST_ROWS: dict[str, Callable[[Store, Mapping[str, Any], int], dict[str, pd.DataFrame]]] = {
    "cross_appointed": _first_cross_appointed,
    "agreements_in_force": _first_agreements,
}  # everywhere: the rows of a twin's first rows, by the query's order (graph_for)


def run_embedded(
    graph: nx.MultiDiGraph,
    name: str,
    values: Mapping[str, Any] | None = None,
    *,
    row_limit: int = ROW_LIMIT,
    today: date | None = None,
) -> Result:
    """Answer a named query from the embedded store's graph (``store.view()``), with the same
    columns and rows as the Cypher version; NeedsNeo4j if it has no twin."""
    query = get_query(name)
    twin = TWINS.get(name)
    if twin is None:
        title_zh, _, title_en = query.title.partition(" | ")
        raise NeedsNeo4j(
            f"查询「{title_zh}」需要 Neo4j：内置存储无法回答它。请切换到 Neo4j 存储（设置 store=neo4j）。",
            f"The query {title_en or name} needs Neo4j: the embedded store cannot answer it. "
            "Switch the store to Neo4j (setting store=neo4j).",
        )
    columns, rows = twin(graph, query.bind(values, today=today))
    return _finish(columns, rows[:row_limit], len(rows) > row_limit, row_limit)


def _node(graph: nx.MultiDiGraph, node: str) -> GraphNode:
    attrs = graph.nodes[node]
    props = {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.items() if k != "record"}
    return GraphNode(node, (RECORDS[attrs["record"]].label,), props)


def _relationship(start: str, end: str, key: str, data: Mapping[str, Any]) -> GraphRelationship:
    props = {k: v for k, v in data.items() if k not in ("type", "record")}
    return GraphRelationship(f"{start}|{end}|{key}", data["type"], start, end, props)


def _of(graph: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    attrs: dict[str, Any] = graph.nodes[node]
    return attrs


def _label(graph: nx.MultiDiGraph, node: str) -> str:
    return RECORDS[graph.nodes[node]["record"]].label


def _matches(attrs: Mapping[str, Any], text: str, aliases: bool) -> bool:
    """As the queries match: key, code, name (and aliases), trimmed and lower-cased."""
    wanted = text.strip().lower()
    names = [attrs.get("key"), attrs.get("code"), attrs.get("name")]
    if aliases:
        names += list(attrs.get("aliases", ()))
    return any(n is not None and str(n).strip().lower() == wanted for n in names)


def _units(graph: nx.MultiDiGraph, text: str) -> list[str]:
    return [n for n, a in graph.nodes(data=True) if a["record"] == "organization" and _matches(a, text, True)]


def _scope(graph: nx.MultiDiGraph, area: str) -> set[str]:
    """Keys of the areas an area text names, and of every area below them (PART_OF*)."""
    found = {n for n, a in graph.nodes(data=True) if a["record"] == "area" and _matches(a, area, False)}
    todo = list(found)
    while todo:
        for child, _, kind in graph.in_edges(todo.pop(), keys=True):
            if kind == "PART_OF" and child not in found:
                found.add(child)
                todo.append(child)
    return {graph.nodes[n]["key"] for n in found}


def _area_keys(graph: nx.MultiDiGraph, org: str) -> list[str]:
    return [graph.nodes[a]["key"] for _, a, kind in graph.out_edges(org, keys=True) if kind == "IN_AREA"]


def _edges(
    graph: nx.MultiDiGraph, node: str, kind: str, *, out: bool
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """The relationships of one type leaving (out) or reaching a node, with their data."""
    edges = graph.out_edges(node, keys=True, data=True) if out else graph.in_edges(node, keys=True, data=True)
    return ((a, b, k, d) for a, b, k, d in edges if d["type"] == kind)


def _during(data: Mapping[str, Any], since: str, until: str, first: str, last: str) -> bool:
    """Whether what runs from data[first] to data[last] (either may be missing) overlaps
    [since, until] (:func:`graph.rules.holds`)."""
    return rules.holds(data.get(first), data.get(last), since, until)


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _order(*values: Any) -> tuple[tuple[bool, Any], ...]:
    """A sort key ordering as Cypher's ORDER BY does: missing values last."""
    return tuple((v is None, "" if v is None else v) for v in values)


def unit_ties(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    columns = (
        "unit_key", "unit", "relationship", "direction", "other_kind", "other_key", "other", "detail", "since", "until",
    )  # fmt: skip
    found = []
    for u in _units(graph, p["unit"]):
        edges = itertools.chain(
            graph.out_edges(u, keys=True, data=True), graph.in_edges(u, keys=True, data=True)
        )
        for a, b, key, data in edges:
            other = b if a == u else a
            o = _of(graph, other)
            row = (
                _of(graph, u)["key"],
                _node(graph, u),
                _relationship(a, b, key, data),
                "→" if a == u else "←",
                _label(graph, other),
                o["key"],
                _node(graph, other),
                _coalesce(data.get("role"), data.get("status")),
                _coalesce(*(data.get(f) for f in ("start", "date")), *(o.get(f) for f in ("signed", "date", "start", "published"))),
                _coalesce(*(data.get(f) for f in ("end", "withdrawn")), *(o.get(f) for f in ("expires", "end"))),
            )  # fmt: skip
            found.append((_order(row[0], data["type"], row[3], row[5], row[8], row[7], row[9]), row))
    return columns, [row for _, row in sorted(found, key=lambda item: item[0])]


def cross_appointed(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    columns = ("person_key", "person", "organization_count", "organization_keys", "organizations", "roles")
    scope = _scope(graph, p["area"]) if p["area"] != "" else None
    as_of = p["as_of"]
    posts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for person, org, _, data in graph.edges(keys=True, data=True):
        if data["type"] != "HOLDS" or not _during(data, as_of, as_of, "start", "end"):
            continue
        if scope is not None and not scope.intersection(_area_keys(graph, org)):
            continue
        posts[person][org].append(data["role"])
    rows = []
    for person, by_org in posts.items():
        if len(by_org) < 2:
            continue
        orgs = sorted(by_org, key=lambda o: _of(graph, o)["key"])
        rows.append(
            (
                _of(graph, person)["key"],
                _node(graph, person),
                len(orgs),
                [_of(graph, o)["key"] for o in orgs],
                [_of(graph, o)["name"] for o in orgs],
                ["、".join(sorted(by_org[o])) for o in orgs],
            )
        )
    rows.sort(key=lambda r: (-r[2], r[0]))
    return columns, rows


def agreements_in_force(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    columns = (
        "agreement_key",
        "agreement",
        "kind",
        "signed",
        "expires",
        "party_count",
        "party_keys",
        "parties",
    )
    scope = _scope(graph, p["area"]) if p["area"] != "" else None
    on = p["on"]
    rows = []
    for node, g in graph.nodes(data=True):
        if g["record"] != "agreement" or not (g["signed"] <= on and _during(g, on, on, "signed", "expires")):
            continue
        parties = sorted(
            (org for org, _, _, _ in _edges(graph, node, "PARTY_TO", out=False)),
            key=lambda o: _of(graph, o)["key"],
        )
        if scope is not None and not any(scope.intersection(_area_keys(graph, o)) for o in parties):
            continue
        keys = [_of(graph, o)["key"] for o in parties]
        rows.append(
            (g["key"], _node(graph, node), g.get("kind"), g["signed"], g.get("expires"), len(keys), keys,
             [_of(graph, o)["name"] for o in parties])
        )  # fmt: skip
    rows.sort(key=lambda r: _order(r[3], r[0]))
    return columns, rows


def _quarter(day: str) -> str | None:
    return f"{day[:4]}-Q{(int(day[5:7]) + 2) // 3}" if len(day) >= 7 else None


def unit_attendance(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    statuses = ("present", "substitute", "excused", "absent")
    columns = ("unit_key", "unit", "quarter", "invited", *statuses)
    since, until = p["since"], p["until"]
    counts: dict[tuple[str, str | None], list[int]] = {}
    for u in _units(graph, p["unit"]):
        for _, meeting, _, data in _edges(graph, u, "ATTENDED", out=True):
            day = _of(graph, meeting)["date"]
            if (since and rules.upper(day) < since) or (until and day > until):
                continue
            tally = counts.setdefault((u, _quarter(day)), [0] * (1 + len(statuses)))
            tally[0] += 1
            if data["status"] in statuses:
                tally[1 + statuses.index(data["status"])] += 1
    rows = [
        (_of(graph, u)["key"], _node(graph, u), quarter, *tally) for (u, quarter), tally in counts.items()
    ]
    rows.sort(key=lambda r: _order(r[0], r[2]))
    return columns, rows


UNITS_WITHOUT = (
    "unit_key", "unit", "kind", "area", "joined", "has_party_org", "no_agreement", "no_seat", "no_attendance",
)  # fmt: skip


def units_without(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    columns = UNITS_WITHOUT
    scope = _scope(graph, p["area"]) if p["area"] != "" else None
    since, until = p["since"], p["until"]
    committees, words = set(p["committee_kinds"]), tuple(p["seat_words"])

    def part_time(post: Mapping[str, Any]) -> bool:
        return rules.is_part_time(post.get("part_time"), post.get("role"), words)

    def above(u: str) -> set[str]:
        """The area of the unit and every area over it."""
        found, todo = set(), [a for _, a, _, _ in _edges(graph, u, "IN_AREA", out=True)]
        while todo:
            here = todo.pop()
            if here not in found:
                found.add(here)
                todo.extend(b for _, b, _, _ in _edges(graph, here, "PART_OF", out=True))
        return found

    def agreement(u: str) -> bool:
        return any(
            _during(_of(graph, g), since, until, "signed", "expires")
            for _, g, _, _ in _edges(graph, u, "PARTY_TO", out=True)
        )

    def seat(u: str) -> bool:
        areas = above(u)
        for person, _, _, own in _edges(graph, u, "HOLDS", out=False):
            if part_time(own) or not _during(own, since, until, "start", "end"):
                continue
            for _, c, _, post in _edges(graph, person, "HOLDS", out=True):
                if (
                    _of(graph, c).get("kind") in committees
                    and part_time(post)
                    and _during(post, since, until, "start", "end")
                    and any(a in areas for _, a, _, _ in _edges(graph, c, "IN_AREA", out=True))
                ):
                    return True
        return False

    def attended(u: str) -> bool:
        return any(
            data["status"] in p["attended"] and _during(_of(graph, m), since, until, "date", "date")
            for _, m, _, data in _edges(graph, u, "ATTENDED", out=True)
        )

    rows = []
    for u, attrs in graph.nodes(data=True):
        if attrs["record"] != "organization" or attrs.get("kind") in committees:
            continue
        if attrs.get("joined") is None or attrs["joined"] > until:
            continue
        for _, place, _, _ in _edges(graph, u, "IN_AREA", out=True):
            area = _of(graph, place)
            if scope is not None and area["key"] not in scope:
                continue
            has = (agreement(u), seat(u), attended(u))
            if not all(has):
                rows.append(
                    (attrs["key"], _node(graph, u), attrs["kind"], area["name"], attrs["joined"],
                     attrs.get("has_party_org"), *(not h for h in has))
                )  # fmt: skip
    rows.sort(key=lambda r: r[0])
    return columns, rows


def units_without_in_store(store: Store, p: Mapping[str, Any], row_limit: int = ROW_LIMIT) -> Result:
    """:func:`units_without` (the parameters bound: :meth:`NamedQuery.bind`) answered from the
    coverage the store computes for the member units of each area the text names, or of every
    area (``Store.coverage``, whose definition is :func:`graph.coverage.unit_coverage`): the
    same rules of graph.rules the query states (member unit on ``until``: ``is_member``; an
    agreement holding in the period: ``holds``; a seat: ``is_part_time`` on the committees of
    the unit's ``area_paths``; a meeting of the period attended: ``ATTENDED``). Only the first
    ``row_limit`` units lacking one are read, never the period's rows."""
    areas = store.table("area", ["key", "code", "name"])
    if p["area"] == "":
        scopes: list[str | None] = [None]
    else:
        scopes = [
            key
            for key, code, area in areas.itertuples(index=False, name=None)
            if _matches({"key": key, "code": code, "name": area}, p["area"], False)
        ]
    flags = [store.coverage(a, (), p["since"], p["until"], [])[0] for a in scopes]
    found = pd.concat(flags).drop_duplicates("key") if flags else pd.DataFrame(columns=["key", *FIGURES])
    lacking = found[~(found[list(FIGURES)].astype(bool).all(axis=1))].sort_values("key")
    units = build_graph({"organization": store.rows("organization", "key", lacking["key"][:row_limit])})
    names = dict(zip(areas["key"], areas["name"], strict=True))
    rows = []
    for key, agreement, seat, attended in lacking[["key", *FIGURES]][:row_limit].itertuples(index=False):
        unit = _of(units, node_id("organization", key))
        rows.append(
            (key, _node(units, node_id("organization", key)), unit["kind"], names[unit["area"]], unit["joined"],
             unit.get("has_party_org"), not agreement, not seat, not attended)
        )  # fmt: skip
    return _finish(UNITS_WITHOUT, rows, len(lacking) > row_limit, row_limit)


CONNECTING = ("HOLDS", "PARTY_TO", "ATTENDED", "HOSTS", "CONTRIBUTES")
MAX_STEPS = 8


def _connects(data: Mapping[str, Any]) -> bool:
    return data["type"] in CONNECTING and (
        data["type"] != "ATTENDED" or data.get("status") in rules.ATTENDED
    )  # a missed one does not


def _connections(tables: Mapping[str, pd.DataFrame]) -> Iterator[tuple[str, str]]:
    """The ties of rows a shortest connection may take (:func:`_connects`)."""
    return ((a, b) for a, b, d in build_graph(tables).edges(data=True) if _connects(d))


def shortest_connection(graph: nx.MultiDiGraph, p: Mapping[str, Any]) -> tuple[tuple[str, ...], Rows]:
    columns = ("from_key", "to_key", "steps", "path")
    ties = nx.Graph()
    ties.add_edges_from((a, b) for a, b, d in graph.edges(data=True) if _connects(d))
    found = []
    for a, b in itertools.product(_units(graph, p["from_unit"]), _units(graph, p["to_unit"])):
        if a == b or a not in ties or b not in ties or not nx.has_path(ties, a, b):
            continue
        for nodes in nx.all_shortest_paths(ties, a, b):
            if len(nodes) - 1 > MAX_STEPS:
                break
            for path in _paths(graph, nodes):
                found.append(
                    (
                        (
                            _of(graph, a)["key"],
                            _of(graph, b)["key"],
                            [n.properties["key"] for n in path.nodes],
                            [r.type for r in path.relationships],
                        ),
                        (_of(graph, a)["key"], _of(graph, b)["key"], len(path.relationships), path),
                    )
                )
    return columns, [row for _, row in sorted(found, key=lambda item: item[0])]


def _paths(graph: nx.MultiDiGraph, nodes: Sequence[str]) -> Iterable[GraphPath]:
    """Every path through these nodes, one per choice of relationship at each step."""
    steps = []
    for x, y in itertools.pairwise(nodes):
        steps.append(
            [
                _relationship(s, e, k, d)
                for s, e in ((x, y), (y, x))
                for k, d in (graph.get_edge_data(s, e) or {}).items()
                if _connects(d)
            ]
        )
    path_nodes = tuple(_node(graph, n) for n in nodes)
    for choice in itertools.product(*steps):
        yield GraphPath(path_nodes, tuple(choice))


TWINS: dict[str, Twin] = {
    "unit_ties": unit_ties,
    "cross_appointed": cross_appointed,
    "agreements_in_force": agreements_in_force,
    "unit_attendance": unit_attendance,
    "units_without": units_without,
    "shortest_connection": shortest_connection,
}
