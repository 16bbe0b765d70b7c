"""The app against hostile data: caches that follow every write, ledger text shown as text
on every page, masked names that stay masked. Streamlit's AppTest on a copy of the S city."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from cli import main
from graph.embedded import EmbeddedStore
from loaders.ledger import load

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def own_store(city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the S city's store that a test may change."""
    shutil.copy(city / "s.sqlite", tmp_path / "own.sqlite")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "own")
    return tmp_path / "own.sqlite"


def app(page: str = "", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    if page:
        at.switch_page(f"ui/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_a_cli_load_that_changes_values_but_no_counts_shows_in_the_app(
    own_store: Path, tmp_path: Path
) -> None:
    """The caches were keyed on row counts: a corrected name never showed until a restart."""
    store = EmbeddedStore(own_store)
    unit = store.table("organization").dropna(subset=["code"]).iloc[0]
    counts, revision = store.counts(), store.revision()
    store.close()
    at = app("unit", unit=f"organization:{unit['key']}")
    assert at.header[0].value.replace("\\", "") == unit["name"]
    folder = tmp_path / "fix"
    folder.mkdir()
    (folder / "单位.csv").write_text(
        f"编码,单位名称,单位类型,所属社区\n{unit['code']},改正后的名称,{unit['kind']},{unit['area']}\n",
        encoding="utf-8",
    )
    cli = EmbeddedStore(own_store)  # another process's view of the same file, as the CLI has
    report = load(folder, cli)
    assert report.changes["organization"].updated == 1
    assert (cli.counts(), cli.revision()) == (counts, revision + 1)
    cli.close()
    at.run()
    assert at.header[0].value.replace("\\", "") == "改正后的名称"


# Names that are markup: a markdown image and link (the browser would fetch the image), HTML,
# and LaTeX that KaTeX would render. Shown as text, they never reach the page as markup.
PAYLOADS = {
    "district": "![t](http://127.0.0.9:9/district.png)区",
    "street": "<img src=http://127.0.0.9:9/street.png>街道",
    "community": "$$\\href{http://127.0.0.9:9/}{社区}$$",
    "empty": "[空社区](http://127.0.0.9:9/empty)",
}
UNESCAPED = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\$(?<!\\)\$|(?<!\\)<img")  # markup that would render
PAGES = ("overview", "network", "unit", "cross", "engagement", "query", "data")


def _markup_shown(at: AppTest) -> list[str]:
    """Every text the page renders as markdown: titles, captions, alerts, metric, expander and
    tab labels."""
    texts = [
        e.value
        for kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "caption",
            "info",
            "warning",
            "error",
            "success",
        )
        for e in getattr(at, kind)
    ]
    texts += [m.label for m in at.metric] + [e.label for e in at.expander] + [t.label for t in at.tabs]
    return [str(t) for t in texts]


@pytest.fixture
def hostile_scope(own_store: Path, tmp_path: Path) -> dict[str, str]:
    """The S city with its first district, street and community renamed to markup, a unit of
    the community too, and an empty community under the street: the keys of the scope."""
    store = EmbeddedStore(own_store)
    areas = store.table("area")
    units = store.table("organization")
    store.close()
    district = areas[areas["level"] == "district"].iloc[0]
    street = areas[(areas["level"] == "street") & (areas["parent"] == district["key"])].iloc[0]
    community = areas[(areas["level"] == "community") & (areas["parent"] == street["key"])].iloc[0]
    unit = units[units["area"] == community["key"]].dropna(subset=["code"]).iloc[0]
    folder = tmp_path / "hostile"
    folder.mkdir()
    rows = [
        (district["code"], PAYLOADS["district"], "区", district["parent"] or ""),
        (street["code"], PAYLOADS["street"], "街道", district["code"]),
        (community["code"], PAYLOADS["community"], "社区", street["code"]),
        ("EMPTY1", PAYLOADS["empty"], "社区", street["code"]),
    ]
    (folder / "区域.csv").write_text(
        "编码,名称,层级,上级\n" + "".join(f'"{c}","{n}",{lv},{p}\n' for c, n, lv, p in rows), encoding="utf-8"
    )
    (folder / "单位.csv").write_text(
        f'编码,单位名称,单位类型,所属社区\n{unit["code"]},"{PAYLOADS["district"]}单位",{unit["kind"]},{community["code"]}\n',
        encoding="utf-8",
    )
    store = EmbeddedStore(own_store)
    load(folder, store)
    store.close()
    return {
        "district": district["key"],
        "street": street["key"],
        "community": community["key"],
        "unit": f"organization:{unit['key']}",
    }


@pytest.mark.parametrize("page", PAGES)
def test_ledger_text_is_text_on_every_page(hostile_scope: dict[str, str], page: str) -> None:
    scope = {k: hostile_scope[k] for k in ("district", "street", "community")}
    at = app(page, unit=hostile_scope["unit"], **scope)
    shown = _markup_shown(at)
    if page not in ("query", "data"):  # the pages that show the scope or the unit
        assert any("127.0.0.9" in text.replace("\\", "") for text in shown), "the names are not on the page"
    for text in shown:
        for payload in PAYLOADS.values():
            assert payload not in text, (page, text)
        assert not UNESCAPED.search(text), (page, text)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_a_community_without_units_renders(hostile_scope: dict[str, str], page: str) -> None:
    app(page, district=hostile_scope["district"], street=hostile_scope["street"], community="EMPTY1")


def test_engagement_of_a_community_without_units_says_so(hostile_scope: dict[str, str]) -> None:
    at = app(
        "engagement", district=hostile_scope["district"], street=hostile_scope["street"], community="EMPTY1"
    )
    assert not at.exception
    assert [i.value for i in at.info] == ["所选范围和评价期内没有已加入平台的成员单位。"]


# --- masked names stay masked ----------------------------------------------------------------

NAME = "欧阳明远"  # a person without a code: keyed by the name


@pytest.fixture
def uncoded_person(own_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """欧阳明远, without a code, holding posts in two units of the S city (cross-appointed);
    names masked by the setting. The keys of the two units."""
    store = EmbeddedStore(own_store)
    units = store.table("organization").dropna(subset=["code"]).head(2)
    store.close()
    folder = tmp_path / "people"
    folder.mkdir()
    (folder / "人员.csv").write_text(f"姓名,是否党员\n{NAME},是\n", encoding="utf-8")
    (folder / "任职.csv").write_text(
        "人员,单位,职务,任职日期\n" + "".join(f"{NAME},{c},委员,2020-01-01\n" for c in units["code"]),
        encoding="utf-8",
    )
    store = EmbeddedStore(own_store)
    load(folder, store)
    store.close()
    monkeypatch.setenv("GONGJIAN_MASK_NAMES", "true")
    return list(units["key"])


def drawing(at: AppTest) -> str:
    """What the network page hands its drawing component (nodes, edges, labels) as JSON."""
    components = at.get("bidi_component")
    if components:  # decoded: the JSON escapes every Chinese character
        return json.dumps(json.loads(components[0].proto.json), ensure_ascii=False)
    return str(at.get("iframe")[0].proto.srcdoc)


def test_with_masking_a_picked_person_is_a_token_in_the_url_and_in_the_drawing(
    uncoded_person: list[str],
) -> None:
    at = app("network", mode="ego")
    at.text_input(key="net_q").input(NAME).run()
    assert not at.exception
    link = at.query_params["node"]
    assert NAME not in str(link) and str(link).startswith("person:~")
    drawn = drawing(at)
    assert NAME not in drawn and "欧**远" in drawn
    assert f"organization:{uncoded_person[0]}" in drawn  # the person's units are drawn
    again = app("network", mode="ego", node=str(link))  # the shared link opens the same person
    assert NAME not in drawing(again) and f"organization:{uncoded_person[0]}" in drawing(again)


def test_with_masking_query_results_and_the_cli_show_no_full_name(uncoded_person: list[str]) -> None:
    at = app("query")
    at.selectbox(key="query_name").select("cross_appointed").run()
    at.text_input(key="q_cross_appointed_area").input("").run()
    next(b for b in at.button if b.label == "运行").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "人员编码" in d.value.columns)  # person_key
    cells = table.astype(str).to_numpy().ravel().tolist()
    assert "欧**远" in cells and not any(NAME in c for c in cells)
    result = CliRunner().invoke(main, ["query", "cross_appointed", "as_of=2025-06-30"])
    assert result.exit_code == 0, result.output
    assert "欧**远" in result.output and NAME not in result.output
    as_json = CliRunner().invoke(main, ["query", "cross_appointed", "as_of=2025-06-30", "--json"])
    assert "欧**远" in as_json.output and NAME not in as_json.output
    refused = CliRunner().invoke(main, ["cypher", "MATCH (p:Person) RETURN reverse(p.name)"])
    assert refused.exit_code == 1 and "masked" in refused.output


def test_an_upload_over_the_size_limit_is_refused_with_a_message(own_store: Path) -> None:
    at = app("data")
    big = b"name,kind\n" + b"x" * (50 << 20)
    at.file_uploader[0].set_value(("单位.csv", big, "text/csv")).run()
    assert not at.exception
    assert "超过上限 50 MB" in at.error[0].value
    assert not at.button  # nothing to load


def test_the_engagement_command_on_a_community_without_units_says_so(hostile_scope: dict[str, str]) -> None:
    """It raised ValueError in _ranked."""
    result = CliRunner().invoke(main, ["engagement", "--period", "2025", "--area", "EMPTY1"])
    assert result.exit_code == 0, result.output
    assert ": 0 member units, 0 flagged" in result.output


def test_with_masking_the_cross_command_shows_no_full_name(
    own_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(own_store)
    names = {n for n in store.table("person")["name"] if len(n) >= 3}
    store.close()
    plain_output = CliRunner().invoke(main, ["cross", "--period", "2025", "--json"]).output
    shown = {n for n in names if n in plain_output}
    assert shown  # the command names people...
    monkeypatch.setenv("GONGJIAN_MASK_NAMES", "true")
    for command in (["cross", "--period", "2025", "--json"], ["cross", "--period", "2025"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, result.output
        assert not {n for n in names if n in result.output}  # ...never in full while masking
