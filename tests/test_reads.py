"""The explorer's, the details panel's and the sidebar's reads by key and reference (Store.rows,
Store.date_range) and the store's counts of the area picture (Store.group_ties) give what the
whole-store path gives, on the M city in both stores."""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx
import pandas as pd
import pytest

from graph import aggregate, details, reach
from graph.model import RECORDS, RELATIONSHIP_TYPES
from graph.scope import Scope, activity_span, units_in_scope
from graph.store import Store
from ui.netview import DEFAULT_TYPES

START, END = "2025-01-01", "2025-12-31"
STORES = ("embedded", "neo4j")


@pytest.fixture(scope="module")
def whole(m_stores: dict[str, Store]) -> Iterator[dict[str, pd.DataFrame]]:
    yield {name: m_stores["embedded"].table(name) for name in RECORDS}


def edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, str]]:
    return sorted((a, b, str(k), str(d["type"])) for a, b, k, d in graph.edges(keys=True, data=True))


def starts(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int, tuple[str, ...], tuple[str, ...]]]:
    """(center, depth, expanded, types): the busiest unit at depths 1 and 2, with a partner
    expanded, a person, an agreement and a community with the area ties."""
    busy = str(tables["post"]["org"].value_counts().index[0])
    partner = str(tables["attendance"]["org"].value_counts().index[5])
    person = str(tables["post"]["person"].value_counts().index[0])
    signed = tables["agreement"].dropna(subset=["signed"]).sort_values("signed")
    agreement = str(signed.loc[signed["signed"] <= END, "key"].iloc[-1])  # in force at the end
    areas = tables["area"]
    community = str(areas.loc[areas["level"] == "community", "key"].iloc[0])
    return [
        (f"organization:{busy}", 1, (), DEFAULT_TYPES),
        (f"organization:{busy}", 1, (f"organization:{partner}",), DEFAULT_TYPES),
        (f"organization:{busy}", 2, (), ("HOLDS", "PARTY_TO")),
        (f"person:{person}", 2, (), tuple(RELATIONSHIP_TYPES)),
        (f"agreement:{agreement}", 1, (), DEFAULT_TYPES),
        (f"area:{community}", 1, (), (*DEFAULT_TYPES, "IN_AREA", "PART_OF")),
    ]


@pytest.mark.parametrize("kind", STORES)
def test_an_exploration_read_around_its_nodes_equals_the_whole_store_s(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    index = reach.index(whole, START, END)
    for center, depth, expanded, types in starts(whole):
        expected = reach.explore(index, center, depth, expanded, types)
        rows = reach.neighbourhood(m_stores[kind].rows, {center: depth, **dict.fromkeys(expanded, 1)}, types)
        assert len(rows["organization"]) < len(whole["organization"]) / 4, center  # not the whole store
        found = reach.explore(reach.index(rows, START, END), center, depth, expanded, types)
        assert len(expected) >= 3, center
        assert set(found.nodes) == set(expected.nodes), center
        assert all(found.nodes[n] == expected.nodes[n] for n in expected.nodes), center
        assert edges(found) == edges(expected), center


@pytest.mark.parametrize("kind", STORES)
def test_details_read_by_key_equal_those_from_whole_tables(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    nodes = [center for center, *_ in starts(whole)]
    nodes += [f"meeting:{whole['meeting']['key'].iloc[7]}", f"project:{whole['project']['key'].iloc[3]}"]
    nodes += [f"resource:{whole['resource']['key'].iloc[0]}", "organization:no such unit"]
    for node in nodes:
        found = details.details(node, details.rows_for(node, m_stores[kind].rows), END)
        assert found == details.details(node, whole, END), node
    assert details.details(nodes[0], whole, END) is not None


@pytest.mark.parametrize("kind", STORES)
def test_the_period_span_is_read_as_a_date_range(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    first, last = m_stores[kind].date_range("meeting", "date")
    assert activity_span([first, last]) == activity_span(whole["meeting"]["date"])
    assert len(activity_span([first, last])) >= 4


@pytest.mark.parametrize("kind", STORES)
def test_the_area_picture_counted_by_the_store_equals_the_unit_networks(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    areas = whole["area"]
    district = str(areas.loc[areas["level"] == "district", "key"].iloc[0])
    street = str(areas.loc[areas["parent"] == district, "key"].iloc[1])
    checked = 0
    for first, last in (("2025Q1", "2025Q4"), ("2024Q3", "2024Q3")):
        s = Scope(first=first, last=last)
        net = aggregate.unit_network(whole, s.start, s.end)
        for area, level, kinds in (
            (None, "district", ()),
            (district, "street", ()),
            (street, "community", ()),
            (district, "street", ("soe", "school")),
        ):
            scope = Scope(area and district, street if area == street else None, None, first, last, kinds)
            units = units_in_scope(whole["organization"], areas, scope)
            expected, groups = aggregate.picture(net, units, areas, level)
            found, found_groups = aggregate.area_picture(
                lambda by, a=s.start, b=s.end, k=kinds: m_stores[kind].group_ties(by, a, b, k),
                areas,
                area,
                level,
            )
            assert found_groups == groups
            assert list(found.nodes(data=True)) == list(expected.nodes(data=True)), (area, kinds)
            assert sorted(
                (*sorted((a, b)), tuple(sorted(d.items()))) for a, b, d in found.edges(data=True)
            ) == sorted(
                (*sorted((a, b)), tuple(sorted(d.items()))) for a, b, d in expected.edges(data=True)
            ), (area, kinds)
            assert len(expected) > 1 and sum(expected.nodes[n]["inner"] for n in expected) > 0
            checked += 1
    assert checked == 8
