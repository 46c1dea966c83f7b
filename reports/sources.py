"""What each posting is about: its invoice, customer, entity and contract.

Invoices and credit notes carry `invoice`, `customer`, `entity` and `contract`
(DESIGN.md). Generated entries point back to their source with
`revclose_source`, `revclose_line` and a link; a revenue release copies its
invoice's customer but not its entity, so the rest is found through the
invoice. A credit note with no entity of its own takes the entity of the
invoice it links to. Every report that breaks figures down by customer
or entity attributes a posting here, and names each customer here as of
the day it reports (`CustomerNames`), so all of them agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from plugins import contracts, customers, meta, receivables
from plugins.deferred_lines import DeferredLine
from plugins.deferred_revenue import GENERATOR as RELEASES
from reports.books import Books
from reports.deferred_revenue import subledger


@dataclass(frozen=True)
class Source:
    """Who and what a posting is about; an empty string where the books do not say."""

    invoice: str = ""
    customer: str = ""
    entity: str = ""
    contract: str = ""


@dataclass(frozen=True, slots=True)
class Movement:
    """One posting to an account, attributed to its source."""

    date: datetime.date
    account: str
    currency: str
    number: Decimal
    source: Source


class Sources:
    """The typed invoices and contracts of the books, to attribute postings to them."""

    def __init__(self, books: Books) -> None:
        typed = books.typed_entries()
        self.invoices: dict[str, data.Transaction] = {}
        for entry in typed:
            if isinstance(entry, data.Transaction) and entry.meta.get(meta.INVOICE):
                self.invoices.setdefault(str(entry.meta[meta.INVOICE]), entry)
        self.names = CustomerNames(books, typed)
        self.contracts = contracts.read(typed)[0].by_id

    def invoice_id(self, entry: data.Transaction) -> str:
        """Returns the invoice an entry is or belongs to, else an empty string."""
        if entry.meta.get(meta.INVOICE):
            return str(entry.meta[meta.INVOICE])
        source = entry.meta.get(meta.SOURCE)
        if source is not None and str(source) in self.invoices:
            return str(source)
        return next((link for link in sorted(entry.links) if link in self.invoices), "")

    def of(self, entry: data.Transaction, posting: data.Posting) -> Source:
        """Returns what a posting of a transaction (typed or generated) is about."""
        own = {**entry.meta, **(posting.meta or {})}
        invoice_id = self.invoice_id(entry)
        invoice = self.invoices.get(invoice_id)
        related = [invoice] if invoice is not None else []
        related += [self.invoices[link] for link in sorted(entry.links) if link in self.invoices]
        contract = _first(own.get(meta.CONTRACT), *(e.meta.get(meta.CONTRACT) for e in related))
        if not contract:
            contract = self._contract_named(entry)
        known = self.contracts.get(contract)
        customer = _first(
            own.get(meta.CUSTOMER),
            *(e.meta.get(meta.CUSTOMER) for e in related),
            known.customer if known is not None else None,
        )
        entity = _first(own.get(meta.ENTITY), *(e.meta.get(meta.ENTITY) for e in related))
        return Source(invoice_id, customer, entity, contract)

    def of_line(self, line: DeferredLine) -> Source:
        """Returns what a deferred line of the subledger is about."""
        return self.of(line.entry, line.entry.postings[line.position - 1])

    def _contract_named(self, entry: data.Transaction) -> str:
        source = entry.meta.get(meta.SOURCE)
        if source is not None and str(source) in self.contracts:
            return str(source)
        return next((link for link in sorted(entry.links) if link in self.contracts), "")


class CustomerNames:
    """Each customer's name as of a day, by id, where the books give one by then.

    A customer's `custom "customer"` directive dated on or before the day
    names it (the first directive of an id, `plugins.customers`); else the
    payee of its latest invoice or credit note dated on or before the day:
    the document of an item of the receivable (`plugins.receivables.Item`).
    A directive or document dated after the day names no one yet, so typing
    a later month leaves a closed month's names as they were. A receipt
    names no one, though it carries the `invoice` and `customer` it pays:
    its payee is whoever paid, maybe another company; nor does cash posted
    to an invoice not yet billed (the item has no document yet).
    """

    def __init__(self, books: Books, typed: list[data.Directive]) -> None:
        """Reads the documents and directives once, for names as of any day.

        Args:
          books: The books, to read the receivable's items from.
          typed: Their typed entries, to read the directives from.
        """
        policy = books.receivables_policy()
        items = receivables.read(books.entries, policy.accounts.receivable, policy.precision)[0]
        billed = [item for item in items.items.values() if item.is_billed]
        self._payees = [
            (item.date, item.customer, item.document.payee)
            for item in sorted(billed, key=lambda item: item.date)
            if item.customer and item.document.payee
        ]
        self._directives = [
            entry
            for entry in typed
            if isinstance(entry, data.Custom) and entry.type == customers.TYPE
        ]

    def as_of(self, day: datetime.date) -> dict[str, str]:
        """Returns each customer's name at the end of `day`, by id."""
        names = {customer: payee for date, customer, payee in self._payees if date <= day}
        declared = customers.read(entry for entry in self._directives if entry.date <= day)
        return names | {key: customer.name for key, customer in declared.items()}


def customer_names(books: Books, day: datetime.date) -> dict[str, str]:
    """Returns each customer's name at the end of `day`, by id (`CustomerNames.as_of`).

    For a page that shows figures of several months: its customers are
    named once, as of one date (Fava's pages, the window's as-of date).
    """
    return CustomerNames(books, books.typed_entries()).as_of(day)


def _first(*values: object) -> str:
    return next((str(value) for value in values if value), "")


def movements(
    books: Books,
    wanted: Callable[[str], bool],
    through: datetime.date,
    sources: Sources | None = None,
) -> list[Movement]:
    """Returns every posting to a wanted account up to a date, attributed to its source.

    Revenue releases are read from the deferred revenue subledger, one per line
    and month, rather than from the generated entries: in `summary` detail one
    release stands for many lines, and only the subledger knows each line's
    invoice. The figures are the same (the close's roll-forward ties them).
    """
    sources = sources or Sources(books)
    result = []
    for entry in books.entries:
        if not isinstance(entry, data.Transaction) or entry.date > through:
            continue
        if entry.meta.get(meta.GENERATED_BY) == RELEASES:
            continue
        for posting in entry.postings:
            units = posting.units
            if wanted(posting.account) and units is not None and units.number is not None:
                source = sources.of(entry, posting)
                result.append(
                    Movement(entry.date, posting.account, units.currency, units.number, source)
                )
    if books.uses("plugins.deferred_revenue"):
        result += _releases(books, sources, wanted, through)
    return result


def _releases(
    books: Books, sources: Sources, wanted: Callable[[str], bool], through: datetime.date
) -> list[Movement]:
    ledger = subledger(books)
    to_decimal = ledger.policy.precision.from_minor
    result = []
    for line, pieces in zip(ledger.lines, ledger.pieces, strict=True):
        source = sources.of_line(line)
        for date, units in pieces:
            if date > through:
                continue
            released = to_decimal(units, line.currency)
            for account, number in (
                (line.deferred_account, -released),
                (line.revenue_account, released),
            ):
                if wanted(account):
                    result.append(Movement(date, account, line.currency, number, source))
    return result
