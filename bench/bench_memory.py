"""Memory benchmark: the peak memory (RSS) of validating the synthetic M and L ledgers, and a
small hostile workbook (one empty styled cell at XFD1048576), each in a process of its own.

    .venv/bin/python bench/bench_memory.py [--scales M L] [--seed 42] [--work /tmp/gongjian-bench]

Target (issue 12): validating any ledger up to the L city stays under 1 GB; the hostile
workbook, whose declared dimensions are a million rows, costs no more than a small one.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scales import per_scale  # noqa: E402

TARGET_MB = 1024


def hostile(work: Path) -> Path:
    """A 300-row 单位 sheet with one empty styled cell at XFD1048576."""
    import openpyxl
    from openpyxl.styles import Font

    path = work / "hostile.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "单位"
    sheet.append(["单位名称", "单位类型", "所属社区"])
    for i in range(300):
        sheet.append([f"单位{i}", "国企", "林海社区"])
    sheet["XFD1048576"].font = Font(bold=True)
    book.save(path)
    return path


def one(scale: str, seed: int, work: Path) -> dict[str, object]:
    from loaders.ledger import validate
    from synthetic.city import generate

    if scale == "hostile":
        ledger = hostile(work)
    else:
        ledger = work / f"city-{scale}-{seed}"
        if not ledger.exists():
            generate(scale, seed, ledger)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    started = time.perf_counter()
    problems = validate(ledger)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    size = sum(p.stat().st_size for p in ([ledger] if ledger.is_file() else ledger.iterdir()))
    return {
        "scale": scale,
        "mb_on_disk": size / 2**20,
        "problems": len(problems),
        "seconds": seconds,
        "peak_mb": peak,
        "before_mb": before,
    }


if __name__ == "__main__":
    for r in per_scale(__file__, __doc__, one):
        verdict = "ok" if r["peak_mb"] < TARGET_MB else "OVER"
        print(
            f"{r['scale']:>8}: {r['mb_on_disk']:7.1f} MB of ledger, validate {r['seconds']:6.1f} s, "
            f"peak RSS {r['peak_mb']:5d} MB (before reading {r['before_mb']} MB; target < {TARGET_MB} MB: "
            f"{verdict}), {r['problems']} problems"
        )
