"""Unapplied cash in a foreign currency is remeasured at month end, receipt by receipt.

Cash received and not yet applied is a monetary liability (ASC 830): at
each month end through the books' horizon, what each foreign-currency
receipt still holds unapplied is valued at the ledger's price for that
day; the difference from what is left of its carrying amount goes to
`Liabilities:UnappliedCash:Remeasurement` against unrealized exchange gains
and losses, and is reversed the next day (`plugins.unapplied_remeasurement`,
by the customer credits' rule, `credits_remeasurement.month_end_differences`).
Before the rule unapplied cash was never remeasured: every test below but
the three that remeasure no unapplied cash failed so.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from beancount.core import data
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports import controls, package, receivables
from reports.flux import Thresholds
from tests import reporting
from tests.conftest import Books, generated, line_of
from tests.rated_books import postings_through, units_total, usd_weight
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    POLICY,
    REALIZED,
    UNAPPLIED,
    UNREALIZED,
    invoice,
    load,
)
from tests.test_ar_unapplied_remeasured_receipts import euro_receipt

UNAPPLIED_REMEASURED = "Liabilities:UnappliedCash:Remeasurement"
CREDITS_REMEASURED = "Liabilities:CustomerCredits:Remeasurement"
AR_PLUGIN = 'plugin "plugins.ar_reconciliation" "ar.yaml"'

# EUR at 1.20 from Jan 1, 1.25 from Jan 31. R-1 130.00 EUR received from
# CUS-1 on Jan 20 at 1.20 (156.00 USD) names nothing, finds nothing open
# and waits in unapplied cash: -130.00 EUR weighing -156.00 USD.
WAITING = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  156.00 USD
  Liabilities:UnappliedCash  -130.00 EUR @ 1.20 USD
"""
# Jan 31: -130.00 x 1.25 - (-156.00) = -162.50 + 156.00 = -6.50: the euros
# owed are worth 6.50 USD more, a loss; reversed on Feb 1.
JANUARY = [
    ("2026-01-31", "FX remeasurement unapplied cash R-1 EUR at 1.25 USD",
     [f"{UNAPPLIED_REMEASURED} -6.50 USD", f"{UNREALIZED} 6.50 USD"], "1.25"),
    ("2026-02-01", "Reversal of FX remeasurement unapplied cash R-1 EUR of 2026-01-31",
     [f"{UNREALIZED} -6.50 USD", f"{UNAPPLIED_REMEASURED} 6.50 USD"], "1.25"),
]  # fmt: skip


def remeasurements(entries: list[data.Directive]) -> list[tuple[str, str, list[str], str]]:
    """(date, narration, postings as `account units`, rate) of each unapplied cash remeasurement."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            [f"{posting.account} {posting.units}" for posting in entry.postings],
            str(entry.meta["revclose_rate"]),
        )
        for entry in generated(entries)
        if any(posting.account == UNAPPLIED_REMEASURED for posting in entry.postings)
    ]


def _total(entries: list[data.Directive], account: str, day: str) -> Decimal:
    return units_total(postings_through(entries, account, day))


def _value(entries: list[data.Directive], day: str) -> Decimal:
    """Unapplied cash's value in USD at the end of a day: its weight plus the sub-account."""
    weight = usd_weight(postings_through(entries, UNAPPLIED, day))
    return weight + _total(entries, UNAPPLIED_REMEASURED, day)


def test_worked_example_a_receipt_waiting_over_a_month_end_then_applied_at_its_own_rate(
    books: Books,
) -> None:
    # January: R-1 waits over Jan 31, remeasured by -6.50 (a loss), reversed
    # Feb 1. Its value on Jan 31 is -156.00 - 6.50 = -162.50 = -130 x 1.25.
    # February: INV-1 130.00 EUR billed to CUS-1 on Feb 10 at 1.25 (162.50
    # USD) is paid from R-1 that day, the cash at R-1's own 1.20 (156.00):
    # 162.50 - 156.00 = 6.50 USD of loss realized. January shows 6.50 of
    # unrealized loss; February reverses it (6.50 of gain) and realizes
    # 6.50 of loss: in all 6.50 lost, 130 x (1.25 - 1.20), once. On Feb 28
    # R-1 holds nothing: no remeasurement.
    text = (
        WAITING
        + """
2026-02-10 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  130.00 EUR @ 1.25 USD
  Income:Revenue:Services  -162.50 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == JANUARY
    first = next(e for e in generated(entries) if "fx-remeasurement" in e.tags)
    assert first.links == {"R-1"}
    assert (first.meta["revclose_source"], first.meta["customer"]) == ("R-1", "CUS-1")
    # At the receipt's line.
    assert first.meta["lineno"] == line_of(HEADER + text, "-130.00 EUR @ 1.20 USD")
    [applied] = [e for e in generated(entries) if "cash-application" in e.tags]
    assert (str(applied.date), set(applied.links)) == ("2026-02-10", {"INV-1", "R-1"})
    assert _value(entries, "2026-01-31") == Decimal("-162.50")
    assert _total(entries, UNREALIZED, "2026-01-31") == Decimal("6.50")
    assert _total(entries, UNREALIZED, "2026-02-28") == 0
    assert _total(entries, REALIZED, "2026-02-28") == Decimal("6.50")
    assert _value(entries, "2026-02-28") == 0
    assert units_total(postings_through(entries, AR, "2026-02-28"), "EUR") == 0
    # The account is opened by the plugin, on its first use.
    [opened] = [
        e for e in entries if isinstance(e, data.Open) and e.account == UNAPPLIED_REMEASURED
    ]
    assert str(opened.date) == "2026-01-31"


def _charged_back(eur: str, usd: str) -> str:
    return f"""
2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -{usd} USD
  Liabilities:UnappliedCash  {eur} EUR @ 1.10 USD
"""


def test_worked_example_a_receipt_charged_back_at_another_rate_after_a_month_end(
    books: Books,
) -> None:
    # January as in the worked example: -6.50 unrealized, reversed Feb 1.
    # On Feb 15 the bank charges R-1 back at 1.10 (143.00 USD): the own-rate
    # entry realizes 156.00 - 143.00 = 13.00 USD of gain
    # (`plugins.unapplied_own_rate`). R-1 then holds -130.00 + 130.00 +
    # 130.00 - 130.00 = 0.00 EUR weighing -156.00 + 143.00 + 156.00 -
    # 143.00 = 0.00 USD: nothing to remeasure on Feb 28 (EUR 1.15). In all
    # 13.00 gained: January's 6.50 of loss is reversed in February, which
    # realizes the 13.00.
    text = WAITING + "\n2026-02-28 price EUR 1.15 USD\n" + _charged_back("130.00", "143.00")
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == JANUARY
    assert _total(entries, REALIZED, "2026-02-28") == Decimal("-13.00")
    assert _total(entries, UNREALIZED, "2026-02-28") == 0
    assert _value(entries, "2026-02-28") == 0


def test_a_receipt_partly_charged_back_is_remeasured_on_what_is_left(books: Books) -> None:
    # 30.00 EUR of R-1 charged back on Feb 15 at 1.10 (33.00 USD): 30 x
    # (1.20 - 1.10) = 3.00 USD of gain realized. R-1 holds -100.00 EUR
    # carried at -156.00 + 33.00 (the debit) + 36.00 - 33.00 (the own-rate
    # entry's legs) = -120.00 = -100 x 1.20. Feb 28 at 1.15: -100.00 x 1.15
    # + 120.00 = -115.00 + 120.00 = 5.00, a gain: the sub-account 5.00,
    # Unrealized -5.00, reversed on Mar 1. Its value on Feb 28 is -120.00 +
    # 5.00 = -115.00.
    text = WAITING + "\n2026-02-28 price EUR 1.15 USD\n" + _charged_back("30.00", "33.00")
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == [
        *JANUARY,
        ("2026-02-28", "FX remeasurement unapplied cash R-1 EUR at 1.15 USD",
         [f"{UNAPPLIED_REMEASURED} 5.00 USD", f"{UNREALIZED} -5.00 USD"], "1.15"),
        ("2026-03-01", "Reversal of FX remeasurement unapplied cash R-1 EUR of 2026-02-28",
         [f"{UNREALIZED} 5.00 USD", f"{UNAPPLIED_REMEASURED} -5.00 USD"], "1.15"),
    ]  # fmt: skip
    assert _total(entries, REALIZED, "2026-02-28") == Decimal("-3.00")
    assert _value(entries, "2026-02-28") == Decimal("-115.00")


# R-1 200.00 EUR received from CUS-1 on Jan 10 at 1.20 (240.00 USD).
PARTLY_USED = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD

2026-01-10 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"{names}
  Assets:Bank:Operating  240.00 USD
  Liabilities:UnappliedCash  -200.00 EUR @ 1.20 USD
"""


def test_a_receipt_partly_applied_by_the_plugin_moves_the_rest_at_its_own_rate(
    books: Books,
) -> None:
    # R-1 names INV-1, 100.00 EUR billed on Jan 15 at 1.22 (122.00 USD).
    # The plugin pays it on Jan 15 and parks the other 100.00 EUR in
    # customer credits, every leg of R-1 at its own 1.20: 200.00 EUR
    # weighing 240.00 USD out of unapplied cash, 122.00 USD of receivable
    # and 120.00 USD of credit in, 2.00 USD of loss realized (100 x (1.22 -
    # 1.20)). R-1 holds 0.00 EUR weighing 0.00 USD: unapplied cash has
    # nothing to remeasure. The credit is remeasured by the credits' rule:
    # -100.00 x 1.25 - (-120.00) = -5.00, a 5.00 USD loss on Jan 31. A
    # receipt in a foreign currency pays only invoices in its own currency
    # (`plugins.cash_application`), so no leg the plugin writes of it is
    # without its rate while its rest waits.
    text = PARTLY_USED.format(names='\n  invoice: "INV-1"') + (
        """
2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ 1.22 USD
  Income:Revenue:Services  -122.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    [applied] = [e for e in generated(entries) if "cash-application" in e.tags]
    assert [(p.account, str(p.units), p.price and str(p.price)) for p in applied.postings] == [
        (UNAPPLIED, "200.00 EUR", "1.20 USD"),
        (AR, "-100.00 EUR", "1.22 USD"),
        (CREDITS, "-100.00 EUR", "1.20 USD"),
        (REALIZED, "2.00 USD", None),
    ]
    held = postings_through(entries, UNAPPLIED, "2026-01-31")
    assert (units_total(held, "EUR"), usd_weight(held)) == (Decimal(0), Decimal(0))
    assert remeasurements(entries) == []
    assert _total(entries, CREDITS_REMEASURED, "2026-01-31") == Decimal("-5.00")
    assert _total(entries, UNREALIZED, "2026-01-31") == Decimal("5.00")
    assert _total(entries, REALIZED, "2026-01-31") == Decimal("2.00")


def test_a_receipt_applied_by_hand_to_an_invoice_in_another_currency_is_remeasured_on_the_rest(
    books: Books,
) -> None:
    # INV-1 80.00 GBP billed to CUS-1 on Jan 12 at 1.50 (120.00 USD). On Jan
    # 15 the user applies 100.00 EUR of R-1 to it by hand, at R-1's rate:
    # 100.00 EUR @ 1.20 = 120.00 USD out of unapplied cash, 80.00 GBP @
    # 1.50 = 120.00 USD off the receivable, nothing realized. R-1 holds
    # -100.00 EUR carried at -240.00 + 120.00 = -120.00 USD. Jan 31 at
    # 1.25: -100.00 x 1.25 - (-120.00) = -125.00 + 120.00 = -5.00, a 5.00
    # USD loss, reversed on Feb 1; R-1's value on Jan 31 is -125.00.
    text = PARTLY_USED.format(names="") + (
        """
2026-01-12 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  80.00 GBP @ 1.50 USD
  Income:Revenue:Services  -120.00 USD

2026-01-15 * "Acme" "R-1 applied to INV-1 in GBP" ^INV-1
  receipt: "R-1"
  invoice: "INV-1"
  Liabilities:UnappliedCash  100.00 EUR @ 1.20 USD
  Assets:AccountsReceivable  -80.00 GBP @ 1.50 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert remeasurements(entries) == [
        ("2026-01-31", "FX remeasurement unapplied cash R-1 EUR at 1.25 USD",
         [f"{UNAPPLIED_REMEASURED} -5.00 USD", f"{UNREALIZED} 5.00 USD"], "1.25"),
        ("2026-02-01", "Reversal of FX remeasurement unapplied cash R-1 EUR of 2026-01-31",
         [f"{UNREALIZED} -5.00 USD", f"{UNAPPLIED_REMEASURED} 5.00 USD"], "1.25"),
    ]  # fmt: skip
    assert _value(entries, "2026-01-31") == Decimal("-125.00")
    assert units_total(postings_through(entries, AR, "2026-01-31"), "GBP") == 0
    assert postings_through(entries, REALIZED, "2026-01-31") == []


def test_a_receipt_in_the_functional_currency_is_never_remeasured(books: Books) -> None:
    # R-1 130.00 USD waits over Jan 31 and Feb 28 while EUR moves from 1.20
    # to 1.25 and 1.15; a later invoice brings the horizon to Feb 28. USD
    # owed are worth what they say whatever EUR does: nothing is remeasured.
    text = (
        WAITING.replace("-130.00 EUR @ 1.20 USD", "-156.00 USD")
        + "\n2026-02-28 price EUR 1.15 USD\n"
        + invoice(9, "2026-02-20", "10.00", customer="CUS-2", payee="Beta")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, UNAPPLIED, "2026-02-28")) == Decimal("-156.00")
    assert remeasurements(entries) == []
    assert postings_through(entries, UNREALIZED, "2026-12-31") == []


def test_a_receipt_with_no_price_is_carried_in_its_own_currency(books: Books) -> None:
    # R-1 130.00 EUR into a euro bank account, typed without a price (as
    # the demo's euro bank files are): it has no weight in USD, so no
    # carrying amount to remeasure, though the ledger prices EUR.
    text = (
        "2026-01-01 open Assets:Bank:Euro\n"
        + WAITING.replace("-130.00 EUR @ 1.20 USD", "-130.00 EUR").replace(
            "Assets:Bank:Operating  156.00 USD", "Assets:Bank:Euro  130.00 EUR"
        )
        + invoice(9, "2026-02-20", "10.00", customer="CUS-2", payee="Beta")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, UNAPPLIED, "2026-02-28"), "EUR") == Decimal(
        "-130.00"
    )
    assert remeasurements(entries) == []
    assert postings_through(entries, UNREALIZED, "2026-12-31") == []


def test_the_unapplied_remeasurement_account_is_the_policys(books: Books) -> None:
    # `unapplied_remeasurement_account` names it; by default it is under the
    # unapplied cash account the accounts file names. The Jan 31 figure is
    # the worked example's: -130.00 x 1.25 + 156.00 = -6.50.
    renamed = HEADER.replace(UNAPPLIED, "Liabilities:Unapplied") + WAITING.replace(
        UNAPPLIED, "Liabilities:Unapplied"
    )
    for policy, unapplied, ledger, account in (
        ("unapplied_remeasurement_account: Liabilities:UnappliedCash:FX\n", UNAPPLIED,
         HEADER + WAITING, "Liabilities:UnappliedCash:FX"),
        ("accounts_file: accounts.yaml\n", "Liabilities:Unapplied", renamed,
         "Liabilities:Unapplied:Remeasurement"),
    ):  # fmt: skip
        books.write("accounts.yaml", f"unapplied_cash: {unapplied}\n")
        books.write("ar.yaml", POLICY + policy)
        entries, errors, _ = books.load(ledger)
        assert errors == []
        assert _total(entries, account, "2026-01-31") == Decimal("-6.50")
        assert postings_through(entries, UNAPPLIED_REMEASURED, "2026-12-31") == []
        assert any(isinstance(e, data.Open) and e.account == account for e in entries)


def _cents(units: int) -> str:
    return f"{Decimal(units).scaleb(-2):.2f}"


_RATE = st.integers(8000, 16000)  # a rate in 1/10,000 USD: 0.8000 to 1.6000


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 1_000_000), _RATE, _RATE, st.integers(0, 100), _RATE, _RATE)
# The worked example: 130.00 EUR at 1.20, 1.25; nothing charged back; 1.15.
@example(13000, 12000, 12500, 0, 11000, 11500)
# The partial chargeback: 30.00 of 130.00 EUR (23 %) at 1.10.
@example(13000, 12000, 12500, 23, 11000, 11500)
# 100.01 EUR at 1.2345 weigh 123.462345 USD: a fraction of a cent.
@example(10001, 12345, 12500, 33, 11000, 11500)
# 2.25 EUR at 1.00 worth -2.385 at 1.06: -2.38 (the value rounds, not the difference).
@example(225, 10000, 10600, 0, 11000, 11500)
def test_unapplied_cash_after_remeasurement_is_the_open_euros_at_the_month_ends_rate(
    received: int, rate: int, january: int, back: int, back_rate: int, february: int
) -> None:
    # R-1 of `received` cents of EUR at `rate` waits in unapplied cash from
    # Jan 20; on Feb 15 `back` % of it is charged back at `back_rate`, and
    # the own-rate entry realizes the difference at R-1's rate. On each
    # month end (Jan 31 at `january`, Feb 28 at `february`) unapplied
    # cash's value in USD, its weight plus what the sub-account holds, is
    # the open euros at that day's rate, rounded to the cent (half to
    # even): what the rule makes it.
    rate_in, jan, out, feb = (Decimal(r).scaleb(-4) for r in (rate, january, back_rate, february))
    text = f"""
2026-01-01 price EUR {rate_in} USD
2026-01-31 price EUR {jan} USD
2026-02-28 price EUR {feb} USD

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {Decimal(received).scaleb(-2) * rate_in} USD
  Liabilities:UnappliedCash  -{_cents(received)} EUR @ {rate_in} USD
"""
    returned = received * back // 100
    if returned:
        text += f"""
2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -{Decimal(returned).scaleb(-2) * out} USD
  Liabilities:UnappliedCash  {_cents(returned)} EUR @ {out} USD
"""
    text += invoice(9, "2026-02-20", "10.00", customer="CUS-2", payee="Beta")
    with tempfile.TemporaryDirectory() as folder:
        entries, errors = load(Books(Path(folder)), text)
    assert errors == []
    for day, month_rate in (("2026-01-31", jan), ("2026-02-28", feb)):
        held = postings_through(entries, UNAPPLIED, day)
        euros = units_total(held, "EUR")
        value = _value(entries, day)
        exact = euros * month_rate
        # The remeasurement is rounded to the cent; the receipt's weight
        # keeps the fraction of a cent its rate gives it (100.01 EUR at
        # 1.2345 weigh 123.462345 USD): the value is within half a cent of
        # the exact one, and is it rounded when the weight is whole cents.
        assert abs(value - exact) <= Decimal("0.005")
        if usd_weight(held) == usd_weight(held).quantize(Decimal("0.01")):
            assert value == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        if not euros:
            assert usd_weight(held) == 0


def test_the_close_controls_pass_with_unapplied_cash_remeasured(books: Books) -> None:
    # January's close with R-1 waiting: on Jan 31 the sub-account holds
    # -6.50 USD. The unapplied cash listing counts R-1's 130.00 EUR against
    # the unapplied cash account's -130.00 EUR: it ties (the sub-account's
    # USD belong to no receipt and are left out), and the trial balance's
    # USD debits equal its credits, the remeasurement included.
    text = (
        HEADER.replace(AR_PLUGIN, AR_PLUGIN + '\nplugin "plugins.close_controls" "close.yaml"')
        + WAITING
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY, "close.yaml": ""})
    built = package.build(loaded, datetime.date(2026, 1, 1), Thresholds())
    assert controls.failures(built.checks) == []
    table = receivables.report(loaded, "unapplied", as_of=datetime.date(2026, 1, 31))
    assert [(row[0], row[9]) for row in table.rows] == [
        ("R-1", Decimal("130.00")),
        ("Total", Decimal("130.00")),
    ]
    assert receivables.breaks(table) == []
    assert _total(loaded.entries, UNAPPLIED_REMEASURED, "2026-01-31") == Decimal("-6.50")


def test_each_receipt_is_remeasured_to_the_cent_and_the_account_is_their_sum(
    books: Books,
) -> None:
    # 10.00 EUR each at 1.20 (-12.00 USD each), wait over
    # Jan 31 with EUR at 1.2345. Each receipt is its own open item, as an
    # invoice is: -10.00 x 1.2345 = -12.345, worth -12.34 to the cent (half
    # to even), so -12.34 + 12.00 = -0.34 each, -1.02 in all, and unapplied
    # cash reads -36.00 - 1.02 = -37.02, the sum of the receipts' values,
    # not -30.00 x 1.2345 = -37.035 rounded (-37.04): the choice (README),
    # revaluation document by document, as the receivable's invoice by
    # invoice, so each receipt's value ties to the cent on the listing.
    text = "2026-01-01 price EUR 1.20 USD\n2026-01-31 price EUR 1.2345 USD\n" + "".join(
        euro_receipt(f"2026-01-2{n}", f"R-{n}", "10.00", "1.20", who=f"CUS-{n}") for n in (1, 2, 3)
    )
    entries, errors = load(books, text)
    assert errors == []
    made = [(day, text, postings) for day, text, postings, _ in remeasurements(entries)]
    assert [one for one in made if one[0] == "2026-01-31"] == [
        ("2026-01-31", f"FX remeasurement unapplied cash R-{n} EUR at 1.2345 USD",
         [f"{UNAPPLIED_REMEASURED} -0.34 USD", f"{UNREALIZED} 0.34 USD"])
        for n in (1, 2, 3)
    ]  # fmt: skip
    assert _value(entries, "2026-01-31") == Decimal("-37.02")


def test_a_receipt_worth_a_half_cent_is_rounded_at_its_value(books: Books) -> None:
    # R-1 2.25 EUR at 1.00 (-2.25 USD) waits over Jan 31 with EUR at 1.06:
    # -2.25 x 1.06 = -2.385, worth -2.38 to the cent (half to even), so the
    # remeasurement is -2.38 + 2.25 = -0.13. (Before, the difference was
    # rounded, -0.135 to -0.14, and R-1 was worth -2.39, against the README's
    # rule: the open units at the month end's rate, rounded.)
    text = "2026-01-01 price EUR 1.00 USD\n2026-01-31 price EUR 1.06 USD\n"
    text += euro_receipt("2026-01-20", "R-1", "2.25", "1.00", who="CUS-1")
    entries, errors = load(books, text)
    assert errors == []
    assert _total(entries, UNAPPLIED_REMEASURED, "2026-01-31") == Decimal("-0.13")
    assert _value(entries, "2026-01-31") == Decimal("-2.38")


def test_a_usd_balance_assertion_on_unapplied_cash_holds_with_the_remeasurement_outside_it(
    books: Books,
) -> None:
    # R-1 130.00 EUR at 1.20 and R-2 10.00 USD wait over Jan 31 (EUR 1.25):
    # -6.50 USD of remeasurement on Jan 31, reversed Feb 1. A balance
    # assertion counts an account's children, so one of -10.00 USD on Feb 1
    # (read before Feb 1's entries) on `Liabilities:UnappliedCash` counts
    # the default sub-account's -6.50 too: -16.50, an error. With
    # `unapplied_remeasurement_account` named outside the tree (README),
    # the assertion holds: the account holds -10.00 USD of cash.
    text = (
        WAITING
        + """
2026-01-22 * "Beta" "Wire"
  receipt: "R-2"
  customer: "CUS-2"
  Assets:Bank:Operating  10.00 USD
  Liabilities:UnappliedCash  -10.00 USD

2026-02-01 balance Liabilities:UnappliedCash  -10.00 USD
2026-02-01 balance Liabilities:UnappliedCash  -130.00 EUR
"""
    )
    _, errors = load(books, text)
    assert [str(error.message).split(":")[0] for error in errors] == [
        "Balance failed for 'Liabilities"
    ]
    outside = "Liabilities:UnappliedCashRemeasurement"
    entries, errors = load(books, text, POLICY + f"unapplied_remeasurement_account: {outside}\n")
    assert errors == []
    assert _total(entries, outside, "2026-01-31") == Decimal("-6.50")
