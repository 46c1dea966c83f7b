"""Report tables as the pages show them: typed cells the templates format the Fava way.

A `Grid` keeps each figure as the report computed it (a Decimal with its
currency); the templates format it with Fava's own `format_currency` filter,
so a page shows numbers exactly as Fava's other pages do (precision per
currency, locale, incognito mode). Nothing here computes a report's figure:
grids select, order and label the rows and columns of a report's table (a
pivot's `total` column is the sum of the months it shows).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from beancount.core import account as account_names
from fava.core.filters import Match

from reports.table import Table

# What a cell is, so the template knows how to show it.
TEXT = "text"
NUMBER = "number"  # a Decimal in the row's currency, formatted as Fava formats amounts
PLAIN = "plain"  # a Decimal that is not money (days, percentages), shown as computed
INTEGER = "integer"
DATE = "date"
ACCOUNT = "account"  # links to Fava's account page
LINK = "link"  # an invoice or receipt id: links to Fava's journal filtered by its link
LINKS = "links"  # '^A ^B': each links to the journal
EMPTY = "empty"

# Links Fava's filter syntax accepts (`^` then these characters).
_LINK_TEXT = re.compile(r"^[A-Za-z0-9\-_/.]+$")
TOTAL = "Total"

_TITLES = {
    "gl_closing": "GL closing",
    "gl_balance": "GL balance",
    "dso": "DSO",
    "countback_dso": "Countback DSO",
    "over_90": "over 90",
    "non_current": "non-current",
    "booked_month": "booked",
}


@dataclass(frozen=True)
class Cell:
    """One shown value: what it is, and the currency of a number."""

    value: Any
    kind: str
    currency: str = ""

    @property
    def links(self) -> list[tuple[str, bool]]:
        """Returns the ids a LINKS cell names (without their caret), and whether each links."""
        ids = [word.removeprefix("^") for word in str(self.value or "").split()]
        return [(text, linkable(text)) for text in ids]


@dataclass(frozen=True)
class Column:
    """A column: its report name, its heading, and whether it holds numbers."""

    name: str
    title: str
    numeric: bool


@dataclass(frozen=True)
class Row:
    """A row of cells; `css` marks totals and breaks."""

    cells: list[Cell]
    css: str = ""


@dataclass(frozen=True)
class Grid:
    """A titled table of cells."""

    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Tells whether the grid has no row."""
        return not self.rows


def title_of(name: str) -> str:
    """Returns a column's heading: `credit_notes` is 'credit notes'."""
    return _TITLES.get(name, name.replace("_", " "))


def linkable(text: str) -> bool:
    """Tells whether Fava's filter accepts `^text` as a link."""
    return bool(_LINK_TEXT.match(text))


def _kind(value: Any, name: str, kinds: Mapping[str, str]) -> str:
    if value is None or value == "":
        return EMPTY
    if name in kinds:
        kind = kinds[name]
        # A total row names no receipt or invoice: it links to nothing.
        return TEXT if kind == LINK and (value == TOTAL or not linkable(str(value))) else kind
    if isinstance(value, bool):
        return TEXT
    if isinstance(value, Decimal):
        return NUMBER
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, datetime.date):
        return DATE
    return TEXT


def grid(
    table: Table,
    columns: Sequence[str] | None = None,
    kinds: Mapping[str, str] | None = None,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
    title: str | None = None,
) -> Grid:
    """Returns a report table as a grid.

    Args:
      table: The report's table.
      columns: The columns to show, in order (default: all).
      kinds: Cell kinds by column name, where the value's type does not say
        (an account, an invoice id, days); numbers take the row's `currency`.
      keep: Which rows to show, given a row as a mapping of column to value.
      title: The grid's title (default: the table's).
    """
    names = list(columns or table.columns)
    kinds = {"account": ACCOUNT, **(kinds or {})}
    shown: list[Row] = []
    for values in table.rows:
        row = dict(zip(table.columns, values, strict=True))
        if keep is not None and not keep(row):
            continue
        currency = str(row.get("currency") or "")
        cells = [Cell(row[name], _kind(row[name], name, kinds), currency) for name in names]
        shown.append(Row(cells, _css(row)))
    heads = [Column(name, title_of(name), _numeric(table, name, kinds)) for name in names]
    return Grid(title or table.title, heads, shown)


def _numeric(table: Table, name: str, kinds: Mapping[str, str]) -> bool:
    if kinds.get(name) in (NUMBER, PLAIN, INTEGER):
        return True
    return any(isinstance(value, Decimal | int) for value in table.column(name))


def _css(row: Mapping[str, Any]) -> str:
    classes = []
    if any(value == TOTAL for value in row.values()):
        classes.append("total")
    if row.get("difference"):
        classes.append("break")
    return " ".join(classes)


def account_filter(value: str) -> Callable[[str], bool]:
    """Returns Fava's account filter as a test of an account name.

    An account passes when the filter is empty, names one of its components
    (`Subscriptions` passes `Income:Revenue:Subscriptions`), or is a regular
    expression that matches it, as Fava's `AccountFilter` decides for entries.
    """
    if not value:
        return lambda _: True
    match = Match(value)
    return lambda name: account_names.has_component(name, value) or match(name)


def pivot(
    tables: Iterable[tuple[str, Table]],
    key: Callable[[Mapping[str, Any]], tuple[str, str] | None],
    value: str,
) -> dict[tuple[str, str], dict[str, Decimal]]:
    """Returns one figure of several tables by row key and table name, e.g. by month.

    `key` maps a row to its (name, currency), or None to leave it out.
    """
    found: dict[tuple[str, str], dict[str, Decimal]] = {}
    for name, table in tables:
        for values in table.rows:
            row = dict(zip(table.columns, values, strict=True))
            row_key = key(row)
            if row_key is not None:
                found.setdefault(row_key, {})[name] = row[value]
    return found


def pivot_grid(
    title: str,
    label: str,
    found: Mapping[tuple[str, str], Mapping[str, Decimal]],
    months: Sequence[str],
    names: Mapping[str, str] | None = None,
    kind: str = TEXT,
) -> Grid:
    """Returns pivoted figures as a grid: one row per key and currency, one column per month.

    Rows come largest first by their figures over the months (the window's
    total is shown in the last column), then by key.
    """
    columns = [Column(label, label, False)]
    if names is not None:
        columns.append(Column("name", "name", False))
    columns += [Column("currency", "currency", False)]
    columns += [Column(month, month, True) for month in months]
    columns.append(Column("total", "total", True))

    def total(item: tuple[tuple[str, str], Mapping[str, Decimal]]) -> Decimal:
        return sum(item[1].values(), Decimal(0))

    ordered = sorted(found.items(), key=lambda item: (item[0][1], -total(item), item[0][0]))
    rows = []
    for (name, currency), figures in ordered:
        cells = [Cell(name, kind if name else EMPTY, currency)]
        if names is not None:
            cells.append(Cell(names.get(name, ""), TEXT if names.get(name) else EMPTY))
        cells.append(Cell(currency, TEXT))
        cells += [
            Cell(figures[month], NUMBER, currency) if month in figures else Cell(None, EMPTY)
            for month in months
        ]
        cells.append(Cell(total(((name, currency), figures)), NUMBER, currency))
        rows.append(Row(cells))
    return Grid(title, columns, rows)
