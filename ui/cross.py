"""交叉任职 Cross-appointments: the people who bridge organizations, and for each community
which of its member units are tied to it both ways, one way, or not at all."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from graph import bridges, coverage
from graph.embedded import node_id
from graph.scope import Scope, units_in_scope
from ui.common import kind_label, person, plain, scope, scope_text, show_table, stamp, store_key, t, table


@st.cache_data(max_entries=16, show_spinner=False)
def figures(key: str, version: Any, s: Scope) -> dict[str, pd.DataFrame]:
    units = table("organization")
    inside = units_in_scope(units, table("area"), s)
    posts = bridges.held(table("post"), s.start, s.end)
    people = table("person")
    local = set(posts.loc[posts["org"].isin(set(inside["key"])), "person"])
    bridging = bridges.bridging_people(posts[posts["person"].isin(local)], people, units)
    ties = bridges.community_ties(posts, units, coverage.members(inside, s.end))
    return {"bridging": bridging, "ties": ties, "per_community": bridges.per_community(ties)}


def render() -> None:
    s = scope()
    st.title(t("cross"))
    st.caption(plain(scope_text(s)))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    f = figures(store_key(), stamp(), s)
    areas = table("area")
    names = dict(zip(areas["key"], areas["name"], strict=True))
    units = table("organization")
    unit_names = dict(zip(units["key"], units["name"], strict=True))
    kinds = dict(zip(units["key"], units["kind"], strict=True))
    people = table("person")
    person_names = dict(zip(people["key"], people["name"], strict=True))

    st.subheader(t("bridging_people"))
    st.caption(t("bridging_help"))
    bridging = f["bridging"]
    if bridging.empty:
        st.caption(t("none"))
    else:
        show_table(
            pd.DataFrame(
                {
                    t("person"): bridging["person"].map(person),
                    t("organizations"): bridging["organizations"],
                    t("posts"): bridging["roles"],
                }
            ),
            t("bridging_people"),
            key="cross_people",
        )

    st.subheader(t("community_ties"))
    st.caption(t("community_ties_help"))
    per = f["per_community"]
    if per.empty:
        st.caption(t("none"))
        return
    chart = pd.DataFrame(
        {
            t("community"): per["community"].map(lambda a: names.get(a, a)),
            **{t(f"dir_{d}"): per[d] for d in bridges.DIRECTIONS},
        }
    )
    st.bar_chart(
        chart,
        x=t("community"),
        y=[t(f"dir_{d}") for d in bridges.DIRECTIONS],
        horizontal=True,
        x_label="",
        y_label="",
        height=max(180, 34 * len(chart)),
        color=["#2e7d32", "#81c784", "#64b5f6", "#e0e0e0"],
    )
    show_table(
        chart.assign(**{t("member_units"): per["members"]})[
            [t("community"), t("member_units"), *[t(f"dir_{d}") for d in bridges.DIRECTIONS]]
        ],
        t("community_ties"),
        key="cross_communities",
    )

    st.subheader(t("unit_ties"))
    ties = f["ties"]
    order = {d: i for i, d in enumerate(bridges.DIRECTIONS)}
    ties = ties.sort_values(
        ["community", "direction", "unit"], key=lambda c: c.map(order) if c.name == "direction" else c
    )
    show_table(
        pd.DataFrame(
            {
                t("community"): ties["community"].map(lambda a: names.get(a, a)),
                t("unit"): ties["unit"].map(lambda u: unit_names.get(u, u)),
                t("kind"): ties["unit"].map(lambda u: kind_label(kinds.get(u, "other"))),
                t("direction"): ties["direction"].map(lambda d: t(f"dir_{d}")),
                t("through"): ties["people"].map(
                    lambda ps: "、".join(person(person_names.get(p, p)) for p in ps)
                ),
            }
        ),
        t("unit_ties"),
        key="cross_units",
        units=[node_id("organization", u) for u in ties["unit"]],
    )


if __name__ == "__main__":
    render()
