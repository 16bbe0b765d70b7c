"""Parsing and resolving raw sheets (:mod:`loaders.read`) into record tables.

Each cell is parsed by its column's kind (:data:`graph.model.FieldKind`); vocabulary columns
read the keeper's 词表 words first (:mod:`loaders.vocabulary`); references are resolved
(:mod:`loaders.resolve`) to the key of the record they name, by code, name or alias, against the
records of this ledger and those already stored.
Record types are resolved in dependency order, so a row that refers to a row with a problem
gets a knock-on problem too, citing that row (:attr:`graph.errors.Problem.cause`); a row with a
problem is never also reported as a duplicate.

A record's key is its code (编码) when given; otherwise the key of the record of that type,
stored or in this ledger, that has the same natural key (:attr:`RecordType.natural_key`,
e.g. the same name); otherwise the natural key itself, normalized and joined with "|".

Each distinct cell value is parsed once and mapped back to the rows holding it: Python loops
over distinct values and over the rows that have a problem, never over every row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import Problem
from graph.glossary import VOCABULARIES, norm
from graph.model import RECORD_TYPES, RECORDS, SOURCE_COLUMNS, Column, RecordType
from loaders.read import RawSheet, bytes_where, maybe_personal, personal_value
from loaders.resolve import (
    Cited,
    Factorized,
    Index,
    KnockOn,
    Location,
    Scope,
    Values,
    arrow_safe,
    as_objects,
    code_key,
    code_keys,
    factorize,
    key_form,
    ledger_scope,
    matching_forms,
    per_distinct,
    per_value,
    strips,
)

TEXT_LIMIT = 200  # characters in a cell (in each item of a list cell) at most: keys stay far
# below Neo4j's index key limit (8 KB) on both stores
COUNT_MAX = 10_000_000  # the largest count (党员人数) accepted
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # control characters; not tab or newline
DATE_FORMATS = "2023-01-05、2023/1/5、2023.1.5、2023年1月5日、20230105、2023-01、2023.1、2023年1月"


class UnknownWord(ValueError):
    """A value that is not a word of its column's vocabulary."""


@dataclass
class Parsed:
    """Record tables ready for :meth:`graph.store.Store.write` (only the good rows), every
    problem found, and the source rows left out because of them."""

    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    rejected: set[Location]
    notes: list[str] = field(default_factory=list)  # what reading left out (personal data)
    cleared: int = 0  # stored fields that an empty cell of this ledger clears


def dependency_order() -> tuple[RecordType, ...]:
    """Record types, each after the types it refers to."""
    done: list[RecordType] = []
    pending = list(RECORD_TYPES)
    while pending:
        names = {d.name for d in done}
        ready = next(r for r in pending if all(c.ref in names | {r.name, ""} for c in r.columns))
        done.append(ready)
        pending.remove(ready)
    return tuple(done)


ORDER = dependency_order()
# Where a record is, to tell it from a namesake of another district: (field, what it names).
WHERE = {
    "area": ("parent", "area"),
    "organization": ("area", "area"),
    "meeting": ("host", "organization"),
    "agreement": ("parties", "organization"),
    "project": ("community", "area"),
}
REFERENCED = frozenset(c.ref for r in RECORD_TYPES for c in r.columns if c.ref)


def parse_ledger(
    sheets: list[RawSheet],
    existing: Mapping[str, pd.DataFrame] | None = None,
    words: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
) -> Parsed:
    """Parse and resolve the raw sheets of one ledger. ``existing``: the stored tables (same
    columns as :attr:`Parsed.tables`) that references may point to and keys are matched with.
    ``words``: a 词表's value words, (record, field) -> matching form -> code."""
    existing = existing or {}
    words = words or {}
    problems: list[Problem] = []
    rejected: set[Location] = set()
    by_record: dict[str, list[RawSheet]] = {}
    unreadable: dict[str, Cited] = {}
    for sheet in sheets:
        problems += sheet.problems
        if sheet.problems:  # a sheet that cannot be read as a whole is left out as a whole
            rejected.update((sheet.file, sheet.sheet, int(r)) for r in sheet.rows["_row"])
            unreadable.setdefault(sheet.record, (sheet.file, sheet.sheet, None))
        else:
            by_record.setdefault(sheet.record, []).append(sheet)
    indexes: dict[str, Index] = {}
    scope: Scope | None = None

    def index(name: str) -> Index:
        if name not in indexes:
            indexes[name] = Index(RECORDS[name], None, existing.get(name), scope)
            indexes[name].unreadable = unreadable.get(name)
        return indexes[name]

    tables: dict[str, pd.DataFrame] = {}
    total_cleared = 0
    for record in ORDER:
        if record.name != "area" and scope is None:  # areas come first: the others resolve in scope
            scope = ledger_scope(tables.get("area"), existing.get("area"), by_record, index)
        if record.name not in by_record:
            continue
        batch = Batch(record, by_record[record.name], words)
        batch.parse(index, existing.get(record.name), scope)
        if batch.index is not None:
            indexes[record.name] = batch.index
            batch.index.unreadable = unreadable.get(record.name)
        tables[record.name], cleared = _keep_stored(
            record, set(batch.cells), batch.table(), existing.get(record.name)
        )
        total_cleared += cleared
        problems += batch.problems
        rejected.update(batch.rejected())
    problems.sort(key=lambda p: (p.file, p.sheet, p.row or 0))
    notes = [note for sheet in sheets for note in sheet.notes]
    return Parsed(tables, problems, rejected, notes, total_cleared)


def _keep_stored(
    record: RecordType, present: set[str], table: pd.DataFrame, stored: pd.DataFrame | None
) -> tuple[pd.DataFrame, int]:
    """A column the ledger does not have leaves the stored fields as they were (only an empty
    cell clears one). The table with the stored values put in, and how many stored fields
    the empty cells of present columns clear."""
    if stored is None or not len(stored) or not len(table):
        return table, 0
    known = table["key"].isin(stored["key"]).to_numpy(dtype=bool)
    if not known.any():
        return table, 0
    keys = table["key"].to_numpy(dtype=object)[known]
    cleared = 0
    for column in record.columns:
        by_key = dict(zip(stored["key"], stored[column.name], strict=True))
        before = as_objects((by_key[k] for k in keys), len(keys))
        if column.name in present:
            now = table[column.name].to_numpy(dtype=object)[known]
            cleared += int(sum(_blank(n) and not _blank(b) for n, b in zip(now, before, strict=True)))
        else:
            values = table[column.name].to_numpy(dtype=object).copy()
            values[known] = before
            table[column.name] = values
    return table, cleared


def _blank(value: object) -> bool:
    return value is None or value == () or value != value  # value != value: NaN


# --- values -------------------------------------------------------------------------------

SEPARATORS = re.compile(r"[、;；\n\r]+")
_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
_DAY_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_ZH = re.compile(r"(\d{4})年(\d{1,2})月?")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_INT = re.compile(r"[+-]?\d+(?:\.0*)?")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def split(text: str) -> tuple[str, ...]:
    """The items of a list cell: split on 、 ; ； and newlines, stripped, empty ones dropped."""
    return tuple(part.strip() for part in SEPARATORS.split(text) if part.strip())


def parse_date(text: str) -> str:
    """ISO text keeping the precision: ``2023-01-05`` for a day, ``2023-01`` for a month."""
    t = unicodedata.normalize("NFKC", text).strip()
    day = _DAY.fullmatch(t) or _DAY_ZH.fullmatch(t) or _DAY_COMPACT.fullmatch(t)
    try:
        if day:
            return dt.date(int(day[1]), int(day[2]), int(day[3])).isoformat()
        month = _MONTH.fullmatch(t) or _MONTH_ZH.fullmatch(t)
        if month:
            return dt.date(int(month[1]), int(month[2]), 1).isoformat()[:7]
    except ValueError as err:
        raise ValueError(
            f"日期不存在（{err}）；请改正年月日。The date does not exist; correct the day or month."
        ) from err
    serial = _SERIAL.fullmatch(t)
    if serial and 20000 <= int(serial[1]) <= 80000:  # an Excel day number
        return (EXCEL_EPOCH + dt.timedelta(days=int(serial[1]))).isoformat()
    raise ValueError(
        f"无法识别的日期；请写成 2023-01-05（某日）或 2023-01（某月），也接受 {DATE_FORMATS}。"
        "Unknown date format; write 2023-01-05 or 2023-01."
    )


def iso_dates(texts: Sequence[str]) -> list[str | None]:
    """Each text that is an ISO day that exists (2023-01-05) or an ISO month (2023-01) already,
    as itself: what :func:`parse_date` gives it (vectorized). None for the others."""
    series = pd.Series(texts, dtype=object)
    day = series.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").to_numpy(dtype=bool, copy=True)
    day[day] = pd.to_datetime(series[day], format="%Y-%m-%d", errors="coerce").notna().to_numpy()
    month = series.str.fullmatch(r"[0-9]{4}-(?:0[1-9]|1[0-2])").to_numpy(dtype=bool)
    year_zero = series.str.startswith("0000").to_numpy(dtype=bool)  # no such year in Python
    return [text if ok else None for text, ok in zip(texts, (day | month) & ~year_zero, strict=True)]


def _parse_int(text: str) -> int:
    """A count: a whole number from 0 to :data:`COUNT_MAX`."""
    t = norm(text).replace(",", "")
    if not _INT.fullmatch(t):
        raise ValueError("应为整数；请只填数字，如 12。Write a whole number.")
    value = int(t.split(".")[0])
    if not 0 <= value <= COUNT_MAX:
        raise ValueError(
            f"应为 0 到 {COUNT_MAX:,} 之间的整数；请改正。Write a whole number from 0 to {COUNT_MAX:,}."
        )
    return value


def cell_problem(text: str, column: Column) -> str | None:
    """What is wrong with a cell whatever its column, or None: control characters, more than
    :data:`TEXT_LIMIT` characters (in one item of a list), an ID or phone number."""
    control = _CONTROL.search(text)
    if control:
        return (
            f"含有不可见的控制字符 U+{ord(control[0]):04X}（第 {control.start() + 1} 个字符）；请删去后重新保存。"
            f"The cell holds a control character (U+{ord(control[0]):04X}); delete it."
        )
    items = split(text) if column.kind in ("texts", "refs") else (text,)
    if any(len(item) > TEXT_LIMIT for item in items):
        return (
            f"超过 {TEXT_LIMIT} 个字符；请缩短（名称、编码等每项不超过 {TEXT_LIMIT} 字）。"
            f"Longer than {TEXT_LIMIT} characters; shorten it."
        )
    if any(personal_value(item) for item in items):
        return (
            "像是身份证号或电话号码；个人信息不得录入台账，请删去。"
            "Looks like an ID or phone number: personal data is not stored; delete it."
        )
    return None


def cell_problems(texts: Sequence[str], column: Column) -> dict[int, str]:
    """:func:`cell_problem` of each text, where there is one. Python looks only at the texts
    with a control character, or an item (the text, or one of a list) of more than
    :data:`TEXT_LIMIT` bytes or that :func:`maybe_personal` picks."""
    if not texts:
        return {}
    arr = pa.array(texts, pa.string())
    suspect = bytes_where(arr, _control) > 0
    if column.kind in ("texts", "refs"):  # the items as split() cuts them, in Arrow
        lists = pc.split_pattern_regex(arr, SEPARATORS.pattern)
        items = pc.list_flatten(lists)
        odd = (pc.binary_length(items).to_numpy() > TEXT_LIMIT) | maybe_personal(items)
        suspect[pc.list_parent_indices(lists).to_numpy()[odd]] = True
    else:
        suspect |= (pc.binary_length(arr).to_numpy() > TEXT_LIMIT) | maybe_personal(arr)
    problems = {j: cell_problem(texts[j], column) for j in np.flatnonzero(suspect).tolist()}
    return {j: problem for j, problem in problems.items() if problem}


def _control(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Bytes of the control characters :data:`_CONTROL` finds (never part of a longer character)."""
    found: npt.NDArray[np.bool_] = (
        (data <= 0x08) | (data == 0x0B) | (data == 0x0C) | ((data >= 0x0E) & (data <= 0x1F)) | (data == 0x7F)
    )
    return found


def _parse_number(text: str) -> float:
    t = norm(text).replace(",", "")
    try:
        value = float(t)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("应为数字；请只填数字，如 12.5。Write a number.")
    return value


def unknown_word(column: Column, text: str) -> str:
    """What to do about a word its column does not accept: why, when the word could mean two
    things; else the closest accepted word; and the exact 词表 row that would map it."""
    vocab = VOCABULARIES["boolean" if column.kind == "bool" else column.vocab]
    name = column.zh[0]
    code = vocab.closest(text)
    standard = vocab.label(code) if code is not None else "（以上之一）"
    why = vocab.why_ambiguous(text)
    if why:
        lead = f"「{text}」不能直接对应一个{name}：{why}。"
    elif code is not None:
        lead = f"不是「{name}」可接受的值；最接近的是「{standard}」。"
    else:
        lead = f"不是「{name}」可接受的值。"
    means = f"就是「{standard}」" if code is not None else "是以上某个值"
    return (
        f"{lead}请改为以下之一：{vocab.choices()}；"
        f"或者，如「{text}」在这些台账中{means}，请在词表中加一行：原词 {text}，标准词 {standard}，列 {name}。"
        f"Not an accepted value: use one listed, or add a 词表 row (原词 {text}, 标准词 …, 列 {name})."
    )


def _word_parser(column: Column, words: Mapping[str, str]) -> Callable[[str], Any]:
    """The parser of a vocabulary column: the keeper's words (词表) first, then the glossary."""
    vocab = VOCABULARIES["boolean" if column.kind == "bool" else column.vocab]

    def parse(text: str) -> Any:
        code = words.get(norm(text)) or vocab.match(text)
        if code is None:
            raise UnknownWord(unknown_word(column, text))
        return code == "true" if column.kind == "bool" else code

    return parse


def value_parser(column: Column, words: Mapping[str, str] | None = None) -> Callable[[str], Any]:
    """The parser of a non-empty cell of a column that is not a reference. ``words``: a 词表's
    words for this column (matching form -> code)."""
    if column.kind in ("enum", "bool"):
        return _word_parser(column, words or {})
    parsers: dict[str, Callable[[str], Any]] = {
        "text": str.strip,
        "texts": split,
        "date": parse_date,
        "int": _parse_int,
        "number": _parse_number,
    }
    return parsers[column.kind]


def _empty(column: Column) -> Any:
    return () if column.kind in ("texts", "refs") else None


def natural_key_parts(record: RecordType, columns: Mapping[str, Factorized]) -> list[pa.Array]:
    """The natural-key fields of each row as text: normalized, or for references the key they
    resolved to; "" when missing. Arrow arrays, built from the distinct values."""
    parts = []
    for name in record.natural_key:
        codes, uniques = columns[name]
        if record.column(name).kind == "ref":
            forms = key_forms(uniques)
        else:
            forms = pa.array(matching_forms(uniques), pa.string())
        forms = pa.concat_arrays([forms, pa.array([""], pa.string())])
        parts.append(forms.take(np.where(codes < 0, len(uniques), codes)))
    return parts


def key_forms(values: Values) -> pa.StringArray:
    """:func:`key_form` of each value, in Arrow."""
    try:
        return pa.array(values, pa.string()).fill_null("")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all texts (or None): Python writes them
        return pa.array([key_form(v) for v in values], pa.string())


def natural_keys(parts: list[pa.Array]) -> pa.Array:
    """Natural-key parts joined with "|" (in Arrow: a million rows take milliseconds)."""
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")


# --- one record type ----------------------------------------------------------------------


class Batch:
    """The rows of one record type from every sheet of a ledger, being parsed."""

    def __init__(
        self,
        record: RecordType,
        sheets: list[RawSheet],
        words: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    ) -> None:
        self.record = record
        self.words = words or {}
        raw = pd.concat([s.rows for s in sheets], ignore_index=True)
        self.n = len(raw)
        self.cells = {
            c.name: raw[c.name].fillna("").astype("str") for c in record.columns if c.name in raw.columns
        }
        self.rows = raw["_row"].to_numpy(dtype="int64")
        self.sheet_of = np.repeat(np.arange(len(sheets)), [len(s.rows) for s in sheets])
        self.sheets = sheets
        self.values: dict[str, Values] = {}
        self.factorized: dict[str, Factorized] = {}
        self.keys: Values = np.empty(0, dtype=object)
        self.bad = np.zeros(self.n, dtype=bool)
        self.merged = np.zeros(self.n, dtype=bool)  # identical repeats of an earlier row
        self.problems: list[Problem] = []
        self.index: Index | None = None
        self.normed_name = pa.array([], pa.string())  # the first natural-key field, normalized
        self.natural: pa.Array | None = None  # the keys in Arrow, when they are the natural keys

    def location(self, i: int) -> Location:
        sheet = self.sheets[self.sheet_of[i]]
        return sheet.file, sheet.sheet, int(self.rows[i])

    def fail(
        self, i: int, column: str, value: str, message: str, cause: Cited | None = None, term: str = ""
    ) -> None:
        sheet = self.sheets[self.sheet_of[i]]
        header = sheet.header.get(column, "")
        row = int(self.rows[i])
        self.problems.append(Problem(sheet.file, sheet.sheet, row, header, value, message, cause, term))
        self.bad[i] = True

    def text(self, i: int, column: str) -> str:
        return str(self.cells[column].iat[i]).strip() if column in self.cells else ""

    # parsing

    def parse(self, index: Callable[[str], Index], stored: pd.DataFrame | None, scope: Scope | None) -> None:
        record = self.record
        for column in record.columns:
            if column.kind not in ("ref", "refs") or column.ref != record.name:
                self._column(column, index)
        self._rules()
        self._keys(stored, scope, index)
        self._duplicates()
        if record.name in REFERENCED:
            self.index = Index(record, self, stored, scope)
        for column in record.columns:
            if column.kind in ("ref", "refs") and column.ref == record.name:
                self._column(column, lambda _: self._index())
                self._cycles(column, stored)
                self._cascade(column)
                self.index = Index(record, self, stored, scope)

    def _index(self) -> Index:
        assert self.index is not None
        return self.index

    def _column(self, column: Column, index: Callable[[str], Index]) -> None:
        """Parse one column: each distinct cell once, then map back to the rows."""
        if column.name not in self.cells:
            self.factorized[column.name] = (np.zeros(self.n, dtype=np.intp), as_objects([_empty(column)], 1))
            self.values[column.name] = np.empty(self.n, dtype=object)
            self.values[column.name].fill(_empty(column))
            return
        codes, distinct = pd.factorize(self.cells[column.name])
        texts = strips(pa.array(distinct, pa.string())).tolist()
        empty = _empty(column)
        # Cheap first guesses: a text is itself; a reference is found among those already resolved.
        values: list[Any] = [None] * len(texts)
        if column.kind == "text":
            values = [text or None for text in texts]
        elif column.kind == "ref":
            values = index(column.ref).known(texts)
        elif column.kind == "refs":
            values = _known_lists(index(column.ref), texts)
        elif column.kind == "date":
            values = iso_dates(texts)
        elif column.kind == "texts":
            values = splits(texts)
        parse: Callable[[str], Any]
        if column.kind == "ref":
            parse = index(column.ref).resolve
        elif column.kind == "refs":
            parse = partial(_resolve_all, index(column.ref))
        else:
            parse = value_parser(column, self.words.get((self.record.name, column.name)))
        errors: dict[int, str] = {}
        causes: dict[int, Cited] = {}
        unknown: set[int] = set()
        for j, problem in cell_problems(texts, column).items():
            errors[j], values[j] = problem, empty
        for j in [j for j, value in enumerate(values) if value is None and j not in errors]:
            text = texts[j]
            values[j] = empty
            if not text:
                if column.required:
                    errors[j] = (
                        f"「{column.zh[0]}」必填，此处为空；请填写{column.zh[0]}。"
                        f"{column.en[0]} is required; fill it in."
                    )
                continue
            try:
                values[j] = parse(text)
            except KnockOn as err:
                errors[j], causes[j] = str(err), err.cause
            except UnknownWord as err:
                errors[j] = str(err)
                unknown.add(j)
            except ValueError as err:
                errors[j] = str(err)
        parsed = as_objects(values, len(values))
        self.factorized[column.name] = (codes, parsed)
        self.values[column.name] = parsed[codes]
        term = f"{self.record.name}.{column.name}"
        if errors:
            for i in np.flatnonzero(np.isin(codes, list(errors))).tolist():
                j = int(codes[i])
                self.fail(i, column.name, texts[j], errors[j], causes.get(j), term if j in unknown else "")

    def _rules(self) -> None:
        """Rules on whole rows."""
        v = self.values
        name = self.record.name
        if name == "agreement":
            for i in np.flatnonzero(per_value(self.factorized["parties"], _one_item)).tolist():
                self.fail(
                    i,
                    "parties",
                    self.text(i, "parties"),
                    "共建协议需要两个或以上参与单位；请补全参与单位，用 、 分隔。"
                    "An agreement needs two or more parties; add the others, separated by 、.",
                )
        if name == "registration":
            for i in np.flatnonzero(~self.bad & pd.isna(v["person"]) & pd.isna(v["org"])).tolist():
                self.fail(
                    i,
                    "",
                    "",
                    "报到记录需要填写人员或单位；请至少填写其中一项。"
                    "A registration needs a person or a unit; fill in one of them.",
                )
        if name == "post":
            for i in np.flatnonzero(_before(v["end"], v["start"])).tolist():
                self.fail(
                    i,
                    "end",
                    self.text(i, "end"),
                    f"离任日期早于任职日期（{v['start'][i]}）；请改正日期。"
                    "The end is before the start; correct the dates.",
                )

    def _keys(
        self,
        stored: pd.DataFrame | None,
        scope: Scope | None = None,
        index: Callable[[str], Index] | None = None,
    ) -> None:
        """Code, else the key of the stored or coded record with the same natural key, else
        the natural key (a unit's with its district when another district's unit holds it)."""
        record = self.record
        coded = pd.notna(self.values["code"])
        self.normed_name = (parts := natural_key_parts(record, self.factorized))[0]
        natural_array = natural_keys(parts)
        natural = natural_array.to_numpy(zero_copy_only=False)
        keys = natural.copy()
        if not coded.any() and (stored is None or not len(stored)):  # nothing below changes them
            self.natural = natural_array
        keys[coded] = per_distinct(self.factorized["code"], code_keys)[coded]
        if stored is not None and len(stored) and coded.any():
            self._adopt(keys, natural, coded, stored)
        by_natural: dict[str, set[str]] = {}
        if coded.all():
            self.keys = keys
            return
        for nk, key in zip(natural[coded], keys[coded], strict=True):
            by_natural.setdefault(nk, set()).add(key)
        if stored is not None and len(stored):  # the ledger's coded rows come first
            stored_parts = natural_key_parts(
                record, {f: factorize(stored[f].to_numpy()) for f in record.natural_key}
            )
            stored_natural = natural_keys(stored_parts).to_numpy(zero_copy_only=False)
            other = stored_natural != stored["key"].to_numpy()
            from_store: dict[str, set[str]] = {}
            for nk, key in zip(stored_natural[other], stored["key"][other], strict=True):
                from_store.setdefault(nk, set()).add(key)
            by_natural = from_store | by_natural
        if by_natural:
            for i in np.flatnonzero(
                ~coded & ~self.bad & pd.Series(natural, dtype=object).isin(list(by_natural))
            ).tolist():
                found = by_natural[natural[i]]
                if len(found) == 1:
                    keys[i] = next(iter(found))
                else:
                    field = record.natural_key[0]
                    self.fail(
                        i,
                        field,
                        self.text(i, field),
                        f"有多个同名的{record.sheet_zh}（编码 {'、'.join(sorted(found))}）；"
                        "请在「编码」列填写编码以指明是哪一个。"
                        "Several records share this name; fill in the code (编码) to say which.",
                    )
        if stored is not None and len(stored) and record.name in WHERE:
            self._separate(keys, natural, coded, stored, scope, index)
        self.keys = keys

    def _separate(
        self,
        keys: Values,
        natural: Values,
        coded: npt.NDArray[np.bool_],
        stored: pd.DataFrame,
        scope: Scope | None,
        index: Callable[[str], Index] | None,
    ) -> None:
        """A record without a code whose natural key a stored record of another district holds
        (a community's or a unit's name, a meeting's title and date) is another record: its key
        is its natural key and its district (泰林社区居委会@D2), in whichever order districts load."""
        stored_keys = stored["key"].tolist()
        hits = ~coded & ~self.bad & pd.Series(keys, dtype=object).isin(stored_keys).to_numpy(dtype=bool)
        if not hits.any():
            return
        mine: Callable[[int], str | None]
        theirs: Callable[[str], str | None]
        if self.record.name == "area":  # parents are not resolved yet: districts by name
            areas = Scope(stored)
            mine = self._district_name(areas)
            theirs = lambda key: _name_of(areas, areas.district(key))  # noqa: E731
        else:
            if scope is None or index is None:
                return
            field, via = WHERE[self.record.name]
            units = index("organization").place if via == "organization" else {}

            def district(value: Any) -> str | None:
                if isinstance(value, tuple):
                    value = value[0] if value else None
                return scope.district(units.get(value) if via == "organization" else value)

            stored_at = dict(zip(stored_keys, stored[field], strict=True))
            mine = lambda i: district(self.values[field][i])  # noqa: E731
            theirs = lambda key: district(stored_at[key])  # noqa: E731
        for i in np.flatnonzero(hits).tolist():
            here, there = mine(i), theirs(keys[i])
            if here is not None and there is not None and here != there:
                keys[i] = f"{natural[i]}@{here}"

    def _district_name(self, stored: Scope) -> Callable[[int], str | None]:
        """The name of the district an area row lies in, following 上级 through this ledger's
        rows (by name or code), then through the stored areas."""
        names = [norm(str(n)) if n is not None else "" for n in self.values["name"]]
        rows: dict[str, int] = {}
        for j, (name, code) in enumerate(zip(names, self.values["code"], strict=True)):
            rows.setdefault(name, j)
            if code is not None:
                rows.setdefault(norm(str(code)), j)
        known: dict[str, str] = {}  # a stored area's key, name or code -> its key
        for key, name, code in zip(stored.name, stored.name.values(), stored.codes, strict=True):
            for form in (key, name, code):
                if form:
                    known.setdefault(norm(str(form)), key)

        def district(i: int) -> str | None:
            seen: set[int] = set()
            j: int | None = i
            while j is not None and j not in seen:
                seen.add(j)
                if self.values["level"][j] == "district":
                    return names[j]
                parent = norm(self.text(j, "parent"))
                j = rows.get(parent)
                if j is None:
                    return _name_of(stored, stored.district(known.get(parent)))
            return None

        return district

    def _adopt(
        self, keys: Values, natural: Values, coded: npt.NDArray[np.bool_], stored: pd.DataFrame
    ) -> None:
        """Coded rows keep the key of the stored record they are: the one that carries their code,
        else the one stored without a code under the same natural key and in the same place (a
        ledger without codes loaded before one with codes does not leave two of each)."""
        stored_keys = stored["key"].to_numpy(dtype=object)
        codes = stored["code"].to_numpy(dtype=object)
        has = pd.notna(codes)
        by_code = {
            code_key(c): k for c, k in zip(codes[has], stored_keys[has], strict=True) if code_key(c) != k
        }
        uncoded = {k: j for j, k in enumerate(stored_keys) if not has[j]}  # their key is their natural key
        key_series, natural_series = pd.Series(keys, dtype=object), pd.Series(natural, dtype=object)
        once = ~natural_series.where(coded).duplicated(keep=False).to_numpy(dtype=bool)
        new = ~key_series.isin(stored_keys).to_numpy(dtype=bool) & natural_series.isin(
            list(uncoded)
        ).to_numpy(dtype=bool)
        candidates = coded & (key_series.isin(list(by_code)).to_numpy(dtype=bool) | (new & once))
        for i in np.flatnonzero(candidates).tolist():
            if keys[i] in by_code:
                keys[i] = by_code[keys[i]]
            elif self._same_place(i, stored, uncoded[natural[i]]):
                keys[i] = natural[i]

    def _same_place(self, i: int, stored: pd.DataFrame, j: int) -> bool:
        """Whether row i lies where stored row j does: a unit in the same area, an area under a
        parent of the same name."""
        if self.record.name == "organization":
            return bool(self.values["area"][i] == stored["area"].iat[j])
        if self.record.name != "area":
            return True
        names = {norm(str(n)) for n in self.values["name"] if n is not None}
        forms = dict(
            zip(map(norm, map(str, stored["key"])), map(norm, map(str, stored["name"])), strict=True)
        )
        forms.update(
            (norm(str(c)), norm(str(n)))
            for c, n in zip(self.values["code"], self.values["name"], strict=True)
            if c is not None and n is not None
        )
        forms.update((n, n) for n in names)
        written = norm(self.text(i, "parent"))
        mine = forms.get(written, written) if written else ""
        theirs = stored["parent"].iat[j]
        return mine == (forms.get(norm(str(theirs)), "") if isinstance(theirs, str) else "")

    def _duplicates(self) -> None:
        """Rows with one key: identical ones are merged silently, others are problems. Rows that
        have a problem already are left out: a failed reference leaves a key that means nothing."""
        if self.natural is not None:  # shared keys found in Arrow: no Python hashing
            codes = pc.dictionary_encode(self.natural).indices.to_numpy(zero_copy_only=False)
            counts = np.bincount(codes[~self.bad], minlength=len(self.natural))
            repeated = np.flatnonzero(~self.bad & (counts[codes] > 1)).tolist()
        else:
            keys = pd.Series(self.keys, dtype=object).where(~self.bad)
            repeated = np.flatnonzero(keys.duplicated(keep=False) & keys.notna()).tolist()
        groups: dict[str, list[int]] = {}
        for i in repeated:
            if self.keys[i].strip("|"):  # rows without code or name are problems already
                groups.setdefault(self.keys[i], []).append(i)
        fields = [c.name for c in self.record.columns if c.name != "code"]
        column = "code" if "code" in self.cells else self.record.natural_key[0]
        sheet = self.record.sheet_zh
        for rows in groups.values():
            first = [self.values[f][rows[0]] for f in fields]
            if all([self.values[f][i] for f in fields] == first for i in rows[1:]):
                self.merged[rows[1:]] = True
                continue
            for i in rows:
                others = "、".join(str(self.location(j)[2]) for j in rows if j != i)
                self.fail(
                    i,
                    column,
                    self.text(i, column) or self.text(i, self.record.natural_key[0]),
                    f"与第 {others} 行是同一条{sheet}（键「{self.keys[i]}」）但内容不同；"
                    f"如是同一{sheet}请删去多余的行，如是不同的{sheet}（如同名人员）请在「编码」列填写不同的编码。"
                    "Duplicate rows with different content; delete the extra rows, or give different "
                    "records different codes (编码).",
                )

    def _cycles(self, column: Column, stored: pd.DataFrame | None) -> None:
        """A reference to the record's own type (an area's parent) must not form a cycle."""
        parent: dict[str, str] = {}
        if stored is not None and len(stored):
            parent.update(
                (k, p) for k, p in zip(stored["key"], stored[column.name], strict=True) if isinstance(p, str)
            )
        for i in np.flatnonzero(~self.bad & ~self.merged).tolist():
            p = self.values[column.name][i]
            parent[self.keys[i]] = p
        for i in np.flatnonzero(~self.bad & ~self.merged).tolist():
            key = self.keys[i]
            chain = [key]
            while chain[-1] in parent and len(chain) <= len(parent):
                chain.append(parent[chain[-1]])
                if chain[-1] == key:
                    names = " → ".join(self._index().display.get(k, k) for k in chain)
                    self.fail(
                        i,
                        column.name,
                        self.text(i, column.name),
                        f"{column.zh[0]}形成循环：{names}；请改正{column.zh[0]}。"
                        f"The {column.en[0]} chain loops; correct it.",
                    )
                    break

    def _cascade(self, column: Column) -> None:
        """Rows referring to a rejected row of their own type are rejected too."""
        while True:
            good = set(self.keys[~self.bad])
            failed = {self.keys[i]: i for i in np.flatnonzero(self.bad).tolist() if self.keys[i] not in good}
            hits = [i for i in np.flatnonzero(~self.bad).tolist() if self.values[column.name][i] in failed]
            if not hits:
                return
            for i in hits:
                file, sheet, row = self.location(failed[self.values[column.name][i]])
                where = f"{file}［{sheet}］" if sheet else file
                self.fail(
                    i,
                    column.name,
                    self.text(i, column.name),
                    f"引用的{self.record.sheet_zh}在 {where} 第{row}行，该行有问题；请先改正该行。"
                    f"The referenced row ({where} row {row}) has a problem; fix that row first.",
                    (file, sheet, row),
                )

    # results

    def table(self) -> pd.DataFrame:
        keep = ~self.bad & ~self.merged
        data: dict[str, Values] = {
            "key": self.keys,
            "src_file": np.array([s.file for s in self.sheets], dtype=object)[self.sheet_of],
            "src_sheet": np.array([s.sheet for s in self.sheets], dtype=object)[self.sheet_of],
            "src_row": self.rows.astype(object),
            **{c.name: self.values[c.name] for c in self.record.columns},
        }
        if not keep.all():
            data = {name: values[keep] for name, values in data.items()}
        columns = [*SOURCE_COLUMNS, *(c.name for c in self.record.columns)]
        return pd.DataFrame(data, columns=columns, dtype=object, copy=False)  # the arrays are the table's

    def rejected(self) -> set[Location]:
        return {self.location(i) for i in np.flatnonzero(self.bad).tolist()}


def _name_of(areas: Scope, key: str | None) -> str | None:
    return norm(areas.name[key]) if key is not None and key in areas.name else None


def _resolve_all(index: Index, text: str) -> tuple[str, ...]:
    """The keys of every item of a list reference, each once; all unknown items in one message."""
    keys: list[str] = []
    errors: list[ValueError] = []
    for item in split(text):
        try:
            key = index.resolve(item)
        except ValueError as err:
            errors.append(err)
            continue
        if key not in keys:
            keys.append(key)
    if errors:
        message = " ".join(map(str, errors))
        if all(isinstance(err, KnockOn) for err in errors):  # only rows with problems of their own
            raise KnockOn(message, next(err.cause for err in errors if isinstance(err, KnockOn)))
        raise ValueError(message)
    return tuple(keys)


def _known_lists(index: Index, texts: list[str]) -> list[tuple[str, ...] | None]:
    """:func:`_resolve_all` of each list reference whose items are all resolved already (each
    key once, in order), in Arrow (:func:`_arrow_items`); None for the others."""
    items, starts, read = _arrow_items(texts)
    keys = as_objects(index.known(items.tolist()), len(items))
    owners = np.repeat(np.arange(len(texts)), np.diff(starts))
    read[owners[pd.isna(keys)]] = False
    bounds = starts.tolist()
    out: list[tuple[str, ...] | None] = [None] * len(texts)
    for j in np.flatnonzero(read).tolist():
        out[j] = tuple(dict.fromkeys(keys[bounds[j] : bounds[j + 1]].tolist()))
    return out


def splits(texts: list[str]) -> list[tuple[str, ...] | None]:
    """:func:`split` of each text, in Arrow (:func:`_arrow_items`); None for the others."""
    items, starts, read = _arrow_items(texts)
    bounds = starts.tolist()
    out: list[tuple[str, ...] | None] = [None] * len(texts)
    for j in np.flatnonzero(read).tolist():
        out[j] = tuple(items[bounds[j] : bounds[j + 1]].tolist())
    return out


def _arrow_items(texts: list[str]) -> tuple[Values, npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """The items of the texts cut and stripped as :func:`split` does, in Arrow: the items, where
    each text's items start (and where the last ends), and the texts Arrow reads as Python does
    that have an item."""
    array = pa.array(texts, pa.string())
    lists = pc.split_pattern_regex(array, SEPARATORS.pattern)
    items = pc.utf8_trim(pc.list_flatten(lists), " \t\n\r\u3000")  # str.strip() on these texts
    written: Values = items.to_numpy(zero_copy_only=False)
    kept = written != ""
    starts = np.searchsorted(pc.list_parent_indices(lists).to_numpy()[kept], np.arange(len(texts) + 1))
    return written[kept], starts, arrow_safe(array) & (np.diff(starts) > 0)


def _one_item(items: tuple[str, ...] | None) -> bool:
    return items is not None and len(items) == 1


def _before(a: Values, b: Values) -> npt.NDArray[np.bool_]:
    """Where ISO date ``a`` is before ``b`` at the precision both have (2023-05 is not before
    2023-05-10); False where either is missing."""
    first, second = pd.Series(a, dtype="str"), pd.Series(b, dtype="str")
    days = first.str.len().eq(10) & second.str.len().eq(10)
    before = first.str.slice(0, 7).lt(second.str.slice(0, 7)) | (days & first.lt(second))
    return before.fillna(False).to_numpy(dtype=bool)
