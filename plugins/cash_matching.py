"""Cash matching: which receipt pays which invoice, in whole minor units.

The matcher sees receipts and open invoices as plain numbers and applies cash
in four steps, each on what the earlier ones left:

1. **Named**: a receipt that names invoices pays them, oldest first. What is
   left of a named invoice within the tolerance is written off; a larger
   shortfall leaves it partly open. What is left of the receipt within the
   tolerance is written off; more becomes a customer credit.
2. **Amount**: a receipt pays the oldest open invoice of its customer and
   currency whose open amount it equals exactly.
3. **Several invoices**: a receipt pays a set of its customer's open invoices
   whose open amounts sum to it exactly.
4. **Several receipts**: a set of a customer's receipts pays an invoice whose
   open amount they sum to exactly.

Steps 2 to 4 pair a receipt only with invoices dated on or before it. Steps 3
and 4 look at the oldest `candidates` items of the customer (12 by default)
and search their subsets by meeting in the middle: two halves of at most
2^(candidates/2) sums each, so the work per receipt is bounded whatever the
size of the ledger. Among several exact subsets the one with the oldest items
wins. Receipts are taken in date order, then by id; invoices oldest first;
nothing depends on the order of the input.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import NamedTuple

NAMED = "named"
AMOUNT = "amount"
SEVERAL_INVOICES = "several-invoices"
SEVERAL_RECEIPTS = "several-receipts"


class OpenInvoice(NamedTuple):
    """An invoice as the matcher sees it: what is open of it, in minor units."""

    id: str
    customer: str
    currency: str
    date: datetime.date
    open: int


class Payment(NamedTuple):
    """A receipt as the matcher sees it, in the currency of the invoices it may pay."""

    id: str
    customer: str
    currency: str
    date: datetime.date
    amount: int
    named: tuple[str, ...] = ()


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


class _Matcher:
    """The state of one matching run: what is still open and what is still unapplied."""

    def __init__(
        self,
        invoices: Sequence[OpenInvoice],
        tolerance: Callable[[str], int],
        candidates: int,
    ) -> None:
        self.invoices = {invoice.id: invoice for invoice in invoices}
        self.open = {invoice.id: invoice.open for invoice in invoices if invoice.open > 0}
        self.tolerance = tolerance
        self.tolerances: dict[str, int] = {}
        self.candidates = candidates
        self.applications: list[Application] = []

    def apply(self, payment: Payment, invoice: str, amount: int, step: str) -> None:
        self.open[invoice] -= amount
        if not self.open[invoice]:
            del self.open[invoice]
        self.applications.append(Application(payment.id, invoice, amount, amount, 0, step))

    def tolerance_of(self, currency: str) -> int:
        if currency not in self.tolerances:
            self.tolerances[currency] = self.tolerance(currency)
        return self.tolerances[currency]

    def named(self, payment: Payment) -> None:
        targets = [self.invoices[name] for name in payment.named if name in self.invoices]
        if len(targets) > 1:
            targets.sort(key=_age)
        left = payment.amount
        start = len(self.applications)
        for invoice in targets:
            take = min(left, self.open.get(invoice.id, 0))
            if take > 0:
                self.apply(payment, invoice.id, take, NAMED)
                left -= take
        tolerance = self.tolerance_of(payment.currency)
        if len(self.applications) > start:
            last = self.applications[-1]
            short = self.open.get(last.invoice, 0)
            if not left and 0 < short <= tolerance:
                del self.open[last.invoice]
                self.applications[-1] = last._replace(cleared=last.cleared + short)
        if left and targets:
            self.leftover(payment, targets[0].id, left, start, tolerance)

    def leftover(
        self, payment: Payment, invoice: str, left: int, start: int, tolerance: int
    ) -> None:
        credited = 0 if left <= tolerance else left
        if len(self.applications) > start:
            last = self.applications[-1]
            self.applications[-1] = last._replace(cash=last.cash + left, credited=credited)
        else:
            self.applications.append(Application(payment.id, invoice, 0, left, credited, NAMED))

    def by_amount(self, payments: list[Payment]) -> list[Payment]:
        index: dict[tuple[str, str, int], list[OpenInvoice]] = defaultdict(list)
        for invoice in self.oldest_first():
            index[(invoice.customer, invoice.currency, self.open[invoice.id])].append(invoice)
        left = []
        for payment in payments:
            found = index.get((payment.customer, payment.currency, payment.amount))
            if found and found[0].date <= payment.date:
                self.apply(payment, found.pop(0).id, payment.amount, AMOUNT)
            else:
                left.append(payment)
        return left

    def oldest_first(self) -> list[OpenInvoice]:
        return sorted((self.invoices[invoice_id] for invoice_id in self.open), key=_age)

    def several_invoices(self, payments: list[Payment]) -> list[Payment]:
        pools: dict[tuple[str, str], list[OpenInvoice]] = defaultdict(list)
        for invoice in self.oldest_first():
            pools[(invoice.customer, invoice.currency)].append(invoice)
        left = []
        for payment in payments:
            pool = pools.get((payment.customer, payment.currency), [])
            while pool and pool[0].id not in self.open:
                pool.pop(0)  # paid: the oldest go first, so the pool stays short
            eligible: list[OpenInvoice] = []
            for invoice in pool:
                if invoice.date > payment.date or len(eligible) == self.candidates:
                    break
                if invoice.id in self.open:
                    eligible.append(invoice)
            chosen = subset_with_sum([self.open[i.id] for i in eligible], payment.amount, 2)
            if chosen is None:
                left.append(payment)
                continue
            for index in chosen:
                invoice = eligible[index]
                self.apply(payment, invoice.id, self.open[invoice.id], SEVERAL_INVOICES)
        return left

    def several_receipts(self, payments: list[Payment]) -> list[Payment]:
        pools: dict[tuple[str, str], list[Payment]] = defaultdict(list)
        for payment in payments:
            pools[(payment.customer, payment.currency)].append(payment)
        matched: set[str] = set()
        for invoice in self.oldest_first():
            pool = pools.get((invoice.customer, invoice.currency))
            if not pool:
                continue
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
    payments: Sequence[Payment],
    invoices: Sequence[OpenInvoice],
    tolerance: Callable[[str], int],
    candidates: int = 12,
) -> list[Application]:
    """Returns the cash applications of the receipts to the invoices, step by step.

    Args:
      payments: The receipts, each with what is still unapplied of it.
      invoices: The open invoices, each with what is still open of it.
      tolerance: The write-off tolerance of a currency, in minor units.
      candidates: How many of a customer's oldest items a subset search looks at.
    """
    matcher = _Matcher(invoices, tolerance, candidates)
    ordered = sorted(payments, key=_age)
    unnamed = []
    for payment in ordered:
        if payment.amount <= 0:
            continue
        if payment.named:
            matcher.named(payment)
        elif payment.customer:
            unnamed.append(payment)
    left = matcher.by_amount(unnamed)
    left = matcher.several_invoices(left)
    matcher.several_receipts(left)
    return matcher.applications
