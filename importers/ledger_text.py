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
printer's text. Anything else goes to
Beancount's printer. The most common shape (two postings in one currency,
string metadata, no tags) has a path of its own (`_pair`), since a large
import prints a million of them. Property tests check that all agree on
every transaction of these shapes (`tests/test_bank_importers.py`).
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from beancount.core import amount, data
from beancount.parser import printer

PRINTED = "__printed__"
"""The metadata key of an entry's text, made with the entry by its importer.

Printers leave out metadata whose key starts with `__`: the text is not part
of the entry's content, only its printed form.
"""
_PLAIN = (str, Decimal, datetime.date, bool)
_SOURCE = frozenset({"filename", "lineno"})  # Where an entry was read: not its content.
_Posting = tuple[str, str, str, Mapping[str, object] | None]  # Account, number, currency, meta.


def printed(entry: data.Directive) -> str:
    """Returns an entry as Beancount's printer prints it."""
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
        if key in _SOURCE or key[:2] == "__":
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
        text = str(number)  # What format(number, "f") writes, faster, unless it has a letter.
        if "E" in text or "N" in text or "n" in text:
            text = format(number, "f")
        found.append((account, text, currency, meta))
    return found


def _heading(entry: data.Transaction) -> str:
    """Returns the transaction's first line: date, flag, payee, narration, tags and links."""
    words = []
    if entry.payee:
        words.append(_value(entry.payee))
    if entry.narration:
        words.append(_value(entry.narration))
    elif entry.payee:
        words.append('""')
    if entry.tags:
        words += ["#" + tag for tag in sorted(entry.tags)]
    if entry.links:
        words += ["^" + link for link in sorted(entry.links)]
    return f"{day(entry.date)} {entry.flag or ''} {' '.join(words)}\n"


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
    text = _heading(entry) + meta_lines
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
_Shape = tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]
_SHAPES: dict[tuple[str, ...], _Shape] = {}  # Metadata keys -> how to print their values.


def _shape(keys: tuple[str, ...]) -> _Shape:
    """Returns the %-template of metadata with these keys (in this order), and their getter."""
    shown = [key for key in keys if key not in _SOURCE and key[:2] != "__"]
    template = "".join(f'  {key.replace("%", "%%")}: "%s"\n' for key in shown)
    if len(shown) > 1:
        return template, operator.itemgetter(*shown)
    return template, lambda meta: tuple(meta[key] for key in shown)


def _pair(entry: data.Transaction) -> str | None:
    """Returns the printer's text of two plain postings in one currency, else None.

    Only when the metadata are strings, the payee and narration are strings
    or None, no string holds a quote or a backslash (to escape), and there are
    no tags; `_transaction` prints anything else.
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
    if type(number) is not Decimal or type(number2) is not Decimal:
        return None
    if currency != currency2 or not currency[-1:].isalnum():  # No padding, nothing to rstrip.
        return None
    text, text2 = str(number), str(number2)
    both = text + text2  # Scientific notation or NaN: the printer writes them otherwise.
    if "E" in both or "N" in both or "n" in both:
        return None
    keys = tuple(meta)
    shape = _SHAPES.get(keys)
    if shape is None:
        shape = _shape(keys)
        if len(_SHAPES) < 1000:
            _SHAPES[keys] = shape
    template, take = shape
    values = take(meta)
    try:
        shown = "".join(values) + narration  # Raises TypeError if a value is not a string.
        if payee is not None:
            shown += payee
    except TypeError:
        return None
    if '"' in shown or "\\" in shown:
        return None
    words = f'"{payee}" "{narration}"' if payee else f'"{narration}"' if narration else ""
    if links:
        if len(links) == 1:
            (link,) = links
            mark = "^" + link
        else:
            mark = " ".join(["^" + link for link in sorted(links)])
        words = f"{words} {mark}" if words else mark
    width = len(account) if len(account) > len(account2) else len(account2)
    before = len(text) if len(text) > len(text2) else len(text2)
    return (
        f"{day(date)} {flag or ''} {words}\n{template % values}"
        f"  {account.ljust(width)}  {text.rjust(before)} {currency}\n"
        f"  {account2.ljust(width)}  {text2.rjust(before)} {currency}\n"
    )
