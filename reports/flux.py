"""Flux analysis: the month against the prior month and the same month a year earlier.

Every revenue, deferred revenue, receivable (billed and unbilled) and
commission account (the contract-cost asset, commission expense, amortization
and impairment) is compared, per currency: income and expense accounts by the
month's activity, balance sheet accounts by their month-end balance, each in
its natural sign. A comparison is flagged when its change is over both
thresholds: an amount (in the account's currency) and a percentage of the
earlier figure (a change from zero is over any percentage). Each flagged
comparison is explained by its three largest drivers: the customers whose
figures changed most (else the contract or invoice a posting names).

The thresholds live in the close policy, `config/close.yaml`:

    flux:
      amount: 10000   # in each account's currency
      percent: 10
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins import commission_policy, policy
from plugins.currency import Precision
from plugins.policy import PolicyError
from plugins.schedule import add_months
from reports import period
from reports.amounts import credit_normal, exact, natural, under
from reports.books import Books
from reports.sources import Movement, Source, Sources, movements
from reports.table import Table

COLUMNS = (
    "account",
    "currency",
    "measure",
    "current",
    "prior_month",
    "change_prior_month",
    "percent_prior_month",
    "prior_year",
    "change_prior_year",
    "percent_prior_year",
    "flagged",
    "drivers",
)
PRIOR_MONTH = "prior month"
PRIOR_YEAR = "prior year"
ACTIVITY = "month activity"
BALANCE = "balance"
TOP_DRIVERS = 3
_FIELDS = ("amount", "percent")

Key = tuple[str, str]  # account, currency
Figures = dict[Key, dict[str, Decimal]]  # by driver


@dataclass(frozen=True)
class Thresholds:
    """A change is flagged when it is over both: an amount and a percentage."""

    amount: Decimal = Decimal(10000)
    percent: Decimal = Decimal(10)

    def exceeded_by(self, change: Decimal, earlier: Decimal) -> bool:
        """Tells whether a change from `earlier` is over both thresholds."""
        return abs(change) > self.amount and abs(change) * 100 > self.percent * abs(earlier)


def thresholds(books: Books) -> tuple[Thresholds, list[PolicyError]]:
    """Returns the flux thresholds of the close policy the close controls plugin names.

    Without the plugin, or without a `flux` section, the defaults apply.
    """
    config = books.plugin_config("plugins.close_controls")
    return read_thresholds(policy.resolve(config, books.options))


def read_thresholds(path: str | None) -> tuple[Thresholds, list[PolicyError]]:
    """Reads the `flux` section of a close policy file; errors point at its lines."""
    if path is None:
        return Thresholds(), []
    document = policy.load(path)
    section = document.data.get("flux")
    if document.errors or section is None:
        return Thresholds(), list(document.errors)
    if not isinstance(section, dict):
        expected = "a mapping with 'amount' and 'percent'"
        document.error(("flux",), f"Field 'flux' expected {expected}, found '{section}'")
        return Thresholds(), list(document.errors)
    for key in section:
        if key not in _FIELDS:
            names = ", ".join(f"'{name}'" for name in _FIELDS)
            document.error(("flux", key), f"Unknown field 'flux.{key}'; expected one of {names}")
    defaults = Thresholds()
    chosen = Thresholds(
        _threshold(document, section, "amount", defaults.amount),
        _threshold(document, section, "percent", defaults.percent),
    )
    return chosen, list(document.errors)


def _threshold(
    document: policy.Document, section: dict[str, Any], key: str, default: Decimal
) -> Decimal:
    value = section.get(key, default)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
        if number.is_finite() and number >= 0:
            return number
    document.error(
        ("flux", key), f"Field 'flux.{key}' expected a number of at least 0, found '{value}'"
    )
    return default


def analyzed_accounts(books: Books) -> Callable[[str], bool]:
    """Returns a test of the accounts the flux analysis covers."""
    roles = books.revenue_policy().accounts
    costs = commission_policy.load(books.plugin_config("plugins.commissions"), books.options)[0]
    return under(
        roles.revenue,
        roles.deferred_revenue,
        roles.receivable,
        roles.unbilled,
        costs.accounts.contract_costs,
        costs.accounts.commission_expense,
        costs.amortization_account,
        costs.impairment_account,
    )


def driver(source: Source, names: Mapping[str, str]) -> str:
    """Returns what a change is attributed to: the customer, else contract or invoice.

    A customer is its id followed by its name in `names`, if it has one.
    """
    if source.customer:
        name = names.get(source.customer)
        return f"{source.customer} {name}" if name else source.customer
    if source.contract:
        return f"contract {source.contract}"
    if source.invoice:
        return f"invoice {source.invoice}"
    return "(unattributed)"


@dataclass(frozen=True)
class _Context:
    """What every period's figures are read with."""

    moves: list[Movement]
    names: Mapping[str, str]  # the customers' names as of the month's end, for every period
    is_activity: Callable[[str], bool]
    is_credit: Callable[[str], bool]
    precision: Precision

    def exact(self, number: Decimal, currency: str) -> Decimal:
        """Returns a figure with at least the currency's decimals."""
        return exact(number, currency, self.precision)


def _figures(context: _Context, month: datetime.date) -> Figures:
    """Returns each account's activity or balance of a month, by driver."""
    first, last = month, period.last_day(month)
    figures: Figures = defaultdict(lambda: defaultdict(Decimal))
    for move in context.moves:
        if move.date > last or (move.date < first and context.is_activity(move.account)):
            continue
        by_driver = figures[(move.account, move.currency)]
        by_driver[driver(move.source, context.names)] += natural(
            move.number, move.account, context.is_credit
        )
    return figures


def _percent(change: Decimal, earlier: Decimal) -> Decimal | None:
    if not earlier:
        return None
    return (change * 100 / abs(earlier)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def top_drivers(now: dict[str, Decimal], then: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """Returns the largest changes by driver, largest first (ties by name)."""
    changes = {name: now.get(name, Decimal(0)) - then.get(name, Decimal(0)) for name in now | then}
    ranked = sorted((item for item in changes.items() if item[1]), key=lambda i: (-abs(i[1]), i[0]))
    return ranked[:TOP_DRIVERS]


def flux(books: Books, month: datetime.date, limits: Thresholds) -> Table:
    """Returns the flux analysis of the month, one row per account and currency.

    `flagged` names the comparisons over both thresholds; `drivers` explains
    each with its largest changes, e.g. `prior month: CUS-1 Acme +10500.00`.
    Percentages are of the earlier figure, to one decimal; empty when it is zero.
    A customer is named as of the month's end in every period compared, so a
    driver's label is the same in each.
    """
    sources = Sources(books)
    options = books.options
    last = period.last_day(month)
    context = _Context(
        movements(books, analyzed_accounts(books), last, sources),
        sources.names.as_of(last),
        under(options["name_income"], options["name_expenses"]),
        credit_normal(options),
        books.revenue_policy().precision,
    )
    when = (month, add_months(month, -1), add_months(month, -12))
    periods = [_figures(context, first) for first in when]
    rows = [
        row
        for key in sorted(set().union(*periods))
        if (row := _row(context, key, [figures.get(key, {}) for figures in periods], limits))
    ]
    return Table(f"Flux analysis, {period.month_name(month)}", COLUMNS, rows)


def _row(
    context: _Context, key: Key, periods: list[dict[str, Decimal]], limits: Thresholds
) -> list[Any] | None:
    """Returns the flux row of an account and currency; None when all its figures are zero."""
    account, currency = key
    totals = [context.exact(sum(by_driver.values(), Decimal(0)), currency) for by_driver in periods]
    if not any(totals):
        return None
    row: list[Any] = [account, currency, ACTIVITY if context.is_activity(account) else BALANCE]
    row.append(totals[0])
    flagged, explained = [], []
    for name, then, total in zip((PRIOR_MONTH, PRIOR_YEAR), periods[1:], totals[1:], strict=True):
        change = totals[0] - total
        row += [total, change, _percent(change, total)]
        if limits.exceeded_by(change, total):
            flagged.append(name)
            changes = top_drivers(periods[0], then)
            shown = ", ".join(f"{label} {context.exact(n, currency):+f}" for label, n in changes)
            explained.append(f"{name}: {shown}")
    return [*row, ", ".join(flagged), "; ".join(explained)]


def flagged(table: Table) -> list[list[Any]]:
    """Returns the rows of a flux table with at least one flagged comparison."""
    return [list(row) for row in table.rows if row[COLUMNS.index("flagged")]]
