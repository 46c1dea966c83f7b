"""The journal entry listing of a month: every posting of every transaction in it.

Typed and generated entries alike, in the books' order (by date), one row per
posting. `generated_by` names the plugin that made a generated entry (empty
for typed ones); `source` is what it came from (`revclose_source`, else the
entry's invoice); `location` is the file and line an auditor opens, relative
to the ledger's folder (a generated release points at its invoice line).
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from beancount.core import data

from plugins import meta
from plugins.currency import Precision
from reports import period
from reports.amounts import exact
from reports.books import Books
from reports.table import Table

COLUMNS = (
    "date",
    "flag",
    "payee",
    "narration",
    "account",
    "amount",
    "currency",
    "links",
    "tags",
    "generated_by",
    "source",
    "location",
)


def location(values: dict[str, Any] | None, folder: str) -> str:
    """Returns `file:line` of a directive's or posting's metadata, relative to `folder`."""
    filename = str((values or {}).get("filename") or "")
    if os.path.isabs(filename):
        filename = os.path.relpath(filename, folder)
    return f"{filename}:{(values or {}).get('lineno', 0)}"


def _rows(entry: data.Transaction, folder: str, precision: Precision) -> list[list[Any]]:
    source = entry.meta.get(meta.SOURCE) or entry.meta.get(meta.INVOICE) or ""
    common = [entry.date, entry.flag, entry.payee or "", entry.narration or ""]
    described = [
        " ".join(f"^{link}" for link in sorted(entry.links)),
        " ".join(f"#{tag}" for tag in sorted(entry.tags)),
        str(entry.meta.get(meta.GENERATED_BY) or ""),
        str(source),
    ]
    rows = []
    for posting in entry.postings:
        units = posting.units
        number = units.number if units is not None else None
        currency = units.currency if units is not None else ""
        if number is not None:
            number = exact(number, currency, precision)
        where = posting.meta if posting.meta and "lineno" in posting.meta else entry.meta
        rows.append(
            [*common, posting.account, number, currency, *described, location(where, folder)]
        )
    return rows


def journal(books: Books, month: datetime.date) -> Table:
    """Returns one row per posting of every transaction dated in the month."""
    first, last = month, period.last_day(month)
    folder = os.path.dirname(os.path.abspath(books.path))
    precision = books.revenue_policy().precision
    rows = [
        row
        for entry in books.entries
        if isinstance(entry, data.Transaction) and first <= entry.date <= last
        for row in _rows(entry, folder, precision)
    ]
    return Table(f"Journal entries, {period.month_name(month)}", COLUMNS, rows)
