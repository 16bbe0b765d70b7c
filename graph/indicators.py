"""The engagement indicators as the stores compute them (``Store.engagement_facts``): the
columns they return, the rules they receive as parameters and the frame their rows become.

The embedded store computes them with SQL, the Neo4j store with Cypher on the server
(``cypher/engagement_*.cypher``), one query per figure family, returning one row per unit;
:func:`graph.engagement.facts` is the reference in pandas, and tests/test_pushdown_engagement.py
checks that both stores give what it gives. The rules come from :mod:`graph.rules` (committee
kinds, seat words, attendance values, area paths), never written again here: the SQL and Cypher
twins receive them as parameters, and each twin says in a comment which rule it mirrors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from graph.rules import ATTENDED, COMMITTEE_LEVEL, COMMITTEES, seat_words

# Per unit: the unit's own fields (graph.model.Organization); the counts are 0 when there is nothing to count; seat_attends is empty for a unit
# without a seat holder; people are the keys of its cross-appointed people; seat_community: a
# seat on the committee of its community; last_activity: an ISO day.
COUNTS = (
    "meetings_invited",
    "meetings_attended",
    "substitutes",
    "agreements",
    "seat",
    "cross_appointed",
    "projects_claimed",
    "projects_completed",
    "problems_closed",
    "resources_offered",
    "registered",
    "members_registered",
    "seat_community",
)
UNIT_COLUMNS = ("code", "name", "kind", "area", "has_party_org", "party_members", "joined")
FACT_COLUMNS = (*UNIT_COLUMNS, *COUNTS, "seat_attends", "people", "last_activity", "last_activity_what")
LATEST = "at_"  # a store's columns of latest activities ("<ISO day> <kind>"), one per family


def facts_params(start: str, end: str, problems: Sequence[str]) -> dict[str, Any]:
    """The parameters of the SQL and Cypher twins for [start, end] (ISO days): the period, the
    first day of its year, and the rules of :mod:`graph.rules` they mirror."""
    return {
        "s": start,
        "e": end,
        "year_start": f"{end[:4]}-01-01",
        "committee_kinds": list(COMMITTEES),
        "community_kind": next(k for k, level in COMMITTEE_LEVEL.items() if level == "community"),
        "seat_words": list(seat_words()),
        "attended": list(ATTENDED),
        "present": ATTENDED[0],
        "substitute": ATTENDED[1],
        "problems": list(problems),
    }


def facts_frame(keys: Iterable[str], parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The units ``keys`` with what a store computed for them (``parts``: frames indexed by unit
    key, each with some of :data:`FACT_COLUMNS` or ``at_*`` columns), indexed by unit key in
    key order, with :data:`FACT_COLUMNS`."""
    frame = pd.DataFrame(index=pd.Index(sorted(keys), dtype=object))
    for part in parts:
        frame = frame.join(part.astype(object), how="left")
    latest = [c for c in frame.columns if str(c).startswith(LATEST)]
    at = frame[latest].fillna("").max(axis=1) if latest else pd.Series("", index=frame.index)
    at = at.where(at != "", None)
    frame["last_activity"] = pd.to_datetime(at.str[:10], format="ISO8601")
    frame["last_activity_what"] = at.str[11:].astype(object)
    frame = frame.reindex(columns=list(FACT_COLUMNS))
    for name in COUNTS:
        frame[name] = pd.to_numeric(frame[name]).fillna(0).astype(float)
    frame["seat_attends"] = pd.to_numeric(frame["seat_attends"]).astype(float)
    frame["people"] = pd.Series([_people(v) for v in frame["people"]], index=frame.index, dtype=object)
    frame["has_party_org"] = [None if _missing(v) else bool(v) for v in frame["has_party_org"]]
    for name in UNIT_COLUMNS:
        if name != "has_party_org":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    frame.index.name = None
    return frame


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _people(value: Any, none: frozenset[str] = frozenset()) -> frozenset[str]:
    if isinstance(value, str):  # a JSON list (SQLite)
        return frozenset(json.loads(value))
    if isinstance(value, list):
        return frozenset(value)
    return none
