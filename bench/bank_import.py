"""Importing a large bank CSV: rows per second and peak memory, `python -m bench.bank_import`.

Writes a bank export of `--rows` rows (default 1,000,000, a year of a busy
account: receipts naming invoices, receipts naming none, fees and payments)
and a ledger with the invoices they name, then runs the import command's code
(`importers.batch.import_documents`: read, extract, dedupe against the
ledger, write the month files) in a process of its own for each size, so that
each peak resident memory (`ru_maxrss`) is its own, shown beside what the
process held before the import started (the interpreter and every
importer's modules). A second run of the largest size re-imports the same
file into the books it wrote (everything is already there). With
`--booked-later`, a third imports the largest size into books without the
invoices (half the rows wait in unapplied cash), books the invoices, and
re-imports the file: every row naming an invoice is then the same row, but
for what the books chose (`ledger_text.same_row`). The rate is
taken on the process's CPU seconds, which a busy machine inflates less than
wall-clock seconds; `--repeat` runs each
import that many times and reports the range of each figure (lowest to
highest, and the median), since a machine shared with other work varies
from run to run.
Results go to `bench/out/bank_import.md`.

    python -m bench.bank_import [--rows 1000000] [--sizes 100000,1000000] [--repeat 3]
        [--booked-later]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import peak_rss_mib

CONFIG = """\
bank:
  importer: bank_csv
  documents: bank/*.csv
  ledger: bank
  account: Assets:Bank:US:Operating
  currency: USD
  date_format: "%m/%d/%Y"
  thousands: ","
  columns:
    id: Reference
    date: Date
    payee: Counterparty
    narration: Description
    amount: Amount
    balance: Balance
  accounts:
    disbursements: Expenses:Unreconciled
  rules:
    - contains: ACCOUNT FEE
      account: Expenses:BankFees
"""
INVOICES = 20_000


def _row(index: int) -> str:
    """Returns one row of the export: a mix of named receipts, receipts, fees and payments."""
    month, day = index % 12 + 1, index % 28 + 1
    kind = index % 10
    if kind < 5:
        text, amount = (
            f"WIRE INV-{index % INVOICES:06d}",
            f'"{1000 + index % 9000:,}.{index % 100:02d}"',
        )
    elif kind < 8:
        text, amount = f"ACH CREDIT {index}", f"{index % 5000}.{index % 100:02d}"
    elif kind == 8:
        text, amount = "MONTHLY ACCOUNT FEE", "-28.00"
    else:
        text, amount = f"VENDOR PAYMENT {index % 300}", f"-{index % 3000}.50"
    return f"R{index:08d},{month:02d}/{day:02d}/2026,Customer {index % 997},{text},{amount},\n"


def write_books(folder: Path, rows: int, invoiced: bool = True) -> Path:
    """Writes the export, the config and a ledger of invoices under `folder`; returns it.

    Without `invoiced`, the ledger has no invoices yet (`book_invoices` books them).
    """
    (folder / "documents" / "bank").mkdir(parents=True, exist_ok=True)
    (folder / "ledger").mkdir(exist_ok=True)
    (folder / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    with open(folder / "documents" / "bank" / "2026.csv", "w", encoding="utf-8") as stream:
        stream.write("Reference,Date,Counterparty,Description,Amount,Balance\n")
        stream.writelines(_row(index) for index in range(rows))
    book_invoices(folder, invoiced)
    return folder


def book_invoices(folder: Path, invoiced: bool = True) -> None:
    """Writes the ledger's invoices (none without `invoiced`): the 20,000 the rows name."""
    invoices = "".join(
        f'2025-12-01 * "Customer {n % 997}" "Invoice INV-{n:06d}" ^INV-{n:06d}\n'
        f'  invoice: "INV-{n:06d}"\n  customer: "CUS-{n % 997:04d}"\n'
        f"  Assets:AccountsReceivable  100.00 USD\n  Income:Revenue  -100.00 USD\n\n"
        for n in range(INVOICES if invoiced else 0)
    )
    (folder / "ledger" / "billing.beancount").write_text(invoices, encoding="utf-8")


def child(folder: Path) -> None:
    """Imports the folder's documents into its ledger and prints the figures as JSON."""
    from importers import batch, sources

    importers = sources.load(folder / "importers.yaml")
    base = peak_rss_mib()  # The interpreter and every importer's modules, before the import.
    started, cpu = time.perf_counter(), time.process_time()
    done = batch.import_documents(importers, [folder / "documents"], folder / "ledger")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    added = sum(done.added.values())
    written = sum(path.stat().st_size for path in (folder / "ledger" / "bank").glob("*"))
    result = {"seconds": seconds, "cpu": cpu, "added": added, "skipped": done.skipped}
    result |= {"peak_mib": peak_rss_mib(), "base_mib": base, "ledger_mib": written / 2**20}
    print(json.dumps(result))


def measure(folder: Path) -> dict[str, float]:
    """Runs one import in a fresh process and returns its figures."""
    command = [sys.executable, "-m", "bench.bank_import", "--child", str(folder)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def spread(values: list[float], form: str) -> str:
    """Returns repeated figures as their median, then their lowest and highest in parentheses.

    One figure if they all print alike.
    """
    low, high = format(min(values), form), format(max(values), form)
    if low == high:
        return low
    return f"{format(statistics.median(values), form)} ({low}\N{EN DASH}{high})"


def report(runs: list[tuple[str, int, float, list[dict[str, float]]]]) -> str:
    """Returns the results as a Markdown table: each figure's range over the repeated runs."""
    lines = [
        "| run | rows | file MiB | seconds | CPU seconds | rows/s (CPU) | entries added "
        "| ledger MiB | peak MiB | of which before the import |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rows, size, repeated in runs:

        def figure(key: str, form: str, figures: list[dict[str, float]] = repeated) -> str:
            return spread([each[key] for each in figures], form)

        rates = [rows / each["cpu"] for each in repeated]
        lines.append(
            f"| {name} | {rows:,} | {size:.0f} | {figure('seconds', '.1f')} "
            f"| {figure('cpu', '.1f')} | {spread(rates, ',.0f')} | {figure('added', ',.0f')} "
            f"| {figure('ledger_mib', '.0f')} | {figure('peak_mib', '.0f')} "
            f"| {figure('base_mib', '.0f')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Runs the benchmark; see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="", help="comma-separated row counts to run first")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each import")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument(
        "--booked-later", action="store_true", help="re-import once the invoices are booked"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sizes = [int(size) for size in args.sizes.split(",") if size] + [args.rows]
    runs = []
    for rows in sizes:
        folder = write_books(args.out / f"bank-{rows}", rows)
        size = (folder / "documents" / "bank" / "2026.csv").stat().st_size / 2**20
        repeated = []
        for _ in range(args.repeat):
            for path in (folder / "ledger" / "bank").glob("*"):
                path.unlink()
            repeated.append(measure(folder))
        runs.append(("import", rows, size, repeated))
        print(report(runs[-1:]), end="", flush=True)
    runs.append(("re-import", sizes[-1], size, [measure(folder) for _ in range(args.repeat)]))
    if args.booked_later:
        later = write_books(args.out / f"bank-{sizes[-1]}-booked-later", sizes[-1], False)
        for path in (later / "ledger" / "bank").glob("*"):
            path.unlink()
        measure(later)  # Imported before the invoices were booked.
        book_invoices(later)
        repeated = [measure(later) for _ in range(args.repeat)]
        runs.append(("re-import, invoices booked since", sizes[-1], size, repeated))
    text = report(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bank_import.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
