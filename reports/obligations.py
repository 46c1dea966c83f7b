"""Remaining performance obligations (ASC 606-10-50-13) at a month end.

What the deferred revenue subledger still has to release after the month end,
for the lines booked up to it, split by when it is expected to be recognized:
within the next twelve months, or after them.

Prepaid credit (lines recognized with usage) has no schedule. When the ledger
enables plugins.usage_revenue, its remainder is each paid grant's balance at
the month end from the usage subledger (granted, less what was taken back,
drawn and broken), by when the grant expires: credit expiring within the
twelve months is used or breaks within them, credit expiring later may not.
Without the plugin nothing draws the credit down, and the lines' amounts are
`unscheduled`.

Contracts allocated by plugins.ssp_allocation are measured from their
obligations instead (reports.contracts): what their allocated price has still
to recognize after the month end, billed or not, by the revenue account of
each obligation, and a minimum commitment's unused part; their invoices'
deferred lines (and credit packs) are left out of the deferred accounts'
rows, so nothing counts twice. Without such contracts the total equals the
closing balance of the deferred revenue roll-forward.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from plugins import usage_accruals
from plugins.deferred_lines import USAGE
from plugins.schedule import add_months
from reports import contracts, period
from reports.books import Books
from reports.deferred_revenue import subledger
from reports.table import Table

COLUMNS = ("account", "currency", "within_12_months", "after_12_months", "unscheduled", "total")


def remaining_obligations(books: Books, month: datetime.date) -> Table:
    """Returns what remains to be recognized after the month end, by deferred account.

    Allocated contracts are by the revenue account of their obligations.

    Amounts are positive (what is owed to customers); a row whose line is
    fully recognized is left out. Prepaid credit is its grants' balances at
    the month end, within twelve months when the grant expires within them.
    """
    ledger = subledger(books)
    last = period.last_day(month)
    horizon = period.last_day(add_months(month, 12))
    within, after, unscheduled = range(3)
    remaining: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    allocated, ids = contracts.remaining(books, month)
    owners = contracts.contract_of_entry(books) if ids else {}
    drawn_down = books.uses(usage_accruals.PLUGIN)
    left_out: set[str] = set()  # Invoices of allocated contracts.
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        if line.booked > last:
            continue
        if owners.get(id(line.entry)) in ids:
            left_out.add(line.source)
            continue
        row = remaining[(line.deferred_account, line.currency)]
        if line.method == USAGE and not drawn_down:
            row[unscheduled] -= line.amount
        for date, units in pieces:
            if last < date <= horizon:
                row[within] -= units
            elif date > horizon:
                row[after] -= units
    if drawn_down:
        usage, _ = usage_accruals.load(books.entries, books.options)
        for balance in usage.grant_balances(last):
            grant = balance.grant
            if grant.promotional or grant.invoice in left_out:
                continue  # Promotional credit was given, not sold; a contract's is in its row.
            when = within if grant.expires <= horizon else after
            remaining[(grant.account, grant.currency)][when] += balance.remaining
    for key, (within_months, later) in allocated.items():
        remaining[key][within] += within_months
        remaining[key][after] += later
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
