"""Deferred revenue reports: roll-forward, waterfall and the close command."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reports import books as books_module
from reports import cli, deferred_revenue
from reports.table import to_csv
from tests.conftest import Books

LEDGER = """
plugin "plugins.deferred_revenue" "revenue.yaml"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Liabilities:DeferredRevenue:Subscriptions
2020-01-01 open Income:Revenue:Subscriptions

2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  12000.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -12000.00 USD
    service_start: 2026-01-15
    service_end: 2027-01-14

2026-02-10 * "Beta" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-2"
  Assets:AccountsReceivable  280.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -280.00 USD
    service_start: 2026-02-01
    service_end: 2026-02-28

2026-02-20 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  customer: "CUS-1"
  Liabilities:DeferredRevenue:Subscriptions  365.00 USD
    service_start: 2026-01-15
    service_end: 2027-01-14
  Assets:AccountsReceivable  -365.00 USD

2026-02-28 * "Bank" "Fees"
  Assets:AccountsReceivable  0.00 USD
  Assets:AccountsReceivable  0.00 USD
"""


def _books(books: Books, extra: str = "") -> books_module.Books:
    books.write("revenue.yaml", "")
    path = books.write("main.beancount", LEDGER + extra)
    return books_module.load(str(path))


def test_rollforward_of_february_by_hand(books: Books) -> None:
    # INV-1: 12,000.00 over 365 days; January (17 days) released 558.90 and
    # through February (45 days) 1,479.45, so February releases 920.55.
    # INV-2: 280.00 for February, booked in February: all of it.
    # CN-1: 365.00 over the same 365 days (1.00 a day), booked Feb 20: January's
    # 17 days catch up with February's 28, so February releases -45.00.
    # Opening 12,000.00 - 558.90 = 11,441.10. Recognized 920.55 + 280.00 - 45.00
    # = 1,155.55. Closing 11,441.10 + 280.00 - 365.00 - 1,155.55 = 10,200.55.
    table = deferred_revenue.rollforward(_books(books), datetime.date(2026, 2, 1))
    assert list(table.columns) == list(deferred_revenue.ROLLFORWARD_COLUMNS)
    recognized = Decimal("920.55") + Decimal("280.00") - Decimal("45.00")
    closing = Decimal("11441.10") + Decimal("280.00") - Decimal("365.00") - recognized
    assert table.rows == [
        [
            "Liabilities:DeferredRevenue:Subscriptions",
            "USD",
            Decimal("11441.10"),
            Decimal("280.00"),
            Decimal("-365.00"),
            recognized,
            closing,
            closing,
            Decimal("0.00"),
        ]
    ]
    assert deferred_revenue.breaks(table) == []


def test_rollforward_finds_a_posting_outside_the_subledger(books: Books) -> None:
    manual = """
2026-02-27 * "Manual reclass"
  Assets:AccountsReceivable  10.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -10.00 USD
"""
    table = deferred_revenue.rollforward(_books(books, manual), datetime.date(2026, 2, 1))
    assert table.column("difference") == [Decimal("10.00")]
    assert deferred_revenue.breaks(table) == [
        "Deferred revenue 'Liabilities:DeferredRevenue:Subscriptions' in USD does not tie: "
        "roll-forward closing 10200.55, general ledger 10210.55, difference 10.00"
    ]


def test_waterfall_rows_are_booked_months_and_deferred_is_what_is_scheduled(
    books: Books,
) -> None:
    loaded = _books(books)
    table = deferred_revenue.waterfall(loaded, datetime.date(2026, 2, 28))
    assert list(table.columns[:3]) == ["currency", "booked_month", "billed"]
    assert table.columns[3] == "2026-01"
    assert table.columns[-2] == "2027-01"
    january, february = table.rows
    assert january[:4] == ["USD", "2026-01", Decimal("12000.00"), Decimal("558.90")]
    assert january[4] == Decimal("920.55")
    # February's bookings: INV-2 (280.00) less CN-1 (365.00) is -85.00 billed;
    # in February 280.00 - 45.00 = 235.00 is released.
    assert february[:5] == ["USD", "2026-02", Decimal("-85.00"), Decimal("0.00"), Decimal("235.00")]
    # What remains deferred at the as-of date is what the later columns release,
    # and both equal the ledger's deferred balance.
    for row in table.rows:
        assert row[-1] == sum(row[5:-1], Decimal(0))
    balance = books_module.balances(
        loaded.entries, datetime.date(2026, 2, 28), lambda name: "Deferred" in name
    )
    assert sum(row[-1] for row in table.rows) == -sum(balance.values())
    assert to_csv(table).splitlines()[1].startswith("USD,2026-01,12000.00,558.90,920.55")


def test_latest_complete_month_ignores_generated_releases(books: Books) -> None:
    assert books_module.latest_complete_month(_books(books)) == datetime.date(2026, 2, 1)
    later = '\n2026-03-30 * "Bank" "Fees"\n  Assets:AccountsReceivable  0.00 USD\n'
    later += "  Assets:AccountsReceivable  0.00 USD\n"
    assert books_module.latest_complete_month(_books(books, later)) == datetime.date(2026, 2, 1)


def test_close_writes_the_package_and_fails_on_a_break(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _books(books)
    ledger = str(tmp_path / "main.beancount")
    out = tmp_path / "close"
    assert cli.main(["close", ledger, "--month", "2026-02", "--out", str(out)]) == 0
    rollforward = (out / "2026-02" / "deferred_revenue_rollforward.csv").read_text()
    assert rollforward.splitlines()[0] == ",".join(deferred_revenue.ROLLFORWARD_COLUMNS)
    assert (out / "2026-02" / "revenue_waterfall.csv").exists()
    unexplained = (
        '2026-02-27 * "x"\n'
        "  Assets:AccountsReceivable  1.00 USD\n"
        "  Liabilities:DeferredRevenue:Subscriptions  -1.00 USD\n"
    )
    books.write("main.beancount", LEDGER + unexplained)
    assert cli.main(["close", ledger, "--month", "2026-02", "--out", str(out)]) == 1
    assert "does not tie" in capsys.readouterr().err


def test_close_refuses_books_with_errors(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _books(books, '\n2026-02-01 * "x"\n  Assets:Nowhere  1.00 USD\n  Assets:AccountsReceivable\n')
    assert cli.main(["close", str(tmp_path / "main.beancount"), "--out", str(tmp_path)]) == 1
    assert "Assets:Nowhere" in capsys.readouterr().err


def test_a_month_that_is_not_a_month_is_refused(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _books(books)
    assert cli.main(["rollforward", str(tmp_path / "main.beancount"), "--month", "2026-2"]) == 2
    assert "Month '2026-2' is not a month; expected YYYY-MM" in capsys.readouterr().err
