"""The command line, run in-process with click's runner on real files and a real store."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_that_the_readme_shows(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    command = main.commands[name]
    assert command.help
    summary = command.help.split("\n\n")[0].replace("\n", " ")
    assert f"| `gongjian {name}` | {summary} |" in README


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GONGJIAN_STORE_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_stats_of_an_empty_store_prints_zero_counts_as_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["records"]["organization"] == 0 and figures["units_by_area"] == []


def test_commands_are_grouped_under_one_entry_point() -> None:
    assert isinstance(main, click.Group)
    assert {"demo", "generate", "template", "validate", "load", "app", "stats"} <= set(COMMANDS)
