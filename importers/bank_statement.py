"""What every bank statement format reads into: booked lines and closing balances.

A format's reader (`bank_bai2`, `bank_camt`, `bank_mt940`, `bank_ofx`,
`bank_csv`) turns a file into a stream of `Booked` lines and `Closing`
balances, each with the bank's identifier of its account and the line of the
file it comes from. `bank_entries` turns that stream into the ledger's
transactions and balance assertions, the same way for every format, and
`bank_importer.StatementImporter` is the beangulp importer they share.

A reader appends every problem it finds to the list it is given and yields
nothing for a bad line; it raises `ImportFailed` only when it cannot go on
(the file does not parse at all).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from importers.errors import Problem
from plugins.invoice_words import fold, words

# The source id of every bank entry: the AR plugin also reads it as a receipt's id.
ID_KEY = "bank_reference"


def holds(text: str, reference: str) -> bool:
    """Tells whether a line's text already holds a reference the payer quoted, word for word.

    Words are those invoice ids are read in (`plugins.invoice_words.words`:
    runs of letters, digits and `-_/.`, less those at their ends; `TRID:RP1`
    holds `RP1`), in any case: `INV-10` is not held by `INV-100`, so a
    quoted reference is added to the text searched for invoices unless the
    text names it already (`quoted`). A reference of several words (MT940's
    `TMG TANGO`) is held when each of its words is.
    """
    wanted = _words(reference)
    return bool(wanted) and wanted <= _words(text)


def _words(text: str) -> set[str]:
    return set(map(fold, words(text)))


NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED"})
"""What a payer who quoted no reference has: MT940's `NONREF`, ISO 20022's `NOTPROVIDED`."""


def quoted(text: str, references: Sequence[str | None]) -> list[str]:
    """Returns the references a payer quoted that a line's text does not hold yet, in order.

    What the payer quoted (BAI2's customer reference, CAMT.053's creditor
    references and end-to-end id, MT940's reference for the account owner)
    is often an invoice number: the line's narration is its text followed
    by these, so it is searched for invoices as the text is, and the AR
    plugin finds them there later. A reference is left out when the text
    (with the references before it) holds it as a word (`holds`), or when
    it says there is none (`NO_REFERENCE`).
    """
    added: list[str] = []
    for reference in references:
        if not reference or reference.strip().upper() in NO_REFERENCE:
            continue
        if not holds(" ".join([text, *added]), reference):
            added.append(reference)
    return added


class Booked(NamedTuple):
    """One booked line of a statement: money into (positive) or out of an account."""

    account: str  # The bank's identifier of the account (IBAN, account number, ...).
    line: int  # The line of the file where the statement line starts.
    date: datetime.date  # The booking date, as the bank writes it.
    amount: Decimal  # Positive for money in, negative for money out.
    currency: str
    reference: str | None  # The bank's reference, unique within the account; None if absent.
    payee: str | None
    narration: str


class Closing(NamedTuple):
    """A statement's closing booked balance: the account's balance at the end of `date`."""

    account: str
    line: int
    date: datetime.date
    amount: Decimal
    currency: str


Item = Booked | Closing
Reader = Callable[[str, list[Problem]], Iterable[Item]]
