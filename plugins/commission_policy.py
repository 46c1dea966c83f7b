"""The commission policy: `config/commissions.yaml` (ASC 340-40).

amortization_account: Expenses:Commissions:Amortization  # required
impairment_account: Expenses:Commissions:Impairment      # default beside it
practical_expedient: true   # a period of benefit of a year or less stays expensed
initial_customer_life_months: 60   # optional: initial commissions without a period
                                   # amortize over the expected customer life
basis: daily                # or monthly, as for revenue
precision: {JPY: 0}
accounts_file: accounts.yaml
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugins import accounts, policy
from plugins.currency import Precision
from plugins.schedule import Basis

_FIELDS = {
    "amortization_account",
    "impairment_account",
    "practical_expedient",
    "initial_customer_life_months",
    "basis",
    "precision",
    "accounts_file",
}


@dataclass(frozen=True)
class CommissionPolicy:
    """How commissions are capitalized and amortized."""

    amortization_account: str = "Expenses:Commissions:Amortization"
    impairment_account: str = "Expenses:Commissions:Impairment"
    practical_expedient: bool = False
    initial_customer_life_months: int | None = None
    basis: Basis = Basis.DAILY
    precision: Precision = field(default_factory=Precision)
    accounts: accounts.Accounts = field(default_factory=accounts.Accounts)


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[CommissionPolicy, list[policy.PolicyError]]:
    """Reads the commission policy named by the plugin's config string."""
    path = policy.resolve(config, options_map)
    if path is None:
        book_accounts, errors = accounts.load(None, options_map)
        return CommissionPolicy(accounts=book_accounts), errors
    document = policy.load(path)
    if document.errors:
        return CommissionPolicy(), list(document.errors)
    document.reject_unknown(_FIELDS)
    book_accounts, account_errors = accounts.load(accounts.file_beside(path, document), options_map)
    if "amortization_account" not in document.data:
        document.error((), "Missing field 'amortization_account'; expected an expense account")
    digits: dict[str, int] = document.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    name = policy.ACCOUNT_EXPECTED
    amortization = document.read("amortization_account", policy.account_name, name, "")
    impairment = document.read("impairment_account", policy.account_name, name, "")
    chosen = CommissionPolicy(
        amortization_account=amortization or CommissionPolicy.amortization_account,
        impairment_account=impairment or CommissionPolicy.impairment_account,
        practical_expedient=document.read(
            "practical_expedient", policy.boolean, "true or false", False
        ),
        initial_customer_life_months=document.read(
            "initial_customer_life_months", policy.positive_int, "a whole number of months", None
        ),
        basis=Basis(
            document.read(
                "basis", policy.choice(("daily", "monthly")), "'daily' or 'monthly'", "daily"
            )
        ),
        precision=Precision(digits),
        accounts=book_accounts,
    )
    return chosen, [*document.errors, *account_errors]
