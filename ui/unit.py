"""单位 Unit profile: one unit's place and kind, its people and their posts (cross-appointed
people marked), agreements, meetings attended and missed on a timeline, projects, resources
and registrations. Reached by search, from table rows, and by link (?unit=organization:KEY)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from graph import profile
from graph.glossary import ATTENDANCE, BOOLEAN, PROJECT_STATUS
from graph.rules import area_paths
from ui.common import (
    current_store,
    kind_label,
    lang,
    person,
    pick,
    plain,
    scope,
    show_table,
    stamp,
    store_key,
    t,
    table,
    tables,
)

STATUS_COLOURS = {"present": "#2e7d32", "substitute": "#81c784", "excused": "#ffb74d", "absent": "#e53935"}


def timeline(meetings: pd.DataFrame) -> alt.Chart:
    """Each invitation as a dot on its date, one row per status."""
    codes = list(ATTENDANCE.codes)
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(meetings["date"].map(lambda d: d if len(d) == 10 else d + "-15")),
            "status": meetings["status"].map(lambda c: ATTENDANCE.label(c, lang())),
            "meeting": meetings["title"],
        }
    )
    labels = [ATTENDANCE.label(c, lang()) for c in codes]
    colour = alt.Color(
        "status:N",
        scale=alt.Scale(domain=labels, range=[STATUS_COLOURS[c] for c in codes]),
        legend=None,
    )
    chart: alt.Chart = (
        alt.Chart(frame, height=170)
        .mark_circle(size=90, opacity=0.85)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y("status:N", title=None, sort=labels),
            color=colour,
            tooltip=[
                alt.Tooltip("meeting:N", title=t("title")),
                alt.Tooltip("date:T", format="%Y-%m-%d", title=t("date")),
            ],
        )
    )
    return chart


@st.cache_data(max_entries=64, show_spinner=False)
def unit_row(store: str, version: Any, key: str) -> pd.Series:
    """The unit's row, read by its key."""
    return current_store().rows("organization", "key", [key]).iloc[0]


def render() -> None:
    s = scope()
    st.title(t("unit"))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    node = pick(t("unit_search"), "unit", "unit", ("organization",))
    if node is None:
        st.info(t("unit_hint"))
        return
    key = node.partition(":")[2]
    row = unit_row(store_key(), stamp(), key)
    areas = table("area")
    names = dict(zip(areas["key"], areas["name"], strict=True))
    path = area_paths(areas).get(row["area"], {})
    where = " / ".join(names[path[level]] for level in ("district", "street", "community") if level in path)

    st.header(plain(row["name"]))
    facts = [kind_label(row["kind"]), where or names.get(row["area"], "")]
    if row["aliases"]:
        facts.append(f"{t('aliases')}: {'、'.join(row['aliases'])}")
    st.caption(plain(" · ".join(f for f in facts if f)))
    cols = st.columns(4)
    cols[0].metric(t("joined"), row["joined"] or t("not_member"))
    has_org = row["has_party_org"]
    cols[1].metric(
        t("has_party_org"), "—" if has_org is None else BOOLEAN.label(str(has_org).lower(), lang())
    )
    cols[2].metric(
        t("party_members"), "—" if row["party_members"] is None else f"{int(row['party_members']):,}"
    )
    cols[3].page_link(
        "ui/network.py",
        label=t("open_ego"),
        icon=":material/hub:",
        query_params={"mode": "ego", "node": node, **s.to_params()},
    )

    here = row["area"] if row["area"] in names else None
    found = tables(
        here,
        (
            "organization",
            "person",
            "post",
            "agreement",
            "attendance",
            "meeting",
            "project",
            "resource",
            "registration",
        ),
    )
    people = found["person"]
    post_rows = profile.posts(key, found["post"], people, found["organization"])
    st.subheader(t("people_posts"))
    if post_rows.empty:
        st.caption(t("none"))
    else:
        shown = pd.DataFrame(
            {
                t("person"): post_rows["person"].map(person),
                t("role"): post_rows["role"],
                t("part_time"): post_rows["part_time"].map(
                    lambda v: "" if v is None else BOOLEAN.label(str(v).lower(), lang())
                ),
                t("start"): post_rows["start"].fillna(""),
                t("end"): post_rows["end"].fillna(""),
                t("cross_marked"): post_rows["cross"].map(lambda c: "✔" if c else ""),
                t("elsewhere"): post_rows["elsewhere"],
            }
        )
        show_table(shown, t("people_posts"), key="unit_posts")

    st.subheader(t("agreements"))
    agreements = profile.agreements(key, found["agreement"], s.start, s.end)
    if agreements.empty:
        st.caption(t("none"))
    else:
        show_table(
            agreements.assign(
                in_force=agreements["in_force"].map(lambda v: BOOLEAN.label(str(v).lower(), lang())),
                expires=agreements["expires"].fillna(""),
            ).rename(
                columns={
                    "title": t("title"),
                    "signed": t("signed"),
                    "expires": t("expires"),
                    "parties": t("parties"),
                    "in_force": t("in_force_in_period"),
                }
            ),
            t("agreements"),
            key="unit_agreements",
        )

    st.subheader(t("meetings"))
    every = profile.meetings(key, found["attendance"], found["meeting"], people)
    meetings = profile.in_period(every, s.start, s.end)
    if meetings.empty:
        st.caption(t("none_in_period").format(total=len(every)))
    else:
        counts = profile.attendance_counts(every, s.start, s.end)
        st.caption(
            t("attendance_in_period").format(
                invited=counts["invited"],
                total=len(every),
                **{code: counts.get(code, 0) for code in ATTENDANCE.codes},
            )
        )
        st.altair_chart(timeline(meetings), width="stretch")
        show_table(
            pd.DataFrame(
                {
                    t("title"): meetings["title"],
                    t("date"): meetings["date"],
                    t("status"): meetings["status"].map(lambda c: ATTENDANCE.label(c, lang())),
                    t("attendee"): meetings["person"].map(lambda n: person(n) if n else ""),
                }
            ),
            t("meetings"),
            key="unit_meetings",
        )

    st.subheader(t("projects"))
    projects = profile.projects(key, found["project"])
    if projects.empty:
        st.caption(t("none"))
    else:
        show_table(
            pd.DataFrame(
                {
                    t("title"): projects["title"],
                    t("category"): projects["category"].fillna(""),
                    t("status"): projects["status"].map(
                        lambda c: PROJECT_STATUS.label(c, lang()) if c else ""
                    ),
                    t("start"): projects["start"].fillna(""),
                    t("end"): projects["end"].fillna(""),
                    t("community"): projects["community"].map(lambda a: names.get(a, a or "")),
                }
            ),
            t("projects"),
            key="unit_projects",
        )

    st.subheader(t("resources"))
    resources = profile.resources(key, found["resource"])
    if resources.empty:
        st.caption(t("none"))
    else:
        show_table(
            resources.fillna("").rename(
                columns={"title": t("title"), "category": t("category"), "published": t("published")}
            ),
            t("resources"),
            key="unit_resources",
        )

    st.subheader(t("registrations"))
    regs = profile.registrations(key, found["registration"], people)
    if regs.empty:
        st.caption(t("none"))
    else:
        st.caption(
            t("registrations_summary").format(
                people=regs["person_key"].dropna().nunique(),
                hours=float(pd.to_numeric(regs["hours"]).fillna(0).sum()),
            )
        )
        show_table(
            pd.DataFrame(
                {
                    t("person"): regs["person"].map(lambda n: person(n) if n else t("unit_itself")),
                    t("community"): regs["community"].map(lambda a: names.get(a, a)),
                    t("date"): regs["date"],
                    t("withdrawn"): regs["withdrawn"].fillna(""),
                    t("hours"): regs["hours"].map(lambda h: "" if h is None or pd.isna(h) else f"{h:g}"),
                }
            ),
            t("registrations"),
            key="unit_registrations",
        )


if __name__ == "__main__":
    render()
