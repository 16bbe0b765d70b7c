"""Search over every record: what matches, and in which order; and the same search asked of
the index a store keeps, on the S city in both stores (tests/test_reads.py: on the M city)."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import graph.neo4j_store as neo4j_store_module
from graph import search
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore
from graph.store import Store
from loaders.ledger import load


def table(columns: str, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split(), dtype=object)


@pytest.fixture
def idx() -> pd.DataFrame:
    tables = {
        "organization": table(
            "key name aliases code area",
            [
                ("u1", "大连湾街道党工委", (), None, "s1"),
                ("u2", "大连港集团有限公司", ("港集团",), "DL-001", "c1"),
                ("u3", "港湾小学", (), None, "c1"),
                ("u4", "ＡＢＣ物业公司", (), None, "c1"),
            ],
        ),
        "person": table("key name code", [("p1", "港生", None), ("p2", "王港", None), ("p3", "港生", "P9")]),
        "post": table("person org", [("p1", "u2")]),
        "agreement": table(
            "key title kind code parties signed",
            [
                ("a1", "大连湾军警地企党建联合体共建协议", "共建协议", None, ("u1", "u2"), "2024-01-01"),
                ("a0", "大连湾军警地企党建联合体共建协定", "共建协议", None, ("u1", "u2"), "2021-01-01"),
            ],
        ),
        "area": table(
            "key name platform code parent",
            [("s1", "大连湾街道", "军警地企党建联合体", None, None), ("c1", "港湾社区", None, None, "s1")],
        ),
        "meeting": table("key title code host date", [("m1", "港湾社区联席会议", None, "u1", "2025-01")]),
        "project": table("key title code contributors start", [("j1", "港湾助老", None, ("u2",), None)]),
        "need": table("key title code community published", [("n1", "港湾路灯", None, "c1", None)]),
        "resource": table("key title code org published", [("r1", "港口会议室", None, "u2", None)]),
    }
    return search.index(tables)


def ids(idx: pd.DataFrame, text: str) -> list[str]:
    return list(search.find(idx, text)["id"])


def test_a_joint_body_is_found_by_part_of_its_name_as_agreement_and_as_platform(idx: pd.DataFrame) -> None:
    assert ids(idx, "联合体") == ["agreement:a1", "agreement:a0", "area:s1"]  # the latest agreement first


def test_exact_before_prefix_before_substring_then_by_kind(idx: pd.DataFrame) -> None:
    found = ids(idx, "港湾小学")
    assert found == ["organization:u3"]
    # names (or a short name) starting with 港, by record, shorter first, people with posts first;
    # then 王港, where 港 is inside
    assert ids(idx, "港") == [
        "organization:u3",
        "organization:u2",
        "area:c1",
        "person:p1",
        "person:p3",
        "project:j1",
        "meeting:m1",
        "need:n1",
        "resource:r1",
        "person:p2",
    ]
    assert ids(idx, "港生")[:2] == ["person:p1", "person:p3"]  # exact; the one with a post first


def test_short_names_codes_full_width_and_several_words(idx: pd.DataFrame) -> None:
    assert ids(idx, "港集团")[0] == "organization:u2"
    assert ids(idx, "dl-001") == ["organization:u2"]
    assert ids(idx, "abc") == ["organization:u4"]  # ＡＢＣ is matched half-width
    assert ids(idx, "ＡＢＣ　物业") == ["organization:u4"]  # full-width query, ideographic space
    assert ids(idx, "大连 协议") == ["agreement:a1", "agreement:a0"]
    assert ids(idx, "  ") == [] and ids(idx, "不存在") == []


def test_records_can_be_restricted(idx: pd.DataFrame) -> None:
    found = search.find(idx, "港", ("organization",))
    assert set(found["record"]) == {"organization"}
    assert search.match_rank(("港湾小学",), "港湾小学") == search.EXACT
    assert search.match_rank(("港湾小学",), "港湾") == search.PREFIX
    assert search.match_rank(("港湾小学",), "小学") == search.SUBSTRING


# --- the index kept in the store (Store.search, Store.keep_search) --------------------------

QUERIES = ("社区", "社区 党委", "公司", "1", "协议 2024", "ＡＢＣ　物业", "不存在的名字")


def same_as_whole(store: Store, idx: pd.DataFrame, texts: Iterable[str], wide: Iterable[str] = ()) -> int:
    """Assert that each search asked of the store gives what a search of the whole index gives
    (rows, columns and order): ``texts`` with the first 1, 7 and 50 of every record, ``wide``
    also of some records and with no limit; the most rows compared."""
    cases = [(text, search.ALL, limit) for text in texts for limit in (1, 7, 50)]
    cases += [
        (text, r, n) for text in wide for r in (("organization",), ("person", "area")) for n in (7, 10**5)
    ]
    most = 0
    for text, records, limit in cases:
        expected = search.find(idx, text, records, limit).reset_index(drop=True)
        found = search.lookup(store, text, records, limit)
        assert found is not None
        pd.testing.assert_frame_equal(
            found.reset_index(drop=True), expected, check_dtype=False, obj=f"{text} {records} {limit}"
        )
        most = max(most, len(found))
    return most


@pytest.fixture(params=["embedded", "neo4j"])
def s_store(request: pytest.FixtureRequest, city: Path, tmp_path: Path) -> Iterator[Store]:
    """The S city, loaded before any search index was kept (as a store of an earlier version)."""
    if request.param == "embedded":
        shutil.copy(city / "s.sqlite", tmp_path / "s.sqlite")
        store: Store = EmbeddedStore(tmp_path / "s.sqlite")
        yield store
        store.close()
    else:
        neo4j: Store = request.getfixturevalue("neo4j_store")
        load(city / "ledger", neo4j)
        yield neo4j


def test_a_search_asks_the_store_for_its_first_matches_and_finds_what_the_whole_index_finds(
    s_store: Store,
) -> None:
    assert search.lookup(s_store, "社区") is None  # no index kept yet: the caller reads the whole index
    assert search.prepare(s_store) and not search.prepare(s_store)  # kept once a revision
    idx = search.read(s_store)
    names = idx.groupby("record")["name"].first()
    codes = idx.loc[idx["terms"].map(len) > 1, "terms"].map(lambda t: t[-1])
    texts = (*QUERIES, *names, *codes.head(2), str(names["organization"])[:3])
    assert same_as_whole(s_store, idx, texts, wide=("社区", "1")) > 100
    # a common word: the store sends its first 50 and their ties, not every match
    every = search.find(idx, "社区", limit=len(idx))
    first = s_store.search("社区", search.ALL, 50)
    assert first is not None and 50 <= len(first) < len(every) and len(every) > 300
    assert set(first["key"]) <= set(every["key"])

    s_store.write({})  # a new revision: the kept index may be out of date, and is not used
    assert search.lookup(s_store, "社区") is None
    s_store.keep_search(search.kept(search.read(s_store)), s_store.revision() - 1)  # read before a write
    assert search.lookup(s_store, "社区") is None
    assert search.prepare(s_store)
    assert same_as_whole(s_store, idx, ("社区",)) == 50


@pytest.mark.neo4j
def test_two_keepings_at_once_leave_one_whole_index_on_neo4j(
    neo4j_store: Neo4jStore, city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes keeping the index of one revision at once (two app sessions after a load,
    or `gongjian load` while the app keeps it): each writes in many small transactions, so that
    their writes interleave; afterwards the store holds each entry exactly once, all of the
    current index, and searches find what a search of the whole index finds."""
    load(city / "ledger", neo4j_store)
    idx = search.read(neo4j_store)
    entries = search.kept(idx)
    expected = Counter(zip(idx["record"], idx["key"], strict=True))
    assert max(expected.values()) == 1 and len(idx) > 1000
    monkeypatch.setattr(neo4j_store_module, "BATCH", 97)  # a dozen transactions and more each

    def keeping(start: threading.Barrier, revision: int) -> None:
        start.wait()
        neo4j_store.keep_search(entries, revision)

    for _ in range(3):
        neo4j_store.write({})  # a new revision: no index kept for it
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            for done in [pool.submit(keeping, start, neo4j_store.revision()) for _ in range(2)]:
                done.result()
        found, _, _ = neo4j_store.driver.execute_query(
            "MATCH (s:SearchEntry) RETURN s.record AS record, s.key AS key, s.token AS token",
            database_=neo4j_store.database,
        )
        assert Counter((r["record"], r["key"]) for r in found) == expected
        assert {r["token"] for r in found} == {neo4j_store.kept(search.KEPT)}
    assert same_as_whole(neo4j_store, idx, QUERIES) >= 50
