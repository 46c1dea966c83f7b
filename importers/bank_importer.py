"""The beangulp importer every bank statement format shares, and its config section.

A statement format is a reader (`importers.bank_statement.Reader`); the
importer runs it and builds the entries (`importers.bank_entries`). The
formats with account ids in their files (BAI2, CAMT.053, MT940, OFX) map them
to ledger accounts with `bank_accounts` (see `importers.bank_book`).
"""

from __future__ import annotations

from collections.abc import Sequence

from beancount.core import data

from importers import bank_book, bank_entries, ledger_files, ledger_text, source
from importers.bank_book import Book
from importers.bank_statement import ID_KEY, Reader
from importers.config import Section
from importers.errors import Problem
from importers.ledger_text import Printed
from importers.source import Placement, SourceImporter


class StatementImporter(SourceImporter):
    """Imports a bank's statement files: a transaction per booked line, and balance assertions.

    Receipts whose text names an invoice of the books (the `invoice` metadata
    of `existing` entries) credit the receivable; see `importers.bank_entries`.
    """

    id_key = ID_KEY
    reads = ("invoice",)

    def __init__(self, placement: Placement, book: Book, reader: Reader) -> None:
        super().__init__(placement, book.file_account)
        self.book = book
        self.reader = reader

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        """Returns the file's transactions and closing balance assertions.

        Raises:
          ImportFailed: Naming the file and line of every problem.
        """
        return ledger_text.entries(self.written(filepath, existing))

    def written(self, filepath: str, existing: list[data.Directive]) -> list[Printed]:
        """Returns the text of the file's transactions and closing balance assertions.

        Raises:
          ImportFailed: Naming the file and line of every problem.
        """
        problems: list[Problem] = []
        items = self.reader(filepath, problems)
        with ledger_files.bulk():
            return bank_entries.build(filepath, items, self.book, existing, problems)

    def account(self, filepath: str) -> str:
        """Returns the account the file is archived under: its first statement's."""
        if len(self.book.bank_accounts) == 1:
            return self.book.file_account
        for item in self.reader(filepath, []):
            return self.book.bank_accounts.get(item.account, self.book.file_account)
        return self.book.file_account


def from_config(
    section: Section, placement: Placement, reader: Reader, fields: Sequence[str] = ()
) -> StatementImporter:
    """Builds the importer of a statement format's section, recording its problems in it.

    Fields besides the placement: `bank_accounts`, `accounts`, `rules` (see
    `importers.bank_book`), and the format's own `fields`.
    """
    section.reject_unknown([*source.FIELDS, "bank_accounts", *bank_book.FIELDS, *fields])
    book = bank_book.book(section, bank_book.bank_accounts(section))
    return StatementImporter(placement, book, reader)
