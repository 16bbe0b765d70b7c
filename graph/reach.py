"""Neighbourhoods and connections over the whole store, without building its whole graph.

A store's view of an area holds what touches the area; the ego network of a unit or the
connection between two units may run anywhere (a unit leader who sits on another street's
committee). Building the whole city's graph takes long (a million relationships on the L
city), so the relationships are kept here as flat columns built from the store's tables,
searched breadth-first, and only the nodes found are made into a graph
(:func:`graph.embedded.build_graph`, the graph every view is).

Time works as in a view as of the end of the period, and, as in the network view, only the
meetings held in the period count, and only attendance that came (present, substitute).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from graph.embedded import build_graph
from graph.model import RECORD_TYPES, RECORDS, RecordType
from graph.rules import holds
from graph.scope import upper

CAME = ("present", "substitute")


def in_force(rec: RecordType, frame: pd.DataFrame, as_of: str) -> pd.Series:
    """Rows holding on ``as_of`` (as a store's view as of that day keeps them; :func:`holds`)."""
    none = [None] * len(frame)
    since = frame[rec.since] if rec.since else none
    until = frame[rec.until] if rec.until else none
    held = [holds(a, b, as_of, as_of) for a, b in zip(since, until, strict=True)]
    return pd.Series(held, index=frame.index, dtype=bool)


@dataclass(frozen=True)
class Index:
    """Every relationship as numbered ends (``src``, ``dst`` index ``nodes``), its type, and
    the record and row it comes from; the tables the rows are in."""

    nodes: np.ndarray  # node ids, "record:key"
    src: np.ndarray
    dst: np.ndarray
    type: np.ndarray
    record: np.ndarray
    row: np.ndarray
    tables: Mapping[str, pd.DataFrame]


def index(tables: Mapping[str, pd.DataFrame], start: str, end: str) -> Index:
    """The relationships of the tables as of ``end``, meetings held from ``start``."""
    kept: dict[str, pd.DataFrame] = {}
    for rec in RECORD_TYPES:
        frame = tables[rec.name]
        frame = frame[in_force(rec, frame, end)]
        if rec.name == "meeting":
            frame = frame[frame["date"].map(lambda d: upper(d) >= start).astype(bool)]
        if rec.name == "attendance":
            frame = frame[frame["status"].isin(CAME)]
        kept[rec.name] = frame.reset_index(drop=True)
    src: list[str] = []
    dst: list[str] = []
    kinds: list[str] = []
    records: list[str] = []
    rows: list[int] = []

    def add(a: list[str], b: list[str], kind: str, record: str, at: list[int]) -> None:
        src.extend(a)
        dst.extend(b)
        kinds.extend([kind] * len(a))
        records.extend([record] * len(a))
        rows.extend(at)

    for rec in RECORD_TYPES:
        frame = kept[rec.name]
        if rec.is_node:
            here = [f"{rec.name}:{k}" for k in frame["key"]]
            for c in rec.columns:
                if not c.edge:
                    continue
                there: list[str] = []
                near: list[str] = []
                rows_of: list[int] = []
                for i, (h, v) in enumerate(zip(here, frame[c.name], strict=True)):
                    for t in v if c.kind == "refs" else (v,) if v is not None else ():
                        there.append(f"{c.ref}:{t}")
                        near.append(h)
                        rows_of.append(i)
                if c.reverse:
                    add(there, near, c.edge, rec.name, rows_of)
                else:
                    add(near, there, c.edge, rec.name, rows_of)
        else:
            source_ref, target_ref = rec.column(rec.source).ref, rec.column(rec.target).ref
            fallback = rec.column(rec.fallback).ref if rec.fallback else ""
            a: list[str] = []
            b: list[str] = []
            at: list[int] = []
            for i, (s, f, t) in enumerate(
                zip(
                    frame[rec.source],
                    frame[rec.fallback] if rec.fallback else frame[rec.source],
                    frame[rec.target],
                    strict=True,
                )
            ):
                if t is None or (s is None and (not rec.fallback or f is None)):
                    continue
                a.append(f"{source_ref}:{s}" if s is not None else f"{fallback}:{f}")
                b.append(f"{target_ref}:{t}")
                at.append(i)
            add(a, b, rec.label, rec.name, at)
    known = {f"{r.name}:{k}" for r in RECORD_TYPES if r.is_node for k in kept[r.name]["key"]}
    keep = np.fromiter((x in known and y in known for x, y in zip(src, dst, strict=True)), bool, len(src))
    codes, nodes = pd.factorize(np.array(src + dst, dtype=object), sort=True)  # codes in node order
    n = len(src)
    return Index(
        nodes=np.asarray(nodes, dtype=object),
        src=codes[:n][keep],
        dst=codes[n:][keep],
        type=np.array(kinds, dtype=object)[keep],
        record=np.array(records, dtype=object)[keep],
        row=np.array(rows, dtype=np.int64)[keep],
        tables=kept,
    )


def _codes(idx: Index, nodes: Iterable[str]) -> np.ndarray:
    found = np.asarray(pd.Index(idx.nodes).get_indexer(list(nodes)))
    return np.asarray(found[found >= 0])


def near(idx: Index, centers: Iterable[str], depth: int, types: Iterable[str]) -> set[str]:
    """The nodes within ``depth`` steps of any of ``centers`` through ``types`` (centers included)."""
    typed = np.isin(idx.type, list(types))
    centers = list(centers)
    seen = np.zeros(len(idx.nodes), bool)
    frontier = np.zeros(len(idx.nodes), bool)
    frontier[_codes(idx, centers)] = True
    seen |= frontier
    for _ in range(depth):
        touching = typed & (frontier[idx.src] | frontier[idx.dst])
        found = np.zeros(len(idx.nodes), bool)
        found[idx.src[touching]] = True
        found[idx.dst[touching]] = True
        frontier = found & ~seen
        seen |= found
        if not frontier.any():
            break
    return set(idx.nodes[seen]) | set(centers)


def ego(idx: Index, center: str, depth: int, types: Iterable[str]) -> nx.MultiDiGraph:
    """The nodes within ``depth`` steps of ``center`` through ``types``, and their ties."""
    return explore(idx, center, depth, (), types)


def explore(
    idx: Index, center: str, depth: int, expanded: Iterable[str], types: Iterable[str]
) -> nx.MultiDiGraph:
    """What an explorer shows: the nodes within ``depth`` steps of ``center``, the neighbours of
    each node in ``expanded``, and the ties among them all (through ``types``)."""
    types = list(types)
    nodes = near(idx, [center], depth, types) | near(idx, expanded, 1, types)
    return subgraph(idx, nodes, np.isin(idx.type, types))


def path(idx: Index, a: str, b: str, types: Iterable[str], limit: int = 8) -> nx.MultiDiGraph | None:
    """The nodes of one shortest connection from ``a`` to ``b`` through ``types`` (at most
    ``limit`` steps) and their ties; None when there is none. Of several, the one whose node
    nearest ``b`` comes first by node id, then the next nearest, and so on: the same from any
    rows holding every shortest connection (:func:`connection`)."""
    typed = np.isin(idx.type, list(types))
    start, goal = _codes(idx, [a]), _codes(idx, [b])
    if not len(start) or not len(goal):
        return None
    parent = np.full(len(idx.nodes), -1)
    parent[start[0]] = start[0]
    frontier = np.zeros(len(idx.nodes), bool)
    frontier[start[0]] = True
    for _ in range(limit):
        if parent[goal[0]] >= 0 or not frontier.any():
            break
        forward = typed & frontier[idx.src]
        backward = typed & frontier[idx.dst]
        reached = np.concatenate([idx.dst[forward], idx.src[backward]])
        came = np.concatenate([idx.src[forward], idx.dst[backward]])
        order = np.lexsort((came, reached))  # the same parent every time
        reached, came = reached[order], came[order]
        new = parent[reached] < 0
        reached, came = reached[new], came[new]
        first = np.unique(reached, return_index=True)[1]
        parent[reached[first]] = came[first]
        frontier = np.zeros(len(idx.nodes), bool)
        frontier[reached[first]] = True
    if parent[goal[0]] < 0:
        return None
    chain = [int(goal[0])]
    while chain[-1] != start[0]:
        chain.append(int(parent[chain[-1]]))
    return subgraph(idx, set(idx.nodes[chain]), typed)


# --- a neighbourhood read from the store --------------------------------------------------------

Fetch = Callable[[str, str, Iterable[str]], pd.DataFrame]  # Store.rows: (record, field, keys) -> rows


@dataclass(frozen=True)
class Tie:
    """A kind of relationship (``type``) as rows of ``record`` hold it: the fields its ends are
    in (``key``: the row itself) and the record each end is."""

    record: str
    type: str
    ends: tuple[tuple[str, str], ...]  # (field, record of the node it names)


def ties() -> tuple[Tie, ...]:
    """Every kind of relationship of the model (as :func:`index` and the stores' views make them)."""
    found = []
    for rec in RECORD_TYPES:
        if rec.is_node:
            found += [
                Tie(rec.name, c.edge, (("key", rec.name), (c.name, c.ref))) for c in rec.columns if c.edge
            ]
        else:
            fields = [f for f in (rec.source, rec.fallback, rec.target) if f]
            found.append(Tie(rec.name, rec.label, tuple((f, rec.column(f).ref) for f in fields)))
    return tuple(found)


def _named(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def neighbourhood(fetch: Fetch, centers: Mapping[str, int], types: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The rows :func:`explore` needs to search from each of ``centers`` (node id -> steps)
    through ``types``, read by key and reference (``fetch``: ``Store.rows``) round by round,
    never the whole store: the rows of the nodes within their center's steps (whatever the
    dates: :func:`index` applies the period) and of every relationship of those types touching
    one of them, so that the ties among the nodes found are there too. Every record type has a
    table, in key order."""
    wanted = set(types)
    kinds = [t for t in ties() if t.type in wanted]
    fetched: dict[str, list[pd.DataFrame]] = {rec.name: [] for rec in RECORD_TYPES}
    done: dict[str, int] = {}
    frontier = {n: s for n, s in centers.items() if s >= 0}
    while frontier:
        done.update(frontier)
        keys: dict[str, set[str]] = {}
        for node in frontier:
            record, _, key = node.partition(":")
            if record in RECORDS and RECORDS[record].is_node:
                keys.setdefault(record, set()).add(key)
        asked: dict[tuple[str, str], pd.DataFrame] = {}
        for record, mine in keys.items():
            asked[(record, "key")] = fetch(record, "key", mine)
        for tie in kinds:
            for field, ref in tie.ends:
                if ref in keys and (tie.record, field) not in asked:
                    asked[(tie.record, field)] = fetch(tie.record, field, keys[ref])
        further: dict[str, int] = {}
        for tie in kinds:  # the far ends of the ties found, one step further from their center
            for field, ref in tie.ends:
                rows = asked.get((tie.record, field)) if ref in keys else None
                if rows is None or rows.empty:
                    continue
                for other, other_ref in tie.ends:
                    if other == field:
                        continue
                    for here, there in zip(rows[field], rows[other], strict=True):
                        left = max((frontier.get(f"{ref}:{k}", -1) for k in _named(here)), default=-1) - 1
                        for key in _named(there) if left >= 0 else ():
                            node = f"{other_ref}:{key}"
                            if max(done.get(node, -1), further.get(node, -1)) < left:
                                further[node] = left
        for (record, _), rows in asked.items():
            fetched[record].append(rows)
        frontier = further
    out = {}
    for rec in RECORD_TYPES:
        frames = [f for f in fetched[rec.name] if not f.empty]
        if not frames:
            out[rec.name] = fetch(rec.name, "key", ())
            continue
        rows = pd.concat(frames, ignore_index=True).drop_duplicates("key")
        out[rec.name] = rows.sort_values("key", ignore_index=True)
    return out


Links = Callable[[Mapping[str, pd.DataFrame]], Iterable[tuple[str, str]]]  # rows -> ties (node ids)


def period_links(start: str, end: str, types: Iterable[str]) -> Links:
    """The ties of ``types`` that rows make in [start, end], as :func:`index` keeps them."""
    wanted = list(types)

    def links(tables: Mapping[str, pd.DataFrame]) -> Iterable[tuple[str, str]]:
        idx = index(tables, start, end)
        typed = np.isin(idx.type, wanted)
        return zip(idx.nodes[idx.src[typed]], idx.nodes[idx.dst[typed]], strict=True)

    return links


def connection(
    fetch: Fetch, a: str, b: str, types: Iterable[str], links: Links, limit: int = 8
) -> dict[str, pd.DataFrame] | None:
    """The rows holding every shortest connection from ``a`` to ``b`` (node ids) of at most
    ``limit`` steps through ``types``, read by key and reference (``fetch``: ``Store.rows``)
    without the whole store: a breadth-first search from both ends, one step of the end with
    fewer nodes to follow at a time, until the two meet; None when they do not. ``links`` says
    which ties the rows read make (a period's, say). The first time the ends meet, the
    connection has as many steps as both searches took, so every node of a shortest connection
    was reached from one end and its ties to the next were read: :func:`path` (or any search
    for shortest paths) on these rows finds what it finds on the whole store's. Every record
    type has a table, in key order."""
    kinds = [t for t in ties() if t.type in set(types)]
    empty = {rec.name: fetch(rec.name, "key", ()) for rec in RECORD_TYPES}
    fetched: dict[str, list[pd.DataFrame]] = {rec.name: [] for rec in RECORD_TYPES}
    reached = ({a}, {b})
    frontier = ({a}, {b})
    steps = [0, 0]

    def table(frames: list[pd.DataFrame], name: str) -> pd.DataFrame:
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True).drop_duplicates("key") if frames else empty[name]

    def node_rows(nodes: Iterable[str]) -> dict[str, pd.DataFrame]:
        keys: dict[str, set[str]] = {}
        for node in nodes:
            record, _, key = node.partition(":")
            if record in RECORDS and RECORDS[record].is_node:
                keys.setdefault(record, set()).add(key)
        return {record: fetch(record, "key", mine) for record, mine in keys.items()}

    def step(side: int) -> None:
        here = set(frontier[side])
        found = node_rows(here)
        keys = {record: set(rows["key"]) for record, rows in found.items()}
        tied: list[tuple[str, pd.DataFrame]] = []
        far: set[str] = set()
        for tie in kinds:
            for field, ref in tie.ends:
                if ref not in keys:
                    continue
                rows = fetch(tie.record, field, keys[ref])
                tied.append((tie.record, rows))
                for other, other_ref in tie.ends:  # the nodes at the other ends
                    if other != field:
                        far.update(f"{other_ref}:{k}" for value in rows[other] for k in _named(value))
        parts: dict[str, list[pd.DataFrame]] = {rec.name: [] for rec in RECORD_TYPES}
        for record, rows in [*found.items(), *tied, *node_rows(far - here).items()]:
            parts[record].append(rows)
        tables = {name: table(frames, name) for name, frames in parts.items()}
        near: set[str] = set()
        for u, v in links(tables):
            if u in here:
                near.add(v)
            if v in here:
                near.add(u)
        steps[side] += 1
        frontier[side].clear()
        frontier[side].update(near - reached[side])
        reached[side].update(near)
        for name, frame in tables.items():
            fetched[name].append(frame)

    while steps[0] + steps[1] < limit and frontier[0] and frontier[1]:
        step(0 if len(frontier[0]) <= len(frontier[1]) else 1)
        if reached[0] & reached[1]:
            return {
                name: table(frames, name).sort_values("key", ignore_index=True)
                for name, frames in fetched.items()
            }
    return None


def subgraph(idx: Index, nodes: set[str], typed: np.ndarray) -> nx.MultiDiGraph:
    """The graph of ``nodes`` with the relationships among them of the ``typed`` ones."""
    inside = np.zeros(len(idx.nodes), bool)
    inside[_codes(idx, nodes)] = True
    among = typed & inside[idx.src] & inside[idx.dst]
    tables: dict[str, pd.DataFrame] = {}
    for rec in RECORD_TYPES:
        frame = idx.tables[rec.name]
        if rec.is_node:
            keys = {n.partition(":")[2] for n in nodes if n.startswith(rec.name + ":")}
            tables[rec.name] = frame[frame["key"].isin(keys)]
        else:
            tables[rec.name] = frame.iloc[sorted(set(idx.row[among & (idx.record == rec.name)]))]
    graph = build_graph(tables)
    wanted = set(idx.type[typed])
    graph.remove_edges_from(
        [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d.get("type") not in wanted]
    )
    return graph
