"""Receipts that pay another customer's invoice: applied, and flagged for review.

A parent pays its subsidiary's invoice, a group pays for one of its
companies: the cash is applied to the invoice the receipt names, but the
payer's statement shows no payment, and cash applied to the wrong customer is
a classic receivables error. So a revenue accountant sees each such pair: one
`!` flag per receipt and invoice, with no postings, dated the day the
receipt is first applied to the invoice (a receipt that names an invoice
billed later is applied, and flagged, on the invoice's date), located at the
receipt's line and linked to the invoice and the receipt:

    2026-01-15 * "Argon Films BV" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-14
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-02-03 * "Crescent Labs" "Wire INV-1"
      receipt: "R-7"
      customer: "CUS-2"
      invoice: "INV-1"
      Assets:Bank:Operating       100.00 USD
      Liabilities:UnappliedCash  -100.00 USD

generates, beside the cash application of R-7 to INV-1:

    2026-02-03 ! "Crescent Labs" "Receipt R-7 from Crescent Labs (CUS-2) pays INV-1 of CUS-1"
      #receivables-review ^INV-1 ^R-7
      revclose_generated_by: "ar_reconciliation"
      revclose_kind: "other-payer"
      revclose_source: "INV-1"
      revclose_receipt: "R-7"
      customer: "CUS-1"

The payer of a receipt waiting in unapplied cash (`plugins.receipts`) is its
customer: its `customer`, else the one customer billed under its payee by
the receipt's day. Only the invoices it names can be another customer's (the matcher's
other steps pay only the receipt's own customer's invoices,
`plugins.cash_matching`), and it is flagged for those it is applied to.

The payer of a receipt posted straight to the receivable
(`plugins.receipts.posted_straight`) is the one customer billed under its
payee (`receipts.payee_key`) by the receipt's day (`receipts.customer_by_payee`): the
bank importer writes the invoice's own `customer` on it, so that says
nothing of who paid. A payee that is no customer's, or several customers',
by that day names no payer and raises no flag; nor does an invoice with no
customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries
from plugins.receipts import Receipts, customer_by_payee, customers_by_payee, posted_straight
from plugins.receivables import Subledger


class OtherPayer(NamedTuple):
    """A receipt of one customer that pays an invoice of another."""

    receipt: str  # its id
    invoice: str
    date: datetime.date  # the day it is applied to the invoice (its first application)
    located: Mapping[str, Any]  # the metadata of the receipt's line
    payee: str | None
    payer: str  # the receipt's customer
    customer: str  # the invoice's


def flags(subledger: Subledger, receipts: Receipts) -> list[data.Transaction]:
    """Returns a review flag for each receipt that pays an invoice of another customer.

    Args:
      subledger: The open items, with every cash application in them.
      receipts: The receipts in unapplied cash, with every use of them.
    """
    found = {
        (one.receipt, one.invoice): one
        for one in (*applied_across(subledger, receipts), *posted_across(subledger))
    }
    return [_flag(found[key]) for key in sorted(found)]


def applied_across(subledger: Subledger, receipts: Receipts) -> Iterator[OtherPayer]:
    """Yields each receipt in unapplied cash applied to another customer's invoice it names.

    Only the receipts noted, as they were read, to name an invoice of
    another customer (`Receipts.naming_others`) are looked at: most receipts
    name none, or their own customer's.
    """
    items, uses, by_id = subledger.items, receipts.uses, receipts.by_id
    for receipt in map(by_id.__getitem__, receipts.naming_others):
        payer = receipt.customer
        for invoice in receipt.naming:
            owner = items[invoice].customer
            if owner == payer or not owner:
                continue
            applied = [use.date for use in uses.get(receipt.id, ()) if invoice in use.entry.links]
            if applied:
                payee = receipt.payee
                yield OtherPayer(
                    receipt.id, invoice, min(applied), receipt.source, payee, payer, owner
                )


def posted_across(subledger: Subledger) -> Iterator[OtherPayer]:
    """Yields each receipt posted straight to an invoice whose payee is another customer's.

    Only the items the books post to more than once can have such a
    receipt, and only one whose payee is not the invoice's own can be
    another customer's: the customers of each payee are read the first
    time one is.
    """
    items = subledger.items
    payees: dict[str, list[tuple[datetime.date, str]]] | None = None
    for item in map(items.__getitem__, subledger.several):
        owner, usual = item.customer, item.document.payee
        if not owner:
            continue
        for movement in item.movements:
            payee = movement.entry.payee
            if not payee or payee == usual:
                continue
            receipt = posted_straight(movement)
            if receipt is None:
                continue
            if payees is None:
                payees = customers_by_payee(subledger)
            payer = customer_by_payee(payees, payee, movement.date)
            if payer and payer != owner:
                yield OtherPayer(
                    receipt, item.id, movement.date, movement.source, payee, payer, owner
                )


def _flag(found: OtherPayer) -> data.Transaction:
    payer = f"{found.payee} ({found.payer})" if found.payee else found.payer
    narration = f"Receipt {found.receipt} from {payer} pays {found.invoice} of {found.customer}"
    return ar_entries.review_flag(
        found.located,
        found.date,
        ar_entries.OTHER_PAYER,
        narration,
        found.invoice,
        found.payee,
        found.customer,
        receipt=found.receipt,
    )
