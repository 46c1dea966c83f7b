"""The close summary: one page, in Markdown, that a reviewer reads first.

Every control with its result and figure, then the unbilled receivables
balance (when the ledger accrues usage), the count of receivables review
flags standing at the month end by kind, the flagged fluxes with their
drivers, and the files of the package.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reports import controls, flux, period
from reports.controls import Control
from reports.flux import Thresholds
from reports.table import Table


@dataclass(frozen=True)
class Unbilled:
    """The unbilled receivable at a month end, in one currency."""

    currency: str
    general_ledger: Decimal  # The balance of the unbilled receivable account.
    usage: Decimal  # Usage rated, neither invoiced nor drawn from prepaid credit.
    months: int  # Customer months with usage still unbilled.


def _unbilled_section(account: str, last: datetime.date, found: Sequence[Unbilled]) -> list[str]:
    lines = ["## Unbilled receivables", ""]
    if not found:
        return [*lines, f"None at {last}: `{account}` has no balance and no usage is unbilled."]
    lines.append(f"At {last}, `{account}` against usage rated and not yet invoiced:")
    lines.append("")
    for each in found:
        code = each.currency
        line = (
            f"- {code}: {each.general_ledger:,f} {code} in the general ledger; usage unbilled "
            f"{each.usage:,f} {code} over {each.months} customer months"
        )
        difference = each.general_ledger - each.usage
        lines.append(line + (f"; difference {difference:,f} {code}." if difference else "."))
    return lines


def _review_section(last: datetime.date, counts: Mapping[str, int]) -> list[str]:
    total = sum(counts.values())
    kinds = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    return [
        "## Receivables review flags",
        "",
        f"{total} standing at {last}: {kinds}. A past-due or unapplied-cash flag stands while "
        "its invoice is open or its cash unapplied; a credit-note-owed flag, while the "
        "customer owes the note; an other-payer flag, in the month it is raised.",
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = f"{value:,f}" if isinstance(value, Decimal) else str(value)
    return text.replace("|", "\\|")


def _markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _flagged_section(table: Table, limits: Thresholds) -> list[str]:
    heading = f"## Flagged fluxes (over {limits.amount:,f} and {limits.percent:f}%)"
    rows = flux.flagged(table)
    if not rows:
        return [heading, "", "None."]
    wanted = [
        "account",
        "currency",
        "measure",
        "current",
        "change_prior_month",
        "change_prior_year",
        "flagged",
        "drivers",
    ]
    indexes = [flux.COLUMNS.index(name) for name in wanted]
    shown = [[row[index] for index in indexes] for row in rows]
    return [heading, "", *_markdown_table(wanted, shown)]


def summary(
    month: datetime.date,
    ledger: str,
    checks: list[Control],
    changes: Table,
    limits: Thresholds,
    files: Sequence[str],
    unbilled: tuple[str, Sequence[Unbilled]] | None = None,
    review: Mapping[str, int] | None = None,
) -> str:
    """Returns the one-page summary of a month's close, as Markdown.

    `unbilled` is the unbilled receivable account and its balances, stated
    when the ledger accrues usage; `review` is how many receivables review
    flags of each kind stand at the month end (`reports.review_list.counts`).
    """
    failed = controls.failures(checks)
    verdict = (
        f"**FAIL**: {len(failed)} of {len(checks)} controls failed."
        if failed
        else f"**PASS**: every control that ran passed ({len(checks)} controls)."
    )
    lines = [
        f"# Revenue close, {period.month_name(month)}",
        "",
        f"Ledger `{ledger}`, month ending {period.last_day(month)}. {verdict}",
        "",
        "## Controls",
        "",
        *_markdown_table(controls.COLUMNS, [[c.name, c.result, c.figure] for c in checks]),
        "",
    ]
    if unbilled is not None:
        lines += [*_unbilled_section(unbilled[0], period.last_day(month), unbilled[1]), ""]
    if review is not None:
        lines += [*_review_section(period.last_day(month), review), ""]
    lines += [
        *_flagged_section(changes, limits),
        "",
        "## Files",
        "",
        *(f"- `{name}`" for name in files),
    ]
    return "\n".join(lines) + "\n"
