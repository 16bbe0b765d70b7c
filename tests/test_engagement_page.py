"""The 参与度 Engagement page, run with Streamlit's AppTest on the synthetic S city.

What the page shows is checked against :func:`graph.engagement.engagement` on the same store,
computed here apart from the app."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit import dataframe_util
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import graph.engagement
from graph.embedded import EmbeddedStore
from graph.engagement import BY_NAME, INDICATORS, Result, engagement
from graph.scope import period_choices
from ui.engagement import split_reasons

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TABLE = "eng_ranked_{show}_{kind}"  # the key of the ranked table for a filter


@pytest.fixture(scope="module")
def store(city: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(city / "s.sqlite")
    yield s
    s.close()


@pytest.fixture(scope="module")
def year(store: EmbeddedStore) -> Result:
    """The result the page's default scope asks for: the whole store in 2025 (the S city's
    last four quarters are 2025Q1–2025Q4)."""
    return engagement(store, "2025")


def app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.switch_page("ui/engagement.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, key: str) -> pd.DataFrame:
    """A table drawn with row selection (a widget, so it has its key)."""
    found = [d.value for d in at.dataframe if d.key == key]
    assert found, f"no table {key}; tables: {[d.key for d in at.dataframe]}"
    frame: pd.DataFrame = found[0]
    return frame


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page with these columns."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with columns {columns}"
    frame: pd.DataFrame = found[0]
    return frame


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart_rows(at: AppTest) -> pd.DataFrame:
    """The data of the page's indicator chart."""
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    proto = charts[0].proto
    assert "layer" in json.loads(proto.spec)
    (data,) = proto.datasets
    frame: pd.DataFrame = dataframe_util.convert_arrow_bytes_to_pandas_df(data.data.data)
    return frame


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "choices"),
    [
        ("2025Q1", "2025Q4", ["2025", "2025Q4", "2025Q3", "2025Q2", "2025Q1"]),
        ("2025Q3", "2025Q3", ["2025Q3"]),
        ("2024Q3", "2025Q2", ["2025Q2", "2025Q1", "2024Q4", "2024Q3"]),
        ("2023Q1", "2024Q4", ["2024", "2023", *(f"{y}Q{q}" for y in (2024, 2023) for q in (4, 3, 2, 1))]),
    ],
)
def test_the_period_judged_is_a_whole_year_else_the_last_quarter(
    first: str, last: str, choices: list[str]
) -> None:
    assert period_choices(first, last) == choices


def test_chinese_reasons_are_split_outside_brackets_only() -> None:
    text = (
        "2025年领办项目0个（同街道同类单位中位数2个；2025年3月加入，按10个月折算应为1.7个）；无在期共建协议"
    )
    assert split_reasons(text, "zh") == [
        "2025年领办项目0个（同街道同类单位中位数2个；2025年3月加入，按10个月折算应为1.7个）",
        "无在期共建协议",
    ]
    assert split_reasons("a (1); b", "en") == ["a (1)", "b"]
    assert split_reasons("", "zh") == []


# --- the page -----------------------------------------------------------------------------


def test_the_flagged_units_and_their_reasons_are_those_of_the_analysis(data_dir: Path, year: Result) -> None:
    flagged = year.flagged
    assert 0 < len(flagged) < len(year.ranked)  # the S city has both
    at = app()
    assert at.selectbox(key="eng_period").value == "2025"
    shown = metrics(at)
    assert shown["参评单位"] == str(len(year.ranked))
    assert shown["预警单位"] == str(len(flagged))
    assert shown["下滑单位"] == str(int(year.ranked["declined"].sum()))

    everything = table(at, TABLE.format(show="all", kind="all"))
    assert list(everything["单位"]) == list(year.ranked["name"])  # lowest score first
    assert sorted(everything.loc[everything["状态"].str.contains("预警"), "单位"]) == sorted(flagged["name"])

    at.radio(key="eng_show").set_value("flagged").run()
    assert not at.exception
    only = table(at, TABLE.format(show="flagged", kind="all"))
    assert list(only["单位"]) == list(flagged["name"])
    assert list(only["原因"]) == list(flagged["reasons_zh"])
    assert all(only["原因"])  # every flag explained
    assert list(only["得分"]) == pytest.approx(list(flagged["score"]))

    declined = year.ranked[year.ranked["declined"]]
    assert len(declined)
    listed = table_with(at, "上期得分", "变化", "原因")
    assert list(listed["单位"]) == list(declined["name"])
    assert list(listed["变化"]) == pytest.approx(
        list((declined["score"] - declined["score_before"]).round(1))
    )
    assert all(r.startswith("得分由2024年的") for r in listed["原因"])


def test_a_unit_picked_shows_its_indicators_against_the_peer_median(data_dir: Path, year: Result) -> None:
    at = app()
    unit = year.flagged.iloc[1]
    key = str(unit["key"])
    at.selectbox(key="eng_unit").select(key).run()
    assert not at.exception
    assert unit["name"] in [s.value for s in at.subheader]

    rows = chart_rows(at)
    mine, peers = rows[rows["series"] == "本单位"], rows[rows["series"] == "同类单位中位数"]
    drawn = [i for i in INDICATORS if i.scored and pd.notna(unit[i.name])]
    assert list(mine["indicator"]) == [i.zh for i in drawn]
    factor = [100.0 if i.kind == "share" else 1.0 for i in drawn]
    assert list(mine["value"]) == pytest.approx(
        [float(unit[i.name]) * f for i, f in zip(drawn, factor, strict=True)]
    )
    median, share = year.peer_median.loc[key], year.judgement.peer_share.loc[key]
    # the peers' median; for a yes/no indicator the share of peers with a yes; no peers: drawn as 0
    expected = pd.Series([share[i.name] if i.kind == "yes" else median[i.name] for i in drawn]).fillna(0)
    assert list(peers["value"]) == pytest.approx(list(expected * factor))
    assert (rows["scaled"].between(0, 1)).all()

    indicators = table_with(at, "指标", "同类单位中位数").set_index("指标")
    assert list(indicators.index) == [i.zh for i in INDICATORS]
    assert indicators.loc["未活动月数", "本单位"] == f"{unit['months_inactive']:.0f}"

    reasons = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(reasons) == 1
    assert reasons[0].replace("\\", "") == "\n".join(
        f"- {r}" for r in split_reasons(unit["reasons_zh"], "zh")
    )
    steps = year.suggestions[year.suggestions["key"] == key]
    assert len(steps)
    shown = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert shown and shown[0].replace("\\", "") == "\n".join(
        f"{o}. {x}" for o, x in zip(steps["order"], steps["zh"], strict=True)
    )

    (link,) = at.get("page_link")
    assert link.proto.page == "unit"
    assert f"unit=organization%3A{key}" in link.proto.query_string


def test_a_click_in_the_table_picks_the_unit(data_dir: Path, year: Result) -> None:
    at = app()
    first = year.flagged.iloc[0]
    assert at.selectbox(key="eng_unit").value == first["key"]  # the first flagged unit to begin with
    row = int(year.ranked.index[year.ranked["declined"]][0])
    declined = year.ranked.iloc[row]
    at.session_state[TABLE.format(show="all", kind="all")] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    assert at.selectbox(key="eng_unit").value == declined["key"]
    assert declined["name"] in [s.value for s in at.subheader]
    assert "**下滑原因**" in [m.value for m in at.markdown]
    assert any("得分由2024年的" in m.value for m in at.markdown)  # a declined unit has its reasons
    assert "只为预警单位提出建议。" in [c.value for c in at.caption]


def test_the_briefing_download_is_a_workbook_of_the_flagged_units(
    data_dir: Path, year: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: dict[str, dict[str, Any]] = {}
    register = MediaFileManager.add_deferred

    def spy(
        self: MediaFileManager, data: Any, mimetype: Any, coordinates: str, file_name: Any = None, **kw: Any
    ) -> str:
        file_id = register(self, data, mimetype, coordinates, file_name, **kw)
        offered[file_id] = {"data": data, "mimetype": mimetype, "file_name": file_name}
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    at = app()
    (button,) = [b for b in at.get("download_button") if b.proto.label == "下载简报（Excel）"]
    file = offered[button.proto.deferred_file_id]
    assert file["file_name"].endswith("_2025.xlsx")
    assert file["mimetype"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = file["data"]()
    assert isinstance(content, bytes)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[:3] == ["简报", "概况", "预警单位"]
    sheet = book["预警单位"]
    header = [c.value for c in sheet[1]]
    names = [row[header.index("单位")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    reasons = [row[header.index("预警原因")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == list(year.flagged["name"])
    assert reasons == list(year.flagged["reasons_zh"])
    figures = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert figures["预警单位"] == len(year.flagged)


def test_a_street_a_quarter_and_english(data_dir: Path, store: EmbeddedStore) -> None:
    areas = store.table("area")
    street = areas[areas["level"] == "street"].iloc[0]
    quarter = engagement(store, "2025Q3", str(street["key"]))
    at = app(lang="en", district=str(street["parent"]), street=str(street["key"]), period="2025Q3~2025Q3")
    assert at.selectbox(key="eng_period").value == "2025Q3"
    shown = metrics(at)
    assert shown["Units judged"] == str(len(quarter.ranked))
    assert shown["Flagged"] == str(len(quarter.flagged))
    everything = table(at, TABLE.format(show="all", kind="all"))
    assert list(everything["Unit"]) == list(quarter.ranked["name"])
    assert list(everything["Reasons"]) == list(quarter.ranked["reasons_en"])
    assert any(everything["Reasons"])


def test_the_kind_filters_narrow_the_list_but_not_the_peers(data_dir: Path, year: Result) -> None:
    kinds = year.ranked["kind"].value_counts()
    common = str(kinds.index[0])
    at = app(kinds=common)  # the sidebar's kinds: the summary and the list are of that kind
    mine = year.ranked[year.ranked["kind"] == common]
    assert metrics(at)["参评单位"] == str(len(mine))
    listed = table(at, TABLE.format(show="all", kind="all"))
    assert list(listed["单位"]) == list(mine["name"])
    assert list(listed["得分"]) == pytest.approx(list(mine["score"]), nan_ok=True)  # scored among all peers
    assert list(listed["排名"]) == list(range(1, len(mine) + 1))

    at = app()  # the page's kind filter narrows the list only
    flagged_kind = str(year.flagged["kind"].iloc[0])
    at.selectbox(key="eng_kind").select(flagged_kind).run()
    at.radio(key="eng_show").set_value("flagged").run()
    assert not at.exception
    listed = table(at, TABLE.format(show="flagged", kind=flagged_kind))
    assert list(listed["单位"]) == list(year.flagged.loc[year.flagged["kind"] == flagged_kind, "name"])
    assert metrics(at)["预警单位"] == str(len(year.flagged))


def test_widgets_do_not_run_the_analysis_again(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[Any] = []
    engagement = graph.engagement.engagement

    def counted(*args: Any, **kwargs: Any) -> Result:
        runs.append(args[1:])
        return engagement(*args, **kwargs)

    monkeypatch.setattr(graph.engagement, "engagement", counted)
    st.cache_data.clear()
    st.cache_resource.clear()  # the page's analysis is shared by the sessions of the app
    at = app()
    assert len(runs) == 1
    at.radio(key="eng_show").set_value("declined").run()
    at.selectbox(key="eng_unit").select(at.selectbox(key="eng_unit").options[0]).run()
    at.radio(key="eng_show").set_value("all").run()
    assert not at.exception
    assert len(runs) == 1
    at.selectbox(key="eng_period").select("2025Q4").run()
    assert len(runs) == 2


def test_no_person_is_named_on_the_page(data_dir: Path, store: EmbeddedStore, year: Result) -> None:
    at = app()
    text = " ".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [s.value for s in at.subheader]
        + [" ".join(map(str, d.value.astype(str).to_numpy().ravel())) for d in at.dataframe]
    )
    places = " ".join(
        [*store.table("organization")["name"], *store.table("area")["name"], *store.table("need")["title"]]
    )
    people = {n for n in store.table("person")["name"] if len(n) >= 2 and n not in places}
    assert people
    assert not [n for n in people if n in text]
    assert BY_NAME["attendance_rate"].zh in text  # the check looked at the page's words


def test_an_empty_store_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "empty")
    at = app(lang="en")
    assert at.title[0].value == "Engagement"
    assert "gongjian demo" in at.info[0].value
    assert not at.dataframe
