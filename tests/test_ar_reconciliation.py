"""AR reconciliation: cash application, write-offs, exchange differences and controls."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.parser import printer
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_policy, cash_matching, receipts, receivables
from plugins.cash_matching import OpenInvoice, Payment, subset_with_sum
from plugins.currency import Precision
from tests.conftest import Books, error_lines, generated, line_of, number
from tests.conftest import currency as posting_currency

AR = "Assets:AccountsReceivable"
UNAPPLIED = "Liabilities:UnappliedCash"
WRITE_OFF = "Expenses:PaymentDifferences"
CREDITS = "Liabilities:CustomerCredits"
REALIZED = "Income:ForeignExchange:Realized"
UNREALIZED = "Income:ForeignExchange:Unrealized"
REMEASURED = "Assets:AccountsReceivable:Remeasurement"

HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Equity:Opening
"""
POLICY = "tolerance: {USD: 1.00, EUR: 1.00}\n"


def invoice(
    number: int,
    date: str,
    amount: str,
    customer: str = "CUS-1",
    due: str | None = None,
    payee: str = "Acme",
) -> str:
    return f"""
{date} * "{payee}" "Invoice INV-{number}" ^INV-{number}
  invoice: "INV-{number}"
  customer: "{customer}"
  due: {due or date}
  Assets:AccountsReceivable  {amount} USD
  Income:Revenue:Services  -{amount} USD
"""


def receipt(
    date: str, amount: str, name: str, extra: str = "", narration: str = "Wire", payee: str = "Acme"
) -> str:
    return f"""
{date} * "{payee}" "{narration}"
  receipt: "{name}"{extra}
  Assets:Bank:Operating  {amount}
  Liabilities:UnappliedCash  -{amount}
"""


def applications(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(date, narration, postings as Beancount prints them) of each cash application."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            [printer.format_entry(entry).splitlines()[-len(entry.postings) :][i].strip()
             for i in range(len(entry.postings))],
        )
        for entry in generated(entries)
        if "cash-application" in entry.tags
    ]  # fmt: skip


def squeezed(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def load(books: Books, text: str, policy: str = POLICY) -> tuple[list[Any], list[Any]]:
    books.write("ar.yaml", policy)
    entries, errors, _ = books.load(HEADER + text)
    return entries, errors


def balance(entries: list[data.Directive], account: str, currency: str) -> Decimal:
    return sum(
        (
            number(posting)
            for entry in entries
            if isinstance(entry, data.Transaction)
            for posting in entry.postings
            if posting.account == account and posting_currency(posting) == currency
        ),
        Decimal(0),
    )


def test_receipt_naming_its_invoice_is_applied_through_the_plugin_line(books: Books) -> None:
    entries, errors = load(
        books,
        invoice(1, "2026-01-15", "100.00", due="2026-02-14")
        + receipt("2026-02-03", "100.00 USD", "R-1", '\n  invoice: "INV-1"'),
    )
    assert errors == []
    [entry] = [e for e in generated(entries) if "cash-application" in e.tags]
    assert entry.date.isoformat() == "2026-02-03"
    assert entry.narration == "Cash application INV-1 from R-1"
    assert entry.links == {"INV-1", "R-1"}
    assert entry.tags == {"cash-application"}
    assert {key: entry.meta[key] for key in entry.meta if key not in ("filename", "lineno")} == {
        "revclose_generated_by": "ar_reconciliation",
        "invoice": "INV-1",
        "revclose_source": "INV-1",
        "revclose_receipt": "R-1",
        "revclose_kind": "named",
        "customer": "CUS-1",
    }
    text = HEADER + invoice(1, "2026-01-15", "100.00", due="2026-02-14")
    text += receipt("2026-02-03", "100.00 USD", "R-1", '\n  invoice: "INV-1"')
    assert entry.meta["lineno"] == line_of(text, "UnappliedCash  -100.00")
    assert squeezed(applications(entries)[0][2]) == [
        f"{UNAPPLIED} 100.00 USD",
        f"{AR} -100.00 USD",
    ]
    assert balance(entries, AR, "USD") == 0
    assert balance(entries, UNAPPLIED, "USD") == 0


def test_worked_example_eur_invoice_paid_in_usd_books_the_fx_loss(books: Books) -> None:
    # 30 EUR billed on Jan 1 at 1.20 is carried at 36.00 USD. On Feb 1 the
    # customer pays 33.00 USD, which at that day's 1.10 is exactly 30.00 EUR:
    # the receivable is cleared and 36.00 - 33.00 = 3.00 USD is a realized loss.
    text = """
2026-01-01 price EUR 1.20 USD
2026-02-01 price EUR 1.10 USD

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
""" + receipt("2026-02-01", "33.00 USD", "R-1", narration="Payment INV-1")
    entries, errors = load(books, text)
    assert errors == []
    assert [(date, squeezed(postings)) for date, _, postings in applications(entries)] == [
        (
            "2026-02-01",
            [f"{UNAPPLIED} 33.00 USD", f"{AR} -30.00 EUR @ 1.20 USD", f"{REALIZED} 3.00 USD"],
        )
    ]
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, UNAPPLIED, "USD") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("3.00")


def test_carrying_rate_comes_from_the_price_on_the_invoice_date(books: Books) -> None:
    # The same invoice booked in EUR without '@': its carrying rate is the
    # ledger's price on its date, 1.20, and the loss is the same 3.00 USD.
    text = """
2026-01-01 open Income:Revenue:Europe
2026-01-01 price EUR 1.20 USD
2026-02-01 price EUR 1.10 USD

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR
  Income:Revenue:Europe  -30.00 EUR
""" + receipt("2026-02-01", "33.00 USD", "R-1", '\n  invoice: "INV-1"')
    entries, errors = load(books, text)
    assert errors == []
    assert squeezed(applications(entries)[0][2])[1:] == [
        f"{AR} -30.00 EUR @ 1.20 USD",
        f"{REALIZED} 3.00 USD",
    ]


def test_receipt_in_another_currency_without_a_price_is_an_error(books: Books) -> None:
    text = """
2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
""" + receipt("2026-02-01", "33.00 USD", "R-1", '\n  invoice: "INV-1"')
    entries, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "UnappliedCash  -33.00"),
            "Receipt 'R-1' in USD names invoices 'INV-1' in EUR, and the ledger has no EUR "
            "price in USD on or before 2026-02-01",
        )
    ]
    assert applications(entries) == []


def test_invoice_id_in_the_narration_names_the_invoice(books: Books) -> None:
    text = (
        invoice(1, "2026-01-05", "100.00")
        + invoice(2, "2026-01-06", "70.00")
        + receipt("2026-02-01", "70.00 USD", "R-1", narration="Remittance for INV-2.")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-2 from R-1"
    ]


def test_invoice_id_in_the_text_of_another_customer_is_not_taken(books: Books) -> None:
    text = (
        invoice(1, "2026-01-05", "100.00", customer="CUS-2")
        + invoice(2, "2026-01-06", "100.00")
        + receipt("2026-02-01", "100.00 USD", "R-1", '\n  customer: "CUS-1"', "Re INV-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    # Not INV-1 (CUS-2's): by amount and customer, INV-2.
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-2 from R-1"
    ]


def test_exact_amount_and_customer_pays_the_oldest_open_invoice(books: Books) -> None:
    text = (
        invoice(1, "2026-01-10", "499.00")
        + invoice(2, "2026-01-05", "499.00")
        + invoice(3, "2026-01-01", "499.00", customer="CUS-2")
        + receipt("2026-02-01", "499.00 USD", "R-1", '\n  customer: "CUS-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(date, narration) for date, narration, _ in applications(entries)] == [
        ("2026-02-01", "Cash application INV-2 from R-1")
    ]
    assert generated(entries)[0].meta["revclose_kind"] == "amount"


def test_customer_of_a_receipt_comes_from_its_payee(books: Books) -> None:
    text = invoice(1, "2026-01-10", "499.00", payee="Acme Robotics") + receipt(
        "2026-02-01", "499.00 USD", "R-1", payee="Acme Robotics"
    )
    entries, errors = load(books, text)
    assert errors == []
    assert generated(entries)[0].meta["customer"] == "CUS-1"


def test_one_receipt_pays_several_invoices_of_its_customer(books: Books) -> None:
    # Oldest first: 120.00, 80.00, 50.00; only 120.00 + 50.00 make 170.00.
    text = (
        invoice(1, "2026-01-01", "120.00")
        + invoice(2, "2026-01-02", "80.00")
        + invoice(3, "2026-01-03", "50.00")
        + receipt("2026-02-01", "170.00 USD", "R-1", '\n  customer: "CUS-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-1 from R-1",
        "Cash application INV-3 from R-1",
    ]
    assert {e.meta["revclose_kind"] for e in generated(entries)} == {"several-invoices"}


def test_several_receipts_pay_one_invoice(books: Books) -> None:
    text = (
        invoice(1, "2026-01-01", "300.00")
        + receipt("2026-02-01", "100.00 USD", "R-1", '\n  customer: "CUS-1"')
        + receipt("2026-02-03", "200.00 USD", "R-2", '\n  customer: "CUS-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(date, narration) for date, narration, _ in applications(entries)] == [
        ("2026-02-01", "Cash application INV-1 from R-1"),
        ("2026-02-03", "Cash application INV-1 from R-2"),
    ]
    assert balance(entries, AR, "USD") == 0


def test_a_named_invoice_wins_over_an_amount_match(books: Books) -> None:
    text = (
        invoice(1, "2026-01-01", "100.00")
        + invoice(2, "2026-01-02", "150.00")
        + receipt("2026-02-01", "100.00 USD", "R-1", '\n  invoice: "INV-2"')
    )
    entries, errors = load(books, text)
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-2 from R-1"
    ]
    assert errors == []


def test_short_payment_within_tolerance_is_written_off(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + receipt(
        "2026-02-01", "99.50 USD", "R-1", '\n  invoice: "INV-1"'
    )
    entries, errors = load(books, text)
    assert errors == []
    assert squeezed(applications(entries)[0][2]) == [
        f"{UNAPPLIED} 99.50 USD",
        f"{AR} -100.00 USD",
        f"{WRITE_OFF} 0.50 USD",
    ]


def test_short_payment_beyond_tolerance_leaves_the_invoice_partly_open(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + receipt(
        "2026-02-01", "90.00 USD", "R-1", '\n  invoice: "INV-1"'
    )
    entries, errors = load(books, text)
    assert errors == []
    assert squeezed(applications(entries)[0][2]) == [f"{UNAPPLIED} 90.00 USD", f"{AR} -90.00 USD"]
    assert balance(entries, AR, "USD") == Decimal("10.00")


def test_over_payment_within_tolerance_is_written_off(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + receipt(
        "2026-02-01", "100.40 USD", "R-1", '\n  invoice: "INV-1"'
    )
    entries, errors = load(books, text)
    assert errors == []
    assert squeezed(applications(entries)[0][2]) == [
        f"{UNAPPLIED} 100.40 USD",
        f"{AR} -100.00 USD",
        f"{WRITE_OFF} -0.40 USD",
    ]


def test_over_payment_beyond_tolerance_becomes_a_customer_credit(books: Books) -> None:
    text = (
        invoice(1, "2026-01-01", "100.00")
        + receipt("2026-02-01", "150.00 USD", "R-1", '\n  invoice: "INV-1"')
        + receipt("2026-02-05", "20.00 USD", "R-2", '\n  invoice: "INV-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [
        (narration, squeezed(postings)) for _, narration, postings in applications(entries)
    ] == [
        (
            "Cash application INV-1 from R-1",
            [f"{UNAPPLIED} 150.00 USD", f"{AR} -100.00 USD", f"{CREDITS} -50.00 USD"],
        ),
        (
            "Customer credit from R-2: INV-1 is already paid",
            [f"{UNAPPLIED} 20.00 USD", f"{CREDITS} -20.00 USD"],
        ),
    ]
    assert balance(entries, CREDITS, "USD") == Decimal("-70.00")


def test_open_foreign_invoice_is_remeasured_at_month_end_and_reversed(books: Books) -> None:
    # 30 EUR at 1.20. Jan 31 at 1.25: 30 x 0.05 = 1.50 USD gain, reversed Feb 1.
    # Feb 28 at 1.10: 30 x -0.10 = 3.00 USD loss, reversed Mar 1. Paid Mar 5
    # with 33.00 USD (30 EUR at 1.10): realized loss 3.00 USD.
    text = """
2026-01-31 price EUR 1.25 USD
2026-02-20 price EUR 1.10 USD

2026-01-10 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
""" + receipt("2026-03-05", "33.00 USD", "R-1", '\n  invoice: "INV-1"')
    entries, errors = load(books, text)
    assert errors == []
    moves = [
        (str(entry.date), entry.meta["revclose_kind"], str(posting.units))
        for entry in generated(entries)
        if "fx-remeasurement" in entry.tags
        for posting in entry.postings
        if posting.account == REMEASURED
    ]
    assert moves == [
        ("2026-01-31", "remeasurement", "1.50 USD"),
        ("2026-02-01", "remeasurement-reversal", "-1.50 USD"),
        ("2026-02-28", "remeasurement", "-3.00 USD"),
        ("2026-03-01", "remeasurement-reversal", "3.00 USD"),
    ]
    assert balance(entries, REMEASURED, "USD") == 0
    assert balance(entries, UNREALIZED, "USD") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("3.00")


def test_receivable_posting_with_no_invoice_is_an_error(books: Books) -> None:
    stray = """
2026-02-21 * "Unexplained"
  Assets:AccountsReceivable  25.00 USD
  Equity:Opening  -25.00 USD
"""
    _, errors = load(books, invoice(1, "2026-01-01", "100.00") + stray)
    assert error_lines(errors) == [
        (
            line_of(HEADER + invoice(1, "2026-01-01", "100.00") + stray, "Receivable  25.00"),
            "Receivable posting of '25.00 USD' names no invoice; expected an 'invoice' or a "
            "link so it belongs to an open invoice",
        )
    ]


def test_close_controls_report_a_receivable_posting_with_no_invoice_once(books: Books) -> None:
    stray = """
2026-02-21 * "Unexplained"
  Assets:AccountsReceivable  25.00 USD
  Equity:Opening  -25.00 USD
"""
    books.write("close.yaml", "hygiene: false\n")
    text = HEADER + 'plugin "plugins.close_controls" "close.yaml"\n' + stray
    books.write("ar.yaml", POLICY)
    _, errors, _ = books.load(text)
    assert [message for _, message in error_lines(errors)] == [
        "Receivable posting of '25.00 USD' names no invoice; expected an 'invoice' or a "
        "link so it belongs to an open invoice"
    ]


def test_invoice_paid_more_than_its_total_is_an_error(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + "".join(
        f"""
2026-02-0{day} * "Acme" "Payment INV-1" ^INV-1
  invoice: "INV-1"
  Assets:Bank:Operating  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""
        for day, amount in ((1, "100.00"), (2, "50.00"))
    )
    _, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "Receivable  -50.00"),
            "Invoice 'INV-1' is paid 50.00 USD more than its total 100.00 USD; expected at "
            "most the tolerance 1.00 USD",
        )
    ]


def test_receipt_naming_a_missing_invoice_is_an_error(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + receipt(
        "2026-02-01", "100.00 USD", "R-1", '\n  invoice: "INV-9"\n  customer: "CUS-1"'
    )
    entries, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "UnappliedCash  -100.00"),
            "Receipt 'R-1' applies cash to invoice 'INV-9', which does not exist; expected the "
            "id of an invoice in the receivable",
        )
    ]
    assert applications(entries) == []


def test_typed_cash_application_to_a_missing_invoice_is_an_error(books: Books) -> None:
    typed = """
2026-02-02 * "Acme" "Apply R-1" ^INV-9
  invoice: "INV-9"
  receipt: "R-1"
  Liabilities:UnappliedCash  100.00 USD
  Assets:AccountsReceivable  -100.00 USD
"""
    text = invoice(1, "2026-01-01", "100.00") + receipt("2026-02-01", "100.00 USD", "R-1") + typed
    entries, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "Receivable  -100.00"),
            "Cash application to invoice 'INV-9', which does not exist; expected the id of an "
            "invoice in the receivable",
        )
    ]
    assert applications(entries) == []  # the typed entry used the receipt up


def test_receipts_need_unique_ids_and_debits_need_a_receipt(books: Books) -> None:
    refund = """
2026-02-10 * "Acme" "Refund"
  Liabilities:UnappliedCash  5.00 USD
  Assets:Bank:Operating  -5.00 USD
"""
    text = (
        receipt("2026-02-01", "10.00 USD", "R-1")
        + receipt("2026-02-02", "20.00 USD", "R-1")
        + refund
    )
    _, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "UnappliedCash  -20.00"),
            "Receipt id 'R-1' is used by two receipts; expected one each",
        ),
        (
            line_of(HEADER + text, "UnappliedCash  5.00"),
            "Debit of '5.00 USD' to 'Liabilities:UnappliedCash' names no receipt; expected a "
            "'receipt' or the link of a receipt in USD",
        ),
    ]


def test_receipt_without_an_id_is_named_by_its_file_and_line(books: Books) -> None:
    text = invoice(1, "2026-01-01", "100.00") + receipt(
        "2026-02-01", "100.00 USD", "R-1", '\n  invoice: "INV-1"'
    ).replace('  receipt: "R-1"\n', "")
    entries, errors = load(books, text)
    assert errors == []
    line = line_of(HEADER + text, "UnappliedCash  -100.00")
    entry = generated(entries)[0]
    assert entry.meta["revclose_receipt"] == f"main.beancount:{line}"
    assert entry.links == {"INV-1", f"main.beancount-{line}"}


def test_old_unapplied_cash_and_long_past_due_invoices_are_flagged(books: Books) -> None:
    text = (
        invoice(1, "2026-01-01", "100.00", due="2026-01-31")
        + receipt("2026-01-05", "500.00 USD", "R-1", '\n  customer: "CUS-2"')
        + receipt("2026-04-30", "1.00 USD", "R-2", '\n  customer: "CUS-3"')
    )
    entries, errors = load(books, text)
    assert errors == []
    flags = [
        (
            str(entry.date),
            str(entry.flag),
            str(entry.narration),
            sorted(entry.links),
            len(entry.postings),
        )
        for entry in generated(entries)
        if "receivables-review" in entry.tags
    ]
    assert flags == [
        ("2026-02-04", "!", "Unapplied cash R-1: 500.00 USD unapplied 30 days after receipt",
         ["R-1"], 0),
        ("2026-04-01", "!", "Invoice INV-1: 100.00 USD open 60 days past due (due 2026-01-31)",
         ["INV-1"], 0),
    ]  # fmt: skip


def test_empty_ledger_adds_nothing(books: Books) -> None:
    entries, errors = load(books, "")
    assert errors == []
    assert generated(entries) == []


def test_bad_policy_points_into_the_yaml(books: Books) -> None:
    entries, errors = load(
        books,
        invoice(1, "2026-01-01", "100.00"),
        "tolerance: lots\nmatch_candidates: 40\nwrite_off: Expenses:X\n",
    )
    assert [(e.source["lineno"], e.message) for e in errors] == [
        (3, "Unknown field 'write_off'; expected one of 'accounts_file', 'credit_hold_days', "
            "'credit_limits', 'customer_credit_limits', 'customer_credits_account', "
            "'functional_currency', 'match_candidates', 'past_due_age_days', 'precision', "
            "'realized_fx_account', 'remeasurement_account', 'tolerance', "
            "'unapplied_cash_age_days', 'unrealized_fx_account', 'write_off_account'"),
        (1, "Field 'tolerance' expected a mapping of currency to an amount of at least 0, "
            "found 'lots'"),
        (2, "Field 'match_candidates' expected a whole number from 1 to 20, found '40'"),
    ]  # fmt: skip
    assert generated(entries) == []


def _shuffled_ledger(order: list[int]) -> str:
    blocks = [
        invoice(1, "2026-01-01", "100.00"),
        invoice(2, "2026-01-01", "100.00"),
        invoice(3, "2026-01-02", "60.00", customer="CUS-2"),
        invoice(4, "2026-01-02", "40.00", customer="CUS-2"),
        receipt("2026-02-01", "100.00 USD", "R-1", '\n  customer: "CUS-1"'),
        receipt("2026-02-01", "100.00 USD", "R-2", '\n  customer: "CUS-2"'),
        receipt("2026-02-01", "100.00 USD", "R-3", '\n  customer: "CUS-1"'),
    ]
    return HEADER + "".join(blocks[index] for index in order)


@settings(max_examples=15, deadline=None)
@given(st.permutations(range(7)))
def test_matching_does_not_depend_on_the_order_of_the_file(order: list[int]) -> None:
    expected, _, _ = loader.load_string(_shuffled_ledger(list(range(7))).replace("ar.yaml", ""))
    entries, errors, _ = loader.load_string(_shuffled_ledger(order).replace("ar.yaml", ""))
    assert errors == []

    def shown(found: list[data.Directive]) -> list[str]:
        return sorted(
            f"{e.date} {e.narration} {sorted(e.links)} {[str(p.units) for p in e.postings]}"
            for e in generated(found)
        )

    assert shown(entries) == shown(expected)
    assert len(shown(entries)) == 4


amounts = st.integers(1, 500)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20), amounts), max_size=12),
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 40), amounts, st.integers(-1, 11)),
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_matching_invariants(
    invoices_drawn: list[tuple[int, int, int]],
    payments_drawn: list[tuple[int, int, int, int]],
    shuffle: random.Random,
) -> None:
    # Random invoices and receipts of four customers, some naming an invoice:
    # no receipt gives more than it has, no invoice is cleared beyond what is
    # open, and the result does not depend on the order of the input.
    import datetime

    day = datetime.date(2026, 1, 1)
    invoices = [
        OpenInvoice(f"I{n}", f"C{c}", "USD", day + datetime.timedelta(days=d), a)
        for n, (c, d, a) in enumerate(invoices_drawn)
    ]
    payments = [
        Payment(
            f"P{n}",
            f"C{c}",
            "USD",
            day + datetime.timedelta(days=d),
            a,
            (f"I{named}",) if 0 <= named < len(invoices) else (),
        )
        for n, (c, d, a, named) in enumerate(payments_drawn)
    ]
    found = cash_matching.match(payments, invoices, lambda _: 5)
    for payment in payments:
        assert sum(a.cash for a in found if a.receipt == payment.id) <= payment.amount
    for invoice_ in invoices:
        assert sum(a.cleared for a in found if a.invoice == invoice_.id) <= invoice_.open
    for application in found:
        assert application.cleared >= 0 and application.cash > 0
        assert abs(application.written_off) <= 5
    shuffle.shuffle(payments)
    shuffle.shuffle(invoices)
    assert sorted(cash_matching.match(payments, invoices, lambda _: 5)) == sorted(found)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 60), max_size=12), st.integers(1, 200))
def test_subset_search_finds_the_earliest_exact_subset(values: list[int], target: int) -> None:
    from itertools import combinations

    exact = [
        indices
        for size in range(2, len(values) + 1)
        for indices in combinations(range(len(values)), size)
        if sum(values[i] for i in indices) == target
    ]
    assert subset_with_sum(values, target, 2) == (min(exact) if exact else None)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 300)), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 300), st.booleans()), max_size=8),
)
def test_receivable_balance_equals_the_open_items_and_cash_is_never_overapplied(
    billed: list[tuple[int, int]], paid: list[tuple[int, int, bool]]
) -> None:
    text = HEADER.replace('"ar.yaml"', "")
    for index, (customer, amount) in enumerate(billed, 1):
        text += invoice(index, "2026-01-01", f"{amount}.00", customer=f"CUS-{customer}")
    for index, (customer, amount, named) in enumerate(paid, 1):
        extra = f'\n  customer: "CUS-{customer}"'
        if named:
            extra += f'\n  invoice: "INV-{index % len(billed) + 1}"'
        text += receipt("2026-02-01", f"{amount}.00 USD", f"R-{index}", extra)
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    items, _ = receivables.read(entries, AR, Precision())
    assert balance(entries, AR, "USD") * 100 == sum(item.balance() for item in items.items.values())
    found, _ = receipts.read(entries, UNAPPLIED, Precision(), items, "")
    assert all(found.unapplied(receipt_id) >= 0 for receipt_id in found.by_id)
    assert -balance(entries, UNAPPLIED, "USD") * 100 == sum(
        found.unapplied(receipt_id) for receipt_id in found.by_id
    )


REPOSITORY = Path(__file__).resolve().parent.parent


def test_demo_books_load_cleanly_with_the_demo_policy(tmp_path: Path) -> None:
    # The demo pays invoices straight to the receivable, naming them, so the
    # plugin applies nothing; it flags the invoices left open 60 days past due.
    policy = REPOSITORY / "config" / "ar.yaml"
    assert ar_policy.load(str(policy), {})[1] == []
    wrapper = tmp_path / "main.beancount"
    wrapper.write_text(
        f'plugin "plugins.ar_reconciliation" "{policy}"\n'
        f'include "{REPOSITORY / "ledger" / "main.beancount"}"\n',
        encoding="utf-8",
    )
    entries, errors, _ = loader.load_file(str(wrapper))
    assert errors == []
    made = generated(entries)
    assert made and {entry.meta["revclose_kind"] for entry in made} == {"past-due"}
    assert all(entry.flag == "!" and not entry.postings for entry in made)
