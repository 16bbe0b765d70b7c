"""What every benchmark shares: run each scale in its own process (so its peak memory and its
caches are its own) and hand back what that process measured.

    for result in per_scale(__file__, __doc__, one):   # one(scale, seed, work) -> JSON-able
        print(...)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def per_scale(script: str, doc: str | None, one: Callable[[str, int, Path], Any]) -> Iterator[Any]:
    """Parse --scales/--seed/--work; in a child (--one SCALE) print one(...) as JSON and exit;
    in the parent, run the script once per scale and return the results as they come."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gongjian-bench"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(one(args.one, args.seed, args.work)))
        sys.exit(0)
    return _children(script, args)


def _children(script: str, args: argparse.Namespace) -> Iterator[Any]:
    for scale in args.scales:
        out = subprocess.run(
            [sys.executable, script, "--one", scale, "--seed", str(args.seed), "--work", str(args.work)],
            check=True,
            capture_output=True,
            text=True,
        )
        yield json.loads(out.stdout.strip().splitlines()[-1])
