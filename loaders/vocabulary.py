"""The keeper's own words (词表): what a department's ledgers say, mapped to the product's terms.

A 词表 is a table with the columns 原词 (the word as the ledger writes it), 标准词 (the term it
stands for) and, optionally, 列 (the column it applies to, as the template names it: 类型,
出席情况, 状态…; 表头 for a header name). It comes from a sheet named 词表 in a ledger workbook
(or a 词表.csv / 词表.xlsx file in a folder ledger), which applies to that ledger, and from the
file the ``vocabulary`` setting names, which applies to every ledger.

- A value row maps a word of a vocabulary column (类型, 层级, 出席情况, 状态, 是否…): 原词
  社区党组织, 标准词 社区党委. Without 列 it applies to every such column where 标准词 is an
  accepted word.
- A header row maps a header to a column: 原词 单位名称, 标准词 名称 (列 empty or 表头).

The ledger's own 词表 wins over the shared file, and both over the built-in synonyms
(:mod:`graph.glossary`). A row whose 标准词 is no accepted word is a problem located to its row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import Problem
from graph.glossary import VOCABULARIES, Vocabulary, norm
from graph.model import RECORD_TYPES, Column, RecordType
from loaders.read import header_key

SHEET = "词表"
HEADER = ("原词", "标准词", "列")
HEADERS = "表头"  # the 列 of a row mapping a header name
SUFFIXES = (".csv", ".xlsx")


def vocab_columns() -> list[tuple[RecordType, Column]]:
    """Every column whose values come from a vocabulary (enum and yes/no columns)."""
    return [(r, c) for r in RECORD_TYPES for c in r.columns if c.kind in ("enum", "bool")]


def vocabulary_of(column: Column) -> Vocabulary:
    return VOCABULARIES["boolean" if column.kind == "bool" else column.vocab]


@dataclass
class Words:
    """A 词表, read: value mappings per column, header mappings, and its own problems."""

    values: dict[tuple[str, str], dict[str, str]] = field(
        default_factory=dict
    )  # (record, field) -> form -> code
    headers: dict[str, str] = field(default_factory=dict)  # header key -> header key of a column
    problems: list[Problem] = field(default_factory=list)

    def value(self, record: str, column: str, text: str) -> str | None:
        """The code a keeper's word stands for in this column, or None."""
        return self.values.get((record, column), {}).get(norm(text))

    def over(self, other: Words) -> Words:
        """These words, falling back to ``other``'s."""
        values = {k: dict(v) for k, v in other.values.items()}
        for k, v in self.values.items():
            values.setdefault(k, {}).update(v)
        return Words(values, {**other.headers, **self.headers}, [*other.problems, *self.problems])


def parse_words(rows: Iterable[tuple[int, list[str]]], file: str, sheet: str) -> Words:
    """A 词表 from its rows (row number, cells) under the header 原词, 标准词, 列."""
    words = Words()
    header_keys = {header_key(h): h for r in RECORD_TYPES for c in r.columns for h in (*c.zh, *c.en)}
    for row, cells in rows:
        word, standard, column = ([c.strip() for c in cells] + ["", "", ""])[:3]
        if not word and not standard:
            continue

        def problem(text: str, value: str, column_name: str = "标准词", row: int = row) -> None:
            words.problems.append(Problem(file, sheet, row, column_name, value, text))

        if not word or not standard:
            problem(
                "词表的每行需要原词和标准词；请补全或删去该行。Each row needs 原词 and 标准词.",
                word or standard,
            )
            continue
        is_header = column == HEADERS or (not column and header_key(standard) in header_keys)
        if is_header and header_key(standard) not in header_keys:
            problem(
                f"「{standard}」不是任何表的列名；请写模板中的列名，如 名称。Not a column header.", standard
            )
            continue
        if is_header:
            words.headers[header_key(word)] = header_key(standard)
        if column == HEADERS:
            continue
        targets = [
            (r, c)
            for r, c in vocab_columns()
            if (not column or header_key(column) in {header_key(h) for h in (*c.zh, *c.en)})
            and vocabulary_of(c).match(standard) is not None
        ]
        if not targets:
            if is_header:
                continue
            choices = "；".join(
                sorted({f"{c.zh[0]}：{vocabulary_of(c).choices()}" for _, c in vocab_columns()})
            )
            where = f"「{column}」列" if column else "任何有可选值的列"
            problem(
                f"「{standard}」不是{where}可接受的值；标准词须是可接受的值之一（{choices}）。"
                "标准词 must be an accepted value of the column.",
                standard,
            )
            continue
        for r, c in targets:
            code = vocabulary_of(c).match(standard)
            assert code is not None
            words.values.setdefault((r.name, c.name), {})[norm(word)] = code
    return words


def read_words(path: Path) -> Words:
    """The 词表 in a file: CSV (UTF-8 or GB18030), or a workbook's 词表 sheet (else its first)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            name = SHEET if SHEET in book.sheetnames else book.sheetnames[0]
            grid = [["" if v is None else str(v) for v in r] for r in book[name].iter_rows(values_only=True)]
        finally:
            book.close()
        return _from_grid(grid, path.name, name)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        problem = Problem(
            path.name, "", None, "", "", "无法识别词表的编码；请另存为 CSV UTF-8。Save it as CSV UTF-8."
        )
        return Words(problems=[problem])
    return _from_grid(list(csv.reader(io.StringIO(text))), path.name, "")


def _from_grid(grid: list[list[str]], file: str, sheet: str) -> Words:
    for i, row in enumerate(grid[:10]):
        keys = [header_key(c) for c in row]
        if "原词" in keys and "标准词" in keys:
            at = [keys.index("原词"), keys.index("标准词"), keys.index("列") if "列" in keys else -1]
            rows = (
                (n, [r[p] if 0 <= p < len(r) else "" for p in at])
                for n, r in enumerate(grid[i + 1 :], start=i + 2)
            )
            return parse_words(rows, file, sheet)
    message = (
        f"找不到表头 原词、标准词、列；请在第一行写上这三个列名。{SHEET}: header 原词, 标准词, 列 not found."
    )
    return Words(problems=[Problem(file, sheet, None, "", "", message)])


def ledger_words(path: Path) -> Words:
    """The 词表 a ledger carries: the 词表 sheet of a workbook, or 词表.csv / 词表.xlsx in a folder."""
    path = Path(path)
    if path.is_dir():
        found = [path / f"{SHEET}{s}" for s in SUFFIXES if (path / f"{SHEET}{s}").is_file()]
        return read_words(found[0]) if found else Words()
    if path.suffix.lower() == ".xlsx" and path.is_file():
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True)
            has = SHEET in book.sheetnames
            book.close()
        except Exception:  # the reader reports a workbook it cannot open
            return Words()
        if has:
            return read_words(path)
    return Words()


def words_for(ledger: Path, vocabulary: Path | None) -> Words:
    """The words a ledger is read with: its own 词表 over the shared vocabulary file's."""
    shared = read_words(vocabulary) if vocabulary is not None and vocabulary.is_file() else Words()
    return ledger_words(ledger).over(shared)


def add_word(vocabulary: Path, word: str, standard: str, column: str) -> None:
    """Append a row to the vocabulary file, creating it (UTF-8 with BOM, which Excel opens)."""
    vocabulary = Path(vocabulary)
    vocabulary.parent.mkdir(parents=True, exist_ok=True)
    if vocabulary.suffix.lower() == ".xlsx":
        import openpyxl

        if vocabulary.exists():
            book = openpyxl.load_workbook(vocabulary)
            sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        else:
            book = openpyxl.Workbook()
            sheet = book.worksheets[0]
            sheet.title = SHEET
            sheet.append(HEADER)
        sheet.append((word, standard, column))
        book.save(vocabulary)
        return
    new = not vocabulary.exists() or vocabulary.stat().st_size == 0
    encoding = "utf-8-sig"
    if not new:
        try:
            vocabulary.read_bytes().decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:  # a GBK file stays GBK
            encoding = "gb18030"
    with vocabulary.open("a", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(HEADER)
        writer.writerow((word, standard, column))
