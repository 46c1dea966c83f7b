"""Stripe's invoices and credit notes as API objects: a JSON list of `invoice` and `credit_note`.

A file is what Stripe's list endpoints return (`{"object": "list", "data":
[...], "has_more": false}`), or a bare JSON array of the same objects. Units
and bounds are Stripe's, converted explicitly:

- amounts are whole **minor units** (`4900` is 49.00 USD, `1200` is 1200 JPY);
- instants are **Unix seconds**, taken as dates in the section's `timezone`;
- a line's `period.end` is **exclusive**: its last day of service is the day
  before (a monthly line from 2026-01-15 to 2026-02-15 serves 2026-01-15 to
  2026-02-14); a one-off item whose period starts and ends at once is that day;
- currencies are lower-case ISO codes (`usd`).

An **invoice** is booked on `status_transitions.finalized_at` (else `created`),
due on `due_date` (else its date), under its `number` (the id customers quote;
a draft has none and is refused). Its customer is `customer`, its payee
`customer_name`; `metadata.entity` names the entity and `metadata.contract`
(else `subscription`) the contract. Each line's product is
`pricing.price_details.product` (API 2025 and later) or `price.product`;
`discount_amounts` and `tax_amounts` become discount lines and sales tax. An
invoice whose `status` is `void` also books its void on
`status_transitions.voided_at` (with `metadata.void_reason`); one that is
`uncollectible` writes off `amount_remaining` on
`status_transitions.marked_uncollectible_at`.

A **credit note** is booked on `created` under its `number`; its `invoice` is
the invoice credited, either expanded (`expand[]=data.invoice`) or the id of an
invoice in the same file. A line of type `invoice_line_item` credits that
invoice line's product for the rest of its service period (from the credit
note's date, or straight to revenue if the service is over); a
`custom_line_item`, or a credit note without lines, credits the credit notes
account. `memo` (else `reason`) is the reason; a credit note whose `status` is
`void` also books its void on `voided_at`.

The flattened CSV of the same fields is `importers.billing_stripe_csv`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from importers import billing_config, billing_json, billing_values, source
from importers.billing_config import Book
from importers.billing_invoice import (
    CREDIT_NOTE,
    INVOICE,
    UNCOLLECTIBLE,
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

T = TypeVar("T")

STATUSES = ("open", "paid", "void", "uncollectible")
MINOR = "an amount in minor units like '4900'"
KINDS = "a billing document: 'invoice' or 'credit_note'"
_PRODUCT_PATHS = ("price.product", "pricing.price_details.product", "plan.product")
_UNIT_PATHS = ("price.unit_amount", "pricing.unit_amount_decimal", "price.unit_amount_decimal")


def invoice_status(value: Any) -> str:
    """Reads an invoice's `status`: a finalized one (a draft is not yet an invoice)."""
    found = billing_values.text(value)
    expected = ", ".join(f"'{status}'" for status in STATUSES)
    if found == "draft":
        raise ValueError(f"is a draft; expected a finalized invoice: {expected}")
    if found not in STATUSES:
        raise ValueError(f"is not an invoice status; expected {expected}")
    return found


def minor_amount(book: Book, currency: str | None) -> Callable[[Any], Decimal]:
    """Returns the reader of an amount in the currency's minor units."""

    def read(value: Any) -> Decimal:
        units = billing_values.whole_number(value, MINOR)
        return book.from_minor(units, currency) if currency else Decimal(units)

    return read


def status_changes(
    voided: datetime.date | None,
    uncollectible: datetime.date | None,
    remaining: Decimal | None,
    reason: str | None,
) -> tuple[StatusChange, ...]:
    """Returns the void and the write-off an invoice's status transitions call for."""
    changes = []
    if voided is not None:
        changes.append(StatusChange(VOID, voided, reason))
    if uncollectible is not None:
        changes.append(StatusChange(UNCOLLECTIBLE, uncollectible, None, remaining))
    return tuple(changes)


class StripeImporter(BillingImporter):
    """Imports Stripe's invoice and credit note objects (JSON)."""

    def documents(self, filepath: str, problems: list[Problem]) -> list[Document]:
        """Returns the invoices and credit notes of a Stripe JSON export."""
        keys = () if _starts_with_list(filepath) else ("data",)
        listed = billing_json.read_documents(filepath, keys, "Stripe invoices and credit notes")
        if listed.siblings.get("has_more") is True:
            message = "The file is one page of a longer list ('has_more' is true); expected all"
            problems.append(Problem(filepath, 1, message))
        invoices = {
            value["id"]: (path, value)
            for path, _, value in listed.documents
            if isinstance(value, dict) and value.get("object") == "invoice" and "id" in value
        }
        found = []
        for path, line, value in listed.documents:
            reader = _Objects(self.book, Fields(filepath, line, problems), invoices)
            document = reader.document(path, line, value)
            if document is not None:
                found.append(document)
        return found


def _starts_with_list(path: str) -> bool:
    """Tells whether a file is a bare JSON array (else a list object, or unreadable)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")
    except OSError:
        return False  # Reading it again reports why.


class _Objects:
    """Reads Stripe objects into documents, recording problems at each object's line."""

    def __init__(
        self, book: Book, fields: Fields, invoices: dict[str, tuple[str, dict[str, Any]]]
    ) -> None:
        self.book = book
        self.fields = fields
        self.invoices = invoices

    def document(self, base: str, line: int, node: Any) -> Document | None:
        if not isinstance(node, dict):
            self.fields.problem(f"Field '{base}': {shown(node)} is not a Stripe object")
            return None
        kind = self.fields.get(node, base, "object", _one_of(("invoice", "credit_note"), KINDS))
        if kind == "invoice":
            return self.invoice(base, line, node)
        if kind == "credit_note":
            return self.credit_note(base, line, node)
        return None

    def date(self, value: Any) -> datetime.date:
        return billing_values.unix_date(value, self.book.zone)

    def currency(self, value: Any) -> str:
        return billing_values.currency(value, self.book.currencies)

    def party(self, node: dict[str, Any], base: str) -> tuple[str | None, str | None]:
        """Returns the entity and contract an object's metadata (or subscription) names."""
        get = self.fields.optional
        entity = get(node, base, "metadata.entity", billing_values.text)
        contract = get(node, base, "metadata.contract", billing_values.link)
        return entity, contract or get(node, base, "subscription", billing_values.link)

    def invoice(self, base: str, line: int, node: dict[str, Any]) -> Document | None:
        get, optional, fields = self.fields.get, self.fields.optional, self.fields
        number = get(node, base, "number", billing_values.link)
        status = get(node, base, "status", invoice_status)
        customer = get(node, base, "customer", billing_values.text)
        payee = optional(node, base, "customer_name", billing_values.text)
        currency = get(node, base, "currency", self.currency)
        day = optional(node, base, "status_transitions.finalized_at", self.date)
        day = day or get(node, base, "created", self.date)
        due = optional(node, base, "due_date", self.date)
        money = minor_amount(self.book, currency)
        total = get(node, base, "total", money)
        entity, contract = self.party(node, base)
        lines = [self.line(path, item, money, currency) for path, item in self.lines(node, base)]
        voided = (
            get(node, base, "status_transitions.voided_at", self.date) if status == VOID else None
        )
        marked = remaining = None
        if status == UNCOLLECTIBLE:
            marked = get(node, base, "status_transitions.marked_uncollectible_at", self.date)
            remaining = get(node, base, "amount_remaining", money)
        reason = optional(node, base, "metadata.void_reason", billing_values.text)
        stripe_id = optional(node, base, "id", billing_values.text)  # in_…, as reports name it
        if fields.failed:
            return None
        assert number and customer and currency and day and total is not None, node
        return Document(
            INVOICE,
            number,
            fields.path,
            line,
            day,
            customer,
            payee or customer,
            currency,
            total,
            tuple(item for item in lines if item is not None),
            due=due,
            entity=entity,
            contract=contract,
            changes=status_changes(voided, marked, remaining, reason),
            stripe_id=stripe_id,
        )

    def lines(self, node: dict[str, Any], base: str) -> list[tuple[str, Any]]:
        if isinstance(node.get("lines"), dict) and node["lines"].get("has_more") is True:
            message = "has more lines than the object holds ('has_more' is true); expected all"
            self.fields.problem(f"Field '{base}.lines' {message}")
        return list(self.fields.items(node, base, "lines.data"))

    def line(
        self, base: str, node: Any, money: Callable[[Any], Decimal], currency: str | None
    ) -> Line | None:
        if not isinstance(node, dict):
            self.fields.problem(f"Field '{base}': {shown(node)} is not a line item object")
            return None
        get, optional = self.fields.get, self.fields.optional
        amount = get(node, base, "amount", money)
        product, start, end = self.service(node, base)
        quantity = optional(node, base, "quantity", billing_values.quantity)
        line_currency = optional(node, base, "currency", self.currency)
        if currency and line_currency and line_currency != currency:
            self.fields.problem(f"Field '{base}.currency': '{line_currency}' is not the invoice's")
        if amount is None or product is None:
            return None
        return Line(
            base,
            product,
            amount,
            start,
            end,
            quantity,
            self.unit_price(node, base, currency),
            self.discounts(node, base, money),
            self.tax(node, base, money),
        )

    def service(
        self, node: dict[str, Any], base: str
    ) -> tuple[str | None, datetime.date | None, datetime.date | None]:
        """Returns an invoice line's product and inclusive service period."""
        product = self.first(node, base, _PRODUCT_PATHS, _product_of(self.book), required=True)
        start = self.fields.get(node, base, "period.start", self.date)
        end = self.fields.get(node, base, "period.end", self.date)
        if start is None or end is None:
            return product, None, None
        try:
            return product, start, billing_values.inclusive_end(start, end, exclusive=True)
        except ValueError as error:
            raw = shown(node["period"]["end"])
            self.fields.problem(f"Field '{base}.period.end': {raw} {error}")
            return product, None, None

    def first(
        self,
        node: dict[str, Any],
        base: str,
        paths: tuple[str, ...],
        read: Callable[[Any], T],
        required: bool = False,
    ) -> T | None:
        """Returns the first of several fields that is there (API versions name them apart)."""
        for path in paths:
            if self.fields.has(node, path):
                return self.fields.optional(node, base, path, read)
        return self.fields.get(node, base, paths[0], read) if required else None

    def unit_price(self, node: dict[str, Any], base: str, currency: str | None) -> Decimal | None:
        """Returns the unit price in major units, from minor units (maybe fractional)."""
        value = self.first(node, base, _UNIT_PATHS, _unit_amount)
        if value is None or not currency:
            return None
        return value.scaleb(-self.book.precision.digits(currency))

    def discounts(
        self, node: dict[str, Any], base: str, money: Callable[[Any], Decimal]
    ) -> tuple[Discount, ...]:
        found = []
        for path, item in self.fields.items(node, base, "discount_amounts"):
            amount = self.fields.get(item, path, "amount", money)
            label = self.fields.get(item, path, "discount", _id_of)
            if amount is not None and label is not None:
                found.append(Discount(label, amount))
        return tuple(found)

    def tax(self, node: dict[str, Any], base: str, money: Callable[[Any], Decimal]) -> Decimal:
        total = Decimal(0)
        for path, item in self.fields.items(node, base, "tax_amounts"):
            if self.fields.optional(item, path, "inclusive", _boolean):
                message = "is true; expected exclusive tax (tax-inclusive prices are not supported)"
                self.fields.problem(f"Field '{path}.inclusive' {message}")
            total += self.fields.get(item, path, "amount", money) or Decimal(0)
        return total

    def credit_note(self, base: str, line: int, node: dict[str, Any]) -> Document | None:
        get, optional, fields = self.fields.get, self.fields.optional, self.fields
        number = get(node, base, "number", billing_values.link)
        invoice_base, invoice = self.credited(node, base)
        credits = get(invoice, invoice_base, "number", billing_values.link) if invoice else None
        customer = get(node, base, "customer", billing_values.text)
        currency = get(node, base, "currency", self.currency)
        day = get(node, base, "created", self.date)
        money = minor_amount(self.book, currency)
        total = get(node, base, "total", money)
        reason = optional(node, base, "memo", billing_values.text)
        reason = reason or optional(node, base, "reason", billing_values.text)
        entity, contract = self.party(node, base)
        if invoice is not None:
            entity_of, contract_of = self.party(invoice, invoice_base)
            entity, contract = entity or entity_of, contract or contract_of
        payee = optional(invoice or {}, invoice_base, "customer_name", billing_values.text)
        voided = None
        if optional(node, base, "status", billing_values.text) == VOID:
            voided = get(node, base, "voided_at", self.date)
        lines = [
            self.credit_line(path, item, money, day, invoice_base, invoice or {})
            for path, item in self.lines(node, base)
        ]
        if fields.failed:
            return None
        assert number and credits and customer and currency and day and total is not None, node
        return Document(
            CREDIT_NOTE,
            number,
            fields.path,
            line,
            day,
            customer,
            payee or customer,
            currency,
            total,
            tuple(item for item in lines if item is not None),
            credits=credits,
            entity=entity,
            contract=contract,
            reason=reason,
            changes=status_changes(voided, None, None, None),
        )

    def credited(self, node: dict[str, Any], base: str) -> tuple[str, dict[str, Any] | None]:
        """Returns the JSON path and object of the invoice a credit note credits."""
        reference = node.get("invoice")
        if isinstance(reference, dict):
            return f"{base}.invoice", reference
        if isinstance(reference, str) and reference in self.invoices:
            return self.invoices[reference]
        if reference is None:
            self.fields.get(node, base, "invoice", billing_values.text)
        else:
            expected = "the invoice expanded (expand[]=data.invoice) or in the same file"
            self.fields.problem(
                f"Field '{base}.invoice': {shown(reference)} is not found; expected {expected}"
            )
        return f"{base}.invoice", None

    def credit_line(
        self,
        base: str,
        node: Any,
        money: Callable[[Any], Decimal],
        day: datetime.date | None,
        invoice_base: str,
        invoice: dict[str, Any],
    ) -> Line | None:
        if not isinstance(node, dict):
            self.fields.problem(f"Field '{base}': {shown(node)} is not a line item object")
            return None
        kinds = ("invoice_line_item", "custom_line_item")
        expected = "a line type: 'invoice_line_item' or 'custom_line_item'"
        kind = self.fields.get(node, base, "type", _one_of(kinds, expected))
        amount = self.fields.get(node, base, "amount", money)
        quantity = self.fields.optional(node, base, "quantity", billing_values.quantity)
        product = start = end = None
        if kind == "invoice_line_item":
            credited = self.fields.get(node, base, "invoice_line_item", _id_of)
            found = _line_of(invoice, credited, invoice_base) if credited else None
            if found is None and credited is not None:
                self.fields.problem(
                    f"Field '{base}.invoice_line_item': '{credited}' is not a line of the "
                    f"invoice at '{invoice_base}'; expected one of its 'lines.data'"
                )
            elif found is not None:
                product, start, end = self.service(found[1], found[0])
                if start is not None and end is not None and day is not None and end > day:
                    start = max(start, day)  # The credit applies to the service still to come.
        if amount is None or kind is None:
            return None
        return Line(
            base,
            product,
            amount,
            start,
            end,
            quantity,
            None,
            self.discounts(node, base, money),
            self.tax(node, base, money),
        )


def _line_of(invoice: dict[str, Any], line_id: str, base: str) -> tuple[str, Any] | None:
    lines = invoice.get("lines", {}).get("data", []) if isinstance(invoice, dict) else []
    for index, item in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(item, dict) and item.get("id") == line_id:
            return f"{base}.lines.data[{index}]", item
    return None


def _product_of(book: Book) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        return book.product(value.get("id") if isinstance(value, dict) else value)

    return read


def _unit_amount(value: Any) -> Decimal:
    return billing_values.decimal_number(value, "a unit price in minor units like '249' or '0.5'")


def _id_of(value: Any) -> str:
    """Reads a Stripe id, or the id of an expanded object."""
    return billing_values.text(value.get("id") if isinstance(value, dict) else value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("is not true or false; expected a boolean")
    return value


def _one_of(options: tuple[str, ...], expected: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in options:
            raise ValueError(f"is not {expected}")
        return str(value)

    return read


def from_config(section: Section, placement: Placement) -> StripeImporter:
    """Builds the importer of a `billing_stripe` section, recording its problems in the section.

    Fields besides the placement: those of `importers.billing_config`.
    """
    section.reject_unknown([*source.FIELDS, *billing_config.FIELDS])
    return StripeImporter(placement, billing_config.book(section))
