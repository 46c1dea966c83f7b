"""The review list: the receivables review flags the plugin raised, as they stand at a month end.

The list reads the flags on the loaded books, so these books are built to
raise each kind, and each figure below is worked by hand from the ledger:
what is still open of a past-due invoice, what is left of an old receipt,
what a receipt of another customer paid, and each one's age at the date.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reports import books as books_module
from reports import cli, package, receivables, review_list
from reports.flux import Thresholds
from reports.table import to_text
from tests import reporting
from tests.conftest import Books

D = Decimal
MARCH_END = datetime.date(2026, 3, 31)
APRIL_END = datetime.date(2026, 4, 30)
MAY_END = datetime.date(2026, 5, 31)
POLICY = "unapplied_cash_age_days: 30\npast_due_age_days: 60\n"

# Acme is CUS-1, Beta CUS-2 (it pays some of Acme's invoices), Cobalt CUS-3
# sends cash with no invoice to pay. Their directives name them.
#
# - INV-1 (1,000.00, due 2026-02-04) is 60 days past due on 2026-04-05 and
#   flagged; R-1 pays 400.00 of it on 2026-04-20, so 600.00 is open at the
#   April end, 85 days past due (24 + 31 + 30).
# - INV-2 (250.00, due 2026-01-31) is flagged on 2026-04-01 and paid in full
#   on 2026-04-10: at the April end its flag no longer stands.
# - R-4 (200.00, 2026-02-01) is unapplied 30 days later, 2026-03-03, and
#   refunded on 2026-04-12; R-3 (300.00, 2026-03-02) is flagged on 2026-04-01
#   and still unapplied at the April end, 59 days after receipt (29 + 30);
#   R-7 (50.00, 2026-04-05) is flagged on 2026-05-05, after the April end.
# - Beta's R-6 pays Acme's INV-4 (100.00) on 2026-03-15, its R-5 Acme's INV-3
#   (500.00) on 2026-04-20, and its wire R-9, posted straight to the
#   receivable, Acme's INV-8 (80.00) on 2026-04-22: three other-payer flags.
LEDGER = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash
2025-01-01 custom "customer" "CUS-1" "Acme" "US"
2025-01-01 custom "customer" "CUS-2" "Beta" "US"
2025-01-01 custom "customer" "CUS-3" "Cobalt" "US"

2026-01-02 * "Beta" "Invoice INV-7" ^INV-7
  invoice: "INV-7"
  customer: "CUS-2"
  due: 2026-02-01
  Assets:AccountsReceivable  300.00 USD
  Income:Revenue:Services  -300.00 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Services  -1000.00 USD

2026-01-10 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  due: 2026-01-31
  Assets:AccountsReceivable  250.00 USD
  Income:Revenue:Services  -250.00 USD

2026-01-20 * "Beta" "Wire INV-7"
  receipt: "R-8"
  customer: "CUS-2"
  invoice: "INV-7"
  Assets:Bank:Operating  300.00 USD
  Liabilities:UnappliedCash  -300.00 USD

2026-02-01 * "Cobalt" "Wire"
  receipt: "R-4"
  customer: "CUS-3"
  Assets:Bank:Operating  200.00 USD
  Liabilities:UnappliedCash  -200.00 USD

2026-03-01 * "Acme" "Invoice INV-4" ^INV-4
  invoice: "INV-4"
  customer: "CUS-1"
  due: 2026-03-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-03-02 * "Cobalt" "Wire"
  receipt: "R-3"
  customer: "CUS-3"
  Assets:Bank:Operating  300.00 USD
  Liabilities:UnappliedCash  -300.00 USD

2026-03-15 * "Beta" "Wire INV-4"
  receipt: "R-6"
  customer: "CUS-2"
  invoice: "INV-4"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-04-01 * "Acme" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-1"
  due: 2026-05-01
  Assets:AccountsReceivable  500.00 USD
  Income:Revenue:Services  -500.00 USD

2026-04-02 * "Acme" "Invoice INV-8" ^INV-8
  invoice: "INV-8"
  customer: "CUS-1"
  due: 2026-05-02
  Assets:AccountsReceivable  80.00 USD
  Income:Revenue:Services  -80.00 USD

2026-04-05 * "Cobalt" "Wire"
  receipt: "R-7"
  customer: "CUS-3"
  Assets:Bank:Operating  50.00 USD
  Liabilities:UnappliedCash  -50.00 USD

2026-04-10 * "Acme" "Wire INV-2"
  receipt: "R-2"
  customer: "CUS-1"
  invoice: "INV-2"
  Assets:Bank:Operating  250.00 USD
  Liabilities:UnappliedCash  -250.00 USD

2026-04-12 * "Cobalt" "Refund R-4"
  receipt: "R-4"
  Liabilities:UnappliedCash  200.00 USD
  Assets:Bank:Operating  -200.00 USD

2026-04-20 * "Acme" "Wire INV-1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  400.00 USD
  Liabilities:UnappliedCash  -400.00 USD

2026-04-20 * "Beta" "Wire INV-3"
  receipt: "R-5"
  customer: "CUS-2"
  invoice: "INV-3"
  Assets:Bank:Operating  500.00 USD
  Liabilities:UnappliedCash  -500.00 USD

2026-04-22 * "Beta" "Wire INV-8"
  receipt: "R-9"
  customer: "CUS-1"
  invoice: "INV-8"
  Assets:Bank:Operating  80.00 USD
  Assets:AccountsReceivable  -80.00 USD

2026-05-10 * "Acme" "Bank fee"
  Income:Revenue:Services  1.00 USD
  Assets:Bank:Operating  -1.00 USD
"""


def _loaded(books: Books) -> books_module.Books:
    return reporting.loaded(books, LEDGER, {"ar.yaml": POLICY})


def _line(books: Books, text: str, after: str = "") -> str:
    """Returns `main.beancount:N`: the line of `text`, the first after the line holding `after`."""
    lines = (books.folder / "main.beancount").read_text().splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    return f"main.beancount:{next(n for n in range(start, len(lines)) if text in lines[n]) + 1}"


def _receipt_line(books: Books, receipt: str) -> str:
    """The line of a receipt's credit to unapplied cash, where its flags are located."""
    return _line(books, "Liabilities:UnappliedCash", after=f'receipt: "{receipt}"')


def test_april_lists_each_flag_still_standing_with_its_amount_and_age(books: Books) -> None:
    table = review_list.review_list(_loaded(books), APRIL_END)
    assert table.columns == review_list.COLUMNS
    assert table.rows == [
        [datetime.date(2026, 4, 5), "past-due", "CUS-1", "Acme", "INV-1", "", "USD",
         D("600.00"), 85, None,
         "Invoice INV-1: 1000.00 USD open 60 days past due (due 2026-02-04)",
         _line(books, '"Invoice INV-1"')],
        [datetime.date(2026, 4, 1), "unapplied-cash", "CUS-3", "Cobalt", "", "R-3", "USD",
         D("300.00"), 59, None,
         "Unapplied cash R-3: 300.00 USD unapplied 30 days after receipt",
         _receipt_line(books, "R-3")],
        [datetime.date(2026, 4, 20), "other-payer", "CUS-1", "Acme", "INV-3", "R-5", "USD",
         D("500.00"), 10, None, "Receipt R-5 from Beta (CUS-2) pays INV-3 of CUS-1",
         _receipt_line(books, "R-5")],
        [datetime.date(2026, 4, 22), "other-payer", "CUS-1", "Acme", "INV-8", "R-9", "USD",
         D("80.00"), 8, None, "Receipt R-9 from Beta (CUS-2) pays INV-8 of CUS-1",
         _line(books, "Assets:AccountsReceivable  -80.00 USD")],
        ["Total", "past-due", "", "", "", "", "USD", D("600.00"), None, 1, "", ""],
        ["Total", "unapplied-cash", "", "", "", "", "USD", D("300.00"), None, 1, "", ""],
        ["Total", "other-payer", "", "", "", "", "USD", D("580.00"), None, 2, "", ""],
    ]  # fmt: skip
    assert review_list.counts(table) == {"past-due": 1, "unapplied-cash": 1, "other-payer": 2}


def test_a_flag_cleared_by_the_month_end_is_not_listed(books: Books) -> None:
    loaded = _loaded(books)
    raised = {
        (flag.meta["revclose_kind"], str(flag.meta["revclose_source"]))
        for flag in review_list.flags(loaded.entries, APRIL_END)
    }
    # INV-2 was flagged and then paid, R-4 flagged and then refunded.
    assert {("past-due", "INV-2"), ("unapplied-cash", "R-4")} <= raised
    listed = {row[4] or row[5] for row in review_list.review_list(loaded, APRIL_END).rows}
    assert not listed & {"INV-2", "R-4"}


def test_march_lists_its_own_other_payer_flag_and_the_refund_not_yet_made(books: Books) -> None:
    table = review_list.review_list(_loaded(books), MARCH_END)
    shown = [row[:10] for row in table.rows]
    # R-4 is 58 days old at the March end (27 + 31); R-6 paid INV-4 16 days before it.
    assert shown == [
        [datetime.date(2026, 3, 3), "unapplied-cash", "CUS-3", "Cobalt", "", "R-4", "USD",
         D("200.00"), 58, None],
        [datetime.date(2026, 3, 15), "other-payer", "CUS-1", "Acme", "INV-4", "R-6", "USD",
         D("100.00"), 16, None],
        ["Total", "unapplied-cash", "", "", "", "", "USD", D("200.00"), None, 1],
        ["Total", "other-payer", "", "", "", "", "USD", D("100.00"), None, 1],
    ]  # fmt: skip


def test_may_keeps_standing_flags_ageing_and_drops_aprils_other_payers(books: Books) -> None:
    table = review_list.review_list(_loaded(books), MAY_END)
    shown = [row[:10] for row in table.rows]
    # INV-1 is 116 days past due (85 + 31), R-3 90 days old (59 + 31), R-7 56 (25 + 31).
    assert shown == [
        [datetime.date(2026, 4, 5), "past-due", "CUS-1", "Acme", "INV-1", "", "USD",
         D("600.00"), 116, None],
        [datetime.date(2026, 4, 1), "unapplied-cash", "CUS-3", "Cobalt", "", "R-3", "USD",
         D("300.00"), 90, None],
        [datetime.date(2026, 5, 5), "unapplied-cash", "CUS-3", "Cobalt", "", "R-7", "USD",
         D("50.00"), 56, None],
        ["Total", "past-due", "", "", "", "", "USD", D("600.00"), None, 1],
        ["Total", "unapplied-cash", "", "", "", "", "USD", D("350.00"), None, 2],
    ]  # fmt: skip


def test_books_without_flags_have_an_empty_list_counting_every_kind(books: Books) -> None:
    table = review_list.review_list(_loaded(books), datetime.date(2026, 1, 31))
    assert table.rows == []
    assert review_list.counts(table) == {"past-due": 0, "unapplied-cash": 0, "other-payer": 0}


def test_command_line_writes_the_review_list_as_csv(books: Books, tmp_path: Path) -> None:
    path = reporting.written(books, LEDGER, {"ar.yaml": POLICY})
    out = tmp_path / "review.csv"
    code = cli.main(["ar", str(path), "review", "--as-of", "2026-03-31", "--csv", str(out)])
    assert code == 0
    assert out.read_text().splitlines() == [
        ",".join(review_list.COLUMNS),
        "2026-03-03,unapplied-cash,CUS-3,Cobalt,,R-4,USD,200.00,58,,"
        f"Unapplied cash R-4: 200.00 USD unapplied 30 days after receipt,"
        f"{_receipt_line(books, 'R-4')}",
        "2026-03-15,other-payer,CUS-1,Acme,INV-4,R-6,USD,100.00,16,,"
        f"Receipt R-6 from Beta (CUS-2) pays INV-4 of CUS-1,{_receipt_line(books, 'R-6')}",
        "Total,unapplied-cash,,,,,USD,200.00,,1,,",
        "Total,other-payer,,,,,USD,100.00,,1,,",
    ]
    assert "review" in receivables.REPORTS


def test_close_writes_the_review_list_and_counts_it_in_the_summary(
    books: Books, tmp_path: Path
) -> None:
    path = reporting.written(books, LEDGER, {"ar.yaml": POLICY})
    out = tmp_path / "close"
    assert cli.main(["close", str(path), "--month", "2026-04", "--out", str(out)]) == 0
    folder = out / "2026-04"
    lines = (folder / package.REVIEW_FLAGS).read_text().splitlines()
    assert [line.split(",")[:10] for line in lines[1:]] == [
        ["2026-04-05", "past-due", "CUS-1", "Acme", "INV-1", "", "USD", "600.00", "85", ""],
        ["2026-04-01", "unapplied-cash", "CUS-3", "Cobalt", "", "R-3", "USD", "300.00", "59", ""],
        ["2026-04-20", "other-payer", "CUS-1", "Acme", "INV-3", "R-5", "USD", "500.00", "10", ""],
        ["2026-04-22", "other-payer", "CUS-1", "Acme", "INV-8", "R-9", "USD", "80.00", "8", ""],
        ["Total", "past-due", "", "", "", "", "USD", "600.00", "", "1"],
        ["Total", "unapplied-cash", "", "", "", "", "USD", "300.00", "", "1"],
        ["Total", "other-payer", "", "", "", "", "USD", "580.00", "", "2"],
    ]  # fmt: skip
    summary = (folder / "summary.md").read_text()
    assert "4 standing at 2026-04-30: 1 past-due, 1 unapplied-cash, 2 other-payer." in summary
    assert f"- `{package.REVIEW_FLAGS}`" in summary


def test_close_package_has_the_review_list_as_its_last_receivables_schedule(
    books: Books,
) -> None:
    built = package.build(_loaded(books), datetime.date(2026, 4, 1), Thresholds())
    assert [schedule.file for schedule in built.schedules][-1] == package.REVIEW_FLAGS
    assert (
        built.table(package.REVIEW_FLAGS).rows
        == review_list.review_list(_loaded(books), APRIL_END).rows
    )


# Beta (CUS-2) wires R-1 on 2026-01-20 naming Acme's INV-1, which is billed
# only on 2026-02-05: R-1 pays INV-1 then, and the other-payer flag is that
# application's, raised on 2026-02-05.
LATER_INVOICE = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 open Liabilities:UnappliedCash
2025-01-01 custom "customer" "CUS-1" "Acme" "US"
2025-01-01 custom "customer" "CUS-2" "Beta" "US"

2026-01-02 * "Beta" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-2"
  due: 2026-01-02
  Assets:AccountsReceivable  10.00 USD
  Income:Revenue:Services  -10.00 USD

2026-01-20 * "Beta" "Wire"
  receipt: "R-1"
  customer: "CUS-2"
  invoice: "INV-1"
  Assets:Bank:Operating  100.00 USD
  Liabilities:UnappliedCash  -100.00 USD

2026-02-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-07
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD
"""


def test_an_other_payer_flag_is_listed_in_the_month_the_receipt_is_applied(
    books: Books,
) -> None:
    loaded = reporting.loaded(books, LATER_INVOICE, {"ar.yaml": POLICY})
    # January: R-1 has paid nothing of INV-1 yet (INV-9 is not 60 days past
    # due, R-1 not 30 days unapplied, by 2026-01-31): nothing to review.
    assert review_list.review_list(loaded, datetime.date(2026, 1, 31)).rows == []
    # February: R-1 paid INV-1's 100.00 on 2026-02-05; the flag is aged from
    # the receipt, 11 days of January after the 20th + 28 of February = 39.
    # INV-9, due 2026-01-02, is flagged only 60 days later, 2026-03-03.
    shown = [row[:10] for row in review_list.review_list(loaded, datetime.date(2026, 2, 28)).rows]
    assert shown == [
        [datetime.date(2026, 2, 5), "other-payer", "CUS-1", "Acme", "INV-1", "R-1", "USD",
         D("100.00"), 39, None],
        ["Total", "other-payer", "", "", "", "", "USD", D("100.00"), None, 1],
    ]  # fmt: skip


def test_a_list_after_the_books_horizon_says_it_may_be_incomplete(books: Books) -> None:
    loaded = reporting.loaded(books, LATER_INVOICE, {"ar.yaml": POLICY})
    # The latest typed transaction is INV-1 of 2026-02-05: the horizon is
    # 2026-02-28, and flags are raised through it and no later. At the
    # February end the list is whole: no note.
    assert review_list.review_list(loaded, datetime.date(2026, 2, 28)).notes == ()
    # INV-9 (10.00, due 2026-01-02) is 60 days past due on 2026-03-03, after
    # the horizon: no flag is raised, so the March list is empty although
    # 10.00 is then 88 days past due (29 + 28 + 31). The list says so.
    march = review_list.review_list(loaded, MARCH_END)
    assert march.rows == []
    assert march.notes == (
        "Note: review flags are raised only through the books' horizon 2026-02-28 (the month "
        "end of their latest typed transaction); cash that comes of age or an invoice that "
        "falls past due after it is not flagged, so this list at 2026-03-31 may be incomplete",
    )
    assert to_text(march).splitlines()[:3] == [
        "Review flags standing at 2026-03-31",
        march.notes[0],
        "",
    ]


# Acme's INV-1 100.00 (due 2026-12-31, never past due here) is credited 25.00
# by CN-1, netted on Jan 20: INV-1 open 75.00, CN-1 0.00. CN-1 is then paid
# back to the customer, so the customer owes it: 25.00 on Feb 10 (owed
# 25.00), 15.00 more on Mar 12 (owed 40.00); the customer returns the 40.00
# on Apr 6 (0.00 at Apr 30) and is refunded 25.00 again on May 10 (owed
# 25.00). The plugin flags the two spells at Feb 28 (25.00) and May 31
# (25.00); a refund is typed through the receivable naming the note.
OWED = """
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Income:Revenue:Services
2025-01-01 custom "customer" "CUS-1" "Acme" "US"

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-12-31
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-20 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -25.00 USD
  Income:Revenue:Services  25.00 USD
""" + "".join(
    f"""
{day} * "Acme" "Refund CN-1"
  invoice: "CN-1"
  Assets:AccountsReceivable  {units} USD
  Assets:Bank:Operating  {-D(units)} USD
"""
    for day, units in (
        ("2026-02-10", "25.00"),
        ("2026-03-12", "15.00"),
        ("2026-04-06", "-40.00"),
        ("2026-05-10", "25.00"),
    )
)


def _owed_rows(books: Books, as_of: datetime.date) -> list[list[Any]]:
    loaded = reporting.loaded(books, OWED, {"ar.yaml": POLICY})
    return [list(row[:10]) for row in review_list.review_list(loaded, as_of).rows]


def test_worked_example_an_owed_credit_note_is_listed_at_each_month_end_while_owed(
    books: Books,
) -> None:
    # Feb 28: CN-1 owed 25.00 since Feb 10, 18 days. Mar 31: the same flag
    # stands, now for 25.00 + 15.00 = 40.00, 18 + 31 = 49 days since Feb 10.
    # The old list showed the flag only in February, without an amount.
    raised = datetime.date(2026, 2, 28)
    assert _owed_rows(books, raised) == [
        [raised, "credit-note-owed", "CUS-1", "Acme", "CN-1", "", "USD", D("25.00"), 18, None],
        ["Total", "credit-note-owed", "", "", "", "", "USD", D("25.00"), None, 1],
    ]  # fmt: skip
    table = review_list.review_list(reporting.loaded(books, OWED, {"ar.yaml": POLICY}), MARCH_END)
    assert table.rows[0][10:] == [
        "Credit note CN-1: 25.00 USD owed by the customer (paid back beyond what is left of it)",
        _line(books, '"Credit note CN-1"'),
    ]
    assert [row[:10] for row in table.rows] == [
        [raised, "credit-note-owed", "CUS-1", "Acme", "CN-1", "", "USD", D("40.00"), 49, None],
        ["Total", "credit-note-owed", "", "", "", "", "USD", D("40.00"), None, 1],
    ]  # fmt: skip
    assert review_list.counts(table) == {
        "past-due": 0, "unapplied-cash": 0, "other-payer": 0, "credit-note-owed": 1,
    }  # fmt: skip


def test_an_owed_credit_note_paid_back_drops_off_and_a_new_spell_is_listed_at_its_flag(
    books: Books,
) -> None:
    # Apr 30: 40.00 - 40.00 = 0.00, nothing owed, so the February flag no
    # longer stands. May 20: owed 25.00 again since May 10, but the spell
    # the February flag was raised for ended at Apr 30, and the new one is
    # flagged only at May 31, so nothing is listed yet. May 31: the new
    # flag, 25.00, 21 days since May 10.
    assert _owed_rows(books, APRIL_END) == []
    assert _owed_rows(books, datetime.date(2026, 5, 20)) == []
    assert _owed_rows(books, MAY_END) == [
        [MAY_END, "credit-note-owed", "CUS-1", "Acme", "CN-1", "", "USD", D("25.00"), 21, None],
        ["Total", "credit-note-owed", "", "", "", "", "USD", D("25.00"), None, 1],
    ]  # fmt: skip
