"""The revenue recognition policy: `config/revenue.yaml`.

Fields (all optional; with no file the defaults of DESIGN.md apply):

    basis: daily            # or monthly: equal months, first and last prorated by days
    detail: line            # or summary: one release per month per account pair
    horizon: all            # or books: no release after the month of the books' latest entry
    precision: {JPY: 0}     # decimals of a currency's minor unit, beyond ISO 4217
    revenue_map:            # deferred account -> revenue account, beyond the suffix rule
      Liabilities:DeferredRevenue:Legacy: Income:Revenue:Other
    accounts_file: accounts.yaml   # role accounts; default: accounts.yaml beside this file
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from beancount.core import account

from plugins import accounts, policy
from plugins.currency import Precision
from plugins.schedule import Basis

DETAIL_LINE = "line"
DETAIL_SUMMARY = "summary"
HORIZON_ALL = "all"
HORIZON_BOOKS = "books"

_FIELDS = {"basis", "detail", "horizon", "precision", "revenue_map", "accounts_file"}


@dataclass(frozen=True)
class RevenuePolicy:
    """How deferred revenue is released."""

    basis: Basis = Basis.DAILY
    detail: str = DETAIL_LINE
    horizon: str = HORIZON_ALL
    precision: Precision = field(default_factory=Precision)
    revenue_map: Mapping[str, str] = field(default_factory=dict)
    accounts: accounts.Accounts = field(default_factory=accounts.Accounts)
    path: str | None = None


def _account_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(value)
    for source, target in value.items():
        if not (isinstance(source, str) and account.is_valid(source)):
            raise ValueError(value)
        if not (isinstance(target, str) and account.is_valid(target)):
            raise ValueError(value)
    return value


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[RevenuePolicy, list[policy.PolicyError]]:
    """Reads the revenue policy named by a plugin's config string.

    Returns:
      The policy, and every error found in it and in its accounts file.
    """
    path = policy.resolve(config, options_map)
    if path is None:
        book_accounts, errors = accounts.load(None, options_map)
        return RevenuePolicy(accounts=book_accounts), errors
    document = policy.load(path)
    if document.errors:
        return RevenuePolicy(path=path), list(document.errors)
    document.reject_unknown(_FIELDS)
    basis = document.read(
        "basis", policy.choice(("daily", "monthly")), "'daily' or 'monthly'", "daily"
    )
    detail = document.read(
        "detail",
        policy.choice((DETAIL_LINE, DETAIL_SUMMARY)),
        f"'{DETAIL_LINE}' or '{DETAIL_SUMMARY}'",
        DETAIL_LINE,
    )
    horizon = document.read(
        "horizon",
        policy.choice((HORIZON_ALL, HORIZON_BOOKS)),
        f"'{HORIZON_ALL}' or '{HORIZON_BOOKS}'",
        HORIZON_ALL,
    )
    digits: dict[str, int] = document.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    revenue_map: dict[str, str] = document.read(
        "revenue_map", _account_map, "a mapping of deferred account to revenue account", {}
    )
    book_accounts, account_errors = accounts.load(accounts.file_beside(path, document), options_map)
    chosen = RevenuePolicy(
        basis=Basis(basis),
        detail=detail,
        horizon=horizon,
        precision=Precision(digits),
        revenue_map=revenue_map,
        accounts=book_accounts,
        path=path,
    )
    return chosen, [*document.errors, *account_errors]
