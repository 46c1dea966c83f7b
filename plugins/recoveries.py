"""Recoveries: cash received on an invoice written off as uncollectible reinstates it.

A write-off of a bad debt (`status: "uncollectible"`, as the billing
importers write it) credits the receivable and debits bad-debt expense or the
allowance. When the customer pays after all, the cash is a recovery of the
amount written off, not a credit the books owe the customer: the write-off
is reversed to the extent of what is recovered, on the day of the receipt,
and the receipt then pays the reinstated invoice as any named receipt does.
Before:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-04
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-05-31 * "Acme" "Write off INV-1" ^INV-1
      invoice: "INV-1"
      status: "uncollectible"
      Assets:AccountsReceivable  -100.00 USD
      Expenses:BadDebt            100.00 USD

    2026-06-10 * "Acme" "Late payment INV-1"
      receipt: "R-1"
      invoice: "INV-1"
      Assets:Bank:Operating       100.00 USD
      Liabilities:UnappliedCash  -100.00 USD

generates, before the cash application of R-1 to INV-1 (dated June 10 too):

    2026-06-10 * "Acme" "Recovery of INV-1 written off, from R-1" #cash-application ^INV-1 ^R-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "R-1"
      revclose_kind: "recovery"
      customer: "CUS-1"
      Assets:AccountsReceivable   100.00 USD
      Expenses:BadDebt           -100.00 USD

A receipt in unapplied cash that names the invoice (by `invoice`
metadata, link or the words of its text, as `plugins.receipts` reads them),
in the invoice's currency and dated on or after the write-off, recovers it
(`reinstatements`, before cash matching); so does a receipt the bank import
posts straight to it, by what it takes the invoice below zero
(`recovered_straight`, which `plugins.over_payments` asks before it moves
an excess to customer credits). A receipt in unapplied cash recovers what
it brings beyond what is still open of the invoices it names (which it pays
first, oldest first), up to what was written off and not yet recovered by
an earlier receipt: 60.00 of 100.00 written off reinstates 60.00; 130.00
reinstates 100.00 and the other 30.00 is an over payment as before; on an
invoice of 100.00 with 40.00 written off and 60.00 still open, a receipt of
100.00 reinstates 40.00. The reversal credits the accounts the write-off
debited, in proportion when there are several (rounded cumulatively, so the
pieces sum to what is recovered), also when one entry wrote off several
invoices. A write-off
that is priced or has a cost (an invoice carried at a foreign rate), or
that debits anything in another currency, is not reversed: its recoveries
stay customer credits, for the user to book. A receipt naming nothing
recovers nothing: a written-off invoice is not open, so no amount matches it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, meta
from plugins.ar_entries import units_of
from plugins.ar_policy import ArPolicy
from plugins.receipts import APPLIED_RECEIPT, Receipt, Receipts, link_of
from plugins.receivables import Item, Movement, Subledger

KIND = "recovery"


class WriteOff(NamedTuple):
    """A typed write-off of an invoice as uncollectible: its day, amount and debits.

    Attributes:
      debits: Each account the write-off debited, with its minor units; None
        when the write-off cannot be reversed by the plugin (priced, at cost,
        or in another currency).
    """

    date: datetime.date
    units: int  # minor units written off, positive
    debits: tuple[tuple[str, int], ...] | None


class Recovered(NamedTuple):
    """The entries that reinstate written-off invoices, and the receivable postings they add."""

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]


def reinstatements(subledger: Subledger, cash: Receipts, policy: ArPolicy) -> Recovered:
    """Returns the recoveries of invoices written off, for the receipts that name them.

    Read after credit notes are netted and before cash is matched, so what is
    open of each invoice is what the customer owes; the matcher then applies
    the receipt to the reinstated invoice (step 1, named).

    Args:
      subledger: The open items, with the credit notes netted.
      cash: The receipts, with the typed debits that used them.
      policy: The receivables policy (the accounts and the precision).
    """
    written = written_off(subledger, policy)
    done = Recovered([], [])
    if not written:
        return done
    recovered = {invoice: _recovered(subledger.items[invoice]) for invoice in written}
    open_now = {invoice: subledger.open[invoice] for invoice in written}
    for receipt in cash.sorted():
        if receipt.id in cash.blocked or not any(name in written for name in receipt.named):
            continue
        named = _named_items(subledger, receipt)
        left = cash.unapplied(receipt.id)
        for item in named:  # what it pays first: what is still open, oldest first
            paid = min(left, max(0, open_now.get(item.id, subledger.open[item.id])))
            open_now[item.id] = open_now.get(item.id, subledger.open[item.id]) - paid
            left -= paid
        for item in named:
            if left <= 0:
                break
            recoverable = _recoverable(written.get(item.id, ()), receipt.date)
            units = min(left, recoverable - recovered.get(item.id, 0))
            if units <= 0:
                continue
            debits = _last_reversible(written[item.id], receipt.date)
            if debits is None:
                continue
            entry = recovery_entry(item, receipt, units, debits, policy)
            done.entries.append(entry)
            done.movements.append((item.id, Movement(entry.date, units, entry, 1, item.currency)))
            recovered[item.id] = recovered.get(item.id, 0) + units
            left -= units
    return done


def _recovered(item: Item) -> int:
    """Returns what is recovered of an invoice already (by receipts posted straight to it)."""
    return sum(movement.units for movement in item.movements if is_recovery(movement.entry))


def recovered_straight(
    write_offs: Sequence[WriteOff], paid: Movement, over: int, recovered: int
) -> int:
    """Returns what a receipt posted straight to an invoice recovers of it.

    What it takes the invoice below zero, up to what was written off by the
    receipt's day and not yet recovered; nothing when that write-off cannot
    be reversed (`plugins.over_payments` reads the invoice's postings in order).

    Args:
      write_offs: The invoice's write-offs (`written_off`).
      paid: The receipt's posting to the invoice.
      over: How far it takes the invoice below zero, below where it was.
      recovered: What earlier receipts recovered of it.
    """
    if not write_offs or _last_reversible(write_offs, paid.date) is None:
        return 0
    return max(0, min(over, _recoverable(write_offs, paid.date) - recovered))


def _named_items(subledger: Subledger, receipt: Receipt) -> list[Item]:
    """Returns the invoices a receipt names in its own currency, oldest first."""
    items = subledger.items
    named = [
        items[name]
        for name in dict.fromkeys(receipt.named)
        if name in items and items[name].currency == receipt.currency
    ]
    return sorted((item for item in named if item.is_invoice), key=lambda one: (one.date, one.id))


def _recoverable(write_offs: Sequence[WriteOff], day: datetime.date) -> int:
    """Returns what was written off of an invoice by the end of a day."""
    return sum(write_off.units for write_off in write_offs if write_off.date <= day)


def _last_reversible(
    write_offs: Sequence[WriteOff], day: datetime.date
) -> tuple[tuple[str, int], ...] | None:
    """Returns the debits of the latest write-off on or before a day, if it can be reversed."""
    before = [write_off for write_off in write_offs if write_off.date <= day]
    return before[-1].debits if before else None


def written_off(subledger: Subledger, policy: ArPolicy) -> dict[str, list[WriteOff]]:
    """Returns the typed write-offs of each invoice that has one, in date order.

    Only the items posted more than once when read can have one.
    """
    found: dict[str, list[WriteOff]] = {}
    for invoice in subledger.several:
        write_offs = written_off_items(subledger.items[invoice], policy)
        if write_offs:
            found[invoice] = write_offs
    return found


def written_off_items(item: Item, policy: ArPolicy) -> list[WriteOff]:
    """Returns the typed write-offs of an invoice as uncollectible, in date order."""
    if not item.is_invoice:
        return []
    receivable = policy.accounts.receivable
    found = []
    for movement in item.movements:
        entry = movement.entry
        if (
            movement.units < 0
            and entry.meta.get(meta.STATUS) == meta.UNCOLLECTIBLE
            and not meta.is_generated(entry)
        ):
            debits = _debits(entry, receivable, item.currency, policy)
            found.append(WriteOff(movement.date, -movement.units, debits))
    return found


def _debits(
    entry: data.Transaction, receivable: str, currency: str, policy: ArPolicy
) -> tuple[tuple[str, int], ...] | None:
    """Returns the accounts a write-off debits and by how much, if it can be reversed.

    It can when every posting is in the invoice's currency with neither cost
    nor price, and what it debits outside the receivable is what it credits
    the receivable by (one entry may write off several invoices: each is
    reversed in proportion to the same debits).
    """
    debits: list[tuple[str, int]] = []
    credited = 0
    for posting in entry.postings:
        if posting.units is None or posting.units.number is None:
            return None
        if posting.units.currency != currency:
            return None
        if posting.cost is not None or posting.price is not None:
            return None
        minor = policy.precision.to_minor(posting.units.number, currency)
        if minor is None:
            return None
        if posting.account == receivable:
            credited -= minor
        elif minor < 0:
            return None
        else:
            debits.append((posting.account, minor))
    if not debits or sum(minor for _, minor in debits) != credited:
        return None
    return tuple(debits)


def is_recovery(entry: data.Transaction) -> bool:
    """Tells whether an entry is a recovery this plugin generated (see `recovery_entry`)."""
    return meta.is_generated(entry) and entry.meta.get(ar_entries.KIND) == KIND


def reversal(debits: Sequence[tuple[str, int]], units: int) -> list[tuple[str, int]]:
    """Returns what to credit each debited account to reverse `units` of the write-off.

    In proportion to the debits, rounded cumulatively: the pieces sum to `units`.
    """
    total = sum(minor for _, minor in debits)
    pieces, done, running = [], 0, 0
    for account, minor in debits:
        running += minor
        upto = units * running // total
        if upto - done:
            pieces.append((account, upto - done))
        done = upto
    return pieces


def recovery_entry(
    item: Item,
    receipt: Receipt,
    units: int,
    debits: Sequence[tuple[str, int]],
    policy: ArPolicy,
) -> data.Transaction:
    """Returns the entry reinstating `units` of an invoice written off, at the receipt's line."""
    place = (receipt.place, receipt.date, receipt.payee)
    return _entry(item, place, (receipt.id, receipt.link), units, debits, policy)


def straight_entry(
    item: Item, paid: Movement, receipt: str, units: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry reinstating what a receipt posted straight to an invoice recovers of it.

    Dated at the receipt's posting, at its line (`plugins.over_payments`).
    """
    debits = _last_reversible(written_off_items(item, policy), paid.date) or ()
    place = (paid.source, paid.date, paid.entry.payee)
    return _entry(item, place, (receipt, link_of(receipt)), units, debits, policy)


def _entry(
    item: Item,
    place: tuple[Mapping[str, Any], datetime.date, str | None],
    receipt: tuple[str, str],
    units: int,
    debits: Sequence[tuple[str, int]],
    policy: ArPolicy,
) -> data.Transaction:
    """Returns a recovery: the receivable debited, the write-off's debits reversed in proportion.

    Args:
      place: The metadata locating the receipt, its date and its payee.
      receipt: The receipt's id and link.
    """
    located, day, payee = place
    currency = item.currency
    digits = policy.precision.digits(currency)
    postings = [ar_entries.posting(policy.accounts.receivable, units_of(units, currency, digits))]
    for account, piece in reversal(debits, units):
        postings.append(ar_entries.posting(account, units_of(-piece, currency, digits)))
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        APPLIED_RECEIPT: receipt[0],
        ar_entries.KIND: KIND,
    }
    if item.customer:
        extra[meta.CUSTOMER] = item.customer
    return ar_entries.transaction(
        located,
        day,
        f"Recovery of {item.id} written off, from {receipt[0]}",
        ar_entries.APPLICATION_TAGS,
        frozenset((item.id, receipt[1])),
        postings,
        payee or item.document.payee,
        extra,
    )
