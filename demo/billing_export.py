"""Write the billing system's export: Stripe API objects, one JSON list per month.

Layout under the documents folder::

    billing/YYYY-MM.json     the month's activity, as Stripe's list endpoints return it

A month's file holds every invoice finalized in the month, every invoice voided
in the month (the same invoice again, now with ``status: "void"``), and every
credit note issued in the month, with the invoice it credits expanded. The
objects carry Stripe's units: amounts in minor units, instants as Unix seconds
(midnight UTC of the demo's dates), exclusive period ends, lower-case currency
codes. The demo's own ids are the customer-facing ``number``; the entity,
contract and void reason travel in ``metadata``.
"""

from __future__ import annotations

import calendar
import datetime
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from demo import catalog
from demo.company import Company, CreditNote, Invoice, InvoiceLine, Void
from demo.dates import ONE_DAY, Month
from demo.exports import write_files

FOLDER = "billing"
CREDIT_DISCOUNT = "prepaid-credit"  # The discount that applies prepaid credit to usage.
_NAMES = {product.code: product.name for product in catalog.PRODUCTS}


def _seconds(day: datetime.date) -> int:
    """Return midnight UTC of a day as Unix seconds."""
    return calendar.timegm(day.timetuple())


def _stripe_id(prefix: str, number: str) -> str:
    return prefix + number.replace("-", "")


def _period(line: InvoiceLine, invoice: Invoice) -> dict[str, int]:
    """Return a line's period with an exclusive end; usage covers the month it is billed for."""
    start, end = line.service_start, line.service_end
    if start is None or end is None:
        start, end = Month.of(invoice.date).first, invoice.date
    return {"start": _seconds(start), "end": _seconds(end + ONE_DAY)}


def _line(invoice: Invoice, index: int, line: InvoiceLine) -> dict[str, Any]:
    currency = invoice.currency.lower()
    quantity = line.quantity if line.quantity is not None else 1
    price: dict[str, Any] = {"id": f"price_{line.product}_{currency}", "product": line.product}
    if line.quantity is not None and line.unit_price is None:
        # A tiered price has no unit amount: its tiers price the quantity.
        price.update(billing_scheme="tiered", unit_amount=None)
    else:
        unit_amount = line.unit_price if line.unit_price is not None else line.amount
        price.update(billing_scheme="per_unit", unit_amount=unit_amount)
    # Prepaid credit applied to usage is a discount on its line.
    discounts = [{"amount": line.credit, "discount": CREDIT_DISCOUNT}] if line.credit else []
    return {
        "id": f"{_stripe_id('il_', invoice.id)}_{index}",
        "object": "line_item",
        "amount": line.amount,
        "currency": currency,
        "description": _NAMES[line.product],
        "period": _period(line, invoice),
        "quantity": quantity,
        "price": price,
        "discount_amounts": discounts,
        "tax_amounts": [],
    }


def _invoice(
    company: Company, invoice: Invoice, paid: int, void: Void | None = None
) -> dict[str, Any]:
    metadata = {"entity": invoice.entity}
    if invoice.contract_id is not None:
        metadata["contract"] = invoice.contract_id
    if void is not None:
        metadata["void_reason"] = void.reason
    status = "void" if void else ("paid" if paid >= invoice.total else "open")
    return {
        "id": _stripe_id("in_", invoice.id),
        "object": "invoice",
        "number": invoice.id,
        "status": status,
        "customer": invoice.customer_id,
        "customer_name": company.customer_by_id[invoice.customer_id].name,
        "currency": invoice.currency.lower(),
        "created": _seconds(invoice.date),
        "status_transitions": {
            "finalized_at": _seconds(invoice.date),
            "voided_at": _seconds(void.date) if void else None,
            "marked_uncollectible_at": None,
        },
        "due_date": _seconds(invoice.due),
        "subtotal": invoice.total,
        "total": invoice.total,
        "amount_due": invoice.total,
        "amount_paid": paid,
        "amount_remaining": 0 if void else invoice.total - paid,
        "metadata": metadata,
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [_line(invoice, index, line) for index, line in enumerate(invoice.lines, 1)],
        },
    }


def _credited_line(invoice: Invoice, line: InvoiceLine) -> str:
    """Return the id of the invoice line a credit note line credits: the first of its product."""
    index = next(i for i, billed in enumerate(invoice.lines, 1) if billed.product == line.product)
    return f"{_stripe_id('il_', invoice.id)}_{index}"


def _credit_note(note: CreditNote, invoice: dict[str, Any], original: Invoice) -> dict[str, Any]:
    metadata = {"entity": note.entity}
    if note.contract_id is not None:
        metadata["contract"] = note.contract_id
    lines = [
        {
            "id": f"{_stripe_id('cnli_', note.id)}_{index}",
            "object": "credit_note_line_item",
            "type": "invoice_line_item",
            "invoice_line_item": _credited_line(original, line),
            "amount": -line.amount,
            "description": _NAMES[line.product],
            "quantity": 1,
            "discount_amounts": [],
            "tax_amounts": [],
        }
        for index, line in enumerate(note.lines, 1)
    ]
    return {
        "id": _stripe_id("cn_", note.id),
        "object": "credit_note",
        "number": note.id,
        "status": "issued",
        "invoice": invoice,
        "customer": note.customer_id,
        "currency": note.currency.lower(),
        "created": _seconds(note.date),
        "memo": note.reason,
        "reason": None,
        "subtotal": -note.total,
        "total": -note.total,
        "metadata": metadata,
        "lines": {"object": "list", "has_more": False, "data": lines},
    }


def _month_objects(company: Company) -> dict[Month, list[dict[str, Any]]]:
    payments: dict[str, list[tuple[datetime.date, int]]] = defaultdict(list)
    for payment in company.payments:
        payments[payment.invoice_id].append((payment.date, payment.amount))

    def paid(invoice: Invoice, month: Month) -> int:
        """What was paid on the invoice by the end of the month."""
        return sum(amount for day, amount in payments.get(invoice.id, ()) if day <= month.last)

    by_id = {invoice.id: invoice for invoice in company.invoices}
    months: dict[Month, list[dict[str, Any]]] = defaultdict(list)
    for invoice in company.invoices:
        month = Month.of(invoice.date)
        months[month].append(_invoice(company, invoice, paid(invoice, month)))
    for void in company.voids:
        months[Month.of(void.date)].append(_invoice(company, void.invoice, 0, void))
    for note in company.credit_notes:
        original = by_id[note.invoice_id]
        month = Month.of(note.date)
        expanded = _invoice(company, original, paid(original, month))
        months[month].append(_credit_note(note, expanded, original))
    return months


def document_files(company: Company) -> dict[str, str]:
    """Return the text of every export file, keyed by its path relative to the documents folder.

    Args:
        company: The company whose billing to export.

    Returns:
        File contents by relative path (with ``/`` separators), in month order.
    """
    months = _month_objects(company)
    return {
        f"{FOLDER}/{month.label}.json": json.dumps(
            {"object": "list", "url": "/v1/invoices", "has_more": False, "data": months[month]},
            indent=2,
        )
        + "\n"
        for month in sorted(months)
    }


def write_documents(company: Company, out: Path) -> list[Path]:
    """Write the export files under ``out``, removing export files of an earlier run.

    Args:
        company: The company whose billing to export.
        out: The documents folder; created if missing.

    Returns:
        The paths written, in month order.
    """
    return write_files(out, FOLDER, ".json", document_files(company))
