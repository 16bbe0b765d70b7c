"""网络 Network: the co-building network of the scope, one unit's or person's ego network, or
the shortest connection between two units, drawn with pyvis (see ui/netview.py)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from graph.model import RELATIONSHIP_TYPES
from ui import netview
from ui.common import (
    current_store,
    describe,
    lang,
    masking,
    person,
    pick,
    scope,
    scope_text,
    show_table,
    stamp,
    store_key,
    t,
    table,
)
from ui.scope import Scope, ancestors, units_in_scope

LARGE = 3000  # units in scope beyond which the scope network asks for a smaller area
MODES = ("scope", "ego", "path")


@st.cache_resource(max_entries=6, show_spinner=False)
def _view(key: str, version: Any, area: str | None, as_of: str) -> nx.MultiDiGraph:
    return current_store().view(area=area, as_of=as_of)


def view(area: str | None, as_of: str) -> nx.MultiDiGraph:
    """The store's graph of an area as of a day, shared between sessions: do not modify it."""
    return _view(store_key(), stamp(), area, as_of)


def home(node: str) -> str | None:
    """The district (else the topmost area below the city) a unit or person belongs to; its
    view holds the node's neighbourhood."""
    areas = table("area", ["key", "name", "level", "parent"])
    paths = ancestors(areas)
    record, _, key = node.partition(":")
    if record == "organization":
        units = table("organization", ["key", "area"])
        places = list(units.loc[units["key"] == key, "area"])
    else:
        posts = table("post", ["person", "org"])
        units = table("organization", ["key", "area"])
        orgs = set(posts.loc[posts["person"] == key, "org"])
        places = list(units.loc[units["key"].isin(orgs), "area"])
        if not places:
            regs = table("registration", ["person", "community"])
            places = list(regs.loc[regs["person"] == key, "community"])
    for place in places:
        path = paths.get(place, {})
        return path.get("district") or path.get("street") or place
    return None


def roll_level(s: Scope) -> str:
    return "community" if s.street else "street"


@st.cache_data(max_entries=16, show_spinner=False)
def drawing(
    key: str,
    version: Any,
    mode: str,
    s: Scope,
    area: str | None,
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
    if mode == "path":  # a connection runs through people, agreements, meetings, projects: not areas
        types = tuple(r for r in types if r not in netview.AREA_TYPES)
    graph = netview.in_period(netview.by_types(view(area, s.end), types, keep=nodes), s.start)
    steps: list[netview.Step] | None = None
    focus: tuple[str, ...] = nodes
    if mode == "ego":
        graph = netview.ego(graph, nodes[0], depth) if nodes[0] in graph else nx.MultiDiGraph()
    elif mode == "path":
        steps = netview.shortest(graph, nodes[0], nodes[1])
        on_path = [nodes[0], *(step.target for step in steps)] if steps else list(nodes)
        graph = graph.subgraph(n for n in on_path if n in graph).copy()
    areas = table("area", ["key", "name", "level", "parent"])
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
        focus=focus,
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
    st.caption(scope_text(s))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    mode_param = st.query_params.get("mode", "scope")
    if "net_mode" not in st.session_state:
        st.session_state["net_mode"] = mode_param if mode_param in MODES else "scope"
    elif mode_param in MODES and mode_param != st.session_state.get("_net_mode_synced"):
        st.session_state["net_mode"] = mode_param
    mode = (
        st.segmented_control(t("net_mode"), MODES, key="net_mode", format_func=lambda m: t(f"net_{m}"))
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
            format_func=lambda r: t(f"rel_{r}"),
            key="net_types",
        )
        measure = mid.selectbox(
            t("size_by"), netview.MEASURES, format_func=lambda m: t(f"measure_{m}"), key="net_measure"
        )
        cap = right.number_input(t("node_cap"), 20, netview.MAX_CAP, netview.CAP, step=10, key="net_cap")

    nodes: tuple[str, ...] = ()
    depth = 1
    area = s.area
    if mode == "scope":
        units = units_in_scope(table("organization", ["key", "kind", "area"]), table("area"), s)
        if area is None and len(units) > LARGE:
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
        nodes, area = (center,), home(center)
    else:
        left, right = st.columns(2)
        with left:
            a = pick(t("path_from"), "path_a", "a", ("organization",))
        with right:
            b = pick(t("path_to"), "path_b", "b", ("organization",))
        if a is None or b is None:
            st.info(t("path_hint"))
            return
        homes = {home(a), home(b)}
        nodes, area = (a, b), homes.pop() if len(homes) == 1 else None

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
            area,
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
            st.warning(t("no_path").format(a=describe(nodes[0]), b=describe(nodes[1])))
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
