"""A customer credit refunded by the bank is not spent again on the customer's next invoice.

The bank import types a refund it catches by a rule as a debit to customer
credits with its own bank reference: it names no receipt, and often no
customer, only a payee. It is still the customer's (the payee is billed to
one customer only), so the plugin applies a credit only as far as the
credits account holds for the customer on the application's day and after.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_policy, customer_credits, over_payments, receivables
from tests.conftest import Books, generated
from tests.test_ar_over_payments import returned
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    applications,
    balance,
    invoice,
    load,
    receipt,
    squeezed,
)

MOVED = "Over payment of INV-1 from BR-1 moved to customer credit"


def refund(date: str, amount: str, reference: str = "BR-9") -> str:
    """A refund the bank import typed by its REFUND rule: a reference and a payee, no customer."""
    return f"""
{date} * "Acme" "REFUND OVERPAYMENT"
  bank_reference: "{reference}"
  Assets:Bank:Operating  -{amount} USD
  Liabilities:CustomerCredits  {amount} USD
"""


PRECISION = ar_policy.ArPolicy().precision


def open_items(entries: list[data.Directive]) -> dict[str, Decimal]:
    """The open balance of each item not settled, read back from the loaded entries."""
    subledger, _ = receivables.read(entries, AR, PRECISION)
    return {
        item: PRECISION.from_minor(units, "USD") for item, units in subledger.open.items() if units
    }


def test_worked_example_a_refund_by_rule_uses_the_credit_up(books: Books) -> None:
    # INV-1 49.00 is paid 600.00 by BR-1 posted straight to the receivable:
    # 551.00 moves to CUS-1's credit on Feb 1. The bank refunds 551.00 on
    # Feb 5 (BR-9, payee Acme, Acme is billed to CUS-1 only): CUS-1 holds
    # 551.00 - 551.00 = 0.00. INV-2 of 30.00 on Feb 10 takes nothing: it
    # stays open 30.00, and the credits account ends at 0.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + refund("2026-02-05", "551.00")
        + invoice(2, "2026-02-10", "30.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [MOVED]
    assert open_items(entries) == {"INV-2": Decimal("30.00")}
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_refund_dated_after_the_next_invoice_still_keeps_the_credit(books: Books) -> None:
    # The same, but the refund of the whole 551.00 is dated Feb 15, after
    # INV-2 (Feb 10). Paying INV-2 30.00 on Feb 10 would leave CUS-1 holding
    # 551.00 - 30.00 - 551.00 = -30.00 from Feb 15: the credit gives only
    # what is held on Feb 10 and every day after, min(551.00, 0.00) = 0.00.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "30.00")
        + refund("2026-02-15", "551.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [MOVED]
    assert open_items(entries) == {"INV-2": Decimal("30.00")}
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_partial_refund_leaves_the_rest_to_apply(books: Books) -> None:
    # Credit 551.00 on Feb 1; the bank refunds 500.00 on Feb 5: CUS-1 holds
    # 51.00. INV-2 30.00 (Feb 10) is paid in full, 51.00 - 30.00 = 21.00
    # left; INV-3 40.00 (Feb 20) takes the 21.00 and stays open 40.00 -
    # 21.00 = 19.00. The credit's own remainder (551.00 - 30.00 = 521.00)
    # would have paid all of INV-3: the account's balance limits it.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + refund("2026-02-05", "500.00")
        + invoice(2, "2026-02-10", "30.00")
        + invoice(3, "2026-02-20", "40.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    moved, *applied = applications(entries)
    assert moved[1] == MOVED
    assert [(day, narration, squeezed(postings)) for day, narration, postings in applied] == [
        (
            "2026-02-10",
            "Customer credit from BR-1 applied to INV-2",
            [f"{CREDITS} 30.00 USD", f"{AR} -30.00 USD"],
        ),
        (
            "2026-02-20",
            "Customer credit from BR-1 applied to INV-3",
            [f"{CREDITS} 21.00 USD", f"{AR} -21.00 USD"],
        ),
    ]
    assert open_items(entries) == {"INV-3": Decimal("19.00")}
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_an_over_payment_parked_by_the_matcher_and_refunded_by_rule(books: Books) -> None:
    # R-1 of 600.00 in unapplied cash names INV-1 of 49.00: its application
    # parks 600.00 - 49.00 = 551.00 in CUS-1's credit on Feb 1. The bank
    # pays 551.00 back on Feb 5, naming nobody but its payee, Acme (CUS-1's
    # only): CUS-1 holds 0.00, so INV-2 of 30.00 stays open.
    text = (
        invoice(1, "2026-01-05", "49.00")
        + receipt("2026-02-01", "600.00 USD", "R-1", '\n  invoice: "INV-1"')
        + refund("2026-02-05", "551.00")
        + invoice(2, "2026-02-10", "30.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [
        (narration, squeezed(postings)) for _, narration, postings in applications(entries)
    ] == [
        (
            "Cash application INV-1 from R-1",
            [
                "Liabilities:UnappliedCash 600.00 USD",
                f"{AR} -49.00 USD",
                f"{CREDITS} -551.00 USD",
            ],
        )
    ]
    assert open_items(entries) == {"INV-2": Decimal("30.00")}
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_refund_by_an_unknown_payee_cannot_limit_the_credit(books: Books) -> None:
    # The refund's payee is on no invoice and it names no customer: it is
    # nobody's, so CUS-1's credit still pays INV-2 30.00 and the account
    # ends 551.00 - 551.00 - 30.00 = -30.00 in debit. The schedule shows
    # the 551.00 on its "(unassigned)" row, negative, which fails its control
    # (tests/test_customer_credits_schedule.py).
    text = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + refund("2026-02-05", "551.00").replace('"Acme"', '"Bank fees desk"')
        + invoice(2, "2026-02-10", "30.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)][1:] == [
        "Customer credit from BR-1 applied to INV-2"
    ]
    assert balance(entries, CREDITS, "USD") == Decimal("30.00")


def test_a_refund_in_a_later_month_leaves_the_closed_month_as_it_was(books: Books) -> None:
    # Credit 551.00 on Feb 1; INV-2 30.00 on Feb 10 is paid from it (CUS-1
    # holds 551.00 all February). The bank refunds 551.00 on Mar 15: that
    # does not reach back into February, so the application stays, and the
    # account ends 551.00 - 30.00 - 551.00 = -30.00: CUS-1's credit is
    # overdrawn by 30.00 (a row the schedule's overdrawn control fails on,
    # tests/test_customer_credits_schedule.py).
    february = (
        invoice(1, "2026-01-05", "49.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + invoice(2, "2026-02-10", "30.00")
    )
    before, _ = load(books, february)
    entries, errors = load(books, february + refund("2026-03-15", "551.00"))
    assert errors == []
    assert applications(entries) == applications(before)
    assert [narration for _, narration, _ in applications(entries)] == [
        MOVED,
        "Customer credit from BR-1 applied to INV-2",
    ]
    assert open_items(entries) == {}
    assert balance(entries, CREDITS, "USD") == Decimal("30.00")


def test_what_is_held_is_the_least_balance_from_a_day_on() -> None:
    # Put in 551.00 on Feb 1, 30.00 paid out Feb 10, 500.00 Feb 15: held at
    # the end of each day 551.00, 521.00, 21.00. Available on Feb 1:
    # min(551.00, 521.00, 21.00) = 21.00; on Feb 16: 21.00; before Feb 1: 0.
    held = customer_credits.Held()
    day = datetime.date
    held.take("CUS-1", "USD", day(2026, 2, 1), -55100)
    held.take("CUS-1", "USD", day(2026, 2, 10), 3000)
    held.take("CUS-1", "USD", day(2026, 2, 15), 50000)
    assert held.available("CUS-1", "USD", day(2026, 2, 1)) == 2100
    assert held.available("CUS-1", "USD", day(2026, 2, 16)) == 2100
    assert held.available("CUS-1", "USD", day(2026, 1, 31)) == 0
    assert held.available("CUS-1", "EUR", day(2026, 2, 1)) == 0
    assert held.available("CUS-2", "USD", day(2026, 2, 1)) == 0


def test_what_each_claim_took_is_kept_by_its_key() -> None:
    # BR-1 parks 40.00 for CUS-1 on Feb 1. Claims on Feb 10: "a" asks 25.00
    # and takes it; "b" asks 30.00 and takes the 40.00 - 25.00 = 15.00 left.
    # "b" given again, asking 10.00 (a chargeback read again), is decided
    # after the first "b" and finds nothing left: what "b" took is now 0.00.
    day = datetime.date
    crediting = customer_credits.Crediting(
        ar_policy.ArPolicy(), customer_credits.Held(), {}, {}, {}
    )
    crediting.straight(customer_credits.Parked("BR-1", day(2026, 2, 1), "CUS-1", "USD"), 4000)
    feb_10 = day(2026, 2, 10)
    crediting.claim(
        [
            customer_credits.Claim("a", "BR-1", feb_10, 2500, "CUS-1"),
            customer_credits.Claim("b", "BR-1", feb_10, 3000, "CUS-1"),
        ]
    )
    crediting.claim([customer_credits.Claim("b", "BR-1", feb_10, 1000, "CUS-1")])
    crediting.finish()
    assert crediting.taken == {"a": 2500, "b": 0}
    assert crediting.left[("BR-1", "CUS-1")] == 0


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return Books(tmp_path_factory.mktemp("refunded"))


# Over payments of INV-1 (1.00) by receipts posted straight to it, refunds
# by rule, refunds posted to INV-1's receivable and new invoices of CUS-1,
# each on a day of February, in cents.
_events = st.lists(
    st.tuples(
        st.sampled_from(["over-payment", "refund", "returned", "invoice"]),
        st.integers(1, 28),
        st.integers(101, 100_000),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(_events)
def test_applications_and_take_backs_never_take_the_customers_credit_below_zero(
    folder: Books, events: list[tuple[str, int, int]]
) -> None:
    # Whatever the order of over payments, refunds and invoices: from the
    # day of each credit application or take-back (of a refund posted to
    # INV-1's receivable) on, the credits account holds at least 0.00 for
    # CUS-1 at the end of every day. (Refunds by rule may overdraw it by
    # themselves; then no application or take-back is dated before the
    # overdraft.) (The account is opened: a refund may come before any credit.)
    text = "2026-01-01 open Liabilities:CustomerCredits\n" + invoice(1, "2026-01-05", "1.00")
    number = 1
    for kind, day, cents in events:
        date, amount = f"2026-02-{day:02d}", f"{cents / 100:.2f}"
        if kind == "over-payment":
            text += paid(date, f"{(cents + 100) / 100:.2f}", f"BR-{len(text)}")
        elif kind == "refund":
            text += refund(date, amount, f"RF-{len(text)}")
        elif kind == "returned":
            text += returned(date, amount, f"RT-{len(text)}")
        else:
            number += 1
            text += invoice(number, date, amount)
    entries, errors = load(folder, text)
    assert errors == []
    moves: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account == CREDITS and posting.units is not None:
                    moves[entry.date] -= posting.units.number or 0
    applied = [
        entry.date
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") in {customer_credits.KIND, over_payments.RETURNED_KIND}
    ]
    held = Decimal(0)
    for when in sorted(moves):
        held += moves[when]
        if applied and when >= min(applied):
            assert held >= 0, (when, held)
