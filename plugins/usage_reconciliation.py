"""Usage-to-invoice reconciliation: what was rated against what was invoiced, per usage month.

For each customer, month and currency: `rated` is what the accruals debited
the unbilled receivable, `drawn` what prepaid credit paid of it, `billable`
the rest, and `invoiced` what billing documents billed of the month (invoices
less credit notes and voids). `difference` is invoiced less billable; one
larger than the policy's `tolerance` is listed with both figures, and fails
bean-check when the policy says `control: true`. A month rated but not yet
invoiced, or invoiced but never rated, has no difference: its status says so.
A month that prepaid credit paid in full, and that no document billed, is
`paid by credit`: there is nothing to invoice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from plugins import meta, prepaid_credits
from plugins.usage_accruals import Accrual, BilledLine, Key, Subledger, month_name

MATCHED = "matched"
WITHIN = "within tolerance"
DIFFERENCE = "difference"
NOT_INVOICED = "not invoiced"
PAID_BY_CREDIT = "paid by credit"
NOT_RATED = "not rated"


@dataclass(frozen=True)
class Row:
    """One usage month's rated and invoiced figures."""

    customer: str
    month: datetime.date
    currency: str
    rated: Decimal
    drawn: Decimal
    invoiced: Decimal | None  # None: no billing document yet.
    unbilled: Decimal  # Still open at the end of the books.
    tolerance: Decimal
    accruals: tuple[Accrual, ...]
    located: dict[str, Any] | None  # The first billed line, for an error.

    @property
    def billable(self) -> Decimal:
        return self.rated - self.drawn

    @property
    def difference(self) -> Decimal | None:
        if self.invoiced is None or not self.accruals:
            return None
        return self.invoiced - self.billable

    @property
    def status(self) -> str:
        if not self.accruals:
            return NOT_RATED
        difference = self.difference
        if difference is None:
            return PAID_BY_CREDIT if not self.billable else NOT_INVOICED
        if not difference:
            return MATCHED
        return DIFFERENCE if abs(difference) > self.tolerance else WITHIN

    @property
    def beyond_tolerance(self) -> bool:
        return self.status == DIFFERENCE

    def message(self) -> str:
        """Says what was rated and what was invoiced, for a difference beyond the tolerance."""
        code = self.currency
        return (
            f"Usage of '{self.customer}' for {month_name(self.month)} was rated "
            f"{self.billable} {code} (after {self.drawn} {code} of prepaid credit) but invoiced "
            f"{self.invoiced} {code}: difference {self.difference} {code}, beyond the tolerance "
            f"of {self.tolerance} {code}"
        )


def shown_tolerance(tolerance: Decimal, digits: int) -> Decimal:
    """Returns the tolerance with at least a currency's decimals (1.0 as 1.00 for USD)."""
    exponent = tolerance.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < digits:
        return tolerance.quantize(Decimal(1).scaleb(-digits))
    return tolerance


def rows(subledger: Subledger) -> list[Row]:
    """Returns one row per usage month, by customer, month and currency."""
    precision = subledger.policy.precision
    rated: dict[Key, int] = defaultdict(int)
    accruals: dict[Key, list[Accrual]] = defaultdict(list)
    for accrual in subledger.accruals:
        rated[accrual.key] += accrual.amount
        accruals[accrual.key].append(accrual)
    drawn: dict[Key, int] = defaultdict(int)
    for move in subledger.movements:
        if move.kind == prepaid_credits.DRAW:
            drawn[move.cause.key] += move.units
    billed: dict[Key, list[BilledLine]] = defaultdict(list)
    for line in subledger.billed:
        billed[line.key].append(line)
    last = max(
        [accrual.entry.date for accrual in subledger.accruals]
        + [line.entry.date for line in subledger.billed]
        + [clearing.date for clearing in subledger.clearings],
        default=datetime.date.min,
    )
    still_open = subledger.open_unbilled(last)
    found = []
    for key in sorted(set(rated) | set(billed)):
        customer, month, currency = key
        lines = billed.get(key, [])

        def money(units: int, code: str = currency) -> Decimal:
            return precision.from_minor(units, code)

        invoiced = money(sum(line.amount for line in lines)) if lines else None
        first = lines[0] if lines else None
        located = (
            meta.source_of(first.entry, first.entry.postings[first.position - 1])
            if first is not None
            else None
        )
        found.append(
            Row(
                customer,
                month,
                currency,
                money(rated.get(key, 0)),
                money(drawn.get(key, 0)),
                invoiced,
                still_open.get((customer, month_name(month), currency), money(0)),
                shown_tolerance(subledger.policy.tolerance, precision.digits(currency)),
                tuple(accruals.get(key, [])),
                located,
            )
        )
    return found
