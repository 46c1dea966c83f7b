"""Receivables reports: aging, DSO, unapplied cash, open items, statements, holds, credits.

Each is a function `(books, ...) -> Table` over the books as loaded (generated
cash applications included), reading the open items (`plugins.receivables`)
and the receipts (`plugins.receipts`) the plugin itself reads, so a report and
the ledger cannot disagree. The receivables policy is the one the
`plugins.ar_reconciliation` line names, else the defaults. Amounts are in each
item's own currency; only the aging's functional rows and the credit-hold
list's exposure (to test a limit) are translated.

An item is open at a day when its postings through the day do not net to
zero, even before its document's date (cash posted to an invoice before it
is issued): such an item is dated and due at its first posting
(`Receivables.open_items`).

- **Aging** as of a date: each open item's balance in a bucket by days past
  its `due` date (an item with none is due on its date): current (not yet
  due), 1-30, 31-60, 61-90, over 90; by customer and currency, then a total
  per currency with the receivable's general ledger balance and the
  difference, which is zero when every receivable posting names an invoice.
  When the receivable holds foreign currencies carried at a rate, rows in the
  functional currency follow (`functional_rows`): each foreign currency's
  open amount at its carrying rates and its remeasurement on the sub-account,
  the functional currency's own items, and a functional total tied to the
  receivable's and the sub-account's general ledger value in the functional
  currency.
- **DSO** for a month, per currency: ending receivable / the month's billings
  x days in the month; and by the countback method, the days of billings,
  counted back month by month from the month end, that the ending receivable
  holds. Billings are the invoices and credit notes themselves, by document
  date, less the voids of invoices, by the void's date. A receivable at or
  below zero is 0 days by every method. Each row names the method. A
  currency with an unbilled receivable at the month end has a third row:
  (open items + unbilled receivable) / the month's revenue x days.
- **Credit hold** as of a date: customers with an invoice past due beyond
  the policy, or whose net exposure (open items less their unapplied cash
  and customer credits) is over their limit; exposure in a currency without
  a limit counts, translated, toward the functional-currency limit.
- **Customer credits** as of a date: what the customer credits account holds
  for each customer (the customer the statement gives each posting), by
  currency, then a total per currency with the account's general ledger
  balance and the difference.
"""

from __future__ import annotations

import datetime
import difflib
import os
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import partial
from typing import Any, NamedTuple, TypeVar

from beancount.core import data

from plugins import (
    ar_entries,
    chargebacks,
    credit_transfers,
    customers,
    fx,
    meta,
    receipts,
    receivables,
    recoveries,
)
from plugins import customer_credits as credits_plugin
from plugins.ar_policy import ArPolicy
from plugins.currency import Precision
from plugins.customer_credits import UNASSIGNED  # the customer of what is nobody's
from plugins.receipts import Receipt, Receipts, Use
from plugins.receivables import Item, Movement, Subledger
from plugins.schedule import add_months, month_end
from reports import credit_origins, period
from reports.books import Books, balances, latest_complete_month
from reports.controls import Control
from reports.sources import Sources
from reports.table import Table

_Number = TypeVar("_Number", int, Fraction)
BUCKETS = ("current", "1-30", "31-60", "61-90", "over_90")
AGING_COLUMNS = ("customer", "name", "currency", *BUCKETS, "total", "gl_balance", "difference")
COUNTBACK_MONTHS = 24
DSO_COLUMNS = ("currency", "receivable", "billings", "days", "dso", "countback_dso", "method")
DSO_METHOD = (
    "dso = receivable / billings x days; countback_dso = days of billings, month by month "
    "back from the month end, that the receivable holds"
)
DSO_UNBILLED_METHOD = (
    "simple, with unbilled: dso = (receivable + unbilled receivable) / revenue x days; on this "
    "row receivable includes the unbilled receivable and billings is the month's revenue"
)
DSO_NOTE = (
    "Receivable: the open items at the month end. Billings: the month's invoices and credit "
    "notes by their date, less voids of invoices by the void's date. countback_dso is empty "
    f"when {COUNTBACK_MONTHS} months of billings do not cover the receivable. A receivable "
    "at or below zero (credits and cash exceed the open invoices) has no sales outstanding: "
    "0.0 days by every method, its balance shown as it is. A currency "
    "with an unbilled receivable at the month end has a row 'simple, with unbilled': the open "
    "items plus the unbilled receivable account's balance, over the month's revenue (its net "
    "credits to the revenue account and its sub-accounts, in the currency of a priced "
    "receivable they are posted against)."
)
UNAPPLIED_COLUMNS = (
    "receipt", "date", "age_days", "customer", "payee", "currency", "received", "applied",
    "paid_out", "unapplied", "gl_balance", "difference",
)  # fmt: skip
OPEN_COLUMNS = (
    "invoice", "customer", "date", "due", "days_past_due", "currency", "billed", "paid",
    "credited", "open", "links",
)  # fmt: skip
STATEMENT_COLUMNS = (
    "date", "currency", "document", "type", "description", "charges", "credits", "balance",
)  # fmt: skip
HOLD_COLUMNS = (
    "customer", "name", "currency", "open", "unapplied", "credits", "translated", "exposure",
    "credit_limit", "days_past_due", "reason",
)  # fmt: skip
STATEMENTS_COLUMNS = ("customer", "name", *STATEMENT_COLUMNS)
CREDITS_COLUMNS = ("customer", "name", "currency", "credit", "gl_balance", "difference")
TOTAL = "Total"
FUNCTIONAL = "Functional"  # the aging's rows in the functional currency
FUNCTIONAL_TOTAL = "Functional total"
# A day's documents, in the order a statement shows them before anything else of the day.
_DOCUMENTS = ("invoice", "credit note")
# What the bank import posts straight to an item: all of it is cash (`_paid_by`).
_CASH = ("payment", "refund")


def shown(customer: str) -> str:
    """Returns a customer as the reports show it: its id, or "(unassigned)" when it has none.

    An invoice without a `customer`, a receipt whose payer is not known and a
    customer credit that is nobody's are all "(unassigned)": in the aging,
    the open invoices, the unapplied cash, the credit-hold list, the review
    list and the statements alike.
    """
    return customer or UNASSIGNED


class Receivables:
    """The books' open items and receipts, read once for the reports."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.policy: ArPolicy = books.receivables_policy()
        accounts, precision = self.policy.accounts, self.policy.precision
        self.items: Subledger = receivables.read(books.entries, accounts.receivable, precision)[0]
        folder = books.options.get("filename") or books.path
        self.receipts: Receipts = receipts.read(
            books.entries,
            accounts.unapplied_cash,
            precision,
            self.items,
            _folder(str(folder)),
        )[0]

    def number(self, units: int, currency: str) -> Decimal:
        """Returns minor units as an amount with the currency's decimals."""
        return self.policy.precision.from_minor(units, currency)

    def open_items(self, as_of: datetime.date) -> list[tuple[Item, int]]:
        """Returns the items open at the end of a day with their balance, by customer and date.

        An item is open when its postings through the day do not net to zero,
        whatever its document's date: cash posted to an invoice before the
        invoice is issued is a credit the customer holds that day, in the
        receivable's balance. Such an item is returned as the books through
        that day know it (`Item.known_through`): dated at, and due from, what
        is posted to it, and billed to no customer that a later document names.
        """
        found = [
            (known, balance)
            for item in self.items.items.values()
            if (balance := item.balance(as_of)) and (known := item.known_through(as_of))
        ]
        return sorted(found, key=lambda pair: (pair[0].customer, pair[0].date, pair[0].id))

    def ledger_balance(self, account: str, as_of: datetime.date) -> dict[str, Decimal]:
        """Returns an account's general ledger balance at the end of a day, by currency."""
        found = balances(self.books.entries, as_of, lambda name: name == account)
        return {currency: number for (_, currency), number in found.items()}

    def _functional_postings(
        self, rates: fx.Rates, as_of: datetime.date
    ) -> Iterator[tuple[data.Transaction, data.Posting, Decimal]]:
        """Yields the postings to the receivable and its remeasurement account up to a day.

        Each comes with its value in the functional currency, the posting's
        weight in it: its units if in it, else its units at its price in it,
        else at the ledger's price on its date (plugins.fx.Rates.of_posting).
        A posting with none (a currency with no price at all) is left out, and
        so is every posting of an item carried in its own currency
        (`own_currency_postings`): its application is read as its invoice is.
        """
        wanted = {self.policy.accounts.receivable, self.policy.remeasurement_account}
        own = self.own_currency_postings(rates)
        for entry in self.books.entries:
            if not isinstance(entry, data.Transaction) or entry.date > as_of:
                continue
            for position, posting in enumerate(entry.postings, 1):
                units = posting.units
                if posting.account not in wanted or units is None:
                    continue
                if (id(entry), position) in own:
                    continue
                if units.currency == rates.functional:
                    rate: Decimal | None = Decimal(1)
                else:
                    rate = rates.of_posting(posting, entry.date)
                if rate is not None and isinstance(units.number, Decimal):
                    yield entry, posting, units.number * rate

    def own_currency_postings(self, rates: fx.Rates) -> set[tuple[int, int]]:
        """Returns the places (entry, 1-based position) of the postings of items without a rate.

        An item is carried at a rate when its document's posting has one
        (`fx.Rates.carrying`); one that has none is carried in its own
        currency, and so are all its postings, whatever the price of their
        day: 100.00 EUR billed before EUR has a price and paid 40.00 EUR
        after has no functional value, neither the invoice nor the payment.
        A payment typed at a price of its own (`-40.00 EUR @ 1.10 USD`) weighs
        -44.00 USD nothing open carries: the plugin reports it at its line
        (`plugins.fx.paid_with_one_rate`).
        """
        functional = rates.functional
        return {
            (id(movement.entry), movement.position)
            for item in self.items.items.values()
            if item.currency != functional and rates.carrying(item) is None
            for movement in item.movements
        }

    def functional_balance(self, rates: fx.Rates, as_of: datetime.date) -> Decimal:
        """Returns the value in the functional currency of the receivable and its sub-account.

        The sub-account is the remeasurement account; the value is their general
        ledger value at the end of a day, unrounded.
        """
        return sum((value for _, _, value in self._functional_postings(rates, as_of)), Decimal(0))

    def carried_currencies(self, rates: fx.Rates, as_of: datetime.date) -> set[str]:
        """Returns the foreign currencies of the receivable's postings with a functional value."""
        receivable = self.policy.accounts.receivable
        return {
            posting.units.currency
            for _, posting, _ in self._functional_postings(rates, as_of)
            if posting.account == receivable
            and posting.units is not None
            and posting.units.currency != rates.functional
        }

    def remeasured(self, rates: fx.Rates, as_of: datetime.date) -> dict[str, Decimal]:
        """Returns what the remeasurement account holds at the end of a day, by invoice currency.

        Each posting counts under the currency of the invoice it remeasures
        (its `revclose_source`), one typed by hand that names none under "".
        """
        account, items = self.policy.remeasurement_account, self.items.items
        found: dict[str, Decimal] = defaultdict(Decimal)
        for entry, posting, value in self._functional_postings(rates, as_of):
            if posting.account == account:
                item = items.get(str(entry.meta.get(meta.SOURCE)))
                found[item.currency if item is not None else ""] += value
        return dict(found)


def _folder(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def _bucket(days_past_due: int) -> int:
    if days_past_due <= 0:
        return 0
    return min(4, (days_past_due - 1) // 30 + 1)


def aging(books: Books, as_of: datetime.date) -> Table:
    """Returns the AR aging as of a date, by customer and currency, with totals tied to the GL."""
    ledger = Receivables(books)
    names = Sources(books).names.as_of(as_of)
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
    for item, balance in ledger.open_items(as_of):
        cells[(item.customer, item.currency)][_bucket((as_of - item.due).days)] += balance
    rows: list[list[Any]] = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
    for (customer, currency), buckets in sorted(cells.items()):
        amounts = [ledger.number(units, currency) for units in buckets]
        rows.append(
            [shown(customer), names.get(customer, ""), currency, *amounts, sum(amounts), None,
             None]
        )  # fmt: skip
        totals[currency] = [a + b for a, b in zip(totals[currency], buckets, strict=True)]
    general = ledger.ledger_balance(ledger.policy.accounts.receivable, as_of)
    for currency in sorted(set(totals) | set(general)):
        amounts = [ledger.number(units, currency) for units in totals[currency]]
        total = sum(amounts, ledger.number(0, currency))
        gl = general.get(currency, Decimal(0)) + ledger.number(0, currency)
        rows.append([TOTAL, "", currency, *amounts, total, gl, gl - total])
    rows += functional_rows(ledger, as_of)
    return Table(f"AR aging as of {as_of}: days past due", AGING_COLUMNS, rows)


def functional_rows(ledger: Receivables, as_of: datetime.date) -> list[list[Any]]:
    """Returns the aging's rows in the functional currency, tied to the general ledger.

    For each foreign currency the receivable carries at a rate (plugins.fx):
    what is left of its open items' carrying amounts (`fx.carried_value`,
    their postings' weight once applications derecognized their pieces,
    plugins.derecognition), and what the remeasurement
    account holds for them at the end of the day (a month end's
    remeasurement until its reversal the next day); then the functional
    currency's own items, and their total against the receivable's and the
    remeasurement account's value in the functional currency. That value is
    their postings' weight in it (`30.00 EUR @ 1.20 USD` is 36.00 USD), a
    foreign posting without a price counted at the ledger's price on its
    date, as the plugin carries it. An item carried in its own currency (no
    price at all) has no functional value: it is in its currency's total
    only. Books with no foreign receivable carried at a rate get no rows.
    Each row is rounded on its own and the total from the exact figures, as
    the general ledger's weight is: with several foreign currencies whose
    carrying values hold fractions of a cent, the rows may add to a cent off.

    The issue's example: 30.00 EUR billed at 1.20 is carried at 36.00 USD;
    remeasured at 1.10 on Jan 31 the sub-account holds 30 x (1.10 - 1.20) =
    -3.00 USD, so the functional total is 33.00 USD = 30 x 1.10.
    """
    functional = ledger.policy.functional_currency
    if functional is None:
        return []
    rates = fx.Rates(ledger.books.entries, functional)
    foreign = ledger.carried_currencies(rates, as_of)
    if not foreign:
        return []
    carried: dict[str, Decimal] = defaultdict(Decimal)
    for item, balance in ledger.open_items(as_of):
        # The carrying rate is the item's as the plugin reads it that day
        # (`open_items` gives it as the books through the day know it: before
        # its document, carried at its cash's rate, plugins.fx). What is left
        # of its carrying amount is its postings' weight.
        if item.currency == functional:
            carried[functional] += ledger.number(balance, functional)
        elif (rate := rates.carrying(item)) is not None:
            carried[item.currency] += fx.carried_value(item, rate, functional, as_of)
    remeasured = ledger.remeasured(rates, as_of)
    rounded = partial(fx.quantize, digits=ledger.policy.precision.digits(functional))
    blank = [None] * len(BUCKETS)
    rows: list[list[Any]] = []
    for currency in sorted(foreign | (set(remeasured) - {""})):
        rows.append([FUNCTIONAL, f"{currency} at carrying rates", functional, *blank,
                     rounded(carried[currency]), None, None])  # fmt: skip
        rows.append([FUNCTIONAL, f"{currency} remeasurement", functional, *blank,
                     rounded(remeasured.get(currency, Decimal(0))), None, None])  # fmt: skip
    if "" in remeasured:
        rows.append([FUNCTIONAL, "remeasurement of no invoice", functional, *blank,
                     rounded(remeasured[""]), None, None])  # fmt: skip
    rows.append([FUNCTIONAL, functional, functional, *blank, rounded(carried[functional]),
                 None, None])  # fmt: skip
    total = rounded(sum(carried.values(), Decimal(0)) + sum(remeasured.values(), Decimal(0)))
    gl = rounded(ledger.functional_balance(rates, as_of))
    rows.append([FUNCTIONAL_TOTAL, "", functional, *blank, total, gl, gl - total])
    return rows


def _billings(ledger: Receivables) -> dict[datetime.date, dict[str, int]]:
    """Returns each month's billings by currency (minor units), keyed by the month's first day.

    Billings are the invoices and credit notes themselves, by their date, less
    the voids of invoices, by the void's date (`meta.is_void`): a
    void takes back what its invoice billed, as a credit note does. Cash,
    refunds and write-offs posted to an item are not billings.
    """
    billed: dict[datetime.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in ledger.items.items.values():
        document = item.document
        for movement in item.movements:
            if (movement.entry is document and item.is_billed) or meta.is_void(movement.entry):
                billed[movement.date.replace(day=1)][item.currency] += movement.units
    return billed


def _simple(owed: Decimal, billed: Decimal, days: int) -> Decimal | None:
    """Returns the simple DSO: `owed` / `billed` x `days`, 0 when nothing is owed.

    A receivable at or below zero (credits and cash exceed what is open) has
    no sales outstanding: 0 days, whatever was billed, as its countback
    (`_countback`) is, not a negative number of days: -20.00 owed on 30.00
    billed in a 31-day month is 0, not -20 / 30 x 31 = -20.7. A positive
    receivable with nothing positive billed has no simple DSO (None).
    """
    if owed <= 0:
        return Decimal(0)
    return owed / billed * days if billed > 0 else None


def _countback(receivable: int, billings: Iterable[tuple[int, int]]) -> Decimal | None:
    """Returns the days of billings, newest month first, that `receivable` holds.

    A receivable at or below zero holds no days: 0, as `_simple` gives it.
    """
    if receivable <= 0:
        return Decimal(0)
    days = Decimal(0)
    left = receivable
    for billed, month_days in billings:
        if left <= 0:
            return days
        if billed <= 0 or left >= billed:
            days += month_days
            left -= max(billed, 0)
        else:
            return days + Decimal(left) / Decimal(billed) * month_days
    return days if left <= 0 else None


def _days(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def _unbilled_and_revenue(
    ledger: Receivables, month: datetime.date
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Returns the unbilled receivable at a month's end and the month's revenue, by currency.

    The unbilled receivable is the general ledger balance of the unbilled
    receivable account (`plugins.accounts.Accounts.unbilled`: usage earned,
    not yet billed), a currency holding none left out. The revenue is the
    month's net credits to the revenue account and its sub-accounts
    (`Accounts.revenue`, `Income:Revenue`), debits netted: a usage accrual
    reversed when its usage is billed debits revenue as the invoice credits
    it, so counting credits alone would count that usage twice. Other income
    (exchange gains) is not revenue. Revenue counts in the currency it is
    earned in, the receivable's (`_earned_in`): an invoice posted as
    `1,000.00 EUR @ 1.10 USD` with its revenue of 1,100.00 USD earns
    1,000.00 EUR of revenue, not 1,100.00 USD. Each currency's revenue is
    rounded half to even to its decimals.
    """
    accounts, first, last = ledger.policy.accounts, month, period.last_day(month)
    unbilled = {
        currency: number
        for currency, number in ledger.ledger_balance(accounts.unbilled, last).items()
        if number
    }
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    root = accounts.revenue
    for entry in ledger.books.entries:
        if not isinstance(entry, data.Transaction) or not first <= entry.date <= last:
            continue
        for posting in entry.postings:
            account, units = posting.account, posting.units
            ours = account == root or account.startswith(root + ":")
            if ours and units is not None and isinstance(units.number, Decimal):
                currency, number = _earned_in(entry, units.currency, units.number)
                revenue[currency] -= number
    digits = ledger.policy.precision.digits
    return unbilled, {
        currency: number.quantize(Decimal(1).scaleb(-digits(currency)), rounding=ROUND_HALF_EVEN)
        for currency, number in revenue.items()
    }


def _earned_in(entry: data.Transaction, currency: str, number: Decimal) -> tuple[str, Decimal]:
    """Returns a revenue posting's units in the currency its revenue is earned in.

    That is the currency of the entry's first posting priced in the
    revenue's currency, at that price: the receivable of an invoice posted
    as `1,000.00 EUR @ 1.10 USD` with 1,100.00 USD of revenue, or the
    unbilled receivable of a usage accrual posted the same way, makes the
    1,100.00 USD 1,100.00 / 1.10 = 1,000.00 EUR, as the receivable is. An
    entry with no such posting earns its revenue in the revenue's own
    currency.
    """
    for posting in entry.postings:
        units, price = posting.units, posting.price
        if (
            price is not None
            and price.currency == currency
            and isinstance(price.number, Decimal)
            and price.number
            and units is not None
            and units.currency != currency
        ):
            return units.currency, number / price.number
    return currency, number


def dso(books: Books, month: datetime.date) -> Table:
    """Returns the month's days sales outstanding per currency, simple and by countback.

    Each row names its method (`DSO_METHOD`). A countback that runs out of
    billings within 24 months is left empty. A receivable at or below zero
    is 0 days by every method (`_simple`), its balance shown as it is. A
    currency with an unbilled receivable at the month end gets a second row,
    `DSO_UNBILLED_METHOD`:
    (open items + unbilled receivable) / the month's revenue x days
    (`_unbilled_and_revenue`), in the `receivable` and `billings` columns.
    """
    ledger = Receivables(books)
    last = period.last_day(month)
    ending: dict[str, int] = defaultdict(int)
    for item, balance in ledger.open_items(last):
        ending[item.currency] += balance
    history = [add_months(month, -back) for back in range(COUNTBACK_MONTHS)]
    billed = _billings(ledger)
    unbilled, revenue = _unbilled_and_revenue(ledger, month)
    rows: list[list[Any]] = []
    for currency in sorted(set(ending) | set(billed[month]) | set(unbilled)):
        receivable, billings, days = (
            ending.get(currency, 0),
            billed[month].get(currency, 0),
            last.day,
        )
        if currency in ending or currency in billed[month]:
            simple = _simple(Decimal(receivable), Decimal(billings), days)
            months = [(billed[first].get(currency, 0), month_end(first).day) for first in history]
            rows.append(
                [
                    currency,
                    ledger.number(receivable, currency),
                    ledger.number(billings, currency),
                    days,
                    _days(simple),
                    _days(_countback(receivable, months)),
                    DSO_METHOD,
                ]
            )
        if currency in unbilled:
            owed = ledger.number(receivable, currency) + unbilled[currency]
            earned = revenue.get(currency, ledger.number(0, currency))
            with_unbilled = _simple(owed, earned, days)
            row = [currency, owed, earned, days, _days(with_unbilled), None, DSO_UNBILLED_METHOD]
            rows.append(row)
    return Table(f"Days sales outstanding, {period.month_name(month)}", DSO_COLUMNS, rows)


def unapplied_cash(books: Books, as_of: datetime.date) -> Table:
    """Returns the receipts not yet applied in full at the end of a day, oldest first.

    What has left each receipt by the day is split in two: `applied`, by the
    entries that post to the receivable (cash applied to invoices, typed or
    generated); `paid_out`, by every other one (a refund, a chargeback, a
    returned payment, cash moved to customer credits by hand, a difference
    written off), so `received - applied - paid_out = unapplied`. A total
    per currency compares them with the unapplied cash account's balance.
    """
    ledger = Receivables(books)
    applying = {
        id(movement.entry) for item in ledger.items.items.values() for movement in item.movements
    }
    rows: list[list[Any]] = []
    totals: dict[str, int] = defaultdict(int)
    for receipt, left in _unapplied(ledger, as_of):
        currency = receipt.currency
        uses = [use for use in ledger.receipts.uses.get(receipt.id, []) if use.date <= as_of]
        applied = sum(use.units for use in uses if id(use.entry) in applying)
        paid_out = receipt.amount - left - applied
        rows.append(
            [
                receipt.id, receipt.date, (as_of - receipt.date).days, shown(receipt.customer),
                receipt.entry.payee or "", currency, ledger.number(receipt.amount, currency),
                ledger.number(applied, currency), ledger.number(paid_out, currency),
                ledger.number(left, currency), None, None,
            ]
        )  # fmt: skip
        totals[currency] += left
    general = ledger.ledger_balance(ledger.policy.accounts.unapplied_cash, as_of)
    for currency in sorted(set(totals) | set(general)):
        total = ledger.number(totals[currency], currency)
        gl = -general.get(currency, Decimal(0)) + ledger.number(0, currency)
        rows.append([TOTAL, None, None, "", "", currency, None, None, None, total, gl, gl - total])
    return Table(f"Unapplied cash as of {as_of}", UNAPPLIED_COLUMNS, rows)


def _unapplied(ledger: Receivables, as_of: datetime.date) -> Iterator[tuple[Receipt, int]]:
    """Yields each receipt not applied in full at the end of a day, oldest first, and its rest."""
    for receipt in ledger.receipts.sorted():
        left = ledger.receipts.unapplied(receipt.id, as_of) if receipt.date <= as_of else 0
        if left > 0:
            yield receipt, left


def open_invoices(books: Books, as_of: datetime.date) -> Table:
    """Returns every open item at the end of a day, with its roll and the links that trace it.

    Each row reads billed - paid - credited = open, in the item's currency,
    from its postings through the day (`_roll`), read off the entries that
    post to an open item and those that post to customer credits through
    the day (`_account_moves`, `_crediting`). An item in credit (a credit
    note, cash posted to an invoice before it is issued, an over payment) is
    owed to the customer, not by them: it has no due date and is never past
    due, so both are left empty (the aging places it by the days since its
    date). Its links are those the entries posting to it carry through the
    day (`Item.links`), each a journal filter that finds them: a receipt the
    bank import posts straight to it (`bank_reference` BR-881, the
    invoice's link) is traced by that entry's own links, ^INV-1, not by a
    ^BR-881 no entry carries.
    """
    ledger = Receivables(books)
    found = ledger.open_items(as_of)
    posting = {id(move.entry) for item, _ in found for move in item.movements}
    # The entries that post to an open item, and those that put in the customer credits they take.
    moves = _account_moves(ledger, posting | _crediting(ledger, as_of))
    rows = []
    for item, balance in found:
        owed = item.is_invoice and balance > 0
        due, late = (item.due, max(0, (as_of - item.due).days)) if owed else (None, None)
        billed, paid, credited = (
            ledger.number(units, item.currency) for units in _roll(item, as_of, moves)
        )
        rows.append(
            [item.id, shown(item.customer), item.date, due, late, item.currency, billed, paid,
             credited, ledger.number(balance, item.currency),
             " ".join(f"^{link}" for link in item.links(as_of))]
        )  # fmt: skip
    return Table(f"Open invoices as of {as_of}", OPEN_COLUMNS, rows)


def _crediting(ledger: Receivables, as_of: datetime.date) -> set[int]:
    """Returns the entries (by `id`) that post to the customer credits account through a day."""
    account = ledger.policy.customer_credits_account
    return {
        id(entry)
        for entry, _, _ in receivables.postings_to(ledger.books.entries, account)
        if entry.date <= as_of
    }


def _roll(item: Item, as_of: datetime.date, moves: _Moves) -> tuple[int, int, int]:
    """Returns what an item billed, was paid and was credited through a day, in minor units.

    Each of its postings through the day counts once, by the type its
    customer's statement gives it (`_item_move`), so billed - paid -
    credited is its balance:

    - billed: its document posting(s), the invoice or credit note itself
      (negative for a credit note);
    - paid: cash, net of cash paid back out of it: a receipt the bank
      import posts straight to it, a refund or returned payment the bank
      import posts to it (negative), and its share of the cash any other
      entry moves to it from the customer's unapplied cash or customer
      credits, or from a receipt of another currency or another payer: a
      cash application, a customer credit applied (unless a credit note
      put it in customer credits), an over payment moved to customer
      credits (negative), a chargeback (negative) (`_paid_by`);
    - credited: everything else: a credit note netted onto it, a void, a
      write-off of a bad debt, a recovery reversing one or a credit note
      lowering one (negative), the difference a cash application writes
      off, a credit note's credit moved to customer credits (on the note)
      and applied out of them (on the invoice, `_share_cash`), an
      adjustment typed by hand. A credit note is billed on its own item
      (negative) and credited on the invoice it is netted onto.

    INV-1 100.00 with a credit note of 10.00 applied and a receipt of 60.00
    applied is billed 100.00, paid 60.00, credited 10.00, open 30.00.
    """
    billed = paid = credited = 0
    for movement in item.movements:
        if movement.date > as_of:
            continue
        kind, _ = _item_move(item, movement)
        if kind in _DOCUMENTS:
            billed += movement.units
            continue
        cash = _paid_by(movement, kind, moves)
        paid -= cash
        credited -= movement.units - cash
    return billed, paid, credited


def _paid_by(movement: Movement, kind: str, moves: _Moves) -> int:
    """Returns the part of an item's posting that is cash, in minor units, with its sign.

    A payment or a refund is all cash. Of any other entry (a cash
    application, a customer credit applied, an over payment moved to
    customer credits, a chargeback, a credit note netted, a write-off), the
    cash is its share of what the entry moves on the customer's receipts
    and customer credits (not a credit note's credit, moved to customer
    credits from the note or taken out of them, `reports.credit_origins`),
    or, paid by a receipt of another currency or another payer, of what
    the entry posts to the items less what it writes off
    (`_share_cash`): applied 99.96 to INV-1 100.00, 99.96 is paid and the
    0.04 written off is not; applied 100.02, 100.00 is paid; a credit note
    netted, a void or a write-off moves no cash.
    """
    if kind in _CASH:
        return movement.units
    return moves.cash.get((id(movement.entry), movement.position), 0)


def _upto(cash: _Number, units: _Number) -> _Number:
    """Returns as much of `cash` as goes a posting's way, no more than the posting's `units`."""
    nothing = cash - cash
    return max(min(cash, nothing), units) if units < 0 else min(max(cash, nothing), units)


def _sharing(
    paying: dict[int, list[tuple[Item, Movement, str]]],
) -> dict[credit_origins.Key, list[tuple[Item, Movement]]]:
    """Returns the postings that share each entry's cash, by customer, entry and currency, in order.

    An invoice or credit note itself and a payment or refund the bank import
    posts (all cash) take no share.
    """
    shares: dict[credit_origins.Key, list[tuple[Item, Movement]]] = defaultdict(list)
    for entry_id, paid in paying.items():
        for item, movement, kind in paid:
            if kind not in _DOCUMENTS and kind not in _CASH:
                shares[(item.customer, entry_id, item.currency)].append((item, movement))
    for postings in shares.values():
        postings.sort(key=lambda pair: pair[1].position)
    return shares


# What each entry transfers between credit notes and customer credits, by the items' key, then by
# the note posting's position: in the note's units, positive out of the note (`_transferred`).
_Transfers = dict[credit_origins.Key, dict[int, int]]


def _transferred(
    sharing: dict[credit_origins.Key, list[tuple[Item, Movement]]],
    flows: dict[credit_origins.Key, list[int]],
    across: dict[credit_origins.Key, dict[credit_origins.Key, list[int]]],
    precision: Precision,
) -> tuple[_Transfers, dict[credit_origins.Key, credit_origins.NoteMoves]]:
    """Returns what each entry moves between credit notes and customer credits.

    A credit note's credit is not cash: what an entry moves between a credit
    note and the customer's credits transfers the note's credit to their
    credit balance. The notes' postings, in the entry's order, take what the
    entry puts into customer credits (`flows`, its credits to the account,
    whatever it also takes out of them) first, each up to its own amount,
    and a posting back onto a note what the entry takes out of them: CN-1
    -20.00 with 12.00 of it moved to customer credits by hand (the
    receivable debited on CN-1, customer credits credited) transfers 12.00;
    moved there and applied to INV-2 in one entry, 12.00 too. The credit is
    held where the entry moves customer credits (`_held_in`): CN-E1's 10.00
    EUR moved `@ 1.10 USD` to credits of 11.00 USD puts 11.00 USD in. Held
    in another currency, a posting's share is weighed back into the note's
    half to even (`reports.credit_origins.weighed`).

    Returns:
      By the items' key, each note posting's transfer in its own units (for
      the roll, `_share_cash`); and by the key of the customer credits it
      moves (in their currency), what each note puts in and takes back
      (`reports.credit_origins.taken_from_notes`).
    """
    left = {key: list(flow) for key, flow in flows.items()}  # what is not yet a note's
    found: _Transfers = {}
    moved: dict[credit_origins.Key, credit_origins.NoteMoves] = defaultdict(
        lambda: credit_origins.NoteMoves([], [])
    )
    for key, postings in sharing.items():
        notes: dict[int, int] = {}
        for item, movement in postings:
            if not item.is_billed or item.is_invoice:  # not a credit note
                continue
            side = 0 if movement.units > 0 else 1  # out of the note, or back onto it
            held, units = _held_in(key, movement, left, across.get(key, {}), side, precision)
            flow = left.get(held, [0, 0])
            share = min(flow[side], abs(units))
            flow[side] -= share
            if share:
                moved[held][side].append((item.id, share))
            if held != key:  # in the note's units, in proportion to its weight moved
                share = credit_origins.weighed(share, abs(movement.units), abs(units))
            notes[movement.position] = share if side == 0 else -share
        if notes:
            found[key] = notes
    return found, dict(moved)


def _minor(number: Decimal | Fraction, currency: str, precision: Precision) -> int:
    """Returns `number` in minor units of `currency`, rounded half to even: 3.65967 USD is 366."""
    scale: int = 10 ** precision.digits(currency)
    return round(number * scale)


def _held_in(
    key: credit_origins.Key,
    movement: Movement,
    left: dict[credit_origins.Key, list[int]],
    priced: dict[credit_origins.Key, list[int]],
    side: int,
    precision: Precision,
) -> tuple[credit_origins.Key, int]:
    """Returns the key of the customer credits a note's posting moves, and its units in them.

    Those in the note's currency when the entry moves them the posting's
    way (`side`); else those in the currency of its price, at its weight
    (CN-E1's 10.00 EUR moved `@ 1.10 USD` to credits of 11.00 USD: 11.00
    USD); else those of another currency the entry prices in the note's
    (`priced`, by their key: their minor units and weight), at that price
    (CN-1's 11.00 USD moved to credits of `-10.00 EUR @ 1.10 USD`: 10.00 EUR).
    """
    posting = movement.posting
    if left.get(key, [0, 0])[side]:
        return key, movement.units
    price = posting.price
    if price is not None and left.get(held := (key[0], key[1], price.currency), [0, 0])[side]:
        return held, _minor(ar_entries.weight(posting), price.currency, precision)
    for held, (units, weighs) in priced.items():
        if left.get(held, [0, 0])[side] and weighs:
            return held, credit_origins.weighed(movement.units, units, weighs)
    return key, movement.units


def _share_cash(
    moves: _Moves,
    sharing: dict[credit_origins.Key, list[tuple[Item, Movement]]],
    written: dict[tuple[str, int, str], int],
    transferred: _Transfers,
    from_notes: dict[credit_origins.Key, int],
    across: dict[credit_origins.Key, dict[credit_origins.Key, list[int]]],
) -> None:
    """Shares out the cash each entry moves the way of a customer's items among its postings.

    The cash of an entry, for one customer's items in one currency, is what
    it moves the items' way on their receipts and customer credits (a cash
    application's debit to unapplied cash pays them, a chargeback's credit
    takes it back), customer credits of another currency at the price the
    entry gives them in the items' (`across`: a prepayment of 50.00 EUR
    applied to INV-2 as `50.00 EUR @ 1.10 USD` pays it 55.00 USD; what of
    them a credit note put there weighs its share, half to even to the
    minor unit, `reports.credit_origins.weighed`: 3.33 EUR of CN-E1's of
    10.00 EUR applied at 1.099 weigh 3.66 USD). When a receipt of
    another currency or another payer pays them (its cash is not on this
    account), it is what the entry posts
    to the items less what it writes off (`written`,
    `_what_is_written_off`): what the entry does not write off is paid, by
    that receipt and whatever else the entry takes from the customer's own
    receipts and credits. It is used
    up by the entry's postings to those items (`_sharing`) in the entry's
    order, each taking as much as goes its way, up to its own amount; what
    is left of a posting is credited. R-1 100.00 applied to INV-1 130.00 by
    the entry's first receivable posting of 100.00, and INV-2 written down
    5.00 by its second: INV-1 is paid 100.00 and INV-2 paid nothing,
    credited 5.00.

    A credit note's credit is not cash, moved into customer credits or out
    of them. The credit notes' postings
    take what the entry moves to customer credits first (`transferred`), as
    credited, and then their share of the rest of the cash; the other items
    share what is left: CN-1's 12.00 moved to customer credits in the entry
    that applies R-1 50.00 to INV-2, INV-2 is still paid 50.00. And what
    the entry takes out of customer credits that a credit note put there
    (`from_notes`, `reports.credit_origins`), less what it moves back onto
    credit notes, is not the other items' cash: R-1 88.00 and CN-1's 12.00
    of customer credits applied to INV-2 100.00 pay it 88.00 and credit it
    12.00.
    """
    for key, postings in sharing.items():
        priced = across.get(key, {})
        weight = sum(weighs for _, weighs in priced.values())
        if key in written:  # paid by a receipt of another currency or payer
            cash = moves.posted[key] - written[key]
        else:  # the receipts' and credits' moves, those of credits in another currency priced
            cash = moves.posted[key] - moves.found[key].units - weight
        notes = transferred.get(key, {})
        moved = -moves.credits.get(key, 0) - weight - sum(notes.values())
        cash -= sum(notes.values())
        received = cash - moved  # the rest of the cash, on the receipts alone
        back = max(0, -sum(notes.values()))  # moved back onto the notes, credited there
        noted = from_notes.get(key, 0) + sum(  # what notes' credits in another currency weigh
            credit_origins.weighed(from_notes.get(held, 0), weighs, units)
            for held, (units, weighs) in priced.items()
            if units > 0
        )
        cash -= _upto(back - noted, cash)
        for _, movement in postings:
            note = movement.position in notes
            units = movement.units - notes.get(movement.position, 0)
            share = _upto(received if note else cash, units)
            moves.cash[(key[1], movement.position)] = share
            cash -= share
            received -= share


def _what_is_written_off(
    ledger: Receivables,
    rates: fx.Rates,
    moves: _Moves,
    paying: dict[int, list[tuple[Item, Movement, str]]],
    elsewhere: dict[tuple[str, int, str], Receipt],
) -> dict[tuple[str, int, str], int]:
    """Returns what each entry paying items by a receipt of another currency or payer writes off.

    `elsewhere` holds each such entry's moves on the items' customers'
    accounts (customer, entry, item currency), each with a receipt paying
    it. What the entry writes off is what it posts to the write-off account
    (`write_off_account`), the items' way (a debit, a short payment, takes
    off them): nothing else, whatever the rates would make of the receipt.
    It is read under the move of the first item, in the entry's order, in
    its currency, else under the first move: in the move's currency as
    posted, or as priced by the entry (`@`, `@@`), else at the ledger's
    price on the receipt's date, as the matcher converts it, rounded half
    to even (with no price to convert at, it is left out and the posting
    is all cash). INV-E1 30.00 EUR paid by R-1 32.50 USD at 1.10, 0.50 USD
    short written off: 0.50 / 1.10 = 0.4545... so 0.45 EUR written off, and
    29.55 EUR paid; R-1 11.00 USD applied to INV-E1 10.00 EUR as `11.00 USD
    @@ 10.00 EUR`, nothing written off: 10.00 EUR paid, whatever the
    price list says.
    """
    precision = ledger.policy.precision
    written: dict[tuple[str, int, str], int] = {}
    for entry_id in {key[1] for key in elsewhere}:
        ordered = sorted(paying[entry_id], key=lambda one: one[1].position)
        found = dict.fromkeys((item.customer, entry_id, item.currency) for item, _, _ in ordered)
        keys = [key for key in found if key in elsewhere]
        for key in keys:
            written[key] = 0
        for posting in moves.found[keys[0]].entry.postings:
            units, price = posting.units, posting.price
            account = posting.account
            if account != ledger.policy.write_off_account or units is None or units.number is None:
                continue
            priced = price.currency if price is not None and price.number is not None else None
            key = next((one for one in keys if one[2] in (units.currency, priced)), keys[0])
            currency, day = key[2], elsewhere[key].date
            number = Fraction(units.number)
            if price is not None and price.number is not None and priced == currency:
                number *= Fraction(price.number)
            elif units.currency != currency:
                ours, theirs = rates.price(currency, day), rates.price(units.currency, day)
                if not ours or not theirs:
                    continue
                number = number * Fraction(theirs) / Fraction(ours)
            written[key] -= _minor(number, currency, precision)
    return written


class _Move(NamedTuple):
    """What one entry moves on a customer's account in one currency, as their statement shows it.

    `kind` is the statement's `type`; `units` are minor units, charges positive.
    """

    entry: data.Transaction
    currency: str
    document: str
    kind: str
    description: str
    units: int


def _place(move: _Move) -> tuple[datetime.date, int, tuple[Any, ...]]:
    """Returns a move's place on a statement: by date, a day's documents first, then the plugin's.

    On a day, what the customer was billed or credited comes first, wherever
    it is typed: invoices, then credit notes (`_DOCUMENTS`), then the rest
    (payments, refunds, chargebacks, write-offs, ...). Billed and paid the
    same day from two files, the invoice shows before the payment; credited
    and refunded the same day, the credit note shows before the refund that
    pays its credit out: the balance never reads as paid before billed, nor
    as a refund owed before the credit. Within each group the moves are read
    as the plugin reads a day's postings to an invoice
    (`plugins.receivables.day_key`, one home): typed before generated, then
    by what each is (debits before credits, receipts last, by id with
    numbers as numbers), the file and line only between moves otherwise
    alike. So BR-1 30.00 and BR-2 70.00 paid straight to INV-1 40.00 on one
    day show BR-1 first (40.00 - 30.00 = 10.00) and BR-2 over paying (10.00
    - 70.00 = -60.00), as the books move BR-2's 60.00, in whichever file
    either is. Generated moves, last, keep the order the plugins made them
    in, at the line they come from: a chargeback's take-backs read as the
    plugin took them back.
    """
    rank = _DOCUMENTS.index(move.kind) if move.kind in _DOCUMENTS else len(_DOCUMENTS)
    entry = move.entry
    where = entry.meta
    if meta.GENERATED_BY in where:
        made = (True, str(where.get("filename", "")), where.get("lineno", 0))
        return entry.date, rank, made
    return entry.date, rank, receivables.day_key(entry, _NO_POSTING, move.units)


# A move is an entry's on an account: its receipt id is read on the entry.
_NO_POSTING = data.Posting("", None, None, None, None, None)


class _Moves:
    """The moves of every customer's account: one per customer, entry and currency.

    What an entry moves is summed as its postings are added; the first one
    added names the move (its document, type and description), unless
    `rename` names it again.
    """

    def __init__(self) -> None:
        self.found: dict[tuple[str, int, str], _Move] = {}
        # What each entry moves on the customer's items alone, by the same key.
        self.posted: dict[tuple[str, int, str], int] = defaultdict(int)
        self.folds: list[tuple[str, str, data.Transaction, data.Transaction]] = []
        # The cash each receivable posting is paid by (`_paid_by`), by its entry and position.
        self.cash: dict[tuple[int, int], int] = {}
        # What each entry moves on the customer's credits alone, by the same key as `found`.
        self.credits: dict[tuple[str, int, str], int] = defaultdict(int)
        # The difference a receipt of another currency or payer leaves, by the key of its move.
        self.differences: dict[tuple[str, int, str], _Move] = {}

    def add(
        self,
        customer: str,
        entry: data.Transaction,
        currency: str,
        document: str,
        kind: str,
        units: int,
        description: str | None = None,
    ) -> None:
        """Adds what a posting moves on a customer's account."""
        key = (customer, id(entry), currency)
        known = self.found.get(key)
        if known is None:
            text = (entry.narration or "") if description is None else description
            self.found[key] = _Move(entry, currency, document, kind, text, units)
        else:
            self.found[key] = known._replace(units=known.units + units)

    def rename(
        self, customer: str, entry: data.Transaction, currency: str, names: tuple[str, str, str]
    ) -> None:
        """Gives the move of an entry another document, type and description."""
        key = (customer, id(entry), currency)
        known = self.found.get(key)
        if known is not None:
            document, kind, description = names
            self.found[key] = known._replace(document=document, kind=kind, description=description)

    def fold(
        self, customer: str, currency: str, entry: data.Transaction, into: data.Transaction
    ) -> None:
        """Has the move of one entry shown as part of another's, once every posting is added."""
        self.folds.append((customer, currency, entry, into))

    def currencies(self) -> dict[str, set[str]]:
        """Returns the currencies of each customer's account: of every move, even one netting to 0.

        A payer whose receipts all paid others' invoices the day they came
        moves nothing on its own account, but has one in their currencies.
        """
        found: dict[str, set[str]] = defaultdict(set)
        for customer, _, currency in self.found:
            found[customer].add(currency)
        return found

    def by_customer(self) -> dict[str, list[_Move]]:
        """Returns each customer's moves that move anything, in their places on the statement."""
        for customer, currency, entry, into in self.folds:
            folded = self.found.pop((customer, id(entry), currency), None)
            if folded is not None:
                self.add(customer, into, currency, "", "", folded.units)
        found: dict[str, list[_Move]] = defaultdict(list)
        for key, move in self.found.items():
            customer = key[0]
            difference = self.differences.get(key)
            if difference is not None:  # the payment, then what it leaves written off
                found[customer].append(move._replace(units=move.units - difference.units))
                found[customer].append(_described(difference, cashless=False))
            elif move.units and move.kind == "write-off" and meta.is_generated(move.entry):
                cashless = self.posted.get(key) == move.units  # it moves none of their cash
                found[customer].append(_described(move, cashless))
            elif move.units:
                found[customer].append(move)
        return {customer: sorted(moves, key=_place) for customer, moves in found.items()}


def _described(move: _Move, cashless: bool) -> _Move:
    """Returns a move as its statement row reads: a generated write-off by what it does."""
    if move.kind == "write-off" and meta.is_generated(move.entry):
        return move._replace(description=_written_off(move, cashless))
    return move


def _written_off(move: _Move, cashless: bool) -> str:
    """Returns how a statement describes what a generated entry leaves on a customer's account.

    What a cash application leaves is the difference it writes off: a
    credit is a short payment written off ("Payment difference written off,
    INV-1"), a charge an over payment ("Over payment written off, INV-1").
    A chargeback leaves one of two things. Taking cash back (it moves the
    customer's cash, `cashless` false), it reverses the difference the
    application wrote off ("Write-off reversed by chargeback, INV-1"): a
    charge for a short payment's, a credit for an over payment's. Taking
    back cash that recovered a debt written off (`plugins.recoveries`), it
    also writes that debt off again, a credit that moves no cash ("Written
    off again after chargeback, INV-1"). The document is the move's own:
    the invoice, or the receipt when the invoice was already paid.
    """
    if move.entry.meta.get(ar_entries.KIND) == chargebacks.KIND:
        if cashless:
            return f"Written off again after chargeback, {move.document}"
        return f"Write-off reversed by chargeback, {move.document}"
    if move.units < 0:
        return f"Payment difference written off, {move.document}"
    return f"Over payment written off, {move.document}"


def _item_move(item: Item, movement: Movement) -> tuple[str, str]:
    """Returns the type and the document a receivable posting shows on its customer's statement.

    The invoice or credit note itself; a void (`status: "void"`) or a write-off
    (`status: "uncollectible"`) of it; a payment the bank import posted
    straight to it, under the receipt's id, or paid back out of it (a refund
    or a returned payment), under the bank line's id; a recovery reinstating
    it once written off (`plugins.recoveries`); a credit note lowering
    what was written off of its invoice, under the note, or a credit typed
    by hand lowering it ("write-off lowered": no cash moves); what a
    generated entry (a cash application) leaves on the account, which is a
    difference it writes off; else an adjustment typed by hand.
    """
    entry = movement.entry
    if entry is item.document and item.is_billed:
        return ("invoice" if item.is_invoice else "credit note"), item.id
    if meta.is_void(entry):
        return "void", item.id
    if entry.meta.get(meta.STATUS) == meta.UNCOLLECTIBLE:
        return "write-off", item.id
    paid = receipts.posted_straight(movement)
    if paid is not None:
        return "payment", paid
    refunded = meta.written_receipt_id(entry, movement.posting)
    if refunded is not None and meta.GENERATED_BY not in entry.meta:
        return "refund", refunded  # money out the bank import posted to the invoice
    if recoveries.is_recovery(entry):
        return "recovery", item.id  # a write-off reversed by the cash recovered
    if entry.meta.get(ar_entries.KIND) == recoveries.NOTE_KIND:
        return "write-off lowered", item.id  # by the credit note, on the note: no cash
    if entry.meta.get(ar_entries.KIND) == recoveries.TYPED_KIND:
        return "write-off lowered", item.id  # by a credit typed by hand: no cash
    return ("write-off" if meta.GENERATED_BY in entry.meta else "adjustment"), item.id


def _owner(ledger: Receivables) -> credits_plugin.Owner:
    """Returns the plugin's rule of whose customer credit, and which receipt's, a posting moves."""
    return credits_plugin.Owner(
        ledger.receipts.by_id, ledger.items, ledger.policy, ledger.books.entries
    )


def _credit_postings(
    ledger: Receivables,
    only: Container[int] | None = None,
    owner: credits_plugin.Owner | None = None,
) -> Iterator[credits_plugin.CreditPosting]:
    """Yields every posting to the customer credits account, in entry order, with its customer.

    The customer is the one the plugin limits its credit applications by
    (`plugins.customer_credits.Owner`, `owner` if given). `only`: the
    entries to read (by `id`), default all.
    """
    account = ledger.policy.customer_credits_account
    owner = owner or _owner(ledger)
    entries: Iterable[data.Directive] = ledger.books.entries
    if only is not None:
        entries = (entry for entry in entries if id(entry) in only)
    return credits_plugin.postings(entries, account, owner)


def _credits_held(ledger: Receivables, as_of: datetime.date) -> dict[tuple[str, str], Decimal]:
    """Returns what the customer credits account holds at the end of a day, by customer, currency.

    A credit is what the books owe the customer, so it is positive; the
    postings that belong to no customer are held for "(unassigned)".
    """
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for posting in _credit_postings(ledger):
        if posting.entry.date <= as_of:
            held[(posting.customer or UNASSIGNED, posting.currency)] -= posting.number
    return held


def _applied_elsewhere(
    moves: _Moves, receipt: Receipt, use: Use, paid: list[tuple[Item, Movement]]
) -> None:
    """Adds a receipt's cash applied to items in another currency or of another customer.

    Each item's statement shows the receipt paying it, in the item's
    currency (what it writes off is split off later, `_differences`). The
    receipt's own account shows what the application moves
    out of it (the cash applied, less any over payment it parks in customer
    credits) as a transfer when it had held the cash a day or more; applied
    the day it came, it never held it, so the receipt's row shows what is
    left of it and no more. A chargeback's take-back (`plugins.chargebacks`)
    is the mirror: the item shows it as a refund charged, under the
    take-back's own narration ("Chargeback of R-1 taken back from INV-1 (in
    USD)"), and the receipt's account as a transfer back from the item.
    """
    currency, payer = receipt.currency, receipt.customer
    taken_back = use.entry.meta.get(ar_entries.KIND) == chargebacks.KIND
    for item, movement in paid:
        how = [f"in {currency}"] if item.currency != currency else []
        how += [f"by {shown(payer)}"] if item.customer != payer else []
        if taken_back:
            names = (receipt.id, "refund", f"{use.entry.narration} ({' '.join(how)})")
        else:
            names = (receipt.id, "payment", f"{receipt.entry.narration} (paid {' '.join(how)})")
        moves.rename(item.customer, movement.entry, item.currency, names)
    if use.date == receipt.date:
        moves.add(payer, use.entry, currency, receipt.id, "payment", use.units)
        moves.fold(payer, currency, use.entry, receipt.entry)
        return
    where = [
        f"{item.id} in {item.currency}"
        if item.customer == payer
        else f"{item.id} of {shown(item.customer)}"
        for item, _ in paid
    ]
    text = f"{receipt.id} {'taken back from' if taken_back else 'applied to'} {', '.join(where)}"
    moves.add(payer, use.entry, currency, receipt.id, "transfer", use.units, text)


def _statement_moves(ledger: Receivables) -> dict[str, list[_Move]]:
    """Returns what each entry moves on each customer's account, in statement order."""
    return _account_moves(ledger).by_customer()


def _account_moves(ledger: Receivables, only: Container[int] | None = None) -> _Moves:
    """Returns what each entry moves on each customer's account.

    The account is the customer's items in the receivable, their receipts
    in unapplied cash and their customer credits (`plugins.customer_credits.Owner`),
    in each currency; what belongs to no customer is under "". An entry
    that moves cash between them (a cash application, a credit applied)
    nets to nothing, or to the difference it writes off. A receipt applied
    to an item in another currency, or of another customer, pays that item
    on its statement (`_applied_elsewhere`). A chargeback taking cash back
    to a receipt from the customer credit it parked moves nothing when the
    credit is the payer's, and is a transfer when it is another customer's.
    A cash application may pay several items, from several receipts (a
    typed entry applying R-1 USD and R-2 EUR to INV-E1).
    It also finds what each posting to an item is paid by in cash, for the
    open items' roll (`moves.cash`, `_share_cash`): not what a credit
    note's credit is, moved to customer credits or taken out of them
    (`_transferred`, `reports.credit_origins`). And it splits what an
    entry paying by a receipt of another currency or payer writes off
    from the payment (`_what_is_written_off`, `_differences`).

    Args:
      only: The entries (by `id`) to read, every posting of each, when only
        they are wanted (the open items' roll reads those that post to an
        open item, `_crediting`); default: every entry. An entry's moves
        depend on its own postings alone, and its cash on them and on the
        earlier entries posting to customer credits (whose credit it
        takes), so reading those too, both are the same either way.
    """
    moves = _Moves()
    paying: dict[int, list[tuple[Item, Movement, str]]] = defaultdict(list)  # by entry
    for item in ledger.items.items.values():
        for movement in item.movements:
            if only is not None and id(movement.entry) not in only:
                continue
            kind, document = _item_move(item, movement)
            moves.add(item.customer, movement.entry, item.currency, document, kind, movement.units)
            moves.posted[(item.customer, id(movement.entry), item.currency)] += movement.units
            paying[id(movement.entry)].append((item, movement, kind))
    rates = fx.Rates(ledger.books.entries, ledger.policy.functional_currency)  # read when used
    elsewhere_paid: dict[tuple[str, int, str], Receipt] = {}  # the moves, by the receipt paying
    for receipt in ledger.receipts.by_id.values():
        customer, currency = receipt.customer, receipt.currency
        if only is None or id(receipt.entry) in only:
            moves.add(customer, receipt.entry, currency, receipt.id, "payment", -receipt.amount)
        for use in ledger.receipts.uses.get(receipt.id, []):
            if only is not None and id(use.entry) not in only:
                continue
            paid = paying.get(id(use.entry), [])
            elsewhere = [
                (item, movement)
                for item, movement, _ in paid
                if item.currency != currency or item.customer != customer
            ]
            if elsewhere and len(elsewhere) == len(paid):
                _applied_elsewhere(moves, receipt, use, elsewhere)
                for item, movement in elsewhere:
                    key = (item.customer, id(movement.entry), item.currency)
                    elsewhere_paid.setdefault(key, receipt)
                continue
            if meta.GENERATED_BY not in use.entry.meta:
                kind = "refund"
            elif not paid and use.entry.meta.get(ar_entries.KIND) == chargebacks.KIND:
                kind = "transfer"  # cash taken back from the credit it parked (maybe another's)
            else:
                kind = "write-off"
            moves.add(customer, use.entry, currency, receipt.id, kind, use.units)
    links = {receipt.link: receipt.id for receipt in ledger.receipts.by_id.values()}
    account = ledger.policy.customer_credits_account
    credit_moves: list[credit_origins.CreditMove] = []
    flows: dict[credit_origins.Key, list[int]] = defaultdict(lambda: [0, 0])  # put in, taken out
    # What each entry moves on customer credits priced in another currency, by the key of that
    # currency, then by the credits' own key: [minor units, their weight in that currency's].
    across: dict[credit_origins.Key, dict[credit_origins.Key, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    owner = _owner(ledger)
    credits = list(_credit_postings(ledger, only, owner))
    parked: list[str] = []  # which receipt's parked credit each posting moves, as the plugin reads
    holding: set[str] = set()  # the receipts whose credits put parts in
    for credit in credits:
        found = owner.receipt_of(credit.entry, credit.posting)
        parked.append(found.id if found is not None else "")
        if found is not None and credit.number < 0:
            holding.add(found.id)
    for credit, parking in zip(credits, parked, strict=True):
        entry, posting = credit.entry, credit.posting
        minor = ledger.policy.precision.to_minor(credit.number, credit.currency) or 0
        document = (
            receipts.used_receipt(entry, posting, links)
            or meta.written_receipt_id(entry, posting)
            or receivables.invoice_of(entry, posting)
            or ""
        )
        if meta.GENERATED_BY in entry.meta or credit_transfers.is_transfer(entry, account):
            kind = "transfer"
        else:
            kind = "refund" if minor > 0 else "credit"
        moves.add(credit.customer, entry, credit.currency, document, kind, minor)
        key = (credit.customer, id(entry), credit.currency)
        moves.credits[key] += minor
        flows[key][0 if minor < 0 else 1] += abs(minor)
        price = posting.price  # in the currency of the items it may pay
        if price is not None and price.currency != credit.currency:
            priced = across[(credit.customer, id(entry), price.currency)][key]
            priced[0] += minor
            priced[1] += _minor(ar_entries.weight(posting), price.currency, ledger.policy.precision)
        named, note = credit_origins.named(entry, posting, parking, holding, ledger.items.items)
        credit_moves.append(credit_origins.CreditMove(key, entry.date, named, minor, note))
    written = _what_is_written_off(ledger, rates, moves, paying, elsewhere_paid)
    sharing = _sharing(paying)
    transferred, note_moves = _transferred(sharing, flows, across, ledger.policy.precision)
    pools = credit_transfers.transfers(credits)  # transfers between pools move parts
    from_notes = credit_origins.taken_from_notes(
        credit_moves,
        note_moves,
        [credit_origins.Transfer(legs.debits, legs.credits) for legs in pools],
    )
    _share_cash(moves, sharing, written, transferred, from_notes, across)
    _differences(moves, paying, written)
    return moves


def _differences(
    moves: _Moves,
    paying: dict[int, list[tuple[Item, Movement, str]]],
    written: dict[tuple[str, int, str], int],
) -> None:
    """Splits what is written off off the payments by receipts of another currency or payer.

    Such a payment is one move on the item's customer's account, the
    posting(s) to the item; what the entry writes off there (`written`,
    `_what_is_written_off`) is a move of its own after it, under the first
    item of the move, as a typed or generated entry's write-off reads
    (`_written_off`), and the rest is the payment: INV-E1 30.00 EUR paid by
    R-1 32.50 USD at 1.10, 0.50 USD written off, is paid 29.55 EUR and
    "Payment difference written off, INV-E1" 0.45 EUR. An entry that
    writes nothing off is all payment, one move.
    """
    for key, units in written.items():
        move = moves.found.get(key)
        if move is None or not units:
            continue
        first = min(
            ((item, movement) for item, movement, _ in paying[key[1]]
             if (item.customer, item.currency) == (key[0], key[2])),
            key=lambda pair: pair[1].position,
        )  # fmt: skip
        kind, document = _item_move(*first)
        text = move.entry.narration or ""
        moves.differences[key] = _Move(move.entry, move.currency, document, kind, text, units)


def _statement_rows(
    ledger: Receivables,
    moves: list[_Move],
    start: datetime.date,
    end: datetime.date,
    held: Iterable[str] = (),
) -> list[list[Any]]:
    """Returns a statement's rows: per currency, the opening balance, each move, the closing.

    A currency is on it when it has an opening balance or moves in the
    period; its opening balance is shown even when it is zero. When no
    currency is, each of `held` is, at its balance (zero).
    """
    opening: dict[str, int] = defaultdict(int)
    within: dict[str, list[_Move]] = defaultdict(list)
    for move in moves:
        if move.entry.date < start:
            opening[move.currency] += move.units
        elif move.entry.date <= end:
            within[move.currency].append(move)
    rows: list[list[Any]] = []
    currencies = set(within) | {code for code, units in opening.items() if units}
    for currency in sorted(currencies or set(held)):
        balance = opening[currency]
        rows.append(
            [start, currency, "", "", "Opening balance", None, None,
             ledger.number(balance, currency)]
        )  # fmt: skip
        for move in within[currency]:
            balance += move.units
            amount = ledger.number(abs(move.units), currency)
            rows.append(
                [move.entry.date, currency, move.document, move.kind, move.description,
                 amount if move.units > 0 else None, amount if move.units < 0 else None,
                 ledger.number(balance, currency)]
            )  # fmt: skip
        rows.append(
            [end, currency, "", "", "Closing balance", None, None, ledger.number(balance, currency)]
        )
    return rows


def customer_statement(
    books: Books, customer: str, start: datetime.date, end: datetime.date
) -> Table:
    """Returns a customer's statement: opening balance, each move, closing balance, per currency.

    Each currency's section is the opening balance at the start (zero when
    nothing precedes it), each move of the period by date, a day's invoices
    and then its credit notes first, then the rest as the books read a
    day's postings (`plugins.receivables.day_key`; `_place`), and the
    closing balance at the end.
    Charges (invoices, refunds paid out) increase what the customer owes,
    credits (payments, credit notes, voids, write-offs) reduce it; a move's
    `type` says which it is (`_statement_moves`). The customer "(unassigned)"
    is what belongs to none, as in `customer_statements`.

    A customer is known by anything on their account: an invoice or credit
    note, a receipt they paid (whether or not they are billed themselves),
    a customer credit. A statement with no balance and no move in the
    period shows each currency of the customer's account at 0.00: a payer
    whose receipt paid another customer's invoice the day it came never
    held the cash, so its statement is its currency's opening and closing
    balance of 0.00.

    Raises:
      UnknownCustomer: If nothing in the books is the customer's and it has
        no `custom "customer"` directive: a mistyped id would otherwise give
        an empty statement. The message names up to three known customers,
        the nearest ids first.
    """
    ledger = Receivables(books)
    found = _account_moves(ledger)
    held = found.currencies()
    own = "" if customer == UNASSIGNED else customer
    if own not in held and customer not in customers.read(books.typed_entries()):
        known = sorted(shown(name) for name in held)
        near = difflib.get_close_matches(customer, known, n=3) or known[:3]
        raise UnknownCustomer(
            f"Customer '{customer}' has nothing in the receivable, unapplied cash or customer "
            f"credits and is not declared; expected a known customer, e.g. "
            f"{', '.join(near) or 'none: the books have no customer'}"
        )
    moves = found.by_customer().get(own, [])
    rows = _statement_rows(ledger, moves, start, end, held.get(own, ()))
    return Table(f"Statement of {customer}, {start} to {end}", STATEMENT_COLUMNS, rows)


class UnknownCustomer(ValueError):
    """Nothing in the books is the statement's customer's, and no `custom "customer"` names it."""


@dataclass
class _Exposure:
    """What a customer owes in one currency at the end of a day, in minor units.

    Attributes:
      open: The open items' balances (credit notes and prepayments negative).
      unapplied: The unapplied cash of the receipts that carry the customer.
      credits: The customer credits held for the customer.
      oldest: The days past due of its oldest past-due invoice, else 0.
    """

    open: int = 0
    unapplied: int = 0
    credits: int = 0
    oldest: int = 0

    @property
    def net(self) -> int:
        """What the customer owes net of its cash and credits: what a limit is tested on."""
        return self.open - self.unapplied - self.credits


def _exposures(ledger: Receivables, as_of: datetime.date) -> dict[str, dict[str, _Exposure]]:
    """Returns each customer's exposure at the end of a day, by currency."""
    found: dict[str, dict[str, _Exposure]] = defaultdict(lambda: defaultdict(_Exposure))
    for item, balance in ledger.open_items(as_of):
        exposure = found[item.customer][item.currency]
        exposure.open += balance
        if balance > 0:
            exposure.oldest = max(exposure.oldest, (as_of - item.due).days)
    for receipt, left in _unapplied(ledger, as_of):
        if receipt.customer:
            found[receipt.customer][receipt.currency].unapplied += left
    to_minor = ledger.policy.precision.to_minor
    for (customer, currency), number in _credits_held(ledger, as_of).items():
        if customer != UNASSIGNED:
            found[customer][currency].credits += to_minor(number, currency) or 0
    return found


class _Translated(NamedTuple):
    """A customer's net exposures in the currencies it has no limit in, in the functional one."""

    currency: str  # the functional currency
    units: int  # their sum, in its minor units
    sources: list[str]  # what was translated, e.g. "90000.00 EUR at 1.20"
    unpriced: list[str]  # the currencies the ledger has no price of on the day
    owed_back: list[str]  # those of them the customer's net exposure is below zero in


def _translated(
    ledger: Receivables, rates: fx.Rates, customer: str, exposures: dict[str, _Exposure],
    as_of: datetime.date,
) -> _Translated | None:  # fmt: skip
    """Returns what a customer's functional-currency limit covers in other currencies, or None.

    It covers the net exposure in each currency the customer has no limit in,
    translated at the ledger's price of the currency on the day (or the
    latest before it), rounded half to even to the functional currency's
    decimals, currency by currency. None when the customer has no limit in
    the functional currency. A currency with no price in which the net
    exposure is below zero (cash or credit the books owe the customer back)
    can only lower the exposure: it is left out of the sum, which is then
    the most the exposure can be, and is listed in `owed_back`.
    """
    functional, policy = rates.functional, ledger.policy
    if functional is None or policy.credit_limit(customer, functional) is None:
        return None
    units, sources = 0, []
    unpriced: list[str] = []
    owed_back: list[str] = []
    digits = policy.precision.digits(functional)
    for currency, exposure in sorted(exposures.items()):
        if currency == functional or not exposure.net:
            continue
        if policy.credit_limit(customer, currency) is not None:
            continue
        rate = rates.price(currency, as_of)
        if rate is None:
            (unpriced if exposure.net > 0 else owed_back).append(currency)
            continue
        number = ledger.number(exposure.net, currency)
        units += policy.precision.to_minor(fx.quantize(number * rate, digits), functional) or 0
        sources.append(f"{number} {currency} at {rate}")
    return _Translated(functional, units, sources, unpriced, owed_back)


def _hold_reasons(
    ledger: Receivables, currency: str, exposure: _Exposure, net: Decimal,
    limit: Decimal | None, translated: _Translated | None, as_of: datetime.date,
) -> list[str]:  # fmt: skip
    """Returns why a customer is held in one currency: past due, over its limit, limit untested.

    Args:
      net: The exposure tested on the limit, with what was translated into the currency.
    """
    days = ledger.policy.credit_hold_days
    reasons = []
    if exposure.oldest > days:
        unapplied = ledger.number(exposure.unapplied, currency)
        waiting = f" (unapplied cash {unapplied} waiting)" if exposure.unapplied > 0 else ""
        reasons.append(f"past due over {days} days{waiting}")
    ours = translated if translated and translated.currency == currency else None
    if limit is not None and net > limit and ours and ours.owed_back:
        # Over before what the books owe back in currencies with no price: untested.
        reasons.append(
            f"credit limit untested: over {limit} before {', '.join(ours.owed_back)} owed back, "
            f"no price of it in {currency} on or before {as_of}"
        )
    elif limit is not None and net > limit:
        into = ours.sources if ours else []
        reasons.append(
            f"over credit limit {limit}" + (f" (translated: {', '.join(into)})" if into else "")
        )
    if translated and currency in translated.unpriced:
        reasons.append(
            f"credit limit untested: no price of {currency} in {translated.currency} "
            f"on or before {as_of}"
        )
    return reasons


def customer_statements(books: Books, start: datetime.date, end: datetime.date) -> Table:
    """Returns the statement of every customer with a balance or moves in the period, by customer.

    What belongs to no customer (an invoice without one, a receipt whose
    payer is not known, a credit posting that is nobody's) has a statement
    of its own, "(unassigned)", so the closing balances add up, per
    currency, to the receivable less unapplied cash and customer credits.
    """
    ledger = Receivables(books)
    names = Sources(books).names.as_of(end)
    rows: list[list[Any]] = []
    for customer, moves in sorted(_statement_moves(ledger).items()):
        rows += [
            [shown(customer), names.get(customer, ""), *row]
            for row in _statement_rows(ledger, moves, start, end)
        ]
    return Table(f"Customer statements, {start} to {end}", STATEMENTS_COLUMNS, rows)


def credit_hold(books: Books, as_of: datetime.date) -> Table:
    """Returns the customers to hold: an invoice past due beyond the policy, or over their limit.

    A limit is tested on the customer's net exposure in its currency: the
    open items less the unapplied cash that carries the customer and the
    customer credits held for it. The exposure in a currency the customer
    has no limit in is translated into the functional currency and tested
    with the functional-currency limit (`_translated`); when the ledger has
    no price to translate it, the row says its limit is untested. An invoice
    past due stays past due until cash is applied to it; the reason says
    when unapplied cash of the customer waits.
    """
    ledger = Receivables(books)
    names = Sources(books).names.as_of(as_of)
    rates = fx.Rates(books.entries, ledger.policy.functional_currency)
    rows = []
    for customer, exposures in sorted(_exposures(ledger, as_of).items()):
        translated = _translated(ledger, rates, customer, exposures, as_of)
        if translated and translated.sources:
            exposures.setdefault(translated.currency, _Exposure())
        for currency, exposure in sorted(exposures.items()):
            extra = None  # What the currency's limit covers in other currencies, translated.
            if translated and translated.sources and translated.currency == currency:
                extra = ledger.number(translated.units, currency)
            net = ledger.number(exposure.net, currency) + (extra or 0)
            limit = ledger.policy.credit_limit(customer, currency)
            if limit is not None:
                limit += ledger.number(0, currency)  # In the currency's decimals, as the amounts.
            reasons = _hold_reasons(ledger, currency, exposure, net, limit, translated, as_of)
            if reasons:
                amounts = (exposure.open, exposure.unapplied, exposure.credits)
                rows.append(
                    [shown(customer), names.get(customer, ""), currency,
                     *(ledger.number(units, currency) for units in amounts), extra, net, limit,
                     exposure.oldest, "; ".join(reasons)]
                )  # fmt: skip
    return Table(f"Credit hold as of {as_of}", HOLD_COLUMNS, rows)


def customer_credits(books: Books, as_of: datetime.date) -> Table:
    """Returns the customer credits held at the end of a day, by customer and currency.

    A credit is what the books owe the customer, so it is positive. Each
    posting to the credits account is the customer's the statement gives it
    (`plugins.customer_credits.Owner`); those that belong to no customer are on one
    "(unassigned)" row per currency. A customer whose credits net to zero has
    no row. A total per currency compares them with the credits account's
    balance.
    """
    ledger = Receivables(books)
    names = Sources(books).names.as_of(as_of)
    rows: list[list[Any]] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (customer, currency), number in sorted(_credits_held(ledger, as_of).items()):
        totals[currency] += number
        if number:
            credit = number + ledger.number(0, currency)
            rows.append([customer, names.get(customer, ""), currency, credit, None, None])
    general = ledger.ledger_balance(ledger.policy.customer_credits_account, as_of)
    for currency in sorted(set(totals) | set(general)):
        total = totals[currency] + ledger.number(0, currency)
        gl = -general.get(currency, Decimal(0)) + ledger.number(0, currency)
        rows.append([TOTAL, "", currency, total, gl, gl - total])
    return Table(f"Customer credits as of {as_of}", CREDITS_COLUMNS, rows)


REPORTS = ("aging", "dso", "unapplied", "open", "statement", "hold", "credits", "review")


def report(
    books: Books,
    name: str,
    as_of: datetime.date | None = None,
    month: str | None = None,
    customer: str | None = None,
    start: datetime.date | None = None,
) -> Table:
    """Returns the receivables report `name` (one of REPORTS), as the command line asks.

    Args:
      as_of: The report's date; default: the end of the latest complete month.
        DSO given a date measures the month of that date.
      month: 'YYYY-MM': the report as of that month's end (DSO: measures that
        month); default: the latest complete month.
      customer: The customer of a statement (required for it, and only for it).
      start: The first day of a statement (only for it); default: the first
        day of the as-of month.

    Raises:
      ValueError: if a statement has no customer, starts after its end (--from
        after --as-of, or after the month end it defaults to) or names an
        unknown customer (`UnknownCustomer`), a report is given both a month
        and a date, another report than a statement a customer or a first day
        (it would be ignored), or the month is not one.
    """
    if month and as_of:
        what = "DSO measures a month" if name == "dso" else f"The {name} report is as of one day"
        raise ValueError(f"{what}: give --month {month} or --as-of {as_of}, not both")
    if name != "statement" and (customer or start):
        given = [option for option, value in (("--customer", customer), ("--from", start)) if value]
        scope = "measures a month" if name == "dso" else "is as of one day"
        raise ValueError(
            f"{' and '.join(given)} {'are' if len(given) > 1 else 'is'} for a statement; "
            f"the {name} report covers every customer and "
            f"{scope} (--as-of or --month)"
        )
    first = period.parse_month(month) if month else latest_complete_month(books)
    day = as_of or period.last_day(first)
    if name == "dso":
        return dso(books, as_of.replace(day=1) if as_of else first)
    if name == "statement":
        if not customer:
            raise ValueError("A statement needs --customer")
        start = start or day.replace(day=1)
        if start > day:
            raise ValueError(
                f"A statement's --from {start} is after its end, --as-of {day} (by default "
                f"the latest complete month's end); expected --from on or before {day}"
            )
        return customer_statement(books, customer, start, day)
    # Imported here: the review list reads the receivables this module reads.
    from reports.review_list import review_list

    chosen = {
        "aging": aging,
        "unapplied": unapplied_cash,
        "open": open_invoices,
        "credits": customer_credits,
        "review": review_list,
    }
    return chosen.get(name, credit_hold)(books, day)


def breaks(table: Table) -> list[str]:
    """Returns the failed controls of a receivables report, each as 'name: figure'.

    The aging and unapplied cash fail when a total differs from the general
    ledger; customer credits also when a credit is overdrawn
    (`customer_credits_ties`). The other reports have no control.
    """
    columns = table.columns
    if "credit" in columns:
        found = customer_credits_ties(table)
    elif "unapplied" in columns and "difference" in columns:
        found = _ties(table, "Unapplied cash", "unapplied cash", "unapplied")
    elif "difference" in columns:
        found = aging_ties(table)
    else:
        found = []
    return [f"{control.name}: {control.figure}" for control in found if control.passed is False]


def _ties(table: Table, what: str, label: str, amount: str, total: str = TOTAL) -> list[Control]:
    """Returns, per currency, the control that a schedule's total row equals the GL balance.

    Args:
      table: The schedule, with a total row per currency.
      what: The schedule's name in the control's name, e.g. "AR aging".
      label: Its name in the control's figure, e.g. "aging".
      amount: The column of the schedule's total.
      total: The first cell of the total rows.
    """
    index = list(table.columns).index
    return [
        Control(
            f"{what} ties to the general ledger, {row[index('currency')]}",
            not row[index("difference")],
            f"{label} {row[index(amount)]}, "
            f"general ledger {row[index('gl_balance')]}, difference {row[index('difference')]}",
        )
        for row in table.rows
        if row[0] == total
    ]


def statements_tie(
    statements: Table, aging: Table, unapplied: Table, credits: Table
) -> list[Control]:
    """Returns, per currency, the control that the customer statements add up to what is owed.

    What customers owe in the general ledger is the receivable less unapplied
    cash and customer credits: the general ledger balances on the `Total`
    rows of the aging, the unapplied cash listing and the customer credits
    schedule (the last two as owed to customers). The statements' closing
    balances, "(unassigned)" included, add up to it.
    """
    at = list(statements.columns).index
    closing: dict[str, Decimal] = defaultdict(Decimal)
    for row in statements.rows:
        if row[at("description")] == "Closing balance":
            closing[row[at("currency")]] += row[at("balance")]
    owed: dict[str, Decimal] = defaultdict(Decimal)
    parts: dict[str, list[str]] = defaultdict(list)
    for table, sign, label in (
        (aging, 1, "receivable"),
        (unapplied, -1, "unapplied cash"),
        (credits, -1, "customer credits"),
    ):
        index = list(table.columns).index
        for row in table.rows:
            if row[0] == TOTAL:
                currency, balance = row[index("currency")], row[index("gl_balance")]
                owed[currency] += sign * balance
                parts[currency].append(f"{label} {balance}")
    found = []
    for currency in sorted(set(closing) | set(owed)):
        total = closing[currency] + owed[currency] * 0  # with the ledger's decimals when empty
        difference = owed[currency] - total
        found.append(
            Control(
                f"Customer statements tie to the general ledger, {currency}",
                not difference,
                f"statements {total}, general ledger {owed[currency]} "
                f"({', '.join(parts[currency])}), difference {difference}",
            )
        )
    return found


def aging_ties(table: Table) -> list[Control]:
    """Returns, per currency, the control that the aging's total equals the receivable's balance.

    With functional rows (`functional_rows`), one more: that their total
    equals the receivable's and its remeasurement account's value in the
    functional currency.
    """
    ties = _ties(table, "AR aging", "aging", "total")
    what = "AR aging in the functional currency"
    return ties + _ties(table, what, "aging", "total", FUNCTIONAL_TOTAL)


def customer_credits_ties(table: Table) -> list[Control]:
    """Returns, per currency, the controls that the customer credits tie and none is overdrawn.

    The schedule adds up the very postings the general ledger does, so the
    tie holds by construction; the second control is the one that can fail.
    A row with a negative credit (a customer's, or the "(unassigned)" one)
    is an overdrawn credit: the account paid out more than it held for
    them (a refund of a credit already applied, or one whose customer cannot
    be told, which the plugin could not hold its applications to). The
    figure names the rows.
    """
    index = list(table.columns).index
    overdrawn: dict[str, list[str]] = defaultdict(list)
    for row in table.rows:
        if row[0] != TOTAL and row[index("credit")] < 0:
            overdrawn[row[index("currency")]].append(f"{row[0]} {row[index('credit')]}")
    ties = _ties(table, "Customer credits schedule", "customer credits", "credit")
    totals = [row for row in table.rows if row[0] == TOTAL]  # one tie each, in order
    found = []
    for control, total in zip(ties, totals, strict=True):
        currency = total[index("currency")]
        rows = overdrawn.get(currency, [])
        found += [
            control,
            Control(
                f"No customer credit is overdrawn, {currency}",
                not rows,
                f"overdrawn: {', '.join(rows)}" if rows else "no customer credit below zero",
            ),
        ]
    return found
