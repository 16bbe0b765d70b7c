"""Loading ledgers into the real embedded store: all or nothing, --skip-bad-rows, reloads."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from graph.errors import LedgerError
from graph.model import RECORD_TYPES
from graph.store import Change
from loaders.ledger import load, validate

AREAS = """\
    名称,层级,上级,编码
    中山区,区,,D1
    葵英街道,街道,中山区,S1
    林海社区,社区,葵英街道,C1
    """
UNITS = """\
    单位名称,单位类型,所属社区,简称,身份证号,联系电话
    大连港集团,国企,林海社区,大港,210203198001011234,0411-88888888
    太太好粥店,商户,林海社区,太太好,21020319800101123x,13800000000
    """


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "s.sqlite")
    yield s
    s.close()


def ledger(folder: Path, **sheets: str) -> Path:
    """A folder ledger of CSV files named after the sheets."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sheets.items():
        (folder / f"{name}.csv").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def snapshot(store: EmbeddedStore) -> dict[str, list[dict[str, object]]]:
    return {r.name: store.table(r.name).to_dict("records") for r in RECORD_TYPES}


def test_load_writes_every_record(tmp_path, store):
    report = load(ledger(tmp_path / "q1", 区域=AREAS, 单位=UNITS), store)
    assert report.changes == {"area": Change(added=3), "organization": Change(added=2)}
    assert (report.rejected, report.rejected_path, report.problems) == (0, None, [])
    units = store.table("organization")
    assert units[["key", "area", "aliases", "src_file", "src_row"]].to_dict("records") == [
        {"key": "大连港集团", "area": "C1", "aliases": ("大港",), "src_file": "q1/单位.csv", "src_row": 2},
        {"key": "太太好粥店", "area": "C1", "aliases": ("太太好",), "src_file": "q1/单位.csv", "src_row": 3},
    ]


def test_a_ledger_with_one_bad_row_loads_nothing(tmp_path, store):
    load(ledger(tmp_path / "q1", 区域=AREAS), store)
    before = snapshot(store)
    bad = ledger(tmp_path / "q2", 单位=UNITS + "    坏单位,外企,林海社区,,,\n", 资源="名称,单位\n场地,大港\n")
    with pytest.raises(LedgerError) as caught:
        load(bad, store)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "q2/单位.csv",
        4,
        "单位类型",
        "外企",
    )
    assert "--skip-bad-rows" in str(caught.value)
    assert snapshot(store) == before
    assert not (tmp_path / "q2.rejected.csv").exists()


def test_validate_reports_every_problem_and_writes_nothing(tmp_path, store):
    bad = ledger(tmp_path / "q1", 区域=AREAS, 单位=UNITS + "    坏单位,外企,火星,,,\n")
    problems = validate(bad, store)
    assert [(p.row, p.column) for p in problems] == [(4, "单位类型"), (4, "所属社区")]
    assert store.counts() == dict.fromkeys(store.counts(), 0)
    assert [(p.row, p.column) for p in validate(bad)] == [(4, "单位类型"), (4, "所属社区")]


def test_skip_bad_rows_writes_the_good_rows_and_the_rejected_file(tmp_path, store):
    bad = ledger(
        tmp_path / "q1",
        区域=AREAS,
        单位=UNITS + "    坏单位,外企,林海社区,,,\n",
        资源="名称,单位\n场地,大港\n资金,坏单位\n",
    )
    report = load(bad, store, skip_bad_rows=True)
    assert report.rejected == 2
    assert report.rejected_path == tmp_path / "q1.rejected.csv"
    assert report.changes["organization"] == Change(added=2)
    assert report.changes["resource"] == Change(added=1)
    assert list(store.table("resource")["org"]) == ["大连港集团"]
    raw = report.rejected_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rejected = pd.read_csv(report.rejected_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(rejected.columns) == ["file", "sheet", "row", "column", "value", "problem"]
    assert rejected[["file", "row", "column", "value"]].to_dict("records") == [
        {"file": "q1/单位.csv", "row": "4", "column": "单位类型", "value": "外企"},
        {"file": "q1/资源.csv", "row": "3", "column": "单位", "value": "坏单位"},
    ]
    assert "请先改正该行" in rejected["problem"][1]


def test_loading_the_same_ledger_twice_changes_nothing(tmp_path, store):
    path = ledger(
        tmp_path / "q1", 区域=AREAS, 单位=UNITS, 共建协议="名称,签订日期,参与单位\n协议,2023.1,大港、太太好\n"
    )
    load(path, store)
    before = snapshot(store)
    report = load(path, store)
    assert report.changes == {
        "area": Change(unchanged=3),
        "organization": Change(unchanged=2),
        "agreement": Change(unchanged=1),
    }
    assert snapshot(store) == before


def test_a_corrected_ledger_updates_in_place(tmp_path, store):
    load(ledger(tmp_path / "q1", 区域=AREAS, 单位=UNITS), store)
    corrected = UNITS.replace("太太好粥店,商户", "太太好粥店,非公企业") + "    好邻居超市,商户,林海社区,,,\n"
    report = load(ledger(tmp_path / "q2", 单位=corrected), store)
    assert report.changes == {"organization": Change(added=1, updated=1, unchanged=1)}
    units = store.table("organization").set_index("key")
    assert len(units) == 3
    assert units.loc["太太好粥店", "kind"] == "private_firm"
    assert units.loc["太太好粥店", "src_file"] == "q2/单位.csv"


def test_a_later_ledger_refers_to_stored_units_by_name_or_alias(tmp_path, store):
    load(ledger(tmp_path / "q1", 区域=AREAS, 单位=UNITS), store)
    q3 = ledger(
        tmp_path / "q3",
        联席会议="名称,召开日期,主办单位,编码\n第三季度联席会议,2023-07-05,大连港集团,M7\n",
        参会="会议,单位,出席情况\nM7,大港,出席\nm7,太太好粥店,请假\n第三季度联席会议,大连港,缺席\n",
    )
    [problem] = validate(q3, store)
    assert (problem.file, problem.row, problem.column, problem.value) == ("q3/参会.csv", 4, "单位", "大连港")
    assert "最接近的是：大港、大连港集团" in problem.message
    (q3 / "参会.csv").write_text("会议,单位,出席情况\nM7,大港,出席\n第三季度联席会议,太太好粥店,请假\n")
    report = load(q3, store)
    assert report.changes == {"meeting": Change(added=1), "attendance": Change(added=2)}
    attendance = store.table("attendance")
    assert attendance[["meeting", "org", "status"]].to_dict("records") == [
        {"meeting": "M7", "org": "大连港集团", "status": "present"},
        {"meeting": "M7", "org": "太太好粥店", "status": "excused"},
    ]
    assert list(store.table("meeting")["host"]) == ["大连港集团"]


HOSTILE = ["'}) DETACH DELETE n //", "`x` RETURN 1", "$x", "<img src=x onerror=alert(1)>", "=HYPERLINK(1)"]


def test_hostile_text_is_stored_verbatim(tmp_path, store):
    rows = "".join(f'"{h}",商户,林海社区,"{h}"\n' for h in HOSTILE)
    load(ledger(tmp_path / "q1", 区域=AREAS, 单位="名称,类型,所属社区,简称\n" + rows), store)
    units = store.table("organization")
    assert sorted(units["name"]) == sorted(HOSTILE)
    assert sorted(a for (a,) in units["aliases"]) == sorted(HOSTILE)
    assert store.counts()["area"] == 3


def test_hostile_text_in_the_rejected_file_cannot_run_as_a_formula(tmp_path, store):
    path = ledger(tmp_path / "q1", 区域=AREAS, 单位="名称,类型,所属社区\n甲,=cmd|' /C calc'!A0,林海社区\n")
    report = load(path, store, skip_bad_rows=True)
    assert report.rejected_path is not None
    rejected = pd.read_csv(report.rejected_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert rejected["value"][0] == "'=cmd|' /C calc'!A0"


def test_id_numbers_and_phones_are_not_stored_anywhere(tmp_path, store):
    load(ledger(tmp_path / "q1", 区域=AREAS, 单位=UNITS), store)
    store.close()
    for file in tmp_path.glob("s.sqlite*"):
        data = file.read_bytes()
        for secret in (
            "210203198001011234",
            "21020319800101123x",
            "0411-88888888",
            "13800000000",
            "身份证号",
        ):
            assert secret.encode() not in data, (file.name, secret)
    reopened = EmbeddedStore(tmp_path / "s.sqlite")
    assert reopened.counts()["organization"] == 2
    reopened.close()


def test_workbook_ledger_loads(tmp_path, store):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "区域"
    for row in [("名称", "层级", "上级"), ("中山区", "区", None), ("林海社区", "社区", "中山区")]:
        sheet.append(row)
    units = book.create_sheet("单位")
    for row in [("名称", "类型", "所属区域", "加入日期"), ("甲", "国企", "林海社区", 44927)]:
        units.append(row)
    book.save(tmp_path / "台账.xlsx")
    report = load(tmp_path / "台账.xlsx", store)
    assert report.changes == {"area": Change(added=2), "organization": Change(added=1)}
    assert store.table("organization")[["area", "joined", "src_sheet"]].to_dict("records") == [
        {"area": "林海社区", "joined": "2023-01-01", "src_sheet": "单位"}
    ]


def test_problems_in_a_workbook_name_the_sheet_and_the_excel_row(tmp_path, store):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "联席会议"
    for row in [
        ("2023年联席会议台账",),
        ("名称", "召开日期"),
        ("一季度会", "2023-03"),
        (),
        ("二季度会", "2023-02-30"),
    ]:
        sheet.append(row)
    book.save(tmp_path / "l.xlsx")
    [problem] = validate(tmp_path / "l.xlsx", store)
    assert (problem.file, problem.sheet, problem.row, problem.column, problem.value) == (
        "l.xlsx",
        "联席会议",
        5,
        "召开日期",
        "2023-02-30",
    )
    assert "请改正年月日" in problem.message
    assert "l.xlsx [联席会议] 第5行 列「召开日期」" in str(problem)


# --- many districts in one store ----------------------------------------------------------

DISTRICT_A = {
    "区域": "名称,层级,上级,编码\n大连市,市,,210200\n中山区,区,大连市,D1\n葵英街道,街道,中山区,S1\n"
    "泰林社区,社区,葵英街道,C1\n泰山社区,社区,葵英街道,C2\n",
    "单位": "名称,类型,所属区域,编码\n泰林社区居委会,居委会,泰林社区,A1\n泰山物业,物业公司,泰山社区,A2\n",
    "联席会议": "名称,召开日期,主办单位,编码\n泰林社区联席会议,2025-03-01,泰林社区居委会,M1\n",
    "参会": "会议,单位,出席情况\nM1,泰林社区居委会,出席\nM1,泰山物业,缺席\n",
}
DISTRICT_B = {
    "区域": "名称,层级,上级,编码\n大连市,市,,210200\n甘井子区,区,大连市,D2\n泰山街道,街道,甘井子区,S2\n"
    "泰林社区,社区,泰山街道,C3\n泰山社区,社区,泰山街道,C4\n",
    "单位": "名称,类型,所属区域,编码\n泰林社区居委会,居委会,泰林社区,B1\n泰山物业,物业公司,泰山社区,B2\n",
    "联席会议": "名称,召开日期,主办单位,编码\n泰林社区联席会议,2025-03-01,泰林社区居委会,M2\n",
    "参会": "会议,单位,出席情况\nM2,泰林社区居委会,出席\nM2,泰山物业,请假\n",
}


def tables(store: EmbeddedStore) -> dict[str, list[dict[str, object]]]:
    return {
        r.name: store.table(r.name)
        .sort_values("key")
        .drop(columns=["src_file", "src_row"])
        .to_dict("records")
        for r in RECORD_TYPES
    }


def test_two_districts_sharing_names_load_in_either_order_as_the_sum_of_both(tmp_path):
    a = ledger(tmp_path / "a", **DISTRICT_A)
    b = ledger(tmp_path / "b", **DISTRICT_B)
    found = []
    for name, order in (("ab", (a, b)), ("ba", (b, a))):
        store = EmbeddedStore(tmp_path / f"{name}.sqlite")
        for path in order:
            load(path, store)
            load(path, store)  # a reload changes nothing
        found.append(tables(store))
        counts = store.counts()
        store.close()
        assert counts["area"] == 9 and counts["organization"] == 4
        assert counts["meeting"] == 2 and counts["attendance"] == 4
    assert found[0] == found[1]
    units = {u["key"]: u["area"] for u in found[0]["organization"]}
    assert units == {"A1": "C1", "A2": "C2", "B1": "C3", "B2": "C4"}
    hosts = {m["key"]: m["host"] for m in found[0]["meeting"]}
    assert hosts == {"M1": "A1", "M2": "B1"}
    attended = {(x["meeting"], x["org"], x["status"]) for x in found[0]["attendance"]}
    assert attended == {
        ("M1", "A1", "present"),
        ("M1", "A2", "absent"),
        ("M2", "B1", "present"),
        ("M2", "B2", "excused"),
    }


def test_records_without_codes_sharing_a_name_in_two_districts_stay_two(tmp_path):
    """Without codes a unit is known by its name and a meeting by its title and date; a namesake
    in another district is another record."""
    meeting = "名称,召开日期,主办单位\n泰林社区联席会议,2025-03-01,泰林社区居委会\n"
    attendance = "会议,单位,出席情况\n泰林社区联席会议,泰山物业,{}\n"
    a = {**DISTRICT_A, "联席会议": meeting, "参会": attendance.format("缺席")}
    b = {**DISTRICT_B, "联席会议": meeting, "参会": attendance.format("请假")}
    a = {name: text.replace(",A1", ",").replace(",A2", ",") for name, text in a.items()}
    b = {name: text.replace(",B1", ",").replace(",B2", ",") for name, text in b.items()}
    a["区域"] = (
        "名称,层级,上级\n大连市,市,\n中山区,区,大连市\n葵英街道,街道,中山区\n泰林社区,社区,葵英街道\n泰山社区,社区,葵英街道\n"
    )
    b["区域"] = (
        "名称,层级,上级\n大连市,市,\n甘井子区,区,大连市\n泰山街道,街道,甘井子区\n泰林社区,社区,泰山街道\n泰山社区,社区,泰山街道\n"
    )
    found = []
    for name, order in (("ab", (a, b)), ("ba", (b, a))):
        store = EmbeddedStore(tmp_path / f"{name}.sqlite")
        for i, sheets in enumerate(order):
            path = ledger(tmp_path / f"{name}{i}", **sheets)
            load(path, store)
            load(path, store)
        assert store.counts()["area"] == 9
        paths = areas_by_path(store)
        units = store.table("organization").set_index("key")
        units["area"] = units["area"].map(paths)
        meetings = store.table("meeting")
        came = store.table("attendance")
        found.append(
            (
                sorted(zip(units["name"], units["area"], strict=True)),
                sorted(units.loc[meetings["host"], "area"]),
                sorted(zip(units.loc[came["org"], "area"], came["status"], strict=True)),
            )
        )
        store.close()
    assert found[0] == found[1]
    assert found[0][0] == [
        ("泰山物业", "中山区/葵英街道/泰山社区"),
        ("泰山物业", "甘井子区/泰山街道/泰山社区"),
        ("泰林社区居委会", "中山区/葵英街道/泰林社区"),
        ("泰林社区居委会", "甘井子区/泰山街道/泰林社区"),
    ]
    # two meetings, each hosted in its own district, each with its own attendance
    assert found[0][1] == ["中山区/葵英街道/泰林社区", "甘井子区/泰山街道/泰林社区"]
    assert found[0][2] == [("中山区/葵英街道/泰山社区", "absent"), ("甘井子区/泰山街道/泰山社区", "excused")]


def areas_by_path(store: EmbeddedStore) -> dict[str, str]:
    """Each stored area's key -> its path of names below the city."""
    areas = store.table("area").set_index("key")
    paths = {}
    for key in areas.index:
        names, at = [], key
        while isinstance(at, str) and areas.loc[at, "level"] != "city":
            names.append(areas.loc[at, "name"])
            at = areas.loc[at, "parent"]
        paths[key] = "/".join(reversed(names))
    return paths


def test_a_name_resolves_under_the_ledgers_own_district_else_the_message_tells_candidates_apart(
    tmp_path, store
):
    load(ledger(tmp_path / "a", **DISTRICT_A), store)
    load(ledger(tmp_path / "b", **DISTRICT_B), store)
    # This ledger names 泰山街道 (only in 甘井子区): its 泰林社区 is the one under it.
    report = load(
        ledger(tmp_path / "b2", 单位="名称,类型,所属区域\n新店,商户,泰林社区\n老店,商户,泰山街道\n"), store
    )
    assert report.changes["organization"] == Change(added=2)
    units = store.table("organization").set_index("key")
    assert units.loc["新店", "area"] == "C3"
    # Nothing says which district: the message tells the two apart by code and path.
    [problem] = validate(ledger(tmp_path / "x", 单位="名称,类型,所属区域\n某店,商户,泰林社区\n"), store)
    assert "泰林社区（编码 C1，中山区/葵英街道/泰林社区）" in problem.message
    assert "泰林社区（编码 C3，甘井子区/泰山街道/泰林社区）" in problem.message
    # ...and the path it shows is a reference that works.
    report = load(ledger(tmp_path / "y", 单位="名称,类型,所属区域\n某店,商户,泰山街道/泰林社区\n"), store)
    assert store.table("organization").set_index("key").loc["某店", "area"] == "C3"


def test_a_coded_ledger_after_the_same_ledger_without_codes_adds_no_second_record(tmp_path, store):
    uncoded_areas = "名称,层级,上级\n中山区,区,\n葵英街道,街道,中山区\n林海社区,社区,葵英街道\n"
    load(ledger(tmp_path / "q1", 区域=uncoded_areas, 单位=UNITS), store)
    coded_units = "名称,类型,所属社区,编码\n大连港集团,国企,C1,U1\n太太好粥店,商户,林海社区,U2\n"
    coded = ledger(tmp_path / "q2", 区域=AREAS, 单位=coded_units, 资源="名称,单位\n场地,U1\n")
    report = load(coded, store)
    assert report.changes["area"] == Change(updated=3) and report.changes["organization"] == Change(updated=2)
    assert store.counts()["area"] == 3 and store.counts()["organization"] == 2
    assert list(store.table("resource")["org"]) == ["大连港集团"]  # U1 names the record kept
    assert dict(zip(store.table("area")["name"], store.table("area")["code"], strict=True)) == {
        "中山区": "D1",
        "葵英街道": "S1",
        "林海社区": "C1",
    }
    again = load(coded, store)
    assert again.changes["area"] == Change(unchanged=3) and again.changes["organization"] == Change(
        unchanged=2
    )
