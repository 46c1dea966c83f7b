"""Receipts: cash received and not yet applied to an invoice.

A receipt is a credit to the unapplied cash account in a typed entry:

    2026-02-01 * "Acme Robotics" "Wire 88123 INV-1"
      receipt: "RCPT-88123"
      customer: "CUS-1"
      Assets:Bank:Operating        33.00 USD
      Liabilities:UnappliedCash   -33.00 USD

Its id is its `receipt` metadata (on the posting or the entry), else its
`bank_reference`, else its file and line relative to the ledger's folder
(`bank/2026-02.beancount:14`). Its link is the id with every character a
Beancount link cannot hold replaced by `-`. It names invoices by `invoice`
metadata and by links that are invoice ids; a receipt with no `invoice`
metadata also names the invoice ids among the words of its payee and
narration, by the one rule the bank import reads too
(`plugins.invoice_words`: in any case, a word that is no id read in its
parts between `/` and `.`, "Wire INV-1/INV-10", but never a part of digits
alone, "03/02/2026"; an invoice's `stripe_invoice` names it as its id does;
a word counts only if the receipt names no customer or the invoice's own).
A link or word names an invoice only from the invoice's day on (`named`
then, `later` before): on the receipt's day the books may not have the
invoice yet, and what they made of that day stays when it is typed later
(its words are read among the invoices billed by then, `InvoiceIds.named_on`).
`invoice` metadata names its invoice whatever its date (one that does not
exist is an error). Credit notes are never named: a receipt pays invoices,
so one whose `invoice` is a credit note's id is an error at its line, and
the receipt is left alone, as one naming an invoice that does not exist. Its
customer is its `customer`, else the one customer billed under its payee (in
any case, whatever its spaces and accents: a bank writes `ACME ROBOTICS`,
`payee_key`) by the receipt's day (`customer_by_payee`: the same rule tells
whose a refund in customer credits is, and who paid a receipt posted
straight to an invoice).

Every debit to unapplied cash uses up a receipt and must say which: by
`receipt` metadata or the receipt's link (generated cash applications carry
`revclose_receipt`). A generated credit to unapplied cash that carries
`revclose_receipt` gives cash back to that receipt (`plugins.chargebacks`):
it is read as a use of a negative amount.

A bank import that knows which invoice a receipt pays posts it straight to the
receivable instead (`posted_straight`): a typed credit to the receivable in an
entry with a receipt id. It is the customer's of the first invoice it pays
(`straight_receipts`); a debit naming it uses the part of its credits
`plugins.customer_credits.Owner` tells: BR-1 paying INV-0 of CUS-9 exactly
and over paying INV-1 of CUS-1, a refund naming it is CUS-1's.
"""

from __future__ import annotations

import datetime
import functools
import operator
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, filterfalse
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta
from plugins.currency import Precision
from plugins.invoice_words import InvoiceIds, other_ids
from plugins.receivables import Finding, Item, Movement, Row, Subledger, postings_to

_NOT_IN_LINK = re.compile(r"[^A-Za-z0-9\-_/.]")
_DOCUMENT_META = operator.attrgetter("origin.entry.meta")  # an item's document's metadata


def link_of(receipt_id: str) -> str:
    """Returns the link of a receipt id: characters a link cannot hold become `-`."""
    if receipt_id.isascii() and receipt_id.isalnum():
        return receipt_id
    return _NOT_IN_LINK.sub("-", receipt_id)


class Receipt(NamedTuple):
    """A credit to unapplied cash: money received from a customer.

    Attributes:
      named: The invoices it names and may pay on its day: by metadata
        first, then by links, then by the words of its text (a word counts
        only if the receipt names no customer or the invoice's own); a link
        or word only if the invoice is dated on or before the receipt.
        Credit notes are left out: a receipt pays invoices.
      later: The invoices its links and words name that are dated after it:
        a receipt naming none on its day that waits unapplied until one is
        billed pays it by name then (`plugins.cash_matching`).
      payee: Its entry's payee.
      place: The metadata of its credit's posting, else of its entry (the
        same dictionary, not a copy): what it generates is located at its
        `filename` and `lineno`.
    """

    id: str
    link: str
    date: datetime.date
    entry: data.Transaction
    position: int  # 1-based position of the credit in its entry
    currency: str
    amount: int  # minor units received, positive
    customer: str
    named: tuple[str, ...]
    later: tuple[str, ...]
    payee: str | None  # its entry's, kept so that what it makes need not visit the entry
    place: Mapping[str, Any]  # the metadata locating its credit: the posting's, else the entry's

    @property
    def naming(self) -> tuple[str, ...]:
        """The invoices it names: those of its day, else those it names later (paid then)."""
        return self.named or self.later

    @property
    def posting(self) -> data.Posting:
        """The credit to unapplied cash."""
        return self.entry.postings[self.position - 1]

    @property
    def source(self) -> dict[str, Any]:
        """The metadata of the line to fix: the posting's, else its entry's."""
        return meta.source_of(self.entry, self.posting)


class Use(NamedTuple):
    """A debit to unapplied cash that uses up (part of) a receipt."""

    date: datetime.date
    units: int
    entry: data.Transaction


@dataclass
class Receipts:
    """The receipts of the books by id, with the debits that used them up.

    `post` adds a use in place and keeps what is left of each used receipt
    (`left`) and the date of its latest use (`last_used`), so what is
    unapplied is read without adding up every receipt's uses again; and
    the receipts used after their own date (`late`), so the few that may be
    unapplied on a later day are found without asking every receipt
    (`maybe_unapplied`). Its receipts' currencies (`currencies`) are in
    most books the functional currency alone, and then the rules of cash in
    a foreign currency (`plugins.unapplied_own_rate`,
    `plugins.unapplied_remeasurement`) have no receipt to read.
    """

    by_id: dict[str, Receipt]
    blocked: set[str] = field(default_factory=set)  # receipts with an error: never matched
    # Receipts that name an invoice of another customer than their own: noted
    # as they are read, while the invoice is at hand (see `plugins.other_payers`).
    naming_others: list[str] = field(default_factory=list)
    uses: dict[str, list[Use]] = field(default_factory=dict, init=False)
    left: dict[str, int] = field(default_factory=dict, init=False)  # of each receipt with a use
    last_used: dict[str, datetime.date] = field(default_factory=dict, init=False)
    # Receipts a use was posted to dated after the receipt's own date (`maybe_unapplied`).
    late: set[str] = field(default_factory=set, init=False)

    @functools.cached_property
    def currencies(self) -> frozenset[str]:
        """Returns the currencies of the receipts."""
        return frozenset(receipt.currency for receipt in self.by_id.values())

    def unapplied(self, receipt_id: str, through: datetime.date | None = None) -> int:
        """Returns what is left of a receipt at the end of a day (default: ever).

        Only the uses dated after the day, which are few, are added back.
        """
        left = self.left.get(receipt_id)
        if left is None:
            return self.by_id[receipt_id].amount
        if through is None or self.last_used[receipt_id] <= through:
            return left
        return left + sum(use.units for use in self.uses[receipt_id] if use.date > through)

    def post(self, uses: Iterable[tuple[str, Use]]) -> None:
        """Adds uses (typed debits, generated applications) to their receipts, in place."""
        by_id, used, left, last_used = self.by_id, self.uses, self.left, self.last_used
        for receipt_id, use in uses:
            known = used.get(receipt_id)
            if known is None:
                receipt = by_id[receipt_id]
                used[receipt_id] = [use]
                left[receipt_id] = receipt.amount - use.units
                last_used[receipt_id] = use.date
                if use.date > receipt.date:
                    self.late.add(receipt_id)
            else:
                known.append(use)
                left[receipt_id] -= use.units
                if use.date > last_used[receipt_id]:
                    last_used[receipt_id] = use.date
                    if use.date > by_id[receipt_id].date:
                        self.late.add(receipt_id)

    def maybe_unapplied(self) -> list[Receipt]:
        """Returns the receipts that may have something unapplied at the end of a later day.

        It leaves out only receipts `unapplied` finds used up on every day
        from their own on: used up now, by uses dated on or before their
        own date. Nearly every receipt is one, so they are told apart by
        what `post` keeps (`left`, `late`), not by a call each.
        """
        by_id, left = self.by_id, self.left
        found = set(filterfalse(left.__contains__, by_id))  # never used
        found.update(compress(left, left.values()))  # something left, or overdrawn
        found |= self.late
        return [by_id[receipt_id] for receipt_id in found]

    def withdraw(self, receipt_id: str, withdrawn: Iterable[Use]) -> None:
        """Takes uses posted to a receipt off it again, in place (`plugins.chargebacks`)."""
        gone = {id(use) for use in withdrawn}
        kept = [use for use in self.uses[receipt_id] if id(use) not in gone]
        if not kept:
            del self.uses[receipt_id], self.left[receipt_id], self.last_used[receipt_id]
            return
        self.uses[receipt_id] = kept
        self.left[receipt_id] = self.by_id[receipt_id].amount - sum(use.units for use in kept)
        self.last_used[receipt_id] = max(use.date for use in kept)

    def sorted(self) -> list[Receipt]:
        """Returns the receipts in date order, then by id."""
        return sorted(self.by_id.values(), key=operator.attrgetter("date", "id"))


@functools.lru_cache(maxsize=1024)
def _relative(filename: str, folder: str) -> str:
    return os.path.relpath(filename, folder) if os.path.isabs(filename) and folder else filename


def _value(entry: data.Transaction, posting: data.Posting, key: str) -> Any:
    value = posting.meta.get(key) if posting.meta else None
    return entry.meta.get(key) if value is None else value


def receipt_id(entry: data.Transaction, posting: data.Posting, folder: str) -> str:
    """Returns the id of a receipt: its `receipt`, else its `bank_reference`, else its place.

    Args:
      entry: The receipt's entry.
      posting: Its credit to unapplied cash (or to customer credits).
      folder: The ledger's folder: a place is its file relative to it, and the line.
    """
    named = meta.written_receipt_id(entry, posting)
    if named is not None:
        return named
    where = meta.source_of(entry, posting)
    return f"{_relative(str(where.get('filename', '')), folder)}:{where.get('lineno', 0)}"


def posted_straight(movement: Movement) -> str | None:
    """Returns the id of a receipt posted straight to the receivable, else None.

    Such a receipt is a typed credit to the receivable in an entry that
    carries a receipt id (`receipt` or `bank_reference`, as the bank
    importers write): a credit note, a write-off by hand or a generated
    posting is none.

    Args:
      movement: A posting to the receivable.
    """
    if movement.units >= 0 or meta.GENERATED_BY in movement.entry.meta:
        return None
    return meta.written_receipt_id(movement.entry, movement.posting)


class StraightReceipt(NamedTuple):
    """A receipt posted straight to the receivable (`posted_straight`): whose it is.

    Attributes:
      customer: The customer of the first invoice it pays (whose part of
        its credits a debit naming it uses is
        `plugins.customer_credits.Owner`'s to tell).
      payee: Its entry's payee.
    """

    id: str
    link: str
    customer: str
    payee: str | None


def straight_receipts(invoices: Subledger) -> dict[str, StraightReceipt]:
    """Returns the receipts posted straight to the receivable, by id.

    Only the items posted to more than once can be paid by one (`several`).
    A receipt is the customer's of the invoice it paid first (by date, then
    invoice id, its numbers as numbers, `meta.natural_key`): BR-1 on INV-1
    of CUS-1 and on INV-9 of CUS-9 the same day is CUS-1's. Once its over
    payment became credits, whose part of them a debit naming it uses is
    `plugins.customer_credits.Owner`'s to tell: BR-1 paying INV-0 of CUS-9
    exactly and over paying INV-1 of CUS-1, a refund naming it is CUS-1's.

    Args:
      invoices: The receivable's open items.
    """
    found: dict[str, tuple[datetime.date, meta.NaturalKey, StraightReceipt]] = {}
    items = invoices.items
    for name in invoices.several:
        item = items[name]
        key: meta.NaturalKey | None = None  # the item's id as a key, once it pays a receipt
        for movement in item.movements:
            receipt = posted_straight(movement)
            if receipt is None:
                continue
            key = key or meta.natural_key(name)
            at = (movement.date, key)
            first = found.get(receipt)
            if first is None or at < first[:2]:
                straight = StraightReceipt(
                    receipt, link_of(receipt), item.customer, movement.entry.payee
                )
                found[receipt] = (*at, straight)
    return {receipt: straight for receipt, (_, _, straight) in found.items()}


_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__
_NO_META: dict[str, Any] = {}
_PLACE = frozenset(("filename", "lineno"))  # the metadata Beancount gives every posting


class _Credit(NamedTuple):
    """A credit to unapplied cash as read from the ledger, before it is checked.

    What depends on the invoices (which it names, its customer by payee) is
    settled once the whole ledger is read.
    """

    entry: data.Transaction
    position: int
    posting: data.Posting
    number: Decimal
    currency: str
    minor: int | None  # minor units received, positive; None: more decimals than the currency has
    id: str
    customer: Any  # its `customer` metadata, as written
    invoice: Any  # its `invoice` metadata, as written


def _credit(
    entry: data.Transaction,
    position: int,
    posting: data.Posting,
    number: Decimal,
    currency: str,
    minor: int | None,
    folder: str,
) -> _Credit:
    """Reads a credit to unapplied cash: its id, and its customer and invoice as written."""
    own = posting.meta or _NO_META
    customer = own.get(meta.CUSTOMER) or entry.meta.get(meta.CUSTOMER)
    invoice = _value(entry, posting, meta.INVOICE)
    written = receipt_id(entry, posting, folder)
    fields = (entry, position, posting, number, currency, minor, written, customer, invoice)
    return _new(_Credit, fields)


def receipts_of(
    postings: Iterable[Row], precision: Precision, folder: str, invoices: Subledger
) -> tuple[Receipts, list[Finding]]:
    """Returns the receipts among postings to unapplied cash, what used them up, and findings.

    A credit in a typed entry is a receipt, once checked against the
    invoices; every debit uses one up (`_uses`).

    Args:
      postings: The postings to unapplied cash, in the order of the ledger.
      precision: Decimals of each currency.
      folder: The ledger's folder, for receipts identified by file and line.
      invoices: The receivable's open items, for the invoices a receipt names.
    """
    checked = _Checker(invoices, precision)
    debits = checked.read(postings, folder)
    receipts = Receipts(checked.receipts, checked.blocked, checked.naming_others)
    return receipts, checked.findings + _uses(receipts, debits, precision)


class _Checker:
    """Turns the credits read into receipts, collecting a finding for each bad one."""

    def __init__(self, invoices: Subledger, precision: Precision) -> None:
        self.subledger = invoices
        self.invoices = invoices.items
        self.precision = precision
        self.findings: list[Finding] = []
        self.receipts: dict[str, Receipt] = {}
        self.blocked: set[str] = set()
        self.naming_others: list[str] = []

    def read(self, postings: Iterable[Row], folder: str) -> list[_Line]:
        """Makes the receipts of the typed credits, in order; returns the debits, which use them.

        Each posting is read once, for all its receipt needs of it. Most
        credits have no metadata of their own but their place, and an entry
        that writes their id as trimmed text: what `_credit` would read of
        them is their entry's metadata alone. `_credit` reads the others.
        """
        to_minor, receipt = self.precision.to_minor, self.receipt
        debits: list[_Line] = []
        for entry, position, posting in postings:
            units = posting.units
            if units is None:
                continue
            number, currency = units
            if not isinstance(number, Decimal) or not number:
                continue
            if number > 0:
                debits.append(_new(_Line, (entry, position, posting, number, currency)))
                continue
            shared = entry.meta
            if meta.GENERATED_BY in shared:
                if meta.APPLIED_RECEIPT in shared:  # cash given back to it (`plugins.chargebacks`)
                    debits.append(_new(_Line, (entry, position, posting, number, currency)))
                continue
            minor = to_minor(number, currency)
            received = None if minor is None else -minor
            written, own = shared.get(meta.RECEIPT), posting.meta
            if written is None:
                written = shared.get(meta.BANK_REFERENCE)
            if (
                type(written) is str
                and written
                and written.strip() == written
                and not (own and not own.keys() <= _PLACE)
            ):
                customer, invoice = shared.get(meta.CUSTOMER), shared.get(meta.INVOICE)
                receipt(
                    entry, position, posting, number, currency, received, written, customer, invoice
                )
            else:
                receipt(*_credit(entry, position, posting, number, currency, received, folder))
        return debits

    def receipt(
        self,
        entry: data.Transaction,
        position: int,
        posting: data.Posting,
        number: Decimal,
        currency: str,
        minor: int | None,
        receipt_id_: str,
        customer: Any,
        invoice: Any,
    ) -> None:
        """Makes the receipt of a credit (the fields of `_Credit`), or a finding."""
        if minor is None:
            message = self.precision.excess(number, currency)
            self.findings.append((meta.source_of(entry, posting), message, entry))
            return
        if receipt_id_ in self.receipts:
            message = f"Receipt id '{receipt_id_}' is used by two receipts; expected one each"
            self.findings.append((meta.source_of(entry, posting), message, entry))
            self.blocked.add(receipt_id_)
            return
        payee = entry.payee
        if not customer and payee:
            customer = customer_by_payee(self.payees, payee, entry.date)
        if type(customer) is not str:
            customer = str(customer or "")
        named, later = self.named(entry, invoice, customer, receipt_id_, posting)
        place = posting.meta or entry.meta
        fields = (receipt_id_, link_of(receipt_id_), entry.date, entry, position, currency, minor)
        self.receipts[receipt_id_] = _new(Receipt, (*fields, customer, named, later, payee, place))

    @functools.cached_property
    def invoice_ids(self) -> InvoiceIds:
        """The invoice ids looked up by a receipt's words, folded once, when a receipt has words.

        A document's `stripe_invoice` is its other id (`InvoiceIds` `aliases`,
        chosen by `other_ids`, the rule the bank import reads too); each id
        is dated by its document, for the words of a receipt's day.
        """
        invoices = self.invoices
        # Most books have none: which items carry one is asked of their metadata in C.
        holding = map(
            operator.methodcaller("__contains__", meta.STRIPE_INVOICE),
            map(_DOCUMENT_META, invoices.values()),
        )
        carried = [
            (str(other), name, invoices[name].date)
            for name in compress(invoices, holding)
            if (other := invoices[name].document.meta[meta.STRIPE_INVOICE]) is not None
        ]
        return InvoiceIds(invoices, other_ids(carried), lambda name: invoices[name].date)

    @functools.cached_property
    def payees(self) -> dict[str, list[tuple[datetime.date, str]]]:
        """The customers of each payee of an invoice, read when a receipt names no customer."""
        return customers_by_payee(self.subledger)

    def named(
        self,
        entry: data.Transaction,
        invoice: Any,
        customer: str,
        receipt_id_: str,
        posting: data.Posting,
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Returns the invoices a receipt names on its day, and later (see `Receipt`).

        Args:
          entry: The receipt's entry.
          invoice: Its `invoice` metadata as written, if any.
          customer: Its customer ("" if none).
          receipt_id_: Its id, for the finding of an `invoice` that does not exist.
          posting: Its credit to unapplied cash, likewise.
        """
        invoices = self.invoices
        named: list[str] = []
        if invoice is not None:
            name = str(invoice)
            if name in invoices and _is_credit_note(invoices[name], posting.account):
                message = (
                    f"Receipt '{receipt_id_}' applies cash to credit note '{invoice}', which a "
                    f"receipt cannot pay; expected the id of an invoice in the receivable (money "
                    f"paid back on a credit note is a refund, a debit)"
                )
                self.findings.append((meta.source_of(entry, posting), message, entry))
                self.blocked.add(receipt_id_)
            elif name in invoices:
                named.append(name)
            else:
                message = (
                    f"Receipt '{receipt_id_}' applies cash to invoice '{invoice}', which does "
                    f"not exist; expected the id of an invoice in the receivable"
                )
                self.findings.append((meta.source_of(entry, posting), message, entry))
                self.blocked.add(receipt_id_)
        words: list[str] = []  # named by links and words, whatever their dates
        if entry.links:
            words += [link for link in sorted(entry.links) if link in invoices]
        if invoice is None:  # metadata is the receipt's own word: no words then
            words += [
                word
                for word in self.invoice_ids.named_on(_text(entry), entry.date)
                if (not customer or invoices[word].customer == customer)
                and word not in named
                and word not in words
            ]
        later: tuple[str, ...] = ()
        others = False  # whether it names an invoice of another customer later
        if len(words) == 1 and invoices[words[0]].date <= entry.date:
            named += words  # most receipts that name any: one invoice, billed by their day
        elif words:
            day = entry.date
            dated = [name for name in words if invoices[name].date <= day]
            if len(dated) < len(words):  # an invoice billed after the receipt: named later
                later = tuple(
                    name
                    for name in dict.fromkeys(words)
                    if invoices[name].date > day and invoices[name].is_invoice
                )
                others = bool(customer) and any(
                    invoices[name].customer != customer for name in later
                )
            named += dated
        if not named:
            if others:
                self.naming_others.append(receipt_id_)
            return (), later
        found: tuple[str, ...] = ()
        if len(named) == 1:  # the one invoice most receipts that name any name
            item = invoices[named[0]]
            if item.is_invoice:
                found = (named[0],)
                others = others or (bool(customer) and item.customer != customer)
        else:
            found = tuple(name for name in dict.fromkeys(named) if invoices[name].is_invoice)
            if customer and not others:
                others = any(invoices[name].customer != customer for name in found)
        if others:
            self.naming_others.append(receipt_id_)
        return found, later


def _is_credit_note(item: Item, unapplied_cash: str) -> bool:
    """Whether an item is a credit note: its document is a credit that moves no unapplied cash.

    An item whose document is a typed entry moving unapplied cash to the
    receivable is a cash application to an invoice that does not exist,
    which has an error of its own (`plugins.ar_controls.applications_to_nothing`);
    one whose document is zero bills nothing and credits nothing.
    """
    return item.origin.units < 0 and all(
        posting.account != unapplied_cash for posting in item.document.postings
    )


def _text(entry: data.Transaction) -> str:
    """Returns the text of a receipt that names invoices in words: its payee and narration."""
    narration = entry.narration or ""
    return f"{entry.payee} {narration}" if entry.payee else narration


def payee_key(payee: str) -> str:
    """Returns a payee as payees are matched: one Unicode form, any case, spaces collapsed.

    A bank line's payee often carries a trailing space or two between its
    words ("ACME  Robotics "), or writes an accented letter as the letter
    and a combining accent ("u" and a combining diaeresis for "ü", NFD): it
    is the same payer as "Acme Robotics", or "Müller". So the payee is
    normalised to NFKC (one code point for "ü"), then casefolded, then its
    spaces (a no-break space and a tab too) collapsed ("acme robotics"). A
    payee of blanks alone is "" (`customer_by_payee`: no payee).
    """
    return " ".join(unicodedata.normalize("NFKC", payee).casefold().split())


def customers_by_payee(invoices: Subledger) -> dict[str, list[tuple[datetime.date, str]]]:
    """Returns the customers billed under each payee (`payee_key`), each with its first day.

    Each payee's customers come in the order they were first billed under
    it (by the date of their earliest item carrying it, then by name), so
    `customer_by_payee` reads who was billed under it by a day from the
    first two. Cash posted to an invoice not yet billed bills no one (the
    item has no document yet, `Item.is_billed`): the invoice counts from
    its own day, whatever the books through the cash's day know.
    """
    first: dict[str, dict[str, datetime.date]] = defaultdict(dict)
    for item in invoices.items.values():
        if not item.is_billed:
            continue
        days = first[payee_key(item.document.payee or "")]
        known = days.get(item.customer)
        if known is None or item.date < known:
            days[item.customer] = item.date
    return {
        payee: sorted((day, customer) for customer, day in days.items())
        for payee, days in first.items()
    }


def customer_by_payee(
    payees: Mapping[str, list[tuple[datetime.date, str]]], payee: str | None, day: datetime.date
) -> str:
    """Returns the one customer billed under a payee (`payee_key`) by a day, else "".

    Only the items dated on or before the day count: a customer first billed
    under the payee later does not change whose an earlier posting is, so
    typing a later month leaves a sealed one as it was. A payee that is
    blank once normalised (a space, a no-break space, a tab) is no payee and
    names nobody, though its key is the one the items with no payee are
    filed under (`customers_by_payee`): a bank line with a blank payee field
    is not the customer billed with none.

    Args:
      payees: The customers of each payee, from `customers_by_payee`.
      payee: The payee of an entry that names no customer.
      day: The day of the entry.
    """
    key = payee_key(payee) if payee else ""
    billed = payees.get(key, ()) if key else ()
    if not billed or billed[0][0] > day or (len(billed) > 1 and billed[1][0] <= day):
        return ""
    return billed[0][1]


def used_receipt(entry: data.Transaction, posting: data.Posting, links: Mapping[str, str]) -> str:
    """Returns the id of the receipt a debit names, or "" if it names none.

    It names one by the receipt a generated entry applies
    (`revclose_receipt`), by `receipt` metadata, or by the receipt's link.

    Args:
      entry: The debit's entry.
      posting: The debit.
      links: Receipt ids by link.
    """
    named = entry.meta.get(meta.APPLIED_RECEIPT) or _value(entry, posting, meta.RECEIPT)
    if named is not None:
        return str(named).strip()  # As a receipt's own id is read (`meta.written_receipt_id`).
    return next((links[link] for link in sorted(entry.links) if link in links), "")


def named_invoices(entry: data.Transaction, invoices: Collection[str]) -> list[str]:
    """Returns the invoices a debit names in so many words, as a receipt names them first.

    By its entry's `invoice` metadata, then by the links of its entry that
    are invoices (`Receipt.named`); the words of its text do not count.

    Args:
      entry: The debit's entry.
      invoices: The ids of the receivable's open items.
    """
    written = entry.meta.get(meta.INVOICE)
    named = [] if written is None else [str(written)]
    named += [link for link in sorted(entry.links) if link in invoices and link not in named]
    return named


class _Line(NamedTuple):
    entry: data.Transaction
    position: int
    posting: data.Posting
    number: Decimal
    currency: str


def read(
    entries: Iterable[data.Directive],
    account: str,
    precision: Precision,
    invoices: Subledger,
    folder: str,
) -> tuple[Receipts, list[Finding]]:
    """Returns the receipts of the books, what used them up, and a finding for each bad one.

    Args:
      entries: The directives of the ledger, typed and generated (or only
        those that post to the unapplied cash account).
      account: The unapplied cash account.
      precision: Decimals of each currency.
      invoices: The receivable's open items, for the invoices a receipt names.
      folder: The ledger's folder, for receipts identified by file and line.
    """
    return receipts_of(postings_to(entries, account), precision, folder, invoices)


def _uses(receipts: Receipts, debits: list[_Line], precision: Precision) -> list[Finding]:
    links = {receipt.link: receipt.id for receipt in receipts.by_id.values()} if debits else {}
    uses: list[tuple[str, Use]] = []
    places: dict[int, dict[str, Any]] = {}  # the line of each use's debit, by the use's id
    findings: list[Finding] = []
    for entry, _, posting, number, currency in debits:
        receipt = receipts.by_id.get(used_receipt(entry, posting, links))
        minor = precision.to_minor(number, currency)
        if receipt is None or minor is None or receipt.currency != currency:
            message = (
                f"Debit of '{posting.units}' to '{posting.account}' names no receipt; expected "
                f"a '{meta.RECEIPT}' or the link of a receipt in {currency}"
            )
            findings.append((meta.source_of(entry, posting), message, entry))
            continue
        use = Use(entry.date, minor, entry)
        uses.append((receipt.id, use))
        places[id(use)] = meta.source_of(entry, posting)
    receipts.post(uses)
    for receipt_id in sorted(receipts.uses):
        left = receipts.unapplied(receipt_id)
        if left < 0:
            receipt = receipts.by_id[receipt_id]
            over = precision.from_minor(-left, receipt.currency)
            received = precision.from_minor(receipt.amount, receipt.currency)
            message = (
                f"Receipt '{receipt_id}' is used {over} {receipt.currency} more than it "
                f"received; expected at most {received}"
            )
            overdrawing = _overdrawing(receipt, receipts.uses[receipt_id])
            findings.append((places[id(overdrawing)], message, overdrawing.entry))
            receipts.blocked.add(receipt_id)
    return findings


def _overdrawing(receipt: Receipt, uses: list[Use]) -> Use:
    """Returns the first use after which a receipt is used up and more.

    Uses are read by date, then, on a day, by what they are, never by the
    file and line they are typed at: by amount, then narration (the ledger's
    order only between uses otherwise alike). A chargeback of 60.00 and a
    refund of 50.00 on one day that overdraw a receipt are read 50.00
    first, whichever is typed first: the error is at the 60.00.
    """
    spent = 0
    for use in sorted(uses, key=lambda use: (use.date, use.units, use.entry.narration or "")):
        spent += use.units
        if spent > receipt.amount:
            return use
    raise AssertionError("a receipt used more than it received has a use that overdraws it")
