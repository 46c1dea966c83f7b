"""What is open of each invoice on the day matched, as known that day.

The matcher (`plugins.cash_matching`) holds one `OpenAmounts` for each run:
what is open of each invoice, changed as receipts and customer credits pay
it; the open invoices read once, by customer, date and amount owed
(`survey`); and the rules that read an invoice's postings: what a named
receipt can pay of it (`payable`), the first day it is open exactly what a
match clears (`exactly`, `owed_on`), the day a match became possible
(`day`, `named_day`), the face amount of one a customer credit part paid
(`face`, `credits_paid`), and a later credit to it read on its own day,
not before (`view`, `refresh`). The module doc of
`plugins.cash_matching` gives these rules with the steps that use them.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping

from plugins import meta
from plugins.ar_entries import KIND
from plugins.matching_terms import (
    TAKEN_BACK,
    Amount,
    Invoicing,
    OverPaying,
    Paying,
    Pool,
    age,
)
from plugins.receivables import Item, as_known, ends_from, stays_open

_first = operator.itemgetter(0)


class OpenAmounts:
    """What is still open of the invoices in one matching run, and from which day.

    It is also what the credits step sees of the open invoices (`Owing`).
    """

    def __init__(
        self,
        invoices: Mapping[str, Invoicing],
        still_open: dict[str, int],
        used: Mapping[str, datetime.date] | None = None,
        later: Mapping[str, Collection[datetime.date]] | None = None,
        over_paid: OverPaying | None = None,
    ) -> None:
        self.invoices = invoices
        self.open = still_open  # what is open of each invoice: the matcher's to change
        self.used = used or {}  # the date of each receipt's last use, for those used
        self.applied: dict[str, datetime.date] = {}  # each invoice's last application so far
        self.taken: dict[str, int] = {}  # what this run applied of invoices it left open
        self.pools: dict[Pool, list[Invoicing]] = {}
        # What `survey` reads of the open invoices, once: by customer (`pool`), by date
        # (the calendar's), those posted after their date (`posted_later`) and step 2's index
        # of amounts owed, kept by `owe`; an invoice whose open amount is no longer its key's
        # is skipped on reading.
        self.grouped: dict[str, list[Invoicing]] = defaultdict(list)
        self.billed: dict[datetime.date, list[Invoicing]] = defaultdict(list)
        self.reposted: dict[str, Invoicing] = {}
        self.index: dict[Amount, Invoicing] = {}
        self.more: dict[Amount, list[Invoicing]] = {}
        # The invoices posted after their own date, under each amount they stand open at on
        # some day (`stand`): step 2 checks them at reading (`exactly`).
        self.standing: dict[Amount, list[Invoicing]] = {}
        self.part_paid: set[str] = set()  # customers with an invoice part paid (or posted) today
        self.today = datetime.date.min  # the day being matched (the calendar's)
        # What customer credits paid of each invoice in this run (`settle`), and step 2's
        # index of the open invoices they part paid by face amount: what is open of each
        # plus what the credits paid (`by_face`), on each day for one posted after its date,
        # written whenever what is open of it changes (`face`); one no longer so open is
        # skipped on reading.
        self.credited: dict[str, int] = {}
        self.faces: dict[Amount, list[Invoicing]] = {}
        # What chargebacks took back of each invoice posted after its date, as (day, receipt,
        # units), and the receipts whose cash paid it: a take-back of another receipt is of
        # what its customer credit paid (`credits_paid`). Kept by `survey` and the steps.
        self.taken_back: dict[str, list[tuple[datetime.date, str, int]]] = {}
        self.cashed: dict[str, set[str]] = {}
        # The days after its own each invoice is credited by a receipt posted straight to it,
        # a credit note netted to it or a credit typed by hand (`view`), what this run applied
        # of those invoices (`took`), and what takes in what such a credit over pays
        # (`paid_over`).
        self.credited_on = later or {}
        self.took: dict[str, int] = {}
        self.paid_over = over_paid
        self.survey()

    def survey(self) -> None:
        """Reads the open invoices once: by customer, date and amount owed, and those posted later.

        What `pool`, the calendar (`billed`), step 2 (`by_amount`) and
        `posted_later` read, in one pass when the matcher is made: one pass costs
        less than one a step, even to books whose receipts all match by name
        and so need no pools. An amount owed is a customer, a currency and
        what is open: the index holds the oldest invoice open each, and
        `more` the others of it, oldest first; an invoice posted after its
        date is indexed too under each amount it stands open at (`stand`).
        Read before any receipt is matched, the index still answers on any
        later day: a part payment indexes the invoice under its new amount
        (`owe`), and an invoice paid or part paid since is open another
        amount than its key's, so whoever reads it skips it.
        """
        invoices, grouped, billed, reposted = self.invoices, self.grouped, self.billed, {}
        index, more = self.index, self.more
        closed = []  # paid in full only later: open until then
        for name in self.credited_on:
            owed = self.view(invoices[name])[-1][1]
            if owed > 0:
                self.open[name] = owed
            else:
                self.open.pop(name, None)
                closed.append(invoices[name])
        for invoice in closed:
            billed[invoice.date].append(invoice)
            grouped[invoice.customer].append(invoice)
            reposted[invoice.id] = invoice
        for name, owed in self.open.items():
            invoice = invoices[name]
            date, customer = invoice.date, invoice.customer
            billed[date].append(invoice)
            grouped[customer].append(invoice)
            key = (customer, invoice.currency, owed)
            if key in index:  # an amount open more than once for a customer: sorted below
                more.setdefault(key, []).append(invoice)
            else:
                index[key] = invoice
            moved = invoice.moved
            if moved is not None and moved > date:
                reposted[name] = invoice
        for key, several in more.items():
            several.append(index[key])
            several.sort(key=age)
            index[key] = several.pop(0)
        for invoice in reposted.values():
            if invoice.id in self.open:
                self.stand(invoice)
            if isinstance(invoice, Item):
                self.read_take_backs(invoice)
        self.reposted = reposted

    def read_take_backs(self, invoice: Item) -> None:
        """Reads what chargebacks took back of an invoice, and the receipts whose cash paid it.

        A take-back (`plugins.chargebacks`) opens again what a receipt's
        application cleared of the invoice, or what the receipt's customer
        credit paid of it: of a receipt whose cash paid it (an application
        posted to it, or one this run makes, `paid_by`) the first, else the
        second (`credits_paid`).
        """
        found, cashed = [], set()
        for movement in invoice.movements:
            where = movement.entry.meta
            if movement.units > 0:
                if where.get(KIND) == TAKEN_BACK:
                    found.append(
                        (movement.date, str(where.get(meta.APPLIED_RECEIPT)), movement.units)
                    )
            elif movement.units < 0:
                paying = where.get(meta.APPLIED_RECEIPT) or meta.written_receipt_id(
                    movement.entry, movement.posting
                )
                if paying:
                    cashed.add(str(paying))
        if found:
            self.taken_back[invoice.id] = found
            self.cashed[invoice.id] = cashed

    def paid_by(self, receipt: str, invoice: str) -> None:
        """Notes that a receipt's cash paid an invoice a chargeback took something back of."""
        cashed = self.cashed.get(invoice)
        if cashed is not None:
            cashed.add(receipt)

    def credits_paid(self, invoice: str, day: datetime.date | None = None) -> int:
        """Returns what customer credits paid of an invoice in this run, as it stands after a day.

        Less what chargebacks took back of it by then (all they took back,
        without `day`) of receipts whose cash did not pay it: what a
        receipt's credit paid, given back to the bank, is no payment of the
        invoice, and what is open of it counts it again (`by_face`).
        """
        paid = self.credited[invoice]
        backs = self.taken_back.get(invoice)
        if backs:
            cashed = self.cashed[invoice]
            back = sum(
                units
                for on, receipt, units in backs
                if (day is None or on <= day) and receipt not in cashed
            )
            paid = max(paid - back, 0)
        return paid

    def posted_later(self) -> dict[str, Invoicing]:
        """Returns the open invoices posted after their own date, by id, read once.

        Only these can be open another amount on a day than they are now
        (`exactly`, `owed_on`); most books have few, so the steps ask this
        before looking at each invoice's postings.
        """
        return self.reposted

    def pool(self, key: Pool) -> list[Invoicing]:
        """Returns the open invoices of a customer in a currency, oldest first.

        The open invoices are grouped by customer once (`survey`), and a
        pool is taken from its customer's and sorted when first read; an
        invoice paid since stays and is skipped by whoever reads it.
        """
        found = self.pools.get(key)
        if found is None:
            customer, currency = key
            mine = (i for i in self.grouped.get(customer, ()) if i.currency == currency)
            found = self.pools[key] = sorted(mine, key=age)
        return found

    def open_invoices(self, key: Pool, day: datetime.date) -> Iterator[Invoicing]:
        """Yields the open invoices of a pool dated on or before `day`, oldest first.

        For the credits step (`Owing`): those it pays may be paid as it reads.
        """
        pool, still_open = self.pool(key), self.open
        while pool and pool[0].id not in still_open:
            pool.pop(0)  # paid: the oldest go first, so the pool stays short
        for invoice in pool:
            if invoice.date > day:
                return
            if invoice.id in still_open:
                yield invoice

    def day(
        self,
        payments: Iterable[Paying],
        invoices: Iterable[Invoicing],
        since: Iterable[datetime.date] = (),
    ) -> datetime.date:
        """Returns the day a match of receipts and invoices became possible.

        It is the latest of their dates, of each invoice's application in
        this run, of each receipt's last use, and of `since`: the days from
        which invoices posted after those dates are open by what the match
        clears (`owed_on`). The rule is in the module doc of
        `plugins.cash_matching`.
        """
        used, applied = self.used, self.applied
        days = [payment.date for payment in payments]
        days += [used[payment.id] for payment in payments if payment.id in used]
        days += since
        for invoice in invoices:
            days.append(invoice.date)
            earlier = applied.get(invoice.id)
            if earlier is not None:
                days.append(earlier)
        return max(days)

    def named_day(self, payment: Paying, invoices: Iterable[Invoicing]) -> datetime.date:
        """Returns the day of a named receipt's applications (step 1, `plugins.cash_matching`).

        The latest of its date, its last use and the dates of the invoices it
        reaches: it pays what it names on its own word, so a posting to them
        after it (a credit note, another payment) does not move it.
        """
        day = payment.date
        for invoice in invoices:
            if invoice.date > day:
                day = invoice.date
        used = self.used.get(payment.id) if self.used else None
        return used if used is not None and used > day else day

    def start(self, payment: Paying, invoice: Invoicing) -> datetime.date:
        """Returns the first day one receipt could pay one invoice: `day` without `since`.

        It runs per receipt, so it builds no lists.
        """
        day, dated = payment.date, invoice.date
        if dated > day:
            day = dated
        if self.used:
            other = self.used.get(payment.id)
            if other is not None and other > day:
                day = other
        if self.applied:
            other = self.applied.get(invoice.id)
            if other is not None and other > day:
                day = other
        return day

    def payable(self, payment: Paying, invoice: Invoicing, owed: int) -> int:
        """Returns what a named receipt can pay of an invoice: `owed`, or less if it reopens later.

        It is what the invoice stays open by from the receipt's first day
        (its date, its last use, the invoice's date) through its last posting
        so far, as known that day (`open_for`), beyond what earlier named receipts
        paid of it (`taken`), at most `owed`, what is open of it now. An
        invoice paid before the receipt and reopened after it (a returned
        payment) is open for it only from the reopening: the receipt pays
        the rest as it would have without it, and a customer credit pays
        the invoice from that day on. An invoice posted nothing after that
        day, as most are, is owed in full at once.
        """
        day = max(payment.date, invoice.date, self.used.get(payment.id, payment.date))
        moved = invoice.moved
        if moved is None or moved <= day:
            return owed
        found = self.open_for(invoice, day)
        return found[1] if found is not None and found[0] == day else 0

    def open_for(
        self, invoice: Invoicing, start: datetime.date
    ) -> tuple[datetime.date, int] | None:
        """Returns the first day on or after `start` an invoice stays open, and the least it is.

        The rule of `Invoicing.open_from`, less what this run applied of it
        (`taken`), and at most what is open of it now, as known today (`view`,
        for an invoice credited later): what a named receipt
        (`payable`) or a customer credit (`plugins.customer_credits`) can pay
        of it from that day on. None if it is not so open.
        """
        owed = self.open.get(invoice.id)
        if owed is None:
            return None
        moved = invoice.moved
        if moved is None or moved <= start:
            return (start, owed)
        if invoice.id not in self.credited_on:
            found = invoice.open_from(start, self.taken.get(invoice.id, 0))
            return None if found is None else (found[0], min(owed, found[1]))
        return stays_open(self.since(invoice, start), start, 0)

    def since(self, invoice: Invoicing, start: datetime.date) -> list[tuple[datetime.date, int]]:
        """Returns what is open of an invoice at the end of `start` and of each later posting day.

        Less what this run applied of it: the last is what is open of it now.
        """
        known = self.view(invoice)
        ends = ends_from(known, start)
        shift = known[-1][1] - self.open[invoice.id]
        return [(day, end - shift) for day, end in ends]

    def view(self, invoice: Invoicing) -> list[tuple[datetime.date, int]]:
        """Returns an invoice's balances at day ends (`Invoicing.ends`) as known on the day matched.

        A receipt posted straight to the invoice after its date, a credit
        note netted to it or a credit typed by hand to it, is read on its
        own day, not before: what is
        posted to the invoice on such a day after the one being matched is
        left out of every later day's balance, so it never lowers what a
        receipt or credit pays before it (see `plugins.cash_matching`). Other later
        postings (debits) are read as they always were.
        """
        ends = invoice.ends()
        days = self.credited_on.get(invoice.id)
        if not days:
            return ends
        today = self.today
        return as_known(ends, {day for day in days if day > today})

    def refresh(self, invoice: Invoicing) -> None:
        """Reads again an invoice credited today (`view`), before today's receipts.

        At the end of today it is its balance less what this run applied of
        it (`took`): paid over, the excess is handed to `paid_over`, which
        posts what it moves to customer credits to the invoice. What is open
        of it is then what it stays open by as known today (`view`).
        """
        name, today = invoice.id, self.today
        took = self.took.get(name, 0)
        if self.paid_over is not None:
            ends = invoice.ends()
            at = bisect.bisect_right(ends, today, key=_first)
            end = (ends[at - 1][1] if at else 0) - took
            if end < 0:
                self.paid_over(invoice, today, -end)
        owed = self.view(invoice)[-1][1] - took
        before = self.open.get(name)
        if owed > 0:
            if owed != before:
                self.owe(name, owed)
        elif before is not None:
            del self.open[name]

    def exactly(
        self, invoice: Invoicing, start: datetime.date, amount: int
    ) -> datetime.date | None:
        """Returns the first day on or after `start` an invoice is open exactly `amount`, and stays.

        Open exactly `amount` at the end of that day, and by at least it at
        the end of every later one: a match clearing `amount` is possible from
        that day on, never crossing zero. A later debit (a refund, a returned
        payment) only raises the later days, so it moves no match before it;
        a later credit (a credit note, a payment) can make the amount possible
        only from its day. An invoice posted nothing after `start`, as most
        are, is open what is open of it now.
        """
        owed = self.open.get(invoice.id)
        if owed is None:
            return None
        moved = invoice.moved
        if moved is None or moved <= start:
            return start if owed == amount else None
        found = None
        for day, end in reversed(self.since(invoice, start)):
            if end < amount:
                break
            if end == amount:
                found = day
        return found

    def possible(self, payment: Paying, invoice: Invoicing, amount: int) -> datetime.date | None:
        """Returns the day a receipt can pay `amount` of an invoice (`exactly`), if by today.

        A match an invoice's later posting makes possible (a credit note) is
        made on that posting's day, when it is tried again (the calendar's `run`), so it
        never takes an invoice a receipt before it could pay earlier.
        """
        start = self.start(payment, invoice)
        day = self.exactly(invoice, start, amount)
        if day is not None and day > start and day > self.today:
            return None
        return day

    def owed_on(self, invoice: Invoicing, start: datetime.date) -> tuple[datetime.date, int] | None:
        """Returns what an invoice stays open by from `start` on, and the first day it is open that.

        From the first day on or after `start` from which it stays open (the
        rule of `Invoicing.open_from`), the least it is open on any later day
        (what steps 4 and 5 can clear of it), and the first of those days it
        is open exactly that (the match's day: see `exactly`). None if it is
        not open after its last posting.
        """
        owed = self.open.get(invoice.id)
        if owed is None:
            return None
        moved = invoice.moved
        if moved is None or moved <= start:
            return (start, owed)
        found, least = None, 0
        for day, end in reversed(self.since(invoice, start)):
            if end <= 0:
                break
            if found is None or end <= least:
                found, least = day, end
        return None if found is None else (found, least)

    def stand(self, invoice: Invoicing) -> None:
        """Indexes an invoice posted after its date under each amount it stands open at (step 2)."""
        customer, currency = invoice.customer, invoice.currency
        for amount in self.stands(invoice):
            self.standing.setdefault((customer, currency, amount), []).append(invoice)

    def stands(self, invoice: Invoicing) -> set[int]:
        """Returns each amount an open invoice stands open at on some day, as known today."""
        ends = self.view(invoice)
        shift = ends[-1][1] - self.open[invoice.id]
        return {end - shift for _, end in ends if end > shift}

    def settle(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` a customer credit paid of an invoice on a day off what is open of it.

        What credits paid of it is counted first: an invoice it leaves open
        is indexed by its face amount as it is left open (`owe`, `face`).
        """
        self.credited[invoice] = self.credited.get(invoice, 0) + units
        self.clear(invoice, units, day)

    def face(self, invoice: Invoicing, left: int) -> None:
        """Indexes an open invoice credits part paid by its face amount (`by_face`), `left` open.

        Its face amount is what is open of it plus what customer credits
        paid of it; of one posted after its date, each day's too: what it
        stands open at that day (`stands`) plus what they paid, for its
        face on a day is what it stood open at then, not what a later
        posting left open. Written whenever what is open of it changes
        (`owe`): a credit's payment, and a later part payment or credit to
        it (a named receipt, a credit note netted, a receipt posted
        straight to it, read on its day) that lowers its face.
        """
        name = invoice.id
        amounts = {left + self.credits_paid(name)}
        moved = invoice.moved
        if moved is not None and moved > invoice.date:
            ends = self.view(invoice)
            shift = ends[-1][1] - self.open[name]
            amounts.update(
                end - shift + self.credits_paid(name, day) for day, end in ends if end > shift
            )
        customer, currency = invoice.customer, invoice.currency
        for amount in amounts:
            faces = self.faces.setdefault((customer, currency, amount), [])
            if invoice not in faces:
                bisect.insort(faces, invoice, key=age)

    def clear(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` paid of an invoice on a day off what is open of it."""
        self.take(invoice, units)
        self.applied[invoice] = day

    def take(self, invoice: str, units: int) -> None:
        """Takes `units` paid of an invoice off what is open of it, the day set apart.

        A named receipt's applications are dated once it has paid all it
        reaches (`named_day`): it takes what it pays of each as it goes.
        """
        left = self.open[invoice] - units
        if invoice in self.credited_on:
            self.took[invoice] = self.took.get(invoice, 0) + units
        if left:  # a later debit left open: what it stands open at from the match's day on
            self.owe(invoice, left)
            self.taken[invoice] = self.taken.get(invoice, 0) + units
        else:
            del self.open[invoice]

    def owe(self, invoice: str, left: int) -> None:
        """Leaves an invoice open `left` after a part payment, indexed under its new amount.

        An invoice open again (a refund read on its day, `refresh`) is back
        in its customer's pool too: the credits step dropped it from there
        when it found it paid (`open_invoices`).
        """
        found = self.invoices[invoice]
        if invoice not in self.open:
            pool = self.pools.get((found.customer, found.currency))
            if pool is not None and found not in pool:
                bisect.insort(pool, found, key=age)
        self.open[invoice] = left
        self.part_paid.add(found.customer)
        moved = found.moved
        if moved is not None and moved > found.date:
            self.stand(found)
        if invoice in self.credited:
            self.face(found, left)
        index, key = self.index, (found.customer, found.currency, left)
        first = index.get(key)
        if first is None:
            index[key] = found
            return
        if age(found) < age(first):
            index[key], found = found, first
        bisect.insort(self.more.setdefault(key, []), found, key=age)

    def owing(self, key: Amount) -> Invoicing | None:
        """Returns the oldest invoice open exactly a customer's amount (step 2's index), if any."""
        index, still_open = self.index, self.open
        invoice = index.get(key)
        while invoice is not None and still_open.get(invoice.id) != key[2]:  # paid since
            others = self.more.get(key)
            if others:
                invoice = index[key] = others.pop(0)
            else:
                del index[key]
                return None
        return invoice

    def next_possible(
        self, payment: Paying, key: Amount
    ) -> tuple[Invoicing | None, datetime.date | None]:
        """Returns the oldest of the other invoices open a receipt's amount that it can pay now.

        With the day of the match (`possible`); (None, None) if there is none.
        """
        for other in self.more.get(key, ()):
            if other.date > payment.date:
                break
            if self.open.get(other.id) == key[2]:
                day = self.possible(payment, other, key[2])
                if day is not None:
                    return other, day
        return None, None
