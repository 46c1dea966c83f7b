"""SWIFT MT940 statements, with the `mt-940` library reading each statement's tags.

    bank-eu:
      importer: mt940
      documents: bank/eu/*.sta
      ledger: bank/eu
      bank_accounts: {"NL26VAYB8060476890": Assets:Bank:EU:Operating}
      accounts: {disbursements: Expenses:Unreconciled}

A file holds one or more statements, each from a `:20:` tag to its closing
balance (`:62F:`, or `:62M:` for an intermediate page) and the balances after
it (`:64:`, `:65:`). Lines before a statement's `:20:` (a bank's envelope such
as ING's `940 00` or ABN AMRO's `ABNANL2A`) and anything else after its
closing balance (ING's statement-level `:86:`, a `-XXX` trailer) are not part
of it. `mt-940` parses each statement's tags: `:25:` is the account, every
`:61:` a booked line (its entry date when it has one, else its value date;
the bank's reference after `//`), `:62F:`/`:62M:` the closing balance.

The line's text is its `:86:` as written, followed by the `:61:` reference
for the account owner (before `//`; for money in, what the payer quoted, an
invoice number often) unless it is `NONREF` or the text holds it already, as
BAI2's customer reference is (`bank_statement.quoted`): so it is searched
for invoices. Unstructured text has its lines joined with spaces. German
structured text (a transaction code, then `?00` posting text, `?20`-`?29`
and `?60`-`?63` purpose, `?32`/`?33` name) wraps at a fixed width mid-word,
so its lines and the parts of the purpose and of the name are joined as they
run on; the name is the payee, the posting text and purpose (a space before
each SEPA keyword: `EREF+`, `SVWZ+`, ...) the narration.

A statement without a closing balance is reported as truncated. A `:61:`
line that `mt-940`'s own pattern of the line does not read, or reads
without its transaction type (a letter and three characters, like `NTRF`:
it would read the next `:61:` into it), is reported at its own line.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import mt940

from importers import bank_importer
from importers.bank_importer import StatementImporter
from importers.bank_statement import Booked, Closing, Item, quoted
from importers.config import Section
from importers.errors import ImportFailed, Problem
from importers.source import Placement

_TAG = re.compile(r":(?P<tag>\d\d[A-Z]?|NS):")
_KEPT_AFTER_CLOSING = ("64", "65")
_SUBFIELD = re.compile(r"\?(\d\d)")
_PAYEE = ("32", "33")
_PURPOSE = (*(str(n) for n in range(20, 30)), "60", "61", "62", "63")
_LINE = mt940.tags.Statement()  # The library's pattern of a `:61:` line.
_KEYWORD = re.compile(r"(?<=\S)((?:EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|MTLG)[+:])")


class _Block(NamedTuple):
    """One statement of the file: its lines, numbered as in the file."""

    lines: list[tuple[int, str]]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def tagged(self, tag: str) -> list[tuple[int, str]]:
        """Returns (line, text) of each field with the tag, its continuation lines joined."""
        fields: list[tuple[int, str, list[str]]] = []
        for number, text in self.lines:
            found = _TAG.match(text)
            if found:
                fields.append((number, found["tag"], [text[found.end() :]]))
            elif fields:
                fields[-1][2].append(text)
        return [(number, "\n".join(parts)) for number, name, parts in fields if name == tag]


def _tag(text: str) -> str | None:
    found = _TAG.match(text)
    return found["tag"] if found else None


def _blocks(path: str, text: str) -> list[_Block]:
    """Splits the file into statements, each ending after its closing balance."""
    blocks: list[_Block] = []
    closed = True
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        tag = _tag(line)
        if tag == "20":
            blocks.append(_Block([]))
            closed = False
        if not blocks or not line or (closed and tag not in _KEPT_AFTER_CLOSING):
            continue  # Before the first statement, or past a closing balance.
        blocks[-1].lines.append((number, line))
        closed = closed or (tag or "").startswith("62")
    if not blocks:
        raise ImportFailed([Problem(path, 1, "No statement in the file; expected a ':20:' tag")])
    return blocks


def _closed(block: _Block) -> bool:
    return any((_tag(text) or "").startswith("62") for _, text in block.lines)


def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except UnicodeDecodeError as error:
        message = f"Cannot decode the file as UTF-8: {error.reason}"
        raise ImportFailed([Problem(path, None, message)]) from error
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error


def read(path: str, problems: list[Problem]) -> list[Item]:
    """Returns the booked lines and closing balances of every statement of an MT940 file."""
    items: list[Item] = []
    for block in _blocks(path, _text(path)):
        start = block.lines[0][0]
        if not _closed(block):
            last = block.lines[-1][0]
            message = f"Statement from line {start} has no closing balance (:62F: or :62M:)"
            problems.append(Problem(path, last, message + "; the file looks truncated"))
            continue
        fields = block.tagged("61")
        matches, unread = _read_lines(fields)
        if unread:
            problems += [Problem(path, line, message) for line, message in unread]
            continue
        try:
            items += _statement(block, fields, matches)
        except (ValueError, KeyError, AttributeError, TypeError, RuntimeError) as error:
            message = f"Statement from line {start} is not valid MT940: {error}"
            problems.append(Problem(path, start, message))
    return items


def _read_lines(
    fields: list[tuple[int, str]],
) -> tuple[list[re.Match[str]], list[tuple[int, str]]]:
    """Returns the `:61:` fields as the library's pattern reads them, and each it would misread.

    The readings (`_owner_reference` reuses them) are of the fields read
    well, in order: all of them when there is no problem. A problem is a
    field's line and message. A field its pattern does not match makes the
    library raise; one without its transaction type (`1!a3!c`, like
    `NTRF`) it reads as the start of a line whose fields the next `:61:`
    fills in (one line, not two), or, the last of its statement, with what
    its pattern could read: `C49.50NTRF` as 49 with the reference
    `.50NTRF`. Either is an error at its line.
    """
    read: list[re.Match[str]] = []
    found = []
    expected = (
        "expected its value date (YYMMDD), an optional entry date (MMDD), 'C' or 'D', "
        "an amount with ',' as the decimal separator and a transaction type, "
        "like '1105210523D11,59N426NONREF'"
    )
    for line, text in fields:
        match = _LINE.re.match(text)
        if match is None or not match["id"]:
            first = text.split("\n", 1)[0]
            found.append((line, f"Field ':61:' '{first}' is not a statement line; {expected}"))
        else:
            read.append(match)
    return read, found


def _statement(
    block: _Block, fields: list[tuple[int, str]], matches: list[re.Match[str]]
) -> Iterator[Item]:
    """Returns a statement's booked lines and closing balance, given its `:61:` fields read well."""
    parsed = mt940.models.Transactions()
    parsed.parse(block.text)
    account = str(parsed.data["account_identification"])
    lines = [number for number, _ in fields]
    if len(lines) != len(parsed.transactions):
        raise ValueError(f"read {len(parsed.transactions)} of its {len(lines)} ':61:' lines")
    details = _details_after(lines, block.tagged("86"))
    for line, match, transaction in zip(lines, matches, parsed.transactions, strict=True):
        yield _booked(account, line, transaction.data, match, details.get(line, ""))
    closing: Any = parsed.data.get("final_closing_balance") or parsed.data.get(
        "intermediate_closing_balance"
    )
    (line, _), *_ = block.tagged("62F") or block.tagged("62M")
    units = closing.amount
    yield Closing(account, line, _day(closing.date), units.amount, units.currency)


def _day(value: datetime.date) -> datetime.date:
    """Returns a plain date (the library's dates are a subclass)."""
    return datetime.date(value.year, value.month, value.day)


def _details_after(lines: list[int], details: list[tuple[int, str]]) -> dict[int, str]:
    """Returns the `:86:` text that directly follows each `:61:` line, by the `:61:` line."""
    fields: list[tuple[int, str | None]] = sorted([*((line, None) for line in lines), *details])
    found: dict[int, str] = {}
    for (line, text), (_, after) in itertools.pairwise(fields):
        if text is None and after is not None:
            found[line] = after
    return found


def _booked(
    account: str, line: int, data: dict[str, Any], field: re.Match[str], details: str
) -> Booked:
    payee, text = _described(details)
    narration = " ".join(filter(None, [text, *quoted(text, [_owner_reference(field)])]))
    reference = data.get("bank_reference") or None
    day = _day(data.get("entry_date") or data["date"])
    units = data["amount"]
    return Booked(account, line, day, units.amount, units.currency, reference, payee, narration)


def _owner_reference(field: re.Match[str]) -> str | None:
    """Returns a `:61:` line's reference for the account owner: its subfield before `//`.

    For money in, it is what the payer quoted. It is read from the line as
    the library's pattern splits it (`_read_lines`), not from the library's
    transaction, whose `customer_reference` a structured `:86:` replaces
    (with its `KREF+`, or with nothing).
    """
    return " ".join(field["customer_reference"].split()) or None


def _described(details: str) -> tuple[str | None, str]:
    """Returns the payee and narration of a `:86:` text, structured or not."""
    if not _SUBFIELD.match(details, 3):
        return None, " ".join(details.split())
    # Structured text wraps at a fixed width, and its purpose and name run on across
    # subfields (?20 to ?29, ?32 and ?33) mid-word: join both without a separator.
    parts = _SUBFIELD.split(details.replace("\n", ""))
    fields: dict[str, str] = {}
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        fields[code] = fields.get(code, "") + value
    payee = "".join(fields.get(code, "") for code in _PAYEE)
    purpose = _KEYWORD.sub(r" \1", "".join(fields.get(code, "") for code in _PURPOSE))
    narration = f"{fields.get('00', '')} {purpose}"
    return " ".join(payee.split()) or None, " ".join(narration.split())


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of an `mt940` section; see `importers.bank_book` for its fields."""
    return bank_importer.from_config(section, placement, read)
