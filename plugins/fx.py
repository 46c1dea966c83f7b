"""Foreign-currency receivables: carrying rates and month-end remeasurement.

The functional currency is `functional_currency` in `config/ar.yaml`, else the
ledger's first `operating_currency`. A receivable in another currency is
carried at a rate in the functional currency:

- the price on its receivable posting, as Beancount needs it to balance an
  invoice billed in EUR and booked in USD (`30.00 EUR @ 1.20 USD`);
- else the ledger's price of its currency (`price` directives) on its date,
  or the latest before it.

An item with neither has no carrying rate: it is carried in its own currency
(its entity's functional currency, say), never remeasured, and paid only by
receipts in that currency. A receipt's rate is found the same way, from its
unapplied cash posting and its date.

At every month end through the books' horizon (the month end of their latest
typed transaction, plugins.horizon), each open item with a carrying rate is
remeasured at the ledger's price for that date: the open amount at that
price less what is left of its carrying amount (`carried_value`) goes to the
remeasurement account against unrealized exchange gains and losses, and is
reversed the next day. Customer credits in a foreign currency are remeasured
by the same rule (`unrealized`), pooled per customer and currency
(`plugins.credits_remeasurement`).

A typed posting that settles a carried item at a rate of its own (a bank
line crediting `-30.00 EUR @ 1.10 USD` straight to an invoice carried at
1.20) is a settlement at another rate than the item's: `settled_at_own_rate`
finds it, so that the difference is realized as a cash application's is.

A payment in an item's own currency with a rate on one side only cannot
settle it: the units move unpriced, and what the rated side carries in the
functional currency stays behind with nothing open. It is an error
(`without_a_rate`), whatever the route, and one rule reads the payment's
rate (`payment_rate`): an `@` price typed on it in the functional currency;
else, only to pay an item carried at a rate, the ledger's price on or
before its day; else none. So it reads:

- a receipt through unapplied cash (`plugins.cash_application`): 40.00 EUR
  typed without a price pay an invoice carried in EUR alone unpriced,
  whatever EUR was worth that day (nothing is left behind), and one
  carried at 1.20 at the day's 1.10 (40 x (1.20 - 1.10) = 4.00 USD of
  loss realized);
- a customer's credit (`plugins.customer_credits`) as the receipt that
  parked it: its rate is the one it was parked at when that came from a
  price typed on the receipt; parked without one it has none of its own,
  and pays an item carried at a rate at the ledger's price on the
  application's day, an item carried alone unpriced;
- any other typed posting to an item, a credit note netted to it
  (`plugins.credit_notes`), a receipt posted straight, a payment or a
  write-off typed by hand, a returned payment (`paid_with_one_rate`): of
  an item carried at a rate, without a price of its own on a day with no
  ledger price on or before it, the plugin weighs it at the carrying rate
  and the general ledger at nothing (10.00 EUR to an invoice at 1.20, a
  break of 12.00 USD with nothing open); of an item carried alone, at a
  price of its own (`-40.00 EUR @ 1.10 USD` leaves -44.00 USD with nothing
  open).

With no ledger price on or before its day it is reported, at the
posting's line (or the receipt's, for a credit), and the message asks for
the price that fixes it. With one, a posting to an item carried at a rate
is no error: the plugin weighs it at the carrying rate (`value_of`), the
aging at the day's price, and its functional tie shows any difference.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from beancount.core import data, prices

from plugins import meta
from plugins.ar_policy import ArPolicy
from plugins.receipts import posted_straight
from plugins.receivables import Finding, Item, Movement, Subledger
from plugins.schedule import month_end

_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Remeasurement:
    """An open item's unrealized exchange difference at a month end, in functional minor units."""

    item: Item
    day: datetime.date
    units: int  # positive: a gain
    rate: Decimal
    currency: str  # the functional currency


def own_rate(posting: data.Posting, functional: str | None) -> Decimal | None:
    """Returns a posting's own price in the functional currency (`@ 1.10 USD`), or None."""
    price = posting.price
    if price is None or functional is None or price.currency != functional:
        return None
    return Decimal(price.number) if price.number is not None else None


class Rates:
    """The ledger's prices of each currency in the functional currency."""

    def __init__(self, entries: Sequence[data.Directive], functional: str | None) -> None:
        self.functional = functional
        self._entries = entries
        self._map: Any = None

    def price(self, currency: str, day: datetime.date) -> Decimal | None:
        """Returns the latest price of `currency` on or before `day`, or None."""
        if self.functional is None:
            return None
        if currency == self.functional:
            return Decimal(1)
        if self._map is None:
            self._map = prices.build_price_map(self._entries)  # type: ignore[no-untyped-call]
        _, rate = prices.get_price(self._map, (currency, self.functional), day)  # type: ignore[no-untyped-call]
        return rate if isinstance(rate, Decimal) else None

    def of_posting(self, posting: data.Posting, day: datetime.date) -> Decimal | None:
        """Returns a posting's rate: its own price in the functional currency, else the ledger's.

        A posting in the functional currency has no rate: it needs none.
        """
        units = posting.units
        if self.functional is None or units is None or units.currency == self.functional:
            return None
        own = own_rate(posting, self.functional)
        return own if own is not None else self.price(units.currency, day)

    def carrying(self, item: Item) -> Decimal | None:
        """Returns an open item's carrying rate, or None if it is carried in its own currency."""
        return self.of_posting(item.origin.posting, item.date)


def value_of(movement: Movement, carrying: Decimal, functional: str) -> Decimal:
    """Returns a carried item's posting in the functional currency: its weight.

    A posting priced in the functional currency weighs its units at that
    price (`-50.00 EUR @ 1.0836 USD` is -54.18 USD); one without such a
    price is counted at the item's carrying rate, as the plugin carries it.
    """
    posting = movement.posting
    assert posting.units is not None and isinstance(posting.units.number, Decimal)
    rate = own_rate(posting, functional)
    return posting.units.number * (carrying if rate is None else rate)


def carried_value(
    item: Item, carrying: Decimal, functional: str, through: datetime.date | None = None
) -> Decimal:
    """Returns what is left of an item's carrying amount at the end of a day (default: ever).

    It is the weight of its postings in the functional currency (`value_of`):
    the invoice's carrying amount less what each application derecognized of
    it (`plugins.derecognition`), so the receivable's weight in the general
    ledger is the sum of its items' carried values.
    """
    return sum(
        (
            value_of(movement, carrying, functional)
            for movement in item.movements
            if through is None or movement.date <= through
        ),
        Decimal(0),
    )


def quantize(number: Decimal, digits: int) -> Decimal:
    """Returns `number` rounded half to even to `digits` decimals.

    What rounds to nothing is 0.00, never -0.00: a receivable that weighs
    -2E-27 USD (a price that does not end) is shown, and posted, as 0.00.
    """
    rounded = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    return rounded if rounded else abs(rounded)


def month_ends(first: datetime.date, through: datetime.date) -> Iterable[datetime.date]:
    """Yields the month ends from `first`'s through `through` (the books' horizon)."""
    day = month_end(first)
    while day <= through:
        yield day
        day = month_end(day + _ONE_DAY)


def unrealized(
    open_amount: Decimal, rate: Decimal, carried: Decimal, functional: str, policy: ArPolicy
) -> int:
    """Returns a month end's unrealized difference, in functional minor units (positive: a gain).

    It is the open amount at the month end's rate, rounded half to even to
    the functional currency's minor unit, less what is left of its
    carrying amount: the one rule for an open receivable, a customer's
    credit and unapplied cash (`plugins.credits_remeasurement`), so what
    is carried plus the difference is the open amount's value rounded.
    30.00 EUR receivable carried at 36.00 USD, EUR at 1.25: 37.50 - 36.00 =
    1.50 USD of gain; a credit of 30.00 EUR (-30.00) carried at -36.00 USD:
    -37.50 + 36.00 = -1.50, a loss. At a half cent the value rounds, not
    the difference: 2.25 EUR owed, carried at -2.25 USD, EUR at 1.06, are
    worth -2.385, so -2.38 and a difference of -0.13 (the difference
    rounded, -0.135 to -0.14, would make them worth -2.39). A carrying
    amount in fractions of a cent (100.01 EUR at 1.2345 weigh 123.462345
    USD) leaves the value within half a cent of the exact one: the
    difference is then rounded.
    """
    digits = policy.precision.digits(functional)
    value = open_amount * rate
    if carried == quantize(carried, digits):
        change = quantize(value, digits) - carried
    else:
        change = quantize(value - carried, digits)
    return policy.precision.to_minor(change, functional) or 0


def remeasurements(
    subledger: Subledger, rates: Rates, policy: ArPolicy, through: datetime.date
) -> list[Remeasurement]:
    """Returns the month-end remeasurements of every open item with a carrying rate.

    Args:
      subledger: The open items, with every application already in them.
      rates: The ledger's prices.
      policy: The receivables policy (accounts and precision).
      through: The books' horizon: no month end after it is remeasured.
    """
    functional = rates.functional
    if functional is None:
        return []
    made: list[Remeasurement] = []
    for item in sorted(subledger.foreign(functional), key=lambda item: item.id):
        billed = rates.carrying(item)
        last_move = item.movements[-1].date
        for day in month_ends(item.movements[0].date, through):
            # Before its document's day the item is what the books through
            # that day know of it: cash posted to it, at the cash's rate.
            known = item.known_through(day)
            assert known is not None  # the first month end is on or after its first posting
            carrying = billed if known is item else rates.carrying(known)
            if carrying is None:
                continue
            balance = item.balance(day)
            if not balance and day >= last_move:
                break
            rate = rates.price(item.currency, day)
            if not balance or rate is None:
                continue
            open_amount = policy.precision.from_minor(balance, item.currency)
            carried = carried_value(item, carrying, functional, day)
            units = unrealized(open_amount, rate, carried, functional, policy)
            if units:
                made.append(Remeasurement(known, day, units, rate, functional))
    return made


class OwnRate(NamedTuple):
    """A typed posting to a carried item at a rate other than the item's carrying rate."""

    item: Item
    movement: Movement
    rate: Decimal  # the posting's own price in the functional currency
    carrying: Decimal


def settled_at_own_rate(subledger: Subledger, rates: Rates) -> list[OwnRate]:
    """Returns each typed posting after an item's document priced at another rate than the item.

    Only an item the books post to more than once can have one, and only
    one in a foreign currency with a carrying rate; a posting without its
    own price in the functional currency has no rate to differ.
    """
    functional = rates.functional
    found: list[OwnRate] = []
    for item, carrying, movement in typed_foreign_movements(subledger, rates):
        if carrying is None:
            continue
        rate = own_rate(movement.posting, functional)
        if rate is not None and rate != carrying:
            if movement.date < item.date:  # paid before it is billed: settled on its day
                movement = movement._replace(date=item.date)
            found.append(OwnRate(item, movement, rate, carrying))
    return found


def typed_foreign_movements(
    subledger: Subledger, rates: Rates
) -> Iterable[tuple[Item, Decimal | None, Movement]]:
    """Yields each typed posting after its document to an item in a foreign currency.

    With the item and its carrying rate (`Rates.carrying`, None if carried
    in its own currency alone). Only an item the books post to more than
    once has one; none without a functional currency, nor in books whose
    items are all in it (most books: nothing to walk).
    """
    functional = rates.functional
    if functional is None or set(subledger.by_currency) <= {functional}:
        return
    items = subledger.items
    for invoice in subledger.several:
        item = items[invoice]
        if item.currency == functional:
            continue
        carrying = rates.carrying(item)
        for movement in item.movements:
            if movement is item.origin or meta.GENERATED_BY in movement.entry.meta:
                continue
            yield item, carrying, movement


def payment_rate(
    own: Decimal | None,
    currency: str,
    day: datetime.date,
    carrying: Decimal | None,
    rates: Rates,
) -> Decimal | None:
    """Returns the rate of a payment in an item's own currency, for `without_a_rate`.

    Its own price in the functional currency (`@ 1.10 USD`, `own_rate`);
    else, only when the item is carried at a rate, the ledger's price on or
    before its day (a receipt typed without a price is applied at the day's
    price). An item carried in its own currency alone is paid by units
    without a price as it carries them, whatever the ledger's price: 40.00
    EUR received Feb 1 without a price, EUR at 1.10 since Jan 15, pay 40.00
    EUR of an invoice billed Jan 1 (carried in EUR alone) with no rate on
    either side, so no error; paying an invoice carried at 1.20 they are
    worth 1.10, and with no EUR price on or before Feb 1, nothing. The one
    rule of every payer: a receipt, a posting typed to the item, a
    customer's credit (its own rate the one it was parked at when its
    receipt had a typed price).

    Args:
      own: The payment's own rate: the price typed on its posting (the
        receipt's unapplied cash posting, or its receivable posting when
        posted straight to the item), or a credit's typed rate; or None.
      currency: The payment's currency.
      day: The payment's date (a credit's: the application's).
      carrying: The item's carrying rate (`Rates.carrying`), or None.
      rates: The ledger's prices.
    """
    if currency == rates.functional:
        return None
    if own is not None or carrying is None:
        return own
    return rates.price(currency, day)


def without_a_rate(
    payer: str,
    paid: tuple[datetime.date, Decimal | None],
    item: Item,
    carrying: Decimal | None,
    functional: str | None,
    priced: str | None,
) -> str | None:
    """Returns why a payment in an item's own currency, one side without a rate, cannot settle.

    The payment is worth its rate (`payment_rate`: a receipt's, a typed
    posting's, a customer credit's); the item is carried at its
    carrying rate. With a rate on one side only, the units move unpriced
    and what the other side carries in the functional currency stays
    behind with nothing open, realized nowhere: of the item in the
    receivable, of the payment where its cash is (unapplied cash, customer
    credits, or the receivable when posted straight to it). The books need
    the missing side's price. INV-E1 100.00 EUR billed Jan 1, before EUR's
    first price, paid 40.00 EUR by `-40.00 EUR @ 1.10 USD` leaves 0 - 44.00
    = -44.00 USD with nothing open.

    Args:
      payer: The payment as the message names it, e.g. "Receipt 'R-1'".
      paid: Its date and its rate in the functional currency, or None.
      item: The item it pays, in the payment's currency.
      carrying: The item's carrying rate (`Rates.carrying`), or None.
      functional: The functional currency.
      priced: The posting an '@' price would go on, e.g. "its unapplied cash
        posting"; None for a customer credit without a rate, which only the
        ledger's price on or before the day fixes
        (`plugins.customer_credits.unrated`).
    """
    day, rate = paid
    if (carrying is None) == (rate is None):
        return None
    currency = item.currency
    if rate is not None:
        return (
            f"{payer} at {rate} {functional} pays '{item.id}', carried "
            f"in {currency} alone: the exchange difference is not realized; expected an '@' "
            f"price on its receivable posting or a {currency} price in {functional} on or "
            f"before {item.date}"
        )
    on = f"an '@' price on {priced} or " if priced is not None else ""
    return (
        f"{payer} in {currency} has no rate in {functional} on {day} to pay "
        f"'{item.id}', carried at {carrying} {functional}: the exchange difference is not "
        f"realized; expected {on}a {currency} price in {functional} on or before {day}"
    )


def paid_with_one_rate(subledger: Subledger, rates: Rates) -> list[Finding]:
    """Returns an error for each typed posting with a rate on one side only of the item it moves.

    A bank line posting a USD wire straight to an invoice at the day's rate
    (`Assets:AccountsReceivable -40.00 EUR @ 1.10 USD`) pays 40.00 EUR of
    an invoice billed before EUR's first price, so carried in EUR alone:
    the posting weighs -44.00 USD that nothing open carries. Its mirror, a
    posting without a price (`-10.00 EUR`) to an invoice carried at 1.20,
    with no EUR price in the ledger on or before its day, moves euros with
    no rate: the plugin carries them at 1.20 (`value_of`, -12.00 USD) and
    the general ledger at nothing, a break of 12.00 USD with nothing open.
    Every typed posting after the item's document is read so, whatever it
    is: a receipt posted straight, a payment or a write-off typed by hand,
    a returned payment or a refund (a debit, the same break with the other
    sign). Each is `without_a_rate`'s error at the posting's line, its rate
    `payment_rate`'s; the payer is named by what the posting is ("Credit
    note 'CN-1'", "Receipt 'BR-1'", else "The posting of 2026-02-01"). A
    credit note netted by the plugin is read where it is netted
    (`plugins.credit_notes.net`). (With a ledger price that day, the
    posting has a rate: weighed at 1.20 by the plugin and at the day's
    price by the aging, it is the aging's functional tie to show.)
    """
    functional = rates.functional
    found: list[Finding] = []
    for item, carrying, movement in typed_foreign_movements(subledger, rates):
        own = own_rate(movement.posting, functional)
        rate = payment_rate(own, item.currency, movement.date, carrying, rates)
        paid = (movement.date, rate)
        priced = "its receivable posting"
        message = without_a_rate(payer(movement), paid, item, carrying, functional, priced)
        if message is not None:
            found.append((movement.source, message, movement.entry))
    return found


def payer(movement: Movement) -> str:
    """Returns how an error names a typed posting to an item: by what it is, where cheap.

    A credit note's ("Credit note 'CN-1'", its entry names what it
    `credits`), a receipt's (a credit with a receipt id, "Receipt 'BR-1'"),
    else by its day ("The posting of 2026-02-01").
    """
    entry = movement.entry
    if meta.CREDITS in entry.meta:
        return f"Credit note '{entry.meta.get(meta.INVOICE, movement.date)}'"
    receipt = posted_straight(movement)
    return f"Receipt '{receipt}'" if receipt else f"The posting of {movement.date}"
