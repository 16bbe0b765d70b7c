"""What every benchmark shares: run each scale in its own process (so its peak memory and its
caches are its own) and hand back what that process measured.

    for result in per_scale(__file__, __doc__, one):   # one(scale, seed, work) -> a JSON object
        print(...)

Every script so gets --scales, --seed, --work and --json: with --json the parent prints each
scale's object as one line of JSON as soon as that scale is done (for a script to compare) and
exits, so the script's table is printed only without it. ``options`` adds a script's own
arguments; ``one`` is then called with the parsed arguments as a fourth parameter, in the child
too (the child gets the parent's command line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def per_scale(
    script: str,
    doc: str | None,
    one: Callable[..., dict[str, Any]],
    options: Callable[[argparse.ArgumentParser], None] | None = None,
    scales: tuple[str, ...] = ("M", "L"),
) -> Iterator[dict[str, Any]]:
    """Parse the arguments; in a child (--one SCALE) print one(...) as JSON and exit; in the
    parent, run the script once per scale and yield the results as they come (or, with --json,
    print them and exit)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=list(scales))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gongjian-bench"))
    parser.add_argument("--json", action="store_true", help="one JSON object per scale, one line each")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    if options:
        options(parser)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:
        extra = (args,) if options else ()
        print(json.dumps(one(args.one, args.seed, args.work, *extra), ensure_ascii=False))
        sys.exit(0)
    if args.json:
        for result in _children(script, args):
            print(json.dumps(result, ensure_ascii=False), flush=True)
        sys.exit(0)
    return _children(script, args)


def _children(script: str, args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    for scale in args.scales:
        out = subprocess.run(  # stderr passes through: a long run's progress, a failure's traceback
            [sys.executable, script, *sys.argv[1:], "--one", scale],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        yield json.loads(out.stdout.strip().splitlines()[-1])


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    """The seconds ``work()`` took, and what it returned."""
    started = time.perf_counter()
    found = work()
    return time.perf_counter() - started, found
