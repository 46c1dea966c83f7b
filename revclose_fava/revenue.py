"""The Revenue page: by product line and by customer over time, the deferred revenue
roll-forward of the month, and the revenue waterfall as of the date.

Customers are named as of the window's as-of date (`window`), on every row
of the grid and chart alike, as the receivables page names them.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fava.internal_api import BarChart

from reports import deferred_revenue, disaggregation, period, sources
from revclose_fava import charts, grids
from revclose_fava.charts import Svg
from revclose_fava.context import Context, currencies_of, rows_of
from revclose_fava.grids import Grid

_MONTH = re.compile(r"^\d{4}-\d{2}$")
TOP_CUSTOMERS = 8


@dataclass(frozen=True)
class RevenuePage:
    """Revenue: by product line and by customer over time, the roll-forward, the waterfall."""

    product_chart: list[BarChart]
    product_lines: Grid
    customer_charts: list[Svg]
    customers: Grid
    rollforward: Grid
    bridges: list[Svg]
    waterfall_charts: list[Svg]
    waterfall: Grid


def page(context: Context) -> RevenuePage:
    """Returns the revenue page of the window."""
    loaded, window = context.loaded, context.window
    months = window.months
    names = context.names(months)
    # One pass over the books for every month shown, not one per month.
    tables = loaded.run(disaggregation.disaggregations, tuple(months))
    monthly = [(name, tables[month]) for name, month in zip(names, months, strict=True)]
    lines = grids.pivot(
        monthly,
        lambda row: (
            (row["key"], row["currency"])
            if row["by"] == disaggregation.PRODUCT_LINE and context.account(row["key"])
            else None
        ),
        "revenue",
    )
    by_customer = grids.pivot(
        monthly,
        lambda row: (row["key"], row["currency"]) if row["by"] == disaggregation.CUSTOMER else None,
        "revenue",
    )
    # Every customer of the page is named as of the window's date, the date of
    # the receivables page, not each as of the last month it had revenue.
    customer_names = loaded.run(sources.customer_names, window.as_of)
    stacks: dict[str, dict[datetime.date, dict[str, Decimal]]] = defaultdict(dict)
    for (account, currency), figures in lines.items():
        for name, month in zip(names, months, strict=True):
            if name in figures:
                stacks[account].setdefault(month, {})[currency] = figures[name]
    span = f"{names[0]} to {names[-1]}"
    roll = loaded.run(deferred_revenue.rollforward, window.month)
    kept = [
        (f"{row['account']} {row['currency']}", bridge_steps(row), row["currency"])
        for row in rows_of(roll)
        if context.account(row["account"])
    ]
    return RevenuePage(
        product_chart=[charts.fava_bars(f"Revenue by product line, {span}", months, stacks)],
        product_lines=grids.pivot_grid(
            f"Revenue by product line, {span}", "product line", lines, names, kind=grids.ACCOUNT
        ),
        customer_charts=_customer_charts(context, by_customer, customer_names, names),
        customers=grids.pivot_grid(
            f"Revenue by customer, {span}", "customer", by_customer, names, customer_names
        ),
        rollforward=grids.grid(roll, keep=lambda row: context.account(row["account"])),
        bridges=[
            charts.bridge(title, steps, context.fmt(currency))
            for title, steps, currency in kept
            if any(value for _, value in steps[:-1])
        ],
        **_waterfall(context),
    )


def bridge_steps(row: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """Returns a roll-forward row as a bridge: opening, each movement (signed), closing.

    Prepaid credit drawn by usage and breakage are steps of their own when the
    roll-forward has them (plugins.usage_revenue).
    """
    steps = [
        ("opening", row["opening"]),
        ("billed", row["billed"]),
        ("credits", row["credit_notes"]),
        ("recognized", -row["recognized"]),
    ]
    steps += [
        (grids.title_of(name), -row[name])
        for name in deferred_revenue.CREDIT_COLUMNS
        if name in row
    ]
    return [*steps, ("closing", row["closing"])]


def _customer_charts(
    context: Context,
    by_customer: Mapping[tuple[str, str], Mapping[str, Decimal]],
    customer_names: Mapping[str, str],
    months: Sequence[str],
) -> list[Svg]:
    """Returns, per currency, the largest customers' revenue by month, the rest as one."""
    result = []
    for currency in sorted({currency for _, currency in by_customer}):
        mine = {key: figures for key, figures in by_customer.items() if key[1] == currency}
        ranked = sorted(mine, key=lambda key: (-sum(mine[key].values(), Decimal(0)), key[0]))
        top = ranked[:TOP_CUSTOMERS]
        label = {
            key: " ".join(filter(None, (key[0], customer_names.get(key[0], "")))) for key in top
        }
        series = [label[key] or "(no customer)" for key in top]
        figures: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for key, by_month in mine.items():
            name = label.get(key) or ("(no customer)" if key in label else charts.OTHERS)
            for month, number in by_month.items():
                figures[(month, name)] += number
        if len(ranked) > len(top):
            series.append(charts.OTHERS)
        title = f"Revenue by customer in {currency}: the top {TOP_CUSTOMERS} and the others"
        result.append(charts.stacked(title, months, series, figures, context.fmt(currency)))
    return result


def _waterfall(context: Context) -> dict[str, Any]:
    """Returns the waterfall as of the window's date, its table and a chart per currency.

    The charts show the months recognized from the window's first month to
    twelve months after the as-of month, each bar stacked by booked month.
    """
    window = context.window
    table = context.loaded.run(deferred_revenue.waterfall, window.as_of)
    first = context.names(window.months)[0]
    last = period.month_name(period.last_day(window.month) + datetime.timedelta(days=365))
    shown = [name for name in table.columns if _MONTH.match(name) and first <= name <= last]
    result = []
    rows = rows_of(table)
    for currency in currencies_of(rows):
        booked = [row for row in rows if row["currency"] == currency]
        cohorts = [str(row["booked_month"]) for row in booked]
        figures = {
            (month, str(row["booked_month"])): row[month]
            for row in booked
            for month in shown
            if row[month]
        }
        title = f"Revenue waterfall as of {window.as_of}, {currency}: recognized by booked month"
        result.append(
            charts.stacked(
                title, shown, cohorts, figures, context.fmt(currency), charts.shades(len(cohorts))
            )
        )
    return {"waterfall_charts": result, "waterfall": grids.grid(table)}
