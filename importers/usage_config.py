"""The `usage` section of `config/importers.yaml`: how a metering system writes its exports.

    usage:
      importer: usage
      documents: usage/*          # usage/2026-10.csv, usage/2026-10.parquet, or usage/2026-10/
      ledger: usage
      pricing: pricing.yaml       # the price books, relative to this file (the default)
      timezone: UTC               # the month an event falls in (the default)
      columns:                    # field -> the export's column
        id: event_id
        timestamp: timestamp
        customer: customer_id
        sku: meter
        quantity: quantity
        adjustment: is_adjustment # optional: rows allowed a negative quantity
        events: events            # optional: how many events a row stands for (default 1)
      delimiter: ","              # CSV only, with `encoding` (utf-8, latin-1 or utf-16)
      accounts:
        unbilled: Assets:UnbilledReceivables
      memory_limit: 512MB         # DuckDB's, while it reads and aggregates (the default)
      threads: 2                  # DuckDB's worker threads (default: one per core)

Every problem of the section is recorded at its line, like every source's.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importers import csv_rows, source
from importers.config import Section, time_zone
from plugins import policy

REQUIRED = ("id", "timestamp", "customer", "sku", "quantity")
OPTIONAL = ("adjustment", "events")
FIELDS = ("pricing", "timezone", "accounts", "memory_limit", "threads")
UNBILLED = "Assets:UnbilledReceivables"
MEMORY_LIMIT = "512MB"
# The encodings DuckDB's CSV reader decodes, by Python's name for them.
ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)")


@dataclass(frozen=True)
class UsageLayout:
    """How a source's usage exports are written, and where their accruals post."""

    csv: csv_rows.CsvLayout  # The columns by field (CSV and Parquet), delimiter and encoding.
    pricing: Path  # The price books file.
    zone: datetime.tzinfo  # Whose calendar decides the month an event falls in.
    unbilled: str  # The account the accrued usage debits.
    memory_limit: str  # DuckDB's memory limit, like '512MB'.
    threads: int | None  # DuckDB's threads; None: one per core.

    @property
    def columns(self) -> dict[str, str]:
        """The column of each field the source's exports have."""
        return dict(self.csv.columns)


def _memory(value: Any) -> str:
    if not isinstance(value, str) or not _MEMORY.fullmatch(value.strip()):
        raise ValueError(value)
    return value.strip()


def _encoding(section: Section, name: str) -> None:
    if name not in ENCODINGS:
        shown = ", ".join(f"'{known}'" for known in ENCODINGS.values())
        message = f"Field '{section.label('encoding')}' expected one of {shown}, found '{name}'"
        section.error("encoding", message)


def layout(section: Section) -> UsageLayout:
    """Reads a `usage` section's fields besides its placement, recording problems in it."""
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *FIELDS])
    csv = csv_rows.layout(section, REQUIRED, OPTIONAL)
    _encoding(section, csv.encoding)
    folder = Path(section.document.path).parent
    pricing = section.read("pricing", policy.text, "a path like 'pricing.yaml'", "pricing.yaml")
    zone = time_zone(section)
    unbilled = UNBILLED
    if "accounts" in section.data:
        accounts = section.section("accounts")
        if accounts is not None:
            accounts.reject_unknown(["unbilled"])
            name = policy.ACCOUNT_EXPECTED
            unbilled = accounts.read("unbilled", policy.account_name, name, UNBILLED)
    memory = section.read("memory_limit", _memory, "a size like '512MB'", MEMORY_LIMIT)
    threads = section.read("threads", policy.positive_int, "a number of threads like 2", None)
    return UsageLayout(csv, folder / pricing, zone, unbilled, memory, threads)
