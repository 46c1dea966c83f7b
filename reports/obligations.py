"""Remaining performance obligations (ASC 606-10-50-13) at a month end.

What the deferred revenue subledger still has to release after the month end,
for the lines booked up to it, split by when it is expected to be recognized:
within the next twelve months, or after them. Lines recognized with usage
(prepaid credits) have no schedule: their remainder is `unscheduled`. The
total equals the closing balance of the deferred revenue roll-forward.

Contracted amounts not yet billed (the rest of a committed contract) are part
of the obligation too; they are added when contracts land in the ledger.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from plugins.deferred_lines import USAGE
from plugins.schedule import add_months
from reports import period
from reports.books import Books
from reports.deferred_revenue import subledger
from reports.table import Table

COLUMNS = ("account", "currency", "within_12_months", "after_12_months", "unscheduled", "total")


def remaining_obligations(books: Books, month: datetime.date) -> Table:
    """Returns what remains to be recognized after the month end, by deferred account.

    Amounts are positive (what is owed to customers); a row whose line is
    fully recognized is left out.
    """
    ledger = subledger(books)
    last = period.last_day(month)
    horizon = period.last_day(add_months(month, 12))
    within, after, unscheduled = range(3)
    remaining: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        if line.booked > last:
            continue
        row = remaining[(line.deferred_account, line.currency)]
        if line.method == USAGE:
            row[unscheduled] -= line.amount
        for date, units in pieces:
            if last < date <= horizon:
                row[within] -= units
            elif date > horizon:
                row[after] -= units
    to_decimal = ledger.policy.precision.from_minor
    rows = [
        [
            account,
            currency,
            *(to_decimal(units, currency) for units in row),
            to_decimal(sum(row), currency),
        ]
        for (account, currency), row in sorted(remaining.items())
        if any(row)
    ]
    title = f"Remaining performance obligations at {last}"
    return Table(title, COLUMNS, rows)
