"""Write the CRM's export: Salesforce's "Opportunities with Products" report, one CSV a month.

Layout under the documents folder::

    crm/YYYY-MM.csv     the opportunities closed in the month, one row per product

The columns are the report's labels that ``config/importers.yaml`` maps for
the CRM importer, in the org's locale (US: ``MM/DD/YYYY`` dates, amounts with
thousands separators). A won opportunity is a fixed-term contract of the
demo: an annual plan or a GPU reservation, with its onboarding or fine-tuning
engagement when the deal bundles one (at a discount in some deals: the Sales
Price below the List Price); its ``Contract Number`` is the id its invoices
carry. A lost one is a renewal the customer declined. The term comes from the
org's custom fields ``Contract Start Date`` and ``Contract End Date``; a
service's delivery is the line's ``Date`` (ServiceDate).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from pathlib import Path

from demo.company import Company, Opportunity
from demo.dates import Month
from demo.exports import write_files

FOLDER = "crm"
COLUMNS = (
    "Opportunity ID",
    "Opportunity Name",
    "Account Number",
    "Stage",
    "Close Date",
    "Amount",
    "Opportunity Currency",
    "Contract Number",
    "Product Code",
    "Quantity",
    "Sales Price",
    "List Price",
    "Total Price",
    "Date",
    "Contract Start Date",
    "Contract End Date",
)


def _date(day: datetime.date | None) -> str:
    return f"{day:%m/%d/%Y}" if day else ""


def _money(minor: int) -> str:
    """Format minor units as the report does, e.g. ``13,500.00``."""
    whole, cents = divmod(abs(minor), 100)
    return f"{'-' if minor < 0 else ''}{whole:,}.{cents:02d}"


def _rows(opportunity: Opportunity) -> list[tuple[str, ...]]:
    return [
        (
            opportunity.id,
            opportunity.name,
            opportunity.customer_id,
            opportunity.stage,
            _date(opportunity.close_date),
            _money(opportunity.amount),
            opportunity.currency,
            opportunity.contract_id or "",
            line.product,
            str(line.quantity),
            _money(line.sales_price),
            _money(line.list_price),
            _money(line.total),
            _date(line.delivered),
            _date(line.start),
            _date(line.end),
        )
        for line in opportunity.lines
    ]


def document_files(company: Company) -> dict[str, str]:
    """Return the text of every export file, keyed by its path relative to the documents folder.

    Args:
        company: The company whose opportunities to export.

    Returns:
        File contents by relative path (with ``/`` separators), in month order.
    """
    months: dict[Month, list[Opportunity]] = defaultdict(list)
    for opportunity in company.opportunities:
        months[Month.of(opportunity.close_date)].append(opportunity)
    files = {}
    for month in sorted(months):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for opportunity in sorted(months[month], key=lambda o: (o.close_date, o.id)):
            writer.writerows(_rows(opportunity))
        files[f"{FOLDER}/{month.label}.csv"] = buffer.getvalue()
    return files


def write_documents(company: Company, out: Path) -> list[Path]:
    """Write the export files under ``out``, removing export files of an earlier run.

    Args:
        company: The company whose opportunities to export.
        out: The documents folder; created if missing.

    Returns:
        The paths written, in month order.
    """
    return write_files(out, FOLDER, ".csv", document_files(company))
