"""Customer credits paid out at a rate of their own: what it differs from the pool's is realized.

A customer's credits in a foreign currency are pooled per customer and
currency (`plugins.credits_remeasurement`; nobody's are one pool per
currency, "(unassigned)"), and the pool is carried at the weight of
its postings in the functional currency. Its carrying rate is the
weighted average of what is open: its carrying amount over its open units,
on the day a debit pays out of it, before the debit. A refund typed at a
rate of its own (the bank's dollars for the euros paid back,
`Liabilities:CustomerCredits 30.00 EUR @ 1.25 USD`) takes the euros out at
that rate instead; the entry this module makes (`revclose_kind:
"own-rate"`, the receivable's shape, `ar_entries.paid_out_entry`) moves
the units back at the debit's rate and out at the carrying rate, so the
difference is realized. 30.00 EUR moved to credits at 1.20 (-36.00 USD)
and refunded at 1.25 (37.50 USD paid) lose 1.50 USD:

    2026-01-20 * "Acme" "Exchange difference on CUS-1's EUR credits:
      30.00 EUR paid out at 1.25 USD, carried at 36.00 USD" #cash-application ^CUS-1
      revclose_source: "CUS-1"
      revclose_kind: "own-rate"
      customer: "CUS-1"
      Liabilities:CustomerCredits         30.00 EUR @ 1.2 USD
      Liabilities:CustomerCredits        -30.00 EUR @ 1.25 USD
      Income:ForeignExchange:Realized      1.50 USD

A credit applied to an invoice pays out at the rate its receipt parked it
at (`customer_credits.credit_entry`): in a pool of credits received at
several rates, that is not the average either, and it is realized the
same way. The pool is carried as its open units and their exact weight
(`Held`), and every debit takes its units out at the one carrying rate:

- a pool whose open units all came in at one rate is carried at that rate
  exactly, fractions of a cent included: a debit takes out its units at
  it (30.00 EUR at 1.0836 carried at 32.508 USD, 10.00 EUR of them take
  10.836 out), and one at that rate needs no entry;
- a pool of several rates: a debit takes out the carrying amount in
  proportion to its units, rounded to the functional currency's minor
  unit (half to even), unless it is at the average itself;
- the debit that leaves the pool no units takes all that is left, so the
  pool weighs exactly nothing once its units are 0. Where no one price
  weighs that piece exactly in Beancount's arithmetic (44.97 USD for
  37.87 EUR), it is taken out in two legs at neighbouring prices of six
  significant digits (`legs`).

The pool is read in date order, what is put in on a day before what is
paid out of it (as `customer_credits.Held` reads the account). A debit of
more than the pool holds takes what is held out as above, and the units
beyond overdraw the pool at the debit's own rate: an overdraw is carried
at the rate it was paid out at, never at a rate made of what it cleared
(the customer credits schedule's control reports the credit overdrawn).
A credit into an overdrawn pool is its mirror: it takes the overdraw out
at its carrying rate, and what is beyond opens the pool again at its own,
so a refill starts clean. 30.00 EUR carried at 36.00 refunded as 40.00 at
1.25 (50.00) realize 1.50 on the 30.00 and leave 10.00 EUR overdrawn at
12.50; 12.00 EUR then received at 1.10 realize 12.50 - 11.00 = 1.50 on
the 10.00 and hold 2.00 EUR at 2.20. A posting of a fraction of the
currency's minor unit is left as typed, and so is every posting from
the first one in the foreign currency without a price in the functional
currency, from which the pool is carried in its own currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, credits_remeasurement, customer_credits, fx, meta
from plugins.ar_policy import ArPolicy
from plugins.derecognition import price_of


class PaidOut(NamedTuple):
    """A posting that meets a credit pool at a rate other than the pool's carrying rate.

    A debit out of credits held for the customer, or a credit into an
    overdrawn pool; only the part of it that meets what is open.
    """

    pool: credits_remeasurement.Pool
    move: customer_credits.CreditPosting
    units: int  # the part that meets the pool, in the currency's minor units, as posted
    rate: Decimal  # its own price in the functional currency
    carried: Decimal  # the carrying amount it takes out of the pool, signed as the units


class Held(NamedTuple):
    """What a credit pool holds: its open units and their weight, as posted.

    Negative while held for the customer, positive while overdrawn. `rate`
    is the one rate every open unit came in at, if they all did (the
    weight is then exactly the units at it), else None.
    """

    units: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    rate: Decimal | None = None

    def met(self, number: Decimal) -> Decimal:
        """The part of a posting that takes out what is open: none if it adds to it."""
        if not self.units or (number > 0) == (self.units > 0):
            return Decimal(0)
        return number if abs(number) <= abs(self.units) else -self.units

    def piece(self, number: Decimal, rate: Decimal, digits: int) -> Decimal:
        """The carrying amount `number` units (`met`) at `rate` take out, signed as they are."""
        if number == -self.units:
            return -self.weight  # what is left, to the last fraction of a cent
        if self.rate is not None:
            return number * self.rate
        if rate * self.units == self.weight:
            return number * rate  # at the average
        return fx.quantize(self.weight * number / self.units, digits)

    def taken(self, number: Decimal, piece: Decimal) -> Held:
        """The pool once `number` units (`met`) take `piece` out."""
        if number == -self.units:
            return Held()
        return Held(self.units + number, self.weight + piece, self.rate)

    def added(self, number: Decimal, rate: Decimal) -> Held:
        """The pool once `number` units come in at `rate`, as they are typed."""
        if not self.units and not self.weight:
            one: Decimal | None = rate
        else:
            one = rate if self.rate == rate else None
        return Held(self.units + number, self.weight + number * rate, one)


def paid_out_at_own_rates(
    postings: Iterable[customer_credits.CreditPosting], functional: str, policy: ArPolicy
) -> list[PaidOut]:
    """Returns each posting meeting a foreign-currency credit pool at a rate other than the pool's.

    Args:
      postings: The postings to the credits account, typed and generated,
        each with its customer (`customer_credits.postings`).
      functional: The functional currency.
      policy: The receivables policy (precision).
    """
    digits = policy.precision.digits(functional)
    found: list[PaidOut] = []
    for pool in credits_remeasurement.pools(postings, functional):
        # Stable: in entry order within a day, what is put in first.
        moves = sorted(pool.postings, key=lambda move: (move.entry.date, move.number > 0))
        held = Held()
        for move in moves:
            rate = fx.own_rate(move.posting, functional)
            if rate is None:  # carried in its own currency from then on
                break
            number = move.number
            met = held.met(number)
            units = policy.precision.to_minor(met, pool.currency)
            if met and units is not None:
                piece = _written(held.piece(met, rate, digits), digits)
                if piece != met * rate:
                    found.append(PaidOut(pool, move, units, rate, piece))
                held = held.taken(met, piece)
                number -= met
            if number:
                held = held.added(number, rate)
    return found


def _written(value: Decimal, digits: int) -> Decimal:
    """Returns an amount with the functional currency's decimals, or as few more as it needs."""
    cents = fx.quantize(value, digits)
    return cents if cents == value else value.normalize()


def legs(value: Decimal, number: Decimal, digits: int) -> list[tuple[Decimal, Decimal]]:
    """Returns (units, price) of the legs in which `number` units weigh exactly `value`.

    One leg at `value / number` (`price_of`) where Beancount weighs it at
    the value itself. Else two, at neighbouring prices of six significant
    digits (or as many decimals as the value needs) around the quotient,
    the units at the higher one what the lower leaves of the value, over
    the step between them, in the currency's minor units (`digits`): 37.87
    EUR weighing 44.97 USD (1.18748349...) are 24.63 EUR @ 1.18748 USD and
    13.24 EUR @ 1.18749 USD, 29.2476324 + 15.7223676 = 44.97.
    """
    price = price_of(value, number)
    if number * price == value or not value or (value > 0) != (number > 0):
        return [(number, price)]
    sign = 1 if number > 0 else -1
    whole, worth = abs(number), abs(value)
    quotient = worth / whole
    exponent = worth.as_tuple().exponent
    places = max(5 - quotient.adjusted(), -exponent - digits if isinstance(exponent, int) else 0)
    step = Decimal(1).scaleb(-places)
    low = quotient.quantize(step, rounding=ROUND_DOWN)
    high = low + step
    upper = (worth - whole * low) / step
    minor = Decimal(1).scaleb(-digits)
    exact = upper == upper.quantize(minor) and 0 < upper < whole
    if not exact or (whole - upper) * low + upper * high != worth:
        return [(number, price)]
    return [(sign * (whole - upper), low), (sign * upper, high)]


def entry(paid: PaidOut, policy: ArPolicy, keys: Mapping[str, str]) -> data.Transaction:
    """Returns the entry realizing what a posting at its own rate differs from the carrying amount.

    On the posting's day, at its line, linked to the pool (`Pool.link`)
    and naming it (`revclose_source`). It carries the keys that tell whose
    the posting is (`keys`, `customer_credits.Owner.keys`), so it is read
    into the same pool: of nobody's, the receipt the posting names, if
    any, else nothing, as its payee on its day is the posting's.
    """
    move, functional, pool = paid.move, policy.functional_currency, paid.pool
    assert functional is not None
    number = policy.precision.from_minor(paid.units, move.currency)
    carried = legs(paid.carried, number, policy.precision.digits(move.currency))
    way = ("paid out", "carried") if number > 0 else ("received", "against an overdraw carried")
    whose = f"{pool.customer}'s" if pool.customer else pool.name
    narration = (
        f"Exchange difference on {whose} {move.currency} credits: "
        f"{abs(number)} {move.currency} {way[0]} at {paid.rate} {functional}, "
        f"{way[1]} at {abs(paid.carried)} {functional}"
    )
    extra: dict[str, Any] = {meta.SOURCE: pool.name, ar_entries.KIND: ar_entries.OWN_RATE}
    made = ar_entries.paid_out_entry(
        policy.customer_credits_account,
        (move.entry, move.entry.meta),
        (paid.units, move.currency, paid.rate, carried[0][1]),
        narration,
        frozenset({pool.link}),
        extra | dict(keys),
        policy,
    )
    if len(carried) == 1:
        return made
    # The carrying leg, the one moving the units the way the posting did, in two.
    account = policy.customer_credits_account
    postings: list[data.Posting] = []
    for posting in made.postings:
        if posting.account == policy.realized_fx_account:
            continue
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        if (posting.units.number > 0) == (number > 0):
            postings += [
                ar_entries.leg(account, units, move.currency, price, functional, posting.meta)
                for units, price in carried
            ]
        else:
            postings.append(posting)
    return made._replace(postings=ar_entries.with_realized_difference(postings, policy))


def entries(
    credit_entries: Sequence[data.Transaction],
    owner: customer_credits.Owner,
    policy: ArPolicy,
) -> list[data.Transaction]:
    """Returns the entries realizing what meets customer credits at rates other than the pool's.

    The debits out of a pool, and the credits into an overdrawn one.

    Args:
      credit_entries: Every entry posting to the credits account, typed and generated.
      owner: The rule that tells whose credit each posting moves.
      policy: The receivables policy.
    """
    functional = policy.functional_currency
    if functional is None:
        return []
    account = policy.customer_credits_account
    foreign = credits_remeasurement.foreign_postings(credit_entries, owner, account, functional)
    return [
        entry(paid, policy, owner.keys(paid.move.entry, paid.move.posting))
        for paid in paid_out_at_own_rates(foreign, functional, policy)
    ]
