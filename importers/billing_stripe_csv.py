"""Stripe invoices flattened to CSV: one row per invoice line item, the invoice's fields repeated.

The columns are Stripe's API fields (`importers.billing_stripe`), flattened as
Stripe's Sigma tables and warehouse exports name them, and mapped in
`config/importers.yaml` like every CSV source:

    invoice_id,number,status,customer,customer_name,currency,created,due_date,total,
    invoice_line_item_id,amount,product_id,period_start,period_end,quantity,unit_amount
    in_1,INV-1,open,CUS-0042,Acme Robotics,usd,1773532800,1776124800,4900,
    il_1,4900,starter-monthly,1773532800,1776211200,1,4900

Units and bounds are Stripe's: amounts in whole minor units, instants as Unix
seconds or ISO 8601 date-times (UTC unless they carry an offset), an exclusive
`period_end`. The rows of one invoice (by its `invoice` column) need not be
adjacent, but must repeat the same invoice fields; each line item id appears
once in the file. Credit notes come in the JSON export only.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from importers import billing_config, billing_values, csv_rows, source
from importers.billing_config import Book
from importers.billing_invoice import INVOICE, UNCOLLECTIBLE, VOID, Discount, Document, Line
from importers.billing_source import BillingImporter
from importers.billing_stripe import invoice_status, minor_amount, status_changes
from importers.config import Section
from importers.csv_rows import CsvLayout, Row
from importers.errors import Problem
from importers.source import Placement

T = TypeVar("T")

INVOICE_FIELDS = ("invoice", "number", "status", "customer", "currency", "created", "total")
INVOICE_OPTIONAL = (
    "customer_name",
    "finalized_at",
    "due_date",
    "entity",
    "contract",
    "voided_at",
    "void_reason",
    "marked_uncollectible_at",
    "amount_remaining",
)
LINE_FIELDS = ("line", "amount", "product", "period_start", "period_end")
LINE_OPTIONAL = ("quantity", "unit_amount", "discount", "discount_amount", "tax_amount")


class StripeCsvImporter(BillingImporter):
    """Imports Stripe's invoice line items flattened to CSV: one invoice per `invoice` id."""

    def __init__(self, placement: Placement, book: Book, layout: CsvLayout) -> None:
        super().__init__(placement, book)
        self.layout = layout

    def documents(self, filepath: str, problems: list[Problem]) -> list[Document]:
        """Returns the invoices of the file, their rows grouped by invoice id."""
        invoices: dict[str, list[Row]] = {}
        lines: dict[str, Row] = {}
        for row in csv_rows.read_rows(filepath, self.layout):
            line_id = row.cells["line"]
            if line_id in lines:
                column = self.layout.columns["line"]
                message = (
                    f"Column '{column}': line item '{line_id}' is also on line "
                    f"{lines[line_id].line}; expected each line item once"
                )
                problems.append(row.problem(message))
                continue
            lines[line_id] = row
            invoices.setdefault(row.cells["invoice"], []).append(row)
        found = []
        for rows in invoices.values():
            document = _Invoice(self.book, self.layout, rows, problems).document()
            if document is not None:
                found.append(document)
        return found


class _Cells:
    """Reads the cells of one row, recording a problem for each bad one."""

    def __init__(self, row: Row, layout: CsvLayout, problems: list[Problem]) -> None:
        self.row = row
        self.layout = layout
        self.problems = problems

    def get(self, field: str, read: Callable[[str], T]) -> T | None:
        """Returns a required cell read by `read`; an empty or bad one is a problem and None."""
        if not self.row.cells.get(field):
            column = self.layout.columns[field]
            self.problems.append(self.row.problem(f"Column '{column}' is empty; expected a value"))
            return None
        return self.optional(field, read)

    def optional(self, field: str, read: Callable[[str], T]) -> T | None:
        """Returns a cell read by `read`, None if its column is not mapped or it is empty."""
        text = self.row.cells.get(field, "")
        if not text:
            return None
        try:
            return read(text)
        except ValueError as error:
            column = self.layout.columns[field]
            self.problems.append(self.row.problem(f"Column '{column}': '{text}' {error}"))
            return None


class _Invoice:
    """Reads the rows of one invoice into a document."""

    def __init__(
        self, book: Book, layout: CsvLayout, rows: Sequence[Row], problems: list[Problem]
    ) -> None:
        self.book = book
        self.layout = layout
        self.rows = rows
        self.problems = problems
        self.known = len(problems)

    def date(self, text: str) -> datetime.date:
        return billing_values.instant_date(text, self.book.zone)

    def agree(self) -> None:
        """Records a problem for every invoice cell that differs from the invoice's first row."""
        first = self.rows[0]
        for row in self.rows[1:]:
            for field in (*INVOICE_FIELDS, *INVOICE_OPTIONAL):
                if row.cells.get(field) != first.cells.get(field):
                    column = self.layout.columns[field]
                    message = (
                        f"Column '{column}': '{row.cells[field]}' differs from line {first.line} "
                        f"('{first.cells[field]}') of the same invoice; expected one value"
                    )
                    self.problems.append(row.problem(message))

    def document(self) -> Document | None:
        self.agree()
        cells = _Cells(self.rows[0], self.layout, self.problems)
        number = cells.get("number", billing_values.link)
        status = cells.get("status", invoice_status)
        customer = cells.get("customer", billing_values.text)
        currency = cells.get(
            "currency", lambda text: billing_values.currency(text, self.book.currencies)
        )
        day = cells.optional("finalized_at", self.date) or cells.get("created", self.date)
        money = minor_amount(self.book, currency)
        total = cells.get("total", money)
        voided = cells.get("voided_at", self.date) if status == VOID else None
        marked = remaining = None
        if status == UNCOLLECTIBLE:
            marked = cells.get("marked_uncollectible_at", self.date)
            remaining = cells.get("amount_remaining", money)
        lines = [self.line(row, money, currency) for row in self.rows]
        if len(self.problems) > self.known:
            return None
        assert number and customer and currency and day and total is not None, self.rows[0]
        return Document(
            INVOICE,
            number,
            self.rows[0].path,
            self.rows[0].line,
            day,
            customer,
            cells.optional("customer_name", str) or customer,
            currency,
            total,
            tuple(line for line in lines if line is not None),
            due=cells.optional("due_date", self.date),
            entity=cells.optional("entity", billing_values.text),
            contract=cells.optional("contract", billing_values.link),
            changes=status_changes(voided, marked, remaining, cells.optional("void_reason", str)),
            stripe_id=cells.optional("invoice", billing_values.text),  # in_…, the rows' invoice
        )

    def line(self, row: Row, money: Callable[[Any], Decimal], currency: str | None) -> Line | None:
        cells = _Cells(row, self.layout, self.problems)
        amount = cells.get("amount", money)
        product = cells.get("product", self.book.product)
        start = cells.get("period_start", self.date)
        end = cells.get("period_end", self.date)
        if start is not None and end is not None:
            end = cells.optional(
                "period_end", lambda _: billing_values.inclusive_end(start, end, exclusive=True)
            )
        expected = "a unit price in minor units like '249' or '0.5'"
        unit = cells.optional(
            "unit_amount", lambda text: billing_values.decimal_number(text, expected)
        )
        discount = cells.optional("discount_amount", money)
        label = cells.optional("discount", billing_values.text) or "discount"
        if amount is None or product is None or start is None or end is None:
            return None
        return Line(
            f"line {row.line}",
            product,
            amount,
            start,
            end,
            cells.optional("quantity", billing_values.quantity),
            unit.scaleb(-self.book.precision.digits(currency))
            if unit is not None and currency
            else None,
            (Discount(label, discount),) if discount else (),
            cells.optional("tax_amount", money) or Decimal(0),
        )


def from_config(section: Section, placement: Placement) -> StripeCsvImporter:
    """Builds the importer of a `billing_stripe_csv` section, recording its problems in it.

    Fields besides the placement: `encoding`, `delimiter`, `columns` (see
    `importers.csv_rows`; the fields are `INVOICE_FIELDS` and `LINE_FIELDS`,
    and optionally `INVOICE_OPTIONAL` and `LINE_OPTIONAL`), and those of
    `importers.billing_config`.
    """
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *billing_config.FIELDS])
    layout = csv_rows.layout(
        section, (*INVOICE_FIELDS, *LINE_FIELDS), (*INVOICE_OPTIONAL, *LINE_OPTIONAL)
    )
    return StripeCsvImporter(placement, billing_config.book(section), layout)
