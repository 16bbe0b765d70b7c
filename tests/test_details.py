"""The network's details panel, against the S city's tables read plainly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from graph import details
from graph.embedded import EmbeddedStore

END = "2025-12-31"


@pytest.fixture(scope="module")
def tables(city: Path) -> Iterator[dict[str, pd.DataFrame]]:
    store = EmbeddedStore(city / "s.sqlite")
    yield {name: store.table(name) for name in store.counts()}
    store.close()


def test_a_unit_shows_its_kind_area_posts_agreements_and_recent_meetings(
    tables: dict[str, pd.DataFrame],
) -> None:
    units, posts, people = tables["organization"], tables["post"], tables["person"]
    attendance = tables["attendance"]
    busy = attendance["org"].value_counts().index[0]
    unit = units[units["key"] == busy].iloc[0]
    found = details.details(f"organization:{busy}", tables, END, score=61.5)
    assert found is not None and found.name == unit["name"]
    areas = dict(zip(tables["area"]["key"], tables["area"]["name"], strict=True))
    assert found.facts["kind"] == unit["kind"] and found.facts["area"] == areas[unit["area"]]
    assert found.facts["score"] == 61.5
    names = dict(zip(people["key"], people["name"], strict=True))
    mine = posts[posts["org"] == busy]
    assert sorted((p["person"], p["role"]) for p in found.posts) == sorted(
        (names[p], r) for p, r in zip(mine["person"], mine["role"], strict=True)
    )
    agreements = tables["agreement"]
    assert sorted(a["title"] for a in found.agreements) == sorted(
        agreements.loc[agreements["parties"].map(lambda ps: busy in ps), "title"]
    )
    meetings = tables["meeting"].set_index("key")
    dates = sorted(
        (meetings.loc[m, "date"] for m in attendance.loc[attendance["org"] == busy, "meeting"]), reverse=True
    )
    assert [m["date"] for m in found.meetings] == [d for d in dates if d <= END][: details.RECENT]


def test_a_person_shows_every_post_with_dates(tables: dict[str, pd.DataFrame]) -> None:
    posts = tables["post"]
    who = posts["person"].value_counts().index[0]
    found = details.details(f"person:{who}", tables, END)
    assert found is not None
    units = dict(zip(tables["organization"]["key"], tables["organization"]["name"], strict=True))
    mine = posts[posts["person"] == who]
    assert sorted((p["org"], p["role"], p["start"] or "", p["end"] or "") for p in found.posts) == sorted(
        (units[o], r, s or "", e or "")
        for o, r, s, e in zip(mine["org"], mine["role"], mine["start"], mine["end"], strict=True)
    )
    assert len(found.posts) >= 2


def test_an_agreement_shows_its_parties_term_and_projects(tables: dict[str, pd.DataFrame]) -> None:
    agreements = tables["agreement"]
    joint = agreements.loc[agreements["parties"].map(len).idxmax()]  # a street's joint agreement
    found = details.details(f"agreement:{joint['key']}", tables, END)
    assert found is not None and found.name == joint["title"]
    assert [p["key"] for p in found.parties] == list(joint["parties"])
    assert found.facts["signed"] == joint["signed"] and found.facts["expires"] == joint["expires"]
    projects = tables["project"]
    theirs = projects[projects["contributors"].map(lambda cs: bool(set(cs) & set(joint["parties"])))]
    assert {p["title"] for p in found.projects} <= set(theirs["title"])
    assert details.details("agreement:nope", tables, END) is None
