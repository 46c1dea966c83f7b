"""The receivables policy: `config/ar.yaml`.

Fields (all optional; with no file the defaults below apply):

    tolerance: {USD: 1.00, EUR: 1.00}   # short or over payments written off, per currency
    write_off_account: Expenses:PaymentDifferences
    customer_credits_account: Liabilities:CustomerCredits
    net_credit_notes: true               # a credit note reduces the invoice it credits
    apply_customer_credits: true         # over payments pay the customer's next invoices
    unapplied_cash_age_days: 30          # older unapplied cash is flagged `!`
    past_due_age_days: 60                # invoices this many days past due are flagged `!`
    match_candidates: 12                 # open items a subset match looks at, oldest first
    functional_currency: USD             # default: the ledger's first operating_currency
    realized_fx_account: Income:ForeignExchange:Realized
    unrealized_fx_account: Income:ForeignExchange:Unrealized
    remeasurement_account: Assets:AccountsReceivable:Remeasurement
    credits_remeasurement_account: Liabilities:CustomerCredits:Remeasurement  # under the credits
    unapplied_remeasurement_account: Liabilities:UnappliedCash:Remeasurement  # under unapplied cash
    credit_hold_days: 90                 # customers with an invoice this far past due
    credit_limits: {USD: 500000}         # default credit limit per currency
    customer_credit_limits:              # a customer's own limits
      CUS-0042: {USD: 1000000}
    precision: {JPY: 0}
    accounts_file: accounts.yaml
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from plugins import accounts, policy
from plugins.currency import Precision

_FIELDS = {
    "tolerance",
    "write_off_account",
    "customer_credits_account",
    "net_credit_notes",
    "apply_customer_credits",
    "unapplied_cash_age_days",
    "past_due_age_days",
    "match_candidates",
    "functional_currency",
    "realized_fx_account",
    "unrealized_fx_account",
    "remeasurement_account",
    "credits_remeasurement_account",
    "unapplied_remeasurement_account",
    "credit_hold_days",
    "credit_limits",
    "customer_credit_limits",
    "precision",
    "accounts_file",
}
MAX_CANDIDATES = 20  # 2 ** 10 sums per half: the search stays small
AMOUNTS_EXPECTED = "a mapping of currency to an amount of at least 0"


@dataclass(frozen=True)
class ArPolicy:
    """How cash is applied, written off, remeasured and reviewed."""

    tolerance: Mapping[str, Decimal] = field(default_factory=dict)
    write_off_account: str = "Expenses:PaymentDifferences"
    customer_credits_account: str = "Liabilities:CustomerCredits"
    net_credit_notes: bool = True
    apply_customer_credits: bool = True
    unapplied_cash_age_days: int = 30
    past_due_age_days: int = 60
    match_candidates: int = 12
    functional_currency: str | None = None
    realized_fx_account: str = "Income:ForeignExchange:Realized"
    unrealized_fx_account: str = "Income:ForeignExchange:Unrealized"
    remeasurement_account: str = "Assets:AccountsReceivable:Remeasurement"
    # Foreign-currency customer credits are remeasured here (plugins.credits_remeasurement).
    credits_remeasurement_account: str = "Liabilities:CustomerCredits:Remeasurement"
    # Foreign-currency unapplied cash is remeasured here (plugins.unapplied_remeasurement).
    unapplied_remeasurement_account: str = "Liabilities:UnappliedCash:Remeasurement"
    credit_hold_days: int = 90
    credit_limits: Mapping[str, Decimal] = field(default_factory=dict)
    customer_credit_limits: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    precision: Precision = field(default_factory=Precision)
    accounts: accounts.Accounts = field(default_factory=accounts.Accounts)
    path: str | None = None

    def tolerance_units(self, currency: str) -> int:
        """Returns the write-off tolerance of `currency` in whole minor units."""
        tolerance = self.tolerance.get(currency, Decimal(0))
        scaled = tolerance.scaleb(self.precision.digits(currency))
        return int(scaled.to_integral_value(rounding=ROUND_FLOOR))

    def credit_limit(self, customer: str, currency: str) -> Decimal | None:
        """Returns a customer's credit limit in `currency`, or None if it has none."""
        own = self.customer_credit_limits.get(customer, {})
        return own.get(currency, self.credit_limits.get(currency))


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError(value) from exc
    if not number.is_finite() or number < 0:
        raise ValueError(value)
    return number


def amounts(value: Any) -> dict[str, Decimal]:
    """Reads a mapping of currency code to a non-negative amount."""
    if not isinstance(value, dict) or not all(isinstance(code, str) for code in value):
        raise ValueError(value)
    return {code: _amount(number) for code, number in value.items()}


def _customer_limits(document: policy.Document) -> dict[str, dict[str, Decimal]]:
    key = "customer_credit_limits"
    value = document.data.get(key) or {}
    if not isinstance(value, dict):
        document.error((key,), f"Field '{key}' expected a mapping of customer to credit limits")
        return {}
    limits = {}
    for customer, own in value.items():
        try:
            limits[str(customer)] = amounts(own)
        except (TypeError, ValueError):
            document.error(
                (key, customer),
                f"Field '{key}.{customer}' expected {AMOUNTS_EXPECTED}, found {own!r}",
            )
    return limits


def _candidates(value: Any) -> int:
    number = policy.positive_int(value)
    if number > MAX_CANDIDATES:
        raise ValueError(value)
    return number


def _functional(options_map: Mapping[str, Any]) -> str | None:
    operating = options_map.get("operating_currency") or []
    return str(operating[0]) if operating else None


def _defaults(book_accounts: accounts.Accounts, options_map: Mapping[str, Any]) -> ArPolicy:
    def renamed(role: str) -> str:
        return accounts.with_ledger_root(str(getattr(ArPolicy, role)), options_map)

    return ArPolicy(
        write_off_account=renamed("write_off_account"),
        customer_credits_account=renamed("customer_credits_account"),
        functional_currency=_functional(options_map),
        realized_fx_account=renamed("realized_fx_account"),
        unrealized_fx_account=renamed("unrealized_fx_account"),
        remeasurement_account=book_accounts.receivable + ":Remeasurement",
        credits_remeasurement_account=renamed("customer_credits_account") + ":Remeasurement",
        unapplied_remeasurement_account=book_accounts.unapplied_cash + ":Remeasurement",
        accounts=book_accounts,
    )


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[ArPolicy, list[policy.PolicyError]]:
    """Reads the receivables policy named by a plugin's config string.

    Returns:
      The policy, and every error found in it and in its accounts file.
    """
    path = policy.resolve(config, options_map)
    if path is None:
        book_accounts, errors = accounts.load(None, options_map)
        return _defaults(book_accounts, options_map), errors
    document = policy.load(path)
    if document.errors:
        return ArPolicy(path=path), list(document.errors)
    document.reject_unknown(_FIELDS)
    book_accounts, account_errors = accounts.load(accounts.file_beside(path, document), options_map)
    base = _defaults(book_accounts, options_map)
    digits: dict[str, int] = document.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    name = policy.ACCOUNT_EXPECTED
    days = "a whole number of days"

    def account_field(key: str) -> str:
        return document.read(key, policy.account_name, name, str(getattr(base, key)))

    chosen = ArPolicy(
        tolerance=document.read("tolerance", amounts, AMOUNTS_EXPECTED, {}),
        write_off_account=account_field("write_off_account"),
        customer_credits_account=account_field("customer_credits_account"),
        net_credit_notes=document.read("net_credit_notes", policy.boolean, "true or false", True),
        apply_customer_credits=document.read(
            "apply_customer_credits", policy.boolean, "true or false", True
        ),
        unapplied_cash_age_days=document.read(
            "unapplied_cash_age_days", policy.positive_int, days, base.unapplied_cash_age_days
        ),
        past_due_age_days=document.read(
            "past_due_age_days", policy.positive_int, days, base.past_due_age_days
        ),
        match_candidates=document.read(
            "match_candidates",
            _candidates,
            f"a whole number from 1 to {MAX_CANDIDATES}",
            base.match_candidates,
        ),
        functional_currency=document.read(
            "functional_currency", policy.text, "a currency code", base.functional_currency or ""
        )
        or None,
        realized_fx_account=account_field("realized_fx_account"),
        unrealized_fx_account=account_field("unrealized_fx_account"),
        remeasurement_account=account_field("remeasurement_account"),
        credit_hold_days=document.read(
            "credit_hold_days", policy.positive_int, days, base.credit_hold_days
        ),
        credit_limits=document.read("credit_limits", amounts, AMOUNTS_EXPECTED, {}),
        customer_credit_limits=_customer_limits(document),
        precision=Precision(digits),
        accounts=book_accounts,
        path=path,
    )
    # Under the credits account chosen, unless the file names another; so
    # for unapplied cash, under the accounts file's unapplied cash account.
    under_credits = chosen.customer_credits_account + ":Remeasurement"
    chosen = replace(
        chosen,
        credits_remeasurement_account=document.read(
            "credits_remeasurement_account", policy.account_name, name, under_credits
        ),
        unapplied_remeasurement_account=account_field("unapplied_remeasurement_account"),
    )
    return chosen, [*document.errors, *account_errors]
