"""Entries as Beancount's printer prints them, fast for the plain transactions importers make.

The ledger writer (`importers.ledger_files`) prints every imported entry to
write it and to compare it with its twin already in the ledger. Beancount's
printer (`printer.format_entry`) takes some 150 microseconds an entry, more
than a large import can spend on a whole row; `printed` writes the same text
in a few microseconds for a transaction of plain postings:

- each posting has units (a `Decimal` and a currency) and no cost, price or
  flag;
- the metadata of the transaction and its postings are strings, numbers,
  dates and booleans.

An importer that already made an entry's text with the entry (the usage
accruals: `importers.usage_entries`) leaves it in the entry's metadata under
`PRINTED`, and `printed` returns it as it is; tests check that it is the
printer's text. An importer of a million rows (a bank's export:
`importers.bank_entries`) makes no entries at all but their text (`Printed`),
with `pairs`. Anything else goes to Beancount's printer. The most common
shape (two postings in one currency, plain metadata, no tags) has a path of
its own (`pairs`), which prints a few thousand such transactions at once,
given as columns, since a large import prints a million of them. Property
tests check that all agree on every transaction of these shapes
(`tests/test_bank_importers.py`).

What the books, not a source's row, chose of an imported entry (a receipt's
receivable, links and `invoice` for an invoice booked since it was first
imported) is recorded with it (`Choice`); a re-import compares a row with its
twin in the ledger without it, on their texts (`same_row`), so the writer
need not parse a month file to find such a row the same. What a row says of
the invoices it pays is in its own text (a bank line's narration, a Stripe
row's description and `invoice_id`), so nothing the row says is left out.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from itertools import repeat
from typing import NamedTuple, cast

from beancount.core import amount, data
from beancount.parser import parser, printer

PRINTED = "__printed__"
"""The metadata key of an entry's text, made with the entry by its importer.

Printers leave out metadata whose key starts with `__`: the text is not part
of the entry's content, only its printed form.
"""
_PLAIN = (str, Decimal, datetime.date, bool)
_SOURCE = frozenset({"filename", "lineno"})  # Where an entry was read: not its content.


def _shown(key: str) -> bool:
    """Tells whether the printer prints a metadata key: not the file, line, or `__` keys."""
    return key not in _SOURCE and key[:2] != "__"


_Posting = tuple[str, str, str, Mapping[str, object] | None]  # Account, number, currency, meta.


class Printed(NamedTuple):
    """An imported entry made as its text, without a Beancount entry.

    The ledger writer needs only an entry's day, id and text, and the file
    and line of its row; a source of a million rows (a bank's export) makes
    those and no entry (`importers.bank_entries`). `entries` reads them back
    as Beancount's parser does, for beangulp's commands.
    """

    date: datetime.date
    source_id: str
    text: str
    filename: str
    lineno: int
    books: Choice | None = None  # What the books chose of it, if they chose (`Choice`).


Entry = data.Directive | Printed
"""What an importer gives the ledger writer: entries, or their text."""

BOOKS = "__books__"
"""The metadata key of what the books chose of an imported entry (`Choice`), if they chose.

Printers leave it out, as `PRINTED`: it is not part of the entry's content.
"""
_LINKS = re.compile(r'(?: \^[^\s"]+)+$')  # The links at the end of a heading.


class Choice(NamedTuple):
    """What the books, not a source's row, chose of an imported entry.

    Money naming an invoice posts to `receivable` when the books have the
    invoice (in its currency), else to `otherwise` (unapplied cash,
    disbursements, Stripe's refunds or disputes); its links (the invoices it
    names that the books have, or none: a bank's money out naming several)
    and its metadata `keys` (`invoice`, `customer`, Stripe's `receipt`) come
    from the books too. What the row says of the invoices it pays is in its
    text (payee, narration: a Stripe row's `invoice_id` is written there),
    not only in what the books made of it. The importer records the choice
    where it chooses (`importers.bank_invoices.credited`), with the entry
    (`Printed.books`, or `BOOKS` in its metadata); a re-import compares a row
    with its twin without it (`same_row`).
    """

    receivable: str
    otherwise: str
    keys: frozenset[str]
    others: frozenset[str] = frozenset()  # Other accounts the books may choose, as `receivable`.

    def unbooked(self, text: str) -> str:
        """Returns an entry's printed text without what the books chose.

        The text is what the writer prints (or a twin's text in a plain month
        file: the same but for spacing within posting lines). Left out: the
        heading's links, the entry's metadata lines of `keys`; a posting to
        `receivable` is shown as to `otherwise`, and every posting line with
        single spaces (and one to any of `others`, the other accounts the
        importer's rule may choose).
        The rest (date, flag, payee, narration, id and other metadata,
        accounts and amounts) is what the row says.
        """
        heading, _, rest = text.partition("\n")
        found = _LINKS.search(heading)
        if found is not None:
            heading = heading[: found.start()]
        kept = [heading.rstrip(" ")]  # A heading of no words ends in a space, unless linked.
        for line in rest.split("\n"):
            words = line.split()
            if not words or line[:4] == "    ":  # A posting's metadata: as it is.
                kept.append(line)
            elif words[0][-1] == ":":  # The entry's metadata.
                if words[0][:-1] not in self.keys:
                    kept.append(line)
            else:  # A posting.
                if words[0] == self.receivable or words[0] in self.others:
                    words[0] = self.otherwise
                kept.append(" ".join(words))
        return "\n".join(kept)


def choice_of(entry: Entry) -> Choice | None:
    """Returns what the books chose of an imported entry (`Choice`), if its importer recorded it."""
    if isinstance(entry, Printed):
        return entry.books
    return entry.meta.get(BOOKS) if entry.meta else None


def same_row(text: str, twin: str, books: Choice | None) -> bool:
    """Tells whether an imported entry's text says what its twin's says, but for the books' choice.

    `text` is the new entry's, `books` what the books chose of it: the twin
    may differ from it in that alone (`Choice.unbooked`), links included. A
    twin imported before an invoice the row names was booked (in unapplied
    cash, unlinked) is the same row, and so is one linked to an invoice the
    books would not credit now (a returned payment naming two invoices, one
    booked since: disbursements, unlinked). A row that names other invoices
    than before says so in its text, which is compared: a Stripe row whose
    `invoice_id` changed has another narration.
    """
    if text == twin:
        return True
    if books is None:
        return False
    return books.unbooked(text) == books.unbooked(twin)


def printed(entry: Entry) -> str:
    """Returns an entry as Beancount's printer prints it."""
    if isinstance(entry, Printed):
        return entry.text
    made = entry.meta.get(PRINTED) if entry.meta else None
    if made is not None:
        return str(made)
    if type(entry) is data.Transaction:
        text = _pair(entry)
        if text is None:
            text = _transaction(entry)
        if text is not None:
            return text
    return str(printer.format_entry(entry))


def printed_each(entries: Sequence[Entry]) -> list[str]:
    """Returns `printed` of each entry: at once for a million texts made by an importer."""
    if set(map(type, entries)) == {Printed}:
        return list(map(_TEXT, entries))
    return list(map(printed, entries))


_TEXT = operator.attrgetter("text")


def quoted(text: str) -> str:
    """Returns a string as the printer writes it: in quotes, with `"` and `\\` escaped."""
    if '"' in text or "\\" in text:
        text = text.replace("\\", r"\\").replace('"', r"\"")
    return '"' + text + '"'


def _value(value: object) -> str:
    """Returns a metadata value, payee or narration as the printer writes it."""
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _meta(meta: Mapping[str, object], indent: str) -> str | None:
    """Returns the printed lines of metadata, or None if a value is not a plain one."""
    lines = ""
    for key, value in meta.items():
        if not _shown(key):
            continue
        if not isinstance(value, _PLAIN):
            return None
        lines += f"{indent}{key}: {_value(value)}\n"
    return lines


def _postings(entry: data.Transaction) -> list[_Posting] | None:
    """Returns each posting's account, number, currency and metadata; None if one is not plain."""
    found: list[_Posting] = []
    for account, units, cost, price, flag, meta in entry.postings:
        if cost is not None or price is not None or flag or type(units) is not amount.Amount:
            return None
        number, currency = units
        if not isinstance(number, Decimal):
            return None
        found.append((account, number_text(number), currency, meta))
    return found


def _heading(
    date: datetime.date,
    flag: str | None,
    payee: str | None,
    narration: str,
    tags: AbstractSet[str],
    links: AbstractSet[str],
) -> str:
    """Returns a transaction's first line: date, flag, payee, narration, tags and links."""
    # Strings without a quote or a backslash need no escaping.
    plain = narration + payee if payee else narration
    if '"' in plain or "\\" in plain:
        escaped = quoted(narration) if narration or payee else ""
        words = f"{quoted(payee)} {escaped}" if payee else escaped
    elif payee:
        words = f'"{payee}" "{narration}"'
    else:
        words = f'"{narration}"' if narration else ""
    if tags:
        words = " ".join([words, *("#" + tag for tag in sorted(tags))]).lstrip()
    if links:
        words = f"{words}{_marks(links)}" if words else _marks(links)[1:]
    return f"{day(date)} {flag or ''} {words}\n"


_DAYS: dict[datetime.date, str] = {}  # Each day's text: str() of a date is slow, days are few.


def day(date: datetime.date) -> str:
    """Returns a date as the printer writes it: YYYY-MM-DD, the year in four digits."""
    text = _DAYS.get(date)
    if text is None:
        text = str(date)
        if len(_DAYS) < 100_000 and type(date) is datetime.date:
            _DAYS[date] = text
    return text


def _transaction(entry: data.Transaction) -> str | None:
    """Returns the printer's text of a transaction of plain postings, else None."""
    postings = _postings(entry)
    meta_lines = _meta(entry.meta, "  ") if entry.meta else ""
    if not postings or meta_lines is None:
        return None
    narration = entry.narration or ""
    text = _heading(entry.date, entry.flag, entry.payee, narration, entry.tags, entry.links)
    text += meta_lines
    width = max(len(posting[0]) for posting in postings)
    before = max(len(posting[1]) for posting in postings) + 1  # The number, and a space.
    after = max(len(posting[2]) for posting in postings)
    lines = [text]
    for account, number, currency, posting_meta in postings:
        lines.append(f"  {account:{width}}  {number + ' ':>{before}}{currency:{after}}".rstrip())
        lines.append("\n")
        if posting_meta:
            printed_meta = _meta(posting_meta, "    ")
            if printed_meta is None:
                return None
            lines.append(printed_meta)
    return "".join(lines)


_BARE = (None, None, None, None)


def _pair(entry: data.Transaction) -> str | None:
    """Returns the printer's text of two plain postings in one currency, else None.

    Only when the metadata are plain values, the payee and narration are
    strings or None, and there are no tags; `_transaction` prints anything else.
    """
    meta, date, flag, payee, narration, tags, links, postings = entry
    if len(postings) != 2 or tags or not meta or type(narration) is not str:
        return None
    first, second = postings
    if first[2:] != _BARE or second[2:] != _BARE:  # Cost, price, flag, metadata.
        return None
    account, units, account2, units2 = first[0], first[1], second[0], second[1]
    if type(units) is not amount.Amount or type(units2) is not amount.Amount:
        return None
    (number, currency), (number2, currency2) = units, units2
    if type(number) is not Decimal or type(number2) is not Decimal or currency != currency2:
        return None
    if payee is not None and type(payee) is not str:
        return None
    for key, value in meta.items():
        if not isinstance(value, _PLAIN) and _shown(key):
            return None
    columns = {key: [value] for key, value in meta.items()}
    (text,) = pairs(
        [date], [flag], [payee], [narration], [links], columns,
        [account], [number], [account2], [number2], [currency],
    )  # fmt: skip
    return text


def pairs(
    dates: Sequence[datetime.date],
    flags: Sequence[str | None],
    payees: Sequence[str | None],
    narrations: Sequence[str],
    links: Sequence[AbstractSet[str]],
    meta: Mapping[str, Sequence[object]],
    accounts: Sequence[str],
    numbers: Sequence[Decimal],
    accounts2: Sequence[str],
    numbers2: Sequence[Decimal],
    currencies: Sequence[str],
) -> list[str]:
    """Returns the printer's text of transactions of two postings in one currency each.

    Given by columns: the transactions' dates, flags, ..., one item each per
    transaction, and their metadata as a column of values for each key, None
    where a transaction has no such key. The postings have no cost, price,
    flag or metadata; the transactions no tags. Metadata printed (all but the
    file and line, and keys starting with `__`) must be strings, numbers,
    dates or booleans. An importer of a million rows (a bank's export) prints
    its lines a few thousand at a time: a column's pieces are then made by
    Python's own loops (`map`), and each text is joined by one f-string.
    """
    texts, texts2 = _number_texts(numbers), _number_texts(numbers2)
    widths = list(map(max, map(len, accounts), map(len, accounts2)))
    befores = list(map(max, map(len, texts), map(len, texts2)))
    # f-strings: the fastest way Python joins a few strings.
    return [
        f"{heading}{shown}  {account}  {text} {currency}\n  {account2}  {text2} {currency}\n"
        for heading, shown, account, text, account2, text2, currency in zip(
            _headings(dates, flags, payees, narrations, links),
            _meta_lines(meta, len(dates)),
            map(str.ljust, accounts, widths),
            map(str.rjust, texts, befores),
            map(str.ljust, accounts2, widths),
            map(str.rjust, texts2, befores),
            currencies,
            strict=True,
        )
    ]


def _headings(
    dates: Sequence[datetime.date],
    flags: Sequence[str | None],
    payees: Sequence[str | None],
    narrations: Sequence[str],
    links: Sequence[AbstractSet[str]],
) -> list[str]:
    """Returns the first lines of transactions without tags, as `_heading` writes each."""
    payees_written = list(filter(None, payees))
    words = "".join(payees_written) + "".join(narrations)
    # Texts to escape, or neither payee nor narration: each heading as `_heading` writes it.
    if '"' in words or "\\" in words or (len(payees_written) < len(payees) and not all(narrations)):
        return list(map(_heading, dates, flags, payees, narrations, repeat(_NONE), links))
    days = {date: day(date) for date in set(dates)}
    marks = [_marks(linked) if linked else "" for linked in links]
    return [
        f'{written} {flag or ""} "{payee}" "{narration}"{mark}\n'
        if payee
        else f'{written} {flag or ""} "{narration}"{mark}\n'
        for written, flag, payee, narration, mark in zip(
            map(days.__getitem__, dates), flags, payees, narrations, marks, strict=True
        )
    ]


def _marks(links: AbstractSet[str]) -> str:
    """Returns the links of a heading (some), each after a space."""
    if len(links) == 1:
        (link,) = links
        return " ^" + link
    return " " + " ".join(["^" + link for link in sorted(links)])


def _meta_lines(meta: Mapping[str, Sequence[object]], count: int) -> list[str]:
    """Returns the printed metadata of each of `count` entries, given by columns of values."""
    columns = []
    for key, values in meta.items():
        start = _KEYS.get(key)
        if start is None:
            start = f"  {key}: " if _shown(key) else ""
            if len(_KEYS) < 1000:
                _KEYS[key] = start
        if not start:
            continue
        if set(map(type, values)) <= {str, type(None)}:
            joined = "".join(filter(None, cast(Sequence[str | None], values)))
            if '"' not in joined and "\\" not in joined:  # Printed as they are, fast.
                columns.append(
                    [f'{start}"{text}"\n' if text is not None else "" for text in values]
                )
                continue
        columns.append(
            [f"{start}{_value(value)}\n" if value is not None else "" for value in values]
        )
    if len(columns) > 1:
        return list(map("".join, zip(*columns, strict=True)))
    return columns[0] if columns else [""] * count


_NONE: frozenset[str] = frozenset()  # No tags.
_KEYS: dict[str, str] = {}  # A metadata key's line start ("  key: "), or "" for one not printed.


def number_text(number: Decimal) -> str:
    """Returns a number as the printer writes it: its digits, never in scientific notation."""
    text = str(number)  # What format(number, "f") writes, faster, unless it has a letter.
    if "E" in text or "N" in text or "n" in text:
        text = format(number, "f")
    return text


def _number_texts(numbers: Sequence[Decimal]) -> list[str]:
    """Returns `number_text` of each number."""
    texts = list(map(str, numbers))
    joined = "".join(texts)
    if "E" in joined or "N" in joined or "n" in joined:
        return list(map(number_text, numbers))
    return texts


def entries(made: Sequence[Printed]) -> list[data.Directive]:
    """Returns the entries the texts say, each with the file and line of its row.

    Raises:
      ValueError: If a text does not parse (a fault of its importer, not of its file).
    """
    parsed, errors, _ = parser.parse_string("\n".join(line.text for line in made))
    if errors or len(parsed) != len(made):
        raise ValueError(f"Imported text does not parse: {errors or len(parsed)}")
    found = []
    for entry, line in zip(
        sorted(parsed, key=lambda entry: entry.meta["lineno"]), made, strict=True
    ):
        meta = {**entry.meta, "filename": line.filename, "lineno": line.lineno}
        if line.books is not None:
            meta[BOOKS] = line.books
        if isinstance(entry, data.Transaction):
            postings = [posting._replace(meta=None) for posting in entry.postings]
            entry = entry._replace(postings=postings)
        found.append(entry._replace(meta=meta))
    return found
