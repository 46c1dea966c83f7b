"""revclose's pages in Fava: Revenue, Receivables, Commissions and Close.

Declare the extension in the ledger (the module is installed with the project):

    2024-11-01 custom "fava-extension" "revclose_fava"

Each page is one extension class (Fava gives each extension one report page);
its template is `templates/<class name>.html`. The figures come from the
report functions of `reports/`, called on the books Fava loaded, for the
window that Fava's time filter gives (`revclose_fava.window`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from fava.core import FavaLedger
from fava.core.filters import TimeFilter
from fava.ext import FavaExtensionBase
from flask import request

from revclose_fava import close, commissions, grids, receivables, revenue
from revclose_fava import loaded as loaded_module
from revclose_fava import window as window_module
from revclose_fava.context import Context
from revclose_fava.window import Window

P = TypeVar("P")


@dataclass(frozen=True)
class View(Generic[P]):
    """A page's content, the window it shows and the filters it honours or ignores."""

    page: P
    window: Window
    account: str
    ignored: list[str]
    errors: int


def _view(ledger: FavaLedger, build: Callable[[Context], P], uses_account: bool) -> View[P] | None:
    """Returns a page computed for the current request's filters; None for books without entries."""
    loaded = loaded_module.loaded(ledger)
    if loaded.span is None:
        return None
    begin, end = _time_filter(ledger, request.args.get("time", ""))
    window = window_module.window(loaded.span, begin, end)
    account = request.args.get("account", "") if uses_account else ""
    ignored = [
        name
        for name, value in (
            ("account", request.args.get("account", "") if not uses_account else ""),
            ("filter", request.args.get("filter", "")),
        )
        if value.strip()
    ]
    context = Context(loaded, window, grids.account_filter(account), ledger.format_decimal)
    key = ("page", build.__module__, build.__qualname__, window, account)
    page = loaded.remember(key, lambda: build(context))
    return View(page, window, account, ignored, len(loaded.books.errors))


def _time_filter(ledger: FavaLedger, value: str) -> tuple[date | None, date | None]:
    """Returns Fava's time filter as [begin, end), parsed as Fava parses it; Nones for none.

    Raises:
      TimeFilterParseError: for a filter Fava cannot read (Fava shows the error).
    """
    if not value.strip():
        return None, None
    date_range = TimeFilter(ledger.options, ledger.fava_options, value).date_range
    return date_range.begin, date_range.end


class RevcloseRevenue(FavaExtensionBase):
    """Revenue: waterfall, deferred revenue roll-forward, revenue by product line and customer."""

    report_title = "Revenue"

    def view(self) -> View[revenue.RevenuePage] | None:
        """Returns the page for the current request."""
        return _view(self.ledger, revenue.page, uses_account=True)


class RevcloseReceivables(FavaExtensionBase):
    """Receivables: aging, DSO trend, unapplied cash, customer credits and open invoices."""

    report_title = "Receivables"

    def view(self) -> View[receivables.ReceivablesPage] | None:
        """Returns the page for the current request."""
        return _view(self.ledger, receivables.page, uses_account=False)


class RevcloseCommissions(FavaExtensionBase):
    """Commissions: the contract-cost asset roll-forward."""

    report_title = "Commissions"

    def view(self) -> View[commissions.CommissionsPage] | None:
        """Returns the page for the current request."""
        return _view(self.ledger, commissions.page, uses_account=True)


class RevcloseClose(FavaExtensionBase):
    """Close: each month's controls and flagged fluxes."""

    report_title = "Close"

    def view(self) -> View[close.ClosePage] | None:
        """Returns the page for the current request."""
        return _view(self.ledger, close.page, uses_account=True)
