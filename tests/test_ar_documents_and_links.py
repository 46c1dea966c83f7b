"""Two gaps reviews found in reading the receivable, closed: worked examples of the rules.

An item's document is its first posting written as one (an invoice's debit
in an entry with a `due` date, a credit note's credit in an entry naming
what it `credits`); with none written, its first posting that is not cash
(a posting carrying a receipt id, `receipt` or `bank_reference`, is cash
paid or refunded), debits first on a day. So an invoice written without a
`due` date and paid by the bank before its own date, or a credit note that
names nothing it `credits` refunded by the bank the day it is issued, is
read by its invoice or credit note. And a receivable posting with no
`invoice` metadata whose entry has several links belongs to the one link
that is an item the other postings name, not to the first link: a manual
application linked to its receipt and its invoice goes to the invoice.
Several such links are an error naming the line (the posting goes to the
first of them).
"""

from __future__ import annotations

import datetime

from beancount import loader
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import receipts
from plugins import receivables as ar_receivables
from plugins.currency import Precision
from reports import receivables
from tests.conftest import Books, error_lines, generated
from tests.test_ar_reconciliation import HEADER as AR_HEADER
from tests.test_ar_reconciliation import invoice, load, receipt
from tests.test_statement_credits import HEADER, D, loaded

AR = "Assets:AccountsReceivable"
PLUGIN_LINE = 'plugin "plugins.ar_reconciliation" "ar.yaml"\n'

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


def test_dso_billings_count_an_invoice_without_due_paid_before_its_date(books: Books) -> None:
    # As tests/test_ar_documents.py's prepaid INV-9, but the invoice has no
    # `due`, so nothing marks it as the document. January billings are the
    # invoice: +500.00; receivable at Jan 31 0.00; DSO 0 / 500 x 31 = 0.0
    # both ways. The payment (Jan 5, the first posting) carries a bank
    # reference, so it is cash, not the document; read by the first posting it
    # was a credit note of -500.00 and the invoice a payment: billings -500.00.
    table = receivables.dso(loaded(books, PREPAID_WITHOUT_DUE), datetime.date(2026, 1, 1))
    assert table.rows == [
        ["USD", D("0.00"), D("500.00"), 31, D("0.0"), D("0.0"), receivables.DSO_METHOD]
    ]


def test_manual_application_naming_receipt_and_invoice_by_links_clears_the_invoice(
    books: Books,
) -> None:
    # README: a typed debit to unapplied cash "must name the receipt it uses, by
    # `receipt` metadata or its link"; a receipt names invoices by "the links
    # that are invoice ids". The manual application below names ACH-1 (the
    # receipt) and INV-1 (the invoice) by their links, so by hand:
    #   INV-1: 100.00 - 100.00 = 0 open; ACH-1: 100.00 - 100.00 = 0 unapplied.
    # Nothing to generate, no error. Of the entry's links only INV-1 is an
    # item the other postings name (the invoice's entry), so the receivable
    # posting is INV-1's. By the first link it was "ACH-1" (it sorts before
    # "INV-1"): an error "Cash application to invoice 'ACH-1', which does not
    # exist", and a "Credit note ACH-1 applied to INV-1".
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


# A credit note that names nothing it `credits`, refunded by the bank the day
# it is issued: the bank's debit sorts first (debits first on a day).
REFUNDED_WITHOUT_CREDITS = (
    HEADER
    + """
2026-03-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-31
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  600.00 USD
  Liabilities:UnappliedCash  -600.00 USD

2026-03-20 * "Acme" "Credit note CN-7" ^CN-7
  invoice: "CN-7"
  customer: "CUS-1"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD

2026-03-20 * "Acme" "REFUND CN-7" ^CN-7
  invoice: "CN-7"
  bank_reference: "BR-7"
  Assets:AccountsReceivable  200.00 USD
  Assets:Bank:Operating  -200.00 USD
"""
)


def test_a_credit_note_without_credits_refunded_by_the_bank_is_read_by_the_note() -> None:
    # CN-7 is the credit note (-200.00, Mar 20), not the bank's refund of
    # +200.00 the same day, which carries a bank reference: billed -200.00,
    # owed back from Mar 20, open -200.00 + 200.00 = 0.
    entries, errors, _ = loader.load_string(REFUNDED_WITHOUT_CREDITS.replace(PLUGIN_LINE, ""))
    assert errors == []
    subledger, findings = ar_receivables.read(entries, AR, Precision())
    assert findings == []
    note = subledger.items["CN-7"]
    assert (note.is_invoice, note.date, note.due, note.customer, note.billed, note.balance()) == (
        False,
        datetime.date(2026, 3, 20),
        datetime.date(2026, 3, 20),
        "CUS-1",
        -20000,
        0,
    )
    assert note.document.narration == "Credit note CN-7"
    assert subledger.notes == ["CN-7"]


def test_dso_billings_count_a_credit_note_without_credits_refunded_by_the_bank(
    books: Books,
) -> None:
    # March billings are the documents: INV-1 +1,000.00 and CN-7 -200.00 =
    # 800.00 (the bank's refund is cash). Receivable at Mar 31: INV-1 1,000.00
    # - 600.00 (R-1, naming it) = 400.00; CN-7 -200.00 + 200.00 = 0. Simple
    # DSO 400 / 800 x 31 = 15.5; countback: March's 800 holds the 400, 15.5.
    # Read by its first posting, CN-7 was an invoice of +200.00: billings
    # 1,200.00, DSO 400 / 1,200 x 31 = 10.3.
    table = receivables.dso(loaded(books, REFUNDED_WITHOUT_CREDITS), datetime.date(2026, 3, 1))
    assert table.rows == [
        ["USD", D("400.00"), D("800.00"), 31, D("15.5"), D("15.5"), receivables.DSO_METHOD]
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=20000),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=19),
    st.booleans(),
)
def test_a_document_written_as_neither_is_the_same_whenever_the_bank_posts_the_cash(
    refunded: int, refund_days: int, paid_days_early: int, cash_first_in_file: bool
) -> None:
    # No `due`, no `credits`. Whatever part of CN-7 the bank refunds, on its
    # day or later, and however early the bank pays INV-9, on its day or
    # before, in either order in the file: CN-7 is a credit note of -200.00
    # dated and owed back Mar 20, INV-9 an invoice of 500.00 dated and due
    # Jan 20 (its date, having no `due`).
    cents = f"{refunded // 100}.{refunded % 100:02d}"
    refund_day = datetime.date(2026, 3, 20) + datetime.timedelta(days=refund_days)
    paid_day = datetime.date(2026, 1, 20) - datetime.timedelta(days=paid_days_early)
    documents = """
2026-03-20 * "Credit note CN-7" ^CN-7
  invoice: "CN-7"
  customer: "CUS-A"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD

2026-01-20 * "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-A"
  Assets:AccountsReceivable  500.00 USD
  Income:Revenue:Services  -500.00 USD
"""
    cash = f"""
{refund_day} * "REFUND CN-7" ^CN-7
  invoice: "CN-7"
  bank_reference: "BR-7"
  Assets:AccountsReceivable  {cents} USD
  Assets:Bank:Operating  -{cents} USD

{paid_day} * "PAYMENT INVOICE INV-9" ^INV-9
  invoice: "INV-9"
  bank_reference: "BR-9"
  Assets:Bank:Operating  500.00 USD
  Assets:AccountsReceivable  -500.00 USD
"""
    text = HEADER.replace(PLUGIN_LINE, "") + (
        cash + documents if cash_first_in_file else documents + cash
    )
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    items = ar_receivables.read(entries, AR, Precision())[0].items
    assert sorted((i.id, i.is_invoice, i.date, i.due, i.billed) for i in items.values()) == [
        ("CN-7", False, datetime.date(2026, 3, 20), datetime.date(2026, 3, 20), -20000),
        ("INV-9", True, datetime.date(2026, 1, 20), datetime.date(2026, 1, 20), 50000),
    ]


def test_a_posting_linking_two_invoices_names_its_line_and_goes_to_the_first(
    books: Books,
) -> None:
    # The manual application links ACH-1 (the receipt) and two invoices and
    # writes no `invoice`: INV-1 and INV-2 are both items of the books, so
    # which one it pays is ambiguous: one error at its receivable line. It
    # goes to the first, INV-1: by hand INV-1 100.00 - 100.00 = 0 open, INV-2
    # 50.00 open, ACH-1 100.00 - 100.00 = 0 unapplied; nothing generated.
    text = (
        invoice(1, "2026-01-10", "100.00")
        + invoice(2, "2026-01-12", "50.00")
        + receipt("2026-02-01", "100.00 USD", "ACH-1", '\n  customer: "CUS-1"')
        + """
2026-02-03 * "Acme" "Manual application" ^ACH-1 ^INV-1 ^INV-2
  Liabilities:UnappliedCash  100.00 USD
  Assets:AccountsReceivable  -100.00 USD
"""
    )
    entries, errors = load(books, text)
    written = (books.folder / "main.beancount").read_text().splitlines()
    line = written.index("  Assets:AccountsReceivable  -100.00 USD") + 1
    assert error_lines(errors) == [
        (
            line,
            "Receivable posting of '-100.00 USD' links invoices 'INV-1', 'INV-2' and names "
            "none of them; expected an 'invoice' on the posting or its entry",
        )
    ]
    assert [e.narration for e in generated(entries)] == []
    subledger = ar_receivables.read(entries, AR, Precision())[0]
    assert subledger.open == {"INV-1": 0, "INV-2": 5000}


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"[A-Z]{1,4}-?[0-9]{1,3}", fullmatch=True).filter(lambda id_: id_ != "INV-1"),
    st.integers(min_value=1, max_value=10**7),
)
def test_a_manual_application_goes_to_its_invoice_however_the_receipt_id_sorts(
    receipt_id: str, cents: int
) -> None:
    # INV-1 is billed `cents`, receipt `receipt_id` receives as much, and a
    # manual application linked to both uses all of it on INV-1: INV-1 is
    # open 0 and the receipt has 0 left, whether its id sorts before or
    # after "INV-1"; no item is named for the receipt.
    amount = f"{cents // 100}.{cents % 100:02d}"
    text = (
        AR_HEADER.replace(PLUGIN_LINE, "")
        + invoice(1, "2026-01-10", amount)
        + receipt("2026-02-01", f"{amount} USD", receipt_id)
        + f"""
2026-02-03 * "Acme" "Manual application" ^{receipt_id} ^INV-1
  Liabilities:UnappliedCash  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""
    )
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, findings = ar_receivables.read(entries, AR, Precision())
    cash, more = receipts.read(entries, "Liabilities:UnappliedCash", Precision(), subledger, "")
    assert (findings, more) == ([], [])
    assert subledger.open == {"INV-1": 0}
    assert cash.unapplied(receipt_id) == 0
