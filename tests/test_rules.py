"""The domain rules of graph/rules.py, and the two analyses built straight on them (the ties of
graph/bridges.py, the events of graph/changes.py), on inline tables."""

from __future__ import annotations

import pandas as pd
import pytest

from graph import bridges, changes, rules

AREAS = pd.DataFrame(
    {
        "key": ["D", "S", "C1", "C2", "X", "Y"],
        "level": ["district", "street", "community", "community", "community", "community"],
        "parent": ["", "D", "S", "S", "Y", "X"],  # X and Y point at each other
    }
).replace("", None)
UNITS = pd.DataFrame(
    {
        "key": ["DC", "SC", "K1", "K2", "U", "V", "W"],
        "kind": [
            "district_committee", "street_committee", "community_committee", "community_committee",
            "soe", "shop", "shop",
        ],
        "area": ["D", "S", "C1", "C2", "C1", "C1", "C2"],
        "joined": ["2018-01-01", None, None, None, "2020-05", "2025-12-31", "2026-01-01"],
    }
)  # fmt: skip


@pytest.mark.parametrize(
    ("marked", "role", "expected"),
    [(True, "委员", True), (False, "兼职委员", False), (None, "兼职委员", True), (None, "党委书记", False)],
)
def test_a_post_is_part_time_when_marked_so_or_unmarked_with_a_seat_word(
    marked: bool | None, role: str, expected: bool
) -> None:
    assert rules.is_part_time(marked, role) is expected


def test_the_seat_words_come_from_the_seat_roles_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGJIAN_SEAT_ROLES", "兼任， 挂职")
    assert rules.seat_words() == ("兼任", "挂职")
    assert rules.is_part_time(None, "挂职委员") and not rules.is_part_time(None, "兼职委员")
    assert rules.query_params()["seat_words"] == ["兼任", "挂职"]


def test_a_month_or_a_year_runs_to_its_last_day() -> None:
    assert rules.upper("2024-02") == "2024-02-29" and rules.upper("2025") == "2025-12-31"
    assert rules.upper("2024-12-31") == "2024-12-31"
    assert rules.holds("2024-01-01", "2024-12", "2024-12-31", "2025-03-31")  # the month's last day
    assert not rules.holds("2024-01-01", "2024-12-30", "2024-12-31", "2025-03-31")
    assert rules.holds(None, None, "2025-01-01", "2025-12-31")  # open at both ends
    assert not rules.holds("2026-01-01", None, "2025-01-01", "2025-12-31")
    stamps = rules.days(pd.Series(["2024-02", "2025", None]), last=True)
    assert [d.date().isoformat() if pd.notna(d) else None for d in stamps] == [
        "2024-02-29",
        "2025-12-31",
        None,
    ]


def test_member_units_are_the_joined_units_that_are_not_committees() -> None:
    assert list(rules.members(UNITS, "2025-12-31")["key"]) == ["U", "V"]  # DC has a join date too
    assert list(UNITS["key"][rules.ever_member(UNITS)]) == ["U", "V", "W"]
    assert {rules.COMMITTEE_LEVEL[k] for k in UNITS["kind"] if k in rules.COMMITTEE_LEVEL} == set(
        rules.LEVELS
    )


def test_area_paths_walk_up_the_tree_and_stop_at_a_loop() -> None:
    paths = rules.area_paths(AREAS)
    assert paths["C1"] == {"community": "C1", "street": "S", "district": "D"}
    assert paths["X"] == {"community": "X"}  # Y is also a community: the first of a level is kept


def posts(rows: list[tuple[str, str, str, bool | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person", "org", "role", "part_time", "start", "end"])


def test_ties_run_both_ways_at_each_level_above_a_unit_and_only_there() -> None:
    held = bridges.held(
        posts(
            [
                ("a", "U", "书记", False, None, None),
                ("a", "SC", "兼职委员", None, None, None),  # U → street, a seat though unmarked
                ("b", "SC", "委员", False, None, None),
                ("b", "U", "党委委员", True, None, None),  # street → U
                ("c", "V", "店长", False, None, None),
                ("c", "K2", "兼职委员", True, None, None),  # a seat on another community's committee
                ("d", "V", "店长", False, "2020-01-01", "2024-12-31"),
                ("d", "K1", "兼职委员", True, "2020-01-01", "2024-12-31"),  # ended before the period
            ]
        ),
        "2025-01-01",
        "2025-12-31",
    )
    ties = bridges.level_ties(held, UNITS, rules.members(UNITS, "2025-12-31"), AREAS)
    got = {(u, lvl, c): (d, up, down) for u, lvl, c, d, up, down in ties.itertuples(index=False, name=None)}
    assert got == {
        ("U", "district", "DC"): ("none", (), ()),
        ("U", "street", "SC"): ("both", ("a",), ("b",)),
        ("U", "community", "K1"): ("none", (), ()),
        ("V", "district", "DC"): ("none", (), ()),
        ("V", "street", "SC"): ("none", (), ()),
        ("V", "community", "K1"): ("none", (), ()),
    }
    figures = bridges.unit_figures(ties)
    assert figures.to_dict("index") == {
        "U": {"seat": True, "cross_appointed": 2},
        "V": {"seat": False, "cross_appointed": 0},
    }


def test_an_ending_is_a_change_of_the_period_after_it() -> None:
    tables = {
        "organization": UNITS.assign(name=UNITS["key"]),
        "area": AREAS.assign(name=AREAS["key"]),
        "post": posts(
            [
                ("d", "V", "店长", False, "2020-01-01", None),
                ("d", "K1", "兼职委员", True, "2020-01-01", "2024-12"),
            ]
        ),
        "agreement": pd.DataFrame(
            {"title": ["协议"], "signed": ["2022-01-01"], "expires": ["2024-12-31"], "parties": [("K1", "V")]}
        ),
        "meeting": pd.DataFrame(
            {"key": ["M1", "M2", "M3", "M4"], "date": ["2024-11-01", "2025-02-01", "2025-03", "2025-04-01"]}
        ),
        "attendance": pd.DataFrame(
            {
                "meeting": ["M1", "M2", "M3", "M4"],
                "org": ["V"] * 4,
                "status": ["absent", "excused", "absent", "present"],
            }
        ),
        "project": pd.DataFrame(columns=["title", "status", "end", "contributors"]),
        "registration": pd.DataFrame(columns=["person", "org", "community", "date", "withdrawn"]),
    }
    in_2025 = changes.events(tables, "2025-01-01", "2025-12-31", {"U", "V"})
    assert list(zip(in_2025["unit"], in_2025["event"], strict=True)) == [
        ("V", "seat_ended"),  # 2024-12 runs to the month's last day: a 2025 change
        ("V", "agreement_expired"),  # 2024-12-31, likewise
        ("V", "meetings_missed"),  # three in a row, the run ending in 2025
        ("V", "unit_joined"),
    ]
    assert in_2025["zh"].iloc[2] == "连续3次未出席联席会议（2024-11-01至2025-03）"
    assert changes.events(tables, "2024-01-01", "2024-12-31", {"U", "V"}).empty
    assert changes.losses(in_2025, "V") == list(in_2025["zh"].iloc[:3])
