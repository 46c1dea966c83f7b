"""Helpers shared by the report tests: load books as reports do, round hand figures to the cent."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from reports import books as books_module
from tests.conftest import Books


def written(books: Books, ledger: str, policies: Mapping[str, str] | None = None) -> Path:
    """Writes each policy file (name -> text) and the ledger as main.beancount; returns its path."""
    for name, text in (policies or {}).items():
        books.write(name, text)
    return books.write("main.beancount", ledger)


def loaded(
    books: Books, ledger: str, policies: Mapping[str, str] | None = None
) -> books_module.Books:
    """Writes and loads the books as the reports do, checking that they load without errors."""
    found = books_module.load(str(written(books, ledger, policies)))
    assert [error.message for error in found.errors] == []
    return found


def invoice(name: str, day: str, amount: str, due: str) -> str:
    """Returns CUS-1's invoice `name` for `amount` USD, billed on `day` and due on `due`."""
    return f"""
{day} * "Acme" "Invoice {name}" ^{name}
  invoice: "{name}"
  customer: "CUS-1"
  due: {due}
  Assets:AccountsReceivable  {amount} USD
  Income:Revenue:Services  -{amount} USD
"""


def cents(value: Fraction) -> Decimal:
    """Rounds an exact amount half away from zero to the cent."""
    scaled = value * 100
    whole = (2 * abs(scaled.numerator) + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(whole if scaled >= 0 else -whole) / 100
