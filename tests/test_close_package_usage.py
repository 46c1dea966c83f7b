"""The close package of books that accrue usage and allocate contracts, checked by hand.

The books enable plugins.usage_revenue and plugins.ssp_allocation; the month
closed is March 2026. Every figure below is derived in the comments from the
ledger text, and the general ledger is read independently where it can say
the same thing another way.
"""

from __future__ import annotations

import datetime
import statistics
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reports import cli, contract_balances, memo, package
from reports.books import Books as LoadedBooks
from reports.flux import Thresholds
from reports.table import Table
from tests import reporting
from tests.conftest import Books
from tests.reporting import cents
from tests.usage_books import (
    UNBILLED,
    accrual,
    balance,
    credit_pack,
    promotion,
    usage_invoice,
)

MARCH = datetime.date(2026, 3, 1)
MONTH_END = datetime.date(2026, 3, 31)
DIFFERENCES = "Income:Revenue:Usage:BillingDifferences"


def sale(date: str, invoice: str, customer: str, amount: str, quantity: str = "") -> str:
    """A standalone sale of onboarding, billed straight to revenue."""
    units = f"\n    quantity: {quantity}" if quantity else ""
    return f"""
{date} * "{customer}" "Invoice {invoice}" ^{invoice}
  invoice: "{invoice}"
  customer: "{customer}"
  Assets:AccountsReceivable  {amount} USD
  Income:Revenue:Services  -{amount} USD
    product: "onboarding"{units}
"""


HEADER = """
option "operating_currency" "USD"
plugin "plugins.deferred_revenue" "revenue.yaml"
plugin "plugins.ssp_allocation" "allocation.yaml"
plugin "plugins.usage_revenue" "usage.yaml"

2025-01-01 open Assets:AccountsReceivable
2025-01-01 open Assets:UnbilledReceivables
2025-01-01 open Liabilities:DeferredRevenue:Subscriptions
2025-01-01 open Liabilities:DeferredRevenue:Services
2025-01-01 open Liabilities:DeferredRevenue:Credits
2025-01-01 open Income:Revenue:Subscriptions
2025-01-01 open Income:Revenue:Services
2025-01-01 open Income:Revenue:Usage
2025-01-01 open Income:Revenue:Credits
"""

# CTR-2 ran through 2025, billed as allocated.
CTR_2 = """
2025-01-01 custom "contract" "CTR-2"
  customer: "CUS-C2"
  price: 1200.00 USD

2025-01-01 custom "obligation" "CTR-2/platform"
  contract: "CTR-2"
  type: "subscription"
  ssp: 1200.00 USD
  start: 2025-01-01
  end: 2025-12-31
  revenue_account: Income:Revenue:Subscriptions

2025-01-01 * "Birch" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-C2"
  contract: "CTR-2"
  Assets:AccountsReceivable  1200.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -1200.00 USD
    service_start: 2025-01-01
    service_end: 2025-12-31
"""

# CTR-1: 13,500.00 for a 2026 platform (SSP 12,000.00) and an implementation
# delivered in January (SSP 3,000.00), allocated 10,800.00 and 2,700.00.
CTR_1 = """
2026-01-01 custom "contract" "CTR-1"
  customer: "CUS-C1"
  price: 13500.00 USD

2026-01-01 custom "obligation" "CTR-1/platform"
  contract: "CTR-1"
  type: "subscription"
  product: "platform"
  ssp: 12000.00 USD
  start: 2026-01-01
  end: 2026-12-31
  revenue_account: Income:Revenue:Subscriptions

2026-01-01 custom "obligation" "CTR-1/implementation"
  contract: "CTR-1"
  type: "services"
  product: "onboarding"
  ssp: 3000.00 USD
  recognition: "point"
  delivered: 2026-01-20
  revenue_account: Income:Revenue:Services
"""

# CTR-1 invoiced upfront, as billed by obligation.
UPFRONT = """
2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-C1"
  contract: "CTR-1"
  Assets:AccountsReceivable  13500.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -12000.00 USD
    service_start: 2026-01-01
    service_end: 2026-12-31
  Liabilities:DeferredRevenue:Services  -1500.00 USD
    service_start: 2026-01-20
    service_end: 2026-01-20
    recognition: "point"
"""

# CTR-3 was signed in March for support from April.
CTR_3 = """
2026-03-20 custom "contract" "CTR-3"
  customer: "CUS-C3"
  price: 2400.00 USD

2026-03-20 custom "obligation" "CTR-3/support"
  contract: "CTR-3"
  type: "support"
  ssp: 2400.00 USD
  start: 2026-04-01
  end: 2027-03-31
  revenue_account: Income:Revenue:Subscriptions
"""

# Onboarding sold alone: 3,000.00 in February, 2,800.00 and 2 x 1,800.00 in
# March; April's sale is after the month end.
SALES = (
    sale("2026-02-10", "S-1", "CUS-S1", "3000.00")
    + sale("2026-03-12", "S-2", "CUS-S2", "2800.00")
    + sale("2026-03-15", "S-3", "CUS-S3", "3600.00", "2")
    + sale("2026-04-05", "S-4", "CUS-S4", "9999.00")
)

# CUS-U1 bought 100.00 of credit in January; CUS-U2 got 80.00 of promotional
# credit on March 1. Usage is invoiced in arrears, early the next month. Each
# customer is its own payee.
USAGE = (
    credit_pack("2026-01-15", "INV-10", "100.00 USD", "2027-01-15", "CUS-U1", "CUS-U1")
    + promotion("2026-03-01", "PROMO-1", "80.00 USD", "2026-12-31", "CUS-U2")
    + accrual("2026-01", "30.00 USD", "CUS-U1", "CUS-U1")
    + accrual("2026-02", "120.00 USD", "CUS-U1", "CUS-U1")
    + accrual("2026-03", "40.00 USD", "CUS-U1", "CUS-U1")
    + accrual("2026-01", "80.00 USD", "CUS-U2", "CUS-U2")
    + accrual("2026-02", "200.00 USD", "CUS-U2", "CUS-U2")
    + accrual("2026-03", "60.00 USD", "CUS-U2", "CUS-U2")
    + accrual("2026-01", "25.00 USD", "CUS-U3", "CUS-U3")
    + accrual("2026-02", "300.00 USD", "CUS-U3", "CUS-U3")
    + usage_invoice("2026-02-03", "INV-20", "80.00 USD", "2026-01", "CUS-U2", "CUS-U2")
    + usage_invoice("2026-03-03", "INV-21", "50.00 USD", "2026-02", "CUS-U1", "CUS-U1")
    + usage_invoice("2026-03-04", "INV-22", "205.00 USD", "2026-02", "CUS-U2", "CUS-U2")
    + usage_invoice("2026-03-05", "INV-23", "300.50 USD", "2026-02", "CUS-U3", "CUS-U3")
    + usage_invoice("2026-04-02", "INV-24", "40.00 USD", "2026-03", "CUS-U1", "CUS-U1")
)

LEDGER = HEADER + CTR_2 + CTR_1 + UPFRONT + CTR_3 + SALES + USAGE

# A credit note on INV-22 brings CUS-U2's February to what was rated.
CORRECTION = usage_invoice(
    "2026-03-25", "CN-22", "5.00 USD", "2026-02", "CUS-U2", "CUS-U2", credits="INV-22"
)


def _d(text: str) -> Decimal:
    return Decimal(text)


POLICIES = {"revenue.yaml": "", "allocation.yaml": "", "usage.yaml": "tolerance: 1.00\n"}


def _load(books: Books, ledger: str = LEDGER) -> LoadedBooks:
    return reporting.loaded(books, ledger, POLICIES)


def _built(books: Books, ledger: str = LEDGER) -> package.Package:
    return package.build(_load(books, ledger), MARCH, Thresholds())


def _control(built: package.Package, name: str) -> list[str]:
    found = [c for c in built.checks if c.name == name]
    assert len(found) == 1
    return [found[0].result, found[0].figure]


USAGE_CONTROL = "Usage billed as rated (usage-to-invoice reconciliation)"


# The usage schedules.


def test_usage_reconciliation_of_the_month_by_hand(books: Books) -> None:
    # The usage months accrued or billed in March, or still unbilled at its end,
    # as the books stood on March 31:
    # - CUS-U1 February: 120.00 rated; the pack's 70.00 left after January's 30.00
    #   pays for part; INV-21 bills the 50.00 rest: matched.
    # - CUS-U1 March: 40.00, no credit left; INV-24 is dated April: not invoiced.
    # - CUS-U2 February: 200.00 rated, INV-22 bills 205.00: 5.00 over the 1.00
    #   tolerance.
    # - CUS-U2 March: 60.00, all paid by the promotional credit: nothing to invoice.
    # - CUS-U3 January: 25.00, never invoiced: still unbilled.
    # - CUS-U3 February: 300.00 rated, 300.50 invoiced: within the tolerance.
    # Left out: CUS-U1 January (paid by credit in January) and CUS-U2 January
    # (invoiced in February).
    built = _built(books)
    table = built.table("usage_reconciliation.csv")
    assert table.title == (
        "Usage rated against invoiced at 2026-03-31: months accrued or billed in 2026-03 "
        "or still unbilled (tolerance 1.00)"
    )
    assert table.rows == [
        ["CUS-U1", "2026-02", "USD", _d("120.00"), _d("70.00"), _d("50.00"), _d("50.00"),
         _d("0.00"), _d("0.00"), "matched"],
        ["CUS-U1", "2026-03", "USD", _d("40.00"), _d("0.00"), _d("40.00"), None, None,
         _d("40.00"), "not invoiced"],
        ["CUS-U2", "2026-02", "USD", _d("200.00"), _d("0.00"), _d("200.00"), _d("205.00"),
         _d("5.00"), _d("0.00"), "difference"],
        ["CUS-U2", "2026-03", "USD", _d("60.00"), _d("60.00"), _d("0.00"), None, None,
         _d("0.00"), "paid by credit"],
        ["CUS-U3", "2026-01", "USD", _d("25.00"), _d("0.00"), _d("25.00"), None, None,
         _d("25.00"), "not invoiced"],
        ["CUS-U3", "2026-02", "USD", _d("300.00"), _d("0.00"), _d("300.00"), _d("300.50"),
         _d("0.50"), _d("0.00"), "within tolerance"],
    ]  # fmt: skip
    # Another way: what is unbilled adds up to the unbilled receivable's
    # balance at the month end, and March's differences are what the billing
    # differences account took in March.
    loaded = built.books
    assert sum(table.column("unbilled")) == balance(loaded.entries, UNBILLED, MONTH_END)
    differences = sum(value for value in table.column("difference") if value is not None)
    assert differences == -balance(loaded.entries, DIFFERENCES, MONTH_END, MARCH) == _d("5.50")


def test_usage_control_counts_and_totals_the_differences_beyond_tolerance(books: Books) -> None:
    assert _control(_built(books), USAGE_CONTROL) == [
        "FAIL",
        "1 difference beyond the tolerance of 1.00, total 5.00 USD",
    ]


def test_usage_control_passes_once_the_difference_is_credited(books: Books) -> None:
    built = _built(books, LEDGER + CORRECTION)
    row = next(
        r for r in built.table("usage_reconciliation.csv").rows if r[:2] == ["CUS-U2", "2026-02"]
    )
    assert row[6:] == [_d("200.00"), _d("0.00"), _d("0.00"), "matched"]
    assert _control(built, USAGE_CONTROL) == [
        "pass",
        "0 differences beyond the tolerance of 1.00",
    ]


def test_credit_grant_balances_at_the_month_end_by_hand(books: Books) -> None:
    # INV-10: 100.00 paid credit, 30.00 drawn by January's usage and the 70.00
    # left by February's. PROMO-1: 80.00, 60.00 drawn by March's usage: 20.00
    # left, usable to December 31.
    built = _built(books)
    table = built.table("credit_grants.csv")
    assert table.title == "Prepaid credit grants as of 2026-03-31"
    assert table.rows == [
        ["INV-10", "CUS-U1", "paid", "USD", datetime.date(2026, 1, 15),
         datetime.date(2027, 1, 15), "Liabilities:DeferredRevenue:Credits", _d("100.00"),
         _d("100.00"), _d("0.00"), _d("0.00"), _d("0.00"), _d("0.00")],
        ["PROMO-1", "CUS-U2", "promotional", "USD", datetime.date(2026, 3, 1),
         datetime.date(2026, 12, 31), "Income:Revenue:PromotionalCredits", _d("80.00"),
         _d("60.00"), _d("0.00"), _d("0.00"), _d("20.00"), _d("20.00")],
    ]  # fmt: skip
    # Another way: the paid grant's balance is the credits account's, and the
    # promotional credit used is the contra-revenue booked.
    assert -balance(built.books.entries, "Liabilities:DeferredRevenue:Credits", MONTH_END) == 0
    assert balance(built.books.entries, "Income:Revenue:PromotionalCredits", MONTH_END) == 60


def test_summary_states_the_unbilled_receivable(books: Books, tmp_path: Path) -> None:
    # Open at March 31: CUS-U1 March 40.00 and CUS-U3 January 25.00. The
    # ledger: 855.00 accrued, less 160.00 of credit drawn (30 + 70 + 60), less
    # 630.00 cleared by invoices (80 + 50 + 200 + 300).
    built = _built(books)
    assert built.unbilled is not None
    account, balances = built.unbilled
    assert account == UNBILLED
    assert [(b.currency, b.general_ledger, b.usage, b.months) for b in balances] == [
        ("USD", _d("65.00"), _d("65.00"), 2)
    ]
    text = (Path(package.write(built, str(tmp_path / "close"))) / "summary.md").read_text()
    assert (
        "## Unbilled receivables\n\n"
        "At 2026-03-31, `Assets:UnbilledReceivables` against usage rated and not yet invoiced:\n\n"
        "- USD: 65.00 USD in the general ledger; usage unbilled 65.00 USD over 2 customer months.\n"
    ) in text
    assert (
        f"| {USAGE_CONTROL} | FAIL | 1 difference beyond the tolerance of 1.00, total 5.00 USD |"
    ) in text


# The contract schedules.


def test_ssp_analysis_in_the_package_by_hand(books: Books) -> None:
    # Onboarding per unit: 3,000.00, 2,800.00 and 3,600.00 / 2 = 1,800.00 (S-4
    # is after March). Platform was never sold alone; its contract SSP is
    # 12,000.00. Onboarding's contract SSP is CTR-1's 3,000.00.
    table = _built(books).table("ssp_analysis.csv")
    prices = [_d("3000.00"), _d("2800.00"), _d("1800.00")]
    median = statistics.median(prices)
    within = sum(1 for price in prices if abs(price - median) <= median * 15 / 100)
    assert (median, within) == (_d("2800.00"), 2)
    assert table.rows == [
        ["onboarding", "USD", 3, _d("1800.00"), median, _d("3000.00"), _d("15"), within,
         _d("66.7"), _d("3000.00")],
        ["platform", "USD", 0, None, None, None, _d("15"), 0, None, _d("12000.00")],
    ]  # fmt: skip


def test_a_memo_for_each_contract_active_in_the_month(books: Books, tmp_path: Path) -> None:
    # CTR-1's platform runs through 2026; CTR-3 was signed in March (its support
    # starts in April); CTR-2 ended in 2025.
    built = _built(books)
    assert [each.file for each in built.memos] == ["memos/CTR-1.md", "memos/CTR-3.md"]
    folder = Path(package.write(built, str(tmp_path / "close")))
    assert sorted(path.name for path in (folder / "memos").iterdir()) == ["CTR-1.md", "CTR-3.md"]
    text = (folder / "memos" / "CTR-1.md").read_text(encoding="utf-8")
    assert text == memo.memo(built.books, "CTR-1", MONTH_END)
    # The platform to March 31: 10,800.00 over 90 of 365 days.
    recognized = cents(Fraction(1080000 * 90, 365 * 100))
    assert recognized == _d("2663.01")
    assert (
        f"| `CTR-1/platform` | ratable | 10,800.00 USD | {recognized:,f} USD | "
        f"{_d('10800.00') - recognized:,f} USD |"
    ) in text
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "- `memos/CTR-1.md`\n- `memos/CTR-3.md`\n" in summary
    # A memo of an earlier close that no longer applies is removed.
    (folder / "memos" / "CTR-9.md").write_text("stale", encoding="utf-8")
    package.write(built, str(tmp_path / "close"))
    assert sorted(path.name for path in (folder / "memos").iterdir()) == ["CTR-1.md", "CTR-3.md"]


def test_rpo_includes_the_allocated_contracts(books: Books) -> None:
    # CTR-1's platform has 10,800.00 - 2,663.01 = 8,136.99 left, CTR-3 its
    # 2,400.00 (April 2026 to March 2027, all within twelve months). The
    # prepaid credits are unscheduled (the RPO reads the deferred lines).
    table = _built(books).table("remaining_performance_obligations.csv")
    assert table.rows[0] == [
        "Income:Revenue:Subscriptions", "USD", _d("10536.99"), _d("0.00"), _d("0.00"),
        _d("10536.99"),
    ]  # fmt: skip


def test_contract_balances_of_the_month_by_hand(books: Books) -> None:
    # Receivables: 1,200.00 (INV-2) + 13,500.00 (INV-1) + 100.00 (INV-10) +
    # 80.00 (INV-20) + 3,000.00 (S-1) at February's end; March adds 50.00 +
    # 205.00 + 300.50 + 2,800.00 + 3,600.00.
    # Unbilled: 755.00 accrued to February, less 100.00 drawn and 80.00
    # invoiced (575.00); 65.00 at March's end.
    # CTR-1's deferred platform: 12,000.00 less 12,000.00 x 59/365 (1,939.73)
    # and x 90/365 (2,958.90). Its allocation: 10,800 x 59/365 = 1,745.75 and
    # x 90/365 = 2,663.01, plus the implementation's 2,700.00. The adjustment
    # account holds invoiced less allocated revenue: 1,500 + 1,939.73 -
    # 2,700 - 1,745.75 = -1,006.02, then -904.11.
    table = _built(books).table("contract_balances.csv")
    assert table.rows == [
        ["receivables", "Assets:AccountsReceivable", "USD", _d("17880.00"), _d("24835.50"),
         _d("6955.50"), None],
        ["contract assets", "Assets:UnbilledReceivables", "USD", _d("575.00"), _d("65.00"),
         _d("-510.00"), None],
        ["contract liabilities", "Liabilities:ContractLiabilities", "USD", _d("-1006.02"),
         _d("-904.11"), _d("101.91"), _d("-101.91")],
        ["contract liabilities", "Liabilities:DeferredRevenue:Subscriptions", "USD",
         _d("10060.27"), _d("9041.10"), _d("-1019.17"), _d("1019.17")],
        ["contract liabilities", "Total", "USD", _d("9054.25"), _d("8136.99"), _d("-917.26"),
         _d("917.26")],
    ]  # fmt: skip
    # Nothing was billed on CTR-1 in March, so all its March revenue (the
    # platform's allocation) came out of the opening liability.
    march = cents(Fraction(1080000 * 90, 36500)) - cents(Fraction(1080000 * 59, 36500))
    assert march == _d("917.26") == -table.rows[-1][5]


# Revenue out of the opening contract liability, for allocated contracts.

# CTR-1 with only part of its platform billed so far.
PART_BILLED = (
    HEADER
    + CTR_1
    + """
2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-C1"
  contract: "CTR-1"
  Assets:AccountsReceivable  6000.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -6000.00 USD
    service_start: 2026-01-01
    service_end: 2026-12-31
"""
)


def _liabilities(table: Table) -> list[list[Any]]:
    return [list(row[1:]) for row in table.rows if row[0] == "contract liabilities"]


def test_revenue_from_opening_stops_at_the_opening_liability(books: Books) -> None:
    # CTR-1 billed 6,000.00 for the platform in January, nothing else yet.
    # At March 31 the invoice has released 6,000 x 90/365 = 1,479.45; the
    # allocation has recognized 2,700.00 + 2,663.01: the contract liability is
    # 6,000.00 - 5,363.01 = 636.99. April's allocated revenue, 10,800 x 120/365
    # - 2,663.01 = 887.67, uses it up: 636.99 comes out of the opening
    # liability and 250.68 is a contract asset. The deferred row shows the
    # invoice's release, 6,000 x 120/365 - 1,479.45 = 493.15, and the
    # adjustment row the rest, 636.99 - 493.15 = 143.84.
    loaded = _load(books, PART_BILLED)
    april = datetime.date(2026, 4, 1)
    table = contract_balances.contract_balances(loaded, april)
    invoice_march = cents(Fraction(600000 * 90, 36500))
    invoice_april = cents(Fraction(600000 * 120, 36500)) - invoice_march
    allocated_march = _d("2700.00") + cents(Fraction(1080000 * 90, 36500))
    opening = _d("6000.00") - allocated_march
    assert (invoice_march, invoice_april, opening) == (_d("1479.45"), _d("493.15"), _d("636.99"))
    assert ["contract assets", "Assets:ContractAssets", "USD", _d("0.00"), _d("250.68"),
            _d("250.68"), None] in table.rows  # fmt: skip
    assert _liabilities(table) == [
        ["Liabilities:ContractLiabilities", "USD", _d("-3883.56"), _d("-4027.40"),
         _d("-143.84"), opening - invoice_april],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("4520.55"), _d("4027.40"),
         _d("-493.15"), invoice_april],
        ["Total", "USD", opening, _d("0.00"), -opening, opening],
    ]  # fmt: skip


def test_revenue_from_opening_follows_the_allocation_and_the_credit_drawn(
    books: Books,
) -> None:
    # February. CTR-1, billed upfront: the invoice releases 12,000 x 59/365 -
    # 1,019.18 = 920.55, the allocation 10,800 x 59/365 - 917.26 = 828.49, all
    # of it out of January's liability (13,500.00 - 3,617.26 = 9,882.74): no
    # billing on CTR-1 in February. INV-10's credit, bought in January, pays
    # 70.00 of February's usage: out of the opening liability too.
    table = contract_balances.contract_balances(_load(books), datetime.date(2026, 2, 1))
    invoice = cents(Fraction(1200000 * 59, 36500)) - cents(Fraction(1200000 * 31, 36500))
    allocated = cents(Fraction(1080000 * 59, 36500)) - cents(Fraction(1080000 * 31, 36500))
    assert (invoice, allocated) == (_d("920.55"), _d("828.49"))
    assert _liabilities(table) == [
        ["Liabilities:ContractLiabilities", "USD", _d("-1098.08"), _d("-1006.02"), _d("92.06"),
         allocated - invoice],
        ["Liabilities:DeferredRevenue:Credits", "USD", _d("70.00"), _d("0.00"), _d("-70.00"),
         _d("70.00")],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("10980.82"), _d("10060.27"),
         -invoice, invoice],
        ["Total", "USD", _d("9952.74"), _d("9054.25"), -allocated - 70, allocated + 70],
    ]  # fmt: skip


def test_credit_bought_in_the_month_is_not_revenue_from_opening(books: Books) -> None:
    # January: INV-10's credit is bought on January 15 and 30.00 of it drawn on
    # the 31st; none of it was in the opening liability.
    table = contract_balances.contract_balances(_load(books), datetime.date(2026, 1, 1))
    credits = next(row for row in table.rows if row[1] == "Liabilities:DeferredRevenue:Credits")
    assert credits[3:] == [_d("0.00"), _d("70.00"), _d("70.00"), _d("0.00")]


# The package as written.


def test_close_writes_the_usage_and_contract_schedules(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporting.written(books, LEDGER, POLICIES)
    ledger = str(books.folder / "main.beancount")
    status = cli.main(["close", ledger, "--month", "2026-03", "--out", str(tmp_path / "close")])
    assert status == 1
    err = capsys.readouterr().err
    assert f"FAIL: {USAGE_CONTROL}: 1 difference beyond the tolerance of 1.00" in err
    folder = tmp_path / "close" / "2026-03"
    built = _built(books)
    new = {
        "usage_reconciliation.csv": "Usage reconciliation",
        "credit_grants.csv": "Credit grants",
        "ssp_analysis.csv": "SSP analysis",
    }
    book = openpyxl.load_workbook(folder / "close_package.xlsx")
    for file, name in new.items():
        table = built.table(file)
        lines = (folder / file).read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(table.columns)
        assert len(lines) == len(table.rows) + 1
        cells = [[cell.value for cell in row] for row in book[name].iter_rows(min_row=2)]
        assert len(cells) == len(table.rows)
        assert book[name].freeze_panes == "A2"
    sheet = book["Usage reconciliation"]
    assert [cell.value for cell in sheet[4]][:8] == [
        "CUS-U2", "2026-02", "USD", 200, 0, 200, 205, 5,
    ]  # fmt: skip
    assert sheet["G4"].number_format == "#,##0.00"
    assert "CUS-U2,2026-02,USD,200.00,0.00,200.00,205.00,5.00,0.00,difference" in (
        (folder / "usage_reconciliation.csv").read_text(encoding="utf-8")
    )
    controls_csv = (folder / "controls.csv").read_text(encoding="utf-8")
    assert f"{USAGE_CONTROL},FAIL," in controls_csv


def test_without_the_plugins_the_package_has_none_of_their_schedules(books: Books) -> None:
    ledger = LEDGER.replace('plugin "plugins.ssp_allocation" "allocation.yaml"\n', "")
    ledger = ledger.replace('plugin "plugins.usage_revenue" "usage.yaml"\n', "")
    built = package.build(_load(books, ledger), MARCH, Thresholds())
    files = [schedule.file for schedule in built.schedules]
    assert not {"usage_reconciliation.csv", "credit_grants.csv", "ssp_analysis.csv"} & set(files)
    assert built.memos == ()
    assert built.unbilled is None
    assert USAGE_CONTROL not in [check.name for check in built.checks]
