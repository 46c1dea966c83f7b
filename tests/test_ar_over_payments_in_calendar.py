"""What a later straight receipt or credit note over pays, decided once, on its day.

The matcher reads an invoice a receipt is posted straight to, or a credit
note netted to, after its date on that day (`plugins.cash_matching`); what
a straight receipt then finds paid is the customer's, and what a credit note
nets beyond what is open is left open on the note
(`plugins.over_payments.InCalendar`). A straight receipt's excess is one
figure whether the invoice was paid before by receipts posted straight or
by matched cash, weighed against the tolerance as a whole; a credit note
and a straight receipt on the same day are each decided on their own
(README "Over payments of receipts posted straight").
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data

from plugins import over_payments, period_lock
from tests.conftest import Books, generated, number
from tests.rated_books import EURO_INV_1, sealed
from tests.test_ar_chargebacks import chargeback
from tests.test_ar_closed_months import BANK_FEE, _open, alone_and_both, january_kept
from tests.test_ar_payment_differences import paid, paid_back
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    balance,
    credit_note,
    invoice,
    load,
    receipt,
)

DIFFERENCES = "Expenses:PaymentDifferences"
CUSTOMER = '\n  customer: "CUS-1"'
NAMING_INV_1 = CUSTOMER + '\n  invoice: "INV-1"'
FEBRUARY = datetime.date(2026, 2, 1)


def _later(entries: list[data.Directive]) -> list[tuple[str, str, list[str], list[str]]]:
    """(date, narration, sorted links, postings) of each generated entry dated from February 1."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            sorted(entry.links),
            [f"{posting.account} {posting.units}" for posting in entry.postings],
        )
        for entry in generated(entries)
        if entry.date >= FEBRUARY
    ]


def _loaded(books: Books, january: str, later: str) -> list[data.Directive]:
    """The books with the later text; January's entries are the same as loaded alone."""
    alone, errors = load(books, january)
    assert errors == []
    both, errors = load(books, january + later)
    assert errors == []
    closed = [period_lock.fingerprint(entry) for entry in alone if entry.date < FEBRUARY]
    assert [period_lock.fingerprint(entry) for entry in both if entry.date < FEBRUARY] == closed
    return both


def _moved(receipt_id: str, units: str) -> tuple[str, str, list[str], list[str]]:
    return (
        "2026-02-10",
        f"Over payment of INV-1 from {receipt_id} moved to customer credit",
        [receipt_id, "INV-1"],
        [f"Assets:AccountsReceivable {units} USD", f"Liabilities:CustomerCredits -{units} USD"],
    )


def test_worked_example_a_straight_receipts_excess_is_one_whatever_paid_before_it(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-1 0.50 naming INV-1 pays 0.50 from unapplied
    # cash on Jan 20: open 99.50. BR-1 150.00 straight on Feb 10 over pays it
    # by 150.00 - 99.50 = 50.50, beyond the 1.00 tolerance: all 50.50 moved
    # to credits in one entry at BR-1, nothing written off, as when the 0.50
    # came straight (BR-0 0.50 on Jan 20). (Before, the typed postings alone
    # moved 100.00 - 150.00 = 50.00 before matching, and the 0.50 the
    # matched cash left over was found on its own, within the tolerance, and
    # written off: two homes, two figures.)
    #   Credits -50.50; payment differences 0.00; INV-1 open 0.00.
    later = paid("2026-02-10", "150.00", "BR-1")
    matched = invoice(1, "2026-01-05", "100.00") + receipt(
        "2026-01-20", "0.50 USD", "R-1", NAMING_INV_1
    )
    both = _loaded(books, matched, later)
    assert _later(both) == [_moved("BR-1", "50.50")]
    assert balance(both, CREDITS, "USD") == Decimal("-50.50")
    assert balance(both, DIFFERENCES, "USD") == Decimal("0.00")
    assert balance(both, "Assets:AccountsReceivable", "USD") == Decimal("0.00")
    straight = invoice(1, "2026-01-05", "100.00") + paid("2026-01-20", "0.50", "BR-0")
    assert _later(_loaded(books, straight, later)) == [_moved("BR-1", "50.50")]


def test_two_straight_receipts_on_a_day_over_pay_matched_cash_in_one_entry(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-1 0.60 naming INV-1 on Jan 20: open 99.40.
    # BR-1 100.00 and BR-2 50.00 straight on Feb 10: 150.00 - 99.40 = 50.60
    # over, moved in one entry at BR-2 (the receipt that took it below zero),
    # nothing written off. (Before: 50.00 moved, 0.60 written off.)
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "0.60 USD", "R-1", NAMING_INV_1)
    later = paid("2026-02-10", "100.00", "BR-1") + paid("2026-02-10", "50.00", "BR-2")
    both = _loaded(books, january, later)
    assert _later(both) == [_moved("BR-2", "50.60")]
    assert balance(both, DIFFERENCES, "USD") == Decimal("0.00")


def test_a_straight_receipt_over_an_invoice_matched_in_full_moves_all_of_it_at_once(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) paid in full by R-1 100.00 (the customer's only)
    # matched by amount on Jan 20. BR-1 150.00 straight on Feb 10 finds it
    # paid: all 150.00 is the customer's, one entry. (Before: 50.00 moved by
    # the typed postings and 100.00 in the calendar, two entries.)
    january = invoice(1, "2026-01-05", "100.00") + receipt(
        "2026-01-20", "100.00 USD", "R-1", CUSTOMER
    )
    both = _loaded(books, january, paid("2026-02-10", "150.00", "BR-1"))
    assert _later(both) == [_moved("BR-1", "150.00")]
    assert balance(both, CREDITS, "USD") == Decimal("-150.00")


def test_worked_example_a_credit_note_and_a_straight_receipt_on_a_day_are_each_decided(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) paid by R-1 100.00 on Jan 20. On Feb 10 CN-1
    # credits it 0.30 and BR-1 pays 0.30 straight: each finds it paid. The
    # credit note's 0.30 is left open on CN-1 whatever the tolerance (as
    # CN-1 alone); the receipt's 0.30 is within the 1.00 tolerance and
    # written off. Each entry is linked to its own document. (Before, the
    # day's 0.60 was all BR-1's, within the tolerance, and written off.)
    #   CN-1 -0.30; credits 0.00; payment differences -0.30 (BR-1's);
    #   INV-1 100.00 - 100.00 - 0.30 + 0.30 - 0.30 + 0.30 = 0.00.
    january = invoice(1, "2026-01-05", "100.00") + receipt(
        "2026-01-20", "100.00 USD", "R-1", CUSTOMER
    )
    later = credit_note(1, "2026-02-10", "0.30", "INV-1") + paid("2026-02-10", "0.30", "BR-1")
    both = _loaded(books, january, later)
    assert _later(both)[1:] == [
        (
            "2026-02-10",
            "Credit note CN-1 beyond what is open of INV-1 left open on CN-1",
            ["CN-1", "INV-1"],
            ["Assets:AccountsReceivable 0.30 USD", "Assets:AccountsReceivable -0.30 USD"],
        ),
        (
            "2026-02-10",
            "Payment difference of INV-1 from BR-1 written off",
            ["BR-1", "INV-1"],
            ["Expenses:PaymentDifferences -0.30 USD", "Assets:AccountsReceivable 0.30 USD"],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-0.30")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, DIFFERENCES, "USD") == Decimal("-0.30")
    assert balance(both, "Assets:AccountsReceivable", "USD") == Decimal("-0.30")


def test_a_credit_note_beyond_and_a_receipt_within_the_tolerance_on_a_day(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-1 99.80 naming INV-1 on Jan 20 pays it, its
    # 0.20 short written off. On Feb 10 CN-1 credits 20.00 and BR-1 pays
    # 0.50 straight: CN-1's 20.00 is left open on CN-1, BR-1's 0.50 is
    # within the tolerance and written off. (Before, 20.50 moved at BR-1.)
    #   CN-1 -20.00; credits 0.00; payment differences 0.20 - 0.50 = -0.30.
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "99.80 USD", "R-1", NAMING_INV_1)
    later = credit_note(1, "2026-02-10", "20.00", "INV-1") + paid("2026-02-10", "0.50", "BR-1")
    both = _loaded(books, january, later)
    assert [(date, narration, links) for date, narration, links, _ in _later(both)[1:]] == [
        (
            "2026-02-10",
            "Credit note CN-1 beyond what is open of INV-1 left open on CN-1",
            ["CN-1", "INV-1"],
        ),
        ("2026-02-10", "Payment difference of INV-1 from BR-1 written off", ["BR-1", "INV-1"]),
    ]
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-20.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, DIFFERENCES, "USD") == Decimal("-0.30")


def test_a_chargeback_repaid_straight_pays_its_invoice_when_an_older_one_is_open(
    books: Books,
) -> None:
    # INV-0 200.00 (Jan 2) and INV-1 100.00 (Jan 5); R-1 100.00 naming INV-1
    # pays it on Jan 20. 30.00 of R-1 is charged back on Feb 15: INV-1 is
    # owed 30.00 again. BR-1 30.00 straight to INV-1 on Mar 1 pays those
    # 30.00: INV-1 100.00 - 100.00 + 30.00 - 30.00 = 0.00, INV-0 open 200.00,
    # credits 0.00. Today the chargeback is taken back only once cash is
    # matched, so on Mar 1 the calendar finds INV-1 paid: BR-1's 30.00 is
    # the customer's credit, which pays the oldest open invoice, INV-0
    # (open 170.00), and INV-1 stays open 30.00.
    text = invoice(0, "2026-01-02", "200.00") + invoice(1, "2026-01-05", "100.00")
    text += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    text += chargeback("2026-02-15", "30.00") + paid("2026-03-01", "30.00", "BR-1")
    both, errors = load(books, text)
    assert errors == []
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("200.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def _taken_back(day: str) -> tuple[str, str, list[str], list[str]]:
    return (
        day,
        "Chargeback of R-1 taken back from INV-1",
        ["INV-1", "R-1"],
        ["Assets:AccountsReceivable 30.00 USD", "Liabilities:UnappliedCash -30.00 USD"],
    )


def test_worked_example_a_chargeback_repaid_straight_the_same_day_pays_its_invoice(
    books: Books,
) -> None:
    # INV-0 200.00 (Jan 2) and INV-1 100.00 (Jan 5); R-1 100.00 naming INV-1
    # pays it on Jan 20. On Feb 15 the bank charges back 30.00 of R-1 and the
    # customer pays them again, BR-1 30.00 straight to INV-1. What the
    # chargeback opens again and BR-1 pays are read together at the end of
    # Feb 15: INV-1 100.00 - 100.00 + 30.00 - 30.00 = 0.00, so BR-1 over
    # pays nothing and parks no credit. INV-0 open 200.00; credits 0.00;
    # unapplied cash 100.00 - 100.00 - 30.00 + 30.00 = 0.00. (Before, the
    # calendar found INV-1 paid on Feb 15: BR-1's 30.00 was the customer's
    # credit and paid INV-0, leaving INV-0 open 170.00 and INV-1 30.00.)
    january = invoice(0, "2026-01-02", "200.00") + invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    later = chargeback("2026-02-15", "30.00") + paid("2026-02-15", "30.00", "BR-1")
    both = _loaded(books, january, later)
    assert _later(both) == [_taken_back("2026-02-15")]
    assert _open(both, "INV-1", "2026-02-15") == Decimal("0.00")
    assert _open(both, "INV-0", "2026-02-28") == Decimal("200.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_worked_example_a_receipt_naming_an_invoice_a_chargeback_opened_again_pays_it(
    books: Books,
) -> None:
    # INV-0 200.00 (Jan 2) and INV-1 100.00 (Jan 5); R-1 100.00 naming INV-1
    # pays it on Jan 20; 30.00 of R-1 is charged back on Feb 15, so INV-1 is
    # owed 30.00 from then. R-2 30.00 naming INV-1 arrives in unapplied cash
    # on Mar 1: INV-1 is open 30.00 that day, and R-2 pays them:
    #   INV-1 100.00 - 100.00 + 30.00 - 30.00 = 0.00; INV-0 open 200.00;
    #   credits 0.00; unapplied cash 100.00 - 100.00 - 30.00 + 30.00
    #   + 30.00 - 30.00 = 0.00. INV-0, due Jan 2, is flagged past due on Mar 3
    #   (60 days) at all 200.00.
    # (Before, the calendar found INV-1 paid on Mar 1: R-2 was the
    # customer's credit, which paid INV-0 170.00 open, and INV-1 stayed
    # open 30.00.)
    january = invoice(0, "2026-01-02", "200.00") + invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    later = chargeback("2026-02-15", "30.00")
    later += receipt("2026-03-01", "30.00 USD", "R-2", NAMING_INV_1)
    both = _loaded(books, january, later)
    assert _later(both) == [
        _taken_back("2026-02-15"),
        (
            "2026-03-01",
            "Cash application INV-1 from R-2",
            ["INV-1", "R-2"],
            ["Liabilities:UnappliedCash 30.00 USD", "Assets:AccountsReceivable -30.00 USD"],
        ),
        (
            "2026-03-03",
            "Invoice INV-0: 200.00 USD open 60 days past due (due 2026-01-02)",
            ["INV-0"],
            [],
        ),
    ]
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("200.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_a_repayment_beyond_what_a_chargeback_opened_again_is_the_customers_credit(
    books: Books,
) -> None:
    # As above (INV-0 200.00 open, INV-1 100.00 paid by R-1 on Jan 20,
    # 30.00 of R-1 charged back on Feb 15). BR-1 50.00 straight to INV-1 on
    # Mar 1 pays the 30.00 opened again and over pays 50.00 - 30.00 = 20.00,
    # beyond the 1.00 tolerance: moved to the customer's credit on Mar 1,
    # which pays INV-0, the oldest open: INV-0 200.00 - 20.00 = 180.00,
    # INV-1 0.00, credits 20.00 - 20.00 = 0.00.
    text = invoice(0, "2026-01-02", "200.00") + invoice(1, "2026-01-05", "100.00")
    text += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    both, errors = load(
        books, text + chargeback("2026-02-15", "30.00") + paid("2026-03-01", "50.00", "BR-1")
    )
    assert errors == []
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("180.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    # BR-1 30.00 on Feb 10, before the chargeback, finds INV-1 paid: its
    # 30.00 are the customer's credit from Feb 10 and pay INV-0 (open
    # 200.00 - 30.00 = 170.00); the chargeback opens INV-1 by 30.00 on Feb 15.
    both, errors = load(
        books, text + chargeback("2026-02-15", "30.00") + paid("2026-02-10", "30.00", "BR-1")
    )
    assert errors == []
    assert _open(both, "INV-1", "2026-03-31") == Decimal("30.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("170.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_credit_note_after_a_chargeback_nets_what_the_chargeback_opened_again(
    books: Books,
) -> None:
    # INV-0 200.00 open; INV-1 100.00 paid by R-1 naming it on Jan 20; 30.00
    # of R-1 charged back on Feb 15, so INV-1 is owed 30.00 from then. CN-1
    # 25.00 for INV-1 on Mar 1 nets 25.00 of those 30.00: INV-1 100.00 -
    # 100.00 + 30.00 - 25.00 = 5.00, CN-1 -25.00 + 25.00 = 0.00, INV-0
    # 200.00, credits 0.00. (Before, the calendar found INV-1 paid on Mar 1
    # and moved the 25.00 back to CN-1, left open -25.00, INV-1 open 30.00.)
    text = invoice(0, "2026-01-02", "200.00") + invoice(1, "2026-01-05", "100.00")
    text += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    text += chargeback("2026-02-15", "30.00") + credit_note(1, "2026-03-01", "25.00", "INV-1")
    both, errors = load(books, text)
    assert errors == []
    assert _open(both, "INV-1", "2026-03-31") == Decimal("5.00")
    assert _open(both, "CN-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("200.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


MARCH = datetime.date(2026, 3, 1)


def _through_february(entries: list[data.Directive]) -> list[str]:
    """The fingerprints of every entry dated before March: what February's seal holds."""
    return sorted(period_lock.fingerprint(entry) for entry in entries if entry.date < MARCH)


def _chargeback_then_other_cash() -> str:
    # INV-1 100.00 (Jan 5) paid by R-1 100.00 naming it on Jan 20; 30.00 of
    # R-1 charged back on Feb 15: INV-1 is owed 30.00 from then. INV-3
    # 30.00 is billed on Feb 18, and R-2 30.00 naming only the customer
    # comes on Feb 20: an exact amount, with two invoices open 30.00 that
    # day, it pays the oldest, INV-1.
    text = invoice(1, "2026-01-05", "100.00")
    text += receipt("2026-01-20", "100.00 USD", "R-1", NAMING_INV_1)
    text += chargeback("2026-02-15", "30.00") + invoice(3, "2026-02-18", "30.00")
    return text + receipt("2026-02-20", "30.00 USD", "R-2", CUSTOMER) + BANK_FEE


def _february_closed(books: Books, later: str) -> list[data.Directive]:
    """The books with the later text; February's entries are the same as loaded alone."""
    february, errors = load(books, _chargeback_then_other_cash())
    assert errors == []
    assert _open(february, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(february, "INV-3", "2026-02-28") == Decimal("30.00")
    both, errors = load(books, _chargeback_then_other_cash() + later)
    assert errors == []
    assert _through_february(both) == _through_february(february)
    return both


def test_what_a_chargeback_opened_again_is_known_whatever_a_later_month_holds(
    books: Books,
) -> None:
    # February alone: R-2 pays INV-1's 30.00 opened again on Feb 15 (the
    # oldest open by 30.00 on Feb 20), INV-3 stays open 30.00. BR-1 30.00
    # posted straight to INV-1 on Mar 1 (the customer repaying the
    # chargeback) then finds INV-1 paid: it is the customer's credit from
    # Mar 1, which pays INV-3 that day. February is as it was: INV-1
    # 100.00 - 100.00 + 30.00 - 30.00 = 0.00, INV-3 30.00 - 30.00 = 0.00,
    # credits 30.00 - 30.00 = 0.00. (A review proved that when the books
    # were read again only for a later credit naming INV-1, BR-1 moved R-2
    # from INV-3 to INV-1 in a closed February.)
    both = _february_closed(books, paid("2026-03-01", "30.00", "BR-1"))
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-3", "2026-03-31") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_receipt_naming_an_invoice_a_chargeback_opened_leaves_the_month_before_alone(
    books: Books,
) -> None:
    # As above, with R-3 30.00 naming INV-1 in unapplied cash on Mar 1
    # instead of BR-1: INV-1 is paid (by R-2 on Feb 20), so R-3 is the
    # customer's credit from Mar 1 and pays INV-3 (open 30.00) that day.
    # February as it was; INV-1 0.00, INV-3 0.00, unapplied cash
    # -100.00 + 100.00 + 30.00 - 30.00 - 30.00 + 30.00 - 30.00 + 30.00 = 0.00, credits 0.00.
    both = _february_closed(books, receipt("2026-03-01", "30.00 USD", "R-3", NAMING_INV_1))
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "INV-3", "2026-03-31") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def _link(i: int, month: int) -> str:
    """R-i charged back 30.00 on the 10th; R-(i+1) 30.00 naming the customer on the 12th."""
    return chargeback(f"2026-{month:02d}-10", "30.00", f"R-{i}") + receipt(
        f"2026-{month:02d}-12", "30.00 USD", f"R-{i + 1}", CUSTOMER
    )


def test_eight_monthly_chargebacks_each_repaid_settle(books: Books) -> None:
    # INV-1 100.00 (Jan 2) paid by R-1 naming it on Jan 2; INV-2..INV-9
    # 30.00 each (Jan 3). Each month m = 1..8: 30.00 of R-m charged back on
    # the 10th (R-m paid INV-1, so INV-1 is open 30.00 again), and R-(m+1)
    # 30.00 naming only the customer on the 12th pays the oldest invoice
    # open by 30.00: INV-1 (Jan 2) before INV-2..INV-9 (Jan 3). So every
    # R-m paid INV-1, every chargeback reopens INV-1 and every repayment
    # closes it: INV-1 100.00 - 100.00 + 8 x (30.00 - 30.00) = 0.00,
    # INV-2..INV-9 30.00 each, AR 8 x 30.00 = 240.00. Each reading of the
    # books settles one more link (what R-(m+1) pays is known once the
    # reopening by R-m's chargeback is); a review found that the eighth
    # link ended in "did not settle in 8 readings" with INV-1 30.00, INV-3
    # 0.00. Readings that only move reopenings forward in time are not
    # counted against the limit (`plugins.ar_reconciliation._advanced`).
    text = invoice(1, "2026-01-02", "100.00")
    text += receipt("2026-01-02", "100.00 USD", "R-1", CUSTOMER + '\n  invoice: "INV-1"')
    text += "".join(invoice(i, "2026-01-03", "30.00") for i in range(2, 10))
    text += "".join(_link(m, m) for m in range(1, 9)) + BANK_FEE
    entries, errors = load(books, text)
    assert errors == []
    assert _open(entries, "INV-1", "2026-12-31") == Decimal("0.00")
    others = [_open(entries, f"INV-{i}", "2026-12-31") for i in range(2, 10)]
    assert others == [Decimal("30.00")] * 8


def _left_open(units: str) -> tuple[str, str, list[str], list[str]]:
    return (
        "2026-02-11",
        "Credit note CN-1 beyond what is open of INV-1 left open on CN-1",
        ["CN-1", "INV-1"],
        [f"Assets:AccountsReceivable {units} USD", f"Assets:AccountsReceivable -{units} USD"],
    )


def _netted(units: str) -> tuple[str, str, list[str], list[str]]:
    return (
        "2026-02-11",
        "Credit note CN-1 applied to INV-1",
        ["CN-1", "INV-1"],
        [f"Assets:AccountsReceivable {units} USD", f"Assets:AccountsReceivable -{units} USD"],
    )


def _postings_to(entry: data.Directive) -> list[str]:
    assert isinstance(entry, data.Transaction)
    return [f"{(posting.meta or {}).get('invoice')} {posting.units}" for posting in entry.postings]


def test_worked_example_a_later_credit_note_on_a_paid_invoice_is_left_open_on_the_note(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) paid on Jan 20, once straight (BR-0), once by R-1
    # matched by amount. CN-1 credits INV-1 25.00 on Feb 11. Paid straight,
    # nothing is open of INV-1 when credit notes are netted: CN-1 is not
    # netted and stays open -25.00 in the receivable, a credit the customer
    # is refunded or that is applied by hand (README, credit notes).
    #   INV-1 100.00 - 100.00 = 0.00; CN-1 -25.00; credits 0.00.
    # Paid by R-1, cash matched later in the calendar: CN-1 nets 25.00 (all
    # open before cash is matched), and on Feb 11 the calendar finds INV-1
    # paid, so those 25.00 are moved back from INV-1 to CN-1 that day.
    #   INV-1 100.00 - 100.00 - 25.00 + 25.00 = 0.00;
    #   CN-1 -25.00 + 25.00 - 25.00 = -25.00; credits 0.00: the same balances.
    later = credit_note(1, "2026-02-11", "25.00", "INV-1")
    january = invoice(1, "2026-01-05", "100.00")
    straight = _loaded(books, january + paid("2026-01-20", "100.00", "BR-0"), later)
    assert _later(straight) == []
    assert _open(straight, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(straight, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert balance(straight, "Assets:AccountsReceivable", "USD") == Decimal("-25.00")
    assert balance(straight, CREDITS, "USD") == Decimal("0.00")
    matched = _loaded(books, january + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER), later)
    assert _later(matched) == [_netted("25.00"), _left_open("25.00")]
    assert _postings_to(generated(matched)[-1]) == ["INV-1 25.00 USD", "CN-1 -25.00 USD"]
    assert _open(matched, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(matched, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert balance(matched, "Assets:AccountsReceivable", "USD") == Decimal("-25.00")
    assert balance(matched, CREDITS, "USD") == Decimal("0.00")


def test_a_later_credit_note_larger_than_its_invoice_nets_at_most_what_is_open(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); CN-1 150.00 credits it on Feb 11. Unpaid, 100.00
    # is open: CN-1 nets 100.00 and stays open 150.00 - 100.00 = 50.00 in the
    # receivable. Paid by R-1 on Jan 20 (matched in the calendar), the
    # netting still sees 100.00 open and nets 100.00, which the calendar
    # finds paid on Feb 11 and moves back to CN-1: all 150.00 stays open on
    # CN-1, as paid straight it would; credits 0.00.
    january = invoice(1, "2026-01-05", "100.00")
    later = credit_note(1, "2026-02-11", "150.00", "INV-1")
    unpaid = _loaded(books, january + BANK_FEE, later)
    assert _later(unpaid) == [_netted("100.00")]
    assert _open(unpaid, "CN-1", "2026-02-28") == Decimal("-50.00")
    assert balance(unpaid, CREDITS, "USD") == Decimal("0.00")
    matched = january + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
    both = _loaded(books, matched, later)
    assert _later(both) == [_netted("100.00"), _left_open("100.00")]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-150.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_two_later_credit_notes_on_a_paid_invoice_are_each_left_open_by_what_they_netted(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) paid by R-1 matched on Jan 20. CN-1 30.00 and
    # CN-2 10.00 credit INV-1 on Feb 11: each nets all of itself (100.00
    # open by the typed postings), and the calendar finds 40.00 netted on a
    # paid invoice: CN-2's 10.00 moved back first (the greatest id), then
    # CN-1's 30.00, each to its own note.
    #   INV-1 100.00 - 100.00 - 30.00 - 10.00 + 10.00 + 30.00 = 0.00;
    #   CN-1 -30.00; CN-2 -10.00; credits 0.00.
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
    later = credit_note(1, "2026-02-11", "30.00", "INV-1")
    later += credit_note(2, "2026-02-11", "10.00", "INV-1")
    both = _loaded(books, january, later)
    assert sorted(
        (narration, postings) for _, narration, _, postings in _later(both) if "left" in narration
    ) == [
        (
            "Credit note CN-1 beyond what is open of INV-1 left open on CN-1",
            ["Assets:AccountsReceivable 30.00 USD", "Assets:AccountsReceivable -30.00 USD"],
        ),
        (
            "Credit note CN-2 beyond what is open of INV-1 left open on CN-2",
            ["Assets:AccountsReceivable 10.00 USD", "Assets:AccountsReceivable -10.00 USD"],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-30.00")
    assert _open(both, "CN-2", "2026-02-28") == Decimal("-10.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_refund_of_a_credit_note_left_open_leaves_its_month_as_it_was(books: Books) -> None:
    # INV-1 100.00 (Jan 5) paid by R-1 matched on Jan 20; CN-1 25.00 for
    # INV-1 on Feb 11 nets 25.00 and leaves 25.00 open on CN-1 that day (as
    # above). The customer is refunded CN-1 on Mar 5, typed through the
    # receivable naming CN-1. February is as it was without March: the
    # netting reads CN-1 as known on Feb 11, before its refund.
    #   Mar 31: INV-1 0.00; CN-1 -25.00 + 25.00 = 0.00; credits 0.00;
    #   receivable 0.00.
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
    february = credit_note(1, "2026-02-11", "25.00", "INV-1")
    march = """
2026-03-05 * "Acme" "Refund of CN-1" ^CN-1
  customer: "CUS-1"
  Assets:AccountsReceivable   25.00 USD
    invoice: "CN-1"
  Assets:Bank:Operating      -25.00 USD
"""
    alone, errors = load(books, january + february)
    assert errors == []
    both, errors = load(books, january + february + march)
    assert errors == []
    march_first = datetime.date(2026, 3, 1)
    closed = [period_lock.fingerprint(entry) for entry in alone if entry.date < march_first]
    assert [period_lock.fingerprint(e) for e in both if e.date < march_first] == closed
    assert _later(both) == [_netted("25.00"), _left_open("25.00")]
    assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert _open(both, "CN-1", "2026-03-31") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Assets:AccountsReceivable", "USD") == Decimal("0.00")


# INV-1 100.00 EUR (Jan 5) at 1.20 is carried at 120.00 USD; R-1 60.00 EUR
# naming it on Jan 20 (at 1.20) pays 60.00 EUR, 72.00 USD cleared, nothing
# realized: 40.00 EUR open at January 31. EUR is 1.10 from Feb 1.
IN_EUROS = (
    EURO_INV_1
    + """

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  60.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -60.00 EUR @ 1.20 USD
"""
    + BANK_FEE
)


def _paid_in_euros(eur: str) -> str:
    """BR-1, posted straight to INV-1 on Feb 10 at 1.10, its own rate."""
    return f"""
2026-02-10 * "Acme" "Wire BR-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Euro  {eur} EUR @ 1.10 USD
  Assets:AccountsReceivable  -{eur} EUR @ 1.10 USD
"""


def _priced(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(date, narration, postings with their prices) of each generated entry from February 1."""
    return [
        (str(entry.date), str(entry.narration), [_shown(posting) for posting in entry.postings])
        for entry in generated(entries)
        if entry.date >= FEBRUARY and "remeasurement" not in str(entry.meta.get("revclose_kind"))
    ]


def _shown(posting: data.Posting) -> str:
    price = f" @ {posting.price}" if posting.price is not None else ""
    return f"{posting.account} {posting.units}{price}"


def _brought_to_carrying(eur: str, loss: str) -> tuple[str, str, list[str]]:
    """BR-1's own 1.10 brought to INV-1's 1.20 (`plugins.derecognition`)."""
    return (
        "2026-02-10",
        "Exchange difference on INV-1: settled at 1.10, carried at 1.20",
        [
            f"Assets:AccountsReceivable {eur} EUR @ 1.10 USD",
            f"Assets:AccountsReceivable -{eur} EUR @ 1.20 USD",
            f"Income:ForeignExchange:Realized {loss} USD",
        ],
    )


def test_worked_example_a_straight_receipts_excess_at_a_rate_is_moved_at_the_carrying_rate(
    books: Books,
) -> None:
    # BR-1 70.00 EUR posted straight to INV-1 on Feb 10 at 1.10 (77.00 USD)
    # is read on its day: INV-1 is open 40.00 EUR, so BR-1 over pays it by
    # 30.00 EUR, beyond the 1.00 EUR tolerance, moved to customer credits on
    # Feb 10 at INV-1's carrying rate on both legs (36.00 USD each way).
    # BR-1's own 1.10 is brought to 1.20: 70.00 x 0.10 = 7.00 USD of loss.
    # January as it was: R-1 pays 60.00 EUR.
    #   AR: 100.00 - 60.00 - 70.00 + 30.00 = 0.00 EUR; in USD 120.00 - 72.00
    #   - 77.00 + 77.00 - 84.00 + 36.00 = 0.00; credits -30.00 EUR (36.00 USD).
    # (Before, BR-1 was read before matching: INV-1 was open 30.00 EUR on
    # Jan 20, R-1 paid 30.00 EUR and parked 30.00 EUR as a credit in closed
    # January.)
    both = _loaded(books, IN_EUROS, _paid_in_euros("70.00"))
    assert _priced(both) == [
        _brought_to_carrying("70.00", "7.00"),
        (
            "2026-02-10",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            [
                "Assets:AccountsReceivable 30.00 EUR @ 1.20 USD",
                "Liabilities:CustomerCredits -30.00 EUR @ 1.20 USD",
            ],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("-30.00")
    assert balance(both, "Income:ForeignExchange:Realized", "USD") == Decimal("7.00")


def test_a_straight_receipts_excess_at_a_rate_within_the_tolerance_is_written_off_at_it(
    books: Books,
) -> None:
    # BR-1 40.50 EUR on Feb 10 pays the 40.00 EUR open and over pays 0.50
    # EUR, within the 1.00 EUR tolerance: written off on Feb 10 at INV-1's
    # 1.20 (0.60 USD), as the matcher writes off what a named receipt over
    # pays of such an invoice. BR-1 at 1.10: 40.50 x 0.10 = 4.05 USD of loss.
    #   AR: 100.00 - 60.00 - 40.50 + 0.50 = 0.00 EUR; credits 0.00.
    # (Before: INV-1 was open -0.50 EUR for R-1, which paid 59.50 EUR and
    # wrote off 0.50 EUR in closed January.)
    both = _loaded(books, IN_EUROS, _paid_in_euros("40.50"))
    assert _priced(both) == [
        _brought_to_carrying("40.50", "4.05"),
        (
            "2026-02-10",
            "Payment difference of INV-1 from BR-1 written off",
            [
                f"{DIFFERENCES} -0.50 EUR @ 1.20 USD",
                "Assets:AccountsReceivable 0.50 EUR @ 1.20 USD",
            ],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")


def test_what_a_straight_receipt_alone_over_pays_at_a_rate_stays_an_error(books: Books) -> None:
    # BR-1 130.00 EUR on Feb 10 over pays INV-1 100.00 EUR by 30.00 EUR on
    # its own: no one's money to move at a rate, an error as before. What
    # it over pays because R-1 paid 60.00 EUR in January, 60.00 EUR, is the
    # customer's credit from Feb 10 at 1.20; January as it was.
    #   AR: 100.00 - 60.00 - 130.00 + 60.00 = -30.00 EUR; credits -60.00 EUR.
    # (Before, R-1 found INV-1 paid and parked all 60.00 EUR in January.)
    alone, errors = load(books, IN_EUROS)
    assert errors == []
    both, errors = load(books, IN_EUROS + _paid_in_euros("130.00"))
    assert [error.message for error in errors] == [
        "Invoice 'INV-1' is paid 30.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    ]
    closed = [period_lock.fingerprint(entry) for entry in alone if entry.date < FEBRUARY]
    assert [period_lock.fingerprint(entry) for entry in both if entry.date < FEBRUARY] == closed
    assert _priced(both)[1:] == [
        (
            "2026-02-10",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            [
                "Assets:AccountsReceivable 60.00 EUR @ 1.20 USD",
                "Liabilities:CustomerCredits -60.00 EUR @ 1.20 USD",
            ],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("-30.00")
    assert balance(both, CREDITS, "EUR") == Decimal("-60.00")


# BR-2, posted straight to INV-1 on Mar 1 at 1.10, its own rate.
PAID_AGAIN_IN_EUROS = """
2026-03-01 * "Acme" "Wire BR-2" ^INV-1
  bank_reference: "BR-2"
  invoice: "INV-1"
  Assets:Bank:Euro  50.00 EUR @ 1.10 USD
  Assets:AccountsReceivable  -50.00 EUR @ 1.10 USD
"""


def _moved_at_carrying(day: str, receipt_id: str, eur: str) -> tuple[str, str, list[str]]:
    return (
        day,
        f"Over payment of INV-1 from {receipt_id} moved to customer credit",
        [
            f"Assets:AccountsReceivable {eur} EUR @ 1.20 USD",
            f"Liabilities:CustomerCredits -{eur} EUR @ 1.20 USD",
        ],
    )


def _over_paid_again(books: Books, february: str) -> tuple[list[data.Directive], list[str]]:
    """The books with BR-2 on Mar 1, and their errors; February is as loaded alone."""
    alone, errors = load(books, february)
    assert errors == []
    both, errors = load(books, february + PAID_AGAIN_IN_EUROS)
    assert sealed(both, "2026-02-28") == sealed(alone, "2026-02-28")
    return both, [error.message for error in errors]


def test_worked_example_what_straight_receipts_alone_over_pay_at_a_rate_stays_an_error_later(
    books: Books,
) -> None:
    # January as above: R-1 60.00 EUR pays INV-1 100.00 EUR, 40.00 open.
    # Feb 10, BR-1 70.00 EUR straight: the matcher finds 40.00 open, BR-1
    # over pays 30.00; the typed postings alone, 100.00 - 70.00 = 30.00,
    # over pay nothing, so all 30.00 is R-1's cash: moved at 1.20 (INV-1
    # 0.00 EUR). BR-1's own 1.10 to 1.20: 70.00 x 0.10 = 7.00 USD of loss.
    # Mar 1, BR-2 50.00 EUR straight: the matcher finds 0.00 open, BR-2
    # over pays 50.00. The typed postings alone, 100.00 - 70.00 - 50.00 =
    # -20.00, over pay 20.00: no one's money, an error for the user, as
    # in USD (`over_payments._left_by_typed`). The other 30.00 is the rest
    # of R-1's cash: moved at 1.20. BR-2 at 1.10: 50.00 x 0.10 = 5.00 loss.
    #   AR: 100.00 - 60.00 - 70.00 + 30.00 - 50.00 + 30.00 = -20.00 EUR;
    #   credits -(30.00 + 30.00) = -60.00 EUR, all R-1 paid.
    # (Before, the typed-alone excess was read from INV-1's balance, which
    # holds the 30.00 moved on Feb 10 too: 100.00 - 70.00 + 30.00 - 50.00 =
    # 10.00, no excess, so all 50.00 of BR-2 was moved, credits -80.00 EUR
    # and no error.)
    both, errors = _over_paid_again(books, IN_EUROS + _paid_in_euros("70.00"))
    assert errors == [
        "Invoice 'INV-1' is paid 20.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    ]
    assert _priced(both) == [
        _brought_to_carrying("70.00", "7.00"),
        _moved_at_carrying("2026-02-10", "BR-1", "30.00"),
        (
            "2026-03-01",
            "Exchange difference on INV-1: settled at 1.10, carried at 1.20",
            [
                "Assets:AccountsReceivable 50.00 EUR @ 1.10 USD",
                "Assets:AccountsReceivable -50.00 EUR @ 1.20 USD",
                "Income:ForeignExchange:Realized 5.00 USD",
            ],
        ),
        _moved_at_carrying("2026-03-01", "BR-2", "30.00"),
    ]
    assert _open(both, "INV-1", "2026-03-31") == Decimal("-20.00")
    assert balance(both, CREDITS, "EUR") == Decimal("-60.00")


def test_what_a_credit_note_nets_at_a_rate_counts_with_the_typed_postings_later(
    books: Books,
) -> None:
    # January as above (40.00 EUR open). CN-1 10.00 EUR for INV-1 on Feb 5
    # nets 10.00 of it, before matching (30.00 open to the matcher).
    # Feb 10, BR-1 70.00 EUR straight over pays the 30.00 open by 40.00;
    # the typed postings and the netting, 100.00 - 10.00 - 70.00 = 20.00,
    # over pay nothing: all 40.00 is R-1's cash, moved at 1.20.
    # Mar 1, BR-2 50.00 EUR straight: 0.00 open, BR-2 over pays 50.00; the
    # typed postings and the netting, 20.00 - 50.00 = -30.00, over pay
    # 30.00, which stays an error (at a rate, nothing posted before cash is
    # matched is moved, `over_payments.InCalendar._receipt_over_at_rate`);
    # the other 20.00, the rest of R-1's cash, is moved at 1.20.
    #   AR: 100.00 - 60.00 - 10.00 - 70.00 + 40.00 - 50.00 + 20.00 = -30.00
    #   EUR; credits -(40.00 + 20.00) = -60.00 EUR, all R-1 paid.
    # (Before, read from the balance, 100.00 - 10.00 - 70.00 + 40.00 - 50.00
    # = 10.00: all 50.00 moved, credits -90.00 EUR, no error. Without the
    # netting counted, as for a credit typed by hand in USD, 100.00 - 70.00
    # - 50.00 = -20.00: 30.00 moved and 20.00 an error.)
    note = """
2026-02-05 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 EUR @ 1.10 USD
  Income:Revenue:Services  11.00 USD
"""
    both, errors = _over_paid_again(books, IN_EUROS + note + _paid_in_euros("70.00"))
    assert errors == [
        "Invoice 'INV-1' is paid 30.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    ]
    moved = [one for one in _priced(both) if "moved to customer credit" in one[1]]
    assert moved == [
        _moved_at_carrying("2026-02-10", "BR-1", "40.00"),
        _moved_at_carrying("2026-03-01", "BR-2", "20.00"),
    ]
    assert (_open(both, "INV-1", "2026-03-31"), _open(both, "CN-1", "2026-03-31")) == (
        Decimal("-30.00"),
        Decimal("0.00"),
    )
    assert balance(both, CREDITS, "EUR") == Decimal("-60.00")


def test_a_credit_found_in_the_calendar_pays_what_a_refund_opens_on_a_straight_receipts_day(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is paid 100.00 straight on Jan 15 (0.00); 20.00
    # paid back on Jan 30, typed to it (20.00 open); R-005 20.00 naming it on
    # Feb 2 is matched (0.00); BR-008 2.70 straight on Feb 14 over pays it by
    # 2.70, beyond the 1.00 tolerance: moved to the customer's credit (INV-1
    # 0.00, credits 2.70). The typed postings alone (R-005 is not typed to
    # INV-1) show no excess on Feb 14, so the 2.70 is found in the matcher's
    # calendar, and a later refund takes back only what the typed postings
    # moved; the credit pays what the refund opens "as any credit does"
    # (README, over payments). Feb 22: 10.00 paid back (10.00 open), the
    # credit's 2.70 pays it that day (7.30), BR-010 4.80 straight the same
    # day (2.50 open, beyond the tolerance: nothing written off). At Feb 28:
    # INV-1 2.50, credits 0.00; 10.00 more paid back on Mar 10 leaves
    # February as it was (INV-1 12.50).
    # Before (found by a review on 23 November 2026), February alone left the
    # credit unused (credits 2.70, INV-1 5.20 = 10.00 - 4.80), and typing the
    # March refund added "Customer credit from BR-008 applied to INV-1" 2.70
    # on Feb 22 to closed February: the credits step had dropped INV-1 from
    # the customer's invoices when it found it paid on Feb 14, and the refund
    # read on Feb 22 opened it again without putting it back
    # (`open_amounts.OpenAmounts.owe` now does); with the March refund read
    # as known on Feb 14, INV-1 was never found paid.
    named = '\n  invoice: "INV-1"'
    february = invoice(1, "2026-01-05", "100.00") + paid("2026-01-15", "100.00", "BR-001")
    february += paid_back("2026-01-30", "20.00") + receipt(
        "2026-02-02", "20.00 USD", "R-005", named
    )
    february += paid("2026-02-14", "2.70", "BR-008")
    february += paid_back("2026-02-22", "10.00") + paid("2026-02-22", "4.80", "BR-010")
    credits_open = "\n2026-01-01 open Liabilities:CustomerCredits\n"
    alone, both = alone_and_both(books, credits_open + february, paid_back("2026-03-10", "10.00"))
    assert (balance(alone, AR, "USD"), balance(alone, CREDITS, "USD")) == (
        Decimal("2.50"),
        Decimal("0.00"),
    )
    assert sealed(both, "2026-02-28") == sealed(alone, "2026-02-28")
    assert balance(both, AR, "USD") == Decimal("12.50")


# INV-0 50.00 EUR (Jan 3) and INV-1 100.00 EUR (Jan 5), carried at 1.20;
# R-1 100.00 EUR naming INV-1 pays it on Jan 20, all charged back on Feb 5.
CHARGED_BACK_IN_EUROS = """
2026-01-01 price EUR 1.20 USD
2026-02-01 price EUR 1.10 USD
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits

2026-01-03 * "Acme" "Invoice INV-0" ^INV-0
  invoice: "INV-0"
  customer: "CUS-1"
  Assets:AccountsReceivable  50.00 EUR @ 1.20 USD
  Income:Revenue:Services  -60.00 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.20 USD
  Income:Revenue:Services  -120.00 USD

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  100.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD

2026-02-05 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Euro  -100.00 EUR @ 1.10 USD
  Liabilities:UnappliedCash  100.00 EUR @ 1.10 USD
"""


def test_a_straight_receipt_after_a_chargeback_at_a_rate_is_no_over_payment(books: Books) -> None:
    # INV-0 50.00 EUR (Jan 3) and INV-1 100.00 EUR (Jan 5), carried at 1.20
    # (60.00 and 120.00 USD); R-1 100.00 EUR naming INV-1 pays it on Jan 20.
    # All of R-1 is charged back on Feb 5 at 1.10: INV-1 is open 100.00 EUR
    # again. BR-1 100.00 EUR posted straight to INV-1 on Feb 10 pays the
    # 100.00 open: INV-1 0.00, INV-0 still open 50.00 EUR, customer credits
    # 0.00 EUR, no over payment (the same books in USD do this): the
    # reopening is posted to INV-1 on Feb 5 before matching, in EUR
    # (`chargebacks.Charged.in_calendar`), so INV-1 is 100.00 - 100.00 +
    # 100.00 - 100.00 = 0.00 EUR on Feb 10. Found by a review of 3e4e153:
    # the reopening of an invoice at a foreign rate was read only once cash
    # was matched, while BR-1 is read on its day, so BR-1 found INV-1 paid
    # and all 100.00 EUR was moved to credits, which paid INV-0 and half of
    # INV-1 again (INV-1 left open 50.00 EUR, INV-0 0.00). Before 3e4e153,
    # BR-1 was read before matching: these end figures were right, but a
    # later straight receipt could move a closed month.
    entries, errors = load(books, CHARGED_BACK_IN_EUROS + _paid_in_euros("100.00") + BANK_FEE)
    assert errors == []
    assert _open(entries, "INV-1", "2026-03-31") == Decimal("0.00")
    assert _open(entries, "INV-0", "2026-03-31") == Decimal("50.00")
    moved = [entry for entry in generated(entries) if "customer credit" in str(entry.narration)]
    assert moved == []


def test_a_straight_receipt_alone_over_paying_after_a_chargeback_at_a_rate_stays_an_error(
    books: Books,
) -> None:
    # The books above, with BR-1 150.00 EUR on Feb 10: R-1's 100.00 EUR is
    # all charged back on Feb 5, so no cash matched before is left in
    # INV-1, and BR-1 over pays it by 100.00 - 100.00 + 100.00 - 150.00 =
    # -50.00 EUR on its own, as if R-1 had never been: the typed postings
    # alone, 100.00 - 150.00, over pay 50.00, an error for the user, as
    # when BR-1 alone over pays (above). The reopening posted on Feb 5 is
    # not a typed posting: it is read with the matched cash it reverses.
    #   AR: INV-1 -50.00 EUR, INV-0 50.00 EUR, nothing moved to credits.
    # (Before, the typed-alone excess was read from INV-1's balance, which
    # holds the reopening: 100.00 + 100.00 - 150.00 = 50.00, no excess, so
    # all 50.00 was moved to credits, and paid INV-0, with no error.)
    both, errors = load(books, CHARGED_BACK_IN_EUROS + _paid_in_euros("150.00") + BANK_FEE)
    assert [error.message for error in errors] == [
        "Invoice 'INV-1' is paid 50.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    ]
    assert _open(both, "INV-1", "2026-03-31") == Decimal("-50.00")
    assert _open(both, "INV-0", "2026-03-31") == Decimal("50.00")
    moved = [entry for entry in generated(both) if "customer credit" in str(entry.narration)]
    assert moved == []


# INV-1 100.00 EUR at 1.20 (Jan 5); EUR stays 1.20, so nothing is realized
# below: every posting is at the carrying rate.
AT_ONE_RATE = """
2026-01-01 price EUR 1.20 USD
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open Expenses:Goodwill

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.20 USD
  Income:Revenue:Services  -120.00 USD
"""
# CN-1 10.00 EUR for INV-1 on Feb 5.
NOTE_ON_FEB_5 = """
2026-02-05 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 EUR @ 1.20 USD
  Income:Revenue:Services  12.00 USD
"""


def _r1_at_one_rate(eur: str, naming: str) -> str:
    """R-1 of `eur` into unapplied cash on Jan 20, with what `naming` adds."""
    return f"""
2026-01-20 * "Acme" "Wire"
  receipt: "R-1"{naming}
  Assets:Bank:Euro  {eur} EUR @ 1.20 USD
  Liabilities:UnappliedCash  -{eur} EUR @ 1.20 USD
"""


def _later_credit(kind: str, eur: str) -> str:
    """On Feb 10, BR-1 of `eur` posted straight to INV-1, or a goodwill credit typed to it."""
    if kind == "straight":
        return f"""
2026-02-10 * "Acme" "Wire BR-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Euro  {eur} EUR @ 1.20 USD
  Assets:AccountsReceivable  -{eur} EUR @ 1.20 USD
"""
    return f"""
2026-02-10 * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Expenses:Goodwill  {Decimal(eur) * Decimal("1.20"):.2f} USD
  Assets:AccountsReceivable  -{eur} EUR @ 1.20 USD
"""


Read = tuple[list[str], list[str], str, str, str]


def _read_alike(books: Books, before: str, eur: str) -> list[Read]:
    """Of each way of the later credit: its errors, what is moved, credits, INV-1 and CN-1 open."""
    found: list[Read] = []
    for kind in ("straight", "goodwill"):
        entries, errors = load(books, AT_ONE_RATE + before + _later_credit(kind, eur) + BANK_FEE)
        moved = [
            str(posting.units)
            for entry in generated(entries)
            if "moved to customer credit" in str(entry.narration)
            for posting in entry.postings
            if posting.account == AR
        ]
        messages = [error.message for error in errors]
        held = str(balance(entries, CREDITS, "EUR"))
        invoice, note = (str(_open(entries, item, "2026-03-31")) for item in ("INV-1", "CN-1"))
        found.append((messages, moved, held, invoice, note))
    return found


def test_worked_example_a_note_netted_before_a_later_credit_at_a_rate_is_read_alike(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.20; R-1 60.00 EUR naming INV-1 pays 60.00 on
    # Jan 20 (40.00 open at Jan 31); CN-1 10.00 EUR nets 10.00 on Feb 5
    # (30.00 open). On Feb 10 either BR-1 100.00 EUR posted straight or a
    # goodwill credit of 100.00 EUR typed at 1.20 (Goodwill 120.00 USD)
    # finds 30.00 open and over pays INV-1 by 100.00 - 30.00 = 70.00.
    # At a rate nothing posted before cash is matched is moved, so what the
    # user's typed postings and the note's netting alone over pay, 100.00 -
    # 10.00 - 100.00 = -10.00, is no one's money: 10.00 EUR an error, in
    # both. The other 60.00 is R-1's cash, matched before: the customer's
    # credit in both, moved at 1.20 (72.00 USD each leg).
    #   INV-1 100.00 - 60.00 - 10.00 - 100.00 + 60.00 = -10.00 EUR; CN-1
    #   -10.00 + 10.00 = 0.00; credits -60.00 EUR.
    # In USD both move all 70.00 and leave no error: there the note's
    # netting is a credit before the later credit's day, as matched cash
    # (README "A credit note netted before a later credit typed by hand
    # nets what is open of its invoice on its own day"), and a straight
    # receipt's own excess is moved before matching.
    # (Before, at a rate the goodwill credit read CN-1's netting as an
    # earlier credit, as in USD: 100.00 - 100.00 = 0.00 over paid by the
    # typed postings alone, so it moved 70.00 with no error, where BR-1
    # moved 60.00 and left 10.00 an error: the same books split the excess
    # two ways.)
    naming = '\n  invoice: "INV-1"\n  customer: "CUS-1"'
    before = _r1_at_one_rate("60.00", naming) + NOTE_ON_FEB_5
    error = (
        "Invoice 'INV-1' is paid 10.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    )
    expected: Read = ([error], ["60.00 EUR"], "-60.00", "-10.00", "0.00")
    assert _read_alike(books, before, "100.00") == [expected, expected]


def test_worked_example_a_note_left_open_before_a_later_credit_at_a_rate_is_read_alike(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.20; R-1 100.00 EUR naming only the customer pays
    # it by amount on Jan 20 (0.00 open). CN-1 10.00 EUR on Feb 5 finds it
    # paid: all 10.00 it nets is moved back and left open on CN-1, so its
    # netting leaves nothing in INV-1. On Feb 10 BR-1 30.00 EUR straight, or
    # a goodwill credit of 30.00 EUR at 1.20, over pays INV-1 by 30.00; the
    # typed postings and the netting, 100.00 - 10.00 + 10.00 - 30.00 =
    # 70.00, over pay nothing: all 30.00 is R-1's cash, moved at 1.20 (36.00
    # USD each leg), no error, in both (and in USD).
    #   INV-1 100.00 - 100.00 - 30.00 + 30.00 = 0.00; CN-1 -10.00 (the
    #   customer's, in the receivable); credits -30.00 EUR.
    # The same before the rule: a netting moved back in full counts for
    # nothing either way.
    before = _r1_at_one_rate("100.00", '\n  customer: "CUS-1"') + NOTE_ON_FEB_5
    expected: Read = ([], ["30.00 EUR"], "-30.00", "0.00", "-10.00")
    assert _read_alike(books, before, "30.00") == [expected, expected]


BAD_DEBT = "Expenses:BadDebt"
TEN_OVER = (
    "Invoice 'INV-1' is paid 10.00 EUR more than its total 100.00 EUR; "
    "expected at most the tolerance 1.00 EUR"
)


def _written_off(eur: str, date: str) -> str:
    """`eur` EUR of INV-1 written off as uncollectible at 1.20 on `date`."""
    return f"""
{date} * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  {Decimal(eur) * Decimal("1.20"):.2f} USD
  Assets:AccountsReceivable  -{eur} EUR @ 1.20 USD
"""


def _euros_moved(entries: list[data.Directive]) -> Decimal:
    """What the generated entries moved from the receivable to customer credits, in euros."""
    return sum(
        (
            number(posting)
            for entry in generated(entries)
            if entry.meta.get("revclose_kind") == over_payments.KIND
            for posting in entry.postings
            if posting.account == AR
        ),
        Decimal(0),
    )


WrittenRead = tuple[list[str], Decimal, Decimal, Decimal, Decimal]


def _read_written(books: Books, text: str) -> WrittenRead:
    """Errors, euros moved to credits, credits held, INV-1 open at Mar 31, bad debt in USD."""
    opened = f"\n2026-01-01 open {BAD_DEBT}\n"
    entries, errors = load(books, AT_ONE_RATE + opened + text + BANK_FEE)
    return (
        [error.message for error in errors],
        _euros_moved(entries),
        balance(entries, CREDITS, "EUR"),
        _open(entries, "INV-1", "2026-03-31"),
        balance(entries, BAD_DEBT, "USD"),
    )


def test_written_off_at_a_rate_a_receipt_and_a_credit_on_one_day_count_a_netting_once(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.20; R-1 50.00 EUR naming it pays 50.00 on Jan
    # 20 (50.00 open); CN-1 10.00 EUR nets 10.00 on Feb 5 (40.00 open); the
    # 40.00 left is written off on Feb 7 (bad debt 48.00 USD, 0.00 open).
    # On Feb 10 BR-1 50.00 EUR straight and a goodwill credit of 50.00 EUR
    # pay it over by 100.00. BR-1 recovers the 40.00 still written off
    # (receipts take their turn first; bad debt 48.00 - 48.00 = 0.00),
    # 60.00 left. What the typed postings and the note's netting alone
    # over pay:
    #   100.00 - 10.00 - 40.00 + 40.00 - 50.00 - 50.00 = -10.00 EUR,
    # an error once (BR-1's reading keeps it, the credit's nothing more);
    # the other 60.00 - 10.00 = 50.00 is R-1's cash, moved at 1.20:
    #   INV-1 100.00 - 50.00 - 10.00 - 40.00 + 40.00 - 100.00 + 50.00 =
    #   -10.00 EUR; credits -50.00 EUR.
    # The same books not written off read so too (BR-1 takes all the day's
    # excess there): 60.00 over paid, 10.00 an error, 50.00 moved.
    # (Before, the -10.00 was kept twice, by BR-1's reading and again by
    # the credit's, both counting the note's netting: 20.00 EUR an error
    # and 40.00 moved once written off.)
    before = _r1_at_one_rate("50.00", NAMING_INV_1) + NOTE_ON_FEB_5
    day = _later_credit("straight", "50.00") + _later_credit("goodwill", "50.00")
    right = ([TEN_OVER], Decimal("50.00"), Decimal("-50.00"), Decimal("-10.00"), Decimal("0.00"))
    assert _read_written(books, before + day) == right
    assert _read_written(books, before + _written_off("40.00", "2026-02-07") + day) == right


def test_at_a_rate_a_straight_receipt_counts_what_matched_cash_recovered_as_a_credit_does(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.20 written off in full on Jan 10 (bad debt
    # 120.00 USD); R-1 60.00 EUR naming it on Jan 20 recovers 60.00 (bad
    # debt 120.00 - 72.00 = 48.00) and pays the 60.00 reinstated (0.00
    # open). On Feb 10 BR-1 100.00 EUR straight, or a goodwill credit of
    # 100.00 EUR, first recovers / lowers the 40.00 still written off (bad
    # debt 0.00), and the other 60.00 is over paid. The typed postings
    # alone, with R-1's recovery reinstating the invoice
    # (`Recovering.recovered`):
    #   100.00 - 100.00 + 60.00 + 40.00 - 100.00 = 0.00 EUR, no error;
    # all 60.00 is R-1's cash, moved at 1.20: INV-1 0.00, credits -60.00.
    # (In USD both move 60.00 too.)
    # (Before, BR-1 moved nothing and left all 60.00 EUR an error, where
    # the goodwill credit moved 60.00: the straight receipt's reading left
    # out what R-1 recovered, 100.00 - 100.00 + 40.00 - 100.00 = -60.00.)
    before = _written_off("100.00", "2026-01-10") + _r1_at_one_rate("60.00", NAMING_INV_1)
    right: WrittenRead = ([], Decimal("60.00"), Decimal("-60.00"), Decimal("0.00"), Decimal("0.00"))
    for kind in ("goodwill", "straight"):
        assert _read_written(books, before + _later_credit(kind, "100.00")) == right


EUROS_NO_RATE = """
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open Expenses:Goodwill

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR
  Income:Revenue:Services  -100.00 EUR

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  60.00 EUR
  Liabilities:UnappliedCash  -60.00 EUR

2026-02-05 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 EUR
  Income:Revenue:Services  10.00 EUR
"""


def test_an_invoice_in_euros_with_no_rate_reads_a_netting_as_in_usd_either_way(
    books: Books,
) -> None:
    # "At a rate" is "carried at a rate", not "not in USD".
    # No EUR price anywhere: INV-1 100.00 EUR is carried in its own currency.
    # R-1 60.00 EUR pays 60.00 on Jan 20, CN-1 10.00 EUR nets 10.00 on Feb
    # 5 (30.00 open); on Feb 10 BR-1 100.00 EUR straight or a goodwill
    # credit of 100.00 EUR over pays by 100.00 - 30.00 = 70.00. As in USD
    # the netting is a credit before their day, so the typed postings alone,
    # 100.00 - 100.00 = 0.00, over pay nothing: all 70.00 moved, no error,
    # either way (a straight receipt through `to_customer_credits` and
    # `_receipt_over`, the credit through `_typed_over`).
    #   INV-1 100.00 - 60.00 - 10.00 - 100.00 + 70.00 = 0.00; credits -70.00.
    for kind in ("straight", "goodwill"):
        text = _later_credit(kind, "100.00").replace(" EUR @ 1.20 USD", " EUR")
        entries, errors = load(books, EUROS_NO_RATE + text.replace("120.00 USD", "100.00 EUR"))
        assert errors == []
        assert _euros_moved(entries) == Decimal("70.00")
        assert balance(entries, CREDITS, "EUR") == Decimal("-70.00")
        assert _open(entries, "INV-1", "2026-03-31") == Decimal("0.00")


def test_at_a_rate_a_netting_partly_moved_back_counts_net_for_a_later_credit(
    books: Books,
) -> None:
    # What was moved back to the note (`credit_notes.LEFT_OPEN_KIND`) is
    # counted against its netting.
    # INV-1 100.00 EUR at 1.20; R-1 60.00 EUR pays 60.00 on Jan 20 (40.00
    # open). CN-1 50.00 EUR on Feb 5 nets 50.00, of which 10.00 beyond the
    # 40.00 open is moved back and left open on CN-1 (INV-1 0.00, CN-1
    # -10.00). On Feb 10 BR-1 60.00 EUR straight, or a goodwill credit of
    # 60.00 EUR, over pays INV-1 by 60.00. The typed postings and the
    # netting net of what was moved back: 100.00 - 50.00 + 10.00 - 60.00 =
    # 0.00, no error; all 60.00 is R-1's, moved at 1.20. January as it was.
    #   INV-1 100.00 - 60.00 - 50.00 + 10.00 - 60.00 + 60.00 = 0.00;
    #   CN-1 -10.00; credits -60.00 EUR.
    # (Counting the netting gross, 100.00 - 50.00 - 60.00 = -10.00, would
    # keep 10.00 an error and move 50.00.)
    note = NOTE_ON_FEB_5.replace("10.00 EUR", "50.00 EUR").replace("12.00 USD", "60.00 USD")
    january = AT_ONE_RATE + _r1_at_one_rate("60.00", NAMING_INV_1) + BANK_FEE
    for kind in ("straight", "goodwill"):
        _, both = january_kept(books, january, note + _later_credit(kind, "60.00"))
        assert _euros_moved(both) == Decimal("60.00")
        assert balance(both, CREDITS, "EUR") == Decimal("-60.00")
        assert _open(both, "INV-1", "2026-03-31") == Decimal("0.00")
        assert _open(both, "CN-1", "2026-03-31") == Decimal("-10.00")
