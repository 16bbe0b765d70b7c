"""The app in headless Chromium with a scope whose names are markup (a markdown image and link,
HTML, LaTeX): every page renders them as text, and no page asks anything of an address outside
localhost. Needs what tests/test_browser.py needs, and skips (or fails in CI) the same way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from loaders.ledger import load
from synthetic.city import generate
from tests.appserver import serving
from tests.test_browser import ARGS, CHROMIUM, require_browser, settle

PAYLOADS = {  # the address is not localhost: a request to it would be a leak
    "district": "![t](http://127.0.0.9:9/district.png)区",
    "street": "<img src=http://127.0.0.9:9/street.png>街道",
    "community": "$$\\href{http://127.0.0.9:9/}{\\text{社区}}$$",
}
SHOTS = Path(os.environ.get("GONGJIAN_SHOTS", "/tmp/gongjian-shots"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    require_browser()
    folder = tmp_path_factory.mktemp("hostile-city")
    generate("S", 42, folder / "ledger")
    store = EmbeddedStore(folder / "s.sqlite")
    load(folder / "ledger", store)
    areas = store.table("area")
    district = areas[areas["level"] == "district"].iloc[0]
    street = areas[(areas["level"] == "street") & (areas["parent"] == district["key"])].iloc[0]
    community = areas[(areas["level"] == "community") & (areas["parent"] == street["key"])].iloc[0]
    rows = [
        (district["code"], PAYLOADS["district"], "区", district["parent"] or ""),
        (street["code"], PAYLOADS["street"], "街道", district["code"]),
        (community["code"], PAYLOADS["community"], "社区", street["code"]),
    ]
    (folder / "hostile").mkdir()
    (folder / "hostile" / "区域.csv").write_text(
        "编码,名称,层级,上级\n" + "".join(f'"{c}","{n}",{lv},{p}\n' for c, n, lv, p in rows), encoding="utf-8"
    )
    load(folder / "hostile", store)
    store.close()
    with serving(folder) as url:
        scope = f"district={district['key']}&street={street['key']}&community={community['key']}"
        yield {"url": url, "scope": scope}


def test_markup_names_in_the_scope_fetch_nothing_and_show_as_text(served: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, scope = served["url"], served["scope"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
        page.on("request", lambda r: requests.append(r.url))
        try:
            for name in ("", "network", "unit", "cross", "engagement", "query", "data"):
                page.goto(f"{url}/{name}?{scope}")
                settle(page)
                page.screenshot(path=SHOTS / f"hostile-{name or 'overview'}.png", full_page=True)
                if name in ("", "engagement", "cross"):  # the scope's names are on the page, as text
                    body = page.inner_text("body").replace(
                        "\u2060", ""
                    )  # the word joiner that stops autolinks
                    assert PAYLOADS["district"] in body and PAYLOADS["street"] in body, name
                for frame in page.frames:
                    assert frame.locator("img[src*='127.0.0.9']").count() == 0
                    links = frame.locator("a[href*='127.0.0.9']")
                    assert links.count() == 0, [
                        links.nth(i).evaluate("a => a.parentElement.outerHTML") for i in range(links.count())
                    ]
                    assert frame.locator(".katex").count() == 0
        finally:
            browser.close()
    outside = sorted({r for r in requests if not r.startswith((url, "data:", "blob:", "about:"))})
    assert outside == [], f"pages asked for addresses outside localhost: {outside}"
