"""The review list: every receivables review flag still standing at a date.

The AR plugin raises a review flag (a `!` entry, `#receivables-review`,
`plugins.ar_entries.review_flag`) the day cash has stood unapplied too long,
an invoice has stood past due too long, or a receipt paid another customer's
invoice, and at the month end a credit note is first owed by the customer
in a spell. Fava shows them in its journal; this list is what a revenue
accountant works through at the close. It reads the flags the plugin wrote
on the loaded books, never their rules again, and says which still stand:

- `past-due`: while the invoice is still open at the date; the amount is what
  is open then, the age its days past due.
- `unapplied-cash`: while the receipt still has cash unapplied at the date;
  the amount is what is unapplied then, the age its days since receipt.
- `other-payer`: an event, not a state (the cash stays applied where the
  receipt said), so it is listed in the month it is raised, the day the
  receipt pays the invoice: the month of the date. The amount is what the
  receipt paid of the invoice by the date, the age its days since receipt.
- `credit-note-owed`: while the spell it was raised for lasts (until a
  month end finds the note settled, `plugins.ar_controls.owed_spells`) and
  the customer owes the note at the date; the amount is what is owed then,
  the age its days since the day the spell began. Listed after the others.

Flags are raised only through the books' horizon (`plugins.horizon`, the
month end of their latest typed transaction): a list at a later date lacks
the flags that would be raised after it, so it carries a note naming the
horizon (`beyond_horizon`).

A flag of a kind the list does not know is listed, like an event, in the
month it is raised, without an amount. Flags are listed by kind, then oldest first, then by
invoice and receipt; a total row per kind and currency gives their count
and amount.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_controls, ar_entries, horizon, meta
from plugins.receipts import Receipt, posted_straight
from plugins.receivables import Item
from reports import journal
from reports.books import Books
from reports.receivables import TOTAL, Receivables, shown
from reports.sources import Sources
from reports.table import Table

KINDS = (ar_entries.PAST_DUE, ar_entries.UNAPPLIED_CASH, ar_entries.OTHER_PAYER)
COLUMNS = (
    "raised", "kind", "customer", "name", "invoice", "receipt", "currency", "amount",
    "age_days", "count", "reason", "location",
)  # fmt: skip


class _Standing(NamedTuple):
    """What a flag is about, if it still stands: its documents and what is at stake."""

    invoice: str
    receipt: str
    currency: str
    units: int | None  # minor units; None for a kind the list does not know
    since: datetime.date  # the day its age counts from


def flags(entries: Iterable[data.Directive], as_of: datetime.date) -> list[data.Transaction]:
    """Returns the review flags the AR plugin raised up to the end of a day."""
    return [entry for entry in entries if ar_entries.is_review_flag(entry) and entry.date <= as_of]


def review_list(books: Books, as_of: datetime.date) -> Table:
    """Returns the review flags standing at the end of a day, with a total per kind and currency."""
    ledger = Receivables(books)
    names = Sources(books).names.as_of(as_of)
    folder = os.path.dirname(os.path.abspath(books.path))
    by_link = {receipt.link: receipt for receipt in ledger.receipts.sorted()}
    rows: list[list[Any]] = []
    for flag in flags(books.entries, as_of):
        found = _standing(ledger, by_link, flag, as_of)
        if found is None:
            continue
        customer = str(flag.meta.get(meta.CUSTOMER) or "")
        amount = None if found.units is None else ledger.number(found.units, found.currency)
        rows.append(
            [flag.date, flag.meta[ar_entries.KIND], shown(customer), names.get(customer, ""),
             found.invoice, found.receipt, found.currency, amount, (as_of - found.since).days,
             None, flag.narration, journal.location(flag.meta, folder)]
        )  # fmt: skip
    rows.sort(key=lambda row: (_kind_order(row[1]), row[0], row[4], row[5]))
    note = beyond_horizon(books, as_of)
    notes = () if note is None else (note,)
    return Table(f"Review flags standing at {as_of}", COLUMNS, rows + _totals(rows), notes)


def beyond_horizon(books: Books, as_of: datetime.date) -> str | None:
    """Returns a note if a day is after the books' horizon, when the list is incomplete; else None.

    The plugin raises flags through the horizon and no later, so cash that
    comes of age, or an invoice that falls past due, after it is not
    flagged yet: the list is short by those.
    """
    reached = horizon.books_horizon(horizon.latest_typed(books.entries))
    if reached is None or as_of <= reached:
        return None
    return (
        f"Note: review flags are raised only through the books' horizon {reached} (the month "
        f"end of their latest typed transaction); cash that comes of age or an invoice that "
        f"falls past due after it is not flagged, so this list at {as_of} may be incomplete"
    )


def _kind_order(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def _standing(
    ledger: Receivables, by_link: dict[str, Receipt], flag: data.Transaction, as_of: datetime.date
) -> _Standing | None:
    """Returns what a flag is about if it still stands at the end of a day, else None."""
    kind, source = flag.meta[ar_entries.KIND], str(flag.meta.get(meta.SOURCE) or "")
    items, receipts = ledger.items.items, ledger.receipts
    if kind == ar_entries.PAST_DUE and source in items:
        item = items[source]
        left = item.balance(as_of)
        return _Standing(item.id, "", item.currency, left, item.due) if left > 0 else None
    receipt = receipts.by_id.get(source) or by_link.get(source)
    if kind == ar_entries.UNAPPLIED_CASH and receipt is not None:
        left = receipts.unapplied(receipt.id, as_of)
        return _Standing("", receipt.id, receipt.currency, left, receipt.date) if left > 0 else None
    if kind == ar_entries.NOTE_OWED and source in items:
        return _owed_note(items[source], flag.date, as_of)
    if flag.date < as_of.replace(day=1):
        return None
    paid = str(flag.meta.get(meta.APPLIED_RECEIPT) or "")
    if kind == ar_entries.OTHER_PAYER and source in items:
        item = items[source]
        units = _paid_by(ledger, item.id, paid, as_of)
        # Raised the day the receipt is applied; aged from the day it was received.
        received = receipts.by_id[paid].date if paid in receipts.by_id else flag.date
        return _Standing(item.id, paid, item.currency, units, received)
    return _Standing(source, paid, "", None, flag.date)


def _owed_note(note: Item, raised: datetime.date, as_of: datetime.date) -> _Standing | None:
    """Returns a credit note's owed flag raised on a day if its spell still stands at a date.

    The spell is the plugin's own (`plugins.ar_controls.owed_spells`): it
    stands until a month end finds the note settled, and while the customer
    owes the note at the date (a debit balance). The amount is what is owed
    at the date, the age its days since the day the spell began.
    """
    owed = note.balance(as_of)  # a debit on a credit note: what the customer owes
    spells = ar_controls.owed_spells(note, as_of)
    spell = next((spell for spell in spells if spell.raised == raised), None)
    if spell is None or owed <= 0 or (spell.settled is not None and spell.settled <= as_of):
        return None
    return _Standing(note.id, "", note.currency, owed, spell.since)


def _paid_by(ledger: Receivables, invoice: str, receipt: str, as_of: datetime.date) -> int:
    """Returns what a receipt paid of an invoice by the end of a day, in minor units.

    A receipt in unapplied cash pays by its uses linked to the invoice (its
    cash applications); one the bank posted straight to the receivable, by
    its own credits to the invoice.
    """
    receipts = ledger.receipts
    if receipt in receipts.by_id:
        uses = receipts.uses.get(receipt, [])
        return sum(use.units for use in uses if use.date <= as_of and invoice in use.entry.links)
    movements = ledger.items.items[invoice].movements
    return -sum(
        movement.units
        for movement in movements
        if movement.date <= as_of and posted_straight(movement) == receipt
    )


def _totals(rows: list[list[Any]]) -> list[list[Any]]:
    """Returns a total row per kind and currency: the count of flags and their amount."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    amounts: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row[1], row[6])
        counts[key] += 1
        if row[7] is not None:
            amounts[key] = amounts.get(key, 0) + row[7]
    return [
        [TOTAL, kind, "", "", "", "", currency, amounts.get((kind, currency)), None, count, "", ""]
        for (kind, currency), count in sorted(
            counts.items(), key=lambda pair: (_kind_order(pair[0][0]), pair[0][1])
        )
    ]


def counts(table: Table) -> dict[str, int]:
    """Returns how many flags of each kind a review list holds: every known kind, then others."""
    found = dict.fromkeys(KINDS, 0)
    kind, count = COLUMNS.index("kind"), COLUMNS.index("count")
    for row in table.rows:
        if row[0] == TOTAL:
            found[row[kind]] = found.get(row[kind], 0) + row[count]
    return found
