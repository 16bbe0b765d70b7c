"""What the network's details panel says about a clicked node, from the store's tables.

Pure functions, no Streamlit: a unit (kind, area, posts held in it with their people,
agreements, recent meetings, its engagement score when the caller has one), a person (every
post, with dates), an agreement (parties, term, projects of its parties in its term), and for
any other record its fields. Names are not masked here; the page masks people's names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph import profile
from graph.model import RECORD_TYPES, RECORDS
from graph.scope import upper

Tables = Mapping[str, pd.DataFrame]
RECENT = 5  # meetings listed


@dataclass(frozen=True)
class Details:
    """A node as a heading, a few facts and tables (each a list of row dicts)."""

    node: str
    record: str
    key: str
    name: str
    facts: dict[str, Any] = field(default_factory=dict)  # field or word key -> value
    posts: list[dict[str, Any]] = field(default_factory=list)  # person, person_key, org, org_key, role, …
    agreements: list[dict[str, Any]] = field(default_factory=list)  # title, signed, expires, parties
    meetings: list[dict[str, Any]] = field(default_factory=list)  # title, date, status
    parties: list[dict[str, Any]] = field(default_factory=list)  # key, name, kind
    projects: list[dict[str, Any]] = field(default_factory=list)  # title, status, start, end


def _names(frame: pd.DataFrame, column: str = "name") -> dict[str, str]:
    return dict(zip(frame["key"], frame[column].astype(str), strict=True))


def _text(value: Any) -> Any:
    return value if value is not None and not (isinstance(value, float) and value != value) else None


def _row(frame: pd.DataFrame, key: str) -> dict[str, Any] | None:
    found = frame[frame["key"] == key]
    return None if found.empty else {str(k): _text(v) for k, v in found.iloc[0].to_dict().items()}


Fetch = Callable[[str, str, Iterable[str]], pd.DataFrame]  # Store.rows: (record, field, keys) -> rows


def _refs(frame: pd.DataFrame, column: str) -> set[str]:
    found: set[str] = set()
    for value in frame[column]:
        found.update([value] if isinstance(value, str) else value if isinstance(value, tuple) else ())
    return found


def rows_for(node: str, fetch: Fetch) -> dict[str, pd.DataFrame]:
    """The rows :func:`details` reads about ``node``, looked up by key and reference
    (``fetch``: ``Store.rows``) instead of whole tables; every record type has a table."""
    record, _, key = node.partition(":")
    found = {rec.name: fetch(rec.name, "key", ()) for rec in RECORD_TYPES}
    if record not in RECORDS or not RECORDS[record].is_node:
        return found
    found[record] = row = fetch(record, "key", [key])
    orgs: set[str] = set()
    areas: set[str] = set()
    people: set[str] = set()
    if record == "organization":
        areas |= _refs(row, "area")
        posts = fetch("post", "org", [key])
        found["post"] = posts = fetch("post", "person", _refs(posts, "person"))
        found["agreement"] = fetch("agreement", "parties", [key])
        found["attendance"] = attendance = fetch("attendance", "org", [key])
        found["meeting"] = fetch("meeting", "key", _refs(attendance, "meeting"))
        orgs |= _refs(posts, "org")
        people |= _refs(posts, "person") | _refs(attendance, "person")
    elif record == "person":
        found["post"] = posts = fetch("post", "person", [key])
        orgs |= _refs(posts, "org")
    elif record == "agreement":
        orgs |= _refs(row, "parties")
        found["project"] = fetch("project", "contributors", orgs)
    else:
        for c in RECORDS[record].columns:
            if c.ref == "area":
                areas |= _refs(row, c.name)
            elif c.ref == "organization":
                orgs |= _refs(row, c.name)
    for name, keys in (("organization", orgs), ("area", areas), ("person", people)):
        found[name] = fetch(name, "key", keys | ({key} if record == name else set()))
    return found


def details(node: str, tables: Tables, as_of: str, score: float | None = None) -> Details | None:
    """The details of ``node`` (``record:key``) as of a day; None when it is not stored."""
    record, _, key = node.partition(":")
    if record not in RECORDS or not RECORDS[record].is_node:
        return None
    row = _row(tables[record], key)
    if row is None:
        return None
    if record == "organization":
        return unit(row, tables, as_of, score)
    if record == "person":
        return person(row, tables)
    if record == "agreement":
        return agreement(row, tables)
    name = str(row.get("name") or row.get("title") or key)
    facts = {
        c.name: row[c.name]
        for c in RECORDS[record].columns
        if c.kind not in ("ref", "refs") and c.name not in ("name", "title") and row.get(c.name) is not None
    }
    areas = _names(tables["area"])
    units = _names(tables["organization"])
    for c in RECORDS[record].columns:
        value = row.get(c.name)
        if c.kind == "ref" and value is not None:
            facts[c.name] = (
                (areas if c.ref == "area" else units).get(value, value)
                if c.ref
                in (
                    "area",
                    "organization",
                )
                else value
            )
        elif c.kind == "refs" and value:
            facts[c.name] = "、".join(units.get(v, v) for v in value)
    return Details(node, record, key, name, facts)


def unit(row: Mapping[str, Any], tables: Tables, as_of: str, score: float | None) -> Details:
    key = str(row["key"])
    areas = _names(tables["area"])
    facts: dict[str, Any] = {
        "kind": row.get("kind"),
        "area": areas.get(str(row.get("area")), row.get("area")),
        "party_members": row.get("party_members"),
        "joined": row.get("joined"),
        "score": score,
    }
    held = profile.posts(key, tables["post"], tables["person"], tables["organization"])
    posts = [
        {
            "person": r["person"],
            "person_key": r["person_key"],
            "role": r["role"],
            "start": _text(r["start"]),
            "end": _text(r["end"]),
            "elsewhere": r["elsewhere"],
        }
        for r in held.to_dict("records")
    ]
    signed = profile.agreements(key, tables["agreement"], as_of, as_of)
    agreements = [
        {
            "title": r["title"],
            "signed": _text(r["signed"]),
            "expires": _text(r["expires"]),
            "parties": int(r["parties"]),
            "in_force": bool(r["in_force"]),
        }
        for r in signed.to_dict("records")
    ]
    invited = profile.meetings(key, tables["attendance"], tables["meeting"], tables["person"])
    invited = invited[invited["date"].map(lambda d: isinstance(d, str) and d <= as_of).astype(bool)]
    meetings = [
        {"title": r["title"], "date": r["date"], "status": r["status"]}
        for r in invited.tail(RECENT).iloc[::-1].to_dict("records")
    ]
    return Details(
        f"organization:{key}", "organization", key, str(row["name"]), facts, posts, agreements, meetings
    )


def person(row: Mapping[str, Any], tables: Tables) -> Details:
    """Every post the person holds or held, latest first, with its unit and dates."""
    key = str(row["key"])
    posts = tables["post"]
    mine = posts[posts["person"] == key]
    units = _names(tables["organization"])
    rows = [
        {
            "org": units.get(o, o),
            "org_key": o,
            "role": r,
            "part_time": _text(p),
            "start": _text(s),
            "end": _text(e),
        }
        for o, r, p, s, e in zip(
            mine["org"], mine["role"], mine["part_time"], mine["start"], mine["end"], strict=True
        )
    ]
    rows.sort(key=lambda r: r["start"] or "", reverse=True)
    return Details(f"person:{key}", "person", key, str(row["name"]), {}, rows)


def agreement(row: Mapping[str, Any], tables: Tables) -> Details:
    """Its parties, its term and the projects its parties worked on in its term."""
    key = str(row["key"])
    units = tables["organization"]
    info = units.set_index("key")
    parties = [
        {"key": p, "name": str(info["name"].get(p, p)), "kind": info["kind"].get(p)}
        for p in row["parties"] or ()
    ]
    signed, expires = row.get("signed"), row.get("expires")
    projects = tables["project"]
    members = set(row["parties"] or ())
    inside = projects[
        projects["contributors"].map(lambda cs: bool(members & set(cs or ()))).astype(bool)
        & projects["start"]
        .map(
            lambda s: (
                isinstance(s, str)
                and (not isinstance(signed, str) or upper(s) >= signed)
                and (not isinstance(expires, str) or s <= upper(expires))
            )
        )
        .astype(bool)
    ]
    rows = [
        {"title": t, "status": _text(st), "start": _text(s), "end": _text(e)}
        for t, st, s, e in zip(inside["title"], inside["status"], inside["start"], inside["end"], strict=True)
    ]
    rows.sort(key=lambda r: r["start"] or "")
    facts = {"kind": row.get("kind"), "signed": signed, "expires": expires, "parties": len(parties)}
    return Details(
        f"agreement:{key}", "agreement", key, str(row["title"]), facts, parties=parties, projects=rows
    )
