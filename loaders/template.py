"""The empty ledger workbook users fill in: one sheet per record type with its Chinese
headers (编码 first, required ones in bold red), a 说明 sheet describing every column, a 可选值
sheet listing the words each vocabulary column accepts, and an empty 词表 sheet for the
keeper's own words (:mod:`loaders.vocabulary`). Vocabulary columns carry Excel drop-down lists
(data validation) of their accepted words, so a ledger filled from the template has no unknown
words; a word typed in anyway gets a warning, not a refusal, since a 词表 row may map it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from graph.glossary import BOOLEAN, VOCABULARIES
from graph.model import RECORD_TYPES, Column, RecordType
from loaders.parse import DATE_FORMATS
from loaders.vocabulary import HEADER, SHEET, vocab_columns, vocabulary_of

NOTES_SHEET = "说明"
NOTES_HEADER = ("表", "列", "英文名", "必填", "说明", "可选值", "日期格式")
WORDS_SHEET = "可选值"
WORDS_HEADER = ("表", "列", "标准词", "也接受")
LAST_ROW = 1_048_576
REQUIRED = Font(bold=True, color="C00000")
OPTIONAL = Font(bold=False)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")


def template_columns(record: RecordType) -> list[Column]:
    """The columns of a record's sheet in template order: 编码 first, then the model's order."""
    columns = list(record.columns)
    return sorted(columns, key=lambda c: c.name != "code")


def write_template(path: Path) -> Path:
    """Write the empty ledger workbook to ``path`` (.xlsx) and return the path."""
    path = Path(path)
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    notes = []
    for record in RECORD_TYPES:
        sheet = book.create_sheet(record.sheet_zh)
        for i, column in enumerate(template_columns(record), start=1):
            cell = sheet.cell(row=1, column=i, value=column.zh[0])
            cell.font = REQUIRED if column.required else OPTIONAL
            cell.fill = HEADER_FILL
            sheet.column_dimensions[cell.column_letter].width = max(12, 3 * len(column.zh[0]))
            notes.append(_note(record, column))
            if column.kind in ("enum", "bool"):
                _drop_down(sheet, i, column)
        sheet.freeze_panes = "A2"
    sheet = book.create_sheet(NOTES_SHEET)
    sheet.append(NOTES_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in notes:
        sheet.append(row)
    for letter, width in zip("ABCDEFG", (10, 14, 16, 6, 60, 40, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _accepted_words(book.create_sheet(WORDS_SHEET))
    words = book.create_sheet(SHEET)
    words.append(HEADER)
    for letter, width in zip("ABC", (20, 20, 14), strict=True):
        words.column_dimensions[letter].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _drop_down(sheet: Any, position: int, column: Column) -> None:
    """A drop-down list of the column's accepted words under its header."""
    vocab = vocabulary_of(column)
    words = ",".join(vocab.label(code) for code in vocab.codes)
    check = DataValidation(
        type="list",
        formula1=f'"{words}"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="不在可选值中",
        error=f"{column.zh[0]}应为：{vocab.choices()}。如是本单位的习惯用语，请在「{SHEET}」表中说明它对应哪个标准词。",
    )
    sheet.add_data_validation(check)
    letter = get_column_letter(position)
    check.add(f"{letter}2:{letter}{LAST_ROW}")


def _accepted_words(sheet: Any) -> None:
    """Each vocabulary column's accepted words: the standard word and the others read as it."""
    sheet.append(WORDS_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record, column in vocab_columns():
        vocab = vocabulary_of(column)
        for term in vocab.terms:
            also = "、".join(w for w in term.synonyms if not w.isascii())
            sheet.append((record.sheet_zh, column.zh[0], term.zh, also))
    for letter, width in zip("ABCD", (10, 16, 14, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _note(record: RecordType, column: Column) -> tuple[str, ...]:
    choices = ""
    if column.kind == "enum":
        choices = VOCABULARIES[column.vocab].choices()
    elif column.kind == "bool":
        choices = BOOLEAN.choices()
    elif column.kind in ("ref", "refs"):
        target = next(r for r in RECORD_TYPES if r.name == column.ref)
        choices = f"{target.sheet_zh} 表中的名称、简称或编码"
    dates = DATE_FORMATS if column.kind == "date" else ""
    return (
        record.sheet_zh,
        column.zh[0],
        column.en[0],
        "是" if column.required else "否",
        column.help,
        choices,
        dates,
    )
