"""Rating: a customer's usage quantities for a month, priced by `config/pricing.yaml`.

Which prices apply: the customer's contract covering the month (its own price
book, or else the entity's; its `prices` replace the book's for the SKUs they
name), or, without a contract, the book of the customer's entity.

How a SKU line is priced, exactly, then rounded once:

- flat: quantity x unit price;
- graduated: each tier's units at that tier's price (1737 hours over tiers up
  to 1000 at 2.50 and above at 2.40 are `1000 @ 2.50 + 737 @ 2.40` = 4268.80);
- volume: every unit at the price of the tier the total reaches (a total equal
  to a tier's `up_to` is in that tier).

Every amount is exact until it is rounded, once, half away from zero, to the
currency's minor unit (`plugins.currency`): quantities, prices and tier bounds
are whole numbers at their scales (1737.500 is 1737500 at scale 3), so a line's
amount is an integer product (a few, over tiers), and `rounded` is the one
rounding of every line and minimum. A negative net quantity (adjustments
exceeding usage) is rated at the flat price; a tiered SKU has no price for it,
so it is a problem for the importer to report.

`rate_lines` rates the months of many customers at once, as columns: the
importer's hundred thousand lines are found their prices together, and the
flat ones priced in one NumPy expression (64-bit integers while every product
fits, Python's beyond). `rate` rates one month by it, so the two cannot
disagree.

A contract's monthly minimum: when the month's lines add up to less, the
difference is a shortfall, earned (`shortfall: revenue`) in the pricing's
`shortfall_account`, or left out (`shortfall: none`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import MAX_PREC, Context, Decimal, Inexact, InvalidOperation
from itertools import repeat
from typing import Any, NamedTuple, overload

import numpy as np

from importers.usage_pricing import (
    DEFAULT_ACCOUNT,
    FLAT,
    GRADUATED,
    REVENUE,
    Pricing,
    Sku,
    Terms,
    Tier,
)

# Products and sums of decimals, never rounded: a result that would be is a bug.
EXACT = Context(prec=MAX_PREC, traps=[Inexact, InvalidOperation])


class RatingError(ValueError):
    """Quantities that the pricing cannot rate (see `problems`); the importer reports them."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class RatedLine(NamedTuple):
    """One SKU's quantity for the month and its amount in the book's currency."""

    sku: str
    quantity: Decimal
    amount: Decimal
    account: str
    unit_price: Decimal | None  # Flat pricing.
    tiers: str | None  # Tiered pricing: the units at each price, `1000 @ 2.50 + 737 @ 2.40`.


class RatedMonth(NamedTuple):
    """A customer's usage month, rated: one line per SKU with usage, and any shortfall."""

    customer: str
    month: datetime.date  # The month's first day.
    currency: str
    price_book: str
    contract: str | None
    lines: tuple[RatedLine, ...]  # In the order the price book lists its SKUs.
    shortfall: Decimal  # Zero without a minimum, above it, or when the shortfall is not revenue.
    shortfall_account: str
    total: Decimal  # The lines plus the shortfall.


def unknown_skus(
    pricing: Pricing,
    customer: str,
    entity: str | None,
    month: datetime.date,
    skus: Iterable[str],
) -> tuple[str, ...]:
    """Returns the SKUs, in the order given, that no price book applying to the customer prices.

    Every SKU is unknown when no book applies (no contract naming one, and the
    entity has none).
    """
    terms = pricing.terms(customer, entity, month.replace(day=1))
    known = terms.skus if terms else {}
    return tuple(dict.fromkeys(sku for sku in skus if sku not in known))


def problems(
    pricing: Pricing,
    customer: str,
    entity: str | None,
    month: datetime.date,
    quantities: Mapping[str, Decimal],
) -> list[str]:
    """Returns why the month's quantities cannot be rated: none if they can."""
    first = month.replace(day=1)
    when = f"{first:%Y-%m}"
    terms = pricing.terms(customer, entity, first)
    if terms is None:
        return [
            f"Customer '{customer}' has no price book for {when}: no contract names one, and "
            f"entity '{entity or ''}' has none in 'entities'"
        ]
    found = [
        f"SKU '{sku}' has no price in price book '{terms.book.name}' (customer '{customer}', "
        f"{when})"
        for sku in unknown_skus(pricing, customer, entity, first, quantities)
    ]
    for sku, quantity in quantities.items():
        if sku in terms.skus and terms.skus[sku].pricing != FLAT and quantity < 0:
            found.append(
                f"Quantity '{quantity}' of SKU '{sku}' (customer '{customer}', {when}) is "
                f"negative; {terms.skus[sku].pricing} tiers price quantities of at least zero"
            )
    return found


@overload
def rounded(numerator: int, denominator: int) -> int: ...
@overload
def rounded(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray: ...
def rounded(numerator: Any, denominator: Any) -> Any:
    """Returns numerator / denominator (denominator above zero) rounded to a whole number,
    half away from zero: the one rounding of rating, of every line and minimum.

    Works on Python integers and, element by element, on NumPy arrays of them.
    """
    return (2 * abs(numerator) + denominator) // (2 * denominator) * (1 - 2 * (numerator < 0))


def minor_units(exact: Decimal, digits: int) -> int:
    """Returns an exact amount in the minor units of a currency of `digits` decimals, rounded."""
    numerator, denominator = exact.as_integer_ratio()
    unit: int = 10**digits
    return rounded(numerator * unit, denominator)


def amount(minor: int, digits: int) -> Decimal:
    """Returns an amount in minor units as a decimal with the currency's decimals (2.50, -0.01)."""
    return Decimal(f"{minor}E-{digits}")


def _decimals(number: Decimal) -> int:
    """Returns the decimals a number is written with: 0 for 1000, 2 for 2.50."""
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # Numbers are finite.
    return max(-exponent, 0)


def _scaled(number: Decimal, scale: int) -> int:
    """Returns number x 10**scale, a whole number (scale at least its decimals), exactly."""
    return int(EXACT.scaleb(number, scale))


def _shown_price(price: Decimal, digits: int) -> Decimal:
    """Returns a price with at least the currency's decimals (2.5 USD as 2.50)."""
    return price if _decimals(price) >= digits else price.quantize(Decimal(1).scaleb(-digits))


def _plain(values: np.ndarray, scale: int) -> list[str]:
    """Writes each of values / 10**scale (each at least zero) without trailing zeros or
    exponent: 737000 at scale 3 as `737`, 1500 as `1.5`, 0 as `0`."""
    unit = 10**scale
    whole = (values // unit).tolist()
    if not scale:
        return list(map(str, whole))
    fractions = map(format, (values % unit).tolist(), repeat(f"0{scale}d"))
    texts = map("{}.{}".format, whole, map(str.rstrip, fractions, repeat("0")))
    return list(map(str.rstrip, texts, repeat(".")))


class _Tiers:
    """A tiered SKU's tiers as integers: bounds at one scale, prices at another.

    For graduated pricing, also what the tiers below each one add up to: their
    units, their exact amount, and their pieces as text ending in ` + `.
    """

    def __init__(self, tiers: tuple[Tier, ...], graduated: bool, digits: int) -> None:
        bounded = [tier.up_to for tier in tiers if tier.up_to is not None]
        self.graduated = graduated
        self.scale = max(map(_decimals, bounded), default=0)  # Of the bounds.
        self.price_scale = max(_decimals(tier.unit_price) for tier in tiers)
        self.ups = [_scaled(up_to, self.scale) for up_to in bounded]
        self.prices = [_scaled(tier.unit_price, self.price_scale) for tier in tiers]
        self.shown = [str(_shown_price(tier.unit_price, digits)) for tier in tiers]
        self.below, self.base, self.pieces = [0], [0], [""]
        widths = [up_to - below for up_to, below in zip(self.ups, [0, *self.ups], strict=False)]
        written = _plain(np.array(widths, dtype=object), self.scale)
        # The bounded tiers: the last, open-ended, has a price but no width.
        for width, text, price, shown in zip(
            widths, written, self.prices, self.shown, strict=False
        ):
            self.base.append(self.base[-1] + width * price)
            self.pieces.append(f"{self.pieces[-1]}{text} @ {shown} + ")
            self.below.append(self.below[-1] + width)

    def rate(self, scaled: np.ndarray, scale: int, digits: int) -> tuple[list[int], list[str]]:
        """Rates quantities (at least zero) given x 10**scale: minor units, and the pieces."""
        common = max(scale, self.scale)  # Quantities and bounds at one scale.
        quantities = scaled.astype(object) * 10 ** (common - scale)
        rescale = 10 ** (common - self.scale)
        ups = np.array([up_to * rescale for up_to in self.ups], dtype=object)
        tier = np.searchsorted(ups, quantities, side="left")  # A total at a bound is in its tier.
        prices = np.array(self.prices, dtype=object)[tier]
        shown = list(map(self.shown.__getitem__, tier.tolist()))
        if self.graduated:
            units = quantities - np.array(self.below, dtype=object)[tier] * rescale
            exact = np.array(self.base, dtype=object)[tier] * rescale + units * prices
            before = list(map(self.pieces.__getitem__, tier.tolist()))
            texts = list(map("{}{} @ {}".format, before, _plain(units, common), shown))
        else:
            exact = quantities * prices
            texts = list(map("{} @ {}".format, _plain(quantities, common), shown))
        return rounded(exact * 10**digits, 10 ** (common + self.price_scale)).tolist(), texts


class PricedSku:
    """A SKU's price in a currency, ready to rate quantities (shared by the terms that have it).

    A flat price is kept as an exact fraction, scaled to minor units: a line's
    amount is then one integer product, rounded (`rounded`). A tiered SKU keeps
    its tiers as integers (`_Tiers`).
    """

    __slots__ = (
        "account",
        "currency",
        "denominator",
        "digits",
        "flat",
        "name",
        "numerator",
        "shown",
        "tiers",
    )

    def __init__(self, sku: Sku, currency: str, digits: int) -> None:
        self.name = sku.name
        self.currency = currency
        self.digits = digits
        self.account = sku.account or DEFAULT_ACCOUNT
        self.flat = sku.pricing == FLAT
        self.shown: Decimal | None = None  # A flat price, with at least the currency's decimals.
        self.numerator, self.denominator = 0, 1
        self.tiers: _Tiers | None = None
        if sku.unit_price is not None:
            numerator, self.denominator = sku.unit_price.as_integer_ratio()
            self.numerator = numerator * 10**digits
            self.shown = _shown_price(sku.unit_price, digits)
        else:
            self.tiers = _Tiers(sku.tiers, sku.pricing == GRADUATED, digits)


class Plan:
    """A month's terms ready to rate: each SKU's price, its place, and the minimum."""

    __slots__ = ("book", "contract", "currency", "digits", "minimum", "position", "skus")

    def __init__(
        self, terms: Terms, digits: int, prepared: dict[tuple[int, int], PricedSku]
    ) -> None:
        """Prepares the terms; `prepared` has the SKUs prepared so far, by SKU and digits."""
        self.digits = digits
        self.book = terms.book.name
        self.currency = terms.book.currency
        self.contract = terms.contract.name if terms.contract else None
        self.skus: dict[str, PricedSku] = {}
        for name, sku in terms.skus.items():
            key = (id(sku), digits)  # The terms, which the pricing keeps, keep their SKUs.
            if key not in prepared or prepared[key].currency != self.currency:
                prepared[key] = PricedSku(sku, self.currency, digits)
            self.skus[name] = prepared[key]
        self.position = {name: index for index, name in enumerate(terms.skus)}  # Book order.
        minimum = terms.contract.minimum if terms.contract else None
        # Only a shortfall that is revenue is booked; the minimum is rounded like an amount.
        self.minimum = None
        if minimum is not None and minimum.shortfall == REVENUE:
            self.minimum = minor_units(minimum.amount, digits)


class Lines(NamedTuple):
    """Many customers' usage in one month, line by line as columns: what `rate_lines` rates."""

    customers: Sequence[tuple[str, str | None]]  # Each customer's id and entity.
    ends: Sequence[int]  # Customer i's lines are ends[i - 1] (0 for the first) to ends[i].
    skus: Sequence[str]  # The SKUs the lines name.
    codes: np.ndarray  # Each line's SKU: an index of `skus`.
    scaled: Sequence[int]  # Each line's exact net quantity x 10**scale.
    scale: int


class Rated(NamedTuple):
    """A customer's rated month in `RatedLines`: its terms, its lines, its totals."""

    plan: Plan
    start: int  # Its lines are RatedLines.lines[start:end], in its book's order.
    end: int
    shortfall: int  # In minor units: zero without a minimum, or above it.
    total: int  # The lines plus the shortfall, in minor units.


class RatedLines(NamedTuple):
    """Many customers' months rated at once (`rate_lines`), line by line as columns."""

    months: list[Rated | None]  # By customer; None: it cannot be rated (`problems` says why).
    lines: list[int]  # The rated months' lines (indexes of `Lines`), each in its book's order.
    priced: list[PricedSku]  # Each line's SKU and its pricing.
    minor: list[int]  # Each line's amount in minor units.
    tiers: list[str | None]  # Each tiered line's pieces, `1000 @ 2.50 + 737 @ 2.40`.
    shortfall_account: str  # Where a shortfall is earned.


_LIMIT = 2**61  # Two products below it, and their sum, fit in 64-bit integers.


def rate_lines(pricing: Pricing, month: datetime.date, lines: Lines) -> RatedLines:
    """Rates the usage months of many customers: the bulk path of `rate`.

    Each price book's SKUs, with a contract's prices in place, are prepared
    once (`Plan`). A line's pricing is found by its terms and SKU for all lines
    at once; flat lines are then priced together, each an exact integer product
    in minor units rounded half away from zero (`rounded`), in 64-bit integers
    when they fit and in Python's otherwise; tiered lines are priced SKU by SKU
    (`_Tiers`), exactly, and rounded by the same rule. A month with a SKU that
    has no price, or a negative quantity of a tiered SKU, is not rated.
    """
    first = month.replace(day=1)
    plans: list[Plan] = []
    plan_of: list[int] = []  # Each customer's plan, -1 for none.
    by_terms: dict[int, int] = {}
    prepared: dict[tuple[int, int], PricedSku] = {}
    for customer, entity in lines.customers:
        terms = pricing.terms(customer, entity, first)
        index = -1 if terms is None else by_terms.get(id(terms), -1)
        if terms is not None and index < 0:
            index = by_terms[id(terms)] = len(plans)
            plans.append(Plan(terms, pricing.precision.digits(terms.book.currency), prepared))
        plan_of.append(index)
    sizes: np.ndarray = np.diff(np.asarray(lines.ends, dtype=np.int64), prepend=0)
    customer_of = np.repeat(np.arange(len(sizes)), sizes)
    # Each line's slot: its plan and SKU, of which there are few.
    count = max(len(lines.skus), 1)
    keys = np.asarray(plan_of, dtype=np.int64)[customer_of] * count + lines.codes
    slots, slot_of = np.unique(keys, return_inverse=True)
    priced: list[PricedSku | None] = []
    places: list[int] = []
    for key in slots.tolist():
        plan, name = (None, "") if key < 0 else (plans[key // count], lines.skus[key % count])
        priced.append(None if plan is None else plan.skus.get(name))
        places.append(0 if plan is None else plan.position.get(name, 0))
    known = np.array([sku is not None for sku in priced], dtype=bool)
    flat = np.array([sku is not None and sku.flat for sku in priced], dtype=bool)
    position = np.array(places, dtype=np.int64)
    quantities = _integers(lines.scaled)
    bad = ~known[slot_of] | (~flat[slot_of] & (quantities < 0))
    unrated = np.bincount(customer_of[bad], minlength=len(sizes)) > 0
    unrated |= np.asarray(plan_of, dtype=np.int64) < 0
    order = np.lexsort((position[slot_of], customer_of))
    order = order[~unrated[customer_of[order]]]
    slot_of = slot_of[order]
    quantities = quantities[order]
    minor = np.zeros(len(order), dtype=object)
    tiers: list[str | None] = [None] * len(order)
    is_flat = flat[slot_of]
    at = np.flatnonzero(is_flat)
    numerators = [0 if sku is None else sku.numerator for sku in priced]
    denominators = [1 if sku is None else sku.denominator for sku in priced]
    minor[at] = _flat(quantities[at], slot_of[at], numerators, denominators, lines.scale)
    # Tiered lines, SKU by SKU (a SKU in several terms is one).
    shared = {id(sku): index for index, sku in enumerate(priced) if sku is not None}
    same = np.array([shared.get(id(sku), 0) for sku in priced], dtype=np.int64)
    at = np.flatnonzero(~is_flat)
    by_sku = at[np.argsort(same[slot_of[at]], kind="stable")]
    groups, starts = np.unique(same[slot_of[by_sku]], return_index=True)
    for slot, group in zip(groups.tolist(), np.split(by_sku, starts[1:]), strict=False):
        sku = priced[slot]
        assert sku is not None and sku.tiers is not None
        amounts, pieces = sku.tiers.rate(quantities[group], lines.scale, sku.digits)
        minor[group] = amounts
        for index, text in zip(group.tolist(), pieces, strict=True):
            tiers[index] = text
    minors = minor.tolist()
    months: list[Rated | None] = []
    start = 0
    for index, size in enumerate(sizes.tolist()):
        if unrated[index]:
            months.append(None)
            continue
        plan = plans[plan_of[index]]
        total = sum(minors[start : start + size])
        shortfall = 0 if plan.minimum is None else max(plan.minimum - total, 0)
        months.append(Rated(plan, start, start + size, shortfall, total + shortfall))
        start += size
    found = [sku for sku in map(priced.__getitem__, slot_of.tolist()) if sku is not None]
    return RatedLines(months, order.tolist(), found, minors, tiers, pricing.shortfall_account)


def _integers(values: Sequence[int]) -> np.ndarray:
    """Returns integers as a NumPy array: 64-bit if they fit, else of Python's integers."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def _flat(
    quantities: np.ndarray,
    slots: np.ndarray,
    numerators: list[int],
    denominators: list[int],
    scale: int,
) -> np.ndarray:
    """Returns the flat lines' amounts in minor units: quantity x price, rounded once.

    A price is numerator / denominator minor units per unit; a quantity is
    given x 10**scale. In 64-bit integers when every product fits.
    """
    largest = max(map(abs, numerators), default=0)
    widest = max(denominators, default=1) * 10**scale
    most = int(abs(quantities).max()) if len(quantities) else 0
    fits = largest < _LIMIT and most * largest < _LIMIT and widest < _LIMIT  # zero quantities too
    if fits and quantities.dtype != object:
        price = np.array(numerators, dtype=np.int64)[slots]
        per = np.array(denominators, dtype=np.int64)[slots] * 10**scale
    else:
        quantities = quantities.astype(object)
        price = np.array(numerators, dtype=object)[slots]
        per = np.array(denominators, dtype=object)[slots] * 10**scale
    amounts: np.ndarray = rounded(quantities * price, per)
    return amounts


def rate(
    pricing: Pricing,
    customer: str,
    entity: str | None,
    month: datetime.date,
    quantities: Mapping[str, Decimal],
) -> RatedMonth:
    """Rates a customer's usage quantities (SKU -> exact net quantity) for the month of `month`.

    A SKU appears as a line when it is in `quantities`, even with quantity zero.
    The month is rated by `rate_lines`, as one of many would be.

    Raises:
      RatingError: With every `problems` message, if there are any.
    """
    first = month.replace(day=1)
    skus, numbers = list(quantities), list(quantities.values())
    scale = max(map(_decimals, numbers), default=0)
    scaled = [_scaled(number, scale) for number in numbers]
    codes = np.arange(len(skus), dtype=np.int64)
    lines = Lines([(customer, entity)], [len(skus)], skus, codes, scaled, scale)
    rated = rate_lines(pricing, first, lines)
    (found,) = rated.months
    if found is None:
        raise RatingError(problems(pricing, customer, entity, month, quantities))
    digits = found.plan.digits
    return RatedMonth(
        customer,
        first,
        found.plan.currency,
        found.plan.book,
        found.plan.contract,
        tuple(
            RatedLine(sku.name, numbers[line], amount(minor, digits), sku.account, sku.shown, text)
            for line, sku, minor, text in zip(
                rated.lines, rated.priced, rated.minor, rated.tiers, strict=True
            )
        ),
        amount(found.shortfall, digits),
        pricing.shortfall_account,
        amount(found.total, digits),
    )
