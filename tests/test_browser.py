"""The app in a real browser (headless Chromium through Playwright): what AppTest cannot see.

It serves the app on the S city (plus one unit whose name is an HTML tag, loaded from a ledger),
searches a unit, opens its profile and its ego network, checks the nodes vis-network was given,
saves a screenshot of every page under test-output/, and checks that no page asks anything of
an address outside localhost and that no script from the data runs.

Needs Debian's chromium and fonts-noto-cjk (apt-get install chromium fonts-noto-cjk) and the
playwright package (pip install -e '.[dev]'); without them it skips, except in CI (CI=true).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from loaders.ledger import load
from synthetic.city import PERSONAL_COLUMNS, generate
from tests.appserver import ROOT, serving
from tests.test_app import ego_expected

OUT = ROOT / "test-output"
CHROMIUM = os.environ.get("GONGJIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
EVIL = "<img src=x onerror=alert(1)>"
HOW = (
    "browser test skipped: it needs Chromium and Playwright; enable it with "
    "`apt-get install chromium fonts-noto-cjk` and `pip install -e '.[dev]'`"
)


def require_browser() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    else:
        missing = not Path(CHROMIUM).exists()
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser test to run: {HOW}", pytrace=False)
    pytest.skip(HOW)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on the S city and the unit named like an HTML tag, on a free local port."""
    require_browser()
    folder = tmp_path_factory.mktemp("browser-city")
    generate("S", 42, folder / "ledger")
    store = EmbeddedStore(folder / "s.sqlite")
    load(folder / "ledger", store)
    extra = folder / "extra"
    extra.mkdir()
    (extra / "单位.csv").write_text(f"名称,类型,所属区域\n{EVIL},商户,林海社区\n", encoding="utf-8")
    load(extra, store)
    tables = {name: store.table(name) for name in store.counts()}
    store.close()
    with (folder / "ledger" / "人员.csv").open(encoding="utf-8-sig", newline="") as f:
        secrets = {
            v.strip()
            for row in csv.DictReader(f)
            for k, v in row.items()
            if k in PERSONAL_COLUMNS and v and len(v.strip()) >= 7
        }
    with serving(folder) as url:
        yield {"url": url, "tables": tables, "secrets": secrets, "data_dir": folder}


def network_nodes(page: Any) -> list[dict[str, Any]]:
    """The nodes vis-network holds in the page's network iframe (waits until it has them)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                found = frame.evaluate(  # the network page's component, or a page's iframe
                    "() => globalThis.gongjianNodes ? JSON.stringify(globalThis.gongjianNodes.get()) :"
                    " (typeof nodes !== 'undefined' && nodes.get) ? JSON.stringify(nodes.get()) : null"
                )
            except Exception:  # a frame navigating away
                continue
            if found:
                nodes: list[dict[str, Any]] = json.loads(found)
                return nodes
        page.wait_for_timeout(300)
    raise AssertionError("no network drawn")


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the page (and stays finished a moment)."""
    done = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
    for _ in range(3):
        page.wait_for_function(done, timeout=60_000)
        page.wait_for_timeout(400)
    page.wait_for_function(done, timeout=60_000)


def test_the_app_in_chromium(served: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    url: str = served["url"]
    tables: dict[str, pd.DataFrame] = served["tables"]
    units = tables["organization"]
    OUT.mkdir(exist_ok=True)
    requests: list[str] = []
    dialogs: list[str] = []
    texts: list[str] = []  # every page's text, frames included

    def shot(page: Any, name: str) -> None:
        texts.extend(frame.content() for frame in page.frames)
        page.screenshot(path=OUT / f"{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(url)
            settle(page)
            page.get_by_text("成员单位覆盖情况").wait_for(timeout=60_000)
            shot(page, "overview")

            # search a unit by its short name, open its profile
            unit = units[units["aliases"].map(len).astype(bool) & units["joined"].notna()].iloc[0]
            page.get_by_role("link", name="单位").first.click()
            settle(page)
            box = page.get_by_placeholder("名称、简称或编码")
            box.fill(unit["aliases"][0])
            box.press("Enter")
            page.get_by_role("heading", name=unit["name"]).wait_for(timeout=60_000)
            settle(page)
            assert (
                f"unit=organization%3A{unit['key']}" in page.url
                or f"unit=organization:{unit['key']}" in page.url
            )
            shot(page, "unit")

            # its ego network: the nodes drawn are its neighbours
            page.get_by_role("link", name="在网络中查看").click()
            settle(page)
            drawn = {n["id"] for n in network_nodes(page)}
            assert drawn == ego_expected(tables, unit["key"])
            shot(page, "network-ego")

            agreements = tables["agreement"]
            shared = agreements[agreements["parties"].map(lambda ps: unit["key"] in ps and len(ps) > 1)]
            partner = next(p for p in shared["parties"].iloc[-1] if p != unit["key"])  # a fellow party
            areas = tables["area"]
            district = areas.loc[areas["level"] == "district", "key"].iloc[0]
            street = areas.loc[areas["level"] == "street", "key"].iloc[0]
            pages = {
                "network": f"/network?district={district}&street={street}",
                "network-path": f"/network?mode=path&a=organization:{unit['key']}&b=organization:{partner}",
                "cross": "/cross",
                "query": "/query",
                "data": "/data",
                "overview-street": f"/?district={district}&street={street}&period=2024Q1~2025Q4",
                "overview-en": "/?lang=en",
            }
            for name, path in pages.items():
                page.goto(url + path)
                settle(page)
                if name.startswith("network"):
                    assert network_nodes(page)
                shot(page, name)

            # a unit named like an HTML tag shows as text and runs nothing
            evil = units.loc[units["name"] == EVIL, "key"].iloc[0]
            page.goto(f"{url}/unit?unit=organization:{evil}")
            settle(page)
            page.get_by_role("heading", name=EVIL).wait_for(timeout=60_000)
            assert page.locator("img[src='x']").count() == 0
            shot(page, "unit-html-name")
            page.goto(f"{url}/network?mode=ego&node=organization:{evil}&depth=1")
            settle(page)
            assert EVIL in {n["title"].split("\n")[0] for n in network_nodes(page)}
            for frame in page.frames:
                assert frame.locator("img[src='x']").count() == 0
            shot(page, "network-html-name")
        finally:
            browser.close()
    assert dialogs == [], f"a script from the data ran: {dialogs}"
    shown = [secret for secret in served["secrets"] if any(secret in text for text in texts)]
    assert shown == [], f"ID numbers or phones from the ledger appear on a page: {shown[:3]}"
    outside = sorted({r for r in requests if not r.startswith((url, "data:", "blob:", "about:"))})
    assert outside == [], f"pages asked for addresses outside localhost: {outside}"


def node_at(page: Any, node: str) -> tuple[float, float]:
    """Where a node of the network component is on the page, in pixels."""
    x, y = page.evaluate(
        """(id) => { const n = globalThis.gongjianNetwork; const p = n.canvasToDOM(n.getPosition(id));
        const r = n.body.container.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        node,
    )
    return float(x), float(y)


def component_nodes(page: Any, more_than: int = 0) -> list[dict[str, Any]]:
    """The nodes of the network component (waits until it holds more than ``more_than``)."""
    page.wait_for_function(
        f"() => globalThis.gongjianNodes && globalThis.gongjianNodes.length > {more_than}", timeout=60_000
    )
    settle(page)
    nodes: list[dict[str, Any]] = page.evaluate("() => globalThis.gongjianNodes.get()")
    return nodes


def test_the_explorer_in_chromium(served: dict[str, Any]) -> None:
    """Search a joint body by part of its name, open it, expand it and open a member unit's
    page from the drawing in three actions; a clicked node's details are the store's."""
    from playwright.sync_api import sync_playwright

    url: str = served["url"]
    tables: dict[str, pd.DataFrame] = served["tables"]
    units, areas, people, posts = tables["organization"], tables["area"], tables["person"], tables["post"]
    agreements = tables["agreement"]
    current = agreements[agreements["expires"].map(lambda e: not e or e >= "2025-12-31")]
    joint = current.loc[current["parties"].map(len).idxmax()]  # a street's joint agreement
    part = joint["title"][2:10]  # part of its name
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{url}/network")
            settle(page)
            # 1. search: the best match opens with its parties around it
            box = page.get_by_placeholder("名称、简称或编码")
            box.fill(part)
            box.press("Enter")
            opened = {n["id"] for n in component_nodes(page)}
            agreement = f"agreement:{joint['key']}"
            assert opened == {agreement} | {f"organization:{k}" for k in joint["parties"]}
            page.screenshot(path=OUT / "explore-search.png", full_page=True)
            # 2. expand it (a double click): one step further, what was there stays
            page.mouse.dblclick(*node_at(page, agreement))
            expanded = {n["id"] for n in component_nodes(page, len(opened))}
            assert opened < expanded
            page.screenshot(path=OUT / "explore-expanded.png", full_page=True)
            # a click on a member unit shows its details, as the store has them
            member = next(k for k in joint["parties"] if posts["org"].eq(k).any())
            unit = units[units["key"] == member].iloc[0]
            page.mouse.click(*node_at(page, f"organization:{member}"))
            page.get_by_role("heading", name=unit["name"]).wait_for(timeout=60_000)
            settle(page)
            area = areas.loc[areas["key"] == unit["area"], "name"].iloc[0]
            panel = page.get_by_text(f"所属区域：{area}")
            assert panel.count() == 1
            names = dict(zip(people["key"], people["name"], strict=True))
            for who in posts.loc[posts["org"] == member, "person"]:
                assert (
                    page.get_by_role("gridcell", name=names[who]).count() >= 1 or names[who] in page.content()
                )
            page.screenshot(path=OUT / "explore-details.png", full_page=True)
            # 3. open the member unit's page from the drawing
            page.mouse.move(*node_at(page, f"organization:{member}"))
            page.locator("button[data-action=open]").click()
            page.get_by_role("heading", name=unit["name"]).wait_for(timeout=60_000)
            settle(page)
            assert "/unit" in page.url and member in page.url

            # the aggregated street and the interlocks draw; a hostile name stays text
            street = areas.loc[areas["level"] == "street", "key"].iloc[0]
            district = areas.loc[areas["key"] == street, "parent"].iloc[0]
            for mode in ("scope", "interlock"):
                page.goto(f"{url}/network?district={district}&street={street}&mode={mode}")
                assert component_nodes(page)
                page.screenshot(path=OUT / f"explore-{mode}.png", full_page=True)
            page.goto(f"{url}/network")
            settle(page)
            box = page.get_by_placeholder("名称、简称或编码")
            box.fill("img src")
            box.press("Enter")
            drawn = component_nodes(page)
            assert EVIL in {n["title"].split("\n")[0] for n in drawn}
            page.get_by_role("heading", name=EVIL).wait_for(timeout=60_000)
            assert page.locator("img[src='x']").count() == 0
            page.screenshot(path=OUT / "explore-html-name.png", full_page=True)
        finally:
            browser.close()
    assert dialogs == [], f"a script from the data ran: {dialogs}"
    outside = sorted({r for r in requests if not r.startswith((url, "data:", "blob:", "about:"))})
    assert outside == [], f"pages asked for addresses outside localhost: {outside}"


def test_the_data_page_treats_an_unknown_word_as_a_term_in_chromium(
    served: dict[str, Any], tmp_path: Path
) -> None:
    """Upload a ledger in a keeper's words; its causes lead the page; "treat 党总支 as 社区党委"
    writes the vocabulary file and the page checks the ledger again."""
    from playwright.sync_api import sync_playwright

    url: str = served["url"]
    vocabulary = Path(served["data_dir"]) / "词表.csv"
    ledger = "名称,类型,所属区域\n林海社区第二党总支,党总支,林海社区\n林海小卖部,门面,林海社区\n"
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
        try:
            page.goto(url + "/data")
            settle(page)
            page.locator("input[type=file]").set_input_files(
                files=[{"name": "单位.csv", "mimeType": "text/csv", "buffer": ledger.encode()}]
            )
            page.get_by_text("把「党总支」当作").wait_for(timeout=60_000)
            settle(page)
            assert page.get_by_text("把「门面」当作").count() == 1
            page.screenshot(path=OUT / "data-causes.png", full_page=True)
            page.get_by_role("button", name="记入词表并重新检查").first.click()
            page.get_by_text("已记入词表").wait_for(timeout=60_000)
            settle(page)
            assert page.get_by_text("把「党总支」当作").count() == 0
            assert page.get_by_text("把「门面」当作").count() == 1
            assert (
                page.get_by_role("combobox", name="把「门面」当作").input_value() == "商户"
            )  # its own choice
            page.screenshot(path=OUT / "data-after-treat.png", full_page=True)
        finally:
            browser.close()
    assert vocabulary.read_text(encoding="utf-8-sig").splitlines() == [
        "原词,标准词,列",
        "党总支,社区党委,类型",
    ]
