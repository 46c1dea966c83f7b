"""Where a bank source's lines post: its accounts and counter-account rules, from the config.

    bank-us:
      importer: bai2
      documents: bank/us/*.bai2
      ledger: bank/us
      bank_accounts:                       # the bank's account id -> the ledger's account
        "1234567890": Assets:Bank:US:Operating
      accounts:
        receivable: Assets:AccountsReceivable    # default
        unapplied_cash: Liabilities:UnappliedCash  # default
        disbursements: Expenses:Unreconciled     # required: money out that no rule claims
      rules:                               # first match wins
        - contains: ACCOUNT FEE            # in the payee or narration, any case
          account: Expenses:BankFees
        - contains: STRIPE
          direction: in                    # optional: `in` (receipts) or `out`
          account: Assets:Bank:InTransit

A CSV source names its one account with `account:` instead of `bank_accounts`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from importers.bank_invoices import choice
from importers.config import Section
from importers.ledger_text import Choice
from plugins import policy
from plugins.accounts import Accounts

FIELDS = ("accounts", "rules")
DIRECTIONS = ("in", "out")
_DEFAULTS = Accounts()


@dataclass(frozen=True)
class Rule:
    """Lines whose text contains `contains` (any case) post to `account`."""

    contains: str  # Case-folded.
    account: str
    direction: str | None = None  # `in` (money in), `out` (money out), or either.


@dataclass(frozen=True)
class Book:
    """The accounts a bank source's lines post to."""

    bank_accounts: Mapping[str, str]  # The bank's account id -> the ledger's account.
    disbursements: str
    receivable: str = _DEFAULTS.receivable
    unapplied_cash: str = _DEFAULTS.unapplied_cash
    rules: tuple[Rule, ...] = ()

    @functools.cached_property
    def choices(self) -> tuple[Choice, Choice]:
        """Returns what the books choose between for money in and for money out no rule claims.

        Money in: the receivable, or unapplied cash; money out (a returned
        payment): the receivable, or the disbursements account
        (`importers.bank_entries`).
        """
        return (
            choice(self.receivable, self.unapplied_cash),
            choice(self.receivable, self.disbursements),
        )

    @property
    def file_account(self) -> str:
        """The account beangulp files the source's documents under: its first bank account."""
        return next(iter(self.bank_accounts.values()), "")

    def counter_account(self, folded: str, amount_sign: int) -> str | None:
        """Returns the account of the first rule that claims a line, if any.

        Args:
          folded: The line's payee and narration, case-folded (`str.casefold`).
          amount_sign: Positive for money in, else zero or negative.
        """
        for rule in self.rules:
            if rule.contains in folded and (
                rule.direction is None or (rule.direction == "in") == (amount_sign > 0)
            ):
                return rule.account
        return None


def _bank_accounts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ValueError(value)
    found = {}
    for key, name in value.items():
        if isinstance(key, bool) or not isinstance(key, str | int):
            raise ValueError(value)
        found[str(key)] = policy.account_name(name)
    return found


def bank_accounts(section: Section) -> dict[str, str]:
    """Reads `bank_accounts`: the bank's account ids, each mapped to a ledger account."""
    expected = "a mapping of the bank's account ids to account names like 'Assets:Bank'"
    return section.require("bank_accounts", _bank_accounts, expected, {})


def book(section: Section, accounts_by_id: Mapping[str, str]) -> Book:
    """Reads a bank source's `accounts` and `rules`, recording problems in the section."""
    names = section.section("accounts")
    disbursements, defaults = "", Book({}, "")
    receivable, unapplied = defaults.receivable, defaults.unapplied_cash
    if names is not None:
        names.reject_unknown(["disbursements", "receivable", "unapplied_cash"])
        name = policy.ACCOUNT_EXPECTED
        disbursements = names.require("disbursements", policy.account_name, name, "")
        receivable = names.read("receivable", policy.account_name, name, receivable)
        unapplied = names.read("unapplied_cash", policy.account_name, name, unapplied)
    rules = tuple(_rule(item) for item in section.sections("rules"))
    return Book(accounts_by_id, disbursements, receivable, unapplied, rules)


def _rule(item: Section) -> Rule:
    item.reject_unknown(["contains", "account", "direction"])
    contains = item.require("contains", policy.text, "the text to look for", "")
    account = item.require("account", policy.account_name, policy.ACCOUNT_EXPECTED, "")
    direction = item.read("direction", policy.choice(DIRECTIONS), "'in' or 'out'", "")
    return Rule(contains.casefold(), account, direction or None)
