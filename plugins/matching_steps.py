"""The matching steps, each on what the earlier ones left (`plugins.cash_matching`).

Step 1, **named** (`named`, `pay_named`): a receipt pays the invoices it
names, its shortfall within the tolerance written off (`short`), its excess
written off or the customer's credit (`over_paid`). Step 2, **amount**
(`by_amount`), or failing it the **face amount** (`by_face`). Step 3,
**converted amount** (`by_converted_amount`). Step 4, **several invoices**
(`several_invoices`), and step 5, **several receipts** (`several_receipts`),
by the bounded subset search (`plugins.subset_search`). Each reads what is
open of the invoices on the day matched (`plugins.open_amounts`); the
module doc of `plugins.cash_matching` gives the rules and the calendar that
calls the steps.
"""

from __future__ import annotations

import bisect
import datetime
import heapq
import itertools
import operator
from collections.abc import Callable, Collection, Iterable, Sequence

from plugins.matching_terms import (
    AMOUNT,
    CONVERTED,
    FACE,
    NAMED,
    SEVERAL_INVOICES,
    SEVERAL_RECEIPTS,
    Application,
    Converted,
    Crediting,
    Invoicing,
    Paying,
    Payment,
    Pool,
    age,
)
from plugins.open_amounts import OpenAmounts
from plugins.subset_search import subset_with_sum

_date = operator.attrgetter("date")
_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__


def _posted_later(invoice: Invoicing) -> bool:
    """Returns whether an invoice is posted after its own date: what is open of it is by day."""
    moved = invoice.moved
    return moved is not None and moved > invoice.date


class MatchingSteps:
    """The steps of one matching run, on its open amounts; what they applied, and what waits.

    The calendar (`plugins.cash_matching`) calls them day by day.
    """

    def __init__(
        self,
        amounts: OpenAmounts,
        tolerance: Callable[[str], int],
        candidates: int,
        crediting: Crediting | None = None,
    ) -> None:
        self.amounts = amounts  # what is open of each invoice on the day matched
        self.tolerance = tolerance
        self.tolerances: dict[str, int] = {}
        self.candidates = candidates
        self.applications: list[Application] = []
        self.waiting: dict[Pool, list[Paying]] = {}  # unapplied receipts, by date then id
        self.tried: dict[str, tuple[int, tuple[str, ...]]] = {}  # step 5: sets already tried
        self.thinned: set[Pool] = set()  # pools whose waiting receipts were paid out since step 5
        self.crediting = crediting  # the customer credits applied on each day, if any
        self.later: list[datetime.date] = []  # days a credit parked today is available from

    def tolerance_of(self, currency: str) -> int:
        known = self.tolerances.get(currency)
        if known is None:
            known = self.tolerances[currency] = self.tolerance(currency)
        return known

    def apply(
        self, payment: Paying, invoice: str, amount: int, step: str, day: datetime.date
    ) -> None:
        """Applies cash of a receipt to an invoice on a day, taking it off what is open of it."""
        amounts = self.amounts
        amounts.clear(invoice, amount, day)
        if amounts.cashed:
            amounts.paid_by(payment.id, invoice)
        made = (payment.id, invoice, amount, amount, 0, step, day)
        self.applications.append(_new(Application, made))

    def unmatched(self, payments: list[Paying], converted: Converted) -> list[Paying]:
        """Steps 2 to 4 for receipts that name no invoice; returns those left unapplied."""
        left = self.by_amount(payments)
        if converted and left:
            left = self.by_converted_amount(left, converted)
        if left:
            left = self.several_invoices(left)
        return left

    def named(self, payments: Iterable[Paying], step: str = NAMED) -> list[Paying]:
        """Step 1: each receipt pays the invoices it names, oldest first (see `pay_named`).

        Returns the receipts that name none, of a customer: what the other
        steps may match. A receipt of nothing is left out.
        """
        amounts, left = self.amounts, []
        still_open, reposted = amounts.open, amounts.posted_later()
        for payment in payments:
            names = payment.named
            if not names:
                if payment.customer and payment.amount > 0:
                    left.append(payment)
            elif len(names) == 1 and still_open.get(names[0]) == payment.amount:
                # The common case: it pays exactly what is open of the one invoice it names
                # (what is open is more than nothing, so the receipt is too), posted nothing
                # after it: one not posted after its own date (`posted_later`) is not.
                invoice = amounts.invoices[names[0]]
                day = amounts.named_day(payment, (invoice,))
                moved = invoice.moved if names[0] in reposted else None
                if moved is None or moved <= day:
                    self.apply(payment, names[0], payment.amount, step, day)
                else:
                    self.pay_named(payment, step)
            elif payment.amount > 0:
                self.pay_named(payment, step)
        return left

    def pay_named(self, payment: Paying, step: str) -> None:
        """Applies a receipt to the invoices it names, oldest first.

        It pays of each what is open of it, or, if the invoice was paid
        before the receipt and reopened only after it, what it stays open
        by from the receipt on (`payable`). The invoice the receipt runs out
        on is written off if what it leaves open of all the invoices it names
        is within the tolerance (`short`).
        What is left of the receipt once its invoices are paid goes with its
        last application (to the first invoice it names if it paid none):
        written off within the tolerance, else a customer credit.

        Every application of the receipt is dated the same day (`named_day`):
        its own, or the latest of the invoices it reaches, or its last use.
        """
        amounts = self.amounts
        invoices, still_open = amounts.invoices, amounts.open
        names = payment.named
        if len(names) > 1:  # oldest first, leaving out ids that are no invoice
            found = sorted((invoices[n] for n in names if n in invoices), key=age)
            names = tuple(invoice.id for invoice in found)
        left = payment.amount
        made: list[tuple[str, int, int, int]] = []  # (invoice, cleared, cash, credited)
        reached: list[str] = []  # the invoices it reaches, in order
        for at, invoice in enumerate(names):
            if left <= 0:
                break
            reached.append(invoice)
            owed = still_open.get(invoice, 0)
            payable = amounts.payable(payment, invoices[invoice], owed) if owed > 0 else 0
            if payable <= 0:
                continue
            cleared = payable
            if left < payable:  # the receipt runs out on this invoice
                cleared = left
                if self.short(payment, names[at + 1 :], payable - left):
                    cleared = payable
            amounts.take(invoice, cleared)  # partly paid, a later named receipt finds it open less
            made.append((invoice, cleared, min(left, cleared), 0))
            left -= min(left, cleared)
            if not left:
                break
        # An invoice it paid is one of `invoices`: the lookup is for a receipt that paid none.
        if left and names and (made or names[0] in invoices):
            self.over_paid(payment, made, left, names[0])
        if not made:
            return
        paid = [invoices[name] for name in reached if name in invoices]
        self.record(payment, made, step, amounts.named_day(payment, paid))

    def over_paid(
        self, payment: Paying, made: list[tuple[str, int, int, int]], left: int, first: str
    ) -> None:
        """Adds what is left of a receipt once its invoices are paid to its last application.

        The over-payment rule: within the tolerance it is written off, beyond
        it the customer's credit (parked by `record`). A receipt that paid
        nothing gives it all to an application to `first`, clearing nothing.
        `made` holds its applications as (invoice, cleared, cash, credited).
        """
        credited = 0 if left <= self.tolerance_of(payment.currency) else left
        if made:
            invoice, cleared, cash, _ = made[-1]
            made[-1] = (invoice, cleared, cash + left, credited)
        else:
            made.append((first, 0, left, credited))

    def record(
        self,
        payment: Paying,
        made: Sequence[tuple[str, int, int, int]],
        step: str,
        day: datetime.date,
    ) -> None:
        """Records a receipt's applications on a day; a credit one parks is the customer's then.

        `made` holds them as (invoice, cleared, cash, credited), what they
        clear already taken off what is open of the invoices.
        """
        amounts = self.amounts
        receipt, applications, applied = payment.id, self.applications, amounts.applied
        for invoice, cleared, cash, credited in made:
            applied[invoice] = day
            if amounts.cashed:
                amounts.paid_by(receipt, invoice)
            application = _new(Application, (receipt, invoice, cleared, cash, credited, step, day))
            applications.append(application)
            if cash > cleared and self.crediting is not None:  # an over payment: it may park
                available = self.crediting.park(application)
                if available is not None and available > self.amounts.today:
                    heapq.heappush(self.later, available)

    def short(self, payment: Paying, rest: Sequence[str], shortfall: int) -> bool:
        """Returns whether a named receipt is short of its invoices by no more than the tolerance.

        `shortfall` is what it leaves open of the invoice it runs out on;
        `rest` are the invoices it names after that one, which it leaves open
        as far as it could pay them (`payable`). Only a receipt short of all
        of them together within the tolerance has the invoice it runs out on
        written off: a remittance short by a whole invoice leaves its
        shortfall open.
        """
        tolerance = self.tolerance_of(payment.currency)
        amounts = self.amounts
        invoices, still_open = amounts.invoices, amounts.open
        for name in rest:
            if shortfall > tolerance:
                break
            owed = still_open.get(name, 0)
            if owed > 0:
                shortfall += amounts.payable(payment, invoices[name], owed)
        return shortfall <= tolerance

    def eligible(self, key: Pool, day: datetime.date) -> list[Invoicing]:
        """Returns the oldest `candidates` open invoices of a pool dated on or before `day`."""
        pool, still_open = self.amounts.pool(key), self.amounts.open
        while pool and pool[0].id not in still_open:
            pool.pop(0)  # paid: the oldest go first, so the pool stays short
        found: list[Invoicing] = []
        for invoice in pool:
            if invoice.date > day or len(found) == self.candidates:
                break
            if invoice.id in still_open:
                found.append(invoice)
        return found

    def by_amount(self, payments: list[Paying]) -> list[Paying]:
        """Step 2: each receipt pays its customer's oldest invoice open exactly its amount.

        Open exactly its amount from the match's day on (`exactly`): what
        is open now (the index of amounts owed), or, for an invoice posted
        after its date, what it stood open at on a day from which it stayed
        open at least that (`standing`). Returns the receipts left unmatched.
        """
        amounts, left = self.amounts, []
        index, still_open, standing = amounts.index, amounts.open, amounts.standing
        for payment in payments:
            amount = payment.amount
            key = (payment.customer, payment.currency, amount)
            invoice = index.get(key)
            if invoice is not None and still_open.get(invoice.id) != amount:
                invoice = amounts.owing(key)  # that one is paid: the next oldest, if any
            day = None
            if invoice is not None and invoice.date <= payment.date:
                day = amounts.possible(payment, invoice, amount)
                if day is None:  # open that amount only later: the next oldest may be now
                    invoice, day = amounts.next_possible(payment, key)
            chosen = invoice if day is not None else None
            others = standing.get(key) if standing else None
            if others:  # an older invoice may have stood open at the amount
                for other in others:
                    if other.date > payment.date or (
                        chosen is not None and age(chosen) <= age(other)
                    ):
                        continue
                    found = amounts.possible(payment, other, amount)
                    if found is not None:
                        chosen, day = other, found
            if chosen is not None and day is not None:
                self.apply(payment, chosen.id, amount, AMOUNT, day)
            elif not amounts.faces or not self.by_face(payment):
                left.append(payment)
        return left

    def by_face(self, payment: Paying) -> bool:
        """Step 2, by face amount: a receipt pays an invoice a customer credit part paid, in full.

        Once no invoice is open exactly its amount (`by_amount`): the oldest
        open invoice of its customer and currency, dated on or before it,
        whose face amount it equals (what is open of it plus what customer
        credits paid of it, `credits_paid`: the customer paid the invoice,
        ignoring its credit). The receipt pays what is open of it, and what
        the credits paid goes back to the customer's credit (`over_paid`,
        the rule of a named receipt's over payment), from which it pays the
        customer's next invoices on the day. Dated the day the match became
        possible, as a match by amount is (`possible`): the first day from
        the receipt's, or the invoice's last application if later (the
        credit's), on which the invoice is open exactly the receipt less
        what the credits paid, and stays open at least that, as known that
        day. So a later part payment or credit that lowers its face to the
        receipt's (a named receipt, a credit note netted, a receipt posted
        straight to it, read on its day) dates the match on its day, and a
        later debit to it (a chargeback's reopening, a typed returned
        payment) never moves the match. An invoice that does not stay open
        what is open of it from that day on (`open_for`: a later typed
        posting lowers it) is passed over, and so is one a chargeback took
        back a credit's payment of between the receipt's day and that day
        (its face is then read on neither alone). Returns whether it paid one.
        """
        amount, amounts = payment.amount, self.amounts
        still_open, credited = amounts.open, amounts.credited
        faces = amounts.faces.get((payment.customer, payment.currency, amount))
        if not faces:
            return False
        # Open plus credited only falls (a receipt or credit note paid part of it) and what
        # is paid stays paid: an invoice no longer open at this face amount never is again,
        # unless it is posted after its date (its face on a day is what stood open then).
        faces[:] = [
            i
            for i in faces
            if i.id in still_open
            and (still_open[i.id] + credited[i.id] == amount or _posted_later(i))
        ]
        for invoice in faces:
            if invoice.date > payment.date:
                break
            name = invoice.id
            paid = amounts.credits_paid(name, amounts.start(payment, invoice))
            owed = amount - paid  # what is open of it on a day it stands at that face
            if owed <= 0:
                continue
            day = amounts.possible(payment, invoice, owed)
            if day is None or amounts.open_for(invoice, day) != (day, owed):
                continue
            if name in amounts.taken_back and amounts.credits_paid(name, day) != paid:
                continue
            amounts.clear(name, owed, day)
            made = [(name, owed, owed, 0)]
            self.over_paid(payment, made, amount - owed, name)
            self.record(payment, made, FACE, day)
            return True
        return False

    def by_converted_amount(self, payments: list[Paying], converted: Converted) -> list[Paying]:
        still_open, left = self.amounts.open, []
        for payment in payments:
            chosen = None
            for currency, amount in converted.get(payment.id, ()):
                tolerance = self.tolerance_of(currency)
                eligible = self.eligible((payment.customer, currency), payment.date)
                chosen = next(
                    (i for i in eligible if abs(still_open[i.id] - amount) <= tolerance), None
                )
                if chosen is not None:
                    paid = Payment(
                        payment.id, payment.customer, currency, payment.date, amount, (chosen.id,)
                    )
                    self.pay_named(paid, CONVERTED)
                    break
            if chosen is None:
                left.append(payment)
        return left

    def several_invoices(self, payments: list[Paying]) -> list[Paying]:
        amounts, left = self.amounts, []
        for payment in payments:
            eligible = self.eligible((payment.customer, payment.currency), payment.date)
            owed = [(payment.date, amounts.open[i.id]) for i in eligible]
            reposted = amounts.posted_later()
            if reposted and any(i.id in reposted for i in eligible):
                eligible, owed = self.standing_on(payment, eligible)
            chosen = subset_with_sum([amount for _, amount in owed], payment.amount, 2)
            if chosen is None:
                left.append(payment)
                continue
            paid = [eligible[index] for index in chosen]
            day = amounts.day((payment,), paid, [owed[index][0] for index in chosen])
            for index in chosen:
                invoice = eligible[index]
                self.apply(payment, invoice.id, owed[index][1], SEVERAL_INVOICES, day)
        return left

    def standing_on(
        self, payment: Paying, eligible: list[Invoicing]
    ) -> tuple[list[Invoicing], list[tuple[datetime.date, int]]]:
        """Returns the invoices step 4 may pay with a receipt today, and what it may clear of each.

        Each with the day it is open that (`owed_on`): an invoice posted after
        the receipt is open what it stays open by from then on, and is left
        out if it is open that only from a day after today (a later credit
        note): it is tried again on that day.
        """
        amounts, found, owed = self.amounts, [], []
        for invoice in eligible:
            start = amounts.start(payment, invoice)
            standing = amounts.owed_on(invoice, start)
            if standing is None or (standing[0] > amounts.today and standing[0] > start):
                continue
            found.append(invoice)
            owed.append(standing)
        return found, owed

    def several_receipts(
        self, pools: Iterable[Pool], today: datetime.date, changed: Collection[str] = ()
    ) -> None:
        """Step 5 on a day: sets of a pool's waiting receipts pay its invoices, oldest first.

        The receipts are those still unapplied, dated on or after the invoice
        (and so on or before `today`); of them the oldest `candidates`. A set
        of receipts already tried against the same open amount is not tried
        again. Of a pool whose customer's open amounts did not change today
        (`changed`), and none of whose waiting receipts was applied since
        step 5 last read it (`thinned`), only the invoices whose oldest
        `candidates` receipts include one received today are read: the
        others saw the same receipts and amounts before, so a customer with
        years of open invoices costs a few of them a day, not all.
        """
        amounts, tried, candidates = self.amounts, self.tried, self.candidates
        still_open = amounts.open
        for key in sorted(pools):
            waiting = self.waiting.get(key)
            if waiting is None or len(waiting) < 2:
                continue
            pool = amounts.pool(key)
            begin = 0
            if key in self.thinned:
                self.thinned.discard(key)
            elif key[0] not in changed:
                # An invoice's receipts start at the first dated on or after it:
                # they reach today's only if fewer than `candidates` come before.
                before = bisect.bisect_left(waiting, today, key=_date) - candidates
                if before >= 0:
                    begin = bisect.bisect_right(pool, waiting[before].date, key=_date)
            for invoice in itertools.islice(pool, begin, None):
                if invoice.date > today or len(waiting) < 2:
                    break
                owed = still_open.get(invoice.id)
                if owed is None:
                    continue
                moved = invoice.moved
                if moved is not None and moved > today:  # what it stays open by from today on
                    start = max(today, amounts.applied.get(invoice.id, today))
                    standing = amounts.owed_on(invoice, start)
                    if standing is None or standing[0] > start:  # tried again on that day
                        continue
                    owed = standing[1]
                first = bisect.bisect_left(waiting, invoice.date, key=_date)
                eligible = waiting[first : first + candidates]
                if len(eligible) < 2:
                    continue
                attempt = (owed, tuple(payment.id for payment in eligible))
                if tried.get(invoice.id) == attempt:
                    continue
                tried[invoice.id] = attempt
                chosen = subset_with_sum([payment.amount for payment in eligible], owed, 2)
                if chosen is None:
                    continue
                paying = [eligible[index] for index in chosen]
                day = amounts.day(paying, (invoice,))
                if moved is not None and moved > day:  # open `owed` from a later posting on
                    day = amounts.exactly(invoice, day, owed) or today
                for payment in paying:
                    self.apply(payment, invoice.id, payment.amount, SEVERAL_RECEIPTS, day)
                waiting[:] = [p for index, p in enumerate(waiting, -first) if index not in chosen]
                self.thinned.add(key)
