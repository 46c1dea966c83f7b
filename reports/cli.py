"""`revclose`: the revenue close from the command line.

    revclose close ledger/main.beancount [--month 2026-10] [--out close]
    revclose rollforward ledger/main.beancount --month 2026-10 [--csv FILE]
    revclose waterfall ledger/main.beancount [--as-of 2026-10-31] [--csv FILE]
    revclose seal ledger/main.beancount --month 2026-09
    revclose ar ledger/main.beancount aging [--as-of 2026-10-31] [--csv FILE]
    revclose ar ledger/main.beancount statement --customer CUS-0042 [--from 2026-01-01]
    revclose ar ledger/main.beancount credits [--as-of 2026-10-31] [--csv FILE]
    revclose ar ledger/main.beancount review [--as-of 2026-10-31] [--csv FILE]
    revclose ssp ledger/main.beancount [--as-of 2026-10-31] [--csv FILE]
    revclose memo ledger/main.beancount CTR-0042-01 [--as-of 2026-10-31] [--out FILE]
    revclose usage ledger/main.beancount reconciliation [--month 2026-10] [--csv FILE]
    revclose usage ledger/main.beancount credits [--as-of 2026-10-31] [--csv FILE]

Every command loads the books as bean-check does and stops with bean-check's
messages when they have errors.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from typing import Any

from beancount import loader
from beancount.parser import printer

from reports import books as books_module
from reports import controls, deferred_revenue, flux, package, period, receivables, sealing
from reports import memo as contract_memo
from reports import ssp as ssp_reports
from reports import usage as usage_reports
from reports.books import Books
from reports.table import Table, to_text, write_csv


def _loaded(path: str) -> Books | None:
    books = books_module.load(path)
    if books.errors:
        printer.print_errors(books.errors, file=sys.stderr)  # type: ignore[no-untyped-call]
        print(f"{path}: {len(books.errors)} errors; fix them before closing.", file=sys.stderr)
        return None
    return books


def _month(books: Books, text: str | None) -> datetime.date:
    """Returns the month asked for (default: the latest complete one), if the books reach it.

    A month after the books' last typed transaction, or ending before their
    first, has nothing to close: its package would age every item as if no
    cash came in, or be empty, and still pass its controls.
    """
    if not text:
        return books_module.latest_complete_month(books)
    month = period.parse_month(text)
    first, last = books_module.typed_span(books)
    if month > last or period.last_day(month) < first:
        raise ValueError(
            f"Month {text} is outside the books, whose typed transactions run from {first} "
            f"to {last}; expected a month from {period.month_name(first)} to "
            f"{period.month_name(last)}"
        )
    return month


def _show(table: Table, csv_path: str | None) -> None:
    if csv_path:
        write_csv(table, csv_path)
        for note in table.notes:  # not in the CSV: the reader must still see it
            print(note, file=sys.stderr)
        print(f"wrote {csv_path}")
    else:
        print(to_text(table))


def close(books: Books, month: datetime.date, out: str) -> int:
    """Writes the month's close package under `out/YYYY-MM/`; returns the exit status.

    The package holds every schedule as CSV, all of them in `close_package.xlsx`,
    and `summary.md`. The roll-forwards are printed; each failed control is
    printed on stderr and makes the exit status 1, as does a bad `flux` section
    in the close policy (nothing is written then).
    """
    limits, errors = flux.thresholds(books)
    if errors:
        printer.print_errors(errors, file=sys.stderr)  # type: ignore[no-untyped-call]
        return 1
    built = package.build(books, month, limits)
    folder = package.write(built, out)
    for table in built.rollforwards():
        print(to_text(table))
    for failed in controls.failures(built.checks):
        print(f"FAIL: {failed.name}: {failed.figure}", file=sys.stderr)
    print(f"Close package for {period.month_name(month)} written to {folder}/")
    return 1 if controls.failures(built.checks) else 0


def _add_receivables_command(commands: argparse._SubParsersAction[Any]) -> None:
    command = commands.add_parser("ar", help="receivables: aging, DSO, credits, review flags, ...")
    command.add_argument("ledger", help="the ledger's main file")
    command.add_argument("report", choices=receivables.REPORTS)
    command.add_argument(
        "--as-of",
        type=datetime.date.fromisoformat,
        help="default: month end; for dso, measure the month of this date",
    )
    command.add_argument(
        "--month",
        help="YYYY-MM: as of its end; dso measures it (not with --as-of); "
        "default: latest complete month",
    )
    command.add_argument(
        "--customer", help='the customer of a statement; "(unassigned)": what is nobody\'s'
    )
    command.add_argument(
        "--from",
        dest="start",
        type=datetime.date.fromisoformat,
        help="a statement's first day, not after --as-of; default: the first of its month",
    )
    command.add_argument("--csv", help="write CSV to this file instead of printing")


def receivables_report(books: Books, args: argparse.Namespace) -> int:
    """Shows a receivables report; returns 1 when one of its controls fails.

    A control fails when a total does not tie to the general ledger or a
    customer credit is overdrawn; each failure is printed on stderr. DSO is
    followed by a note of what its receivable and billings are.
    """
    table = receivables.report(
        books, args.report, args.as_of, args.month, args.customer, args.start
    )
    _show(table, args.csv)
    if args.report == "dso":
        print(receivables.DSO_NOTE)
    failed = receivables.breaks(table)
    for line in failed:
        print(f"FAIL: {line}", file=sys.stderr)
    return 1 if failed else 0


def _add_usage_command(commands: argparse._SubParsersAction[Any]) -> None:
    command = commands.add_parser("usage", help="usage: rated vs invoiced, credit grants")
    command.add_argument("ledger", help="the ledger's main file")
    command.add_argument("report", choices=usage_reports.REPORTS)
    command.add_argument("--month", help="YYYY-MM, for reconciliation; default: every month")
    command.add_argument("--as-of", type=datetime.date.fromisoformat, help="default: month end")
    command.add_argument("--csv", help="write CSV to this file instead of printing")


def usage(books: Books, args: argparse.Namespace) -> int:
    """Shows a usage report; returns 1 when usage is billed beyond the tolerance."""
    if args.report == "credits":
        as_of = args.as_of or period.last_day(books_module.latest_complete_month(books))
        _show(usage_reports.credit_grants(books, as_of), args.csv)
        return 0
    month = period.parse_month(args.month) if args.month else None
    table = usage_reports.reconciliation(books, month)
    _show(table, args.csv)
    for line in usage_reports.differences(table):
        print(f"DIFFERENCE: {line}", file=sys.stderr)
    return 1 if usage_reports.differences(table) else 0


def _add_contract_commands(commands: argparse._SubParsersAction[Any]) -> None:
    command = commands.add_parser("ssp", help="standalone selling prices observed per product")
    command.add_argument("ledger", help="the ledger's main file")
    command.add_argument("--as-of", type=datetime.date.fromisoformat, help="default: month end")
    command.add_argument("--csv", help="write CSV to this file instead of printing")
    command = commands.add_parser("memo", help="a contract's ASC 606 memo, in markdown")
    command.add_argument("ledger", help="the ledger's main file")
    command.add_argument("contract", help="the contract's id")
    command.add_argument("--as-of", type=datetime.date.fromisoformat, help="default: month end")
    command.add_argument("--out", help="write the memo to this file instead of printing")


def contract_report(books: Books, args: argparse.Namespace) -> int:
    """Shows the SSP analysis or writes a contract memo; returns the exit status."""
    as_of = args.as_of or period.last_day(books_module.latest_complete_month(books))
    if args.command == "ssp":
        _show(ssp_reports.ssp_analysis(books, as_of), args.csv)
        return 0
    text = contract_memo.memo(books, args.contract, as_of)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as stream:
            stream.write(text)
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="revclose", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("close", "write the month's close package"),
        ("rollforward", "deferred revenue roll-forward of a month"),
        ("waterfall", "revenue waterfall as of a date"),
        ("seal", "seal a closed month in the close policy"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("ledger", help="the ledger's main file")
        if name == "waterfall":
            command.add_argument("--as-of", type=datetime.date.fromisoformat)
        else:
            command.add_argument("--month", help="YYYY-MM; default: latest complete month")
        if name == "close":
            command.add_argument("--out", default="close", help="folder of close packages")
        elif name != "seal":
            command.add_argument("--csv", help="write CSV to this file instead of printing")
    _add_receivables_command(commands)
    _add_usage_command(commands)
    _add_contract_commands(commands)
    args = parser.parse_args(argv)
    # Beancount's pickle cache does not notice edits to policy files or plugin
    # code, so a close could report stale figures; every run loads afresh.
    loader.initialize(use_cache=False)
    try:
        books = _loaded(args.ledger)
        if books is None:
            return 1
        if args.command == "usage":
            return usage(books, args)
        if args.command in ("ssp", "memo"):
            return contract_report(books, args)
        if args.command == "ar":
            return receivables_report(books, args)
        if args.command == "waterfall":
            as_of = args.as_of or period.last_day(books_module.latest_complete_month(books))
            _show(deferred_revenue.waterfall(books, as_of), args.csv)
            return 0
        month = _month(books, args.month)
        if args.command == "seal":
            path, digest = sealing.seal_month(books, month)
            print(f"sealed {period.month_name(month)} in {path}: {digest}")
            return 0
        if args.command == "rollforward":
            table = deferred_revenue.rollforward(books, month)
            _show(table, args.csv)
            return 1 if deferred_revenue.breaks(table) else 0
        return close(books, month, args.out)
    except ValueError as exc:
        print(f"revclose: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
