"""The receivables subledger: open items built from the receivable's postings.

An open item is every posting to the receivable account that names the same
invoice: the posting's own `invoice` metadata (a generated entry that moves a
credit note onto its invoice touches two items), else its entry's `invoice`,
else the entry's first link (`invoice_of`). Its first posting is its
document: a debit makes it an invoice, a credit a credit note. The document
gives its customer and its `due` date; the receivable balance in each
currency is, by construction, the sum of the open items' balances. Cash
application, aging, statements and the receivable tie-out all read items
from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta
from plugins.currency import Precision

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


def _order(movement: Movement) -> tuple[datetime.date, bool, bool, str, int]:
    # Typed before generated on the same day (an item's document is typed),
    # then debits before credits: an invoice is billed before it is paid.
    where = movement.entry.meta
    generated = meta.GENERATED_BY in where
    return (
        movement.date,
        generated,
        movement.units < 0,
        str(where.get("filename")),
        where.get("lineno", 0),
    )


class Item(NamedTuple):
    """An open item: an invoice or a credit note and every receivable posting naming it.

    Attributes:
      id: The invoice (or credit note) id.
      currency: Its currency.
      movements: Its postings, by date (debits first on a day), then file and line.
        A list: `Subledger.post` adds generated postings to it in place, rather
        than copying the item for each.
      customer: The document's customer, else the first posting's that names one.
      due: The document's `due` date; an item without one is due on its date.
      date: The date of the document (its first posting), kept as a field:
        the matcher reads it for every comparison and sort.
    """

    id: str
    currency: str
    movements: list[Movement]
    customer: str
    due: datetime.date
    date: datetime.date

    @property
    def document(self) -> data.Transaction:
        """The entry of the item's first posting: the invoice or credit note itself."""
        return self.movements[0].entry

    @property
    def is_invoice(self) -> bool:
        """Whether the item is an invoice (its first posting is a debit)."""
        return self.movements[0].units > 0

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


@dataclass(frozen=True)
class Subledger:
    """The open items of the receivable, by id, with what is open of each.

    The plugin posts what it generates into the subledger in place (`post`),
    keeping each item's running balance in `open`, so the rules that run after
    matching read what is open without adding up every item's postings again.
    When made, it also indexes the few items those rules can concern (`notes`,
    `several`, `by_currency`, `by_customer`), so they need not visit every item.

    Attributes:
      items: The open items by id.
      unnamed: The entries with a receivable posting that name no invoice (the
        receivable tie-out's breaks).
      open: The balance of each item in minor units, with every posting added so far.
      notes: The ids of the credit notes (the first posting a credit), when made.
      several: The ids of the items with more than one posting when made: only
        they can have been paid, or overpaid, by the postings read.
      by_currency: The ids of the items in each currency.
      by_customer: The ids of the items of each customer.
    """

    items: dict[str, Item]
    unnamed: tuple[data.Transaction, ...] = ()
    open: dict[str, int] = field(default_factory=dict, init=False)
    notes: list[str] = field(default_factory=list, init=False)
    several: list[str] = field(default_factory=list, init=False)
    by_currency: dict[str, list[str]] = field(default_factory=dict, init=False)
    by_customer: dict[str, list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # One visit of each item, when the reader makes the subledger.
        balances, by_currency, by_customer = self.open, self.by_currency, self.by_customer
        for invoice, item in self.items.items():
            movements = item.movements
            if len(movements) == 1:  # most items: the document alone
                balances[invoice] = movements[0].units
            else:
                balances[invoice] = sum(m.units for m in movements)
                self.several.append(invoice)
            if movements[0].units < 0:
                self.notes.append(invoice)
            by_currency.setdefault(item.currency, []).append(invoice)
            by_customer.setdefault(item.customer, []).append(invoice)

    def post(self, movements: Iterable[tuple[str, Movement]]) -> None:
        """Adds postings (generated ones) to their items, in place, and to their balances."""
        items, balances = self.items, self.open
        for invoice, movement in movements:
            found = items[invoice].movements
            found.append(movement)
            if movement.date <= found[-2].date:
                found.sort(key=_order)
            balances[invoice] += movement.units

    def balance(self, item: Item, through: datetime.date) -> int:
        """Returns an item's balance at the end of a day.

        It is the running balance when nothing is posted to the item after the
        day, as for most items; only the others add up their postings.
        """
        if item.movements[-1].date <= through:
            return self.open[item.id]
        return item.balance(through)

    def foreign(self, functional: str) -> list[Item]:
        """Returns the items in another currency than the functional one."""
        return [
            self.items[invoice]
            for currency, invoices in self.by_currency.items()
            if currency != functional
            for invoice in invoices
        ]

    def of_customers(self, customers: Iterable[str]) -> list[Item]:
        """Returns the items of some customers."""
        return [
            self.items[invoice]
            for customer in customers
            for invoice in self.by_customer.get(customer, ())
        ]


_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__


def invoice_of(entry: data.Transaction, posting: data.Posting) -> str | None:
    """Returns the item a receivable posting belongs to (see the module doc), or None."""
    named = posting.meta.get(meta.INVOICE) if posting.meta else None
    if not named:
        named = entry.meta.get(meta.INVOICE)
    if named:
        return str(named)
    return min(entry.links) if entry.links else None


def read(
    entries: Iterable[data.Directive], receivable: str, precision: Precision
) -> tuple[Subledger, list[Finding]]:
    """Returns the open items of the receivable and a finding for each bad posting.

    A posting that names no invoice belongs to no item: the receivable
    tie-out (`plugins.tie_outs.receivables`) reports it; the subledger keeps
    its entry in `unnamed`.

    Args:
      entries: The directives of the ledger, typed and generated (or only
        those that post to the receivable).
      receivable: The receivable account.
      precision: Decimals of each currency.
    """
    reader = Reader(precision)
    for entry, position, posting in postings_to(entries, receivable):
        reader.posting(entry, position, posting)
    return reader.subledger()


def postings_to(
    entries: Iterable[data.Directive], account: str
) -> Iterator[tuple[data.Transaction, int, data.Posting]]:
    """Yields each posting to an account, with its entry and its 1-based position in it."""
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for position, posting in enumerate(entry.postings, 1):
                if posting.account == account:
                    yield entry, position, posting


class Reader:
    """Reads the receivable one posting at a time, so one pass over the ledger can feed it.

    `posting` groups the postings by item; `subledger` makes and checks the items.
    """

    def __init__(self, precision: Precision) -> None:
        self.precision = precision
        self.grouped: dict[str, list[Movement]] = {}  # each item in the order first posted
        self.unnamed: list[data.Transaction] = []
        self.findings: list[Finding] = []
        self.digits: dict[str, int] = {}

    def posting(self, entry: data.Transaction, position: int, posting: data.Posting) -> None:
        """Reads one posting to the receivable (the `position`-th of its entry, from 1)."""
        units = posting.units
        if units is None:
            return
        number = units.number
        if not isinstance(number, Decimal):
            return
        invoice = invoice_of(entry, posting)
        if invoice is None:
            unnamed = self.unnamed
            if not unnamed or unnamed[-1] is not entry:
                unnamed.append(entry)
            return
        currency = units.currency
        digits = self.digits.get(currency)
        if digits is None:
            digits = self.digits[currency] = self.precision.digits(currency)
        scaled = number.scaleb(digits)
        minor = int(scaled)
        if minor != scaled:
            message = self.precision.excess(number, currency)
            self.findings.append((meta.source_of(entry, posting), message, entry))
            return
        movement = _new(Movement, (entry.date, minor, entry, position, currency))
        found = self.grouped.get(invoice)
        if found is None:
            self.grouped[invoice] = [movement]
        else:
            found.append(movement)

    def subledger(self) -> tuple[Subledger, list[Finding]]:
        """Returns the open items read so far and a finding for each bad posting."""
        findings = self.findings
        items = {
            invoice: _item(invoice, found, findings) for invoice, found in self.grouped.items()
        }
        return Subledger(items, tuple(self.unnamed)), findings


def _item(invoice: str, found: list[Movement], findings: list[Finding]) -> Item:
    """Returns an open item from its movements, adding a finding for each bad one."""
    if len(found) > 1:
        found.sort(key=_order)
        findings += _other_currencies(invoice, found)
        found = [movement for movement in found if movement.currency == found[0].currency]
    first = found[0]
    written, customer = first.entry.meta.get(meta.DUE), first.entry.meta.get(meta.CUSTOMER)
    due = written if type(written) is datetime.date else meta.date_of(written)
    if written is not None and due is None:
        message = f"Due date '{written}' of invoice '{invoice}' is not a date; expected YYYY-MM-DD"
        findings.append((first.entry.meta, message, first.entry))
    if not customer and len(found) > 1:
        customer = next(
            (m.entry.meta[meta.CUSTOMER] for m in found if m.entry.meta.get(meta.CUSTOMER)), ""
        )
    if type(customer) is not str:
        customer = str(customer or "")
    fields = (invoice, first.currency, found, customer, due or first.date, first.date)
    return _new(Item, fields)


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
