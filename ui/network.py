"""网络 Network: the co-building network of the scope, one unit's or person's ego network, or
the shortest connection between two units, drawn with pyvis (see ui/netview.py)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from graph import reach
from graph.model import RECORDS, RELATIONSHIP_TYPES
from graph.scope import Scope, ancestors, units_in_scope
from ui import netview
from ui.common import (
    current_store,
    describe,
    lang,
    masking,
    person,
    pick,
    plain,
    scope,
    scope_text,
    show_table,
    stamp,
    store_key,
    t,
    table,
)

LARGE = 3000  # units in scope beyond which the scope network asks for a smaller area
MODES = ("scope", "ego", "path")


@st.cache_resource(max_entries=6, show_spinner=False)
def _view(key: str, version: Any, area: str | None, as_of: str) -> nx.MultiDiGraph:
    return current_store().view(area=area, as_of=as_of)


def view(area: str | None, as_of: str) -> nx.MultiDiGraph:
    """The store's graph of an area as of a day, shared between sessions: do not modify it."""
    return _view(store_key(), stamp(), area, as_of)


@st.cache_resource(max_entries=4, show_spinner=False)
def _reach(key: str, version: Any, start: str, end: str) -> reach.Index:
    return reach.index({r: table(r) for r in RECORDS}, start, end)


def whole(s: Scope) -> reach.Index:
    """Every relationship in the store for the period, to follow from one node anywhere."""
    return _reach(store_key(), stamp(), s.start, s.end)


def roll_level(s: Scope) -> str:
    return "community" if s.street else "street"


@st.cache_data(max_entries=16, show_spinner=False)
def drawing(
    key: str,
    version: Any,
    mode: str,
    s: Scope,
    nodes: tuple[str, ...],
    depth: int,
    types: tuple[str, ...],
    cap: int,
    measure: str,
    language: str,
    mask: bool,
    heading: str,
) -> dict[str, Any]:
    """The drawing of one view, its HTML, and for a path the steps (cached per choice)."""
    steps: list[netview.Step] | None = None
    if mode == "scope":
        graph = netview.in_period(netview.by_types(view(s.area, s.end), types), s.start)
    elif mode == "ego":
        graph = reach.ego(whole(s), nodes[0], depth, types)
    else:  # a connection runs through people, agreements, meetings, projects: not areas
        found = reach.path(whole(s), nodes[0], nodes[1], [r for r in types if r not in netview.AREA_TYPES])
        graph = found if found is not None else nx.MultiDiGraph()
        steps = netview.shortest(graph, nodes[0], nodes[1]) if found is not None else None
        if steps is None:
            graph = nx.MultiDiGraph()
    areas = table("area")
    paths = ancestors(areas)
    level = roll_level(s)
    names = dict(zip(areas["key"], areas["name"], strict=True))
    roll_to = {k: p.get(level, k) for k, p in paths.items()}
    mask_fn = person if mask else str
    d = netview.draw(
        graph,
        lang=language,
        mask=mask_fn,
        area_names=names,
        roll_to=roll_to,
        cap=cap,
        measure=measure,
        focus=nodes,
    )
    rows = []
    if steps:
        for i, step in enumerate(steps, 1):
            rows.append({"step": i, "text": netview.describe_step(graph, step, language, mask_fn)})
    return {
        "drawing": d,
        "html": netview.to_html(d, heading=heading, lang=language),
        "steps": rows,
        "found": steps is not None,
    }


def render() -> None:
    s = scope()
    st.title(t("network"))
    st.caption(plain(scope_text(s)))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    mode_param = st.query_params.get("mode", "scope")
    if "net_mode" not in st.session_state:
        st.session_state["net_mode"] = mode_param if mode_param in MODES else "scope"
    elif mode_param in MODES and mode_param != st.session_state.get("_net_mode_synced"):
        st.session_state["net_mode"] = mode_param
    mode = (
        st.segmented_control(
            t("net_mode"), MODES, key="net_mode", format_func={m: t(f"net_{m}") for m in MODES}.__getitem__
        )
        or "scope"
    )
    st.session_state["_net_mode_synced"] = mode
    st.query_params["mode"] = mode

    with st.expander(t("net_options"), expanded=False):
        left, mid, right = st.columns([3, 1, 1])
        types = left.multiselect(
            t("rel_types"),
            list(RELATIONSHIP_TYPES),
            default=list(netview.DEFAULT_TYPES),
            format_func={r: t(f"rel_{r}") for r in RELATIONSHIP_TYPES}.__getitem__,
            key="net_types",
        )
        measure = mid.selectbox(
            t("size_by"),
            netview.MEASURES,
            format_func={m: t(f"measure_{m}") for m in netview.MEASURES}.__getitem__,
            key="net_measure",
        )
        cap = right.number_input(t("node_cap"), 20, netview.MAX_CAP, netview.CAP, step=10, key="net_cap")

    nodes: tuple[str, ...] = ()
    depth = 1
    if mode == "scope":
        units = units_in_scope(table("organization"), table("area"), s)
        if s.area is None and len(units) > LARGE:
            st.info(t("pick_smaller").format(units=len(units)))
            return
    elif mode == "ego":
        left, right = st.columns([3, 1])
        with left:
            center = pick(t("ego_search"), "ego", "node")
        if "net_depth" not in st.session_state:
            raw = st.query_params.get("depth", "1")
            st.session_state["net_depth"] = int(raw) if raw in ("1", "2", "3") else 1
        depth = right.slider(t("depth"), 1, 3, key="net_depth")
        st.query_params["depth"] = str(depth)
        if center is None:
            st.info(t("ego_hint"))
            return
        nodes = (center,)
    else:
        left, right = st.columns(2)
        with left:
            a = pick(t("path_from"), "path_a", "a", ("organization",))
        with right:
            b = pick(t("path_to"), "path_b", "b", ("organization",))
        if a is None or b is None:
            st.info(t("path_hint"))
            return
        nodes = (a, b)

    what = {
        "scope": t("net_scope"),
        "ego": f"{t('net_ego')}: {describe(nodes[0]) if nodes else ''} · {t('depth')} {depth}",
        "path": f"{t('net_path')}: {' — '.join(describe(n) for n in nodes)}",
    }[mode]
    with st.spinner(t("drawing")):
        result = drawing(
            store_key(),
            stamp(),
            mode,
            s,
            nodes,
            depth,
            tuple(types),
            int(cap),
            measure,
            lang(),
            masking(),
            f"{what} · {scope_text(s)}",
        )
    d: netview.Drawing = result["drawing"]
    if mode == "path":
        if not result["found"]:
            st.warning(t("no_path").format(a=plain(describe(nodes[0])), b=plain(describe(nodes[1]))))
        else:
            steps = pd.DataFrame(result["steps"]).rename(columns={"step": t("step"), "text": t("connection")})
            show_table(steps, t("net_path"), key="path_steps")
    if d.total == 0:
        st.info(t("nothing_to_draw"))
        return
    if d.rolled:
        st.info(t("capped").format(shown=d.shown, total=d.total, rolled=d.rolled, groups=d.groups))
    st.caption(t("net_counts").format(nodes=d.total, edges=len(d.edges)))
    st.iframe(result["html"], height=netview.height_for(d) + 110)
    st.download_button(
        t("download_html"),
        result["html"],
        file_name=f"gongjian-{mode}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
    )


if __name__ == "__main__":
    render()
