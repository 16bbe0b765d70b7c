"""The command line, run in-process with click's runner on real files and a real store."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from graph import settings
from graph.embedded import EmbeddedStore
from graph.engagement import _peers_name, load_settings
from graph.errors import SettingsError
from graph.scope import Period

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
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


def test_a_generated_city_validates_loads_once_and_counts(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["generate", "--scale", "S", "--out", "city"]).exit_code == 0
    checked = runner.invoke(main, ["validate", "city"])
    assert checked.exit_code == 0 and "no problems" in checked.output
    first = runner.invoke(main, ["load", "city"])
    assert first.exit_code == 0, first.output
    units = json.loads((tmp_path / "city" / "truth.json").read_text(encoding="utf-8"))["counts"]["units"]
    assert re.search(rf"单位\s+{units}\s+0\s+0\n", first.output)
    # the 参与度 page's first visit finds the peers' figures of its default period kept
    period = Period.parse(re.search(r"peers' figures of (\S+) and", first.output)[1])  # type: ignore[index]
    store = EmbeddedStore(settings.store_path())
    try:
        for p in (period, period.previous()):
            assert store.kept(_peers_name(p, load_settings())) is not None
    finally:
        store.close()
    figures = json.loads(runner.invoke(main, ["stats", "--json"]).output)
    assert figures["records"]["organization"] == units
    assert sum(a["units"] for a in figures["units_by_area"]) == units
    again = runner.invoke(main, ["load", "city"])
    assert again.exit_code == 0 and re.search(rf"单位\s+0\s+0\s+{units}\n", again.output)
    assert json.loads(runner.invoke(main, ["stats", "--json"]).output) == figures


def test_a_bad_ledger_is_reported_and_nothing_is_loaded(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["generate", "--scale", "S", "--out", "city", "--mess", "0"])
    posts = tmp_path / "city" / "任职.csv"
    lines = posts.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("单位")] = "不存在的单位"
    posts.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    checked = runner.invoke(main, ["validate", "city"])
    assert checked.exit_code == 1
    assert "[1] city/任职.csv 列「单位」 值「不存在的单位」：1 行（第 2 行）" in checked.output
    every = runner.invoke(main, ["validate", "city", "--all"])
    assert "任职.csv 第2行 列「单位」 值「不存在的单位」" in every.output
    loaded = runner.invoke(main, ["load", "city"])
    assert loaded.exit_code == 1 and "nothing was loaded" in loaded.output
    assert json.loads(runner.invoke(main, ["stats", "--json"]).output)["records"]["organization"] == 0
    skipped = runner.invoke(main, ["load", "city", "--skip-bad-rows"])
    assert skipped.exit_code == 0
    assert "1 row(s) rejected" in skipped.output
    rejected = (tmp_path / "city.rejected.csv").read_text(encoding="utf-8-sig")
    assert "不存在的单位" in rejected
    records = json.loads(runner.invoke(main, ["stats", "--json"]).output)["records"]
    assert records["post"] == len(lines) - 2 and records["organization"] > 0


def test_demo_generates_and_loads_into_the_demo_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["demo", "--no-app"])
    assert result.exit_code == 0, result.output
    figures = json.loads(runner.invoke(main, ["--store", "demo", "stats", "--json"]).output)
    assert figures["records"]["organization"] > 100
    assert (tmp_path / "data" / "demo.sqlite").is_file()


def test_neo4j_status_says_how_to_start_it(runner: CliRunner) -> None:
    result = runner.invoke(main, ["neo4j", "status"])
    assert result.exit_code == 1 and "gongjian neo4j start" in result.output


@pytest.fixture
def loaded(runner: CliRunner, tmp_path: Path) -> Path:
    """The S city, generated and loaded into the embedded store."""
    assert runner.invoke(main, ["generate", "--scale", "S", "--out", "city"]).exit_code == 0
    assert runner.invoke(main, ["load", "city"]).exit_code == 0
    return tmp_path / "city"


def test_query_lists_the_named_queries_and_runs_one_on_the_embedded_store(
    runner: CliRunner, loaded: Path
) -> None:
    listed = runner.invoke(main, ["query"])
    assert listed.exit_code == 0 and "unit_ties" in listed.output and "shortest_connection" in listed.output
    from graph.stores import open_store

    store = open_store()
    units = store.table("organization")
    attendance = store.table("attendance")
    store.close()
    unit = units.loc[units["key"] == attendance["org"].iloc[0]].iloc[0]
    result = runner.invoke(main, ["query", "unit_ties", f"unit={unit['name']}", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    attended = {r["other_key"] for r in rows if r["relationship"] == "ATTENDED"}
    assert attended == set(attendance.loc[attendance["org"] == unit["key"], "meeting"])
    bad = runner.invoke(main, ["query", "unit_ties", "unit"])
    assert bad.exit_code != 0 and "key=value" in bad.output


def test_engagement_ranks_the_member_units_with_reasons(runner: CliRunner, loaded: Path) -> None:
    result = runner.invoke(main, ["engagement", "--period", "2025", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    truth = json.loads((loaded / "truth.json").read_text(encoding="utf-8"))
    flagged = {u["name"] for u in found["units"] if u["flagged"]}
    assert flagged and flagged <= set(truth["under_engaged"]) | set(truth["dropped"])
    assert all(u["reasons_zh"] for u in found["units"] if u["flagged"])
    table = runner.invoke(main, ["engagement", "--period", "2025Q3"])
    assert table.exit_code == 0 and "2025Q3" in table.output
    nowhere = runner.invoke(main, ["engagement", "--area", "不存在的街道"])
    assert nowhere.exit_code == 1 and "不存在的街道" in nowhere.output


@pytest.mark.neo4j
def test_cypher_runs_reads_and_refuses_writes_on_neo4j(
    runner: CliRunner, neo4j_server: Any, neo4j_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # neo4j_store: the session's server emptied first (another module may leave an unfinished
    # load on it, which every command would report before its JSON)
    monkeypatch.setenv("GONGJIAN_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("GONGJIAN_NEO4J_PASSWORD", neo4j_server.password())
    read = runner.invoke(main, ["cypher", "UNWIND [1, 2, 3] AS x RETURN x * 2 AS double", "--json"])
    assert read.exit_code == 0, read.output
    assert [r["double"] for r in json.loads(read.output)["rows"]] == [2, 4, 6]
    write = runner.invoke(main, ["cypher", "CREATE (n:Organization {key: 'x'}) RETURN n"])
    assert write.exit_code == 1 and "CREATE" in write.output
    named = runner.invoke(main, ["query", "unit_ties", "unit=无此单位", "--neo4j", "--json"])
    assert named.exit_code == 0, named.output
    assert json.loads(named.output)["rows"] == []


def test_template_refuses_to_overwrite_a_file_unless_forced(runner: CliRunner, tmp_path: Path) -> None:
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(b"a filled ledger")
    refused = runner.invoke(main, ["template", str(filled)])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert filled.read_bytes() == b"a filled ledger"
    forced = runner.invoke(main, ["template", str(filled), "--force"])
    assert forced.exit_code == 0 and filled.read_bytes().startswith(b"PK")


def test_skip_bad_rows_says_what_each_cause_costs_before_writing(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "区域.csv").write_text("名称,层级,上级\n中山区,区,\n林海社区,社区,中山区\n", encoding="utf-8")
    (folder / "单位.csv").write_text(
        "名称,类型,所属区域\n甲,党总支,林海社区\n乙,国企,林海社区\n", encoding="utf-8"
    )
    (folder / "资源.csv").write_text("名称,单位\n场地,甲\n资金,乙\n", encoding="utf-8")
    result = runner.invoke(main, ["load", str(folder), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert "值「党总支」：1 行" in result.output and "资源 1 行" in result.output
    assert result.output.index("Skipping costs 2 row(s)") < result.output.index("added")
    figures = json.loads(runner.invoke(main, ["stats", "--json"]).output)["records"]
    assert (figures["organization"], figures["resource"]) == (1, 1)


def test_demo_s_then_m_into_one_store_holds_both_cities(runner: CliRunner, tmp_path: Path) -> None:
    """./run demo then ./run demo --scale M: both cities share 大连市 and community names."""
    assert runner.invoke(main, ["demo", "--no-app"]).exit_code == 0
    s = json.loads(runner.invoke(main, ["--store", "demo", "stats", "--json"]).output)["records"]
    result = runner.invoke(main, ["demo", "--no-app", "--scale", "M"])
    assert result.exit_code == 0, result.output[-2000:]
    both = json.loads(runner.invoke(main, ["--store", "demo", "stats", "--json"]).output)["records"]
    assert runner.invoke(main, ["load", str(tmp_path / "data" / "demo-city-M-42")]).exit_code == 0
    m = json.loads(runner.invoke(main, ["stats", "--json"]).output)["records"]  # M alone
    shared = {"area": 1}  # 大连市 is in both
    assert both == {name: s[name] + m[name] - shared.get(name, 0) for name in both}
    assert m["organization"] > 30 * s["organization"]


def test_the_app_listens_on_localhost_unless_opened_with_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.settings import app_address

    monkeypatch.delenv("GONGJIAN_APP_ADDRESS", raising=False)
    monkeypatch.delenv("GONGJIAN_APP_PASSWORD", raising=False)
    assert app_address() == "127.0.0.1"
    monkeypatch.setenv("GONGJIAN_APP_ADDRESS", "0.0.0.0")
    with pytest.raises(SettingsError, match="app_password"):
        app_address()
    monkeypatch.setenv("GONGJIAN_APP_PASSWORD", "s3cret")
    assert app_address() == "0.0.0.0"


def test_gongjian_app_serves_on_127_0_0_1_and_stops_entirely_on_a_signal(tmp_path: Path) -> None:
    """A real `gongjian app` process: it listens on the loopback address only, and SIGTERM to it
    leaves nothing serving."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env["GONGJIAN_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "cli", "app", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not listening(port):
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.3)
        assert listening(port) == {"127.0.0.1"}
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert not listening(port)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int) -> set[str]:
    """The addresses on which some process listens on this TCP port (from /proc/net/tcp)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.mark.neo4j
def test_load_with_neo4j_writes_to_neo4j_like_every_store_command(
    runner: CliRunner, neo4j_server: Any, neo4j_store: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GONGJIAN_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("GONGJIAN_NEO4J_PASSWORD", neo4j_server.password())
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "区域.csv").write_text("名称,层级,上级\n中山区,区,\n林海社区,社区,中山区\n", encoding="utf-8")
    (folder / "单位.csv").write_text("名称,类型,所属区域\n甲,国企,林海社区\n", encoding="utf-8")
    result = runner.invoke(main, ["load", str(folder), "--neo4j"])
    assert result.exit_code == 0, result.output
    on_neo4j = json.loads(runner.invoke(main, ["stats", "--json", "--neo4j"]).output)["records"]
    assert (on_neo4j["area"], on_neo4j["organization"]) == (2, 1)
    embedded = json.loads(runner.invoke(main, ["stats", "--json"]).output)["records"]
    assert embedded["organization"] == 0


def test_validate_says_which_personal_data_columns_it_leaves_out(runner: CliRunner) -> None:
    Path("ledger").mkdir()
    Path("ledger/单位.csv").write_text("名称,类型,所属区域,简称\n甲公司,国企,林海社区,210203198001011234\n")
    Path("ledger/区域.csv").write_text("名称,层级,上级\n中山区,区,\n林海社区,社区,中山区\n")
    checked = runner.invoke(main, ["validate", "ledger"])
    assert checked.exit_code == 0, checked.output
    assert "「简称」列像是身份证号或电话号码，已略去" in checked.output
    assert "210203198001011234" not in checked.output
