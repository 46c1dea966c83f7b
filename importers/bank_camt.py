"""ISO 20022 CAMT.053 bank-to-customer statements (any version, .001.02 to .001.08 and on).

    bank-eu:
      importer: camt053
      documents: bank/eu/*.xml
      ledger: bank/eu
      bank_accounts: {"NL26VAYB8060476890": Assets:Bank:EU:Operating}
      accounts: {disbursements: Expenses:Unreconciled}

No maintained Python library parses CAMT.053, so the XML is read with lxml,
hardened: entities are never resolved, no DTD is loaded, nothing is fetched
from the network, and a document that declares a DTD (the carrier of
external-entity and entity-expansion attacks) is refused, since a CAMT.053
statement never has one. Elements are matched by local name, so every version
of the namespace reads the same way.

Every `Stmt` is a statement: its account is `Acct/Id/IBAN` (else
`Acct/Id/Othr/Id`); every `Ntry` is a booked line: its amount and currency
from `Amt`, negative when `CdtDbtInd` is `DBIT`; its booking date
(`BookgDt/Dt`, or the date of `BookgDt/DtTm` as written), else its value
date; its reference is `AcctSvcrRef` (of the entry, else of its transaction);
its payee is the debtor of a credit or the creditor of a debit; its narration
the unstructured remittance text, else the structured creditor references,
else `AddtlNtryInf`. An entry whose status is not booked (`BOOK`) is a
problem: an end-of-day statement books its entries. The closing booked
balance (`CLBD`) is the statement's closing balance, in its own currency.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from importers import bank_importer
from importers.bank_importer import StatementImporter
from importers.bank_statement import Booked, Closing, Item
from importers.config import Section
from importers.errors import ImportFailed, Problem
from importers.source import Placement

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def _parse(path: str) -> Any:
    """Returns the document's root element, parsed safely.

    Raises:
      ImportFailed: If the file is not well-formed XML or declares a DTD.
    """
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        tree = etree.parse(path, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or None
        message = f"Not well-formed XML: {error.msg}"
        raise ImportFailed([Problem(path, line, message)]) from error
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        message = (
            "XML declares a document type (DTD), which can define external entities; "
            "a CAMT.053 statement has none, so the file is refused"
        )
        raise ImportFailed([Problem(path, _doctype_line(path), message)])
    return tree.getroot()


def _doctype_line(path: str) -> int:
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            if b"<!DOCTYPE" in line.upper():
                return number
    return 1


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if etree.QName(child).localname == name]


def _find(element: Any, *path: str) -> Any:
    """Returns the first element at the path of local names, or None."""
    for name in path:
        found = _children(element, name) if element is not None else []
        element = found[0] if found else None
    return element


def _text(element: Any, *path: str) -> str | None:
    found = _find(element, *path)
    return found.text.strip() if found is not None and found.text else None


class _Statement:
    """Reads one `Stmt` element, recording a problem for each bad part."""

    def __init__(self, path: str, element: Any, problems: list[Problem]) -> None:
        self.path = path
        self.element = element
        self.problems = problems
        iban = _text(element, "Acct", "Id", "IBAN") or _text(element, "Acct", "Id", "Othr", "Id")
        self.account = iban or ""
        if not iban:
            self.problem(element, "Statement has no account id; expected 'Acct/Id/IBAN'")

    def problem(self, element: Any, message: str) -> None:
        self.problems.append(Problem(self.path, element.sourceline, message))

    def amount(self, element: Any) -> tuple[Decimal, str] | None:
        """Returns the signed amount and currency of an element with `Amt` and `CdtDbtInd`."""
        units = _find(element, "Amt")
        sign = _text(element, "CdtDbtInd")
        try:
            number = Decimal((units.text or "").strip()) if units is not None else None
        except InvalidOperation:
            number = None
        if units is None or number is None or not number.is_finite() or number < 0:
            shown = (units.text or "").strip() if units is not None else ""
            self.problem(element, f"Amount '{shown}' is not an amount; expected like '100.00'")
            return None
        if sign not in ("CRDT", "DBIT"):
            self.problem(element, f"Credit or debit '{sign}' is not 'CRDT' or 'DBIT'")
            return None
        return (number if sign == "CRDT" else -number), units.get("Ccy", "")

    def day(self, element: Any, *paths: str) -> datetime.date | None:
        """Returns the date of the first of the elements that has one (`Dt`, or `DtTm`'s)."""
        for name in paths:
            text = _text(element, name, "Dt") or (_text(element, name, "DtTm") or "")[:10]
            if text:
                try:
                    return datetime.date.fromisoformat(text)
                except ValueError:
                    self.problem(element, f"Date '{text}' is not a date; expected 'YYYY-MM-DD'")
                    return None
        self.problem(element, f"Entry has no date; expected '{paths[0]}/Dt'")
        return None

    def items(self) -> Iterator[Item]:
        for entry in _children(self.element, "Ntry"):
            booked = self.booked(entry)
            if booked is not None:
                yield booked
        for balance in _children(self.element, "Bal"):
            if _text(balance, "Tp", "CdOrPrtry", "Cd") == "CLBD":
                units, day = self.amount(balance), self.day(balance, "Dt")
                if units is not None and day is not None:
                    yield Closing(self.account, balance.sourceline, day, *units)

    def booked(self, entry: Any) -> Booked | None:
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
        if status != "BOOK":
            self.problem(entry, f"Entry status '{status}' is not booked; expected 'BOOK'")
            return None
        units, day = self.amount(entry), self.day(entry, "BookgDt", "ValDt")
        if units is None or day is None:
            return None
        details = _find(entry, "NtryDtls", "TxDtls")
        reference = _text(entry, "AcctSvcrRef") or _text(details, "Refs", "AcctSvcrRef")
        party = "Dbtr" if units[0] > 0 else "Cdtr"
        payee = _text(details, "RltdPties", party, "Nm") or _text(
            details, "RltdPties", party, "Pty", "Nm"
        )
        narration = " ".join(_remittance(details)) or _text(entry, "AddtlNtryInf") or ""
        return Booked(self.account, entry.sourceline, day, *units, reference, payee, narration)


def _remittance(details: Any) -> Iterator[str]:
    """Yields the remittance texts of a transaction: unstructured, else structured references."""
    information = _find(details, "RmtInf")
    if information is None:
        return
    unstructured = [item.text.strip() for item in _children(information, "Ustrd") if item.text]
    if unstructured:
        yield from unstructured
        return
    for structured in _children(information, "Strd"):
        reference = _text(structured, "CdtrRefInf", "Ref")
        if reference:
            yield reference


def read(path: str, problems: list[Problem]) -> list[Item]:
    """Returns the booked lines and closing balances of every statement of a CAMT.053 file.

    Raises:
      ImportFailed: If the file is not XML, declares a DTD, or holds no statement.
    """
    report = _find(_parse(path), "BkToCstmrStmt")
    statements = _children(report, "Stmt") if report is not None else []
    if not statements:
        message = "No statement in the file; expected 'Document/BkToCstmrStmt/Stmt'"
        raise ImportFailed([Problem(path, 1, message)])
    items: list[Item] = []
    for element in statements:
        items += _Statement(path, element, problems).items()
    return items


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of a `camt053` section; see `importers.bank_book` for its fields."""
    return bank_importer.from_config(section, placement, read)
