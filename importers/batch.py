"""Importing every source file under `documents/` into the ledger: what `make import` runs.

Each file is identified by exactly one source of `config/importers.yaml` and
extracted by its importer; the entries of all files are then written by
`importers.ledger_files` (idempotent by source id, all or nothing). Unlike
beangulp's own commands, no file is skipped: not a large one, and not one that
no source claims (that is a problem, so a renamed export cannot go unnoticed).
Hidden files and folders (a leading dot) are not documents. A source may read
a folder of files as one document (a month of partitioned Parquet files,
`SourceImporter.document`): each of its files is claimed, the folder extracted once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from beancount.core import data

from importers import ledger_files, ledger_includes
from importers.errors import ImportFailed, Problem, raise_if_any
from importers.ledger_text import Entry
from importers.source import Lookup, SourceImporter


@dataclass(frozen=True)
class Imported:
    """What an import did: the documents read, and the entries added or already there."""

    documents: int
    added: Mapping[Path, int]
    skipped: int
    notes: Sequence[Problem] = ()  # What the importers noted without failing.


def documents_under(roots: Iterable[Path]) -> list[Path]:
    """Returns every file under the given files and folders, hidden ones left out, sorted."""
    found = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            found += [Path(folder, name) for name in names if not name.startswith(".")]
    return sorted(set(found))


def _importer_of(path: Path, importers: Sequence[SourceImporter]) -> SourceImporter:
    matches = [importer for importer in importers if importer.identify(str(path))]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(f"'{importer.name}'" for importer in matches)
        message = f"Claimed by more than one source ({names}); expected one"
    else:
        message = "No source in the importers' config claims this file; expected one to"
    raise ImportFailed([Problem(str(path), None, message)])


def extract_all(
    importers: Sequence[SourceImporter],
    documents: Sequence[Path],
    books: Sequence[data.Directive] = (),
    notes: list[Problem] | None = None,
    lookup: Lookup | None = None,
) -> list[ledger_files.Batch]:
    """Returns the entries of every document, one batch per source.

    Each file's source says which document it belongs to (itself, or its
    folder), and each document is extracted once; what the importers note
    without failing is appended to `notes`. Sources that read the books
    (`SourceImporter.reads`, `reads_custom`) are extracted last:
    they see `books` and every entry the other sources extracted, so a
    receipt can name an invoice imported in the same run, whatever the order
    of the files. Since no other source reads what they extract, they may
    give their entries as text (`SourceImporter.extract_together`, by
    default each document's `written`); one whose rows name each other's
    (`reads_itself`) has its documents extracted together, with `lookup` to
    find more of the books.

    Raises:
      ImportFailed: With the problems of every file that could not be imported.
    """
    problems: list[Problem] = []
    claimed: dict[str, dict[Path, None]] = {importer.name: {} for importer in importers}
    for path in documents:
        try:
            importer = _importer_of(path, importers)
        except ImportFailed as failed:
            problems += failed.problems
            continue
        claimed[importer.name][Path(importer.document(str(path)))] = None
    extracted: dict[str, list[Entry]] = {importer.name: [] for importer in importers}
    existing = list(books)
    for readers in (False, True):
        for importer in importers:
            if bool(importer.reads or importer.reads_custom) != readers:
                continue
            paths = [str(path) for path in claimed[importer.name]]
            if not paths:
                continue
            together = readers and importer.reads_itself  # Its rows name each other's.
            for group in [paths] if together else [[path] for path in paths]:
                try:
                    if readers:  # What they extract is read by no other source: it may be text.
                        found = importer.extract_together(group, existing, lookup)
                        extracted[importer.name] += found
                    else:
                        entries = importer.extract(group[0], books)
                        extracted[importer.name] += entries
                        existing += entries
                except ImportFailed as failed:
                    problems += failed.problems
                    continue
                if notes is not None:
                    notes += [note for path in group for note in importer.notes(path)]
    # A shared file's problem (a price book's line) that several documents hit is told once.
    problems = list(dict.fromkeys(problems))
    problems.sort(key=lambda problem: problem.path)  # Stable: each file keeps its order.
    raise_if_any(problems)
    return [
        ledger_files.Batch(
            importer.name,
            importer.placement.folder,
            importer.id_key,
            extracted[importer.name],
            # Most sources' ids are their `id_key` metadata, found by their lines in the
            # month files' text; a source reading its own way has whole entries read.
            importer.source_id if importer.reads_own_ids() else None,
        )
        for importer in importers
    ]


@ledger_files.bulk()  # No cycle collection while a million entries are alive (see `bulk`).
def import_documents(
    importers: Sequence[SourceImporter], roots: Sequence[Path], ledger: Path
) -> Imported:
    """Imports every document under `roots` into the ledger folder.

    Args:
      importers: The importer of every configured source.
      roots: The files and folders to import (usually `documents/`).
      ledger: The ledger folder (where `main.beancount` is).
    Returns:
      What was added, file by file, and how many entries were already there.
    Raises:
      ImportFailed: With every problem found; then no ledger file has changed.
    """
    documents = documents_under(roots)
    keys = sorted({key for importer in importers for key in importer.reads})
    books = ledger_files.entries_with(ledger, keys) if keys else []

    def lookup(values: Mapping[str, Set[str]]) -> list[data.Directive]:
        return ledger_files.entries_with(ledger, values, values)

    types = sorted({kind for importer in importers for kind in importer.reads_custom})
    books += ledger_files.custom_entries(ledger, types) if types else []
    notes: list[Problem] = []
    changes = ledger_files.plan(ledger, extract_all(importers, documents, books, notes, lookup))
    raise_if_any(ledger_includes.not_included(ledger, [p for p, n in changes.added.items() if n]))
    ledger_files.write(changes)
    return Imported(len(documents), changes.added, changes.skipped, tuple(notes))
