"""Cash application: from the books' receipts and open invoices to application entries.

Each receipt becomes a payment for the matcher (`plugins.cash_matching`) in
the currency of the invoices it may pay. A receipt pays invoices in its own
currency; a receipt in the functional currency pays invoices in another
currency at the ledger's price on the receipt's date (33.00 USD at 1.10 is
30.00 EUR), and the difference from their carrying rate is a realized
exchange gain or loss. It does so when it names them, and, when it names
none, when the converted amount is within the tolerance of the open amount of
one of its customer's invoices in that currency (the matcher's converted
amount step). Invoice ids found only among the words of a receipt count when
the receipt names no customer or the invoice's own.

A receipt in an invoice's own currency realizes the difference of their
rates when both have one; with a rate on one side only (a receipt with no
price on it and none in the ledger on or before its date paying an invoice
carried at a rate, or one with an `@` price paying an invoice carried in
its own currency alone) the pair is reported (`_without_a_rate`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from beancount.core import data

from plugins import ar_entries, cash_matching, credit_notes, customer_credits
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates, own_rate, payment_rate, without_a_rate
from plugins.matching_terms import Application, OverPaying, Paying, Payment
from plugins.receipts import Receipt, Receipts, Use, posted_straight
from plugins.receivables import Finding, Item, Movement, Subledger
from plugins.recoveries import credited_by_hand_on_their_days

Ratios = dict[tuple[str, str], Fraction]  # (receipt, invoice currency): receipt units per unit


@dataclass
class _Payments:
    """The matcher's view of the receipts, and how to turn its answer back into entries.

    A receipt not yet used and in the currency of what it names is its own
    payment; one partly used or paying invoices in another currency becomes
    a `Payment` of what is left, in the invoices' currency.
    """

    policy: ArPolicy
    rates: Rates
    subledger: Subledger
    payments: list[Paying] = field(default_factory=list)
    converted: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    ratios: Ratios = field(default_factory=dict)  # receipts in another currency than invoices
    findings: list[Finding] = field(default_factory=list)
    foreign: dict[str, list[str]] = field(default_factory=dict)  # customer: other currencies

    def __post_init__(self) -> None:
        functional = self.rates.functional
        if functional is None:
            return
        found: dict[str, set[str]] = defaultdict(set)
        for item in self.subledger.foreign(functional):
            if item.is_invoice and self.rates.carrying(item):
                found[item.customer].add(item.currency)
        self.foreign = {customer: sorted(codes) for customer, codes in found.items()}

    def add(self, receipt: Receipt, unapplied: int) -> None:
        named = receipt.named
        items = self.subledger.items
        if not named or (len(named) == 1 and items[named[0]].currency == receipt.currency):
            if not named and self.foreign:
                self.convert(receipt, unapplied)
            if unapplied == receipt.amount:
                self.payments.append(receipt)
            else:
                self.payments.append(
                    Payment(
                        receipt.id,
                        receipt.customer,
                        receipt.currency,
                        receipt.date,
                        unapplied,
                        named,
                        receipt.later,
                    )
                )
            return
        invoices = [items[name] for name in named]
        amount, currency = unapplied, receipt.currency
        if {item.currency for item in invoices} != {receipt.currency}:
            converted = self.converted_named(receipt, invoices, unapplied)
            if converted is None or converted[0] <= 0:
                return
            amount, currency = converted
            self.ratios[(receipt.id, currency)] = Fraction(unapplied, amount)
        self.payments.append(
            Payment(receipt.id, receipt.customer, currency, receipt.date, amount, named)
        )

    def convert(self, receipt: Receipt, unapplied: int) -> None:
        """Converts an unnamed receipt into each other currency its customer is billed in.

        Only a receipt in the functional currency is converted, at the
        ledger's price on its date; a currency without one is left out.
        """
        codes = self.foreign.get(receipt.customer)
        if not codes or receipt.currency != self.rates.functional:
            return
        for code in codes:
            rate = self.rates.price(code, receipt.date)
            if rate:
                amount = self.in_currency(unapplied, receipt.currency, code, Fraction(rate))
                if amount > 0:
                    self.ratios[(receipt.id, code)] = Fraction(unapplied, amount)
                    self.converted.setdefault(receipt.id, []).append((code, amount))

    def in_currency(self, units: int, currency: str, other: str, rate: Fraction) -> int:
        """Returns minor units of `currency` as minor units of `other`, `rate` of it per `other`."""
        digits = self.policy.precision
        scale = Fraction(10) ** (digits.digits(other) - digits.digits(currency))
        return round(Fraction(units) / rate * scale)

    def converted_named(
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
        amount = self.in_currency(unapplied, receipt.currency, currencies[0], Fraction(rate))
        return amount, currencies[0]


def open_amounts(subledger: Subledger, customers: Collection[str] | None = None) -> dict[str, int]:
    """Returns what is open of each invoice (not credit note) of the subledger, if anything.

    Args:
      subledger: The open items.
      customers: If given, only the invoices of these customers.
    """
    # The matcher orders what it is given, so the subledger's order does not matter.
    balances = subledger.open
    if customers is not None:
        return {
            item.id: balances[item.id]
            for item in subledger.of_customers(customers)
            if balances[item.id] > 0 and item.is_invoice
        }
    # Nearly every item is an invoice: the few others are taken out after, by the index.
    found = {invoice: left for invoice, left in balances.items() if left > 0}
    for other in subledger.others:
        found.pop(other, None)
    return found


def credited_later(
    subledger: Subledger,
    policy: ArPolicy,
    customers: Collection[str] | None = None,
) -> dict[str, frozenset[datetime.date]]:
    """Returns the days after its own each invoice is credited or written off.

    A receipt posted straight to it (`plugins.receipts.posted_straight`), a
    credit note netted to it (`plugins.credit_notes.netted`), a credit
    typed by hand to it (`plugins.credit_notes.credited_by_hand`: a
    goodwill credit, an adjustment), or a write-off of it as uncollectible
    (`plugins.credit_notes.written_off_by_hand`). The matcher reads such an
    invoice on those days, not before (`plugins.cash_matching`): what the
    credit pays is known on its day, and what it over pays then is the
    customer's (`plugins.over_payments.InCalendar`), or, of an invoice
    written off as uncollectible, first recovers what was written off (a
    receipt's) or lowers it (a note's or a credit by hand's,
    `plugins.recoveries`); cash matched before a write-off pays what was
    open before it, so a write-off after a chargeback reopened the
    invoice writes off what the chargeback opened
    (`plugins.chargebacks.Charged.in_calendar`). Only
    items posted more than once when read, and the invoices credit notes
    credit, can have one. Of an invoice carried at a foreign rate too,
    written off or not: what they over pay first recovers or lowers what is
    still written off, and the rest is moved or written off at its carrying
    rate (`plugins.over_payments.InCalendar`).

    Args:
      subledger: The open items.
      policy: The receivables policy: what is written off as uncollectible.
      customers: If given, only the invoices of these customers.
    """
    items, found = subledger.items, {}
    credited = (credit_notes.credited_invoice(items[note], items) for note in subledger.notes)
    names = dict.fromkeys(subledger.several)
    names.update((invoice.id, None) for invoice in credited if invoice is not None)
    for name in names:
        item = items[name]
        if not item.is_invoice or (customers is not None and item.customer not in customers):
            continue
        days = _credit_days(item, policy)
        if days:
            found[name] = days
    return found


def _credit_days(item: Item, policy: ArPolicy) -> frozenset[datetime.date]:
    """Returns the days after its own an invoice is credited or written off.

    Its credit notes netted, write-offs, straight receipts and credits typed
    by hand (`plugins.recoveries.credited_by_hand_on_their_days`), of an
    invoice carried at a foreign rate as of one in its own currency.
    """
    dated = item.date
    days: set[datetime.date] = set()
    for movement in item.movements:
        if movement.date <= dated or movement.units >= 0:
            continue
        if (
            credit_notes.netted(movement)
            or credit_notes.written_off_by_hand(movement)
            or posted_straight(movement) is not None
        ):
            days.add(movement.date)
    days.update(movement.date for movement in credited_by_hand_on_their_days(item, policy))
    return frozenset(days)


@dataclass(frozen=True)
class CashApplied:
    """The cash applications of the books, and what they add to the subledgers.

    Attributes:
      entries: The generated cash application entries.
      movements: Each generated receivable posting, with its invoice id.
      uses: Each generated debit to unapplied cash, with its receipt id.
      findings: A finding for each receipt that cannot be applied.
      crediting: The entries among them that post to the customer credits
        account (an over payment parked there), for `plugins.customer_credits`.
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    uses: list[tuple[str, Use]]
    findings: list[Finding]
    crediting: list[data.Transaction]


def _settlement(
    receipt: Receipt, item: Item, ratio: Fraction | None, rates: Rates
) -> ar_entries.Settlement:
    functional = rates.functional
    if functional is None or receipt.currency == item.currency == functional:
        return ar_entries.Settlement(receipt, item, ratio)
    crossed = receipt.currency != item.currency
    carrying = rates.carrying(item)
    own = own_rate(receipt.posting, functional)
    return ar_entries.Settlement(
        receipt,
        item,
        ratio,
        payment_rate(own, receipt.currency, receipt.date, carrying, rates),
        carrying,
        rates.price(item.currency, receipt.date) if crossed else None,
    )


def _without_a_rate(settlement: ar_entries.Settlement, functional: str | None) -> str | None:
    """Returns why a receipt and an invoice of one currency, one side without a rate, cannot settle.

    A receipt in the invoice's currency is worth the price on its unapplied
    cash posting, else, paying an invoice carried at a rate, the ledger's
    price on its date or the latest before (`plugins.fx.payment_rate`); an
    invoice is carried at the rate it was billed at. The rule and its
    message are `plugins.fx.without_a_rate`'s, as for a receipt posted
    straight to the invoice and a customer's credit.
    """
    receipt, item = settlement.receipt, settlement.item
    if receipt.currency != item.currency:
        return None
    return without_a_rate(
        f"Receipt '{receipt.id}'",
        (receipt.date, settlement.receipt_rate),
        item,
        settlement.invoice_rate,
        functional,
        "its unapplied cash posting",
    )


def apply(
    subledger: Subledger,
    receipts: Receipts,
    rates: Rates,
    policy: ArPolicy,
    customers: Collection[str] | None = None,
    recovering: Callable[[list[Application]], list[Application]] | None = None,
    crediting: customer_credits.Crediting | None = None,
    over_paid: OverPaying | None = None,
) -> CashApplied:
    """Returns the cash applications of the books' receipts to their open invoices.

    Args:
      subledger: The receivable's open items (typed postings, and credit notes netted).
      receipts: The receipts, with what typed and generated entries already used of them.
      rates: The ledger's prices in the functional currency.
      policy: The receivables policy.
      customers: If given, only the receipts naming no invoice of these
        customers are matched, to these customers' invoices: a second pass
        after chargebacks opened some of them again.
      recovering: If given, turns the matcher's applications into those
        made: what receipts naming an invoice written off leave over
        recovers it (`plugins.recoveries.Recovering`).
      crediting: If given, the customer credits the matcher applies on its
        days (`plugins.customer_credits.Crediting`), which keeps what they pay.
      over_paid: If given, what takes in the excess of a receipt posted
        straight to an invoice on its day (`plugins.over_payments.InCalendar`).
    """
    view = _Payments(policy, rates, subledger)
    blocked = receipts.blocked
    for receipt in receipts.by_id.values():  # the matcher orders them
        if customers is not None and (receipt.named or receipt.customer not in customers):
            continue
        unapplied = receipts.unapplied(receipt.id)
        if unapplied > 0 and receipt.id not in blocked:
            view.add(receipt, unapplied)
    still_open = open_amounts(subledger, customers)
    if crediting is not None:
        crediting.ratios = view.ratios  # a credit is parked in its receipt's currency
    applications = cash_matching.match_open(
        view.payments,
        subledger.items,
        still_open,
        policy.tolerance_units,
        policy.match_candidates,
        view.converted,
        receipts.last_used,
        crediting,
        credited_later(subledger, policy, customers),
        over_paid,
    )
    if recovering is not None:
        applications = recovering(applications)
    cash = _cash_in_receipt_units(applications, subledger.items, view.ratios)
    done = CashApplied([], [], [], view.findings, [])
    receivable, functional = policy.accounts.receivable, rates.functional
    by_id, items = receipts.by_id, subledger.items
    entries, movements, used_up = done.entries, done.movements, done.uses
    writer = ar_entries.ExactWriter(policy)
    credits_account = policy.customer_credits_account
    # An exact application posts only to these two: to the credits account only if it is one.
    exact_credits = credits_account in (receivable, policy.accounts.unapplied_cash)
    for index, application in enumerate(applications):
        receipt = by_id[application.receipt]
        item = items[application.invoice]
        currency, used = item.currency, application.cash
        if (
            receipt.currency == currency
            and (functional is None or currency == functional)
            and used == application.cleared
            and not application.credited
        ):  # the common case: no rate, no difference
            entry = writer.entry(application, receipt, item)
            position = 2
            if exact_credits:
                done.crediting.append(entry)
        else:
            ratio = view.ratios.get((receipt.id, currency))
            settlement = _settlement(receipt, item, ratio, rates)
            unrated = _without_a_rate(settlement, functional) if application.cleared else None
            if unrated is not None:
                done.findings.append((receipt.source, unrated, receipt.entry))
            used = cash.get(index, used)
            entry = ar_entries.application_entry(application, settlement, used, policy)
            # The receivable is the first leg, or the second after the unapplied cash.
            position = 1 if entry.postings[0].account == receivable else 2
            if any(posting.account == credits_account for posting in entry.postings):
                done.crediting.append(entry)
        entries.append(entry)
        used_up.append((receipt.id, _new(Use, (entry.date, used, entry))))
        if application.cleared:
            movement = (entry.date, -application.cleared, entry, position, currency)
            movements.append((item.id, _new(Movement, movement)))
    return done


_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__


def _cash_in_receipt_units(
    applications: Sequence[Application], items: Mapping[str, Item], ratios: Ratios
) -> dict[int, int]:
    """Returns, by index, what each application of a receipt in another currency takes from it."""
    if not ratios:
        return {}
    crossed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, application in enumerate(applications):
        key = (application.receipt, items[application.invoice].currency)
        if key in ratios:
            crossed[key].append(index)
    cash: dict[int, int] = {}
    for key, indices in crossed.items():
        pieces = ar_entries.cash_of([applications[i] for i in indices], ratios[key])
        cash.update(zip(indices, pieces, strict=True))
    return cash
