"""The gongjian command line: a thin layer over loaders/ and graph/."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from graph import settings
from graph.errors import GongjianError, LedgerError, Problem
from graph.glossary import ORG_KIND
from graph.model import RECORDS
from graph.neo4j_store import Neo4jStore
from graph.stats import stats as store_stats
from graph.store import Store
from graph.stores import open_store
from synthetic.city import SCALES as CITY_SCALES

T = TypeVar("T")

SCALES = tuple(CITY_SCALES)  # S, M, L, XL


class Context:
    def __init__(self, store_name: str | None) -> None:
        self.store_name = store_name

    def open_store(self, neo4j: bool = False) -> Store:
        """The store the settings choose, or Neo4j when --neo4j is given. A Neo4j load that did
        not finish is said first, on every command (see graph.neo4j_store)."""
        store = open_store("neo4j" if neo4j else None, self.store_name)
        for message in getattr(store, "unfinished_loads", list)():
            click.echo(f"WARNING: {message}", err=True)
        return store


def neo4j_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --neo4j flag of every command that reads or writes the store."""
    return click.option(
        "--neo4j", is_flag=True, help="Use the Neo4j store (the local server, or neo4j_uri) instead."
    )(command)


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


def display_width(text: str) -> int:
    """Terminal columns a text takes: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """Left-align text in a terminal column."""
    return text + " " * max(width - display_width(text), 0)


def fail(err: GongjianError) -> NoReturn:
    click.echo(str(err), err=True)
    sys.exit(1)


@main.command()
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="S",
    show_default=True,
    help="S: a few hundred units; M: a district; L: a city; XL: about 3x L (benchmarks).",
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
    from synthetic.city import generate as make_city

    target = out or Path(f"city-{scale}-{seed}{'.xlsx' if fmt == 'xlsx' else ''}")
    try:
        with progress_bar(f"Generating {scale}") as update:
            path = make_city(scale, seed, target, mess=mess, fmt=fmt, progress=update)
    except GongjianError as err:
        fail(err)
    click.echo(f"Wrote {path}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("共建台账模板.xlsx"))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def template(path: Path, force: bool) -> None:
    """Write an empty ledger template (one sheet per record type and a 说明 sheet) to PATH."""
    from loaders.template import write_template

    if path.exists() and not force:
        click.echo(f"{path} exists; nothing was written. Pick another name, or pass --force to overwrite it.")
        sys.exit(1)
    click.echo(f"Wrote {write_template(path)}")


ALL_OPTION = click.option(
    "--all", "show_all", is_flag=True, help="List every problem, row by row, not only each root cause once."
)


def echo_problems(problems: list[Problem], show_all: bool, skipping: bool = False) -> None:
    """Each root cause once (a few lines each), or with --all every problem on its own line."""
    from loaders.causes import report

    lines = [str(p) for p in problems] if show_all else report(problems, skipping)
    for line in lines:
        click.echo(line, err=True)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@ALL_OPTION
@neo4j_option
@click.pass_obj
def validate(obj: Context, path: Path, show_all: bool, neo4j: bool) -> None:
    """Check a ledger (workbook, CSV file or folder) and report every problem at once.

    Each root cause is reported once, with the rows it stands on and the rows that depend on
    it (--all: every problem). Names are also resolved against what the store already holds.
    Exits 1 when there are problems.
    """
    from loaders.ledger import check

    problems, notes = on_store(obj, neo4j, lambda store: check(path, store, settings.vocabulary_path()))
    for note in notes:
        click.echo(note)
    if problems:
        echo_problems(problems, show_all)
        more = "" if show_all else "; --all lists each of them"
        click.echo(f"{len(problems)} problem(s) in {path}{more}.", err=True)
        sys.exit(1)
    click.echo(f"{path}: no problems.")


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Load the good rows; write the rejected ones with reasons to <ledger>.rejected.csv.",
)
@ALL_OPTION
@neo4j_option
@click.pass_obj
def load(obj: Context, path: Path, skip_bad_rows: bool, show_all: bool, neo4j: bool) -> None:
    """Load a ledger into the store: all of it or, when it has problems, none of it."""
    from loaders.ledger import load as load_ledger

    try:
        store = obj.open_store(neo4j)
    except GongjianError as err:
        fail(err)
    try:
        with progress_bar(f"Loading {path.name}") as update:
            report = load_ledger(
                path,
                store,
                skip_bad_rows=skip_bad_rows,
                progress=update,
                skipping=lambda problems: echo_problems(problems, show_all, skipping=True),
                vocabulary=settings.vocabulary_path(),
            )
        _prepare(store)
    except LedgerError as err:
        echo_problems(err.problems, show_all)
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
    if report.cleared:
        click.echo(f"{report.cleared} stored field(s) cleared by empty cells of the ledger.")
    for note in report.notes:
        click.echo(note)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@neo4j_option
@click.pass_obj
def stats(obj: Context, as_json: bool, neo4j: bool) -> None:
    """Counts by record type, units by kind and by district and street."""
    try:
        store = obj.open_store(neo4j)
        try:
            figures = store_stats(store)
        finally:
            store.close()
    except GongjianError as err:
        fail(err)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"Store: {store!r}")
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
    _warm(info.uri, info.user, info.password())


def _prepare(store: Store) -> None:
    """Have the store keep what the 参与度 page's first visit and the first search would
    otherwise compute."""
    from graph import search
    from graph.engagement import prepare

    started = time.perf_counter()
    if search.prepare(store):
        click.echo(f"Search: the index kept ({time.perf_counter() - started:.0f} s).")
    started = time.perf_counter()
    period = prepare(store)
    if period is not None:
        seconds = time.perf_counter() - started
        click.echo(
            f"参与度: the whole store's result and the peers' figures of {period.label} and the period "
            f"before kept, and the overview's figures ({seconds:.0f} s)."
        )


def _warm(uri: str, user: str, password: str) -> None:
    """Have the server plan the pages' statements now, not while the first analyst waits."""
    from neo4j import GraphDatabase

    click.echo("Planning the pages' statements on the server…")
    started = time.perf_counter()
    try:
        store = Neo4jStore(
            GraphDatabase.driver(uri, auth=(user, password)),
            settings.get("neo4j_database"),
            close_driver=True,
        )
        try:
            warmed = store.warm()
            _prepare(store)
        finally:
            store.close()
    except GongjianError as err:
        fail(err)
    seconds = time.perf_counter() - started
    click.echo(f"Planned for {len(warmed)} areas in {seconds:.0f} s." if warmed else "The store is empty.")


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


def run_app(store_name: str | None, port: int, neo4j: bool = False) -> NoReturn:
    """Become the Streamlit server (exec, not a child): stopping `gongjian app` stops it."""
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None:
        raise click.ClickException("Cannot find app.py; install gongjian with `pip install -e .`.")
    try:
        address = settings.app_address()
    except GongjianError as err:
        fail(err)
    env = dict(os.environ)
    if store_name:
        env["GONGJIAN_STORE_NAME"] = store_name
    if neo4j:
        env["GONGJIAN_STORE"] = "neo4j"
    command = [
        sys.executable, "-m", "streamlit", "run", spec.origin,
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    host = "localhost" if settings.is_loopback(address) else address
    click.echo(f"Serving the app on http://{host}:{port} (Ctrl+C to stop)")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)


@main.command()
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the app on.")
@neo4j_option
@click.pass_obj
def app(obj: Context, port: int, neo4j: bool) -> None:
    """Start the explorer app on the store."""
    run_app(obj.store_name, port, neo4j)


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
    from synthetic.city import generate as make_city

    folder = Path(settings.get("data_dir")).expanduser() / f"demo-city-{scale}-{seed}"
    try:
        if not folder.exists():
            with progress_bar(f"Generating {scale}") as update:
                make_city(scale, seed, folder, progress=update)
        store = open_store("embedded", "demo")
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


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as an aligned text table (Chinese characters count two columns)."""
    cells = [[str(c) for c in columns], *[["" if v is None else str(v) for v in row] for row in rows]]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(columns))]
    for row in cells:
        click.echo("  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip())


def on_store(obj: Context, neo4j: bool, ask: Callable[[Store], T]) -> T:
    """What ``ask`` finds in the store, opened and closed here; an error ends the command with its message."""
    try:
        store = obj.open_store(neo4j)
        try:
            return ask(store)
        finally:
            store.close()
    except GongjianError as err:
        fail(err)


def masked(store: Store, found: dict[str, Any]) -> dict[str, Any]:
    """A command's findings with every person's name masked when the mask_names setting is on."""
    if not settings.flag("mask_names"):
        return found
    from graph import queries

    people = store.table("person", ["key", "name", "code"])
    secrets = queries.person_secrets(people["key"], people["name"], people["code"])
    masked_found: dict[str, Any] = queries.mask_everywhere(found, secrets)
    return masked_found


def parse_values(pairs: Sequence[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not key=value, e.g. unit=太太好粥店.", param_hint="VALUES")
        values[name.strip()] = value
    return values


def show_result(result: Any, as_json: bool) -> None:
    if as_json:
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        click.echo(
            json.dumps(
                {"columns": list(result.columns), "rows": rows, "truncated": result.truncated},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        print_table(result.columns, result.rows)
        if result.notice():
            click.echo(f"{result.notice('zh')}\n{result.notice('en')}", err=True)


@main.command()
@click.argument("name", required=False)
@click.argument("values", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@neo4j_option
@click.pass_obj
def query(obj: Context, name: str | None, values: tuple[str, ...], as_json: bool, neo4j: bool) -> None:
    """Run a named read-only query, e.g. `gongjian query unit_ties unit=太太好粥店`; without NAME, list them.

    On the embedded store the queries with an embedded twin run; the others need --neo4j.
    """
    from graph import queries

    named = queries.load_queries()
    if name is None:
        for q in named.values():
            params = " ".join(f"{p.name}=" for p in q.params)
            twin = "" if q.has_twin else "  [Neo4j]"
            click.echo(f"{pad(q.name, 22)}{q.title}{twin}\n{' ' * 22}{params}")
        return
    try:
        store = obj.open_store(neo4j)
        try:
            if isinstance(store, Neo4jStore):
                result = queries.run_named(store.driver, store.database, name, parse_values(values))
            else:
                result = queries.answer(store, name, parse_values(values))
            if settings.flag("mask_names"):
                people = store.table("person", ["key", "name", "code"])
                result = queries.mask_result(
                    result, queries.person_secrets(people["key"], people["name"], people["code"])
                )
        finally:
            store.close()
    except GongjianError as err:
        fail(err)
    show_result(result, as_json)


@main.command()
@click.argument("statement")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Seconds before the server stops it."
)
@click.option("--limit", type=int, default=1000, show_default=True, help="Rows to fetch at most.")
@click.pass_obj
def cypher(obj: Context, statement: str, as_json: bool, timeout: float, limit: int) -> None:
    """Run one read-only Cypher statement on the Neo4j store; writes and admin commands are refused."""
    from graph import queries

    if settings.flag("mask_names"):
        fail(
            GongjianError(
                "Names are masked (the mask_names setting): a free statement can spell a name any way "
                "(split, reverse, concatenation), so `gongjian cypher` is off while names are masked. "
                "Use `gongjian query` with a named query, or ask the administrator."
            )
        )
    try:
        store = obj.open_store(True)
        try:
            assert isinstance(store, Neo4jStore)
            result = queries.run(store.driver, store.database, statement, timeout_s=timeout, row_limit=limit)
        finally:
            store.close()
    except GongjianError as err:
        fail(err)
    show_result(result, as_json)


@main.command()
@click.option("--period", default="2025", show_default=True, help="A year (2025) or a quarter (2025Q3).")
@click.option("--area", help="Only this district, street or community (name or code).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--all", "show_all", is_flag=True, help="List every member unit, not only the flagged ones.")
@neo4j_option
@click.pass_obj
def engagement(
    obj: Context, period: str, area: str | None, as_json: bool, show_all: bool, neo4j: bool
) -> None:
    """Rank member units by engagement for a period, with flags and their reasons."""
    from graph import engagement as analysis

    # The indicators are computed by the store for the area and the peers it needs; the network
    # structure (whole-store centrality, in the JSON only) reads the whole store.
    result = on_store(
        obj, neo4j, lambda store: analysis.engagement(store, period, area, with_structure=as_json)
    )
    if as_json:
        click.echo(json.dumps(analysis.to_records(result), ensure_ascii=False, indent=2, default=str))
        return
    summary = result.summary
    click.echo(
        f"{summary['period']} {summary['area']}: {summary['units']} member units, "
        f"{summary['flagged']} flagged ({summary['newly_flagged']} newly since {summary['previous']})."
    )
    ranked = result.ranked if show_all else result.flagged
    print_table(
        ["rank", "score", "flag", "unit", "street", "reasons"],
        [
            (
                r["rank"],
                f"{r['score']:.0f}",
                "⚑" if r["flagged"] else "",
                r["name"],
                r["street_name"],
                r["reasons_zh"],
            )
            for r in ranked.to_dict("records")
        ],
    )


@main.command()
@click.option("--period", default="2025", show_default=True, help="A year (2025) or a quarter (2025Q3).")
@click.option("--area", help="Only this district, street or community (name or code).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@neo4j_option
@click.pass_obj
def cross(obj: Context, period: str, area: str | None, as_json: bool, neo4j: bool) -> None:
    """Two-way cross-appointments of each member unit with the committee of each level above it."""
    from graph.bridges import cross_records

    found = on_store(obj, neo4j, lambda store: masked(store, cross_records(store, period, area)))
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{found['period']} {found['area_name']}: {found['member_units']} member units, "
        f"{found['with_seat']} with a seat, {found['cross_appointed_people']} cross-appointed people."
    )
    print_table(
        ["unit", "level", "committee", "direction", "unit→committee", "committee→unit"],
        [
            (
                r["unit"],
                r["level"],
                r["committee"],
                r["direction"],
                "、".join(p["name"] for p in r["unit_to_committee"]),
                "、".join(p["name"] for p in r["committee_to_unit"]),
            )
            for r in found["rows"]
        ],
    )


@main.command()
@click.option("--period", default="2025", show_default=True, help="A year (2025) or a quarter (2025Q3).")
@click.option("--area", help="Only this district, street or community (name or code).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@neo4j_option
@click.pass_obj
def changes(obj: Context, period: str, area: str | None, as_json: bool, neo4j: bool) -> None:
    """What changed in a period, as events: agreements, posts, registrations, joins, projects, flags."""
    from graph.changes import change_log

    found = on_store(obj, neo4j, lambda store: masked(store, change_log(store, period, area)))
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    click.echo(f"{found['period']} {found['area_name']}: {len(found['events'])} events.")
    print_table(["day", "unit", "event"], [(e["day"], e["unit_name"], e["zh"]) for e in found["events"]])


if __name__ == "__main__":
    main()
