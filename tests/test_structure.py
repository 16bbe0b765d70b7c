"""The network analyses: ties between units, centrality, communities, and the people whose
departure would cut units off, checked against brute force and networkx's own algorithms."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from graph import structure
from graph.structure import PLATFORM


def table(columns: str, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split(), dtype=object)


def small() -> dict[str, pd.DataFrame]:
    """A street committee S, a community committee C, member units A, B, E (E joined late),
    and a resident unit N that never joined."""
    return {
        "organization": table(
            "key name kind joined",
            [
                ("S", "街道党工委", "street_committee", None),
                ("C", "社区党委", "community_committee", None),
                ("A", "甲", "soe", "2018-01-01"),
                ("B", "乙", "school", "2019-01-01"),
                ("E", "戊", "shop", "2026-03-01"),
                ("N", "己", "shop", None),
            ],
        ),
        "person": table("key name", [("p1", "张"), ("p2", "李"), ("p3", "王"), ("p4", "赵")]),
        "post": table(
            "person org role part_time start end",
            [
                ("p1", "A", "书记", False, "2018-02-01", None),
                ("p1", "C", "兼职委员", True, "2019-01-01", None),
                ("p2", "B", "书记", False, "2019-02-01", None),
                ("p2", "A", "委员", False, "2020-01-01", "2024-06-30"),  # ended before 2025
                ("p3", "B", "副书记", False, "2019-02-01", None),
                ("p3", "S", "兼职委员", True, "2020-01-01", None),
                ("p4", "B", "委员", False, "2019-02-01", None),
            ],
        ),
        "agreement": table(
            "key parties signed expires",
            [
                ("g1", ("S", "A", "B"), "2023-01-01", "2025-03"),  # in force until March 2025
                ("g2", ("C", "A", "N"), "2020-01-01", "2022-12-31"),  # expired
            ],
        ),
        "project": table(
            "key contributors start end",
            [("j1", ("A", "B"), "2025-02-01", "2025-05-01"), ("j2", ("A", "B"), "2024-02-01", "2024-03-01")],
        ),
    }


Y2025 = (date(2025, 1, 1), date(2025, 12, 31))


def test_units_are_tied_by_people_agreements_and_projects() -> None:
    graph = structure.unit_network(small(), *Y2025)
    assert sorted(graph.nodes) == ["A", "B", "C", "S"]  # members by the period's end and committees
    assert {(a, b): d for a, b, d in graph.edges(data=True)} == {
        ("A", "B"): {"weight": 2, "people": 0, "agreements": 1, "projects": 1},
        ("A", "C"): {"weight": 1, "people": 1, "agreements": 0, "projects": 0},
        ("A", "S"): {"weight": 1, "people": 0, "agreements": 1, "projects": 0},
        ("B", "S"): {"weight": 2, "people": 1, "agreements": 1, "projects": 0},
    }


def test_an_earlier_period_has_its_own_ties() -> None:
    graph = structure.unit_network(small(), date(2024, 1, 1), date(2024, 12, 31))
    assert graph["A"]["B"] == {"weight": 3, "people": 1, "agreements": 1, "projects": 1}


def test_people_tying_units_to_the_platform_and_who_would_cut_them_off() -> None:
    graph = structure.person_unit_graph(small(), date(2025, 12, 31))
    assert sorted(graph[PLATFORM]) == ["organization:C", "organization:S"]
    assert structure.platform_people(graph) == {"A": 1, "B": 1}
    assert structure.cut_off(graph) == {"p1": ["A"], "p3": ["B"]}


def test_analyse() -> None:
    found = structure.analyse(small(), *Y2025)
    units = found.units
    assert list(units.index) == ["A", "B", "C", "S"]
    assert units["degree"].tolist() == [3, 2, 1, 2]
    assert units["ties"].tolist() == [4, 4, 1, 3]
    assert units["core"].tolist() == [2, 2, 1, 2]
    assert units.loc["A", "betweenness"] == pytest.approx(2 / 3)  # C reaches B and S only through A
    assert units["single_point"].tolist() == [True, True, False, False]
    assert units["platform_people"].tolist() == [1, 1, 0, 0]
    assert found.cut_people.to_dict("records") == [
        {"person": "p1", "name": "张", "cut_off": 1, "units": ["A"]},
        {"person": "p3", "name": "王", "cut_off": 1, "units": ["B"]},
    ]
    inside = found.within({"B", "S"})
    assert list(inside.units.index) == ["B", "S"]
    assert inside.cut_people["person"].tolist() == ["p3"]


def random_person_unit_graph(seed: int) -> nx.Graph:
    rng = random.Random(seed)
    graph = nx.Graph()
    committees = [f"organization:c{i}" for i in range(3)]
    units = [f"organization:u{i}" for i in range(25)]
    for c in committees:
        graph.add_edge(PLATFORM, c)
    for i in range(30):
        person = f"person:p{i}"
        for org in rng.sample(committees + units, rng.choice((1, 1, 2, 2, 3))):
            graph.add_edge(person, org)
    return graph


@pytest.mark.parametrize("seed", range(8))
def test_cut_off_is_brute_force(seed: int) -> None:
    graph = random_person_unit_graph(seed)
    reached = nx.node_connected_component(graph, PLATFORM)
    expected = {}
    for node in sorted(reached):
        if not node.startswith("person:"):
            continue
        rest = graph.subgraph(reached - {node})
        lost = reached - {node} - nx.node_connected_component(rest, PLATFORM)
        units = sorted(n.removeprefix("organization:") for n in lost if n.startswith("organization:"))
        if units:
            expected[node.removeprefix("person:")] = units
    assert structure.cut_off(graph) == expected
    cut_people = {p for p in nx.articulation_points(graph.subgraph(reached)) if p.startswith("person:")}
    assert set(expected) <= {p.removeprefix("person:") for p in cut_people}


def test_betweenness_is_exact_on_small_networks_and_sampled_with_a_seed_on_large_ones() -> None:
    graph = nx.connected_watts_strogatz_graph(60, 4, 0.2, seed=1)
    exact = structure.centrality(graph, samples=100)
    assert exact["betweenness"].to_dict() == pytest.approx(nx.betweenness_centrality(graph))
    sampled = structure.centrality(graph, samples=20, seed=7)
    assert sampled.equals(structure.centrality(graph, samples=20, seed=7))
    assert not sampled["betweenness"].equals(exact["betweenness"])


def test_communities_are_numbered_from_the_largest() -> None:
    graph = nx.union(nx.complete_graph(["a", "b", "c", "d"]), nx.complete_graph(["x", "y", "z"]))
    graph.add_edge("d", "x")
    nx.set_edge_attributes(graph, 1, "weight")
    found = structure.communities(graph, seed=3)
    assert found == {"a": 1, "b": 1, "c": 1, "d": 1, "x": 2, "y": 2, "z": 2}
    assert found == structure.communities(graph, seed=3)
