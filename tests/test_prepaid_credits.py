"""Prepaid credit: draw-down by usage, breakage and promotional grants, through a real load."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from beancount import loader
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins import usage_accruals, usage_policy
from tests.conftest import Books, error_lines, generated, line_of
from tests.usage_books import CREDITS as DEFERRED
from tests.usage_books import UNBILLED, USAGE, accrual, balance, credit_pack, loaded, promotion

BREAKAGE = "Income:Revenue:Breakage"
PROMOTIONAL = "Income:Revenue:PromotionalCredits"

OPENS = """
plugin "plugins.deferred_revenue"
plugin "plugins.usage_revenue" "usage.yaml"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Assets:UnbilledReceivables
2020-01-01 open Liabilities:DeferredRevenue:Credits
2020-01-01 open Income:Revenue:Credits
2020-01-01 open Income:Revenue:Usage
"""


# The worked examples' pack: 100.00 USD of credit bought in June, for twelve months.
PACK = credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15")


def moves(entries: list[data.Directive]) -> list[tuple[str, str, str, str]]:
    """(date, debit account, credit account, amount) of each generated entry, sorted."""
    found = []
    for entry in generated(entries):
        debit, credit = entry.postings
        found.append((str(entry.date), debit.account, credit.account, str(debit.units)))
    return sorted(found)


def test_credits_bought_in_june_are_revenue_as_july_and_august_use_them(books: Books) -> None:
    # The worked example: 100 USD of credits invoiced in June with a
    # 12-month expiry; 10 units used in July and 90 in August at 1 USD.
    ledger = OPENS + PACK + accrual("2026-07", "10.00 USD") + accrual("2026-08", "90.00 USD")
    entries, _ = loaded(books, ledger, policy="breakage: at_expiry\n")
    assert moves(entries) == [
        ("2026-07-31", DEFERRED, UNBILLED, "10.00 USD"),
        ("2026-08-31", DEFERRED, UNBILLED, "90.00 USD"),
    ]
    assert balance(entries, USAGE, "2026-07-31") == Decimal("-10.00")  # July: 10 of revenue
    assert balance(entries, USAGE, "2026-08-31") == Decimal("-100.00")  # August: 90 more
    assert balance(entries, DEFERRED, "2026-08-31") == Decimal("0.00")
    assert balance(entries, UNBILLED, "2026-08-31") == Decimal("0.00")
    assert balance(entries, BREAKAGE, "2027-12-31") == 0  # Nothing at expiry.
    draw = generated(entries)[0]
    assert draw.narration == "Credit draw-down INV-1 for usage CUS-1/2026-07"
    assert draw.tags == {"prepaid-credits"}
    assert draw.links == {"INV-1", "CUS-1/2026-07"}
    assert draw.meta["customer"] == "CUS-1"
    assert draw.meta["revclose_source"] == "INV-1"
    assert draw.meta["revclose_usage"] == "CUS-1/2026-07"
    assert draw.meta["lineno"] == line_of(ledger, "Usage of 2026-07")  # The accrual it draws for.


def test_unused_credit_is_breakage_on_its_expiry_date(books: Books) -> None:
    # 100.00 bought, 30.00 used in July: the 70.00 left breaks on 2027-06-15.
    entries, _ = loaded(books, OPENS + PACK + accrual("2026-07", "30.00 USD"))
    assert moves(entries) == [
        ("2026-07-31", DEFERRED, UNBILLED, "30.00 USD"),
        ("2027-06-15", DEFERRED, BREAKAGE, "70.00 USD"),
    ]
    breakage = generated(entries)[1]
    assert breakage.narration == "Breakage of credit INV-1"
    assert breakage.meta["customer"] == "CUS-1"
    assert balance(entries, DEFERRED, "2027-06-15") == 0
    opened = {entry.account: entry.date for entry in entries if isinstance(entry, data.Open)}
    assert opened[BREAKAGE] == datetime.date(2027, 6, 15)


def test_credit_can_be_used_on_its_expiry_day_but_not_after(books: Books) -> None:
    # Expires on 2026-09-30, the day September's usage is accrued: September
    # draws it; October's usage is overage, and the rest breaks that day.
    entries, _ = loaded(
        books,
        OPENS
        + credit_pack("2026-06-30", "INV-1", "100.00 USD", "2026-09-30")
        + accrual("2026-09", "40.00 USD")
        + accrual("2026-10", "25.00 USD"),
    )
    assert moves(entries) == [
        ("2026-09-30", DEFERRED, UNBILLED, "40.00 USD"),
        ("2026-09-30", DEFERRED, BREAKAGE, "60.00 USD"),
    ]
    assert balance(entries, UNBILLED, "2026-10-31") == Decimal("25.00")


def test_proportional_breakage_follows_use_and_trues_up_at_expiry(books: Books) -> None:
    # Expected breakage 10%: a customer who uses 90 leaves 10, so each unit
    # used brings 0.10 / 0.90 = 1/9 of breakage, rounded on the running total.
    # July uses 30: 30 / 9 = 3.333 -> 3.33.
    # August uses 45: 75 / 9 = 8.333 -> 8.33, so August brings 5.00.
    # At expiry 25.00 is unused: breakage totals 25.00, so 16.67 is left to book.
    entries, _ = loaded(
        books,
        OPENS + PACK + accrual("2026-07", "30.00 USD") + accrual("2026-08", "45.00 USD"),
        policy="breakage: proportional\nexpected_breakage: 0.10\n",
    )
    assert moves(entries) == [
        ("2026-07-31", DEFERRED, UNBILLED, "30.00 USD"),
        ("2026-07-31", DEFERRED, BREAKAGE, "3.33 USD"),
        ("2026-08-31", DEFERRED, UNBILLED, "45.00 USD"),
        ("2026-08-31", DEFERRED, BREAKAGE, "5.00 USD"),
        ("2027-06-15", DEFERRED, BREAKAGE, "16.67 USD"),
    ]
    assert balance(entries, DEFERRED, "2026-08-31") == Decimal("-16.67")
    assert balance(entries, BREAKAGE, "2027-06-15") == Decimal("-25.00")
    assert balance(entries, DEFERRED, "2027-06-15") == 0


def test_proportional_breakage_is_reversed_when_use_passes_the_expectation(books: Books) -> None:
    # 80 used in July: 80 / 9 = 8.889 -> 8.89 of breakage. August uses 15:
    # 95 / 9 = 10.56, but only 5.00 is still unused, so breakage is 5.00 and
    # 3.89 goes back to deferred revenue. The customer could still use 5.00.
    entries, _ = loaded(
        books,
        OPENS + PACK + accrual("2026-07", "80.00 USD") + accrual("2026-08", "15.00 USD"),
        policy="breakage: proportional\nexpected_breakage: 0.10\n",
    )
    assert moves(entries) == [
        ("2026-07-31", DEFERRED, UNBILLED, "80.00 USD"),
        ("2026-07-31", DEFERRED, BREAKAGE, "8.89 USD"),
        ("2026-08-31", BREAKAGE, DEFERRED, "3.89 USD"),
        ("2026-08-31", DEFERRED, UNBILLED, "15.00 USD"),
    ]
    reversal = [entry for entry in generated(entries) if entry.postings[0].account == BREAKAGE]
    assert reversal[0].narration == "Breakage of credit INV-1 reversed"
    assert balance(entries, DEFERRED, "2026-08-31") == 0
    assert balance(entries, BREAKAGE, "2027-12-31") == Decimal("-5.00")


def test_usage_beyond_the_credit_is_overage_and_stays_unbilled(books: Books) -> None:
    entries, _ = loaded(books, OPENS + PACK + accrual("2026-07", "130.00 USD"))
    assert moves(entries) == [("2026-07-31", DEFERRED, UNBILLED, "100.00 USD")]
    assert balance(entries, UNBILLED, "2026-07-31") == Decimal("30.00")
    assert balance(entries, USAGE, "2026-07-31") == Decimal("-130.00")


def test_promotional_credit_recognizes_nothing(books: Books) -> None:
    # 50.00 free; July uses 20.00 of it. The usage it pays for nets to no
    # revenue; the 30.00 unused expires with no entry.
    entries, options = loaded(
        books,
        OPENS
        + promotion("2026-07-01", "PROMO-1", "50.00 USD", "2026-12-31")
        + accrual("2026-07", "20.00 USD"),
    )
    assert moves(entries) == [("2026-07-31", PROMOTIONAL, UNBILLED, "20.00 USD")]
    assert balance(entries, USAGE, "2026-12-31") + balance(entries, PROMOTIONAL, "2026-12-31") == 0
    assert balance(entries, UNBILLED, "2026-07-31") == 0
    assert generated(entries)[0].links == {"PROMO-1", "CUS-1/2026-07"}
    subledger, _ = usage_accruals.load(entries, options)
    (promo,) = subledger.grant_balances(datetime.date(2027, 1, 1))
    assert (promo.granted, promo.drawn, promo.expired, promo.available) == (5000, 2000, 3000, 0)


def test_the_grant_that_expires_first_is_drawn_first(books: Books) -> None:
    # INV-1 (June, to 2027-06-15) and INV-2 (July, to 2026-12-31): July's 70.00
    # takes INV-2's 50.00 first, then 20.00 of INV-1.
    entries, _ = loaded(
        books,
        OPENS
        + PACK
        + credit_pack("2026-07-01", "INV-2", "50.00 USD", "2026-12-31")
        + accrual("2026-07", "70.00 USD"),
    )
    assert [(e.meta["revclose_source"], str(e.postings[0].units)) for e in generated(entries)] == [
        ("INV-2", "50.00 USD"),
        ("INV-1", "20.00 USD"),
        ("INV-1", "80.00 USD"),  # Breakage at 2027-06-15.
    ]


def test_on_the_same_expiry_promotional_credit_goes_first(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + credit_pack("2026-06-15", "INV-1", "100.00 USD", "2026-12-31")
        + promotion("2026-07-01", "PROMO-1", "10.00 USD", "2026-12-31")
        + accrual("2026-07", "25.00 USD"),
    )
    assert moves(entries)[:2] == [
        ("2026-07-31", PROMOTIONAL, UNBILLED, "10.00 USD"),
        ("2026-07-31", DEFERRED, UNBILLED, "15.00 USD"),
    ]


def test_credit_bought_after_the_usage_month_is_not_drawn_by_it(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-07", "25.00 USD")
        + credit_pack("2026-08-05", "INV-1", "100.00 USD", "2027-08-05")
        + accrual("2026-08", "5.00 USD"),
    )
    assert moves(entries)[0] == ("2026-08-31", DEFERRED, UNBILLED, "5.00 USD")
    assert balance(entries, UNBILLED, "2026-08-31") == Decimal("25.00")


def test_eur_usage_draws_only_eur_credit(books: Books) -> None:
    entries, options = loaded(
        books,
        OPENS
        + PACK
        + credit_pack("2026-06-15", "INV-2", "80.00 EUR", "2027-06-15")
        + accrual("2026-07", "30.00 EUR"),
    )
    assert moves(entries)[0] == ("2026-07-31", DEFERRED, UNBILLED, "30.00 EUR")
    subledger, _ = usage_accruals.load(entries, options)
    remaining = {
        each.grant.id: (each.remaining, each.grant.currency)
        for each in subledger.grant_balances(datetime.date(2026, 7, 31))
    }
    assert remaining == {"INV-1": (10000, "USD"), "INV-2": (5000, "EUR")}


def test_a_credit_note_takes_credit_back_from_its_invoices_grant(books: Books) -> None:
    note = f"""
2026-07-10 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -40.00 USD
  {DEFERRED}  40.00 USD
    service_start: 2026-07-10
    service_end: 2027-07-10
    recognition: "usage"
    expires: 2027-07-10
"""
    entries, options = loaded(books, OPENS + PACK + note + accrual("2026-07", "70.00 USD"))
    assert moves(entries) == [("2026-07-31", DEFERRED, UNBILLED, "60.00 USD")]
    assert balance(entries, UNBILLED, "2026-07-31") == Decimal("10.00")
    subledger, _ = usage_accruals.load(entries, options)
    (grant,) = subledger.grant_balances(datetime.date(2026, 7, 31))
    assert (grant.granted, grant.drawn, grant.remaining) == (6000, 6000, 0)


def test_grant_errors_point_at_their_lines(books: Books) -> None:
    books.write("usage.yaml", "")
    ledger = (
        OPENS
        + PACK.replace("    expires: 2027-06-15\n", "")
        + credit_pack("2026-06-16", "INV-2", "100.00 USD", "2027-06-15").replace(
            "expires: 2027-06-15", 'expires: "next year"'
        )
        + promotion("2026-07-01", "PROMO-1", "50.00 USD", "2026-12-31").replace(
            "promotional: TRUE", "promotional: FALSE"
        )
        + """
2026-07-02 custom "credit-grant" "PROMO-2"
  promotional: TRUE
"""
    )
    entries, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (
            line_of(ledger, f"{DEFERRED}  -100"),
            "Credit-pack line has no 'expires'; expected the last day its credit can be used, "
            "like 'expires: 2027-06-15'",
        ),
        (
            line_of(ledger, "Invoice INV-2") + 4,
            "Expires 'next year' is not a date; expected YYYY-MM-DD",
        ),
        (
            line_of(ledger, '"PROMO-1"'),
            "Credit grant 'PROMO-1' is not promotional; expected 'promotional: TRUE' (paid "
            "credit is an invoice line with 'recognition: \"usage\"')",
        ),
        (
            line_of(ledger, '"PROMO-2"'),
            "Credit grant 'PROMO-2' has no 'expires'; expected the last day its credit can be "
            "used, like 'expires: 2027-06-15'",
        ),
        (
            line_of(ledger, '"PROMO-2"'),
            "Credit grant 'PROMO-2' names no customer; expected 'customer: \"CUS-1\"'",
        ),
        (
            line_of(ledger, '"PROMO-2"'),
            "Credit grant 'PROMO-2' has no amount; expected 'amount: 50.00 USD'",
        ),
    ]
    assert generated(entries) == []


def test_taking_back_more_credit_than_is_left_is_an_error(books: Books) -> None:
    books.write("usage.yaml", "")
    void = f"""
2026-08-10 * "Acme" "Void INV-1" ^INV-1
  invoice: "INV-1"
  status: "void"
  customer: "CUS-1"
  Assets:AccountsReceivable  -100.00 USD
  {DEFERRED}  100.00 USD
    service_start: 2026-06-15
    service_end: 2027-06-15
    recognition: "usage"
    expires: 2027-06-15
"""
    ledger = OPENS + PACK + accrual("2026-07", "30.00 USD") + void
    _, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (
            line_of(ledger, f"{DEFERRED}  100.00"),
            "Takes back 100.00 USD of credit, 30.00 more than 'INV-1' has left",
        )
    ]


# The invariants, for any grants and monthly usage.

MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[int, int, int, bool]], list[int]]:
    """Grants (month bought, months to expiry, cents, promotional) and usage cents by month."""
    grants = draw(
        st.lists(
            st.tuples(st.integers(0, 11), st.integers(0, 6), st.integers(1, 20000), st.booleans()),
            max_size=4,
        )
    )
    usage = draw(st.lists(st.integers(0, 15000), min_size=12, max_size=12))
    return grants, usage


def _ledger(grants: list[tuple[int, int, int, bool]], usage: list[int]) -> str:
    text = OPENS.replace('plugin "plugins.deferred_revenue"\n', "").replace(' "usage.yaml"', "")
    for index, (bought, months, cents, promotional) in enumerate(grants):
        day = datetime.date(2026, bought + 1, 10)
        month = bought + months
        expires = datetime.date(2026 + month // 12, month % 12 + 1, 20)
        amount = f"{Decimal(cents) / 100:.2f} USD"
        if promotional:
            text += promotion(str(day), f"PROMO-{index}", amount, str(expires))
        else:
            text += credit_pack(str(day), f"INV-{index}", amount, str(expires))
    for name, cents in zip(MONTHS, usage, strict=True):
        if cents:
            text += accrual(name, f"{Decimal(cents) / 100:.2f} USD")
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from([usage_policy.AT_EXPIRY, usage_policy.PROPORTIONAL]))
def test_credit_is_conserved_and_never_negative(
    history: tuple[list[tuple[int, int, int, bool]], list[int]], method: str
) -> None:
    grants, usage = history
    entries, errors, _ = loader.load_string(_ledger(grants, usage))
    assert errors == []
    chosen = usage_policy.UsagePolicy(
        breakage=method,
        expected_breakage=Decimal("0.15") if method == usage_policy.PROPORTIONAL else Decimal(0),
    )
    subledger, problems = usage_accruals.run(entries, chosen)
    assert problems == []
    # Every day's deferred credit (paid grants' balances) is never negative.
    days = sorted({move.date for move in subledger.movements} | {datetime.date(2028, 1, 1)})
    for day in days:
        for each in subledger.grant_balances(day):
            assert each.remaining >= 0
            # Drawn + breakage (or expired) + remaining = granted.
            assert each.drawn + each.breakage + each.expired + each.remaining == each.granted
    # Every usage amount is either drawn or still unbilled.
    drawn: dict[str, int] = defaultdict(int)
    for move in subledger.movements:
        if move.kind == "draw":
            drawn[move.cause.usage] += move.units
    unbilled = subledger.open_unbilled(datetime.date(2028, 1, 1))
    for accrual_ in subledger.accruals:
        month = usage_accruals.month_name(accrual_.month)
        left = unbilled.get(("CUS-1", month, "USD"), Decimal(0))
        assert drawn[accrual_.usage] + int(left * 100) == accrual_.amount
    # At the end, nothing paid is left: it was drawn or broke.
    for each in subledger.grant_balances(datetime.date(2028, 1, 1)):
        assert each.remaining == 0
