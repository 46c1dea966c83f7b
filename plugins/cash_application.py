"""Cash application: from the books' receipts and open invoices to application entries.

Each receipt becomes a payment for the matcher (`plugins.cash_matching`) in
the currency of the invoices it may pay. A receipt pays invoices in its own
currency; a receipt in the functional currency that names invoices in another
currency pays them at the ledger's price on the receipt's date (33.00 USD at
1.10 is 30.00 EUR), and the difference from their carrying rate is a realized
exchange gain or loss. Invoice ids found only among the words of a receipt
count when the receipt names no customer or the invoice's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from beancount.core import data

from plugins import ar_entries, cash_matching
from plugins.ar_policy import ArPolicy
from plugins.cash_matching import Application, OpenInvoice, Payment
from plugins.fx import Rates
from plugins.receipts import Receipt, Receipts, Use
from plugins.receivables import Finding, Item, Movement, Subledger


@dataclass
class _Payments:
    """The matcher's view of the receipts, and how to turn its answer back into entries."""

    policy: ArPolicy
    rates: Rates
    items: dict[str, Item]
    payments: list[Payment]
    ratios: dict[str, Fraction]  # receipts in another currency than their invoices
    findings: list[Finding]

    def add(self, receipt: Receipt, unapplied: int) -> None:
        if not receipt.named:
            self.payments.append(
                Payment(receipt.id, receipt.customer, receipt.currency, receipt.date, unapplied)
            )
            return
        names = [
            name
            for name in receipt.named
            if name not in receipt.by_words
            or not receipt.customer
            or self.items[name].customer == receipt.customer
        ]
        named = [self.items[name] for name in names if self.items[name].is_invoice]
        currencies = {item.currency for item in named}
        amount, currency = unapplied, receipt.currency
        if currencies and currencies != {receipt.currency}:
            converted = self.converted(receipt, named, unapplied)
            if converted is None or converted[0] <= 0:
                return
            amount, currency = converted
            self.ratios[receipt.id] = Fraction(unapplied, amount)
        self.payments.append(
            Payment(
                receipt.id,
                receipt.customer,
                currency,
                receipt.date,
                amount,
                tuple(item.id for item in named),
            )
        )

    def converted(
        self, receipt: Receipt, named: Sequence[Item], unapplied: int
    ) -> tuple[int, str] | None:
        """Returns a receipt's amount in its invoices' currency, or None with a finding."""
        currencies = sorted({item.currency for item in named})
        ids = ", ".join(f"'{item.id}'" for item in named)
        functional = self.rates.functional
        problem = None
        if len(currencies) > 1 or receipt.currency != functional:
            problem = (
                f"names invoices {ids} in {', '.join(currencies)}; expected invoices in "
                f"{receipt.currency}" + (f" or a receipt in {functional}" if functional else "")
            )
        elif any(self.rates.carrying(item) is None for item in named):
            problem = (
                f"in {functional} names invoices {ids} in {currencies[0]} with no carrying "
                f"rate; expected an '@' price on the receivable posting or a {currencies[0]} "
                f"price in {functional} on or before the invoice date"
            )
        rate = self.rates.price(currencies[0], receipt.date)
        if problem is None and not rate:
            problem = (
                f"in {functional} names invoices {ids} in {currencies[0]}, and the ledger has "
                f"no {currencies[0]} price in {functional} on or before {receipt.date}"
            )
        if problem is not None or rate is None:
            message = f"Receipt '{receipt.id}' {problem}"
            self.findings.append((receipt.source, message, receipt.entry))
            return None
        digits = self.policy.precision
        exact = Fraction(unapplied) / Fraction(rate)
        scale = Fraction(10) ** (digits.digits(currencies[0]) - digits.digits(receipt.currency))
        return round(exact * scale), currencies[0]


def _open_invoices(subledger: Subledger) -> list[OpenInvoice]:
    # The matcher orders what it is given, so the subledger's order does not matter.
    return [
        OpenInvoice(item.id, item.customer, item.currency, first.date, item.balance())
        for item in subledger.items.values()
        if (first := item.movements[0]).units > 0
    ]


@dataclass(frozen=True)
class CashApplied:
    """The cash applications of the books, and what they add to the subledgers.

    Attributes:
      entries: The generated cash application entries.
      movements: Each generated receivable posting, with its invoice id.
      uses: Each generated debit to unapplied cash, with its receipt id.
      findings: A finding for each receipt that cannot be applied.
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    uses: list[tuple[str, Use]]
    findings: list[Finding]


def _settlement(
    receipt: Receipt, item: Item, ratio: Fraction | None, rates: Rates
) -> ar_entries.Settlement:
    functional = rates.functional
    if functional is None or receipt.currency == item.currency == functional:
        return ar_entries.Settlement(receipt, item, ratio)
    return ar_entries.Settlement(
        receipt, item, ratio, rates.of_posting(receipt.posting, receipt.date), rates.carrying(item)
    )


def apply(subledger: Subledger, receipts: Receipts, rates: Rates, policy: ArPolicy) -> CashApplied:
    """Returns the cash applications of the books' receipts to their open invoices.

    Args:
      subledger: The receivable's open items (typed postings only).
      receipts: The receipts, with what typed entries already used of them.
      rates: The ledger's prices in the functional currency.
      policy: The receivables policy.
    """
    view = _Payments(policy, rates, subledger.items, [], {}, [])
    for receipt in receipts.by_id.values():  # the matcher orders them
        unapplied = receipts.unapplied(receipt.id)
        if unapplied > 0 and receipt.id not in receipts.blocked:
            view.add(receipt, unapplied)
    applications = cash_matching.match(
        view.payments, _open_invoices(subledger), policy.tolerance_units, policy.match_candidates
    )
    cash = _cash_in_receipt_units(applications, view.ratios)
    done = CashApplied([], [], [], view.findings)
    receivable = policy.accounts.receivable
    for index, application in enumerate(applications):
        receipt = receipts.by_id[application.receipt]
        item = subledger.items[application.invoice]
        settlement = _settlement(receipt, item, view.ratios.get(receipt.id), rates)
        used = cash.get(index, application.cash)
        entry = ar_entries.application_entry(application, settlement, used, policy)
        done.entries.append(entry)
        done.uses.append((receipt.id, Use(entry.date, used, entry)))
        if application.cleared:
            # The receivable is the first leg, or the second after the unapplied cash.
            position = 1 if entry.postings[0].account == receivable else 2
            movement = Movement(entry.date, -application.cleared, entry, position, item.currency)
            done.movements.append((item.id, movement))
    return done


def _cash_in_receipt_units(
    applications: Sequence[Application], ratios: Mapping[str, Fraction]
) -> dict[int, int]:
    """Returns, by index, what each application of a receipt in another currency takes from it."""
    crossed: dict[str, list[int]] = defaultdict(list)
    for index, application in enumerate(applications):
        if application.receipt in ratios:
            crossed[application.receipt].append(index)
    cash: dict[int, int] = {}
    for receipt_id, indices in crossed.items():
        pieces = ar_entries.cash_of([applications[i] for i in indices], ratios[receipt_id])
        cash.update(zip(indices, pieces, strict=True))
    return cash
