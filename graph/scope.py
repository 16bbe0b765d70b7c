"""The scope every page shares: an area (district → street → community), a period of whole
quarters and the unit kinds; read from and written to the URL's query parameters.

Pure functions of tables, no Streamlit: the pages call them through ``st.cache_data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from graph.glossary import ORG_KIND

LEVELS = ("district", "street", "community")  # the levels a scope can narrow down to
COMMITTEES = ("street_committee", "community_committee")  # the platforms, not member units


def upper(date: str) -> str:
    """The last day an ISO day or month covers, comparable as text with an ISO day."""
    return date + "-31" if len(date) == 7 else date


def quarter_of(date: str) -> str:
    """``2025-05-17`` → ``2025Q2``."""
    return f"{date[:4]}Q{(int(date[5:7]) - 1) // 3 + 1}"


def quarter_start(quarter: str) -> str:
    return f"{quarter[:4]}-{(int(quarter[5]) - 1) * 3 + 1:02d}-01"


def quarter_end(quarter: str) -> str:
    month = int(quarter[5]) * 3
    return f"{quarter[:4]}-{month:02d}-{31 if month in (3, 12) else 30}"


def previous_quarter(quarter: str) -> str:
    """``2025Q1`` → ``2024Q4``."""
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def quarters(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` (both ``YYYYQn``), in order."""
    year, q = int(first[:4]), int(first[5])
    out = []
    while f"{year}Q{q}" <= last:
        out.append(f"{year}Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


@dataclass(frozen=True)
class Scope:
    """What the pages look at: units under ``area`` (the deepest area chosen; None: all),
    of ``kinds`` (empty: all kinds), in the quarters ``first``..``last``."""

    district: str | None = None
    street: str | None = None
    community: str | None = None
    first: str = ""
    last: str = ""
    kinds: tuple[str, ...] = ()

    @property
    def area(self) -> str | None:
        return self.community or self.street or self.district

    @property
    def start(self) -> str:
        return quarter_start(self.first)

    @property
    def end(self) -> str:
        return quarter_end(self.last)

    def to_params(self) -> dict[str, str]:
        """The scope as query parameters (empty ones left out)."""
        params = {level: getattr(self, level) for level in LEVELS if getattr(self, level)}
        if self.first:
            params["period"] = f"{self.first}~{self.last}"
        if self.kinds:
            params["kinds"] = ",".join(self.kinds)
        return params


def scope_from_params(
    params: Mapping[str, str], areas: pd.DataFrame, span: list[str], default: tuple[str, str]
) -> Scope:
    """The scope a URL asks for, keeping only what exists: areas of the right level under the
    area above, quarters in ``span``, known kinds. Anything else falls back to its default."""
    by_key = {k: (lvl, p) for k, lvl, p in zip(areas["key"], areas["level"], areas["parent"], strict=True)}
    chosen: dict[str, str | None] = {}
    above: str | None = None
    for level in LEVELS:
        key = params.get(level)
        ok = key in by_key and by_key[key][0] == level and (above is None or by_key[key][1] == above)
        if not ok or (level != "district" and above is None):
            break
        chosen[level] = above = key
    first, last = default
    period = params.get("period", "")
    if "~" in period:
        a, b = period.split("~", 1)
        if a in span and b in span and a <= b:
            first, last = a, b
    kinds = tuple(k for k in params.get("kinds", "").split(",") if k in ORG_KIND.codes)
    return Scope(chosen.get("district"), chosen.get("street"), chosen.get("community"), first, last, kinds)


def children(areas: pd.DataFrame, parent: str | None, level: str) -> list[tuple[str, str]]:
    """(key, name) of the areas of ``level`` under ``parent`` (any parent when None), by name."""
    rows = areas[areas["level"] == level]
    if parent is not None:
        rows = rows[rows["parent"] == parent]
    rows = rows.sort_values(["name", "key"])
    return list(zip(rows["key"], rows["name"], strict=True))


def below(areas: pd.DataFrame, area: str | None) -> set[str]:
    """The keys of an area and of every area under it (all areas when None)."""
    if area is None:
        return set(areas["key"])
    kids: dict[str, list[str]] = {}
    for key, parent in zip(areas["key"], areas["parent"], strict=True):
        if parent is not None:
            kids.setdefault(parent, []).append(key)
    found, todo = set(), [area]
    while todo:
        key = todo.pop()
        if key not in found:
            found.add(key)
            todo.extend(kids.get(key, ()))
    return found


def ancestors(areas: pd.DataFrame) -> dict[str, dict[str, str]]:
    """For each area key, the key of it and of each area above it, by level."""
    rows = dict(zip(areas["key"], zip(areas["level"], areas["parent"], strict=True), strict=True))
    out: dict[str, dict[str, str]] = {}
    for key in rows:
        path: dict[str, str] = {}
        here: str | None = key
        while here is not None and here in rows and rows[here][0] not in path:
            path[rows[here][0]] = here
            here = rows[here][1]
        out[key] = path
    return out


def units_in_scope(units: pd.DataFrame, areas: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The units located under the scope's area, of its kinds."""
    inside = units[units["area"].isin(below(areas, scope.area))]
    if scope.kinds:
        inside = inside[inside["kind"].isin(scope.kinds)]
    return inside


def activity_span(dates: Iterable[object]) -> list[str]:
    """The quarters from the first to the last of some dates (ISO text); empty when none."""
    present = sorted(str(d) for d in dates if isinstance(d, str) and len(d) >= 7)
    if not present:
        return []
    return quarters(quarter_of(present[0]), quarter_of(present[-1]))
