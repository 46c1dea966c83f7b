"""Known gaps in reading the receivable, as worked examples that fail until fixed.

An item's document is its first posting written as one (an invoice's debit
in an entry with a `due` date, a credit note's credit in an entry naming
what it `credits`), else its first posting, debits first on a day. So an
invoice written without a `due` date and paid straight to the receivable
before its own date takes the payment as its document. And a receivable
posting with no `invoice` metadata belongs to its entry's first link, even
when that link is a receipt's. The README lists both gaps; the marks are
strict, so a fix that makes a test pass fails the suite until its mark and
the README's entry are removed.
"""

from __future__ import annotations

import datetime

import pytest

from reports import receivables
from tests.conftest import Books, error_lines, generated
from tests.test_ar_reconciliation import invoice, load, receipt
from tests.test_statement_credits import HEADER, D, loaded

PREPAID_WITHOUT_DUE = (
    HEADER
    + """
2026-01-05 * "Pre Co" "PAYMENT INVOICE INV-9" ^INV-9
  bank_reference: "BR-1"
  invoice: "INV-9"
  Assets:Bank:Operating  500.00 USD
  Assets:AccountsReceivable  -500.00 USD

2026-01-20 * "Pre Co" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-A"
  Assets:AccountsReceivable  500.00 USD
  Income:Revenue:Services  -500.00 USD
"""
)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="an item with no posting written as a document takes its first posting",
)
def test_dso_billings_count_an_invoice_without_due_paid_before_its_date(books: Books) -> None:
    # As tests/test_ar_documents.py's prepaid INV-9, but the invoice has no
    # `due`, so nothing marks it as the document. January billings are the
    # invoice: +500.00; receivable at Jan 31 0.00; DSO 0 / 500 x 31 = 0.0
    # both ways. The report takes the payment (Jan 5, the first posting) as a
    # credit note of -500.00 and the invoice as a payment: billings -500.00.
    table = receivables.dso(loaded(books, PREPAID_WITHOUT_DUE), datetime.date(2026, 1, 1))
    assert table.rows == [
        ["USD", D("0.00"), D("500.00"), 31, D("0.0"), D("0.0"), receivables.DSO_METHOD]
    ]


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="a posting with no invoice takes its first link"
)
def test_manual_application_naming_receipt_and_invoice_by_links_clears_the_invoice(
    books: Books,
) -> None:
    # README: a typed debit to unapplied cash "must name the receipt it uses, by
    # `receipt` metadata or its link"; a receipt names invoices by "the links
    # that are invoice ids". The manual application below names ACH-1 (the
    # receipt) and INV-1 (the invoice) by their links, so by hand:
    #   INV-1: 100.00 - 100.00 = 0 open; ACH-1: 100.00 - 100.00 = 0 unapplied.
    # Nothing to generate, no error. The receivable posting goes to its
    # entry's first link, "ACH-1" (it sorts before "INV-1"): an error
    # "Cash application to invoice 'ACH-1', which does not exist", and a
    # "Credit note ACH-1 applied to INV-1". With a receipt id that sorts
    # after "INV-1" the same entry loads cleanly.
    text = (
        invoice(1, "2026-01-10", "100.00")
        + receipt("2026-02-01", "100.00 USD", "ACH-1", '\n  customer: "CUS-1"')
        + """
2026-02-03 * "Acme" "Manual application" ^ACH-1 ^INV-1
  Liabilities:UnappliedCash  100.00 USD
  Assets:AccountsReceivable  -100.00 USD
"""
    )
    entries, errors = load(books, text)
    assert error_lines(errors) == []
    assert [e.narration for e in generated(entries)] == []
