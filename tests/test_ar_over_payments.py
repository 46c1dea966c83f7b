"""Over payments by receipts posted straight to the receivable, moved to customer credits (AR)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_entries, ar_policy, fx, meta, over_payments, receivables
from tests.conftest import Books, error_lines, generated, line_of, number
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    WRITE_OFF,
    applications,
    balance,
    credit_note,
    invoice,
    load,
    made_at_typed_lines,
    open_items,
    receipt,
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


def returned(date: str, amount: str, reference: str, what: str = "REFUND INV-1") -> str:
    """Money out the bank import posted straight to INV-1's receivable: a refund, a return."""
    return f"""
{date} * "Acme" "{what}" ^INV-1
  bank_reference: "{reference}"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  -{amount} USD
  Assets:AccountsReceivable  {amount} USD
"""


def held(entries: list[Any], account: str, through: str, invoice_id: str | None = None) -> Decimal:
    """The balance of an account at the end of a day, of one invoice's postings if named."""
    day = datetime.date.fromisoformat(through)
    return sum(
        (
            number(posting)
            for entry in entries
            if isinstance(entry, data.Transaction) and entry.date <= day
            if invoice_id is None or entry.meta.get(meta.INVOICE) == invoice_id
            for posting in entry.postings
            if posting.account == account
        ),
        Decimal(0),
    )


def test_worked_example_a_later_refund_leaves_the_receipts_month_as_it_was(
    books: Books,
) -> None:
    # The worked example above, closed at February 28: INV-1 of 49.00 paid
    # 600.00 by BR-1 on Feb 1 (551.00 to credits that day), INV-2 of 30.00
    # paid from the credit on Feb 10. On Mar 15 the bank refunds 521.00,
    # posted as a debit to INV-1's receivable. February does not change:
    # the refund takes 521.00 back from BR-1's credit on Mar 15, at the
    # refund's line, and INV-1 is at 0.00 again.
    #   Feb 28: INV-1 49.00 - 600.00 + 551.00 = 0.00; credits -551.00 + 30.00 = -521.00.
    #   Mar 31: INV-1 0.00 + 521.00 - 521.00 = 0.00;  credits -521.00 + 521.00 = 0.00.
    february = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "30.00")
    )
    text = february + returned("2026-03-15", "521.00", "BR-9")
    closed, _ = load(books, february)
    entries, errors = load(books, text)
    assert errors == []
    before: list[Any] = [e for e in generated(entries) if e.date <= datetime.date(2026, 2, 28)]
    assert applications(before) == applications(closed)
    assert applications(entries)[2:] == [
        (
            "2026-03-15",
            "Over payment of INV-1 from BR-1 taken back from customer credit",
            [
                "Liabilities:CustomerCredits   521.00 USD",
                "Assets:AccountsReceivable    -521.00 USD",
            ],
        )
    ]
    back = generated(entries)[-1]
    assert back.links == {"INV-1", "BR-1"}
    assert back.meta[ar_entries.KIND] == "over-payment-returned"
    assert back.meta["revclose_receipt"] == "BR-1"
    assert back.meta["lineno"] == line_of(HEADER + text, "Receivable  521.00")
    assert held(entries, AR, "2026-02-28", "INV-1") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-02-28") == Decimal("-521.00")
    assert held(entries, AR, "2026-03-31", "INV-1") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-03-31") == Decimal("0.00")
    assert held(entries, AR, "2026-03-31") == Decimal("0.00")


def test_a_refund_by_hand_takes_its_amount_back_from_the_credit(books: Books) -> None:
    # INV-1 of 49.00 paid 600.00 (551.00 over, to credits on Feb 1); 500.00
    # is wired back on Feb 5, typed against the invoice with no reference:
    # 500.00 comes back from the credit on Feb 5, 551.00 - 500.00 = 51.00 is left.
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
    assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
        ("2026-02-01", [f"{AR} 551.00 USD", f"{CREDITS} -551.00 USD"]),
        ("2026-02-05", [f"{CREDITS} 500.00 USD", f"{AR} -500.00 USD"]),
    ]
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-51.00")


def test_a_returned_payment_takes_its_excess_back_and_reopens_the_invoice(
    books: Books,
) -> None:
    # BR-1's 600.00 for INV-1 of 49.00 comes back on Feb 20 (the bank import
    # debits INV-1's receivable): the 551.00 it put in credits is taken back
    # that day, and INV-1 is open for its 49.00 again:
    # 49.00 - 600.00 + 551.00 + 600.00 - 551.00 = 49.00; credits -551.00 + 551.00 = 0.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + returned("2026-02-20", "600.00", "BR-2", "RETURNED ITEM INV-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
        ("2026-02-01", [f"{AR} 551.00 USD", f"{CREDITS} -551.00 USD"]),
        ("2026-02-20", [f"{CREDITS} 551.00 USD", f"{AR} -551.00 USD"]),
    ]
    assert held(entries, AR, "2026-02-19", "INV-1") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-02-19") == Decimal("-551.00")
    assert balance(entries, AR, "USD") == Decimal("49.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_refund_beyond_the_credit_leaves_the_rest_owed(books: Books) -> None:
    # 560.00 refunded for an excess of 551.00: the whole credit comes back,
    # and the 9.00 refunded beyond it is open on INV-1 for the customer to pay:
    # 49.00 - 600.00 + 551.00 + 560.00 - 551.00 = 9.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + returned("2026-03-15", "560.00", "BR-9")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
        ("2026-02-01", [f"{AR} 551.00 USD", f"{CREDITS} -551.00 USD"]),
        ("2026-03-15", [f"{CREDITS} 551.00 USD", f"{AR} -551.00 USD"]),
    ]
    assert balance(entries, AR, "USD") == Decimal("9.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_debit_takes_back_the_latest_excess_first(books: Books) -> None:
    # INV-1 of 100.00 paid 80.00 three times: BR-2 is 60.00 over, BR-3 80.00.
    # A refund of 100.00 takes BR-3's 80.00 back, then 20.00 of BR-2's,
    # each in its own entry linked to its receipt; 40.00 of BR-2's is left.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "80.00", "BR-1")
        + paid("2026-02-02", "80.00", "BR-2")
        + paid("2026-02-03", "80.00", "BR-3")
        + returned("2026-03-01", "100.00", "BR-9")
    )
    entries, errors = load(books, text)
    assert errors == []
    taken = [e for e in generated(entries) if e.meta[ar_entries.KIND] == "over-payment-returned"]
    assert [(str(e.date), e.meta["revclose_receipt"], e.links) for e in taken] == [
        ("2026-03-01", "BR-3", frozenset({"INV-1", "BR-3"})),
        ("2026-03-01", "BR-2", frozenset({"INV-1", "BR-2"})),
    ]
    assert [squeezed(postings) for day, _, postings in applications(entries)][2:] == [
        [f"{CREDITS} 80.00 USD", f"{AR} -80.00 USD"],
        [f"{CREDITS} 20.00 USD", f"{AR} -20.00 USD"],
    ]
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-40.00")


def test_a_debit_takes_back_both_excesses_of_a_reference_posted_twice(books: Books) -> None:
    # INV-1 of 100.00 paid 80.00 by BR-1, then 80.00 twice under one bank
    # reference, BR-2: the first BR-2 line is 80.00 - 20.00 open = 60.00 over,
    # the second 80.00 over, each moved to credits in its own entry (140.00).
    # A refund of 150.00 takes back the latest excess first, 80.00, then
    # 150.00 - 80.00 = 70.00 asked of the first, which holds 60.00: 60.00.
    # The rest, 150.00 - 80.00 - 60.00 = 10.00, is open on INV-1. Both
    # take-backs are of one debit and one receipt: each is its own claim on
    # the credit, named by the excess it takes back.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "80.00", "BR-1")
        + paid("2026-02-02", "80.00", "BR-2")
        + paid("2026-02-03", "80.00", "BR-2")
        + returned("2026-03-01", "150.00", "BR-9")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert _taken_back(entries) == [("2026-03-01", "80.00 USD"), ("2026-03-01", "60.00 USD")]
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("10.00")


def test_what_a_receipt_over_paid_within_the_tolerance_is_written_off_before_the_next_excess(
    books: Books,
) -> None:
    # INV-1 of 100.00: BR-1 pays 100.50, 0.50 over, within the 1.00 tolerance:
    # nothing moves, and the 0.50 is written off at the end of Feb 1 (a
    # credit), whatever comes later. BR-2 then pays 5.00 more: the invoice,
    # settled, is 5.00 below zero, beyond the tolerance, and BR-2 moves its
    # 5.00 on Feb 2. Write-offs -0.50, customer credits -5.00, receivable
    # 100.00 - 100.50 + 0.50 - 5.00 + 5.00 = 0.00.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "100.50", "BR-1")
        + paid("2026-02-02", "5.00", "BR-2")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
        ("2026-02-01", [f"{WRITE_OFF} -0.50 USD", f"{AR} 0.50 USD"]),
        ("2026-02-02", [f"{AR} 5.00 USD", f"{CREDITS} -5.00 USD"]),
    ]
    assert [entry.meta["revclose_receipt"] for entry in generated(entries)] == ["BR-1", "BR-2"]
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, WRITE_OFF, "USD") == Decimal("-0.50")
    assert balance(entries, CREDITS, "USD") == Decimal("-5.00")


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


def _by_hand(date: str, amount: str) -> str:
    """A goodwill credit typed by hand to INV-1: no receipt id, no `credits`."""
    return f"""
{date} * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Income:Revenue:Services  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def test_what_a_manual_credit_over_pays_after_a_credit_note_netted_is_the_customers_credit(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 2). CN-10 32.00 crediting it on Mar 8 nets 32.00
    # (68.00 open); BR-1 66.00 posted straight on Mar 10 pays 66.00 (2.00
    # open); a goodwill credit of 4.00 typed to it on Mar 12 finds INV-1
    # as the note and BR-1 left it, 2.00 open, and brings 4.00 - 2.00 =
    # 2.00 beyond, more than the 1.00 tolerance: moved to customer credits
    # on Mar 12, at the credit's line, as when cash matched before it had
    # paid the 32.00. The typed postings alone (100.00 - 66.00 - 4.00 =
    # 30.00) over pay nothing; only what they over pay stays an error
    # (BR-1 100.00 and a goodwill credit of 40.00: 100.00 - 100.00 - 40.00
    # = -40.00, the error above).
    #   INV-1: 100.00 - 32.00 - 66.00 - 4.00 + 2.00 = 0.00; CN-10 used up
    #   (0.00); credits -2.00.
    # Before, a note's netting was read with the typed postings, and the
    # 2.00 was an error at the credit's line (and before that, found by the
    # review of e9319e8, no error at all: INV-1 ended at -2.00 in the aging).
    text = (
        invoice(1, "2026-01-02", "100.00")
        + credit_note(10, "2026-03-08", "32.00", "INV-1")
        + paid("2026-03-10", "66.00", "BR-1")
        + _by_hand("2026-03-12", "4.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    credit = f"main.beancount:{line_of(HEADER + text, 'Receivable  -4.00')}"
    made = [(day, said, squeezed(postings)) for day, said, postings in applications(entries)]
    assert made[1:] == [  # after CN-10's netting on Mar 8
        (
            "2026-03-12",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 2.00 USD", f"{CREDITS} -2.00 USD"],
        )
    ]
    left = open_items(entries)
    assert (left["INV-1"], left["CN-10"]) == (Decimal("0.00"), Decimal("0.00"))
    assert balance(entries, CREDITS, "USD") == Decimal("-2.00")


def test_a_straight_receipt_over_paying_after_a_credit_note_netted_is_no_error(
    books: Books,
) -> None:
    # The same invoice and note, and BR-1 paying what is left: INV-1 100.00,
    # CN-10 32.00 netted on Mar 8 (68.00 open). BR-1 68.50 on Mar 10 pays
    # 0.50 over, within the 1.00 tolerance: it is written off on its day
    # (INV-1 100.00 - 32.00 - 68.50 + 0.50 = 0.00). BR-2 5.00 on Mar 12 then
    # pays 5.00 over, beyond it: moved to customer credits (0.00 again). A
    # receipt's excess is the customer's, or a payment difference, whatever
    # netted before it: no error, though the typed postings with the note's
    # netting alone leave INV-1 at 100.00 - 32.00 - 68.50 - 5.00 = -5.50.
    text = (
        invoice(1, "2026-01-02", "100.00")
        + credit_note(10, "2026-03-08", "32.00", "INV-1")
        + paid("2026-03-10", "68.50", "BR-1")
        + paid("2026-03-12", "5.00", "BR-2")
    )
    entries, errors = load(books, text)
    assert errors == []
    left = open_items(entries)
    assert (left["INV-1"], left["CN-10"]) == (Decimal("0.00"), Decimal("0.00"))
    assert balance(entries, WRITE_OFF, "USD") == Decimal("-0.50")
    assert balance(entries, CREDITS, "USD") == Decimal("-5.00")


def test_a_manual_credit_over_paying_after_a_receipts_excess_is_moved_is_named(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5). BR-1 150.00 on Feb 1 pays it 50.00 over: moved
    # to customer credits that day (100.00 - 150.00 + 50.00 = 0.00). A
    # goodwill credit of 30.00 on Feb 5 then takes it to -30.00: the error
    # is the credit's, at its line (the last posting that took INV-1 over),
    # not BR-1's, whose excess is the customer's. Before (found by the
    # review of e9319e8), the error was located at the first posting that
    # took INV-1 over, BR-1, whose own excess was moved that same day.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "150.00", "BR-1")
        + _by_hand("2026-02-05", "30.00")
    )
    entries, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "Receivable  -30.00"),
            "Invoice 'INV-1' is paid 30.00 USD more than its total 100.00 USD; expected at "
            "most the tolerance 1.00 USD",
        )
    ]
    assert balance(entries, CREDITS, "USD") == Decimal("-50.00")


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


def test_over_payment_at_a_foreign_rate_after_a_credit_note_netted_is_left_to_the_user(
    books: Books,
) -> None:
    # INV-1 100.00 EUR carried at 1.20 (Jan 2); CN-10 32.00 EUR crediting it
    # on Mar 8 nets 32.00 (68.00 open); BR-1 100.00 EUR posted straight on
    # Mar 10 pays 100.00 - 32.00 - 100.00 = -32.00 EUR over. An excess at a
    # foreign carrying rate is not moved: it stays an error, at BR-1's line,
    # as when BR-1 alone over pays (above). Before (found by the review of
    # e9319e8), the control read the typed postings alone (100.00 - 100.00 =
    # 0.00) before the note was netted: no error, INV-1 left at -32.00 EUR.
    text = (
        "\n2026-01-01 price EUR 1.20 USD\n"
        + invoice(1, "2026-01-02", "100.00").replace(" USD", " EUR")
        + credit_note(10, "2026-03-08", "32.00", "INV-1").replace(" USD", " EUR")
        + paid("2026-03-10", "100.00", "BR-1").replace(" USD", " EUR")
    )
    entries, errors = load(books, text)
    assert error_lines(errors) == [
        (
            line_of(HEADER + text, "Receivable  -100.00 EUR"),
            "Invoice 'INV-1' is paid 32.00 EUR more than its total 100.00 EUR; expected at "
            "most the tolerance 1.00 EUR",
        )
    ]
    left = open_items(entries)
    assert (left["INV-1"], left["CN-10"]) == (Decimal("-32.00"), Decimal("0.00"))


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
{day} * "Acme" "{what}" ^INV-1
  invoice: "INV-1"{reference}
  Assets:Bank:Operating  {bank} USD
  Assets:AccountsReceivable  {receivable} USD
"""


def _posted(total: int, posted: list[tuple[bool, bool, int]]) -> str:
    """INV-1 of `total` cents, and postings to it on Feb 1, 2, ...: receipts or by hand."""
    text = _LEDGER.format(total=f"{total / 100:.2f}")
    for day, (is_receipt, is_credit, cents) in enumerate(posted, 1):
        text += _one_posting(f"2026-02-{day:02d}", is_receipt, is_credit, cents, f"BR-{day}")
    return text


def _one_posting(day: str, is_receipt: bool, is_credit: bool, cents: int, reference: str) -> str:
    return _POSTED.format(
        day=day,
        what="Wire" if is_receipt else "By hand",
        reference=f'\n  bank_reference: "{reference}"' if is_receipt else "",
        bank=f"{(cents if is_credit else -cents) / 100:.2f}",
        receivable=f"{(-cents if is_credit else cents) / 100:.2f}",
    )


def _moved(text: str) -> over_payments.Moved:
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    subledger, _ = receivables.read(entries, AR, _POLICY.precision)
    return over_payments.to_customer_credits(subledger, fx.Rates(entries, "USD"), _POLICY)


def _generated(moved: over_payments.Moved) -> list[data.Transaction]:
    """The entries that move excesses and those that take them back as asked, in order."""
    return [movement.entry for _, movement in moved.movements]


_POLICY = ar_policy.ArPolicy(tolerance={"USD": Decimal("1.00")})
_POSTINGS = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.integers(1, 100_000)), min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 100_000), _POSTINGS)
def test_credits_moved_never_exceed_what_receipts_over_paid(
    total: int, posted: list[tuple[bool, bool, int]]
) -> None:
    # Postings to one invoice, in cents: receipts (with a bank reference) and
    # postings by hand, credits or debits. What is left in customer credits
    # (moved less taken back) is never more than the invoice is over paid,
    # nor than the receipts paid. With receipts paying it alone, nothing is
    # moved while the over payment is within the tolerance (1.00 USD), and
    # what stays on the invoice is at most the tolerance: what receipts after
    # the last move over paid within it, which `plugins.payment_differences`
    # writes off.
    text = _posted(total, posted)
    receipts = sum(cents for is_receipt, is_credit, cents in posted if is_receipt and is_credit)
    moved = _moved(text)
    entries, _, _ = loader.load_string(text)
    subledger, _ = receivables.read(entries, AR, _POLICY.precision)
    over_paid = -subledger.open["INV-1"]
    credited = sum(movement.units for _, movement in moved.movements)
    tolerance = _POLICY.tolerance_units("USD")
    assert 0 <= credited <= max(over_paid, 0)
    assert credited <= receipts
    if all(is_receipt and is_credit for is_receipt, is_credit, _ in posted):
        assert over_paid - credited <= tolerance
        if over_paid <= tolerance:
            assert credited == 0


def test_a_receipt_over_paying_within_the_tolerance_after_a_move_is_not_moved() -> None:
    # INV-1 of 0.01 is paid 1.02 (BR-1), then 0.01 (BR-2). BR-1 takes it to
    # 0.01 - 1.02 = -1.01, beyond the tolerance of 1.00: all 1.01 moves to
    # credits and the invoice is at 0.00. BR-2 takes it to -0.01, within the
    # tolerance: not moved (payment differences write it off). Moved: 1.01
    # once, from BR-1, though the invoice is over paid 1.02 in all.
    moved = _moved(_posted(1, [(True, True, 102), (True, True, 1)]))
    assert [movement.units for _, movement in moved.movements] == [101]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 100_000),
    _POSTINGS,
    st.integers(1, 7),
    st.booleans(),
    st.integers(1, 100_000),
)
def test_a_later_debit_never_changes_what_is_generated_before_it(
    total: int, posted: list[tuple[bool, bool, int]], day: int, is_receipt: bool, cents: int
) -> None:
    # A debit to the invoice (a refund, a returned payment, one by hand) on
    # Feb `day`, added to the books: every entry generated before that day
    # (what is moved, and what is asked back) is as it was without it (a
    # closed month stays closed), and what it adds is dated on or after it.
    text = _posted(total, posted)
    debit = _one_posting(f"2026-02-{day:02d}", is_receipt, False, cents, "BR-9")
    without, with_debit = _generated(_moved(text)), _generated(_moved(text + debit))
    added = datetime.date(2026, 2, day)
    assert [e for e in with_debit if e.date < added] == [e for e in without if e.date < added]
    assert all(entry.date >= added for entry in with_debit if entry not in without)


def _refund_to_the_receivable(date: str, amount: str) -> str:
    """The bank's refund naming INV-1, which the import debits to the receivable."""
    return f"""
{date} * "Acme" "REFUND INV-1" ^INV-1
  bank_reference: "BR-9"
  invoice: "INV-1"
  Assets:Bank:Operating  -{amount} USD
  Assets:AccountsReceivable  {amount} USD
"""


def _taken_back(entries: list[Any]) -> list[tuple[str, str]]:
    """(date, amount) of each take-back from customer credits."""
    return [
        (str(entry.date), str(entry.postings[0].units))
        for entry in generated(entries)
        if entry.meta.get(ar_entries.KIND) == over_payments.RETURNED_KIND
    ]


def test_a_later_refund_takes_back_only_what_the_credit_still_holds(books: Books) -> None:
    # 551.00 moves to credits on Feb 1 and pays INV-2 100.00 on Feb 10: the
    # credit holds 551.00 - 100.00 = 451.00. The bank's refund of 551.00
    # naming INV-1 on Mar 15 can take back 451.00 only; INV-1 is then open
    # 551.00 - 451.00 = 100.00, and February's entries stay as they were.
    #   Mar 31: INV-1 49.00 - 600.00 + 551.00 + 551.00 - 451.00 = 100.00;
    #           credits -551.00 + 100.00 + 451.00 = 0.00.
    february = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "100.00")
    )
    before, _ = load(books, february)
    text = february + _refund_to_the_receivable("2026-03-15", "551.00")
    entries, errors = load(books, text)
    assert errors == []
    in_february = [entry for entry in generated(before) if entry.date.month == 2]
    assert [entry for entry in generated(entries) if entry.date.month == 2] == in_february
    assert _taken_back(entries) == [("2026-03-15", "451.00 USD")]
    back = generated(entries)[-1]
    assert back.meta["revclose_receipt"] == "BR-1"
    assert back.meta["lineno"] == line_of(HEADER + text, "Receivable  551.00")
    assert held(entries, AR, "2026-03-31", "INV-1") == Decimal("100.00")
    assert held(entries, AR, "2026-03-31", "INV-2") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-03-31") == Decimal("0.00")


def test_a_refund_of_a_credit_used_up_takes_nothing_back(books: Books) -> None:
    # 551.00 moves to credits on Feb 1 and pays all of INV-2 (551.00) on
    # Feb 10: the credit holds 0.00. The bank's refund of 551.00 naming INV-1
    # on Mar 15 takes nothing back: the customer was refunded money already
    # spent, so INV-1 is open by the whole refund, 551.00, for the customer
    # to pay, and February stays as it was.
    #   Mar 31: INV-1 49.00 - 600.00 + 551.00 + 551.00 = 551.00;
    #           credits -551.00 + 551.00 = 0.00.
    february = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "551.00")
    )
    before, _ = load(books, february)
    entries, errors = load(books, february + _refund_to_the_receivable("2026-03-15", "551.00"))
    assert errors == []
    assert applications(entries) == applications(before)
    assert _taken_back(entries) == []
    assert held(entries, AR, "2026-03-31", "INV-1") == Decimal("551.00")
    assert held(entries, AR, "2026-03-31", "INV-2") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-03-31") == Decimal("0.00")


def test_a_refund_before_the_next_invoice_takes_the_credit_first(books: Books) -> None:
    # Date order both ways: the refund of 551.00 on Feb 5 comes before INV-2
    # (Feb 10), so it takes all 551.00 back and INV-1 is at 0.00 again; the
    # credit holds nothing on Feb 10, and INV-2 stays open 100.00.
    #   Feb 28: INV-1 49.00 - 600.00 + 551.00 + 551.00 - 551.00 = 0.00;
    #           INV-2 100.00; credits -551.00 + 551.00 = 0.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + _refund_to_the_receivable("2026-02-05", "551.00")
        + invoice(2, "2026-02-10", "100.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert _taken_back(entries) == [("2026-02-05", "551.00 USD")]
    assert held(entries, AR, "2026-02-28", "INV-1") == Decimal("0.00")
    assert held(entries, AR, "2026-02-28", "INV-2") == Decimal("100.00")
    assert held(entries, CREDITS, "2026-02-28") == Decimal("0.00")


def test_a_refund_after_a_refund_by_rule_takes_back_what_the_customer_still_holds(
    books: Books,
) -> None:
    # The bank refunds BR-1's 551.00 twice: by its REFUND rule to customer
    # credits on Feb 5 (naming no receipt, but Acme's, so CUS-1's), then
    # again naming INV-1 on Mar 15, posted to the receivable. On Mar 15 the
    # account holds 551.00 - 551.00 = 0.00 for CUS-1: nothing is taken back,
    # and INV-1 is open 551.00, the second refund, for the customer to repay.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + """
2026-02-05 * "Acme" "REFUND OVERPAYMENT"
  bank_reference: "BR-8"
  Assets:Bank:Operating  -551.00 USD
  Liabilities:CustomerCredits  551.00 USD
"""
        + _refund_to_the_receivable("2026-03-15", "551.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert _taken_back(entries) == []
    assert held(entries, AR, "2026-03-31", "INV-1") == Decimal("551.00")
    assert held(entries, CREDITS, "2026-03-31") == Decimal("0.00")


def test_a_receipt_after_a_take_back_capped_pays_what_it_left_open(books: Books) -> None:
    # As above: 451.00 is taken back on Mar 15 and INV-1 is open 100.00. The
    # customer pays those 100.00 naming INV-1 on Apr 1 (BR-3): they pay
    # INV-1, nothing is over paid (the books are read again with the
    # take-back known), and INV-1 and the credits are at 0.00.
    #   Apr 30: INV-1 100.00 - 100.00 = 0.00; credits 0.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "100.00")
        + _refund_to_the_receivable("2026-03-15", "551.00")
        + paid("2026-04-01", "100.00", "BR-3")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert _taken_back(entries) == [("2026-03-15", "451.00 USD")]
    assert [e for e in generated(entries) if e.meta.get("revclose_receipt") == "BR-3"] == []
    assert held(entries, AR, "2026-04-30", "INV-1") == Decimal("0.00")
    assert held(entries, CREDITS, "2026-04-30") == Decimal("0.00")


def test_what_a_newer_credit_cannot_give_back_is_asked_of_an_older_one(books: Books) -> None:
    # INV-1 of 100.00 paid 80.00 three times: BR-2 is 60.00 over, BR-3 80.00
    # (Feb 2 and 3). 50.00 of BR-3's is refunded by hand naming BR-3 on
    # Feb 5: it holds 30.00. A refund of 100.00 posted to INV-1 on Mar 1
    # takes back BR-3's 30.00 (the latest first), then 100.00 - 30.00 = 70.00
    # is asked of BR-2, which gives its 60.00; INV-1 is open for the 10.00
    # refunded beyond both.
    #   INV-1: 100.00 - 240.00 + 60.00 + 80.00 + 100.00 - 30.00 - 60.00 = 10.00;
    #   credits: -60.00 - 80.00 + 50.00 + 30.00 + 60.00 = 0.00.
    text = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-02-01", "80.00", "BR-1")
        + paid("2026-02-02", "80.00", "BR-2")
        + paid("2026-02-03", "80.00", "BR-3")
        + """
2026-02-05 * "Acme" "Refund of part of BR-3"
  receipt: "BR-3"
  customer: "CUS-1"
  Liabilities:CustomerCredits  50.00 USD
  Assets:Bank:Operating  -50.00 USD
"""
        + returned("2026-03-01", "100.00", "BR-9")
    )
    entries, errors = load(books, text)
    assert errors == []
    taken = [e for e in generated(entries) if e.meta[ar_entries.KIND] == "over-payment-returned"]
    assert [(e.meta["revclose_receipt"], str(e.postings[0].units)) for e in taken] == [
        ("BR-3", "30.00 USD"),
        ("BR-2", "60.00 USD"),
    ]
    assert balance(entries, AR, "USD") == Decimal("10.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


# Receipts over paying INV-1 (1.00) posted straight to it, refunds posted to
# it, and new invoices of CUS-1, each on one of the 59 days from Feb 1, in cents.
_BOOKS = st.lists(
    st.tuples(
        st.sampled_from(["over-payment", "refund", "invoice"]),
        st.integers(1, 59),
        st.integers(101, 100_000),
    ),
    min_size=1,
    max_size=8,
)


def _on(day: int) -> datetime.date:
    return datetime.date(2026, 2, 1) + datetime.timedelta(days=day - 1)


def _applications_before(entries: list[Any], day: datetime.date) -> list[Any]:
    return [e for e in generated(entries) if e.date < day and "cash-application" in e.tags]


@pytest.fixture(scope="module")
def later(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return Books(tmp_path_factory.mktemp("later"))


@settings(max_examples=40, deadline=None)
@given(_BOOKS, st.integers(1, 59), st.integers(1, 100_000))
def test_a_later_refund_never_changes_the_applications_before_it(
    later: Books, events: list[tuple[str, int, int]], day: int, cents: int
) -> None:
    # Over payments moved, credits applied to the customer's other invoices
    # and taken back, over February and March: a refund posted to INV-1 on
    # a later day, added to the books, leaves every cash application,
    # credit applied, move and take-back dated before that day as it was,
    # whatever the credit paid before it.
    text = invoice(1, "2026-01-05", "1.00")
    number = 1
    for index, (kind, on, amount) in enumerate(events):
        date = str(_on(on))
        if kind == "over-payment":
            text += paid(date, f"{(amount + 100) / 100:.2f}", f"BR-{index}")
        elif kind == "refund":
            text += returned(date, f"{amount / 100:.2f}", f"RF-{index}")
        else:
            number += 1
            text += invoice(number, date, f"{amount / 100:.2f}")
    added = _on(day)
    without, errors = load(later, text)
    assert errors == []
    with_refund, errors = load(later, text + returned(str(added), f"{cents / 100:.2f}", "RF-X"))
    assert errors == []
    assert _applications_before(with_refund, added) == _applications_before(without, added)


def _by_day(entries: list[Any], through: str) -> list[tuple[str, str | None, str]]:
    """Each generated entry dated up to a day: its date, narration and first amount."""
    return [
        (str(entry.date), entry.narration, str(entry.postings[0].units))
        for entry in generated(entries)
        if str(entry.date) <= through
    ]


def test_what_a_capped_take_back_reopens_is_paid_by_the_customers_next_credit(
    books: Books,
) -> None:
    # INV-1 49.00 paid 600.00 (BR-1, Jan 10): 551.00 moves to credits, and
    # pays INV-2 500.00 on Jan 20 and INV-3 10.00 on its day, Feb 1: it holds
    # 551 - 500 - 10 = 41.00. The bank returns 551.00 naming INV-1 on Feb 15:
    # the credit holds 41.00, so 41.00 is taken back and INV-1 is open
    # 49 - 600 + 551 + 551 - 41 = 510.00. R-3 brings 310.00 naming INV-3 on
    # Feb 20, which the credit paid on Feb 1: all 310.00 is the customer's
    # credit, which pays INV-1 310.00 that day (open 200.00). A payment of
    # 50.00 on INV-1 in March changes nothing in February.
    february = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-01-10", "600.00", "BR-1")
        + invoice(2, "2026-01-20", "500.00")
        + returned("2026-02-15", "551.00", "RF-1")
        + invoice(3, "2026-02-01", "10.00")
        + receipt("2026-02-20", "310.00 USD", "R-3", '\n  invoice: "INV-3"\n  customer: "CUS-1"')
    )
    before, errors = load(books, february)
    assert errors == []
    assert _by_day(before, "2026-02-28") == [
        ("2026-01-10", "Over payment of INV-1 from BR-1 moved to customer credit", "551.00 USD"),
        ("2026-01-20", "Customer credit from BR-1 applied to INV-2", "500.00 USD"),
        ("2026-02-01", "Customer credit from BR-1 applied to INV-3", "10.00 USD"),
        ("2026-02-15", "Over payment of INV-1 from BR-1 taken back from customer credit",
         "41.00 USD"),
        ("2026-02-20", "Customer credit from R-3: INV-3 is already paid", "310.00 USD"),
        ("2026-02-20", "Customer credit from R-3 applied to INV-1", "310.00 USD"),
    ]  # fmt: skip
    assert held(before, AR, "2026-02-28", "INV-1") == Decimal("200.00")
    after, errors = load(books, february + paid("2026-03-10", "50.00", "BR-5"))
    assert errors == []
    assert _by_day(after, "2026-02-28") == _by_day(before, "2026-02-28")


def test_three_capped_take_backs_in_a_row_settle(books: Books) -> None:
    # INV-1..3 of 10.00 are each paid 110.00 (Jan 1 to 3): three credits of
    # 100.00. BR-1's pays INV-99 100.00 on Jan 20. The bank returns 100.00
    # naming each invoice (Feb 2, 4, 6), a claim decided before the day's
    # credit applications. Feb 2: BR-1's credit is spent, nothing is taken
    # back, INV-1 is owed 100.00 again, and the next credit, BR-2's, pays it
    # that day. Feb 4: BR-2's is spent likewise; INV-2 is reopened and paid
    # by BR-3's. Feb 6: BR-3's is spent; INV-3 is owed 100.00. The customer
    # paid 330.00, got 300.00 back and was billed 130.00: owes 100.00, on
    # INV-3; credits 0.00. Each cap is seen only once the one before it is
    # known (four readings of the books): no error.
    text = "".join(
        invoice(k, f"2026-01-0{k}", "10.00") + paid(f"2026-01-0{k}", "110.00", f"BR-{k}", k)
        for k in (1, 2, 3)
    )
    text += invoice(99, "2026-01-20", "100.00")
    text += "".join(
        returned(f"2026-02-0{2 * k}", "100.00", f"RF-{k}").replace("INV-1", f"INV-{k}")
        for k in (1, 2, 3)
    )
    entries, errors = load(books, text)
    assert errors == []
    assert _by_day(entries, "2026-02-28")[3:] == [
        ("2026-01-20", "Customer credit from BR-1 applied to INV-99", "100.00 USD"),
        ("2026-02-02", "Customer credit from BR-2 applied to INV-1", "100.00 USD"),
        ("2026-02-04", "Customer credit from BR-3 applied to INV-2", "100.00 USD"),
    ]
    assert [held(entries, AR, "2026-02-28", f"INV-{k}") for k in (1, 2, 3, 99)] == [
        Decimal("0.00"), Decimal("0.00"), Decimal("100.00"), Decimal("0.00")
    ]  # fmt: skip
    assert held(entries, CREDITS, "2026-02-28") == Decimal("0.00")


# A day's postings to an invoice are read by what they are, never by the
# file and line they are typed at (`plugins.receivables.day_order`): the
# invoice, then the other debits (returned payments, refunds) by receipt
# id; then credit notes, credits typed by hand, and last the receipts, by
# receipt id; then amount and narration. Each test below lays the same
# entries out two ways and finds the same entries made, each at the same
# typed entry (`made_at_typed_lines`).

_GOODWILL_OPEN = "\n2026-01-01 open Expenses:Goodwill\n"


def _goodwill(date: str, amount: str) -> str:
    """A goodwill credit typed by hand to INV-1: no receipt id, no `credits`."""
    return f"""
{date} * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Expenses:Goodwill  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def test_two_straight_receipts_over_paying_on_one_day_move_one_excess_in_any_files(
    books: Books,
) -> None:
    # INV-1 40.00 (Jan 5); BR-1 30.00 and BR-2 70.00 posted straight to it
    # on Jan 10, each in its own bank file; then the two files swap what
    # they hold. The day's receipts are read by id: BR-1 leaves 40.00 -
    # 30.00 = 10.00 open, and BR-2 takes INV-1 to 10.00 - 70.00 = -60.00,
    # beyond the 1.00 tolerance: 60.00 moved to credits at BR-2, one entry,
    # either way. AR 40.00 - 30.00 - 70.00 + 60.00 = 0.00; credits -60.00.
    # (Before, with BR-2 in the first file, BR-2 took INV-1 to 40.00 - 70.00
    # = -30.00 and BR-1 to -60.00: 30.00 moved at each, BR-1 parking a
    # credit it did not in the other layout.)
    main = invoice(1, "2026-01-05", "40.00")
    main += '\ninclude "bank/a.beancount"\ninclude "bank/b.beancount"\n'
    amounts = {"BR-1": "30.00", "BR-2": "70.00"}
    made = []
    for in_a, in_b in (("BR-1", "BR-2"), ("BR-2", "BR-1")):
        books.write("bank/a.beancount", paid("2026-01-10", amounts[in_a], in_a))
        books.write("bank/b.beancount", paid("2026-01-10", amounts[in_b], in_b))
        entries, errors = load(books, main)
        assert errors == []
        assert [(day, squeezed(postings)) for day, _, postings in applications(entries)] == [
            ("2026-01-10", [f"{AR} 60.00 USD", f"{CREDITS} -60.00 USD"])
        ]
        assert generated(entries)[0].meta["revclose_receipt"] == "BR-2"
        assert balance(entries, AR, "USD") == Decimal("0.00")
        assert balance(entries, CREDITS, "USD") == Decimal("-60.00")
        made.append(made_at_typed_lines(entries, errors))
    assert made[0] == made[1]
    assert made[0][0].startswith('at 2026-01-10 * "Acme" "Wire BR-2" ^INV-1 | Assets:Acc')


def test_a_straight_receipt_and_a_goodwill_credit_on_the_invoices_day_read_in_one_order(
    books: Books,
) -> None:
    # INV-1 100.00 and INV-2 50.00 (Jan 4); on Jan 4 too BR-1 101.00 is
    # posted straight to INV-1 and a goodwill credit of 10.00 typed to it.
    # The day's credits typed by hand are read before its receipts, as on a
    # later day (the credit read on its day, `plugins.over_payments.InCalendar`):
    # the credit leaves 100.00 - 10.00 = 90.00 open, and BR-1 takes INV-1 to
    # 90.00 - 101.00 = -11.00, beyond the tolerance: 11.00 moved to credits
    # at BR-1, which pay 11.00 of INV-2 that day (open 50.00 - 11.00 =
    # 39.00). AR 150.00 - 101.00 - 10.00 + 11.00 - 11.00 = 39.00, credits
    # -11.00 + 11.00 = 0.00, no error, in either typed order. (Before, BR-1
    # typed first left -1.00, within the tolerance, and the credit, no
    # receipt, took INV-1 to -11.00 and moved nothing: an error "paid 11.00
    # USD more than its total" at the credit, INV-2 open 50.00.)
    billed = _GOODWILL_OPEN + invoice(1, "2026-01-04", "100.00") + invoice(2, "2026-01-04", "50.00")
    day = [paid("2026-01-04", "101.00", "BR-1"), _goodwill("2026-01-04", "10.00")]
    made = []
    for typed in (day, day[::-1]):
        entries, errors = load(books, billed + "".join(typed))
        assert errors == []
        assert [
            (day, text, squeezed(postings)) for day, text, postings in applications(entries)
        ] == [
            (
                "2026-01-04",
                "Over payment of INV-1 from BR-1 moved to customer credit",
                [f"{AR} 11.00 USD", f"{CREDITS} -11.00 USD"],
            ),
            (
                "2026-01-04",
                "Customer credit from BR-1 applied to INV-2",
                [f"{CREDITS} 11.00 USD", f"{AR} -11.00 USD"],
            ),
        ]
        assert balance(entries, AR, "USD") == Decimal("39.00")
        assert balance(entries, CREDITS, "USD") == Decimal("0.00")
        made.append(made_at_typed_lines(entries, errors))
    assert made[0] == made[1]


def test_a_days_returned_payments_take_back_the_excesses_by_their_ids(books: Books) -> None:
    # INV-1 100.00 (Jan 5); BR-1 150.00 straight on Jan 8 moves 150.00 -
    # 100.00 = 50.00 to credits, BR-2 30.00 straight on Jan 9 moves 30.00.
    # On Jan 10 the bank returns two payments of 30.00 to INV-1, RT-1 and
    # RT-2, typed in either order. A day's debits are read by id: RT-1
    # takes back the latest excess, BR-2's 30.00, and RT-2 30.00 of BR-1's
    # 50.00, each at its own line. Credits -50.00 - 30.00 + 30.00 + 30.00 =
    # -20.00 (BR-1's); AR 100.00 - 150.00 + 50.00 - 30.00 + 30.00 + 30.00
    # - 30.00 + 30.00 - 30.00 = 0.00. (Before, the one typed first took back
    # BR-2's.)
    excesses = invoice(1, "2026-01-05", "100.00")
    excesses += paid("2026-01-08", "150.00", "BR-1") + paid("2026-01-09", "30.00", "BR-2")
    day = [returned("2026-01-10", "30.00", "RT-1"), returned("2026-01-10", "30.00", "RT-2")]
    made = []
    for typed in (day, day[::-1]):
        text = excesses + "".join(typed)
        entries, errors = load(books, text)
        assert errors == []
        taken = [entry for entry in generated(entries) if entry.date == datetime.date(2026, 1, 10)]
        assert [
            (entry.narration, entry.meta["lineno"], squeezed([str(entry.postings[0].units)]))
            for entry in sorted(taken, key=lambda entry: entry.meta["revclose_receipt"])
        ] == [
            (
                "Over payment of INV-1 from BR-1 taken back from customer credit",
                line_of(HEADER + text, 'bank_reference: "RT-2"') + 4,  # RT-2's receivable line
                ["30.00 USD"],
            ),
            (
                "Over payment of INV-1 from BR-2 taken back from customer credit",
                line_of(HEADER + text, 'bank_reference: "RT-1"') + 4,
                ["30.00 USD"],
            ),
        ]
        assert balance(entries, CREDITS, "USD") == Decimal("-20.00")
        assert balance(entries, AR, "USD") == Decimal("0.00")
        made.append(made_at_typed_lines(entries, errors))
    assert made[0] == made[1]


def test_a_days_receipts_are_read_by_their_numbers_as_numbers(books: Books) -> None:
    # INV-1 100.00 (Jan 5); BR-9 60.00 and BR-10 70.00 posted straight to
    # it on Jan 10. A day's receipts are read by receipt id as an accountant
    # reads it, numbers as numbers (`meta.natural_key`): BR-9 leaves 100.00
    # - 60.00 = 40.00 open, BR-10 takes it to 40.00 - 70.00 = -30.00, and
    # 30.00 (beyond the 1.00 tolerance) is moved to credits at BR-10. AR
    # 100.00 - 60.00 - 70.00 + 30.00 = 0.00. (Before, the ids compared as
    # text, "BR-10" < "BR-9": BR-10 paid first, 100.00 - 70.00 = 30.00 open,
    # and BR-9 took it to -30.00: the 30.00 was moved at BR-9.)
    text = invoice(1, "2026-01-05", "100.00")
    text += paid("2026-01-10", "60.00", "BR-9") + paid("2026-01-10", "70.00", "BR-10")
    entries, errors = load(books, text)
    assert errors == []
    moved = [entry for entry in generated(entries) if entry.meta["revclose_kind"] == "over-payment"]
    assert [(entry.meta["revclose_receipt"], number(entry.postings[0])) for entry in moved] == [
        ("BR-10", Decimal("30.00"))
    ]
    assert balance(entries, AR, "USD") == Decimal("0.00")


# Pin (review rev43): a void and a payment of one day, typed in either
# order: the void is read first, so the payment is the customer's credit.
@pytest.mark.parametrize("void_first", [True, False])
def test_pin_a_payment_on_the_day_its_invoice_is_voided_is_the_customers_credit(
    books: Books, void_first: bool
) -> None:
    # INV-1 100.00 (Jan 5), voided on Jan 10 (-100.00, the invoice's own
    # metadata and `status: "void"`) and BR-1 100.00 posted straight to it
    # that day. The void leaves 100.00 - 100.00 = 0.00 open; BR-1 takes it
    # to 0.00 - 100.00 = -100.00: 100.00 moved to credits at BR-1.
    voided = """
2026-01-10 * "Acme" "Void INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-01-10
  status: "void"
  Assets:AccountsReceivable  -100.00 USD
  Income:Revenue:Services  100.00 USD
"""
    payment = paid("2026-01-10", "100.00", "BR-1")
    text = invoice(1, "2026-01-05", "100.00") + (
        voided + payment if void_first else payment + voided
    )
    entries, errors = load(books, text)
    assert errors == []
    moved = [entry for entry in generated(entries) if entry.meta["revclose_kind"] == "over-payment"]
    assert [(entry.meta["revclose_receipt"], number(entry.postings[0])) for entry in moved] == [
        ("BR-1", Decimal("100.00"))
    ]
