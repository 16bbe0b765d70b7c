"""The engagement indicators computed by the stores (``Store.engagement_facts``: SQL on the
embedded store, Cypher on the Neo4j server) equal the pandas reference (``graph.engagement.facts``),
and the analysis built on them (``engagement``, reading only what an area needs) equals the
analysis of the whole tables (``analyse``): on the S city (the M city's check is in
test_reads.py) and a small city of two districts, where an area's units are judged against the
peers' figures of the whole store, computed once and kept in the store until it is written again.
A result kept in the store (the analysis of an area, and the overview's coverage of a scope)
equals the one computed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graph import coverage
from graph.embedded import EmbeddedStore
from graph.engagement import (
    FACTS,
    PeerStats,
    Result,
    Rule,
    Settings,
    analyse,
    engagement,
    facts,
    ledger,
    load_settings,
    prepare,
    read_tables,
    store_facts,
    to_records,
)
from graph.rules import COMMITTEES
from graph.scope import Period, Scope, below, default_period, store_span
from graph.store import Store
from loaders.ledger import load
from synthetic import city as synthetic

SETTINGS = Settings()
PERIODS = ("2025", "2025Q3")


def expected(tables: dict[str, pd.DataFrame], period: str, area: str | None) -> pd.DataFrame:
    """facts() of the units (not committees) in ``area``, as the store gives them."""
    orgs = tables["organization"]
    inside = orgs[~orgs["kind"].isin(COMMITTEES) & orgs["area"].isin(below(tables["area"], area))]
    found = facts(ledger(tables, SETTINGS), Period.parse(period)).loc[sorted(inside["key"])]
    found["people"] = [p if isinstance(p, frozenset) else frozenset() for p in found["people"]]
    return found


def assert_same_facts(store: Store, tables: dict[str, pd.DataFrame], period: str, area: str | None) -> None:
    want = expected(tables, period, area)
    got = store_facts(store, Period.parse(period), SETTINGS, area)
    assert list(got.index) == list(want.index)
    assert list(got.columns) == list(FACTS)
    assert len(got) > 0
    for name in FACTS:
        a, b = want[name], got[name]
        if name in ("people", "last_activity_what"):
            same = (a == b) | (a.isna() & b.isna())
        elif name == "last_activity":
            same = (pd.to_datetime(a) == pd.to_datetime(b)) | (a.isna() & b.isna())
        else:
            same = ((a.astype(float) - b.astype(float)).abs() < 1e-9) | (a.isna() & b.isna())
        assert same.all(), (name, period, area, pd.DataFrame({"pandas": a[~same], "store": b[~same]}).head())


def a_street(tables: dict[str, pd.DataFrame]) -> str:
    """The street with the most units."""
    areas, orgs = tables["area"], tables["organization"]
    streets = areas.loc[areas["level"] == "street", "key"]
    return max(sorted(streets), key=lambda s: int(orgs["area"].isin(below(areas, s)).sum()))


def a_community(tables: dict[str, pd.DataFrame], street: str) -> str:
    areas = tables["area"]
    return str(sorted(areas.loc[areas["parent"] == street, "key"])[0])


def assert_same_result(store: Store, tables: dict[str, pd.DataFrame], period: str, area: str | None) -> None:
    got = engagement(store, period, area, SETTINGS, with_structure=False)
    want = analyse(tables, period, area, SETTINGS, with_structure=False)
    assert to_records(got) == to_records(want), (period, area)


# --- the S city -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s_city(city: Path) -> Iterator[tuple[EmbeddedStore, dict[str, pd.DataFrame]]]:
    store = EmbeddedStore(city / "s.sqlite")
    yield store, read_tables(store)
    store.close()


@pytest.mark.parametrize("period", PERIODS)
def test_sql_indicators_equal_the_pandas_ones_on_s(s_city: Any, period: str) -> None:
    store, tables = s_city
    for area in (None, a_street(tables)):
        assert_same_facts(store, tables, period, area)


@pytest.mark.parametrize("period", PERIODS)
def test_the_analysis_on_the_store_equals_the_whole_tables_one_on_s(s_city: Any, period: str) -> None:
    store, tables = s_city
    street = a_street(tables)
    for area in (None, street, a_community(tables, street)):
        assert_same_result(store, tables, period, area)
    flagged = engagement(store, period, None, SETTINGS, with_structure=False).flagged
    assert len(flagged) > 0 and (flagged["reasons_zh"] != "").all()


@pytest.mark.neo4j
def test_cypher_indicators_and_analysis_equal_the_pandas_ones_on_s(
    s_city: Any, city: Path, neo4j_store: Store
) -> None:
    _, tables = s_city
    load(city / "ledger", neo4j_store)
    street = a_street(tables)
    for period in PERIODS:
        for area in (None, street):
            assert_same_facts(neo4j_store, tables, period, area)
    assert_same_result(neo4j_store, tables, "2025", street)
    for area in (None, street):
        assert_kept_equals_computed(neo4j_store, "2025", area, KEPT_SETTINGS)


# --- two districts: peers beyond an area's district -------------------------------------------


KEPT_SETTINGS = Settings(flag_below=60, rules=(Rule("attendance_rate", below=0.3),))


def assert_same_kept(kept: Result, computed: Result) -> None:
    """Everything a page, the CLI or the briefing reads of a result is the same."""
    assert to_records(kept) == to_records(computed)
    assert (kept.area, kept.area_name, kept.figures) == (computed.area, computed.area_name, computed.figures)
    for name in ("ranked", "changes", "suggestions", "peer_median"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(computed, name))
    for name in ("units", "values", "expected", "peer_level", "peer_share", "scores", "rules"):
        pd.testing.assert_frame_equal(getattr(kept.judgement, name), getattr(computed.judgement, name))
    for name in ("score", "low", "grace", "member_share"):
        pd.testing.assert_series_equal(getattr(kept.judgement, name), getattr(computed.judgement, name))
    assert kept.judgement.peers.to_json() == computed.judgement.peers.to_json()


def assert_kept_equals_computed(store: Store, period: str, area: str | None, settings: Settings) -> None:
    """The result computed once is kept: asked again, the store computes no indicator and gives
    the same result. The same for the overview's coverage of the area in the period's quarters."""
    computed = engagement(store, period, area, settings, with_structure=False)
    recording = Recording(store)
    kept = engagement(recording, period, area, settings, with_structure=False)  # type: ignore[arg-type]
    assert recording.asked == []
    assert_same_kept(kept, computed)
    assert kept.ranked["flagged"].any() and (kept.ranked["rules"] != "").any()
    areas = store.table("area", ["key", "name", "level", "parent"])
    quarters = [period] if "Q" in period else [f"{period}Q{q}" for q in range(1, 5)]
    s = Scope(street=area, first=quarters[0], last=quarters[-1])
    first = Recording(store)
    figures = coverage.store_overview(first, areas, s, quarters)  # type: ignore[arg-type]
    again = coverage.store_overview(recording, areas, s, quarters)  # type: ignore[arg-type]
    assert first.asked and recording.asked == []
    assert figures["members"] > 0 and figures["summary"]["attended"] > 0
    assert figures.keys() == again.keys()
    for name, value in figures.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(again[name], value)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(again[name], value)
        else:
            assert again[name] == value, name


class Recording:
    """A store that records what the engagement indicators were asked for (area, units)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.asked: list[tuple[str | None, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def engagement_facts(
        self, periods: Sequence[tuple[str, str]], problems: Sequence[str], area: str | None = None
    ) -> list[pd.DataFrame]:
        found = self.store.engagement_facts(periods, problems, area)
        self.asked.extend((area, len(f)) for f in found)
        return found

    def coverage(self, area: str | None, *args: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        found = self.store.coverage(area, *args)
        self.asked.append((f"coverage {area}", len(found[0])))
        return found


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedStore, dict[str, pd.DataFrame]]]:
    """A city of two districts of two streets each."""
    folder = tmp_path_factory.mktemp("two-districts")
    scale = synthetic.Scale("T", "two districts", (("中山区", 2), ("西岗区", 2)), 8, 500, (10, 20), 1.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(synthetic.SCALES, "T", scale)
        synthetic.generate("T", 42, folder / "ledger")
    store = EmbeddedStore(folder / "t.sqlite")
    load(folder / "ledger", store)
    yield store, read_tables(store)
    store.close()


@pytest.mark.parametrize(("min_peers", "grace"), [(5, 6), (25, 4), (100_000, 3)])
def test_an_area_is_judged_against_the_peers_of_the_whole_store(two: Any, min_peers: int, grace: int) -> None:
    store, tables = two
    settings = Settings(min_peers=min_peers, grace_months=grace)  # each case its own peers' figures
    areas = tables["area"]
    districts = sorted(areas.loc[areas["level"] == "district", "key"])
    assert len(districts) == 2
    units = int((~tables["organization"]["kind"].isin(COMMITTEES)).sum())
    for i, district in enumerate(districts):
        street = str(sorted(areas.loc[areas["parent"] == district, "key"])[0])
        recording = Recording(store)
        got = engagement(recording, "2025", street, settings, with_structure=False)  # type: ignore[arg-type]
        assert to_records(got) == to_records(analyse(tables, "2025", street, settings, with_structure=False))
        inside = [n for area, n in recording.asked if area == street]
        assert len(inside) == 2 and 0 < inside[0] < units  # the street's units, in each period
        # the peers' figures of the whole store: computed by the first area, kept for the next
        whole = [n for area, n in recording.asked if area is None]
        assert whole == ([units, units] if i == 0 else [])
        levels = set(got.judgement.peer_level.loc[list(got.ranked["key"])].stack())
        if min_peers == 100_000:  # every unit compared with every member unit
            assert levels == {"any"}


def test_the_peers_figures_are_kept_until_the_store_is_written(tmp_path: Path, city: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    load(city / "ledger", store)
    settings = Settings(grace_months=5)
    whole = engagement(store, "2025Q3", None, settings, with_structure=False)  # keeps the figures
    name = f"engagement-peers/2025Q3/grace=5/problems={json.dumps(list(settings.problem_categories), ensure_ascii=False)}"
    kept = store.kept(name)
    assert kept is not None and store.kept(name.replace("grace=5", "grace=4")) is None
    assert PeerStats.from_json(kept).to_json() == whole.judgement.peers.to_json()  # exactly, NaN and all
    load(city / "ledger", store)  # a write, even of the same rows: a new revision
    assert store.kept(name) is None
    loading = sqlite3.connect(tmp_path / "s.sqlite", isolation_level=None)
    loading.execute("BEGIN IMMEDIATE")  # a load holding the file: the analysis runs, nothing is kept
    got = engagement(store, "2025Q3", a_street(read_tables(store)), settings, with_structure=False)
    assert store.kept(name) is None and len(got.ranked) > 0
    loading.execute("ROLLBACK")
    loading.close()
    store.close()


def test_kept_results_equal_computed_ones_until_the_store_is_written(tmp_path: Path, city: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    load(city / "ledger", store)
    street = a_street(read_tables(store))
    for period, area in (("2025", None), ("2025Q3", street)):
        assert_kept_equals_computed(store, period, area, KEPT_SETTINGS)
    other = Recording(store)  # other settings: a result of their own
    engagement(other, "2025", street, Settings(flag_below=61), with_structure=False)  # type: ignore[arg-type]
    assert [area for area, _ in other.asked] == [street, street]
    load(city / "ledger", store)  # a new revision: computed again
    again = Recording(store)
    got = engagement(again, "2025Q3", street, KEPT_SETTINGS, with_structure=False)  # type: ignore[arg-type]
    asked = [area for area, _ in again.asked]
    assert (asked.count(street), asked.count(None)) == (2, 2)  # the street's, and the peers' figures too
    overview = Recording(store)
    s = Scope(street=street, first="2025Q3", last="2025Q3")
    coverage.store_overview(overview, read_tables(store)["area"], s, ["2025Q3"])  # type: ignore[arg-type]
    assert overview.asked[0][0] == f"coverage {street}"
    assert_same_result(store, read_tables(store), "2025Q3", street)
    assert len(got.ranked) > 0
    period = prepare(store)  # what the 参与度 page and the overview open on: the whole store, kept
    opened = Recording(store)
    engagement(opened, period, None, load_settings(), with_structure=False)  # type: ignore[arg-type]
    span = store_span(store)
    s = Scope(first=default_period(span)[0], last=default_period(span)[1])
    coverage.store_overview(opened, read_tables(store)["area"], s, span)  # type: ignore[arg-type]
    assert period is not None and opened.asked == []
    store.close()


@pytest.mark.neo4j
def test_the_neo4j_store_keeps_derived_results_per_revision(neo4j_store: Store, city: Path) -> None:
    load(city / "ledger", neo4j_store)
    revision = neo4j_store.revision()
    assert neo4j_store.kept("a") is None
    neo4j_store.keep("a", "数据 1", revision)
    neo4j_store.keep("b", "2", revision)
    assert (neo4j_store.kept("a"), neo4j_store.kept("b")) == ("数据 1", "2")
    neo4j_store.keep("a", "3", revision - 1)  # computed before a write: never read
    assert (neo4j_store.kept("a"), neo4j_store.kept("b")) == (None, "2")
