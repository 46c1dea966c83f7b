"""The metering system's export: a month of usage events becomes one accrual per customer.

A document is a month of events (`importers.usage_events`): `usage/2026-10.csv`,
`usage/2026-10.parquet`, or a folder `usage/2026-10/` of Parquet files. Importing it:

1. reads it with DuckDB, out of core, with the columns mapped in
   `config/importers.yaml` (`importers.usage_config`);
2. finds event ids on more than one row: copies of one event are counted once
   (and noted in the import's output), one id with different contents is a
   problem naming both rows (`importers.usage_aggregate.repeated_events`);
3. aggregates the events to one exact quantity per customer and SKU, counting
   the rows that break a rule (`importers.usage_aggregate.aggregate`);
4. checks the rows (`importers.usage_checks`): no empty or bad value, every
   timestamp within the month of the document's name (in the source's time
   zone), no negative quantity except on an adjustment row; every customer
   one of the ledger's `custom "customer"` directives, every SKU priced;
5. rates each customer's month with `config/pricing.yaml`
   (`importers.usage_rating`) and writes its accrual (`importers.usage_entries`),
   whose id `usage: "<customer>/<YYYY-MM>"` makes importing idempotent.

A month has as many lines as customers times SKUs (a hundred thousand in
`bench/usage_import.py`): its totals cross from DuckDB a column at a time, are
rated together (`usage_rating.rate_lines`), and their accruals are built, text
included, a column at a time (`usage_entries.accruals`).

Every problem names the file and row (a CSV line; a Parquet file's row index),
or the pricing file's line; a document with any problem yields nothing.
"""

from __future__ import annotations

import datetime
import tempfile
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import repeat
from pathlib import PurePath
from typing import NamedTuple, cast

import duckdb
from beancount.core import data

from importers import (
    ledger_files,
    usage_aggregate,
    usage_checks,
    usage_config,
    usage_events,
    usage_pricing,
)
from importers.config import Section
from importers.errors import ImportFailed, Problem
from importers.source import Placement, SourceImporter
from importers.usage_aggregate import Repeats
from importers.usage_config import UsageLayout
from importers.usage_entries import accruals, month_end, plain_text
from importers.usage_events import Events
from importers.usage_rating import Lines, rate_lines
from plugins import customers
from plugins.customers import Customer

LISTED_REPEATS = 10
NO_CUSTOMERS = (
    "No customers to rate usage for: the existing entries have no 'custom \"customer\"' "
    "directive; give beangulp's extract the ledger (-e ledger/main.beancount), or run "
    "'import.py import', which reads the ledger itself"
)


def _connection(layout: UsageLayout, spill: str) -> duckdb.DuckDBPyConnection:
    """Returns an in-memory DuckDB, bounded in memory, spilling to `spill`, naive times in UTC."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": layout.memory_limit,
        "temp_directory": spill,
    }
    if layout.threads:
        config["threads"] = layout.threads
    connection = duckdb.connect(":memory:", config=config)
    connection.execute(
        "SET TimeZone = 'UTC'; SET enable_progress_bar = false; "
        "SET preserve_insertion_order = false"
    )
    return connection


class UsageImporter(SourceImporter):
    """Imports a month of metering events: one usage accrual per customer."""

    id_key = "usage"
    reads_custom = (customers.TYPE,)

    def __init__(self, placement: Placement, layout: UsageLayout) -> None:
        super().__init__(placement, layout.unbilled)
        self.layout = layout
        self._pricing: usage_pricing.Pricing | None = None
        self._notes: dict[str, list[Problem]] = {}

    def document(self, filepath: str) -> str:
        """Returns the file, or the month folder a Parquet file of a partitioned export is in."""
        found = self._document(filepath)
        return found if found is not None else filepath

    def _document(self, filepath: str) -> str | None:
        path = PurePath(filepath)
        if path.match(self.placement.pattern):
            return filepath
        if usage_events.is_part(path):
            for folder in path.parents:
                named = usage_events.month_in(folder.name)
                if named is not None and folder.match(self.placement.pattern):
                    return str(folder)
        return None

    def identify(self, filepath: str) -> bool:
        """Tells whether the path is a month's export, or a Parquet file of a month's folder."""
        return self._document(filepath) is not None

    def date(self, filepath: str) -> datetime.date | None:
        """Returns the last day of the document's month, to archive it under."""
        month = usage_events.month_in(PurePath(self.document(filepath)).name)
        return month_end(month) if month else None

    def filename(self, filepath: str) -> str:
        """Returns the archived name: the source's name and the file's extension."""
        return self.placement.source + PurePath(self.document(filepath)).suffix

    def notes(self, filepath: str) -> list[Problem]:
        """Returns the events the last extract of the document counted once."""
        return list(self._notes.get(self.document(filepath), []))

    def pricing(self) -> usage_pricing.Pricing:
        """Returns the price books, read once.

        Raises:
          ImportFailed: With every problem of the pricing file, at its line.
        """
        if self._pricing is None:
            self._pricing = usage_pricing.load(self.layout.pricing)
        return self._pricing

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Transaction]:
        """Returns one accrual per customer of the document's month.

        Raises:
          ImportFailed: Naming the file and row of every problem; then nothing is imported.
        """
        with ledger_files.bulk():  # Thousands of entries, a hundred thousand postings.
            return self._extract(filepath, existing)

    def _extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Transaction]:
        path = self.document(filepath)
        known = customers.read(existing)
        if not known:
            raise ImportFailed([Problem(path, None, NO_CUSTOMERS)])
        document = usage_events.document(path)
        pricing = self.pricing()
        with tempfile.TemporaryDirectory(prefix="revclose-usage-") as spill:
            connection = _connection(self.layout, spill)
            try:
                events = usage_events.read(connection, document, self.layout)
                try:
                    month, repeats = self._month(events, known, pricing)
                    without_id = month.counted["rows"] + len(repeats.extra) - repeats.ids
                    found, unlisted = usage_checks.row_problems(events, month.counted, without_id)
                except duckdb.Error as error:
                    raise events.failure(error) from error
            finally:
                connection.close()
        rows = month.counted["rows"] + len(repeats.extra)
        events.locate([key for _, *keys in repeats.different for key in keys], rows)
        found += usage_checks.repeat_problems(events, repeats)
        found += month.problems
        _raise(events, found, unlisted, rows)
        self._notes[path] = _repeat_notes(events, repeats, rows)
        return month.entries

    def _month(
        self, events: Events, known: dict[str, Customer], pricing: usage_pricing.Pricing
    ) -> tuple[Month, Repeats]:
        """Aggregates, checks and rates the month's events, and finds the repeated ids.

        The search for repeated ids (DuckDB and NumPy, which let go of Python's
        lock) runs in a thread while the events are aggregated and rated. When
        it finds copies of an event, the month is aggregated again without them.
        """
        with ThreadPoolExecutor(max_workers=1) as pool:
            cursor = events.connection.cursor()
            search = pool.submit(usage_aggregate.repeated_events, cursor, "usage_events")
            month = self._rated(events, "usage_events", known, pricing, 0)
            repeats = search.result()
            cursor.close()
        if repeats.extra:
            source = usage_aggregate.once(events.connection, "usage_events", repeats)
            month = self._rated(events, source, known, pricing, len(repeats.extra))
        return month, repeats

    def _rated(
        self,
        events: Events,
        source: str,
        known: dict[str, Customer],
        pricing: usage_pricing.Pricing,
        copies: int,
    ) -> Month:
        """Aggregates the events of `source`, checks the customers and SKUs, and rates them.

        Nothing is rated when a row breaks a rule or a customer is unknown.
        `copies` is the number of rows of the file `source` leaves out.
        """
        document = events.document
        table = usage_aggregate.aggregate(
            events.connection,
            source,
            document.month,
            self.layout.zone,
            events.naive,
            screen=not document.csv and events.one_event_a_row,
        )
        counted = usage_aggregate.figures(events.connection, table)
        totals = usage_aggregate.totals(events.connection, table)
        usage = usage_checks.by_customer(totals)
        problems = usage_checks.unknown_customers(usage, known)
        if problems or any(counted[rule] for rule in usage_aggregate.FIGURES):
            return Month(counted, [], problems)
        rows = counted["rows"] + copies
        events.locate((each.first_row for each in usage.values()), rows)
        return self._accruals(events, counted, totals, usage, known, pricing)

    def _accruals(
        self,
        events: Events,
        counted: dict[str, int],
        totals: usage_aggregate.Totals,
        usage: dict[str, usage_checks.Usage],
        known: dict[str, Customer],
        pricing: usage_pricing.Pricing,
    ) -> Month:
        """Rates each customer's month: its accrual, or why it cannot be rated.

        The totals are rated and their accruals built a column at a time
        (`usage_rating.rate_lines`, `usage_entries.accruals`): a month has a
        hundred thousand of them.
        """
        month = events.document.month
        # Nothing is rated when a row is incomplete: every total has its SKU, sum and events.
        skus = cast(list[str], totals.skus)
        texts = cast(list[str], totals.quantities)
        counts = cast(list[int], totals.events)
        # DuckDB writes a DECIMAL column's sums with its scale: 1737.500 is 1737500 x 10**-3.
        scale = next((len(text) - text.index(".") - 1 for text in texts[:1] if "." in text), 0)
        scaled = list(map(int, map(str.replace, texts, repeat("."), repeat(""))))
        # Text quantities sum with 9 decimals: written without trailing zeros (1737, not
        # 1737.000000000); a DECIMAL column's sums keep its scale.
        if events.text_quantities:
            texts = list(map(plain_text, texts))
        quantities = list(map(Decimal, texts))
        who = [known[customer] for customer in usage]
        ends = [each.end for each in usage.values()]
        ids = [(customer.id, customer.entity) for customer in who]
        rated = rate_lines(pricing, month, Lines(ids, ends, skus, totals.codes, scaled, scale))
        problems: list[usage_checks.Found] = []
        for customer, each, found in zip(who, usage.values(), rated.months, strict=True):
            if found is None:
                mine = range(each.start, each.end)
                named = {skus[totals.codes[index]]: quantities[index] for index in mine}
                problems += usage_checks.rating_problems(
                    pricing, customer, month, each, totals, named
                )
        where = [events.position(each.first_row) for each in usage.values()]
        unbilled = self.layout.unbilled
        entries = accruals(month, rated, who, quantities, texts, counts, unbilled, where)
        return Month(counted, entries, problems)


class Month(NamedTuple):
    """A month's events aggregated: the figures of the rules, the accruals, the problems."""

    counted: dict[str, int]  # Rows, and rows breaking each rule (`usage_aggregate.figures`).
    entries: list[data.Transaction]
    problems: list[usage_checks.Found]


def _raise(events: Events, found: list[usage_checks.Found], unlisted: list[str], rows: int) -> None:
    """Raises the problems found, each at its row, in row order; does nothing if there are none."""
    if not found and not unlisted:
        return
    found.sort(key=lambda pair: pair[0])
    events.locate((key for key, _ in found), rows)
    problems = [events.problem(key, message) for key, message in found]
    problems += [Problem(events.document.path, None, message) for message in unlisted]
    raise ImportFailed(problems)


def _repeat_notes(events: Events, repeats: Repeats, rows: int) -> list[Problem]:
    """Returns a note of the events repeated with the same content, counted once."""
    if not repeats.same:
        return []
    keys = [key for _, rows in repeats.same[:LISTED_REPEATS] for key in rows]
    events.locate(keys, rows)
    listed = "; ".join(
        f"'{event_id}' on {events.named_all(rows)}"
        for event_id, rows in repeats.same[:LISTED_REPEATS]
    )
    more = len(repeats.same) - LISTED_REPEATS
    tail = f"; and {more} more" if more > 0 else ""
    count = len(repeats.same)
    message = f"{count} event id{'s' if count != 1 else ''} repeated with the same content, "
    return [Problem(events.document.path, None, message + f"counted once: {listed}{tail}")]


def from_config(section: Section, placement: Placement) -> UsageImporter:
    """Builds the importer of a `usage` section, recording its problems in the section.

    Fields besides the placement: see `importers.usage_config`.
    """
    return UsageImporter(placement, usage_config.layout(section))
