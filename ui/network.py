"""网络 Network: search anything, then explore by clicking (ui/graphview.py sends the clicks
back); the scope as an aggregated picture one drills into (graph/aggregate.py), stepped quarter
by quarter; units tied by the people they share; the shortest connection between two units.
Drawn with pyvis's vis-network (see ui/netview.py); the details of a clicked node come from
graph/details.py."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from graph import aggregate, details, engagement, reach, search
from graph.glossary import ATTENDANCE, ORG_KIND, PROJECT_STATUS
from graph.model import RECORDS, RELATIONSHIP_TYPES
from graph.scope import (
    Scope,
    ancestors,
    previous_quarter,
    quarter_end,
    quarter_start,
    quarters,
    units_in_scope,
)
from ui import graphview, netview
from ui.common import (
    current_store,
    describe,
    from_link,
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
    tables,
    to_link,
)

MODES = ("ego", "scope", "interlock", "path")
INTERLOCK_MAX = 120  # units drawn in the interlock view: the most interlocked


def explored(
    s: Scope, center: str, depth: int, expanded: tuple[str, ...], types: tuple[str, ...]
) -> nx.MultiDiGraph:
    """What the explorer shows (reach.explore), from the rows around the nodes it starts from,
    read by key and reference: never the whole store."""
    found = reach.neighbourhood(current_store().rows, {center: depth, **dict.fromkeys(expanded, 1)}, types)
    return reach.explore(reach.index(found, s.start, s.end), center, depth, expanded, types)


def connected(s: Scope, a: str, b: str, types: tuple[str, ...]) -> nx.MultiDiGraph | None:
    """One shortest connection from ``a`` to ``b`` (reach.path), from the rows around both ends
    read by key and reference until they meet: never the whole store."""
    rows = reach.connection(current_store().rows, a, b, types, reach.period_links(s.start, s.end, types))
    return None if rows is None else reach.path(reach.index(rows, s.start, s.end), a, b, types)


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
    expanded: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The drawing of an exploration (``ego``) or a connection (``path``), and for a path the
    steps (cached per choice). An exploration with ``expanded`` nodes keeps the positions of the
    drawing before the last expansion."""
    steps: list[netview.Step] | None = None
    anchor = None
    if mode == "ego" and expanded:
        before = drawing(
            key, version, mode, s, nodes, depth, types, cap, measure, language, mask, heading, expanded[:-1]
        )
        anchor = {n["id"]: (n["x"], n["y"]) for n in before["drawing"].nodes}
    if mode == "ego":
        if nodes[0].startswith("area:"):  # an area's neighbours are its units and areas
            types = tuple(dict.fromkeys([*types, "IN_AREA", "PART_OF"]))
        graph = explored(s, nodes[0], depth, expanded, types)
    else:  # a connection runs through people, agreements, meetings, projects: not areas
        found = connected(s, nodes[0], nodes[1], tuple(r for r in types if r not in netview.AREA_TYPES))
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
        anchor=anchor,
    )
    rows = []
    if steps:
        for i, step in enumerate(steps, 1):
            rows.append({"step": i, "text": netview.describe_step(graph, step, language, mask_fn)})
    d.note = heading
    if mode == "ego":  # an exploration grows: its positions are Python's, kept from step to step
        d.physics = False
    return {
        "drawing": d,
        "steps": rows,
        "found": steps is not None,
    }


@st.cache_resource(max_entries=16, show_spinner=False)
def _unit_net(key: str, version: Any, s: Scope, start: str, end: str) -> Any:
    found = tables(s.area, ("area", "organization", "post", "agreement", "project"))
    if s.area is not None:  # the ties touching the scope's units, not those among their partners
        units = units_in_scope(found["organization"], found["area"], s)
        found = aggregate.touching(found, units["key"])
    return aggregate.unit_network(found, start, end)


def unit_net(s: Scope, start: str, end: str) -> Any:
    """The unit network (graph.structure.unit_network) of a span, with every tie touching the
    scope's units; shared: do not modify it."""
    return _unit_net(store_key(), stamp(), s, start, end)


def level_below(s: Scope) -> str:
    return "community" if s.street else "street" if s.district else "district"


@st.cache_data(max_entries=32, show_spinner=False)
def picture(
    key: str, version: Any, s: Scope, group_by: str, drill: str, quarter: str, language: str, mask: bool
) -> dict[str, Any]:
    """The scope as an aggregated picture (groups of units, by area below or by cluster), or the
    drilled group's (or the community's) units and their direct partners; in a quarter, with
    what appeared and ended since the quarter before marked."""
    areas = table("area")
    area_names = dict(zip(areas["key"], areas["name"], strict=True))
    start, end = (quarter_start(quarter), quarter_end(quarter)) if quarter else (s.start, s.end)
    level = "unit" if s.community else level_below(s)
    counts = group_by == "area" and not drill and level != "unit"  # counted by the store
    units = None if counts else units_in_scope(tables(s.area, ("organization",))["organization"], areas, s)

    def shape(first: str, last: str) -> tuple[Any, dict[str, str]]:
        if units is None:
            store = current_store()
            found, groups = aggregate.area_picture(
                lambda by: store.group_ties(by, first, last, s.kinds), areas, s.area, level
            )
        else:
            found, groups = aggregate.picture(unit_net(s, first, last), units, areas, level, group_by, drill)
        cluster = t("cluster")
        return found, {
            n: f"{cluster} {g}" if group_by == "cluster" else area_names.get(g, g) for n, g in groups.items()
        }

    now, names = shape(start, end)
    changed = None
    note = ""
    if quarter:
        before_q = previous_quarter(quarter)
        before, _ = shape(quarter_start(before_q), quarter_end(before_q))
        changed = aggregate.changes(before, now)
        union = before.copy()
        union.add_nodes_from(now.nodes(data=True))
        union.add_edges_from(now.edges(data=True))
        now = union
        note = t("quarter_changes").format(
            quarter=quarter,
            added_nodes=len(changed.added_nodes),
            added_edges=len(changed.added_edges),
            ended_nodes=len(changed.ended_nodes),
            ended_edges=len(changed.ended_edges),
        )
    d = netview.draw_picture(
        now, lang=language, mask=person if mask else str, group_names=names, changed=changed
    )
    d.note = note
    return {"drawing": d, "groups": names}


@st.cache_data(max_entries=16, show_spinner=False)
def interlocks(key: str, version: Any, s: Scope, language: str, mask: bool) -> netview.Drawing:
    """Units of the scope tied by the people holding posts in both at the period's end, from
    the posts the store reads for the scope (aggregate.interlock_of)."""
    graph, people = aggregate.interlock_of(current_store(), table("area"), s)
    if len(graph) > INTERLOCK_MAX:
        top = sorted(graph.nodes, key=lambda n: (-graph.degree(n, weight="weight"), n))[:INTERLOCK_MAX]
        graph = graph.subgraph(top).copy()
    return netview.draw_picture(
        graph, lang=language, mask=person if mask else str, group_names={}, people=people
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _scores(key: str, version: Any, street: str | None, period: str) -> dict[str, float]:
    try:
        result = engagement.engagement(current_store(), period, street, with_structure=False)
    except Exception:  # no member units there, or none judged: no score to show
        return {}
    return dict(zip(result.ranked["key"], result.ranked["score"].astype(float), strict=True))


def score_of(unit: str, s: Scope) -> float | None:
    """The unit's engagement score for the scope's last quarter's year, among its street's units."""
    area = current_store().rows("organization", "key", [unit])["area"]
    if area.empty:
        return None
    street = ancestors(table("area")).get(str(area.iloc[0]), {}).get("street")
    return _scores(store_key(), stamp(), street, s.last[:4]).get(unit)


def fact_label(record: str, field: str) -> str:
    """A field's header in the ledger (the model's), else an interface word."""
    try:
        column = RECORDS[record].column(field)
    except KeyError:
        return t(field)
    return column.zh[0] if lang() == "zh" else column.en[0]


@st.cache_data(max_entries=64, show_spinner=False)
def _details(key: str, version: Any, node: str, end: str) -> details.Details | None:
    return details.details(node, details.rows_for(node, current_store().rows), end)


def show_details(node: str, s: Scope) -> None:
    """The details panel of a clicked node (graph/details.py), read by key and reference, with a
    button to its unit page; a unit's engagement score (an analysis of its whole street and
    its peers) when asked for."""
    found = _details(store_key(), stamp(), node, s.end)
    if found is None:
        return
    if found.record == "organization":
        asked = st.session_state.setdefault("net_scores", [])
        if node in asked:
            found.facts["score"] = score_of(found.key, s)
    name = person(found.name) if found.record == "person" else found.name
    st.subheader(plain(name))
    st.caption(netview.record_label(found.record, lang()))
    words = (
        {"kind": ORG_KIND.label(str(found.facts.get("kind")), lang())}
        if found.record == "organization"
        else {}
    )
    for field, value in found.facts.items():
        if value is None or value == "":
            continue
        shown = words.get(field, f"{value:.0f}" if isinstance(value, float) else value)
        st.markdown(f"**{fact_label(found.record, field)}**：{plain(shown)}")
    if found.record == "organization":
        row = st.container(horizontal=True)
        if row.button(t("open_unit"), key="net_open_unit", icon=":material/apartment:"):
            st.switch_page("ui/unit.py", query_params={"unit": node, **s.to_params()})
        if node not in st.session_state["net_scores"] and row.button(
            t("score"), key="net_score", icon=":material/leaderboard:"
        ):
            st.session_state["net_scores"].append(node)
            st.rerun()
    if found.posts:
        frame = pd.DataFrame(found.posts).fillna("")
        if "person" in frame:
            frame["person"] = frame["person"].map(person)
        cols = [c for c in ("person", "org", "role", "start", "end") if c in frame]
        st.dataframe(
            frame[cols].rename(columns={c: t(c) if c != "org" else t("unit") for c in cols}), hide_index=True
        )
    if found.agreements:
        frame = pd.DataFrame(found.agreements)[["title", "signed", "expires", "parties"]].fillna("")
        st.dataframe(frame.rename(columns={c: t(c) for c in frame.columns}), hide_index=True)
    if found.meetings:
        frame = pd.DataFrame(found.meetings)
        frame["status"] = frame["status"].map(lambda c: ATTENDANCE.label(str(c), lang()))
        st.dataframe(frame.rename(columns={c: t(c) for c in frame.columns}), hide_index=True)
    if found.parties:
        frame = pd.DataFrame(found.parties)
        frame["kind"] = frame["kind"].map(lambda c: ORG_KIND.label(str(c), lang()))
        st.dataframe(
            frame[["name", "kind"]].rename(columns={"name": t("unit"), "kind": t("kind")}), hide_index=True
        )
    if found.projects:
        frame = pd.DataFrame(found.projects).fillna("")
        frame["status"] = frame["status"].map(lambda c: PROJECT_STATUS.label(str(c), lang()) if c else "")
        st.dataframe(frame.rename(columns={c: t(c) for c in frame.columns}), hide_index=True)


def canvas(d: netview.Drawing, *, key: str) -> Any:
    """The drawing, clickable; a click's node goes to ``net_selected``, an expansion to the
    explorer, an open to the unit page."""
    event = graphview.show(
        d,
        key=key,
        words={"expand": t("expand"), "open": t("open_unit")},
        selected=to_link(st.session_state.get("net_selected") or "") or None,
    )
    if event is None:
        return None
    # With names masked the drawing's person ids are tokens: back to nodes here.
    event = {k: from_link(v) if isinstance(v, str) else v for k, v in event.items()}
    if event.get("select") is not None:
        st.session_state["net_selected"] = event["select"] or None
    if event.get("open"):
        st.switch_page("ui/unit.py", query_params={"unit": event["open"], **scope().to_params()})
    return event


def render() -> None:
    s = scope()
    st.title(t("network"))
    st.caption(plain(scope_text(s)))
    if not any(n for _, n in stamp()):
        st.info(t("empty_store"))
        return
    # 1. search, the first thing on the page
    if "find" in st.query_params and st.query_params["find"] != st.session_state.get("_net_find"):
        st.session_state["_net_find"] = st.query_params["find"]
        st.session_state["net_q"] = st.query_params["find"]
        st.session_state["net_mode"] = "ego"
    before = st.session_state.get("net_pick")
    center = pick(t("search_all"), "net", "node", search.ALL)
    if center is not None and center != before:  # a new search result opens in the explorer
        st.session_state["net_mode"] = "ego"
        st.session_state["net_expanded"] = []
        st.session_state["net_selected"] = center
    if "find" in st.query_params:
        del st.query_params["find"]

    mode_param = st.query_params.get("mode", "ego" if center else "scope")
    if "net_mode" not in st.session_state:
        st.session_state["net_mode"] = mode_param if mode_param in MODES else "scope"
    elif mode_param in MODES and mode_param != st.session_state.get("_net_mode_synced"):
        st.session_state["net_mode"] = mode_param
    mode = (
        st.segmented_control(
            t("net_mode"),
            MODES,
            key="net_mode",
            format_func={
                m: t({"ego": "net_explore", "scope": "net_picture"}.get(m, f"net_{m}")) for m in MODES
            }.__getitem__,
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

    draw_col, panel = st.columns([3, 1])
    d: netview.Drawing | None = None
    if mode == "scope":
        d = scope_picture(s, draw_col)
    elif mode == "interlock":
        with draw_col:
            d = interlocks(store_key(), stamp(), s, lang(), masking())
            st.caption(t("net_counts").format(nodes=len(d.nodes), edges=len(d.edges)))
            canvas(d, key="net_canvas_interlock")
    else:
        with draw_col:
            d = explore_or_path(mode, s, center, tuple(types), int(cap), measure)
    selected = st.session_state.get("net_selected")
    with panel:
        st.caption(t("click_hint"))
        if selected and not selected.startswith((aggregate.GROUP, netview.ROLLUP)):
            show_details(selected, s)
        elif selected and d is not None:  # a group or a roll-up: what it holds, how to open it
            node = next((n for n in d.nodes if n["id"] == selected), None)
            if node is not None:
                st.subheader(plain(node["label"] or node.get("name", "")))
                st.text(node["title"])
                if selected.startswith(aggregate.GROUP):
                    st.caption(t("group_hint"))
    if d is not None and d.nodes:
        html = netview.to_html(d, heading=d.note or scope_text(s), lang=lang())
        draw_col.download_button(
            t("download_html"),
            html,
            file_name=f"gongjian-{mode}.html",
            mime="text/html",
            on_click="ignore",
            icon=":material/download:",
        )


def scope_picture(s: Scope, where: Any) -> netview.Drawing | None:
    """The aggregated picture of the scope, a group drilled into, a quarter stepped to."""
    with where:
        left, mid, right = st.columns([1, 1, 2])
        group_by = left.radio(
            t("group_by"),
            ("area", "cluster"),
            format_func={"area": t("group_area"), "cluster": t("group_cluster")}.__getitem__,
            key="net_group_by",
            horizontal=True,
        )
        period = quarters(s.first, s.last)
        quarter = right.select_slider(
            t("quarter"), ["", *period], format_func=lambda q: q or t("whole_period"), key="net_quarter"
        )
        if "_net_drill_to" in st.session_state:
            st.session_state["net_drill"] = st.session_state.pop("_net_drill_to")
        elif "net_drill" not in st.session_state:  # arrived by a link
            st.session_state["net_drill"] = st.query_params.get("group", "")
        drill = st.session_state.get("net_drill") or ""
        result = picture(store_key(), stamp(), s, group_by, drill, quarter, lang(), masking())
        groups: dict[str, str] = result["groups"]
        options = ["", *sorted(g[len(aggregate.GROUP) :] for g in groups)] if groups or drill else [""]
        if drill and drill not in options:
            options.append(drill)
        names = {g[len(aggregate.GROUP) :]: n for g, n in groups.items()}
        areas = dict(zip(table("area")["key"], table("area")["name"], strict=True))
        mid.selectbox(
            t("drill"),
            options,
            key="net_drill",
            format_func=lambda g: (
                t("whole_picture") if not g else names.get(g) or areas.get(g) or f"{t('cluster')} {g}"
            ),
        )
        if st.session_state.get("net_drill"):
            st.query_params["group"] = st.session_state["net_drill"]
        elif "group" in st.query_params:
            del st.query_params["group"]
        d: netview.Drawing = result["drawing"]
        if d.note:
            st.caption(plain(d.note))
        if not d.nodes:
            st.info(t("nothing_to_draw"))
            return d
        st.caption(t("net_counts").format(nodes=len(d.nodes), edges=len(d.edges)))
        event = canvas(d, key="net_canvas_scope")
        if event is not None and event.get("expand"):
            target = str(event["expand"])
            if target.startswith(aggregate.GROUP):
                st.session_state["_net_drill_to"] = target[len(aggregate.GROUP) :]
            else:
                st.session_state["net_pick"] = target
                st.session_state["net_mode"] = "ego"
                st.session_state["net_expanded"] = []
            st.rerun()
        return d


def explore_or_path(
    mode: str, s: Scope, center: str | None, types: tuple[str, ...], cap: int, measure: str
) -> netview.Drawing | None:
    nodes: tuple[str, ...] = ()
    depth = 1
    if mode == "ego":
        if "net_depth" not in st.session_state:
            raw = st.query_params.get("depth", "1")
            st.session_state["net_depth"] = int(raw) if raw in ("1", "2", "3") else 1
        left, right = st.columns([3, 1])
        if "_net_depth_to" in st.session_state:  # the center was expanded: one step further
            st.session_state["net_depth"] = st.session_state.pop("_net_depth_to")
        depth = left.slider(t("depth"), 1, 3, key="net_depth")
        st.query_params["depth"] = str(depth)
        if center is None:
            st.info(t("ego_hint"))
            return None
        nodes = (center,)
        expanded = tuple(st.session_state.get("net_expanded") or ())
        if expanded:
            right.caption(t("expanded_nodes").format(count=len(expanded)))
            if right.button(t("reset_canvas"), key="net_reset"):
                st.session_state["net_expanded"] = []
                st.rerun()
    else:
        expanded = ()
        left, right = st.columns(2)
        with left:
            a = pick(t("path_from"), "path_a", "a", ("organization",))
        with right:
            b = pick(t("path_to"), "path_b", "b", ("organization",))
        if a is None or b is None:
            st.info(t("path_hint"))
            return None
        nodes = (a, b)
    what = {
        "ego": f"{t('net_explore')}: {describe(nodes[0]) if nodes else ''} · {t('depth')} {depth}",
        "path": f"{t('net_path')}: {' — '.join(describe(n) for n in nodes)}",
    }[mode]
    with st.spinner(t("drawing")):
        result = drawing(
            store_key(), stamp(), mode, s, nodes, depth, types, cap, measure, lang(), masking(),
            f"{what} · {scope_text(s)}", expanded,
        )  # fmt: skip
    d: netview.Drawing = result["drawing"]
    if mode == "path":
        if not result["found"]:
            st.warning(t("no_path").format(a=plain(describe(nodes[0])), b=plain(describe(nodes[-1]))))
        else:
            steps = pd.DataFrame(result["steps"]).rename(columns={"step": t("step"), "text": t("connection")})
            show_table(steps, t("net_path"), key="path_steps")
    if d.total == 0:
        st.info(t("nothing_to_draw"))
        return None
    if mode == "ego" and to_link(nodes[0]) not in {n["id"] for n in d.nodes}:
        st.warning(t("not_in_period").format(name=plain(describe(nodes[0])), period=plain(scope_text(s))))
    if d.rolled:
        st.info(t("capped").format(shown=d.shown, total=d.total, rolled=d.rolled, groups=d.groups))
    st.caption(t("net_counts").format(nodes=d.total, edges=len(d.edges)))
    event = canvas(d, key="net_canvas_explore")
    if mode == "ego" and event is not None and event.get("expand"):
        target = str(event["expand"])
        if target.startswith(netview.ROLLUP):
            return d
        if target == center and depth < 3:
            st.session_state["_net_depth_to"] = depth + 1
            st.rerun()
        if target not in expanded and target != center:
            st.session_state["net_expanded"] = [*expanded, target]
            st.rerun()
    return d


if __name__ == "__main__":
    render()
