"""The customer credits schedule: what the credits account holds for each customer, tied to the GL.

An over payment beyond the tolerance is parked in customer credits by its
cash application; a credit note on a paid invoice is moved there by its
refund entry and paid out by the bank, which names no customer. The schedule
gives each posting the customer the statement gives it, puts those that
belong to no customer on an "(unassigned)" row, and ties its total per
currency to the credits account's balance; a negative row is an overdrawn
credit and fails its control.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.amount import Amount
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import books as books_module
from reports import cli, package, receivables
from reports.flux import Thresholds
from reports.table import Table
from tests import reporting
from tests.conftest import Books
from tests.test_statement_credits import HEADER, POLICY, loaded

D = Decimal
MARCH_END = datetime.date(2026, 3, 31)
APRIL_END = datetime.date(2026, 4, 30)

# CUS-A (payee Acme) pays INV-A1 1,000.00 with 1,250.00: the plugin parks the
# 250.00 beyond the tolerance in customer credits, and applies it to INV-A2
# (200.00) when INV-A2 is billed in April. CUS-B (payee Beta) pays INV-B1
# 600.00 in full; CN-B1 credits it 400.00 after it is paid, the refund entry
# moves the 400.00 to customer credits (it names CUS-B) and the bank pays
# 100.00 of it back (it names no customer; its payee is CUS-B's only).
CREDITS = (
    HEADER
    + """
2026-03-01 * "Acme" "Invoice INV-A1" ^INV-A1
  invoice: "INV-A1"
  customer: "CUS-A"
  due: 2026-03-31
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-03-02 * "Beta" "Invoice INV-B1" ^INV-B1
  invoice: "INV-B1"
  customer: "CUS-B"
  due: 2026-04-01
  Assets:AccountsReceivable  600.00 USD
  Income:Revenue:Services  -600.00 USD

2026-03-03 * "Beta" "Wire INV-B1"
  receipt: "R-B1"
  invoice: "INV-B1"
  customer: "CUS-B"
  Assets:Bank:Operating  600.00 USD
  Liabilities:UnappliedCash  -600.00 USD

2026-03-05 * "Acme" "Wire INV-A1"
  receipt: "R-A1"
  invoice: "INV-A1"
  customer: "CUS-A"
  Assets:Bank:Operating  1250.00 USD
  Liabilities:UnappliedCash  -1250.00 USD

2026-03-10 * "Beta" "Credit note CN-B1 for INV-B1" ^CN-B1 ^INV-B1
  invoice: "CN-B1"
  credits: "INV-B1"
  customer: "CUS-B"
  Assets:AccountsReceivable  -400.00 USD
  Income:Revenue:Services  400.00 USD

2026-03-12 * "Beta" "Refund CN-B1" ^CN-B1 ^INV-B1
  invoice: "CN-B1"
  customer: "CUS-B"
  Assets:AccountsReceivable  400.00 USD
  Liabilities:CustomerCredits  -400.00 USD

2026-03-20 * "Beta" "REFUND CN-B1 PART"
  bank_reference: "Assets:Bank:Operating/2026032000001"
  Assets:Bank:Operating  -100.00 USD
  Liabilities:CustomerCredits  100.00 USD

2026-04-10 * "Acme" "Invoice INV-A2" ^INV-A2
  invoice: "INV-A2"
  customer: "CUS-A"
  due: 2026-05-10
  Assets:AccountsReceivable  200.00 USD
  Income:Revenue:Services  -200.00 USD
"""
)

# A deposit parked in customer credits by hand, naming no customer, no
# receipt, and a payee on no invoice: nobody's credit.
UNKNOWN = """
2026-03-25 * "Lockbox" "Deposit, remitter unknown"
  Assets:Bank:Operating  75.00 USD
  Liabilities:CustomerCredits  -75.00 USD
"""


def _rows(table: Table) -> list[tuple[str, str, str, Decimal | None, Decimal | None]]:
    """Returns (customer, name, currency, credit, difference) of each row."""
    index = list(table.columns).index
    return [
        (row[0], row[index("name")], row[index("currency")], row[index("credit")],
         row[index("difference")])
        for row in table.rows
    ]  # fmt: skip


def test_credits_are_held_per_customer_and_tie_to_the_general_ledger(books: Books) -> None:
    # At Mar 31: CUS-A 1,250.00 - 1,000.00 = 250.00; CUS-B 400.00 - 100.00 =
    # 300.00; total 550.00. The credits account: -250.00 (over payment)
    # - 400.00 (refund entry) + 100.00 (bank) = -550.00, owed to customers
    # 550.00. At Apr 30 the credit pays INV-A2: CUS-A 250.00 - 200.00 = 50.00,
    # total 50.00 + 300.00 = 350.00 = -(-550.00 + 200.00).
    credits = loaded(books, CREDITS)
    march = receivables.customer_credits(credits, MARCH_END)
    assert list(march.columns) == [
        "customer", "name", "currency", "credit", "gl_balance", "difference",
    ]  # fmt: skip
    assert _rows(march) == [
        ("CUS-A", "Acme", "USD", D("250.00"), None),
        ("CUS-B", "Beta", "USD", D("300.00"), None),
        ("Total", "", "USD", D("550.00"), D("0.00")),
    ]
    assert march.rows[-1][4] == D("550.00")
    april = receivables.customer_credits(credits, APRIL_END)
    assert _rows(april) == [
        ("CUS-A", "Acme", "USD", D("50.00"), None),
        ("CUS-B", "Beta", "USD", D("300.00"), None),
        ("Total", "", "USD", D("350.00"), D("0.00")),
    ]
    assert [(c.name, c.result, c.figure) for c in receivables.customer_credits_ties(april)] == [
        (
            "Customer credits schedule ties to the general ledger, USD",
            "pass",
            "customer credits 350.00, general ledger 350.00, difference 0.00",
        ),
        ("No customer credit is overdrawn, USD", "pass", "no customer credit below zero"),
    ]


def test_each_customers_credit_is_what_their_statement_counts_in_credits(books: Books) -> None:
    # CUS-B's statement in March: +600.00 (INV-B1), -600.00 (R-B1), -400.00
    # (CN-B1), +100.00 (the bank's refund) -> -300.00: the receivable is 0.00
    # (INV-B1 paid, CN-B1 moved out by the refund), so the -300.00 is the
    # credit the schedule holds for CUS-B, with the sign of what is owed.
    credits = loaded(books, CREDITS)
    statement = receivables.customer_statement(
        credits, "CUS-B", datetime.date(2026, 3, 1), MARCH_END
    )
    assert statement.rows[-1][2:] == ["", "", "Closing balance", None, None, D("-300.00")]
    held = receivables.customer_credits(credits, MARCH_END)
    assert [row[3] for row in held.rows if row[0] == "CUS-B"] == [D("300.00")]


def test_a_posting_that_names_no_customer_is_unassigned_and_the_total_ties(books: Books) -> None:
    # The deposit's 75.00 is nobody's: its own row. Total 250.00 + 300.00 +
    # 75.00 = 625.00; the account: -550.00 - 75.00 = -625.00.
    table = receivables.customer_credits(loaded(books, CREDITS + UNKNOWN), MARCH_END)
    assert _rows(table) == [
        ("(unassigned)", "", "USD", D("75.00"), None),
        ("CUS-A", "Acme", "USD", D("250.00"), None),
        ("CUS-B", "Beta", "USD", D("300.00"), None),
        ("Total", "", "USD", D("625.00"), D("0.00")),
    ]
    assert [c.result for c in receivables.customer_credits_ties(table)] == ["pass", "pass"]


# The bank pays CUS-B 350.00 more on Mar 25 (payee Beta, CUS-B's only) than
# the 300.00 it holds, and 20.00 to a payee on no invoice: both overdraw.
OVERDRAWN = """
2026-03-25 * "Beta" "REFUND CN-B1 AGAIN"
  bank_reference: "Assets:Bank:Operating/2026032500001"
  Assets:Bank:Operating  -350.00 USD
  Liabilities:CustomerCredits  350.00 USD

2026-03-26 * "Lockbox" "REFUND, PAYEE UNKNOWN"
  bank_reference: "Assets:Bank:Operating/2026032600001"
  Assets:Bank:Operating  -20.00 USD
  Liabilities:CustomerCredits  20.00 USD
"""


def test_an_overdrawn_credit_fails_the_control_and_the_tie_still_holds(books: Books) -> None:
    # CUS-B: 300.00 - 350.00 = -50.00; nobody's: -20.00; CUS-A 250.00.
    # Total 250.00 - 50.00 - 20.00 = 180.00; the account: -550.00 + 350.00
    # + 20.00 = -180.00, owed 180.00: the schedule ties, but the account
    # paid out 50.00 more than it held for CUS-B and 20.00 it held for nobody.
    table = receivables.customer_credits(loaded(books, CREDITS + OVERDRAWN), MARCH_END)
    assert _rows(table) == [
        ("(unassigned)", "", "USD", D("-20.00"), None),
        ("CUS-A", "Acme", "USD", D("250.00"), None),
        ("CUS-B", "Beta", "USD", D("-50.00"), None),
        ("Total", "", "USD", D("180.00"), D("0.00")),
    ]
    found = receivables.customer_credits_ties(table)
    assert [(c.name, c.result, c.figure) for c in found] == [
        (
            "Customer credits schedule ties to the general ledger, USD",
            "pass",
            "customer credits 180.00, general ledger 180.00, difference 0.00",
        ),
        (
            "No customer credit is overdrawn, USD",
            "FAIL",
            "overdrawn: (unassigned) -20.00, CUS-B -50.00",
        ),
    ]
    assert receivables.breaks(table) == [
        "No customer credit is overdrawn, USD: overdrawn: (unassigned) -20.00, CUS-B -50.00"
    ]


def test_books_without_customer_credits_have_an_empty_schedule(books: Books) -> None:
    table = receivables.customer_credits(loaded(books, HEADER), MARCH_END)
    assert table.rows == []
    assert receivables.customer_credits_ties(table) == []


def test_close_package_writes_the_credits_and_checks_their_tie(books: Books) -> None:
    credits = loaded(books, CREDITS + UNKNOWN)
    built = package.build(credits, datetime.date(2026, 3, 1), Thresholds())
    assert built.table("customer_credits.csv").rows[-1] == [
        "Total", "", "USD", D("625.00"), D("625.00"), D("0.00"),
    ]  # fmt: skip
    assert [(c.name, c.result) for c in built.checks if "ustomer credit" in c.name] == [
        ("Customer credits schedule ties to the general ledger, USD", "pass"),
        ("No customer credit is overdrawn, USD", "pass"),
    ]


def test_command_line_writes_the_credits_as_csv(books: Books, tmp_path: Path) -> None:
    path = reporting.written(books, CREDITS, {"ar.yaml": POLICY})
    out = tmp_path / "credits.csv"
    code = cli.main(["ar", str(path), "credits", "--as-of", "2026-03-31", "--csv", str(out)])
    assert code == 0
    assert out.read_text().splitlines() == [
        "customer,name,currency,credit,gl_balance,difference",
        "CUS-A,Acme,USD,250.00,,",
        "CUS-B,Beta,USD,300.00,,",
        "Total,,USD,550.00,550.00,0.00",
    ]


@pytest.fixture(scope="module")
def march_books(tmp_path_factory: pytest.TempPathFactory) -> books_module.Books:
    return loaded(Books(tmp_path_factory.mktemp("credits")), CREDITS)


# A typed posting to customer credits: its day in March or April, the
# customer it names (or none), its payee, and its amount in cents (negative:
# credited to the customer), in USD or EUR.
_postings = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.sampled_from([None, "CUS-A", "CUS-B", "CUS-C"]),
        st.sampled_from(["Acme", "Beta", "Lockbox"]),
        st.integers(-(10**6), 10**6),
        st.sampled_from(["USD", "EUR"]),
    ),
    max_size=8,
)


def _typed(day: int, customer: str | None, payee: str, cents: int, code: str) -> data.Transaction:
    number = Decimal(cents).scaleb(-2)
    named = {"customer": customer} if customer else {}
    return data.Transaction(
        data.new_metadata("typed.beancount", day + 1, named),
        datetime.date(2026, 3, 1) + datetime.timedelta(days=day),
        "*", payee, "Typed customer credit", frozenset(), frozenset(),
        [_posting("Liabilities:CustomerCredits", number, code),
         _posting("Assets:Bank:Operating", -number, code)],
    )  # fmt: skip


def _posting(account: str, number: Decimal, code: str) -> data.Posting:
    return data.Posting(account, Amount(number, code), None, None, None, None)


@settings(max_examples=50, deadline=None)
@given(_postings)
def test_rows_add_up_to_the_total_and_the_total_is_the_accounts_balance(
    march_books: books_module.Books, postings: list[tuple[int, str | None, str, int, str]]
) -> None:
    # Whatever is typed into the account, and whoever it names: the rows add
    # up to the total row, which is 550.00 USD (the worked example above) less
    # what the typed postings dated by Mar 31 add to the account.
    typed = [_typed(*each) for each in postings]
    table = receivables.customer_credits(
        replace(march_books, entries=[*march_books.entries, *typed]), MARCH_END
    )
    expected: dict[str, Decimal] = defaultdict(Decimal, {"USD": D("550.00")})
    for entry in typed:
        if entry.date <= MARCH_END:
            units = entry.postings[0].units
            assert units is not None and units.number is not None
            expected[units.currency] -= units.number
    rows: dict[str, Decimal] = defaultdict(Decimal)
    totals = {}
    for customer, _, code, credit, difference in _rows(table):
        if customer == "Total":
            totals[code] = (credit, difference)
        else:
            assert credit is not None
            rows[code] += credit
    assert totals == {code: (number, D("0.00")) for code, number in expected.items()}
    assert {code: rows[code] for code in totals} == {code: totals[code][0] for code in totals}
