"""The billing documents every billing importer reads into: invoices, credit notes, their lines.

Each source (Stripe's API objects or its flattened CSV, a generic JSON shaped like
Orb's or Metronome's) converts its own units and period bounds into this one
shape, so one set of rules (`importers.billing_entries`) books them all:

- amounts are `Decimal`s in the currency's major unit at its precision
  (49.00 USD, 1200 JPY), whatever unit the source writes;
- service periods are inclusive dates (`start` and `end` are the first and
  last days of service), whatever bound the source writes;
- an invoice line's amount is what it bills (a proration credit is negative);
  a credit note's lines and total are what it credits, as positive amounts;
- discounts are what they take off their line, and tax is added on top.

A document's status changes (a void, being marked uncollectible) each become
an entry of their own, with the id `<document>:<status>`, so that re-importing
a later export of the same invoice adds only what changed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

# The statuses a change writes, as the ledger reads them (re-exported).
from plugins.meta import UNCOLLECTIBLE as UNCOLLECTIBLE
from plugins.meta import VOID as VOID

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class Discount:
    """A discount on a line: what it takes off the line's amount (positive)."""

    label: str  # The source's id or name of the discount.
    amount: Decimal


@dataclass(frozen=True)
class Line:
    """One line of an invoice or credit note, in the document's currency."""

    where: str  # The line's place in its file (a JSON path, a CSV row), for messages.
    product: str | None  # None: a credit note line that names no product.
    amount: Decimal
    start: datetime.date | None = None  # Service period, inclusive; None when the source has none.
    end: datetime.date | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discounts: tuple[Discount, ...] = ()
    tax: Decimal = Decimal(0)  # Tax charged on top of the line.

    @property
    def net(self) -> Decimal:
        """The line's amount after its discounts, before tax."""
        return self.amount - sum((discount.amount for discount in self.discounts), Decimal(0))


@dataclass(frozen=True)
class StatusChange:
    """A later event on a document: voided, or marked uncollectible (with what is written off)."""

    status: str  # VOID or UNCOLLECTIBLE.
    date: datetime.date
    reason: str | None = None
    amount: Decimal | None = None  # Uncollectible: the amount still due, written off.


@dataclass(frozen=True)
class Document:
    """An invoice or a credit note, as one transaction's worth of facts."""

    kind: str  # INVOICE or CREDIT_NOTE.
    id: str  # The ledger's id of the document (its link).
    path: str  # The file it was read from, and the line where it starts.
    line: int
    date: datetime.date
    customer: str
    payee: str
    currency: str
    total: Decimal
    lines: tuple[Line, ...]
    due: datetime.date | None = None  # Invoices: when payment is due.
    credits: str | None = None  # Credit notes: the id of the invoice credited.
    entity: str | None = None
    contract: str | None = None
    reason: str | None = None  # Credit notes: why.
    changes: tuple[StatusChange, ...] = ()
    stripe_id: str | None = None  # Stripe invoices: Stripe's own id (`in_…`), besides `id`.

    @property
    def tax(self) -> Decimal:
        """The tax of every line."""
        return sum((line.tax for line in self.lines), Decimal(0))

    def total_problem(self) -> str | None:
        """Returns why the lines do not add up to the total, or None if they do.

        A credit note without lines credits its total and always adds up.
        """
        if self.kind == CREDIT_NOTE and not self.lines:
            return None
        net = sum((line.net for line in self.lines), Decimal(0))
        if net + self.tax == self.total:
            return None
        discounts = sum((line.amount - line.net for line in self.lines), Decimal(0))
        # Every figure is shown at the currency's precision, as the total is written.
        found, gross, off, tax = (
            value.quantize(self.total)
            for value in (net + self.tax, net + discounts, discounts, self.tax)
        )
        return (
            f"Lines of {_NAMES[self.kind]} '{self.id}' add up to {found} {self.currency} "
            f"({gross} less discounts {off} plus tax {tax}); "
            f"expected the total {self.total} {self.currency}"
        )


_NAMES = {INVOICE: "invoice", CREDIT_NOTE: "credit note"}


def document_id(entry: data.Directive) -> str | None:
    """Returns the billing id of an entry in the ledger, or None if it is not a billing document.

    An invoice's id is its `invoice` (it has a `due` date); a credit note's is its
    own `invoice` (it names the invoice it `credits`); a status change's is
    `<invoice>:<status>`. A payment that names an invoice is none of these.
    """
    if not isinstance(entry, data.Transaction):
        return None
    number = entry.meta.get(INVOICE)
    if number is None:
        return None
    if "status" in entry.meta:
        return f"{number}:{entry.meta['status']}"
    if "credits" in entry.meta or "due" in entry.meta:
        return str(number)
    return None
