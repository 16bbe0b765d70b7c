"""The Neo4j store against a real Neo4j 5.26: the same answers as the embedded store on the
synthetic S city, loads that change nothing the second time, inert text, its schema and its
statements, and opening it from the settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from neo4j import Driver

from graph import neo4j_store as module
from graph.embedded import EmbeddedStore, node_id
from graph.errors import SettingsError, StoreError
from graph.model import RECORD_TYPES, RECORDS
from graph.neo4j_server import ServerInfo
from graph.neo4j_store import CYPHER_DIR, ENGAGEMENT_FAMILIES, Neo4jStore, statement
from graph.queries import run_embedded, run_named
from graph.store import Change
from graph.stores import open_store
from loaders.ledger import load
from synthetic.city import generate
from tests.test_store import frame, small_city

pytestmark = pytest.mark.neo4j

AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", 42, tmp_path_factory.mktemp("city") / "city-S-42")


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "store.sqlite")
    yield store
    store.close()


def edges(g: nx.MultiDiGraph) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(u, v, k): d for u, v, k, d in g.edges(keys=True, data=True)}


def assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert edges(a) == edges(b)


def test_the_s_city_gives_the_same_counts_tables_and_views_in_both_stores(
    city: Path, embedded: EmbeddedStore, neo4j_store: Neo4jStore
) -> None:
    assert load(city, neo4j_store).changes == load(city, embedded).changes
    assert neo4j_store.counts() == embedded.counts()
    for rec in RECORD_TYPES:
        pd.testing.assert_frame_equal(neo4j_store.table(rec.name), embedded.table(rec.name))
    pd.testing.assert_frame_equal(
        neo4j_store.table("organization", ["name", "area"]), embedded.table("organization", ["name", "area"])
    )
    whole = neo4j_store.view()
    assert_same_graph(whole, embedded.view())
    assert_same_graph(neo4j_store.view(as_of=AS_OF), embedded.view(as_of=AS_OF))
    areas = embedded.table("area")
    street = areas.loc[areas["level"] == "street", "key"].iloc[0]
    one_street = neo4j_store.view(street, AS_OF)
    assert_same_graph(one_street, embedded.view(street, AS_OF))
    units = [n for n, d in one_street.nodes(data=True) if d["record"] == "organization"]
    assert 0 < len(units) < sum(d["record"] == "organization" for _, d in whole.nodes(data=True))
    scoped = embedded.scoped(street)
    for name, rows in neo4j_store.scoped(street).items():  # the rows a street's pages read
        pd.testing.assert_frame_equal(rows, scoped[name])


def test_the_view_of_a_street_is_filtered_on_the_server(
    city: Path, neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(city, neo4j_store)
    fetched = []
    values = module._values

    def counting(*args: Any, **kwargs: Any) -> list[list[Any]]:
        rows = values(*args, **kwargs)
        fetched.append(len(rows))
        return rows

    monkeypatch.setattr(module, "_values", counting)
    whole = neo4j_store.view()
    assert sum(fetched) == sum(neo4j_store.counts().values())
    fetched.clear()
    total = sum(neo4j_store.counts().values())
    streets = sorted(
        d["key"] for n, d in whole.nodes(data=True) if n.startswith("area:") and d.get("level") == "street"
    )
    assert len(streets) > 1
    per_street = {}
    for street in streets:  # every street, in a fixed order: one street may hold half the city
        fetched.clear()
        neo4j_store.view(street)
        per_street[street] = sum(fetched)
    assert all(0 < n < total for n in per_street.values()), (per_street, total)
    assert min(per_street.values()) < total / 2, (per_street, total)


def test_loading_the_city_twice_changes_nothing(city: Path, neo4j_store: Neo4jStore) -> None:
    first = load(city, neo4j_store).changes
    counts = neo4j_store.counts()
    again = load(city, neo4j_store).changes
    assert again == {name: Change(unchanged=c.added) for name, c in first.items()}
    assert all(c.added > 0 for c in first.values())
    assert neo4j_store.counts() == counts
    assert neo4j_store.unfinished_loads() == []


def test_text_that_looks_like_cypher_is_stored_verbatim_and_runs_nothing(
    neo4j_store: Neo4jStore, neo4j_driver: Driver
) -> None:
    nasty_key = "O1'}) DETACH DELETE n //"
    nasty_name = "`x` ${p} $p \\'}) MATCH (m) DETACH DELETE m RETURN 1 //"
    city = small_city()
    units = city["organization"]
    units.loc[0, "key"] = nasty_key
    units.loc[0, "name"] = nasty_name
    units.loc[1, "aliases"] = ("`Person`", "$rows", "'})-[:X]->(")
    city["post"].loc[0, "org"] = nasty_key
    city["agreement"].loc[0, "parties"] = (nasty_key, "O2", "O3")
    city["meeting"].loc[0, "host"] = nasty_key
    constraints_before = _constraints(neo4j_driver)
    neo4j_store.write(city)
    stored = neo4j_store.table("organization").set_index("key")
    assert stored.loc[nasty_key, "name"] == nasty_name
    assert stored.loc["O2", "aliases"] == ("`Person`", "$rows", "'})-[:X]->(")
    assert neo4j_store.counts() == {name: len(city.get(name, ())) for name in RECORDS}
    g = neo4j_store.view()
    unit = node_id("organization", nasty_key)
    assert g.nodes[unit]["name"] == nasty_name
    assert g.has_edge(unit, node_id("agreement", "A1")) and g.has_edge(unit, node_id("meeting", "M1"))
    assert g.has_edge(node_id("person", "P1"), unit)
    assert _constraints(neo4j_driver) == constraints_before


def _constraints(driver: Driver) -> set[str]:
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name")
    return {r["name"] for r in records}


def test_the_schema_has_a_key_constraint_per_record_type_and_an_index_per_view_filter(
    neo4j_store: Neo4jStore, neo4j_driver: Driver
) -> None:
    records, _, _ = neo4j_driver.execute_query(
        "SHOW INDEXES YIELD labelsOrTypes, properties, owningConstraint"
    )
    keys = {r["labelsOrTypes"][0] for r in records if r["properties"] == ["key"] and r["owningConstraint"]}
    assert keys == {r.label for r in RECORD_TYPES}
    indexed = {(r["labelsOrTypes"][0], r["properties"][0]) for r in records if r["labelsOrTypes"]}
    filters = {
        (rec.label, c.name)
        for rec in RECORD_TYPES
        if rec.name not in module.ANCHORS
        for c in rec.columns
        if c.ref in module.ANCHORS and c.kind == "ref"
    }
    assert filters <= indexed
    Neo4jStore(neo4j_driver)  # applying the schema again changes nothing
    again, _, _ = neo4j_driver.execute_query("SHOW INDEXES YIELD name")
    assert len(again) == len(records)


def test_statements_take_labels_types_and_fields_from_the_model_only() -> None:
    text = statement("write_references_reverse", Label="Agreement", TYPE="PARTY_TO", Target="Organization")
    assert "MATCH (n:Agreement {key: row.key})" in text and "CREATE (t)-[:PARTY_TO]->(n)" in text
    for bad in ("Area) DETACH DELETE n //", "Load", "area`", "NOT_A_TYPE"):
        with pytest.raises(ValueError, match="not labels"):
            statement("write_nodes", Label=bad)
    placeholders = {"Label", "TYPE", "Source", "Target", "field"}
    for path in sorted(CYPHER_DIR.glob("*.cypher")):
        found = set(module._PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
        assert found <= placeholders, path.name


def test_list_references_point_at_their_record_so_scoped_reads_can_walk_them() -> None:
    lists = [c for rec in RECORD_TYPES for c in rec.columns if c.kind == "refs"]
    assert lists and all(c.edge and c.reverse for c in lists)  # cypher/scoped_nodes_via.cypher's direction


def test_a_write_with_relationships_to_unknown_records_writes_nothing(neo4j_store: Neo4jStore) -> None:
    city = small_city()
    city["attendance"] = pd.concat(
        [
            city["attendance"],
            frame("attendance", [{"key": "M9|O1", "meeting": "M9", "org": "O1", "status": "absent"}]),
        ]
    )
    with pytest.raises(StoreError, match="meeting keys that are neither in the store nor in the write"):
        neo4j_store.write(city)
    assert sum(neo4j_store.counts().values()) == 0
    assert neo4j_store.unfinished_loads() == []


def test_open_store_reads_the_settings(
    neo4j_server: ServerInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GONGJIAN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no gongjian.toml
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path / "data"))
    password = neo4j_server.password()

    monkeypatch.setenv("GONGJIAN_STORE", "embedded")
    store = open_store(store_name="x")
    assert isinstance(store, EmbeddedStore) and store.path == tmp_path / "data" / "x.sqlite"
    store.close()

    monkeypatch.setenv("GONGJIAN_STORE", "neo4j")
    with pytest.raises(StoreError, match="start it with `gongjian neo4j start` or set GONGJIAN_NEO4J_URI"):
        open_store()

    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(neo4j_server.password_file.parent.parent))
    store = open_store()  # the local server, with its generated password
    assert isinstance(store, Neo4jStore)
    store.counts()
    store.close()
    with pytest.raises(StoreError):
        store.counts()  # it closed the driver it was made with

    monkeypatch.setenv("GONGJIAN_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("GONGJIAN_NEO4J_PASSWORD", password)
    store = open_store()
    assert password not in repr(store)
    store.close()

    monkeypatch.setenv("GONGJIAN_NEO4J_PASSWORD", password + "x")
    with pytest.raises(StoreError, match="neo4j_password") as refused:
        open_store()
    assert password not in str(refused.value)

    monkeypatch.setenv("GONGJIAN_NEO4J_URI", "http://127.0.0.1:1")
    with pytest.raises(StoreError, match="not a Neo4j address"):
        open_store()

    with pytest.raises(SettingsError, match="not one of embedded, neo4j"):
        open_store("mongodb")


def test_a_ledger_load_that_stops_halfway_is_finished_by_loading_the_ledger_again(
    city: Path, embedded: EmbeddedStore, neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "BATCH", 500)

    def stop(done: int, total: int) -> None:
        if done > total / 2:
            raise KeyboardInterrupt  # ^C, halfway

    whole = load(city, embedded).changes
    with pytest.raises(KeyboardInterrupt):
        load(city, neo4j_store, progress=stop)
    assert len(neo4j_store.unfinished_loads()) == 1
    assert 0 < sum(neo4j_store.counts().values()) < sum(embedded.counts().values())
    again = load(city, neo4j_store)  # the same ledger, parsed against what the stopped load wrote
    assert again.changes == whole  # what the load did, as its first run found
    assert neo4j_store.unfinished_loads() == []
    assert neo4j_store.counts() == embedded.counts()
    assert_same_graph(neo4j_store.view(), embedded.view())


def test_warming_a_server_plans_the_pages_statements_for_a_community_its_street_and_district(
    neo4j_store: Neo4jStore,
) -> None:
    assert neo4j_store.warm() == []  # an empty store: nothing to warm
    neo4j_store.write(small_city())
    with neo4j_store.driver.session() as session:
        session.run("CALL db.clearQueryCaches()").consume()
        assert neo4j_store.warm() == ["C1", "S1", "D"]  # the first community, its street and district
        said = session.run("CALL db.clearQueryCaches()").single(strict=True)[0]
    planned = int(re.search(r"(\d+) quer", said)[1])  # type: ignore[index]
    # each figure statement and each engagement family planned at least once, besides the reads
    assert planned >= 5 + len(ENGAGEMENT_FAMILIES), said


def test_an_own_post_without_role_or_mark_gives_its_unit_a_seat_in_both_stores(
    neo4j_store: Neo4jStore, embedded: EmbeddedStore
) -> None:
    # 李四 runs 太太好粥店 (no role written, not marked part-time: an own post, graph.rules
    # is_part_time) and sits part-time on 林海社区党委, the committee of its community: a seat.
    city = dict(small_city())
    posts = city["post"].copy()
    posts.loc[posts["key"] == "P2|O2", "role"] = None
    seat = frame(
        "post", [{"key": "P2|O1", "person": "P2", "org": "O1", "role": "兼职委员", "part_time": True}]
    )
    city["post"] = pd.concat([posts, seat], ignore_index=True)
    neo4j_store.write(city)
    embedded.write(city)
    values = {"area": "", "since": "2023-01-01", "until": "2023-12-31"}
    found = run_named(neo4j_store.driver, neo4j_store.database, "units_without", values)
    twin = run_embedded(embedded.view(), "units_without", values)
    assert (found.columns, found.rows) == (twin.columns, twin.rows)
    assert "O2" not in {r[0] for r in found.rows}  # it has an agreement, a seat and attended
    # the overview's and 交叉任职's figures computed by each store say the same
    flags = neo4j_store.coverage(None, [], values["since"], values["until"], [])[0].set_index("key")
    pd.testing.assert_frame_equal(
        flags, embedded.coverage(None, [], values["since"], values["until"], [])[0].set_index("key")
    )
    assert bool(flags.loc["O2", "seat"])
    ties = neo4j_store.cross_ties(None, [], values["since"], values["until"])
    pd.testing.assert_frame_equal(ties, embedded.cross_ties(None, [], values["since"], values["until"]))
