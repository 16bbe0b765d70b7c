"""Analysis benchmark: building the networkx view of a synthetic city next to, in the same
process, the full engagement analysis of 2025 (indicators, scores and reasons for 2025 and
2024, suggestions, and the network structure), run twice to show it gives the same result.

    .venv/bin/python bench/bench_analysis.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench]

Each scale runs in its own process. The city is generated and loaded into an embedded store
under --work the first time (bench_load.py leaves the same files). Targets (issue 5): the
full analysis of L in under 5x the view build and under 30 s; the same digest on both runs.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scales import per_scale  # noqa: E402


def one(scale: str, seed: int, work: Path) -> dict[str, object]:
    from graph.embedded import EmbeddedStore
    from graph.engagement import engagement, read_tables, to_records
    from loaders.ledger import load
    from synthetic.city import generate

    folder = work / f"city-{scale}-{seed}"
    if not folder.exists():
        generate(scale, seed, folder)
    store_path = work / f"analysis-{scale}-{seed}.sqlite"
    if not store_path.exists():
        load(folder, EmbeddedStore(store_path))
    store = EmbeddedStore(store_path)

    started = time.perf_counter()
    view = store.view()
    view_s = time.perf_counter() - started
    edges = view.number_of_edges()
    del view

    started = time.perf_counter()
    read_tables(store)
    read_s = time.perf_counter() - started

    runs, digests = [], []
    for _ in range(2):
        started = time.perf_counter()
        result = engagement(store, "2025")
        runs.append(time.perf_counter() - started)
        data = json.dumps(to_records(result), ensure_ascii=False, sort_keys=True, allow_nan=False)
        digests.append(hashlib.sha256(data.encode()).hexdigest()[:16])

    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    planted = {case["code"] for case in truth["under_engaged"].values()}
    flagged = set(result.ranked["code"][result.ranked["flagged"]])
    found = len(flagged & planted)
    store.close()
    return {
        "scale": scale,
        "edges": edges,
        "view_s": round(view_s, 1),
        "read_s": round(read_s, 1),
        "analysis_s": [round(t, 1) for t in runs],
        "over_view": round(max(runs) / view_s, 2),
        "digests": digests,
        "units": len(result.ranked),
        "flagged": len(flagged),
        "precision": round(found / max(1, len(flagged)), 3),
        "recall": round(found / max(1, len(planted)), 3),
    }


def main() -> None:
    results = per_scale(__file__, __doc__, one)
    print(
        f"{'scale':<6}{'edges':>9}{'view s':>8}{'read s':>8}{'analysis s (2 runs)':>21}{'/view':>7}"
        f"{'  digests (2 runs)':<38}{'units':>7}{'flagged':>8}{'P':>7}{'R':>7}"
    )
    for r in results:
        runs, digests = r["analysis_s"], r["digests"]
        same = "same" if digests[0] == digests[1] else "DIFFERENT"
        print(
            f"{r['scale']:<6}{r['edges']:>9}{r['view_s']:>8}{r['read_s']:>8}{f'{runs[0]} / {runs[1]}':>21}"
            f"{r['over_view']:>7}  {digests[0]} {digests[1]} {same:<4}"
            f"{r['units']:>7}{r['flagged']:>8}{r['precision']:>7}{r['recall']:>7}"
        )
        if r["scale"] == "L":
            ok = max(runs) < 30 and r["over_view"] < 5
            print(f"target for L (analysis < 5x view and < 30 s): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
