"""Pictures of a street or a district that stay readable: units grouped, groups drilled into.

Pure functions of graphs and tables, no Streamlit. They start from the unit network of
:func:`graph.structure.unit_network` (member units and committees, tied by shared people,
agreements and projects; edge ``weight`` counts the ties):

- :func:`group_by_area` / :func:`group_by_cluster`: which group each unit of the scope is in,
  the areas one level down (a street's communities, a district's streets) or Louvain clusters;
- :func:`aggregate`: one node per group (``units``: how many) and one edge per pair of groups
  (``weight``: the ties between their units, by kind);
- :func:`focus`: a group's units and their direct partners, nothing else;
- :func:`interlock`: units tied by the people who hold posts in both (LittleSis' interlocks),
  each edge with those people;
- :func:`changes`: what appeared and what ended between two pictures (quarter by quarter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import networkx as nx
import pandas as pd

from graph import structure
from graph.rules import during
from graph.scope import Scope, ancestors, below, units_in_scope
from graph.store import Store

GROUP = "group:"  # node ids of groups: group:<area key> or group:<cluster number>
KINDS = ("people", "agreements", "projects")


def group_by_area(units: pd.DataFrame, areas: pd.DataFrame, level: str) -> dict[str, str]:
    """Each unit's area at ``level`` (community or street); a unit placed above that level (a
    street committee, grouped by community) is its own area's."""
    paths = ancestors(areas)
    return {
        str(k): paths.get(a, {}).get(level, a)
        for k, a in zip(units["key"], units["area"], strict=True)
        if isinstance(a, str)
    }


def group_by_cluster(net: nx.Graph, units: Iterable[str]) -> dict[str, str]:
    """Louvain clusters of the ties among ``units`` (numbered from the largest, as text); a unit
    without ties is its own cluster."""
    inside = net.subgraph([u for u in units if u in net])
    found = structure.communities(inside)
    return {str(u): str(c) for u, c in found.items()}


def aggregate(net: nx.Graph, group_of: Mapping[str, str]) -> nx.Graph:
    """One node per group (``units``, and ``inner``: ties inside it) and one edge per pair of
    groups tied (``weight`` and the ties by kind, summed over their units)."""
    out = nx.Graph()
    for g in group_of.values():
        node = GROUP + g
        if node not in out:
            out.add_node(node, group=g, units=0, inner=0)
        out.nodes[node]["units"] += 1
    for a, b, d in net.edges(data=True):
        if a not in group_of or b not in group_of:
            continue
        ga, gb = GROUP + group_of[a], GROUP + group_of[b]
        if ga == gb:
            out.nodes[ga]["inner"] += int(d.get("weight", 1))
            continue
        if not out.has_edge(ga, gb):
            out.add_edge(ga, gb, weight=0, **dict.fromkeys(KINDS, 0))
        edge = out.edges[ga, gb]
        edge["weight"] += int(d.get("weight", 1))
        for kind in KINDS:
            edge[kind] += int(d.get(kind, 0))
    return out


def counted(units: pd.DataFrame, ties: pd.DataFrame) -> nx.Graph:
    """:func:`aggregate`'s graph from the counts a store makes of the unit network by groups
    (``Store.group_ties``: units per group, ties per pair of groups), without the network."""
    out = nx.Graph()
    for g, n in zip(units["group"], units["units"], strict=True):
        out.add_node(GROUP + str(g), group=str(g), units=int(n), inner=0)
    for a, b, *counts in ties[["a", "b", *KINDS]].itertuples(index=False, name=None):
        ga, gb = GROUP + str(a), GROUP + str(b)
        if ga not in out or gb not in out:
            continue
        if ga == gb:
            out.nodes[ga]["inner"] += int(sum(counts))
        else:
            out.add_edge(
                ga, gb, weight=int(sum(counts)), **{k: int(c) for k, c in zip(KINDS, counts, strict=True)}
            )
    return out


def focus(net: nx.Graph, members: Iterable[str]) -> nx.Graph:
    """The ``members`` and their direct partners, with the ties that touch a member (not those
    between two partners); partners are marked ``partner``."""
    inside = {m for m in members if m in net}
    near = inside | {p for m in inside for p in net[m]}
    out = nx.Graph()
    out.add_nodes_from((n, {**net.nodes[n], "partner": n not in inside}) for n in sorted(near))
    out.add_edges_from((a, b, d) for a, b, d in net.edges(sorted(inside), data=True))
    return out


def interlock(tables: Mapping[str, pd.DataFrame], day: str, units: Iterable[str] | None = None) -> nx.Graph:
    """Organizations tied by the people holding posts in both on ``day``: edge ``people`` (person
    keys, sorted) and ``weight`` (how many). With ``units``, only ties touching one of them."""
    posts = tables["post"]
    held = posts[during(posts, "start", "end", day, day)]
    orgs_of: dict[str, set[str]] = {}
    for p, o in zip(held["person"], held["org"], strict=True):
        orgs_of.setdefault(p, set()).add(o)
    wanted = None if units is None else set(units)
    out = nx.Graph()
    info = tables["organization"].set_index("key")
    for person_key, orgs in sorted(orgs_of.items()):
        if len(orgs) < 2:
            continue
        ordered = sorted(orgs)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if wanted is not None and a not in wanted and b not in wanted:
                    continue
                if not out.has_edge(a, b):
                    out.add_edge(a, b, people=[])
                out.edges[a, b]["people"].append(person_key)
    for _, _, d in out.edges(data=True):
        d["weight"] = len(d["people"])
    for n in out.nodes:
        out.nodes[n].update(
            name=str(info["name"].get(n, n)),
            kind=info["kind"].get(n),
            partner=wanted is not None and n not in wanted,
        )
    return out


def interlock_of(store: Store, areas: pd.DataFrame, scope: Scope) -> tuple[nx.Graph, dict[str, str]]:
    """:func:`interlock` of the units of a scope on its last day, from what the store reads for
    it (``Store.bridging_posts``: the posts held that day by the people with one in a unit of
    the scope and posts in two or more organizations; the organizations they name), and the
    names of those people (by key)."""
    posts = store.bridging_posts(scope.area, scope.kinds, scope.end, scope.end)
    orgs = store.rows("organization", "key", set(posts["org"]))
    units = units_in_scope(orgs, areas, scope)
    held = posts.assign(start=None, end=None)  # held on the day, as read
    graph = interlock({"post": held, "organization": orgs}, scope.end, units["key"])
    return graph, dict(zip(posts["person"], posts["person_name"], strict=True))


DEEPER = {"district": "street", "street": "community"}


def picture(
    net: nx.Graph,
    units: pd.DataFrame,
    areas: pd.DataFrame,
    level: str,
    group_by: str = "area",
    drill: str = "",
) -> tuple[nx.Graph, dict[str, str]]:
    """What a scope's picture shows of the unit network ``net``: the ``units`` (the scope's,
    with ``key`` and ``area``) grouped by their area at ``level`` (or deeper, while that gives
    a single group) or by Louvain cluster (``group_by="cluster"``), as :func:`aggregate` draws
    them. With ``drill`` (an area key, or a cluster number) that group's own picture: a street
    of a district shows its communities; a community, a cluster, or the units placed directly
    in an area above the level (a street committee among communities) show those units and
    their direct partners (:func:`focus`). At ``level`` "unit" (a community scope): its units
    and their partners. Returns the graph and, for each group node, the area key or cluster
    number it stands for."""
    mine = units[units["key"].isin([k for k in units["key"] if k in net])]
    if level == "unit":
        return focus(net, list(mine["key"])), {}
    if group_by == "cluster":
        group_of = group_by_cluster(net, list(mine["key"]))
        if drill:
            return focus(net, [u for u, g in group_of.items() if g == drill]), {}
        return aggregate(net, group_of), {GROUP + g: g for g in set(group_of.values())}
    group_of = group_by_area(mine, areas, level)
    while len(set(group_of.values())) <= 1 and level in DEEPER:  # one group says nothing: go down
        level = DEEPER[level]
        group_of = group_by_area(mine, areas, level)
    if not drill:
        return aggregate(net, group_of), {GROUP + g: g for g in set(group_of.values())}
    levels = dict(zip(areas["key"], areas["level"], strict=True))
    if levels.get(drill) == "community" and level == "street":  # a community of a street drilled into
        group_of = group_by_area(mine, areas, "community")
    members = mine[mine["key"].isin([u for u, g in group_of.items() if g == drill])]
    if levels.get(drill) == "street" and level == "street":
        inner = group_by_area(members, areas, "community")
        return aggregate(net, inner), {GROUP + g: g for g in set(inner.values())}
    return focus(net, list(members["key"])), {}


Counts = Callable[[Mapping[str, str]], tuple[pd.DataFrame, pd.DataFrame]]  # Store.group_ties of a period


def area_groups(areas: pd.DataFrame, area: str | None, level: str) -> dict[str, str]:
    """Each area under ``area`` (everywhere when None) and the group it is in at ``level``
    (:func:`group_by_area` for the units located there)."""
    paths = ancestors(areas)
    return {k: paths.get(k, {}).get(level, k) for k in sorted(below(areas, area))}


def area_picture(
    count: Counts, areas: pd.DataFrame, area: str | None, level: str
) -> tuple[nx.Graph, dict[str, str]]:
    """What :func:`picture` shows of a scope grouped by area, not drilled into, from the
    counts the store makes (``count``: ``Store.group_ties`` for the period and unit kinds)
    instead of the unit network's every tie."""
    units, ties = count(area_groups(areas, area, level))
    while len(units) <= 1 and level in DEEPER:  # one group says nothing: go down
        level = DEEPER[level]
        units, ties = count(area_groups(areas, area, level))
    return counted(units, ties), {GROUP + str(g): str(g) for g in units["group"]}


@dataclass(frozen=True)
class Changes:
    """Between an earlier and a later picture: nodes and ties that appeared and that ended."""

    added_nodes: frozenset[str]
    ended_nodes: frozenset[str]
    added_edges: frozenset[tuple[str, str]]
    ended_edges: frozenset[tuple[str, str]]


def _pairs(graph: nx.Graph) -> set[tuple[str, str]]:
    return {(a, b) if a <= b else (b, a) for a, b in graph.edges()}


def changes(before: nx.Graph, after: nx.Graph) -> Changes:
    return Changes(
        frozenset(set(after.nodes) - set(before.nodes)),
        frozenset(set(before.nodes) - set(after.nodes)),
        frozenset(_pairs(after) - _pairs(before)),
        frozenset(_pairs(before) - _pairs(after)),
    )


def touching(tables: Mapping[str, pd.DataFrame], units: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The tables :func:`unit_network` needs for the ties of ``units`` (to anyone): the posts
    of the people holding a post in one of them, the agreements and projects one of them is in,
    and the organizations those name. The unit network of these tables has every tie touching
    ``units`` that the whole tables' has, for a fraction of the work on a large city."""
    mine = set(units)
    posts = tables["post"]
    people = set(posts.loc[posts["org"].isin(mine), "person"])
    posts = posts[posts["person"].isin(people)]
    agreements = tables["agreement"]
    agreements = agreements[agreements["parties"].map(lambda ps: not mine.isdisjoint(ps or ())).astype(bool)]
    projects = tables["project"]
    projects = projects[projects["contributors"].map(lambda cs: not mine.isdisjoint(cs or ())).astype(bool)]
    named = mine | set(posts["org"])
    for column in (agreements["parties"], projects["contributors"]):
        for keys in column:
            named.update(keys or ())
    orgs = tables["organization"]
    return {
        **tables,
        "organization": orgs[orgs["key"].isin(named)],
        "post": posts,
        "agreement": agreements,
        "project": projects,
    }


def unit_network(tables: Mapping[str, pd.DataFrame], start: str, end: str) -> nx.Graph:
    """:func:`graph.structure.unit_network` for ISO days."""
    return structure.unit_network(tables, date.fromisoformat(start), date.fromisoformat(end))
