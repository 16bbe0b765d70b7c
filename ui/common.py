"""What every page shares: the store, the language, the sidebar scope, masking, tables.

The scope controls live in the sidebar that app.py draws before the page, so they keep their
values from page to page; they are mirrored into the URL's query parameters on every run,
so a view can be shared as a link.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from graph import search, settings, stores
from graph.embedded import node_id
from graph.errors import GongjianError
from graph.glossary import ORG_KIND, label
from graph.model import RECORDS
from graph.queries import mask_name
from graph.scope import LEVELS, Scope, children, default_period, quarters, scope_from_params, store_span
from graph.store import Store
from ui import export
from ui.netview import masked_id

SCOPE_KEYS = ("district", "street", "community", "period", "kinds")

# --- the store ----------------------------------------------------------------------------


def signed_in() -> bool:
    """True when the app needs no login (no app_password setting) or this session gave the
    password; otherwise draws the login form and returns False."""
    password = settings.get("app_password")
    if not password or st.session_state.get("signed_in"):
        return True
    st.title(label("app_title"))
    with st.form("login"):
        given = st.text_input(t("password"), type="password")
        if st.form_submit_button(t("sign_in")):
            if hmac.compare_digest(given.encode(), password.encode()):
                st.session_state["signed_in"] = True
                st.rerun()
            st.error(t("wrong_password"))
    return False


def store_kind() -> str:
    """The store chosen in the sidebar (default: the store setting)."""
    if "store_kind" not in st.session_state:
        wanted = st.query_params.get("store")
        st.session_state["store_kind"] = wanted if wanted in stores.KINDS else settings.get("store")
    return str(st.session_state["store_kind"])


def store_key() -> str:
    """Names the current store in cache keys (never holds a password)."""
    if store_kind() == "neo4j":
        return f"neo4j:{settings.get('neo4j_uri') or 'local'}/{settings.get('neo4j_database')}"
    return f"embedded:{settings.store_path()}"


@st.cache_resource(show_spinner=False)
def _open(key: str) -> Store:
    """One store per key for the whole app: the embedded store serializes access between
    sessions; the Neo4j driver is thread-safe."""
    return stores.open_store(key.partition(":")[0])


def current_store() -> Store:
    """The store, or the page stops with what to do when it cannot be opened."""
    try:
        return _open(store_key())
    except GongjianError as err:
        st.error(t("store_unavailable") + plain(err.text(lang())))
        st.stop()
        raise  # not reached: st.stop() ends the run


def store_label() -> str:
    """The store in words for the user: 内置（SQLite）· default, or Neo4j · neo4j."""
    if store_kind() == "neo4j":
        return f"{t('store_neo4j')} · {settings.get('neo4j_database')}"
    return f"{t('store_embedded')} · {settings.get('store_name')}"


def stamp() -> tuple[tuple[str, int], ...]:
    """The store's revision, then its rows per record type: part of every cache key, so that
    any write from elsewhere (a CLI load that changes values but no row counts) shows up. The
    revision is read on every run (one row); the counts once per revision."""
    revision = current_store().revision()
    return (("revision", revision), *_counts(store_key(), revision))


@st.cache_resource(max_entries=8, show_spinner=False)
def _counts(key: str, revision: int) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(current_store().counts().items()))


@st.cache_resource(max_entries=64)
def _table(
    key: str, version: tuple[tuple[str, int], ...], record: str, columns: tuple[str, ...]
) -> pd.DataFrame:
    return current_store().table(record, list(columns) or None)


def fields(record: str) -> tuple[str, ...]:
    """The columns the app reads of a record: its key and fields (not where a row came from)."""
    return ("key", *(c.name for c in RECORDS[record].columns))


def table(record: str) -> pd.DataFrame:
    """A store table (see :func:`fields`), read once per store state and shared between
    sessions and pages: do not modify it."""
    return _table(store_key(), stamp(), record, fields(record))


@st.cache_resource(max_entries=16, show_spinner=False)
def _scoped(key: str, version: tuple[tuple[str, int], ...], area: str) -> dict[str, pd.DataFrame]:
    rows = current_store().scoped(area)
    return {record: frame[list(fields(record))] for record, frame in rows.items()}


def tables(area: str | None, records: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The tables a page needs for the scope of an area: the rows the store reads for it
    (``Store.scoped``), or the whole tables when the scope is everything; read once per store
    state and area and shared between sessions and pages: do not modify them."""
    if area is None:
        return {record: table(record) for record in records}
    rows = _scoped(store_key(), stamp(), area)
    return {record: rows[record] for record in records}


def forget() -> None:
    """Drop every cached table and figure (after a load)."""
    _table.clear()
    _scoped.clear()
    st.cache_data.clear()


# --- language and words -------------------------------------------------------------------


def lang() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = "en" if st.query_params.get("lang") == "en" else "zh"
    return str(st.session_state["lang"])


def t(key: str) -> str:
    """An interface word in the current language."""
    return label(key, lang())


def kind_label(code: str) -> str:
    return ORG_KIND.label(code, lang())


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)(?=[:.])|(?=@)")  # what the page would turn into links


def plain(text: object) -> str:
    """Text from a ledger made safe to put inside markdown: every markup character escaped, and
    an invisible word joiner (U+2060) after http, www… and before @, which the page would
    otherwise turn into links even when escaped. The one helper for every Streamlit call that
    shows ledger text (titles, captions, alerts, labels)."""
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub("\\g<0>\u2060", str(text)))


# --- personal data ------------------------------------------------------------------------


def masking() -> bool:
    """Whether person names are masked: the mask_names setting, else the sidebar switch."""
    if settings.flag("mask_names"):
        return True
    return bool(st.session_state.get("mask", False))


def person(name: object) -> str:
    return mask_name(str(name)) if masking() else str(name)


# --- the sidebar --------------------------------------------------------------------------


@st.cache_data(max_entries=16)
def _span(key: str, version: tuple[tuple[str, int], ...]) -> list[str]:
    return store_span(current_store())


def period_span() -> list[str]:
    """The quarters in which joint meetings were held (else agreements signed; else this year)."""
    span = _span(store_key(), stamp())
    if span:
        return span
    year = pd.Timestamp.today().year
    return quarters(f"{year}Q1", f"{year}Q4")


def _init_state() -> None:
    """On a session's first run, take the scope from the URL."""
    if st.session_state.get("_scope_ready"):
        return
    span = period_span()
    scope = scope_from_params(dict(st.query_params), table("area"), span, default_period(span))
    for level in LEVELS:
        st.session_state[level] = getattr(scope, level)
    st.session_state["_period_init"] = (scope.first, scope.last)  # the slider's first value
    st.session_state["kinds"] = list(scope.kinds)
    st.session_state["_scope_ready"] = True


def scope() -> Scope:
    """The scope chosen in the sidebar."""
    _init_state()
    span = period_span()
    first, last = (
        st.session_state.get("period") or st.session_state.get("_period_init") or default_period(span)
    )
    if first not in span or last not in span:
        first, last = default_period(span)
    return Scope(
        st.session_state.get("district"),
        st.session_state.get("street"),
        st.session_state.get("community"),
        first,
        last,
        tuple(st.session_state.get("kinds") or ()),
    )


def _clear(*keys: str) -> Callable[[], None]:
    def callback() -> None:
        for key in keys:
            st.session_state[key] = None

    return callback


def sidebar() -> None:
    """The language and store switches, the scope controls and the name mask, on every page."""
    store_kind()
    with st.sidebar:
        st.radio(
            t("language"),
            ["zh", "en"],
            key="lang",
            format_func=lambda c: "中文" if c == "zh" else "English",
            horizontal=True,
        )
        st.selectbox(
            t("store_kind"),
            list(stores.KINDS),
            key="store_kind",
            format_func={k: t(f"store_{k}") for k in stores.KINDS}.__getitem__,
            on_change=_clear("district", "street", "community"),
        )
    areas = table("area")  # the store is opened here: when it cannot be, the page says why
    _init_state()
    names = dict(zip(areas["key"], areas["name"], strict=True))
    with st.sidebar:
        st.subheader(t("scope"))
        resets = {"district": ("street", "community"), "street": ("community",), "community": ()}
        above: str | None = None
        for level in LEVELS:
            options: list[str | None] = [None, *(k for k, _ in children(areas, above, level))]
            if level != "district" and above is None:
                options = [None]
            if st.session_state.get(level) not in options:
                st.session_state[level] = None
            st.selectbox(
                t(level),
                options,
                key=level,
                format_func={k: t("all") if k is None else names.get(k, k) for k in options}.__getitem__,
                on_change=_clear(*resets[level]),
                disabled=len(options) == 1,
                placeholder=t("all"),
            )
            above = st.session_state.get(level)
        span = period_span()
        if len(span) > 1:
            first, last = scope().first, scope().last
            st.select_slider(t("period"), span, value=(first, last), key="period")
        else:
            st.caption(f"{t('period')}: {span[0]}")
        st.multiselect(
            t("unit_kinds"),
            list(ORG_KIND.codes),
            key="kinds",
            format_func={c: kind_label(c) for c in ORG_KIND.codes}.__getitem__,
            placeholder=t("all"),
        )
        st.text_input(t("search_go"), key="find_q", placeholder=t("search_everywhere_hint"), on_change=_find)
        if settings.flag("mask_names"):
            st.caption(t("names_masked"))
        else:
            st.toggle(t("mask_names"), key="mask")
    sync_url()
    find_from_sidebar()
    for message in _unfinished_loads(store_key(), stamp()):
        st.warning(t("load_unfinished") + plain(message), icon=":material/warning:")


@st.cache_data(max_entries=8, show_spinner=False)
def _unfinished_loads(key: str, version: tuple[tuple[str, int], ...]) -> list[str]:
    """The Neo4j loads that did not finish (a load changes the revision when it starts and
    when it finishes, so this follows it): above every page while there are any."""
    unfinished = getattr(current_store(), "unfinished_loads", None)
    return list(unfinished()) if unfinished else []


def _find() -> None:
    """The sidebar search: ask the network page to search (it opens the best match)."""
    st.session_state["_find"] = st.session_state.get("find_q") or ""
    st.session_state["find_q"] = ""


def find_from_sidebar() -> None:
    """After the sidebar search box changed: open the network page on the search."""
    text = st.session_state.pop("_find", "")
    if text:
        st.switch_page("ui/network.py", query_params={"find": text, **scope().to_params()})


def sync_url() -> None:
    """Mirror the scope and the language into the URL."""
    wanted = scope().to_params()
    if lang() == "en":
        wanted["lang"] = "en"
    if store_kind() != settings.get("store"):
        wanted["store"] = store_kind()
    for key in (*SCOPE_KEYS, "lang", "store"):
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def period_text(s: Scope) -> str:
    return s.first if s.first == s.last else f"{s.first} – {s.last}"


def scope_text(s: Scope) -> str:
    """The scope in words, for captions: 中山区 / 葵英街道 · 2025Q1 – 2025Q4 · 国企、学校."""
    areas = table("area")
    names = dict(zip(areas["key"], areas["name"], strict=True))
    where = " / ".join(names.get(k, k) for k in (s.district, s.street, s.community) if k) or t("all_areas")
    kinds = "、".join(kind_label(k) for k in s.kinds) if s.kinds else t("all_kinds")
    return f"{where} · {period_text(s)} · {kinds}"


# --- tables -------------------------------------------------------------------------------


SHOWN_ROWS = 1_000  # rows a table shows in the page; its downloads hold every row


def show_table(
    frame: pd.DataFrame, name: str, *, key: str, units: Sequence[str] | None = None, **options: Any
) -> None:
    """A table with CSV and Excel downloads below it; ``options`` go to st.dataframe. The page
    shows the first :data:`SHOWN_ROWS` rows and says so; the downloads hold every row. With
    ``units`` (the unit node of each row), a click on a row opens that unit's profile."""
    shown = frame.head(SHOWN_ROWS)
    if len(frame) > SHOWN_ROWS:
        st.caption(t("showing_rows").format(shown=SHOWN_ROWS, total=len(frame)))
    if units is not None:
        st.caption(t("row_opens_unit"))
        event = st.dataframe(
            shown, hide_index=True, key=key, on_select="rerun", selection_mode="single-row", **options
        )
        picked = event.selection.rows if event else []
        if picked:
            target = list(units)[picked[0]]
            st.switch_page("ui/unit.py", query_params={"unit": target, **scope().to_params()})
    else:
        st.dataframe(shown, hide_index=True, key=key, **options)
    row = st.container(horizontal=True)
    row.download_button(
        "CSV",
        lambda: export.csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    row.download_button(
        "Excel",
        lambda: export.xlsx_bytes(frame, name),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


# --- finding units and people -------------------------------------------------------------


@st.cache_resource(max_entries=4)
def _search_index(key: str, version: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    store = current_store()
    revision = store.revision()
    idx = search.read(store)
    # kept in the store for the later searches of every process, without keeping this one waiting
    threading.Thread(target=store.keep_search, args=(search.kept(idx), revision), daemon=True).start()
    return idx


def search_index() -> pd.DataFrame:
    """Everything to search (graph/search.py), for a store that keeps no index for its revision
    (loaded before there was one): read once per revision in this process, and kept in the store
    for every later search; shared between sessions: do not modify it."""
    return _search_index(store_key(), stamp())


@st.cache_data(max_entries=256, show_spinner=False)
def _found(key: str, version: tuple[tuple[str, int], ...], text: str, records: tuple[str, ...]) -> list[str]:
    rows = search.lookup(current_store(), text, records)
    if rows is None:  # no index kept for this revision (a store loaded before there was one)
        rows = search.find(search_index(), text, records)
    return list(rows["id"])


def find_nodes(text: str, records: Sequence[str] = search.ALL) -> list[str]:
    """The nodes a search finds, best first (graph/search.py): the store's matches only."""
    return _found(store_key(), stamp(), text, tuple(records)) if text else []


@st.cache_data(max_entries=4, show_spinner=False)
def _people(key: str, version: tuple[tuple[str, int], ...]) -> list[str]:
    return [node_id("person", k) for k in current_store().table("person", ["key"])["key"]]


@st.cache_data(max_entries=512, show_spinner=False)
def _entry(key: str, version: tuple[tuple[str, int], ...], node: str) -> dict[str, Any] | None:
    """A node's search entry (graph/search.py: record, name, context) with its unit kind and
    the names of its first context keys, read by key and reference; None when not stored."""
    record, _, k = node.partition(":")
    if record not in search.FIELDS:
        return None
    store = current_store()
    rows = {record: store.rows(record, "key", [k])}
    if record == "person":
        rows["post"] = store.rows("post", "person", [k])
    idx = search.index(rows)
    if idx.empty:
        return None
    entry = {str(k): v for k, v in idx.iloc[0].items()}
    target = "area" if record in ("organization", "need", "area") else "organization"
    named = store.rows(target, "key", list(entry["context"])[:2])
    entry["names"] = dict(zip(named["key"], named["name"], strict=True))
    entry["kind"] = rows[record]["kind"].iloc[0] if record == "organization" else None
    return entry


def known(node: str, records: Sequence[str] = search.ALL) -> bool:
    """Whether the node is a stored record of one of ``records``."""
    return node.partition(":")[0] in records and _entry(store_key(), stamp(), node) is not None


def describe(node: str) -> str:
    """A unit or person as one line for a list: 林海社区党委 · 社区党委 · 林海社区."""
    r = _entry(store_key(), stamp(), node)
    if r is None:
        return node
    names: dict[str, str] = r["names"]
    context = list(r["context"])
    if r["record"] == "organization":
        where = names.get(context[0], "") if context else ""
        return " · ".join(x for x in (str(r["name"]), kind_label(r["kind"]) if r["kind"] else "", where) if x)
    if r["record"] == "person":
        where = "、".join(names.get(k, k) for k in context[:2])
        return " · ".join(x for x in (person(r["name"]), where) if x)
    rec = RECORDS[str(r["record"])]
    what = rec.sheet_zh if lang() == "zh" else rec.sheet_en
    where = "、".join(names.get(k, k) for k in context[:2]) + ("…" if len(context) > 2 else "")
    return " · ".join(x for x in (str(r["name"]), what, where) if x)


def pick(
    caption: str, key: str, param: str, records: tuple[str, ...] = ("organization", "person")
) -> str | None:
    """A search box and a list of what it finds; the choice is kept in the URL as ``param``.
    Returns the chosen node (``organization:KEY`` or ``person:KEY``) or None."""
    chosen_key, synced_key = f"{key}_pick", f"{key}_synced"
    linked = from_link(st.query_params.get(param))
    if linked and linked != st.session_state.get(synced_key) and known(linked, records):
        st.session_state[chosen_key] = linked  # arrived by a link
    text = st.text_input(caption, key=f"{key}_q", placeholder=t("search_hint"))
    found = find_nodes(text, records)
    current = st.session_state.get(chosen_key)
    options = list(dict.fromkeys([*([current] if current else []), *found]))
    if not options:
        if text:
            st.caption(t("nothing_found"))
        st.session_state[synced_key] = None
        if param in st.query_params:
            del st.query_params[param]
        return None
    if found and text and st.session_state.get(f"{key}_last") != text:
        st.session_state[chosen_key] = found[0]  # a new search picks its best match
    st.session_state[f"{key}_last"] = text
    labels = {o: describe(o) for o in options}  # formats here, in this run's language and masking
    choice = st.selectbox(t("matches"), options, key=chosen_key, format_func=labels.__getitem__)
    st.session_state[synced_key] = choice
    if choice and st.query_params.get(param) != to_link(choice):
        st.query_params[param] = to_link(choice)
    return str(choice) if choice else None


def to_link(node: str) -> str:
    """A node as it goes into a URL: with names masked, a person as a token, never the key
    (which is the name when the person has no code)."""
    return masked_id(node) if masking() else node


def from_link(value: str | None) -> str | None:
    """The node a URL names: as it is, or the person a token stands for."""
    if not value or not value.startswith("person:~"):
        return value
    return next((n for n in _people(store_key(), stamp()) if masked_id(n) == value), None)
