"""The domain rules, one definition each. Every page, command, analysis and named query (Cypher
through :func:`query_params`, the embedded twins directly) uses these and no other:

- **Committee** (platform): an organization of a kind in :data:`COMMITTEE_LEVEL`; its level is
  the kind's: 区 guidance committee, 街道 coordination committee, 社区 joint meeting.
- **Member unit**: an organization that is not a committee and joined the platform (加入日期)
  on or before the day asked about.
- **Part-time post**: marked part-time (the part_time column says yes); or, left unmarked, a role
  containing one of the ``seat_roles`` words (:mod:`graph.settings`). A post marked not
  part-time is never one.
- **Committee seat**: a part-time post on a committee. A unit *holds a seat* on a committee when
  someone with an own (not part-time) post in the unit holds a seat on it.
- **Attended**: present, or represented by a substitute (:data:`ATTENDED`); excused or absent
  is a meeting missed (:data:`MISSED`).
- **Holds during a period**: begun on or before its last day and not over before its first;
  a date of month precision (``2024-12``) covers the whole month, a year the whole year
  (the month-end rule: :func:`upper` on ISO text, :func:`days` on timestamps; the Cypher
  statements write it as ``CASE WHEN size(d) = 7 THEN d + '-31' …``).
- **Area path**: an area and every area above it, walking up the area tree (:func:`area_paths`).
"""

from __future__ import annotations

import calendar
from typing import Any

import pandas as pd

from graph import settings

LEVELS = ("district", "street", "community")  # area levels under the city, from the top
COMMITTEE_LEVEL = {
    "district_committee": "district",
    "street_committee": "street",
    "community_committee": "community",
}
COMMITTEES = tuple(COMMITTEE_LEVEL)  # the platforms, not member units
ATTENDED = ("present", "substitute")
MISSED = ("excused", "absent")


def seat_words() -> tuple[str, ...]:
    """The words of the seat_roles setting: a role containing one makes an unmarked post part-time."""
    words = tuple(w for w in settings.get("seat_roles").replace("，", ",").split(",") if w.strip())
    return tuple(w.strip() for w in words)


# --- dates ----------------------------------------------------------------------------------


def upper(date: str) -> str:
    """The last day an ISO day, month or year covers, comparable as text with an ISO day."""
    if len(date) == 4:
        return date + "-12-31"
    if len(date) == 7:
        year, month = int(date[:4]), int(date[5:7])
        return f"{date}-{calendar.monthrange(year, month)[1]:02d}"
    return date


def days(values: pd.Series, last: bool = False) -> pd.Series:
    """ISO days, months (``2023-02``) or years as timestamps: the first day they cover, or with
    ``last`` the last one."""
    text = values.astype(object).where(values.notna(), None)
    first = pd.to_datetime(text, format="ISO8601")
    if not last:
        return first
    size = text.str.len()
    first = first.where(size != 7, first + pd.offsets.MonthEnd(0))
    return first.where(size != 4, first + pd.offsets.YearEnd(0))


def holds(since: Any, until: Any, start: str, end: str) -> bool:
    """Whether what runs from ``since`` to ``until`` (either missing: open) holds on some day
    of [start, end] (ISO days)."""
    return (not isinstance(since, str) or since <= end) and (
        not isinstance(until, str) or upper(until) >= start
    )


def during(frame: pd.DataFrame, since: str, until: str, start: str, end: str) -> pd.Series:
    """The rows of ``frame`` that hold on some day of [start, end] (see :func:`holds`)."""
    return pd.Series(
        [holds(a, b, start, end) for a, b in zip(frame[since], frame[until], strict=True)],
        index=frame.index,
        dtype=bool,
    )


# --- units, committees, posts -----------------------------------------------------------------


def is_member(kind: Any, joined: Any, end: str) -> bool:
    """A member unit on ``end``: not a committee, joined on or before it."""
    return kind not in COMMITTEE_LEVEL and isinstance(joined, str) and joined <= end


def members(units: pd.DataFrame, end: str) -> pd.DataFrame:
    """The member units on ``end`` among ``units`` (columns kind, joined)."""
    keep = [is_member(k, j, end) for k, j in zip(units["kind"], units["joined"], strict=True)]
    return units[pd.Series(keep, index=units.index, dtype=bool)]


def ever_member(units: pd.DataFrame) -> pd.Series:
    """Which of ``units`` are member units at all (whenever they joined)."""
    return pd.Series(
        [is_member(k, j, "9999-12-31") for k, j in zip(units["kind"], units["joined"], strict=True)],
        index=units.index,
        dtype=bool,
    )


def is_part_time(marked: Any, role: Any, words: tuple[str, ...] | None = None) -> bool:
    """A part-time post: marked so, or unmarked with a seat word in its role."""
    if marked is True or marked is False:
        return marked
    return any(w in str(role or "") for w in (seat_words() if words is None else words))


def part_time(posts: pd.DataFrame) -> pd.Series:
    """Which posts (columns part_time, role) are part-time (see :func:`is_part_time`)."""
    words = seat_words()
    return pd.Series(
        [is_part_time(m, r, words) for m, r in zip(posts["part_time"], posts["role"], strict=True)],
        index=posts.index,
        dtype=bool,
    )


# --- areas ------------------------------------------------------------------------------------


def area_paths(areas: pd.DataFrame) -> dict[str, dict[str, str]]:
    """For each area key, the key of it and of each area above it, by level
    ({"district": …, "street": …, "community": …}); a loop in the tree stops the walk."""
    rows = dict(zip(areas["key"], zip(areas["level"], areas["parent"], strict=True), strict=True))
    out: dict[str, dict[str, str]] = {}
    for key in rows:
        path: dict[str, str] = {}
        seen: set[str] = set()
        here: Any = key
        while isinstance(here, str) and here in rows and here not in seen:
            seen.add(here)
            level, parent = rows[here]
            path.setdefault(str(level), here)
            here = parent
        out[str(key)] = path
    return out


def query_params() -> dict[str, Any]:
    """The rules as parameters of the named Cypher queries that use them."""
    return {
        "committee_kinds": list(COMMITTEES),
        "seat_words": list(seat_words()),
        "attended": list(ATTENDED),
    }
