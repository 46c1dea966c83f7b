"""Capitalizes sales commissions and amortizes them (ASC 340-40).

A commission is an incremental cost of obtaining a contract: the plugin moves
it from the commission expense account into the contract-cost asset on its
date, and amortizes the asset over the period of benefit with the revenue
schedule rules (see plugins.commission_lines for how the period is found).
Before:

    plugin "plugins.commissions" "../config/commissions.yaml"

    2026-01-15 custom "contract" "CTR-1"
      start: 2026-01-15
      end: 2029-01-14

    2026-01-20 * "Jane Doe" "Commission CTR-1"
      Expenses:Commissions            3600.00 USD
        contract: "CTR-1"
      Liabilities:CommissionsPayable  -3600.00 USD

After, generated entries linked to `^CTR-1` and tagged `#contract-costs`:

    2026-01-20 * "Capitalize commission CTR-1"
      Assets:ContractCosts:Commissions    3600.00 USD
      Expenses:Commissions               -3600.00 USD

    2026-01-31 * "Amortize commission CTR-1"
      Expenses:Commissions:Amortization     55.84 USD
      Assets:ContractCosts:Commissions     -55.84 USD
    ... one a month to 2029-01-31

A `custom "contract-terminated" "CTR-1"` writes the remaining asset off to the
impairment account on its date. With the practical expedient enabled, a
commission whose period of benefit is a year or less stays expensed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data

from plugins import commission_lines, commission_policy, generated, meta
from plugins.commission_lines import CommissionLine
from plugins.commission_policy import CommissionPolicy

__plugins__ = ("commissions",)

GENERATOR = "commissions"
KIND = meta.PREFIX + "kind"
_TAGS = frozenset({meta.TAG_CONTRACT_COSTS})


def commissions(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds the capitalization, amortization and impairment entries of commissions.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the commission policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the generated ones added, and the errors found. A bad
      policy returns the entries unchanged.
    """
    policy, policy_errors = commission_policy.load(config, options_map)
    if policy_errors:
        return entries, policy_errors
    lines, errors = commission_lines.read(entries, policy)
    made = cost_entries(lines, policy)
    first_use: dict[str, datetime.date] = {}
    for entry in made:
        for posting in entry.postings:
            first_use[posting.account] = min(entry.date, first_use.get(posting.account, entry.date))
    return [*entries, *generated.opens(entries, first_use, GENERATOR), *made], errors


def cost_entries(
    lines: Sequence[CommissionLine], policy: CommissionPolicy
) -> list[data.Transaction]:
    """Returns the generated entries of every capitalized commission."""
    asset = policy.accounts.contract_costs
    made = []
    for line in lines:
        plan = commission_lines.schedule_of(line, policy)
        if not plan.capitalized:
            continue
        expense = policy.accounts.commission_expense
        moves = [("capitalize", line.booked, asset, expense, plan.capitalized)]
        moves += [
            ("amortize", date, policy.amortization_account, asset, units)
            for date, units in plan.amortized
        ]
        if plan.impaired is not None:
            date, units = plan.impaired
            moves.append(("impair", date, policy.impairment_account, asset, units))
        made += [_cost_entry(line, policy, *move) for move in moves]
    return made


def _cost_entry(
    line: CommissionLine,
    policy: CommissionPolicy,
    kind: str,
    date: datetime.date,
    debit: str,
    credit: str,
    units: int,
) -> data.Transaction:
    located = line.entry.postings[line.position - 1].meta or line.entry.meta
    return generated.transaction(
        located,
        GENERATOR,
        date,
        f"{kind.capitalize()} commission {line.contract}",
        _TAGS,
        line.entry.links | {line.contract},
        generated.transfer(debit, credit, units, line.currency, policy.precision),
        extra={meta.SOURCE: line.contract, meta.SOURCE_LINE: Decimal(line.position), KIND: kind},
    )
