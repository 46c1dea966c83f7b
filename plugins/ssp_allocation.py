"""Allocates each contract's price to its performance obligations (ASC 606 steps 1 to 5).

For every contract with a `price` and `custom "obligation"` directives
(plugins.obligations), the plugin allocates the price by relative SSP
(plugins.allocation), recognizes each obligation on its pattern and through
its modifications (plugins.performance, plugins.variable_consideration), and
books, at each month end, the difference between that allocated revenue and
the revenue the contract's invoices recognize (plugins.contract_assets: the
one rule). Enable it after plugins.deferred_revenue:

    plugin "plugins.deferred_revenue" "../config/revenue.yaml"
    plugin "plugins.ssp_allocation" "../config/allocation.yaml"

Before: a contract of 13,500.00 for a 12-month platform (SSP 12,000.00) and
implementation (SSP 3,000.00, delivered in January), invoiced 12,000.00 for
the platform and 1,500.00 for the implementation. Allocated: platform
10,800.00, implementation 2,700.00. After, for January (daily basis, 31 of
365 days: invoices recognize 1,019.18 + 1,500.00; the allocation 917.26 +
2,700.00):

    2026-01-31 * "Contract allocation CTR-1" #contract-allocation ^CTR-1
      customer: "CUS-1"
      revclose_generated_by: "ssp_allocation"
      revclose_source: "CTR-1"
      Income:Revenue:Services          -1200.00 USD
      Income:Revenue:Subscriptions       101.92 USD
      Liabilities:ContractLiabilities   1098.08 USD

Generated entries are linked to the contract, tagged `#contract-allocation`,
located at the contract's directive, and open the accounts they introduce.
With `horizon: books` in the revenue policy, none is dated after the revenue
plugin's last release (deferred_lines.release_horizon); earlier months are
unchanged.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beancount.core import data

from plugins import (
    allocation,
    allocation_policy,
    contract_assets,
    contract_billing,
    contracts,
    deferred_lines,
    generated,
    meta,
    obligations,
    performance,
    variable_consideration,
)
from plugins.allocation_policy import AllocationPolicy
from plugins.contract_assets import Movement, Position
from plugins.contract_billing import ContractBilling
from plugins.obligations import USAGE, ContractTerms, ObligationError
from plugins.performance import Recognition
from plugins.schedule import Piece

__plugins__ = ("ssp_allocation",)

GENERATOR = "ssp_allocation"
TAG = "contract-allocation"
_TAGS = frozenset({TAG})


@dataclass(frozen=True)
class ContractRevenue:
    """A contract's allocation, its obligations' revenue, its invoices and positions."""

    terms: ContractTerms
    recognitions: dict[str, Recognition]  # Fixed-price obligations by id.
    usage: dict[str, list[Piece]]  # Usage obligations' revenue by id.
    billing: ContractBilling
    positions: list[Position]


def analyse(
    entries: Sequence[data.Directive], chosen: AllocationPolicy
) -> tuple[list[ContractRevenue], list[Any]]:
    """Returns every allocated contract, worked through, and the errors found."""
    typed = [entry for entry in entries if not meta.is_generated(entry)]
    book, _ = contracts.read(typed)  # Its errors are the commissions plugin's to report.
    precision = chosen.revenue.precision
    found, errors = obligations.read(typed, book, precision)
    terms = {each.id: each for each in found}
    billings, billing_errors = contract_billing.read(typed, terms, chosen.revenue)
    result = []
    problems: list[Any] = [*errors, *billing_errors]
    for each in found:
        try:
            states = performance.schedules(each, chosen.revenue.basis)
        except allocation.AllocationProblem as problem:
            entry = each.contract.entry
            problems.append(ObligationError(entry.meta, f"Contract '{each.id}': {problem}", entry))
            continue
        usage = {
            ob.id: variable_consideration.usage_pieces(
                ob, billings[each.id].usage.get(ob.id, []), precision
            )
            for ob in each.all_obligations()
            if ob.pattern == USAGE
        }
        by_account: dict[str, list[Piece]] = defaultdict(list)
        for ob in each.all_obligations():
            pieces = states[ob.id].pieces if ob.id in states else usage[ob.id]
            by_account[ob.revenue_account] += pieces
        found_positions = contract_assets.positions(
            each.contract.entry.date, by_account, billings[each.id]
        )
        result.append(ContractRevenue(each, states, usage, billings[each.id], found_positions))
    return result, problems


def ssp_allocation(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds each allocated contract's month-end adjustment entries.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the allocation policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the adjustments added, and the errors found. A bad
      policy returns the entries unchanged.
    """
    chosen, policy_errors = allocation_policy.load(config, options_map)
    if policy_errors or chosen.revenue_broken:
        return entries, policy_errors
    worked, errors = analyse(entries, chosen)
    # The invoices' releases stop at the revenue plugin's horizon, so the
    # adjustment to them does too: no revenue for a month the books have not reached.
    through = deferred_lines.release_horizon(entries, chosen.revenue)
    made = [
        _entry(contract.terms, move, chosen)
        for contract in worked
        for move in contract_assets.movements(contract.positions)
        if through is None or move.date <= through
    ]
    first_use: dict[str, datetime.date] = {}
    for entry in made:
        for posting in entry.postings:
            first_use[posting.account] = min(entry.date, first_use.get(posting.account, entry.date))
    return [*entries, *generated.opens(entries, first_use, GENERATOR), *made], errors


def _entry(terms: ContractTerms, move: Movement, chosen: AllocationPolicy) -> data.Transaction:
    precision = chosen.revenue.precision
    currency = terms.currency
    postings = [
        *(
            generated.posting(account, -units, currency, precision)
            for account, units in move.revenue.items()
        ),
    ]
    if move.contract_asset:
        postings.append(
            generated.posting(
                chosen.contract_asset_account, move.contract_asset, currency, precision
            )
        )
    if move.liability_adjustment:
        postings.append(
            generated.posting(
                chosen.contract_liability_account, -move.liability_adjustment, currency, precision
            )
        )
    extra: dict[str, Any] = {meta.SOURCE: terms.id}
    if terms.contract.customer:
        extra[meta.CUSTOMER] = terms.contract.customer
    return generated.transaction(
        terms.contract.entry.meta,
        GENERATOR,
        move.date,
        f"Contract allocation {terms.id}",
        _TAGS,
        frozenset({terms.id}),
        postings,
        extra=extra,
    )
