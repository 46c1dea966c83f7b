"""One measured load, in a process of its own: `python -m bench.measure LEDGER`.

The load is `beancount.loader.load_file` with the pickle cache off (what
`bean-check --no-cache` does). The plugin modules named by `--preload` are
imported before the clock starts, in every variant of a comparison, so the
ratio compares loads rather than imports. Peak memory is the process's
`ru_maxrss`, read as soon as the load returns; the correctness check (if
asked) runs after both figures are taken. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import pstats
import re
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

from beancount import loader
from beancount.core import data

from bench import checks

_TIMING = re.compile(r"Operation: '(?P<name>[^']+)'\s+Time:\s+(?P<ms>[\d.]+) ms")


def peak_rss_mib() -> float:
    """Returns this process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Phases:
    """Collects Beancount's own timings of a load (parse, booking, each plugin, validate)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def write(self, message: str) -> None:
        """Records one timing line; repeated names (one per parsed file) add up."""
        for match in _TIMING.finditer(message):
            name = match["name"]
            self.ms[name] = self.ms.get(name, 0.0) + float(match["ms"])


def _profile_load(path: str, out: str) -> tuple[list[data.Directive], list[Any], float]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    entries, errors, _ = loader.load_file(path)
    profiler.disable()
    seconds = time.perf_counter() - started
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(report.getvalue())
    return entries, errors, seconds


def measure(path: str, check: str | None, profile: str | None) -> dict[str, Any]:
    """Loads a ledger once and returns what it cost.

    Args:
      path: The ledger's main file.
      check: The name of a correctness check in `bench.checks.CHECKS`, or None.
      profile: A file to write a cProfile report of the load to, or None.
    Returns:
      Seconds, peak and baseline memory, counts, Beancount's phase timings,
      the first error and the check's result.
    """
    baseline = peak_rss_mib()
    phases = Phases()
    if profile:
        entries, errors, seconds = _profile_load(path, profile)
    else:
        started = time.perf_counter()
        entries, errors, _ = loader.load_file(path, log_timings=phases.write)
        seconds = time.perf_counter() - started
    peak = peak_rss_mib()
    postings = sum(len(entry.postings) for entry in entries if isinstance(entry, data.Transaction))
    result: dict[str, Any] = {
        "seconds": seconds,
        "peak_rss_mib": peak,
        "baseline_rss_mib": baseline,
        "entries": len(entries),
        "postings": postings,
        "errors": len(errors),
        "first_error": str(errors[0].message) if errors else None,
        "phases_ms": phases.ms,
        "check": checks.CHECKS[check](entries).to_json() if check else None,
    }
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the worker's command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__)
    parser.add_argument("ledger", help="the ledger's main file")
    parser.add_argument("--preload", action="append", default=[], help="module to import first")
    parser.add_argument("--check", choices=sorted(checks.CHECKS), help="check the generated pieces")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile report of the load")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one measurement and prints it as JSON."""
    args = parse_args(argv)
    loader.initialize(use_cache=False)
    for module in args.preload:
        importlib.import_module(module)
    print(json.dumps(measure(args.ledger, args.check, args.profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
