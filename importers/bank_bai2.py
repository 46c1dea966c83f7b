"""BAI2 cash management files (US banks), parsed with the `bai2` library.

    bank-us:
      importer: bai2
      documents: bank/us/*.bai2
      ledger: bank/us
      bank_accounts: {"1234567890": Assets:Bank:US:Operating}
      accounts: {disbursements: Expenses:Unreconciled}

`bai2` (the Ministry of Justice's parser) reads the records, joins `88`
continuations and checks the file's record counts and control totals. Each
`16` transaction detail is a booked line, dated the group's as-of date (a
detail record has no date of its own), in the currency of its `03` account
record, else of its `02` group; amounts are in the currency's minor units, as
BAI2 writes them. Its type code says whether it is a credit or a debit; a
non-monetary detail (type 890) moves no money and is not imported. Its text is
the `88` continuation text, else the type code's description, followed by the
customer reference if the record has one that the text does not hold (what
the payer quoted: an invoice number, often); its reference is the bank
reference, if the record has one, numbered when the file repeats it
(`_References`). The account's closing ledger
balance (summary type 015) is the closing balance at the end of the as-of date.

A file must end with its `99` trailer: a file that does not is reported as
truncated before it is parsed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from bai2 import bai2, exceptions, models
from bai2.constants import TypeCodeTransaction

from importers import bank_importer, bank_numbers
from importers.bank_importer import StatementImporter
from importers.bank_statement import Booked, Closing, Item, quoted
from importers.config import Section
from importers.errors import ImportFailed, Problem
from importers.source import Placement

CLOSING_LEDGER = "015"
_FAILURES = (
    exceptions.ParsingException,
    exceptions.NotSupportedYetException,
    exceptions.IntegrityException,
    ValueError,
    KeyError,
    StopIteration,
)


class _Lines:
    """The file's non-blank lines, numbered, fed to the parser one at a time."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
        self.numbered = [(n, line) for n, line in self.numbered if line]
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for index, (_, line) in enumerate(self.numbered):
            self.read = index
            yield line

    def failed(self, error: Exception) -> ImportFailed:
        """Returns the failure at the record the parser was reading (it reads one line ahead)."""
        starts = [n for n, line in self.numbered[: self.read + 1] if not line.startswith("88")]
        exhausted = self.read + 1 == len(self.numbered)
        line = starts[-1] if exhausted or len(starts) < 2 else starts[-2]
        detail = str(error) or type(error).__name__
        return ImportFailed([Problem(self.path, line, f"Not a valid BAI2 file: {detail}")])

    def starting(self, code: str) -> list[int]:
        """Returns the lines of the records of a type (`03`, `16`), in file order."""
        return [number for number, line in self.numbered if line.startswith(code + ",")]

    def trailer_problem(self) -> Problem | None:
        """Returns a problem if the file does not end with its `99` trailer record."""
        if not self.numbered:
            return Problem(self.path, 1, "File is empty; expected a BAI2 file")
        last, text = self.numbered[-1]
        if text.startswith("99,"):
            return None
        message = "File ends without its '99' trailer record; it looks truncated"
        return Problem(self.path, last, message)


def _text(path: str) -> str:
    try:
        with open(path, encoding="ascii") as stream:
            return stream.read()
    except UnicodeDecodeError as error:
        message = f"Cannot decode the file as ASCII, as BAI2 is written: {error.reason}"
        raise ImportFailed([Problem(path, None, message)]) from error
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error


def read(path: str, problems: list[Problem]) -> list[Item]:
    """Returns the booked lines and closing balances of a BAI2 file.

    Raises:
      ImportFailed: If the file is truncated or does not parse.
    """
    lines = _Lines(path, _text(path))
    truncated = lines.trailer_problem()
    if truncated is not None:
        raise ImportFailed([truncated])
    try:
        parsed = bai2.parse_from_lines(iter(lines))
    except _FAILURES as error:
        raise lines.failed(error) from error
    return list(_items(path, parsed, lines, problems))


def _items(
    path: str, parsed: models.Bai2File, lines: _Lines, problems: list[Problem]
) -> Iterator[Item]:
    """Yields the file's items; its `03` and `16` records are numbered in file order."""
    accounts = iter(lines.starting("03"))
    details = iter(lines.starting("16"))
    references = _References()
    for group in parsed.children:
        for account in group.children:
            found = _account(path, group.header, account, next(accounts), details, problems)
            yield from map(references.numbered, found)


class _References:
    """The bank references of a file's details, a repeated one numbered by its occurrence.

    A lockbox's items share their batch's reference (`LBX77`), yet each is a
    payment: the first keeps the reference, later ones in the file are
    `LBX77/2`, `LBX77/3`, ... (skipping one the bank wrote itself), so a file
    that repeats no reference keeps its ids, and re-importing it adds nothing.
    """

    def __init__(self) -> None:
        self.taken: set[tuple[str, str]] = set()  # (account, reference) given so far
        self.last: dict[tuple[str, str], int] = {}  # the last occurrence numbered

    def numbered(self, item: Item) -> Item:
        if not isinstance(item, Booked) or not item.reference:
            return item
        key = (item.account, item.reference)
        if key not in self.taken:
            self.taken.add(key)
            return item
        count = self.last.get(key, 1) + 1
        while (item.account, f"{item.reference}/{count}") in self.taken:
            count += 1
        self.last[key] = count
        reference = f"{item.reference}/{count}"
        self.taken.add((item.account, reference))
        return item._replace(reference=reference)


def _account(
    path: str,
    group: models.GroupHeader,
    account: models.Account,
    line: int,
    details: Iterator[int],
    problems: list[Problem],
) -> Iterator[Item]:
    number = str(account.header.customer_account_number)
    currency = account.header.currency or group.currency
    day: datetime.date = group.as_of_date
    if not currency:
        message = f"Account '{number}' has no currency in its '03' record or its group's '02'"
        problems.append(Problem(path, line, message + "; expected an ISO code like 'USD'"))
    for detail in account.children:
        at = next(details)
        kind = detail.type_code.transaction
        if not currency or kind not in (TypeCodeTransaction.credit, TypeCodeTransaction.debit):
            continue
        units = bank_numbers.PRECISION.from_minor(int(detail.amount), currency)
        text = _narration(detail)
        sign = units if kind is TypeCodeTransaction.credit else -units
        yield Booked(number, at, day, sign, currency, detail.bank_reference, None, text)
    for summary in account.header.summary_items:
        if currency and summary.type_code.code == CLOSING_LEDGER:
            units = bank_numbers.PRECISION.from_minor(int(summary.amount), currency)
            yield Closing(number, line, day, units, currency)


def _narration(detail: models.TransactionDetail) -> str:
    """Returns a detail's text, else its type's description, and its customer reference.

    The customer reference (the record's sixth field) is what the payer quoted,
    an invoice number often: it is searched for invoices with the text. It is
    left out when the text already holds it as a word (`bank_statement.quoted`).
    """
    text: str = detail.text or detail.type_code.description
    return " ".join([text, *quoted(text, [detail.customer_reference])])


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of a `bai2` section; see `importers.bank_book` for its fields."""
    return bank_importer.from_config(section, placement, read)
