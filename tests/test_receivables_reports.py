"""Receivables reports: aging, DSO, unapplied cash, open invoices, statements, credit holds."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from reports import books as books_module
from reports import cli, package, receivables
from reports.books import Books as LoadedBooks
from reports.flux import Thresholds
from tests import reporting
from tests.conftest import Books
from tests.test_statement_credits import HEADER

LEDGER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash

2025-11-01 * "Beta" "Invoice INV-4" ^INV-4
  invoice: "INV-4"
  customer: "CUS-2"
  due: 2025-12-01
  Assets:AccountsReceivable  400.00 USD
  Income:Revenue:Services  -400.00 USD

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-03-12
  Assets:AccountsReceivable  200.00 USD
  Income:Revenue:Services  -200.00 USD

2026-03-01 * "Beta" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-2"
  due: 2026-03-31
  Assets:AccountsReceivable  50.00 USD
  Income:Revenue:Services  -50.00 USD

2026-03-05 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-03-10 * "Gamma" "Invoice INV-5" ^INV-5
  invoice: "INV-5"
  customer: "CUS-3"
  due: 2026-04-09
  Assets:AccountsReceivable  300.00 EUR
  Income:Revenue:Services  -300.00 EUR

2026-03-20 * "Acme" "Wire 1"
  receipt: "R-1"
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:Bank:Operating  200.00 USD
  Liabilities:UnappliedCash  -200.00 USD

2026-03-25 * "Beta" "Wire 2"
  receipt: "R-2"
  customer: "CUS-2"
  Assets:Bank:Operating  75.00 USD
  Liabilities:UnappliedCash  -75.00 USD
"""
POLICY = """
credit_limits: {USD: 400}
customer_credit_limits:
  CUS-3: {EUR: 250}
"""
MARCH_END = datetime.date(2026, 3, 31)


def _books(books: Books, ledger: str = LEDGER) -> LoadedBooks:
    return reporting.loaded(books, ledger, {"ar.yaml": POLICY})


def D(text: str) -> Decimal:
    return Decimal(text)


def test_aging_buckets_by_days_past_due_and_ties_to_the_ledger(books: Books) -> None:
    # At Mar 31: INV-1 is 59 days past due (31-60), CN-1 26 days (1-30), INV-4
    # 120 days (over 90), INV-3 is due that day (current), INV-2 is paid.
    # USD total 100 - 20 + 400 + 50 = 530 = the receivable's balance.
    table = receivables.aging(_books(books), MARCH_END)
    # The buckets count days past the due date, and the title says so.
    assert table.title == f"AR aging as of {MARCH_END}: days past due"
    assert table.rows == [
        ["CUS-1", "Acme", "USD", D("0.00"), D("-20.00"), D("100.00"), D("0.00"), D("0.00"),
         D("80.00"), None, None],
        ["CUS-2", "Beta", "USD", D("50.00"), D("0.00"), D("0.00"), D("0.00"), D("400.00"),
         D("450.00"), None, None],
        ["CUS-3", "Gamma", "EUR", D("300.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"),
         D("300.00"), None, None],
        ["Total", "", "EUR", D("300.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"),
         D("300.00"), D("300.00"), D("0.00")],
        ["Total", "", "USD", D("50.00"), D("-20.00"), D("100.00"), D("0.00"), D("400.00"),
         D("530.00"), D("530.00"), D("0.00")],
    ]  # fmt: skip
    assert receivables.breaks(table) == []


def test_a_credit_note_ages_by_its_date_even_with_a_due_date(books: Books) -> None:
    # CN-2, dated Mar 3 with a `due` of Apr 2 written on it, is 28 days old
    # at Mar 31: 1-30, beside CN-1 (26 days). A credit is owed back from its date.
    credit_note = """
2026-03-03 * "Acme" "Credit note CN-2" ^CN-2
  invoice: "CN-2"
  customer: "CUS-1"
  due: 2026-04-02
  Assets:AccountsReceivable  -30.00 USD
  Income:Revenue:Services  30.00 USD
"""
    table = receivables.aging(_books(books, LEDGER + credit_note), MARCH_END)
    assert table.rows[0][:9] == [
        "CUS-1", "Acme", "USD", D("0.00"), D("-50.00"), D("100.00"), D("0.00"), D("0.00"),
        D("50.00"),
    ]  # fmt: skip


def test_a_customers_directive_names_it_rather_than_its_invoices_payee(books: Books) -> None:
    # CUS-2's invoices say "Beta"; its directive gives its legal name.
    directive = '2025-01-01 custom "customer" "CUS-2" "Beta Robotics GmbH" "EU"\n'
    table = receivables.aging(_books(books, LEDGER + directive), MARCH_END)
    assert [row[:2] for row in table.rows[:3]] == [
        ["CUS-1", "Acme"],
        ["CUS-2", "Beta Robotics GmbH"],
        ["CUS-3", "Gamma"],
    ]


# October, typed after March is closed: both customers are billed under new
# names (a rename, or a billing system's longer legal name).
OCTOBER = """
2026-10-10 * "Acme Robotics Inc" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-1"
  due: 2026-11-09
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD

2026-10-12 * "Beta Robotics GmbH" "Invoice INV-10" ^INV-10
  invoice: "INV-10"
  customer: "CUS-2"
  due: 2026-11-11
  Assets:AccountsReceivable  20.00 USD
  Income:Revenue:Services  -20.00 USD
"""


def test_a_customer_is_named_by_its_latest_document_on_or_before_the_reports_date(
    books: Books,
) -> None:
    # As of Mar 31 CUS-1's latest document is CN-1 (Mar 5, "Acme") and
    # CUS-2's INV-3 (Mar 1, "Beta"): October's INV-9 and INV-10 are not yet
    # billed, so March reads "Acme" and "Beta" as it did before October was
    # typed. As of Oct 31 their latest are INV-9 and INV-10.
    later = _books(books, LEDGER + OCTOBER)
    march = receivables.aging(later, MARCH_END)
    assert [row[:2] for row in march.rows[:2]] == [["CUS-1", "Acme"], ["CUS-2", "Beta"]]
    october = receivables.aging(later, datetime.date(2026, 10, 31))
    assert [row[:2] for row in october.rows[:2]] == [
        ["CUS-1", "Acme Robotics Inc"],
        ["CUS-2", "Beta Robotics GmbH"],
    ]


def test_typing_a_later_month_leaves_a_closed_months_package_as_it_was(books: Books) -> None:
    # March's package built before October is typed, then after: every
    # schedule is the same, the names in ar_aging.csv ("Acme", "Beta",
    # "Gamma"), credit_hold.csv (CUS-2 "Beta": 120 days past due) and
    # customer_statements.csv included. (Named from the latest invoice of
    # the whole books, the second named CUS-1 "Acme Robotics Inc" and CUS-2
    # "Beta Robotics GmbH" in all three.)
    closed = package.build(_books(books), datetime.date(2026, 3, 1), Thresholds())
    again = package.build(_books(books, LEDGER + OCTOBER), datetime.date(2026, 3, 1), Thresholds())
    tables = {schedule.file: schedule.table.rows for schedule in again.schedules}
    assert tables == {schedule.file: schedule.table.rows for schedule in closed.schedules}
    assert [row[:2] for row in tables["credit_hold.csv"]] == [["CUS-2", "Beta"], ["CUS-3", "Gamma"]]
    assert {row[1] for row in tables["customer_statements.csv"]} == {"Acme", "Beta", "Gamma"}


def test_a_customers_directive_counts_from_its_date_and_then_wins_over_payees(
    books: Books,
) -> None:
    # CUS-2's directive is dated Apr 1, after March: as of Mar 31 it does
    # not count yet, and INV-3's payee "Beta" names CUS-2; as of Apr 30 it
    # does, and wins over every payee, before and after it.
    directive = '2026-04-01 custom "customer" "CUS-2" "Beta Robotics GmbH" "EU"\n'
    loaded = _books(books, LEDGER + directive)
    march = receivables.aging(loaded, MARCH_END)
    april = receivables.aging(loaded, datetime.date(2026, 4, 30))
    assert march.rows[1][:2] == ["CUS-2", "Beta"]
    assert april.rows[1][:2] == ["CUS-2", "Beta Robotics GmbH"]


# PIN (review rev41): a customer whose only name is a directive dated after
# the report's date is unnamed in that report (31f054b's rule: a later
# directive does not count yet, so a closed month's package stays as it
# was). CUS-9's deposit comes on Mar 20; its directive, dated its first
# invoice's day, is Apr 1. Before 31f054b March's statements named it
# "Nova Labs". A rule that names such a customer changes this pin.
DEPOSIT_FIRST = (
    HEADER
    + """
2026-03-20 * "Nova Labs" "Deposit"
  receipt: "R-9"
  customer: "CUS-9"
  Assets:Bank:Operating  500.00 USD
  Liabilities:UnappliedCash  -500.00 USD

2026-04-01 custom "customer" "CUS-9" "Nova Labs"
"""
)


def test_pin_a_directive_after_the_reports_date_leaves_its_customer_unnamed(
    books: Books,
) -> None:
    loaded = _books(books, DEPOSIT_FIRST)
    # March: R-9 500.00 waits unapplied, 0.00 - 500.00 = -500.00 on CUS-9's
    # statement; no document names CUS-9 and its directive (Apr 1) is after
    # Mar 31: the name is "". April (nothing moves): "Nova Labs".
    march = receivables.customer_statements(loaded, datetime.date(2026, 3, 1), MARCH_END)
    april = receivables.customer_statements(
        loaded, datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)
    )
    assert {row[1] for row in march.rows if row[0] == "CUS-9"} == {""}
    assert [row[6:] for row in march.rows if row[0] == "CUS-9" and row[4] == "R-9"] == [
        ["Deposit", None, D("500.00"), D("-500.00")]
    ]
    assert {row[1] for row in april.rows if row[0] == "CUS-9"} == {"Nova Labs"}


BETA_PAYS_ACME = """
2026-03-30 * "Beta Corp" "Wire for INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  40.00 USD
  Assets:AccountsReceivable  -40.00 USD
"""
DELTA_PAYS_ACME = """
2026-03-30 * "Delta Holdings" "Wire for INV-1" ^INV-1
  receipt: "R-3"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  60.00 USD
  Liabilities:UnappliedCash  -60.00 USD
"""


@pytest.mark.parametrize(
    ("receipt", "open_on_inv_1"),
    [(BETA_PAYS_ACME, "60.00"), (DELTA_PAYS_ACME, "40.00")],
    ids=["to-the-receivable", "through-unapplied-cash"],
)
def test_a_receipt_from_another_payer_does_not_rename_the_customer(
    books: Books, receipt: str, open_on_inv_1: str
) -> None:
    # Another company pays part of Acme's INV-1 (100.00, due Jan 31) on Mar 30,
    # the receipt carrying INV-1's `invoice` and `customer` as the bank importer
    # writes them. CUS-1 has no directive, so its invoices' payee names it:
    # "Acme", not the payer. At Mar 31 INV-1 is 59 days past due (31-60) with
    # 100 - 40 = 60 or 100 - 60 = 40 open; CN-1 is -20.00 (1-30).
    table = receivables.aging(_books(books, LEDGER + receipt), MARCH_END)
    left = D(open_on_inv_1)
    assert table.rows[0] == [
        "CUS-1", "Acme", "USD", D("0.00"), D("-20.00"), left, D("0.00"), D("0.00"),
        left - D("20.00"), None, None,
    ]  # fmt: skip


def test_aging_shows_a_receivable_posting_with_no_invoice_as_a_difference(
    books: Books, tmp_path: Path
) -> None:
    # Without the plugin (so the books load), a stray receivable posting is in
    # the general ledger and in no open item: the aging does not tie. Nothing
    # applies R-1 either, so the items are 100 + 200 + 50 - 20 + 400 = 730.00
    # and the ledger holds the stray 5.00 more: 735.00.
    stray = """
2026-03-30 * "Unexplained"
  Assets:AccountsReceivable  5.00 USD
  Income:Revenue:Services  -5.00 USD
"""
    ledger = LEDGER.replace('plugin "plugins.ar_reconciliation" "ar.yaml"\n', "") + stray
    loaded = _books(books, ledger)
    assert receivables.breaks(receivables.aging(loaded, MARCH_END)) == [
        "AR aging ties to the general ledger, USD: aging 730.00, general ledger 735.00, "
        "difference 5.00"
    ]
    code = cli.main(["ar", loaded.path, "aging", "--as-of", "2026-03-31"])
    assert code == 1


def test_an_invoice_billed_before_its_currency_has_a_price_stays_out_of_the_functional_rows(
    books: Books,
) -> None:
    # INV-E1 100.00 EUR is billed on Jan 1 with no price on its posting, and
    # the ledger's first price of EUR is of Jan 15 (1.10 USD): the invoice
    # has neither rate, so it is carried in its own currency (README,
    # Foreign currency: "An invoice with neither is carried in its own
    # currency ... never remeasured"). R-1 40.00 EUR naming it is posted
    # straight to the receivable on Feb 1, unpriced (`Assets:AccountsReceivable
    # -40.00 EUR`, no rate, as the invoice has none; in unapplied cash it
    # would be valued at the day's price and be an error at the receipt,
    # `plugins.cash_application._without_a_rate`). At Feb 15 INV-E1 is
    # open 100.00 - 40.00 = 60.00 EUR, 15 days past due (1-30), and the
    # receivable's EUR balance is 60.00. Nothing in the receivable is
    # carried at a rate, so the aging has no functional rows ("books with
    # nothing carried at a rate get no functional rows") and no control
    # fails. (Before, the report valued the receipt's -40.00 EUR at the Feb 1
    # price (-44.00 USD) but not the invoice's 100.00 EUR (no price on Jan
    # 1), printed a functional total of 0.00 against a general ledger of
    # -44.00 and failed "AR aging in the functional currency ties to the
    # general ledger, USD": revclose exited 1, the close failed.)
    ledger = """
2025-01-01 open Income:Revenue:EU

2026-01-15 price EUR 1.10 USD

2026-01-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 EUR
  Income:Revenue:EU  -100.00 EUR

2026-02-01 * "Euro" "Wire in EUR"
  receipt: "R-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Operating  40.00 EUR
  Assets:AccountsReceivable  -40.00 EUR
"""
    loaded = reporting.loaded(books, HEADER + ledger, {"ar.yaml": "functional_currency: USD\n"})
    table = receivables.aging(loaded, datetime.date(2026, 2, 15))
    assert table.rows == [
        ["CUS-E", "Euro", "EUR", D("0.00"), D("60.00"), D("0.00"), D("0.00"), D("0.00"),
         D("60.00"), None, None],
        ["Total", "", "EUR", D("0.00"), D("60.00"), D("0.00"), D("0.00"), D("0.00"),
         D("60.00"), D("60.00"), D("0.00")],
    ]  # fmt: skip
    assert receivables.breaks(table) == []


def test_a_wire_at_a_rate_posted_straight_to_an_invoice_carried_in_euros_alone_is_an_error(
    books: Books,
) -> None:
    # INV-E1 100.00 EUR, billed Jan 1 before EUR's first price (1.10, Jan
    # 15), is carried in euros alone (README, Foreign currency). The
    # customer pays 40.00 EUR of it by a USD wire the bank import posts
    # straight to the receivable at the day's rate: `Assets:Bank:Operating
    # 44.00 USD`, `Assets:AccountsReceivable -40.00 EUR @ 1.10 USD`. At Feb
    # 15 INV-E1 is open 100.00 - 40.00 = 60.00 EUR (1-30 days past due), and
    # the EUR aging ties (60.00 against 60.00). But the receivable weighs 0
    # (the invoice has no USD value) - 40 x 1.10 = -44.00 USD that nothing
    # open carries, realized nowhere: the same pair through unapplied cash
    # is an error at the receipt (`plugins.cash_application._without_a_rate`),
    # so the straight posting is one at its line, in the same words
    # (`plugins.fx.without_a_rate`). (Before, nothing said so: the aging
    # reads every posting of an item carried in its own currency as its
    # invoice is, its own price too, so it had no functional rows and no
    # break, and the plugin checked rates only through unapplied cash.)
    ledger = """
2026-01-15 price EUR 1.10 USD

2026-01-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 EUR
  Income:Revenue:Services  -100.00 EUR

2026-02-01 * "Euro" "Wire in USD" ^INV-E1
  bank_reference: "BR-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Operating  44.00 USD
  Assets:AccountsReceivable  -40.00 EUR @ 1.10 USD
"""
    path = reporting.written(books, HEADER + ledger, {"ar.yaml": "functional_currency: USD\n"})
    loaded = books_module.load(str(path))
    written = path.read_text().splitlines()
    line = written.index("  Assets:AccountsReceivable  -40.00 EUR @ 1.10 USD") + 1
    assert [(error.source["lineno"], error.message) for error in loaded.errors] == [
        (line, "Receipt 'BR-1' at 1.10 USD pays 'INV-E1', carried in EUR alone: the exchange "
               "difference is not realized; expected an '@' price on its receivable posting or "
               "a EUR price in USD on or before 2026-01-01"),
    ]  # fmt: skip
    table = receivables.aging(loaded, datetime.date(2026, 2, 15))
    assert [row[-3:] for row in table.rows if row[0] == receivables.TOTAL] == [
        [D("60.00"), D("60.00"), D("0.00")]
    ]


def test_dso_for_the_month_simple_and_by_countback(books: Books) -> None:
    # USD: ending receivable 530.00; March billings INV-3 50.00 less CN-1 20.00
    # = 30.00; simple DSO 530 / 30 x 31 = 547.7 days. Countback: March (30.00,
    # 31 days) leaves 500.00, February (200.00, 28) leaves 300.00, January
    # (100.00, 31) leaves 200.00, December has no billings (31 days), and
    # November's 400.00 holds the last 200.00: half of 30 days. 31 + 28 + 31 +
    # 31 + 15 = 136.0. EUR: 300.00 of 300.00 billed in March: 31.0 both ways.
    table = receivables.dso(_books(books), datetime.date(2026, 3, 1))
    assert table.rows == [
        ["EUR", D("300.00"), D("300.00"), 31, D("31.0"), D("31.0"), receivables.DSO_METHOD],
        ["USD", D("530.00"), D("30.00"), 31, D("547.7"), D("136.0"), receivables.DSO_METHOD],
    ]


def test_dso_as_of_a_date_measures_the_month_of_the_date(books: Books) -> None:
    # `--as-of 2026-03-15` asks for March, as `--month 2026-03` does (the
    # default would be the latest complete month of the books).
    loaded = _books(books)
    march = receivables.report(loaded, "dso", month="2026-03")
    assert receivables.report(loaded, "dso", as_of=datetime.date(2026, 3, 15)).rows == march.rows
    assert march.rows == receivables.dso(loaded, datetime.date(2026, 3, 1)).rows
    february = receivables.dso(loaded, datetime.date(2026, 2, 1)).rows
    assert receivables.report(loaded, "dso", as_of=datetime.date(2026, 2, 28)).rows == february
    assert february != march.rows


# Pins (review rev38): behaviour an accountant checked by hand and found
# right, held so that it stays so. Books of their own, with no credit limit.
REVIEW_POLICY = "tolerance: {USD: 1.00}\nwrite_off_account: Expenses:PaymentDifferences\n"


def _pinned(books: Books, ledger: str) -> LoadedBooks:
    return reporting.loaded(books, HEADER + ledger, {"ar.yaml": REVIEW_POLICY})


JUNE_END = datetime.date(2026, 6, 30)


def _at_the_boundaries() -> str:
    ledger = ""
    for late in (0, 1, 30, 31, 60, 61, 90, 91):
        due = JUNE_END - datetime.timedelta(days=late)
        # B-n is due n days before Jun 30, billed 30 days before that, for 10 + n.
        ledger += reporting.invoice(
            f"B-{late}", str(due - datetime.timedelta(days=30)), f"{10 + late}.00", str(due)
        )
    return (
        ledger
        + reporting.invoice("LATE", "2026-07-01", "500.00", "2026-07-31")
        + """
2026-07-02 * "Acme" "Wire for B-91"
  receipt: "R-9"
  invoice: "B-91"
  customer: "CUS-1"
  Assets:Bank:Operating  101.00 USD
  Liabilities:UnappliedCash  -101.00 USD
"""
    )


def test_pin_aging_buckets_at_their_boundaries_tie_to_the_ledger(books: Books) -> None:
    # Pin 1 (review rev38): 0, 1, 30, 31, 60, 61, 90 and 91 days past due,
    # with a payment after the as-of date and an invoice billed after it.
    loaded = _pinned(books, _at_the_boundaries())
    table = receivables.report(loaded, "aging", as_of=JUNE_END)
    # current: B-0 (due that day) 10.00; 1-30: B-1 11.00 + B-30 40.00 = 51.00;
    # 31-60: B-31 41.00 + B-60 70.00 = 111.00; 61-90: B-61 71.00 + B-90 100.00
    # = 171.00; over 90: B-91 101.00 (R-9 pays it Jul 2, after the date; LATE,
    # billed Jul 1, is not in). Total 10 + 51 + 111 + 171 + 101 = 444.00 = the
    # receivable's balance at Jun 30.
    assert table.rows == [
        ["CUS-1", "Acme", "USD", D("10.00"), D("51.00"), D("111.00"), D("171.00"),
         D("101.00"), D("444.00"), None, None],
        ["Total", "", "USD", D("10.00"), D("51.00"), D("111.00"), D("171.00"), D("101.00"),
         D("444.00"), D("444.00"), D("0.00")],
    ]  # fmt: skip
    # Held for the policy's 90 days only by B-91, 91 days past due (B-90's 90 is not over).
    hold = receivables.report(loaded, "hold", as_of=JUNE_END)
    assert [(row[0], row[9], row[10]) for row in hold.rows] == [
        ("CUS-1", 91, "past due over 90 days")
    ]


LEAP = (
    reporting.invoice("INV-1", "2027-12-15", "310.00", "2028-01-14")
    + reporting.invoice("INV-2", "2028-01-30", "290.00", "2028-02-29")
    + reporting.invoice("INV-3", "2028-02-29", "580.00", "2028-03-30")
    + """
2028-02-29 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  310.00 USD
  Liabilities:UnappliedCash  -310.00 USD
"""
)


def test_pin_dso_and_aging_across_the_leap_day(books: Books) -> None:
    # Pin 2 (review rev38): February 2028 has 29 days.
    loaded = _pinned(books, LEAP)
    dso = receivables.report(loaded, "dso", month="2028-02")
    # Receivable at Feb 29: INV-2 290.00 + INV-3 580.00 = 870.00 (INV-1 paid that day).
    # Simple: 870 / 580 (February's billings, INV-3) x 29 = 43.5.
    # Countback: February's 580 is held whole (29 days, 290 left), then January's
    # 290 (INV-2) whole (31 days): 29 + 31 = 60.0.
    assert dso.rows[0][:6] == ["USD", D("870.00"), D("580.00"), 29, D("43.5"), D("60.0")]
    # INV-2, due Feb 29, is 30 days past due on Mar 30 (1-30) and 31 on Mar 31 (31-60);
    # INV-3, due Mar 30, is current on Mar 30 and 1 day past due on Mar 31.
    march_30 = receivables.report(loaded, "aging", as_of=datetime.date(2028, 3, 30))
    march_31 = receivables.report(loaded, "aging", as_of=datetime.date(2028, 3, 31))
    assert march_30.rows[0][3:9] == [D("580.00"), D("290.00"), D("0.00"), D("0.00"),
                                     D("0.00"), D("870.00")]  # fmt: skip
    assert march_31.rows[0][3:9] == [D("0.00"), D("580.00"), D("290.00"), D("0.00"),
                                     D("0.00"), D("870.00")]  # fmt: skip


def test_unapplied_cash_lists_what_the_matcher_left(books: Books) -> None:
    # R-1 named INV-2 and was applied; R-2 (75.00 from CUS-2) matches no
    # amount or subset of CUS-2's invoices (50.00, 400.00) and waits.
    table = receivables.unapplied_cash(_books(books), MARCH_END)
    assert table.rows == [
        ["R-2", datetime.date(2026, 3, 25), 6, "CUS-2", "Beta", "USD", D("75.00"), D("0.00"),
         D("0.00"), D("75.00"), None, None],
        ["Total", None, None, "", "", "USD", None, None, None, D("75.00"), D("75.00"),
         D("0.00")],
    ]  # fmt: skip
    before = receivables.unapplied_cash(_books(books), datetime.date(2026, 3, 20))
    assert before.column("receipt") == ["Total"]  # R-1 was applied the day it came


# INV-1 (100.00, CUS-1). R-6 (150.00 from CUS-1, Mar 2) names no invoice;
# 60.00 of it is applied to INV-1 by hand on Mar 5; the customer disputes
# 30.00 with its card issuer, charged back out of R-6 on Mar 20.
CHARGED_BACK = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-03-02 * "Acme" "Card payment"
  receipt: "R-6"
  customer: "CUS-1"
  Assets:Bank:Operating  150.00 USD
  Liabilities:UnappliedCash  -150.00 USD

2026-03-05 * "Acme" "Apply R-6 to INV-1 in part" ^INV-1
  invoice: "INV-1"
  receipt: "R-6"
  Liabilities:UnappliedCash  60.00 USD
  Assets:AccountsReceivable  -60.00 USD

2026-03-20 * "Acme" "Chargeback of part of R-6"
  receipt: "R-6"
  Assets:Bank:Operating  -30.00 USD
  Liabilities:UnappliedCash  30.00 USD
"""


def test_unapplied_cash_tells_cash_applied_from_cash_paid_out(books: Books) -> None:
    # At Mar 31, R-6: received 150.00, applied 60.00 (to INV-1), paid out
    # 30.00 (the chargeback, which pays no invoice): 150 - 60 - 30 = 60.00
    # unapplied, the account's balance. Before the chargeback (Mar 19)
    # nothing is paid out: 150 - 60 = 90.00.
    loaded = _books(books, CHARGED_BACK)
    at = list(receivables.UNAPPLIED_COLUMNS).index
    columns = [at(name) for name in ("receipt", "received", "applied", "paid_out", "unapplied")]
    rows = receivables.unapplied_cash(loaded, MARCH_END).rows
    assert [[row[index] for index in columns] for row in rows] == [
        ["R-6", D("150.00"), D("60.00"), D("30.00"), D("60.00")],
        ["Total", None, None, None, D("60.00")],
    ]
    assert rows[-1][at("gl_balance") :] == [D("60.00"), D("0.00")]
    before = receivables.unapplied_cash(loaded, datetime.date(2026, 3, 19)).rows
    assert [before[0][index] for index in columns] == [
        "R-6", D("150.00"), D("60.00"), D("0.00"), D("90.00"),
    ]  # fmt: skip


def test_open_invoices_with_their_links(books: Books) -> None:
    # INV-1 was due Jan 31: 59 days past due at Mar 31. CN-1 is owed to the
    # customer: no due date, never past due.
    table = receivables.open_invoices(_books(books), MARCH_END)
    assert [row[3:5] for row in table.rows[:2]] == [[datetime.date(2026, 1, 31), 59], [None, None]]
    # Nothing open was paid or credited: billed, 0.00, 0.00, open.
    zero = D("0.00")
    assert [[*row[:2], *row[4:]] for row in table.rows] == [
        ["INV-1", "CUS-1", 59, "USD", D("100.00"), zero, zero, D("100.00"), "^INV-1"],
        ["CN-1", "CUS-1", None, "USD", D("-20.00"), zero, zero, D("-20.00"), "^CN-1"],
        ["INV-4", "CUS-2", 120, "USD", D("400.00"), zero, zero, D("400.00"), "^INV-4"],
        ["INV-3", "CUS-2", 0, "USD", D("50.00"), zero, zero, D("50.00"), "^INV-3"],
        ["INV-5", "CUS-3", 0, "EUR", D("300.00"), zero, zero, D("300.00"), "^INV-5"],
    ]
    before = receivables.open_invoices(_books(books), datetime.date(2026, 3, 19))
    assert before.rows[1][0] == "INV-2" and before.rows[1][-1] == "^INV-2"


def test_the_open_listing_lists_only_links_the_books_carry(books: Books) -> None:
    # INV-1 100.00 (Jan 5, due Feb 4) is paid 60.00 on Jan 20 by a bank line
    # posted straight to the receivable, as the bank import writes it: the
    # invoice's link ^INV-1, `bank_reference: "BR-881"`, no ^BR-881; and
    # 10.00 by R-2 through unapplied cash on Jan 21 (the plugin's cash
    # application carries ^INV-1 ^R-2). At Jan 31 INV-1 rolls 100.00 -
    # (60.00 + 10.00) - 0.00 = 30.00, not yet due. README: the listing gives
    # every open item with the links the entries posting to it carry, each a
    # journal filter in Fava (`grids.LINKS`): ^INV-1 finds the invoice, the
    # wire and the application; ^R-2 the application. The statement still
    # shows the 60.00 as a `payment` under BR-881. (Before, the listing also
    # gave ^BR-881, the wire's receipt id as a link, "^BR-881 ^INV-1 ^R-2":
    # no entry, typed or generated, carries it, so its filter found nothing.)
    ledger = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-20 * "Acme" "Wire INV-1" ^INV-1
  bank_reference: "BR-881"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  60.00 USD
  Assets:AccountsReceivable  -60.00 USD

2026-01-21 * "Acme" "Wire 2"
  receipt: "R-2"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  10.00 USD
  Liabilities:UnappliedCash  -10.00 USD
"""
    loaded = reporting.loaded(books, HEADER + ledger, {"ar.yaml": POLICY})
    january_end = datetime.date(2026, 1, 31)
    statement = receivables.customer_statement(loaded, "CUS-1", datetime.date(2026, 1, 1),
                                               january_end)  # fmt: skip
    assert [row[2:4] for row in statement.rows[1:-1]] == [["INV-1", "invoice"],
                                                          ["BR-881", "payment"],
                                                          ["R-2", "payment"]]  # fmt: skip
    table = receivables.open_invoices(loaded, january_end)
    assert table.rows == [
        ["INV-1", "CUS-1", datetime.date(2026, 1, 5), datetime.date(2026, 2, 4), 0, "USD",
         D("100.00"), D("70.00"), D("0.00"), D("30.00"), "^INV-1 ^R-2"],
    ]  # fmt: skip
    carried = {
        link
        for entry in loaded.entries
        if isinstance(entry, data.Transaction)
        for link in entry.links
    }
    [links] = table.column("links")
    assert {text.removeprefix("^") for text in links.split()} <= carried


def test_customer_statement_runs_the_balance(books: Books) -> None:
    # Opening Feb 1: INV-1 100.00. INV-2 +200.00, CN-1 -20.00, R-1 received
    # -200.00 (its application to INV-2 nets to nothing): 80.00.
    table = receivables.customer_statement(
        _books(books), "CUS-1", datetime.date(2026, 2, 1), MARCH_END
    )
    assert table.rows == [
        [datetime.date(2026, 2, 1), "USD", "", "", "Opening balance", None, None, D("100.00")],
        [datetime.date(2026, 2, 10), "USD", "INV-2", "invoice", "Invoice INV-2", D("200.00"),
         None, D("300.00")],
        [datetime.date(2026, 3, 5), "USD", "CN-1", "credit note", "Credit note CN-1", None,
         D("20.00"), D("280.00")],
        [datetime.date(2026, 3, 20), "USD", "R-1", "payment", "Wire 1", None, D("200.00"),
         D("80.00")],
        [MARCH_END, "USD", "", "", "Closing balance", None, None, D("80.00")],
    ]  # fmt: skip


def test_credit_hold_lists_customers_past_due_or_over_their_limit(books: Books) -> None:
    # CUS-1 owes 80.00, 59 days past due at worst: no hold. CUS-2 owes 450.00
    # and INV-4 is 120 days past due (policy 90); R-2's 75.00 waits unapplied,
    # so its exposure is 450.00 - 75.00 = 375.00, within its limit of 400.
    # CUS-3 owes 300.00 EUR against its own EUR limit of 250 (its USD limit
    # of 400 does not take the EUR: the EUR has a limit of its own).
    table = receivables.credit_hold(_books(books), MARCH_END)
    assert table.rows == [
        ["CUS-2", "Beta", "USD", D("450.00"), D("75.00"), D("0.00"), None, D("375.00"),
         D("400.00"), 120, "past due over 90 days (unapplied cash 75.00 waiting)"],
        ["CUS-3", "Gamma", "EUR", D("300.00"), D("0.00"), D("0.00"), None, D("300.00"),
         D("250.00"), 0, "over credit limit 250.00"],
    ]  # fmt: skip
    assert [str(row[8]) for row in table.rows] == ["400.00", "250.00"]


def test_ar_command_writes_csv(books: Books, tmp_path: Path) -> None:
    books.write("ar.yaml", POLICY)
    path = books.write("main.beancount", LEDGER)
    out = tmp_path / "aging.csv"
    code = cli.main(["ar", str(path), "aging", "--as-of", "2026-03-31", "--csv", str(out)])
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(receivables.AGING_COLUMNS)
    assert lines[-1] == "Total,,USD,50.00,-20.00,100.00,0.00,400.00,530.00,530.00,0.00"
    assert cli.main(["ar", str(path), "statement", "--month", "2026-03"]) == 2


def test_a_statement_must_end_on_or_after_its_start_and_name_a_known_customer(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    # A --from after the --as-of would print a "Closing balance" dated at the
    # --as-of with the balance at the --from; a mistyped customer an empty
    # statement. Both are usage errors (exit 2), as DSO's month and date.
    path = reporting.written(books, LEDGER, {"ar.yaml": POLICY})
    statement = ["ar", str(path), "statement", "--customer"]
    code = cli.main([*statement, "CUS-1", "--from", "2026-03-01", "--as-of", "2026-01-31"])
    assert code == 2
    assert capsys.readouterr().err == (
        "revclose: A statement's --from 2026-03-01 is after its end, --as-of 2026-01-31 (by "
        "default the latest complete month's end); expected --from on or before 2026-01-31\n"
    )
    # CUS-11 is nearest CUS-1 (5 of 6 characters); CUS-2 and CUS-3 tie behind it.
    assert cli.main([*statement, "CUS-11", "--as-of", "2026-03-31"]) == 2
    assert capsys.readouterr().err == (
        "revclose: Customer 'CUS-11' has nothing in the receivable, unapplied cash or customer "
        "credits and is not declared; expected a known customer, e.g. CUS-1, CUS-3, CUS-2\n"
    )
    # A one-day statement is fine; so is one of a declared customer with no moves.
    day = ["--from", "2026-03-31", "--as-of", "2026-03-31"]
    assert cli.main([*statement, "CUS-1", *day]) == 0
    directive = '2025-01-01 custom "customer" "CUS-9" "Nine Inc" "US"\n'
    path = reporting.written(books, LEDGER + directive)
    assert cli.main(["ar", str(path), "statement", "--customer", "CUS-9", *day]) == 0
    assert "Statement of CUS-9" in capsys.readouterr().out


def test_a_report_refuses_options_it_would_ignore(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    # The aging is of every customer as of one day: a --customer or --from
    # would be ignored, and a --month beside an --as-of would lose to it, so
    # each is a usage error (exit 2) rather than a report the reader takes
    # for what was asked.
    path = reporting.written(books, LEDGER, {"ar.yaml": POLICY})
    aging = ["ar", str(path), "aging"]
    assert cli.main([*aging, "--customer", "CUS-1"]) == 2
    assert capsys.readouterr().err == (
        "revclose: --customer is for a statement; the aging report covers every customer "
        "and is as of one day (--as-of or --month)\n"
    )
    assert cli.main(["ar", str(path), "dso", "--customer", "CUS-1", "--from", "2026-03-01"]) == 2
    assert capsys.readouterr().err == (
        "revclose: --customer and --from are for a statement; the dso report covers every "
        "customer and measures a month (--as-of or --month)\n"
    )
    assert cli.main([*aging, "--from", "2026-03-01"]) == 2
    assert "--from is for a statement" in capsys.readouterr().err
    assert cli.main([*aging, "--month", "2026-03", "--as-of", "2026-02-28"]) == 2
    assert capsys.readouterr().err == (
        "revclose: The aging report is as of one day: give --month 2026-03 or --as-of "
        "2026-02-28, not both\n"
    )
    # --month alone is the month's end: the same aging as --as-of 2026-03-31.
    assert cli.main([*aging, "--month", "2026-03"]) == 0
    by_month = capsys.readouterr().out
    assert cli.main([*aging, "--as-of", "2026-03-31"]) == 0
    assert capsys.readouterr().out == by_month
    assert "530.00" in by_month


# INV-7 names no customer: 300.00 due Jan 5, 85 days past due at Mar 31.
NOBODYS = """
2026-01-05 * "Acme" "Invoice INV-7" ^INV-7
  invoice: "INV-7"
  due: 2026-01-05
  Assets:AccountsReceivable  300.00 USD
  Income:Revenue:Services  -300.00 USD
"""


def test_an_invoice_with_no_customer_is_unassigned_in_every_report(books: Books) -> None:
    # One label, "(unassigned)", as the statements already had it: in the
    # aging (85 days past due: 300.00 in 61-90), the open invoices, the hold
    # list (not yet 90 days past due, but 300.00 is over a limit of 100.00)
    # and the statement of what is nobody's, which `--customer "(unassigned)"`
    # asks for.
    loaded = reporting.loaded(books, LEDGER + NOBODYS, {"ar.yaml": "credit_limits: {USD: 100}\n"})
    aging = receivables.aging(loaded, MARCH_END)
    assert aging.rows[0][:9] == [
        "(unassigned)", "", "USD", D("0.00"), D("0.00"), D("0.00"), D("300.00"), D("0.00"),
        D("300.00"),
    ]  # fmt: skip
    assert receivables.open_invoices(loaded, MARCH_END).rows[0][:5] == [
        "INV-7", "(unassigned)", datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), 85,
    ]  # fmt: skip
    hold = list(receivables.credit_hold(loaded, MARCH_END).rows[0])
    assert hold[:3] + hold[-1:] == ["(unassigned)", "", "USD", "over credit limit 100.00"]
    statement = receivables.customer_statement(
        loaded, "(unassigned)", datetime.date(2026, 1, 1), MARCH_END
    )
    rows = [list(row) for row in statement.rows]
    assert rows[1][2:4] + rows[-1][-1:] == ["INV-7", "invoice", D("300.00")]


def test_close_package_carries_the_receivables_schedules(books: Books) -> None:
    built = package.build(_books(books), datetime.date(2026, 3, 1), Thresholds())
    names = [schedule.file for schedule in built.schedules][-8:]
    assert names == ["ar_aging.csv", "days_sales_outstanding.csv", "unapplied_cash.csv",
                     "customer_credits.csv", "credit_hold.csv", "open_invoices.csv",
                     "customer_statements.csv", "review_flags.csv"]  # fmt: skip
    ties = [check for check in built.checks if check.name.startswith("AR aging")]
    assert [(check.name, check.result) for check in ties] == [
        ("AR aging ties to the general ledger, EUR", "pass"),
        ("AR aging ties to the general ledger, USD", "pass"),
    ]


PAID_BEFORE_BILLED = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-05
  Assets:AccountsReceivable  30.00 USD
  Income:Revenue:Services  -30.00 USD

2026-01-20 * "Acme" "Bank INV-2" ^INV-2
  bank_reference: "BR-1"
  customer: "CUS-1"
  invoice: "INV-2"
  Assets:Bank:Operating  50.00 USD
  Assets:AccountsReceivable  -50.00 USD
"""


def test_cash_posted_to_an_invoice_not_yet_billed_is_a_payment_in_the_months_reports(
    books: Books,
) -> None:
    # January's books, closed before INV-2 (billed in February) is typed: the
    # bank posted BR-1's 50.00 straight to INV-2 on Jan 20. INV-2 has billed
    # nothing yet: the open listing shows it billed 0.00, paid 50.00 and open
    # 0.00 - 50.00 = -50.00 (in credit). January's billings are INV-1's 30.00
    # alone; the receivable, 30.00 - 50.00 = -20.00, is in credit, so DSO is
    # 0.0 both ways (not (30.00 - 50.00) / 30.00 x 31 = -20.7). CUS-1's
    # statement shows BR-1 as a payment under BR-1, closing at 30.00 - 50.00
    # = -20.00. (Read as INV-2's document, the cash was billed -50.00, a
    # credit note on the statement, and January's billings -20.00.)
    loaded = _books(books, PAID_BEFORE_BILLED)
    january_end = datetime.date(2026, 1, 31)
    rows = {row[0]: row for row in receivables.open_invoices(loaded, january_end).rows}
    assert rows["INV-2"][6:10] == [D("0.00"), D("50.00"), D("0.00"), D("-50.00")]
    [usd] = receivables.dso(loaded, datetime.date(2026, 1, 1)).rows
    assert usd[:6] == ["USD", D("-20.00"), D("30.00"), 31, D("0.0"), D("0.0")]
    statement = receivables.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 1, 1), january_end
    )
    assert [(row[2], row[3], row[-1]) for row in statement.rows[1:]] == [
        ("INV-1", "invoice", D("30.00")),
        ("BR-1", "payment", D("-20.00")),
        ("", "", D("-20.00")),
    ]


def test_cash_posted_to_an_invoice_not_yet_billed_names_no_customer(books: Books) -> None:
    # Beta Corp pays Acme's INV-2, billed only in February, on Jan 20, the
    # bank posting it straight to INV-2; January is closed before February
    # is typed. The cash is not INV-2's document: CUS-1 is named by INV-1
    # (Jan 5, "Acme"), as it is once INV-2 ("Acme") is typed. The aging at
    # Jan 31: INV-1 30.00 due Jan 5, 26 days past due (1-30); INV-2 -50.00,
    # in credit since Jan 20, 11 days old (1-30): 30.00 - 50.00 = -20.00.
    # (Named from every item's first posting, CUS-1 was "Beta Corp".)
    paid_by_beta = PAID_BEFORE_BILLED.replace('"Acme" "Bank INV-2"', '"Beta Corp" "Bank INV-2"')
    table = receivables.aging(_books(books, paid_by_beta), datetime.date(2026, 1, 31))
    assert table.rows[0] == [
        "CUS-1", "Acme", "USD", D("0.00"), D("-20.00"), D("0.00"), D("0.00"), D("0.00"),
        D("-20.00"), None, None,
    ]  # fmt: skip
