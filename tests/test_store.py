"""The store contract, run against every store."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from neo4j import Driver

from graph import bridges, changes, coverage, embedded
from graph.embedded import EmbeddedStore, node_id
from graph.errors import StoreError
from graph.model import RECORD_TYPES, RECORDS, SOURCE_COLUMNS
from graph.neo4j_server import ServerInfo
from graph.neo4j_store import Neo4jStore
from graph.scope import SCOPE_RECORDS, Scope, below, quarters, scope_tables, units_in_scope
from graph.store import Change, Store


def frame(record: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A record table from field values; missing fields are empty, the source is the row number."""
    rec = RECORDS[record]
    names = [SOURCE_COLUMNS[0], *(c.name for c in rec.columns), *SOURCE_COLUMNS[1:]]
    empty = {c.name: () if c.kind in ("texts", "refs") else None for c in rec.columns}
    full = [
        {**empty, "src_file": "t.xlsx", "src_sheet": rec.sheet_zh, "src_row": i + 2, **row}
        for i, row in enumerate(rows)
    ]
    return pd.DataFrame(full, columns=names, dtype=object)


def small_city() -> dict[str, pd.DataFrame]:
    """Two streets of one district; units, a person with posts in two of them, an agreement,
    a meeting with attendance, a registration."""
    return {
        "area": frame(
            "area",
            [
                {"key": "D", "name": "中山区", "level": "district"},
                {"key": "S1", "name": "葵英街道", "level": "street", "parent": "D"},
                {"key": "S2", "name": "桃源街道", "level": "street", "parent": "D"},
                {"key": "C1", "name": "林海社区", "level": "community", "parent": "S1"},
                {"key": "C2", "name": "旧社区", "level": "community", "parent": "S2", "valid_to": "2023-06"},
            ],
        ),
        "organization": frame(
            "organization",
            [
                {"key": "O1", "name": "林海社区党委", "kind": "community_committee", "area": "C1"},
                {
                    "key": "O2",
                    "name": "太太好粥店",
                    "kind": "shop",
                    "area": "C1",
                    "aliases": ("太太好",),
                    "has_party_org": False,
                    "joined": "2022-03",
                },
                {
                    "key": "O3",
                    "name": "大连船舶重工",
                    "kind": "soe",
                    "area": "S2",
                    "has_party_org": True,
                    "party_members": 120,
                },
            ],
        ),
        "person": frame("person", [{"key": "P1", "name": "张三明"}, {"key": "P2", "name": "李四"}]),
        "post": frame(
            "post",
            [
                {"key": "P1|O1", "person": "P1", "org": "O1", "role": "书记", "start": "2020-01-01"},
                {
                    "key": "P1|O3",
                    "person": "P1",
                    "org": "O3",
                    "role": "兼职委员",
                    "part_time": True,
                    "start": "2021-05",
                    "end": "2023-12",
                },
                {"key": "P2|O2", "person": "P2", "org": "O2", "role": "负责人"},
            ],
        ),
        "agreement": frame(
            "agreement",
            [
                {
                    "key": "A1",
                    "title": "林海共建协议",
                    "signed": "2022-01-10",
                    "expires": "2024-01-09",
                    "parties": ("O1", "O2", "O3"),
                }
            ],
        ),
        "meeting": frame(
            "meeting",
            [
                {
                    "key": "M1",
                    "title": "2023年一季度联席会",
                    "date": "2023-03-15",
                    "host": "O1",
                    "level": "community",
                }
            ],
        ),
        "attendance": frame(
            "attendance",
            [
                {"key": "M1|O2", "meeting": "M1", "org": "O2", "status": "present"},
                {"key": "M1|O3", "meeting": "M1", "org": "O3", "status": "absent"},
            ],
        ),
        "registration": frame(
            "registration",
            [
                {"key": "R1", "org": "O2", "community": "C1", "date": "2022-04-01"},
                {
                    "key": "R2",
                    "person": "P1",
                    "org": "O3",
                    "community": "C1",
                    "date": "2022-05",
                    "withdrawn": "2024-01",
                },
            ],
        ),
    }


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "neo4j":  # the session's server, emptied for this test
        yield request.getfixturevalue("neo4j_store")
        return
    s = EmbeddedStore(tmp_path / "store.sqlite")
    yield s
    s.close()


def test_write_then_read_round_trips_every_kind_of_value(store: Store) -> None:
    store.write(small_city())
    units = store.table("organization").set_index("key")
    assert units.loc["O2", "aliases"] == ("太太好",)
    assert units.loc["O2", "has_party_org"] is False
    assert units.loc["O3", "party_members"] == 120
    assert units.loc["O1", "joined"] is None
    assert units.loc["O2", "src_sheet"] == "单位" and units.loc["O2", "src_row"] == 3
    assert store.table("agreement", ["key", "parties"]).iloc[0]["parties"] == ("O1", "O2", "O3")
    assert store.counts()["attendance"] == 2


def test_writing_twice_changes_nothing_and_corrections_update_in_place(store: Store) -> None:
    first = store.write(small_city())
    assert first["organization"] == Change(added=3)
    assert store.write(small_city())["organization"] == Change(unchanged=3)
    corrected = small_city()
    units = corrected["organization"]
    units.loc[units["key"] == "O2", "kind"] = "private_firm"
    corrected["organization"] = pd.concat(
        [units, frame("organization", [{"key": "O4", "name": "新单位", "kind": "school", "area": "C1"}])]
    )
    changes = store.write(corrected)
    assert changes["organization"] == Change(added=1, updated=1, unchanged=2)
    table = store.table("organization").set_index("key")
    assert len(table) == 4 and table.loc["O2", "kind"] == "private_firm"


def test_corrected_references_move_their_relationships(store: Store) -> None:
    store.write(small_city())
    corrected = small_city()
    posts, agreements = corrected["post"], corrected["agreement"]
    posts.loc[posts["key"] == "P2|O2", "org"] = "O1"
    agreements.loc[0, "parties"] = ("O1", "O3")
    changes = store.write(corrected)
    assert changes["post"] == Change(updated=1, unchanged=2)
    assert changes["agreement"] == Change(updated=1)
    g = store.view()
    p2, a1 = node_id("person", "P2"), node_id("agreement", "A1")
    assert g.has_edge(p2, node_id("organization", "O1")) and not g.has_edge(p2, node_id("organization", "O2"))
    assert {u for u, _ in g.in_edges(a1)} == {node_id("organization", "O1"), node_id("organization", "O3")}
    assert store.counts()["post"] == 3


def test_a_moved_row_updates_its_source_but_counts_as_unchanged(store: Store) -> None:
    store.write(small_city())
    moved = small_city()
    moved["person"]["src_row"] = [7, 8]
    assert store.write(moved)["person"] == Change(unchanged=2)
    assert store.table("person", ["key", "src_row"])["src_row"].tolist() == [7, 8]


def test_text_that_looks_like_code_is_stored_verbatim(store: Store) -> None:
    nasty = "'}) DETACH DELETE n // `x` $p; DROP TABLE organization; -- <img src=x onerror=alert(1)>"
    city = small_city()
    city["organization"].loc[0, "name"] = nasty
    store.write(city)
    assert store.table("organization").set_index("key").loc["O1", "name"] == nasty
    assert store.counts()["area"] == 5


def test_a_failed_write_leaves_the_store_as_it_was(store: Store) -> None:
    store.write(small_city())
    before = store.table("organization")
    broken = small_city()
    broken["organization"].loc[0, "name"] = "改过的名称"
    broken["meeting"] = broken["meeting"].drop(columns=["host"])  # fails after units are written
    with pytest.raises(StoreError):
        store.write(broken)
    pd.testing.assert_frame_equal(store.table("organization"), before)


def test_embedded_writes_many_rows_per_statement_and_indexes_references_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = EmbeddedStore(tmp_path / "one.sqlite")  # one row per statement
    monkeypatch.setattr(embedded, "STATEMENT_ROWS", 2)  # whole statements and a remainder
    many = EmbeddedStore(tmp_path / "many.sqlite")
    monkeypatch.setattr(embedded, "STATEMENT_ROWS", 1)
    one.write(small_city())
    monkeypatch.setattr(embedded, "STATEMENT_ROWS", 2)
    assert many.write(small_city())["organization"] == Change(added=3)
    corrected = small_city()
    corrected["organization"].loc[1, "kind"] = "private_firm"
    corrected["person"]["src_row"] = [7, 8]
    changes = many.write(corrected)
    assert changes["organization"] == Change(updated=1, unchanged=2)
    assert changes["person"] == Change(unchanged=2)
    monkeypatch.setattr(embedded, "STATEMENT_ROWS", 1)
    one.write(corrected)
    for name in RECORDS:
        pd.testing.assert_frame_equal(many.table(name), one.table(name))
    indexes = {r[0] for r in many._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {f"{t}_{c}" for t, c in embedded._REFERENCES} <= indexes  # made by the first write
    one.close()
    many.close()


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from graph.embedded import EmbeddedStore
    from tests.test_store import frame, small_city

    store = EmbeddedStore(sys.argv[1])
    city = small_city()
    city["person"] = frame("person", [{"key": f"X{i}", "name": f"人{i}"} for i in range(200_000)])

    def progress(done, total):
        if done > 200_000:  # the people are written, the transaction is not committed
            print("writing", flush=True)
            time.sleep(60)  # killed here

    store.write(city, progress)
    """
)


@pytest.mark.parametrize("filled", [True, False], ids=["filled", "first load"])
def test_an_embedded_load_killed_midway_leaves_the_store_as_it_was(tmp_path: Path, filled: bool) -> None:
    path = tmp_path / "store.sqlite"
    first = EmbeddedStore(path)
    if filled:
        first.write(small_city())
    before = first.counts()
    first.close()
    root = Path(__file__).resolve().parent.parent
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    after = EmbeddedStore(path)
    assert after.counts() == before
    assert after._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    person = Change(unchanged=2) if filled else Change(added=2)
    assert after.write(small_city())["person"] == person  # and it still takes writes
    after.close()


def test_a_first_load_is_written_once_and_leaves_the_store_in_wal_mode(tmp_path: Path) -> None:
    """A first load into an empty store writes through a rollback journal (no copy of the rows in
    the write-ahead log); a failed one leaves the store empty; with another connection open, or
    once the store holds rows, the write-ahead log is used."""
    path = tmp_path / "store.sqlite"
    store = EmbeddedStore(path)
    modes: list[str] = []

    def progress(done: int, total: int) -> None:
        modes.append(store._db.execute("PRAGMA journal_mode").fetchone()[0])

    broken = small_city()
    broken["meeting"] = broken["meeting"].drop(columns=["host"])  # fails after units are written
    with pytest.raises(StoreError):
        store.write(broken, progress)
    assert set(store.counts().values()) == {0} and modes == ["delete"] * len(modes) != []
    assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert not Path(f"{path}-journal").exists()
    other = EmbeddedStore(path)  # a reader (the app) holding the file: the log, as always
    other.revision()
    modes.clear()
    assert store.write(small_city(), progress)["person"] == Change(added=2)
    assert set(modes) == {"wal"}
    assert other.counts() == store.counts() and other.revision() == 1
    other.close()
    for name in RECORDS:
        store._db.execute(f"DELETE FROM {name}")
    modes.clear()
    store.write(small_city(), progress)  # empty again, alone: written once
    assert set(modes) == {"delete"} and store.revision() == 2
    assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    modes.clear()
    store.write(small_city(), progress)  # rows stored: the log
    assert set(modes) == {"wal"}
    store.close()


def test_view_holds_every_record_with_its_relationships(store: Store) -> None:
    store.write(small_city())
    g = store.view()
    assert g.nodes[node_id("organization", "O2")]["name"] == "太太好粥店"
    types = {d["type"] for _, _, d in g.edges(data=True)}
    assert types == {"PART_OF", "IN_AREA", "HOLDS", "PARTY_TO", "HOSTS", "ATTENDED", "REGISTERED"}
    assert g.has_edge(node_id("organization", "O3"), node_id("agreement", "A1"))
    assert g.has_edge(node_id("organization", "O2"), node_id("area", "C1"))  # the unit's own registration
    absent = g.get_edge_data(node_id("organization", "O3"), node_id("meeting", "M1"))
    assert [d["status"] for d in absent.values()] == ["absent"]


def test_view_as_of_a_date_keeps_only_what_held_then(store: Store) -> None:
    store.write(small_city())
    mid_2023 = store.view(as_of="2023-06-30")
    assert node_id("area", "C2") in mid_2023  # valid to June 2023: the whole month counts
    assert node_id("agreement", "A1") in mid_2023
    assert mid_2023.has_edge(node_id("person", "P1"), node_id("organization", "O3"))
    assert mid_2023.has_edge(node_id("person", "P1"), node_id("area", "C1"))
    y2024 = store.view(as_of="2024-06-30")
    assert node_id("area", "C2") not in y2024
    assert node_id("agreement", "A1") not in y2024  # expired
    assert not y2024.has_edge(node_id("person", "P1"), node_id("organization", "O3"))  # post ended
    assert not y2024.has_edge(node_id("person", "P1"), node_id("area", "C1"))  # registration withdrawn
    early = store.view(as_of="2022-12-31")
    assert node_id("meeting", "M1") not in early
    assert early.number_of_edges(node_id("organization", "O2"), node_id("meeting", "M1")) == 0


def test_view_of_an_area_keeps_its_units_and_what_touches_them(store: Store) -> None:
    store.write(small_city())
    street = store.view(area="S1")
    orgs = {n for n, d in street.nodes(data=True) if d["record"] == "organization"}
    assert orgs == {node_id("organization", "O1"), node_id("organization", "O2")}
    assert {node_id("area", "S1"), node_id("area", "C1")} <= set(street)
    assert node_id("area", "D") not in street and node_id("area", "S2") not in street
    assert node_id("person", "P1") in street and node_id("meeting", "M1") in street
    parties = {u for u, v, d in street.in_edges(node_id("agreement", "A1"), data=True)}
    assert parties == {node_id("organization", "O1"), node_id("organization", "O2")}
    assert not street.has_edge(node_id("person", "P1"), node_id("organization", "O3"))
    other = store.view(area="S2")
    assert {n for n, d in other.nodes(data=True) if d["record"] == "organization"} == {
        node_id("organization", "O3")
    }
    with pytest.raises(StoreError, match="No area"):
        store.view(area="nowhere")


def test_scoped_reads_the_rows_an_area_needs_and_no_others(store: Store) -> None:
    store.write(small_city())
    street = store.scoped("S1")
    assert list(street) == list(SCOPE_RECORDS)
    whole = {name: store.table(name) for name in SCOPE_RECORDS}
    for name, rows in scope_tables(whole, "S1").items():
        pd.testing.assert_frame_equal(street[name], rows.reset_index(drop=True), check_dtype=False)
    assert set(street["organization"]["key"]) == {"O1", "O2", "O3"}  # O3: a party to O1's agreement
    assert list(street["post"]["key"]) == ["P1|O1", "P1|O3", "P2|O2"]  # P1's post in O3 too
    assert list(street["attendance"]["key"]) == ["M1|O2"]
    other = store.scoped("S2")
    assert list(other["attendance"]["key"]) == ["M1|O3"]
    assert list(other["registration"]["key"]) == ["R2"]
    assert set(store.scoped("D")["organization"]["key"]) == {"O1", "O2", "O3"}
    with pytest.raises(StoreError, match="No area"):
        store.scoped("nowhere")


def _named(value: Any) -> set[str]:
    return {v for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, str)}


def test_rows_are_looked_up_by_key_and_by_every_reference(store: Store) -> None:
    assert store.date_range("meeting", "date") == (None, None)  # nothing stored yet
    store.write(small_city())
    looked = 0
    for rec in RECORD_TYPES:
        whole = store.table(rec.name)
        for field in ("key", *(c.name for c in rec.columns if c.ref)):
            present = sorted(set().union(*whole[field].map(_named)))
            keys = [*present[::2], "no such key"]
            hit = whole[field].map(lambda v, keys=set(keys): bool(_named(v) & keys)).astype(bool)
            expected = whole[hit].reset_index(drop=True)
            pd.testing.assert_frame_equal(store.rows(rec.name, field, keys), expected, check_dtype=False)
            looked += len(expected)
    assert looked > 20
    assert store.rows("post", "org", []).empty and list(store.rows("post", "org", [])) == list(
        store.table("post")
    )
    with pytest.raises(StoreError, match="not a reference"):
        store.rows("post", "role", ["主任"])


def test_date_range_is_the_first_and_last_day_or_month_stored(store: Store) -> None:
    city = small_city()
    store.write(city)
    dates = [d for d in city["meeting"]["date"] if isinstance(d, str) and len(d) >= 7]
    assert store.date_range("meeting", "date") == (min(dates), max(dates))
    signed = [d for d in city["agreement"]["signed"] if isinstance(d, str) and len(d) >= 7]
    assert store.date_range("agreement", "signed") == (min(signed), max(signed))


def page_figures(t: dict[str, pd.DataFrame], s: Scope, span: list[str]) -> dict[str, Any]:
    """What the overview and the 交叉任职 page show for a scope, from some tables."""
    tables = coverage.Tables.of(t)
    inside = units_in_scope(t["organization"], t["area"], s)
    cross = bridges.cross_view(t["post"], t["person"], t["organization"], t["area"], inside, s.start, s.end)
    return {
        **coverage.overview(tables, s, span),
        **{f"cross_{k}": v for k, v in cross.items()},
        "log": changes.in_scope(t, s),
    }


def test_pages_figures_from_a_streets_scoped_rows_equal_those_from_whole_tables(city: Path) -> None:
    store = EmbeddedStore(city / "s.sqlite")
    whole = {name: store.table(name) for name in SCOPE_RECORDS}
    areas = whole["area"]
    for street in areas.loc[areas["level"] == "street", "key"].iloc[:3]:
        rows = store.scoped(street)
        assert len(rows["organization"]) < len(whole["organization"]) / 2
        s = Scope(str(areas.loc[areas["key"] == street, "parent"].iloc[0]), street, None, "2024Q1", "2025Q4")
        span = quarters(s.first, s.last)

        expected, found = page_figures(whole, s, span), page_figures(rows, s, span)
        assert expected["members"] > 0 and len(expected["log"]) > 0
        assert expected.keys() == found.keys()
        for name, value in expected.items():
            if isinstance(value, pd.DataFrame | pd.Series):
                assert value.reset_index(drop=True).equals(found[name].reset_index(drop=True)), name
            else:
                assert value == found[name], name
    city_rows = bridges.cross_records(store, "2025")["rows"]  # the CLI's cross, whole and --area
    street_rows = bridges.cross_records(store, "2025", street)["rows"]
    inside = set(rows["organization"].loc[rows["organization"]["area"].isin(below(areas, street)), "key"])
    assert street_rows == [r for r in city_rows if r["unit_key"] in inside] and street_rows
    store.close()


NEO4J_KILLED_WRITER = textwrap.dedent(
    """
    import os, time
    from neo4j import GraphDatabase
    from graph.neo4j_store import Neo4jStore
    from tests.test_store import neo4j_big_city

    driver = GraphDatabase.driver(os.environ["URI"], auth=("neo4j", os.environ["PASSWORD"]))
    store = Neo4jStore(driver)

    def progress(done, total):
        if done >= 10_000:  # the first batch of people is committed, the rest is not written
            print("writing", flush=True)
            time.sleep(60)  # killed here

    store.write(neo4j_big_city(), progress)
    """
)


def neo4j_big_city() -> dict[str, pd.DataFrame]:
    """The small city and 30,000 more people: several batches of the Neo4j store."""
    city = small_city()
    city["person"] = frame("person", [{"key": f"X{i}", "name": f"人{i}"} for i in range(30_000)])
    return city


@pytest.mark.neo4j
def test_a_neo4j_load_killed_midway_is_reported_and_a_rerun_finishes_it(
    neo4j_store: Neo4jStore, neo4j_driver: Driver, neo4j_server: ServerInfo, caplog: pytest.LogCaptureFixture
) -> None:
    neo4j_store.write(small_city())
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "URI": neo4j_server.uri, "PASSWORD": neo4j_server.password()}
    writer = subprocess.Popen(
        [sys.executable, "-c", NEO4J_KILLED_WRITER], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    with caplog.at_level(logging.WARNING, logger="graph.neo4j_store"):
        reopened = Neo4jStore(neo4j_driver)
    assert 0 < reopened.counts()["person"] < 30_002  # part of the load is in the store...
    (told,) = reopened.unfinished_loads()  # ...and the user is told so, and what to do
    assert "did not finish" in told and told.endswith("Rerun the load to finish it.")
    assert told in caplog.text

    changes = reopened.write(neo4j_big_city())  # the rerun
    assert changes["person"] == Change(added=30_000)  # what the load did, as the first run found
    assert changes["organization"] == Change(unchanged=3)
    assert reopened.counts() == {**small_counts(), "person": 2 + 30_000}  # no duplicates
    assert reopened.unfinished_loads() == []
    assert reopened.write(neo4j_big_city())["person"] == Change(unchanged=30_000)


def small_counts() -> dict[str, int]:
    return {name: len(small_city().get(name, ())) for name in RECORDS}


def test_lists_are_stored_as_the_json_encoder_writes_them() -> None:
    """Stored lists are compared as text when a ledger is loaded again: the short way of writing
    them gives json.dumps' text, for every character."""
    rng = random.Random(42)
    alphabet = ['"', "\\", "\x00", "\t", "\n", "\x1f", "\x7f", " ", "a", "中", "\u2028", "\ud800", "、", "😀"]
    for _ in range(2000):
        texts = tuple("".join(rng.choices(alphabet, k=rng.randint(0, 4))) for _ in range(rng.randint(1, 3)))
        assert embedded._json_list(texts) == json.dumps(list(texts), ensure_ascii=False), texts
