"""The app's pages, run with Streamlit's AppTest on the synthetic S city.

Every figure a test checks is computed here again, plainly, from the store's tables."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from graph.embedded import EmbeddedStore
from loaders.ledger import load

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PERIOD = ("2025-01-01", "2025-12-31")  # the default period: the last four quarters of the S city
COMMITTEES = ("street_committee", "community_committee")
CAME = ("present", "substitute")


@pytest.fixture
def tables(city: Path) -> Iterator[dict[str, pd.DataFrame]]:
    store = EmbeddedStore(city / "s.sqlite")
    yield {name: store.table(name) for name in store.counts()}
    store.close()


def app(page: str = "", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    if page:
        at.switch_page(f"ui/{page}.py").run()
    assert not at.exception, at.exception
    return at


def last_day(date: str) -> str:
    return date + "-31" if len(date) == 7 else date


def overlaps(since: Any, until: Any, start: str, end: str) -> bool:
    return (not since or since <= end) and (not until or last_day(until) >= start)


def holds_on(since: Any, until: Any, day: str) -> bool:
    return overlaps(since, until, day, day)


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")


def drawn_nodes(at: AppTest) -> list[dict[str, Any]]:
    """The nodes handed to vis-network: the network page's component, else a page's iframe."""
    components = at.get("bidi_component")
    if components:
        drawn: list[dict[str, Any]] = json.loads(components[0].proto.json)["nodes"]
        return drawn
    html = at.get("iframe")[0].proto.srcdoc
    found = re.search(r"var nodes = new vis\.DataSet\((\[.*?\])\);", html, re.S)
    assert found, "no nodes DataSet in the network view"
    nodes: list[dict[str, Any]] = json.loads(found[1])
    return nodes


def dataframe(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page with these columns."""
    frames = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert frames, f"no table with columns {columns}"
    value: pd.DataFrame = frames[0]
    return value


# --- login --------------------------------------------------------------------------------


def test_with_an_app_password_nothing_shows_until_it_is_given(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGJIAN_APP_PASSWORD", "共建-s3cret")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox  # no data, no scope
    at.text_input[0].input("guess")
    at.button[0].click().run()
    assert at.error and not at.metric
    at.text_input[0].input("共建-s3cret")
    at.button[0].click().run()
    assert not at.exception and at.metric and not at.main.text_input  # the overview, no form
    assert all("s3cret" not in str(e.value) for e in at.markdown)


# --- overview -----------------------------------------------------------------------------


def coverage(
    t: dict[str, pd.DataFrame], units: list[dict[str, Any]], start: str, end: str
) -> dict[str, set[str]]:
    """Member units among ``units`` and those with an agreement, a seat, a meeting attended."""
    kinds = {u["key"]: u["kind"] for u in rows(t["organization"])}
    members = {u["key"] for u in units if u["joined"] and u["joined"] <= end and u["kind"] not in COMMITTEES}
    agreement = {
        p
        for a in rows(t["agreement"])
        if overlaps(a["signed"], a["expires"], start, end)
        for p in a["parties"]
    }
    posts = [p for p in rows(t["post"]) if overlaps(p["start"], p["end"], start, end)]
    seated = {
        p["person"]
        for p in posts
        if kinds[p["org"]] in COMMITTEES
        and (p["part_time"] is True or (p["part_time"] is None and "兼职" in p["role"]))
    }
    seat = {p["org"] for p in posts if kinds[p["org"]] not in COMMITTEES and p["person"] in seated}
    dates = {m["key"]: m["date"] for m in rows(t["meeting"])}
    attended = {
        a["org"]
        for a in rows(t["attendance"])
        if a["status"] in CAME and dates[a["meeting"]] <= end and last_day(dates[a["meeting"]]) >= start
    }
    return {
        "members": members,
        "agreement": members & agreement,
        "seat": members & seat,
        "attended": members & attended,
    }


def test_overview_shows_units_and_coverage_of_the_member_units(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    units = rows(tables["organization"])
    c = coverage(tables, units, *PERIOD)
    n = len(c["members"])
    assert metrics["范围内单位"] == f"{len(units):,}"
    assert metrics["共建成员单位"] == str(n)
    assert metrics["建有党组织的单位"] == str(sum(u["has_party_org"] is True for u in units))
    assert metrics["有在效共建协议"] == f"{len(c['agreement']) / n:.0%}"
    assert metrics["有兼职委员席位"] == f"{len(c['seat']) / n:.0%}"
    assert metrics["参加过联席会议"] == f"{len(c['attended']) / n:.0%}"
    assert 0 < len(c["seat"]) < n  # the S city has both
    assert metrics["参会"] == f"{len(tables['attendance']):,}"  # the store's records, in the expander
    names = dict(zip(tables["organization"]["key"], tables["organization"]["name"], strict=True))
    each = dataframe(at, "单位", "有兼职委员席位")
    assert sorted(each["单位"]) == sorted(names[k] for k in c["members"])
    assert sorted(each.loc[each["有兼职委员席位"] == "✘", "单位"]) == sorted(
        names[k] for k in c["members"] - c["seat"]
    )
    trend = dataframe(at, "季度").set_index("季度")
    q3 = coverage(tables, units, "2024-07-01", "2024-09-30")
    assert trend.loc["2024Q3", "共建成员单位"] == len(q3["members"])
    assert trend.loc["2024Q3", "参加过联席会议"] == len(q3["attended"])


def test_overview_of_a_scope_from_the_url_breaks_it_down_by_community(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    areas = rows(tables["area"])
    district = next(a for a in areas if a["level"] == "district")
    street = next(a for a in areas if a["level"] == "street")
    communities = [a for a in areas if a["parent"] == street["key"]]
    inside = {street["key"], *(a["key"] for a in communities)}
    at = app(
        district=district["key"], street=street["key"], period="2024Q1~2024Q4", kinds="shop,private_firm"
    )
    units = [
        u
        for u in rows(tables["organization"])
        if u["area"] in inside and u["kind"] in ("shop", "private_firm")
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["范围内单位"] == str(len(units))
    assert at.selectbox(key="street").value == street["key"]
    by_community = dataframe(at, "社区", "有在效共建协议").set_index("社区")
    c = coverage(tables, units, "2024-01-01", "2024-12-31")
    for community in communities:
        mine = {u["key"] for u in units if u["area"] == community["key"]}
        if mine & c["members"]:
            assert by_community.loc[community["name"], "共建成员单位"] == len(mine & c["members"])
            assert by_community.loc[community["name"], "有在效共建协议"] == len(mine & c["agreement"])
    assert at.query_params["period"] == "2024Q1~2024Q4"
    assert at.query_params["street"] == street["key"]


def test_the_sidebar_cascades_and_keeps_the_scope_in_the_url(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    at = app()
    areas = rows(tables["area"])
    district = next(a for a in areas if a["level"] == "district")
    assert at.selectbox(key="street").disabled  # no street before a district
    at.selectbox(key="district").select(district["key"]).run()
    streets = sorted(a["key"] for a in areas if a["parent"] == district["key"])
    assert sorted(o for o in at.selectbox(key="street").options if o != "全部") == sorted(
        a["name"] for a in areas if a["key"] in streets
    )
    assert at.query_params["district"] == district["key"]
    at.switch_page("ui/cross.py").run()  # the scope follows to another page
    assert at.query_params["district"] == district["key"]


def test_english_and_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "empty")
    at = app(lang="en")
    assert at.title[0].value == "Overview"
    assert "gongjian demo" in at.info[0].value
    for page, title in [
        ("network", "Network"),
        ("unit", "Unit"),
        ("cross", "Cross-appointments"),
        ("data", "Data"),
    ]:
        at.switch_page(f"ui/{page}.py").run()
        assert not at.exception and at.title[0].value == title
        assert page == "data" or "gongjian demo" in at.info[0].value


# --- network ------------------------------------------------------------------------------


def ego_expected(t: dict[str, pd.DataFrame], unit: str) -> set[str]:
    """The unit's neighbours through posts, agreements, meetings attended and projects (areas
    are off by default), as the network shows them by default for the period."""
    start, end = PERIOD
    found = {f"organization:{unit}"}
    found |= {
        f"person:{p['person']}"
        for p in rows(t["post"])
        if p["org"] == unit and holds_on(p["start"], p["end"], end)
    }
    found |= {
        f"agreement:{a['key']}"
        for a in rows(t["agreement"])
        if unit in a["parties"] and holds_on(a["signed"], a["expires"], end)
    }
    dates = {m["key"]: m["date"] for m in rows(t["meeting"])}
    found |= {
        f"meeting:{a['meeting']}"
        for a in rows(t["attendance"])
        if a["org"] == unit
        and a["status"] in CAME
        and start <= last_day(dates[a["meeting"]])
        and dates[a["meeting"]] <= end
    }
    found |= {
        f"project:{p['key']}"
        for p in rows(t["project"])
        if unit in p["contributors"] and (not p["start"] or p["start"] <= end)
    }
    return found


def test_the_ego_network_of_a_unit_draws_its_neighbours(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    attendance = tables["attendance"]
    kinds = dict(zip(tables["organization"]["key"], tables["organization"]["kind"], strict=True))
    busy = (
        attendance[attendance["org"].map(lambda o: kinds[o] not in COMMITTEES)]["org"].value_counts().index[0]
    )
    at = app("network", mode="ego", node=f"organization:{busy}", depth="1")
    drawn = {n["id"] for n in drawn_nodes(at)}
    assert drawn == ego_expected(tables, busy)
    names = dict(zip(tables["organization"]["key"], tables["organization"]["name"], strict=True))
    label = next(n["label"] for n in drawn_nodes(at) if n["id"] == f"organization:{busy}")
    assert names[busy].startswith(label.rstrip("…"))


def test_the_details_panel_reads_a_unit_and_shows_its_score_when_asked(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    from graph.glossary import label

    units = tables["organization"]
    busy = tables["post"].loc[tables["post"]["org"].isin(units.loc[units["joined"].notna(), "key"]), "org"]
    busy = busy.value_counts().index[0]
    at = app("network", mode="ego", node=f"organization:{busy}", depth="1")
    name = units.loc[units["key"] == busy, "name"].iloc[0]
    assert name in [h.value.replace("\\", "") for h in at.subheader]
    score = label("score")
    assert not any(m.value.startswith(f"**{score}**") for m in at.markdown)
    next(b for b in at.button if b.label == score).click().run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown if m.value.startswith(f"**{score}**")]
    assert len(shown) == 1 and float(shown[0].split("：")[1]) >= 0
    assert not any(b.label == score for b in at.button)  # asked once: no button any more


def test_a_street_opens_as_its_communities_and_drills_into_one(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    start, end = PERIOD
    areas = rows(tables["area"])
    late = next(  # a unit that joined in the middle of the period: its community is drilled into
        u for u in rows(tables["organization"]) if u["joined"] and "2025-04-01" <= u["joined"] <= "2025-09-30"
    )
    parent = {a["key"]: a["parent"] for a in areas}
    street = next(a for a in areas if a["key"] == parent[late["area"]])
    district = next(a for a in areas if a["key"] == street["parent"])
    communities = {a["key"] for a in areas if a["parent"] == street["key"]}
    members = [  # the unit network's nodes: committees and units joined by the end
        u
        for u in rows(tables["organization"])
        if (u["kind"] in COMMITTEES or (u["joined"] and u["joined"] <= end))
        and u["area"] in communities | {street["key"]}
    ]
    at = app("network", district=district["key"], street=street["key"])
    groups = {n["id"].removeprefix("group:"): n["label"] for n in drawn_nodes(at)}
    assert set(groups) <= communities | {street["key"]}
    for key, label in groups.items():
        assert label.endswith(f"（{sum(u['area'] == key for u in members)}）")
    big = late["area"]
    at.selectbox(key="net_drill").select(big).run()
    inside = {f"organization:{u['key']}" for u in members if u["area"] == big}
    drawn = {n["id"]: n for n in drawn_nodes(at)}
    assert inside <= set(drawn)
    ties: dict[str, set[str]] = {}  # a unit's partners: a person, an agreement or a project shared
    groups_of = [
        {
            p["org"]
            for p in rows(tables["post"])
            if p["person"] == who and overlaps(p["start"], p["end"], start, end)
        }
        for who in set(tables["post"]["person"])
    ]
    groups_of += [
        set(a["parties"])
        for a in rows(tables["agreement"])
        if overlaps(a["signed"], a["expires"], start, end)
    ]
    groups_of += [
        set(p["contributors"])
        for p in rows(tables["project"])
        if p["start"] and overlaps(p["start"], p["end"], start, end)
    ]
    for group in groups_of:
        for unit in group:
            ties.setdefault(unit, set()).update(group - {unit})
    partners = {f"organization:{p}" for u in inside for p in ties.get(u.removeprefix("organization:"), ())}
    assert set(drawn) - inside and set(drawn) - inside <= partners
    assert all(drawn[n].get("opacity") for n in set(drawn) - inside)  # partners drawn fainter
    # quarter by quarter: the units that joined in the quarter are marked as appeared
    joined_in = f"2025Q{(int(late['joined'][5:7]) - 1) // 3 + 1}"
    for quarter, first, last in (
        ("2025Q2", "2025-04-01", "2025-06-30"),
        ("2025Q3", "2025-07-01", "2025-09-30"),
    ):
        at.select_slider(key="net_quarter").set_value(quarter).run()
        note = next(c.value for c in at.caption if c.value.startswith(f"{quarter}："))
        marked = {
            n["id"]
            for n in drawn_nodes(at)
            if isinstance(n["color"], dict) and n["color"]["border"] == "#2ca02c"
        }
        said = re.search(r"新出现 (\d+) 个单位", note)
        assert said and int(said[1]) == len(marked)
        joined = {
            f"organization:{u['key']}"
            for u in members
            if u["area"] == big and first <= (u["joined"] or "") <= last
        }
        assert joined <= marked and (f"organization:{late['key']}" in marked) == (quarter == joined_in)


def test_the_sidebar_search_opens_the_best_match_in_the_explorer(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    agreements = tables["agreement"]
    current = agreements[agreements["expires"].map(lambda e: not e or e >= PERIOD[1])]
    joint = current.loc[current["parties"].map(len).idxmax()]
    at = app("unit")
    at.sidebar.text_input(key="find_q").input(joint["title"][2:10]).run()
    assert not at.exception
    assert at.query_params["node"] == f"agreement:{joint['key']}" and at.query_params["mode"] == "ego"
    drawn = {n["id"] for n in drawn_nodes(at)}
    assert drawn == {f"agreement:{joint['key']}"} | {f"organization:{k}" for k in joint["parties"]}


def test_interlocks_link_units_by_the_people_they_share(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    end = PERIOD[1]
    areas = rows(tables["area"])
    street = next(a for a in areas if a["level"] == "street")
    inside = {street["key"]} | {a["key"] for a in areas if a["parent"] == street["key"]}
    units = {u["key"]: u["name"] for u in rows(tables["organization"])}
    local = {u["key"] for u in rows(tables["organization"]) if u["area"] in inside}
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    held: dict[str, set[str]] = {}
    for p in rows(tables["post"]):
        if holds_on(p["start"], p["end"], end):
            held.setdefault(p["person"], set()).add(p["org"])
    expected: dict[tuple[str, str], set[str]] = {}
    for who, orgs in held.items():
        for a, b in itertools.combinations(sorted(orgs), 2):
            if a in local or b in local:
                expected.setdefault((a, b), set()).add(people[who])
    at = app("network", district=street["parent"], street=street["key"], mode="interlock")
    component = json.loads(at.get("bidi_component")[0].proto.json)
    found = {}
    for e in component["edges"]:
        a, b = sorted((e["from"].removeprefix("organization:"), e["to"].removeprefix("organization:")))
        head, shared = e["title"].split("\n")
        assert head in (f"{units[a]} — {units[b]}", f"{units[b]} — {units[a]}")
        found[(a, b)] = set(shared.removeprefix("共有人员: ").split("、"))
    assert found == expected


def test_a_large_exploration_is_capped_with_a_notice(data_dir: Path, tables: dict[str, pd.DataFrame]) -> None:
    street = next(a for a in rows(tables["area"]) if a["level"] == "street")
    at = app("network", mode="ego", node=f"area:{street['key']}", depth="2")
    at.number_input(key="net_cap").set_value(30).run()
    notice = next(i.value for i in at.info if "汇总节点" in i.value)
    found = re.search(r"([\d,]+) 个节点（共 ([\d,]+) 个）", notice)
    assert found
    shown, total = (int(x.replace(",", "")) for x in found.groups())
    assert shown == 30 and total > 30
    drawn = drawn_nodes(at)
    assert sum(not n["id"].startswith("rollup:") for n in drawn) == 30
    assert any(n["id"].startswith("rollup:") for n in drawn)
    own = [n for n in drawn if not n["id"].startswith("rollup:")]
    labelled = [n for n in own if n["label"]]  # the most connected and the focus; the rest on hover
    assert 0 < len(labelled) <= 26 < len(own) and all(n["name"] for n in own)


def test_the_shortest_connection_between_two_units_says_what_each_step_is(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    end = PERIOD[1]
    kinds = dict(zip(tables["organization"]["key"], tables["organization"]["kind"], strict=True))
    posts = [p for p in rows(tables["post"]) if holds_on(p["start"], p["end"], end)]
    seat = next(
        p
        for p in posts
        if p["part_time"]
        and kinds[p["org"]] == "community_committee"
        and any(q["person"] == p["person"] and kinds[q["org"]] not in COMMITTEES for q in posts)
    )
    unit = next(
        q["org"] for q in posts if q["person"] == seat["person"] and kinds[q["org"]] not in COMMITTEES
    )
    at = app("network", mode="path", a=f"organization:{unit}", b=f"organization:{seat['org']}")
    steps = dataframe(at, "连接")
    assert len(steps) == 2  # through someone (or something) both share
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    orgs = dict(zip(tables["organization"]["key"], tables["organization"]["name"], strict=True))
    first = steps["连接"].iloc[0]
    assert first.startswith(orgs[unit]) and steps["连接"].iloc[1].endswith(orgs[seat["org"]])
    shared_people = {people[p["person"]] for p in posts if p["org"] == unit} & {
        people[p["person"]] for p in posts if p["org"] == seat["org"]
    }
    middle = first.rsplit("— ", 1)[1]
    agreements = {a["title"] for a in rows(tables["agreement"]) if {unit, seat["org"]} <= set(a["parties"])}
    meetings = {m["title"] for m in rows(tables["meeting"])}
    assert middle in shared_people | agreements | meetings
    assert {n["id"] for n in drawn_nodes(at)} >= {f"organization:{unit}", f"organization:{seat['org']}"}


# --- unit profile -------------------------------------------------------------------------


def test_the_unit_profile_by_link_shows_its_posts_agreements_and_meetings(
    data_dir: Path, tables: dict[str, pd.DataFrame], city: Path
) -> None:
    truth = json.loads((city / "ledger" / "truth.json").read_text(encoding="utf-8"))
    name, case = next(iter(truth["under_engaged"].items()))
    unit = case["code"]
    at = app("unit", unit=f"organization:{unit}")
    assert at.header[0].value.replace("\\", "") == name
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    posts = [p for p in rows(tables["post"]) if p["org"] == unit]
    assert sorted(dataframe(at, "职务")["人员"]) == sorted(people[p["person"]] for p in posts)
    mine = [a for a in rows(tables["agreement"]) if unit in a["parties"]]
    if mine:
        assert sorted(dataframe(at, "签订日期")["名称"]) == sorted(a["title"] for a in mine)
    dates = {m["key"]: m["date"] for m in rows(tables["meeting"])}
    invited = [
        a
        for a in rows(tables["attendance"])
        if a["org"] == unit
        and PERIOD[0] <= last_day(dates[a["meeting"]])
        and dates[a["meeting"]] <= PERIOD[1]
    ]
    present = sum(a["status"] == "present" for a in invited)
    absent = sum(a["status"] == "absent" for a in invited)
    assert f"受邀 {len(invited)} 次：出席 {present}" in " ".join(c.value for c in at.caption)
    assert f"缺席 {absent}" in " ".join(c.value for c in at.caption)
    total = sum(a["org"] == unit for a in rows(tables["attendance"]))
    assert f"全部受邀 {total} 次" in " ".join(c.value for c in at.caption)
    assert len(dataframe(at, "参会人员")) == len(invited)  # the table lists what the caption counts


def test_a_unit_is_found_by_its_short_name_and_names_can_be_masked(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    units = tables["organization"]
    posts = tables["post"]
    with_people = units[units["key"].isin(set(posts["org"])) & units["aliases"].map(len).astype(bool)]
    unit = with_people.iloc[0]
    at = app("unit")
    at.text_input(key="unit_q").input(unit["aliases"][0]).run()
    assert at.header[0].value.replace("\\", "") == unit["name"]
    assert at.query_params["unit"] == f"organization:{unit['key']}"
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    names = sorted(people[p] for p in posts.loc[posts["org"] == unit["key"], "person"])
    assert sorted(dataframe(at, "职务")["人员"]) == names
    at.sidebar.toggle[0].set_value(True).run()
    masked = sorted(dataframe(at, "职务")["人员"])
    assert masked == sorted(n[0] + "*" if len(n) == 2 else n[0] + "*" * (len(n) - 2) + n[-1] for n in names)
    assert not set(masked) & set(names)


def test_the_mask_names_setting_masks_every_name_and_cannot_be_switched_off(
    data_dir: Path, tables: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGJIAN_MASK_NAMES", "true")
    posts = tables["post"]
    unit = posts["org"].value_counts().index[0]
    at = app("unit", unit=f"organization:{unit}")
    assert not at.toggle  # no switch to unmask
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    names = {people[p] for p in posts.loc[posts["org"] == unit, "person"]}
    shown = set(dataframe(at, "职务")["人员"])
    assert shown and not shown & names and all("*" in n for n in shown)


# --- cross-appointments -------------------------------------------------------------------


def test_cross_appointments_list_bridging_people_and_ties_per_community(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    at = app("cross")
    start, end = PERIOD
    posts = [p for p in rows(tables["post"]) if overlaps(p["start"], p["end"], start, end)]
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    orgs: dict[str, set[str]] = {}
    for p in posts:
        orgs.setdefault(p["person"], set()).add(p["org"])
    bridging = sorted(people[p] for p, o in orgs.items() if len(o) >= 2)
    assert sorted(dataframe(at, "任职单位数")["人员"]) == bridging
    units = rows(tables["organization"])
    names = {u["key"]: u["name"] for u in units}
    community = next(a for a in rows(tables["area"]) if a["level"] == "community")
    committee = next(
        u["key"] for u in units if u["kind"] == "community_committee" and u["area"] == community["key"]
    )
    members = [
        u["key"]
        for u in units
        if u["area"] == community["key"]
        and u["joined"]
        and u["joined"] <= end
        and u["kind"] not in COMMITTEES
    ]

    def home(p: dict[str, Any]) -> bool:
        return not (p["part_time"] is True or (p["part_time"] is None and "兼职" in p["role"]))

    expected = {}
    for unit in members:
        up = {
            p["person"]
            for p in posts
            if home(p)
            and p["org"] == unit
            and any(q["person"] == p["person"] and q["org"] == committee and not home(q) for q in posts)
        }
        down = {p["person"] for p in posts if home(p) and p["org"] == committee and unit in orgs[p["person"]]}
        expected[names[unit]] = (
            "双向" if up and down else "仅单位→党组织" if up else "仅党组织→单位" if down else "无交叉任职"
        )
    table = dataframe(at, "方向", "党组织")
    shown = table[table["党组织"] == names[committee]]
    assert dict(zip(shown["单位"], shown["方向"], strict=True)) == expected
    assert set(table["层级"]) == {"街道", "社区"}  # every member unit, at each level above it
    levels = dataframe(at, "层级", "双向").set_index("层级")
    assert levels.loc["社区", "共建成员单位"] == levels.loc["街道", "共建成员单位"] == len(table) // 2


# --- query --------------------------------------------------------------------------------


def test_a_named_query_runs_on_the_embedded_store_with_its_form_filled_from_the_scope(
    data_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    areas = rows(tables["area"])
    district = next(a for a in areas if a["level"] == "district")
    street = next(a for a in areas if a["level"] == "street")
    at = app("query", district=district["key"], street=street["key"])
    assert "自由 Cypher 需要 Neo4j" in " ".join(i.value for i in at.info)
    at.selectbox(key="query_name").select("agreements_in_force").run()
    assert at.text_input(key="q_agreements_in_force_area").value == street["key"]
    at.button[0].click().run()
    assert not at.exception
    inside = {street["key"], *(a["key"] for a in areas if a["parent"] == street["key"])}
    where = dict(zip(tables["organization"]["key"], tables["organization"]["area"], strict=True))
    expected = {
        a["key"]
        for a in rows(tables["agreement"])
        if holds_on(a["signed"], a["expires"], PERIOD[1]) and any(where[p] in inside for p in a["parties"])
    }
    shown = dataframe(at, "协议编码")
    assert set(shown["协议编码"]) == expected
    # in the Chinese interface: Chinese column names, no None
    assert all(not c.isascii() for c in shown.columns), list(shown.columns)
    assert not shown.isin([None, "None"]).any().any()
    assert [w.label.split()[0] for w in at.date_input] == ["有效日期"]  # not the parameter's name, on


# --- data ---------------------------------------------------------------------------------

UNITS_CSV = "名称,类型,所属区域\n{name},商户,林海社区\n"


@pytest.fixture
def own_store(city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the S city's store that a test may change."""
    shutil.copy(city / "s.sqlite", tmp_path / "own.sqlite")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "own")
    return tmp_path / "own.sqlite"


def test_an_uploaded_ledger_is_checked_loaded_and_its_unit_shown_as_text(own_store: Path) -> None:
    name = "<img src=x onerror=alert(1)>"
    at = app("data")
    at.file_uploader[0].set_value(("单位.csv", UNITS_CSV.format(name=name).encode(), "text/csv")).run()
    assert "没有发现问题" in at.success[0].value
    at.button(key="load").click().run()
    assert not at.exception
    changes = dataframe(at, "记录类型").set_index("记录类型")
    assert changes.loc["单位", "新增"] == 1 and changes.loc["单位", "未变"] == 0
    store = EmbeddedStore(own_store)
    assert name in set(store.table("organization")["name"])
    store.close()
    at.switch_page("ui/unit.py").run()
    at.text_input(key="unit_q").input("onerror").run()
    header = at.header[0].value
    assert header.replace("\\", "") == name and "\\<img" in header  # markdown-escaped: shown as text


def test_a_bad_ledger_lists_every_problem_and_loads_only_when_asked(own_store: Path) -> None:
    at = app("data")
    bad = "名称,类型,所属区域\n火星商店,火星,林海社区\n好商店,商户,林海社区\n"
    at.file_uploader[0].set_value(("单位.csv", bad.encode(), "text/csv")).run()
    problems = dataframe(at, "问题")
    assert list(problems["值"]) == ["火星"] and list(problems["行"]) == [2]
    assert at.button(key="load").disabled
    at.checkbox(key="skip_bad_rows").check().run()
    at.button(key="load").click().run()
    changes = dataframe(at, "记录类型").set_index("记录类型")
    assert changes.loc["单位", "新增"] == 1


def test_an_unknown_word_is_treated_as_a_term_saved_to_the_vocabulary_and_checked_again(
    own_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vocabulary = tmp_path / "words" / "词表.csv"
    monkeypatch.setenv("GONGJIAN_VOCABULARY", str(vocabulary))
    at = app("data")
    ledger = "名称,类型,所属区域\n林海社区第二党总支,党总支,林海社区\n林海小卖部,门面,林海社区\n好邻居,门面,林海社区\n"
    at.file_uploader[0].set_value(("单位.csv", ledger.encode(), "text/csv")).run()
    assert at.button(key="load").disabled
    assert [s.label for s in at.selectbox if s.key and s.key.startswith("treat_as:")] == [
        "把「党总支」当作",
        "把「门面」当作",
    ]
    assert at.selectbox(key="treat_as:organization.kind:门面").value == "商户"  # the closest term
    assert "也可能是驻区单位自己的党组织" in " ".join(c.value for c in at.caption)
    at.selectbox(key="treat_as:organization.kind:党总支").set_value("社区党委").run()
    at.button(key="treat:organization.kind:党总支").click().run()
    assert not at.exception
    assert vocabulary.read_text(encoding="utf-8-sig").splitlines() == [
        "原词,标准词,列",
        "党总支,社区党委,类型",
    ]
    assert "已记入词表" in at.success[0].value
    assert [s.label for s in at.selectbox if s.key and s.key.startswith("treat_as:")] == ["把「门面」当作"]
    assert at.selectbox(key="treat_as:organization.kind:门面").value == "商户"
    at.button(key="treat:organization.kind:门面").click().run()
    assert any("没有发现问题" in s.value for s in at.success)
    at.button(key="load").click().run()
    store = EmbeddedStore(own_store)
    units = store.table("organization").set_index("name")
    store.close()
    assert units.loc["林海社区第二党总支", "kind"] == "community_committee"
    assert units.loc[["林海小卖部", "好邻居"], "kind"].tolist() == ["shop", "shop"]


def test_ego_networks_and_connections_from_the_tables_match_the_whole_graph(city: Path) -> None:
    """graph.reach follows relationships from the tables; the answers are those of the store's
    whole graph (as the network view filters it)."""
    import networkx as nx

    from graph import reach
    from ui import netview

    store = EmbeddedStore(city / "s.sqlite")
    tables = {name: store.table(name) for name in store.counts()}
    whole = store.view(as_of=PERIOD[1])
    store.close()
    idx = reach.index(tables, *PERIOD)
    graph = netview.in_period(netview.by_types(whole, netview.DEFAULT_TYPES), PERIOD[0])
    people = list(tables["post"]["person"].value_counts().index[:3])
    centers = [f"organization:{k}" for k in tables["attendance"]["org"].value_counts().index[:3]]
    for center in centers + [f"person:{p}" for p in people]:
        for depth in (1, 2, 3):
            mine = reach.ego(idx, center, depth, netview.DEFAULT_TYPES)
            theirs = netview.ego(graph, center, depth)
            assert set(mine.nodes) == set(theirs.nodes)
            assert sorted((u, v, d["type"]) for u, v, d in mine.edges(data=True)) == sorted(
                (u, v, d["type"]) for u, v, d in theirs.edges(data=True)
            )
    ties = ("HOLDS", "PARTY_TO", "ATTENDED", "CONTRIBUTES")
    simple = nx.Graph(netview.in_period(netview.by_types(whole, ties), PERIOD[0]).to_undirected())
    members = [f"organization:{k}" for k in tables["organization"].dropna(subset=["joined"])["key"]]
    for a, b in itertools.pairwise(members[:41]):
        found = reach.path(idx, a, b, ties)
        length = nx.shortest_path_length(simple, a, b) if nx.has_path(simple, a, b) else None
        expected = length if length is not None and length <= 8 else None  # at most 8 steps
        assert (
            None if found is None else nx.shortest_path_length(nx.Graph(found.to_undirected()), a, b)
        ) == expected


# --- on Neo4j -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def neo4j_city(neo4j_server: Any, city: Path) -> Any:
    """The local Neo4j holding the S city (and nothing else)."""
    from neo4j import GraphDatabase

    from graph.neo4j_store import Neo4jStore

    auth = (neo4j_server.user, neo4j_server.password())
    with GraphDatabase.driver(neo4j_server.uri, auth=auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        load(city / "ledger", Neo4jStore(driver, "neo4j"))
    return neo4j_server


@pytest.fixture
def on_neo4j(neo4j_city: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGJIAN_STORE", "neo4j")
    monkeypatch.setenv("GONGJIAN_NEO4J_URI", neo4j_city.uri)
    monkeypatch.setenv("GONGJIAN_NEO4J_USER", neo4j_city.user)
    monkeypatch.setenv("GONGJIAN_NEO4J_PASSWORD", neo4j_city.password())


@pytest.mark.neo4j
def test_on_neo4j_the_overview_shows_the_same_figures(
    on_neo4j: None, tables: dict[str, pd.DataFrame]
) -> None:
    at = app()
    assert at.selectbox(key="store_kind").value == "neo4j"
    metrics = {m.label: m.value for m in at.metric}
    units = rows(tables["organization"])
    c = coverage(tables, units, *PERIOD)
    assert metrics["范围内单位"] == f"{len(units):,}"
    assert metrics["有兼职委员席位"] == f"{len(c['seat']) / len(c['members']):.0%}"


@pytest.mark.neo4j
def test_on_neo4j_free_cypher_runs_read_only_and_draws_what_it_returns(
    on_neo4j: None, tables: dict[str, pd.DataFrame]
) -> None:
    at = app("query")
    assert not any("需要 Neo4j" in i.value for i in at.info)
    statement = "MATCH (p:Person)-[h:HOLDS]->(o:Organization) WHERE h.part_time RETURN p, h, o ORDER BY p.key"
    at.text_area[0].input(statement)  # in a form: sent with the submit
    at.button[1].click().run()
    assert not at.exception
    part_time = tables["post"][tables["post"]["part_time"].map(lambda v: v is True)]
    result = dataframe(at, "p", "h", "o")
    people = dict(zip(tables["person"]["key"], tables["person"]["name"], strict=True))
    assert sorted(result["p"]) == sorted(people[p] for p in part_time["person"])
    drawn = {n["id"] for n in drawn_nodes(at)}
    assert len(drawn) == part_time["person"].nunique() + part_time["org"].nunique()
    at.text_area[0].input("MATCH (n) DETACH DELETE n")
    at.button[1].click().run()
    assert "只允许只读查询" in at.error[0].value
    from neo4j import GraphDatabase

    with GraphDatabase.driver(
        os.environ["GONGJIAN_NEO4J_URI"],
        auth=(os.environ["GONGJIAN_NEO4J_USER"], os.environ["GONGJIAN_NEO4J_PASSWORD"]),
    ) as driver:
        records, _, _ = driver.execute_query("MATCH (p:Person) RETURN count(p) AS n", database_="neo4j")
    assert records[0]["n"] == len(tables["person"])  # nothing was deleted


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# Names of things that have no Chinese word: the server, its language, a setting's value, commands.
NAMES = re.compile(r"`[^`]*`|\b(Neo4j|Cypher|SQLite|LIMIT|store|neo4j|gongjian neo4j start)\b|\w+=\S*")


def interface_words(at: AppTest) -> list[str]:
    """What the interface itself writes on a page (not ledger text): titles, labels of metrics and
    widgets, table columns, notes and errors."""
    found = [str(e.value) for kind in ("title", "info", "warning", "error", "success") for e in at.get(kind)]
    found += [m.label for m in at.metric]
    kinds = ("selectbox", "text_input", "date_input", "checkbox", "radio", "multiselect", "button")
    found += [str(w.label) for kind in kinds for w in at.get(kind)]
    return found + [str(c) for d in at.dataframe for c in d.value.columns]


def foreign(text: str, lang: str) -> bool:
    """Whether an interface text holds words of the other language."""
    if lang == "en":
        return bool(CJK.search(text))
    return bool(re.search(r"[A-Za-z]{2,}", NAMES.sub("", text)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_page_speaks_one_language_errors_included(data_dir: Path, lang: str) -> None:
    for page in ("overview", "network", "unit", "cross", "engagement", "data", "query"):
        at = app(page, lang=lang)  # a fresh session per page: AppTest formats options outside the run
        mixed = [text for text in interface_words(at) if foreign(text, lang)]
        assert not mixed, (page, mixed)
    at.selectbox(key="query_name").select("unit_ties").run()
    at.text_input(key="q_unit_ties_unit").input("").run()
    at.button[0].click().run()  # no unit given: the runner's error, in the interface's language
    errors = [e.value for e in at.error]
    assert errors and not [e for e in errors if foreign(e, lang)], errors
    assert ("缺少参数" if lang == "zh" else "Missing parameter") in errors[0]


@pytest.mark.neo4j
def test_on_neo4j_a_named_query_gives_the_embedded_answer(
    on_neo4j: None, tables: dict[str, pd.DataFrame]
) -> None:
    at = app("query")
    at.selectbox(key="query_name").select("agreements_in_force").run()
    at.button[0].click().run()
    assert not at.exception
    expected = {a["key"] for a in rows(tables["agreement"]) if holds_on(a["signed"], a["expires"], PERIOD[1])}
    assert set(dataframe(at, "协议编码")["协议编码"]) == expected
