"""The ledger template: every sheet and column, documented, and it reads back clean."""

from __future__ import annotations

import openpyxl
import pytest

from graph.model import RECORD_TYPES, RECORDS
from loaders.parse import parse_ledger
from loaders.read import read_ledger
from loaders.template import NOTES_HEADER, NOTES_SHEET, write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("t") / "共建台账模板.xlsx")


def test_template_round_trips(template):
    sheets = read_ledger(template)
    assert [s.record for s in sheets] == [r.name for r in RECORD_TYPES]
    for sheet in sheets:
        assert sheet.problems == []
        assert set(sheet.header) == {c.name for c in RECORDS[sheet.record].columns}
        assert len(sheet.rows) == 0
    parsed = parse_ledger(sheets)
    assert parsed.problems == []
    assert all(t.empty for t in parsed.tables.values())


@pytest.mark.parametrize("record", RECORD_TYPES, ids=lambda r: r.name)
def test_sheet_headers_code_first_required_in_bold(template, record):
    sheet = openpyxl.load_workbook(template)[record.sheet_zh]
    header = list(next(sheet.iter_rows(min_row=1, max_row=1)))
    assert header[0].value == "编码"
    by_text = {c.zh[0]: c for c in record.columns}
    assert sorted(str(cell.value) for cell in header) == sorted(by_text)
    for cell in header:
        assert bool(cell.font.b) == by_text[str(cell.value)].required, cell.value


def test_notes_sheet_describes_every_column(template):
    sheet = openpyxl.load_workbook(template)[NOTES_SHEET]
    rows = [tuple("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == NOTES_HEADER
    notes = {(r[0], r[1]): dict(zip(NOTES_HEADER, r, strict=True)) for r in rows[1:]}
    assert len(notes) == len(rows) - 1 == sum(len(r.columns) for r in RECORD_TYPES)
    kind = notes[("单位", "类型")]
    assert (kind["英文名"], kind["必填"]) == ("kind", "是")
    assert "国企、非公企业" in kind["可选值"]
    assert kind["说明"] == RECORDS["organization"].column("kind").help
    joined = notes[("单位", "加入日期")]
    assert joined["必填"] == "否"
    assert "2023年1月5日" in joined["日期格式"] and "2023-01" in joined["日期格式"]
    assert notes[("参会", "出席情况")]["可选值"] == "出席、代参、请假、缺席"
    assert notes[("单位", "是否建立党组织")]["可选值"] == "是、否"


def test_vocabulary_columns_have_drop_downs_of_their_accepted_words(template):
    book = openpyxl.load_workbook(template)
    units = book["单位"]
    header = [c.value for c in units[1]]
    kind = units.data_validations.dataValidation
    lists = {str(v.sqref).split(":")[0]: v for v in kind}
    letter = openpyxl.utils.get_column_letter(header.index("类型") + 1)
    check = lists[f"{letter}2"]
    assert (
        check.type == "list"
        and check.formula1
        == '"区域化党建指导委员会,街道党工委,社区党委,国企,非公企业,军警单位,学校,医院,机关事业单位,社会组织,物业公司,业主委员会,居委会,商户,其他"'
    )
    assert check.errorStyle == "warning"  # a keeper's own word may still be typed, and mapped in 词表
    letter = openpyxl.utils.get_column_letter(header.index("是否建立党组织") + 1)
    assert lists[f"{letter}2"].formula1 == '"是,否"'
    attendance = book["参会"]
    assert any(v.formula1 == '"出席,代参,请假,缺席"' for v in attendance.data_validations.dataValidation)


def test_the_template_lists_accepted_words_and_has_an_empty_vocabulary_sheet(template):
    book = openpyxl.load_workbook(template)
    rows = list(book["可选值"].iter_rows(values_only=True))
    assert rows[0] == ("表", "列", "标准词", "也接受")
    substitute = next(r for r in rows if r[:3] == ("参会", "出席情况", "代参"))
    assert "代出席" in substitute[3] and "委托参加" in substitute[3]
    assert list(book["词表"].iter_rows(values_only=True)) == [("原词", "标准词", "列")]
