"""Commission amortization (ASC 340-40): worked examples through real loads."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from beancount import loader
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.schedule import add_months, end_of_term, month_end
from reports import books as books_module
from reports import cli
from reports import commissions as commission_report
from tests.conftest import Books, error_lines, generated, number

ASSET = "Assets:ContractCosts:Commissions"
AMORTIZATION = "Expenses:Commissions:Amortization"
IMPAIRMENT = "Expenses:Commissions:Impairment"

HEADER = """
plugin "plugins.commissions" "commissions.yaml"
2020-01-01 open Expenses:Commissions
2020-01-01 open Liabilities:CommissionsPayable
2026-01-15 custom "contract" "CTR-1"
  customer: "CUS-1"
  start: 2026-01-15
  end: 2029-01-14
"""


def commission(date: str, amount: str, extra: str = "", contract: str = "CTR-1") -> str:
    return f"""
{date} * "Jane Doe" "Commission {contract}"
  Expenses:Commissions  {amount} USD
    contract: "{contract}"{extra}
  Liabilities:CommissionsPayable  {-Decimal(amount)} USD
"""


def moves(entries: list[data.Directive], account: str) -> list[tuple[str, Decimal]]:
    """(date, amount) of generated postings to an account."""
    return [
        (str(entry.date), number(posting))
        for entry in generated(entries)
        for posting in entry.postings
        if posting.account == account
    ]


MONTHLY = "amortization_account: Expenses:Commissions:Amortization\nbasis: monthly\n"


def test_36_month_amortization_starting_mid_month(books: Books) -> None:
    # 3,600.00 over Jan 15 2026 - Jan 14 2029 on the monthly basis: January
    # 2026 weighs 17/31 of a month out of 36, so 100 * 17/31 = 54.84; each
    # whole month 100.00; January 2029 the rest, 100 - 54.84 = 45.16.
    books.write("commissions.yaml", MONTHLY)
    entries, errors, _ = books.load(HEADER + commission("2026-01-20", "3600.00"))
    assert errors == []
    assert moves(entries, ASSET)[0] == ("2026-01-20", Decimal("3600.00"))
    amortization = moves(entries, AMORTIZATION)
    assert amortization[0] == ("2026-01-31", Decimal("54.84"))
    assert {amount for _, amount in amortization[1:36]} == {Decimal("100.00")}
    assert amortization[36] == ("2029-01-31", Decimal("45.16"))
    assert len(amortization) == 37
    assert sum(amount for _, amount in amortization) == Decimal("3600.00")
    first = generated(entries)[0]
    assert first.links == {"CTR-1"}
    assert first.tags == {"contract-costs"}
    assert first.meta["revclose_kind"] == "capitalize"


def test_daily_basis_uses_the_revenue_day_count(books: Books) -> None:
    # Jan 15 2026 - Jan 14 2029 is 365 + 365 + 366 = 1096 days.
    # January (17 days): 3600 * 17 / 1096 = 55.839 -> 55.84; through February
    # (45 days) 147.810 -> 147.81, so February is 91.97.
    books.write("commissions.yaml", "amortization_account: Expenses:Commissions:Amortization\n")
    entries, errors, _ = books.load(HEADER + commission("2026-01-20", "3600.00"))
    assert errors == []
    assert moves(entries, AMORTIZATION)[:2] == [
        ("2026-01-31", Decimal("55.84")),
        ("2026-02-28", Decimal("91.97")),
    ]


def test_renewal_commission_amortizes_over_its_renewal_term(books: Books) -> None:
    # The policy gives initial commissions a 60-month customer life. The
    # renewal contract runs Jan 15 2029 - Jan 14 2030 (12 months): its 1,200.00
    # commission amortizes over that term, 100 * 17/31 = 54.84 in January.
    # The initial 3,600.00 spreads over 60 months: 60 * 17/31 = 32.90 in
    # January 2026, then 60.00 a month.
    books.write("commissions.yaml", MONTHLY + "initial_customer_life_months: 60\n")
    renewal = """
2029-01-15 custom "contract" "CTR-1R"
  start: 2029-01-15
  end: 2030-01-14
"""
    entries, errors, _ = books.load(
        HEADER
        + renewal
        + commission("2026-01-20", "3600.00", '\n    plan_type: "initial"')
        + commission("2029-01-10", "1200.00", '\n    plan_type: "renewal"', contract="CTR-1R")
    )
    assert errors == []
    by_contract: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for entry in generated(entries):
        for posting in entry.postings:
            if posting.account == AMORTIZATION:
                by_contract[entry.meta["revclose_source"]].append(
                    (str(entry.date), number(posting))
                )
    assert by_contract["CTR-1R"][0] == ("2029-01-31", Decimal("54.84"))
    assert by_contract["CTR-1R"][-1] == ("2030-01-31", Decimal("45.16"))
    assert len(by_contract["CTR-1R"]) == 13
    assert by_contract["CTR-1"][:2] == [
        ("2026-01-31", Decimal("32.90")),
        ("2026-02-28", Decimal("60.00")),
    ]
    assert by_contract["CTR-1"][-1][0] == "2031-01-31"


def test_practical_expedient_leaves_a_one_year_commission_expensed(books: Books) -> None:
    one_year = """
2026-01-15 custom "contract" "CTR-2"
  start: 2026-01-15
  end: 2027-01-14
"""
    ledger = HEADER + one_year + commission("2026-01-20", "500.00", contract="CTR-2")
    books.write("commissions.yaml", MONTHLY + "practical_expedient: true\n")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert generated(entries) == []
    # Without the expedient the same commission is capitalized.
    books.write("commissions.yaml", MONTHLY + "practical_expedient: false\n")
    entries, errors, _ = books.load(ledger)
    assert moves(entries, ASSET)[0] == ("2026-01-20", Decimal("500.00"))
    # With it, a period over a year is still capitalized.
    books.write("commissions.yaml", MONTHLY + "practical_expedient: true\n")
    entries, errors, _ = books.load(HEADER + commission("2026-01-20", "3600.00"))
    assert moves(entries, ASSET)[0] == ("2026-01-20", Decimal("3600.00"))


def test_clawback_in_month_five_reduces_the_asset_and_the_remaining_schedule(
    books: Books,
) -> None:
    # 3,600.00 capitalized in January; 1,200.00 clawed back on May 10.
    # Elapsed by the end of May on the monthly basis: 17/31 + 4 = 4.548387
    # months of 36. The clawback's catch-up: 1200 * 4.548387 / 36 = 151.61.
    # Asset after May: 3,600.00 - 1,200.00 - (54.84 + 400.00 - 151.61) = 2,096.77,
    # which is 2,400.00 * (36 - 4.548387) / 36 = 2,096.77 as it should be.
    books.write("commissions.yaml", MONTHLY)
    entries, errors, _ = books.load(
        HEADER + commission("2026-01-20", "3600.00") + commission("2026-05-10", "-1200.00")
    )
    assert errors == []
    may = [amount for date, amount in moves(entries, AMORTIZATION) if date == "2026-05-31"]
    assert sorted(may) == [Decimal("-151.61"), Decimal("100.00")]
    balance = sum(amount for date, amount in moves(entries, ASSET) if date <= "2026-05-31")
    assert balance == Decimal("2096.77")
    assert sum(amount for _, amount in moves(entries, ASSET)) == 0


def test_termination_in_month_ten_impairs_the_remaining_asset(books: Books) -> None:
    # Amortized through September: 54.84 + 8 * 100.00 = 854.84. Terminated
    # October 20: the remaining 3,600.00 - 854.84 = 2,745.16 is impaired that day
    # and nothing is amortized afterwards.
    books.write("commissions.yaml", MONTHLY)
    entries, errors, _ = books.load(
        HEADER
        + commission("2026-01-20", "3600.00")
        + '2026-10-20 custom "contract-terminated" "CTR-1"\n'
    )
    assert errors == []
    assert moves(entries, IMPAIRMENT) == [("2026-10-20", Decimal("2745.16"))]
    assert moves(entries, AMORTIZATION)[-1] == ("2026-09-30", Decimal("100.00"))
    assert sum(amount for _, amount in moves(entries, ASSET)) == 0


def test_bad_commissions_are_errors_at_their_lines(books: Books) -> None:
    books.write("commissions.yaml", MONTHLY)
    ledger = (
        HEADER
        + '2026-01-15 custom "contract" "CTR-3"\n'
        + commission("2026-01-20", "10.00", contract="")
        + commission("2026-01-20", "10.00", contract="CTR-9")
        + commission("2026-01-20", "10.00", "\n    amortize_start: 2026-02-01\n"
                     "    amortize_end: 2026-01-31")
        + commission("2026-01-20", "10.00", contract="CTR-3")
        + commission("2026-01-20", "10.00", "\n    amortize_months: 2.5")
        + commission("2026-01-20", "10.00", '\n    amortize_start: "2026-02-30"')
    )  # fmt: skip
    entries, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (11, "Commission has no 'contract'; expected the contract it obtained"),
        (16, "Unknown contract 'CTR-9'; expected a custom \"contract\" declaring it"),
        (21, "Amortization end '2026-01-31' is before amortization start '2026-02-01'"),
        (
            28,
            "Commission on contract 'CTR-3' has no period of benefit; expected "
            "'amortize_start' and 'amortize_end', 'amortize_months', or a contract with "
            "'start' and 'end'",
        ),
        (33, "Amortization months '2.5' is not a whole number of months"),
        (39, "Amortization start '2026-02-30' is not a date; expected YYYY-MM-DD"),
    ]
    assert generated(entries) == []


def test_bad_policy_points_into_the_yaml(books: Books) -> None:
    books.write("commissions.yaml", "basis: daily\npractical_expedient: yes please\n")
    entries, errors, _ = books.load(HEADER + commission("2026-01-20", "3600.00"))
    assert [(e.source["lineno"], e.message) for e in errors] == [
        (1, "Missing field 'amortization_account'; expected an expense account"),
        (2, "Field 'practical_expedient' expected true or false, found 'yes please'"),
    ]
    assert generated(entries) == []


def test_rollforward_of_october_ties_and_splits_current(books: Books) -> None:
    # Monthly basis, 3,600.00 from Jan 15 2026. Opening October: 3,600.00 -
    # 54.84 - 8 * 100.00 = 2,745.16; October amortizes 100.00; closing 2,645.16.
    # The next twelve months (Nov 2026 - Oct 2027) amortize 1,200.00: current.
    books.write("commissions.yaml", MONTHLY)
    path = books.write("main.beancount", HEADER + commission("2026-01-20", "3600.00"))
    table = commission_report.rollforward(books_module.load(str(path)), datetime.date(2026, 10, 1))
    assert table.rows == [
        [ASSET, "USD", Decimal("2745.16"), Decimal("0.00"), Decimal("100.00"), Decimal("0.00"),
         Decimal("2645.16"), Decimal("1200.00"), Decimal("1445.16"), Decimal("2645.16"),
         Decimal("0.00")]
    ]  # fmt: skip
    assert commission_report.breaks(table) == []


def test_rollforward_current_portion_excludes_later_commissions(books: Books) -> None:
    # At the end of December 2025 the January commission is not yet incurred:
    # nothing is on the balance sheet, so nothing is current.
    books.write("commissions.yaml", MONTHLY)
    path = books.write("main.beancount", HEADER + commission("2026-01-20", "3600.00"))
    table = commission_report.rollforward(books_module.load(str(path)), datetime.date(2025, 12, 1))
    assert table.column("closing") == [Decimal("0.00")]
    assert table.column("current") == [Decimal("0.00")]
    assert table.column("non_current") == [Decimal("0.00")]


commission_cases = st.lists(
    st.tuples(
        st.integers(-50_000, 500_000).filter(bool),
        st.integers(0, 30),  # month offset of the commission
        st.integers(1, 60),  # months of benefit
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(commission_cases, st.one_of(st.none(), st.integers(0, 40)))
def test_remaining_asset_is_the_unexpired_share_at_every_month_end(
    cases: list[tuple[int, int, int]], terminated_after: int | None
) -> None:
    # Commissions and clawbacks on contract CTR-1 at random dates with random
    # terms (amortize_months counts from the contract's start, Jan 15 2026),
    # perhaps a termination; default policy (daily basis). At every month end
    # each commission's remaining asset must be its exact unexpired share,
    # amount * (1 - days elapsed / days in the period), within half a cent;
    # zero once the contract is terminated; and in the end every capitalized
    # cent is amortized or impaired.
    begin = datetime.date(2026, 1, 15)
    text = HEADER.replace(' "commissions.yaml"', "")
    terminated = None if terminated_after is None else add_months(begin, terminated_after)
    expected = {}
    for units, offset, months in cases:
        booked = add_months(begin, offset)
        text += commission(
            str(booked), str(Decimal(units).scaleb(-2)), f"\n    amortize_months: {months}"
        )
        lineno = text.count("\n") - 3  # the Expenses:Commissions posting of this block
        expected[lineno] = (units, booked, end_of_term(begin, months))
    if terminated is not None:
        text += f'{terminated} custom "contract-terminated" "CTR-1"\n'
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    month_ends = [month_end(add_months(begin, k)) for k in range(0, 80)]
    for lineno, (units, booked, end) in expected.items():
        moves_of_line = [
            (entry.date, number(posting))
            for entry in generated(entries)
            if entry.meta["lineno"] == lineno
            for posting in entry.postings
            if posting.account == ASSET
        ]
        assert moves_of_line, "every commission here is capitalized"
        total_days = (end - begin).days + 1
        for day in month_ends:
            remaining = sum((amount for date, amount in moves_of_line if date <= day), Decimal(0))
            if day < booked or (terminated is not None and day >= terminated):
                exact = Fraction(0)
            else:
                elapsed = max(0, (min(day, end) - begin).days + 1)
                exact = Fraction(units, 100) * (1 - Fraction(elapsed, total_days))
            assert abs(Fraction(remaining) - exact) <= Fraction(1, 200)
        assert sum(amount for _, amount in moves_of_line) == 0


def test_close_writes_the_commission_roll_forward(books: Books, tmp_path: Path) -> None:
    books.write("commissions.yaml", MONTHLY)
    # The books reach October: the commission is paid out on its last day.
    paid = """
2020-01-01 open Assets:Bank
2026-10-31 * "Payroll" "Commission CTR-1 paid"
  Liabilities:CommissionsPayable  3600.00 USD
  Assets:Bank  -3600.00 USD
"""
    path = books.write("main.beancount", HEADER + commission("2026-01-20", "3600.00") + paid)
    out = tmp_path / "close"
    assert cli.main(["close", str(path), "--month", "2026-10", "--out", str(out)]) == 0
    lines = (out / "2026-10" / "commission_asset_rollforward.csv").read_text().splitlines()
    assert lines[0] == ",".join(commission_report.COLUMNS)
    assert lines[1] == (
        "Assets:ContractCosts:Commissions,USD,2745.16,0.00,100.00,0.00,2645.16,1200.00,1445.16,"
        "2645.16,0.00"
    )
