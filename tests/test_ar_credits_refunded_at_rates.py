"""A refund of a customer credit at a rate of its own realizes its difference from the pool's.

A customer's credits in a foreign currency are pooled per customer and
currency and carried at the weighted average of what is open: the pool's
carrying amount over its open units (`plugins.credits_own_rate`). A refund
typed at another rate (`Liabilities:CustomerCredits 30.00 EUR @ 1.25 USD`
against a credit carried at 1.20) gets an own-rate entry that moves its
units back at its own rate and out at the carrying rate, the difference to
the realized account, so the pool's weight is what is left of its carrying
amount, and exactly 0.00 USD once its units are 0. Before the rule no such
entry was made: every test below but the last two failed so.
"""

from __future__ import annotations

from decimal import Decimal

from beancount.core import data

from tests.conftest import Books, generated
from tests.rated_books import postings_through, units_total, usd_weight
from tests.test_ar_credits_remeasured import CREDITS_REMEASURED, EURO_CREDIT, remeasurements
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


def test_a_refund_beyond_the_credit_is_left_as_typed(books: Books) -> None:
    # 40.00 EUR refunded of a 30.00 EUR credit overdraw it (the customer
    # credits schedule's control reports it): no carrying rate applies to
    # the 10.00 EUR beyond, so the refund is left as typed. Unchanged by
    # the rule.
    text = EURO_CREDIT + refund("2026-01-20", "40.00", "1.25", "50.00")
    entries, errors = load(books, text)
    assert errors == []
    assert own_rates(entries) == []
    assert weight_through(entries, "2026-01-20") == (Decimal("10.00"), Decimal("14.00"))
