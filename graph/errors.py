"""Errors gongjian raises. Every message ends with what to do about it.

GongjianError
├── LedgerError      a ledger cannot be loaded; carries every Problem found
├── StoreError       the store cannot be opened or written
├── SettingsError    a setting has a value that cannot be used
├── AnalysisError    an analysis was asked for something it cannot do (a period, an area)
└── Neo4jServerError the local Neo4j server cannot be built, started or stopped
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a ledger, located to the cell."""

    file: str
    sheet: str
    row: int | None  # 1-based row number as the user sees it in Excel; None: the whole sheet
    column: str  # the header as written in the file, or "" for the whole row or sheet
    value: str
    message: (
        str  # what is wrong and what to do, e.g. "未知单位 …；最接近的是 …。请改正名称或先在 单位 表中添加。"
    )
    # A knock-on problem: the row (file, sheet, row) whose problem this one follows from, e.g.
    # a post naming a unit whose row is rejected; row None: a sheet that could not be read.
    # None: a root cause.
    cause: tuple[str, str, int | None] | None = None
    # An unknown word in a vocabulary column: the column as "record.field" (organization.kind),
    # so a 词表 row can map it. "" otherwise.
    term: str = ""

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.sheet:
            where += f" [{self.sheet}]"
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" 列「{self.column}」"
        value = f" 值「{self.value}」" if self.value else ""
        return f"{where}{value}: {self.message}"


class GongjianError(Exception):
    """The root of every error gongjian raises on purpose. An error written in both languages
    keeps them apart (``zh``, ``en``): :meth:`text` gives one, ``str()`` both, one per line."""

    def __init__(self, message: str = "", en: str | None = None) -> None:
        self.zh, self.en = message, message if en is None else en
        super().__init__(message if en is None else f"{message}\n{en}")

    def text(self, lang: str) -> str:
        """The message in one language ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


class LedgerError(GongjianError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        roots = [p for p in problems if p.cause is None]
        shown = "\n".join(f"- {p}" for p in roots[:20])
        more = f"\n… and {len(roots) - 20} more" if len(roots) > 20 else ""
        knock_on = len(problems) - len(roots)
        after = f"\n{knock_on} more row(s) refer to these rows and fail with them." if knock_on else ""
        super().__init__(
            f"{len(roots)} problem(s) in the ledger; nothing was loaded:\n{shown}{more}{after}\n"
            "Fix them and load again, or pass --skip-bad-rows to load the good rows."
        )


class StoreError(GongjianError):
    pass


class SettingsError(GongjianError):
    pass


class AnalysisError(GongjianError):
    pass


class Neo4jServerError(GongjianError):
    pass
