"""Finding units and people by what a user types: a name, a short name or a code."""

from __future__ import annotations

import pandas as pd

from graph.embedded import node_id
from graph.glossary import norm


def index(units: pd.DataFrame, people: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and person: ``id`` (graph node), ``record``, ``name``, ``text`` (what a
    search matches, normalized) and ``context`` (a person's units, by key, for display)."""
    unit_rows = pd.DataFrame(
        {
            "id": [node_id("organization", k) for k in units["key"]],
            "record": "organization",
            "key": units["key"].to_numpy(),
            "name": units["name"].to_numpy(),
            "text": [
                norm(" ".join([str(n), *(str(a) for a in (al or ())), str(c or "")]))
                for n, al, c in zip(units["name"], units["aliases"], units["code"], strict=True)
            ],
            "context": [(k,) for k in units["area"]],
        }
    )
    orgs: dict[str, list[str]] = {}
    for p, o in zip(posts["person"], posts["org"], strict=True):
        orgs.setdefault(p, []).append(o)
    person_rows = pd.DataFrame(
        {
            "id": [node_id("person", k) for k in people["key"]],
            "record": "person",
            "key": people["key"].to_numpy(),
            "name": people["name"].to_numpy(),
            "text": [norm(f"{n} {c or ''}") for n, c in zip(people["name"], people["code"], strict=True)],
            "context": [tuple(dict.fromkeys(orgs.get(k, ()))) for k in people["key"]],
        }
    )
    return pd.concat([unit_rows, person_rows], ignore_index=True)


def find(
    idx: pd.DataFrame, text: str, records: tuple[str, ...] = ("organization", "person"), limit: int = 50
) -> pd.DataFrame:
    """The rows matching ``text`` (every word of it, anywhere), exact names first, then the
    shortest names; people with posts before people without."""
    words = norm(text).split()
    if not words:
        return idx.iloc[0:0]
    rows = idx[idx["record"].isin(records)]
    hit = pd.Series(True, index=rows.index)
    for word in words:
        hit &= rows["text"].str.contains(word, regex=False)
    found = rows[hit]
    rank = pd.DataFrame(
        {
            "exact": found["name"].map(lambda n: norm(str(n)) != norm(text)),
            "unposted": found["context"].map(lambda c: len(c) == 0),
            "length": found["name"].map(lambda n: len(str(n))),
            "name": found["name"],
        },
        index=found.index,
    )
    order = rank.sort_values(["exact", "unposted", "length", "name"]).index
    return found.loc[order].head(limit)
