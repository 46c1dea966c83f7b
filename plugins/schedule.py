"""Schedule arithmetic: spreading an amount over a period, month by month.

This is the one home of the recognition rules that every schedule follows,
revenue releases and commission amortization alike (DESIGN.md, rules 1 to 5):

1. Dates are inclusive: 2026-01-15 to 2026-02-14 is 31 days.
2. A ratable amount is spread by day (a month's share is its days in the period
   over all days in the period), or on the monthly basis (every whole month
   weighs one, the first and last months weigh their days over the month's days).
3. Rounding never loses a minor unit: the cumulative amount is rounded at each
   month end and the pieces are the differences, so they sum exactly to the
   amount and each is within one minor unit of its exact share.
4. Pieces are dated at month end, never before the booking date: months that
   ended before the month of booking catch up in the month of booking.
5. A negative amount follows the same rules with the opposite sign (rounding is
   half away from zero, so a credit note mirrors its invoice exactly).

Amounts here are integers in the currency's minor unit; callers convert.
"""

from __future__ import annotations

import calendar
import datetime
import enum
import functools
import operator
import sys
from fractions import Fraction

Date = datetime.date


class Basis(enum.Enum):
    """How a ratable amount is weighted across the months of its period."""

    DAILY = "daily"
    MONTHLY = "monthly"


Piece = tuple[Date, int]
"""A dated share of a schedule: (month end, minor units)."""

Piece3 = tuple[Date, int, int]
"""A dated sum of many schedules' shares: (month end, minor units, pieces summed)."""


@functools.lru_cache(maxsize=4096)
def _month_end(year: int, month: int) -> Date:
    return Date(year, month, calendar.monthrange(year, month)[1])


def month_end(day: Date) -> Date:
    """Returns the last day of the month of `day`."""
    return _month_end(day.year, day.month)


def add_months(day: Date, months: int) -> Date:
    """Returns the same day `months` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_end(year, month + 1)
    return last if day.day > last.day else last.replace(day=day.day)


def end_of_term(start: Date, months: int) -> Date:
    """Returns the inclusive last day of a term of `months` months from `start`.

    A 12-month term from 2026-01-15 ends on 2027-01-14.
    """
    return add_months(start, months) - datetime.timedelta(days=1)


def _round_half_away(numerator: int, denominator: int) -> int:
    """Rounds numerator / denominator (denominator > 0) half away from zero."""
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


@functools.lru_cache(maxsize=65536)
def _month_segments(start: Date, end: Date) -> tuple[tuple[Date, int, int], ...]:
    """Returns (month end, days of the period in the month, days in the month).

    Cached: invoices share their periods (every annual plan sold on one day),
    and this is the costliest step of a schedule.
    """
    segments = []
    first = start
    while first <= end:
        last_of_month = _month_end(first.year, first.month)
        last = min(last_of_month, end)
        segments.append((last_of_month, (last - first).days + 1, last_of_month.day))
        first = last_of_month + datetime.timedelta(days=1)
    return tuple(segments)


def _cumulative_weights(
    segments: tuple[tuple[Date, int, int], ...], basis: Basis
) -> list[tuple[Date, Fraction]]:
    """Returns each month end with the share of the whole period elapsed by then."""
    if basis is Basis.DAILY:
        weights = [Fraction(days) for _, days, _ in segments]
    else:
        weights = [Fraction(days, month_days) for _, days, month_days in segments]
    total = sum(weights, Fraction(0))
    cumulative = []
    elapsed = Fraction(0)
    for (end_of_month, _, _), weight in zip(segments, weights, strict=True):
        elapsed += weight
        cumulative.append((end_of_month, elapsed / total))
    return cumulative


def spread(amount: int, start: Date, end: Date, booked: Date, basis: Basis) -> list[Piece]:
    """Spreads a ratable amount over an inclusive period, by month.

    Args:
      amount: The amount in minor units (negative for a credit).
      start: The first day of the period.
      end: The last day of the period, on or after `start`.
      booked: The date of the entry that booked the amount; no piece is dated
        before the end of its month.
      basis: The weighting of the months.
    Returns:
      Pieces dated at month ends, in date order, with no zero pieces, summing
      exactly to `amount`.
    """
    if basis is Basis.DAILY:
        return _spread_daily(amount, start, end, month_end(booked))
    return _collect(amount, _cumulative_weights(_month_segments(start, end), basis), booked)


@functools.lru_cache(maxsize=65536)
def _daily_layout(start: Date, end: Date, first_due: Date) -> tuple[tuple[Date, int], ...]:
    """Returns each release date of a period with the days elapsed by then.

    Months that end before `first_due` (the month end of booking) have no date
    of their own: they catch up at the first date listed. Cached: invoices
    share their periods and booking months (every annual plan sold on one day),
    so only the rounding is done line by line.
    """
    total_days = (end - start).days + 1
    before_start = start.toordinal() - 1
    layout = []
    year, month = start.year, start.month
    while True:
        last_of_month = _month_end(year, month)
        if last_of_month >= end:
            layout.append((max(last_of_month, first_due), total_days))
            return tuple(layout)
        if last_of_month >= first_due:
            layout.append((last_of_month, last_of_month.toordinal() - before_start))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _spread_daily(amount: int, start: Date, end: Date, first_due: Date) -> list[Piece]:
    # The daily basis is the hot path of every load: integer arithmetic only,
    # rounding half away from zero inlined on the magnitude.
    total_days = (end - start).days + 1
    magnitude, sign = (amount, 1) if amount >= 0 else (-amount, -1)
    twice_magnitude, twice_total = 2 * magnitude, 2 * total_days
    pieces: list[Piece] = []
    released = 0
    for date, elapsed in _daily_layout(start, end, first_due):
        cumulative = (twice_magnitude * elapsed + total_days) // twice_total
        if cumulative != released:
            pieces.append((date, sign * (cumulative - released)))
            released = cumulative
    return pieces


def _collect(amount: int, cumulative: list[tuple[Date, Fraction]], booked: Date) -> list[Piece]:
    first_due = month_end(booked)
    pieces: list[Piece] = []
    released = 0
    for position, (last_of_month, share) in enumerate(cumulative):
        if last_of_month < first_due and position < len(cumulative) - 1:
            continue
        exact = amount * share
        due = _round_half_away(exact.numerator, exact.denominator) - released
        if due:
            pieces.append((max(last_of_month, first_due), due))
            released += due
    return pieces


def proportional(amount: int, weights: list[int]) -> list[int]:
    """Splits an amount in proportion to weights, rounding cumulatively.

    The cumulative share after each weight is rounded (half away from zero) and
    the parts are the differences, so they sum exactly to `amount` and each is
    within one minor unit of its exact share: the relative standalone selling
    price allocation of a contract's transaction price (ASC 606-10-32-31).

    Args:
      amount: The amount in minor units.
      weights: Non-negative weights (standalone selling prices), not all zero.
    Returns:
      One part per weight, in order.
    """
    total = sum(weights)
    parts = []
    done = cumulative = 0
    for weight in weights:
        cumulative += weight
        reached = _round_half_away(amount * cumulative, total)
        parts.append(reached - done)
        done = reached
    return parts


def elapsed(start: Date, end: Date, through: Date, basis: Basis) -> Fraction:
    """Returns the share of an inclusive period elapsed by the end of `through`.

    Weighted as `spread` weighs it: by days, or by months on the monthly basis.
    """
    if through < start:
        return Fraction(0)
    if through >= end:
        return Fraction(1)
    if basis is Basis.DAILY:
        return Fraction((through - start).days + 1, (end - start).days + 1)

    def months(last: Date) -> Fraction:
        segments = _month_segments(start, last)
        return sum((Fraction(days, month_days) for _, days, month_days in segments), Fraction(0))

    return months(through) / months(end)


def share(amount: int, fraction: Fraction) -> int:
    """Returns `amount` x `fraction` rounded half away from zero, in minor units."""
    exact = amount * fraction
    return _round_half_away(exact.numerator, exact.denominator)


def at_point(amount: int, delivered: Date, booked: Date) -> list[Piece]:
    """Recognizes an amount in full at the month end of its delivery.

    Args:
      amount: The amount in minor units.
      delivered: The date the obligation was satisfied.
      booked: The date of the entry that booked the amount.
    Returns:
      One piece at the later of the two month ends, or none for a zero amount.
    """
    if not amount:
        return []
    return [(max(month_end(delivered), month_end(booked)), amount)]


# Groups of at least this many lines are spread with numpy when it is already
# imported (or the group is so large that importing it, a tenth of a second,
# pays off); otherwise with Python integers, a month of the group at a time.
_VECTOR_MIN = 64
_IMPORT_MIN = 100_000


def spread_daily_many(
    amounts: list[int], start: Date, end: Date, booked: Date, through: Date | None = None
) -> list[Piece3]:
    """Spreads many amounts sharing one period and booking month, and sums the pieces.

    The result is exactly the sum of `spread(amount, ...)` over the amounts on
    the daily basis, month by month, with the count of non-zero pieces; it is
    computed for all amounts at once, a month at a time, with exact integer
    arithmetic (64-bit vectors for large groups when numpy is at hand, falling
    back to Python integers for amounts too large for them).

    Args:
      through: If given, months ending after it are left out (the pieces up to
        it are those of the whole schedule: rounding is cumulative).
    Returns:
      (month end, units, pieces) for every month end where a piece is due.
    """
    first_due = month_end(booked)
    layout = _daily_layout(start, end, first_due)
    if through is not None and layout and layout[-1][0] > through:
        layout = tuple(step for step in layout if step[0] <= through)
    if not amounts or not layout:
        return []
    total_days = (end - start).days + 1
    vectors = len(amounts) >= _IMPORT_MIN or "numpy" in sys.modules
    if vectors and len(amounts) >= _VECTOR_MIN and max(map(abs, amounts)) * 2 * total_days < 2**62:
        return _sum_vectorized(amounts, layout, total_days)
    return _sum_by_month(amounts, layout, total_days)


def _sum_by_month(
    amounts: list[int], layout: tuple[tuple[Date, int], ...], total_days: int
) -> list[Piece3]:
    # Cumulative share at a month end, rounded half away from zero on the
    # magnitude: (2 |a| elapsed + total) // (2 total). A month's units are the
    # change in the sum of those over the amounts; its pieces are the amounts
    # whose rounded share moved, which every amount does when 2 |a| times the
    # month's days is at least 2 total (its exact share is at least one unit).
    twice_total = 2 * total_days
    credits = [2 * amount for amount in amounts if amount > 0]
    debits = [-2 * amount for amount in amounts if amount < 0]
    size = len(credits) + len(debits)
    smallest = min(credits + debits, default=0)
    before_credits, before_debits = [0] * len(credits), [0] * len(debits)
    now_debits = before_debits
    released = 0
    elapsed_before = 0
    totals: list[Piece3] = []
    for date, elapsed in layout:
        now_credits = [(twice * elapsed + total_days) // twice_total for twice in credits]
        cumulative = sum(now_credits)
        if debits:
            now_debits = [(twice * elapsed + total_days) // twice_total for twice in debits]
            cumulative -= sum(now_debits)
        if smallest * (elapsed - elapsed_before) >= twice_total:
            count = size
        else:
            count = sum(map(operator.ne, now_credits, before_credits))
            if debits:
                count += sum(map(operator.ne, now_debits, before_debits))
        if count:
            totals.append((date, cumulative - released, count))
        released, elapsed_before = cumulative, elapsed
        before_credits, before_debits = now_credits, now_debits
    return totals


def _sum_vectorized(
    amounts: list[int], layout: tuple[tuple[Date, int], ...], total_days: int
) -> list[Piece3]:
    import numpy  # Imported when first needed: it costs a tenth of a second.

    magnitudes = numpy.abs(numpy.asarray(amounts, dtype=numpy.int64))
    signs = numpy.sign(numpy.asarray(amounts, dtype=numpy.int64))
    twice_magnitudes, twice_total = 2 * magnitudes, 2 * total_days
    released = numpy.zeros_like(magnitudes)
    totals: list[Piece3] = []
    for date, elapsed in layout:
        cumulative = (twice_magnitudes * elapsed + total_days) // twice_total
        pieces = cumulative - released
        count = int(numpy.count_nonzero(pieces))
        if count:
            totals.append((date, int((signs * pieces).sum()), count))
        released = cumulative
    return totals
