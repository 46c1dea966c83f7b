"""Recoveries: cash received on an invoice written off as uncollectible reinstates it.

A write-off of a bad debt (`status: "uncollectible"`, as the billing
importers write it) credits the receivable and debits bad-debt expense or the
allowance. When the customer pays after all, the cash is a recovery of the
amount written off, not a credit the books owe the customer: the write-off
is reversed to the extent of what is recovered, on the day of the receipt,
and the receipt then pays the reinstated invoice as any named receipt does.
Before:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-04
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-05-31 * "Acme" "Write off INV-1" ^INV-1
      invoice: "INV-1"
      status: "uncollectible"
      Assets:AccountsReceivable  -100.00 USD
      Expenses:BadDebt            100.00 USD

    2026-06-10 * "Acme" "Late payment INV-1"
      receipt: "R-1"
      invoice: "INV-1"
      Assets:Bank:Operating       100.00 USD
      Liabilities:UnappliedCash  -100.00 USD

generates, with the cash application of R-1 to INV-1 (dated June 10 too):

    2026-06-10 * "Acme" "Recovery of INV-1 written off, from R-1" #cash-application ^INV-1 ^R-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "R-1"
      revclose_kind: "recovery"
      customer: "CUS-1"
      Assets:AccountsReceivable   100.00 USD
      Expenses:BadDebt           -100.00 USD

A receipt in unapplied cash that names the invoice (by `invoice`
metadata, link or the words of its text, as `plugins.receipts` reads them),
in the invoice's currency (or in the functional currency, converted as
the matcher converts it, for an invoice carried at a rate) and applied on
or after the write-off, recovers it; so does a receipt the bank import
posts straight to it, by what it takes the invoice below zero on its own
day, as the matcher reads one on any invoice (`plugins.over_payments` asks
before it moves an excess to customer credits): what its typed postings
alone take below zero before matching (`to_customer_credits`), and what
cash matched or credit notes netted before it add on its day, inside the
matcher's calendar (`Recovering.straight_recovery`, after the day's notes
and before the day's receipts in unapplied cash). R-0 60.00 naming INV-1
on January 10, 40.00 written off on January 20 and BR-1 30.00 straight on
February 5: R-0 pays 60.00 in January, and BR-1, finding INV-1 open 0.00,
recovers 30.00 (bad debt 10.00). A receipt in unapplied cash recovers what
the matcher leaves of it once it has paid what it can of the invoices it
names (`Recovering`, on the matcher's applications: no guess of what it
pays): 60.00 of 100.00 written off reinstates 60.00; 130.00 reinstates
100.00 and the other 30.00 is an over payment as before; on an invoice of
100.00 with 40.00 written off and 60.00 still open, a receipt of 100.00
reinstates 40.00; a receipt of 150.00 naming it and an invoice another
receipt already paid reinstates 100.00. Its recovery is dated with the
application that pays the reinstated invoice, on the day the matcher gives
it (`named_day` in `plugins.open_amounts`: the receipt's date, else its
last use or a named invoice's date if later). It is decided inside the
matcher's calendar, on that day before the day's customer credits pay, so
what the receipt leaves over is a credit parked on its day like any
other, and a receipt of a later month never takes what it paid.
Both kinds of receipt share one allocation of what was written off
(`Allocation`): by date, then receipt id (a day's credit notes first,
below), each takes what is left of the write-off on its day, so a receipt
dated later never changes what an earlier one recovered. The reversal
credits the accounts the write-off debited, in proportion when there are
several, also when one entry wrote off several invoices, rounded
cumulatively over the accounts and over the invoice's reversals
(`reversal`): the pieces sum to what is recovered, and allowance 50.00 and
bad debt 50.00 reversed by 33.33, 33.33 and 33.34 end at 0.00 each (16.66,
16.67, 16.67 to the allowance).

A foreign invoice carried at a rate is written off at a price in the
functional currency (`-100.00 EUR @ 1.20 USD`, `Expenses:BadDebt 120.00
USD`). Such a write-off is reversed at its own rate (`Reversed`): the units
recovered are reinstated, priced to weigh what is credited back, and the
debits are credited by the units at the write-off's rate, rounded
cumulatively over the invoice's recoveries (half to even). The receipt,
in euros or in the functional currency (then it brings the euros it is
worth on its day, as the matcher converts it), pays the reinstated
invoice at its own rate, and the exchange difference is realized as on any
application (`plugins.derecognition`); a receipt posted straight to the
invoice, read on its day (`plugins.over_payments.InCalendar`), recovers so
too, but reinstates at the invoice's carrying rate, at which its own
posting clears what it reinstates (`straight_entry`). INV-1 100.00 EUR carried at 1.20,
written off at 1.20 and recovered by R-1 100.00 EUR when EUR is 1.10:

    2026-07-10 * "Acme" "Recovery of INV-1 written off, from R-1" #cash-application ^INV-1 ^R-1
      Assets:AccountsReceivable   100.00 EUR @ 1.20 USD
      Expenses:BadDebt           -120.00 USD

    2026-07-10 * "Acme" "Cash application INV-1 from R-1" #cash-application ^INV-1 ^R-1
      Liabilities:UnappliedCash         100.00 EUR @ 1.10 USD
      Assets:AccountsReceivable        -100.00 EUR @ 1.20 USD
      Income:ForeignExchange:Realized    10.00 USD

A write-off at a rate of its own (1.15) is reversed at that rate too: the
5.00 USD its own-rate entry realized stays, and the application realizes
the rest, 115.00 - 110.00. A write-off with a cost, one debiting anything
in another currency (than the invoice's, or the functional one when it is
priced) or, priced, debiting fractions of a cent, is not reversed: its
recoveries stay customer credits, for the user to book. A receipt naming
nothing recovers nothing: a written-off invoice is not open, so no amount
matches it.

A credit note for an invoice written off lowers what was written off: what
it leaves open once netted (`plugins.credit_notes`), or what it nets
beyond what cash left open on its day (`Recovering.left_open`), takes its
turn in the same allocation, on the note's day (the invoice's first
write-off's, if later), before the day's receipts (a note is netted
before cash is applied), and reverses the write-off by what it takes,
debiting the note rather than the invoice (`note_entry`). INV-1 100.00
written off on May 31 and CN-1 30.00 for it on June 5:

    2026-06-05 * "Acme" "Credit note CN-1 applied to INV-1 written off"
      #cash-application ^CN-1 ^INV-1
      revclose_kind: "credit-note-written-off"
      Assets:AccountsReceivable    30.00 USD
        invoice: "CN-1"
      Expenses:BadDebt            -30.00 USD

and R-1 70.00 naming INV-1 on June 10 recovers the other 70.00. A write-off
priced in the functional currency is lowered as a recovery reverses it:
bad debt is credited by what the units are worth at its rate (`Reversed`),
and the note is netted against them at its own carrying rate, the
difference realized (`note_entry`); a note with no carrying rate stays
open (`_notes_on_write_offs`).
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, meta
from plugins.ar_entries import units_of
from plugins.ar_policy import ArPolicy
from plugins.credit_notes import credited_by_hand, written_off_by_hand
from plugins.derecognition import price_of
from plugins.fx import Rates, own_rate, quantize
from plugins.matching_terms import Application
from plugins.receipts import Receipt, Receipts, link_of
from plugins.receivables import Item, Movement, Subledger

KIND = "recovery"


class WriteOff(NamedTuple):
    """A write-off of an invoice as uncollectible, typed or by a chargeback: day, amount, debits.

    Attributes:
      debits: Each account the write-off debited, with its minor units (of
        the functional currency when it is priced); None when the write-off
        cannot be reversed by the plugin (at cost, or debiting a currency
        other than the invoice's or, priced, the functional one).
      rate: Of a write-off priced in the functional currency (an invoice
        carried at a foreign rate, `-100.00 EUR @ 1.20 USD`), its own price
        of a unit of the invoice's currency; None when it is not priced.
    """

    date: datetime.date
    units: int  # minor units written off, positive
    debits: tuple[tuple[str, int], ...] | None
    rate: Decimal | None = None
    # Of one a chargeback wrote off again (`plugins.chargebacks`): its debit's file and line.
    place: tuple[str, int] | None = None


# A recovering receipt's, or a credit note's or credit by hand's lowering a write-off:
# its day, id and what it brings.
Demand = tuple[datetime.date, str, int]

# The turns of one day's demands (`Allocation`): credit notes, then receipts, then credits by hand.
NOTE_TURN, RECEIPT_TURN, BY_HAND_TURN = 0, 1, 2


class Allocation:
    """What is recovered of one invoice written off, demand by demand, in date order.

    The one rule for receipts that recover it and credit notes and credits
    typed by hand that lower it: each takes, on its day, what it brings, up
    to what was written off by that day and not yet taken before it. On one
    day the credit notes come first, then the receipts (a note is netted
    before cash is applied), then the credits typed by hand (cash recovers
    before a credit lowers what is left), the notes and the receipts each
    by id: CN-1 and R-1 on June 5 each bringing 60.00 of 100.00 written off
    give CN-1 60.00 and R-1 40.00, and BR-1 80.00 with a goodwill credit of
    30.00 on February 10 give BR-1 80.00 and the credit 20.00, whatever the
    ids' spelling (a credit by hand is named by its file and line). The
    day's credits typed by hand to an invoice take one turn together, at
    the one typed last, the greatest file and line as numbers
    (`plugins.over_payments.InCalendar`). The demands of the other kinds
    (`others`, receipts each with its day, id and what it brings, `notes`,
    credit notes likewise, and `by_hand`, credits typed by hand) are taken
    as the allocation reaches them, so each caller feeds its own receipts
    in order (`take`; a receipt posted straight, what the matcher finds it
    brings on its day beyond its demand among `others`, `take_after`; a
    credit typed by hand, `take_by_hand`). Nothing is taken on a day whose
    latest write-off cannot be reversed.

    Attributes:
      reached: What each of `others` took, as they are reached, and what
        was taken before it (`Straight`).
      noted: Each of `notes` (and each added, `add_note`), what it took,
        and what was taken before it (for cumulative rounding, `Reversed`).
    """

    def __init__(
        self,
        write_offs: Sequence[WriteOff],
        others: Sequence[Demand] = (),
        notes: Sequence[Demand] = (),
        by_hand: Sequence[Demand] = (),
    ) -> None:
        self.write_offs = write_offs
        # Each as (day, turn, id, brought), in the day's turns (`NOTE_TURN` ...).
        self.others = sorted(
            [(day, RECEIPT_TURN, name, brought) for day, name, brought in others]
            + [(day, NOTE_TURN, name, brought) for day, name, brought in notes]
            + [(day, BY_HAND_TURN, name, brought) for day, name, brought in by_hand]
        )
        self.taken = 0
        self.marks: list[int] = []  # what was taken in all after each demand that took something
        self.reached: list[tuple[int, int]] = []
        self.noted: list[tuple[Demand, int, int]] = []

    def add_note(self, demand: Demand) -> None:
        """Adds a credit note's turn, found while cash is matched on its day."""
        day, name, brought = demand
        bisect.insort(self.others, (day, NOTE_TURN, name, brought))

    def take(self, day: datetime.date, receipt: str, wanted: int) -> int:
        """Returns what a receipt bringing `wanted` on `day` recovers."""
        self.reach((day, RECEIPT_TURN, receipt))
        return self._take(day, wanted)

    def take_by_hand(self, day: datetime.date, credit: str, wanted: int) -> int:
        """Returns what the day's credits typed by hand, bringing `wanted`, lower after receipts."""
        self.reach((day, BY_HAND_TURN, credit))
        return self._take(day, wanted)

    def take_after(self, day: datetime.date, receipt: str, wanted: int) -> int:
        """Returns what a receipt bringing `wanted` more on `day` recovers, after its own demand.

        A receipt posted straight to the invoice brings on its day, in the
        matcher's calendar, what it over pays beyond what its typed postings
        alone brought before matching (its demand among `others`, taken first).
        """
        self.reach((day, RECEIPT_TURN, receipt), through=True)
        return self._take(day, wanted)

    def reach(
        self, key: tuple[datetime.date, int, str] | None = None, through: bool = False
    ) -> None:
        """Takes what the demands before `key` (default: all), or through it, take."""
        others, past = self.others, operator.le if through else operator.lt
        while others and (key is None or past(others[0][:3], key)):
            day, rank, name, brought = others.pop(0)
            before = self.taken
            units = self._take(day, brought)
            if rank == NOTE_TURN:
                self.noted.append(((day, name, brought), units, before))
            elif rank == RECEIPT_TURN:
                self.reached.append((units, before))

    def _take(self, day: datetime.date, wanted: int) -> int:
        if _last_reversible(self.write_offs, day) is None:
            return 0
        units = max(0, min(wanted, _recoverable(self.write_offs, day) - self.taken))
        self.taken += units
        if units:
            self.marks.append(self.taken)
        return units

    def earlier(self, before: int) -> tuple[int, ...]:
        """Returns what was taken in all after each demand that took something, up to `before`."""
        return tuple(self.marks[: bisect.bisect_right(self.marks, before)])


class Straight(NamedTuple):
    """A receipt posted straight to an invoice written off: what it brought and recovered.

    Those of an invoice are kept in the allocation's order (`turn`), not
    their posting order: it is the order in which `Allocation` reaches them.
    """

    day: datetime.date
    receipt: str
    brought: int  # how far it took the invoice below zero
    recovered: int
    before: int = 0  # what was recovered of the invoice before it (its reversal's rounding)

    @property
    def turn(self) -> tuple[datetime.date, str, int]:
        """Its turn among an invoice's receipts, as `Allocation` takes them: day, id, brought."""
        return self.day, self.receipt, self.brought


class Recovering:
    """Carves recoveries out of what named receipts in unapplied cash leave over.

    The matcher (`plugins.cash_matching`) applies each receipt as it would
    with no recovery: a written-off invoice is not open, so what a receipt
    naming one brings beyond what it pays of the invoices it names is left
    on its last application, as a customer credit or a difference within
    the tolerance. Of that, each invoice written off it names, oldest
    first, recovers what `Allocation` gives it on that application's day,
    and the application pays the reinstated invoice by as much.

    It is decided inside the matcher's calendar: the credits step
    (`plugins.customer_credits.Crediting`) hands over each such application
    as it is recorded (`wait`), and on each day, before credits pay
    anything, has those dated that day or before decided, by date then
    receipt (`due`): every application dated a day is recorded before that
    day's credits pay, so the order is the allocation's. What is left over
    is then parked on its day like any other credit, and pays the
    customer's invoices from that day. Only an application that over pays
    is handed over, and the matcher pays credits on its day
    (`plugins.customer_credits.Crediting.park`): none is left waiting once
    matching is done.

    Attributes:
      written: The write-offs of each invoice written off (`written_off`),
        with what chargebacks of its recoveries wrote off again, as an
        earlier reading of the books found (`again`).
      receipts: The receipts in unapplied cash naming an invoice written off.
      demands: What each receipt in unapplied cash, each credit note
        (`notes`) and each receipt posted straight, as the matcher read it
        on its day (`straight_recovery`), brought to each invoice written
        off, for the next reading of the books (`plugins.over_payments`,
        which tells a note's by its id).
      notes: Of each invoice written off, the credit notes that may lower
        what was written off: those left open once netted
        (`plugins.credit_notes.Netted.left_open`), and those the matcher
        finds netted beyond what is open on their day (`left_open`).
      settled: Whether the receipts posted straight recovered what the
        allocation gives them with these receipts known (else the books are
        read again, with `demands`).
      rates: The ledger's prices, for the carrying rate at which a credit
        note lowering a write-off priced in the functional currency is
        netted (`note_entry`); without them such a note stays open.
    """

    def __init__(
        self,
        subledger: Subledger,
        cash: Receipts,
        policy: ArPolicy,
        straight: Mapping[str, Sequence[Straight]],
        again: Mapping[str, Sequence[WriteOff]] | None = None,
        notes: Mapping[str, Sequence[Demand]] | None = None,
        rates: Rates | None = None,
    ) -> None:
        self.subledger, self.cash, self.policy = subledger, cash, policy
        self.rates = rates
        self.written = written = written_off(subledger, policy, again)
        self.straight = straight
        self.entries: list[data.Transaction] = []
        self.movements: list[tuple[str, Movement]] = []
        self.notes = _notes_on_write_offs(written, notes or {}, self._carrying)
        # The credit notes' turns are read by the next reading's receipts posted straight too.
        self.demands: dict[str, list[Demand]] = {
            invoice: list(found) for invoice, found in self.notes.items()
        }
        self.settled = True
        self.receipts = frozenset(
            receipt.id
            for receipt in (cash.by_id.values() if written else ())
            if any(name in written for name in receipt.naming)
        )
        self.allocations = {
            invoice: Allocation(
                write_offs,
                [(one.day, one.receipt, one.brought) for one in straight.get(invoice, ())],
                self.notes.get(invoice, ()),
            )
            for invoice, write_offs in written.items()
        }
        self.waiting: list[Application] = []  # handed over by the credits step, not yet decided
        # Each application decided, and the applications it is replaced by.
        self.decided: list[tuple[Application, list[Application]]] = []

    def wait(self, application: Application) -> None:
        """Takes in the last application of a receipt naming an invoice written off, to decide."""
        self.waiting.append(application)

    def due(self, today: datetime.date) -> list[Application]:
        """Decides the applications waiting dated up to `today`; returns those that park a credit.

        Each is returned as made: with what it parks once its recoveries are
        taken (`credited`).
        """
        waiting = self.waiting
        if not waiting or min(one.date for one in waiting) > today:
            return []
        ready = sorted((one for one in waiting if one.date <= today), key=_by_day)
        self.waiting = [one for one in waiting if one.date > today]
        parking = []
        for application in ready:
            made = self.decide(application)
            parking += [one for one in made if one.credited]
        return parking

    def decide(self, application: Application) -> list[Application]:
        """Returns what a receipt's last application becomes, once its recoveries are taken.

        Itself when it recovers nothing. The receipt's recoveries are made
        (`entries`, `movements`) and the allocations take what they recover.
        """
        receipt_id = application.receipt
        receipt = self.cash.by_id[receipt_id]
        made = [application]
        left = application.cash - application.cleared
        if left > 0:
            # What the receipt brings, in the currency the matcher applied it
            # in: its own, or its named invoices' when it pays them across.
            items, written = self.subledger.items, self.written
            currency = items[application.invoice].currency
            named = [
                items[name]
                for name in dict.fromkeys(receipt.naming)
                if name in written and items[name].currency == currency
            ]
            taken: list[tuple[Item, int, int]] = []
            for item in sorted(named, key=lambda one: (one.date, one.id)):
                demand = (application.date, receipt_id, left)
                self.demands.setdefault(item.id, []).append(demand)
                allocation = self.allocations[item.id]
                units = allocation.take(*demand)
                if units:
                    taken.append((item, units, allocation.taken - units))
                    left -= units
            if taken:
                made = self._applied(application, receipt, taken, left)
        self.decided.append((application, made))
        return made

    def __call__(self, applications: list[Application]) -> list[Application]:
        """Returns the applications, each a receipt recovered from replaced by what it became.

        Every one that may recover was decided on its day (`due`). The
        allocations then take what the receipts posted straight after the
        last of them bring, to check what `plugins.over_payments` gave them
        (`settled`): it took them in the allocation's order too, by day then
        receipt id (`Straight.turn`), so what each is read with is compared
        with what the allocation gives it in its turn.
        """
        assert not self.waiting, "the credits step decides each on its day (`due`)"
        for invoice, allocation in self.allocations.items():
            allocation.reach()
            read = [(one.recovered, one.before) for one in self.straight.get(invoice, ())]
            if _rounded(self.written[invoice]):  # what came before sets the rounding
                settled = allocation.reached == read
            else:
                settled = [units for units, _ in allocation.reached] == [units for units, _ in read]
            if not settled:
                self.settled = False
            self._noted(invoice, allocation)
        replaced = {
            id(application): made for application, made in self.decided if made != [application]
        }
        if not replaced:
            return applications
        found: list[Application] = []
        for application in applications:
            found += replaced.get(id(application), (application,))
        return found

    def brought(self) -> dict[str, list[datetime.date]]:
        """Returns the days receipts and credit notes brought each invoice written off something.

        Receipts in unapplied cash naming it and credit notes for it
        (`demands`, a note on its turn's day), and receipts posted straight
        to it (`plugins.over_payments`), in date order: each takes its turn
        in the allocation, so each reads what a chargeback wrote off again
        on or before its day (`plugins.chargebacks.Charged.anew`).
        """
        days: dict[str, list[datetime.date]] = {}
        for invoice, demanded in self.demands.items():
            days.setdefault(invoice, []).extend(day for day, _, _ in demanded)
        for invoice, straight in self.straight.items():
            days.setdefault(invoice, []).extend(one.day for one in straight)
        return {invoice: sorted(found) for invoice, found in days.items()}

    def left_open(self, invoice: str, note: str, day: datetime.date, units: int) -> None:
        """Takes in what a credit note netted to an invoice written off finds not open on its day.

        The matcher reads the netting on its day (`plugins.cash_matching`),
        so cash applied before it is paid first; what the note nets beyond
        is moved back to it (`plugins.over_payments.InCalendar`) and then
        lowers what was written off, in its turn (`Allocation.add_note`).
        """
        noted = {invoice: [(day, note, units)]}
        demands = _notes_on_write_offs(self.written, noted, self._carrying)
        for demand in demands.get(invoice, ()):
            self.notes.setdefault(invoice, []).append(demand)
            self.demands.setdefault(invoice, []).append(demand)
            self.allocations[invoice].add_note(demand)

    def straight_recovery(
        self, invoice: str, paid: Movement, receipt: str, brought: int, joined: int = 0
    ) -> Movement | None:
        """Returns the recovery of what a receipt posted straight brings on its day, if any.

        The matcher reads such a receipt on its own day, as on any invoice
        (`plugins.over_payments.InCalendar`): what it takes the invoice below
        zero then, beyond what its typed postings alone did before matching
        (`plugins.over_payments.to_customer_credits`), is `brought`. It takes
        its turn in the allocation there and then, after the day's credit
        notes (`left_open`, read first), and what it recovers reinstates the
        invoice at the receipt's line (`straight_entry`), with the `joined`
        units its typed postings alone recovered, taken just before: returned
        as its posting to the invoice, for the caller to post (in place of
        the one it joins).
        """
        allocation = self.allocations.get(invoice)
        if allocation is None:
            return None
        demand = (paid.date, receipt, brought)
        self.demands.setdefault(invoice, []).append(demand)
        units = allocation.take_after(*demand)
        if not units:
            return None
        units += joined
        item, before = self.subledger.items[invoice], allocation.taken - units
        reversed_ = (units, before, allocation.earlier(before))
        written, carrying = self.written[invoice], self._carrying(invoice)
        entry = straight_entry(item, paid, receipt, reversed_, self.policy, written, carrying)
        return Movement(entry.date, units, entry, 1, item.currency)

    def lowered_by_hand(
        self, invoice: str, credit: Movement, name: str, brought: int
    ) -> Movement | None:
        """Returns what a credit typed by hand to an invoice written off lowers of it, if anything.

        The matcher reads such a credit on its own day, as on any invoice
        (`plugins.over_payments.InCalendar`): what it brings beyond what is
        open then, `brought`, takes its turn in the allocation there and
        then, after the day's credit notes, and lowers what was written off
        by what it takes, as a credit note does (`typed_entry`, at the
        credit's line, named `name`): returned as its posting to the
        invoice, for the caller to post. The rest is the customer's.
        """
        allocation = self.allocations.get(invoice)
        if allocation is None:
            return None
        demand = (credit.date, name, brought)
        self.demands.setdefault(invoice, []).append(demand)
        units = allocation.take_by_hand(*demand)
        if not units:
            return None
        item, before = self.subledger.items[invoice], allocation.taken - units
        write_off = _last_reversible(self.written[invoice], credit.date)
        assert write_off is not None, "the allocation takes only of a reversible write-off"
        reversed_ = Reversed(write_off, units, before, allocation.earlier(before))
        carrying = self._carrying(invoice) if write_off.rate is not None else None
        entry = typed_entry(item, credit, name, reversed_, self.policy, carrying)
        return Movement(entry.date, units, entry, 1, item.currency)

    def recovered(self, invoice: str, through: datetime.date) -> int:
        """Returns what receipts in unapplied cash recovered of an invoice through a day.

        Their recoveries (`movements`) are posted to the invoice only once
        cash is matched, with the applications that pay what they reinstate:
        while it is matched, the invoice's postings hold neither. Less what
        chargebacks of those receipts wrote off again by then (`written`, as
        an earlier reading found it, `plugins.chargebacks`): the cash that
        recovered it is gone. R-1 60.00 naming INV-1, written off in full,
        on February 5 gives 60.00 from February 5 on, and all of R-1 charged
        back on March 1, 0.00 from March 1 on.
        """
        recovered = sum(
            movement.units
            for name, movement in self.movements
            if name == invoice and movement.date <= through
        )
        again = sum(
            one.units
            for one in self.written.get(invoice, ())
            if one.place is not None and one.date <= through  # a chargeback's
        )
        return recovered - again

    def _carrying(self, note: str) -> Decimal | None:
        """Returns a credit note's, or an invoice's, carrying rate (`plugins.fx`), or None."""
        return None if self.rates is None else self.rates.carrying(self.subledger.items[note])

    def _noted(self, invoice: str, allocation: Allocation) -> None:
        """Makes the entries of what each credit note for an invoice written off took of it."""
        items = self.subledger.items
        for (day, note, _), units, before in allocation.noted:
            if not units:
                continue
            write_off = _last_reversible(self.written[invoice], day)
            assert write_off is not None, "a note takes only of a reversible write-off"
            reversed_ = Reversed(write_off, units, before, allocation.earlier(before))
            carrying = self._carrying(note) if write_off.rate is not None else None
            entry = note_entry(items[note], items[invoice], reversed_, day, self.policy, carrying)
            self.entries.append(entry)
            self.movements.append((note, Movement(day, units, entry, 1, items[note].currency)))

    def _applied(
        self,
        application: Application,
        receipt: Receipt,
        taken: list[tuple[Item, int, int]],
        left: int,
    ) -> list[Application]:
        """Returns a receipt's last application with what it recovers paid; makes the recoveries.

        `taken` is each invoice recovered, with its units recovered and
        those recovered of it before. What is left after them is a customer
        credit, or written off within the tolerance.
        """
        policy = self.policy
        currency = self.subledger.items[application.invoice].currency
        credited = 0 if left <= policy.tolerance_units(currency) else left
        recovered = sum(units for _, units, _ in taken)
        rest = application._replace(cash=application.cash - recovered, credited=credited)
        made = []
        for item, units, before in taken:
            write_off = _last_reversible(self.written[item.id], application.date)
            assert write_off is not None, "the allocation recovers only a reversible write-off"
            earlier = self.allocations[item.id].earlier(before)
            reversed_ = Reversed(write_off, units, before, earlier)
            entry = recovery_entry(item, receipt, reversed_, policy, application.date)
            self.entries.append(entry)
            self.movements.append((item.id, Movement(entry.date, units, entry, 1, item.currency)))
            if item.id == rest.invoice:
                rest = rest._replace(cleared=rest.cleared + units, cash=rest.cash + units)
            else:
                paid = application._replace(invoice=item.id, cleared=units, cash=units, credited=0)
                made.append(paid)
        if rest.cleared or rest.cash:
            made.insert(0, rest)
        return made


def _rounded(write_offs: Sequence[WriteOff]) -> bool:
    """Tells whether a reversal of the write-offs rounds with what was reversed before it.

    One priced, or debiting several accounts (`reversal`, `Reversed.value`).
    """
    return any(
        one.rate is not None or (one.debits is not None and len(one.debits) > 1)
        for one in write_offs
    )


def _by_day(application: Application) -> tuple[datetime.date, str]:
    """Orders applications as the allocation takes their receipts: by day, then receipt."""
    return application.date, application.receipt


def _recoverable(write_offs: Sequence[WriteOff], day: datetime.date) -> int:
    """Returns what was written off of an invoice by the end of a day."""
    return sum(write_off.units for write_off in write_offs if write_off.date <= day)


def _notes_on_write_offs(
    written: Mapping[str, Sequence[WriteOff]],
    notes: Mapping[str, Sequence[Demand]],
    carrying: Callable[[str], Decimal | None],
) -> dict[str, list[Demand]]:
    """Returns the credit notes that may lower what was written off of each invoice.

    Those for an invoice written off whose latest write-off by the note's
    day can be reversed; of one priced in the functional currency, only a
    note with a carrying rate (`carrying`, by the note's id), at which
    `note_entry` closes it: a note carried in its own currency alone stays
    open, as one its invoice cannot take. A note dated before the
    invoice's first write-off takes its turn on that write-off's day, the
    first day both exist (CN-1 30.00 on March 5, all 100.00 of INV-1
    written off on May 31: bad debt 70.00 from May 31).
    """
    found: dict[str, list[Demand]] = {}
    for invoice, demands in notes.items():
        write_offs = written.get(invoice)
        if not write_offs:
            continue
        for day, note, units in demands:
            day = max(day, write_offs[0].date)
            write_off = _last_reversible(write_offs, day)
            if write_off is not None and (write_off.rate is None or carrying(note) is not None):
                found.setdefault(invoice, []).append((day, note, units))
    return found


def _last_reversible(write_offs: Sequence[WriteOff], day: datetime.date) -> WriteOff | None:
    """Returns the latest write-off on or before a day, if it can be reversed."""
    before = [write_off for write_off in write_offs if write_off.date <= day]
    return before[-1] if before and before[-1].debits is not None else None


def written_off(
    subledger: Subledger, policy: ArPolicy, again: Mapping[str, Sequence[WriteOff]] | None = None
) -> dict[str, list[WriteOff]]:
    """Returns the write-offs of each invoice that has one, in date order.

    The typed ones (only the items posted more than once when read can
    have one), and those an earlier reading of the books found a
    chargeback of a recovery made (`again`, `plugins.chargebacks`): what
    it wrote off again, a later receipt recovers again and a later credit
    note lowers, as a typed write-off on its day.
    """
    found: dict[str, list[WriteOff]] = {}
    for invoice in subledger.several:
        write_offs = written_off_items(subledger.items[invoice], policy, again)
        if write_offs:
            found[invoice] = write_offs
    return found


def written_off_items(
    item: Item, policy: ArPolicy, again: Mapping[str, Sequence[WriteOff]] | None = None
) -> list[WriteOff]:
    """Returns the write-offs of an invoice as uncollectible, in date order.

    The typed ones, and of an invoice that has one, what chargebacks of its
    recoveries wrote off again, as an earlier reading found (`again`).
    """
    typed = _typed_write_offs(item, policy)
    more = (again or {}).get(item.id, ()) if typed else ()  # recovered, so written off before
    return sorted([*typed, *more], key=lambda one: one.date) if more else typed


def credited_by_hand_on_their_days(item: Item, policy: ArPolicy) -> list[Movement]:
    """Returns the credits typed by hand to an invoice that are read on their own days.

    Those dated after the invoice (`plugins.credit_notes.credited_by_hand`):
    the matcher reads them on their days (`plugins.cash_application
    .credited_later`, `plugins.over_payments.InCalendar`), whether the
    invoice is written off as uncollectible or not. What one brings beyond
    what is open on its day first lowers what is still written off then
    (`Recovering.lowered_by_hand`), and the rest is the customer's; a
    write-off after it changes nothing of how it is read (R-1 paying INV-1
    on January 20 and goodwill of 30.00 on February 10 stay as they are
    when the rest is written off in April).
    """
    dated = item.date
    return [
        movement
        for movement in item.movements
        if dated < movement.date and credited_by_hand(movement)
    ]


def _typed_write_offs(item: Item, policy: ArPolicy) -> list[WriteOff]:
    """Returns the typed write-offs of an invoice as uncollectible, in date order."""
    if not item.is_invoice:
        return []
    receivable = policy.accounts.receivable
    found = []
    for movement in item.movements:
        entry = movement.entry
        if written_off_by_hand(movement):
            rate = own_rate(movement.posting, policy.functional_currency)
            if rate is None:
                debits = _debits(entry, receivable, item.currency, policy)
            else:
                debits = _priced_debits(entry, receivable, item.currency, policy)
            found.append(WriteOff(movement.date, -movement.units, debits, rate))
    return found


def _debits(
    entry: data.Transaction, receivable: str, currency: str, policy: ArPolicy
) -> tuple[tuple[str, int], ...] | None:
    """Returns the accounts a write-off debits and by how much, if it can be reversed.

    It can when every posting is in the invoice's currency with neither cost
    nor price, and what it debits outside the receivable is what it credits
    the receivable by (one entry may write off several invoices: each is
    reversed in proportion to the same debits).
    """
    debits: list[tuple[str, int]] = []
    credited = 0
    for posting in entry.postings:
        if posting.units is None or posting.units.number is None:
            return None
        if posting.units.currency != currency:
            return None
        if posting.cost is not None or posting.price is not None:
            return None
        minor = policy.precision.to_minor(posting.units.number, currency)
        if minor is None:
            return None
        if posting.account == receivable:
            credited -= minor
        elif minor < 0:
            return None
        else:
            debits.append((posting.account, minor))
    if not debits or sum(minor for _, minor in debits) != credited:
        return None
    return tuple(debits)


def _priced_debits(
    entry: data.Transaction, receivable: str, currency: str, policy: ArPolicy
) -> tuple[tuple[str, int], ...] | None:
    """Returns what a write-off priced in the functional currency debits, if it can be reversed.

    It can when every receivable posting is in the invoice's currency at a
    price in the functional currency (`-100.00 EUR @ 1.20 USD`, or `@@
    120.00 USD`), without cost, and it debits the rest in whole minor units
    of the functional currency, without cost or price (`Expenses:BadDebt
    120.00 USD`). Beancount balanced the entry, so the debits are what the
    receivable postings weigh, to within its tolerance.
    """
    functional = policy.functional_currency
    debits: list[tuple[str, int]] = []
    for posting in entry.postings:
        if posting.units is None or posting.units.number is None or posting.cost is not None:
            return None
        if posting.account == receivable:
            if posting.units.currency != currency or own_rate(posting, functional) is None:
                return None
            continue
        if posting.units.currency != functional or posting.price is not None:
            return None
        minor = policy.precision.to_minor(posting.units.number, functional)
        if minor is None or minor < 0:
            return None
        debits.append((posting.account, minor))
    return tuple(debits) if any(minor for _, minor in debits) else None


def is_recovery(entry: data.Transaction) -> bool:
    """Tells whether an entry is a recovery this plugin generated (see `recovery_entry`)."""
    return meta.is_generated(entry) and entry.meta.get(ar_entries.KIND) == KIND


def reversal(
    debits: Sequence[tuple[str, int]], units: int, before: Sequence[int] = ()
) -> list[tuple[str, int]]:
    """Returns what to credit each debited account to reverse `units` of the write-off.

    In proportion to the debits, rounded over the reversals of one invoice
    (`before` is the running total reversed after each reversal before this
    one, in order): the pieces sum to `units`, none is below zero (a
    reversal never debits an account the write-off debited), and after
    each reversal every account has been credited back within a cent of
    its share of everything reversed so far (`_credited`, replayed over
    the reversals before: a later reversal never changes an earlier one).
    Allowance 50.00 and bad debt 50.00 reversed by 33.33, 33.33 and 33.34
    credit 16.66 + 16.67 + 16.67 = 50.00 and 16.67 + 16.66 + 16.67 =
    50.00, not 16.66 three times and 50.01 beside it.
    """
    credited = [0] * len(debits)
    for running in before:
        credited = _credited(debits, credited, running)
    after = _credited(debits, credited, (before[-1] if before else 0) + units)
    return [
        (account, upto - earlier)
        for (account, _), upto, earlier in zip(debits, after, credited, strict=True)
        if upto != earlier
    ]


def _credited(debits: Sequence[tuple[str, int]], had: list[int], running: int) -> list[int]:
    """Returns what each debited account is credited back once `running` is reversed in all.

    Each keeps what it `had` and gets at least its share of `running`
    rounded down, at most rounded up; the cents left over go one each to
    the accounts whose share reaches its next whole cent soonest as more is
    reversed (the smallest running total at which it does), a tie to the
    later account in the debits (an even split rounds the first down).
    Soonest due, not largest remainder: a cent given to an account whose
    share is slow to catch up can leave too few cents for the others'
    shares rounded down at a later reversal. Given soonest due, they always
    fit, whatever the reversals (Tijdeman's chairman assignment: each
    account's next cent has a window of running totals, one always exists
    for all of them from nothing, and filling the earliest due first keeps
    every later window reachable). Allowance 40.00, other 10.00 and bad
    debt 50.00 (tests/test_ar_recoveries.py works the figures): 0.02
    reversed credits 0.01 to the allowance and 0.01 to bad debt; 0.01 more
    credits 0.01 to bad debt, other keeping nothing rather than giving a
    cent back.
    """
    total = sum(minor for _, minor in debits)
    least = [
        max(kept, running * minor // total) for kept, (_, minor) in zip(had, debits, strict=True)
    ]
    due = sorted(
        (-(-(low + 1) * total // minor), -index, index)
        for index, (low, (_, minor)) in enumerate(zip(least, debits, strict=True))
        if low < -(-running * minor // total)
    )
    left = running - sum(least)
    assert 0 <= left <= len(due), "earliest due first keeps every floor within reach"
    for *_, index in due[:left]:
        least[index] += 1
    return least


class Reversed(NamedTuple):
    """What one recovery reverses of an invoice's latest write-off.

    Attributes:
      write_off: The write-off reversed (debits known).
      units: The invoice's minor units recovered.
      before: The invoice's minor units recovered before this recovery:
        a priced write-off's value is rounded cumulatively (`value`).
      earlier: The invoice's minor units recovered in all after each
        recovery before this one, in order, the last `before` (empty when
        `before` is 0): the pieces of each account are rounded with them
        (`reversal`).
    """

    write_off: WriteOff
    units: int
    before: int = 0
    earlier: tuple[int, ...] = ()

    def value(self, currency: str, policy: ArPolicy) -> int:
        """Returns what the recovery credits back to the write-off's debits, in their minor units.

        Its units, unless the write-off is priced: then the units at its
        own rate, in the functional currency, rounded cumulatively (half to
        even): the value of everything recovered of the invoice so far,
        (`currency` is the invoice's). 50.00 then 50.00 EUR of 100.00
        written off at 1.0837 (108.37 USD) credit back 54.18 (54.185,
        rounded half to even) then 108.37 - 54.18 = 54.19 USD, not 54.18
        twice.
        """
        rate = self.write_off.rate
        if rate is None:
            return self.units
        precision, functional = policy.precision, policy.functional_currency
        assert functional is not None, "a write-off priced in it has a functional currency"
        digits = precision.digits(functional)

        def worth(units: int) -> int:
            number = quantize(precision.from_minor(units, currency) * rate, digits)
            return int(number.scaleb(digits))

        return worth(self.before + self.units) - worth(self.before)

    def values_before(self, currency: str, policy: ArPolicy) -> tuple[int, ...]:
        """Returns what the recoveries before this one credited back in all after each (`value`)."""
        return tuple(
            Reversed(self.write_off, mark).value(currency, policy) for mark in self.earlier
        )


def recovery_entry(
    item: Item,
    receipt: Receipt,
    reversed_: Reversed,
    policy: ArPolicy,
    day: datetime.date,
) -> data.Transaction:
    """Returns the entry reinstating what a receipt recovers of an invoice, at the receipt's line.

    Dated `day`, the day of the receipt's application that pays the invoice.
    """
    place = (receipt.place, day, receipt.payee)
    return _entry(item, place, _recovered(item, receipt.id, receipt.link), reversed_, policy)


NOTE_KIND = "credit-note-written-off"


def note_entry(
    note: Item,
    invoice: Item,
    reversed_: Reversed,
    day: datetime.date,
    policy: ArPolicy,
    carrying: Decimal | None = None,
) -> data.Transaction:
    """Returns the entry by which a credit note lowers what was written off of its invoice.

    A recovery's entry (`_entry`) with the note debited in the receivable
    rather than the invoice (its posting names the note): the note closes
    by what it takes, bad debt falls by as much, and the invoice, written
    off, is not posted. Located at the credit note's line, dated `day`
    (the note's turn, `Allocation`), linked to both.

    Of a write-off priced in the functional currency, the units are
    reinstated at the write-off's rate, as a recovery reinstates them
    (`Reversed.value`: bad debt credited by what they are worth at it,
    rounded cumulatively), and the note is netted against them at its own
    `carrying` rate, as a note is netted against its invoice: the note's
    posting is priced at that rate and the difference is realized
    (`ar_entries.with_realized_difference`). CN-1 40.00 EUR at 1.10 for
    INV-1 written off at 1.20:

        Assets:AccountsReceivable          40.00 EUR @ 1.10 USD
          invoice: "CN-1"
        Expenses:BadDebt                  -48.00 USD
        Income:ForeignExchange:Realized     4.00 USD
    """
    told = _Told(
        f"Credit note {note.id} applied to {invoice.id} written off",
        frozenset((note.id, invoice.id)),
        ar_entries.note_meta(note, invoice, NOTE_KIND),
        {meta.INVOICE: note.id},
    )
    place = (note.origin.source, day, note.document.payee or invoice.document.payee)
    return _entry(note, place, told, reversed_, policy, carrying)


TYPED_KIND = "credit-written-off"


def typed_entry(
    item: Item,
    credit: Movement,
    name: str,
    reversed_: Reversed,
    policy: ArPolicy,
    carrying: Decimal | None = None,
) -> data.Transaction:
    """Returns the entry by which a credit typed by hand lowers what was written off of an invoice.

    A recovery's entry (`_entry`) with no cash: the invoice, which the
    credit took below zero, is debited back to zero and bad debt credited
    by as much, as a credit note lowers it (`note_entry`). Dated and
    located at the credit's posting, named `name` (its file and line, as
    `plugins.receipts.receipt_id` names a credit without a reference).
    Of a write-off priced in the functional currency, the units are netted
    at the invoice's `carrying` rate, at which the credit is carried
    (`plugins.derecognition`), the difference realized.
    """
    extra = _reversal_meta(item, name, TYPED_KIND)
    narration = f"Credit {name} applied to {item.id} written off"
    told = _Told(narration, frozenset((item.id, link_of(name))), extra)
    place = (credit.source, credit.date, credit.entry.payee)
    return _entry(item, place, told, reversed_, policy, carrying)


def straight_entry(
    item: Item,
    paid: Movement,
    receipt: str,
    reversed_: tuple[int, int, tuple[int, ...]],
    policy: ArPolicy,
    write_offs: Sequence[WriteOff],
    carrying: Decimal | None = None,
) -> data.Transaction:
    """Returns the entry reinstating what a receipt posted straight to an invoice recovers of it.

    Dated at the receipt's posting, at its line (`plugins.over_payments`);
    `reversed_` is what it recovers, what was recovered before it and
    in all after each recovery before it (`Reversed`), and
    `write_offs` are the invoice's (`written_off_items`). Of a write-off
    priced in the functional currency, what is recovered is reinstated at
    the invoice's `carrying` rate, if given, at which the receipt's own
    posting is cleared, the difference from the write-off's value realized,
    as a credit typed by hand lowers it (`typed_entry`): written off at
    1.15 of an invoice carried at 1.20, 100.00 EUR recovered debit the
    receivable 120.00 USD, credit bad debt 115.00 and realize 5.00 of gain.
    """
    write_off = _last_reversible(write_offs, paid.date)
    assert write_off is not None, "the allocation recovers only a reversible write-off"
    place = (paid.source, paid.date, paid.entry.payee)
    told = _recovered(item, receipt, link_of(receipt))
    rate = carrying if write_off.rate is not None else None
    return _entry(item, place, told, Reversed(write_off, *reversed_), policy, rate)


def _reversal_meta(item: Item, receipt: str, kind: str) -> dict[str, Any]:
    """Returns the metadata of an entry reversing part of a write-off: invoice, receipt, kind."""
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        meta.APPLIED_RECEIPT: receipt,
        ar_entries.KIND: kind,
    }
    if item.customer:
        extra[meta.CUSTOMER] = item.customer
    return extra


class _Told(NamedTuple):
    """What tells one reversal of a write-off from another: its words, links and metadata."""

    narration: str
    links: frozenset[str]
    extra: dict[str, Any]
    posting_meta: dict[str, Any] | None = None  # on the receivable's posting


def _recovered(item: Item, receipt: str, link: str) -> _Told:
    """Returns what tells a receipt's recovery of an invoice (`recovery_entry`)."""
    extra = _reversal_meta(item, receipt, KIND)
    narration = f"Recovery of {item.id} written off, from {receipt}"
    return _Told(narration, frozenset((item.id, link)), extra)


def _entry(
    item: Item,
    place: tuple[Mapping[str, Any], datetime.date, str | None],
    told: _Told,
    reversed_: Reversed,
    policy: ArPolicy,
    carrying: Decimal | None = None,
) -> data.Transaction:
    """Returns a reversal: the receivable debited, the write-off's debits reversed in proportion.

    The one builder of a write-off's reversal, by a receipt's recovery or a
    credit note (`told`): `item` is what the receivable posting debits,
    the invoice reinstated or the credit note closed.

    Of a write-off priced in the functional currency, the receivable is
    debited at the price at which the units weigh what is credited back
    (`Reversed.value`; the write-off's own rate, 1.20, when that is exact:
    `40.00 EUR @ 1.20 USD` against `Expenses:BadDebt -48.00 USD`); or, a
    credit note netted against what is reinstated (`note_entry`), at the
    note's `carrying` rate, the difference realized.

    Args:
      place: The metadata locating the entry (the receipt's or the note's
        line), its date and its payee.
      told: Its narration, links, metadata and the receivable posting's.
      carrying: Of a credit note lowering a priced write-off, its carrying
        rate; of a credit by hand or a straight receipt, the invoice's.
    """
    located, day, payee = place
    currency, units = item.currency, reversed_.units
    write_off, value = reversed_.write_off, reversed_.value(item.currency, policy)
    functional, receivable = policy.functional_currency, policy.accounts.receivable
    if write_off.rate is None or functional is None:
        digits = policy.precision.digits(currency)
        number = Decimal(units).scaleb(-digits)
        postings = [ar_entries.leg(receivable, number, currency, None, None, told.posting_meta)]
        debited = currency
    else:
        number = policy.precision.from_minor(units, currency)
        price, worth = write_off.rate, policy.precision.from_minor(value, functional)
        if carrying is not None:
            price = carrying  # the note, netted against the units at their worth
        elif number * price != worth:
            price = price_of(worth, number)
        postings = [
            ar_entries.leg(receivable, number, currency, price, functional, told.posting_meta)
        ]
        debited = functional
    digits = policy.precision.digits(debited)
    before = reversed_.values_before(item.currency, policy)
    for account, piece in reversal(write_off.debits or (), value, before):
        postings.append(ar_entries.posting(account, units_of(-piece, debited, digits)))
    if carrying is not None and debited == functional:
        postings = ar_entries.with_realized_difference(postings, policy)
    return ar_entries.transaction(
        located,
        day,
        told.narration,
        ar_entries.APPLICATION_TAGS,
        told.links,
        postings,
        payee or item.document.payee,
        told.extra,
    )
