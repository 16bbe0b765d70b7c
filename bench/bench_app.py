"""App benchmark: the server-side time of every page's first render and of a second visit, for
the whole city and for one street, on the embedded store and on Neo4j, for the synthetic M and
L cities.

    .venv/bin/python bench/bench_app.py [--scales M L] [--stores embedded neo4j] [--seed 42]
                                        [--work /tmp/gongjian-bench] [--json]

The pages: 总览, 网络 (the explorer's default picture, an ego view of the busiest member unit and an
expansion of one of its partners, a search typed, the shortest connection of the unit with that
partner and with a unit of another area, the units sharing people), 单位, 交叉任职, 参与度, 查询 (the page,
and each named query of an area run for the scope: the press of its button) and 数据. Each is
timed with Streamlit's AppTest (the whole script run: sidebar and page). The first render
empties every cache first, so it includes reading the store; the second visit is a new session
with the caches the first one left (what the next analyst pays). Before the pages, each store
gets what `gongjian load` and `gongjian neo4j start` end with, after a write (nothing kept from
earlier runs): the search index (``search_kept_s``) and the results the 参与度 page and the
overview open on (``prepare_s``) kept in the store. The expansion is the run after a node was
expanded, with the caches the view built before it kept (as in the app).

Each scale runs in its own process. The cities are generated and loaded once under --work: the
embedded store in <work>/app-<scale>-<seed>.sqlite, Neo4j in a local server kept under
<work>/neo4j-<scale>-<seed> (started on a free port, stopped at the end; loaded the first time).
On L both stores take about 15 minutes on a 2-core machine; pick --scales and --stores to run less.
Targets (issue 11): on L every page of the whole city under 3 s at first render and under 1 s at
the second visit on the embedded store; one street's pages on L at most 2x those on S.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scales import per_scale  # noqa: E402

STORES = ("embedded", "neo4j")
SCOPES = ("city", "street", "community")
HEAP, PAGE_CACHE = "3g", "2g"  # the local Neo4j's: room for the XL city (bench_scale.py)
FIRST_TARGET, SECOND_TARGET = 3.0, 1.0  # seconds, L, whole city, embedded


def city_store(scale: str, seed: int, work: Path) -> Path:
    """The city generated and loaded once into <work>/app-<scale>-<seed>.sqlite."""
    from graph.embedded import EmbeddedStore
    from loaders.ledger import load
    from synthetic.city import generate

    folder = work / f"city-{scale}-{seed}"
    if not folder.exists():
        generate(scale, seed, folder)
    path = work / f"app-{scale}-{seed}.sqlite"
    if not path.exists():
        store = EmbeddedStore(path)
        try:
            load(folder, store)
        finally:
            store.close()
    return path


def neo4j_city_dir(scale: str, seed: int, work: Path) -> Path:
    return work / f"neo4j-{scale}-{seed}"


def load_neo4j_city(scale: str, seed: int, work: Path) -> dict[str, float]:
    """Start the local Neo4j of the city (left running), load the city into it the first time and
    warm it as `gongjian neo4j start` does; the seconds the load took (0 when it was loaded
    before) and the warm-up's."""
    from neo4j import GraphDatabase

    from graph import neo4j_server
    from graph.neo4j_store import Neo4jStore
    from loaders.ledger import load

    city_store(scale, seed, work)  # the ledger
    data_dir = neo4j_city_dir(scale, seed, work)
    info = neo4j_server.start(data_dir, port=neo4j_server.free_port(), heap=HEAP, page_cache=PAGE_CACHE)
    loaded = data_dir / "loaded"
    setup = {"neo4j_load_s": 0.0}
    with GraphDatabase.driver(info.uri, auth=(info.user, info.password())) as driver:
        store = Neo4jStore(driver)
        if not loaded.exists():
            started = time.perf_counter()
            load(work / f"city-{scale}-{seed}", store)
            setup["neo4j_load_s"] = round(time.perf_counter() - started, 1)
            loaded.write_text(f"{setup['neo4j_load_s']} s\n", encoding="utf-8")
        started = time.perf_counter()
        store.warm()
        setup["neo4j_warm_s"] = round(time.perf_counter() - started, 1)
        setup.update(prepared(store))
    return setup


def prepared(store: Any) -> dict[str, float]:
    """The store as after a load: a write (a new revision: nothing kept from earlier runs, so a
    first render is a first visit), then what `gongjian load` and `gongjian neo4j start` end
    with (cli._prepare), each timed: the search index (``search_kept_s``), and the results the
    参与度 page and the overview open on (``prepare_s``), kept in the store."""
    from graph import search
    from graph.engagement import prepare

    store.write({})
    started = time.perf_counter()
    search.prepare(store)
    middle = time.perf_counter()
    prepare(store)
    return {"search_kept_s": round(middle - started, 1), "prepare_s": round(time.perf_counter() - middle, 1)}


@contextmanager
def app_on(store: str, scale: str, seed: int, work: Path) -> Iterator[dict[str, Any]]:
    """The settings of the app pointed at the city in ``store``; for Neo4j the local server is
    started (and loaded the first time) and stopped at the end. Yields what the setup measured."""
    from graph import neo4j_server

    os.environ["GONGJIAN_STORE"] = store
    if store == "embedded":
        from graph.embedded import EmbeddedStore

        path = city_store(scale, seed, work)
        os.environ["GONGJIAN_DATA_DIR"] = str(path.parent)
        os.environ["GONGJIAN_STORE_NAME"] = path.stem
        opened = EmbeddedStore(path)
        try:
            setup = prepared(opened)
        finally:
            opened.close()
        yield setup
        return
    data_dir = neo4j_city_dir(scale, seed, work)
    try:
        setup = load_neo4j_city(scale, seed, work)
        os.environ["GONGJIAN_DATA_DIR"] = str(data_dir)  # the app finds the local server there
        yield setup
    finally:
        neo4j_server.stop(data_dir)


COMMUNITY_UNITS = 30  # the community compared across scales: the one holding nearest this many units


@dataclass(frozen=True)
class Picks:
    """What the pages are shown: one street (the first) with the city's busiest member unit and
    a fellow party of its latest agreement (the node the expansion opens); and one community of
    about the same size on every scale (the synthetic streets grow with the city: S's hold about
    90 units, L's about 850), with its own busiest member unit and partner."""

    district: str
    street: str
    unit: str
    partner: str
    street_units: int
    community: tuple[str, str, str]  # district, street, community
    community_units: int
    community_unit: str
    community_partner: str

    def scope(self, scope: str) -> tuple[dict[str, str], str, str]:
        """The query parameters of a scope ("city", "street", "community"), and its unit and
        partner."""
        if scope == "community":
            district, street, community = self.community
            where = {"district": district, "street": street, "community": community}
            return where, self.community_unit, self.community_partner
        where = {"district": self.district, "street": self.street} if scope == "street" else {}
        return where, self.unit, self.partner


def picks(scale: str, seed: int, work: Path) -> Picks:
    import pandas as pd

    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(city_store(scale, seed, work))
    try:
        areas = store.table("area", ["key", "level", "parent"])
        units = store.table("organization", ["key", "joined", "area"])
        posts = store.table("post", ["org"])
        agreements = store.table("agreement", ["parties", "signed"])
    finally:
        store.close()
    parent = dict(zip(areas["key"], areas["parent"], strict=True))
    members = units[units["joined"].notna()]
    busyness = posts["org"].value_counts()

    def busiest(among: pd.Series) -> tuple[str, str]:
        """The member unit among these with the most posts and an agreement, and a fellow party
        of its latest agreement."""
        signed = agreements.explode("parties").dropna(subset=["parties"])
        with_agreement = set(signed["parties"]) & set(among)
        unit = str(busyness.reindex(sorted(with_agreement)).fillna(0).sort_values(kind="stable").index[-1])
        theirs = agreements[agreements["parties"].map(lambda ps: unit in ps)].sort_values("signed")
        partner = next(p for p in theirs["parties"].iloc[-1] if p != unit)
        return f"organization:{unit}", f"organization:{partner}"

    street = areas[areas["level"] == "street"].iloc[0]
    communities = set(areas.loc[areas["parent"] == street["key"], "key"]) | {street["key"]}
    unit, partner = busiest(members["key"])
    sizes = units["area"].value_counts()
    community_keys = sorted(areas.loc[areas["level"] == "community", "key"])
    community = min(community_keys, key=lambda k: abs(int(sizes.get(k, 0)) - COMMUNITY_UNITS))
    local_unit, local_partner = busiest(members.loc[members["area"] == community, "key"])
    return Picks(
        str(street["parent"]),
        str(street["key"]),
        unit,
        partner,
        int(units["area"].isin(communities).sum()),
        (str(parent[parent[community]]), str(parent[community]), community),
        int(sizes.get(community, 0)),
        local_unit,
        local_partner,
    )


SEARCH = "社区"  # what the search case types: a word in thousands of names
AREA_QUERIES = ("units_without", "cross_appointed", "agreements_in_force")  # named queries of an area


def page_cases(
    unit: str, partner: str, far: str = ""
) -> list[tuple[str, str, dict[str, str], dict[str, Any], bool]]:
    """(name, page, query parameters, session state set before the timed run, whether the timed
    run is the press of the page's first button) of every page; ``far``: a unit to connect
    ``unit`` with (another street's or community's). The named queries of an area run with
    the form as the page fills it from the scope (the area, the period or its last day)."""
    ego = {"mode": "ego", "node": unit, "depth": "1"}
    return [
        ("总览 overview", "", {}, {}, False),
        ("网络 network (default)", "network", {}, {}, False),
        ("网络 network: ego", "network", ego, {}, False),
        ("网络 network: + expansion", "network", ego, {"net_expanded": [partner]}, False),
        ("网络 network: search", "network", {}, {"net_q": SEARCH}, False),
        ("网络 network: path", "network", {"mode": "path", "a": unit, "b": partner}, {}, False),
        ("网络 network: far path", "network", {"mode": "path", "a": unit, "b": far or partner}, {}, False),
        ("网络 network: shared people", "network", {"mode": "interlock"}, {}, False),
        ("单位 unit", "unit", {"unit": unit}, {}, False),
        ("交叉任职 cross", "cross", {}, {}, False),
        ("参与度 engagement", "engagement", {}, {}, False),
        ("查询 query", "query", {}, {}, False),
        *((f"查询 query: {name}", "query", {}, {"query_name": name}, True) for name in AREA_QUERIES),
        ("数据 data", "data", {}, {}, False),
    ]


def render(
    page: str, params: dict[str, str], state: dict[str, Any], cold: bool, press: bool = False
) -> float:
    """Seconds of the timed run of ``page`` in a new AppTest session; ``cold``: with every cache
    emptied first (the session lands on the overview first, as a visitor does); ``press``: the
    timed run is the press of the page's first button (a form's), with the caches emptied
    again after the page was drawn without it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def clear() -> None:
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()

    clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1200)
    at.query_params.update(params)
    if page:
        at.run()
        at.switch_page(f"ui/{page}.py")
        clear()
    if state:  # the view first, then the change
        at.run()
        for key, value in state.items():
            at.session_state[key] = value
    if press:
        at.run()
        clear()
        at.button[0].click()
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page or 'overview'} {params} failed: {at.exception[0].message}")
    if press and at.error:  # the query refused or failed: said in the page, not raised
        raise RuntimeError(f"{page} {params} {state} failed: {at.error[0].value}")
    return seconds


def time_pages(
    p: Picks, scopes: tuple[str, ...], log: str, pages: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Every page (or those whose names hold one of ``pages``) for each scope ("city",
    "street", "community"): first render and second visit."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    render("", p.scope("street")[0], {}, cold=True)  # untimed: the imports and the store's connection
    rows = []
    for scope in scopes:
        where, unit, partner = p.scope(scope)
        far = p.community_unit if scope != "community" else p.unit
        for name, page, params, state, press in page_cases(unit, partner, far):
            if pages and not any(word in name for word in pages):
                continue
            params = {**params, **where}
            first = render(page, params, state, cold=True, press=press)
            second = render(page, params, state, cold=False, press=press)
            rows.append(
                {"scope": scope, "page": name, "first_s": round(first, 2), "second_s": round(second, 2)}
            )
            print(f"{log} {scope:<9} {name:<26} {first:7.2f} {second:7.2f}", file=sys.stderr, flush=True)
    return rows


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--pages", nargs="+", default=[], help="only the pages whose names hold one of these")
    parser.add_argument("--scopes", nargs="+", choices=SCOPES, default=list(SCOPES))


def one(scale: str, seed: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"
    p = picks(scale, seed, work)
    result: dict[str, Any] = {
        "scale": scale,
        "street_units": p.street_units,
        "community_units": p.community_units,
        "stores": {},
    }
    for store in args.stores:
        with app_on(store, scale, seed, work) as setup:
            pages = time_pages(p, tuple(args.scopes), f"[{scale} {store}]", tuple(args.pages))
        result["stores"][store] = {**setup, "pages": pages}
    return result


def main() -> None:
    results = per_scale(__file__, __doc__, one, options)  # with --json (or in a child) prints and exits
    print(f"{'scale':<6}{'store':<10}{'scope':<11}{'page':<28}{'first s':>9}{'second s':>10}")
    for r in results:
        for store, measured in r["stores"].items():
            for row in measured["pages"]:
                print(
                    f"{r['scale']:<6}{store:<10}{row['scope']:<11}{row['page']:<28}"
                    f"{row['first_s']:>9.2f}{row['second_s']:>10.2f}"
                )
            if "prepare_s" in measured:
                print(
                    f"{r['scale']:<6}{store:<10}prepare (as after a load), s: {measured['prepare_s']:.1f}, "
                    f"search index kept: {measured['search_kept_s']:.1f}"
                )
            if r["scale"] == "L" and store == "embedded":
                city = [row for row in measured["pages"] if row["scope"] == "city"]
                ok = all(row["first_s"] < FIRST_TARGET and row["second_s"] < SECOND_TARGET for row in city)
                print(
                    f"target for L, whole city: first < {FIRST_TARGET:g} s, second < {SECOND_TARGET:g} s: "
                    f"{'met' if ok else 'MISSED'}"
                )
        print(
            f"{r['scale']}: the street holds {r['street_units']} units, the community {r['community_units']}"
        )


if __name__ == "__main__":
    main()
