"""Cash matching: which receipt pays which invoice, in whole minor units.

The matcher sees receipts and open invoices as plain numbers and applies cash
in five steps, each on what the earlier ones left:

1. **Named**: a receipt that names invoices pays them, oldest first, each as
   far as it stays open from the receipt's day on, as known that day
   (`payable`). Its links and words name an invoice only from the invoice's
   day on (`plugins.receipts.Receipt.later`): a receipt naming none of its
   day is matched as one naming nothing, and pays by name an invoice it
   names on the day that invoice is billed if it still waits then
   (`_Matcher.named_later`), before prepayments. What is
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
   rule of step 1 (`over_paid`), dated the day the match became possible:
   the later of the receipt and the credit's application, or the day of a
   later part payment or credit that made its face the receipt's. What a
   chargeback took back of a credit's payment is none (`credits_paid`).
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
date (the bank import's payment, typed to the receivable), a credit note
netted to it or a credit typed by hand to it (a goodwill credit) after its
date (the caller names those invoices and days, `later`), is read on its
own day, not before (the calendar rule): until then the invoice is open
as if it were not posted (`view`), so the credit never lowers what a
receipt or customer credit pays before it. On its day, before the day's
receipts, the invoice is read again (`refresh`): its balance at the end
of the day less what this run applied of it (`took`).
Paid over, the excess is handed to `over_paid`
(`plugins.over_payments.InCalendar`): a credit note's, all of it, is
moved back from the invoice to the note, left open there in the
receivable and parking no credit; then a straight receipt's (or, on a
day with none, a credit typed by hand's) beyond the tolerance, or with
what was moved of it before matching, is moved to customer credits, each
in its own entry posted to the invoice, and the credit parked with the
credits step from that day on; a straight receipt's within the tolerance
is written off once cash is matched (`plugins.payment_differences`), a
credit typed by hand's at once. An invoice paid in
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
invoice pays it (the customer's word) on its own day, or the invoice's if
later: an earlier receipt matched by amount may have paid that invoice
first, and the named receipt is then the customer's credit, which pays the
customer's next open invoice (`plugins.customer_credits`).

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
Each application is dated the day its match became possible (`OpenAmounts.day`):
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

This module keeps the calendar (`_Matcher`) and the entry points (`match`,
`match_open`). The steps are `plugins.matching_steps`; what is open of an
invoice on a day, as known that day, is `plugins.open_amounts`; the receipts,
invoices and applications the matcher reads and makes are
`plugins.matching_terms`; the subset search of steps 4 and 5 is
`plugins.subset_search`.
"""

from __future__ import annotations

import bisect
import datetime
import heapq
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping

from plugins.matching_steps import MatchingSteps
from plugins.matching_terms import (
    AMOUNT,
    Application,
    Converted,
    Crediting,
    Invoicing,
    OpenInvoice,
    OverPaying,
    Paying,
    Payment,
    age,
)
from plugins.open_amounts import OpenAmounts

_date = operator.attrgetter("date")
_id = operator.attrgetter("id")


class _Matcher(MatchingSteps):
    """One matching run: the steps (`MatchingSteps`) day by day, on its open amounts.

    What is open of the invoices, and from which day, is its `amounts`
    (`plugins.open_amounts.OpenAmounts`); the receipts waiting unapplied are
    tried again on the days below.
    """

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
        amounts = OpenAmounts(invoices, still_open, used, later, over_paid)
        super().__init__(amounts, tolerance, candidates, crediting)
        self.currencies: dict[str, set[str]] = defaultdict(set)  # a customer's waiting pools
        # The invoices to read again on each day (`OpenAmounts.refresh`): the days after its
        # own an invoice is credited by a receipt posted straight to it, a credit note netted
        # to it or a credit typed by hand to it.
        self.refreshing: dict[datetime.date, list[Invoicing]] = defaultdict(list)
        # Receipts naming invoices only later, by the day they are billed (`named_later_on`).
        self.expected: dict[datetime.date, list[Paying]] = {}

    def wait(self, payments: Iterable[Paying]) -> None:
        """Adds unapplied receipts to their pools' waiting receipts, by date then id."""
        for payment in payments:
            key = (payment.customer, payment.currency)
            found = self.waiting.get(key)
            if not found:
                self.waiting[key] = [payment]
                self.currencies[payment.customer].add(payment.currency)
            elif age(found[-1]) < age(payment):
                found.append(payment)
            else:
                bisect.insort(found, payment, key=age)

    def retry(self, converted: Converted) -> None:
        """Steps 2 to 4 again for the waiting receipts of the customers part paid today.

        A part payment (by a receipt naming the invoice, or a converted
        amount) leaves an open amount an earlier receipt may now pay.
        """
        earlier = sorted(
            (
                payment
                for customer in self.amounts.part_paid
                for currency in self.currencies.get(customer, ())
                for payment in self.waiting.get((customer, currency), ())
            ),
            key=age,
        )
        if not earlier:
            return
        left = set(map(id, self.unmatched(earlier, converted)))
        for payment in earlier:
            if id(payment) not in left:
                self.unwait(payment)

    def unwait(self, payment: Paying) -> bool:
        """Takes a receipt out of its customer's waiting ones; False if it was not waiting."""
        key = (payment.customer, payment.currency)
        found = self.waiting.get(key, [])
        at = next((at for at, other in enumerate(found) if other is payment), None)
        if at is None:
            return False
        del found[at]
        self.thinned.add(key)
        return True

    def named_later_on(self, payments: Iterable[Paying]) -> dict[datetime.date, list[Paying]]:
        """Returns the receipts naming invoices only later, by the day the first is billed.

        A receipt whose links and words name no invoice of its day but one
        dated after it (`Paying.later`), in its currency: if it still waits unapplied on
        that invoice's day, it pays by name then (`named_later`).
        """
        invoices = self.amounts.invoices
        found: dict[datetime.date, list[Paying]] = defaultdict(list)
        for payment in payments:
            if payment.later and not payment.named and payment.amount > 0:
                days = [
                    invoices[name].date
                    for name in payment.later
                    if name in invoices and invoices[name].currency == payment.currency
                ]
                if days:
                    found[min(days)].append(payment)
        return found

    def named_later(self, payments: list[Paying], today: datetime.date) -> None:
        """Step 1, on the day an invoice they name is billed, for receipts waiting since before.

        Each receipt still unapplied (still waiting in its pool, or of no
        customer: no other step pays it) pays by name the invoices its links
        and words name that are billed by today, as a receipt naming them on its own
        day would (`named`), dated today; oldest receipt first.
        """
        invoices = self.amounts.invoices
        for payment in sorted(payments, key=age):
            if payment.customer and not self.unwait(payment):
                continue  # paid by another step before its invoice came
            names = tuple(
                name
                for name in payment.later
                if name in invoices
                and invoices[name].date <= today
                and invoices[name].currency == payment.currency
            )
            fields = (payment.id, payment.customer, payment.currency, payment.date)
            self.named([Payment(*fields, payment.amount, names)])

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
        amounts = self.amounts
        posted: dict[datetime.date, set[str]] = defaultdict(set)
        for invoice in amounts.posted_later().values():
            for day, _ in invoice.ends():
                if day > invoice.date:
                    posted[day].add(invoice.customer)
        for name, days in amounts.credited_on.items():
            invoice = amounts.invoices[name]
            for day in days:
                self.refreshing[day].append(invoice)
                posted[day].add(invoice.customer)
        return posted, amounts.billed

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
        amounts, waiting, waits = self.amounts, self.waiting, self.currencies
        still_open, reposted = amounts.open, amounts.posted_later()
        prepayable = []
        for invoice in invoices:
            if invoice.customer in waits:
                found = waiting.get((invoice.customer, invoice.currency))
                if found and found[0].date < invoice.date:
                    prepayable.append(invoice)
        for invoice in sorted(prepayable, key=age):
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
                day = amounts.possible(payment, invoice, payment.amount)
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
        ordered = sorted(payments, key=_date)
        by_day = {  # by date, then id: each day's few sorted apart cost less than (date, id) keys
            today: sorted(received, key=_id)
            for today, received in itertools.groupby(ordered, key=_date)
        }
        posted, billed = self.calendar()
        self.expected = self.named_later_on(ordered)
        days = by_day.keys() | posted.keys() | billed.keys() | self.expected.keys()
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
            if today > self.amounts.today:
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
        amounts, part_paid = self.amounts, self.amounts.part_paid
        amounts.today = today
        part_paid.clear()
        part_paid.update(posted.get(today, ()))
        for invoice in self.refreshing.get(today, ()):
            amounts.refresh(invoice)
        due = self.expected.pop(today, None) if self.expected else None
        if due:
            self.named_later(due, today)
        received = by_day.get(today)
        unnamed = self.named(received) if received else []
        # After the receipts naming invoices: the customer's word comes before a guess.
        if self.waiting and today in billed:
            self.prepaid(billed[today])
        left = self.unmatched(unnamed, converted) if unnamed else []
        if self.crediting is not None:
            left = self.credit(today, posted, billed, left, converted)
        if part_paid:
            self.retry(converted)
        self.wait(left)
        pools = {(payment.customer, payment.currency) for payment in left}
        pools.update(
            (customer, currency)
            for customer in part_paid
            for currency in self.currencies.get(customer, ())
        )
        if pools:
            self.several_receipts(pools, today, part_paid)

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
        paid = self.crediting.pay(today, customers, self.amounts)
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
        posted straight to it, a credit note netted to it or a credit typed
        by hand to it, by invoice (of
        `invoices`, open or not now): each is read on those days, not before
        (`plugins.open_amounts.OpenAmounts.view`).
      over_paid: What takes in such a credit's excess over what is open of
        its invoice on its day (`plugins.over_payments.InCalendar`), if anything.
    """
    matcher = _Matcher(
        invoices, still_open, tolerance, candidates, used, crediting, later, over_paid
    )
    matcher.run(payments, converted or {})
    return matcher.applications
