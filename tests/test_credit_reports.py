"""Deferred revenue reports of prepaid credit drawn down by usage, checked by hand.

The books enable plugins.usage_revenue: credit packs are deferred lines with
`recognition: "usage"`, drawn by usage accruals and broken at expiry. The
roll-forward, the waterfall and the RPO read the draws and breakage from the
usage subledger; each figure below is derived in the comments from the
ledger text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from reports import controls, deferred_revenue, obligations, package
from reports.books import Books as LoadedBooks
from reports.flux import Thresholds
from reports.table import Table
from revclose_fava import close, revenue, window
from revclose_fava.context import Context, rows_of
from revclose_fava.loaded import Loaded
from tests import reporting
from tests.conftest import Books
from tests.usage_books import CREDITS, accrual, credit_pack, promotion, usage_invoice

JULY, AUGUST, SEPTEMBER = (datetime.date(2026, month, 1) for month in (7, 8, 9))

HEADER = """
option "operating_currency" "USD"
plugin "plugins.deferred_revenue" "revenue.yaml"
plugin "plugins.usage_revenue" "usage.yaml"

2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:UnbilledReceivables
2026-01-01 open Liabilities:DeferredRevenue:Credits
2026-01-01 open Income:Revenue:Credits
2026-01-01 open Income:Revenue:Usage
"""


# CUS-1 buys 100.00 of credit expiring September 30 and uses 30.00 in July and
# 45.00 in August: the 25.00 left breaks on September 30.
# CUS-2 gets 30.00 of promotional credit and buys 200.00 expiring at the end
# of 2027; August's 50.00 of usage draws the promotion first (it expires
# first), then 20.00 of the pack.
# CUS-3 buys 60.00 expiring 2027-03-01, a credit note takes 20.00 back on
# September 20, and September's usage draws 15.00. Each customer is its own
# payee.
LEDGER = (
    HEADER
    + credit_pack("2026-06-15", "INV-1", "100.00 USD", "2026-09-30", "CUS-1", "CUS-1")
    + accrual("2026-07", "30.00 USD", "CUS-1", "CUS-1")
    + promotion("2026-08-01", "PROMO-1", "30.00 USD", "2026-12-31", "CUS-2")
    + credit_pack("2026-08-10", "INV-2", "200.00 USD", "2027-12-31", "CUS-2", "CUS-2")
    + accrual("2026-08", "45.00 USD", "CUS-1", "CUS-1")
    + accrual("2026-08", "50.00 USD", "CUS-2", "CUS-2")
    + credit_pack("2026-09-01", "INV-3", "60.00 USD", "2027-03-01", "CUS-3", "CUS-3")
    + """
2026-09-20 * "CUS-3" "Credit note CN-3" ^CN-3 ^INV-3
  invoice: "CN-3"
  customer: "CUS-3"
  credits: "INV-3"
  Liabilities:DeferredRevenue:Credits  20.00 USD
    service_start: 2026-09-01
    service_end: 2027-03-01
    recognition: "usage"
    expires: 2027-03-01
  Assets:AccountsReceivable  -20.00 USD
"""
    + accrual("2026-09", "15.00 USD", "CUS-3", "CUS-3")
)


def _d(text: str) -> Decimal:
    return Decimal(text)


def _load(books: Books, ledger: str = LEDGER, usage: str = "") -> LoadedBooks:
    return reporting.loaded(books, ledger, {"revenue.yaml": "", "usage.yaml": usage})


def _row(table: Table, account: str = CREDITS) -> dict[str, Any]:
    (row,) = [row for row in rows_of(table) if row["account"] == account]
    return row


def _figures(row: dict[str, Any], *names: str) -> list[Decimal]:
    return [row[name] for name in names]


MOVES = ("opening", "billed", "credit_notes", "recognized", "drawn_by_usage", "breakage")
TIE = ("closing", "gl_closing", "difference")


# The roll-forward.


def test_rollforward_has_the_credit_columns_after_recognized(books: Books) -> None:
    table = deferred_revenue.rollforward(_load(books), JULY)
    assert list(table.columns) == [
        "account", "currency", "opening", "billed", "credit_notes", "recognized",
        "drawn_by_usage", "breakage", "closing", "gl_closing", "difference",
    ]  # fmt: skip


def test_rollforward_of_credit_drawn_and_broken_by_hand(books: Books) -> None:
    # July: INV-1's 100.00 opens; usage draws 30.00: 70.00.
    # August: 70.00 opens; INV-2 bills 200.00; CUS-1 draws 45.00 and CUS-2
    # 20.00 of INV-2 (its first 30.00 came from the promotion, which is not
    # deferred revenue): 70 + 200 - 65 = 205.00.
    # September: 205.00 opens; INV-3 bills 60.00, CN-3 takes 20.00 back;
    # CUS-3 draws 15.00; INV-1's 25.00 breaks on the 30th:
    # 205 + 60 - 20 - 15 - 25 = 205.00 (INV-2's 180.00 and INV-3's 25.00).
    loaded = _load(books)
    expected = {
        JULY: (["100.00", "0.00", "0.00", "0.00", "30.00", "0.00"], "70.00"),
        AUGUST: (["70.00", "200.00", "0.00", "0.00", "65.00", "0.00"], "205.00"),
        SEPTEMBER: (["205.00", "60.00", "-20.00", "0.00", "15.00", "25.00"], "205.00"),
    }
    for month, (moves, closing) in expected.items():
        table = deferred_revenue.rollforward(loaded, month)
        row = _row(table)
        assert _figures(row, *MOVES) == [_d(each) for each in moves]
        assert _figures(row, *TIE) == [_d(closing), _d(closing), _d("0.00")]
        assert deferred_revenue.breaks(table) == []


def test_rollforward_of_proportional_breakage_by_hand(books: Books) -> None:
    # b = 0.10: breakage to date is round(D x 0.10 / 0.90), at most G - D.
    # July draws 30.00: 30 / 9 = 3.33. August draws 45.00: 75 / 9 = 8.33, so
    # 5.00 more. September draws 20.00: 95 / 9 = 10.56 but only 5.00 is left
    # undrawn, so breakage falls to 5.00: -3.33, reversed into deferred.
    ledger = (
        HEADER
        + credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15", "CUS-1", "CUS-1")
        + accrual("2026-07", "30.00 USD", "CUS-1", "CUS-1")
        + accrual("2026-08", "45.00 USD", "CUS-1", "CUS-1")
        + accrual("2026-09", "20.00 USD", "CUS-1", "CUS-1")
    )
    loaded = _load(books, ledger, "breakage: proportional\nexpected_breakage: 0.10\n")
    expected = {
        JULY: (["100.00", "0.00", "0.00", "0.00", "30.00", "3.33"], "66.67"),
        AUGUST: (["66.67", "0.00", "0.00", "0.00", "45.00", "5.00"], "16.67"),
        SEPTEMBER: (["16.67", "0.00", "0.00", "0.00", "20.00", "-3.33"], "0.00"),
    }
    for month, (moves, closing) in expected.items():
        row = _row(deferred_revenue.rollforward(loaded, month))
        assert _figures(row, *MOVES) == [_d(each) for each in moves]
        assert _figures(row, *TIE) == [_d(closing), _d(closing), _d("0.00")]


def test_rollforward_still_finds_a_posting_outside_both_subledgers(books: Books) -> None:
    manual = """
2026-09-15 * "Manual reclass"
  Assets:AccountsReceivable  10.00 USD
  Liabilities:DeferredRevenue:Credits  -10.00 USD
"""
    table = deferred_revenue.rollforward(_load(books, LEDGER + manual), SEPTEMBER)
    assert deferred_revenue.breaks(table) == [
        "Deferred revenue 'Liabilities:DeferredRevenue:Credits' in USD does not tie: "
        "roll-forward closing 205.00, general ledger 215.00, difference 10.00"
    ]


# The waterfall.


def test_waterfall_shows_credit_drawn_broken_and_left_at_expiry_by_hand(books: Books) -> None:
    # As of September 30. INV-1 (booked June): 30.00 drawn in July, 45.00 in
    # August, 25.00 broken in September: nothing left. INV-2 (booked August):
    # 20.00 drawn in August; its 180.00 breaks at its expiry, December 2027,
    # unless used. September's bookings: INV-3 60.00 less CN-3 20.00 = 40.00;
    # INV-3's row loses 15.00 drawn and 20.00 taken back in September, CN-3's
    # row gains the 20.00 back (net 15.00); INV-3's 25.00 is left to its
    # expiry, March 2027.
    loaded = _load(books)
    table = deferred_revenue.waterfall(loaded, datetime.date(2026, 9, 30))
    assert list(table.columns) == [
        "currency", "booked_month", "billed", "2026-07", "2026-08", "2026-09", "2027-03",
        "2027-12", "deferred",
    ]  # fmt: skip
    assert table.rows == [
        ["USD", "2026-06", _d("100.00"), _d("30.00"), _d("45.00"), _d("25.00"), _d("0.00"),
         _d("0.00"), _d("0.00")],
        ["USD", "2026-08", _d("200.00"), _d("0.00"), _d("20.00"), _d("0.00"), _d("0.00"),
         _d("180.00"), _d("180.00")],
        ["USD", "2026-09", _d("40.00"), _d("0.00"), _d("0.00"), _d("15.00"), _d("25.00"),
         _d("0.00"), _d("25.00")],
    ]  # fmt: skip
    # What is deferred is what the columns after September hold, and the
    # ledger's balance.
    for row in table.rows:
        assert row[-1] == sum(row[6:-1], Decimal(0))
    row = _row(deferred_revenue.rollforward(loaded, SEPTEMBER))
    assert sum(row[-1] for row in table.rows) == row["gl_closing"] == _d("205.00")


def test_waterfall_is_of_the_books_as_they_stood_at_the_date(books: Books) -> None:
    # As of August 31, INV-1's 25.00 is left to its expiry in September, and
    # September's draws and bookings are not known yet.
    table = deferred_revenue.waterfall(_load(books), datetime.date(2026, 8, 31))
    assert list(table.columns) == [
        "currency", "booked_month", "billed", "2026-07", "2026-08", "2026-09", "2027-12",
        "deferred",
    ]  # fmt: skip
    assert table.rows == [
        ["USD", "2026-06", _d("100.00"), _d("30.00"), _d("45.00"), _d("25.00"), _d("0.00"),
         _d("25.00")],
        ["USD", "2026-08", _d("200.00"), _d("0.00"), _d("20.00"), _d("0.00"), _d("180.00"),
         _d("180.00")],
    ]  # fmt: skip


# Remaining performance obligations.


def test_rpo_is_the_credit_left_by_when_it_expires_by_hand(books: Books) -> None:
    # At August 31 (twelve months to 2027-08-31): INV-1's 25.00 expires on
    # 2026-09-30, within; INV-2's 180.00 on 2027-12-31, after. At September 30
    # (to 2027-09-30): INV-1 has broken; INV-3's 60 - 20 - 15 = 25.00 expires
    # 2027-03-01, within; INV-2's 180.00 is still after. The promotion is not
    # an obligation. Each total is the roll-forward's closing.
    loaded = _load(books)
    for month, within in ((AUGUST, "25.00"), (SEPTEMBER, "25.00")):
        table = obligations.remaining_obligations(loaded, month)
        assert table.rows == [
            [CREDITS, "USD", _d(within), _d("180.00"), _d("0.00"), _d("205.00")],
        ]
        closing = _row(deferred_revenue.rollforward(loaded, month))["closing"]
        assert table.rows[0][-1] == closing


def test_rpo_leaves_out_credit_all_drawn(books: Books) -> None:
    # CUS-1's 100.00 is all drawn by August 31 (30.00 + 70.00): nothing remains.
    ledger = (
        HEADER
        + credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15", "CUS-1", "CUS-1")
        + accrual("2026-07", "30.00 USD", "CUS-1", "CUS-1")
        + accrual("2026-08", "90.00 USD", "CUS-1", "CUS-1")
    )
    loaded = _load(books, ledger)
    assert obligations.remaining_obligations(loaded, AUGUST).rows == []
    assert _row(deferred_revenue.rollforward(loaded, AUGUST))["closing"] == _d("0.00")


def test_rpo_of_proportional_breakage_is_the_deferred_balance(books: Books) -> None:
    # 100.00 granted, 75.00 drawn and 8.33 broken by August 31: 16.67 is
    # deferred (the customer can still use 25.00), expiring 2027-06-15.
    ledger = (
        HEADER
        + credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15", "CUS-1", "CUS-1")
        + accrual("2026-07", "30.00 USD", "CUS-1", "CUS-1")
        + accrual("2026-08", "45.00 USD", "CUS-1", "CUS-1")
    )
    loaded = _load(books, ledger, "breakage: proportional\nexpected_breakage: 0.10\n")
    assert obligations.remaining_obligations(loaded, AUGUST).rows == [
        [CREDITS, "USD", _d("16.67"), _d("0.00"), _d("0.00"), _d("16.67")],
    ]


def test_without_the_usage_plugin_credit_stays_unscheduled(books: Books) -> None:
    # Nothing draws the pack down: the roll-forward has no credit columns and
    # the RPO shows the 100.00 as unscheduled.
    ledger = HEADER.replace('plugin "plugins.usage_revenue" "usage.yaml"\n', "")
    ledger += credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15", "CUS-1", "CUS-1")
    loaded = _load(books, ledger)
    table = deferred_revenue.rollforward(loaded, JULY)
    assert list(table.columns) == list(deferred_revenue.ROLLFORWARD_COLUMNS)
    assert obligations.remaining_obligations(loaded, JULY).rows == [
        [CREDITS, "USD", _d("0.00"), _d("0.00"), _d("100.00"), _d("100.00")],
    ]


# The Fava pages.

# CUS-4 has no credit: August's 80.00 of usage is invoiced at 85.00.
OVERAGE = accrual("2026-08", "80.00 USD", "CUS-4", "CUS-4") + usage_invoice(
    "2026-09-03", "INV-9", "85.00 USD", "2026-08", "CUS-4", "CUS-4"
)


def test_close_page_checks_are_the_packages_with_usage(books: Books) -> None:
    loaded = _load(books, LEDGER + OVERAGE)
    built = package.build(loaded, SEPTEMBER, Thresholds())
    found = close.checks(Loaded(loaded), SEPTEMBER)
    assert found == built.checks
    assert found[-1] == controls.Control(
        "Usage billed as rated (usage-to-invoice reconciliation)",
        False,
        "1 difference beyond the tolerance of 0.00, total 5.00 USD",
    )
    assert [c.result for c in found if c.name.startswith("Deferred revenue")] == ["pass"]


def test_revenue_page_bridges_credit_drawn_and_broken(books: Books) -> None:
    # September's bridge: 205.00 + 60.00 - 20.00 - 0.00 - 15.00 - 25.00 = 205.00.
    loaded = Loaded(_load(books))
    assert loaded.span is not None
    shown = window.window(loaded.span, SEPTEMBER, datetime.date(2026, 10, 1))
    context = Context(loaded, shown, lambda _: True, lambda number, _: f"{number}")
    page = revenue.page(context)
    row = _row(loaded.run(deferred_revenue.rollforward, SEPTEMBER))
    steps = revenue.bridge_steps(row)
    assert steps == [
        ("opening", _d("205.00")),
        ("billed", _d("60.00")),
        ("credits", _d("-20.00")),
        ("recognized", _d("0.00")),
        ("drawn by usage", _d("-15.00")),
        ("breakage", _d("-25.00")),
        ("closing", _d("205.00")),
    ]
    assert sum(value for _, value in steps[:-1]) == steps[-1][1]
    assert len(page.bridges) == 1
    assert page.waterfall.rows
