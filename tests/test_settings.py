from __future__ import annotations

from pathlib import Path

import pytest

from graph import settings
from graph.errors import SettingsError

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_the_readme(setting: settings.Setting) -> None:
    default = f"`{setting.default}`" if setting.default else "(empty)"
    assert f"| {setting.name} | `{setting.env}` | {default} | {setting.help} |" in README


def test_environment_beats_config_file_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GONGJIAN_STORE_NAME", raising=False)
    monkeypatch.delenv("GONGJIAN_CONFIG", raising=False)
    assert settings.get("store_name") == "default"
    (tmp_path / "gongjian.toml").write_text('store_name = "xigang"\n', encoding="utf-8")
    assert settings.get("store_name") == "xigang"
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "zhongshan")
    assert settings.get("store_name") == "zhongshan"


def test_store_path_lives_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    assert settings.store_path("a") == tmp_path / "a.sqlite"
    assert settings.store_path("b") != settings.store_path("a")  # stores side by side
    with pytest.raises(SettingsError, match="plain file name"):
        settings.store_path("../elsewhere")


def test_a_bad_config_file_says_which_and_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("store_name = \n", encoding="utf-8")
    monkeypatch.setenv("GONGJIAN_CONFIG", str(bad))
    monkeypatch.delenv("GONGJIAN_STORE_NAME", raising=False)
    with pytest.raises(SettingsError, match=r"bad\.toml is not valid TOML"):
        settings.get("store_name")
