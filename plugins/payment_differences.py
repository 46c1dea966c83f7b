"""Payment differences of receipts posted straight to the receivable, written off.

A bank import that knows which invoice a receipt pays credits the receivable
itself (`plugins.receipts` reads only receipts waiting in unapplied cash).
When such receipts pay an invoice within the tolerance of `config/ar.yaml`
but not exactly, the few cents left would stay open forever. Once every
receipt is applied, an invoice whose last posting is such a receipt and
whose balance is not zero but within the tolerance has the difference
written off to the policy's write-off account, dated at that receipt,
located at its line and linked to the invoice and the receipt:

    2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-02-01 * "Acme" "Wire 88123" ^INV-1
      bank_reference: "BR-88123"
      invoice: "INV-1"
      Assets:Bank:Operating        99.97 USD
      Assets:AccountsReceivable   -99.97 USD

generates:

    2026-02-01 * "Acme" "Payment difference of INV-1 from BR-88123 written off"
      #cash-application ^INV-1 ^BR-88123
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "BR-88123"
      revclose_kind: "payment-difference"
      customer: "CUS-1"
      Expenses:PaymentDifferences   0.03 USD
      Assets:AccountsReceivable    -0.03 USD

A receipt here is a typed credit to the receivable in an entry that carries a
receipt id (`receipt` or `bank_reference` metadata, as the bank importers
write; `plugins.receipts.posted_straight`): a credit note or a write-off by
hand posted to the invoice is not a receipt, and what it leaves open is the
user's to settle. An over payment within the tolerance is written off the
same way (a credit to the write-off account); a larger one is moved to
customer credits (`plugins.over_payments`). Only an invoice in the functional
currency, or carried in its own currency with no rate, is written off: a
difference at a foreign carrying rate is left to the user.
"""

from __future__ import annotations

from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, meta
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates
from plugins.receipts import posted_straight
from plugins.receivables import Item, Movement, Subledger

KIND = "payment-difference"


class WrittenOff(NamedTuple):
    """The entries that write payment differences off, and the receivable postings they add."""

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]


def write_offs(subledger: Subledger, rates: Rates, policy: ArPolicy) -> WrittenOff:
    """Returns the write-offs of invoices that receipts paid within the tolerance, but not exactly.

    Only the items the books post to more than once are looked at: an item
    read with its document alone has no receipt posted straight to it.

    Args:
      subledger: The open items, with every cash application and credit in them.
      rates: The ledger's prices (an invoice carried at a foreign rate is left alone).
      policy: The tolerance and the write-off account.
    """
    found: list[tuple[Item, Movement, str, int]] = []
    tolerances: dict[str, int] = {}
    for item in (subledger.items[invoice] for invoice in subledger.several):
        movements = item.movements
        # Most items: paid by the plugin (their last posting is generated).
        if not item.is_invoice:
            continue
        last = movements[-1]
        if last.units >= 0 or meta.GENERATED_BY in last.entry.meta:
            continue
        left = subledger.open[item.id]
        tolerance = tolerances.get(item.currency)
        if tolerance is None:
            tolerance = tolerances[item.currency] = policy.tolerance_units(item.currency)
        if not left or abs(left) > tolerance:
            continue
        receipt = posted_straight(last)
        if receipt is None or rates.carrying(item) is not None:
            continue
        found.append((item, last, receipt, left))
    done = WrittenOff([], [])
    for item, last, receipt, left in sorted(found, key=lambda one: one[0].id):  # not file order
        entry = write_off_entry(item, last, receipt, left, policy)
        done.entries.append(entry)
        done.movements.append((item.id, Movement(entry.date, -left, entry, 2, item.currency)))
    return done


def write_off_entry(
    item: Item, paid: Movement, receipt: str, left: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry that writes off what is `left` of an invoice after its last receipt."""
    moved = (policy.write_off_account, policy.accounts.receivable, left)
    narration = f"Payment difference of {item.id} from {receipt} written off"
    return ar_entries.receivable_receipt_entry(item, paid, receipt, moved, KIND, narration, policy)
