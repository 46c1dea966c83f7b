"""Contract balances (ASC 606-10-50-8): receivables, contract assets and liabilities.

Opening (the previous month end) and closing balances, from the general ledger:

- receivables: the receivable account (`Assets:AccountsReceivable`) and its
  sub-accounts;
- contract assets: the unbilled receivable (`Assets:UnbilledReceivables`) and
  its sub-accounts, and any asset account with a `ContractAssets` component;
- contract liabilities: deferred revenue (`Liabilities:DeferredRevenue` and its
  sub-accounts), shown as positive amounts.

For contract liabilities, `revenue_from_opening` is the revenue recognized in
the month that was in the opening balance: the month's releases of the lines
booked before the month, from the deferred revenue subledger.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from reports import period
from reports.amounts import exact, under
from reports.books import Books, balances
from reports.deferred_revenue import subledger
from reports.table import Table

COLUMNS = ("balance", "account", "currency", "opening", "closing", "change", "revenue_from_opening")
RECEIVABLES = "receivables"
CONTRACT_ASSETS = "contract assets"
CONTRACT_LIABILITIES = "contract liabilities"
CONTRACT_ASSET_COMPONENT = "ContractAssets"
TOTAL = "Total"


def _kinds(books: Books) -> list[tuple[str, Callable[[str], bool], int]]:
    """Returns each kind of balance, the accounts it covers and the sign it is shown in."""
    roles = books.revenue_policy().accounts
    assets = str(books.options.get("name_assets", "Assets"))
    unbilled = under(roles.unbilled)

    def is_contract_asset(name: str) -> bool:
        named = under(assets)(name) and CONTRACT_ASSET_COMPONENT in name.split(":")
        return unbilled(name) or named

    return [
        (RECEIVABLES, under(roles.receivable), 1),
        (CONTRACT_ASSETS, is_contract_asset, 1),
        (CONTRACT_LIABILITIES, under(roles.deferred_revenue), -1),
    ]


def revenue_from_opening(books: Books, month: datetime.date) -> dict[tuple[str, str], int]:
    """Returns the month's releases of lines booked before it, by deferred account (minor units)."""
    ledger = subledger(books)
    first, last = month, period.last_day(month)
    released: dict[tuple[str, str], int] = defaultdict(int)
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        if line.booked >= first:
            continue
        for date, units in pieces:
            if first <= date <= last:
                released[(line.deferred_account, line.currency)] -= units
    return dict(released)


def contract_balances(books: Books, month: datetime.date) -> Table:
    """Returns the opening and closing contract balances of the month, by account.

    Rows come by kind (receivables, contract assets, contract liabilities),
    each sorted by account and currency; a kind with more than one account in
    a currency gets a `Total` row for it after its accounts.
    """
    precision = books.revenue_policy().precision
    released = revenue_from_opening(books, month)
    rows: list[list[Any]] = []
    for kind, wanted, sign in _kinds(books):
        opening = balances(books.entries, month - datetime.timedelta(days=1), wanted)
        closing = balances(books.entries, period.last_day(month), wanted)
        found = []
        for key in sorted(set(opening) | set(closing)):
            account, currency = key
            start, end = (
                exact(sign * figures.get(key, Decimal(0)), currency, precision)
                for figures in (opening, closing)
            )
            recognized = None
            if kind == CONTRACT_LIABILITIES:
                recognized = precision.from_minor(released.get(key, 0), currency)
            if start or end or recognized:
                found.append([kind, account, currency, start, end, end - start, recognized])
        rows += found + _totals(found)
    return Table(f"Contract balances, {period.month_name(month)}", COLUMNS, rows)


def _totals(rows: list[list[Any]]) -> list[list[Any]]:
    """Returns a total row per currency that has more than one account among `rows`."""
    totals = []
    for currency in sorted({row[2] for row in rows}):
        mine = [row for row in rows if row[2] == currency]
        if len(mine) < 2:
            continue
        figures = [sum(row[index] for row in mine) for index in (3, 4, 5)]
        has_revenue = mine[0][6] is not None
        revenue = sum(row[6] for row in mine) if has_revenue else None
        totals.append([mine[0][0], TOTAL, currency, *figures, revenue])
    return totals
