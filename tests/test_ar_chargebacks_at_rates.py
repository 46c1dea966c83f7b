"""A chargeback of a receipt that paid at an exchange rate reverses its share of the application.

The take-back opens the invoice again by the units the cash cleared, at the
invoice's carrying rate, and gives the cash back to the receipt at the
receipt's own rate; the difference, that share of the exchange gain or loss
realized when the receipt paid, is reversed on the chargeback's day
(`plugins.chargebacks`, README "Chargebacks and refunds of a receipt"). So
the receivable's weight in USD is what is left of its carrying amount, the
month-end remeasurement values the reopened units from there, and the
month the receipt paid in is left as it was. The case of one invoice paid
in euros is in `tests/test_ar_later_events.py`.
"""

from __future__ import annotations

from decimal import Decimal

from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.fx import quantize
from reports import books as loaded_books
from tests import reporting
from tests.conftest import Books, generated
from tests.rated_books import aging_ties, postings_through, sealed, units_total, usd_weight
from tests.test_ar_chargebacks import _applications_made, _naming, _open_by_invoice
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    REALIZED,
    REMEASURED,
    UNAPPLIED,
    WRITE_OFF,
)

POLICY = {"ar.yaml": "tolerance: {USD: 1.00, EUR: 1.00}\n", "close.yaml": ""}
OPENS = """
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits
"""


def _invoice(number: int, date: str, eur: str, rate: str) -> str:
    usd = quantize(Decimal(eur) * Decimal(rate), 2)
    return f"""
{date} * "Acme" "Invoice INV-{number}" ^INV-{number}
  invoice: "INV-{number}"
  customer: "CUS-1"
  Assets:AccountsReceivable  {eur} EUR @ {rate} USD
  Income:Revenue:Services  -{usd} USD
"""


def _receipt(date: str, amount: str, bank: str, naming: str = "INV-1") -> str:
    return f"""
{date} * "Acme" "Wire"
  receipt: "R-1"
  invoice: "{naming}"
  customer: "CUS-1"
  {bank}  {amount}
  Liabilities:UnappliedCash  -{amount}
"""


def _chargeback(date: str, amount: str, bank: str) -> str:
    return f"""
{date} * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  {bank}  -{amount}
  Liabilities:UnappliedCash  {amount}
"""


def _load(books: Books, text: str) -> list[data.Directive]:
    loaded = reporting.loaded(books, HEADER + OPENS + text, POLICY)
    return list(loaded.entries)


def _taken_back(entries: list[data.Directive]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(date, postings as account, units, price) of each chargeback entry generated."""
    return [
        (
            str(entry.date),
            [(p.account, str(p.units), str(p.price) if p.price else "") for p in entry.postings],
        )
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") == "chargeback"
    ]


def test_worked_example_a_receipt_in_usd_given_back_reopens_its_euros_at_the_carrying_rate(
    books: Books,
) -> None:
    # INV-1 30.00 EUR billed Jan 1 at 1.20 is carried at 36.00 USD. R-1
    # 33.00 USD pays it on Feb 1, when EUR is 1.10 (33.00 / 1.10 = 30.00
    # EUR), realizing 36.00 - 33.00 = 3.00 USD of loss. 11.00 USD of R-1 is
    # charged back on Mar 10: R-1 holds nothing, so the 11.00 USD comes back
    # out of what it paid, which cleared 30.00 EUR for 33.00 USD: 11.00 x
    # 30.00 / 33.00 = 10.00 EUR of INV-1 open again, at its carrying rate
    # 1.20 = 12.00 USD; the cash goes back to R-1 at its 11.00 USD, and the
    # 12.00 - 11.00 = 1.00 USD of the loss that share realized is reversed
    # (a credit to the realized account): 3.00 - 1.00 = 2.00 USD of loss
    # left, the loss on the 20.00 EUR that stay paid (24.00 - 22.00).
    # February is as it was. On Mar 31, EUR still 1.10, the 10.00 EUR open
    # with 12.00 USD of carrying amount are remeasured by 10.00 x 1.10 -
    # 12.00 = -1.00 USD: receivable and remeasurement hold 11.00 USD.
    february = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-01", "30.00", "1.20")
        + _receipt("2026-02-01", "33.00 USD", "Assets:Bank:Operating")
    )
    text = february + _chargeback("2026-03-10", "11.00 USD", "Assets:Bank:Operating")
    alone, both = _load(books, february), _load(books, text)
    assert sealed(both, "2026-02-28") == sealed(alone, "2026-02-28")
    assert _taken_back(both) == [
        (
            "2026-03-10",
            [
                (AR, "10.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-11.00 USD", ""),
                (REALIZED, "-1.00 USD", ""),
            ],
        )
    ]
    assert units_total(postings_through(both, REALIZED, "2026-03-31")) == Decimal("2.00")
    assert units_total(postings_through(both, AR, "2026-03-31")) == Decimal("10.00")
    assert usd_weight(postings_through(both, AR, "2026-03-31")) == Decimal("12.00")
    assert units_total(postings_through(both, REMEASURED, "2026-03-31")) == Decimal("-1.00")
    assert units_total(postings_through(both, UNAPPLIED, "2026-03-31")) == 0
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_take_backs_across_currencies_are_rounded_cumulatively(books: Books) -> None:
    # As above, 30.00 EUR carried at 36.00 USD paid by 33.00 USD, charged
    # back 10.00 USD on Mar 10 and 23.00 USD on Mar 20. The first reopens
    # 10.00 x 30.00 / 33.00 = 9.0909..., 9.09 EUR; the second what all
    # 33.00 USD cleared less that: 30.00 - 9.09 = 20.91 EUR. The receivable
    # derecognizes cumulatively (plugins.derecognition): the first gives
    # back 36.00 - (20.91 x 1.20 = 25.092, 25.09) = 10.91 USD of carrying
    # amount, realizing 10.91 - 10.00 = 0.91 back; the second what is left,
    # 25.09 USD, realizing 25.09 - 23.00 = 2.09 back. Together 3.00 USD:
    # the whole loss reversed, 30.00 EUR open at 36.00 USD, as billed.
    text = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-01", "30.00", "1.20")
        + _receipt("2026-02-01", "33.00 USD", "Assets:Bank:Operating")
        + _chargeback("2026-03-10", "10.00 USD", "Assets:Bank:Operating")
        + _chargeback("2026-03-20", "23.00 USD", "Assets:Bank:Operating")
    )
    entries = _load(books, text)
    made = _taken_back(entries)
    assert [(day, [postings[0][1], postings[1][1], postings[2][1]]) for day, postings in made] == [
        ("2026-03-10", ["9.09 EUR", "-10.00 USD", "-0.91 USD"]),
        ("2026-03-20", ["20.91 EUR", "-23.00 USD", "-2.09 USD"]),
    ]
    assert usd_weight(postings_through(entries, AR, "2026-03-10")) == Decimal("10.91")
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == Decimal("36.00")
    assert units_total(postings_through(entries, REALIZED, "2026-03-31")) == 0
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_a_difference_written_off_across_currencies_is_reversed_with_the_last_of_the_cash(
    books: Books,
) -> None:
    # INV-1 30.00 EUR carried at 36.00 USD; R-1 32.95 USD pays it on Feb 1,
    # when 30.00 EUR are worth 33.00 USD: 0.05 USD short, within the
    # tolerance, written off, and 36.00 - 32.95 - 0.05 = 3.00 USD of loss
    # realized. All 32.95 USD charged back on Mar 10 give back the last of
    # the cash, so they reopen all the application cleared, 30.00 EUR, at
    # the carrying 1.20 (36.00 USD), give the 32.95 USD back to R-1 and
    # reverse the 0.05 USD written off, in USD with no rate as it was
    # booked: 36.00 - 32.95 - 0.05 = 3.00 USD of the loss reversed, none
    # left. Write-off 0.05 - 0.05 = 0.00, INV-1 open 30.00 EUR at 36.00 USD,
    # as billed; February as it was. (Before, 32.95 x 30.00 / 33.00 = 29.95
    # EUR reopened, the 0.05 USD stood written off and 0.01 of the loss
    # stayed realized.)
    february = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-01", "30.00", "1.20")
        + _receipt("2026-02-01", "32.95 USD", "Assets:Bank:Operating")
    )
    text = february + _chargeback("2026-03-10", "32.95 USD", "Assets:Bank:Operating")
    alone, entries = _load(books, february), _load(books, text)
    assert sealed(entries, "2026-02-28") == sealed(alone, "2026-02-28")
    assert units_total(postings_through(alone, WRITE_OFF, "2026-02-28")) == Decimal("0.05")
    assert _taken_back(entries) == [
        (
            "2026-03-10",
            [
                (AR, "30.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-32.95 USD", ""),
                (WRITE_OFF, "-0.05 USD", ""),
                (REALIZED, "-3.00 USD", ""),
            ],
        )
    ]
    assert units_total(postings_through(entries, WRITE_OFF, "2026-03-31")) == 0
    assert units_total(postings_through(entries, REALIZED, "2026-03-31")) == 0
    assert units_total(postings_through(entries, AR, "2026-03-31")) == Decimal("30.00")
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == Decimal("36.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_an_over_payment_across_currencies_never_reopens_more_than_it_cleared(
    books: Books,
) -> None:
    # INV-1 30.00 EUR carried at 1.20 (36.00 USD); R-1 33.30 USD pays it on
    # Jan 20, when 30.00 EUR are worth 30.00 x 1.10 = 33.00 USD: 0.30 USD
    # over, within the tolerance, written off (a credit), and 36.00 - 33.00
    # = 3.00 USD of loss realized. The cash worth what was cleared is 33.00
    # USD. 33.20 USD charged back on Feb 15 give back more than that: they
    # reopen all 30.00 EUR cleared (not 33.20 x 30.00 / 33.00 = 30.18), at
    # the carrying 1.20, 36.00 USD, and the 33.20 - 33.00 = 0.20 USD beyond
    # debit the write-off as it was booked (USD, no rate); the loss reversed
    # is 36.00 - 33.20 + 0.20 = 3.00, all of it. The Feb 28 remeasurement
    # values 30.00 EUR at 1.10: 33.00 - 36.00 = -3.00 USD. 0.10 USD charged
    # back on Mar 10 reopen nothing and debit the write-off 0.10: -0.30 +
    # 0.20 + 0.10 = 0.00, nothing realized. Receivable 30.00 EUR weighing
    # 36.00 USD from Feb 15 on; January as it was, and February as the books
    # with the first chargeback alone have it. (Before, the rule changed:
    # 30.18 EUR reopened weighing 36.22 USD, and March credited -0.18 EUR.)
    january = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-05", "30.00", "1.20")
        + _receipt("2026-01-20", "33.30 USD", "Assets:Bank:Operating")
    )
    february = january + _chargeback("2026-02-15", "33.20 USD", "Assets:Bank:Operating")
    text = february + _chargeback("2026-03-10", "0.10 USD", "Assets:Bank:Operating")
    alone, first, entries = _load(books, january), _load(books, february), _load(books, text)
    assert sealed(entries, "2026-01-31") == sealed(alone, "2026-01-31")
    assert sealed(entries, "2026-02-28") == sealed(first, "2026-02-28")
    assert units_total(postings_through(alone, WRITE_OFF, "2026-01-31")) == Decimal("-0.30")
    assert _taken_back(entries) == [
        (
            "2026-02-15",
            [
                (AR, "30.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-33.20 USD", ""),
                (WRITE_OFF, "0.20 USD", ""),
                (REALIZED, "-3.00 USD", ""),
            ],
        ),
        ("2026-03-10", [(UNAPPLIED, "-0.10 USD", ""), (WRITE_OFF, "0.10 USD", "")]),
    ]
    assert units_total(postings_through(entries, AR, "2026-02-28")) == Decimal("30.00")
    assert usd_weight(postings_through(entries, AR, "2026-02-28")) == Decimal("36.00")
    assert units_total(postings_through(entries, REMEASURED, "2026-02-28")) == Decimal("-3.00")
    assert units_total(postings_through(entries, WRITE_OFF, "2026-03-31")) == 0
    assert units_total(postings_through(entries, REALIZED, "2026-03-31")) == 0
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == Decimal("36.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_a_chargeback_of_a_recovery_at_rates_writes_the_euros_off_again_at_their_rate(
    books: Books,
) -> None:
    # INV-9 100.00 EUR carried at 1.20 (120.00 USD), written off on Jan 10
    # at 1.20 (bad debt 120.00 USD). R-1 100.00 EUR at 1.10 naming it on
    # Feb 20 recovers it (AR 100.00 EUR @ 1.20, bad debt -120.00 USD) and
    # pays it, realizing 120.00 - 110.00 = 10.00 USD of loss. 30.00 EUR
    # charged back on Mar 15 reopens 30.00 EUR at 1.20 (36.00 USD) for 33.00
    # USD of cash, reversing 3.00 of the loss, and the recovery is reversed
    # in proportion, at its rate: 100.00 x 30.00 / 100.00 = 30.00 EUR
    # credited at 1.20 against 120.00 x 30.00 / 100.00 = 36.00 USD of bad
    # debt. INV-9 nothing open, receivable 0.00 USD; bad debt 36.00 USD, the
    # 30.00 EUR written off again; 7.00 USD of loss stays realized on the
    # 70.00 EUR that stay recovered and paid (84.00 - 77.00); February as
    # it was.
    february = (
        "\n2026-01-01 open Expenses:BadDebt\n"
        "2026-01-01 price EUR 1.20 USD\n2026-02-20 price EUR 1.10 USD\n"
        + _invoice(9, "2026-01-02", "100.00", "1.20")
        + """
2026-01-10 * "Acme" "Write off INV-9" ^INV-9
  invoice: "INV-9"
  status: "uncollectible"
  Assets:AccountsReceivable  -100.00 EUR @ 1.20 USD
  Expenses:BadDebt  120.00 USD
"""
        + _receipt("2026-02-20", "100.00 EUR @ 1.10 USD", "Assets:Bank:Euro", "INV-9")
    )
    text = february + _chargeback("2026-03-15", "30.00 EUR @ 1.10 USD", "Assets:Bank:Euro")
    alone, entries = _load(books, february), _load(books, text)
    assert sealed(entries, "2026-02-28") == sealed(alone, "2026-02-28")
    made = [
        (
            str(entry.date),
            entry.narration,
            [(p.account, str(p.units), str(p.price or "")) for p in entry.postings],
        )
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") == "chargeback"
    ]
    assert made == [
        (
            "2026-03-15",
            "Chargeback of R-1 taken back from INV-9",
            [
                (AR, "30.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-30.00 EUR", "1.10 USD"),
                (REALIZED, "-3.00 USD", ""),
            ],
        ),
        (
            "2026-03-15",
            "Chargeback of R-1: recovery of INV-9 reversed",
            [(AR, "-30.00 EUR", "1.20 USD"), ("Expenses:BadDebt", "36.00 USD", "")],
        ),
    ]
    assert units_total(postings_through(entries, AR, "2026-03-31")) == 0
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == 0
    assert units_total(postings_through(entries, "Expenses:BadDebt", "2026-03-31")) == Decimal(
        "36.00"
    )
    assert units_total(postings_through(entries, REALIZED, "2026-03-31")) == Decimal("7.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_a_receipt_after_a_chargeback_of_a_recovery_at_rates_recovers_at_the_rate_again(
    books: Books,
) -> None:
    # As above, R-2 30.00 EUR at 1.05 naming INV-9 on Mar 25, after the
    # chargeback wrote 30.00 EUR off again at 1.20 (36.00 USD of bad debt):
    # it recovers them at that rate, 30.00 EUR @ 1.20 against 30.00 x 1.20
    # = 36.00 USD of bad debt (all 130.00 EUR recovered so far are worth
    # 156.00 USD, less the 120.00 of R-1), and pays them, realizing 36.00 -
    # 31.50 = 4.50 USD of loss. Bad debt 120.00 - 120.00 + 36.00 - 36.00 =
    # 0.00; loss 7.00 + 4.50 = 11.50 USD; the receivable 0.00 EUR weighing
    # 0.00 USD; March 24 and before as they were.
    march = (
        "\n2026-01-01 open Expenses:BadDebt\n"
        "2026-01-01 price EUR 1.20 USD\n2026-02-20 price EUR 1.10 USD\n"
        "2026-03-25 price EUR 1.05 USD\n"
        + _invoice(9, "2026-01-02", "100.00", "1.20")
        + """
2026-01-10 * "Acme" "Write off INV-9" ^INV-9
  invoice: "INV-9"
  status: "uncollectible"
  Assets:AccountsReceivable  -100.00 EUR @ 1.20 USD
  Expenses:BadDebt  120.00 USD
"""
        + _receipt("2026-02-20", "100.00 EUR @ 1.10 USD", "Assets:Bank:Euro", "INV-9")
        + _chargeback("2026-03-15", "30.00 EUR @ 1.10 USD", "Assets:Bank:Euro")
    )
    later = """
2026-03-25 * "Acme" "Wire"
  receipt: "R-2"
  invoice: "INV-9"
  customer: "CUS-1"
  Assets:Bank:Euro  30.00 EUR @ 1.05 USD
  Liabilities:UnappliedCash  -30.00 EUR @ 1.05 USD
"""
    alone, entries = _load(books, march), _load(books, march + later)
    assert sealed(entries, "2026-03-24") == sealed(alone, "2026-03-24")
    made = [
        (
            str(entry.date),
            entry.narration,
            [(p.account, str(p.units), str(p.price or "")) for p in entry.postings],
        )
        for entry in generated(entries)
        if entry.meta.get("revclose_receipt") == "R-2"
    ]
    assert made == [
        (
            "2026-03-25",
            "Recovery of INV-9 written off, from R-2",
            [(AR, "30.00 EUR", "1.20 USD"), ("Expenses:BadDebt", "-36.00 USD", "")],
        ),
        (
            "2026-03-25",
            "Cash application INV-9 from R-2",
            [
                (UNAPPLIED, "30.00 EUR", "1.05 USD"),
                (AR, "-30.00 EUR", "1.20 USD"),
                (REALIZED, "4.50 USD", ""),
            ],
        ),
    ]
    assert units_total(postings_through(entries, AR, "2026-03-31")) == 0
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == 0
    assert units_total(postings_through(entries, "Expenses:BadDebt", "2026-03-31")) == 0
    assert units_total(postings_through(entries, REALIZED, "2026-03-31")) == Decimal("11.50")
    aging_ties(books, HEADER + OPENS + march + later, POLICY, "2026-03-31")


def test_the_take_back_that_empties_an_application_across_currencies_reverses_its_write_off(
    books: Books,
) -> None:
    # As above, 30.00 EUR carried at 36.00 USD paid on Feb 1 by 32.95 USD,
    # 0.05 USD written off, 3.00 USD of loss realized; charged back 10.00
    # USD on Mar 10 and the other 22.95 USD on Apr 10. The first is a part:
    # it reopens 10.00 x 30.00 / 33.00 = 9.0909..., 9.09 EUR (in proportion
    # to the 33.00 USD the cleared euros were worth), derecognized
    # cumulatively: 36.00 - (20.91 x 1.20 = 25.092, 25.09) = 10.91 USD back
    # against 10.00 of cash, 0.91 of the loss reversed; the write-off
    # stands. The second gives back the last of the cash: it reopens what is
    # left of the 30.00 EUR cleared, 30.00 - 9.09 = 20.91 EUR, the rest of
    # the carrying amount, 25.09 USD, against 22.95 USD of cash, and
    # reverses the 0.05 USD written off: 25.09 - 22.95 - 0.05 = 2.09 of the
    # loss reversed. Together 0.91 + 2.09 = 3.00: no loss left, no
    # write-off, 30.00 EUR open at 36.00 USD. March (its month end
    # included) is as the books with the first take-back alone have it.
    march = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-01", "30.00", "1.20")
        + _receipt("2026-02-01", "32.95 USD", "Assets:Bank:Operating")
        + _chargeback("2026-03-10", "10.00 USD", "Assets:Bank:Operating")
    )
    text = march + _chargeback("2026-04-10", "22.95 USD", "Assets:Bank:Operating")
    alone, entries = _load(books, march), _load(books, text)
    assert sealed(entries, "2026-03-31") == sealed(alone, "2026-03-31")
    assert units_total(postings_through(alone, WRITE_OFF, "2026-03-31")) == Decimal("0.05")
    made = _taken_back(entries)
    assert [(day, [posting[:2] for posting in postings]) for day, postings in made] == [
        ("2026-03-10", [(AR, "9.09 EUR"), (UNAPPLIED, "-10.00 USD"), (REALIZED, "-0.91 USD")]),
        (
            "2026-04-10",
            [
                (AR, "20.91 EUR"),
                (UNAPPLIED, "-22.95 USD"),
                (WRITE_OFF, "-0.05 USD"),
                (REALIZED, "-2.09 USD"),
            ],
        ),
    ]
    assert usd_weight(postings_through(entries, AR, "2026-03-31")) == Decimal("10.91")
    assert units_total(postings_through(entries, WRITE_OFF, "2026-04-30")) == 0
    assert units_total(postings_through(entries, REALIZED, "2026-04-30")) == 0
    assert units_total(postings_through(entries, AR, "2026-04-30")) == Decimal("30.00")
    assert usd_weight(postings_through(entries, AR, "2026-04-30")) == Decimal("36.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-04-30")


def test_a_write_off_in_the_invoices_currency_is_reversed_at_the_rate_it_was_booked(
    books: Books,
) -> None:
    # INV-1 100.00 EUR billed Jan 5 at 1.20 (120.00 USD). R-1 99.50 EUR
    # naming it on Jan 20, at 1.10, pays it 0.50 EUR short, written off at
    # R-1's 1.10 (0.55 USD): 120.00 - 99.50 x 1.10 (109.45) - 0.55 = 10.00
    # USD of loss realized. All 99.50 EUR charged back on Feb 15 give back
    # the last of the cash: INV-1 reopens by the 100.00 EUR cleared at
    # 1.20 (120.00 USD), the cash goes back at 1.10 (109.45 USD), and the
    # 0.50 EUR written off is reversed at 1.10 (0.55 USD): 120.00 - 109.45
    # - 0.55 = 10.00 USD of the loss reversed. Write-off 0.00 EUR, realized
    # 0.00, INV-1 open 100.00 EUR at 120.00 USD as billed; January as it
    # was. On Feb 28, EUR 1.10: 100.00 x 1.10 - 120.00 = -10.00 remeasured.
    january = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-05", "100.00", "1.20")
        + _receipt("2026-01-20", "99.50 EUR", "Assets:Bank:Euro")
    )
    text = january + _chargeback("2026-02-15", "99.50 EUR", "Assets:Bank:Euro")
    alone, both = _load(books, january), _load(books, text)
    assert sealed(both, "2026-01-31") == sealed(alone, "2026-01-31")
    assert units_total(postings_through(alone, WRITE_OFF, "2026-01-31")) == Decimal("0.50")
    assert _taken_back(both) == [
        (
            "2026-02-15",
            [
                (AR, "100.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-99.50 EUR", "1.10 USD"),
                (WRITE_OFF, "-0.50 EUR", "1.10 USD"),
                (REALIZED, "-10.00 USD", ""),
            ],
        )
    ]
    assert units_total(postings_through(both, WRITE_OFF, "2026-02-28")) == 0
    assert units_total(postings_through(both, REALIZED, "2026-02-28")) == 0
    assert usd_weight(postings_through(both, AR, "2026-02-28")) == Decimal("120.00")
    assert units_total(postings_through(both, REMEASURED, "2026-02-28")) == Decimal("-10.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-02-28")


def test_a_chargeback_of_a_part_payment_gives_back_the_piece_it_derecognized(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.0837 is carried at 108.37 USD. R-1 55.00 USD
    # (50.00 EUR at 1.10) pays half of it on Feb 1 and derecognizes 50.00 x
    # 1.0837 = 54.185, rounded half to even 54.18 USD (price 1.0836),
    # realizing 55.00 - 54.18 = 0.82 USD of gain. All 55.00 USD charged
    # back on Mar 10 reopen 55.00 x 50.00 / 55.00 = 50.00 EUR. Cumulatively
    # (plugins.derecognition) 54.18 USD was cleared before and 0.00 EUR x
    # 1.0837 = 0.00 is after, so the take-back gives back 54.18 - 0.00 =
    # 54.18 USD (price 54.18 / 50.00 = 1.0836) against the 55.00 USD of
    # cash, a debit of 0.82 USD to the realized account: the gain reversed.
    # INV-1 is open 100.00 EUR at 108.37 USD again, February as it was.
    february = (
        "\n2026-01-01 price EUR 1.0837 USD\n2026-02-01 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-05", "100.00", "1.0837")
        + _receipt("2026-02-01", "55.00 USD", "Assets:Bank:Operating")
    )
    text = february + _chargeback("2026-03-10", "55.00 USD", "Assets:Bank:Operating")
    alone, both = _load(books, february), _load(books, text)
    assert sealed(both, "2026-02-28") == sealed(alone, "2026-02-28")
    assert _taken_back(both) == [
        (
            "2026-03-10",
            [
                (AR, "50.00 EUR", "1.0836 USD"),
                (UNAPPLIED, "-55.00 USD", ""),
                (REALIZED, "0.82 USD", ""),
            ],
        )
    ]
    assert units_total(postings_through(both, AR, "2026-03-31")) == Decimal("100.00")
    assert usd_weight(postings_through(both, AR, "2026-03-31")) == Decimal("108.37")
    assert units_total(postings_through(both, REALIZED, "2026-03-31")) == 0
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-03-31")


def test_a_credit_parked_at_the_receipts_rate_is_taken_back_at_it(books: Books) -> None:
    # INV-1 100.00 EUR at 1.20 (120.00 USD). R-1 150.00 EUR naming it on
    # Jan 20, at 1.10, pays it, realizing 120.00 - 110.00 = 10.00 USD of
    # loss, and parks 50.00 EUR at 1.10 (55.00 USD) in customer credits.
    # 70.00 EUR charged back on Feb 15 take the 50.00 EUR of credit first,
    # at the rate it was parked at, 1.10 on both sides: nothing realized;
    # then 20.00 EUR of INV-1, at its carrying 1.20 (24.00 USD) against
    # 22.00 USD of cash at 1.10, reversing 2.00 USD of the loss: 8.00 USD
    # left. Credits 0.00 EUR, INV-1 open 20.00 EUR at 24.00 USD, January as
    # it was. On Feb 28, EUR 1.10: 20.00 x 1.10 - 24.00 = -2.00 remeasured.
    january = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
        + _invoice(1, "2026-01-05", "100.00", "1.20")
        + _receipt("2026-01-20", "150.00 EUR", "Assets:Bank:Euro")
    )
    text = january + _chargeback("2026-02-15", "70.00 EUR", "Assets:Bank:Euro")
    alone, both = _load(books, january), _load(books, text)
    assert sealed(both, "2026-01-31") == sealed(alone, "2026-01-31")
    assert _taken_back(both) == [
        ("2026-02-15", [(CREDITS, "50.00 EUR", "1.10 USD"), (UNAPPLIED, "-50.00 EUR", "1.10 USD")]),
        (
            "2026-02-15",
            [
                (AR, "20.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-20.00 EUR", "1.10 USD"),
                (REALIZED, "-2.00 USD", ""),
            ],
        ),
    ]
    assert units_total(postings_through(both, CREDITS, "2026-02-28")) == 0
    assert units_total(postings_through(both, REALIZED, "2026-02-28")) == Decimal("8.00")
    assert usd_weight(postings_through(both, AR, "2026-02-28")) == Decimal("24.00")
    assert units_total(postings_through(both, REMEASURED, "2026-02-28")) == Decimal("-2.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-02-28")


def test_what_a_credit_paid_at_rates_is_taken_back_at_its_rates(books: Books) -> None:
    # INV-1 100.00 EUR at 1.20 and R-1 150.00 EUR at 1.10 naming it on Jan
    # 20, as above: 10.00 USD of loss realized, 50.00 EUR parked at 1.10.
    # INV-2 20.00 EUR at 1.30 (26.00 USD) is billed on Jan 25 and the credit
    # pays it that day: 20.00 EUR at 1.10 (22.00 USD) clear 26.00 USD,
    # 4.00 USD of loss realized; the credit holds 30.00 EUR. 140.00 EUR
    # charged back on Feb 15 take the 30.00 EUR of credit at 1.10 on both
    # sides, then the 100.00 EUR R-1 put on INV-1 (reopened at 1.20,
    # 120.00 USD, against 110.00 USD of cash: 10.00 USD of loss reversed),
    # then 140.00 - 30.00 - 100.00 = 10.00 EUR of what the credit paid INV-2
    # (reopened at 1.30, 13.00 USD, against 11.00 USD at the credit's 1.10:
    # 2.00 USD of loss reversed). Realized 10.00 + 4.00 - 10.00 - 2.00 =
    # 2.00 USD, the loss on the 10.00 EUR of INV-2 still paid; credits
    # 0.00 EUR; the receivable weighs 120.00 + 13.00 = 133.00 USD; unapplied
    # cash 0.00 EUR; January as it was.
    january = (
        "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
        "2026-01-25 price EUR 1.30 USD\n"
        + _invoice(1, "2026-01-05", "100.00", "1.20")
        + _invoice(2, "2026-01-25", "20.00", "1.30")
        + _receipt("2026-01-20", "150.00 EUR", "Assets:Bank:Euro")
    )
    text = january + _chargeback("2026-02-15", "140.00 EUR", "Assets:Bank:Euro")
    alone, both = _load(books, january), _load(books, text)
    assert sealed(both, "2026-01-31") == sealed(alone, "2026-01-31")
    assert _taken_back(both) == [
        ("2026-02-15", [(CREDITS, "30.00 EUR", "1.10 USD"), (UNAPPLIED, "-30.00 EUR", "1.10 USD")]),
        (
            "2026-02-15",
            [
                (AR, "100.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-100.00 EUR", "1.10 USD"),
                (REALIZED, "-10.00 USD", ""),
            ],
        ),
        (
            "2026-02-15",
            [
                (AR, "10.00 EUR", "1.30 USD"),
                (UNAPPLIED, "-10.00 EUR", "1.10 USD"),
                (REALIZED, "-2.00 USD", ""),
            ],
        ),
    ]
    assert units_total(postings_through(both, CREDITS, "2026-02-28")) == 0
    assert units_total(postings_through(both, UNAPPLIED, "2026-02-28")) == 0
    assert units_total(postings_through(both, REALIZED, "2026-02-28")) == Decimal("2.00")
    assert usd_weight(postings_through(both, AR, "2026-02-28")) == Decimal("133.00")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-02-28")


def _euro_receipt(date: str, eur: str, name: str, naming: str) -> str:
    return f"""
{date} * "Acme" "Wire"
  receipt: "{name}"
  invoice: "{naming}"
  customer: "CUS-1"
  Assets:Bank:Euro  {eur} EUR
  Liabilities:UnappliedCash  -{eur} EUR
"""


def _euro_chargeback(date: str, eur: str, name: str) -> str:
    return f"""
{date} * "Acme" "Chargeback of {name}"
  receipt: "{name}"
  Assets:Bank:Euro  -{eur} EUR
  Liabilities:UnappliedCash  {eur} EUR
"""


# EUR at 1.20 from Jan 1 and 1.10 from Jan 20. INV-1 100.00 EUR (Jan 5),
# INV-3 100.00 EUR (Jan 8) and INV-2 20.00 EUR (Jan 25), each at 1.20.
# R-2 100.00 EUR names INV-3 and pays it on Jan 10. R-1 150.00 EUR names
# INV-1 on Jan 20: it pays 100.00 and parks 50.00 EUR at 1.10; its credit
# pays INV-2 20.00 on Jan 25 and holds 30.00. R-2 is charged back in full
# on Feb 10: INV-3 is open 100.00 again, posted on Feb 10 before matching
# in the next reading, as in USD (`Charged.in_calendar`), and R-1's credit
# pays 30.00 of it that day (30.00 EUR at 1.10 clear 36.00 USD: 3.00 USD of loss
# realized), holding 0.00.
_REOPENED_AT_A_RATE = (
    "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
    + _invoice(1, "2026-01-05", "100.00", "1.20")
    + _invoice(3, "2026-01-08", "100.00", "1.20")
    + _invoice(2, "2026-01-25", "20.00", "1.20")
    + _euro_receipt("2026-01-10", "100.00", "R-2", "INV-3")
    + _euro_receipt("2026-01-20", "150.00", "R-1", "INV-1")
    + _euro_chargeback("2026-02-10", "100.00", "R-2")
)


def test_what_the_credit_paid_after_another_chargeback_reopened_an_invoice_is_taken_back(
    books: Books,
) -> None:
    # 130.00 EUR of R-1 charged back on Mar 10. R-1 holds nothing
    # unapplied and its credit holds 50.00 - 20.00 - 30.00 = 0.00; its
    # application gives back the 100.00 it put on INV-1 (reopened at 1.20,
    # 120.00 USD, for 110.00 USD of cash: 10.00 USD of loss reversed), and
    # the other 130.00 - 100.00 = 30.00 come out of what the credit paid,
    # the latest paid first: all 30.00 it paid INV-3 on Feb 10 (reopened at
    # 1.20, 36.00 USD, for 33.00 USD of credit at 1.10: 3.00 USD reversed);
    # the 20.00 it paid INV-2 on Jan 25 stay paid. 150.00 = 130.00 + 20.00:
    # nothing is beyond what R-1 received, so nothing is read as before, and
    # January and February are as they were. INV-1 is open 100.00, INV-3
    # 100.00 - 100.00 + 100.00 - 30.00 + 30.00 = 100.00, INV-2 0.00;
    # unapplied cash 250.00 - 250.00 - 100.00 + 100.00 - 130.00 + 100.00 +
    # 30.00 = 0.00 EUR, credits -50.00 + 20.00 + 30.00 = 0.00 EUR. 120.00
    # charged back instead takes 100.00 from INV-1 and 120.00 - 100.00 =
    # 20.00 of the 30.00 the credit paid INV-3, the latest: INV-3 is open
    # 100.00 - 30.00 + 20.00 = 90.00 and INV-2 stays paid. (Found by a
    # review: the credit's payment of INV-3 is made once the customer's cash
    # is matched again after R-2's take-back, and the debit was read before
    # it: 130.00 found 100.00 + 20.00 = 120.00 and was read as before,
    # January losing R-1's application and its credit's payment of INV-2;
    # 120.00 reopened INV-2 by 20.00, the older payment before the latest.
    # Now a debit reaching into what its credit paid is read after it.)
    alone = _load(books, _REOPENED_AT_A_RATE)
    both = _load(books, _REOPENED_AT_A_RATE + _euro_chargeback("2026-03-10", "130.00", "R-1"))
    assert sealed(both, "2026-01-31") == sealed(alone, "2026-01-31")
    assert sealed(both, "2026-02-28") == sealed(alone, "2026-02-28")
    assert [one for one in _taken_back(both) if one[0] == "2026-03-10"] == [
        (
            "2026-03-10",
            [
                (AR, "100.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-100.00 EUR", "1.10 USD"),
                (REALIZED, "-10.00 USD", ""),
            ],
        ),
        (
            "2026-03-10",
            [
                (AR, "30.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-30.00 EUR", "1.10 USD"),
                (REALIZED, "-3.00 USD", ""),
            ],
        ),
    ]
    assert _open_by_invoice(both) == {"INV-1": Decimal("100.00"), "INV-3": Decimal("100.00")}
    assert units_total(postings_through(both, UNAPPLIED, "2026-03-31")) == 0
    assert units_total(postings_through(both, CREDITS, "2026-03-31")) == 0
    less = _load(books, _REOPENED_AT_A_RATE + _euro_chargeback("2026-03-10", "120.00", "R-1"))
    assert sealed(less, "2026-02-28") == sealed(alone, "2026-02-28")
    assert _open_by_invoice(less) == {"INV-1": Decimal("100.00"), "INV-3": Decimal("90.00")}


def _euro_wire(date: str, eur: str, name: str, naming: str = "") -> str:
    extra = f'\n  invoice: "{naming}"' if naming else ""
    return f"""
{date} * "Acme" "Wire"
  receipt: "{name}"
  customer: "CUS-1"{extra}
  Assets:Bank:Euro  {eur} EUR
  Liabilities:UnappliedCash  -{eur} EUR
"""


def _eur(entries: list[data.Directive], account: str) -> Decimal:
    return units_total(postings_through(entries, account, "2026-12-31"), "EUR")


# EUR at 1.20 from Jan 1 and 1.10 from Jan 20. INV-1 100.00 EUR (Jan 5),
# INV-2 20.00 EUR (Jan 25) and INV-3 30.00 EUR (Jan 28), each at 1.20.
# R-1 150.00 EUR names INV-1 on Jan 20: it pays 100.00 and parks 50.00 EUR
# at 1.10; its credit pays INV-2 20.00 on Jan 25 and INV-3 30.00 on Jan
# 28, holding 50.00 - 20.00 - 30.00 = 0.00. 20.00 EUR of R-1 charged back
# on Feb 15 naming INV-2: the credit holds nothing and R-1 paid INV-2
# through its credit, so the debit waits for the second round and opens
# INV-2 again by 20.00 EUR from Feb 15 (24.00 USD for 22.00 USD of credit).
_SPENT_AT_A_RATE = (
    "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
    + _invoice(1, "2026-01-05", "100.00", "1.20")
    + _invoice(2, "2026-01-25", "20.00", "1.20")
    + _invoice(3, "2026-01-28", "30.00", "1.20")
    + _euro_receipt("2026-01-20", "150.00", "R-1", "INV-1")
)
_NAMING_INV_2 = _naming(_euro_chargeback("2026-02-15", "20.00", "R-1"), "R-1", "INV-2")


def test_what_a_second_round_chargeback_reopens_at_a_rate_is_paid_by_waiting_cash(
    books: Books,
) -> None:
    # Waiting receipt: R-3 20.00 EUR of CUS-1 on Jan 30 names nothing and
    # finds nothing open (INV-1, INV-2, INV-3 paid): it waits. INV-2 is open
    # 20.00 EUR again from Feb 15, so R-3 pays it by amount that day, as it
    # does in USD (`test_in_usd_what_a_second_round_chargeback_reopens_is_paid`)
    # and as it pays INV-1 when the same 20.00 EUR name nothing (then read in
    # the first round: INV-1 reopened by 20.00, matched again). Right: no
    # invoice open; unapplied cash 150.00 + 20.00 - 150.00 - 20.00 + 20.00
    # - 20.00 = 0.00 EUR. (Found by the review of 71153e9: INV-2 open 20.00
    # EUR and R-3's 20.00 EUR still unapplied, the second round's reopening
    # matched by nothing, and an invoice at a foreign rate not read again
    # before matching. Now the customer's cash is matched again after it.)
    waiting = _load(books, _SPENT_AT_A_RATE + _euro_wire("2026-01-30", "20.00", "R-3"))
    both = _load(books, _SPENT_AT_A_RATE + _euro_wire("2026-01-30", "20.00", "R-3") + _NAMING_INV_2)
    assert sealed(both, "2026-01-31") == sealed(waiting, "2026-01-31")
    assert ("2026-02-15", "Chargeback of R-1 taken back from INV-2") in _applications_made(both)
    assert ("2026-02-15", "Cash application INV-2 from R-3") in _applications_made(both)
    assert _open_by_invoice(both) == {}
    assert _eur(both, UNAPPLIED) == 0
    # Another credit of the customer: R-3 30.00 EUR on Jan 30 names INV-4
    # 10.00 EUR (Jan 29, at 1.10), pays it and parks 20.00 EUR, which finds
    # nothing open and waits. It pays the 20.00 EUR of INV-2 opened again on
    # Feb 15, that day. Right: no invoice open, customer credits -20.00 +
    # 20.00 = 0.00 EUR. (Before: INV-2 open 20.00 EUR, the credit holding
    # 20.00 EUR.)
    credit = (
        _SPENT_AT_A_RATE
        + _invoice(4, "2026-01-29", "10.00", "1.10")
        + _euro_wire("2026-01-30", "30.00", "R-3", "INV-4")
    )
    both = _load(books, credit + _NAMING_INV_2)
    assert ("2026-02-15", "Customer credit from R-3 applied to INV-2") in _applications_made(both)
    assert _open_by_invoice(both) == {}
    assert _eur(both, CREDITS) == 0


# EUR at 1.20 from Jan 1 and 1.10 from Jan 20. INV-1 100.00 EUR (Jan 5)
# and INV-3 100.00 EUR (Jan 8), at 1.20. R-2 100.00 EUR names INV-3 and
# pays it on Jan 10. R-1 150.00 EUR names INV-1 on Jan 20: it pays 100.00
# and parks 50.00 EUR at 1.10, which finds nothing open. R-2 charged back
# in full on Feb 10 opens INV-3 again by 100.00 EUR, and R-1's credit pays
# 50.00 EUR of it that day (the second round of credit applications):
# INV-3 open 50.00 EUR, the credit holding nothing.
_PAID_IN_ROUND_TWO = (
    "\n2026-01-01 price EUR 1.20 USD\n2026-01-20 price EUR 1.10 USD\n"
    + _invoice(1, "2026-01-05", "100.00", "1.20")
    + _invoice(3, "2026-01-08", "100.00", "1.20")
    + _euro_receipt("2026-01-10", "100.00", "R-2", "INV-3")
    + _euro_receipt("2026-01-20", "150.00", "R-1", "INV-1")
    + _euro_chargeback("2026-02-10", "100.00", "R-2")
)


def test_a_chargeback_naming_what_the_credit_paid_in_the_second_round_takes_it_back(
    books: Books,
) -> None:
    # 20.00 EUR of R-1 charged back on Mar 10 naming INV-3. R-1 paid INV-3
    # through its credit on Feb 10, before the debit's day: no error, and
    # the named invoice gives back first. The credit holds nothing, so the
    # 20.00 EUR come out of the 50.00 EUR it paid INV-3: INV-3 reopens by
    # 20.00 EUR at 1.20 (24.00 USD) for 20.00 EUR of credit at 1.10 (22.00
    # USD), 2.00 USD of loss reversed; INV-1 stays paid. INV-3 open 100.00
    # - 100.00 + 100.00 - 50.00 + 20.00 = 70.00 EUR. The same books in USD
    # are right (`test_in_usd_what_a_second_round_chargeback_reopens_is_paid`).
    # (Found by the review of 71153e9: an error "names invoice 'INV-3',
    # which R-1 did not pay before 2026-03-10" at the debit's line, and
    # INV-1 reopened by 20.00 EUR instead: the first round waited only for
    # a named invoice among the credit's payments it knew, and this payment
    # is made in the second round of credit applications. Now a debit
    # naming an invoice nothing known of its receipt paid waits too.)
    text = _PAID_IN_ROUND_TWO + _naming(
        _euro_chargeback("2026-03-10", "20.00", "R-1"), "R-1", "INV-3"
    )
    found = loaded_books.load(str(reporting.written(books, HEADER + OPENS + text, POLICY)))
    assert [error.message for error in found.errors] == []
    entries = list(found.entries)
    assert [one for one in _taken_back(entries) if one[0] == "2026-03-10"] == [
        (
            "2026-03-10",
            [
                (AR, "20.00 EUR", "1.20 USD"),
                (UNAPPLIED, "-20.00 EUR", "1.10 USD"),
                (REALIZED, "-2.00 USD", ""),
            ],
        )
    ]
    assert _open_by_invoice(entries) == {"INV-3": Decimal("70.00")}


RATES = st.integers(min_value=8000, max_value=14000)  # 0.8000 to 1.4000 USD a euro


@st.composite
def _charged_back(draw: st.DrawFn) -> tuple[str, str, int, Decimal, Decimal, bool]:
    """An invoice in euros paid in January and charged back in part in February.

    The receipt is in euros or in USD (then of the euros at its day's
    rate), short by up to 0.50 (within the 1.00 tolerance, so it clears all
    of them and writes the rest off). Sometimes the rest of the receipt is
    charged back too, on Feb 20. Returns January's books, the chargebacks,
    the euros billed, the carrying rate, February's end rate and whether
    all the receipt was charged back.
    """
    billed = draw(st.integers(min_value=100, max_value=1_000_000))
    carrying = Decimal(draw(RATES)).scaleb(-4)
    paid_at = Decimal(draw(RATES)).scaleb(-4)
    end = Decimal(draw(RATES)).scaleb(-4)
    eur = Decimal(billed).scaleb(-2)
    short = Decimal(draw(st.integers(min_value=0, max_value=50))).scaleb(-2)
    january = (
        f"\n2026-01-01 price EUR {carrying} USD\n2026-01-20 price EUR {paid_at} USD\n"
        f"2026-02-28 price EUR {end} USD\n" + _invoice(1, "2026-01-05", str(eur), str(carrying))
    )
    if draw(st.booleans()):
        paid = eur - short
        january += _receipt("2026-01-20", f"{paid} EUR", "Assets:Bank:Euro")
        cents = int(paid.scaleb(2))
        charged = Decimal(draw(st.integers(min_value=1, max_value=cents))).scaleb(-2)
        february = _chargeback("2026-02-15", f"{charged} EUR", "Assets:Bank:Euro")
        bank, currency, rest = "Assets:Bank:Euro", "EUR", paid - charged
    else:
        usd = quantize(eur * paid_at, 2) - short
        january += _receipt("2026-01-20", f"{usd} USD", "Assets:Bank:Operating")
        cents = int(usd.scaleb(2))
        charged = Decimal(draw(st.integers(min_value=1, max_value=cents))).scaleb(-2)
        february = _chargeback("2026-02-15", f"{charged} USD", "Assets:Bank:Operating")
        bank, currency, rest = "Assets:Bank:Operating", "USD", usd - charged
    if rest and draw(st.booleans()):
        february += _chargeback("2026-02-20", f"{rest} {currency}", bank)
        rest = Decimal(0)
    return january, february, billed, carrying, end, not rest


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_charged_back())
def test_a_chargeback_at_rates_leaves_january_and_ties_the_receivable(
    books: Books, case: tuple[str, str, int, Decimal, Decimal, bool]
) -> None:
    # Whatever the invoice, its carrying rate, the receipt's rate, currency
    # and shortfall written off, and what is charged back:
    # - January is as it was (the application and its realized difference);
    # - unapplied cash is back to nothing, and what is open of INV-1 is what
    #   the cash given back cleared;
    # - the receivable's weight in USD is the open euros at the carrying
    #   rate, to within the half cent the cumulative pieces round to, and
    #   with February's remeasurement it is the open euros at Feb 28's
    #   rate, to the same half cent;
    # - once all the receipt is given back, the invoice is open for all it
    #   billed and nothing stays written off;
    # - the aging's functional total ties the general ledger on Feb 28.
    january, february, billed, carrying, end, all_back = case
    alone, both = _load(books, january), _load(books, january + february)
    assert sealed(both, "2026-01-31") == sealed(alone, "2026-01-31")
    assert units_total(postings_through(both, UNAPPLIED, "2026-02-28")) == 0
    held = postings_through(both, AR, "2026-02-28")
    open_eur = units_total(held)
    assert 0 < open_eur <= Decimal(billed).scaleb(-2)
    half_cent = Decimal("0.005")
    assert abs(usd_weight(held) - open_eur * carrying) <= half_cent
    remeasured = units_total(postings_through(both, REMEASURED, "2026-02-28"))
    assert abs(usd_weight(held) + remeasured - open_eur * end) <= half_cent
    if all_back:
        assert open_eur == Decimal(billed).scaleb(-2)
        assert units_total(postings_through(both, WRITE_OFF, "2026-02-28")) == 0
    aging_ties(books, HEADER + OPENS + january + february, POLICY, "2026-02-28")
