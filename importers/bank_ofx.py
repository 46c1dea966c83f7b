"""OFX and QFX bank and credit card statements (OFX 1.x SGML and 2.x XML), read with ofxtools.

    bank-ca:
      importer: ofx
      documents: bank/ca/*.ofx
      ledger: bank/ca
      bank_accounts: {"12300 000012345678": Assets:Bank:CA:Operating}
      accounts: {disbursements: Expenses:Unreconciled}

ofxtools' parser reads the header and the body, unclosed SGML tags and
CDATA included, into an element tree; it is a tokenizer, not an XML parser,
so no entity is ever expanded. Its typed model (`convert()`) is not used: it
enforces the specification's field lengths and refuses real files (a
10-digit `BANKID`), and it converts times to UTC, which moves a late-evening
posting to the next day. The fields are read as written instead.

Every `STMTRS` (bank) or `CCSTMTRS` (credit card) is a statement: its
account is `ACCTID`, its currency `CURDEF`. Every `STMTTRN` is a booked
line: `TRNAMT` signed as the bank writes it (its radix point a period or a
comma, OFX 3.2.9.1: `1200,00` is 1,200.00; OFX writes no thousands
separator), dated by the date part of `DTPOSTED` (its local date, whatever
the time zone), referenced by its `FITID` (unique within the account), with
`NAME` (or `PAYEE/NAME`) as payee, `MEMO` as narration and `CURRENCY/CURSYM`
as currency when given. `LEDGERBAL` is the closing balance at the end of the
date of its `DTASOF`. A file that does not end with `</OFX>` is reported as
truncated (OFX 1.x may leave a field's tag unclosed, so a cut file could
otherwise parse).
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from xml.sax.saxutils import unescape

from ofxtools.header import OFXHeaderError
from ofxtools.Parser import OFXTree, ParseError

from importers import bank_importer
from importers.bank_importer import StatementImporter
from importers.bank_numbers import NumberFormat
from importers.bank_statement import Booked, Closing, Item
from importers.config import Section
from importers.errors import ImportFailed, Problem
from importers.source import Placement

_NUMBERS = (NumberFormat("."), NumberFormat(","))  # OFX 3.2.9.1: a period or a comma.
_DATE = re.compile(r"\d{8}")
_STATEMENTS = ("STMTRS", "CCSTMTRS")


class _Places:
    """The line of the n-th occurrence of each opening tag, read from the raw file."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.cache: dict[str, list[int]] = {}

    def line(self, tag: str, index: int) -> int:
        if tag not in self.cache:
            pattern = re.compile(rb"<" + tag.encode() + rb">", re.IGNORECASE)
            offsets = [found.start() for found in pattern.finditer(self.raw)]
            lines, last, count = [], 0, 0
            for offset in offsets:
                count += self.raw.count(b"\n", last, offset)
                lines.append(count + 1)
                last = offset
            self.cache[tag] = lines
        found = self.cache[tag]
        return found[index] if index < len(found) else 1


def _tree(path: str) -> ET.Element:
    tree = OFXTree()
    try:
        with open(path, "rb") as stream:
            tree.parse(stream)
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error
    except (OFXHeaderError, ParseError, ET.ParseError, UnicodeDecodeError, ValueError) as error:
        message = f"Not a valid OFX file: {error}"
        raise ImportFailed([Problem(path, None, message)]) from error
    root = tree.getroot()
    if root is None:
        raise ImportFailed([Problem(path, None, "Not a valid OFX file: it has no body")])
    return root


def _field(element: ET.Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    text = found.text if found is not None else None
    return unescape(text, {"&quot;": '"', "&apos;": "'"}).strip() if text else None


class _Statement:
    """Reads one statement aggregate, recording a problem for each bad field."""

    def __init__(self, path: str, element: ET.Element, problems: list[Problem]) -> None:
        self.path = path
        self.element = element
        self.problems = problems
        self.account = _field(element, "BANKACCTFROM/ACCTID") or _field(
            element, "CCACCTFROM/ACCTID"
        )
        self.currency = _field(element, "CURDEF") or ""

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def day(self, line: int, element: ET.Element, tag: str) -> datetime.date | None:
        text = _field(element, tag) or ""
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            return datetime.datetime.strptime(text[:8], "%Y%m%d").date()
        except ValueError:
            self.problem(line, f"Field '{tag}' '{text}' is not a date; expected YYYYMMDD...")
            return None

    def number(self, line: int, element: ET.Element, tag: str) -> Decimal | None:
        text = _field(element, tag) or ""
        try:
            return amount(text)
        except ValueError as error:
            self.problem(line, f"Field '{tag}' '{text}' {error}")
            return None

    def items(
        self, line: int, transactions: Iterator[int], balances: Iterator[int]
    ) -> Iterator[Item]:
        """Yields the statement's items; `transactions` and `balances` give the next lines."""
        if self.account is None:
            self.problem(line, "Statement has no account; expected 'BANKACCTFROM/ACCTID'")
            return
        for transaction in self.element.iter("STMTTRN"):
            booked = self.booked(next(transactions), transaction)
            if booked is not None:
                yield booked
        balance = self.element.find("LEDGERBAL")
        if balance is not None:
            at = next(balances)
            day, number = self.day(at, balance, "DTASOF"), self.number(at, balance, "BALAMT")
            if day is not None and number is not None:
                yield Closing(self.account, at, day, number, self.currency)

    def booked(self, line: int, transaction: ET.Element) -> Booked | None:
        assert self.account is not None
        day = self.day(line, transaction, "DTPOSTED")
        number = self.number(line, transaction, "TRNAMT")
        if day is None or number is None:
            return None
        currency = _field(transaction, "CURRENCY/CURSYM") or self.currency
        reference = _field(transaction, "FITID")
        payee = _field(transaction, "NAME") or _field(transaction, "PAYEE/NAME")
        narration = _field(transaction, "MEMO") or ""
        return Booked(self.account, line, day, number, currency, reference, payee, narration)


def amount(text: str) -> Decimal:
    """Returns an OFX amount: its radix point a period or a comma, no thousands separator.

    OFX 1.6 and 2.x, section 3.2.9.1: "the radix point is indicated with
    either a period or a comma"; the specification has no thousands separator.

    Raises:
      ValueError: If the text is no such amount.
    """
    for number_format in _NUMBERS:
        with contextlib.suppress(ValueError):
            return number_format.parse(text)
    raise ValueError(
        "is not an amount; expected digits with '.' or ',' as the decimal separator "
        "and none between thousands, like '-1234.56'"
    )


def read(path: str, problems: list[Problem]) -> list[Item]:
    """Returns the booked lines and closing balances of every statement of an OFX file.

    Raises:
      ImportFailed: If the file is not OFX or holds no statement.
    """
    root = _tree(path)
    with open(path, "rb") as stream:
        places = _Places(stream.read())
    if not places.raw.rstrip().upper().endswith(b"</OFX>"):
        line = places.raw.rstrip().count(b"\n") + 1
        message = "File ends without its closing '</OFX>' tag; it looks truncated"
        raise ImportFailed([Problem(path, line, message)])
    transactions = map(places.line, itertools.repeat("STMTTRN"), itertools.count())
    balances = map(places.line, itertools.repeat("LEDGERBAL"), itertools.count())
    counts = dict.fromkeys(_STATEMENTS, 0)
    items: list[Item] = []
    for element in root.iter():
        if element.tag in counts:
            line = places.line(element.tag, counts[element.tag])
            counts[element.tag] += 1
            statement = _Statement(path, element, problems)
            items += statement.items(line, transactions, balances)
    if not sum(counts.values()):
        message = "No statement in the file; expected a 'STMTRS' or 'CCSTMTRS' aggregate"
        raise ImportFailed([Problem(path, 1, message)])
    return items


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of an `ofx` section; see `importers.bank_book` for its fields."""
    return bank_importer.from_config(section, placement, read)
