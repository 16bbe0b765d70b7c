"""查询 Query: the named queries, each with a form built from its parameters, and free Cypher on a
Neo4j store, all through the read-only runner (graph/queries.py). On the embedded store the
named queries with an embedded twin are answered from what the store computes or the part of its
graph the twin reads; the page says which need Neo4j. A named query's answer is kept per store
revision and values for every visitor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from graph import queries as qs
from graph.errors import GongjianError
from graph.glossary import ATTENDANCE, BOOLEAN, LABELS, ORG_KIND
from graph.neo4j_store import Neo4jStore
from graph.scope import Scope
from ui import netview
from ui.common import (
    current_store,
    lang,
    masking,
    person,
    plain,
    scope,
    show_table,
    stamp,
    store_key,
    t,
    table,
)


def words(text: str) -> str:
    """One language of a "中文 | English" text from a query file."""
    zh, _, en = text.partition(" | ")
    return zh if lang() == "zh" or not en else en


def word(key: str, otherwise: str) -> str:
    """The interface word for ``key``, or ``otherwise`` when the glossary has none."""
    return t(key) if key in LABELS else otherwise


def localized(frame: pd.DataFrame) -> pd.DataFrame:
    """A result in the interface's language: the named queries' columns by their labels, unit
    kinds, statuses, node labels and relationship types in words, yes/no for booleans, and
    nothing (not None) for a missing value. Columns of free Cypher keep their names."""

    def cell(column: str, value: Any) -> Any:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, bool):
            return BOOLEAN.label(str(value).lower(), lang())
        if not isinstance(value, str):
            return value
        if value == qs.CUT and lang() == "en":
            return qs.CUT_EN
        if column == "kind" and value in ORG_KIND.codes:
            return ORG_KIND.label(value, lang())
        if column == "detail" and value in ATTENDANCE.codes:
            return ATTENDANCE.label(value, lang())
        if column == "other_kind":
            return word(f"node_{value}", value)
        if column == "relationship":
            return word(f"rel_{value}", value)
        return value

    out = pd.DataFrame({c: [cell(str(c), v) for v in frame[c]] for c in frame.columns})
    return out.rename(columns={c: word(f"qcol_{c}", str(c)) for c in frame.columns})


def neo4j_of(store: Any) -> tuple[Any, str] | None:
    """The driver and database of a Neo4j store; None for the embedded store."""
    if not isinstance(store, Neo4jStore):
        return None
    return store.driver, store.database


@st.cache_resource(max_entries=32, show_spinner=False)
def _answer(key: str, version: Any, name: str, values: tuple[tuple[str, Any], ...]) -> qs.Result:
    """A named query's answer, once per store state and values; shared: do not modify it. On
    Neo4j the query run read-only on the server, on the embedded store its answer from what the
    store computes or the rows its twin reads (queries.answer)."""
    given = dict(values)
    store = current_store()
    server = neo4j_of(store)
    if server is not None:
        return qs.run_named(server[0], server[1], name, given)
    return qs.answer(store, name, given)


def prefill(param: qs.Param, s: Scope) -> Any:
    """A form's first value for a parameter, taken from the sidebar scope where it fits."""
    if param.type == "date":
        if param.name in ("since", "from", "start"):
            return dt.date.fromisoformat(s.start)
        if param.default == "" and param.name not in ("as_of", "on"):
            return None
        return dt.date.fromisoformat(s.end)
    if param.name == "area" and s.area:
        return s.area
    if param.name in ("unit", "from_unit") and st.session_state.get("unit_pick"):
        return str(st.session_state["unit_pick"]).partition(":")[2]
    return ""


def form(query: qs.NamedQuery, s: Scope) -> dict[str, Any]:
    values: dict[str, Any] = {}
    cols = st.columns(min(len(query.params), 3) or 1)
    for i, p in enumerate(query.params):
        col = cols[i % len(cols)]
        caption = f"{word(f'qparam_{p.name}', p.name)}{'' if p.required else ' ' + t('optional')}"
        key = f"q_{query.name}_{p.name}"
        first = prefill(p, s)
        if p.type == "date":
            chosen = col.date_input(caption, value=first, help=words(p.help), key=key)
            values[p.name] = chosen.isoformat() if isinstance(chosen, dt.date) else ""
        elif p.type == "int":
            values[p.name] = col.number_input(
                caption, value=int(first or 0), step=1, help=words(p.help), key=key
            )
        else:
            values[p.name] = col.text_input(caption, value=str(first), help=words(p.help), key=key)
    return values


def masked(result: qs.Result) -> pd.DataFrame:
    """The rows as a table; people's names (and keys that are names) masked when masking is on."""
    if masking():
        people = table("person")
        result = qs.mask_result(result, qs.person_secrets(people["key"], people["name"], people["code"]))

    def cell(value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(cell(v)) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
        return value

    return pd.DataFrame([[cell(v) for v in row] for row in result.rows], columns=list(result.columns))


def show_result(result: qs.Result, name: str) -> None:
    notice = result.notice(lang())
    if notice:
        st.warning(notice)
    st.caption(t("rows_returned").format(rows=len(result.rows)))
    frame = masked(result)
    linked = "unit_key" in frame.columns and frame["unit_key"].map(lambda k: isinstance(k, str)).all()
    units = [f"organization:{k}" for k in frame["unit_key"]] if linked else None
    show_table(localized(frame), name, key=f"result_{name}", units=units)
    if result.nodes:
        graph = netview.result_graph(result.nodes, result.relationships)
        areas = table("area")
        d = netview.draw(
            graph,
            lang=lang(),
            mask=person if masking() else str,
            area_names=dict(zip(areas["key"], areas["name"], strict=True)),
            roll_to={},
        )
        if d.rolled:
            st.info(t("capped").format(shown=d.shown, total=d.total, rolled=d.rolled, groups=d.groups))
        st.iframe(netview.to_html(d, heading=name, lang=lang()), height=netview.height_for(d) + 110)


def render() -> None:
    s = scope()
    st.title(t("query"))
    store = current_store()
    server = neo4j_of(store)
    named = qs.load_queries()
    if server is None:
        needs = [words(q.title) for q in named.values() if not q.has_twin]
        if needs:
            st.info(t("embedded_queries").format(needs="、".join(needs)))
        else:
            st.info(t("embedded_queries_all"))
    tab_named, tab_free = st.tabs([t("named_queries"), t("free_cypher")])
    with tab_named:
        name = st.selectbox(
            t("pick_query"),
            list(named),
            format_func={
                n: words(q.title) + ("" if server or q.has_twin else f"（{t('needs_neo4j')}）")
                for n, q in named.items()
            }.__getitem__,
            key="query_name",
        )
        query = named[name]
        st.caption(plain(words(query.description)))
        runnable = server is not None or query.has_twin
        with st.form(f"form_{name}"):
            values = form(query, s)
            go = st.form_submit_button(t("run"), type="primary", disabled=not runnable)
        if not runnable:
            st.warning(t("query_needs_neo4j"))
        if go:
            try:
                with st.spinner(t("running")):
                    result = _answer(store_key(), stamp(), name, tuple(sorted(values.items())))
            except GongjianError as err:
                st.error(plain(err.text(lang())))
            else:
                show_result(result, words(query.title))
    with tab_free:
        if server is None:
            st.info(t("free_needs_neo4j"))
        elif masking():  # a statement can spell a name any way it likes: no free Cypher
            st.info(t("free_cypher_masked"))
        else:
            with st.form("free"):
                cypher = st.text_area(
                    t("cypher"),
                    "MATCH (o:Organization) RETURN o.name AS name, o.kind AS kind LIMIT 25",
                    height=160,
                )
                go = st.form_submit_button(t("run"), type="primary")
            st.caption(t("read_only_note").format(limit=qs.ROW_LIMIT, timeout=int(qs.TIMEOUT_S)))
            if go:
                try:
                    with st.spinner(t("running")):
                        result = qs.run(server[0], server[1], cypher)
                except GongjianError as err:
                    st.error(plain(err.text(lang())))
                else:
                    show_result(result, t("free_cypher"))


if __name__ == "__main__":
    render()
