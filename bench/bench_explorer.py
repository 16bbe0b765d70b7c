"""Explorer benchmark: how long Chromium takes to draw a picture of 1,500 nodes (the busiest of
the city's unit network in 2025, on the M and L cities) and to redraw it (panning). The
explorer's views themselves (default picture, ego view, expansion) are timed by bench_app.py.

    .venv/bin/python bench/bench_explorer.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench] [--json]

The times come from headless Chromium (Debian's) opening the downloaded-HTML form of the
drawing. Target (issue 10): drawn in a few seconds and redrawn well under a second.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_app import city_store  # noqa: E402
from scales import per_scale  # noqa: E402

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


def one(scale: str, seed: int, work: Path) -> dict[str, Any]:
    from graph import aggregate
    from graph.embedded import EmbeddedStore
    from ui import netview

    store = EmbeddedStore(city_store(scale, seed, work))
    tables = {name: store.table(name) for name in store.counts()}
    store.close()
    start, end = "2025-01-01", "2025-12-31"
    net = aggregate.unit_network(tables, start, end)
    keep = sorted(net.nodes, key=lambda n: (-net.degree(n), str(n)))[:1500]
    picture = net.subgraph(keep).copy()
    drawing = netview.draw_picture(picture, lang="zh", mask=str, group_names={})
    html = work / f"explorer-1500-{scale}.html"
    html.write_text(netview.to_html(drawing, heading="1,500"), encoding="utf-8")
    times = draw_in_chromium(html) if Path(CHROMIUM).exists() else {"first": None, "redraw": None}
    return {
        "scale": scale,
        "nodes": len(drawing.nodes),
        "draw_s": times["first"],
        "redraw_s": times["redraw"],
    }


def main() -> None:
    results = per_scale(__file__, __doc__, one)  # with --json (or in a child) prints and exits
    print(f"{'scale':<6}{'nodes':>6}{'first drawing s':>17}{'redraw s':>10}")
    for r in results:
        if r["draw_s"] is None:
            print(f"{r['scale']:<6}{r['nodes']:>6}  (no Chromium at {CHROMIUM})")
        else:
            print(f"{r['scale']:<6}{r['nodes']:>6}{r['draw_s']:>17.2f}{r['redraw_s']:>10.3f}")


if __name__ == "__main__":
    main()
