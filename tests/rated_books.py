"""What the tests of receivables at exchange rates read of loaded books, in one place.

Postings to an account through a day, their units and their weight in USD,
the fingerprints a seal of a month holds, and the aging's functional tie.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data

from plugins import period_lock
from reports import receivables
from tests import reporting
from tests.conftest import Books


def _day(through: datetime.date | str) -> datetime.date:
    return through if isinstance(through, datetime.date) else datetime.date.fromisoformat(through)


def postings_through(
    entries: list[data.Directive], account: str, through: datetime.date | str
) -> list[data.Posting]:
    """The postings to `account` dated on or before `through` (a date or its ISO text)."""
    day = _day(through)
    return [
        posting
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.date <= day
        for posting in entry.postings
        if posting.account == account
    ]


def units_total(postings: list[data.Posting], currency: str | None = None) -> Decimal:
    """The sum of the postings' units: all of them (one currency), or those in `currency`."""
    total = Decimal(0)
    for posting in postings:
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        if currency is None or posting.units.currency == currency:
            total += posting.units.number
    return total


def usd_weight(postings: list[data.Posting]) -> Decimal:
    """The postings' weight in USD: their units at their USD price, or as they are if in USD."""
    total = Decimal(0)
    for posting in postings:
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        if posting.price is None:
            assert posting.units.currency == "USD"
            total += posting.units.number
        else:
            assert posting.price.currency == "USD" and isinstance(posting.price.number, Decimal)
            total += posting.units.number * posting.price.number
    return total


def sealed(entries: list[data.Directive], through: datetime.date | str) -> list[str]:
    """The fingerprints of every entry dated through a day: what a seal of that month holds."""
    day = _day(through)
    return sorted(period_lock.fingerprint(entry) for entry in entries if entry.date <= day)


def aging_ties(books: Books, ledger: str, files: dict[str, str], day: str) -> None:
    """Asserts that the aging's functional total ties the general ledger in USD on `day`.

    `files` are the policy files beside the ledger, by name (`ar.yaml`, ...).
    """
    loaded = reporting.loaded(books, ledger, files)
    table = receivables.aging(loaded, datetime.date.fromisoformat(day))
    [total] = [row for row in table.rows if row[0] == receivables.FUNCTIONAL_TOTAL]
    assert total[-1] == 0


# EUR at 1.20 from Jan 1 and 1.10 from Feb 1; INV-1 100.00 EUR billed to
# CUS-1 on Jan 5 at 1.20, carried at 120.00 USD; a euro bank account and
# customer credits opened. The books of the later-credit-at-a-rate tests.
EURO_INV_1 = """
2026-01-01 price EUR 1.20 USD
2026-02-01 price EUR 1.10 USD
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.20 USD
  Income:Revenue:Services  -120.00 USD
"""
