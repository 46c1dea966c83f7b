"""Customer statements and the open invoices in the close, and how a statement shows each move.

The close writes the open items at the month end (`open_invoices.csv`) and
the month's statement of every customer with a balance or moves
(`customer_statements.csv`); their figures tie to the aging and to the
general ledger. A statement shows an invoice and its payment in the
invoice's currency, names every move's type and document, starts each
currency at its opening balance (zero included) and shows a day's
documents first (invoices, then credit notes), then the rest of its rows as
the books read a day's postings (`plugins.receivables.day_key`).
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reports import cli, package, receivables
from reports.books import Books as LoadedBooks
from reports.flux import Thresholds
from reports.table import Table
from tests import reporting
from tests.conftest import Books

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
"""

# March 2026. CUS-1 owes INV-1 (100.00) at Mar 1, is billed INV-5 (20.00),
# which is voided, and sends R-1 (130.00) for INV-1: 30.00 over, beyond the
# tolerance, so it is parked in customer credits. CUS-2 owes INV-2 (400.00)
# and sends R-2 (75.00), which matches none of its invoices: unapplied.
# CUS-3 is billed INV-3 (300.00 EUR), less CN-3 (50.00 EUR), netted onto it.
# CUS-4's INV-4 was paid in February: no balance, no moves in March.
MONTH = (
    HEADER
    + """
2026-01-15 * "Beta" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-2"
  due: 2026-02-14
  Assets:AccountsReceivable  400.00 USD
  Income:Revenue:Services  -400.00 USD

2026-02-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-03
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-01 * "Delta" "Invoice INV-4" ^INV-4
  invoice: "INV-4"
  customer: "CUS-4"
  due: 2026-03-03
  Assets:AccountsReceivable  60.00 USD
  Income:Revenue:Services  -60.00 USD

2026-02-20 * "Delta" "Wire 4"
  receipt: "R-4"
  customer: "CUS-4"
  invoice: "INV-4"
  Assets:Bank:Operating  60.00 USD
  Liabilities:UnappliedCash  -60.00 USD

2026-03-02 * "Acme" "Invoice INV-5" ^INV-5
  invoice: "INV-5"
  customer: "CUS-1"
  due: 2026-04-01
  Assets:AccountsReceivable  20.00 USD
  Income:Revenue:Services  -20.00 USD

2026-03-04 * "Acme" "Void INV-5" ^INV-5
  invoice: "INV-5"
  status: "void"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-03-10 * "Gamma" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-3"
  due: 2026-04-09
  Assets:AccountsReceivable  300.00 EUR
  Income:Revenue:Services  -300.00 EUR

2026-03-10 * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  130.00 USD
  Liabilities:UnappliedCash  -130.00 USD

2026-03-12 * "Gamma" "Credit note CN-3" ^CN-3 ^INV-3
  invoice: "CN-3"
  credits: "INV-3"
  customer: "CUS-3"
  Assets:AccountsReceivable  -50.00 EUR
  Income:Revenue:Services  50.00 EUR

2026-03-25 * "Beta" "Wire 2"
  receipt: "R-2"
  customer: "CUS-2"
  Assets:Bank:Operating  75.00 USD
  Liabilities:UnappliedCash  -75.00 USD
"""
)
MARCH = datetime.date(2026, 3, 1)
MARCH_END = datetime.date(2026, 3, 31)


def _loaded(books: Books, ledger: str) -> LoadedBooks:
    return reporting.loaded(books, ledger, {"ar.yaml": POLICY})


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def _totals(rows: list[dict[str, str]], amount: str, keep: Any) -> dict[str, Decimal]:
    """Returns the sum of a CSV column per currency over the rows `keep` accepts."""
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if keep(row):
            found[row["currency"]] += D(row[amount])
    return dict(found)


def close_ties(folder: Path) -> tuple[dict[str, Decimal], ...]:
    """Returns, per currency, from a close's CSV files: the statements' closing balances,
    the open listing's total, the aging's total, and the receivable less unapplied cash
    and customer credits in the general ledger."""

    def read(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as stream:
            return list(csv.DictReader(stream))

    def total(row: dict[str, str]) -> bool:
        return row[next(iter(row))] == "Total"

    closing = _totals(
        read("customer_statements.csv"), "balance", lambda r: r["description"] == "Closing balance"
    )
    listed = _totals(read("open_invoices.csv"), "open", lambda r: True)
    aging = _totals(read("ar_aging.csv"), "total", total)
    owed = _totals(read("ar_aging.csv"), "gl_balance", total)
    for name in ("unapplied_cash.csv", "customer_credits.csv"):
        for currency, held in _totals(read(name), "gl_balance", total).items():
            owed[currency] = owed.get(currency, D(0)) - held
    return closing, listed, aging, owed


def test_the_close_writes_the_open_invoices_and_the_customer_statements_and_they_tie(
    books: Books, tmp_path: Path
) -> None:
    path = reporting.written(books, MONTH, {"ar.yaml": POLICY})
    out = tmp_path / "close"
    assert cli.main(["close", str(path), "--month", "2026-03", "--out", str(out)]) == 0
    folder = out / "2026-03"
    # Open at Mar 31: INV-2 400.00 USD, 45 days past its Feb 14 due date,
    # nothing paid (R-2 names no invoice: unapplied); INV-3 300.00 EUR less
    # CN-3 50.00 credited = 250.00, due Apr 9. INV-1 is paid, INV-5 void.
    assert _csv(folder / "open_invoices.csv") == [
        list(receivables.OPEN_COLUMNS),
        ["INV-2", "CUS-2", "2026-01-15", "2026-02-14", "45", "USD", "400.00", "0.00", "0.00",
         "400.00", "^INV-2"],
        ["INV-3", "CUS-3", "2026-03-10", "2026-04-09", "0", "EUR", "300.00", "0.00", "50.00",
         "250.00", "^CN-3 ^INV-3"],
    ]  # fmt: skip
    # CUS-1: 100.00 + 20.00 - 20.00 (void) - 130.00 (R-1) = -30.00, the credit
    # parked for it (R-1's application to INV-1 nets to nothing). CUS-2: 400.00
    # - 75.00 = 325.00. CUS-3 opens at 0.00: +300.00 - 50.00 = 250.00 EUR (the
    # credit note's netting nets to nothing). CUS-4 has no statement.
    assert _csv(folder / "customer_statements.csv") == [
        list(receivables.STATEMENTS_COLUMNS),
        ["CUS-1", "Acme", "2026-03-01", "USD", "", "", "Opening balance", "", "", "100.00"],
        ["CUS-1", "Acme", "2026-03-02", "USD", "INV-5", "invoice", "Invoice INV-5", "20.00", "",
         "120.00"],
        ["CUS-1", "Acme", "2026-03-04", "USD", "INV-5", "void", "Void INV-5", "", "20.00",
         "100.00"],
        ["CUS-1", "Acme", "2026-03-10", "USD", "R-1", "payment", "Wire 1", "", "130.00",
         "-30.00"],
        ["CUS-1", "Acme", "2026-03-31", "USD", "", "", "Closing balance", "", "", "-30.00"],
        ["CUS-2", "Beta", "2026-03-01", "USD", "", "", "Opening balance", "", "", "400.00"],
        ["CUS-2", "Beta", "2026-03-25", "USD", "R-2", "payment", "Wire 2", "", "75.00",
         "325.00"],
        ["CUS-2", "Beta", "2026-03-31", "USD", "", "", "Closing balance", "", "", "325.00"],
        ["CUS-3", "Gamma", "2026-03-01", "EUR", "", "", "Opening balance", "", "", "0.00"],
        ["CUS-3", "Gamma", "2026-03-10", "EUR", "INV-3", "invoice", "Invoice INV-3", "300.00",
         "", "300.00"],
        ["CUS-3", "Gamma", "2026-03-12", "EUR", "CN-3", "credit note", "Credit note CN-3", "",
         "50.00", "250.00"],
        ["CUS-3", "Gamma", "2026-03-31", "EUR", "", "", "Closing balance", "", "", "250.00"],
    ]  # fmt: skip
    # USD: statements -30.00 + 325.00 = 295.00 = receivable 400.00 less
    # unapplied cash 75.00 (R-2) and customer credits 30.00 (R-1's excess).
    # EUR: 250.00 = the receivable. The open listing adds up to the aging.
    closing, listed, aging, owed = close_ties(folder)
    assert closing == owed == {"USD": D("295.00"), "EUR": D("250.00")}
    assert listed == aging == {"USD": D("400.00"), "EUR": D("250.00")}
    controls = {row[0]: row[1:] for row in _csv(folder / "controls.csv")}
    assert controls["Customer statements tie to the general ledger, USD"] == [
        "pass",
        "statements 295.00, general ledger 295.00 (receivable 400.00, unapplied cash 75.00, "
        "customer credits 30.00), difference 0.00",
    ]
    assert controls["Customer statements tie to the general ledger, EUR"][0] == "pass"


def test_the_statements_control_fails_when_the_statements_do_not_add_up(books: Books) -> None:
    # Without CUS-2's rows the USD statements close at -30.00, against 295.00
    # owed in the general ledger: 325.00 short.
    built = package.build(_loaded(books, MONTH), MARCH, Thresholds())
    statements = built.table(package.STATEMENTS)
    short = Table(statements.title, statements.columns, [
        row for row in statements.rows if row[0] != "CUS-2"
    ])  # fmt: skip
    found = receivables.statements_tie(
        short,
        built.table("ar_aging.csv"),
        built.table("unapplied_cash.csv"),
        built.table("customer_credits.csv"),
    )
    assert [(check.name, check.result, check.figure) for check in found] == [
        ("Customer statements tie to the general ledger, EUR", "pass",
         "statements 250.00, general ledger 250.00 (receivable 250.00), difference 0.00"),
        ("Customer statements tie to the general ledger, USD", "FAIL",
         "statements -30.00, general ledger 295.00 (receivable 400.00, unapplied cash 75.00, "
         "customer credits 30.00), difference 325.00"),
    ]  # fmt: skip


# CUS-9 and CUS-10 are billed nothing and not declared. CUS-9's R-9 10.00
# pays CUS-1's INV-1 100.00 the day it comes (Feb 12); CUS-8's R-8 25.00,
# naming no invoice, waits unapplied; CUS-10 gets a goodwill credit of 15.00
# typed into customer credits.
PAYERS_WITHOUT_INVOICES = """
2025-01-01 open Expenses:Concessions

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-12 * "Zeta" "Wire for Acme"
  receipt: "R-9"
  customer: "CUS-9"
  invoice: "INV-1"
  Assets:Bank:Operating  10.00 USD
  Liabilities:UnappliedCash  -10.00 USD

2026-02-13 * "Eta" "Wire"
  receipt: "R-8"
  customer: "CUS-8"
  Assets:Bank:Operating  25.00 USD
  Liabilities:UnappliedCash  -25.00 USD

2026-02-14 * "Kappa" "Goodwill credit"
  customer: "CUS-10"
  Liabilities:CustomerCredits  -15.00 USD
  Expenses:Concessions  15.00 USD
"""


def test_a_payer_billed_nothing_has_a_statement_of_its_cash_and_credits(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    # By hand, February: CUS-8 holds R-8's 25.00 unapplied: -25.00. CUS-10
    # holds the 15.00 credit: -15.00. CUS-9 never held R-9 (it paid INV-1
    # the day it came), so its USD account is 0.00 from start to end, a
    # statement all the same (before: UnknownCustomer, as if mistyped).
    books_ = _loaded(books, HEADER + PAYERS_WITHOUT_INVOICES)
    feb_1, feb_28 = datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    closing = {
        customer: receivables.customer_statement(books_, customer, feb_1, feb_28).rows[-1][-1]
        for customer in ("CUS-8", "CUS-10")
    }
    assert closing == {"CUS-8": D("-25.00"), "CUS-10": D("-15.00")}
    table = receivables.customer_statement(books_, "CUS-9", feb_1, feb_28)
    assert _rows(table) == [
        (feb_1, "USD", "", "", "Opening balance", None, None, D("0.00")),
        (feb_28, "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]
    # CUS-1 is paid 10.00 by CUS-9: 100.00 - 10.00 = 90.00.
    table = receivables.customer_statement(books_, "CUS-1", feb_1, feb_28)
    assert [row[2:] for row in _rows(table)[1:-1]] == [
        ("R-9", "payment", "Wire for Acme (paid by CUS-9)", None, D("10.00"), D("90.00")),
    ]
    # An id on nothing at all is still refused; the payers are among the
    # known ids: CUS-99 is nearest CUS-9 (5 characters in common), then CUS-8
    # and CUS-1 (4, "CUS-"), tied, which difflib lists larger first; CUS-10
    # (4 of 12 characters) comes after them.
    path = reporting.written(books, HEADER + PAYERS_WITHOUT_INVOICES, {"ar.yaml": POLICY})
    command = ["ar", str(path), "statement", "--as-of", "2026-02-28", "--customer"]
    assert cli.main([*command, "CUS-9"]) == 0
    assert "Statement of CUS-9" in capsys.readouterr().out
    assert cli.main([*command, "CUS-99"]) == 2
    assert capsys.readouterr().err == (
        "revclose: Customer 'CUS-99' has nothing in the receivable, unapplied cash or customer "
        "credits and is not declared; expected a known customer, e.g. CUS-9, CUS-8, CUS-1\n"
    )


def test_what_belongs_to_no_customer_has_a_statement_of_its_own(books: Books) -> None:
    # A receipt with neither a customer nor a payee billed to one is nobody's:
    # the "(unassigned)" statement holds its 50.00, so the statements still
    # add up to the receivable less unapplied cash.
    stranger = """
2026-03-28 * "Stranger" "Wire 9"
  receipt: "R-9"
  Assets:Bank:Operating  50.00 USD
  Liabilities:UnappliedCash  -50.00 USD
"""
    table = receivables.customer_statements(_loaded(books, MONTH + stranger), MARCH, MARCH_END)
    assert [row for row in table.rows if row[0] == "(unassigned)"] == [
        ["(unassigned)", "", MARCH, "USD", "", "", "Opening balance", None, None, D("0.00")],
        ["(unassigned)", "", datetime.date(2026, 3, 28), "USD", "R-9", "payment", "Wire 9", None,
         D("50.00"), D("-50.00")],
        ["(unassigned)", "", MARCH_END, "USD", "", "", "Closing balance", None, None,
         D("-50.00")],
    ]  # fmt: skip


def _rows(table: Table) -> list[tuple[Any, ...]]:
    """Returns each row's date, currency, document, type, description, charge, credit, balance."""
    return [tuple(row) for row in table.rows]


# The worked example of the README's foreign currency section: INV-E1 30.00
# EUR billed Dec 1 at 1.20; R-1 33.00 USD received Feb 1, when EUR is 1.10,
# is 30.00 EUR, and pays it that day.
PAID_IN_ANOTHER_CURRENCY = """
2025-12-01 price EUR 1.20 USD
2026-01-31 price EUR 1.10 USD

2025-12-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2025-12-31
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-02-01 * "Euro" "Wire"
  receipt: "R-1"
  customer: "CUS-E"
  invoice: "INV-E1"
  Assets:Bank:Operating  33.00 USD
  Liabilities:UnappliedCash  -33.00 USD
"""


def test_an_invoice_paid_in_another_currency_is_paid_in_its_own(books: Books) -> None:
    # The 33.00 USD pass through unapplied cash into the invoice the day they
    # come: the customer never held them, so the statement has no USD rows.
    # In EUR: 30.00 billed, 30.00 paid by R-1, 0.00 owed.
    books_ = _loaded(books, HEADER + PAID_IN_ANOTHER_CURRENCY)
    table = receivables.customer_statement(
        books_, "CUS-E", datetime.date(2025, 12, 1), datetime.date(2026, 2, 28)
    )
    assert _rows(table) == [
        (datetime.date(2025, 12, 1), "EUR", "", "", "Opening balance", None, None, D("0.00")),
        (datetime.date(2025, 12, 1), "EUR", "INV-E1", "invoice", "Invoice INV-E1", D("30.00"),
         None, D("30.00")),
        (datetime.date(2026, 2, 1), "EUR", "R-1", "payment", "Wire (paid in USD)", None,
         D("30.00"), D("0.00")),
        (datetime.date(2026, 2, 28), "EUR", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip


def test_a_chargeback_of_a_receipt_in_another_currency_is_a_refund_on_the_invoice(
    books: Books,
) -> None:
    # As above, then 11.00 USD of R-1 charged back on Mar 10: R-1 holds
    # nothing, so the take-back opens INV-E1 again by 11.00 x 30.00 / 33.00
    # = 10.00 EUR. In EUR: 30.00 billed, 30.00 paid, 10.00 charged back as a
    # refund under the take-back's narration: 10.00 owed. In USD: the 11.00
    # the chargeback takes out of R-1 (a refund charged), then the same
    # 11.00 taken back from INV-E1 (a transfer credited): 0.00. (Before, the
    # EUR row was a "payment" named "Wire (paid in USD)", and the USD row said
    # R-1 was "applied to" INV-E1.)
    chargeback = """
2026-03-10 * "Euro" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -11.00 USD
  Liabilities:UnappliedCash  11.00 USD
"""
    books_ = _loaded(books, HEADER + PAID_IN_ANOTHER_CURRENCY + chargeback)
    table = receivables.customer_statement(
        books_, "CUS-E", datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    )
    march = datetime.date(2026, 3, 10)
    assert _rows(table) == [
        (datetime.date(2026, 3, 1), "EUR", "", "", "Opening balance", None, None, D("0.00")),
        (march, "EUR", "R-1", "refund",
         "Chargeback of R-1 taken back from INV-E1 (in USD)", D("10.00"), None, D("10.00")),
        (datetime.date(2026, 3, 31), "EUR", "", "", "Closing balance", None, None, D("10.00")),
        (datetime.date(2026, 3, 1), "USD", "", "", "Opening balance", None, None, D("0.00")),
        (march, "USD", "R-1", "refund", "Chargeback of R-1", D("11.00"), None, D("11.00")),
        (march, "USD", "R-1", "transfer", "R-1 taken back from INV-E1 in EUR", None,
         D("11.00"), D("0.00")),
        (datetime.date(2026, 3, 31), "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip


# R-1 (40.00 USD, Jan 20) names INV-E1, billed only on Feb 1 in EUR: its
# application is dated Feb 1 and converts at Jan 20's price (1.20, the
# latest), so 30.00 EUR take 36.00 USD and the 4.00 USD left over, beyond the
# tolerance, are parked in customer credits. R-2 (10.00 USD, Feb 5) from
# CUS-E pays INV-P1 of CUS-P that day.
HELD_THEN_APPLIED = """
2025-12-01 price EUR 1.20 USD

2026-01-20 * "Euro" "Wire advance"
  receipt: "R-1"
  customer: "CUS-E"
  invoice: "INV-E1"
  Assets:Bank:Operating  40.00 USD
  Liabilities:UnappliedCash  -40.00 USD

2026-02-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-03-01
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-02-03 * "Parent" "Invoice INV-P1" ^INV-P1
  invoice: "INV-P1"
  customer: "CUS-P"
  due: 2026-03-01
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD

2026-02-05 * "Euro" "Wire for parent"
  receipt: "R-2"
  customer: "CUS-E"
  invoice: "INV-P1"
  Assets:Bank:Operating  10.00 USD
  Liabilities:UnappliedCash  -10.00 USD
"""


def test_cash_held_before_it_pays_an_invoice_in_another_currency_moves_out_of_its_own(
    books: Books,
) -> None:
    # USD: R-1 received -40.00; on Feb 1 the 36.00 it pays INV-E1 with leave
    # the USD account (a transfer): -4.00, the customer credit. R-2 paid
    # CUS-P's invoice the day it came: CUS-E never held it, no row. EUR: the
    # invoice (typed) comes before its payment (generated) on Feb 1, although
    # the application is located at R-1's earlier line.
    books_ = _loaded(books, HEADER + HELD_THEN_APPLIED)
    table = receivables.customer_statement(
        books_, "CUS-E", datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)
    )
    jan_1, feb_1, feb_28 = (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1),
                            datetime.date(2026, 2, 28))  # fmt: skip
    assert _rows(table) == [
        (jan_1, "EUR", "", "", "Opening balance", None, None, D("0.00")),
        (feb_1, "EUR", "INV-E1", "invoice", "Invoice INV-E1", D("30.00"), None, D("30.00")),
        (feb_1, "EUR", "R-1", "payment", "Wire advance (paid in USD)", None, D("30.00"),
         D("0.00")),
        (feb_28, "EUR", "", "", "Closing balance", None, None, D("0.00")),
        (jan_1, "USD", "", "", "Opening balance", None, None, D("0.00")),
        (datetime.date(2026, 1, 20), "USD", "R-1", "payment", "Wire advance", None, D("40.00"),
         D("-40.00")),
        (feb_1, "USD", "R-1", "transfer", "R-1 applied to INV-E1 in EUR", D("36.00"), None,
         D("-4.00")),
        (feb_28, "USD", "", "", "Closing balance", None, None, D("-4.00")),
    ]  # fmt: skip
    held = receivables.customer_credits(books_, feb_28)
    assert [row[3] for row in held.rows if row[0] == "CUS-E"] == [D("4.00")]


# INV-E1 30.00 EUR billed Dec 1 at 1.20; R-1 32.50 USD received Feb 1, when
# EUR is 1.10, is 32.50 / 1.10 = 29.545... EUR: 0.45 EUR short, within the
# tolerance, so the application writes the 0.50 USD off. INV-P1 10.00 USD of
# CUS-P is paid on Feb 5 by R-2 9.60 USD of CUS-E naming it: 0.40 short,
# written off.
SHORT_IN_ANOTHER_CURRENCY_OR_BY_ANOTHER_PAYER = """
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

2026-02-03 * "Pi" "Invoice INV-P1" ^INV-P1
  invoice: "INV-P1"
  customer: "CUS-P"
  due: 2026-03-05
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD

2026-02-05 * "Euro" "Wire 2"
  receipt: "R-2"
  customer: "CUS-E"
  invoice: "INV-P1"
  Assets:Bank:Operating  9.60 USD
  Liabilities:UnappliedCash  -9.60 USD
"""


def test_a_difference_written_off_on_a_payment_in_another_currency_has_its_own_row(
    books: Books,
) -> None:
    # EUR, by hand: 30.00 billed; R-1 pays what it is worth, 32.50 / 1.10 =
    # 29.55 EUR (rounded half to even), as the open roll's paid; the 0.45 EUR
    # left is the difference written off, a row of its own under INV-E1:
    # 30.00 - 29.55 = 0.45, 0.45 - 0.45 = 0.00, what CUS-E owes. R-1 was
    # applied the day it came: no USD rows. (One payment row of 30.00 before.)
    books_ = _loaded(books, HEADER + SHORT_IN_ANOTHER_CURRENCY_OR_BY_ANOTHER_PAYER)
    dec_1, feb_1, feb_28 = (datetime.date(2025, 12, 1), datetime.date(2026, 2, 1),
                            datetime.date(2026, 2, 28))  # fmt: skip
    table = receivables.customer_statement(books_, "CUS-E", dec_1, feb_28)
    assert _rows(table) == [
        (dec_1, "EUR", "", "", "Opening balance", None, None, D("0.00")),
        (dec_1, "EUR", "INV-E1", "invoice", "Invoice INV-E1", D("30.00"), None, D("30.00")),
        (feb_1, "EUR", "R-1", "payment", "Wire 1 (paid in USD)", None, D("29.55"), D("0.45")),
        (feb_1, "EUR", "INV-E1", "write-off", "Payment difference written off, INV-E1", None,
         D("0.45"), D("0.00")),
        (feb_28, "EUR", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    # CUS-P, by hand: 10.00 billed; R-2 pays 9.60; the 0.40 written off:
    # 10.00 - 9.60 - 0.40 = 0.00. CUS-E never held R-2: no row there.
    table = receivables.customer_statement(books_, "CUS-P", feb_1, feb_28)
    assert [row[2:] for row in _rows(table)] == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-P1", "invoice", "Invoice INV-P1", D("10.00"), None, D("10.00")),
        ("R-2", "payment", "Wire 2 (paid by CUS-E)", None, D("9.60"), D("0.40")),
        ("INV-P1", "write-off", "Payment difference written off, INV-P1", None, D("0.40"),
         D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    # The payment rows are what the open roll calls paid: 29.55 EUR and 9.60.
    ledger = receivables.Receivables(books_)
    moves = receivables._account_moves(ledger)
    assert [
        receivables._roll(ledger.items.items[one], feb_28, moves) for one in ("INV-E1", "INV-P1")
    ] == [(3000, 2955, 45), (1000, 960, 40)]


FEB_28 = datetime.date(2026, 2, 28)

# INV-E1 30.00 EUR of CUS-E. R-1 11.00 USD and R-2 20.00 EUR of CUS-E wait in
# unapplied cash; on Feb 1 one typed entry applies both to INV-E1: R-1 at
# 1.10 is 11.00 / 1.10 = 10.00 EUR, R-2 20.00 EUR: 10.00 + 20.00 = 30.00,
# all cash, nothing written off.
TWO_RECEIPTS_ONE_ENTRY = """
2025-12-01 price EUR 1.10 USD

2026-01-05 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-03-01
  Assets:AccountsReceivable  30.00 EUR @ 1.10 USD
  Income:Revenue:Services  -33.00 USD

2026-01-20 * "Euro" "Wire USD"
  receipt: "R-1"
  customer: "CUS-E"
  Assets:Bank:Operating  11.00 USD
  Liabilities:UnappliedCash  -11.00 USD

2026-01-21 * "Euro" "Wire EUR"
  receipt: "R-2"
  customer: "CUS-E"
  Assets:Bank:Operating  20.00 EUR
  Liabilities:UnappliedCash  -20.00 EUR

2026-02-01 * "Euro" "Apply R-1 and R-2 to INV-E1"
  customer: "CUS-E"
  Liabilities:UnappliedCash  11.00 USD @@ 10.00 EUR
    receipt: "R-1"
  Liabilities:UnappliedCash  20.00 EUR
    receipt: "R-2"
  Assets:AccountsReceivable  -30.00 EUR
    invoice: "INV-E1"
"""


def _eur_rows(books: Books, ledger: str) -> list[tuple[Any, ...]]:
    """Returns CUS-E's EUR rows of January and February 2026, from the document on."""
    table = receivables.customer_statement(
        _loaded(books, HEADER + ledger), "CUS-E", datetime.date(2026, 1, 1), FEB_28
    )
    return [tuple(row[2:8]) for row in table.rows if row[1] == "EUR"]


def test_two_receipts_in_one_entry_show_the_foreign_one_as_a_payment_and_no_difference(
    books: Books,
) -> None:
    # EUR by hand: 30.00 billed; R-2 20.00 received (10.00); on Feb 1 R-2's
    # 20.00 moves from unapplied cash to INV-E1 (nothing on the account) and
    # R-1 pays 10.00 EUR: 10.00 - 10.00 = 0.00, nothing written off. f74095d
    # showed exactly this; 3050504 splits a "difference" of 30.00 - 10.00 =
    # 20.00 (R-2's cash) off R-1's row, leaving R-1 a 10.00 charge and a
    # 20.00 "adjustment" credit (it failed at d3f54e8).
    assert _eur_rows(books, TWO_RECEIPTS_ONE_ENTRY) == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-E1", "invoice", "Invoice INV-E1", D("30.00"), None, D("30.00")),
        ("R-2", "payment", "Wire EUR", None, D("20.00"), D("10.00")),
        ("R-1", "payment", "Wire USD (paid in USD)", None, D("10.00"), D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]


# INV-E1 10.00 EUR billed at 1.20; the price list still says 1.20 on Feb 1.
# R-1 11.00 USD is applied by hand at the bank's rate, 11.00 USD = 10.00 EUR
# (`@@`): the customer paid INV-E1 in full and the entry writes nothing off.
APPLIED_AT_ITS_OWN_RATE = """
2025-12-01 price EUR 1.20 USD

2026-01-05 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-03-01
  Assets:AccountsReceivable  10.00 EUR @ 1.20 USD
  Income:Revenue:Services  -12.00 USD

2026-01-20 * "Euro" "Wire USD"
  receipt: "R-1"
  customer: "CUS-E"
  Assets:Bank:Operating  11.00 USD
  Liabilities:UnappliedCash  -11.00 USD

2026-02-01 * "Euro" "Apply R-1 to INV-E1 at the bank's rate"
  customer: "CUS-E"
  Liabilities:UnappliedCash  11.00 USD @@ 10.00 EUR
    receipt: "R-1"
  Assets:AccountsReceivable  -10.00 EUR
    invoice: "INV-E1"
"""


def test_a_foreign_receipt_applied_at_its_entry_s_own_rate_leaves_no_difference_row(
    books: Books,
) -> None:
    # EUR by hand: 10.00 billed, R-1 pays 10.00 (the entry's own price),
    # 10.00 - 10.00 = 0.00; nothing is written off, so no difference row.
    # 3050504 prices R-1 at the price list's 1.20: 11.00 / 1.20 = 9.17 paid
    # and a 0.83 "adjustment" row the books never posted. f74095d showed one
    # payment row of 10.00 (it failed at d3f54e8; so did the roll, 917 paid
    # and 83 credited, before 3050504 too).
    assert _eur_rows(books, APPLIED_AT_ITS_OWN_RATE) == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-E1", "invoice", "Invoice INV-E1", D("10.00"), None, D("10.00")),
        ("R-1", "payment", "Wire USD (paid in USD)", None, D("10.00"), D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]
    # The roll: billed 10.00, paid 10.00, credited 0.00.
    loaded = _loaded(books, HEADER + APPLIED_AT_ITS_OWN_RATE)
    ledger = receivables.Receivables(loaded)
    moves = receivables._account_moves(ledger)
    assert receivables._roll(ledger.items.items["INV-E1"], FEB_28, moves) == (1000, 1000, 0)


# The same, but the bank's rate gives 9.50 EUR for the 11.00 USD and the
# entry writes the 0.50 EUR short off by hand to the write-off account.
SHORT_AT_ITS_OWN_RATE = (
    "2025-01-01 open Expenses:PaymentDifferences\n"
    + APPLIED_AT_ITS_OWN_RATE.replace("11.00 USD @@ 10.00 EUR", "11.00 USD @@ 9.50 EUR").replace(
        "  Assets:AccountsReceivable  -10.00 EUR\n",
        "  Expenses:PaymentDifferences  0.50 EUR\n  Assets:AccountsReceivable  -10.00 EUR\n",
    )
)


def test_what_an_entry_writes_off_of_a_foreign_receipt_is_the_difference_row(
    books: Books,
) -> None:
    # EUR by hand: 10.00 billed; R-1 pays 9.50 (the entry's own price) and
    # the 0.50 the entry posts to the write-off account is the difference,
    # a row of its own, typed by hand (an "adjustment" with the entry's
    # narration): 10.00 - 9.50 = 0.50, 0.50 - 0.50 = 0.00. The roll: billed
    # 10.00, paid 9.50, credited 0.50.
    assert _eur_rows(books, SHORT_AT_ITS_OWN_RATE) == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-E1", "invoice", "Invoice INV-E1", D("10.00"), None, D("10.00")),
        ("R-1", "payment", "Wire USD (paid in USD)", None, D("9.50"), D("0.50")),
        ("INV-E1", "adjustment", "Apply R-1 to INV-E1 at the bank's rate", None, D("0.50"),
         D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    loaded = _loaded(books, HEADER + SHORT_AT_ITS_OWN_RATE)
    ledger = receivables.Receivables(loaded)
    moves = receivables._account_moves(ledger)
    assert receivables._roll(ledger.items.items["INV-E1"], FEB_28, moves) == (1000, 950, 50)


def test_a_payment_from_another_customer_is_on_the_statement_of_the_invoice_it_pays(
    books: Books,
) -> None:
    # INV-P1 10.00, paid by CUS-E's R-2 on Feb 5: 0.00.
    books_ = _loaded(books, HEADER + HELD_THEN_APPLIED)
    table = receivables.customer_statement(
        books_, "CUS-P", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    )
    assert [row[2:] for row in _rows(table)] == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-P1", "invoice", "Invoice INV-P1", D("10.00"), None, D("10.00")),
        ("R-2", "payment", "Wire for parent (paid by CUS-E)", None, D("10.00"), D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]


def test_a_refund_names_its_receipt_and_a_statement_opens_at_zero(books: Books) -> None:
    # INV-1 100.00, CN-1 -20.00 (netted onto INV-1), R-1 150.00 pays the 80.00
    # and parks 70.00 in customer credits, which the customer gets back on
    # Feb 10 by a refund naming R-1: 100 - 20 - 150 + 70 = 0.00. Nothing
    # precedes Jan 1, so the statement opens at 0.00.
    refunded = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-20 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-01-25 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  150.00 USD
  Liabilities:UnappliedCash  -150.00 USD

2026-02-10 * "Acme" "Refund of credit"
  receipt: "R-1"
  customer: "CUS-1"
  Liabilities:CustomerCredits  70.00 USD
  Assets:Bank:Operating  -70.00 USD
"""
    table = receivables.customer_statement(
        _loaded(books, HEADER + refunded), "CUS-1", datetime.date(2026, 1, 1), MARCH_END
    )
    assert [row[2:] for row in _rows(table)] == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-1", "invoice", "Invoice INV-1", D("100.00"), None, D("100.00")),
        ("CN-1", "credit note", "Credit note CN-1", None, D("20.00"), D("80.00")),
        ("R-1", "payment", "Wire", None, D("150.00"), D("-70.00")),
        ("R-1", "refund", "Refund of credit", D("70.00"), None, D("0.00")),
        ("", "", "Closing balance", None, None, D("0.00")),
    ]


def test_money_paid_back_out_of_an_invoice_is_a_refund_under_the_bank_line(books: Books) -> None:
    # The bank import posts a returned payment naming INV-1 to the receivable
    # (a debit with the bank line's reference). INV-1 100.00 is paid by BR-1
    # on Jan 10 (balance 0.00); BR-2 returns it on Feb 15, so INV-1 is owed
    # again: 100 - 100 + 100 = 100.00. The return is a refund under BR-2,
    # not an adjustment typed by hand under the invoice.
    returned = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "ACH INV-1" ^INV-1
  invoice: "INV-1"
  bank_reference: "BR-1"
  Assets:Bank:Operating  100.00 USD
  Assets:AccountsReceivable  -100.00 USD

2026-02-15 * "Acme" "ACH return INV-1" ^INV-1
  invoice: "INV-1"
  bank_reference: "BR-2"
  Assets:Bank:Operating  -100.00 USD
  Assets:AccountsReceivable  100.00 USD
"""
    table = receivables.customer_statement(
        _loaded(books, HEADER + returned), "CUS-1", datetime.date(2026, 1, 1), MARCH_END
    )
    assert [row[2:] for row in _rows(table)] == [
        ("", "", "Opening balance", None, None, D("0.00")),
        ("INV-1", "invoice", "Invoice INV-1", D("100.00"), None, D("100.00")),
        ("BR-1", "payment", "ACH INV-1", None, D("100.00"), D("0.00")),
        ("BR-2", "refund", "ACH return INV-1", D("100.00"), None, D("100.00")),
        ("", "", "Closing balance", None, None, D("100.00")),
    ]


def test_a_days_rows_follow_the_ledgers_order_not_the_documents_ids(books: Books) -> None:
    # On Mar 10 INV-9 (100.00) is written before CN-2 (-30.00, credits INV-9):
    # 100.00 then 70.00. By document id CN-2 would come first, at -30.00.
    same_day = """
2026-03-10 * "Acme" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-1"
  due: 2026-04-09
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-03-10 * "Acme" "Credit note CN-2" ^CN-2
  invoice: "CN-2"
  credits: "INV-9"
  customer: "CUS-1"
  Assets:AccountsReceivable  -30.00 USD
  Income:Revenue:Services  30.00 USD
"""
    table = receivables.customer_statement(
        _loaded(books, HEADER + same_day), "CUS-1", MARCH, MARCH_END
    )
    assert [(row[2], row[7]) for row in table.rows] == [
        ("", D("0.00")),
        ("INV-9", D("100.00")),
        ("CN-2", D("70.00")),
        ("", D("70.00")),
    ]


# The demo company's layout: billing and bank lines in files of their own,
# and "bank" sorts before "billing". On Mar 10 INV-1 (100.00) is billed in
# billing.beancount, then CN-2 (10.00, credits INV-1) below it; the bank's
# BR-1 (90.00, posted straight to INV-1) is in bank.beancount.
SAME_DAY_BILLING = """
2026-03-10 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-04-09
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-03-10 * "Acme" "Credit note CN-2" ^CN-2
  invoice: "CN-2"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 USD
  Income:Revenue:Services  10.00 USD
"""
SAME_DAY_BANK = """
2026-03-10 * "Acme" "Wire INV-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  90.00 USD
  Assets:AccountsReceivable  -90.00 USD
"""


def test_a_days_documents_come_before_what_pays_them_whatever_the_file(books: Books) -> None:
    loaded = reporting.loaded(
        books,
        HEADER + 'include "billing.beancount"\ninclude "bank.beancount"\n',
        {"ar.yaml": POLICY, "billing.beancount": SAME_DAY_BILLING, "bank.beancount": SAME_DAY_BANK},
    )
    # By hand: opening 0.00; the day's documents first, invoices then credit
    # notes: INV-1 0.00 + 100.00 = 100.00, CN-2 100.00 - 10.00 = 90.00; then
    # the rest by file and line: BR-1 90.00 - 90.00 = 0.00; closing 0.00. The
    # balance never reads as paid before billed. (By file and line alone,
    # bank.beancount before billing.beancount, BR-1 came first: 0.00 - 90.00
    # = -90.00; with only invoices first, BR-1 then CN-2 read 10.00, 0.00.)
    expected = [
        (MARCH, "USD", "", "", "Opening balance", None, None, D("0.00")),
        (datetime.date(2026, 3, 10), "USD", "INV-1", "invoice", "Invoice INV-1", D("100.00"),
         None, D("100.00")),
        (datetime.date(2026, 3, 10), "USD", "CN-2", "credit note", "Credit note CN-2", None,
         D("10.00"), D("90.00")),
        (datetime.date(2026, 3, 10), "USD", "BR-1", "payment", "Wire INV-1", None, D("90.00"),
         D("0.00")),
        (MARCH_END, "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    assert _rows(receivables.customer_statement(loaded, "CUS-1", MARCH, MARCH_END)) == expected
    # The close package's statements order a day's rows by the same rule.
    every = receivables.customer_statements(loaded, MARCH, MARCH_END)
    assert [tuple(row[2:]) for row in every.rows if row[0] == "CUS-1"] == expected


def _files(books: Books, files: dict[str, str]) -> LoadedBooks:
    """Loads HEADER including each file, in the demo's layout ("bank" sorts before "billing")."""
    includes = "".join(f'include "{name}"\n' for name in files)
    return reporting.loaded(books, HEADER + includes, {"ar.yaml": POLICY, **files})


# A credit note refunded the day it is issued, booked as the demo books it:
# the credit note in billing, the refund entry moving it to customer credits
# in refunds.beancount (names the customer), and the bank paying the credit
# out in bank.beancount (names no customer, as the bank importer writes it).
CREDIT_BILLING = """
2026-03-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-31
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-20 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD
"""
CREDIT_REFUNDS = """
2026-03-20 * "Acme" "Refund CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  200.00 USD
  Liabilities:CustomerCredits  -200.00 USD
"""
CREDIT_BANK = """
2026-03-02 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  1000.00 USD
  Liabilities:UnappliedCash  -1000.00 USD

2026-03-20 * "Acme" "REFUND CN-1 INV-1"
  bank_reference: "Assets:Bank:Operating/2026032000001"
  Assets:Bank:Operating  -200.00 USD
  Liabilities:CustomerCredits  200.00 USD
"""


def test_a_days_credit_note_comes_before_the_refund_of_its_credit_whatever_the_file(
    books: Books,
) -> None:
    loaded = _files(
        books,
        {
            "bank.beancount": CREDIT_BANK,
            "billing.beancount": CREDIT_BILLING,
            "refunds.beancount": CREDIT_REFUNDS,
        },
    )
    # By hand: opening 0.00; Mar 1 INV-1 0.00 + 1000.00 = 1000.00; Mar 2 R-1
    # 1000.00 - 1000.00 = 0.00. Mar 20: CN-1 puts a credit of 200.00 in, and
    # the bank pays that credit out; the refund entry moves CN-1 to customer
    # credits (+200.00 - 200.00 = 0.00 on the account: no row). The day's
    # credit note first, as a document: 0.00 - 200.00 = -200.00, then the
    # refund 200.00: -200.00 + 200.00 = 0.00. Closing 0.00 = receivable 0.00
    # - customer credits (200.00 - 200.00 = 0.00). (With only invoices first,
    # review rev41 found the refund first, bank.beancount sorting before
    # billing.beancount: 0.00 + 200.00 = 200.00, a refund owed before the
    # credit, then CN-1 200.00 - 200.00 = 0.00.)
    expected = [
        (MARCH, "USD", "", "", "Opening balance", None, None, D("0.00")),
        (MARCH, "USD", "INV-1", "invoice", "Invoice INV-1", D("1000.00"), None, D("1000.00")),
        (datetime.date(2026, 3, 2), "USD", "R-1", "payment", "Wire", None, D("1000.00"),
         D("0.00")),
        (datetime.date(2026, 3, 20), "USD", "CN-1", "credit note", "Credit note CN-1 for INV-1",
         None, D("200.00"), D("-200.00")),
        (datetime.date(2026, 3, 20), "USD", "Assets:Bank:Operating/2026032000001", "refund",
         "REFUND CN-1 INV-1", D("200.00"), None, D("0.00")),
        (MARCH_END, "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    assert _rows(receivables.customer_statement(loaded, "CUS-1", MARCH, MARCH_END)) == expected
    # The close package's statements order a day by the same rule.
    every = receivables.customer_statements(loaded, MARCH, MARCH_END)
    assert [tuple(row[2:]) for row in every.rows if row[0] == "CUS-1"] == expected


# PIN (review rev41, changed by rev43): a chargeback reopens a paid invoice
# on the day the customer pays it again; the bank's file lists the new wire
# first. Neither is a document, so the statement reads the day as the plugin
# reads a day's postings (`plugins.receivables.day_key`, one home): the
# debit (the chargeback, a refund charged) before the credit (the new wire),
# in whichever order the bank's file lists them. (Rev41 kept the bank's
# order, the wire first: the statement then depended on the file.)
CHARGEBACK_BILLING = """
2026-03-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD
"""
CHARGEBACK_BANK = """
2026-03-05 * "Acme" "Wire 1"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-03-20 * "Acme" "Wire 2"
  receipt: "R-2"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-03-20 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -100.00 USD
  Liabilities:UnappliedCash  100.00 USD
"""


def _chargeback_typed_first(bank: str) -> str:
    """The bank's file with the day's chargeback typed above the day's new wire."""
    head, wire, chargeback = bank.split("\n\n")
    return "\n\n".join([head, chargeback.strip("\n"), wire]) + "\n"


@pytest.mark.parametrize("bank", [CHARGEBACK_BANK, _chargeback_typed_first(CHARGEBACK_BANK)])
def test_pin_a_chargeback_reads_before_the_days_new_payment_in_either_order(
    books: Books, bank: str
) -> None:
    loaded = _files(books, {"bank.beancount": bank, "billing.beancount": CHARGEBACK_BILLING})
    # By hand: INV-1 0.00 + 100.00 = 100.00; Mar 5 R-1 100.00 - 100.00 =
    # 0.00; Mar 20, the debit first: the chargeback of R-1 (a refund
    # charged; the generated take-back reopening INV-1 nets to nothing on
    # the account) 0.00 + 100.00 = 100.00, then R-2 100.00 - 100.00 = 0.00.
    rows = _rows(receivables.customer_statement(loaded, "CUS-1", MARCH, MARCH_END))
    assert [(row[2], row[3], row[7]) for row in rows if row[0] == datetime.date(2026, 3, 20)] == [
        ("R-1", "refund", D("100.00")),
        ("R-2", "payment", D("0.00")),
    ]


def test_a_credit_note_left_open_has_no_due_date_in_the_open_listing(books: Books) -> None:
    # INV-1 is paid straight to the receivable before CN-1 credits it, so CN-1
    # (-20.00) stays open. At Apr 30 it is 105 days old, but it is owed to the
    # customer: no due date, not past due. INV-2, due May 30, is not yet due.
    left_open = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-10 * "Acme" "WIRE INV-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  100.00 USD
  Assets:AccountsReceivable  -100.00 USD

2026-01-15 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-04-30 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-05-30
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD
"""
    table = receivables.open_invoices(
        _loaded(books, HEADER + left_open), datetime.date(2026, 4, 30)
    )
    # Neither is paid or credited: billed, paid 0.00, credited 0.00, open.
    assert [row[:10] for row in table.rows] == [
        ["CN-1", "CUS-1", datetime.date(2026, 1, 15), None, None, "USD", D("-20.00"),
         D("0.00"), D("0.00"), D("-20.00")],
        ["INV-2", "CUS-1", datetime.date(2026, 4, 30), datetime.date(2026, 5, 30), 0, "USD",
         D("10.00"), D("0.00"), D("0.00"), D("10.00")],
    ]  # fmt: skip


@pytest.mark.parametrize(
    "ledger",
    [
        HEADER + PAID_IN_ANOTHER_CURRENCY,
        HEADER + HELD_THEN_APPLIED,
        HEADER + SHORT_IN_ANOTHER_CURRENCY_OR_BY_ANOTHER_PAYER,
        HEADER + TWO_RECEIPTS_ONE_ENTRY,
        HEADER + APPLIED_AT_ITS_OWN_RATE,
        HEADER + SHORT_AT_ITS_OWN_RATE,
    ],
)
def test_statements_of_every_customer_add_up_to_what_is_owed(books: Books, ledger: str) -> None:
    # Each day's closing balances, per currency, are the receivable less
    # unapplied cash and customer credits on that day, folding or not.
    books_ = _loaded(books, ledger)
    for day in (datetime.date(2026, 1, 31), datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)):
        checks = receivables.statements_tie(
            receivables.customer_statements(books_, datetime.date(2025, 12, 1), day),
            receivables.aging(books_, day),
            receivables.unapplied_cash(books_, day),
            receivables.customer_credits(books_, day),
        )
        assert [check.result for check in checks] and all(
            check.result == "pass" for check in checks
        ), [check.figure for check in checks]


def _straight(reference: str, amount: str) -> str:
    """A bank line of Jan 10 posted straight to INV-1, as the bank import writes one."""
    return f"""
2026-01-10 * "Acme" "Wire {reference}" ^INV-1
  bank_reference: "{reference}"
  invoice: "INV-1"
  Assets:Bank:Operating  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


@pytest.mark.parametrize("first", ["BR-1", "BR-2"])
def test_a_days_receipts_show_in_the_order_the_books_read_them_in_any_files(
    books: Books, first: str
) -> None:
    # README's example of `day_order`: INV-1 40.00 (Jan 5), BR-1 30.00 and
    # BR-2 70.00 posted straight to it on Jan 10, each in its own bank file,
    # either in the file that sorts first. The books read BR-1 first: 40.00
    # - 30.00 = 10.00 open, then BR-2 10.00 - 70.00 = -60.00, and 60.00 is
    # moved to credits at BR-2. The statement reads the day the same way
    # (`plugins.receivables.day_key`): INV-1 40.00, BR-1 (10.00), BR-2
    # (-60.00). (Before, with BR-2 in the first file the statement listed
    # BR-2 first, 40.00 - 70.00 = -30.00, then BR-1 at -60.00: BR-1 looked
    # the over payment while the books moved BR-2's excess.)
    second = "BR-2" if first == "BR-1" else "BR-1"
    amounts = {"BR-1": "30.00", "BR-2": "70.00"}
    billing = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-05
  Assets:AccountsReceivable  40.00 USD
  Income:Revenue:Services  -40.00 USD
"""
    files = {
        "bank-a.beancount": _straight(first, amounts[first]),
        "bank-b.beancount": _straight(second, amounts[second]),
        "billing.beancount": billing,
    }
    loaded = _files(books, files)
    january = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    rows = _rows(receivables.customer_statement(loaded, "CUS-1", *january))
    assert [(row[2], row[7]) for row in rows] == [
        ("", D("0.00")),  # opening
        ("INV-1", D("40.00")),
        ("BR-1", D("10.00")),  # 40.00 - 30.00
        ("BR-2", D("-60.00")),  # 10.00 - 70.00
        ("", D("-60.00")),  # closing
    ]


# A credit note typed with neither `credits` nor `due`: the books know it
# for a credit note only as its item's first posting that is not cash
# (`plugins.receivables.document_of`), not by what it is written as
# (`plugins.receivables.day_key`, which reads it as any credit typed by
# hand). The bank pays its credit out the same day by a cheque under its
# own reference, in bank.beancount, which sorts before billing.beancount.
UNMARKED_NOTE_BILLING = """
2026-03-10 * "Acme" "Credit note CN-7" ^CN-7
  invoice: "CN-7"
  customer: "CUS-1"
  Assets:AccountsReceivable  -30.00 USD
  Income:Revenue:Services  30.00 USD
"""
UNMARKED_NOTE_BANK = """
2026-03-10 * "Acme" "Cheque CN-7" ^CN-7
  bank_reference: "BR-7"
  invoice: "CN-7"
  customer: "CUS-1"
  Assets:Bank:Operating  -30.00 USD
  Assets:AccountsReceivable  30.00 USD
"""


def test_a_days_credit_note_known_only_as_its_item_s_document_comes_before_its_refund(
    books: Books,
) -> None:
    loaded = _files(
        books, {"bank.beancount": UNMARKED_NOTE_BANK, "billing.beancount": UNMARKED_NOTE_BILLING}
    )
    # By hand: opening 0.00; Mar 10 the day's documents first (`_DOCUMENTS`):
    # CN-7 0.00 - 30.00 = -30.00, then the cheque BR-7 paying its credit out
    # -30.00 + 30.00 = 0.00; closing 0.00. (Read by `day_key` alone, the
    # cheque, a debit, comes before the credit note, a credit: 0.00 + 30.00
    # = 30.00, a refund owed before the credit, then 30.00 - 30.00 = 0.00.)
    expected = [
        (MARCH, "USD", "", "", "Opening balance", None, None, D("0.00")),
        (datetime.date(2026, 3, 10), "USD", "CN-7", "credit note", "Credit note CN-7", None,
         D("30.00"), D("-30.00")),
        (datetime.date(2026, 3, 10), "USD", "BR-7", "refund", "Cheque CN-7", D("30.00"), None,
         D("0.00")),
        (MARCH_END, "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip
    assert _rows(receivables.customer_statement(loaded, "CUS-1", MARCH, MARCH_END)) == expected
    every = receivables.customer_statements(loaded, MARCH, MARCH_END)
    assert [tuple(row[2:]) for row in every.rows if row[0] == "CUS-1"] == expected
