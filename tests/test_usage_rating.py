"""Usage rating: `config/pricing.yaml` read with its lines, and quantities priced to the cent.

Worked examples derive their amounts by hand in comments; properties check
graduated pricing and rounding on arbitrary tiers; every mistake in the YAML is
reported with its exact message and line.
"""

from __future__ import annotations

import datetime
import itertools
import textwrap
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo import catalog
from importers import usage_pricing, usage_rating
from importers.errors import ImportFailed
from importers.usage_pricing import PriceBook, Pricing, Sku, Tier
from importers.usage_rating import RatedLine, RatingError
from plugins.currency import Precision

OCTOBER = datetime.date(2026, 10, 1)
REPO = Path(__file__).resolve().parent.parent

BOOKS = """
price_books:
  list-usd:
    currency: USD
    skus:
      gpu-hours: {unit_price: 2.49, account: Income:Revenue:Usage:Gpu}
      images:
        pricing: graduated
        tiers:
          - {up_to: 1000, unit_price: 2.50}
          - {up_to: 5000, unit_price: 2.40}
          - {unit_price: 2.00}
      video-seconds:
        pricing: volume
        tiers:
          - {up_to: 1000, unit_price: 0.05}
          - {up_to: 10000, unit_price: 0.04}
          - {unit_price: 0.03}
  list-jpy:
    currency: JPY
    skus:
      gpu-hours: {unit_price: 0.5}
      images:
        pricing: graduated
        tiers: [{up_to: 3, unit_price: 12.3}, {unit_price: 10}]
entities: {US: list-usd, JP: list-jpy}
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Works in a temporary folder, so problems name `config/pricing.yaml`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(text: str) -> Pricing:
    path = Path("config", "pricing.yaml")
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return usage_pricing.load(path)


def failures(text: str) -> list[str]:
    with pytest.raises(ImportFailed) as failed:
        load(text)
    return [str(problem) for problem in failed.value.problems]


def rate(
    pricing: Pricing,
    quantities: dict[str, str],
    customer: str = "CUS-1",
    entity: str | None = "US",
    month: datetime.date = OCTOBER,
) -> usage_rating.RatedMonth:
    numbers = {sku: Decimal(quantity) for sku, quantity in quantities.items()}
    return usage_rating.rate(pricing, customer, entity, month, numbers)


def line(pricing: Pricing, sku: str, quantity: str, entity: str = "US") -> RatedLine:
    (rated,) = rate(pricing, {sku: quantity}, entity=entity).lines
    return rated


# Rating, worked by hand.


def test_flat_is_quantity_times_price(here: Path) -> None:
    # 1737.000 h x 2.49 = 4325.13 exactly.
    rated = rate(load(BOOKS), {"gpu-hours": "1737.000"})
    assert rated == usage_rating.RatedMonth(
        customer="CUS-1",
        month=OCTOBER,
        currency="USD",
        price_book="list-usd",
        contract=None,
        lines=(
            RatedLine(
                "gpu-hours",
                Decimal("1737.000"),
                Decimal("4325.13"),
                "Income:Revenue:Usage:Gpu",
                Decimal("2.49"),
                None,
            ),
        ),
        shortfall=Decimal("0.00"),
        shortfall_account="Income:Revenue:Usage",
        total=Decimal("4325.13"),
    )


def test_flat_rounds_once_half_away_from_zero(here: Path) -> None:
    pricing = load(BOOKS)
    # 0.5 h x 2.49 = 1.245: the half cent rounds away from zero, up to 1.25...
    assert line(pricing, "gpu-hours", "0.5").amount == Decimal("1.25")
    # ...and, for a net credit of -0.5 h, down to -1.25 (a flat price rates negatives).
    assert line(pricing, "gpu-hours", "-0.5").amount == Decimal("-1.25")
    # 0.333 h x 2.49 = 0.82917 -> 0.83.
    assert line(pricing, "gpu-hours", "0.333").amount == Decimal("0.83")


def test_a_price_too_wide_for_64_bits_rates_a_zero_quantity_as_zero() -> None:
    # Found by the accrual text property: 1981.20618037 per unit in a currency
    # of 8 decimals is 19,812,061,803,700,000,000 / 10**8 minor units, wider
    # than a 64-bit integer; a month of 0 units is 0 x that = 0, in Python's
    # integers rather than an overflow.
    amounts = usage_rating._flat(
        np.array([0]), np.array([0]), [19_812_061_803_700_000_000], [10**8], 0
    )
    assert amounts.tolist() == [0]


def test_graduated_prices_each_tiers_units_at_its_price(here: Path) -> None:
    # 1000 x 2.50 = 2500.00, (5000 - 1000) x 2.40 = 9600.00, (6000.5 - 5000) x 2.00 = 2001.00.
    rated = line(load(BOOKS), "images", "6000.5")
    assert rated.amount == Decimal("14101.00")
    assert rated.tiers == "1000 @ 2.50 + 4000 @ 2.40 + 1000.5 @ 2.00"
    assert rated.unit_price is None


def test_graduated_within_the_first_tier_and_at_its_end(here: Path) -> None:
    pricing = load(BOOKS)
    assert line(pricing, "images", "1000").tiers == "1000 @ 2.50"
    # 1000 x 2.50 + 1 x 2.40 = 2502.40.
    assert line(pricing, "images", "1001").amount == Decimal("2502.40")


def test_volume_total_at_a_boundary_stays_in_the_lower_tier(here: Path) -> None:
    pricing = load(BOOKS)
    # 1000 s is within the first tier (up to 1000, inclusive): 1000 x 0.05 = 50.00.
    assert line(pricing, "video-seconds", "1000").amount == Decimal("50.00")
    assert line(pricing, "video-seconds", "1000").tiers == "1000 @ 0.05"
    # One more second moves every unit to 0.04: 1001 x 0.04 = 40.04.
    assert line(pricing, "video-seconds", "1001").amount == Decimal("40.04")
    # 10000 x 0.04 = 400.00; 10001 x 0.03 = 300.03.
    assert line(pricing, "video-seconds", "10000").amount == Decimal("400.00")
    assert line(pricing, "video-seconds", "10001").amount == Decimal("300.03")


def test_zero_decimal_currency_rounds_to_whole_yen(here: Path) -> None:
    pricing = load(BOOKS)
    # 3 x 0.5 = 1.5 JPY -> 2 JPY (half away from zero; JPY has no minor unit).
    rated = line(pricing, "gpu-hours", "3", entity="JP")
    assert (rated.amount, str(rated.amount), rated.unit_price) == (Decimal(2), "2", Decimal("0.5"))
    # 3 x 12.3 + 2 x 10 = 36.9 + 20 = 56.9 -> 57 JPY.
    graduated = line(pricing, "images", "5", entity="JP")
    assert (str(graduated.amount), graduated.tiers) == ("57", "3 @ 12.3 + 2 @ 10")
    assert rate(pricing, {"images": "5"}, entity="JP").total == Decimal(57)


def test_lines_follow_the_books_order_and_zero_quantities_stay(here: Path) -> None:
    rated = rate(load(BOOKS), {"video-seconds": "0", "gpu-hours": "2", "images": "0"})
    assert [(item.sku, item.amount, item.tiers) for item in rated.lines] == [
        ("gpu-hours", Decimal("4.98"), None),
        ("images", Decimal("0.00"), "0 @ 2.50"),
        ("video-seconds", Decimal("0.00"), "0 @ 0.05"),
    ]
    assert rated.total == Decimal("4.98")


CONTRACTS = """
contracts:
  CTR-1:
    customer: CUS-1
    start: 2026-01-01
    end: 2026-06-30
    prices:
      gpu-hours: {unit_price: 2.20}
      fine-tuned-hours: {unit_price: 4}
      images: {pricing: volume, tiers: [{up_to: 10, unit_price: 1}, {unit_price: 0.5}]}
    minimum: {amount: 500.00, shortfall: revenue}
  CTR-2:
    customer: CUS-1
    start: 2026-07-01
    price_book: list-jpy
    minimum: {amount: 100, shortfall: none}
  CTR-3:
    customer: CUS-3
    prices:
      gpu-hours: {unit_price: 2.00, account: Income:Revenue:Usage:Committed}
"""

JUNE = datetime.date(2026, 6, 1)


def test_override_replaces_the_books_price_for_the_skus_it_names(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)
    rated = rate(pricing, {"gpu-hours": "300", "images": "20", "video-seconds": "10"}, month=JUNE)
    assert rated.contract == "CTR-1"
    # 300 x 2.20 = 660.00, in the book's account; images at the contract's volume
    # tiers: 20 x 0.50 = 10.00; video at the book's price: 10 x 0.05 = 0.50.
    assert [(item.sku, item.amount, item.account) for item in rated.lines] == [
        ("gpu-hours", Decimal("660.00"), "Income:Revenue:Usage:Gpu"),
        ("images", Decimal("10.00"), "Income:Revenue:Usage"),
        ("video-seconds", Decimal("0.50"), "Income:Revenue:Usage"),
    ]
    assert (rated.shortfall, rated.total) == (Decimal("0.00"), Decimal("670.50"))


def test_override_may_name_its_own_account_and_skus_the_book_lacks(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)
    gpu = rate(pricing, {"gpu-hours": "1"}, customer="CUS-2").lines[0]
    assert (gpu.amount, gpu.account) == (Decimal("2.49"), "Income:Revenue:Usage:Gpu")
    committed = rate(pricing, {"gpu-hours": "1"}, customer="CUS-3").lines[0]
    assert (committed.amount, committed.account) == (
        Decimal("2.00"),
        "Income:Revenue:Usage:Committed",
    )
    # A SKU only the contract prices comes after the book's SKUs.
    rated = rate(pricing, {"fine-tuned-hours": "2.5", "gpu-hours": "1"}, month=JUNE)
    assert [(item.sku, item.amount) for item in rated.lines] == [
        ("gpu-hours", Decimal("2.20")),
        ("fine-tuned-hours", Decimal("10.00")),
    ]


def test_minimum_shortfall_is_revenue_when_the_contract_says_so(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)
    # 100 h x 2.20 = 220.00, below the minimum of 500.00: shortfall 280.00.
    rated = rate(pricing, {"gpu-hours": "100"}, month=JUNE)
    assert (rated.shortfall, rated.shortfall_account, rated.total) == (
        Decimal("280.00"),
        "Income:Revenue:Usage",
        Decimal("500.00"),
    )
    # Usage above the minimum: no shortfall.
    assert rate(pricing, {"gpu-hours": "300"}, month=JUNE).shortfall == Decimal("0.00")
    # No usage at all: the whole minimum.
    empty = rate(pricing, {}, month=JUNE)
    assert (empty.lines, empty.shortfall, empty.total) == ((), Decimal("500.00"), Decimal("500.00"))


def test_minimum_shortfall_is_not_revenue_with_shortfall_none(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)
    # CTR-2 prices in yen: 10 h x 0.5 = 5 JPY, under its minimum of 100, not recognized.
    rated = rate(pricing, {"gpu-hours": "10"}, month=datetime.date(2026, 7, 1))
    assert (rated.contract, rated.currency, rated.shortfall, rated.total) == (
        "CTR-2",
        "JPY",
        Decimal(0),
        Decimal(5),
    )


def test_minimum_is_rounded_to_the_currency_of_the_book_that_applies(here: Path) -> None:
    # The contract names no book, so its minimum is read before its currency is known:
    # 100.5 in the yen book of entity JP is 101 JPY (half away from zero).
    minimum = "{amount: 100.5, shortfall: revenue}"
    pricing = load(BOOKS + f"contracts:\n  CTR-9: {{customer: CUS-9, minimum: {minimum}}}\n")
    rated = rate(pricing, {"gpu-hours": "3"}, customer="CUS-9", entity="JP")
    # 3 x 0.5 = 1.5 -> 2 JPY; shortfall 101 - 2 = 99.
    assert (rated.shortfall, rated.total) == (Decimal(99), Decimal(101))


def test_shortfall_account_is_configurable(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS + "shortfall_account: Income:Revenue:Usage:Minimums\n")
    rated = rate(pricing, {}, month=JUNE)
    assert (rated.shortfall, rated.shortfall_account) == (
        Decimal("500.00"),
        "Income:Revenue:Usage:Minimums",
    )


def test_contract_applies_to_the_months_within_its_dates(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)

    def terms(month: datetime.date) -> tuple[str | None, str, datetime.date]:
        rated = rate(pricing, {"gpu-hours": "1"}, month=month)
        return rated.contract, rated.price_book, rated.month

    assert terms(datetime.date(2025, 12, 1)) == (None, "list-usd", datetime.date(2025, 12, 1))
    assert terms(datetime.date(2026, 1, 1)) == ("CTR-1", "list-usd", datetime.date(2026, 1, 1))
    # Any day of the month rates the whole month.
    assert terms(datetime.date(2026, 6, 30)) == ("CTR-1", "list-usd", JUNE)
    # CTR-2, open-ended, names its own book whatever the entity's.
    assert terms(datetime.date(2026, 7, 1)) == ("CTR-2", "list-jpy", datetime.date(2026, 7, 1))
    assert terms(datetime.date(2030, 1, 1))[:2] == ("CTR-2", "list-jpy")
    # CTR-3 has no dates: every month.
    assert rate(pricing, {}, customer="CUS-3", month=datetime.date(2000, 1, 1)).contract == "CTR-3"


def test_unknown_skus_are_those_no_applicable_book_prices(here: Path) -> None:
    pricing = load(BOOKS + CONTRACTS)
    skus = ["gpu-hours", "fine-tuned-hours", "llm-tokens", "fine-tuned-hours"]
    unknown = usage_rating.unknown_skus
    # In October CTR-2 applies, with the yen book; each SKU is named once, in the order given.
    assert unknown(pricing, "CUS-1", "US", OCTOBER, skus) == ("fine-tuned-hours", "llm-tokens")
    # In June CTR-1 applies, and prices fine-tuned hours itself.
    assert unknown(pricing, "CUS-1", "US", JUNE, skus) == ("llm-tokens",)
    assert unknown(pricing, "CUS-2", "US", JUNE, skus) == ("fine-tuned-hours", "llm-tokens")
    # No contract, and an entity without a book: nothing is priced.
    assert unknown(pricing, "CUS-9", "EU", OCTOBER, ["gpu-hours"]) == ("gpu-hours",)
    assert unknown(pricing, "CUS-9", None, OCTOBER, ["gpu-hours"]) == ("gpu-hours",)


def test_what_cannot_be_rated_is_a_rating_error_with_every_problem(here: Path) -> None:
    pricing = load(BOOKS)
    with pytest.raises(RatingError) as failed:
        rate(pricing, {"images": "-2", "llm-tokens": "5", "video-seconds": "-1"})
    assert failed.value.problems == (
        "SKU 'llm-tokens' has no price in price book 'list-usd' (customer 'CUS-1', 2026-10)",
        "Quantity '-2' of SKU 'images' (customer 'CUS-1', 2026-10) is negative; graduated "
        "tiers price quantities of at least zero",
        "Quantity '-1' of SKU 'video-seconds' (customer 'CUS-1', 2026-10) is negative; volume "
        "tiers price quantities of at least zero",
    )
    with pytest.raises(RatingError) as missing:
        rate(pricing, {"gpu-hours": "1"}, entity="EU")
    assert str(missing.value) == (
        "Customer 'CUS-1' has no price book for 2026-10: no contract names one, and entity "
        "'EU' has none in 'entities'"
    )


def test_the_demo_price_books_match_the_demo_catalog() -> None:
    pricing = usage_pricing.load(REPO / "config" / "pricing.yaml")
    for entity in catalog.ENTITIES:
        rated = line(pricing, "gpu-hours", "1", entity=entity.code)
        expected = Decimal(catalog.GPU_HOURS.price(entity.currency)).scaleb(-2)
        assert (rated.unit_price, rated.amount) == (expected, expected)
        assert rate(pricing, {"gpu-hours": "1"}, entity=entity.code).currency == entity.currency
    assert list(pricing.books["list-usd"].skus) == list(pricing.books["list-eur"].skus)
    # The reservations' overage contracts (tests/test_demo_company.py checks them against the demo).
    assert {sku for each in pricing.contracts.values() for sku in each.prices} == {"gpu-hours"}


# Properties of rating, on arbitrary tiers.

_UNITS = st.decimals(min_value=0, max_value=10**7, places=3)
_PRICES = st.decimals(min_value=0, max_value=100, places=4)


@st.composite
def _tiers(draw: st.DrawFn) -> tuple[Tier, ...]:
    bounds = sorted(draw(st.sets(st.integers(1, 10**6), max_size=4)))
    prices = draw(st.lists(_PRICES, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    ends: list[int | None] = [*bounds, None]
    return tuple(
        Tier(None if end is None else Decimal(end), price)
        for end, price in zip(ends, prices, strict=True)
    )


def _pricing(sku: Sku, currency: str = "USD") -> Pricing:
    book = PriceBook("book", currency, {sku.name: sku})
    return Pricing({"book": book}, {"US": "book"}, {}, Precision())


def _amount(pricing: Pricing, quantity: Decimal) -> RatedLine:
    (rated,) = usage_rating.rate(pricing, "CUS-1", "US", OCTOBER, {"sku": quantity}).lines
    return rated


@settings(max_examples=200, deadline=None)
@given(_tiers(), _UNITS, _UNITS)
def test_graduated_amount_never_falls_as_quantity_grows(
    tiers: tuple[Tier, ...], first: Decimal, second: Decimal
) -> None:
    pricing = _pricing(Sku("sku", usage_pricing.GRADUATED, None, tiers, "Income:Revenue:Usage"))
    low, high = sorted((first, second))
    assert _amount(pricing, low).amount <= _amount(pricing, high).amount


@settings(max_examples=200, deadline=None)
@given(_tiers(), _UNITS)
def test_graduated_pieces_sum_to_the_quantity_and_the_amount(
    tiers: tuple[Tier, ...], quantity: Decimal
) -> None:
    pricing = _pricing(Sku("sku", usage_pricing.GRADUATED, None, tiers, "Income:Revenue:Usage"))
    rated = _amount(pricing, quantity)
    assert rated.tiers is not None
    pieces = [piece.split(" @ ") for piece in rated.tiers.split(" + ")]
    assert sum(Decimal(units) for units, _ in pieces) == quantity
    # Each piece is at its tier's price, and fits in the tier.
    below = Decimal(0)
    for (units, price), tier in zip(pieces, tiers, strict=False):
        assert Decimal(price) == tier.unit_price
        assert tier.up_to is None or Decimal(units) <= tier.up_to - below
        below = tier.up_to or below
    exact = sum(Fraction(Decimal(units)) * Fraction(Decimal(price)) for units, price in pieces)
    assert abs(Fraction(rated.amount) - exact) <= Fraction(1, 200)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([("USD", 2), ("JPY", 0), ("KWD", 3)]),
    st.decimals(min_value=-(10**6), max_value=10**6, places=4),
    st.decimals(min_value=0, max_value=1000, places=6),
)
def test_flat_amount_is_within_half_a_minor_unit_of_exact(
    currency: tuple[str, int], quantity: Decimal, price: Decimal
) -> None:
    code, digits = currency
    pricing = _pricing(Sku("sku", usage_pricing.FLAT, price, (), "Income:Revenue:Usage"), code)
    amount = _amount(pricing, quantity).amount
    exact = Fraction(quantity) * Fraction(price)
    assert abs(Fraction(amount) - exact) <= Fraction(1, 2 * 10**digits)
    assert amount.as_tuple().exponent == -digits
    # Half away from zero: a negative quantity rates to the opposite of its positive.
    assert _amount(pricing, -quantity).amount == -amount


@settings(max_examples=200, deadline=None)
@given(_tiers(), _UNITS)
def test_volume_prices_every_unit_at_one_tiers_price(
    tiers: tuple[Tier, ...], quantity: Decimal
) -> None:
    pricing = _pricing(Sku("sku", usage_pricing.VOLUME, None, tiers, "Income:Revenue:Usage"))
    rated = _amount(pricing, quantity)
    tier = next(tier for tier in tiers if tier.up_to is None or quantity <= tier.up_to)
    exact = Fraction(quantity) * Fraction(tier.unit_price)
    assert abs(Fraction(rated.amount) - exact) <= Fraction(1, 200)


# The bulk path: many months rated at once, line for line as `rate` rates each.

_CURRENCIES = [("USD", 2), ("JPY", 0), ("KWD", 3), ("XCR", 8)]  # XCR: 8 decimals (`precision`).
_NAMES = ["a", "b", "c", "d"]
_QUANTITIES = st.one_of(
    st.decimals(min_value=0, max_value=10**7, places=3),
    st.decimals(min_value=0, max_value=10**4, places=0),
    st.decimals(min_value=-(10**4), max_value=10**4, places=2),  # Adjustments: flat SKUs only.
    # Beyond 64-bit products: rated in Python's integers.
    st.decimals(min_value=0, max_value=10**22, places=4),
)


@st.composite
def _sku(draw: st.DrawFn, name: str, account: str | None) -> Sku:
    method = draw(
        st.sampled_from([usage_pricing.FLAT, usage_pricing.GRADUATED, usage_pricing.VOLUME])
    )
    if method == usage_pricing.FLAT:
        price = draw(st.decimals(min_value=0, max_value=1000, places=draw(st.integers(0, 7))))
        return Sku(name, method, price, (), account)
    return Sku(name, method, None, draw(_tiers()), account)


@st.composite
def _book_pricing(draw: st.DrawFn) -> Pricing:
    """Two books in drawn currencies, and contracts for some customers (prices, minimums)."""
    books = {}
    for index in range(2):
        currency, _ = draw(st.sampled_from(_CURRENCIES))
        names = draw(st.lists(st.sampled_from(_NAMES), min_size=2, max_size=4, unique=True))
        skus = {name: draw(_sku(name, f"Income:Usage:{name.upper()}")) for name in names}
        books[f"book{index}"] = PriceBook(f"book{index}", currency, skus)
    contracts = {}
    for customer in ["C0", "C1", "C2"]:
        if not draw(st.booleans()):
            continue
        prices = {}
        for name in draw(st.lists(st.sampled_from(_NAMES), max_size=2, unique=True)):
            prices[name] = draw(_sku(name, draw(st.sampled_from([None, "Income:Usage:Deal"]))))
        minimum = draw(
            st.one_of(
                st.none(),
                st.builds(
                    usage_pricing.Minimum,
                    st.one_of(  # Usually above the lines, or below.
                        st.decimals(min_value=10**25, max_value=10**26, places=3),
                        st.decimals(min_value=0, max_value=10**8, places=3),
                    ),
                    st.just(usage_pricing.REVENUE),
                ),
                st.builds(
                    usage_pricing.Minimum,
                    st.decimals(min_value=0, max_value=10**8, places=2),
                    st.just(usage_pricing.NONE),
                ),
            )
        )
        book = draw(st.sampled_from([None, "book0", "book1"]))
        contracts[f"CTR-{customer}"] = usage_pricing.Contract(
            f"CTR-{customer}", customer, None, None, book, prices, minimum
        )
    entities = {"E0": "book0", "E1": "book1"}
    return Pricing(books, entities, contracts, Precision({"XCR": 8}), "Income:Usage:Shortfall")


def _exact(sku: Sku, quantity: Decimal) -> Fraction:
    """The exact amount of a line, by the rules in `usage_rating`'s docstring."""
    if sku.pricing == usage_pricing.FLAT:
        assert sku.unit_price is not None
        return Fraction(quantity) * Fraction(sku.unit_price)
    if sku.pricing == usage_pricing.VOLUME:
        tier = next(tier for tier in sku.tiers if tier.up_to is None or quantity <= tier.up_to)
        return Fraction(quantity) * Fraction(tier.unit_price)
    exact, below = Fraction(0), Fraction(0)
    for tier in sku.tiers:
        top = (
            Fraction(quantity)
            if tier.up_to is None
            else min(Fraction(tier.up_to), Fraction(quantity))
        )
        exact += max(top - below, Fraction(0)) * Fraction(tier.unit_price)
        if tier.up_to is None or quantity <= tier.up_to:
            return exact
        below = Fraction(tier.up_to)
    raise AssertionError("The last tier is open-ended.")


def _rounded(exact: Fraction, digits: int) -> Decimal:
    """Half away from zero, to `digits` decimals."""
    scaled = abs(exact) * 10**digits
    whole = int(scaled + Fraction(1, 2))
    return usage_rating.EXACT.scaleb(Decimal(whole if exact >= 0 else -whole), -digits)


@settings(max_examples=200, deadline=None)
@given(
    _book_pricing(),
    st.lists(
        st.tuples(
            st.sampled_from(["E0", "E0", "E1", "E1", "none"]),  # None: no book applies.
            st.dictionaries(  # "z": no book prices it.
                st.sampled_from([*_NAMES * 4, "z"]), _QUANTITIES, min_size=1, max_size=4
            ),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_rating_many_months_at_once_rates_each_as_rate_does(
    pricing: Pricing, months: list[tuple[str, dict[str, Decimal]]]
) -> None:
    customers = [(f"C{index}", entity) for index, (entity, _) in enumerate(months)]
    skus = list(dict.fromkeys(sku for _, quantities in months for sku in quantities))
    numbers = [quantity for _, quantities in months for quantity in quantities.values()]
    scale = max(max(-quantity.as_tuple().exponent, 0) for quantity in numbers)  # type: ignore[operator]
    lines = usage_rating.Lines(
        customers,
        list(itertools.accumulate(len(quantities) for _, quantities in months)),
        skus,
        np.array([skus.index(sku) for _, quantities in months for sku in quantities]),
        [int(quantity.scaleb(scale, usage_rating.EXACT)) for quantity in numbers],
        scale,
    )
    bulk = usage_rating.rate_lines(pricing, OCTOBER, lines)
    for (customer, entity), (_, quantities), found in zip(
        customers, months, bulk.months, strict=True
    ):
        try:
            rated = usage_rating.rate(pricing, customer, entity, OCTOBER, quantities)
        except RatingError as error:
            assert found is None
            assert error.problems
            continue
        assert found is not None
        digits = found.plan.digits
        mine = range(found.start, found.end)
        assert [
            (
                bulk.priced[at].name,
                numbers[bulk.lines[at]],
                usage_rating.amount(bulk.minor[at], digits),
                bulk.priced[at].account,
                bulk.priced[at].shown,
                bulk.tiers[at],
            )
            for at in mine
        ] == [tuple(line) for line in rated.lines]
        assert (found.shortfall, found.total) == (
            usage_rating.minor_units(rated.shortfall, digits),
            usage_rating.minor_units(rated.total, digits),
        )
        # Each line is its exact amount rounded once, half away from zero, to the currency.
        terms = pricing.terms(customer, entity, OCTOBER)
        assert terms is not None
        for line in rated.lines:
            expected = _rounded(_exact(terms.skus[line.sku], line.quantity), digits)
            assert (line.amount, line.amount.as_tuple().exponent) == (expected, -digits)
        assert [line.sku for line in rated.lines] == [
            sku for sku in terms.skus if sku in quantities
        ]
        lines_total = sum(Fraction(line.amount) for line in rated.lines)  # Exactly.
        assert Fraction(rated.total) == lines_total + Fraction(rated.shortfall)
        minimum = terms.contract.minimum if terms.contract else None
        if minimum is None or minimum.shortfall != usage_pricing.REVENUE:
            assert rated.shortfall == 0
        else:
            least = Fraction(_rounded(Fraction(minimum.amount), digits))
            assert Fraction(rated.shortfall) == max(least - lines_total, Fraction(0))


# Every mistake in config/pricing.yaml, at its line.

BAD_CONFIGS: dict[str, tuple[str, list[str]]] = {
    "currency_unknown_or_missing": (
        """
        price_books:
          a:
            currency: usd
            skus: {x: {unit_price: 1}}
          b:
            skus: {}
        """,
        [
            "config/pricing.yaml:3: Field 'price_books.a.currency' expected an ISO 4217 "
            "currency code like 'USD', found 'usd'",
            "config/pricing.yaml:5: Missing field 'price_books.b.currency'; expected an ISO "
            "4217 currency code like 'USD'",
            "config/pricing.yaml:6: Field 'price_books.b.skus' expected at least one SKU",
        ],
    ),
    "tiers_unordered": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: graduated
                tiers:
                  - {up_to: 100, unit_price: 1}
                  - {up_to: 50, unit_price: 0.9}
                  - {unit_price: 0.8}
        """,
        [
            "config/pricing.yaml:9: Field 'price_books.b.skus.x.tiers.1.up_to' expected more "
            "than the previous tier's '100', found '50'; tiers must ascend without overlapping"
        ],
    ),
    "tiers_overlapping": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: volume
                tiers:
                  - {up_to: 100, unit_price: 1}
                  - {up_to: 100, unit_price: 0.9}
                  - {unit_price: 0.8}
        """,
        [
            "config/pricing.yaml:9: Field 'price_books.b.skus.x.tiers.1.up_to' expected more "
            "than the previous tier's '100', found '100'; tiers must ascend without overlapping"
        ],
    ),
    "open_ended_tier_not_last": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: graduated
                tiers:
                  - {unit_price: 1}
                  - {up_to: 100, unit_price: 0.9}
                  - {unit_price: 0.8}
        """,
        [
            "config/pricing.yaml:8: Tier 'price_books.b.skus.x.tiers.0' has no 'up_to' but is "
            "not the last tier; only the last tier may be open-ended"
        ],
    ),
    "last_tier_bounded": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: graduated
                tiers:
                  - {up_to: 100, unit_price: 1}
                  - {up_to: 1000, unit_price: 0.9}
        """,
        [
            "config/pricing.yaml:9: Tier 'price_books.b.skus.x.tiers.1' ends at '1000'; "
            "expected the last tier open-ended (without 'up_to'), so that every quantity has "
            "a price"
        ],
    ),
    "tier_without_price": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: graduated
                tiers:
                  - up_to: 100
                    unit_price: 1
                  - up_to: 200
                  - unit_price: 0.8
        """,
        [
            "config/pricing.yaml:10: Missing field 'price_books.b.skus.x.tiers.1.unit_price'; "
            "expected a non-negative decimal like 2.49"
        ],
    ),
    "negative_prices": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x: {unit_price: -2.49}
              y:
                pricing: volume
                tiers: [{up_to: 10, unit_price: 1}, {unit_price: -0.5}]
        """,
        [
            "config/pricing.yaml:5: Field 'price_books.b.skus.x.unit_price' expected a "
            "non-negative decimal like 2.49, found '-2.49'",
            "config/pricing.yaml:8: Field 'price_books.b.skus.y.tiers.1.unit_price' expected a "
            "non-negative decimal like 2.49, found '-0.5'",
        ],
    ),
    "tier_bounds_not_positive_numbers": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x:
                pricing: graduated
                tiers:
                  - {up_to: 0, unit_price: 1}
                  - {up_to: ten, unit_price: 1}
                  - {unit_price: 1}
        """,
        [
            "config/pricing.yaml:8: Field 'price_books.b.skus.x.tiers.0.up_to' expected a "
            "positive number of units, found '0'",
            "config/pricing.yaml:9: Field 'price_books.b.skus.x.tiers.1.up_to' expected a "
            "positive number of units, found 'ten'",
        ],
    ),
    "tiers_missing_empty_or_not_a_list": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x: {pricing: graduated, tiers: []}
              y: {pricing: volume, tiers: {up_to: 1}}
              z: {pricing: volume}
              w: {pricing: volume, tiers: [1.5, {unit_price: 1}]}
        """,
        [
            "config/pricing.yaml:5: Field 'price_books.b.skus.x.tiers' expected at least one tier",
            "config/pricing.yaml:6: Field 'price_books.b.skus.y.tiers' expected a list, found dict",
            "config/pricing.yaml:7: Missing field 'price_books.b.skus.z.tiers'; expected a list "
            "of tiers",
            "config/pricing.yaml:8: Field 'price_books.b.skus.w.tiers.0' expected a mapping, "
            "found '1.5'",
        ],
    ),
    "sku_shapes": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x: {unit_price: 1, tiers: [{unit_price: 1}]}
              y: {pricing: graduated, unit_price: 1, tiers: [{unit_price: 1}]}
              z: {pricing: tiered, unit_price: 1}
              u: {unit_price: 1, prise: 2, account: revenue}
              v: 2.49
              t: {}
        """,
        [
            "config/pricing.yaml:5: Field 'price_books.b.skus.x.tiers' needs 'pricing: "
            "graduated' or 'pricing: volume'; a flat SKU has one 'unit_price'",
            "config/pricing.yaml:6: Field 'price_books.b.skus.y.unit_price' is for flat "
            "pricing; a graduated SKU prices each of its 'tiers'",
            "config/pricing.yaml:7: Field 'price_books.b.skus.z.pricing' expected 'flat', "
            "'graduated' or 'volume', found 'tiered'",
            "config/pricing.yaml:8: Field 'price_books.b.skus.u.account' expected an account "
            "name like 'Assets:Bank', found 'revenue'",
            "config/pricing.yaml:8: Unknown field 'price_books.b.skus.u.prise'; expected one of "
            "'account', 'pricing', 'tiers', 'unit_price'",
            "config/pricing.yaml:9: Field 'price_books.b.skus.v' expected a mapping, found '2.49'",
            "config/pricing.yaml:10: Missing field 'price_books.b.skus.t.unit_price'; expected "
            "a non-negative decimal like 2.49",
        ],
    ),
    "numbers_that_are_not_exact_decimals": (
        """
        price_books:
          b:
            currency: USD
            skus:
              x: {unit_price: 0.12345678901234567}
              y: {unit_price: '0.12345678901234567'}
              z: {unit_price: 1e-3}
              u: {unit_price: .nan}
              v: {unit_price: true}
        """,
        [
            "config/pricing.yaml:5: Field 'price_books.b.skus.x.unit_price' expected a "
            "non-negative decimal like 2.49, found '0.12345678901234566'",
            "config/pricing.yaml:7: Field 'price_books.b.skus.z.unit_price' expected a "
            "non-negative decimal like 2.49, found '1e-3'",
            "config/pricing.yaml:8: Field 'price_books.b.skus.u.unit_price' expected a "
            "non-negative decimal like 2.49, found 'nan'",
            "config/pricing.yaml:9: Field 'price_books.b.skus.v.unit_price' expected a "
            "non-negative decimal like 2.49, found 'True'",
        ],
    ),
    "unknown_book_named": (
        """
        price_books:
          list-usd:
            currency: USD
            skus: {x: {unit_price: 1}}
        entities:
          US: list-usd
          EU: list-eur
        contracts:
          CTR-1:
            customer: CUS-1
            price_book: list-gbp
        """,
        [
            "config/pricing.yaml:7: Field 'entities.EU' expected a price book: 'list-usd', "
            "found 'list-eur'",
            "config/pricing.yaml:11: Field 'contracts.CTR-1.price_book' expected a price book: "
            "'list-usd', found 'list-gbp'",
        ],
    ),
    "contracts_of_one_customer_overlapping": (
        """
        price_books:
          b:
            currency: USD
            skus: {x: {unit_price: 1}}
        contracts:
          CTR-1:
            customer: CUS-1
            start: 2026-01-01
            end: 2026-12-31
          CTR-2:
            customer: CUS-2
            start: 2026-06-01
          CTR-3:
            customer: CUS-1
            start: 2026-12-01
          CTR-4:
            customer: CUS-1
            end: 2025-12-31
          CTR-5:
            customer: CUS-1
            end: 2026-01-31
        """,
        [
            "config/pricing.yaml:13: Contract 'CTR-3' of customer 'CUS-1' (2026-12-01 to open) "
            "overlaps contract 'CTR-1' (2026-01-01 to 2026-12-31); expected one contract per "
            "customer at a time",
            "config/pricing.yaml:19: Contract 'CTR-5' of customer 'CUS-1' (open to 2026-01-31) "
            "overlaps contract 'CTR-1' (2026-01-01 to 2026-12-31); expected one contract per "
            "customer at a time",
            "config/pricing.yaml:19: Contract 'CTR-5' of customer 'CUS-1' (open to 2026-01-31) "
            "overlaps contract 'CTR-4' (open to 2025-12-31); expected one contract per "
            "customer at a time",
        ],
    ),
    "contract_dates_not_whole_months": (
        """
        price_books:
          b:
            currency: USD
            skus: {x: {unit_price: 1}}
        contracts:
          CTR-1:
            customer: CUS-1
            start: 2026-01-15
            end: 2026-12-30
          CTR-2:
            customer: CUS-1
            start: 2026-07-01
            end: 2026-06-30
          CTR-3:
            start: '2026-01-01'
            end: soon
          CTR-4: [CUS-4]
          CTR-5: {customer: CUS-1}
        """,
        [
            "config/pricing.yaml:8: Field 'contracts.CTR-1.start' expected the first day of a "
            "month like 2026-01-01, found '2026-01-15'",
            "config/pricing.yaml:9: Field 'contracts.CTR-1.end' expected the last day of a "
            "month like 2026-12-31, found '2026-12-30'",
            "config/pricing.yaml:13: Field 'contracts.CTR-2.end' expected a date on or after "
            "start '2026-07-01', found '2026-06-30'",
            "config/pricing.yaml:14: Missing field 'contracts.CTR-3.customer'; expected a "
            "customer id like 'CUS-0016'",
            "config/pricing.yaml:16: Field 'contracts.CTR-3.end' expected the last day of a "
            "month like 2026-12-31, found 'soon'",
            "config/pricing.yaml:17: Field 'contracts.CTR-4' expected a mapping, found list",
        ],
    ),
    "minimums_and_overrides": (
        """
        price_books:
          b:
            currency: USD
            skus: {x: {unit_price: 1}}
          y:
            currency: JPY
            skus: {x: {unit_price: 1}}
        contracts:
          CTR-1:
            customer: CUS-1
            price_book: b
            minimum: {amount: 5000.005, shortfall: revenue}
          CTR-2:
            customer: CUS-2
            price_book: y
            minimum: {amount: 100.5, shortfall: revenue}
          CTR-3:
            customer: CUS-3
            minimum: {amount: -1, shortfall: yes, floor: 2}
          CTR-4:
            customer: CUS-4
            minimum: {amount: 100}
            prices: {x: {unit_price: -1}}
            discount: 5
        """,
        [
            "config/pricing.yaml:12: Field 'contracts.CTR-1.minimum.amount' expected an amount "
            "in USD with at most 2 decimals, found '5000.005'",
            "config/pricing.yaml:16: Field 'contracts.CTR-2.minimum.amount' expected an amount "
            "in JPY with at most 0 decimals, found '100.5'",
            "config/pricing.yaml:19: Unknown field 'contracts.CTR-3.minimum.floor'; expected "
            "one of 'amount', 'shortfall'",
            "config/pricing.yaml:19: Field 'contracts.CTR-3.minimum.amount' expected a "
            "non-negative amount like 5000.00, found '-1'",
            "config/pricing.yaml:19: Field 'contracts.CTR-3.minimum.shortfall' expected "
            "'revenue' or 'none', found 'True'",
            "config/pricing.yaml:22: Missing field 'contracts.CTR-4.minimum.shortfall'; "
            "expected 'revenue' or 'none'",
            "config/pricing.yaml:23: Field 'contracts.CTR-4.prices.x.unit_price' expected a "
            "non-negative decimal like 2.49, found '-1'",
            "config/pricing.yaml:24: Unknown field 'contracts.CTR-4.discount'; expected one of "
            "'customer', 'end', 'minimum', 'price_book', 'prices', 'start'",
        ],
    ),
    "top_level_fields": (
        """
        price_book:
          b: {currency: USD, skus: {x: {unit_price: 1}}}
        entities: [US]
        shortfall_account: minimums
        precision: {USD: 12}
        """,
        [
            "config/pricing.yaml:1: Unknown field 'price_book'; expected one of 'contracts', "
            "'entities', 'precision', 'price_books', 'shortfall_account'",
            "config/pricing.yaml:1: Missing field 'price_books'; expected a mapping of price books",
            "config/pricing.yaml:3: Field 'entities' expected a mapping, found list",
            "config/pricing.yaml:4: Field 'shortfall_account' expected an account name like "
            "'Assets:Bank', found 'minimums'",
            "config/pricing.yaml:5: Field 'precision' expected a mapping of currency to "
            "decimals 0 to 8, found dict",
        ],
    ),
    "price_books_not_a_mapping": (
        "price_books: [list-usd]\n",
        ["config/pricing.yaml:1: Field 'price_books' expected a mapping, found list"],
    ),
    "empty_file": (
        "",
        ["config/pricing.yaml:1: Missing field 'price_books'; expected a mapping of price books"],
    ),
    "invalid_yaml": (
        """
        price_books:
          b: {currency: USD
        """,
        ["config/pricing.yaml:3: Invalid YAML: did not find expected ',' or '}'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_a_mistake_in_the_pricing_is_reported_at_its_line(here: Path, case: str) -> None:
    text, expected = BAD_CONFIGS[case]
    assert failures(text) == expected


def test_quoted_decimals_dates_and_extra_currencies_are_accepted(here: Path) -> None:
    pricing = load(
        """
        price_books:
          credits:
            currency: XCR
            skus: {x: {unit_price: '0.12345678901234567'}}
        entities: {US: credits}
        contracts:
          CTR-1: {customer: CUS-1, start: '2026-01-01', end: '2026-12-31'}
        precision: {XCR: 4}
        """
    )
    # 3 x 0.12345678901234567 = 0.37037036703703701 -> 0.3704 XCR (4 decimals).
    rated = rate(pricing, {"x": "3"}, month=datetime.date(2026, 3, 1))
    assert (rated.contract, rated.total) == ("CTR-1", Decimal("0.3704"))


def test_equal_prices_are_written_alike_however_the_file_writes_them(here: Path) -> None:
    pricing = load(
        """
        price_books:
          b:
            currency: USD
            skus:
              x: {unit_price: '2.500'}
              y: {unit_price: 2.5}
              z: {pricing: volume, tiers: [{up_to: '1000.0', unit_price: '0.10'}, {unit_price: 0}]}
        entities: {US: b}
        """
    )
    rated = rate(pricing, {"x": "1", "y": "1", "z": "1000"})
    assert [(item.unit_price, item.tiers) for item in rated.lines] == [
        (Decimal("2.50"), None),
        (Decimal("2.50"), None),
        (None, "1000 @ 0.10"),
    ]
    assert [str(item.unit_price) for item in rated.lines[:2]] == ["2.50", "2.50"]


def test_an_empty_contracts_section_is_no_contracts(here: Path) -> None:
    pricing = load(BOOKS + "contracts:\n# CTR-1: {customer: CUS-1}\n")
    assert pricing.contracts == {}
