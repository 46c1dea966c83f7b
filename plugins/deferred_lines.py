"""The deferred revenue subledger: every line billed before it is earned.

A deferred line is a posting to a deferred revenue account that carries a
service period (`service_start` and `service_end`, inclusive) or a recognition
method. This module reads those lines from the books, checks their metadata and
gives each its release schedule. The plugin turns schedules into entries; the
reports read the same lines, so there is one implementation of the rules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta, revenue_policy, schedule
from plugins.horizon import books_horizon, latest_typed
from plugins.revenue_policy import RevenuePolicy

RATABLE = "ratable"
POINT = "point"
USAGE = "usage"
METHODS = (RATABLE, POINT, USAGE)
_METHODS = frozenset(METHODS)
_NO_DATE = datetime.date.min


class DeferredRevenueError(NamedTuple):
    """A deferred line the user must fix; `source` points at the posting."""

    source: dict[str, Any]
    message: str
    entry: Any


class DeferredLine(NamedTuple):
    """One posting to a deferred revenue account, with what its release needs.

    A named tuple, not a dataclass: the plugin reads every deferred line of the
    books at every load, and a tuple is built several times faster.
    """

    entry: data.Transaction
    position: int  # 1-based position of the posting in its entry
    deferred_account: str
    revenue_account: str
    currency: str
    amount: int  # minor units as posted: negative when billed, positive when credited
    start: datetime.date
    end: datetime.date
    method: str

    @property
    def source(self) -> str:
        """The invoice (or credit note) id, else the entry's file and line."""
        invoice = self.entry.meta.get(meta.INVOICE)
        if invoice:
            return str(invoice)
        return f"{self.entry.meta.get('filename')}:{self.entry.meta.get('lineno')}"

    @property
    def booked(self) -> datetime.date:
        """The date of the entry that booked the line."""
        return self.entry.date


def pieces(line: DeferredLine, policy: RevenuePolicy) -> list[schedule.Piece]:
    """Returns the release schedule of a line, in the line's sign.

    Usage lines are released as usage draws them down, not on a schedule, so
    they have no pieces here.
    """
    if line.method == RATABLE:
        return schedule.spread(line.amount, line.start, line.end, line.booked, policy.basis)
    if line.method == POINT:
        return schedule.at_point(line.amount, line.end, line.booked)
    return []


def summed_pieces(
    lines: Sequence[DeferredLine], policy: RevenuePolicy, through: datetime.date | None = None
) -> Iterator[tuple[tuple[str, str, str], datetime.date, int, int]]:
    """Yields (account pair and currency, month end, units, pieces) summed over lines.

    The sum of every line's `pieces`, by deferred account, revenue account,
    currency and month, with the count of pieces summed. Ratable lines on the
    daily basis that share a period, a booking month and accounts are spread
    together, all at once (schedule.spread_daily_many): the summarized releases
    and the tie-out of the close controls run this at every load.

    Args:
      through: If given, months ending after it are left out.
    """
    together: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    first_due_of: dict[datetime.date, datetime.date] = {}
    daily = policy.basis is schedule.Basis.DAILY
    for line in lines:
        entry, _, deferred, revenue, currency, amount, start, end, method = line
        if daily and method == RATABLE:
            first_due = first_due_of.get(entry.date)
            if first_due is None:
                first_due = first_due_of[entry.date] = schedule.month_end(entry.date)
            together[(deferred, revenue, currency, start, end, first_due)].append(amount)
            continue
        group = (line.deferred_account, line.revenue_account, line.currency)
        for date, units in pieces(line, policy):
            if through is None or date <= through:
                yield group, date, units, 1
    for (deferred, revenue, currency, start, end, first_due), amounts in together.items():
        group = (deferred, revenue, currency)
        for date, units, count in schedule.spread_daily_many(
            amounts, start, end, first_due, through
        ):
            yield group, date, units, count


class _Reader:
    """Reads deferred lines, collecting an error for each bad one."""

    def __init__(self, policy: RevenuePolicy, open_accounts: set[str]) -> None:
        self.policy = policy
        self.open_accounts = open_accounts
        self.root = policy.accounts.deferred_revenue
        self.errors: list[DeferredRevenueError] = []
        self._revenue_of: dict[str, str | None] = {}

    def is_deferred(self, name: str) -> bool:
        return name == self.root or name.startswith(self.root + ":")

    def fail(self, posting: data.Posting, entry: data.Transaction, message: str) -> None:
        source = meta.source_of(entry, posting)
        self.errors.append(DeferredRevenueError(source, message, entry))

    def revenue_account(self, deferred: str) -> str | None:
        if deferred not in self._revenue_of:
            mapped = self.policy.revenue_map.get(deferred)
            if mapped is None:
                mapped = self.policy.accounts.revenue + deferred[len(self.root) :]
            self._revenue_of[deferred] = mapped if mapped in self.open_accounts else None
        return self._revenue_of[deferred]

    def line(
        self, entry: data.Transaction, position: int, posting: data.Posting
    ) -> DeferredLine | None:
        values = posting.meta or {}
        has_start = meta.SERVICE_START in values
        has_end = meta.SERVICE_END in values
        method = values.get(meta.RECOGNITION, RATABLE)
        if not (has_start or has_end or meta.RECOGNITION in values):
            return None  # Not a scheduled line: a manual adjustment, say.
        if method not in METHODS:
            choices = ", ".join(f"'{name}'" for name in METHODS)
            self.fail(posting, entry, f"Unknown recognition method '{method}'; expected {choices}")
            return None
        start = self.service_date(entry, posting, meta.SERVICE_START, "Service start")
        end = self.service_date(entry, posting, meta.SERVICE_END, "Service end")
        if start is None or end is None:
            return None
        if end < start:
            self.fail(posting, entry, f"Service end '{end}' is before service start '{start}'")
            return None
        revenue = values.get(meta.REVENUE_ACCOUNT) or self.revenue_account(posting.account)
        if revenue is None or revenue not in self.open_accounts:
            expected = revenue or self.policy.accounts.revenue + posting.account[len(self.root) :]
            self.fail(
                posting,
                entry,
                f"Deferred account '{posting.account}' has no revenue mapping; expected an open "
                f"account '{expected}', a '{meta.REVENUE_ACCOUNT}' on the line, or an entry "
                f"in 'revenue_map'",
            )
            return None
        units = posting.units
        if units is None or not isinstance(units.number, Decimal):
            return None  # Booking fills every amount before plugins run.
        amount = self.policy.precision.to_minor(units.number, units.currency)
        if amount is None:
            self.fail(posting, entry, self.policy.precision.excess(units.number, units.currency))
            return None
        return DeferredLine(
            entry, position, posting.account, revenue, units.currency, amount, start, end, method
        )

    def service_date(
        self, entry: data.Transaction, posting: data.Posting, key: str, label: str
    ) -> datetime.date | None:
        values = posting.meta or {}
        if key not in values:
            other = meta.SERVICE_END if key == meta.SERVICE_START else meta.SERVICE_START
            self.fail(
                posting, entry, f"Missing '{key}': a deferred line needs both '{other}' and '{key}'"
            )
            return None
        parsed = meta.date_of(values[key])
        if parsed is None:
            self.fail(posting, entry, f"{label} '{values[key]}' is not a date; expected YYYY-MM-DD")
        return parsed


class Reading(NamedTuple):
    """What one pass over the books finds: the deferred lines, the errors, the latest date."""

    lines: list[DeferredLine]
    errors: list[DeferredRevenueError]
    latest: datetime.date | None  # date of the latest typed transaction, None if none


def read(
    entries: Sequence[data.Directive], policy: RevenuePolicy
) -> tuple[list[DeferredLine], list[DeferredRevenueError]]:
    """Returns the deferred lines of typed entries, and an error for each bad one.

    Generated entries (releases of an earlier pass) are not lines.
    """
    reading = read_books(entries, policy)
    return reading.lines, reading.errors


def read_books(entries: Sequence[data.Directive], policy: RevenuePolicy) -> Reading:
    """Reads the deferred lines of typed entries, and the date of the latest one.

    This runs at every load over every entry of the books, so the common line
    (service dates written as dates, a known method, an amount exact to the
    currency's minor unit, an open revenue account) is read inline; any other
    line goes through `_Reader.line`, which reads it the same way and names
    what is wrong with it.
    """
    open_accounts = {entry.account for entry in entries if isinstance(entry, data.Open)}
    reader = _Reader(policy, open_accounts)
    # Per account: False if it is not deferred, else its revenue account ("" if none).
    revenue_of: dict[str, str | bool] = {}
    digits_of: dict[str, int] = {}
    lines: list[DeferredLine] = []
    latest = _NO_DATE
    # Names looked up once, not per line.
    transaction, new_line, date_type = data.Transaction, DeferredLine, datetime.date
    generated_by, start_key, end_key = meta.GENERATED_BY, meta.SERVICE_START, meta.SERVICE_END
    method_key, revenue_key, methods = meta.RECOGNITION, meta.REVENUE_ACCOUNT, _METHODS
    for entry in entries:
        if not isinstance(entry, transaction) or generated_by in (entry.meta or ()):
            continue
        if entry.date > latest:  # horizon.latest_typed's date, found on this pass
            latest = entry.date
        for position, posting in enumerate(entry.postings, 1):
            account = posting.account
            mapped = revenue_of.get(account)
            if mapped is None:
                mapped = revenue_of[account] = reader.is_deferred(account) and (
                    reader.revenue_account(account) or ""
                )
            values = posting.meta
            if mapped is False or not values:
                continue  # Not deferred; or not a scheduled line: a manual adjustment, say.
            start, end = values.get(start_key), values.get(end_key)
            method = values.get(method_key, RATABLE)
            units = posting.units
            if (
                type(start) is date_type
                and type(end) is date_type
                and start <= end
                and method in methods
                and units is not None
                and type(units.number) is Decimal
            ):
                revenue = values.get(revenue_key) or mapped
                currency = units.currency
                digits = digits_of.get(currency)
                if digits is None:
                    digits = digits_of[currency] = policy.precision.digits(currency)
                scaled = units.number.scaleb(digits)
                if revenue in open_accounts and scaled.is_finite():
                    amount = int(scaled)
                    if scaled == amount:
                        lines.append(
                            new_line(
                                entry, position, account, revenue, currency, amount, start, end,
                                method,
                            )
                        )  # fmt: skip
                        continue
            line = reader.line(entry, position, posting)
            if line is not None:
                lines.append(line)
    return Reading(lines, reader.errors, None if latest is _NO_DATE else latest)


def release_horizon(
    entries: Sequence[data.Directive], policy: RevenuePolicy
) -> datetime.date | None:
    """Returns the last day the plugin dates a release on, or None for no limit.

    For code that recomputes the plugin's schedules from the books (pieces
    after this day are not in the ledger); `read_books` finds it on its way.
    """
    if policy.horizon != revenue_policy.HORIZON_BOOKS:
        return None
    return books_horizon(latest_typed(entries))


def horizon(reading: Reading, policy: RevenuePolicy) -> datetime.date | None:
    """Returns the last day releases may be dated on, or None for no limit.

    With `horizon: books` it is the books' horizon (plugins.horizon): the
    month end of the books' latest typed transaction. The ledger then holds no
    revenue recognized for a month the books have not reached. Every deferred
    line is booked on or before that day, so each keeps its first release.
    """
    if policy.horizon != revenue_policy.HORIZON_BOOKS:
        return None
    return books_horizon(reading.latest)
