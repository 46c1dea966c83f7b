"""Months as accountants name them: 'YYYY-MM', with their first and last days."""

from __future__ import annotations

import datetime
import re

from plugins.schedule import add_months, month_end

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> datetime.date:
    """Returns the first day of a month written 'YYYY-MM'.

    Raises:
      ValueError: if `text` is not a month.
    """
    match = _MONTH.match(text.strip())
    if not match:
        raise ValueError(f"Month '{text}' is not a month; expected YYYY-MM")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def month_name(day: datetime.date) -> str:
    """Returns the 'YYYY-MM' name of the month of `day`."""
    return f"{day.year:04d}-{day.month:02d}"


def last_day(first: datetime.date) -> datetime.date:
    """Returns the last day of the month starting on `first`."""
    return month_end(first)


def previous_month(first: datetime.date) -> datetime.date:
    """Returns the first day of the month before."""
    return add_months(first.replace(day=1), -1)


def months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Returns the first days of every month from `first`'s to `last`'s, inclusive."""
    result = []
    current = first.replace(day=1)
    while current <= last:
        result.append(current)
        current = add_months(current, 1)
    return result
