"""What every importer of a source system shares: which files are its, where its entries go.

A source is a section of `config/importers.yaml`; three of its fields place it,
the rest belong to the module that reads its files:

    commissions:
      importer: commissions          # the module: importers/commissions.py
      documents: commissions/*.csv   # its files: a glob matched at the end of their path
      ledger: commissions            # its entries: ledger/commissions/YYYY-MM.beancount

Every entry an importer extracts carries its row's id in the source system under
`id_key` (e.g. `commission_id`): that is what makes importing idempotent
(`importers.ledger_files`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from typing import Any, ClassVar

import beangulp
from beancount.core import data
from beangulp import extract

from importers import ledger_files
from importers.config import Section
from importers.errors import Problem
from importers.ledger_text import Entry
from plugins import policy

FIELDS = ("importer", "documents", "ledger")

# The books' entries carrying these values of these metadata keys (`ledger_files.entries_with`).
Lookup = Callable[[Mapping[str, Set[str]]], list[data.Directive]]


@dataclass(frozen=True)
class Placement:
    """Where a source's files are found and where its entries are written."""

    source: str  # The section's name in config/importers.yaml.
    pattern: str  # A glob matched against the end of a file's path.
    folder: str  # The folder under the ledger that receives its month files.


def _relative(value: Any) -> str:
    path = PurePosixPath(policy.text(value))
    if path.is_absolute() or ".." in path.parts or str(path) == ".":
        raise ValueError(value)
    return str(path)


def placement(section: Section) -> Placement:
    """Reads where a source's files are and where its entries go, recording problems."""
    glob = "a relative glob like 'commissions/*.csv', without '..'"
    pattern = section.require("documents", _relative, glob, "")
    folder = section.require("ledger", _relative, "a folder like 'commissions', without '..'", "")
    return Placement(section.name, pattern, folder)


class SourceImporter(beangulp.Importer):  # type: ignore[misc]
    """A beangulp importer of one source system's files, placed by its config section."""

    id_key: ClassVar[str]
    """The metadata key of the source's row id on every extracted entry."""

    reads: ClassVar[tuple[str, ...]] = ()
    """Metadata keys of the books' entries that `extract` looks for in `existing`.

    The import command passes such a source the ledger's entries that carry
    one of these keys, and everything the other sources extracted in the same
    run (a bank receipt names an invoice by its `invoice`).
    """

    reads_custom: ClassVar[tuple[str, ...]] = ()
    """Types of the books' `custom` directives that `extract` looks for in `existing`.

    Like `reads`: the import command passes such a source the ledger's
    `custom` directives of these types (`customer`: the usage importer's
    customers), and what the other sources extracted in the same run.
    """

    reads_itself: ClassVar[bool] = False
    """Whether the rows of the source's documents name each other (`extract_together`).

    The import command then extracts such a source's documents of one run
    together (one that `reads`), whatever their order (Stripe's rule is
    `importers.stripe_balance`'s docstring).
    """

    def __init__(self, placement: Placement, file_account: str) -> None:
        self.placement = placement
        self.file_account = file_account

    @property
    def name(self) -> str:
        """The source's name in config/importers.yaml."""
        return self.placement.source

    def identify(self, filepath: str) -> bool:
        """Tells whether the file's path ends like the source's `documents` glob."""
        return PurePath(filepath).match(self.placement.pattern)

    def account(self, filepath: str) -> str:
        """Returns the account the source's files are archived under."""
        return self.file_account

    def date(self, filepath: str) -> datetime.date | None:
        """Returns the latest date of the file's entries, to archive it under."""
        return max((entry.date for entry in self.written(filepath, [])), default=None)

    def written(self, filepath: str, existing: list[data.Directive]) -> Sequence[Entry]:
        """Returns what the import command writes of a document: what `extract` returns.

        A source of a million rows may return its entries as their text
        (`ledger_text.Printed`), which the ledger writer takes as it is,
        if it reads the books (`reads`): no other source reads what such a
        source extracts (`batch.extract_all`).
        """
        return self.extract(filepath, existing)  # type: ignore[no-any-return]

    def extract_together(
        self, paths: Sequence[str], existing: list[data.Directive], lookup: Lookup | None = None
    ) -> Sequence[Entry]:
        """Returns what the import command writes of a source's documents that read the books.

        The import command passes one document at a time, or all of a
        source's documents of the run if their rows name each other's
        (`reads_itself`). By default each one's `written` after the other;
        `lookup` finds more of the books' entries, by the values of their
        metadata keys, than `existing` (the entries carrying a key of
        `reads`) holds.

        Raises:
          ImportFailed: With the problems of every document.
        """
        return [entry for path in paths for entry in self.written(path, existing)]

    def filename(self, filepath: str) -> str:
        """Returns the archived file's name: the source's name with the file's extension."""
        return self.placement.source + PurePath(filepath).suffix

    def document(self, filepath: str) -> str:
        """Returns the document a file it identifies belongs to: usually the file itself.

        A source whose document is a folder of files (a month of partitioned
        Parquet files) returns the folder: the import command extracts it once.
        """
        return filepath

    def notes(self, filepath: str) -> list[Problem]:
        """Returns what the last `extract` of a document noted without failing.

        The import command prints them (e.g. events repeated with the same
        content, counted once); by default there are none.
        """
        return []

    def source_id(self, entry: data.Directive) -> str | None:
        """Returns the entry's id in the source system, or None if it is not the source's.

        The id is the entry's `id_key` metadata; a source whose entries of several
        kinds share that key (an invoice and its void) reads it otherwise (and the
        ledger writer then reads whole entries of its month files to find their
        ids, not only their id lines: `ledger_files.plan`).
        """
        return ledger_files.meta_id(self.id_key)(entry)

    def reads_own_ids(self) -> bool:
        """Tells whether the source reads its ids otherwise than as its `id_key` metadata."""
        return type(self).source_id is not SourceImporter.source_id

    def deduplicate(self, entries: list[data.Directive], existing: list[data.Directive]) -> None:
        """Marks an entry whose id is in `existing` with the same content as a duplicate.

        An entry whose id is there with different content is left unmarked
        (what the books chose of it aside: `ledger_files.same_entry`):
        `python import.py import` reports it as an error.
        """
        known = {
            source_id: entry
            for entry in existing
            if isinstance(entry.meta, dict) and (source_id := self.source_id(entry)) is not None
        }
        for entry in entries:
            twin = known.get(self.source_id(entry) or "")
            if twin is not None and ledger_files.same_entry(entry, twin):
                entry.meta[extract.DUPLICATE] = twin
