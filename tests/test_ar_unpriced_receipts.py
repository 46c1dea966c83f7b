"""A receipt in euros typed without a price, applied to an invoice carried at a rate.

A euro bank account's receipt has no `@` price: `Assets:Bank:Euro 30.00
EUR`, `Liabilities:UnappliedCash -30.00 EUR`. Paying an invoice carried at
a rate, its rate is found as an invoice's is (`plugins.fx.payment_rate`):
the ledger's price of EUR on its date, or the latest before; paying one
carried in euros alone, only a price typed on it counts, whatever the
ledger's price (the last section: one rule whatever the route). So paying
an invoice carried at a rate it is worth what the euros were worth that
day, the bank's value of them, and realizes the difference, as a receipt
priced at that rate would. With no price in the ledger on or before its date it is worth nothing
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
from tests.test_statement_credits import HEADER as STATEMENT_HEADER

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


def functional_total(loaded: books_module.Books, day: str) -> list[object]:
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
    assert functional_total(loaded, "2026-02-28") == [D("0.00"), D("0.00"), D("0.00")]


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
    assert functional_total(loaded, "2026-02-28") == [D("0.00"), D("0.00"), D("0.00")]


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
    assert functional_total(loaded, "2026-02-28") == [D("0.00"), D("36.00"), D("36.00")]


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


# One rule whatever the route ------------------------------------------------------
#
# From the review of 8d7a001: the same euros reach an invoice straight,
# through unapplied cash or as a customer's credit, and the rule of a rate
# on one side only (`plugins.fx.without_a_rate`) gives one answer, the
# payment's rate read by one function (`plugins.fx.payment_rate`). These
# books' functional currency is USD by the policy; no price is typed on an
# invoice unless shown (`@ 1.20 USD`).

USD_POLICY = {"ar.yaml": "functional_currency: USD\n"}
EURO_BANK = "\n2025-01-01 open Assets:Bank:Euro\n"

# INV-E1 100.00 EUR billed Jan 1, with no price on it and none in the ledger
# on or before Jan 1: carried in euros alone (README, Foreign currency).
INVOICE_E1 = """
2026-01-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-01-31
  Assets:AccountsReceivable  100.00 EUR
  Income:Revenue:Services  -100.00 EUR
"""

# INV-1 100.00 EUR billed Jan 2 at 1.20: carried at 100 x 1.20 = 120.00 USD.
INVOICE_1 = """
2026-01-02 * "Euro" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-E"
  due: 2026-02-01
  Assets:AccountsReceivable  100.00 EUR @ 1.20 USD
  Income:Revenue:Services  -120.00 USD
"""


def load_usd(books: Books, ledger: str) -> tuple[books_module.Books, list[str]]:
    """Loads the books in USD as the reports do, errors and all; returns them and their lines."""
    path = reporting.written(books, STATEMENT_HEADER + EURO_BANK + ledger, USD_POLICY)
    return books_module.load(str(path)), path.read_text().splitlines()


def usd_errors(loaded: books_module.Books) -> list[tuple[int, str]]:
    """The errors as (line, message)."""
    return [(error.source["lineno"], str(error.message)) for error in loaded.errors]


def test_unpriced_euros_through_unapplied_cash_pay_an_invoice_in_euros_alone_as_straight_ones(
    books: Books,
) -> None:
    # EUR's first price is 1.10 on Jan 15, after INV-E1 is billed (Jan 1)
    # and before it is paid: an EU entity's euro books whose ledger starts
    # recording EUR prices mid-month. R-1 40.00 EUR comes into the euro
    # account on Feb 1 with no price typed: `Assets:Bank:Euro 40.00 EUR`,
    # `Liabilities:UnappliedCash -40.00 EUR`. Nothing in it is in dollars:
    # unapplied cash holds -40.00 EUR, the application moves +40.00 EUR out
    # of it and -40.00 EUR into INV-E1, so unapplied cash is 0.00 EUR and
    # 0.00 USD, and INV-E1 is open 100.00 - 40.00 = 60.00 EUR, with no
    # functional rows (nothing is carried at a rate). README (AR reports,
    # the aging) says the same payment posted straight to INV-E1 "without
    # a rate on Feb 1 leaves 60.00 EUR open and nothing in the functional
    # rows, the payment read as its invoice is (not at 1.10, -44.00 USD)",
    # and it loads without an error. Through unapplied cash it was an error
    # before the rule: "Receipt 'R-1' at 1.10 USD pays 'INV-E1', carried in
    # EUR alone", the 1.10 being the ledger's price, not the receipt's, and
    # the remedy it asked for (a EUR price on or before Jan 1) would put
    # books kept in euros at a rate. The straight rule of 8d7a001 read only
    # a price typed on the posting (`fx.own_rate`); cash application read
    # the ledger's too (`Rates.of_posting`): two readings of one payment's
    # rate. Now one function reads it for both (`fx.payment_rate`): paying
    # an invoice carried alone, only a typed price.
    prices = "\n2026-01-15 price EUR 1.10 USD\n"
    straight = """
2026-02-01 * "Euro" "Wire in EUR" ^INV-E1
  bank_reference: "BR-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Euro  40.00 EUR
  Assets:AccountsReceivable  -40.00 EUR
"""
    loaded, _ = load_usd(books, prices + INVOICE_E1 + straight)
    assert usd_errors(loaded) == []
    through_unapplied = """
2026-02-01 * "Euro" "Wire in EUR"
  receipt: "R-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Euro  40.00 EUR
  Liabilities:UnappliedCash  -40.00 EUR
"""
    loaded, _ = load_usd(books, prices + INVOICE_E1 + through_unapplied)
    assert usd_errors(loaded) == []
    table = receivables.aging(loaded, datetime.date(2026, 2, 28))
    assert [row[0] for row in table.rows] == ["CUS-E", receivables.TOTAL]
    assert table.rows[-1][-3:] == [D("60.00"), D("60.00"), D("0.00")]


def test_unpriced_euros_posted_straight_to_an_invoice_carried_at_a_rate_with_no_price_are_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger at all. INV-1 is carried at its own 1.20
    # (120.00 USD). BR-1 10.00 EUR from the euro account is posted straight
    # to INV-1 on Feb 1 without a price: it has no rate, INV-1 has one, the
    # rate "on one side only" of `plugins.fx`. INV-1 is open 100.00 - 10.00
    # = 90.00 EUR, carried at 120.00 - 10 x 1.20 = 108.00 (the plugin weighs
    # the posting at INV-1's rate, `fx.value_of`), while the general ledger
    # has 120.00 and nothing for the wire (no price to weigh it by): the
    # aging's functional total is 108.00 against 120.00, a break of 12.00
    # USD with nothing open, and before the rule only that tie showed it.
    # The same 10.00 EUR through unapplied cash (R-1 naming INV-1) is an
    # error at R-1's line, "Receipt 'R-1' in EUR has no rate in USD on
    # 2026-02-01 to pay 'INV-1', carried at 1.20 USD" (above); 8d7a001
    # reported the straight mirror with the price on the other side only.
    # So the straight posting is reported at its line, in those words
    # (`fx.without_a_rate`: "...on its receivable posting").
    wire = """
2026-02-01 * "Euro" "Wire in EUR" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:Bank:Euro  10.00 EUR
  Assets:AccountsReceivable  -10.00 EUR
"""
    loaded, written = load_usd(books, INVOICE_1 + wire)
    assert functional_total(loaded, "2026-02-28") == [D("108.00"), D("120.00"), D("12.00")]
    line = written.index("  Assets:AccountsReceivable  -10.00 EUR") + 1
    [(at, message)] = usd_errors(loaded)
    assert at == line
    assert message.startswith(
        "Receipt 'BR-1' in EUR has no rate in USD on 2026-02-01 to pay 'INV-1', carried at "
        "1.20 USD: the exchange difference is not realized"
    )


# Three credits to INV-1 without a price, none a receipt: CN-1, a credit
# note of 10.00 EUR crediting INV-1 (netted by the plugin) on Feb 1; a
# goodwill credit of 5.00 EUR typed by hand naming INV-1 on Feb 2; a
# write-off of 20.00 EUR as uncollectible on Feb 3.
CREDITS = """
2025-01-01 open Expenses:Goodwill
2025-01-01 open Expenses:BadDebt

2026-02-01 * "Euro" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-E"
  Assets:AccountsReceivable  -10.00 EUR
  Income:Revenue:Services  10.00 EUR

2026-02-02 * "Euro" "Goodwill credit on INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:AccountsReceivable  -5.00 EUR
  Expenses:Goodwill  5.00 EUR

2026-02-03 * "Euro" "Write off part of INV-1" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  customer: "CUS-E"
  Assets:AccountsReceivable  -20.00 EUR
  Expenses:BadDebt  20.00 EUR
"""


def _no_rate(payer: str, day: str) -> str:
    """`fx.without_a_rate`'s message for a posting without a rate to INV-1, carried at 1.20."""
    return (
        f"{payer} in EUR has no rate in USD on {day} to pay 'INV-1', carried at 1.20 USD: "
        "the exchange difference is not realized; expected an '@' price on its receivable "
        f"posting or a EUR price in USD on or before {day}"
    )


def test_credits_without_a_price_to_an_invoice_carried_at_a_rate_with_no_price_are_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger at all; INV-1 100.00 EUR is carried at its
    # own 1.20 (120.00 USD). CN-1, the goodwill credit and the write-off
    # (`CREDITS`) each move euros with no rate to an invoice carried at one
    # (`fx.payment_rate`: no price typed, none in the ledger on or before
    # its day): the plugin weighs them at 1.20 (`fx.value_of`), 10 x 1.20 +
    # 5 x 1.20 + 20 x 1.20 = 12.00 + 6.00 + 24.00 = 42.00 USD, and the
    # general ledger at nothing. INV-1 is open 100.00 - 10.00 - 5.00 -
    # 20.00 = 65.00 EUR, carried at 120.00 - 42.00 = 78.00 against 120.00
    # in the general ledger (no price to remeasure it by): a break of 42.00
    # USD with nothing open. Each is an error at its line, named by what it
    # is (`fx.paid_with_one_rate`, `credit_notes.unrated`). (Pinned before
    # as no error: a credit note, a goodwill credit and a write-off were no
    # payments; found by the review of 9d57cdf.)
    loaded, written = load_usd(books, INVOICE_1 + CREDITS)
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-1", D("65.00"))]
    assert functional_total(loaded, "2026-02-28") == [D("78.00"), D("120.00"), D("42.00")]
    note = written.index("  Assets:AccountsReceivable  -10.00 EUR") + 1
    goodwill = written.index("  Assets:AccountsReceivable  -5.00 EUR") + 1
    write_off = written.index("  Assets:AccountsReceivable  -20.00 EUR") + 1
    assert sorted(usd_errors(loaded)) == [
        (note, _no_rate("Credit note 'CN-1'", "2026-02-01")),
        (goodwill, _no_rate("The posting of 2026-02-02", "2026-02-02")),
        (write_off, _no_rate("The posting of 2026-02-03", "2026-02-03")),
    ]


def test_credits_without_a_price_to_an_invoice_carried_at_a_rate_with_a_price_are_no_error(
    books: Books,
) -> None:
    # The same credits with EUR at 1.10 in the ledger from Jan 20: each has
    # the day's 1.10 for its rate, so none is an error, and the aging's
    # functional tie shows what they leave unrealized. CN-1 is carried at
    # the ledger's 1.10 and netted against INV-1's 1.20, realizing 10 x
    # (1.20 - 1.10) = 1.00 (`credit_notes.netting_entry`); the goodwill
    # credit and the write-off are weighed at 1.20 by the plugin, 6.00 +
    # 24.00 = 30.00, and at 1.10 by the general ledger, 5.50 + 22.00 =
    # 27.50. INV-1 is open 65.00 EUR carried at 120.00 - 12.00 - 30.00 =
    # 78.00, remeasured at Feb 28 to 65 x 1.10 = 71.50 (-6.50); the general
    # ledger has 120.00 - 12.00 (CN-1: -11.00 typed, -1.00 netted) - 27.50
    # - 6.50 = 74.00: a difference of 2.50 = 25 x (1.20 - 1.10).
    prices = "\n2026-01-20 price EUR 1.10 USD\n"
    loaded, _ = load_usd(books, prices + INVOICE_1 + CREDITS)
    assert usd_errors(loaded) == []
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-1", D("65.00"))]
    assert functional_total(loaded, "2026-02-28") == [D("71.50"), D("74.00"), D("2.50")]


def test_an_unpriced_credit_note_netted_to_an_invoice_carried_at_a_rate_is_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger. INV-1 100.00 EUR is carried at its own
    # 1.20, 120.00 USD. CN-1 10.00 EUR credits it on Feb 1, typed without a
    # price (none to type from: the ledger has none), netted by the plugin
    # unpriced: INV-1 is open 90.00 EUR, carried at 120.00 - 10 x 1.20 =
    # 108.00, while the general ledger has 120.00 and nothing for CN-1's
    # euros, a break of 12.00 USD with nothing open. So it is an error at
    # CN-1's line (`credit_notes.unrated`). (Before the rule nothing was
    # said: "a credit note so netted is left as it is".)
    note = CREDITS[CREDITS.index("2026-02-01") : CREDITS.index("2026-02-02")]
    loaded, written = load_usd(books, INVOICE_1 + note)
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-1", D("90.00"))]
    assert functional_total(loaded, "2026-02-28") == [D("108.00"), D("120.00"), D("12.00")]
    line = written.index("  Assets:AccountsReceivable  -10.00 EUR") + 1
    assert usd_errors(loaded) == [(line, _no_rate("Credit note 'CN-1'", "2026-02-01"))]


def test_an_unpriced_return_of_a_payment_to_an_invoice_carried_at_a_rate_is_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger. INV-1 100.00 EUR carried at 1.20 (120.00
    # USD). BR-1 10.00 EUR received into the euro account on Feb 1 at a
    # typed 1.20, posted straight: INV-1 carried at 120.00 - 12.00 = 108.00,
    # the general ledger the same. The bank returns it on Feb 10 and the
    # return is typed without a price (`Assets:AccountsReceivable 10.00
    # EUR`): INV-1 is open 100.00 EUR again, carried at 108.00 + 10 x 1.20
    # = 120.00, while the general ledger has 108.00 + nothing = 108.00: a
    # break of -12.00 USD with nothing open. So the return is an error at
    # its line, named by its day (a debit is no receipt). (Before the rule
    # nothing was said: a chargeback was no payment.)
    text = """
2026-02-01 * "Euro" "Wire in EUR" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:Bank:Euro  10.00 EUR @ 1.20 USD
  Assets:AccountsReceivable  -10.00 EUR @ 1.20 USD

2026-02-10 * "Euro" "Returned payment BR-1" ^INV-1
  bank_reference: "BR-1-RET"
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:Bank:Euro  -10.00 EUR
  Assets:AccountsReceivable  10.00 EUR
"""
    loaded, written = load_usd(books, INVOICE_1 + text)
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-1", D("100.00"))]
    assert functional_total(loaded, "2026-02-28") == [D("120.00"), D("108.00"), D("-12.00")]
    line = written.index("  Assets:AccountsReceivable  10.00 EUR") + 1
    assert usd_errors(loaded) == [(line, _no_rate("The posting of 2026-02-10", "2026-02-10"))]


def test_an_unpriced_payment_typed_by_hand_to_an_invoice_carried_at_a_rate_is_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger. INV-1 carried at 1.20 (120.00 USD). The
    # accountant types the customer's 10.00 EUR from the euro account
    # straight to INV-1, with no `receipt` or `bank_reference` (BR-1 of
    # test_unpriced_euros_posted_straight_to_an_invoice_carried_at_a_rate_
    # with_no_price_are_reported, less its reference): INV-1 is open 90.00
    # EUR carried at 120.00 - 12.00 = 108.00, the general ledger 120.00,
    # the same 12.00 USD break. So the same error at its line, named by its
    # day. (Before the rule nothing was said: only a posting with a receipt
    # id was a payment.)
    text = """
2026-02-01 * "Euro" "Payment from CUS-E" ^INV-1
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:Bank:Euro  10.00 EUR
  Assets:AccountsReceivable  -10.00 EUR
"""
    loaded, written = load_usd(books, INVOICE_1 + text)
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-1", D("90.00"))]
    assert functional_total(loaded, "2026-02-28") == [D("108.00"), D("120.00"), D("12.00")]
    line = written.index("  Assets:AccountsReceivable  -10.00 EUR") + 1
    assert usd_errors(loaded) == [(line, _no_rate("The posting of 2026-02-01", "2026-02-01"))]


def test_one_wire_at_a_rate_paying_two_invoices_in_euros_alone_is_reported_at_each_line(
    books: Books,
) -> None:
    # INV-E1 100.00 EUR and INV-E2 50.00 EUR, both billed Jan 1 before EUR's
    # first price (1.10, Jan 15): carried in euros alone. One USD wire of
    # 55.00 on Feb 1 pays 20.00 EUR of INV-E1 and 30.00 EUR of INV-E2, each
    # on its own line at 1.10: 20 x 1.10 + 30 x 1.10 = 22.00 + 33.00 =
    # 55.00 USD, all of it in the receivable with nothing open. Each line is
    # an error of its own, at its own line number, naming its invoice and
    # the wire's bank reference; INV-E1 is open 80.00 EUR, INV-E2 20.00.
    prices = "\n2026-01-15 price EUR 1.10 USD\n"
    invoice_e2 = INVOICE_E1.replace("E1", "E2").replace("100.00", "50.00")
    wire = """
2026-02-01 * "Euro" "Wire in USD" ^INV-E1 ^INV-E2
  bank_reference: "BR-1"
  customer: "CUS-E"
  Assets:Bank:Operating  55.00 USD
  Assets:AccountsReceivable  -20.00 EUR @ 1.10 USD
    invoice: "INV-E1"
  Assets:AccountsReceivable  -30.00 EUR @ 1.10 USD
    invoice: "INV-E2"
"""
    loaded, written = load_usd(books, prices + INVOICE_E1 + invoice_e2 + wire)
    first = written.index("  Assets:AccountsReceivable  -20.00 EUR @ 1.10 USD") + 1
    second = written.index("  Assets:AccountsReceivable  -30.00 EUR @ 1.10 USD") + 1
    tail = (
        "carried in EUR alone: the exchange difference is not realized; expected an '@' "
        "price on its receivable posting or a EUR price in USD on or before 2026-01-01"
    )
    assert sorted(usd_errors(loaded)) == [
        (first, f"Receipt 'BR-1' at 1.10 USD pays 'INV-E1', {tail}"),
        (second, f"Receipt 'BR-1' at 1.10 USD pays 'INV-E2', {tail}"),
    ]
    rows = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert [(row[0], row[-2]) for row in rows] == [("INV-E1", D("80.00")), ("INV-E2", D("20.00"))]


def test_a_wire_at_the_rate_of_an_invoice_billed_on_the_first_price_day_is_no_error(
    books: Books,
) -> None:
    # The boundary of "carried in its own currency alone": INV-E1 billed on
    # Jan 15, the day of EUR's first price (1.10), is carried at it, on or
    # before its date (`Rates.carrying`): 100 x 1.10 = 110.00 USD. A USD
    # wire of 44.00 posted straight at `-40.00 EUR @ 1.10 USD` on Feb 1
    # settles 40.00 EUR at the carrying rate: no error, nothing realized
    # (40 x (1.10 - 1.10) = 0.00), INV-E1 open 60.00 EUR carried at
    # 110.00 - 44.00 = 66.00, worth 60 x 1.10 = 66.00 at Feb 28: the
    # functional total ties, 66.00 against 66.00.
    prices = "\n2026-01-15 price EUR 1.10 USD\n"
    invoice = INVOICE_E1.replace("2026-01-01 *", "2026-01-15 *")
    wire = """
2026-02-01 * "Euro" "Wire in USD" ^INV-E1
  bank_reference: "BR-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Operating  44.00 USD
  Assets:AccountsReceivable  -40.00 EUR @ 1.10 USD
"""
    loaded, _ = load_usd(books, prices + invoice + wire)
    assert usd_errors(loaded) == []
    assert functional_total(loaded, "2026-02-28") == [D("66.00"), D("66.00"), D("0.00")]
