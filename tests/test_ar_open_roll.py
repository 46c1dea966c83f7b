"""The open invoices' roll: billed - paid - credited = open on every row.

Each open item shows what its document billed, what cash paid it and what
was credited or adjusted on it, each posting counted once by the type the
customer's statement gives it (`reports.receivables._roll`). A statement's
row of a difference a generated entry writes off reads as a plain
description of the move, not the entry's narration.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import books as books_module
from reports import receivables
from reports.table import Table
from tests import reporting
from tests.conftest import Books
from tests.test_customer_statements import TWO_RECEIPTS_ONE_ENTRY

D = Decimal
POLICY = "tolerance: {USD: 1.00, EUR: 1.00}\n"
HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash
2025-01-01 open Liabilities:CustomerCredits
2025-01-01 open Expenses:BadDebt
2025-01-01 open Expenses:PaymentDifferences
"""
JANUARY_END = datetime.date(2026, 1, 31)

# INV-1 100.00, less CN-1 10.00 netted onto it, paid 60.00 by R-1 naming it.
# INV-2 200.00, paid 50.00 by the bank straight to it (BR-2), 30.00 of it
# written off as uncollectible. INV-3 300.00 EUR, paid 100.00 EUR by R-3.
# INV-4 100.00, paid 99.60 by R-4, 0.40 short: within the tolerance, written off.
LEDGER = (
    HEADER
    + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-06 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-01-20
  Assets:AccountsReceivable  200.00 USD
  Income:Revenue:Services  -200.00 USD

2026-01-07 * "Gamma" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-3"
  due: 2026-02-06
  Assets:AccountsReceivable  300.00 EUR
  Income:Revenue:Services  -300.00 EUR

2026-01-08 * "Acme" "Invoice INV-4" ^INV-4
  invoice: "INV-4"
  customer: "CUS-1"
  due: 2026-02-07
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 USD
  Income:Revenue:Services  10.00 USD

2026-01-15 * "Acme" "WIRE INV-2" ^INV-2
  bank_reference: "BR-2"
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:Bank:Operating  50.00 USD
  Assets:AccountsReceivable  -50.00 USD

2026-01-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  60.00 USD
  Liabilities:UnappliedCash  -60.00 USD

2026-01-21 * "Gamma" "Wire 3"
  receipt: "R-3"
  customer: "CUS-3"
  invoice: "INV-3"
  Assets:Bank:Operating  100.00 EUR
  Liabilities:UnappliedCash  -100.00 EUR

2026-01-22 * "Acme" "Wire 4"
  receipt: "R-4"
  customer: "CUS-1"
  invoice: "INV-4"
  Assets:Bank:Operating  99.60 USD
  Liabilities:UnappliedCash  -99.60 USD

2026-01-25 * "Acme" "Write off part of INV-2" ^INV-2
  invoice: "INV-2"
  status: "uncollectible"
  customer: "CUS-1"
  Assets:AccountsReceivable  -30.00 USD
  Expenses:BadDebt  30.00 USD
"""
)


def _cells(table: Table, *columns: str) -> list[list[object]]:
    index = [list(table.columns).index(name) for name in columns]
    return [[row[i] for i in index] for row in table.rows]


def test_each_open_invoice_rolls_from_billed_to_open(books: Books) -> None:
    # At Jan 31, by hand:
    # INV-1: billed 100.00; paid 60.00 (R-1's cash application); credited
    #   10.00 (CN-1 netted onto it); open 100.00 - 60.00 - 10.00 = 30.00.
    # INV-2: billed 200.00; paid 50.00 (BR-2, posted straight to it);
    #   credited 30.00 (the write-off); open 200.00 - 50.00 - 30.00 = 120.00.
    # INV-3: billed 300.00 EUR; paid 100.00 EUR; credited 0.00; open
    #   200.00 EUR, in its own currency.
    # INV-4 is closed (99.60 paid, 0.40 written off) and CN-1 is used up.
    loaded = reporting.loaded(books, LEDGER, {"ar.yaml": POLICY})
    table = receivables.open_invoices(loaded, JANUARY_END)
    assert list(table.columns[6:10]) == ["billed", "paid", "credited", "open"]
    assert _cells(table, "invoice", "currency", "billed", "paid", "credited", "open") == [
        ["INV-1", "USD", D("100.00"), D("60.00"), D("10.00"), D("30.00")],
        ["INV-2", "USD", D("200.00"), D("50.00"), D("30.00"), D("120.00")],
        ["INV-3", "EUR", D("300.00"), D("100.00"), D("0.00"), D("200.00")],
    ]


def test_a_short_payment_written_off_is_credited_not_paid(books: Books) -> None:
    # INV-4 100.00: R-4 applies 99.60 and the 0.40 short is written off by
    # the same generated entry: paid 99.60, credited 0.40, 0.00 open. The
    # entry's move on CUS-1's account nets to -0.40 (100.00 off the item,
    # 99.60 out of R-1), so only that is not cash. CN-1 (billed -10.00) is
    # netted onto INV-1 by a generated entry that moves no cash: credited
    # -10.00 on its own roll, 0.00 open.
    loaded = reporting.loaded(books, LEDGER, {"ar.yaml": POLICY})
    ledger = receivables.Receivables(loaded)
    moves = receivables._account_moves(ledger)
    items = ledger.items.items
    assert receivables._roll(items["INV-4"], JANUARY_END, moves) == (10000, 9960, 40)
    assert receivables._roll(items["CN-1"], JANUARY_END, moves) == (-1000, 0, -1000)
    assert receivables._roll(items["INV-1"], JANUARY_END, moves) == (10000, 6000, 1000)


def test_a_statement_describes_a_payment_difference_written_off(books: Books) -> None:
    # R-4's application to INV-4 leaves -0.40 on CUS-1's account: the row reads
    # as what it is, not as the entry's narration ("Cash application INV-4
    # from R-4"). Its document stays the invoice.
    loaded = reporting.loaded(books, LEDGER, {"ar.yaml": POLICY})
    table = receivables.customer_statement(loaded, "CUS-1", datetime.date(2026, 1, 1), JANUARY_END)
    written = [row[2:7] for row in table.rows if row[3] == "write-off"]
    assert written == [
        ["INV-4", "write-off", "Payment difference written off, INV-4", None, D("0.40")],
        ["INV-2", "write-off", "Write off part of INV-2", None, D("30.00")],
    ]


def test_a_statement_describes_an_over_payment_written_off(books: Books) -> None:
    # R-5 pays INV-5 100.00 with 100.30: 0.30 over, within the tolerance,
    # written off. The application's move on CUS-1's account is +0.30 (a
    # charge: the customer's cash is 0.30 less); INV-5 is paid 100.00.
    over = """
2026-01-08 * "Acme" "Invoice INV-5" ^INV-5
  invoice: "INV-5"
  customer: "CUS-1"
  due: 2026-02-07
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-22 * "Acme" "Wire 5"
  receipt: "R-5"
  customer: "CUS-1"
  invoice: "INV-5"
  Assets:Bank:Operating  100.30 USD
  Liabilities:UnappliedCash  -100.30 USD
"""
    loaded = reporting.loaded(books, HEADER + over, {"ar.yaml": POLICY})
    table = receivables.customer_statement(loaded, "CUS-1", datetime.date(2026, 1, 1), JANUARY_END)
    assert [row[2:7] for row in table.rows if row[3] == "write-off"] == [
        ["INV-5", "write-off", "Over payment written off, INV-5", D("0.30"), None],
    ]
    ledger = receivables.Receivables(loaded)
    roll = receivables._roll(
        ledger.items.items["INV-5"], JANUARY_END, receivables._account_moves(ledger)
    )
    assert roll == (10000, 10000, 0)


def test_a_chargeback_reverses_what_was_paid_and_written_off(books: Books) -> None:
    # INV-1 100.00 is paid by R-1 99.50 on Jan 20, 0.50 short, written off.
    # All 99.50 are charged back on Feb 15: the generated entry opens INV-1
    # again by 100.00, puts 99.50 back on R-1 and reverses the 0.50 written
    # off, so it leaves +0.50 on CUS-1's account (a charge). At Feb 28 INV-1
    # rolls: billed 100.00; paid 99.50 - 99.50 = 0.00; credited 0.50 - 0.50
    # = 0.00; open 100.00.
    ledger = (
        HEADER
        + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  99.50 USD
  Liabilities:UnappliedCash  -99.50 USD

2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -99.50 USD
  Liabilities:UnappliedCash  99.50 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    february_end = datetime.date(2026, 2, 28)
    table = receivables.open_invoices(loaded, february_end)
    assert _cells(table, "invoice", "billed", "paid", "credited", "open") == [
        ["INV-1", D("100.00"), D("0.00"), D("0.00"), D("100.00")]
    ]
    statement = receivables.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 1, 1), february_end
    )
    assert [row[2:7] for row in statement.rows if row[3] == "write-off"] == [
        ["INV-1", "write-off", "Payment difference written off, INV-1", None, D("0.50")],
        ["INV-1", "write-off", "Write-off reversed by chargeback, INV-1", D("0.50"), None],
    ]


def _rolls(loaded: books_module.Books, day: datetime.date, *ids: str) -> list[tuple[int, ...]]:
    ledger = receivables.Receivables(loaded)
    moves = receivables._account_moves(ledger)
    return [receivables._roll(ledger.items.items[one], day, moves) for one in ids]


def test_cash_of_another_currency_pays_what_it_is_worth_the_difference_is_credited(
    books: Books,
) -> None:
    # INV-E1 30.00 EUR (carried at 1.20) is paid on Feb 1 by R-1 32.50 USD;
    # EUR is 1.10 USD from Jan 31. The matcher takes R-1 at 32.50 / 1.10 =
    # 29.545... EUR, 0.45 short, within the tolerance: one generated entry
    # clears INV-E1's 30.00 EUR, uses R-1's 32.50 USD and writes 0.50 USD off.
    # By hand, INV-E1 rolls: billed 30.00; paid 32.50 / 1.10 = 29.545454...
    # -> 29.55 EUR (rounded half to even); credited 30.00 - 29.55 = 0.45 EUR,
    # the 0.50 USD written off at 1.10 (0.4545...); open 0.00. Taken whole,
    # the posting read paid 30.00, credited 0.00.
    ledger = (
        HEADER
        + """
2025-12-01 price EUR 1.20 USD
2026-01-31 price EUR 1.10 USD

2025-12-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2025-12-31
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-02-01 * "Euro" "Wire 1"
  receipt: "R-1"
  customer: "CUS-E"
  invoice: "INV-E1"
  Assets:Bank:Operating  32.50 USD
  Liabilities:UnappliedCash  -32.50 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    assert _rolls(loaded, datetime.date(2026, 2, 28), "INV-E1") == [(3000, 2955, 45)]


def test_cash_of_another_payer_pays_what_it_is_the_difference_is_credited(books: Books) -> None:
    # INV-P1 10.00 of CUS-P is paid on Feb 5 by R-2 9.60 of CUS-E naming it:
    # 0.40 short, within the tolerance, written off by the application. By
    # hand, INV-P1 rolls: billed 10.00; paid 9.60, R-2's cash; credited 10.00
    # - 9.60 = 0.40; open 0.00. Taken whole, the posting read 10.00 paid.
    ledger = (
        HEADER
        + """
2026-02-03 * "Pi" "Invoice INV-P1" ^INV-P1
  invoice: "INV-P1"
  customer: "CUS-P"
  due: 2026-03-05
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD

2026-02-05 * "Epsilon" "Wire 2"
  receipt: "R-2"
  customer: "CUS-E"
  invoice: "INV-P1"
  Assets:Bank:Operating  9.60 USD
  Liabilities:UnappliedCash  -9.60 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    assert _rolls(loaded, datetime.date(2026, 2, 28), "INV-P1") == [(1000, 960, 40)]


def test_one_entrys_cash_is_used_up_by_its_postings_in_order(books: Books) -> None:
    # One typed entry on Feb 10 applies R-1 100.00 to INV-1 130.00 (its
    # first receivable posting, -100.00) and writes INV-2 45.00 down by 5.00
    # to concessions (its second, -5.00). Its cash on CUS-1's account is the
    # 100.00 debit to unapplied cash; INV-1 takes 100.00 of it, none is left
    # for INV-2. By hand, at Feb 28: INV-1 billed 130.00, paid 100.00,
    # credited 0.00, open 30.00; INV-2 billed 45.00, paid 0.00, credited
    # 5.00, open 40.00 (counted against each posting, the 100.00 read INV-2
    # paid 5.00).
    ledger = (
        HEADER
        + """
2025-01-01 open Expenses:Concessions

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  130.00 USD
  Income:Revenue:Services  -130.00 USD

2026-01-06 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-02-05
  Assets:AccountsReceivable  45.00 USD
  Income:Revenue:Services  -45.00 USD

2026-01-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-02-10 * "Acme" "Apply R-1 to INV-1; write down INV-2 (price dispute)" ^R-1
  customer: "CUS-1"
  Liabilities:UnappliedCash  100.00 USD
    receipt: "R-1"
  Assets:AccountsReceivable  -100.00 USD
    invoice: "INV-1"
  Assets:AccountsReceivable  -5.00 USD
    invoice: "INV-2"
  Expenses:Concessions  5.00 USD
"""
    )
    loaded = reporting.loaded(books, ledger, {"ar.yaml": POLICY})
    table = receivables.open_invoices(loaded, datetime.date(2026, 2, 28))
    assert _cells(table, "invoice", "billed", "paid", "credited", "open") == [
        ["INV-1", D("130.00"), D("100.00"), D("0.00"), D("30.00")],
        ["INV-2", D("45.00"), D("0.00"), D("5.00"), D("40.00")],
    ]


# INV-1 100.00 is written off as uncollectible on Jan 25. R-1 40.00 naming it
# on Feb 10 recovers 40.00 of it (a generated recovery reinstates 40.00, a
# cash application pays them). R-1 is charged back in full on Mar 15: the
# chargeback takes the 40.00 back from INV-1 (reopening it, R-1's cash back)
# and, the cash that recovered it gone, writes the 40.00 off again (the
# receivable credited, bad debt debited: no cash moves).
RECOVERED_THEN_CHARGED_BACK = (
    HEADER
    + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-05
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-25 * "Acme" "Write off INV-1" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  customer: "CUS-1"
  Assets:AccountsReceivable  -100.00 USD
  Expenses:BadDebt  100.00 USD

2026-02-10 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  40.00 USD
  Liabilities:UnappliedCash  -40.00 USD

2026-03-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -40.00 USD
  Liabilities:UnappliedCash  40.00 USD
"""
)

# INV-5 100.00 is paid by R-5 100.00; R-6 0.30 names it on Feb 3 when it is
# already paid: the 0.30 over is written off, under R-6. INV-6 100.00 is paid
# by R-7 100.30 on Jan 22, 0.30 over written off; 100.10 of R-7 is charged
# back on Feb 15: 100.00 reopens INV-6 and the other 0.10 reverses 0.10 of
# the over payment written off (a credit to CUS-1: the 0.30 charged is 0.10
# less).
OVER_PAYMENTS = (
    HEADER
    + """
2026-01-08 * "Acme" "Invoice INV-5" ^INV-5
  invoice: "INV-5"
  customer: "CUS-1"
  due: 2026-02-07
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-09 * "Acme" "Invoice INV-6" ^INV-6
  invoice: "INV-6"
  customer: "CUS-1"
  due: 2026-02-08
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-21 * "Acme" "Wire 5"
  receipt: "R-5"
  customer: "CUS-1"
  invoice: "INV-5"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-01-22 * "Acme" "Wire 7"
  receipt: "R-7"
  customer: "CUS-1"
  invoice: "INV-6"
  Assets:Bank:Operating  100.30 USD
  Liabilities:UnappliedCash  -100.30 USD

2026-02-03 * "Acme" "Wire 6"
  receipt: "R-6"
  customer: "CUS-1"
  invoice: "INV-5"
  Assets:Bank:Operating  0.30 USD
  Liabilities:UnappliedCash  -0.30 USD

2026-02-15 * "Acme" "Chargeback of R-7"
  receipt: "R-7"
  Assets:Bank:Operating  -100.10 USD
  Liabilities:UnappliedCash  100.10 USD
"""
)


def test_every_generated_write_off_reads_as_what_it_does(books: Books) -> None:
    # Each generated entry's write-off row, as CUS-1's statement gives it:
    # - R-7 100.30 on INV-6 100.00: 0.30 over written off, a charge of 0.30.
    # - R-6 0.30 on INV-5, already paid: 0.30 over written off, under R-6.
    # - R-7's chargeback of 100.10: 100.00 reopens INV-6 (a charge, with the
    #   refund of 100.10 to R-7's account, netting to 0.10 credit on the
    #   entry), reversing 0.10 of the over payment written off: a credit of
    #   0.10, "Write-off reversed by chargeback".
    # - R-1's chargeback after it recovered INV-1: the entry taking the cash
    #   back nets to nothing on CUS-1's account; the one writing INV-1 off
    #   again credits it 40.00 and moves no cash: "Written off again after
    #   chargeback" (not "Write-off reversed": it writes the debt off again).
    # (A short payment written off and a chargeback reversing one are in the
    # tests above.)
    loaded = reporting.loaded(books, OVER_PAYMENTS, {"ar.yaml": POLICY})
    statement = receivables.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)
    )
    assert [row[2:7] for row in statement.rows if row[3] == "write-off"] == [
        ["INV-6", "write-off", "Over payment written off, INV-6", D("0.30"), None],
        ["R-6", "write-off", "Over payment written off, R-6", D("0.30"), None],
        ["INV-6", "write-off", "Write-off reversed by chargeback, INV-6", None, D("0.10")],
    ]
    loaded = reporting.loaded(books, RECOVERED_THEN_CHARGED_BACK, {"ar.yaml": POLICY})
    statement = receivables.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    )
    assert [row[2:7] for row in statement.rows[1:-1]] == [
        ["R-1", "refund", "Chargeback of R-1", D("40.00"), None],
        ["INV-1", "write-off", "Written off again after chargeback, INV-1", None, D("40.00")],
    ]
    # INV-1 at Mar 31, by hand: billed 100.00; paid 40.00 - 40.00 = 0.00;
    # credited 100.00 (written off) - 40.00 (recovered) + 40.00 (written off
    # again) = 100.00; open 0.00.
    assert _rolls(loaded, datetime.date(2026, 3, 31), "INV-1") == [(10000, 0, 10000)]


DEMO = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


def test_every_row_of_the_demos_open_listing_rolls_to_its_open_amount() -> None:
    demo = books_module.load(str(DEMO))
    for day in (datetime.date(2026, 6, 30), datetime.date(2026, 10, 31)):
        rows = receivables.open_invoices(demo, day).rows
        assert rows
        for row in rows:
            billed, paid, credited, opened = row[6:10]
            assert billed - paid - credited == opened, row


def test_the_demos_open_listing_reads_the_roll_of_every_entrys_moves() -> None:
    # The listing reads only the entries that post to an open item; each
    # row must be the roll read from every entry's moves, in minor units
    # (a second reading of fewer entries would disagree on a shared entry).
    demo = books_module.load(str(DEMO))
    day = datetime.date(2026, 10, 31)
    ledger = receivables.Receivables(demo)
    every = receivables._account_moves(ledger)
    rows = receivables.open_invoices(demo, day).rows
    assert len(rows) == len(ledger.open_items(day))
    for row in rows:
        item = ledger.items.items[row[0]]
        to_minor = ledger.policy.precision.to_minor
        listed = tuple(to_minor(number, row[5]) for number in row[6:9])
        assert listed == receivables._roll(item, day, every), row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=0, max_value=100_000),
)
def test_the_roll_holds_whatever_is_paid_credited_or_written_off(
    invoiced: int, credit: int, received: int, straight: int
) -> None:
    # Whatever INV-1 bills, its credit note, a receipt naming it and a payment
    # posted straight to it, each open row reads billed - paid - credited =
    # open, and what the rows add up to is the aging's total. INV-1's paid is
    # the cash that reached it: the straight payment, plus what of R-1 it
    # could take (the rest is parked or written off).
    def cents(value: int) -> str:
        return f"{value // 100}.{value % 100:02d}"

    ledger = (
        HEADER
        + f"""
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  {cents(invoiced)} USD
  Income:Revenue:Services  -{cents(invoiced)} USD
"""
    )
    if credit:
        ledger += f"""
2026-01-10 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -{cents(credit)} USD
  Income:Revenue:Services  {cents(credit)} USD
"""
    if straight:
        ledger += f"""
2026-01-12 * "Acme" "WIRE INV-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {cents(straight)} USD
  Assets:AccountsReceivable  -{cents(straight)} USD
"""
    if received:
        ledger += f"""
2026-01-20 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  {cents(received)} USD
  Liabilities:UnappliedCash  -{cents(received)} USD
"""
    with tempfile.TemporaryDirectory() as folder:
        loaded = books_module.load(str(reporting.written(Books(Path(folder)), ledger, {
            "ar.yaml": POLICY
        })))  # fmt: skip
        table = receivables.open_invoices(loaded, JANUARY_END)
        aging = receivables.aging(loaded, JANUARY_END)
    for row in table.rows:
        billed, paid, credited, opened = row[6:10]
        assert billed - paid - credited == opened, row
        if row[0] == "INV-1":
            assert D(cents(straight)) <= paid <= D(cents(straight + received)), row
    totals = [row for row in aging.rows if row[0] == "Total"]
    assert sum(table.column("open"), D(0)) == sum((row[-3] for row in totals), D(0))


# CN-1 20.00 is issued to CUS-1 on Jan 10 and left open; on Jan 15 12.00 of
# it is moved to CUS-1's customer credits by a typed entry (the receivable
# debited on CN-1, customer credits credited). INV-7 100.00 is paid 130.00
# by the bank straight to it (BR-7) on Jan 12, and the 30.00 over is moved
# to customer credits by hand the same way on Jan 16.
CREDIT_NOTE_TO_CREDITS = (
    HEADER
    + """
2026-01-05 * "Acme" "Invoice INV-7" ^INV-7
  invoice: "INV-7"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-01-12 * "Acme" "WIRE INV-7" ^INV-7
  bank_reference: "BR-7"
  invoice: "INV-7"
  customer: "CUS-1"
  Assets:Bank:Operating  130.00 USD
  Assets:AccountsReceivable  -130.00 USD

2026-01-15 * "Acme" "Move 12.00 of CN-1 to customer credits"
  customer: "CUS-1"
  Assets:AccountsReceivable  12.00 USD
    invoice: "CN-1"
  Liabilities:CustomerCredits  -12.00 USD

2026-01-16 * "Acme" "Move INV-7's over payment to customer credits"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 USD
    invoice: "INV-7"
  Liabilities:CustomerCredits  -30.00 USD
"""
)


def test_a_credit_notes_credit_moved_to_customer_credits_is_credited_not_paid(
    books: Books,
) -> None:
    # CN-1 at Jan 31, by hand: billed -20.00 (the note); the 12.00 moved to
    # customer credits is no cash (the note's credit was transferred to
    # CUS-1's credit balance): paid 0.00, credited -12.00; open -20.00 - 0.00
    # - (-12.00) = -8.00. Read as cash, it rolled -20.00, -12.00, 0.00.
    # INV-7's over payment is cash moved on: billed 100.00, paid 130.00 -
    # 30.00 = 100.00, credited 0.00, open 0.00 (closed, so not listed).
    loaded = reporting.loaded(books, CREDIT_NOTE_TO_CREDITS, {"ar.yaml": POLICY})
    table = receivables.open_invoices(loaded, JANUARY_END)
    assert _cells(table, "invoice", "billed", "paid", "credited", "open") == [
        ["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")],
    ]
    assert _rolls(loaded, JANUARY_END, "CN-1", "INV-7") == [(-2000, 0, -1200), (10000, 10000, 0)]
    # CUS-1's statement: neither move changes what CUS-1 owes (the receivable
    # and customer credits move by the same amount), so neither has a row.
    statement = receivables.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 1, 1), JANUARY_END
    )
    assert [row[2:4] for row in statement.rows[1:-1]] == [
        ["INV-7", "invoice"], ["CN-1", "credit note"], ["BR-7", "payment"],
    ]  # fmt: skip
    assert statement.rows[-1][-1] == D("100.00") - D("20.00") - D("130.00")


FEB_28 = datetime.date(2026, 2, 28)


def test_two_receipts_in_one_entry_both_pay_the_invoice_in_the_roll(books: Books) -> None:
    # TWO_RECEIPTS_ONE_ENTRY: R-1 11.00 USD (10.00 EUR) and R-2 20.00 EUR
    # applied to INV-E1 30.00 EUR in one typed entry. Paid 10.00 (R-1) +
    # 20.00 (R-2) = 30.00, credited 0.00: all cash, nothing written off. The
    # roll gave (3000, 1000, 2000), R-2's cash called credited, before 3050504
    # too: R-1's cash was priced alone and R-2's given no share.
    loaded = reporting.loaded(books, HEADER + TWO_RECEIPTS_ONE_ENTRY, {"ar.yaml": POLICY})
    assert _rolls(loaded, FEB_28, "INV-E1") == [(3000, 3000, 0)]


# INV-2 100.00 and CN-1 12.00 of CUS-1; R-1 50.00 waits in unapplied cash. On
# Feb 3 one typed entry applies R-1 to INV-2 and moves CN-1's 12.00 to
# customer credits.
APPLIED_AND_NOTE_MOVED = """
2026-01-05 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-12-01
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -12.00 USD
  Income:Revenue:Services  12.00 USD

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  50.00 USD
  Liabilities:UnappliedCash  -50.00 USD

2026-02-03 * "Acme" "Apply R-1 to INV-2; move CN-1 to credits"
  customer: "CUS-1"
  Liabilities:UnappliedCash  50.00 USD
    receipt: "R-1"
  Assets:AccountsReceivable  -50.00 USD
    invoice: "INV-2"
  Assets:AccountsReceivable  12.00 USD
    invoice: "CN-1"
  Liabilities:CustomerCredits  -12.00 USD
"""


def test_a_note_moved_to_credits_takes_no_cash_from_the_invoice_paid_beside_it(
    books: Books,
) -> None:
    # INV-2: billed 100.00, paid 50.00, credited 0.00, open 50.00.
    # CN-1: billed -12.00, credited -12.00 (moved to credits, 3050504's
    # rule), open 0.00. The roll gives INV-2 paid 38.00, credited 12.00:
    # the note's share is read from the receipts alone, the invoice's from
    # receipts and credits, so the note's 12.00 is taken off the invoice's
    # cash (it failed, before 3050504 too).
    loaded = reporting.loaded(books, HEADER + APPLIED_AND_NOTE_MOVED, {"ar.yaml": POLICY})
    assert _rolls(loaded, FEB_28, "INV-2", "CN-1") == [(10000, 5000, 0), (-1200, 0, -1200)]
