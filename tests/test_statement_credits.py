"""Customer statements: a customer credit's refund is on the statement of the customer it pays.

A refund paid out of customer credits by the bank names no customer (the
bank importer writes the payee and the text it was given), and a refund of
an over payment may name only its receipt. The statement finds their
customer as the plugin finds a receipt's: its `customer`, else the receipt
it names, else the one customer whose invoices carry its payee. Each
statement then ends at what the customer owes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reports import books as books_module
from reports import receivables
from reports.table import Table
from tests import reporting
from tests.conftest import Books

D = Decimal
POLICY = "tolerance: {USD: 1.00}\n"
HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash
2025-01-01 open Liabilities:CustomerCredits
"""

# A credit note on an invoice already paid is refunded, as the demo books do
# it (ledger/refunds.beancount and the bank import): the refund entry moves
# the credit note from the receivable to customer credits (it names the
# customer), and the bank line pays the customer credit out (it names no
# customer, as the bank importer writes it).
REFUNDED = (
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

2026-03-10 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -200.00 USD
  Income:Revenue:Services  200.00 USD

2026-03-15 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-04-14
  Assets:AccountsReceivable  300.00 USD
  Income:Revenue:Services  -300.00 USD

2026-03-20 * "Acme" "Refund CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  200.00 USD
  Liabilities:CustomerCredits  -200.00 USD

2026-03-20 * "Acme" "REFUND CN-1 INV-1"
  bank_reference: "Assets:Bank:Operating/2026032000001"
  Assets:Bank:Operating  -200.00 USD
  Liabilities:CustomerCredits  200.00 USD
"""
)

# A credit note refunded the day it is issued: the refund's debit to the
# receivable is dated the same day as the credit note's credit. In full
# (SAME_DAY_REFUND), or in part (SAME_DAY_PART_REFUND).


MARCH_END = datetime.date(2026, 3, 31)


def loaded(books: Books, ledger: str) -> books_module.Books:
    return reporting.loaded(books, ledger, {"ar.yaml": POLICY})


def _closing(table: Table) -> dict[str, Decimal]:
    index = list(table.columns).index
    return {
        row[index("currency")]: row[index("balance")]
        for row in table.rows
        if row[index("description")] == "Closing balance"
    }


def test_statement_counts_the_bank_refund_of_a_customer_credit(books: Books) -> None:
    # CUS-1: INV-1 1,000.00 paid in full by R-1 (1,000.00); CN-1 -200.00 stays
    # open (its invoice is paid); the refund entry moves it to customer credits
    # (nets to nothing for the customer); the bank pays the 200.00 back; INV-2
    # 300.00 is open. Owed at Mar 31: receivable 300.00 (INV-2) - unapplied 0
    # - customer credits 0 (-200 + 200) = 300.00. Rows: +1,000, -1,000, -200,
    # +300, +200 (refund paid) -> 300.00.
    refunded = loaded(books, REFUNDED)
    table = receivables.customer_statement(refunded, "CUS-1", datetime.date(2026, 3, 1), MARCH_END)
    assert _closing(table) == {"USD": D("300.00")}
    # The statement ends at what the aging says the customer owes.
    aging = receivables.aging(refunded, MARCH_END)
    assert [row[8] for row in aging.rows if row[0] == "CUS-1"] == [D("300.00")]


OVER_PAYMENT_REFUNDED = (
    HEADER
    + """
2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-03 * "Acme" "Wire INV-1"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  150.00 USD
  Liabilities:UnappliedCash  -150.00 USD

2026-02-10 * "Acme" "Refund of over payment" ^R-1
  Assets:Bank:Operating  -50.00 USD
  Liabilities:CustomerCredits  50.00 USD
"""
)


def test_statement_counts_the_refund_of_an_over_payment_naming_its_receipt(books: Books) -> None:
    # README: "A typed debit to customer credits that names the receipt
    # (receipt metadata or its link: a refund of the over payment ...)". R-1
    # pays INV-1 (100.00) and parks 50.00 in customer credits; the refund
    # (linked ^R-1) pays the 50.00 back. Owed at Feb 28: receivable 0.00,
    # unapplied cash 0.00, customer credits 0.00 (-50 + 50) -> 0.00. Rows:
    # +100.00, -150.00, +50.00 -> 0.00.
    table = receivables.customer_statement(
        loaded(books, OVER_PAYMENT_REFUNDED),
        "CUS-1",
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 28),
    )
    assert _closing(table) == {"USD": D("0.00")}


DEMO = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


@pytest.fixture(scope="module")
def demo() -> books_module.Books:
    return books_module.load(str(DEMO))


def test_demo_statement_of_a_refunded_customer_ends_at_its_open_balance(
    demo: books_module.Books,
) -> None:
    # CUS-0149 (Slate Legal SAS), Jan 1 to Feb 14, 2026, from the entries:
    # receivable open items of CUS-0149 at Dec 31, 2025: 16,312.03; INV-2026-
    # 000020 +5,136.19 (Jan 1); CN-2026-000001 -97,972.60 (Jan 20, its invoice
    # INV-2024-000031 was paid in Feb 2025); refund entry Feb 2 moves the
    # credit note to customer credits and the bank pays 97,972.60 out the same
    # day (bank/us/2026-02.beancount:18, no `customer`); INV-2026-000073
    # +5,052.61 (Feb 1). Closing: 16,312.03 + 5,136.19 - 97,972.60 + 97,972.60
    # + 5,052.61 = 26,500.83 = the receivable's open items of CUS-0149 at Feb 14
    # (customer credits and unapplied cash are 0 in the general ledger that day).
    table = receivables.customer_statement(
        demo, "CUS-0149", datetime.date(2026, 1, 1), datetime.date(2026, 2, 14)
    )
    assert _closing(table) == {"USD": D("26500.83")}


@pytest.mark.parametrize(
    ("customer", "currency", "owed"),
    [
        # The receivable's open items at Oct 31, 2026; every refund was paid out
        # (customer credits are 0 in the general ledger), nothing is unapplied.
        ("CUS-0025", "USD", D("0.00")),
        ("CUS-0112", "EUR", D("0.00")),
        ("CUS-0149", "USD", D("21364.64")),
    ],
)
def test_demo_statements_end_at_the_open_balance_on_the_last_day(
    demo: books_module.Books, customer: str, currency: str, owed: Decimal
) -> None:
    table = receivables.customer_statement(
        demo, customer, datetime.date(2024, 11, 1), datetime.date(2026, 10, 31)
    )
    assert _closing(table).get(currency, D("0.00")) == owed
