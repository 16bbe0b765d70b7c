"""The gongjian command line: a thin layer over loaders/ and graph/."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from graph import settings
from graph.embedded import EmbeddedStore
from graph.errors import GongjianError, LedgerError
from graph.glossary import ORG_KIND
from graph.model import RECORDS
from graph.stats import stats as store_stats

SCALES = ("S", "M", "L")


class Context:
    def __init__(self, store_name: str | None) -> None:
        self.store_name = store_name

    def open_store(self) -> EmbeddedStore:
        return EmbeddedStore(settings.store_path(self.store_name))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_name",
    metavar="NAME",
    help="Embedded store to use (default: the store_name setting, 'default').",
)
@click.pass_context
def main(ctx: click.Context, store_name: str | None) -> None:
    """共建 gongjian: load co-building ledgers into one graph, then explore it.

    The store is the embedded one under GONGJIAN_DATA_DIR (default ~/.gongjian).
    """
    ctx.obj = Context(store_name)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback (done, total) drawing one bar on stderr."""
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def pad(text: str, width: int) -> str:
    """Left-align text in a terminal column, counting Chinese characters as two wide."""
    wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - wide, 0)


def fail(err: GongjianError) -> NoReturn:
    click.echo(str(err), err=True)
    sys.exit(1)


@main.command()
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="S",
    show_default=True,
    help="S: a few hundred units; M: a district; L: a city.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same city.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Where to write (default: ./city-<scale>-<seed>[.xlsx])."
)
@click.option(
    "--mess",
    type=float,
    default=0.05,
    show_default=True,
    help="Share of messy cells (aliases, full-width text, month dates); 0 for clean.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="A folder of CSV files or one workbook (S only).",
)
def generate(scale: str, seed: int, out: Path | None, mess: float, fmt: str) -> None:
    """Write a synthetic Dalian-like city as a ledger, with a truth.json of planted cases."""
    from loaders.synthetic import generate as make_city

    target = out or Path(f"city-{scale}-{seed}{'.xlsx' if fmt == 'xlsx' else ''}")
    try:
        with progress_bar(f"Generating {scale}") as update:
            path = make_city(scale, seed, target, mess=mess, fmt=fmt, progress=update)
    except GongjianError as err:
        fail(err)
    click.echo(f"Wrote {path}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("共建台账模板.xlsx"))
def template(path: Path) -> None:
    """Write an empty ledger template (one sheet per record type and a 说明 sheet) to PATH."""
    from loaders.template import write_template

    click.echo(f"Wrote {write_template(path)}")


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def validate(obj: Context, path: Path) -> None:
    """Check a ledger (workbook, CSV file or folder) and report every problem at once.

    Names are also resolved against what the store already holds. Exits 1 when there are problems.
    """
    from loaders.ledger import validate as check

    store = obj.open_store()
    try:
        problems = check(path, store)
    except GongjianError as err:
        fail(err)
    finally:
        store.close()
    for p in problems:
        click.echo(str(p))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {path}.", err=True)
        sys.exit(1)
    click.echo(f"{path}: no problems.")


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Load the good rows; write the rejected ones with reasons to <ledger>.rejected.csv.",
)
@click.pass_obj
def load(obj: Context, path: Path, skip_bad_rows: bool) -> None:
    """Load a ledger into the store: all of it or, when it has problems, none of it."""
    from loaders.ledger import load as load_ledger

    store = obj.open_store()
    try:
        with progress_bar(f"Loading {path.name}") as update:
            report = load_ledger(path, store, skip_bad_rows=skip_bad_rows, progress=update)
    except LedgerError as err:
        for p in err.problems:
            click.echo(str(p), err=True)
        click.echo(
            f"{len(err.problems)} problem(s); nothing was loaded. Fix them, or pass --skip-bad-rows.",
            err=True,
        )
        sys.exit(1)
    except GongjianError as err:
        fail(err)
    finally:
        store.close()
    click.echo(f"{pad('record', 10)}{'added':>9}{'updated':>9}{'unchanged':>11}")
    for name, change in report.changes.items():
        click.echo(
            f"{pad(RECORDS[name].sheet_zh, 10)}{change.added:>9}{change.updated:>9}{change.unchanged:>11}"
        )
    if report.rejected:
        click.echo(f"{report.rejected} row(s) rejected; see {report.rejected_path}", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts by record type, units by kind and by district and street."""
    store = obj.open_store()
    try:
        figures = store_stats(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"Store: {settings.store_path(obj.store_name)}")
    for name, n in figures["records"].items():
        click.echo(f"  {pad(RECORDS[name].sheet_zh, 14)}{n:>10}")
    click.echo("Units by kind:")
    for kind, n in figures["units_by_kind"].items():
        click.echo(f"  {pad(ORG_KIND.label(kind), 14)}{n:>10}")
    click.echo("Units by area (members in brackets):")
    for row in figures["units_by_area"]:
        click.echo(f"  {pad(row['district'] + ' ' + row['street'], 24)}{row['units']:>8} ({row['members']})")


@main.group()
def neo4j() -> None:
    """Start, stop or check the local Neo4j server kept under the data directory."""


def _data_dir() -> Path:
    return Path(settings.get("data_dir")).expanduser()


@neo4j.command("start")
@click.option("--port", type=int, default=7687, show_default=True, help="Bolt port on 127.0.0.1.")
def neo4j_start(port: int) -> None:
    """Start the local Neo4j (building it with Maven the first time) and wait until it answers."""
    from graph import neo4j_server

    try:
        info = neo4j_server.start(_data_dir(), port=port)
    except GongjianError as err:
        fail(err)
    click.echo(f"Neo4j is running at {info.uri} (user {info.user}; password in {info.password_file}).")


@neo4j.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j."""
    from graph import neo4j_server

    click.echo("Stopped." if neo4j_server.stop(_data_dir()) else "The local Neo4j was not running.")


@neo4j.command("status")
def neo4j_status() -> None:
    """Say whether the local Neo4j is running, and where. Exits 1 when it is not."""
    from graph import neo4j_server

    info = neo4j_server.status(_data_dir())
    if info is None:
        click.echo("The local Neo4j is not running; start it with `gongjian neo4j start`.")
        sys.exit(1)
    click.echo(f"Running at {info.uri} (pid {info.pid}).")


def run_app(store_name: str | None, port: int) -> None:
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None:
        raise click.ClickException("Cannot find app.py; install gongjian with `pip install -e .`.")
    env = dict(os.environ)
    if store_name:
        env["GONGJIAN_STORE_NAME"] = store_name
    command = [
        sys.executable, "-m", "streamlit", "run", spec.origin,
        "--server.headless", "true", "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    click.echo(f"Serving the app on http://localhost:{port} (Ctrl+C to stop)")
    raise SystemExit(subprocess.call(command, env=env))


@main.command()
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the app on.")
@click.pass_obj
def app(obj: Context, port: int) -> None:
    """Start the explorer app on the store."""
    run_app(obj.store_name, port)


@main.command()
@click.option(
    "--scale", type=click.Choice(["S", "M"]), default="S", show_default=True, help="Size of the city."
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same city.")
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the app on.")
@click.option("--no-app", is_flag=True, help="Generate and load, but do not start the app.")
def demo(scale: str, seed: int, port: int, no_app: bool) -> None:
    """Generate a synthetic city, load it into the store 'demo' and start the app on it."""
    from loaders.ledger import load as load_ledger
    from loaders.synthetic import generate as make_city

    folder = Path(settings.get("data_dir")).expanduser() / f"demo-city-{scale}-{seed}"
    try:
        if not folder.exists():
            with progress_bar(f"Generating {scale}") as update:
                make_city(scale, seed, folder, progress=update)
        store = EmbeddedStore(settings.store_path("demo"))
        try:
            with progress_bar("Loading") as update:
                load_ledger(folder, store, progress=update)
        finally:
            store.close()
    except GongjianError as err:
        fail(err)
    click.echo(f"Loaded {folder} into the store 'demo'.")
    if not no_app:
        run_app("demo", port)


if __name__ == "__main__":
    main()
