"""Settings, declared once: name, default and help.

Each setting is read from the environment variable ``GONGJIAN_<NAME>``, else from the config
file (``GONGJIAN_CONFIG``, else ``gongjian.toml`` in the working directory, if there is one),
else its default. The README lists every setting; a test checks it does.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from graph.errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"GONGJIAN_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "~/.gongjian", "Folder holding the embedded stores, one file per store."),
    Setting("store_name", "default", "Which embedded store to use: the file <data_dir>/<store_name>.sqlite."),
    Setting("store", "embedded", "Where the graph is kept: embedded (one SQLite file) or neo4j."),
    Setting(
        "neo4j_uri",
        "",
        "Neo4j to use, e.g. neo4j+s://xxxx.databases.neo4j.io; empty: the local server (gongjian neo4j start).",
    ),
    Setting("neo4j_user", "neo4j", "Neo4j user name."),
    Setting(
        "neo4j_password",
        "",
        "Neo4j password; empty: the local server's generated one. Never printed or logged.",
    ),
    Setting("neo4j_database", "neo4j", "Neo4j database name."),
    Setting(
        "app_password",
        "",
        "A password the app asks for before showing anything; empty: no login. Never printed or logged.",
    ),
    Setting(
        "seat_roles",
        "兼职",
        "Words (comma-separated) that make a post part-time when 是否兼职 is left empty; "
        "a part-time post on a committee is a committee seat.",
    ),
    Setting(
        "mask_names", "false", "true: every page shows person names masked (张*明), with no switch to unmask."
    ),
    Setting(
        "app_address",
        "127.0.0.1",
        "Address the app listens on; 0.0.0.0 opens it to the network, and then app_password must be set.",
    ),
    Setting(
        "vocabulary",
        "",
        "A 词表 file (xlsx or CSV: 原词, 标准词, 列) applying to every ledger; empty: <data_dir>/词表.csv.",
    ),
)


def _config_file() -> dict[str, object]:
    path = Path(os.environ.get("GONGJIAN_CONFIG", "gongjian.toml"))
    if not path.is_file():
        if "GONGJIAN_CONFIG" in os.environ:
            raise SettingsError(
                f"GONGJIAN_CONFIG names {path}, which is not a file; fix the path or unset it."
            )
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path} is not valid TOML ({err}); fix the file or remove it.") from err


def get(name: str) -> str:
    """The value of one setting."""
    setting = next((s for s in SETTINGS if s.name == name), None)
    if setting is None:
        raise SettingsError(
            f"There is no setting {name!r}; the settings are: {', '.join(s.name for s in SETTINGS)}."
        )
    if setting.env in os.environ:
        return os.environ[setting.env]
    return str(_config_file().get(name, setting.default))


def flag(name: str) -> bool:
    """A yes/no setting: true, yes, on or 1 is yes."""
    return get(name).strip().lower() in ("1", "true", "yes", "on")


def vocabulary_path() -> Path:
    """The vocabulary file every ledger uses (it may not exist yet: the app creates it)."""
    named = get("vocabulary").strip()
    return Path(named).expanduser() if named else Path(get("data_dir")).expanduser() / "词表.csv"


def store_path(store_name: str | None = None) -> Path:
    """The file of the embedded store named in settings (or the one asked for)."""
    name = store_name or get("store_name")
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise SettingsError(
            f"Store name {name!r} must be a plain file name such as 'default' or 'xigang-2025'."
        )
    return Path(get("data_dir")).expanduser() / f"{name}.sqlite"


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(address: str) -> bool:
    return address in LOOPBACK or address.startswith("127.")


def app_address() -> str:
    """The address the app listens on: loopback unless the app_address setting opens it, and
    then only with an app_password (the data names party members)."""
    address = get("app_address").strip() or LOOPBACK[0]
    if not is_loopback(address) and not get("app_password"):
        raise SettingsError(
            f"app_address is {address}, which opens the app to the network, but app_password is empty: "
            "anyone could read the names of party members. Set app_password (GONGJIAN_APP_PASSWORD), "
            "or set app_address back to 127.0.0.1."
        )
    return address
