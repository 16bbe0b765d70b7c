"""The app against hostile data: caches that follow every write, ledger text shown as text
on every page, masked names that stay masked. Streamlit's AppTest on a copy of the S city."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
