"""Importing 200,000 invoice lines: lines per second and peak memory.

    python -m bench.billing_import [--lines 200000] [--formats stripe,stripe-csv,metronome]
        [--repeat 3]


Writes a year of billing exports holding `--lines` invoice lines (default
200,000: invoices of four lines each, a subscription with a discount and tax,
a point-in-time service, usage billed in arrears and a proration credit), in
each format the billing importers read: Stripe's API objects (JSON), Stripe's
flattened CSV and Metronome's JSON (the generic importer). Each format is
imported by the import command's code (`importers.batch.import_documents`:
read, extract, dedupe against the ledger, write the month files) in a process
of its own, so that each peak resident memory (`ru_maxrss`) is its own; then
the same files are imported again into the books they wrote (everything is
already there). `--repeat` runs each pair that many times and reports each
figure's median and range (lowest to highest); the rate is taken on CPU
seconds, which a busy machine inflates less than wall-clock seconds. Results
go to `bench/out/billing_import.md`.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.bank_import import spread
from bench.measure import peak_rss_mib
from importers.billing_stripe_csv import INVOICE_FIELDS, LINE_FIELDS

# The CSV's columns, each named as its field.
CSV_FIELDS = (
    *INVOICE_FIELDS,
    "customer_name",
    "due_date",
    *LINE_FIELDS,
    "quantity",
    "unit_amount",
    "discount",
    "discount_amount",
    "tax_amount",
)
PRODUCTS = """\
  currencies: [USD, EUR]
  products:
    team-monthly: Liabilities:DeferredRevenue:Subscriptions
    onboarding: {deferred: Liabilities:DeferredRevenue:Services, recognition: point}
    gpu-hours: Liabilities:DeferredRevenue:Usage
"""
CONFIG = {
    "stripe": "  importer: billing_stripe\n  documents: stripe/*.json\n",
    "stripe-csv": (
        "  importer: billing_stripe_csv\n  documents: stripe-csv/*.csv\n  columns:\n"
        + "".join(f"    {field}: {field}\n" for field in CSV_FIELDS)
    ),
    "metronome": (
        "  importer: billing_generic\n  documents: metronome/*.json\n  list: data\n"
        "  amounts: minor\n  period_end: exclusive\n"
        '  credit_types: {"USD (cents)": USD}\n'
        "  fields: {id: id, date: issued_at, due_days: net_payment_terms_days, "
        "customer: customer_id, contract: contract_id, currency: credit_type.name, "
        "total: total, lines: line_items}\n"
        "  line_fields: {product: product_id, amount: total, quantity: quantity, "
        "unit_price: unit_price, start: starting_at, end: ending_before}\n"
    ),
}
LINES_PER_INVOICE = 4


def _seconds(day: datetime.date) -> int:
    return calendar.timegm(day.timetuple())


def _lines(number: int) -> Iterator[dict[str, Any]]:
    """Yields the lines of invoice `number` as plain facts: product, amount, period, extras."""
    month = number % 12 + 1
    day = datetime.date(2026, month, number % 28 + 1)
    end = datetime.date(2027 if month == 12 else 2026, month % 12 + 1, day.day)
    first = datetime.date(2026, month, 1)
    hours = 10 + number % 900
    yield {"product": "team-monthly", "amount": 49_900, "start": day, "end": end, "off": 4_990}
    yield {"product": "onboarding", "amount": 150_000, "start": end, "end": end}
    yield {"product": "gpu-hours", "amount": hours * 249, "start": first, "end": day}
    yield {"product": "team-monthly", "amount": -1_000 - number % 999, "start": day, "end": end}


def _invoice(number: int) -> tuple[datetime.date, list[dict[str, Any]], int]:
    """Returns an invoice's date, its lines and its total in cents (tax 8% of line one)."""
    lines = list(_lines(number))
    day = lines[0]["start"]
    total = sum(line["amount"] - line.get("off", 0) for line in lines) + 3_992
    return day, lines, total


def _stripe(number: int) -> dict[str, Any]:
    day, lines, total = _invoice(number)
    items = []
    for index, line in enumerate(lines):
        hours = line["amount"] // 249 if line["product"] == "gpu-hours" else 1
        items.append(
            {
                "id": f"il_{number}_{index}",
                "amount": line["amount"],
                "currency": "usd",
                "period": {
                    "start": _seconds(line["start"]),
                    "end": _seconds(line["end"] + datetime.timedelta(days=1)),
                },
                "quantity": hours,
                "price": {"product": line["product"], "unit_amount": line["amount"] // hours},
                "discount_amounts": [{"amount": line["off"], "discount": "di_1"}]
                if "off" in line
                else [],
                "tax_amounts": [{"amount": 3_992, "inclusive": False}] if index == 0 else [],
            }
        )
    return {
        "id": f"in_{number}",
        "object": "invoice",
        "number": f"INV-{number:07d}",
        "status": "open",
        "customer": f"CUS-{number % 5000:05d}",
        "customer_name": f"Customer {number % 5000}",
        "currency": "usd",
        "created": _seconds(day),
        "due_date": _seconds(day + datetime.timedelta(days=30)),
        "total": total,
        "metadata": {"entity": "US"},
        "lines": {"object": "list", "has_more": False, "data": items},
    }


def _stripe_json(numbers: range) -> str:
    documents = [_stripe(number) for number in numbers]
    return json.dumps({"object": "list", "has_more": False, "data": documents}, indent=1)


def _stripe_csv(numbers: range) -> str:
    rows = [",".join(CSV_FIELDS) + "\n"]
    for number in numbers:
        invoice = _stripe(number)
        head = {key: invoice[key] for key in ("number", "status", "customer", "currency")}
        head |= {"invoice": invoice["id"], "customer_name": invoice["customer_name"]}
        head |= {key: invoice[key] for key in ("created", "due_date", "total")}
        for item in invoice["lines"]["data"]:
            discounts, taxes = item["discount_amounts"], item["tax_amounts"]
            cells = {
                **head,
                "line": item["id"],
                "amount": item["amount"],
                "product": item["price"]["product"],
                "period_start": item["period"]["start"],
                "period_end": item["period"]["end"],
                "quantity": item["quantity"],
                "unit_amount": item["price"]["unit_amount"],
                "discount": "di_1" if discounts else "",
                "discount_amount": discounts[0]["amount"] if discounts else "",
                "tax_amount": taxes[0]["amount"] if taxes else "",
            }
            rows.append(",".join(str(cells[field]) for field in CSV_FIELDS) + "\n")
    return "".join(rows)


def _metronome(number: int) -> dict[str, Any]:
    day, lines, _ = _invoice(number)
    items = [
        {
            "product_id": line["product"],
            "total": line["amount"],
            "quantity": 1,
            "unit_price": line["amount"],
            "starting_at": f"{line['start']}T00:00:00Z",
            "ending_before": f"{line['end'] + datetime.timedelta(days=1)}T00:00:00Z",
        }
        for line in lines
    ]
    return {
        "id": f"mtr-{number:07d}",
        "customer_id": f"CUS-{number % 5000:05d}",
        "contract_id": f"CTR-{number % 5000:05d}",
        "status": "FINALIZED",
        "credit_type": {"id": "usd-cents", "name": "USD (cents)"},
        "issued_at": f"{day}T00:00:00Z",
        "net_payment_terms_days": 30,
        "total": sum(item["total"] for item in items),
        "line_items": items,
    }


def _metronome_json(numbers: range) -> str:
    documents = [_metronome(number) for number in numbers]
    return json.dumps({"data": documents, "next_page": None}, indent=1)


WRITERS: dict[str, tuple[str, Callable[[range], str]]] = {
    "stripe": (".json", _stripe_json),
    "stripe-csv": (".csv", _stripe_csv),
    "metronome": (".json", _metronome_json),
}


def write_books(folder: Path, kind: str, lines: int) -> Path:
    """Writes twelve monthly exports of `kind` and the config under `folder`; returns it."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "documents" / kind).mkdir(parents=True)
    (folder / "ledger").mkdir()
    section = f"{kind}:\n{CONFIG[kind]}  ledger: billing\n{PRODUCTS}"
    (folder / "importers.yaml").write_text(section, encoding="utf-8")
    invoices = lines // LINES_PER_INVOICE
    suffix, writer = WRITERS[kind]
    for part in range(12):
        numbers = range(part * invoices // 12, (part + 1) * invoices // 12)
        path = folder / "documents" / kind / f"2026-{part + 1:02d}{suffix}"
        path.write_text(writer(numbers), encoding="utf-8")
    return folder


def child(folder: Path) -> None:
    """Imports the folder's documents into its ledger and prints the figures as JSON."""
    from importers import batch, sources

    importers = sources.load(folder / "importers.yaml")
    started, cpu = time.perf_counter(), time.process_time()
    done = batch.import_documents(importers, [folder / "documents"], folder / "ledger")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    written = sum(path.stat().st_size for path in (folder / "ledger").rglob("*.beancount"))
    result = {"seconds": seconds, "cpu": cpu, "added": sum(done.added.values())}
    result |= {"peak_mib": peak_rss_mib(), "ledger_mib": written / 2**20}
    print(json.dumps(result))


def measure(folder: Path) -> dict[str, float]:
    """Runs one import in a fresh process and returns its figures."""
    command = [sys.executable, "-m", "bench.billing_import", "--child", str(folder)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def report(runs: list[tuple[str, str, int, float, list[dict[str, float]]]]) -> str:
    """Returns the results as a Markdown table: each figure's median and range over the runs."""
    lines = [
        "| format | run | invoice lines | files MiB | seconds | CPU seconds | lines/s (CPU) "
        "| entries added | ledger MiB | peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, name, count, size, repeated in runs:

        def figure(key: str, form: str, figures: list[dict[str, float]] = repeated) -> str:
            return spread([each[key] for each in figures], form)

        rates = [count / each["cpu"] for each in repeated]
        lines.append(
            f"| {kind} | {name} | {count:,} | {size:.0f} | {figure('seconds', '.1f')} "
            f"| {figure('cpu', '.1f')} | {spread(rates, ',.0f')} | {figure('added', ',.0f')} "
            f"| {figure('ledger_mib', '.0f')} | {figure('peak_mib', '.0f')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Runs the benchmark; see the module's docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--formats", default=",".join(WRITERS))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each import")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    runs = []
    for kind in args.formats.split(","):
        folder = write_books(args.out / f"billing-{kind}-{args.lines}", kind, args.lines)
        size = sum(path.stat().st_size for path in (folder / "documents").rglob("*")) / 2**20
        imports, reimports = [], []
        for _ in range(args.repeat):  # Each import into empty books, then again into them.
            shutil.rmtree(folder / "ledger" / "billing", ignore_errors=True)
            imports.append(measure(folder))
            reimports.append(measure(folder))
        for name, repeated in (("import", imports), ("re-import", reimports)):
            runs.append((kind, name, args.lines, size, repeated))
            print(report(runs[-1:]).splitlines()[-1], flush=True)
    text = report(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "billing_import.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
