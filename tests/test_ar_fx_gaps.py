"""Known gaps in foreign-currency receivables, as worked examples that fail until fixed.

Each test states the right figures, derived by hand, and is marked as an
expected failure: the README's "Known gaps in foreign currency" lists them.
The marks are strict, so a fix that makes one pass fails the suite until its
mark and the README's entry are removed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Books
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


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="each application rounds its realized difference alone",
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


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="each application rounds its realized difference alone",
)
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


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="Beancount infers no tolerance from whole JPY amounts",
)
def test_cash_application_balances_in_a_functional_currency_without_decimals(
    books: Books,
) -> None:
    # The books are kept in JPY (0 decimals). 30.00 EUR billed at 160 JPY
    # is 4,800 JPY, exactly. 1,652 JPY arrive on Feb 1, EUR at 165: 10.0121
    # -> 10.01 EUR. Cleared at the carrying rate, 10.01 x 160 = 1,601.6 JPY,
    # so the difference is 1,652 - 1,601.6 = 50.4 JPY of gain. Every typed
    # entry balances; the generated one books 50 JPY and leaves 0.4 JPY that
    # Beancount cannot tolerate (integer JPY postings infer no tolerance):
    # "Transaction does not balance: (0.40 JPY)". Expected: no error.
    books.write("ar.yaml", "tolerance: {JPY: 100, EUR: 1.00}\n")
    entries, errors, _ = books.load(JPY_HEADER + JPY_BOOKS)
    assert [error.message for error in errors] == []
    assert balance(entries, AR, "EUR") == Decimal("19.99")


def test_a_tolerance_for_whole_yen_balances_the_application(books: Books) -> None:
    # The README's workaround for the gap above: with half a yen of tolerance
    # the 0.4 JPY the rate leaves (10.01 EUR x 160 = 1,601.6 JPY cleared
    # against 1,652 JPY received, 50 JPY realized) is within it.
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
        f"{AR} -10.01 EUR @ 160 JPY",
        f"{REALIZED} -50 JPY",
    ]
