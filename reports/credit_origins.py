"""Where a customer credit came from: a credit note's credit, or cash.

A customer's credit balance, in one currency, is made of what each entry
put into the customer credits account, each part of one origin: a credit
note's credit, when the entry moves it there from the note (the part the
open invoices' roll credits on the note, `reports.receivables._share_cash`),
else cash (an over payment parked or moved there, a prepayment; anything
else put in reads as cash too, as the roll always read it). Each part
belongs to the receipt its posting names, as the customer credits plugin
reads it (`plugins.customer_credits.Owner.receipt_of`: the matcher's
parking of an over payment names its receipt), or to none.

A debit to the account takes the balance by the plugin's rule
(`plugins.customer_credits`: a debit naming a receipt uses that receipt's
credit first; one naming none leaves the receipts' credits to them and
takes the credits typed in, which are the user's to apply), in this order,
each group **oldest first** (by day; within a day what is put in before
what is taken, in the books' order otherwise):

1. what its own entry put in (a credit note's credit passed through the
   account onto an invoice in one entry);
2. of what its entry moves back onto credit notes, credit notes' parts;
3. the parts of the receipt it names, if any;
4. the parts of no receipt;
5. the other receipts' parts.

What a debit takes beyond the balance is an overdraw, read as cash.

CN-1's 12.00 put in on Jan 15, R-1's over payment of 30.00 parked on Jan
20: the matcher's application of R-1 on Feb 1 takes R-1's 30.00 (cash),
and a refund naming nothing on Feb 6 CN-1's 12.00, whatever their age.
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
    receipt: str  # the receipt it names (`Owner.receipt_of`), "" for none
    units: int


class NoteMoves(NamedTuple):
    """What one entry moves between credit notes and customer credits, in the credit's units."""

    put_in: int = 0  # from credit notes into customer credits (positive)
    back: int = 0  # out of customer credits back onto credit notes (positive)


@dataclass
class _Part:
    """What is left of the part of a credit one entry put in, of one origin."""

    key: Key  # the entry's move that put it in
    receipt: str
    from_note: bool
    units: int


def taken_from_notes(moves: Iterable[CreditMove], notes: Mapping[Key, NoteMoves]) -> dict[Key, int]:
    """Returns what each entry's debits to customer credits take of credit notes' credits.

    Args:
      moves: Every posting to the account through the day read, by whose
        credit it moves (`plugins.customer_credits.Owner`).
      notes: What each entry moves between credit notes and customer
        credits, by its move's key: its credits to the account carry what
        it puts in from notes first, in their order; its debits take what
        it moves back onto notes out of notes' parts first.

    Returns:
      By the key of the entry's move, the minor units (positive) its
      debits take of credit notes' credits; entries taking none are left out.
    """
    balances: dict[tuple[str, str], list[_Part]] = defaultdict(list)
    put_in = {key: moved.put_in for key, moved in notes.items() if moved.put_in}
    back = {key: moved.back for key, moved in notes.items() if moved.back}
    taken: dict[Key, int] = defaultdict(int)
    for move in sorted(moves, key=lambda one: (one.date, one.units > 0)):
        customer, _, currency = key = move.key
        parts = balances[(customer, currency)]
        if move.units < 0:
            from_note = min(-move.units, put_in.get(key, 0))
            put_in[key] = put_in.get(key, 0) - from_note
            parts.append(_Part(key, move.receipt, True, from_note))
            parts.append(_Part(key, move.receipt, False, -move.units - from_note))
        else:
            onto_notes = min(move.units, back.get(key, 0))
            back[key] = back.get(key, 0) - onto_notes
            ordered = _in_turn(parts, move)
            notes_taken, rest = _take([part for part in ordered if part.from_note], onto_notes)
            others_taken, _ = _take(ordered, move.units - onto_notes + rest)
            taken[key] += notes_taken + others_taken
        parts[:] = [part for part in parts if part.units]
    return {key: units for key, units in taken.items() if units}


def _in_turn(parts: list[_Part], move: CreditMove) -> list[_Part]:
    """Returns the parts in the order a debit takes them (the module's rule, 1, 3, 4, 5)."""
    named = move.receipt
    return sorted(
        parts,
        key=lambda part: (
            part.key != move.key,
            not (named and part.receipt == named),
            bool(part.receipt),
        ),
    )  # a stable sort: oldest first within each group


def _take(parts: Iterable[_Part], units: int) -> tuple[int, int]:
    """Takes `units` out of `parts` in their order; returns what it took of notes', what is left."""
    from_notes = 0
    for part in parts:
        used = min(part.units, units)
        part.units -= used
        units -= used
        from_notes += used if part.from_note else 0
    return from_notes, units
