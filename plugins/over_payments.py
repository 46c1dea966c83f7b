"""Over payments of receipts posted straight to the receivable, moved to customer credits.

A bank import that knows which invoice a receipt pays credits the receivable
itself (`plugins.receipts` reads only receipts waiting in unapplied cash), so
the matcher never sees it. When such receipts pay an invoice more than its
total beyond the tolerance of `config/ar.yaml` (a customer paying 600.00 for
an invoice of 49.00, or paying the same invoice twice), the excess is the
customer's, as the excess of a receipt in unapplied cash is: it is moved to
the customer credits account, one entry per receipt that took the invoice
over (one for a day's receipts the matcher finds over paying, `InCalendar`),
dated at that receipt, located at its line and linked to the invoice
and the receipt. `plugins.customer_credits` then applies it to the
customer's next invoices like any other over payment:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable    49.00 USD
      Income:Revenue:Services     -49.00 USD

    2026-02-01 * "Acme" "Wire 88123" ^INV-1
      bank_reference: "BR-88123"
      invoice: "INV-1"
      Assets:Bank:Operating       600.00 USD
      Assets:AccountsReceivable  -600.00 USD

generates:

    2026-02-01 * "Acme" "Over payment of INV-1 from BR-88123 moved to customer credit"
      #cash-application ^INV-1 ^BR-88123
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "BR-88123"
      revclose_kind: "over-payment"
      customer: "CUS-1"
      Assets:AccountsReceivable     551.00 USD
      Liabilities:CustomerCredits  -551.00 USD

A receipt is what `plugins.payment_differences` calls one
(`plugins.receipts.posted_straight`): a typed credit to the receivable in an
entry with a receipt id (`receipt` or `bank_reference`).

What the typed postings alone over pay is found here, before anything is
matched (`to_customer_credits`). What a receipt over pays because cash was
matched, credited or netted to the invoice before its day is found on its
day inside the matcher's calendar (`InCalendar`, `plugins.cash_matching`
reads such a receipt on its own day, not before): INV-1 100.00 paid by R-1
from unapplied cash on January 20, then 100.00 straight on February 10,
moves all 100.00 to credits on February 10, and the credit pays the
customer's invoices from that day on. What the typed postings alone moved
of the day's receipts is joined to it, so the excess is one figure, in one
entry, weighed against the tolerance as a whole: R-1 0.50 on January 20
and 150.00 straight on February 10 move 50.50, as 0.50 paid straight would.
What a credit note netted to an invoice after its date nets beyond what
is open on its day (`plugins.credit_notes`) is found there too, all of it,
whatever the tolerance, but it is not the customer's credit: it is moved
back from the invoice to the note, left open on the note in the
receivable (`plugins.credit_notes.left_open_entry`); a credit note and a
straight receipt on one day are each decided on their own, the credit
note first.
A receipt's excess is how far it takes the invoice's running balance (its
postings by date, on a day by what each is, never by file and line: the
document first, then debits, the day's receipts last, by id with its numbers
as numbers, `receivables.day_order`; with what is
moved posted) below where it was and below zero; it is moved when that
leaves the invoice more than the tolerance below zero, in full, whatever
comes later, so a month once closed stays as it was. A later typed debit to
the invoice (a refund, or a returned payment, which the bank import posts to
the receivable naming the invoice) takes back what it can of the excesses,
the latest first, on its own date: one entry per excess, at the debit's
line, linked to the invoice and that receipt, so the receipt's credit is
used up by as much and the invoice is back at zero. It can take back only
what the credit still holds on that date, as
`plugins.customer_credits.Crediting` decides with the credit's applications,
in date order: what the credit paid of other invoices before it stays paid.
What the debit refunds beyond what it takes back is open on the invoice, for
the customer to pay, and the invoice's later postings are weighed against
that (`caps`, when the plugin reads the books again,
`plugins.ar_reconciliation.reconcile`). A refund of 521.00 the bank import
posts on March 15 (a debit of 521.00 to INV-1's receivable), after the
credit paid an invoice of 30.00 in February, gives, February left as it was:

    2026-03-15 * "Acme" "Over payment of INV-1 from BR-88123 taken back from customer credit"
      #cash-application ^INV-1 ^BR-88123
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "BR-88123"
      revclose_kind: "over-payment-returned"
      customer: "CUS-1"
      Liabilities:CustomerCredits   521.00 USD
      Assets:AccountsReceivable    -521.00 USD

A refund of the whole 551.00 takes back the same 521.00, all the credit
still holds, and leaves INV-1 open for the other 30.00.

What the typed postings of a manual credit (a goodwill credit typed to the
invoice, no receipt id) alone over pay is not moved: it stays an error of
`plugins.ar_controls` (a later debit makes it up first). What such a
credit dated after the invoice over pays because cash was matched or
credited, or a credit note netted, to the invoice before its day is
found on its day, as a straight
receipt's excess is (`InCalendar`); what a credit note
nets beyond what is open is left open on the note in the calendar
(`InCalendar`). An over
payment within the tolerance is left to `plugins.payment_differences`,
which writes it off. As there, only an invoice in the functional currency,
or carried in its own currency with no rate, is looked at: an excess at a
foreign carrying rate stays an error for the user, but for what a later
straight receipt or credit by hand over pays because cash was matched
before it, or recovers or lowers of a write-off (`InCalendar`, at the
invoice's carrying rate).
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Hashable, Iterator, Mapping, Sequence
from itertools import compress, repeat
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, credit_notes, meta, payment_differences, recoveries
from plugins.ar_policy import ArPolicy
from plugins.customer_credits import Claim, Crediting, Parked
from plugins.fx import Rates, own_rate
from plugins.matching_terms import Invoicing
from plugins.receipts import posted_straight, receipt_id
from plugins.receivables import Item, Movement, Subledger

KIND = "over-payment"
RETURNED_KIND = "over-payment-returned"

Key = tuple[str, str, str, int, int]  # a take-back's invoice, receipt, debit's file, line, place


class TakeBack(NamedTuple):
    """A typed debit to an invoice that takes back a receipt's excess, before it is capped.

    Its posting to the invoice is posted as wanted when the over payments
    are read, so the matcher sees the invoice as a whole take-back would
    leave it; once the credits are applied, `settled` caps it at what the
    receipt's credit still held on its day.
    """

    item: Item
    debit: Movement  # the typed debit it is dated and located at
    receipt: str
    wanted: Movement  # posted to the item: all of the excess the debit reaches
    excess: Movement  # the receipt's posting whose excess it takes back

    @property
    def claim(self) -> Claim:
        """What it asks of the receipt's credit, for `plugins.customer_credits.Crediting`.

        Named by its key and its excess's place: a receipt posted straight to
        the invoice twice (two bank lines of one reference) can over pay it
        twice, and one debit take back from both. It is on the receipt's
        credit for the invoice's customer, the one its excess became.
        """
        where = self.excess.entry.meta
        place = (str(where.get("filename")), where.get("lineno", 0), self.excess.position)
        day, units, customer = self.debit.date, -self.wanted.units, self.item.customer
        return Claim((self.key, *place), self.receipt, day, units, customer)

    @property
    def key(self) -> Key:
        """Names it in another reading of the books (`to_customer_credits`'s `caps`)."""
        return _key(self.item, self.debit, self.receipt)


class Moved(NamedTuple):
    """The entries that move over payments to customer credits, and the take-backs asked.

    `movements` are the postings to post to the invoices now: what is moved,
    and what each take-back wants (`settled` replaces those it caps).
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    take_backs: list[TakeBack]
    straight: dict[str, list[recoveries.Straight]]  # receipts on invoices written off


class _Step(NamedTuple):
    """One entry to generate: an excess moved to credits, or taken back from them."""

    at: Movement  # the posting it is dated and located at: the receipt's, or the later debit's
    receipt: str
    units: int  # in the invoice's minor units, always positive
    returned: bool  # taken back from credits (else moved to them)
    recovery: bool = False  # reinstates what was written off (`plugins.recoveries`)
    brought: int = 0  # of a recovery: how far the receipt took the invoice below zero
    excess: Movement | None = None  # of a take-back: the receipt's posting whose excess it is
    before: int = 0  # of a recovery: what was recovered of the invoice before it
    earlier: tuple[int, ...] = ()  # of a recovery: recovered in all after each before it


def to_customer_credits(
    subledger: Subledger,
    rates: Rates,
    policy: ArPolicy,
    caps: Mapping[Key, int] | None = None,
    demands: Mapping[str, Sequence[recoveries.Demand]] | None = None,
    again: Mapping[str, Sequence[recoveries.WriteOff]] | None = None,
    folder: str = "",
) -> Moved:
    """Returns the entries that move what receipts over paid to credits, and the take-backs.

    Read on the typed items, before anything is generated. Only the items
    the books post to more than once are looked at (an item read with its
    document alone is paid by nothing), and of those only the few that can
    have been over paid (`_maybe_over_paid`). Of an invoice written off as
    uncollectible, a receipt posted straight recovers here what the typed
    postings alone bring; what cash matched or notes netted before it add
    it recovers on its day, in the matcher's calendar (`InCalendar`).

    Args:
      subledger: The open items of the typed books.
      rates: The ledger's prices (an invoice carried at a foreign rate is left alone).
      policy: The tolerance and the customer credits account.
      caps: What a take-back could take back, by its `key`, found by an
        earlier reading of the books: the invoice's later steps follow from it.
      demands: What receipts in unapplied cash brought to each invoice
        written off, found by an earlier reading (`plugins.recoveries.Recovering`).
      again: What chargebacks of recoveries wrote off again, found by an
        earlier reading (`plugins.chargebacks`): read with the typed write-offs,
        as `plugins.recoveries.Recovering` reads them.
      folder: The ledger's folder: a credit typed by hand among `demands` is
        named by its file and line, relative to it (`_allocation`).
    """
    found: list[tuple[Item, list[_Step], list[recoveries.WriteOff]]] = []
    straight: dict[str, list[recoveries.Straight]] = {}
    tolerances: dict[str, int] = {}
    for item in _maybe_over_paid(subledger):
        if not item.is_invoice or rates.carrying(item) is not None:
            continue
        tolerance = tolerances.get(item.currency)
        if tolerance is None:
            tolerance = tolerances[item.currency] = policy.tolerance_units(item.currency)
        write_offs = recoveries.written_off_items(item, policy, again)
        allocation = None
        if write_offs:
            found_demands = (demands or {}).get(item.id, ())
            allocation = _allocation(subledger, item, write_offs, found_demands, policy, folder)
        steps = _steps(item, tolerance, caps or {}, allocation)
        if allocation is not None:
            straight[item.id] = sorted(
                (
                    recoveries.Straight(
                        step.at.date, step.receipt, step.brought, step.units, step.before
                    )
                    for step in steps
                    if step.recovery
                ),
                key=operator.attrgetter("turn"),
            )
            steps = [step for step in steps if step.units]
        if steps:
            found.append((item, steps, write_offs))
    done = Moved([], [], [], straight)
    for item, steps, write_offs in sorted(found, key=lambda one: one[0].id):  # not file order
        for step in steps:
            if step.returned:
                movement = _taken_back(item, step.at, step.receipt, step.units, policy)
                assert step.excess is not None  # `_steps` gives a take-back its excess
                take_back = TakeBack(item, step.at, step.receipt, movement, step.excess)
                done.take_backs.append(take_back)
            elif step.recovery:
                recovered = (step.units, step.before, step.earlier)
                entry = recoveries.straight_entry(
                    item, step.at, step.receipt, recovered, policy, write_offs
                )
                movement = Movement(entry.date, step.units, entry, 1, item.currency)
                done.entries.append(entry)
            else:
                entry = credit_entry(item, step.at, step.receipt, step.units, policy)
                movement = Movement(entry.date, step.units, entry, 1, item.currency)
                done.entries.append(entry)
            done.movements.append((item.id, movement))
    return done


def _allocation(
    subledger: Subledger,
    item: Item,
    write_offs: Sequence[recoveries.WriteOff],
    demands: Sequence[recoveries.Demand],
    policy: ArPolicy,
    folder: str,
) -> recoveries.Allocation:
    """Returns the allocation of an invoice's write-offs with what an earlier reading found.

    Each demand is a receipt's, a credit note's (its id names a credit
    note of the subledger), which takes its turn first on its day, or the
    day's credits typed by hand to the invoice's (named by its file and
    line relative to the ledger's folder, `_typed_last`), which take theirs
    last (`plugins.recoveries.Allocation`).
    """
    items = subledger.items
    by_hand_names = {
        receipt_id(movement.entry, movement.posting, folder)
        for movement in recoveries.credited_by_hand_on_their_days(item, policy)
    }
    notes = [one for one in demands if one[1] in items and not items[one[1]].is_invoice]
    by_hand = [one for one in demands if one[1] in by_hand_names and one not in notes]
    others = [one for one in demands if one not in notes and one not in by_hand]
    return recoveries.Allocation(write_offs, others, notes, by_hand)


def _typed_last(typed: Sequence[Movement], folder: str) -> tuple[str, Movement]:
    """Returns the day's credit typed by hand last (`_place`), with its name as a receipt's."""
    movement = max(typed, key=_place)
    return receipt_id(movement.entry, movement.posting, folder), movement


# What credit notes net to an invoice before cash is matched, and move back.
_NOTED = (credit_notes.KIND, credit_notes.LEFT_OPEN_KIND)


def _left_by_typed(invoice: Item, through: datetime.date, at_rate: bool) -> int:
    """Returns what an invoice's typed postings leave of it through a day, in minor units.

    Its typed postings are the invoice, its straight receipts, the credits
    typed by hand to it, its typed write-offs, and the debits that return
    or refund a payment; a write-off is counted net of what was reversed
    of it at the invoice by then: a straight receipt's recovery
    (`plugins.recoveries.KIND`) and what a credit typed by hand lowered
    (`plugins.recoveries.TYPED_KIND`); a recovery by a receipt in unapplied
    cash is not, whether posted yet or not: it is counted, net of what
    chargebacks wrote off again, by `plugins.recoveries.Recovering.recovered`
    (`InCalendar._over_by_typed`). Below zero, it is what the typed
    postings alone over pay: no one's money. Nothing else posted to the
    invoice counts: a credit note's netting and what was moved back to the
    note, an excess moved to customer credits or taken back from them, a
    payment difference written off. INV-1 100.00, CN-1 30.00 netted to it
    on January 10 and a goodwill credit of 110.00 on February 10 (30.00
    moved to credits) leave -10.00 from February 10 on, and with another
    goodwill credit of 20.00 on March 10, -30.00.

    Of an invoice carried at a foreign rate (`at_rate`), what credit notes
    netted to it counts too, less what was moved back to them
    (`plugins.credit_notes.KIND`, `LEFT_OPEN_KIND`), for a later straight
    receipt and a later credit typed by hand alike: nothing is moved or
    written off of such an invoice before cash is matched, so what is
    posted to it before matching, the typed postings and the notes'
    nettings, over pays as the user typed it, and stays an error; only
    what cash matched before adds is the customer's
    (`InCalendar._over_by_typed`). INV-1
    100.00 EUR, CN-1 10.00 EUR netted to it on February 5 and BR-1 70.00
    EUR straight on February 10 leave 20.00 EUR, whatever was moved to
    credits from it that day, and with BR-2 50.00 EUR straight, or a
    goodwill credit of 50.00 EUR, on March 1, -30.00 EUR. Of any other
    invoice a note's netting is a credit before the later credit's day, as
    matched cash is (above).
    """
    straight = {posted_straight(movement) for movement in invoice.movements} - {None}

    def counted(entry: data.Transaction) -> bool:
        if meta.GENERATED_BY not in entry.meta:
            return True
        kind = entry.meta.get(ar_entries.KIND)
        if kind == recoveries.KIND:  # a straight receipt's, not one in unapplied cash
            return entry.meta.get(meta.APPLIED_RECEIPT) in straight
        return kind == recoveries.TYPED_KIND or (at_rate and kind in _NOTED)

    return sum(
        movement.units
        for movement in invoice.movements
        if movement.date <= through and counted(movement.entry)
    )


def _place(movement: Movement) -> tuple[str, int]:
    """Returns where a posting is typed, its file and line, to order a day's credits by."""
    where = meta.source_of(movement.entry, movement.posting)
    return (str(where.get("filename", "")), int(where.get("lineno", 0)))


class InCalendar:
    """Moves what a later credit to an invoice over pays, on its day: to credits or its note.

    The matcher (`plugins.cash_matching`) reads an invoice a receipt is
    posted straight to, or a credit note netted to, after its date on that
    day, not before, so a receipt or credit matched before it pays what was
    open then; on that day the later credit finds the invoice paid by as
    much, and its excess over what was open is the customer's. The day's
    credit notes net first what was open at the end of the day before and
    the day's typed debits (`_noted_over`); what they net beyond is moved
    back from the invoice to the credit notes (the greatest id first, each
    at most what it netted) in full, whatever the tolerance, by an entry
    each, dated and located at its netting (the credit note's line,
    `plugins.credit_notes.left_open_entry`): left open on the note in the
    receivable, parking no customer credit. The rest is the day's
    straight receipts': joined to what the typed postings
    alone moved of them (`to_customer_credits`), in one entry at that
    receipt, whatever the tolerance; else beyond the tolerance moved by an
    entry like `to_customer_credits`'s (`credit_entry`), dated and located
    at the day's straight receipt (the greatest id, if several), and
    within it written off by `plugins.payment_differences` at the day's
    end, once cash is matched. Each entry is posted at once; a receipt's
    excess is parked with the credits step from that day on
    (`plugins.customer_credits.Crediting.straight`). On a day with no
    straight receipt, what the day's credits typed by hand bring beyond is
    settled the same way, at the credit typed last (`_typed_over`).
    Of an invoice carried at a foreign rate (`plugins.cash_application.credited_later`),
    what a note nets beyond is left open on it at the two items' carrying
    rates, the difference realized (`plugins.credit_notes.left_open_entry`);
    what a straight receipt or a credit by hand brings beyond what its
    typed postings alone and what credit notes netted over pay (those stay
    an error, once, for either alike: `_over_by_typed`) is moved to credits at
    the invoice's carrying rate, both legs, beyond the tolerance, and within it
    written off at that rate at once (`_receipt_over_at_rate`,
    `_typed_over`). Of one written off as uncollectible (`plugins.recoveries`),
    written off at a rate or not, what the
    credit notes net beyond is moved back to them as above, and then lowers
    what was written off, in its turn (`plugins.recoveries.Recovering.left_open`);
    what the straight receipts bring anew then (beyond what their typed
    postings alone brought before matching, `_brought_anew`, and before a
    payment difference written off at the day's end) first recovers what is
    still written off, each by id in its turn after the notes (`_recovered`,
    `plugins.recoveries.Recovering.straight_recovery`), and only the rest is
    moved or written off as above. The day's credits typed by hand come
    after its receipts (`plugins.recoveries.Allocation`): of what is paid
    over, what they bring, up to all they credit, is theirs, settled as on
    a day with no straight receipt (`_typed_over`: it first lowers what is
    still written off), and the rest is the receipts'. R-0 50.00 naming
    INV-1 100.00 on January 10, 40.00 written off on January 20, CN-1 30.00
    and BR-1 30.00 straight on February 5: CN-1 nets the 10.00 open and
    lowers the write-off by 20.00, BR-1 recovers the other 20.00, and its
    last 10.00 is moved to credits. With a goodwill credit of 30.00 on
    February 5 instead of CN-1, 50.00 is paid over: 30.00 the credit's and
    20.00 BR-1's (it pays the 10.00 open first), so BR-1 recovers 20.00,
    the credit lowers the other 20.00 and moves its last 10.00 to credits
    (cash matched before its day over pays them). Of an invoice at a foreign rate, what
    is recovered or lowered credits bad debt at the write-off's rate and is
    reinstated at the invoice's carrying rate, the difference realized, at
    which the receipt's or credit's own posting is cleared, its difference
    realized too (`plugins.derecognition`): INV-1 100.00 EUR at
    1.20, R-1 60.00 EUR naming it on January 10, 40.00 EUR written off on
    January 20 and BR-1 30.00 EUR at 1.10 straight on February 10: BR-1
    recovers 30.00 EUR (bad debt credited 36.00 USD), 3.00 USD of loss.

    Attributes:
      entries: The entries made, in the order made.
      moved: The entries `to_customer_credits` made: one joined here is
        replaced in place.
      recovering: If given, told what credit notes netted to an invoice
        written off leave open on their day (`plugins.recoveries.Recovering`).
      folder: The ledger's folder: a credit typed by hand is named by its
        file and line, relative to it (`_typed_over`).
    """

    def __init__(
        self,
        subledger: Subledger,
        rates: Rates,
        policy: ArPolicy,
        crediting: Crediting,
        moved: list[data.Transaction] | None = None,
        recovering: recoveries.Recovering | None = None,
        folder: str = "",
    ) -> None:
        self.subledger, self.rates, self.policy = subledger, rates, policy
        self.crediting = crediting
        self.recovering = recovering
        self.folder = folder
        self.moved = moved if moved is not None else []
        self.entries: list[data.Transaction] = []

    def __call__(self, invoice: Invoicing, day: datetime.date, units: int) -> None:
        """Takes in that an invoice is paid over by `units` at the end of `day`."""
        item = self.subledger.items.get(invoice.id)
        policy = self.policy
        if item is None or not item.is_invoice:
            return
        foreign = self.rates.carrying(item) is not None
        written = self.recovering is not None and bool(recoveries.written_off_items(item, policy))
        today = [movement for movement in item.movements if movement.date == day]
        paid = [(r, m) for m in today if (r := posted_straight(m)) is not None]
        notes = [(note, m) for m in today if (note := credit_notes.netted(m)) is not None]
        by_hand = [
            movement
            for movement in recoveries.credited_by_hand_on_their_days(item, policy)
            if movement.date == day
        ]
        noted = units
        if paid or by_hand:
            noted = min(units, self._noted_over(item, day, today, units))
        back = noted if notes else 0
        for note, movement in sorted(notes, key=operator.itemgetter(0), reverse=True):
            units_back = min(back, -movement.units)  # at most what the note netted
            if units_back <= 0:
                break
            back -= units_back
            found = self.subledger.items[note]
            entry = credit_notes.left_open_entry(
                found, item, units_back, movement, policy, self.rates
            )
            self.subledger.post(
                [
                    (item.id, Movement(entry.date, units_back, entry, 1, item.currency)),
                    (note, Movement(entry.date, -units_back, entry, 2, item.currency)),
                ]
            )
            self.entries.append(entry)
            if written and self.recovering is not None:
                self.recovering.left_open(item.id, note, day, units_back)
        left = units - noted if notes else units
        if left and paid and written:
            # The day's credits typed by hand take their turn after its receipts
            # (`plugins.recoveries.Allocation`): what they bring is beyond what the
            # receipts leave open, and what is paid over beyond theirs is the receipts'.
            typed = min(left, -sum(movement.units for movement in by_hand))
            left -= typed
            if left:
                left = self._recovered(item, today, paid, left)
            counted = 0  # what the receipts' reading kept of what is no one's
            if left and foreign:
                counted = self._receipt_over_at_rate(item, day, paid, left)
            elif left:
                self._receipt_over(item, day, today, paid, left)
            if typed:
                self._typed_over(item, day, by_hand, typed, counted)
            return
        if left and paid and foreign:
            self._receipt_over_at_rate(item, day, paid, left)
        elif left and paid:
            self._receipt_over(item, day, today, paid, left)
        elif left and by_hand:
            self._typed_over(item, day, by_hand, left)

    def _typed_over(
        self, item: Item, day: datetime.date, typed: list[Movement], units: int, counted: int = 0
    ) -> None:
        """Settles what the day's credits typed by hand over pay, as a straight receipt's.

        Of an invoice written off as uncollectible, what they bring first
        lowers what is still written off, in its turn, at the credit typed
        last (`plugins.recoveries.Recovering.lowered_by_hand`): all of it,
        what the typed postings alone over pay too (a goodwill credit of
        30.00 on an invoice written off in full lowers bad debt by 30.00).
        Of the rest, only what they over pay because cash was matched or
        credited, or a credit note netted, to the invoice before their day:
        what the typed postings alone over pay (`_over_by_typed`, less
        what the day's straight receipts' reading kept of it, `counted`:
        it is kept once) is no one's money, and stays an error of
        `plugins.ar_controls`. CN-1 30.00 netted to INV-1 100.00 on January
        10, a goodwill credit of 110.00 on February 10 moves 30.00 and
        leaves 10.00 an error (in euros at a rate, 100.00 - 30.00 - 110.00:
        all 40.00 an error); one of 20.00 more on March 10 moves nothing
        (the typed postings alone then over pay 30.00). R-1 60.00 naming
        INV-1 100.00, written off in full, on February 5 and goodwill of
        50.00 on February 20 lower the 40.00 still written off and move the
        other 10.00 to credits. Beyond
        the tolerance it is moved to customer credits and parked from that
        day on; within it, written off as a payment difference at once. Of
        an invoice carried at a foreign rate either is at that rate, both
        legs (the credit is carried at it, nothing realized by the move). The
        entry is dated and located at the day's credit typed last (the
        greatest file and line, `_place`), and names it as a receipt
        without a reference is named (`plugins.receipts.receipt_id`): R-1
        100.00 paying INV-1 100.00 by amount on January 20, a goodwill
        credit of 30.00 typed to INV-1 on February 10 moves 30.00 to
        credits on February 10; so does one typed to an INV-1 100.00 that
        CN-1 100.00 netted on January 10.
        """
        at = _typed_last(typed, self.folder)
        units -= self._lowered(item, at, units)
        units -= self._over_by_typed(item, day, counted)
        if units <= 0:
            return
        narration = f"Credit {at[0]} beyond what is open of {item.id} moved to customer credit"
        self._settle(item, at, units, narration)

    def _lowered(self, item: Item, at: tuple[str, Movement], units: int) -> int:
        """Returns what the day's credits typed by hand lower of what is still written off.

        Of an invoice written off as uncollectible, what they bring, `units`,
        takes its turn in the allocation at the credit typed last, `at` (its
        name and posting, `_typed_last`), and the entry lowering the write-off
        is posted at once (`plugins.recoveries.Recovering.lowered_by_hand`);
        of any other invoice, nothing is lowered.
        """
        if self.recovering is None:
            return 0
        credit, movement = at
        lowered = self.recovering.lowered_by_hand(item.id, movement, credit, units)
        if lowered is None:
            return 0
        self.subledger.post([(item.id, lowered)])
        self.entries.append(lowered.entry)
        return lowered.units

    def _over_by_typed(self, item: Item, day: datetime.date, counted: int = 0) -> int:
        """Returns what an invoice's typed postings alone over pay through a day: no one's money.

        How far they take it below zero (`_left_by_typed`, whatever was
        moved to customer credits from it before; of an invoice carried at
        a foreign rate, with what credit notes netted to it), with what
        receipts in unapplied cash recovered of its write-off by then
        (`plugins.recoveries.Recovering.recovered`, posted only once cash
        is matched), which reinstated the invoice as typed postings of it
        do; less `counted`, what an earlier reading of the same day kept
        of it (the day's straight receipts', before its credits typed by
        hand take their turn, `plugins.recoveries.Allocation`), so that it
        stays an error once. The one rule for a later straight receipt at
        a rate and a later credit typed by hand (`_receipt_over_at_rate`,
        `_typed_over`). INV-1 100.00 EUR at 1.20 written off in full on
        January 10, R-1 60.00 EUR naming it on January 20 (it recovers
        60.00) and on February 10 BR-1 100.00 EUR straight, or a goodwill
        credit of 100.00 EUR, recovering or lowering the other 40.00:
        100.00 - 100.00 + 60.00 + 40.00 - 100.00 = 0.00, nothing. With R-1
        50.00 EUR, CN-1 10.00 EUR netted on February 5, the 40.00 left
        written off on February 7, and on February 10 BR-1 50.00 EUR and a
        goodwill credit of 50.00 EUR: 100.00 - 10.00 - 40.00 + 40.00 -
        50.00 - 50.00 = -10.00, 10.00 EUR, which BR-1's reading keeps, so
        the credit's keeps nothing more.
        """
        recovered = 0 if self.recovering is None else self.recovering.recovered(item.id, day)
        at_rate = self.rates.carrying(item) is not None
        return max(0, -(_left_by_typed(item, day, at_rate) + recovered) - counted)

    def _settle(self, item: Item, at: tuple[str, Movement], units: int, narration: str) -> None:
        """Writes off `units` paid over at once within the tolerance; beyond it, moves them.

        Moved to customer credits, parked from that day on, by an entry
        dated and located at the credit `at` (its id and posting) and told
        by `narration`. Of an invoice carried at a foreign rate both are at
        that rate, both legs: the credit is carried at it, and the write-off
        is priced at it as the matcher prices what it writes off of such an
        invoice; nothing is realized by either.
        """
        (credit, movement), policy = at, self.policy
        carrying = self.rates.carrying(item)
        if units <= policy.tolerance_units(item.currency):
            entry = payment_differences.write_off_entry(
                item, movement, credit, -units, policy, carrying
            )
            self.subledger.post([(item.id, Movement(entry.date, units, entry, 2, item.currency))])
            self.entries.append(entry)
            return
        moved = (policy.accounts.receivable, policy.customer_credits_account, units)
        entry = ar_entries.receivable_receipt_entry(
            item, movement, credit, moved, KIND, narration, policy, carrying
        )
        parked = Parked(credit, movement.date, item.customer, item.currency)
        typed = own_rate(movement.posting, policy.functional_currency) is not None
        self._post(item, entry, parked, units, typed)

    def _recovered(
        self, item: Item, today: list[Movement], paid: list[tuple[str, Movement]], units: int
    ) -> int:
        """Returns what the day's straight receipts pay over an invoice written off, once recovered.

        Of the `units` paid over, what they bring anew (`_brought_anew`)
        each receipt recovers, by id, as far as the allocation gives it
        then, the day's credit notes having taken their turn first
        (`plugins.recoveries.Recovering`). The recovery is posted at once,
        joined to what the receipt's typed postings alone recovered before
        matching (`to_customer_credits`), so it is one entry; the rest is
        what is left to move to customer credits (`_receipt_over`).
        """
        assert self.recovering is not None  # `written` only with it
        # A payment difference written off at the day's end (posted before
        # matching, `plugins.payment_differences`) follows the day's receipts.
        ends = sum(
            m.units
            for m in today
            if m.units > 0 and m.entry.meta.get(ar_entries.KIND) == payment_differences.KIND
        )
        moved, left = self.moved, units + ends
        where = {id(entry): at for at, entry in enumerate(moved)}
        anew = self._brought_anew(item, paid, left)
        first = {receipt: movement for receipt, movement in reversed(paid)}
        for receipt in sorted(anew):
            movement = first[receipt]
            prior = next(
                (
                    m
                    for m in today
                    if id(m.entry) in where
                    and recoveries.is_recovery(m.entry)
                    and m.entry.meta.get(meta.APPLIED_RECEIPT) == receipt
                ),
                None,
            )
            joined = prior.units if prior is not None else 0
            recovering = self.recovering
            recovery = recovering.straight_recovery(
                item.id, movement, receipt, anew[receipt], joined
            )
            if recovery is None:
                continue
            left -= recovery.units - joined
            if prior is None:
                self.subledger.post([(item.id, recovery)])
                self.entries.append(recovery.entry)
            else:
                self.subledger.replace(item.id, prior, recovery)
                moved[where[id(prior.entry)]] = recovery.entry
        return max(0, left - ends)

    def _brought_anew(
        self, item: Item, paid: list[tuple[str, Movement]], units: int
    ) -> dict[str, int]:
        """Returns what each of the day's straight receipts brings beyond its typed postings alone.

        Read before matching (`to_customer_credits`), each receipt brought
        how far it took the invoice below zero then (`recoveries.Straight`),
        and what it brought and did not recover, within the tolerance, is
        still paid over at the day's end: it is not brought anew. The rest
        of the `units` paid over is what cash matched before, or the day's
        credit notes, left open less of the invoice: it is brought by what
        the receipts paid of what was open before matching, from the last
        posted back (what is nearest zero, as the receipts take the invoice
        down in posting order). BR-1 60.00 and BR-2 40.50 on an invoice of
        100.00 written off in full bring 60.00 and 40.50 before matching,
        and BR-2 recovers 40.00: the 0.50 paid over is BR-2's as before,
        and nothing is brought anew. With 20.00 open before matching, BR-2
        15.00 and BR-4 15.50 pay 15.00 and 5.00 of it and BR-4 brings
        10.50; with 10.00 of cash matched before, 10.00 more is brought, by
        BR-4's 5.00 and then the last 5.00 of BR-2's.
        """
        assert self.recovering is not None  # `written` only with it
        day = paid[0][1].date
        typed = [one for one in self.recovering.straight.get(item.id, ()) if one.day == day]
        brought = {receipt: 0 for receipt, _ in paid}
        for one in typed:
            brought[one.receipt] = brought.get(one.receipt, 0) + one.brought
        moved = {id(entry) for entry in self.moved}
        receipts = set(brought)
        over = sum(
            m.units
            for m in item.movements
            if m.date == day and id(m.entry) in moved and moved_from(m) in receipts
        )
        within = max(0, sum(one.brought - one.recovered for one in typed) - over)
        left = max(0, units - within)
        posted: dict[str, int] = {}
        for receipt, movement in paid:
            posted[receipt] = posted.get(receipt, 0) - movement.units
        anew: dict[str, int] = {}
        for receipt in dict.fromkeys(receipt for receipt, _ in reversed(paid)):
            part = min(left, max(0, posted[receipt] - brought[receipt]))
            if part > 0:
                anew[receipt] = part
                left -= part
        return anew

    def _noted_over(self, item: Item, day: datetime.date, today: list[Movement], units: int) -> int:
        """Returns what the day's credit notes over pay of `units`: they are read first.

        What was open of the invoice at the end of the day before, less what
        cash applied of it, with the day's other typed postings (debits
        first, then credits such as a write-off as uncollectible, read
        before the note as when it is netted, `plugins.credit_notes`), is
        what the day's credit notes net first; the rest of what they net is
        their excess. INV-1 100.00, R-0 30.00 naming it on January 10, and
        on January 20 the 70.00 left written off, CN-1 20.00 and BR-1 10.00
        straight: nothing is open once written off, so all 20.00 of CN-1 is
        its excess.
        """
        took = item.balance(day) + units  # what the matcher applied of it so far
        before = item.balance(day - datetime.timedelta(days=1)) - took
        typed = [
            m.units
            for m in today
            if meta.GENERATED_BY not in m.entry.meta and posted_straight(m) is None
        ]
        debits = sum(units for units in typed if units > 0)
        credits = sum(units for units in typed if units < 0)
        netted = -sum(m.units for m in today if credit_notes.netted(m) is not None)
        return max(0, netted - max(0, max(0, before) + debits + credits))

    def _receipt_over(
        self,
        item: Item,
        day: datetime.date,
        today: list[Movement],
        paid: list[tuple[str, Movement]],
        units: int,
    ) -> None:
        """Moves what the day's straight receipts over pay, with what was moved of them before.

        The typed postings alone may have had the day's receipts over pay
        already (`to_customer_credits`, before matching): that excess and
        this are one, moved in one entry at that receipt, whatever the
        tolerance, as if the matched cash had been posted straight. Else it
        is moved beyond the tolerance, at the day's receipt of the greatest
        id; within it `plugins.payment_differences` writes it off at the
        day's end.
        """
        policy, moved = self.policy, self.moved
        where = {id(entry): at for at, entry in enumerate(moved)}
        prior = [
            m
            for m in today
            if id(m.entry) in where and m.units > 0 and m.entry.meta.get(ar_entries.KIND) == KIND
        ]
        if prior:
            before = prior[-1]
            receipt = str(before.entry.meta[meta.APPLIED_RECEIPT])
            movement = next(m for r, m in paid if r == receipt)
            entry = credit_entry(item, movement, receipt, before.units + units, policy)
            self.subledger.replace(
                item.id, before, Movement(entry.date, before.units + units, entry, 1, item.currency)
            )
            moved[where[id(before.entry)]] = entry
            self.crediting.straight(Parked(receipt, day, item.customer, item.currency), units)
            return
        if units <= policy.tolerance_units(item.currency):
            return  # `plugins.payment_differences` writes it off at the day's end
        receipt, movement = max(paid, key=operator.itemgetter(0))
        entry = credit_entry(item, movement, receipt, units, policy)
        self._post(item, entry, Parked(receipt, day, item.customer, item.currency), units)

    def _receipt_over_at_rate(
        self, item: Item, day: datetime.date, paid: list[tuple[str, Movement]], units: int
    ) -> int:
        """Moves what the day's straight receipts over pay of an invoice at a foreign rate.

        Only what they over pay because cash was matched or credited to it
        before their day. Nothing is moved or written off of such an
        invoice before cash is matched (`to_customer_credits`,
        `plugins.payment_differences` leave it alone), so what is posted to
        it before matching, its typed postings and what credit notes netted
        to it, over pays as the user typed it: how far that takes it below
        zero through the day, with what receipts in unapplied cash
        recovered of its write-off (`_over_by_typed`, as for a later credit
        typed by hand), whatever was moved to credits from it before, stays
        an error for the user. What of `units` is so kept is returned: the
        day's credits typed by hand, read after, keep only the rest
        (`_typed_over`). The rest of `units` is the matched cash's. Beyond
        the tolerance it is moved at the invoice's carrying rate, at the
        day's receipt of the greatest id; within it, written off at that
        rate at once, as the matcher writes off what a receipt in unapplied
        cash over pays of such an invoice (`plugins.payment_differences`
        leaves invoices at a rate alone).
        INV-1 100.00 EUR at 1.20, R-1 60.00 EUR naming it on January 20 and
        BR-1 70.00 EUR straight on February 10: 30.00 EUR moved at 1.20;
        BR-2 50.00 EUR straight on March 1 moves 30.00 EUR more, and the
        20.00 EUR the typed postings alone over pay, 100.00 - 70.00 - 50.00,
        stay an error.
        """
        kept = min(units, self._over_by_typed(item, day))
        if units > kept:
            receipt, movement = max(paid, key=operator.itemgetter(0))
            self._settle(item, (receipt, movement), units - kept, _moved_narration(item, receipt))
        return kept

    def _post(
        self, item: Item, entry: data.Transaction, credit: Parked, units: int, typed: bool = False
    ) -> None:
        """Posts an entry moving `units` to customer credits, and parks the credit from its day.

        `typed`: whether the receipt's posting has a price typed on it, so
        that the credit's rate is its own (`customer_credits.Crediting.rate`).
        """
        self.subledger.post([(item.id, Movement(entry.date, units, entry, 1, item.currency))])
        self.entries.append(entry)
        self.crediting.straight(credit, units, typed)


def settled(
    take_backs: list[TakeBack],
    taken: Mapping[Hashable, int],
    subledger: Subledger,
    policy: ArPolicy,
) -> list[data.Transaction]:
    """Returns the entries that take back what each take-back could, reposting those capped.

    Args:
      take_backs: The take-backs, with what each wanted posted to its invoice.
      taken: What each could take back, by its claim's key: what its receipt's credit
        still held on its day (`plugins.customer_credits.Crediting`, from its `claim`).
      subledger: The open items: a take-back capped below what it wanted
        has its posting replaced by what it took, or removed if nothing,
        so the debit leaves the invoice open again by the rest.
      policy: The receivables policy (the accounts).
    """
    entries = []
    for take_back in take_backs:
        units, wanted = taken[take_back.claim.key], take_back.wanted
        if units == -wanted.units:
            entries.append(wanted.entry)
            continue
        movement = None
        if units > 0:
            item, debit, receipt = take_back.item, take_back.debit, take_back.receipt
            movement = _taken_back(item, debit, receipt, units, policy)
            entries.append(movement.entry)
        subledger.replace(take_back.item.id, wanted, movement)
    return entries


def _maybe_over_paid(subledger: Subledger) -> Iterator[Item]:
    """Returns the items the postings read can have paid more than their total.

    Nearly every item posted more than once is an invoice and its payment,
    paid no more than its total. One over paid is in credit, or posted to
    at least three times (an invoice, a receipt, and a debit since that
    brought it back): the few are picked out by loops in C over the items'
    balances and postings.
    """
    items, several = subledger.items, subledger.several
    in_credit = map(operator.gt, repeat(0), map(subledger.open.__getitem__, several))
    movements = map(_movements_of, map(items.__getitem__, several))
    posted_again = map(operator.lt, repeat(2), map(len, movements))
    return map(items.__getitem__, compress(several, map(operator.or_, in_credit, posted_again)))


_movements_of = operator.attrgetter("movements")


def _steps(
    item: Item,
    tolerance: int,
    caps: Mapping[Key, int],
    allocation: recoveries.Allocation | None = None,
) -> list[_Step]:
    """Returns what to move to credits and take back from them, in the invoice's posting order.

    That order is `receivables.day_order`'s: on a day the document first
    (an invoice, a credit note), then the debits (a day's returned payments
    by id), then credits typed by hand and receipts (by id, BR-9 before
    BR-10), so what a day's postings decide never depends on the files and
    lines they are typed at.

    The invoice's balance is followed with each step posted, so what is
    decided at a posting depends on the postings up to it alone: a later
    posting never changes an earlier step. A receipt that takes the balance
    below zero beyond the tolerance moves what it takes it below (below
    where it already was, with what receipts before it over paid within the
    tolerance and not written off: `plugins.payment_differences` writes one
    off at the end of its day, and the books are read again with that
    posted) to credits. A typed debit first makes up what the
    invoice is in credit and not moved (a credit by hand over paid it); the
    rest takes back from the excesses moved, the latest first, as far as
    they go, and as far as its credit still held on the debit's day when
    `caps` knows it (then nothing more of that excess is left to take
    back); what is left of it is open on the invoice, for the customer to pay.
    A receipt on an invoice written off as uncollectible first recovers what
    `allocation` gives it of what was written off (`plugins.recoveries`),
    the day's receipts taking their turns by id, not in posting order
    (`_taken`); only the rest is an excess. Each such receipt has a
    recovery step, of nothing if it recovers nothing.
    """
    steps: list[_Step] = []
    # Each receipt's excess still in credits, and its posting, oldest first.
    held: list[tuple[str, int, Movement]] = []
    running = within = 0  # within: what receipts over paid within the tolerance, not moved
    # Of each straight receipt that brings something, by position: what it recovers (`_taken`).
    shares: dict[int, tuple[int, int, tuple[int, ...]]] = {}
    movements = item.read_billed()  # what is posted before the invoice is read on its day
    for at, movement in enumerate(movements):
        units = movement.units
        before, running = running, running + units
        if meta.GENERATED_BY in movement.entry.meta:
            # A payment difference written off on its day settles what it over paid.
            within = min(within, max(0, -running))
            continue
        if units > 0:
            spare = units - max(0, -before)
            while spare > 0 and held:
                excess_of, left, excess = held.pop()
                taken = min(spare, left, caps.get(_key(item, movement, excess_of), spare))
                if taken < min(spare, left):
                    left = taken  # its credit held no more on the day: none is left for later
                if taken:
                    steps.append(_Step(movement, excess_of, taken, True, excess=excess))
                running -= taken
                spare -= taken
                if left > taken:
                    held.append((excess_of, left - taken, excess))
            within = min(within, max(0, -running))
            continue
        over = max(0, -running) - max(0, -before)
        receipt = posted_straight(movement) if over > 0 else None
        if receipt is None:
            continue
        if allocation is not None:
            if at not in shares:
                shares.update(_taken(movements, at, before, allocation))
            back, before, earlier = shares[at]
            steps.append(_Step(movement, receipt, back, False, True, over, None, before, earlier))
            running += back
            over -= back
            if not over:
                continue
        if running >= -tolerance:
            within += over  # `plugins.payment_differences` writes it off at its day's end
            continue
        # Beyond the tolerance, what receipts over paid within it goes with the excess.
        over, within = over + within, 0
        steps.append(_Step(movement, receipt, over, False))
        held.append((receipt, over, movement))
        running += over
    return steps


def _taken(
    movements: Sequence[Movement], at: int, running: int, allocation: recoveries.Allocation
) -> dict[int, tuple[int, int, tuple[int, ...]]]:
    """Returns what the day's straight receipts recover, from the one `at`, by their positions.

    Each brings how far it takes the invoice below zero in posting order
    (`running` is the balance before the one `at`): on a day the debits are
    posted first, and a recovery or an excess moved only brings a balance
    below zero back to zero, so what each of the day's later credits brings
    is known before any of them recovers. They then take their turns in
    the allocation in its order, by receipt id (`recoveries.Allocation`),
    whatever their posting order: BR-2 40.00 posted before BR-1 20.00 on
    an invoice open 30.00 bring 10.00 and 20.00, and BR-1's 20.00 is taken
    first. Each is returned with what it recovers, what was recovered of the
    invoice before it, and in all after each recovery before it.
    """
    day, open_ = movements[at].date, max(0, running)
    brought: list[tuple[str, int, int]] = []
    for position in range(at, len(movements)):
        movement = movements[position]
        if movement.date != day:
            break
        after = open_ + movement.units
        receipt = None if meta.GENERATED_BY in movement.entry.meta else posted_straight(movement)
        if receipt is not None and after < 0:
            brought.append((receipt, -after, position))
        open_ = max(0, after)
    shares = {}
    for receipt, units, position in sorted(brought):  # by `recoveries.Straight.turn`
        back = allocation.take(day, receipt, units)
        before = allocation.taken - back
        shares[position] = (back, before, allocation.earlier(before))
    return shares


def _key(item: Item, debit: Movement, receipt: str) -> Key:
    where = debit.entry.meta
    return (item.id, receipt, str(where.get("filename")), where.get("lineno", 0), debit.position)


def credit_entry(
    item: Item, paid: Movement, receipt: str, units: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry that moves `units` a receipt over paid an invoice to customer credits."""
    moved = (policy.accounts.receivable, policy.customer_credits_account, units)
    narration = _moved_narration(item, receipt)
    return ar_entries.receivable_receipt_entry(item, paid, receipt, moved, KIND, narration, policy)


def moved_from(movement: Movement) -> str | None:
    """Returns whose over payment a posting to the receivable moves to customer credits, else None.

    The id of the receipt or of the credit typed by hand (named by its file
    and line, `InCalendar._typed_over`) that over paid the invoice: the
    moving entry (`credit_entry`, `InCalendar`) is located at its posting.
    """
    where = movement.entry.meta
    if movement.units <= 0 or where.get(ar_entries.KIND) != KIND:
        return None
    return str(where[meta.APPLIED_RECEIPT]) if meta.APPLIED_RECEIPT in where else None


def _moved_narration(item: Item, receipt: str) -> str:
    return f"Over payment of {item.id} from {receipt} moved to customer credit"


def _taken_back(
    item: Item, debit: Movement, receipt: str, units: int, policy: ArPolicy
) -> Movement:
    """Returns the posting to the invoice of the entry that takes `units` back from credits."""
    entry = returned_entry(item, debit, receipt, units, policy)
    return Movement(entry.date, -units, entry, 2, item.currency)


def returned_entry(
    item: Item, debit: Movement, receipt: str, units: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry that takes `units` of a receipt's excess back from customer credits.

    Dated at the typed debit that returned it (a refund, a returned
    payment), at its line, linked to the invoice and the receipt: the
    debit reopened the invoice by what the credit held.
    """
    moved = (policy.customer_credits_account, policy.accounts.receivable, units)
    narration = f"Over payment of {item.id} from {receipt} taken back from customer credit"
    return ar_entries.receivable_receipt_entry(
        item, debit, receipt, moved, RETURNED_KIND, narration, policy
    )
