"""Finding anything by what a user types: units (name, 简称, code), people, agreements and the
joint bodies they found, meetings, projects, needs, resources and areas (with their platform's
name, e.g. 大工委 or 党建联合体).

Matching is on the normalized text (:func:`graph.glossary.norm`: full-width to half-width,
spaces collapsed, Latin lower-cased), every word of the query anywhere. Ranking: a name or code
equal to the query first, then one starting with it, then the rest; within each, by record
(:data:`RANK`), people with posts before people without, shorter names first, the latest first
(an agreement signed later, a later meeting).

A store keeps the index (:func:`prepare`, run after a load and by the first search of a
revision without one) and answers a search with the rows holding every word (:func:`lookup`);
the ranking of those few rows stays here. ``find(read(store), …)`` is its definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain

import numpy as np
import pandas as pd

from graph.embedded import node_id
from graph.glossary import norm
from graph.model import RECORDS
from graph.store import Store

# record: the fields a search matches (the first is the name shown), in rank order of records
FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("name", "aliases", "code"),
    "agreement": ("title", "kind", "code"),
    "area": ("name", "platform", "code"),
    "person": ("name", "code"),
    "project": ("title", "code"),
    "meeting": ("title", "code"),
    "need": ("title", "code"),
    "resource": ("title", "code"),
}
RANK = {record: i for i, record in enumerate(FIELDS)}
ALL = tuple(FIELDS)
EXACT, PREFIX, SUBSTRING = 0, 1, 2
KEPT = "search"  # the derived result (Store.kept) marking the kept index current
COLUMNS = ["id", "record", "key", "name", "terms", "text", "when", "context"]  # of an index


CONTEXT = {  # record: the field holding the keys a row is shown with (a person: its posts' units)
    "organization": "area",
    "agreement": "parties",
    "meeting": "host",
    "project": "contributors",
    "need": "community",
    "resource": "org",
    "area": "parent",
}


def columns(record: str) -> tuple[str, ...]:
    """The fields :func:`index` reads of a record (``post``: a person's units)."""
    if record == "post":
        return ("person", "org")
    since = RECORDS[record].since
    return tuple(
        dict.fromkeys(
            (
                "key",
                *FIELDS[record],
                *([since] if since else []),
                *([CONTEXT[record]] if record in CONTEXT else []),
            )
        )
    )


def _norms(values: Iterable[object]) -> list[tuple[str, ...]]:
    """The normalized texts of each value of a column (a list field: of each item)."""
    out: list[tuple[str, ...]] = []
    for value in values:
        if value is None or (isinstance(value, float) and value != value):
            out.append(())
        elif isinstance(value, (tuple, list)):
            out.append(tuple(norm(str(v)) for v in value if v))
        else:
            text = norm(str(value))
            out.append((text,) if text else ())
    return out


def _context(record: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, ...]]:
    """What a row is shown with: a unit's area, a person's units, an agreement's parties, a
    meeting's host, a project's contributors, a need's community, a resource's unit, an area's
    parent (keys)."""
    if record == "person":
        orgs: dict[str, list[str]] = {}
        posts = tables.get("post")
        if posts is not None:
            for p, o in zip(posts["person"], posts["org"], strict=True):
                orgs.setdefault(p, []).append(o)
        return [tuple(dict.fromkeys(orgs.get(k, ()))) for k in frame["key"]]
    column = CONTEXT[record]
    return [v if isinstance(v, tuple) else (v,) if isinstance(v, str) else () for v in frame[column]]


def _when(record: str, frame: pd.DataFrame) -> list[str]:
    """The date each row holds from (an agreement's signing, a meeting's date), or ""."""
    since = RECORDS[record].since
    if not since or since not in frame:
        return [""] * len(frame)
    return [w if isinstance(w, str) else "" for w in frame[since]]


def index(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per searchable record: ``id`` (graph node), ``record``, ``key``, ``name`` (as
    stored), ``terms`` (the normalized names and codes, for exact and prefix matches), ``text``
    (all of them, what a search matches), ``when`` (the date it holds from, or "") and
    ``context`` (keys shown with it, see _context)."""
    parts = []
    for record, columns in FIELDS.items():
        frame = tables.get(record)
        if frame is None or frame.empty:
            continue
        terms = [
            tuple(dict.fromkeys(chain.from_iterable(row)))
            for row in zip(*(_norms(frame[c]) for c in columns), strict=True)
        ]
        parts.append(
            pd.DataFrame(
                {
                    "id": [node_id(record, k) for k in frame["key"]],
                    "record": record,
                    "key": frame["key"].to_numpy(),
                    "name": frame[columns[0]].astype(str).to_numpy(),
                    "terms": terms,
                    "text": [" ".join(t) for t in terms],
                    "when": _when(record, frame),
                    "context": _context(record, frame, tables),
                },
                dtype=object,  # as they are (no text column made an Arrow one)
            )
        )
    if not parts:
        return pd.DataFrame(columns=COLUMNS, dtype=object)
    return pd.concat(parts, ignore_index=True)


def read(store: Store) -> pd.DataFrame:
    """The :func:`index` of everything a store holds, from the fields it reads (:func:`columns`)."""
    return index({record: store.table(record, list(columns(record))) for record in (*FIELDS, "post")})


def kept(idx: pd.DataFrame) -> pd.DataFrame:
    """An index as a store keeps it (``Store.keep_search``): without ``id``, with what a row
    ranks by whatever the query (:func:`_order`: ``rank``, ``unposted``, ``length``)."""
    return pd.concat([idx.drop(columns="id"), _order(idx)], axis=1)


def prepare(store: Store) -> bool:
    """Have the store keep the whole index (:func:`read`) for its current revision, unless it
    keeps one already (``Store.keep_search``; skipped when the store cannot take it), so that
    later searches ask the store for their matches only (:func:`lookup`); whether it was read."""
    if store.kept(KEPT) is not None:
        return False
    revision = store.revision()
    store.keep_search(kept(read(store)), revision)
    return True


def lookup(store: Store, text: str, records: Iterable[str] = ALL, limit: int = 50) -> pd.DataFrame | None:
    """``find(read(store), text, records, limit)`` from the rows of the store's kept index
    that hold every word and rank among the first ``limit`` (``Store.search``); None when the
    store keeps no index for its current revision (a store loaded before there was one, or
    written since: see :func:`prepare`)."""
    records = tuple(records)
    query = norm(text)
    if not query:
        return index({})
    found = store.search(query, records, limit)
    if found is None:
        return None
    found["order"] = found["record"].map(RANK)
    rows = found.sort_values(["order", "key"], kind="stable").drop(columns="order")  # the index's order
    rows.insert(0, "id", [node_id(r, k) for r, k in zip(rows["record"], rows["key"], strict=True)])
    return find(rows.reset_index(drop=True), text, records, limit)


def _order(rows: pd.DataFrame) -> pd.DataFrame:
    """What rows rank by after how they match a query (:func:`match_rank`), as numbers: their
    record (``rank``, :data:`RANK`), people without a post after those with (``unposted``),
    shorter names first (``length``)."""
    return pd.DataFrame(
        {
            "rank": rows["record"].map(RANK).astype(np.int64),
            "unposted": ((rows["record"] == "person") & rows["context"].map(len).eq(0)).astype(np.int64),
            "length": rows["name"].map(len).astype(np.int64),
        },
        index=rows.index,
    )


def match_rank(terms: Iterable[str], query: str) -> int:
    """:data:`EXACT` when a name or code is the query, :data:`PREFIX` when one starts with it,
    else :data:`SUBSTRING` (``query`` and ``terms`` normalized)."""
    terms = tuple(terms)
    if query in terms:
        return EXACT
    if any(t.startswith(query) for t in terms):
        return PREFIX
    return SUBSTRING


def find(idx: pd.DataFrame, text: str, records: Iterable[str] = ALL, limit: int = 50) -> pd.DataFrame:
    """The rows matching ``text`` (every word of it, anywhere), best first (see the module)."""
    query = norm(text)
    words = query.split()
    if not words:
        return idx.iloc[0:0]
    rows = idx[idx["record"].isin(tuple(records))]
    hit = pd.Series(True, index=rows.index)
    for word in words:
        hit &= rows["text"].str.contains(word, regex=False)
    found = rows[hit]
    rank = pd.concat(
        [
            found["terms"].map(lambda ts: match_rank(ts, query)).rename("match"),
            _order(found),
            found[["when", "name"]],
        ],
        axis=1,
    )
    numbers = rank[["match", "rank", "unposted", "length"]].to_numpy(dtype=np.int64)
    if len(rank) > limit:  # the rows tied with the limit-th or before it on the numbers, in order
        last = numbers[np.lexsort(numbers.T[::-1])[limit - 1]]
        before = np.zeros(len(rank), bool)
        tied = np.ones(len(rank), bool)
        for column, value in zip(numbers.T, last, strict=True):
            before |= tied & (column < value)
            tied &= column == value
        rank = rank[before | tied]
    order = rank.sort_values(
        ["match", "rank", "unposted", "length", "when", "name"],
        ascending=[True, True, True, True, False, True],
        kind="stable",
    ).index
    return found.loc[order].head(limit)
