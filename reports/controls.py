"""The close's controls: each passes or fails with the figure that decides it.

- bean-check: the books load without errors (the close refuses them otherwise);
- the close controls plugin (period locks, tie-outs, hygiene): its findings are
  bean-check errors, so none means it passed; not run when the ledger does not
  enable it;
- each roll-forward ties to the general ledger, per account and currency;
- the trial balance balances, per currency;
- the revenue disaggregation adds up to the general ledger's revenue, per currency;
- usage is billed as rated: no usage month of the close's reconciliation is
  invoiced beyond the usage policy's tolerance (when the ledger enables
  plugins.usage_revenue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from plugins import usage_reconciliation
from plugins.close_controls import CloseControlError
from reports.books import Books
from reports.table import Table

COLUMNS = ("control", "result", "figure")
PASS = "pass"
FAIL = "FAIL"
NOT_RUN = "not run"


@dataclass(frozen=True)
class Control:
    """One control of the close; `passed` is None when it did not run."""

    name: str
    passed: bool | None
    figure: str

    @property
    def result(self) -> str:
        """Returns 'pass', 'FAIL' or 'not run'."""
        return NOT_RUN if self.passed is None else PASS if self.passed else FAIL


def bean_check(books: Books) -> Control:
    """Returns the control that the books load without errors."""
    return Control("bean-check errors", not books.errors, f"{len(books.errors)} errors")


def close_controls_plugin(books: Books) -> Control:
    """Returns the control that the close controls plugin found nothing."""
    name = "Close controls plugin (period locks, tie-outs, hygiene)"
    if not books.uses("plugins.close_controls"):
        return Control(name, None, "plugin not enabled in the ledger")
    findings = [error for error in books.errors if isinstance(error, CloseControlError)]
    return Control(name, not findings, f"{len(findings)} findings")


def rollforward_ties(what: str, table: Table) -> list[Control]:
    """Returns, per roll-forward row, the control that it ties to the general ledger."""
    figures = zip(
        table.column("account"),
        table.column("currency"),
        table.column("closing"),
        table.column("gl_closing"),
        table.column("difference"),
        strict=True,
    )
    return [
        Control(
            f"{what} roll-forward, {account} {currency}",
            not difference,
            f"ties: closing {closing}, general ledger {general}"
            if not difference
            else f"does not tie: roll-forward closing {closing}, general ledger {general}, "
            f"difference {difference}",
        )
        for account, currency, closing, general, difference in figures
    ]


def trial_balance_balances(out_of_balance: Mapping[str, Decimal]) -> list[Control]:
    """Returns, per currency, the control that the trial balance's debits equal its credits."""
    return [
        Control(f"Trial balance balances, {currency}", not difference, f"difference {difference}")
        for currency, difference in sorted(out_of_balance.items())
    ]


def revenue_ties(
    disaggregated: Mapping[str, Decimal], general: Mapping[str, Decimal]
) -> list[Control]:
    """Returns, per currency, the control that disaggregated revenue equals the ledger's."""
    controls = []
    for currency in sorted(set(disaggregated) | set(general)):
        mine = disaggregated.get(currency, Decimal(0))
        theirs = general.get(currency, Decimal(0))
        controls.append(
            Control(
                f"Revenue disaggregation ties to the general ledger, {currency}",
                mine == theirs,
                f"disaggregated {mine}, general ledger {theirs}, difference {mine - theirs}",
            )
        )
    return controls


def usage_billed_as_rated(reconciliation: Table, tolerance: Decimal) -> Control:
    """Returns the control that no usage month is invoiced beyond the tolerance.

    The figure is the count of usage months billed beyond it and the total of
    their differences (invoiced less billable), per currency.
    """
    totals: dict[str, Decimal] = {}
    count = 0
    rows = zip(
        reconciliation.column("currency"),
        reconciliation.column("difference"),
        reconciliation.column("status"),
        strict=True,
    )
    for currency, difference, status in rows:
        if status == usage_reconciliation.DIFFERENCE:
            count += 1
            totals[currency] = totals.get(currency, Decimal(0)) + difference
    noun = "difference" if count == 1 else "differences"
    figure = f"{count} {noun} beyond the tolerance of {tolerance}"
    if totals:
        figure += ", total " + ", ".join(f"{totals[code]} {code}" for code in sorted(totals))
    return Control("Usage billed as rated (usage-to-invoice reconciliation)", not count, figure)


def as_table(controls: list[Control]) -> Table:
    """Returns the controls as a table."""
    rows = [[control.name, control.result, control.figure] for control in controls]
    return Table("Close controls", COLUMNS, rows)


def failures(controls: list[Control]) -> list[Control]:
    """Returns the controls that failed."""
    return [control for control in controls if control.passed is False]
