"""Unapplied cash paid out at a rate of its own: what it differs from the receipt's is realized.

A receipt in a foreign currency is one credit to unapplied cash at one
rate: its own price in the functional currency, else the ledger's price
on its day (`plugins.fx.Rates.of_posting`). That is its carrying rate, and
everything the plugin moves of it, cash applications, credits parked and
cash a chargeback gives back, moves at it. A typed debit of the receipt
at a rate of its own (a chargeback or a refund typed at the bank's
dollars for the euros, `Liabilities:UnappliedCash 130.00 EUR @ 1.10 USD`)
takes the euros out at that rate instead; the entry this module makes
(`revclose_kind: "own-rate"`, a customer credit's shape,
`ar_entries.paid_out_entry`) moves the units back at the debit's rate and
out at the receipt's, so the difference is realized and the receipt
leaves unapplied cash at what it came in at. R-1 130.00 EUR received at
1.20 (156.00 USD) and charged back at 1.10 (143.00 USD) gain 13.00 USD:
the books owed 156.00 and paid 143.00.

    2026-02-15 * "Acme" "Exchange difference on R-1's EUR unapplied cash:
      130.00 EUR paid out at 1.10 USD, received at 1.20 USD" #cash-application ^R-1
      revclose_source: "R-1"
      revclose_receipt: "R-1"
      revclose_kind: "own-rate"
      customer: "CUS-1"
      Liabilities:UnappliedCash           130.00 EUR @ 1.20 USD
      Liabilities:UnappliedCash          -130.00 EUR @ 1.10 USD
      Income:ForeignExchange:Realized     -13.00 USD

The entry names its receipt (`revclose_receipt`), so a reader of the
books' unapplied cash (`plugins.receipts`) reads its debit as a use of
the receipt and its credit as the same units given back: it moves no
units of it. A receipt in the functional currency has no rate to differ,
nor has one with no rate at all (no price on it, none in the ledger), nor
a debit without its own price in the functional currency; a receipt with
an error (one used more than it received) is left as typed. A hand
application typed at one rate on both sides realizes the cash's
difference here and the invoice's by `plugins.fx.settled_at_own_rate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, fx, meta
from plugins.ar_policy import ArPolicy
from plugins.receipts import APPLIED_RECEIPT, Receipt, Receipts, used_receipt


class PaidOut(NamedTuple):
    """A typed debit of a receipt in unapplied cash at a rate other than the receipt's."""

    receipt: Receipt
    entry: data.Transaction  # the debit's
    posting: data.Posting  # the debit
    units: int  # in the currency's minor units
    rate: Decimal  # its own price in the functional currency
    carrying: Decimal  # the receipt's rate


def paid_out_at_own_rates(cash: Receipts, rates: fx.Rates, policy: ArPolicy) -> list[PaidOut]:
    """Returns each typed debit of a foreign-currency receipt at a rate other than the receipt's.

    Args:
      cash: The receipts, with every use of each (typed and generated).
      rates: The ledger's prices.
      policy: The receivables policy (the unapplied cash account, precision).
    """
    functional = rates.functional
    if functional is None or cash.currencies <= {functional}:  # no receipt in a foreign currency
        return []
    found: list[PaidOut] = []
    links: dict[str, str] | None = None  # receipt ids by link, read once a debit needs them
    by_id, blocked = cash.by_id, cash.blocked
    for receipt_id, uses in cash.uses.items():
        receipt = by_id[receipt_id]
        if receipt.currency == functional or receipt_id in blocked:
            continue
        carrying = rates.of_posting(receipt.posting, receipt.date)
        if carrying is None:
            continue
        typed = {id(use.entry): use.entry for use in uses}
        for entry in typed.values():
            if meta.GENERATED_BY in entry.meta:
                continue
            if links is None:
                links = {one.link: one.id for one in by_id.values()}
            for posting, number in _debits(entry, receipt, policy):
                rate = fx.own_rate(posting, functional)
                units = policy.precision.to_minor(number, receipt.currency)
                if rate is None or rate == carrying or units is None:
                    continue
                if used_receipt(entry, posting, links) == receipt_id:
                    found.append(PaidOut(receipt, entry, posting, units, rate, carrying))
    return sorted(found, key=lambda paid: (paid.entry.date, paid.receipt.id))


def _debits(
    entry: data.Transaction, receipt: Receipt, policy: ArPolicy
) -> Iterator[tuple[data.Posting, Decimal]]:
    """Yields an entry's debits to unapplied cash in a receipt's currency, with their units."""
    for posting in entry.postings:
        units = posting.units
        if posting.account != policy.accounts.unapplied_cash or units is None:
            continue
        number = units.number
        if isinstance(number, Decimal) and number > 0 and units.currency == receipt.currency:
            yield posting, number


def entry(paid: PaidOut, policy: ArPolicy) -> data.Transaction:
    """Returns the entry realizing what a debit at its own rate differs from the receipt's rate.

    On the debit's day, at its line, linked to the receipt and naming it.
    """
    receipt, functional = paid.receipt, policy.functional_currency
    number = policy.precision.from_minor(paid.units, receipt.currency)
    narration = (
        f"Exchange difference on {receipt.id}'s {receipt.currency} unapplied cash: "
        f"{number} {receipt.currency} paid out at {paid.rate} {functional}, "
        f"received at {paid.carrying} {functional}"
    )
    extra: dict[str, Any] = {
        meta.SOURCE: receipt.id,
        APPLIED_RECEIPT: receipt.id,
        ar_entries.KIND: ar_entries.OWN_RATE,
    }
    if receipt.customer:
        extra[meta.CUSTOMER] = receipt.customer
    return ar_entries.paid_out_entry(
        policy.accounts.unapplied_cash,
        (paid.entry, meta.source_of(paid.entry, paid.posting)),
        (paid.units, receipt.currency, paid.rate, paid.carrying),
        narration,
        frozenset({receipt.link}),
        extra,
        policy,
    )


def entries(cash: Receipts, rates: fx.Rates, policy: ArPolicy) -> list[data.Transaction]:
    """Returns the entries realizing the typed debits of receipts at rates other than theirs.

    Args:
      cash: The receipts, once every use of each is posted.
      rates: The ledger's prices.
      policy: The receivables policy.
    """
    return [entry(paid, policy) for paid in paid_out_at_own_rates(cash, rates, policy)]
