"""The receivables subledger: open items built from the receivable's postings.

An open item is every posting to the receivable account that names the same
invoice: the posting's own `invoice` metadata (a generated entry that moves a
credit note onto its invoice touches two items), else its entry's `invoice`,
else the entry's link (`invoice_of`). Of an entry's several links, the
posting belongs to the one that is an item the other postings name (by
`invoice`, or as their entry's one link): a manual application linked to
its receipt and its invoice is the invoice's, however the ids sort. With no
such link it belongs to the first link; with several, to the first of them,
with a finding naming its line (`_linked`).

Its document is the invoice or credit note itself (`document_of`): its first
posting written as one, an invoice's debit in an entry with a `due` date or
a credit note's credit in an entry naming the invoice it `credits`; else its
first posting that is not cash (one carrying a receipt id, `receipt` or
`bank_reference`, as a bank import writes cash paid or refunded, one typed
by hand against the bank, or one a plugin generated: `_is_cash`), in the
day's order (`day_key`: a credit note written as an invoice is, with `due`,
before a cheque typed by hand that refunds it the same day); else its first
posting. A debit makes it an invoice, a credit a credit note; a payment or
a refund posted to it, even on or before its date, is neither, and an item
with only cash (`Item.is_billed`) is neither yet. The document gives its
customer and its `due` date; the receivable balance in each currency is, by
construction, the sum of the open items' balances. Cash application, aging,
statements and the receivable tie-out all read items from here.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import InitVar, dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.position import Cost

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


DayKey = tuple[bool, bool, bool, meta.NaturalKey, int, str, str, int]
DayOrder = tuple[datetime.date, bool, bool, bool, meta.NaturalKey, int, str, str, int]
_NO_NAME = meta.natural_key("")


def day_key(entry: data.Transaction, posting: data.Posting, units: int) -> DayKey:
    """Returns where a posting comes among a day's postings to its item, by what it is.

    The one order of a day's moves on a customer's account: the plugins read
    an invoice's postings in it (`day_order`) and a statement its rows
    (`reports.receivables`). Typed before generated (an item's document is
    typed); of the typed, the document first whatever its sign: an
    invoice's debit (`due`), a credit note's credit (`credits`, or a `due`
    and no receipt id: a credit note written as an invoice is), so a
    credit note refunded by a cheque typed the same day is credited before
    the cheque pays its credit out. Then debits before credits (an invoice
    is billed before it is paid): the debits typed by hand (a returned
    payment, a refund); of the credits those typed by hand (no receipt id)
    first, then the receipts (`receipt` or `bank_reference`), which so take
    the invoice over last, as on a later day, where a credit by hand is
    read before them (`plugins.over_payments.InCalendar`). Then by the
    receipt id (of a generated posting, the receipt it applies) as an
    accountant reads it, numbers as numbers (`meta.natural_key`: BR-9
    before BR-10), its amount and its narration; the file and line come
    last, where the postings are otherwise alike.

    Args:
      entry: The posting's entry.
      posting: The posting (its own metadata may hold the receipt id).
      units: Its minor units, debits positive.
    """
    where = entry.meta
    generated = meta.GENERATED_BY in where
    if generated:
        document, name = False, str(where.get(meta.APPLIED_RECEIPT, ""))
    else:
        name = meta.written_receipt_id(entry, posting) or ""
        if units >= 0:
            document = meta.DUE in where and meta.CREDITS not in where
        else:
            document = meta.CREDITS in where or (meta.DUE in where and not name)
    # No receipt id ("") comes before every id: a credit typed by hand is read before the receipts.
    return (
        generated,
        not document,
        units < 0,
        meta.natural_key(name) if name else _NO_NAME,
        units,
        entry.narration or "",
        str(where.get("filename")),
        where.get("lineno", 0),
    )


def day_order(movement: Movement) -> DayOrder:
    """Returns where a posting to the receivable comes among its item's: by date, then `day_key`.

    So a day's postings to an invoice are read in one order whatever files
    and lines they are typed at: BR-2 70.00 and BR-1 30.00 posted straight
    to INV-1 40.00 on one day are read BR-1 first, and BR-2 takes it over,
    in whichever file either is; BR-9 60.00 and BR-10 70.00 on INV-1
    100.00, BR-9 first, and BR-10 takes it over.
    """
    return (movement.date, *day_key(movement.entry, movement.posting, movement.units))


class Item(NamedTuple):
    """An open item: an invoice or a credit note and every receivable posting naming it.

    Attributes:
      id: The invoice (or credit note) id.
      currency: Its currency.
      movements: Its postings, by date, then by what each is (`day_order`).
        A list: `Subledger.post` adds generated postings to it in place, rather
        than copying the item for each.
      customer: The document's customer, else the first posting's that names one.
      due: The document's `due` date; an item without one is due on its date.
      date: The date of the document, kept as a field: the matcher reads it
        for every comparison and sort.
      origin: The document's posting (see `document_of`): one of `movements`,
        most often the first, but not for an item paid or refunded before
        its document on the same day or an earlier one.
    """

    id: str
    currency: str
    movements: list[Movement]
    customer: str
    due: datetime.date
    date: datetime.date
    origin: Movement

    @property
    def document(self) -> data.Transaction:
        """The entry of the item's document posting: the invoice or credit note itself."""
        return self.origin.entry

    @property
    def moved(self) -> datetime.date:
        """The date of its last posting so far: what is open of it is what it is since then."""
        return self.movements[-1].date

    @property
    def is_invoice(self) -> bool:
        """Whether the item is an invoice: it has a document (`is_billed`), and that is a debit.

        Cash posted to an invoice not yet billed (a refund from the bank) is
        no invoice to match or net until the invoice comes.
        """
        return self.origin.units > 0 and self.is_billed

    @property
    def is_billed(self) -> bool:
        """Whether the item has its document: else only cash is posted to it so far.

        Cash the bank import posts to an invoice before it is issued (a
        payment naming INV-2, billed next month, or a refund from the bank,
        typed by hand too) makes an item with nothing written as a document
        (`document_of` then falls back to the cash): it has billed nothing
        yet.
        """
        origin = self.origin
        return _written_as_document(origin) or not _is_cash(origin, self.movements)

    @property
    def billed(self) -> int:
        """The document's own amount, in minor units (negative for a credit note; 0 unbilled)."""
        if not self.is_billed:
            return 0
        document = self.document
        return sum(m.units for m in self.movements if m.entry is document)

    def balance(self, through: datetime.date | None = None) -> int:
        """Returns the item's balance in minor units at the end of a day (default: ever)."""
        if through is None:
            return sum(m.units for m in self.movements)
        return sum(m.units for m in self.movements if m.date <= through)

    def open_from(
        self, start: datetime.date, less: int = 0, balance: int | None = None
    ) -> tuple[datetime.date, int] | None:
        """Returns the first day on or after `start` from which the item stays open, and the least.

        Open is on the item's own side (a debit for an invoice, a credit
        for a credit note) by more than `less`, what the caller already
        applied of it, at the end of that day and of every later one
        through its last posting so far. The least is what it is open from
        that day on, less `less`: what can be applied to it then without
        its balance crossing zero on any later day. None if it is not so
        open after its last posting. Most items are posted nothing after
        `start`: their balance answers at once. Customer credits, credit
        notes (through `Subledger.open_from`) and named receipts
        (`plugins.cash_matching`) are applied by this rule.

        Args:
          start: The first day an application could be dated.
          less: What is applied of it already and not yet posted.
          balance: Its balance, if known (the subledger's running one).
        """
        sign = 1 if self.is_invoice else -1
        movements = self.movements
        if movements[-1].date <= start:
            if balance is None:
                balance = sum(m.units for m in movements)
            least = sign * balance - less
            return (start, least) if least > 0 else None
        return stays_open(self.ends(), start, less)

    def ends(self) -> list[tuple[datetime.date, int]]:
        """Returns its balance at the end of each day it is posted, on its own side, by day.

        Whatever reads an item day by day reads these (from a day on, with
        `ends_from`): the day from which it stays open (`open_from`), what
        the matcher can clear of it (`plugins.cash_matching`) and the day it
        is flagged past due (`plugins.ar_controls`).
        """
        sign = 1 if self.is_invoice else -1
        found: list[tuple[datetime.date, int]] = []
        balance = 0
        for movement in self.movements:
            balance += sign * movement.units
            if found and found[-1][0] == movement.date:
                found[-1] = (movement.date, balance)
            else:
                found.append((movement.date, balance))
        return found

    def read_billed(self) -> list[Movement]:
        """Returns its postings as the rules that settle an invoice read them: from its document.

        What is posted to an item before its document's day (cash the bank
        posts to an invoice before it is issued, a credit typed by hand to
        it) is a credit the customer holds on it until then, not a payment
        of what is billed later: the books through those days know no
        invoice. It is read on the document's day, after the document, in
        its own order, its date moved to that day, so what it over pays or
        settles at another rate is decided, and dated, there and never
        before (`plugins.over_payments`, `plugins.fx`). Most items are
        posted nothing before their document: their postings as they are.
        """
        movements, origin = self.movements, self.origin
        day = origin.date
        if movements[0].date >= day:
            return movements
        return [
            origin,
            *(m if m.date >= day else m._replace(date=day) for m in movements if m is not origin),
        ]

    def known_through(self, day: datetime.date) -> Item | None:
        """Returns the item as the books through a day know it; None before its first posting.

        On or after its document's day, the item itself. Before it, the item
        its postings dated on or before the day make (`document_of` then
        reads that cash as a credit the customer holds, with the customer
        those postings name, none if none does): what the books make of
        those days reads it so, whatever is billed later (`plugins.fx`, the
        aging in `reports.receivables`).
        """
        if day >= self.date:
            return self
        posted = [m for m in self.movements if m.date <= day]
        return _item(self.id, posted, []) if posted else None

    def links(self, through: datetime.date | None = None) -> list[str]:
        """Returns the links of the entries that post to the item up to a day, sorted."""
        moved = (m for m in self.movements if through is None or m.date <= through)
        return sorted({link for m in moved for link in m.entry.links})


def ends_from(
    ends: Sequence[tuple[datetime.date, int]], start: datetime.date
) -> list[tuple[datetime.date, int]]:
    """Returns an item's balances at day ends (`Item.ends`) from `start` on.

    First its balance at the end of `start` (none before its first
    posting), then at the end of each later day it is posted.
    """
    at = bisect.bisect_right(ends, start, key=operator.itemgetter(0))
    return [(start, ends[at - 1][1] if at else 0), *ends[at:]]


def as_known(
    ends: Sequence[tuple[datetime.date, int]], unread: Container[datetime.date]
) -> list[tuple[datetime.date, int]]:
    """Returns an item's balances at day ends (`Item.ends`) with what `unread` days posted left out.

    What is posted to the item on each of those days is left out of that
    day's balance and every later one's: the item as known before they are
    read (a later credit is read on its own day, `plugins.cash_matching`).
    """
    known, hidden, before = [], 0, 0
    for day, end in ends:
        if day in unread:
            hidden += end - before
        before = end
        known.append((day, end - hidden))
    return known


def stays_open(
    ends: Sequence[tuple[datetime.date, int]], start: datetime.date, less: int
) -> tuple[datetime.date, int] | None:
    """Returns the first day from `start` an item stays open by more than `less`, and by how much.

    Read from its balances at day ends (`Item.ends`, or a view of them):
    the rule of `Item.open_from`. None if it is not so open after its last
    posting.
    """
    found = None
    from_start = ends_from(ends, start)
    least = from_start[-1][1]
    for day, end in reversed(from_start):
        least = min(least, end)
        if least <= less:
            break
        found = (day, least - less)
    return found


class Index:
    """What a subledger indexes of its items when made (see `Subledger`), one item at a time.

    The reader indexes each item as it makes it, while the item is at hand;
    a subledger made of items alone indexes them itself.
    """

    def __init__(self) -> None:
        self.open: dict[str, int] = {}
        self.notes: list[str] = []
        self.others: list[str] = []
        self.several: list[str] = []
        self.by_currency: dict[str, list[str]] = {}
        self.by_customer: dict[str, list[str]] = {}

    def add(self, invoice: str, item: Item) -> None:
        """Indexes one more item (items are indexed in the order of the subledger)."""
        movements = item.movements
        if len(movements) == 1:  # most items: the document alone
            self.open[invoice] = movements[0].units
        else:
            self.open[invoice] = sum(m.units for m in movements)
            self.several.append(invoice)
        if not item.is_invoice:
            self.others.append(invoice)
            if item.origin.units < 0:
                self.notes.append(invoice)
        self.by_currency.setdefault(item.currency, []).append(invoice)
        self.by_customer.setdefault(item.customer, []).append(invoice)


@dataclass(frozen=True)
class Subledger:
    """The open items of the receivable, by id, with what is open of each.

    The plugin posts what it generates into the subledger in place (`post`),
    keeping each item's running balance in `open`, so the rules that run after
    matching read what is open without adding up every item's postings again.
    When made, it also indexes the few items those rules can concern (`notes`,
    `others`, `several`, `by_currency`, `by_customer`), so they need not visit every item:
    `Index` does, item by item, as the reader makes the items (`index`), else
    here.

    Attributes:
      items: The open items by id.
      unnamed: The entries with a receivable posting that name no invoice (the
        receivable tie-out's breaks).
      open: The balance of each item in minor units, with every posting added so far.
      notes: The ids of the credit notes (the document a credit), when made.
      others: The ids of the items that are not invoices (`Item.is_invoice`): the
        credit notes and the items whose document is zero.
      several: The ids of the items with more than one posting when made: only
        they can have been paid, or overpaid, by the postings read.
      by_currency: The ids of the items in each currency.
      by_customer: The ids of the items of each customer.
    """

    items: dict[str, Item]
    unnamed: tuple[data.Transaction, ...] = ()
    index: InitVar[Index | None] = None  # the items' index, if the reader made it
    open: dict[str, int] = field(init=False)
    notes: list[str] = field(init=False)
    others: list[str] = field(init=False)
    several: list[str] = field(init=False)
    by_currency: dict[str, list[str]] = field(init=False)
    by_customer: dict[str, list[str]] = field(init=False)

    def __post_init__(self, index: Index | None) -> None:
        if index is None:  # one visit of each item
            index = Index()
            for invoice, item in self.items.items():
                index.add(invoice, item)
        for name in ("open", "notes", "others", "several", "by_currency", "by_customer"):
            object.__setattr__(self, name, getattr(index, name))  # frozen: set once, here

    def post(self, movements: Iterable[tuple[str, Movement]]) -> None:
        """Adds postings (generated ones) to their items, in place, and to their balances."""
        items, balances = self.items, self.open
        for invoice, movement in movements:
            found = items[invoice].movements
            found.append(movement)
            if movement.date <= found[-2].date:
                found.sort(key=day_order)
            balances[invoice] += movement.units

    def replace(self, invoice: str, posted: Movement, movement: Movement | None) -> None:
        """Replaces a generated posting of an item by one on the same day and line, or by none."""
        found = self.items[invoice].movements
        at = next(index for index, known in enumerate(found) if known is posted)
        if movement is None:
            del found[at]
        else:
            found[at] = movement
        self.open[invoice] += (0 if movement is None else movement.units) - posted.units

    def balance(self, item: Item, through: datetime.date) -> int:
        """Returns an item's balance at the end of a day.

        It is the running balance when nothing is posted to the item after the
        day, as for most items; only the others add up their postings.
        """
        if item.movements[-1].date <= through:
            return self.open[item.id]
        return item.balance(through)

    def open_from(
        self, item: Item, start: datetime.date, less: int = 0
    ) -> tuple[datetime.date, int] | None:
        """Returns the first day on or after `start` from which an item stays open, and the least.

        The rule is `Item.open_from`'s (open by more than `less`, what the
        caller already applied of it); the item's running balance answers at
        once for most items, posted nothing after `start`.
        """
        return item.open_from(start, less, balance=self.open[item.id])

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
Row = tuple[data.Transaction, int, data.Posting]  # a posting, its entry and its 1-based position


def postings_to(entries: Iterable[data.Directive], account: str) -> Iterator[Row]:
    """Yields each posting to an account, with its entry and its 1-based position in it."""
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for position, posting in enumerate(entry.postings, 1):
                if posting.account == account:
                    yield entry, position, posting


def invoice_of(
    entry: data.Transaction, posting: data.Posting, invoices: Container[str] = frozenset()
) -> str | None:
    """Returns the item a receivable posting belongs to (see the module doc), or None.

    Args:
      entry: The posting's entry.
      posting: A posting to the receivable.
      invoices: The items the other postings name (see `_linked`): of an
        entry's several links, the posting belongs to the one among them.
    """
    named = _written(entry, posting)
    if named:
        return str(named)
    links = entry.links
    if not links:
        return None
    if len(links) > 1:
        known = _known_links(entry, invoices)
        if known:
            return known[0]
    return min(links)


def _written(entry: data.Transaction, posting: data.Posting) -> Any:
    """Returns the `invoice` written on a posting, else on its entry (None if neither)."""
    named = posting.meta.get(meta.INVOICE) if posting.meta else None
    return named or entry.meta.get(meta.INVOICE)


def _by_links(entry: data.Transaction, posting: data.Posting) -> bool:
    """Tells whether a posting's item is one of its entry's several links: no `invoice` written."""
    return bool(entry.links) and len(entry.links) > 1 and not _written(entry, posting)


def _known_links(entry: data.Transaction, invoices: Container[str]) -> list[str]:
    """Returns the entry's links that are items of the books, sorted."""
    return sorted(link for link in entry.links if link in invoices)


def _linked(rows: Sequence[Row]) -> tuple[dict[tuple[int, int], str], list[Finding]]:
    """Returns the item of each posting whose entry links several ids and writes no `invoice`.

    Keyed by the entry's `id` and the posting's position; postings with no
    amount are not read. Such a posting belongs to the one link that is an
    item the other postings name (by `invoice` or as their entry's one
    link); a receipt's link names none.
    With no such link it belongs to the first link; with several, to the
    first of them, and a finding names its line.
    """
    read = [row for row in rows if isinstance(getattr(row[2].units, "number", None), Decimal)]
    invoices = {
        invoice
        for entry, _, posting in read
        if not _by_links(entry, posting) and (invoice := invoice_of(entry, posting)) is not None
    }
    linked: dict[tuple[int, int], str] = {}
    findings: list[Finding] = []
    for entry, position, posting in read:
        if not _by_links(entry, posting):
            continue
        linked[id(entry), position] = str(invoice_of(entry, posting, invoices))
        known = _known_links(entry, invoices)
        if len(known) > 1:
            names = ", ".join(f"'{link}'" for link in known)
            message = (
                f"Receivable posting of '{posting.units}' links invoices {names} and names none "
                f"of them; expected an '{meta.INVOICE}' on the posting or its entry"
            )
            findings.append((meta.source_of(entry, posting), message, entry))
    return linked, findings


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
    return subledger(postings_to(entries, receivable), precision)


def subledger(postings: Iterable[Row], precision: Precision) -> tuple[Subledger, list[Finding]]:
    """Returns the open items of postings to the receivable and a finding for each bad posting.

    A posting that names no invoice belongs to no item: the subledger keeps
    its entry in `unnamed`. A named posting with more decimals than its
    currency allows is left out, with a finding.

    Each posting is read once, for all its item needs of it: on a large
    ledger a second visit to every entry or item costs about as much as the
    first. Most postings have no `invoice` of their own and an entry that
    names the invoice as text, and most items are a document posted once
    whose entry gives its customer as text and its `due` date as a date, or
    none: such an item is made and indexed as it is read, as `_item` and
    `Index.add` would make it. `invoice_of` reads the other postings, and
    once every posting is read `_item` makes the other items. Only a posting
    whose entry links several ids and writes no `invoice` needs every other
    posting read first (`_linked`): the books with one are read again.

    Args:
      postings: The postings to the receivable, in the order of the ledger.
      precision: Decimals of each currency.
    """
    rows = postings if isinstance(postings, list) else list(postings)
    read = _read(rows, precision, None)
    if read is not None:
        return read
    linked, findings = _linked(rows)
    read = _read(rows, precision, linked)
    assert read is not None  # every posting read by links is in `linked`
    return read[0], findings + read[1]


def _read(
    rows: list[Row], precision: Precision, linked: dict[tuple[int, int], str] | None
) -> tuple[Subledger, list[Finding]] | None:
    """Returns the open items of postings and their findings (see `subledger`).

    None, at once, if a posting belongs to one of several links and
    `linked` does not say which (it is None).
    """
    to_minor = precision.to_minor
    items: dict[str, Item] = {}
    index = Index()
    again: set[str] = set()  # the items `_item` makes
    unnamed: list[data.Transaction] = []
    findings: list[Finding] = []
    for entry, position, posting in rows:
        units = posting.units
        if units is None:
            continue
        number, currency = units
        if not isinstance(number, Decimal):
            continue
        shared, own = entry.meta, posting.meta
        invoice = shared.get(meta.INVOICE)
        if type(invoice) is not str or not invoice or (own and meta.INVOICE in own):
            if _by_links(entry, posting):
                if linked is None:
                    return None
                invoice = linked[id(entry), position]
            else:
                invoice = invoice_of(entry, posting)
            if invoice is None:
                if not unnamed or unnamed[-1] is not entry:
                    unnamed.append(entry)
                continue
        minor = to_minor(number, currency)
        if minor is None or posting.cost is not None:
            message = (
                precision.excess(number, currency) if minor is None else _at_cost(invoice, posting)
            )
            findings.append((meta.source_of(entry, posting), message, entry))
            continue
        date = entry.date
        movement = _new(Movement, (date, minor, entry, position, currency))
        customer, due = shared.get(meta.CUSTOMER), shared.get(meta.DUE, date)  # no `due`: its date
        owed = due if minor >= 0 else date  # a credit note is due on its date, as in `_item`
        item = _new(Item, (invoice, currency, [movement], customer, owed, date, movement))
        found = items.setdefault(invoice, item)
        if found is not item:  # a later posting to the item
            found.movements.append(movement)
            again.add(invoice)
            continue
        if type(customer) is not str or type(due) is not datetime.date:
            again.add(invoice)
        index.add(invoice, item)
    if not again:
        return Subledger(items, tuple(unnamed), index), findings
    for invoice in [invoice for invoice in items if invoice in again]:  # in the items' order
        items[invoice] = _item(invoice, items[invoice].movements, findings)
    return Subledger(items, tuple(unnamed)), findings


def _item(invoice: str, found: list[Movement], findings: list[Finding]) -> Item:
    """Returns an open item from its movements, adding a finding for each bad one."""
    first = found[0]
    if len(found) > 1:
        found.sort(key=day_order)
        first = document_of(found)
        findings += _other_currencies(invoice, found, first.currency)
        found = [movement for movement in found if movement.currency == first.currency]
    written, customer = first.entry.meta.get(meta.DUE), first.entry.meta.get(meta.CUSTOMER)
    due = written if type(written) is datetime.date else meta.date_of(written)
    if written is not None and due is None:
        message = f"Due date '{written}' of invoice '{invoice}' is not a date; expected YYYY-MM-DD"
        findings.append((first.entry.meta, message, first.entry))
    if first.units < 0:
        due = first.date  # a credit note is owed back from its date, whatever `due` says
    if not customer and len(found) > 1:
        customer = next(
            (m.entry.meta[meta.CUSTOMER] for m in found if m.entry.meta.get(meta.CUSTOMER)), ""
        )
    if type(customer) is not str:
        customer = str(customer or "")
    fields = (invoice, first.currency, found, customer, due or first.date, first.date, first)
    return _new(Item, fields)


def document_of(movements: list[Movement]) -> Movement:
    """Returns the document posting of an item's movements (in their order): see the module doc.

    An invoice is written with the date it is `due` and debits the
    receivable; a credit note names the invoice it `credits` and credits it.
    A payment or a refund is written as neither (and a void is the opposite
    sign), so it is not the document even when it is posted before it, on
    the same day or an earlier one. With nothing written as a document, a
    posting that is cash (`_is_cash`) is not the document: the document is
    the first other posting. Only an item posted more than once gets here,
    and most are found at their first posting.
    """
    for movement in movements:
        if _written_as_document(movement):
            return movement
    return next(
        (movement for movement in movements if not _is_cash(movement, movements)), movements[0]
    )


def _written_as_document(movement: Movement) -> bool:
    """Tells whether a posting is written as an invoice (`due`) or a credit note (`credits`)."""
    units, written = movement.units, movement.entry.meta
    if units < 0:
        return meta.CREDITS in written
    return units > 0 and meta.DUE in written and meta.CREDITS not in written


def _is_cash(movement: Movement, movements: list[Movement]) -> bool:
    """Tells whether a posting is cash paid or refunded, or generated: never a document.

    Cash carries a receipt id, or is typed by hand against nothing but
    accounts under the receivable's own root (a refund from the bank). A
    debit whose entry also credits the item is its billing, whatever
    receipt id the entry carries: an invoice billed with a deposit applied
    in its own entry (a bank import posts a payment or a refund alone).
    """
    entry = movement.entry
    if meta.GENERATED_BY in entry.meta:
        return True
    posting = movement.posting
    if meta.written_receipt_id(entry, posting) is None:
        root = posting.account.partition(":")[0] + ":"
        return all(other.account.startswith(root) for other in entry.postings)
    return movement.units <= 0 or not any(
        other.entry is entry and other.units < 0 for other in movements
    )


def _at_cost(invoice: str, posting: data.Posting) -> str:
    """Returns the message for a receivable posting held at cost, which the plugin cannot carry."""
    cost = posting.cost
    rate = f"{cost.number} {cost.currency}" if isinstance(cost, Cost) else str(cost)
    return (
        f"Invoice '{invoice}' is posted to the receivable at cost ({{{rate}}}); "
        f"expected a price ('@ {rate}'): a receivable is carried at its price"
    )


def _other_currencies(invoice: str, movements: list[Movement], currency: str) -> list[Finding]:
    """Returns a finding for each posting in another currency than the item's document's."""
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
