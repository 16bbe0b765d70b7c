"""总览 Overview: the units in scope by kind and area, coverage of the member units, a chart by
area and a trend by quarter."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from graph import changes, coverage
from graph.model import RECORDS
from graph.rules import LEVELS
from graph.scope import Scope
from ui.common import (
    current_store,
    kind_label,
    lang,
    period_span,
    plain,
    scope,
    scope_text,
    show_table,
    stamp,
    store_key,
    t,
    table,
    tables,
)


@st.cache_resource(max_entries=32, show_spinner=False)
def figures(key: str, version: Any, s: Scope, span: tuple[str, ...]) -> dict[str, Any]:
    """The figures of a scope, computed by the store; cached per store state and scope and
    shared by every session as they are (not copied): do not modify them."""
    return coverage.store_overview(current_store(), table("area"), s, list(span))


LOG_UNITS = 5_000  # with more units in scope, the change log is worked out when asked for


@st.cache_resource(max_entries=32, show_spinner=False)
def change_log(key: str, version: Any, s: Scope) -> pd.DataFrame:
    """What changed in the scope's period, newest first (cached per store state and scope): from
    an area's rows (shared with the other pages), or for the whole city from the rows the store
    reads for the period."""
    if s.area is None:
        rows = current_store().change_rows(s.area, s.kinds, s.start, s.end)
    else:
        rows = tables(s.area, changes.TABLES)
    return changes.in_scope(rows, s).iloc[::-1].reset_index(drop=True)


def percent(share: float) -> str:
    return f"{share:.0%}"


def render() -> None:
    s = scope()
    st.title(t("overview"))
    st.caption(plain(scope_text(s)))
    counts = dict(stamp())
    records = {name: counts.get(name, 0) for name in RECORDS}
    if not any(records.values()):
        st.info(t("empty_store"))
        return
    f = figures(store_key(), stamp(), s, tuple(period_span()))
    top = st.columns(3)
    top[0].metric(t("units_in_scope"), f"{f['units']:,}")
    top[1].metric(t("member_units"), f"{f['members']:,}")
    top[2].metric(t("party_orgs"), f"{f['party_orgs']:,}")

    st.subheader(t("coverage"))
    st.caption(t("coverage_help"))
    summary = f["summary"]
    cols = st.columns(3)
    for col, figure in zip(cols, coverage.FIGURES, strict=True):
        col.metric(t(figure), percent(summary[f"{figure}_share"]))
        col.caption(f"{summary[figure]:,} / {summary['members']:,}")

    level = f["level"]
    st.subheader(t(f"by_{level}"))
    groups = f["by_group"]
    if len(groups):
        st.vega_lite_chart(
            _long(groups, "group"),
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "y": {"field": "at", "type": "nominal", "title": None, "sort": list(groups["group"])},
                    "yOffset": {"field": "figure", "type": "nominal", "sort": _figure_names()},
                    "x": {"field": "share", "type": "quantitative", "title": "%"},
                    "color": _figure_colour(),
                },
                "height": max(160, 70 * len(groups)),
            },
            width="stretch",
        )
    show_table(_figure_table(groups, "group", t(level)), t(f"by_{level}"), key="by_group")

    with st.expander(t("member_list")):
        flags = f["flags"]
        mark = {True: "✔", False: "✘"}
        show_table(
            pd.DataFrame(
                {
                    t(level): flags["group"],
                    t("unit"): flags["name"],
                    t("kind"): flags["kind"].map(kind_label),
                    **{t(fig): flags[fig].map(mark) for fig in coverage.FIGURES},
                }
            ),
            t("member_list"),
            key="members",
            units=[f"organization:{k}" for k in flags["key"]],
        )

    st.subheader(t("trend"))
    trend = f["trend"]
    if len(trend):
        st.vega_lite_chart(
            _long(trend, "quarter"),
            {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "x": {"field": "at", "type": "ordinal", "title": t("quarter")},
                    "y": {"field": "share", "type": "quantitative", "title": "%"},
                    "color": _figure_colour(),
                },
            },
            width="stretch",
        )
    show_table(_figure_table(trend, "quarter", t("quarter")), t("trend"), key="trend")

    st.subheader(t("change_log"))
    st.caption(t("change_log_help"))
    if f["units"] <= LOG_UNITS or st.toggle(t("change_log_large").format(units=f["units"]), key="log"):
        _draw_log(s)

    left, right = st.columns(2)
    with left:
        st.subheader(t("by_kind"))
        kinds = pd.DataFrame(
            {
                t("kind"): [kind_label(k) for k in f["by_kind"].index],
                t("units"): list(f["by_kind"].to_numpy()),
            }
        )
        st.vega_lite_chart(
            kinds,
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "y": {"field": t("kind"), "type": "nominal", "title": None},
                    "x": {"field": t("units"), "type": "quantitative"},
                },
            },
            width="stretch",
        )
    with right:
        st.subheader(t("by_area"))
        areas = f["by_area"].rename(
            columns={**{lvl: t(lvl) for lvl in LEVELS}, "units": t("units"), "members": t("member_units")}
        )
        show_table(areas, t("by_area"), key="by_area")

    with st.expander(t("store_records")):
        names = list(records)
        for start in range(0, len(names), 6):
            for column, name in zip(st.columns(6), names[start : start + 6], strict=False):
                rec = RECORDS[name]
                column.metric(rec.sheet_zh if lang() == "zh" else rec.sheet_en, f"{records[name]:,}")


def _draw_log(s: Scope) -> None:
    """The change log: counts per kind, then the events, newest first."""
    log = change_log(store_key(), stamp(), s)
    if log.empty:
        st.caption(t("none"))
    else:
        seen = changes.counts(log)
        st.caption(
            t("change_counts").format(
                total=len(log),
                counts="、".join(f"{t('ev_' + e)} {n}" for e, n in seen.items() if n)
                if lang() == "zh"
                else ", ".join(f"{t('ev_' + e)} {n}" for e, n in seen.items() if n),
            )
        )
        show_table(
            pd.DataFrame(
                {
                    t("date"): log["day"],
                    t("unit"): log["unit_name"],
                    t("event_kind"): log["event"].map(lambda e: t(f"ev_{e}")),
                    t("event"): log["zh"] if lang() == "zh" else log["en"],
                }
            ),
            t("change_log"),
            key="change_log",
            units=[f"organization:{k}" for k in log["unit"]],
        )


# The charts are Vega-Lite specifications: Streamlit's chart helpers build (and validate) an
# Altair chart on every run, which costs more than the rest of the page.


def _figure_names() -> list[str]:
    return [t(fig) for fig in coverage.FIGURES]


def _figure_colour() -> dict[str, Any]:
    return {"field": "figure", "type": "nominal", "title": None, "sort": _figure_names()}


def _long(frame: pd.DataFrame, first: str) -> pd.DataFrame:
    """The shares of each row of ``frame`` as percentages, one row per figure: at, figure, share."""
    return pd.DataFrame(
        {
            "at": [a for a in frame[first] for _ in coverage.FIGURES],
            "figure": _figure_names() * len(frame),
            "share": [
                round(float(row[f"{fig}_share"]) * 100, 1)
                for row in frame.to_dict("records")
                for fig in coverage.FIGURES
            ],
        }
    )


def _figure_table(frame: pd.DataFrame, first: str, first_label: str) -> pd.DataFrame:
    out = pd.DataFrame({first_label: frame[first], t("member_units"): frame["members"]})
    for fig in coverage.FIGURES:
        out[t(fig)] = frame[fig]
        out[f"{t(fig)} %"] = (frame[f"{fig}_share"] * 100).round(1)
    return out


if __name__ == "__main__":
    render()
