"""Reading ledgers: workbooks, CSV in every encoding, folders, and the mess real ledgers hold."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.styles import Font

from loaders import read as read_module
from loaders.read import RawSheet, read_ledger, read_text

# A sheet as a layout: (row, column) -> value, 1-based, and merged ranges (r1, c1, r2, c2).
# A title line over the table, a two-row header whose top row holds a merged group title and
# cells merged down both rows, personal-data columns, a blank row, a cell merged down two
# body rows, and notes under the table.
UNITS_CELLS: dict[tuple[int, int], object] = {
    (1, 1): "2023年度驻区单位台账",
    (2, 1): "单位名称",
    (2, 2): "单位类型",
    (2, 3): "归属信息",
    (2, 5): "党员人数",
    (2, 6): "加入日期",
    (2, 7): "身份证号",
    (2, 8): "联系电话",
    (3, 3): "所属社区",
    (3, 4): "简称",
    (4, 1): "大连港集团",
    (4, 2): "国企",
    (4, 3): "林海社区",
    (4, 4): "大港",
    (4, 5): 120.0,
    (4, 6): dt.datetime(2023, 1, 5),
    (4, 7): "210203198001010000",
    (4, 8): "0411-88888888",
    (6, 1): "太太好粥店",
    (6, 2): "商户",
    (6, 3): "林海社区",
    (6, 4): "太太好",
    (6, 5): 3,
    (6, 6): 44927,
    (7, 1): "好邻居超市",
    (7, 3): "林海社区",
    (8, 1): "注：身份证号仅供核对，请勿外传。",
    (9, 1): "填表人：王五",
    (9, 3): "2023-12-31",
}
UNITS_MERGES = [(1, 1, 1, 8), (2, 1, 3, 1), (2, 2, 3, 2), (2, 3, 2, 4), (2, 5, 3, 5), (2, 6, 3, 6),
                (2, 7, 3, 7), (2, 8, 3, 8), (6, 2, 7, 2)]  # fmt: skip
UNITS_HEADER = {
    "name": "单位名称",
    "kind": "单位类型",
    "area": "所属社区",
    "aliases": "简称",
    "party_members": "党员人数",
    "joined": "加入日期",
}
UNITS_ROWS = [
    {"_row": 4, "name": "大连港集团", "kind": "国企", "area": "林海社区", "aliases": "大港",
     "party_members": "120", "joined": "2023-01-05"},
    {"_row": 6, "name": "太太好粥店", "kind": "商户", "area": "林海社区", "aliases": "太太好",
     "party_members": "3", "joined": "44927"},
    {"_row": 7, "name": "好邻居超市", "kind": "商户", "area": "林海社区", "aliases": "",
     "party_members": "", "joined": ""},
]  # fmt: skip
PERSONAL = ("210203198001010000", "0411-88888888")


def write_xlsx(
    path: Path, sheets: dict[str, tuple[dict[tuple[int, int], object], list[tuple[int, ...]]]]
) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, (cells, merges) in sheets.items():
        sheet = book.create_sheet(name)
        for (r, c), value in cells.items():
            sheet.cell(row=r, column=c, value=value)  # type: ignore[arg-type]
        for r1, c1, r2, c2 in merges:
            sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    book.save(path)
    return path


def write_xls(
    path: Path, sheets: dict[str, tuple[dict[tuple[int, int], object], list[tuple[int, ...]]]]
) -> Path:
    book = xlwt.Workbook()
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, (cells, merges) in sheets.items():
        sheet = book.add_sheet(name)
        merged_at = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merges}
        inside = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r1, c1), (r2, c2) in merged_at.items():
            sheet.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, cells.get((r1, c1), ""))
        for (r, c), value in cells.items():
            if (r, c) in inside:
                continue
            if isinstance(value, dt.datetime):
                sheet.write(r - 1, c - 1, value, day)
            else:
                sheet.write(r - 1, c - 1, value)
    book.save(str(path))
    return path


def rows_of(sheet: RawSheet) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k in UNITS_ROWS[0]} for row in sheet.rows.to_dict("records")]


@pytest.mark.parametrize("writer, suffix", [(write_xlsx, ".xlsx"), (write_xls, ".xls")])
def test_workbook_with_merged_cells_title_two_row_header_blank_rows_and_notes(tmp_path, writer, suffix):
    path = writer(tmp_path / f"台账{suffix}", {"单位": (UNITS_CELLS, UNITS_MERGES), "Sheet2": ({}, [])})
    [sheet] = read_ledger(path)
    assert (sheet.record, sheet.file, sheet.sheet, sheet.problems) == (
        "organization",
        f"台账{suffix}",
        "单位",
        [],
    )
    assert sheet.header == UNITS_HEADER
    assert rows_of(sheet) == UNITS_ROWS
    assert list(sheet.rows["_row"]) == [4, 6, 7]
    assert sheet.rows["_row"].dtype == "int64"


@pytest.mark.parametrize("writer, suffix", [(write_xlsx, ".xlsx"), (write_xls, ".xls")])
def test_personal_data_columns_are_never_read(tmp_path, writer, suffix):
    path = writer(tmp_path / f"台账{suffix}", {"单位": (UNITS_CELLS, UNITS_MERGES)})
    [sheet] = read_ledger(path)
    cells = sheet.rows.astype(str).to_numpy().ravel().tolist()
    assert not any(p in c for p in PERSONAL for c in cells)
    assert not {"身份证号", "联系电话"} & set(sheet.header.values())


def test_workbook_sheets_are_matched_in_chinese_or_english(tmp_path):
    people = {(1, 1): "Name", (1, 2): "Party_Member", (2, 1): "张三", (2, 2): "yes"}
    areas = {(1, 1): "名　称", (1, 2): "ＬＥＶＥＬ", (2, 1): "林海社区", (2, 2): "社区"}
    path = write_xlsx(tmp_path / "l.xlsx", {"People": (people, []), "区 域": (areas, []), "说明": ({}, [])})
    sheets = {s.record: s for s in read_ledger(path)}
    assert set(sheets) == {"person", "area"}
    assert sheets["person"].header == {"name": "Name", "party_member": "Party_Member"}
    assert sheets["area"].header == {"name": "名　称", "level": "ＬＥＶＥＬ"}
    assert sheets["area"].rows[["name", "level"]].to_dict("records") == [
        {"name": "林海社区", "level": "社区"}
    ]


CSV = textwrap.dedent("""\
    驻区单位台账（2023年）
    单位名称,单位类型,所属社区,简称,联系电话,加入日期
    大连港集团,国企,林海社区,大港,0411-88888888,2023年1月

    ＡＢＣ　物业,物业公司,林海社区,ＡＢＣ,,2023/1/5
    注册会计师协会,社会组织,林海社区,,,
    注：电话仅供联系。
    填表人,王五,,,,
    """)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_any_encoding(tmp_path, encoding):
    path = tmp_path / "单位.csv"
    path.write_text(CSV, encoding=encoding)
    [sheet] = read_ledger(path)
    assert (sheet.record, sheet.file, sheet.sheet, sheet.problems) == ("organization", "单位.csv", "", [])
    assert sheet.header == {"name": "单位名称", "kind": "单位类型", "area": "所属社区", "aliases": "简称",
                            "joined": "加入日期"}  # fmt: skip
    assert sheet.rows.to_dict("records") == [
        {"name": "大连港集团", "kind": "国企", "area": "林海社区", "aliases": "大港", "joined": "2023年1月",
         "_row": 3},
        {"name": "ＡＢＣ　物业", "kind": "物业公司", "area": "林海社区", "aliases": "ＡＢＣ", "joined": "2023/1/5",
         "_row": 5},
        {"name": "注册会计师协会", "kind": "社会组织", "area": "林海社区", "aliases": "", "joined": "",
         "_row": 6},
    ]  # fmt: skip


def test_csv_two_row_header_as_exported_from_merged_cells():
    text = textwrap.dedent("""\
        名称,类型,归属,
        ,,所属社区,简称
        大连港集团,国企,林海社区,大港
        """)
    sheet = read_text(text, "单位.csv")
    assert sheet.header == {"name": "名称", "kind": "类型", "area": "所属社区", "aliases": "简称"}
    assert sheet.rows.to_dict("records") == [
        {"name": "大连港集团", "kind": "国企", "area": "林海社区", "aliases": "大港", "_row": 3}
    ]


@pytest.mark.parametrize(
    "text, rows",
    [
        ("姓名,是否党员\n张三\n李四,是,多余\n", [("张三", "", 2), ("李四", "是", 3)]),
        ("标题\n\n姓名,是否党员\n张三\n李四\n", [("张三", "", 4), ("李四", "", 5)]),
        ("姓名,是否党员,,\n张三,是,,\n", [("张三", "是", 2)]),
        ("姓名,是否党员\n", []),
        ("姓名,是否党员\n\n\n", []),
        ("姓名,是否党员\n\n\n张三,否", [("张三", "否", 4)]),
    ],
)
def test_csv_rows_wider_or_narrower_than_the_header(text, rows):
    sheet = read_text(text, "人员.csv")
    assert sheet.problems == []
    assert [(r["name"], r["party_member"], r["_row"]) for r in sheet.rows.to_dict("records")] == rows


def test_folder_of_files_named_after_sheets(tmp_path):
    folder = tmp_path / "2023Q3"
    folder.mkdir()
    (folder / "units.csv").write_text("name,kind,area\n大连港集团,国企,林海社区\n", encoding="utf-8")
    (folder / "人员.csv").write_text("姓名\n张三\n", encoding="gbk")
    write_xlsx(folder / "区域.xlsx", {"Sheet1": ({(1, 1): "名称", (1, 2): "层级", (2, 1): "林海社区",
                                                 (2, 2): "社区"}, [])})  # fmt: skip
    write_xls(folder / "参会.xls", {"Sheet1": ({(1, 1): "会议", (1, 2): "单位", (1, 3): "出席情况"}, [])})
    (folder / "readme.txt").write_text("not a ledger")
    (folder / "~$区域.xlsx").write_bytes(b"lock file")
    (folder / "人员.rejected.csv").write_text("file,sheet,row,column,value,problem\n")
    sheets = read_ledger(folder)
    assert [(s.record, s.file, s.sheet, s.problems) for s in sheets] == [
        ("organization", "2023Q3/units.csv", "", []),
        ("person", "2023Q3/人员.csv", "", []),
        ("area", "2023Q3/区域.xlsx", "Sheet1", []),
        ("attendance", "2023Q3/参会.xls", "Sheet1", []),
    ]
    assert sheets[1].rows.to_dict("records") == [{"name": "张三", "_row": 2}]
    assert sheets[2].rows[["name", "level"]].to_dict("records") == [{"name": "林海社区", "level": "社区"}]
    assert (len(sheets[3].rows), sheets[3].header) == (
        0,
        {"meeting": "会议", "org": "单位", "status": "出席情况"},
    )


def test_missing_required_column():
    [problem] = read_text("单位名称,所属社区,电话\n大连港集团,林海社区,123\n", "单位.csv").problems
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("单位.csv", "", None, "类型")
    assert "单位名称、所属社区、电话" in problem.message
    assert "类型 或 单位类型" in problem.message
    assert "rename the header" in problem.message


def test_missing_required_column_in_a_workbook_names_the_sheet(tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", {"人员": ({(1, 1): "是否党员", (2, 1): "是"}, [])})
    [sheet] = read_ledger(path)
    [problem] = sheet.problems
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("l.xlsx", "人员", None, "姓名")
    assert "Columns are: 是否党员" in problem.message


def test_no_header_found():
    [problem] = read_text("a,b\n1,2\n", "人员.csv").problems
    assert (problem.file, problem.row, problem.column) == ("人员.csv", None, "")
    assert "请在表格上方写一行列名" in problem.message


@pytest.mark.parametrize(
    "name, content, fix",
    [
        ("单位.csv", b"\x80\xff\x80\xff,\xff\n", "CSV UTF-8"),
        ("单位.xlsx", b"not a zip file", "另存为 .xlsx"),
        ("单位.xls", b"<html><table><tr><td>1</td></tr></table></html>", "另存为 .xlsx"),
        ("单位.numbers", b"", "Save it as .xlsx, .xls or .csv"),
        ("台账.csv", "名称\n".encode(), "Name sheets and files after the record types"),
    ],
)
def test_unreadable_files_are_problems_with_the_fix(tmp_path, name, content, fix):
    path = tmp_path / name
    path.write_bytes(content)
    [sheet] = read_ledger(path)
    [problem] = sheet.problems
    assert (problem.file, problem.sheet, problem.row, problem.column) == (name, "", None, "")
    assert fix in problem.message
    assert len(sheet.rows) == 0


def test_workbook_without_ledger_sheets(tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", {"Sheet1": ({(1, 1): "名称"}, [])})
    [problem] = read_ledger(path)[0].problems
    assert "现有：Sheet1" in problem.message
    assert "单位（units）" in problem.message


# --- hostile files: bounded reading ---------------------------------------------------------

UNITS_TABLE = {(1, 1): "单位名称", (1, 2): "所属社区", **{(r, 1): f"单位{r}" for r in range(2, 302)}}
UNITS_TABLE |= {(1, 3): "单位类型"} | {(r, 2): "林海社区" for r in range(2, 302)}
UNITS_TABLE |= {(r, 3): "国企" for r in range(2, 302)}

PEAK_RSS = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from loaders.read import read_ledger
sheets = read_ledger(sys.argv[1])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
print(sum(len(s.rows) for s in sheets), int(peak) // 1024)
"""


def _peak_rss_mb(path: Path) -> tuple[int, int]:
    """Rows read and the peak memory (MB) of a fresh process reading the ledger, under a 2 GB
    address-space limit so that a regression fails instead of taking the machine down. The
    peak is the process's own (VmHWM): ru_maxrss counts the forking test process's memory too."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows, peak = out.stdout.split()
    return int(rows), int(peak)


def _merge_in_xml(path: Path, ref: str) -> None:
    """Add a merged range to the first sheet of a workbook, in its XML."""
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as old:
        parts = {n: old.read(n) for n in old.namelist()}
    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode()
    parts[name] = parts[name].replace(b"</sheetData>", b"</sheetData>" + merge)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for n, data in parts.items():
            new.writestr(n, data)


@pytest.mark.parametrize("far", ["AZ1048576", "XFD1048576", "XFD1"])
def test_a_styled_empty_cell_far_away_costs_nothing(tmp_path, far):
    """The red-team file: a small workbook whose 单位 sheet has one empty styled cell at the end
    of the sheet took validate to 6 GB. The sheet is read up to its last value."""
    path = write_xlsx(tmp_path / "台账.xlsx", {"单位": (UNITS_TABLE, [])})
    book = openpyxl.load_workbook(path)
    book["单位"][far].font = Font(bold=True)
    book.save(path)
    _merge_in_xml(path, "C5:XFD1048576")  # openpyxl itself would make a billion merged cells
    assert path.stat().st_size < 30_000
    rows, peak = _peak_rss_mb(path)
    assert rows == 300
    assert peak < 400, f"reading a 30 KB workbook took {peak} MB"


def test_an_xls_with_a_styled_blank_cell_at_its_last_row_is_read_to_its_last_value(tmp_path):
    path = tmp_path / "台账.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("单位")
    for (r, c), value in UNITS_TABLE.items():
        sheet.write(r - 1, c - 1, value)
    sheet.write(65535, 255, None, xlwt.easyxf("font: bold on"))  # a styled blank cell
    book.save(str(path))
    [read] = read_ledger(path)
    assert (len(read.rows), read.problems) == (300, [])


def test_a_table_ends_after_a_long_run_of_empty_rows(tmp_path, monkeypatch):
    cells = {
        **UNITS_TABLE,
        (302 + read_module.EMPTY_RUN, 1): "远处的单位",
        (302 + read_module.EMPTY_RUN, 2): "x",
    }
    [sheet] = read_ledger(write_xlsx(tmp_path / "台账.xlsx", {"单位": (cells, [])}))
    assert len(sheet.rows) == 300


def test_a_sheet_over_the_cell_limit_is_a_clear_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "CELL_LIMIT", 500)
    path = write_xlsx(
        tmp_path / "台账.xlsx", {"单位": (UNITS_TABLE, []), "区域": ({(1, 1): "名称", (1, 2): "层级"}, [])}
    )
    units, areas = read_ledger(path)
    [problem] = units.problems
    assert (problem.file, problem.sheet) == ("台账.xlsx", "单位")
    assert "超过 500 个单元格" in problem.message and "split the ledger" in problem.message
    assert areas.problems == []


def test_a_password_protected_workbook_is_named_as_such(tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", {"单位": (UNITS_TABLE, [])})
    path = tmp_path / "台账.xlsx"
    with plain.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt("secret", out)
    [sheet] = read_ledger(path)
    [problem] = sheet.problems
    assert "password-protected" in problem.message and "BadZipFile" not in problem.message
    assert "清除密码" in problem.message
