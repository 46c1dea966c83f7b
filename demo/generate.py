"""Generate the demo company's books: ``python -m demo.generate``.

Example::

    python -m demo.generate                      # the committed demo: ledger/ and documents/
    python -m demo.generate --customers 10000 --months 36 --out /tmp/big/ledger

The generator writes what is typed straight into the books (``--out``: the
chart of accounts, customers, contract changes, promotional credit, opening
balances and refunds) and the files the company's systems export
(``--documents``, by default ``documents/`` beside the ledger folder: the
CRM's won and lost opportunities, the billing system's invoices, credit notes
and voids, the metering system's usage events, the banks' statements, the
commission system's payments), then imports
those files into the books as ``python import.py import`` does (the imported
month files of an earlier run are removed first). The same arguments always
give byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from demo import bank_export, billing_export, commission_export, crm_export, usage_export
from demo.dates import Month
from demo.ledger_writer import DEFAULT_CONFIG_FOLDER, write_ledger
from demo.simulate import DEFAULT_START, build_company
from importers import batch, sources
from importers.errors import ImportFailed

IMPORTERS_CONFIG = Path(__file__).resolve().parents[1] / "config" / "importers.yaml"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return value


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: The arguments after the program name; None reads ``sys.argv``.

    Returns:
        The parsed options.
    """
    parser = argparse.ArgumentParser(
        prog="python -m demo.generate",
        description="Write the books of Kestrel AI, a deterministic demo company.",
    )
    parser.add_argument("--customers", type=_positive, default=160, help="default: 160")
    parser.add_argument(
        "--start",
        type=_month,
        default=DEFAULT_START,
        help=f"YYYY-MM; default: {DEFAULT_START.label}",
    )
    parser.add_argument("--months", type=_positive, default=24, help="default: 24")
    parser.add_argument("--seed", type=int, default=606, help="default: 606")
    parser.add_argument("--out", type=Path, default=Path("ledger"), help="default: ledger")
    parser.add_argument(
        "--documents",
        type=Path,
        help="folder of the exported source files; default: documents beside --out",
    )
    parser.add_argument(
        "--config-folder",
        default=DEFAULT_CONFIG_FOLDER,
        help="folder of the policy files named on the plugin lines, relative to "
        f"main.beancount; default: {DEFAULT_CONFIG_FOLDER}",
    )
    parser.add_argument(
        "--importers-config",
        type=Path,
        default=IMPORTERS_CONFIG,
        help="the importers' configuration; default: the repository's config/importers.yaml",
    )
    args = parser.parse_args(argv)
    if args.documents is None:
        args.documents = args.out.parent / "documents"
    return args


def import_documents(config: Path, documents: Path, ledger: Path) -> batch.Imported:
    """Import the exported files into the books, replacing the imports of an earlier run.

    Args:
        config: The importers' configuration file.
        documents: The folder of exported files.
        ledger: The ledger folder.

    Returns:
        What the import added.

    Raises:
        ImportFailed: If the configuration or a file has a problem.
    """
    importers = sources.load(config)
    for importer in importers:
        # The month files came from the documents just replaced.
        for stale in sorted((ledger / importer.placement.folder).glob("*.beancount")):
            stale.unlink()
    return batch.import_documents(importers, [documents], ledger)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the books and print a one-line summary.

    Args:
        argv: The arguments after the program name; None reads ``sys.argv``.

    Returns:
        The exit status, 0 on success.
    """
    args = parse_args(argv)
    company = build_company(args.customers, args.start, args.months, args.seed)
    paths = write_ledger(company, args.out, args.config_folder)
    exported = crm_export.write_documents(company, args.documents)
    exported += billing_export.write_documents(company, args.documents)
    exported += usage_export.write_documents(company, args.documents)
    exported += bank_export.write_documents(company, args.documents)
    exported += commission_export.write_documents(company, args.documents)
    unnamed = sum(not receipt.named for receipt in company.receipts)
    print(
        f"Wrote {len(paths)} files to {args.out}: {len(company.customers)} customers, "
        f"{len(company.invoices)} invoices, {len(company.credit_notes)} credit notes, "
        f"{len(company.voids)} voids, {len(company.receipts)} receipts "
        f"({unnamed} naming no invoice), {company.start} to {company.end}.",
        file=sys.stdout,
    )
    try:
        imported = import_documents(args.importers_config, args.documents, args.out)
    except ImportFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    print(
        f"Wrote {len(exported)} files to {args.documents} and imported them: "
        f"{sum(imported.added.values())} entries in {len(imported.added)} ledger files.",
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
