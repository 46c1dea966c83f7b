"""Foreign receivables at the close: remeasured through the books' horizon, tied in USD.

A month's remeasurement is made as soon as the books reach the month (the
month end of their latest typed transaction, plugins.horizon), so typing a
later month never changes a sealed one. The aging shows what the receivable
is worth in the functional currency (its open items at their carrying rates
plus the remeasurement account) and ties it to the general ledger.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins import horizon, period_lock
from reports import cli, receivables
from reports.table import Table
from revclose_fava import close as fava_close
from revclose_fava import receivables as fava_receivables
from revclose_fava import window
from revclose_fava.context import Context
from revclose_fava.loaded import Loaded
from tests import reporting
from tests.conftest import Books, line_of, postings_of

REMEASURED = "Assets:AccountsReceivable:Remeasurement"
POLICY = "tolerance: {USD: 1.00, EUR: 1.00}\nfunctional_currency: USD\n"
HEADER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
plugin "plugins.close_controls" "close.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Assets:Bank:Euro
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash
"""
EURO_INVOICE = """
2025-12-01 price EUR 1.20 USD
2025-12-31 price EUR 1.25 USD

2025-12-01 * "Euro" "Invoice INV-E1" ^INV-E1
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2025-12-31
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
"""


def usd_invoice(number: int, date: str) -> str:
    return f"""
{date} * "Other" "Invoice INV-{number}" ^INV-{number}
  invoice: "INV-{number}"
  customer: "CUS-9"
  due: {date}
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD
"""


def _write_policies(books: Books, ar: str = POLICY) -> None:
    books.write("ar.yaml", ar)
    books.write("close.yaml", "hygiene: false\nsealed: {}\n")


def _opens(entries: list[data.Directive]) -> list[tuple[str, str]]:
    return [
        (str(entry.date), entry.account)
        for entry in entries
        if isinstance(entry, data.Open) and entry.meta["filename"].startswith("<")
    ]


def test_books_ending_dec_30_are_remeasured_on_dec_31(books: Books) -> None:
    # The reviewer's ledger t7: a USD invoice on Dec 30 is the last typed
    # transaction. December is reached, so Dec 31 remeasures INV-E1: 30.00 EUR
    # x (1.25 - 1.20) = 1.50 USD gain, reversed Jan 1. The account opens on
    # the day of its first use, Dec 31, whatever later months add.
    _write_policies(books)
    entries, errors, _ = books.load(HEADER + EURO_INVOICE + usd_invoice(9, "2025-12-30"))
    assert errors == []
    assert postings_of(entries, REMEASURED) == [
        ("2025-12-31", "1.50 USD"),
        ("2026-01-01", "-1.50 USD"),
    ]
    assert _opens(entries) == [
        ("2025-12-31", "Assets:AccountsReceivable:Remeasurement"),
        ("2025-12-31", "Income:ForeignExchange:Unrealized"),
    ]


def test_books_ending_mid_month_are_remeasured_at_that_month_end(books: Books) -> None:
    # The books stop on Dec 15 (a USD invoice). Dec 31 is still remeasured,
    # at the latest price on or before it, Dec 10's 1.17: 30.00 EUR x (1.17 -
    # 1.20) = -0.90 USD, a loss, reversed Jan 1. No later month end is.
    _write_policies(books)
    ledger = EURO_INVOICE.replace("2025-12-31 price EUR 1.25", "2025-12-10 price EUR 1.17")
    entries, errors, _ = books.load(HEADER + ledger + usd_invoice(9, "2025-12-15"))
    assert errors == []
    assert postings_of(entries, REMEASURED) == [
        ("2025-12-31", "-0.90 USD"),
        ("2026-01-01", "0.90 USD"),
    ]


def test_the_books_horizon_is_the_month_end_of_the_latest_typed_transaction() -> None:
    # Dec 15 and Dec 31 both reach Dec 31; no typed transaction, no horizon.
    assert horizon.books_horizon(datetime.date(2025, 12, 15)) == datetime.date(2025, 12, 31)
    assert horizon.books_horizon(datetime.date(2025, 12, 31)) == datetime.date(2025, 12, 31)
    assert horizon.books_horizon(datetime.date(2024, 2, 1)) == datetime.date(2024, 2, 29)
    assert horizon.books_horizon(None) is None
    assert horizon.latest_typed([]) is None


def test_review_flags_are_raised_through_the_books_horizon(books: Books) -> None:
    # INV-1 is due Oct 20: 60 days past due on Dec 19. The books stop on Dec
    # 15, yet they have reached December, so its flag is raised on Dec 19 now
    # (as a remeasurement of Dec 31 would be), not once January is typed.
    _write_policies(books)
    late = usd_invoice(1, "2025-10-20")
    entries, errors, _ = books.load(HEADER + late + usd_invoice(9, "2025-12-15"))
    assert errors == []
    assert [
        (str(entry.date), entry.narration)
        for entry in entries
        if isinstance(entry, data.Transaction) and "receivables-review" in entry.tags
    ] == [("2025-12-19", "Invoice INV-1: 10.00 USD open 60 days past due (due 2025-10-20)")]


def _december(entries: list[data.Directive]) -> list[str]:
    return sorted(
        period_lock.fingerprint(entry)
        for entry in entries
        if datetime.date(2025, 12, 1) <= entry.date <= datetime.date(2025, 12, 31)
    )


def test_typing_january_keeps_a_sealed_december(books: Books, tmp_path: Path) -> None:
    # Sealed with the books at Dec 30, December already holds its Dec 31
    # remeasurement and the accounts it opens: a January invoice adds only
    # to January, and the seal holds.
    _write_policies(books)
    december = HEADER + EURO_INVOICE + usd_invoice(9, "2025-12-30")
    path = books.write("main.beancount", december)
    assert cli.main(["seal", str(path), "--month", "2025-12"]) == 0
    before, errors, _ = loader.load_file(str(path))
    assert errors == []
    after, errors, _ = books.load(december + usd_invoice(10, "2026-01-05"))
    assert errors == []
    assert _december(after) == _december(before)


def test_a_changed_generated_open_in_a_closed_month_is_named_at_its_seal(books: Books) -> None:
    # Renaming the remeasurement account changes December's generated open,
    # which no file holds (it is at "<ar_reconciliation>:0"): the error stands
    # at the month's seal in close.yaml. Opens sort first in a day.
    _write_policies(books)
    december = HEADER + EURO_INVOICE + usd_invoice(9, "2025-12-30")
    path = books.write("main.beancount", december)
    assert cli.main(["seal", str(path), "--month", "2025-12"]) == 0
    books.write("ar.yaml", POLICY + "remeasurement_account: Assets:AccountsReceivable:FX\n")
    _, errors, _ = loader.load_file(str(path))
    seal = line_of((books.folder / "close.yaml").read_text(), "2025-12:")
    found = [(Path(e.source["filename"]).name, e.source["lineno"], e.message) for e in errors]
    assert found == [
        (
            "close.yaml",
            seal,
            "Closed month 2025-12 has changed: entry 2025-12-31 open "
            "Assets:AccountsReceivable:FX differs from the sealed books",
        )
    ]


# The worked example (the reviewer's ledger t2): 30.00 EUR billed at
# 1.20 is carried at 36.00 USD; EUR is 1.25 on Dec 31 and 1.10 on Jan 31; the
# customer pays 33.00 USD on Feb 1.
WORKED = (
    EURO_INVOICE
    + """
2026-01-31 price EUR 1.10 USD
2026-02-28 price EUR 1.15 USD

2026-02-01 * "Euro" "Wire"
  receipt: "R-1"
  customer: "CUS-E"
  invoice: "INV-E1"
  Assets:Bank:Operating  33.00 USD
  Liabilities:UnappliedCash  -33.00 USD
"""
    + usd_invoice(9, "2026-03-05")
)


def _aging(books: Books, as_of: str, ledger: str = WORKED) -> Table:
    loaded = reporting.loaded(books, HEADER + ledger, {"ar.yaml": POLICY, "close.yaml": ""})
    return receivables.aging(loaded, datetime.date.fromisoformat(as_of))


def _functional(table: Table) -> list[list[object]]:
    """The functional rows: first cell, name, currency, total, gl_balance, difference."""
    return [
        [row[0], row[1], row[2], *row[-3:]]
        for row in table.rows
        if row[0] in (receivables.FUNCTIONAL, receivables.FUNCTIONAL_TOTAL)
    ]


D = Decimal


def test_worked_example_aging_ties_the_receivable_in_usd_at_jan_31(books: Books) -> None:
    # Jan 31: 30.00 EUR open, carried at 30 x 1.20 = 36.00 USD; remeasured at
    # 1.10, the sub-account holds 30 x (1.10 - 1.20) = -3.00 USD. Functional
    # total 36.00 - 3.00 = 33.00 USD = 30 x 1.10, the weight of the
    # receivable (36.00) and its sub-account (-3.00).
    table = _aging(books, "2026-01-31")
    assert table.rows[:2] == [
        ["CUS-E", "Euro", "EUR", D("0.00"), D("0.00"), D("30.00"), D("0.00"), D("0.00"),
         D("30.00"), None, None],
        ["Total", "", "EUR", D("0.00"), D("0.00"), D("30.00"), D("0.00"), D("0.00"),
         D("30.00"), D("30.00"), D("0.00")],
    ]  # fmt: skip
    assert table.rows[2:] == [
        ["Functional", "EUR at carrying rates", "USD", None, None, None, None, None,
         D("36.00"), None, None],
        ["Functional", "EUR remeasurement", "USD", None, None, None, None, None,
         D("-3.00"), None, None],
        ["Functional", "USD", "USD", None, None, None, None, None, D("0.00"), None, None],
        ["Functional total", "", "USD", None, None, None, None, None,
         D("33.00"), D("33.00"), D("0.00")],
    ]  # fmt: skip
    assert [(tie.name, tie.passed, tie.figure) for tie in receivables.aging_ties(table)] == [
        ("AR aging ties to the general ledger, EUR", True,
         "aging 30.00, general ledger 30.00, difference 0.00"),
        ("AR aging in the functional currency ties to the general ledger, USD", True,
         "aging 33.00, general ledger 33.00, difference 0.00"),
    ]  # fmt: skip


def test_a_foreign_prepayment_before_its_invoice_ties_at_its_own_rate(books: Books) -> None:
    # 100.00 EUR arrive on Jan 10 at 1.10 (110.00 USD), posted straight to
    # INV-E1, which is issued on Feb 5 without a rate (the price of its
    # date, 1.20). At Jan 31 the books know no invoice: INV-E1 is a credit
    # of -100.00 EUR the customer holds, carried at its own rate, -100 x
    # 1.10 = -110.00 USD, the receivable's weight; EUR is 1.10 on Jan 31,
    # so nothing is remeasured and the functional total ties at -110.00.
    # The 100 x (1.20 - 1.10) = 10.00 USD settled at another rate is
    # realized on Feb 5, when the invoice is billed (before, it was booked at
    # the payment on Jan 10, at a rate that January did not know, and
    # January was -120.00).
    ledger = """
2026-01-01 price EUR 1.10 USD
2026-01-31 price EUR 1.10 USD
2026-02-05 price EUR 1.20 USD

2026-01-10 * "Euro" "Prepayment"
  invoice: "INV-E1"
  receipt: "RCPT-E1"
  Assets:Bank:Euro  100.00 EUR @ 1.10 USD
  Assets:AccountsReceivable  -100.00 EUR @ 1.10 USD

2026-02-05 * "Euro" "Invoice INV-E1"
  invoice: "INV-E1"
  customer: "CUS-E"
  due: 2026-03-07
  Assets:AccountsReceivable  100.00 EUR
  Income:Revenue:Services  -100.00 EUR
"""
    table = _aging(books, "2026-01-31", ledger)
    assert _functional(table)[0] == [receivables.FUNCTIONAL, "EUR at carrying rates", "USD",
                                     D("-110.00"), None, None]  # fmt: skip
    assert _functional(table)[-1] == [receivables.FUNCTIONAL_TOTAL, "", "USD",
                                      D("-110.00"), D("-110.00"), D("0.00")]  # fmt: skip
    # Feb 28: INV-E1 is 100.00 - 100.00 = 0.00 open; the receivable weighs
    # -110.00 + 120.00 (the invoice at 1.20) + 110.00 - 120.00 (the payment
    # moved back at its 1.10 and out at the carrying 1.20) = 0.00.
    later = _aging(books, "2026-02-28", ledger)
    assert _functional(later)[-1] == [receivables.FUNCTIONAL_TOTAL, "", "USD",
                                      D("0.00"), D("0.00"), D("0.00")]  # fmt: skip


def test_worked_example_in_usd_on_other_days(books: Books) -> None:
    # Dec 31: remeasured at 1.25, +1.50: 37.50 USD = 30 x 1.25. Jan 15: Dec
    # 31's remeasurement was reversed on Jan 1, so the sub-account holds 0.00
    # and the receivable is at its carrying 36.00. Mar 31: INV-E1 was paid on
    # Feb 1 (Feb 28 remeasures nothing), so only INV-9's 10.00 USD is left.
    found = {day: _functional(_aging(books, day)) for day in ("2025-12-31", "2026-01-15")}
    assert found["2025-12-31"] == [
        ["Functional", "EUR at carrying rates", "USD", D("36.00"), None, None],
        ["Functional", "EUR remeasurement", "USD", D("1.50"), None, None],
        ["Functional", "USD", "USD", D("0.00"), None, None],
        ["Functional total", "", "USD", D("37.50"), D("37.50"), D("0.00")],
    ]
    assert found["2026-01-15"][-1] == ["Functional total", "", "USD", D("36.00"), D("36.00"),
                                       D("0.00")]  # fmt: skip
    assert _functional(_aging(books, "2026-03-31")) == [
        ["Functional", "EUR at carrying rates", "USD", D("0.00"), None, None],
        ["Functional", "EUR remeasurement", "USD", D("0.00"), None, None],
        ["Functional", "USD", "USD", D("10.00"), None, None],
        ["Functional total", "", "USD", D("10.00"), D("10.00"), D("0.00")],
    ]


def test_a_remeasurement_typed_by_hand_has_a_row_of_its_own(books: Books) -> None:
    # A 0.40 USD adjustment typed to the sub-account names no invoice: it is
    # on its own row, and the total counts it as the general ledger does:
    # 36.00 - 3.00 + 0.40 = 33.40 USD.
    typed = """
2026-01-31 * "Remeasurement adjustment"
  Assets:AccountsReceivable:Remeasurement  0.40 USD
  Income:ForeignExchange:Unrealized  -0.40 USD
"""
    ledger = WORKED.replace("2026-02-28 price", f"2025-01-01 open {REMEASURED}\n2026-02-28 price")
    assert _functional(_aging(books, "2026-01-31", ledger + typed)) == [
        ["Functional", "EUR at carrying rates", "USD", D("36.00"), None, None],
        ["Functional", "EUR remeasurement", "USD", D("-3.00"), None, None],
        ["Functional", "remeasurement of no invoice", "USD", D("0.40"), None, None],
        ["Functional", "USD", "USD", D("0.00"), None, None],
        ["Functional total", "", "USD", D("33.40"), D("33.40"), D("0.00")],
    ]


def test_books_in_one_currency_have_no_functional_rows(books: Books) -> None:
    # Nothing to translate: the aging is as it was, one total per currency.
    table = _aging(books, "2026-01-31", usd_invoice(9, "2026-01-05"))
    assert [row[0] for row in table.rows] == ["CUS-9", "Total"]
    assert len(receivables.aging_ties(table)) == 1


def test_a_foreign_payment_booked_without_its_rate_breaks_the_tie_in_usd(
    books: Books, tmp_path: Path
) -> None:
    # A typed 30.00 EUR straight to the receivable on Jan 31, without a price:
    # it is worth 30 x 1.10 = 33.00 USD that day (the ledger's price), so
    # the receivable, carried at 36.00, keeps 3.00 USD with nothing open. The
    # EUR aging ties; the USD one breaks by 3.00, and the command fails.
    paid = """
2026-01-31 * "Euro" "EUR wire booked by hand" ^INV-E1
  invoice: "INV-E1"
  Assets:Bank:Euro  30.00 EUR
  Assets:AccountsReceivable  -30.00 EUR
"""
    table = _aging(books, "2026-01-31", EURO_INVOICE + "2026-01-31 price EUR 1.10 USD\n" + paid)
    assert _functional(table) == [
        ["Functional", "EUR at carrying rates", "USD", D("0.00"), None, None],
        ["Functional", "EUR remeasurement", "USD", D("0.00"), None, None],
        ["Functional", "USD", "USD", D("0.00"), None, None],
        ["Functional total", "", "USD", D("0.00"), D("3.00"), D("3.00")],
    ]
    failed = [tie for tie in receivables.aging_ties(table) if not tie.passed]
    assert [(tie.name, tie.figure) for tie in failed] == [
        ("AR aging in the functional currency ties to the general ledger, USD",
         "aging 0.00, general ledger 3.00, difference 3.00"),
    ]  # fmt: skip
    path = str(tmp_path / "main.beancount")
    assert cli.main(["ar", path, "aging", "--as-of", "2026-01-31"]) == 1


def test_the_close_fails_on_a_break_in_usd(books: Books, tmp_path: Path) -> None:
    # The same hand-booked wire: the close package's controls fail.
    paid = """
2026-01-31 * "Euro" "EUR wire booked by hand" ^INV-E1
  invoice: "INV-E1"
  Assets:Bank:Euro  30.00 EUR
  Assets:AccountsReceivable  -30.00 EUR
"""
    ledger = HEADER + EURO_INVOICE + "2026-01-31 price EUR 1.10 USD\n" + paid
    path = reporting.written(books, ledger, {"ar.yaml": POLICY, "close.yaml": "hygiene: false\n"})
    out = tmp_path / "close"
    assert cli.main(["close", str(path), "--month", "2026-01", "--out", str(out)]) == 1
    controls = (out / "2026-01" / "controls.csv").read_text()
    assert (
        '"AR aging in the functional currency ties to the general ledger, USD",FAIL,'
        '"aging 0.00, general ledger 3.00, difference 3.00"'
    ) in controls
    aging_csv = (out / "2026-01" / "ar_aging.csv").read_text().splitlines()
    assert aging_csv[-1] == "Functional total,,USD,,,,,,0.00,3.00,3.00"


EUR_RATES = st.integers(min_value=9000, max_value=14000)  # 0.9000 to 1.4000 USD


@st.composite
def _foreign_books(draw: st.DrawFn) -> str:
    """EUR invoices at their own rates, partial USD receipts, and month-end prices."""
    text = []
    for month, day in ((10, 31), (11, 30), (12, 31), (1, 31)):
        year = 2025 if month >= 10 else 2026
        text.append(f"{year}-{month:02d}-{day} price EUR {draw(EUR_RATES) / 10000} USD\n")
    count = draw(st.integers(min_value=1, max_value=4))
    for number in range(1, count + 1):
        cents = draw(st.integers(min_value=1, max_value=500_000))
        rate = draw(EUR_RATES) / 10000
        day = draw(st.integers(min_value=0, max_value=90))
        date = datetime.date(2025, 10, 1) + datetime.timedelta(days=day)
        eur = Decimal(cents).scaleb(-2)
        usd = (eur * Decimal(str(rate))).quantize(Decimal("0.000001"))
        text.append(f"""
{date} * "Euro" "Invoice INV-{number}" ^INV-{number}
  invoice: "INV-{number}"
  customer: "CUS-{number}"
  due: {date}
  Assets:AccountsReceivable  {eur} EUR @ {rate} USD
  Income:Revenue:Services  -{usd} USD
""")
        if draw(st.booleans()):
            paid = Decimal(draw(st.integers(min_value=1, max_value=cents))).scaleb(-2)
            when = date + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=40)))
            text.append(f"""
{when} price EUR 1.1000 USD
{when} * "Euro" "Wire {number}"
  receipt: "R-{number}"
  invoice: "INV-{number}"
  Assets:Bank:Operating  {paid} USD
  Liabilities:UnappliedCash  -{paid} USD
""")
    return "".join(text)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledger=_foreign_books(), day=st.integers(min_value=0, max_value=60))
def test_the_functional_total_always_ties(books: Books, ledger: str, day: int) -> None:
    # Whatever the rates, partial payments and day, the receivable's value in
    # USD (open items at their carrying rates plus the remeasurement account)
    # is its general ledger weight in USD: the functional total ties. Every
    # invoice is dated by Dec 30, so each day from then has functional rows.
    as_of = datetime.date(2025, 12, 30) + datetime.timedelta(days=day)
    table = _aging(books, str(as_of), ledger)
    totals = [row for row in table.rows if row[0] == receivables.FUNCTIONAL_TOTAL]
    assert len(totals) == 1
    assert totals[0][-1] == 0
    assert all(tie.passed for tie in receivables.aging_ties(table))


def test_fava_shows_the_functional_rows_and_charts_only_the_buckets(books: Books) -> None:
    # Jan 31 holds no USD item, only INV-E1's EUR: the page charts EUR alone
    # (the rows in USD have no buckets to chart), shows the functional rows in
    # its aging grid, and its close controls tie in USD as the package does.
    loaded = Loaded(reporting.loaded(books, HEADER + WORKED, {"ar.yaml": POLICY, "close.yaml": ""}))
    assert loaded.span is not None
    january = datetime.date(2026, 1, 1)
    shown = window.window(loaded.span, january, datetime.date(2026, 2, 1))
    context = Context(loaded, shown, lambda _: True, lambda number, _: f"{number}")
    found = fava_receivables.page(context)
    assert [chart.title for chart in found.aging_charts] == [
        "AR aging as of 2026-01-31, EUR: days past due",
        "Largest balances in EUR (top 12), by days past due",
    ]
    assert [row.cells[0].value for row in found.aging.rows] == [
        "CUS-E", "Total", "Functional", "Functional", "Functional", "Functional total",
    ]  # fmt: skip
    ties = [c for c in fava_close.checks(loaded, january) if "functional" in c.name]
    assert [(c.name, c.passed) for c in ties] == [
        ("AR aging in the functional currency ties to the general ledger, USD", True)
    ]
