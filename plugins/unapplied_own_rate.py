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

A receipt typed at a price and debited without one (a refund typed from
a euro bank account, `Liabilities:UnappliedCash 30.00 EUR`) is an error
at the debit's line, as a payment with a rate on one side only is
(`plugins.fx.without_a_rate`): the debit's units weigh nothing, so the
receipt keeps their weight at its rate with no units to carry it (R-1
130.00 EUR at 1.20, 30.00 EUR of it refunded so: 100.00 EUR weighing
-156.00 USD, not -120.00), and no entry can realize it, for no one knows
what the euros were paid out at. The fix is an `@` price on it. From
that day the receipt is carried in its own currency in every pass
(`stopped`): its month end is not remeasured and a later debit at a rate
of its own gets no entry here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, credits_remeasurement, fx, meta, unapplied_remeasurement
from plugins.ar_policy import ArPolicy
from plugins.receipts import Receipt, Receipts, used_receipt
from plugins.receivables import Finding
from plugins.unapplied_remeasurement import ReceiptPosting


class PaidOut(NamedTuple):
    """A typed debit of a receipt in unapplied cash at a rate other than the receipt's."""

    receipt: Receipt
    entry: data.Transaction  # the debit's
    posting: data.Posting  # the debit
    units: int  # in the currency's minor units
    rate: Decimal  # its own price in the functional currency
    carrying: Decimal  # the receipt's rate


class Stopped(NamedTuple):
    """A receipt carried in its own currency, from the day postings without a price move it."""

    receipt: Receipt
    carrying: Decimal | None  # its own price in the functional currency, if typed at one
    day: datetime.date  # carried in its own currency from it
    unpriced: list[ReceiptPosting]  # the typed postings without a price that moved its units


def stopped(
    cash: Receipts, made: Sequence[data.Transaction], policy: ArPolicy, functional: str
) -> dict[str, Stopped]:
    """Returns each foreign-currency receipt that postings without a price stop, by receipt id.

    **The one rule of when a receipt stops**: a posting of its units
    without a price in the functional currency weighs nothing, so from
    the first day such postings move its units
    (`credits_remeasurement.unpriced_days`) what the receipt weighs is no
    longer its units at a rate. It is carried in its own currency from
    that day by its month end (`plugins.unapplied_remeasurement` reads
    the day, `Made.stops`) and, if typed at a price (`-130.00 EUR @ 1.20
    USD`), by its own-rate entries. The day's postings without a price that net to
    nothing stop nothing. A receipt typed without a price stops on its
    own day, for its credit weighs nothing from the start: its month end
    is never remeasured, while its own-rate entries carry it at the
    ledger's price as its applications move it.

    Args:
      cash: The receipts, with every use of each (typed and generated).
      made: The entries the plugin generated so far.
      policy: The receivables policy (the unapplied cash account).
      functional: The functional currency.
    """
    found: dict[str, Stopped] = {}
    postings = unapplied_remeasurement.receipt_postings(cash, made, policy, functional)
    for receipt_id, moves in postings.items():
        days = list(credits_remeasurement.unpriced_days(moves, functional))
        if not days:
            continue
        unpriced = [
            move
            for day in days
            for move in day
            if fx.own_rate(move.posting, functional) is None
            and meta.GENERATED_BY not in move.entry.meta
        ]
        receipt = cash.by_id[receipt_id]
        carrying = fx.own_rate(receipt.posting, functional)
        found[receipt_id] = Stopped(receipt, carrying, days[0][0].entry.date, unpriced)
    return found


def unpriced_findings(stop: Stopped, policy: ArPolicy, functional: str) -> list[Finding]:
    """Returns an error at each typed posting without a price that moved a priced receipt's units.

    Its units weigh nothing where the receipt's rate weighs them, so the
    receipt's weight in unapplied cash is left with units it does not
    carry (or the other way round), a break no entry realizes: R-1 130.00
    EUR at 1.20 (-156.00 USD), 30.00 EUR refunded from a euro account
    without a price, leave 100.00 EUR weighing -156.00 USD, not -120.00.
    The fix is the refund's price, `@` the rate it was paid out at: its
    difference from the receipt's is then realized (`entry`). No price in
    the ledger fixes it: a typed posting weighs its own price alone.
    Generated postings are not read: one without a price is an
    application with a rate on one side only, reported where it is made
    (`plugins.fx.without_a_rate`). A receipt typed without a price has
    no rate for them to break: none.
    """
    receipt, rate = stop.receipt, stop.carrying
    if rate is None:
        return []
    found: list[Finding] = []
    for move in stop.unpriced:
        number = move.number
        moved = (
            f"takes {number} {receipt.currency} out of '{receipt.id}'"
            if number > 0
            else f"puts {-number} {receipt.currency} into '{receipt.id}'"
        )
        value = fx.quantize(abs(number) * rate, policy.precision.digits(functional))
        message = (
            f"The posting of {move.entry.date} {moved}, carried at {rate} {functional}, "
            f"without a rate in {functional}: they weigh 0.00 {functional}, not {value} at "
            f"its rate, a break of unapplied cash no entry realizes; expected an '@' price "
            f"in {functional} on its unapplied cash posting"
        )
        found.append((meta.source_of(move.entry, move.posting), message, move.entry))
    return found


def paid_out_at_own_rates(
    cash: Receipts,
    rates: fx.Rates,
    policy: ArPolicy,
    functional: str,
    stops: Mapping[str, datetime.date],
) -> list[PaidOut]:
    """Returns each typed debit of a foreign-currency receipt at a rate other than the receipt's.

    A debit on or after the day its receipt is carried in its own currency
    from (`stopped`) is left as typed: the receipt has no carrying rate left.

    Args:
      cash: The receipts, with every use of each (typed and generated).
      rates: The ledger's prices.
      policy: The receivables policy (the unapplied cash account, precision).
      functional: The functional currency (`rates.functional`); some receipt is in another.
      stops: The day each receipt typed at a price is carried in its own
        currency from, by id (`stopped`).
    """
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
        stop = stops.get(receipt_id)
        typed = {id(use.entry): use.entry for use in uses}
        for entry in typed.values():
            if meta.GENERATED_BY in entry.meta or (stop is not None and stop <= entry.date):
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
        meta.APPLIED_RECEIPT: receipt.id,
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


class Made(NamedTuple):
    """The entries this module makes, the errors of receipts moved without a price, and stops."""

    entries: list[data.Transaction]
    findings: list[Finding]
    stops: dict[str, datetime.date]  # the day each receipt is carried in its own currency from


def entries(
    cash: Receipts, made: Sequence[data.Transaction], rates: fx.Rates, policy: ArPolicy
) -> Made:
    """Returns the entries realizing the typed debits of receipts at rates other than theirs.

    With an error at each typed posting without a price that moved a
    receipt typed at one (`unpriced_findings`), and the day each receipt
    stops (`stopped`), which its month end reads.

    Args:
      cash: The receipts, once every use of each is posted.
      made: The entries the plugin generated so far.
      rates: The ledger's prices.
      policy: The receivables policy.
    """
    functional = rates.functional
    if functional is None or cash.currencies <= {functional}:  # no receipt in a foreign currency
        return Made([], [], {})
    stops = stopped(cash, made, policy, functional)
    priced = {
        receipt_id: stop.day for receipt_id, stop in stops.items() if stop.carrying is not None
    }
    paid = paid_out_at_own_rates(cash, rates, policy, functional, priced)
    findings = [
        finding
        for stop in stops.values()
        for finding in unpriced_findings(stop, policy, functional)
    ]
    days = {receipt_id: stop.day for receipt_id, stop in stops.items()}
    return Made([entry(one, policy) for one in paid], findings, days)
