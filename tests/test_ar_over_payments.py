"""Over payments by receipts posted straight to the receivable, moved to customer credits (AR)."""

from __future__ import annotations

from decimal import Decimal

from beancount import loader
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_entries, ar_policy, fx, meta, over_payments, receivables
from tests.conftest import Books, error_lines, generated, line_of
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    applications,
    balance,
    invoice,
    load,
    squeezed,
)


def test_worked_example_the_excess_of_an_imported_receipt_is_the_customers_credit(
    books: Books,
) -> None:
    # INV-1 is 49.00 USD; the bank import posted a wire of 600.00 naming it
    # straight to the receivable: 600.00 - 49.00 = 551.00 over paid, beyond
    # the 1.00 tolerance, so 551.00 moves to the customer's credit at the
    # wire's line. The customer's next invoice, INV-2 of 30.00, is paid from
    # it on its date; 551.00 - 30.00 = 521.00 is left to the customer.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "30.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert applications(entries) == [
        (
            "2026-02-01",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            [
                "Assets:AccountsReceivable     551.00 USD",
                "Liabilities:CustomerCredits  -551.00 USD",
            ],
        ),
        (
            "2026-02-10",
            "Customer credit from BR-1 applied to INV-2",
            ["Liabilities:CustomerCredits   30.00 USD", "Assets:AccountsReceivable    -30.00 USD"],
        ),
    ]
    moved = generated(entries)[0]
    assert moved.links == {"INV-1", "BR-1"}
    assert moved.meta[ar_entries.KIND] == "over-payment"
    assert moved.meta[meta.INVOICE] == "INV-1"
    assert moved.meta[meta.CUSTOMER] == "CUS-1"
    assert moved.meta["revclose_receipt"] == "BR-1"
    assert moved.meta["lineno"] == line_of(HEADER + text, "-600.00 USD")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-521.00")


def test_an_invoice_paid_twice_credits_the_second_payment(books: Books) -> None:
    # Two wires of 49.00 name INV-1 of 49.00: the first pays it, the second
    # is 49.00 over and becomes the customer's credit, at the second's line.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "49.00", "BR-1")
        + paid("2026-02-03", "49.00", "BR-2")
    )
    entries, errors = load(books, text)
    assert errors == []
    ((day, narration, postings),) = applications(entries)
    assert day == "2026-02-03"
    assert narration == "Over payment of INV-1 from BR-2 moved to customer credit"
    assert squeezed(postings) == [f"{AR} 49.00 USD", f"{CREDITS} -49.00 USD"]
    second = line_of(HEADER + text, 'bank_reference: "BR-2"') + 3  # its receivable line
    assert generated(entries)[0].meta["lineno"] == second
    assert balance(entries, CREDITS, "USD") == Decimal("-49.00")


def test_each_receipt_that_takes_the_invoice_over_credits_its_own_excess(books: Books) -> None:
    # INV-1 of 100.00 paid 80.00 + 80.00 + 80.00: the second is 60.00 over
    # (80.00 - 20.00 open), the third 80.00: 140.00 in all.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "80.00", "BR-1")
        + paid("2026-02-02", "80.00", "BR-2")
        + paid("2026-02-03", "80.00", "BR-3")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
        ("2026-02-02", [f"{AR} 60.00 USD", f"{CREDITS} -60.00 USD"]),
        ("2026-02-03", [f"{AR} 80.00 USD", f"{CREDITS} -80.00 USD"]),
    ]
    assert balance(entries, AR, "USD") == Decimal("0.00")


def test_a_refund_by_hand_takes_back_the_latest_excess_first(books: Books) -> None:
    # INV-1 of 49.00 paid 600.00 (551.00 over); 500.00 is wired back to the
    # customer, typed against the invoice: 551.00 - 500.00 = 51.00 is left.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + """
2026-02-05 * "Acme" "Refund of the over payment" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  500.00 USD
  Assets:Bank:Operating  -500.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    ((day, _, postings),) = applications(entries)
    assert (day, squeezed(postings)) == ("2026-02-01", [f"{AR} 51.00 USD", f"{CREDITS} -51.00 USD"])
    assert balance(entries, AR, "USD") == Decimal("0.00")


def test_what_a_manual_credit_over_pays_stays_an_error(books: Books) -> None:
    # The receipt pays INV-1 exactly; a credit typed by hand then takes it
    # 40.00 below zero. That is no receipt's money: the error stays.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "100.00", "BR-1")
        + """
2026-02-05 * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Income:Revenue:Services  40.00 USD
  Assets:AccountsReceivable  -40.00 USD
"""
    )
    entries, errors = load(books, text)
    assert applications(entries) == []
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "Receivable  -40.00"),
            "Invoice 'INV-1' is paid 40.00 USD more than its total 100.00 USD; expected at "
            "most the tolerance 1.00 USD",
        )
    ]


def test_a_receipt_after_a_manual_credit_credits_the_customer(books: Books) -> None:
    # The credit by hand clears INV-1 first; the receipt of 100.00 that
    # follows is the customer's money, all of it over.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + """
2026-02-01 * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Income:Revenue:Services  100.00 USD
  Assets:AccountsReceivable  -100.00 USD
"""
        + paid("2026-02-05", "100.00", "BR-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    ((_, _, postings),) = applications(entries)
    assert squeezed(postings) == [f"{AR} 100.00 USD", f"{CREDITS} -100.00 USD"]


def test_over_payment_at_a_foreign_carrying_rate_is_left_to_the_user(books: Books) -> None:
    text = """
2026-01-01 price EUR 1.20 USD
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  49.00 EUR
  Income:Revenue:Services  -49.00 EUR

2026-02-01 * "Acme" "Wire" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Operating  100.00 EUR
  Assets:AccountsReceivable  -100.00 EUR
"""
    entries, errors = load(books, text)
    assert [e for e in generated(entries) if e.meta.get(ar_entries.KIND) == "over-payment"] == []
    assert [error.message for error in errors] == [
        "Invoice 'INV-1' is paid 51.00 EUR more than its total 49.00 EUR; expected at "
        "most the tolerance 1.00 EUR"
    ]


def test_books_with_no_over_payment_move_nothing(books: Books) -> None:
    entries, errors = load(books, invoice(1, "2026-01-05", "49.00"))
    assert errors == []
    assert applications(entries) == []


_LEDGER = """
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  {total} USD
  Income:Revenue:Services  -{total} USD
"""
_POSTED = """
2026-02-{day:02d} * "Acme" "{what}" ^INV-1
  invoice: "INV-1"{reference}
  Assets:Bank:Operating  {bank} USD
  Assets:AccountsReceivable  {receivable} USD
"""


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 100_000),
    st.lists(
        st.tuples(st.booleans(), st.booleans(), st.integers(1, 100_000)), min_size=1, max_size=6
    ),
)
def test_credits_moved_never_exceed_what_receipts_over_paid(
    total: int, posted: list[tuple[bool, bool, int]]
) -> None:
    # Postings to one invoice, in cents: receipts (with a bank reference) and
    # postings by hand, credits or debits. What is moved to customer credits
    # is never more than the invoice is over paid, nor than the receipts
    # paid; with receipts alone, it is exactly the over payment beyond the
    # tolerance (1.00 USD).
    text = _LEDGER.format(total=f"{total / 100:.2f}")
    receipts = 0
    for day, (is_receipt, is_credit, cents) in enumerate(posted, 1):
        reference = f'\n  bank_reference: "BR-{day}"' if is_receipt else ""
        receipts += cents if is_receipt and is_credit else 0
        text += _POSTED.format(
            day=day,
            what="Wire" if is_receipt else "By hand",
            reference=reference,
            bank=f"{(cents if is_credit else -cents) / 100:.2f}",
            receivable=f"{(-cents if is_credit else cents) / 100:.2f}",
        )
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    policy = ar_policy.ArPolicy(tolerance={"USD": Decimal("1.00")})
    subledger, _ = receivables.read(entries, AR, policy.precision)
    over_paid = -subledger.open["INV-1"]
    moved = over_payments.to_customer_credits(subledger, fx.Rates(entries, "USD"), policy)
    credited = sum(movement.units for _, movement in moved.movements)
    tolerance = policy.tolerance_units("USD")
    assert 0 <= credited <= max(over_paid, 0)
    assert credited <= receipts
    if all(is_receipt for is_receipt, _, _ in posted) and over_paid > tolerance:
        assert credited == over_paid
    if over_paid <= tolerance:
        assert credited == 0
