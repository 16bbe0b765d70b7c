"""Finding under-engaged units: a hand-built ledger checked to the letter, the synthetic cities
checked against their truth, and every reason checked against the store's own tables."""

from __future__ import annotations

import json
import math
import random
import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from graph.engagement import (
    INDICATORS,
    SETTINGS_FILE,
    Period,
    Result,
    Rule,
    Settings,
    engagement,
    indicator_table,
    load_settings,
    parse_settings,
    to_records,
)
from graph.errors import AnalysisError, SettingsError
from loaders.ledger import load
from synthetic.city import generate

# --- a hand-built ledger ------------------------------------------------------------------
#
# One street, two communities, five state-owned enterprises (A, B, C, F, G) and a shop (D):
# A, C and G take part as usual; B takes no part since August 2023; F took part in 2024 and
# stopped in 2025; D joined in September 2025. H is a resident unit that never joined.

LEDGER = {
    "区域": """\
        编码,名称,层级,上级
        D1,中山区,区,
        S1,葵英街道,街道,D1
        C1,林海社区,社区,S1
        C2,景园社区,社区,S1
        """,
    "单位": """\
        编码,名称,类型,所属区域,是否建立党组织,党员人数,加入日期
        ST,葵英街道党工委,街道党工委,S1,是,,
        CC1,林海社区党委,社区党委,C1,是,30,
        CC2,景园社区党委,社区党委,C2,是,20,
        A,甲公司,国企,C1,是,10,2018-05-01
        B,乙公司,国企,C1,是,20,2019-03-15
        C,丙公司,国企,C2,是,8,2017-01-01
        F,戊公司,国企,C2,是,4,2020-06-01
        G,庚公司,国企,C1,是,6,2016-01-01
        D,丁店,商户,C2,否,,2025-09-10
        H,己店,商户,C1,否,,
        """,
    "人员": """\
        编码,姓名,是否党员
        PA,张三,是
        PB,李四,是
        PC,王五,是
        PF,赵六,是
        PG,孙七,是
        PK,周八,是
        PS,吴九,是
        PD,郑十,否
        PA2,冯一,是
        PA3,陈二,是
        PC2,褚三,是
        PF2,卫四,是
        PG2,蒋五,是
        """,
    "任职": """\
        人员,单位,职务,是否兼职,任职日期
        PS,ST,书记,否,2016-01-01
        PK,CC2,委员,否,2016-01-01
        PA,A,党委书记,否,2018-06-01
        PA,CC1,兼职委员,是,2019-01-01
        PB,B,党支部书记,否,2019-04-01
        PC,C,党支部书记,否,2017-02-01
        PC,ST,兼职委员,是,2018-01-01
        PK,C,兼职委员,是,2020-01-01
        PF,F,党支部书记,否,2020-07-01
        PF,CC2,兼职委员,是,2020-09-01
        PG,G,党委书记,否,2016-02-01
        PG,CC1,兼职委员,是,2016-06-01
        PD,D,负责人,否,2025-09-10
        """,
    "共建协议": """\
        编码,名称,签订日期,参与单位,到期日期
        G1,葵英街道共建协议（2023年）,2023-01-10,ST、A、C、F、G,2026-01-09
        G2,林海社区共驻共建协议书,2020-05-01,CC1、B,2023-04-30
        """,
    "联席会议": """\
        编码,名称,召开日期,层级,主办单位
        M0,2023年第三季度联席会议,2023-08-15,街道,ST
        M1,2024年第一季度联席会议,2024-03-10,街道,ST
        M2,2024年第三季度联席会议,2024-09-10,街道,ST
        M3,2025年第一季度联席会议,2025-03-10,街道,ST
        M4,2025年第二季度联席会议,2025-06-10,街道,ST
        M5,2025年第三季度联席会议,2025-09-20,街道,ST
        M6,2025年第四季度联席会议,2025-12-10,街道,ST
        """,
    "参会": """\
        会议,单位,出席情况,人员
        M0,A,出席,
        M0,B,出席,
        M0,C,出席,
        M0,F,出席,
        M0,G,出席,
        M1,A,出席,PA
        M1,B,缺席,
        M1,C,出席,
        M1,F,出席,PF
        M1,G,出席,
        M2,A,出席,
        M2,B,缺席,
        M2,C,出席,PC
        M2,F,出席,
        M2,G,出席,PG
        M3,A,出席,PA
        M3,B,缺席,
        M3,C,出席,
        M3,F,缺席,
        M3,G,出席,
        M4,A,出席,
        M4,B,请假,
        M4,C,出席,PC
        M4,F,缺席,
        M4,G,出席,
        M5,A,出席,
        M5,B,缺席,
        M5,C,出席,
        M5,F,请假,
        M5,G,出席,PG
        M6,A,代参,
        M6,B,缺席,
        M6,C,出席,
        M6,F,缺席,
        M6,G,出席,
        M6,D,出席,PD
        """,
    "项目": """\
        编码,名称,类别,状态,开始日期,完成日期,参与单位,社区
        P1,林海社区2025年助老项目,为民服务,已办结,2025-03-01,2025-06-30,A,C1
        P2,景园社区2025年供暖问题,热点难点问题,已办结,2025-04-01,2025-10-31,A、C,C2
        P3,景园社区2025年读书角,文化活动,领办中,2025-05-01,,C,C2
        P4,景园社区2024年义诊,为民服务,已办结,2024-03-01,2024-05-01,F,C2
        P5,景园社区2024年环境整治,环境整治,已办结,2024-06-01,2024-08-01,F、C,C2
        P6,林海社区2024年照明,为民服务,已办结,2024-04-01,2024-11-30,A,C1
        P7,林海社区2025年法律咨询,为民服务,已办结,2025-02-01,2025-04-30,G,C1
        P8,林海社区2024年法律咨询,为民服务,已办结,2024-02-01,2024-04-30,G,C1
        """,
    "需求": """\
        编码,名称,社区,类别,状态,发布日期
        N1,林海社区2025年楼道照明改造,C1,环境整治,待认领,2025-02-01
        N2,林海社区2025年助残康复,C1,助老助残,待认领,2025-05-01
        """,
    "资源": """\
        编码,名称,单位,类别,发布日期
        R1,会议室开放,A,场地,2023-05-01
        R2,党员志愿服务队,C,志愿服务,2024-02-01
        R3,义诊服务,F,人才,2024-03-01
        R4,技能培训讲师,G,人才,2022-01-01
        """,
    "报到": """\
        社区,报到日期,人员,单位
        C1,2018-05-10,,A
        C1,2019-03-20,,B
        C2,2017-01-05,,C
        C2,2020-06-10,,F
        C1,2016-01-10,,G
        C1,2025-01-15,PA2,A
        C1,2025-02-10,PA3,A
        C2,2025-03-01,PC2,C
        C2,2024-02-01,PF2,F
        C1,2025-03-01,PG2,G
        """,
}


def write_ledger(folder: Path) -> Path:
    """The hand-built ledger as a folder of CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, text in LEDGER.items():
        (folder / f"{sheet}.csv").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    tmp = tmp_path_factory.mktemp("hand")
    store = EmbeddedStore(tmp / "s.sqlite")
    load(write_ledger(tmp / "ledger"), store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def hand(hand_store: EmbeddedStore) -> Result:
    return engagement(hand_store, "2025", settings=Settings())


NAN = float("nan")
COLUMNS = [i.name for i in INDICATORS]
# meetings_invited, meetings_attended, attendance_rate, agreements, seat, seat_attends,
# cross_appointed, projects_claimed, projects_completed, problems_closed, resources_offered,
# registered, member_registration, months_inactive
EXPECTED_2025 = {
    "A": [4, 3.5, 0.875, 1, 1, 1, 1, 2, 2, 1, 1, 1, 0.2, 0],
    "B": [4, 0, 0.0, 0, 0, NAN, 0, 0, 0, 0, 0, 1, 0.0, 28],
    "C": [4, 4, 1.0, 1, 1, 1, 2, 2, 1, 1, 1, 1, 0.125, 0],
    "D": [1, 1, 1.0, 0, NAN, NAN, NAN, 0, 0, 0, 0, 0, NAN, 0],
    "F": [4, 0, 0.0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0.0, 15],
    "G": [4, 4, 1.0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1 / 6, 0],
}

B_REASONS = [
    "2025年应参加联席会议4次，实际0次（出席率0%，同街道同类单位中位数88%）",
    "2025年无在期共建协议（同街道同类单位中位数1份）",
    "2025年领办项目0个（同街道同类单位中位数1个）",
    "自2023年9月起无任何活动（最近一次：2023年8月15日出席联席会议）",
    "有党组织，但2025年无人在所在社区、街道或区的党组织担任兼职委员（同街道同类单位中80%有席位）",
    "2025年交叉任职0人（同街道同类单位中位数1人）",
    "2025年办结项目0个（同街道同类单位中位数1个）",
    "截至2025年12月31日资源清单中提供资源0项（同街道同类单位中位数1项）",
    "2025年在职党员到社区报到0人，党员20人，报到率0%（同街道同类单位中位数12%）",
]
B_REASONS_EN = [
    "2025: invited to 4 joint meetings, attended 0 (0%, median of peers of its kind in its street: 88%)",
    "no co-building agreement in force in 2025 (median of peers of its kind in its street: 1)",
    "0 projects claimed in 2025 (median of peers of its kind in its street: 1)",
    "no activity of any kind since September 2023 (the last: 2023-08-15, attended a joint meeting)",
    "has a party organization but none of its people held a part-time seat on a committee above it in 2025 "
    "(80% of peers of its kind in its street do)",
    "0 cross-appointed people in 2025 (median of peers of its kind in its street: 1)",
    "0 projects completed in 2025 (median of peers of its kind in its street: 1)",
    "0 resources on the resource list on 2025-12-31 (median of peers of its kind in its street: 1)",
    "0 of its 20 party members registered with a community in 2025: 0% "
    "(median of peers of its kind in its street: 12%)",
]
F_REASONS = [
    "得分由2024年的100降至40",
    "连续4次未出席联席会议（2025-03-10至2025-12-10）",  # what it lost in the period (graph.changes)
    "2025年应参加联席会议4次，实际0次（出席率0%，同街道同类单位中位数88%）",
    "2025年领办项目0个（同街道同类单位中位数1个）",
    "自2024年10月起无任何活动（最近一次：2024年9月10日出席联席会议）",
    "本单位兼职委员2025年未出席联席会议",
    "2025年办结项目0个（同街道同类单位中位数1个）",
    "2025年在职党员到社区报到0人，党员4人，报到率0%（同街道同类单位中位数12%）",
]


def by_key(result: Result) -> pd.DataFrame:
    return result.ranked.set_index("key")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b)


@pytest.mark.parametrize("key", sorted(EXPECTED_2025))
def test_every_indicator_of_the_hand_built_ledger(hand: Result, key: str) -> None:
    row = by_key(hand).loc[key, COLUMNS]
    got = [float(v) for v in row]
    assert all(same(g, e) for g, e in zip(got, EXPECTED_2025[key], strict=True)), dict(
        zip(COLUMNS, got, strict=True)
    )


def test_only_member_units_are_ranked(hand: Result) -> None:
    assert sorted(hand.ranked["key"]) == ["A", "B", "C", "D", "F", "G"]  # not H, nor the committees
    assert list(hand.ranked["rank"]) == [1, 2, 3, 4, 5, 6]
    assert list(hand.ranked["key"][:2]) == ["B", "F"]  # lowest score first


def test_scores_flags_and_reasons(hand: Result) -> None:
    r = by_key(hand)
    assert r.loc["B", "score"] == 8.1  # 100 × (registered 1 + months 2 × 3/28) / 15
    assert r.loc["F", "score"] == 40.0  # 100 × (2 + 1 + 1 + 1 + 1 + 2 × 3/15) / 16
    assert list(r.loc[["A", "C", "G", "D"], "score"]) == [100.0, 100.0, 100.0, 100.0]
    assert r.loc["B", "score_before"] == 9.8
    assert r.loc["F", "score_before"] == 100.0
    assert r["flagged"].to_dict() == {"B": True, "F": False, "A": False, "C": False, "D": False, "G": False}
    assert r["declined"].to_dict() == {"B": False, "F": True, "A": False, "C": False, "D": False, "G": False}
    assert r.loc["B", "reasons_zh"].split("；") == B_REASONS
    assert r.loc["B", "reasons_en"].split("; ") == B_REASONS_EN
    assert r.loc["F", "reasons_zh"].split("；") == F_REASONS
    assert r.loc[["A", "C", "D", "G"], "reasons_zh"].tolist() == ["", "", "", ""]


def test_a_new_member_is_not_judged_on_what_needs_time(hand: Result) -> None:
    r = by_key(hand)
    assert r.loc["D", "new_member"] and not r.loc["D", "flagged"]
    assert r.loc["D", "agreements"] == 0 and r.loc["D", "registered"] == 0  # shown, not held against it
    assert bool(r["new_member"].sum() == 1)


def test_peer_medians_for_the_chart(hand: Result) -> None:
    medians = hand.peer_median.loc["B"]
    assert medians["attendance_rate"] == 0.875
    assert medians["projects_claimed"] == 1
    assert medians["member_registration"] == 0.125
    assert medians["months_inactive"] == 0


def test_suggestions(hand: Result) -> None:
    assert hand.suggestions.to_dict("records") == [
        {
            "key": "B",
            "name": "乙公司",
            "order": 1,
            "action": "need",
            "target": "N1",
            "target_name": "林海社区2025年楼道照明改造",
            "zh": "认领林海社区待认领需求“林海社区2025年楼道照明改造”（环境整治）：本单位类型（国企）可满足",
            "en": "claim the open need “林海社区2025年楼道照明改造” (环境整治) of 林海社区: "
            "units of its kind (state-owned enterprise) can meet it",
        },
        {
            "key": "B",
            "name": "乙公司",
            "order": 2,
            "action": "peer",
            "target": "A",
            "target_name": "甲公司",
            "zh": "与同社区同类单位甲公司结对共建（得分100，2025年出席联席会议3.5/4次、领办项目2个）",
            "en": "pair with 甲公司, a unit of its kind in its community (score 100; in 2025 attended 3.5 of 4 "
            "joint meetings, claimed 2 projects)",
        },
        {
            "key": "B",
            "name": "乙公司",
            "order": 3,
            "action": "seat",
            "target": "CC1",
            "target_name": "林海社区党委",
            "zh": "推荐本单位负责人担任林海社区党委兼职委员：本单位有党组织但无兼职委员席位",
            "en": "propose its leader as a part-time member of 林海社区党委: "
            "it has a party organization but no committee seat",
        },
    ]


def test_changes_since_the_previous_period(hand: Result) -> None:
    changes = hand.changes.set_index("key")
    assert list(hand.changes["key"][:2]) == ["F", "B"]  # the largest fall first
    assert changes.loc["F", ["score_before", "score", "change"]].tolist() == [100.0, 40.0, -60.0]
    assert changes.loc["F", ["attendance_rate_before", "attendance_rate"]].tolist() == [1.0, 0.0]
    assert changes.loc["F", ["projects_claimed_before", "projects_claimed"]].tolist() == [2.0, 0.0]
    assert bool(changes.loc["B", "flagged_before"]) and not bool(changes.loc["F", "flagged_before"])
    assert hand.summary == {
        "period": "2025",
        "previous": "2024",
        "area": "全部",
        "units": 6,
        "flagged": 1,
        "flagged_by_rule": 0,
        "declined": 1,
        "new_members": 1,
        "median_score": 100.0,
        "flagged_before": 1,
        "newly_flagged": 0,
        "no_longer_flagged": 0,
        "fell_10_or_more": 1,
    }


def test_a_hard_rule_flags_outright_with_its_reason(hand_store: EmbeddedStore) -> None:
    settings = Settings(rules=(Rule("member_registration", below=0.15),))
    r = by_key(engagement(hand_store, "2025", settings=settings, with_structure=False))
    assert r["flagged"].to_dict() == {"B": True, "F": True, "C": True, "A": False, "G": False, "D": False}
    assert r.loc["C", "rules"] == "member_registration"
    assert r.loc["C", "reasons_zh"] == "在职党员报到率12%，低于规定的15%"
    assert r.loc["C", "reasons_en"] == "Members registered 12%, below the required 15%"
    assert r.loc["F", "reasons_zh"].startswith(
        "在职党员报到率0%，低于规定的15%；连续4次未出席联席会议（2025-03-10至2025-12-10）；2025年应参加联席会议4次"
    )
    assert "在职党员到社区报到" not in r.loc["F", "reasons_zh"]  # said once, by the rule
    assert not r.loc["D", "flagged"]  # a unit without a party organization: the rule does not apply


def test_months_inactive_rule(hand_store: EmbeddedStore) -> None:
    settings = Settings(rules=(Rule("months_inactive", above=12),))
    r = by_key(engagement(hand_store, "2025", settings=settings, with_structure=False))
    assert r.loc["F", "flagged"] and not r.loc["F", "declined"]
    assert r.loc["F", "reasons_zh"].startswith(
        "连续15个月无任何活动，超过规定的12个月；连续4次未出席联席会议（2025-03-10至2025-12-10）；"
    )


def test_without_declines_every_low_unit_is_flagged(hand_store: EmbeddedStore) -> None:
    r = by_key(engagement(hand_store, "2025", settings=Settings(declined_from=101), with_structure=False))
    assert r["flagged"].sum() == 2 and r.loc["F", "flagged"]


def test_a_quarter(hand_store: EmbeddedStore) -> None:
    r = by_key(engagement(hand_store, "2025Q3", settings=Settings(), with_structure=False))
    assert r.loc["A", ["meetings_invited", "meetings_attended"]].tolist() == [1, 1]  # M5
    assert r.loc["B", "months_inactive"] == 25  # August 2023 to September 2025
    assert r.loc["D", "joined"] == "2025-09-10" and bool(r.loc["D", "new_member"])


def test_an_area_by_name_or_key(hand_store: EmbeddedStore) -> None:
    by_name = engagement(hand_store, "2025", area="景园社区", settings=Settings(), with_structure=False)
    assert (by_name.area, by_name.area_name) == ("C2", "景园社区")
    assert sorted(by_name.ranked["key"]) == ["C", "D", "F"]
    by_key_ = engagement(hand_store, "2025", area="C2", settings=Settings(), with_structure=False)
    assert by_key_.ranked.equals(by_name.ranked)  # peers are still the whole street
    with pytest.raises(AnalysisError, match="林海社区"):
        engagement(hand_store, "2025", area="林海", settings=Settings())


def test_the_structure_columns(hand: Result) -> None:
    r = by_key(hand)
    assert r.loc[["A", "B", "C", "D", "F", "G"], "degree"].tolist() == [5, 0, 5, 0, 5, 5]
    assert r.loc[["A", "B", "C", "D", "F", "G"], "platform_people"].tolist() == [1, 0, 2, 0, 1, 1]
    assert r.loc[["A", "B", "C", "D", "F", "G"], "single_point"].tolist() == [
        True,
        False,
        False,
        False,
        True,
        True,
    ]
    assert r.loc[["A", "B", "C", "D", "F", "G"], "connected"].tolist() == [
        True,
        False,
        True,
        False,
        True,
        True,
    ]
    assert hand.structure is not None
    assert hand.structure.cut_people[["person", "name", "units"]].to_dict("records") == [
        {"person": "PA", "name": "张三", "units": ["A"]},
        {"person": "PF", "name": "赵六", "units": ["F"]},
        {"person": "PG", "name": "孙七", "units": ["G"]},
    ]


def test_records_are_json(hand: Result) -> None:
    data = json.loads(json.dumps(to_records(hand), ensure_ascii=False, allow_nan=False))
    assert data["period"] == "2025" and data["summary"]["flagged"] == 1
    assert [u["key"] for u in data["units"]][:2] == ["B", "F"]
    assert data["units"][0]["seat_attends"] is None
    assert {i["indicator"] for i in data["indicators"]} == set(COLUMNS)
    assert len(data["suggestions"]) == 3 and data["structure"]["cut_people"][0]["person"] == "PA"


# --- periods, settings, the indicator table ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end", "previous", "zh"),
    [
        ("2025", "2025", date(2025, 1, 1), date(2025, 12, 31), "2024", "2025年"),
        (2024, "2024", date(2024, 1, 1), date(2024, 12, 31), "2023", "2024年"),
        ("2025Q3", "2025Q3", date(2025, 7, 1), date(2025, 9, 30), "2025Q2", "2025年第三季度"),
        ("2025q1", "2025Q1", date(2025, 1, 1), date(2025, 3, 31), "2024Q4", "2025年第一季度"),
        ("2024-Q4", "2024Q4", date(2024, 10, 1), date(2024, 12, 31), "2024Q3", "2024年第四季度"),
    ],
)
def test_periods(text: str | int, label: str, start: date, end: date, previous: str, zh: str) -> None:
    period = Period.parse(text)
    assert (period.label, period.start, period.end, period.previous().label, period.zh) == (
        label,
        start,
        end,
        previous,
        zh,
    )


@pytest.mark.parametrize("text", ["2025-3", "Q3", "2025Q5", "二〇二五"])
def test_bad_periods_say_how_to_write_one(text: str) -> None:
    with pytest.raises(AnalysisError, match="2025Q3"):
        Period.parse(text)


def test_the_shipped_settings_file_is_the_defaults() -> None:
    assert load_settings(SETTINGS_FILE) == Settings()
    text = SETTINGS_FILE.read_text(encoding="utf-8")
    for ind in INDICATORS:
        assert (f"\n{ind.name} = " in text) == ind.scored, ind.name  # every weight is in the file


def test_settings_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    path.write_text(
        '[score]\nflag_below = 40\n[weights]\nagreements = 5\n[[rules]]\nindicator = "registered"\nbelow = 1\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.flag_below == 40 and settings.weights["agreements"] == 5
    assert settings.weights["attendance_rate"] == 3  # kept from the defaults
    assert settings.rules == (Rule("registered", below=1),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scores": {}}, r"\[score\]"),
        ({"score": {"flag": 3}}, "flag_below"),
        ({"weights": {"meetings_invited": 1}}, "not a scored indicator"),
        ({"weights": {"agreements": -1}}, "≥ 0"),
        ({"rules": [{"indicator": "nothing", "below": 1}]}, "attendance_rate"),
        ({"rules": [{"indicator": "registered"}]}, "exactly one of below"),
    ],
)
def test_bad_settings_say_what_to_fix(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings(data)


def test_the_indicator_table() -> None:
    table = indicator_table(Settings())
    assert list(table["indicator"]) == COLUMNS
    assert table["zh"].str.len().min() > 0 and table["definition_en"].str.len().min() > 20
    assert table.set_index("indicator").loc["attendance_rate", "weight"] == 3
    assert table.set_index("indicator")["party_only"].to_dict()["member_registration"]


# --- the synthetic cities ----------------------------------------------------------------


def city_store(tmp: Path, scale: str) -> tuple[EmbeddedStore, dict[str, Any]]:
    folder = tmp / "city"
    generate(scale, 42, folder)
    store = EmbeddedStore(tmp / "s.sqlite")
    load(folder, store)
    return store, json.loads((folder / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["S", "M"])
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store, truth = city_store(tmp_path_factory.mktemp(f"city-{request.param}"), request.param)
    yield store, truth, engagement(store, "2025", settings=Settings())
    store.close()


def codes(cases: dict[str, Any]) -> set[str]:
    return {case["code"] for case in cases.values()}


def test_the_planted_units_are_found(city: Any) -> None:
    _, truth, result = city
    ranked = result.ranked
    flagged = set(ranked["code"][ranked["flagged"]]) | set(ranked["name"][ranked["flagged"]])
    found = {
        name for name, case in truth["under_engaged"].items() if name in flagged or case["code"] in flagged
    }
    flagged_units = int(ranked["flagged"].sum())
    precision, recall = len(found) / flagged_units, len(found) / len(truth["under_engaged"])
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


def test_no_newly_joined_unit_is_flagged(city: Any) -> None:
    _, truth, result = city
    flagged = set(result.ranked["code"][result.ranked["flagged"]])
    assert not flagged & codes(truth["newly_joined"])


def test_dropped_units_lead_the_changes(city: Any) -> None:
    _, truth, result = city
    dropped = codes(truth["dropped"])
    fell = result.changes.head(len(dropped))
    assert len(set(fell["key"]) & dropped) >= 0.8 * len(dropped)
    assert not set(result.ranked["code"][result.ranked["flagged"]]) & dropped


# --- reasons against the store's own tables -----------------------------------------------


Rows = dict[str, list[dict[str, Any]]]


def store_rows(store: EmbeddedStore) -> Rows:
    names = (
        "organization",
        "post",
        "agreement",
        "meeting",
        "attendance",
        "project",
        "resource",
        "registration",
    )
    return {name: store.table(name).to_dict("records") for name in names}


def store_facts(rows: Rows, key: str, period: Period) -> dict[str, Any]:
    """A unit's facts for a period, counted again from the store's rows one by one."""
    lo, hi = period.start.isoformat(), period.end.isoformat()

    def day(text: str) -> str:
        return text + "-01" if len(text) == 7 else text

    def until(text: str | None) -> str:
        return "9999" if not text else (text + "-31" if len(text) == 7 else text)

    meetings = {m["key"]: day(m["date"]) for m in rows["meeting"]}
    attendance = [a for a in rows["attendance"] if a["org"] == key]
    now = [a for a in attendance if lo <= meetings[a["meeting"]] <= hi]
    attended = sum({"present": 1, "substitute": 0.5}.get(a["status"], 0) for a in now)
    agreements = [a for a in rows["agreement"] if key in a["parties"]]
    in_force = [
        a for a in agreements if day(a["signed"]) <= hi and until(a["expires"]) >= lo
    ]  # in force on some day of the period
    projects = [p for p in rows["project"] if key in p["contributors"]]
    claimed = [p for p in projects if p["start"] and lo <= day(p["start"]) <= hi]
    days = [meetings[a["meeting"]] for a in attendance if a["status"] in ("present", "substitute")]
    days += [day(a["signed"]) for a in agreements]
    days += [day(p["start"]) for p in projects if p["start"]]
    days += [day(p["end"]) for p in projects if p["end"] and p["status"] == "done"]
    days += [day(r["published"]) for r in rows["resource"] if r["org"] == key]
    days += [day(r["date"]) for r in rows["registration"] if r["org"] == key]
    committees = {
        o["key"] for o in rows["organization"] if o["kind"] in ("street_committee", "community_committee")
    }
    for p in (p for p in rows["post"] if p["org"] == key):
        for q in rows["post"]:
            if q["person"] == p["person"] and q["org"] in committees:
                days.append(max(day(p["start"]), day(q["start"])))
    return {
        "invited": len(now),
        "attended": attended,
        "agreements": len(in_force),
        "claimed": len(claimed),
        "last": max((d for d in days if d <= hi), default=None),
    }


def test_every_reason_matches_the_store(city: Any) -> None:
    store, _, result = city
    period = result.period
    explained = result.ranked[result.ranked["reasons_zh"] != ""].set_index("key")
    sample = random.Random(42).sample(list(explained.index), min(25, len(explained)))
    rows = store_rows(store)
    checked: Counter[str] = Counter()
    for key in sample:
        facts = store_facts(rows, key, period)
        for reason in str(explained.loc[key, "reasons_zh"]).split("；"):
            if m := re.fullmatch(rf"{period.zh}应参加联席会议(\d+)次，实际([\d.]+)次.*", reason):
                assert (int(m[1]), float(m[2])) == (facts["invited"], facts["attended"]), (key, reason)
                checked["meetings"] += 1
            elif reason.startswith(f"{period.zh}无在期共建协议"):
                assert facts["agreements"] == 0, (key, reason)
                checked["agreements"] += 1
            elif m := re.fullmatch(rf"{period.zh}领办项目(\d+)个.*", reason):
                assert int(m[1]) == facts["claimed"], (key, reason)
                checked["projects"] += 1
            elif m := re.fullmatch(r"自\d+年\d+月起无任何活动（最近一次：(\d+)年(\d+)月(\d+)日.*", reason):
                assert facts["last"] == f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}", (key, reason)
                checked["last activity"] += 1
    assert set(checked) == {"meetings", "agreements", "projects", "last activity"}, checked


# --- the same on the Neo4j store ------------------------------------------------------------


@pytest.mark.neo4j
def test_the_neo4j_store_gives_the_same_result(hand: Result, neo4j_store: Any, tmp_path: Path) -> None:
    load(write_ledger(tmp_path / "ledger"), neo4j_store)
    on_neo4j = engagement(neo4j_store, "2025", settings=Settings())
    assert to_records(on_neo4j) == to_records(hand)


def test_an_empty_store(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "empty.sqlite")
    result = engagement(store, "2025", settings=Settings())
    assert result.ranked.empty and result.summary["units"] == 0
    assert json.loads(json.dumps(to_records(result), allow_nan=False))["units"] == []
    store.close()
