"""Named queries, the read-only runner and the embedded twins.

The runner and every named query run against the real local Neo4j (the ``neo4j_server``
fixture) holding the S city, loaded once for the module through the Neo4j store. Each named
query's answer is checked against facts computed here from the embedded store's tables (the
same ledger, loaded into SQLite), and against its embedded twin, row for row.
"""

from __future__ import annotations

import itertools
import json
import re
import textwrap
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from neo4j import Driver, GraphDatabase

from graph import queries, rules
from graph.embedded import EmbeddedStore
from graph.model import RECORD_TYPES
from graph.neo4j_server import ServerInfo
from graph.queries import (
    NeedsNeo4j,
    QueryError,
    QueryRefused,
    QueryTimeout,
    Result,
    graph_for,
    load_queries,
    parse_query,
    refuse_unless_read,
    run,
    run_embedded,
    run_named,
)
from loaders.ledger import load
from synthetic.city import generate, truth_path

DB = "neo4j"
QUERY_FILES = sorted(queries.QUERY_DIR.glob("*.cypher"))
SLOW = "UNWIND range(1, 100000000) AS x WITH x WHERE x % 7 = 123456 RETURN count(*)"
CARTESIAN = "MATCH (a), (b), (c) WHERE a.key + b.key + c.key = 'x' RETURN count(*)"


# --- query files ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_header_params_are_the_body_params(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = re.findall(r"^// param: (\w+) ", text, re.M)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    assert header
    given = set(rules.query_params())  # the domain rules, given by the runner to every query
    assert sorted(header) == sorted(set(re.findall(r"\$(\w+)", body)) - given)
    assert not given & set(header) and len(header) == len(set(header))


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_header_is_bilingual(path: Path) -> None:
    query = parse_query(path.stem, path.read_text(encoding="utf-8"))
    for text in (query.title, query.description, *(p.help for p in query.params)):
        chinese, english = text.split(" | ")
        assert re.search(r"[\u4e00-\u9fff]", chinese) and re.search(r"[a-z]", english)
    assert query.has_twin


def test_load_queries_reads_every_file() -> None:
    loaded = load_queries()
    assert list(loaded) == [p.stem for p in QUERY_FILES]
    assert set(queries.TWINS) == set(loaded)
    ties = loaded["unit_ties"]
    assert ties.title == "单位的关系 | A unit's ties"
    assert [(p.name, p.type, p.default) for p in ties.params] == [("unit", "text", None)]
    cross = loaded["cross_appointed"]
    assert [(p.name, p.type, p.default) for p in cross.params] == [
        ("area", "text", ""),
        ("as_of", "date", "today"),
    ]


QUERY_FILE = textwrap.dedent(
    """\
    // title: 测试 | A test
    // description: 测试查询 | a test query
    // param: unit (text) 单位 | a unit
    // param: area (text, optional) 区域 | an area
    // param: since (date, default today-30) 开始 | from
    // param: until (date, default today) 结束 | to
    // param: top (int, default 5) 前几名 | how many
    MATCH (u:Organization {key: $unit}) // $ignored in a comment
    WHERE $area = '' AND u.joined >= $since AND u.joined <= $until AND u.name <> '$not_a_param'
    RETURN u LIMIT $top
    """
)


def test_bind_fills_defaults_and_types_values() -> None:
    query = parse_query("test", QUERY_FILE)
    today = date(2025, 3, 31)
    assert query.bind({"unit": "DW1"}, today=today) == {
        "unit": "DW1",
        "area": "",
        "since": "2025-03-01",
        "until": "2025-03-31",
        "top": 5,
    }
    given = {
        "unit": " DW1\u3000",
        "area": "中山区",
        "since": date(2024, 1, 1),
        "until": " 2024-12-31 ",
        "top": "3",
    }
    assert query.bind(given, today=today) == {
        "unit": "DW1",
        "area": "中山区",
        "since": "2024-01-01",
        "until": "2024-12-31",
        "top": 3,
    }
    assert query.bind({"unit": "DW1", "until": ""}, today=today)["until"] == "2025-03-31"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({}, "Missing parameter unit"),
        ({"unit": "x", "colour": "red"}, "has no parameter colour"),
        ({"unit": "x", "since": "2024/1/5"}, "since must be a date like 2025-12-31"),
        ({"unit": "x", "since": "2024-02-30"}, "since must be a date"),
        ({"unit": "x", "top": "many"}, "top must be a whole number"),
    ],
)
def test_bind_says_what_is_wrong(values: dict[str, str], says: str) -> None:
    with pytest.raises(QueryError, match=says) as wrong:
        parse_query("test", QUERY_FILE).bind(values)
    one_language_each(wrong.value)


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def one_language_each(err: QueryError) -> None:
    """The error's Chinese text has no English sentence in it, its English text no Chinese."""
    zh, en = err.text("zh"), err.text("en")
    assert CJK.search(zh) and not CJK.search(en), (zh, en)
    english = re.sub(r"\$?\b\w+=\S*|'[^']*'|\b(Neo4j|Cypher|MATCH|RETURN|LIMIT|WHERE|LOAD CSV)\b", "", zh)
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", english), zh  # no English words in a row


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("// description: d | d\nRETURN 1", "lacks title"),
        (
            "// title: t | t\n// description: d | d\nRETURN $x",
            r"declares parameters \[\] but its body uses \['x'\]",
        ),
        ("// title: t | t\n// description: d | d\n// param: x (text) x | x\nRETURN 1", "declares parameters"),
        ("// title: t | t\n// description: d | d\n// param: x (string) x | x\nRETURN $x", "is not like"),
        ("// title: t | t\n// description: d | d\n// param: x (date, default soon) x\nRETURN $x", "today"),
    ],
)
def test_a_bad_query_file_is_refused_when_read(text: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse_query("bad", text)


def test_unknown_query_lists_the_queries() -> None:
    with pytest.raises(QueryError, match="unit_ties"):
        queries.get_query("no_such_query")


def test_a_query_without_twin_says_it_needs_neo4j(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(queries.TWINS, "unit_ties")
    with pytest.raises(NeedsNeo4j, match="needs Neo4j"):
        run_embedded(nx.MultiDiGraph(), "unit_ties", {"unit": "x"})


# --- refusing from the text alone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV"),
        ("load  csv with headers from 'https://x' AS l RETURN l", "LOAD CSV"),
        ("UNWIND [1] AS x CALL (x) { RETURN x AS y } IN TRANSACTIONS RETURN y", "IN TRANSACTIONS"),
        (
            "UNWIND [1] AS x CALL (x) { RETURN x AS y } IN 2 CONCURRENT TRANSACTIONS RETURN y",
            "IN TRANSACTIONS",
        ),
        ("CALL dbms.security.createUser('x', 'y', false)", "procedure dbms.security.createUser"),
        ("CALL `dbms` . `security`.changePassword('x')", "procedure dbms.security.changePassword"),
        ("CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')", "procedure dbms.setConfigValue"),
        ("MATCH (n) CALL db.createLabel('X') RETURN n", "procedure db.createLabel"),
        ("CALL apoc.create.node(['X'], {})", "procedure apoc.create.node"),
        ("RETURN dbms.functionThatAdministers() AS x", "function dbms.functionThatAdministers"),
        ("SHOW USERS", "SHOW is an administration command"),
        ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "TERMINATE is an administration command"),
        (
            "SHOW TRANSACTIONS YIELD * TERMINATE TRANSACTIONS transactionId",
            "SHOW is an administration command",
        ),
        ("GRANT ROLE admin TO analyst", "GRANT is an administration command"),
        ("USE system SHOW USERS", "USE is not needed"),
        ("PROFILE MATCH (n) RETURN n", "PROFILE is not needed"),
    ],
)
def test_refused_from_the_text(statement: str, reason: str) -> None:
    with pytest.raises(QueryRefused, match="Only read-only queries are allowed") as refused:
        refuse_unless_read(statement)
    assert reason in refused.value.reason
    assert "只允许只读查询" in str(refused.value)
    one_language_each(refused.value)


@pytest.mark.parametrize(
    "statement",
    [
        "MATCH (n:Organization) WHERE n.name = 'LOAD CSV FROM x' RETURN n // CALL dbms.killQuery()",
        "MATCH (`LOAD CSV`) RETURN count(*) /* IN TRANSACTIONS */",
        'RETURN "CALL dbms.security.createUser()" AS text',
        "CALL db.labels() YIELD label RETURN label",
        "CALL db.schema.visualization",
        "MATCH (n) RETURN date.truncate('month', date()) AS month, n.show AS show",
    ],
)
def test_reads_mentioning_refused_words_pass_the_text_check(statement: str) -> None:
    refuse_unless_read(statement)


# --- the S city in Neo4j and in the embedded store ------------------------------------------


@dataclass(frozen=True)
class City:
    folder: Path
    truth: dict[str, Any]
    tables: dict[str, pd.DataFrame]  # the embedded store's tables, by record type
    graph: nx.MultiDiGraph  # the embedded store's view, for the twins


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    folder = generate("S", 42, tmp_path_factory.mktemp("queries") / "city")
    store = EmbeddedStore(folder.parent / "embedded.sqlite")
    try:
        load(folder, store)
        tables = {r.name: store.table(r.name) for r in RECORD_TYPES}
        graph = store.view()
    finally:
        store.close()
    return City(folder, json.loads(truth_path(folder).read_text(encoding="utf-8")), tables, graph)


@pytest.fixture(scope="module")
def driver(neo4j_server: ServerInfo, city: City) -> Iterator[Driver]:
    """A driver to the local Neo4j holding the S city (and nothing else), loaded through the Neo4j store."""
    from graph.neo4j_store import Neo4jStore

    with GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password())) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=DB)
        load(city.folder, Neo4jStore(driver, DB))
        yield driver


def test_a_unit_query_reads_the_units_ties_not_the_whole_store(city: City) -> None:
    store = EmbeddedStore(city.folder.parent / "embedded.sqlite")
    try:
        units = city.tables["organization"].set_index("key")
        checked = 0
        for key in city.tables["attendance"]["org"].value_counts().index[:3]:
            texts = [units.loc[key, "name"], f" {key.lower()} ", *units.loc[key, "aliases"][:1]]
            for text, name in itertools.product(texts, queries.UNIT_TWINS):
                part = graph_for(store, name, {"unit": text})
                assert len(part) < len(city.graph) / 4
                found, expected = (run_embedded(g, name, {"unit": text}) for g in (part, city.graph))
                assert (found.columns, found.rows) == (expected.columns, expected.rows) and expected.rows
                checked += 1
        assert checked >= 12
    finally:
        store.close()


def _area_texts(city: City) -> list[str]:
    """Area texts an analyst may type: none (everywhere), a street's name with spaces, a
    community's key in upper case, and an area that does not exist."""
    areas = city.tables["area"]
    street = areas[areas["level"] == "street"].iloc[1]
    community = areas[areas["level"] == "community"].iloc[-1]
    return ["", f" {street['name']} ", str(community["key"]).upper(), "没有这个区域"]


def test_an_area_query_reads_its_areas_scope_or_the_tables_it_needs(city: City) -> None:
    """The twins of the area queries answer from the rows of the scope of each area the text
    names (Store.scoped), or everywhere from the tables they read, what they answer from the
    whole graph."""
    store = EmbeddedStore(city.folder.parent / "embedded.sqlite")
    try:
        texts = _area_texts(city)
        dates = {"on": "2025-06-30", "as_of": "2025-06-30", "since": "2025-01-01", "until": "2025-12-31"}
        for name, area in itertools.product(queries.AREA_TWINS, texts):
            names = {param.name for param in queries.get_query(name).params}
            values = {"area": area, **{k: v for k, v in dates.items() if k in names}}
            part = graph_for(store, name, values)
            assert len(part) < len(city.graph) / (1 if area == "" else 2), (name, area)
            found, expected = (run_embedded(g, name, values) for g in (part, city.graph))
            assert (found.columns, found.rows) == (expected.columns, expected.rows), (name, area)
            assert expected.rows or area in ("没有这个区域", texts[2]), (name, area)
    finally:
        store.close()


def test_an_area_query_is_answered_from_the_stores_figures_or_the_rows_of_its_first_rows(city: City) -> None:
    """What the 查询 page and `gongjian query` answer on the embedded store (queries.answer):
    units_without from the coverage the store computes, the others everywhere from the rows of
    their first rows only; the same columns, rows, nodes to draw and whether there were more as
    the twins on the whole graph, for any area text, period and row limit."""
    store = EmbeddedStore(city.folder.parent / "embedded.sqlite")
    try:
        texts = _area_texts(city)
        days = [("2024-04-01", "2024-06-30"), ("2025-01-01", "2025-12-31")]
        limits = [1, 7, queries.ROW_LIMIT]
        seen = Counter[tuple[str, bool]]()
        for name, area, (since, until), limit in itertools.product(queries.AREA_TWINS, texts, days, limits):
            dates = {"on": until, "as_of": until, "since": since, "until": until}
            names = {param.name for param in queries.get_query(name).params}
            values = {"area": area, **{k: v for k, v in dates.items() if k in names}}
            found = queries.answer(store, name, values, row_limit=limit)
            expected = run_embedded(city.graph, name, values, row_limit=limit)
            assert (found.columns, found.rows, found.truncated) == (
                expected.columns,
                expected.rows,
                expected.truncated,
            ), (name, area, until, limit)
            assert (found.nodes, found.relationships) == (expected.nodes, expected.relationships)
            seen[name, expected.truncated] += bool(expected.rows)
        assert all(seen[name, cut] for name in queries.AREA_TWINS for cut in (True, False)), seen
    finally:
        store.close()


def test_a_shortest_connection_reads_around_its_two_units_not_the_whole_store(city: City) -> None:
    """The twin of shortest_connection answers from the rows a search from both units reads
    (graph.reach.connection) what it answers from the whole graph: near units, units four and
    more steps apart, units not connected, a unit named twice, names as typed."""
    store = EmbeddedStore(city.folder.parent / "embedded.sqlite")
    try:
        units = city.tables["organization"].set_index("key")
        planted = [p["code"] for p in city.truth["under_engaged"].values()]
        pairs = [
            (a, b) for a in planted[:3] for b in units.index[::40] if street_of(city, a) == street_of(city, b)
        ]
        pairs += [(planted[0], b) for b in units.index[:: max(1, len(units) // 8)]]  # anywhere
        steps: list[int] = []
        for a, b in [*pairs, (planted[0], planted[0])]:
            values = {"from_unit": f" {units.loc[a, 'name']} ", "to_unit": b.lower()}
            part = graph_for(store, "shortest_connection", values)
            assert len(part) < len(city.graph) / 4
            found, expected = (run_embedded(g, "shortest_connection", values) for g in (part, city.graph))
            assert (found.columns, found.rows) == (expected.columns, expected.rows)
            steps += sorted({r[2] for r in expected.rows})
        assert 2 in steps and max(steps) >= 4 and len(steps) >= 6, steps
    finally:
        store.close()


def same_as_twin(result: Result, city: City, name: str, values: dict[str, Any]) -> None:
    twin = run_embedded(city.graph, name, values)
    assert (twin.columns, twin.rows) == (result.columns, result.rows)
    assert twin.truncated == result.truncated


def snapshot(driver: Driver) -> dict[str, Any]:
    """Everything a statement could have changed: data, tokens, schema, users."""
    with driver.session(database=DB) as session:
        state = {
            "nodes": session.run(
                "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props ORDER BY id"
            ).data(),
            "relationships": session.run(
                "MATCH ()-[r]->() RETURN elementId(r) AS id, type(r) AS type, properties(r) AS props ORDER BY id"
            ).data(),
            "labels": session.run("CALL db.labels()").value(),
            "types": session.run("CALL db.relationshipTypes()").value(),
            "keys": session.run("CALL db.propertyKeys()").value(),
            "indexes": session.run("SHOW INDEXES YIELD name RETURN name ORDER BY name").value(),
        }
    with driver.session(database="system") as session:
        state["users"] = session.run("SHOW USERS YIELD user RETURN user ORDER BY user").value()
    return state


# --- the runner against the server ----------------------------------------------------------


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("CREATE (n:Intruder {name: 'x'}) RETURN n", "CREATE writes"),
        ("MERGE (n:Organization {key: 'DW999999'}) RETURN n", "MERGE writes"),
        ("MATCH (n:Organization) SET n.name = 'x'", "SET writes"),
        ("MATCH (n:Organization) WITH n LIMIT 1 DELETE n", "DELETE writes"),
        ("MATCH (n:Organization) DETACH DELETE n", "DETACH DELETE writes"),
        ("MATCH (n:Organization) REMOVE n.name", "REMOVE writes"),
        ("MATCH (n:Organization) FOREACH (x IN [1] | SET n.flag = x)", "FOREACH writes"),
        ("MATCH (n) CALL (n) { CREATE (:Intruder) } RETURN count(*)", "CREATE writes"),
        ("DROP INDEX organization_area", "DROP INDEX changes the schema"),
        ("DROP CONSTRAINT organization_key", "DROP CONSTRAINT changes the schema"),
        ("CREATE INDEX intruder FOR (n:Organization) ON (n.joined)", "CREATE INDEX changes the schema"),
        (
            "CREATE CONSTRAINT intruder FOR (n:Person) REQUIRE n.name IS UNIQUE",
            "CREATE CONSTRAINT changes the schema",
        ),
        ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV reads files"),
        (
            "UNWIND [1] AS x CALL (x) { CREATE (:Intruder) } IN TRANSACTIONS",
            "IN TRANSACTIONS commits in batches",
        ),
        (
            "CALL dbms.security.createUser('mallory', 'secret-password', false)",
            "procedure dbms.security.createUser",
        ),
        ("CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')", "procedure dbms.setConfigValue"),
        ("CALL dbms.listConfig()", "procedure dbms.listConfig"),
        ("CALL dbms.components()", "procedure dbms.components"),
        ("CALL db.clearQueryCaches()", "procedure db.clearQueryCaches"),
        ("CREATE USER mallory SET PASSWORD 'secret-password'", "CREATE USER is an administration command"),
        ("ALTER USER neo4j SET PASSWORD 'secret-password'", "ALTER is an administration command"),
        ("SHOW USERS", "SHOW is an administration command"),
        ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "TERMINATE is an administration command"),
        ("STOP DATABASE neo4j", "STOP is an administration command"),
    ],
)
def test_runner_refuses_what_is_not_a_read(driver: Driver, statement: str, reason: str) -> None:
    before = snapshot(driver)
    with pytest.raises(QueryRefused, match="Only read-only queries are allowed") as refused:
        run(driver, DB, statement)
    assert reason in refused.value.reason
    assert reason in str(refused.value)
    assert snapshot(driver) == before


@pytest.mark.neo4j
def test_writes_are_found_by_the_servers_plan(driver: Driver) -> None:
    """The text check leaves writes to EXPLAIN: the server says what a statement does."""
    before = snapshot(driver)
    statement = "MATCH (n:Organization) WITH n LIMIT 1 SET n += {name: 'x'}"
    refuse_unless_read(statement)
    with pytest.raises(QueryRefused, match="SET writes"):
        run(driver, DB, statement)
    assert snapshot(driver) == before


@pytest.mark.parametrize(
    ("operator", "details", "reason"),
    [
        ("ProcedureCall@neo4j", "dbms.components() :: (name :: STRING)", "procedure dbms.components"),
        ("LoadCSV@neo4j", "line", "LOAD CSV"),
        ("TransactionForeach@neo4j", "IN TRANSACTIONS OF 1000 ROWS", "IN TRANSACTIONS"),
        ("TerminateTransactions@neo4j", "transactions(x)", "TERMINATE"),
        ("AdministrationCommand@system", None, "administration command"),
    ],
)
def test_plan_steps_are_checked_even_in_reads(operator: str, details: str | None, reason: str) -> None:
    plan = {"operatorType": "ProduceResults@neo4j", "args": {}, "children": [
        {"operatorType": operator, "args": {"Details": details} if details else {}, "children": []}
    ]}  # fmt: skip
    with pytest.raises(QueryRefused) as refused:
        queries.refuse_unless_read_plan("RETURN 1", "r", plan)
    assert reason in refused.value.reason
    queries.refuse_unless_read_plan(
        "CALL db.labels()",
        "r",
        {"operatorType": "ProcedureCall@neo4j", "args": {"Details": "db.labels() :: (label :: STRING)"}},
    )


@pytest.mark.neo4j
@pytest.mark.parametrize("statement", [SLOW, CARTESIAN])
def test_a_slow_query_is_stopped_at_its_timeout(driver: Driver, statement: str) -> None:
    began = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"stopped after 1 s") as stopped:
        run(driver, DB, statement, timeout_s=1)
    assert time.monotonic() - began < 15
    assert "秒" in str(stopped.value) and "Narrow it" in str(stopped.value)
    assert run(driver, DB, "RETURN 1 AS one").rows == ((1,),)  # the driver is fine after it


@pytest.mark.neo4j
def test_row_limit_truncates_and_says_so(driver: Driver) -> None:
    result = run(driver, DB, "UNWIND range(1, 100000000) AS x RETURN x", row_limit=10)
    assert result.columns == ("x",)
    assert result.rows == tuple((x,) for x in range(1, 11))
    assert result.truncated
    notice, notice_zh = result.notice("en"), result.notice("zh")
    assert notice is not None and "10" in notice and "LIMIT" in notice and not CJK.search(notice)
    assert notice_zh is not None and "前 10 行" in notice_zh and "there are" not in notice_zh

    exact = run(driver, DB, "UNWIND range(1, 10) AS x RETURN x", row_limit=10)
    assert len(exact.rows) == 10 and not exact.truncated and exact.notice() is None

    default = run(driver, DB, "MATCH (n) RETURN n.key AS key")
    assert len(default.rows) == queries.ROW_LIMIT and default.truncated


@pytest.mark.neo4j
@pytest.mark.parametrize(
    "text",
    ["'}) DETACH DELETE n //", "x` RETURN 1 //", "$unit", "' OR 1=1 OR '", '"}) MATCH (n) SET n.x = 1 //'],
)
def test_parameters_holding_cypher_are_data(driver: Driver, city: City, text: str) -> None:
    before = snapshot(driver)
    assert run(driver, DB, "RETURN $text AS text", {"text": text}).rows == ((text,),)
    result = run_named(driver, DB, "unit_ties", {"unit": text})
    assert result.rows == ()
    same_as_twin(result, city, "unit_ties", {"unit": text})
    assert snapshot(driver) == before


@pytest.mark.neo4j
def test_errors_say_what_to_do(driver: Driver) -> None:
    with pytest.raises(QueryError, match=r"syntax error; fix it and run again(?s:.*)column 10 \(offset: 9\)"):
        run(driver, DB, "MATCH (n RETURN n")
    with pytest.raises(QueryError, match="The query is empty") as empty:
        run(driver, DB, "  // nothing\n")
    one_language_each(empty.value)
    with pytest.raises(QueryError, match="check the query and its parameters") as refused:
        run(driver, DB, "RETURN $missing AS x")
    assert "请检查查询及其参数" in refused.value.text("zh") and "check" not in refused.value.text("zh")
    with pytest.raises(QueryError, match="fix these settings") as settings:
        run(driver, DB, "RETURN 1", row_limit=0)
    one_language_each(settings.value)


@pytest.mark.neo4j
def test_graph_values_are_drawn_and_shown_as_text(driver: Driver) -> None:
    result = run(
        driver,
        DB,
        "MATCH p = (o:Organization {key: 'DW000002'})-[r:IN_AREA]->(a:Area) "
        "RETURN o, r, p, a.name AS area, date('2025-01-02') AS day, [o.key] AS keys",
    )
    (row,) = result.rows
    assert row == (
        "林海社区党总支",
        "IN_AREA",
        "林海社区党总支 -[IN_AREA]-> 林海社区",
        "林海社区",
        "2025-01-02",
        ["DW000002"],
    )
    assert sorted(n.labels[0] for n in result.nodes) == ["Area", "Organization"]
    (rel,) = result.relationships
    assert rel.type == "IN_AREA" and {rel.start, rel.end} == {n.id for n in result.nodes}
    assert next(n for n in result.nodes if n.labels == ("Organization",)).properties["key"] == "DW000002"


# --- facts from the tables ------------------------------------------------------------------


def upper(day: str) -> str:
    return day + "-31" if len(day) == 7 else day


def running(start: Any, end: Any, since: str, until: str) -> bool:
    return (pd.isna(start) or start <= until) and (pd.isna(end) or upper(end) >= since)


def areas_under(city: City, area: str) -> set[str]:
    areas = city.tables["area"]
    found = set(areas.key[(areas.name == area) | (areas.code == area) | (areas.key == area)])
    while True:
        more = set(areas.key[areas.parent.isin(found)]) - found
        if not more:
            return found
        found |= more


def units_in(city: City, area: str) -> set[str]:
    units = city.tables["organization"]
    return set(units.key[units.area.isin(areas_under(city, area))])


def unit_key(city: City, text: str) -> str:
    units = city.tables["organization"]
    (key,) = units.key[(units.name == text) | (units.code == text) | units.aliases.map(lambda a: text in a)]
    return str(key)


def street_of(city: City, unit: str) -> str:
    units = city.tables["organization"].set_index("key")
    areas = city.tables["area"].set_index("key")
    area = units.area[unit]
    while areas.level[area] != "street":
        area = areas.parent[area]
    return str(areas.name[area])


# --- each named query: its answer, and its twin -----------------------------------------------


@pytest.mark.neo4j
def test_unit_ties(driver: Driver, city: City) -> None:
    t = city.tables
    units = t["organization"]
    name, alias = next((n, a[0]) for n, a in zip(units.name, units.aliases, strict=True) if a)
    key = unit_key(city, name)
    by_alias = run_named(driver, DB, "unit_ties", {"unit": f"  {alias.upper()} "})
    assert run_named(driver, DB, "unit_ties", {"unit": key.lower()}).rows == by_alias.rows
    assert run_named(driver, DB, "unit_ties", {"unit": name}).rows == by_alias.rows

    expected = Counter(
        [("IN_AREA", "→", units.set_index("key").area[key])]
        + [("HOLDS", "←", p) for p in t["post"].person[t["post"].org == key]]
        + [("ATTENDED", "→", m) for m in t["attendance"].meeting[t["attendance"].org == key]]
        + [("PARTY_TO", "→", g) for g, ps in zip(t["agreement"].key, t["agreement"].parties, strict=True) if key in ps]
        + [("HOSTS", "→", m) for m in t["meeting"].key[t["meeting"].host == key]]
        + [("CONTRIBUTES", "→", p) for p, cs in zip(t["project"].key, t["project"].contributors, strict=True) if key in cs]
        + [("OFFERS", "→", r) for r in t["resource"].key[t["resource"].org == key]]
        + [("REGISTERED", "→", c) for c in t["registration"].community[(t["registration"].org == key) & t["registration"].person.isna()]]
    )  # fmt: skip
    rows = by_alias.rows
    assert Counter((r[2], r[3], r[5]) for r in rows) == expected
    assert {r[0] for r in rows} == {key} and {r[1] for r in rows} == {name}
    assert len(by_alias.relationships) == len(rows)
    assert len(by_alias.nodes) == 1 + len({r[5] for r in rows})
    roles = dict(
        zip(t["post"].person[t["post"].org == key], t["post"].role[t["post"].org == key], strict=True)
    )
    assert all(r[7] == roles[r[5]] for r in rows if r[2] == "HOLDS")
    same_as_twin(by_alias, city, "unit_ties", {"unit": f"  {alias.upper()} "})


@pytest.mark.neo4j
@pytest.mark.parametrize("area", ["", "葵英街道", "210202002"])
def test_cross_appointed(driver: Driver, city: City, area: str) -> None:
    as_of = city.truth["periods"]["as_of"]
    posts = city.tables["post"]
    inside = units_in(city, area) if area else set(city.tables["organization"].key)
    held: dict[str, set[str]] = defaultdict(set)
    for person, org, start, end in zip(posts.person, posts.org, posts.start, posts.end, strict=True):
        if org in inside and running(start, end, as_of, as_of):
            held[person].add(org)
    expected = {p: sorted(orgs) for p, orgs in held.items() if len(orgs) >= 2}

    result = run_named(driver, DB, "cross_appointed", {"area": area, "as_of": as_of})
    assert expected
    assert {r[0]: r[3] for r in result.rows} == expected
    assert all(r[2] == len(r[3]) == len(r[4]) == len(r[5]) for r in result.rows)
    assert [r[2] for r in result.rows] == sorted((r[2] for r in result.rows), reverse=True)
    same_as_twin(result, city, "cross_appointed", {"area": area, "as_of": as_of})


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("area", "on"), [("", "2024-06-30"), ("葵英街道", "2025-06-30"), ("中山区", "2025-12-31")]
)
def test_agreements_in_force(driver: Driver, city: City, area: str, on: str) -> None:
    agreements = city.tables["agreement"]
    inside = units_in(city, area) if area else set(city.tables["organization"].key)
    expected = {
        key: sorted(parties)
        for key, signed, expires, parties in zip(
            agreements.key, agreements.signed, agreements.expires, agreements.parties, strict=True
        )
        if signed <= on and running(signed, expires, on, on) and inside.intersection(parties)
    }
    result = run_named(driver, DB, "agreements_in_force", {"area": area, "on": on})
    assert expected
    assert {r[0]: r[6] for r in result.rows} == expected
    assert [r[3] for r in result.rows] == sorted(r[3] for r in result.rows)
    same_as_twin(result, city, "agreements_in_force", {"area": area, "on": on})


@pytest.mark.neo4j
def test_unit_attendance(driver: Driver, city: City) -> None:
    name, planted = next(iter(city.truth["under_engaged"].items()))
    key = unit_key(city, name)
    attendance = city.tables["attendance"].merge(
        city.tables["meeting"][["key", "date"]].rename(columns={"key": "meeting"}), on="meeting"
    )
    mine = attendance[attendance.org == key]
    quarters = mine.date.map(lambda d: f"{d[:4]}-Q{(int(d[5:7]) + 2) // 3}")
    expected = {
        q: (
            len(group),
            *(int((group.status == s).sum()) for s in ("present", "substitute", "excused", "absent")),
        )
        for q, group in mine.groupby(quarters)
    }
    result = run_named(driver, DB, "unit_attendance", {"unit": name})
    assert result.columns[2:] == ("quarter", "invited", "present", "substitute", "excused", "absent")
    assert {r[2]: tuple(r[3:]) for r in result.rows} == expected
    assert sum(r[3] for r in result.rows) == planted["invited"]
    assert sum(r[4] + r[5] for r in result.rows) == planted["attended"]
    same_as_twin(result, city, "unit_attendance", {"unit": name})

    name, dropped = next(iter(city.truth["dropped"].items()))
    year = str(city.truth["periods"]["recent_year"])
    values = {"unit": name, "since": f"{year}-01-01", "until": f"{year}-12-31"}
    recent = run_named(driver, DB, "unit_attendance", values)
    assert {r[2][:4] for r in recent.rows} == {year}
    assert sum(r[3] for r in recent.rows) == dropped[f"invited_{year}"]
    assert sum(r[4] + r[5] for r in recent.rows) == dropped[f"attended_{year}"]
    same_as_twin(recent, city, "unit_attendance", values)


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("area", "since", "until"),
    [
        ("中山区", "2025-12-31", "2025-12-31"),
        ("葵英街道", "2024-01-01", "2024-12-31"),
        ("", "2025-01-01", "2025-12-31"),
    ],
)
def test_units_without(driver: Driver, city: City, area: str, since: str, until: str) -> None:
    t = city.tables
    units = t["organization"]
    committees = set(units.key[units.kind.isin(["street_committee", "community_committee"])])
    inside = units_in(city, area) if area else set(units.key)
    members = units[
        units.joined.notna() & (units.joined <= until) & ~units.key.isin(committees) & units.key.isin(inside)
    ]

    agreed = {
        org
        for signed, expires, parties in zip(t["agreement"].signed, t["agreement"].expires, t["agreement"].parties, strict=True)
        if running(signed, expires, since, until)
        for org in parties
    }  # fmt: skip
    posts = t["post"][
        [running(s, e, since, until) for s, e in zip(t["post"].start, t["post"].end, strict=True)]
    ]
    # a seat: someone whose own post is in the unit holds a part-time post on a committee above it
    parent = dict(zip(t["area"].key, t["area"].parent, strict=True))
    where = dict(zip(units.key, units.area, strict=True))

    def up(area: Any) -> set[str]:
        return {area} | up(parent[area]) if isinstance(area, str) else set()

    def part_time(marked: Any, role: str) -> bool:
        return marked is True or (marked is None and "兼职" in role)

    own = [(p, o) for p, o, m, r in zip(posts.person, posts.org, posts.part_time, posts.role, strict=True)
           if o not in committees and not part_time(m, r)]  # fmt: skip
    seats = [(p, o) for p, o, m, r in zip(posts.person, posts.org, posts.part_time, posts.role, strict=True)
             if o in committees and part_time(m, r)]  # fmt: skip
    seats_of: dict[str, set[str]] = defaultdict(set)
    for p, c in seats:
        seats_of[p].add(c)
    seated = {u for p, u in own for c in seats_of[p] if where[c] in up(where[u])}
    attendance = t["attendance"].merge(
        t["meeting"][["key", "date"]].rename(columns={"key": "meeting"}), on="meeting"
    )
    present = attendance.status.isin(["present", "substitute"])
    in_period = attendance.date.map(lambda d: running(d, d, since, until)).astype(bool)
    attended = set(attendance.org[present & in_period])

    expected = {
        key: (key not in agreed, key not in seated, key not in attended)
        for key in members.key
        if not (key in agreed and key in seated and key in attended)
    }
    result = run_named(driver, DB, "units_without", {"area": area, "since": since, "until": until})
    assert expected
    assert {r[0]: tuple(r[6:]) for r in result.rows} == expected
    same_as_twin(result, city, "units_without", {"area": area, "since": since, "until": until})

    if since == city.truth["periods"]["as_of"]:  # the planted under-engaged units, at the end
        flags = {r[0]: r[6:] for r in result.rows}
        for planted in city.truth["under_engaged"].values():
            no_agreement, no_seat, _ = flags[planted["code"]]
            assert no_agreement
            assert no_seat or "no_cross_appointment" not in planted["reasons"]


def ties(city: City, unit: str) -> Counter[str]:
    """The nodes one step from a unit through the connecting relationships (meetings only when
    attended), with how many relationships lead to each."""
    t = city.tables
    came = t["attendance"].status.isin(["present", "substitute"])
    return Counter(
        [f"meeting:{m}" for m in t["attendance"].meeting[(t["attendance"].org == unit) & came]]
        + [f"meeting:{m}" for m in t["meeting"].key[t["meeting"].host == unit]]
        + [f"person:{p}" for p in t["post"].person[t["post"].org == unit]]
        + [
            f"agreement:{g}"
            for g, ps in zip(t["agreement"].key, t["agreement"].parties, strict=True)
            if unit in ps
        ]
        + [
            f"project:{p}"
            for p, cs in zip(t["project"].key, t["project"].contributors, strict=True)
            if unit in cs
        ]
    )


@pytest.mark.neo4j
def test_shortest_connection(driver: Driver, city: City) -> None:
    neighbours = {k: ties(city, k) for k in city.tables["organization"].key}
    planted = [p["code"] for p in city.truth["under_engaged"].values()]
    first = planted[0]
    near = next(k for k in neighbours if k != first and neighbours[k] & neighbours[first])
    shared = neighbours[first] & neighbours[near]
    values = {"from_unit": first, "to_unit": near}
    result = run_named(driver, DB, "shortest_connection", values)
    assert result.columns == ("from_key", "to_key", "steps", "path")
    assert len(result.rows) == sum(neighbours[first][n] * neighbours[near][n] for n in shared)
    assert {(r[0], r[1], r[2]) for r in result.rows} == {(first, near, 2)}
    assert all(len(re.findall(r" -\[\w+\]-> | <-\[\w+\]- ", r[3])) == 2 for r in result.rows)
    middles = {f"{n.labels[0].lower()}:{n.properties['key']}" for n in result.nodes} - {
        f"organization:{first}",
        f"organization:{near}",
    }
    assert middles == set(shared)
    same_as_twin(result, city, "shortest_connection", values)

    # Units of the same street with no neighbour in common: no path of 2 steps, maybe longer ones.
    apart = [
        (a, b)
        for a in planted
        for b in neighbours
        if b != a
        and neighbours[b]
        and not neighbours[a] & neighbours[b]
        and street_of(city, a) == street_of(city, b)
    ]
    assert apart
    farther = [run_named(driver, DB, "shortest_connection", {"from_unit": a, "to_unit": b}) for a, b in apart]
    assert any(r.rows for r in farther)
    for (a, b), found in zip(apart, farther, strict=True):
        assert all(r[2] >= 4 for r in found.rows)
        same_as_twin(found, city, "shortest_connection", {"from_unit": a, "to_unit": b})

    assert run_named(driver, DB, "shortest_connection", {"from_unit": first, "to_unit": first}).rows == ()


@pytest.mark.neo4j
def test_named_queries_share_the_row_limit(driver: Driver, city: City) -> None:
    values = {"unit": next(iter(city.truth["under_engaged"]))}
    full = run_named(driver, DB, "unit_ties", values)
    cut = run_named(driver, DB, "unit_ties", values, row_limit=5)
    assert cut.truncated and cut.rows == full.rows[:5]
    twin = run_embedded(city.graph, "unit_ties", values, row_limit=5)
    assert twin.truncated and twin.rows == cut.rows
