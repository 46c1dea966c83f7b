"""The Close page: each month's controls and flagged fluxes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from plugins import usage_accruals
from plugins.schedule import add_months
from reports import (
    commissions,
    controls,
    deferred_revenue,
    disaggregation,
    flux,
    package,
    period,
    receivables,
    trial_balance,
)
from reports.controls import Control
from reports.table import Table
from revclose_fava import grids
from revclose_fava.context import Context
from revclose_fava.grids import Grid
from revclose_fava.loaded import Loaded


@dataclass(frozen=True)
class MonthClose:
    """One month's close: its controls and its flagged fluxes."""

    month: str
    controls: list[Control]
    failed: int
    flagged: Grid


@dataclass(frozen=True)
class ClosePage:
    """The close of each month of the window: controls by month, then each month's fluxes."""

    months: list[MonthClose]
    shown: list[datetime.date]
    names: list[str]
    status: dict[tuple[str, str], Control]
    limits: flux.Thresholds
    errors: list[str]
    ranges: list[tuple[str, str]]


FLUX_COLUMNS = (
    "account",
    "currency",
    "measure",
    "current",
    "change_prior_month",
    "change_prior_year",
    "flagged",
    "drivers",
)


def checks(loaded: Loaded, month: datetime.date) -> list[Control]:
    """Returns the month's close controls, in the close package's order.

    The same controls, from the same report functions, that `package.build`
    computes (a test checks the two agree), without the schedules the page
    does not show (journal, RPO, contract balances, ...), and on tables the
    other pages share: the roll-forwards, the disaggregation, the aging,
    unapplied cash and the customer credits (and the month's customer
    statements, for their tie).
    With plugins.usage_revenue, the usage-to-invoice reconciliation's control
    comes last, as in the package.
    """
    books = loaded.books
    found = [controls.bean_check(books), controls.close_controls_plugin(books)]
    found += controls.rollforward_ties(
        "Deferred revenue", loaded.run(deferred_revenue.rollforward, month)
    )
    if books.uses("plugins.commissions"):
        found += controls.rollforward_ties(
            "Contract-cost asset", loaded.run(commissions.rollforward, month)
        )
    trial = loaded.run(trial_balance.trial_balance, month)
    found += controls.trial_balance_balances(trial_balance.out_of_balance(trial))
    revenue = loaded.run(disaggregation.disaggregation, month)
    found += controls.revenue_ties(
        disaggregation.totals_by(revenue, disaggregation.PRODUCT_LINE),
        loaded.run(disaggregation.general_ledger_revenue, month),
    )
    last = period.last_day(month)
    found += receivables.aging_ties(loaded.run(receivables.aging, last))
    found += receivables.customer_credits_ties(loaded.run(receivables.customer_credits, last))
    found += receivables.statements_tie(
        loaded.run(receivables.customer_statements, month, last),
        loaded.run(receivables.aging, last),
        loaded.run(receivables.unapplied_cash, last),
        loaded.run(receivables.customer_credits, last),
    )
    if books.uses(usage_accruals.PLUGIN):
        found.append(controls.usage_billed_as_rated(*loaded.run(package.usage_month, month)))
    return found


def page(context: Context) -> ClosePage:
    """Returns the close page: each month's controls and flagged fluxes.

    The months are the window's with a time filter, else the as-of month alone.
    """
    loaded, window = context.loaded, context.window
    limits, errors = loaded.run(flux.thresholds)
    months = window.months if window.filtered else window.latest(1)
    closes = []
    status: dict[tuple[str, str], Control] = {}
    names: dict[str, None] = {}
    for month in reversed(months):
        found = checks(loaded, month)
        name = period.month_name(month)
        for control in found:
            names.setdefault(control.name)
            status[(control.name, name)] = control
        table = loaded.run(flux.flux, month, limits)
        flagged = Table(
            f"Flagged fluxes, {name}",
            table.columns,
            [row for row in flux.flagged(table) if context.account(row[0])],
        )
        failed = sum(control.passed is False for control in found)
        closes.append(MonthClose(name, found, failed, grids.grid(flagged, columns=FLUX_COLUMNS)))
    messages = [str(error.message) for error in errors]
    last = period.month_name(window.month)
    ranges = [
        (f"the {count} months to {last}", f"{first} - {last}")
        for count in (3, 12)
        if (first := period.month_name(add_months(window.month, 1 - count)))
    ]
    return ClosePage(closes, list(months), list(names), status, limits, messages, ranges)
