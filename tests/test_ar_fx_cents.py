"""Realized and unrealized differences to the cent at a rate with more decimals than the cent.

USD books, EUR invoices and credits at 1.3333 USD: 10.00 EUR weigh 13.333
USD, a fraction of a cent more than the 13.33 USD a revenue accountant
books. Every USD amount the plugins post is to the cent, and each
generated entry's realized difference is the USD it moves, to the cent,
less the USD carried, to the cent: with one side in whole cents (a USD
receipt, a rate of two decimals, a piece the plugin rounded) that is the
exact difference rounded half to even (`ar_entries.with_realized_difference`),
and the receivable and credit accounts' USD weights go back to 0.00 with
their units. All but one passed before this file was written (kept as
worked examples: they fail when that rounding is removed, and the half
cent's when it rounds half up); the residue's failed, realizing -0.0035
USD (`derecognition.residue_entry` wrote the residue as it was). The two
strict expected failures are the known gap: with both sides in fractions
of a cent the rounded exact difference can be a cent away from the
accountant's, and no entry that clears both exact weights balances at the
accountant's figure.

The residues and the aging at prices that do not end (last in this file)
came from a review of that change: three failed before their mend (a cent
realized by a residue's leg at a 28-digit price, the aging's functional
total printed -0.00, a residue named by its 28th digit); two pins passed.
Residues of invoices typed with a total price (`@@`, at the end) came from
a second review: two failed before their mend (a cent realized by a half
cent a 28th digit over, and by a back leg a 28th digit short that `legs`
wrote in one leg); a pin passed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from beancount.core import data

from plugins import ar_entries, derecognition
from reports import books as books_module
from reports import receivables
from tests import reporting
from tests.conftest import Books, generated, number
from tests.rated_books import postings_through, sealed, units_total, usd_weight
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    POLICY,
    REALIZED,
    REMEASURED,
    UNAPPLIED,
    UNREALIZED,
    applications,
    squeezed,
)

D = Decimal
BANK = "Assets:Bank:Operating"
BAD_DEBT = "Expenses:BadDebt"
REVENUE = "Income:Revenue:Services"
HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open Expenses:BadDebt
"""
END = "2026-12-31"


def _invoice(number: int, day: str, eur: str, rate: str, usd: str) -> str:
    return f"""
{day} * "Acme" "Invoice INV-{number}" ^INV-{number}
  invoice: "INV-{number}"
  customer: "CUS-1"
  Assets:AccountsReceivable  {eur} EUR @ {rate} USD
  Income:Revenue:Services  -{usd} USD
"""


def _receipt(name: str, day: str, usd: str, unapplied: str) -> str:
    """A USD receipt naming INV-1, `unapplied` (its USD, or the EUR it is for at a rate)."""
    return f"""
{day} * "Acme" "Wire"
  receipt: "{name}"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {usd} USD
  Liabilities:UnappliedCash  -{unapplied}
"""


def _wire(name: str, day: str, usd: str) -> str:
    """A USD receipt naming INV-1, all of it unapplied until applied."""
    return _receipt(name, day, usd, f"{usd} USD")


def _written_off(day: str, eur: str, price: str, usd: str) -> str:
    """INV-1's `eur` written off at `price` (`@ 1.3333` or a total, `@@ 1.625`)."""
    return f"""
{day} * "Acme" "Write off INV-1" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  Assets:AccountsReceivable  -{eur} EUR {price} USD
  Expenses:BadDebt  {usd} USD
"""


def _chargeback(day: str, usd: str) -> str:
    """R-1's `usd` taken back by the bank: a debit to unapplied cash naming R-1."""
    return f"""
{day} * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -{usd} USD
  Liabilities:UnappliedCash  {usd} USD
"""


def _refund(day: str, eur: str, rate: str, usd: str) -> str:
    return f"""
{day} * "Acme" "Refund"
  customer: "CUS-1"
  Liabilities:CustomerCredits  {eur} EUR @ {rate} USD
  Assets:Bank:Operating  -{usd} USD
"""


# INV-1 10.00 EUR at 1.3333 weighs 13.333 USD, 13.33 booked; with
# RATES_1_3333_THEN_1_20 before it, EUR is at 1.20 from Feb 1.
RATES_1_3333_THEN_1_20 = "\n2026-01-01 price EUR 1.3333 USD\n2026-02-01 price EUR 1.20 USD\n"
INV_1_AT_1_3333 = _invoice(1, "2026-01-01", "10.00", "1.3333", "13.33")

# INV-1 30.00 EUR at 1.20 (36.00 USD); R-1 a USD wire of 53.33 for 40.00
# EUR at 1.3333 (53.332) names it: 10.00 EUR over go to CUS-1's credits
# at 1.3333, 13.333 USD, 13.33 to the cent.
PARKED = (
    "\n2026-01-01 price EUR 1.20 USD\n"
    + _invoice(1, "2026-01-01", "30.00", "1.20", "36.00")
    + _receipt("R-1", "2026-01-10", "53.33", "40.00 EUR @ 1.3333 USD")
)
# The cash application of R-1: 53.33 USD moved, 36.00 carried by INV-1 and
# 13.33 parked: 53.33 - 36.00 - 13.33 = 4.00 USD of gain.
PARKED_APPLICATION = [
    f"{UNAPPLIED} 40.00 EUR @ 1.3333 USD",
    f"{AR} -30.00 EUR @ 1.20 USD",
    f"{CREDITS} -10.00 EUR @ 1.3333 USD",
    f"{REALIZED} -4.00 USD",
]


def _load(books: Books, text: str) -> list[data.Directive]:
    books.write("ar.yaml", POLICY)
    entries, errors, _ = books.load(HEADER + text)
    assert [error.message for error in errors] == []
    return entries


def _loaded(books: Books, text: str) -> books_module.Books:
    """The books as the reports load them (the aging and the close's controls)."""
    return reporting.loaded(books, HEADER + text, {"ar.yaml": POLICY, "close.yaml": ""})


def _in_cents(entries: list[data.Directive]) -> None:
    """Asserts that every generated USD posting is to the cent and every entry balances.

    A priced posting weighs its units at their price (13.333 USD for 10.00
    EUR at 1.3333): what an entry's weights leave over is within half a
    cent, Beancount's tolerance for amounts in cents.
    """
    for entry in generated(entries):
        usd = [posting for posting in entry.postings if posting.price is None]
        for posting in usd:
            assert posting.units is not None and isinstance(posting.units.number, Decimal)
            assert posting.units.number == posting.units.number.quantize(D("0.01"))
        assert abs(usd_weight(entry.postings)) <= D("0.005")


def _total(entries: list[data.Directive], account: str, day: datetime.date | str = END) -> Decimal:
    """The units posted to `account` through `day`."""
    return units_total(postings_through(entries, account, day))


def _weight(entries: list[data.Directive], account: str, day: datetime.date | str = END) -> Decimal:
    """What the postings to `account` through `day` weigh in USD."""
    return usd_weight(postings_through(entries, account, day))


def _usd_books(entries: list[data.Directive]) -> Decimal:
    """Bank, bad debt, revenue and realized in USD through END: 0 when the books tie in cents."""
    return sum((_total(entries, account) for account in (BANK, BAD_DEBT, REVENUE, REALIZED)), D(0))


def _realized(entry: data.Transaction) -> list[str]:
    """The realized difference postings of one entry, as printed."""
    return [str(p.units) for p in entry.postings if p.account == REALIZED]


def _own_rate(entries: list[data.Directive]) -> list[data.Transaction]:
    """The generated entries that settle customer credits at their own rate."""
    return [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]


def _moved(entries: list[data.Directive]) -> list[tuple[str, list[str]]]:
    return [(day, squeezed(postings)) for day, _, postings in applications(entries)]


def _month_ends(entries: list[data.Directive]) -> list[tuple[str, str]]:
    """(date, unrealized posting) of each month-end remeasurement, reversals left out."""
    return [
        (str(entry.date), str(posting.units))
        for entry in generated(entries)
        if "fx-remeasurement" in entry.tags and entry.date.day != 1
        for posting in entry.postings
        if posting.account == UNREALIZED
    ]


def test_a_usd_receipt_clears_an_invoice_at_four_decimals_to_the_cent(books: Books) -> None:
    # INV-1 10.00 EUR at 1.3333 weighs 13.333 USD, 13.33 booked. R-1 12.00
    # USD on Feb 1, EUR at 1.20, is 10.00 EUR: 13.33 - 12.00 = 1.33 USD of
    # loss (the exact 1.333 rounded half to even), and the receivable's
    # weight goes back to 13.333 - 13.333 = 0.00 USD.
    text = RATES_1_3333_THEN_1_20 + INV_1_AT_1_3333 + _wire("R-1", "2026-02-01", "12.00")
    entries = _load(books, text)
    assert _moved(entries) == [
        (
            "2026-02-01",
            [f"{UNAPPLIED} 12.00 USD", f"{AR} -10.00 EUR @ 1.3333 USD", f"{REALIZED} 1.33 USD"],
        ),
    ]
    _in_cents(entries)
    assert _weight(entries, AR) == 0
    assert _total(entries, REALIZED) == D("1.33")


def test_a_half_cent_carried_rounds_half_to_even(books: Books) -> None:
    # INV-1 10.00 EUR at 1.2345 weighs 12.345 USD: half a cent, 12.34 to
    # the cent half to even (12.34 booked). R-1 11.00 USD on Feb 1 at 1.10
    # is 10.00 EUR: 12.34 - 11.00 = 1.34 USD of loss (the exact 1.345 to
    # even; half away from zero would make it 1.35).
    text = (
        "\n2026-01-01 price EUR 1.2345 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-01", "10.00", "1.2345", "12.34")
        + _wire("R-1", "2026-02-01", "11.00")
    )
    entries = _load(books, text)
    assert _moved(entries) == [
        (
            "2026-02-01",
            [f"{UNAPPLIED} 11.00 USD", f"{AR} -10.00 EUR @ 1.2345 USD", f"{REALIZED} 1.34 USD"],
        ),
    ]
    _in_cents(entries)
    assert _weight(entries, AR) == 0


def test_two_receipts_clear_an_invoice_at_four_decimals_by_cumulative_cents(
    books: Books,
) -> None:
    # 6.00 USD each at 1.20, clear 5.00 EUR of INV-1 each.
    # Cumulatively to the cent: 5.00 EUR are carried at 6.6665, 6.67 to
    # the cent, so R-1 clears 6.67 (priced at 1.334) and realizes 6.67 -
    # 6.00 = 0.67; R-2 clears what is left, 13.333 - 6.67 = 6.663, 6.66 to
    # the cent, and realizes 0.66. In all 0.67 + 0.66 = 1.33, as one
    # receipt of 12.00 would.
    text = (
        RATES_1_3333_THEN_1_20
        + INV_1_AT_1_3333
        + _wire("R-1", "2026-02-01", "6.00")
        + _wire("R-2", "2026-02-02", "6.00")
    )
    entries = _load(books, text)
    assert _moved(entries) == [
        (
            "2026-02-01",
            [f"{UNAPPLIED} 6.00 USD", f"{AR} -5.00 EUR @ 1.334 USD", f"{REALIZED} 0.67 USD"],
        ),
        (
            "2026-02-02",
            [f"{UNAPPLIED} 6.00 USD", f"{AR} -5.00 EUR @ 1.3326 USD", f"{REALIZED} 0.66 USD"],
        ),
    ]
    _in_cents(entries)
    assert _weight(entries, AR) == 0
    assert _total(entries, REALIZED) == D("1.33")


def test_a_credit_parked_at_four_decimals_is_applied_in_parts_to_the_cent(books: Books) -> None:
    # R-1's 10.00 EUR of credit (13.333 USD) pay 3.00 EUR of INV-2 (billed
    # Feb 1 at 1.20, 3.60) and 3.00 EUR of INV-3 (Feb 2 at 1.25, 3.75).
    # Each 3.00 EUR of credit is 3.9999 USD, 4.00 to the cent: 4.00 - 3.60
    # = 0.40 and 4.00 - 3.75 = 0.25 of gain. The credit's month ends at
    # 1.20: Jan 31 10.00 EUR (12.00 USD) carried at 13.33, 1.33 of gain;
    # Feb 28 the 4.00 EUR left (4.80 USD) carried at 13.33 - 4.00 - 4.00 =
    # 5.33, 0.53 of gain.
    text = (
        PARKED
        + _invoice(2, "2026-02-01", "3.00", "1.20", "3.60")
        + _invoice(3, "2026-02-02", "3.00", "1.25", "3.75")
    )
    entries = _load(books, text)
    assert _moved(entries) == [
        ("2026-01-10", PARKED_APPLICATION),
        (
            "2026-02-01",
            [
                f"{CREDITS} 3.00 EUR @ 1.3333 USD",
                f"{AR} -3.00 EUR @ 1.20 USD",
                f"{REALIZED} -0.40 USD",
            ],
        ),
        (
            "2026-02-02",
            [
                f"{CREDITS} 3.00 EUR @ 1.3333 USD",
                f"{AR} -3.00 EUR @ 1.25 USD",
                f"{REALIZED} -0.25 USD",
            ],
        ),
    ]
    _in_cents(entries)
    assert _month_ends(entries) == [("2026-01-31", "-1.33 USD"), ("2026-02-28", "-0.53 USD")]
    assert _total(entries, REALIZED) == D("-4.65")


def test_an_invoice_at_four_decimals_is_remeasured_to_the_cent(books: Books) -> None:
    # INV-1 10.00 EUR at 1.3333 (13.333, 13.33 booked) is open on Jan 31,
    # EUR at 1.20 since Jan 15: worth 12.00, carried at 13.33, so 12.00 -
    # 13.33 = -1.33 USD (a loss, the exact -1.333 rounded), reversed Feb 1.
    text = "\n2026-01-01 price EUR 1.3333 USD\n2026-01-15 price EUR 1.20 USD\n" + INV_1_AT_1_3333
    entries = _load(books, text)
    assert _month_ends(entries) == [("2026-01-31", "1.33 USD")]
    _in_cents(entries)


def test_a_receipt_at_four_decimals_shares_its_cents_among_its_parts(books: Books) -> None:
    # INV-1 10.00 EUR at 1.20 (12.00) and INV-2 10.00 EUR at 1.25 (12.50).
    # R-1 33.33 USD for 25.00 EUR at 1.3333 (33.3325, 33.33 to the cent)
    # names INV-1: it clears its 12.00, and 15.00 EUR (19.9995, 20.00 to
    # the cent) go to CUS-1's credits: 33.33 - 12.00 - 20.00 = 1.33 of
    # gain. The credit pays INV-2 the same day: 10.00 EUR (13.333, 13.33)
    # against 12.50, 0.83 of gain. Jan 31 at 1.20: the 5.00 EUR left (6.00)
    # are carried at 20.00 - 13.33 = 6.67, 0.67 of gain.
    text = (
        "\n2026-01-01 price EUR 1.20 USD\n"
        + _invoice(1, "2026-01-01", "10.00", "1.20", "12.00")
        + _invoice(2, "2026-01-02", "10.00", "1.25", "12.50")
        + _receipt("R-1", "2026-01-10", "33.33", "25.00 EUR @ 1.3333 USD")
    )
    entries = _load(books, text)
    assert _moved(entries) == [
        (
            "2026-01-10",
            [
                f"{UNAPPLIED} 25.00 EUR @ 1.3333 USD",
                f"{AR} -10.00 EUR @ 1.20 USD",
                f"{CREDITS} -15.00 EUR @ 1.3333 USD",
                f"{REALIZED} -1.33 USD",
            ],
        ),
        (
            "2026-01-10",
            [
                f"{CREDITS} 10.00 EUR @ 1.3333 USD",
                f"{AR} -10.00 EUR @ 1.25 USD",
                f"{REALIZED} -0.83 USD",
            ],
        ),
    ]
    assert _month_ends(entries) == [("2026-01-31", "-0.67 USD")]
    _in_cents(entries)
    assert _weight(entries, AR) == 0


def test_a_credit_parked_at_four_decimals_refunded_at_another_rate_to_the_cent(
    books: Books,
) -> None:
    # The 10.00 EUR of credit (13.333 USD, 13.33 to the cent) refunded on
    # Jan 20 at 1.25, 12.50 USD paid: 13.33 - 12.50 = 0.83 USD of gain, and
    # the credits weigh 13.333 - 13.333 = 0.00 USD with 0.00 EUR.
    entries = _load(books, PARKED + _refund("2026-01-20", "10.00", "1.25", "12.50"))
    own_rate = [
        squeezed([str(posting.units) for posting in entry.postings]) for entry in _own_rate(entries)
    ]
    assert own_rate == [["10.00 EUR", "-10.00 EUR", "-0.83 USD"]]
    _in_cents(entries)
    assert _weight(entries, CREDITS) == 0
    assert _total(entries, REALIZED) == D("-4.83")


def test_a_pool_of_two_rates_shares_its_cents_among_refunds(books: Books) -> None:
    # R-2 parks 10.00 EUR more at 1.20 (12.00): the pool holds 20.00 EUR
    # carried at 13.333 + 12.00 = 25.333 (25.33 to the cent). 7.00 EUR
    # refunded at 1.25 (8.75) take 25.333 x 7 / 20 = 8.86655, 8.87 to the
    # cent: 8.87 - 8.75 = 0.12 of gain. The last 13.00 EUR at 1.25 (16.25)
    # take what is left, 16.463 (16.46 to the cent: 25.33 - 8.87): 0.21 of
    # gain. The credits weigh 0.00 USD with 0.00 EUR.
    text = (
        PARKED
        + """
2026-01-11 * "Acme" "Wire"
  receipt: "R-2"
  customer: "CUS-1"
  Assets:Bank:Operating  12.00 USD
  Liabilities:CustomerCredits  -10.00 EUR @ 1.20 USD
"""
        + _refund("2026-01-20", "7.00", "1.25", "8.75")
        + _refund("2026-01-21", "13.00", "1.25", "16.25")
    )
    entries = _load(books, text)
    realized = [
        str(posting.units)
        for entry in _own_rate(entries)
        for posting in entry.postings
        if posting.account == REALIZED
    ]
    assert realized == ["-0.12 USD", "-0.21 USD"]
    _in_cents(entries)
    assert _weight(entries, CREDITS) == 0


@pytest.mark.xfail(
    strict=True,
    reason="Known gap: both sides in fractions of a cent; the exact difference is rounded",
)
def test_known_gap_a_receipt_and_an_invoice_both_at_four_decimals(books: Books) -> None:
    # INV-1 10.00 EUR at 1.3333 (13.333, 13.33 booked) paid by R-1, 10.00
    # EUR at 1.2346 (12.346, the bank's 12.35 USD). An accountant books
    # 13.33 - 12.35 = 0.98 USD of loss, so that bank 12.35, revenue -13.33
    # and the loss 0.98 sum to 0.00. The plugin rounds the exact 0.987 to
    # 0.99; an entry at 0.98 that clears 13.333 and 12.346 leaves 0.007,
    # beyond Beancount's half a cent, so it would not balance.
    text = INV_1_AT_1_3333 + _receipt("R-1", "2026-01-10", "12.35", "10.00 EUR @ 1.2346 USD")
    entries = _load(books, "\n2026-01-01 price EUR 1.20 USD\n" + text)
    assert _total(entries, REALIZED) == D("0.98")


WRITTEN_OFF = (
    RATES_1_3333_THEN_1_20
    + INV_1_AT_1_3333
    + _wire("R-1", "2026-02-01", "6.00")
    + _written_off("2026-03-10", "5.00", "@ 1.3333", "6.67")
)


def test_a_residue_at_four_decimals_is_realized_in_cents(books: Books) -> None:
    # INV-1 10.00 EUR at 1.3333 (13.333, 13.33 booked). R-1 6.00 USD on
    # Feb 1 at 1.20 clears 5.00 EUR: 6.6665, 6.67 to the cent (priced at
    # 1.334), 0.67 of loss. The other 5.00 EUR written off on Mar 10 at the
    # carrying rate weigh 6.6665 (booked 6.67): 13.333 - 6.67 - 6.6665 =
    # -0.0035 USD is left with nothing open. Its entry moves the 5.00 EUR
    # back at 1.3333 and out at 6.663 / 5.00 = 1.3326, so the receivable
    # weighs 0.00; the write-off at the carrying rate realizes 0.00 (the
    # -0.0035 rounded half to even), not -0.0035: 0.67 in all.
    entries = _load(books, WRITTEN_OFF)
    assert _moved(entries) == [
        (
            "2026-02-01",
            [f"{UNAPPLIED} 6.00 USD", f"{AR} -5.00 EUR @ 1.334 USD", f"{REALIZED} 0.67 USD"],
        ),
        (
            "2026-03-10",
            [f"{AR} 5.00 EUR @ 1.3333 USD", f"{AR} -5.00 EUR @ 1.3326 USD", f"{REALIZED} 0.00 USD"],
        ),
    ]
    _in_cents(entries)
    assert _weight(entries, AR) == 0
    assert _total(entries, REALIZED) == D("0.67")


@pytest.mark.xfail(strict=True, reason="Known gap: both sides in fractions of a cent")
def test_known_gap_a_write_off_at_four_decimals_against_a_piece_in_cents(books: Books) -> None:
    # The books above tie at 0.66 of loss: bank 6.00 + bad debt 6.67 -
    # revenue 13.33 + 0.66 = 0.00, the write-off moving 6.67 (6.6665 to the
    # cent) against the 6.66 carried, -0.01. The plugin realizes 0.67: an
    # entry at -0.01 that clears 6.6665 and 6.663 is out by 0.0065.
    entries = _load(books, WRITTEN_OFF)
    assert _total(entries, REALIZED) == D("0.66")


# Residues and the aging at prices that do not end. The first three failed
# before their mend, each with its figures worked by hand; the last two are
# pins (they passed before it).


def _rounding(entries: list[data.Directive]) -> list[data.Transaction]:
    return [
        entry
        for entry in generated(entries)
        if entry.meta.get(ar_entries.KIND) == derecognition.ROUNDING
    ]


def _functional_total(loaded: books_module.Books, day: str) -> list[str]:
    """The aging's functional total row on `day`: total, gl_balance, difference, as printed."""
    table = receivables.aging(loaded, datetime.date.fromisoformat(day))
    [total] = [row for row in table.rows if row[0] == receivables.FUNCTIONAL_TOTAL]
    return [str(cell) for cell in total[-3:]]


# INV-1 53.00 EUR at 1.0839 (57.4467 USD, 57.45 booked); R-1 55.00 USD on
# Feb 1 at 1.10 pays 50.00 EUR; the other 3.00 EUR written off on May 31 at
# 1.0839 (3.25 of bad debt), leaving half a cent short.
HALF_A_CENT_SHORT = (
    "\n2026-01-01 price EUR 1.0839 USD\n2026-02-01 price EUR 1.10 USD\n"
    + _invoice(1, "2026-01-05", "53.00", "1.0839", "57.45")
    + _wire("R-1", "2026-02-01", "55.00")
    + _written_off("2026-05-31", "3.00", "@ 1.0839", "3.25")
)


def test_a_half_cent_short_at_a_price_that_does_not_end_realizes_nothing(books: Books) -> None:
    # INV-1 53.00 EUR at 1.0839 weighs 57.4467 USD (57.45 booked). R-1
    # 55.00 USD on Feb 1 at 1.10 is 50.00 EUR: 50.00 x 1.0839 = 54.195,
    # half to even 54.20 (@ 1.084), 55.00 - 54.20 = 0.80 of gain. The other
    # 3.00 EUR are written off on May 31 at the carrying rate: 3.2517 USD,
    # 3.25 of bad debt to the cent. Left: 57.4467 - 54.20 - 3.2517 =
    # -0.005 USD with nothing open, the README's negative residue. Its entry
    # moves 3.00 EUR back at 1.0839 (3.2517) and out at what was left,
    # 3.2467 / 3.00 = 1.08223333..., a price that does not end: Beancount
    # weighs it 3.246699999999999999999999999, so one leg at that price
    # leaves 0.005000000000000000000000001 and the realized rounds to
    # -0.01 (a cent of gain): 0.81 in all (as before the mend). Right: 0.00,
    # as for every write-off at the carrying rate (two legs, 2.00 EUR @
    # 1.08223 and 1.00 EUR @ 1.08224, weigh exactly 2.16446 + 1.08224 =
    # 3.2467, as `derecognition.legs` writes a credit pool). Then realized
    # is the cash less what R-1 cleared, 55.00 - 54.20 = 0.80, which is also
    # what ties the books in cents: bank 55.00 + bad debt 3.25 - revenue
    # 57.45 = 0.80 of gain.
    entries = _load(books, HALF_A_CENT_SHORT)
    [entry] = _rounding(entries)
    assert entry.narration == (
        "Rounding difference on INV-1: -0.005 USD of its carrying amount left"
    )
    assert [(str(p.units), str(p.price)) for p in entry.postings] == [
        ("3.00 EUR", "1.0839 USD"),
        ("-2.00 EUR", "1.08223 USD"),  # before the mend: -3.00 EUR @ 1.082233333...
        ("-1.00 EUR", "1.08224 USD"),
        ("0.00 USD", "None"),
    ]
    assert _realized(entry) == ["0.00 USD"]  # before the mend: ["-0.01 USD"]
    assert _total(entries, REALIZED) == D("-0.80")  # before: -0.81
    assert _total(entries, AR) == 0
    assert abs(_weight(entries, AR)) < D("1e-20")
    assert _usd_books(entries) == 0


def test_an_invoice_paid_in_full_ties_the_aging_at_0_00_not_minus_0_00(books: Books) -> None:
    # INV-1 7.00 EUR at 1.0837 weighs 7.5859 USD (7.59 booked). EUR is 1.10
    # from Feb 1. R-1 1.10 USD (1.00 EUR) clears 1.0837, 1.08 to the cent
    # (@ 1.08), 0.02 of gain; R-2 6.60 USD (6.00 EUR) on Feb 10 clears what
    # is left, 7.5859 - 1.08 = 6.5059, @ 6.5059 / 6.00 = 1.08431666...,
    # which Beancount weighs 6.505900000000000000000000002: 0.09 of gain
    # (0.11 in all, 7.70 - 7.59). The receivable then weighs -2E-27 USD with
    # no EUR open. Before the mend the aging on Feb 28 rounded that to -0.00
    # (`0.00 -0.00 -0.00` as its functional total, general ledger and
    # difference, in ar_aging.csv and the controls of the close package);
    # right: 0.00, 0.00, 0.00, as `with_realized_difference` writes 0.00.
    text = (
        "\n2026-01-01 price EUR 1.0837 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-05", "7.00", "1.0837", "7.59")
        + _wire("R-1", "2026-02-01", "1.10")
        + _wire("R-2", "2026-02-10", "6.60")
    )
    loaded = _loaded(books, text)
    assert _total(loaded.entries, REALIZED, "2026-02-28") == D("-0.11")
    assert _functional_total(loaded, "2026-02-28") == ["0.00", "0.00", "0.00"]
    table = receivables.aging(loaded, datetime.date(2026, 2, 28))
    [functional] = [c for c in receivables.aging_ties(table) if "functional" in c.name]
    assert functional.figure == "aging 0.00, general ledger 0.00, difference 0.00"


def test_a_residue_of_a_total_price_is_named_to_its_half_cent(books: Books) -> None:
    # INV-1 3.00 EUR @@ 3.25 USD: carried at 3.25 / 3.00 = 1.08333...,
    # 3.25 USD. R-1 1.65 USD on Feb 1 at 1.10 is 1.50 EUR: 1.625, half to
    # even 1.62 (@ 1.08), 0.03 of gain. The other 1.50 EUR written off as
    # `@@ 1.625 USD`, the carrying rate: 3.25 - 1.62 - 1.625 = 0.005 USD is
    # left. The entry realizes 0.00 and the receivable weighs nothing, but
    # before the mend its narration named the residue in Beancount's 28
    # digits, "0.004999999999999999999999999 USD"; right: "0.005 USD".
    invoice = """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  3.00 EUR @@ 3.25 USD
  Income:Revenue:Services  -3.25 USD
"""
    text = (
        "\n2026-02-01 price EUR 1.10 USD\n"
        + invoice
        + _wire("R-1", "2026-02-01", "1.65")
        + _written_off("2026-05-31", "1.50", "@@ 1.625", "1.625")
    )
    entries = _load(books, text)
    [entry] = _rounding(entries)
    assert _realized(entry) == ["0.00 USD"]
    assert entry.narration == "Rounding difference on INV-1: 0.005 USD of its carrying amount left"


def test_pin_ten_small_receipts_at_four_decimals_leave_no_drift(books: Books) -> None:
    # Pin. INV-1 10.00 EUR at 1.3333 weighs 13.333 (13.33 booked). Ten
    # receipts of 1.20 USD at 1.20, 1.00 EUR each: the pieces are the
    # cumulative value to the cent, 1.33, 2.67, 4.00, 5.33, 6.67, 8.00,
    # 9.33, 10.67, 12.00 and the last what is left, 13.333: pieces 1.33,
    # 1.34, 1.33, 1.33, 1.34, 1.33, 1.33, 1.34, 1.33, 1.333; realized 0.13
    # seven times and 0.14 three times, 1.33 = 13.33 - 12.00. Seven paid in
    # February: 0.93 realized (9.33 - 8.40); Feb 28 at 1.25 the 3.00 EUR
    # open are worth 3.75, carried at 13.333 - 9.33 = 4.003, remeasured by
    # -0.25 (-0.253 to the cent): aging and general ledger 3.75.
    text = (
        RATES_1_3333_THEN_1_20
        + "2026-02-28 price EUR 1.25 USD\n2026-03-01 price EUR 1.20 USD\n"
        + INV_1_AT_1_3333
        + "".join(_wire(f"R-{day}", f"2026-02-0{day}", "1.20") for day in range(1, 8))
        + "".join(_wire(f"R-{day}", f"2026-03-0{day - 6}", "1.20") for day in range(8, 11))
    )
    loaded = _loaded(books, text)
    entries = loaded.entries
    _in_cents(entries)
    feb = "2026-02-28"
    assert _total(entries, REALIZED, feb) == D("0.93")
    assert _total(entries, REMEASURED, feb) == D("-0.25")
    assert _functional_total(loaded, feb) == ["3.75", "3.75", "0.00"]
    assert _total(entries, REALIZED) == D("1.33")
    assert _weight(entries, AR) == 0


def test_pin_a_chargeback_after_a_residue_leaves_its_month_as_it_was(books: Books) -> None:
    # Pin. The books of the residue above (WRITTEN_OFF): INV-1 10.00 EUR at
    # 1.3333 (13.333). R-1 6.00 USD on Feb 1 at 1.20 clears 5.00 EUR:
    # 6.6665, 6.67 (@ 1.334), 0.67 of loss. The other 5.00 EUR written off
    # on Mar 10 at 1.3333 (6.6665) leave -0.0035, settled that day at 0.00
    # realized. R-1 is charged back on Apr 10: the 5.00 EUR it cleared are
    # open again at its piece, 6.67 (@ 1.334), and its 0.67 reversed: 0.00
    # realized in all. March is as without the chargeback; Apr 30 at 1.20
    # the 5.00 EUR (6.00) carried at 6.67 are remeasured by -0.67.
    alone = _load(books, WRITTEN_OFF)
    both = _load(books, WRITTEN_OFF + _chargeback("2026-04-10", "6.00"))
    assert sealed(both, "2026-03-31") == sealed(alone, "2026-03-31")
    [entry] = _rounding(both)
    assert _realized(entry) == ["0.00 USD"]
    _in_cents(both)
    april = "2026-04-30"
    assert _total(both, REALIZED, april) == 0
    assert _weight(both, AR, april) == D("6.67")
    assert _total(both, REMEASURED, april) == D("-0.67")


# Residues of invoices typed with a total price (`@@`), from a second
# review. An invoice typed `@@` is carried at the total over its units, a
# rate that does not end, which Beancount holds to 28 digits: 3.00 EUR @@
# 3.29 USD is carried at 1.096666666666666666666666667 and weighs
# 3.290000000000000000000000001 USD. A residue is at most half a cent, and
# exactly half a cent is where half to even decides: the documented rule
# (README, `derecognition.residue_entry`) is that the legs leave the residue
# itself and the realized difference is 0.00, a write-off at the carrying
# rate realizing nothing. The first two failed before their mend: the half
# cent is a 28th digit over (or its back leg a 28th digit short), and the
# residue entry realized a whole cent, its sign chosen by that digit.
# Rounding the realized difference alone does not mend it: at 0.00 those
# entries are out by 0.005000000000000000000000001, beyond Beancount's half
# cent. What balances at 0.00 is legs out that weigh the back leg's own
# weight plus the half cent, no more (bean-check accepts both entries
# written below). The third is a pin (it passed before the mend): a
# chargeback after a residue in three legs, and a second residue after it,
# read right by the subledger, the open-invoice roll and the aging.


def _invoice_at_a_total(eur: str, usd: str) -> str:
    """INV-1 billed to CUS-1 on Jan 5 as `eur EUR @@ usd USD`, EUR at 1.10 from Feb 1."""
    return f"""
2026-02-01 price EUR 1.10 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  {eur} EUR @@ {usd} USD
  Income:Revenue:Services  -{usd} USD
"""


def _settled(entries: list[data.Directive]) -> tuple[Decimal, list[str]]:
    """The one residue entry: what its receivable postings moved out weigh, and its realized."""
    [entry] = _rounding(entries)
    out = usd_weight([p for p in entry.postings if p.account == AR and number(p) < 0])
    return out, _realized(entry)


def test_a_half_cent_over_by_the_28th_digit_of_a_total_price_realizes_nothing(
    books: Books,
) -> None:
    # INV-1 3.00 EUR @@ 3.29 USD: carried at 3.29 / 3.00 = 1.09666...,
    # 3.29 USD. R-1 1.65 USD on Feb 1 at 1.10 is 1.50 EUR: 1.50 x 3.29 /
    # 3.00 = 1.645, half to even 1.64; 1.65 - 1.64 = 0.01 of gain. The
    # other 1.50 EUR written off on May 31 as `@@ 1.645 USD` (1.645 / 1.50
    # = the carrying rate): 3.29 - 1.64 - 1.645 = 0.005 USD left with
    # nothing open, exactly half a cent, as in the README's 108.37 - 54.18
    # - 54.185. Its entry moves 1.50 EUR back at the rate (1.645) and out at
    # 1.645 + 0.005 = 1.65, `-1.50 EUR @ 1.10 USD`: 0.00 realized (the
    # 0.005 half to even), 0.01 of gain in all (1.65 - 1.64).
    # Before the mend (45739af): the plugin weighs the invoice
    # 3.290000000000000000000000001 (3.00 x 1.096666666666666666666666667),
    # so the residue is 0.005000000000000000000000001, a 28th digit over the
    # half cent: the units went out as -1.49 EUR @ 1.1000000000000000000000000
    # and -0.01 EUR @ 1.1000000000000000000000001, and 0.01 USD was realized
    # (a loss) that took back R-1's gain: 0.00 in all (@@ 3.31 made it the
    # other way, -0.01). The back leg weighs 1.50 x 1.096666666666666666666666667
    # = 1.645000000000000000000000000, so `-1.50 EUR @ 1.10 USD` (1.65) with
    # 0.00 realized leaves -0.005 and balances. The mend names the residue
    # to 1e-20, 0.005, before its legs: one leg, 1.65 / 1.50 = 1.10 (written
    # with the 25 decimals of 1.645000000000000000000000000 + 0.005 over
    # 1.50), and the receivable is left with the 28th digit, 1E-27.
    text = (
        _invoice_at_a_total("3.00", "3.29")
        + _wire("R-1", "2026-02-01", "1.65")
        + _written_off("2026-05-31", "1.50", "@@ 1.645", "1.645")
    )
    entries = _load(books, text)
    out, realized = _settled(entries)
    assert realized == ["0.00 USD"]  # before the mend: ["0.01 USD"]
    assert abs(out + D("1.65")) < D("1e-20")
    [entry] = _rounding(entries)
    assert [str(p.units) for p in entry.postings if p.account == AR] == ["1.50 EUR", "-1.50 EUR"]
    assert _total(entries, REALIZED) == D("-0.01")  # before: 0.00
    assert _total(entries, AR) == 0
    assert abs(_weight(entries, AR)) < D("1e-20")


def test_a_residue_whose_back_leg_is_a_28th_digit_short_realizes_nothing(books: Books) -> None:
    # The README's rate, 3.25 / 3.00 = 1.08333... (the narration test
    # above), on 9.00 EUR @@ 9.75 USD. R-1 1.65 USD on Feb 1 at 1.10 is
    # 1.50 EUR: 1.50 x 9.75 / 9.00 = 1.625, half to even 1.62 (@ 1.08);
    # 1.65 - 1.62 = 0.03 of gain. The other 7.50 EUR written off on May 31
    # as `@@ 8.125 USD` (the carrying rate): 9.75 - 1.62 - 8.125 = 0.005
    # left with nothing open. Its entry moves 7.50 EUR back at the rate
    # (8.125) and out at 8.125 + 0.005 = 8.13: 0.00 realized, 0.03 of gain
    # in all. Before the mend (45739af): one leg, `-7.50 EUR @ 1.084 USD`
    # (7.50 x 1.084 = 8.13 exactly), but the back leg weighs 7.50 x
    # 1.083333333333333333333333333 = 8.124999999999999999999999998, so the
    # entry left 8.124999999999999999999999998 - 8.13 =
    # -0.005000000000000000000000002 and 0.01 USD was realized (a loss):
    # 0.02 of gain in all, a cent short of 1.65 - 1.62 (with 3.00 EUR, the
    # narration test, the same rate leaves 0.004999... and 0.00). At 0.00
    # that entry would not balance; out legs weighing the back leg plus the
    # half cent, 8.129999999999999999999999998, do, and leave the
    # receivable weighing -1E-27. `derecognition.legs` found no two legs for
    # that weight: the quotient, 8.129999999999999999999999998 / 7.50 =
    # 1.08399999999999999999999999973..., is 1.084000000000000000000000000
    # to 28 digits, so its step of 25 decimals below was 1.084 itself and
    # the units at the step above came out negative; it fell back to one
    # leg at 1.084, and the cent came back. The mend takes the step below
    # the quotient itself, 1.0839999999999999999999999: 7.50 of it weigh
    # 8.12999999999999999999999925, 7.48E-25 short, which is 7.48 EUR at
    # the step above, 1.084. So -0.02 EUR @ 1.0839999999999999999999999
    # (0.021679999999999999999999998) and -7.48 EUR @ 1.084 (8.10832) weigh
    # 8.129999999999999999999999998 (the reviewer's -7.49 EUR @ 1.084 and
    # -0.01 EUR @ 1.0839999999999999999999998 weigh it too).
    text = (
        _invoice_at_a_total("9.00", "9.75")
        + _wire("R-1", "2026-02-01", "1.65")
        + _written_off("2026-05-31", "7.50", "@@ 8.125", "8.125")
    )
    entries = _load(books, text)
    out, realized = _settled(entries)
    assert realized == ["0.00 USD"]  # before the mend: ["0.01 USD"]
    assert abs(out + D("8.13")) < D("1e-20")
    [entry] = _rounding(entries)
    assert [(str(p.units), str(p.price)) for p in entry.postings if p.account == AR][1:] == [
        ("-0.02 EUR", "1.0839999999999999999999999 USD"),
        ("-7.48 EUR", "1.0840000000000000000000000 USD"),
    ]
    assert _total(entries, REALIZED) == D("-0.03")  # before: -0.02
    assert _total(entries, AR) == 0
    assert abs(_weight(entries, AR)) < D("1e-20")


def test_pin_a_chargeback_reopens_an_invoice_settled_in_three_legs(books: Books) -> None:
    # Pin. INV-1 53.00 EUR at 1.0839 weighs 57.4467 USD (57.45 booked). R-1
    # 55.00 USD on Feb 1 at 1.10 pays 50.00 EUR: 54.195, half to even
    # 54.20 (@ 1.084), 0.80 of gain. The other 3.00 EUR written off on May
    # 31 at 1.0839 (3.2517) leave 57.4467 - 54.20 - 3.2517 = -0.005, settled
    # in three receivable postings: 3.00 EUR back at 1.0839, -2.00 EUR @
    # 1.08223 and -1.00 EUR @ 1.08224 (3.2467), 0.00 realized. R-1 is
    # charged back on Jun 10: its 50.00 EUR are open again at its piece,
    # 54.20 (@ 1.084), and its 0.80 reversed. On Jun 30 the open-invoice
    # roll reads billed 53.00, paid 50.00 - 50.00 = 0.00, credited 3.00 (the
    # write-off; the residue's 3.00 - 2.00 - 1.00 nets nothing), open
    # 50.00; at 1.10 they are worth 55.00, carried at 54.20 and remeasured
    # by 0.80, and the aging ties at 55.00. The last 50.00 EUR written off
    # on Jul 15 at 1.0839 (54.195) leave 54.20 - 54.195 = 0.005: a second
    # residue, out at 54.20 (`-50.00 EUR @ 1.0840 USD`), 0.00 realized.
    # Realized in all 0.00 (the cash went back); the receivable weighs 0,
    # and the books tie in cents: bank 55.00 - 55.00, bad debt 3.25 + 54.20,
    # revenue -57.45.
    text = (
        HALF_A_CENT_SHORT
        + _chargeback("2026-06-10", "55.00")
        + _written_off("2026-07-15", "50.00", "@ 1.0839", "54.20")
    )
    loaded = _loaded(books, text)
    entries = loaded.entries
    first, second = _rounding(entries)
    assert [str(p.units) for p in first.postings] == [
        "3.00 EUR",
        "-2.00 EUR",
        "-1.00 EUR",
        "0.00 USD",
    ]
    assert [(str(p.units), str(p.price)) for p in second.postings if p.account == AR] == [
        ("50.00 EUR", "1.0839 USD"),
        ("-50.00 EUR", "1.0840 USD"),
    ]
    june = datetime.date(2026, 6, 30)
    [row] = receivables.open_invoices(loaded, june).rows
    assert [str(cell) for cell in row[6:10]] == ["53.00", "0.00", "3.00", "50.00"]
    assert _functional_total(loaded, "2026-06-30") == ["55.00", "55.00", "0.00"]
    assert _total(entries, REMEASURED, june) == D("0.80")
    assert receivables.open_invoices(loaded, datetime.date(2026, 7, 31)).rows == []
    assert _total(entries, AR) == 0
    assert _weight(entries, AR) == 0
    assert _total(entries, REALIZED) == 0
    assert _usd_books(entries) == 0
