"""The usage revenue policy: `config/usage.yaml`.

Fields (all optional; with no file the defaults below apply):

    breakage: at_expiry        # or proportional: in proportion to use (ASC 606-10-55-48)
    expected_breakage: 0.10    # proportional only: the share of paid credit expected to go unused
    breakage_account: Income:Revenue:Breakage
    promotional_account: Income:Revenue:PromotionalCredits   # contra-revenue of free credit used
    billing_differences_account: Income:Revenue:Usage:BillingDifferences
    tolerance: 0.00            # reconciliation: differences up to this much are not listed
    control: false             # true: each difference beyond the tolerance fails bean-check
    precision: {JPY: 0}        # decimals of a currency's minor unit, beyond ISO 4217
    accounts_file: accounts.yaml   # role accounts; default: accounts.yaml beside this file
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from plugins import accounts, policy
from plugins.currency import Precision

AT_EXPIRY = "at_expiry"
PROPORTIONAL = "proportional"

_FIELDS = {
    "breakage",
    "expected_breakage",
    "breakage_account",
    "promotional_account",
    "billing_differences_account",
    "tolerance",
    "control",
    "precision",
    "accounts_file",
}
_ACCOUNT_FIELDS = {
    "breakage_account": "Income:Revenue:Breakage",
    "promotional_account": "Income:Revenue:PromotionalCredits",
    "billing_differences_account": "Income:Revenue:Usage:BillingDifferences",
}


@dataclass(frozen=True)
class UsagePolicy:
    """How usage accruals draw prepaid credit, break it and meet their invoices."""

    breakage: str = AT_EXPIRY
    expected_breakage: Decimal = Decimal(0)
    breakage_account: str = _ACCOUNT_FIELDS["breakage_account"]
    promotional_account: str = _ACCOUNT_FIELDS["promotional_account"]
    billing_differences_account: str = _ACCOUNT_FIELDS["billing_differences_account"]
    tolerance: Decimal = Decimal(0)
    control: bool = False
    precision: Precision = field(default_factory=Precision)
    accounts: accounts.Accounts = field(default_factory=accounts.Accounts)
    path: str | None = None


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(value) from error
    if not number.is_finite():
        raise ValueError(value)
    return number


def _share(value: Any) -> Decimal:
    number = _decimal(value)
    if not Decimal(0) < number < Decimal(1):
        raise ValueError(value)
    return number


def _non_negative(value: Any) -> Decimal:
    number = _decimal(value)
    if number < 0:
        raise ValueError(value)
    return number


def _defaults(options_map: Mapping[str, Any]) -> dict[str, str]:
    return {
        key: accounts.with_ledger_root(name, options_map) for key, name in _ACCOUNT_FIELDS.items()
    }


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[UsagePolicy, list[policy.PolicyError]]:
    """Reads the usage policy named by the plugin's config string.

    Returns:
      The policy, and every error found in it and in its accounts file.
    """
    path = policy.resolve(config, options_map)
    if path is None:
        book_accounts, errors = accounts.load(None, options_map)
        return _with_accounts(UsagePolicy(accounts=book_accounts), _defaults(options_map)), errors
    document = policy.load(path)
    if document.errors:
        return UsagePolicy(path=path), list(document.errors)
    document.reject_unknown(_FIELDS)
    book_accounts, account_errors = accounts.load(accounts.file_beside(path, document), options_map)
    method = document.read(
        "breakage",
        policy.choice((AT_EXPIRY, PROPORTIONAL)),
        f"'{AT_EXPIRY}' or '{PROPORTIONAL}'",
        AT_EXPIRY,
    )
    expected = document.read(
        "expected_breakage", _share, "a share between 0 and 1, like 0.10", Decimal(0)
    )
    # A bad 'breakage' is an error of its own; its companion field is judged only by a good one.
    judged = document.data.get("breakage", AT_EXPIRY) == method
    if judged and method == PROPORTIONAL and "expected_breakage" not in document.data:
        document.error(
            ("breakage",),
            "Missing field 'expected_breakage'; 'breakage: proportional' needs the share of "
            "paid credit expected to go unused, like 0.10",
        )
    elif judged and method != PROPORTIONAL and "expected_breakage" in document.data:
        document.error(
            ("expected_breakage",),
            f"Field 'expected_breakage' applies only with 'breakage: {PROPORTIONAL}'; "
            f"found 'breakage: {method}'",
        )
    named = {
        key: document.read(key, policy.account_name, policy.ACCOUNT_EXPECTED, "") or default
        for key, default in _defaults(options_map).items()
    }
    digits: dict[str, int] = document.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    chosen = UsagePolicy(
        breakage=method,
        expected_breakage=expected if method == PROPORTIONAL else Decimal(0),
        tolerance=document.read(
            "tolerance", _non_negative, "an amount of at least 0, like 0.50", Decimal(0)
        ),
        control=document.read("control", policy.boolean, "true or false", False),
        precision=Precision(digits),
        accounts=book_accounts,
        path=path,
    )
    return _with_accounts(chosen, named), [*document.errors, *account_errors]


def _with_accounts(chosen: UsagePolicy, named: Mapping[str, str]) -> UsagePolicy:
    return replace(
        chosen,
        breakage_account=named["breakage_account"],
        promotional_account=named["promotional_account"],
        billing_differences_account=named["billing_differences_account"],
    )
