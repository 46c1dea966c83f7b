"""Credit transfers: credits moved between pools, restated at the carrying amount they move.

**A transfer between credit pools realizes nothing; the carrying amount
moves with the units** (`transfers`, read into the pools by
`credits_own_rate.paid_out_at_own_rates`): an entry whose every posting
is to the credits account, debits out of some pools and credits of the
same units into others (nobody's euros moved to CUS-1 by hand, CUS-1's
to CUS-2, or split between CUS-2 and CUS-3), is no payout. Its debits
take their units out of the source pools at the carrying rate, as a
payout would (`plugins.credits_own_rate`), and its credits put that
carrying amount into the destination pools, shared pro rata by units,
whatever rate the entry typed; the entry this module makes
(`revclose_kind: "credits-transfer"`, `transfer_entry`) restates the
legs at it. Nobody's one pool of -200.00 EUR carried at -248.00, 100.00
EUR moved to CUS-1 at 1.20 move 124.00: nobody's -100.00 EUR at -124.00,
CUS-1's at -124.00, nothing realized. Typed without a price (balanced in
euros) it is the same transfer, its debits read at the carrying rate:
the entry moves each leg back unpriced and again at 1.24, so each pool
stays carried at a rate. One read as typed (no carrying rate to move)
stops its pools from its day. The choice: restating the legs in the
books, not reading the pools' weights otherwise, keeps each pool's
carrying amount its postings' weight, the one thing its month-end
remeasurement (`plugins.credits_remeasurement`) and the general ledger
read. An entry posting elsewhere too (cash, a fee) is no transfer: a
debit is a payout, a credit a receipt, each at its rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, credits_remeasurement, customer_credits, derecognition, fx, meta
from plugins.ar_policy import ArPolicy

TRANSFER = "credits-transfer"  # the kind of an entry restating a transfer between pools


class Legs(NamedTuple):
    """A transfer's legs among the postings, by their indexes, by what their pool's legs net to.

    Those of the pools it takes units out of, of those it puts units into,
    and of those its legs move nothing in, read not at all (`_nets`).
    """

    debits: list[int]  # of the pools whose legs net to a debit: what they give
    credits: list[int]  # of the pools whose legs net to a credit: what they take in
    still: list[int]  # of the pools whose legs net to nothing: between a customer's contracts


def is_transfer(entry: data.Transaction, account: str) -> bool:
    """Whether an entry is a transfer between credits: typed, every posting to `account`.

    A pure reclassification (`transfers`): no cash, revenue or fee moves.
    """
    return meta.GENERATED_BY not in entry.meta and all(
        posting.account == account for posting in entry.postings
    )


def transfers(postings: Sequence[customer_credits.CreditPosting]) -> list[Legs]:
    """Returns the transfers between credit pools among `postings`, in the order of their entries.

    **A transfer is an entry whose every posting is to the credits account**
    (`is_transfer`, typed): a pure reclassification, nobody's euros moved
    to CUS-1 by hand, CUS-1's to CUS-2, a parent's split between its
    subsidiaries (one debit, several credits), or several pools' gathered
    into one. In each currency its debits and its credits are of the same
    units in all; its legs are their indexes in `postings`, by what they
    net to in their pool (`customer_credits.Owner`, `_nets`): a move
    between a customer's contracts moves nothing, alone or beside a move
    between pools. An entry posting elsewhere too is no transfer: a bank
    batch refunding CUS-1 and receiving CUS-2's prepayment posts to cash,
    a move less a fee posts the fee to income; each leg is read as typed,
    a payout out of one pool and a receipt into the other (a fee is best
    typed as an entry of its own). So is an entry whose debits and credits
    in a currency are of different units. An entry's priced legs and its
    unpriced legs are two transfers where each set balances in units by
    itself (`_moves`).
    """
    by_entry: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, move in enumerate(postings):
        if is_transfer(move.entry, move.posting.account):
            by_entry[(id(move.entry), move.currency)].append(index)
    found: list[Legs] = []
    for legs_of in by_entry.values():
        for moved in _moves(legs_of, postings):
            debits = [index for index in moved if postings[index].number > 0]
            credits = [index for index in moved if postings[index].number < 0]
            if debits and credits and not sum(postings[index].number for index in moved):
                net = _nets(postings[index] for index in moved)
                found.append(
                    Legs(
                        [index for index in moved if net[postings[index].customer] > 0],
                        [index for index in moved if net[postings[index].customer] < 0],
                        [index for index in moved if not net[postings[index].customer]],
                    )
                )
    return found


def _nets(legs: Iterable[customer_credits.CreditPosting]) -> dict[str, Decimal]:
    """Returns the units a transfer's legs in one currency move in each pool, net, by whose it is.

    **A transfer moves each pool's legs net; a pool they net to nothing in
    moves nothing and stops nothing**, read alike alone or inside an entry
    (a move between a customer's contracts). CUS-1's 50.00 EUR moved from
    contract C-1 to C-2 in the entry moving CUS-2's 10.00 EUR (carried in
    euros) to CUS-3 leave CUS-1's pool alone; beside CUS-1's 100.00 EUR
    moved to CUS-2, 150.00 EUR between its contracts take nothing more out
    of the 200.00 it holds: the entry moves 100.00 EUR, all CUS-1's legs at
    the carrying rate (`credits_own_rate._Pools.pool_legs`).
    """
    net: dict[str, Decimal] = defaultdict(Decimal)
    for move in legs:
        net[move.customer] += move.number
    return net


def by_pool(
    legs: Iterable[customer_credits.CreditPosting],
) -> list[list[customer_credits.CreditPosting]]:
    """Returns a transfer's legs in one currency, by pool, in the order of each pool's first."""
    pools: dict[str, list[customer_credits.CreditPosting]] = defaultdict(list)
    for move in legs:
        pools[move.customer].append(move)
    return list(pools.values())


def shares(total: Decimal, numbers: Sequence[Decimal], digits: int) -> list[Decimal]:
    """Returns `total` shared pro rata by `numbers`, rounded cumulatively.

    The last takes what is left, so the shares add up to `total` exactly.
    """
    whole = sum(numbers, Decimal(0))
    shares: list[Decimal] = []
    gone, given = Decimal(0), Decimal(0)  # the units and the amount shared so far
    for at, number in enumerate(numbers, 1):
        gone += number
        share = total if at == len(numbers) else fx.quantize(total * gone / whole, digits)
        shares.append(share - given)
        given = share
    return shares


def _moves(legs: list[int], postings: Sequence[customer_credits.CreditPosting]) -> list[list[int]]:
    """Returns a transfer's legs in one currency as the moves it types, by their indexes.

    **Its priced legs and its unpriced legs are two transfers where each set
    balances in units by itself**: one hand entry moving CUS-1's 100.00 EUR
    to CUS-3 at 1.25 and CUS-2's 10.00 EUR to CUS-4 without a price makes
    the moves two entries would, each read by itself
    (`credits_own_rate._Pools.carries`).
    """
    unpriced = [index for index in legs if postings[index].posting.price is None]
    priced = [index for index in legs if postings[index].posting.price is not None]
    apart = [moved for moved in (priced, unpriced) if moved]
    if len(apart) == 2 and not any(sum(postings[at].number for at in moved) for moved in apart):
        return apart
    return [legs]


class Leg(NamedTuple):
    """A leg of a transfer, its pool, and the weight it carries once restated."""

    pool: credits_remeasurement.Pool
    move: customer_credits.CreditPosting
    weight: Decimal  # signed as its units: the carrying amount it moves (`credits_own_rate.meet`)

    @property
    def restated(self) -> bool:
        """Whether it moves another weight than typed: always, typed without a price."""
        posting = self.move.posting
        return posting.price is None or self.weight != ar_entries.weight(posting)


class Transfer(NamedTuple):
    """A transfer between credit pools: its debits, then its credits, as restated (`Leg`)."""

    legs: list[Leg]


def transfer_entry(
    moved: Transfer, policy: ArPolicy, keys: Sequence[Mapping[str, str]]
) -> data.Transaction:
    """Returns the entry restating a transfer's legs at the carrying amount it moves.

    Each leg whose weight is not what it was typed at is moved back at
    its typed rate and again at its restated weight (`derecognition.legs`),
    carrying the keys that tell whose its pool is (`keys`, one per leg,
    `customer_credits.Owner.keys`, on the postings): what the source
    pool's carrying amount differs from the typed rate goes to the
    destination pools, not to realized gain or loss. On the transfer's
    day, at its first debit's line, linked to every pool it moves between.
    Nobody's 100.00 EUR typed out at 1.20 of a pool carried at 1.24, into
    CUS-1's at 1.20:

        2026-02-03 * "Credits transfer of 100.00 EUR from (unassigned) to CUS-1:
          typed at 1.20 USD, carried at 124.00 USD" #cash-application ^CUS-1 ^unassigned-credits
          revclose_source: "(unassigned)"
          revclose_kind: "credits-transfer"
          Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
          Liabilities:CustomerCredits   100.00 EUR @ 1.24 USD
          Liabilities:CustomerCredits   100.00 EUR @ 1.20 USD
            customer: "CUS-1"
          Liabilities:CustomerCredits  -100.00 EUR @ 1.24 USD
            customer: "CUS-1"

    A leg typed without a price is moved back unpriced (narrated "typed
    without a price"): the entry's euros balance as the transfer's did.
    A leg that meets an overdraw of its pool at another carrying amount
    realizes that difference, as a payout or receipt would: the entry
    then has a posting to realized gain or loss.
    """
    functional, account = policy.functional_currency, policy.customer_credits_account
    assert functional is not None
    debit = moved.legs[0].move
    digits = policy.precision.digits(debit.currency)
    postings: list[data.Posting] = []
    for leg, whose in zip(moved.legs, keys, strict=True):
        if not leg.restated:
            continue
        move, weight = leg.move, leg.weight
        typed = fx.own_rate(move.posting, functional)
        postings.append(
            ar_entries.leg(account, -move.number, move.currency, typed, functional, _on(whose))
        )
        postings += [
            ar_entries.leg(account, units, move.currency, price, functional, _on(whose))
            for units, price in derecognition.legs(weight, move.number, digits)
        ]
    net = _nets(leg.move for leg in moved.legs)  # what each pool gives (+) or takes in (-)
    out = [leg for leg in moved.legs if net[leg.move.customer] > 0]
    into = [leg for leg in moved.legs if net[leg.move.customer] < 0]
    sources = list(dict.fromkeys(leg.pool.name for leg in out))
    destinations = list(dict.fromkeys(leg.pool.name for leg in into))
    units = sum((leg.move.number for leg in out), Decimal(0))
    carried = sum((leg.weight for leg in out), Decimal(0))
    rate = fx.own_rate(debit.posting, functional)
    as_typed = f"typed at {rate} {functional}" if rate is not None else "typed without a price"
    narration = (
        f"Credits transfer of {units} {debit.currency} from {', '.join(sources)} to "
        f"{', '.join(destinations)}: {as_typed}, carried at "
        f"{derecognition.written(carried, policy.precision.digits(functional))} {functional}"
    )
    return ar_entries.transaction(
        debit.entry.meta,
        debit.entry.date,
        narration,
        ar_entries.APPLICATION_TAGS,
        frozenset(leg.pool.link for leg in moved.legs),
        ar_entries.with_realized_difference(postings, policy),
        debit.entry.payee,
        {meta.SOURCE: out[0].pool.name, ar_entries.KIND: TRANSFER},
    )


def _on(keys: Mapping[str, str]) -> dict[str, str] | None:
    """Returns an entry's keys of whose a posting is (`Owner.keys`) as that posting's metadata.

    A receipt is named on a posting by `receipt` (`receipts.used_receipt`).
    """
    on = {
        meta.RECEIPT if key == meta.APPLIED_RECEIPT else key: value for key, value in keys.items()
    }
    return on or None
