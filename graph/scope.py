"""The scope every page shares: an area (district → street → community), a period of whole
quarters and the unit kinds; read from and written to the URL's query parameters.

Pure functions of tables, no Streamlit: the pages call them through ``st.cache_data``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from graph.errors import AnalysisError
from graph.glossary import ORG_KIND, norm
from graph.rules import LEVELS as LEVELS  # the levels a scope can narrow down to
from graph.rules import area_paths
from graph.rules import upper as upper  # (the month-end rule lives in graph.rules)

if TYPE_CHECKING:
    from graph.store import Store

ancestors = area_paths  # the name ui/network.py knows it by (the rule lives in graph.rules)


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


def period_choices(first: str, last: str) -> list[str]:
    """The periods the page can judge within the quarters ``first``..``last``: the whole years
    in it, newest first, then each quarter, newest first. The first is the default."""
    span = quarters(first, last)
    years = sorted({q[:4] for q in span if all(f"{q[:4]}Q{i}" in span for i in range(1, 5))}, reverse=True)
    return [*years, *reversed(span)]


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


def store_span(store: Store) -> list[str]:
    """The quarters in which the store's joint meetings were held (else its agreements signed;
    empty when neither): the periods the app offers."""
    first, last = store.date_range("meeting", "date")
    if first is None:
        first, last = store.date_range("agreement", "signed")
    return activity_span([first, last])


def default_period(span: list[str]) -> tuple[str, str]:
    """The period the app opens on: the last four quarters of ``span`` (first, last quarter)."""
    return span[max(len(span) - 4, 0)], span[-1]


QUARTER_ZH = "一二三四"


@dataclass(frozen=True)
class Period:
    """A year (``2025``) or a quarter (``2025Q3``), first and last day included."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str | int) -> Period:
        value = str(text).strip().upper()
        if m := re.fullmatch(r"(\d{4})", value):
            year = int(m[1])
            return cls(value, date(year, 1, 1), date(year, 12, 31))
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", value):
            year, quarter = int(m[1]), int(m[2])
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
            return cls(f"{year}Q{quarter}", start, end)
        raise AnalysisError(f"Period {text!r} is neither a year nor a quarter; write it as 2025 or 2025Q3.")

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label

    def previous(self) -> Period:
        year = self.start.year
        if not self.is_quarter:
            return Period.parse(year - 1)
        quarter = int(self.label[-1])
        return Period.parse(f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}")

    @property
    def zh(self) -> str:
        year = self.start.year
        return f"{year}年第{QUARTER_ZH[int(self.label[-1]) - 1]}季度" if self.is_quarter else f"{year}年"

    @property
    def en(self) -> str:
        return f"{self.start.year} Q{self.label[-1]}" if self.is_quarter else str(self.start.year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def find_area(tables: Mapping[str, pd.DataFrame], area: str) -> tuple[str, str]:
    """An area's key and name from its key or its (unique) name."""
    areas = tables["area"]
    if area in set(areas["key"]):
        return area, str(areas.loc[areas["key"] == area, "name"].iloc[0])
    hits = areas[areas["name"].map(norm) == norm(area)]
    if len(hits) == 1:
        return str(hits["key"].iloc[0]), str(hits["name"].iloc[0])
    if len(hits) > 1:
        raise AnalysisError(
            f"{len(hits)} areas are named {area!r} (keys {', '.join(map(str, hits['key']))}); pass the key."
        )
    close = [str(n) for n in areas["name"] if norm(area) in norm(str(n)) or norm(str(n)) in norm(area)][:5]
    hint = f" Did you mean {'、'.join(close)}?" if close else " `gongjian stats` lists the areas."
    raise AnalysisError(f"No area named or keyed {area!r}.{hint}")


# --- the rows a scope needs -------------------------------------------------------------------

SCOPE_RECORDS = (
    "area",
    "organization",
    "person",
    "post",
    "agreement",
    "meeting",
    "attendance",
    "project",
    "need",
    "resource",
    "registration",
)


def area_anchors(areas: pd.DataFrame, area: str) -> tuple[set[str], set[str]]:
    """The areas anchoring a scope: the area and every area under it, and the areas above it
    (whose committees the scope's units sit on)."""
    above = set(area_paths(areas).get(area, {}).values()) - {area}
    return below(areas, area), above


def _meets(lists: pd.Series, keys: set[str]) -> pd.Series:
    return lists.map(lambda values: not keys.isdisjoint(values or ())).astype(bool)


def scope_tables(tables: Mapping[str, pd.DataFrame], area: str) -> dict[str, pd.DataFrame]:
    """The rows the pages need for the scope of one area, out of whole tables (the definition
    the stores answer with indexed reads: ``Store.scoped``):

    - every area; the organizations located in the area, under it or above it (the anchors);
    - the posts in an anchor and every post of the people holding one; the agreements, the
      attendance, the resources and the registrations of an anchor; the meetings an anchor
      hosted or attended; the projects of an anchor or of a community in the area, and their
      needs with the needs of those communities;
    - the organizations and people those rows name (the anchors' direct partners)."""
    inside, above = area_anchors(tables["area"], area)
    orgs = tables["organization"]
    anchors = set(orgs.loc[orgs["area"].isin(inside | above), "key"])
    posts = tables["post"]
    holders = set(posts.loc[posts["org"].isin(anchors), "person"]) - {None}
    posts = posts[posts["org"].isin(anchors) | posts["person"].isin(holders)]
    agreements = tables["agreement"][_meets(tables["agreement"]["parties"], anchors)]
    attendance = tables["attendance"][tables["attendance"]["org"].isin(anchors)]
    meetings = tables["meeting"]
    meetings = meetings[meetings["host"].isin(anchors) | meetings["key"].isin(set(attendance["meeting"]))]
    projects = tables["project"]
    projects = projects[projects["community"].isin(inside) | _meets(projects["contributors"], anchors)]
    needs = tables["need"]
    needs = needs[needs["community"].isin(inside) | needs["key"].isin(set(projects["need"]))]
    resources = tables["resource"][tables["resource"]["org"].isin(anchors)]
    registrations = tables["registration"]
    registrations = registrations[
        registrations["org"].isin(anchors) | registrations["community"].isin(inside)
    ]
    named = anchors | set(posts["org"]) | set(meetings["host"])
    for lists in (agreements["parties"], projects["contributors"]):
        for keys in lists:
            named.update(keys or ())
    people = set(posts["person"]) | set(attendance["person"]) | set(registrations["person"])
    return {
        "area": tables["area"],
        "organization": orgs[orgs["key"].isin(named)],
        "person": tables["person"][tables["person"]["key"].isin(people)],
        "post": posts,
        "agreement": agreements,
        "meeting": meetings,
        "attendance": attendance,
        "project": projects,
        "need": needs,
        "resource": resources,
        "registration": registrations,
    }
