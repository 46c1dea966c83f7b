"""What every billing source's section of `config/importers.yaml` says besides its file layout.

    products:                   # the billing system's product id -> its deferred revenue account
      starter-monthly: Liabilities:DeferredRevenue:Subscriptions
      onboarding: {deferred: Liabilities:DeferredRevenue:Services, recognition: point}
      gpu-hours: {deferred: Liabilities:DeferredRevenue:Usage, revenue: Income:Revenue:Usage}
      api-credits: {deferred: Liabilities:DeferredRevenue:Credits, recognition: usage,
                    expires_months: 12}   # a credit pack: usage draws it down, it expires
    currencies: [USD, EUR, GBP, JPY]   # what the company bills in; anything else is an error
    precision: {MGA: 0}                # decimals beyond ISO 4217, if the source differs
    timezone: UTC                      # the day an instant falls on (Stripe writes Unix seconds)
    accounts:                          # every role has a default
      receivable: Assets:AccountsReceivable
      sales_tax: Liabilities:SalesTax
      credit_notes: Income:Revenue:CreditNotes   # credits that name no product
      uncollectible: Expenses:BadDebts           # invoices marked uncollectible

A product's revenue account defaults to the deferred account's suffix under
`Income:Revenue` (`Liabilities:DeferredRevenue:Usage` earns into
`Income:Revenue:Usage`), as the deferred revenue plugin maps them. A product
with `recognition: usage` is a credit pack and needs `expires_months`: how long
its credit can be used (see `importers.billing_entries`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from importers.config import Section, time_zone
from plugins import policy
from plugins.currency import Precision

FIELDS = ("products", "currencies", "precision", "timezone", "accounts")
RECOGNITIONS = ("ratable", "point", "usage")
ACCOUNTS = {
    "receivable": "Assets:AccountsReceivable",
    "sales_tax": "Liabilities:SalesTax",
    "credit_notes": "Income:Revenue:CreditNotes",
    "uncollectible": "Expenses:BadDebts",
}
_DEFERRED, _REVENUE = "Liabilities:DeferredRevenue", "Income:Revenue"
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Product:
    """Where a product's lines are booked."""

    deferred: str
    revenue: str
    recognition: str = "ratable"
    expires_months: int | None = None  # A credit pack's: months from the invoice to its expiry.


@dataclass(frozen=True)
class Book:
    """The accounts, products and currencies a billing source books into."""

    products: Mapping[str, Product]
    currencies: frozenset[str]
    precision: Precision
    zone: datetime.tzinfo
    receivable: str = ACCOUNTS["receivable"]
    sales_tax: str = ACCOUNTS["sales_tax"]
    credit_notes: str = ACCOUNTS["credit_notes"]
    uncollectible: str = ACCOUNTS["uncollectible"]

    def product(self, value: Any) -> str:
        """Reads a product id that the configuration maps to its accounts."""
        if not isinstance(value, str) or value not in self.products:
            known = ", ".join(f"'{name}'" for name in sorted(self.products))
            raise ValueError(f"is not a product of the importer's config; expected one of {known}")
        return value

    def from_minor(self, units: int, currency: str) -> Decimal:
        """Returns an amount written in minor units (cents; yen for JPY) in major units."""
        return self.precision.from_minor(units, currency)

    def exact(self, number: Decimal, currency: str) -> Decimal:
        """Returns a major-unit amount at the currency's precision (12.5 USD is 12.50 USD).

        Raises:
          ValueError: If it has more decimals than the currency allows.
        """
        units = self.precision.to_minor(number, currency)
        if units is None:
            digits = self.precision.digits(currency)
            raise ValueError(f"has more decimals than {currency} allows ({digits})")
        return self.precision.from_minor(units, currency)


def _revenue_of(deferred: str) -> str | None:
    if deferred == _DEFERRED or deferred.startswith(_DEFERRED + ":"):
        return _REVENUE + deferred[len(_DEFERRED) :]
    return None


def _product(products: Section, name: str) -> Product | None:
    expected = policy.ACCOUNT_EXPECTED
    value = products.data[name]
    if isinstance(value, str):
        deferred, revenue, recognition, expires = (
            products.read(name, policy.account_name, expected, ""),
            "",
            "",
            None,
        )
    elif isinstance(value, dict):
        item = Section(products.document, (*products.keys, name))
        item.reject_unknown(["deferred", "revenue", "recognition", "expires_months"])
        deferred = item.require("deferred", policy.account_name, expected, "")
        revenue = item.read("revenue", policy.account_name, expected, "")
        choices = "'ratable', 'point' or 'usage'"
        recognition = item.read("recognition", policy.choice(RECOGNITIONS), choices, "")
        expires = _expiry(item, recognition)
    else:
        label = products.label(name)
        products.error(name, f"Field '{label}' expected an account or a mapping with 'deferred'")
        return None
    if not deferred:
        return None
    revenue = revenue or _revenue_of(deferred) or ""
    if not revenue:
        message = (
            f"Field '{products.label(name)}' needs 'revenue': '{deferred}' is not under "
            f"'{_DEFERRED}', so its revenue account cannot be derived"
        )
        products.error(name, message)
        return None
    return Product(deferred, revenue, recognition or "ratable", expires)


def _expiry(item: Section, recognition: str) -> int | None:
    """Reads a credit pack's `expires_months`, which only and every usage product has."""
    months = item.read("expires_months", policy.positive_int, "a whole number of months", None)
    if recognition == "usage" and "expires_months" not in item.data:
        item.error(
            None,
            f"Field '{item.path}' needs 'expires_months' with 'recognition: usage': how many "
            f"months after its invoice the credit expires",
        )
    elif recognition != "usage" and "expires_months" in item.data:
        item.error(
            "expires_months",
            f"Field '{item.label('expires_months')}' applies only with 'recognition: usage'",
        )
        return None
    return months


def _products(section: Section) -> dict[str, Product]:
    products = section.section("products")
    if products is None:
        return {}
    if not products.data:
        products.error(None, f"Field '{products.path}' expected at least one product")
    found = {}
    for name in products.data:
        product = _product(products, str(name))
        if product is not None:
            found[str(name)] = product
    return found


def currency_code(value: Any) -> str:
    """Reads an ISO 4217 currency code: three upper-case letters."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise ValueError(value)
    return value


def _currencies(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(value)
    return frozenset(currency_code(code) for code in value)


def _accounts(section: Section) -> dict[str, str]:
    if "accounts" not in section.data:
        return dict(ACCOUNTS)
    accounts = section.section("accounts")
    if accounts is None:
        return dict(ACCOUNTS)
    accounts.reject_unknown(ACCOUNTS)
    return {
        role: accounts.read(role, policy.account_name, policy.ACCOUNT_EXPECTED, default)
        for role, default in ACCOUNTS.items()
    }


def book(section: Section) -> Book:
    """Reads the products, currencies and accounts of a billing source, recording problems."""
    codes = "a list of currency codes like [USD, EUR]"
    currencies: frozenset[str] = section.require("currencies", _currencies, codes, frozenset())
    digits: dict[str, int] = section.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    return Book(
        _products(section),
        currencies,
        Precision(digits),
        time_zone(section),
        **_accounts(section),
    )
