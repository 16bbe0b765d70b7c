"""Problems by their root cause: what `validate`, `load` and the 数据 page lead with.

A ledger keeper who wrote one unknown word in 8 rows of 单位 gets one cause, not 8 problems plus
the 181 rows of 任职, 参会… that name those units. A root cause is one value in one column of
one sheet with one message, and the rows it stands on; knock-on problems
(:attr:`graph.errors.Problem.cause`) are followed back to the root causes of the row they cite
and counted under each, never listed as causes of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from graph.errors import Problem

ROWS_SHOWN = 5  # rows a cause lists before "…"

Location = tuple[str, str, int]


@dataclass
class Cause:
    file: str
    sheet: str
    column: str  # the header as written
    value: str
    message: str
    term: str  # "record.field" for an unknown word of a vocabulary column, else ""
    rows: list[int] = field(default_factory=list)  # the rows it stands on (empty: a whole sheet)
    dependents: dict[str, int] = field(default_factory=dict)  # sheet -> rows failing because of it

    @property
    def where(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file

    @property
    def knock_on(self) -> int:
        return sum(self.dependents.values())

    @property
    def cost(self) -> int:
        """Rows that --skip-bad-rows leaves out because of this cause."""
        return len(self.rows) + self.knock_on

    def lines(self, skipping: bool = False) -> list[str]:
        """A short block of text: what, where, which rows, what depends on it."""
        column = f" 列「{self.column}」" if self.column else ""
        value = f" 值「{self.value}」" if self.value else ""
        shown = "、".join(map(str, self.rows[:ROWS_SHOWN])) + ("…" if len(self.rows) > ROWS_SHOWN else "")
        rows = f"：{len(self.rows)} 行（第 {shown} 行）" if self.rows else "：整张表"
        out = [f"{self.where}{column}{value}{rows}", f"    {self.message}"]
        if self.dependents:
            sheets = "、".join(f"{sheet} {n} 行" for sheet, n in self.dependents.items())
            out.append(
                f"    另有 {self.knock_on} 行引用这些行，随之不能导入：{sheets}。"
                f"{self.knock_on} more row(s) refer to these rows and fail with them."
            )
        if skipping:
            out.append(f"    跳过有问题的行将因此舍去 {self.cost} 行。Skipping costs {self.cost} row(s).")
        return out


def sheet_label(file: str, sheet: str) -> str:
    """A sheet's name for counts: the sheet of a workbook, the file's stem for a CSV file."""
    return sheet or PurePosixPath(file).stem


def causes(problems: Iterable[Problem]) -> list[Cause]:
    """The root causes of a ledger's problems, in the order of their first row, each with the
    rows that fail only because they refer to its rows."""
    problems = list(problems)
    found: dict[tuple[str, str, str, str, str], int] = {}  # -> index in order
    roots_at: dict[tuple[str, str, int | None], set[int]] = {}  # a row -> its own causes
    cited_by: dict[tuple[str, str, int | None], set[tuple[str, str, int | None]]] = {}  # row -> rows it cites
    order: list[Cause] = []
    for p in problems:
        at = (p.file, p.sheet, p.row)
        if p.cause is not None and p.row is not None:
            cited_by.setdefault((p.file, p.sheet, p.row), set()).add(p.cause)
            continue
        key = (p.file, p.sheet, p.column, p.value, p.message)
        if key not in found:
            found[key] = len(order)
            order.append(Cause(p.file, p.sheet, p.column, p.value, p.message, p.term))
        cause = order[found[key]]
        if p.row is not None and p.row not in cause.rows:
            cause.rows.append(p.row)
        roots_at.setdefault(at, set()).add(found[key])

    def roots(row: tuple[str, str, int | None], seen: set[tuple[str, str, int | None]]) -> set[int]:
        if row in seen:
            return set()
        seen.add(row)
        out = set(roots_at.get(row, ()))
        for cited in cited_by.get(row, ()):
            out |= roots(cited, seen)
        return out

    for row in cited_by:
        if row in roots_at:  # a row with a problem of its own is counted there
            continue
        for i in roots(row, set()):
            label = sheet_label(row[0], row[1])
            order[i].dependents[label] = order[i].dependents.get(label, 0) + 1
    return order


def summary(problems: list[Problem], found: list[Cause]) -> str:
    """One line: how many causes, the rows they stand on, the rows that depend on them."""
    own = {(p.file, p.sheet, p.row) for p in problems if p.cause is None and p.row is not None}
    knock_on = {(p.file, p.sheet, p.row) for p in problems if p.cause is not None} - own
    line = f"{len(found)} 个问题，在 {len(own)} 行"
    en = f"{len(found)} root cause(s) in {len(own)} row(s)"
    if knock_on:
        line += f"；另有 {len(knock_on)} 行引用这些行而受牵连"
        en += f"; {len(knock_on)} more row(s) depend on them"
    return f"{line}。{en}."


def report(problems: list[Problem], skipping: bool = False) -> list[str]:
    """The root-cause report as lines of text: a summary, then one short block per cause."""
    found = causes(problems)
    out = [summary(problems, found)]
    for n, cause in enumerate(found, start=1):
        first, *rest = cause.lines(skipping)
        out += [f"[{n}] {first}", *rest]
    return out
