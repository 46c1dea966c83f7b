"""beangulp's entry point for the revenue close, wired to `config/importers.yaml`.

    python import.py import [DOCUMENTS...] [--ledger ledger]
    python import.py extract documents [-e ledger/main.beancount]
    python import.py identify documents
    python import.py archive documents -o archive

`import` (what `make import` runs) writes each source's entries to
`ledger/<source>/YYYY-MM.beancount`: idempotent by source id, and all or
nothing. beangulp's own commands print or file documents and leave the ledger
alone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import beangulp

from importers import command, sources
from importers.errors import ImportFailed

ROOT = Path(__file__).resolve().parent
CONFIG = ROOT / "config" / "importers.yaml"


def ingest(config: Path = CONFIG, root: Path = ROOT) -> Any:
    """Returns beangulp's command line with the importers built from the configuration file.

    Raises:
      ImportFailed: If the configuration file has problems.
    """
    importers = sources.load(config)
    cli = beangulp.Ingest(importers)
    cli.cli.add_command(command.import_command(importers, root))
    return cli


def main() -> None:
    """Runs the command line; a bad configuration file prints its problems and exits 1."""
    try:
        cli = ingest()
    except ImportFailed as failed:
        print(failed, file=sys.stderr)
        sys.exit(1)
    cli()


if __name__ == "__main__":
    main()
