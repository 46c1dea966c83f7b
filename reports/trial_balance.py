"""The trial balance at a month end: every account's balance as a debit or a credit.

Balance sheet accounts show their balance at the month end; income and expense
accounts show the year to date (the calendar year), and the income of earlier
years sits in the previous earnings account (`Equity:Earnings:Previous`), as a
closed year would leave it. A transaction that exchanges currencies does not
balance in each currency on its own, so its difference in each currency goes
to the conversions account (`Equity:Conversions:Current`), as Beancount's own
balance sheet shows it. What is left is what the books' tolerance let through:
the debits and credits of each currency must be equal to the last digit.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data

from reports import period
from reports.amounts import exact, under
from reports.books import Books, balances
from reports.table import Table

COLUMNS = ("account", "currency", "debit", "credit")
TOTAL = "Total"


def _equity_account(options: Mapping[str, Any], option: str) -> str:
    return f"{options.get('name_equity', 'Equity')}:{options[option]}"


def _conversions(entries: list[data.Directive], through: datetime.date) -> dict[str, Decimal]:
    """Returns, per currency, what exchanges of currencies leave unbalanced."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if not isinstance(entry, data.Transaction) or entry.date > through:
            continue
        units = [posting.units for posting in entry.postings if posting.units is not None]
        if len({amount.currency for amount in units}) < 2:
            continue
        for amount in units:
            if isinstance(amount.number, Decimal):
                totals[amount.currency] += amount.number
    return {currency: number for currency, number in totals.items() if number}


def closing_balances(books: Books, month: datetime.date) -> dict[tuple[str, str], Decimal]:
    """Returns every account's trial balance figure at the month end, by currency.

    Income and expenses are the year to date; earlier years' income is moved to
    the previous earnings account and exchanges to the conversions account.
    """
    last = period.last_day(month)
    options = books.options
    result = dict(balances(books.entries, last, lambda _: True))
    income_statement = under(options["name_income"], options["name_expenses"])
    year_start = month.replace(month=1)
    earlier = balances(books.entries, year_start - datetime.timedelta(days=1), income_statement)
    previous = _equity_account(options, "account_previous_earnings")
    for (account, currency), number in earlier.items():
        result[(account, currency)] -= number
        result[(previous, currency)] = result.get((previous, currency), Decimal(0)) + number
    conversions = _equity_account(options, "account_current_conversions")
    for currency, number in _conversions(books.entries, last).items():
        result[(conversions, currency)] = result.get((conversions, currency), Decimal(0)) - number
    return result


def trial_balance(books: Books, month: datetime.date) -> Table:
    """Returns the trial balance at the month end, with a total row per currency.

    Accounts with a zero balance are left out. Debits and credits are both
    shown positive; the total row of a currency adds each column.
    """
    precision = books.revenue_policy().precision
    rows: list[list[Any]] = []
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (account, currency), number in sorted(closing_balances(books, month).items()):
        if not number:
            continue
        debit = exact(max(number, Decimal(0)), currency, precision)
        credit = exact(max(-number, Decimal(0)), currency, precision)
        rows.append([account, currency, debit, credit])
        totals[currency][0] += debit
        totals[currency][1] += credit
    for currency in sorted(totals):
        debit, credit = (exact(total, currency, precision) for total in totals[currency])
        rows.append([TOTAL, currency, debit, credit])
    return Table(f"Trial balance at {period.last_day(month)}", COLUMNS, rows)


def out_of_balance(table: Table) -> dict[str, Decimal]:
    """Returns debits less credits of each currency's total row."""
    return {row[1]: row[2] - row[3] for row in table.rows if row[0] == TOTAL}
