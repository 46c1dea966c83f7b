"""Usage reports: usage-to-invoice reconciliation and prepaid credit-grant balances.

Both read the usage subledger (`plugins.usage_accruals`) with the policy of the
ledger's `plugins.usage_revenue` line, so they show the figures the plugin
booked.
"""

from __future__ import annotations

import datetime

from plugins import usage_accruals, usage_reconciliation
from reports import period
from reports.books import Books
from reports.table import Table

REPORTS = ("reconciliation", "credits")

RECONCILIATION_COLUMNS = (
    "customer",
    "month",
    "currency",
    "rated",
    "credit_drawn",
    "billable",
    "invoiced",
    "difference",
    "unbilled",
    "status",
)

GRANT_COLUMNS = (
    "grant",
    "customer",
    "kind",
    "currency",
    "granted_on",
    "expires",
    "account",
    "granted",
    "drawn",
    "breakage",
    "expired",
    "remaining",
    "available",
)


def reconciliation(books: Books, month: datetime.date | None = None) -> Table:
    """Returns rated against invoiced usage per customer and month (one month, or all).

    `billable` is what was rated less the prepaid credit it drew; `difference`
    is invoiced less billable, blank until the month is invoiced; `unbilled`
    is what is still open at the end of the books.
    """
    subledger, _ = usage_accruals.load(books.entries, books.options)
    rows = [
        [
            row.customer,
            period.month_name(row.month),
            row.currency,
            row.rated,
            row.drawn,
            row.billable,
            row.invoiced,
            row.difference,
            row.unbilled,
            row.status,
        ]
        for row in usage_reconciliation.rows(subledger)
        if month is None or row.month == month
    ]
    when = period.month_name(month) if month is not None else "all months"
    tolerance = usage_reconciliation.shown_tolerance(subledger.policy.tolerance, 2)
    title = f"Usage rated against invoiced, {when} (tolerance {tolerance})"
    return Table(title, RECONCILIATION_COLUMNS, rows)


def differences(table: Table) -> list[str]:
    """Returns a line per usage month billed beyond the tolerance, with both figures."""
    return [
        f"{row[0]} {row[1]}: billable {row[5]} {row[2]}, invoiced {row[6]} {row[2]}, "
        f"difference {row[7]} {row[2]}"
        for row in table.rows
        if row[9] == usage_reconciliation.DIFFERENCE
    ]


def credit_grants(books: Books, as_of: datetime.date) -> Table:
    """Returns every prepaid credit grant made by `as_of`, with its balance at the day's end.

    `remaining` is the grant's balance (deferred revenue of a paid grant,
    unused promotional credit); `available` is what the customer can still
    use (zero once it has expired; with proportional breakage it exceeds
    `remaining` by the breakage recognized ahead of expiry).
    """
    subledger, _ = usage_accruals.load(books.entries, books.options)
    money = subledger.policy.precision.from_minor
    rows = []
    for each in subledger.grant_balances(as_of):
        grant = each.grant
        code = grant.currency
        rows.append(
            [
                grant.id,
                grant.customer,
                "promotional" if grant.promotional else "paid",
                code,
                grant.granted_on,
                grant.expires,
                grant.account,
                *(
                    money(units, code)
                    for units in (
                        each.granted,
                        each.drawn,
                        each.breakage,
                        each.expired,
                        each.remaining,
                        each.available,
                    )
                ),
            ]
        )
    return Table(f"Prepaid credit grants as of {as_of}", GRANT_COLUMNS, rows)
