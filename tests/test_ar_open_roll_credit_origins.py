"""The open invoices' roll of a customer credit applied: credited when a credit note's, else paid.

A credit note's credit moved to customer credits is credited on the note;
applied to an invoice later, it is credited there too, not paid. A customer
credit that arose from cash (an over payment, a prepayment) is paid when it
is applied. Each debit to customer credits takes the customer's credit in
its currency oldest first, after what it names (`reports.credit_origins`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports import books as books_module
from reports import receivables
from tests import reporting
from tests.conftest import Books
from tests.test_ar_open_roll import CREDIT_NOTE_TO_CREDITS, HEADER, POLICY

D = Decimal
FEB_28 = datetime.date(2026, 2, 28)

# CN-1 20.00 of CUS-1 on Jan 10, 12.00 of it moved to customer credits on
# Jan 15 (the receivable debited on CN-1, customer credits credited). INV-2
# 100.00 on Jan 20; R-1 88.00 waits in unapplied cash from Jan 25. On Feb 3
# one typed entry applies R-1 88.00 and the 12.00 customer credit to INV-2.
NOTE_CREDIT_APPLIED_WITH_CASH = (
    HEADER
    + """
2026-01-10 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-01-15 * "Acme" "Move 12.00 of CN-1 to customer credits"
  customer: "CUS-1"
  Assets:AccountsReceivable  12.00 USD
    invoice: "CN-1"
  Liabilities:CustomerCredits  -12.00 USD

2026-01-20 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-02-19
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-25 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  88.00 USD
  Liabilities:UnappliedCash  -88.00 USD

2026-02-03 * "Acme" "Apply R-1 and CN-1's credit to INV-2"
  customer: "CUS-1"
  Liabilities:UnappliedCash  88.00 USD
    receipt: "R-1"
  Liabilities:CustomerCredits  12.00 USD
  Assets:AccountsReceivable  -100.00 USD
    invoice: "INV-2"
"""
)


def _rolls(loaded: books_module.Books, day: datetime.date, *ids: str) -> list[tuple[int, ...]]:
    ledger = receivables.Receivables(loaded)
    moves = receivables._account_moves(ledger)
    return [receivables._roll(ledger.items.items[one], day, moves) for one in ids]


def _listed(loaded: books_module.Books, day: datetime.date) -> list[list[object]]:
    table = receivables.open_invoices(loaded, day)
    names = ("invoice", "billed", "paid", "credited", "open")
    index = [list(table.columns).index(name) for name in names]
    return [[row[i] for i in index] for row in table.rows]


def test_a_credit_notes_credit_applied_to_an_invoice_is_credited_there(books: Books) -> None:
    # At Feb 28, by hand. INV-2: billed 100.00; R-1's 88.00 is cash, paid
    # 88.00; the 12.00 of customer credits came from CN-1 (moved there on
    # Jan 15, CUS-1's only credit), so it is credited 12.00, not paid; open
    # 100.00 - 88.00 - 12.00 = 0.00, so not listed. CN-1: billed -20.00,
    # credited -12.00 (moved to credits), open -8.00. Before the credit's
    # origin was traced, INV-2 rolled 100.00, 100.00, 0.00.
    loaded = reporting.loaded(books, NOTE_CREDIT_APPLIED_WITH_CASH, {"ar.yaml": POLICY})
    assert _rolls(loaded, FEB_28, "INV-2", "CN-1") == [(10000, 8800, 1200), (-2000, 0, -1200)]
    assert _listed(loaded, FEB_28) == [["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")]]


# CN-1 12.00 is moved to CUS-1's customer credits on Jan 15 and kept there.
# INV-1 100.00 is paid 130.00 by R-1 naming it on Jan 20: the matcher
# parks the 30.00 over in customer credits, R-1's. INV-2 50.00 is billed on
# Feb 1, and R-1's credit pays 30.00 of it that day (a generated entry
# naming R-1). INV-3 40.00 is billed on Feb 5 and 12.00 of customer
# credits, naming nothing, is applied to it by hand on Feb 6.
OVER_PAYMENT_APPLIED_AFTER_A_NOTES_CREDIT = (
    HEADER
    + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -12.00 USD
  Income:Revenue:Services  12.00 USD

2026-01-15 * "Acme" "Move CN-1 to customer credits"
  customer: "CUS-1"
  Assets:AccountsReceivable  12.00 USD
    invoice: "CN-1"
  Liabilities:CustomerCredits  -12.00 USD

2026-01-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  130.00 USD
  Liabilities:UnappliedCash  -130.00 USD

2026-02-01 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-03-03
  Assets:AccountsReceivable  50.00 USD
  Income:Revenue:Services  -50.00 USD

2026-02-05 * "Acme" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-1"
  due: 2026-03-07
  Assets:AccountsReceivable  40.00 USD
  Income:Revenue:Services  -40.00 USD

2026-02-06 * "Acme" "Apply customer credit to INV-3"
  customer: "CUS-1"
  Liabilities:CustomerCredits  12.00 USD
  Assets:AccountsReceivable  -12.00 USD
    invoice: "INV-3"
"""
)


def test_an_over_payments_credit_applied_later_stays_paid(books: Books) -> None:
    # At Feb 28, by hand. CUS-1's credits: CN-1's 12.00 from Jan 15 (a
    # credit note's), R-1's 30.00 from Jan 20 (cash). The matcher's entry
    # of Feb 1 names R-1, so it takes R-1's credit, though CN-1's is older:
    # INV-2 billed 50.00, paid 30.00, credited 0.00, open 20.00. The debit
    # of Feb 6 names nothing and takes the oldest credit left, CN-1's 12.00:
    # INV-3 billed 40.00, paid 0.00, credited 12.00, open 28.00. Before the
    # origin was traced, INV-3 was paid 12.00, credited 0.00.
    loaded = reporting.loaded(books, OVER_PAYMENT_APPLIED_AFTER_A_NOTES_CREDIT, {"ar.yaml": POLICY})
    assert _listed(loaded, FEB_28) == [
        ["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")],
        ["INV-3", D("40.00"), D("0.00"), D("12.00"), D("28.00")],
    ]


# CREDIT_NOTE_TO_CREDITS: CUS-1's credits are CN-1's 12.00 from Jan 15 and
# INV-7's over payment of 30.00 (cash, from BR-7) from Jan 16. INV-8 100.00
# is billed on Feb 1; 20.00 of customer credits is applied to it by hand on
# Feb 2 and 20.00 more on Feb 10, neither naming where it comes from.
BOTH_ORIGINS_APPLIED_IN_PARTS = (
    CREDIT_NOTE_TO_CREDITS
    + """
2026-02-01 * "Acme" "Invoice INV-8" ^INV-8
  invoice: "INV-8"
  customer: "CUS-1"
  due: 2026-03-03
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-02 * "Acme" "Apply customer credit to INV-8"
  customer: "CUS-1"
  Liabilities:CustomerCredits  20.00 USD
  Assets:AccountsReceivable  -20.00 USD
    invoice: "INV-8"

2026-02-10 * "Acme" "Apply more customer credit to INV-8"
  customer: "CUS-1"
  Liabilities:CustomerCredits  20.00 USD
  Assets:AccountsReceivable  -20.00 USD
    invoice: "INV-8"
"""
)


def test_a_credit_of_both_origins_is_applied_oldest_first(books: Books) -> None:
    # Oldest first: Feb 2's 20.00 takes CN-1's 12.00 (Jan 15, credited) and
    # 8.00 of INV-7's 30.00 (Jan 16, paid); Feb 10's 20.00 takes 20.00 more
    # of INV-7's (paid), leaving 2.00 of it in credits. INV-8 at Feb 2:
    # billed 100.00, paid 8.00, credited 12.00, open 80.00; at Feb 28: paid
    # 8.00 + 20.00 = 28.00, credited 12.00, open 60.00. CN-1 stays -20.00,
    # 0.00, -12.00, -8.00. Before the origin was traced, INV-8 was paid
    # 20.00 then 40.00 and credited 0.00.
    loaded = reporting.loaded(books, BOTH_ORIGINS_APPLIED_IN_PARTS, {"ar.yaml": POLICY})
    assert _listed(loaded, datetime.date(2026, 2, 2)) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")],
        ["INV-8", D("100.00"), D("8.00"), D("12.00"), D("80.00")],
    ]
    assert _listed(loaded, FEB_28) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")],
        ["INV-8", D("100.00"), D("28.00"), D("12.00"), D("60.00")],
    ]
