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

    Cached: invoices share their periods and booking months (every annual plan
    sold on one day), so only the rounding below is done line by line.
    """
    total_days = (end - start).days + 1
    layout = []
    elapsed = 0
    for last_of_month, days, _ in _month_segments(start, end):
        elapsed += days
        if last_of_month >= first_due:
            layout.append((last_of_month, elapsed))
        elif elapsed == total_days:
            layout.append((first_due, elapsed))
    return tuple(layout)


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


# Below this many lines, a group is spread line by line: numpy's set-up per
# call costs more than it saves.
_VECTOR_MIN = 64


def spread_daily_many(amounts: list[int], start: Date, end: Date, booked: Date) -> list[Piece3]:
    """Spreads many amounts sharing one period and booking month, and sums the pieces.

    The result is exactly the sum of `spread(amount, ...)` over the amounts on
    the daily basis, month by month, with the count of non-zero pieces; it is
    computed for all amounts at once with exact 64-bit integer arithmetic
    (falling back to Python integers for amounts too large for it).

    Returns:
      (month end, units, pieces) for every month end where a piece is due.
    """
    first_due = month_end(booked)
    total_days = (end - start).days + 1
    if not amounts:
        return []
    if len(amounts) < _VECTOR_MIN or max(map(abs, amounts)) * 2 * total_days >= 2**62:
        return _sum_each(amounts, start, end, first_due)
    import numpy  # Imported when first needed: it costs a tenth of a second.

    magnitudes = numpy.abs(numpy.asarray(amounts, dtype=numpy.int64))
    signs = numpy.sign(numpy.asarray(amounts, dtype=numpy.int64))
    twice_magnitudes, twice_total = 2 * magnitudes, 2 * total_days
    released = numpy.zeros_like(magnitudes)
    totals: list[Piece3] = []
    for date, elapsed in _daily_layout(start, end, first_due):
        cumulative = (twice_magnitudes * elapsed + total_days) // twice_total
        pieces = cumulative - released
        count = int(numpy.count_nonzero(pieces))
        if count:
            totals.append((date, int((signs * pieces).sum()), count))
        released = cumulative
    return totals


def _sum_each(amounts: list[int], start: Date, end: Date, first_due: Date) -> list[Piece3]:
    sums: dict[Date, list[int]] = {}
    for amount in amounts:
        for date, units in _spread_daily(amount, start, end, first_due):
            tally = sums.setdefault(date, [0, 0])
            tally[0] += units
            tally[1] += 1
    return [(date, units, count) for date, (units, count) in sorted(sums.items())]
