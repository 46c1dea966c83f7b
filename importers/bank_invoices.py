"""The invoices of the books, and the ones a receipt's text names.

A receipt names an invoice when a word of its payee, narration or reference
is an invoice id of the books: the `invoice` metadata of a ledger entry (as
the import command indexes them, or beangulp's `existing` entries). Words are
runs of letters, digits and `-_/.` that start and end with a letter or digit,
so `INV-1.` and `(INV-1)` name `INV-1`, and a word that is no invoice is
tried in its parts between `/` and `.` (`INV-1/INV-2` names both). Words are
compared without regard to case: banks often upper-case remittance text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from beancount.core import data

INVOICE = "invoice"
CUSTOMER = "customer"
_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_\-/.]*[A-Za-z0-9])?")
_PARTS = re.compile(r"[/.]")


class Invoice(NamedTuple):
    """An invoice of the books: its id, and its customer when the entry names one."""

    id: str
    customer: str | None


class Invoices:
    """The invoice ids of the books, looked up by the words of a text."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self._by_word: dict[str, Invoice] = {}
        for entry in entries:
            if not isinstance(entry, data.Transaction) or INVOICE not in entry.meta:
                continue
            invoice_id = str(entry.meta[INVOICE])
            customer = entry.meta.get(CUSTOMER)
            known = self._by_word.get(invoice_id.casefold())
            if known is None or (known.customer is None and customer is not None):
                found = Invoice(invoice_id, str(customer) if customer is not None else None)
                self._by_word[invoice_id.casefold()] = found

    def __bool__(self) -> bool:
        return bool(self._by_word)

    def get(self, invoice_id: str) -> Invoice | None:
        """Returns the invoice with this id (any case), if the books have it."""
        return self._by_word.get(invoice_id.casefold())

    def named(self, *texts: str | None) -> list[Invoice]:
        """Returns the invoices the texts name, each once, in the order first named."""
        if not self._by_word:
            return []
        found: dict[str, Invoice] = {}
        by_word = self._by_word
        for word in _WORD.findall(" ".join(text for text in texts if text).casefold()):
            invoice = by_word.get(word)
            if invoice is not None:
                found.setdefault(invoice.id, invoice)
            elif "/" in word or "." in word:
                for part in _PARTS.split(word):
                    invoice = by_word.get(part)
                    if invoice is not None:
                        found.setdefault(invoice.id, invoice)
        return list(found.values())


def credited(
    named: list[Invoice], receivable: str, otherwise: str, meta: dict[str, Any]
) -> tuple[str, frozenset[str]]:
    """Returns the account that money naming these invoices posts against, and its links.

    One invoice: the receivable, linked to it, with its `invoice` (and its
    `customer`) added to `meta`. None or several: `otherwise` (unapplied
    cash, say), linked to every invoice named, for the AR plugin to apply.
    """
    if len(named) != 1:
        return otherwise, frozenset(invoice.id for invoice in named)
    (invoice,) = named
    meta[INVOICE] = invoice.id
    if invoice.customer is not None:
        meta[CUSTOMER] = invoice.customer
    return receivable, frozenset({invoice.id})
