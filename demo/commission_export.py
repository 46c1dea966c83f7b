"""Write the commission system's export: one CSV per payment month, as the system sends it.

Layout under the documents folder::

    commissions/YYYY-MM.csv     every commission and clawback paid in the month

The columns are those ``config/importers.yaml`` maps for the commissions
importer. Amounts are plain decimals with two places (negative for a
clawback), dates ISO 8601. A month in which nothing was paid has no file
(the importer rejects a file without rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from demo.company import Commission, Company
from demo.dates import Month
from demo.exports import write_files
from demo.ledger_writer import money

FOLDER = "commissions"
COLUMNS = (
    "commission_id",
    "payee",
    "opportunity_id",
    "contract_id",
    "customer_id",
    "amount",
    "currency",
    "paid_date",
    "plan_type",
)


def _row(commission: Commission) -> tuple[str, ...]:
    return (
        commission.id,
        commission.payee,
        commission.opportunity_id,
        commission.contract_id,
        commission.customer_id,
        money(commission.amount),
        commission.currency,
        commission.date.isoformat(),
        commission.plan_type.value,
    )


def _csv(commissions: Iterable[Commission]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(commission) for commission in commissions)
    return buffer.getvalue()


def document_files(company: Company) -> dict[str, str]:
    """Return the text of every export file, keyed by its path relative to the documents folder.

    Args:
        company: The company whose commissions to export.

    Returns:
        File contents by relative path (with ``/`` separators), in month order.
    """
    months: dict[Month, list[Commission]] = {}
    for commission in company.commissions:
        months.setdefault(Month.of(commission.date), []).append(commission)
    return {f"{FOLDER}/{month.label}.csv": _csv(months[month]) for month in sorted(months)}


def write_documents(company: Company, out: Path) -> list[Path]:
    """Write the export files under ``out``, removing export files of an earlier run.

    Args:
        company: The company whose commissions to export.
        out: The documents folder; created if missing.

    Returns:
        The paths written, in month order.
    """
    return write_files(out, FOLDER, ".csv", document_files(company))
