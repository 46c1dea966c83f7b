"""A bank's CSV export, read by a layout in `config/importers.yaml`, as a stream.

    bank-us-csv:
      importer: bank_csv
      documents: bank/us/*.csv
      ledger: bank/us
      account: Assets:Bank:US:Operating   # the one account the export is of
      currency: USD                       # unless a `currency` column gives it
      encoding: utf-8                     # default; latin-1, cp1252, ...
      delimiter: ","                      # default
      date_format: "%m/%d/%Y"             # strftime codes; default %Y-%m-%d
      decimal: "."                        # default
      thousands: ","                      # default none
      sign: credits-positive              # default; debits-positive: money out is positive
      columns:                            # field -> the column's header
        id: Reference                     # optional: the bank's reference
        date: Posted Date
        payee: Counterparty               # optional
        narration: Description            # optional
        amount: Amount                    # or `debit` and `credit` columns
        currency: Currency                # optional
        balance: Running Balance          # optional: the balance after the row
      accounts: {disbursements: Expenses:Unreconciled}
      rules: [{contains: ACCOUNT FEE, account: Expenses:BankFees}]

With `debit` and `credit` columns, each row has exactly one of them, written
as a positive amount. With a `balance` column, the balance after the last row
of the latest day is the closing balance (the last such row in the file's
order, or the first in a file written newest first). The file is read row by
row and never held whole, so its size is bounded by the entries it makes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from importers import bank_book, bank_numbers, csv_rows, source
from importers.bank_importer import StatementImporter
from importers.bank_numbers import NumberFormat
from importers.bank_statement import Booked, Closing, Item
from importers.config import Section
from importers.csv_rows import CsvLayout, Row
from importers.errors import Problem
from importers.source import Placement
from plugins import policy

REQUIRED = ("date",)
OPTIONAL = ("id", "payee", "narration", "amount", "debit", "credit", "currency", "balance")
SIGNS = ("credits-positive", "debits-positive")
FIELDS = ("account", "currency", "date_format", "decimal", "thousands", "sign")


@dataclass(frozen=True)
class BankCsvLayout:
    """How a bank writes its CSV export."""

    csv: CsvLayout
    account: str
    currency: str | None  # None when a `currency` column gives it.
    date_format: str
    numbers: NumberFormat
    money_out_positive: bool = False


class _Row(csv_rows.Cells):
    """Reads the cells of one row of a bank export, recording a problem for each bad one."""

    def __init__(self, row: Row, layout: BankCsvLayout, dates: bank_numbers.Dates):
        super().__init__(row, layout.csv.columns)
        self.layout = layout
        self.dates = dates

    def amount(self) -> Decimal | None:
        cells, parse = self.row.cells, self.layout.numbers.parse
        if "amount" in cells:
            number = self.get("amount", parse)
            return -number if number is not None and self.layout.money_out_positive else number
        debit, credit = cells["debit"], cells["credit"]
        if bool(debit) == bool(credit):
            names = f"'{self.layout.csv.columns['debit']}' or '{self.layout.csv.columns['credit']}'"
            found = "both" if debit else "neither"
            self.problems.append(self.row.problem(f"Row has {found} of {names}; expected one"))
            return None
        number = self.get("debit" if debit else "credit", self.positive)
        return None if number is None else (-number if debit else number)

    def positive(self, text: str) -> Decimal:
        number = self.layout.numbers.parse(text)
        if number < 0:
            raise ValueError("is negative; expected a positive amount in a debit or credit column")
        return number

    def item(self) -> tuple[Booked | None, Decimal | None]:
        """Returns the row's booked line and its running balance (each None if absent or bad)."""
        cells, layout = self.row.cells, self.layout
        day = self.get("date", self.dates)
        number = self.amount()
        currency = self.get("currency", str) if "currency" in cells else layout.currency
        balance = self.get("balance", layout.numbers.parse) if cells.get("balance") else None
        if self.problems or day is None or number is None or currency is None:
            return None, None
        payee, narration = cells.get("payee") or None, cells.get("narration", "")
        reference = cells.get("id") or None
        booked = Booked(
            layout.account, self.row.line, day, number, currency, reference, payee, narration
        )
        return booked, balance


class _Latest:
    """The running balance at the end of the latest day, whichever order the file is in."""

    def __init__(self) -> None:
        self.latest: datetime.date | None = None
        self.first_at: tuple[Booked, Decimal] | None = None  # At the latest day, in file order.
        self.last_at: tuple[Booked, Decimal] | None = None

    def add(self, booked: Booked, balance: Decimal) -> None:
        """Notes the running balance after a row."""
        if self.latest is None or booked.date > self.latest:
            self.latest, self.first_at = booked.date, (booked, balance)
        if booked.date == self.latest:
            self.last_at = (booked, balance)

    def closing(self, newest_first: bool) -> Closing | None:
        """Returns the closing balance of a file; `newest_first` if its first day is its latest."""
        if self.first_at is None or self.last_at is None:
            return None
        booked, balance = self.first_at if newest_first else self.last_at
        return Closing(booked.account, booked.line, booked.date, balance, booked.currency)


# Beancount's and our named tuples, made without their `__new__` written in Python.
_new = tuple.__new__


def reader(layout: BankCsvLayout) -> Callable[[str, list[Problem]], Iterator[Item]]:
    """Returns the reader of the layout's files: a stream of booked lines, then the closing.

    A row whose cells all read at first sight (a date seen before or in the
    format's plain form, plain amounts, a currency) becomes a line at once;
    any other row is read cell by cell (`_Row`), which names every bad cell.
    Both give the same line for a good row.
    """
    fields = (*REQUIRED, *OPTIONAL)  # The cells `csv_rows.stream_cells` yields, in this order.
    configured = [(field, fields.index(field)) for field in layout.csv.columns]
    by_amount = "amount" in layout.csv.columns
    currency_of_file = layout.currency or ""  # "" when a `currency` column gives it.
    quick, money_out_positive = layout.numbers.quick, layout.money_out_positive
    account = layout.account

    def read(path: str, problems: list[Problem]) -> Iterator[Item]:
        dates = bank_numbers.Dates(layout.date_format)
        seen = dates.seen
        latest = _Latest()
        first_day: datetime.date | None = None  # Of the file's first line.
        last_day: datetime.date | None = None  # Of the line read last.
        for line, cells in csv_rows.stream_cells(path, layout.csv, problems, fields):
            day_text, reference, payee, narration, amount, debit, credit, currency, balance = cells
            day = seen.get(day_text) or dates.quick(day_text)
            if by_amount:
                number = quick(amount)
                if number is not None and money_out_positive:
                    number = -number
            elif debit and not credit:
                number = quick(debit)
                number = -number if number is not None and number >= 0 else None
            elif credit and not debit:
                number = quick(credit)
                number = number if number is not None and number >= 0 else None
            else:
                number = None
            closing = quick(balance) if balance else None
            currency = currency or currency_of_file
            if day and number is not None and currency and (closing is not None or not balance):
                booked: Booked | None = _new(
                    Booked,
                    (
                        account,
                        line,
                        day,
                        number,
                        currency,
                        reference or None,
                        payee or None,
                        narration,
                    ),
                )
            else:  # Read cell by cell: the problems, or a row the quick readers cannot read.
                row = Row(path, line, {field: cells[at] for field, at in configured})
                slow = _Row(row, layout, dates)
                booked, closing = slow.item()
                problems += slow.problems
            if booked is not None:
                first_day = first_day or booked.date
                last_day = booked.date
                if closing is not None:
                    latest.add(booked, closing)
                yield booked
        newest_first = first_day is not None and last_day is not None and first_day > last_day
        found = latest.closing(newest_first)
        if found is not None:
            yield found

    return read


def _layout(section: Section, account: str) -> BankCsvLayout:
    csv = csv_rows.layout(section, REQUIRED, OPTIONAL)
    columns = set(csv.columns)
    if "columns" in section.data and ("amount" in columns) == bool({"debit", "credit"} & columns):
        message = "expected an 'amount' column, or 'debit' and 'credit' columns"
        section.error("columns", f"Field '{section.label('columns')}' {message}")
    elif {"debit", "credit"} & columns and not {"debit", "credit"} <= columns:
        section.error(
            "columns",
            f"Field '{section.label('columns')}' has one of 'debit' and 'credit'; expected both",
        )
    currency = section.read("currency", _currency, "a currency code like 'USD'", "")
    if not currency and "currency" not in columns:
        section.error(
            None,
            f"Missing field '{section.label('currency')}'; expected a currency "
            "code like 'USD', or a 'currency' column",
        )
    date_format = section.read(
        "date_format", bank_numbers.date_format, "strftime codes like '%Y-%m-%d'", "%Y-%m-%d"
    )
    sign = section.read(
        "sign", policy.choice(SIGNS), "'credits-positive' or 'debits-positive'", SIGNS[0]
    )
    numbers = bank_numbers.number_format(section)
    return BankCsvLayout(
        csv, account, currency or None, date_format, numbers, sign == "debits-positive"
    )


def _currency(value: Any) -> str:
    return bank_numbers.currency(policy.text(value))


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of a `bank_csv` section, recording its problems in the section."""
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *bank_book.FIELDS, *FIELDS])
    account = section.require("account", policy.account_name, policy.ACCOUNT_EXPECTED, "")
    layout = _layout(section, account)
    book = bank_book.book(section, {account: account})
    return StatementImporter(placement, book, reader(layout))
