"""Hygiene controls: the habits that keep a revenue ledger explainable.

- No `pad` on revenue, deferred revenue, receivable, unbilled, unapplied cash
  or bank accounts: a pad invents a balancing figure nobody can trace.
- Every typed revenue posting names its `customer` (on the transaction or the
  posting); generated releases carry their invoice's customer, except
  summarized releases, which stand for many customers.
- Balance assertions on those accounts are exact: no explicit tolerance, and
  as many decimals as the currency has (Beancount would otherwise tolerate
  half of the last digit written, so `100 USD` passes for 100.49).
- Every account a plugin generates postings to is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beancount.core import data

from plugins import meta
from plugins.accounts import Accounts
from plugins.currency import Precision

Finding = tuple[dict[str, Any], str, Any]


def _is_under(name: str, roots: Sequence[str]) -> bool:
    return any(name == root or name.startswith(root + ":") for root in roots)


def controlled_roots(accounts: Accounts, bank_root: str) -> list[str]:
    """Returns the accounts whose balances must be explained line by line."""
    return [
        accounts.revenue,
        accounts.deferred_revenue,
        accounts.receivable,
        accounts.unbilled,
        accounts.unapplied_cash,
        bank_root,
    ]


def check(
    entries: Sequence[data.Directive], accounts: Accounts, bank_root: str, precision: Precision
) -> list[Finding]:
    """Returns a finding for every hygiene breach, in the order of the entries."""
    roots = controlled_roots(accounts, bank_root)
    opened = {entry.account for entry in entries if isinstance(entry, data.Open)}
    findings: list[Finding] = []
    for entry in entries:
        if isinstance(entry, data.Pad) and _is_under(entry.account, roots):
            findings.append(
                (
                    entry.meta,
                    f"Pad on '{entry.account}'; post the entries that explain the balance",
                    entry,
                )
            )
        elif isinstance(entry, data.Balance) and _is_under(entry.account, roots):
            findings += _inexact_balance(entry, precision)
        elif isinstance(entry, data.Transaction):
            findings += _transaction(entry, accounts.revenue, opened)
    return findings


def _inexact_balance(entry: data.Balance, precision: Precision) -> list[Finding]:
    if entry.tolerance is not None:
        return [
            (
                entry.meta,
                f"Balance assertion on '{entry.account}' has a tolerance; assert the exact balance",
                entry,
            )
        ]
    number, currency = entry.amount.number, entry.amount.currency
    exponent = number.as_tuple().exponent if number is not None else 0
    if isinstance(exponent, int) and -exponent < precision.digits(currency):
        message = (
            f"Balance assertion '{entry.amount}' on '{entry.account}' has fewer decimals than "
            f"{currency} ({precision.digits(currency)}), so Beancount would tolerate a difference"
        )
        return [(entry.meta, message, entry)]
    return []


def _transaction(entry: data.Transaction, revenue: str, opened: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    generated = meta.is_generated(entry)
    for posting in entry.postings:
        if generated and posting.account not in opened:
            findings.append(
                (
                    entry.meta,
                    f"Generated posting to '{posting.account}', which is not opened",
                    entry,
                )
            )
        if not _is_under(posting.account, [revenue]) or meta.LINE_COUNT in entry.meta:
            continue
        if meta.CUSTOMER not in entry.meta and meta.CUSTOMER not in (posting.meta or {}):
            source = posting.meta if posting.meta and "lineno" in posting.meta else entry.meta
            findings.append(
                (source, f"Revenue posting to '{posting.account}' names no customer", entry)
            )
    return findings
