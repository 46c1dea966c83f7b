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
date. An entry whose status is not booked (`BOOK`) is a problem: an
end-of-day statement books its entries. The closing booked balance (`CLBD`)
is the statement's closing balance, in its own currency.

A batch entry, of several transactions (`NtryDtls/TxDtls`) that each carry
an amount in the entry's currency (`Amt`, else `AmtDtls/TxAmt/Amt`) summing
to the entry's amount, is one line per transaction. Any other entry is one
line, whose payees and texts are those of all its transactions: the amount
that reached the account is not split by guesswork, and a line naming
several invoices waits in unapplied cash for the AR plugin to apply.

A line's payee is the debtor of a credit or the creditor of a debit (the
other way round for a reversal, `RvslInd`, whose parties are those of the
transaction it undoes); its narration is what the payer wrote
(`_remittance`), else `AddtlNtryInf`. Its reference (`_reference`) is the
bank's own, else on a statement of several pages its place in the statement
(`_page`), else none (`bank_entries` then counts it); a batch's lines take
their own bank reference, else the entry's for the first and the entry's
followed by their position for the others (`/2`, `/3`, ...), so a batch
imported before it was split keeps the first line's id.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from importers import bank_importer
from importers.bank_importer import StatementImporter
from importers.bank_statement import Booked, Closing, Item, quoted
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
    """Returns the children of an element (none of None) with the local name."""
    if element is None:
        return []
    return [child for child in element if etree.QName(child).localname == name]


def _find(element: Any, *path: str) -> Any:
    """Returns the first element at the path of local names, or None."""
    for name in path:
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: Any, *path: str) -> str | None:
    found = _find(element, *path)
    return found.text.strip() if found is not None and found.text else None


class _Statement:
    """Reads one `Stmt` element, recording a problem for each bad part."""

    def __init__(self, path: str, element: Any, problems: list[Problem], page: str | None) -> None:
        self.path = path
        self.element = element
        self.problems = problems
        self.page = page  # The statement's id and page number, if it has several pages.
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
        for position, entry in enumerate(_children(self.element, "Ntry"), 1):
            yield from self.booked(entry, position)
        for balance in _children(self.element, "Bal"):
            if _text(balance, "Tp", "CdOrPrtry", "Cd") == "CLBD":
                units, day = self.amount(balance), self.day(balance, "Dt")
                if units is not None and day is not None:
                    yield Closing(self.account, balance.sourceline, day, *units)

    def booked(self, entry: Any, position: int) -> list[Booked]:
        """Returns an entry's booked lines: one per transaction of a batch, else one."""
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
        if status != "BOOK":
            self.problem(entry, f"Entry status '{status}' is not booked; expected 'BOOK'")
            return []
        units, day = self.amount(entry), self.day(entry, "BookgDt", "ValDt")
        if units is None or day is None:
            return []
        details = [
            item for block in _children(entry, "NtryDtls") for item in _children(block, "TxDtls")
        ]
        # A reversal undoes a transaction: its parties are those of the transaction undone.
        party = "Dbtr" if (units[0] > 0) != (_text(entry, "RvslInd") == "true") else "Cdtr"
        reference = _reference(entry, details[0] if details else None)
        if reference is None and self.page is not None:
            reference = f"{self.page}/{position}"
        known = len(self.problems)
        shares = self.batch(entry, details, units)
        if len(self.problems) > known:  # A transaction's amount is bad: no line.
            return []
        if shares is None:
            payees = dict.fromkeys(filter(None, (_payee(item, party) for item in details)))
            narration = _narration(details) or _text(entry, "AddtlNtryInf") or ""
            payee = "; ".join(payees) or None
            return [
                Booked(self.account, entry.sourceline, day, *units, reference, payee, narration)
            ]
        references = _batch_references(entry, details, reference)
        return [
            Booked(
                self.account,
                item.sourceline,
                day,
                share,
                units[1],
                item_reference,
                _payee(item, party),
                _narration([item]),
            )
            for item, share, item_reference in zip(details, shares, references, strict=True)
        ]

    def batch(
        self, entry: Any, details: list[Any], units: tuple[Decimal, str]
    ) -> list[Decimal] | None:
        """Returns the signed amounts of a batch entry's transactions, or None if not a batch.

        A batch is an entry of several transactions, each with its own amount
        in the entry's currency, that sum to the entry's amount.
        """
        if len(details) < 2:
            return None
        shares = []
        for item in details:
            found = _find(item, "Amt")
            if found is None:
                found = _find(item, "AmtDtls", "TxAmt", "Amt")
            if found is None or found.get("Ccy", "") != units[1]:
                return None
            try:
                number = Decimal((found.text or "").strip())
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite() or number < 0:
                shown = (found.text or "").strip()
                self.problem(found, f"Amount '{shown}' is not an amount; expected like '100.00'")
                return None
            sign = _text(item, "CdtDbtInd") or _text(entry, "CdtDbtInd")
            shares.append(-number if sign == "DBIT" else number)
        return shares if sum(shares) == units[0] else None


def _payee(details: Any, party: str) -> str | None:
    """Returns the name of a transaction's party (`Dbtr` or `Cdtr`), if it has one."""
    return _text(details, "RltdPties", party, "Nm") or _text(
        details, "RltdPties", party, "Pty", "Nm"
    )


def _narration(details: list[Any]) -> str:
    """Returns the remittance texts of transactions (`_remittance`), each once, joined."""
    return " ".join(dict.fromkeys(text for item in details for text in _remittance(item)))


def _remittance(details: Any) -> list[str]:
    """Returns what a transaction's payer wrote for the payee, to read and to name invoices by.

    Its unstructured remittance texts, then its structured creditor references
    and its end-to-end reference (unless 'NOTPROVIDED'), each unless a word
    of the texts before it already (`bank_statement.quoted`).
    """
    information = _find(details, "RmtInf")
    texts = [item.text.strip() for item in _children(information, "Ustrd") if item.text]
    references = [_text(item, "CdtrRefInf", "Ref") for item in _children(information, "Strd")]
    end_to_end = _text(details, "Refs", "EndToEndId")
    return texts + quoted(" ".join(texts), [*references, end_to_end])


def _reference(entry: Any, details: Any) -> str | None:
    """Returns a line's reference: the bank's own (`AcctSvcrRef`, of the entry, else of its
    transaction), unique within the account.

    The ids a payer chose (`EndToEndId`, `TxId`) are not unique even within a
    day, so a line without the bank's reference is counted (`bank_entries`).
    """
    return _text(entry, "AcctSvcrRef") or _text(details, "Refs", "AcctSvcrRef")


def _batch_references(entry: Any, details: list[Any], reference: str | None) -> list[str | None]:
    """Returns the references of a batch's lines: each transaction's own from the bank,
    else the entry's for the first and the entry's with their position for the others
    (`/2`, `/3`, ...), else none (counted).
    """
    own = [_text(item, "Refs", "AcctSvcrRef") for item in details]
    if None not in own and len(set(own)) == len(own) and _text(entry, "AcctSvcrRef") not in own:
        return own
    if reference:
        return [reference, *(f"{reference}/{at}" for at in range(2, len(details) + 1))]
    return [None] * len(details)


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
        items += _Statement(path, element, problems, _page(report, element)).items()
    return items


def _page(report: Any, statement: Any) -> str | None:
    """Returns a statement's id and page number (`Id/page 2`) if it is one of several pages.

    A page's lines are told apart from another page's like lines, which the
    date, amount and count of a line without references would take for them.
    """
    pagination = _find(statement, "StmtPgntn")
    if pagination is None:
        pagination = _find(report, "GrpHdr", "MsgPgntn")
    number, last = _text(pagination, "PgNb"), _text(pagination, "LastPgInd")
    statement_id = _text(statement, "Id")
    if not number or not statement_id or (number == "1" and last == "true"):
        return None
    return f"{statement_id}/page {number}"


def from_config(section: Section, placement: Placement) -> StatementImporter:
    """Builds the importer of a `camt053` section; see `importers.bank_book` for its fields."""
    return bank_importer.from_config(section, placement, read)
