"""The deferred revenue plugin: worked examples through a real Beancount load."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import deferred_lines, deferred_revenue, schedule
from plugins.currency import Precision
from plugins.revenue_policy import DETAIL_SUMMARY, RevenuePolicy
from tests.conftest import Books, currency, error_lines, generated, number, postings_of

DEFERRED = "Liabilities:DeferredRevenue:Subscriptions"
REVENUE = "Income:Revenue:Subscriptions"

OPENS = """
plugin "plugins.deferred_revenue" "revenue.yaml"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Liabilities:DeferredRevenue:Subscriptions
2020-01-01 open Income:Revenue:Subscriptions
2020-01-01 open Liabilities:DeferredRevenue:Services
2020-01-01 open Income:Revenue:Services
"""


def invoice(date: str, number: str, amount: str, start: str, end: str, extra: str = "") -> str:
    """An invoice of one deferred line, in the ledger's text."""
    return f"""
{date} * "Acme" "Invoice {number}" ^{number}
  invoice: "{number}"
  customer: "CUS-1"
  Assets:AccountsReceivable  {amount}
  {DEFERRED}  -{amount}
    service_start: {start}
    service_end: {end}{extra}
"""


def test_monthly_subscription_starting_mid_month_is_split_by_days(books: Books) -> None:
    # 49.00 for Jan 15 - Feb 14 (31 days): 17 days in January, 14 in February.
    # January: 49 * 17 / 31 = 26.8709 -> 26.87; February: 49 - 26.87 = 22.13.
    books.write("revenue.yaml", "basis: daily\n")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
    )
    assert errors == []
    assert postings_of(entries, REVENUE) == [
        ("2026-01-31", "-26.87 USD"),
        ("2026-02-28", "-22.13 USD"),
    ]
    release = generated(entries)[0]
    assert release.links == {"INV-1"}
    assert release.tags == {"revenue-recognition"}
    assert release.meta["customer"] == "CUS-1"
    assert release.meta["revclose_source"] == "INV-1"
    assert release.meta["lineno"] == 12  # the invoice's deferred line, for the audit trail


def test_annual_subscription_spreads_over_365_days(books: Books) -> None:
    # 12,000.00 from Jan 15 2026 to Jan 14 2027 is 365 days.
    # Jan: 12000 * 17/365 = 558.904 -> 558.90.
    # Through Feb (45 days): 1479.452 -> 1479.45, so February is 920.55.
    # Through Dec (351 days): 11539.726 -> 11539.73, so January 2027 is 460.27.
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-15", "INV-2", "12000.00 USD", "2026-01-15", "2027-01-14")
    )
    assert errors == []
    revenue = postings_of(entries, REVENUE)
    assert len(revenue) == 13
    assert revenue[0] == ("2026-01-31", "-558.90 USD")
    assert revenue[1] == ("2026-02-28", "-920.55 USD")
    assert revenue[-1] == ("2027-01-31", "-460.27 USD")
    assert sum(Decimal(amount.split()[0]) for _, amount in revenue) == Decimal("-12000.00")


def test_leap_year_counts_february_29(books: Books) -> None:
    # 3,660.00 over Mar 1 2027 - Feb 29 2028 (366 days) is 10.00 a day.
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS + invoice("2027-03-01", "INV-3", "3660.00 USD", "2027-03-01", "2028-02-29")
    )
    assert errors == []
    revenue = postings_of(entries, REVENUE)
    assert revenue[0] == ("2027-03-31", "-310.00 USD")
    assert revenue[1] == ("2027-04-30", "-300.00 USD")
    assert revenue[-1] == ("2028-02-29", "-290.00 USD")


def test_credit_note_catches_up_elapsed_days(books: Books) -> None:
    # Invoice 3,650.00 for 2026 (10.00 a day). On April 10 a credit note of
    # 730.00 for the whole year (2.00 a day) is issued: January to April
    # (120 days, 240.00) catch up at April's end; May gets 31 * 2 = 62.00.
    books.write("revenue.yaml", "")
    credit = f"""
2026-04-10 * "Acme" "Credit note CN-1" ^CN-1 ^INV-4
  invoice: "CN-1"
  customer: "CUS-1"
  {DEFERRED}  730.00 USD
    service_start: 2026-01-01
    service_end: 2026-12-31
  Assets:AccountsReceivable  -730.00 USD
"""
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-01", "INV-4", "3650.00 USD", "2026-01-01", "2026-12-31") + credit
    )
    assert errors == []
    credit_releases = [
        (str(e.date), str(p.units))
        for e in generated(entries)
        if e.meta["revclose_source"] == "CN-1"
        for p in e.postings
        if p.account == REVENUE
    ]
    assert credit_releases[0] == ("2026-04-30", "240.00 USD")
    assert credit_releases[1] == ("2026-05-31", "62.00 USD")
    assert len(credit_releases) == 9
    april = sum(
        number(p)
        for e in generated(entries)
        if e.date == datetime.date(2026, 4, 30)
        for p in e.postings
        if p.account == REVENUE
    )
    assert april == Decimal("-300.00") + Decimal("240.00")  # 30 days at 10.00, less the catch-up


def test_void_reverses_recognized_revenue_in_the_month_of_the_void(books: Books) -> None:
    # 900.00 for Jan 1 - Mar 31 2026 (90 days, 10.00 a day): Jan 310, Feb 280,
    # Mar 310. Voided on Feb 15: the void's January and February (590.00)
    # catch up at February's end, March's 310.00 cancels. Net: Jan 310,
    # Feb -310, Mar 0, and nothing is left deferred.
    books.write("revenue.yaml", "")
    void = f"""
2026-02-15 * "Acme" "Void INV-5" ^INV-5
  invoice: "INV-5"
  status: "void"
  customer: "CUS-1"
  Assets:AccountsReceivable  -900.00 USD
  {DEFERRED}  900.00 USD
    service_start: 2026-01-01
    service_end: 2026-03-31
"""
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-01", "INV-5", "900.00 USD", "2026-01-01", "2026-03-31") + void
    )
    assert errors == []
    net: dict[str, Decimal] = defaultdict(Decimal)
    for date, amount in postings_of(entries, REVENUE):
        net[date] += Decimal(amount.split()[0])
    assert dict(net) == {
        "2026-01-31": Decimal("-310.00"),
        "2026-02-28": Decimal("310.00"),
        "2026-03-31": Decimal("0.00"),
    }
    balance = sum(
        number(p)
        for e in entries
        if isinstance(e, data.Transaction)
        for p in e.postings
        if p.account == DEFERRED
    )
    assert balance == 0


def test_point_in_time_line_is_recognized_when_delivered(books: Books) -> None:
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS
        + """
2026-01-20 * "Acme" "Invoice INV-6" ^INV-6
  invoice: "INV-6"
  customer: "CUS-1"
  Assets:AccountsReceivable  5000.00 USD
  Liabilities:DeferredRevenue:Services  -5000.00 USD
    recognition: "point"
    service_start: 2026-03-10
    service_end: 2026-03-10
"""
    )
    assert errors == []
    assert postings_of(entries, "Income:Revenue:Services") == [("2026-03-31", "-5000.00 USD")]


def test_tiny_amount_over_many_months_keeps_every_cent(books: Books) -> None:
    # 0.05 over 2026: one cent moves each time the cumulative share rounds up
    # (Feb, Apr, Jul, Sep, Nov; derived in test_schedule), none is dropped.
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-01", "INV-7", "0.05 USD", "2026-01-01", "2026-12-31")
    )
    assert errors == []
    assert postings_of(entries, REVENUE) == [
        ("2026-02-28", "-0.01 USD"),
        ("2026-04-30", "-0.01 USD"),
        ("2026-07-31", "-0.01 USD"),
        ("2026-09-30", "-0.01 USD"),
        ("2026-11-30", "-0.01 USD"),
    ]


def test_yen_has_no_minor_unit(books: Books) -> None:
    # 100,000 JPY over Jan 15 - Feb 14: 100000 * 17 / 31 = 54838.7 -> 54839.
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-15", "INV-8", "100000 JPY", "2026-01-15", "2026-02-14")
    )
    assert errors == []
    assert postings_of(entries, REVENUE) == [
        ("2026-01-31", "-54839 JPY"),
        ("2026-02-28", "-45161 JPY"),
    ]


def test_monthly_basis_gives_whole_months_equal_shares(books: Books) -> None:
    # 12,000.00 from Jan 15 2026: January weighs 17/31 of a month out of 12,
    # so 12000 * 17 / 31 / 12 = 548.387 -> 548.39; whole months 1,000.00 each.
    books.write("revenue.yaml", "basis: monthly\n")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-15", "INV-9", "12000.00 USD", "2026-01-15", "2027-01-14")
    )
    assert errors == []
    revenue = postings_of(entries, REVENUE)
    assert revenue[0] == ("2026-01-31", "-548.39 USD")
    assert revenue[1:12] == [(date, "-1000.00 USD") for date, _ in revenue[1:12]]
    assert revenue[12] == ("2027-01-31", "-451.61 USD")


def test_summary_detail_writes_one_entry_per_month_and_account_pair(books: Books) -> None:
    books.write("revenue.yaml", "detail: summary\n")
    entries, errors, _ = books.load(
        OPENS
        + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
        + invoice("2026-01-20", "INV-2", "31.00 USD", "2026-01-20", "2026-02-19")
    )
    assert errors == []
    # INV-2: 12 of 31 days in January -> 12.00. With INV-1's 26.87: 38.87.
    assert postings_of(entries, REVENUE) == [
        ("2026-01-31", "-38.87 USD"),
        ("2026-02-28", "-41.13 USD"),
    ]
    assert [e.meta["revclose_lines"] for e in generated(entries)] == [2, 2]


def test_usage_lines_wait_for_usage(books: Books) -> None:
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS
        + invoice(
            "2026-01-15",
            "INV-10",
            "100.00 USD",
            "2026-01-15",
            "2027-01-14",
            '\n    recognition: "usage"',
        )
    )
    assert errors == []
    assert generated(entries) == []


def test_lines_without_a_service_period_are_left_alone(books: Books) -> None:
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load(
        OPENS
        + f"""
2026-01-31 * "Manual reclass"
  Assets:AccountsReceivable  10.00 USD
  {DEFERRED}  -10.00 USD
"""
    )
    assert errors == []
    assert generated(entries) == []


def test_empty_ledger_gives_nothing(books: Books) -> None:
    books.write("revenue.yaml", "")
    entries, errors, _ = books.load('plugin "plugins.deferred_revenue" "revenue.yaml"\n')
    assert (entries, errors) == ([], [])


def test_no_config_applies_design_defaults(books: Books) -> None:
    entries, errors, _ = books.load(
        OPENS.replace(' "revenue.yaml"', "")
        + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
    )
    assert errors == []
    assert len(generated(entries)) == 2


def test_bad_lines_are_errors_at_their_lines(books: Books) -> None:
    books.write("revenue.yaml", "")
    ledger = (
        OPENS
        + invoice("2026-01-15", "INV-11", "10.00 USD", "2026-02-01", "2026-01-31")
        + f"""
2026-01-15 * "Acme" "Invoice INV-12"
  invoice: "INV-12"
  Assets:AccountsReceivable  10.00 USD
  {DEFERRED}  -10.00 USD
    service_start: 2026-01-15
2026-01-15 * "Acme" "Invoice INV-13"
  invoice: "INV-13"
  Assets:AccountsReceivable  10.00 USD
  {DEFERRED}  -10.00 USD
    service_start: 2026-01-15
    service_end: 2026-01-31
    recognition: "weekly"
2026-01-15 * "Acme" "Invoice INV-14"
  invoice: "INV-14"
  Assets:AccountsReceivable  10.00 USD
  {DEFERRED}  -10.00 USD
    service_start: "2026-02-30"
    service_end: 2026-03-31
2026-01-15 * "Acme" "Invoice INV-15"
  invoice: "INV-15"
  Assets:AccountsReceivable  10.00 USD
  Liabilities:DeferredRevenue:Training  -10.00 USD
    service_start: 2026-01-15
    service_end: 2026-03-31
2026-01-15 * "Acme" "Invoice INV-16"
  invoice: "INV-16"
  Assets:AccountsReceivable  10.005 USD
  {DEFERRED}  -10.005 USD
    service_start: 2026-01-15
    service_end: 2026-03-31
"""
    ).replace(
        "2020-01-01 open Income:Revenue:Services",
        "2020-01-01 open Income:Revenue:Services\n"
        "2020-01-01 open Liabilities:DeferredRevenue:Training",
    )
    entries, errors, _ = books.load(ledger)
    # Each error points at the deferred posting of its invoice (line 13 is INV-11's).
    assert error_lines(errors) == [
        (13, "Service end '2026-01-31' is before service start '2026-02-01'"),
        (20, "Missing 'service_end': a deferred line needs both 'service_start' and 'service_end'"),
        (25, "Unknown recognition method 'weekly'; expected 'ratable', 'point', 'usage'"),
        (32, "Service start '2026-02-30' is not a date; expected YYYY-MM-DD"),
        (
            38,
            "Deferred account 'Liabilities:DeferredRevenue:Training' has no revenue mapping; "
            "expected an open account 'Income:Revenue:Training', a 'revenue_account' on the "
            "line, or an entry in 'revenue_map'",
        ),
        (44, "Amount '-10.005 USD' has more decimals than USD allows (2)"),
    ]
    assert generated(entries) == []


def test_revenue_map_and_revenue_account_override_the_suffix_rule(books: Books) -> None:
    books.write(
        "revenue.yaml",
        "revenue_map:\n  Liabilities:DeferredRevenue:Subscriptions: Income:Revenue:Services\n",
    )
    entries, errors, _ = books.load(
        OPENS
        + invoice("2026-01-01", "INV-1", "31.00 USD", "2026-01-01", "2026-01-31")
        + invoice(
            "2026-01-01",
            "INV-2",
            "31.00 USD",
            "2026-01-01",
            "2026-01-31",
            '\n    revenue_account: "Income:Revenue:Subscriptions"',
        )
    )
    assert errors == []
    assert postings_of(entries, "Income:Revenue:Services") == [("2026-01-31", "-31.00 USD")]
    assert postings_of(entries, REVENUE) == [("2026-01-31", "-31.00 USD")]


def test_bad_policy_reports_every_problem_and_changes_nothing(books: Books) -> None:
    books.write(
        "revenue.yaml",
        "basis: weekly\ndetail: line\nprecision:\n  JPY: two\ncolour: blue\n",
    )
    ledger = OPENS + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
    entries, errors, _ = books.load(ledger)
    assert [
        (e.source["filename"].endswith("revenue.yaml"), e.source["lineno"]) for e in errors
    ] == [
        (True, 5),
        (True, 1),
        (True, 3),
    ]
    assert [e.message for e in errors] == [
        "Unknown field 'colour'; expected one of 'accounts_file', 'basis', 'detail', "
        "'horizon', 'precision', 'revenue_map'",
        "Field 'basis' expected 'daily' or 'monthly', found 'weekly'",
        "Field 'precision' expected a mapping of currency to decimals 0 to 8, found dict",
    ]
    assert generated(entries) == []


def test_unreadable_policy_is_an_error(books: Books) -> None:
    books.write("revenue.yaml", "basis: [daily\n")
    _, errors, _ = books.load(OPENS)
    assert len(errors) == 1
    assert errors[0].message.startswith("Invalid YAML")
    assert errors[0].source["lineno"] == 2
    _, errors, _ = books.load(OPENS.replace("revenue.yaml", "missing.yaml"))
    assert errors[0].message.startswith("Cannot read policy file")


def test_accounts_file_renames_the_deferred_root(books: Books) -> None:
    books.write("revenue.yaml", "accounts_file: roles.yaml\n")
    books.write(
        "roles.yaml",
        "deferred_revenue: Liabilities:ContractLiabilities\nrevenue: Income:Sales\n",
    )
    entries, errors, _ = books.load(
        """
plugin "plugins.deferred_revenue" "revenue.yaml"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Liabilities:ContractLiabilities:Cloud
2020-01-01 open Income:Sales:Cloud
2026-01-01 * "Acme" "Invoice INV-1"
  Assets:AccountsReceivable  62.00 USD
  Liabilities:ContractLiabilities:Cloud  -62.00 USD
    service_start: 2026-01-01
    service_end: 2026-02-28
"""
    )
    assert errors == []
    # 59 days: January 31 of them, 62 * 31 / 59 = 32.576 -> 32.58.
    assert postings_of(entries, "Income:Sales:Cloud") == [
        ("2026-01-31", "-32.58 USD"),
        ("2026-02-28", "-29.42 USD"),
    ]


def test_loading_twice_gives_identical_entries(books: Books) -> None:
    books.write("revenue.yaml", "")
    ledger = OPENS + invoice("2026-01-15", "INV-2", "12000.00 USD", "2026-01-15", "2027-01-14")
    first, _, _ = books.load(ledger)
    second, _, _ = books.load(ledger)
    assert generated(first) == generated(second)


# Property: both detail levels give the same balances, and recognized plus
# deferred equals billed at every month end.

line_cases = st.lists(
    st.tuples(
        st.integers(-5_000_00, 50_000_00).filter(bool),
        st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)),
        st.integers(0, 800),
        st.integers(-200, 400),
        st.sampled_from(["USD", "EUR", "JPY"]),
    ),
    min_size=1,
    max_size=12,
)


def _lines(
    cases: list[tuple[int, datetime.date, int, int, str]],
) -> list[deferred_lines.DeferredLine]:
    lines = []
    for index, (units, start, length, offset, code) in enumerate(cases):
        posted = data.Posting(DEFERRED, None, None, None, None, {"lineno": index})
        entry = data.Transaction(
            {"filename": "<test>", "lineno": index, "invoice": f"INV-{index}"},
            start + datetime.timedelta(days=offset),
            "*",
            None,
            "",
            data.EMPTY_SET,
            data.EMPTY_SET,
            [posted, posted],
        )
        lines.append(
            deferred_lines.DeferredLine(
                entry,
                2,
                DEFERRED,
                REVENUE,
                code,
                units,
                start,
                start + datetime.timedelta(days=length),
                "ratable",
            )
        )
    return lines


def _balances(
    entries: list[data.Transaction],
) -> dict[tuple[datetime.date, str, str], Decimal]:
    totals: dict[tuple[datetime.date, str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        for posting in entry.postings:
            totals[(entry.date, posting.account, currency(posting))] += number(posting)
    return {key: value for key, value in totals.items() if value}


@settings(max_examples=60, deadline=None)
@given(line_cases)
def test_detail_levels_agree_and_releases_never_exceed_billing(cases: list) -> None:  # type: ignore[type-arg]
    lines = _lines(cases)
    detail = deferred_revenue.line_releases(lines, RevenuePolicy())
    summary = deferred_revenue.summarized_releases(lines, RevenuePolicy(detail=DETAIL_SUMMARY))
    assert _balances(detail) == _balances(summary)
    precision = Precision()
    for line in lines:
        released = sum(
            precision.to_minor(number(posting), line.currency) or 0
            for entry in detail
            if entry.meta["revclose_source"] == line.source
            for posting in entry.postings
            if posting.account == DEFERRED
        )
        assert released == -line.amount  # everything billed is released, to the unit


def test_generated_entries_print_as_beancount(books: Books) -> None:
    # Fava and bean-query print entries with Beancount's printer, which
    # accepts only Beancount's own metadata types.
    from beancount.parser import printer

    books.write("revenue.yaml", "detail: summary\n")
    ledger = OPENS + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
    summary, _, _ = books.load(ledger)
    books.write("revenue.yaml", "")
    detail, _, _ = books.load(ledger)
    printed = [printer.format_entry(entry) for entry in generated(summary) + generated(detail)]
    assert "revclose_lines: 1" in printed[0]
    assert "revclose_line: 2" in printed[2]


# The release horizon: `horizon: books` releases only through the month end of
# the books' latest typed transaction.

PAYMENT = """
2026-03-10 * "Acme" "Payment INV-2" ^INV-2
  invoice: "INV-2"
  Assets:Bank  12000.00 USD
  Assets:AccountsReceivable  -12000.00 USD
"""


def test_horizon_books_releases_through_the_month_of_the_latest_entry(books: Books) -> None:
    # The annual invoice of 12,000.00 from Jan 15 2026 (365 days). The latest
    # typed transaction is the payment of March 10, so releases stop at March's
    # end, which is released in full: through March (17 + 28 + 31 = 76 days)
    # 12000 * 76 / 365 = 2498.630 -> 2498.63, less 1479.45 through February:
    # 1019.18. The nine months after wait in deferred revenue: 9501.37.
    ledger = (
        OPENS
        + "2020-01-01 open Assets:Bank\n"
        + invoice("2026-01-15", "INV-2", "12000.00 USD", "2026-01-15", "2027-01-14")
        + PAYMENT
    )
    books.write("revenue.yaml", "horizon: books\n")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert postings_of(entries, REVENUE) == [
        ("2026-01-31", "-558.90 USD"),
        ("2026-02-28", "-920.55 USD"),
        ("2026-03-31", "-1019.18 USD"),
    ]
    deferred = sum(
        number(p)
        for e in entries
        if isinstance(e, data.Transaction)
        for p in e.postings
        if p.account == DEFERRED
    )
    assert deferred == Decimal("-9501.37")
    # The same months as without a horizon, to the cent: rounding is cumulative.
    books.write("revenue.yaml", "horizon: all\n")
    everything, errors, _ = books.load(ledger)
    assert errors == []
    assert postings_of(everything, REVENUE)[:3] == postings_of(entries, REVENUE)
    assert len(postings_of(everything, REVENUE)) == 13


def test_horizon_books_keeps_the_catch_up_of_the_latest_entry(books: Books) -> None:
    # A credit note of 730.00 for 2026 (2.00 a day) booked on April 10 is the
    # latest entry: its January to April (120 days, 240.00) catch up at April's
    # end, the horizon, and its May to December (490.00) stay deferred.
    books.write("revenue.yaml", "horizon: books\ndetail: summary\n")
    credit = f"""
2026-04-10 * "Acme" "Credit note CN-1" ^CN-1 ^INV-4
  invoice: "CN-1"
  customer: "CUS-1"
  {DEFERRED}  730.00 USD
    service_start: 2026-01-01
    service_end: 2026-12-31
  Assets:AccountsReceivable  -730.00 USD
"""
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-01", "INV-4", "3650.00 USD", "2026-01-01", "2026-12-31") + credit
    )
    assert errors == []
    # 3,650.00 at 10.00 a day: Jan 310, Feb 280, Mar 310, Apr 300 less the catch-up.
    assert postings_of(entries, REVENUE) == [
        ("2026-01-31", "-310.00 USD"),
        ("2026-02-28", "-280.00 USD"),
        ("2026-03-31", "-310.00 USD"),
        ("2026-04-30", "-60.00 USD"),
    ]
    assert [e.meta["revclose_lines"] for e in generated(entries)] == [1, 1, 1, 2]


def test_horizon_ignores_generated_entries_and_other_directives() -> None:
    # Only typed transactions date the books: not a release made by an earlier
    # load, not a balance assertion or a price dated later.
    lines = _lines([(-1200_00, datetime.date(2026, 1, 1), 364, 0, "USD")])
    typed = lines[0].entry
    later = datetime.date(2026, 6, 1)
    release = typed._replace(date=later, meta={**typed.meta, "revclose_generated_by": "x"})
    price = data.Price({"filename": "<test>", "lineno": 0}, later, "EUR", Amount(Decimal(1), "USD"))
    reading = deferred_lines.read_books([typed, release, price], RevenuePolicy(horizon="books"))
    assert reading.latest == datetime.date(2026, 1, 1)
    assert deferred_lines.horizon(reading, RevenuePolicy(horizon="books")) == datetime.date(
        2026, 1, 31
    )
    assert deferred_lines.horizon(reading, RevenuePolicy()) is None  # `all`, the default
    entries: list[data.Directive] = [typed, release, price]
    assert deferred_lines.release_horizon(entries, RevenuePolicy(horizon="books")) == datetime.date(
        2026, 1, 31
    )
    assert deferred_lines.release_horizon(entries, RevenuePolicy()) is None
    empty = deferred_lines.read_books([], RevenuePolicy(horizon="books"))
    assert deferred_lines.horizon(empty, RevenuePolicy(horizon="books")) is None


def test_horizon_keeps_the_close_controls_tie_out(books: Books) -> None:
    # The tie-out of deferred revenue follows the same horizon: no break after it.
    books.write("revenue.yaml", "horizon: books\n")
    books.write("close.yaml", "")
    ledger = (
        OPENS.replace(
            'plugin "plugins.deferred_revenue" "revenue.yaml"',
            'plugin "plugins.deferred_revenue" "revenue.yaml"\n'
            'plugin "plugins.close_controls" "close.yaml"',
        )
        + "2020-01-01 open Assets:Bank\n"
        + invoice("2026-01-15", "INV-2", "12000.00 USD", "2026-01-15", "2027-01-14")
        + PAYMENT
    )
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert len(generated(entries)) == 3


def test_bad_horizon_is_a_policy_error(books: Books) -> None:
    books.write("revenue.yaml", "basis: daily\nhorizon: today\n")
    entries, errors, _ = books.load(
        OPENS + invoice("2026-01-15", "INV-1", "49.00 USD", "2026-01-15", "2026-02-14")
    )
    assert error_lines(errors) == [(2, "Field 'horizon' expected 'all' or 'books', found 'today'")]
    assert generated(entries) == []


@settings(max_examples=60, deadline=None)
@given(line_cases, st.dates(datetime.date(2023, 12, 1), datetime.date(2030, 12, 31)))
def test_a_horizon_cuts_the_schedules_without_changing_a_piece(
    cases: list,  # type: ignore[type-arg]
    day: datetime.date,
) -> None:
    lines = _lines(cases)
    through = schedule.month_end(day)
    everything = deferred_revenue.line_releases(lines, RevenuePolicy())
    cut = deferred_revenue.line_releases(lines, RevenuePolicy(), through)
    assert cut == [entry for entry in everything if entry.date <= through]
    summary = deferred_revenue.summarized_releases(
        lines, RevenuePolicy(detail=DETAIL_SUMMARY), through
    )
    assert _balances(cut) == _balances(summary)
