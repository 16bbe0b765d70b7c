"""The explorer's and the commands' reads that used to cost the whole store, against that whole-store
path, in the same process, for the whole city on the embedded store: the shortest connection of
the 网络 page (graph.reach.connection against reach.index of every table), the named queries'
embedded twins (queries.graph_for against store.view()), 共有人员 (aggregate.interlock_of against
aggregate.interlock on whole tables), the search index (search.read against search.index of whole
tables; reading and keeping it in the store, as search.prepare does, against search.read), a search in a new
process (search.lookup, asking the store's kept index, against search.find of search.read) and
`gongjian changes` (changes.change_log against the pandas analysis of whole tables).

    .venv/bin/python bench/bench_reads.py [--scales S L] [--seed 42] [--work /tmp/gongjian-bench] [--json]

Each read is timed cold (a new store object, no cache); the ratio whole / new is what reading
for the scope saves. The connections are those of bench_app's picks: the busiest member unit
with a fellow party of its latest agreement (near) and with the busiest unit of a community of
another street (far). The whole view (for the named queries' old path) is built once and its
time added to each query's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_app import city_store, picks  # noqa: E402
from scales import per_scale, timed  # noqa: E402

TIES = ("HOLDS", "PARTY_TO", "ATTENDED", "CONTRIBUTES")  # the 网络 page's default, areas left out
START, END = "2025-01-01", "2025-12-31"


def one(scale: str, seed: int, work: Path) -> dict[str, Any]:
    from graph import aggregate, changes, engagement, queries, reach, search
    from graph.embedded import EmbeddedStore
    from graph.model import RECORDS
    from graph.rules import COMMITTEE_LEVEL
    from graph.scope import Scope, below, units_in_scope

    path = city_store(scale, seed, work)
    p = picks(scale, seed, work)
    EmbeddedStore(path).scoped(p.street)  # the reference indexes, made once per file (not timed)
    rows: list[dict[str, Any]] = []

    def case(name: str, whole: Callable[[Any], Any], new: Callable[[Any], Any], extra: float = 0.0) -> None:
        times = []
        for work_ in (whole, new):
            store = EmbeddedStore(path)
            try:
                seconds, _ = timed(lambda store=store, work_=work_: work_(store))
            finally:
                store.close()
            times.append(seconds)
        whole_s, new_s = times[0] + extra, times[1]
        rows.append(
            {
                "read": name,
                "whole_s": round(whole_s, 2),
                "new_s": round(new_s, 2),
                "ratio": round(whole_s / new_s, 1),
            }
        )
        print(f"[{scale}] {name:<34} {whole_s:7.2f} {new_s:7.2f}", file=sys.stderr, flush=True)

    def tables(store: Any) -> dict[str, Any]:
        return {r: store.table(r) for r in RECORDS}

    for label, b in (("near", p.partner), ("far", p.community_unit)):
        case(
            f"网络 path ({label})",
            lambda store, b=b: reach.path(reach.index(tables(store), START, END), p.unit, b, TIES),
            lambda store, b=b: (
                None
                if (
                    found := reach.connection(
                        store.rows, p.unit, b, TIES, reach.period_links(START, END, TIES)
                    )
                )
                is None
                else reach.path(reach.index(found, START, END), p.unit, b, TIES)
            ),
        )
    store = EmbeddedStore(path)
    view_s, view = timed(store.view)
    store.close()
    unit, far = p.unit.partition(":")[2], p.community_unit.partition(":")[2]
    for name, values in (
        ("shortest_connection", {"from_unit": unit, "to_unit": far}),
        ("agreements_in_force", {"area": "", "on": END}),
        ("cross_appointed", {"area": "", "as_of": END}),
    ):
        case(
            f"query {name} (+ whole view)",
            lambda _, name=name, values=values: queries.run_embedded(view, name, values),
            lambda store, name=name, values=values: queries.run_embedded(
                queries.graph_for(store, name, values), name, values
            ),
            extra=view_s,
        )
    s = Scope(first="2025Q1", last="2025Q4")
    case(
        "共有人员 shared people",
        lambda store: aggregate.interlock(
            (t := tables(store)), s.end, units_in_scope(t["organization"], t["area"], s)["key"]
        ),
        lambda store: aggregate.interlock_of(store, store.table("area"), s),
    )
    case(
        "search index",
        lambda store: search.index({r: store.table(r) for r in (*search.FIELDS, "post")}),
        search.read,
    )

    def keep(store: Any) -> None:
        revision = store.revision()
        store.keep_search(search.kept(search.read(store)), revision)

    case("search index read, then kept", search.read, keep)  # once a revision (search.prepare)
    kept = EmbeddedStore(path)
    name = str(kept.rows("organization", "key", [p.unit.partition(":")[2]])["name"].iloc[0])
    search.prepare(kept)  # as after `gongjian load` (the case above kept it already)
    kept.close()
    for text in ("社区", "学校", "社区 党委", name):
        case(
            f"search {text[:12]}",
            lambda store, text=text: search.find(search.read(store), text),
            lambda store, text=text: search.lookup(store, text),
        )

    def old_changes(store: Any) -> Any:
        t = engagement.read_tables(store)
        result = engagement.analyse(t, "2025", None, with_structure=False)
        units = t["organization"]
        keys = set(
            units.loc[
                units["area"].isin(below(t["area"], None)) & ~units["kind"].isin(COMMITTEE_LEVEL), "key"
            ]
        )
        return changes.events(t, START, END, keys), changes.flag_events(result)

    case("gongjian changes", old_changes, lambda store: changes.change_log(store, "2025"))
    return {"scale": scale, "load": round(os.getloadavg()[0], 1), "view_s": round(view_s, 2), "rows": rows}


def main() -> None:
    results = list(per_scale(__file__, __doc__, one, scales=("S", "L")))
    print(f"{'scale':<6}{'read':<36}{'whole s':>9}{'new s':>8}{'ratio':>7}")
    for r in results:
        for row in r["rows"]:
            print(
                f"{r['scale']:<6}{row['read']:<36}{row['whole_s']:>9.2f}{row['new_s']:>8.2f}{row['ratio']:>7}"
            )
        print(f"{r['scale']}: the whole view took {r['view_s']} s; load average {r['load']}")


if __name__ == "__main__":
    main()
