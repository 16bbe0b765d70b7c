"""The tests on the M city (10,000 units; the session's ``m_stores``), all in this module so that
the suite's workers load it once: the explorer's, the details panel's and the sidebar's reads by
key and reference (Store.rows, Store.date_range) and the store's counts of the area picture
(Store.group_ties) give what the whole-store path gives, in both stores; the overview's and
engagement's figures each store computes equal the pandas path's (the S city's checks, in
test_pushdown_overview.py and test_pushdown_engagement.py, at real size); the first load gives
both stores the same records; the 查询 page's named queries of the whole city give the twins'
answers."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph import aggregate, changes, details, engagement, queries, reach, search
from graph.embedded import EmbeddedStore, build_graph
from graph.engagement import read_tables
from graph.model import RECORDS, RELATIONSHIP_TYPES
from graph.neo4j_store import Neo4jStore
from graph.rules import COMMITTEE_LEVEL
from graph.scope import Scope, activity_span, below, units_in_scope
from graph.store import Store
from tests.test_pushdown_engagement import a_street, assert_same_facts, assert_same_result
from tests.test_pushdown_overview import check, reference, scopes
from tests.test_search import same_as_whole
from ui.netview import DEFAULT_TYPES

START, END = "2025-01-01", "2025-12-31"
LIMIT = 200  # rows of a named query compared (of more)
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
def test_a_connection_read_from_both_ends_equals_the_whole_store_s(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    """The shortest connection the 网络 page draws, from the rows a search from both units
    reads: the same nodes, data and ties as on the whole store's, at 2 and 4 steps (the
    synthetic streets' longest in a year) and none."""
    ties = ("HOLDS", "PARTY_TO", "ATTENDED", "CONTRIBUTES")
    index = reach.index(whole, START, END)
    pairs = []
    for rank in (0, 32):
        busy = f"organization:{whole['attendance']['org'].value_counts().index[rank]}"
        rings = [reach.near(index, [busy], depth, ties) for depth in range(6)]
        for a, b in itertools.pairwise(rings):
            ring = sorted(n for n in b - a if n.startswith("organization:"))
            pairs += [(busy, ring[len(ring) // 3]), (ring[-1], busy)] if ring else []
    alone = sorted(f"organization:{k}" for k in whole["organization"]["key"])
    pairs += [(pairs[0][0], next(u for u in alone if u not in rings[-1])), (alone[3], alone[-3])]
    lengths = []
    for a, b in pairs:
        expected = reach.path(index, a, b, ties)
        rows = reach.connection(m_stores[kind].rows, a, b, ties, reach.period_links(START, END, ties))
        found = None if rows is None else reach.path(reach.index(rows, START, END), a, b, ties)
        assert (found is None) == (expected is None), (a, b)
        if found is not None and expected is not None:
            assert rows is not None and len(rows["organization"]) < len(whole["organization"]) / 4
            assert sorted(found.nodes) == sorted(expected.nodes), (a, b)
            assert all(found.nodes[n] == expected.nodes[n] for n in expected.nodes)
            assert edges(found) == edges(expected), (a, b)
            lengths.append(len(expected))
    assert len(lengths) >= 8 and {3, 5} <= set(lengths), lengths


def test_the_change_log_from_the_store_equals_the_one_from_whole_tables(m_stores: dict[str, Store]) -> None:
    """gongjian changes: its events and flags from the engagement the store computes and the
    rows it reads for the area, as from the pandas analysis of whole tables, for a street and
    the whole city. On the embedded store only: both store reads it uses (engagement_facts and
    engagement_rows, change_rows) are equal on Neo4j by tests/test_pushdown_*.py, and Neo4j's
    engagement statements take about 18 s on M."""
    store = m_stores["embedded"]
    tables = engagement.read_tables(store)  # the whole tables the log was read from
    areas = tables["area"]
    street = str(areas.loc[areas["level"] == "street", "key"].iloc[1])
    flags = 0
    for period, area in (("2025Q2", street), ("2025", None)):
        result = engagement.analyse(tables, period, area, with_structure=False)
        inside = below(areas, result.area)
        units = tables["organization"]
        keys = set(units.loc[units["area"].isin(inside) & ~units["kind"].isin(COMMITTEE_LEVEL), "key"])
        p = result.period
        expected = changes.events(tables, p.start.isoformat(), p.end.isoformat(), keys)
        expected = pd.concat([expected, changes.flag_events(result)], ignore_index=True)
        found = changes.change_log(store, period, area)
        assert found["events"] == changes.to_records(expected), (period, area)
        assert found["counts"] == changes.counts(expected)
        assert len(found["events"]) > 100
        flags += found["counts"]["flag_raised"] + found["counts"]["flag_cleared"]
    assert flags > 0


@pytest.mark.parametrize("kind", STORES)
def test_the_people_units_share_read_for_the_scope_equal_the_whole_store_s(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    """共有人员: units tied by the people holding posts in both, from the posts the store reads
    for the scope (the whole city, a street in another quarter, unit kinds)."""
    areas = whole["area"]
    district = str(areas.loc[areas["level"] == "district", "key"].iloc[0])
    street = str(areas.loc[areas["parent"] == district, "key"].iloc[1])
    names = dict(zip(whole["person"]["key"], whole["person"]["name"], strict=True))
    partners = 0
    for s in (
        Scope(first="2025Q1", last="2025Q4"),
        Scope(district, street, None, "2024Q3", "2024Q3"),
        Scope(district, None, None, "2025Q1", "2025Q4", ("soe", "school")),
    ):
        units = units_in_scope(whole["organization"], areas, s)
        expected = aggregate.interlock(whole, s.end, units["key"])
        found, people = aggregate.interlock_of(m_stores[kind], areas, s)
        assert sorted(found.nodes(data=True)) == sorted(expected.nodes(data=True)), s
        assert sorted(
            (*sorted((a, b)), d["people"], d["weight"]) for a, b, d in found.edges(data=True)
        ) == sorted((*sorted((a, b)), d["people"], d["weight"]) for a, b, d in expected.edges(data=True)), s
        assert expected.number_of_edges() > 50
        partners += sum(d["partner"] for _, d in expected.nodes(data=True))  # units beyond the scope
        shared = {p for _, _, d in expected.edges(data=True) for p in d["people"]}
        assert {p: people[p] for p in shared} == {p: names[p] for p in shared}
    assert partners > 0


@pytest.mark.parametrize("kind", STORES)
def test_the_search_index_read_from_the_fields_it_needs_and_kept_in_the_store_equals_the_whole_one(
    kind: str, m_stores: dict[str, Store], whole: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    expected = search.index(whole)
    found = search.read(m_stores[kind])
    pd.testing.assert_frame_equal(found, expected)
    assert len(found) > 30_000 and set(found["record"]) == set(search.FIELDS)
    for text in ("社区", str(whole["organization"]["name"].iloc[7]), "协议 2024"):
        assert list(search.find(found, text)["id"]) == list(search.find(expected, text)["id"])
    for text in ("社区", "公司", "1"):  # the first few as among all (a limit past every match)
        everything = list(search.find(found, text, limit=len(found))["id"])
        assert len(everything) > 500
        for limit in (1, 7, 50):
            assert list(search.find(found, text, limit=limit)["id"]) == everything[:limit], (text, limit)

    # the index kept in the store (in a copy of the embedded one; on Neo4j, its entries deleted
    # after: the fixture is read only) gives the same searches, asking the store for the matches
    store = m_stores[kind]
    if isinstance(store, EmbeddedStore):
        with sqlite3.connect(store.path) as source, sqlite3.connect(tmp_path / "m.sqlite") as copy:
            source.backup(copy)
        store = EmbeddedStore(tmp_path / "m.sqlite")
    try:
        store.keep_search(search.kept(found), store.revision())
        texts = ("社区", "社区 党委", "公司", "1", "协议 2024", *whole["organization"]["name"].iloc[[7, 700]])
        assert same_as_whole(store, found, texts, wide=("社区",)) > 300
    finally:
        if isinstance(store, Neo4jStore):
            for text in ("MATCH (s:SearchEntry) DELETE s", "MATCH (d:Derived {name: 'search'}) DELETE d"):
                store.driver.execute_query(text, database_=store.database)
        else:
            store.close()


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


# --- the figures the stores compute, and their first load, on the M city ----------------------------


@pytest.mark.neo4j
def test_both_stores_equal_the_pandas_indicators_on_m(m_stores: dict[str, Store]) -> None:
    tables = read_tables(m_stores["embedded"])
    street = a_street(tables)
    for period in ("2025", "2025Q2"):
        for area in (None, street):
            for store in m_stores.values():
                assert_same_facts(store, tables, period, area)
    assert_same_result(m_stores["neo4j"], tables, "2025", street)


@pytest.mark.neo4j
@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_the_stores_figures_equal_the_pandas_path_on_m(kind: str, m_stores: dict[str, Store]) -> None:
    ref = reference("M", m_stores["embedded"])
    areas = ref.tables["area"]
    street = scopes(areas, ("district", "street"))[-1]
    district = str(areas.loc[areas["key"] == street, "parent"].iloc[0])
    for s in (Scope(first="2025Q1", last="2025Q4"), Scope(district, street, first="2025Q3", last="2025Q3")):
        # (Neo4j's change rows are the scope's rows or whole tables, which S checks already)
        check(m_stores[kind], ref, s, log=kind == "embedded")
    assert len(below(areas, street)) > 1


def test_the_m_city_loads_alike_and_its_streets_read_the_same_rows_in_both_stores(
    m_stores: dict[str, Store],
) -> None:
    embedded, neo4j = m_stores["embedded"], m_stores["neo4j"]
    assert neo4j.counts() == embedded.counts()  # a first load: every record created once
    areas = embedded.table("area", ["key", "level"])
    streets = sorted(areas.loc[areas["level"] == "street", "key"])
    for street in (streets[0], streets[-1]):
        expected = embedded.scoped(street)
        for name, rows in neo4j.scoped(street).items():  # agreements and projects by relationship
            pd.testing.assert_frame_equal(rows, expected[name], obj=f"{street} {name}")


@pytest.mark.neo4j
def test_the_named_queries_of_the_whole_city_give_the_twins_answers_on_m(
    m_stores: dict[str, Store], whole: dict[str, pd.DataFrame]
) -> None:
    """What the 查询 page answers for the whole city on the embedded store (queries.answer: the
    store's coverage, the rows of the first rows) and on Neo4j (the Cypher) equals the twins on
    the whole graph: the first ``LIMIT`` rows and whether there were more."""
    graph = build_graph(whole)
    neo4j = m_stores["neo4j"]
    assert isinstance(neo4j, Neo4jStore)
    dates = {"on": END, "as_of": END, "since": START, "until": END}
    cut = 0
    for name in queries.AREA_TWINS:
        names = {param.name for param in queries.get_query(name).params}
        values = {"area": "", **{k: v for k, v in dates.items() if k in names}}
        expected = queries.run_embedded(graph, name, values, row_limit=LIMIT)
        found = queries.answer(m_stores["embedded"], name, values, row_limit=LIMIT)
        assert (found.columns, found.rows, found.truncated) == (
            expected.columns,
            expected.rows,
            expected.truncated,
        )
        assert found.nodes == expected.nodes, name
        cypher = queries.run_named(neo4j.driver, neo4j.database, name, values, row_limit=LIMIT)
        assert (cypher.columns, cypher.rows, cypher.truncated) == (
            expected.columns,
            expected.rows,
            expected.truncated,
        )
        cut += expected.truncated
    assert cut == 3  # more rows than asked for: the first ones compared
