"""A later credit typed by hand to an invoice is read on its own day (AR).

A goodwill credit or an adjustment posted to the receivable naming an
invoice, with neither a receipt id nor a credit note's `credits`
(`plugins.credit_notes.credited_by_hand`), is read by the matcher on its own
day, like a receipt posted straight (`plugins.cash_application.credited_later`):
it lowers what is open of the invoice from its day on, and what it brings
beyond what is open then is the customer's credit (beyond the tolerance) or
a payment difference written off (within it), as a straight receipt's
excess is (`plugins.over_payments.InCalendar`). A receipt matched before it
pays what was open on its day, so a closed month is left as it was: each
January below is also loaded alone, and every entry dated in January must be
the same with the later month (`january_kept`). Before the rule the credit
was read before matching: it lowered what an earlier receipt paid, and
January's application moved (every test here but the partial worked
example, which only lowers what is left open, failed so).
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plugins import period_lock
from reports import receivables as receivables_report
from tests import conftest, reporting
from tests.conftest import Books, error_lines, generated, line_of
from tests.rated_books import EURO_INV_1, postings_through, units_total, usd_weight
from tests.test_ar_chargebacks import chargeback
from tests.test_ar_closed_months import BANK_FEE, CUSTOMER, JANUARY_END, january_kept
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    POLICY,
    REALIZED,
    UNAPPLIED,
    WRITE_OFF,
    applications,
    balance,
    credit_note,
    invoice,
    load,
    receipt,
    squeezed,
)

GOODWILL_OPENED = """
2026-01-01 open Expenses:Goodwill
"""
NAMING_INV_1 = '\n  invoice: "INV-1"' + CUSTOMER


def goodwill(date: str, amount: str, number: int = 1) -> str:
    """A goodwill credit typed by hand to an invoice: no receipt id, no `credits`."""
    return f"""
{date} * "Acme" "Goodwill credit" ^INV-{number}
  invoice: "INV-{number}"
  Expenses:Goodwill  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def _made(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    return [(day, text, squeezed(postings)) for day, text, postings in applications(entries)]


def _credit(text: str, amount: str) -> str:
    """The id of the goodwill credit of `amount` in the books: its file and line."""
    return f"main.beancount:{line_of(HEADER + text, f'Receivable  -{amount}')}"


def _receivable(
    entries: list[data.Directive], through: str = "9999-12-31", item: str | None = None
) -> Decimal:
    """The receivable's balance at the end of `through`, of one item if named."""
    total = Decimal(0)
    for entry in entries:
        if not isinstance(entry, data.Transaction) or str(entry.date) > through:
            continue
        for posting in entry.postings:
            units = posting.units
            named = (posting.meta or {}).get("invoice", entry.meta.get("invoice"))
            if posting.account != AR or units is None or units.number is None:
                continue
            if item is None or named == item:
                total += units.number
    return total


# INV-1 100.00 (Jan 5); R-1 100.00 naming only the customer on Jan 20 pays it
# by amount (open 100.00 that day). January, loaded alone: AR 0.00.
PAID_BY_AMOUNT = (
    GOODWILL_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
    + BANK_FEE
)
PAID_IN_JANUARY = (
    "2026-01-20",
    "Cash application INV-1 from R-1",
    [f"{UNAPPLIED} 100.00 USD", f"{AR} -100.00 USD"],
)


def test_worked_example_a_later_goodwill_credit_on_a_matched_invoice_is_the_customers_credit(
    books: Books,
) -> None:
    # A goodwill credit of 30.00 is typed to INV-1 on Feb 10
    # (Expenses:Goodwill 30.00 / AR -30.00). Read on its own day, it finds
    # INV-1 paid since Jan 20: open 0.00, so all 30.00 is beyond what is
    # open, more than the 1.00 tolerance, and is moved to customer credits
    # on Feb 10, located at the credit's line and named by it.
    #   AR: 100.00 - 100.00 - 30.00 + 30.00 = 0.00; credits -30.00.
    # (Before: the credit was read before matching, INV-1 was open 70.00 on
    # Jan 20, R-1 100.00 matched nothing, and January changed.)
    later = goodwill("2026-02-10", "30.00")
    _, both = january_kept(books, PAID_BY_AMOUNT, later)
    credit = _credit(PAID_BY_AMOUNT + later, "30.00")
    assert _made(both) == [
        PAID_IN_JANUARY,
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 30.00 USD", f"{CREDITS} -30.00 USD"],
        ),
    ]
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-30.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def test_the_credit_a_later_goodwill_credit_parks_pays_the_customers_next_invoice(
    books: Books,
) -> None:
    # As the worked example, and INV-2 30.00 billed to the same customer on
    # Feb 20: the 30.00 parked on Feb 10 pays it on Feb 20.
    #   AR: 0.00 (INV-1) + 30.00 - 30.00 (INV-2) = 0.00; credits -30.00 + 30.00 = 0.00.
    later = goodwill("2026-02-10", "30.00") + invoice(2, "2026-02-20", "30.00")
    _, both = january_kept(books, PAID_BY_AMOUNT, later)
    credit = _credit(PAID_BY_AMOUNT + later, "30.00")
    assert _made(both)[2:] == [
        (
            "2026-02-20",
            f"Customer credit from {credit} applied to INV-2",
            [f"{CREDITS} 30.00 USD", f"{AR} -30.00 USD"],
        ),
    ]
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_worked_example_a_later_goodwill_credit_lowers_what_is_left_open(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-1 60.00 naming INV-1 on Jan 20 pays 60.00 of
    # it: open 100.00 - 60.00 = 40.00 at Jan 31. The goodwill credit of
    # 30.00 on Feb 10 nets 30.00 of the 40.00 open: 10.00 open after it,
    # nothing over paid, nothing generated on Feb 10.
    january = (
        GOODWILL_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "60.00 USD", "R-1", NAMING_INV_1)
        + BANK_FEE
    )
    _, both = january_kept(books, january, goodwill("2026-02-10", "30.00"))
    assert _made(both) == [
        (
            "2026-01-20",
            "Cash application INV-1 from R-1",
            [f"{UNAPPLIED} 60.00 USD", f"{AR} -60.00 USD"],
        )
    ]
    assert _receivable(both, "2026-01-31") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("10.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_later_goodwill_credit_leaves_a_named_receipts_payment_alone(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-1 80.00 naming INV-1 on Jan 20 pays 80.00 of
    # it: open 20.00 at Jan 31. The goodwill credit of 30.00 on Feb 10 nets
    # the 20.00 open, and its other 30.00 - 20.00 = 10.00, beyond the 1.00
    # tolerance, is the customer's credit from Feb 10.
    #   AR: 100.00 - 80.00 - 30.00 + 10.00 = 0.00; credits -10.00.
    # (Before: INV-1 stayed open 70.00 from Jan 20 through the credit, so R-1
    # paid 70.00 and parked 10.00 in credits in January.)
    january = (
        GOODWILL_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "80.00 USD", "R-1", NAMING_INV_1)
        + BANK_FEE
    )
    later = goodwill("2026-02-10", "30.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "30.00")
    assert _made(both) == [
        (
            "2026-01-20",
            "Cash application INV-1 from R-1",
            [f"{UNAPPLIED} 80.00 USD", f"{AR} -80.00 USD"],
        ),
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
    ]
    assert _receivable(both, "2026-01-31") == Decimal("20.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")


def test_a_later_goodwill_credit_within_the_tolerance_is_a_payment_difference(
    books: Books,
) -> None:
    # R-1 pays INV-1 100.00 by amount on Jan 20 (as above); a goodwill credit
    # of 0.50 on Feb 10 over pays it by 0.50, within the 1.00 tolerance: the
    # 0.50 is written off on Feb 10 (a credit to the write-off account), as
    # a straight receipt's would be.
    #   AR: 100.00 - 100.00 - 0.50 + 0.50 = 0.00; write-offs -0.50; credits 0.00.
    # (Before: INV-1 was open 99.50 on Jan 20, and R-1 100.00 matched nothing.)
    later = goodwill("2026-02-10", "0.50")
    _, both = january_kept(books, PAID_BY_AMOUNT, later)
    credit = _credit(PAID_BY_AMOUNT + later, "0.50")
    assert _made(both) == [
        PAID_IN_JANUARY,
        (
            "2026-02-10",
            f"Payment difference of INV-1 from {credit} written off",
            [f"{WRITE_OFF} -0.50 USD", f"{AR} 0.50 USD"],
        ),
    ]
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, WRITE_OFF, "USD") == Decimal("-0.50")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


# The same in euros, USD functional: INV-1 100.00 EUR (Jan 5) at 1.20 is
# carried at 120.00 USD; R-1 100.00 EUR naming only the customer pays it by
# amount on Jan 20 (at 1.20: 120.00 USD cleared, nothing realized). EUR is
# 1.10 from Feb 1. January, loaded alone: AR 0.00 EUR, 0.00 USD.
PAID_BY_AMOUNT_IN_EUROS = (
    GOODWILL_OPENED
    + EURO_INV_1
    + """

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Euro  100.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD
"""
    + BANK_FEE
)


def _goodwill_in_euros(date: str, eur: str) -> str:
    """A goodwill credit in euros typed to INV-1 at 1.10, its own rate."""
    return f"""
{date} * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Expenses:Goodwill  {Decimal(eur) * Decimal("1.10"):.2f} USD
  Assets:AccountsReceivable  -{eur} EUR @ 1.10 USD
"""


# The goodwill credit of 30.00 EUR at 1.10 brought to INV-1's carrying rate
# (`plugins.derecognition`): 33.00 USD back, 36.00 USD out, 3.00 USD of loss.
_AT_CARRYING_RATE = (
    "2026-02-10",
    "Exchange difference on INV-1: settled at 1.10, carried at 1.20",
    [
        f"{AR} 30.00 EUR @ 1.10 USD",
        f"{AR} -30.00 EUR @ 1.20 USD",
        f"{REALIZED} 3.00 USD",
    ],
)


def test_worked_example_a_later_goodwill_credit_at_a_rate_is_the_customers_credit_at_it(
    books: Books,
) -> None:
    # A goodwill credit of 30.00 EUR typed to INV-1 on Feb 10 at 1.10
    # (Expenses:Goodwill 33.00 USD / AR -30.00 EUR @ 1.10 USD) is read on its
    # own day: INV-1 was paid on Jan 20, so all 30.00 EUR are beyond what is
    # open, more than the 1.00 EUR tolerance, and are moved to customer
    # credits on Feb 10 at INV-1's carrying rate, 1.20, on both legs (36.00
    # USD each way, nothing realized by the move). The credit's own 1.10 is
    # brought to the carrying rate as any typed posting at another rate is
    # (`plugins.derecognition`): 30.00 x (1.20 - 1.10) = 3.00 USD of loss.
    #   AR: 100.00 - 100.00 - 30.00 + 30.00 = 0.00 EUR; in USD 120.00 - 120.00
    #   - 33.00 + 33.00 - 36.00 + 36.00 = 0.00; credits -30.00 EUR (-36.00
    #   USD); realized 3.00 USD.
    # (Before: the credit was read before matching, INV-1 was open 70.00 EUR
    # on Jan 20, R-1 100.00 EUR matched nothing, and January changed.)
    later = _goodwill_in_euros("2026-02-10", "30.00")
    _, both = january_kept(books, PAID_BY_AMOUNT_IN_EUROS, later)
    credit = _credit(PAID_BY_AMOUNT_IN_EUROS + later, "30.00")
    assert _made(both) == [
        (
            "2026-01-20",
            "Cash application INV-1 from R-1",
            [f"{UNAPPLIED} 100.00 EUR @ 1.20 USD", f"{AR} -100.00 EUR @ 1.20 USD"],
        ),
        _AT_CARRYING_RATE,
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 30.00 EUR @ 1.20 USD", f"{CREDITS} -30.00 EUR @ 1.20 USD"],
        ),
    ]
    assert balance(both, AR, "EUR") == Decimal("0.00")
    assert usd_weight(postings_through(both, AR, "2026-02-28")) == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("-30.00")
    assert usd_weight(postings_through(both, CREDITS, "2026-02-28")) == Decimal("-36.00")
    assert balance(both, REALIZED, "USD") == Decimal("3.00")
    assert balance(both, UNAPPLIED, "EUR") == Decimal("0.00")


def test_the_credit_a_later_goodwill_credit_at_a_rate_parks_pays_the_next_invoice(
    books: Books,
) -> None:
    # As the worked example, and INV-2 30.00 EUR billed at 1.10 on Feb 20
    # (33.00 USD): the 30.00 EUR parked at 1.20 on Feb 10 pay it, the credit
    # out at 36.00 USD and INV-2 at 33.00 USD: 3.00 USD of gain, which undoes
    # the goodwill credit's 3.00 USD of loss.
    #   AR: 0.00 (INV-1) + 30.00 - 30.00 (INV-2) = 0.00 EUR; credits 0.00;
    #   realized 3.00 - 3.00 = 0.00 USD.
    later = (
        _goodwill_in_euros("2026-02-10", "30.00")
        + """
2026-02-20 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.10 USD
  Income:Revenue:Services  -33.00 USD
"""
    )
    _, both = january_kept(books, PAID_BY_AMOUNT_IN_EUROS, later)
    credit = _credit(PAID_BY_AMOUNT_IN_EUROS + later, "30.00")
    assert _made(both)[3:] == [
        (
            "2026-02-20",
            f"Customer credit from {credit} applied to INV-2",
            [
                f"{CREDITS} 30.00 EUR @ 1.20 USD",
                f"{AR} -30.00 EUR @ 1.10 USD",
                f"{REALIZED} -3.00 USD",
            ],
        ),
    ]
    assert balance(both, AR, "EUR") == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")
    assert balance(both, REALIZED, "USD") == Decimal("0.00")


def test_a_later_goodwill_credit_at_a_rate_within_the_tolerance_is_written_off_at_it(
    books: Books,
) -> None:
    # A goodwill credit of 0.50 EUR at 1.10 on Feb 10 (0.55 USD) finds INV-1
    # paid: it over pays it by 0.50 EUR, within the 1.00 EUR tolerance, so
    # the 0.50 EUR is written off on Feb 10 at INV-1's carrying rate, 1.20
    # (0.60 USD), as the matcher writes off what a named receipt over pays
    # of such an invoice. The credit's own 1.10 brought to 1.20: 0.50 x
    # 0.10 = 0.05 USD of loss.
    #   AR: 100.00 - 100.00 - 0.50 + 0.50 = 0.00 EUR; write-offs -0.50 EUR
    #   (-0.60 USD); credits 0.00.
    # (Before: INV-1 was open 99.50 EUR on Jan 20, and R-1 matched nothing.)
    later = _goodwill_in_euros("2026-02-10", "0.50")
    _, both = january_kept(books, PAID_BY_AMOUNT_IN_EUROS, later)
    credit = _credit(PAID_BY_AMOUNT_IN_EUROS + later, "0.50")
    assert _made(both)[1:] == [
        (
            "2026-02-10",
            _AT_CARRYING_RATE[1],
            [
                f"{AR} 0.50 EUR @ 1.10 USD",
                f"{AR} -0.50 EUR @ 1.20 USD",
                f"{REALIZED} 0.05 USD",
            ],
        ),
        (
            "2026-02-10",
            f"Payment difference of INV-1 from {credit} written off",
            [f"{WRITE_OFF} -0.50 EUR @ 1.20 USD", f"{AR} 0.50 EUR @ 1.20 USD"],
        ),
    ]
    assert _receivable(both, item="INV-1") == Decimal("0.00")
    assert balance(both, WRITE_OFF, "EUR") == Decimal("-0.50")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")


BAD_DEBT = "Expenses:BadDebt"
BAD_DEBT_OPENED = f"\n2026-01-01 open {BAD_DEBT}\n"


def _written_off(day: str, amount: str) -> str:
    """INV-1 written off as uncollectible by `amount` on `day`."""
    return f"""
{day} * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def _moved(entries: list[data.Directive]) -> list[data.Transaction]:
    """The entries that move what a credit typed by hand brings beyond what is open."""
    return [
        entry
        for entry in generated(entries)
        if str(entry.narration).startswith("Credit ")
        and str(entry.narration).endswith("moved to customer credit")
    ]


def test_two_credits_typed_on_one_day_are_settled_at_the_one_typed_last(books: Books) -> None:
    # INV-1 100.00 (Jan 5) is paid by amount by R-1 100.00 on Jan 20. On Feb
    # 10 two goodwill credits are typed to it, 20.00 then 10.00: nothing is
    # open, so 20.00 + 10.00 = 30.00 is beyond and moved to customer credits
    # in one entry, at the credit typed last (its file and line). Accounts
    # opened first put the two credits on either side of line 100: the
    # entry is at the second. (Before, found by the review of e9319e8, the
    # ids were compared as text, "main.beancount:95" > "main.beancount:100",
    # so the entry was at the first: which line won turned on how many
    # digits the line numbers had.)
    january = (
        GOODWILL_OPENED + f"\n2026-01-01 open {CREDITS}\n" + invoice(1, "2026-01-05", "100.00")
    )
    january += receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER) + BANK_FEE
    later = goodwill("2026-02-10", "20.00") + goodwill("2026-02-10", "10.00")
    padding = ""
    while line_of(HEADER + padding + january + later, "Receivable  -10.00") < 100:
        padding += f"\n2026-01-01 open Expenses:Pad{len(padding)}\n"
    text = padding + january + later
    first = line_of(HEADER + text, "Receivable  -20.00")
    second = line_of(HEADER + text, "Receivable  -10.00")
    assert first < 100 <= second  # the two credits straddle line 100
    entries, errors = load(books, text)
    assert errors == []
    [moved] = _moved(entries)
    assert moved.narration == (
        f"Credit main.beancount:{second} beyond what is open of INV-1 moved to customer credit"
    )
    assert moved.meta["lineno"] == second
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")


def test_a_write_off_after_a_later_goodwill_credit_leaves_the_credit_on_its_day(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) paid by amount by R-1 100.00 on Jan 20. A
    # goodwill credit of 30.00 typed to INV-1 on Feb 10 finds it paid: 30.00
    # to customer credits. 50.00 refunded to the customer typed to INV-1 on
    # Mar 10 opens it again by 50.00, and the credit pays 30.00 of it that
    # day (20.00 open), written off as uncollectible on Apr 1: bad debt
    # 20.00, AR 100.00 - 100.00 - 30.00 + 30.00 + 50.00 - 30.00 - 20.00 =
    # 0.00, credits -30.00 + 30.00 = 0.00, January as it was. A write-off
    # after the credit changes nothing of how the credit is read. (Before,
    # found by the review of e9319e8, any write-off of INV-1 had the credit
    # read before matching: INV-1 was open 70.00 on Jan 20, and R-1 100.00
    # matched nothing in January.)
    january = GOODWILL_OPENED + f"\n2026-01-01 open {BAD_DEBT}\n2026-01-01 open {CREDITS}\n"
    january += invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER) + BANK_FEE
    later = (
        goodwill("2026-02-10", "30.00")
        + f"""
2026-03-10 * "Acme" "Refund to the customer" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  50.00 USD
  Assets:Bank:Operating  -50.00 USD

2026-04-01 * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  20.00 USD
  Assets:AccountsReceivable  -20.00 USD
"""
    )
    alone, both = january_kept(books, january, later)
    assert [narration for _, narration, _ in applications(alone)] == [
        "Cash application INV-1 from R-1"
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("20.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


# INV-1 100.00 (Jan 5) paid by amount by R-1 100.00 on Jan 20 (open 100.00
# that day). January, loaded alone: AR 0.00.
PAID_BY_R1 = (
    BAD_DEBT_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
    + BANK_FEE
)


def test_a_chargeback_before_a_write_off_leaves_the_month_the_cash_paid_alone(
    books: Books,
) -> None:
    # All of R-1 charged back on Mar 1 (INV-1 open 100.00 again), and INV-1
    # written off as uncollectible on Apr 1: the matcher reads the write-off
    # on its day, so R-1 pays INV-1 on Jan 20 as January alone has it; the
    # chargeback takes it back on Mar 1, and INV-1, not yet written off on
    # that day, is read open again from Mar 1; the write-off writes off
    # those 100.00 on Apr 1.
    #   Bad debt 100.00; AR 100.00 - 100.00 + 100.00 - 100.00 = 0.00;
    #   unapplied cash 100.00 - 100.00 - 100.00 + 100.00 = 0.00.
    # (Before, the write-off was read before matching and the chargeback's
    # reopening only once cash was matched: INV-1 was open 0.00 from Jan 5,
    # R-1 matched nothing and January's application was gone. Found by the
    # review of e9319e8 with a goodwill credit between; the credit is not
    # needed.)
    later = chargeback("2026-03-01", "100.00") + _written_off("2026-04-01", "100.00")
    _, both = january_kept(books, PAID_BY_R1, later)
    assert _made(both) == [
        (
            "2026-01-20",
            "Cash application INV-1 from R-1",
            [f"{UNAPPLIED} 100.00 USD", f"{AR} -100.00 USD"],
        ),
        (
            "2026-03-01",
            "Chargeback of R-1 taken back from INV-1",
            [f"{AR} 100.00 USD", f"{UNAPPLIED} -100.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("100.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_part_chargeback_before_a_write_off_writes_off_what_it_opened(
    books: Books,
) -> None:
    # 40.00 of R-1 charged back on Mar 1: INV-1 is open 40.00 again from
    # Mar 1, and the 40.00 written off on Apr 1 writes off just that.
    #   Bad debt 40.00; AR 100.00 - 100.00 + 40.00 - 40.00 = 0.00;
    #   unapplied cash 100.00 - 100.00 - 40.00 + 40.00 = 0.00.
    # (Before, INV-1 was open 100.00 - 40.00 = 60.00 from Jan 5 and R-1
    # 100.00 no longer matched it by amount: January changed.)
    later = chargeback("2026-03-01", "40.00") + _written_off("2026-04-01", "40.00")
    _, both = january_kept(books, PAID_BY_R1, later)
    assert _made(both)[1:] == [
        (
            "2026-03-01",
            "Chargeback of R-1 taken back from INV-1",
            [f"{AR} 40.00 USD", f"{UNAPPLIED} -40.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


# INV-1 100.00 (Jan 5); R-0 60.00 naming it pays 60.00 on Jan 10 (open
# 40.00); the 40.00 left is written off as uncollectible on Jan 20 (bad debt
# 40.00, open 0.00).
PART_WRITTEN_OFF = (
    GOODWILL_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + receipt("2026-01-10", "60.00 USD", "R-0", NAMING_INV_1)
    + BAD_DEBT_OPENED
    + _written_off("2026-01-20", "40.00")
    + BANK_FEE
)


def _lowered(credit: str, amount: str) -> tuple[str, str, list[str]]:
    """What a credit typed by hand lowers of INV-1 written off, on Feb 10."""
    return (
        "2026-02-10",
        f"Credit {credit} applied to INV-1 written off",
        [f"{AR} {amount} USD", f"{BAD_DEBT} -{amount} USD"],
    )


def test_a_later_goodwill_credit_on_an_invoice_written_off_lowers_the_write_off(
    books: Books,
) -> None:
    # A goodwill credit of 30.00 on Feb 10 finds nothing open of INV-1 (R-0
    # paid 60.00, 40.00 written off): read on its own day, all 30.00 it
    # brings beyond what is open lowers what was written off, as a credit
    # note does: AR 30.00 / bad debt -30.00 at the credit's line, bad debt
    # 40.00 - 30.00 = 10.00, credits 0.00, January as it was.
    #   AR: 100.00 - 60.00 - 40.00 - 30.00 + 30.00 = 0.00.
    # (Before, the credit was read before matching: INV-1 stayed open 100.00
    # - 40.00 - 30.00 = 30.00 from Jan 10, so R-0 paid 30.00 and parked
    # 30.00 in credits in January.)
    later = goodwill("2026-02-10", "30.00")
    _, both = january_kept(books, PART_WRITTEN_OFF, later)
    credit = _credit(PART_WRITTEN_OFF + later, "30.00")
    assert _made(both)[1:] == [_lowered(credit, "30.00")]
    assert balance(both, BAD_DEBT, "USD") == Decimal("10.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


def test_a_goodwill_credit_beyond_what_is_written_off_parks_the_rest_in_credits(
    books: Books,
) -> None:
    # As above, with a goodwill credit of 50.00 on Feb 10: it finds nothing
    # open, lowers all 40.00 written off (bad debt 40.00 - 40.00 = 0.00), and
    # the other 50.00 - 40.00 = 10.00, beyond the 1.00 tolerance, is moved
    # to customer credits, both at the credit's line, January as it was.
    #   AR: 100.00 - 60.00 - 40.00 - 50.00 + 40.00 + 10.00 = 0.00; credits -10.00.
    later = goodwill("2026-02-10", "50.00")
    _, both = january_kept(books, PART_WRITTEN_OFF, later)
    credit = _credit(PART_WRITTEN_OFF + later, "50.00")
    assert _made(both)[1:] == [
        _lowered(credit, "40.00"),
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


def test_a_goodwill_credit_on_an_invoice_written_off_in_full_lowers_the_write_off(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5), all written off as uncollectible on Jan 20; a
    # goodwill credit of 30.00 on Feb 10 takes it to -30.00 on its typed
    # postings alone, all of it beyond what is open: it lowers what was
    # written off by 30.00, bad debt 100.00 - 30.00 = 70.00, AR 100.00 -
    # 100.00 - 30.00 + 30.00 = 0.00, and nothing is paid over. (Before, it
    # was an error: "Invoice 'INV-1' is paid 30.00 USD more than its total".)
    january = GOODWILL_OPENED + invoice(1, "2026-01-05", "100.00")
    january += BAD_DEBT_OPENED + _written_off("2026-01-20", "100.00") + BANK_FEE
    later = goodwill("2026-02-10", "30.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "30.00")
    assert _made(both) == [_lowered(credit, "30.00")]
    assert balance(both, BAD_DEBT, "USD") == Decimal("70.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


# INV-1 100.00 (Jan 5), all written off as uncollectible on Jan 20: bad
# debt 100.00, AR 0.00; customer credits opened, so a move to them is no
# error of its own.
WRITTEN_OFF_IN_JANUARY = (
    GOODWILL_OPENED
    + f"\n2026-01-01 open {CREDITS}\n"
    + BAD_DEBT_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + _written_off("2026-01-20", "100.00")
    + BANK_FEE
)


def _lowered_by(entries: list[data.Directive], credit: str) -> Decimal:
    """What the entries of the credit `credit` lowering INV-1's write-off debit INV-1, in all."""
    return sum(
        (
            conftest.number(posting)
            for entry in generated(entries)
            if entry.narration == f"Credit {credit} applied to INV-1 written off"
            for posting in entry.postings
            if posting.account == AR
        ),
        Decimal(0),
    )


def test_a_goodwill_credit_on_a_straight_receipts_day_lowers_the_write_off_too(
    books: Books,
) -> None:
    # On Feb 10 the customer settles: BR-1 20.00 posted straight to INV-1,
    # and a goodwill credit of 30.00 typed to INV-1 the same day. Nothing
    # is open (all 100.00 written off), so both bring all they post beyond
    # what is open: BR-1 recovers 20.00 of the write-off (cash), and the
    # credit lowers it by 30.00, as it does on a day without a straight
    # receipt (README "Credits typed by hand later"):
    #   bad debt 100.00 - 20.00 - 30.00 = 50.00; credits 0.00;
    #   AR 100.00 - 100.00 - 20.00 + 20.00 - 30.00 + 30.00 = 0.00.
    # The goodwill credit a day later (Feb 11) gives just these figures.
    # (Before, the day's excess was all the straight receipt's: "Over
    # payment of INV-1 from BR-1 moved to customer credit" of 30.00, more
    # than BR-1's own 20.00; bad debt 80.00, credits -30.00.)
    later = goodwill("2026-02-10", "30.00") + paid("2026-02-10", "20.00", "BR-1")
    _, both = january_kept(books, WRITTEN_OFF_IN_JANUARY, later)
    credit = _credit(WRITTEN_OFF_IN_JANUARY + later, "30.00")
    assert balance(both, BAD_DEBT, "USD") == Decimal("50.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert _lowered_by(both, credit) == Decimal("30.00")


def test_a_goodwill_credit_after_a_recovery_moves_what_is_beyond_to_credits(
    books: Books,
) -> None:
    # R-1 60.00 naming INV-1 on Feb 5 recovers 60.00 of the write-off and
    # pays INV-1 by as much (bad debt 40.00, open 0.00). A goodwill credit
    # of 50.00 on Feb 20 finds nothing open: it lowers the 40.00 still
    # written off (bad debt 0.00), and the other 50.00 - 40.00 = 10.00 is
    # beyond because cash paid INV-1 before the credit's day: beyond
    # the 1.00 tolerance, moved to customer credits on Feb 20, exactly as in
    # the example above where R-0 60.00 pays before the write-off of 40.00
    # (there: lowered 40.00, 10.00 to credits).
    #   AR: 100.00 - 100.00 + 60.00 - 60.00 - 50.00 + 40.00 + 10.00 = 0.00;
    #   bad debt 100.00 - 60.00 - 40.00 = 0.00; credits -10.00; no error.
    # (Before, the 10.00 was taken for what the typed postings alone over
    # pay: INV-1's postings while cash is matched, 100.00 - 100.00 - 50.00,
    # do not hold R-1's recovery, posted once cash is matched. It was left
    # on INV-1 and an error: "Invoice 'INV-1' is paid 10.00 USD more than
    # its total 100.00 USD".)
    later = receipt("2026-02-05", "60.00 USD", "R-1", NAMING_INV_1)
    later += goodwill("2026-02-20", "50.00")
    _, both = january_kept(books, WRITTEN_OFF_IN_JANUARY, later)
    credit = _credit(WRITTEN_OFF_IN_JANUARY + later, "50.00")
    assert _lowered_by(both, credit) == Decimal("40.00")
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


@pytest.mark.parametrize("reference", ["BR-1", "zz-1"])
def test_a_straight_receipt_recovering_all_it_brings_has_no_over_payment_beside(
    books: Books, reference: str
) -> None:
    # INV-1 100.00 written off in full on Jan 20. On Feb 10 BR-1 80.00 is
    # posted straight to it and a goodwill credit of 30.00 is typed to it:
    # nothing is open, so 80.00 + 30.00 = 110.00 is brought beyond, against
    # 100.00 still written off. On one day receipts take their turn before
    # credits typed by hand (`plugins.recoveries.Allocation`), whatever
    # their ids (the same with "zz-1" for "BR-1", the credit being named
    # "main.beancount:<line>"): BR-1 recovers all its 80.00; the credit
    # lowers the other 100.00 - 80.00 = 20.00; bad debt 100.00 - 80.00 -
    # 20.00 = 0.00. BR-1 brought 80.00 and recovered 80.00: it over pays
    # nothing. The 30.00 - 20.00 = 10.00 left is the credit's: the typed
    # postings alone, net of what was reversed of the write-off, leave
    # 100.00 - 100.00 - 80.00 + 80.00 - 30.00 + 20.00 = -10.00, so it is
    # no one's money (as with BR-1 a day earlier, Feb 9): left on INV-1 (AR
    # -10.00), an error at the posting after which INV-1 stays over paid
    # (`plugins.ar_controls.overpaid`), the credit's, the day's first (a
    # day's credits typed by hand are read before its receipts, whatever
    # their files and lines: `plugins.receivables.day_order`): -30.00,
    # -30.00 - 80.00 = -110.00, + 80.00 = -30.00 and + 20.00 = -10.00 after
    # each of the day's postings; credits 0.00. (Before, BR-1 was read first
    # as typed first, -80.00 after it, and the error was at its line.)
    # (Before, the 10.00 was moved as BR-1's over payment, 90.00 given to a
    # receipt of 80.00; with "zz-1" the credit went first by its id: it
    # lowered 30.00 and zz-1 recovered 70.00.)
    later = paid("2026-02-10", "80.00", reference) + goodwill("2026-02-10", "30.00")
    entries, errors = load(books, WRITTEN_OFF_IN_JANUARY + later)
    credit = _credit(WRITTEN_OFF_IN_JANUARY + later, "30.00")
    assert sorted(_made(entries)) == [
        (
            "2026-02-10",
            f"Credit {credit} applied to INV-1 written off",
            [f"{AR} 20.00 USD", f"{BAD_DEBT} -20.00 USD"],
        ),
        (
            "2026-02-10",
            f"Recovery of INV-1 written off, from {reference}",
            [f"{AR} 80.00 USD", f"{BAD_DEBT} -80.00 USD"],
        ),
    ]
    over = line_of(HEADER + WRITTEN_OFF_IN_JANUARY + later, "Receivable  -30.00")
    assert error_lines(errors) == [
        (
            over,
            "Invoice 'INV-1' is paid 10.00 USD more than its total 100.00 USD; expected at "
            "most the tolerance 1.00 USD",
        )
    ]
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("-10.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_credit_on_a_straight_receipts_day_moves_its_own_excess(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-0 50.00 naming it pays 50.00 on Jan 10; the
    # 40.00 left is written off on Jan 20 (bad debt 40.00), leaving 10.00
    # open. On Feb 5 BR-1 30.00 is posted straight to INV-1 and a goodwill
    # credit of 30.00 is typed to it. R-0's cash is matched first, so on Feb
    # 5 INV-1 is paid over by 100.00 - 50.00 - 40.00 - 30.00 - 30.00 =
    # -50.00. The receipt goes first: BR-1 pays the 10.00 open and brings
    # 20.00 beyond, which it recovers (bad debt 20.00); the credit, last,
    # brings all its 30.00 beyond: it lowers the 20.00 still written off
    # (bad debt 0.00), and its other 10.00, beyond the 1.00 tolerance, is
    # its own excess: the typed postings alone leave 100.00 - 40.00 - 30.00
    # + 20.00 - 30.00 + 20.00 = 40.00, nothing over (R-0's cash made it),
    # so it is moved to customer credits at the credit's line.
    #   AR: 100.00 - 50.00 - 40.00 - 30.00 + 20.00 - 30.00 + 20.00 + 10.00
    #   = 0.00; credits -10.00; BR-1 gives 10.00 + 20.00 = 30.00, all it brought.
    # (Before, the day's 50.00 was all taken for BR-1 first: it recovered
    # 30.00 and moved 10.00 as its over payment, 50.00 for a receipt of
    # 30.00, and the credit lowered 10.00.)
    january = (
        GOODWILL_OPENED
        + f"\n2026-01-01 open {CREDITS}\n"
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-10", "50.00 USD", "R-0", NAMING_INV_1)
        + BAD_DEBT_OPENED
        + _written_off("2026-01-20", "40.00")
        + BANK_FEE
    )
    later = goodwill("2026-02-05", "30.00") + paid("2026-02-05", "30.00", "BR-1")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "30.00")
    assert sorted(_made(both)[1:]) == [
        (
            "2026-02-05",
            f"Credit {credit} applied to INV-1 written off",
            [f"{AR} 20.00 USD", f"{BAD_DEBT} -20.00 USD"],
        ),
        (
            "2026-02-05",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
        (
            "2026-02-05",
            "Recovery of INV-1 written off, from BR-1",
            [f"{AR} 20.00 USD", f"{BAD_DEBT} -20.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


# PART_WRITTEN_OFF with customer credits opened, and all of R-0 charged back
# on Mar 1: the take-back opens INV-1 again by the 60.00 R-0 paid (bad debt
# still 40.00), posted to INV-1 on Mar 1 before cash is matched in the
# next reading (`plugins.chargebacks.Charged.in_calendar`), written off
# before the chargeback's day or not.
CHARGED_BACK_AFTER_WRITE_OFF = PART_WRITTEN_OFF + f"\n2026-01-01 open {CREDITS}\n"
R_0_CHARGED_BACK = chargeback("2026-03-01", "60.00", "R-0")


def test_a_credit_after_a_chargeback_of_an_invoice_written_off_pays_what_it_opened(
    books: Books,
) -> None:
    # A goodwill credit of 30.00 on Apr 10 finds 60.00 open and pays 30.00
    # of it: nothing beyond what is open, so nothing lowers the write-off.
    #   AR: 100.00 - 60.00 - 40.00 + 60.00 - 30.00 = 30.00; bad debt 40.00.
    # (Before, the take-back was posted only once cash was matched, so on
    # Apr 10 the calendar found INV-1 over paid and the credit lowered the
    # write-off by 30.00: bad debt 10.00, and INV-1 stayed open 60.00 after
    # a credit of 30.00.)
    later = R_0_CHARGED_BACK + goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert _made(both)[1:] == [
        (
            "2026-03-01",
            "Chargeback of R-0 taken back from INV-1",
            [f"{AR} 60.00 USD", f"{UNAPPLIED} -60.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_receipt_after_a_chargeback_of_an_invoice_written_off_pays_what_it_opened(
    books: Books,
) -> None:
    # R-2 30.00 naming INV-1 on Apr 10, in unapplied cash, finds 60.00 open
    # and pays 30.00 of it; nothing is recovered.
    #   AR: 100.00 - 60.00 - 40.00 + 60.00 - 30.00 = 30.00; bad debt 40.00;
    #   unapplied cash 60.00 - 60.00 - 60.00 + 60.00 + 30.00 - 30.00 = 0.00.
    # (Before, INV-1 was not open on Apr 10: R-2 recovered 30.00 of the
    # write-off and paid that, bad debt 10.00, INV-1 open 60.00.)
    later = R_0_CHARGED_BACK + receipt("2026-04-10", "30.00 USD", "R-2", NAMING_INV_1)
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert _made(both)[2:] == [
        (
            "2026-04-10",
            "Cash application INV-1 from R-2",
            [f"{UNAPPLIED} 30.00 USD", f"{AR} -30.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def test_a_straight_receipt_after_a_chargeback_of_an_invoice_written_off_pays_first(
    books: Books,
) -> None:
    # BR-2 70.00 posted straight to INV-1 on Apr 10 finds 60.00 open: it
    # pays them and brings 10.00 beyond, which recovers 10.00 of the 40.00
    # written off.
    #   AR: 100.00 - 60.00 - 40.00 + 60.00 - 70.00 + 10.00 = 0.00;
    #   bad debt 40.00 - 10.00 = 30.00; credits 0.00.
    # (Before, BR-2 was read before matching with INV-1 written off: INV-1
    # was open 100.00 - 40.00 - 70.00 = -10.00 for R-0, so January lost
    # R-0's application; BR-2 recovered 40.00 and moved 30.00 to credits.)
    later = R_0_CHARGED_BACK + paid("2026-04-10", "70.00", "BR-2")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert _made(both)[2:] == [
        (
            "2026-04-10",
            "Recovery of INV-1 written off, from BR-2",
            [f"{AR} 10.00 USD", f"{BAD_DEBT} -10.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("30.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_credit_after_a_chargeback_of_a_recovery_moves_no_cash_that_is_gone(
    books: Books,
) -> None:
    # INV-1 100.00 written off in full on Jan 20 (bad debt 100.00). R-1 60.00
    # naming it on Feb 5 recovers 60.00 (bad debt 40.00) and pays INV-1. All
    # of R-1 is charged back on Mar 1: the take-back opens INV-1 by 60.00
    # and writes the 60.00 recovered off again (bad debt 100.00, INV-1 open
    # 0.00). A goodwill credit of 120.00 on Apr 10 finds nothing open and
    # lowers all 100.00 still written off (bad debt 0.00); the other 20.00
    # is what the typed postings alone over pay, 100.00 - 100.00 - 120.00 +
    # 100.00 = -20.00: no cash of the customer's made it over (R-1's went
    # back), so it stays on INV-1, an error at its line, and credits hold 0.00.
    #   AR: 100.00 - 100.00 + 60.00 - 60.00 + 60.00 - 60.00 - 120.00 +
    #   100.00 = -20.00.
    # Without the chargeback, R-1's cash made it over: the credit lowers
    # the 40.00 left and moves 120.00 - 40.00 - 20.00 = 60.00 to credits,
    # the 20.00 still an error.
    # (Before, the 20.00 was moved to customer credits, as if R-1's 60.00
    # still paid INV-1: what receipts in unapplied cash recovered,
    # `plugins.recoveries.Recovering.recovered`, was not lowered by what a
    # chargeback wrote off again, and once the customer's cash was matched
    # again the recovery posted to INV-1 was counted by
    # `plugins.over_payments._left_by_typed`, its reversal not.)
    later = receipt("2026-02-05", "60.00 USD", "R-1", NAMING_INV_1)
    later += chargeback("2026-03-01", "60.00", "R-1") + goodwill("2026-04-10", "120.00")
    entries, errors = load(books, WRITTEN_OFF_IN_JANUARY + later)
    credit = _credit(WRITTEN_OFF_IN_JANUARY + later, "120.00")
    assert error_lines(errors) == [_paid_over(WRITTEN_OFF_IN_JANUARY + later, "120.00", "20.00")]
    assert _lowered_by(entries, credit) == Decimal("100.00")
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("-20.00")


# INV-1 100.00 (Jan 5), 40.00 of it written off as uncollectible on Jan 20
# (open 60.00, bad debt 40.00). R-1 80.00 naming it on Feb 5 pays the 60.00
# open and recovers 20.00 of the write-off in one application (bad debt
# 20.00, open 0.00).
RECOVERED_IN_FEBRUARY = (
    GOODWILL_OPENED
    + f"\n2026-01-01 open {CREDITS}\n"
    + BAD_DEBT_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + _written_off("2026-01-20", "40.00")
    + BANK_FEE
)
R_1_RECOVERS = receipt("2026-02-05", "80.00 USD", "R-1", NAMING_INV_1)


def test_a_credit_after_a_chargeback_of_cash_that_paid_and_recovered_pays_what_it_opened(
    books: Books,
) -> None:
    # All of R-1 charged back on Mar 1: the take-back opens INV-1 by 80.00
    # and writes the 20.00 recovered off again, so 60.00 is open from Mar 1
    # (bad debt 40.00). A goodwill credit of 30.00 on Apr 10 pays 30.00 of
    # the 60.00 open: nothing beyond what is open, nothing lowered.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 - 30.00 = 30.00;
    #   bad debt 40.00 - 20.00 + 20.00 = 40.00; credits 0.00.
    # (Before, a take-back that wrote anything off again was read only once
    # cash was matched, so on Apr 10 the calendar found INV-1 paid and the
    # credit lowered the write-off by 30.00: bad debt 10.00, AR 60.00.)
    later = (
        R_1_RECOVERS + chargeback("2026-03-01", "80.00", "R-1") + goodwill("2026-04-10", "30.00")
    )
    _, both = january_kept(books, RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_credit_after_a_part_chargeback_of_cash_that_recovered_pays_first(
    books: Books,
) -> None:
    # 30.00 of R-1 charged back on Mar 1 reopens 30.00 of the 80.00 its
    # application cleared and writes off again 20.00 x 30.00 / 80.00 = 7.50
    # of what it recovered: 22.50 open from Mar 1, bad debt 27.50. A goodwill
    # credit of 30.00 on Apr 10 pays the 22.50 open and lowers the write-off
    # by the 7.50 beyond.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 30.00 - 7.50 - 30.00 + 7.50 = 0.00;
    #   bad debt 40.00 - 20.00 + 7.50 - 7.50 = 20.00; credits 0.00.
    # (Before, the credit found INV-1 paid on Apr 10 and lowered the write-off
    # by 27.50 (all of it), the other 2.50 beyond.)
    later = (
        R_1_RECOVERS + chargeback("2026-03-01", "30.00", "R-1") + goodwill("2026-04-10", "30.00")
    )
    _, both = january_kept(books, RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("20.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_receipt_after_a_chargeback_of_cash_that_paid_and_recovered_pays_what_it_opened(
    books: Books,
) -> None:
    # As the first case, with R-2 30.00 naming INV-1 on Apr 10 in unapplied
    # cash: it pays 30.00 of the 60.00 open and recovers nothing.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 - 30.00 = 30.00;
    #   bad debt 40.00; unapplied cash 80.00 - 80.00 - 80.00 + 80.00 + 30.00
    #   - 30.00 = 0.00.
    later = R_1_RECOVERS + chargeback("2026-03-01", "80.00", "R-1")
    later += receipt("2026-04-10", "30.00 USD", "R-2", NAMING_INV_1)
    _, both = january_kept(books, RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def test_a_second_chargeback_of_cash_that_recovered_leaves_a_credit_to_pay_both(
    books: Books,
) -> None:
    # 30.00 of R-1 charged back on Mar 1 reopens 30.00 and writes off again
    # 20.00 x 30.00 / 80.00 = 7.50: 22.50 open. The other 50.00 charged back
    # on Mar 15 reopens 50.00 and writes off again 20.00 x 80.00 / 80.00 -
    # 7.50 = 12.50: 37.50 more, 60.00 open from Mar 15, bad debt 40.00 -
    # 20.00 + 7.50 + 12.50 = 40.00. A goodwill credit of 30.00 on Apr 10 pays
    # 30.00 of the 60.00 open: nothing lowered.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 30.00 - 7.50 + 50.00 - 12.50 -
    #   30.00 = 30.00; bad debt 40.00; credits 0.00.
    # (Before, the second debit waited for the second round of
    # `plugins.chargebacks.Charging` behind the first, and what it left open,
    # posted before matching, was taken off before the first round: when the
    # customer's credits were applied again the credit found only the first
    # take-back's 22.50 open, paid them and lowered the write-off by 7.50:
    # bad debt 32.50, AR 37.50.)
    later = R_1_RECOVERS + chargeback("2026-03-01", "30.00", "R-1")
    later += chargeback("2026-03-15", "50.00", "R-1") + goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_second_chargeback_of_plain_cash_leaves_a_credit_to_pay_both(books: Books) -> None:
    # R-0 60.00 paid INV-1 100.00 on Jan 10 and 40.00 was written off on Jan
    # 20 (CHARGED_BACK_AFTER_WRITE_OFF). 20.00 of R-0 charged back on Mar 1
    # and the other 40.00 on Mar 15 open INV-1 by 60.00 from Mar 15. A
    # goodwill credit of 30.00 on Apr 10 pays 30.00 of them.
    #   AR: 100.00 - 60.00 - 40.00 + 20.00 + 40.00 - 30.00 = 30.00; bad debt
    #   40.00.
    # (Before, as above, with no recovery: the credit found only the first
    # take-back's 20.00 open, paid them and lowered the write-off by 10.00:
    # bad debt 30.00, AR 40.00.)
    later = chargeback("2026-03-01", "20.00", "R-0") + chargeback("2026-03-15", "40.00", "R-0")
    later += goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")


def test_a_chargeback_of_a_repayment_that_recovered_again_leaves_the_credit_to_pay_it(
    books: Books,
) -> None:
    # All of R-1 charged back on Mar 1: 60.00 open, bad debt 40.00 (as in
    # the first case above). R-2 90.00 naming INV-1 on Apr 10 pays the 60.00
    # open and recovers 30.00 (bad debt 10.00); all of R-2 charged back on
    # May 1 reopens 90.00 and writes off again 30.00: 60.00 open from May 1,
    # bad debt 40.00. A goodwill credit of 30.00 on Jun 10 pays 30.00 of them.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 + 30.00 - 90.00 +
    #   90.00 - 30.00 - 30.00 = 30.00; bad debt 40.00 - 20.00 + 20.00 - 30.00
    #   + 30.00 = 40.00; unapplied cash 80.00 - 80.00 - 80.00 + 80.00 + 90.00
    #   - 90.00 - 90.00 + 90.00 = 0.00.
    # (Before, R-2's debit waited behind R-1's, and the credit found INV-1
    # paid on Jun 10 and lowered the write-off by 30.00: bad debt 10.00, AR
    # 60.00.)
    later = R_1_RECOVERS + chargeback("2026-03-01", "80.00", "R-1")
    later += receipt("2026-04-10", "90.00 USD", "R-2", NAMING_INV_1)
    later += chargeback("2026-05-01", "90.00", "R-2") + goodwill("2026-06-10", "30.00")
    _, both = january_kept(books, RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def test_a_chargeback_of_a_plain_repayment_leaves_the_credit_to_pay_it(books: Books) -> None:
    # R-0 60.00 paid INV-1 on Jan 10, 40.00 written off on Jan 20; all of R-0
    # charged back on Mar 1 (60.00 open); R-2 60.00 naming INV-1 pays them on
    # Apr 10; all of R-2 charged back on May 1 (60.00 open again). A goodwill
    # credit of 30.00 on Jun 10 pays 30.00 of them.
    #   AR: 100.00 - 60.00 - 40.00 + 60.00 - 60.00 + 60.00 - 30.00 = 30.00;
    #   bad debt 40.00.
    # (Before, as above: bad debt 10.00, AR 60.00.)
    later = chargeback("2026-03-01", "60.00", "R-0")
    later += receipt("2026-04-10", "60.00 USD", "R-2", NAMING_INV_1)
    later += chargeback("2026-05-01", "60.00", "R-2") + goodwill("2026-06-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")


def test_a_recovery_charged_back_in_a_closed_month_is_open_for_a_later_credit(
    books: Books,
) -> None:
    # INV-1 100.00, 40.00 written off on Jan 20; R-1 80.00 naming it on Jan
    # 25 pays 60.00 and recovers 20.00; all of R-1 charged back on Jan 28:
    # 80.00 - 20.00 = 60.00 open from Jan 28, bad debt 40.00, January closed
    # so. A goodwill credit of 30.00 on Feb 10 pays 30.00 of the 60.00 open
    # and leaves January as it was.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 - 30.00 = 30.00;
    #   bad debt 40.00.
    # (Before the take-back was posted before matching less what it wrote
    # off again, the credit found INV-1 paid on Feb 10 and lowered the
    # write-off by 30.00: bad debt 10.00, AR 60.00.)
    january = RECOVERED_IN_FEBRUARY + receipt("2026-01-25", "80.00 USD", "R-1", NAMING_INV_1)
    january += chargeback("2026-01-28", "80.00", "R-1")
    alone, both = january_kept(books, january, goodwill("2026-02-10", "30.00"))
    assert balance(alone, AR, "USD") == Decimal("60.00")
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


# INV-1 100.00 EUR at 1.20 (120.00 USD, Jan 5); 40.00 EUR written off as
# uncollectible on Jan 20 at 1.20 (bad debt 48.00 USD; open 60.00 EUR). R-1
# 80.00 EUR at 1.10 (88.00 USD) naming INV-1 on Feb 5 pays the 60.00 EUR open
# and recovers 20.00 EUR of the write-off at its rate, 1.20 (bad debt 48.00 -
# 24.00 = 24.00 USD); its 80.00 EUR clear INV-1 at 1.20 (96.00 USD) for 88.00
# USD of cash: 8.00 USD of loss realized.
EURO_RECOVERED_IN_FEBRUARY = (
    EURO_INV_1
    + f"""
2026-01-01 open {BAD_DEBT}
2026-01-01 open Expenses:Goodwill

2026-01-20 * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  {BAD_DEBT}  48.00 USD
  Assets:AccountsReceivable  -40.00 EUR @ 1.20 USD

2026-02-05 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  80.00 EUR @ 1.10 USD
  Liabilities:UnappliedCash  -80.00 EUR @ 1.10 USD
"""
    + BANK_FEE
)


def _euro_chargeback(date: str, eur: str) -> str:
    """`eur` of R-1 charged back at 1.10, its own rate."""
    return f"""
{date} * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Euro  -{eur} EUR @ 1.10 USD
  Liabilities:UnappliedCash  {eur} EUR @ 1.10 USD
"""


def test_a_credit_after_a_chargeback_of_a_recovery_at_rates_pays_what_it_opened(
    books: Books,
) -> None:
    # All of R-1 (80.00 EUR at 1.10) charged back on Mar 1: INV-1 opens by
    # 80.00 EUR at 1.20 (96.00 USD), 8.00 USD of loss reversed, and the 20.00
    # EUR recovered are written off again at 1.20 (24.00 USD): 60.00 EUR open
    # from Mar 1. A goodwill credit of 30.00 EUR at 1.10 (33.00 USD) on Apr
    # 10 pays 30.00 of them, brought to the carrying rate (3.00 USD of loss);
    # nothing is lowered of the write-off.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 - 30.00 = 30.00 EUR,
    #   in USD 120.00 - 48.00 + 24.00 - 96.00 + 96.00 - 24.00 - 33.00 + 33.00
    #   - 36.00 = 36.00; bad debt 48.00 - 24.00 + 24.00 = 48.00 USD; realized
    #   8.00 - 8.00 + 3.00 = 3.00 USD; credits 0.00 EUR.
    # (Before the take-back was posted before matching less what it wrote
    # off again, the credit found INV-1 paid on Apr 10 and lowered the
    # write-off by 30.00 EUR at 1.20 (36.00 USD): bad debt 12.00 USD, AR
    # 60.00 EUR.)
    later = _euro_chargeback("2026-03-01", "80.00") + _goodwill_in_euros("2026-04-10", "30.00")
    _, both = january_kept(books, EURO_RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("48.00")
    assert balance(both, AR, "EUR") == Decimal("30.00")
    assert usd_weight(postings_through(both, AR, "2026-04-10")) == Decimal("36.00")
    assert units_total(postings_through(both, REALIZED, "2026-04-10"), "USD") == Decimal("3.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")


def test_a_credit_after_a_part_chargeback_of_a_recovery_at_rates_pays_first(
    books: Books,
) -> None:
    # 30.00 EUR of R-1 charged back on Mar 1 reopens 30.00 EUR and writes off
    # again 20.00 x 30.00 / 80.00 = 7.50 EUR at 1.20 (9.00 USD): 22.50 EUR
    # open from Mar 1, bad debt 24.00 + 9.00 = 33.00 USD. A goodwill credit
    # of 30.00 EUR on Apr 10 pays the 22.50 EUR open and lowers the
    # write-off by the 7.50 EUR beyond, at the write-off's rate (9.00 USD).
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 30.00 - 7.50 - 30.00 + 7.50 = 0.00
    #   EUR; bad debt 48.00 - 24.00 + 9.00 - 9.00 = 24.00 USD; credits 0.00.
    # (Before, as above, the credit found INV-1 paid and lowered all 27.50
    # EUR still written off (33.00 USD): bad debt 0.00 USD, AR 20.00 EUR.)
    later = _euro_chargeback("2026-03-01", "30.00") + _goodwill_in_euros("2026-04-10", "30.00")
    _, both = january_kept(books, EURO_RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("24.00")
    assert balance(both, AR, "EUR") == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")


def test_the_statement_shows_a_goodwill_credit_lowering_a_write_off(books: Books) -> None:
    # The example above on CUS-1's statement for February: it opens at 0.00
    # (billed 100.00, written off 100.00 in January); the goodwill credit is
    # an adjustment crediting 30.00 (-30.00), and what it lowers of the
    # write-off a charge of 30.00 under INV-1, "write-off lowered" (no cash
    # moves, as for a credit note): 0.00 - 30.00 + 30.00 = 0.00 at
    # February's end. (Before, the statement closed at -30.00, the error
    # beside it.)
    january = GOODWILL_OPENED + invoice(1, "2026-01-05", "100.00")
    january += BAD_DEBT_OPENED + _written_off("2026-01-20", "100.00") + BANK_FEE
    later = goodwill("2026-02-10", "30.00")
    loaded = reporting.loaded(books, HEADER + january + later, {"ar.yaml": POLICY})
    table = receivables_report.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    )
    credit = _credit(january + later, "30.00")
    D, day = Decimal, datetime.date(2026, 2, 10)
    assert [tuple(row) for row in table.rows] == [
        (datetime.date(2026, 2, 1), "USD", "", "", "Opening balance", None, None, D("0.00")),
        (day, "USD", "INV-1", "adjustment", "Goodwill credit", None, D("30.00"), D("-30.00")),
        (day, "USD", "INV-1", "write-off lowered", f"Credit {credit} applied to INV-1 written off",
         D("30.00"), None, D("0.00")),
        (datetime.date(2026, 2, 28), "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip


def test_a_goodwill_credit_at_a_rate_lowers_a_write_off_at_its_rate(books: Books) -> None:
    # In euros, USD functional: INV-1 100.00 EUR at 1.20 (120.00 USD); R-0
    # 60.00 EUR naming it on Jan 10 pays 60.00 EUR (72.00 USD); the 40.00
    # EUR left written off on Jan 20 at 1.20 (bad debt 48.00 USD). A
    # goodwill credit of 50.00 EUR typed at 1.10 on Feb 10 (55.00 USD) is
    # brought to the carrying rate, 50.00 x (1.20 - 1.10) = 5.00 USD of
    # loss; it finds nothing open, lowers all 40.00 EUR written off at 1.20
    # (AR 40.00 EUR @ 1.20 / bad debt -48.00 USD, bad debt 0.00), and the
    # other 10.00 EUR is moved to credits at 1.20 (12.00 USD).
    #   AR: 100.00 - 60.00 - 40.00 - 50.00 + 50.00 - 50.00 + 40.00 + 10.00
    #   = 0.00 EUR; in USD 120.00 - 72.00 - 48.00 - 55.00 + 55.00 - 60.00 +
    #   48.00 + 12.00 = 0.00.
    january = GOODWILL_OPENED + EURO_INV_1 + BAD_DEBT_OPENED
    january += """
2026-01-10 * "Acme" "Wire"
  receipt: "R-0"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Euro  60.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -60.00 EUR @ 1.20 USD

2026-01-20 * "Acme" "INV-1 uncollectible" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  Expenses:BadDebt  48.00 USD
  Assets:AccountsReceivable  -40.00 EUR @ 1.20 USD
"""
    january += BANK_FEE
    later = _goodwill_in_euros("2026-02-10", "50.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "50.00")
    assert _made(both)[1:] == [
        (
            "2026-02-10",
            "Exchange difference on INV-1: settled at 1.10, carried at 1.20",
            [
                f"{AR} 50.00 EUR @ 1.10 USD",
                f"{AR} -50.00 EUR @ 1.20 USD",
                f"{REALIZED} 5.00 USD",
            ],
        ),
        (
            "2026-02-10",
            f"Credit {credit} applied to INV-1 written off",
            [f"{AR} 40.00 EUR @ 1.20 USD", f"{BAD_DEBT} -48.00 USD"],
        ),
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 EUR @ 1.20 USD", f"{CREDITS} -10.00 EUR @ 1.20 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, AR, "EUR") == Decimal("0.00")
    assert usd_weight(postings_through(both, AR, "2026-12-31")) == Decimal("0.00")


def test_a_later_goodwill_credit_leaves_an_earlier_nettings_month_alone(books: Books) -> None:
    # INV-1 100.00 (Jan 5); CN-1 100.00 crediting it on Jan 10 nets what is
    # open of INV-1 on its day, all 100.00 (open 0.00). A goodwill credit
    # of 30.00 on Feb 10 is read on its own day: it finds INV-1 as the note
    # left it, open 0.00, so all 30.00 is beyond what is open, more than
    # the 1.00 tolerance, and is moved to customer credits on Feb 10, at
    # the credit's line and named by it.
    #   AR: 100.00 - 100.00 (CN-1) + 100.00 - 100.00 (netting)
    #       - 30.00 + 30.00 (goodwill, moved) = 0.00; credits -30.00.
    # January (the netting of 100.00) is as it was. (Before, CN-1 netted
    # only the 100.00 - 30.00 = 70.00 INV-1 stayed open by through Feb 10,
    # and January's netting changed.)
    january = GOODWILL_OPENED + invoice(1, "2026-01-05", "100.00")
    january += credit_note(1, "2026-01-10", "100.00", "INV-1") + BANK_FEE
    later = goodwill("2026-02-10", "30.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "30.00")
    assert _made(both) == [
        (
            "2026-01-10",
            "Credit note CN-1 applied to INV-1",
            [f"{AR} -100.00 USD", 'invoice: "INV-1"'],  # the last lines: INV-1's posting
        ),
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 30.00 USD", f"{CREDITS} -30.00 USD"],
        ),
    ]
    assert _receivable(both, "2026-01-31", "INV-1") == Decimal("0.00")
    assert _receivable(both, "2026-01-31", "CN-1") == Decimal("0.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-30.00")


def test_worked_example_a_later_goodwill_credit_pays_what_a_note_left_open(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); CN-1 60.00 crediting it on Jan 10 nets 60.00
    # (open 100.00 - 60.00 = 40.00 at Jan 31). A goodwill credit of 50.00
    # on Feb 10 finds INV-1 open 40.00: it lowers that to 0.00, and the
    # other 50.00 - 40.00 = 10.00, more than the 1.00 tolerance, is moved
    # to customer credits on Feb 10.
    #   AR: 100.00 - 60.00 (CN-1) + 60.00 - 60.00 (netting)
    #       - 50.00 + 10.00 (goodwill, moved) = 0.00; credits -10.00.
    # (Before, CN-1 netted only the 100.00 - 50.00 = 50.00 INV-1 stayed
    # open by through Feb 10, and stayed open 10.00 itself: January moved.)
    january = GOODWILL_OPENED + invoice(1, "2026-01-05", "100.00")
    january += credit_note(1, "2026-01-10", "60.00", "INV-1") + BANK_FEE
    later = goodwill("2026-02-10", "50.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "50.00")
    assert _made(both)[1:] == [
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
    ]
    assert _receivable(both, "2026-01-31") == Decimal("40.00")
    assert _receivable(both, item="INV-1") == Decimal("0.00")
    assert _receivable(both, item="CN-1") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")


# What the typed postings alone over pay (`plugins.over_payments._left_by_typed`)
# is how far INV-1's typed postings take it below zero through the credit's
# day, whatever was moved to customer credits from it before: without the
# note or the cash, each book below over pays so on its own, an error, as in
# tests/test_ar_over_payments.py (`test_what_a_manual_credit_over_pays_stays_an_error`).
# Before, it was read from INV-1's balance less what notes netted (and, on
# cfd3c0f, from the balance): that balance holds what was moved to credits
# from INV-1 before (a straight receipt's excess, an earlier credit's), each
# move taken for the typed postings paying less, so as much of what they
# over pay on their own was moved to credits too, and no error raised.


def _paid_over(text: str, amount: str, over: str) -> tuple[int, str]:
    """The error of INV-1 100.00 paid `over` more, at the goodwill credit of `amount`."""
    return (
        line_of(HEADER + text, f"Receivable  -{amount}"),
        f"Invoice 'INV-1' is paid {over} USD more than its total 100.00 USD; expected at "
        "most the tolerance 1.00 USD",
    )


def _january_as_it_was(
    books: Books, january: str, later: str
) -> tuple[list[data.Directive], list[tuple[int, str]]]:
    """The books with a later month, January loaded alone with no error and the same in both."""
    alone, errors = load(books, january)
    assert errors == []
    both, errors = load(books, january + later)

    def sealed(entries: list[data.Directive]) -> list[str]:
        return sorted(period_lock.fingerprint(e) for e in entries if e.date <= JANUARY_END)

    assert sealed(both) == sealed(alone)
    return both, error_lines(errors)


# INV-1 100.00 (Jan 5); CN-1 30.00 crediting it on Jan 10 nets 30.00
# (open 70.00 at Jan 31).
NETTED_30 = (
    GOODWILL_OPENED
    + invoice(1, "2026-01-05", "100.00")
    + credit_note(1, "2026-01-10", "30.00", "INV-1")
    + BANK_FEE
)


def test_a_later_goodwill_credit_moves_nothing_an_earlier_one_over_paid_on_its_own(
    books: Books,
) -> None:
    # February: a goodwill credit of 110.00 on Feb 10 pays the 70.00 open
    # and brings 40.00 beyond. The typed postings alone leave INV-1 at
    # 100.00 - 110.00 = -10.00: 10.00 is no one's money (the error, at its
    # line); the other 40.00 - 10.00 = 30.00, what CN-1 netted, is moved to
    # customer credits on Feb 10.
    # March: a goodwill credit of 20.00 on Mar 10 finds INV-1 already 10.00
    # over. The typed postings alone leave 100.00 - 110.00 - 20.00 = -30.00:
    # all 20.00 is no one's money, nothing is moved on Mar 10.
    #   INV-1: 100.00 - 30.00 - 110.00 + 30.00 - 20.00 = -30.00, one error of
    #   30.00 at the Feb 10 credit's line (INV-1 stays over after it);
    #   credits -30.00, what CN-1 brought, no more.
    # (Before: on Mar 10 the balance read was 100.00 - 30.00 (netting) -
    # 110.00 + 30.00 (Feb 10's move) - 20.00 = -30.00, less CN-1's -30.00:
    # the typed postings were taken to over pay max(0, -30.00 + 30.00) =
    # 0.00, so all 30.00 INV-1 was paid over at the day's end (February's
    # 10.00 and the 20.00) was moved on Mar 10: no error at all, credits
    # -60.00, twice what CN-1 netted.)
    later = goodwill("2026-02-10", "110.00")
    february, errors = load(books, NETTED_30 + later)
    assert error_lines(errors) == [_paid_over(NETTED_30 + later, "110.00", "10.00")]
    assert balance(february, CREDITS, "USD") == Decimal("-30.00")
    credit = _credit(NETTED_30 + later, "110.00")
    later += goodwill("2026-03-10", "20.00")
    entries, errors_both = _january_as_it_was(books, NETTED_30, later)
    assert errors_both == [_paid_over(NETTED_30 + later, "110.00", "30.00")]
    assert _made(entries)[1:] == [
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 30.00 USD", f"{CREDITS} -30.00 USD"],
        ),
    ]
    assert _receivable(entries, item="INV-1") == Decimal("-30.00")
    assert _receivable(entries, item="CN-1") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")


def test_a_goodwill_credit_over_paying_on_its_own_after_a_note_and_a_move_is_an_error(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); CN-1 65.00 nets 65.00 on Jan 10 (35.00 open).
    # A goodwill credit of 45.00 on Feb 10 pays the 35.00 and moves 10.00
    # to customer credits (typed alone: 100.00 - 45.00 = 55.00, nothing
    # over). A goodwill credit of 60.00 on Mar 10 finds INV-1 open 0.00 and
    # brings 60.00 beyond; the typed postings alone leave 100.00 - 45.00 -
    # 60.00 = -5.00: 5.00 is no one's money (the error, at the Mar 10
    # credit's line), and 60.00 - 5.00 = 55.00 is moved to credits.
    #   INV-1: 100.00 - 65.00 - 45.00 + 10.00 - 60.00 + 55.00 = -5.00;
    #   credits -10.00 - 55.00 = -65.00, what CN-1 netted.
    # (Before, all 60.00 was moved, Feb 10's 10.00 taken for typed postings
    # paying less: credits -70.00, more than CN-1 netted, and no error.)
    january = (
        GOODWILL_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + credit_note(1, "2026-01-10", "65.00", "INV-1")
        + BANK_FEE
    )
    later = goodwill("2026-02-10", "45.00") + goodwill("2026-03-10", "60.00")
    entries, errors = _january_as_it_was(books, january, later)
    assert errors == [_paid_over(january + later, "60.00", "5.00")]
    assert [postings for _, _, postings in _made(entries)[1:]] == [
        [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        [f"{AR} 55.00 USD", f"{CREDITS} -55.00 USD"],
    ]
    assert _receivable(entries, item="INV-1") == Decimal("-5.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-65.00")


def test_a_goodwill_credit_over_paying_on_its_own_after_a_note_and_a_straight_receipt(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); CN-1 50.00 nets 50.00 on Jan 10 (50.00 open).
    # BR-1 100.00 posted straight on Feb 1 pays the 50.00 and its other
    # 50.00 is moved to customer credits on its day. A goodwill credit of
    # 10.00 on Mar 1 finds INV-1 open 0.00; the typed postings alone leave
    # 100.00 - 100.00 - 10.00 = -10.00: all 10.00 is no one's money, as
    # when the bank paid INV-1 straight in full with no note; nothing is
    # moved on Mar 1.
    #   INV-1: 100.00 - 50.00 - 100.00 + 50.00 - 10.00 = -10.00, the error
    #   at the goodwill credit's line; credits -50.00.
    # (So before 01f44b3. From it, BR-1's move (+50.00) offset CN-1's
    # netting (-50.00) in what was read as the typed postings: the 10.00
    # was moved to credits (-60.00) and no error raised.)
    january = (
        GOODWILL_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + credit_note(1, "2026-01-10", "50.00", "INV-1")
        + BANK_FEE
    )
    later = paid("2026-02-01", "100.00", "BR-1") + goodwill("2026-03-01", "10.00")
    entries, errors = _january_as_it_was(books, january, later)
    assert errors == [_paid_over(january + later, "10.00", "10.00")]
    assert [text for _, text, _ in _made(entries)[1:]] == [
        "Over payment of INV-1 from BR-1 moved to customer credit"
    ]
    assert _receivable(entries, item="INV-1") == Decimal("-10.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-50.00")


def test_a_goodwill_credit_over_paying_on_its_own_after_cash_and_a_straight_receipt(
    books: Books,
) -> None:
    # As above with matched cash for the note: INV-1 100.00 (Jan 5); R-1
    # 50.00 naming it is matched on Jan 20 (50.00 open). BR-1 100.00
    # straight on Feb 1 pays the 50.00 and moves 50.00 to credits; a
    # goodwill credit of 10.00 on Mar 1: the typed postings alone leave
    # 100.00 - 100.00 - 10.00 = -10.00, all 10.00 no one's.
    #   INV-1: 100.00 - 50.00 - 100.00 + 50.00 - 10.00 = -10.00, the error at
    #   the goodwill credit's line; credits -50.00.
    # (Before, older than 01f44b3, BR-1's move was taken for the typed
    # postings paying less: 10.00 moved, credits -60.00, no error.)
    january = (
        GOODWILL_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "50.00 USD", "R-1", NAMING_INV_1)
        + BANK_FEE
    )
    later = paid("2026-02-01", "100.00", "BR-1") + goodwill("2026-03-01", "10.00")
    entries, errors = _january_as_it_was(books, january, later)
    assert errors == [_paid_over(january + later, "10.00", "10.00")]
    assert [text for _, text, _ in _made(entries)[1:]] == [
        "Over payment of INV-1 from BR-1 moved to customer credit"
    ]
    assert _receivable(entries, item="INV-1") == Decimal("-10.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-50.00")


def test_a_write_off_lowered_by_a_goodwill_credit_is_not_what_the_typed_postings_over_pay(
    books: Books,
) -> None:
    # A write-off counts in the typed postings net of what was reversed of
    # it. INV-1 100.00 (Jan 5); CN-1 30.00 nets 30.00 on Jan 10 (open
    # 70.00); the 70.00 is written off as uncollectible on Jan 20 (bad debt
    # 70.00, open 0.00). A goodwill credit of 80.00 on Feb 10 finds nothing
    # open: it lowers all 70.00 written off (bad debt 0.00); the typed
    # postings alone leave 100.00 - 70.00 + 70.00 (lowered) - 80.00 =
    # 20.00, nothing over, so the other 80.00 - 70.00 = 10.00 is beyond
    # because CN-1 netted: moved to customer credits on Feb 10.
    #   AR: 100.00 - 30.00 - 70.00 - 80.00 + 70.00 + 10.00 = 0.00;
    #   credits -10.00; no error.
    # (Counting the write-off whole, 100.00 - 70.00 - 80.00 = -50.00 would
    # be taken for the typed postings' own: the 10.00 left on INV-1, an
    # error "paid 10.00 USD more".)
    january = (
        GOODWILL_OPENED
        + BAD_DEBT_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + credit_note(1, "2026-01-10", "30.00", "INV-1")
        + _written_off("2026-01-20", "70.00")
        + BANK_FEE
    )
    later = goodwill("2026-02-10", "80.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "80.00")
    assert _made(both)[1:] == [
        _lowered(credit, "70.00"),
        (
            "2026-02-10",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


def test_a_write_off_recovered_by_a_straight_receipt_is_not_what_the_typed_postings_over_pay(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-1 40.00 naming it is matched on Jan 10 (open
    # 60.00); the 60.00 is written off on Jan 20. BR-1 30.00 posted
    # straight on Feb 1 finds nothing open and recovers 30.00 (bad debt
    # 30.00). A goodwill credit of 50.00 on Mar 1 lowers the 30.00 still
    # written off (bad debt 0.00); the typed postings alone leave 100.00 -
    # 60.00 + 30.00 (recovered) - 30.00 + 30.00 (lowered) - 50.00 = 20.00,
    # nothing over, so the other 50.00 - 30.00 = 20.00 is beyond because
    # R-1 paid: moved to customer credits on Mar 1.
    #   AR: 100.00 - 40.00 - 60.00 + 30.00 - 30.00 - 50.00 + 30.00 + 20.00
    #   = 0.00; credits -20.00; no error.
    # (Counting neither reversal, 100.00 - 60.00 - 30.00 - 50.00 = -40.00
    # would be taken for the typed postings' own: the 20.00 left on INV-1,
    # an error.)
    january = (
        GOODWILL_OPENED
        + BAD_DEBT_OPENED
        + invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-10", "40.00 USD", "R-1", NAMING_INV_1)
        + _written_off("2026-01-20", "60.00")
        + BANK_FEE
    )
    later = paid("2026-02-01", "30.00", "BR-1") + goodwill("2026-03-01", "50.00")
    _, both = january_kept(books, january, later)
    credit = _credit(january + later, "50.00")
    assert _made(both)[1:] == [
        (
            "2026-02-01",
            "Recovery of INV-1 written off, from BR-1",
            [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"],
        ),
        (
            "2026-03-01",
            f"Credit {credit} applied to INV-1 written off",
            [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"],
        ),
        (
            "2026-03-01",
            f"Credit {credit} beyond what is open of INV-1 moved to customer credit",
            [f"{AR} 20.00 USD", f"{CREDITS} -20.00 USD"],
        ),
    ]
    assert balance(both, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-20.00")
    assert balance(both, AR, "USD") == Decimal("0.00")


# The property: in January, INV-1 to INV-3 are billed, and each is paid by a
# receipt of its amount naming only the customer (matched by amount), or
# part paid by a receipt naming it, or not paid; on a day of February a
# goodwill credit of at most one invoice's amount is typed to one of them.
# Whatever it finds open, January is as it was, nothing is generated before
# the credit's day after January, and no invoice is left in credit beyond
# the tolerance (what it brings beyond what is open is moved to credits).

_JANUARY = st.lists(
    st.tuples(
        st.integers(100, 20_000),  # the invoice, in cents
        st.sampled_from(["amount", "named", "none"]),  # how January pays it
        st.integers(1, 99),  # of a named receipt: the percent of the invoice it pays
    ),
    min_size=1,
    max_size=3,
)


def _cents(units: int) -> str:
    return f"{Decimal(units) / 100:.2f}"


@settings(max_examples=30, deadline=None)
@given(_JANUARY, st.integers(0, 2), st.integers(1, 100), st.integers(1, 28))
@example([(10_000, "amount", 1)], 0, 30, 10)  # the worked example
@example([(10_000, "named", 80)], 0, 30, 10)
def test_a_later_credit_typed_by_hand_never_changes_a_closed_month(
    billed: list[tuple[int, str, int]], which: int, percent: int, day: int
) -> None:
    january = GOODWILL_OPENED
    for number, (amount, paying, part) in enumerate(billed, 1):
        january += invoice(number, f"2026-01-{number + 1:02d}", _cents(amount))
        received = f"2026-01-{10 + number:02d}"
        if paying == "amount":
            january += receipt(received, f"{_cents(amount)} USD", f"R-{number}", CUSTOMER)
        elif paying == "named":
            naming = f'\n  invoice: "INV-{number}"' + CUSTOMER
            paid = max(1, amount * part // 100)
            january += receipt(received, f"{_cents(paid)} USD", f"R-{number}", naming)
    january += BANK_FEE
    chosen = which % len(billed)
    credited = max(1, billed[chosen][0] * percent // 100)  # at most the invoice
    added = datetime.date(2026, 2, day)
    later = goodwill(str(added), _cents(credited), chosen + 1)
    with tempfile.TemporaryDirectory() as folder:
        _, both = january_kept(Books(Path(folder)), january, later)
    assert all(
        datetime.date.fromisoformat(date) >= added
        for date, _, _ in applications(both)
        if datetime.date.fromisoformat(date) > JANUARY_END
    )
    for number in range(1, len(billed) + 1):
        assert _receivable(both, item=f"INV-{number}") >= Decimal("-1.00")


def test_a_chargeback_of_a_recovery_and_a_later_credit_of_its_receipt_writes_it_off_once(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-0 60.00 naming it pays 60.00 on
    # Jan 10; 40.00 written off on Jan 20 (bad debt 40.00, open 0.00). R-1
    # 120.00 naming INV-1 on Feb 5 recovers the 40.00 (bad debt 0.00) and
    # parks 80.00 as a customer credit. All of R-0 charged back on Mar 1
    # opens 60.00, which R-1's credit pays that day (credits 20.00). All of
    # R-1 charged back on Apr 1 takes 20.00 from its credit, 40.00 from its
    # Feb 5 application (which writes the 40.00 recovered off again: nothing
    # of it open) and 60.00 from its Mar 1 credit application (which
    # recovered nothing: 60.00 open). The recovery is written off again once.
    #   AR: 100.00 - 60.00 - 40.00 + 40.00 - 40.00 + 60.00 - 60.00 + 40.00
    #   - 40.00 + 60.00 = 60.00; bad debt 40.00 - 40.00 + 40.00 = 40.00;
    #   credits -80.00 + 60.00 + 20.00 = 0.00; unapplied 0.00.
    # (Before, `_unrecovered` found the recovery for any application of R-1
    # on or after its day, so the Mar 1 application, alone on its day, bore
    # all 40.00 and wrote them off again a second time: bad debt 80.00, AR
    # 20.00.)
    later = receipt("2026-02-05", "120.00 USD", "R-1", NAMING_INV_1)
    later += chargeback("2026-03-01", "60.00", "R-0") + chargeback("2026-04-01", "120.00", "R-1")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("60.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def test_a_second_chargeback_of_a_recovery_at_rates_leaves_a_credit_to_pay_both(
    books: Books,
) -> None:
    # EURO_RECOVERED_IN_FEBRUARY: INV-1 100.00 EUR at 1.20,
    # 40.00 EUR written off (48.00 USD), R-1 80.00 EUR at 1.10 pays the 60.00
    # open and recovers 20.00 EUR (24.00 USD). 30.00 EUR of R-1 charged back
    # on Mar 1 reopens 30.00 and writes off again 20.00 x 30.00 / 80.00 =
    # 7.50 EUR (9.00 USD); the other 50.00 EUR on Mar 15 (waiting behind the
    # first) reopens 50.00 and writes off again 20.00 - 7.50 = 12.50 EUR
    # (15.00 USD): 60.00 EUR open from Mar 15. A goodwill credit of 30.00
    # EUR at 1.10 on Apr 10 pays 30.00 of them, brought to 1.20.
    #   AR: 100.00 - 40.00 + 20.00 - 80.00 + 80.00 - 20.00 - 30.00 = 30.00
    #   EUR, in USD 30.00 x 1.20 = 36.00; bad debt 48.00 - 24.00 + 9.00 +
    #   15.00 = 48.00 USD; credits 0.00 EUR.
    # (Before ac8d014, the second debit's reopening was missing while the
    # credit was read: bad debt 39.00 USD.)
    later = _euro_chargeback("2026-03-01", "30.00") + _euro_chargeback("2026-03-15", "50.00")
    later += _goodwill_in_euros("2026-04-10", "30.00")
    _, both = january_kept(books, EURO_RECOVERED_IN_FEBRUARY, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("48.00")
    assert balance(both, AR, "EUR") == Decimal("30.00")
    assert usd_weight(postings_through(both, AR, "2026-04-10")) == Decimal("36.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")


def test_two_waiting_debits_of_one_receipt_on_one_day_each_stay_open(books: Books) -> None:
    # R-0 60.00 paid INV-1 100.00, 40.00 written off. 20.00
    # of R-0 charged back on Mar 1, then two debits of 20.00 each on Mar 15
    # (one receipt, one day, two lines: `_posted` keys differing by line
    # only) open INV-1 by 60.00 from Mar 15. A goodwill credit of 30.00 on
    # Apr 10 pays 30.00 of them.
    #   AR: 100.00 - 60.00 - 40.00 + 20.00 + 20.00 + 20.00 - 30.00 = 30.00;
    #   bad debt 40.00.
    later = chargeback("2026-03-01", "20.00", "R-0") + chargeback("2026-03-15", "20.00", "R-0")
    later += chargeback("2026-03-15", "20.00", "R-0") + goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")


def test_a_waiting_debit_in_an_included_file_stays_open(books: Books) -> None:
    # As above with one debit of 40.00 on Mar 15 typed in
    # march.beancount, included: its `_posted` key names that file.
    #   AR: 100.00 - 60.00 - 40.00 + 20.00 + 40.00 - 30.00 = 30.00; bad debt
    #   40.00.
    books.write("march.beancount", chargeback("2026-03-15", "40.00", "R-0"))
    later = chargeback("2026-03-01", "20.00", "R-0") + '\ninclude "march.beancount"\n'
    later += goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")


def test_three_debits_of_one_receipt_leave_a_credit_to_pay_all(books: Books) -> None:
    # 20.00 of R-0 charged back on Mar 1, Mar 15 and Mar 25:
    # INV-1 open 60.00 from Mar 25; a goodwill credit of 30.00 on Apr 10
    # pays 30.00 of them, lowering nothing.
    #   AR: 100.00 - 60.00 - 40.00 + 3 x 20.00 - 30.00 = 30.00; bad debt 40.00.
    later = chargeback("2026-03-01", "20.00", "R-0") + chargeback("2026-03-15", "20.00", "R-0")
    later += chargeback("2026-03-25", "20.00", "R-0") + goodwill("2026-04-10", "30.00")
    _, both = january_kept(books, CHARGED_BACK_AFTER_WRITE_OFF, later)
    assert balance(both, BAD_DEBT, "USD") == Decimal("40.00")
    assert balance(both, AR, "USD") == Decimal("30.00")


def test_a_goodwill_credit_typed_before_its_invoice_after_a_payment_in_full_is_an_error(
    books: Books,
) -> None:
    # BR-1 100.00 is posted straight to INV-1 on Jan 3, a goodwill credit of
    # 30.00 is typed to INV-1 on Jan 12, and INV-1 100.00 is billed on Jan 22.
    # Both are read on Jan 22, after the invoice, in their order: BR-1 pays
    # it in full (100.00 - 100.00 = 0.00) and the credit over pays it by
    # 30.00 (0.00 - 30.00 = -30.00), beyond the 1.00 tolerance. What the
    # typed postings alone over pay by a credit after the bank paid in full
    # is no one's money: an error, nothing moved to customer credits (as
    # when the credit is typed on Jan 25, after the invoice).
    text = (
        GOODWILL_OPENED
        + paid("2026-01-03", "100.00", "BR-1")
        + goodwill("2026-01-12", "30.00")
        + invoice(1, "2026-01-22", "100.00")
        + BANK_FEE
    )
    entries, errors = load(books, text)
    # (Before, 100.00 was moved to credits on Jan 3 and 70.00 taken back on
    # Jan 22: -100.00 + 70.00 = -30.00 of the goodwill credit became the
    # customer's refundable credit, with no error.)
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")
    assert [error.message.split(";")[0] for error in errors] == [
        "Invoice 'INV-1' is paid 30.00 USD more than its total 100.00 USD"
    ]
