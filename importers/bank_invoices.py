"""The invoices of the books, and the ones a receipt's text names.

A receipt names an invoice when a word of its payee, narration or reference
is an invoice id of the books: the `invoice` metadata of a ledger entry (as
the import command indexes them, or beangulp's `existing` entries). Which
ids a text names is the one rule the AR plugin reads too,
`plugins.invoice_words`, imported from there: words in any case, a word that
is no id read in its parts between `/` and `.` (`INV-1/INV-2` names both)
but never a part of digits alone (`03/02/2026` names no invoice 2026), and
two ids that differ only in case each named by its own spelling alone.

An invoice's other ids name it too when an importer asks (`aliases`): Stripe's
balance report names an invoice by its `in_…` id, which the billing importer
keeps as `stripe_invoice` beside the number the invoice is booked under.
Which invoice an other id names is the AR plugin's rule too
(`invoice_words.other_ids`, `InvoiceIds`): of two carrying it the earlier
billed; none if it is an invoice's own id in some case.

What the books choose for money naming an invoice (`credited`: the
receivable or another account, the links, `invoice` and `customer`) is not
what its row says: the importer records it with the entry (a
`ledger_text.Choice`, made by `choice`), and a re-import compares a row
without it (`ledger_text.same_row`), so a receipt imported while its invoice
was not yet booked (waiting in unapplied cash) is the same row once the
books would credit the receivable with it. The texts it is chosen by are
written in the entry (payee, narration; a Stripe row's `invoice_id` too),
and compared.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, NamedTuple, cast

from beancount.core import data

from importers.ledger_text import Choice
from plugins.invoice_words import WORD, InvoiceIds, fold, has_parts, other_ids, parts

INVOICE = "invoice"
CUSTOMER = "customer"
_RUN = re.compile(r"\S*")  # A run of non-spaces.
_HAS_SPACE = re.compile(r"\s")
_STARTS = 64  # With more distinct starts of invoice ids, looking for them is no faster.


class Invoice(NamedTuple):
    """An invoice of the books: its id, and its customer when the entry names one.

    `currencies` are the account and currency of the postings of every entry
    naming the invoice, first by account: the currency it is receivable in
    is its receivable postings' (`currency_in`), whichever entry comes first.
    """

    id: str
    customer: str | None
    links: frozenset[str] = frozenset()  # {id}: made once, shared by every receipt.
    currencies: tuple[tuple[str, str], ...] = ()

    def currency_in(self, account: str) -> str | None:
        """Returns the currency the invoice's entry posts to an account in, if it posts to it."""
        return next((currency for name, currency in self.currencies if name == account), None)


class Invoices:
    """The invoice ids of the books, looked up by the words of a text (`plugins.invoice_words`).

    Texts are read a column at a time (`named_in_each`). An ASCII text is
    folded whole and its folded words looked up, the fast way: words are
    ASCII, so folding the text folds each word. A text that is not ASCII,
    or that may name one of two ids differing only in case, is read word by
    word as written (`InvoiceIds.named`): folding it whole could join or
    split its words (`ß` folds to `ss`), or lose the spelling that tells the
    two ids apart.
    """

    def __init__(self, entries: Iterable[data.Directive], aliases: Sequence[str] = ()) -> None:
        """Indexes the invoices of the entries.

        Args:
          entries: The books' entries; those with `invoice` metadata are the invoices.
          aliases: Metadata keys of an invoice's other ids, which name it too
            (`stripe_invoice`: the `in_…` id Stripe's reports use, for its number).
        """
        by_id: dict[str, Invoice] = {}
        carried: list[tuple[str, str, datetime.date]] = []  # (other id, invoice id, its date)
        # The currency of each account the entries naming an invoice post to, in
        # whatever order they come (a receipt naming it may come before the invoice).
        currencies: dict[str, dict[str, str]] = {}
        for entry in entries:
            if not isinstance(entry, data.Transaction) or INVOICE not in entry.meta:
                continue
            invoice_id = str(entry.meta[INVOICE])
            customer = entry.meta.get(CUSTOMER)
            known = by_id.get(invoice_id)
            if known is None or (known.customer is None and customer is not None):
                customer = str(customer) if customer is not None else None
                by_id[invoice_id] = Invoice(invoice_id, customer, frozenset({invoice_id}))
            _add_currencies(currencies.setdefault(invoice_id, {}), entry)
            for alias in aliases:
                if entry.meta.get(alias) is not None:
                    carried.append((str(entry.meta[alias]), invoice_id, entry.date))
        by_name = {
            invoice_id: invoice._replace(currencies=tuple(currencies[invoice_id].items()))
            for invoice_id, invoice in by_id.items()
        }
        self._ids = InvoiceIds(by_name, other_ids(carried))
        # Each id (or other id) as spelled, to its invoice.
        self._by_name = by_name | {
            other: by_name[name] for other, name in self._ids.aliases.items()
        }
        # Each folded word that names an invoice, by the rule's folded index: ids that
        # differ only in case are not in it, and a text that may name one of them is
        # read as written (`_as_written`).
        self._by_word = {word: by_name[name] for word, name in self._ids.by_fold.items()}
        clashing = sorted(set(map(fold, self._by_name)) - self._by_word.keys())
        self._clash = re.compile("|".join(map(re.escape, clashing))).search if clashing else None
        # A text can name an invoice only if it holds the start of an invoice id: looking
        # for the few starts there are (`inv`, say) passes over most texts at once.
        starts = sorted({word[:3] for word in self._by_word})
        self._start = re.compile("|".join(map(re.escape, starts))).search if starts else None
        if len(starts) > _STARTS:
            self._start = None
        # The ids that are a word each: a run of non-spaces that is one of them is that word.
        self._whole = frozenset(filter(WORD.fullmatch, self._by_word))
        # Whether a start found is within one run of non-spaces (`_sole_ids`).
        self._starts_in_runs = not any(map(_HAS_SPACE.search, starts))

    def __bool__(self) -> bool:
        return bool(self._by_name)

    def named(self, *texts: str | None) -> list[Invoice]:
        """Returns the invoices the texts name, each once, in the order first named."""
        if not self._by_name:
            return []
        return list(self.named_in_each([" ".join(text for text in texts if text)])[0])

    def named_in_each(self, texts: Sequence[str]) -> list[Sequence[Invoice]]:
        """Returns the invoices each text names, as `named` does, by columns.

        A bank's export of a million lines asks for them a few thousand lines at
        a time: most of the work is then done by Python's own loops (`map`).
        """
        if not self._by_name:
            return [()] * len(texts)
        folded = list(map(str.lower, texts))  # Of an ASCII text: its words folded (`fold`).
        as_written = self._as_written(texts, folded)
        for at in as_written:
            folded[at] = ""
        found = self._named_in_folded(folded)
        for at in as_written:
            found[at] = self._named_as_written(texts[at])
        return found

    def _as_written(self, texts: Sequence[str], folded: list[str]) -> list[int]:
        """Returns where the texts are that are read as written (see the class).

        Those that are not ASCII, and those whose folded text holds the folded
        id of two ids that differ only in case.
        """
        clash = self._clash
        if "".join(texts).isascii():
            if clash is None:
                return []
            return [at for at, hit in enumerate(map(clash, folded)) if hit is not None]
        return [
            at
            for at, (text, low) in enumerate(zip(texts, folded, strict=True))
            if not text.isascii() or (clash is not None and clash(low) is not None)
        ]

    def _named_as_written(self, text: str) -> list[Invoice]:
        """Returns the invoices a text names, read word by word as written, by the rule."""
        by_name = self._by_name
        found: dict[str, Invoice] = {}
        for name in self._ids.named(text):
            found.setdefault(by_name[name].id, by_name[name])
        return list(found.values())

    def _named_in_folded(self, texts: list[str]) -> list[Sequence[Invoice]]:
        """Returns the invoices each folded ASCII text names, as `named` does."""
        by_word, start = self._by_word, self._start
        if not by_word:
            return [()] * len(texts)
        if start is None:
            return list(map(self._by_words, texts))
        found: list[Sequence[Invoice]] = [()] * len(texts)
        firsts = list(map(start, texts))  # Where each text holds the start of an id first.
        hits = [at for at, first in enumerate(firsts) if first is not None]
        named = list(map(texts.__getitem__, hits))
        # Most texts name one invoice by its id alone: found at once.
        sole_ids = self._sole_ids(named, [cast(re.Match[str], firsts[at]) for at in hits])
        rest = []  # The texts that may name another invoice, or several.
        for at, sole_id in zip(hits, sole_ids, strict=True):
            if sole_id is not None:
                found[at] = [by_word[sole_id]]
            else:
                rest.append(at)
        named = list(map(texts.__getitem__, rest))
        runs = list(map(str.split, named))  # Words are within runs of non-spaces.
        wholes = list(map(self._whole.intersection, runs))  # Runs that are an invoice's id.
        others = map(set.difference, map(set, runs), wholes)
        other_hits = map(start, map(" ".join, others))
        for at, text, whole, other_hit in zip(rest, named, wholes, other_hits, strict=True):
            if other_hit is not None:  # Keep the runs that hold an invoice's start.
                found[at] = self._by_words(" ".join([run for run in text.split() if start(run)]))
            elif len(whole) < 2:  # No other run can name one.
                found[at] = list(map(by_word.__getitem__, whole))
            else:
                found[at] = self._in_order(text)
        return found

    def _sole_ids(self, texts: list[str], firsts: list[re.Match[str]]) -> list[str | None]:
        """Returns the id each text names, when that is all it can name, else None.

        That is when the text holds the start of an id once (`firsts`: where),
        in a run of non-spaces that is an id (one of `_whole`): no other run
        can name an invoice then, and that run names its own.
        """
        start = self._start
        if start is None or not self._starts_in_runs or not "".join(texts).isprintable():
            return [None] * len(texts)  # (Printable: the only space is " ".)
        after = map(start, texts, map(re.Match.end, firsts))  # Another start, if any.
        spaces = map(str.rfind, texts, repeat(" "), repeat(0), map(re.Match.start, firsts))
        runs = cast(  # `\S*` matches everywhere.
            Iterator[re.Match[str]], map(_RUN.match, texts, map(operator.add, spaces, repeat(1)))
        )
        whole = self._whole
        return [
            run[0] if again is None and run[0] in whole else None
            for run, again in zip(runs, after, strict=True)
        ]

    def _by_words(self, folded: str) -> list[Invoice]:
        """Returns the invoices a folded text names, word by word."""
        by_word = self._by_word
        # Which invoices, as sets (fast): most texts name none or one, whose order is moot.
        words = set(WORD.findall(folded))
        named = by_word.keys() & words
        if has_parts(folded):
            for word in words - named:
                if has_parts(word):
                    named |= by_word.keys() & set(parts(word))
        if len(named) < 2:
            return [by_word[word] for word in named]
        return self._in_order(folded)

    def _in_order(self, folded: str) -> list[Invoice]:
        """Returns the invoices a folded text names in the order first named."""
        by_word = self._by_word
        found: dict[str, Invoice] = {}
        for word in WORD.findall(folded):
            invoice = by_word.get(word)
            if invoice is not None:
                found.setdefault(invoice.id, invoice)
            elif has_parts(word):
                for part in parts(word):
                    invoice = by_word.get(part)
                    if invoice is not None:
                        found.setdefault(invoice.id, invoice)
        return list(found.values())


def _add_currencies(found: dict[str, str], entry: data.Transaction) -> None:
    """Adds the currency of each account an entry posts to that `found` does not have yet."""
    for posting in entry.postings:
        if posting.units is not None and isinstance(posting.units.currency, str):
            found.setdefault(posting.account, posting.units.currency)


def choice(receivable: str, otherwise: str, *keys: str) -> Choice:
    """Returns what the books choose for money naming invoices: `credited`'s accounts and keys.

    The books choose between `receivable` and `otherwise`, and add the
    links, `invoice` and `customer` (and an importer's own `keys`, Stripe's
    `receipt`): the importer records the choice with each entry it makes so.
    """
    return Choice(receivable, otherwise, frozenset({INVOICE, CUSTOMER, *keys}))


def credited(
    named: Sequence[Invoice],
    books: Choice,
    meta: dict[str, Any],
    currency: str | None = None,
) -> tuple[str, frozenset[str]]:
    """Returns the account that money naming these invoices posts against, and its links.

    One invoice: the receivable (`books.receivable`), linked to it, with its
    `invoice` (and its `customer`) added to `meta`. None or several:
    `books.otherwise` (unapplied cash, say), linked to every invoice named,
    for the AR plugin to apply. Money in another `currency` than the one the
    invoice is receivable in names it the same way but goes to `otherwise`
    too: a receivable holds an invoice in its own currency, and the AR
    plugin converts the money at the day's price (`plugins.cash_application`).
    """
    receivable, otherwise = books.receivable, books.otherwise
    if len(named) != 1:
        # An empty set is one shared object: most money in names no invoice.
        links = frozenset(invoice.id for invoice in named) if named else data.EMPTY_SET
        return otherwise, links
    (invoice,) = named
    meta[INVOICE] = invoice.id
    if invoice.customer is not None:
        meta[CUSTOMER] = invoice.customer
    links = invoice.links or frozenset({invoice.id})
    if currency is not None and invoice.currency_in(receivable) not in (None, currency):
        return otherwise, links
    return receivable, links
