"""Former known gaps in foreign-currency receivables, as worked examples.

Each was found by a review on 22 November 2026 and kept here as an expected
failure until fixed: an application now derecognizes its share of the
invoice's carrying amount cumulatively, rounded to the functional currency's
minor unit (plugins.derecognition), which closes both.
"""

from __future__ import annotations

from decimal import Decimal

from beancount.core import amount, data

from tests.conftest import Books, generated
from tests.test_ar_carried_transfers import functional_total
from tests.test_ar_reconciliation import (
    AR,
    REALIZED,
    UNAPPLIED,
    applications,
    balance,
    load,
    receipt,
    squeezed,
)


def test_partial_payments_realize_the_whole_difference_to_the_cent(books: Books) -> None:
    # 100.00 EUR billed at 1.0837 is carried at 108.37 USD (exact). Two
    # receipts of 55.00 USD each name it, when EUR is 1.10: each is 50.00 EUR.
    # Carrying of each half: 50.00 x 1.0837 = 54.185 USD, so each realizes
    # 55.00 - 54.185 = 0.815 USD of gain; together 110.00 - 108.37 = 1.63 USD.
    # Rounding each half on its own gives 0.82 + 0.82 = 1.64: one cent of gain
    # that nobody received. Expected: 1.63 in total (e.g. 0.82 then 0.81, the
    # last application taking what is left of the invoice's carrying amount).
    text = """
2026-01-01 price EUR 1.0837 USD
2026-02-01 price EUR 1.10 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.0837 USD
  Income:Revenue:Services  -108.37 USD
"""
    text += receipt("2026-02-01", "55.00 USD", "R-1", '\n  invoice: "INV-1"')
    text += receipt("2026-02-10", "55.00 USD", "R-2", '\n  invoice: "INV-1"')
    entries, errors = load(books, text)
    assert errors == []
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("-1.63")
    assert functional_total(entries) == 0


def test_thirds_of_a_total_price_realize_the_whole_difference(books: Books) -> None:
    # With a rate that does not end: 3.00 EUR @@ 1.00 USD is carried
    # at exactly 1.00 USD (rate 1/3). Three receipts of 0.25 USD, each naming
    # it when EUR is 0.25, are 1.00 EUR each. Received 0.75 USD for a receivable
    # of 1.00 USD: realized loss 0.25 USD. Each third is 0.3333... - 0.25 =
    # 0.0833 USD, rounded alone 0.08, three times 0.24.
    text = """
2026-01-01 price EUR 0.30 USD
2026-02-01 price EUR 0.25 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  3.00 EUR @@ 1.00 USD
  Income:Revenue:Services  -1.00 USD
"""
    for day, name in (("2026-02-01", "R-1"), ("2026-02-02", "R-2"), ("2026-02-03", "R-3")):
        text += receipt(day, "0.25 USD", name, '\n  invoice: "INV-1"')
    entries, errors = load(books, text, "tolerance: {USD: 0.00, EUR: 0.00}\n")
    assert errors == []
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("0.25")
    assert functional_total(entries) == 0


JPY_HEADER = """
option "operating_currency" "JPY"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
"""
JPY_BOOKS = """
2026-01-01 price EUR 160 JPY
2026-02-01 price EUR 165 JPY

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 160 JPY
  Income:Revenue:Services  -4800 JPY

2026-02-01 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  Assets:Bank:Operating  1652 JPY
  Liabilities:UnappliedCash  -1652 JPY
"""


def _application(entries: list[data.Directive]) -> data.Transaction:
    [entry] = [entry for entry in generated(entries) if "cash-application" in entry.tags]
    return entry


def _weight(posting: data.Posting) -> Decimal:
    assert posting.units is not None and posting.price is not None
    assert isinstance(posting.units.number, Decimal) and isinstance(posting.price.number, Decimal)
    return posting.units.number * posting.price.number


def test_cash_application_balances_in_a_functional_currency_without_decimals(
    books: Books,
) -> None:
    # The books are kept in JPY (0 decimals). 30.00 EUR billed at 160 JPY
    # is 4,800 JPY, exactly. 1,652 JPY arrive on Feb 1, EUR at 165: 10.0121
    # -> 10.01 EUR. Cleared at the carrying rate, 10.01 x 160 = 1,601.6 JPY,
    # which rounds to 1,602 JPY of carrying amount derecognized, so the gain
    # is 1,652 - 1,602 = 50 JPY and the entry balances to the yen (before the
    # rule: 50 JPY booked and 0.4 JPY left that Beancount cannot tolerate,
    # "Transaction does not balance: (0.40 JPY)"). 4,800 - 1,602 = 3,198 JPY
    # of carrying amount is left on 19.99 EUR.
    books.write("ar.yaml", "tolerance: {JPY: 100, EUR: 1.00}\n")
    entries, errors, _ = books.load(JPY_HEADER + JPY_BOOKS)
    assert [error.message for error in errors] == []
    assert balance(entries, AR, "EUR") == Decimal("19.99")
    unapplied, receivable, realized = _application(entries).postings
    assert _weight(receivable) == Decimal(-1602)
    assert (unapplied.units, realized.units) == (
        amount.Amount(Decimal(1652), "JPY"),
        amount.Amount(Decimal(-50), "JPY"),
    )


def test_a_tolerance_for_whole_yen_balances_the_application(books: Books) -> None:
    # The README's former workaround for the gap above still loads: with half
    # a yen of tolerance the same entry (10.01 EUR derecognizing 1,602 JPY of
    # carrying amount, 1,652 JPY received, 50 JPY realized) balances too. The
    # price is 1,602 / 10.01 = 160.03996... JPY, which Beancount multiplies
    # back to 1,602 JPY exactly (it was 160, weighing 1,601.6, before the rule).
    books.write("ar.yaml", "tolerance: {JPY: 100, EUR: 1.00}\n")
    header = JPY_HEADER.replace(
        'option "operating_currency" "JPY"\n',
        'option "operating_currency" "JPY"\noption "inferred_tolerance_default" "JPY:0.5"\n',
    )
    entries, errors, _ = books.load(header + JPY_BOOKS)
    assert [error.message for error in errors] == []
    [application] = applications(entries)
    assert squeezed(application[2]) == [
        f"{UNAPPLIED} 1652 JPY",
        f"{AR} -10.01 EUR @ 160.0399600399600399600399600 JPY",
        f"{REALIZED} -50 JPY",
    ]
    assert _weight(_application(entries).postings[1]) == Decimal(-1602)
