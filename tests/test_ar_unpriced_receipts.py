"""A receipt in euros typed without a price, applied to an invoice carried at a rate.

A euro bank account's receipt has no `@` price: `Assets:Bank:Euro 30.00
EUR`, `Liabilities:UnappliedCash -30.00 EUR`. Its rate is found as an
invoice's is (`plugins.fx.Rates.of_posting`): the ledger's price of EUR on
its date, or the latest before. So it is worth what the euros were worth
that day, the bank's value of them, and applied to an invoice carried at
another rate it realizes the difference, as a receipt priced at that rate
would. With no price in the ledger on or before its date it is worth nothing
known in dollars: its euros pay the invoice unpriced, the invoice's carrying
amount stays in the receivable with nothing open, and the plugin reports the
missing price (before the rule it said nothing, and only the close's
functional tie broke, by the whole carrying amount).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reports import books as books_module
from reports import receivables
from tests import reporting
from tests.conftest import Books
from tests.rated_books import postings_through, units_total
from tests.test_ar_reconciliation import (
    AR,
    HEADER,
    REALIZED,
    UNAPPLIED,
    applications,
    load,
    squeezed,
)

POLICY = {"ar.yaml": "tolerance: {USD: 1.00, EUR: 1.00}\n", "close.yaml": ""}
D = Decimal

# INV-1 30.00 EUR billed on Jan 5 at 1.20: carried at 30 x 1.20 = 36.00 USD.
INVOICE = """
2026-01-01 open Assets:Bank:Euro

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
"""
RATES = "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"


def _receipt(naming: str) -> str:
    """R-1: 30.00 EUR into the euro account on Feb 1, without a price."""
    return f"""
2026-02-01 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"{naming}
  Assets:Bank:Euro  30.00 EUR
  Liabilities:UnappliedCash  -30.00 EUR
"""


def _functional_total(loaded: books_module.Books, day: str) -> list[object]:
    """The aging's functional total row: its total, general ledger balance and difference."""
    table = receivables.aging(loaded, datetime.date.fromisoformat(day))
    [total] = [row for row in table.rows if row[0] == receivables.FUNCTIONAL_TOTAL]
    return list(total[-3:])


@pytest.mark.parametrize("naming", ['\n  invoice: "INV-1"', ""], ids=["named", "by-amount"])
def test_worked_example_an_unpriced_euro_receipt_is_worth_the_days_price(
    books: Books, naming: str
) -> None:
    # EUR is 1.10 in the ledger on Feb 1, so R-1's 30.00 EUR are worth
    # 30 x 1.10 = 33.00 USD. Paying INV-1 (named, or found by its customer
    # and amount) they clear 36.00 USD of carrying amount: a loss of
    # 36.00 - 33.00 = 3.00 USD, the same as had R-1 been typed at
    # `-30.00 EUR @ 1.10 USD`. The receivable ends at 0.00 EUR weighing
    # 36.00 - 36.00 = 0.00 USD, and the aging's functional total ties on
    # Feb 28: 0.00 against 0.00. Unapplied cash is 0.00 EUR: the receipt's
    # -30.00 EUR at the day's 1.10 (-33.00 USD) and the application's
    # +33.00 USD.
    ledger = HEADER + RATES + INVOICE + _receipt(naming)
    loaded = reporting.loaded(books, ledger, POLICY)  # no errors
    entries = list(loaded.entries)
    [(day, _, postings)] = applications(entries)
    assert day == "2026-02-01"
    assert squeezed(postings) == [
        f"{UNAPPLIED} 30.00 EUR @ 1.10 USD", f"{AR} -30.00 EUR @ 1.20 USD", f"{REALIZED} 3.00 USD",
    ]  # fmt: skip
    assert units_total(postings_through(entries, REALIZED, "2026-12-31")) == D("3.00")
    assert units_total(postings_through(entries, AR, "2026-12-31"), "EUR") == 0
    assert units_total(postings_through(entries, UNAPPLIED, "2026-12-31"), "EUR") == 0
    assert _functional_total(loaded, "2026-02-28") == [D("0.00"), D("0.00"), D("0.00")]


def test_an_unpriced_euro_receipt_takes_the_latest_price_before_its_day(books: Books) -> None:
    # No price on Feb 1: the latest before it, 1.25 of Jan 20, is R-1's
    # rate. 30 x 1.25 = 37.50 USD clear 36.00: a gain of 1.50 USD.
    rates = "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.25 USD\n"
    ledger = HEADER + rates + INVOICE + _receipt('\n  invoice: "INV-1"')
    loaded = reporting.loaded(books, ledger, POLICY)
    [(_, _, postings)] = applications(list(loaded.entries))
    assert squeezed(postings) == [
        f"{UNAPPLIED} 30.00 EUR @ 1.25 USD", f"{AR} -30.00 EUR @ 1.20 USD", f"{REALIZED} -1.50 USD",
    ]  # fmt: skip
    assert _functional_total(loaded, "2026-02-28") == [D("0.00"), D("0.00"), D("0.00")]


def test_an_unpriced_euro_receipt_with_no_price_in_the_ledger_is_reported(books: Books) -> None:
    # No EUR price at all: INV-1 is still carried at its posting's 1.20
    # (36.00 USD), but R-1 has no rate. Its 30.00 EUR pay INV-1 unpriced, in
    # euros (the EUR aging is right: nothing open), and the 36.00 USD of
    # carrying amount stay in the receivable, realized nowhere: the
    # functional total is 0.00 against 36.00 in the general ledger. The
    # plugin names the missing price at the receipt (before the rule the
    # only sign was that break, and no error).
    ledger = HEADER + INVOICE + _receipt('\n  invoice: "INV-1"')
    loaded = books_module.load(str(reporting.written(books, ledger, POLICY)))
    assert [error.message for error in loaded.errors] == [
        "Receipt 'R-1' in EUR has no rate in USD on 2026-02-01 to pay 'INV-1', carried at "
        "1.20 USD: the exchange difference is not realized; expected an '@' price on its "
        "unapplied cash posting or a EUR price in USD on or before 2026-02-01"
    ]
    entries = list(loaded.entries)
    [(_, _, postings)] = applications(entries)
    assert squeezed(postings) == [f"{UNAPPLIED} 30.00 EUR", f"{AR} -30.00 EUR"]
    assert units_total(postings_through(entries, REALIZED, "2026-12-31")) == 0
    assert _functional_total(loaded, "2026-02-28") == [D("0.00"), D("36.00"), D("36.00")]


def test_unpriced_euros_paying_an_invoice_in_euros_alone_are_not_reported(books: Books) -> None:
    # INV-1 billed in euros without a price, none in the ledger: carried in
    # its own currency (an EU entity's books), so R-1's euros have no rate
    # to differ from. No error, no realized difference, no functional rows.
    invoice = INVOICE.replace("30.00 EUR @ 1.20 USD", "30.00 EUR").replace(
        "-36.00 USD", "-30.00 EUR"
    )
    ledger = HEADER + invoice + _receipt('\n  invoice: "INV-1"')
    loaded = reporting.loaded(books, ledger, POLICY)  # no errors
    [(_, _, postings)] = applications(list(loaded.entries))
    assert squeezed(postings) == [f"{UNAPPLIED} 30.00 EUR", f"{AR} -30.00 EUR"]
    table = receivables.aging(loaded, datetime.date(2026, 2, 28))
    assert [row[0] for row in table.rows] == ["Total"]


def test_a_priced_receipt_paying_an_invoice_carried_in_euros_alone_is_reported(
    books: Books,
) -> None:
    # The mirror of the missing price (found by the review of 32395fc). INV-1
    # 130.00 EUR billed Jan 5 with no price on it and none in the ledger on
    # or before Jan 5: carried in euros alone. R-1 130.00 EUR received Jan 20
    # at 1.20 (156.00 USD, the ledger's EUR price from Jan 10) names INV-1.
    # The euros move unpriced, at INV-1's (no) rate: unapplied cash holds
    # -130.00 + 130.00 = 0.00 EUR but -156.00 + 0.00 = -156.00 USD, nothing
    # unapplied and realized nowhere. So the pair is reported at R-1.
    text = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  130.00 EUR
  Income:Revenue:Services  -130.00 EUR

2026-01-10 price EUR 1.20 USD

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  156.00 USD
  Liabilities:UnappliedCash  -130.00 EUR @ 1.20 USD
"""
    entries, errors = load(books, text)
    assert units_total(postings_through(entries, AR, "2026-01-31"), "EUR") == 0
    assert units_total(postings_through(entries, UNAPPLIED, "2026-01-31"), "EUR") == 0
    [reported] = [str(error.message) for error in errors]
    assert reported.startswith(
        "Receipt 'R-1' at 1.20 USD pays 'INV-1', carried in EUR alone: the exchange "
        "difference is not realized"
    )
