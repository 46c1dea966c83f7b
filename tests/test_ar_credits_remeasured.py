"""Customer credits in a foreign currency are remeasured at month end, as receivables are.

A credit refundable in cash is a monetary liability (ASC 830): at each
month end through the books' horizon, each customer's credits in a foreign
currency are valued at the ledger's price for that day; the difference from
what is left of their carrying amount goes to
`Liabilities:CustomerCredits:Remeasurement` against unrealized exchange
gains and losses, and is reversed the next day (`plugins.credits_remeasurement`).
Before the rule no credit was ever remeasured: every test below but the
two that remeasure nothing failed so. The sealed month's test failed on
the rule's first version too: a payee was read with every invoice of the
books, not only those billed by the posting's day. The two tests of
nobody's credits (a prepayment naming only its payee, before its first
invoice) failed on the version that left them in no pool. Nobody's
credits are one pool per currency, "(unassigned)", whatever payee they
name: the tests of a refund naming no payee or its payee written
otherwise, of two payees' prepayments averaged, of a payee's refund at
the average and of one payee's unpriced euros stopping the pool failed
on the version that pooled nobody's per payee (fcf93c1). Two pins from
the review of 56b02a8 (rev10), of nobody's pool overdrawn then refilled
and in two currencies, passed (the review's transfer tests are in
`tests/test_ar_credits_transfers.py`).
A refund naming only a payee was then paid from the pool that held all
of it, the customer's first (ba865f3): the tests of one paying back
nobody's prepayment after the customer is billed (an expected failure
until then) and of a later month leaving it as it was failed before,
which read every such refund as the customer's. That rule read the
customer's pool, which the matcher fills day by day, and nobody's whole
pool, one for every payee. A refund naming only a payee now pays back
what that payee put into nobody's credits when that holds all of it,
else it is the customer's (`customer_credits.PayeeDebits`): the tests of
the matcher and the reports reading a refund alike beside a parked
credit, of one paying back nobody's though the customer holds it, of
another payee's nobody's euros left alone, and of two refunds of one
day in both file orders (within what the payee put in, and beyond it)
failed on ba865f3; those of a refund more than the payee put in and of
one dated before the customer is billed passed, and pin the other branches.
A posting of nobody's is its entry's payee's, else its receipt's payee's,
and a refund pays back no more than nobody's pool holds either (from the
review of c67968d, rev18): the tests of a payee's receipt held as a credit
under no payee, of its chargeback under no payee, and of a refund after
nobody's credits were moved to the customer by hand under no payee failed
on c67968d; the move typed under the payee passed, and pins that branch.
A refund naming a receipt the bank import posted straight to the
receivable is that receipt's customer's, as one naming a receipt in
unapplied cash is (from the review of 2adfd8f, rev20): both cases, under
the payee and under none, failed on adaabcf, which read it by its payee.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from beancount.core import data
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports import books as books_module
from reports import controls, package
from reports import receivables as receivables_report
from reports.flux import Thresholds
from tests import reporting
from tests.conftest import Books, generated
from tests.rated_books import postings_through, sealed, units_total, usd_weight
from tests.test_ar_closed_months import january_kept
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    POLICY,
    REALIZED,
    UNREALIZED,
    invoice,
    load,
    receipt,
)

CREDITS_REMEASURED = "Liabilities:CustomerCredits:Remeasurement"
AR_PLUGIN = 'plugin "plugins.ar_reconciliation" "ar.yaml"'


def prepays(day: str, payee: str, units: str, rate: str, customer: str = "") -> str:
    """A wire of `units` at `rate` typed straight to credits under `payee`.

    Naming no `customer`, it is nobody's, unless someone is billed under the
    payee by its day (`customer_credits.Owner`).
    """
    number, _ = units.split()
    names = f'  customer: "{customer}"\n' if customer else ""
    return f"""
{day} * "{payee}" "Wire prepaying an order"
{names}  Assets:Bank:Operating  {Decimal(number) * Decimal(rate):.2f} USD
  Liabilities:CustomerCredits  -{units} @ {rate} USD
"""


def refunded_by_bank_rule(day: str, units: str, rate: str) -> str:
    """A refund of `units` at `rate` the bank import types straight to credits, naming no one."""
    number, _ = units.split()
    return f"""
{day} * "Refund by bank rule"
  Liabilities:CustomerCredits  {units} @ {rate} USD
  Assets:Bank:Operating  -{Decimal(number) * Decimal(rate):.2f} USD
"""


# EUR at 1.20 from Jan 1. INV-1 30.00 EUR billed to CUS-1 on Jan 5 at 1.20
# (36.00 USD). R-1 60.00 EUR received Jan 10 at 1.20 (72.00 USD) names it:
# 30.00 EUR pay INV-1, the other 30.00 EUR, beyond the 1.00 tolerance, are
# moved to credits at the receipt's rate: -30.00 EUR @ 1.20 USD, -36.00 USD.
EURO_CREDIT = """
2026-01-01 price EUR 1.20 USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  72.00 USD
  Liabilities:UnappliedCash  -60.00 EUR @ 1.20 USD
"""


# A credits remeasurement: date, narration, postings as `account units`, rate.
Remeasured = tuple[str, str, list[str], str]


def remeasurements(entries: list[data.Directive]) -> list[Remeasured]:
    """(date, narration, postings as `account units`, rate) of each credits remeasurement."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            [f"{posting.account} {posting.units}" for posting in entry.postings],
            str(entry.meta["revclose_rate"]),
        )
        for entry in generated(entries)
        if any(posting.account == CREDITS_REMEASURED for posting in entry.postings)
    ]


# Nobody's credits: one pool a currency, remeasured under this name.
UNASSIGNED = "(unassigned)"


def _remeasured(pool: str, day: str, change: str, rate: str, currency: str = "EUR") -> Remeasured:
    """A pool's remeasurement at a month end, as a `remeasurements` row.

    `change` is the value of the pool's credits at `rate` less what is left
    of their carrying amount: the remeasurement account takes it, unrealized
    exchange gains and losses the opposite.
    """
    amount = Decimal(change)
    return (
        day,
        f"FX remeasurement customer credits {pool} {currency} at {rate} USD",
        [f"{CREDITS_REMEASURED} {amount} USD", f"{UNREALIZED} {-amount} USD"],
        rate,
    )


def _month_end(
    pool: str, day: str, change: str, rate: str, currency: str = "EUR"
) -> list[Remeasured]:
    """A pool's remeasurement at a month end (`_remeasured`) and its reversal the next day."""
    amount = Decimal(change)
    next_day = datetime.date.fromisoformat(day) + datetime.timedelta(days=1)
    reversal = (
        str(next_day),
        f"Reversal of FX remeasurement customer credits {pool} {currency} of {day}",
        [f"{UNREALIZED} {amount} USD", f"{CREDITS_REMEASURED} {-amount} USD"],
        rate,
    )
    return [_remeasured(pool, day, change, rate, currency), reversal]


def test_worked_example_a_credit_is_remeasured_at_two_month_ends_and_reversed(
    books: Books,
) -> None:
    # EUR is 1.25 on Jan 31 and 1.15 on Feb 28; a USD invoice of CUS-2 on
    # Feb 20 brings the books' horizon to Feb 28. The credit holds 30.00
    # EUR carried at -36.00 USD.
    #   Jan 31: -30.00 x 1.25 - (-36.00) = -37.50 + 36.00 = -1.50: the
    #     euros owed are worth 1.50 more, a loss: Unrealized 1.50 debit,
    #     the remeasurement account -1.50; reversed on Feb 1.
    #   Feb 28: -30.00 x 1.15 + 36.00 = -34.50 + 36.00 = 1.50, a gain:
    #     the remeasurement account 1.50, Unrealized -1.50; reversed Mar 1.
    # The credits' value in USD is their weight plus the remeasurement:
    # Jan 31 -36.00 - 1.50 = -37.50 = -30 x 1.25; Feb 28 -36.00 + 1.50 =
    # -34.50 = -30 x 1.15; Feb 15, between, -36.00 (January's reversed).
    text = (
        EURO_CREDIT
        + """
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.15 USD
"""
        + invoice(9, "2026-02-20", "10.00", customer="CUS-2", payee="Beta")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == [
        *_month_end("CUS-1", "2026-01-31", "-1.50", "1.25"),
        *_month_end("CUS-1", "2026-02-28", "1.50", "1.15"),
    ]  # fmt: skip
    [first, *_] = [e for e in generated(entries) if "fx-remeasurement" in e.tags]
    assert first.links == {"CUS-1"}
    assert first.meta["customer"] == "CUS-1"
    assert first.meta["revclose_source"] == "CUS-1"
    for day, value in (("2026-01-31", "-37.50"), ("2026-02-15", "-36.00"),
                       ("2026-02-28", "-34.50")):  # fmt: skip
        held = usd_weight(postings_through(entries, CREDITS, day))
        remeasured = units_total(postings_through(entries, CREDITS_REMEASURED, day))
        assert (day, held + remeasured) == (day, Decimal(value))
    # The account is opened at its first use, as the receivable's is.
    [opened] = [e for e in entries if isinstance(e, data.Open) and e.account == CREDITS_REMEASURED]
    assert str(opened.date) == "2026-01-31"


def test_worked_example_a_credit_spent_the_next_month_realizes_what_was_unrealized(
    books: Books,
) -> None:
    # EUR at 1.25 from Jan 31. Jan 31: the credit is remeasured by -30.00 x
    # 1.25 + 36.00 = -1.50 (a loss), reversed Feb 1. INV-2, 30.00 EUR billed
    # to CUS-1 on Feb 10 at 1.25 (37.50 USD), is paid from the credit that
    # day: 30.00 EUR out of credits at 1.20 (36.00 USD) against 30.00 EUR of
    # receivable at 1.25 (37.50 USD): 1.50 USD realized, a loss.
    # January shows 1.50 of unrealized loss; February reverses it (1.50 of
    # gain) and realizes 1.50 of loss: in all 1.50 lost, 30 x (1.25 - 1.20).
    # On Feb 28 the credit holds nothing: no remeasurement, nor after.
    text = (
        EURO_CREDIT
        + """
2026-01-31 price EUR 1.25 USD

2026-02-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.25 USD
  Income:Revenue:Services  -37.50 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == _month_end("CUS-1", "2026-01-31", "-1.50", "1.25")
    [applied] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "customer-credit"]
    assert str(applied.date) == "2026-02-10"
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("1.50")
    unrealized = postings_through(entries, UNREALIZED, "2026-01-31")
    assert units_total(unrealized) == Decimal("1.50")
    assert units_total(postings_through(entries, UNREALIZED, "2026-02-28")) == 0
    assert units_total(postings_through(entries, CREDITS, "2026-02-28"), "EUR") == 0
    assert usd_weight(postings_through(entries, CREDITS, "2026-02-28")) == 0
    assert units_total(postings_through(entries, AR, "2026-02-28"), "EUR") == 0


def test_a_credit_partly_refunded_is_remeasured_on_what_is_left(books: Books) -> None:
    # 10.00 EUR of the credit are refunded on Jan 20, typed at the credit's
    # rate (12.00 USD paid out). On Jan 31, EUR at 1.25, the pool holds
    # -30.00 + 10.00 = -20.00 EUR carried at -36.00 + 12.00 = -24.00 USD:
    # -20.00 x 1.25 + 24.00 = -25.00 + 24.00 = -1.00, a loss of 1.00.
    text = (
        EURO_CREDIT
        + """
2026-01-20 * "Acme" "Refund of part of R-1's credit"
  receipt: "R-1"
  customer: "CUS-1"
  Liabilities:CustomerCredits  10.00 EUR @ 1.20 USD
  Assets:Bank:Operating  -12.00 USD

2026-01-31 price EUR 1.25 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == _month_end("CUS-1", "2026-01-31", "-1.00", "1.25")


def test_typing_a_later_month_leaves_a_sealed_months_credits_remeasurement_as_it_was(
    books: Books,
) -> None:
    # January: R-1 parks 30.00 EUR of CUS-1's credit at 1.20 (-36.00 USD);
    # on Jan 20 a refund the bank import typed by a rule pays 10.00 EUR of
    # it out at 1.20 (12.00 USD). It names no customer and no receipt; its
    # payee "Acme" is CUS-1's alone on Jan 20, so it is CUS-1's
    # (`customer_credits.Owner`). Jan 31, EUR at 1.25: the pool holds -30.00
    # + 10.00 = -20.00 EUR carried at -36.00 + 12.00 = -24.00 USD: -20.00 x
    # 1.25 + 24.00 = -25.00 + 24.00 = -1.00, a loss of 1.00 USD. January is
    # sealed.
    # February: a USD invoice of a new customer CUS-3 under the same payee
    # "Acme" is typed, on Feb 10. On Jan 20 CUS-1 was still the only "Acme"
    # customer, so the refund stays CUS-1's and January's entries stay as
    # sealed: -1.00 on Jan 31, reversed Feb 1. Feb 28 (EUR still 1.25, the
    # latest price) is remeasured the same: -1.00, reversed Mar 1. Reading
    # the payee with every invoice of the books, the refund became nobody's,
    # left CUS-1's pool, and sealed Jan 31 turned into -30.00 x 1.25 + 36.00
    # = -1.50.
    january = (
        EURO_CREDIT
        + """
2026-01-20 * "Acme" "Refund by bank rule"
  Liabilities:CustomerCredits  10.00 EUR @ 1.20 USD
  Assets:Bank:Operating  -12.00 USD

2026-01-31 price EUR 1.25 USD
"""
    )
    february = january + invoice(5, "2026-02-10", "10.00", customer="CUS-3")
    alone, errors = load(books, january)
    assert errors == []
    assert remeasurements(alone) == _month_end("CUS-1", "2026-01-31", "-1.00", "1.25")
    entries, errors = load(books, february)
    assert errors == []
    assert remeasurements(entries) == [
        *_month_end("CUS-1", "2026-01-31", "-1.00", "1.25"),
        *_month_end("CUS-1", "2026-02-28", "-1.00", "1.25"),
    ]  # fmt: skip
    assert sealed(entries, "2026-01-31") == sealed(alone, "2026-01-31")


def test_a_refund_typed_without_a_price_leaves_the_credit_in_its_own_currency(
    books: Books,
) -> None:
    # 10.00 EUR of the credit are refunded on Feb 15 from a euro bank
    # account, typed with no price: that posting has no weight in USD, so
    # from Feb 15 the pool has no carrying amount in USD to remeasure.
    # Jan 31 (EUR 1.25) is remeasured as in the worked example (-1.50,
    # reversed Feb 1); Feb 28 (EUR 1.15) is not.
    text = (
        EURO_CREDIT
        + """
2026-01-01 open Assets:Bank:Euro
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.15 USD

2026-02-15 * "Acme" "Refund of part of R-1's credit"
  receipt: "R-1"
  customer: "CUS-1"
  Liabilities:CustomerCredits  10.00 EUR
  Assets:Bank:Euro  -10.00 EUR
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [day for day, _, _, _ in remeasurements(entries)] == ["2026-01-31", "2026-02-01"]


def test_the_credits_remeasurement_account_is_the_policys(books: Books) -> None:
    # `credits_remeasurement_account` names it; by default it is under the
    # credits account the policy names. The Jan 31 figures are the worked
    # example's: -30.00 x 1.25 + 36.00 = -1.50.
    text = EURO_CREDIT + "\n2026-01-31 price EUR 1.25 USD\n"
    for policy, credits, account in (
        ("credits_remeasurement_account: Liabilities:CustomerCredits:FX\n", CREDITS,
         "Liabilities:CustomerCredits:FX"),
        ("customer_credits_account: Liabilities:Credits\n", "Liabilities:Credits",
         "Liabilities:Credits:Remeasurement"),
    ):  # fmt: skip
        entries, errors = load(books, text.replace(CREDITS, credits), POLICY + policy)
        assert errors == []
        assert units_total(postings_through(entries, account, "2026-01-31")) == Decimal("-1.50")
        assert postings_through(entries, CREDITS_REMEASURED, "2026-12-31") == []


def test_a_credit_in_the_functional_currency_is_never_remeasured(books: Books) -> None:
    # INV-1 100.00 USD, R-1 150.00 USD naming it: 50.00 USD to credits.
    # EUR moves from 1.20 to 1.25 and 1.10 at the month ends, and a later
    # invoice brings the horizon to Feb 28: a USD credit is worth 50.00 USD
    # whatever EUR does, so nothing is remeasured.
    text = (
        """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.10 USD
2026-01-01 open Liabilities:CustomerCredits
"""
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-10", "150.00 USD", "R-1", '\n  invoice: "INV-1"')
        + invoice(9, "2026-02-20", "10.00", customer="CUS-2", payee="Beta")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, CREDITS, "2026-02-28"), "USD") == Decimal("-50.00")
    assert remeasurements(entries) == []
    assert postings_through(entries, UNREALIZED, "2026-12-31") == []


def test_a_credit_with_no_price_is_carried_in_its_own_currency(books: Books) -> None:
    # CUS-1's credit of 30.00 EUR typed with no price (the EU entity's own
    # euros, received into its euro account and credited by hand: no `@`):
    # it has no value in USD to remeasure, so it is never remeasured, as an
    # invoice with no carrying rate is not. The ledger prices EUR all the
    # same (1.20 from Jan 1, 1.25 on Jan 31), so only that rule leaves it
    # alone: valued at Jan 10's price (1.20, -36.00 USD), the -30.00 EUR
    # would be remeasured on Jan 31 by -30.00 x 1.25 + 36.00 = -1.50; valued
    # at nothing, by -37.50. (A credit the plugin parks from a receipt with
    # no `@` is not such a one when the ledger has a price: its application
    # moves it at the day's price, and it is remeasured.)
    text = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits

2026-01-10 * "Acme" "Wire credited to CUS-1's balance"
  customer: "CUS-1"
  Assets:Bank:Euro  30.00 EUR
  Liabilities:CustomerCredits  -30.00 EUR

2026-02-20 * "Acme" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-2"
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD
"""
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, CREDITS, "2026-02-28"), "EUR") == Decimal("-30.00")
    assert remeasurements(entries) == []
    assert postings_through(entries, UNREALIZED, "2026-12-31") == []


# A prepayment: 100.00 EUR received at 1.20 on Jan 10 (120.00 USD), typed by
# the bank import straight to customer credits, before CUS-1's first
# invoice. EUR at 1.25 on Jan 31 and 1.15 on Feb 28.
PREPAID = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.15 USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-10 * "Acme" "Wire prepaying CUS-1's first order"{named}
  Assets:Bank:Operating  120.00 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
"""
# CUS-1's first invoice, under the payee "Acme", 100.00 EUR at 1.25 on Feb 5.
# A credit typed into the account is the user's to apply: it stays open.
FIRST_INVOICE = """
2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.25 USD
  Income:Revenue:Services  -125.00 USD
"""


def test_worked_example_a_prepayment_naming_its_customer_is_remeasured_before_its_first_invoice(
    books: Books,
) -> None:
    # The prepayment names CUS-1 (`customer`), who is first billed on Feb 5.
    # The pool holds -100.00 EUR carried at -120.00 USD from Jan 10:
    #   Jan 31: -100.00 x 1.25 + 120.00 = -125.00 + 120.00 = -5.00, a loss:
    #     Unrealized 5.00 debit, the remeasurement account -5.00; reversed Feb 1.
    #   Feb 28: -100.00 x 1.15 + 120.00 = -115.00 + 120.00 = 5.00, a gain,
    #     reversed Mar 1.
    # Remeasured so before this test, untested: it pins the rule.
    text = PREPAID.format(named='\n  customer: "CUS-1"') + FIRST_INVOICE
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == [
        *_month_end("CUS-1", "2026-01-31", "-5.00", "1.25"),
        *_month_end("CUS-1", "2026-02-28", "5.00", "1.15"),
    ]  # fmt: skip


def test_worked_example_a_prepayment_of_nobodys_is_remeasured_as_the_unassigned_credits(
    books: Books,
) -> None:
    # The same prepayment names only its payee "Acme", under which no one is
    # billed by Jan 10: it is nobody's (`customer_credits.Owner`), and stays
    # so once CUS-1 is billed under "Acme" on Feb 5 (its day decides, so
    # the sealed January stays as it was). Its euros are owed all the same:
    # nobody's credits are one pool per currency, "(unassigned)", remeasured
    # by the same figures as the worked example above:
    #   Jan 31: -100.00 x 1.25 + 120.00 = -5.00 (a loss), reversed Feb 1;
    #   Feb 28: -100.00 x 1.15 + 120.00 = 5.00 (a gain), reversed Mar 1.
    # Linked `^unassigned-credits`, naming no customer and no payee. Before
    # the rule nothing was remeasured, in January or after: the credits
    # were worth -120.00 USD on Jan 31 instead of -125.00.
    january = PREPAID.format(named="")
    alone, errors = load(books, january)
    assert errors == []
    assert remeasurements(alone) == _month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25")
    [first, _] = [e for e in generated(alone) if "fx-remeasurement" in e.tags]
    assert first.links == {"unassigned-credits"}
    assert "customer" not in first.meta
    assert first.meta["revclose_source"] == "(unassigned)"
    assert first.payee is None
    entries, errors = load(books, january + FIRST_INVOICE)
    assert errors == []
    assert remeasurements(entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "5.00", "1.15"),
    ]  # fmt: skip
    assert sealed(entries, "2026-01-31") == sealed(alone, "2026-01-31")
    for day, value in (("2026-01-31", "-125.00"), ("2026-02-28", "-115.00")):
        held = usd_weight(postings_through(entries, CREDITS, day))
        remeasured = units_total(postings_through(entries, CREDITS_REMEASURED, day))
        assert (day, held + remeasured) == (day, Decimal(value))


def test_nobodys_credits_paid_out_at_a_rate_of_their_own_realize_the_difference(
    books: Books,
) -> None:
    # The prepayment of nobody's above; on Jan 20 the bank import types a
    # refund of 40.00 EUR of it by a rule, paid at 1.25 (50.00 USD), naming
    # only the payee: nobody's too. The pool carries -100.00 EUR at 1.20;
    # the refund takes 40.00 x 1.20 = 48.00 USD of carrying amount out, and
    # paid 50.00: 2.00 USD realized, a loss (`plugins.credits_own_rate`).
    # Jan 31 (EUR 1.25): -60.00 EUR carried at -120.00 + 48.00 = -72.00:
    # -60.00 x 1.25 + 72.00 = -75.00 + 72.00 = -3.00, a loss. In all 5.00
    # lost, 100.00 x (1.25 - 1.20), as the books' EUR would at 1.25.
    # Before the rule neither was made: the credits carried the refund's
    # 2.00 and were never remeasured.
    text = (
        PREPAID.format(named="")
        + """
2026-01-20 * "Acme" "Refund by bank rule"
  Liabilities:CustomerCredits  40.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -50.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD"
    )
    assert own.links == {"unassigned-credits"}
    assert "customer" not in own.meta
    assert units_total(postings_through(entries, REALIZED, "2026-01-20")) == Decimal("2.00")
    assert remeasurements(entries) == _month_end(UNASSIGNED, "2026-01-31", "-3.00", "1.25")
    held = usd_weight(postings_through(entries, CREDITS, "2026-01-31"))
    assert held == Decimal("-72.00")


def test_a_receipt_naming_an_invoice_billed_later_is_unapplied_cash_remeasured_until_then(
    books: Books,
) -> None:
    # R-1, 130.00 EUR received at 1.20 on Jan 10 (156.00 USD) in unapplied
    # cash, names INV-1, billed on Feb 5 (100.00 EUR at 1.25). Until Feb 5
    # it is unapplied cash, remeasured as such, not as credits: Jan 31,
    # -130.00 x 1.25 + 156.00 = -162.50 + 156.00 = -6.50, a loss, reversed
    # Feb 1. On Feb 5 it pays INV-1 and parks 30.00 EUR in CUS-1's credits
    # at its rate (-36.00 USD); Feb 28 (EUR 1.15): -30.00 x 1.15 + 36.00 =
    # -34.50 + 36.00 = 1.50, a gain, reversed Mar 1. Untested before: it
    # pins the rule.
    text = (
        """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.15 USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  156.00 USD
  Liabilities:UnappliedCash  -130.00 EUR @ 1.20 USD
"""
        + FIRST_INVOICE
    )
    entries, errors = load(books, text)
    assert errors == []
    unapplied = "Liabilities:UnappliedCash:Remeasurement"
    assert units_total(postings_through(entries, unapplied, "2026-01-31")) == Decimal("-6.50")
    assert units_total(postings_through(entries, unapplied, "2026-02-28")) == 0
    assert units_total(postings_through(entries, CREDITS, "2026-02-28"), "EUR") == Decimal("-30.00")
    assert remeasurements(entries) == _month_end("CUS-1", "2026-02-28", "1.50", "1.15")


def _cents(units: int) -> str:
    return f"{Decimal(units).scaleb(-2):.2f}"


_RATE = st.integers(8000, 16000)  # a rate in 1/10,000 USD: 0.8000 to 1.6000


@settings(max_examples=25, deadline=None)
@given(
    st.integers(101, 500_000), _RATE, _RATE, st.integers(0, 99), _RATE, st.integers(0, 100), _RATE
)
# The worked example: 30.00 EUR at 1.20, 1.25, 1.15, nothing refunded.
@example(3000, 12000, 12500, 0, 11500, 0, 12500)
# The credit refunded in full at 1.25 (`tests/test_ar_credits_refunded_at_rates.py`).
@example(3000, 12000, 12500, 0, 11500, 100, 12500)
# 9.90 EUR (33 %) of 30.01 EUR carried at 1.2345 (37.047345 USD) refunded at 1.25
# take out 9.90 x 1.2345 = 12.22155, the pool's one rate, fractions of a cent
# included: the 20.11 EUR left are carried at 24.825795, still 1.2345 each, and
# half of them are spent.
@example(3001, 12345, 12500, 50, 11500, 33, 12500)
def test_the_credits_value_after_remeasurement_is_the_open_euros_at_the_month_ends_rate(
    over: int, received: int, january: int, spent: int, february: int, refunded: int, back: int
) -> None:
    # A receipt received at `received` over pays INV-1 (30.00 EUR) by `over`
    # cents of EUR, moved to credits at that rate; on Jan 20 `refunded` % of
    # the credit (if any) is refunded, typed at a rate of its own, `back`,
    # and realized at the pool's rate (`plugins.credits_own_rate`); on Feb
    # 10 INV-2 of `spent` % of what is left (if any), billed at January's
    # end's rate, is paid from it. On each month end (Jan 31 at `january`,
    # Feb 28 at `february`) the credits' value in USD, their weight plus
    # what the remeasurement account holds, is the open euros at that day's
    # rate, rounded to the cent (half to even): what the rule makes it. A
    # credit refunded in full weighs exactly 0.00 USD.
    rate_in, jan, feb, out = (
        Decimal(rate).scaleb(-4) for rate in (received, january, february, back)
    )
    text = f"""
2026-01-01 price EUR {rate_in} USD
2026-01-31 price EUR {jan} USD
2026-02-28 price EUR {feb} USD
2026-01-01 open Liabilities:CustomerCredits

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ {rate_in} USD
  Income:Revenue:Services

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {Decimal(3000 + over).scaleb(-2) * rate_in} USD
  Liabilities:UnappliedCash  -{_cents(3000 + over)} EUR @ {rate_in} USD
"""
    returned = over * refunded // 100
    if returned:
        text += f"""
2026-01-20 * "Acme" "Refund of R-1's credit"
  receipt: "R-1"
  customer: "CUS-1"
  Liabilities:CustomerCredits  {_cents(returned)} EUR @ {out} USD
  Assets:Bank:Operating  -{Decimal(returned).scaleb(-2) * out} USD
"""
    paid = (over - returned) * spent // 100
    if paid:
        text += f"""
2026-02-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  {_cents(paid)} EUR @ {jan} USD
  Income:Revenue:Services
"""
    text += """
2026-02-20 * "Beta" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-2"
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD
"""
    with tempfile.TemporaryDirectory() as folder:
        entries, errors = load(Books(Path(folder)), text)
    assert errors == []
    for day, rate in (("2026-01-31", jan), ("2026-02-28", feb)):
        held = postings_through(entries, CREDITS, day)
        euros = units_total(held, "EUR")
        value = usd_weight(held) + units_total(postings_through(entries, CREDITS_REMEASURED, day))
        exact = euros * rate
        # The remeasurement is rounded to the cent; the credit's weight
        # keeps the fraction of a cent its rate gives it (30.01 EUR at
        # 1.2345 weigh 37.047345 USD): the value is within half a cent of
        # the exact one, and is it rounded when the weight is whole cents.
        assert abs(value - exact) <= Decimal("0.005")
        if usd_weight(held) == usd_weight(held).quantize(Decimal("0.01")):
            assert value == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        if not euros:
            assert usd_weight(held) == 0


def test_the_close_controls_pass_with_a_credit_remeasured(books: Books) -> None:
    # January's close of the worked example: on Jan 31 the sub-account holds
    # -1.50 USD. The customer credits schedule counts CUS-1's 30.00 EUR, and
    # the credits account holds -30.00 EUR: it ties (the sub-account's USD
    # are nobody's credit and are left out); the statements tie (0.00 EUR
    # owed: INV-1 paid, 30.00 EUR in credits), and the trial balance's USD
    # debits equal its credits, the remeasurement included.
    text = (
        HEADER.replace(AR_PLUGIN, AR_PLUGIN + '\nplugin "plugins.close_controls" "close.yaml"')
        + EURO_CREDIT
        + "\n2026-01-31 price EUR 1.25 USD\n"
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY, "close.yaml": ""})
    built = package.build(loaded, datetime.date(2026, 1, 1), Thresholds())
    assert controls.failures(built.checks) == []
    credits = [c for c in built.checks if c.name.startswith("Customer credits schedule")]
    assert [(c.name, c.result) for c in credits] == [
        ("Customer credits schedule ties to the general ledger, EUR", "pass")
    ]
    held = units_total(postings_through(loaded.entries, CREDITS_REMEASURED, "2026-01-31"))
    assert held == Decimal("-1.50")


# Nobody's credits: one pool per currency, "(unassigned)", whatever payee
# they name. EUR at 1.20 from Jan 1, 1.25 on Jan 31, 1.15 on Feb 28.
PRICES = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-02-28 price EUR 1.15 USD
2026-01-01 open Liabilities:CustomerCredits
"""
# Acme prepays 100.00 EUR at 1.20 (120.00 USD) on Jan 10, typed straight to
# credits naming only its payee: no one is billed under "Acme" yet, so it
# is nobody's, and stays so (`customer_credits.Owner`, by its day).
ACME_PREPAYS = prepays("2026-01-10", "Acme", "100.00 EUR", "1.20")
# CUS-1 is first billed under "Acme" on Feb 5 (a USD invoice).
CUS_1_BILLED = """
2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD
"""


def _value(entries: list[data.Directive], day: str) -> Decimal:
    """The credits' value in USD at the end of a day: their weight plus the remeasurement."""
    held = usd_weight(postings_through(entries, CREDITS, day))
    return held + units_total(postings_through(entries, CREDITS_REMEASURED, day))


def test_the_exchange_difference_on_nobodys_credits_stays_in_the_unassigned_pool(
    books: Books,
) -> None:
    # R-9, 100.00 EUR at 1.20 (120.00 USD), comes into unapplied cash on
    # Jan 10 from "Acme", billed under no one yet: its customer is "". On
    # Jan 15 it is held as a credit by hand, naming R-9: the credit is R-9's
    # customer's, nobody's, in the "(unassigned)" pool. CUS-1 is first
    # billed under "Acme" on Feb 5. On Feb 20, 40.00 EUR of R-9 are refunded
    # at 1.25 (50.00 USD), naming R-9: nobody's too.
    # The pool carries -100.00 EUR at -120.00; the refund takes 40.00 x 1.20
    # = 48.00 out and paid 50.00: 2.00 USD realized, by an own-rate entry
    # (+40.00 EUR @ 1.20, -40.00 EUR @ 1.25) that names R-9
    # (`revclose_receipt`, `customer_credits.Owner.keys`), so it belongs to
    # the same pool: -60.00 EUR carried at -120.00 + 50.00 + 48.00 - 50.00
    # = -72.00.
    #   Jan 31 (1.25): -100.00 x 1.25 + 120.00 = -5.00, reversed Feb 1;
    #   Feb 28 (1.15): -60.00 x 1.15 + 72.00 = -69.00 + 72.00 = 3.00, a
    #   gain, reversed Mar 1.
    # Value on Feb 28: -72.00 + 3.00 = -69.00 = -60.00 x 1.15. (Before, the
    # own-rate entry named no customer and no receipt, so `Owner` read it
    # by its payee "Acme" on Feb 20: CUS-1's. The unassigned pool then
    # carried -120.00 + 50.00 = -70.00 and was remeasured by -69.00 + 70.00
    # = 1.00: the value was -71.00, 2.00 off, the 2.00 in CUS-1's pool of
    # 0.00 EUR, never remeasured.)
    text = (
        PRICES
        + """
2026-01-10 * "Acme" "Wire"
  receipt: "R-9"
  Assets:Bank:Operating  120.00 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD

2026-01-15 * "Acme" "R-9 held as a credit"
  receipt: "R-9"
  Liabilities:UnappliedCash  100.00 EUR @ 1.20 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
"""
        + CUS_1_BILLED
        + """
2026-02-20 * "Acme" "Refund of part of R-9"
  receipt: "R-9"
  Liabilities:CustomerCredits  40.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -50.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.links == {"unassigned-credits"}
    assert own.meta["revclose_receipt"] == "R-9"
    assert "customer" not in own.meta
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert usd_weight(postings_through(entries, CREDITS, "2026-02-28")) == Decimal("-72.00")
    assert remeasurements(entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip
    assert _value(entries, "2026-02-28") == Decimal("-69.00")


@pytest.mark.parametrize(
    "payee",
    ["", "Acme ", "ACME "],
    ids=["no payee", "a trailing space", "another case"],
)
def test_a_refund_of_nobodys_euros_realizes_against_the_one_pools_rate_whatever_its_payee(
    books: Books, payee: str
) -> None:
    # Acme's prepayment, nobody's: the pool holds -100.00 EUR carried at
    # -120.00 USD (1.20). On Jan 20 the bank import types a refund of 40.00
    # EUR of it at 1.25 (50.00 USD) straight to credits, naming no customer
    # and no receipt, and the payee as the bank's line has it: none, "Acme "
    # or "ACME ". No one is billed under any payee: nobody's, the one pool.
    # It takes 40.00 x 1.20 = 48.00 of carrying amount out and paid 50.00:
    # 2.00 USD realized, a loss (`plugins.credits_own_rate`). The pool is
    # then -60.00 EUR carried at -120.00 + 48.00 = -72.00:
    #   Jan 31 (1.25): -60.00 x 1.25 + 72.00 = -75.00 + 72.00 = -3.00, a
    #   loss, reversed Feb 1: one pair, "(unassigned)".
    # Value on Jan 31: -72.00 - 3.00 = -75.00 = -60.00 x 1.25; realized and
    # unrealized 5.00 in all, 100.00 x (1.25 - 1.20). (With a pool per
    # payee, the refund was a pool of its own, overdrawn at its own rate:
    # nothing realized, and Acme's 100.00 EUR remeasured by -5.00, as if
    # none had been paid back. "ACME" alone was the same pool there too:
    # its payee was read in any case.)
    named = f'"{payee}" ' if payee else ""
    text = (
        PRICES
        + ACME_PREPAYS
        + f"""
2026-01-20 * {named}"Refund by bank rule"
  Liabilities:CustomerCredits  40.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -50.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD"
    )
    assert own.links == {"unassigned-credits"}
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("2.00")
    assert usd_weight(postings_through(entries, CREDITS, "2026-01-31")) == Decimal("-72.00")
    assert remeasurements(entries) == _month_end(UNASSIGNED, "2026-01-31", "-3.00", "1.25")
    assert _value(entries, "2026-01-31") == Decimal("-75.00")


# Beta, billed under no one either, prepays 100.00 EUR at 1.28 (128.00 USD)
# on Jan 12, typed straight to credits naming only its payee: nobody's.
BETA_PREPAYS = prepays("2026-01-12", "Beta", "100.00 EUR", "1.28")


def test_two_payees_prepayments_are_one_unassigned_pool_at_the_weighted_average(
    books: Books,
) -> None:
    # Acme's 100.00 EUR at 1.20 (120.00 USD) and Beta's 100.00 EUR at 1.28
    # (128.00 USD), both nobody's: one pool of -200.00 EUR carried at
    # -248.00, 1.24 on average. The schedule's "(unassigned)" row holds
    # 200.00 EUR, the pool the entries remeasure:
    #   Jan 31 (1.25): -200.00 x 1.25 + 248.00 = -250.00 + 248.00 = -2.00, a
    #   loss, reversed Feb 1: one pair, "(unassigned)", located at Acme's
    #   entry (the pool's first) but naming no payee.
    # Value on Jan 31: -248.00 - 2.00 = -250.00 = -200.00 x 1.25. (With a
    # pool per payee there were two pairs: Acme's -100.00 x 1.25 + 120.00 =
    # -5.00 and Beta's -100.00 x 1.25 + 128.00 = 3.00, under one row.)
    text = HEADER + PRICES + ACME_PREPAYS + BETA_PREPAYS
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert remeasurements(loaded.entries) == _month_end(UNASSIGNED, "2026-01-31", "-2.00", "1.25")
    [first, _] = [e for e in generated(loaded.entries) if "fx-remeasurement" in e.tags]
    assert first.links == {"unassigned-credits"}
    assert first.meta["revclose_source"] == "(unassigned)"
    assert first.payee is None
    assert _value(loaded.entries, "2026-01-31") == Decimal("-250.00")
    assert _held(loaded, "2026-01-31") == _schedule((UNASSIGNED, "200.00"), total="200.00")


def test_a_payees_refund_realizes_against_the_unassigned_pools_average(books: Books) -> None:
    # Acme's 100.00 EUR at 1.20 (120.00 USD) and Beta's at 1.28 (128.00
    # USD), nobody's, one pool of -200.00 EUR carried at -248.00 (1.24). On
    # Jan 20 Beta is refunded 50.00 EUR at 1.28 (64.00 USD), the rate its
    # euros came in at, naming only Beta: nobody's, the same pool. The
    # refund takes its share of the carrying amount out, 248.00 x 50 / 200
    # = 62.00, and paid 64.00: 2.00 USD realized, a loss; nobody's cash is
    # one liability, carried at its average. The pool is then -150.00 EUR
    # carried at -248.00 + 62.00 = -186.00 (1.24):
    #   Jan 31 (1.25): -150.00 x 1.25 + 186.00 = -187.50 + 186.00 = -1.50, a
    #   loss, reversed Feb 1.
    # Value on Jan 31: -186.00 - 1.50 = -187.50 = -150.00 x 1.25. (With a
    # pool per payee Beta's refund realized nothing, and Acme's -5.00 and
    # Beta's -50.00 x 1.25 + 64.00 = 1.50 were remeasured apart.)
    text = (
        PRICES
        + ACME_PREPAYS
        + BETA_PREPAYS
        + """
2026-01-20 * "Beta" "Refund of part of the prepayment"
  Liabilities:CustomerCredits  50.00 EUR @ 1.28 USD
  Assets:Bank:Operating  -64.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "50.00 EUR paid out at 1.28 USD, carried at 62.00 USD"
    )
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("2.00")
    assert usd_weight(postings_through(entries, CREDITS, "2026-01-31")) == Decimal("-186.00")
    assert remeasurements(entries) == _month_end(UNASSIGNED, "2026-01-31", "-1.50", "1.25")
    assert _value(entries, "2026-01-31") == Decimal("-187.50")


def test_nobodys_euros_without_a_price_stop_the_unassigned_pools_remeasurement(
    books: Books,
) -> None:
    # Acme's prepayment (nobody's) as above. Beta, billed under no one
    # either, sends 50.00 EUR to the euro bank account, typed to credits
    # with no price (no USD weight): nobody's too, the same pool, which is
    # carried in its own currency from that day, as a customer's pool is
    # (`month_end_differences` stops at the first unpriced posting):
    # - Beta's on Feb 10: Jan 31 (1.25) remeasures Acme's 100.00 EUR alone,
    #   -100.00 x 1.25 + 120.00 = -5.00, reversed Feb 1; Feb 28, nothing;
    # - Beta's on Jan 5, before Acme's: nothing at all.
    # (With a pool per payee, Beta's were a pool of their own, and Acme's
    # were remeasured on Feb 28 too, by -100.00 x 1.15 + 120.00 = 5.00,
    # whichever day Beta's came.)
    beta = """
{day} * "Beta" "Euro wire prepaying an order"
  Assets:Bank:Euro  50.00 EUR
  Liabilities:CustomerCredits  -50.00 EUR
"""
    found = {}
    for beta_day in ("2026-02-10", "2026-01-05"):
        text = (
            "2026-01-01 open Assets:Bank:Euro\n"
            + PRICES
            + ACME_PREPAYS
            + beta.format(day=beta_day)
            + CUS_1_BILLED.replace("Acme", "Gamma")  # the books run to Feb 28
        )
        entries, errors = load(books, text)
        assert errors == []
        found[beta_day] = remeasurements(entries)
    assert found == {
        "2026-02-10": [
            *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        ],
        "2026-01-05": [],
    }  # fmt: skip


def test_a_payees_refund_after_its_customer_is_billed_pays_back_nobodys_prepayment(
    books: Books,
) -> None:
    # Acme's prepayment, nobody's, -100.00 EUR carried at -120.00 (1.20).
    # CUS-1 is first billed under "Acme" on Feb 5 (USD). On Feb 20 the bank
    # import types a refund of 40.00 EUR of the prepayment at 1.25 (50.00
    # USD), naming only "Acme". CUS-1 holds no credits: the euros paid back
    # are nobody's, and they should leave nobody's pool:
    #   realized: 40.00 x 1.25 - 40.00 x 1.20 = 50.00 - 48.00 = 2.00, a loss;
    #   the pool -60.00 EUR carried at -120.00 + 48.00 = -72.00;
    #   Jan 31 (1.25): -100.00 x 1.25 + 120.00 = -5.00, reversed Feb 1;
    #   Feb 28 (1.15): -60.00 x 1.15 + 72.00 = -69.00 + 72.00 = 3.00, a
    #   gain, reversed Mar 1.
    # (`customer_credits.PayeeDebits`: CUS-1's pool holds 0.00 EUR, less
    # than 40.00; nobody's holds 100.00.) Before the rule `Owner` read the
    # refund by its payee on its day, CUS-1's: CUS-1's pool was overdrawn by
    # 40.00 EUR at 50.00, nothing was realized, and nobody's 100.00 EUR were
    # remeasured on Feb 28 by -100.00 x 1.15 + 120.00 = 5.00, CUS-1's by
    # 40.00 x 1.15 - 50.00 = -4.00 (an expected failure until then).
    text = (
        PRICES
        + ACME_PREPAYS
        + CUS_1_BILLED
        + """
2026-02-20 * "Acme" "Refund of part of the prepayment"
  Liabilities:CustomerCredits  40.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -50.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert remeasurements(entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip


# CUS-1 prepays {euros} EUR at 1.20 on Jan 12, naming itself (`customer`),
# typed straight to credits: CUS-1's pool from its day.
CUS_1_PREPAYS = """
2026-01-12 * "Acme" "Wire prepaying CUS-1's order"
  customer: "CUS-1"
  Assets:Bank:Operating  {dollars} USD
  Liabilities:CustomerCredits  -{euros} EUR @ 1.20 USD
"""
# A refund of {euros} EUR at 1.25 on Feb 20 by a bank rule, naming only "Acme".
ACME_REFUNDED = """
2026-02-20 * "Acme" "Refund by bank rule"
  Liabilities:CustomerCredits  {euros} EUR @ 1.25 USD
  Assets:Bank:Operating  -{dollars} USD
"""


def _held(loaded: books_module.Books, day: str) -> list[Sequence[object]]:
    """The customer credits schedule's (customer, name, currency, credit) rows at a day's end."""
    table = receivables_report.customer_credits(loaded, datetime.date.fromisoformat(day))
    return [row[:4] for row in table.rows]


def _schedule(*pools: tuple[str, str], total: str, currency: str = "EUR") -> list[list[object]]:
    """The schedule's rows (`_held`): each pool's (customer, credit) in order, then the total.

    Nobody's pool has no name; CUS-1 is billed under "Acme".
    """
    names = {UNASSIGNED: "", "CUS-1": "Acme"}
    rows = [[customer, names[customer], currency, Decimal(credit)] for customer, credit in pools]
    return [*rows, ["Total", "", currency, Decimal(total)]]


def _acme_refunded(cus_1_euros: str, *refunds: str, reversed_: bool = False) -> str:
    """The books of `ACME_PREPAYS`, CUS-1's own euros and refunds to "Acme" on Feb 20.

    CUS-1 prepays `cus_1_euros` at 1.20 (`CUS_1_PREPAYS`) and is billed under
    "Acme" on Feb 5; each refund of `refunds` is of that many euros at 1.25
    (`ACME_REFUNDED`). With `reversed_` every entry after the prices is typed
    in the reverse order.
    """
    parts = [
        PRICES,
        ACME_PREPAYS,
        CUS_1_PREPAYS.format(euros=cus_1_euros, dollars=_at(cus_1_euros, "1.20")),
        CUS_1_BILLED,
        *(ACME_REFUNDED.format(euros=euros, dollars=_at(euros, "1.25")) for euros in refunds),
    ]
    if reversed_:
        parts = [PRICES, *reversed(parts[1:])]
    return HEADER + "".join(parts)


def _at(euros: str, rate: str) -> str:
    """The dollars of `euros` at `rate`, to the cent."""
    return f"{Decimal(euros) * Decimal(rate):.2f}"


def test_a_payees_refund_pays_back_what_it_put_into_nobodys_though_its_customer_holds_it(
    books: Books,
) -> None:
    # Acme's prepayment, nobody's, -100.00 EUR carried at -120.00 (1.20).
    # CUS-1 prepays 50.00 EUR at 1.20 naming itself on Jan 12: its pool
    # -50.00 EUR carried at -60.00. CUS-1 is billed under "Acme" on Feb 5.
    # The Feb 20 refund of 40.00 EUR at 1.25 (50.00 USD) names only "Acme":
    # Acme put 100.00 EUR into nobody's, the whole 40.00, so it pays them
    # back (`customer_credits.PayeeDebits`); CUS-1's pool is not read and
    # keeps its 50.00 EUR.
    #   realized: 40.00 x 1.25 - 40.00 x 1.20 = 50.00 - 48.00 = 2.00, a
    #   loss, on nobody's pool, now -60.00 EUR carried at -120.00 + 48.00 = -72.00;
    #   Jan 31 (1.25): CUS-1 -50.00 x 1.25 + 60.00 = -2.50; nobody's
    #   -100.00 x 1.25 + 120.00 = -5.00; both reversed Feb 1;
    #   Feb 28 (1.15): CUS-1 -50.00 x 1.15 + 60.00 = 2.50; nobody's
    #   -60.00 x 1.15 + 72.00 = 3.00; both gains, reversed Mar 1.
    # The schedule on Feb 28: (unassigned) 100.00 - 40.00 = 60.00, CUS-1
    # 50.00. (Before, the customer's pool paid first when it held the whole:
    # 2.00 realized on CUS-1's, (unassigned) 100.00 and CUS-1 10.00.)
    loaded = reporting.loaded(books, _acme_refunded("50.00", "40.00"), {"ar.yaml": POLICY})
    [own] = [e for e in generated(loaded.entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD"
    )
    assert "customer" not in own.meta
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert sorted(remeasurements(loaded.entries)) == sorted([
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end("CUS-1", "2026-01-31", "-2.50", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
        *_month_end("CUS-1", "2026-02-28", "2.50", "1.15"),
    ])  # fmt: skip
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "60.00"), ("CUS-1", "50.00"), total="110.00"
    )


def test_a_payees_refund_does_not_pay_back_what_another_payee_put_into_nobodys(
    books: Books,
) -> None:
    # Beta's prepayment, nobody's, 100.00 EUR at 1.28 (-128.00 USD) on Jan
    # 12 (`BETA_PREPAYS`): nobody's one euro pool holds Beta's alone. CUS-1
    # is billed under "Acme" on Feb 5 and holds no euros. The Feb 20 refund
    # of 40.00 EUR at 1.25 (50.00 USD) names only "Acme": Acme put 0.00 into
    # nobody's, less than 40.00, so it is CUS-1's, an overdraw, not Beta's
    # cash paid to Acme. CUS-1's pool is +40.00 EUR at its own rate, +50.00:
    # nothing realized.
    #   Jan 31 (1.25): nobody's -100.00 x 1.25 + 128.00 = 3.00, a gain;
    #   Feb 28 (1.15): nobody's -100.00 x 1.15 + 128.00 = 13.00, a gain;
    #   CUS-1's 40.00 x 1.15 - 50.00 = 46.00 - 50.00 = -4.00, a loss; each
    #   reversed the next day.
    # The schedule on Feb 28: (unassigned) 100.00, CUS-1 -40.00; total 60.00.
    # (Before, nobody's pool held 100.00, the whole: the refund was paid
    # out of Beta's euros, 40.00 x 1.25 - 40.00 x 1.28 = -1.20 realized, a
    # gain, and the schedule showed (unassigned) 60.00 alone.)
    text = (
        HEADER
        + PRICES
        + BETA_PREPAYS
        + CUS_1_BILLED
        + ACME_REFUNDED.format(euros="40.00", dollars="50.00")
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    made = generated(loaded.entries)
    assert [e for e in made if e.meta.get("revclose_kind") == "own-rate"] == []
    assert postings_through(loaded.entries, REALIZED, "2026-12-31") == []
    assert sorted(remeasurements(loaded.entries)) == sorted([
        *_month_end(UNASSIGNED, "2026-01-31", "3.00", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "13.00", "1.15"),
        *_month_end("CUS-1", "2026-02-28", "-4.00", "1.15"),
    ])  # fmt: skip
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "100.00"), ("CUS-1", "-40.00"), total="60.00"
    )


@pytest.mark.parametrize("reversed_", [False, True], ids=["as typed", "in reverse file order"])
def test_two_refunds_of_a_payee_on_one_day_each_pay_back_nobodys_in_any_file_order(
    books: Books, reversed_: bool
) -> None:
    # Acme's prepayment, nobody's, -100.00 EUR carried at -120.00. CUS-1
    # prepays 50.00 EUR at 1.20 naming itself on Jan 12 (-60.00 USD), and
    # is billed under "Acme" on Feb 5. On Feb 20 two refunds name only
    # "Acme": 40.00 EUR at 1.25 (50.00 USD) and 30.00 EUR at 1.25 (37.50).
    # Acme put 100.00 EUR into nobody's, the whole of each: both pay back
    # nobody's, whichever is typed first.
    # - 40.00: realized 40.00 x (1.25 - 1.20) = 2.00, carried at 48.00;
    # - 30.00: realized 30.00 x 1.25 - 30.00 x 1.20 = 37.50 - 36.00 = 1.50,
    #   carried at 36.00.
    # Realized 2.00 + 1.50 = 3.50; nobody's -30.00 EUR carried at -120.00
    # + 48.00 + 36.00 = -36.00. Remeasured:
    #   Jan 31 (1.25): nobody's -100.00 x 1.25 + 120.00 = -5.00; CUS-1's
    #   -50.00 x 1.25 + 60.00 = -2.50; both reversed Feb 1;
    #   Feb 28 (1.15): nobody's -30.00 x 1.15 + 36.00 = 1.50; CUS-1's
    #   -50.00 x 1.15 + 60.00 = 2.50; both reversed Mar 1.
    # The schedule on Feb 28: (unassigned) 100.00 - 70.00 = 30.00; CUS-1
    # 50.00. Before, CUS-1's pool held 50.00, the whole of each: both were
    # CUS-1's, 50.00 - 70.00 = -20.00, and (unassigned) 100.00.
    loaded = reporting.loaded(
        books, _acme_refunded("50.00", "40.00", "30.00", reversed_=reversed_), {"ar.yaml": POLICY}
    )
    owns = [e for e in generated(loaded.entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert sorted(str(own.narration) for own in owns) == [
        "Exchange difference on (unassigned) EUR credits: "
        "30.00 EUR paid out at 1.25 USD, carried at 36.00 USD",
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD",
    ]
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("3.50")
    assert sorted(remeasurements(loaded.entries)) == sorted([
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end("CUS-1", "2026-01-31", "-2.50", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "1.50", "1.15"),
        *_month_end("CUS-1", "2026-02-28", "2.50", "1.15"),
    ])  # fmt: skip
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "30.00"), ("CUS-1", "50.00"), total="80.00"
    )


@pytest.mark.parametrize("reversed_", [False, True], ids=["as typed", "in reverse file order"])
def test_a_payees_refunds_of_one_day_are_decided_smallest_first_on_what_is_left(
    books: Books, reversed_: bool
) -> None:
    # As above, but the refunds of Feb 20 are 60.00 and 50.00 EUR at 1.25:
    # 110.00 together, more than the 100.00 Acme put into nobody's. They
    # are decided smallest first, whichever is typed first, each against
    # what the one before left, never split:
    # - 50.00: Acme holds 100.00, the whole of it: nobody's pays it back,
    #   realized 50.00 x 1.25 - 50.00 x 1.20 = 62.50 - 60.00 = 2.50;
    #   nobody's -50.00 EUR carried at -120.00 + 60.00 = -60.00; Acme
    #   holds 50.00;
    # - 60.00: Acme holds 50.00, not the whole: CUS-1's. Its pool holds
    #   50.00 EUR carried at 60.00 (1.20): 50.00 leave at 60.00, paid
    #   62.50, 2.50 realized; the 10.00 beyond are an overdraw at their
    #   own rate, +12.50.
    # Realized 2.50 + 2.50 = 5.00. Feb 28 (1.15): nobody's -50.00 x 1.15 +
    # 60.00 = -57.50 + 60.00 = 2.50; CUS-1's 10.00 x 1.15 - 12.50 = -1.00.
    # The schedule on Feb 28: (unassigned) 50.00, CUS-1 -10.00; total
    # 40.00. (Deciding each against the same 100.00 made both nobody's and
    # overdrew nobody's pool by 10.00, taking what other payees sent.)
    loaded = reporting.loaded(
        books, _acme_refunded("50.00", "60.00", "50.00", reversed_=reversed_), {"ar.yaml": POLICY}
    )
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("5.00")
    assert _remeasured_on(loaded, "2026-02-28") == sorted([
        _remeasured(UNASSIGNED, "2026-02-28", "2.50", "1.15"),
        _remeasured("CUS-1", "2026-02-28", "-1.00", "1.15"),
    ])  # fmt: skip
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "50.00"), ("CUS-1", "-10.00"), total="40.00"
    )


def test_a_payees_refund_more_than_it_put_into_nobodys_overdraws_its_customer(
    books: Books,
) -> None:
    # Acme's prepayment, nobody's, 100.00 EUR; CUS-1 prepays 30.00 EUR
    # naming itself and is billed under "Acme" on Feb 5. A refund of
    # 120.00 EUR at 1.25 (150.00 USD) on Feb 20 names only "Acme": Acme put
    # 100.00 into nobody's, less than the whole 120.00. It is not split: it
    # is CUS-1's, an overdraw, which the customer credits schedule's control
    # reports. On Feb 28 the schedule shows (unassigned) 100.00 and CUS-1
    # 30.00 - 120.00 = -90.00; total 10.00. (So before too: it pins the
    # rule's last branch.)
    loaded = reporting.loaded(books, _acme_refunded("30.00", "120.00"), {"ar.yaml": POLICY})
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "100.00"), ("CUS-1", "-90.00"), total="10.00"
    )


def test_a_later_month_leaves_whose_a_payees_refund_was_as_it_was(books: Books) -> None:
    # Acme's prepayment, nobody's, 100.00 EUR at 1.20 on Jan 10. CUS-1 is
    # first billed under "Acme" on Jan 12 (USD). On Jan 20 a refund of
    # 40.00 EUR at 1.25 names only "Acme": Acme put 100.00 into nobody's,
    # the whole: nobody's. Realized 40.00 x (1.25 - 1.20) = 2.00; nobody's
    # -60.00 EUR at -72.00, remeasured on Jan 31 by -60.00 x 1.25 + 72.00
    # = -3.00. February brings CUS-1's own 100.00 EUR at 1.20 on Feb 10,
    # naming itself, and a second refund of 80.00 EUR to "Acme" on Feb 20,
    # more than the 60.00 Acme has left in nobody's: CUS-1's. Both are
    # dated later, so January stays as it was sealed (`january_kept`): the
    # refund still nobody's, 2.00 realized, -3.00 remeasured. (Before the
    # rule of `customer_credits.PayeeDebits` the refund was CUS-1's in both:
    # nothing realized.)
    january = (
        PRICES
        + ACME_PREPAYS
        + CUS_1_BILLED.replace("2026-02-05", "2026-01-12")
        + ACME_REFUNDED.format(euros="40.00", dollars="50.00").replace("2026-02-20", "2026-01-20")
    )
    later = CUS_1_PREPAYS.format(euros="100.00", dollars="120.00").replace(
        "2026-01-12", "2026-02-10"
    ) + ACME_REFUNDED.format(euros="80.00", dollars="100.00")
    _, entries = january_kept(books, january, later)
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("2.00")
    assert [row for row in remeasurements(entries) if row[0] == "2026-01-31"] == [
        _remeasured(UNASSIGNED, "2026-01-31", "-3.00", "1.25"),
    ]  # fmt: skip


def test_a_payees_refund_before_its_customer_is_billed_stays_nobodys(books: Books) -> None:
    # Acme's prepayment, nobody's, 100.00 EUR at 1.20 (120.00 USD). On Jan
    # 20 a refund of 40.00 EUR at 1.25 (50.00 USD) names only "Acme", under
    # which no one is billed yet: nobody's, whatever the pools hold. CUS-1
    # is first billed under "Acme" on Feb 5, a later month: January stays
    # as it was sealed (`january_kept`), and the refund nobody's:
    #   realized 40.00 x 1.25 - 40.00 x 1.20 = 2.00, on "(unassigned)";
    #   the pool -60.00 EUR carried at -72.00; on Feb 28 it is still
    #   (unassigned) 60.00 in the schedule, with no CUS-1 row.
    january = (
        PRICES
        + ACME_PREPAYS
        + ACME_REFUNDED.format(euros="40.00", dollars="50.00").replace("2026-02-20", "2026-01-20")
    )
    _, entries = january_kept(books, january, CUS_1_BILLED)
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD"
    )
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert usd_weight(postings_through(entries, CREDITS, "2026-02-28")) == Decimal("-72.00")
    loaded = reporting.loaded(books, HEADER + january + CUS_1_BILLED, {"ar.yaml": POLICY})
    assert _held(loaded, "2026-02-28") == _schedule((UNASSIGNED, "60.00"), total="60.00")


# R-9, 100.00 EUR at 1.20 (120.00 USD) from "Acme" on Jan 10, into unapplied
# cash: no one is billed under "Acme" yet, so its customer is "" (nobody's).
ACME_WIRES_R9 = """
2026-01-10 * "Acme" "Wire"
  receipt: "R-9"
  Assets:Bank:Operating  120.00 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD
"""
# R-9 held as a credit by hand on Jan 15, naming R-9, under {payee}: nobody's credits.
R9_HELD = """
2026-01-15 * {payee}"R-9 held as a credit"
  receipt: "R-9"
  Liabilities:UnappliedCash  100.00 EUR @ 1.20 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
"""


def _remeasured_on(loaded: books_module.Books, day: str) -> list[Remeasured]:
    """The credits remeasurements dated on a day (`remeasurements`), sorted."""
    return sorted(row for row in remeasurements(loaded.entries) if row[0] == day)


def test_a_payees_receipt_held_as_nobodys_credit_under_no_payee_is_what_it_put_in(
    books: Books,
) -> None:
    # R-9, Acme's wire of 100.00 EUR at 1.20, nobody's, is held as a credit by
    # hand on Jan 15 naming R-9, typed with a narration and no payee (the
    # README's way to name the receipt a credit comes from). Nobody's pool:
    # -100.00 EUR carried at -120.00. CUS-1 is billed under "Acme" on Feb 5.
    # The Feb 20 refund of 40.00 EUR at 1.25 names only "Acme". The 100.00
    # EUR in nobody's pool are Acme's: the posting names came
    # from Acme (`Owner.payee_of`). So Acme put 100.00 into nobody's, the
    # whole 40.00, and the pool holds them: the refund pays them back.
    #   realized: 40.00 x 1.25 - 40.00 x 1.20 = 50.00 - 48.00 = 2.00, a loss;
    #   nobody's -60.00 EUR carried at -120.00 + 48.00 = -72.00;
    #   Feb 28 (1.15): -60.00 x 1.15 + 72.00 = -69.00 + 72.00 = 3.00, a gain.
    # The schedule on Feb 28: (unassigned) 100.00 - 40.00 = 60.00, no CUS-1 row.
    # (c67968d counted only nobody's postings whose entry carries the payee:
    # Acme "put in" 0.00, so the refund was CUS-1's, an overdraw: CUS-1
    # -40.00, (unassigned) 100.00, nothing realized.)
    text = HEADER + PRICES + ACME_WIRES_R9 + R9_HELD.format(payee="")
    text += CUS_1_BILLED + ACME_REFUNDED.format(euros="40.00", dollars="50.00")
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert _held(loaded, "2026-02-28") == _schedule((UNASSIGNED, "60.00"), total="60.00")
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert _remeasured_on(loaded, "2026-02-28") == [
        _remeasured(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip


def test_a_chargeback_naming_the_payees_receipt_under_no_payee_takes_back_what_it_put_in(
    books: Books,
) -> None:
    # R-9, Acme's 100.00 EUR at 1.20, is held as nobody's credit on Jan 15
    # naming R-9 under "Acme"; Beta's 100.00 EUR at 1.28 came on Jan 12.
    # Nobody's pool: -200.00 EUR carried at -128.00 - 120.00 = -248.00 (1.24).
    # On Jan 20 the bank charges R-9 back in full; it is typed straight to
    # credits naming R-9, with no payee (the bank's line names none):
    # nobody's, 100.00 x 1.24 = 124.00 out, 120.00 paid: -4.00 realized, a
    # gain; the pool -100.00 EUR (Beta's) carried at -124.00. It is Acme's
    # (`Owner.payee_of`, by R-9), so Acme put 100.00 in and took 100.00 out.
    # CUS-1 is billed under "Acme" on Feb 5; the Feb 20 refund of 40.00 EUR
    # at 1.25 names only "Acme". Acme holds 0.00 in nobody's, less than
    # 40.00, so the refund is CUS-1's, an overdraw at its own rate, +40.00
    # EUR at +50.00, nothing realized on it. Realized through Feb 28: -4.00.
    #   Feb 28 (1.15): nobody's -100.00 x 1.15 + 124.00 = 9.00, a gain;
    #   CUS-1's 40.00 x 1.15 - 50.00 = 46.00 - 50.00 = -4.00, a loss.
    # The schedule on Feb 28: (unassigned) 100.00 (Beta's), CUS-1 -40.00.
    # (c67968d did not count the chargeback against Acme, its entry naming
    # no payee: Acme still "held" 100.00 and the refund was paid out of
    # Beta's euros, 40.00 x 1.25 - 40.00 x 1.24 = 0.40 more realized, -3.60
    # in all, and (unassigned) 60.00 with no CUS-1 row.)
    text = HEADER + PRICES + ACME_WIRES_R9 + BETA_PREPAYS + R9_HELD.format(payee='"Acme" ')
    text += """
2026-01-20 * "Chargeback of R-9"
  receipt: "R-9"
  Liabilities:CustomerCredits  100.00 EUR @ 1.20 USD
  Assets:Bank:Operating  -120.00 USD
"""
    text += CUS_1_BILLED + ACME_REFUNDED.format(euros="40.00", dollars="50.00")
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert _held(loaded, "2026-02-28") == _schedule(
        (UNASSIGNED, "100.00"), ("CUS-1", "-40.00"), total="60.00"
    )
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("-4.00")
    assert _remeasured_on(loaded, "2026-02-28") == [
        _remeasured(UNASSIGNED, "2026-02-28", "9.00", "1.15"),
        _remeasured("CUS-1", "2026-02-28", "-4.00", "1.15"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "payee", ["", '"Acme" '], ids=["under no payee", "under the payee (a passing pin)"]
)
def test_a_payees_refund_after_its_nobodys_credits_were_moved_to_its_customer_is_the_customers(
    books: Books, payee: str
) -> None:
    # Acme's prepayment, nobody's: -100.00 EUR carried at -120.00 (1.20).
    # CUS-1 is billed under "Acme" on Feb 5. On Feb 10 the accountant moves
    # the 100.00 EUR to CUS-1 by hand, as the README says to: the debit out
    # of nobody's under no payee, the credit naming CUS-1, both at 1.20. A
    # transfer at the pool's one rate: nobody's holds 0.00 EUR, CUS-1's
    # -100.00 EUR carried at -120.00, nothing realized, no entry made.
    # The Feb 20 refund of 40.00 EUR at 1.25 names only "Acme". Acme put
    # 100.00 into nobody's, but the pool holds 0.00, less than 40.00: it is
    # CUS-1's, paid out of the 100.00 it was given.
    #   realized: 40.00 x 1.25 - 40.00 x 1.20 = 2.00, a loss, on CUS-1's;
    #   CUS-1's -60.00 EUR carried at -72.00;
    #   Feb 28 (1.15): CUS-1's -60.00 x 1.15 + 72.00 = 3.00, a gain;
    #   nobody's holds nothing: no entry.
    # The schedule on Feb 28: CUS-1 100.00 - 40.00 = 60.00, no (unassigned) row.
    # (c67968d read only what Acme put in: the refund paid back nobody's,
    # which held nothing, (unassigned) -40.00 beside CUS-1 100.00, the close
    # control failing.) Typed under "Acme", the transfer's debit is read by
    # its payee and pays back what Acme put in, so Acme holds 0.00 after it
    # and the refund is CUS-1's: the same figures, the rule's other branch.
    text = HEADER + PRICES + ACME_PREPAYS + CUS_1_BILLED
    text += f"""
2026-02-10 * {payee}"Acme's prepayment assigned to CUS-1"
  Liabilities:CustomerCredits  100.00 EUR @ 1.20 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
    customer: "CUS-1"
"""
    text += ACME_REFUNDED.format(euros="40.00", dollars="50.00")
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert _held(loaded, "2026-02-28") == _schedule(("CUS-1", "60.00"), total="60.00")
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert _remeasured_on(loaded, "2026-02-28") == [
        _remeasured("CUS-1", "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip


# CUS-1 is billed INV-1, 30.00 EUR at 1.20 (36.00 USD), under "Acme" on Feb
# 5. R-1, 70.00 EUR at 1.20 (84.00 USD) from "Acme" on Feb 6, names INV-1:
# 30.00 EUR pay it and the other 40.00 EUR, beyond the 1.00 tolerance, are
# parked in CUS-1's credits by the cash application at 1.20 (-48.00 USD).
CUS_1_OVERPAYS = """
2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-02-06 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  84.00 USD
  Liabilities:UnappliedCash  -70.00 EUR @ 1.20 USD
"""


def test_a_payees_refund_is_read_alike_by_the_matcher_and_the_reports_beside_a_parked_credit(
    books: Books,
) -> None:
    # Acme's prepayment, nobody's: 100.00 EUR at 1.20 (-120.00 USD), Jan 10.
    # CUS-1's only euros are R-1's over payment, 40.00 EUR parked by the
    # matcher on Feb 6 (`CUS_1_OVERPAYS`). On Feb 20 a refund of 40.00 EUR
    # at 1.25 (50.00 USD) names only "Acme", CUS-1's payee since Feb 5. On
    # Feb 25 INV-2, 40.00 EUR at 1.20 (48.00 USD), is billed to CUS-1.
    # Acme put 100.00 EUR into nobody's, the whole 40.00: the refund pays
    # nobody's back (`customer_credits.PayeeDebits`), for the matcher and
    # for the reports alike; CUS-1's pool is not read.
    #   The refund: 40.00 x 1.25 - 40.00 x 1.20 = 50.00 - 48.00 = 2.00
    #   realized, on "(unassigned)"; nobody's -60.00 EUR carried at -72.00.
    #   CUS-1's 40.00 EUR pay INV-2 on Feb 25, both at 1.20: 0.00 realized.
    #   Jan 31 (1.25): nobody's -100.00 x 1.25 + 120.00 = -5.00; Feb 28
    #   (1.15): -60.00 x 1.15 + 72.00 = 3.00; each reversed the next day.
    #   CUS-1 holds nothing at either month end: no entry.
    # The schedule on Feb 28: (unassigned) 100.00 - 40.00 = 60.00; CUS-1
    # 40.00 - 40.00 = 0.00, no row. Before, the refund was paid by the
    # customer's pool when it held the whole: the matcher read the pools
    # without R-1's parked credit, CUS-1 held nothing, so the refund was
    # nobody's and the credit paid INV-2; the rest of the plugin and the
    # reports read the credit, so the refund was CUS-1's: CUS-1 40.00 -
    # 40.00 - 40.00 = -40.00, (unassigned) 100.00, remeasured on Feb 28 by
    # -100.00 x 1.15 + 120.00 = 5.00 and CUS-1's by 40.00 x 1.15 - 48.00 = -2.00.
    text = (
        HEADER
        + PRICES
        + ACME_PREPAYS
        + CUS_1_OVERPAYS
        + ACME_REFUNDED.format(euros="40.00", dollars="50.00")
        + """
2026-02-25 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  40.00 EUR @ 1.20 USD
  Income:Revenue:Services  -48.00 USD
"""
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    made = generated(loaded.entries)
    [applied] = [e for e in made if e.meta.get("revclose_kind") == "customer-credit"]
    assert (str(applied.date), applied.meta["invoice"]) == ("2026-02-25", "INV-2")
    [own] = [e for e in made if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR paid out at 1.25 USD, carried at 48.00 USD"
    )
    assert units_total(postings_through(loaded.entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert remeasurements(loaded.entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip
    assert _held(loaded, "2026-02-28") == _schedule((UNASSIGNED, "60.00"), total="60.00")


# Acme prepays 600.00 USD on Jan 10, straight to credits under its payee (nobody's).
_ACME_PREPAID = """
2026-01-01 open Liabilities:CustomerCredits

2026-01-10 * "Acme" "Wire prepaying an order"
  Assets:Bank:Operating  600.00 USD
  Liabilities:CustomerCredits  -600.00 USD
"""

# BR-1's over payment refunded on Feb 20 under {payee}, naming it; then
# INV-2 30.00 (Feb 25) and INV-3 40.00 (Mar 2) billed to CUS-1 under "Acme".
_REFUNDED_THEN_BILLED = """
2026-02-20 * {payee}"Refund of BR-1's over payment"
  receipt: "BR-1"
  Liabilities:CustomerCredits  500.00 USD
  Assets:Bank:Operating  -500.00 USD

2026-02-25 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 USD
  Income:Revenue:Services  -30.00 USD

2026-03-02 * "Acme" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-1"
  Assets:AccountsReceivable  40.00 USD
  Income:Revenue:Services  -40.00 USD
"""

# Acme prepays 600.00 USD on Jan 10, straight to credits under its payee:
# no one is billed under "Acme" yet, so it is nobody's. CUS-1 is billed
# INV-1 49.00 under "Acme" on Feb 5. BR-1, 600.00 from "Acme" on Feb 6, is
# posted straight to INV-1 by the bank import: 551.00 over paid, moved to
# CUS-1's credit (`plugins.over_payments`, naming BR-1). On Feb 20 the bank
# refunds 500.00 of BR-1's over payment, typed naming BR-1 (`receipt`, the
# README's way to name the receipt a refund repays) under {payee}. INV-2
# 30.00 (Feb 25) and INV-3 40.00 (Mar 2) are billed to CUS-1 under "Acme".
STRAIGHT_REFUNDED = (
    _ACME_PREPAID
    + """
2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  49.00 USD
  Income:Revenue:Services  -49.00 USD

2026-02-06 * "Acme" "Wire BR-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Operating  600.00 USD
  Assets:AccountsReceivable  -600.00 USD
"""
    + _REFUNDED_THEN_BILLED
)


@pytest.mark.parametrize(
    "payee",
    ['"Acme" ', ""],
    ids=["under its payee (since ba865f3)", "under no payee (older)"],
)
def test_a_refund_naming_a_receipt_posted_straight_to_the_receivable_is_its_customers(
    books: Books, payee: str
) -> None:
    # The refund names BR-1, CUS-1's receipt: it is no refund "naming only
    # its payee" (the rule wants no customer and no receipt), and the
    # matcher reads it as a use of BR-1's credit (`typed_uses`, which knows
    # the receipts posted straight): BR-1's 551.00 - 500.00 = 51.00 are
    # left, 30.00 pay INV-2 on Feb 25 and 21.00 pay INV-3 on Mar 2 (INV-3
    # left 19.00 open). The schedule says the same (`Owner.receipt_of`
    # finds BR-1 posted straight to INV-1 of CUS-1):
    #   CUS-1: 551.00 - 500.00 - 30.00 - 21.00 = 0.00, no row;
    #   (unassigned): Acme's 600.00, untouched; total 600.00 = the account.
    # (Before, `Owner.receipt_of` knew only receipts in unapplied cash, so
    # BR-1 was not found and the refund was read by its payee. Under "Acme"
    # (CUS-1's payee since Feb 5) `PayeeDebits` found Acme put 600.00 into
    # nobody's, the whole 500.00: the refund paid back nobody's. Under no
    # payee it was nobody's outright. Either way the schedule showed
    # (unassigned) 600.00 - 500.00 = 100.00 and CUS-1 551.00 - 30.00 -
    # 21.00 = 500.00: 500.00 of credit the matcher had already spent, which
    # the credit-hold list netted against CUS-1's open 19.00. Before
    # ba865f3, under "Acme", the refund was CUS-1's by its payee: the right
    # figures, by luck.)
    text = STRAIGHT_REFUNDED.format(payee=payee)
    loaded = reporting.loaded(books, HEADER + text, {"ar.yaml": POLICY})
    applied = [
        (
            str(e.date),
            e.meta["invoice"],
            units_total([p for p in e.postings if p.account == CREDITS]),
        )
        for e in generated(loaded.entries)
        if e.meta.get("revclose_kind") == "customer-credit"
    ]
    assert applied == [
        ("2026-02-25", "INV-2", Decimal("30.00")),
        ("2026-03-02", "INV-3", Decimal("21.00")),
    ]
    assert _held(loaded, "2026-03-31") == _schedule(
        (UNASSIGNED, "600.00"), total="600.00", currency="USD"
    )


def test_nobodys_credits_assigned_to_a_customer_by_hand_take_their_carrying_amount(
    books: Books,
) -> None:
    # Acme's prepayment, nobody's, carried at -120.00 USD. On Feb 3, before
    # CUS-1 is first billed under "Acme" (Feb 5), a hand entry under the
    # payee "Acme" moves it to CUS-1 at the pool's rate: +100.00 EUR @ 1.20
    # out of nobody's (no one is billed under "Acme" on Feb 3), -100.00 EUR
    # @ 1.20 into CUS-1's (`customer` on the posting). The "(unassigned)"
    # pool is then empty at 0.00 USD; CUS-1's carries -100.00 EUR at
    # -120.00; nothing is realized.
    #   Jan 31 (1.25): nobody's, -100.00 x 1.25 + 120.00 = -5.00, reversed Feb 1;
    #   Feb 28 (1.15): CUS-1's, -100.00 x 1.15 + 120.00 = 5.00, reversed Mar 1.
    # Value: Jan 31 -120.00 - 5.00 = -125.00 = -100 x 1.25; Feb 28 -120.00
    # + 5.00 = -115.00 = -100 x 1.15. January is as it was sealed. (Passed
    # before too, with the hand entry on Feb 10 and no payee: it pins the
    # carrying amount moving with the euros.)
    january = PRICES + ACME_PREPAYS
    later = (
        """
2026-02-03 * "Acme" "Jan 10 prepayment assigned to CUS-1"
  Liabilities:CustomerCredits  100.00 EUR @ 1.20 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
    customer: "CUS-1"
"""
        + CUS_1_BILLED
    )
    _, entries = january_kept(books, january, later)
    assert remeasurements(entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "-5.00", "1.25"),
        *_month_end("CUS-1", "2026-02-28", "5.00", "1.15"),
    ]  # fmt: skip
    assert postings_through(entries, REALIZED, "2026-12-31") == []
    assert _value(entries, "2026-01-31") == Decimal("-125.00")
    assert _value(entries, "2026-02-28") == Decimal("-115.00")


# The books with the close controls, as `make close` runs them.
CLOSING = HEADER.replace(AR_PLUGIN, AR_PLUGIN + '\nplugin "plugins.close_controls" "close.yaml"')


def test_the_close_controls_pass_with_nobodys_credits_remeasured(books: Books) -> None:
    # January's close of Acme's prepayment, nobody's: the schedule shows
    # 100.00 EUR on the "(unassigned)" row (nobody's one pool in EUR, the
    # one the entries remeasure) and ties to the credits account's -100.00 EUR
    # (the remeasurement sub-account's -5.00 USD, -100.00 x 1.25 + 120.00,
    # is left out); no control reads "(unassigned)" or `^unassigned-credits`
    # as a customer, invoice or receipt, and the trial balance's USD still
    # balances. (Passed before too: it pins the close.)
    text = CLOSING + PRICES + ACME_PREPAYS
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY, "close.yaml": ""})
    built = package.build(loaded, datetime.date(2026, 1, 1), Thresholds())
    assert controls.failures(built.checks) == []
    assert _held(loaded, "2026-01-31") == _schedule((UNASSIGNED, "100.00"), total="100.00")
    held = units_total(postings_through(loaded.entries, CREDITS_REMEASURED, "2026-01-31"))
    assert held == Decimal("-5.00")


def test_nobodys_pool_overdrawn_by_a_refund_is_refilled_by_another_payers_prepayment(
    books: Books,
) -> None:
    # EUR 1.20 from Jan 1, 1.30 on Jan 31, 1.15 on Feb 28. On Jan 20 the
    # bank import types a refund of 40.00 EUR at 1.25 (50.00 USD) straight
    # to credits, naming no payee: nobody's, and nobody's pool holds
    # nothing, so it is overdrawn by 40.00 EUR at its own rate, +50.00.
    #   Jan 31 (1.30): 40.00 x 1.30 - 50.00 = 52.00 - 50.00 = 2.00: the
    #   euros over paid are worth more, a gain (the remeasurement account
    #   +2.00), reversed Feb 1. The schedule's "(unassigned)" row is -40.00
    #   EUR, and January's close fails its overdrawn control, naming it.
    # On Feb 10 Acme prepays 100.00 EUR at 1.20 (120.00 USD), nobody's: the
    # first 40.00 EUR take the overdraw out, received at 48.00 against
    # 50.00 carried: 2.00 realized, a loss; 60.00 EUR are open at -72.00.
    #   Feb 28 (1.15): -60.00 x 1.15 + 72.00 = -69.00 + 72.00 = 3.00, a
    #   gain, reversed Mar 1.
    # Value: Jan 31 50.00 + 2.00 = 52.00 = 40.00 x 1.30; Feb 28 -72.00 +
    # 3.00 = -69.00 = -60.00 x 1.15. (Passed before too: it pins the rule.)
    text = (
        """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.30 USD
2026-02-28 price EUR 1.15 USD
2026-01-01 open Liabilities:CustomerCredits
"""
        + refunded_by_bank_rule("2026-01-20", "40.00 EUR", "1.25")
        + prepays("2026-02-10", "Acme", "100.00 EUR", "1.20")
    )
    loaded = reporting.loaded(books, CLOSING + text, {"ar.yaml": POLICY, "close.yaml": ""})
    entries = loaded.entries
    assert remeasurements(entries) == [
        *_month_end(UNASSIGNED, "2026-01-31", "2.00", "1.30"),
        *_month_end(UNASSIGNED, "2026-02-28", "3.00", "1.15"),
    ]  # fmt: skip
    [own] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert own.narration == (
        "Exchange difference on (unassigned) EUR credits: "
        "40.00 EUR received at 1.20 USD, against an overdraw carried at 50.00 USD"
    )
    assert units_total(postings_through(entries, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert _value(entries, "2026-01-31") == Decimal("52.00")
    assert _value(entries, "2026-02-28") == Decimal("-69.00")
    assert _held(loaded, "2026-01-31") == _schedule((UNASSIGNED, "-40.00"), total="-40.00")
    built = package.build(loaded, datetime.date(2026, 1, 1), Thresholds())
    assert [(c.name, c.figure) for c in controls.failures(built.checks)] == [
        ("No customer credit is overdrawn, EUR", "overdrawn: (unassigned) -40.00")
    ]


def test_nobodys_credits_in_two_currencies_are_one_pool_each_and_the_close_ties(
    books: Books,
) -> None:
    # EUR 1.20 and GBP 1.40 from Jan 1; on Jan 31 EUR 1.25, GBP 1.30.
    # Acme prepays 100.00 EUR at 1.20 (120.00 USD) on Jan 10, Beta 100.00
    # GBP at 1.40 (140.00 USD) on Jan 11, both nobody's: two pools, one per
    # currency, both "(unassigned)". A refund of 40.00 EUR at 1.25 (50.00
    # USD) naming no payee on Jan 20 is the euro pool's: 50.00 - 40.00 x
    # 1.20 = 2.00 realized, a loss; the pound pool is left as it is.
    #   EUR, Jan 31: -60.00 x 1.25 + 72.00 = -75.00 + 72.00 = -3.00, a loss;
    #   GBP, Jan 31: -100.00 x 1.30 + 140.00 = -130.00 + 140.00 = 10.00, a
    #   gain; each reversed Feb 1, each linked `^unassigned-credits`.
    # The schedule: "(unassigned)" 60.00 EUR and 100.00 GBP, each tied to
    # the credits account; January's close controls all pass. (Passed
    # before too: it pins the rule.)
    text = (
        """
2026-01-01 price EUR 1.20 USD
2026-01-01 price GBP 1.40 USD
2026-01-31 price EUR 1.25 USD
2026-01-31 price GBP 1.30 USD
2026-01-01 open Liabilities:CustomerCredits
"""
        + prepays("2026-01-10", "Acme", "100.00 EUR", "1.20")
        + prepays("2026-01-11", "Beta", "100.00 GBP", "1.40")
        + refunded_by_bank_rule("2026-01-20", "40.00 EUR", "1.25")
    )
    loaded = reporting.loaded(books, CLOSING + text, {"ar.yaml": POLICY, "close.yaml": ""})
    entries = loaded.entries
    euros = _month_end(UNASSIGNED, "2026-01-31", "-3.00", "1.25")
    pounds = _month_end(UNASSIGNED, "2026-01-31", "10.00", "1.30", "GBP")
    assert remeasurements(entries) == [euros[0], pounds[0], euros[1], pounds[1]]
    made = [e for e in generated(entries) if "fx-remeasurement" in e.tags]
    assert {(tuple(e.links), e.meta["revclose_source"]) for e in made} == {
        (("unassigned-credits",), "(unassigned)")
    }
    assert units_total(postings_through(entries, REALIZED, "2026-01-31")) == Decimal("2.00")
    assert _held(loaded, "2026-01-31") == [
        ["(unassigned)", "", "EUR", Decimal("60.00")],
        ["(unassigned)", "", "GBP", Decimal("100.00")],
        ["Total", "", "EUR", Decimal("60.00")],
        ["Total", "", "GBP", Decimal("100.00")],
    ]
    built = package.build(loaded, datetime.date(2026, 1, 1), Thresholds())
    assert controls.failures(built.checks) == []


# A straight receipt paying invoices of two customers over pays one of them,
# and its over payment is that one's credit: a refund naming it is that
# customer's (from the review of ce6aaaa, rev21). The first test failed on
# ce6aaaa, which gave the receipt the customer of the first invoice it pays
# (`receipts.straight_receipts`, now read from `customer_credits.parked_by`);
# the pin of a refund naming BR-1 by its link alone passed (it failed on
# 17da150).
#
# Acme prepays 600.00 on Jan 10, nobody's (no one billed under "Acme").
# INV-0 30.00 to CUS-9 under "Beta" (Feb 4); INV-1 49.00 to CUS-1 under
# "Acme" (Feb 5). BR-1, 630.00 from "Acme" on Feb 6, is posted straight
# to both: 30.00 to INV-0 (paid exactly) and 600.00 to INV-1 (551.00
# over, moved to CUS-1's credit, naming BR-1). On Feb 20 500.00 of BR-1's
# over payment is refunded, naming BR-1. INV-2 30.00 (Feb 25) and INV-3
# 40.00 (Mar 2) are billed to CUS-1 under "Acme".
STRAIGHT_PAYING_TWO = (
    _ACME_PREPAID
    + """
2026-02-04 * "Beta" "Invoice INV-0" ^INV-0
  invoice: "INV-0"
  customer: "CUS-9"
  Assets:AccountsReceivable  30.00 USD
  Income:Revenue:Services  -30.00 USD

2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  49.00 USD
  Income:Revenue:Services  -49.00 USD

2026-02-06 * "Acme" "Wire BR-1"
  bank_reference: "BR-1"
  Assets:Bank:Operating  630.00 USD
  Assets:AccountsReceivable  -30.00 USD
    invoice: "INV-0"
  Assets:AccountsReceivable  -600.00 USD
    invoice: "INV-1"
"""
    + _REFUNDED_THEN_BILLED.format(payee='"Acme" ')
)


def test_a_refund_of_a_straight_receipt_paying_two_customers_is_the_over_paid_ones(
    books: Books,
) -> None:
    # BR-1's only over payment is INV-1's 600.00 - 49.00 = 551.00, CUS-1's
    # credit (the over-payment entry says customer CUS-1); INV-0 was paid
    # exactly, so CUS-9 never holds credit. The refund naming BR-1 pays
    # back that credit, and the matcher reads it so: CUS-1 551.00 - 500.00
    # = 51.00; INV-2 takes 30.00 on Feb 25, INV-3 the last 21.00 on Mar 2
    # (19.00 left open). Acme's prepayment stays nobody's, 600.00.
    # Schedule on Mar 31: (unassigned) 600.00; CUS-1 551.00 - 500.00 -
    # 30.00 - 21.00 = 0.00, no row; CUS-9 no row; total 600.00, the account.
    # Found: `straight_receipts` gives BR-1 the customer of the first
    # invoice it pays by (date, invoice id), INV-0's CUS-9, so the schedule
    # shows CUS-1 551.00 - 30.00 - 21.00 = 500.00 and CUS-9 -500.00, credit
    # the matcher already spent and a negative credit CUS-9 never had (new
    # in ce6aaaa; on 17da150 it read the refund by its payee: (unassigned)
    # 100.00 and CUS-1 500.00, older and wrong otherwise).
    loaded = reporting.loaded(books, HEADER + STRAIGHT_PAYING_TWO, {"ar.yaml": POLICY})
    applied = [
        (
            str(e.date),
            e.meta["invoice"],
            units_total([p for p in e.postings if p.account == CREDITS]),
        )
        for e in generated(loaded.entries)
        if e.meta.get("revclose_kind") == "customer-credit"
    ]
    assert applied == [
        ("2026-02-25", "INV-2", Decimal("30.00")),
        ("2026-03-02", "INV-3", Decimal("21.00")),
    ]
    assert _held(loaded, "2026-03-31") == [
        ["(unassigned)", "", "USD", Decimal("600.00")],
        ["Total", "", "USD", Decimal("600.00")],
    ]


def test_pin_a_refund_naming_a_straight_receipt_by_its_link_alone_is_its_customers(
    books: Books,
) -> None:
    # STRAIGHT_REFUNDED with the refund naming BR-1 only by its link ^BR-1:
    # as by `receipt`, CUS-1's 551.00 - 500.00 - 30.00 - 21.00 = 0.00, no
    # row; (unassigned) Acme's 600.00, untouched. (Passes: a pin.)
    naming = '"Refund of BR-1\'s over payment"\n  receipt: "BR-1"'
    text = STRAIGHT_REFUNDED.format(payee='"Acme" ')
    assert naming in text
    text = text.replace(naming, '"Refund of BR-1\'s over payment" ^BR-1')
    loaded = reporting.loaded(books, HEADER + text, {"ar.yaml": POLICY})
    assert _held(loaded, "2026-03-31") == [
        ["(unassigned)", "", "USD", Decimal("600.00")],
        ["Total", "", "USD", Decimal("600.00")],
    ]
