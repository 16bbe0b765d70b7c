"""Aggregated pictures of a scope: groups, drilling into one, interlocks and quarter changes,
on a small network whose every figure can be counted by hand."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pandas as pd

from graph import aggregate
from graph.aggregate import GROUP


def table(columns: str, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split(), dtype=object)


def net() -> nx.Graph:
    """Units a1, a2 in community c1, b1 in c2, the street committee s in the street; x elsewhere."""
    g = nx.Graph()
    ties = [
        ("a1", "a2", 2, 1, 1, 0),
        ("a1", "b1", 1, 0, 1, 0),
        ("a2", "b1", 3, 1, 1, 1),
        ("s", "a1", 1, 1, 0, 0),
        ("b1", "x", 1, 0, 0, 1),
    ]
    for a, b, w, p, g_, j in ties:
        g.add_edge(a, b, weight=w, people=p, agreements=g_, projects=j)
    return g


AREAS = table(
    "key name level parent",
    [("d", "区", "district", None), ("st", "街道", "street", "d"), ("c1", "一社区", "community", "st"),
     ("c2", "二社区", "community", "st"), ("st2", "别的街道", "street", "d"), ("c3", "三社区", "community", "st2")],
)  # fmt: skip
UNITS = table("key area", [("a1", "c1"), ("a2", "c1"), ("b1", "c2"), ("s", "st"), ("x", "c3")])


def test_a_street_is_grouped_by_community_with_ties_summed_between_groups() -> None:
    inside = UNITS[UNITS["area"] != "c3"]
    group_of = aggregate.group_by_area(inside, AREAS, "community")
    assert group_of == {"a1": "c1", "a2": "c1", "b1": "c2", "s": "st"}
    picture = aggregate.aggregate(net(), group_of)
    assert dict(picture.nodes(data="units")) == {GROUP + "c1": 2, GROUP + "c2": 1, GROUP + "st": 1}
    assert picture.nodes[GROUP + "c1"]["inner"] == 2
    assert picture.edges[GROUP + "c1", GROUP + "c2"] == {
        "weight": 4,
        "people": 1,
        "agreements": 2,
        "projects": 1,
    }
    assert picture.edges[GROUP + "c1", GROUP + "st"]["weight"] == 1
    assert not picture.has_edge(GROUP + "c2", GROUP + "st")  # x is outside the scope: no node, no edge
    by_street = aggregate.group_by_area(UNITS, AREAS, "street")
    assert set(by_street.values()) == {"st", "st2"}


def test_a_group_drilled_into_shows_its_units_and_their_direct_partners_only() -> None:
    found = aggregate.focus(net(), ["b1"])
    assert sorted(found.nodes) == ["a1", "a2", "b1", "x"]
    assert {n for n, p in found.nodes(data="partner") if p} == {"a1", "a2", "x"}
    assert sorted(tuple(sorted(e)) for e in found.edges) == [("a1", "b1"), ("a2", "b1"), ("b1", "x")]


def test_clusters_cover_the_units_once() -> None:
    rng = random.Random(42)
    g = nx.Graph()
    for i in range(40):
        g.add_edge(f"u{i}", f"u{rng.randrange(40)}", weight=1)
    clusters = aggregate.group_by_cluster(g, [f"u{i}" for i in range(30)])
    assert sorted(clusters) == sorted(f"u{i}" for i in range(30) if f"u{i}" in g)
    picture = aggregate.aggregate(g, clusters)
    assert sum(u for _, u in picture.nodes(data="units")) == len(clusters)


def test_interlocks_tie_units_by_the_people_holding_posts_in_both() -> None:
    tables = {
        "post": table(
            "person org start end",
            [
                ("p1", "A", "2020-01-01", None),
                ("p1", "B", "2021-01-01", None),
                ("p2", "A", "2020-01-01", None),
                ("p2", "B", "2020-01-01", "2024-12"),  # left before the day
                ("p3", "B", "2020-01-01", None),
                ("p3", "C", "2020-01-01", None),
                ("p4", "C", "2026-01-01", None),  # not yet
                ("p4", "D", "2020-01-01", None),
            ],
        ),
        "organization": table("key name kind", [(k, f"单位{k}", "soe") for k in "ABCD"]),
    }
    g = aggregate.interlock(tables, "2025-06-30")
    assert {tuple(sorted(e)): d["people"] for *e, d in g.edges(data=True)} == {
        ("A", "B"): ["p1"],
        ("B", "C"): ["p3"],
    }
    assert g.nodes["A"]["name"] == "单位A"
    only = aggregate.interlock(tables, "2025-06-30", ["A"])
    assert list(only.edges) == [("A", "B")] and only.nodes["B"]["partner"]


def test_changes_between_quarters() -> None:
    before = nx.Graph([("a", "b"), ("b", "c")])
    after = nx.Graph([("b", "a"), ("a", "d")])
    found = aggregate.changes(before, after)
    assert found.added_nodes == {"d"} and found.ended_nodes == {"c"}
    assert found.added_edges == {("a", "d")} and found.ended_edges == {("b", "c")}


def test_the_tables_touching_some_units_give_all_their_ties() -> None:
    rng = random.Random(42)
    keys = [f"u{i:02d}" for i in range(30)]
    tables = {
        "organization": table("key name kind joined", [(k, k, "soe", "2020-01-01") for k in keys]),
        "post": table(
            "person org start end",
            [(f"p{rng.randrange(15)}", rng.choice(keys), "2021-01-01", None) for _ in range(40)],
        ),
        "agreement": table(
            "key parties signed expires",
            [(f"g{i}", tuple(rng.sample(keys, 3)), "2021-01-01", None) for i in range(8)],
        ),
        "project": table(
            "key contributors start end",
            [(f"j{i}", tuple(rng.sample(keys, 2)), "2025-02-01", None) for i in range(8)],
        ),
    }
    mine = keys[:5]
    whole = aggregate.unit_network(tables, "2025-01-01", "2025-12-31")
    part = aggregate.unit_network(aggregate.touching(tables, mine), "2025-01-01", "2025-12-31")
    expected = {tuple(sorted((a, b))): d for a, b, d in whole.edges(mine, data=True)}
    assert {tuple(sorted((a, b))): d for a, b, d in part.edges(mine, data=True)} == expected
    assert expected and set(part.nodes) <= set(whole.nodes)


def test_a_picture_goes_down_a_level_while_it_has_one_group_and_drills_into_areas() -> None:
    g = net()
    graph, groups = aggregate.picture(g, UNITS, AREAS, "district")  # one district: its streets
    assert groups == {GROUP + "st": "st", GROUP + "st2": "st2"}
    graph, groups = aggregate.picture(g, UNITS, AREAS, "street", drill="st")  # a street: its communities
    assert set(groups.values()) == {"c1", "c2", "st"} and graph.nodes[GROUP + "c1"]["units"] == 2
    graph, groups = aggregate.picture(g, UNITS, AREAS, "street", drill="c2")  # and one of those: focus
    assert groups == {} and sorted(graph.nodes) == ["a1", "a2", "b1", "x"]
    street = UNITS[UNITS["area"] != "c3"]
    graph, groups = aggregate.picture(g, street, AREAS, "community")  # a street scope
    assert set(groups.values()) == {"c1", "c2", "st"}
    graph, groups = aggregate.picture(g, street, AREAS, "community", drill="c2")
    assert groups == {} and sorted(graph.nodes) == ["a1", "a2", "b1", "x"]
    graph, groups = aggregate.picture(g, street, AREAS, "community", drill="st")  # the committee placed there
    assert groups == {} and {n for n, p in graph.nodes(data="partner") if not p} == {"s"}
    graph, groups = aggregate.picture(g, UNITS[UNITS["area"] == "c1"], AREAS, "unit")
    assert sorted(graph.nodes) == ["a1", "a2", "b1", "s"] and graph.nodes["s"]["partner"]
    graph, groups = aggregate.picture(g, UNITS, AREAS, "street", group_by="cluster")
    assert sum(graph.nodes[n]["units"] for n in groups) == len(UNITS)
    first = next(iter(sorted(groups.values())))
    drilled, _ = aggregate.picture(g, UNITS, AREAS, "street", group_by="cluster", drill=first)
    assert {n for n, p in drilled.nodes(data="partner") if not p} == {
        u for u, c in aggregate.group_by_cluster(g, list(UNITS["key"])).items() if c == first
    }
