"""The ledger's month files read as text: where each id's entry is, and the entries.

The writer (`importers.ledger_files`) writes a month file as its header (a
comment line), a blank line, then each entry as Beancount's printer prints it
(`importers.ledger_text`), a blank line between two. Indexing the ids of such
files with Beancount's parser costs some 50 microseconds an entry; a
re-import of a million bank rows spent most of its time there. This module
reads the text instead, where it is *plain* (`plain`): after an optional
header, only transactions and balances, blank lines between them, whose every
line is one of

    2026-03-02 * "ACME ROBOTICS" "WIRE INV-2026-000068" ^INV-2026-000068
      bank_reference: "1234567890/172629"
      Assets:Bank:US:Operating     49.00 USD
        service_start: 2026-03-01
    2026-03-31 balance Assets:Bank:US:Operating    1200.00 USD

with metadata values that are strings, days, numbers or booleans, no string
holding a quote, a backslash or a line break, days that exist, account names
under Beancount's default roots, and no comment, option or `pushtag`
anywhere. In such a text each entry is exactly its lines: no string runs on
into the next entry, nothing before it changes how it reads, and a metadata
line `  key: "value"` belongs to the entry it is in. So an id is found by its
line (`Written.ids`), its entry is the text between the blank lines around
it (`Written.holds` tells whether that is a given printed text), and
`Written.entries` and `Written.all` build the entries as Beancount's parser
does (tests check them against the parser, on the demo ledger and on
generated ones).

A file that is not plain (typed by hand, say, or with an entry the writer
prints otherwise) is not read here: `plain` returns None, and the caller
parses it. The one thing a plain text does not tell, and the parser does: a
metadata key written twice in one entry, when only ids are looked for (the
id's own key is checked; building an entry checks them all). The writer
never writes one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core import amount, data

_STRING = r'"[^"\\\n]*+"'
_KEY = r"[a-z][a-zA-Z0-9_-]++"
_ACCOUNT = r"(?:Assets|Liabilities|Equity|Income|Expenses)(?::[A-Z0-9][A-Za-z0-9-]*+)++"
_NUMBER = r"-?[0-9]++(?:\.[0-9]++)?+"
_CURRENCY = r"[A-Z](?:[A-Z0-9'._-]{0,22}[A-Z0-9])?"
_DATE = (  # A day that exists, but for the 29th of February (`plain` checks those).
    r"[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-9]))"
)
_VALUE = rf"(?:{_STRING}|{_DATE}|{_NUMBER}|TRUE|FALSE)"  # A string, a day, a number, a boolean.
_META = rf"(?:  {_KEY}: {_VALUE}\n)*+"
_TRANSACTION = (
    rf"{_DATE} [*!] (?:{_STRING} )?{_STRING}(?: [#^][A-Za-z0-9_./-]++)*+\n{_META}"
    rf"(?:  {_ACCOUNT} ++{_NUMBER} {_CURRENCY}\n(?:    {_KEY}: {_VALUE}\n)*+)++"
)
_BALANCE = rf"{_DATE} balance {_ACCOUNT} ++{_NUMBER} {_CURRENCY}\n{_META}"
PLAIN = re.compile(rf"\n*+(?:(?:{_TRANSACTION}|{_BALANCE})(?:\n++(?=.)|\n*+\Z))*+", re.DOTALL)
"""The entries of a plain text, blank lines between two (the text after the header)."""

_HEADING = re.compile(
    rf"({_DATE}) (?:([*!]) (?:({_STRING}) )?({_STRING})((?: [#^][A-Za-z0-9_./-]+)*)"
    rf"|balance ({_ACCOUNT}) +({_NUMBER}) ({_CURRENCY}))\n"
)
_LINE = re.compile(  # A metadata line, a posting's metadata line, or a posting.
    rf"  (?:({_KEY}): ({_VALUE})|  ({_KEY}): ({_VALUE})|({_ACCOUNT}) +({_NUMBER}) ({_CURRENCY}))\n"
)
_LONG_NEGATIVE = re.compile(r"-[0-9.]{29}")  # 28 digits and more (or a string holding them).
_STARTS = re.compile(r"\n\n(?=[0-9])")  # Where an entry starts in a plain text, but the first.


@dataclass(frozen=True, eq=False)  # Compared by identity: its text is long.
class Written:
    """A plain month file: its text, where its entries are found by their ids."""

    path: Path
    text: str

    def ids(self, key: str) -> list[tuple[str, int]]:
        """Returns each `key` metadata value in the file and where its line is, in file order.

        Raises:
          ValueError: If an entry has the key twice (the parser rejects it), or a
            value that is no string (the parser reads it).
        """
        text, last = self.text, -2  # The start of the entry of the last id found.
        found_ids = []
        for found in re.finditer(rf"\n  {re.escape(key)}: ([^\n]*)", text):
            value, start = found[1], _start(text, found.start())
            if start == last or value[:1] != '"':
                raise ValueError(f"An entry of '{self.path}' has '{key}' twice, or not a string")
            last = start
            found_ids.append((value[1:-1], found.start()))
        return found_ids

    def all(self) -> list[data.Directive]:
        """Returns every entry of the file in the parser's order (by date, kind and line).

        Raises:
          ValueError: If a key is written twice in one entry (the parser rejects it).
        """
        text, builder = self.text, _Builder(str(self.path))
        starts = [found.end() for found in _STARTS.finditer(text)]
        if text[:1].isdigit():
            starts.insert(0, 0)
        found: list[data.Directive] = []
        line, counted = 1, 0
        for start in starts:
            line += text.count("\n", counted, start)
            counted = start
            found.append(builder.entry(text, start, line))
        found.sort(key=data.entry_sortkey)
        return found

    def holds(self, at: int, printed: str) -> bool:
        """Tells whether the entry whose line is at `at` is exactly `printed`."""
        text = self.text
        start = _start(text, at)
        end = start + len(printed)
        return text.startswith(printed, start) and text[end : end + 1] in ("", "\n")

    def entry_text(self, at: int) -> str:
        """Returns the text of the entry whose line is at `at`: its lines, each with its "\\n"."""
        text = self.text
        start = _start(text, at)
        end = text.find("\n\n", start)
        return text[start : end + 1] if end >= 0 else text[start:]

    def entries(self, places: Iterable[int]) -> dict[int, data.Directive]:
        """Returns the entries whose lines are at these places, by place, as the parser reads them.

        Raises:
          ValueError: If a key is written twice in one of them (the parser rejects it).
        """
        text, builder = self.text, _Builder(str(self.path))
        starts = {place: _start(text, place) for place in places}
        built: dict[int, data.Directive] = {}
        line, counted = 1, 0  # Lines are counted on from the last entry's start.
        for start in sorted(set(starts.values())):
            line += text.count("\n", counted, start)
            counted = start
            built[start] = builder.entry(text, start, line)
        return {place: built[start] for place, start in starts.items()}


class Place(NamedTuple):
    """Where an id's entry is in a plain month file: the place of its id's line."""

    written: Written
    at: int

    def holds(self, printed: str) -> bool:
        """Tells whether the entry here is exactly `printed` (what the writer writes for it)."""
        return self.written.holds(self.at, printed)

    def text(self) -> str:
        """Returns the entry's text here, as written (not parsed)."""
        return self.written.entry_text(self.at)


def plain(path: Path, text: str) -> Written | None:
    """Returns a ledger file's text if it is plain (see the module), or None to parse it.

    The text is the writer's header (a comment line and a blank line), if
    there is one, then plain entries, a blank line between two.
    """
    start = 0
    if text.startswith(";"):  # The writer's header: a comment line, then a blank line.
        start = text.find("\n") + 2
        if text[start - 2 : start] != "\n\n":
            return None
    elif text.startswith("\n"):  # Its first entry would start after no blank line.
        return None
    if PLAIN.fullmatch(text, start) is None:
        return None
    # The parser negates a number under the context's 28 digits: such a long one it rounds.
    if _LONG_NEGATIVE.search(text, start) is not None:
        return None
    leap = text.find("-02-29")  # Found fast: such days are few, and most texts have none.
    while leap >= 0:
        if text[leap - 4 : leap].isdigit() and not _leap(text[leap - 4 : leap + 6]):
            return None  # (Or a string that holds one: then the parser reads the file.)
        leap = text.find("-02-29", leap + 6)
    return Written(path, text)


def _leap(day: str) -> bool:
    """Tells whether a 29th of February (`YYYY-02-29`) exists."""
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _start(text: str, at: int) -> int:
    """Returns where the entry holding `at` starts in a plain text: after a blank line, or at 0."""
    blank = text.rfind("\n\n", 0, at)
    return blank + 2 if blank >= 0 else 0


def _string(quoted: str) -> str:
    return quoted[1:-1]


class _Builder:
    """Builds the entries of a plain text as Beancount's parser does, sharing what recurs."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.days: dict[str, datetime.date] = {}
        self.accounts: dict[str, str] = {}  # Interned, as the parser does.

    def day(self, text: str) -> datetime.date:
        found = self.days.get(text)
        if found is None:
            found = self.days[text] = datetime.date.fromisoformat(text)
        return found

    def value(self, text: str) -> str | datetime.date | Decimal | bool:
        """Returns a metadata value as the parser reads it: a string, a day, a number, a boolean."""
        if text[0] == '"':
            return text[1:-1]
        if len(text) == 10 and text[4] == "-":
            return self.day(text)
        if text in ("TRUE", "FALSE"):
            return text == "TRUE"
        return Decimal(text)

    def entry(self, text: str, start: int, line: int) -> data.Directive:
        """Returns the entry starting at `start` (its first line is `line`) of a plain text."""
        heading = _HEADING.match(text, start)
        assert heading is not None, "a plain text's entry starts with its heading"
        meta: dict[str, Any] = {"filename": self.filename, "lineno": line}
        date = self.day(heading[1])
        if heading[6] is not None:  # A balance.
            account = self.accounts.setdefault(heading[6], heading[6])
            units = amount.Amount(Decimal(heading[7]), heading[8])
            self._lines(text, heading.end(), line + 1, meta, [])
            return data.Balance(meta, date, account, units, None, None)
        payee = _string(heading[3]) if heading[3] is not None else None
        words = heading[5].split()
        tags = frozenset(word[1:] for word in words if word[0] == "#")
        links = frozenset(word[1:] for word in words if word[0] == "^")
        postings: list[data.Posting] = []
        self._lines(text, heading.end(), line + 1, meta, postings)
        narration = _string(heading[4])
        return data.Transaction(meta, date, heading[2], payee, narration, tags, links, postings)

    def _lines(
        self, text: str, at: int, line: int, meta: dict[str, Any], postings: list[data.Posting]
    ) -> None:
        """Reads an entry's metadata and postings, from `at` (line `line`) to its end.

        Raises:
          ValueError: If a key is written twice in one entry or posting (the parser rejects it).
        """
        posting_meta = meta
        found = _LINE.match(text, at)
        while found is not None:
            key = found[1] or found[3]
            if key is not None:
                into = meta if found[1] is not None else posting_meta
                if key in into:
                    raise ValueError(f"Metadata key '{key}' is written twice at line {line}")
                into[key] = self.value(found[2] if found[1] is not None else found[4])
            else:
                account = self.accounts.setdefault(found[5], found[5])
                units = amount.Amount(Decimal(found[6]), found[7])
                posting_meta = {"filename": self.filename, "lineno": line}
                postings.append(data.Posting(account, units, None, None, None, posting_meta))
            line += 1
            found = _LINE.match(text, found.end())
