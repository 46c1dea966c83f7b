"""Allocated contracts as the reports see them: the plugin's own analysis, as of a date.

The reports read contracts through `plugins.ssp_allocation.analyse` with the
policy on the ledger's plugin line, so a report's figures are the plugin's.
As of a month end, a contract is what its directives dated by then say:
modifications dated later are left out (they change later months only).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import replace

from beancount.core import data

from plugins import allocation_policy, performance, ssp_allocation
from plugins.allocation_policy import AllocationPolicy
from plugins.contract_billing import contract_of
from plugins.obligations import USAGE, ContractTerms, Obligation
from plugins.schedule import Piece, add_months, month_end
from plugins.ssp_allocation import ContractRevenue
from reports.books import Books

PLUGIN = "plugins.ssp_allocation"


def allocation_policy_of(books: Books) -> AllocationPolicy:
    """Returns the allocation policy the plugin used (defaults without the plugin line)."""
    chosen, _ = allocation_policy.load(books.plugin_config(PLUGIN), books.options)
    return chosen


def allocated(books: Books) -> list[ContractRevenue]:
    """Returns the books' allocated contracts, worked through (none without the plugin)."""
    if not books.uses(PLUGIN):
        return []
    worked, _ = ssp_allocation.analyse(books.typed_entries(), allocation_policy_of(books))
    return worked


def as_of(terms: ContractTerms, last: datetime.date) -> ContractTerms:
    """Returns a contract's terms with only the directives dated on or before `last`."""
    return replace(
        terms,
        obligations=tuple(ob for ob in terms.obligations if ob.booked <= last),
        modifications=tuple(change for change in terms.modifications if change.date <= last),
    )


def pieces_as_of(
    contract: ContractRevenue, last: datetime.date, policy: AllocationPolicy
) -> dict[str, list[Piece]]:
    """Returns each obligation's revenue schedule as the contract stood at `last`."""
    terms = as_of(contract.terms, last)
    found: dict[str, list[Piece]] = {}
    try:
        states = performance.schedules(terms, policy.revenue.basis)
    except ValueError:
        states = {}
    for ob in terms.all_obligations():
        if ob.id in states:
            found[ob.id] = list(states[ob.id].pieces)
        elif ob.pattern == USAGE:
            found[ob.id] = contract.usage.get(ob.id, [])
    return found


def remaining(
    books: Books, month: datetime.date
) -> tuple[dict[tuple[str, str], list[int]], set[str]]:
    """Returns allocated contracts' remaining obligations after a month end, and their ids.

    By (revenue account, currency): [within 12 months, after] in minor units.
    A fixed-price obligation remains by its schedule after the month end; a
    usage obligation's minimum commitment remains for what the period's usage
    has not yet reached, due at the end of its period. Usage beyond a minimum
    is variable consideration and is not included (ASC 606-10-50-14A).
    """
    last = month_end(month)
    horizon = month_end(add_months(last.replace(day=1), 12))
    policy = allocation_policy_of(books)
    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    ids = set()
    for contract in allocated(books):
        terms = contract.terms
        if terms.contract.entry.date > last:
            continue
        ids.add(terms.id)
        schedules = pieces_as_of(contract, last, policy)
        for ob in as_of(terms, last).all_obligations():
            row = rows[(ob.revenue_account, terms.currency)]
            future = schedules.get(ob.id, [])
            if ob.pattern == USAGE:
                future = _minimum_left(ob, future, last)
            for date, units in future:
                if last < date <= horizon:
                    row[0] += units
                elif date > horizon:
                    row[1] += units
    return dict(rows), ids


def _minimum_left(ob: Obligation, pieces: list[Piece], last: datetime.date) -> list[Piece]:
    terms, end = ob.usage, ob.end
    if terms is None or end is None or not terms.minimum or month_end(end) <= last:
        return []
    used = sum(units for date, units in pieces if date <= last)
    left = terms.minimum - used
    return [(month_end(end), left)] if left > 0 else []


def contract_of_entry(books: Books) -> dict[int, str]:
    """Returns the contract of every typed invoice or credit note that names one."""
    typed = books.typed_entries()
    invoices = {
        str(entry.meta["invoice"]): str(entry.meta["contract"])
        for entry in typed
        if isinstance(entry, data.Transaction)
        and entry.meta.get("invoice")
        and entry.meta.get("contract")
    }
    found = {}
    for entry in typed:
        if isinstance(entry, data.Transaction):
            contract = contract_of(entry, invoices)
            if contract is not None:
                found[id(entry)] = contract
    return found
