"""Deferred revenue reports: the revenue waterfall and the roll-forward.

Both are computed from the deferred revenue subledger (the deferred lines and
their schedules, `plugins.deferred_lines`), not from the general ledger, so the
roll-forward's closing balance is an independent figure that must tie to the
general ledger balance of the deferred accounts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from plugins import deferred_lines
from plugins.deferred_lines import DeferredLine
from plugins.revenue_policy import RevenuePolicy
from reports import period
from reports.books import Books, balances
from reports.table import Table


@dataclass(frozen=True)
class Subledger:
    """The deferred lines of the books with their release schedules."""

    lines: list[DeferredLine]
    pieces: list[list[tuple[datetime.date, int]]]
    policy: RevenuePolicy


def subledger(books: Books) -> Subledger:
    """Returns the deferred revenue subledger of the books."""
    policy = books.revenue_policy()
    lines, _ = deferred_lines.read(books.typed_entries(), policy)
    return Subledger(lines, [deferred_lines.pieces(line, policy) for line in lines], policy)


ROLLFORWARD_COLUMNS = (
    "account",
    "currency",
    "opening",
    "billed",
    "credit_notes",
    "recognized",
    "closing",
    "gl_closing",
    "difference",
)


def rollforward(books: Books, month: datetime.date) -> Table:
    """Returns the deferred revenue roll-forward of a month, by account and currency.

    Balances are shown as credits (a liability of 100 is 100). Billed is the
    lines booked in the month that defer revenue; credit notes are those that
    reduce it (credit notes, voids, downgrades), shown negative; recognized is
    what the schedules release in the month. Closing = opening + billed +
    credit notes - recognized, and `difference` is the general ledger's closing
    balance less that figure: anything but zero is a break.
    """
    ledger = subledger(books)
    first, last = month, period.last_day(month)
    moves: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        row = moves[(line.deferred_account, line.currency)]
        if line.booked < first:
            row[0] -= line.amount
        elif line.booked <= last:
            row[1 if line.amount < 0 else 2] -= line.amount
        for date, units in pieces:
            if date < first:
                row[0] += units
            elif date <= last:
                row[3] -= units
    root = ledger.policy.accounts.deferred_revenue
    general = balances(
        books.entries, last, lambda name: name == root or name.startswith(root + ":")
    )
    rows = []
    to_decimal = ledger.policy.precision.from_minor
    for key in sorted(set(moves) | set(general)):
        account, currency = key
        opening, billed, credits, recognized = (
            to_decimal(units, currency) for units in moves.get(key, [0, 0, 0, 0])
        )
        closing = opening + billed + credits - recognized
        gl_closing = -general.get(key, Decimal(0)) + to_decimal(0, currency)
        rows.append(
            [account, currency, opening, billed, credits, recognized, closing, gl_closing,
             gl_closing - closing]
        )  # fmt: skip
    title = f"Deferred revenue roll-forward, {period.month_name(month)}"
    return Table(title, ROLLFORWARD_COLUMNS, rows)


def breaks(table: Table) -> list[str]:
    """Returns a message for each roll-forward row that does not tie to the ledger."""
    return [
        f"Deferred revenue '{row[0]}' in {row[1]} does not tie: roll-forward closing "
        f"{row[6]}, general ledger {row[7]}, difference {row[8]}"
        for row in table.rows
        if row[8] != 0
    ]


def waterfall(books: Books, as_of: datetime.date) -> Table:
    """Returns the revenue waterfall as of a date: booked month x month recognized.

    Rows are the months in which deferred lines were booked, up to `as_of`,
    per currency; `billed` is what they deferred. Each month column holds what
    their schedules release in that month: actual up to `as_of`, scheduled
    after it. `deferred` is what remains unreleased at `as_of`, which is the
    sum of the scheduled columns after it.
    """
    ledger = subledger(books)
    cells: dict[tuple[str, datetime.date], dict[datetime.date, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    billed: dict[tuple[str, datetime.date], int] = defaultdict(int)
    remaining: dict[tuple[str, datetime.date], int] = defaultdict(int)
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        if line.booked > as_of:
            continue
        key = (line.currency, line.booked.replace(day=1))
        billed[key] -= line.amount
        remaining[key] -= line.amount
        for date, units in pieces:
            cells[key][date.replace(day=1)] -= units
            if date <= as_of:
                remaining[key] += units
    recognized_months = sorted({month for row in cells.values() for month in row})
    columns = [
        "currency",
        "booked_month",
        "billed",
        *(period.month_name(month) for month in recognized_months),
        "deferred",
    ]
    rows = []
    to_decimal = ledger.policy.precision.from_minor
    for key in sorted(billed):
        currency, booked = key
        row_cells = cells.get(key, {})
        rows.append(
            [
                currency,
                period.month_name(booked),
                to_decimal(billed[key], currency),
                *(to_decimal(row_cells.get(month, 0), currency) for month in recognized_months),
                to_decimal(remaining[key], currency),
            ]
        )
    return Table(f"Revenue waterfall as of {as_of}", columns, rows)
