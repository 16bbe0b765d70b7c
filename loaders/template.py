"""The empty ledger workbook users fill in: one sheet per record type with its Chinese
headers (编码 first, required ones in bold red), and a 说明 sheet describing every column."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from graph.glossary import BOOLEAN, VOCABULARIES
from graph.model import RECORD_TYPES, Column, RecordType
from loaders.parse import DATE_FORMATS

NOTES_SHEET = "说明"
NOTES_HEADER = ("表", "列", "英文名", "必填", "说明", "可选值", "日期格式")
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
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


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
