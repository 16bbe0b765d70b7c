"""The local Neo4j server: build, start, auth, restart, stop, against a real Neo4j 5.26."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from graph.errors import Neo4jServerError
from graph.neo4j_server import (
    ServerInfo,
    free_port,
    port_free,
    start,
    status,
    stop,
    unavailable,
)
from tests.conftest import require_neo4j


def _names(info: ServerInfo, password: str) -> list[str]:
    with GraphDatabase.driver(info.uri, auth=(info.user, password)) as driver:
        records, _, _ = driver.execute_query("MATCH (u:Unit) RETURN u.name AS name ORDER BY name")
    return [record["name"] for record in records]


@pytest.mark.neo4j
def test_start_write_read_refuse_restart_stop(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    require_neo4j()
    port = free_port()
    info = start(tmp_path, port=port)
    try:
        assert info.uri == f"bolt://127.0.0.1:{port}"
        assert info.user == "neo4j"
        assert info.password_file == tmp_path.resolve() / "neo4j" / "password"
        assert stat.S_IMODE(info.password_file.stat().st_mode) == 0o600
        assert os.getpgid(info.pid) == info.pid  # detached: its own process group
        password = info.password()
        assert len(password) >= 32

        with GraphDatabase.driver(info.uri, auth=(info.user, password)) as driver:
            driver.execute_query(
                "UNWIND $names AS name CREATE (:Unit {name: name})", names=["西岗区人民医院", "`$x'})//"]
            )
        assert _names(info, password) == sorted(["西岗区人民医院", "`$x'})//"])

        for wrong in (password + "x", "neo4j"):  # neo4j is the default password: never left in place
            with (
                pytest.raises(AuthError),
                GraphDatabase.driver(info.uri, auth=(info.user, wrong)) as driver,
            ):
                driver.verify_connectivity()

        assert status(tmp_path) == info
        assert start(tmp_path, port=free_port()) == info  # already running: the same server
    finally:
        assert stop(tmp_path)

    assert status(tmp_path) is None
    assert port_free(port)
    assert not stop(tmp_path)

    restarted = start(tmp_path, port=port, short_lived=True)  # password and data survive a restart
    try:
        assert restarted.pid != info.pid
        flags = Path(f"/proc/{restarted.pid}/cmdline").read_bytes().split(b"\0")
        assert b"-XX:TieredStopAtLevel=1" in flags and b"-XX:+UseG1GC" not in flags  # C1 only, serial GC
        assert restarted.password() == password
        assert _names(restarted, password) == sorted(["西岗区人民医院", "`$x'})//"])
    finally:
        assert stop(tmp_path)

    logs = [tmp_path / "neo4j" / "server.log", *(tmp_path / "neo4j" / "home" / "logs").glob("*.log")]
    assert all(password not in log.read_text(encoding="utf-8", errors="replace") for log in logs)
    printed = capfd.readouterr()
    assert password not in printed.out + printed.err


@pytest.mark.neo4j
def test_a_failed_start_quotes_the_log(tmp_path: Path) -> None:
    require_neo4j()
    (tmp_path / "neo4j" / "home").mkdir(parents=True)
    (tmp_path / "neo4j" / "home" / "data").write_text("a file where Neo4j needs its data folder\n")
    with pytest.raises(Neo4jServerError, match="stopped while starting") as raised:
        start(tmp_path, port=free_port())
    assert "home/data" in str(raised.value)  # the launcher's own error, quoted from server.log
    assert str(raised.value).rstrip().endswith("start again.")
    assert status(tmp_path) is None


def test_status_and_stop_with_no_server(tmp_path: Path) -> None:
    assert status(tmp_path) is None
    assert stop(tmp_path) is False


def test_without_java_start_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    reason = unavailable()
    assert reason is not None
    assert reason.startswith("install Java 17 and Maven to run the Neo4j tests")
    with pytest.raises(Neo4jServerError, match="no java on PATH") as raised:
        start(tmp_path / "data")
    assert str(raised.value).endswith(
        "Install Java 17 and Maven (e.g. apt-get install openjdk-17-jdk-headless maven) and try again."
    )


@pytest.mark.parametrize(
    ("version_line", "major"),
    [
        ('openjdk version "11.0.20" 2023-07-18', 11),
        ('java version "1.8.0_381"', 8),
    ],
)
def test_an_old_java_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version_line: str, major: int
) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(
        textwrap.dedent(f"""\
            #!/bin/sh
            echo '{version_line}' >&2
            """)
    )
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(
        Neo4jServerError, match=f"is Java {major}; Neo4j 5.26.* needs Java 17 or 21, or JAVA_HOME set to one"
    ):
        start(tmp_path / "data")


@pytest.mark.neo4j
def test_the_session_server_answers(neo4j_server: ServerInfo) -> None:
    with GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password())) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition"
        )
    assert records[0]["version"].startswith("5.26.")
    assert records[0]["edition"] == "community"
