"""Cash matching: which receipt pays which invoice, in whole minor units.

The matcher sees receipts and open invoices as plain numbers and applies cash
in five steps, each on what the earlier ones left:

1. **Named**: a receipt that names invoices pays them, oldest first. What is
   left of a named invoice within the tolerance is written off; a larger
   shortfall leaves it partly open. What is left of the receipt within the
   tolerance is written off; more becomes a customer credit.
2. **Amount**: a receipt pays the oldest open invoice of its customer and
   currency whose open amount it equals exactly.
3. **Converted amount**: a receipt with amounts in other currencies (the
   caller converts a functional-currency receipt at the day's price) pays the
   oldest open invoice of its customer in one of them whose open amount is
   within the tolerance of the converted amount, and is then settled as if it
   named that invoice (step 1).
4. **Several invoices**: a receipt pays a set of its customer's open invoices
   whose open amounts sum to it exactly.
5. **Several receipts**: a set of a customer's receipts pays an invoice whose
   open amount they sum to exactly.

Steps 2 to 5 pair a receipt only with invoices dated on or before it. Steps 3
to 5 look at the oldest `candidates` items of the customer (12 by default);
steps 4 and 5 search their subsets by meeting in the middle: two halves of at
most 2^(candidates/2) sums each, so the work per receipt is bounded whatever
the size of the ledger. Among several exact subsets the one with the oldest
items wins. Receipts are taken in date order, then by id; invoices oldest
first; nothing depends on the order of the input.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

NAMED = "named"
AMOUNT = "amount"
CONVERTED = "converted-amount"
SEVERAL_INVOICES = "several-invoices"
SEVERAL_RECEIPTS = "several-receipts"


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


class OpenInvoice(NamedTuple):
    """An invoice as the matcher sees it: what is open of it, in minor units."""

    id: str
    customer: str
    currency: str
    date: datetime.date
    open: int


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


class Application(NamedTuple):
    """Cash of one receipt applied to one invoice, in minor units of the invoice's currency.

    Attributes:
      cleared: Taken off the invoice's receivable.
      cash: Taken from the receipt (what it paid, including any credit).
      credited: Of the cash, moved to the customer's credit balance.
      step: The step that matched them.
    """

    receipt: str
    invoice: str
    cleared: int
    cash: int
    credited: int
    step: str

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
    if target <= 0 or sum(values) < target:
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
_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__
Pool = tuple[str, str]  # (customer, currency)


class _Matcher:
    """The state of one matching run: what is still open and what is still unapplied."""

    def __init__(
        self,
        invoices: Mapping[str, Invoicing],
        still_open: dict[str, int],
        tolerance: Callable[[str], int],
        candidates: int,
    ) -> None:
        self.invoices = invoices
        self.open = still_open  # what is open of each invoice: the matcher's to change
        self.tolerance = tolerance
        self.tolerances: dict[str, int] = {}
        self.candidates = candidates
        self.applications: list[Application] = []
        self.pools: dict[Pool, list[Invoicing]] = {}

    def apply(self, payment: Paying, invoice: str, amount: int, step: str) -> None:
        left = self.open[invoice] - amount
        if left:
            self.open[invoice] = left
        else:
            del self.open[invoice]
        self.applications.append(_new(Application, (payment.id, invoice, amount, amount, 0, step)))

    def tolerance_of(self, currency: str) -> int:
        known = self.tolerances.get(currency)
        if known is None:
            known = self.tolerances[currency] = self.tolerance(currency)
        return known

    def named(self, payment: Paying, step: str = NAMED) -> None:
        names = payment.named
        if len(names) == 1:  # the common case, without sorting
            one = self.invoices.get(names[0])
            targets = [one] if one is not None else []
        else:
            targets = sorted((self.invoices[n] for n in names if n in self.invoices), key=_age)
        left = payment.amount
        start = len(self.applications)
        for invoice in targets:
            take = min(left, self.open.get(invoice.id, 0))
            if take > 0:
                self.apply(payment, invoice.id, take, step)
                left -= take
        if len(self.applications) == start:
            if left and targets:
                self.leftover(payment, targets[0].id, left, start, step)
            return
        last = self.applications[-1]
        short = self.open.get(last.invoice, 0)
        if not left and 0 < short <= self.tolerance_of(payment.currency):
            del self.open[last.invoice]
            self.applications[-1] = last._replace(cleared=last.cleared + short)
        if left:
            self.leftover(payment, targets[0].id, left, start, step)

    def leftover(self, payment: Paying, invoice: str, left: int, start: int, step: str) -> None:
        credited = 0 if left <= self.tolerance_of(payment.currency) else left
        if len(self.applications) > start:
            last = self.applications[-1]
            self.applications[-1] = last._replace(cash=last.cash + left, credited=credited)
        else:
            self.applications.append(Application(payment.id, invoice, 0, left, credited, step))

    def pool(self, key: Pool) -> list[Invoicing]:
        """Returns the invoices of a customer in a currency still open, oldest first.

        The pools are made once, when the unnamed steps start; an invoice
        paid since stays in its pool and is skipped by whoever reads it.
        """
        if not self.pools:
            for invoice_id in self.open:
                invoice = self.invoices[invoice_id]
                found = self.pools.get((invoice.customer, invoice.currency))
                if found is None:
                    self.pools[(invoice.customer, invoice.currency)] = [invoice]
                else:
                    found.append(invoice)
            for found in self.pools.values():
                if len(found) > 1:
                    found.sort(key=_age)
        return self.pools.get(key, [])

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
        wanted = {(payment.customer, payment.currency) for payment in payments}
        index: dict[tuple[str, str, int], list[Invoicing]] = {}
        for key in wanted:
            for invoice in self.pool(key):
                amount = self.open.get(invoice.id)
                if amount is not None:
                    same = index.get((*key, amount))
                    if same is None:
                        index[(*key, amount)] = [invoice]
                    else:
                        same.append(invoice)
        left = []
        for payment in payments:
            found = index.get((payment.customer, payment.currency, payment.amount))
            if found and found[0].date <= payment.date:
                self.apply(payment, found.pop(0).id, payment.amount, AMOUNT)
            else:
                left.append(payment)
        return left

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
                    self.named(paid, CONVERTED)
                    break
            if chosen is None:
                left.append(payment)
        return left

    def several_invoices(self, payments: list[Paying]) -> list[Paying]:
        left = []
        for payment in payments:
            eligible = self.eligible((payment.customer, payment.currency), payment.date)
            chosen = subset_with_sum([self.open[i.id] for i in eligible], payment.amount, 2)
            if chosen is None:
                left.append(payment)
                continue
            for index in chosen:
                invoice = eligible[index]
                self.apply(payment, invoice.id, self.open[invoice.id], SEVERAL_INVOICES)
        return left

    def several_receipts(self, payments: list[Paying]) -> list[Paying]:
        pools: dict[Pool, list[Paying]] = defaultdict(list)
        for payment in payments:
            pools[(payment.customer, payment.currency)].append(payment)
        matched: set[str] = set()
        waiting = [i for key in pools for i in self.pool(key) if i.id in self.open]
        for invoice in sorted(waiting, key=_age):
            pool = pools[(invoice.customer, invoice.currency)]
            first = bisect.bisect_left(pool, invoice.date, key=lambda payment: payment.date)
            eligible = pool[first : first + self.candidates]
            chosen = subset_with_sum([p.amount for p in eligible], self.open[invoice.id], 2)
            if chosen is None:
                continue
            for index in chosen:
                payment = eligible[index]
                self.apply(payment, invoice.id, payment.amount, SEVERAL_RECEIPTS)
                matched.add(payment.id)
            pool[:] = [payment for payment in pool if payment.id not in matched]
        return [payment for payment in payments if payment.id not in matched]


def match(
    payments: Iterable[Paying],
    invoices: Iterable[OpenInvoice],
    tolerance: Callable[[str], int],
    candidates: int = 12,
    converted: Converted | None = None,
) -> list[Application]:
    """Returns the cash applications of the receipts to the invoices, step by step.

    Args:
      payments: The receipts, each with what is still unapplied of it.
      invoices: The open invoices, each with what is still open of it.
      tolerance: The write-off tolerance of a currency, in minor units.
      candidates: How many of a customer's oldest items steps 3 to 5 look at.
      converted: Each receipt's amounts in other currencies, for step 3.
    """
    by_id = {invoice.id: invoice for invoice in invoices}
    still_open = {key: invoice.open for key, invoice in by_id.items() if invoice.open > 0}
    return match_open(payments, by_id, still_open, tolerance, candidates, converted)


def match_open(
    payments: Iterable[Paying],
    invoices: Mapping[str, Invoicing],
    still_open: dict[str, int],
    tolerance: Callable[[str], int],
    candidates: int = 12,
    converted: Converted | None = None,
) -> list[Application]:
    """Returns the cash applications, as `match` does, of invoices and their open amounts apart.

    Args:
      payments: The receipts, each with what is still unapplied of it.
      invoices: The invoices by id (any of them: only those in `still_open` are paid).
      still_open: What is open of each invoice, if more than nothing; the
        matcher takes it over and changes it.
      tolerance: The write-off tolerance of a currency, in minor units.
      candidates: How many of a customer's oldest items steps 3 to 5 look at.
      converted: Each receipt's amounts in other currencies, for step 3.
    """
    matcher = _Matcher(invoices, still_open, tolerance, candidates)
    unnamed = []
    for payment in sorted(payments, key=_age):
        if payment.amount <= 0:
            continue
        if payment.named:
            matcher.named(payment)
        elif payment.customer:
            unnamed.append(payment)
    left = matcher.by_amount(unnamed)
    if converted:
        left = matcher.by_converted_amount(left, converted)
    left = matcher.several_invoices(left)
    matcher.several_receipts(left)
    return matcher.applications
