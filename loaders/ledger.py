"""Checking and loading a ledger into a store: what the CLI and the app call.

A ledger loads whole or not at all: with any problem, :func:`load` raises
:class:`graph.errors.LedgerError` carrying every problem and writes nothing. With
``skip_bad_rows`` it writes the good rows (rows that refer to a rejected row are rejected
too) and lists the rejected ones, with the reason, in ``<ledger>.rejected.csv`` next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.errors import LedgerError, Problem
from graph.model import RECORDS
from graph.store import Changes, Progress, Store
from loaders.parse import Parsed, parse_ledger
from loaders.read import REJECTED_SUFFIX, read_ledger
from loaders.vocabulary import words_for

REJECTED_COLUMNS = ("file", "sheet", "row", "column", "value", "problem")


@dataclass(frozen=True)
class LoadReport:
    changes: Changes  # what the write did to each record type
    rejected: int  # source rows left out (with skip_bad_rows)
    rejected_path: Path | None  # the file listing them, when there are problems
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)  # what reading left out (personal data columns)
    cleared: int = 0  # stored fields the ledger's empty cells cleared


def validate(path: Path, store: Store | None = None, vocabulary: Path | None = None) -> list[Problem]:
    """Every problem of a ledger, checked against what the store already holds. ``vocabulary``:
    the shared 词表 file (the ledger's own 词表 sheet applies in any case)."""
    return check(path, store, vocabulary)[0]


def check(
    path: Path, store: Store | None = None, vocabulary: Path | None = None
) -> tuple[list[Problem], list[str]]:
    """:func:`validate`'s problems and the notes on what reading left out (personal data columns)."""
    parsed = _parse(Path(path), store, vocabulary)
    return parsed.problems, parsed.notes


def load(
    path: Path,
    store: Store,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    skipping: Callable[[list[Problem]], None] | None = None,
    vocabulary: Path | None = None,
) -> LoadReport:
    """Write a ledger to the store, all of it or none of it (see the module docstring).
    ``skipping``: called with the problems before the good rows are written, when skipping;
    ``vocabulary``: the shared 词表 file."""
    path = Path(path)
    parsed = _parse(path, store, vocabulary)
    if parsed.problems and not skip_bad_rows:
        raise LedgerError(parsed.problems)
    if parsed.problems and skipping is not None:
        skipping(parsed.problems)
    rejected = write_rejected(parsed.problems, rejected_file(path)) if parsed.problems else None
    changes = store.write(parsed.tables, progress)
    return LoadReport(changes, len(parsed.rejected), rejected, parsed.problems, parsed.notes, parsed.cleared)


def rejected_file(path: Path) -> Path:
    """``<ledger stem>.rejected.csv`` next to the ledger (a file or a folder)."""
    return path.with_name(path.stem + REJECTED_SUFFIX)


def write_rejected(problems: list[Problem], path: Path) -> Path:
    """The problems as a CSV that Excel opens (UTF-8 with BOM). Cells that Excel would take
    for a formula get a leading apostrophe."""
    rows = [
        (
            _inert(p.file),
            _inert(p.sheet),
            "" if p.row is None else p.row,
            *map(_inert, (p.column, p.value, p.message)),
        )
        for p in problems
    ]
    pd.DataFrame(rows, columns=list(REJECTED_COLUMNS)).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _inert(text: str) -> str:
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _parse(path: Path, store: Store | None, vocabulary: Path | None = None) -> Parsed:
    words = words_for(path, vocabulary)
    sheets = read_ledger(path, words.headers)
    existing: dict[str, pd.DataFrame] = {}
    if store is not None:
        wanted = {s.record for s in sheets if s.record}
        wanted |= {c.ref for name in wanted for c in RECORDS[name].columns if c.ref}
        existing = {name: store.table(name) for name in sorted(wanted)}
    parsed = parse_ledger(sheets, existing, words.values)
    parsed.problems[:0] = words.problems
    return parsed
