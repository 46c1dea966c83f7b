"""Helpers shared by the importer tests: set up a folder, run an import, read what it wrote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from beancount.core import data

from importers import batch, ledger_files
from importers.errors import ImportFailed
from importers.source import SourceImporter

T = TypeVar("T", bound=SourceImporter)


def workspace(folder: Path, monkeypatch: pytest.MonkeyPatch, *sources: str) -> Path:
    """Makes documents/<source>/ of each source and ledger/ in a folder, and makes it current."""
    for name in sources:
        (folder / "documents" / name).mkdir(parents=True)
    (folder / "ledger").mkdir()
    monkeypatch.chdir(folder)
    return folder


def only(importers: Sequence[SourceImporter], kind: type[T]) -> T:
    """Returns the one importer of a kind."""
    (found,) = [each for each in importers if isinstance(each, kind)]
    return found


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


def failure(importers: list[SourceImporter], *documents: str) -> str:
    """Runs an import that must fail; returns its message."""
    with pytest.raises(ImportFailed) as failed:
        run(importers, *documents)
    return str(failed.value)


def check_refused(importers: list[SourceImporter], message: str) -> None:
    """Checks that an import fails with `message` and changes no byte of ./ledger."""
    written = tree(Path("ledger"))
    assert failure(importers) == message
    assert tree(Path("ledger")) == written


def check_reimports_add_nothing(importers: list[SourceImporter], skipped: int) -> None:
    """Imports four times more: each adds nothing, skips `skipped` entries, and changes no byte."""
    written = tree(Path("ledger"))
    for _ in range(4):
        again = run(importers)
        assert (again.added, again.skipped) == ({}, skipped)
        assert tree(Path("ledger")) == written
