"""Cash matching: which receipt pays which invoice, in whole minor units.

The matcher sees receipts and open invoices as plain numbers and applies cash
in five steps, each on what the earlier ones left:

1. **Named**: a receipt that names invoices pays them, oldest first, each as
   far as it stays open from the receipt's day on, as known that day
   (`payable`). What is
   left of the named invoice it runs out on is written off if what it leaves
   open of all the invoices it names is within the tolerance (`short`); a
   larger shortfall leaves it partly open. What is left of the receipt within
   the tolerance is written off; more becomes a customer credit.
2. **Amount**: a receipt pays the oldest open invoice of its customer and
   currency whose open amount it equals exactly (`by_amount`); a receipt
   waiting unapplied pays so an invoice dated after it, on that invoice's
   day (`prepaid`, a prepayment). Failing an open amount, the **face
   amount** (`by_face`): the receipt pays the oldest open invoice of its
   customer and currency dated on or before it that customer credits part
   paid, and whose open amount plus what they paid of it it equals (the
   customer paid the invoice ignoring its credit). It pays what is open,
   and the rest goes back to the customer's credit by the over-payment
   rule of step 1 (`over_paid`), dated the later of the receipt and the
   credit's application.
3. **Converted amount**: a receipt with amounts in other currencies (the
   caller converts a functional-currency receipt at the day's price) pays the
   oldest open invoice of its customer in one of them whose open amount is
   within the tolerance of the converted amount, and is then settled as if it
   named that invoice (step 1).
4. **Several invoices**: a receipt pays a set of its customer's open invoices
   whose open amounts sum to it exactly.
5. **Several receipts**: a set of a customer's receipts pays an invoice whose
   open amount they sum to exactly.

Receipts are matched **day by day**, in date order (`_Matcher.run`): what a
later receipt does never changes which receipt paid an invoice before it. On
each day the receipts dated that day, by id, go through steps 1 to 4, against
what earlier days left open. Then two things are tried again, and only these:

- If a receipt of the day left one of a customer's invoices partly open (a
  named or converted part payment), the customer's earlier receipts still
  unapplied go through steps 2 to 4 once more, oldest first: the new open
  amount is one they may pay. A payment in full changes no amount a waiting
  receipt could equal (it can only let a newer invoice into the oldest
  `candidates` of a customer with more open invoices than that), and is not
  a reason to try them again.
- Step 5 runs for each customer and currency that has receipts of the day
  left unapplied, and for each currency a customer part paid that day has
  receipts waiting in: each invoice, oldest first, against the receipts
  still unapplied dated on or after it (so through that day). A set that a
  later receipt completes is matched on that receipt's day. The same
  receipts against the same open amount are not searched twice.

Days on which no receipt is dated are matched too when an open invoice is
dated on them or posted on them after its own date (`calendar`). On an
invoice's day its customer's waiting receipts dated before it, naming
nothing, may pay it: the oldest of exactly what is open of it from that day
on (`prepaid`; single receipts only, no sets). A posting after the invoice's
date (a credit note netted, a refund, a returned payment) changes what is
open of it as a part payment does: the customer's waiting receipts go
through steps 2 to 5 again that day.

A later credit to an invoice, a receipt posted straight to it after its
date (the bank import's payment, typed to the receivable) or a credit note
netted to it after its date (the caller names those invoices and days,
`later`), is read on its own day, not before (the calendar rule): until
then the invoice is open as if it were not posted (`view`), so the credit
never lowers what a receipt or customer credit pays before it. On its day,
before the day's receipts, the invoice is read again (`refresh`): its
balance at the end of the day less what this run applied of it (`took`).
Paid over, the excess is handed to `over_paid`
(`plugins.over_payments.InCalendar`): a credit note's, all of it, is
moved back from the invoice to the note, left open there in the
receivable and parking no credit; then a straight receipt's beyond the
tolerance, or with what was moved of it before matching, is moved to
customer credits, each in its own entry posted to the invoice, and the
credit parked with the credits step from that day on; a straight
receipt's within the tolerance is written off once cash is matched
(`plugins.payment_differences`). An invoice paid in
full so only later is open for the matcher until then.

Customer credits are applied inside the calendar, by a credits step the
caller gives (`Crediting`, `plugins.customer_credits.Crediting`, which holds
their rules): on each day, once the day's receipts went through steps 1 to
4 and prepayments, the credits available that day pay their customers'
invoices open that day (`Owing`): those parked that day (the excess of a
named receipt, step 1, or of a receipt posted straight to the receivable),
and those of customers whose invoices are billed or posted that day. A
credit dated after its receipt's day (the day of a later invoice it
reaches, `named_day`) is applied on its own day. The day's receipts come
first, as a customer's cash always did; what a credit leaves open of an
invoice is a part payment, so the day's unapplied receipts of its customer
go through steps 2 to 4 again, then the customer's waiting receipts and
step 5 as above. A receipt of a later day so sees what a credit left open,
and never takes an invoice a credit paid before it; one of the invoice's
face amount pays what is open and gives back what the credit paid (step
2).

So a receipt waiting for years is tried again only on days its customer's
open amounts change or its pool receives receipts, and each try is bounded
as below; nothing depends on the order of the input. A receipt naming an
invoice pays it whatever its date (the customer's word), on its own day: an
earlier receipt matched by amount may have paid that invoice first, and the
named receipt is then the customer's credit, which pays the customer's next
open invoice (`plugins.customer_credits`).

Steps 2 to 5 pair a receipt with invoices dated on or before it, and a
waiting receipt with an invoice dated after it on the invoice's day (a
prepayment, above). Step 2 reads an index of the amounts owed, kept as part
payments change them; an invoice posted after its date is also indexed under
each amount it stood open at (`standing`), checked by `exactly` on reading:
the few such invoices cost the rest nothing. Steps 3 to 5 look at the
oldest `candidates` items of the customer (12 by default); steps 4 and 5
search their subsets by meeting in the middle: two halves of at most
2^(candidates/2) sums each, so the work per receipt is bounded whatever the
size of the ledger. Among several exact subsets the one with the oldest
items wins. Receipts are taken in date order, then by id; invoices oldest
first.

Steps 2 to 5 compare a receipt with what an invoice stays open by from the
match's day on, as known on the day matched (`exactly`, `owed_on`: the rule
of `payable` below), not with what is open of it at the end of the books. A
later debit (a refund, a returned payment) only raises what is open after
it, so it never undoes a match before it; a later payment straight to the
receivable, or a later credit note, is read on its own day (above), so it
does not either: what it finds paid is the customer's credit, and nothing
is cleared twice.
Each application is dated the day its match became possible (`_Matcher.day`):
the latest of the dates of the receipts and invoices matched together, of
the first day from which each of those invoices is open exactly what the
match clears of it and stays open by at least that (`exactly`, `owed_on`: a
credit note netted, an earlier application, a customer credit, a typed
payment may be what made its open amount what the match used), of each
invoice's last application in this run and of the last use of each of those
receipts (`used`). A match possible only from a day after the one being
matched (a later credit note) is made on that day, when the invoice's
posting has the customer's receipts tried again: it never takes an invoice
a receipt before it could pay sooner. The receipts and invoices matched
together are one receipt and one invoice (steps 2 and 3), a receipt and the
set of invoices it pays (step 4), or the set of receipts paying an invoice
(step 5). So what a receipt or credit note makes possible is never dated
before it, back in a month already closed. A receipt that names its invoices (step 1) is the
customer's own word, not a match the open amounts made possible: it is
dated by itself, the invoices it reaches and its last use (`named_day`),
whatever else is posted to them later. What it pays of an invoice is what
the invoice stays open by from that day through its last posting so far,
as known that day (`payable`, the rule of
`plugins.receivables.Item.open_from`, on `view` for an invoice credited
later): an invoice
paid before the receipt and reopened only after it (a returned payment) is
not open for it, so the receipt is the customer's credit on its day, as
without the reopening, and the credit pays the invoice from the reopening
on (`plugins.customer_credits`).
"""

from __future__ import annotations

import bisect
import datetime
import heapq
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol

from plugins.receivables import as_known, ends_from, stays_open

NAMED = "named"
AMOUNT = "amount"
CONVERTED = "converted-amount"
SEVERAL_INVOICES = "several-invoices"
SEVERAL_RECEIPTS = "several-receipts"
FACE = "face-amount"


class Invoicing(Protocol):
    """What the matcher reads of an invoice (an `OpenInvoice`, or a `plugins.receivables.Item`)."""

    @property
    def id(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def moved(self) -> datetime.date | None:
        """The date of its last posting (its document's, or a later one), if known."""

    def open_from(self, start: datetime.date, less: int = 0) -> tuple[datetime.date, int] | None:
        """The first day on or after `start` from which it stays open by more than `less`.

        With what it is open from then on, less `less`; None if never. The
        rule is `plugins.receivables.Item.open_from`.
        """

    def ends(self) -> list[tuple[datetime.date, int]]:
        """Its balance at the end of each day it is posted, on its own side, by day."""


class OpenInvoice(NamedTuple):
    """An invoice as the matcher sees it: what is open of it, in minor units.

    Attributes:
      moved: The date of its last posting, if after its own: what is open of
        it has been what it is since then.
    """

    id: str
    customer: str
    currency: str
    date: datetime.date
    open: int
    moved: datetime.date | None = None

    def open_from(self, start: datetime.date, less: int = 0) -> tuple[datetime.date, int] | None:
        """Returns `start` and what is open of it beyond `less`, if anything.

        It keeps no postings, so it is taken to be open by what it is open
        all along: a reopening shows only through an `Item`'s postings.
        """
        least = self.open - less
        return (start, least) if least > 0 else None

    def ends(self) -> list[tuple[datetime.date, int]]:
        """Returns what is open of it from its last posting on: its balance is unknown before."""
        return [(self.moved or self.date, self.open)]


class Paying(Protocol):
    """What the matcher reads of a receipt (a `Payment`, or a `plugins.receipts.Receipt`)."""

    @property
    def id(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def amount(self) -> int: ...
    @property
    def named(self) -> tuple[str, ...]: ...


class Payment(NamedTuple):
    """A receipt as the matcher sees it, in the currency of the invoices it may pay.

    Attributes:
      named: The invoices it names (step 1).
    """

    id: str
    customer: str
    currency: str
    date: datetime.date
    amount: int
    named: tuple[str, ...] = ()


Converted = Mapping[str, Sequence[tuple[str, int]]]  # receipt: (currency, amount) for step 3
Pool = tuple[str, str]  # (customer, currency)


class Owing(Protocol):
    """What the matcher shows the credits step of its open invoices, and how it takes a payment."""

    def open_invoices(self, key: Pool, day: datetime.date) -> Iterator[Invoicing]:
        """Yields the open invoices of a customer in a currency dated by `day`, oldest first."""

    def open_for(
        self, invoice: Invoicing, start: datetime.date
    ) -> tuple[datetime.date, int] | None:
        """The first day on or after `start` an invoice stays open, and by how much at least."""

    def settle(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` paid on a day (by a customer credit) off what is open of an invoice."""


class Crediting(Protocol):
    """The customer credits the matcher applies on its days (`customer_credits.Crediting`)."""

    def days(self) -> Iterable[datetime.date]:
        """The days on which credits known before matching become available."""

    def park(self, application: Application) -> datetime.date | None:
        """Takes in what an application over pays; returns the day to pay credits on for it.

        The day a credit it parks is available, or the day what it over
        pays is decided, when it may recover an invoice written off
        (`plugins.recoveries.Recovering.due`): credits are paid on that day.
        None when it parks none and recovers none.
        """

    def pay(self, today: datetime.date, customers: Collection[str], owing: Owing) -> set[str]:
        """Applies the credits available today; returns the customers whose invoices they paid.

        The credits of `customers` (their invoices billed or posted today)
        and those parked or available from today are applied.
        """


class OverPaying(Protocol):
    """What takes in a later credit to an invoice that pays it over on its day.

    `plugins.over_payments.InCalendar`: it moves the excess of a receipt
    posted straight to the invoice beyond the tolerance to customer credits,
    posting it to the invoice, and parks the credit for the credits step
    from that day on; the excess of a credit note netted to it it moves back
    to the note, left open there.
    """

    def __call__(self, invoice: Invoicing, day: datetime.date, units: int) -> None:
        """Takes in that an invoice is paid over by `units` at the end of `day`."""


class Application(NamedTuple):
    """Cash of one receipt applied to one invoice, in minor units of the invoice's currency.

    Attributes:
      cleared: Taken off the invoice's receivable.
      cash: Taken from the receipt (what it paid, including any credit).
      credited: Of the cash, moved to the customer's credit balance.
      step: The step that matched them.
      date: The day the match became possible (see the module doc): its
        entry's date.
    """

    receipt: str
    invoice: str
    cleared: int
    cash: int
    credited: int
    step: str
    date: datetime.date

    @property
    def written_off(self) -> int:
        """The difference written off: positive for a short payment, negative for an over one."""
        return self.cleared + self.credited - self.cash


def subset_with_sum(values: Sequence[int], target: int, least: int = 1) -> tuple[int, ...] | None:
    """Returns the indices of values that sum exactly to `target`, or None.

    Meets in the middle: the sums of every subset of each half (2^(n/2) each)
    are paired through a dictionary. Of all exact subsets of at least `least`
    values, the one whose sorted indices come first is returned, so the
    earliest values are preferred.
    """
    if target <= 0 or len(values) < least or sum(values) < target:
        return None
    half = len(values) // 2
    left = _sums(values[:half], 0)
    right: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for total, indices in _sums(values[half:], half):
        right[total].append(indices)
    found = [
        first + second
        for total, first in left
        for second in right.get(target - total, ())
        if len(first) + len(second) >= least
    ]
    return min(found) if found else None


def _sums(values: Sequence[int], offset: int) -> list[tuple[int, tuple[int, ...]]]:
    sums: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    for index, value in enumerate(values):
        sums += [(total + value, (*indices, offset + index)) for total, indices in sums]
    return sums


_age = operator.attrgetter("date", "id")
_date = operator.attrgetter("date")
_id = operator.attrgetter("id")
_first = operator.itemgetter(0)
_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__
Amount = tuple[str, str, int]  # (customer, currency, open amount)


class _Matcher:
    """The state of one matching run: what is still open and what is still unapplied."""

    def __init__(
        self,
        invoices: Mapping[str, Invoicing],
        still_open: dict[str, int],
        tolerance: Callable[[str], int],
        candidates: int,
        used: Mapping[str, datetime.date] | None = None,
        crediting: Crediting | None = None,
        later: Mapping[str, Collection[datetime.date]] | None = None,
        over_paid: OverPaying | None = None,
    ) -> None:
        self.invoices = invoices
        self.open = still_open  # what is open of each invoice: the matcher's to change
        self.tolerance = tolerance
        self.tolerances: dict[str, int] = {}
        self.candidates = candidates
        self.used = used or {}  # the date of each receipt's last use, for those used
        self.applied: dict[str, datetime.date] = {}  # each invoice's last application so far
        self.taken: dict[str, int] = {}  # what this run applied of invoices it left open
        self.applications: list[Application] = []
        self.pools: dict[Pool, list[Invoicing]] = {}
        # What `survey` reads of the open invoices, once: by customer (`pool`), by date
        # (`calendar`), those posted after their date (`posted_later`) and step 2's index of
        # amounts owed, kept by `owe`; an invoice whose open amount is no longer its key's is
        # skipped on reading.
        self.grouped: dict[str, list[Invoicing]] = defaultdict(list)
        self.billed: dict[datetime.date, list[Invoicing]] = defaultdict(list)
        self.reposted: dict[str, Invoicing] = {}
        self.index: dict[Amount, Invoicing] = {}
        self.more: dict[Amount, list[Invoicing]] = {}
        # The invoices posted after their own date, under each amount they stand open at on
        # some day (`stand`): step 2 checks them at reading (`exactly`).
        self.standing: dict[Amount, list[Invoicing]] = {}
        self.waiting: dict[Pool, list[Paying]] = {}  # unapplied receipts, by date then id
        self.currencies: dict[str, set[str]] = defaultdict(set)  # a customer's waiting pools
        self.part_paid: set[str] = set()  # customers with an invoice part paid (or posted) today
        self.today = datetime.date.min  # the day being matched (`run`)
        self.tried: dict[str, tuple[int, tuple[str, ...]]] = {}  # step 5: sets already tried
        self.thinned: set[Pool] = set()  # pools whose waiting receipts were paid out since step 5
        self.crediting = crediting  # the customer credits applied on each day, if any
        self.later: list[datetime.date] = []  # days a credit parked today is available from
        # What customer credits paid of each invoice in this run (`settle`), and step 2's
        # index of the open invoices they part paid by face amount: what is open of each
        # plus what the credits paid (`by_face`); one no longer so open is skipped on reading.
        self.credited: dict[str, int] = {}
        self.faces: dict[Amount, list[Invoicing]] = {}
        # The days after its own each invoice is credited by a receipt posted straight to it
        # or a credit note netted to it (`view`), what this run applied of those invoices
        # (`took`), the invoices to read again on each of those days (`refresh`), and what
        # takes in what such a credit over pays (`paid_over`).
        self.credited_on = later or {}
        self.took: dict[str, int] = {}
        self.refreshing: dict[datetime.date, list[Invoicing]] = defaultdict(list)
        self.paid_over = over_paid
        self.survey()

    def day(
        self,
        payments: Iterable[Paying],
        invoices: Iterable[Invoicing],
        since: Iterable[datetime.date] = (),
    ) -> datetime.date:
        """Returns the day a match of receipts and invoices became possible (see the module doc).

        It is the latest of their dates, of each invoice's application in
        this run, of each receipt's last use, and of `since`: the days from
        which invoices posted after those dates are open by what the match
        clears (`owed_on`).
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
        """Returns the day of a named receipt's applications (step 1, see the module doc).

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

        A receipt posted straight to the invoice after its date, or a credit
        note netted to it, is read on its own day, not before: what is
        posted to the invoice on such a day after the one being matched is
        left out of every later day's balance, so it never lowers what a
        receipt or credit pays before it (see the module doc). Other later
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
        made on that posting's day, when it is tried again (`run`), so it
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
        ends = self.view(invoice)
        shift = ends[-1][1] - self.open[invoice.id]
        customer, currency = invoice.customer, invoice.currency
        for amount in {end - shift for _, end in ends if end > shift}:
            self.standing.setdefault((customer, currency, amount), []).append(invoice)

    def apply(
        self, payment: Paying, invoice: str, amount: int, step: str, day: datetime.date
    ) -> None:
        """Applies cash of a receipt to an invoice on a day, taking it off what is open of it."""
        self.clear(invoice, amount, day)
        made = (payment.id, invoice, amount, amount, 0, step, day)
        self.applications.append(_new(Application, made))

    def settle(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` a customer credit paid of an invoice on a day off what is open of it.

        An invoice it leaves open is indexed by its face amount (`by_face`):
        what is open of it plus what customer credits paid of it.
        """
        self.clear(invoice, units, day)
        credited = self.credited[invoice] = self.credited.get(invoice, 0) + units
        left = self.open.get(invoice)
        if left is not None:
            found = self.invoices[invoice]
            key = (found.customer, found.currency, left + credited)
            faces = self.faces.setdefault(key, [])
            if found not in faces:
                bisect.insort(faces, found, key=_age)

    def clear(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` paid of an invoice on a day off what is open of it."""
        left = self.open[invoice] - units
        if invoice in self.credited_on:
            self.took[invoice] = self.took.get(invoice, 0) + units
        if left:  # a later debit left open: what it stands open at from the match's day on
            self.owe(invoice, left)
            self.taken[invoice] = self.taken.get(invoice, 0) + units
        else:
            del self.open[invoice]
        self.applied[invoice] = day

    def owe(self, invoice: str, left: int) -> None:
        """Leaves an invoice open `left` after a part payment, indexed under its new amount."""
        self.open[invoice] = left
        found = self.invoices[invoice]
        self.part_paid.add(found.customer)
        moved = found.moved
        if moved is not None and moved > found.date:
            self.stand(found)
        index, key = self.index, (found.customer, found.currency, left)
        first = index.get(key)
        if first is None:
            index[key] = found
            return
        if _age(found) < _age(first):
            index[key], found = found, first
        bisect.insort(self.more.setdefault(key, []), found, key=_age)

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

    def tolerance_of(self, currency: str) -> int:
        known = self.tolerances.get(currency)
        if known is None:
            known = self.tolerances[currency] = self.tolerance(currency)
        return known

    def named(self, payments: Iterable[Paying], step: str = NAMED) -> list[Paying]:
        """Step 1: each receipt pays the invoices it names, oldest first (see `pay_named`).

        Returns the receipts that name none, of a customer: what the other
        steps may match. A receipt of nothing is left out.
        """
        still_open, reposted, left = self.open, self.posted_later(), []
        for payment in payments:
            names = payment.named
            if not names:
                if payment.customer and payment.amount > 0:
                    left.append(payment)
            elif len(names) == 1 and still_open.get(names[0]) == payment.amount:
                # The common case: it pays exactly what is open of the one invoice it names
                # (what is open is more than nothing, so the receipt is too), posted nothing
                # after it: one not posted after its own date (`posted_later`) is not.
                invoice = self.invoices[names[0]]
                day = self.named_day(payment, (invoice,))
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
        invoices, still_open = self.invoices, self.open
        names = payment.named
        if len(names) > 1:  # oldest first, leaving out ids that are no invoice
            found = sorted((invoices[n] for n in names if n in invoices), key=_age)
            names = tuple(invoice.id for invoice in found)
        left = payment.amount
        made: list[tuple[str, int, int, int]] = []  # (invoice, cleared, cash, credited)
        reached: list[str] = []  # the invoices it reaches, in order
        taken = self.taken
        for at, invoice in enumerate(names):
            if left <= 0:
                break
            reached.append(invoice)
            owed = still_open.get(invoice, 0)
            payable = self.payable(payment, invoices[invoice], owed) if owed > 0 else 0
            if payable <= 0:
                continue
            cleared = payable
            if left < payable:  # the receipt runs out on this invoice
                cleared = left
                if self.short(payment, names[at + 1 :], payable - left):
                    cleared = payable
            if cleared < owed:  # partly paid: a later named receipt finds it open less
                self.owe(invoice, owed - cleared)
                taken[invoice] = taken.get(invoice, 0) + cleared
            else:
                del still_open[invoice]
            if invoice in self.credited_on:
                self.took[invoice] = self.took.get(invoice, 0) + cleared
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
        self.record(payment, made, step, self.named_day(payment, paid))

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
        receipt, applications = payment.id, self.applications
        for invoice, cleared, cash, credited in made:
            self.applied[invoice] = day
            application = _new(Application, (receipt, invoice, cleared, cash, credited, step, day))
            applications.append(application)
            if cash > cleared and self.crediting is not None:  # an over payment: it may park
                available = self.crediting.park(application)
                if available is not None and available > self.today:
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
        invoices, still_open = self.invoices, self.open
        for name in rest:
            if shortfall > tolerance:
                break
            owed = still_open.get(name, 0)
            if owed > 0:
                shortfall += self.payable(payment, invoices[name], owed)
        return shortfall <= tolerance

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
            found = self.pools[key] = sorted(mine, key=_age)
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

    def eligible(self, key: Pool, day: datetime.date) -> list[Invoicing]:
        """Returns the oldest `candidates` open invoices of a pool dated on or before `day`."""
        pool = self.pool(key)
        while pool and pool[0].id not in self.open:
            pool.pop(0)  # paid: the oldest go first, so the pool stays short
        found: list[Invoicing] = []
        for invoice in pool:
            if invoice.date > day or len(found) == self.candidates:
                break
            if invoice.id in self.open:
                found.append(invoice)
        return found

    def by_amount(self, payments: list[Paying]) -> list[Paying]:
        """Step 2: each receipt pays its customer's oldest invoice open exactly its amount.

        Open exactly its amount from the match's day on (`exactly`): what
        is open now (the index of amounts owed), or, for an invoice posted
        after its date, what it stood open at on a day from which it stayed
        open at least that (`standing`). Returns the receipts left unmatched.
        """
        index, still_open, standing, left = self.index, self.open, self.standing, []
        for payment in payments:
            amount = payment.amount
            key = (payment.customer, payment.currency, amount)
            invoice = index.get(key)
            if invoice is not None and still_open.get(invoice.id) != amount:
                invoice = self.owing(key)  # that one is paid: the next oldest, if any
            day = None
            if invoice is not None and invoice.date <= payment.date:
                day = self.possible(payment, invoice, amount)
                if day is None:  # open that amount only later: the next oldest may be now
                    invoice, day = self.next_possible(payment, key)
            chosen = invoice if day is not None else None
            others = standing.get(key) if standing else None
            if others:  # an older invoice may have stood open at the amount
                for other in others:
                    if other.date > payment.date or (
                        chosen is not None and _age(chosen) <= _age(other)
                    ):
                        continue
                    found = self.possible(payment, other, amount)
                    if found is not None:
                        chosen, day = other, found
            if chosen is not None and day is not None:
                self.apply(payment, chosen.id, amount, AMOUNT, day)
            elif not self.faces or not self.by_face(payment):
                left.append(payment)
        return left

    def by_face(self, payment: Paying) -> bool:
        """Step 2, by face amount: a receipt pays an invoice a customer credit part paid, in full.

        Once no invoice is open exactly its amount (`by_amount`): the oldest
        open invoice of its customer and currency, dated on or before it,
        whose face amount it equals (what is open of it plus what customer
        credits paid of it: the customer paid the invoice, ignoring its
        credit). The receipt pays what is open of it, and what the credits
        paid goes back to the customer's credit (`over_paid`, the rule of a
        named receipt's over payment), from which it pays the customer's
        next invoices on the day. Dated the day the match became possible
        (`day`: the receipt's, or the credit's last application to the
        invoice if later). An invoice that does not stay open what is open
        of it from that day on (`open_for`: a later typed posting lowers
        it) is passed over. Returns whether it paid one.
        """
        amount, still_open, credited = payment.amount, self.open, self.credited
        faces = self.faces.get((payment.customer, payment.currency, amount))
        if not faces:
            return False
        # Open plus credited only falls (a receipt or credit note paid part of it) and what
        # is paid stays paid: an invoice no longer open at this face amount never is again.
        faces[:] = [
            i for i in faces if i.id in still_open and still_open[i.id] + credited[i.id] == amount
        ]
        for invoice in faces:
            if invoice.date > payment.date:
                break
            owed = still_open[invoice.id]
            day = self.day((payment,), (invoice,))
            if self.open_for(invoice, day) != (day, owed):
                continue
            self.clear(invoice.id, owed, day)
            made = [(invoice.id, owed, owed, 0)]
            self.over_paid(payment, made, amount - owed, invoice.id)
            self.record(payment, made, FACE, day)
            return True
        return False

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

    def by_converted_amount(self, payments: list[Paying], converted: Converted) -> list[Paying]:
        left = []
        for payment in payments:
            chosen = None
            for currency, amount in converted.get(payment.id, ()):
                tolerance = self.tolerance_of(currency)
                eligible = self.eligible((payment.customer, currency), payment.date)
                chosen = next(
                    (i for i in eligible if abs(self.open[i.id] - amount) <= tolerance), None
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
        left = []
        for payment in payments:
            eligible = self.eligible((payment.customer, payment.currency), payment.date)
            owed = [(payment.date, self.open[i.id]) for i in eligible]
            reposted = self.posted_later()
            if reposted and any(i.id in reposted for i in eligible):
                eligible, owed = self.standing_on(payment, eligible)
            chosen = subset_with_sum([amount for _, amount in owed], payment.amount, 2)
            if chosen is None:
                left.append(payment)
                continue
            paid = [eligible[index] for index in chosen]
            day = self.day((payment,), paid, [owed[index][0] for index in chosen])
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
        found, owed = [], []
        for invoice in eligible:
            start = self.start(payment, invoice)
            standing = self.owed_on(invoice, start)
            if standing is None or (standing[0] > self.today and standing[0] > start):
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
        still_open, tried, candidates = self.open, self.tried, self.candidates
        for key in sorted(pools):
            waiting = self.waiting.get(key)
            if waiting is None or len(waiting) < 2:
                continue
            pool = self.pool(key)
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
                    start = max(today, self.applied.get(invoice.id, today))
                    standing = self.owed_on(invoice, start)
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
                day = self.day(paying, (invoice,))
                if moved is not None and moved > day:  # open `owed` from a later posting on
                    day = self.exactly(invoice, day, owed) or today
                for payment in paying:
                    self.apply(payment, invoice.id, payment.amount, SEVERAL_RECEIPTS, day)
                waiting[:] = [p for index, p in enumerate(waiting, -first) if index not in chosen]
                self.thinned.add(key)

    def unmatched(self, payments: list[Paying], converted: Converted) -> list[Paying]:
        """Steps 2 to 4 for receipts that name no invoice; returns those left unapplied."""
        left = self.by_amount(payments)
        if converted and left:
            left = self.by_converted_amount(left, converted)
        if left:
            left = self.several_invoices(left)
        return left

    def wait(self, payments: Iterable[Paying]) -> None:
        """Adds unapplied receipts to their pools' waiting receipts, by date then id."""
        for payment in payments:
            key = (payment.customer, payment.currency)
            found = self.waiting.get(key)
            if not found:
                self.waiting[key] = [payment]
                self.currencies[payment.customer].add(payment.currency)
            elif _age(found[-1]) < _age(payment):
                found.append(payment)
            else:
                bisect.insort(found, payment, key=_age)

    def retry(self, converted: Converted) -> None:
        """Steps 2 to 4 again for the waiting receipts of the customers part paid today.

        A part payment (by a receipt naming the invoice, or a converted
        amount) leaves an open amount an earlier receipt may now pay.
        """
        earlier = sorted(
            (
                payment
                for customer in self.part_paid
                for currency in self.currencies.get(customer, ())
                for payment in self.waiting.get((customer, currency), ())
            ),
            key=_age,
        )
        if not earlier:
            return
        left = set(map(id, self.unmatched(earlier, converted)))
        for payment in earlier:
            if id(payment) not in left:
                self.waiting[(payment.customer, payment.currency)].remove(payment)
                self.thinned.add((payment.customer, payment.currency))

    def posted_later(self) -> dict[str, Invoicing]:
        """Returns the open invoices posted after their own date, by id, read once.

        Only these can be open another amount on a day than they are now
        (`exactly`, `owed_on`); most books have few, so the steps ask this
        before looking at each invoice's postings.
        """
        return self.reposted

    def survey(self) -> None:
        """Reads the open invoices once: by customer, date and amount owed, and those posted later.

        What `pool`, `calendar`, step 2 (`by_amount`) and `posted_later`
        read, in one pass when the matcher is made: one pass costs
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
            several.sort(key=_age)
            index[key] = several.pop(0)
        for invoice in reposted.values():
            if invoice.id in self.open:
                self.stand(invoice)
        self.reposted = reposted

    def calendar(
        self,
    ) -> tuple[dict[datetime.date, set[str]], dict[datetime.date, list[Invoicing]]]:
        """Returns the days the open invoices are posted after their own, and their own days.

        The customers whose open invoices are posted on each day after their
        own date: on those days what is open of them changes as it does by a
        part payment, and the customers' waiting receipts are tried again.
        And the open invoices dated on each day: a waiting receipt may be
        their prepayment (`prepaid`).
        """
        posted: dict[datetime.date, set[str]] = defaultdict(set)
        for invoice in self.posted_later().values():
            for day, _ in invoice.ends():
                if day > invoice.date:
                    posted[day].add(invoice.customer)
        for name, days in self.credited_on.items():
            invoice = self.invoices[name]
            for day in days:
                self.refreshing[day].append(invoice)
                posted[day].add(invoice.customer)
        return posted, self.billed

    def prepaid(self, invoices: list[Invoicing]) -> None:
        """Step 2 for prepayments: waiting receipts pay the invoices dated today, oldest first.

        Each invoice is paid by its customer's oldest receipt in its currency
        still unapplied, dated before it, of exactly what it is open from its
        date on (`possible`): dated the invoice's date (or the receipt's last
        use). Only single receipts of the exact amount: no sets.

        Receipts wait by date, and paying an invoice only takes one away, so
        an invoice whose pool's oldest waiting receipt is not dated before it
        when the day's invoices are read has no prepayment: it is passed over
        before they are sorted.
        """
        still_open, waiting, waits = self.open, self.waiting, self.currencies
        reposted = self.posted_later()
        prepayable = []
        for invoice in invoices:
            if invoice.customer in waits:
                found = waiting.get((invoice.customer, invoice.currency))
                if found and found[0].date < invoice.date:
                    prepayable.append(invoice)
        for invoice in sorted(prepayable, key=_age):
            owed = still_open.get(invoice.id)
            if owed is None:
                continue
            found = waiting[(invoice.customer, invoice.currency)]
            later = invoice.id in reposted  # what is open of it may differ from its date on
            for at, payment in enumerate(found):
                if payment.date >= invoice.date:
                    break
                if payment.amount != owed and not later:
                    continue
                day = self.possible(payment, invoice, payment.amount)
                if day is not None:
                    del found[at]
                    self.thinned.add((invoice.customer, invoice.currency))
                    self.apply(payment, invoice.id, payment.amount, AMOUNT, day)
                    break

    def run(self, payments: Iterable[Paying], converted: Converted) -> None:
        """Matches the receipts day by day, in date order (see the module doc).

        The days are those of receipts, of open invoices and their later
        postings (`calendar`), of credits known before matching
        (`Crediting.days`), and those a credit parked on a day becomes
        available from, if later (`later`).
        """
        by_day = {  # by date, then id: each day's few sorted apart cost less than (date, id) keys
            today: sorted(received, key=_id)
            for today, received in itertools.groupby(sorted(payments, key=_date), key=_date)
        }
        posted, billed = self.calendar()
        days = by_day.keys() | posted.keys() | billed.keys()
        if self.crediting is not None:
            days |= set(self.crediting.days())
        later = self.later  # days a credit parked by a named receipt is available from
        for today in sorted(days):
            while later and later[0] < today:
                self.day_of(heapq.heappop(later), {}, posted, billed, converted)
            while later and later[0] == today:
                heapq.heappop(later)
            self.day_of(today, by_day, posted, billed, converted)
        while later:
            today = heapq.heappop(later)
            if today > self.today:
                self.day_of(today, {}, posted, billed, converted)

    def day_of(
        self,
        today: datetime.date,
        by_day: Mapping[datetime.date, list[Paying]],
        posted: Mapping[datetime.date, set[str]],
        billed: Mapping[datetime.date, list[Invoicing]],
        converted: Converted,
    ) -> None:
        """Matches one day: its receipts, prepayments, credits and the receipts waiting again."""
        self.today = today
        self.part_paid.clear()
        self.part_paid.update(posted.get(today, ()))
        for invoice in self.refreshing.get(today, ()):
            self.refresh(invoice)
        received = by_day.get(today)
        unnamed = self.named(received) if received else []
        # After the receipts naming invoices: the customer's word comes before a guess.
        if self.waiting and today in billed:
            self.prepaid(billed[today])
        left = self.unmatched(unnamed, converted) if unnamed else []
        if self.crediting is not None:
            left = self.credit(today, posted, billed, left, converted)
        if self.part_paid:
            self.retry(converted)
        self.wait(left)
        pools = {(payment.customer, payment.currency) for payment in left}
        pools.update(
            (customer, currency)
            for customer in self.part_paid
            for currency in self.currencies.get(customer, ())
        )
        if pools:
            self.several_receipts(pools, today, self.part_paid)

    def credit(
        self,
        today: datetime.date,
        posted: Mapping[datetime.date, set[str]],
        billed: Mapping[datetime.date, list[Invoicing]],
        left: list[Paying],
        converted: Converted,
    ) -> list[Paying]:
        """Applies the customer credits available today, once the day's receipts are matched.

        Of the customers whose credits arrive today or whose invoices are
        billed or posted today (`Crediting.pay`). What a credit leaves open
        of an invoice is one the day's receipts left unapplied, and the
        customer's waiting ones, may pay: they are tried again. Returns the
        day's receipts still unapplied.
        """
        assert self.crediting is not None
        customers = list(posted.get(today, ()))
        customers += [invoice.customer for invoice in billed.get(today, ())]
        paid = self.crediting.pay(today, customers, self)
        again = [payment for payment in left if payment.customer in paid]
        if not again:
            return left
        kept = [payment for payment in left if payment.customer not in paid]
        return kept + self.unmatched(again, converted)


def match(
    payments: Iterable[Paying],
    invoices: Iterable[OpenInvoice],
    tolerance: Callable[[str], int],
    candidates: int = 12,
    converted: Converted | None = None,
    used: Mapping[str, datetime.date] | None = None,
) -> list[Application]:
    """Returns the cash applications of the receipts to the invoices, step by step.

    Args:
      payments: The receipts, each with what is still unapplied of it.
      invoices: The open invoices, each with what is still open of it.
      tolerance: The write-off tolerance of a currency, in minor units.
      candidates: How many of a customer's oldest items steps 3 to 5 look at.
      converted: Each receipt's amounts in other currencies, for step 3.
      used: The date of each receipt's last use, for those partly used.
    """
    by_id = {invoice.id: invoice for invoice in invoices}
    still_open = {key: invoice.open for key, invoice in by_id.items() if invoice.open > 0}
    return match_open(payments, by_id, still_open, tolerance, candidates, converted, used)


def match_open(
    payments: Iterable[Paying],
    invoices: Mapping[str, Invoicing],
    still_open: dict[str, int],
    tolerance: Callable[[str], int],
    candidates: int = 12,
    converted: Converted | None = None,
    used: Mapping[str, datetime.date] | None = None,
    crediting: Crediting | None = None,
    later: Mapping[str, Collection[datetime.date]] | None = None,
    over_paid: OverPaying | None = None,
) -> list[Application]:
    """Returns the cash applications, as `match` does, of invoices and their open amounts apart.

    Args:
      payments: The receipts, each with what is still unapplied of it.
      invoices: The invoices by id (any of them: only those in `still_open` are paid).
      still_open: What is open of each invoice, if more than nothing (each
        one of `invoices`); the matcher takes it over and changes it.
      tolerance: The write-off tolerance of a currency, in minor units.
      candidates: How many of a customer's oldest items steps 3 to 5 look at.
      converted: Each receipt's amounts in other currencies, for step 3.
      used: The date of each receipt's last use, for those partly used.
      crediting: The customer credits to apply on the matcher's days, if any
        (`plugins.customer_credits.Crediting`): it keeps what they pay.
      later: The days after its own each invoice is credited by a receipt
        posted straight to it or a credit note netted to it, by invoice (of
        `invoices`, open or not now): each is read on those days, not before
        (`_Matcher.view`).
      over_paid: What takes in such a credit's excess over what is open of
        its invoice on its day (`plugins.over_payments.InCalendar`), if anything.
    """
    matcher = _Matcher(
        invoices, still_open, tolerance, candidates, used, crediting, later, over_paid
    )
    matcher.run(payments, converted or {})
    return matcher.applications
