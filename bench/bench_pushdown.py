"""Pushed-down figures against the pandas path, in the same process: the overview figures
(graph.coverage.store_overview: Store.unit_counts and Store.coverage), the 交叉任职 rows
(graph.bridges.store_view: Store.cross_ties and Store.bridging_posts) and the change log's rows
(Store.change_rows), against reading the tables the pandas functions need (the whole tables for
the city, Store.scoped for a street) and computing coverage.overview, bridges.cross_view and
changes.in_scope from them, for the whole city and one street, on the embedded store.

    .venv/bin/python bench/bench_pushdown.py [--scales S L] [--seed 42] [--work /tmp/gongjian-bench] [--json]

Each figure family is timed cold (a new store object, so no cache of the app helps either path);
the ratio pandas / store is what the push-down saves. The trend spans the city's quarters of
meetings, as the overview's does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_app import city_store, picks  # noqa: E402
from scales import per_scale, timed  # noqa: E402

FAMILIES = ("overview", "cross", "changes")


def one(scale: str, seed: int, work: Path) -> dict[str, Any]:
    from graph import bridges, changes, coverage
    from graph.embedded import EmbeddedStore
    from graph.scope import Scope, activity_span, units_in_scope

    path = city_store(scale, seed, work)
    p = picks(scale, seed, work)
    store = EmbeddedStore(path)
    store.scoped(p.street)  # the reference indexes, made once per file (not timed)
    span = activity_span(store.table("meeting", ["date"])["date"])
    store.close()
    needs = ("organization", "area", "post", "person", "agreement", "meeting", "attendance")
    rows = []
    for scope, s in (
        ("city", Scope(first="2025Q1", last="2025Q4")),
        ("street", Scope(p.district, p.street, first="2025Q1", last="2025Q4")),
    ):
        for family in FAMILIES:
            store = EmbeddedStore(path)
            try:

                def read(
                    records: tuple[str, ...], s: Scope = s, store: EmbeddedStore = store
                ) -> dict[str, Any]:
                    if s.area is None:
                        return {r: store.table(r) for r in records}
                    found = store.scoped(s.area)
                    return {r: found[r] for r in records}

                if family == "overview":
                    pandas_s, _ = timed(
                        lambda read=read, s=s: coverage.overview(
                            coverage.Tables.of(read(needs)),
                            s,
                            span,  # type: ignore[arg-type]
                        )
                    )
                    store_s, _ = timed(
                        lambda s=s, store=store: coverage.store_overview(store, store.table("area"), s, span)
                    )
                elif family == "cross":

                    def pandas_cross(read: Any = read, s: Scope = s) -> Any:
                        t = read(needs)
                        inside = units_in_scope(t["organization"], t["area"], s)
                        return bridges.cross_view(
                            t["post"], t["person"], t["organization"], t["area"], inside, s.start, s.end
                        )

                    pandas_s, _ = timed(pandas_cross)
                    store_s, _ = timed(
                        lambda s=s, store=store: bridges.store_view(store, s.area, s.kinds, s.start, s.end)
                    )
                else:
                    pandas_s, _ = timed(lambda read=read, s=s: changes.in_scope(read(changes.TABLES), s))
                    store_s, _ = timed(
                        lambda s=s, store=store: changes.in_scope(
                            store.change_rows(s.area, s.kinds, s.start, s.end), s
                        )
                    )
            finally:
                store.close()
            rows.append(
                {
                    "scope": scope,
                    "family": family,
                    "pandas_s": round(pandas_s, 2),
                    "store_s": round(store_s, 2),
                    "ratio": round(pandas_s / store_s, 1) if store_s else None,
                }
            )
            print(
                f"[{scale}] {scope:<6} {family:<9} {pandas_s:7.2f} {store_s:7.2f}",
                file=sys.stderr,
                flush=True,
            )
    return {
        "scale": scale,
        "street_units": p.street_units,
        "load": round(os.getloadavg()[0], 1),
        "rows": rows,
    }


def main() -> None:
    results = list(per_scale(__file__, __doc__, one, scales=("S", "L")))
    print(f"{'scale':<6}{'scope':<8}{'figures':<10}{'pandas s':>10}{'store s':>9}{'ratio':>7}")
    for r in results:
        for row in r["rows"]:
            print(
                f"{r['scale']:<6}{row['scope']:<8}{row['family']:<10}"
                f"{row['pandas_s']:>10.2f}{row['store_s']:>9.2f}{row['ratio']:>7}"
            )
        print(f"{r['scale']}: the street holds {r['street_units']} units; load average {r['load']}")
    by = {(r["scale"], row["scope"], row["family"]): row["store_s"] for r in results for row in r["rows"]}
    for family in FAMILIES:
        if ("S", "street", family) in by and ("L", "street", family) in by and by[("S", "street", family)]:
            print(
                f"one street, {family}, store: L / S = {by[('L', 'street', family)] / by[('S', 'street', family)]:.1f}"
            )


if __name__ == "__main__":
    main()
