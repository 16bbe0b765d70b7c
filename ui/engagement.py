"""参与度 Engagement: the member units of the scope ranked by their engagement score, with the
reasons of each flag, the units that declined since the previous period, a chart of one
unit's indicators against its peers' median, suggested next steps, and the briefing (简报).

The analysis is :func:`graph.engagement.engagement`: the store computes the indicators of the
area's units, judged in pandas against the peers' figures of the whole store; the result is kept
in the store once computed (per store revision, period, area and settings: the next app process
reads it) and shared per store state, period and area by every session of this one, and the
widgets of this page only filter and pick from it. The page judges a whole year or a single
quarter; the sidebar's period says which (see :func:`period_choices`).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from graph.briefing import write_briefing
from graph.engagement import (
    INDICATORS,
    PEERS_EN,
    PEERS_ZH,
    Result,
    count,
    engagement,
    indicator_table,
)
from graph.glossary import ORG_KIND
from graph.scope import Period, Scope, period_choices
from ui.common import (
    current_store,
    kind_label,
    lang,
    plain,
    scope,
    scope_text,
    show_table,
    stamp,
    store_key,
    t,
)

SHOW = ("all", "flagged", "declined")
PICK_CAP = 500  # units in the unit list; any other is picked by a click in the table
UNIT_COLOUR, PEER_COLOUR = "#d9534f", "#9e9e9e"

# --- pure helpers (no Streamlit) -------------------------------------------------------------


def for_kinds(result: Result, kinds: tuple[str, ...]) -> Result:
    """The result for the units of ``kinds`` only (all when empty), ranked again from 1; the
    scores and flags stay those of the whole analysis (peers are never narrowed)."""
    if not kinds:
        return result
    ranked = result.ranked[result.ranked["kind"].isin(kinds)].reset_index(drop=True)
    ranked["rank"] = range(1, len(ranked) + 1)
    keys = list(ranked["key"])
    kept = set(keys)
    name = f"{result.area_name}（{'、'.join(ORG_KIND.label(k) for k in kinds)}）"
    return replace(
        result,
        area_name=name,
        ranked=ranked,
        peer_median=result.peer_median.loc[keys],
        changes=result.changes[result.changes["key"].isin(kept)].reset_index(drop=True),
        suggestions=result.suggestions[result.suggestions["key"].isin(kept)].reset_index(drop=True),
        structure=result.structure.within(kept) if result.structure is not None else None,
    )


def shown(ranked: pd.DataFrame, show: str, kind: str | None) -> pd.DataFrame:
    """The rows of the ranked list a filter keeps: all, flagged or declined; of one kind or any."""
    rows = ranked
    if show in ("flagged", "declined"):
        rows = rows[rows[show]]
    if kind:
        rows = rows[rows["kind"] == kind]
    return rows.reset_index(drop=True)


def briefing_bytes(result: Result) -> bytes:
    """The briefing workbook of ``result``, as bytes (written through a temporary file)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_briefing(result, Path(folder) / "briefing.xlsx").read_bytes()


def file_part(text: str) -> str:
    """Text made safe for a file name."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "all"


def split_reasons(text: str, language: str) -> list[str]:
    """The reasons of a unit, one by one: Chinese ones are joined by "；" (which may also occur
    inside their brackets), English ones by "; "."""
    if not text:
        return []
    if language != "zh":
        return [r for r in text.split("; ") if r]
    out, depth, current = [], 0, ""
    for char in text:
        depth += (char == "（") - (char == "）")
        if char == "；" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
    return [r for r in [*out, current] if r]


def _number(value: float, kind: str, language: str) -> str:
    """A unit's value as a person reads it: a share in %, yes or no, a count (never a fraction)."""
    if pd.isna(value):
        return "—"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "yes":
        return ("是" if value >= 1 else "否") if language == "zh" else ("yes" if value >= 1 else "no")
    return f"{value:.1f}".removesuffix(".0")  # a substitute counts half a meeting


def _peers(median: float, share: float, kind: str, language: str) -> str:
    """The peers' figure: the share with a yes for a yes/no indicator, else the median (a count
    median between two counts shows as both: 0–1)."""
    if kind == "yes":
        if pd.isna(share):
            return "—"
        return f"{share:.0%}有" if language == "zh" else f"{share:.0%} yes"
    return count(median) if kind in ("count", "months") else _number(median, kind, language)


def unit_row(result: Result, key: str) -> dict[str, Any]:
    """The unit's row of the ranked list, as a dict."""
    found = result.ranked[result.ranked["key"] == key]
    return {str(c): v for c, v in found.iloc[0].items()}


def indicator_rows(result: Result, key: str, language: str) -> pd.DataFrame:
    """One row per indicator for the unit ``key``: its value, its peers' median, the peers
    compared with, its indicator score (0..1, NaN where it does not count) and both as text."""
    unit = unit_row(result, key)
    judged = result.judgement
    scores: dict[Any, Any] = judged.scores.loc[key].to_dict() if key in judged.scores.index else {}
    levels: dict[Any, Any] = judged.peer_level.loc[key].to_dict() if key in judged.peer_level.index else {}
    median: dict[Any, Any] = result.peer_median.loc[key].to_dict()
    shares: dict[Any, Any] = judged.peer_share.loc[key].to_dict() if key in judged.peer_share.index else {}
    peers = PEERS_ZH if language == "zh" else PEERS_EN
    out = []
    for ind in INDICATORS:
        value, peer = float(unit[ind.name]), float(median[ind.name])
        share = float(shares.get(ind.name, float("nan")))
        out.append(
            {
                "indicator": ind.name,
                "label": ind.zh if language == "zh" else ind.en,
                "kind": ind.kind,
                "scored": ind.scored,
                "value": value,
                "median": peer,
                "peer": share if ind.kind == "yes" else peer,  # what the chart shows for the peers
                "value_text": _number(value, ind.kind, language),
                "median_text": _peers(peer, share, ind.kind, language),
                "score": float(scores.get(ind.name, float("nan"))),
                "peers": peers.get(str(levels.get(ind.name, "")), ""),
            }
        )
    return pd.DataFrame(out)


def chart_data(rows: pd.DataFrame, unit_label: str, peer_label: str) -> pd.DataFrame:
    """The bars of the chart: for each scored indicator that applies to the unit, its value and
    its peers' median (shares in %), each scaled to the larger of the two."""
    rows = rows[rows["scored"] & rows["value"].notna()]
    factor = rows["kind"].map(lambda k: 100.0 if k == "share" else 1.0)
    unit, peer = rows["value"] * factor, rows["peer"].fillna(0) * factor
    top = pd.concat([unit, peer], axis=1).max(axis=1)
    scale = top.where(top > 0, 1.0)
    text = {"share": "{:.0f}%", "yes": "{:.1f}"}
    frames = [
        pd.DataFrame(
            {
                "indicator": rows["label"],
                "series": label,
                "value": values,
                "scaled": values / scale,
                "text": [
                    count(v)
                    if k in ("count", "months") and label == peer_label
                    else f"{v:.0%}"
                    if k == "yes" and label == peer_label
                    else text.get(k, "{:.1f}").format(v).replace(".0%", "%").removesuffix(".0")
                    for k, v in zip(rows["kind"], values, strict=True)
                ],
            }
        )
        for label, values in ((unit_label, unit), (peer_label, peer))
    ]
    return pd.concat(frames, ignore_index=True)


def indicator_chart(data: pd.DataFrame, unit_label: str, peer_label: str) -> alt.LayerChart:
    """Two bars per indicator (the unit, the peer median) with their values written beside them."""
    order = list(dict.fromkeys(data["indicator"]))
    base = alt.Chart(data).encode(
        y=alt.Y("indicator:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("series:N", sort=[unit_label, peer_label]),
        x=alt.X("scaled:Q", axis=None, scale=alt.Scale(domain=[0, 1.18])),
        tooltip=[
            alt.Tooltip("indicator:N", title=t("eng_indicator")),
            alt.Tooltip("series:N", title=" "),
            alt.Tooltip("text:N", title=t("value")),
        ],
    )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=[unit_label, peer_label], range=[UNIT_COLOUR, PEER_COLOUR]),
        legend=alt.Legend(title=None, orient="top"),
    )
    bars = base.mark_bar(height={"band": 0.9}).encode(color=colour)
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text="text:N")
    chart = alt.layer(bars, labels).properties(height=alt.Step(13))
    assert isinstance(chart, alt.LayerChart)
    return chart


# --- cached analysis -------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def analysis(key: str, version: Any, period: str, area: str | None) -> Result:
    """The engagement result for a store state, a period and an area (without the network
    structure, which this page does not show): kept in the store once computed, and cached here
    for every session of the app as it is (not copied: on the whole city of L, copying it out of
    a data cache took longer than drawing the page): do not modify it."""
    return engagement(current_store(), period, area, with_structure=False)


# --- the page --------------------------------------------------------------------------------


def choose_period(s: Scope) -> Period:
    """The period to judge: a selectbox of :func:`period_choices`, back to its default when the
    sidebar period changes."""
    choices = period_choices(s.first, s.last)
    if st.session_state.get("eng_period_of") != (s.first, s.last) or (
        st.session_state.get("eng_period") not in choices
    ):
        st.session_state["eng_period"] = choices[0]
        st.session_state["eng_period_of"] = (s.first, s.last)
    words = {p: Period.parse(p).zh if lang() == "zh" else Period.parse(p).en for p in choices}
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    chosen = Period.parse(
        left.selectbox(t("eng_period"), choices, key="eng_period", format_func=words.__getitem__)
    )
    previous = chosen.previous()
    right.caption(t("eng_period_help").format(previous=previous.zh if lang() == "zh" else previous.en))
    return chosen


def summary(result: Result, period: Period) -> None:
    s = result.summary
    cols = st.columns(5)
    cols[0].metric(t("eng_units"), f"{s['units']:,}")
    more = s["flagged"] - s["flagged_before"]
    cols[1].metric(
        t("eng_flagged"), f"{s['flagged']:,}", delta=f"{more:+,}" if more else None, delta_color="inverse"
    )
    cols[2].metric(t("eng_declined"), f"{s['declined']:,}")
    cols[3].metric(t("eng_new"), f"{s['new_members']:,}")
    median = s["median_score"]
    cols[4].metric(t("eng_median"), "—" if median is None else f"{median:.1f}")
    previous = period.previous()
    st.caption(
        t("eng_changes_line").format(
            previous=previous.zh if lang() == "zh" else previous.en,
            newly=s["newly_flagged"],
            cleared=s["no_longer_flagged"],
            fell=s["fell_10_or_more"],
            by_rule=s["flagged_by_rule"],
        )
    )


def status(row_flagged: bool, row_declined: bool, row_new: bool) -> str:
    words = [t(w) for w, on in (("eng_flag", row_flagged), ("eng_decline", row_declined)) if on]
    if row_new:
        words.append(t("eng_new_member"))
    return "、".join(words) if lang() == "zh" else ", ".join(words)


def kind_labels(kinds: pd.Series) -> pd.Series:
    """The kinds' labels, each looked up once (a lookup reads the session's language)."""
    labels = {k: kind_label(k) for k in set(kinds)}
    return kinds.map(labels.__getitem__)


def ranked_table(rows: pd.DataFrame) -> pd.DataFrame:
    reasons = rows["reasons_zh"] if lang() == "zh" else rows["reasons_en"]
    flags = (rows[c].astype(bool) for c in ("flagged", "declined", "new_member"))
    states = list(zip(*flags, strict=True))
    words = {state: status(*state) for state in set(states)}  # each status worded once
    return pd.DataFrame(
        {
            t("eng_rank"): rows["rank"],
            t("unit"): rows["name"],
            t("eng_score"): rows["score"],
            t("eng_score_before"): rows["score_before"],
            t("eng_status"): [words[state] for state in states],
            t("eng_reasons"): reasons,
            t("kind"): kind_labels(rows["kind"]),
            t("street"): rows["street_name"],
            t("community"): rows["community_name"],
        }
    )


def score_columns(*extra: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        t(name): st.column_config.NumberColumn(format="%.1f")
        for name in ("eng_score", "eng_score_before", *extra)
    }
    config[t("eng_reasons")] = st.column_config.TextColumn(width="large")
    return config


def pick_unit(rows: pd.DataFrame, table_key: str) -> str | None:
    """The unit to look at: a click in the table, else the unit list's choice (the first
    flagged unit of the list to begin with)."""
    keys = list(rows["key"])
    if not keys:
        return None
    event = st.session_state.get(table_key)
    picked = list(event["selection"]["rows"]) if event and "selection" in event else []
    clicked = keys[picked[0]] if picked and picked[0] < len(keys) else None
    if clicked and st.session_state.get("eng_clicked") != (table_key, clicked):
        st.session_state["eng_clicked"] = (table_key, clicked)
        st.session_state["eng_unit"] = clicked  # a new click picks the unit
    options = keys[:PICK_CAP]
    current = st.session_state.get("eng_unit")
    if current in keys and current not in options:
        options.append(current)
    if current not in options:
        flagged = rows.loc[rows["flagged"], "key"]
        st.session_state["eng_unit"] = flagged.iloc[0] if len(flagged) else keys[0]
    names = dict(zip(rows["key"], rows["name"], strict=True))
    scores = dict(zip(rows["key"], rows["score"], strict=True))

    labels = {k: f"{names[k]} · {'—' if pd.isna(scores[k]) else f'{scores[k]:.1f}'}" for k in options}
    choice = st.selectbox(t("eng_unit"), options, key="eng_unit", format_func=labels.__getitem__)
    if len(keys) > PICK_CAP:
        st.caption(t("eng_pick_capped").format(cap=PICK_CAP))
    return str(choice) if choice else None


def unit_section(result: Result, key: str, s: Scope) -> None:
    row = unit_row(result, key)
    language = lang()
    st.subheader(plain(row["name"]))
    facts = [kind_label(row["kind"]), str(row["street_name"] or ""), str(row["community_name"] or "")]
    st.caption(plain(" · ".join(f for f in facts if f)))
    top = st.columns([1, 1, 2])
    score, before = row["score"], row["score_before"]
    top[0].metric(
        t("eng_score"),
        "—" if pd.isna(score) else f"{score:.1f}",
        delta=None if pd.isna(before) or pd.isna(score) else f"{score - before:+.1f}",
    )
    top[1].metric(t("eng_score_before"), "—" if pd.isna(before) else f"{before:.1f}")
    top[2].page_link(
        "ui/unit.py",
        label=t("eng_open_profile"),
        icon=":material/apartment:",
        query_params={"unit": f"organization:{key}", **s.to_params()},
    )

    reasons = row["reasons_zh"] if language == "zh" else row["reasons_en"]
    st.markdown(f"**{t('eng_why_declined' if row['declined'] else 'eng_why')}**")
    if reasons:
        st.markdown("\n".join(f"- {plain(r)}" for r in split_reasons(str(reasons), language)))
    else:
        st.caption(t("eng_not_flagged"))

    rows = indicator_rows(result, key, language)
    unit_label, peer_label = t("eng_this_unit"), t("eng_peer_median")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('eng_vs_peers')}**")
        data = chart_data(rows, unit_label, peer_label)
        if len(data):
            st.altair_chart(indicator_chart(data, unit_label, peer_label), width="stretch")
        st.caption(t("eng_chart_help"))
    with right:
        st.markdown(f"**{t('eng_suggestions')}**")
        steps = result.suggestions[result.suggestions["key"] == key]
        if not bool(row["flagged"]):
            st.caption(t("eng_no_suggestions"))
        elif steps.empty:
            st.caption(t("eng_no_steps_found"))
        else:
            texts = steps["zh"] if language == "zh" else steps["en"]
            st.markdown("\n".join(f"{o}. {plain(x)}" for o, x in zip(steps["order"], texts, strict=True)))
    show_table(
        pd.DataFrame(
            {
                t("eng_indicator"): rows["label"],
                t("eng_this_unit"): rows["value_text"],
                t("eng_peer_median"): rows["median_text"],
                t("eng_indicator_score"): rows["score"].map(lambda x: "—" if pd.isna(x) else f"{x:.0%}"),
                t("eng_peers"): rows["peers"],
            }
        ),
        f"{file_part(str(row['name']))}_{result.period.label}",
        key="eng_unit_indicators",
        height="content",
    )


def render() -> None:
    s = scope()
    st.title(t("engagement"))
    st.caption(plain(scope_text(s)))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    period = choose_period(s)
    with st.spinner(t("eng_working")):
        result = for_kinds(analysis(store_key(), stamp(), period.label, s.area), s.kinds)
    ranked = result.ranked
    if ranked.empty:
        st.info(t("eng_nothing"))
        return

    summary(result, period)
    st.download_button(
        t("eng_briefing"),
        lambda: briefing_bytes(result),
        file_name=f"参与度简报_{file_part(result.area_name)}_{period.label}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="eng_briefing",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
        help=t("eng_briefing_help"),
    )

    st.subheader(t("eng_ranked"))
    filters = st.columns([2, 1])
    show = filters[0].radio(
        t("eng_show"),
        SHOW,
        key="eng_show",
        horizontal=True,
        format_func={x: t(f"eng_show_{x}") for x in SHOW}.__getitem__,
    )
    present = sorted(set(ranked["kind"]), key=lambda k: kind_label(k))
    if st.session_state.get("eng_kind") not in (None, *present):
        st.session_state["eng_kind"] = None
    kind = filters[1].selectbox(
        t("kind"),
        [None, *present],
        key="eng_kind",
        format_func={k: t("all") if k is None else kind_label(k) for k in (None, *present)}.__getitem__,
    )
    rows = shown(ranked, str(show), kind)
    name = f"{t('engagement')}_{file_part(result.area_name)}_{period.label}"
    table_key = f"eng_ranked_{show}_{kind or 'all'}"
    chosen: str | None = None
    if rows.empty:
        st.caption(t("eng_none_shown"))
    else:
        st.caption(t("eng_row_picks"))
        show_table(
            ranked_table(rows),
            name,
            key=table_key,
            on_select="rerun",
            selection_mode="single-row",
            column_config=score_columns(),
        )
        chosen = pick_unit(rows, table_key)
    if chosen is not None:
        unit_section(result, chosen, s)

    st.subheader(t("eng_declined_list"))
    settings = result.settings
    st.caption(
        t("eng_declined_help").format(before=f"{settings.declined_from:g}", line=f"{settings.flag_below:g}")
    )
    declined = ranked[ranked["declined"]]
    if declined.empty:
        st.caption(t("none"))
    else:
        show_table(
            pd.DataFrame(
                {
                    t("unit"): declined["name"],
                    t("kind"): kind_labels(declined["kind"]),
                    t("street"): declined["street_name"],
                    t("community"): declined["community_name"],
                    t("eng_score_before"): declined["score_before"],
                    t("eng_score"): declined["score"],
                    t("eng_change"): (declined["score"] - declined["score_before"]).round(1),
                    t("eng_reasons"): declined["reasons_zh" if lang() == "zh" else "reasons_en"],
                }
            ),
            f"{t('eng_declined_list')}_{period.label}",
            key="eng_declined",
            column_config=score_columns("eng_change"),
        )

    with st.expander(t("eng_all_suggestions")):
        steps = result.suggestions
        if steps.empty:
            st.caption(t("none"))
        else:
            show_table(
                pd.DataFrame(
                    {
                        t("unit"): steps["name"],
                        "#": steps["order"],
                        t("eng_step"): steps["zh" if lang() == "zh" else "en"],
                    }
                ),
                f"{t('eng_all_suggestions')}_{period.label}",
                key="eng_steps",
            )

    with st.expander(t("eng_changes")):
        changes = result.changes
        kinds = dict(zip(ranked["key"], ranked["kind"], strict=True))
        yes_no = {True: t("eng_yes"), False: t("eng_no")}
        show_table(
            pd.DataFrame(
                {
                    t("unit"): changes["name"],
                    t("kind"): kind_labels(changes["key"].map(lambda k: kinds.get(k, "other"))),
                    t("street"): changes["street_name"],
                    t("eng_score_before"): changes["score_before"],
                    t("eng_score"): changes["score"],
                    t("eng_change"): changes["change"],
                    t("eng_flagged_before"): changes["flagged_before"].map(lambda v: yes_no.get(v, "—")),
                    t("eng_flag"): changes["flagged"].map(lambda v: yes_no.get(v, "—")),
                }
            ),
            f"{t('eng_changes')}_{period.label}",
            key="eng_changes",
            column_config=score_columns("eng_change"),
        )

    with st.expander(t("eng_indicator_defs")):
        table_ = indicator_table(settings)
        zh = lang() == "zh"
        show_table(
            pd.DataFrame(
                {
                    t("eng_indicator"): table_["zh" if zh else "en"],
                    t("eng_definition"): table_["definition_zh" if zh else "definition_en"],
                    t("eng_weight"): table_["weight"],
                    t("eng_party_only"): table_["party_only"].map({True: "✔", False: ""}),
                }
            ),
            t("eng_indicator_defs"),
            key="eng_indicators",
            column_config={t("eng_definition"): st.column_config.TextColumn(width="large")},
        )


if __name__ == "__main__":
    render()
