"""The deferred revenue subledger: every line billed before it is earned.

A deferred line is a posting to a deferred revenue account that carries a
service period (`service_start` and `service_end`, inclusive) or a recognition
method. This module reads those lines from the books, checks their metadata and
gives each its release schedule. The plugin turns schedules into entries; the
reports read the same lines, so there is one implementation of the rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta, schedule
from plugins.revenue_policy import RevenuePolicy

RATABLE = "ratable"
POINT = "point"
USAGE = "usage"
METHODS = (RATABLE, POINT, USAGE)


class DeferredRevenueError(NamedTuple):
    """A deferred line the user must fix; `source` points at the posting."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass(frozen=True, slots=True)
class DeferredLine:
    """One posting to a deferred revenue account, with what its release needs."""

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


def read(
    entries: Sequence[data.Directive], policy: RevenuePolicy
) -> tuple[list[DeferredLine], list[DeferredRevenueError]]:
    """Returns the deferred lines of typed entries, and an error for each bad one.

    Generated entries (releases of an earlier pass) are not lines.
    """
    open_accounts = {entry.account for entry in entries if isinstance(entry, data.Open)}
    reader = _Reader(policy, open_accounts)
    lines = [
        line
        for entry, position, posting in _deferred_postings(entries, reader)
        if (line := reader.line(entry, position, posting)) is not None
    ]
    return lines, reader.errors


def _deferred_postings(
    entries: Sequence[data.Directive], reader: _Reader
) -> Iterator[tuple[data.Transaction, int, data.Posting]]:
    for entry in entries:
        if not isinstance(entry, data.Transaction) or meta.is_generated(entry):
            continue
        for position, posting in enumerate(entry.postings, 1):
            if reader.is_deferred(posting.account):
                yield entry, position, posting
