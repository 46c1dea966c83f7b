"""The dates a page shows, read from Fava's time filter.

The rule, the same on every page:

- The **as-of date** (aging, open invoices, unapplied cash, customer credits,
  the waterfall, and each customer's name on every page, the revenue grid
  and the commissions booked included) is the last day of Fava's time
  filter, but not after the books' last typed transaction (generated
  releases in later months do not count); a filter that starts after that
  date keeps its own last day. Without a time filter it is the end of the
  latest complete month, as `revclose` uses by default.
- The **month** (roll-forwards, disaggregation, DSO, the close) is the month
  of the as-of date.
- The **months** of the views over time are the months of the time filter up
  to the as-of month, at most the latest 12 and none before the books' first
  transaction; without a time filter, the 12 months to the as-of month.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from plugins.schedule import add_months
from reports import period

SPAN = 12


@dataclass(frozen=True)
class Window:
    """An as-of date and the months of the views over time (oldest first, the last is its own)."""

    as_of: datetime.date
    months: tuple[datetime.date, ...]
    filtered: bool

    @property
    def month(self) -> datetime.date:
        """Returns the first day of the as-of date's month."""
        return self.months[-1]

    def latest(self, count: int) -> tuple[datetime.date, ...]:
        """Returns the latest `count` months of the window."""
        return self.months[-count:]


@dataclass(frozen=True)
class Span:
    """What the typed books cover.

    `first` and `last` are the dates of their first and last typed transactions;
    `complete` is the last day of their latest complete month, as
    `reports.books.latest_complete_month` finds it.
    """

    first: datetime.date
    last: datetime.date
    complete: datetime.date


def window(
    span: Span,
    begin: datetime.date | None = None,
    end: datetime.date | None = None,
    count: int = SPAN,
) -> Window:
    """Returns the window of a page for a time filter [begin, end), or for none.

    Args:
      span: What the books cover.
      begin: The time filter's first day, inclusive.
      end: The time filter's end, exclusive (Fava's `DateRange.end`).
      count: The most months the views over time show.
    """
    if begin is None or end is None:
        as_of = span.complete
        first = add_months(as_of.replace(day=1), 1 - count)
    else:
        last_day = end - datetime.timedelta(days=1)
        as_of = min(last_day, span.last) if begin <= span.last else last_day
        first = begin.replace(day=1)
    first = max(first, span.first.replace(day=1), add_months(as_of.replace(day=1), 1 - count))
    months = tuple(period.months(min(first, as_of.replace(day=1)), as_of))
    return Window(as_of, months, begin is not None)
