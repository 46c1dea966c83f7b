"""Where a customer credit came from: a credit note's credit, or cash.

A customer's credit balance, in one currency, is made of what each entry
put into the customer credits account, each part of one origin: a credit
note's credit, when the entry moves it there from the note (the part the
open invoices' roll credits on the note, `reports.receivables._share_cash`),
else cash (an over payment parked or moved there, a prepayment; anything
else put in reads as cash too, as the roll always read it). Each part
belongs to the receipt its posting names, as the customer credits plugin
reads it (`plugins.customer_credits.Owner.receipt_of`: the matcher's
parking of an over payment names its receipt), or to none. A transfer
between pools (`plugins.credit_transfers.transfers`: an entry posting only
to customer credits, CUS-1's moved to CUS-2) moves parts: what it puts into
a pool is what it takes out of the others, each part of its origin, each
pool's legs net (`_netted`).

A debit to the account takes the balance by the plugin's rule
(`plugins.customer_credits`: a debit naming a receipt uses that receipt's
credit first; one naming none leaves the receipts' credits to them and
takes the credits typed in, which are the user's to apply), in this order,
each group **oldest first** (by day; within a day what is put in before
the transfers, and they before what is taken, in the books' order
otherwise):

1. of what its entry moves back onto a credit note, that note's parts,
   then other credit notes';
2. what its own entry put in (a credit note's credit passed through the
   account onto an invoice in one entry);
3. the parts of the receipt or the credit note it names (`named`), if any;
4. the parts of no receipt;
5. the other receipts' parts.

What goes back onto a note is the note's own credit before anything its
entry put in: CN-1's 12.00 in customer credits, an entry putting in a
prepayment of 30.00 and moving 5.00 back onto CN-1 moves 5.00 of CN-1's.

What a debit takes beyond the balance is an overdraw: read as cash by the
debit (its roll is as it was read, and stays so), and a negative part of
the customer's credits, which what is put in next fills first, of
whatever origin, and does not hold again. 12.00 applied to INV-2 before
the account holds anything is paid 12.00; CN-1's 12.00 put in after it
fills the overdraw, and a prepayment of 30.00 put in later still is all
the account holds: 30.00 applied to INV-3 then is paid 30.00.

A price between the currency of the credits and of what they pay (a note's
share of credits applied `@ 1.099 USD`, a note's credit moved into credits
of another currency) is weighed to the minor unit half to even
(`weighed`): 3.33 EUR of CN-E1's at 1.099 is 3.66 USD.

CN-1's 12.00 put in on Jan 15, R-1's over payment of 30.00 parked on Jan
20: the matcher's application of R-1 on Feb 1 takes R-1's 30.00 (cash),
and a refund naming nothing on Feb 6 CN-1's 12.00, whatever their age. A
prepayment of 30.00 put in on Jan 5 and CN-1's 12.00 on Jan 15: a refund
naming CN-1 on Jan 20 takes CN-1's 12.00, and leaves the 30.00 of cash,
whether it is typed or the bank's line (whose `bank_reference` is its own
id, no receipt's).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from beancount.core import data

from plugins import meta
from plugins.receivables import Item, invoice_of

Key = tuple[str, int, str]  # a move on a customer's account: customer, entry (by `id`), currency
Pieces = list[tuple[str, int]]  # parts of a credit in order: the credit note's id ("" cash), units


class CreditMove(NamedTuple):
    """A posting to the customer credits account, in minor units as posted (a debit takes)."""

    key: Key
    date: datetime.date
    receipt: str  # the receipt it names (`Owner.receipt_of`), "" for none
    units: int
    note: str = ""  # the credit note it names, "" for none


class NoteMoves(NamedTuple):
    """What one entry moves between credit notes and customer credits, in the credit's units.

    By note, in the entry's order: the note's id and its units (positive).
    """

    put_in: Pieces  # from credit notes into customer credits
    back: Pieces  # out of customer credits back onto credit notes


class Transfer(NamedTuple):
    """A transfer between pools: its moves (by index) out of some pools, and into others."""

    out: Sequence[int]
    into: Sequence[int]


def named(
    entry: data.Transaction,
    posting: data.Posting,
    receipt: str,
    holding: Container[str],
    items: Mapping[str, Item],
) -> tuple[str, str]:
    """Returns the receipt, else the credit note, whose credit a posting to customer credits names.

    The receipt is the one the plugin reads it as using (`receipt`,
    `plugins.customer_credits.Owner.receipt_of`: by its `receipt` or the
    receipt's link), else the one its bank reference is when that receipt
    holds a part of customer credits (`holding`): a bank line's
    `bank_reference` is its own id, no receipt's otherwise. Naming none, it
    names the credit note it names, if any (`invoice: "CN-1"` or `^CN-1`,
    `plugins.receivables.invoice_of`): a bank refund with `bank_reference:
    "BR-9"` and `invoice: "CN-1"` names ("", "CN-1").

    Args:
      entry: The posting's entry.
      posting: A posting to customer credits.
      receipt: The id of the receipt the plugin reads it as using, "" for none.
      holding: The receipts that put parts into customer credits.
      items: The receivable's items by id.

    Returns:
      The receipt's id and the credit note's id, at most one of them not "".
    """
    reference = meta.written_receipt_id(entry, posting)
    if receipt or (reference is not None and reference in holding):
        return receipt or str(reference), ""
    note = items.get(invoice_of(entry, posting) or "")
    return "", note.id if note is not None and note.is_billed and not note.is_invoice else ""


def weighed(units: int, weighs: int, per: int) -> int:
    """Returns `units` at the price `weighs` per `per`, rounded half to even to the minor unit.

    333 EUR cents at 1099 USD cents per 1000 EUR cents: 365.967, 366 USD
    cents. Nothing per nothing weighs nothing.
    """
    return round(Fraction(units * weighs, per)) if per else 0


@dataclass
class _Part:
    """What is left of the part of a credit one entry put in, of one origin."""

    key: Key  # the entry's move that put it in
    receipt: str
    note: str  # the credit note whose credit it is, "" for cash
    units: int


def taken_from_notes(
    moves: Sequence[CreditMove],
    notes: Mapping[Key, NoteMoves],
    transfers: Iterable[Transfer] = (),
) -> dict[Key, int]:
    """Returns what each entry's debits to customer credits take of credit notes' credits.

    Args:
      moves: Every posting to the account through the day read, by whose
        credit it moves (`plugins.customer_credits.Owner`).
      notes: What each entry moves between credit notes and customer
        credits, by its move's key: its credits to the account carry what
        it puts in from notes first, in their order; its debits take what
        it moves back onto notes out of notes' parts first.
      transfers: The transfers between pools among `moves`
        (`plugins.credit_transfers.transfers`), each read as one.

    Returns:
      By the key of the entry's move, the minor units (positive) its
      debits take of credit notes' credits; entries taking none are left out.
    """
    pools = _Pools(notes)
    events: list[tuple[datetime.date, int, int, Transfer]] = []
    in_transfer: set[int] = set()
    for moved in transfers:  # read at its first leg's place among the day's transfers
        legs = [*moved.out, *moved.into]
        in_transfer.update(legs)
        events.append((moves[legs[0]].date, 1, min(legs), moved))
    for index, move in enumerate(moves):
        if index in in_transfer:
            continue
        if move.units > 0:
            events.append((move.date, 2, index, Transfer((index,), ())))
        else:
            events.append((move.date, 0, index, Transfer((), (index,))))
    for _, _, _, moved in sorted(events, key=lambda event: event[:3]):
        taken = [piece for move in _netted(moves, moved.out) for piece in pools.take(move)]
        for move in _netted(moves, moved.into):
            pools.put(move, taken)
    return {key: units for key, units in pools.taken.items() if units}


def _netted(moves: Sequence[CreditMove], legs: Sequence[int]) -> list[CreditMove]:
    """Returns the moves of `legs` netted by pool, as the plugin moves a transfer's legs.

    `plugins.credit_transfers._nets`: CUS-1's 100.00 moved to CUS-2 beside
    150.00 of CUS-1's moved between its contracts take 100.00 out of
    CUS-1's credits, not 250.00 out and 150.00 of cash back in.
    """
    net: dict[Key, CreditMove] = {}
    for index in legs:
        move = moves[index]
        known = net.get(move.key)
        net[move.key] = move if known is None else known._replace(units=known.units + move.units)
    return list(net.values())


class _Pools:
    """The parts each customer's credits hold in each currency, as moves put and take them."""

    def __init__(self, notes: Mapping[Key, NoteMoves]) -> None:
        self.parts: dict[tuple[str, str], list[_Part]] = defaultdict(list)
        self.put_in = {key: list(moved.put_in) for key, moved in notes.items()}
        self.back = {key: list(moved.back) for key, moved in notes.items()}
        self.taken: dict[Key, int] = defaultdict(int)

    def put(self, move: CreditMove, pieces: Pieces) -> None:
        """Puts in a credit: what a transfer took (`pieces`), its entry's notes', else cash."""
        customer, _, currency = move.key
        parts = self.parts[(customer, currency)]
        left = -move.units
        added: Pieces = []
        for origins in (pieces, self.put_in.get(move.key, [])):
            for note, units in _used(origins, left):
                added.append((note, units))
                left -= units
        if left:
            added.append(("", left))
        for overdrawn in [part for part in parts if part.units < 0]:  # filled first, oldest first
            overdrawn.units += sum(units for _, units in _used(added, -overdrawn.units))
        parts[:] = [part for part in parts if part.units]
        parts += [_Part(move.key, move.receipt, note, units) for note, units in added]

    def take(self, move: CreditMove) -> Pieces:
        """Takes a debit out of the balance in the module's order; returns the origins it took."""
        customer, _, currency = move.key
        parts = self.parts[(customer, currency)]
        ordered = _in_turn(parts, move)
        taken: Pieces = []
        for note, units in _used(self.back.get(move.key, []), move.units):
            onto = [part for part in ordered if part.note == note]
            taken += _take(onto + [part for part in ordered if part.note not in ("", note)], units)
        taken += _take(ordered, move.units - sum(units for _, units in taken))
        self.taken[move.key] += sum(units for note, units in taken if note)
        parts[:] = [part for part in parts if part.units]
        over = move.units - sum(units for _, units in taken)
        if not over:
            return taken
        parts.append(_Part(move.key, move.receipt, "", -over))  # an overdraw: a negative part
        return [*taken, ("", over)]


def _used(pieces: Pieces, units: int) -> Pieces:
    """Uses up to `units` of `pieces`, first first: returns what it used, leaves the rest."""
    used: Pieces = []
    while pieces and units:
        note, left = pieces[0]
        use = min(left, units)
        used.append((note, use))
        units -= use
        if use == left:
            pieces.pop(0)
        else:
            pieces[0] = (note, left - use)
    return used


def _in_turn(parts: list[_Part], move: CreditMove) -> list[_Part]:
    """Returns the parts in the order a debit takes them (the module's rule, steps 2 to 5)."""
    return sorted(
        parts,
        key=lambda part: (
            part.key != move.key,
            not (
                (move.receipt and part.receipt == move.receipt)
                or (move.note and part.note == move.note)
            ),
            bool(part.receipt),
        ),
    )  # a stable sort: oldest first within each group


def _take(parts: Iterable[_Part], units: int) -> Pieces:
    """Takes `units` out of `parts` in their order; returns the origins it took, in order.

    An overdraw (a negative part) holds nothing to take.
    """
    taken: Pieces = []
    for part in parts:
        used = max(0, min(part.units, units))
        if used:
            part.units -= used
            units -= used
            taken.append((part.note, used))
    return taken
