"""The embedded store: one SQLite file, no server, the default.

One table per record type, keyed by the record's key. A write is one SQLite transaction
(write-ahead log; a rollback journal for a first load into an empty store that no one else has
open), so a crash or a kill in the middle of a load leaves the file as it was before the load.
Values are always bound as parameters; table and column names come from :mod:`graph.model`,
never from data.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from graph.bridges import pushdown
from graph.errors import StoreError
from graph.indicators import UNIT_COLUMNS, facts_frame, facts_params
from graph.model import RECORD_TYPES, RECORDS, SOURCE_COLUMNS, Column, RecordType
from graph.rules import COMMITTEES, MISSED, area_paths
from graph.scope import SCOPE_RECORDS, area_anchors, below, quarter_end, quarter_start
from graph.store import Change, Changes, Progress

BATCH = 50_000  # rows between progress reports
STATEMENT_ROWS = 400  # rows per INSERT statement: one statement for many rows inserts faster

_REFERENCES = (  # (table, column) of the references scoped reads and lookups follow
    ("area", "parent"),
    ("organization", "area"),
    ("post", "org"),
    ("post", "person"),
    ("attendance", "org"),
    ("attendance", "meeting"),
    ("attendance", "person"),  # the meetings a seat holder attended (engagement)
    ("meeting", "host"),
    ("project", "community"),
    ("project", "need"),
    ("need", "community"),
    ("resource", "org"),
    ("registration", "org"),
    ("registration", "community"),
    ("registration", "person"),
)

# The search index (graph/search.py): its columns (lists joined by _SEP, a control character no
# stored text holds), and the rows holding every word that rank among the first ? (and their
# ties) on how they match the query, then on rank, unposted and length: ``m`` is the SQL twin of
# graph.search.match_rank (0: a name or code is the query, 1: one starts with it, 2: else).
_SEARCH = ("record", "key", "name", "terms", "text", "since", "context", "rank", "unposted", "length")
_SEP = "\x1f"
_SEARCH_SQL = (
    "WITH hit AS MATERIALIZED (SELECT rowid AS row, "
    "CASE WHEN instr(char(31) || terms || char(31), char(31) || ? || char(31)) THEN 0 "
    "WHEN instr(char(31) || terms, char(31) || ?) THEN 1 ELSE 2 END AS m, rank, unposted, length "
    "FROM search_index WHERE record IN ({records}) AND {holds}), "
    "last AS (SELECT m, rank, unposted, length FROM hit ORDER BY m, rank, unposted, length LIMIT 1 OFFSET ?) "
    "SELECT s.record, s.key, s.name, s.terms, s.text, s.since, s.context "
    "FROM hit JOIN search_index s ON s.rowid = hit.row "
    "WHERE NOT EXISTS (SELECT 1 FROM hit LIMIT 1 OFFSET ?) "
    "OR (hit.m, hit.rank, hit.unposted, hit.length) <= (SELECT m, rank, unposted, length FROM last)"
)

_SQL_TYPES = {"bool": "INTEGER", "int": "INTEGER", "number": "REAL"}


def _columns(record: RecordType) -> list[str]:
    return [SOURCE_COLUMNS[0], *(c.name for c in record.columns), *SOURCE_COLUMNS[1:]]


def _ddl(record: RecordType) -> list[str]:
    """The table of a record type: a rowid table with a unique index on the key (dropped and
    rebuilt around the first load of a table, which is faster than inserting into it)."""
    defs = ["key TEXT NOT NULL"]
    defs += [f"{c.name} {_SQL_TYPES.get(c.kind, 'TEXT')}" for c in record.columns]
    defs += ["src_file TEXT", "src_sheet TEXT", "src_row INTEGER"]
    return [
        f"CREATE TABLE IF NOT EXISTS {record.name} ({', '.join(defs)})",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {record.name}_key ON {record.name}(key)",
    ]


def _to_sql(values: pd.Series, column: Column | None) -> npt.NDArray[np.object_]:
    """A column of a record table as SQLite values: tuples as JSON lists, missing as NULL."""
    kind = column.kind if column else "text"
    raw = values.to_numpy(dtype=object)
    if kind in ("texts", "refs"):  # each distinct list written once
        texts: dict[Any, str | None] = {}
        return _objects(
            texts[v] if v in texts else texts.setdefault(v, _json_list(v) if v else None)
            for v in raw.tolist()
        )
    present = pd.notna(raw)
    if kind in ("bool", "int"):  # 0 or 1; whole numbers (numpy calls bool() and int() on each)
        numbers = raw[present].astype(bool if kind == "bool" else np.int64).astype(np.int64)
        out = np.full(len(raw), None, dtype=object)
        out[present] = numbers.astype(object)
        return out
    if present.all():
        return raw
    out = raw.copy()
    out[~present] = None
    return out


_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what json.dumps escapes with ensure_ascii=False


def _json_list(texts: Sequence[str]) -> str:
    """``json.dumps(list(texts), ensure_ascii=False)``, the same text (stored lists are compared
    as text when a ledger is loaded again), without the encoder for texts it leaves as they are."""
    joined = '", "'.join(texts)
    if _JSON_ESCAPED.search(joined):
        return json.dumps(list(texts), ensure_ascii=False)
    return f'["{joined}"]'


def _objects(values: Iterable[Any]) -> npt.NDArray[np.object_]:
    listed = list(values)
    out = np.empty(len(listed), dtype=object)
    out[:] = listed
    return out


def _from_sql(values: Iterable[Any], column: Column) -> list[Any]:
    if column.kind in ("texts", "refs"):
        return [tuple(json.loads(v)) if v else () for v in values]
    if column.kind == "bool":
        return [None if v is None else bool(v) for v in values]
    return list(values)


def _reference_indexes() -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {t}_{c} ON {t}({c})" for t, c in _REFERENCES]


def _upper(expr: str) -> str:
    """The last day a date (ISO day, month or year) covers, as text comparable with an ISO day:
    the SQL twin of :func:`graph.rules.upper`."""
    return (
        f"(CASE length({expr}) WHEN 4 THEN {expr} || '-12-31' "
        f"WHEN 7 THEN date({expr} || '-01', '+1 month', '-1 day') ELSE {expr} END)"
    )


class EmbeddedStore:
    """A store in one SQLite file (created with its folder on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._indexed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: safe from crashes and kills
            self._db.execute("PRAGMA cache_size=-262144")  # 256 MB, so big loads do not spill
            self._db.execute("PRAGMA busy_timeout=10000")
            with self._transaction():
                for record in RECORD_TYPES:
                    for statement in _ddl(record):
                        self._db.execute(statement)
                self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
        except sqlite3.Error as err:
            raise StoreError(
                f"Cannot open the embedded store {self.path}: {err}. Check that the folder is writable "
                "and the file is a gongjian store, or set GONGJIAN_DATA_DIR to another folder."
            ) from err

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    def _transaction(self, mode: str = "IMMEDIATE") -> _Transaction:
        return _Transaction(self._db, self._lock, mode)

    # --- writing --------------------------------------------------------------------------

    def write(self, tables: Mapping[str, pd.DataFrame], progress: Progress | None = None) -> Changes:
        unknown = set(tables) - set(RECORDS)
        if unknown:
            raise StoreError(f"Unknown record types {sorted(unknown)}; expected some of {sorted(RECORDS)}.")
        total = sum(len(t) for t in tables.values())
        done = 0

        def advance(rows: int) -> None:
            nonlocal done
            done += rows
            if progress:
                progress(done, total)

        rollback = self._rollback_journal()
        try:
            with self._transaction():
                self._db.execute(
                    "INSERT INTO meta VALUES ('revision', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1"
                )
                changes = {
                    record.name: self._upsert(record, tables[record.name], advance)
                    for record in RECORD_TYPES
                    if record.name in tables
                }
                for statement in _reference_indexes():  # made once, after the rows: faster than kept
                    self._db.execute(statement)
        finally:
            if rollback:
                self._write_ahead()
        self._indexed = True
        return changes

    def _rollback_journal(self) -> bool:
        """For a first load into an empty store, no other connection open: a rollback journal in
        place of the write-ahead log, so that the rows are written once (to the file) instead of
        twice (to the log, then to the file at the checkpoint). Pages added to a file are not
        journaled, and a crash or a kill before the commit rolls the file back to what it was, as
        the log does. Either journal keeps a write whole, so a row written by another process
        between this check and the switch is only journaled, not at risk. True when switched."""
        for record in RECORD_TYPES:
            if self._db.execute(f"SELECT EXISTS (SELECT 1 FROM {record.name})").fetchone()[0]:
                return False
        try:  # refused at once ("database is locked") while another connection has the file open
            (mode,) = self._db.execute("PRAGMA journal_mode=DELETE").fetchone()
        except sqlite3.OperationalError:
            return False
        if mode != "delete":
            return False
        self._db.execute("PRAGMA synchronous=FULL")  # in rollback mode: safe from crashes and kills
        return True

    def _write_ahead(self) -> None:
        """Back to the write-ahead log after a first load (if a reader opened the file meanwhile,
        the next connection to open it alone switches it back)."""
        self._db.execute("PRAGMA synchronous=NORMAL")
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA journal_mode=WAL")

    def _upsert(self, record: RecordType, frame: pd.DataFrame, advance: Callable[[int], None]) -> Change:
        """Insert new keys, update changed rows; a changed source (file, sheet, row) alone is
        recorded but does not count as an update."""
        names = _columns(record)
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise StoreError(f"The {record.name} table lacks columns {missing}; this is a bug in the loader.")
        by_name = {c.name: c for c in record.columns}
        rows = np.empty((len(frame), len(names)), dtype=object)
        for i, name in enumerate(names):
            rows[:, i] = _to_sql(frame[name], by_name.get(name))
        table, db = record.name, self._db
        (top,) = db.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
        if top == 0:  # a first load: append, then index
            db.execute(f"DROP INDEX {table}_key")
            for t, column in _REFERENCES:
                if t == table:
                    db.execute(f"DROP INDEX IF EXISTS {table}_{column}")
            self._batches(f"INSERT INTO {table} VALUES", rows, advance)
            try:
                db.execute(_ddl(record)[1])
            except sqlite3.IntegrityError as err:
                raise StoreError(f"Two {table} rows share a key; this is a bug in the loader.") from err
            return Change(added=len(rows))
        fields = names[1:-3]
        differs = " OR ".join(f"{table}.{f} IS NOT excluded.{f}" for f in fields)
        assignments = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        before = db.total_changes
        self._batches(
            f"INSERT INTO {table} VALUES",
            rows,
            advance,
            f"ON CONFLICT(key) DO UPDATE SET {assignments} WHERE {differs}",
        )
        written = db.total_changes - before
        (added,) = db.execute(f"SELECT count(*) FROM {table} WHERE rowid > ?", (top,)).fetchone()
        db.executemany(
            f"UPDATE {table} SET src_file = ?2, src_sheet = ?3, src_row = ?4 WHERE key = ?1 "
            "AND (src_file IS NOT ?2 OR src_sheet IS NOT ?3 OR src_row IS NOT ?4)",
            rows[:, [0, -3, -2, -1]].tolist(),
        )
        return Change(added=added, updated=written - added, unchanged=len(rows) - written)

    def _batches(
        self, insert: str, rows: npt.NDArray[np.object_], advance: Callable[[int], None], tail: str = ""
    ) -> None:
        """``insert`` (``INSERT INTO t VALUES``) of the rows, :data:`STATEMENT_ROWS` rows per
        statement, then ``tail`` (an upsert clause); progress every :data:`BATCH` rows."""
        width = rows.shape[1]
        one = f"({', '.join('?' * width)})"
        many = f"{insert} {', '.join([one] * STATEMENT_ROWS)} {tail}"
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            whole = len(batch) // STATEMENT_ROWS * STATEMENT_ROWS
            if whole:
                self._db.executemany(many, batch[:whole].reshape(-1, STATEMENT_ROWS * width).tolist())
            if whole < len(batch):
                self._db.executemany(f"{insert} {one} {tail}", batch[whole:].tolist())
            advance(len(batch))

    # --- reading --------------------------------------------------------------------------

    def table(self, record: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        rec = RECORDS[record]
        names = _columns(rec)
        wanted = list(columns) if columns else names
        bad = [c for c in wanted if c not in names]
        if bad:
            raise StoreError(f"{record} has no columns {bad}; it has {names}.")
        with self._transaction("DEFERRED"):
            return self._select(rec, wanted, f"SELECT {', '.join(wanted)} FROM {record} ORDER BY key", ())

    def _select(self, rec: RecordType, names: list[str], sql: str, params: Sequence[Any]) -> pd.DataFrame:
        rows = self._db.execute(sql, params).fetchall()
        by_name = {c.name: c for c in rec.columns}
        data: dict[str, list[Any]] = {}
        for i, name in enumerate(names):
            values = [r[i] for r in rows]
            data[name] = _from_sql(values, by_name[name]) if name in by_name else values
        return pd.DataFrame(data, columns=names, dtype=object)

    def revision(self) -> int:
        """A number that changes with every write (0: never written): one row of the meta
        table, bumped in the write's transaction."""
        with self._transaction("DEFERRED"):
            found = self._db.execute("SELECT value FROM meta WHERE name = 'revision'").fetchone()
        return int(found[0]) if found else 0

    def counts(self) -> dict[str, int]:
        with self._transaction("DEFERRED"):
            return {
                r.name: self._db.execute(f"SELECT count(*) FROM {r.name}").fetchone()[0] for r in RECORD_TYPES
            }

    def view(self, area: str | None = None, as_of: str | None = None) -> nx.MultiDiGraph:
        with self._transaction("DEFERRED"):  # one consistent snapshot
            if area is not None:
                self._scope(area)
            tables = {r.name: self._rows_in_view(r, area is not None, as_of) for r in RECORD_TYPES}
            if area is not None:
                self._pull_endpoints(tables, as_of)
        return build_graph(tables)

    def _scope(self, area: str) -> None:
        """Temp tables of the anchors of an area view: the area, the areas below it, their units."""
        db = self._db
        if db.execute("SELECT 1 FROM area WHERE key = ?", (area,)).fetchone() is None:
            raise StoreError(f"No area with key {area!r}; `gongjian stats` lists the areas.")
        db.execute("DROP TABLE IF EXISTS temp.scope_area")
        db.execute("DROP TABLE IF EXISTS temp.scope_organization")
        db.execute(
            "CREATE TEMP TABLE scope_area AS WITH RECURSIVE sub(key) AS "
            "(SELECT ? UNION SELECT a.key FROM area a JOIN sub ON a.parent = sub.key) SELECT key FROM sub",
            (area,),
        )
        db.execute(
            "CREATE TEMP TABLE scope_organization AS "
            "SELECT key FROM organization WHERE area IN (SELECT key FROM scope_area)"
        )

    def _rows_in_view(self, rec: RecordType, scoped: bool, as_of: str | None) -> pd.DataFrame:
        where, params = _time_filter(rec, as_of)
        if scoped:
            where.append(_touches_scope(rec))
        sql = f"SELECT {', '.join(_columns(rec))} FROM {rec.name}"
        if where:
            sql += " WHERE " + " AND ".join(f"({w})" for w in where)
        return self._select(rec, _columns(rec), sql, params)

    def _pull_endpoints(self, tables: dict[str, pd.DataFrame], as_of: str | None) -> None:
        """Add the nodes at the far end of relationship records that touch the scope
        (the people holding posts in its units, the meetings its units attended)."""
        wanted: dict[str, set[str]] = {}
        for rec in RECORD_TYPES:
            if rec.is_node:
                continue
            rows = tables[rec.name]
            ends = [(rec.source, rows[rec.source]), (rec.target, rows[rec.target])]
            if rec.fallback:  # a unit's own registration starts at the unit
                ends.append((rec.fallback, rows[rec.fallback][rows[rec.source].isna()]))
            for name, values in ends:
                wanted.setdefault(rec.column(name).ref, set()).update(k for k in values if k)
        for target, keys in wanted.items():
            extra = sorted(keys - set(tables[target]["key"]))
            if not extra:
                continue
            rec = RECORDS[target]
            where, params = _time_filter(rec, as_of)
            found = []
            for start in range(0, len(extra), 900):
                chunk = extra[start : start + 900]
                clauses = [*where, f"key IN ({', '.join('?' * len(chunk))})"]
                sql = f"SELECT {', '.join(_columns(rec))} FROM {rec.name} WHERE " + " AND ".join(clauses)
                found.append(self._select(rec, _columns(rec), sql, [*params, *chunk]))
            tables[target] = pd.concat([tables[target], *found], ignore_index=True)

    def scoped(self, area: str) -> dict[str, pd.DataFrame]:
        """The rows the scope of one area needs (:func:`graph.scope.scope_tables` defines them),
        read by key and reference in one snapshot, each table in key order."""
        self._index_references()
        with self._transaction("DEFERRED"):
            areas = self._select(
                RECORDS["area"], _columns(RECORDS["area"]), "SELECT * FROM area ORDER BY key", ()
            )
            if area not in set(areas["key"]):
                raise StoreError(f"No area with key {area!r}; `gongjian stats` lists the areas.")
            inside, above = area_anchors(areas, area)
            db = self._db
            self._keys("scope_inside", inside)
            self._keys("scope_anchor_area", inside | above)
            db.execute("DROP TABLE IF EXISTS temp.scope_anchor")
            db.execute(
                "CREATE TEMP TABLE scope_anchor AS SELECT key FROM organization "
                "WHERE area IN (SELECT key FROM temp.scope_anchor_area)"
            )
            anchor = "(SELECT key FROM temp.scope_anchor)"
            inside_sql = "(SELECT key FROM temp.scope_inside)"
            project = f"community IN {inside_sql} OR {_any('project.contributors', anchor)}"
            where = {
                "post": f"org IN {anchor} OR person IN (SELECT person FROM post WHERE org IN {anchor})",
                "agreement": _any("agreement.parties", anchor),
                "attendance": f"org IN {anchor}",
                "meeting": f"host IN {anchor} OR key IN (SELECT meeting FROM attendance WHERE org IN {anchor})",
                "project": project,
                "need": f"community IN {inside_sql} OR key IN (SELECT need FROM project WHERE {project})",
                "resource": f"org IN {anchor}",
                "registration": f"org IN {anchor} OR community IN {inside_sql}",
            }
            found = {"area": areas, **{name: self._where(name, sql) for name, sql in where.items()}}
            named = {k for (k,) in db.execute("SELECT key FROM temp.scope_anchor")}
            named |= set(found["post"]["org"]) | set(found["meeting"]["host"])
            for lists in (found["agreement"]["parties"], found["project"]["contributors"]):
                for keys in lists:
                    named.update(keys)
            people = set(found["post"]["person"]) | set(found["attendance"]["person"])
            people |= set(found["registration"]["person"])
            for record, keys in (("organization", named), ("person", people)):
                self._keys("scope_named", {k for k in keys if k is not None})
                found[record] = self._where(record, "key IN (SELECT key FROM temp.scope_named)")
        return {name: found[name] for name in SCOPE_RECORDS}

    # --- figures computed in SQL (the twins of graph.coverage and graph.bridges) -------------

    def unit_counts(self, area: str | None, kinds: Sequence[str], end: str) -> pd.DataFrame:
        """Per area and kind of the scope's units: how many, how many are member units on
        ``end``, how many have a party organization."""
        sql = f"""
            SELECT area, kind, count(*), coalesce(sum({_MEMBER.format(unit="o")}), 0),
                   count(*) FILTER (WHERE has_party_org = 1)
            FROM organization o WHERE {_IN_SCOPE.format(unit="o")} GROUP BY area, kind ORDER BY area, kind"""
        rows = self._figures(sql, area, kinds, end=end)
        return pd.DataFrame(rows, columns=["area", "kind", "units", "members", "party_orgs"])

    def coverage(
        self, area: str | None, kinds: Sequence[str], start: str, end: str, quarters: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The coverage flags of each member unit of the scope in [start, end] (key, name, kind,
        area, agreement, seat, attended), and per quarter of ``quarters`` its member units and
        how many have each flag (:func:`graph.coverage.unit_coverage` is the definition)."""
        periods = [["", start, end], *([q, quarter_start(q), quarter_end(q)] for q in quarters)]
        last = max(p[2] for p in periods)
        held = _holds("{a}", "{b}", "q.pstart", "q.pend")
        sql = f"""
            WITH periods(label, pstart, pend) AS (
              SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(:periods)),
            paths(area, above) AS (
              SELECT p.key, a.value FROM json_each(:paths) p, json_each(p.value) a),
            units AS MATERIALIZED (
              SELECT key, name, kind, area, joined FROM organization o
              WHERE {_IN_SCOPE.format(unit="o")} AND {_MEMBER.format(unit="o")}),
            agreed AS MATERIALIZED (
              SELECT j.value AS unit, g.signed, g.expires FROM agreement g, json_each(g.parties) j
              WHERE j.value IN (SELECT key FROM units)),
            dated AS MATERIALIZED (  -- the periods each meeting day falls in
              SELECT d.date, q.label FROM (SELECT DISTINCT date FROM meeting) d
              JOIN periods q ON {held.format(a="d.date", b="d.date")}),
            seats AS MATERIALIZED (  -- graph.rules: a unit holds a seat (own post in it, seat above)
              SELECT u.key AS unit, h.start AS hs, h.end AS he, s.start AS ss, s.end AS se
              FROM units u JOIN post h ON h.org = u.key JOIN paths pa ON pa.area = u.area
              JOIN organization c ON c.area = pa.above JOIN post s ON s.org = c.key AND s.person = h.person
              WHERE c.kind IN (SELECT value FROM json_each(:committee_kinds))
                AND NOT {_PART_TIME.format(post="h")} AND {_PART_TIME.format(post="s")}),
            hits AS (
              SELECT q.label, a.unit, 'agreement' AS figure FROM periods q
              JOIN agreed a ON {held.format(a="a.signed", b="a.expires")}
              UNION SELECT d.label, a.org, 'attended' FROM attendance a
              JOIN meeting m ON m.key = a.meeting JOIN dated d ON d.date = m.date
              WHERE a.org IN (SELECT key FROM units)
                AND a.status IN (SELECT value FROM json_each(:attended))  -- graph.rules.ATTENDED
              UNION SELECT q.label, s.unit, 'seat' FROM periods q
              JOIN seats s ON {held.format(a="s.hs", b="s.he")} AND {held.format(a="s.ss", b="s.se")}),
            found AS MATERIALIZED (
              SELECT label, unit, max(figure = 'agreement') AS agreement, max(figure = 'seat') AS seat,
                     max(figure = 'attended') AS attended
              FROM hits GROUP BY label, unit),
            flags AS MATERIALIZED (
              SELECT q.label, u.key, u.name, u.kind, u.area, coalesce(f.agreement, 0) AS agreement,
                     coalesce(f.seat, 0) AS seat, coalesce(f.attended, 0) AS attended
              FROM periods q JOIN units u ON u.joined <= q.pend
              LEFT JOIN found f ON f.label = q.label AND f.unit = u.key)
            SELECT label, key, name, kind, area, agreement, seat, attended, 1 FROM flags WHERE label = ''
            UNION ALL
            SELECT label, NULL, NULL, NULL, NULL, sum(agreement), sum(seat), sum(attended), count(*)
            FROM flags WHERE label <> '' GROUP BY label"""
        rows = self._figures(sql, area, kinds, end=last, periods=json.dumps(periods))
        figures = ["agreement", "seat", "attended"]
        flags = pd.DataFrame(
            [r[1:8] for r in rows if r[0] == ""], columns=["key", "name", "kind", "area", *figures]
        )
        flags[figures] = flags[figures].astype(bool)
        flags = flags.sort_values("key", ignore_index=True)
        counted = {r[0]: (r[8], *r[5:8]) for r in rows if r[0] != ""}
        trend = pd.DataFrame(
            [(q, *counted.get(q, (0, 0, 0, 0))) for q in quarters], columns=["quarter", "members", *figures]
        )
        return flags, trend

    def cross_ties(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """One row per member unit of the scope on ``end`` and committee above it (unit, name,
        kind, area, committee, committee_name, committee_kind), with the people tied each way in
        [start, end] (up, down: (key, name) pairs; :func:`graph.bridges.level_ties` is the
        definition); a member unit with no committee above has one row without a committee."""
        sql = f"""
            WITH paths(area, above) AS (
              SELECT p.key, a.value FROM json_each(:paths) p, json_each(p.value) a),
            units AS MATERIALIZED (
              SELECT key, name, kind, area FROM organization o
              WHERE {_IN_SCOPE.format(unit="o")} AND {_MEMBER.format(unit="o")}),
            above AS MATERIALIZED (
              SELECT u.key AS unit, c.key AS committee, c.name, c.kind FROM units u
              JOIN paths pa ON pa.area = u.area JOIN organization c ON c.area = pa.above
              WHERE c.kind IN (SELECT value FROM json_each(:committee_kinds))),
            links AS (
              SELECT a.unit, a.committee, h.person, coalesce(pe.name, h.person) AS name,
                NOT {_PART_TIME.format(post="h")} AND {_PART_TIME.format(post="s")} AS up,
                NOT {_PART_TIME.format(post="s")} AS down
              FROM above a JOIN post h ON h.org = a.unit
              JOIN post s ON s.person = h.person AND s.org = a.committee
              LEFT JOIN person pe ON pe.key = h.person
              WHERE {_holds("h.start", "h.end")} AND {_holds("s.start", "s.end")}),
            tied AS (
              SELECT unit, committee,
                json_group_array(DISTINCT json_array(person, name)) FILTER (WHERE up) AS up,
                json_group_array(DISTINCT json_array(person, name)) FILTER (WHERE down) AS down
              FROM links GROUP BY unit, committee)
            SELECT u.key, u.name, u.kind, u.area, a.committee, a.name, a.kind,
                   coalesce(t.up, '[]'), coalesce(t.down, '[]')
            FROM units u LEFT JOIN above a ON a.unit = u.key
            LEFT JOIN tied t ON t.unit = a.unit AND t.committee = a.committee
            ORDER BY u.key, a.committee"""
        rows = self._figures(sql, area, kinds, start=start, end=end)
        columns = ["unit", "name", "kind", "area", "committee", "committee_name", "committee_kind"]

        def people(text: str) -> tuple[tuple[str, str], ...]:
            return () if text == "[]" else tuple((k, n) for k, n in json.loads(text))

        found = [[*r[:7], people(r[7]), people(r[8])] for r in rows]
        return pd.DataFrame(found, columns=[*columns, "up", "down"], dtype=object)

    def bridging_posts(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """The posts held in [start, end] by the people with such a post in a unit of the scope
        and posts in two or more organizations (person, person_name, org, org_name, role), by
        person and post key (:func:`graph.bridges.cross_view` is the definition)."""
        sql = f"""
            WITH local AS (
              SELECT DISTINCT p.person FROM organization o JOIN post p ON p.org = o.key
              WHERE {_IN_SCOPE.format(unit="o")} AND {_holds("p.start", "p.end")}),
            theirs AS MATERIALIZED (
              SELECT p.key, p.person, p.org, p.role FROM local l JOIN post p ON p.person = l.person
              WHERE {_holds("p.start", "p.end")}),
            many AS (SELECT person FROM theirs GROUP BY person HAVING count(DISTINCT org) >= 2)
            SELECT t.person, coalesce(pe.name, t.person), t.org, coalesce(o.name, t.org), t.role
            FROM theirs t JOIN many USING (person)
            LEFT JOIN person pe ON pe.key = t.person LEFT JOIN organization o ON o.key = t.org
            ORDER BY t.person, t.key"""
        rows = self._figures(sql, area, kinds, start=start, end=end)
        return pd.DataFrame(rows, columns=["person", "person_name", "org", "org_name", "role"], dtype=object)

    def change_rows(
        self, area: str | None, kinds: Sequence[str], start: str, end: str
    ) -> dict[str, pd.DataFrame]:
        """The rows :func:`graph.changes.in_scope` needs for the units of a scope in [start, end],
        with the columns it reads: the scope's units and every committee; the posts in them;
        the scope's agreements, projects and registrations dated near the period; every
        meeting; the attendance of the units that missed a meeting near the period, up to its
        end. Dated near: in or after the year before ``start`` (as text: a superset of what
        begins or ends in the period), on or before ``end``; in one snapshot."""
        scope = f"SELECT key FROM organization o WHERE {_IN_SCOPE.format(unit='o')}"
        committees = (
            "SELECT key FROM organization WHERE kind IN (SELECT value FROM json_each(:committee_kinds))"
        )
        near = "({day} >= :near AND {day} <= :end)"
        sql = {
            "organization": f"SELECT key, name, kind, area, joined FROM organization "
            f"WHERE key IN ({scope}) OR key IN ({committees})",
            "area": "SELECT key, name, level, parent FROM area",
            "post": f"SELECT person, org, role, part_time, start, end FROM post "
            f"WHERE org IN ({scope}) OR org IN ({committees})",
            "agreement": f"SELECT title, signed, expires, parties FROM agreement "
            f"WHERE ({near.format(day='signed')} OR {near.format(day='expires')}) "
            f"AND {_any('agreement.parties', f'({scope})')}",
            "project": f"SELECT title, status, end, contributors FROM project "
            f"WHERE {near.format(day='end')} AND {_any('project.contributors', f'({scope})')}",
            "registration": f"SELECT person, org, community, date, withdrawn FROM registration "
            f"WHERE org IN ({scope}) AND ({near.format(day='date')} OR {near.format(day='withdrawn')})",
            "meeting": "SELECT key, date FROM meeting",
            "attendance": f"SELECT a.meeting, a.org, a.status FROM attendance a "
            f"JOIN meeting m ON m.key = a.meeting WHERE m.date <= :end AND a.org IN ("
            f"SELECT a.org FROM attendance a JOIN meeting m ON m.key = a.meeting "
            f"WHERE a.org IN ({scope}) AND a.status IN (SELECT value FROM json_each(:missed)) "
            f"AND {near.format(day='m.date')})",
        }
        values = {"near": str(int(start[:4]) - 1), "missed": json.dumps(list(MISSED)), "end": end}
        found = {}
        for (record, text), rows in zip(
            sql.items(), self._statements(list(sql.values()), area, kinds, **values), strict=True
        ):
            columns = [c.strip().removeprefix("a.") for c in text[7 : text.index(" FROM ")].split(",")]
            by_name = {c.name: c for c in RECORDS[record].columns}
            found[record] = pd.DataFrame(
                {
                    c: _from_sql([r[i] for r in rows], by_name[c]) if c in by_name else [r[i] for r in rows]
                    for i, c in enumerate(columns)
                },
                columns=columns,
                dtype=object,
            )
        return found

    def _figures(self, sql: str, area: str | None, kinds: Sequence[str], **values: str) -> list[Any]:
        """The rows of a figure statement over the scope of ``area`` (None: all) and ``kinds``,
        with the rules' parameters (:func:`graph.bridges.pushdown`) bound as JSON."""
        return self._statements([sql], area, kinds, **values)[0]

    def _statements(
        self, statements: Sequence[str], area: str | None, kinds: Sequence[str], **values: str
    ) -> list[list[Any]]:
        """The rows of each statement (as :meth:`_figures`), in one snapshot."""
        self._index_references()
        with self._transaction("DEFERRED"):
            areas = self._select(
                RECORDS["area"], ["key", "level", "parent"], "SELECT key, level, parent FROM area", ()
            )
            params = {k: json.dumps(v) for k, v in pushdown(areas, area, kinds).items()}
            found = []
            for sql in statements:
                wanted = set(re.findall(r":(\w+)", sql))
                bound = {k: v for k, v in {**params, **values}.items() if k in wanted}
                found.append(self._db.execute(sql, bound).fetchall())
            return found

    def rows(self, record: str, field: str, keys: Iterable[str]) -> pd.DataFrame:
        """The rows whose ``field`` (key, reference or list of references) is one of ``keys``,
        looked up through the key and reference indexes, in key order."""
        rec = RECORDS[record]
        column = None if field == "key" else rec.column(field)
        if column is not None and not column.ref:
            raise StoreError(f"{record}.{field} is not a reference; look rows up by key or a reference.")
        self._index_references()
        wanted = "(SELECT key FROM temp.lookup)"
        condition = (
            _any(f"{record}.{field}", wanted) if column and column.kind == "refs" else f"{field} IN {wanted}"
        )
        with self._transaction("DEFERRED"):
            self._keys("lookup", {k for k in keys if isinstance(k, str)})
            return self._where(record, condition)

    def date_range(self, record: str, field: str) -> tuple[str | None, str | None]:
        """The first and last value of a date field holding at least a month, in one scan."""
        RECORDS[record].column(field)  # a field of the model, never data
        with self._transaction("DEFERRED"):
            found = self._db.execute(
                f"SELECT min({field}), max({field}) FROM {record} WHERE length({field}) >= 7"
            ).fetchone()
        return found[0], found[1]

    def group_ties(
        self, groups: Mapping[str, str], start: str, end: str, kinds: Sequence[str] = ()
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The unit network of [start, end] counted by groups of areas in SQL: a twin of
        :func:`graph.structure.unit_network` (its nodes: committees and the units joined by
        ``end``, the member rule of graph.rules; its ties: posts, agreements in force and
        projects begun, held during the period, the month-end rule of graph.rules.upper),
        equal to it by tests/test_aggregate.py."""
        self._index_references()
        db = self._db
        params = {
            "start": start,
            "end": end,
            "committees": json.dumps(list(COMMITTEES)),
            "kinds": json.dumps(list(kinds)),
        }
        with self._transaction("DEFERRED"):
            db.execute("DROP TABLE IF EXISTS temp.group_area")
            db.execute("CREATE TEMP TABLE group_area (area TEXT PRIMARY KEY, grp TEXT)")
            db.executemany("INSERT INTO temp.group_area VALUES (?, ?)", list(groups.items()))
            db.execute("DROP TABLE IF EXISTS temp.group_unit")
            db.execute(
                "CREATE TEMP TABLE group_unit AS SELECT o.key, g.grp FROM organization o "
                "JOIN temp.group_area g ON o.area = g.area "
                "WHERE (o.kind IN (SELECT value FROM json_each(:committees)) OR o.joined <= :end) "
                "AND (:kinds = '[]' OR o.kind IN (SELECT value FROM json_each(:kinds)))",
                params,
            )
            db.execute("CREATE INDEX temp.group_unit_key ON group_unit(key)")
            units = db.execute(
                "SELECT grp, count(*), min(key) FROM temp.group_unit GROUP BY grp ORDER BY min(key)"
            ).fetchall()
            pairs = (
                "SELECT x.grp, y.grp, count(*) FROM {rows} x JOIN {rows} y "
                "ON x.via = y.via AND x.org < y.org GROUP BY x.grp, y.grp"
            )
            people = (
                "(SELECT DISTINCT p.person AS via, u.key AS org, u.grp FROM post p "
                "JOIN temp.group_unit u ON p.org = u.key WHERE p.person IS NOT NULL AND "
                + _holds("p.start", 'p."end"')
                + ")"
            )
            deals = (
                "(SELECT DISTINCT g.key AS via, u.key AS org, u.grp FROM agreement g, json_each(g.parties) j "
                "JOIN temp.group_unit u ON u.key = j.value WHERE " + _holds("g.signed", "g.expires") + ")"
            )
            works = (
                "(SELECT DISTINCT w.key AS via, u.key AS org, u.grp FROM project w, json_each(w.contributors) j "
                "JOIN temp.group_unit u ON u.key = j.value WHERE w.start IS NOT NULL AND "
                + _holds("w.start", 'w."end"')
                + ")"
            )
            ties: dict[tuple[str, str], list[int]] = {}
            for i, rows in enumerate((people, deals, works)):
                for x, y, n in db.execute(pairs.format(rows=rows), params):
                    ties.setdefault((min(x, y), max(x, y)), [0, 0, 0])[i] += n
        return (
            pd.DataFrame(units, columns=["group", "units", "first"]),
            pd.DataFrame(
                [(a, b, *n) for (a, b), n in sorted(ties.items())],
                columns=["a", "b", "people", "agreements", "projects"],
            ),
        )

    def _index_references(self) -> None:
        """The indexes scoped reads look references up by: every write makes them (after a first
        load's rows); this makes them for a store written before that. Without them (a
        read-only file) the reads scan instead."""
        if self._indexed:
            return
        try:
            with self._transaction():
                for statement in _reference_indexes():
                    self._db.execute(statement)
        except sqlite3.OperationalError:
            pass
        self._indexed = True

    def _keys(self, name: str, keys: Iterable[str]) -> None:
        """A temp table ``name`` of keys."""
        self._db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self._db.execute(f"CREATE TEMP TABLE {name} (key TEXT PRIMARY KEY)")
        self._db.executemany(f"INSERT INTO temp.{name} VALUES (?)", ((k,) for k in keys))

    def _where(self, record: str, condition: str) -> pd.DataFrame:
        rec = RECORDS[record]
        names = _columns(rec)
        sql = f"SELECT {', '.join(names)} FROM {record} WHERE {condition} ORDER BY key"
        return self._select(rec, names, sql, ())

    # --- engagement indicators (graph.engagement) --------------------------------------------

    def engagement_facts(
        self,
        periods: Sequence[tuple[str, str]],
        problems: Sequence[str],
        area: str | None = None,
    ) -> list[pd.DataFrame]:
        """See :meth:`graph.store.Store.engagement_facts`: by SQL, one query per figure family
        for every period at once (one scan of each table), the ties one query per period."""
        self._index_references()
        with self._transaction("DEFERRED"):
            areas = self._select(
                RECORDS["area"], ["key", "level", "parent"], "SELECT key, level, parent FROM area", ()
            )
            db = self._db
            paths = area_paths(areas)  # graph.rules: the one definition of an area's path
            db.execute("DROP TABLE IF EXISTS temp.eng_path")
            db.execute(
                "CREATE TEMP TABLE eng_path (area TEXT, above TEXT, PRIMARY KEY (area, above)) WITHOUT ROWID"
            )
            db.executemany(
                "INSERT OR IGNORE INTO temp.eng_path VALUES (?, ?)",
                ((a, up) for a, path in paths.items() for up in path.values()),
            )
            params: dict[str, Any] = {}
            for i, (start, end) in enumerate(periods):  # each period's own :s_<i>, :e_<i>, :year_start_<i>
                for name, value in facts_params(start, end, problems).items():
                    key = f"{name}_{i}" if name in _PERIOD_PARAMS else name
                    params[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            db.execute("DROP TABLE IF EXISTS temp.eng_unit")
            db.execute("CREATE TEMP TABLE eng_unit (key TEXT PRIMARY KEY, area TEXT)")
            where = "" if area is None else " AND area IN (SELECT key FROM temp.scope_below)"
            if area is not None:
                self._keys("scope_below", below(areas, area))
            db.execute(
                "INSERT INTO temp.eng_unit SELECT key, area FROM organization "
                f"WHERE kind NOT IN (SELECT value FROM json_each(:committee_kinds)){where}",
                params,
            )
            for sql in _ENGAGEMENT_MEETINGS:
                db.execute(sql)
            for i in range(len(periods)):
                for sql in _ENGAGEMENT_TEMP:
                    db.execute(_of_period(sql, i), params)
            keys = [k for (k,) in db.execute("SELECT key FROM temp.eng_unit")]

            def frame(sql: str) -> pd.DataFrame:
                found = db.execute(sql, params)
                names = [d[0] for d in found.description]
                return pd.DataFrame(found.fetchall(), columns=names, dtype=object).set_index("key")

            units = frame(_ENGAGEMENT_UNITS)
            ties = [frame(_of_period(_ENGAGEMENT_TIES, i)) for i in range(len(periods))]
            families = [frame(_family(*family, len(periods))) for family in _ENGAGEMENT_FAMILIES]
        return [
            facts_frame(
                keys,
                [units, ties[i], *(f.filter(regex=f"__{i}$").rename(columns=_unsuffixed) for f in families)],
            )
            for i in range(len(periods))
        ]

    def engagement_rows(
        self, units: Collection[str], communities: Collection[str]
    ) -> dict[str, pd.DataFrame]:
        """See :meth:`graph.store.Store.engagement_rows`: looked up by key and reference."""
        self._index_references()
        with self._transaction("DEFERRED"):
            self._keys("eng_rows_unit", units)
            self._keys("eng_rows_community", communities)
            unit = "(SELECT key FROM temp.eng_rows_unit)"
            where = {
                "area": "TRUE",
                "organization": f"key IN {unit} OR kind IN (SELECT value FROM json_each(?))",
                "post": f"person IN (SELECT person FROM post WHERE org IN {unit})",
                "agreement": _any("agreement.parties", unit),
                "attendance": f"org IN {unit}",
                "meeting": f"key IN (SELECT meeting FROM attendance WHERE org IN {unit})",
                "project": _any("project.contributors", unit),
                "need": "community IN (SELECT key FROM temp.eng_rows_community)",
                "resource": f"org IN {unit}",
                "registration": f"org IN {unit}",
            }
            committees = json.dumps(list(COMMITTEES))
            return {
                name: self._where_params(name, sql, (committees,) if name == "organization" else ())
                for name, sql in where.items()
            }

    def kept(self, name: str) -> str | None:
        """See :meth:`graph.store.Store.kept`: a row of the derived table at the current revision."""
        with self._transaction("DEFERRED"):
            if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'derived'").fetchone() is None:
                return None
            found = self._db.execute(
                "SELECT value FROM derived WHERE name = ? "
                "AND revision = (SELECT value FROM meta WHERE name = 'revision')",
                (name,),
            ).fetchone()
        return None if found is None else str(found[0])

    def keep(self, name: str, value: str, revision: int) -> None:
        """See :meth:`graph.store.Store.keep`: one row of the derived table per name, the rows of
        older revisions dropped."""
        self._keeping(lambda db: _derived(db, name, value, revision))

    def _keeping(self, work: Callable[[sqlite3.Connection], None]) -> None:
        """``work`` in a write transaction that keeps a derived result, on a connection of its own
        that waits half a second at most: while a load holds the file (it makes a new revision
        anyway), or when the file is read-only, nothing is kept and no error is raised."""
        db = sqlite3.connect(self.path, timeout=0.5, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            work(db)
            db.execute("COMMIT")
        except sqlite3.OperationalError:
            return
        finally:
            db.close()

    def _where_params(self, record: str, condition: str, params: Sequence[Any]) -> pd.DataFrame:
        rec = RECORDS[record]
        names = _columns(rec)
        sql = f"SELECT {', '.join(names)} FROM {record} WHERE {condition} ORDER BY key"
        return self._select(rec, names, sql, params)

    # --- search (graph/search.py) ----------------------------------------------------------

    def search(self, query: str, records: Sequence[str], limit: int) -> pd.DataFrame | None:
        """See :meth:`graph.store.Store.search`: the rows of the search_index table whose text
        holds each word (``instr``: exact substrings, as ``str.contains``), cut to the first
        ``limit`` and their ties in SQL; None unless the derived table marks it current. A scan
        of that one narrow table: two-character words, the commonest Chinese query, cannot use
        a trigram index (FTS5), and on the L city the scan takes tens of milliseconds
        (bench/bench_reads.py)."""
        words = query.split()
        with self._transaction("DEFERRED"):
            db = self._db
            tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if (
                not {"derived", "search_index"} <= tables
                or not db.execute(
                    "SELECT 1 FROM derived WHERE name = 'search' "
                    "AND revision = (SELECT value FROM meta WHERE name = 'revision')"
                ).fetchone()
            ):
                return None
            holds = " AND ".join(["instr(text, ?) > 0"] * len(words))
            found = db.execute(
                _SEARCH_SQL.format(records=", ".join("?" * len(records)), holds=holds),
                (query, query, *records, *words, limit - 1, limit - 1),
            ).fetchall()
        frame = pd.DataFrame(found, columns=list(_SEARCH[:7]), dtype=object).rename(columns={"since": "when"})
        for column in ("terms", "context"):
            frame[column] = [tuple(v.split(_SEP)) if v else () for v in frame[column]]
        return frame

    def keep_search(self, index: pd.DataFrame, revision: int) -> None:
        """See :meth:`graph.store.Store.keep_search`: the search_index table made again, marked
        current in the derived table, in one transaction (as :meth:`keep`, on a connection of
        its own that gives up when the file is busy or read-only)."""
        columns = [index[c if c != "since" else "when"].tolist() for c in _SEARCH]
        rows = [
            (r, k, n, _SEP.join(t), x, w, _SEP.join(c), int(rank), int(u), int(length))
            for r, k, n, t, x, w, c, rank, u, length in zip(*columns, strict=True)
        ]

        def write(db: sqlite3.Connection) -> None:
            (current,) = db.execute(
                "SELECT coalesce(max(value), 0) FROM meta WHERE name = 'revision'"
            ).fetchone()
            if current != revision:  # written since the index was read: keep nothing
                return
            db.execute("DROP TABLE IF EXISTS search_index")
            types = ", ".join(f"{c} {'INTEGER' if c in _SEARCH[7:] else 'TEXT'}" for c in _SEARCH)
            db.execute(f"CREATE TABLE search_index ({types})")
            db.executemany(f"INSERT INTO search_index VALUES ({', '.join('?' * len(_SEARCH))})", rows)
            _derived(db, "search", "", revision)

        self._keeping(write)

    def close(self) -> None:
        self._db.close()


def _derived(db: sqlite3.Connection, name: str, value: str, revision: int) -> None:
    """Keep a derived result in the derived table, one row per name, dropping the rows of older
    revisions."""
    db.execute("CREATE TABLE IF NOT EXISTS derived (name TEXT PRIMARY KEY, revision INTEGER, value TEXT)")
    db.execute("DELETE FROM derived WHERE revision < ?", (revision,))
    db.execute("INSERT OR REPLACE INTO derived VALUES (?, ?, ?)", (name, revision, value))


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any error (including KeyboardInterrupt), holding the
    store's lock so that threads sharing one store (the app's) take turns."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, mode: str) -> None:
        self._db, self._lock, self._mode = db, lock, mode

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            self._db.execute(f"BEGIN {self._mode}")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            self._db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self._lock.release()


def _time_filter(rec: RecordType, as_of: str | None) -> tuple[list[str], list[str]]:
    where: list[str] = []
    params: list[str] = []
    if as_of is None:
        return where, params
    if rec.since:
        where.append(f"{rec.since} IS NULL OR {rec.since} <= ?")
        params.append(as_of)
    if rec.until:
        where.append(f"{rec.until} IS NULL OR {_upper(rec.until)} >= ?")
        params.append(as_of)
    return where, params


# The rules of graph.rules as SQL over the JSON parameters of graph.bridges.pushdown:
_IN_SCOPE = (  # graph.scope.units_in_scope: located under the scope's area, of its kinds
    "{unit}.area IN (SELECT value FROM json_each(:areas)) AND (json_array_length(:kinds) = 0 "
    "OR {unit}.kind IN (SELECT value FROM json_each(:kinds)))"
)
_MEMBER = (  # graph.rules.is_member: not a committee, joined on or before :end
    "({unit}.kind NOT IN (SELECT value FROM json_each(:committee_kinds)) "
    "AND {unit}.joined IS NOT NULL AND {unit}.joined <= :end)"
)
_PART_TIME = (  # graph.rules.is_part_time: marked so, or unmarked with a seat word in its role
    "coalesce({post}.part_time = 1, EXISTS (SELECT 1 FROM json_each(:seat_words) w "
    "WHERE instr(coalesce({post}.role, ''), w.value) > 0))"
)


def _holds(since: str, until: str, start: str = ":start", end: str = ":end") -> str:
    """SQL true when what runs from ``since`` to ``until`` holds on some day of [start, end]:
    the twin of :func:`graph.rules.holds`."""
    return f"(({since} IS NULL OR {since} <= {end}) AND ({until} IS NULL OR {_upper(until)} >= {start}))"


def _any(lists: str, keys: str) -> str:
    """SQL true when a JSON list column holds one of ``keys`` (a subquery)."""
    return f"EXISTS (SELECT 1 FROM json_each({lists}) j WHERE j.value IN {keys})"


def _touches_scope(rec: RecordType) -> str:
    """SQL true when a row is an anchor of the scope or refers to one."""
    anchors = {"area", "organization"}
    if rec.name in anchors:  # areas and units are in scope by place, not by what they point to
        return f"key IN (SELECT key FROM temp.scope_{rec.name})"
    clauses = []
    for c in rec.columns:
        if c.ref not in anchors:
            continue
        scope = f"(SELECT key FROM temp.scope_{c.ref})"
        if c.kind == "ref":
            clauses.append(f"{c.name} IN {scope}")
        else:
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each({rec.name}.{c.name}) j WHERE j.value IN {scope})"
            )
    return " OR ".join(clauses) or "false"


def node_id(record: str, key: str) -> str:
    """The networkx node of a record: ``organization:<key>``."""
    return f"{record}:{key}"


def _records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    columns = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        yield {c: v for c, v in zip(columns, row, strict=True) if v is not None and v != ()}


def build_graph(tables: Mapping[str, pd.DataFrame]) -> nx.MultiDiGraph:
    """The graph of record tables: nodes for node records, relationships for their references
    and for relationship records; a relationship is kept only when both ends are present."""
    graph = nx.MultiDiGraph()
    for rec in RECORD_TYPES:
        if rec.is_node and rec.name in tables:
            graph.add_nodes_from(
                (node_id(rec.name, r["key"]), {**r, "record": rec.name}) for r in _records(tables[rec.name])
            )
    for rec in RECORD_TYPES:
        if rec.name in tables:
            edges = (
                _reference_edges(rec, tables[rec.name])
                if rec.is_node
                else _record_edges(rec, tables[rec.name])
            )
            graph.add_edges_from(e for e in edges if e[0] in graph and e[1] in graph)
    return graph


Edge = tuple[str, str, str, dict[str, Any]]


def _reference_edges(rec: RecordType, frame: pd.DataFrame) -> Iterator[Edge]:
    """The relationships a node record's reference fields stand for."""
    for c in rec.columns:
        if not c.edge:
            continue
        for key, value in zip(frame["key"], frame[c.name], strict=True):
            if value is None or value == ():
                continue
            here = node_id(rec.name, key)
            for target in value if c.kind == "refs" else (value,):
                there = node_id(c.ref, target)
                yield (
                    (there, here, c.edge, {"type": c.edge})
                    if c.reverse
                    else (here, there, c.edge, {"type": c.edge})
                )


def _record_edges(rec: RecordType, frame: pd.DataFrame) -> Iterator[Edge]:
    """A relationship record's rows as relationships (from the fallback when the source is empty)."""
    source, target = rec.column(rec.source).ref, rec.column(rec.target).ref
    fallback = rec.column(rec.fallback).ref if rec.fallback else ""
    for r in _records(frame):
        start, end = r.get(rec.source), r.get(rec.target)
        if end is None:
            continue
        if start is not None:
            begin = node_id(source, start)
        elif fallback and r.get(rec.fallback) is not None:
            begin = node_id(fallback, r[rec.fallback])
        else:
            continue
        yield begin, node_id(target, end), r["key"], {**r, "type": rec.label, "record": rec.name}


# --- engagement indicators in SQL (EmbeddedStore.engagement_facts) --------------------------
# The SQL twins of graph.engagement.facts, one query per figure family. The rules come as
# parameters (graph.indicators.facts_params); tests/test_pushdown_engagement.py checks the
# results against facts(). Each family also gives, as at_*, its latest activity up to the
# period's end ("<ISO day> <kind>"; graph.indicators.facts_frame keeps the latest of all).


def _first(expr: str) -> str:
    """The first day an ISO day, month or year covers (mirrors graph.rules.days)."""
    return f"(CASE length({expr}) WHEN 4 THEN {expr} || '-01-01' WHEN 7 THEN {expr} || '-01' ELSE {expr} END)"


def _latest(day: str, kind: str, condition: str = "TRUE") -> str:
    """The latest "<day> <kind>" of a group's rows meeting condition, up to the period's end."""
    return f"max(CASE WHEN {day} IS NOT NULL AND {day} <= :e AND {condition} THEN {day} || ' {kind}' END)"


_UNITS = "(SELECT key FROM temp.eng_unit)"
_COMMITTEE_KINDS = "(SELECT value FROM json_each(:committee_kinds))"
_END, _P_END = '"end"', 'p."end"'  # end is a keyword of SQL
_IN_PERIOD = "BETWEEN :s AND :e"
_IS_DONE = "p.status = 'done'"
_DONE = f"{_IS_DONE} AND {_first(_P_END)} {_IN_PERIOD}"
_SIGNED, _STARTED, _ENDED = _first("g.signed"), _first("p.start"), _first(_P_END)
_PUBLISHED, _REGISTERED = _first("published"), _first("date")
_POST_DAY = f"max(coalesce({_first('x.start')}, ''), coalesce({_first('y.start')}, ''))"
_POST_DATED = "(x.start IS NOT NULL OR y.start IS NOT NULL)"

_PERIOD_PARAMS = ("s", "e", "year_start")  # the parameters of graph.indicators.facts_params of one period


def _of_period(sql: str, i: int) -> str:
    """A statement of one period for the i-th: its period parameters (``:s``, ``:e``,
    ``:year_start``) and temporary tables (``<i>``) of that period."""
    return re.sub(r":(s|e|year_start)\b", rf":\1_{i}", sql).replace("<i>", f"_{i}")


def _family(key: str, columns: Sequence[tuple[str, str]], rest: str, periods: int) -> str:
    """One query of a figure family for every period: its columns once per period, as
    ``<name>__<i>``, from one pass over the rows (``rest``: FROM … GROUP BY …)."""
    parts = [f"{_of_period(expr, i)} AS {name}__{i}" for i in range(periods) for expr, name in columns]
    return f"SELECT {key} AS key, {', '.join(parts)} {rest}"


def _unsuffixed(name: str) -> str:
    return name.rsplit("__", 1)[0]


_ENGAGEMENT_MEETINGS = (
    # The first day of each meeting.
    "DROP TABLE IF EXISTS temp.eng_meeting",
    "CREATE TEMP TABLE eng_meeting (key TEXT PRIMARY KEY, day TEXT) WITHOUT ROWID",
    f"INSERT INTO temp.eng_meeting SELECT key, {_first('date')} FROM meeting WHERE date IS NOT NULL",
)

_ENGAGEMENT_TEMP = (  # for each period (see _of_period)
    # The posts held on some day of the period (mirrors graph.rules.holds) by the people with a
    # post in a unit, with pt: part-time, and the area of the post's organization.
    "DROP TABLE IF EXISTS temp.eng_held<i>",
    f"CREATE TEMP TABLE eng_held<i> AS SELECT p.person, p.org, {_PART_TIME.format(post='p')} AS pt, o.area, "
    f"o.kind, ({_P_END} IS NULL OR {_upper(_P_END)} >= :e) AS on_end FROM post p "
    f"JOIN organization o ON o.key = p.org WHERE (p.start IS NULL OR p.start <= :e) "
    f"AND ({_P_END} IS NULL OR {_upper(_P_END)} >= :s) "
    f"AND p.person IN (SELECT person FROM post WHERE org IN {_UNITS})",
    "CREATE INDEX temp.eng_held<i>_person ON eng_held<i>(person)",
    # The people tying a unit to a committee above it, on its area path (mirrors
    # graph.bridges.level_ties; graph.rules.area_paths gives eng_path): up, an own post in the
    # unit and a part-time one on the committee (a seat); down, any post in the unit and an own
    # post on the committee. (A unit's area is always a stored area: the loader resolves it.)
    "DROP TABLE IF EXISTS temp.eng_tie<i>",
    "CREATE TEMP TABLE eng_tie<i> AS "
    "SELECT DISTINCT h.org AS unit, h.person, NOT h.pt AND c.pt AS up, c.kind, h.on_end AND c.on_end AS on_end "
    "FROM temp.eng_held<i> h "
    "JOIN temp.eng_unit u ON u.key = h.org "
    f"JOIN temp.eng_held<i> c ON c.person = h.person AND c.kind IN {_COMMITTEE_KINDS} "
    "JOIN temp.eng_path a ON a.area = u.area AND a.above = c.area "
    "WHERE (NOT h.pt AND c.pt) OR NOT c.pt",
    # The seat holders present (not by substitute) at a meeting of the period.
    "DROP TABLE IF EXISTS temp.eng_present<i>",
    "CREATE TEMP TABLE eng_present<i> AS SELECT DISTINCT a.person FROM attendance a "
    "JOIN temp.eng_meeting m ON m.key = a.meeting "
    f"WHERE a.person IN (SELECT person FROM temp.eng_tie<i> WHERE up) AND a.status = :present "
    f"AND m.day {_IN_PERIOD}",
)

# The units themselves.
_ENGAGEMENT_UNITS = f"SELECT key, {', '.join(UNIT_COLUMNS)} FROM organization WHERE key IN {_UNITS}"

# Seats, cross-appointed people, seat holders present: one query per period (see _of_period).
_ENGAGEMENT_TIES = (
    "SELECT unit AS key, max(up) AS seat, count(DISTINCT person) AS cross_appointed, "
    "max(CASE WHEN up THEN person IN (SELECT person FROM temp.eng_present<i>) END) AS seat_attends, "
    "json_group_array(DISTINCT person) AS people, "
    "max(up AND on_end AND kind = :community_kind) AS seat_community "
    "FROM temp.eng_tie<i> GROUP BY unit"
)

# The other figure families: (the unit's key, the columns of one period, FROM … GROUP BY …),
# queried for every period at once (see _family).
_ENGAGEMENT_FAMILIES: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    # Meetings of the period a unit was invited to; attended (mirrors graph.rules.ATTENDED: a
    # substitute counts half).
    (
        "a.org",
        (
            (f"total(m.day {_IN_PERIOD})", "meetings_invited"),
            (
                f"total(CASE WHEN m.day {_IN_PERIOD} THEN "
                "CASE a.status WHEN :present THEN 1.0 WHEN :substitute THEN 0.5 ELSE 0.0 END END)",
                "meetings_attended",
            ),
            (f"total(m.day {_IN_PERIOD} AND a.status = :substitute)", "substitutes"),
            (
                _latest("m.day", "meeting", "a.status IN (SELECT value FROM json_each(:attended))"),
                "at_meeting",
            ),
        ),
        f"FROM attendance a JOIN temp.eng_meeting m ON m.key = a.meeting WHERE a.org IN {_UNITS} GROUP BY a.org",
    ),
    # Agreements in force on some day of the period (mirrors graph.rules.holds).
    (
        "j.value",
        (
            (f"total({_SIGNED} <= :e AND (g.expires IS NULL OR {_upper('g.expires')} >= :s))", "agreements"),
            (_latest(_SIGNED, "agreement"), "at_agreement"),
        ),
        f"FROM agreement g, json_each(g.parties) j WHERE j.value IN {_UNITS} AND g.signed IS NOT NULL "
        "GROUP BY j.value",
    ),
    # A post in a unit and one on a committee, by the same person, the later start (any time).
    (
        "x.org",
        ((_latest(_POST_DAY, "post", _POST_DATED), "at_post"),),
        "FROM post x JOIN post y ON y.person = x.person JOIN organization c ON c.key = y.org "
        f"WHERE x.org IN {_UNITS} AND c.kind IN {_COMMITTEE_KINDS} GROUP BY x.org",
    ),
    # Projects claimed, completed, and completed on a problem category (the project's or its need's).
    (
        "j.value",
        (
            (f"total({_STARTED} {_IN_PERIOD})", "projects_claimed"),
            (f"total({_DONE})", "projects_completed"),
            (
                f"total(({_DONE}) AND (p.category IN (SELECT value FROM json_each(:problems)) "
                "OR n.category IN (SELECT value FROM json_each(:problems))))",
                "problems_closed",
            ),
            (_latest(_STARTED, "project"), "at_project"),
            (_latest(_ENDED, "done", _IS_DONE), "at_done"),
        ),
        "FROM project p JOIN json_each(p.contributors) j LEFT JOIN need n ON n.key = p.need "
        f"WHERE j.value IN {_UNITS} GROUP BY j.value",
    ),
    # Resources on the list by the period's end.
    (
        "org",
        (
            (f"total(published IS NULL OR {_PUBLISHED} <= :e)", "resources_offered"),
            (_latest(_PUBLISHED, "resource"), "at_resource"),
        ),
        f"FROM resource WHERE org IN {_UNITS} GROUP BY org",
    ),
    # Registered by the period's end and not withdrawn; members registered in the period's year.
    (
        "org",
        (
            (
                f"max(person IS NULL AND {_REGISTERED} <= :e AND (withdrawn IS NULL OR {_upper('withdrawn')} > :e))",
                "registered",
            ),
            (
                f"count(DISTINCT CASE WHEN person IS NOT NULL AND {_REGISTERED} BETWEEN :year_start AND :e "
                f"AND (withdrawn IS NULL OR {_upper('withdrawn')} >= :s) THEN person END)",
                "members_registered",
            ),
            (_latest(_REGISTERED, "registered", "person IS NULL"), "at_registered"),
            (_latest(_REGISTERED, "member", "person IS NOT NULL"), "at_member"),
        ),
        f"FROM registration WHERE org IN {_UNITS} GROUP BY org",
    ),
)
