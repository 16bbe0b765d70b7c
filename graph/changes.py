"""What changed in a period, as events read from the dated facts. Pure functions of store tables.

Each event belongs to one unit (a member unit or any other non-committee organization) and one
period: a beginning (an agreement signed, a post begun, a registration made, a unit joining, a
project completed) to the period holding its date; an ending (an agreement expiring, a post
ending, a registration withdrawn) to the period holding the first day it no longer holds, so an
agreement expiring on 2024-12-31 is a change of 2025. The posts followed are those that tie a
unit to a committee (:mod:`graph.bridges`): its people's seats on committees, and committee
members' posts in the unit. A unit missing :data:`MISSED_IN_A_ROW` or more meetings in a row
(excused or absent, :data:`graph.rules.MISSED`) has an event on the last meeting of that run
within the period. Flags raised and cleared come from an engagement result (:func:`flag_events`).

Every event has a Chinese and an English sentence citing the ledger's own dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from graph.rules import COMMITTEE_LEVEL, MISSED, part_time, upper
from graph.scope import Scope, below, units_in_scope
from graph.store import Store

if TYPE_CHECKING:
    from graph.engagement import Result

MISSED_IN_A_ROW = 3
EVENTS = (
    "unit_joined",
    "agreement_signed",
    "agreement_expired",
    "seat_began",
    "seat_ended",
    "post_began",
    "post_ended",
    "registration_made",
    "registration_withdrawn",
    "members_registered",
    "project_completed",
    "meetings_missed",
    "flag_raised",
    "flag_cleared",
)
LOSSES = ("agreement_expired", "seat_ended", "post_ended", "registration_withdrawn", "meetings_missed")
COLUMNS = ["day", "unit", "unit_name", "event", "zh", "en"]


def _after(day: str) -> str:
    """The first day after what a date (day, month or year) covers."""
    return (date.fromisoformat(upper(day)) + timedelta(days=1)).isoformat()


def _begins(day: Any, start: str, end: str) -> bool:
    """Whether a date (day, month or year: its first day) falls in [start, end]."""
    if not isinstance(day, str):
        return False
    first = day + "-01-01"[len(day) - 4 :] if len(day) < 10 else day
    return start <= first <= end


def _ends(day: Any, start: str, end: str) -> bool:
    return isinstance(day, str) and start <= _after(day) <= end


def events(tables: Mapping[str, pd.DataFrame], start: str, end: str, units: set[str]) -> pd.DataFrame:
    """The events of ``units`` (keys) in [start, end] (ISO days), by day then unit (see the
    module doc). ``tables``: organization, area, post, agreement, meeting, attendance, project,
    registration."""
    orgs = tables["organization"]
    name = dict(zip(orgs["key"], orgs["name"], strict=True))
    kind = dict(zip(orgs["key"], orgs["kind"], strict=True))
    area_name = dict(zip(tables["area"]["key"], tables["area"]["name"], strict=True))
    found: list[tuple[str, str, str, str, str]] = []

    def add(day: str, unit: str, event: str, zh: str, en: str) -> None:
        found.append((day, unit, event, zh, en))

    for key, joined in zip(orgs["key"], orgs["joined"], strict=True):
        if key in units and _begins(joined, start, end):
            add(joined, key, "unit_joined", f"于{joined}加入共建平台", f"joined the platform on {joined}")

    for title, signed, expires, parties in tables["agreement"][
        ["title", "signed", "expires", "parties"]
    ].itertuples(index=False, name=None):
        for unit in set(parties) & units:
            if _begins(signed, start, end):
                add(
                    signed,
                    unit,
                    "agreement_signed",
                    f"于{signed}签订“{title}”",
                    f"signed “{title}” on {signed}",
                )
            if _ends(expires, start, end):
                add(
                    expires,
                    unit,
                    "agreement_expired",
                    f"协议“{title}”于{expires}到期",
                    f"the agreement “{title}” expired on {expires}",
                )

    posts = tables["post"].assign(pt=lambda p: part_time(p))
    on_committee = posts["org"].map(lambda o: kind.get(o) in COMMITTEE_LEVEL)
    in_unit = posts[posts["org"].isin(units)]
    seats = posts[on_committee & posts["pt"]].merge(
        in_unit[~in_unit["pt"]][["person", "org"]], on="person", suffixes=("", "_unit")
    )
    for org, unit, role, since, until in (
        seats[["org", "org_unit", "role", "start", "end"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    ):
        where = name.get(org, org)
        if _begins(since, start, end):
            add(
                since,
                unit,
                "seat_began",
                f"{where}{role}任期于{since}开始",
                f"a seat ({role}) on {where} began on {since}",
            )
        if _ends(until, start, end):
            add(
                until,
                unit,
                "seat_ended",
                f"{where}{role}任期于{until}结束",
                f"a seat ({role}) on {where} ended on {until}",
            )
    own = posts[on_committee & ~posts["pt"]][["person", "org"]]
    visits = in_unit.merge(own, on="person", suffixes=("", "_committee"))
    for unit, committee, role, since, until in (
        visits[["org", "org_committee", "role", "start", "end"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    ):
        where = name.get(committee, committee)
        if _begins(since, start, end):
            add(
                since,
                unit,
                "post_began",
                f"{where}成员任本单位{role}（{since}起）",
                f"a member of {where} became its {role} on {since}",
            )
        if _ends(until, start, end):
            add(
                until,
                unit,
                "post_ended",
                f"{where}成员在本单位的{role}任期于{until}结束",
                f"a member of {where} left its {role} post on {until}",
            )

    regs = tables["registration"]
    members: dict[tuple[str, str], int] = {}
    for person, org, community, day, withdrawn in regs[
        ["person", "org", "community", "date", "withdrawn"]
    ].itertuples(index=False, name=None):
        if org not in units:
            continue
        place = area_name.get(community, community)
        if isinstance(person, str):
            if _begins(day, start, end):
                members[(org, "made")] = members.get((org, "made"), 0) + 1
            continue
        if _begins(day, start, end):
            add(day, org, "registration_made", f"于{day}到{place}报到", f"registered with {place} on {day}")
        if _ends(withdrawn, start, end):
            add(
                withdrawn,
                org,
                "registration_withdrawn",
                f"于{withdrawn}撤销在{place}的报到",
                f"withdrew its registration with {place} on {withdrawn}",
            )
    for (org, _), n in sorted(members.items()):
        add(
            end,
            org,
            "members_registered",
            f"本期在职党员报到{n}人",
            f"{n} in-service members registered in the period",
        )

    for title, status, done, contributors in tables["project"][
        ["title", "status", "end", "contributors"]
    ].itertuples(index=False, name=None):
        if status == "done" and _begins(done, start, end):
            for unit in set(contributors) & units:
                add(
                    done,
                    unit,
                    "project_completed",
                    f"于{done}办结项目“{title}”",
                    f"completed “{title}” on {done}",
                )

    dates = dict(zip(tables["meeting"]["key"], tables["meeting"]["date"], strict=True))
    invited = tables["attendance"][tables["attendance"]["org"].isin(units)]
    runs: dict[str, list[tuple[str, bool]]] = {}
    for meeting, org, status in invited[["meeting", "org", "status"]].itertuples(index=False, name=None):
        day = dates.get(meeting)
        if isinstance(day, str) and day[:10] <= end:
            runs.setdefault(org, []).append((day, status in MISSED))
    for org, rows in sorted(runs.items()):
        for first, last, n in _missed_runs(sorted(rows)):
            if n >= MISSED_IN_A_ROW and start <= upper(last) and last <= end:
                add(
                    last,
                    org,
                    "meetings_missed",
                    f"连续{n}次未出席联席会议（{first}至{last}）",
                    f"missed {n} joint meetings in a row ({first} to {last})",
                )

    frame = pd.DataFrame(found, columns=["day", "unit", "event", "zh", "en"])
    frame.insert(2, "unit_name", frame["unit"].map(lambda u: name.get(u, u)))
    order = {e: i for i, e in enumerate(EVENTS)}
    frame = frame.assign(_o=frame["event"].map(order)).sort_values(
        ["day", "unit", "_o", "zh"], kind="mergesort"
    )
    return frame.drop(columns="_o").reset_index(drop=True)[COLUMNS]


def _missed_runs(rows: list[tuple[str, bool]]) -> list[tuple[str, str, int]]:
    """The runs of meetings missed in a row: first day, last day, how many."""
    out, run = [], []
    for day, missed in [*rows, ("", False)]:
        if missed:
            run.append(day)
        elif run:
            out.append((run[0], run[-1], len(run)))
            run = []
    return out


def counts(found: pd.DataFrame) -> dict[str, int]:
    """How many events of each kind (every kind, zero included)."""
    seen = found["event"].value_counts().to_dict()
    return {e: int(seen.get(e, 0)) for e in EVENTS}


def losses(found: pd.DataFrame, unit: str) -> list[str]:
    """The Chinese sentences of what a unit lost in the period (agreements expired, seats and
    posts ended, registrations withdrawn, meetings missed in a row), in date order."""
    mine = found[(found["unit"] == unit) & found["event"].isin(LOSSES)]
    return list(mine["zh"])


def flag_events(result: Result) -> pd.DataFrame:
    """Flags raised and cleared in an engagement result's period, against the previous one."""
    c = result.changes
    before = c["flagged_before"].fillna(False).astype(bool)
    rows = []
    p, prev = result.period, result.period.previous()
    for key, unit, flagged, was, score in zip(
        c["key"], c["name"], c["flagged"], before, c["score"], strict=True
    ):
        shown = "—" if pd.isna(score) else f"{float(score):.1f}".removesuffix(".0")
        if flagged and not was:
            rows.append(
                (
                    p.end.isoformat(),
                    key,
                    unit,
                    "flag_raised",
                    f"{p.zh}被预警（得分{shown}；{prev.zh}未预警）",
                    f"flagged in {p.en} (score {shown}; not in {prev.en})",
                )
            )
        elif was and not flagged:
            rows.append(
                (
                    p.end.isoformat(),
                    key,
                    unit,
                    "flag_cleared",
                    f"{p.zh}解除预警（得分{shown}）",
                    f"no longer flagged in {p.en} (score {shown})",
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def to_records(found: pd.DataFrame) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in row.items()} for row in found.to_dict("records")]


def change_log(store: Store, period: str, area: str | None = None) -> dict[str, Any]:
    """The events of every unit (of ``area``: key or name; None: all) in ``period`` (``2025``,
    ``2025Q3``), flags raised and cleared included, as JSON-ready data: from the engagement
    the store computes (:func:`graph.engagement.engagement`) and the rows it reads for the
    area (``Store.change_rows``)."""
    from graph.engagement import engagement  # (graph.engagement uses this module)

    result = engagement(store, period, area, with_structure=False)
    p = result.period
    start, end = p.start.isoformat(), p.end.isoformat()
    tables = store.change_rows(result.area, (), start, end)
    units = tables["organization"]
    inside = below(tables["area"], result.area)
    keys = set(units.loc[units["area"].isin(inside) & ~units["kind"].isin(COMMITTEE_LEVEL), "key"])
    found = events(tables, start, end, keys)
    found = pd.concat([found, flag_events(result)], ignore_index=True)
    return {
        "period": p.label,
        "area": result.area,
        "area_name": result.area_name,
        "counts": counts(found),
        "events": to_records(found),
    }


TABLES = ("organization", "area", "post", "agreement", "meeting", "attendance", "project", "registration")


def in_scope(tables: Mapping[str, pd.DataFrame], s: Scope) -> pd.DataFrame:
    """The events of the units in a page's scope (committees aside) over its quarters."""
    units = units_in_scope(tables["organization"], tables["area"], s)
    keys = set(units.loc[~units["kind"].isin(COMMITTEE_LEVEL), "key"])
    return events(tables, s.start, s.end, keys)
