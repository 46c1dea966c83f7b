"""Unapplied cash in a foreign currency: remeasured at month end, as customer credits are.

Cash received and not yet applied is a monetary liability (ASC 830): the
euros a receipt holds for the customer are worth, in the functional
currency, what the month end's rate makes them. So at every month end
through the books' horizon, each receipt in a foreign currency with cash
still unapplied is remeasured by the customer credits' rule
(`plugins.credits_remeasurement.month_end_differences`): its open units at
the ledger's price for that day, less what is left of its carrying amount,
rounded to the functional currency's minor unit, to the unapplied cash
remeasurement account (`unapplied_remeasurement_account`, default
`Liabilities:UnappliedCash:Remeasurement`) against unrealized exchange
gains and losses, and reversed the next day.

Unapplied cash is remeasured receipt by receipt, not pooled per currency:
the unapplied cash listing reads it receipt by receipt, a receipt is what
an application uses, and each is carried at its own rate
(`plugins.unapplied_own_rate`). A receipt's postings are its credit and
every posting to unapplied cash that names it (`plugins.receipts.used_receipt`):
its applications, refunds, chargebacks and the entries realizing a debit at
another rate. Their weights in the functional currency are its carrying
amount. R-1 130.00 EUR received at 1.20 (-156.00 USD) and waiting over
January 31 with EUR at 1.25 is worth -162.50 USD: 6.50 USD of loss.

    2026-01-31 * "Acme" "FX remeasurement unapplied cash R-1 EUR at 1.25 USD"
      #fx-remeasurement ^R-1
      revclose_source: "R-1"
      revclose_rate: 1.25
      customer: "CUS-1"
      Income:ForeignExchange:Unrealized         6.50 USD
      Liabilities:UnappliedCash:Remeasurement  -6.50 USD

As for credits, a receipt is remeasured only while each of its postings is
priced in the functional currency: a receipt typed from a euro bank account
without a price, or a use of it without one, has no functional value, so
from its day the receipt is carried in its own currency. The day is
told by `plugins.unapplied_own_rate.stopped`, the one rule of it, and
the month end reads it (`unapplied_own_rate.Made.stops`): a use without
one of a receipt typed at a price is an error at its line, and its
own-rate entries stop on the same day. A receipt with an error (one used
more than it received) is left as typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, credits_remeasurement, fx, meta
from plugins.ar_policy import ArPolicy
from plugins.receipts import Receipt, Receipts, used_receipt


class ReceiptPosting(NamedTuple):
    """A posting to unapplied cash that moves a receipt's units."""

    entry: data.Transaction
    number: Decimal
    posting: data.Posting


def receipt_postings(
    cash: Receipts, made: Iterable[data.Transaction], policy: ArPolicy, functional: str
) -> dict[str, list[ReceiptPosting]]:
    """Returns the postings of each foreign-currency receipt, in date order, by receipt id.

    They are read of the receipt's entry, of the typed entries that used
    it and of the entries the plugin generated: a posting is the receipt's
    if it is its credit or names it (`plugins.receipts.used_receipt`).

    Args:
      cash: The receipts, with every use of each (typed and generated).
      made: The entries the plugin generated.
      policy: The receivables policy (the unapplied cash account).
      functional: The functional currency.
    """
    if cash.currencies <= {functional}:  # no receipt in a foreign currency
        return {}
    foreign = {
        receipt.id: receipt
        for receipt in cash.by_id.values()
        if receipt.currency != functional and receipt.id not in cash.blocked
    }
    if not foreign:
        return {}
    credits = {(id(receipt.entry), receipt.position): receipt for receipt in cash.by_id.values()}
    links = {receipt.link: receipt.id for receipt in cash.by_id.values()}
    # The typed entries are the receipts' and their typed uses'; the
    # generated ones are read as they are made, not as a use first saw them.
    entries: dict[int, data.Transaction] = {id(entry): entry for entry in made}
    for receipt in foreign.values():
        entries[id(receipt.entry)] = receipt.entry
        for use in cash.uses.get(receipt.id, ()):
            if meta.GENERATED_BY not in use.entry.meta:
                entries[id(use.entry)] = use.entry
    found: dict[str, list[ReceiptPosting]] = {}
    account = policy.accounts.unapplied_cash
    for entry in entries.values():
        for position, posting in enumerate(entry.postings, 1):
            units = posting.units
            if posting.account != account or units is None:
                continue
            number = units.number
            if not isinstance(number, Decimal) or units.currency == functional:
                continue
            credited = credits.get((id(entry), position))
            owner = credited.id if credited else used_receipt(entry, posting, links)
            paid = foreign.get(owner)
            if paid is not None and units.currency == paid.currency:
                found.setdefault(owner, []).append(ReceiptPosting(entry, number, posting))
    return {
        owner: sorted(moves, key=lambda move: move.entry.date)
        for owner, moves in sorted(found.items())
    }


class Remeasured(NamedTuple):
    """A receipt's unrealized difference at a month end, in functional minor units."""

    receipt: Receipt
    difference: credits_remeasurement.MonthEndDifference


def remeasurements(
    cash: Receipts,
    made: Sequence[data.Transaction],
    rates: fx.Rates,
    policy: ArPolicy,
    through: datetime.date,
    stops: Mapping[str, datetime.date],
) -> list[Remeasured]:
    """Returns the month-end remeasurements of every receipt's foreign-currency unapplied cash.

    Args:
      cash: The receipts, with every use of each (typed and generated).
      made: The entries the plugin generated.
      rates: The ledger's prices.
      policy: The receivables policy.
      through: The books' horizon: no month end after it is remeasured.
      stops: The day each receipt is carried in its own currency from, by
        id (`plugins.unapplied_own_rate.Made.stops`).
    """
    functional = rates.functional
    if functional is None:
        return []
    return [
        Remeasured(cash.by_id[receipt_id], difference)
        for receipt_id, moves in receipt_postings(cash, made, policy, functional).items()
        for difference in credits_remeasurement.month_end_differences(
            moves,
            cash.by_id[receipt_id].currency,
            rates,
            policy,
            through,
            stops.get(receipt_id),
        )
    ]


def entries(
    cash: Receipts,
    made: Sequence[data.Transaction],
    rates: fx.Rates,
    policy: ArPolicy,
    through: datetime.date,
    stops: Mapping[str, datetime.date],
) -> list[data.Transaction]:
    """Returns the month-end remeasurements of unapplied cash and their reversals.

    Each is located at its receipt's credit, linked to the receipt and
    naming it (`revclose_source`) and its customer.

    Args:
      cash: The receipts, once every use of each is posted.
      made: The entries the plugin generated.
      rates: The ledger's prices.
      policy: The receivables policy.
      through: The books' horizon.
      stops: The day each receipt is carried in its own currency from, by
        id (`plugins.unapplied_own_rate.Made.stops`).
    """
    functional = rates.functional
    if functional is None:
        return []
    made_here: list[data.Transaction] = []
    for remeasured in remeasurements(cash, made, rates, policy, through, stops):
        receipt, difference = remeasured.receipt, remeasured.difference
        of = ar_entries.MonthEnd(
            receipt.place,
            f"unapplied cash {receipt.id} {receipt.currency}",
            receipt.id,
            receipt.link,
            receipt.customer,
            receipt.payee,
        )
        made_here += ar_entries.month_end_pair(
            of,
            difference.day,
            difference.units,
            difference.rate,
            functional,
            policy.unapplied_remeasurement_account,
            policy,
        )
    return made_here
