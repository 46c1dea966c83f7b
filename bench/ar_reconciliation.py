"""Benchmark of `plugins.ar_reconciliation`: `python -m bench.ar_reconciliation`.

Writes a ledger of 100,000 invoices and 100,000 receipts waiting in unapplied
cash, loads it in fresh processes without the plugin and with it, and reports
the plugin's own time (Beancount's timing of its phase) as a share of
Beancount's load time of the ledger without it, the whole difference between
the two loads, peak memory, and the matching rate: receipts applied in full
over receipts. On a machine shared with other jobs wall-clock seconds swing with
the load, so each variant is also loaded in fresh processes that time the
load and the plugin's phase in CPU seconds of their own (`--cpu`, as many
as `--repeat` by default). The table is printed and written to
`bench/out/ar_reconciliation.md`; figures go to `bench/README.md`.

The draw is seeded. Invoices (one receivable line, one revenue line, with
`invoice`, `customer`, `due` and `contract`) spread over a year among 10,000
customers; each is paid 5 to 60 days later. Two thirds of the receipts name
their invoice (half by `invoice` metadata, half in the narration); a third
name none and carry only their `customer`: most pay one invoice exactly, some
pay two invoices of their customer, some invoices are paid in two receipts,
and a few are partial payments that match nothing. A few named receipts are
short or over by less than the tolerance, a few over by more.

    python -m bench.ar_reconciliation               # 100,000 of each, 3 loads each
    python -m bench.ar_reconciliation --count 10000 --repeat 1 --cpu 0
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from beancount import loader
from beancount.core import data
from beancount.utils import misc_utils

from bench.runner import REPOSITORY, Samples, Variant, run_all
from plugins import ar_entries, ar_policy, receipts, receivables

SEED = 4
PLUGIN = "plugins.ar_reconciliation"
GOAL = 0.10
FIRST = datetime.date(2025, 1, 1)
HEADER = """option "title" "AR benchmark"
option "operating_currency" "USD"
2024-01-01 open Assets:AccountsReceivable USD
2024-01-01 open Assets:Bank:Operating USD
2024-01-01 open Income:Revenue:Services USD
2024-01-01 open Liabilities:UnappliedCash USD
"""
POLICY = "tolerance: {USD: 1.00}\nwrite_off_account: Expenses:PaymentDifferences\n"


class Invoice(NamedTuple):
    """One invoice of the benchmark."""

    number: int
    customer: int
    date: datetime.date
    cents: int

    @property
    def id(self) -> str:
        """The invoice id, also its link."""
        return f"INV-{self.number:06d}"


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _invoice_text(invoice: Invoice) -> str:
    due = invoice.date + datetime.timedelta(days=30)
    customer = f"CUS-{invoice.customer:05d}"
    return (
        f'{invoice.date} * "Customer {invoice.customer}" "Invoice {invoice.id}" ^{invoice.id}\n'
        f'  invoice: "{invoice.id}"\n  customer: "{customer}"\n  due: {due}\n'
        f'  contract: "CTR-{invoice.customer:05d}"\n'
        f"  Assets:AccountsReceivable  {_amount(invoice.cents)} USD\n"
        f"  Income:Revenue:Services  -{_amount(invoice.cents)} USD\n"
    )


def _receipt_text(
    number: int, date: datetime.date, customer: int, cents: int, named: str, how: str
) -> str:
    lines = [
        f'{date} * "Customer {customer}" "Wire {number:07d}{" " + named if how == "text" else ""}"'
    ]
    lines.append(f'  bank_reference: "BR{number:07d}"')
    if how == "meta":
        lines.append(f'  invoice: "{named}"')
    lines.append(f'  customer: "CUS-{customer:05d}"')
    lines.append(f"  Assets:Bank:Operating  {_amount(cents)} USD")
    lines.append(f"  Liabilities:UnappliedCash  -{_amount(cents)} USD")
    return "\n".join(lines) + "\n"


def _invoices(count: int, customers: int, draw: random.Random) -> list[Invoice]:
    return [
        Invoice(
            number,
            draw.randrange(customers),
            FIRST + datetime.timedelta(days=draw.randrange(365)),
            draw.randrange(1_200, 6_000_000),
        )
        for number in range(1, count + 1)
    ]


def _paid(day: datetime.date, draw: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=draw.randrange(5, 61))


def _named(invoice: Invoice, number: int, paid: datetime.date, how: str, off: int) -> str:
    return _receipt_text(number, paid, invoice.customer, invoice.cents + off, invoice.id, how)


def _paid_together(invoice: Invoice, other: Invoice, number: int, paid: datetime.date) -> str:
    """Returns one receipt paying two invoices of a customer (the other one is moved to it)."""
    paid = max(paid, other.date + datetime.timedelta(days=5))
    return _receipt_text(number, paid, invoice.customer, invoice.cents + other.cents, "", "")


def _paid_in_two(invoice: Invoice, numbers: Iterator[int], draw: random.Random) -> Iterator[str]:
    """Yields an invoice and the two receipts (a third, then the rest) that pay it."""
    paid = _paid(invoice.date, draw)
    yield _invoice_text(invoice)
    first = invoice.cents // 3
    for part in (first, invoice.cents - first):
        yield _receipt_text(next(numbers), paid, invoice.customer, part, "", "")


def _books(invoices: Sequence[Invoice], draw: random.Random) -> Iterator[str]:
    """Yields the invoices and as many receipts (see the module doc for the mix)."""
    numbers = itertools.count(1)
    pending = list(invoices)
    while pending:
        invoice = pending.pop()
        number = next(numbers)
        paid = _paid(invoice.date, draw)
        roll = draw.random()
        yield _invoice_text(invoice)
        if roll < 2 / 3:
            off = draw.choice((0,) * 18 + (-50, 75, 15_000))
            yield _named(invoice, number, paid, "meta" if roll < 1 / 3 else "text", off)
        elif 0.94 <= roll < 0.97 and pending:
            other = pending.pop()._replace(customer=invoice.customer)
            yield _invoice_text(other)
            yield _paid_together(invoice, other, number, paid)
            # ...and the next invoice is paid in two receipts, so the counts stay equal.
            if pending:
                yield from _paid_in_two(pending.pop(), numbers, draw)
        else:
            cents = invoice.cents // 2 if 0.93 <= roll < 0.94 else invoice.cents
            yield _receipt_text(number, paid, invoice.customer, cents, "", "")


def write_ledgers(folder: Path, count: int) -> tuple[Path, Path]:
    """Writes the benchmark's books; returns the main files without and with the plugin."""
    folder.mkdir(parents=True, exist_ok=True)
    draw = random.Random(SEED)
    invoices = _invoices(count, max(1, count // 10), draw)
    (folder / "books.beancount").write_text(
        HEADER + "\n".join(_books(invoices, draw)), encoding="utf-8"
    )
    (folder / "ar.yaml").write_text(POLICY, encoding="utf-8")
    without = folder / "main-none.beancount"
    with_plugin = folder / "main-ar.beancount"
    without.write_text('include "books.beancount"\n', encoding="utf-8")
    with_plugin.write_text(
        f'plugin "{PLUGIN}" "ar.yaml"\ninclude "books.beancount"\n', encoding="utf-8"
    )
    return without, with_plugin


def matching(path: Path) -> tuple[int, int, Counter[str]]:
    """Loads the ledger once and returns receipts applied in full, receipts, and steps."""
    loader.initialize(use_cache=False)
    entries, errors, options = loader.load_file(str(path))
    if errors:
        raise RuntimeError(f"{path}: {errors[0].message}")
    policy, _ = ar_policy.load(str(path.parent / "ar.yaml"), options)
    subledger, _ = receivables.read(entries, policy.accounts.receivable, policy.precision)
    found, _ = receipts.read(
        entries, policy.accounts.unapplied_cash, policy.precision, subledger, str(path.parent)
    )
    applied = sum(1 for receipt_id in found.by_id if found.unapplied(receipt_id) <= 0)
    steps: Counter[str] = Counter(
        str(entry.meta[ar_entries.KIND])
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.tags >= ar_entries.APPLICATION_TAGS
    )
    return applied, len(found.by_id), steps


class CpuLoad(NamedTuple):
    """One load timed in CPU seconds of its own process: all of it, and the plugin's phase."""

    load: float
    plugin: float


_PHASE = re.compile(r"Operation: '(?P<name>[^']+)'\s+Time:\s+(?P<ms>[\d.]+) ms")


def cpu_load(path: Path) -> CpuLoad:
    """Loads a ledger in this process and returns its CPU seconds, and the plugin phase's.

    Beancount times its phases with `time.time`; here its timer is the
    process's CPU clock, so other jobs on the machine do not count. The
    plugin's phase includes, as in the wall-clock figures, Beancount's sort
    of the entries after it.
    """
    misc_utils.time = time.process_time  # type: ignore[attr-defined]
    loader.initialize(use_cache=False)
    importlib.import_module(PLUGIN)
    phases: dict[str, float] = {}

    def write(message: str) -> None:
        for found in _PHASE.finditer(message):
            phases[found["name"]] = phases.get(found["name"], 0.0) + float(found["ms"]) / 1000

    started = time.process_time()
    loader.load_file(str(path), log_timings=write)
    return CpuLoad(time.process_time() - started, phases.get(PLUGIN, 0.0))


def cpu_loads(paths: Sequence[Path], repeat: int) -> list[list[CpuLoad]]:
    """Loads each ledger `repeat` times, round-robin, each in a fresh process timing its CPU."""
    found: list[list[CpuLoad]] = [[] for _ in paths]
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    for attempt in range(repeat):
        for index, path in enumerate(paths):
            command = [sys.executable, "-m", "bench.ar_reconciliation", "--cpu-worker", str(path)]
            done = subprocess.run(
                command, cwd=REPOSITORY, env=environment, capture_output=True, text=True, check=True
            )
            run = CpuLoad(**json.loads(done.stdout))
            found[index].append(run)
            progress(f"[cpu {attempt + 1}/{repeat}] {path.name}: {run.load:.2f} s CPU")
    return found


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.ar_reconciliation")
    parser.add_argument("--count", type=int, default=100_000, help="invoices (and receipts)")
    parser.add_argument("--repeat", type=int, default=3, help="loads per variant (median)")
    parser.add_argument("--cpu", type=int, help="CPU-timed loads per variant (default: --repeat)")
    parser.add_argument("--cpu-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=REPOSITORY / "bench" / "out")
    return parser.parse_args(argv)


def report(
    count: int,
    without: Samples,
    with_plugin: Samples,
    rate: tuple[int, int, Counter[str]],
    cpu: Sequence[Sequence[CpuLoad]] = ((), ()),
) -> str:
    """Returns the benchmark's Markdown report."""
    plugin_ms = with_plugin.phases_ms.get(PLUGIN, 0.0)
    share = plugin_ms / 1000 / without.seconds
    overhead = with_plugin.seconds / without.seconds - 1
    applied, total, steps = rate
    figures = [
        (f"load without the plugin (median of {len(without.runs)})", f"{without.seconds:.2f} s"),
        (f"load with the plugin (median of {len(with_plugin.runs)})",
         f"{with_plugin.seconds:.2f} s"),
        ("plugin phase (Beancount's own timing of it, median)", f"{plugin_ms / 1000:.2f} s"),
        (f"plugin phase / load without it (goal < {GOAL:.0%})", f"{share:.1%}"),
        ("whole difference / load without it", f"{overhead:.1%}"),
        ("peak memory without / with", f"{without.peak_rss_mib:.0f} / "
         f"{with_plugin.peak_rss_mib:.0f} MiB"),
        ("receipts applied in full / receipts", f"{applied:,} / {total:,} = {applied / total:.1%}"),
        ("cash applications by step", ", ".join(f"{k} {v:,}" for k, v in sorted(steps.items()))),
        ("errors without / with", f"{without.first['errors']} / {with_plugin.first['errors']}"),
    ]  # fmt: skip
    cpu_without, cpu_with = cpu
    if cpu_without and cpu_with:
        load = statistics.median(run.load for run in cpu_without)
        loaded = statistics.median(run.load for run in cpu_with)
        phase = statistics.median(run.plugin for run in cpu_with)
        shares = sorted(run.plugin / load for run in cpu_with)
        figures += [
            (f"CPU: load without the plugin (median of {len(cpu_without)})", f"{load:.2f} s"),
            (f"CPU: load with the plugin (median of {len(cpu_with)})", f"{loaded:.2f} s"),
            ("CPU: plugin phase (median)", f"{phase:.2f} s"),
            (f"CPU: plugin phase / load without it (goal < {GOAL:.0%})",
             f"{phase / load:.1%} (runs {shares[0]:.1%} to {shares[-1]:.1%})"),
            ("CPU: whole difference / load without it", f"{loaded / load - 1:.1%}"),
        ]  # fmt: skip
    lines = [f"# AR reconciliation: {count:,} invoices and {total:,} receipts", ""]
    lines += ["| measure | figure |", "|---|---|"]
    lines += [f"| {label} | {figure} |" for label, figure in figures]
    return "\n".join(lines) + "\n"


def progress(message: str) -> None:
    """Reports progress on stderr, so stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark, prints the report and writes it to `bench/out/`."""
    args = parse_args(argv)
    if args.cpu_worker is not None:
        print(json.dumps(cpu_load(args.cpu_worker)._asdict()))
        return 0
    folder = args.out / f"ar-{args.count}"
    without, with_plugin = write_ledgers(folder, args.count)
    preload = (PLUGIN,)
    variants = [Variant("none", without, preload), Variant("ar", with_plugin, preload)]
    samples = run_all(variants, args.repeat, progress)
    cpu = cpu_loads([without, with_plugin], args.repeat if args.cpu is None else args.cpu)
    started = time.perf_counter()
    rate = matching(with_plugin)
    progress(f"matching rate computed in {time.perf_counter() - started:.1f} s")
    text = report(args.count, samples["none"], samples["ar"], rate, cpu)
    (args.out / "ar_reconciliation.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if samples["none"].first["errors"] or samples["ar"].first["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
