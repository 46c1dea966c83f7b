"""The Commissions page: the contract-cost asset roll-forward of the month, the commissions
booked in it, and the roll-forward month by month."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fava.internal_api import BalancesChart, BarChart

from plugins import commission_policy
from reports import commissions, period
from reports.table import Table
from revclose_fava import charts, detail, grids
from revclose_fava.charts import Svg
from revclose_fava.context import Context, rows_of
from revclose_fava.grids import Grid


@dataclass(frozen=True)
class CommissionsPage:
    """Commissions: the contract-cost asset roll-forward, of the month and over time."""

    enabled: bool
    rollforward: Grid
    bridges: list[Svg]
    charts: list[BarChart | BalancesChart]
    months: Grid
    booked: Grid


def page(context: Context) -> CommissionsPage:
    """Returns the commissions page of the window."""
    loaded, window = context.loaded, context.window
    books = loaded.books
    if not books.uses("plugins.commissions"):
        empty = Grid("", [])
        return CommissionsPage(False, empty, [], [], empty, empty)
    policy = commission_policy.load(books.plugin_config("plugins.commissions"), books.options)[0]
    monthly = [(month, loaded.run(commissions.rollforward, month)) for month in window.months]
    keep = [
        (month, [r for r in rows_of(t) if context.account(r["account"])]) for month, t in monthly
    ]
    moves: dict[str, dict[datetime.date, dict[str, Decimal]]] = defaultdict(dict)
    closing: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    over_time: list[list[Any]] = []
    for month, rows in keep:
        for row in rows:
            currency = row["currency"]
            for account, number in (
                (row["account"], row["capitalized"]),
                (policy.amortization_account, -row["amortized"]),
                (policy.impairment_account, -row["impaired"]),
            ):
                if number:
                    moves[account].setdefault(month, {})[currency] = number
            closing[currency][month] = row["closing"]
            over_time.append([period.month_name(month), *(row[c] for c in commissions.COLUMNS)])
    month_table = loaded.run(commissions.rollforward, window.month)
    span = " to ".join(
        dict.fromkeys((context.names(window.months)[0], period.month_name(window.month)))
    )
    return CommissionsPage(
        enabled=True,
        rollforward=grids.grid(month_table, keep=lambda row: context.account(row["account"])),
        bridges=[
            charts.bridge(
                f"{row['account']} {row['currency']}",
                [
                    ("opening", row["opening"]),
                    ("capitalized", row["capitalized"]),
                    ("amortized", -row["amortized"]),
                    ("impaired", -row["impaired"]),
                    ("closing", row["closing"]),
                ],
                context.fmt(row["currency"]),
            )
            for row in keep[-1][1]
        ],
        charts=[
            charts.fava_bars(f"Capitalized, amortized and impaired, {span}", window.months, moves),
            charts.fava_lines(
                f"Contract-cost asset, closing balance, {span}", window.months, closing
            ),
        ],
        months=grids.grid(
            Table(
                f"Contract-cost asset roll-forward, {span}",
                ("month", *commissions.COLUMNS),
                over_time,
            )
        ),
        booked=grids.grid(
            loaded.run(detail.commissions_booked, window.month, window.as_of),
            kinds={"contract": grids.LINK},
        ),
    )
