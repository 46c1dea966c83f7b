"""The books as the reports see them: loaded once, with every plugin applied."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core import data

from plugins import ar_policy, meta, policy, revenue_policy
from plugins.ar_policy import ArPolicy
from plugins.revenue_policy import RevenuePolicy
from plugins.schedule import add_months, month_end


@dataclass(frozen=True)
class Books:
    """A loaded ledger: its entries (generated ones included), errors and options."""

    path: str
    entries: list[data.Directive]
    errors: list[Any]
    options: dict[str, Any]

    def plugin_config(self, module: str) -> str | None:
        """Returns the config string of the `plugin` line naming `module`."""
        return policy.plugin_line(self.options, module)[1]

    def uses(self, module: str) -> bool:
        """Tells whether the ledger enables the plugin `module`."""
        return policy.plugin_line(self.options, module)[0]

    def revenue_policy(self) -> RevenuePolicy:
        """Returns the revenue policy the deferred revenue plugin used."""
        policy, _ = revenue_policy.load(
            self.plugin_config("plugins.deferred_revenue"), self.options
        )
        return policy

    def receivables_policy(self) -> ArPolicy:
        """Returns the receivables policy the AR reconciliation plugin used."""
        return ar_policy.load(self.plugin_config("plugins.ar_reconciliation"), self.options)[0]

    def typed_entries(self) -> list[data.Directive]:
        """Returns the entries as the user wrote them, without generated ones."""
        return [entry for entry in self.entries if not meta.is_generated(entry)]


def load(path: str) -> Books:
    """Loads a ledger with its plugins, as bean-check does."""
    entries, errors, options = loader.load_file(path)
    return Books(path, entries, errors, options)


def balances(
    entries: list[data.Directive],
    through: datetime.date,
    wanted: Callable[[str], bool],
) -> dict[tuple[str, str], Decimal]:
    """Returns the balance of each wanted (account, currency) at the end of `through`."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if not isinstance(entry, data.Transaction) or entry.date > through:
            continue
        for posting in entry.postings:
            units = posting.units
            if wanted(posting.account) and units is not None and units.number is not None:
                totals[(posting.account, units.currency)] += units.number
    return dict(totals)


def typed_span(books: Books) -> tuple[datetime.date, datetime.date]:
    """Returns the dates of the books' first and last typed transactions.

    Generated entries (releases in later months, say) do not count.

    Raises:
      ValueError: if the books have no typed transaction.
    """
    dates = [
        entry.date
        for entry in books.entries
        if isinstance(entry, data.Transaction) and not meta.is_generated(entry)
    ]
    if not dates:
        raise ValueError(f"{books.path} has no transactions to close")
    return min(dates), max(dates)


def latest_complete_month(books: Books) -> datetime.date:
    """Returns the first day of the latest month the typed books cover to its last day.

    The books are complete for a month when a typed transaction is dated on or
    after its last day; generated releases in later months do not count.
    """
    last = typed_span(books)[1]
    first = last.replace(day=1)
    return first if last == month_end(last) else add_months(first, -1)
