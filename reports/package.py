"""The month-end close package: every schedule, its controls and where they are written.

`build` computes the schedules of a month once and the controls from them;
`write` puts each schedule in a CSV file, all of them in one workbook
(`close_package.xlsx`), and the one-page `summary.md`, in one folder.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

from reports import (
    commissions,
    contract_balances,
    controls,
    deferred_revenue,
    disaggregation,
    flux,
    journal,
    obligations,
    period,
    receivables,
    trial_balance,
)
from reports.books import Books
from reports.controls import Control
from reports.flux import Thresholds
from reports.summary import summary
from reports.table import Table, write_csv
from reports.workbook import write_workbook

WORKBOOK = "close_package.xlsx"
SUMMARY = "summary.md"
DEFERRED_ROLLFORWARD = "deferred_revenue_rollforward.csv"
COMMISSION_ROLLFORWARD = "commission_asset_rollforward.csv"


@dataclass(frozen=True)
class Schedule:
    """One schedule of the package: its CSV file name, its sheet name and its table."""

    file: str
    sheet: str
    table: Table


@dataclass(frozen=True)
class Package:
    """A month's close: its schedules in package order, and its controls."""

    books: Books
    month: datetime.date
    schedules: list[Schedule]
    checks: list[Control]
    limits: Thresholds

    def table(self, file: str) -> Table:
        """Returns the table of the schedule written to `file`."""
        return next(schedule.table for schedule in self.schedules if schedule.file == file)

    def rollforwards(self) -> list[Table]:
        """Returns the roll-forwards of the package (commissions only when enabled)."""
        names = (DEFERRED_ROLLFORWARD, COMMISSION_ROLLFORWARD)
        return [schedule.table for schedule in self.schedules if schedule.file in names]


def _checks(
    books: Books,
    month: datetime.date,
    rollforwards: list[tuple[str, Table]],
    trial: Table,
    revenue: Table,
) -> list[Control]:
    found = [controls.bean_check(books), controls.close_controls_plugin(books)]
    for what, table in rollforwards:
        found += controls.rollforward_ties(what, table)
    found += controls.trial_balance_balances(trial_balance.out_of_balance(trial))
    found += controls.revenue_ties(
        disaggregation.totals_by(revenue, disaggregation.PRODUCT_LINE),
        disaggregation.general_ledger_revenue(books, month),
    )
    return found


def build(books: Books, month: datetime.date, limits: Thresholds) -> Package:
    """Returns the close package of a month: schedules computed once, and the controls."""
    rollforwards = [("Deferred revenue", deferred_revenue.rollforward(books, month))]
    if books.uses("plugins.commissions"):
        rollforwards.append(("Contract-cost asset", commissions.rollforward(books, month)))
    trial = trial_balance.trial_balance(books, month)
    revenue = disaggregation.disaggregation(books, month)
    receivable_schedules = _receivables(books, month)
    checks = _checks(books, month, rollforwards, trial, revenue)
    checks += receivables.aging_ties(receivable_schedules[0].table)
    schedules = [
        Schedule("controls.csv", "Controls", controls.as_table(checks)),
        Schedule("trial_balance.csv", "Trial balance", trial),
        Schedule("journal_entries.csv", "Journal", journal.journal(books, month)),
        Schedule("revenue_disaggregation.csv", "Disaggregation", revenue),
        Schedule(DEFERRED_ROLLFORWARD, "Deferred revenue", rollforwards[0][1]),
        Schedule(
            "revenue_waterfall.csv",
            "Waterfall",
            deferred_revenue.waterfall(books, period.last_day(month)),
        ),
        Schedule(
            "remaining_performance_obligations.csv",
            "RPO",
            obligations.remaining_obligations(books, month),
        ),
        Schedule(
            "contract_balances.csv",
            "Contract balances",
            contract_balances.contract_balances(books, month),
        ),
    ]
    if len(rollforwards) > 1:
        costs = rollforwards[1][1]
        schedules.append(Schedule(COMMISSION_ROLLFORWARD, "Contract costs", costs))
    schedules.append(Schedule("flux_analysis.csv", "Flux", flux.flux(books, month, limits)))
    schedules += receivable_schedules
    return Package(books, month, schedules, checks, limits)


def _receivables(books: Books, month: datetime.date) -> list[Schedule]:
    """Returns the receivables schedules at the month end, the aging first."""
    last = period.last_day(month)
    return [
        Schedule("ar_aging.csv", "AR aging", receivables.aging(books, last)),
        Schedule("days_sales_outstanding.csv", "DSO", receivables.dso(books, month)),
        Schedule("unapplied_cash.csv", "Unapplied cash", receivables.unapplied_cash(books, last)),
        Schedule("credit_hold.csv", "Credit hold", receivables.credit_hold(books, last)),
    ]


def write(package: Package, out: str) -> str:
    """Writes the package under `out/YYYY-MM/`; returns that folder."""
    folder = os.path.join(out, period.month_name(package.month))
    for schedule in package.schedules:
        write_csv(schedule.table, os.path.join(folder, schedule.file))
    write_workbook(
        [(schedule.sheet, schedule.table) for schedule in package.schedules],
        os.path.join(folder, WORKBOOK),
    )
    files = [SUMMARY, WORKBOOK, *(schedule.file for schedule in package.schedules)]
    text = summary(
        package.month,
        package.books.path,
        package.checks,
        package.table("flux_analysis.csv"),
        package.limits,
        files,
    )
    temporary = os.path.join(folder, SUMMARY + ".partial")
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, os.path.join(folder, SUMMARY))
    return folder
