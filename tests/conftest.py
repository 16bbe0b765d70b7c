"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase

from graph import neo4j_server as local_neo4j
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore, statement
from graph.store import Store
from loaders.ledger import load
from synthetic.city import generate


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "neo4j: needs the local Neo4j server (Java 17 and Maven)")


def require_neo4j() -> None:
    """Skip when Java or Maven is missing; in CI (CI=true) that is a failure instead."""
    reason = local_neo4j.unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the local Neo4j: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_neo4j.ServerInfo]:
    """One local Neo4j server for the whole test session, on a free port; stopped at the end."""
    require_neo4j()
    data_dir = tmp_path_factory.mktemp("neo4j-session")
    info = local_neo4j.start(data_dir, port=local_neo4j.free_port(), short_lived=True)
    yield info
    local_neo4j.stop(data_dir)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: local_neo4j.ServerInfo) -> Iterator[Driver]:
    """A driver of the session's local Neo4j."""
    with GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password())) as driver:
        yield driver


@pytest.fixture
def neo4j_store(neo4j_driver: Driver) -> Iterator[Neo4jStore]:
    """A Neo4j store on the session's server, emptied first (the schema stays)."""
    with neo4j_driver.session() as session:
        session.run(statement("clear")).consume()
    store = Neo4jStore(neo4j_driver)
    yield store
    store.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic S city, loaded into <dir>/s.sqlite (a fresh copy per test module); its
    ledger in <dir>/ledger."""
    folder = tmp_path_factory.mktemp("s-city")
    generate("S", 42, folder / "ledger")
    store = EmbeddedStore(folder / "s.sqlite")
    load(folder / "ledger", store)
    store.close()
    return folder


@pytest.fixture
def data_dir(city: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointing at the S city's store, for the app and the CLI."""
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(city))
    monkeypatch.setenv("GONGJIAN_STORE_NAME", "s")
    return city


@pytest.fixture(scope="session")
def m_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The synthetic M city (one district, 10,000 units) loaded once per session into an
    embedded store and into a local Neo4j of its own, for tests that compare the stores' figures
    on a city of real size. Read only: never write to them. Keyed "embedded" and "neo4j". Used by
    tests/test_reads.py only: the suite's workers take whole modules (``--dist loadfile``), so
    one module loads the city once."""
    require_neo4j()
    folder = tmp_path_factory.mktemp("m-city")
    data_dir = folder / "neo4j"
    with ThreadPoolExecutor(1) as pool:  # the server starts while the city is made and loaded embedded
        starting = pool.submit(local_neo4j.start, data_dir, port=local_neo4j.free_port(), short_lived=True)
        try:
            generate("M", 42, folder / "ledger")
            embedded = EmbeddedStore(folder / "m.sqlite")
            load(folder / "ledger", embedded)
        except BaseException:
            wait([starting])
            local_neo4j.stop(data_dir)
            raise
    try:
        info = starting.result()
        with GraphDatabase.driver(info.uri, auth=(info.user, info.password())) as driver:
            neo4j = Neo4jStore(driver)
            load(folder / "ledger", neo4j)
            yield {"embedded": embedded, "neo4j": neo4j}
            neo4j.close()
    finally:
        embedded.close()
        local_neo4j.stop(data_dir)
