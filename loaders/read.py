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
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.errors import Problem
from graph.glossary import norm
from graph.model import RECORD_TYPES, RecordType

HEADER_SCAN = 10  # rows searched for the header
HEAD_BYTES = 1 << 16  # bytes of a CSV decoded to find its encoding and header
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)
REJECTED_SUFFIX = ".rejected.csv"  # what loaders.ledger writes next to a ledger
CELL_LIMIT = 20_000_000  # cells read from one sheet at most (rows x columns up to the last value)
EMPTY_RUN = 1000  # empty rows in a row after which reading a sheet stops
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # compound files: .xls, and password-protected .xlsx

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

# Values that are personal data, whatever their column: an 18-digit ID number (its last
# character may be X; Excel keeps 15 significant digits, so 21020319800101123X may arrive as
# 210203198001011000 or 2.10203198001011E+17), a 15-digit ID number of before 1999, a mobile
# number (+86 138 0411 2345) or a landline written with its area code (0411-88888888,
# (0411)88888888). ID numbers must hold a birth date where one belongs.
_ID18 = re.compile(r"\d{6}((?:19|20)\d{2})(\d{2})(\d{2})\d{3}[\dXx]")
_ID15 = re.compile(r"\d{6}(\d{2})(\d{2})(\d{2})\d{3}")
_ID_EXCEL = re.compile(r"([1-9])\.(\d{1,14})[Ee]\+17")
_PHONE = re.compile(
    r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
    r"|\(?0\d{2,3}\)?[\s-]\d{7,8}(?:-\d{1,5})?|\(0\d{2,3}\)\d{7,8}"
)
PERSONAL_SHARE = 0.5  # a column is personal data when this share of its values looks so

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
    notes: list[str] = field(default_factory=list)  # what reading left out, for the report


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
    width = max(len(row) for row in top)
    body = None
    if isinstance(source, Path) and encoding is not None:
        body = _arrow_body(source, encoding, header, top, width)
    if body is None:
        # From the top, not skipping the title and header: the parser checks the column count
        # against the widest row it sees, and the header row is as wide as the table.
        cells = pd.read_csv(
            source,
            encoding=encoding,
            header=None,
            names=range(width),
            usecols=_wanted(header, top),
            dtype=str,
            keep_default_na=False,
            na_filter=False,  # every cell is text; "" stays ""
            skip_blank_lines=False,
            engine="c",
        )
        body = cells.iloc[header.data_start :].reset_index(drop=True).fillna("")
    return _sheet(record, display, "", header, body)


def _arrow_body(path: Path, encoding: str, header: _Header, top: Grid, width: int) -> pd.DataFrame | None:
    """The cells under the header, read by pyarrow (several times faster than pandas); None when
    a row is not as wide as the widest of the first rows (a note line, a short row), a cell of
    the title or header spans lines, or the file does not decode: pandas reads those."""
    if any("\n" in cell or "\r" in cell for row in top[: header.data_start] for cell in row):
        return None
    ragged: list[object] = []

    def invalid(row: object) -> str:
        ragged.append(row)
        return "skip"

    names = [str(p) for p in range(width)]
    wanted = _wanted(header, top)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,  # pyarrow skips a BOM
                skip_rows=header.data_start,
                column_names=names,
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[p] for p in wanted],
                column_types=dict.fromkeys(names, pa.large_string()),  # what pandas' str holds
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if ragged:
        return None
    body: pd.DataFrame = table.to_pandas()
    body.columns = pd.Index(wanted)
    return body


# --- workbooks ----------------------------------------------------------------------------


Grid = list[list[str]]


def _read_workbook(path: Path, display: str) -> list[RawSheet]:
    try:
        if _encrypted(path):
            raise EncryptedWorkbook
        names, grid, close = _open_xlsx(path) if path.suffix.lower() == ".xlsx" else _open_xls(path)
    except EncryptedWorkbook:
        return [
            _unreadable(
                display,
                "工作簿设有打开密码（已加密），无法读取 The workbook is password-protected (encrypted)",
                "请在 Excel 中打开，于「文件 › 信息 › 保护工作簿 › 用密码进行加密」中清除密码并保存后再导入。"
                "Open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with "
                "Password) and load again.",
            )
        ]
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
        close()
        return [
            _unreadable(
                display,
                f"工作簿中没有以表名命名的工作表（现有：{'、'.join(names)}） No sheet is named after a record type",
                _names_hint(),
            )
        ]
    sheets = []
    try:
        for name, record in chosen:
            try:
                sheets.append(_sheet_from_grid(grid(name), record, display, name))
            except TooLarge:
                sheets.append(_too_large(display, name, record.name))
    finally:
        close()
    return sheets


def _too_large(file: str, sheet: str, record: str) -> RawSheet:
    return _unreadable(
        file,
        f"工作表超过 {CELL_LIMIT:,} 个单元格，不予读取 The sheet holds more than {CELL_LIMIT:,} cells",
        "请删去表格右侧和下方多余的行列，或把台账拆成几个文件分批导入。"
        "Delete the rows and columns beyond the table, or split the ledger into several files.",
        record,
        sheet,
    )


def _encrypted(path: Path) -> bool:
    """A password-protected workbook: a compound file holding an EncryptionInfo stream (an
    .xlsx), or one xlrd finds encrypted (an .xls, see :func:`_open_xls`)."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    return head.startswith(OLE_MAGIC) and "EncryptionInfo".encode("utf-16-le") in head


Opened = tuple[list[str], Callable[[str], Grid], Callable[[], None]]  # sheet names, grid, close


def _open_xlsx(path: Path) -> Opened:
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

    # Read-only: the sheet is streamed row by row, whatever dimensions it declares; a styled
    # empty cell at XFD1048576 costs nothing. Read-only sheets do not know their merged
    # cells: those are read from the sheet's XML (:func:`_xlsx_merges`).
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)

    def grid(name: str) -> Grid:
        sheet = book[name]
        bounded = _Bounded(name)
        with sheet._get_source() as source:  # type: ignore[attr-defined]  # read-only sheets have it
            parser = WorkSheetParser(
                source,
                book.shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,  # type: ignore[attr-defined]
                timedelta_formats=book._timedelta_formats,  # type: ignore[attr-defined]
            )
            for number, cells in parser.parse():
                values = {c["column"]: _cell_text(c["value"]) for c in cells}
                width = max((col for col, v in values.items() if v), default=0)
                row = [""] * width
                for col, v in values.items():
                    if col <= width:
                        row[col - 1] = v
                if not bounded.add(number, row):
                    break
        with sheet._get_source() as source:  # type: ignore[attr-defined]  # read-only sheets have it
            merges = _xlsx_merges(source)
        return _fill_merged(bounded.rows, merges)

    return list(book.sheetnames), grid, book.close


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def _xlsx_merges(source: IO[bytes]) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet's XML, streamed in chunks (see :func:`_fill_merged`)."""
    merges: list[tuple[int, int, int, int]] = []
    tail = b""
    while chunk := source.read(1 << 20):
        text = tail + chunk
        end = 0
        for found in _MERGE.finditer(text):
            c0, r0, c1, r1 = found.groups()
            c1, r1 = c1 or c0, r1 or r0
            merges.append((int(r0) - 1, int(r1), _column(c0) - 1, _column(c1)))
            end = found.end()
        tail = text[max(end, len(text) - 200) :]
    return merges


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _open_xls(path: Path) -> Opened:
    import xlrd

    try:
        book = xlrd.open_workbook(path, formatting_info=True, on_demand=True)  # formatting_info: merges
    except xlrd.XLRDError as err:
        if "encrypt" in str(err).lower():
            raise EncryptedWorkbook from err
        raise

    def text(kind: int, value: object) -> str:
        if kind == xlrd.XL_CELL_DATE:
            return _cell_text(xlrd.xldate_as_datetime(value, book.datemode))
        if kind == xlrd.XL_CELL_BOOLEAN:
            return _cell_text(bool(value))
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return ""
        return _cell_text(value)

    def grid(name: str) -> Grid:
        sheet = book.sheet_by_name(name)
        bounded = _Bounded(name)
        for r in range(sheet.nrows):
            cells = [text(k, v) for k, v in zip(sheet.row_types(r), sheet.row_values(r), strict=True)]
            while cells and not cells[-1]:
                cells.pop()
            if not bounded.add(r + 1, cells):
                break
        return _fill_merged(bounded.rows, list(sheet.merged_cells))

    return list(book.sheet_names()), grid, book.release_resources


class EncryptedWorkbook(Exception):
    """A workbook protected by a password: its cells cannot be read."""


class TooLarge(Exception):
    """A sheet holds more cells than :data:`CELL_LIMIT`."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        super().__init__(sheet)


class _Bounded:
    """The rows of a sheet as they are read, up to the last row holding a value: reading stops
    after :data:`EMPTY_RUN` empty rows in a row (formatting far below a table is not data), and
    :class:`TooLarge` is raised past :data:`CELL_LIMIT` cells."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.rows: Grid = []
        self.last = 0  # number of rows up to the last holding a value
        self.cells = 0

    def add(self, number: int, row: list[str]) -> bool:
        """Add row ``number`` (1-based; rows between are empty); False: stop reading."""
        if not any(row):
            return number - self.last <= EMPTY_RUN
        if number - self.last > EMPTY_RUN:
            return False
        self.cells += len(row)
        if self.cells > CELL_LIMIT:
            raise TooLarge(self.sheet)
        self.rows.extend([] for _ in range(number - 1 - self.last))
        self.rows.append(row)
        self.last = number
        return True


def _fill_merged(rows: Grid, merges: list[tuple[int, int, int, int]]) -> Grid:
    """Every cell of a merged range gets the top-left value. ``merges``: (first row, row
    after the last, first column, column after the last), 0-based. Ranges are cut at the
    last row and column that hold a value: a merge down to row 1048576 adds nothing."""
    width = max(map(len, rows), default=0)
    for r0, r1, c0, last in merges:
        c1 = min(last, width)
        if r0 >= len(rows) or c0 >= c1:
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
    """A header naming personal data, wherever the word is: 身份证号, 编码（身份证号）, 法人手机…"""
    whole = re.sub(r"[\s_*\-]", "", norm(header))  # brackets kept: 编码（身份证号） is an ID number
    return _header_key(header) == "tel" or any(word in whole for word in PERSONAL_DATA)


def personal_value(text: str) -> bool:
    """True when a cell looks like an ID number or a phone number (see :data:`_ID18`)."""
    t = norm(text).replace(" ", "") if len(text) < 40 else ""
    excel = _ID_EXCEL.fullmatch(t)
    if excel:
        t = (excel[1] + excel[2]).ljust(18, "0")
    for shape, century in ((_ID18, ""), (_ID15, "19")):
        found = shape.fullmatch(t)
        if found:
            year, month, day = int(century + found[1]), int(found[2]), int(found[3])
            return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
    return _PHONE.fullmatch(norm(text).strip()) is not None


def bytes_where(
    texts: pa.StringArray, marked: Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.bool_]]
) -> npt.NDArray[np.int64]:
    """How many bytes of each text's UTF-8 ``marked`` picks (numpy over the Arrow buffers)."""
    _, offsets_buffer, data_buffer = texts.buffers()
    if offsets_buffer is None or data_buffer is None:
        return np.zeros(len(texts), dtype=np.int64)
    picked = marked(np.frombuffer(data_buffer, np.uint8))
    if not picked.any():  # the common case (control characters): no sum to make
        return np.zeros(len(texts), dtype=np.int64)
    offsets = np.frombuffer(offsets_buffer, np.int32)[texts.offset : texts.offset + len(texts) + 1]
    counts = np.zeros(len(data_buffer) + 1, dtype=np.int32)  # a string array holds under 2**31 bytes
    np.cumsum(picked, out=counts[1:])
    ends: npt.NDArray[np.int64] = (counts[offsets[1:]] - counts[offsets[:-1]]).astype(np.int64)
    return ends


def _ascii_digit(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    return (data >= 0x30) & (data <= 0x39)


def _other_digit_lead(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """The first bytes of every character outside ASCII that can be a decimal digit (Unicode Nd:
    U+0600-1FFF and from U+A000 on)."""
    return ((data >= 0xD8) & (data <= 0xE1)) | ((data >= 0xEA) & (data <= 0xF4))


def maybe_personal(texts: pa.StringArray) -> npt.NDArray[np.bool_]:
    """Where :func:`personal_value` may be true: ten digits or more after NFKC (the shortest
    phone number has ten, an ID number more), counting any digit outside ASCII as ten."""
    normed = pc.utf8_normalize(texts, "NFKC")
    return (bytes_where(normed, _ascii_digit) >= 10) | (bytes_where(normed, _other_digit_lead) > 0)


def personal_values(texts: Sequence[str]) -> npt.NDArray[np.bool_]:
    """:func:`personal_value` of each text; Python looks only at those :func:`maybe_personal` picks."""
    found = np.zeros(len(texts), dtype=bool)
    if not texts:
        return found
    for j in np.flatnonzero(maybe_personal(pa.array(texts, pa.string()))).tolist():
        found[j] = personal_value(texts[j])
    return found


def _personal_column(values: pd.Series) -> bool:
    """A column whose values are mostly ID or phone numbers (:data:`PERSONAL_SHARE`)."""
    sample: list[str] = []
    size = 4096
    while len(sample) < 1000:  # the first 1000 distinct values that are not blank
        head = values.iloc[:size]
        sample = [v for v in head.unique().tolist() if v and not str(v).isspace()][:1000]
        if size >= len(values):
            break
        size *= 4
    if not sample:
        return False
    return int(personal_values(sample).sum()) >= PERSONAL_SHARE * len(sample)


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
    texts = dict(header.texts)
    dropped: list[str] = []
    for name in [n for n in header.fields if _personal_column(rows[n])]:
        where = f"{file}［{sheet}］" if sheet else file
        dropped.append(
            f"{where} 的「{texts[name]}」列像是身份证号或电话号码，已略去，不会保存。"
            f"The column {texts[name]} of {where} looks like ID or phone numbers: it was left out and "
            "is not stored."
        )
        del rows[name], texts[name]
        fields = {n: p for n, p in header.fields.items() if n != name}
        header = _Header(header.data_start, fields, texts, header.columns)
    problems = [
        _missing_column(file, sheet, c.zh, header.columns)
        for c in record.columns
        if c.required and c.name not in header.fields
    ]
    return RawSheet(record.name, file, sheet, texts, rows, problems, dropped)


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
