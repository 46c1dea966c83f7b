"""Customer credits paid out at a rate of their own: what it differs from the pool's is realized.

A customer's credits in a foreign currency are pooled per customer and
currency (`plugins.credits_remeasurement`), and the pool is carried at the
weight of its postings in the functional currency. Its carrying rate is the
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
same way. So every debit takes its units out at the one carrying rate,
and the pool empties with its units: a debit takes out the carrying
amount in proportion to its units, rounded to the functional currency's
minor unit (half to even), and the one that leaves the pool no units
takes all that is left. A debit at the average already needs no entry.
The pool is read in date order, what is put in on a day before what is
paid out of it (as `customer_credits.Held` reads the account). A debit of
more than the pool holds is left as it was typed (the customer credits
schedule's control reports the credit overdrawn), and so is every posting
from the first one in the foreign currency without a price in the
functional currency, from which the pool is carried in its own currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, credits_remeasurement, customer_credits, fx, meta
from plugins.ar_policy import ArPolicy
from plugins.derecognition import price_of
from plugins.receipts import link_of


class PaidOut(NamedTuple):
    """A debit to a customer's credits at a rate other than the pool's carrying rate."""

    customer: str
    move: customer_credits.CreditPosting
    units: int  # the debit, in the currency's minor units
    rate: Decimal  # its own price in the functional currency
    carried: Decimal  # the carrying amount it takes out of the pool (positive)


def paid_out_at_own_rates(
    postings: Iterable[customer_credits.CreditPosting], functional: str, policy: ArPolicy
) -> list[PaidOut]:
    """Returns each debit out of a foreign-currency credit pool at a rate other than the pool's.

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
        open_units = carried = Decimal(0)  # as posted: negative while held for the customer
        for move in moves:
            rate = fx.own_rate(move.posting, functional)
            if rate is None:  # carried in its own currency from then on
                break
            number = move.number
            value = number * rate
            units = policy.precision.to_minor(number, pool.currency)
            at_average = rate * open_units == carried
            if 0 < number <= -open_units and not at_average and units is not None:
                piece = fx.quantize(carried * number / open_units, digits)
                if number == -open_units and piece != -carried:
                    piece = -carried  # what is left, to the last fraction of a cent
                if piece != value:
                    found.append(PaidOut(pool.customer, move, units, rate, piece))
                    value = piece
            open_units += number
            carried += value
    return found


def entry(paid: PaidOut, policy: ArPolicy) -> data.Transaction:
    """Returns the entry realizing what a debit at its own rate differs from the carrying amount.

    On the debit's day, at its line, linked to the customer and naming it.
    """
    move, functional = paid.move, policy.functional_currency
    assert functional is not None
    carrying = price_of(paid.carried, move.number)
    narration = (
        f"Exchange difference on {paid.customer}'s {move.currency} credits: "
        f"{move.number} {move.currency} paid out at {paid.rate} {functional}, "
        f"carried at {paid.carried} {functional}"
    )
    extra: dict[str, Any] = {
        meta.SOURCE: paid.customer,
        ar_entries.KIND: ar_entries.OWN_RATE,
        meta.CUSTOMER: paid.customer,
    }
    return ar_entries.paid_out_entry(
        policy.customer_credits_account,
        (move.entry, move.entry.meta),
        (paid.units, move.currency, paid.rate, carrying),
        narration,
        frozenset({link_of(paid.customer)}),
        extra,
        policy,
    )


def entries(
    credit_entries: Sequence[data.Transaction],
    owner: customer_credits.Owner,
    policy: ArPolicy,
) -> list[data.Transaction]:
    """Returns the entries realizing the debits to customer credits at rates other than the pool's.

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
    return [entry(paid, policy) for paid in paid_out_at_own_rates(foreign, functional, policy)]
