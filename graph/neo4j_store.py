"""The Neo4j store: the records of the embedded store, kept as a property graph in Neo4j.

    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        store = Neo4jStore(driver, database="neo4j")

The store is handed its driver (:func:`graph.stores.open_store` builds one from the settings)
and applies ``cypher/schema.cypher`` when it opens. Every statement it runs is a file in
``cypher/``, loaded by name (:func:`statement`); labels, relationship types and field names are
put in from :mod:`graph.model` only, values are always parameters.

The graph
    A node record (area, organization, …) is a node labelled with its record type's label
    (``Area``, ``Organization``, …) holding its key, every field (lists as lists; empty fields
    are left out) and its source (``src_file``, ``src_sheet``, ``src_row``). Its reference
    fields are also relationships of the field's type, so that queries can walk them:
    ``(:Organization)-[:IN_AREA]->(:Area)``, ``(:Organization)-[:PARTY_TO]->(:Agreement)`` for
    an agreement's parties. A relationship record (post, attendance, registration) is a
    relationship of its label (``HOLDS``, ``ATTENDED``, ``REGISTERED``) from its source (or its
    fallback: a unit's own registration) to its target, with its key, fields and source as
    properties. Keys are unique per label and per relationship type.

Loads
    Neo4j cannot hold a city's ledger in one transaction, so a write runs in batches and is made
    all-or-nothing by being re-runnable:

    1. Everything is checked before anything is written: record types, columns, unique keys,
       and that the start and end of every relationship record exist.
    2. The rows are compared with the stored records of the same keys, which gives the
       ``Change`` per record type; rows stored exactly so are not written again.
    3. A ``(:Load {id, digest, files, rows, changes, started})`` node is written first.
    4. The rows are written in batches of :data:`BATCH`, each in one managed write transaction
       (retried on transient errors): nodes, then their reference relationships, then the
       relationship records. Each statement replaces what the store holds under the row's key,
       so it can run twice; records with keys step 2 found the store did not hold are simply
       created (``create_*.cypher``: no lookup, no old references to remove), which makes a
       first load cheaper, and a rerun writes every row with the replacing statements.
    5. The Load node gets its ``finished`` time; Load nodes stay, as the history of loads.

    A load that fails or is killed between 3 and 5 leaves its Load node unfinished. What it
    wrote stays in the store; opening the store logs a warning naming the load and ending
    "rerun the load to finish it" (also :meth:`Neo4jStore.unfinished_loads`), and a failed
    write raises :class:`StoreError` saying the same. Rerunning it (the same rows: the same
    digest) rewrites every row, which leaves no duplicates, marks the load finished and
    reports the changes the first run found.

Views
    :meth:`Neo4jStore.view` selects on the server what the embedded store selects (the same
    scope and date rules, ``cypher/view_*.cypher``), so the view of one street reads that
    street's records only, and builds the same networkx graph from them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import pandas as pd
from neo4j import Driver, ManagedTransaction, Session
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from graph.bridges import pushdown
from graph.changes import TABLES
from graph.embedded import build_graph
from graph.errors import StoreError
from graph.indicators import facts_frame, facts_params
from graph.model import NODE_LABELS, RECORD_TYPES, RECORDS, RELATIONSHIP_TYPES, SOURCE_COLUMNS, RecordType
from graph.rules import COMMITTEES, LEVELS, area_paths
from graph.scope import SCOPE_RECORDS, area_anchors, below, quarter_end, quarter_start
from graph.store import Change, Changes, Progress

BATCH = 10_000  # rows per write transaction
CYPHER_DIR = Path(__file__).resolve().parent.parent / "cypher"
ANCHORS = ("area", "organization")
# The statements of the engagement indicators (cypher/engagement_<family>.cypher), the units first.
ENGAGEMENT_FAMILIES = (
    "units",
    "meetings",
    "agreements",
    "ties",
    "post_activity",
    "projects",
    "resources",
    "registrations",
)  # the records an area view is anchored on, as in the embedded store

log = logging.getLogger(__name__)
# The driver logs each retry of an unreachable server as a warning with its raw socket error;
# with no handler of its own that text lands on stderr. The store says what to do instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
log.addHandler(logging.NullHandler())  # not on stderr by itself: the CLI and the app say it
_T = TypeVar("_T")

_NAMES = frozenset(
    {*NODE_LABELS, *RELATIONSHIP_TYPES, "key", *(c.name for r in RECORD_TYPES for c in r.columns)}
)
_PLACEHOLDER = re.compile(r"<([A-Za-z]+)>")


@cache
def _read(name: str) -> str:
    return (CYPHER_DIR / f"{name}.cypher").read_text(encoding="utf-8")


def statement(name: str, **names: str) -> str:
    """The Cypher in ``cypher/<name>.cypher`` with its ``<Placeholders>`` replaced by ``names``,
    each a label, relationship type or field name of :mod:`graph.model`."""
    bad = {k: v for k, v in names.items() if v not in _NAMES}
    if bad:
        raise ValueError(f"{bad} are not labels, relationship types or fields of graph.model")

    def put(found: re.Match[str]) -> str:
        return names[found[1]]

    return _PLACEHOLDER.sub(put, _read(name))


def schema() -> list[str]:
    """The statements of ``cypher/schema.cypher``."""
    lines = [line for line in _read("schema").splitlines() if not line.lstrip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@dataclass(frozen=True)
class _Step:
    """One statement run over rows in batches, with the same other parameters each time."""

    statement: str
    rows: list[dict[str, Any]]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class _Load:
    id: str
    digest: str
    files: list[str]
    rows: int
    changes: Changes
    started: str

    def message(self) -> str:
        files = ", ".join(self.files[:3]) + (
            f" and {len(self.files) - 3} more" if len(self.files) > 3 else ""
        )
        return (
            f"The load of {self.rows} rows from {files or 'no file'} started at {self.started} did not "
            "finish (it failed, was stopped, or is still running): some of its rows are in the store, "
            "some may not be. Rerun the load to finish it."
        )


class Neo4jStore:
    """A store in a Neo4j database, reached through the driver it is handed.

    ``close_driver``: close the driver in :meth:`close` (for a driver made for this store alone).
    """

    def __init__(self, driver: Driver, database: str = "neo4j", *, close_driver: bool = False) -> None:
        self.driver = driver  # the read-only query runner (graph.queries) runs on it
        self.database = database
        self._close_driver = close_driver
        try:
            driver.verify_connectivity()  # fails at once, where a managed transaction retries for 30 s
            with self._session() as session:
                for text in schema():
                    session.execute_write(_run, text)
            unfinished = self._unfinished()
        except (Neo4jError, DriverError) as err:
            raise StoreError(f"Cannot open the Neo4j database {database!r}: {_reason(err)}") from err
        for load in unfinished:
            log.warning(load.message())  # the CLI and the app say it to the user (unfinished_loads)

    def __repr__(self) -> str:
        return f"Neo4jStore(database={self.database!r})"

    def _session(self) -> Session:
        # No notifications: "property key does not exist" on an empty store is no news.
        return self.driver.session(database=self.database, notifications_min_severity="OFF")

    def unfinished_loads(self) -> list[str]:
        """What to tell the user about each load that did not finish (empty when all did)."""
        try:
            return [load.message() for load in self._unfinished()]
        except (Neo4jError, DriverError) as err:
            raise StoreError(f"Cannot read the Neo4j database {self.database!r}: {_reason(err)}") from err

    def _unfinished(self) -> list[_Load]:
        with self._session() as session:
            records = session.execute_read(_records, statement("load_unfinished"))
        return [
            _Load(
                id=r["id"],
                digest=r["digest"],
                files=list(r["files"]),
                rows=r["rows"],
                changes={k: Change(*v) for k, v in json.loads(r["changes"]).items()},
                started=r["started"],
            )
            for r in records
        ]

    # --- writing --------------------------------------------------------------------------

    def write(self, tables: Mapping[str, pd.DataFrame], progress: Progress | None = None) -> Changes:
        payloads = _payloads(tables)
        digest = _digest(payloads)
        load: _Load | None = None
        try:
            with self._session() as session:
                load = next((u for u in self._unfinished() if u.digest == digest), None)
                if load is not None:  # a rerun of a load that did not finish: write every row again
                    log.warning("Finishing the load of the same rows started at %s.", load.started)
                    changes, rows = load.changes, _Rows({name: [] for name in payloads}, dict(payloads))
                else:
                    changes, rows = _compare(session, payloads)
                _check_ends(session, payloads, rows)
                steps = _steps(rows)
                if load is None:
                    load = _start(session, digest, tables, changes)
                _run_steps(session, steps, sum(map(len, payloads.values())) - len(rows), progress)
                session.execute_write(_run, statement("load_finish"), id=load.id)
        except (Neo4jError, DriverError) as err:
            if load is None:
                raise StoreError(
                    f"Cannot write to the Neo4j database {self.database!r}: {_reason(err)}"
                ) from err
            raise StoreError(
                f"The load into the Neo4j database {self.database!r} stopped: {_reason(err)} Some of its "
                "rows are in the store, some may not be; once Neo4j answers, rerun the load to finish it."
            ) from err
        return changes

    # --- reading --------------------------------------------------------------------------

    def table(self, record: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        rec = RECORDS[record]
        names = table_columns(rec)
        wanted = list(columns) if columns else names
        bad = [c for c in wanted if c not in names]
        if bad:
            raise StoreError(f"{record} has no columns {bad}; it has {names}.")
        fetched = wanted if "key" in wanted else ["key", *wanted]  # to order by key
        text = statement(f"table_{_kind(rec)}", **_names(rec))
        rows = self._read(lambda tx: _values(tx, text, columns=fetched))
        at = fetched.index("key")
        rows.sort(key=lambda values: values[at])  # code point order, as SQLite orders text
        if fetched is not wanted:
            rows = [values[1:] for values in rows]
        return _frame(rec, wanted, rows)

    def scoped(self, area: str) -> dict[str, pd.DataFrame]:
        return self._read(lambda tx: _scoped_tables(tx, area))

    # --- figures computed on the server (cypher/overview_*.cypher, cypher/cross_*.cypher) ----

    def unit_counts(self, area: str | None, kinds: Sequence[str], end: str) -> pd.DataFrame:
        """Per area and kind of the scope's units: how many, how many are member units on
        ``end``, how many have a party organization."""
        rows = self._figures("overview_units", area, kinds, end=end)
        columns = ["area", "kind", "units", "members", "party_orgs"]
        return pd.DataFrame([[r[c] for c in columns] for r in rows], columns=columns)

    def coverage(
        self, area: str | None, kinds: Sequence[str], start: str, end: str, quarters: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """As :meth:`graph.embedded.EmbeddedStore.coverage`, in one statement on the server."""
        periods = [["", start, end], *([q, quarter_start(q), quarter_end(q)] for q in quarters)]
        last = max(p[2] for p in periods)
        rows = {
            r["period"]: r for r in self._figures("overview_coverage", area, kinds, end=last, periods=periods)
        }
        figures = ["agreement", "seat", "attended"]
        units = sorted(rows[""]["units"]) if "" in rows else []
        flags = pd.DataFrame(units, columns=["key", "name", "kind", "area", *figures])
        flags[figures] = flags[figures].astype(bool)
        trend = pd.DataFrame(
            [
                (q, *((rows[q]["members"], *(rows[q][f] for f in figures)) if q in rows else (0, 0, 0, 0)))
                for q in quarters
            ],
            columns=["quarter", "members", *figures],
        )
        return flags, trend

    def cross_ties(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """As :meth:`graph.embedded.EmbeddedStore.cross_ties`, in one statement on the server."""
        found = []
        for r in self._figures("cross_ties", area, kinds, start=start, end=end):
            unit = [r["unit"], r["name"], r["kind"], r["area"]]
            if not r["committees"]:
                found.append([*unit, None, None, None, (), ()])
            for key, name, kind in sorted(r["committees"], key=lambda c: str(c[0])):
                up = tuple((p, n) for c, p, n, u, _ in r["links"] if c == key and u)
                down = tuple((p, n) for c, p, n, _, d in r["links"] if c == key and d)
                found.append([*unit, key, name, kind, up, down])
        columns = [
            "unit",
            "name",
            "kind",
            "area",
            "committee",
            "committee_name",
            "committee_kind",
            "up",
            "down",
        ]
        return pd.DataFrame(found, columns=columns, dtype=object)

    def bridging_posts(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """As :meth:`graph.embedded.EmbeddedStore.bridging_posts`, in one statement on the server."""
        rows = self._figures("cross_bridging", area, kinds, start=start, end=end)
        found = [
            [r["person"], r["name"], org, org_name, role] for r in rows for org, org_name, role in r["posts"]
        ]
        return pd.DataFrame(found, columns=["person", "person_name", "org", "org_name", "role"], dtype=object)

    def change_rows(
        self, area: str | None, kinds: Sequence[str], start: str, end: str
    ) -> dict[str, pd.DataFrame]:
        """The rows :func:`graph.changes.in_scope` needs: the scope's rows (:meth:`scoped`), or
        every row for the whole city (not narrowed to the period on this store yet)."""
        if area is None:
            return {record: self.table(record) for record in TABLES}
        found = self.scoped(area)
        return {record: found[record] for record in TABLES}

    def _figures(self, name: str, area: str | None, kinds: Sequence[str], **values: Any) -> list[Any]:
        """The records of a figure statement over the scope of ``area`` (None: all) and ``kinds``,
        with the rules' parameters (:func:`graph.bridges.pushdown`), in one read transaction."""
        columns = ["key", "level", "parent"]

        def work(tx: ManagedTransaction) -> list[Any]:
            areas = _frame(
                RECORDS["area"], columns, _values(tx, statement("table_nodes", Label="Area"), columns=columns)
            )
            return _records(tx, statement(name), **pushdown(areas, area, kinds), **values)

        return self._read(work)

    def rows(self, record: str, field: str, keys: Iterable[str]) -> pd.DataFrame:
        """The rows whose ``field`` (key, reference or list of references) is one of ``keys``:
        looked up on the server through the key and reference indexes (a list field filtered
        there), in key order."""
        rec = RECORDS[record]
        column = None if field == "key" else rec.column(field)
        if column is not None and not column.ref:
            raise StoreError(f"{record}.{field} is not a reference; look rows up by key or a reference.")
        wanted = sorted({k for k in keys if isinstance(k, str)})
        names = table_columns(rec)
        if not wanted:
            return _frame(rec, names, [])
        file = "view_nodes_any" if column is not None and column.kind == "refs" else f"view_{_kind(rec)}_in"
        text = statement(file, **_names(rec), field=field)
        found = self._read(
            lambda tx: _values(tx, text, columns=names, as_of=None, since=None, until=None, keys=wanted)
        )
        found.sort(key=lambda values: values[0])  # code point order, as SQLite orders text
        return _frame(rec, names, found)

    def date_range(self, record: str, field: str) -> tuple[str | None, str | None]:
        """The first and last value of a date field holding at least a month, aggregated on the
        server (one row crosses Bolt)."""
        rec = RECORDS[record]
        rec.column(field)  # a field of the model, never data
        text = statement("explore_date_range", Label=rec.label, field=field)
        found = self._read(lambda tx: _records(tx, text))
        return found[0]["first"], found[0]["last"]

    def group_ties(
        self, groups: Mapping[str, str], start: str, end: str, kinds: Sequence[str] = ()
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The unit network of [start, end] counted by groups of areas on the server
        (explore_group_*.cypher, twins of graph.structure.unit_network); only the counts cross
        Bolt."""
        params = {
            "groups": [[a, g] for a, g in groups.items()],
            "group_of": dict(groups),
            "start": start,
            "end": end,
            "committee_kinds": list(COMMITTEES),
            "kinds": list(kinds),
        }

        def read(tx: ManagedTransaction) -> tuple[list[Any], list[Any]]:
            units = _records(tx, statement("explore_group_units"), **params)
            return units, _records(tx, statement("explore_group_ties"), **params)

        units, found = self._read(read)
        per_group: dict[str, tuple[int, str]] = {}
        for r in units:  # rows per group, summed
            n, first = per_group.get(r["grp"], (0, r["first"]))
            per_group[r["grp"]] = (n + r["units"], min(first, r["first"]))
        by_first = sorted(per_group, key=lambda g: per_group[g][1])
        ties: dict[tuple[str, str], list[int]] = {}
        for r in found:
            x, y = r["grp"], r["other_grp"]
            ties.setdefault((min(x, y), max(x, y)), [0, 0, 0])[r["kind"]] += r["ties"]
        return (
            pd.DataFrame(
                [(g, *per_group[g]) for g in by_first],
                columns=["group", "units", "first"],
            ),
            pd.DataFrame(
                [(a, b, *n) for (a, b), n in sorted(ties.items())],
                columns=["a", "b", "people", "agreements", "projects"],
            ),
        )

    def revision(self) -> int:
        """The number on the (:Revision) node, bumped when a load starts and when it finishes."""
        found = self._read(lambda tx: _records(tx, statement("revision")))
        return int(found[0]["revision"]) if found else 0

    def counts(self) -> dict[str, int]:
        def count(tx: ManagedTransaction) -> dict[str, int]:
            counts = {}
            for rec in RECORD_TYPES:
                record = tx.run(statement(f"count_{_kind(rec)}", **_names(rec))).single(strict=True)
                counts[rec.name] = int(record["records"])
            return counts

        return self._read(count)

    def view(self, area: str | None = None, as_of: str | None = None) -> nx.MultiDiGraph:
        return build_graph(self._read(lambda tx: _view_tables(tx, area, as_of)))

    def _read(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """The result of ``work`` run in one managed read transaction."""
        try:
            with self._session() as session:
                return session.execute_read(work)
        except (Neo4jError, DriverError) as err:
            raise StoreError(f"Cannot read the Neo4j database {self.database!r}: {_reason(err)}") from err

    # --- engagement indicators (graph.engagement) --------------------------------------------

    def engagement_facts(
        self,
        periods: Sequence[tuple[str, str]],
        problems: Sequence[str],
        area: str | None = None,
    ) -> list[pd.DataFrame]:
        """See :meth:`graph.store.Store.engagement_facts`: by Cypher on the server, one statement
        per figure family and period (``cypher/engagement_*.cypher``), returning one row per unit,
        in one read transaction."""
        areas = self.table("area", ["key", "level", "parent"])
        common = {
            # graph.rules.area_paths: the one definition of the areas above an area
            "paths": {a: list(path.values()) for a, path in area_paths(areas).items()},
            # every area for the whole store: the statements seek the index on Organization.area
            "areas": sorted(areas["key"]) if area is None else sorted(below(areas, area)),
        }

        def work(tx: ManagedTransaction) -> list[list[pd.DataFrame]]:
            out = []
            for start, end in periods:
                params = {**facts_params(start, end, problems), **common}
                parts = []
                for family in ENGAGEMENT_FAMILIES:
                    found = tx.run(statement(f"engagement_{family}"), **params)
                    names = list(found.keys())
                    rows = [list(r.values()) for r in found]
                    parts.append(pd.DataFrame(rows, columns=names, dtype=object).set_index("key"))
                out.append(parts)
            return out

        return [facts_frame(parts[0].index, parts) for parts in self._read(work)]

    def engagement_rows(
        self, units: Collection[str], communities: Collection[str]
    ) -> dict[str, pd.DataFrame]:
        """See :meth:`graph.store.Store.engagement_rows`: looked up on the server by indexed
        references (the list fields filtered there)."""

        def work(tx: ManagedTransaction) -> dict[str, pd.DataFrame]:
            def rows(record: str, field: str, keys: Iterable[Any], file: str = "") -> list[list[Any]]:
                rec = RECORDS[record]
                wanted = sorted({k for k in keys if k is not None})
                if not wanted:
                    return []
                text = statement(file or f"view_{_kind(rec)}_in", **_names(rec), field=field)
                return _values(
                    tx, text, columns=table_columns(rec), as_of=None, since=None, until=None, keys=wanted
                )

            def frame(record: str, found: Iterable[list[Any]]) -> pd.DataFrame:
                rec = RECORDS[record]
                by_key = {r[0]: r for r in found}
                return _frame(rec, table_columns(rec), [by_key[k] for k in sorted(by_key)])

            orgs = rows("organization", "key", units)
            orgs += _values(
                tx,
                statement("engagement_committees"),
                columns=table_columns(RECORDS["organization"]),
                committee_kinds=list(COMMITTEES),
            )
            posts = rows("post", "org", units)
            attendance = rows("attendance", "org", units)
            at = table_columns(RECORDS["attendance"]).index("meeting")
            return {
                "area": frame(
                    "area",
                    _values(
                        tx, statement("table_nodes", Label="Area"), columns=table_columns(RECORDS["area"])
                    ),
                ),
                "organization": frame("organization", orgs),
                "post": frame("post", rows("post", "person", [r[1] for r in posts])),
                "agreement": frame("agreement", rows("agreement", "parties", units, "view_nodes_any")),
                "attendance": frame("attendance", attendance),
                "meeting": frame("meeting", rows("meeting", "key", [r[at] for r in attendance])),
                "project": frame("project", rows("project", "contributors", units, "view_nodes_any")),
                "need": frame("need", rows("need", "community", communities)),
                "resource": frame("resource", rows("resource", "org", units)),
                "registration": frame("registration", rows("registration", "org", units)),
            }

        return self._read(work)

    def warm(self) -> list[str]:
        """Have the server plan the statements the pages read with, for one community, its street
        and its district (the areas warmed, by key; none in an empty store).

        A server plans each statement at its first use, and again for parameters of another size
        (a community's one area, a street's dozen, a district's hundreds): on a server just
        started the first analyst's pages of a community took 2-4x their time on a warm server
        (bench/bench_scale.py). ``gongjian neo4j start`` warms the server it starts."""
        areas = self.table("area", ["key", "level", "parent"])
        communities = sorted(areas.loc[areas["level"] == "community", "key"])
        if not communities:
            return []
        path = area_paths(areas)[communities[0]]
        last = self.date_range("meeting", "date")[1] or self.date_range("agreement", "signed")[1]
        year = (last or "2000")[:4]
        start, end = f"{year}-01-01", f"{year}-12-31"
        warmed = [path[level] for level in LEVELS[::-1] if level in path]
        for area in warmed:
            self.scoped(area)
            self.unit_counts(area, [], end)
            self.coverage(area, [], start, end, [f"{year}Q4"])
            self.cross_ties(area, [], start, end)
            self.bridging_posts(area, [], start, end)
            self.engagement_facts(
                [(start, end), (f"{int(year) - 1}-01-01", f"{int(year) - 1}-12-31")], [], area
            )
        return warmed

    def kept(self, name: str) -> str | None:
        """See :meth:`graph.store.Store.kept`: a (:Derived) node at the current revision."""
        found = self._read(lambda tx: _records(tx, statement("derived_kept"), name=name))
        return None if not found else str(found[0]["value"])

    def keep(self, name: str, value: str, revision: int) -> None:
        """See :meth:`graph.store.Store.keep`: one (:Derived) node per name, the nodes of older
        revisions deleted."""
        try:
            with self._session() as session:
                session.execute_write(
                    lambda tx: _run(tx, statement("derived_keep"), name=name, value=value, revision=revision)
                )
        except Neo4jError:  # a read-only user or database: the result is computed again next time
            return

    # --- search (graph/search.py) ----------------------------------------------------------

    def search(self, query: str, records: Sequence[str], limit: int) -> pd.DataFrame | None:
        """See :meth:`graph.store.Store.search`: the (:SearchEntry) nodes found through the
        search_text index and cut to the first ``limit`` on the server, in the transaction
        that checks they are current."""
        first, *words = query.split()

        def work(tx: ManagedTransaction) -> list[list[Any]] | None:
            current = _records(tx, statement("derived_kept"), name="search")
            if not current:
                return None
            text = statement("search_find")
            return _values(
                tx,
                text,
                token=current[0]["value"],
                query=query,
                first=first,
                words=words,
                records=list(records),
                limit=limit,
            )

        found = self._read(work)
        if found is None:
            return None
        columns = ["record", "key", "name", "terms", "text", "when", "context"]
        frame = pd.DataFrame(found, columns=columns, dtype=object)
        for column in ("terms", "context"):
            frame[column] = [tuple(v or ()) for v in frame[column]]
        return frame

    def keep_search(self, index: pd.DataFrame, revision: int) -> None:
        """See :meth:`graph.store.Store.keep_search`: the (:SearchEntry) nodes written in
        batches under a token of this keeping, then marked current by a (:Derived) node holding
        the token, then the entries of other tokens deleted (:func:`_swept`). Keepings running
        at once (two app processes after a load, ``gongjian load`` and the app) each write
        their own entries, and the first to finish wins (``search_mark.cypher``); a search
        reads the entries of the current token only, so it never sees two keepings' entries, or
        part of one. A search finding another revision's mark, or none, reads the whole store
        instead."""
        names = ("record", "key", "name", "terms", "text", "when", "context", "rank", "unposted", "length")
        rows = [
            {
                "record": r,
                "key": k,
                "name": n,
                "terms": list(t),
                "text": x,
                "since": w,
                "context": list(c),
                "rank": int(rank),
                "unposted": int(u),
                "length": int(length),
            }
            for r, k, n, t, x, w, c, rank, u, length in zip(*(index[c].tolist() for c in names), strict=True)
        ]
        if self.revision() != revision or self.kept("search") is not None:
            return  # written since the index was read, or another keeping has kept it
        token = uuid.uuid4().hex

        def mark(tx: ManagedTransaction) -> bool:
            if not _records(tx, statement("search_mark"), token=token, revision=revision, rows=len(rows)):
                return False
            _run(tx, statement("derived_keep"), name="search", value=token, revision=revision)
            return True

        try:
            with self._session() as session:
                for batch in _batches(rows):
                    session.execute_write(_run, statement("search_keep"), rows=batch, token=token)
                if session.execute_write(mark):
                    _swept(session, "search_sweep", token=token, revision=revision)
                else:
                    _swept(session, "search_drop", token=token)
        except (Neo4jError, DriverError):  # read only, or gone: searches read the whole store
            return

    def close(self) -> None:
        if self._close_driver:
            self.driver.close()


# --- rows in and out ----------------------------------------------------------------------


def _payloads(tables: Mapping[str, pd.DataFrame]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table as the properties to store, checked before anything is written:
    lists as lists, numbers as int or float, empty values left out."""
    unknown = set(tables) - set(RECORDS)
    if unknown:
        raise StoreError(f"Unknown record types {sorted(unknown)}; expected some of {sorted(RECORDS)}.")
    payloads = {}
    for rec in RECORD_TYPES:
        if rec.name not in tables:
            continue
        frame = tables[rec.name]
        names = table_columns(rec)
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise StoreError(f"The {rec.name} table lacks columns {missing}; this is a bug in the loader.")
        keys = frame["key"]
        if keys.isna().any() or keys.duplicated().any():
            raise StoreError(
                f"Two {rec.name} rows share a key, or one has none; this is a bug in the loader."
            )
        kinds = {c.name: c.kind for c in rec.columns} | {"src_row": "int"}
        values = [_encode(frame[n].tolist(), kinds.get(n, "text")) for n in names]
        payloads[rec.name] = [
            {n: v for n, v in zip(names, row, strict=True) if v is not None}
            for row in zip(*values, strict=True)
        ]
    return payloads


def _encode(values: list[Any], kind: str) -> list[Any]:
    """One column as Neo4j property values; None where the value is missing."""
    if kind in ("texts", "refs"):
        return [list(v) if v else None for v in values]
    convert: Callable[[Any], Any] = {"bool": bool, "int": int, "number": float}.get(kind, str)
    return [None if v is None or v != v else convert(v) for v in values]  # v != v: NaN


def _frame(rec: RecordType, names: list[str], rows: list[list[Any]]) -> pd.DataFrame:
    """Rows of stored values as the embedded store returns them: lists as tuples, () for none."""
    lists = {c.name for c in rec.columns if c.kind in ("texts", "refs")}
    data = {
        name: [tuple(r[i]) if r[i] else () for r in rows] if name in lists else [r[i] for r in rows]
        for i, name in enumerate(names)
    }
    return pd.DataFrame(data, columns=names, dtype=object)


def _digest(payloads: Mapping[str, list[dict[str, Any]]]) -> str:
    """What identifies a load: a digest of every row it writes."""
    digest = hashlib.sha256()
    for name, rows in payloads.items():
        digest.update(json.dumps([name, rows], ensure_ascii=False).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Rows:
    """The rows a write must write, per record type: keys the store does not hold, and keys it
    holds with other values (or all rows, when finishing a load that did not finish)."""

    new: dict[str, list[dict[str, Any]]]
    stored: dict[str, list[dict[str, Any]]]

    def __len__(self) -> int:
        return sum(map(len, self.new.values())) + sum(map(len, self.stored.values()))


def _compare(session: Session, payloads: Mapping[str, list[dict[str, Any]]]) -> tuple[Changes, _Rows]:
    """What a write changes, per record type, and the rows it must write. A changed source
    (file, sheet, row) alone is written but is not counted as an update."""
    changes: Changes = {}
    rows = _Rows({}, {})
    for name, payload in payloads.items():
        rec = RECORDS[name]
        stored: dict[str, dict[str, Any]] = {}
        if session.execute_read(_records, statement(f"count_{_kind(rec)}", **_names(rec)))[0]["records"]:
            text = statement(f"stored_{_kind(rec)}", **_names(rec))
            for batch in _batches([r["key"] for r in payload]):
                (result,) = session.execute_read(_records, text, keys=batch)
                stored.update((r["key"], r) for r in result["records"])
        rows.new[name] = [row for row in payload if row["key"] not in stored]
        rows.stored[name] = [row for row in payload if stored.get(row["key"], row) != row]
        updated = sum(_fields(stored[row["key"]]) != _fields(row) for row in rows.stored[name])
        added = len(rows.new[name])
        changes[name] = Change(added, updated, len(payload) - added - updated)
    return changes, rows


def _fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in SOURCE_COLUMNS[1:]}


def _check_ends(session: Session, payloads: Mapping[str, list[dict[str, Any]]], rows: _Rows) -> None:
    """Raise unless the start and end of every relationship record to write are in the write
    or in the store."""
    wanted: dict[str, set[str]] = {}
    for name in payloads:
        rec = RECORDS[name]
        if rec.is_node:
            continue
        for row in [*rows.new[name], *rows.stored[name]]:
            for field in _ends(rec, row):
                wanted.setdefault(_ref(rec, field), set()).add(row[field])
    for target, keys in wanted.items():
        missing = keys - {r["key"] for r in payloads.get(target, ())}
        text = statement("stored_keys", Label=RECORDS[target].label)
        for batch in _batches(sorted(missing)):
            (result,) = session.execute_read(_records, text, keys=batch)
            missing -= set(result["keys"])
        if missing:
            raise StoreError(
                f"Relationship records refer to {len(missing)} {target} keys that are neither in the store "
                f"nor in the write, such as {sorted(missing)[:3]}; this is a bug in the loader."
            )


def _ends(rec: RecordType, row: Mapping[str, Any]) -> tuple[str, str]:
    """The fields naming the start and the end of a relationship record."""
    start = rec.source if rec.source in row else rec.fallback
    if start not in row or rec.target not in row:
        raise StoreError(
            f"The {rec.name} record {row['key']!r} lacks its {rec.source} or {rec.target}; this is a bug "
            "in the loader."
        )
    return start, rec.target


@cache
def _ref(rec: RecordType, field: str) -> str:
    """The record type a reference field points to."""
    return rec.column(field).ref


def _steps(rows: _Rows) -> list[_Step]:
    """The statements that write rows, in order: nodes, their references, relationship records."""
    nodes, references, relationships = [], [], []
    for rec in RECORD_TYPES:
        if rec.name not in rows.new:
            continue
        if not rec.is_node:
            for file, some in (("create_relationships", rows.new), ("replace_relationships", rows.stored)):
                by_start: dict[str, list[dict[str, Any]]] = {}
                for row in some[rec.name]:
                    by_start.setdefault(_ends(rec, row)[0], []).append(row)
                for start, starting in by_start.items():
                    labels = {
                        "Source": RECORDS[_ref(rec, start)].label,
                        "Target": RECORDS[_ref(rec, rec.target)].label,
                    }
                    text = statement(file, TYPE=rec.label, **labels)
                    relationships.append(_Step(text, starting, {"source": start, "target": rec.target}))
            continue
        # New keys are created (no lookup, no old references to remove); stored ones replaced.
        for prefix, written in (("create", rows.new[rec.name]), ("write", rows.stored[rec.name])):
            if not written:
                continue
            nodes.append(_Step(statement(f"{prefix}_nodes", Label=rec.label), written, {}))
            for c in rec.columns:
                if not c.edge:
                    continue
                file = f"{prefix}_references_reverse" if c.reverse else f"{prefix}_references"
                text = statement(file, Label=rec.label, TYPE=c.edge, Target=RECORDS[c.ref].label)
                targets = [{"key": r["key"], "targets": _targets(r.get(c.name))} for r in written]
                if prefix == "create":  # nothing to remove, so nothing to do for a row naming none
                    targets = [t for t in targets if t["targets"]]
                references.append(_Step(text, targets, {}))
    return nodes + references + relationships


def _targets(value: str | list[str] | None) -> list[str]:
    """The keys a reference field names, each once."""
    if value is None:
        return []
    return list(dict.fromkeys(value)) if isinstance(value, list) else [value]


def _start(session: Session, digest: str, tables: Mapping[str, pd.DataFrame], changes: Changes) -> _Load:
    files = sorted({f for t in tables.values() for f in t["src_file"].dropna().unique().tolist()})
    load = _Load(
        id=str(uuid.uuid4()),
        digest=digest,
        files=files,
        rows=sum(len(t) for t in tables.values()),
        changes=changes,
        started="",
    )
    session.execute_write(
        _run,
        statement("load_start"),
        id=load.id,
        digest=digest,
        files=files,
        rows=load.rows,
        changes=json.dumps({k: [c.added, c.updated, c.unchanged] for k, c in changes.items()}),
    )
    return load


def _run_steps(session: Session, steps: list[_Step], skipped: int, progress: Progress | None) -> None:
    """Each step in batches, one write transaction each; progress counts the rows of every
    statement, plus the rows not written because they are stored so already."""
    total = skipped + sum(len(s.rows) for s in steps)
    done = skipped
    if progress:
        progress(done, total)
    for step in steps:
        for batch in _batches(step.rows):
            session.execute_write(_run, step.statement, rows=batch, **step.params)
            done += len(batch)
            if progress:
                progress(done, total)


def _batches(items: list[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _swept(session: Session, name: str, **params: Any) -> None:
    """Run a deleting statement (``cypher/<name>.cypher``, deleting up to ``$rows`` nodes a
    transaction) until it deletes none."""
    while session.execute_write(_records, statement(name), rows=BATCH, **params)[0]["deleted"]:
        pass


def _run(tx: ManagedTransaction, /, text: str, **params: Any) -> None:
    tx.run(text, params).consume()


def _records(tx: ManagedTransaction, /, text: str, **params: Any) -> list[Any]:
    return list(tx.run(text, params))


def _values(tx: ManagedTransaction, /, text: str, **params: Any) -> list[list[Any]]:
    return [record["values"] for record in tx.run(text, params)]


def _kind(rec: RecordType) -> str:
    """How a record type is kept: as nodes or as relationships (in statement file names)."""
    return "nodes" if rec.is_node else "relationships"


def _names(rec: RecordType) -> dict[str, str]:
    """The placeholder of a record type's label in the statements about it."""
    return {"Label": rec.label} if rec.is_node else {"TYPE": rec.label}


# --- views --------------------------------------------------------------------------------


def _view_tables(tx: ManagedTransaction, area: str | None, as_of: str | None) -> dict[str, pd.DataFrame]:
    """The record tables of a view, filtered on the server as the embedded store filters them."""

    def rows(rec: RecordType, file: str, field: str = "", keys: Sequence[str] = ()) -> list[list[Any]]:
        text = statement(file, **_names(rec), **({"field": field} if field else {}))
        params = {"as_of": as_of, "since": rec.since or None, "until": rec.until or None, "keys": list(keys)}
        return _values(tx, text, columns=table_columns(rec), **params)

    if area is None:
        return {
            rec.name: _frame(rec, table_columns(rec), rows(rec, f"view_{_kind(rec)}")) for rec in RECORD_TYPES
        }
    scope = tx.run(statement("view_scope"), area=area).single(strict=True)
    if not scope["areas"]:  # the area itself is one of them when it exists
        raise StoreError(f"No area with key {area!r}; `gongjian stats` lists the areas.")
    anchors = {"area": scope["areas"], "organization": scope["organizations"]}
    found: dict[str, dict[str, list[Any]]] = {}  # record type -> key -> row
    for rec in RECORD_TYPES:
        found[rec.name] = {}
        if rec.name in anchors:  # areas and units are in scope by place, not by what they point to
            pulls = [rows(rec, "view_nodes_in", field="key", keys=anchors[rec.name])]
        else:
            pulls = [
                rows(
                    rec,
                    f"view_{_kind(rec)}_in" if c.kind == "ref" else "view_nodes_any",
                    field=c.name,
                    keys=anchors[c.ref],
                )
                for c in rec.columns
                if c.ref in anchors
            ]
        for pulled in pulls:
            found[rec.name].update((r[0], r) for r in pulled)
    _pull_endpoints(found, rows)
    return {
        name: _frame(RECORDS[name], table_columns(RECORDS[name]), list(r.values()))
        for name, r in found.items()
    }


def _scoped_tables(tx: ManagedTransaction, area: str) -> dict[str, pd.DataFrame]:
    """The rows :func:`graph.scope.scope_tables` defines, each looked up on the server by an
    indexed reference (for the list fields, by walking their relationships from the indexed
    keys), in key order."""

    def rows(record: str, field: str, keys: Iterable[Any]) -> dict[str, list[Any]]:
        rec = RECORDS[record]
        wanted = sorted({k for k in keys if k is not None})
        if not wanted:
            return {}
        column = rec.column(field) if field != "key" else None
        if column is not None and column.kind == "refs":  # a list (parties, contributors): its relationships
            names = {"Label": rec.label, "TYPE": column.edge, "Source": RECORDS[column.ref].label}
            text = statement("scoped_nodes_via", **names)  # (both lists are reverse references)
        else:
            text = statement(f"view_{_kind(rec)}_in", **_names(rec), field=field)
        found = _values(tx, text, columns=table_columns(rec), as_of=None, since=None, until=None, keys=wanted)
        return {r[0]: r for r in found}

    areas = _frame(
        RECORDS["area"],
        table_columns(RECORDS["area"]),
        _values(tx, statement("table_nodes", Label="Area"), columns=table_columns(RECORDS["area"])),
    )
    if area not in set(areas["key"]):
        raise StoreError(f"No area with key {area!r}; `gongjian stats` lists the areas.")
    inside, above = area_anchors(areas, area)
    anchors = set(rows("organization", "area", inside | above))
    posts = rows("post", "org", anchors)
    posts.update(rows("post", "person", [r[1] for r in posts.values()]))
    found = {
        "post": posts,
        "agreement": rows("agreement", "parties", anchors),
        "attendance": rows("attendance", "org", anchors),
        "resource": rows("resource", "org", anchors),
        "registration": {**rows("registration", "org", anchors), **rows("registration", "community", inside)},
    }
    tables = {
        name: _frame(RECORDS[name], table_columns(RECORDS[name]), list(r.values()))
        for name, r in found.items()
    }
    meetings = rows("meeting", "host", anchors)
    meetings.update(rows("meeting", "key", tables["attendance"]["meeting"]))
    projects = {
        **rows("project", "community", inside),
        **rows("project", "contributors", anchors),
    }
    for name, r in (("meeting", meetings), ("project", projects)):
        tables[name] = _frame(RECORDS[name], table_columns(RECORDS[name]), list(r.values()))
    needs = {**rows("need", "community", inside), **rows("need", "key", tables["project"]["need"])}
    tables["need"] = _frame(RECORDS["need"], table_columns(RECORDS["need"]), list(needs.values()))
    named = anchors | set(tables["post"]["org"]) | set(tables["meeting"]["host"])
    for lists in (tables["agreement"]["parties"], tables["project"]["contributors"]):
        for keys in lists:
            named.update(keys)
    people = (
        set(tables["post"]["person"])
        | set(tables["attendance"]["person"])
        | set(tables["registration"]["person"])
    )
    for name, keys in (("organization", named), ("person", people)):
        tables[name] = _frame(
            RECORDS[name], table_columns(RECORDS[name]), list(rows(name, "key", keys).values())
        )
    tables["area"] = areas
    return {name: tables[name].sort_values("key", ignore_index=True) for name in SCOPE_RECORDS}


def _pull_endpoints(found: dict[str, dict[str, list[Any]]], rows: Callable[..., list[list[Any]]]) -> None:
    """Add the nodes at the far end of relationship records that touch the scope (the people
    holding posts in its units, the meetings its units attended), as the embedded store does."""
    wanted: dict[str, set[str]] = {}
    for rec in RECORD_TYPES:
        if rec.is_node:
            continue
        names = table_columns(rec)
        for values in found[rec.name].values():
            row = {n: v for n, v in zip(names, values, strict=True) if v is not None}
            for field in _ends(rec, row):
                wanted.setdefault(_ref(rec, field), set()).add(row[field])
    for target, keys in wanted.items():
        extra = sorted(keys - set(found[target]))
        if extra:
            found[target].update(
                (r[0], r) for r in rows(RECORDS[target], "view_nodes_in", field="key", keys=extra)
            )


def table_columns(rec: RecordType) -> list[str]:
    """The columns of a record table, as the embedded store has them."""
    return [SOURCE_COLUMNS[0], *(c.name for c in rec.columns), *SOURCE_COLUMNS[1:]]


def _reason(err: Exception) -> str:
    """What went wrong talking to Neo4j, and what to do about it."""
    if isinstance(err, AuthError):
        return "Neo4j refused the user name or password; check the neo4j_user and neo4j_password settings."
    if isinstance(err, ServiceUnavailable):
        return "Neo4j does not answer; start it (`gongjian neo4j start`) or check the neo4j_uri setting."
    if isinstance(err, Neo4jError) and err.code == "Neo.ClientError.Database.DatabaseNotFound":
        return "there is no such database; check the neo4j_database setting."
    return f"{err}."
