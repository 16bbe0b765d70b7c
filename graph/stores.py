"""Opening the store the settings choose: the embedded one, or a Neo4j database.

    store = open_store()             # the `store` setting: embedded (default) or neo4j
    store = open_store("neo4j")

For Neo4j the driver is made from the settings neo4j_uri, neo4j_user, neo4j_password and
neo4j_database; with no neo4j_uri it is the local server of `gongjian neo4j start` (under the
data_dir setting) with its generated password. The store closes that driver when it is closed.
The password is never printed, logged or put in a message.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from neo4j import GraphDatabase
from neo4j.exceptions import ConfigurationError

from graph import neo4j_server, settings
from graph.embedded import EmbeddedStore
from graph.errors import SettingsError, StoreError
from graph.neo4j_store import Neo4jStore
from graph.store import Store

KINDS = ("embedded", "neo4j")
SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def open_store(kind: str | None = None, store_name: str | None = None) -> Store:
    """The store of ``kind`` (default: the store setting). ``store_name`` names the embedded
    store's file (default: the store_name setting); Neo4j uses the neo4j_database setting."""
    kind = kind or settings.get("store")
    if kind == "embedded":
        return EmbeddedStore(settings.store_path(store_name))
    if kind == "neo4j":
        return _open_neo4j()
    raise SettingsError(
        f"Store {kind!r} is not one of {', '.join(KINDS)}; set GONGJIAN_STORE to one of them."
    )


def _open_neo4j() -> Neo4jStore:
    uri, user, password = (
        settings.get("neo4j_uri"),
        settings.get("neo4j_user"),
        settings.get("neo4j_password"),
    )
    if not uri:
        data_dir = Path(settings.get("data_dir")).expanduser()
        local = neo4j_server.status(data_dir)
        if local is None:
            raise StoreError(
                f"No local Neo4j is running for {data_dir}; start it with `gongjian neo4j start` "
                "or set GONGJIAN_NEO4J_URI to the Neo4j to use."
            )
        uri, user, password = local.uri, local.user, password or local.password()
    try:
        if urlsplit(uri).scheme not in SCHEMES:
            raise ValueError(f"the scheme is not one of {', '.join(SCHEMES)}")
        driver = GraphDatabase.driver(uri, auth=(user, password))
    except (ConfigurationError, ValueError) as err:
        raise StoreError(
            f"The neo4j_uri setting is not a Neo4j address ({err}); write it like neo4j://host:7687, "
            "bolt://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io."
        ) from err
    try:
        return Neo4jStore(driver, settings.get("neo4j_database"), close_driver=True)
    except BaseException:
        driver.close()
        raise
