"""The accounts each role posts to: DESIGN.md's defaults, overridable in YAML.

`config/accounts.yaml` maps a role to an account name. Names are written with
Beancount's standard root names; when a ledger renames a root (option
`name_income`, say), the defaults follow it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from plugins import policy


@dataclass(frozen=True)
class Accounts:
    """The account of each role in the books."""

    receivable: str = "Assets:AccountsReceivable"
    unbilled: str = "Assets:UnbilledReceivables"
    deferred_revenue: str = "Liabilities:DeferredRevenue"
    revenue: str = "Income:Revenue"
    unapplied_cash: str = "Liabilities:UnappliedCash"
    contract_costs: str = "Assets:ContractCosts:Commissions"
    commission_expense: str = "Expenses:Commissions"


_ROOT_OPTIONS = {
    "Assets": "name_assets",
    "Liabilities": "name_liabilities",
    "Equity": "name_equity",
    "Income": "name_income",
    "Expenses": "name_expenses",
}


def with_ledger_root(name: str, options_map: Mapping[str, Any]) -> str:
    """Returns an account name written with standard roots, under the ledger's root names."""
    root, _, rest = name.partition(":")
    renamed = options_map.get(_ROOT_OPTIONS.get(root, ""), root)
    return f"{renamed}:{rest}" if rest else str(renamed)


def load(path: str | None, options_map: Mapping[str, Any]) -> tuple[Accounts, list[Any]]:
    """Returns the accounts of the books and any errors in the accounts file.

    Args:
      path: The accounts YAML file, or None for DESIGN.md's defaults.
      options_map: The ledger's options, for renamed root accounts.
    """
    defaults = Accounts(
        **{
            role.name: with_ledger_root(getattr(Accounts, role.name), options_map)
            for role in fields(Accounts)
        }
    )
    if path is None:
        return defaults, []
    document = policy.load(path)
    roles = {role.name for role in fields(Accounts)}
    document.reject_unknown(roles)
    chosen = {
        role: document.read(role, policy.account_name, policy.ACCOUNT_EXPECTED, "")
        for role in sorted(roles & set(document.data))
    }
    return replace(defaults, **{role: name for role, name in chosen.items() if name}), list(
        document.errors
    )


def file_beside(policy_path: str, document: policy.Document) -> str | None:
    """Returns the accounts file a policy names, or `accounts.yaml` beside it if present."""
    folder = os.path.dirname(policy_path)
    named = document.read("accounts_file", policy.text, "a file name", "")
    if named:
        return os.path.normpath(os.path.join(folder, named))
    sibling = os.path.join(folder, "accounts.yaml")
    return sibling if os.path.exists(sibling) else None
