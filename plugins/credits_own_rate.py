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

A credit applied to an invoice pays out at its rate read as its
receipt's (`fx.payment_rate`, `customer_credits.credit_entry`): the rate
its receipt's typed price parked it at, else, paying an item carried at
a rate, the ledger's price on the application's day. In a pool of
credits received at several rates that is not the average either, and
it is realized the same way. The pool is carried as its open units and their exact weight
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
  significant digits (`derecognition.legs`).

The pool is read in date order, what is put in on a day before what is
paid out of it (as `customer_credits.Held` reads the account), each
smallest first whatever the file's order (`day_order`).
A debit of more than the pool holds takes what is held out as above, and
the units beyond overdraw the pool at the debit's own rate: an overdraw
is carried at the rate it was paid out at, never at a rate made of what
it cleared (the customer credits schedule's control reports the credit
overdrawn).
A credit into an overdrawn pool is its mirror: it takes the overdraw out
at its carrying rate, and what is beyond opens the pool again at its own,
so a refill starts clean. 30.00 EUR carried at 36.00 refunded as 40.00 at
1.25 (50.00) realize 1.50 on the 30.00 and leave 10.00 EUR overdrawn at
12.50; 12.00 EUR then received at 1.10 realize 12.50 - 11.00 = 1.50 on
the 10.00 and hold 2.00 EUR at 2.20. A posting of a fraction of the
currency's minor unit is left as typed, and so is every posting from
the first one in the foreign currency without a price in the functional
currency, from which the pool is carried in its own currency (those
outside transfers netting to nothing in the pool on their day stop
nothing, `netted`). Its month-end remeasurement reads the day each pool
stops from here (`Found.stops`), so the two never differ.

A transfer between credit pools is read into them here too, day by day
with the rest (`paid_out_at_own_rates`); it realizes nothing, the
carrying amount moving with the units (`plugins.credit_transfers`, which
also makes the entry restating it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import groupby
from typing import Any, NamedTuple

from beancount.core import data

from plugins import (
    ar_entries,
    credit_transfers,
    credits_remeasurement,
    customer_credits,
    derecognition,
    fx,
    meta,
)
from plugins.ar_policy import ArPolicy


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

    def piece(self, number: Decimal, rate: Decimal | None, digits: int) -> Decimal:
        """The carrying amount `number` units (`met`) at `rate` take out, signed as they are."""
        if number == -self.units:
            return -self.weight  # what is left, to the last fraction of a cent
        if self.rate is not None:
            return number * self.rate
        if rate is not None and rate * self.units == self.weight:
            return number * rate  # at the average
        return fx.quantize(self.weight * number / self.units, digits)

    def taken(self, number: Decimal, piece: Decimal) -> Held:
        """The pool once `number` units (`met`) take `piece` out."""
        if number == -self.units:
            return Held()
        return Held(self.units + number, self.weight + piece, self.rate)

    def added(self, number: Decimal, weight: Decimal, rate: Decimal | None) -> Held:
        """The pool once `number` units come in weighing `weight`, all at `rate` if given."""
        one = rate if rate is not None and number * rate == weight else None
        if self.units or self.weight:
            one = one if self.rate == one else None
        return Held(self.units + number, self.weight + weight, one)


class Met(NamedTuple):
    """How a posting meets a pool: the part of it that takes out what is open, and at what."""

    units: int  # the part (`Held.met`) in the currency's minor units, 0 if none
    piece: Decimal  # the carrying amount it takes out of the pool
    share: Decimal  # the part of the posting's own weight it weighs

    def restated(self, weight: Decimal) -> Decimal:
        """The weight of a posting weighing `weight` once the part takes `piece` out."""
        return weight - self.share + self.piece


def meet(
    held: Held,
    posting: tuple[Decimal, Decimal, Decimal | None],
    currency: str,
    policy: ArPolicy,
    digits: int,
) -> tuple[Held, Met]:
    """Returns the pool once a posting (units, weight, rate if one) is read into it, and how.

    The part that meets what is open takes its carrying amount out
    (`Held.piece`); the rest comes in at its share of the posting's weight.
    """
    number, weight, rate = posting
    met = held.met(number)
    units = policy.precision.to_minor(met, currency)
    if not met or units is None:
        return held.added(number, weight, rate), Met(0, Decimal(0), Decimal(0))
    piece = derecognition.written(held.piece(met, rate, digits), digits)
    if met == number:
        share = weight
    else:
        share = met * rate if rate is not None else fx.quantize(weight * met / number, digits)
    held = held.taken(met, piece)
    if met != number:
        held = held.added(number - met, weight - share, rate)
    return held, Met(units, piece, share)


class Found(NamedTuple):
    """What meets the credit pools at rates other than theirs: payouts, and transfers to restate.

    And the day each pool stopped on (`_Pools.rate`), from which it is
    carried in its own currency: its month-end remeasurement reads it
    (`credits_remeasurement.month_end_differences`), so both read it alike.
    """

    paid: list[PaidOut]
    transfers: list[credit_transfers.Transfer]
    stops: dict[tuple[str, str], datetime.date]  # by (customer, currency)


def netted(postings: Iterable[customer_credits.CreditPosting], functional: str) -> set[int]:
    """Returns the postings without a price that net to nothing in their pool on their day.

    By `id`; they stop no pool (`credits_remeasurement.unpriced_units`).
    `postings` are those outside transfers: a transfer's legs net with
    nothing else (`_Pools.rate`).
    """
    days: dict[tuple[str, str, datetime.date], list[customer_credits.CreditPosting]]
    days = defaultdict(list)
    for move in postings:
        days[(move.customer, move.currency, move.entry.date)].append(move)
    return {
        id(move)
        for moves in days.values()
        if not credits_remeasurement.unpriced_units(moves, functional)
        for move in moves
        if fx.own_rate(move.posting, functional) is None
    }


class _Pools:
    """The credit pools as read so far (`Held`), and those carried in their own currency."""

    def __init__(
        self,
        found: Iterable[credits_remeasurement.Pool],
        functional: str,
        policy: ArPolicy,
        stop_nothing: set[int],
    ) -> None:
        self.policy, self.functional = policy, functional
        self.digits = policy.precision.digits(self.functional)
        self.pools = {(pool.customer, pool.currency): pool for pool in found}
        self.held: dict[tuple[str, str], Held] = defaultdict(Held)
        # The day each pool stopped on: carried in its own currency from it.
        self.stopped: dict[tuple[str, str], datetime.date] = {}
        self.stop_nothing = stop_nothing  # unpriced postings that stop no pool (`netted`)

    def rate(self, move: customer_credits.CreditPosting) -> Decimal | None:
        """Returns a posting's own rate; None, from then on, once its pool has none.

        **The one rule of when a pool stops**: on the day of its first
        posting without a price in the functional currency, but for those
        that net to nothing with the day's others outside transfers
        (`netted`), the legs of a transfer restated (`pool_legs`, never read
        here: the restating entry moves them back) and a transfer's legs of
        a pool they net to nothing in (`credit_transfers._nets`, read not
        at all). A transfer read as typed is read here leg by leg: its
        unpriced legs stop their pools.
        """
        key = (move.customer, move.currency)
        rate = fx.own_rate(move.posting, self.functional)
        if rate is None and id(move) not in self.stop_nothing:
            self.stopped.setdefault(key, move.entry.date)
        return None if key in self.stopped else rate

    def read(
        self, move: customer_credits.CreditPosting, weight: Decimal, rate: Decimal | None
    ) -> Met:
        """Reads a posting weighing `weight` into its pool; returns how it met it."""
        key = (move.customer, move.currency)
        self.held[key], met = meet(
            self.held[key], (move.number, weight, rate), move.currency, self.policy, self.digits
        )
        return met

    def holds(self, debits: Iterable[customer_credits.CreditPosting]) -> bool:
        """Whether each pool holds all that `debits` take out of it, overdrawing none."""
        taken: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for move in debits:
            taken[(move.customer, move.currency)] += move.number
        return all(-self.held[key].units >= number for key, number in taken.items())

    def paid(self, move: customer_credits.CreditPosting) -> list[PaidOut]:
        """Reads a posting at its own rate; returns it if it meets the pool at another."""
        rate = self.rate(move)
        if rate is None:
            return []
        met = self.read(move, move.number * rate, rate)
        if met.piece == met.share:
            return []
        pool = self.pools[(move.customer, move.currency)]
        return [PaidOut(pool, move, met.units, rate, met.piece)]

    def pool_legs(
        self, legs: Sequence[customer_credits.CreditPosting], weight: Decimal
    ) -> list[credit_transfers.Leg]:
        """Reads a pool's legs of a transfer, net, moving `weight`; a stopped pool reads nothing.

        Each leg moves its share of what the pool's net moves, by units
        (`credit_transfers._nets`): all at one rate, so legs between its
        contracts cancel.
        """
        move = legs[0]
        key = (move.customer, move.currency)
        net = sum((leg.number for leg in legs), Decimal(0))
        if key not in self.stopped:  # else carried in its own currency: it holds what it is moved
            at = weight / net  # one rate, if exact in Decimal's 28 digits
            met = self.read(move._replace(number=net), weight, at if at * net == weight else None)
            weight = met.restated(weight)
        shares = credit_transfers.shares(weight, [leg.number for leg in legs], self.digits)
        return [
            credit_transfers.Leg(self.pools[key], leg, share)
            for leg, share in zip(legs, shares, strict=True)
        ]

    def typed_out(self, legs: Sequence[customer_credits.CreditPosting]) -> Decimal:
        """Returns the weight a pool's legs of a transfer move as typed (`pool_legs` restates it).

        Those typed without a price have none in the functional currency:
        what they take out, net, of the pool at its carrying rate.
        """
        typed = sum(
            (ar_entries.weight(move.posting) for move in legs if move.posting.price is not None),
            Decimal(0),
        )
        unpriced = sum((move.number for move in legs if move.posting.price is None), Decimal(0))
        if not unpriced:
            return typed
        held = self.held[(legs[0].customer, legs[0].currency)]
        return typed + derecognition.written(held.piece(unpriced, None, self.digits), self.digits)

    def carries(
        self,
        debits: Sequence[customer_credits.CreditPosting],
        credits: Sequence[customer_credits.CreditPosting],
    ) -> bool:
        """Whether a transfer moves a carrying amount: its legs priced, or read at one.

        Each leg is priced in the functional currency or has no price at
        all. Legs without one (they net to nothing, as Beancount balances
        them) need the carrying amount of their debits' pools: each is
        carried at a rate and holds what the transfer takes out of it.
        """
        legs = [*debits, *credits]
        unpriced = [move for move in legs if move.posting.price is None]
        priced = [move for move in legs if fx.own_rate(move.posting, self.functional) is not None]
        if len(unpriced) + len(priced) < len(legs):  # a leg priced in another currency
            return False
        if not unpriced:
            return True
        return (
            not sum((move.number for move in unpriced), Decimal(0))
            and not any((move.customer, move.currency) in self.stopped for move in debits)
            and self.holds(debits)
        )

    def transferred(
        self,
        debits: Sequence[customer_credits.CreditPosting],
        credits: Sequence[customer_credits.CreditPosting],
    ) -> credit_transfers.Transfer | None:
        """Reads a transfer into its pools; None, reading nothing, if it moves no carrying amount.

        Each pool's legs are read net (`credit_transfers._nets`). A debit typed without
        a price moves what it takes out at its pool's carrying rate
        (`typed_out`), as a priced one is restated to; the pools it goes into
        share what the debits move by their units, net.
        """
        if not self.carries(debits, credits):
            return None
        out = [
            leg
            for legs in credit_transfers.by_pool(debits)
            for leg in self.pool_legs(legs, self.typed_out(legs))
        ]
        moved = sum((leg.weight for leg in out), Decimal(0))
        into_pools = credit_transfers.by_pool(credits)
        nets = [sum((move.number for move in legs), Decimal(0)) for legs in into_pools]
        shares = credit_transfers.shares(-moved, nets, self.digits)
        into = [
            leg
            for legs, share in zip(into_pools, shares, strict=True)
            for leg in self.pool_legs(legs, share)
        ]
        return credit_transfers.Transfer(out + into)


def day_order(
    move: customer_credits.CreditPosting, functional: str
) -> tuple[Decimal, bool, Decimal, str, str]:
    """The key a day's receipts, and its payouts, into and out of the pools are read in.

    **Smallest first** (by units), then the lower rate (one without a price
    in the functional currency last), then by payee and narration; never
    by line, so the file's order changes nothing. It decides which of a
    day's payouts overdrawing a pool leaves at the carrying rate and which
    overdraws at its own, and which of a day's receipts into an overdrawn
    pool clears the overdraw, as the day's refunds read by payee are
    decided smallest first (`customer_credits.PayeeDebits`). Nobody's
    -60.00 EUR carried at -75.00 and, on one day, 60.00 EUR refunded at
    1.25 and 40.00 at 1.20: the 40.00 leave first at 50.00 (paid 48.00,
    2.00 of gain), the 60.00 take the 20.00 left at 25.00 and overdraw
    40.00 at 1.25, in either order in the books. CUS-1 overdrawn 10.00 EUR
    at 12.50 and, on one day, 12.00 EUR received at 1.10 and 5.00 at 1.30:
    the 5.00 clear 5.00 of it (6.50 for 6.25, 0.25 of gain), the 12.00 the
    other 5.00 (5.50 for 6.25, 0.75 of loss) and open the pool again with
    7.00 at 1.10.
    """
    rate = fx.own_rate(move.posting, functional)
    entry = move.entry
    return (
        abs(move.number),
        rate is None,
        rate if rate is not None else Decimal(0),
        entry.payee or "",
        entry.narration or "",
    )


def paid_out_at_own_rates(
    postings: Iterable[customer_credits.CreditPosting], functional: str, policy: ArPolicy
) -> Found:
    """Returns each posting meeting a foreign-currency credit pool at a rate other than the pool's.

    And each transfer between pools (`credit_transfers.transfers`) to restate:
    **a transfer realizes nothing; the carrying amount moves with the
    units**. Its debits take them out of their pools as a payout would (at
    the carrying rate; beyond what a pool holds, overdrawing it at the rate
    typed), and its credits put that amount into theirs, whatever rate the
    entry typed, shared pro rata by units, rounded cumulatively to the cent
    (the last credit takes what is left): one pool of -200.00 EUR carried at
    -248.00, 100.00 EUR moved to CUS-1 at 1.20 move 124.00; split 60.00 to
    CUS-2 and 40.00 to CUS-3, 74.40 and 49.60. A leg out of or into a pool
    carried in its own currency reads nothing there and moves what the other
    side carries (out of one, its weight as typed); the stopped pool holds
    its units at that amount, never remeasured. Each pool's legs move net
    (`credit_transfers._nets`): a move within one pool is read not at all,
    alone or inside an entry moving credits between pools. **A leg typed
    without a price is read the same way** (`_Pools.carries`): a debit at
    its pool's carrying rate, a credit at its share, and the restating entry
    moves it back unpriced; 100.00 EUR of CUS-1's moved to CUS-2 with no
    price move 124.00. Only where a debit without a price has no carrying
    rate to move (its pool carried in its own currency, or overdrawn by it)
    is the transfer read as typed: its unpriced legs stop their pools from
    its day, whatever else the day nets (`Found.stops`, the day each pool
    stops, which its month-end remeasurement reads).

    The pools are read together, day by day: on a day, first what is put
    in (receipts), then the transfers, then what is paid out, receipts
    and payouts each smallest first (`day_order`). **The day's transfers
    are read each once its pools hold what it takes out**: the first in
    the books whose debits overdraw no pool, else the first, and again, so
    a chain (CUS-1 to CUS-2, CUS-2 on to CUS-3) or a there and back
    realizes nothing, whichever the books list first.

    Args:
      postings: The postings to the credits account, typed and generated,
        each with its customer (`customer_credits.postings`).
      functional: The functional currency.
      policy: The receivables policy (precision).
    """
    moves = list(postings)  # in a foreign currency (`credits_remeasurement.foreign_postings`)
    legs_of = credit_transfers.transfers(moves)
    in_transfers = {
        index for each in legs_of for index in [*each.debits, *each.credits, *each.still]
    }
    outside = [move for index, move in enumerate(moves) if index not in in_transfers]
    found_pools = credits_remeasurement.pools(moves, functional)
    pools = _Pools(found_pools, functional, policy, netted(outside, functional))
    found = Found([], [], pools.stopped)
    days: dict[datetime.date, list[credit_transfers.Legs]] = defaultdict(list)
    for each in legs_of:
        if each.debits:  # else a move within pools, which changes nothing
            days[moves[each.debits[0]].entry.date].append(each)
    # By day, what is put in first; each side is then read in `day_order`.
    order = sorted(range(len(moves)), key=lambda at: (moves[at].entry.date, moves[at].number > 0))
    for day, indexes in groupby(order, key=lambda at: moves[at].entry.date):
        alone = [index for index in indexes if index not in in_transfers]
        receipts = [moves[at] for at in alone if moves[at].number < 0]
        for move in sorted(receipts, key=lambda move: day_order(move, functional)):
            found.paid.extend(pools.paid(move))
        waiting = days.get(day, [])
        while waiting:
            ready = [each for each in waiting if pools.holds(moves[at] for at in each.debits)]
            first = (ready or waiting)[0]
            waiting = [each for each in waiting if each is not first]
            debits = [moves[at] for at in first.debits]
            credits = [moves[at] for at in first.credits]
            moved = pools.transferred(debits, credits)
            if moved is None:
                found.paid.extend(paid for move in debits + credits for paid in pools.paid(move))
            elif any(leg.restated for leg in moved.legs):
                found.transfers.append(moved)
        payouts = [moves[at] for at in alone if moves[at].number > 0]
        for move in sorted(payouts, key=lambda move: day_order(move, functional)):
            found.paid.extend(pools.paid(move))
    return found


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
    carried = derecognition.legs(paid.carried, number, policy.precision.digits(move.currency))
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


class Made(NamedTuple):
    """The entries this module makes, and the day each pool stopped on (`Found.stops`)."""

    entries: list[data.Transaction]
    stops: dict[tuple[str, str], datetime.date]


def entries(
    credit_entries: Sequence[data.Transaction],
    owner: customer_credits.Owner,
    policy: ArPolicy,
) -> Made:
    """Returns the entries realizing what meets customer credits at rates other than the pool's.

    The debits out of a pool, and the credits into an overdrawn one; and
    the day each pool is carried in its own currency from, for its
    month-end remeasurement (`credits_remeasurement.entries`).

    Args:
      credit_entries: Every entry posting to the credits account, typed and generated.
      owner: The rule that tells whose credit each posting moves.
      policy: The receivables policy.
    """
    functional = policy.functional_currency
    if functional is None:
        return Made([], {})
    account = policy.customer_credits_account
    foreign = credits_remeasurement.foreign_postings(credit_entries, owner, account, functional)
    found = paid_out_at_own_rates(foreign, functional, policy)
    made = [entry(paid, policy, owner.keys(paid.move)) for paid in found.paid]
    for moved in found.transfers:
        keys = [owner.keys(leg.move) for leg in moved.legs]
        made.append(credit_transfers.transfer_entry(moved, policy, keys))
    return Made(made, found.stops)
