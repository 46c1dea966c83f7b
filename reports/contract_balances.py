"""Contract balances (ASC 606-10-50-8): receivables, contract assets and liabilities.

Opening (the previous month end) and closing balances, from the general ledger:

- receivables: the receivable account (`Assets:AccountsReceivable`) and its
  sub-accounts;
- contract assets: the unbilled receivable (`Assets:UnbilledReceivables`) and
  its sub-accounts, and any asset account with a `ContractAssets` component;
- contract liabilities: deferred revenue (`Liabilities:DeferredRevenue` and its
  sub-accounts), and any liability account with a `ContractLiabilities`
  component (plugins.ssp_allocation's adjustment), shown as positive amounts.

For contract liabilities, `revenue_from_opening` is the revenue recognized in
the month that was in the opening balance. For deferred revenue it is the
month's releases of the lines booked before the month, from the deferred
revenue subledger, and, for prepaid credit (plugins.usage_revenue), the
month's draws and breakage of paid grants made before the month. A contract
allocated by plugins.ssp_allocation recognizes its allocated revenue instead,
so its figure is taken per contract:

    from opening = the month's releases of its lines booked before the month
                   + the month's change of its allocation adjustment
                     (allocated less invoiced revenue),
                   no less than zero and no more than its opening contract
                   liability (deferred revenue plus adjustment)

that is, the invoices' view of what came out of the opening balance,
corrected to the allocation and bounded by the balance the contract opened
with (a contract that opened as a contract asset had no liability to draw).
The adjustment account's row carries the correction (the figure less the
releases already on the deferred rows), so the total is the contracts' figure.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from plugins import usage_accruals
from plugins.contract_assets import Position
from plugins.deferred_lines import DeferredLine
from reports import contracts, period
from reports.amounts import exact, under
from reports.books import Books, balances
from reports.deferred_revenue import Subledger, subledger
from reports.table import Table

COLUMNS = ("balance", "account", "currency", "opening", "closing", "change", "revenue_from_opening")
RECEIVABLES = "receivables"
CONTRACT_ASSETS = "contract assets"
CONTRACT_LIABILITIES = "contract liabilities"
CONTRACT_ASSET_COMPONENT = "ContractAssets"
CONTRACT_LIABILITY_COMPONENT = "ContractLiabilities"
TOTAL = "Total"


def _kinds(books: Books) -> list[tuple[str, Callable[[str], bool], int]]:
    """Returns each kind of balance, the accounts it covers and the sign it is shown in."""
    roles = books.revenue_policy().accounts
    assets = str(books.options.get("name_assets", "Assets"))
    unbilled = under(roles.unbilled)

    def is_contract_asset(name: str) -> bool:
        named = under(assets)(name) and CONTRACT_ASSET_COMPONENT in name.split(":")
        return unbilled(name) or named

    liabilities = str(books.options.get("name_liabilities", "Liabilities"))
    deferred = under(roles.deferred_revenue)

    def is_contract_liability(name: str) -> bool:
        named = under(liabilities)(name) and CONTRACT_LIABILITY_COMPONENT in name.split(":")
        return deferred(name) or named

    return [
        (RECEIVABLES, under(roles.receivable), 1),
        (CONTRACT_ASSETS, is_contract_asset, 1),
        (CONTRACT_LIABILITIES, is_contract_liability, -1),
    ]


def _opening_releases(
    ledger: Subledger, month: datetime.date
) -> Iterator[tuple[DeferredLine, int]]:
    """Yields each line booked before the month with what it releases in the month (credit)."""
    first, last = month, period.last_day(month)
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        if line.booked < first:
            yield line, -sum(units for date, units in pieces if first <= date <= last)


def revenue_from_opening(books: Books, month: datetime.date) -> dict[tuple[str, str], int]:
    """Returns the revenue recognized in the month out of the opening contract liability.

    By contract liability account and currency, in minor units: the deferred
    accounts' releases of lines booked before the month, and the allocation
    adjustment account's correction for allocated contracts
    (`allocation_correction`), and the month's use of prepaid credit bought
    before it (`prepaid_credit_used`).
    """
    ledger = subledger(books)
    released: dict[tuple[str, str], int] = defaultdict(int)
    for line, units in _opening_releases(ledger, month):
        released[(line.deferred_account, line.currency)] += units
    for key, units in prepaid_credit_used(books, month).items():
        released[key] += units
    for key, units in allocation_correction(books, ledger, month).items():
        released[key] += units
    return dict(released)


def prepaid_credit_used(books: Books, month: datetime.date) -> dict[tuple[str, str], int]:
    """Returns the month's draws and breakage of paid credit granted before it (minor units).

    Usage drawn from a credit pack bought before the month is revenue out of
    the opening liability, as a release is (none without plugins.usage_revenue).
    """
    if not books.uses(usage_accruals.PLUGIN):
        return {}
    usage, _ = usage_accruals.load(books.entries, books.options)
    first, last = month, period.last_day(month)
    used: dict[tuple[str, str], int] = defaultdict(int)
    for move in usage.used_credit():
        grant = move.grant
        if grant.granted_on < first and first <= move.date <= last:
            used[(grant.account, grant.currency)] += move.units
    return dict(used)


def _position_at(positions: list[Position], day: datetime.date) -> Position | None:
    """Returns a contract's position at the end of `day`: the last one dated on or before it."""
    known = [position for position in positions if position.date <= day]
    return known[-1] if known else None


def allocation_correction(
    books: Books, ledger: Subledger, month: datetime.date
) -> dict[tuple[str, str], int]:
    """Returns the adjustment account's revenue out of the opening liability (minor units).

    Per allocated contract open before the month: its revenue out of the
    opening contract liability (the releases of its lines booked before the
    month plus the month's change of its adjustment, between zero and its
    opening contract liability) less those releases, which the deferred
    accounts' rows already show.
    """
    worked = contracts.allocated(books)
    if not worked:
        return {}
    account = contracts.allocation_policy_of(books).contract_liability_account
    owners = contracts.contract_of_entry(books)
    by_contract: dict[str, int] = defaultdict(int)
    for line, units in _opening_releases(ledger, month):
        owner = owners.get(id(line.entry))
        if owner is not None:
            by_contract[owner] += units
    found: dict[tuple[str, str], int] = defaultdict(int)
    for contract in worked:
        before = _position_at(contract.positions, month - datetime.timedelta(days=1))
        after = _position_at(contract.positions, period.last_day(month))
        if before is None or after is None:
            continue
        released = by_contract.get(contract.terms.id, 0)
        change = after.total_adjustment - before.total_adjustment
        drawn = min(max(0, released + change), max(0, before.contract_liability))
        found[(account, contract.terms.currency)] += drawn - released
    return dict(found)


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
