"""Neo4j load benchmark: the Neo4j store's write of the synthetic M and L cities, next to, in the
same run on the same server, two other ways to load the same attendance rows (the biggest table):

- naive: one MERGE per row, each in its own transaction, on a sample of --sample rows;
- LOAD CSV: the server reads the rows from a CSV file, ``CALL { … } IN TRANSACTIONS``.

    .venv/bin/python bench/bench_neo4j_load.py [--scales M L] [--seed 42] [--sample 2000]
                                               [--work /tmp/gongjian-neo4j-bench] [--json]

It starts its own local Neo4j under <work>/neo4j-data (stopped at the end) and generates the
cities into <work> when they are missing. The store's figures are its whole write() of the
parsed ledger (parsing not counted), and its write() of the attendance table alone into the
store holding everything else, which is what the two others do. Targets (issue 3): at least
20x the naive loop and at least 0.5x LOAD CSV.

The whole write is also put next to the embedded store's write of the same tables in the same
process (rows/s and their ratio), with the CPU seconds the Neo4j server and this process spent
on it and the machine's load average: on a busy machine the clock mostly measures the wait for
a core, the CPU seconds what the load costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from neo4j import Driver, GraphDatabase

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph import neo4j_server  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import RECORDS  # noqa: E402
from graph.neo4j_store import Neo4jStore, statement, table_columns  # noqa: E402
from loaders.parse import parse_ledger  # noqa: E402
from loaders.read import read_ledger  # noqa: E402
from synthetic.city import generate  # noqa: E402

HEAP = "4g"  # enough for the XL city in batches, with room to spare (as bench_scale.py)
PAGE_CACHE = "3g"  # holds the XL city's store files


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system), which waiting for a busy machine's
    cores does not inflate as it inflates the seconds on the clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench(
    scale: str, seed: int, sample: int, work: Path, store: Neo4jStore, driver: Driver, pid: int
) -> dict[str, float]:
    folder = work / f"city-{scale}-{seed}"
    if not folder.exists():
        print(f"[{scale}] generating {folder}…", file=sys.stderr, flush=True)
        generate(scale, seed, folder)
    parsed = parse_ledger(read_ledger(folder))
    if parsed.problems:
        raise SystemExit(f"{folder} has {len(parsed.problems)} problems; regenerate it.")
    tables = parsed.tables
    attendance = tables["attendance"]

    def run(name: str, **params: object) -> None:
        with driver.session(database=store.database) as session:
            session.run(statement(name), params).consume()

    run("clear")
    rows = sum(len(t) for t in tables.values())
    print(f"[{scale}] embedded store: whole ledger, {rows} rows…", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "bench.sqlite")
        embedded_s = timed(lambda: embedded.write(tables))
        embedded.close()
    print(f"[{scale}] store: whole ledger, {rows} rows…", file=sys.stderr, flush=True)
    server, client = cpu_seconds(pid), time.process_time()
    whole_s = timed(lambda: store.write(tables))
    server, client = cpu_seconds(pid) - server, time.process_time() - client
    reload_s = timed(lambda: store.write(tables))

    run("bench_delete_attendance", keys=None)
    print(f"[{scale}] store: attendance, {len(attendance)} rows…", file=sys.stderr, flush=True)
    store_s = timed(lambda: store.write({"attendance": attendance}))

    run("bench_delete_attendance", keys=None)
    csv = work / f"attendance-{scale}-{seed}.csv"
    attendance[table_columns(RECORDS["attendance"])].to_csv(csv, index=False)
    print(f"[{scale}] LOAD CSV: attendance, {len(attendance)} rows…", file=sys.stderr, flush=True)
    load_csv_s = timed(lambda: run("bench_load_csv_attendance", url=csv.resolve().as_uri()))

    picked = attendance.iloc[sorted(random.Random(seed).sample(range(len(attendance)), sample))]
    run("bench_delete_attendance", keys=picked["key"].tolist())
    naive_rows = [
        {k: v for k, v in row.items() if v is not None and not pd.isna(v)}
        for row in picked.to_dict("records")
    ]
    naive_text = statement("bench_naive_attendance")
    print(f"[{scale}] naive: {sample} attendance rows…", file=sys.stderr, flush=True)

    def naive() -> None:
        with driver.session(database=store.database) as session:
            for row in naive_rows:
                session.execute_write(lambda tx, r: tx.run(naive_text, row=r).consume(), row)

    naive_s = timed(naive)
    counts = store.counts()
    assert counts["attendance"] == len(attendance), "every way loads every row once"
    return {
        "rows": rows,
        "whole_s": round(whole_s, 1),
        "whole": rows / whole_s,
        "embedded": rows / embedded_s,
        "server_cpu_s": round(server, 1),
        "client_cpu_s": round(client, 1),
        "load": os.getloadavg()[0],
        "reload_s": reload_s,
        "store": len(attendance) / store_s,
        "load_csv": len(attendance) / load_csv_s,
        "naive": sample / naive_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sample", type=int, default=2000, help="rows of the naive loop")
    parser.add_argument("--work", type=Path, default=Path("/tmp/gongjian-neo4j-bench"))
    parser.add_argument("--json", action="store_true", help="one JSON object per scale, one line each")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data_dir = args.work / "neo4j-data"
    print(f"Starting a local Neo4j under {data_dir} (heap {HEAP}, page cache {PAGE_CACHE})…", file=sys.stderr)
    info = neo4j_server.start(data_dir, port=neo4j_server.free_port(), heap=HEAP, page_cache=PAGE_CACHE)
    results = {}
    try:
        with GraphDatabase.driver(info.uri, auth=(info.user, info.password())) as driver:
            store = Neo4jStore(driver)
            for scale in args.scales:
                results[scale] = bench(scale, args.seed, args.sample, args.work, store, driver, info.pid)
                if args.json:
                    print(json.dumps({"scale": scale, **results[scale]}), flush=True)
    finally:
        neo4j_server.stop(data_dir)
    if args.json:
        return
    print(
        f"{'scale':<6}{'rows':>9}{'whole s':>9}{'rows/s':>8}{'embedded rows/s':>17}{'neo4j/embedded':>16}"
        f"{'server cpu s':>14}{'client cpu s':>14}{'load avg':>10}"
    )
    for scale, r in results.items():
        print(
            f"{scale:<6}{r['rows']:>9.0f}{r['whole_s']:>9.1f}{r['whole']:>8.0f}{r['embedded']:>17.0f}"
            f"{r['embedded'] / r['whole']:>15.1f}x{r['server_cpu_s']:>14.1f}{r['client_cpu_s']:>14.1f}"
            f"{r['load']:>10.1f}"
        )
    print(
        f"{'scale':<6}{'rows':>9}{'whole rows/s':>14}{'reload s':>10}"
        f"{'attendance rows/s: store':>26}{'naive':>8}{'LOAD CSV':>10}{'store/naive':>13}{'store/LOAD CSV':>16}"
    )
    for scale, r in results.items():
        print(
            f"{scale:<6}{r['rows']:>9.0f}{r['whole']:>14.0f}{r['reload_s']:>10.1f}"
            f"{r['store']:>26.0f}{r['naive']:>8.0f}{r['load_csv']:>10.0f}"
            f"{r['store'] / r['naive']:>12.1f}x{r['store'] / r['load_csv']:>15.2f}x"
        )


if __name__ == "__main__":
    main()
