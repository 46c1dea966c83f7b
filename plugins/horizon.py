"""The books' horizon: the month end of the month of the books' latest typed transaction.

Month-end entries the plugins generate from the books as they stand (revenue
releases with `horizon: books`, the receivable's remeasurements and review
flags) are dated up to it and no later. Books whose latest typed transaction is
2025-12-30 reach 2025-12-31:

    2025-12-01 * "Euro" "Invoice INV-E1"      ; the receivable's remeasurement
    2025-12-30 * "Other" "Invoice INV-9"      ; of 2025-12-31 is made now,

not once a January entry is typed. A month's generated entries are thus all
made as soon as the books reach the month, and typing a later month adds
entries to later months only: a sealed month keeps its seal. Generated
entries do not date the books: they are dated by the horizon, not the other
way round; nor do prices, balance assertions and other directives.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from beancount.core import data

from plugins import meta, schedule

_NO_DATE = datetime.date.min


def latest_typed(entries: Sequence[data.Directive]) -> datetime.date | None:
    """Returns the date of the books' latest typed transaction, or None if they have none.

    The latest by date, not the last in the list: a plugin may append entries
    out of date order.
    """
    # Every load runs this over every entry: the date is compared first, so
    # an entry no later than the latest so far costs one comparison.
    latest = _NO_DATE
    transaction, generated_by = data.Transaction, meta.GENERATED_BY
    for entry in entries:
        if (
            entry.date > latest
            and isinstance(entry, transaction)
            and generated_by not in (entry.meta or ())
        ):
            latest = entry.date
    return None if latest is _NO_DATE else latest


def books_horizon(latest: datetime.date | None) -> datetime.date | None:
    """Returns the horizon of books whose latest typed transaction is dated `latest`.

    It is that month's end (None for books with no typed transaction): the
    books have reached the month, so its month-end entries are due.
    """
    return None if latest is None else schedule.month_end(latest)
