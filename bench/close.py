"""Benchmark: the month-end close of the demo company, end to end.

    .venv/bin/python -m bench.close [--month 2026-10] [--repeat 3]

Times `revclose close` on the committed demo books (a fresh process each run:
load with every plugin, all schedules, the workbook) against Beancount's own
load of the same books in the same run, and prints the medians as a table.
The goal is a close in under a minute.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
LEDGER = REPOSITORY / "ledger" / "main.beancount"
GOAL_SECONDS = 60.0


def _seconds(command: Sequence[str]) -> float:
    """Runs a command to completion and returns its wall time; a failure is an error."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=REPOSITORY)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Measures and prints the close's time against a bare load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    python = sys.executable
    code = "from beancount import loader; loader.initialize(use_cache=False); loader.load_file"
    load = [python, "-c", f"{code}({str(LEDGER)!r})"]
    loads, closes = [], []
    with tempfile.TemporaryDirectory() as out:
        close = [python, "-m", "reports.cli", "close", str(LEDGER), "--month", args.month]
        close += ["--out", out]
        for _ in range(args.repeat):
            loads.append(_seconds(load))
            closes.append(_seconds(close))
    load_s, close_s = statistics.median(loads), statistics.median(closes)
    print(f"| measure (median of {args.repeat}) | seconds |")
    print("|---|---|")
    print(f"| Beancount load of the demo books, with every plugin | {load_s:.2f} |")
    print(f"| `revclose close --month {args.month}` (load, schedules, files) | {close_s:.2f} |")
    print(f"| close / load | {close_s / load_s:.2f}x |")
    print(f"| goal | under {GOAL_SECONDS:.0f} s: {'met' if close_s < GOAL_SECONDS else 'missed'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
