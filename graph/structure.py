"""The shape of the co-building network, with networkx: who is central, who holds it together.

Two graphs, built from store tables for a period:

- :func:`unit_network`: organizations (member units and committees) tied when, in the period,
  one person holds posts in both, both are party to an agreement in force, or both work on a
  project; edges carry ``weight`` (ties in all) and ``people``, ``agreements``, ``projects``.
- :func:`person_unit_graph`: people and organizations joined by the posts held on a day, and a
  node :data:`PLATFORM` joined to every street and community committee.

The analyses are plain functions of those graphs: :func:`centrality` (degree, betweenness
sampled from ``samples`` sources with a fixed seed, k-core), :func:`communities` (Louvain with a
seed), :func:`platform_people` (how many people tie each unit to a committee) and
:func:`cut_off` (the people whose departure would cut units off from the platform: the
articulation points of the person-unit graph). :func:`analyse` runs them all.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx
import pandas as pd

from graph.rules import COMMITTEES, days

Tables = Mapping[str, pd.DataFrame]
PLATFORM = "platform"  # the node standing for the platform in the person-unit graph
SAMPLES = 64  # betweenness is sampled from this many sources on larger networks
SEED = 42


def _members(tables: Tables, end: date) -> pd.DataFrame:
    """Member units (joined by ``end``) and committees: the nodes of the unit network."""
    orgs = tables["organization"]
    joined = days(orgs["joined"])
    keep = orgs["kind"].isin(COMMITTEES) | (joined <= pd.Timestamp(end))
    return orgs[keep]


def _held(frame: pd.DataFrame, since: str, until: str, start: date, end: date) -> pd.Series:
    """Rows holding at some time between start and end (both included)."""
    first, last = days(frame[since]), days(frame[until], last=True)
    return (first.isna() | (first <= pd.Timestamp(end))) & (last.isna() | (last >= pd.Timestamp(start)))


def _pairs(groups: pd.Series, keep: set[str]) -> pd.DataFrame:
    """Every pair (a < b) of the members of each group (a list of keys), once per group."""
    members = groups.explode()
    members = members[members.isin(keep)]
    frame = pd.DataFrame({"group": members.index, "member": members.to_numpy()}).drop_duplicates()
    pairs = frame.merge(frame, on="group")
    pairs = pairs[pairs["member_x"] < pairs["member_y"]]
    return pd.DataFrame({"a": pairs["member_x"].to_numpy(), "b": pairs["member_y"].to_numpy()})


def unit_network(tables: Tables, start: date, end: date) -> nx.Graph:
    """Member units and committees, tied by shared people, agreements and projects in the period."""
    nodes = _members(tables, end).sort_values("key")
    keep = set(nodes["key"])
    posts = tables["post"]
    posts = posts[_held(posts, "start", "end", start, end)]
    agreements = tables["agreement"]
    agreements = agreements[_held(agreements, "signed", "expires", start, end)]
    projects = tables["project"]
    projects = projects[projects["start"].notna() & _held(projects, "start", "end", start, end)]
    ties = pd.concat(
        [
            _pairs(posts.set_index("person")["org"], keep).assign(kind="people"),
            _pairs(agreements.set_index("key")["parties"], keep).assign(kind="agreements"),
            _pairs(projects.set_index("key")["contributors"], keep).assign(kind="projects"),
        ]
    )
    counts = ties.groupby(["a", "b", "kind"]).size().unstack("kind", fill_value=0)
    counts = counts.reindex(columns=["people", "agreements", "projects"], fill_value=0).sort_index()
    graph = nx.Graph()
    graph.add_nodes_from(
        (k, {"name": n, "kind": kind})
        for k, n, kind in zip(nodes["key"], nodes["name"], nodes["kind"], strict=True)
    )
    graph.add_edges_from(
        (a, b, {"weight": p + g + j, "people": p, "agreements": g, "projects": j})
        for (a, b), p, g, j in zip(
            counts.index,
            counts["people"].tolist(),
            counts["agreements"].tolist(),
            counts["projects"].tolist(),
            strict=True,
        )
    )
    return graph


def person_unit_graph(tables: Tables, day: date) -> nx.Graph:
    """People and organizations joined by the posts held on ``day``; :data:`PLATFORM` joined
    to every committee. Nodes are ``person:<key>`` and ``organization:<key>``."""
    orgs = tables["organization"]
    posts = tables["post"]
    posts = posts[_held(posts, "start", "end", day, day)].sort_values(["person", "org"])
    graph = nx.Graph()
    graph.add_node(PLATFORM)
    for key in sorted(orgs["key"][orgs["kind"].isin(COMMITTEES)]):
        graph.add_edge(PLATFORM, f"organization:{key}")
    graph.add_edges_from(
        (f"person:{p}", f"organization:{o}") for p, o in zip(posts["person"], posts["org"], strict=True)
    )
    return graph


def centrality(graph: nx.Graph, samples: int = SAMPLES, seed: int = SEED) -> pd.DataFrame:
    """Degree, betweenness (exact up to ``samples`` nodes, else sampled from ``samples``
    sources with ``seed``) and core number of each node."""
    n = graph.number_of_nodes()
    k = None if n <= samples else samples
    between = nx.betweenness_centrality(graph, k=k, seed=seed)
    core = nx.core_number(graph)
    return pd.DataFrame(
        {
            "degree": dict(graph.degree()),
            "ties": dict(graph.degree(weight="weight")),
            "betweenness": between,
            "core": core,
        },
        index=pd.Index(list(graph.nodes)),
    )


def communities(graph: nx.Graph, seed: int = SEED) -> dict[Hashable, int]:
    """Louvain communities numbered 1, 2, … from the largest (ties: smallest member first)."""
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    ordered = sorted(found, key=lambda c: (-len(c), min(map(str, c))))
    return {node: i for i, group in enumerate(ordered, start=1) for node in group}


def platform_people(graph: nx.Graph) -> dict[str, int]:
    """For each organization of the person-unit graph, the people who hold a post in it and on
    a committee: the people tying it to the platform directly."""
    committees = set(graph[PLATFORM]) if PLATFORM in graph else set()
    out: dict[str, int] = {}
    for node in graph:
        if not str(node).startswith("organization:") or node in committees:
            continue
        out[str(node).removeprefix("organization:")] = sum(
            1 for person in graph[node] if any(o in committees for o in graph[person])
        )
    return out


def cut_off(graph: nx.Graph, root: Hashable = PLATFORM) -> dict[str, list[str]]:
    """The people whose departure would cut organizations off from ``root``, with those
    organizations (keys): the articulation points of ``graph`` among people, found with one
    depth-first search from ``root`` (a child subtree whose low point does not reach above a
    node is cut off when that node goes)."""
    if root not in graph:
        return {}
    disc: dict[Hashable, int] = {root: 0}
    low: dict[Hashable, int] = {root: 0}
    order: list[Hashable] = [root]
    stop: dict[Hashable, int] = {}
    cuts: dict[Hashable, list[Hashable]] = {}
    stack: list[tuple[Hashable, Hashable | None, Any]] = [(root, None, iter(graph[root]))]
    while stack:
        node, parent, children = stack[-1]
        for child in children:
            if child == parent:
                continue
            if child in disc:
                low[node] = min(low[node], disc[child])
            else:
                disc[child] = low[child] = len(order)
                order.append(child)
                stack.append((child, node, iter(graph[child])))
                break
        else:
            stack.pop()
            stop[node] = len(order)
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if low[node] >= disc[parent] and parent != root:
                    cuts.setdefault(parent, []).append(node)
    out: dict[str, list[str]] = {}
    for person, children in cuts.items():
        if not str(person).startswith("person:"):
            continue
        units = sorted(
            str(n).removeprefix("organization:")
            for c in children
            for n in order[disc[c] : stop[c]]
            if str(n).startswith("organization:")
        )
        if units:
            out[str(person).removeprefix("person:")] = units
    return out


@dataclass(frozen=True)
class Structure:
    """The network analyses of a period. ``units``: one row per member unit and committee
    (index: key) with degree, ties, betweenness, core, cluster (Louvain), platform_people,
    single_point (one person's departure would cut it off), connected (some people tie it to
    the platform). ``cut_people``: person key and name, the units they would cut off."""

    units: pd.DataFrame
    cut_people: pd.DataFrame
    network: nx.Graph = field(repr=False)

    def within(self, keys: set[str]) -> Structure:
        """The same, for the units in keys."""
        units = self.units[self.units.index.isin(keys)]
        kept: list[list[str]] = [[u for u in us if u in keys] for us in self.cut_people["units"]]
        cut = self.cut_people.assign(units=pd.Series(kept, index=self.cut_people.index, dtype=object))
        cut = cut[cut["units"].map(len) > 0].assign(cut_off=lambda f: f["units"].map(len))
        cut = cut.sort_values(["cut_off", "person"], ascending=[False, True], kind="mergesort")
        return Structure(units, cut.reset_index(drop=True), self.network)

    def to_records(self) -> dict[str, Any]:
        units = self.units.reset_index(names="key")
        return {
            "units": [
                {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                for row in units.to_dict("records")
            ],
            "cut_people": self.cut_people.to_dict("records"),
        }


def analyse(tables: Tables, start: date, end: date, samples: int = SAMPLES, seed: int = SEED) -> Structure:
    """Every analysis of the module for the period start..end (people as of ``end``)."""
    network = unit_network(tables, start, end)
    frame = centrality(network, samples, seed)
    frame["cluster"] = pd.Series(communities(network, seed))
    people = person_unit_graph(tables, end)
    frame["platform_people"] = pd.Series(platform_people(people)).reindex(frame.index).fillna(0).astype(int)
    cut = cut_off(people)
    fragile = {u for units in cut.values() for u in units}
    frame["single_point"] = frame.index.isin(fragile)
    reached = nx.node_connected_component(people, PLATFORM)
    frame["connected"] = [f"organization:{k}" in reached for k in frame.index]
    names = (
        dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
        if "person" in tables
        else {}
    )
    cut_people = pd.DataFrame(
        [
            {"person": p, "name": names.get(p), "cut_off": len(units), "units": units}
            for p, units in sorted(cut.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        columns=["person", "name", "cut_off", "units"],
    )
    frame = frame.sort_index()
    frame.index.name = None
    return Structure(frame, cut_people, network)
