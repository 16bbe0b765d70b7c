"""Explorer benchmark: the first render of the network page's default views of a street and of
its district (aggregated pictures), and of an expansion in the explorer, on the M and L cities;
then how long Chromium takes to draw a picture of 1,500 nodes and to redraw it (panning).

    .venv/bin/python bench/bench_explorer.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench]

Each view is timed with Streamlit's AppTest (the whole script run) with every cache emptied
first, so the time includes reading the store; the expansion is the run after a node was
expanded, with the caches the exploration built before it kept (as in the app). The drawing
times come from headless Chromium (Debian's) opening the downloaded-HTML form of the drawing.
Targets (issue 10): on M each view under 2 s; the 1,500-node drawing drawn in a few seconds
and redrawn well under a second.
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

from bench_app import city_store  # noqa: E402
from scales import per_scale  # noqa: E402

TARGET = {"M": 2.0}
CHROMIUM = os.environ.get("GONGJIAN_CHROMIUM", "/usr/bin/chromium")


def draw_in_chromium(html: Path) -> dict[str, float]:
    """Seconds to the first drawing of the page's network, and per redraw (mean of 20)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        page.goto(html.as_uri())
        page.wait_for_function("() => typeof network !== 'undefined'")
        page.evaluate("() => new Promise(r => { network.once('afterDrawing', r); network.redraw(); })")
        first = time.perf_counter() - started
        redraw = page.evaluate(
            """() => new Promise(done => { let n = 0; const t0 = performance.now();
              const step = () => { network.moveTo({ position: { x: n * 5, y: 0 } });
                network.once('afterDrawing', () => (++n < 20 ? step() : done((performance.now() - t0) / 20 / 1000))); };
              step(); })"""
        )
        browser.close()
    return {"first": first, "redraw": float(redraw)}


def one(scale: str, seed: int, work: Path) -> list[dict[str, Any]]:
    path = city_store(scale, seed, work)
    os.environ["GONGJIAN_DATA_DIR"] = str(path.parent)
    os.environ["GONGJIAN_STORE_NAME"] = path.stem
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from graph import aggregate
    from graph.embedded import EmbeddedStore
    from ui import netview

    store = EmbeddedStore(path)
    tables = {name: store.table(name) for name in store.counts()}
    store.close()
    areas = tables["area"]
    street = areas[areas["level"] == "street"].iloc[0]
    district = str(street["parent"])
    posts, units = tables["post"], tables["organization"]
    busy = (
        posts[posts["org"].isin(set(units.loc[units["joined"].notna(), "key"]))]["org"]
        .value_counts()
        .index[0]
    )
    results = []

    def run(
        name: str, params: dict[str, str], state: dict[str, Any] | None = None, cold: bool = True
    ) -> None:
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.query_params.update(params)
        at.run()
        at.switch_page("ui/network.py")
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()
        if state:  # the view first, then the change
            at.run()
            for k, v in state.items():
                at.session_state[k] = v
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{name} failed: {at.exception[0].message}")
        nodes = len(__import__("json").loads(at.get("bidi_component")[0].proto.json)["nodes"])
        results.append({"scale": scale, "view": name, "seconds": round(seconds, 2), "nodes": nodes})

    run("street (default)", {"district": district, "street": str(street["key"]), "mode": "scope"})
    run("district (default)", {"district": district, "mode": "scope"})
    ego = {"mode": "ego", "node": f"organization:{busy}", "depth": "1"}
    run("explore: a unit", ego)
    agreements = tables["agreement"]
    theirs = agreements[agreements["parties"].map(lambda ps: busy in ps)].sort_values("signed")
    partner = next(p for p in theirs["parties"].iloc[-1] if p != busy)  # a fellow party: its people, meetings
    run("explore: + expansion", ego, {"net_expanded": [f"organization:{partner}"]}, cold=False)

    # 1,500 nodes in Chromium: the district's unit network, as a picture
    start, end = "2025-01-01", "2025-12-31"
    net = aggregate.unit_network(tables, start, end)
    keep = sorted(net.nodes, key=lambda n: (-net.degree(n), str(n)))[:1500]
    picture = net.subgraph(keep).copy()
    drawing = netview.draw_picture(picture, lang="zh", mask=str, group_names={})
    html = work / f"explorer-1500-{scale}.html"
    html.write_text(netview.to_html(drawing, heading="1,500"), encoding="utf-8")
    if Path(CHROMIUM).exists():
        times = draw_in_chromium(html)
        results.append(
            {
                "scale": scale,
                "view": f"chromium: draw {len(drawing.nodes)} nodes",
                "seconds": round(times["first"], 2),
                "nodes": len(drawing.nodes),
            }
        )
        results.append(
            {
                "scale": scale,
                "view": f"chromium: redraw {len(drawing.nodes)} nodes",
                "seconds": round(times["redraw"], 3),
                "nodes": len(drawing.nodes),
            }
        )
    return results


def main() -> None:
    print(f"{'scale':<6}{'view (first render)':<34}{'nodes':>6}{'seconds':>9}  target")
    for rows in per_scale(__file__, __doc__, one):
        for r in rows:
            target = TARGET.get(r["scale"]) if not r["view"].startswith("chromium") else None
            verdict = "" if target is None else f"< {target:g} s {'ok' if r['seconds'] < target else 'SLOW'}"
            print(f"{r['scale']:<6}{r['view']:<34}{r['nodes']:>6}{r['seconds']:>9.2f}  {verdict}")


if __name__ == "__main__":
    main()
