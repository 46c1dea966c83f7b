"""Helpers shared by the importer tests: run an import, read what it wrote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from beancount.core import data

from importers import batch, ledger_files
from importers.source import SourceImporter


def printed(entries: Sequence[data.Directive]) -> str:
    """Returns entries as the ledger writer prints them."""
    return "\n".join(ledger_files.canonical(entry) for entry in entries)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, hidden ones included (a stray temporary would show)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(importers: list[SourceImporter], *documents: str) -> batch.Imported:
    """Imports documents (default: ./documents) into ./ledger."""
    roots = [Path(document) for document in documents] or [Path("documents")]
    return batch.import_documents(importers, roots, Path("ledger"))
