"""AR reconciliation keeps running balances: what is open, read without adding postings up again.

The plugin posts what it generates into the receivables subledger and the
receipts in place (`Subledger.post`, `Receipts.post`). These tests hold the
running balances to the postings themselves: after a reconciliation, what the
subledger and the receipts say is open on any day is what a fresh read of
the loaded books says.
"""

from __future__ import annotations

import datetime

from beancount import loader
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_policy, ar_reconciliation, cash_application, receipts, receivables
from plugins.currency import Precision

AR = "Assets:AccountsReceivable"
UNAPPLIED = "Liabilities:UnappliedCash"
HEADER = """
option "operating_currency" "USD"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open Expenses:PaymentDifferences
"""
START = datetime.date(2026, 1, 1)


def invoice(name: str, day: datetime.date, cents: int, customer: str, currency: str = "USD") -> str:
    amount = f"{cents / 100:.2f} {currency}"
    return f"""
{day} * "Acme" "Invoice {name}" ^{name}
  invoice: "{name}"
  customer: "{customer}"
  due: {day}
  Assets:AccountsReceivable  {amount}
  Income:Revenue:Services  -{amount}
"""


def credit_note(name: str, day: datetime.date, cents: int, credits: str, customer: str) -> str:
    amount = f"{cents / 100:.2f} USD"
    return f"""
{day} * "Acme" "Credit note {name}" ^{name}
  invoice: "{name}"
  credits: "{credits}"
  customer: "{customer}"
  Assets:AccountsReceivable  -{amount}
  Income:Revenue:Services  {amount}
"""


def receipt(name: str, day: datetime.date, cents: int, customer: str, named: str = "") -> str:
    amount = f"{cents / 100:.2f} USD"
    extra = f'\n  invoice: "{named}"' if named else ""
    return f"""
{day} * "Acme" "Wire"
  receipt: "{name}"
  customer: "{customer}"{extra}
  Assets:Bank:Operating  {amount}
  Liabilities:UnappliedCash  -{amount}
"""


def reconciled(text: str) -> tuple[receivables.Subledger, receipts.Receipts, list[data.Directive]]:
    """The subledger and receipts the plugin posted into, and the books it made."""
    entries, errors, options = loader.load_string(text)
    assert errors == []
    policy, policy_errors = ar_policy.load(None, options)
    assert policy_errors == []
    books = ar_reconciliation.Books.of(entries, policy, "")
    made, _, subledger = ar_reconciliation.reconcile(books, policy)
    assert subledger is books.typed  # posted in place
    return subledger, books.receipts, [*entries, *made]


def days_of(entries: list[data.Directive]) -> list[datetime.date]:
    found = {entry.date for entry in entries}
    return sorted(found | {min(found) - datetime.timedelta(days=1)})


def assert_running_balances_hold(text: str) -> None:
    subledger, cash, books = reconciled(text)
    read, _ = receivables.read(books, AR, Precision())
    read_cash, _ = receipts.read(books, UNAPPLIED, Precision(), read, "")
    assert subledger.open == {key: item.balance() for key, item in read.items.items()}
    for day in days_of(books):
        for key, item in subledger.items.items():
            assert subledger.balance(item, day) == read.items[key].balance(day)
        for key in cash.by_id:
            walked = cash.by_id[key].amount - sum(
                use.units for use in read_cash.uses.get(key, []) if use.date <= day
            )
            assert cash.unapplied(key, day) == walked
    for key in cash.by_id:
        assert cash.unapplied(key) == read_cash.unapplied(key)


def test_the_reader_collects_the_items_later_rules_look_at() -> None:
    day = START + datetime.timedelta(days=5)
    text = (
        HEADER
        + invoice("INV-1", day, 10000, "CUS-1")
        + invoice("INV-2", day, 5000, "CUS-2", currency="EUR")
        + credit_note("CN-1", day, 2000, "INV-1", "CUS-1")
        + f"""
{day} * "Acme" "Wire" ^INV-2
  receipt: "BR-1"
  Assets:Bank:Operating  49.99 EUR
  Assets:AccountsReceivable  -49.99 EUR
"""
    )
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    assert subledger.open == {"INV-1": 10000, "INV-2": 1, "CN-1": -2000}
    assert subledger.notes == ["CN-1"]
    assert subledger.several == ["INV-2"]
    assert subledger.by_currency == {"USD": ["INV-1", "CN-1"], "EUR": ["INV-2"]}
    assert subledger.by_customer == {"CUS-1": ["INV-1", "CN-1"], "CUS-2": ["INV-2"]}
    assert [item.id for item in subledger.foreign("USD")] == ["INV-2"]


def test_the_reader_indexes_the_items_that_are_not_invoices() -> None:
    # INV-1 bills 100.00; CN-1 credits 20.00 (a credit note); ZERO-1's document posts 0.00
    # and a later debit 30.00: open 30.00, but neither an invoice nor a credit note.
    day = START + datetime.timedelta(days=5)
    text = (
        HEADER
        + invoice("INV-1", day, 10000, "CUS-1")
        + credit_note("CN-1", day, 2000, "INV-1", "CUS-1")
        + invoice("ZERO-1", day, 0, "CUS-1")
        + f"""
{day + datetime.timedelta(days=1)} * "Acme" "Fee" ^ZERO-1
  Assets:AccountsReceivable  30.00 USD
  Income:Revenue:Services  -30.00 USD
"""
    )
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    assert subledger.open == {"INV-1": 10000, "CN-1": -2000, "ZERO-1": 3000}
    assert [subledger.items[name].is_invoice for name in subledger.open] == [True, False, False]
    assert (subledger.notes, subledger.others) == (["CN-1"], ["CN-1", "ZERO-1"])
    # What cash application may pay: the invoices open, the others left out by the index.
    assert cash_application.open_amounts(subledger) == {"INV-1": 10000}
    assert cash_application.open_amounts(subledger, ["CUS-1"]) == {"INV-1": 10000}


def test_posting_keeps_each_item_in_order_and_its_balance_running() -> None:
    # R-1 is dated before INV-2, so its application is dated at the invoice
    # and lands after INV-1's later receipt: posted out of date order.
    jan = START + datetime.timedelta(days=9)
    text = (
        HEADER
        + invoice("INV-1", jan, 10000, "CUS-1")
        + credit_note("CN-1", jan + datetime.timedelta(days=3), 2500, "INV-1", "CUS-1")
        + receipt("R-1", jan + datetime.timedelta(days=1), 3000, "CUS-1", named="INV-2")
        + invoice("INV-2", jan + datetime.timedelta(days=20), 3000, "CUS-1")
        + receipt("R-2", jan + datetime.timedelta(days=40), 7500, "CUS-1")
        + receipt("R-3", jan + datetime.timedelta(days=50), 999, "CUS-2")
    )
    subledger, cash, _ = reconciled(text)
    assert subledger.open == {"INV-1": 0, "CN-1": 0, "INV-2": 0}
    assert cash.unapplied("R-1") == 0
    assert cash.unapplied("R-1", jan + datetime.timedelta(days=19)) == 3000
    assert cash.unapplied("R-3") == 999
    assert_running_balances_hold(text)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 60), st.integers(1, 300)), min_size=1),
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 60), st.integers(1, 300), st.booleans())),
)
def test_running_balances_equal_the_postings_on_every_day(
    billed: list[tuple[int, int, int]], paid: list[tuple[int, int, int, bool]]
) -> None:
    text = HEADER
    for index, (customer, offset, dollars) in enumerate(billed, 1):
        day = START + datetime.timedelta(days=offset)
        text += invoice(f"INV-{index}", day, dollars * 100, f"CUS-{customer}")
        if index % 3 == 0:
            text += credit_note(f"CN-{index}", day, dollars * 30, f"INV-{index}", f"CUS-{customer}")
    for index, (customer, offset, dollars, named) in enumerate(paid, 1):
        day = START + datetime.timedelta(days=offset)
        invoice_named = f"INV-{index % len(billed) + 1}" if named else ""
        text += receipt(f"R-{index}", day, dollars * 100, f"CUS-{customer}", invoice_named)
    assert_running_balances_hold(text)


def _first_open_day(
    item: receivables.Item, start: datetime.date, less: int
) -> tuple[datetime.date, int] | None:
    """`Subledger.open_from` the long way: every day's balance from `start` to the last posting."""
    sign = 1 if item.is_invoice else -1
    last = max(start, item.movements[-1].date)
    days = [start + datetime.timedelta(days=n) for n in range((last - start).days + 1)]
    ends = [sign * item.balance(day) for day in days]
    for at, day in enumerate(days):
        least = min(ends[at:]) - less
        if least > 0:
            return day, least
    return None


@settings(max_examples=60, deadline=None)
@given(
    st.booleans(),
    st.lists(
        st.tuples(st.integers(0, 30), st.sampled_from([-100, -50, -30, -20, 20, 30, 50, 100])),
        max_size=6,
    ),
    st.integers(0, 40),
    st.sampled_from([0, 20, 50, 100]),
)
def test_an_item_is_open_from_the_first_day_its_balance_stays_open(
    is_invoice: bool, posted: list[tuple[int, int]], start: int, less: int
) -> None:
    # An invoice (or credit note) of 100.00 on Jan 1, paid and debited
    # straight to the receivable on later days: `open_from` is the first
    # day from `start` on whose balance and every later day's stay open by
    # more than `less`, with the least of them, as every day's balance says.
    text = HEADER + (
        invoice("INV-1", START, 10000, "CUS-1")
        if is_invoice
        else credit_note("INV-1", START, 10000, "INV-0", "CUS-1")
    )
    for index, (offset, dollars) in enumerate(posted):
        text += f"""
{START + datetime.timedelta(days=offset)} * "Acme" "Wire" ^INV-1
  bank_reference: "BR-{index}"
  Assets:Bank:Operating  {-dollars}.00 USD
  Assets:AccountsReceivable  {dollars}.00 USD
"""
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, _ = receivables.read(entries, AR, Precision())
    item = subledger.items["INV-1"]
    assert item.is_invoice is is_invoice
    day = START + datetime.timedelta(days=start)
    assert subledger.open_from(item, day, less * 100) == _first_open_day(item, day, less * 100)
