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

Products and sums are exact decimals; each line's amount is rounded once, half
away from zero, to the currency's minor unit (`plugins.currency`). A negative
net quantity (adjustments exceeding usage) is rated at the flat price; a
tiered SKU has no price for it, so it is a problem for the importer to report.

A contract's monthly minimum: when the month's lines add up to less, the
difference is a shortfall, earned (`shortfall: revenue`) in the pricing's
`shortfall_account`, or left out (`shortfall: none`).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation
from typing import NamedTuple

from importers.usage_pricing import (
    DEFAULT_ACCOUNT,
    FLAT,
    GRADUATED,
    REVENUE,
    Contract,
    Pricing,
    Sku,
    Terms,
    Tier,
)

# Products and sums of decimals, never rounded: a result that would be is a bug.
_EXACT = Context(prec=MAX_PREC, traps=[Inexact, InvalidOperation])
# Decimal's ROUND_HALF_UP is half away from zero (-0.005 becomes -0.01).
_ROUNDING = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
# A currency's minor unit and zero, by its number of decimals (0 to 8).
_UNITS = {digits: Decimal(1).scaleb(-digits) for digits in range(9)}
_ZEROS = {digits: Decimal(0).scaleb(-digits) for digits in range(9)}


class RatingError(ValueError):
    """Quantities that the pricing cannot rate (see `problems`); the importer reports them."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class RatedLine(NamedTuple):
    """One SKU's quantity for the month and its amount in the book's currency.

    Rated lines and months are named tuples rather than dataclasses: an import
    rates millions of them, and a tuple is built several times faster.
    """

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


def _plain(number: Decimal) -> str:
    """Writes a quantity without trailing zeros or exponent: `737.000` as `737`."""
    return f"{number.normalize():f}" if number else "0"


@functools.lru_cache(maxsize=4096)  # Prices are canonical (`usage_pricing.decimal`).
def _shown_price(price: Decimal, digits: int) -> Decimal:
    """Returns a price with at least the currency's decimals (2.5 USD as 2.50)."""
    exponent = price.as_tuple().exponent
    assert isinstance(exponent, int)  # Prices are finite.
    return price if -exponent >= digits else price.quantize(Decimal(1).scaleb(-digits))


@functools.lru_cache(maxsize=1024)
def _steps(tiers: tuple[Tier, ...], digits: int) -> tuple[tuple[Tier, Decimal, Decimal, str], ...]:
    """Returns, for each graduated tier, what the tiers below it add up to.

    Each step is (tier, units below it, their exact amount, their pieces as text
    ending in ` + `), computed once per SKU: a quantity then needs one product.
    """
    steps = []
    below, amount, text = Decimal(0), Decimal(0), ""
    for tier in tiers:
        steps.append((tier, below, amount, text))
        if tier.up_to is not None:
            width = _EXACT.subtract(tier.up_to, below)
            amount = _EXACT.add(amount, _EXACT.multiply(width, tier.unit_price))
            text += f"{_plain(width)} @ {_shown_price(tier.unit_price, digits)} + "
            below = tier.up_to
    return tuple(steps)


def _graduated(quantity: Decimal, tiers: tuple[Tier, ...], digits: int) -> tuple[Decimal, str]:
    """Returns the exact amount of each tier's units at its price, and the pieces as text."""
    for tier, below, amount, text in _steps(tiers, digits):
        if tier.up_to is None or quantity <= tier.up_to:
            units = _EXACT.subtract(quantity, below)
            exact = _EXACT.add(amount, _EXACT.multiply(units, tier.unit_price))
            return exact, f"{text}{_plain(units)} @ {_shown_price(tier.unit_price, digits)}"
    raise AssertionError("The last tier is open-ended (`usage_pricing`).")


def _volume(quantity: Decimal, tiers: tuple[Tier, ...], digits: int) -> tuple[Decimal, str]:
    """Returns the exact amount of all units at the price of the tier the total reaches."""
    price = next(tier for tier in tiers if tier.up_to is None or quantity <= tier.up_to).unit_price
    exact = _EXACT.multiply(quantity, price)
    return exact, f"{_plain(quantity)} @ {_shown_price(price, digits)}"


def _line(sku: Sku, quantity: Decimal, digits: int) -> RatedLine:
    """Rates one SKU's quantity: exact amount, rounded once."""
    account = sku.account or DEFAULT_ACCOUNT
    if sku.pricing == FLAT:
        assert sku.unit_price is not None  # Flat SKUs have a price (`usage_pricing`).
        exact = _EXACT.multiply(quantity, sku.unit_price)
        amount = exact.quantize(_UNITS[digits], context=_ROUNDING)
        price = _shown_price(sku.unit_price, digits)
        return RatedLine(sku.name, quantity, amount, account, price, None)
    tiered = _graduated if sku.pricing == GRADUATED else _volume
    exact, tiers = tiered(quantity, sku.tiers, digits)
    amount = exact.quantize(_UNITS[digits], context=_ROUNDING)
    return RatedLine(sku.name, quantity, amount, account, None, tiers)


def _shortfall(contract: Contract | None, rated: Decimal, digits: int) -> Decimal:
    """Returns the minimum's shortfall that is revenue, at the currency's precision."""
    zero = _ZEROS[digits]
    if contract is None or contract.minimum is None or contract.minimum.shortfall != REVENUE:
        return zero
    minimum = contract.minimum.amount.quantize(_UNITS[digits], context=_ROUNDING)
    return max(_EXACT.subtract(minimum, rated), zero)


def _ratable(terms: Terms, quantities: Mapping[str, Decimal]) -> bool:
    """Returns whether every quantity has a price (the quick test before `problems`)."""
    skus = terms.skus
    return all(
        sku in skus and (quantity >= 0 or skus[sku].pricing == FLAT)
        for sku, quantity in quantities.items()
    )


def rate(
    pricing: Pricing,
    customer: str,
    entity: str | None,
    month: datetime.date,
    quantities: Mapping[str, Decimal],
) -> RatedMonth:
    """Rates a customer's usage quantities (SKU -> exact net quantity) for the month of `month`.

    A SKU appears as a line when it is in `quantities`, even with quantity zero.

    Raises:
      RatingError: With every `problems` message, if there are any.
    """
    first = month.replace(day=1)
    terms = pricing.terms(customer, entity, first)
    if terms is None or not _ratable(terms, quantities):
        raise RatingError(problems(pricing, customer, entity, month, quantities))
    currency = terms.book.currency
    digits = pricing.precision.digits(currency)
    lines = tuple(
        _line(sku, quantities[name], digits)
        for name, sku in terms.skus.items()
        if name in quantities
    )
    rated = _ZEROS[digits]
    for line in lines:
        rated = _EXACT.add(rated, line.amount)
    shortfall = _shortfall(terms.contract, rated, digits)
    return RatedMonth(
        customer,
        first,
        currency,
        terms.book.name,
        terms.contract.name if terms.contract else None,
        lines,
        shortfall,
        pricing.shortfall_account,
        _EXACT.add(rated, shortfall),
    )
