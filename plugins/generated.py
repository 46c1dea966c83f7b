"""Building generated entries: explicit, quantized, marked as generated."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from beancount.core import amount, data

from plugins import meta
from plugins.currency import Precision


def transfer(
    debit: str, credit: str, units: int, currency: str, precision: Precision
) -> list[data.Posting]:
    """Returns two postings moving `units` (minor units) from `credit` to `debit`."""
    number = precision.from_minor(units, currency)
    return [
        data.Posting(debit, amount.Amount(number, currency), None, None, None, None),
        data.Posting(credit, amount.Amount(-number, currency), None, None, None, None),
    ]


def posting(account: str, units: int, currency: str, precision: Precision) -> data.Posting:
    """Returns a posting of `units` (minor units, debit positive) to `account`."""
    number = precision.from_minor(units, currency)
    return data.Posting(account, amount.Amount(number, currency), None, None, None, None)


def transaction(
    source_meta: Mapping[str, Any],
    generator: str,
    date: datetime.date,
    narration: str,
    tags: frozenset[str],
    links: frozenset[str],
    postings: list[data.Posting],
    payee: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> data.Transaction:
    """Returns a generated transaction located at `source_meta`'s file and line.

    Args:
      source_meta: Metadata with the filename and line number the entry
        comes from (the line a user would fix).
      generator: The name of the plugin making the entry.
      extra: More metadata; keys are written as given.
    """
    entry_meta: dict[str, Any] = {
        "filename": source_meta.get("filename", f"<{generator}>"),
        "lineno": source_meta.get("lineno", 0),
        meta.GENERATED_BY: generator,
        **(extra or {}),
    }
    return data.Transaction(entry_meta, date, "*", payee, narration, tags, links, postings)


def opens(
    entries: list[data.Directive], wanted: Mapping[str, datetime.date], generator: str
) -> list[data.Open]:
    """Returns Open directives for the wanted accounts the ledger does not open.

    Args:
      wanted: Each account with the first date it is posted to.
    """
    opened = {entry.account for entry in entries if isinstance(entry, data.Open)}
    return [
        data.Open(data.new_metadata(f"<{generator}>", 0), date, name, [], None)
        for name, date in sorted(wanted.items())
        if name not in opened
    ]
