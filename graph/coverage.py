"""Coverage of the member units in a scope: with an agreement in force, with a seat on a
committee above them, at a joint meeting. Pure functions of store tables; the rules (member
unit, seat, attended, holding during a period) are those of :mod:`graph.rules`:

- agreement: party to an agreement holding on some day of the period;
- seat: tied unit → committee at some level in the period (:func:`graph.bridges.level_ties`);
- attended: attended (present or by substitute) a meeting held in the period.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from graph import bridges
from graph.frames import pack, unpack
from graph.rules import ATTENDED, LEVELS, area_paths, during, members
from graph.scope import Scope, default_period, quarter_end, quarter_start, store_span, units_in_scope
from graph.store import Store

FIGURES = ("agreement", "seat", "attended")


@dataclass(frozen=True)
class Tables:
    """The store tables coverage needs (columns as the store names them)."""

    units: pd.DataFrame  # key, kind, area, joined: every organization
    posts: pd.DataFrame  # person, org, role, part_time, start, end
    agreements: pd.DataFrame  # parties, signed, expires
    meetings: pd.DataFrame  # key, date
    attendance: pd.DataFrame  # meeting, org, status
    areas: pd.DataFrame  # key, level, parent

    @classmethod
    def of(cls, tables: Mapping[str, pd.DataFrame]) -> Tables:
        """From store tables by record type name."""
        return cls(
            tables["organization"],
            tables["post"],
            tables["agreement"],
            tables["meeting"],
            tables["attendance"],
            tables["area"],
        )


def unit_coverage(tables: Tables, keys: pd.Series, start: str, end: str) -> pd.DataFrame:
    """One row per unit key: whether it had an agreement, a seat, attended (see module doc)."""
    wanted = set(keys)
    agreements = tables.agreements[during(tables.agreements, "signed", "expires", start, end)]
    with_agreement = {p for parties in agreements["parties"] for p in parties} & wanted

    units = tables.units[tables.units["key"].isin(wanted)]
    ties = bridges.level_ties(bridges.held(tables.posts, start, end), tables.units, units, tables.areas)
    figures = bridges.unit_figures(ties)
    with_seat = set(figures.index[figures["seat"]])

    held = tables.meetings[during(tables.meetings, "date", "date", start, end)]
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
    return shares(n, {f: int(flags[f].sum()) if n else 0 for f in FIGURES})


def shares(members: int, counts: dict[str, int]) -> dict[str, float | int]:
    """Member units and, for each figure, how many (``counts``) and what share."""
    out: dict[str, float | int] = {"members": members}
    for f in FIGURES:
        out[f] = counts[f]
        out[f"{f}_share"] = counts[f] / members if members else 0.0
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


def overview(tables: Tables, s: Scope, span: list[str]) -> dict[str, Any]:
    """Everything the overview shows for a scope: units in scope and member units (the same
    rule in the figures and in the by-area table), coverage, by group and by quarter."""
    areas = tables.areas
    units = units_in_scope(tables.units, areas, s)
    member_units = members(units, s.end)
    flags = unit_coverage(tables, member_units["key"], s.start, s.end)
    paths = area_paths(areas)
    names = dict(zip(areas["key"], areas["name"], strict=True))
    levels = dict(zip(areas["key"], areas["level"], strict=True))
    level = group_level(levels.get(s.area) if s.area else None)
    groups = group_of(member_units, paths, level).map(lambda k: names.get(k, k))
    member_keys = set(member_units["key"])
    by_area = pd.DataFrame(
        {
            **{
                lvl: units["area"].map(lambda a, lvl=lvl: names.get(paths.get(a, {}).get(lvl, ""), ""))
                for lvl in LEVELS
            },
            "member": units["key"].isin(member_keys).to_numpy(),
        }
    )
    counts = (
        by_area.groupby(list(LEVELS[: LEVELS.index(level) + 1]), sort=True)
        .agg(units=("member", "size"), members=("member", "sum"))
        .reset_index()
    )
    return {
        "units": len(units),
        "members": len(member_units),
        "party_orgs": int(units["has_party_org"].map(lambda v: v is True).sum()),
        "summary": summary(flags),
        "flags": flags.assign(group=groups.to_numpy()),
        "by_group": by_group(flags, groups),
        "level": level,
        "trend": trend(tables, units, span),
        "by_kind": units["kind"].value_counts().sort_index(),
        "by_area": counts,
    }


# The kept overview's format: a change to it, or to how the figures are computed, gets a new
# number, so that figures kept by older code are computed again rather than shown.
KEPT_FORMAT = 1


def store_overview(store: Store, areas: pd.DataFrame, s: Scope, span: list[str]) -> dict[str, Any]:
    """:func:`overview` computed by the store (``Store.unit_counts``, ``Store.coverage``): the
    same figures, and ``flags`` also carries each unit's name, kind and area. ``areas``: the
    store's area table. Kept in the store once computed (``Store.keep``), per scope and quarters,
    until the store is written again: the next visitor, of any app process, reads it."""
    said = json.dumps([s.area, list(s.kinds), s.start, s.end, list(span)], ensure_ascii=False)
    name = f"overview/v{KEPT_FORMAT}/{said}"
    found = _from_kept(store.kept(name))
    if found is not None:
        return found
    revision = store.revision()  # before reading: a load meanwhile makes what is kept out of date
    out = _store_overview(store, areas, s, span)
    store.keep(name, _to_kept(out), revision)
    return out


def prepare(store: Store) -> None:
    """Compute and keep the overview the app opens on: the whole store in its default period
    (:func:`graph.scope.default_period`), so that the first visitor after a load does not wait."""
    span = store_span(store)
    if span:
        first, last = default_period(span)
        store_overview(
            store,
            store.table("area", ["key", "name", "level", "parent"]),
            Scope(None, None, None, first, last),
            span,
        )


def _to_kept(figures: dict[str, Any]) -> str:
    """The figures of :func:`store_overview` as text: the frames and series packed, the rest
    (counts, shares, the level) as JSON."""
    frames = {k: v for k, v in figures.items() if isinstance(v, pd.DataFrame | pd.Series)}
    rest = {k: v for k, v in figures.items() if k not in frames}
    return json.dumps({"rest": rest, "frames": pack(frames)})


def _from_kept(text: str | None) -> dict[str, Any] | None:
    """The figures :func:`_to_kept` wrote (None: nothing kept, or not readable: compute them)."""
    if text is None:
        return None
    try:
        kept = json.loads(text)
        return {**kept["rest"], **unpack(kept["frames"])}
    except (ValueError, KeyError, TypeError):
        return None


def _store_overview(store: Store, areas: pd.DataFrame, s: Scope, span: list[str]) -> dict[str, Any]:
    counts = store.unit_counts(s.area, s.kinds, s.end)
    flags, quarterly = store.coverage(s.area, s.kinds, s.start, s.end, span)
    paths = area_paths(areas)
    names = dict(zip(areas["key"], areas["name"], strict=True))
    levels = dict(zip(areas["key"], areas["level"], strict=True))
    level = group_level(levels.get(s.area) if s.area else None)
    groups = group_of(flags, paths, level).map(lambda k: names.get(k, k))
    placed = counts.assign(
        **{
            lvl: counts["area"].map(lambda a, lvl=lvl: names.get(paths.get(a, {}).get(lvl, ""), ""))
            for lvl in LEVELS
        }
    )
    by_area = (
        placed.groupby(list(LEVELS[: LEVELS.index(level) + 1]), sort=True)[["units", "members"]]
        .sum()
        .astype(int)
        .reset_index()
    )
    trend = pd.DataFrame(
        [
            {"quarter": q, **shares(int(n), {f: int(row[f]) for f in FIGURES})}
            for q, n, row in zip(
                quarterly["quarter"], quarterly["members"], quarterly.to_dict("records"), strict=True
            )
        ],
        columns=["quarter", "members", *_figure_columns()],
    )
    return {
        "units": int(counts["units"].sum()),
        "members": int(counts["members"].sum()),
        "party_orgs": int(counts["party_orgs"].sum()),
        "summary": summary(flags),
        "flags": flags.assign(group=groups.to_numpy()),
        "by_group": by_group(flags, groups),
        "level": level,
        "trend": trend,
        "by_kind": counts.groupby("kind")["units"].sum().astype(int).sort_index().rename("count"),
        "by_area": by_area,
    }
