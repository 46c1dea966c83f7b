"""Usage obligations: variable consideration at contract rates (ASC 606-10-32-5 to 32-14).

Usage is allocated to the usage obligation alone (the allocation exception of
606-10-32-40: the consideration relates to that obligation and to nothing
else), so it never enters the relative SSP allocation of the fixed price. Its
revenue, month by month in the month each usage line is booked:

- **At contract rates**: what each usage line bills (a revenue posting of the
  contract with `quantity`, naming the obligation or on its revenue account).
- **Minimum commitment** (`minimum` over `start` to `end`): usage of the period
  (by `service_end`, else the invoice date) is recognized as billed; at the
  end of the period, a shortfall (the minimum less the period's usage) is
  recognized as revenue, at the month end of `end` or of the period's last
  usage line if booked later. It is billed by a true-up line on the usage
  obligation's revenue account without `quantity`.
- **Retroactive volume tiers** (`volume_tiers`, `rate`, `expected_quantity`):
  when the quantity of the period reaches a tier, every unit of the period is
  priced at that tier's price. Revenue is recognized at the expected average
  price, the price of the tier `expected_quantity` reaches, times the units
  used; at the end of the period the actual tier prices the period's units and
  the difference is caught up. The estimate is the constraint of 32-11: set
  `expected_quantity` to a volume you do not expect to fall short of.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from plugins.currency import Precision
from plugins.obligations import Obligation
from plugins.schedule import Piece, month_end, share


@dataclass(frozen=True)
class UsageLine:
    """A usage line of a contract's invoice."""

    booked: datetime.date  # The invoice's date.
    served: datetime.date  # The end of the service it bills (else the invoice date).
    quantity: Decimal
    billed: int  # Minor units billed, credit positive.


def tier_price(obligation: Obligation, quantity: Decimal) -> Decimal | None:
    """Returns the unit price of every unit when a period's quantity is `quantity`."""
    terms = obligation.usage
    if terms is None or not terms.tiers:
        return None
    price = terms.rate
    for threshold, unit_price in terms.tiers:
        if quantity >= threshold:
            price = unit_price
    return price


def expected_price(obligation: Obligation) -> Decimal | None:
    """Returns the expected average price: the tier the expected quantity reaches."""
    terms = obligation.usage
    if terms is None or terms.expected_quantity is None:
        return None
    return tier_price(obligation, terms.expected_quantity)


def _value(quantity: Decimal, price: Decimal, currency: str, precision: Precision) -> int:
    return share(1, Fraction((quantity * price).scaleb(precision.digits(currency))))


def _in_period(obligation: Obligation, line: UsageLine) -> bool:
    start, end = obligation.start, obligation.end
    return start is not None and end is not None and start <= line.served <= end


def usage_pieces(
    obligation: Obligation, lines: Sequence[UsageLine], precision: Precision
) -> list[Piece]:
    """Returns the revenue of a usage obligation by month end, in minor units (credit positive)."""
    totals: dict[datetime.date, int] = {}

    def add(date: datetime.date, units: int) -> None:
        totals[date] = totals.get(date, 0) + units

    period = sorted(
        (line for line in lines if _in_period(obligation, line)), key=lambda line: line.booked
    )
    for line in lines:
        if not _in_period(obligation, line):
            add(month_end(line.booked), line.billed)
    terms = obligation.usage
    if obligation.end is None or terms is None:
        return sorted(totals.items())
    price = expected_price(obligation)
    quantity, billed, recognized = Decimal(0), 0, 0
    for line in period:
        quantity += line.quantity
        billed += line.billed
        reached = (
            billed if price is None else _value(quantity, price, obligation.currency, precision)
        )
        add(month_end(line.booked), reached - recognized)
        recognized = reached
    actual_price = tier_price(obligation, quantity)
    actual = (
        billed
        if actual_price is None
        else _value(quantity, actual_price, obligation.currency, precision)
    )
    final = max(actual, terms.minimum)
    last = max([obligation.end, *(line.booked for line in period)])
    add(month_end(last), final - recognized)
    return [(date, units) for date, units in sorted(totals.items()) if units]
