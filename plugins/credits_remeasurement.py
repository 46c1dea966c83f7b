"""Customer credits in a foreign currency: remeasured at month end, as open receivables are.

A customer credit refundable in cash is a monetary liability (ASC 830): the
euros the books owe a customer are worth, in the functional currency, what
the month end's rate makes them. So at every month end through the books'
horizon, the credits each customer holds in a foreign currency are
remeasured by the receivable's rule (`plugins.fx.unrealized`): the open
units at the ledger's price for that day, less what is left of their
carrying amount, rounded to the functional currency's minor unit, to the
credits' remeasurement account (`credits_remeasurement_account`, default
`Liabilities:CustomerCredits:Remeasurement`) against unrealized exchange
gains and losses, and reversed the next day (`ar_entries.month_end_pair`).

Credits are pooled per customer and currency, not per receipt: an
application pays out of the customer's credits (`plugins.customer_credits`),
so the pool is what is remeasured. Its postings are those to the credits
account that belong to the customer (`customer_credits.Owner`), typed and
generated; of a debit shared among a receipt's parts, the customer's
share, its units at the debit's price (`Owner.reads`). Its carrying
amount is their weight in the functional currency: a credit of 30.00
EUR moved to credits at 1.20 (`-30.00 EUR @ 1.20 USD`)
is carried at -36.00 USD, and each application or refund out of it takes
its share away, at the pool's carrying rate (`plugins.credits_own_rate`
realizes what a debit at another rate differs by). The earlier month
ends' remeasurements are reversed the next day, so they leave nothing of
it. With EUR at 1.25 on Jan 31 the
credit is worth -37.50 USD: 1.50 USD of loss.

    2026-01-31 * "Acme" "FX remeasurement customer credits CUS-1 EUR at 1.25 USD"
      #fx-remeasurement ^CUS-1
      revclose_source: "CUS-1"
      revclose_rate: 1.25
      customer: "CUS-1"
      Income:ForeignExchange:Unrealized           1.50 USD
      Liabilities:CustomerCredits:Remeasurement  -1.50 USD

A pool is remeasured only while each of its postings is priced in the
functional currency: one posting in the foreign currency with no price (an
entity's own euro credits, a refund typed from a euro bank account without
a price) has no functional value, so from its day the pool is carried in
its own currency, as an invoice without a carrying rate is. Postings
without a price that net to nothing on a day move no units and stop
nothing (`unpriced_units`); the legs of a transfer typed without a price
are read by `plugins.credits_own_rate`, which tells the day each pool
stops (`credits_own_rate.Found.stops`), and the month end reads that
day. Deferred revenue and other contract liabilities are non-monetary:
they stay at their historical rate.

The postings that belong to no customer are one pool per currency, the
credits schedule's "(unassigned)": the euros are owed all the same, to
whoever turns out to be owed them. The choice: nobody's cash is one
liability until it is assigned, whatever payee its postings name, if
any, and carried at the weighted average as a customer's pool is. A
refund of nobody's euros need not name the payer it pays back (the
bank's line often names none, or writes it another way), so a pool per
payee would realize it against another pool's carrying rate; one pool
realizes it against the one carrying rate, and the schedule's one row is
the pool. The price of it, as for a customer's pool: one of nobody's
postings without a price stops the whole pool's remeasurement from its
day. A prepayment the bank import types straight to credits by a rule,
naming only its payee, dated before the payee's first invoice, is
nobody's (`customer_credits.Owner` reads the payee by the posting's day,
so a sealed month stays as it was), and stays so once the customer is
billed. 100.00 EUR received at 1.20 on Jan 10 (-120.00 USD) and 100.00
EUR at 1.28 on Jan 12 (-128.00 USD) from another payer are one pool of
-200.00 EUR carried at -248.00 (1.24); EUR at 1.25 on Jan 31, they are
worth -250.00: 2.00 USD of loss, reversed on Feb 1, linked to no
customer:

    2026-01-31 * "FX remeasurement customer credits (unassigned) EUR at 1.25 USD"
      #fx-remeasurement ^unassigned-credits
      revclose_source: "(unassigned)"
      revclose_rate: 1.25
      Income:ForeignExchange:Unrealized           2.00 USD
      Liabilities:CustomerCredits:Remeasurement  -2.00 USD

The pool rule itself (`month_end_differences`) is the one home for every
monetary liability the plugin remeasures: unapplied cash, receipt by
receipt, is remeasured by it too (`plugins.unapplied_remeasurement`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple, Protocol, TypeVar

from beancount.core import data

from plugins import ar_entries, customer_credits, fx
from plugins.ar_policy import ArPolicy
from plugins.customer_credits import UNASSIGNED
from plugins.receipts import link_of

UNASSIGNED_LINK = "unassigned-credits"  # nobody's pool's link: a link cannot hold parentheses


class Pool(NamedTuple):
    """A customer's credits in one currency, as the credits account holds them (or nobody's)."""

    customer: str  # "" for the postings that belong to no customer
    currency: str
    postings: list[customer_credits.CreditPosting]  # in date order, then entry order

    @property
    def name(self) -> str:
        """Whose it is, as its entries name it (`revclose_source`): "CUS-1", "(unassigned)"."""
        return self.customer or UNASSIGNED

    @property
    def link(self) -> str:
        """Its entries' link: its customer's, or "unassigned-credits"."""
        return link_of(self.customer) if self.customer else UNASSIGNED_LINK


def pools(postings: Iterable[customer_credits.CreditPosting], functional: str) -> list[Pool]:
    """Returns the credits in each currency other than the functional one, by customer.

    The postings that belong to no customer are one pool in each currency
    (customer ""), first, whatever payee they name: a credit owed to
    nobody yet is owed all the same, and is one liability until assigned.
    """
    found: dict[tuple[str, str], list[customer_credits.CreditPosting]] = defaultdict(list)
    for posting in postings:
        if posting.currency != functional:
            found[(posting.customer, posting.currency)].append(posting)
    return [
        Pool(customer, currency, sorted(moves, key=lambda move: move.entry.date))
        for (customer, currency), moves in sorted(found.items())
    ]


def foreign_postings(
    credit_entries: Iterable[data.Transaction],
    owner: customer_credits.Owner,
    account: str,
    functional: str,
) -> list[customer_credits.CreditPosting]:
    """Returns the postings to the credits account in a foreign currency, with their customers.

    As the schedule and the matcher read them (`customer_credits.Owner.reads`):
    a debit shared among a receipt's parts is each customer's share, its
    units at the debit's price. The customer is read only of these
    postings: most books' credits are in the functional currency.
    """
    return [
        read
        for entry in credit_entries
        for posting in entry.postings
        if posting.account == account
        and (units := posting.units) is not None
        and units.currency != functional
        for read in owner.reads(entry, posting)
    ]


class Move(Protocol):
    """A posting to a remeasured liability, with its entry and its units' number."""

    @property
    def entry(self) -> data.Transaction: ...

    @property
    def number(self) -> Decimal: ...

    @property
    def posting(self) -> data.Posting: ...


MoveT = TypeVar("MoveT", bound=Move)


def unpriced_units(moves: Iterable[Move], functional: str) -> Decimal:
    """Returns the units a day's postings without a price in the functional currency move, net.

    Such a posting has no functional weight, so a pool it moves units of is
    carried in its own currency from its day. Those that net to nothing on
    a day leave the pool's units and carrying amount as they were, and stop
    nothing: CUS-1 refunded 100.00 EUR from a euro bank account and sending
    100.00 EUR to it, both unpriced, on one day. Of customer credits, the
    legs of a transfer are not among them (`plugins.credits_own_rate.netted`).
    """
    return sum(
        (move.number for move in moves if fx.own_rate(move.posting, functional) is None),
        Decimal(0),
    )


def unpriced_days(moves: Sequence[MoveT], functional: str) -> Iterator[list[MoveT]]:
    """Yields the postings of each day whose postings without a price move units, in date order.

    Each such day's postings without a price in the functional currency
    net to units (`unpriced_units`): they move the pool's units and none
    of its carrying amount.
    """
    for _, moved in groupby(moves, key=lambda move: move.entry.date):
        day = list(moved)
        if unpriced_units(day, functional):
            yield day


class MonthEndDifference(NamedTuple):
    """A pool's unrealized difference at one month end, in functional minor units."""

    day: datetime.date
    units: int  # positive: a gain (the liability owed is worth less)
    rate: Decimal


def month_end_differences(
    moves: Sequence[Move],
    currency: str,
    rates: fx.Rates,
    policy: ArPolicy,
    through: datetime.date,
    stop: datetime.date | None,
) -> list[MonthEndDifference]:
    """Returns the month-end remeasurements of a pool of a monetary liability in one currency.

    The one rule for a customer's credits (pooled per customer) and a
    receipt's unapplied cash (`plugins.unapplied_remeasurement`): at each
    month end, the open units at the ledger's price less what is left of
    their carrying amount, the weights of the postings through the day
    (`plugins.fx.unrealized`). From `stop` the pool is carried in its own
    currency: a customer's credits from the day its own-rate pass stopped
    it (`plugins.credits_own_rate.Found`), a receipt's from the day its
    own-rate pass stopped it (`plugins.unapplied_own_rate.stopped`). Those
    before it without a price weigh nothing: they net to nothing.

    Args:
      moves: The pool's postings, in date order, then entry order.
      currency: Their currency, not the functional one.
      rates: The ledger's prices.
      policy: The receivables policy (precision).
      through: The books' horizon: no month end after it is remeasured.
      stop: The day the pool is carried in its own currency from, if any.
    """
    functional = rates.functional
    if functional is None or not moves:
        return []
    made: list[MonthEndDifference] = []
    last = moves[-1].entry.date
    open_amount = carried = Decimal(0)
    read = 0  # the postings read: those through the month end
    for day in fx.month_ends(moves[0].entry.date, through):
        if stop is not None and stop <= day:  # carried in its own currency from then on
            break
        while read < len(moves) and moves[read].entry.date <= day:
            move = moves[read]
            value = fx.own_rate(move.posting, functional)
            if value is not None:
                open_amount += move.number
                carried += move.number * value
            read += 1
        if not open_amount and day >= last:
            break
        rate = rates.price(currency, day)
        if not open_amount or rate is None:
            continue
        units = fx.unrealized(open_amount, rate, carried, functional, policy)
        if units:
            made.append(MonthEndDifference(day, units, rate))
    return made


class Remeasured(NamedTuple):
    """A pool's unrealized difference at a month end, in functional minor units."""

    pool: Pool
    day: datetime.date
    units: int  # positive: a gain (the credit owed is worth less)
    rate: Decimal


def remeasurements(
    postings: Iterable[customer_credits.CreditPosting],
    rates: fx.Rates,
    policy: ArPolicy,
    through: datetime.date,
    stops: Mapping[tuple[str, str], datetime.date],
) -> list[Remeasured]:
    """Returns the month-end remeasurements of every customer's foreign-currency credits.

    Args:
      postings: The postings to the credits account, typed and generated,
        each with its customer (`customer_credits.postings`).
      rates: The ledger's prices.
      policy: The receivables policy (precision, functional currency).
      through: The books' horizon: no month end after it is remeasured.
      stops: The day each pool stopped on, by customer and currency
        (`plugins.credits_own_rate.Found`).
    """
    functional = rates.functional
    if functional is None:
        return []
    return [
        Remeasured(pool, *difference)
        for pool in pools(postings, functional)
        for difference in month_end_differences(
            pool.postings,
            pool.currency,
            rates,
            policy,
            through,
            stops.get((pool.customer, pool.currency)),
        )
    ]


def entries(
    credit_entries: Sequence[data.Transaction],
    owner: customer_credits.Owner,
    rates: fx.Rates,
    policy: ArPolicy,
    through: datetime.date,
    stops: Mapping[tuple[str, str], datetime.date],
) -> list[data.Transaction]:
    """Returns the month-end remeasurements of customer credits and their reversals.

    Each is located at the pool's first posting, linked to the
    customer and naming it (`customer`, `revclose_source`); of nobody's
    credits, linked `^unassigned-credits`, its source "(unassigned)", with
    no customer and no payee.

    Args:
      credit_entries: Every entry posting to the credits account, typed and generated.
      owner: The rule that tells whose credit each posting moves.
      rates: The ledger's prices.
      policy: The receivables policy.
      through: The books' horizon.
      stops: The day each pool stopped on (`plugins.credits_own_rate.Made`).
    """
    functional = rates.functional
    if functional is None:
        return []
    foreign = foreign_postings(credit_entries, owner, policy.customer_credits_account, functional)
    made: list[data.Transaction] = []
    for remeasured in remeasurements(foreign, rates, policy, through, stops):
        pool = remeasured.pool
        first = pool.postings[0].entry
        of = ar_entries.MonthEnd(
            first.meta,
            f"customer credits {pool.name} {pool.currency}",
            pool.name,
            pool.link,
            pool.customer,
            first.payee if pool.customer else None,  # nobody's: its first payee is not the pool's
        )
        made += ar_entries.month_end_pair(
            of,
            remeasured.day,
            remeasured.units,
            remeasured.rate,
            functional,
            policy.credits_remeasurement_account,
            policy,
        )
    return made
