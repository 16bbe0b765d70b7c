"""Finding under-engaged units: indicators, a fair score with reasons, trends and suggestions.

    result = engagement(store, "2025")            # or "2025Q3"; area: an area key or name
    result.ranked        # one row per member unit in the area, lowest score first
    result.flagged       # the flagged ones
    result.changes       # the same units against the previous period, largest fall first
    result.suggestions   # up to three next steps for each flagged unit
    to_records(result)   # all of it as JSON-ready data
    indicator_table()    # what each indicator means, for the app and the README

How a unit is judged:

1. Facts. For every member unit (joined on or before the period's end; the street and
   community committees are the platform, not members) the indicators of :data:`INDICATORS`
   are counted from the store's tables for the period, a year (``2025``) or a quarter
   (``2025Q3``). Indicators about a party organization are left empty for units without one.
2. Peers. Each indicator is compared with the median of the unit's peers: member units of the
   same kind in the same street, or in the same district when fewer than ``min_peers`` of them
   have a value, or else all units of that kind (a kind too rare for that: every member unit
   of the district, then of the store). Units in their first ``grace_months`` do not count
   towards a median. Peers are found in the whole store, whatever the area asked for.
3. Expectations. Counts of events in the period are pro-rated for a unit that joined within
   it; an expectation under one half is no expectation. A unit in its first ``grace_months``
   is judged on meeting attendance and activity only.
4. Score. Each indicator scores value / expected, at most 1 (months without activity:
   allowed / months). The score is the weighted mean times 100 over the indicators that apply
   to the unit; the weights are in ``engagement.toml``.
5. Flags. A unit scoring under ``flag_below`` is flagged, unless it scored at least
   ``declined_from`` in the previous period: then it *declined* (a sudden fall to ask about,
   listed apart and at the top of the changes). A unit in its first ``grace_months`` is not
   flagged on its score. A hard rule of ``engagement.toml`` flags a unit outright. Reasons
   cite the facts: the rules it meets, then each indicator scoring under one half, the
   largest weighted shortfall first.

Everything is read through the Store protocol, so it runs on either store; the same data and
settings give the same result. :func:`engagement` has the store compute the indicators
(``Store.engagement_facts``: SQL, or Cypher on the Neo4j server) for the area's units only
(:func:`judged`), judged against the peers' figures of the whole store (:class:`PeerStats`,
computed once per store revision and period and kept in the store: :func:`peer_statistics`),
then judges in pandas; :func:`analyse` does it all in pandas on whole tables (:func:`facts`),
the reference the tests hold the stores to. A result without the network structure is kept in
the store too, per revision, period, area and settings (``Store.keep``), so that the next
visitor, another app process or the CLI reads it instead of computing it; :func:`prepare` keeps
the one the 参与度 page opens on after a load.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from graph import bridges, changes, coverage, structure
from graph.errors import SettingsError
from graph.frames import pack, unpack
from graph.glossary import ORG_KIND, SEAT_MEMBER
from graph.rules import ATTENDED, COMMITTEES, area_paths, days, is_member, part_time
from graph.scope import Period, default_period, find_area, period_choices, store_span
from graph.store import Store

Tables = Mapping[str, pd.DataFrame]
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "engagement.toml"
REASON_BELOW = 0.5  # an indicator scoring under this gives a reason

# The columns the analysis reads, by record type.
COLUMNS: dict[str, tuple[str, ...]] = {
    "area": ("key", "name", "level", "parent"),
    "person": ("key", "name"),
    "organization": ("key", "code", "name", "kind", "area", "has_party_org", "party_members", "joined"),
    "post": ("key", "person", "org", "role", "part_time", "start", "end"),
    "agreement": ("key", "title", "signed", "expires", "parties"),
    "meeting": ("key", "title", "date"),
    "attendance": ("meeting", "org", "status", "person"),
    "project": ("key", "title", "category", "status", "start", "end", "contributors", "need"),
    "need": ("key", "title", "community", "category", "status", "published"),
    "resource": ("key", "title", "org", "category", "published"),
    "registration": ("community", "date", "person", "org", "withdrawn"),
}


# --- indicators ---------------------------------------------------------------------------

IndicatorKind = Literal["count", "yes", "share", "months"]


@dataclass(frozen=True)
class Indicator:
    """One indicator: its column, names and definition (Chinese, English) and how it is judged.

    ``kind``: ``count`` (more is better), ``yes`` (1 or 0), ``share`` (a ratio), ``months``
    (fewer is better). ``flow``: it counts events in the period, so it is pro-rated for a unit
    that joined within it. ``party``: only for units with a party organization.
    ``from_day_one``: judged for units in their first months too. ``scored``: False for
    indicators shown beside the score but not part of it.
    """

    name: str
    zh: str
    en: str
    definition_zh: str
    definition_en: str
    kind: IndicatorKind
    flow: bool = False
    party: bool = False
    from_day_one: bool = False
    scored: bool = True


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "meetings_invited",
        "受邀联席会议",
        "Meetings invited to",
        "本期受邀参加的联席会议次数（参会台账中的行数）。",
        "Joint meetings in the period the unit was invited to (its rows in the attendance ledger).",
        "count",
        flow=True,
        scored=False,
    ),
    Indicator(
        "meetings_attended",
        "出席联席会议",
        "Meetings attended",
        "本期出席的联席会议次数；代参按半次计。",
        "Joint meetings in the period the unit attended; a substitute counts half.",
        "count",
        flow=True,
        scored=False,
    ),
    Indicator(
        "attendance_rate",
        "联席会议出席率",
        "Meeting attendance",
        "出席联席会议次数 ÷ 受邀次数；本期未受邀的不计。",
        "Meetings attended ÷ meetings invited to; empty when not invited in the period.",
        "share",
        from_day_one=True,
    ),
    Indicator(
        "agreements",
        "在期共建协议",
        "Agreements in force",
        "本期内（任一天）在有效期内、本单位为签约方的共建协议份数。",
        "Co-building agreements the unit is party to that are in force on some day of the period.",
        "count",
    ),
    Indicator(
        "seat",
        f"{SEAT_MEMBER}席位",
        "Committee seat",
        f"本期本单位人员（本职在本单位）在其所在社区、街道或区的党组织担任{SEAT_MEMBER}为 1，否则为 0；"
        "仅限有党组织的单位。",
        "1 when someone whose own post is in the unit held a part-time seat on the committee of its "
        "community, street or district in the period, else 0; units with a party organization only.",
        "yes",
        party=True,
    ),
    Indicator(
        "seat_attends",
        f"{SEAT_MEMBER}出席",
        "Seat holder attends",
        f"担任{SEAT_MEMBER}的人员本期出席过联席会议为 1，否则为 0；无席位的不计。",
        "1 when a seat holder of the unit was present at a joint meeting in the period, else 0; "
        "empty without a seat.",
        "yes",
        party=True,
    ),
    Indicator(
        "cross_appointed",
        "交叉任职人数",
        "Cross-appointed people",
        "本期与其所在社区、街道或区党组织双向交叉任职的人数（单位→党组织、党组织→单位合计）；"
        "仅限有党组织的单位。",
        "People tying the unit to the committee of its community, street or district in the period, "
        "either way (see the 交叉任职 page); units with a party organization only.",
        "count",
        party=True,
    ),
    Indicator(
        "projects_claimed",
        "领办项目",
        "Projects claimed",
        "本单位参与、本期开始（认领）的项目个数。",
        "Projects the unit takes part in that started (were claimed) in the period.",
        "count",
        flow=True,
    ),
    Indicator(
        "projects_completed",
        "办结项目",
        "Projects completed",
        "本单位参与、本期办结的项目个数。",
        "Projects the unit takes part in that were completed in the period.",
        "count",
        flow=True,
    ),
    Indicator(
        "problems_closed",
        "协助解决难题",
        "Problems helped to close",
        "本期办结的项目中，属于热点难点问题类别（见 engagement.toml）的个数。",
        "Projects completed in the period whose category (or their need's) is a resident problem "
        "category (see engagement.toml).",
        "count",
        flow=True,
    ),
    Indicator(
        "resources_offered",
        "提供资源",
        "Resources offered",
        "截至期末本单位在资源清单中提供的资源项数。",
        "Resources the unit has on the resource list by the period's end.",
        "count",
    ),
    Indicator(
        "registered",
        "单位报到",
        "Registered with community",
        "截至期末本单位已到社区报到且未撤销为 1，否则为 0。",
        "1 when the unit has registered with a community by the period's end and not withdrawn, else 0.",
        "yes",
    ),
    Indicator(
        "member_registration",
        "在职党员报到率",
        "Members registered",
        "本年度截至期末到社区报到的本单位在职党员人数 ÷ 党员人数；仅限有党组织的单位。",
        "Party members of the unit registered with a community in the period's year, up to its "
        "end ÷ the unit's party members; units with a party organization only.",
        "share",
        party=True,
    ),
    Indicator(
        "months_inactive",
        "未活动月数",
        "Months inactive",
        "期末距最近一次活动（出席会议、签订协议、领办或办结项目、提供资源、单位或党员报到、"
        f"担任{SEAT_MEMBER}或交叉任职）的月数；从未活动的从加入之月起算。",
        "Months from the last activity of any kind (attending a meeting, signing an agreement, "
        "claiming or completing a project, offering a resource, a registration of the unit or of "
        "its members, taking up a seat or a cross-appointment) to the period's end; from the month "
        "it joined when there is none.",
        "months",
        from_day_one=True,
    ),
)
BY_NAME = {i.name: i for i in INDICATORS}
SCORED = tuple(i for i in INDICATORS if i.scored)


def indicator_table(settings: Settings | None = None) -> pd.DataFrame:
    """The indicators with their names, definitions and weights, for the app and the README."""
    weights = (settings or load_settings()).weights
    return pd.DataFrame(
        [
            {
                "indicator": i.name,
                "zh": i.zh,
                "en": i.en,
                "definition_zh": i.definition_zh,
                "definition_en": i.definition_en,
                "party_only": i.party,
                "weight": weights.get(i.name, 0.0) if i.scored else None,
            }
            for i in INDICATORS
        ]
    )


# --- settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A hard rule: a unit whose indicator is below (or above) the threshold is flagged."""

    indicator: str
    below: float | None = None
    above: float | None = None

    def breaks(self, values: pd.Series) -> pd.Series:
        if self.below is not None:
            return values < self.below
        return values > (self.above if self.above is not None else math.inf)


DEFAULT_WEIGHTS: dict[str, float] = {
    "attendance_rate": 3,
    "agreements": 2,
    "seat": 1,
    "seat_attends": 1,
    "cross_appointed": 1,
    "projects_claimed": 2,
    "projects_completed": 1,
    "problems_closed": 0.5,
    "resources_offered": 1,
    "registered": 1,
    "member_registration": 1,
    "months_inactive": 2,
}


@dataclass(frozen=True)
class Settings:
    """How units are scored and flagged; read from engagement.toml (see that file)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    flag_below: float = 50
    min_peers: int = 5
    grace_months: int = 6
    declined_from: float = 70
    idle_months_ok: float = 3
    problem_categories: tuple[str, ...] = ("热点难点问题",)
    rules: tuple[Rule, ...] = ()


def load_settings(path: Path | None = None) -> Settings:
    """Settings from a TOML file (default: engagement.toml at the project's root, when there
    is one); keys left out keep their defaults."""
    path = SETTINGS_FILE if path is None else Path(path)
    if not path.is_file():
        if path == SETTINGS_FILE:
            return Settings()
        raise SettingsError(f"Engagement settings file {path} not found; fix the path or leave it out.")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path} is not valid TOML ({err}); fix the file.") from err
    return parse_settings(data, str(path))


def parse_settings(data: Mapping[str, Any], where: str = "engagement settings") -> Settings:
    unknown = set(data) - {"score", "weights", "rules"}
    if unknown:
        raise SettingsError(
            f"{where}: unknown sections {sorted(unknown)}; use [score], [weights], [[rules]]."
        )
    base = Settings()
    score = dict(data.get("score", {}))
    names = {f.name for f in fields(Settings)} - {"weights", "rules"}
    bad = set(score) - names
    if bad:
        raise SettingsError(f"{where}: unknown keys {sorted(bad)} in [score]; the keys are {sorted(names)}.")
    if "problem_categories" in score:
        score["problem_categories"] = tuple(score["problem_categories"])
    weights = dict(base.weights)
    for name, weight in data.get("weights", {}).items():
        if name not in BY_NAME or not BY_NAME[name].scored:
            raise SettingsError(
                f"{where}: [weights] names {name!r}, which is not a scored indicator; "
                f"use one of {', '.join(i.name for i in SCORED)}."
            )
        if not isinstance(weight, int | float) or weight < 0:
            raise SettingsError(f"{where}: weight of {name} is {weight!r}; use a number ≥ 0.")
        weights[name] = float(weight)
    rules = []
    for item in data.get("rules", []):
        name = item.get("indicator")
        if name not in BY_NAME:
            raise SettingsError(f"{where}: a rule names indicator {name!r}; use one of {', '.join(BY_NAME)}.")
        if ("below" in item) == ("above" in item) or set(item) - {"indicator", "below", "above"}:
            raise SettingsError(
                f"{where}: the rule on {name} needs exactly one of below = … or above = …, and nothing else."
            )
        rules.append(Rule(name, item.get("below"), item.get("above")))
    try:
        return replace(base, weights=weights, rules=tuple(rules), **score)
    except TypeError as err:
        raise SettingsError(f"{where}: {err}; fix the [score] section.") from err


# --- reading ------------------------------------------------------------------------------


def read_tables(store: Store) -> dict[str, pd.DataFrame]:
    """The columns the analyses read, from any store."""
    return {name: store.table(name, list(columns)) for name, columns in COLUMNS.items()}


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def units_frame(tables: Tables) -> pd.DataFrame:
    """Every organization with its community, street and district (keys and names)."""
    orgs = tables["organization"].set_index("key", drop=False)
    areas = tables["area"]
    names = dict(zip(areas["key"], areas["name"], strict=True))
    levels = area_paths(areas)
    frame = pd.DataFrame(
        {
            "key": orgs["key"],
            "code": orgs["code"],
            "name": orgs["name"],
            "kind": orgs["kind"],
            "kind_zh": orgs["kind"].map(lambda k: ORG_KIND.label(k)),
            "area": orgs["area"],
            "has_party_org": orgs["has_party_org"].map(lambda v: v is True),
            "party_members": pd.to_numeric(orgs["party_members"]),
            "joined": orgs["joined"],
        }
    )
    for level in ("community", "street", "district"):
        keys = frame["area"].map(lambda a, lv=level: levels.get(a, {}).get(lv))
        frame[level] = keys
        frame[f"{level}_name"] = keys.map(names)
    frame.index.name = None
    return frame


# --- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """The store tables as the indicators need them, read and parsed once for any period:
    dates as timestamps, lists of parties exploded, people's posts paired with committees."""

    orgs: pd.Index
    attendance: pd.DataFrame  # org, status, person, day
    agreements: pd.DataFrame  # org, signed, expires
    pairs: (
        pd.DataFrame
    )  # a person's posts in a unit and on a committee: org, person, since, until, part_time (+ _c)
    projects: pd.DataFrame  # org, start, end, done, problem
    resources: pd.DataFrame  # org, published
    registrations: pd.DataFrame  # org, person, own (the unit's own), day, withdrawn
    events: pd.DataFrame  # org, day, what: every activity, by org and day
    posts: pd.DataFrame  # the post table, for the ties of each period (graph.bridges)
    organizations: pd.DataFrame  # the organization table
    areas: pd.DataFrame  # the area table


def ledger(tables: Tables, settings: Settings) -> Ledger:
    """Parse the tables for :func:`facts`."""
    orgs = tables["organization"]
    committees = set(orgs["key"][orgs["kind"].isin(COMMITTEES)])

    meetings = tables["meeting"]
    when = pd.DataFrame({"meeting": meetings["key"], "day": days(meetings["date"])})
    att = tables["attendance"][["meeting", "org", "status", "person"]].merge(when, on="meeting", how="left")
    att = att[att["day"].notna()]

    agr = tables["agreement"].explode("parties")
    agr = agr[agr["parties"].notna()]
    agr = pd.DataFrame(
        {"org": agr["parties"], "signed": days(agr["signed"]), "expires": days(agr["expires"], last=True)}
    )

    posts = tables["post"]
    posts = pd.DataFrame(
        {
            "person": posts["person"],
            "org": posts["org"],
            "part_time": part_time(posts),
            "since": days(posts["start"]),
            "until": days(posts["end"], last=True),
        }
    )
    at_committee = posts["org"].isin(committees)
    pairs = posts[~at_committee].merge(posts[at_committee], on="person", suffixes=("", "_c"))

    proj = tables["project"].explode("contributors")
    proj = proj[proj["contributors"].notna()]
    need_category = proj["need"].map(
        dict(zip(tables["need"]["key"], tables["need"]["category"], strict=True))
    )
    kinds = settings.problem_categories
    proj = pd.DataFrame(
        {
            "org": proj["contributors"],
            "start": days(proj["start"]),
            "end": days(proj["end"]),
            "done": proj["status"] == "done",
            "problem": proj["category"].isin(kinds) | need_category.isin(kinds),
        }
    )

    res = tables["resource"]
    res = pd.DataFrame({"org": res["org"], "published": days(res["published"])})

    reg = tables["registration"]
    reg = pd.DataFrame(
        {
            "org": reg["org"],
            "person": reg["person"],
            "own": reg["person"].isna(),
            "day": days(reg["date"]),
            "withdrawn": days(reg["withdrawn"], last=True),
        }
    )
    reg = reg[reg["org"].notna()]

    took = att["status"].isin(ATTENDED)
    events = pd.concat(
        [
            pd.DataFrame({"org": att["org"][took], "day": att["day"][took], "what": "meeting"}),
            pd.DataFrame({"org": agr["org"], "day": agr["signed"], "what": "agreement"}),
            pd.DataFrame(
                {"org": pairs["org"], "day": pairs[["since", "since_c"]].max(axis=1), "what": "post"}
            ),
            pd.DataFrame({"org": proj["org"], "day": proj["start"], "what": "project"}),
            pd.DataFrame(
                {"org": proj["org"][proj["done"]], "day": proj["end"][proj["done"]], "what": "done"}
            ),
            pd.DataFrame({"org": res["org"], "day": res["published"], "what": "resource"}),
            pd.DataFrame(
                {"org": reg["org"], "day": reg["day"], "what": np.where(reg["own"], "registered", "member")}
            ),
        ],
        ignore_index=True,
    )
    events = events[events["day"].notna() & events["org"].notna()].sort_values(["org", "day", "what"])
    return Ledger(
        pd.Index(orgs["key"]), att, agr, pairs, proj, res, reg, events, tables["post"], orgs, tables["area"]
    )


def facts(book: Ledger, period: Period) -> pd.DataFrame:
    """The indicators of every organization for the period, with the facts reasons cite."""
    start, end = _ts(period.start), _ts(period.end)
    out = pd.DataFrame(index=book.orgs)

    def per_org(values: pd.Series) -> pd.Series:
        return values.reindex(out.index).fillna(0)

    # joint meetings
    att = book.attendance
    now = att[(att["day"] >= start) & (att["day"] <= end)]
    weight = now["status"].map({ATTENDED[0]: 1.0, ATTENDED[1]: 0.5}).fillna(0.0)
    out["meetings_invited"] = per_org(now.groupby("org").size())
    out["meetings_attended"] = per_org(weight.groupby(now["org"]).sum())
    out["substitutes"] = per_org((now["status"] == "substitute").groupby(now["org"]).sum())
    out["attendance_rate"] = (out["meetings_attended"] / out["meetings_invited"]).where(
        out["meetings_invited"] > 0
    )

    # agreements in force on some day of the period
    agr = book.agreements
    in_force = (agr["signed"] <= end) & (agr["expires"].isna() | (agr["expires"] >= start))
    out["agreements"] = per_org(agr[in_force].groupby("org").size())

    # seats and cross-appointments with the committees above the unit (graph.bridges)
    orgs = book.organizations
    ties = bridges.level_ties(
        bridges.held(book.posts, period.start.isoformat(), period.end.isoformat()),
        orgs,
        orgs[~orgs["kind"].isin(COMMITTEES)],
        book.areas,
    )
    tied = bridges.unit_figures(ties)
    out["cross_appointed"] = per_org(tied["cross_appointed"].astype(float))
    out["seat"] = per_org(tied["seat"].astype(float))
    out["has_seat"] = out["seat"]  # the fact for every unit (the indicator is for party units only)
    out["tied_people"] = out["cross_appointed"]
    present = set(now["person"][(now["status"] == "present") & now["person"].notna()])
    holders: dict[str, set[str]] = {}
    people: dict[str, set[str]] = {}
    for unit, up, down in zip(ties["unit"], ties["up"], ties["down"], strict=True):
        holders.setdefault(unit, set()).update(up)
        people.setdefault(unit, set()).update(up, down)
    out["people"] = pd.Series({u: frozenset(ps) for u, ps in people.items()}, dtype=object).reindex(out.index)
    attends = pd.Series({u: float(bool(ps & present)) for u, ps in holders.items() if ps}, dtype=float)
    out["seat_attends"] = attends.reindex(out.index)

    # projects
    proj = book.projects
    claimed = (proj["start"] >= start) & (proj["start"] <= end)
    completed = proj["done"] & (proj["end"] >= start) & (proj["end"] <= end)
    out["projects_claimed"] = per_org(proj[claimed].groupby("org").size())
    out["projects_completed"] = per_org(proj[completed].groupby("org").size())
    out["problems_closed"] = per_org(proj[completed & proj["problem"]].groupby("org").size())

    # resources on the list
    res = book.resources
    out["resources_offered"] = per_org(
        res[res["published"].isna() | (res["published"] <= end)].groupby("org").size()
    )

    # registrations: the unit's own, and its members' in the period's year
    reg = book.registrations
    holds = reg["own"] & (reg["day"] <= end) & (reg["withdrawn"].isna() | (reg["withdrawn"] > end))
    out["registered"] = per_org(reg[holds].groupby("org").size()).clip(upper=1)
    this_year = (
        ~reg["own"]
        & (reg["day"] >= _ts(date(period.end.year, 1, 1)))
        & (reg["day"] <= end)
        & (reg["withdrawn"].isna() | (reg["withdrawn"] >= start))
    )
    out["members_registered"] = per_org(reg[this_year].groupby("org")["person"].nunique())

    # the last activity of any kind, up to the period's end
    events = book.events
    last = events[events["day"] <= end].drop_duplicates("org", keep="last").set_index("org")
    out["last_activity"] = last["day"].reindex(out.index)
    out["last_activity_what"] = last["what"].reindex(out.index)
    return out


FACTS = (
    "meetings_invited",
    "meetings_attended",
    "substitutes",
    "attendance_rate",
    "agreements",
    "cross_appointed",
    "seat",
    "has_seat",
    "tied_people",
    "people",
    "seat_attends",
    "projects_claimed",
    "projects_completed",
    "problems_closed",
    "resources_offered",
    "registered",
    "members_registered",
    "last_activity",
    "last_activity_what",
)  # the columns of facts()


def store_facts(store: Store, period: Period, settings: Settings, area: str | None = None) -> pd.DataFrame:
    """What :func:`facts` gives, for the units (not committees) in ``area`` (key; None: all),
    computed by the store (``Store.engagement_facts``: SQL or Cypher on the server)."""
    return facts_of(store_facts_rows(store, [period], settings, area)[0])


def facts_of(found: pd.DataFrame) -> pd.DataFrame:
    """The store's rows (:data:`graph.indicators.FACT_COLUMNS`) as :func:`facts` gives them."""
    out = found.copy()
    out["attendance_rate"] = (out["meetings_attended"] / out["meetings_invited"]).where(
        out["meetings_invited"] > 0
    )
    out["has_seat"] = out["seat"]
    out["tied_people"] = out["cross_appointed"]
    return out[list(FACTS)]


def _months_between(first: pd.Series, last: date) -> pd.Series:
    months: pd.Series = (last.year - first.dt.year) * 12 + (last.month - first.dt.month)
    return months


# --- judging ------------------------------------------------------------------------------

# Peer groups, from the closest: the first with min_peers units having a value is used, else
# the last with any. Units of a kind too rare to have peers are compared with every member unit.
PEER_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("street", ("kind", "street")),
    ("district", ("kind", "district")),
    ("all", ("kind",)),
    ("district_any", ("district",)),
    ("any", ("member",)),
)


@dataclass(frozen=True)
class PeerStats:
    """The peers' figures of a period: for each level of :data:`PEER_LEVELS`, for each peer
    group (its key, :func:`peer_keys`), per indicator, the median and the mean of the units'
    values (their rates for a flow indicator; units in their first months left out) and how many
    units have one. They depend on every member unit of the store, never on the area asked for,
    so they are computed once per store revision and period and kept (:func:`peer_statistics`)."""

    median: dict[str, pd.DataFrame]  # level: groups × indicators
    mean: dict[str, pd.DataFrame]
    count: dict[str, pd.DataFrame]

    def to_json(self) -> str:
        """As text, exactly (floats as Python writes them, NaN as null)."""

        def plain(frame: pd.DataFrame) -> list[list[float | None]]:
            return [[None if math.isnan(x) else x for x in row] for row in frame.to_numpy(float).tolist()]

        return json.dumps(
            {
                level: {
                    "groups": list(self.median[level].index),
                    "indicators": list(self.median[level].columns),
                    **{stat: plain(getattr(self, stat)[level]) for stat in ("median", "mean", "count")},
                }
                for level in self.median
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PeerStats:
        data = json.loads(text)
        out: dict[str, dict[str, pd.DataFrame]] = {"median": {}, "mean": {}, "count": {}}
        for level, part in data.items():
            index, columns = pd.Index(part["groups"], dtype=object), part["indicators"]
            for stat, frames in out.items():
                values = np.array(part[stat], dtype=float).reshape(len(index), len(columns))
                frames[level] = pd.DataFrame(values, index=index, columns=columns)
        return cls(out["median"], out["mean"], out["count"])


def peer_keys(units: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    """Each unit's peer group at a level of :data:`PEER_LEVELS` (the fields ``keys``), as text."""
    fields = [units[k].fillna("").astype(str) if k != "member" else pd.Series("", units.index) for k in keys]
    out = fields[0]
    for more in fields[1:]:
        out = out + "\x1f" + more
    return out


def peer_stats(units: pd.DataFrame, rates: pd.DataFrame) -> PeerStats:
    """The peers' figures (:class:`PeerStats`) of ``units``, with ``rates``: per unit and
    indicator, the value its peers are compared on (NaN: not counted)."""
    out: dict[str, dict[str, pd.DataFrame]] = {"median": {}, "mean": {}, "count": {}}
    values = rates.astype(float)
    for name, keys in PEER_LEVELS:
        grouped = values.groupby(peer_keys(units, keys).to_numpy())
        for stat, frames in out.items():
            frame = getattr(grouped, stat)().astype(float)
            frame.index = pd.Index(frame.index, dtype=object)
            frames[name] = frame
    return PeerStats(out["median"], out["mean"], out["count"])


def peer_lookup(
    units: pd.DataFrame, stats: PeerStats, min_peers: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For each unit and indicator, the median and the mean over its peers, and the level of
    :data:`PEER_LEVELS` used: the closest level whose group has ``min_peers`` units with a
    value, else the last with any. The mean of a yes/no indicator is the share of peers with a
    yes."""
    columns = list(stats.median[PEER_LEVELS[0][0]].columns)
    shape = (len(units), len(columns))
    median, mean = np.full(shape, np.nan), np.full(shape, np.nan)
    level = np.full(shape, "", dtype=object)
    todo = np.ones(shape, dtype=bool)
    for i, (name, keys) in enumerate(PEER_LEVELS):
        at = stats.median[name].index.get_indexer(pd.Index(peer_keys(units, keys)))
        found = at >= 0
        med, avg, n = (
            np.where(found[:, None], getattr(stats, stat)[name].to_numpy(float)[at], np.nan)
            for stat in ("median", "mean", "count")
        )
        n = np.nan_to_num(n)
        take = todo & ((n >= min_peers) | ((i == len(PEER_LEVELS) - 1) & (n > 0)))
        median[take], mean[take], level[take] = med[take], avg[take], name
        todo &= ~take
        if not todo.any():
            break
    index = units.index

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=columns)

    return frame(median), frame(level), frame(mean)


@dataclass(frozen=True)
class Judgement:
    """The score of each unit of a period and what it rests on (all indexed by unit key)."""

    period: Period
    units: pd.DataFrame  # member units: key, name, kind, area keys and names, joined, ...
    values: pd.DataFrame  # indicator values and facts
    expected: pd.DataFrame  # what the unit's peers lead us to expect, per scored indicator
    peer_median: pd.DataFrame  # the peer median per indicator
    peer_level: pd.DataFrame  # street, district or all, per indicator
    peer_share: pd.DataFrame  # yes/no indicators: the share of the peers with a yes
    scores: pd.DataFrame  # per indicator, 0..1; NaN where it does not apply
    score: pd.Series
    rules: pd.DataFrame  # bool per rule (columns: rule index)
    low: pd.Series  # scores under flag_below, and not in its first months
    grace: pd.Series  # in its first grace_months: not flagged on its score
    member_share: pd.Series  # the part of the period the unit was a member
    peers: PeerStats = field(repr=False)  # the peers' figures the units were judged against


def judge(
    tables: Tables, period: Period, settings: Settings, made: tuple[pd.DataFrame, Ledger] | None = None
) -> Judgement:
    """Indicators, scores and flags of every member unit for the period (see the module doc).
    ``made``: :func:`units_frame` and :func:`ledger` of the tables, when already made."""
    all_units, book = made or (units_frame(tables), ledger(tables, settings))
    return judge_facts(all_units, facts(book, period), period, settings)


def judge_facts(
    all_units: pd.DataFrame,
    found: pd.DataFrame,
    period: Period,
    settings: Settings,
    stats: PeerStats | None = None,
) -> Judgement:
    """:func:`judge` on the units (:func:`units_frame`) and their facts for the period
    (:func:`facts`, or :func:`store_facts`). ``stats``: the peers' figures of the whole store
    (:func:`peer_statistics`), when the units are not all of it; None: the units are the whole
    store, their peers' figures are computed from them."""
    units, values, share, grace = _prepared(all_units, found, period, settings)
    if stats is None:
        stats = peer_stats(units, _rates(values, share, grace))
    medians, levels, means = peer_lookup(units, stats, settings.min_peers)
    expected = pd.DataFrame(index=units.index)
    shares = pd.DataFrame(index=units.index)
    scores = pd.DataFrame(index=units.index)
    for ind in INDICATORS:
        v = values[ind.name].astype(float)
        peer = medians[ind.name]
        if ind.kind == "yes":
            shares[ind.name] = means[ind.name]
        if ind.kind == "months":
            allowed = peer.fillna(0).clip(lower=settings.idle_months_ok)
            s = (allowed / v).clip(upper=1).where(v > allowed, 1.0)
        elif ind.kind == "share":
            allowed = peer
            s = (v / peer).clip(upper=1).where(peer > 0)
        else:
            allowed = peer * share if ind.flow else peer
            s = (v / allowed).clip(upper=1).where(allowed >= 0.5)
        s = s.where(v.notna())
        if not ind.from_day_one:
            s = s.where(~grace)
        expected[ind.name] = allowed
        if ind.scored:
            scores[ind.name] = s
    weights = pd.Series({i.name: settings.weights.get(i.name, 0.0) for i in SCORED})
    weights = weights[weights > 0]
    used = scores[weights.index]
    total = (used.fillna(0) * weights).sum(axis=1)
    mass = used.notna().mul(weights).sum(axis=1)
    score = (100 * total / mass).where(mass > 0).round(1)

    broken = pd.DataFrame(index=units.index)
    for i, rule in enumerate(settings.rules):
        v = values[rule.indicator].astype(float)
        applies = v.notna() & (~grace if not BY_NAME[rule.indicator].from_day_one else True)
        broken[i] = rule.breaks(v).fillna(False).astype(bool) & applies
    low = (score < settings.flag_below).fillna(False).astype(bool) & ~grace
    return Judgement(
        period,
        units,
        values,
        expected,
        medians,
        levels,
        shares,
        scores,
        score,
        broken,
        low,
        grace,
        share,
        stats,
    )


def _prepared(
    all_units: pd.DataFrame, found: pd.DataFrame, period: Period, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """The member units of the period, their indicator values, the part of the period each was
    a member (``share``) and whether it is in its first ``grace_months`` (``grace``)."""
    joined = days(all_units["joined"])
    end = _ts(period.end)
    last = period.end.isoformat()
    member = pd.Series(
        [is_member(k, j, last) for k, j in zip(all_units["kind"], all_units["joined"], strict=True)],
        index=all_units.index,
        dtype=bool,
    )
    units = all_units[member].copy()
    joined = joined[member]
    values = found.reindex(units.index)

    first = joined.where(joined > _ts(period.start), _ts(period.start))
    share = ((end - first).dt.days + 1) / period.days
    grace_from = _ts(period.end) - pd.DateOffset(months=settings.grace_months)
    grace = joined > grace_from
    party = units["has_party_org"]
    members = units["party_members"].where(units["party_members"] > 0)
    values["member_registration"] = (values["members_registered"] / members).where(party)
    for ind in INDICATORS:
        if ind.party:
            values[ind.name] = values[ind.name].where(party)
    since = values["last_activity"].fillna(joined)
    values["months_inactive"] = _months_between(since, period.end).clip(lower=0).astype(float)
    return units, values, share, grace


def _rates(values: pd.DataFrame, share: pd.Series, grace: pd.Series) -> pd.DataFrame:
    """What peers are compared on: each indicator's value, per month of membership for a flow
    indicator; NaN for a unit in its first months (it does not count towards a median)."""
    return pd.DataFrame(
        {
            ind.name: (values[ind.name].astype(float) / share if ind.flow else values[ind.name].astype(float))
            for ind in INDICATORS
        },
        index=values.index,
    ).where(~grace, axis=0)


def flags(now: Judgement, before: Judgement, settings: Settings) -> tuple[pd.Series, pd.Series]:
    """Which units are flagged and which declined. A unit scoring low now is flagged, unless it
    scored at least ``declined_from`` in the previous period: then it declined (a sudden fall
    to ask about rather than a unit taking little part). A hard rule flags a unit outright."""
    index = now.units.index
    was_fine = (before.score.reindex(index) >= settings.declined_from) & ~before.grace.reindex(
        index, fill_value=True
    )
    flagged = (now.low & ~was_fine) | now.rules.any(axis=1)
    return flagged, now.low & ~flagged


# --- reasons ------------------------------------------------------------------------------

PEERS_ZH = {
    "street": "同街道同类单位",
    "district": "同区同类单位",
    "all": "全部同类单位",
    "district_any": "同区各类单位",
    "any": "全部单位",
}
PEERS_EN = {
    "street": "peers of its kind in its street",
    "district": "peers of its kind in its district",
    "all": "all units of its kind",
    "district_any": "member units of any kind in its district",
    "any": "all member units",
}
ACTIVITY_ZH = {
    "meeting": "出席联席会议",
    "agreement": "签订共建协议",
    "post": f"担任{SEAT_MEMBER}或交叉任职",
    "project": "领办项目",
    "done": "办结项目",
    "resource": "提供资源",
    "registered": "单位到社区报到",
    "member": "在职党员到社区报到",
}
ACTIVITY_EN = {
    "meeting": "attended a joint meeting",
    "agreement": "signed an agreement",
    "post": "took up a seat or cross-appointment",
    "project": "claimed a project",
    "done": "completed a project",
    "resource": "offered a resource",
    "registered": "registered with its community",
    "member": "a member registered with a community",
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def num(x: float) -> str:
    """1 → "1", 1.5 → "1.5", 0.333 → "0.3"."""
    return f"{x:.1f}".removesuffix(".0")


def count(x: float, unit: str = "") -> str:
    """A count, or a median or expectation of counts, as a person reads it: never a fraction of
    a thing. 2 → "2", 0.5 → "0–1" (between the two), with ``unit`` after it (个, 份…)."""
    if math.isnan(x):
        return "—"
    lo, hi = math.floor(x + 1e-9), math.ceil(x - 1e-9)
    return f"{lo}{unit}" if lo >= hi else f"{lo}–{hi}{unit}"


def pct(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.0%}"


def day_zh(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def month_zh(year: int, month: int) -> str:
    return f"{year}年{month}月"


@dataclass(frozen=True)
class Reason:
    indicator: str  # the indicator; "rule:<indicator>" for a hard rule; "decline" for a fall; "change" for an event behind it
    zh: str
    en: str


def rows(frame: pd.DataFrame, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The rows of frame for keys, as {key: {column: value}}."""
    part = frame.loc[keys]
    columns = [str(c) for c in part.columns]
    return {
        str(k): dict(zip(columns, values, strict=True))
        for k, values in zip(part.index, part.to_numpy(dtype=object).tolist(), strict=True)
    }


@dataclass(frozen=True)
class Facts:
    """What the reasons of one unit cite: its row of each frame of a :class:`Judgement`."""

    period: Period
    unit: dict[str, Any]
    value: dict[str, Any]
    score: dict[str, float]
    peer: dict[str, float]
    peer_share: dict[str, float]  # yes/no indicators: the share of peers with a yes
    level: dict[str, str]
    expected: dict[str, float]
    share: float
    rules: list[bool]


def unit_facts(j: Judgement, keys: list[str]) -> dict[str, Facts]:
    """The facts of the units in keys."""
    unit, value, score = rows(j.units, keys), rows(j.values, keys), rows(j.scores, keys)
    peer, level, expected = rows(j.peer_median, keys), rows(j.peer_level, keys), rows(j.expected, keys)
    shares = rows(j.peer_share, keys)
    broken = j.rules.loc[keys].to_numpy().tolist()
    return {
        k: Facts(
            j.period,
            unit[k],
            value[k],
            score[k],
            peer[k],
            shares[k],
            level[k],
            expected[k],
            float(j.member_share[k]),
            b,
        )
        for k, b in zip(keys, broken, strict=True)
    }


def _reason(f: Facts, name: str) -> Reason:
    """The reason an indicator gives against a unit, citing its facts."""
    v, x, peer = f.value, float(f.value[name]), float(f.peer[name])
    p_zh, p_en = f.period.zh, f.period.en
    end_zh, end_en = day_zh(_ts(f.period.end)), f.period.end.isoformat()
    peers_zh, peers_en = PEERS_ZH[f.level[name]], PEERS_EN[f.level[name]]
    prorated_zh = prorated_en = ""
    if BY_NAME[name].flow and f.share < 1:
        months = max(1, round(f.share * f.period.days / 30.4))
        joined, expected = str(f.unit["joined"]), count(f.expected[name])
        prorated_zh = f"；{month_zh(*_ym(joined))}加入，按{months}个月折算应为{expected}个"
        prorated_en = f", joined {joined}, pro-rated to {months} months: {expected} expected"
    if name == "attendance_rate":
        invited, attended, subs = (
            int(v["meetings_invited"]),
            float(v["meetings_attended"]),
            int(v["substitutes"]),
        )
        sub_zh = f"，其中代参{subs}次按半次计" if subs else ""
        sub_en = f", {subs} by substitute counted half" if subs else ""
        return Reason(
            name,
            f"{p_zh}应参加联席会议{invited}次，实际{num(attended)}次{sub_zh}（出席率{pct(x)}，{peers_zh}中位数{pct(peer)}）",
            f"{p_en}: invited to {invited} joint meetings, attended {num(attended)}{sub_en} "
            f"({pct(x)}, median of {peers_en}: {pct(peer)})",
        )
    if name == "agreements":
        have_zh = "无在期共建协议" if x == 0 else f"在期共建协议{num(x)}份"
        have_en = "no co-building agreement" if x == 0 else f"{num(x)} co-building agreements"
        return Reason(
            name,
            f"{p_zh}{have_zh}（{peers_zh}中位数{count(peer, '份')}）",
            f"{have_en} in force in {p_en} (median of {peers_en}: {count(peer)})",
        )
    if name == "seat":
        share = float(f.peer_share.get(name, float("nan")))
        return Reason(
            name,
            f"有党组织，但{p_zh}无人在所在社区、街道或区的党组织担任{SEAT_MEMBER}（{peers_zh}中{pct(share)}有席位）",
            f"has a party organization but none of its people held a part-time seat on a committee above "
            f"it in {p_en} ({pct(share)} of {peers_en} do)",
        )
    if name == "seat_attends":
        return Reason(
            name,
            f"本单位{SEAT_MEMBER}{p_zh}未出席联席会议",
            f"its part-time committee member attended no joint meeting in {p_en}",
        )
    if name == "cross_appointed":
        return Reason(
            name,
            f"{p_zh}交叉任职{num(x)}人（{peers_zh}中位数{count(peer, '人')}）",
            f"{num(x)} cross-appointed people in {p_en} (median of {peers_en}: {count(peer)})",
        )
    if name in PROJECT_WORDS:
        what_zh, what_en = PROJECT_WORDS[name]
        return Reason(
            name,
            f"{p_zh}{what_zh}{num(x)}个（{peers_zh}中位数{count(peer, '个')}{prorated_zh}）",
            f"{num(x)} {what_en} in {p_en} (median of {peers_en}: {count(peer)}{prorated_en})",
        )
    if name == "resources_offered":
        return Reason(
            name,
            f"截至{end_zh}资源清单中提供资源{num(x)}项（{peers_zh}中位数{count(peer, '项')}）",
            f"{num(x)} resources on the resource list on {end_en} (median of {peers_en}: {count(peer)})",
        )
    if name == "registered":
        return Reason(name, f"截至{end_zh}单位未到社区报到", f"not registered with a community on {end_en}")
    if name == "member_registration":
        n, m = int(v["members_registered"]), int(f.unit["party_members"])
        return Reason(
            name,
            f"{p_zh}在职党员到社区报到{n}人，党员{m}人，报到率{pct(x)}（{peers_zh}中位数{pct(peer)}）",
            f"{n} of its {m} party members registered with a community in {p_en}: {pct(x)} "
            f"(median of {peers_en}: {pct(peer)})",
        )
    if name == "months_inactive":
        last = v["last_activity"]
        if pd.isna(last):
            joined = str(f.unit["joined"])
            return Reason(
                name, f"{joined}加入以来无任何活动", f"no activity of any kind since it joined on {joined}"
            )
        year, month = (last.year, last.month + 1) if last.month < 12 else (last.year + 1, 1)
        what = str(v["last_activity_what"])
        return Reason(
            name,
            f"自{month_zh(year, month)}起无任何活动（最近一次：{day_zh(last)}{ACTIVITY_ZH[what]}）",
            f"no activity of any kind since {MONTHS_EN[month - 1]} {year} "
            f"(the last: {last.date().isoformat()}, {ACTIVITY_EN[what]})",
        )
    raise KeyError(name)


PROJECT_WORDS = {
    "projects_claimed": ("领办项目", "projects claimed"),
    "projects_completed": ("办结项目", "projects completed"),
    "problems_closed": ("协助解决热点难点问题", "resident problems helped to close"),
}


def _ym(text: str) -> tuple[int, int]:
    return int(text[:4]), int(text[5:7]) if len(text) >= 7 else 1


def _rule_reason(f: Facts, rule: Rule) -> Reason:
    ind = BY_NAME[rule.indicator]
    x = float(f.value[rule.indicator])
    limit = rule.below if rule.below is not None else rule.above
    assert limit is not None
    if rule.indicator == "months_inactive":
        return Reason(
            f"rule:{rule.indicator}",
            f"连续{num(x)}个月无任何活动，超过规定的{num(limit)}个月",
            f"no activity for {num(x)} months, more than the {num(limit)} allowed",
        )
    show = pct if ind.kind == "share" else num
    side_zh, side_en = ("低于", "below") if rule.below is not None else ("高于", "above")
    return Reason(
        f"rule:{rule.indicator}",
        f"{ind.zh}{show(x)}，{side_zh}规定的{show(limit)}",
        f"{ind.en} {show(x)}, {side_en} the required {show(limit)}",
    )


def reasons(f: Facts, settings: Settings) -> list[Reason]:
    """Why a unit is flagged: the rules it breaks, then each indicator scoring under one half,
    the largest weighted shortfall first."""
    out = [_rule_reason(f, rule) for rule, broken in zip(settings.rules, f.rules, strict=True) if broken]
    ruled = {rule.indicator for rule, broken in zip(settings.rules, f.rules, strict=True) if broken}
    short = [
        (settings.weights.get(name, 0.0) * (1 - s), -i, name)
        for i, (name, s) in enumerate(f.score.items())
        if not math.isnan(s)
        and s < REASON_BELOW
        and settings.weights.get(name, 0.0) > 0
        and name not in ruled
    ]
    return out + [_reason(f, name) for _, _, name in sorted(short, reverse=True)]


# --- suggestions --------------------------------------------------------------------------

# Which unit kinds can meet a need of each category, and which resource categories serve it.
NEED_FIT: dict[str, tuple[str, ...]] = {
    "为民服务": ("hospital", "government", "social_org", "soe", "private_firm", "shop", "school"),
    "环境整治": ("property_company", "owners_committee", "residents_committee", "soe", "military_police"),
    "助老助残": ("hospital", "social_org", "residents_committee", "government"),
    "青少年教育": ("school", "social_org", "government", "military_police"),
    "平安建设": ("military_police", "property_company", "government", "owners_committee"),
    "文化活动": ("school", "social_org", "soe", "government", "residents_committee"),
    "就业帮扶": ("soe", "private_firm", "government"),
    "热点难点问题": ("soe", "government", "military_police", "property_company"),
}
RESOURCE_FIT: dict[str, tuple[str, ...]] = {
    "场地": ("文化活动", "青少年教育", "为民服务"),
    "人才": ("为民服务", "就业帮扶", "青少年教育"),
    "资金": ("助老助残", "为民服务"),
    "物资": ("助老助残", "为民服务"),
    "志愿服务": ("环境整治", "助老助残", "平安建设", "为民服务"),
    "技术": ("为民服务", "热点难点问题"),
    "文化": ("文化活动",),
}
MAX_SUGGESTIONS = 3
SUGGESTION_COLUMNS = ["key", "name", "order", "action", "target", "target_name", "zh", "en"]


def suggest(
    j: Judgement, tables: Tables, flagged: pd.Series, keys: list[str], seats: dict[str, set[str]]
) -> pd.DataFrame:
    """Up to three next steps for each unit in ``keys``: an open need in its community it can
    meet, an active peer of its kind nearby to pair with, a committee seat to fill."""
    end = _ts(j.period.end)
    units = j.units
    needs = tables["need"]
    published = days(needs["published"])
    open_needs = needs[(needs["status"] == "open") & (published.isna() | (published <= end))]
    open_needs = open_needs.assign(day=published).sort_values(["day", "key"], ascending=[False, True])
    by_community: dict[str, list[tuple[str, str, str]]] = {}
    for row in open_needs.itertuples():
        by_community.setdefault(str(row.community), []).append(
            (str(row.key), str(row.title), str(row.category))
        )
    resources = tables["resource"]
    offered: dict[str, set[str]] = {}
    for org, category in zip(resources["org"], resources["category"], strict=True):
        offered.setdefault(str(org), set()).update(RESOURCE_FIT.get(str(category), ()))

    active = units[~flagged & ~j.low & j.score.notna() & ~j.grace].assign(score=j.score)
    active = active.sort_values(["score", "key"], ascending=[False, True])
    best: dict[tuple[str, str], list[str]] = {}  # (place, kind): the two best active units
    for key, kind, community, street in zip(
        active.index.tolist(),
        active["kind"].tolist(),
        active["community"].tolist(),
        active["street"].tolist(),
        strict=True,
    ):
        for place in (f"c:{community}", f"s:{street}"):
            found = best.setdefault((place, str(kind)), [])
            if len(found) < 2:
                found.append(str(key))
    asked = units.loc[keys, ["kind", "community", "street"]]  # the places and kinds of the units in keys
    wanted = {
        (f"{p}:{a}", str(k)) for k, c, s in asked.itertuples(index=False) for p, a in (("c", c), ("s", s))
    }
    chosen = sorted({k for place, ks in best.items() if place in wanted for k in ks})
    peers = rows(j.values.loc[chosen].assign(name=units["name"], score=j.score), chosen)

    committee_of = _community_committees(tables["organization"])
    out: list[dict[str, Any]] = []
    for key, unit in rows(units, keys).items():
        seat = j.values.at[key, "seat"]
        steps = [
            *_need_step(unit, by_community.get(str(unit["community"]), []), offered.get(str(key), set())),
            *_peer_step(key, unit, best, peers, j.period),
            *_seat_step(unit, seat, committee_of.get(str(unit["community"])), seats),
        ]
        for i, step in enumerate(steps[:MAX_SUGGESTIONS], start=1):
            out.append({"key": key, "name": unit["name"], "order": i, **step})
    return pd.DataFrame(out, columns=SUGGESTION_COLUMNS)


def _need_step(
    unit: dict[str, Any], needs: list[tuple[str, str, str]], fits: set[str]
) -> list[dict[str, str]]:
    """The newest open need of the unit's community that its kind or its resources can meet."""
    for need, title, category in needs:
        by_kind = unit["kind"] in NEED_FIT.get(category, ())
        if by_kind or category in fits:
            kind_en = ORG_KIND.label(unit["kind"], "en")
            why_zh = f"本单位类型（{unit['kind_zh']}）可满足" if by_kind else "本单位所提供资源可满足"
            why_en = f"units of its kind ({kind_en}) can meet it" if by_kind else "its resources can meet it"
            return [
                {
                    "action": "need",
                    "target": need,
                    "target_name": title,
                    "zh": f"认领{unit['community_name']}待认领需求“{title}”（{category}）：{why_zh}",
                    "en": f"claim the open need “{title}” ({category}) of {unit['community_name']}: {why_en}",
                }
            ]
    return []


def _peer_step(
    key: str,
    unit: dict[str, Any],
    best: dict[tuple[str, str], list[str]],
    peers: dict[str, dict[str, Any]],
    period: Period,
) -> list[dict[str, str]]:
    """The best-scoring active unit of its kind in its community, else in its street."""
    for place, where_zh, where_en in (
        (f"c:{unit['community']}", "同社区", "its community"),
        (f"s:{unit['street']}", "同街道", "its street"),
    ):
        for peer in best.get((place, unit["kind"]), []):
            if peer == key:
                continue
            v = peers[peer]
            name, score = str(v["name"]), float(v["score"])
            attended, invited, claimed = (
                num(float(v["meetings_attended"])),
                int(v["meetings_invited"]),
                int(v["projects_claimed"]),
            )
            return [
                {
                    "action": "peer",
                    "target": peer,
                    "target_name": name,
                    "zh": f"与{where_zh}同类单位{name}结对共建（得分{num(score)}，{period.zh}出席联席会议"
                    f"{attended}/{invited}次、领办项目{claimed}个）",
                    "en": f"pair with {name}, a unit of its kind in {where_en} (score {num(score)}; in "
                    f"{period.en} attended {attended} of {invited} joint meetings, claimed {claimed} projects)",
                }
            ]
    return []


def _seat_step(
    unit: dict[str, Any], seat: Any, committee: tuple[str, str] | None, seats: dict[str, set[str]]
) -> list[dict[str, str]]:
    """A seat on its community committee: when it has a party organization but no seat, or
    when no unit of its kind sits on that committee."""
    if committee is None:
        return []
    key, name = committee
    if unit["has_party_org"] and seat == 0:
        why_zh, why_en = (
            f"本单位有党组织但无{SEAT_MEMBER}席位",
            "it has a party organization but no committee seat",
        )
    elif unit["kind"] not in seats.get(key, set()):
        why_zh = f"{name}尚无来自{unit['kind_zh']}的{SEAT_MEMBER}"
        why_en = f"{name} has no part-time member from a unit of its kind"
    else:
        return []
    return [
        {
            "action": "seat",
            "target": key,
            "target_name": name,
            "zh": f"推荐本单位负责人担任{name}{SEAT_MEMBER}：{why_zh}",
            "en": f"propose its leader as a part-time member of {name}: {why_en}",
        }
    ]


def _seat_kinds(tables: Tables, day: pd.Timestamp) -> dict[str, set[str]]:
    """For each committee, the kinds of the member units seated on it (tied unit → committee,
    :mod:`graph.bridges`) on day."""
    orgs = tables["organization"]
    kind = dict(zip(orgs["key"], orgs["kind"], strict=True))
    on = day.date().isoformat()
    ties = bridges.level_ties(
        bridges.held(tables["post"], on, on), orgs, orgs[~orgs["kind"].isin(COMMITTEES)], tables["area"]
    )
    out: dict[str, set[str]] = {}
    for unit, committee, up in zip(ties["unit"], ties["committee"], ties["up"], strict=True):
        if up:
            out.setdefault(str(committee), set()).add(str(kind.get(unit)))
    return out


# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What :func:`engagement` finds for a period and an area."""

    period: Period
    area: str | None  # area key, None: everything in the store
    area_name: str
    settings: Settings
    ranked: pd.DataFrame  # one row per member unit, lowest score first (columns: RANKED_HEAD, …)
    peer_median: pd.DataFrame  # per unit (index: key) and indicator, the peer median
    changes: pd.DataFrame  # against the previous period, largest fall first
    suggestions: pd.DataFrame  # key, name, order, action, target, target_name, zh, en
    structure: structure.Structure | None
    judgement: Judgement = field(repr=False)

    @property
    def figures(self) -> dict[str, int]:
        """The headline figures of the units ranked: member units, with an agreement in force, a
        seat, a meeting attended in the period, and the cross-appointed people tying them to the
        committees above them (each person once)."""
        r = self.ranked
        values = self.judgement.values.reindex(list(r["key"]))
        tied: set[str] = set()
        for people in values["people"]:
            if isinstance(people, frozenset):
                tied |= people
        return {
            "members": len(r),
            "agreement": int((r["agreements"] > 0).sum()),
            "seat": int(r["has_seat"].sum()),
            "attended": int((r["meetings_attended"] > 0).sum()),
            "cross_people": len(tied),
        }

    @property
    def flagged(self) -> pd.DataFrame:
        return self.ranked[self.ranked["flagged"]]

    @property
    def summary(self) -> dict[str, Any]:
        r, c = self.ranked, self.changes
        before = c["flagged_before"].fillna(False).astype(bool)
        return {
            "period": self.period.label,
            "previous": self.period.previous().label,
            "area": self.area_name,
            "units": len(r),
            "flagged": int(r["flagged"].sum()),
            "flagged_by_rule": int((r["rules"] != "").sum()),
            "declined": int(r["declined"].sum()),
            "new_members": int(r["new_member"].sum()),
            "median_score": _plain(r["score"].median()),
            "flagged_before": int(before.sum()),
            "newly_flagged": int((c["flagged"] & ~before).sum()),
            "no_longer_flagged": int((~c["flagged"] & before).sum()),
            "fell_10_or_more": int((c["change"] <= -10).sum()),
        }


def engagement(
    store: Store,
    period: str | int | Period = "2025",
    area: str | None = None,
    settings: Settings | None = None,
    *,
    with_structure: bool = True,
) -> Result:
    """Rank the member units of an area (key or name; None: all) for a period (``2025``,
    ``2025Q3``); see the module docstring. The indicators are computed by the store
    (:func:`store_facts`) for the units the judgement needs (:func:`judged`); what the reasons
    and suggestions cite besides is read for the units flagged or declined only
    (``Store.engagement_rows``), or, with the network structure, from the whole store. Without
    the structure, the result is kept in the store until it is written again, and read from
    there by the next call with the same period, area and settings (if the store cannot keep
    it, being loaded or read-only, it is computed each time)."""
    settings = settings or load_settings()
    period = period if isinstance(period, Period) else Period.parse(period)
    areas = store.table("area", list(COLUMNS["area"]))
    area_key, area_name = find_area({"area": areas}, area) if area else (None, "全部")
    name = _result_name(period, area_key, settings)
    if not with_structure:
        found = _from_kept(store.kept(name), period, area_key, settings)
        if found is not None:
            return found
    revision = store.revision()  # before reading: a load meanwhile makes what is kept out of date
    now, before, units = judged(store, areas, area_key, period, settings)
    whole = read_tables(store) if with_structure else None

    def rows(watch: set[str], flagged: set[str], communities: set[str]) -> Tables:
        """The rows the result cites (the whole tables for the structure): the changes of the
        units ``watch``, the resources of those ``flagged`` and the needs of ``communities``."""
        if whole is not None:
            return whole
        found = store.engagement_rows(watch, communities)
        found["resource"] = store.rows("resource", "org", watch | flagged)
        return {name: found[name][list(COLUMNS[name])] for name in found}

    def seats(tables: Tables) -> dict[str, set[str]]:
        """Committee: the kinds of the units seated on it at the period's end."""
        committee_of = _community_committees(tables["organization"])
        out: dict[str, set[str]] = {}
        for kind, community, seated in zip(
            units["kind"], units["community"], units["seat_community"], strict=True
        ):
            if seated and community in committee_of:
                out.setdefault(committee_of[community][0], set()).add(str(kind))
        return out

    result = _result(rows, seats, period, area_key, area_name, areas, settings, now, before, with_structure)
    if not with_structure:
        store.keep(name, _to_kept(result), revision)
    return result


# The kept result: what a page shows, without the network structure. A change to its format, or
# to how a result is computed, gets a new number, so that a result kept by older code is computed
# again rather than shown (kept results are otherwise dropped only by the store's next write).
KEPT_FORMAT = 1
_JUDGEMENT_FRAMES = (
    "units",
    "values",
    "expected",
    "peer_median",
    "peer_level",
    "peer_share",
    "scores",
    "score",
    "rules",
    "low",
    "grace",
    "member_share",
)


def _result_name(period: Period, area_key: str | None, settings: Settings) -> str:
    """The name the result of a period, an area (key; None: all) and settings is kept under."""
    said = json.dumps(asdict(settings), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(said.encode("utf-8")).hexdigest()[:16]
    return f"engagement-result/v{KEPT_FORMAT}/{period.label}/{area_key or '*'}/{digest}"


def _to_kept(result: Result) -> str:
    """A result without its structure as text for ``Store.keep`` (:func:`_from_kept` reads it)."""
    j = result.judgement
    frames: dict[str, pd.DataFrame | pd.Series] = {
        "ranked": result.ranked,
        "peer_median": result.peer_median,
        "changes": result.changes,
        "suggestions": result.suggestions,
        **{f"judgement.{n}": getattr(j, n) for n in _JUDGEMENT_FRAMES},
    }
    return json.dumps({"area_name": result.area_name, "peers": j.peers.to_json(), "frames": pack(frames)})


def _from_kept(text: str | None, period: Period, area_key: str | None, settings: Settings) -> Result | None:
    """The result :func:`_to_kept` wrote (None: nothing kept, or not readable: compute it)."""
    if text is None:
        return None
    try:
        kept = json.loads(text)
        frames = unpack(kept["frames"])
        j = {n: frames[f"judgement.{n}"] for n in _JUDGEMENT_FRAMES}
        judgement = Judgement(
            period=period,
            units=_frame(j["units"]),
            values=_frame(j["values"]),
            expected=_frame(j["expected"]),
            peer_median=_frame(j["peer_median"]),
            peer_level=_frame(j["peer_level"]),
            peer_share=_frame(j["peer_share"]),
            scores=_frame(j["scores"]),
            score=_series(j["score"]),
            rules=_frame(j["rules"]),
            low=_series(j["low"]),
            grace=_series(j["grace"]),
            member_share=_series(j["member_share"]),
            peers=PeerStats.from_json(kept["peers"]),
        )
        return Result(
            period=period,
            area=area_key,
            area_name=str(kept["area_name"]),
            settings=settings,
            ranked=_frame(frames["ranked"]),
            peer_median=_frame(frames["peer_median"]),
            changes=_frame(frames["changes"]),
            suggestions=_frame(frames["suggestions"]),
            structure=None,
            judgement=judgement,
        )
    except (ValueError, KeyError, TypeError):  # not this format: compute it again
        return None


def _frame(item: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if not isinstance(item, pd.DataFrame):
        raise TypeError("a kept result holds a series where a frame belongs")
    return item


def _series(item: pd.DataFrame | pd.Series) -> pd.Series:
    if not isinstance(item, pd.Series):
        raise TypeError("a kept result holds a frame where a series belongs")
    return item


def judged(
    store: Store, areas: pd.DataFrame, area: str | None, period: Period, settings: Settings
) -> tuple[Judgement, Judgement, pd.DataFrame]:
    """The judgements of the period and the one before for the units of ``area`` (key; None:
    all), from the indicators the store computes, and the units whose indicators were read
    (with ``seat_community``: a seat on its community's committee at the period's end).

    Peers are found in the whole store: an area's units are judged against the peers' figures
    of the whole store (:func:`peer_statistics`, kept in the store once computed), so only the
    area's indicators are read. The whole store's judgement computes those figures and keeps
    them for the areas that follow."""
    periods = (period, period.previous())
    read = dict(zip(periods, store_facts_rows(store, periods, settings, area), strict=True))
    units = units_frame({"organization": read[period].rename_axis("key").reset_index(), "area": areas})
    if area is None:
        revision = store.revision()
        now, before = (judge_facts(units, facts_of(read[p]), p, settings) for p in periods)
        for j in (now, before):
            if store.kept(_peers_name(j.period, settings)) is None:
                store.keep(_peers_name(j.period, settings), j.peers.to_json(), revision)
    else:
        now, before = (
            judge_facts(units, facts_of(read[p]), p, settings, stats)
            for p, stats in zip(periods, peer_statistics(store, periods, settings), strict=True)
        )
    units = units.assign(seat_community=read[period]["seat_community"].reindex(units.index).fillna(0) > 0)
    return now, before, units


def _peers_name(period: Period, settings: Settings) -> str:
    """The name the peers' figures of a period are kept under: what they depend on besides the
    store (the settings that change the values compared)."""
    problems = json.dumps(list(settings.problem_categories), ensure_ascii=False)
    return f"engagement-peers/{period.label}/grace={settings.grace_months}/problems={problems}"


def peer_statistics(store: Store, periods: Sequence[Period], settings: Settings) -> list[PeerStats]:
    """The peers' figures of each period over every member unit of the store: kept in the store
    (``Store.keep``) the first time they are computed, until the store is written again."""
    kept = {p: store.kept(_peers_name(p, settings)) for p in periods}
    missing = [p for p in periods if kept[p] is None]
    computed: dict[Period, PeerStats] = {}
    if missing:
        revision = store.revision()
        areas = store.table("area", list(COLUMNS["area"]))
        found = store_facts_rows(store, missing, settings, None)
        units = units_frame({"organization": found[0].rename_axis("key").reset_index(), "area": areas})
        for p, rows in zip(missing, found, strict=True):
            members, values, share, grace = _prepared(units, facts_of(rows), p, settings)
            computed[p] = peer_stats(members, _rates(values, share, grace))
            store.keep(_peers_name(p, settings), computed[p].to_json(), revision)
    return [computed[p] if p in computed else PeerStats.from_json(str(kept[p])) for p in periods]


def prepare(store: Store, settings: Settings | None = None) -> Period | None:
    """Compute and keep what the 参与度 page opens on: the result for the whole store in the
    default period (:func:`engagement`, kept in the store), and with it the peers' figures of
    that period and the one before (:func:`peer_statistics`), which every area's result is
    judged against; so that the first analyst after a load does not wait for the whole store.
    The overview the app opens on is kept too (:func:`graph.coverage.prepare`). The period
    (None: a store without activity)."""
    span = store_span(store)
    if not span:
        return None
    period = Period.parse(period_choices(*default_period(span))[0])
    engagement(store, period, None, settings, with_structure=False)
    coverage.prepare(store)
    return period


def store_facts_rows(
    store: Store, periods: Sequence[Period], settings: Settings, area: str | None
) -> list[pd.DataFrame]:
    """The store's indicators (``Store.engagement_facts``) of each period, in one pass."""
    return store.engagement_facts(
        [(p.start.isoformat(), p.end.isoformat()) for p in periods], settings.problem_categories, area
    )


def _community_committees(orgs: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each community's committee: {community area key: (committee key, name)}."""
    return {
        str(a): (str(k), str(n))
        for k, n, kind, a in zip(orgs["key"], orgs["name"], orgs["kind"], orgs["area"], strict=True)
        if kind == "community_committee"
    }


def analyse(
    tables: Tables,
    period: str | int | Period = "2025",
    area: str | None = None,
    settings: Settings | None = None,
    *,
    with_structure: bool = True,
) -> Result:
    """:func:`engagement` on tables already read with :func:`read_tables`, all in pandas (the
    reference the store's indicators are checked against)."""
    settings = settings or load_settings()
    period = period if isinstance(period, Period) else Period.parse(period)
    area_key, area_name = find_area(tables, area) if area else (None, "全部")
    made = (units_frame(tables), ledger(tables, settings))
    now = judge(tables, period, settings, made)
    before = judge(tables, period.previous(), settings, made)
    return _result(
        lambda *_: tables,
        lambda t: _seat_kinds(t, _ts(period.end)),
        period,
        area_key,
        area_name,
        tables["area"],
        settings,
        now,
        before,
        with_structure,
    )


def _result(
    rows: Callable[[set[str], set[str], set[str]], Tables],
    seats: Callable[[Tables], dict[str, set[str]]],
    period: Period,
    area_key: str | None,
    area_name: str,
    areas: pd.DataFrame,
    settings: Settings,
    now: Judgement,
    before: Judgement,
    with_structure: bool,
) -> Result:
    """The result for the units of ``area_key`` from the judgements of the period and the one
    before. ``rows(watch, flagged, communities)``: tables holding at least the rows of the units
    ``watch`` (:meth:`graph.store.Store.engagement_rows`), the resources of those ``flagged`` and
    the needs of those communities; ``seats(tables)``:
    the kinds of the units seated on each committee at the period's end (:func:`_seat_kinds`)."""
    flagged, declined = flags(now, before, settings)
    units = now.units
    if area_key is None:
        keys = list(units.index)
    else:
        levels = area_paths(areas)
        keys = [
            k
            for k, a in zip(units.index, units["area"], strict=True)
            if area_key in levels.get(a, {}).values()
        ]
    was = (before.low | before.rules.any(axis=1)).reindex(units.index, fill_value=False)
    watching = (declined | (flagged & ~was)).reindex(keys)
    watch = set(watching.index[watching.to_numpy(dtype=bool)])
    marked = list(flagged.reindex(keys).index[flagged.reindex(keys).to_numpy(dtype=bool)])
    tables = rows(watch, set(marked), {str(c) for c in units.loc[marked, "community"].dropna()})
    found = structure.analyse(tables, period.start, period.end) if with_structure else None
    lost = changes.events(tables, period.start.isoformat(), period.end.isoformat(), watch)
    lost = lost[lost["event"].isin(changes.LOSSES)]
    ranked = _ranked(now, before, flagged, declined, keys, settings, found, lost, watch)
    return Result(
        period=period,
        area=area_key,
        area_name=area_name,
        settings=settings,
        ranked=ranked,
        peer_median=now.peer_median.loc[keys],
        changes=_changes(now, before, flagged, keys, settings),
        suggestions=suggest(now, tables, flagged, list(ranked.loc[ranked["flagged"], "key"]), seats(tables)),
        structure=found.within(set(keys)) if found is not None else None,
        judgement=now,
    )


RANKED_HEAD = (
    "rank",
    "key",
    "code",
    "name",
    "kind",
    "kind_zh",
    "community_name",
    "street_name",
    "district_name",
    "joined",
    "has_party_org",
    "party_members",
    "score",
    "score_before",
    "flagged",
    "declined",
    "reasons_zh",
    "reasons_en",
    "changes_zh",
    "rules",
    "new_member",
    "peer_level",
)


def _decline(now: Judgement, before: Judgement, key: str) -> Reason:
    a, b = float(now.score[key]), float(before.score[key])
    return Reason(
        "decline",
        f"得分由{before.period.zh}的{num(b)}降至{num(a)}",
        f"score fell from {num(b)} in {before.period.en} to {num(a)}",
    )


def _ranked(
    now: Judgement,
    before: Judgement,
    flagged: pd.Series,
    declined: pd.Series,
    keys: list[str],
    settings: Settings,
    found: structure.Structure | None,
    lost: pd.DataFrame,
    watch: set[str],
) -> pd.DataFrame:
    """The ranked list; a declined or newly flagged unit (``watch``) also gives, after the
    fall, what it lost in the period (``lost``: its loss events, :mod:`graph.changes`)."""
    frame = now.units.loc[keys].copy()
    index = frame.index  # aligned by index: an empty scope stays empty, not the index of the whole
    frame["score"] = now.score.reindex(index)
    frame["score_before"] = before.score.reindex(index)
    frame["flagged"], frame["declined"] = flagged.reindex(index), declined.reindex(index)
    frame["new_member"] = now.grace.reindex(index)
    frame["peer_level"] = now.peer_level["attendance_rate"].reindex(index)
    ids = frame.index.tolist()  # plain strings: iterating the index itself converts each key
    explained = list(frame.index[frame["flagged"] | frame["declined"]])
    texts = {k: reasons(f, settings) for k, f in unit_facts(now, explained).items()}
    for k in frame.index[frame["declined"]]:
        texts[k].insert(0, _decline(now, before, k))
    for k, zh, en in zip(lost["unit"], lost["zh"], lost["en"], strict=True):
        if k in texts and k in watch:
            # after the fall and the rules broken, before the indicators
            at = sum(
                r.indicator in ("decline", "change") or r.indicator.startswith("rule:") for r in texts[k]
            )
            texts[k].insert(at, Reason("change", zh, en))
    frame["changes_zh"] = ["；".join(r.zh for r in texts.get(k, []) if r.indicator == "change") for k in ids]
    frame["reasons_zh"] = [("；".join(r.zh for r in texts[k]) if k in texts else "") for k in ids]
    frame["reasons_en"] = [("; ".join(r.en for r in texts[k]) if k in texts else "") for k in ids]
    broken = now.rules.loc[keys]
    frame["rules"] = [
        ",".join(rule.indicator for rule, b in zip(settings.rules, row, strict=True) if b)
        for row in broken.itertuples(index=False)
    ]
    values = now.values.loc[keys]
    for ind in INDICATORS:
        frame[ind.name] = values[ind.name].astype(float)
    frame["has_seat"] = values["has_seat"].astype(bool)  # for every unit, with a party organization or not
    frame["tied_people"] = values["tied_people"].astype(int)
    frame["last_activity"] = values["last_activity"].dt.strftime("%Y-%m-%d").astype(object)
    frame["last_activity"] = frame["last_activity"].where(values["last_activity"].notna(), None)
    if found is not None:
        frame = frame.join(found.units, how="left")
    frame = frame.sort_values(["score", "key"], na_position="last", kind="mergesort")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    head = [c for c in RANKED_HEAD if c in frame.columns]
    rest = [
        c for c in frame.columns if c not in head and c not in ("area", "community", "street", "district")
    ]
    return frame[head + rest].reset_index(drop=True)


def _changes(
    now: Judgement, before: Judgement, flagged: pd.Series, keys: list[str], settings: Settings
) -> pd.DataFrame:
    """Each unit's score now and in the previous period, largest fall first."""
    frame = now.units.loc[keys, ["key", "name", "kind_zh", "street_name"]].copy()
    frame["score"] = now.score[keys]
    frame["score_before"] = before.score.reindex(keys)
    frame["change"] = (frame["score"] - frame["score_before"]).round(1)
    frame["flagged"] = flagged[keys]
    frame["flagged_before"] = (before.low | before.rules.any(axis=1)).reindex(keys)
    for name in ("attendance_rate", "projects_claimed", "agreements", "months_inactive"):
        frame[name] = now.values.loc[keys, name].astype(float)
        frame[f"{name}_before"] = before.values[name].reindex(keys).astype(float)
    frame = frame.sort_values(["change", "key"], na_position="last", kind="mergesort")
    return frame.reset_index(drop=True)


def _plain(value: Any) -> Any:
    """A value as JSON data: NaN/NaT → None, numpy scalars → Python."""
    if value is None:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def to_records(result: Result) -> dict[str, Any]:
    """The result as JSON-ready data (``json.dumps(to_records(r), ensure_ascii=False)``)."""
    out: dict[str, Any] = {
        "period": result.period.label,
        "previous": result.period.previous().label,
        "area": result.area,
        "area_name": result.area_name,
        "summary": result.summary,
        "figures": result.figures,
        "indicators": _records(indicator_table(result.settings)),
        "units": _records(result.ranked),
        "changes": _records(result.changes),
        "suggestions": _records(result.suggestions),
    }
    if result.structure is not None:
        out["structure"] = result.structure.to_records()
    return out
