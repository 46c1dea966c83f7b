"""The commissions booked in a month, as the commissions plugin reads them.

A listing, not a new figure: each row is one commission line of the plugin's
subledger (`plugins.commission_lines`), with what the plugin capitalizes of
it and its period of benefit, and the customer that `reports.sources`
attributes it to. It belongs beside the roll-forward in
`reports/commissions.py` when the command line wants it too.
"""

from __future__ import annotations

import datetime
from typing import Any

from plugins import commission_lines, commission_policy
from reports import period
from reports.books import Books
from reports.sources import Sources
from reports.table import Table

COLUMNS = (
    "date",
    "contract",
    "customer",
    "name",
    "payee",
    "currency",
    "commission",
    "capitalized",
    "benefit_start",
    "benefit_end",
    "treatment",
)


def commissions_booked(books: Books, month: datetime.date, as_of: datetime.date) -> Table:
    """Returns the commissions (and clawbacks) booked in a month, in date and contract order.

    Customers are named as of `as_of` (`reports.sources.CustomerNames`): the
    page's date, so this listing names them as the page's other reports do.
    """
    policy = commission_policy.load(books.plugin_config("plugins.commissions"), books.options)[0]
    lines = commission_lines.read(books.typed_entries(), policy)[0]
    sources = Sources(books)
    first, last = month, period.last_day(month)
    names = sources.names.as_of(as_of)
    rows: list[list[Any]] = []
    for line in sorted(lines, key=lambda line: (line.booked, line.contract, line.position)):
        if not first <= line.booked <= last:
            continue
        source = sources.of(line.entry, line.entry.postings[line.position - 1])
        plan = commission_lines.schedule_of(line, policy)
        number = policy.precision.from_minor
        treatment = "expensed" if line.expensed else "capitalized"
        if line.terminated is not None:
            treatment += f", terminated {line.terminated}"
        rows.append(
            [line.booked, line.contract, source.customer, names.get(source.customer, ""),
             line.entry.payee or "", line.currency, number(line.amount, line.currency),
             number(plan.capitalized, line.currency), line.start, line.end, treatment]
        )  # fmt: skip
    return Table(f"Commissions booked in {period.month_name(month)}", COLUMNS, rows)
