"""One unit's profile from the store tables: its people and posts, agreements, meetings,
projects, resources and registrations. Pure functions; names are not masked here."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from graph.rules import during, holds


def posts(unit: str, posts: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The posts held in the unit, each with the person's posts elsewhere (``elsewhere``: unit
    names, ``cross``: whether the person holds posts in two or more organizations)."""
    here = posts[posts["org"] == unit]
    names = dict(zip(people["key"], people["name"], strict=True))
    unit_names = dict(zip(units["key"], units["name"], strict=True))
    others: dict[str, list[str]] = {}
    for p, o in zip(posts["person"], posts["org"], strict=True):
        if o != unit:
            others.setdefault(p, []).append(unit_names.get(o, o))
    rows = pd.DataFrame(
        {
            "person_key": here["person"].to_numpy(),
            "person": [names.get(p, p) for p in here["person"]],
            "role": here["role"].to_numpy(),
            "part_time": here["part_time"].to_numpy(),
            "start": here["start"].to_numpy(),
            "end": here["end"].to_numpy(),
            "elsewhere": ["、".join(dict.fromkeys(others.get(p, []))) for p in here["person"]],
            "cross": [bool(others.get(p)) for p in here["person"]],
        }
    )
    return rows.sort_values(["end", "start"], na_position="first", key=_text_key).reset_index(drop=True)


def agreements(unit: str, agreements: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """The unit's agreements, newest first; ``in_force``: holding on some day of [start, end]."""
    mine = agreements[agreements["parties"].map(lambda ps: unit in ps).astype(bool)]
    in_force = [holds(s, e, start, end) for s, e in zip(mine["signed"], mine["expires"], strict=True)]
    return (
        pd.DataFrame(
            {
                "title": mine["title"].to_numpy(),
                "signed": mine["signed"].to_numpy(),
                "expires": mine["expires"].to_numpy(),
                "parties": mine["parties"].map(len).to_numpy(),
                "in_force": in_force,
            }
        )
        .sort_values("signed", ascending=False, key=_text_key)
        .reset_index(drop=True)
    )


def meetings(
    unit: str, attendance: pd.DataFrame, meetings: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """The unit's invitations: meeting, date, level, status and who came."""
    mine = attendance[attendance["org"] == unit]
    info = meetings.set_index("key")
    names = dict(zip(people["key"], people["name"], strict=True))
    rows = pd.DataFrame(
        {
            "meeting": mine["meeting"].to_numpy(),
            "title": [info["title"].get(m, m) for m in mine["meeting"]],
            "date": [info["date"].get(m) for m in mine["meeting"]],
            "level": [info["level"].get(m) for m in mine["meeting"]],
            "status": mine["status"].to_numpy(),
            "person": [names.get(p, "") if isinstance(p, str) else "" for p in mine["person"]],
        }
    )
    return rows.sort_values("date", key=_text_key).reset_index(drop=True)


def projects(unit: str, projects: pd.DataFrame) -> pd.DataFrame:
    mine = projects[projects["contributors"].map(lambda cs: unit in cs).astype(bool)]
    return (
        mine[["title", "category", "status", "start", "end", "community"]]
        .sort_values("start", key=_text_key)
        .reset_index(drop=True)
    )


def resources(unit: str, resources: pd.DataFrame) -> pd.DataFrame:
    mine = resources[resources["org"] == unit]
    return mine[["title", "category", "published"]].reset_index(drop=True)


def registrations(unit: str, registrations: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The unit's own registrations (no person) and those of its members."""
    mine = registrations[registrations["org"] == unit]
    names = dict(zip(people["key"], people["name"], strict=True))
    return (
        pd.DataFrame(
            {
                "person_key": mine["person"].to_numpy(),
                "person": [names.get(p, "") if isinstance(p, str) else "" for p in mine["person"]],
                "community": mine["community"].to_numpy(),
                "date": mine["date"].to_numpy(),
                "withdrawn": mine["withdrawn"].to_numpy(),
                "hours": mine["hours"].to_numpy(),
            }
        )
        .sort_values("date", key=_text_key)
        .reset_index(drop=True)
    )


def in_period(rows: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """The invitations (rows of :func:`meetings`) to meetings held in [start, end]."""
    return rows[during(rows, "date", "date", start, end)].reset_index(drop=True)


def attendance_counts(rows: pd.DataFrame, start: str, end: str) -> Mapping[str, int]:
    """Invitations and each status in [start, end]: the rows :func:`in_period` keeps."""
    inside = in_period(rows, start, end)
    counts = inside["status"].value_counts().to_dict()
    return {"invited": len(inside), **{str(k): int(v) for k, v in counts.items()}}


def _text_key(values: pd.Series) -> pd.Series:
    return values.map(lambda v: v if isinstance(v, str) else "")
