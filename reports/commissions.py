"""The contract-cost asset roll-forward (ASC 340-40).

Computed from the commission subledger (each commission's schedule), then tied
to the general ledger balance of the contract-cost asset account.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from plugins import commission_lines, commission_policy
from plugins.schedule import add_months
from reports import period
from reports.books import Books, balances
from reports.table import Table

COLUMNS = (
    "account",
    "currency",
    "opening",
    "capitalized",
    "amortized",
    "impaired",
    "closing",
    "current",
    "non_current",
    "gl_closing",
    "difference",
)


def rollforward(books: Books, month: datetime.date) -> Table:
    """Returns the contract-cost asset roll-forward of a month, per currency.

    Closing = opening + capitalized - amortized - impaired. `current` is the
    amortization scheduled in the twelve months after the month's end and
    `non_current` the rest of the closing balance. `difference` is the general
    ledger's closing balance less the roll-forward's: anything but zero is a
    break.
    """
    policy, _ = commission_policy.load(books.plugin_config("plugins.commissions"), books.options)
    lines, _ = commission_lines.read(books.typed_entries(), policy)
    first, last = month, period.last_day(month)
    horizon = period.last_day(add_months(first, 12))
    opening, capitalized, amortized, impaired, current = range(5)
    moves: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for line in lines:
        plan = commission_lines.schedule_of(line, policy)
        row = moves[line.currency]
        events = [(line.booked, capitalized, plan.capitalized)]
        events += [(date, amortized, units) for date, units in plan.amortized]
        if plan.impaired is not None:
            events.append((plan.impaired[0], impaired, plan.impaired[1]))
        for date, column, units in events:
            if date < first:
                row[opening] += units if column == capitalized else -units
            elif date <= last:
                row[column] += units
            elif column == amortized and date <= horizon and line.booked <= last:
                # Only what is on the balance sheet at month end can be current.
                row[current] += units
    asset = policy.accounts.contract_costs
    general = balances(books.entries, last, lambda name: name == asset)
    to_decimal = policy.precision.from_minor
    rows = []
    for currency in sorted(set(moves) | {code for _, code in general}):
        figures = [to_decimal(units, currency) for units in moves.get(currency, [0] * 5)]
        closing = figures[opening] + figures[capitalized] - figures[amortized] - figures[impaired]
        gl_closing = general.get((asset, currency), Decimal(0)) + to_decimal(0, currency)
        rows.append(
            [
                asset,
                currency,
                *figures[:4],
                closing,
                figures[current],
                closing - figures[current],
                gl_closing,
                gl_closing - closing,
            ]
        )
    return Table(f"Contract-cost asset roll-forward, {period.month_name(month)}", COLUMNS, rows)


def breaks(table: Table) -> list[str]:
    """Returns a message for each row that does not tie to the general ledger."""
    return [
        f"Contract costs '{row[0]}' in {row[1]} do not tie: roll-forward closing {row[6]}, "
        f"general ledger {row[9]}, difference {row[10]}"
        for row in table.rows
        if row[10] != 0
    ]
