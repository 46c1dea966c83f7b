"""Disaggregation of revenue (ASC 606-10-50-5): the month's revenue by category.

Three views of the same revenue, each adding up to the month's revenue per
currency: by product line (the revenue account under `Income:Revenue`), by
customer, and by entity (the `entity` of the invoice a posting comes from;
releases find it through their invoice). A posting that names no customer or
entity shows under an empty one, so nothing drops out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from plugins.currency import Precision
from reports import period
from reports.amounts import exact, under
from reports.books import Books, balances
from reports.sources import Movement, Sources, movements
from reports.table import Table

COLUMNS = ("by", "key", "name", "currency", "revenue")
PRODUCT_LINE = "product line"
CUSTOMER = "customer"
ENTITY = "entity"

_DIMENSIONS: tuple[tuple[str, Callable[[Movement], str]], ...] = (
    (PRODUCT_LINE, lambda move: move.account),
    (CUSTOMER, lambda move: move.source.customer),
    (ENTITY, lambda move: move.source.entity),
)


def revenue_root(books: Books) -> str:
    """Returns the root of the revenue accounts."""
    return books.revenue_policy().accounts.revenue


def disaggregation(books: Books, month: datetime.date) -> Table:
    """Returns the month's revenue by product line, by customer and by entity.

    Revenue is shown positive (a credit note's release reduces it). Rows come
    in the order product lines, customers, entities; each sorted by key and
    currency. `name` is a customer's name as of the month's end (`CustomerNames`).
    """
    return disaggregations(books, (month,))[month]


def disaggregations(books: Books, months: Sequence[datetime.date]) -> dict[datetime.date, Table]:
    """Returns `disaggregation` of each month, reading the books once for all of them."""
    if not months:
        return {}
    sources = Sources(books)
    wanted = under(revenue_root(books))
    last = max(period.last_day(month) for month in months)
    by_month: dict[datetime.date, list[Movement]] = defaultdict(list)
    for move in movements(books, wanted, last, sources):
        by_month[move.date.replace(day=1)].append(move)
    precision = books.revenue_policy().precision
    return {month: _table(month, by_month.get(month, []), sources, precision) for month in months}


def _table(
    month: datetime.date, moves: list[Movement], sources: Sources, precision: Precision
) -> Table:
    rows: list[list[Any]] = []
    names = sources.names.as_of(period.last_day(month))
    for dimension, key_of in _DIMENSIONS:
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for move in moves:
            totals[(key_of(move), move.currency)] -= move.number
        for (key, currency), number in sorted(totals.items()):
            name = names.get(key, "") if dimension == CUSTOMER else ""
            rows.append([dimension, key, name, currency, exact(number, currency, precision)])
    return Table(f"Revenue disaggregation, {period.month_name(month)}", COLUMNS, rows)


def general_ledger_revenue(books: Books, month: datetime.date) -> dict[str, Decimal]:
    """Returns the month's revenue per currency as the general ledger shows it (positive)."""
    wanted = under(revenue_root(books))
    before = balances(books.entries, month - datetime.timedelta(days=1), wanted)
    after = balances(books.entries, period.last_day(month), wanted)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (_, currency), number in after.items():
        totals[currency] -= number
    for (_, currency), number in before.items():
        totals[currency] += number
    return dict(totals)


def totals_by(table: Table, dimension: str) -> dict[str, Decimal]:
    """Returns the revenue of one view per currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for by, _, _, currency, number in table.rows:
        if by == dimension:
            totals[currency] += number
    return dict(totals)
