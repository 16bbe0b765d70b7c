"""Cross-appointments (交叉任职) from the posts table. Pure functions; names are not masked here.

A person holding posts in two or more organizations in a period bridges them. Between a member
unit and each committee above it (its district's, street's and community's: the three levels)
the ties run in two directions (posts held on some day of the period; :mod:`graph.rules` says
what a part-time post and a seat are):

- ``unit_to_committee``: someone whose own (not part-time) post is in the unit holds a seat on
  the committee (a unit leader as a part-time committee member);
- ``committee_to_unit``: someone whose own post is on the committee holds a post in the unit
  (a committee member on the unit's party organization).

A unit is tied to a committee ``both`` ways, one way (either), or ``none``. A unit *holds a
seat* when it is tied unit→committee at some level; its *cross-appointed people* are the people
making its ties, either way, at every level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from graph.errors import StoreError
from graph.rules import COMMITTEE_LEVEL, LEVELS, area_paths, during, members, part_time, query_params
from graph.scope import Period, below, find_area
from graph.store import Store

DIRECTIONS = ("both", "unit_to_committee", "committee_to_unit", "none")
TIE_COLUMNS = ["unit", "level", "committee", "direction", "up", "down"]


def held(posts: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """The posts held on some day of [start, end], with ``home``: not a part-time post."""
    inside = posts[during(posts, "start", "end", start, end)]
    return inside.assign(home=~part_time(inside))


def bridging_people(posts: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """People with posts in two or more organizations: person key and name, how many
    organizations, their names and the roles, most organizations first."""
    unit_names = dict(zip(units["key"], units["name"], strict=True))
    names = dict(zip(people["key"], people["name"], strict=True))
    held: dict[str, list[tuple[str, Any]]] = {}
    for who, org, role in zip(posts["person"], posts["org"], posts["role"], strict=True):
        if who is not None:
            held.setdefault(who, []).append((org, role))
    rows = []
    for who in sorted(held):
        mine = held[who]
        orgs = list(dict.fromkeys(o for o, _ in mine))
        if len(orgs) < 2:
            continue
        rows.append(
            {
                "person_key": who,
                "person": names.get(str(who), str(who)),
                "organizations": len(orgs),
                "units": "、".join(unit_names.get(o, o) for o in orgs),
                "roles": "、".join(f"{unit_names.get(o, o)}·{r}" for o, r in mine),
                "org_keys": tuple(orgs),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["person_key", "person", "organizations", "units", "roles", "org_keys"]
    )
    return frame.sort_values(["organizations", "person"], ascending=[False, True]).reset_index(drop=True)


def level_ties(
    posts: pd.DataFrame, units: pd.DataFrame, members: pd.DataFrame, areas: pd.DataFrame
) -> pd.DataFrame:
    """One row per member unit (of ``members``) and committee above it, from the top level
    down: the level, the committee, the direction and the people each way (``up``: unit →
    committee, ``down``: committee → unit; person keys, sorted). ``posts``: :func:`held`."""
    kinds = dict(zip(units["key"], units["kind"], strict=True))
    level = {k: COMMITTEE_LEVEL[kind] for k, kind in kinds.items() if kind in COMMITTEE_LEVEL}
    committees_in: dict[str, list[str]] = {}
    for key, area in zip(units["key"], units["area"], strict=True):
        if key in level:
            committees_in.setdefault(area, []).append(key)
    wanted = set(members["key"])
    on_committee = posts["org"].isin(set(level))
    in_unit = posts[posts["org"].isin(wanted)]
    seats = posts[on_committee & ~posts["home"]]
    own = posts[on_committee & posts["home"]]
    ups = in_unit[in_unit["home"]].merge(seats, on="person", suffixes=("", "_c"))
    downs = in_unit.merge(own, on="person", suffixes=("", "_c"))
    up: dict[tuple[str, str], set[str]] = {}
    for unit, committee, who in zip(ups["org"], ups["org_c"], ups["person"], strict=True):
        up.setdefault((unit, committee), set()).add(who)
    down: dict[tuple[str, str], set[str]] = {}
    for unit, committee, who in zip(downs["org"], downs["org_c"], downs["person"], strict=True):
        down.setdefault((unit, committee), set()).add(who)
    paths = area_paths(areas)
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    rows = []
    for unit, area in zip(members["key"], members["area"], strict=True):
        above = [c for a in paths.get(area, {area: area}).values() for c in sorted(committees_in.get(a, []))]
        for committee in sorted(above, key=lambda c: (order.get(level[c], 9), c)):
            u, d = sorted(up.get((unit, committee), ())), sorted(down.get((unit, committee), ()))
            rows.append((unit, level[committee], committee, direction(u, d), tuple(u), tuple(d)))
    return pd.DataFrame(rows, columns=TIE_COLUMNS)


def direction(up: Sequence[str], down: Sequence[str]) -> str:
    """How a unit and a committee are tied, from the people each way."""
    return "both" if up and down else "unit_to_committee" if up else "committee_to_unit" if down else "none"


def unit_figures(ties: pd.DataFrame) -> pd.DataFrame:
    """Per unit (index) of ``ties``: ``seat`` (tied unit→committee at some level) and
    ``cross_appointed`` (the people making its ties, either way, at every level)."""
    seat: dict[str, bool] = {}
    people: dict[str, set[str]] = {}
    for unit, u, d in zip(ties["unit"], ties["up"], ties["down"], strict=True):
        seat[unit] = seat.get(unit, False) or bool(u)
        people.setdefault(unit, set()).update(u, d)
    keys = list(dict.fromkeys(ties["unit"]))
    return pd.DataFrame(
        {"seat": [seat[k] for k in keys], "cross_appointed": [len(people[k]) for k in keys]},
        index=pd.Index(keys, dtype=object),
    )


def per_committee(ties: pd.DataFrame) -> pd.DataFrame:
    """Per level and committee: its member units below and how many are tied each way."""
    if ties.empty:
        return pd.DataFrame(columns=["level", "committee", "members", *DIRECTIONS])
    counts = ties.groupby(["level", "committee", "direction"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(DIRECTIONS), fill_value=0)
    counts.insert(0, "members", counts.sum(axis=1))
    return counts.reset_index()


def per_level(ties: pd.DataFrame) -> pd.DataFrame:
    """Per level (from the top): member units with a committee at that level and how many are
    tied each way."""
    if ties.empty:
        return pd.DataFrame(columns=["level", "members", *DIRECTIONS])
    counts = ties.groupby(["level", "direction"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=[lvl for lvl in LEVELS if lvl in counts.index], columns=list(DIRECTIONS))
    counts = counts.fillna(0).astype(int)
    counts.insert(0, "members", counts.sum(axis=1))
    return counts.reset_index()


def cross_view(
    posts: pd.DataFrame,
    people: pd.DataFrame,
    units: pd.DataFrame,
    areas: pd.DataFrame,
    inside: pd.DataFrame,
    start: str,
    end: str,
) -> dict[str, Any]:
    """What the 交叉任职 page and ``gongjian cross`` show for the units ``inside`` a scope in
    [start, end]: the people bridging organizations (with a post in a unit inside), the ties of
    each member unit with each committee above it, and their counts."""
    now = held(posts, start, end)
    local = set(now.loc[now["org"].isin(set(inside["key"])), "person"])
    ties = level_ties(now, units, members(inside, end), areas)
    figures = unit_figures(ties)
    return {
        "bridging": bridging_people(now[now["person"].isin(local)], people, units),
        "ties": ties,
        "per_level": per_level(ties),
        "per_committee": per_committee(ties),
        "members": len(members(inside, end)),
        "with_seat": int(figures["seat"].sum()),
        "cross_people": len({k for col in ("up", "down") for ps in ties[col] for k in ps}),
    }


def pushdown(areas: pd.DataFrame, area: str | None, kinds: Sequence[str]) -> dict[str, Any]:
    """What a store's pushed-down figures (``Store.coverage``, ``Store.unit_counts``,
    ``Store.cross_ties``, ``Store.bridging_posts``) take from the rules for a scope: the keys of
    its areas (:func:`graph.scope.below`), the areas above each of them and the area itself
    (:func:`graph.rules.area_paths`), its unit kinds (empty: all), and the committee kinds, seat
    words and attended values (:func:`graph.rules.query_params`)."""
    if area is not None and area not in set(areas["key"]):
        raise StoreError(f"No area with key {area!r}; `gongjian stats` lists the areas.")
    inside = below(areas, area)
    return {
        "areas": sorted(inside),
        "paths": {
            key: sorted(set(path.values())) for key, path in area_paths(areas).items() if key in inside
        },
        "kinds": list(kinds),
        **query_params(),
    }


def store_view(store: Store, area: str | None, kinds: Sequence[str], start: str, end: str) -> dict[str, Any]:
    """:func:`cross_view` of the units in a scope (an area key, None: all; unit kinds, empty:
    all), computed by the store: the same figures, and ``ties`` also carries the names the page
    shows (unit_name, kind, area, committee_name, up_names, down_names)."""
    found = store.cross_ties(area, kinds, start, end)
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    rows = []
    for unit, name, kind, place, committee, committee_name, committee_kind, up, down in found[
        ["unit", "name", "kind", "area", "committee", "committee_name", "committee_kind", "up", "down"]
    ].itertuples(index=False, name=None):
        if committee is None:  # a member unit with no committee above it
            continue
        ups, downs = dict(sorted(up)), dict(sorted(down))
        level = COMMITTEE_LEVEL[committee_kind]
        tie = (unit, level, committee, direction(list(ups), list(downs)), tuple(ups), tuple(downs))
        named = (name, kind, place, committee_name, tuple(ups.values()), tuple(downs.values()))
        rows.append((*tie, *named, order[level]))
    names = ["unit_name", "kind", "area", "committee_name", "up_names", "down_names", "_order"]
    ties = pd.DataFrame(rows, columns=[*TIE_COLUMNS, *names])
    ties = ties.sort_values(["unit", "_order", "committee"], kind="stable", ignore_index=True)
    ties = ties.drop(columns="_order")
    figures = unit_figures(ties)
    posts = store.bridging_posts(area, kinds, start, end)
    people = pd.DataFrame({"key": posts["person"], "name": posts["person_name"]}).drop_duplicates("key")
    units = pd.DataFrame({"key": posts["org"], "name": posts["org_name"]}).drop_duplicates("key")
    return {
        "bridging": bridging_people(posts, people, units),
        "ties": ties,
        "per_level": per_level(ties),
        "per_committee": per_committee(ties),
        "members": int(found["unit"].nunique()),
        "with_seat": int(figures["seat"].sum()),
        "cross_people": len({k for col in ("up", "down") for ps in ties[col] for k in ps}),
    }


def cross_records(store: Store, period: str, area: str | None = None) -> dict[str, Any]:
    """The ties of every member unit (of ``area``: key or name; None: all) with each committee
    above it in ``period`` (``2025``, ``2025Q3``), as JSON-ready data: one row per unit and
    level, with the people each way (keys and names, not masked)."""
    p = Period.parse(period)
    area_key, area_name = find_area({"area": store.table("area")}, area) if area else (None, "全部")
    view = store_view(store, area_key, (), p.start.isoformat(), p.end.isoformat())

    def who(keys: tuple[str, ...], names: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"key": k, "name": n} for k, n in zip(keys, names, strict=True)]

    rows = [
        {
            "unit_key": r["unit"],
            "unit": r["unit_name"],
            "kind": r["kind"],
            "level": r["level"],
            "committee_key": r["committee"],
            "committee": r["committee_name"],
            "direction": r["direction"],
            "unit_to_committee": who(r["up"], r["up_names"]),
            "committee_to_unit": who(r["down"], r["down_names"]),
        }
        for r in view["ties"].to_dict("records")
    ]
    return {
        "period": p.label,
        "area": area_key,
        "area_name": area_name,
        "member_units": view["members"],
        "with_seat": view["with_seat"],
        "cross_appointed_people": view["cross_people"],
        "per_level": [
            {"level": str(r["level"]), **{k: int(r[k]) for k in ("members", *DIRECTIONS)}}
            for r in view["per_level"].to_dict("records")
        ],
        "rows": rows,
    }
