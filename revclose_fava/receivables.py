"""The Receivables page: AR aging, DSO by month, unapplied cash, customer credits, open invoices,
and the review flags standing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fava.internal_api import BalancesChart

from reports import period, review_list
from reports import receivables as report
from reports.table import Table
from revclose_fava import charts, grids
from revclose_fava.charts import Svg
from revclose_fava.context import Context, currencies_of, rows_of
from revclose_fava.grids import Grid


@dataclass(frozen=True)
class ReceivablesPage:
    """Receivables: aging, DSO, unapplied cash, customer credits, open invoices, review flags."""

    aging_charts: list[Svg]
    aging: Grid
    dso_charts: list[BalancesChart]
    dso: Grid
    unapplied: Grid
    customer_credits: Grid
    open_invoices: Grid
    review: Grid


def page(context: Context) -> ReceivablesPage:
    """Returns the receivables page of the window."""
    loaded, window = context.loaded, context.window
    aging = loaded.run(report.aging, window.as_of)
    monthly = [(month, loaded.run(report.dso, month)) for month in window.months]
    simple: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    countback: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    dso_rows: list[list[Any]] = []
    for month, table in monthly:
        for row in rows_of(table):
            series = f"{row['currency']} days"
            if row["method"] == report.DSO_UNBILLED_METHOD:
                series += ", with unbilled"
            if row["dso"] is not None:
                simple[series][month] = row["dso"]
            if row["countback_dso"] is not None:
                countback[series][month] = row["countback_dso"]
            dso_rows.append([period.month_name(month), *(row[c] for c in report.DSO_COLUMNS)])
    dso_table = Table("Days sales outstanding by month", ("month", *report.DSO_COLUMNS), dso_rows)
    days = {"dso": grids.PLAIN, "countback_dso": grids.PLAIN, "days": grids.INTEGER}
    return ReceivablesPage(
        aging_charts=_aging_charts(context, aging),
        aging=grids.grid(aging),
        dso_charts=[
            charts.fava_lines("DSO, simple (days)", window.months, simple),
            charts.fava_lines("DSO, countback (days)", window.months, countback),
        ],
        dso=grids.grid(dso_table, kinds=days),
        unapplied=grids.grid(
            loaded.run(report.unapplied_cash, window.as_of), kinds={"receipt": grids.LINK}
        ),
        customer_credits=grids.grid(loaded.run(report.customer_credits, window.as_of)),
        open_invoices=grids.grid(
            loaded.run(report.open_invoices, window.as_of),
            kinds={"invoice": grids.LINK, "links": grids.LINKS, "days_past_due": grids.INTEGER},
        ),
        review=grids.grid(
            loaded.run(review_list.review_list, window.as_of),
            kinds={"invoice": grids.LINK, "receipt": grids.LINK},
        ),
    )


AGING_COLORS = ("#59a14f", "#edc948", "#f28e2b", "#e15759", "#9c2f2f")
TOP_AGING = 12


def _aging_charts(context: Context, aging: Table) -> list[Svg]:
    """Returns, per currency, the buckets' totals, then the largest customers by bucket."""
    # The rows in the functional currency have no buckets: they are not charted.
    functional = (report.FUNCTIONAL, report.FUNCTIONAL_TOTAL)
    rows = [row for row in rows_of(aging) if row["customer"] not in functional]
    buckets = [grids.title_of(bucket) for bucket in report.BUCKETS]
    result = []
    for currency in currencies_of(rows):
        fmt = context.fmt(currency)
        total = next(r for r in rows if r["customer"] == report.TOTAL and r["currency"] == currency)
        figures = {(name, name): total[b] for name, b in zip(buckets, report.BUCKETS, strict=True)}
        title = f"AR aging as of {context.window.as_of}, {currency}: days past due"
        result.append(
            charts.stacked(title, buckets, buckets, figures, fmt, AGING_COLORS, charts.SMALL)
        )
        mine = [r for r in rows if r["currency"] == currency and r["customer"] != report.TOTAL]
        mine.sort(key=lambda row: (-row["total"], row["customer"]))
        top = mine[:TOP_AGING]
        by_customer = {
            (row["customer"], name): row[bucket]
            for row in top
            for name, bucket in zip(buckets, report.BUCKETS, strict=True)
        }
        names = {
            row["customer"]: " ".join(filter(None, (row["customer"], row["name"]))) for row in top
        }
        title = f"Largest balances in {currency} (top {TOP_AGING}), by days past due"
        groups = [row["customer"] for row in top]
        result.append(
            charts.stacked(title, groups, buckets, by_customer, fmt, AGING_COLORS, tips=names)
        )
    return result
