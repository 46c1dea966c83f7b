"""Over payments of receipts posted straight to the receivable, moved to customer credits.

A bank import that knows which invoice a receipt pays credits the receivable
itself (`plugins.receipts` reads only receipts waiting in unapplied cash), so
the matcher never sees it. When such receipts pay an invoice more than its
total beyond the tolerance of `config/ar.yaml` (a customer paying 600.00 for
an invoice of 49.00, or paying the same invoice twice), the excess is the
customer's, as the excess of a receipt in unapplied cash is: it is moved to
the customer credits account, one entry per receipt that took the invoice
over, dated at that receipt, located at its line and linked to the invoice
and the receipt. `plugins.customer_credits` then applies it to the
customer's next invoices like any other over payment:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable    49.00 USD
      Income:Revenue:Services     -49.00 USD

    2026-02-01 * "Acme" "Wire 88123" ^INV-1
      bank_reference: "BR-88123"
      invoice: "INV-1"
      Assets:Bank:Operating       600.00 USD
      Assets:AccountsReceivable  -600.00 USD

generates:

    2026-02-01 * "Acme" "Over payment of INV-1 from BR-88123 moved to customer credit"
      #cash-application ^INV-1 ^BR-88123
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "BR-88123"
      revclose_kind: "over-payment"
      customer: "CUS-1"
      Assets:AccountsReceivable     551.00 USD
      Liabilities:CustomerCredits  -551.00 USD

A receipt is what `plugins.payment_differences` calls one
(`plugins.receipts.posted_straight`): a typed credit to the receivable in an
entry with a receipt id (`receipt` or `bank_reference`).
A receipt's excess is how far it takes the invoice's running balance (its
postings by date, debits first on a day) below zero; a later typed debit to
the invoice (a refund by hand) takes back from the latest excess first. What
a credit note or a manual credit over pays is not moved: it stays an error
of `plugins.ar_controls`. An over payment within the tolerance is left to
`plugins.payment_differences`, which writes it off. As there, only an invoice
in the functional currency, or carried in its own currency with no rate, is
looked at: an excess at a foreign carrying rate stays an error for the user.
"""

from __future__ import annotations

import operator
from itertools import compress, repeat
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates
from plugins.receipts import posted_straight
from plugins.receivables import Item, Movement, Subledger

KIND = "over-payment"


class Moved(NamedTuple):
    """The entries that move over payments to customer credits, and the receivable postings."""

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]


def to_customer_credits(subledger: Subledger, rates: Rates, policy: ArPolicy) -> Moved:
    """Returns the entries that move what receipts over paid, beyond the tolerance, to credits.

    Read on the typed items, before anything is generated. Only the items
    the books post to more than once are looked at: an item read with its
    document alone is paid by nothing.

    Args:
      subledger: The open items of the typed books.
      rates: The ledger's prices (an invoice carried at a foreign rate is left alone).
      policy: The tolerance and the customer credits account.
    """
    found: list[tuple[Item, Movement, str, int]] = []
    tolerances: dict[str, int] = {}
    several, balances = subledger.several, subledger.open
    # Nearly every item posted more than once is paid no more than its total:
    # the few in credit are picked out by loops in C over their balances.
    in_credit = compress(several, map(operator.gt, repeat(0), map(balances.__getitem__, several)))
    for item in map(subledger.items.__getitem__, in_credit):
        balance = balances[item.id]
        if not item.is_invoice:
            continue
        tolerance = tolerances.get(item.currency)
        if tolerance is None:
            tolerance = tolerances[item.currency] = policy.tolerance_units(item.currency)
        if balance >= -tolerance or rates.carrying(item) is not None:
            continue
        found += [(item, *excess) for excess in _excesses(item)]
    done = Moved([], [])
    for item, paid, receipt, units in sorted(found, key=_by_invoice):  # not file order
        entry = credit_entry(item, paid, receipt, units, policy)
        done.entries.append(entry)
        done.movements.append((item.id, Movement(entry.date, units, entry, 1, item.currency)))
    return done


def _by_invoice(found: tuple[Item, Movement, str, int]) -> tuple[str, int]:
    return found[0].id, found[1].position


def _excesses(item: Item) -> list[tuple[Movement, str, int]]:
    """Returns each receipt that took an invoice below zero, with how far, in minor units.

    A later debit takes back from the latest excess first, so the excesses
    never add up to more than the invoice is over paid.
    """
    excesses: list[tuple[Movement, str, int]] = []
    running = 0
    for movement in item.movements:
        before, running = running, running + movement.units
        if movement.units > 0 and running > before and excesses:
            taken = min(running, 0) - min(before, 0)  # what the debit takes back of the excess
            while taken and excesses:
                latest = excesses.pop()
                if latest[2] > taken:
                    excesses.append((latest[0], latest[1], latest[2] - taken))
                    break
                taken -= latest[2]
            continue
        over = max(0, -running) - max(0, -before)
        if over <= 0:
            continue
        receipt = posted_straight(movement)
        if receipt is not None:
            excesses.append((movement, receipt, over))
    return excesses


def credit_entry(
    item: Item, paid: Movement, receipt: str, units: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry that moves `units` a receipt over paid an invoice to customer credits."""
    moved = (policy.accounts.receivable, policy.customer_credits_account, units)
    narration = f"Over payment of {item.id} from {receipt} moved to customer credit"
    return ar_entries.receivable_receipt_entry(item, paid, receipt, moved, KIND, narration, policy)
