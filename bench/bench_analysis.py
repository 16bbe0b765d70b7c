"""Engagement benchmark: the analysis with its indicators computed by the store (SQL on the
embedded store, Cypher on Neo4j: ``graph.engagement.engagement``) next to, in the same process,
the pandas reference (every table read, then ``graph.engagement.analyse``), for the whole city
and for one street, each computed and then read as kept in the store (the street first with the
peers' figures of the whole store kept, then cold, after a write); then the 参与度 page for both
scopes: its first render with nothing kept, its first render with the result kept (another app
process after the first) and its second visit.

    .venv/bin/python bench/bench_analysis.py [--scales S L] [--stores embedded neo4j] [--seed 42]
                                             [--work /tmp/gongjian-bench] [--json] [--no-pages]

Each scale runs in its own process; the cities are generated and loaded once under --work (the
same files as bench_app.py, whose helpers this uses). Both paths must give the same result (the
``same`` column); ``ratio`` is the store path's time over the pandas path's. Targets (issue 11):
on L, embedded, the whole-city page under 3 s at first render and under 1 s at a second visit;
one street's page on L at most 2x the S figure (compare the scales of one run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_app import STORES, app_on, picks, render  # noqa: E402
from scales import per_scale  # noqa: E402


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", nargs="+", choices=STORES, default=["embedded"])
    parser.add_argument("--no-pages", action="store_true", help="time the analysis only")


def analyses(store_kind: str, street: str) -> list[dict[str, Any]]:
    """The store path against the pandas path, for the whole city and the street: the city
    computed after a write (nothing kept: it computes and keeps the peers' figures and its
    result), then again (its result kept); the street computed with the peers' figures kept,
    then again (its result kept); then again after a write (cold: it computes all)."""
    from graph import stores
    from graph.engagement import analyse, engagement, read_tables, to_records

    store = stores.open_store(store_kind)
    rows = []
    references: dict[str | None, tuple[Any, float]] = {}
    try:
        for scope, area, cold in (
            ("city", None, True),
            ("city, kept", None, False),
            ("street", street, False),
            ("street, kept", street, False),
            ("street, cold", street, True),
        ):
            if area not in references:
                started = time.perf_counter()
                found = analyse(read_tables(store), "2025", area, with_structure=False)
                references[area] = (found, time.perf_counter() - started)
            reference, pandas_s = references[area]
            if cold:
                store.write({})  # a new revision: whatever is kept is out of date
            started = time.perf_counter()
            pushed = engagement(store, "2025", area, with_structure=False)
            store_s = time.perf_counter() - started
            rows.append(
                {
                    "scope": scope,
                    "units": len(pushed.ranked),
                    "pandas_s": round(pandas_s, 2),
                    "store_s": round(store_s, 2),
                    "ratio": round(store_s / pandas_s, 2),
                    "same": to_records(pushed) == to_records(reference),
                }
            )
    finally:
        store.close()
    return rows


def pages(street: str, district: str, store_kind: str) -> list[dict[str, Any]]:
    """The 参与度 page, per scope: the first render (every cache of the app emptied) with nothing
    kept in the store (after a write; for the street, the peers' figures kept by the city's),
    the first render again with the result kept (a new app process, another analyst), and a
    second visit (the app's caches kept)."""
    import logging

    from graph import stores

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    scoped = {"district": district, "street": street}
    render("", scoped, {}, cold=True)  # untimed: the imports and the store's connection
    store = stores.open_store(store_kind)
    try:
        store.write({})  # a new revision: nothing kept
    finally:
        store.close()
    rows = []
    for scope, params in (("city", {}), ("street", scoped)):
        computed = render("engagement", params, {}, cold=True)
        first = render("engagement", params, {}, cold=True)
        second = render("engagement", params, {}, cold=False)
        rows.append(
            {
                "scope": scope,
                "not_kept_s": round(computed, 2),
                "first_s": round(first, 2),
                "second_s": round(second, 2),
            }
        )
    return rows


def one(scale: str, seed: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"
    p = picks(scale, seed, work)
    result: dict[str, Any] = {"scale": scale, "street_units": p.street_units, "stores": {}}
    for kind in args.stores:
        with app_on(kind, scale, seed, work):
            measured: dict[str, Any] = {"analysis": analyses(kind, p.street)}
            if not args.no_pages:
                measured["page"] = pages(p.street, p.district, kind)
        result["stores"][kind] = measured
    result["load_average"] = os.getloadavg()[0]
    return result


def main() -> None:
    results = list(per_scale(__file__, __doc__, one, options, scales=("S", "L")))
    print(
        f"{'scale':<6}{'store':<10}{'scope':<14}{'units':>7}{'pandas s':>10}{'store s':>9}{'ratio':>7}  same"
    )
    for r in results:
        for kind, measured in r["stores"].items():
            for row in measured["analysis"]:
                print(
                    f"{r['scale']:<6}{kind:<10}{row['scope']:<14}{row['units']:>7}{row['pandas_s']:>10.2f}"
                    f"{row['store_s']:>9.2f}{row['ratio']:>7.2f}  {row['same']}"
                )
    print(
        f"\n{'scale':<6}{'store':<10}{'scope':<8}{'first, not kept s':>18}{'first, kept s':>14}"
        f"{'kept / not':>11}{'second s':>10}"
    )
    for r in results:
        for kind, measured in r["stores"].items():
            for row in measured.get("page", []):
                print(
                    f"{r['scale']:<6}{kind:<10}{row['scope']:<8}{row['not_kept_s']:>18.2f}"
                    f"{row['first_s']:>14.2f}{row['first_s'] / row['not_kept_s']:>11.2f}{row['second_s']:>10.2f}"
                )
        print(
            f"{r['scale']}: the street holds {r['street_units']} units; load average {r['load_average']:.1f}"
        )
    by = {(r["scale"], k): m for r in results for k, m in r["stores"].items()}
    for kind in {k for _, k in by}:
        small, large = by.get(("S", kind)), by.get(("L", kind))
        if small and large and small.get("page") and large.get("page"):
            s, lg = small["page"][1]["not_kept_s"], large["page"][1]["not_kept_s"]
            print(f"{kind}: one street's page, L / S first render: {lg / s:.2f} (target ≤ 2)")


if __name__ == "__main__":
    main()
