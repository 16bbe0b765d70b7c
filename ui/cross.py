"""交叉任职 Cross-appointments: the people who bridge organizations, and for each member unit and
each committee above it (district, street, community: the three levels) whether they are tied
both ways, one way, or not at all, and through whom. The figures are
:func:`graph.bridges.cross_view`; this page only draws them."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from graph import bridges
from graph.embedded import node_id
from graph.rules import LEVELS
from graph.scope import Scope
from ui.common import (
    current_store,
    kind_label,
    lang,
    masking,
    person,
    plain,
    scope,
    scope_text,
    show_table,
    stamp,
    store_key,
    t,
    table,
)

COLOURS = ["#2e7d32", "#81c784", "#64b5f6", "#e0e0e0"]  # both, unit → committee, committee → unit, none


@st.cache_resource(max_entries=16, show_spinner=False)
def figures(key: str, version: Any, s: Scope) -> dict[str, Any]:
    """The figures of a scope, computed by the store; cached per store state and scope and
    shared by every session as they are (not copied): do not modify them."""
    return bridges.store_view(current_store(), s.area, s.kinds, s.start, s.end)


@st.cache_resource(max_entries=16, show_spinner=False)
def unit_ties(
    key: str, version: Any, s: Scope, language: str, masked: bool
) -> tuple[pd.DataFrame, list[str]]:
    """The table of each member unit's ties as shown, by area, unit and level, and the unit node
    of each row (cached and shared as :func:`figures`, also per language and masking)."""
    areas = table("area")
    names = dict(zip(areas["key"], areas["name"], strict=True))
    ties = figures(key, version, s)["ties"]
    level_order = {lvl: i for i, lvl in enumerate(LEVELS)}
    ties = ties.assign(
        _l=ties["level"].map(level_order), _a=ties["area"].map(lambda a: names.get(a, ""))
    ).sort_values(["_a", "unit_name", "_l"])

    def who(people: tuple[str, ...]) -> str:
        return "、".join(person(p) for p in people)

    shown = pd.DataFrame(
        {
            t("area"): ties["_a"],
            t("unit"): ties["unit_name"],
            t("kind"): ties["kind"].map(kind_label),
            t("level"): ties["level"].map(t),
            t("committee"): ties["committee_name"],
            t("direction"): ties["direction"].map(lambda d: t(f"dir_{d}")),
            t("up_people"): ties["up_names"].map(who),
            t("down_people"): ties["down_names"].map(who),
        }
    )
    return shown, [node_id("organization", u) for u in ties["unit"]]


def render() -> None:
    s = scope()
    st.title(t("cross"))
    st.caption(plain(scope_text(s)))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    f = figures(store_key(), stamp(), s)

    top = st.columns(3)
    top[0].metric(t("member_units"), f"{f['members']:,}")
    top[1].metric(t("with_seat_units"), f"{f['with_seat']:,}")
    top[2].metric(t("cross_people"), f"{f['cross_people']:,}")

    st.subheader(t("level_ties"))
    st.caption(t("level_ties_help"))
    per = f["per_level"]
    directions = [t(f"dir_{d}") for d in bridges.DIRECTIONS]
    if per.empty:
        st.caption(t("none"))
    else:
        chart = pd.DataFrame(
            {t("level"): per["level"].map(t), **{t(f"dir_{d}"): per[d] for d in bridges.DIRECTIONS}}
        )
        long = pd.DataFrame(
            {
                "level": [t(lvl) for lvl in per["level"] for _ in bridges.DIRECTIONS],
                "direction": directions * len(per),
                "rank": list(range(len(directions))) * len(per),
                "units": [int(per.at[i, d]) for i in per.index for d in bridges.DIRECTIONS],
            }
        )
        spec = {  # Vega-Lite as it is: an Altair chart is validated on every run, which is slow
            "mark": "bar",
            "encoding": {
                "y": {"field": "level", "type": "nominal", "sort": list(chart[t("level")]), "title": None},
                "x": {
                    "aggregate": "sum",
                    "field": "units",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": "d", "tickMinStep": 1},
                },
                "color": {
                    "field": "direction",
                    "type": "nominal",
                    "scale": {"domain": directions, "range": COLOURS},
                    "legend": {"title": None, "orient": "bottom"},
                },
                "order": {"field": "rank", "type": "quantitative"},
                "tooltip": [
                    {"field": "level", "type": "nominal", "title": t("level")},
                    {"field": "direction", "type": "nominal", "title": t("direction")},
                    {"field": "units", "type": "quantitative", "title": t("member_units")},
                ],
            },
        }
        st.vega_lite_chart(long, spec, width="stretch", height=60 * len(per) + 60)
        show_table(
            chart.assign(**{t("member_units"): per["members"]})[[t("level"), t("member_units"), *directions]],
            t("level_ties"),
            key="cross_levels",
        )

    level_order = {lvl: i for i, lvl in enumerate(LEVELS)}
    rows, units = unit_ties(store_key(), stamp(), s, lang(), masking())
    st.subheader(t("unit_ties"))
    show_table(
        rows,
        t("unit_ties"),
        key="cross_units",
        units=units,
    )

    st.subheader(t("by_committee"))
    committee_names = dict(zip(f["ties"]["committee"], f["ties"]["committee_name"], strict=True))
    committees = (
        f["per_committee"].assign(_l=lambda c: c["level"].map(level_order)).sort_values(["_l", "committee"])
    )
    show_table(
        pd.DataFrame(
            {
                t("level"): committees["level"].map(t),
                t("committee"): committees["committee"].map(lambda c: committee_names.get(c, c)),
                t("member_units"): committees["members"],
                **{t(f"dir_{d}"): committees[d] for d in bridges.DIRECTIONS},
            }
        ),
        t("by_committee"),
        key="cross_committees",
    )

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


if __name__ == "__main__":
    render()
