"""The rule: revenue follows the allocation, receivables follow the invoices.

Invoices of a contract with performance obligations are booked as any other
(plugins.deferred_revenue releases their deferred lines), so the receivable
and deferred revenue follow the invoices. At each month end, for each
contract and revenue account:

    adjustment to date = allocated revenue to date - revenue recognized by the invoices to date

and the month's change of it moves between revenue and the contract's net
position, so that the books' revenue of the contract is its allocated revenue.
The net position (what was billed less what was recognized) is presented per
contract (ASC 606-10-45-1):

    deferred = the invoices' deferred revenue balance (credit)
    contract asset = max(0, adjustment - max(0, deferred))
    contract liability adjustment = contract asset - adjustment (credit)

so a contract shows either a contract asset (allocated revenue ahead of
billing) or a contract liability (billing ahead), never both, and at every
month end

    revenue + contract liability - contract asset = billed

where contract liability is deferred revenue plus the adjustment account.
The adjustment's liability side is its own account (default
`Liabilities:ContractLiabilities`), outside deferred revenue, so the deferred
revenue subledger, its roll-forward and its tie-out keep describing the
invoices alone.

All amounts here are minor units, credit positive for revenue and
liabilities, debit positive for the contract asset.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plugins.contract_billing import ContractBilling, Event
from plugins.schedule import month_end


@dataclass(frozen=True)
class Position:
    """A contract's cumulative figures at a month end."""

    date: datetime.date
    allocated: Mapping[str, int]  # Revenue account -> allocated revenue to date.
    invoiced: Mapping[str, int]  # Revenue account -> revenue recognized by invoices to date.
    billed: int
    deferred: int  # The invoices' deferred revenue balance.

    def adjustment(self, account: str) -> int:
        """Returns allocated less invoiced revenue of one account, to date."""
        return self.allocated.get(account, 0) - self.invoiced.get(account, 0)

    @property
    def total_adjustment(self) -> int:
        """Returns allocated less invoiced revenue, to date."""
        return sum(self.allocated.values()) - sum(self.invoiced.values())

    @property
    def revenue(self) -> int:
        """Revenue of the contract to date in the books: its allocated revenue."""
        return sum(self.allocated.values())

    @property
    def contract_asset(self) -> int:
        """The contract asset: allocated revenue ahead of billing."""
        return max(0, self.total_adjustment - max(0, self.deferred))

    @property
    def liability_adjustment(self) -> int:
        """The adjustment account's credit balance."""
        return self.contract_asset - self.total_adjustment

    @property
    def contract_liability(self) -> int:
        """Deferred revenue and its adjustment: billing ahead of allocated revenue."""
        return self.deferred + self.liability_adjustment


def _cumulate(events: Iterable[Event], first: datetime.date) -> dict[datetime.date, int]:
    """Returns each event's month end (none before `first`) with its month's total."""
    totals: dict[datetime.date, int] = defaultdict(int)
    for date, units in events:
        totals[max(month_end(date), first)] += units
    return totals


def positions(
    start: datetime.date,
    allocated: Mapping[str, Sequence[Event]],
    billing: ContractBilling,
) -> list[Position]:
    """Returns the contract's position at every month end where a figure changes.

    Args:
      start: The contract's date; earlier events count in its month (rule 4).
      allocated: Revenue account -> allocated revenue pieces.
      billing: The contract's invoices.
    """
    first = month_end(start)
    series: dict[tuple[str, str], dict[datetime.date, int]] = {}
    for account, pieces in allocated.items():
        series[("allocated", account)] = _cumulate(pieces, first)
    for account, events in billing.recognized.items():
        series[("invoiced", account)] = _cumulate(events, first)
    series[("billed", "")] = _cumulate(billing.billed, first)
    series[("deferred", "")] = _cumulate(billing.deferred, first)
    dates = sorted({date for months in series.values() for date in months})
    running: dict[tuple[str, str], int] = defaultdict(int)
    found = []
    for date in dates:
        for key, months in series.items():
            running[key] += months.get(date, 0)
        found.append(
            Position(
                date,
                {acc: running[(kind, acc)] for kind, acc in series if kind == "allocated"},
                {acc: running[(kind, acc)] for kind, acc in series if kind == "invoiced"},
                running[("billed", "")],
                running[("deferred", "")],
            )
        )
    return found


@dataclass(frozen=True)
class Movement:
    """The month's change: revenue by account (credit positive), asset and liability."""

    date: datetime.date
    revenue: Mapping[str, int]
    contract_asset: int  # Debit positive.
    liability_adjustment: int  # Credit positive.


def movements(found: Sequence[Position]) -> list[Movement]:
    """Returns each month's adjustment entry: the change of the adjustment since the last."""
    result = []
    before: Position | None = None
    for position in found:
        accounts = set(position.allocated) | set(position.invoiced)
        if before is not None:
            accounts |= set(before.allocated) | set(before.invoiced)
        revenue = {
            account: position.adjustment(account) - (before.adjustment(account) if before else 0)
            for account in sorted(accounts)
        }
        asset = position.contract_asset - (before.contract_asset if before else 0)
        liability = position.liability_adjustment - (before.liability_adjustment if before else 0)
        revenue = {account: units for account, units in revenue.items() if units}
        if revenue or asset or liability:
            result.append(Movement(position.date, revenue, asset, liability))
        before = position
    return result
