"""Reading ledgers: files into raw sheets of text cells. Nothing is parsed here
(:mod:`loaders.parse` does that), so the parsers can be tested on inline tables.

A ledger is one workbook (.xlsx or .xls) with one sheet per record type, a folder of files
named after the sheets (``单位.csv``, ``units.csv``, ``单位.xlsx`` whose first sheet is used),
or one CSV file named after a sheet. Sheet names and headers match in Chinese or English,
compared after :func:`graph.glossary.norm`.

What real ledgers do and reading copes with: UTF-8 with or without BOM and GB18030/GBK CSV;
merged cells (every cell of the range gets the top-left value); a title line above the table
and two-row headers (the header is the row among the first ten that names the most known
columns); blank rows (skipped, row numbers kept); a note line under the table (it and what
follows are ignored); Excel dates and numbers (as ISO text and ``44927``, not ``44927.0``).

Only the known columns are kept. Columns naming personal data (ID numbers, phones) are
never taken, whatever else happens (PIPL art. 28).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from graph.errors import Problem
from graph.glossary import norm
from graph.model import RECORD_TYPES, RecordType

HEADER_SCAN = 10  # rows searched for the header
HEAD_BYTES = 1 << 16  # bytes of a CSV decoded to find its encoding and header
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)
REJECTED_SUFFIX = ".rejected.csv"  # what loaders.ledger writes next to a ledger

# Header words that name personal data: such columns are never read.
PERSONAL_DATA = (
    "身份证",
    "证件号",
    "电话",
    "手机",
    "联系方式",
    "phone",
    "mobile",
    "idnumber",
    "idcard",
    "idno",
)

# The text of a note line under a table: 注：…, 说明：…, 备注：…, 填表人…, Note: …
NOTE = r"(?i)^\s*((注意?|说明|备注)\s*[:：\d(（、.．\s]|填表|note\b)"


@dataclass
class RawSheet:
    """One sheet (or CSV file) of a ledger as text cells.

    ``rows`` has one column per known field found in the header (cells as written, "" when
    empty) and ``_row``, the row number the user sees in Excel or a text editor. A file that
    cannot be read at all gives a sheet with ``record`` "" that holds only its problem.
    """

    record: str
    file: str
    sheet: str
    header: dict[str, str]  # field name -> header text as written
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Header:
    data_start: int  # index of the first row under the header
    fields: dict[str, int]  # field name -> column position
    texts: dict[str, str]  # field name -> header text as written
    columns: list[str]  # every header text, for messages


# Header names a keeper's 词表 maps to columns (header key -> header key), while a ledger is read.
HEADER_WORDS: ContextVar[Mapping[str, str]] = ContextVar("HEADER_WORDS", default=MappingProxyType({}))
VOCABULARY_NAME = "词表"  # a 词表 sheet or file is read by loaders.vocabulary, not here


def read_ledger(path: Path, headers: Mapping[str, str] | None = None) -> list[RawSheet]:
    """The sheets of a ledger: a workbook, a folder of files, or one CSV file. ``headers``: the
    header names a 词表 maps (:class:`loaders.vocabulary.Words`)."""
    token = HEADER_WORDS.set(headers or {})
    try:
        return _read_ledger(Path(path))
    finally:
        HEADER_WORDS.reset(token)


def _read_ledger(path: Path) -> list[RawSheet]:
    if path.is_dir():
        sheets: list[RawSheet] = []
        for file in sorted(path.iterdir()):
            if file.name.startswith((".", "~$")) or file.name.endswith(REJECTED_SUFFIX) or file.is_dir():
                continue  # hidden files, Excel's lock files, the rejected rows of an earlier load
            if file.stem == VOCABULARY_NAME:
                continue
            named = record_named(file.stem)
            if file.suffix.lower() in SUFFIXES or named:
                sheets += _read_file(file, f"{path.name}/{file.name}")
        if not sheets:
            sheets.append(
                _unreadable(path.name, "文件夹中没有以表名命名的台账文件 No ledger files here", _names_hint())
            )
        return sheets
    return _read_file(path, path.name)


def record_named(name: str) -> RecordType | None:
    """The record type a sheet or file name stands for (单位, units, …), or None."""
    key = _header_key(name)
    for record in RECORD_TYPES:
        if key in (_header_key(record.sheet_zh), _header_key(record.sheet_en)):
            return record
    return None


def _names_hint() -> str:
    names = "、".join(f"{r.sheet_zh}（{r.sheet_en}）" for r in RECORD_TYPES)
    return f"请按表名命名：{names}。Name sheets and files after the record types."


def _unreadable(file: str, what: str, fix: str, record: str = "", sheet: str = "") -> RawSheet:
    problem = Problem(file, sheet, None, "", "", f"{what}。{fix}")
    return RawSheet(record, file, sheet, {}, pd.DataFrame({"_row": pd.Series([], dtype="int64")}), [problem])


def _read_file(path: Path, display: str) -> list[RawSheet]:
    suffix = path.suffix.lower()
    if not path.exists():
        return [_unreadable(display, "找不到文件 File not found", "请检查路径。Check the path.")]
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, display)
    if suffix != ".csv":
        return [
            _unreadable(
                display,
                f"不支持的文件类型「{path.suffix}」 Unsupported file type",
                "请另存为 .xlsx、.xls 或 .csv 后再导入。Save it as .xlsx, .xls or .csv and load again.",
            )
        ]
    record = record_named(path.stem)
    if record is None:
        return [
            _unreadable(
                display, f"文件名「{path.stem}」不是表名 The file name is not a sheet name", _names_hint()
            )
        ]
    return [_read_csv(path, display, record)]


# --- CSV ----------------------------------------------------------------------------------


def _read_csv(path: Path, display: str, record: RecordType) -> RawSheet:
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    candidates = ["utf-8-sig"] if head.startswith(codecs.BOM_UTF8) else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return _read_csv_as(path, display, record, head, encoding)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, csv.Error) as err:
            return _unreadable(
                display,
                f"CSV 格式有误 Malformed CSV: {err}",
                "请用 Excel 打开后另存为「CSV UTF-8（逗号分隔）」。Open it in Excel and save as CSV UTF-8.",
                record.name,
            )
    return _unreadable(
        display,
        "无法识别文件编码（不是 UTF-8，也不是 GB18030/GBK） Cannot decode the file as UTF-8 or GB18030",
        "请用 Excel 打开后另存为「CSV UTF-8（逗号分隔）」再导入。Save it as CSV UTF-8 and load again.",
        record.name,
    )


def _read_csv_as(path: Path, display: str, record: RecordType, head: bytes, encoding: str) -> RawSheet:
    decoder = codecs.getincrementaldecoder(encoding)()
    text = decoder.decode(head, final=len(head) < HEAD_BYTES)
    return _csv_sheet(path, text, encoding, display, record)


def read_text(text: str, file: str) -> RawSheet:
    """A sheet given as CSV text, named like a file (``单位.csv``): for tests and pasted tables."""
    record = record_named(Path(file).stem)
    if record is None:
        return _unreadable(file, f"「{file}」不是表名 Not a sheet name", _names_hint())
    return _csv_sheet(io.StringIO(text), text, None, file, record)


def _csv_sheet(
    source: Path | io.StringIO, head: str, encoding: str | None, display: str, record: RecordType
) -> RawSheet:
    top = [row for _, row in zip(range(HEADER_SCAN + 1), csv.reader(io.StringIO(head)), strict=False)]
    header = _find_header(top[:HEADER_SCAN], record)
    if header is None:
        return _no_header(display, "", record)
    # From the top, not skipping the title and header: the parser checks the column count
    # against the widest row it sees, and the header row is as wide as the table.
    cells = pd.read_csv(
        source,
        encoding=encoding,
        header=None,
        names=range(max(len(row) for row in top)),
        usecols=_wanted(header, top),
        dtype=str,
        keep_default_na=False,
        na_filter=False,  # every cell is text; "" stays ""
        skip_blank_lines=False,
        engine="c",
    )
    body = cells.iloc[header.data_start :].reset_index(drop=True)
    return _sheet(record, display, "", header, body.fillna(""))


# --- workbooks ----------------------------------------------------------------------------


Grid = list[list[str]]


def _read_workbook(path: Path, display: str) -> list[RawSheet]:
    try:
        names, grid = _open_xlsx(path) if path.suffix.lower() == ".xlsx" else _open_xls(path)
    except Exception as err:  # corrupt or mislabelled files raise many kinds of errors
        return [
            _unreadable(
                display,
                f"无法打开工作簿 Cannot open the workbook: {type(err).__name__}: {err}",
                "请用 Excel 打开并另存为 .xlsx 后再导入（有些系统导出的 .xls 其实是网页或文本）。"
                "Open it in Excel, save it as .xlsx and load again.",
            )
        ]
    named = record_named(path.stem)
    if named is not None:  # 单位.xlsx: its first sheet is the 单位 sheet
        chosen = [(names[0], named)]
    else:
        chosen = [(name, rec) for name in names if (rec := record_named(name)) is not None]
    if not chosen:
        return [
            _unreadable(
                display,
                f"工作簿中没有以表名命名的工作表（现有：{'、'.join(names)}） No sheet is named after a record type",
                _names_hint(),
            )
        ]
    return [_sheet_from_grid(grid(name), record, display, name) for name, record in chosen]


def _open_xlsx(path: Path) -> tuple[list[str], Callable[[str], Grid]]:
    import openpyxl

    # Not read-only: read-only worksheets do not know their merged cells.
    book = openpyxl.load_workbook(path, data_only=True)

    def grid(name: str) -> Grid:
        sheet = book[name]
        rows = [
            [_cell_text(v) for v in row] for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        ]
        merges = [(r.min_row - 1, r.max_row, r.min_col - 1, r.max_col) for r in sheet.merged_cells.ranges]
        return _fill_merged(rows, merges)

    return list(book.sheetnames), grid


def _open_xls(path: Path) -> tuple[list[str], Callable[[str], Grid]]:
    import xlrd

    book = xlrd.open_workbook(path, formatting_info=True)  # formatting_info: merged cells

    def text(cell: xlrd.sheet.Cell) -> str:
        if cell.ctype == xlrd.XL_CELL_DATE:
            return _cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode))
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return _cell_text(bool(cell.value))
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return ""
        return _cell_text(cell.value)

    def grid(name: str) -> Grid:
        sheet = book.sheet_by_name(name)
        rows = [[text(c) for c in sheet.row(r)] for r in range(sheet.nrows)]
        return _fill_merged(rows, list(sheet.merged_cells))

    return list(book.sheet_names()), grid


def _fill_merged(rows: Grid, merges: list[tuple[int, int, int, int]]) -> Grid:
    """Every cell of a merged range gets the top-left value. ``merges``: (first row, row
    after the last, first column, column after the last), 0-based."""
    for r0, r1, c0, c1 in merges:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows))):
            row = rows[r]
            row.extend([""] * (c1 - len(row)))
            row[c0:c1] = [value] * (c1 - c0)
    return rows


def _cell_text(value: object) -> str:
    """A cell as text: dates as ISO, int-like numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_from_grid(grid: Grid, record: RecordType, file: str, sheet: str) -> RawSheet:
    top = grid[:HEADER_SCAN]
    header = _find_header(top, record)
    if header is None:
        return _no_header(file, sheet, record)
    body = grid[header.data_start :]
    cells = pd.DataFrame(
        {p: [row[p] if p < len(row) else "" for row in body] for p in _wanted(header, top)}, dtype="str"
    )
    return _sheet(record, file, sheet, header, cells)


# --- headers and bodies -------------------------------------------------------------------


def header_key(text: str) -> str:
    """A header in matching form (what :func:`_header_key` gives)."""
    return _header_key(text)


def _header_key(text: str) -> str:
    """A header in matching form: 单位名称（必填）, *名称 and 单 位 名 称 all match 单位名称."""
    key = re.sub(r"\(.*\)$", "", norm(text))
    return re.sub(r"[\s_*\-]", "", key)


def is_personal(header: str) -> bool:
    key = _header_key(header)
    return key == "tel" or any(word in key for word in PERSONAL_DATA)


def _aliases(record: RecordType) -> dict[str, str]:
    aliases = {_header_key(h): c.name for c in record.columns for h in (*c.zh, *c.en)}
    aliases.update(
        (word, aliases[standard]) for word, standard in HEADER_WORDS.get().items() if standard in aliases
    )
    return aliases


def _match(row: list[str], aliases: dict[str, str], taken: dict[str, int]) -> None:
    """Add to ``taken`` the fields the cells of a header row name (the first cell wins)."""
    for position, text in enumerate(row):
        name = aliases.get(_header_key(text))
        if name and name not in taken and position not in taken.values() and not is_personal(text):
            taken[name] = position


def _find_header(top: Grid, record: RecordType) -> _Header | None:
    """The header among the first rows: the row naming the most known columns, or a two-row
    header (a merged group title above) whose lower row names the columns the top one does not."""
    aliases = _aliases(record)
    best: tuple[int, int, int] = (0, 0, 0)  # (score, first row, number of header rows)
    for i, row in enumerate(top):
        single: dict[str, int] = {}
        _match(row, aliases, single)
        pair = dict(single)
        if i + 1 < len(top):
            _match(top[i + 1], aliases, pair)
        for score, rows in ((len(single), 1), (len(pair), 2)):
            if score > best[0]:
                best = (score, i, rows)
    score, first, rows = best
    if score == 0:
        return None
    fields: dict[str, int] = {}
    texts: dict[str, str] = {}
    for r in range(first, first + rows):
        before = set(fields)
        _match(top[r], aliases, fields)
        texts.update({name: top[r][fields[name]].strip() for name in set(fields) - before})
    width = max(len(top[r]) for r in range(first, first + rows))
    columns: list[str] = []
    for p in range(width):
        cells = [top[r][p].strip() for r in range(first, first + rows) if p < len(top[r])]
        text = next((c for c in reversed(cells) if c), "")
        if text and (not columns or columns[-1] != text):
            columns.append(text)
    return _Header(first + rows, fields, texts, columns)


def _wanted(header: _Header, top: Grid) -> list[int]:
    """Column positions to read: the known fields, and the first column (not personal data)
    because a note line under the table usually starts there."""
    positions = sorted(header.fields.values())
    first_header = top[header.data_start - 1][0] if top[header.data_start - 1] else ""
    if 0 not in positions and not is_personal(first_header):
        positions.insert(0, 0)
    return positions


def _no_header(file: str, sheet: str, record: RecordType) -> RawSheet:
    expected = "、".join(c.zh[0] for c in record.columns)
    return _unreadable(
        file,
        f"前 {HEADER_SCAN} 行中找不到「{record.sheet_zh}」表的表头 No header found in the first rows",
        f"请在表格上方写一行列名，如：{expected}。Put a header row naming the columns.",
        record.name,
        sheet,
    )


def _sheet(record: RecordType, file: str, sheet: str, header: _Header, cells: pd.DataFrame) -> RawSheet:
    """The raw sheet of the cells under a header (columns: positions in the file): blank rows
    skipped, the table ended at a note line, each row numbered as the user sees it."""
    filled = {p: (cells[p].ne("") & ~cells[p].str.isspace()).to_numpy(dtype=bool) for p in cells.columns}
    count: npt.NDArray[np.int64] = np.sum(list(filled.values()), axis=0, dtype=np.int64)
    single = np.flatnonzero(count == 1)
    if len(single):  # a note line holds one cell of text
        text = pd.Series("", index=single, dtype="str")
        for p in cells.columns:
            text = text + cells[p].iloc[single].where(filled[p][single], "").to_numpy()
        notes = single[text.str.match(NOTE).to_numpy(dtype=bool)]
        if len(notes):
            count = count[: notes[0]]
    keep = np.zeros(len(cells), dtype=bool)
    keep[: len(count)] = count > 0
    # Masking the arrays (Arrow's filter) is many times faster than DataFrame.loc here.
    rows = pd.DataFrame(
        {name: cells[p].array[keep] for name, p in sorted(header.fields.items(), key=_second)}
    )
    rows["_row"] = np.flatnonzero(keep) + header.data_start + 1
    problems = [
        _missing_column(file, sheet, c.zh, header.columns)
        for c in record.columns
        if c.required and c.name not in header.fields
    ]
    return RawSheet(record.name, file, sheet, dict(header.texts), rows, problems)


def _second(item: tuple[str, int]) -> int:
    return item[1]


def _missing_column(file: str, sheet: str, names: tuple[str, ...], columns: list[str]) -> Problem:
    where = f"{file}［{sheet}］" if sheet else file
    expected = " 或 ".join(names)
    present = "、".join(columns)
    return Problem(
        file,
        sheet,
        None,
        names[0],
        "",
        f"{where} 中找不到「{expected}」列；现有的列：{present}。请把相应的表头改为「{names[0]}」。"
        f"Column {names[0]} not found in {where}. Columns are: {present}; rename the header.",
    )
