"""Runs measured loads in fresh processes and keeps their medians.

Each load runs in a process of its own (`python -m bench.measure`), so its peak
memory is its own and no import, cache or garbage from an earlier load helps
it. Variants are run round-robin (every variant once, then again), so a slow
minute on the machine spreads over all of them rather than one.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    """One ledger to load: its main file and how to run it.

    Attributes:
      key: A short unique name, e.g. `10000/line`.
      path: The ledger's main file.
      preload: Modules the worker imports before the clock starts.
      check: The correctness check to run after the first load, if any.
      pythonpath: An extra folder to import from (beancount-periodic's), if any.
    """

    key: str
    path: Path
    preload: tuple[str, ...] = ()
    check: str | None = None
    pythonpath: Path | None = None


@dataclass
class Samples:
    """The measurements of one variant, in the order they were taken."""

    variant: Variant
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """The median load time."""
        return float(statistics.median(run["seconds"] for run in self.runs))

    @property
    def spread(self) -> tuple[float, float]:
        """The fastest and the slowest load."""
        times = [run["seconds"] for run in self.runs]
        return min(times), max(times)

    @property
    def peak_rss_mib(self) -> float:
        """The median peak resident memory of the loading process."""
        return float(statistics.median(run["peak_rss_mib"] for run in self.runs))

    @property
    def phases_ms(self) -> dict[str, float]:
        """The median of each of Beancount's phase timings."""
        names = {name for run in self.runs for name in run["phases_ms"]}
        return {
            name: statistics.median(run["phases_ms"].get(name, 0.0) for run in self.runs)
            for name in names
        }

    @property
    def first(self) -> dict[str, Any]:
        """The first run: counts, errors and the correctness check."""
        return self.runs[0]


def _command(variant: Variant, check: bool, profile: Path | None) -> list[str]:
    command = [sys.executable, "-m", "bench.measure", str(variant.path)]
    for module in variant.preload:
        command += ["--preload", module]
    if check and variant.check:
        command += ["--check", variant.check]
    if profile is not None:
        command += ["--profile", str(profile)]
    return command


def _environment(variant: Variant) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("BEANCOUNT_LOAD_CACHE_FILENAME", None)
    folders = [str(REPOSITORY)]
    if variant.pythonpath is not None:
        folders.append(str(variant.pythonpath))
    if environment.get("PYTHONPATH"):
        folders.append(environment["PYTHONPATH"])
    environment["PYTHONPATH"] = os.pathsep.join(folders)
    return environment


def run_once(variant: Variant, check: bool = False, profile: Path | None = None) -> dict[str, Any]:
    """Loads a variant once in a fresh process.

    Args:
      variant: What to load.
      check: Whether to run the variant's correctness check after the load.
      profile: A file for a cProfile report of the load (timings are then inflated).
    Returns:
      The worker's measurement.
    Raises:
      RuntimeError: If the worker fails.
    """
    finished = subprocess.run(
        _command(variant, check, profile),
        cwd=REPOSITORY,
        env=_environment(variant),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"loading {variant.path} failed:\n{finished.stderr}")
    result: dict[str, Any] = json.loads(finished.stdout)
    return result


def run_all(
    variants: Sequence[Variant], repeat: int, progress: Callable[[str], None]
) -> dict[str, Samples]:
    """Loads every variant `repeat` times, round-robin, checking on the first pass.

    Args:
      variants: What to load.
      repeat: How many loads of each.
      progress: Called with a line after each load.
    Returns:
      The samples of each variant, by key.
    """
    samples = {variant.key: Samples(variant) for variant in variants}
    total = repeat * len(variants)
    done = 0
    for attempt in range(repeat):
        for variant in variants:
            run = run_once(variant, check=attempt == 0)
            samples[variant.key].runs.append(run)
            done += 1
            progress(
                f"[{done}/{total}] {variant.key}: {run['seconds']:.2f} s, "
                f"{run['peak_rss_mib']:.0f} MiB, {run['errors']} errors"
            )
    return samples
