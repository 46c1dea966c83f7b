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
