"""Schedule arithmetic: worked examples derived by hand, and its invariants."""

from __future__ import annotations

import datetime
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import schedule
from plugins.schedule import (
    Basis,
    add_months,
    at_point,
    end_of_term,
    month_end,
    spread,
    spread_daily_many,
)

D = datetime.date


def test_dates_are_inclusive_and_months_end_on_their_last_day() -> None:
    assert month_end(D(2028, 2, 3)) == D(2028, 2, 29)
    assert month_end(D(2026, 2, 3)) == D(2026, 2, 28)
    assert end_of_term(D(2026, 1, 15), 12) == D(2027, 1, 14)
    assert end_of_term(D(2026, 1, 31), 1) == D(2026, 2, 27)  # Jan 31 + 1 month = Feb 28
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)


def test_mid_month_subscription_splits_by_days() -> None:
    # 49.00 over Jan 15 - Feb 14: 31 days, 17 of them in January.
    # January: 4900 * 17 / 31 = 2687.09... -> 2687; February: the rest, 2213.
    assert spread(4900, D(2026, 1, 15), D(2026, 2, 14), D(2026, 1, 15), Basis.DAILY) == [
        (D(2026, 1, 31), 2687),
        (D(2026, 2, 28), 2213),
    ]


def test_rounding_is_cumulative_so_no_minor_unit_is_lost() -> None:
    # 0.05 over the 365 days of 2026: the cumulative share at each month end is
    # 5 * days elapsed / 365, rounded: Jan 0.42->0, Feb 0.81->1, Mar 1.23->1,
    # Apr 1.64->2, May 2.07->2, Jun 2.48->2, Jul 2.90->3, Aug 3.33->3,
    # Sep 3.74->4, Oct 4.16->4, Nov 4.58->5, Dec 5. A cent moves when it rounds up.
    pieces = spread(5, D(2026, 1, 1), D(2026, 12, 31), D(2026, 1, 1), Basis.DAILY)
    assert pieces == [
        (D(2026, 2, 28), 1),
        (D(2026, 4, 30), 1),
        (D(2026, 7, 31), 1),
        (D(2026, 9, 30), 1),
        (D(2026, 11, 30), 1),
    ]


def test_catch_up_lands_in_the_month_of_booking() -> None:
    # 3650 over 2026 is 10 a day; booked on April 10, January to April
    # (31 + 28 + 31 + 30 = 120 days) catch up at April's end.
    pieces = spread(3650, D(2026, 1, 1), D(2026, 12, 31), D(2026, 4, 10), Basis.DAILY)
    assert pieces[0] == (D(2026, 4, 30), 1200)
    assert pieces[1] == (D(2026, 5, 31), 310)
    assert len(pieces) == 9


def test_period_over_before_booking_is_recognized_at_once() -> None:
    pieces = spread(900, D(2025, 1, 1), D(2025, 3, 31), D(2026, 2, 2), Basis.DAILY)
    assert pieces == [(D(2026, 2, 28), 900)]


def test_monthly_basis_weighs_whole_months_equally() -> None:
    # 12,000.00 from Jan 15 2026 to Jan 14 2027: January weighs 17/31, eleven
    # whole months weigh 1, January 2027 weighs 14/31: 12 months in all.
    # January: 1,200,000 * (17/31) / 12 = 54838.7 -> 54839; each whole month 100000.
    pieces = spread(1_200_000, D(2026, 1, 15), D(2027, 1, 14), D(2026, 1, 15), Basis.MONTHLY)
    assert pieces[0] == (D(2026, 1, 31), 54839)
    assert pieces[1:12] == [(month_end(D(2026, m, 1)), 100000) for m in range(2, 13)]
    assert pieces[12] == (D(2027, 1, 31), 45161)


def test_negative_amount_mirrors_positive() -> None:
    start, end, booked = D(2026, 1, 15), D(2026, 2, 14), D(2026, 1, 15)
    positive = spread(4900, start, end, booked, Basis.DAILY)
    negative = spread(-4900, start, end, booked, Basis.DAILY)
    assert negative == [(date, -units) for date, units in positive]


def test_point_in_time_is_recognized_at_the_month_end_of_delivery() -> None:
    assert at_point(500000, D(2026, 3, 10), D(2026, 1, 20)) == [(D(2026, 3, 31), 500000)]
    # Delivered before it was invoiced: recognized in the month of the invoice.
    assert at_point(500000, D(2025, 12, 15), D(2026, 1, 5)) == [(D(2026, 1, 31), 500000)]
    assert at_point(0, D(2026, 3, 10), D(2026, 1, 20)) == []


def _exact_cumulative(amount: int, start: D, end: D, through: D, basis: Basis) -> Fraction:
    """The exact share of `amount` earned from `start` through `through`."""
    weight = Fraction(0)
    total = Fraction(0)
    day = start
    while day <= end:
        last = min(month_end(day), end)
        days = (last - day).days + 1
        piece = Fraction(days) if basis is Basis.DAILY else Fraction(days, month_end(day).day)
        total += piece
        if last <= through:
            weight += piece
        day = last + datetime.timedelta(days=1)
    return amount * weight / total


periods = st.tuples(
    st.integers(-(10**9), 10**9),
    st.dates(D(2020, 1, 1), D(2030, 12, 31)),
    st.integers(0, 1500),
    st.integers(-400, 800),
    st.sampled_from(list(Basis)),
)


@given(periods)
def test_pieces_sum_to_the_amount_and_track_the_exact_share(case: tuple) -> None:  # type: ignore[type-arg]
    amount, start, length, booked_offset, basis = case
    end = start + datetime.timedelta(days=length)
    booked = start + datetime.timedelta(days=booked_offset)
    pieces = spread(amount, start, end, booked, basis)
    assert sum(units for _, units in pieces) == amount
    assert all(units != 0 for _, units in pieces)
    assert all(date == month_end(date) and date >= booked for date, _ in pieces)
    assert [date for date, _ in pieces] == sorted({date for date, _ in pieces})
    released = 0
    previous_exact = Fraction(0)
    for date, units in pieces:
        released += units
        exact = _exact_cumulative(amount, start, end, date, basis)
        # The released total never strays half a unit from the exact share,
        # so each piece is within one unit of the exact share of its months.
        assert abs(released - exact) <= Fraction(1, 2)
        assert abs(units - (exact - previous_exact)) <= 1
        previous_exact = exact


@given(
    st.lists(st.integers(-(10**12), 10**12), max_size=20),  # x8 crosses the vector size
    st.dates(D(2020, 1, 1), D(2030, 12, 31)),
    st.integers(0, 1500),
    st.integers(-400, 800),
)
def test_spreading_many_at_once_equals_spreading_each(
    amounts: list[int], start: D, length: int, booked_offset: int
) -> None:
    end = start + datetime.timedelta(days=length)
    booked = start + datetime.timedelta(days=booked_offset)
    expected: dict[D, list[int]] = {}
    for amount in amounts:
        for date, units in spread(amount, start, end, booked, Basis.DAILY):
            tally = expected.setdefault(date, [0, 0])
            tally[0] += units
            tally[1] += 1
    assert spread_daily_many(amounts, start, end, booked) == [
        (date, units, count) for date, (units, count) in sorted(expected.items())
    ]
    # Large groups are spread with vectorized integers: the same figures.
    assert spread_daily_many(amounts * 8, start, end, booked) == [
        (date, 8 * units, 8 * count) for date, (units, count) in sorted(expected.items())
    ]
    # Amounts too large for 64-bit arithmetic take the exact Python path.
    huge = [amount * 10**9 + 1 for amount in amounts]
    assert sum(units for _, units, _ in spread_daily_many(huge, start, end, booked)) == sum(huge)


@settings(deadline=None)  # The first example imports numpy.
@given(
    st.lists(st.integers(-(10**12), 10**12), max_size=80),
    st.dates(D(2020, 1, 1), D(2030, 12, 31)),
    st.integers(0, 1500),
    st.integers(-400, 800),
    st.dates(D(2019, 12, 1), D(2035, 12, 31)),
)
def test_both_ways_of_spreading_many_agree_and_a_horizon_only_cuts(
    amounts: list[int], start: D, length: int, booked_offset: int, through: D
) -> None:
    end = start + datetime.timedelta(days=length)
    first_due = month_end(start + datetime.timedelta(days=booked_offset))
    layout = schedule._daily_layout(start, end, first_due)
    total_days = length + 1
    by_month = schedule._sum_by_month(amounts, layout, total_days)
    assert schedule._sum_vectorized(amounts, layout, total_days) == by_month
    # Months after a horizon are left out; the months before it are unchanged.
    assert spread_daily_many(amounts, start, end, first_due, through) == [
        piece for piece in spread_daily_many(amounts, start, end, first_due) if piece[0] <= through
    ]
