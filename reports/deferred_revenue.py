"""Deferred revenue reports: the revenue waterfall and the roll-forward.

Both are computed from the deferred revenue subledger (the deferred lines and
their schedules, `plugins.deferred_lines`), not from the general ledger, so the
roll-forward's closing balance is an independent figure that must tie to the
general ledger balance of the deferred accounts.

Prepaid credit (a line with `recognition: "usage"`) has no schedule: when the
ledger enables plugins.usage_revenue, what usage draws from a paid grant and
what breaks come from the usage subledger (`plugins.usage_accruals`), the
figures the plugin posts, and are shown as their own movements.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from plugins import deferred_lines, prepaid_credits, usage_accruals
from plugins.deferred_lines import DeferredLine
from plugins.prepaid_credits import Movement
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


def credit_movements(books: Books, through: datetime.date | None = None) -> list[Movement]:
    """Returns the movements of paid prepaid credit grants, from the usage subledger.

    Draws and breakage are what plugins.usage_revenue posts to the grants'
    deferred accounts; a take-back is credit that a credit note or void took
    back (its deferred line is in the deferred revenue subledger already).
    Empty when the ledger does not enable the plugin.

    Args:
      through: If given, the subledger of the books as they stood at that
        day's end: later entries are left out, so a grant's unused credit
        breaks at its expiry as if nothing more were used.
    """
    if not books.uses(usage_accruals.PLUGIN):
        return []
    entries = books.entries
    if through is not None:
        entries = [entry for entry in entries if entry.date <= through]
    usage, _ = usage_accruals.load(entries, books.options)
    return [move for move in usage.movements if not move.grant.promotional]


DRAWN = "drawn_by_usage"
BREAKAGE = "breakage"
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
# With plugins.usage_revenue, after `recognized`.
CREDIT_COLUMNS = (DRAWN, BREAKAGE)


def rollforward_columns(books: Books) -> tuple[str, ...]:
    """Returns the columns: the prepaid credit ones too when the ledger draws credit down."""
    if not books.uses(usage_accruals.PLUGIN):
        return ROLLFORWARD_COLUMNS
    at = ROLLFORWARD_COLUMNS.index("recognized") + 1
    return (*ROLLFORWARD_COLUMNS[:at], *CREDIT_COLUMNS, *ROLLFORWARD_COLUMNS[at:])


_OPENING, _BILLED, _CREDITS, _RECOGNIZED, _DRAWN, _BREAKAGE = range(6)
_COLUMN_OF = {prepaid_credits.DRAW: _DRAWN, prepaid_credits.BREAKAGE: _BREAKAGE}


def rollforward(books: Books, month: datetime.date) -> Table:
    """Returns the deferred revenue roll-forward of a month, by account and currency.

    Balances are shown as credits (a liability of 100 is 100). Billed is the
    lines booked in the month that defer revenue; credit notes are those that
    reduce it (credit notes, voids, downgrades), shown negative; recognized is
    what the schedules release in the month. With plugins.usage_revenue,
    `drawn_by_usage` is the paid prepaid credit usage drew in the month and
    `breakage` the credit that broke (negative when proportional breakage is
    reversed), both from the usage subledger. Closing = opening + billed +
    credit notes - recognized - drawn - breakage, and `difference` is the
    general ledger's closing balance less that figure: anything but zero is a
    break.
    """
    ledger = subledger(books)
    columns = rollforward_columns(books)
    first, last = month, period.last_day(month)
    moves: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 6)
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        row = moves[(line.deferred_account, line.currency)]
        if line.booked < first:
            row[_OPENING] -= line.amount
        elif line.booked <= last:
            row[_BILLED if line.amount < 0 else _CREDITS] -= line.amount
        for date, units in pieces:
            if date < first:
                row[_OPENING] += units
            elif date <= last:
                row[_RECOGNIZED] -= units
    for move in credit_movements(books):
        column = _COLUMN_OF.get(move.kind)
        if column is None or move.date > last:
            continue  # A take-back's credit note is a deferred line, counted above.
        row = moves[(move.grant.account, move.grant.currency)]
        if move.date < first:
            row[_OPENING] -= move.units
        else:
            row[column] += move.units
    root = ledger.policy.accounts.deferred_revenue
    general = balances(
        books.entries, last, lambda name: name == root or name.startswith(root + ":")
    )
    rows = []
    to_decimal = ledger.policy.precision.from_minor
    for key in sorted(set(moves) | set(general)):
        account, currency = key
        opening, billed, credits, recognized, drawn, broken = (
            to_decimal(units, currency) for units in moves.get(key, [0] * 6)
        )
        closing = opening + billed + credits - recognized - drawn - broken
        gl_closing = -general.get(key, Decimal(0)) + to_decimal(0, currency)
        usage = [drawn, broken] if len(columns) > len(ROLLFORWARD_COLUMNS) else []
        rows.append(
            [account, currency, opening, billed, credits, recognized, *usage, closing,
             gl_closing, gl_closing - closing]
        )  # fmt: skip
    title = f"Deferred revenue roll-forward, {period.month_name(month)}"
    return Table(title, columns, rows)


def breaks(table: Table) -> list[str]:
    """Returns a message for each roll-forward row that does not tie to the ledger."""
    figures = zip(
        table.column("account"),
        table.column("currency"),
        table.column("closing"),
        table.column("gl_closing"),
        table.column("difference"),
        strict=True,
    )
    return [
        f"Deferred revenue '{account}' in {currency} does not tie: roll-forward closing "
        f"{closing}, general ledger {general}, difference {difference}"
        for account, currency, closing, general, difference in figures
        if difference != 0
    ]


def waterfall(books: Books, as_of: datetime.date) -> Table:
    """Returns the revenue waterfall as of a date: booked month x month recognized.

    Rows are the months in which deferred lines were booked, up to `as_of`,
    per currency; `billed` is what they deferred. Each month column holds what
    their schedules release in that month: actual up to `as_of`, scheduled
    after it. `deferred` is what remains unreleased at `as_of`, which is the
    sum of the scheduled columns after it.

    Prepaid credit (with plugins.usage_revenue) is on its pack's row: what
    usage drew and what broke, in their months, through `as_of`, and the
    credit left at `as_of` in the month it expires (the books as they stood
    then: it breaks at expiry unless used). Credit taken back by a credit
    note leaves the pack's row in the note's month and is shown negative on
    the note's row in the same month, so the two net to nothing.
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
    for move in credit_movements(books, through=as_of):
        grant, month = move.grant, move.date.replace(day=1)
        key = (grant.currency, grant.granted_on.replace(day=1))
        cells[key][month] += move.units
        if move.date <= as_of:
            remaining[key] -= move.units
        if move.kind == prepaid_credits.TAKE_BACK:
            note = (grant.currency, month)
            cells[note][month] -= move.units
            remaining[note] += move.units
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
