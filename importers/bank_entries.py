"""Bank statement lines into ledger entries: the same rules for every format.

A booked line becomes one transaction between the bank account and a counter
account, chosen in this order:

1. the first of the source's `rules` whose text the line contains;
2. money in whose text names exactly one invoice of the books (see
   `importers.bank_invoices`), in the invoice's currency: the receivable,
   linked to the invoice, with its `invoice` (and the invoice's `customer`)
   as metadata;
3. other money in: unapplied cash, linked to every invoice it names (the AR
   plugin applies it to them, oldest first); money naming one invoice in
   another currency keeps its `invoice` and `customer`, and the AR plugin
   converts it at the day's price;
4. money out whose text names exactly one invoice, in its currency: the
   receivable, linked to the invoice, with the same metadata. A returned
   (bounced) payment is taken back from the invoice it paid, which is open
   again; a refund naming only a credit note, or only an invoice paid over,
   takes back its credit left in the receivable. A refund the books move to
   customer credits by an entry of their own is claimed by a rule first
   (`REFUND`, say);
5. other money out: the source's `disbursements` account.

In steps 2 to 5 the books choose (the receivable, or unapplied cash or
disbursements; the links, `invoice` and `customer`): each line records that
choice (`Printed.books`, a `ledger_text.Choice`), which a re-import does not
compare (`ledger_text.same_row`).

    2026-03-02 * "ACME ROBOTICS" "WIRE INV-2026-000068" ^INV-2026-000068
      bank_reference: "1234567890/172629"
      invoice: "INV-2026-000068"
      customer: "CUS-0116"
      Assets:Bank:US:Operating     49.00 USD
      Assets:AccountsReceivable   -49.00 USD

**Source ids** (`bank_reference`) are scoped by the bank's account id, since a
bank reference (an OFX FITID, say) is unique only within its account:

- `<account>/<reference>` when the format gives the bank's reference (a
  BAI2 lockbox's items share their batch's: `importers.bank_bai2` numbers
  its later occurrences in the file);
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
`ledger_text.pairs`), not as a Beancount entry: the ledger writer needs only
its day, id and text, and a bank's export of a million lines imports in
about half the memory and a quarter less time without a million entries
(`bench/README.md`). beangulp's commands read the text back as entries
(`bank_importer.StatementImporter.extract`).

Lines are built `LINES_AT_ONCE` at a time, as columns (the accounts of all,
then their amounts, ...), so that most of the work runs in Python's own
loops (`map`) rather than line by line: a fifth less time for a million
lines (`bench/README.md`). A bad line is still named at its line, and the
lines of a file are checked in order; a CSV export is read no further than
its first problem (`importers.csv_rows`), but the lines already read when
the problem is found, up to `LINES_AT_ONCE` of them, are all checked.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, cast

from beancount.core import amount, data

from importers import bank_numbers
from importers.bank_book import Book
from importers.bank_invoices import CUSTOMER, INVOICE, Invoices, credited
from importers.bank_statement import ID_KEY, Booked, Closing, Item
from importers.errors import Problem, raise_if_any
from importers.ledger_text import Choice, Printed, pairs, printed

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
    lines: list[Booked] = []  # Booked lines not yet built, in file order.
    for item in items:
        if isinstance(item, Booked):
            lines.append(item)
            if len(lines) == LINES_AT_ONCE:
                builder.booked(lines)
                lines = []
        else:  # The lines before a closing come first: their problems are named first.
            builder.booked(lines)
            lines = []
            builder.closing(item)
    builder.booked(lines)
    raise_if_any(problems)
    builder.entries += builder.balances()  # Not copied: a million lines are 8 MB of list.
    return builder.entries


def clean(text: str | None) -> str:
    """Returns text with its runs of whitespace (tabs, line breaks) made single spaces."""
    if not text:
        return ""
    return text if _is_clean(text) else " ".join(text.split())


def cleaned(texts: Sequence[str | None]) -> list[str]:
    """Returns `clean` of each text: the texts as they are when all are clean (most are).

    Texts joined by single spaces are clean together exactly when each is clean.
    """
    written = list(filter(None, texts))
    if written and len(written) == len(texts) and _is_clean(" ".join(written)):
        return cast(list[str], list(texts))
    return list(map(clean, texts))


def _is_clean(text: str) -> bool:
    """Tells whether a text (not empty) has single spaces inside only, and no other whitespace.

    Most text is: all whitespace but the space is unprintable.
    """
    return text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " "


def _or_empty(text: str | None) -> str:
    return text or ""


def _with_references(texts: list[str], references: list[str | None]) -> list[str]:
    """Returns each text followed by its line's reference, if it has one."""
    if all(references):
        return [f"{text} {reference}" for text, reference in zip(texts, references, strict=True)]
    return [
        f"{text} {reference}" if reference else text
        for text, reference in zip(texts, references, strict=True)
    ]


LINES_AT_ONCE = 4096
"""How many lines are built together, as columns (`_Builder.booked`)."""

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

    def checked(self, item: Booked) -> tuple[str | None, str | None, Decimal | None]:
        """Returns a line's account, currency and amount, each None with a problem if bad."""
        account = self.book.bank_accounts.get(item.account) or self.account(item)
        currency = self.currencies.get(item.currency) or self.currency(item)
        number = self.number(item, currency) if currency is not None else None
        return account, currency, number

    def fitted(
        self, accounts: list[str | None], currencies: list[str | None], amounts: Sequence[Decimal]
    ) -> list[Decimal] | None:
        """Returns the amounts with their currencies' decimals if every line is good, else None.

        What `checked` finds for good lines, without a problem to name; None
        when a line's account or currency is unknown (or not seen yet) or an
        amount does not fit, for `checked` to tell.
        """
        if None in accounts or None in currencies:
            return None
        units = map(self.units.__getitem__, cast(list[str], currencies))
        try:
            numbers = list(map(Decimal.quantize, amounts, units))
        except InvalidOperation:
            return None
        return numbers if all(map(operator.eq, numbers, amounts)) else None

    def booked(self, lines: list[Booked]) -> None:
        """Adds the transactions of booked lines, a few thousand at a time (a million in all).

        The lines are built as columns, so that Python's own loops (`map`)
        do most of the work: the rules are those of the module's docstring.
        """
        if not lines:
            return
        columns = zip(*lines, strict=True)
        bank_ids, rows, dates, amounts, codes, references, payees_read, narrations_read = columns
        accounts = list(map(self.book.bank_accounts.get, bank_ids))
        currencies = list(map(self.currencies.get, codes))
        fitted = self.fitted(accounts, currencies, amounts)
        if fitted is None:  # Line by line, naming each bad one.
            accounts, currencies, checked = map(list, zip(*map(self.checked, lines), strict=True))
        if self.problems:
            return  # Nothing will be written: keep checking, hold no entries.
        numbers = cast(list[Decimal], fitted or checked)
        narrations = cleaned(narrations_read)
        payees = [payee or None for payee in cleaned(payees_read)]
        if all(references):
            referenced = zip(bank_ids, references, strict=True)
            ids = [f"{bank_id}/{reference}" for bank_id, reference in referenced]
        else:
            ids = [
                f"{bank_id}/{reference}" if reference else self.counted_id(line, number, currency)
                for bank_id, reference, line, number, currency in zip(
                    bank_ids, references, lines, numbers, cast(list[str], currencies), strict=True
                )
            ]
        counters, links, invoices, customers, choices = self.counter_accounts(
            payees, narrations, references, amounts, currencies
        )
        texts = pairs(
            dates,
            ["*"] * len(lines),
            payees,
            narrations,
            links,
            {ID_KEY: ids, INVOICE: invoices, CUSTOMER: customers},
            cast(list[str], accounts),
            numbers,
            counters,
            list(map(operator.neg, numbers)),
            cast(list[str], currencies),
        )
        made = zip(dates, ids, texts, repeat(self.path), rows, choices)
        self.entries += map(_new, repeat(Printed), made)

    def counter_accounts(
        self,
        payees: list[str | None],
        narrations: list[str],
        references: Sequence[str | None],
        amounts: Sequence[Decimal],
        currencies: Sequence[str | None],
    ) -> tuple[
        list[str], list[frozenset[str]], list[str | None], list[str | None], list[Choice | None]
    ]:
        """Returns each line's counter account, links, invoice and customer, and the books' choice.

        A rule's account, else money in's (see `credited`), else money out's:
        the receivable when it names exactly one invoice (taken back from it),
        else the disbursements account. A line no rule claims has its account
        and links chosen by the books (`ledger_text.Choice`: the receivable,
        or unapplied cash or disbursements), which a re-import does not compare.
        """
        count, book = len(amounts), self.book
        money_in = list(map(operator.gt, amounts, repeat(0)))
        words = zip(map(_or_empty, payees), narrations, strict=True)
        texts = [f"{payee} {narration}" for payee, narration in words]
        counters: list[str | None] = (  # None: no rule claims it; its text may name invoices.
            list(map(book.counter_account, map(str.casefold, texts), money_in))
            if book.rules
            else [None] * count
        )
        unclaimed = [at for at, counter in enumerate(counters) if counter is None]
        named_texts = _with_references(  # A line names invoices in its text or reference.
            list(map(texts.__getitem__, unclaimed)), list(map(references.__getitem__, unclaimed))
        )
        paid, taken_back = book.choices  # Money in's and money out's (a returned payment).
        nothing, nothing_linked = credited([], paid, {})
        links = [nothing_linked if counter is None else data.EMPTY_SET for counter in counters]
        choices: list[Choice | None] = [
            (paid if is_in else taken_back) if counter is None else None
            for counter, is_in in zip(counters, money_in, strict=True)
        ]
        invoices: list[str | None] = [None] * count
        customers: list[str | None] = [None] * count
        for at, named in zip(unclaimed, self.invoices.named_in_each(named_texts), strict=True):
            if not money_in[at] and len(named) != 1:
                counters[at] = taken_back.otherwise
                continue
            if not named:
                counters[at] = nothing
                continue
            meta: dict[str, Any] = {}
            books = paid if money_in[at] else taken_back
            counters[at], links[at] = credited(named, books, meta, currencies[at])
            invoices[at], customers[at] = meta.get(INVOICE), meta.get(CUSTOMER)
        return cast(list[str], counters), links, invoices, customers, choices

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
