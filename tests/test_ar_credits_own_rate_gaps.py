"""Known gaps of customer credits paid out at a rate of their own (README, known gaps).

Found by the review of a5b44f6; each is a strict expected failure. The
figures each expects are derived by hand in its comments, from the
README's own rule ("A customer credit paid out at a rate of its own",
`plugins/credits_own_rate.py`).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Books
from tests.rated_books import postings_through, units_total
from tests.test_ar_credits_refunded_at_rates import own_rates, refund, weight_through
from tests.test_ar_credits_remeasured import EURO_CREDIT
from tests.test_ar_reconciliation import REALIZED, load

# R-3's 10.00 EUR received Jan 16 at 1.15 name INV-1, already paid by R-1,
# so all are credited: with R-1's 30.00 EUR at 1.20 (36.00) the pool holds
# 40.00 EUR carried at 36.00 + 11.50 = 47.50 (the README's rounding example).
THIRD_CREDIT = """
2026-01-16 price EUR 1.15 USD

2026-01-16 * "Acme" "Wire"
  receipt: "R-3"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  11.50 USD
  Liabilities:UnappliedCash  -10.00 EUR @ 1.15 USD
"""

pytestmark = pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="a customer credit pool's carrying rate (README, known gap)",
)


def test_a_pool_emptied_by_three_refunds_weighs_exactly_nothing(books: Books) -> None:
    # The README: "the pool weighs exactly 0.00 USD once its units are 0".
    # 40.00 EUR carried at 47.50, refunded at 1.25 in three pieces:
    #   Jan 20, 1.00 EUR: 47.50 x 1.00 / 40.00 = 1.1875, rounded 1.19;
    #     1.25 paid, 0.06 of loss; 39.00 EUR carried at 46.31 are left.
    #   Jan 21, 1.13 EUR: 46.31 x 1.13 / 39.00 = 1.3418..., rounded 1.34;
    #     1.4125 paid, 0.07 of loss; 37.87 EUR carried at 44.97 are left.
    #   Jan 22, 37.87 EUR, the last: all 44.97 left; 47.3375 paid, 2.37.
    # Realized 0.06 + 0.07 + 2.37 = 2.50 = 50.00 paid - 47.50 carried, and
    # the pool weighs -47.50 + 1.19 + 1.34 + 44.97 = 0.00 USD with 0.00 EUR.
    # Found: the last entry's carrying leg is 37.87 EUR @ 44.97 / 37.87, a
    # quotient that does not end (1.18748349617...), rounded to 28 digits,
    # so the pool weighs 2E-26 USD with no euros (the second leg, 1.34 /
    # 1.13, does not end either). A leg that weighs its piece exactly
    # (split in two postings of terminating prices, say) would empty it.
    text = (
        EURO_CREDIT
        + THIRD_CREDIT
        + refund("2026-01-20", "1.00", "1.25", "1.25")
        + refund("2026-01-21", "1.13", "1.25", "1.41")
        + refund("2026-01-22", "37.87", "1.25", "47.34")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [postings[-1] for _, _, postings in own_rates(entries)] == [
        f"{REALIZED} 0.06 USD",
        f"{REALIZED} 0.07 USD",
        f"{REALIZED} 2.37 USD",
    ]
    assert weight_through(entries, "2026-01-21") == (Decimal("-37.87"), Decimal("-44.97"))
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))


def test_a_pool_of_one_rate_with_four_decimals_needs_no_entry_at_that_rate(books: Books) -> None:
    # The README: "A pool of one rate needs no such entry, nor does a debit
    # at the average." EUR at 1.0836 (an ECB fixing has four decimals) from
    # Jan 1. INV-1 30.00 EUR at 1.0836; R-1 60.00 EUR at 1.0836 names it
    # and parks 30.00 EUR in credits at 1.0836, carried at 32.508 USD: a
    # pool of one rate. Jan 20: 10.00 EUR refunded at 1.10 (11.00 USD) were
    # carried at 32.508 x 10 / 30 = 10.836: 11.00 - 10.836 = 0.164, 0.16 of
    # loss, and 20.00 EUR carried at 21.672 = 20.00 x 1.0836 are left.
    # Feb 10: INV-2 20.00 EUR at 1.0836 is paid from R-1's credit at R-1's
    # rate, 1.0836, the pool's one rate: 21.672 out, what the pool carries,
    # so no own-rate entry, and the pool weighs 0.00 with its 0.00 EUR.
    # Found: the Jan 20 piece is rounded to the cent, 10.84, though the
    # pool has one rate, leaving 21.668 carried (1.0834 each); the credit
    # paid at its own 1.0836 then gets an entry, "20.00 EUR paid out at
    # 1.0836 USD, carried at 21.668000 USD", realizing 0.00 USD.
    text = (
        """
2026-01-01 price EUR 1.0836 USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.0836 USD
  Income:Revenue:Services  -32.51 USD

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  65.02 USD
  Liabilities:UnappliedCash  -60.00 EUR @ 1.0836 USD
"""
        + refund("2026-01-20", "10.00", "1.10", "11.00")
        + """
2026-02-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  20.00 EUR @ 1.0836 USD
  Income:Revenue:Services  -21.67 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert weight_through(entries, "2026-01-10") == (Decimal("-30.00"), Decimal("-32.508"))
    assert [(day, postings[-1]) for day, _, postings in own_rates(entries)] == [
        ("2026-01-20", f"{REALIZED} 0.16 USD"),
    ]
    assert weight_through(entries, "2026-01-20") == (Decimal("-20.00"), Decimal("-21.672"))
    assert weight_through(entries, "2026-02-28") == (Decimal(0), Decimal(0))


def test_a_pool_refilled_after_an_overdraw_is_never_carried_at_a_negative_rate(
    books: Books,
) -> None:
    # R-1's 30.00 EUR are carried at 36.00. Jan 20: 40.00 EUR refunded at
    # 1.25 (50.00 USD) overdraw them by 10.00 EUR: left as typed (README),
    # the pool is +10.00 EUR weighing -36.00 + 50.00 = +14.00. Jan 22: R-2
    # 12.00 EUR at 1.10 (13.20) name INV-1, paid, so all are credited: the
    # pool holds 2.00 EUR, weighing 14.00 - 13.20 = +0.80. Jan 25: those
    # 2.00 EUR are refunded at 1.10 (2.20 USD). In all 49.20 USD were
    # carried in (36.00 + 13.20) and 52.20 paid out (50.00 + 2.20): 3.00 of
    # loss, and the pool ends at 0.00 EUR weighing 0.00 USD. The README's
    # carrying rate is "the weighted average of what is open": of rates
    # 1.20 and 1.10, never below 0.
    # Found: the Jan 25 refund is taken out at 0.80 / -2.00 = -0.40 USD a
    # euro ("carried at -0.80 USD"), an own-rate entry priced
    # `2.00 EUR @ -0.4 USD` realizing all 3.00 on a refund of 2.20 USD.
    text = (
        EURO_CREDIT
        + refund("2026-01-20", "40.00", "1.25", "50.00")
        + """
2026-01-22 price EUR 1.10 USD

2026-01-22 * "Acme" "Wire"
  receipt: "R-2"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  13.20 USD
  Liabilities:UnappliedCash  -12.00 EUR @ 1.10 USD
"""
        + refund("2026-01-25", "2.00", "1.10", "2.20")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert weight_through(entries, "2026-01-22") == (Decimal("-2.00"), Decimal("0.80"))
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))
    realized = units_total(postings_through(entries, REALIZED, "2026-01-31"))
    assert realized == Decimal("3.00")
    carrying = [
        posting.split(" @ ")[1]
        for _, _, postings in own_rates(entries)
        for posting in postings
        if " @ " in posting
    ]
    assert [rate for rate in carrying if rate.startswith("-")] == []
