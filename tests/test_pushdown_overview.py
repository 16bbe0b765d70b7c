"""The overview figures and the 交叉任职 rows computed by the stores (SQL on the embedded store,
Cypher on the Neo4j server) equal the pandas path's (graph.coverage.overview and
graph.bridges.cross_view on whole tables), and so does the change log from the rows the store
reads for it (Store.change_rows): on the S city for the whole city, a district, a street
and a community in two periods, on both stores (on the M city for the whole city and a street, in
test_reads.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from neo4j import Driver
from streamlit.testing.v1 import AppTest

from graph import bridges, changes, coverage
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore, statement
from graph.scope import Scope, quarters, units_in_scope
from graph.store import Store
from loaders.ledger import load
from ui.common import SHOWN_ROWS

SPAN = quarters("2024Q1", "2025Q4")  # the trend's quarters
PERIODS = (("2025Q1", "2025Q4"), ("2024Q3", "2024Q3"))
READS = ("person", *changes.TABLES)


@pytest.fixture(scope="module")
def s_embedded(city: Path) -> Iterator[Store]:
    store = EmbeddedStore(city / "s.sqlite")
    yield store
    store.close()


@pytest.fixture(scope="module")
def s_neo4j(city: Path, neo4j_driver: Driver) -> Iterator[Store]:
    """The S city on the session's Neo4j (loaded once for this module)."""
    with neo4j_driver.session() as session:
        session.run(statement("clear")).consume()
    store = Neo4jStore(neo4j_driver)
    load(city / "ledger", store)
    yield store
    store.close()


class Reference:
    """The pandas path on whole tables of one city, each answer computed once."""

    def __init__(self, store: Store) -> None:
        self.tables = {name: store.table(name) for name in READS}
        self.found: dict[tuple[Any, ...], dict[str, Any]] = {}

    def overview(self, s: Scope) -> dict[str, Any]:
        tables = coverage.Tables.of(self.tables)
        key = ("overview", s)
        if key not in self.found:
            self.found[key] = coverage.overview(tables, s, SPAN)
        return self.found[key]

    def log(self, s: Scope) -> pd.DataFrame:
        key = ("log", s)
        if key not in self.found:
            self.found[key] = changes.in_scope(self.tables, s)
        return self.found[key]

    def cross(self, s: Scope) -> dict[str, Any]:
        key = ("cross", s)
        if key not in self.found:
            t = self.tables
            inside = units_in_scope(t["organization"], t["area"], s)
            self.found[key] = bridges.cross_view(
                t["post"], t["person"], t["organization"], t["area"], inside, s.start, s.end
            )
        return self.found[key]


_references: dict[str, Reference] = {}


def reference(city: str, store: Store) -> Reference:
    if city not in _references:
        _references[city] = Reference(store)
    return _references[city]


def scopes(areas: pd.DataFrame, levels: tuple[str, ...]) -> list[str | None]:
    """The whole city, then the first area of each level (under the one before), with units."""
    found: list[str | None] = [None]
    above: str | None = None
    for level in levels:
        rows = areas[(areas["level"] == level) & (above is None or areas["parent"] == above)]
        above = str(sorted(rows["key"])[0])
        found.append(above)
    return found


def same_frames(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        ours.reset_index(drop=True), theirs.reset_index(drop=True), check_dtype=False, check_index_type=False
    )


def assert_same_overview(got: dict[str, Any], want: dict[str, Any]) -> None:
    for name in ("units", "members", "party_orgs", "summary", "level"):
        assert got[name] == want[name], name
    flags = ["key", "agreement", "seat", "attended", "group"]
    same_frames(got["flags"][flags], want["flags"][flags])
    for name in ("by_group", "trend", "by_area"):
        same_frames(got[name], want[name])
    assert got["by_kind"].to_dict() == want["by_kind"].to_dict()


def assert_same_cross(got: dict[str, Any], want: dict[str, Any]) -> None:
    for name in ("members", "with_seat", "cross_people"):
        assert got[name] == want[name], name
    same_frames(got["ties"][bridges.TIE_COLUMNS], want["ties"])
    for name in ("per_level", "per_committee", "bridging"):
        same_frames(got[name], want[name])


def check(store: Store, ref: Reference, s: Scope, log: bool = True) -> None:
    want = ref.overview(s)
    assert_same_overview(coverage.store_overview(store, ref.tables["area"], s, SPAN), want)
    assert_same_cross(bridges.store_view(store, s.area, s.kinds, s.start, s.end), ref.cross(s))
    if log:
        same_frames(changes.in_scope(store.change_rows(s.area, s.kinds, s.start, s.end), s), ref.log(s))


@pytest.mark.parametrize("kind", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_the_stores_figures_equal_the_pandas_path_on_s(kind: str, request: pytest.FixtureRequest) -> None:
    store: Store = request.getfixturevalue(f"s_{kind}")
    ref = reference("S", request.getfixturevalue("s_embedded"))
    areas = ref.tables["area"]
    for area in scopes(areas, ("district", "street", "community")):
        level = None if area is None else str(areas.loc[areas["key"] == area, "level"].iloc[0])
        for first, last in PERIODS:
            place = {level: area} if level else {}
            check(store, ref, Scope(**place, first=first, last=last))
    # the figures are not trivially equal: every figure holds for some units and not for others
    city = ref.overview(Scope(first="2025Q1", last="2025Q4"))
    assert all(0 < city["summary"][f] < city["members"] for f in coverage.FIGURES)
    cross = ref.cross(Scope(first="2025Q1", last="2025Q4"))
    assert set(cross["ties"]["direction"]) == set(bridges.DIRECTIONS) and len(cross["bridging"]) > 0
    assert {"agreement_expired", "seat_began", "meetings_missed"} <= set(
        ref.log(Scope(first="2025Q1", last="2025Q4"))["event"]
    )
    # a kind filter narrows the units on both paths alike
    check(store, ref, Scope(first="2025Q1", last="2025Q4", kinds=("soe", "school")))


def test_a_long_table_shows_its_first_rows_and_downloads_them_all() -> None:
    def page() -> None:
        import pandas as pd

        from ui.common import show_table

        show_table(pd.DataFrame({"n": range(2_500)}), "table", key="long")
        show_table(pd.DataFrame({"n": range(3)}), "short", key="short")

    at = AppTest.from_function(page).run()
    assert not at.exception
    long, short = at.dataframe
    assert list(long.value["n"]) == list(range(SHOWN_ROWS)) and len(short.value) == 3
    assert [c.value for c in at.caption] == [
        f"显示前 {SHOWN_ROWS:,} 行，共 2,500 行；CSV 和 Excel 下载包含全部行。"
    ]
