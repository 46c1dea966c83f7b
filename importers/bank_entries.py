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

A line is made as its ledger text (`ledger_text.Printed`, printed by
`ledger_text.pair`), not as a Beancount entry: the ledger writer needs only
its day, id and text, and a bank's export of a million lines imports in
about half the memory and a quarter less time without a million entries
(`bench/README.md`). beangulp's commands read the text back as entries
(`bank_importer.StatementImporter.extract`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from beancount.core import amount, data

from importers import bank_numbers
from importers.bank_book import Book
from importers.bank_invoices import Invoices, credited
from importers.bank_statement import ID_KEY, Booked, Closing, Item
from importers.errors import Problem, raise_if_any
from importers.ledger_text import Printed, pair, printed

ONE_DAY = datetime.timedelta(days=1)


def build(
    path: str,
    items: Iterable[Item],
    book: Book,
    existing: Iterable[data.Directive],
    problems: list[Problem],
) -> list[Printed]:
    """Returns the transactions and balance assertions of a statement file's lines, as text.

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
    builder.entries += builder.balances()  # Not copied: a million lines are 8 MB of list.
    return builder.entries


def clean(text: str | None) -> str:
    """Returns text with its runs of whitespace (tabs, line breaks) made single spaces."""
    if not text:
        return ""
    # Most text is clean: single spaces inside only (all other whitespace is unprintable).
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return " ".join(text.split())


# A named tuple made without its `__new__`, which is written in Python: a million
# lines make a million of them. The arguments are of the right types by construction.
_new = tuple.__new__


class _Builder:
    """Builds the entries of one file, recording a problem for each bad line."""

    def __init__(self, path: str, book: Book, invoices: Invoices, problems: list[Problem]):
        self.path = path
        self.book = book
        self.invoices = invoices
        self.problems = problems
        self.entries: list[Printed] = []
        self.closings: dict[tuple[str, str, str, datetime.date], Closing] = {}
        self.occurrences: dict[tuple[str, datetime.date, Decimal, str], int] = {}
        self.currencies: dict[str, str | None] = {}
        self.units: dict[str, Decimal] = {}  # A known currency's minor unit (`fit`).
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

    def currency(self, item: Item) -> str | None:
        """Returns the item's currency code, or None with a problem (once a file)."""
        if item.currency not in self.currencies:
            try:
                self.currencies[item.currency] = found = bank_numbers.currency(item.currency)
                self.units[found] = bank_numbers.unit(found)
            except ValueError as error:
                self.currencies[item.currency] = None
                self.problem(item.line, f"Currency '{item.currency}' {error}")
        return self.currencies[item.currency]

    def number(self, item: Item, currency: str) -> Decimal | None:
        """Returns the item's amount with its currency's decimals, or None with a problem."""
        try:
            return bank_numbers.fit(item.amount, currency)
        except ValueError as error:
            self.problem(item.line, f"Amount '{item.amount} {currency}' {error}")
            return None

    def booked(self, item: Booked) -> None:
        """Adds the transaction of a booked line (it runs a million times for a large file)."""
        bank_account, line, date, signed, code, reference, payee, narration = item
        book = self.book
        account = book.bank_accounts.get(bank_account) or self.account(item)
        currency = self.currencies.get(code) or self.currency(item)
        number = None
        if currency is not None:
            try:  # `bank_numbers.fit`, inlined; `number` tells what does not fit.
                number = signed.quantize(self.units[currency])
            except InvalidOperation:
                number = None
            if number is None or number != signed:
                number = self.number(item, currency)
        if account is None or currency is None or number is None or self.problems:
            return  # Nothing will be written: keep checking, hold no entries.
        payee, narration = clean(payee) or None, clean(narration)
        source_id = (
            f"{bank_account}/{reference}" if reference else self.counted_id(item, number, currency)
        )
        meta = {ID_KEY: source_id}
        # The counter account: a rule's, or money out's, or money in's (see `credited`).
        sign = 1 if signed > 0 else -1  # Money in, or not: all `counter_account` tells apart.
        text = f"{payee or ''} {narration}".casefold()
        counter, links = book.counter_account(text, sign), data.EMPTY_SET
        if counter is None and sign <= 0:
            counter = book.disbursements
        elif counter is None:
            if reference:
                text += " " + reference.casefold()
            named = self.invoices.named_in(text)
            counter, links = credited(named, book.receivable, book.unapplied_cash, meta)
        printed = pair(
            date, "*", payee, narration, links, meta, account, number, counter, -number, currency
        )
        self.entries.append(_new(Printed, (date, source_id, printed, self.path, line)))

    def counted_id(self, item: Booked, number: Decimal, currency: str) -> str:
        """Returns the id of a line without a reference: its account, date, amount and count."""
        key = (item.account, item.date, item.amount, currency)
        count = self.occurrences[key] = self.occurrences.get(key, 0) + 1
        return f"{item.account}/{item.date}/{amount.Amount(number, currency).to_string()}/{count}"

    def closing(self, item: Closing) -> None:
        account, currency = self.account(item), self.currency(item)
        number = self.number(item, currency) if currency is not None else None
        if account is not None and currency is not None and number is not None:
            # A later statement of the same account and day replaces an earlier one.
            self.closings[(account, item.account, currency, item.date)] = item

    def balances(self) -> list[Printed]:
        """Returns the closing balance assertions, one per account, currency and day."""
        found = []
        for (account, _, currency, day), item in sorted(self.closings.items()):
            source_id = f"{item.account}/{day}/closing {currency}"
            meta = {"filename": self.path, "lineno": item.line, ID_KEY: source_id}
            units = amount.Amount(bank_numbers.fit(item.amount, currency), currency)
            entry = data.Balance(meta, day + ONE_DAY, account, units, None, None)
            found.append(Printed(entry.date, source_id, printed(entry), self.path, item.line))
        return found
