"""Benchmark of `plugins.deferred_revenue`: `python -m bench.deferred_revenue`.

Loads ledgers of 1,000 and 10,000 annual invoices (and the demo company at
10,000 customers) without the plugin and with it, at both detail levels, and
reports the ratio of the two load times, peak memory, where the time goes and
whether every generated piece is exact to the cent. beancount-periodic, run on
the same invoices in its own syntax, is the comparison. The table is printed
and written to `bench/out/deferred_revenue.md`; figures go to `bench/README.md`.

    python -m bench.deferred_revenue            # everything (about 25 minutes on 2 cores)
    python -m bench.deferred_revenue --quick    # 1,000 invoices only
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench import ledgers, report
from bench.ledgers import LedgerSet
from bench.report import Comparison
from bench.runner import REPOSITORY, Samples, Variant, run_all, run_once

GOALS = {"summary": 1.15, "line": 4.0}
PERIODIC_REQUIREMENT = "beancount-periodic==0.2.1"
PERIODIC_DETAIL = "12 Months /Monthly!"
OURS = "deferred_revenue"
SMALL = 5_000  # Ledgers below this many invoices load in well under a second ...
SMALL_REPEAT = 3  # ... so a busy moment weighs more: they get this many times the loads.


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.deferred_revenue",
        description="Load time, memory and exactness of plugins.deferred_revenue.",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 invoices only; no demo")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000], help="invoices")
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help=f"loads per variant, medians taken (x{SMALL_REPEAT} below {SMALL:,} invoices)",
    )
    parser.add_argument("--no-periodic", action="store_true", help="skip beancount-periodic")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo company")
    parser.add_argument("--demo-customers", type=int, default=10_000)
    parser.add_argument("--demo-months", type=int, default=36)
    parser.add_argument(
        "--horizons",
        nargs="+",
        choices=ledgers.HORIZONS,
        default=list(ledgers.HORIZONS),
        help="release horizons to measure (policy `horizon`): all, books, or both",
    )
    parser.add_argument("--profile", action="store_true", help="also cProfile each plugin load")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "bench" / "out")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.no_demo = [1_000], True
    return args


def progress(message: str) -> None:
    """Reports progress on stderr, so stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


def install_periodic(out: Path) -> tuple[Path | None, str]:
    """Installs beancount-periodic into a throwaway folder under `out`.

    It goes to `out/periodic-site` (pip's `--target`, no dependencies: beancount,
    beangulp and python-dateutil are already in the project's environment), never
    into the project's own dependencies.

    Returns:
      The folder to import it from (None if it could not be installed), and a note.
    """
    site = out / "periodic-site"
    if not (site / "beancount_periodic" / "amortize.py").exists():
        progress(f"Installing {PERIODIC_REQUIREMENT} into {site}")
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        command += ["--disable-pip-version-check", "--target", str(site), PERIODIC_REQUIREMENT]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            return None, f"beancount-periodic skipped: pip failed: {finished.stderr.strip()}"
    note = (
        f"beancount-periodic {PERIODIC_REQUIREMENT.split('==')[1]} (installed in {site}), "
        f'each invoice\'s income posting carrying `amortize: "{PERIODIC_DETAIL}"` with its '
        "start date: 12 monthly steps weighted by real days, the nearest of its options to the "
        "daily basis. Without it: the same file with the plugin line removed."
    )
    return site, note


def invoice_variants(ledger_set: LedgerSet, size: int, periodic: Path | None) -> list[Variant]:
    """Returns the variants of a synthetic ledger: ours at each level, then beancount-periodic."""
    preload = ("plugins.deferred_revenue",)
    variants = [Variant(f"{size}/none", ledger_set.without, preload)]
    for name, path in ledger_set.with_detail.items():
        variants.append(Variant(f"{size}/{name}", path, preload, check_of(name)))
    if periodic is not None and ledger_set.periodic_without and ledger_set.periodic_with:
        theirs = (ledgers.PERIODIC_PLUGIN,)
        variants.append(
            Variant(f"{size}/periodic-none", ledger_set.periodic_without, theirs, None, periodic)
        )
        variants.append(
            Variant(f"{size}/periodic", ledger_set.periodic_with, theirs, "periodic", periodic)
        )
    return variants


def check_of(name: str) -> str:
    """Returns the correctness check of a variant of ours: its releases against its lines."""
    return OURS if name in ledgers.DETAILS else f"{OURS}_books"


def demo_available() -> bool:
    """Tells whether the demo generator (`demo/generate.py`) exists."""
    return importlib.util.find_spec("demo.generate") is not None


def generate_demo(
    out: Path, customers: int, months: int, horizons: Sequence[str] = ledgers.HORIZONS
) -> LedgerSet:
    """Generates the demo company and writes its variants beside its main file.

    The books go to `out/demo-CxM/ledger` beside a copy of the project's
    `config/`, the layout of the repository, so every plugin line the generator
    writes (`../config/...`) finds its policy.

    Raises:
      RuntimeError: If the generator fails.
    """
    folder = out / f"demo-{customers}x{months}"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(REPOSITORY / "config", folder / "config")
    command = [sys.executable, "-m", "demo.generate", "--customers", str(customers)]
    command += ["--months", str(months), "--out", str(folder / "ledger")]
    progress("Generating: " + shlex.join(command[1:]))
    finished = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"demo generation failed:\n{finished.stderr}")
    progress(finished.stdout.strip())
    name = f"demo, {customers:,} customers x {months} months"
    return ledgers.write_demo_variants(folder / "ledger", folder / "config", name, horizons)


def demo_variants(ledger_set: LedgerSet) -> list[Variant]:
    """Returns the variants of the demo company: without the plugin, then each level."""
    preload = ("plugins.deferred_revenue",)
    variants = [Variant("demo/none", ledger_set.without, preload)]
    for name, path in ledger_set.with_detail.items():
        variants.append(Variant(f"demo/{name}", path, preload, check_of(name)))
    return variants


def compare(
    name: str, prefix: str, samples: dict[str, Samples], horizons: Sequence[str]
) -> list[Comparison]:
    """Returns the rows of one ledger: ours at each level and horizon, then beancount-periodic's."""
    rows = []
    for horizon in horizons:
        for detail in ("summary", "line"):
            rows.append(
                Comparison(
                    name,
                    OURS,
                    f"{detail}, horizon {horizon}",
                    samples[f"{prefix}/none"],
                    samples[f"{prefix}/{ledgers.variant_name(detail, horizon)}"],
                    GOALS[detail],
                    report.PLUGIN_PHASE[OURS],
                )
            )
    if f"{prefix}/periodic" in samples:
        rows.append(
            Comparison(
                name,
                report.PERIODIC,
                PERIODIC_DETAIL,
                samples[f"{prefix}/periodic-none"],
                samples[f"{prefix}/periodic"],
                None,
                report.PERIODIC_PHASE,
            )
        )
    return rows


def failures(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns what makes the run fail: errors the plugin adds, or an inexact piece of ours.

    Errors a ledger has without the plugin too (the demo's seals, made for the
    committed books, break on a larger demo) are listed in the notes, not failed;
    so are missed speed goals, since timings depend on the machine.
    """
    found = []
    for item in comparisons:
        without, with_plugin = item.without.first, item.with_plugin.first
        if with_plugin["errors"] > without["errors"]:
            found.append(f"{item.with_plugin.variant.path}: {with_plugin['first_error']}")
        check = with_plugin["check"]
        if item.plugin == OURS and check is not None:
            if not check["sum_exact"]:
                found.append(f"{item.ledger} {item.detail}: pieces do not sum to what was billed")
            if check["not_exact_decimals"]:
                found.append(f"{item.ledger} {item.detail}: pieces not at the currency's decimals")
    return list(dict.fromkeys(found))


def error_notes(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns a note for every variant whose load reported errors, with the first."""
    notes = {}
    for item in comparisons:
        for samples in (item.without, item.with_plugin):
            first = samples.first
            if first["errors"]:
                notes[samples.variant.key] = (
                    f"{samples.variant.key} loads with {first['errors']} errors, the first: "
                    f"{first['first_error']}"
                )
    return list(notes.values())


def profile_plugins(comparisons: Sequence[Comparison], out: Path) -> list[str]:
    """Writes a cProfile report of one load of every variant with a plugin."""
    notes = []
    for item in comparisons:
        variant = item.with_plugin.variant
        target = out / f"profile-{variant.key.replace('/', '-')}.txt"
        progress(f"Profiling {variant.key} into {target}")
        run_once(variant, profile=target)
        notes.append(f"cProfile of {variant.key}: {target}")
    return notes


def measure(args: argparse.Namespace) -> tuple[list[Comparison], list[str]]:
    """Writes the ledgers, runs every load and returns the rows and the notes."""
    notes: list[str] = []
    periodic: Path | None = None
    if not args.no_periodic:
        periodic, note = install_periodic(args.out)
        notes.append(note)
    comparisons: list[Comparison] = []
    for size in args.sizes:
        ledger_set = ledgers.write_invoice_ledgers(
            args.out / f"invoices-{size}", size, args.horizons
        )
        repeat = args.repeat * (SMALL_REPEAT if size < SMALL else 1)
        samples = run_all(invoice_variants(ledger_set, size, periodic), repeat, progress)
        comparisons += compare(ledger_set.name, str(size), samples, args.horizons)
    if args.no_demo:
        notes.append("Demo company skipped (`--no-demo` or `--quick`).")
    elif not demo_available():
        notes.append("Demo company skipped: `demo/generate.py` does not exist yet.")
    else:
        demo = generate_demo(args.out, args.demo_customers, args.demo_months, args.horizons)
        samples = run_all(demo_variants(demo), args.repeat, progress)
        comparisons += compare(demo.name, "demo", samples, args.horizons)
        notes.append(f"Demo company: `python -m demo.generate` into {demo.without.parent}.")
    if args.profile:
        notes += profile_plugins(comparisons, args.out)
    return comparisons, notes


def raw_runs(comparisons: Sequence[Comparison]) -> str:
    """Returns every load's measurement as JSON, by variant, for a later look."""
    variants = {
        samples.variant.key: {"ledger": str(samples.variant.path), "runs": samples.runs}
        for item in comparisons
        for samples in (item.without, item.with_plugin)
    }
    return json.dumps(variants, indent=1, sort_keys=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark, prints the report and writes it to `bench/out/`.

    Returns:
      1 if the plugin added errors to a load or a piece of ours is not exact, else 0.
    """
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    comparisons, notes = measure(args)
    shown = list(argv) if argv is not None else sys.argv[1:]
    command = shlex.join(["python", "-m", "bench.deferred_revenue", *shown])
    text = report.document(comparisons, command, [*notes, *error_notes(comparisons)])
    (args.out / "deferred_revenue.md").write_text(text, encoding="utf-8")
    (args.out / "deferred_revenue.json").write_text(raw_runs(comparisons), encoding="utf-8")
    print(text)
    found = failures(comparisons)
    for failure in found:
        progress(f"FAILED: {failure}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
