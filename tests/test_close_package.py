"""The close package: every schedule of a small month, checked against hand figures."""

from __future__ import annotations

import datetime
import shutil
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from beancount.core import data

from reports import books as books_module
from reports import (
    cli,
    contract_balances,
    disaggregation,
    flux,
    journal,
    obligations,
    trial_balance,
    workbook,
)
from reports.table import Table
from tests import reporting, test_customer_statements
from tests.conftest import Books, line_of, number

REPO = Path(__file__).resolve().parent.parent
MARCH = datetime.date(2026, 3, 1)
HYPERLINK = '=HYPERLINK("http://x.example","x")'

# Two entities (US in USD, EU in EUR); the month closed is March 2026. Daily
# basis throughout, with amounts chosen so a day is worth a round figure:
# INV-1 3,650.00 USD over 365 days (10.00 a day), INV-2 7,300.00 EUR over 730
# days (10.00 a day), CN-1 credits half of INV-1 (5.00 a day), and the
# commission on CTR-1 is 3,650.00 USD over 365 days (10.00 a day).
LEDGER = """
option "operating_currency" "USD"
plugin "plugins.deferred_revenue" "revenue.yaml"
plugin "plugins.commissions" "commissions.yaml"
plugin "plugins.close_controls" "close.yaml"

2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:UnbilledReceivables
2025-01-01 open Assets:Bank:Checking
2025-01-01 open Liabilities:DeferredRevenue:Subscriptions
2025-01-01 open Liabilities:DeferredRevenue:Services
2025-01-01 open Liabilities:DeferredRevenue:Credits
2025-01-01 open Liabilities:CommissionsPayable
2025-01-01 open Income:Revenue:Subscriptions
2025-01-01 open Income:Revenue:Services
2025-01-01 open Income:Revenue:Usage
2025-01-01 open Income:Revenue:Credits
2025-01-01 open Expenses:Commissions

2025-03-31 * "Acme" "Usage INV-0" ^INV-0
  invoice: "INV-0"
  customer: "CUS-1"
  entity: "US"
  Assets:AccountsReceivable  1000.00 USD
  Income:Revenue:Usage  -1000.00 USD
    product: "gpu-hours"

2025-04-15 * "Acme" "Payment INV-0" ^INV-0
  invoice: "INV-0"
  Assets:Bank:Checking  1000.00 USD
  Assets:AccountsReceivable  -1000.00 USD

2026-01-01 * "=HYPERLINK(\\"http://x.example\\",\\"x\\")" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-2"
  entity: "EU"
  Assets:AccountsReceivable  7300.00 EUR
  Liabilities:DeferredRevenue:Subscriptions  -7300.00 EUR
    service_start: 2026-01-01
    service_end: 2027-12-31
    product: "team-annual"

2026-02-01 custom "contract" "CTR-1"
  customer: "CUS-1"
  start: 2026-02-01
  end: 2027-01-31

2026-02-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  entity: "US"
  contract: "CTR-1"
  Assets:AccountsReceivable  3650.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -3650.00 USD
    service_start: 2026-02-01
    service_end: 2027-01-31
    product: "pro-annual"

2026-02-01 * "Jane Doe" "Commission CTR-1"
  Expenses:Commissions  3650.00 USD
    contract: "CTR-1"
  Liabilities:CommissionsPayable  -3650.00 USD

2026-02-28 * "Acme" "Usage INV-5" ^INV-5
  invoice: "INV-5"
  customer: "CUS-1"
  entity: "US"
  Assets:AccountsReceivable  1500.00 USD
  Income:Revenue:Usage  -1500.00 USD
    product: "gpu-hours"

2026-02-28 * "=HYPERLINK(\\"http://x.example\\",\\"x\\")" "Usage INV-6" ^INV-6
  invoice: "INV-6"
  customer: "CUS-2"
  entity: "EU"
  Assets:AccountsReceivable  20000.00 EUR
  Income:Revenue:Usage  -20000.00 EUR
    product: "gpu-hours"

2026-03-05 * "@SUM(1)" "Invoice INV-3" ^INV-3
  invoice: "INV-3"
  customer: "CUS-3"
  entity: "US"
  Assets:AccountsReceivable  500.00 USD
  Liabilities:DeferredRevenue:Services  -500.00 USD
    service_start: 2026-03-20
    service_end: 2026-03-20
    recognition: "point"
    product: "fine-tuning"

2026-03-10 * "@SUM(1)" "Prepaid credits INV-8" ^INV-8
  invoice: "INV-8"
  customer: "CUS-3"
  entity: "US"
  Assets:AccountsReceivable  2000.00 USD
  Liabilities:DeferredRevenue:Credits  -2000.00 USD
    service_start: 2026-03-10
    service_end: 2027-03-09
    recognition: "usage"

2026-03-16 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  customer: "CUS-1"
  Liabilities:DeferredRevenue:Subscriptions  1825.00 USD
    service_start: 2026-02-01
    service_end: 2027-01-31
  Assets:AccountsReceivable  -1825.00 USD

2026-03-20 * "Acme" "Payment INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Checking  1825.00 USD
  Assets:AccountsReceivable  -1825.00 USD

2026-03-31 * "Acme" "Usage INV-4" ^INV-4
  invoice: "INV-4"
  customer: "CUS-1"
  entity: "US"
  Assets:AccountsReceivable  12000.00 USD
  Income:Revenue:Usage  -12000.00 USD
    product: "gpu-hours"

2026-03-31 * "=HYPERLINK(\\"http://x.example\\",\\"x\\")" "Usage INV-7" ^INV-7
  invoice: "INV-7"
  customer: "CUS-2"
  entity: "EU"
  Assets:AccountsReceivable  21500.00 EUR
  Income:Revenue:Usage  -21500.00 EUR
    product: "gpu-hours"

2026-03-31 * "@SUM(1)" "Unbilled usage, March"
  customer: "CUS-3"
  entity: "US"
  Assets:UnbilledReceivables  250.00 USD
  Income:Revenue:Usage  -250.00 USD
"""


def _policies(close: str = "") -> dict[str, str]:
    return {
        "revenue.yaml": "",
        "commissions.yaml": "amortization_account: Expenses:Commissions:Amortization\n",
        "close.yaml": close,
    }


def _write(books: Books, extra: str = "", close: str = "") -> Path:
    return reporting.written(books, LEDGER + extra, _policies(close))


def _load(books: Books) -> books_module.Books:
    return reporting.loaded(books, LEDGER, _policies())


def _d(text: str) -> Decimal:
    return Decimal(text)


def _rows(table: Table, *names: str) -> list[list[Any]]:
    indexes = [list(table.columns).index(name) for name in names]
    return [[row[index] for index in indexes] for row in table.rows]


def test_trial_balance_at_month_end_by_hand(books: Books) -> None:
    # Receivables: USD 3,650 + 1,500 + 500 + 2,000 - 1,825 - 1,825 + 12,000 (INV-0
    # paid) = 16,000; EUR 7,300 + 20,000 + 21,500 = 48,800. Bank 1,000 + 1,825.
    # Contract costs 3,650 less February's 280 and March's 310 amortization.
    # Deferred USD: INV-1 3,650 - 590 released, less CN-1 1,825 - 295 released.
    # Income and expenses are 2026 to date; 2025's usage (1,000) sits in
    # previous earnings. Subscriptions USD: February 280, March 310 - 295.
    table = trial_balance.trial_balance(_load(books), MARCH)
    assert list(table.columns) == ["account", "currency", "debit", "credit"]
    assert table.rows == [
        ["Assets:AccountsReceivable", "EUR", _d("48800.00"), _d("0.00")],
        ["Assets:AccountsReceivable", "USD", _d("16000.00"), _d("0.00")],
        ["Assets:Bank:Checking", "USD", _d("2825.00"), _d("0.00")],
        ["Assets:ContractCosts:Commissions", "USD", _d("3060.00"), _d("0.00")],
        ["Assets:UnbilledReceivables", "USD", _d("250.00"), _d("0.00")],
        ["Equity:Earnings:Previous", "USD", _d("0.00"), _d("1000.00")],
        ["Expenses:Commissions:Amortization", "USD", _d("590.00"), _d("0.00")],
        ["Income:Revenue:Services", "USD", _d("0.00"), _d("500.00")],
        ["Income:Revenue:Subscriptions", "EUR", _d("0.00"), _d("900.00")],
        ["Income:Revenue:Subscriptions", "USD", _d("0.00"), _d("295.00")],
        ["Income:Revenue:Usage", "EUR", _d("0.00"), _d("41500.00")],
        ["Income:Revenue:Usage", "USD", _d("0.00"), _d("13750.00")],
        ["Liabilities:CommissionsPayable", "USD", _d("0.00"), _d("3650.00")],
        ["Liabilities:DeferredRevenue:Credits", "USD", _d("0.00"), _d("2000.00")],
        ["Liabilities:DeferredRevenue:Subscriptions", "EUR", _d("0.00"), _d("6400.00")],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("0.00"), _d("1530.00")],
        ["Total", "EUR", _d("48800.00"), _d("48800.00")],
        ["Total", "USD", _d("22725.00"), _d("22725.00")],
    ]
    assert trial_balance.out_of_balance(table) == {"EUR": 0, "USD": 0}


def test_trial_balance_moves_exchanges_to_conversions(books: Books) -> None:
    exchange = """
2026-03-25 * "Bank" "Sell EUR"
  Assets:Bank:Checking  1100.00 USD
  Assets:Bank:Checking  -1000.00 EUR @ 1.10 USD
"""
    loaded = books_module.load(str(_write(books, exchange)))
    table = trial_balance.trial_balance(loaded, MARCH)
    assert ["Equity:Conversions:Current", "EUR", _d("1000.00"), _d("0.00")] in table.rows
    assert ["Equity:Conversions:Current", "USD", _d("0.00"), _d("1100.00")] in table.rows
    assert trial_balance.out_of_balance(table) == {"EUR": 0, "USD": 0}


def test_journal_lists_every_posting_of_the_month(books: Books) -> None:
    loaded = _load(books)
    table = journal.journal(loaded, MARCH)
    march = [
        entry
        for entry in loaded.entries
        if isinstance(entry, data.Transaction) and entry.date.month == 3 and entry.date.year == 2026
    ]
    # Seven typed entries and five generated ones (four releases, one amortization).
    assert len(march) == 12
    expected = [
        (entry.date, posting.account, number(posting))
        for entry in march
        for posting in entry.postings
    ]
    assert sorted(_rows(table, "date", "account", "amount")) == sorted(map(list, expected))
    assert len(table.rows) == 24
    columns = ("narration", "account", "amount", "links", "tags", "generated_by", "source")
    release = next(row for row in _rows(table, *columns) if row[0] == "Revenue recognition CN-1")
    assert release == [
        "Revenue recognition CN-1",
        "Liabilities:DeferredRevenue:Subscriptions",
        _d("-295.00"),
        "^CN-1 ^INV-1",
        "#revenue-recognition",
        "deferred_revenue",
        "CN-1",
    ]
    where = _rows(table, "narration", "generated_by", "source", "location")
    cn_line = line_of(LEDGER, "Liabilities:DeferredRevenue:Subscriptions  1825.00 USD")
    assert [
        "Revenue recognition CN-1",
        "deferred_revenue",
        "CN-1",
        f"main.beancount:{cn_line}",
    ] in (where)
    payment_line = line_of(LEDGER, "Assets:Bank:Checking  1825.00 USD")
    assert ["Payment INV-1", "", "INV-1", f"main.beancount:{payment_line}"] in where


def test_revenue_disaggregation_by_hand(books: Books) -> None:
    # USD: Subscriptions 310 (INV-1) - 295 (CN-1's catch-up of February and
    # March); Services 500 (INV-3, delivered March 20); Usage 12,000 + 250.
    # EUR: Subscriptions 310 (INV-2); Usage 21,500. CN-1 names no entity: it
    # is the US entity's through its link to INV-1.
    loaded = _load(books)
    table = disaggregation.disaggregation(loaded, MARCH)
    assert table.rows == [
        ["product line", "Income:Revenue:Services", "", "USD", _d("500.00")],
        ["product line", "Income:Revenue:Subscriptions", "", "EUR", _d("310.00")],
        ["product line", "Income:Revenue:Subscriptions", "", "USD", _d("15.00")],
        ["product line", "Income:Revenue:Usage", "", "EUR", _d("21500.00")],
        ["product line", "Income:Revenue:Usage", "", "USD", _d("12250.00")],
        ["customer", "CUS-1", "Acme", "USD", _d("12015.00")],
        ["customer", "CUS-2", HYPERLINK, "EUR", _d("21810.00")],
        ["customer", "CUS-3", "@SUM(1)", "USD", _d("750.00")],
        ["entity", "EU", "", "EUR", _d("21810.00")],
        ["entity", "US", "", "USD", _d("12765.00")],
    ]
    # Another way: the general ledger's revenue postings dated in March.
    general: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in loaded.entries:
        if isinstance(entry, data.Transaction) and (entry.date.year, entry.date.month) == (2026, 3):
            for posting in entry.postings:
                if posting.account.startswith("Income:Revenue") and posting.units is not None:
                    general[(posting.account, posting.units.currency)] -= number(posting)
    by_product = {(row[1], row[3]): row[4] for row in table.rows if row[0] == "product line"}
    assert by_product == general


def test_remaining_performance_obligations_by_hand(books: Books) -> None:
    # INV-2: 6,400.00 EUR left at March 31; April 2026 to March 2027 is 365 days
    # (3,650.00), the 275 days after (2,750.00). INV-1 less CN-1 leaves
    # 5.00 a day from April to January: 1,530.00 USD. INV-8 is prepaid credits,
    # drawn down by usage: unscheduled. INV-3 was delivered in March.
    table = obligations.remaining_obligations(_load(books), MARCH)
    assert table.rows == [
        ["Liabilities:DeferredRevenue:Credits", "USD", _d("0.00"), _d("0.00"), _d("2000.00"),
         _d("2000.00")],
        ["Liabilities:DeferredRevenue:Subscriptions", "EUR", _d("3650.00"), _d("2750.00"),
         _d("0.00"), _d("6400.00")],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("1530.00"), _d("0.00"),
         _d("0.00"), _d("1530.00")],
    ]  # fmt: skip


def test_contract_balances_by_hand(books: Books) -> None:
    # Opening (February 28): receivables USD 3,650 + 1,500, EUR 7,300 + 20,000;
    # deferred USD 3,650 - 280, EUR 7,300 - 310 - 280. Revenue out of the
    # opening liability: March's releases of INV-1 and INV-2 (310.00 each);
    # CN-1 and INV-3 were booked in March, so their releases are not. Two
    # deferred accounts hold USD, so USD contract liabilities get a total.
    table = contract_balances.contract_balances(_load(books), MARCH)
    assert table.rows == [
        ["receivables", "Assets:AccountsReceivable", "EUR", _d("27300.00"), _d("48800.00"),
         _d("21500.00"), None],
        ["receivables", "Assets:AccountsReceivable", "USD", _d("5150.00"), _d("16000.00"),
         _d("10850.00"), None],
        ["contract assets", "Assets:UnbilledReceivables", "USD", _d("0.00"), _d("250.00"),
         _d("250.00"), None],
        ["contract liabilities", "Liabilities:DeferredRevenue:Credits", "USD", _d("0.00"),
         _d("2000.00"), _d("2000.00"), _d("0.00")],
        ["contract liabilities", "Liabilities:DeferredRevenue:Subscriptions", "EUR",
         _d("6710.00"), _d("6400.00"), _d("-310.00"), _d("310.00")],
        ["contract liabilities", "Liabilities:DeferredRevenue:Subscriptions", "USD",
         _d("3370.00"), _d("1530.00"), _d("-1840.00"), _d("310.00")],
        ["contract liabilities", "Total", "USD", _d("3370.00"), _d("3530.00"), _d("160.00"),
         _d("310.00")],
    ]  # fmt: skip


def test_flux_flags_only_changes_over_both_thresholds(books: Books) -> None:
    table = flux.flux(_load(books), MARCH, flux.Thresholds(Decimal(1000), Decimal(10)))
    shown = ("account", "currency", "measure", "current", "prior_month", "percent_prior_month")
    rows = {(row[0], row[1]): row for row in _rows(table, *shown, "flagged", "drivers")}
    # EUR usage: 21,500 against 20,000 is 1,500 (over the amount) but 7.5% (under
    # the percentage): not flagged. Against March 2025 (nothing) it is.
    usage = [_d("21500.00"), _d("20000.00"), _d("7.5")]
    assert rows[("Income:Revenue:Usage", "EUR")][2:] == [
        "month activity",
        *usage,
        "prior year",
        f"prior year: CUS-2 {HYPERLINK} +21500.00",
    ]
    # USD deferred revenue: 1,530 against 3,370 is -1,840, or -54.6%: flagged,
    # and CN-1 and March's releases of INV-1 are all Acme's.
    deferred = [_d("1530.00"), _d("3370.00"), _d("-54.6")]
    assert rows[("Liabilities:DeferredRevenue:Subscriptions", "USD")][2:] == [
        "balance",
        *deferred,
        "prior month, prior year",
        "prior month: CUS-1 Acme -1840.00; prior year: CUS-1 Acme +1530.00",
    ]
    # USD subscriptions revenue: 15 against 280 is -94.6%, but under 1,000.
    assert rows[("Income:Revenue:Subscriptions", "USD")][6:] == ["", ""]
    # Usage USD: the three largest drivers, largest first.
    assert rows[("Income:Revenue:Usage", "USD")][7].startswith(
        "prior month: CUS-1 Acme +10500.00, CUS-3 @SUM(1) +250.00; prior year:"
    )
    # Commission accounts are covered: the asset's balance and the amortization.
    assert rows[("Assets:ContractCosts:Commissions", "USD")][3:5] == [_d("3060.00"), _d("3370.00")]
    assert rows[("Expenses:Commissions:Amortization", "USD")][3:5] == [_d("310.00"), _d("280.00")]


def test_flux_threshold_is_over_not_at() -> None:
    limits = flux.Thresholds(Decimal(1000), Decimal(10))
    assert not limits.exceeded_by(Decimal(1000), Decimal(100))
    assert not limits.exceeded_by(Decimal(1500), Decimal(15000))
    assert limits.exceeded_by(Decimal(-1500), Decimal(14999))
    assert limits.exceeded_by(Decimal(1001), Decimal(0))


def test_flux_thresholds_come_from_the_close_policy(books: Books) -> None:
    path = _write(books, close="flux:\n  amount: 2500.50\n  percent: 5\n")
    loaded = books_module.load(str(path))
    assert loaded.errors == []
    assert flux.thresholds(loaded) == (flux.Thresholds(Decimal("2500.5"), Decimal(5)), [])
    bad = books.write("bad.yaml", "sealed: {}\nflux:\n  amount: lots\n  percent: -1\n  days: 3\n")
    limits, errors = flux.read_thresholds(str(bad))
    assert limits == flux.Thresholds()
    assert [
        (error.source["filename"], error.source["lineno"], error.message) for error in errors
    ] == [
        (str(bad), 5, "Unknown field 'flux.days'; expected one of 'amount', 'percent'"),
        (str(bad), 3, "Field 'flux.amount' expected a number of at least 0, found 'lots'"),
        (str(bad), 4, "Field 'flux.percent' expected a number of at least 0, found '-1'"),
    ]
    assert flux.read_thresholds(None) == (flux.Thresholds(), [])


def _close(folder: Path, month: str = "2026-03") -> int:
    ledger = str(folder / "main.beancount")
    return cli.main(["close", ledger, "--month", month, "--out", str(folder / "close")])


def test_close_writes_every_schedule_and_the_workbook(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(books)
    assert _close(tmp_path) == 0
    folder = tmp_path / "close" / "2026-03"
    sheets = {
        "controls.csv": "Controls",
        "trial_balance.csv": "Trial balance",
        "journal_entries.csv": "Journal",
        "revenue_disaggregation.csv": "Disaggregation",
        "deferred_revenue_rollforward.csv": "Deferred revenue",
        "revenue_waterfall.csv": "Waterfall",
        "remaining_performance_obligations.csv": "RPO",
        "contract_balances.csv": "Contract balances",
        "commission_asset_rollforward.csv": "Contract costs",
        "flux_analysis.csv": "Flux",
        "ar_aging.csv": "AR aging",
        "days_sales_outstanding.csv": "DSO",
        "unapplied_cash.csv": "Unapplied cash",
        "customer_credits.csv": "Customer credits",
        "credit_hold.csv": "Credit hold",
        "open_invoices.csv": "Open invoices",
        "customer_statements.csv": "Customer statements",
        "review_flags.csv": "Review flags",
    }
    written = {path.name for path in folder.iterdir()}
    assert written == {*sheets, "close_package.xlsx", "summary.md"}
    assert (folder / "trial_balance.csv").read_text().splitlines()[
        -1
    ] == "Total,USD,22725.00,22725.00"
    book = openpyxl.load_workbook(folder / "close_package.xlsx")
    assert book.sheetnames == list(sheets.values())
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    journal_sheet = book["Journal"]
    payees = [cell for cell in journal_sheet["C"] if cell.value in (HYPERLINK, "@SUM(1)")]
    assert {cell.value for cell in payees} == {HYPERLINK, "@SUM(1)"}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in payees)
    total = book["Trial balance"]["C19"]
    assert (total.value, total.data_type, total.number_format) == (22725, "n", "#,##0.00")
    assert book["Journal"]["A2"].value == datetime.datetime(2026, 3, 5)
    summary = (folder / "summary.md").read_text()
    assert "| Trial balance balances, USD | pass | difference 0.00 |" in summary
    assert "| Close controls plugin (period locks, tie-outs, hygiene) | pass | 0 findings |" in (
        summary
    )
    assert "| Income:Revenue:Usage | USD | month activity | 12,250.00 |" in summary
    assert "FAIL" not in capsys.readouterr().err


def test_workbook_number_formats_follow_the_decimals() -> None:
    assert workbook.number_format(Decimal("1500")) == "#,##0"
    assert workbook.number_format(Decimal("1500.00")) == "#,##0.00"
    assert workbook.number_format(Decimal("1.500")) == "#,##0.000"
    assert workbook.sheet_name("Deferred: a/b [x]") == "Deferred  a b  x "


def test_close_exits_1_and_names_the_failing_control(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Beancount lets a transaction be off by half its last digit: 0.004 USD here.
    tolerated = """
2025-01-01 open Assets:Cash
2025-01-01 open Expenses:Misc
2026-03-02 * "Rounding"
  Assets:Cash  10.00 USD
  Expenses:Misc  -9.996 USD
"""
    _write(books, tolerated)
    assert _close(tmp_path) == 1
    assert "FAIL: Trial balance balances, USD: difference 0.004" in capsys.readouterr().err
    summary = (tmp_path / "close" / "2026-03" / "summary.md").read_text()
    assert "**FAIL**: 1 of" in summary
    assert "| Trial balance balances, USD | FAIL | difference 0.004 |" in summary


def test_close_of_the_demo_company_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A copy keeps Beancount's pickle cache out of the repository.
    shutil.copytree(REPO / "ledger", tmp_path / "ledger")
    shutil.copytree(REPO / "config", tmp_path / "config")
    ledger = str(tmp_path / "ledger" / "main.beancount")
    out = tmp_path / "close"
    assert cli.main(["close", ledger, "--month", "2026-10", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    assert (out / "2026-10" / "close_package.xlsx").exists()
    assert "**PASS**" in (out / "2026-10" / "summary.md").read_text()
    # At Oct 31, 2026 the receivable is 328,254.57 USD and 999.00 EUR and no
    # cash is unapplied nor credit held: the month's customer statements close
    # at it, and the open invoices add up to the aging.
    closing, listed, aging, owed = test_customer_statements.close_ties(out / "2026-10")
    assert closing == listed == aging == owed == {"USD": _d("328254.57"), "EUR": _d("999.00")}


def test_summarized_releases_are_disaggregated_from_the_subledger(books: Books) -> None:
    by_line = disaggregation.disaggregation(_load(books), MARCH)
    books.write("revenue.yaml", "detail: summary\n")
    summarized = books_module.load(str(books.folder / "main.beancount"))
    assert summarized.errors == []
    assert disaggregation.disaggregation(summarized, MARCH).rows == by_line.rows


def test_close_stops_on_bad_flux_thresholds(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(books, close="flux:\n  amount: lots\n")
    assert _close(tmp_path) == 1
    expected = "close.yaml:2: Field 'flux.amount' expected a number of at least 0, found 'lots'"
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "close").exists()


def test_the_workbook_is_stamped_with_the_given_time_not_the_clocks(tmp_path: Path) -> None:
    # Stamped at the close's month end, two writes of the same schedules are
    # the same bytes, and the document and every zip member carry the stamp.
    table = Table("Cash", ("currency", "amount"), [["USD", Decimal("12.50")]])
    stamp = datetime.datetime(2026, 10, 31)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    workbook.write_workbook([("Cash", table)], str(first), stamp)
    workbook.write_workbook([("Cash", table)], str(second), stamp)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as written:
        assert {info.date_time for info in written.infolist()} == {(2026, 10, 31, 0, 0, 0)}
        core = written.read("docProps/core.xml").decode()
    assert core.count("2026-10-31T00:00:00Z") == 2
    book = openpyxl.load_workbook(first)
    assert book.properties.modified == stamp
    assert book["Cash"]["B2"].value == 12.5


@pytest.mark.parametrize("month", ["2026-04", "2025-02"])
def test_the_close_refuses_a_month_outside_the_books(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str], month: str
) -> None:
    # The test books' typed transactions run from 2025-03-31 to 2026-03-31:
    # April 2026 has none yet (its aging would age every item a month more,
    # as if no cash came in) and February 2025 ends before the first.
    out = tmp_path / "close"
    code = cli.main(["close", str(_write(books)), "--month", month, "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"revclose: Month {month} is outside the books, whose typed transactions run from "
        "2025-03-31 to 2026-03-31; expected a month from 2025-03 to 2026-03"
    )
    assert not out.exists()


@pytest.mark.parametrize("month", ["2025-03", "2026-03"])
def test_the_close_takes_the_first_and_last_months_the_books_reach(
    books: Books, tmp_path: Path, month: str
) -> None:
    # March 2025 holds the books' first typed transaction (its last day),
    # March 2026 their last: both close, and every control passes.
    out = tmp_path / "close"
    assert cli.main(["close", str(_write(books)), "--month", month, "--out", str(out)]) == 0
    assert "**PASS**" in (out / month / "summary.md").read_text()
