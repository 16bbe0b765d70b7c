"""Coverage of the member units in a scope: with an agreement in force, with a seat on a
street or community committee, at a joint meeting. Pure functions of store tables.

A member unit is a unit that has joined the platform (加入日期) on or before the end of the
period; the committees themselves are the platforms, not members. For a period:

- agreement: party to an agreement in force on some day of the period;
- seat: someone holding a post in the unit also holds a part-time post (兼职委员) on a
  street or community committee, both posts held on some day of the period;
- attended: present, or represented by a substitute, at a meeting held in the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from graph.scope import COMMITTEES, quarter_end, quarter_start, upper

FIGURES = ("agreement", "seat", "attended")
ATTENDED = ("present", "substitute")


@dataclass(frozen=True)
class Tables:
    """The store tables coverage needs (columns as the store names them)."""

    units: pd.DataFrame  # key, kind, area, joined: every organization
    posts: pd.DataFrame  # person, org, role, part_time, start, end
    agreements: pd.DataFrame  # parties, signed, expires
    meetings: pd.DataFrame  # key, date
    attendance: pd.DataFrame  # meeting, org, status


def members(units: pd.DataFrame, end: str) -> pd.DataFrame:
    """The member units (joined on or before ``end``) among ``units``."""
    joined = units["joined"].map(lambda d: isinstance(d, str) and d <= end).astype(bool)
    return units[joined & ~units["kind"].isin(COMMITTEES)]


def during(frame: pd.DataFrame, since: str, until: str, start: str, end: str) -> pd.Series:
    """Rows holding on some day of [start, end]: begun by ``end``, not over before ``start``."""
    began = frame[since].map(lambda d: not isinstance(d, str) or d <= end)
    lasts = frame[until].map(lambda d: not isinstance(d, str) or upper(d) >= start)
    return (began & lasts).astype(bool)


def part_time(posts: pd.DataFrame) -> pd.Series:
    """Posts held part-time: marked so, or unmarked with 兼职 in the role."""
    marked = posts["part_time"].map(lambda v: v is True)
    unmarked = posts["part_time"].isna() & posts["role"].map(lambda r: "兼职" in str(r))
    return (marked | unmarked).astype(bool)


def unit_coverage(tables: Tables, keys: pd.Series, start: str, end: str) -> pd.DataFrame:
    """One row per unit key: whether it had an agreement, a seat, attended (see module doc)."""
    wanted = set(keys)
    agreements = tables.agreements[during(tables.agreements, "signed", "expires", start, end)]
    with_agreement = {p for parties in agreements["parties"] for p in parties} & wanted

    posts = tables.posts[during(tables.posts, "start", "end", start, end)]
    committees = set(tables.units.loc[tables.units["kind"].isin(COMMITTEES), "key"])
    on_committee = posts["org"].isin(committees)
    seated = set(posts.loc[on_committee & part_time(posts), "person"])
    home = posts[~on_committee & posts["org"].isin(wanted)]
    with_seat = set(home.loc[home["person"].isin(seated), "org"])

    held = tables.meetings[
        tables.meetings["date"]
        .map(lambda d: isinstance(d, str) and d <= end and upper(d) >= start)
        .astype(bool)
    ]  # astype: with no meetings the mask is empty objects, which pandas would take for column names
    came = tables.attendance[
        tables.attendance["status"].isin(ATTENDED) & tables.attendance["meeting"].isin(set(held["key"]))
    ]
    attended = set(came["org"]) & wanted

    ordered = list(keys)
    return pd.DataFrame(
        {
            "key": ordered,
            "agreement": [k in with_agreement for k in ordered],
            "seat": [k in with_seat for k in ordered],
            "attended": [k in attended for k in ordered],
        }
    )


def summary(flags: pd.DataFrame) -> dict[str, float | int]:
    """Member units and, for each figure, how many and what share."""
    n = len(flags)
    out: dict[str, float | int] = {"members": n}
    for f in FIGURES:
        count = int(flags[f].sum()) if n else 0
        out[f] = count
        out[f"{f}_share"] = count / n if n else 0.0
    return out


def by_group(flags: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """The summary per group (``groups``: the group of each row of ``flags``), by group."""
    frame = flags.assign(group=groups.to_numpy())
    rows = [{"group": g, **summary(part)} for g, part in frame.groupby("group", sort=True)]
    return pd.DataFrame(rows, columns=["group", "members", *_figure_columns()])


def trend(tables: Tables, units: pd.DataFrame, span: list[str]) -> pd.DataFrame:
    """The summary for each quarter of ``span``, over the units that were members by its end."""
    rows = []
    for quarter in span:
        start, end = quarter_start(quarter), quarter_end(quarter)
        keys = members(units, end)["key"]
        rows.append({"quarter": quarter, **summary(unit_coverage(tables, keys, start, end))})
    return pd.DataFrame(rows, columns=["quarter", "members", *_figure_columns()])


def _figure_columns() -> list[str]:
    return [c for f in FIGURES for c in (f, f"{f}_share")]


def group_level(area_level: str | None) -> str:
    """The level to break a scope down by: districts of the city, streets of a district,
    communities of a street (and of a community, itself)."""
    return {None: "district", "district": "street"}.get(area_level, "community")


def group_of(units: pd.DataFrame, paths: dict[str, dict[str, str]], level: str) -> pd.Series:
    """The area (key) at ``level`` each unit lies in, or its own area when it lies above."""
    return units["area"].map(lambda a: paths.get(a, {}).get(level, a))
