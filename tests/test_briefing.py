"""The Excel briefing, written from the hand-built ledger's result and read back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest

from graph.briefing import write_briefing
from graph.engagement import Result
from tests.test_engagement import B_REASONS, hand, hand_store  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def workbook(hand: Result, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:  # noqa: F811
    path = write_briefing(hand, tmp_path_factory.mktemp("briefing") / "简报.xlsx")
    return openpyxl.load_workbook(path)


def values(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_sheets(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["简报", "概况", "预警单位", "下滑单位", "变化", "全部单位", "指标说明"]


def test_summary_figures_and_chart(workbook: openpyxl.Workbook) -> None:
    ws = workbook["概况"]
    rows = values(ws)
    assert rows[0][0] == "全部区域驻区单位参与度简报（2025年）"
    figures = {r[0]: r[1] for r in rows[3:13]}
    assert figures["参评单位（已加入平台）"] == 6
    assert figures["预警单位"] == 1
    assert figures["下滑单位（上期良好、本期低于预警线）"] == 1
    assert figures["上期（2024年）预警单位"] == 1
    kinds = {r[0]: r[1:4] for r in rows[15:] if r[0]}
    assert kinds == {"国企": [5, 1, 100], "商户": [1, 0, 100]}
    assert len(ws._charts) == 1


def test_flagged_units_with_reasons_and_suggestions(workbook: openpyxl.Workbook) -> None:
    header, *rows = values(workbook["预警单位"])
    assert header == ["排名", "单位", "类型", "社区", "街道", "2025年得分", "2024年得分", "预警原因", "建议"]
    [row] = rows
    assert row[:7] == [1, "乙公司", "国企", "林海社区", "葵英街道", 8.1, 9.8]
    assert str(row[7]).split("；") == B_REASONS
    assert str(row[8]).splitlines()[1].startswith("2. 与同社区同类单位甲公司结对共建")


def test_declines_changes_and_their_chart(workbook: openpyxl.Workbook) -> None:
    header, *rows = values(workbook["下滑单位"])
    assert [r[0] for r in rows] == ["戊公司"] and rows[0][4:6] == [100.0, 40.0]
    ws = workbook["变化"]
    header, *rows = values(ws)
    assert header[3:6] == ["2024年得分", "2025年得分", "变化"]
    assert rows[0][:8] == ["戊公司", "国企", "葵英街道", 100.0, 40.0, -60.0, "否", "否"]
    assert len(ws._charts) == 1


def test_all_units_and_indicators(workbook: openpyxl.Workbook) -> None:
    header, *rows = values(workbook["全部单位"])
    assert len(rows) == 6 and "联席会议出席率" in header
    row = dict(zip(header, rows[0], strict=True))
    assert (row["单位"], row["联席会议出席率"], row["未活动月数"], row["预警"]) == ("乙公司", 0.0, 28.0, "是")
    assert row["兼职委员出席"] == "—"  # not applicable: no seat to attend from
    header, *rows = values(workbook["指标说明"])
    assert rows[2][:2] == ["联席会议出席率", "Meeting attendance"] and rows[2][3] == 3


def test_text_that_looks_like_a_formula_stays_text(hand: Result, tmp_path: Path) -> None:  # noqa: F811
    ranked = hand.ranked.assign(name=hand.ranked["name"].where(hand.ranked["key"] != "B", "=HYPERLINK(1)"))
    path = write_briefing(dataclasses.replace(hand, ranked=ranked), tmp_path / "b.xlsx")
    cell = openpyxl.load_workbook(path)["预警单位"]["B2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")


def test_numbers_read_as_a_person_reads_them(workbook: openpyxl.Workbook) -> None:
    """Counts whole, yes/no indicators as 是/否, a score to one decimal, and no empty cell where a
    value is not applicable (—) or an indicator is not scored (不计分)."""
    from graph.engagement import INDICATORS

    rows = values(workbook["概况"])
    kinds = [r for r in rows[15:] if r[0]]
    assert kinds and all(isinstance(r[1], int) and isinstance(r[2], int) for r in kinds)
    assert all(round(r[3], 1) == r[3] for r in kinds)
    header, *units = values(workbook["全部单位"])
    for indicator in INDICATORS:
        column = [dict(zip(header, u, strict=True))[indicator.zh] for u in units]
        assert None not in column, indicator.zh
        if indicator.kind == "yes":
            assert set(column) <= {"是", "否", "—"}, (indicator.zh, column)
    header, *rows = values(workbook["指标说明"])
    assert all(r[3] is not None for r in rows) and "不计分" in [r[3] for r in rows]
    for name in ("预警单位", "下滑单位", "变化"):
        assert all(v is not None for r in values(workbook[name]) for v in r), name
