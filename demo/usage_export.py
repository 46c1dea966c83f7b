"""Write the metering system's export: one CSV of usage events per month.

Layout under the documents folder::

    usage/YYYY-MM.csv     the month's meter readings, in time order

The columns are those ``config/importers.yaml`` maps for the usage importer:
``event_id,timestamp,customer_id,sku,quantity,adjustment``. The meter reports
each customer's use of a SKU once a day, at a time of its choosing (UTC), with
one decimal; a month's readings add up to what the month is billed on. An
adjustment row gives usage back (hours of a failed node): a negative quantity
with ``adjustment`` true, on the month's last day of use. Like many metering
pipelines the export is delivered at least once: in the middle month of the
books one reading appears twice, which the importer counts once and reports.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from demo import catalog
from demo.company import Company, UsageMonth
from demo.dates import ONE_DAY, Month
from demo.exports import write_files
from demo.ledger_writer import money

FOLDER = "usage"
COLUMNS = ("event_id", "timestamp", "customer_id", "sku", "quantity", "adjustment")
_SHORT = {"gpu-hours": "gpu", "image-generations": "img", "video-seconds": "vid"}

_Row = tuple[str, str, str, str, str, str]


def _tenths(value: int) -> str:
    """Format a quantity in tenths with one decimal, e.g. ``-12.5``."""
    whole, tenth = divmod(abs(value), 10)
    return f"{'-' if value < 0 else ''}{whole}.{tenth}"


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += ONE_DAY
    return days


def _rows(usage: UsageMonth) -> list[_Row]:
    """Return a usage month's readings: one a day, adding up to its quantity plus adjustment."""
    rng = random.Random(f"{usage.customer_id}/{usage.month.label}/{usage.sku}")
    days = _days(usage.first_day, usage.last_day)
    weights = [rng.randint(70, 130) for _ in days]
    total, whole = (usage.quantity + usage.adjustment) * 10, sum(weights)
    number = usage.customer_id.removeprefix("CUS-")
    short = _SHORT.get(usage.sku, usage.sku)
    rows = []
    done = cumulative = 0
    for day, weight in zip(days, weights, strict=True):
        cumulative += weight
        reading = total * cumulative // whole - done
        done += reading
        moment = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
        if reading:
            event = f"evt-{day:%Y%m%d}-{number}-{short}"
            rows.append((event, moment, usage.customer_id, usage.sku, _tenths(reading), ""))
    if usage.adjustment:
        event = f"adj-{usage.last_day:%Y%m%d}-{number}-{short}"
        moment = f"{usage.last_day}T23:59:59Z"
        quantity = _tenths(-usage.adjustment * 10)
        rows.append((event, moment, usage.customer_id, usage.sku, quantity, "true"))
    return rows


def _csv(rows: Iterable[_Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def document_files(company: Company) -> dict[str, str]:
    """Return the text of every export file, keyed by its path relative to the documents folder.

    Args:
        company: The company whose metered usage to export.

    Returns:
        File contents by relative path (with ``/`` separators), in month order.
    """
    months: dict[Month, list[_Row]] = defaultdict(list)
    for usage in company.usage:
        months[usage.month] += _rows(usage)
    ordered = sorted(months)
    files = {}
    for month in ordered:
        rows = sorted(months[month], key=lambda row: (row[1], row[2], row[3]))
        if month == ordered[len(ordered) // 2]:
            rows.append(rows[0])  # Delivered twice: the same event, counted once.
        files[f"{FOLDER}/{month.label}.csv"] = _csv(rows)
    return files


def write_documents(company: Company, out: Path) -> list[Path]:
    """Write the export files under ``out``, removing export files of an earlier run.

    Args:
        company: The company whose usage to export.
        out: The documents folder; created if missing.

    Returns:
        The paths written, in month order.
    """
    return write_files(out, FOLDER, ".csv", document_files(company))


def pricing_contracts(company: Company) -> str:
    """Return the ``contracts:`` entries of config/pricing.yaml that the company's usage needs.

    The reserved-capacity customers' GPU hours above their reservation are
    priced by their overage contract (``catalog.OVERAGE_PRICE``), from the
    first month of the reservation. The demo's config/pricing.yaml carries
    these entries for the default company (a test checks it).
    """
    list_prices = {product.code: product.prices for product in catalog.PRODUCTS}
    lines = []
    for contract in sorted(company.contracts, key=lambda c: c.id):
        listed = list_prices[contract.product]
        if contract.end is not None or contract.amount == listed[contract.currency]:
            continue
        lines += [
            f"  {contract.id}:",
            f"    customer: {contract.customer_id}",
            f"    start: {Month.of(contract.start).first}",
            f"    prices: {{{contract.product}: {{unit_price: {money(contract.amount)}}}}}",
        ]
    return "\n".join(lines) + "\n"
