"""What the billing importers share: one transaction per document, idempotent by document id.

A billing source reads its files into `billing_invoice.Document`s (each module
its own format); this base class checks that every document adds up and turns
it into its transactions (`billing_entries`). The id of an entry is its
document's (`billing_invoice.document_id`): the invoice or credit note id, or
`<id>:void` and `<id>:uncollectible` for a status change, all kept under the
`invoice` key as DESIGN.md names it.
"""

from __future__ import annotations

from beancount.core import data

from importers.billing_config import Book
from importers.billing_entries import transactions
from importers.billing_invoice import Document, document_id
from importers.errors import Problem, raise_if_any
from importers.source import Placement, SourceImporter


class BillingImporter(SourceImporter):
    """A billing system's export: one transaction per invoice, credit note and status change."""

    id_key = "invoice"

    def __init__(self, placement: Placement, book: Book) -> None:
        super().__init__(placement, book.receivable)
        self.book = book

    def source_id(self, entry: data.Directive) -> str | None:
        """Returns the entry's billing id (`INV-1`, `CN-1`, `INV-1:void`), if it is a document."""
        return document_id(entry)

    def documents(self, filepath: str, problems: list[Problem]) -> list[Document]:
        """Returns the documents of a file, appending a problem for each bad field.

        Raises:
          ImportFailed: If the file cannot be read at all.
        """
        raise NotImplementedError

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Transaction]:
        """Returns the transactions of every document in the file.

        Raises:
          ImportFailed: Naming the file, line and field of every problem.
        """
        problems: list[Problem] = []
        entries: list[data.Transaction] = []
        for document in self.documents(filepath, problems):
            mismatch = document.total_problem()
            if mismatch is not None:
                problems.append(Problem(document.path, document.line, mismatch))
            else:
                entries += transactions(document, self.book)
        raise_if_any(sorted(problems, key=lambda problem: problem.line or 0))
        return entries
