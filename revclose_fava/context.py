"""What a page is computed from, and the helpers every page uses.

Every figure on a page comes from a function of `reports/` called on the
books Fava loaded, with the page's window (`revclose_fava.window`): the same
call the command line or the close package makes for that date or month.
The page modules (`revenue`, `receivables`, `commissions`, `close`) only
choose which reports to call and arrange their tables into grids and charts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reports import period
from reports.table import Table
from revclose_fava import charts
from revclose_fava.loaded import Loaded
from revclose_fava.window import Window

FormatDecimal = Callable[[Decimal, str | None], str]


@dataclass(frozen=True)
class Context:
    """What a page is computed from: the books, the window, the account filter, Fava's format."""

    loaded: Loaded
    window: Window
    account: Callable[[str], bool]
    format_decimal: FormatDecimal

    def fmt(self, currency: str) -> charts.Format:
        """Returns Fava's number format of a currency, for chart labels."""
        return lambda number: self.format_decimal(number, currency)

    def names(self, months: Sequence[datetime.date]) -> list[str]:
        """Returns months as 'YYYY-MM'."""
        return [period.month_name(month) for month in months]


def rows_of(table: Table) -> list[dict[str, Any]]:
    """Returns a table's rows as mappings of column to value."""
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def currencies_of(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Returns the currencies of some rows, sorted."""
    return sorted({str(row["currency"]) for row in rows})
