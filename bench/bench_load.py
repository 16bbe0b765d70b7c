"""Load benchmark: the whole load of the synthetic M and L cities into a fresh embedded store,
next to, in the same process, merely reading the same files with pandas and with pyarrow.

    .venv/bin/python bench/bench_load.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench]

Each scale runs in its own process so that its peak memory is its own. Targets (issues 2, 11):
the load of L at most 3x the time of reading its files with pandas, and peak memory under 2 GB.
The load includes the reference indexes the store makes at the end of every write. Besides the
clock, the ratio of CPU seconds is printed: steadier when other work shares the machine. The
pandas read and the load each run twice (after one untimed read); the best of the two counts.
One more load is split into its steps (reading, parsing, writing), in CPU seconds.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scales import per_scale  # noqa: E402

from graph.embedded import EmbeddedStore  # noqa: E402


def read_with_pandas(folder: Path) -> int:
    """Read every CSV of the ledger as strings, the way a script would; returns the rows read."""
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        head = path.read_bytes()[:3]
        encoding = "utf-8-sig" if head == b"\xef\xbb\xbf" else "utf-8"
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
        rows += len(frame)
    return rows


def read_with_pyarrow(folder: Path) -> int:
    """Read every CSV of the ledger as strings with pyarrow.csv (the floor of reading)."""
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        head = path.read_bytes()[:65536]
        try:
            first = codecs.getincrementaldecoder("utf-8-sig")().decode(head)  # a cut character waits
            encoding = "utf-8"  # pyarrow skips a UTF-8 BOM itself
        except UnicodeDecodeError:
            first, encoding = head.decode("gb18030", errors="ignore"), "gb18030"
        names = next(csv.reader(io.StringIO(first)))
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
        rows += table.num_rows
    return rows


def one(scale: str, seed: int, work: Path) -> dict[str, object]:
    from loaders.ledger import load
    from synthetic.city import generate

    folder = work / f"city-{scale}-{seed}"
    if not folder.exists():
        started = time.perf_counter()
        generate(scale, seed, folder)
        print(f"[{scale}] generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    read_with_pandas(folder)  # once untimed, so the timings below read from a warm file cache
    reads: list[tuple[float, float]] = []
    for _ in range(2):  # the best of two, as the loads below
        started, cpu = time.perf_counter(), time.process_time()
        rows = read_with_pandas(folder)
        reads.append((time.perf_counter() - started, time.process_time() - cpu))
    read_s, read_cpu = min(reads)
    started = time.perf_counter()
    arrow_rows = read_with_pyarrow(folder)
    arrow_s = time.perf_counter() - started
    assert arrow_rows == rows, (arrow_rows, rows)
    loads: list[tuple[float, float]] = []  # (clock, CPU)
    counts: list[dict[str, int]] = []
    for _ in range(2):  # the best of two: the first run of a process pays its warm-up
        store = _fresh(work / f"bench-{scale}.sqlite")
        started, cpu = time.perf_counter(), time.process_time()
        load(folder, store)
        loads.append((time.perf_counter() - started, time.process_time() - cpu))
        counts.append(store.counts())
        store.close()
    assert counts[0] == counts[1], counts
    load_s, load_cpu = min(loads)
    phases = _phases(folder, work / f"bench-{scale}.sqlite")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "scale": scale,
        "rows": rows,
        "records": sum(counts[0].values()),
        "pandas_read_s": round(read_s, 2),
        "pyarrow_read_s": round(arrow_s, 2),
        "load_s": round(load_s, 2),
        "rows_per_s": round(rows / load_s),
        "load_over_pandas": round(load_s / read_s, 2),
        "load_over_pyarrow": round(load_s / arrow_s, 2),
        # CPU seconds of this process (the load runs on one thread, as pandas reads): steadier
        # than the clock when other work shares the machine
        "pandas_read_cpu_s": round(read_cpu, 2),
        "load_cpu_s": round(load_cpu, 2),
        "load_over_pandas_cpu": round(load_cpu / read_cpu, 2),
        "peak_mb": round(peak_mb),
        # CPU seconds of each step of one more load, as ledger.load takes them
        **{f"{step}_cpu_s": round(seconds, 2) for step, seconds in phases.items()},
        "load": round(os.getloadavg()[0], 1),  # the machine's: the seconds are only as quiet as it was
    }


def _phases(folder: Path, path: Path) -> dict[str, float]:
    """CPU seconds of reading, parsing and writing the ledger into a fresh store: the steps of
    loaders.ledger.load, one after the other."""
    from graph.model import RECORDS
    from loaders.parse import parse_ledger
    from loaders.read import read_ledger
    from loaders.vocabulary import words_for

    store = _fresh(path)
    cpu = time.process_time()
    words = words_for(folder, None)
    sheets = read_ledger(folder, words.headers)
    read = time.process_time()
    wanted = {s.record for s in sheets if s.record}
    wanted |= {c.ref for name in wanted for c in RECORDS[name].columns if c.ref}
    existing = {name: store.table(name) for name in sorted(wanted)}
    parsed = parse_ledger(sheets, existing, words.values)
    parse = time.process_time()
    store.write(parsed.tables)
    done = time.process_time()
    store.close()
    return {"read": read - cpu, "parse": parse - read, "write": done - parse}


def _fresh(path: Path) -> EmbeddedStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return EmbeddedStore(path)


def main() -> None:
    results = per_scale(__file__, __doc__, one)
    print(
        f"{'scale':<6}{'rows':>10}{'pandas read s':>15}{'pyarrow read s':>16}{'load s':>9}{'rows/s':>10}"
        f"{'load/pandas':>13}{'load/pyarrow':>14}{'cpu load/pandas':>17}{'peak MB':>9}{'load avg':>10}"
        f"{'cpu read/parse/write s':>24}"
    )
    for r in results:
        steps = f"{r['read_cpu_s']} / {r['parse_cpu_s']} / {r['write_cpu_s']}"
        print(
            f"{r['scale']:<6}{r['rows']:>10}{r['pandas_read_s']:>15}{r['pyarrow_read_s']:>16}{r['load_s']:>9}"
            f"{r['rows_per_s']:>10}{r['load_over_pandas']:>13}{r['load_over_pyarrow']:>14}"
            f"{r['load_over_pandas_cpu']:>17}{r['peak_mb']:>9}{r['load']:>10}{steps:>24}"
        )


if __name__ == "__main__":
    main()
