"""The transactions a billing document becomes, following DESIGN.md's ledger conventions.

An invoice debits the receivable by its total and credits each line:

    2026-03-15 * "Acme Robotics" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-0042"
      entity: "US"
      contract: "CTR-0042-01"
      due: 2026-04-14
      Assets:AccountsReceivable                  56.90 USD
      Liabilities:DeferredRevenue:Subscriptions  -49.00 USD
        service_start: 2026-03-15
        service_end: 2026-04-14
        product: "starter-monthly"
      Liabilities:DeferredRevenue:Subscriptions    4.90 USD
        service_start: 2026-03-15
        service_end: 2026-04-14
        product: "starter-monthly"
        discount: "SPRING10"
      Income:Revenue:Usage                       -8.80 USD
        service_start: 2026-02-01
        service_end: 2026-02-28
        product: "gpu-hours"
        quantity: 4
        unit_price: 2.20
      Liabilities:SalesTax                       -4.00 USD

- A line whose service has not ended by the document's date goes to its
  product's deferred revenue account with its inclusive service period
  (`recognition: "point"` for a point-in-time product: both dates are the day
  of delivery); one whose service is over (usage billed in arrears) goes
  straight to the product's revenue account, with its quantity, unit price and
  (when the source gives one) its inclusive service period, so the usage
  revenue plugin can tell which month's accrual it bills.
- A line of a credit pack (a product with `recognition: usage` and
  `expires_months: N`) is deferred whatever period the source writes: its
  credit can be used from the document's date through `expires`, the same day
  N months later (clamped to the end of a shorter month: 2026-01-31 plus one
  month is 2026-02-28), written as its service period, `recognition: "usage"`
  and `expires`.
- A discount is a line of its own, on its line's account and period, so it is
  recognized with what it discounts. Tax goes to the sales tax account.
- A credit note is the mirror image ("Credit note CN-1 for INV-1", linked to
  both, `credits: "INV-1"`); a credit note line that names no product, or a
  credit note without lines, debits the credit notes account.
- A void negates every posting of its document with the same metadata, so the
  deferred revenue plugin reverses the very schedules it made ("Void INV-1",
  `status: "void"`). An invoice marked uncollectible writes off what is still
  due to the uncollectible account (`status: "uncollectible"`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount.core import amount, data

from importers.billing_config import Book
from importers.billing_invoice import INVOICE, VOID, Document, Line, StatusChange
from plugins.meta import STATUS
from plugins.schedule import add_months


def transactions(document: Document, book: Book) -> list[data.Transaction]:
    """Returns the document's transaction, then one per status change."""
    entry = _document_entry(document, book)
    return [entry, *(_change(document, change, entry, book) for change in document.changes)]


def _posting(account: str, number: Decimal, currency: str, meta: dict[str, Any]) -> data.Posting:
    # A zero is written unsigned: Beancount reads `-0.00` back as `0.00`.
    units = amount.Amount(number if number else abs(number), currency)
    return data.Posting(account, units, None, None, None, meta or None)


def _negated(posting: data.Posting, currency: str) -> data.Posting:
    """Returns a posting of the opposite amount, with a copy of the same metadata."""
    number = posting.units.number if posting.units is not None else None
    assert isinstance(number, Decimal), posting
    return _posting(posting.account, -number, currency, dict(posting.meta or {}))


def _party(document: Document) -> dict[str, Any]:
    meta: dict[str, Any] = {"customer": document.customer}
    if document.entity is not None:
        meta["entity"] = document.entity
    if document.contract is not None:
        meta["contract"] = document.contract
    return meta


def _document_entry(document: Document, book: Book) -> data.Transaction:
    meta: dict[str, Any] = {"invoice": document.id}
    if document.kind == INVOICE:
        narration, links = f"Invoice {document.id}", {document.id}
        if document.stripe_id is not None:  # What Stripe's balance report calls the invoice.
            meta["stripe_invoice"] = document.stripe_id
        meta.update(_party(document))
        meta["due"] = document.due or document.date
    else:
        assert document.credits is not None, document
        narration = f"Credit note {document.id} for {document.credits}"
        links = {document.id, document.credits}
        meta["credits"] = document.credits
        meta.update(_party(document))
        if document.reason is not None:
            meta["reason"] = document.reason
    # An invoice debits the receivable and credits its lines; a credit note the reverse.
    sign = 1 if document.kind == INVOICE else -1
    postings = [_posting(book.receivable, sign * document.total, document.currency, {})]
    if not document.lines:
        postings.append(_posting(book.credit_notes, -sign * document.total, document.currency, {}))
    for line in document.lines:
        postings += _line_postings(line, document, book, sign)
    if document.tax:
        postings.append(_posting(book.sales_tax, -sign * document.tax, document.currency, {}))
    return data.Transaction(
        data.new_metadata(document.path, document.line, meta),
        document.date,
        "*",
        document.payee,
        narration,
        data.EMPTY_SET,
        frozenset(links),
        postings,
    )


def _line_postings(line: Line, document: Document, book: Book, sign: int) -> list[data.Posting]:
    account, meta = _placement(line, document, book)
    postings = [_posting(account, -sign * line.amount, document.currency, meta)]
    for discount in line.discounts:
        discounted = {**meta, "discount": discount.label}
        postings.append(_posting(account, sign * discount.amount, document.currency, discounted))
    return postings


def _placement(line: Line, document: Document, book: Book) -> tuple[str, dict[str, Any]]:
    """Returns the account of a line and its posting metadata."""
    if line.product is None:
        return book.credit_notes, {}
    product = book.products[line.product]
    if product.recognition == "usage" and product.expires_months is not None:
        expires = add_months(document.date, product.expires_months)
        meta: dict[str, Any] = {
            "service_start": document.date,
            "service_end": expires,
            "recognition": "usage",
            "expires": expires,
            "product": line.product,
        }
        return product.deferred, meta
    if line.start is None or line.end is None or line.end <= document.date:
        meta = {}
        if line.start is not None and line.end is not None:
            meta = {"service_start": line.start, "service_end": line.end}
        meta["product"] = line.product
        if line.quantity is not None:
            meta["quantity"] = line.quantity
        if line.unit_price is not None:
            meta["unit_price"] = line.unit_price
        return product.revenue, meta
    start = line.end if product.recognition == "point" else line.start
    meta = {"service_start": start, "service_end": line.end}
    if product.recognition != "ratable":
        meta["recognition"] = product.recognition
    meta["product"] = line.product
    return product.deferred, meta


def _change(
    document: Document, change: StatusChange, entry: data.Transaction, book: Book
) -> data.Transaction:
    meta: dict[str, Any] = {"invoice": document.id, STATUS: change.status, **_party(document)}
    if change.reason is not None:
        meta["reason"] = change.reason
    if change.status == VOID:
        narration = f"Void {document.id}"
        postings = [_negated(posting, document.currency) for posting in entry.postings]
    else:
        narration = f"Uncollectible {document.id}"
        written_off = change.amount if change.amount is not None else document.total
        postings = [
            _posting(book.uncollectible, written_off, document.currency, {}),
            _posting(book.receivable, -written_off, document.currency, {}),
        ]
    return data.Transaction(
        data.new_metadata(document.path, document.line, meta),
        change.date,
        "*",
        document.payee,
        narration,
        data.EMPTY_SET,
        entry.links,
        postings,
    )
