"""One figure, one value, wherever it shows: the headline figures (member units, with an
agreement, with a seat, attended, cross-appointed people, a unit's invitations) computed
through every path that shows them, on the S city and on a hand-built ledger; the three levels
of cross-appointment; the change events behind a fall."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from neo4j import Driver
from streamlit.testing.v1 import AppTest

from cli import main
from graph.briefing import write_briefing
from graph.embedded import EmbeddedStore
from graph.engagement import analyse, read_tables
from graph.neo4j_store import Neo4jStore, statement
from graph.queries import run_embedded, run_named
from loaders.ledger import load

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PERIOD, START, END = "2025", "2025-01-01", "2025-12-31"
WINDOW = {"since": START, "until": END}

# 甲区 → 大连湾街道 → 一社区, 二社区, with a committee at each level. The joint body's units
# 大船海工 and 边防派出所 in 一社区; 粥店, 物业公司 and 小店 in 二社区.
# - 大船海工: its secretary 张一 sits on the street committee, the street committee's 李二 on its
#   party committee: two-way at street level.
# - 边防派出所: its head 王三 sits on the street committee (a part-time post left unmarked, with
#   兼职 in the role): one way, unit → committee.
# - 粥店: its manager 赵四 sits on the 二社区 committee, whose deputy secretary 钱五 is on its party
#   branch: two-way at community level.
# - 物业公司: its agreement with 二社区 and its manager's seat both end on 2024-12-31: it falls.
# - 小店: no party organization, no ties. 未加入单位 never joined. The committees carry a 加入日期
#   too: they are the platform, never member units.
LEDGER = {
    "区域": """\
        编码,名称,层级,上级
        D1,甲区,区,
        S1,大连湾街道,街道,D1
        C1,一社区,社区,S1
        C2,二社区,社区,S1
        """,
    "单位": """\
        编码,名称,类型,所属区域,是否建立党组织,党员人数,加入日期
        DC,甲区区域化党建指导委员会,区域化党建指导委员会,D1,是,,2018-01-01
        SC,大连湾街道党工委,街道党工委,S1,是,,2018-01-01
        CC1,一社区党委,社区党委,C1,是,20,2018-01-01
        CC2,二社区党委,社区党委,C2,是,15,2018-01-01
        HG,大船海工,国企,C1,是,300,2019-01-01
        BF,边防派出所,军警单位,C1,是,40,2019-01-01
        ZD,粥店,商户,C2,是,3,2020-01-01
        WY,物业公司,物业公司,C2,是,5,2020-01-01
        XD,小店,商户,C2,否,,2021-06-01
        NN,未加入单位,商户,C1,否,,
        """,
    "人员": """\
        编码,姓名
        PA,张一
        PB,李二
        PC,王三
        PD,赵四
        PE,钱五
        PF,孙六
        PS,周七
        PK,吴八
        PL,郑九
        """,
    "任职": """\
        人员,单位,职务,是否兼职,任职日期,离任日期
        PS,SC,书记,否,2018-01-01,
        PB,SC,委员,否,2018-01-01,
        PB,HG,党委委员,是,2020-01-01,
        PA,HG,党委书记,否,2019-01-01,
        PA,SC,兼职委员,是,2020-01-01,
        PC,BF,所长,否,2019-01-01,
        PC,SC,兼职委员,,2020-06-01,
        PK,CC2,书记,否,2018-01-01,
        PE,CC2,副书记,否,2018-01-01,
        PE,ZD,党支部委员,是,2021-01-01,
        PD,ZD,店长,否,2020-01-01,
        PD,CC2,兼职委员,是,2021-01-01,
        PF,WY,经理,否,2020-01-01,
        PF,CC2,兼职委员,是,2020-03-01,2024-12-31
        PL,DC,委员,否,2018-01-01,
        """,
    "共建协议": """\
        编码,名称,签订日期,参与单位,到期日期
        G1,大连湾军警地企党建联合体共建协议,2019-06-01,SC、HG、BF,
        G2,二社区共建协议,2025-04-01,CC2、ZD,2027-03-31
        G3,二社区物业共建协议,2022-01-01,CC2、WY,2024-12-31
        """,
    "联席会议": """\
        编码,名称,召开日期,层级,主办单位
        M1,2024年第一季度街道联席会议,2024-03-10,街道,SC
        M2,2024年第三季度二社区联席会议,2024-09-10,社区,CC2
        M3,2025年第一季度街道联席会议,2025-03-10,街道,SC
        M4,2025年第二季度二社区联席会议,2025-05-10,社区,CC2
        M5,2025年第三季度街道联席会议,2025-09-10,街道,SC
        M7,2025年第四季度街道联席会议,2025-11-10,街道,SC
        M6,2025年第四季度二社区联席会议,2025-12-10,社区,CC2
        """,
    "参会": """\
        会议,单位,出席情况,人员
        M1,HG,出席,PA
        M1,BF,出席,PC
        M2,WY,出席,PF
        M2,ZD,出席,PD
        M2,XD,出席,
        M3,HG,出席,PA
        M3,BF,缺席,
        M4,ZD,代参,
        M4,WY,缺席,
        M4,XD,请假,
        M5,HG,缺席,
        M5,BF,请假,
        M7,HG,出席,PA
        M7,BF,缺席,
        M6,ZD,出席,PD
        M6,WY,缺席,
        M6,XD,出席,
        """,
    "项目": """\
        编码,名称,类别,状态,开始日期,完成日期,参与单位,社区
        P1,一社区2025年助老项目,为民服务,已办结,2025-02-01,2025-05-01,HG,C1
        """,
    "报到": """\
        社区,报到日期,人员,单位
        C1,2019-02-01,,HG
        C1,2019-02-01,,BF
        C2,2020-02-01,,ZD
        C2,2020-02-01,,WY
        """,
}
# What the hand-built ledger holds in 2025, counted by hand.
HAND = {"members": 5, "agreement": 3, "seat": 3, "attended": 3, "cross_people": 5, "invitations": 3}


@dataclass
class Ledger:
    name: str
    folder: Path  # holds s.sqlite, the embedded store
    ledger: Path
    unit: str  # the unit whose invitations are counted


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    folder = tmp_path_factory.mktemp("hand")
    ledger = folder / "ledger"
    ledger.mkdir()
    for sheet, text in LEDGER.items():
        (ledger / f"{sheet}.csv").write_text(textwrap.dedent(text), encoding="utf-8")
    store = EmbeddedStore(folder / "s.sqlite")
    load(ledger, store)
    store.close()
    return Ledger("hand", folder, ledger, "HG")


@pytest.fixture(params=["S", "hand"], scope="module")
def ledger(request: pytest.FixtureRequest) -> Ledger:
    if request.param == "hand":
        found: Ledger = request.getfixturevalue("hand")
        return found
    city: Path = request.getfixturevalue("city")
    truth = json.loads((city / "ledger" / "truth.json").read_text(encoding="utf-8"))
    return Ledger("S", city, city / "ledger", next(iter(truth["under_engaged"].values()))["code"])


@pytest.fixture
def settings_for(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(ledger.folder))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "s")
    monkeypatch.delenv("GONGJIAN_STORE", raising=False)
    return ledger


@pytest.fixture
def neo4j_loaded(ledger: Ledger, neo4j_driver: Driver) -> Iterator[Driver]:
    with neo4j_driver.session() as session:
        session.run(statement("clear")).consume()
    load(ledger.ledger, Neo4jStore(neo4j_driver))
    yield neo4j_driver


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"period": "2025Q1~2025Q4", **params})
    at.run()
    if name:
        at.switch_page(f"ui/{name}.py").run()
    assert not at.exception, at.exception
    return at


def number(text: str) -> int:
    return int(text.replace(",", ""))


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def without(rows: tuple[tuple[Any, ...], ...], members: int) -> dict[str, int]:
    """The figures units_without gives: members less the units lacking each."""
    return {
        f: members - sum(bool(r[6 + i]) for r in rows)
        for i, f in enumerate(("agreement", "seat", "attended"))
    }


@pytest.mark.neo4j
def test_every_path_shows_the_same_headline_figures(
    settings_for: Ledger, neo4j_loaded: Driver, tmp_path: Path
) -> None:
    ledger, unit = settings_for, settings_for.unit
    seen: dict[str, dict[str, int]] = {}

    at = page("")
    metrics = {m.label: m.value for m in at.metric}
    shares = [
        number(c.value.split(" / ")[0]) for c in at.caption if re.fullmatch(r"[\d,]+ / [\d,]+", c.value)
    ]
    by_area = next(d.value for d in at.dataframe if {"单位数", "共建成员单位"} <= set(d.value.columns))
    seen["overview"] = dict(zip(("agreement", "seat", "attended"), shares[:3], strict=True))
    seen["overview"]["members"] = number(metrics["共建成员单位"])
    seen["overview by area"] = {"members": int(by_area["共建成员单位"].sum())}

    at = page("cross")
    metrics = {m.label: m.value for m in at.metric}
    seen["交叉任职"] = {
        "members": number(metrics["共建成员单位"]),
        "seat": number(metrics["有兼职委员席位的成员单位"]),
        "cross_people": number(metrics["交叉任职人员"]),
    }

    at = page("unit", unit=f"organization:{unit}")
    caption = next(c.value for c in at.caption if c.value.startswith("时段内受邀"))
    meetings = next(d.value for d in at.dataframe if {"状态", "参会人员"} <= set(d.value.columns))
    seen["unit page"] = {"invitations": int(re.match(r"时段内受邀 (\d+) 次", caption)[1])}  # type: ignore[index]
    seen["unit page table"] = {"invitations": len(meetings)}

    store = EmbeddedStore(ledger.folder / "s.sqlite")
    try:
        tables = read_tables(store)
        graph = store.view()
    finally:
        store.close()
    result = analyse(tables, PERIOD, with_structure=False)
    ranked = result.ranked.set_index("key")
    seen["engagement"] = {**result.figures, "invitations": int(ranked.loc[unit, "meetings_invited"])}

    stats = cli("stats")
    seen["stats"] = {"members": sum(r["members"] for r in stats["units_by_area"])}
    cross = cli("cross", "--period", PERIOD)
    seen["cross"] = {
        "members": cross["member_units"],
        "seat": cross["with_seat"],
        "cross_people": cross["cross_appointed_people"],
    }
    per_unit: dict[str, set[str]] = {}
    for row in cross["rows"]:
        people = per_unit.setdefault(row["unit_key"], set())
        people.update(p["key"] for p in row["unit_to_committee"] + row["committee_to_unit"])
    assert {k: len(v) for k, v in per_unit.items()} == ranked["tied_people"].to_dict()

    members = seen["engagement"]["members"]
    for store_name, answer in (
        ("embedded", lambda q, v: run_embedded(graph, q, v)),
        ("neo4j", lambda q, v: run_named(neo4j_loaded, "neo4j", q, v)),
    ):
        lacking = answer("units_without", {"area": "", **WINDOW})
        attendance = answer("unit_attendance", {"unit": unit, **WINDOW})
        seen[f"queries on {store_name}"] = {
            **without(lacking.rows, members),
            "invitations": sum(r[3] for r in attendance.rows),
        }

    sheet = openpyxl.load_workbook(write_briefing(result, tmp_path / "简报.xlsx"))["简报"]
    cells = [(r[0].value, r[1].value) for r in sheet.iter_rows() if len(r) > 1]
    figures = dict(cells[[c[0] for c in cells].index("主要数字") + 1 :])
    seen["briefing"] = {
        "members": figures["共建成员单位"],
        "agreement": figures["有在期共建协议的成员单位"],
        "seat": figures["有兼职委员席位的成员单位"],
        "attended": figures["参加过联席会议的成员单位"],
        "cross_people": figures["交叉任职人员"],
    }

    values: dict[str, set[int]] = {}
    for shown in seen.values():
        for figure, value in shown.items():
            values.setdefault(figure, set()).add(value)
    assert all(len(v) == 1 for v in values.values()), seen
    agreed = {f: v.pop() for f, v in values.items()}
    assert set(agreed) == set(HAND)
    if ledger.name == "hand":
        assert agreed == HAND
    else:
        assert all(0 < agreed[f] < agreed["members"] for f in ("agreement", "seat", "attended"))
        assert agreed["invitations"] > 0


# --- the three levels ---------------------------------------------------------------------------


def test_the_hand_ledger_gives_exactly_its_ties_at_each_level(
    hand: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(hand.folder))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "s")
    expected = {
        ("大船海工", "street", "大连湾街道党工委", "both", ("张一",), ("李二",)),
        ("边防派出所", "street", "大连湾街道党工委", "unit_to_committee", ("王三",), ()),
        ("粥店", "community", "二社区党委", "both", ("赵四",), ("钱五",)),
    }
    rows = cli("cross", "--period", PERIOD)["rows"]
    tied = {
        (r["unit"], r["level"], r["committee"], r["direction"],
         tuple(p["name"] for p in r["unit_to_committee"]), tuple(p["name"] for p in r["committee_to_unit"]))
        for r in rows
        if r["direction"] != "none"
    }  # fmt: skip
    assert tied == expected
    # every member unit has a row for each committee above it: district, street, community
    assert len(rows) == 5 * 3 and {r["level"] for r in rows} == {"district", "street", "community"}
    assert {r["unit"] for r in rows} == {"大船海工", "边防派出所", "粥店", "物业公司", "小店"}

    at = page("cross")
    table = next(d.value for d in at.dataframe if {"方向", "单位→党组织（人员）"} <= set(d.value.columns))
    words = {"both": "双向", "unit_to_committee": "仅单位→党组织"}
    levels = {"street": "街道", "community": "社区"}
    shown = {
        (r["单位"], r["层级"], r["党组织"], r["方向"], r["单位→党组织（人员）"], r["党组织→单位（人员）"])
        for r in table.to_dict("records")
        if r["方向"] != "无交叉任职"
    }
    assert shown == {
        (u, levels[lv], c, words[d], "、".join(up), "、".join(down)) for u, lv, c, d, up, down in expected
    }


def test_an_agreement_and_a_seat_ending_at_the_turn_of_the_year_explain_the_fall(
    hand: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(hand.folder))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "s")
    changes = cli("changes", "--period", PERIOD)
    mine = [(e["event"], e["zh"]) for e in changes["events"] if e["unit"] == "WY"]
    assert mine == [
        ("agreement_expired", "协议“二社区物业共建协议”于2024-12-31到期"),
        ("seat_ended", "二社区党委兼职委员任期于2024-12-31结束"),
    ]
    assert not [
        e for e in cli("changes", "--period", "2024")["events"] if e["unit"] == "WY"
    ]  # not a 2024 change
    assert changes["counts"]["meetings_missed"] == 1  # 边防派出所: absent, excused, absent

    units = {u["key"]: u for u in cli("engagement", "--period", PERIOD, "--all")["units"]}
    assert units["WY"]["declined"]
    assert units["WY"]["reasons_zh"].startswith(
        "得分由2024年的97降至14；协议“二社区物业共建协议”于2024-12-31到期；二社区党委兼职委员任期于2024-12-31结束；"
    )
    assert not units["HG"]["reasons_zh"]  # nothing fell, nothing to explain
