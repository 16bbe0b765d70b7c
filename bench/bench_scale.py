"""Scale benchmark: the first render (and second visit) of one street's pages, and the app
process's peak memory, on the synthetic S, M, L and XL cities (XL is about 3x L), on the
embedded store and on Neo4j.

    .venv/bin/python bench/bench_scale.py [--scales S M L XL] [--stores embedded neo4j] [--seed 42]
                                          [--work /tmp/gongjian-bench] [--json]

The pages and their timing are bench_app.py's, for the first street of the city and for the
community holding nearest 30 units (the synthetic streets grow with the city, communities of
that size exist on every scale). Each scale runs
in its own process; in it, the city is generated and loaded (the first time) in one process and
the pages are rendered in a fresh one, whose peak resident memory (VmHWM) is the app's peak.
Neo4j is a local server (heap 4 GB, page cache 3 GB: HEAP, PAGE_CACHE) kept loaded under
<work>/neo4j-<scale>-<seed> (bench_app.py's); its own peak memory is printed too. Before the pages,
a fresh process times the store's scoped read of the street (Store.scoped, the rows the street's
pages read) and counts what it returned, so the pick can be judged across scales. The first run
generates XL (about 3 minutes) and loads it (about 3 minutes embedded; much longer on Neo4j): pick
--scales. Target (issue 11): one street's pages on L at most 2x those on S, on both stores
(printed for the street and for the community). The pages run on the store as after a load (a
write, then what `gongjian load` ends with: the search index, the 参与度 peers' figures and the
whole store's default results kept, not the street's); a fresh process before them times the
参与度 page of the street and of the community with those figures cold (after a write), warm, and
with the scope's own result kept (any visit after the first).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_app import STORES, Picks, city_store, load_neo4j_city, neo4j_city_dir, picks  # noqa: E402
from scales import per_scale  # noqa: E402

# The local Neo4j's memory: the XL city's store files (about 2 GB) fit the page cache, and a load
# batch and the scoped reads fit the heap, on a 24 GB machine shared with other work.
HEAP, PAGE_CACHE = "4g", "3g"


def memory_mb(pid: int | str = "self") -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024
    return fields


def point_at(store: str, scale: str, seed: int, work: Path) -> None:
    """The settings of this process pointed at the city in ``store`` (loaded before)."""
    os.environ["GONGJIAN_STORE"] = store
    if store == "embedded":
        path = city_store(scale, seed, work)
        os.environ["GONGJIAN_DATA_DIR"] = str(path.parent)
        os.environ["GONGJIAN_STORE_NAME"] = path.stem
    else:
        os.environ["GONGJIAN_DATA_DIR"] = str(neo4j_city_dir(scale, seed, work))


def street_pages(p: Picks, store: str, scale: str, seed: int, work: Path) -> dict[str, Any]:
    """In a fresh process: the street's pages, and this process's memory."""
    from bench_app import time_pages

    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"
    point_at(store, scale, seed, work)
    import streamlit  # noqa: F401  (the imports' memory, before any page)

    before = memory_mb()["VmRSS"]
    pages = time_pages(p, ("street", "community"), f"[{scale} {store}]")
    return {"pages": pages, "rss_before_mb": before, "peak_mb": memory_mb()["VmHWM"]}


def scoped_read(p: Picks, store: str, scale: str, seed: int, work: Path) -> dict[str, Any]:
    """In a fresh process: the store's scoped read of the street (Store.scoped, what the
    street's pages read), twice, and the rows it returned; the street's anchors (the units in
    it and in the areas above it) and what the city holds, to judge the pick by."""
    import time

    from graph.scope import area_anchors
    from graph.stores import open_store

    point_at(store, scale, seed, work)
    opened = open_store()
    try:
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            rows = opened.scoped(p.street)
            seconds.append(round(time.perf_counter() - started, 3))
        inside, above = area_anchors(rows["area"], p.street)
        units = rows["organization"]
        return {
            "scoped_first_s": seconds[0],
            "scoped_second_s": seconds[1],
            "scoped_rows": sum(len(t) for t in rows.values()) - len(rows["area"]),
            "anchors_inside": int(units["area"].isin(inside).sum()),
            "anchors_above": int(units["area"].isin(above).sum()),
            "city_rows": sum(opened.counts().values()),
        }
    finally:
        opened.close()


def engagement_peers(p: Picks, store: str, scale: str, seed: int, work: Path) -> dict[str, Any]:
    """In a fresh process: the 参与度 page of the street and of the community, first render (every
    cache emptied), with the peers' figures of the whole store cold (after a write, as the first
    visit after a load finds them: it computes and keeps them), warm (kept in the store by the
    other scope's visit, as every later visit finds them, in any process) and with the scope's
    result kept (as every visit after the first finds it, in any process); cold - warm is the
    peers' figures' one-off cost. At the end, the store as after a load: a write, then what
    `gongjian load` ends with (``prepare``), for the pages that follow."""
    from bench_app import prepared, render

    from graph.stores import open_store

    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"
    point_at(store, scale, seed, work)
    opened = open_store()
    out: dict[str, Any] = {}
    where = {scope: p.scope(scope)[0] for scope in ("street", "community")}

    def timed(scope: str, state: str) -> None:
        out[f"{scope}_{state}_s"] = round(render("engagement", where[scope], {}, cold=True), 2)

    try:
        render("", where["street"], {}, cold=True)  # untimed: the imports and the connection
        for first, other in (("street", "community"), ("community", "street")):
            opened.write({})  # a new revision: what is kept is out of date
            timed(first, "peers_cold")
            timed(other, "peers_warm")
            if first == "street":
                timed("street", "kept")
                timed("community", "kept")
        out.update(prepared(opened))
    finally:
        opened.close()
    return out


def in_child(work: Any, *args: Any) -> Any:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(work, args)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))


def one(scale: str, seed: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from graph import neo4j_server

    in_child(city_store, scale, seed, work)
    p = in_child(picks, scale, seed, work)
    result: dict[str, Any] = {
        "scale": scale,
        "street": p.street,
        "street_units": p.street_units,
        "community": p.community[2],
        "community_units": p.community_units,
        "stores": {},
    }
    for store in args.stores:
        if store == "embedded":
            scoped = in_child(scoped_read, p, store, scale, seed, work)
            peers = in_child(engagement_peers, p, store, scale, seed, work)
            result["stores"][store] = {
                **scoped,
                **peers,
                **in_child(street_pages, p, store, scale, seed, work),
            }
            continue
        data_dir = neo4j_city_dir(scale, seed, work)
        try:
            # started here with this benchmark's memory; load_neo4j_city finds it running
            neo4j_server.start(data_dir, port=neo4j_server.free_port(), heap=HEAP, page_cache=PAGE_CACHE)
            setup = in_child(load_neo4j_city, scale, seed, work)
            scoped = in_child(scoped_read, p, store, scale, seed, work)
            peers = in_child(engagement_peers, p, store, scale, seed, work)
            measured = {**scoped, **peers, **in_child(street_pages, p, store, scale, seed, work)}
            server = neo4j_server.status(data_dir)
            server_mb = memory_mb(server.pid)["VmHWM"] if server else None
            result["stores"][store] = {**setup, **measured, "server_peak_mb": server_mb}
        except Exception as err:  # e.g. the server ran out of memory: say what did not fit
            result["stores"][store] = {"error": f"{type(err).__name__}: {err}"[:500]}
        finally:
            neo4j_server.stop(data_dir)
    result["load"] = os.getloadavg()[0]  # the machine's: the seconds are only as quiet as it was
    return result


def main() -> None:
    results = list(per_scale(__file__, __doc__, one, options, scales=("S", "M", "L", "XL")))
    scales = [r["scale"] for r in results]
    head = "".join(f"{s:>14}" for s in scales)
    print(f"{'store':<10}{'one street: first render s (second)':<38}{head}")
    print(f"{'':<10}{'the street (bench_app picks)':<38}" + "".join(f"{r['street']:>14}" for r in results))
    print(f"{'':<10}{'units in the street':<38}" + "".join(f"{r['street_units']:>14}" for r in results))
    print(
        f"{'':<10}{'the community (nearest 30 units)':<38}"
        + "".join(f"{r['community']:>14}" for r in results)
    )
    print(f"{'':<10}{'units in the community':<38}" + "".join(f"{r['community_units']:>14}" for r in results))
    print(
        f"{'':<10}{'load average (1 min) at the end':<38}" + "".join(f"{r['load']:>14.1f}" for r in results)
    )
    for store in STORES:
        measured = [r["stores"].get(store) for r in results]
        if not any(measured):
            continue
        pages = next(m["pages"] for m in measured if m and "pages" in m)
        for i, row in enumerate(pages):
            cells = "".join(
                f"{m['pages'][i]['first_s']:>8.2f} ({m['pages'][i]['second_s']:.2f})".rjust(14)
                if m and "pages" in m
                else f"{'-':>14}"
                for m in measured
            )
            print(f"{store:<10}{(row['scope'] + ': ' + row['page']):<38}{cells}")
        for key, what in (
            ("street_peers_cold_s", "street: 参与度, peers' figures cold"),
            ("street_peers_warm_s", "street: 参与度, peers' figures warm"),
            ("community_peers_cold_s", "community: 参与度, figures cold"),
            ("community_peers_warm_s", "community: 参与度, figures warm"),
            ("street_kept_s", "street: 参与度, result kept"),
            ("community_kept_s", "community: 参与度, result kept"),
            ("prepare_s", "prepare s (as gongjian load ends)"),
            ("search_kept_s", "search index read and kept s (the same)"),
            ("scoped_first_s", "Store.scoped(street) first s"),
            ("scoped_second_s", "Store.scoped(street) again s"),
            ("scoped_rows", "rows it returns (areas aside)"),
            ("anchors_inside", "units in the street"),
            ("anchors_above", "units in the areas above it"),
            ("city_rows", "rows in the city"),
            ("peak_mb", "app peak MB"),
            ("server_peak_mb", "Neo4j server peak MB"),
            ("neo4j_load_s", "Neo4j load s (0: loaded before)"),
            ("neo4j_warm_s", "Neo4j warm-up s (neo4j start's)"),
        ):
            if any(m and key in m for m in measured):
                print(
                    f"{store:<10}{what:<38}" + "".join(f"{(m or {}).get(key, '-')!s:>14}" for m in measured)
                )
        for scale, m in zip(scales, measured, strict=True):
            if m and "error" in m:
                print(f"{store:<10}{scale}: did not run: {m['error']}")
        for scope in ("street", "community"):
            firsts = {
                r["scale"]: sum(x["first_s"] for x in r["stores"][store]["pages"] if x["scope"] == scope)
                for r in results
                if "pages" in r["stores"].get(store, {})
            }
            if "S" in firsts and "L" in firsts:
                ratio = firsts["L"] / firsts["S"]
                print(
                    f"{store:<10}L/S, the {scope}'s pages summed: {ratio:.2f} (target <= 2: "
                    f"{'met' if ratio <= 2 else 'MISSED'})"
                )
            found = {r["scale"]: r["stores"].get(store, {}) for r in results}
            if f"{scope}_peers_warm_s" in found.get("S", {}) and f"{scope}_peers_warm_s" in found.get(
                "L", {}
            ):
                for state in ("warm", "cold"):
                    ratio = found["L"][f"{scope}_peers_{state}_s"] / found["S"][f"{scope}_peers_{state}_s"]
                    print(
                        f"{store:<10}L/S, the {scope}'s 参与度 with the peers' figures {state}: {ratio:.2f}"
                    )
        scoped = {r["scale"]: r["stores"][store].get("scoped_second_s") for r in results}
        if scoped.get("S") and scoped.get("XL"):
            print(f"{store:<10}XL/S, Store.scoped(street) again: {scoped['XL'] / scoped['S']:.2f}")


if __name__ == "__main__":
    main()
