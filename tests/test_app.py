"""The app's pages, run with Streamlit's AppTest on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph import settings
from graph.embedded import EmbeddedStore
from tests.test_store import small_city

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "apptest")
    return tmp_path


def test_overview_shows_what_the_store_holds(data_dir: Path) -> None:
    store = EmbeddedStore(settings.store_path())
    store.write(small_city())
    store.close()
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["单位"] == "3" and metrics["区域"] == "5" and metrics["参会"] == "2"
    areas = at.dataframe[0].value
    row = areas[areas["街道"] == "葵英街道"].iloc[0]
    assert (row["区"], row["单位数"], row["共建成员单位"]) == ("中山区", 2, 1)


def test_overview_of_an_empty_store_says_how_to_load(data_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "gongjian demo" in at.info[0].value
