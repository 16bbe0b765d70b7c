"""App benchmark: the server-side time of each page's first render on the embedded store, for
the synthetic M and L cities, and of the network view of one street.

    .venv/bin/python bench/bench_app.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench]

Each page is timed with Streamlit's AppTest (the whole script run: sidebar and page) with every
cache emptied first, so the time includes reading the store. Each scale runs in its own
process. Targets (issue 4): on M every page under 3 s and the street network under 2 s; on L
every page under 10 s.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scales import per_scale  # noqa: E402

TARGETS = {"M": (3.0, 2.0), "L": (10.0, 10.0)}  # (every page, street network) seconds


def city_store(scale: str, seed: int, work: Path) -> Path:
    """The city generated and loaded once into <work>/app-<scale>.sqlite."""
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


def one(scale: str, seed: int, work: Path) -> list[dict[str, Any]]:
    path = city_store(scale, seed, work)
    os.environ["GONGJIAN_DATA_DIR"] = str(path.parent)
    os.environ["GONGJIAN_STORE_NAME"] = path.stem
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(path)
    areas = store.table("area", ["key", "level", "parent"])
    street = areas[areas["level"] == "street"].iloc[0]
    units = store.table("organization", ["key", "joined"])
    posts = store.table("post", ["org"])
    busy = (
        posts[posts["org"].isin(set(units.loc[units["joined"].notna(), "key"]))]["org"]
        .value_counts()
        .index[0]
    )
    store.close()
    street_params = {"district": str(street["parent"]), "street": str(street["key"])}
    unit = f"organization:{busy}"
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("overview", "", {}),
        ("network", "network", {}),
        ("unit", "unit", {"unit": unit}),
        ("cross", "cross", {}),
        ("query", "query", {}),
        ("data", "data", {}),
        ("network: one street", "network", street_params),
        ("network: ego, depth 2", "network", {"mode": "ego", "node": unit, "depth": "2"}),
        ("overview: one street", "", street_params),
        ("cross: one street", "cross", street_params),
    ]
    results = []
    for name, page, params in cases:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.query_params.update(params)
        if page:
            at.run()  # the first run lands on the overview; then the page itself, from cold
            st.cache_data.clear()
            st.cache_resource.clear()
            at.switch_page(f"ui/{page}.py")
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{name} failed: {at.exception[0].message}")
        results.append({"scale": scale, "page": name, "seconds": round(seconds, 2)})
    return results


def main() -> None:
    results = per_scale(__file__, __doc__, one)
    print(f"{'scale':<6}{'page (first render)':<26}{'seconds':>8}  target")
    for pages in results:
        for r in pages:
            page_target, street_target = TARGETS.get(r["scale"], (float("inf"), float("inf")))
            target = street_target if r["page"] == "network: one street" else page_target
            verdict = "ok" if r["seconds"] < target else "SLOW"
            print(f"{r['scale']:<6}{r['page']:<26}{r['seconds']:>8.2f}  < {target:g} s {verdict}")


if __name__ == "__main__":
    main()
