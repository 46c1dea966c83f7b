"""A generic JSON export of invoices and credit notes, its fields mapped in the YAML.

For billing systems shaped like Orb or Metronome: a list of invoice objects,
each with a list of line items. The section maps every field to its dotted
path in an invoice (`customer.external_customer_id`) or a line, and says how
the source writes amounts and period ends:

    orb:
      importer: billing_generic
      documents: billing/orb/*.json
      ledger: billing-orb
      list: data                # dotted keys to the list; omit for a bare JSON array
      amounts: major            # decimal strings like "12.00"; or minor: whole minor units
      period_end: inclusive     # or exclusive (Metronome's `ending_before`)
      fields: {id: invoice_number, date: invoice_date, due: due_date, ...}
      line_fields: {product: price.item.id, amount: subtotal, start: start_date, ...}
      discounts: {list: adjustments, amount: amount, label: id}
      statuses: {issued: open, paid: open, void: void, draft: draft}

- **Amounts**: `major` amounts must be decimal strings (a JSON number may
  already have lost its cents, so it is refused); `minor` amounts are whole
  numbers of the currency's minor unit (a fraction of a cent is refused).
  `credit_types` maps the value of the `currency` field to an ISO code when
  the source names a pricing unit instead (Metronome's `"USD (cents)"`).
- **Dates** are ISO 8601 dates or date-times (Unix seconds as JSON integers
  also), taken as days in the section's `timezone`.
- **Documents**: one whose `credits` field names an invoice is a credit note
  of it, with its total and lines as the positive amounts credited; a credit
  note line without a product credits the credit notes account, and one
  without a service period credits revenue at once. An invoice line needs its
  service period when `start` and `end` are mapped.
- **Status**: `statuses` maps the source's statuses to `open`, `void` (booked
  on the `voided_at` field) or `draft` (refused); without a `status` field
  every document is open.
- **Discounts** (`discounts`): each element of the line's `list` takes its
  `amount` off the line (Orb writes them negative, others positive: a
  discount always reduces its line). **Tax** (`tax` in `line_fields`) may pass
  through lists (`tax_amounts.amount` adds every element's amount).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from importers import billing_config, billing_json, billing_values, source
from importers.billing_config import Book
from importers.billing_invoice import (
    CREDIT_NOTE,
    INVOICE,
    VOID,
    Discount,
    Document,
    Line,
    StatusChange,
)
from importers.billing_json import Fields
from importers.billing_source import BillingImporter
from importers.billing_values import shown
from importers.config import Section
from importers.errors import Problem
from importers.source import Placement
from plugins import policy

DOCUMENT_FIELDS = ("id", "date", "customer", "currency", "total", "lines")
DOCUMENT_OPTIONAL = (
    "due",
    "due_days",
    "payee",
    "entity",
    "contract",
    "status",
    "voided_at",
    "credits",
    "reason",
)
LINE_FIELDS = ("product", "amount")
LINE_OPTIONAL = ("start", "end", "quantity", "unit_price", "tax")
DISCOUNT_FIELDS = ("list", "amount", "label")
STATUSES = ("open", "void", "draft")
FIELDS = (
    "list",
    "amounts",
    "credit_types",
    "period_end",
    "fields",
    "line_fields",
    "discounts",
    "statuses",
)


@dataclass(frozen=True)
class Layout:
    """Where a generic export keeps each field, and how it writes amounts and periods."""

    list_keys: tuple[str, ...]
    minor: bool  # Amounts in whole minor units, else decimal strings in major units.
    exclusive: bool  # Period ends are exclusive.
    fields: Mapping[str, str]  # Document field -> its dotted path in a document.
    line_fields: Mapping[str, str]  # Line field -> its dotted path in a line.
    discounts: Mapping[str, str]  # `list`, `amount`, `label`; empty when not mapped.
    statuses: Mapping[str, str]  # The source's status -> open, void or draft.
    credit_types: Mapping[str, str]  # The source's currency or credit type -> ISO code.


class GenericImporter(BillingImporter):
    """Imports a generic JSON export of invoices whose fields the YAML maps."""

    def __init__(self, placement: Placement, book: Book, layout: Layout) -> None:
        super().__init__(placement, book)
        self.layout = layout

    def documents(self, filepath: str, problems: list[Problem]) -> list[Document]:
        """Returns the invoices and credit notes of the file."""
        listed = billing_json.read_documents(filepath, self.layout.list_keys, "invoices")
        found = []
        for path, line, value in listed.documents:
            reader = _Reader(self.book, self.layout, Fields(filepath, line, problems))
            document = reader.document(path, line, value)
            if document is not None:
                found.append(document)
        return found


def _collect(node: Any, keys: list[str], path: str) -> list[tuple[str, Any]]:
    """Returns (JSON path, value) of every value at `keys`, fanning out through lists."""
    if isinstance(node, list):
        return [
            found
            for index, item in enumerate(node)
            for found in _collect(item, keys, f"{path}[{index}]")
        ]
    if not keys:
        return [] if node is None else [(path, node)]
    if isinstance(node, dict) and keys[0] in node:
        return _collect(node[keys[0]], keys[1:], f"{path}.{keys[0]}")
    return []


class _Reader:
    """Reads one document, recording problems at its line."""

    def __init__(self, book: Book, layout: Layout, fields: Fields) -> None:
        self.book = book
        self.layout = layout
        self.fields = fields

    def get(self, node: Any, base: str, field: str, read: Callable[[Any], Any]) -> Any:
        return self.fields.get(node, base, self.layout.fields[field], read)

    def optional(self, node: Any, base: str, field: str, read: Callable[[Any], Any]) -> Any:
        path = self.layout.fields.get(field)
        return self.fields.optional(node, base, path, read) if path else None

    def date(self, value: Any) -> datetime.date:
        return billing_values.instant_date(value, self.book.zone)

    def currency(self, value: Any) -> str:
        if isinstance(value, str) and value in self.layout.credit_types:
            value = self.layout.credit_types[value]
        return billing_values.currency(value, self.book.currencies)

    def status(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.layout.statuses:
            known = ", ".join(f"'{name}'" for name in self.layout.statuses)
            raise ValueError(f"is not a status of the config; expected one of {known}")
        if self.layout.statuses[value] == "draft":
            raise ValueError("is a draft; expected a finalized invoice")
        return self.layout.statuses[value]

    def money(self, currency: str | None, positive: bool = False) -> Callable[[Any], Decimal]:
        """Returns the reader of an amount as the source writes it."""

        def read(value: Any) -> Decimal:
            if self.layout.minor:
                units = billing_values.whole_number(value, "a whole number of minor units")
                number = self.book.from_minor(units, currency) if currency else Decimal(units)
            else:
                number = billing_values.decimal_text(value, "a decimal string like '12.00'")
                number = self.book.exact(number, currency) if currency else number
            if positive and number < 0:
                raise ValueError("is negative; expected the amount credited as a positive number")
            return number

        return read

    def document(self, base: str, line: int, node: Any) -> Document | None:
        if not isinstance(node, dict):
            self.fields.problem(f"Field '{base}': {shown(node)} is not an invoice object")
            return None
        credits = self.optional(node, base, "credits", billing_values.link)
        kind = CREDIT_NOTE if credits else INVOICE
        number = self.get(node, base, "id", billing_values.link)
        day = self.get(node, base, "date", self.date)
        customer = self.get(node, base, "customer", billing_values.text)
        currency = self.get(node, base, "currency", self.currency)
        total = self.get(node, base, "total", self.money(currency, kind == CREDIT_NOTE))
        status = self.optional(node, base, "status", self.status) or "open"
        changes = self.changes(node, base, status)
        lines = [
            self.line(path, item, currency, kind)
            for path, item in self.fields.items(node, base, self.layout.fields["lines"])
        ]
        if self.fields.failed:
            return None
        assert number and day and customer and currency and total is not None, node
        return Document(
            kind,
            number,
            self.fields.path,
            line,
            day,
            customer,
            self.optional(node, base, "payee", billing_values.text) or customer,
            currency,
            total,
            tuple(item for item in lines if item is not None),
            due=self.due(node, base, day) if kind == INVOICE else None,
            credits=credits,
            entity=self.optional(node, base, "entity", billing_values.text),
            contract=self.optional(node, base, "contract", billing_values.link),
            reason=self.optional(node, base, "reason", billing_values.text),
            changes=changes,
        )

    def due(self, node: Any, base: str, day: datetime.date) -> datetime.date:
        due = self.optional(node, base, "due", self.date)
        expected = "a number of days"
        days = self.optional(
            node, base, "due_days", lambda v: billing_values.whole_number(v, expected)
        )
        return due or day + datetime.timedelta(days=days or 0)

    def changes(self, node: Any, base: str, status: str) -> tuple[StatusChange, ...]:
        if status != VOID:
            return ()
        if "voided_at" not in self.layout.fields:
            self.fields.problem(
                f"Field '{base}' is void, but the config maps no 'voided_at'; "
                "expected the date it was voided"
            )
            return ()
        voided = self.get(node, base, "voided_at", self.date)
        return () if voided is None else (StatusChange(VOID, voided),)

    def line(self, base: str, node: Any, currency: str | None, kind: str) -> Line | None:
        if not isinstance(node, dict):
            self.fields.problem(f"Field '{base}': {shown(node)} is not a line object")
            return None
        paths, fields = self.layout.line_fields, self.fields
        # A credit note line may leave out what an invoice line must say.
        read = fields.get if kind == INVOICE else fields.optional
        product = read(node, base, paths["product"], self.book.product)
        amount = fields.get(node, base, paths["amount"], self.money(currency, kind == CREDIT_NOTE))
        start, end = self.period(node, base, read)
        unit_price = self.line_value(node, base, "unit_price", _unit_price)
        if unit_price is not None and self.layout.minor and currency:
            unit_price = unit_price.scaleb(-self.book.precision.digits(currency))
        money = self.money(currency)
        if amount is None:
            return None
        return Line(
            base,
            product,
            amount,
            start,
            end,
            self.line_value(node, base, "quantity", billing_values.quantity),
            unit_price,
            self.discounts(node, base, money),
            self.tax(node, base, money),
        )

    def line_value(self, node: Any, base: str, field: str, read: Callable[[Any], Any]) -> Any:
        path = self.layout.line_fields.get(field)
        return self.fields.optional(node, base, path, read) if path else None

    def period(
        self, node: Any, base: str, read: Callable[..., Any]
    ) -> tuple[datetime.date | None, datetime.date | None]:
        paths = self.layout.line_fields
        if "start" not in paths or "end" not in paths:
            return None, None
        start = read(node, base, paths["start"], self.date)
        end = read(node, base, paths["end"], self.date)
        if start is None or end is None:
            return None, None
        try:
            return start, billing_values.inclusive_end(start, end, self.layout.exclusive)
        except ValueError as error:
            raw = shown(self.fields.lookup(node, paths["end"])[0])
            self.fields.problem(f"Field '{base}.{paths['end']}': {raw} {error}")
            return None, None

    def discounts(
        self, node: Any, base: str, money: Callable[[Any], Decimal]
    ) -> tuple[Discount, ...]:
        spec = self.layout.discounts
        found = []
        for path, item in self.fields.items(node, base, spec["list"]) if spec else ():
            amount = self.fields.get(item, path, spec["amount"], money)
            label = self.fields.get(item, path, spec["label"], billing_values.text)
            if amount is not None and label is not None:
                found.append(Discount(label, abs(amount)))
        return tuple(found)

    def tax(self, node: Any, base: str, money: Callable[[Any], Decimal]) -> Decimal:
        path = self.layout.line_fields.get("tax")
        total = Decimal(0)
        for where, value in _collect(node, path.split("."), base) if path else ():
            total += self.fields.convert(where, "", value, money) or Decimal(0)
        return total


def _dotted(value: Any) -> str:
    path = policy.text(value)
    if any(not key for key in path.split(".")):
        raise ValueError(value)
    return path


def _paths(
    section: Section, key: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, str]:
    mapping = section.section(key)
    if mapping is None:
        return {}
    mapping.reject_unknown([*required, *optional])
    expected = "a dotted path like 'customer.id'"
    found = {field: mapping.require(field, _dotted, expected, field) for field in required}
    for field in optional:
        if field in mapping.data:
            found[field] = mapping.read(field, _dotted, expected, field)
    return found


def _labels(
    section: Section, key: str, read: Callable[[Any], str], expected: str
) -> dict[str, str]:
    """Reads a mapping of the source's labels to values (`statuses`, `credit_types`)."""
    mapping = section.section(key) if key in section.data else None
    if mapping is None:
        return {}
    return {str(label): mapping.read(str(label), read, expected, "") for label in mapping.data}


def _unit_price(value: Any) -> Decimal:
    return billing_values.decimal_number(value, "a unit price like '2.49'")


def from_config(section: Section, placement: Placement) -> GenericImporter:
    """Builds the importer of a `billing_generic` section, recording its problems in it.

    Fields besides the placement: `list`, `amounts`, `period_end`, `fields`,
    `line_fields`, `discounts`, `statuses`, `credit_types` (see the module's
    docstring) and those of `importers.billing_config`.
    """
    section.reject_unknown([*source.FIELDS, *billing_config.FIELDS, *FIELDS])
    keys = section.read("list", _dotted, "dotted keys like 'data'", "")
    amounts = section.require(
        "amounts",
        policy.choice(("major", "minor")),
        "'major' (decimal strings like '12.00') or 'minor' (whole minor units like 1200)",
        "major",
    )
    period_end = section.require(
        "period_end", policy.choice(("inclusive", "exclusive")), "'inclusive' or 'exclusive'", ""
    )
    discounts = (
        _paths(section, "discounts", DISCOUNT_FIELDS, ()) if "discounts" in section.data else {}
    )
    layout = Layout(
        tuple(keys.split(".")) if keys else (),
        amounts == "minor",
        period_end == "exclusive",
        _paths(section, "fields", DOCUMENT_FIELDS, DOCUMENT_OPTIONAL),
        _paths(section, "line_fields", LINE_FIELDS, LINE_OPTIONAL),
        discounts,
        _labels(section, "statuses", policy.choice(STATUSES), "'open', 'void' or 'draft'"),
        _labels(
            section, "credit_types", billing_config.currency_code, "a currency code like 'USD'"
        ),
    )
    return GenericImporter(placement, billing_config.book(section), layout)
