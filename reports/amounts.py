"""Amounts as the schedules show them: exact, in the currency's decimals, signed naturally.

Beancount keeps credits negative. Schedules show each account in its natural
sign (a liability or revenue of 100 is 100), with at least the currency's
decimals, so `100 USD` typed in the ledger shows as 100.00 and a CSV or a
workbook cell tells the currency's precision from the number itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from plugins.currency import Precision

_CREDIT_ROOTS = ("name_liabilities", "name_equity", "name_income")
_DEFAULT_ROOTS = {
    "name_liabilities": "Liabilities",
    "name_equity": "Equity",
    "name_income": "Income",
}


def exact(number: Decimal, currency: str, precision: Precision) -> Decimal:
    """Returns `number` unchanged in value, written with at least the currency's decimals."""
    return number + precision.from_minor(0, currency)


def under(*roots: str) -> Callable[[str], bool]:
    """Returns a test of whether an account is one of `roots` or below one of them."""
    return lambda name: any(name == root or name.startswith(root + ":") for root in roots)


def credit_normal(options: Mapping[str, Any]) -> Callable[[str], bool]:
    """Returns a test of whether an account's balance is normally a credit.

    Liabilities, equity and income are credit-normal; the root names follow the
    ledger's `name_*` options.
    """
    return under(*(str(options.get(key, _DEFAULT_ROOTS[key])) for key in _CREDIT_ROOTS))


def natural(number: Decimal, account: str, is_credit_normal: Callable[[str], bool]) -> Decimal:
    """Returns a ledger amount in the account's natural sign (credits positive on the right)."""
    return -number if is_credit_normal(account) else number
