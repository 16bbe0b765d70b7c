"""Resolving references: where a name, code or alias written in a ledger points.

An :class:`Index` per record type holds the forms (after :func:`graph.glossary.norm`) that name
its records: this ledger's rows hide the stored ones, codes and keys come first, then names, then
aliases. A name that several records share is narrowed by the ledger's :class:`Scope` (its own
street, then its own district); if still several, the message tells them apart by code, area
path and date. A reference to a row that has a problem of its own raises :class:`KnockOn`,
citing that row, so reports count it under that row's cause.

Also the array helpers the parser shares (one value per distinct cell).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.glossary import norm
from graph.model import RECORDS, RecordType
from loaders.read import RawSheet

if TYPE_CHECKING:
    from loaders.parse import Batch

Values = npt.NDArray[np.object_]
Mask = npt.NDArray[np.bool_]
Factorized = tuple[npt.NDArray[np.intp], Values]  # codes into the distinct values (-1: missing), values
Location = tuple[str, str, int]  # file, sheet, row
Cited = tuple[str, str, int | None]  # a row, or (row None) a sheet that could not be read

SUGGESTIONS = 3
SUGGEST_LIMIT = 200  # distinct unknown names per reference index that get suggestions (difflib is slow)


class KnockOn(ValueError):
    """A reference to a row that has a problem of its own: ``cause`` is that row."""

    def __init__(self, message: str, cause: Cited) -> None:
        super().__init__(message)
        self.cause = cause


def as_objects(values: Iterable[Any], n: int) -> Values:
    """An object array of n values (tuples stay elements)."""
    return np.fromiter(values, dtype=object, count=n)


def factorize(values: Sequence[Any] | Values) -> Factorized:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return codes, as_objects(uniques, len(uniques))


def per_value(column: Factorized, fn: Callable[[Any], Any]) -> Values:
    """fn of each value of a column, computed once per distinct value (None when missing)."""
    codes, uniques = column
    return as_objects([*(fn(u) for u in uniques), fn(None)], len(uniques) + 1)[codes]


def per_distinct(column: Factorized, fn: Callable[[Values], Values]) -> Values:
    """Like :func:`per_value`, with fn taking and giving an array of the distinct values."""
    codes, uniques = column
    both: Values = np.concatenate([fn(uniques), fn(as_objects([None], 1))])
    return both[codes]


def key_form(value: object) -> str:
    return "" if value is None else str(value)


def matching_form(value: object) -> str:
    return "" if value is None else norm(str(value))


# Texts that norm() and code_key() treat as Arrow does: ASCII without control characters but
# tab and line breaks, CJK punctuation, kana, bopomofo and jamo, CJK ideographs, full-width
# ASCII. Their whitespace after NFKC is tab, line breaks and space, their case ASCII's. Python
# looks at the others (Latin or Greek letters with accents, odd spaces, enclosed CJK, …).
_ARROW_SAFE = r"^[\t\n\r\x{20}-\x{7e}\x{3000}-\x{31ff}\x{3400}-\x{9fff}\x{ff01}-\x{ff5e}]*$"


def _texts(values: Sequence[Any] | Values | pa.Array) -> tuple[Callable[[int], str], pa.StringArray, Mask]:
    """The values in Arrow as texts ("" for None), where Arrow's text functions agree with
    Python's on them, and the text of one value (for the others)."""
    if isinstance(values, pa.Array):
        array = values
    else:
        try:
            array = pa.array(values, pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all texts: Python writes them
            array = pa.array([v if isinstance(v, str) else str(v) for v in values], pa.string())
    array = array.fill_null("")
    safe = arrow_safe(array)

    def text(j: int) -> str:
        value = values[j]
        value = value.as_py() if isinstance(value, pa.Scalar) else value
        return "" if value is None else str(value)

    return text, array, safe


def arrow_safe(texts: pa.StringArray) -> Mask:
    """Where Arrow's text functions agree with Python's on a text (see :data:`_ARROW_SAFE`)."""
    safe: Mask = pc.match_substring_regex(texts, _ARROW_SAFE).to_numpy(zero_copy_only=False)
    return safe


def matching_forms(values: Sequence[Any] | Values) -> Values:
    """:func:`matching_form` of each value (:func:`graph.glossary.norm`, vectorized in Arrow)."""
    text, array, safe = _texts(values)
    normed = pc.utf8_normalize(array, "NFKC")
    normed = pc.utf8_lower(pc.utf8_trim(pc.replace_substring_regex(normed, r"[\t\n\r ]+", " "), " "))
    return _python_where(normed, safe, text, norm)


def code_keys(values: Sequence[Any] | Values) -> Values:
    """The key of a record with each code: NFKC-normalized and stripped (vectorized in Arrow)."""
    text, array, safe = _texts(values)
    keys = pc.utf8_trim(pc.utf8_normalize(array, "NFKC"), " \t\n\r")
    return _python_where(keys, safe, text, code_key)


def code_key(code: str) -> str:
    """The key of a record with a code: the code, NFKC-normalized and stripped."""
    return unicodedata.normalize("NFKC", code).strip()


def strips(texts: pa.Array) -> Values:
    """``str.strip()`` of each text (vectorized in Arrow)."""
    text, array, safe = _texts(texts)
    return _python_where(pc.utf8_trim(array, " \t\n\r\u3000"), safe, text, str.strip)


def _python_where(
    done: pa.StringArray, safe: Mask, text: Callable[[int], str], fn: Callable[[str], str]
) -> Values:
    out: Values = done.to_numpy(zero_copy_only=False)  # a new object array
    for j in np.flatnonzero(~safe).tolist():
        out[j] = fn(text(j))
    return out


Tier = dict[str, str | tuple[str, ...]]  # matching form -> the key it names, or the keys when ambiguous


def _tier(texts: Sequence[Any] | Values, keys: Sequence[Any] | Values) -> Tier:
    """Each text ("" left out) -> the key it names, or the keys in order when several."""
    tier: Tier = dict(zip(texts, keys, strict=True))
    if len(tier) == len(texts):  # each text once (most tiers): nothing shared
        tier.pop("", None)
        return tier
    first: dict[str, str] = {}
    several: dict[str, list[str]] = {}
    for text, key in zip(list(texts), list(keys), strict=True):
        if text == "":
            continue
        found = first.setdefault(text, key)
        if found != key:
            named = several.setdefault(text, [found])
            if key not in named:
                named.append(key)
    tier = dict(first)
    tier.update((text, tuple(named)) for text, named in several.items())
    return tier


PLACE = {"area": "parent", "organization": "area"}  # where a record is, for scope and messages
SCOPE_LEVELS = ("street", "district")  # a name is looked for under the ledger's street, then district


class Scope:
    """The areas a ledger is about: those its 区域 sheet defines and those its references name
    unambiguously, with the stored areas around them. A name that several stored records share
    resolves to the one under the ledger's own street, else its own district."""

    def __init__(self, areas: pd.DataFrame) -> None:
        keys = areas["key"].tolist()
        self.parent: dict[str, str] = {
            k: p for k, p in zip(keys, areas["parent"], strict=True) if isinstance(p, str)
        }
        self.name: dict[str, str] = dict(zip(keys, areas["name"], strict=True))
        self.level: dict[str, str] = dict(zip(keys, areas["level"], strict=True))
        self.codes: list[str | None] = [
            c if isinstance(c, str) else None for c in areas.get("code", [None] * len(keys))
        ]
        self.homes: set[str] = set()

    def chain(self, key: str | None) -> list[str]:
        """The area and its ancestors, nearest first."""
        out: list[str] = []
        while key is not None and key not in out and len(out) < 16:
            out.append(key)
            key = self.parent.get(key)
        return out

    def add_home(self, area: str) -> None:
        self.homes.update(a for a in self.chain(area) if self.level.get(a) in SCOPE_LEVELS)

    def district(self, area: str | None) -> str | None:
        return next((a for a in self.chain(area) if self.level.get(a) == "district"), None)

    def path(self, area: str | None) -> str:
        """甘井子区/泰山街道/泰林社区: the area's names from below the city down."""
        names = [self.name.get(a, a) for a in reversed(self.chain(area)) if self.level.get(a) != "city"]
        return "/".join(names)

    def narrow(self, candidates: tuple[str, ...], place: Mapping[str, str | None]) -> tuple[str, ...]:
        """The candidates under the ledger's own street, else under its own district, else all."""
        for level in SCOPE_LEVELS:
            homes = {h for h in self.homes if self.level.get(h) == level}
            inside = tuple(c for c in candidates if homes.intersection(self.chain(place.get(c))))
            if inside:
                return inside
        return candidates


class Index:
    """Where references to one record type resolve: codes (and keys), then names, then aliases,
    compared after norm(). What the ledger itself defines hides what is stored; a name several
    stored records share is narrowed to the ledger's own street or district (:class:`Scope`)."""

    def __init__(
        self, record: RecordType, batch: Batch | None, stored: pd.DataFrame | None, scope: Scope | None = None
    ) -> None:
        self.record = record
        self.scope = scope
        self.bad: dict[str, Location] = {}  # key -> a rejected row holding it
        if batch is not None:
            good = set(batch.keys[~batch.bad])
            for i in np.flatnonzero(batch.bad).tolist():
                if batch.keys[i] not in good:
                    self.bad.setdefault(batch.keys[i], batch.location(i))
        rows = _index_rows(record, batch, stored)
        keys = rows["key"].to_numpy(dtype=object)
        names = rows["name"].to_numpy(dtype=object)
        normed = rows["normed"].to_numpy(dtype=object)
        codes = rows["code"].to_numpy(dtype=object)
        own = rows["own"].to_numpy(dtype=bool)
        coded, named = pd.notna(codes), pd.notna(names)
        key_forms = keys.copy()  # a key is a code, or already in matching form
        key_forms[coded] = matching_forms(keys[coded])
        code_forms = key_forms[coded]  # a code written as its key has the key's form
        other = codes[coded] != keys[coded]
        code_forms[other] = matching_forms(codes[coded][other])
        aliases = rows[["key", "aliases", "own"]]
        if aliases["aliases"].notna().any():  # a type with aliases: one row per alias
            aliases = aliases.explode("aliases")
        aliases = aliases.dropna(subset=["aliases"])
        alias_forms = per_distinct(factorize(aliases["aliases"].to_numpy()), matching_forms)
        alias_keys = aliases["key"].to_numpy()
        alias_own = aliases["own"].to_numpy(dtype=bool)
        alias_texts = aliases["aliases"].to_numpy()
        self._rows = rows  # for the dicts below, built when first asked for
        self._named = (keys[named], names[named], normed[named])
        self._coded = (keys[coded], codes[coded])
        self._aliases = (alias_forms, alias_texts)
        # One lookup: the stored records' aliases, names, then codes and keys; then this ledger's
        # (hiding them) in the same order; a form found in a later tier hides the earlier ones.
        self.lookup: Tier = {}
        for mine in (False, True):
            self.lookup.update(_tier(alias_forms[alias_own == mine], alias_keys[alias_own == mine]))
            self.lookup.update(_tier(normed[named & (own == mine)], keys[named & (own == mine)]))
            # a code's form the same as its key's adds nothing: that pair is in the tier already
            part, code_part = own == mine, (own[coded] == mine) & (code_forms != key_forms[coded])
            forms = np.concatenate([key_forms[part], code_forms[code_part]])
            self.lookup.update(_tier(forms, np.concatenate([keys[part], keys[coded][code_part]])))
        self._choices: list[str] = []
        self._suggested = 0
        self._failed: dict[str, tuple[str, Cited | None]] = {}
        self.unreadable: Cited | None = None  # a sheet of this type that could not be read
        # Codes, names and aliases exactly as written resolve without norm(): most references
        # are written so. Only where their matching form leads back to their own record.
        self._resolved: dict[str, str] = {}
        written = [(codes[coded], code_forms, keys[coded]), (names[named], normed[named], keys[named])]
        written.append((alias_texts, alias_forms, alias_keys))
        for texts, forms, owners in written:
            home = as_objects(map(self.lookup.get, forms), len(forms)) == owners
            if self.bad:
                home &= ~pd.Series(owners, dtype=object).isin(list(self.bad)).to_numpy()
            self._resolved.update(zip(texts[home], owners[home], strict=True))

    # What messages, suggestions and scopes read: built when first asked for (a clean ledger
    # seldom asks).

    @cached_property
    def place(self) -> dict[str, str | None]:
        """Key -> the area the record is in (its parent, for an area)."""
        return dict(zip(self._rows["key"], self._rows["place"], strict=True))

    @cached_property
    def since(self) -> dict[str, Any]:
        return dict(zip(self._rows["key"], self._rows["since"], strict=True))

    @cached_property
    def display(self) -> dict[str, str]:
        """Key -> the record's name (the first row's, when several)."""
        keys, names, _ = self._named
        return dict(zip(keys[::-1], names[::-1], strict=True))

    @cached_property
    def codes(self) -> dict[str, str]:
        return dict(zip(*self._coded, strict=True))

    @cached_property
    def written(self) -> dict[str, str]:
        """For suggestions: matching form -> the name or alias as written."""
        _, names, normed = self._named
        written = dict(zip(*self._aliases, strict=True))
        written.update(zip(normed, names, strict=True))
        return written

    def set_scope(self, scope: Scope) -> None:
        """Resolve in this scope; areas also by path (泰山街道/泰林社区, 甘井子区/泰山街道/泰林社区)."""
        self.scope = scope
        if self.record.name == "area":
            paths = [(form, k) for k in self.place for form in _path_forms(scope, k)]
            for form, key in _tier([f for f, _ in paths], [k for _, k in paths]).items():
                self.lookup.setdefault(form, key)

    def _described(self, key: str) -> str:
        """A candidate told apart from its namesakes: code, area path, date."""
        parts = [f"编码 {self.codes[key]}"] if key in self.codes else []
        if self.scope is not None and self.record.name in PLACE:
            where = key if self.record.name == "area" else self.place.get(key)
            if where is not None:
                parts.append(self.scope.path(where))
        if isinstance(self.since.get(key), str):
            parts.append(str(self.since[key]))
        name = self.display.get(key, key)
        return f"{name}（{'，'.join(parts)}）" if parts else name

    def known(self, texts: list[str]) -> list[str | None]:
        """The keys of the texts already resolved (or written exactly as in their sheet); None
        for the others."""
        return list(map(self._resolved.get, texts))

    def resolve(self, text: str) -> str:
        """The key a reference names; ValueError with what to do when it names none or several.
        Remembered: the same names come back in every sheet that refers to this one."""
        key = self._resolved.get(text)
        if key is not None:
            return key
        if text in self._failed:
            message, cause = self._failed[text]
            raise ValueError(message) if cause is None else KnockOn(message, cause)
        try:
            key = self._resolved[text] = self._resolve(text)
        except ValueError as err:
            self._failed[text] = (str(err), err.cause if isinstance(err, KnockOn) else None)
            raise
        return key

    def _resolve(self, text: str) -> str:
        sheet = self.record.sheet_zh
        wanted = norm(text)
        found = self.lookup.get(wanted)
        if isinstance(found, tuple) and self.scope is not None and self.record.name in PLACE:
            found = self.scope.narrow(found, self.place if self.record.name != "area" else _itself(found))
            found = found[0] if len(found) == 1 else found
        if isinstance(found, tuple):
            candidates = "、".join(self._described(k) for k in sorted(found))
            example = ""
            if self.record.name == "area" and self.scope is not None:
                example = f"，或写出上级，如 {self.scope.path(sorted(found)[0])}"
            raise ValueError(
                f"「{text}」对应多个{sheet}：{candidates}；请改用编码或全称{example}。"
                f"Ambiguous: several records match; use the code or the full name."
            )
        if found in self.bad:
            file, sheet_name, row = self.bad[found]
            where = f"{file}［{sheet_name}］" if sheet_name else file
            raise KnockOn(
                f"引用的{sheet}「{text}」在 {where} 第{row}行，该行有问题；请先改正该行。"
                f"The referenced row ({where} row {row}) has a problem; fix that row first.",
                self.bad[found],
            )
        if found is not None:
            return found
        hint = ""
        if self._suggested < SUGGEST_LIMIT:
            self._suggested += 1
            self._choices = self._choices or sorted(self.written)
            close = difflib.get_close_matches(wanted, self._choices, n=SUGGESTIONS, cutoff=0.5)
            if close:
                hint = f"最接近的是：{'、'.join(self.written[c] for c in close)}。"
        if self.unreadable is not None:
            file, sheet_name, _ = self.unreadable
            where = f"{file}［{sheet_name}］" if sheet_name else file
            raise KnockOn(
                f"未找到{sheet}「{text}」：{where} 整张表未能读取；请先改正该表。"
                f"{where} could not be read; fix it first.",
                self.unreadable,
            )
        raise ValueError(
            f"未找到{sheet}「{text}」。{hint}请改正名称，或先在 {sheet} 表中添加该{sheet}。"
            f"Unknown {self.record.name}; fix the name or add it to the {sheet} sheet first."
        )


def _itself(keys: tuple[str, ...]) -> dict[str, str | None]:
    return {k: k for k in keys}


def _path_forms(scope: Scope, key: str) -> list[str]:
    """The matching forms of an area's paths of two or more names: 泰山街道/泰林社区, …"""
    names = [norm(scope.name.get(a, a)) for a in reversed(scope.chain(key))]
    return ["/".join(names[i:]) for i in range(len(names) - 1)]


def _index_rows(record: RecordType, batch: Batch | None, stored: pd.DataFrame | None) -> pd.DataFrame:
    """key, name, normed (the name in matching form), code, aliases, place (the area it is in),
    since (its date) and own (in this ledger) of the records of one type: this ledger's, then
    the stored ones it does not redefine."""
    name = record.natural_key[0]
    place, since = PLACE.get(record.name), record.since
    columns = ["key", "name", "normed", "code", "aliases", "place", "since", "own"]
    frames = [pd.DataFrame(columns=columns, dtype=object)]
    if batch is not None:
        frames.append(
            pd.DataFrame(
                {
                    "key": batch.keys,
                    "name": batch.values[name],
                    "normed": batch.normed_name.to_numpy(zero_copy_only=False),
                    "code": batch.values["code"],
                    "aliases": batch.values.get("aliases"),
                    "place": batch.values.get(place) if place else None,
                    "since": batch.values.get(since) if since else None,
                    "own": True,
                },
                dtype=object,
            )
        )
    if stored is not None and len(stored):
        others = stored[~stored["key"].isin(batch.keys if batch is not None else [])].reset_index(drop=True)
        frames.append(
            pd.DataFrame(
                {
                    "key": others["key"],
                    "name": others[name],
                    "normed": per_distinct(factorize(others[name].to_numpy()), matching_forms),
                    "code": others["code"],
                    "aliases": others.get("aliases"),
                    "place": others.get(place) if place else None,
                    "since": others.get(since) if since else None,
                    "own": False,
                },
                dtype=object,
            )
        )
    return pd.concat(frames, ignore_index=True)


def ledger_scope(
    own: pd.DataFrame | None,
    stored: pd.DataFrame | None,
    by_record: Mapping[str, list[RawSheet]],
    index: Callable[[str], Index],
) -> Scope:
    """The ledger's scope: its own areas, and the areas its other sheets name unambiguously."""
    frames = [t for t in (stored, own) if t is not None and len(t)]
    columns = ["key", "name", "level", "parent"]
    areas = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    scope = Scope(areas.drop_duplicates("key", keep="last"))
    for key in [] if own is None else own["key"]:
        scope.add_home(key)
    areas_index = index("area")
    for name, sheets in by_record.items():
        for column in RECORDS[name].columns:
            if column.ref != "area" or name == "area":
                continue
            for sheet in sheets:
                if column.name in sheet.rows:
                    for text in sheet.rows[column.name].unique().tolist():
                        found = areas_index.lookup.get(norm(str(text)))
                        if isinstance(found, str):
                            scope.add_home(found)
    areas_index.set_scope(scope)
    return scope
