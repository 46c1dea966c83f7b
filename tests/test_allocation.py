"""SSP allocation (ASC 606 steps 2 to 5): worked examples through real loads, and invariants."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.allocation import AllocationProblem, Claim, allocate
from plugins.schedule import month_end
from tests.conftest import Books, error_lines, generated, line_of, number

SUBS = "Income:Revenue:Subscriptions"
SERVICES = "Income:Revenue:Services"
USAGE = "Income:Revenue:Usage"
ASSET = "Assets:ContractAssets"
LIABILITY = "Liabilities:ContractLiabilities"

HEADER = """
option "operating_currency" "USD"
plugin "plugins.deferred_revenue"
plugin "plugins.ssp_allocation"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Liabilities:DeferredRevenue:Subscriptions
2020-01-01 open Liabilities:DeferredRevenue:Services
2020-01-01 open Income:Revenue:Subscriptions
2020-01-01 open Income:Revenue:Services
2020-01-01 open Income:Revenue:Usage
2020-01-01 open Income:Revenue:Support
"""


def contract(price: str, contract_id: str = "CTR-1", date: str = "2026-01-01") -> str:
    return f"""
{date} custom "contract" "{contract_id}"
  customer: "CUS-1"
  price: {price} USD
"""


def ratable(ob_id: str, ssp: str, start: str, end: str, extra: str = "", **keys: str) -> str:
    date = keys.get("date", start)
    account = keys.get("account", SUBS)
    return f"""
{date} custom "obligation" "{ob_id}"
  contract: "{keys.get("contract", "CTR-1")}"
  type: "subscription"
  ssp: {ssp} USD
  start: {start}
  end: {end}
  revenue_account: {account}{extra}
"""


def point(ob_id: str, ssp: str, delivered: str, extra: str = "", **keys: str) -> str:
    return f"""
{keys.get("date", "2026-01-01")} custom "obligation" "{ob_id}"
  contract: "{keys.get("contract", "CTR-1")}"
  type: "services"
  ssp: {ssp} USD
  recognition: "point"
  delivered: {delivered}
  revenue_account: {SERVICES}{extra}
"""


def invoice(date: str, number: str, lines: str, total: str, contract_id: str = "CTR-1") -> str:
    return f"""
{date} * "Acme" "Invoice {number}" ^{number}
  invoice: "{number}"
  customer: "CUS-1"
  contract: "{contract_id}"
  Assets:AccountsReceivable  {total} USD{lines}
"""


def deferred(account: str, amount: str, start: str, end: str, method: str = "") -> str:
    recognition = f'\n    recognition: "{method}"' if method else ""
    return f"""
  Liabilities:DeferredRevenue:{account}  -{amount} USD
    service_start: {start}
    service_end: {end}{recognition}"""


def adjustments(entries: list[data.Directive]) -> list[data.Transaction]:
    return [e for e in generated(entries) if e.meta["revclose_generated_by"] == "ssp_allocation"]


def moves(entries: list[data.Directive], account: str) -> dict[str, Decimal]:
    """Month end -> the allocation's posting to an account (debit positive)."""
    found: dict[str, Decimal] = defaultdict(Decimal)
    for entry in adjustments(entries):
        for posting in entry.postings:
            if posting.account == account:
                found[str(entry.date)] += number(posting)
    return dict(found)


SAAS = (
    HEADER
    + contract("13500.00")
    + ratable("CTR-1/platform", "12000.00", "2026-01-01", "2026-12-31")
    + point("CTR-1/implementation", "3000.00", "2026-01-20")
)
# SAAS invoiced upfront, as priced: the platform deferred over 2026 and the
# implementation to its delivery.
UPFRONT = SAAS + invoice(
    "2026-01-01",
    "INV-1",
    deferred("Subscriptions", "12000.00", "2026-01-01", "2026-12-31")
    + deferred("Services", "1500.00", "2026-01-20", "2026-01-20", "point"),
    "13500.00",
)


# Step 4: the allocation itself.


def test_discount_is_allocated_by_relative_ssp() -> None:
    # SSPs 12,000 + 3,000 = 15,000 for a price of 13,500: every obligation
    # bears the 1,500 discount in proportion, 10%: 10,800 and 2,700.
    parts = allocate(1350000, [Claim("platform", 1200000), Claim("implementation", 300000)])
    assert parts == {"implementation": 270000, "platform": 1080000}


def test_cumulative_rounding_keeps_every_cent() -> None:
    # 100.00 over three equal SSPs: 33.333.. each; cumulative 33.33, 66.67, 100.00.
    parts = allocate(10000, [Claim("a", 1), Claim("b", 1), Claim("c", 1)])
    assert parts == {"a": 3333, "b": 3334, "c": 3333}


def test_an_assigned_discount_stays_on_its_obligation() -> None:
    # Support (SSP 2,000) carries the whole 500 discount the contract assigns it:
    # 1,500; the others get their SSP, 10,000 and 3,000, as the price leaves exactly them.
    claims = [
        Claim("platform", 1000000),
        Claim("services", 300000),
        Claim("support", 200000, 50000),
    ]
    assert allocate(1450000, claims) == {"platform": 1000000, "services": 300000, "support": 150000}


def test_an_assigned_discount_leaves_the_rest_of_the_price_to_relative_ssp() -> None:
    # 14,000 for SSPs 10,000 + 3,000 + 2,000 = 15,000: support carries its
    # assigned 500 (1,500), and the 12,500 left is split 10,000 : 3,000, so
    # platform 12,500 x 10/13 = 9,615.38 and services 2,884.62 (rounded
    # cumulatively in id order).
    claims = [
        Claim("platform", 1000000),
        Claim("services", 300000),
        Claim("support", 200000, 50000),
    ]
    assert allocate(1400000, claims) == {"platform": 961538, "services": 288462, "support": 150000}


def test_residual_approach_takes_what_the_observable_ssps_leave() -> None:
    # Platform and support at SSP (10,000 + 2,000); the model fine-tuning,
    # whose SSP is highly variable, is left 15,000 - 12,000 = 3,000.
    claims = [Claim("platform", 1000000), Claim("support", 200000), Claim("tuning", None)]
    assert allocate(1500000, claims) == {"platform": 1000000, "support": 200000, "tuning": 300000}


def test_allocation_problems_are_explained() -> None:
    with pytest.raises(AllocationProblem, match="More than one residual obligation"):
        allocate(100, [Claim("a", None), Claim("b", None)])
    with pytest.raises(AllocationProblem, match="leaves nothing for 'b'"):
        allocate(100, [Claim("a", 100), Claim("b", None)])
    with pytest.raises(AllocationProblem, match="Assigned discounts"):
        allocate(900, [Claim("a", 500, 200), Claim("b", 500)])


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=8),
)
def test_allocation_sums_exactly_to_the_transaction_price(price: int, ssps: list[int]) -> None:
    if not any(ssps):
        ssps[0] = 1
    claims = [Claim(f"ob-{index}", ssp) for index, ssp in enumerate(ssps)]
    parts = allocate(price, claims)
    assert sum(parts.values()) == price
    total = sum(ssps)
    for claim in claims:
        assert claim.ssp is not None
        assert abs(parts[claim.id] - Fraction(price * claim.ssp, total)) <= 1


# The plugin: revenue follows the allocation, receivables follow the invoices.


def test_saas_with_implementation_and_discount_books_the_allocation(books: Books) -> None:
    # Invoiced as priced: 12,000.00 for the platform (ratable over 2026's
    # 365 days) and 1,500.00 for the implementation (delivered January 20).
    # Allocated: platform 10,800.00, implementation 2,700.00.
    # January, invoices: platform 12,000 x 31/365 = 1,019.18; implementation 1,500.00.
    # January, allocation: platform 10,800 x 31/365 = 917.26; implementation 2,700.00.
    # So services +1,200.00 revenue, subscriptions -101.92; the net 1,098.08 is
    # allocated revenue ahead of billing, within the deferred 10,980.82: it
    # reduces the contract liability (no contract asset).
    entries, errors, _ = books.load(UPFRONT)
    assert errors == []
    january = adjustments(entries)[0]
    assert str(january.date) == "2026-01-31"
    assert january.narration == "Contract allocation CTR-1"
    assert january.links == {"CTR-1"}
    assert january.tags == {"contract-allocation"}
    assert january.meta["revclose_source"] == "CTR-1"
    assert january.meta["customer"] == "CUS-1"
    assert [(p.account, number(p)) for p in january.postings] == [
        (SERVICES, Decimal("-1200.00")),
        (SUBS, Decimal("101.92")),
        (LIABILITY, Decimal("1098.08")),
    ]
    # February: 28 days. Invoices 12,000 x 59/365 = 1,939.73 to date (920.55
    # in February); the allocation 10,800 x 59/365 = 1,745.75 (828.49): 92.06.
    assert moves(entries, SUBS)["2026-02-28"] == Decimal("92.06")
    # By year end the adjustments of the platform sum to 12,000 - 10,800.
    assert sum(moves(entries, SUBS).values()) == Decimal("1200.00")
    assert sum(moves(entries, LIABILITY).values()) == Decimal("0.00")
    assert ASSET not in {p.account for e in adjustments(entries) for p in e.postings}


def test_allocated_revenue_ahead_of_billing_is_a_contract_asset(books: Books) -> None:
    # Billed monthly instead: January's platform 1,000.00 (January 1-31) and
    # the implementation 1,500.00. January's allocation: 917.26 + 2,700.00 =
    # 3,617.26 against 2,500.00 recognized by invoices, nothing deferred: a
    # contract asset of 1,117.26; the receivable stays 2,500.00.
    ledger = SAAS + invoice(
        "2026-01-01",
        "INV-1",
        deferred("Subscriptions", "1000.00", "2026-01-01", "2026-01-31")
        + deferred("Services", "1500.00", "2026-01-20", "2026-01-20", "point"),
        "2500.00",
    )
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert moves(entries, ASSET)["2026-01-31"] == Decimal("1117.26")
    assert moves(entries, SERVICES)["2026-01-31"] == Decimal("-1200.00")
    assert moves(entries, SUBS)["2026-01-31"] == Decimal("82.74")
    # February: nothing billed; the allocation's 828.49 all goes to the asset.
    assert moves(entries, ASSET)["2026-02-28"] == Decimal("828.49")
    assert moves(entries, SUBS)["2026-02-28"] == Decimal("-828.49")


def test_contracts_without_obligations_are_left_alone(books: Books) -> None:
    ledger = HEADER + contract("100.00") + invoice(
        "2026-01-01", "INV-1", deferred("Subscriptions", "100.00", "2026-01-01", "2026-01-31"),
        "100.00",
    )  # fmt: skip
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert adjustments(entries) == []


def test_empty_ledger_gives_nothing(books: Books) -> None:
    entries, errors, _ = books.load('plugin "plugins.ssp_allocation"\n')
    assert (entries, errors) == ([], [])


def test_generated_accounts_are_opened(books: Books) -> None:
    ledger = SAAS + invoice(
        "2026-01-01", "INV-1", deferred("Subscriptions", "1000.00", "2026-01-01", "2026-01-31"),
        "1000.00",
    )  # fmt: skip
    entries, errors, _ = books.load(ledger)
    assert errors == []
    opened = {e.account: str(e.date) for e in entries if isinstance(e, data.Open)}
    assert opened[ASSET] == "2026-01-31"
    assert LIABILITY not in opened  # Billing never ran ahead of the allocation.


def test_loading_twice_gives_identical_entries(books: Books) -> None:
    ledger = SAAS + invoice(
        "2026-01-01", "INV-1", deferred("Subscriptions", "1000.00", "2026-01-01", "2026-01-31"),
        "1000.00",
    )  # fmt: skip
    first, _, _ = books.load(ledger)
    second, _, _ = books.load(ledger)
    assert adjustments(first) == adjustments(second)


def test_bad_directives_are_errors_at_their_lines(books: Books) -> None:
    ledger = (
        HEADER
        + contract("1000.00")
        + """
2026-01-01 custom "contract" "CTR-2"
  customer: "CUS-2"
2026-01-01 custom "obligation" "OB-1"
  contract: "CTR-9"
  type: "support"
  ssp: 10.00 USD
  start: 2026-01-01
  end: 2026-12-31
  revenue_account: Income:Revenue:Subscriptions
2026-01-01 custom "obligation" "OB-2"
  contract: "CTR-1"
  type: "support"
  recognition: "weekly"
  start: 2026-01-01
  end: 2026-12-31
  revenue_account: Income:Revenue:Training
2026-01-01 custom "obligation" "OB-3"
  contract: "CTR-1"
  type: "support"
  ssp: 10 EUR
  start: 2026-01-01
  end: "2026-13-01"
  revenue_account: Income:Revenue:Subscriptions
2026-01-01 custom "obligation" "OB-4"
  contract: "CTR-2"
  type: "support"
  ssp: 10.00 USD
  start: 2026-01-01
  end: 2026-12-31
  revenue_account: Income:Revenue:Subscriptions
2026-01-01 custom "obligation" "OB-5"
  contract: "CTR-1"
  type: "support"
  start: 2026-01-01
  months: 12
  revenue_account: Income:Revenue:Subscriptions
2026-01-02 custom "contract-modification" "MOD-1"
  contract: "CTR-1"
  method: "sideways"
"""
    )
    entries, errors, _ = books.load(ledger)

    def at(needle: str) -> int:
        return line_of(ledger, needle)

    assert error_lines(errors) == [
        (at('"OB-1"'), "Obligation names unknown contract 'CTR-9'"),
        (at('"OB-2"'), "Unknown recognition pattern 'weekly'; expected 'ratable', 'point', "
                       "'usage'"),
        (at('"OB-2"'), "Revenue account 'Income:Revenue:Training' is not opened"),
        (at('"OB-2"'), "Missing 'ssp'; expected the standalone selling price, or "
                       "'residual: TRUE'"),
        (at('"OB-3"'), "Field 'end' '2026-13-01' is not a date; expected YYYY-MM-DD"),
        (at('"OB-3"'), "Field 'ssp' is in EUR; expected the contract's USD"),
        (
            at('"CTR-2"'),
            "Contract 'CTR-2' has obligations but no 'price'; expected the transaction price, "
            "a number and a currency like '15000.00 USD' (or a 'currency' when every "
            "obligation is usage)",
        ),
        (at('"OB-5"'), "Missing 'ssp'; expected the standalone selling price, or "
                       "'residual: TRUE'"),
        (at('"MOD-1"'), "Unknown modification method 'sideways'; expected 'separate', "
                        "'prospective', 'catch-up'"),
    ]  # fmt: skip
    assert adjustments(entries) == []


def test_a_residual_obligation_takes_no_assigned_discount(books: Books) -> None:
    # The residual approach allocates what the price leaves, so a discount on
    # it has nothing to come off: it would leave part of the price unallocated.
    ledger = (
        HEADER
        + contract("1000.00")
        + ratable("CTR-1/platform", "800.00", "2026-01-01", "2026-12-31")
        + point("CTR-1/tuning", "0.00", "2026-01-20", "\n  residual: TRUE\n  discount: 50.00 USD")
    )
    _, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (
            line_of(ledger, '"CTR-1/tuning"'),
            "A residual obligation is allocated what the price leaves; expected no 'discount'",
        )
    ]


def test_horizon_books_stops_the_adjustments_at_the_month_of_the_latest_entry(
    books: Books,
) -> None:
    # UPFRONT's latest typed transaction is the January 1 invoice: with
    # `horizon: books` the invoices' releases stop on January 31, and so does
    # the allocation's adjustment; January is the same as with `horizon: all`.
    ledger = UPFRONT.replace(
        '"plugins.deferred_revenue"', '"plugins.deferred_revenue" "revenue.yaml"'
    )
    books.write("revenue.yaml", "horizon: all\n")
    every, errors, _ = books.load(ledger)
    assert errors == []
    books.write("revenue.yaml", "horizon: books\n")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert adjustments(entries) == adjustments(every)[:1]
    assert str(adjustments(entries)[0].date) == "2026-01-31"


def test_a_bad_revenue_policy_is_reported_once_and_nothing_is_allocated(books: Books) -> None:
    ledger = UPFRONT.replace(
        '"plugins.deferred_revenue"', '"plugins.deferred_revenue" "revenue.yaml"'
    )
    books.write("revenue.yaml", "basis: weekly\n")
    entries, errors, _ = books.load(ledger)
    assert len(errors) == 1 and "basis" in errors[0].message  # The revenue plugin's error.
    assert adjustments(entries) == []


def test_an_invoice_in_another_currency_is_an_error_at_its_line(books: Books) -> None:
    ledger = (
        SAAS
        + """
2026-01-05 * "Acme" "Invoice INV-2"
  invoice: "INV-2"
  contract: "CTR-1"
  Assets:AccountsReceivable  10.00 EUR
  Income:Revenue:Services  -10.00 EUR
"""
    )
    _, errors, _ = books.load(ledger)
    at = line_of(ledger, "Income:Revenue:Services  -10.00 EUR")
    assert error_lines(errors) == [
        (at, "Invoice line in EUR on contract 'CTR-1', whose price is in USD; expected USD")
    ]


def test_bad_policy_reports_every_problem_and_changes_nothing(books: Books) -> None:
    books.write("allocation.yaml", "contract_asset_account: assets\nssp_band_percent: lots\n")
    ledger = SAAS.replace('"plugins.ssp_allocation"', '"plugins.ssp_allocation" "allocation.yaml"')
    entries, errors, _ = books.load(ledger)
    assert [(e.source["lineno"], e.message) for e in errors] == [
        (1, "Field 'contract_asset_account' expected an account name like 'Assets:Bank', "
            "found 'assets'"),
        (2, "Field 'ssp_band_percent' expected a percentage from 0 to 100, found 'lots'"),
    ]  # fmt: skip
    assert adjustments(entries) == []


def test_a_renamed_asset_account_is_used(books: Books) -> None:
    books.write("allocation.yaml", "contract_asset_account: Assets:Unbilled:Allocated\n")
    ledger = SAAS.replace(
        '"plugins.ssp_allocation"', '"plugins.ssp_allocation" "allocation.yaml"'
    ) + invoice(
        "2026-01-01", "INV-1", deferred("Subscriptions", "1000.00", "2026-01-01", "2026-01-31"),
        "1000.00",
    )  # fmt: skip
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert moves(entries, "Assets:Unbilled:Allocated")["2026-01-31"] == Decimal("2617.26")


# The invariant: revenue + contract liability - contract asset = billed, at every month end.

DAY = datetime.timedelta(days=1)
START = datetime.date(2026, 1, 1)


@st.composite
def contracts(draw: Any) -> str:
    """A contract with 1 to 3 obligations and 1 to 4 invoices, all in 2026-2027."""
    obligations = []
    count = draw(st.integers(min_value=1, max_value=3))
    for index in range(count):
        ssp = draw(st.integers(min_value=1, max_value=500000))
        first = START + DAY * draw(st.integers(min_value=0, max_value=300))
        if draw(st.booleans()):
            last = first + DAY * draw(st.integers(min_value=0, max_value=400))
            obligations.append(ratable(f"OB-{index}", f"{Decimal(ssp) / 100:.2f}", str(first),
                                       str(last), date=str(START)))  # fmt: skip
        else:
            obligations.append(point(f"OB-{index}", f"{Decimal(ssp) / 100:.2f}", str(first)))
    price = draw(st.integers(min_value=0, max_value=1000000))
    if draw(st.booleans()):
        changed = START + DAY * draw(st.integers(min_value=1, max_value=400))
        method = draw(st.sampled_from(["separate", "prospective", "catch-up"]))
        added = draw(st.integers(min_value=0, max_value=300000))
        obligations.append(
            f"""
{changed} custom "contract-modification" "MOD-1"
  contract: "CTR-1"
  method: "{method}"
  price: {Decimal(added) / 100:.2f} USD
"""
            + point(
                "OB-added",
                "100.00",
                str(changed + DAY * 20),
                date=str(changed),
                extra='\n  modification: "MOD-1"',
            )
        )
    invoices = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        booked = START + DAY * draw(st.integers(min_value=0, max_value=500))
        units = draw(st.integers(min_value=1, max_value=400000))
        amount = f"{Decimal(units) / 100:.2f}"
        if draw(st.booleans()):
            first = START + DAY * draw(st.integers(min_value=0, max_value=400))
            last = first + DAY * draw(st.integers(min_value=0, max_value=200))
            line = deferred("Subscriptions", amount, str(first), str(last))
        else:
            line = f"\n  Income:Revenue:Services  -{amount} USD"
        invoices.append(invoice(str(booked), f"INV-{index}", line, amount))
    return HEADER + contract(f"{Decimal(price) / 100:.2f}") + "".join(obligations + invoices)


def _balances(entries: list[data.Directive], through: datetime.date) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= through:
            for posting in entry.postings:
                root = ":".join(posting.account.split(":")[:2])
                totals[root] += number(posting)
    return totals


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(contracts())
def test_revenue_plus_liability_less_asset_is_billed_at_every_month_end(
    books: Books, ledger: str
) -> None:
    entries, errors, _ = books.load(ledger)
    assert errors == []
    ends = sorted({month_end(e.date) for e in entries if isinstance(e, data.Transaction)})
    for end in ends:
        totals = _balances(entries, end)
        revenue = -totals["Income:Revenue"]
        liability = (
            -totals["Liabilities:DeferredRevenue"] - totals["Liabilities:ContractLiabilities"]
        )
        asset = totals["Assets:ContractAssets"]
        billed = totals["Assets:AccountsReceivable"]
        assert revenue + liability - asset == billed, end
        assert asset >= 0
    # Once every obligation is satisfied, the contract's revenue is its price
    # (with what a modification added).
    price = sum(
        e.meta["price"].number for e in entries if isinstance(e, data.Custom) and "price" in e.meta
    )
    assert -_balances(entries, datetime.date(2028, 12, 31))["Income:Revenue"] == price


# Step 3: variable consideration.


def usage_invoice(
    date: str, number: str, hours: str, amount: str, contract_id: str = "CTR-2"
) -> str:
    return invoice(
        date,
        number,
        f"\n  {USAGE}  -{amount} USD\n    quantity: {hours}\n    unit_price: 2.00",
        amount,
        contract_id,
    )


USAGE_CONTRACT = """
2026-01-01 custom "contract" "CTR-2"
  customer: "CUS-1"
  currency: "USD"

2026-01-01 custom "obligation" "CTR-2/gpu"
  contract: "CTR-2"
  type: "usage"
  recognition: "usage"
  rate: 2.00 USD
  start: 2026-01-01
  end: 2026-06-30
  revenue_account: Income:Revenue:Usage
"""


def test_minimum_commitment_shortfall_is_recognized_at_the_end_of_the_period(
    books: Books,
) -> None:
    # A 6,000.00 commitment over January to June at 2.00 an hour; usage billed
    # at each month end: 500 + 400 + 600 + 500 + 250 + 250 = 2,500 hours =
    # 5,000.00. Usage is revenue as billed; the 1,000.00 shortfall is revenue
    # on June 30 (a contract asset: not billed yet), and the true-up invoice
    # of July 5 bills it, turning the contract asset into a receivable.
    hours = {"01-31": 500, "02-28": 400, "03-31": 600, "04-30": 500, "05-31": 250, "06-30": 250}
    ledger = HEADER + USAGE_CONTRACT.replace(
        "  rate: 2.00 USD", "  rate: 2.00 USD\n  minimum: 6000.00 USD"
    )
    for index, (day, used) in enumerate(hours.items()):
        ledger += usage_invoice(f"2026-{day}", f"INV-U{index}", str(used), f"{2 * used}.00")
    ledger += invoice("2026-07-05", "INV-T", f"\n  {USAGE}  -1000.00 USD", "1000.00", "CTR-2")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert moves(entries, USAGE) == {
        "2026-06-30": Decimal("-1000.00"),
        "2026-07-31": Decimal("1000.00"),
    }
    assert moves(entries, ASSET) == {
        "2026-06-30": Decimal("1000.00"),
        "2026-07-31": Decimal("-1000.00"),
    }
    revenue = _balances(entries, datetime.date(2026, 6, 30))["Income:Revenue"]
    assert revenue == Decimal("-6000.00")


def test_usage_above_the_minimum_needs_no_true_up(books: Books) -> None:
    ledger = HEADER + USAGE_CONTRACT.replace(
        "  rate: 2.00 USD", "  rate: 2.00 USD\n  minimum: 1000.00 USD"
    )
    ledger += usage_invoice("2026-03-31", "INV-U1", "600", "1200.00")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert adjustments(entries) == []


def test_retroactive_volume_discount_is_recognized_at_the_expected_average_price(
    books: Books,
) -> None:
    # 2.00 an hour, or 1.80 for every hour once the period reaches 1,000
    # hours; the expected 1,200 hours reach it, so revenue is 1.80 an hour
    # from the first: January 300 h billed 600.00, revenue 540.00 (60.00
    # refundable: a contract liability); February 400 h, 720.00 against
    # 800.00; March 500 h, 900.00 against 1,000.00. The period used 1,200 h:
    # the April credit note of 240.00 settles the liability.
    ledger = HEADER + USAGE_CONTRACT.replace(
        "  rate: 2.00 USD",
        '  rate: 2.00 USD\n  volume_tiers: "1000 1.80"\n  expected_quantity: 1200',
    ).replace("2026-06-30", "2026-03-31")
    ledger += usage_invoice("2026-01-31", "INV-U1", "300", "600.00")
    ledger += usage_invoice("2026-02-28", "INV-U2", "400", "800.00")
    ledger += usage_invoice("2026-03-31", "INV-U3", "500", "1000.00")
    ledger += invoice("2026-04-05", "CN-1", f"\n  {USAGE}  240.00 USD", "-240.00", "CTR-2")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    assert moves(entries, USAGE) == {
        "2026-01-31": Decimal("60.00"),
        "2026-02-28": Decimal("80.00"),
        "2026-03-31": Decimal("100.00"),
        "2026-04-30": Decimal("-240.00"),
    }
    assert sum(moves(entries, LIABILITY).values()) == Decimal("0.00")
    assert moves(entries, LIABILITY)["2026-03-31"] == Decimal("-100.00")


def test_a_missed_volume_tier_catches_up_at_the_end_of_the_period(books: Books) -> None:
    # Expected 1,200 hours, used 900: below the tier, every hour is 2.00.
    # At 1.80 an hour, revenue to date would be 900 x 1.80 = 1,620.00; at the
    # end of March the period's 900 x 2.00 = 1,800.00 is known, and the
    # 180.00 difference is caught up in March.
    ledger = HEADER + USAGE_CONTRACT.replace(
        "  rate: 2.00 USD",
        '  rate: 2.00 USD\n  volume_tiers: "1000 1.80"\n  expected_quantity: 1200',
    ).replace("2026-06-30", "2026-03-31")
    ledger += usage_invoice("2026-01-31", "INV-U1", "300", "600.00")
    ledger += usage_invoice("2026-03-31", "INV-U3", "600", "1200.00")
    entries, errors, _ = books.load(ledger)
    assert errors == []
    # January: 540.00 against 600.00; March: 1,800.00 to date against 1,800.00.
    assert moves(entries, USAGE) == {
        "2026-01-31": Decimal("60.00"),
        "2026-03-31": Decimal("-60.00"),
    }


# Step 4: contract modifications.

SUPPORT = "Income:Revenue:Support"
MODIFIED = (
    HEADER.replace('"plugins.deferred_revenue"', '"plugins.deferred_revenue" "revenue.yaml"')
    + contract("14400.00", "CTR-3")
    + ratable("CTR-3/subscription", "14400.00", "2026-01-01", "2026-12-31", contract="CTR-3")
    + ratable("CTR-3/support", "4800.00", "2026-01-01", "2026-12-31", contract="CTR-3",
              account=SUPPORT)
)  # fmt: skip


def modification(method: str, price: str) -> str:
    return f"""
2026-07-01 custom "contract-modification" "CTR-3/MOD-1"
  contract: "CTR-3"
  method: "{method}"
  price: {price} USD
""" + point("CTR-3/training", "2400.00", "2026-09-15", contract="CTR-3", date="2026-07-01",
            extra='\n  modification: "CTR-3/MOD-1"')  # fmt: skip


def revenue_by_month(entries: list[data.Directive], account: str) -> dict[str, Decimal]:
    """The allocation's revenue of an account by month end (no invoices: all of it)."""
    return {date: -units for date, units in moves(entries, account).items()}


def test_modification_without_invoices_recognizes_the_allocation(books: Books) -> None:
    # Before any change: 14,400 over SSPs 14,400 + 4,800 = 19,200, so the
    # subscription gets 10,800 and support 3,600: 900.00 and 300.00 a month
    # on the monthly basis.
    books.write("revenue.yaml", "basis: monthly\n")
    entries, errors, _ = books.load(MODIFIED)
    assert errors == []
    assert set(revenue_by_month(entries, SUBS).values()) == {Decimal("900.00")}
    assert set(revenue_by_month(entries, SUPPORT).values()) == {Decimal("300.00")}


def test_added_distinct_goods_at_ssp_are_a_separate_contract(books: Books) -> None:
    # Training at its SSP of 2,400.00: allocated 2,400.00, recognized when
    # delivered in September; the subscription and support carry on unchanged.
    books.write("revenue.yaml", "basis: monthly\n")
    entries, errors, _ = books.load(MODIFIED + modification("separate", "2400.00"))
    assert errors == []
    assert set(revenue_by_month(entries, SUBS).values()) == {Decimal("900.00")}
    assert revenue_by_month(entries, SERVICES) == {"2026-09-30": Decimal("2400.00")}


def test_prospective_modification_reallocates_what_remains(books: Books) -> None:
    # On July 1, training (SSP 2,400) is added for 1,200: a discount, so not
    # a separate contract. Recognized through June: 5,400 + 1,800 = 7,200.
    # Remaining consideration: 14,400 - 7,200 + 1,200 = 8,400, over the
    # remaining SSPs: subscription 14,400 x 6/12 = 7,200, support 2,400,
    # training 2,400 (12,000): subscription 8,400 x 7,200/12,000 = 5,040
    # (840.00 a month), support 1,680 (280.00), training 1,680 in September.
    books.write("revenue.yaml", "basis: monthly\n")
    entries, errors, _ = books.load(MODIFIED + modification("prospective", "1200.00"))
    assert errors == []
    subscription = revenue_by_month(entries, SUBS)
    support = revenue_by_month(entries, SUPPORT)
    assert [subscription[f"2026-{m:02d}-{d}"] for m, d in ((6, 30), (7, 31), (12, 31))] == [
        Decimal("900.00"), Decimal("840.00"), Decimal("840.00")]  # fmt: skip
    assert [support["2026-06-30"], support["2026-07-31"]] == [Decimal("300.00"), Decimal("280.00")]
    assert revenue_by_month(entries, SERVICES) == {"2026-09-30": Decimal("1680.00")}
    assert sum(subscription.values()) + sum(support.values()) == Decimal("13920.00")


def test_catch_up_modification_restates_revenue_to_date(books: Books) -> None:
    # The same change by cumulative catch-up: 15,600 allocated over the SSPs
    # 14,400 + 4,800 + 2,400 = 21,600: subscription 15,600 x 14,400/21,600 =
    # 10,400.00; subscription and support 15,600 x 19,200/21,600 = 13,866.67,
    # so support 3,466.67; training 1,733.33. July restates the subscription
    # to 10,400 x 7/12 = 6,066.67 to date: 666.67 after June's 5,400.00;
    # support to 3,466.67 x 7/12 = 2,022.22: 222.22. From August the
    # subscription is 866.67 or 866.66 a month (10,400 / 12).
    books.write("revenue.yaml", "basis: monthly\n")
    entries, errors, _ = books.load(MODIFIED + modification("catch-up", "1200.00"))
    assert errors == []
    subscription = revenue_by_month(entries, SUBS)
    support = revenue_by_month(entries, SUPPORT)
    assert subscription["2026-06-30"] == Decimal("900.00")
    assert subscription["2026-07-31"] == Decimal("666.67")
    assert subscription["2026-08-31"] == Decimal("866.66")  # 6,933.33 - 6,066.67
    assert support["2026-07-31"] == Decimal("222.22")
    assert revenue_by_month(entries, SERVICES) == {"2026-09-30": Decimal("1733.33")}
    assert sum(subscription.values()) == Decimal("10400.00")
    # The difference between the two methods: the same 15,600.00 in total,
    # but July's revenue is 888.89 by catch-up against 1,120.00 prospectively.
    assert subscription["2026-07-31"] + support["2026-07-31"] == Decimal("888.89")


def test_the_shipped_policy_file_loads_cleanly() -> None:
    from pathlib import Path

    from plugins import allocation_policy

    path = Path(__file__).resolve().parents[1] / "config" / "allocation.yaml"
    chosen, errors = allocation_policy.load(str(path), {})
    assert errors == []
    assert (chosen.contract_asset_account, chosen.ssp_band_percent) == (
        "Assets:ContractAssets",
        Decimal(15),
    )
