"""An open item's document is the invoice or credit note itself, not the cash posted to it.

The document is the item's first posting written as one: an invoice's debit
in an entry with a `due` date, a credit note's credit in an entry naming the
invoice it `credits`; else the first posting that is not cash (cash carries
a receipt id: tests/test_ar_documents_and_links.py), in the day's order
(`receivables.day_key`: a document written with `due` first whatever its
sign, then debits). So a
credit note refunded the day it is issued, or an invoice paid straight to the
receivable before its own date, is still read by its document. Worked
examples, read by `plugins.receivables` and through the reports, and a
property over the day of the refund or payment.
"""

from __future__ import annotations

import datetime

from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins import receivables
from plugins.currency import Precision
from reports import books as books_module
from reports import receivables as reports
from tests import reporting
from tests.conftest import Books, generated
from tests.test_statement_credits import HEADER, POLICY, D, loaded

AR = "Assets:AccountsReceivable"
MARCH_END = datetime.date(2026, 3, 31)

# A credit note refunded the day it is issued: the refund's debit to the
# receivable is dated the same day as the credit note's credit, and names
# the credit note as its invoice. The credit note, the day's document, is
# read first whatever its sign (`receivables.day_key`; before rev43 the
# refund was, debits first on a day, and `document_of` passed over it).
# In full (SAME_DAY_REFUND), or in part (SAME_DAY_PART_REFUND).
SAME_DAY_REFUND = (
    HEADER
    + """
2026-03-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-31
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-02 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  1000.00 USD
  Liabilities:UnappliedCash  -1000.00 USD

2026-03-20 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD

2026-03-20 * "Acme" "Refund CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  REFUNDED USD
  Liabilities:CustomerCredits  -REFUNDED USD

2026-03-20 * "Acme" "REFUND CN-1 INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  -REFUNDED USD
  Liabilities:CustomerCredits  REFUNDED USD
"""
)
SAME_DAY_PART_REFUND = SAME_DAY_REFUND.replace("REFUNDED", "50.00")
SAME_DAY_REFUND = SAME_DAY_REFUND.replace("REFUNDED", "200.00")
INV_2 = """
2026-03-25 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-04-24
  Assets:AccountsReceivable  400.00 USD
  Income:Revenue:Services  -400.00 USD
"""

# An invoice paid straight to the receivable (the payment names it) before
# its own date.
PREPAID = (
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
  due: 2026-02-19
  Assets:AccountsReceivable  500.00 USD
  Income:Revenue:Services  -500.00 USD
"""
)

# Each kind of item posted more than once on (or before) its document's day.
BOOKS = """
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Liabilities:CustomerCredits

2026-02-01 * "Acme" "Wire for INV-1, the day it is billed"
  invoice: "INV-1"
  Assets:Bank:Operating  100.00 USD
  Assets:AccountsReceivable  -100.00 USD

2026-02-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-03
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-01 * "Acme" "Invoice INV-5, deposit R-1 applied" ^INV-5
  invoice: "INV-5"
  customer: "CUS-1"
  receipt: "R-1"
  due: 2026-03-03
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD
  Liabilities:UnappliedCash  40.00 USD
  Assets:AccountsReceivable  -40.00 USD

2026-02-02 * "Acme" "Refund CN-1 in full" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 USD
  Liabilities:CustomerCredits  -30.00 USD

2026-02-02 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -30.00 USD
  Income:Revenue:Services  30.00 USD

2026-02-03 * "Bolt" "Wire for INV-7, the day it is billed"
  invoice: "INV-7"
  Assets:Bank:Operating  70.00 USD
  Assets:AccountsReceivable  -70.00 USD

2026-02-03 * "Bolt" "Invoice INV-7, no due date" ^INV-7
  invoice: "INV-7"
  customer: "CUS-2"
  Assets:AccountsReceivable  70.00 USD
  Income:Revenue:Services  -70.00 USD
"""


def read(text: str) -> receivables.Subledger:
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    return subledger


def test_each_item_is_read_by_its_invoice_or_credit_note_whatever_is_posted_first() -> None:
    # INV-1 (100.00, due Mar 3) is paid in full the day it is billed, the
    # payment first in the file: the invoice, open 0. INV-5 (100.00) is billed
    # with 40.00 of a deposit applied in its own entry: the invoice, open
    # 60.00. CN-1 (-30.00) is refunded in full the day it is issued, the
    # refund first in the file: the credit note, billed -30.00, owed back
    # from Feb 2, open 0. INV-7 has no `due` (nothing marks it): its first
    # posting, debits first on a day, is the invoice's; due on its date.
    items = read(BOOKS).items
    assert list(items) == ["INV-1", "INV-5", "CN-1", "INV-7"]
    assert [
        (item.id, item.is_invoice, item.date, item.due, item.customer, item.billed, item.balance())
        for item in items.values()
    ] == [
        ("INV-1", True, datetime.date(2026, 2, 1), datetime.date(2026, 3, 3), "CUS-1", 10000, 0),
        ("INV-5", True, datetime.date(2026, 2, 1), datetime.date(2026, 3, 3), "CUS-1", 6000, 6000),
        ("CN-1", False, datetime.date(2026, 2, 2), datetime.date(2026, 2, 2), "CUS-1", -3000, 0),
        ("INV-7", True, datetime.date(2026, 2, 3), datetime.date(2026, 2, 3), "CUS-2", 7000, 0),
    ]
    assert [item.document.narration for item in items.values()] == [
        "Invoice INV-1",
        "Invoice INV-5, deposit R-1 applied",
        "Credit note CN-1 for INV-1",
        "Invoice INV-7, no due date",
    ]


def test_an_invoice_paid_before_its_date_is_dated_and_due_by_the_invoice() -> None:
    # INV-9 (500.00, Jan 20, due Feb 19) was paid on Jan 5: its document is the
    # invoice, not the payment. Its postings stay in date order: -500.00 at
    # Jan 10, 0.00 from Jan 20.
    subledger = read(PREPAID.replace('plugin "plugins.ar_reconciliation" "ar.yaml"\n', ""))
    item = subledger.items["INV-9"]
    assert (item.is_invoice, item.date, item.due, item.customer, item.billed) == (
        True,
        datetime.date(2026, 1, 20),
        datetime.date(2026, 2, 19),
        "CUS-A",
        50000,
    )
    assert [m.units for m in item.movements] == [-50000, 50000]
    assert (item.balance(datetime.date(2026, 1, 10)), item.balance()) == (-50000, 0)
    assert (subledger.notes, subledger.several) == ([], ["INV-9"])


def test_dso_billings_count_a_credit_note_refunded_the_day_it_is_issued(books: Books) -> None:
    # March billings are the documents dated in March: INV-1 +1,000.00, INV-2
    # +400.00 and the credit note CN-1 -200.00 = 1,200.00 (the refund is not a
    # document). Receivable at Mar 31: INV-1 paid, CN-1 -200 + 200 = 0, INV-2
    # 400.00. Simple DSO 400 / 1,200 x 31 = 10.333 -> 10.3; countback: March
    # billings 1,200 hold the 400: 400 / 1,200 x 31 = 10.3.
    ledger = SAME_DAY_REFUND + INV_2
    table = reports.dso(loaded(books, ledger), datetime.date(2026, 3, 1))
    assert table.rows == [
        ["USD", D("400.00"), D("1200.00"), 31, D("10.3"), D("10.3"), reports.DSO_METHOD]
    ]


def test_open_items_show_a_credit_note_partly_refunded_the_day_it_is_issued(
    books: Books,
) -> None:
    # CN-1 was billed -200.00 on Mar 20 and 50.00 of it was refunded that day.
    # Credit notes are not netted here, so at Mar 31 it is open for -150.00,
    # billed -200.00; INV-1 is paid by R-1. No error: CN-1 is a credit note,
    # not an invoice paid more than its total, and has no due date: it is owed
    # to the customer, not by them.
    policy = POLICY + "net_credit_notes: false\n"
    path = reporting.written(books, SAME_DAY_PART_REFUND, {"ar.yaml": policy})
    part_refunded = books_module.load(str(path))
    table = reports.open_invoices(part_refunded, MARCH_END)
    # Its roll: billed -200.00; paid 0.00; credited -50.00, the note's credit
    # moved to customer credits (no cash: the cash refund is paid out of
    # customer credits, not out of the note); open -200.00 + 50.00 = -150.00.
    assert [[row[0], row[2], row[3], *row[6:10]] for row in table.rows] == [
        ["CN-1", datetime.date(2026, 3, 20), None, D("-200.00"), D("0.00"), D("-50.00"),
         D("-150.00")]
    ]  # fmt: skip
    assert [error.message for error in part_refunded.errors] == []


def test_a_credit_note_partly_refunded_the_day_it_is_issued_nets_onto_its_invoice(
    books: Books,
) -> None:
    # CN-1 (-200.00, credits INV-1) less the 50.00 refunded that day leaves
    # 150.00 open, netted onto INV-1 (1,000.00), dated Mar 20. R-1 (1,000.00,
    # naming INV-1) comes first, on Mar 2, when INV-1 is open 1,000.00: it
    # pays all of it (the calendar rule: the later credit note does not lower
    # what it pays; before it, R-1 paid 850.00 and parked 150.00). On Mar 20
    # the netting finds INV-1 paid, and its 150.00 is moved back and left
    # open on CN-1: INV-1 1,000.00 - 1,000.00 - 150.00 + 150.00 = 0.00;
    # CN-1 -200.00 + 50.00 + 150.00 - 150.00 = -150.00, owed to the
    # customer, as unnetted. As if the refund were dated the next day; no error.
    path = reporting.written(books, SAME_DAY_PART_REFUND, {"ar.yaml": POLICY})
    part_refunded = books_module.load(str(path))
    assert [error.message for error in part_refunded.errors] == []
    assert [
        (str(entry.date), entry.narration, [str(p.units) for p in entry.postings])
        for entry in generated(part_refunded.entries)
    ] == [
        ("2026-03-02", "Cash application INV-1 from R-1", ["1000.00 USD", "-1000.00 USD"]),
        ("2026-03-20", "Credit note CN-1 applied to INV-1", ["150.00 USD", "-150.00 USD"]),
        (
            "2026-03-20",
            "Credit note CN-1 beyond what is open of INV-1 left open on CN-1",
            ["150.00 USD", "-150.00 USD"],
        ),
    ]
    rows = reports.open_invoices(part_refunded, MARCH_END).rows
    assert [(row[0], row[9]) for row in rows] == [("CN-1", D("-150.00"))]


def test_dso_billings_count_an_invoice_paid_before_its_date(books: Books) -> None:
    # INV-9 (500.00, Jan 20) was paid straight to the receivable on Jan 5.
    # January billings are the invoice: +500.00; receivable at Jan 31 0.00;
    # DSO 0 / 500 x 31 = 0.0 both ways.
    table = reports.dso(loaded(books, PREPAID), datetime.date(2026, 1, 1))
    assert table.rows == [
        ["USD", D("0.00"), D("500.00"), 31, D("0.0"), D("0.0"), reports.DSO_METHOD]
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=20000),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=19),
    st.booleans(),
)
def test_the_document_is_the_same_whenever_the_cash_is_posted(
    refunded: int, refund_days: int, paid_days_early: int, cash_first_in_file: bool
) -> None:
    # Whatever part of CN-1 is refunded, on its day or later, and however
    # early INV-9 is paid, on its day or before, in either order in the
    # file: CN-1 is a credit note of -200.00 dated Mar 20, INV-9 an invoice
    # of 500.00 dated Jan 20, due Feb 19.
    cents = f"{refunded // 100}.{refunded % 100:02d}"
    refund_day = datetime.date(2026, 3, 20) + datetime.timedelta(days=refund_days)
    paid_day = datetime.date(2026, 1, 20) - datetime.timedelta(days=paid_days_early)
    note = """
2026-03-20 * "Credit note CN-1 for INV-9" ^CN-1
  invoice: "CN-1"
  credits: "INV-9"
  customer: "CUS-A"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD
"""
    refund = f"""
{refund_day} * "Refund CN-1" ^CN-1
  invoice: "CN-1"
  Assets:AccountsReceivable  {cents} USD
  Liabilities:CustomerCredits  -{cents} USD
"""
    invoice = """
2026-01-20 * "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-A"
  due: 2026-02-19
  Assets:AccountsReceivable  500.00 USD
  Income:Revenue:Services  -500.00 USD
"""
    payment = f"""
{paid_day} * "PAYMENT INVOICE INV-9" ^INV-9
  invoice: "INV-9"
  Assets:Bank:Operating  500.00 USD
  Assets:AccountsReceivable  -500.00 USD
"""
    documents, cash = note + invoice, refund + payment
    opens = BOOKS.split("\n\n")[0] + "\n"
    items = read(opens + (cash + documents if cash_first_in_file else documents + cash)).items
    assert [(i.id, i.is_invoice, i.date, i.due, i.billed) for i in items.values()] == [
        ("INV-9", True, datetime.date(2026, 1, 20), datetime.date(2026, 2, 19), 50000),
        ("CN-1", False, datetime.date(2026, 3, 20), datetime.date(2026, 3, 20), -20000),
    ]


def test_a_credit_note_written_as_an_invoice_reads_before_a_cheque_refunding_it_that_day(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) open; CN-1, a credit note of 30.00 written as an
    # invoice is (`invoice`, `customer`, `due`; no `credits`: it credits no
    # one invoice), on Jan 10, paid out by a cheque typed by hand that day
    # (a debit of 30.00 to CN-1's receivable, no bank reference), typed
    # after it. The document comes first on its day whatever its sign
    # (`receivables.day_key`), so CN-1 is a credit note of -30.00 and the
    # cheque its refund. January's billings: 100.00 - 30.00 = 70.00 (the
    # refund is cash, not a billing). Receivable at Jan 31: INV-1 100.00
    # (CN-1 -30.00 + 30.00 = 0.00). DSO = 100.00 / 70.00 x 31 = 44.29,
    # shown 44.3, as when the cheque goes out on Jan 12. (Before, a day's
    # debits came first: the cheque was CN-1's first posting and, nothing
    # being written as a document, taken for it: CN-1 read as an invoice of
    # 30.00, billings 100.00 + 30.00 = 130.00, DSO 100.00 / 130.00 x 31 =
    # 23.8.)
    ledger = (
        HEADER
        + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-05
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "Credit CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  due: 2026-01-10
  Assets:AccountsReceivable  -30.00 USD
  Income:Revenue:Services  30.00 USD

2026-01-10 * "Acme" "Cheque refund of CN-1" ^CN-1
  invoice: "CN-1"
  Assets:AccountsReceivable  30.00 USD
  Assets:Bank:Operating  -30.00 USD
"""
    )
    books_ = loaded(books, ledger)
    assert books_.errors == []
    [row] = reports.dso(books_, datetime.date(2026, 1, 1)).rows
    assert row[1:5] == [D("100.00"), D("70.00"), 31, D("44.3")]
    # The statement calls CN-1 a credit note, the cheque an adjustment (a
    # debit typed by hand, as on a later day), never an invoice:
    # 100.00, then 100.00 - 30.00 = 70.00, then 70.00 + 30.00 = 100.00.
    january = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    rows = reports.customer_statement(books_, "CUS-1", *january).rows
    assert [(row[2], row[3], row[7]) for row in rows[1:-1]] == [
        ("INV-1", "invoice", D("100.00")),
        ("CN-1", "credit note", D("70.00")),
        ("CN-1", "adjustment", D("100.00")),  # typed by hand: no receipt, no document
    ]
