"""The receivables subledger: open items built from the receivable's postings.

An open item is every posting to the receivable account that names the same
invoice: its `invoice` metadata, else its link (`plugins.tie_outs.invoice_of`,
the rule the receivable tie-out uses). Its first posting is its document: a
debit makes it an invoice, a credit a credit note. The document gives its
customer and its `due` date; the receivable balance in each currency is, by
construction, the sum of the open items' balances. Cash application, aging,
statements and the receivable tie-out all read items from here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta
from plugins.currency import Precision
from plugins.tie_outs import invoice_of

Finding = tuple[dict[str, Any], str, Any]


class Movement(NamedTuple):
    """One posting to the receivable: its date, minor units (debits positive) and place."""

    date: datetime.date
    units: int
    entry: data.Transaction
    position: int  # 1-based position of the posting in its entry
    currency: str

    @property
    def posting(self) -> data.Posting:
        """The posting itself."""
        return self.entry.postings[self.position - 1]

    @property
    def source(self) -> dict[str, Any]:
        """The metadata of the line to fix: the posting's, else its entry's."""
        return meta.source_of(self.entry, self.posting)


def _order(movement: Movement) -> tuple[datetime.date, bool, str, int]:
    # Debits before credits on the same day: an invoice is billed before it is paid.
    where = movement.entry.meta
    return movement.date, movement.units < 0, str(where.get("filename")), where.get("lineno", 0)


class Item(NamedTuple):
    """An open item: an invoice or a credit note and every receivable posting naming it.

    Attributes:
      id: The invoice (or credit note) id.
      currency: Its currency.
      movements: Its postings, by date (debits first on a day), then file and line.
      customer: The document's customer, else the first posting's that names one.
      due: The document's `due` date; an item without one is due on its date.
    """

    id: str
    currency: str
    movements: tuple[Movement, ...]
    customer: str
    due: datetime.date

    @property
    def document(self) -> data.Transaction:
        """The entry of the item's first posting: the invoice or credit note itself."""
        return self.movements[0].entry

    @property
    def is_invoice(self) -> bool:
        """Whether the item is an invoice (its first posting is a debit)."""
        return self.movements[0].units > 0

    @property
    def date(self) -> datetime.date:
        """The date of the document."""
        return self.movements[0].date

    @property
    def billed(self) -> int:
        """The document's own amount, in minor units (negative for a credit note)."""
        document = self.document
        return sum(m.units for m in self.movements if m.entry is document)

    def balance(self, through: datetime.date | None = None) -> int:
        """Returns the item's balance in minor units at the end of a day (default: ever)."""
        if through is None:
            return sum(m.units for m in self.movements)
        return sum(m.units for m in self.movements if m.date <= through)

    def links(self, through: datetime.date | None = None) -> list[str]:
        """Returns the links of the entries that post to the item up to a day, sorted."""
        moved = (m for m in self.movements if through is None or m.date <= through)
        return sorted({link for m in moved for link in m.entry.links})


def _item(invoice: str, movements: tuple[Movement, ...], due: datetime.date | None) -> Item:
    first = movements[0]
    customer = first.entry.meta.get(meta.CUSTOMER) or next(
        (m.entry.meta[meta.CUSTOMER] for m in movements if m.entry.meta.get(meta.CUSTOMER)), ""
    )
    return Item(invoice, first.currency, movements, str(customer), due or first.date)


@dataclass(frozen=True)
class Subledger:
    """The open items of the receivable, by id."""

    items: dict[str, Item]

    def with_movements(self, movements: Iterable[tuple[str, Movement]]) -> Subledger:
        """Returns the subledger with more postings (generated ones) added to their items."""
        items = dict(self.items)
        for invoice, movement in movements:
            known = items[invoice]
            ordered = (*known.movements, movement)
            if movement.date <= known.movements[-1].date:
                ordered = tuple(sorted(ordered, key=_order))
            items[invoice] = Item(known.id, known.currency, ordered, known.customer, known.due)
        return Subledger(items)


def read(
    entries: Iterable[data.Directive], receivable: str, precision: Precision
) -> tuple[Subledger, list[Finding]]:
    """Returns the open items of the receivable and a finding for each bad posting.

    A posting that names no invoice belongs to no item: the receivable
    tie-out (`plugins.tie_outs.receivables`) reports it.

    Args:
      entries: The directives of the ledger, typed and generated.
      receivable: The receivable account.
      precision: Decimals of each currency.
    """
    grouped: dict[str, list[Movement]] = defaultdict(list)
    findings: list[Finding] = []
    to_minor = precision.to_minor
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account != receivable:
                continue
            position = entry.postings.index(posting) + 1
            invoice, units = invoice_of(entry), posting.units
            if invoice is None or units is None or not isinstance(units.number, Decimal):
                continue
            minor = to_minor(units.number, units.currency)
            if minor is None:
                message = precision.excess(units.number, units.currency)
                findings.append((meta.source_of(entry, posting), message, entry))
            else:
                grouped[invoice].append(
                    Movement(entry.date, minor, entry, position, units.currency)
                )
    items = {}
    for invoice, found in grouped.items():
        if len(found) > 1:
            found.sort(key=_order)
            findings += _other_currencies(invoice, found)
            found = [movement for movement in found if movement.currency == found[0].currency]
        document = found[0].entry
        written = document.meta.get(meta.DUE)
        due = meta.date_of(written)
        if written is not None and due is None:
            message = (
                f"Due date '{written}' of invoice '{invoice}' is not a date; expected YYYY-MM-DD"
            )
            findings.append((document.meta, message, document))
        items[invoice] = _item(invoice, tuple(found), due)
    return Subledger(items), findings


def _other_currencies(invoice: str, movements: list[Movement]) -> list[Finding]:
    """Returns a finding for each posting in another currency than the item's first."""
    currency = movements[0].currency
    return [
        (
            movement.source,
            f"Invoice '{invoice}' is posted to the receivable in {movement.currency}; "
            f"expected its currency {currency}",
            movement.entry,
        )
        for movement in movements
        if movement.currency != currency
    ]
