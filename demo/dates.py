"""Calendar arithmetic for the demo company: months, month ends, adding months."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, such as 2025-01."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse a month written as ``YYYY-MM``.

        Args:
            text: The month, e.g. ``"2024-11"``.

        Returns:
            The month.

        Raises:
            ValueError: If the text is not a month in that form.
        """
        parts = text.split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f"Month '{text}' is not in the form YYYY-MM")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12:
            raise ValueError(f"Month '{text}' has no month number between 01 and 12")
        return cls(year, month)

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        """Return the month that contains a date."""
        return cls(day.year, day.month)

    @property
    def first(self) -> datetime.date:
        """The first day of the month."""
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        """The last day of the month."""
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        """The month as ``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    def plus(self, months: int) -> Month:
        """Return the month a number of months later (or earlier, if negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same day of the month a number of months later, clamped to month end.

    Args:
        day: The starting date.
        months: How many months to add.

    Returns:
        The date ``months`` later; the 31st becomes the last day of a shorter month.
    """
    target = Month.of(day).plus(months)
    return datetime.date(target.year, target.month, min(day.day, target.last.day))


def term_end(start: datetime.date, months: int) -> datetime.date:
    """Return the inclusive last day of a term of whole months that starts on ``start``."""
    return add_months(start, months) - ONE_DAY


def days_inclusive(start: datetime.date, end: datetime.date) -> int:
    """Return the number of days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


def months_between(first: Month, last: Month) -> list[Month]:
    """Return every month from ``first`` to ``last``, both included, in order."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [first.plus(i) for i in range(max(count, 0))]
