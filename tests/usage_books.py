"""Ledger text of usage and prepaid credit, as the importers write it, for the tests.

Amounts are written as the ledger shows them (`"30.00 USD"`); the payee is
the billing system's name for the customer (`"Acme"` unless given).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data

from tests.conftest import Books, number

UNBILLED = "Assets:UnbilledReceivables"
USAGE = "Income:Revenue:Usage"
CREDITS = "Liabilities:DeferredRevenue:Credits"

Options = dict[str, Any]


def month_days(month: str) -> tuple[datetime.date, datetime.date]:
    """Returns the first and the last day of a month named `YYYY-MM`."""
    first = datetime.date.fromisoformat(month + "-01")
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def _product(product: str) -> str:
    return f'\n    product: "{product}"' if product else ""


def accrual(
    month: str, amount: str, customer: str = "CUS-1", payee: str = "Acme", product: str = ""
) -> str:
    """The usage importer's accrual of a customer's month, dated its last day."""
    first, last = month_days(month)
    return f"""
{last} * "{payee}" "Usage of {month}" #usage
  usage: "{customer}/{month}"
  customer: "{customer}"
  service_start: {first}
  service_end: {last}
  {UNBILLED}  {amount}
  {USAGE}  -{amount}{_product(product)}
"""


def usage_invoice(
    date: str,
    invoice: str,
    amount: str,
    month: str,
    customer: str = "CUS-1",
    payee: str = "Acme",
    product: str = "",
    header: str = "",
    credits: str = "",
) -> str:
    """An invoice of one month's usage in arrears, as the billing importer writes it.

    `header` is more of the transaction's metadata lines, each led by a newline.
    With `credits`, the document is instead a credit note of that invoice,
    crediting `amount`.
    """
    first, last = month_days(month)
    title, sign = f'"Invoice {invoice}" ^{invoice}', ""
    if credits:
        title, sign = f'"Credit note {invoice}" ^{invoice} ^{credits}', "-"
        header = f'\n  credits: "{credits}"{header}'
    return f"""
{date} * "{payee}" {title}
  invoice: "{invoice}"
  customer: "{customer}"{header}
  Assets:AccountsReceivable  {sign}{amount}
  {USAGE}  {"" if sign else "-"}{amount}
    service_start: {first}
    service_end: {last}{_product(product)}
"""


def credit_pack(
    date: str, invoice: str, amount: str, expires: str, customer: str = "CUS-1", payee: str = "Acme"
) -> str:
    """An invoice of one credit pack, as the billing importer writes it."""
    return f"""
{date} * "{payee}" "Invoice {invoice}" ^{invoice}
  invoice: "{invoice}"
  customer: "{customer}"
  Assets:AccountsReceivable  {amount}
  {CREDITS}  -{amount}
    service_start: {date}
    service_end: {expires}
    recognition: "usage"
    expires: {expires}
"""


def promotion(date: str, grant: str, amount: str, expires: str, customer: str = "CUS-1") -> str:
    """A promotional grant of free credit."""
    return f"""
{date} custom "credit-grant" "{grant}"
  customer: "{customer}"
  amount: {amount}
  expires: {expires}
  promotional: TRUE
"""


def balance(
    entries: Sequence[data.Directive],
    account: str,
    through: str | datetime.date = datetime.date.max,
    since: str | datetime.date = datetime.date.min,
) -> Decimal:
    """Sums the postings to an account (not its children) dated in [since, through]."""
    first, last = (datetime.date.fromisoformat(str(day)) for day in (since, through))
    return sum(
        (
            number(posting)
            for entry in entries
            if isinstance(entry, data.Transaction) and first <= entry.date <= last
            for posting in entry.postings
            if posting.account == account
        ),
        Decimal(0),
    )


def loaded(books: Books, ledger: str, policy: str = "") -> tuple[list[data.Directive], Options]:
    """Loads a ledger with `policy` as its usage.yaml, checking that nothing is wrong."""
    books.write("usage.yaml", policy)
    entries, errors, options = books.load(ledger)
    assert errors == []
    return entries, options
