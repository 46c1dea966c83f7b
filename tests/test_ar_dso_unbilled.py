"""DSO with unbilled receivables: usage earned and not yet billed is owed too.

For a currency whose unbilled receivable account holds a balance at the
month end, the DSO report adds a row "simple, with unbilled": (open items +
unbilled receivable) / the month's revenue x days. The two other methods are
as before.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports import receivables
from tests import reporting
from tests.conftest import Books

D = Decimal
POLICY = "tolerance: {USD: 1.00}\n"
HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:UnbilledReceivables
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Income:Revenue:Usage
2025-01-01 open Income:ForeignExchange:Realized
2025-01-01 open Liabilities:UnappliedCash
2025-01-01 open Liabilities:CustomerCredits
"""
MARCH = datetime.date(2026, 3, 1)

# February's usage, 200.00, accrued on Feb 28, is billed on Mar 3 (INV-0)
# with its accrual reversed, and paid by R-0 on Mar 20. INV-1 1,000.00 is
# billed on Mar 5 and 400.00 of it paid by R-1. March's usage, 300.00, is
# accrued on Mar 31. A 5.00 exchange gain is income, not revenue.
LEDGER = (
    HEADER
    + """
2026-02-28 * "Acme" "Usage of 2026-02" #usage
  customer: "CUS-1"
  Assets:UnbilledReceivables  200.00 USD
  Income:Revenue:Usage  -200.00 USD

2026-03-03 * "Acme" "Invoice INV-0" ^INV-0
  invoice: "INV-0"
  customer: "CUS-1"
  due: 2026-04-02
  Assets:AccountsReceivable  200.00 USD
  Income:Revenue:Usage  -200.00 USD

2026-03-03 * "Acme" "Usage of 2026-02 billed: accrual reversed" ^INV-0
  customer: "CUS-1"
  Income:Revenue:Usage  200.00 USD
  Assets:UnbilledReceivables  -200.00 USD

2026-03-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-04-04
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-20 * "Acme" "Wire 0"
  receipt: "R-0"
  customer: "CUS-1"
  invoice: "INV-0"
  Assets:Bank:Operating  200.00 USD
  Liabilities:UnappliedCash  -200.00 USD

2026-03-21 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  400.00 USD
  Liabilities:UnappliedCash  -400.00 USD

2026-03-25 * "Bank" "Exchange gain"
  Assets:Bank:Operating  5.00 USD
  Income:ForeignExchange:Realized  -5.00 USD

2026-03-31 * "Acme" "Usage of 2026-03" #usage
  customer: "CUS-1"
  Assets:UnbilledReceivables  300.00 USD
  Income:Revenue:Usage  -300.00 USD
"""
)


def test_dso_with_unbilled_adds_the_unbilled_receivable_over_the_months_revenue(
    books: Books,
) -> None:
    # At Mar 31, by hand:
    # open items: INV-1 1,000.00 - 400.00 = 600.00 (INV-0 is paid).
    # billings: INV-0 200.00 + INV-1 1,000.00 = 1,200.00.
    # simple: 600 / 1,200 x 31 = 15.5; countback: March's 1,200.00 holds
    #   the 600.00: 600 / 1,200 x 31 = 15.5. (Both as without the new row.)
    # unbilled: 200.00 - 200.00 + 300.00 = 300.00.
    # revenue: credits 200.00 (INV-0) + 1,000.00 (INV-1) + 300.00 (March's
    #   usage) less the 200.00 debit reversing February's accrual = 1,300.00;
    #   the 5.00 exchange gain is not revenue.
    # with unbilled: (600.00 + 300.00) / 1,300.00 x 31 = 21.46... -> 21.5.
    loaded = reporting.loaded(books, LEDGER, {"ar.yaml": POLICY})
    table = receivables.dso(loaded, MARCH)
    assert table.rows == [
        ["USD", D("600.00"), D("1200.00"), 31, D("15.5"), D("15.5"), receivables.DSO_METHOD],
        ["USD", D("900.00"), D("1300.00"), 31, D("21.5"), None, receivables.DSO_UNBILLED_METHOD],
    ]


def test_dso_has_no_row_with_unbilled_when_nothing_is_unbilled(books: Books) -> None:
    # Without March's usage accrual the unbilled account is 0.00 at Mar 31:
    # only the simple and countback row, as before.
    march_usage = LEDGER.index('2026-03-31 * "Acme" "Usage of 2026-03"')
    loaded = reporting.loaded(books, LEDGER[:march_usage], {"ar.yaml": POLICY})
    table = receivables.dso(loaded, MARCH)
    assert table.column("method") == [receivables.DSO_METHOD]


def test_a_currency_holding_only_unbilled_usage_has_no_plain_dso_row(books: Books) -> None:
    # CUS-2's 300.00 EUR of March's usage is accrued on Mar 31; nothing is
    # billed or open in EUR. USD: INV-1 1,000.00 open, 1,000.00 billed: 1,000
    # / 1,000 x 31 = 31.0, both ways; no USD unbilled, so no USD unbilled row.
    # EUR: no open items and no billings, so no plain row (an empty one read
    # "EUR 0.00 0.00 31 None 0.0"); with unbilled: (0.00 + 300.00) / 300.00
    # of revenue x 31 = 31.0.
    ledger = (
        HEADER
        + """
2026-03-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-04-04
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-31 * "Beta" "Usage of 2026-03" #usage
  customer: "CUS-2"
  Assets:UnbilledReceivables  300.00 EUR
  Income:Revenue:Usage  -300.00 EUR
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    table = receivables.dso(loaded, MARCH)
    assert table.rows == [
        ["EUR", D("300.00"), D("300.00"), 31, D("31.0"), None, receivables.DSO_UNBILLED_METHOD],
        ["USD", D("1000.00"), D("1000.00"), 31, D("31.0"), D("31.0"), receivables.DSO_METHOD],
    ]


def test_revenue_counts_in_the_currency_of_the_receivable_it_is_posted_against(
    books: Books,
) -> None:
    # The kit books a foreign invoice as `1000.00 EUR @ 1.10 USD` with its
    # revenue in USD, and a foreign usage accrual the same way. By hand, at
    # Mar 31:
    # EUR: INV-E1 1,000.00 EUR open and billed: 1,000 / 1,000 x 31 = 31.0.
    #   Unbilled 300.00 EUR. Revenue: INV-E1's 1,100.00 USD / 1.10 = 1,000.00
    #   EUR, the accrual's 330.00 USD / 1.10 = 300.00 EUR: 1,300.00 EUR.
    #   With unbilled: (1,000.00 + 300.00) / 1,300.00 x 31 = 31.0.
    # USD: INV-1 1,000.00 open and billed: 31.0; unbilled 100.00; revenue
    #   1,000.00 + 100.00 = 1,100.00 (not 1,100.00 + 330.00 + 1,100.00 =
    #   2,530.00 with the EUR entries' USD counted); (1,000.00 + 100.00) /
    #   1,100.00 x 31 = 31.0. Counted by posting currency the EUR row had no
    #   revenue (None) and the USD row 1,100 / 2,530 x 31 = 13.5.
    ledger = (
        HEADER
        + """
2026-03-01 price EUR 1.10 USD

2026-03-05 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-04-04
  Assets:AccountsReceivable  1000.00 EUR @ 1.10 USD
  Income:Revenue:Services  -1100.00 USD

2026-03-31 * "Euro" "Usage of 2026-03" #usage
  customer: "CUS-E"
  Assets:UnbilledReceivables  300.00 EUR @ 1.10 USD
  Income:Revenue:Usage  -330.00 USD

2026-03-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-04-04
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-31 * "Acme" "Usage of 2026-03" #usage
  customer: "CUS-1"
  Assets:UnbilledReceivables  100.00 USD
  Income:Revenue:Usage  -100.00 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": "tolerance: {USD: 1.00, EUR: 1.00}\n"})
    table = receivables.dso(loaded, MARCH)
    simple, unbilled = receivables.DSO_METHOD, receivables.DSO_UNBILLED_METHOD
    assert table.rows == [
        ["EUR", D("1000.00"), D("1000.00"), 31, D("31.0"), D("31.0"), simple],
        ["EUR", D("1300.00"), D("1300.00"), 31, D("31.0"), None, unbilled],
        ["USD", D("1000.00"), D("1000.00"), 31, D("31.0"), D("31.0"), simple],
        ["USD", D("1100.00"), D("1100.00"), 31, D("31.0"), None, unbilled],
    ]


def test_dso_with_unbilled_of_nothing_owed_is_zero_days(books: Books) -> None:
    # INV-1 1,000.00 (Mar 5) is paid in full by R-1; CN-1 credits it 500.00
    # on Mar 25, not yet refunded; March's usage of 300.00 is accrued on Mar
    # 31. At Mar 31, by hand:
    # open items: INV-1 0.00 + CN-1 -500.00 = -500.00; billings 1,000.00 -
    #   500.00 = 500.00: simple and countback 0.0, a receivable at or below
    #   zero (simple was -500 / 500 x 31 = -31.0).
    # owed with unbilled: -500.00 + 300.00 = -200.00, at or below zero;
    #   revenue 1,000.00 - 500.00 + 300.00 = 800.00: 0.0 days, as the other
    #   row (it was -200 / 800 x 31 = -7.75 -> -7.8).
    ledger = (
        HEADER
        + """
2026-03-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-04-04
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  1000.00 USD
  Liabilities:UnappliedCash  -1000.00 USD

2026-03-25 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -500.00 USD
  Income:Revenue:Services  500.00 USD

2026-03-31 * "Acme" "Usage of 2026-03" #usage
  customer: "CUS-1"
  Assets:UnbilledReceivables  300.00 USD
  Income:Revenue:Usage  -300.00 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    table = receivables.dso(loaded, MARCH)
    assert table.rows == [
        ["USD", D("-500.00"), D("500.00"), 31, D("0.0"), D("0.0"), receivables.DSO_METHOD],
        ["USD", D("-200.00"), D("800.00"), 31, D("0.0"), None, receivables.DSO_UNBILLED_METHOD],
    ]
