"""Bank statement lines into ledger entries: the same rules for every format.

A booked line becomes one transaction between the bank account and a counter
account, chosen in this order:

1. the first of the source's `rules` whose text the line contains;
2. money in whose text names exactly one invoice of the books (see
   `importers.bank_invoices`): the receivable, linked to the invoice, with its
   `invoice` (and the invoice's `customer`) as metadata;
3. other money in: unapplied cash, linked to every invoice it names (the AR
   plugin applies it to them, oldest first);
4. other money out: the source's `disbursements` account.

    2026-03-02 * "ACME ROBOTICS" "WIRE INV-2026-000068" ^INV-2026-000068
      bank_reference: "1234567890/172629"
      invoice: "INV-2026-000068"
      customer: "CUS-0116"
      Assets:Bank:US:Operating     49.00 USD
      Assets:AccountsReceivable   -49.00 USD

**Source ids** (`bank_reference`) are scoped by the bank's account id, since a
bank reference (an OFX FITID, say) is unique only within its account:

- `<account>/<reference>` when the format gives the bank's reference;
- `<account>/<date>/<amount> <currency>/<n>` when it does not, where `n`
  counts the lines of the file with the same account, date, amount and
  currency (1 for the first). A later export that repeats those lines gives
  them the same ids, so re-importing an overlapping export adds nothing.
- `<account>/<date>/closing <currency>` for a closing balance.

**Closing balances** become `balance` assertions dated the day after the
statement date (Beancount checks a balance at the start of its day), written
with exactly the currency's decimals, so no tolerance applies. When a file
holds several statements of one account that close on the same day, the last
one's balance is the day's closing balance: the earlier ones are intraday.

Amounts must fit their currency's minor unit and currencies must be ISO 4217
codes; every bad line is a problem at its line, and a file with a problem
yields nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from beancount.core import amount, data

from importers import bank_numbers
from importers.bank_book import Book
from importers.bank_invoices import Invoices, credited
from importers.bank_statement import ID_KEY, Booked, Closing, Item
from importers.errors import Problem, raise_if_any

ONE_DAY = datetime.timedelta(days=1)


def build(
    path: str,
    items: Iterable[Item],
    book: Book,
    existing: Iterable[data.Directive],
    problems: list[Problem],
) -> list[data.Directive]:
    """Returns the transactions and balance assertions of a statement file's lines.

    Args:
      path: The file, for the entries' metadata and the problems.
      items: What the format's reader read, in file order.
      book: The source's accounts and rules.
      existing: The books' entries; their `invoice` metadata are the invoices.
      problems: Where the reader records its problems; this adds its own.
    Raises:
      ImportFailed: With every problem, if there is any.
    """
    builder = _Builder(path, book, Invoices(existing), problems)
    for item in items:
        if isinstance(item, Booked):
            builder.booked(item)
        else:
            builder.closing(item)
    raise_if_any(problems)
    return [*builder.entries, *builder.balances()]


def clean(text: str | None) -> str:
    """Returns text with its runs of whitespace (tabs, line breaks) made single spaces."""
    return " ".join(text.split()) if text else ""


class _Builder:
    """Builds the entries of one file, recording a problem for each bad line."""

    def __init__(self, path: str, book: Book, invoices: Invoices, problems: list[Problem]):
        self.path = path
        self.book = book
        self.invoices = invoices
        self.problems = problems
        self.entries: list[data.Directive] = []
        self.closings: dict[tuple[str, str, str, datetime.date], Closing] = {}
        self.occurrences: dict[tuple[str, datetime.date, Decimal, str], int] = {}
        self.currencies: dict[str, str | None] = {}
        self.missing: set[str] = set()

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def account(self, item: Item) -> str | None:
        found = self.book.bank_accounts.get(item.account)
        if found is None and item.account not in self.missing:
            self.missing.add(item.account)
            known = ", ".join(f"'{name}'" for name in self.book.bank_accounts)
            self.problem(
                item.line,
                f"Bank account '{item.account}' is not in the source's 'bank_accounts'; "
                f"expected one of {known}",
            )
        return found

    def units(self, item: Item) -> amount.Amount | None:
        """Returns the item's amount, checked against its currency, or None with a problem."""
        if item.currency not in self.currencies:
            try:
                self.currencies[item.currency] = bank_numbers.currency(item.currency)
            except ValueError as error:
                self.currencies[item.currency] = None
                self.problem(item.line, f"Currency '{item.currency}' {error}")
        currency = self.currencies[item.currency]
        if currency is None:
            return None
        try:
            return amount.Amount(bank_numbers.fit(item.amount, currency), currency)
        except ValueError as error:
            self.problem(item.line, f"Amount '{item.amount} {currency}' {error}")
            return None

    def booked(self, item: Booked) -> None:
        account, units = self.account(item), self.units(item)
        if account is None or units is None or self.problems:
            return  # Nothing will be written: keep checking, hold no entries.
        meta: dict[str, Any] = {"filename": self.path, "lineno": item.line}
        meta[ID_KEY] = self.source_id(item, units)
        payee, narration = clean(item.payee) or None, clean(item.narration)
        counter, links = self.counter(item, payee, narration, meta)
        postings = [
            data.Posting(account, units, None, None, None, None),
            data.Posting(counter, -units, None, None, None, None),
        ]
        self.entries.append(
            data.Transaction(
                meta, item.date, "*", payee, narration, data.EMPTY_SET, links, postings
            )
        )

    def source_id(self, item: Booked, units: amount.Amount) -> str:
        if item.reference:
            return f"{item.account}/{item.reference}"
        key = (item.account, item.date, item.amount, units.currency)
        count = self.occurrences[key] = self.occurrences.get(key, 0) + 1
        return f"{item.account}/{item.date}/{units.to_string()}/{count}"

    def counter(
        self, item: Booked, payee: str | None, narration: str, meta: dict[str, Any]
    ) -> tuple[str, frozenset[str]]:
        """Returns the counter account and links of a line, adding invoice metadata to `meta`."""
        sign = (item.amount > 0) - (item.amount < 0)
        ruled = self.book.counter_account(f"{payee or ''} {narration}", sign)
        if ruled is not None:
            return ruled, data.EMPTY_SET
        if sign <= 0:
            return self.book.disbursements, data.EMPTY_SET
        named = self.invoices.named(payee, narration, item.reference)
        return credited(named, self.book.receivable, self.book.unapplied_cash, meta)

    def closing(self, item: Closing) -> None:
        account, units = self.account(item), self.units(item)
        if account is not None and units is not None:
            # A later statement of the same account and day replaces an earlier one.
            self.closings[(account, item.account, units.currency, item.date)] = item

    def balances(self) -> list[data.Balance]:
        """Returns the closing balance assertions, one per account, currency and day."""
        found = []
        for (account, _, currency, day), item in sorted(self.closings.items()):
            meta = {
                "filename": self.path,
                "lineno": item.line,
                ID_KEY: f"{item.account}/{day}/closing {currency}",
            }
            units = amount.Amount(bank_numbers.fit(item.amount, currency), currency)
            found.append(data.Balance(meta, day + ONE_DAY, account, units, None, None))
        return found
