"""Reports of allocated contracts: RPO, contract balances, SSP analysis and the contract memo."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from reports import cli, contract_balances, memo, obligations, ssp
from tests.conftest import Books
from tests.reporting import loaded
from tests.test_allocation import UPFRONT, point

MARCH = datetime.date(2026, 3, 1)


def _d(text: str) -> Decimal:
    return Decimal(text)


OTHER = """
2026-01-01 * "Bolt" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-9"
  Assets:AccountsReceivable  365.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -365.00 USD
    service_start: 2026-01-01
    service_end: 2026-12-31
"""
TRAINING = """
2026-07-01 custom "contract-modification" "MOD-1"
  contract: "CTR-1"
  method: "prospective"
  price: 1200.00 USD
""" + point(
    "CTR-1/training", "2400.00", "2027-09-15", date="2026-07-01", extra='\n  modification: "MOD-1"'
)


def test_rpo_of_an_allocated_contract_comes_from_its_obligations(books: Books) -> None:
    # At March 31 the platform has recognized 10,800 x 90/365 = 2,663.01 of
    # its allocation: 8,136.99 remains, all by December. The implementation was
    # delivered. The contract's invoice lines are not counted again under the
    # deferred account; INV-9 (no contract) keeps its row: 365 - 90 = 275.00.
    # The July modification is not known at March 31.
    table = obligations.remaining_obligations(loaded(books, UPFRONT + OTHER + TRAINING), MARCH)
    assert table.rows == [
        ["Income:Revenue:Subscriptions", "USD", _d("8136.99"), _d("0.00"), _d("0.00"),
         _d("8136.99")],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("275.00"), _d("0.00"),
         _d("0.00"), _d("275.00")],
    ]  # fmt: skip


def test_rpo_after_a_modification_includes_what_it_added(books: Books) -> None:
    # At July 31, prospectively from July 1: recognized through June
    # 10,800 x 181/365 = 5,355.62, so 5,444.38 + 1,200.00 = 6,644.38 remains,
    # over remaining SSPs 12,000 - 12,000 x 181/365 = 6,049.32 and training
    # 2,400.00 (8,449.32): the platform 6,644.38 x 6,049.32/8,449.32 =
    # 4,757.07, training the rest, 1,887.31 (September 2027, after the 12
    # months). July recognizes 4,757.07 x 31/184 = 801.46: 3,955.61 remains.
    table = obligations.remaining_obligations(
        loaded(books, UPFRONT + TRAINING), datetime.date(2026, 7, 1)
    )
    assert table.rows == [
        ["Income:Revenue:Services", "USD", _d("0.00"), _d("1887.31"), _d("0.00"), _d("1887.31")],
        ["Income:Revenue:Subscriptions", "USD", _d("3955.61"), _d("0.00"), _d("0.00"),
         _d("3955.61")],
    ]  # fmt: skip


def test_rpo_without_allocated_contracts_is_unchanged(books: Books) -> None:
    ledger = UPFRONT.replace('plugin "plugins.ssp_allocation"\n', "") + OTHER
    table = obligations.remaining_obligations(loaded(books, ledger), MARCH)
    # 12,000 - 12,000 x 90/365 (2,958.90) = 9,041.10, plus INV-9's 275.00.
    assert table.rows == [
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("9316.10"), _d("0.00"),
         _d("0.00"), _d("9316.10")],
    ]  # fmt: skip


def test_contract_balances_show_the_adjustment_as_a_contract_liability(books: Books) -> None:
    # January: deferred by the invoices 12,000 - 1,019.18 = 10,980.82; the
    # allocation ran 1,098.08 ahead of them, which reduces the liability:
    # 9,882.74 = 13,500.00 billed - 3,617.26 allocated revenue.
    table = contract_balances.contract_balances(loaded(books, UPFRONT), datetime.date(2026, 1, 1))
    liabilities = [row[1:6] for row in table.rows if row[0] == "contract liabilities"]
    assert liabilities == [
        ["Liabilities:ContractLiabilities", "USD", _d("0.00"), _d("-1098.08"), _d("-1098.08")],
        ["Liabilities:DeferredRevenue:Subscriptions", "USD", _d("0.00"), _d("10980.82"),
         _d("10980.82")],
        ["Total", "USD", _d("0.00"), _d("9882.74"), _d("9882.74")],
    ]  # fmt: skip


# The SSP analysis.

SALES = """
option "operating_currency" "USD"
plugin "plugins.deferred_revenue"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Liabilities:DeferredRevenue:Services
2020-01-01 open Liabilities:DeferredRevenue:Subscriptions
2020-01-01 open Income:Revenue:Services
2020-01-01 open Income:Revenue:Subscriptions
2020-01-01 open Income:Revenue:Usage
2020-01-01 open Income:Revenue:CreditNotes

2026-01-05 * "A" "Invoice S-1"
  invoice: "S-1"
  Assets:AccountsReceivable  3000.00 USD
  Income:Revenue:Services  -3000.00 USD
    product: "onboarding"
2026-01-06 * "B" "Invoice S-2"
  invoice: "S-2"
  Assets:AccountsReceivable  3000.00 USD
  Income:Revenue:Services  -3000.00 USD
    product: "onboarding"
2026-01-07 * "C" "Invoice S-3"
  invoice: "S-3"
  Assets:AccountsReceivable  2700.00 USD
  Income:Revenue:Services  -3000.00 USD
    product: "onboarding"
  Income:Revenue:Services  300.00 USD
    product: "onboarding"
    discount: "LAUNCH10"
2026-01-08 * "D" "Invoice S-4: bundled, not standalone"
  invoice: "S-4"
  Assets:AccountsReceivable  2700.00 USD
  Income:Revenue:Services  -1500.00 USD
    product: "onboarding"
  Liabilities:DeferredRevenue:Subscriptions  -1200.00 USD
    service_start: 2026-01-08
    service_end: 2027-01-07
    product: "team-annual"
2026-01-09 * "A" "Credit note CN-1: not a sale"
  invoice: "CN-1"
  credits: "S-1"
  Assets:AccountsReceivable  -100.00 USD
  Income:Revenue:Services  100.00 USD
    product: "onboarding"
2026-01-31 * "E" "Invoice U-1"
  invoice: "U-1"
  Assets:AccountsReceivable  200.00 USD
  Income:Revenue:Usage  -200.00 USD
    product: "gpu-hours"
    quantity: 100
2026-01-31 * "F" "Invoice U-2"
  invoice: "U-2"
  Assets:AccountsReceivable  124.50 USD
  Income:Revenue:Usage  -124.50 USD
    product: "gpu-hours"
    quantity: 50
2026-01-31 * "G" "Invoice U-3"
  invoice: "U-3"
  Assets:AccountsReceivable  300.00 USD
  Income:Revenue:Usage  -300.00 USD
    product: "gpu-hours"
    quantity: 200
2026-02-01 custom "contract" "CTR-5"
  price: 2800.00 USD
2026-02-01 custom "obligation" "CTR-5/onboarding"
  contract: "CTR-5"
  type: "services"
  product: "onboarding"
  ssp: 3000.00 USD
  recognition: "point"
  delivered: 2026-02-10
  revenue_account: Income:Revenue:Services
"""


def test_ssp_analysis_by_hand(books: Books) -> None:
    # Onboarding sold alone: 3,000.00, 3,000.00 and 3,000.00 - 300.00 = 2,700.00
    # (S-4 bundles it with a subscription, CN-1 is a credit note). Median
    # 3,000.00; the 15% band is 2,550.00 to 3,450.00: all three, 100.0%.
    # GPU hours per unit: 2.00, 2.49 and 1.50; median 2.00; band 1.70 to
    # 2.30: one of three, 33.3%. Team-annual was only sold in a bundle.
    table = ssp.ssp_analysis(loaded(books, SALES), datetime.date(2026, 3, 31))
    assert table.rows == [
        ["gpu-hours", "USD", 3, _d("1.50"), _d("2.00"), _d("2.49"), _d("15"), 1, _d("33.3"),
         None],
        ["onboarding", "USD", 3, _d("2700.00"), _d("3000.00"), _d("3000.00"), _d("15"), 3,
         _d("100.0"), _d("3000.00")],
    ]  # fmt: skip


def test_ssp_band_comes_from_the_allocation_policy(books: Books) -> None:
    # A 30% band around 2.00 (1.40 to 2.60) holds all three GPU-hour prices.
    books.write("allocation.yaml", "ssp_band_percent: 30\n")
    ledger = SALES.replace(
        'plugin "plugins.deferred_revenue"\n',
        'plugin "plugins.deferred_revenue"\nplugin "plugins.ssp_allocation" "allocation.yaml"\n',
    )
    table = ssp.ssp_analysis(loaded(books, ledger), datetime.date(2026, 3, 31))
    assert table.rows[0][6:9] == [_d("30"), 3, _d("100.0")]


# The contract memo.


def test_memo_walks_the_five_steps_with_the_contract_figures(books: Books) -> None:
    text = memo.memo(loaded(books, UPFRONT), "CTR-1", datetime.date(2026, 3, 31))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Contract memo: CTR-1",
        "## Step 1: the contract",
        "## Step 2: performance obligations",
        "## Step 3: the transaction price",
        "## Step 4: allocation",
        "## Step 5: revenue, to 2026-03-31",
        "## Balances at 2026-03-31",
        "## Policy choices applied",
    ]
    # Step 4: 13,500 over SSPs of 15,000: 20% and 80%.
    assert "| `CTR-1/implementation` | 3,000.00 USD | 20.00% | 2,700.00 USD |" in text
    assert "| `CTR-1/platform` | 12,000.00 USD | 80.00% | 10,800.00 USD |" in text
    # Step 5: the platform's 10,800 x 90/365 = 2,663.01 to March 31.
    assert "| `CTR-1/platform` | ratable | 10,800.00 USD | 2,663.01 USD | 8,136.99 USD |" in text
    # Balances: 13,500.00 billed less 2,663.01 + 2,700.00 of revenue.
    assert "- Billed: 13,500.00 USD." in text
    assert "- Contract liability: 8,136.99 USD" in text
    assert "spread on the daily basis" in text


def test_the_ssp_and_memo_commands(books: Books, tmp_path: Path) -> None:
    path = books.write("main.beancount", UPFRONT)
    out = tmp_path / "memo.md"
    assert cli.main(["memo", str(path), "CTR-1", "--as-of", "2026-03-31", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Contract memo: CTR-1")
    assert cli.main(["memo", str(path), "CTR-9", "--as-of", "2026-03-31"]) == 2
    csv = tmp_path / "ssp.csv"
    assert cli.main(["ssp", str(path), "--as-of", "2026-03-31", "--csv", str(csv)]) == 0
    assert csv.read_text(encoding="utf-8").splitlines()[0] == (
        "product,currency,sales,low,median,high,band_percent,within_band,share_within_band,"
        "contract_ssp"
    )
