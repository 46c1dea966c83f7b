"""`python import.py import`: import every source file into the ledger, added to beangulp's CLI.

beangulp's own commands (`extract`, `identify`, `archive`) work on the same
importers; this one writes the ledger's month files (`importers.batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from importers import batch
from importers.errors import ImportFailed, shown
from importers.source import SourceImporter


def import_command(importers: Sequence[SourceImporter], root: Path) -> click.Command:
    """Returns the `import` command for the given importers.

    Args:
      importers: The importer of every configured source.
      root: The repository's folder, where `documents/` and `ledger/` are by default.
    """

    @click.command("import")
    @click.argument("documents", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option(
        "--ledger",
        type=click.Path(file_okay=False, path_type=Path),
        default=root / "ledger",
        help="The ledger folder, where main.beancount is (default: ledger/).",
    )
    def run(documents: tuple[Path, ...], ledger: Path) -> None:
        """Import DOCUMENTS (files or folders; default: documents/) into the ledger.

        Each source's entries go to one file per month under the ledger folder.
        Rows whose id is already in the ledger are skipped; on any problem no
        ledger file is changed.
        """
        try:
            done = batch.import_documents(importers, documents or (root / "documents",), ledger)
        except ImportFailed as failed:
            click.echo(str(failed), err=True)
            count = len(failed.problems)
            plural = "s" if count != 1 else ""
            click.echo(f"{count} problem{plural}; no ledger file was changed.", err=True)
            raise SystemExit(1) from None
        for note in done.notes:
            click.echo(str(note))
        for path, added in sorted(done.added.items()):
            click.echo(f"{shown(path)}: {added} added")
        click.echo(
            f"Imported {done.documents} documents: {sum(done.added.values())} entries added, "
            f"{done.skipped} already in the ledger."
        )

    return run
