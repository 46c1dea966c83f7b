"""The month-end close package: every schedule, its controls and where they are written.

`build` computes the schedules of a month once and the controls from them;
`write` puts each schedule in a CSV file, all of them in one workbook
(`close_package.xlsx`), the one-page `summary.md`, and the memo of each
contract active in the month (`memos/`), in one folder.

Schedules of a plugin come only when the ledger enables it: the contract-cost
roll-forward with plugins.commissions; the usage-to-invoice reconciliation,
the credit grants and the unbilled receivables statement with
plugins.usage_revenue; the SSP analysis and the contract memos with
plugins.ssp_allocation.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from plugins import usage_accruals, usage_reconciliation
from plugins.obligations import Obligation
from plugins.usage_accruals import Key, Subledger
from reports import (
    commissions,
    contract_balances,
    contracts,
    controls,
    deferred_revenue,
    disaggregation,
    flux,
    journal,
    memo,
    obligations,
    period,
    receivables,
    review_list,
    ssp,
    trial_balance,
    usage,
)
from reports.amounts import under
from reports.books import Books, balances
from reports.controls import Control
from reports.flux import Thresholds
from reports.summary import Unbilled, summary
from reports.table import Table, write_csv
from reports.workbook import write_workbook

WORKBOOK = "close_package.xlsx"
SUMMARY = "summary.md"
DEFERRED_ROLLFORWARD = "deferred_revenue_rollforward.csv"
COMMISSION_ROLLFORWARD = "commission_asset_rollforward.csv"
USAGE_RECONCILIATION = "usage_reconciliation.csv"
REVIEW_FLAGS = "review_flags.csv"
MEMOS = "memos"
OPEN_INVOICES = "open_invoices.csv"
STATEMENTS = "customer_statements.csv"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Schedule:
    """One schedule of the package: its CSV file name, its sheet name and its table."""

    file: str
    sheet: str
    table: Table


@dataclass(frozen=True)
class Memo:
    """A contract memo of the package: its file, relative to the month's folder, and its text."""

    file: str
    text: str


@dataclass(frozen=True)
class Package:
    """A month's close: its schedules in package order, its controls and its memos.

    `unbilled` is the unbilled receivable account and its balance per
    currency, when the ledger accrues usage (else None).
    """

    books: Books
    month: datetime.date
    schedules: list[Schedule]
    checks: list[Control]
    limits: Thresholds
    memos: tuple[Memo, ...] = ()
    unbilled: tuple[str, tuple[Unbilled, ...]] | None = None

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
    checks += receivables.customer_credits_ties(receivable_schedules[3].table)
    checks += _statements_tie(receivable_schedules)
    schedules = [
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
    memos: tuple[Memo, ...] = ()
    if books.uses(contracts.PLUGIN):
        last = period.last_day(month)
        analysis = ssp.ssp_analysis(books, last)
        schedules.append(Schedule("ssp_analysis.csv", "SSP analysis", analysis))
        memos = tuple(
            Memo(memo_file(contract), memo.memo(books, contract, last))
            for contract in active_contracts(books, month)
        )
    unbilled = None
    if books.uses(usage_accruals.PLUGIN):
        usage_schedules, check, unbilled = _usage(books, month)
        schedules += usage_schedules
        checks.append(check)
    if len(rollforwards) > 1:
        costs = rollforwards[1][1]
        schedules.append(Schedule(COMMISSION_ROLLFORWARD, "Contract costs", costs))
    schedules.append(Schedule("flux_analysis.csv", "Flux", flux.flux(books, month, limits)))
    schedules += receivable_schedules
    schedules.insert(0, Schedule("controls.csv", "Controls", controls.as_table(checks)))
    return Package(books, month, schedules, checks, limits, memos, unbilled)


def active_contracts(books: Books, month: datetime.date) -> list[str]:
    """Returns the allocated contracts with a performance obligation active in the month.

    An obligation is active from its directive to the end of its period (its
    delivery, for a point obligation; open-ended usage has no end), as the
    contract stood at the month end; one booked in the month counts whatever
    its period.
    """
    first, last = month, period.last_day(month)

    def active(ob: Obligation) -> bool:
        return ob.booked <= last and (ob.end is None or ob.end >= first or ob.booked >= first)

    found = []
    for contract in contracts.allocated(books):
        terms = contract.terms
        if terms.contract.entry.date <= last and any(
            active(ob) for ob in contracts.as_of(terms, last).all_obligations()
        ):
            found.append(terms.id)
    return sorted(found)


def memo_file(contract: str) -> str:
    """Returns the memo's path in the month's folder: `memos/<contract>.md`, safely named."""
    return f"{MEMOS}/{_UNSAFE.sub('_', contract)}.md"


def _usage_months(subledger: Subledger, month: datetime.date) -> set[tuple[str, str, str]]:
    """Returns the usage months accrued or billed in the month, or still unbilled at its end."""
    first, last = month, period.last_day(month)

    def named(key: Key) -> tuple[str, str, str]:
        customer, day, currency = key
        return customer, period.month_name(day), currency

    found = {named(a.key) for a in subledger.accruals if first <= a.entry.date <= last}
    found |= {named(line.key) for line in subledger.billed if first <= line.entry.date <= last}
    found |= {named(each.first.key) for each in subledger.clearings if first <= each.date <= last}
    return found | set(subledger.open_unbilled(last))


def _month_usage(books: Books, month: datetime.date) -> tuple[Table, Decimal, Subledger]:
    """Returns the month's usage reconciliation, its tolerance, and the subledger at month end."""
    last = period.last_day(month)
    at_month_end = replace(books, entries=[entry for entry in books.entries if entry.date <= last])
    subledger, _ = usage_accruals.load(at_month_end.entries, books.options)
    wanted = _usage_months(subledger, month)
    every = usage.reconciliation(at_month_end)
    tolerance = usage_reconciliation.shown_tolerance(subledger.policy.tolerance, 2)
    table = Table(
        f"Usage rated against invoiced at {last}: months accrued or billed in "
        f"{period.month_name(month)} or still unbilled (tolerance {tolerance})",
        every.columns,
        [row for row in every.rows if (row[0], row[1], row[2]) in wanted],
    )
    return table, tolerance, subledger


def usage_month(books: Books, month: datetime.date) -> tuple[Table, Decimal]:
    """Returns the close's usage-to-invoice reconciliation of a month, and its tolerance.

    The reconciliation is of the books as they stood at the month end (a later
    invoice does not change a closed month), for the usage months accrued or
    billed in the month and those still unbilled at its end. Its control is
    `controls.usage_billed_as_rated(table, tolerance)`.
    """
    table, tolerance, _ = _month_usage(books, month)
    return table, tolerance


def _usage(
    books: Books, month: datetime.date
) -> tuple[list[Schedule], Control, tuple[str, tuple[Unbilled, ...]]]:
    """Returns the usage schedules of the month, their control and the unbilled receivable."""
    last = period.last_day(month)
    table, tolerance, subledger = _month_usage(books, month)
    schedules = [
        Schedule(USAGE_RECONCILIATION, "Usage reconciliation", table),
        Schedule("credit_grants.csv", "Credit grants", usage.credit_grants(books, last)),
    ]
    check = controls.usage_billed_as_rated(table, tolerance)
    return schedules, check, _unbilled(books, subledger, last)


def _unbilled(
    books: Books, subledger: Subledger, last: datetime.date
) -> tuple[str, tuple[Unbilled, ...]]:
    """Returns the unbilled receivable account and, per currency, its balance against usage."""
    account = books.revenue_policy().accounts.unbilled
    general: dict[str, Decimal] = {}
    for (_, currency), number in balances(books.entries, last, under(account)).items():
        general[currency] = general.get(currency, Decimal(0)) + number
    usage_open: dict[str, list[Decimal]] = {}
    for (_, _, currency), number in subledger.open_unbilled(last).items():
        usage_open.setdefault(currency, []).append(number)
    precision = subledger.policy.precision
    found = []
    for code in sorted(set(general) | set(usage_open)):
        zero = precision.from_minor(0, code)
        opened = usage_open.get(code, [])
        ledger = general.get(code, Decimal(0)) + zero
        if ledger or opened:
            found.append(Unbilled(code, ledger, sum(opened, zero), len(opened)))
    return account, tuple(found)


def _receivables(books: Books, month: datetime.date) -> list[Schedule]:
    """Returns the receivables schedules at the month end, in this order.

    Aging, DSO, unapplied cash, customer credits, credit hold, open invoices,
    the month's customer statements and the review flags: `build` reads the
    aging's and the credits' controls by their place.
    """
    last = period.last_day(month)
    return [
        Schedule("ar_aging.csv", "AR aging", receivables.aging(books, last)),
        Schedule("days_sales_outstanding.csv", "DSO", receivables.dso(books, month)),
        Schedule("unapplied_cash.csv", "Unapplied cash", receivables.unapplied_cash(books, last)),
        Schedule(
            "customer_credits.csv", "Customer credits", receivables.customer_credits(books, last)
        ),
        Schedule("credit_hold.csv", "Credit hold", receivables.credit_hold(books, last)),
        Schedule(OPEN_INVOICES, "Open invoices", receivables.open_invoices(books, last)),
        Schedule(
            STATEMENTS,
            "Customer statements",
            receivables.customer_statements(books, month, last),
        ),
        Schedule(REVIEW_FLAGS, "Review flags", review_list.review_list(books, last)),
    ]


def _statements_tie(schedules: list[Schedule]) -> list[Control]:
    """Returns the controls that the customer statements add up to what customers owe."""
    tables = {schedule.file: schedule.table for schedule in schedules}
    return receivables.statements_tie(
        tables[STATEMENTS],
        tables["ar_aging.csv"],
        tables["unapplied_cash.csv"],
        tables["customer_credits.csv"],
    )


def write(package: Package, out: str) -> str:
    """Writes the package under `out/YYYY-MM/`; returns that folder.

    Memos of contracts no longer active in the month are removed from its
    `memos/` folder, so the folder holds this close's memos only.
    """
    folder = os.path.join(out, period.month_name(package.month))
    for schedule in package.schedules:
        write_csv(schedule.table, os.path.join(folder, schedule.file))
    write_workbook(
        [(schedule.sheet, schedule.table) for schedule in package.schedules],
        os.path.join(folder, WORKBOOK),
        datetime.datetime.combine(period.last_day(package.month), datetime.time()),
    )
    _write_memos(package.memos, folder)
    files = [
        SUMMARY,
        WORKBOOK,
        *(schedule.file for schedule in package.schedules),
        *(each.file for each in package.memos),
    ]
    text = summary(
        package.month,
        package.books.path,
        package.checks,
        package.table("flux_analysis.csv"),
        package.limits,
        files,
        package.unbilled,
        review_list.counts(package.table(REVIEW_FLAGS)),
    )
    _write_text(os.path.join(folder, SUMMARY), text)
    return folder


def _write_text(path: str, text: str) -> None:
    """Writes a text file, replacing it only once it is complete."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def _write_memos(memos: tuple[Memo, ...], folder: str) -> None:
    """Writes each memo and removes the memos of an earlier run that are not among them."""
    for each in memos:
        _write_text(os.path.join(folder, each.file), each.text)
    memo_folder = os.path.join(folder, MEMOS)
    if not os.path.isdir(memo_folder):
        return
    kept = {os.path.basename(each.file) for each in memos}
    for name in os.listdir(memo_folder):
        if name.endswith(".md") and name not in kept:
            os.remove(os.path.join(memo_folder, name))
