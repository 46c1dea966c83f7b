"""A refund of a customer credit at a rate of its own realizes its difference from the pool's.

A customer's credits in a foreign currency are pooled per customer and
currency and carried at the weighted average of what is open: the pool's
carrying amount over its open units (`plugins.credits_own_rate`). A refund
typed at another rate (`Liabilities:CustomerCredits 30.00 EUR @ 1.25 USD`
against a credit carried at 1.20) gets an own-rate entry that moves its
units back at its own rate and out at the carrying rate, the difference to
the realized account, so the pool's weight is what is left of its carrying
amount, and exactly 0.00 USD once its units are 0. Before the rule no such
entry was made: every test below but the two that need no entry failed so.
The last four were found by the review of a5b44f6 (strict expected
failures until the rule of the pool's carrying amount): a pool of one rate
carried at it exactly, a last piece weighed exactly, an overdraw carried at
the rate it was paid out at; each failed on the rule before, and so did
the property test's examples. The last two, from the review of 2adfd8f
(rev20), failed while a day's payouts were read in the file's order: a
day's refunds overdrawing nobody's pool, and the same refunds typed in
another order making the same entries (its explicit example).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import Books, generated
from tests.rated_books import postings_through, units_total, usd_weight
from tests.test_ar_credits_remeasured import (
    CREDITS_REMEASURED,
    EURO_CREDIT,
    prepays,
    refunded_by_bank_rule,
    remeasurements,
)
from tests.test_ar_reconciliation import CREDITS, REALIZED, UNREALIZED, load


def own_rates(
    entries: list[data.Directive], account: str = CREDITS
) -> list[tuple[str, str, list[str]]]:
    """(date, narration, postings as `account units @ price`) of each own-rate entry on account."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            [
                f"{posting.account} {posting.units}"
                + (f" @ {posting.price}" if posting.price else "")
                for posting in entry.postings
            ],
        )
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") == "own-rate"
        and any(posting.account == account for posting in entry.postings)
    ]


def refund(day: str, euros: str, rate: str, dollars: str, named: str = "") -> str:
    """A refund typed from the USD bank account at its own rate; by default naming nobody.

    The bank import's rule types none: the credit is the customer's by the
    payee, billed to CUS-1 only (`customer_credits.Owner`).
    """
    return f"""
{day} * "Acme" "Refund of credit"{named}
  Liabilities:CustomerCredits  {euros} EUR @ {rate} USD
  Assets:Bank:Operating  -{dollars} USD
"""


def weight_through(entries: list[data.Directive], day: str) -> tuple[Decimal, Decimal]:
    """The credits account's EUR units and its weight in USD at the end of a day."""
    held = postings_through(entries, CREDITS, day)
    return units_total(held, "EUR"), usd_weight(held)


def test_worked_example_a_credit_refunded_at_a_higher_rate_realizes_a_loss(books: Books) -> None:
    # R-1 parks 30.00 EUR in CUS-1's credits on Jan 10 at 1.20: -36.00 USD.
    # The bank refunds it on Jan 20 at 1.25: 37.50 USD paid for a liability
    # carried at 36.00, 1.50 USD of loss. The entry moves the 30.00 EUR back
    # at 1.25 (-37.50) and out at the pool's rate, 36.00 / 30.00 = 1.20
    # (+36.00): Realized 37.50 - 36.00 = 1.50 debit. The pool then holds
    # 0.00 EUR weighing -36.00 + 37.50 - 37.50 + 36.00 = 0.00 USD, so on Jan
    # 31 (EUR 1.25) nothing is remeasured.
    text = EURO_CREDIT + refund("2026-01-20", "30.00", "1.25", "37.50")
    text += "\n2026-01-31 price EUR 1.25 USD\n"
    entries, errors = load(books, text)
    assert errors == []
    assert own_rates(entries) == [
        ("2026-01-20",
         "Exchange difference on CUS-1's EUR credits: 30.00 EUR paid out at 1.25 USD, "
         "carried at 36.00 USD",
         [f"{CREDITS} 30.00 EUR @ 1.2 USD", f"{CREDITS} -30.00 EUR @ 1.25 USD",
          f"{REALIZED} 1.50 USD"]),
    ]  # fmt: skip
    [entry] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert entry.links == {"CUS-1"}
    assert (entry.meta["customer"], entry.meta["revclose_source"]) == ("CUS-1", "CUS-1")
    assert entry.meta["lineno"] > 0  # at the refund's line
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("1.50")
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))
    assert remeasurements(entries) == []


def test_worked_example_a_partial_refund_leaves_the_rest_at_the_pools_rate(books: Books) -> None:
    # 10.00 EUR of the 30.00 EUR carried at 36.00 are refunded at 1.25
    # (12.50 USD paid): they were carried at 36.00 x 10 / 30 = 12.00, so 0.50
    # USD is lost. The pool holds 20.00 EUR carried at 24.00 USD (1.20). On
    # Jan 31, EUR at 1.25, it is worth 25.00: 1.00 of unrealized loss,
    # reversed Feb 1 (without the own-rate entry it weighed 36.00 - 12.50 =
    # 23.50, and read 1.50 there).
    text = EURO_CREDIT + refund("2026-01-20", "10.00", "1.25", "12.50")
    text += "\n2026-01-31 price EUR 1.25 USD\n"
    entries, errors = load(books, text)
    assert errors == []
    [(_, _, postings)] = own_rates(entries)
    assert postings == [
        f"{CREDITS} 10.00 EUR @ 1.2 USD",
        f"{CREDITS} -10.00 EUR @ 1.25 USD",
        f"{REALIZED} 0.50 USD",
    ]
    assert weight_through(entries, "2026-01-20") == (Decimal("-20.00"), Decimal("-24.00"))
    assert [(day, postings) for day, _, postings, _ in remeasurements(entries)] == [
        ("2026-01-31", [f"{CREDITS_REMEASURED} -1.00 USD", f"{UNREALIZED} 1.00 USD"]),
        ("2026-02-01", [f"{UNREALIZED} -1.00 USD", f"{CREDITS_REMEASURED} 1.00 USD"]),
    ]


# A second credit of CUS-1 at another rate: EUR at 1.10 from Jan 12, R-2
# 30.00 EUR received Jan 15 at 1.10 names INV-1, already paid by R-1, so all
# of it is credited: -30.00 EUR @ 1.10 USD, -33.00 USD. The pool holds
# 60.00 EUR carried at 36.00 + 33.00 = 69.00 USD, on average 1.15.
SECOND_CREDIT = """
2026-01-12 price EUR 1.10 USD

2026-01-15 * "Acme" "Wire"
  receipt: "R-2"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  33.00 USD
  Liabilities:UnappliedCash  -30.00 EUR @ 1.10 USD
"""


def test_worked_example_two_credits_are_refunded_at_their_average_rate(books: Books) -> None:
    # Jan 20: 20.00 EUR refunded at 1.25 (25.00 USD) were carried at
    # 69.00 x 20 / 60 = 23.00 (1.15 each): 2.00 USD of loss. The pool
    # holds 40.00 EUR carried at 46.00 (still 1.15).
    # Jan 25: the 40.00 EUR left refunded at 1.25 (50.00 USD) empty the
    # pool: they take all of its 46.00 out, 4.00 USD of loss.
    # In all 6.00 lost: 75.00 paid for 60.00 EUR carried at 69.00; the pool
    # weighs 0.00 USD with 0.00 EUR.
    text = (
        EURO_CREDIT
        + SECOND_CREDIT
        + refund("2026-01-20", "20.00", "1.25", "25.00")
        + refund("2026-01-25", "40.00", "1.25", "50.00")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert weight_through(entries, "2026-01-15") == (Decimal("-60.00"), Decimal("-69.00"))
    assert [(day, postings) for day, _, postings in own_rates(entries)] == [
        ("2026-01-20", [f"{CREDITS} 20.00 EUR @ 1.15 USD", f"{CREDITS} -20.00 EUR @ 1.25 USD",
                        f"{REALIZED} 2.00 USD"]),
        ("2026-01-25", [f"{CREDITS} 40.00 EUR @ 1.15 USD", f"{CREDITS} -40.00 EUR @ 1.25 USD",
                        f"{REALIZED} 4.00 USD"]),
    ]  # fmt: skip
    assert weight_through(entries, "2026-01-20") == (Decimal("-40.00"), Decimal("-46.00"))
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("6.00")


def test_a_credit_applied_at_its_receipts_rate_is_taken_out_at_the_pools(books: Books) -> None:
    # The pool of R-1 (30.00 EUR at 1.20) and R-2 (30.00 EUR at 1.10) holds
    # 60.00 EUR carried at 69.00. Jan 20: 30.00 EUR refunded at 1.25 (37.50)
    # were carried at 69.00 x 30 / 60 = 34.50: 3.00 of loss; 30.00 EUR
    # carried at 34.50 are left. Feb 10: INV-2, 30.00 EUR billed at 1.10
    # (33.00), is paid from R-1's credit, the oldest, at R-1's rate: 36.00
    # out of credits against 33.00 of receivable, 3.00 of gain. The pool
    # carried them at 34.50, not 36.00: an own-rate entry moves them back at
    # 1.20 and out at 34.50, 1.50 of loss. So the application realizes
    # 34.50 - 33.00 = 1.50 of gain in all, and the pool weighs 0.00 USD with
    # its 0.00 EUR (it was 1.50 USD with no euros before the rule). In all
    # 69.00 carried were settled by 37.50 paid and 33.00 of receivable: a
    # loss of 1.50 = 3.00 - 3.00 + 1.50.
    text = (
        EURO_CREDIT
        + SECOND_CREDIT
        + refund("2026-01-20", "30.00", "1.25", "37.50")
        + """
2026-02-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.10 USD
  Income:Revenue:Services  -33.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [applied] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "customer-credit"]
    assert [str(p.units) + (f" @ {p.price}" if p.price else "") for p in applied.postings] == [
        "30.00 EUR @ 1.20 USD", "-30.00 EUR @ 1.10 USD", "-3.00 USD",
    ]  # fmt: skip
    assert own_rates(entries) == [
        ("2026-01-20",
         "Exchange difference on CUS-1's EUR credits: 30.00 EUR paid out at 1.25 USD, "
         "carried at 34.50 USD",
         [f"{CREDITS} 30.00 EUR @ 1.15 USD", f"{CREDITS} -30.00 EUR @ 1.25 USD",
          f"{REALIZED} 3.00 USD"]),
        ("2026-02-10",
         "Exchange difference on CUS-1's EUR credits: 30.00 EUR paid out at 1.20 USD, "
         "carried at 34.50 USD",
         [f"{CREDITS} 30.00 EUR @ 1.15 USD", f"{CREDITS} -30.00 EUR @ 1.20 USD",
          f"{REALIZED} 1.50 USD"]),
    ]  # fmt: skip
    assert weight_through(entries, "2026-02-28") == (Decimal(0), Decimal(0))
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("1.50")


def test_a_piece_of_an_average_that_does_not_end_is_rounded_and_the_last_takes_the_rest(
    books: Books,
) -> None:
    # R-3's 10.00 EUR received Jan 16 at 1.15 (EUR 1.15 from that day) name
    # INV-1, paid, so all are credited: with R-1's 30.00 EUR at 1.20 (36.00)
    # the pool holds 40.00 EUR carried at 36.00 + 11.50 = 47.50, 1.1875
    # each. Jan 20: 15.00 EUR refunded at 1.25 (18.75) take out 47.50 x 15 /
    # 40 = 17.8125, rounded to the cent 17.81: 0.94 of loss; 25.00 EUR
    # carried at 29.69 are left. Jan 25: the other 25.00 EUR at 1.25 (31.25) take the 29.69
    # left: 1.56 of loss. In all 2.50 = 50.00 paid - 47.50 carried, and the
    # pool weighs 0.00 USD.
    text = (
        EURO_CREDIT
        + """
2026-01-16 price EUR 1.15 USD

2026-01-16 * "Acme" "Wire"
  receipt: "R-3"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  11.50 USD
  Liabilities:UnappliedCash  -10.00 EUR @ 1.15 USD
"""
        + refund("2026-01-20", "15.00", "1.25", "18.75")
        + refund("2026-01-25", "25.00", "1.25", "31.25")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert weight_through(entries, "2026-01-16") == (Decimal("-40.00"), Decimal("-47.50"))
    realized = [postings[-1] for _, _, postings in own_rates(entries)]
    assert realized == [f"{REALIZED} 0.94 USD", f"{REALIZED} 1.56 USD"]
    assert weight_through(entries, "2026-01-20") == (Decimal("-25.00"), Decimal("-29.69"))
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))


def test_a_refund_at_a_lower_rate_realizes_a_gain(books: Books) -> None:
    # 30.00 EUR carried at 36.00 refunded at 1.10 (33.00 USD, named by
    # receipt and customer): 3.00 USD less paid than carried, a gain
    # (Realized -3.00); the pool weighs 0.00.
    named = '\n  receipt: "R-1"\n  customer: "CUS-1"'
    text = EURO_CREDIT + refund("2026-01-20", "30.00", "1.10", "33.00", named)
    entries, errors = load(books, text)
    assert errors == []
    [(_, _, postings)] = own_rates(entries)
    assert postings[-1] == f"{REALIZED} -3.00 USD"
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))


def test_a_refund_at_the_carrying_rate_needs_no_entry(books: Books) -> None:
    # 10.00 EUR refunded at 1.20 weigh 12.00 = 36.00 x 10 / 30: nothing
    # differs. Unchanged by the rule.
    text = EURO_CREDIT + refund("2026-01-20", "10.00", "1.20", "12.00")
    entries, errors = load(books, text)
    assert errors == []
    assert own_rates(entries) == []
    assert weight_through(entries, "2026-01-20") == (Decimal("-20.00"), Decimal("-24.00"))


def test_a_refund_beyond_the_credit_takes_what_is_held_and_overdraws_at_its_own_rate(
    books: Books,
) -> None:
    # 40.00 EUR refunded at 1.25 (50.00 USD) of a 30.00 EUR credit carried at
    # 36.00 overdraw it by 10.00 (the customer credits schedule's control
    # reports it). The 30.00 EUR held are paid out at 1.25 (37.50) and were
    # carried at 36.00, all the pool had: 1.50 of loss, as if refunded
    # alone. The 10.00 EUR beyond are carried at the rate they were paid out
    # at: 12.50 USD. Before the rule of an overdraw the refund was left as
    # typed, no entry, and the pool weighed -36.00 + 50.00 = 14.00 USD for
    # its 10.00 EUR (1.40 each, a rate nobody paid), the 1.50 unrealized.
    text = EURO_CREDIT + refund("2026-01-20", "40.00", "1.25", "50.00")
    entries, errors = load(books, text)
    assert errors == []
    assert own_rates(entries) == [
        ("2026-01-20",
         "Exchange difference on CUS-1's EUR credits: 30.00 EUR paid out at 1.25 USD, "
         "carried at 36.00 USD",
         [f"{CREDITS} 30.00 EUR @ 1.2 USD", f"{CREDITS} -30.00 EUR @ 1.25 USD",
          f"{REALIZED} 1.50 USD"]),
    ]  # fmt: skip
    assert weight_through(entries, "2026-01-20") == (Decimal("10.00"), Decimal("12.50"))


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
    # 44.97 / 37.87 = 1.18748349617... does not end: no one price weighs
    # 37.87 EUR at 44.97 in Beancount's 28 digits, so the last piece is
    # taken out in two legs at 1.18748 and 1.18749, the units at the
    # higher what the lower leaves over the step: 44.97 - 37.87 x 1.18748
    # = 0.0001324, over 0.00001, 13.24 EUR; 24.63 EUR x 1.18748 = 29.2476324
    # and 13.24 x 1.18749 = 15.7223676, together 44.97. (1.34 / 1.13 does
    # not end either, but its 28-digit quotient weighs 1.34 exactly.)
    # Before, the last leg was one price of 28 digits: the pool weighed
    # 2E-26 USD with no euros.
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
    assert own_rates(entries)[-1][2][:2] == [
        f"{CREDITS} 24.63 EUR @ 1.18748 USD",
        f"{CREDITS} 13.24 EUR @ 1.18749 USD",
    ]
    assert weight_through(entries, "2026-01-31") == (Decimal(0), Decimal(0))


def test_a_pool_of_one_rate_with_four_decimals_needs_no_entry_at_that_rate(books: Books) -> None:
    # The README: "A pool of one rate needs no such entry, nor does a debit
    # at the average." EUR at 1.0836 (an ECB fixing has four decimals) from
    # Jan 1. INV-1 30.00 EUR at 1.0836; R-1 60.00 EUR at 1.0836 names it
    # and parks 30.00 EUR in credits at 1.0836, carried at 32.508 USD: a
    # pool of one rate. Jan 20: 10.00 EUR refunded at 1.10 (11.00 USD) were
    # carried at 10.00 x 1.0836 = 10.836, the pool's one rate, fractions of
    # a cent included: 11.00 - 10.836 = 0.164, 0.16 of loss, and 20.00 EUR
    # carried at 21.672 = 20.00 x 1.0836 are left.
    # Feb 10: INV-2 20.00 EUR at 1.0836 is paid from R-1's credit at R-1's
    # rate, 1.0836, the pool's one rate: 21.672 out, what the pool carries,
    # so no own-rate entry, and the pool weighs 0.00 with its 0.00 EUR.
    # Before, the Jan 20 piece was rounded to the cent, 10.84, leaving
    # 21.668 carried (1.0834 each); the credit paid at its own 1.0836 then
    # got an entry, "20.00 EUR paid out at 1.0836 USD, carried at 21.668000
    # USD", realizing 0.00 USD.
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
    # 1.25 (50.00 USD) overdraw them by 10.00 EUR: the 30.00 held take the
    # 36.00 out, 37.50 paid, 1.50 of loss; the 10.00 EUR beyond are carried
    # at the rate they were paid out at, +12.50. Jan 22: R-2 12.00 EUR at
    # 1.10 (13.20) name INV-1, paid, so all are credited: 10.00 EUR of them
    # (11.00 USD) take out the overdraw carried at 12.50, 1.50 more of loss
    # (12.50 paid for 11.00 back), and the other 2.00 EUR are held at their
    # own 1.10: -2.20. Jan 25: those 2.00 EUR refunded at 1.10 (2.20 USD),
    # the pool's one rate: no entry. In all 49.20 USD were carried in
    # (36.00 + 13.20) and 52.20 paid out (50.00 + 2.20): 3.00 of loss,
    # 1.50 + 1.50, and the pool ends at 0.00 EUR weighing 0.00 USD.
    # The gap test this was expected the overdraw left as typed, the pool
    # at +10.00 EUR weighing +14.00 and, refilled, at -2.00 EUR weighing
    # +0.80 on Jan 22: a pool so carried can only be emptied at 0.80 /
    # -2.00 = -0.40 USD a euro, the negative rate found (`2.00 EUR @ -0.4
    # USD`, realizing all 3.00 on a refund of 2.20 USD).
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
    assert weight_through(entries, "2026-01-20") == (Decimal("10.00"), Decimal("12.50"))
    assert own_rates(entries)[1] == (
        "2026-01-22",
        "Exchange difference on CUS-1's EUR credits: 10.00 EUR received at 1.10 USD, "
        "against an overdraw carried at 12.50 USD",
        [f"{CREDITS} 10.00 EUR @ 1.10 USD", f"{CREDITS} -10.00 EUR @ 1.25 USD",
         f"{REALIZED} 1.50 USD"],
    )  # fmt: skip
    assert weight_through(entries, "2026-01-22") == (Decimal("-2.00"), Decimal("-2.20"))
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


# One posting to CUS-1's credits a day from Jan 11: (True, euros, rate in
# cents) a receipt naming INV-1, already paid, so all credited at its rate;
# (False, ...) a refund typed at its rate. Whole euros at rates of two
# decimals: every posting typed weighs whole cents.
_MOVES = st.lists(
    st.tuples(st.booleans(), st.integers(1, 60), st.integers(80, 160)), min_size=1, max_size=6
)


@settings(max_examples=25, deadline=None)
@given(_MOVES)
# The overdraw refilled (above): 40 out at 1.25 of 30 held, 12 in at 1.10, 2 out at 1.10.
@example([(False, 40, 125), (True, 12, 110), (False, 2, 110)])
# A pool of two rates (36.00 + 11.50 for 40 EUR) emptied in pieces: 1.1875 rounded 1.19,
# then 46.31 x 2 / 39 = 2.3748..., 2.37, and the 37 EUR left take 43.94 (1.18756...).
@example([(True, 10, 115), (False, 1, 125), (False, 2, 125), (False, 37, 125)])
def test_a_pools_weight_is_whole_cents_nothing_with_no_units_and_what_came_in(
    moves: list[tuple[bool, int, int]],
) -> None:
    # After R-1's 30.00 EUR at 1.20 (-36.00), each day's receipt or refund.
    # Every piece taken out is whole cents: the units at a pool's one rate
    # (whole euros at two decimals), a proportional share rounded to the
    # cent, or what is left; an overdraw is carried at its own rate. So at
    # the end of every day the credits weigh whole cents, exactly 0 when
    # they hold no euros and not 0 when they do; the own-rate entries
    # balance to the cent, so what they realized plus what the pool still
    # weighs is what came in and went out as typed (`typed`: -36.00 for
    # R-1, -13.20 for 12 EUR received at 1.10, +50.00 for 40 EUR refunded
    # at 1.25); and no unit is ever carried at a price below 0.
    text = EURO_CREDIT
    for day, (received, euros, cents) in enumerate(moves, start=11):
        rate = Decimal(cents).scaleb(-2)
        dollars = f"{euros * rate:.2f}"
        if received:
            text += f"""
2026-01-{day} price EUR {rate} USD

2026-01-{day} * "Acme" "Wire"
  receipt: "R-{day}"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {dollars} USD
  Liabilities:UnappliedCash  -{euros}.00 EUR @ {rate} USD
"""
        else:
            text += refund(f"2026-01-{day}", f"{euros}.00", f"{rate}", dollars)
    with tempfile.TemporaryDirectory() as folder:
        entries, errors = load(Books(Path(folder)), text)
    assert errors == []
    for day in range(10, 11 + len(moves)):
        held, weight = weight_through(entries, f"2026-01-{day}")
        assert weight == weight.quantize(Decimal("0.01"))
        assert (weight == 0) == (held == 0)
    own = [entry for entry in generated(entries) if entry.meta.get("revclose_kind") == "own-rate"]
    realized = units_total(
        [posting for entry in own for posting in entry.postings if posting.account == REALIZED]
    )
    typed = usd_weight(
        [
            posting
            for entry in entries
            if isinstance(entry, data.Transaction) and entry not in own
            for posting in entry.postings
            if posting.account == CREDITS
        ]
    )
    assert realized + weight == typed
    prices = [posting.price for entry in own for posting in entry.postings if posting.price]
    assert all(price.number is not None and price.number > 0 for price in prices)


# From the review of 2adfd8f (rev20). EUR at 1.20 from Jan 1, 1.25 on Jan
# 31. Acme prepays 60.00 EUR at 1.25 (75.00 USD) on Jan 10, nobody's (no
# one is billed under "Acme"). On Jan 27 the bank import types two refunds
# naming no payee, both nobody's: 60.00 EUR at 1.25 (75.00 USD) and 40.00
# EUR at 1.20 (48.00 USD).
NOBODYS_OVERDRAWN_ON_ONE_DAY = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-01-01 open Liabilities:CustomerCredits
""" + prepays("2026-01-10", "Acme", "60.00 EUR", "1.25")
REFUND_60 = refunded_by_bank_rule("2026-01-27", "60.00 EUR", "1.25")
REFUND_40 = refunded_by_bank_rule("2026-01-27", "40.00 EUR", "1.20")


def _january(entries: list[data.Directive]) -> tuple[Decimal, Decimal]:
    """January's realized exchange difference and its Jan 31 credits remeasurement, in USD."""
    realized = units_total(postings_through(entries, REALIZED, "2026-01-31"))
    remeasured = units_total(postings_through(entries, UNREALIZED, "2026-01-31"))
    return realized, remeasured


def test_a_days_refunds_overdrawing_nobodys_pool_realize_the_same_in_any_file_order(
    books: Books,
) -> None:
    # Nobody's pool: -60.00 EUR carried at -75.00 (1.25). The day's two
    # refunds take 100.00 EUR, 40.00 more than it holds: one of them
    # overdraws it, at its own rate (`credits_own_rate`). Which one was
    # decided by the order the two entries are typed in:
    # - the 60.00 first: it leaves at 75.00, paid 75.00, nothing realized;
    #   the 40.00 overdraw at 48.00. Jan 31 (1.25): 40.00 x 1.25 - 48.00 =
    #   2.00 unrealized; January realizes 0.00;
    # - the 40.00 first: it leaves at 40.00 x 1.25 = 50.00, paid 48.00,
    #   2.00 realized (a gain, -2.00); the 60.00 take the 20.00 left at
    #   25.00, paid 25.00, and overdraw 40.00 at 50.00 (1.25). Jan 31:
    #   40.00 x 1.25 - 50.00 = 0.00, no entry; January realizes -2.00.
    # The same books must close January the same whatever the file's
    # order: the day's debits read smallest first (the rule the day's
    # refunds read by payee follow, `customer_credits.PayeeDebits`), so the
    # 40.00 first in both: realized -2.00, unrealized 0.00. (Before, the
    # 60.00 typed first gave 0.00 realized and -2.00 unrealized.)
    figures = []
    for refunds in (REFUND_60 + REFUND_40, REFUND_40 + REFUND_60):
        entries, errors = load(books, NOBODYS_OVERDRAWN_ON_ONE_DAY + refunds)
        assert errors == []
        figures.append(_january(entries))
    assert figures[0] == figures[1]
    assert figures[0] == (Decimal("-2.00"), Decimal("0.00"))


def _described(entries: list[data.Directive]) -> list[tuple[str, ...]]:
    """Each generated entry as its date, text, links and postings, without its line, sorted."""
    return sorted(
        (
            str(entry.date),
            str(entry.narration),
            " ".join(sorted(entry.links)),
            *(
                f"{posting.account} {posting.units}"
                + (f" @ {posting.price}" if posting.price else "")
                for posting in entry.postings
            ),
        )
        for entry in generated(entries)
    )


# A day's refunds of CUS-1's credit: (euros, rate in cents, which of two
# narrations), and the same refunds in another order in the file.
_DAYS_REFUNDS = st.lists(
    st.tuples(st.integers(1, 40), st.integers(110, 130), st.booleans()), min_size=2, max_size=4
).flatmap(lambda refunds: st.tuples(st.just(refunds), st.permutations(refunds)))


@settings(max_examples=10, deadline=None)
@given(_DAYS_REFUNDS)
# The worked example's shape on CUS-1's 30.00 EUR carried at 36.00: 20.00
# at 1.25 and 15.00 at 1.10 overdraw it by 5.00. The 15.00 leave first at
# 18.00 (paid 16.50, 1.50 of gain), the 20.00 take the 15.00 left at 18.00
# (paid 18.75, 0.75 of loss) and overdraw 5.00 at 1.25; typed 20.00 first,
# they took 24.00 (paid 25.00) and the 15.00 took the 12.00 left for 10.00
# EUR (paid 11.00), 5.00 EUR overdrawn at 1.10.
@example(([(20, 125, False), (15, 110, False)], [(15, 110, False), (20, 125, False)]))
def test_a_days_refunds_make_the_same_entries_in_any_file_order(
    days: tuple[list[tuple[int, int, bool]], list[tuple[int, int, bool]]],
) -> None:
    # After R-1's 30.00 EUR at 1.20 (-36.00), the day's refunds at their own
    # rates, whole euros at two decimals, often more than the pool holds:
    # the day's payouts are read smallest first, then by rate, then by
    # text (`credits_own_rate.day_order`), so the same refunds typed in
    # another order make the same entries, the line aside.
    made = []
    for refunds in days:
        text = EURO_CREDIT + "\n2026-01-31 price EUR 1.25 USD\n"
        for euros, cents, second in refunds:
            rate = Decimal(cents).scaleb(-2)
            narration = "Refund of credit, second batch" if second else "Refund of credit"
            text += f"""
2026-01-20 * "Acme" "{narration}"
  Liabilities:CustomerCredits  {euros}.00 EUR @ {rate} USD
  Assets:Bank:Operating  -{euros * rate:.2f} USD
"""
        with tempfile.TemporaryDirectory() as folder:
            entries, errors = load(Books(Path(folder)), text)
        assert errors == []
        made.append(_described(entries))
    assert made[0] == made[1]


# CUS-1's 10.00 EUR overdraw at 12.50: a refund of 10.00 EUR at 1.25 of a
# pool that holds nothing (`customer` names it). On Jan 22 two prepayments
# naming CUS-1 come in: 12.00 EUR at 1.10 (13.20 USD) and 5.00 EUR at 1.30
# (6.50 USD).
OVERDRAWN = """
2026-01-01 price EUR 1.20 USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-15 * "Acme" "Refund of credit"
  customer: "CUS-1"
  Liabilities:CustomerCredits  10.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -12.50 USD
"""
RECEIPT_12 = prepays("2026-01-22", "Acme", "12.00 EUR", "1.10", customer="CUS-1")
RECEIPT_5 = prepays("2026-01-22", "Acme", "5.00 EUR", "1.30", customer="CUS-1")


def test_a_days_receipts_into_an_overdrawn_pool_realize_the_same_in_any_file_order(
    books: Books,
) -> None:
    # Read smallest first (`credits_own_rate.day_order`), whichever is typed
    # first:
    # - the 5.00 at 1.30 clear 5.00 of the overdraw carried at 6.25: 6.50
    #   received for 6.25, 0.25 of gain (-0.25);
    # - the 12.00 at 1.10 clear the other 5.00, carried at 6.25: 5.50 for
    #   6.25, 0.75 of loss (+0.75), and hold the 7.00 left at 7.70 (1.10).
    # Realized -0.25 + 0.75 = 0.50 through Jan 31. The pool's typed
    # postings weigh 12.50 - 13.20 - 6.50 = -7.20 USD and the own-rate
    # entries take the 0.50 realized out of it: -7.70 = -7.00 x 1.10.
    # Typed 12.00 first, the file's order once decided: the 12.00 cleared
    # all 10.00 (11.00 for 12.50, 1.50 of loss) and the 5.00 opened the
    # pool at 1.30 beside 2.00 at 1.10: 1.50 realized.
    made = []
    for receipts in (RECEIPT_12 + RECEIPT_5, RECEIPT_5 + RECEIPT_12):
        entries, errors = load(books, OVERDRAWN + receipts)
        assert errors == []
        assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("0.50")
        assert weight_through(entries, "2026-01-31") == (Decimal("-7.00"), Decimal("-7.70"))
        made.append(_described(entries))
    assert made[0] == made[1]
