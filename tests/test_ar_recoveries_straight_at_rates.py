"""Straight receipts and credits by hand to a foreign invoice written off, read on their days.

INV-1 is 100.00 EUR billed on Jan 5 at 1.20 (carried at 120.00 USD); R-1
60.00 EUR naming it pays 60.00 EUR on Jan 10 (72.00 USD); the 40.00 EUR
left is written off as uncollectible on Jan 20 at 1.20 (bad debt 48.00
USD); January is closed. EUR is 1.10 from Feb 1. A receipt posted straight
to INV-1, or a credit typed by hand to it, later is read on its own day, as
on an invoice in the functional currency: what it brings beyond what is
open then first recovers (a receipt) or lowers (a credit) what is still
written off, crediting bad debt at the write-off's rate and reinstating
at the invoice's carrying rate, at which its own posting clears it, the
differences realized; what is left over because cash was matched before its day is moved to customer
credits at the carrying rate (`plugins.over_payments.InCalendar`,
`plugins.recoveries`, README "Recoveries of invoices written off").
Before, such a receipt was read with the invoice before matching: it left
R-1 less to pay, could change closed January, and what it brought beyond
what was open was an error, and a credit on its day or after lowered
nothing or was handed the receipt's excess too.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from beancount.core import data

from tests.conftest import Books, generated
from tests.rated_books import EURO_INV_1, postings_through, units_total, usd_weight
from tests.test_ar_closed_months import BANK_FEE, january_kept
from tests.test_ar_reconciliation import AR, CREDITS, REALIZED, load

BAD_DEBT = "Expenses:BadDebt"
NIL = Decimal(0)
JANUARY = (
    EURO_INV_1
    + f"""
2026-01-01 open {BAD_DEBT}
2026-01-01 open Expenses:Goodwill

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  60.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -60.00 EUR @ 1.20 USD

2026-01-20 * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  48.00 USD
  Assets:AccountsReceivable  -40.00 EUR @ 1.20 USD
"""
    + BANK_FEE
)


def _straight(date: str, amount: str) -> str:
    """BR-1 of `amount` EUR at 1.10 posted straight to INV-1 by the bank import."""
    return f"""
{date} * "Acme" "Wire BR-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Euro  {amount} EUR @ 1.10 USD
  Assets:AccountsReceivable  -{amount} EUR @ 1.10 USD
"""


def _goodwill(date: str) -> str:
    """A goodwill credit of 30.00 EUR typed by hand to INV-1 at 1.10 (33.00 USD)."""
    return f"""
{date} * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Expenses:Goodwill  33.00 USD
  Assets:AccountsReceivable  -30.00 EUR @ 1.10 USD
"""


def _made(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(date, kind, postings as account units [@ price]) of each generated from Feb 1 to 27.

    The month's remeasurement, on Feb 28, is left out: it is not this rule's.
    """
    since, through = datetime.date(2026, 2, 1), datetime.date(2026, 2, 27)
    return [
        (
            str(entry.date),
            str(entry.meta.get("revclose_kind")),
            [
                " ".join(
                    [p.account, str(p.units)] + ([f"@ {p.price}"] if p.price is not None else [])
                )
                for p in entry.postings
            ],
        )
        for entry in generated(entries)
        if since <= entry.date <= through
    ]


def _on_inv_1(entries: list[data.Directive], kind: str) -> Decimal:
    """What the generated entries of `kind` post to the receivable, in euros, in all."""
    return units_total(
        [
            posting
            for entry in generated(entries)
            if entry.meta.get("revclose_kind") == kind
            for posting in entry.postings
            if posting.account == AR
        ],
        "EUR",
    )


def _closed(entries: list[data.Directive]) -> tuple[Decimal, ...]:
    """At Feb 27: the receivable's euros and USD weight, bad debt, realized FX, credits in euros."""
    through = "2026-02-27"
    held = postings_through(entries, AR, through)
    return (
        units_total(held, "EUR"),
        usd_weight(held),
        units_total(postings_through(entries, BAD_DEBT, through), "USD"),
        units_total(postings_through(entries, REALIZED, through), "USD"),
        units_total(postings_through(entries, CREDITS, through), "EUR"),
    )


def test_worked_example_a_later_straight_receipt_at_a_rate_recovers_on_its_day(
    books: Books,
) -> None:
    # BR-1 30.00 EUR at 1.10 (33.00 USD) posted straight to INV-1 on Feb 10.
    # January is as it was: R-1 pays 60.00 EUR on Jan 10 (BR-1 is not read
    # before its day). On Feb 10 INV-1 is open 100.00 - 60.00 - 40.00 = 0.00
    # EUR, so BR-1 brings all its 30.00 EUR beyond, and 40.00 EUR is still
    # written off: it recovers 30.00 EUR, reinstated at the write-off's
    # rate, 30.00 x 1.20 = 36.00 USD (Dr AR 30.00 EUR @ 1.20, Cr bad debt
    # 36.00). BR-1's own posting, 30.00 EUR at 1.10 = 33.00 USD, clears what
    # it reinstated, carried at 36.00: 36.00 - 33.00 = 3.00 USD of loss
    # realized (the exchange difference of any straight receipt).
    #   Bad debt 48.00 - 36.00 = 12.00 USD; AR 100.00 - 60.00 - 40.00 +
    #   30.00 - 30.00 = 0.00 EUR weighing 120.00 - 72.00 - 48.00 + 36.00 -
    #   36.00 = 0.00 USD; realized 3.00; credits 0.00.
    # (Before: BR-1 was read with INV-1 before matching, and its 30.00 EUR
    # beyond stayed on INV-1, an error: "paid 30.00 EUR more than its
    # total", bad debt 48.00.)
    _, both = january_kept(books, JANUARY, _straight("2026-02-10", "30.00"))
    assert _made(both) == [
        (
            "2026-02-10",
            "own-rate",
            [
                f"{AR} 30.00 EUR @ 1.10 USD",
                f"{AR} -30.00 EUR @ 1.20 USD",
                f"{REALIZED} 3.00 USD",
            ],
        ),
        ("2026-02-10", "recovery", [f"{AR} 30.00 EUR @ 1.20 USD", f"{BAD_DEBT} -36.00 USD"]),
    ]
    assert _closed(both) == (NIL, NIL, Decimal("12.00"), Decimal("3.00"), NIL)


def test_a_later_straight_receipt_at_a_rate_moves_what_it_brings_beyond_the_write_off(
    books: Books,
) -> None:
    # BR-1 50.00 EUR at 1.10 (55.00 USD) straight on Feb 10 finds INV-1
    # open 0.00 EUR and brings 50.00 EUR: it recovers the 40.00 EUR still
    # written off, at 1.20 = 48.00 USD (bad debt 0.00), and the other 10.00
    # EUR, over paid because R-1 was matched before its day, is moved to
    # customer credits at the carrying rate, both legs, 10.00 x 1.20 = 12.00
    # USD. Its own posting, 55.00 USD, clears 50.00 x 1.20 = 60.00 carried:
    # 5.00 USD of loss.
    #   AR 0.00 EUR weighing 0.00 USD; credits -10.00 EUR; realized 5.00.
    # (Before: the 50.00 EUR stayed on INV-1, an error, bad debt 48.00.)
    _, both = january_kept(books, JANUARY, _straight("2026-02-10", "50.00"))
    assert _on_inv_1(both, "recovery") == Decimal("40.00")
    assert _on_inv_1(both, "over-payment") == Decimal("10.00")
    assert _closed(both) == (NIL, NIL, NIL, Decimal("5.00"), Decimal("-10.00"))


@pytest.mark.parametrize("day", ["2026-02-10", "2026-02-11"])
def test_a_credit_at_a_rate_after_a_straight_receipt_lowers_what_is_left_written_off(
    books: Books, day: str
) -> None:
    # BR-1 20.00 EUR at 1.10 (22.00 USD) straight on Feb 10 and a goodwill
    # credit of 30.00 EUR at 1.10 (33.00 USD) on Feb 10 (the same day) or
    # Feb 11. On Feb 10 INV-1 is open 0.00 EUR: BR-1 brings its 20.00 EUR
    # and recovers 20.00 of the 40.00 EUR written off, at 1.20 = 24.00 USD
    # (it takes its turn first on its day, as in USD). The credit brings its
    # own 30.00 EUR beyond what is open, no more (not BR-1's too): it lowers
    # the 40.00 - 20.00 = 20.00 EUR still written off, at 1.20 = 24.00 USD,
    # and the other 10.00 EUR is moved to customer credits at 1.20 (12.00
    # USD). Each posting clears at 1.10 what is carried at 1.20: 24.00 -
    # 22.00 = 2.00 and 36.00 - 33.00 = 3.00 USD of loss.
    #   Bad debt 48.00 - 24.00 - 24.00 = 0.00 USD; AR 0.00 EUR weighing
    #   0.00 USD; credits -10.00 EUR; realized 5.00 USD.
    # (Before, the later one reading BR-1 with INV-1 before matching: on Feb
    # 10 the credit lowered nothing, bad debt 48.00 and "paid 50.00 EUR more
    # than its total"; on Feb 11 it was handed 50.00 EUR, the receipt's
    # too, lowered all 40.00 and moved 10.00 in its name.)
    later = _straight("2026-02-10", "20.00") + _goodwill(day)
    _, both = january_kept(books, JANUARY, later)
    assert _on_inv_1(both, "recovery") == Decimal("20.00")
    assert _on_inv_1(both, "credit-written-off") == Decimal("20.00")
    assert _closed(both) == (NIL, NIL, NIL, Decimal("5.00"), Decimal("-10.00"))


def _written_off_in_full(rate: str = "1.20", usd: str = "120.00") -> str:
    """INV-1 at 1.20 and all its 100.00 EUR written off on Jan 20 at `rate` (`usd` of bad debt)."""
    return (
        EURO_INV_1
        + f"""
2026-01-01 open {BAD_DEBT}

2026-01-20 * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  {usd} USD
  Assets:AccountsReceivable  -100.00 EUR @ {rate} USD
"""
        + BANK_FEE
    )


def test_a_straight_receipt_at_a_rate_recovers_what_its_typed_postings_alone_bring(
    books: Books,
) -> None:
    # All 100.00 EUR of INV-1 written off on Jan 20 at 1.20 (bad debt
    # 120.00 USD), no cash matched. BR-1 40.00 EUR at 1.10 (44.00 USD)
    # straight on Feb 10 takes INV-1 to -40.00 EUR by its typed postings
    # alone: it recovers 40.00 EUR at 1.20 = 48.00 USD, and its posting
    # clears them at 1.10: 48.00 - 44.00 = 4.00 USD of loss.
    #   Bad debt 120.00 - 48.00 = 72.00 USD; AR 0.00 EUR weighing 0.00 USD.
    # BR-1 130.00 EUR recovers all 100.00 EUR (bad debt 0.00); the 30.00
    # EUR its typed postings alone take below zero beyond that is no
    # receipt's excess over cash matched before, so it stays an error, as
    # on any invoice carried at a foreign rate.
    _, both = january_kept(books, _written_off_in_full(), _straight("2026-02-10", "40.00"))
    assert _on_inv_1(both, "recovery") == Decimal("40.00")
    assert _closed(both) == (NIL, NIL, Decimal("72.00"), Decimal("4.00"), NIL)
    entries, errors = load(books, _written_off_in_full() + _straight("2026-02-10", "130.00"))
    assert _on_inv_1(entries, "recovery") == Decimal("100.00")
    assert units_total(postings_through(entries, BAD_DEBT, "2026-02-27"), "USD") == NIL
    assert [error.message for error in errors] == [
        "Invoice 'INV-1' is paid 30.00 EUR more than its total 100.00 EUR; "
        "expected at most the tolerance 1.00 EUR"
    ]


def test_a_straight_receipt_recovers_a_write_off_at_a_rate_of_its_own_at_the_carrying_rate(
    books: Books,
) -> None:
    # All 100.00 EUR of INV-1 (carried at 1.20, 120.00 USD) written off on
    # Jan 20 at a rate of its own, 1.15: bad debt 115.00 USD, and its
    # own-rate entry realizes 120.00 - 115.00 = 5.00 USD of loss in January.
    # BR-1 100.00 EUR at 1.10 (110.00 USD) straight on Feb 10 recovers all
    # 100.00 EUR: bad debt is credited what they were written off at, 115.00
    # USD, and they are reinstated at the carrying rate, 1.20 = 120.00 USD,
    # at which BR-1's posting is cleared, so the recovery realizes 120.00 -
    # 115.00 = 5.00 USD of gain, and BR-1 120.00 - 110.00 = 10.00 of loss.
    #   Bad debt 0.00; realized 5.00 - 5.00 + 10.00 = 10.00 USD, as had
    #   INV-1 never been written off (120.00 carried, 110.00 received); AR
    #   0.00 EUR weighing 0.00 USD.
    # (Reinstated at 1.15 instead, BR-1's posting cleared at 1.20 would
    # leave the receivable at 0.00 EUR weighing -5.00 USD.)
    in_full = _written_off_in_full("1.15", "115.00")
    _, both = january_kept(books, in_full, _straight("2026-02-10", "100.00"))
    assert [made for made in _made(both) if made[1] == "recovery"] == [
        (
            "2026-02-10",
            "recovery",
            [
                f"{AR} 100.00 EUR @ 1.20 USD",
                f"{BAD_DEBT} -115.00 USD",
                f"{REALIZED} -5.00 USD",
            ],
        )
    ]
    assert _closed(both) == (NIL, NIL, NIL, Decimal("10.00"), NIL)
