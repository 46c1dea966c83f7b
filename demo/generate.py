"""Generate the demo company's books: ``python -m demo.generate``.

Example::

    python -m demo.generate                      # the committed demo under ledger/
    python -m demo.generate --customers 10000 --months 36 --out /tmp/big

The same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from demo.dates import Month
from demo.ledger_writer import DEFAULT_PLUGIN_CONFIG, write_ledger
from demo.simulate import DEFAULT_START, build_company


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
        "--plugin-config",
        default=DEFAULT_PLUGIN_CONFIG,
        help="config path written on the plugin line, relative to main.beancount; "
        f"default: {DEFAULT_PLUGIN_CONFIG}",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the books and print a one-line summary.

    Args:
        argv: The arguments after the program name; None reads ``sys.argv``.

    Returns:
        The exit status, 0 on success.
    """
    args = parse_args(argv)
    company = build_company(args.customers, args.start, args.months, args.seed)
    paths = write_ledger(company, args.out, args.plugin_config)
    print(
        f"Wrote {len(paths)} files to {args.out}: {len(company.customers)} customers, "
        f"{len(company.invoices)} invoices, {len(company.credit_notes)} credit notes, "
        f"{len(company.voids)} voids, {len(company.payments)} payments, "
        f"{company.start} to {company.end}.",
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
