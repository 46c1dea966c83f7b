"""Where a customer credit came from: a credit note's credit, or cash.

A customer's credit balance, in one currency, is made of what each entry
put into the customer credits account, each part of one origin: a credit
note's credit, when the entry moves it there from the note (the part the
open invoices' roll credits on the note, `reports.receivables._share_cash`),
else cash (an over payment parked or moved there, a prepayment; anything
else put in reads as cash too, as the roll always read it). A debit to the
account takes the balance **oldest first** (first in, first out, by day,
and within a day what is put in before what is taken, in the books' order
otherwise), after the parts put in by the entries naming the document it
names (its receipt, as the matcher's credit applications and a typed
debit naming the receipt do, `plugins.customer_credits`): so R-1's over
payment parked after CN-1's credit is still what R-1's application takes.
What a debit takes beyond the balance is an overdraw, read as cash.

CN-1's 12.00 put in on Jan 15, INV-7's over payment of 30.00 on Jan 16,
then 20.00 applied to INV-8: 12.00 of CN-1's credit and 8.00 of cash.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

Key = tuple[str, int, str]  # a move on a customer's account: customer, entry (by `id`), currency


class CreditMove(NamedTuple):
    """A posting to the customer credits account, in minor units as posted (a debit takes)."""

    key: Key
    date: datetime.date
    document: str  # the receipt or document it names, "" for none
    units: int


@dataclass
class _Part:
    """What is left of the part of a credit one entry put in, of one origin."""

    document: str
    from_note: bool
    units: int


def taken_from_notes(moves: Iterable[CreditMove], from_notes: Mapping[Key, int]) -> dict[Key, int]:
    """Returns what each entry's debits to customer credits take of credit notes' credits.

    Args:
      moves: Every posting to the account through the day read, by whose
        credit it moves (`plugins.customer_credits.Owner`).
      from_notes: What each entry puts in from credit notes (positive), by
        its move's key; its credits to the account carry it first, in
        their order.

    Returns:
      By the key of the entry's move, the minor units (positive) its
      debits take of credit notes' credits; entries taking none are left out.
    """
    balances: dict[tuple[str, str], list[_Part]] = defaultdict(list)
    noted = dict(from_notes)
    taken: dict[Key, int] = defaultdict(int)
    for move in sorted(moves, key=lambda one: (one.date, one.units > 0)):
        customer, _, currency = key = move.key
        parts = balances[(customer, currency)]
        if move.units < 0:
            _put(parts, move.document, -move.units, noted, key)
            continue
        taken[key] += _take(parts, move.document, move.units)
    return {key: units for key, units in taken.items() if units}


def _put(parts: list[_Part], document: str, units: int, noted: dict[Key, int], key: Key) -> None:
    """Adds what a credit puts in to the balance: the entry's credit notes' first, then cash."""
    from_note = min(units, noted.get(key, 0))
    noted[key] = noted.get(key, 0) - from_note
    if from_note:
        parts.append(_Part(document, True, from_note))
    if units - from_note:
        parts.append(_Part(document, False, units - from_note))


def _take(parts: list[_Part], document: str, units: int) -> int:
    """Takes a debit out of the balance, what it names first, then oldest first.

    Returns what it took of credit notes' credits.
    """
    named = [part for part in parts if document and part.document == document]
    others = [part for part in parts if not (document and part.document == document)]
    from_notes = 0
    for part in named + others:
        used = min(part.units, units)
        part.units -= used
        units -= used
        from_notes += used if part.from_note else 0
    parts[:] = [part for part in parts if part.units]
    return from_notes
