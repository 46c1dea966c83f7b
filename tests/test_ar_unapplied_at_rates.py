"""Unapplied cash paid out at a rate of its own realizes its difference from the receipt's.

A receipt in a foreign currency is carried in unapplied cash at its own
rate, and everything the plugin moves of it moves at that rate. A typed
debit of it at another rate (a chargeback or refund typed at the bank's
dollars, `Liabilities:UnappliedCash 130.00 EUR @ 1.10 USD` of a receipt
received at 1.20) gets an own-rate entry (`plugins.unapplied_own_rate`)
that moves its units back at its own rate and out at the receipt's, the
difference to the realized account, so unapplied cash is 0.00 in both the
currency and the functional currency once the receipt is used up. Before
the rule no such entry was made: unapplied cash was 0.00 EUR but weighed
the difference in USD, realized nowhere, and every test below but the last
failed so.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data

from reports import receivables
from tests import reporting
from tests.conftest import Books, error_lines, generated, line_of
from tests.rated_books import postings_through, sealed, units_total, usd_weight
from tests.test_ar_credits_refunded_at_rates import own_rates
from tests.test_ar_reconciliation import AR, CREDITS, HEADER, REALIZED, UNAPPLIED, load

POLICY = {"ar.yaml": "tolerance: {USD: 1.00, EUR: 1.00}\n", "close.yaml": ""}
OPENS = """
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits
"""


def _load(books: Books, text: str) -> list[data.Directive]:
    """Loads the books as the reports do, without errors (`reporting.loaded`)."""
    return list(reporting.loaded(books, HEADER + OPENS + text, POLICY).entries)


def _own_rates(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """Each own-rate entry on unapplied cash (`own_rates`)."""
    return own_rates(entries, UNAPPLIED)


def _held(entries: list[data.Directive], account: str) -> tuple[Decimal, Decimal]:
    """An account's EUR units and its weight in USD at the end of the books."""
    postings = postings_through(entries, account, "2026-12-31")
    return units_total(postings, "EUR"), usd_weight(postings)


def _realized(entries: list[data.Directive]) -> Decimal:
    return units_total(postings_through(entries, REALIZED, "2026-12-31"))


def _receipt(day: str, name: str, eur: str, rate: str, usd: str, naming: str = "") -> str:
    extra = f'\n  invoice: "{naming}"' if naming else ""
    return f"""
{day} * "Acme" "Wire"
  receipt: "{name}"
  customer: "CUS-1"{extra}
  Assets:Bank:Operating  {usd} USD
  Liabilities:UnappliedCash  -{eur} EUR @ {rate} USD
"""


def _paid_out(day: str, name: str, eur: str, rate: str, usd: str, what: str = "Chargeback") -> str:
    return f"""
{day} * "Acme" "{what} of {name}"
  receipt: "{name}"
  Assets:Bank:Operating  -{usd} USD
  Liabilities:UnappliedCash  {eur} EUR @ {rate} USD
"""


_RATES = "\n2026-01-01 price EUR 1.20 USD\n2026-02-01 price EUR 1.10 USD\n"
# R-1 130.00 EUR received on Jan 20 at 1.20 (156.00 USD), naming nothing,
# finds nothing open (CUS-1 has no invoice) and waits in unapplied cash.
_WAITING = _RATES + _receipt("2026-01-20", "R-1", "130.00", "1.20", "156.00")
# The same R-1 received into the euro account, typed without a price on
# either side (0.00 USD as typed).
_IN_EUROS = (
    _RATES
    + """
2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Euro  130.00 EUR
  Liabilities:UnappliedCash  -130.00 EUR
"""
)


def test_worked_example_a_receipt_charged_back_at_a_lower_rate_realizes_a_gain(
    books: Books,
) -> None:
    # The bank charges R-1 back on Feb 15 at 1.10: 143.00 USD leave the
    # bank for the 130.00 EUR. The cash came in worth 156.00 USD and goes
    # back worth 143.00: the books owed 156.00 and paid 143.00, a gain of
    # 13.00 USD. The entry moves the 130.00 EUR back at 1.10 (-143.00) and
    # out at R-1's 1.20 (+156.00): Realized -(156.00 - 143.00) = -13.00, a
    # credit. Unapplied cash then holds -130.00 + 130.00 + 130.00 - 130.00
    # = 0.00 EUR weighing -156.00 + 143.00 + 156.00 - 143.00 = 0.00 USD
    # (before: 0.00 EUR weighing -13.00 USD, nothing realized). January is
    # as it was.
    text = _WAITING + _paid_out("2026-02-15", "R-1", "130.00", "1.10", "143.00")
    entries = _load(books, text)
    assert _own_rates(entries) == [
        ("2026-02-15",
         "Exchange difference on R-1's EUR unapplied cash: 130.00 EUR paid out at 1.10 USD, "
         "received at 1.20 USD",
         [f"{UNAPPLIED} 130.00 EUR @ 1.20 USD", f"{UNAPPLIED} -130.00 EUR @ 1.10 USD",
          f"{REALIZED} -13.00 USD"]),
    ]  # fmt: skip
    [entry] = [e for e in generated(entries) if e.meta.get("revclose_kind") == "own-rate"]
    assert entry.links == {"R-1"}
    assert (entry.meta["revclose_receipt"], entry.meta["revclose_source"]) == ("R-1", "R-1")
    assert entry.meta["customer"] == "CUS-1"
    # At the debit's line, as a chargeback's take-back is.
    debit = "Liabilities:UnappliedCash  130.00 EUR @ 1.10 USD"
    assert entry.meta["lineno"] == line_of(HEADER + OPENS + text, debit)
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))
    assert _realized(entries) == Decimal("-13.00")
    assert sealed(entries, "2026-01-31") == sealed(_load(books, _WAITING), "2026-01-31")
    # The reports read the entry's two legs as R-1 used and given back the
    # same 130.00 EUR: nothing is unapplied, and the report ties.
    table = receivables.report(
        reporting.loaded(books, HEADER + OPENS + text, POLICY),
        "unapplied",
        as_of=datetime.date(2026, 2, 28),
    )
    assert [row[0] for row in table.rows] == ["Total"]
    assert receivables.breaks(table) == []


def test_worked_example_a_partial_chargeback_of_a_receipt_that_paid_part_of_an_invoice(
    books: Books,
) -> None:
    # INV-1 100.00 EUR billed on Jan 5 at 1.25 is carried at 125.00 USD.
    # R-1 60.00 EUR received on Jan 20 at 1.20 (72.00 USD) names INV-1 and
    # pays 60.00 of it (40.00 left open, beyond the tolerance): 60.00 x
    # (1.25 - 1.20) = 3.00 USD of loss realized. 30.00 EUR of R-1 charged
    # back on Feb 15 at 1.10 (33.00 USD): R-1 holds nothing unapplied, so
    # its application gives back 30.00 EUR, INV-1 reopened at 1.25 (37.50
    # USD) for the cash at R-1's 1.20 (36.00): 1.50 USD of the loss
    # reversed. The debit takes those 30.00 EUR out at 1.10: they came in
    # worth 36.00 and go back worth 33.00, 3.00 USD of gain. In all
    # 3.00 - 1.50 - 3.00 = -1.50 USD realized (a gain). INV-1 is open 70.00
    # EUR carried at 87.50 USD (70.00 x 1.25); unapplied cash holds -60.00
    # + 60.00 - 30.00 + 30.00 + 30.00 - 30.00 = 0.00 EUR weighing -72.00 +
    # 72.00 - 36.00 + 33.00 + 36.00 - 33.00 = 0.00 USD (before: -3.00).
    billed = """
2026-01-01 price EUR 1.25 USD
2026-01-20 price EUR 1.20 USD
2026-02-15 price EUR 1.10 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.25 USD
  Income:Revenue:Services  -125.00 USD
"""
    january = billed + _receipt("2026-01-20", "R-1", "60.00", "1.20", "72.00", "INV-1")
    entries = _load(books, january + _paid_out("2026-02-15", "R-1", "30.00", "1.10", "33.00"))
    assert sealed(entries, "2026-01-31") == sealed(_load(books, january), "2026-01-31")
    taken_back = [e for e in generated(entries) if e.meta.get("revclose_kind") == "chargeback"]
    assert [[str(p.units) for p in e.postings] for e in taken_back] == [
        ["30.00 EUR", "-30.00 EUR", "-1.50 USD"]
    ]
    assert [postings for _, _, postings in _own_rates(entries)] == [
        [f"{UNAPPLIED} 30.00 EUR @ 1.20 USD", f"{UNAPPLIED} -30.00 EUR @ 1.10 USD",
         f"{REALIZED} -3.00 USD"],
    ]  # fmt: skip
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))
    assert _held(entries, AR) == (Decimal("70.00"), Decimal("87.50"))
    assert _realized(entries) == Decimal("-1.50")


def test_worked_example_a_chargeback_through_the_receipts_credit(books: Books) -> None:
    # INV-1 30.00 EUR at 1.20. R-1 60.00 EUR at 1.20 (72.00 USD) names it on
    # Jan 10: it pays 30.00 and parks 30.00 in CUS-1's credits, both at
    # 1.20, nothing realized. All 60.00 EUR charged back on Feb 15 at 1.10
    # (66.00 USD): 30.00 come out of the credit and 30.00 out of INV-1, each
    # back to R-1 at 1.20 (nothing realized: INV-1 is carried at 1.20 too),
    # and the debit takes the 60.00 out at 1.10: worth 72.00 in, 66.00 out,
    # 6.00 USD of gain. Unapplied cash and the credits hold 0.00 EUR
    # weighing 0.00 USD; INV-1 is open 30.00 EUR at 36.00.
    text = (
        _RATES
        + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
"""
        + _receipt("2026-01-10", "R-1", "60.00", "1.20", "72.00", "INV-1")
        + _paid_out("2026-02-15", "R-1", "60.00", "1.10", "66.00")
    )
    entries = _load(books, text)
    assert [postings for _, _, postings in _own_rates(entries)] == [
        [f"{UNAPPLIED} 60.00 EUR @ 1.20 USD", f"{UNAPPLIED} -60.00 EUR @ 1.10 USD",
         f"{REALIZED} -6.00 USD"],
    ]  # fmt: skip
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))
    assert _held(entries, CREDITS) == (Decimal(0), Decimal(0))
    assert _held(entries, AR) == (Decimal("30.00"), Decimal("36.00"))
    assert _realized(entries) == Decimal("-6.00")


def test_worked_example_a_refund_at_a_higher_rate_then_cash_applied_by_hand(
    books: Books,
) -> None:
    # R-2 50.00 EUR received on Jan 2 at 1.20 (60.00 USD) names nothing and
    # waits (INV-1, 100.00 EUR at 1.20 on Jan 5, is not its amount).
    # Feb 10: 20.00 EUR of it refunded at 1.25 (25.00 USD), naming R-2 by
    # its link: carried at 24.00, paid 25.00, 1.00 USD of loss.
    # Feb 20: the other 30.00 EUR applied to INV-1 by hand, both sides typed
    # at 1.10. Cash received at 1.20 pays an invoice carried at 1.20, so
    # nothing is realized in all: R-2's entry takes the 30.00 out of
    # unapplied cash at 1.20 (3.00 of gain on the 1.10 typed) and the
    # receivable's own-rate entry (`fx.settled_at_own_rate`) takes them off
    # INV-1 at 1.20 (3.00 of loss). Realized 1.00 - 3.00 + 3.00 = 1.00 USD;
    # unapplied cash 0.00 EUR weighing -60.00 + 25.00 + 24.00 - 25.00 +
    # 33.00 + 36.00 - 33.00 = 0.00 USD; INV-1 open 70.00 EUR at 84.00.
    text = (
        _RATES
        + """
2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.20 USD
  Income:Revenue:Services  -120.00 USD
"""
        + _receipt("2026-01-02", "R-2", "50.00", "1.20", "60.00")
        + """
2026-02-10 * "Acme" "Refund of R-2" ^R-2
  Assets:Bank:Operating  -25.00 USD
  Liabilities:UnappliedCash  20.00 EUR @ 1.25 USD

2026-02-20 * "Acme" "Cash applied by hand" ^INV-1
  receipt: "R-2"
  Liabilities:UnappliedCash  30.00 EUR @ 1.10 USD
  Assets:AccountsReceivable  -30.00 EUR @ 1.10 USD
"""
    )
    entries = _load(books, text)
    assert [(day, postings) for day, _, postings in _own_rates(entries)] == [
        ("2026-02-10", [f"{UNAPPLIED} 20.00 EUR @ 1.20 USD", f"{UNAPPLIED} -20.00 EUR @ 1.25 USD",
                        f"{REALIZED} 1.00 USD"]),
        ("2026-02-20", [f"{UNAPPLIED} 30.00 EUR @ 1.20 USD", f"{UNAPPLIED} -30.00 EUR @ 1.10 USD",
                        f"{REALIZED} -3.00 USD"]),
    ]  # fmt: skip
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))
    assert _held(entries, AR) == (Decimal("70.00"), Decimal("84.00"))
    assert _realized(entries) == Decimal("1.00")


def test_refunds_at_rates_of_four_decimals_leave_the_receipt_at_exactly_zero(
    books: Books,
) -> None:
    # R-1 100.00 EUR at 1.0837 (108.37 USD), refunded 33.33 EUR at 1.1011
    # (36.70 USD typed, 36.699663 at the rate) and 66.67 EUR at 1.0999.
    # The entries move the units out at the receipt's rate itself, so
    # nothing is rounded but the realized difference: 33.33 x (1.1011 -
    # 1.0837) = 0.579942, 0.58 USD of loss; 66.67 x (1.0999 - 1.0837) =
    # 1.080054, 1.08 USD. Unapplied cash weighs -108.37 + 33.33 x 1.0837 +
    # 66.67 x 1.0837 = 0 USD exactly, with 0.00 EUR.
    text = (
        "\n2026-01-01 price EUR 1.0837 USD\n"
        + _receipt("2026-01-20", "R-1", "100.00", "1.0837", "108.37")
        + _paid_out("2026-02-10", "R-1", "33.33", "1.1011", "36.70", "Refund")
        + _paid_out("2026-02-20", "R-1", "66.67", "1.0999", "73.33", "Refund")
    )
    entries = _load(books, text)
    assert [postings[-1] for _, _, postings in _own_rates(entries)] == [
        f"{REALIZED} 0.58 USD",
        f"{REALIZED} 1.08 USD",
    ]
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))


def test_a_receipt_without_a_price_is_carried_at_the_ledgers_rate_on_its_day(
    books: Books,
) -> None:
    # R-1 130.00 EUR into the euro account on Jan 20, no price on it: the
    # plugin carries it at the ledger's 1.20 that day, as it moves it (an
    # application, a credit). Charged back from the dollar account at 1.10
    # (143.00 USD): the same 13.00 USD of gain as at a typed 1.20.
    text = _IN_EUROS + _paid_out("2026-02-15", "R-1", "130.00", "1.10", "143.00")
    entries = _load(books, text)
    assert [postings for _, _, postings in _own_rates(entries)] == [
        [f"{UNAPPLIED} 130.00 EUR @ 1.20 USD", f"{UNAPPLIED} -130.00 EUR @ 1.10 USD",
         f"{REALIZED} -13.00 USD"],
    ]  # fmt: skip
    assert _realized(entries) == Decimal("-13.00")


def test_a_debit_at_the_receipts_rate_or_without_a_rate_of_its_own_makes_no_entry(
    books: Books,
) -> None:
    # At R-1's own 1.20 (156.00 USD back): nothing differs, unapplied cash
    # is 0.00 EUR weighing 0.00 USD as typed. From a euro account, both the
    # receipt and the chargeback without a price: no rate to differ. In
    # USD, the functional currency: none either. (Green before the rule:
    # it checks the rule makes no entry where none is due.)
    at_its_rate = _WAITING + _paid_out("2026-02-15", "R-1", "130.00", "1.20", "156.00")
    entries = _load(books, at_its_rate)
    assert _own_rates(entries) == []
    assert _held(entries, UNAPPLIED) == (Decimal(0), Decimal(0))
    in_euros = (
        _IN_EUROS
        + """
2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Euro  -130.00 EUR
  Liabilities:UnappliedCash  130.00 EUR
"""
    )
    assert _own_rates(_load(books, in_euros)) == []
    in_dollars = """
2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  130.00 USD
  Liabilities:UnappliedCash  -130.00 USD

2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -130.00 USD
  Liabilities:UnappliedCash  130.00 USD
"""
    assert _own_rates(_load(books, in_dollars)) == []


def _usd(entries: list[data.Directive], account: str) -> Decimal:
    """An account's weight in USD: units at their USD price; EUR without one weigh nothing."""
    total = Decimal(0)
    for posting in postings_through(entries, account, "2026-12-31"):
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        if posting.price is not None:
            assert isinstance(posting.price.number, Decimal)
            total += posting.units.number * posting.price.number
        elif posting.units.currency == "USD":
            total += posting.units.number
    return total


def _euro_refund(day: str, name: str, eur: str, price: str = "") -> str:
    """A refund paid from the euro account, typed with `price` (`@ 1.10 USD`) or without one."""
    at = f" {price}" if price else ""
    return f"""
{day} * "Acme" "Refund of {name}"
  receipt: "{name}"
  Liabilities:UnappliedCash  {eur} EUR{at}
  Assets:Bank:Euro  -{eur} EUR{at}
"""


# R-1 waits at 1.20 (-156.00 USD); 30.00 EUR of it go back from the euro
# account on Feb 10, the rest is charged back on Feb 15 at 1.10 (110.00 USD).
_CHARGED_BACK = _paid_out("2026-02-15", "R-1", "100.00", "1.10", "110.00")
_UNPRICED_REFUND = _WAITING + _euro_refund("2026-02-10", "R-1", "30.00") + _CHARGED_BACK


def test_worked_example_a_receipt_at_a_rate_refunded_without_one_is_an_error_at_the_refund(
    books: Books,
) -> None:
    # The refund's 30.00 EUR weigh 0.00 USD in the general ledger, where
    # R-1's 1.20 makes them 30 x 1.20 = 36.00: R-1 is left with 100.00 EUR
    # weighing -156.00 USD, not -120.00. Before the rule nothing said so:
    # the chargeback's own-rate entry realized 100 x (1.20 - 1.10) = 10.00
    # and unapplied cash ended with 0.00 EUR weighing -156.00 + 0.00 +
    # 110.00 + 120.00 - 110.00 = -36.00 USD, the refund's 36.00, realized
    # nowhere. Now it is an error at the refund's line, naming the fix.
    entries, errors = load(books, OPENS + _UNPRICED_REFUND)
    refund = "Liabilities:UnappliedCash  30.00 EUR"
    assert error_lines(errors) == [
        (
            line_of(HEADER + OPENS + _UNPRICED_REFUND, refund),
            "The posting of 2026-02-10 takes 30.00 EUR out of 'R-1', carried at 1.20 USD, "
            "without a rate in USD: they weigh 0.00 USD, not 36.00 at its rate, a break of "
            "unapplied cash no entry realizes; expected an '@' price in USD on its unapplied "
            "cash posting",
        )
    ]
    # The fix: the refund typed at the day's 1.10 (33.00 USD), on both
    # sides. Its own-rate entry realizes 30 x (1.20 - 1.10) = 3.00 of gain,
    # the chargeback's 100 x (1.20 - 1.10) = 10.00: R-1 came in worth
    # 156.00 and went out worth 33.00 + 110.00 = 143.00, 13.00 of gain.
    # Unapplied cash holds -130.00 + 30.00 + 100.00 = 0.00 EUR weighing
    # -156.00 + 33.00 + 36.00 - 33.00 + 110.00 + 120.00 - 110.00 = 0.00 USD.
    fixed = _WAITING + _euro_refund("2026-02-10", "R-1", "30.00", "@ 1.10 USD") + _CHARGED_BACK
    entries, errors = load(books, OPENS + fixed)
    assert errors == []
    assert units_total(postings_through(entries, UNAPPLIED, "2026-12-31"), "EUR") == 0
    assert _usd(entries, UNAPPLIED) == Decimal(0)
    assert _realized(entries) == Decimal("-13.00")
    # A receipt typed without a price weighs nothing, nor does its refund
    # from the same euro account: nothing breaks, nothing to report.
    in_euros = _IN_EUROS + _euro_refund("2026-02-10", "R-1", "30.00")
    assert load(books, OPENS + in_euros)[1] == []


def test_a_receipt_refunded_without_a_price_is_carried_in_its_own_currency_in_every_pass(
    books: Books,
) -> None:
    # R-1 130.00 EUR at 1.20 (-156.00 USD); 30.00 EUR refunded from the
    # euro account without a price on Feb 10; 50.00 EUR charged back at
    # 1.10 (55.00 USD) on Feb 15; 50.00 EUR wait over Feb 28 at 1.15. From
    # Feb 10 R-1's weight is no longer its euros at 1.20, so it has no
    # carrying rate: the chargeback gets no own-rate entry (before the rule
    # it realized 50 x (1.20 - 1.10) = 5.00 against the 1.20 the refund
    # broke), and Feb 28 remeasures nothing (the 50.00 EUR weigh -156.00 +
    # 0.00 + 55.00 = -101.00 USD, not 50 x 1.20 = -60.00; at 1.15 they are
    # worth -57.50, and 43.50 of "gain" would be booked). Both passes read
    # the one day; the one error is the refund's.
    text = (
        OPENS
        + _WAITING
        + _euro_refund("2026-02-10", "R-1", "30.00")
        + _paid_out("2026-02-15", "R-1", "50.00", "1.10", "55.00")
        + "\n2026-02-28 price EUR 1.15 USD\n"
    )
    entries, errors = load(books, text)
    assert [message[:47] for _, message in error_lines(errors)] == [
        "The posting of 2026-02-10 takes 30.00 EUR out o"
    ]
    assert _own_rates(entries) == []
    assert [e for e in generated(entries) if "fx-remeasurement" in e.tags] == []
    assert _realized(entries) == Decimal(0)
    assert _usd(entries, UNAPPLIED) == Decimal("-101.00")
