"""Kestrel AI's entities and price list: a GPU cloud plus a generative-media API.

The usage prices here are the metering's price books in ``config/pricing.yaml``
(a test checks they agree): the billing system bills what the usage importer
rates.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from demo.company import Entity, Product, Recognition, Stream

COMPANY_NAME = "Kestrel AI"

US = Entity("US", "Kestrel AI, Inc.", "USD", "Harbor National Bank")
EU = Entity("EU", "Kestrel AI B.V.", "EUR", "Noordzee Bank")
ENTITIES: tuple[Entity, ...] = (US, EU)


def _product(
    code: str,
    name: str,
    stream: Stream,
    recognition: Recognition,
    term_months: int,
    usd: int,
    eur: int,
) -> Product:
    return Product(code, name, stream, recognition, term_months, {"USD": usd, "EUR": eur})


SUB, COMMIT, SERVICES, USAGE, CREDITS = (
    Stream.SUBSCRIPTIONS,
    Stream.COMMITMENTS,
    Stream.SERVICES,
    Stream.USAGE,
    Stream.CREDITS,
)
RATABLE, POINT, ARREARS, PREPAID = (
    Recognition.RATABLE,
    Recognition.POINT,
    Recognition.ARREARS,
    Recognition.PREPAID,
)

# Media API plans, billed monthly in advance.
STARTER_MONTHLY = _product("starter-monthly", "Starter", SUB, RATABLE, 1, 4_900, 4_500)
TEAM_MONTHLY = _product("team-monthly", "Team", SUB, RATABLE, 1, 49_900, 45_900)
# Annual plans, billed upfront for the year.
TEAM_ANNUAL = _product("team-annual", "Team annual", SUB, RATABLE, 12, 1_200_000, 1_100_000)
ENTERPRISE_ANNUAL = _product(
    "enterprise-annual", "Enterprise annual", SUB, RATABLE, 12, 6_000_000, 5_500_000
)
# Reserved GPU capacity, prepaid for the whole term.
GPU_RESERVED_2Y = _product(
    "gpu-reserved-2y", "Reserved GPU capacity, 2 years", COMMIT, RATABLE, 24, 24_000_000, 22_000_000
)
GPU_RESERVED_3Y = _product(
    "gpu-reserved-3y", "Reserved GPU capacity, 3 years", COMMIT, RATABLE, 36, 36_000_000, 33_000_000
)
# One-off engagements, invoiced at signing and earned on delivery.
ONBOARDING = _product("onboarding", "Onboarding", SERVICES, POINT, 0, 1_500_000, 1_400_000)
FINE_TUNING = _product(
    "fine-tuning", "Fine-tuning engagement", SERVICES, POINT, 0, 4_000_000, 3_700_000
)
# On-demand GPU hours, billed monthly in arrears (price per hour).
GPU_HOURS = _product("gpu-hours", "On-demand GPU hours", USAGE, ARREARS, 0, 249, 229)
# Hourly price of usage above a reservation (the reservation contracts' price in
# config/pricing.yaml's `contracts`).
OVERAGE_PRICE: dict[str, int] = {"USD": 199, "EUR": 179}
# The media API's usage, billed monthly in arrears, priced by tiers (USAGE_TIERS).
IMAGE_GENERATIONS = _product("image-generations", "Image generations", USAGE, ARREARS, 0, 0, 0)
VIDEO_SECONDS = _product("video-seconds", "Generated video seconds", USAGE, ARREARS, 0, 0, 0)
# Prepaid GPU credit, sold in packs (one credit is one unit of currency) that
# usage draws down; unused credit expires 12 months after the invoice.
GPU_CREDITS = _product("gpu-credits", "Prepaid GPU credits", CREDITS, PREPAID, 12, 100, 100)

PRODUCTS: tuple[Product, ...] = (
    STARTER_MONTHLY,
    TEAM_MONTHLY,
    TEAM_ANNUAL,
    ENTERPRISE_ANNUAL,
    GPU_RESERVED_2Y,
    GPU_RESERVED_3Y,
    ONBOARDING,
    FINE_TUNING,
    GPU_HOURS,
    IMAGE_GENERATIONS,
    VIDEO_SECONDS,
    GPU_CREDITS,
)

# Tiered usage prices per unit, in major units, as config/pricing.yaml's price
# books: (pricing, ((up to units or None, price), ...)). Graduated: each tier
# prices the units within it; volume: the tier the month reaches prices all.
GRADUATED, VOLUME = "graduated", "volume"
Tiers = tuple[str, tuple[tuple[int | None, Decimal], ...]]
USAGE_TIERS: dict[tuple[str, str], Tiers] = {
    ("image-generations", "USD"): (
        GRADUATED,
        ((10_000, Decimal("0.020")), (100_000, Decimal("0.015")), (None, Decimal("0.010"))),
    ),
    ("image-generations", "EUR"): (
        GRADUATED,
        ((10_000, Decimal("0.018")), (100_000, Decimal("0.014")), (None, Decimal("0.009"))),
    ),
    ("video-seconds", "USD"): (
        VOLUME,
        ((3_600, Decimal("0.050")), (36_000, Decimal("0.040")), (None, Decimal("0.030"))),
    ),
    ("video-seconds", "EUR"): (
        VOLUME,
        ((3_600, Decimal("0.046")), (36_000, Decimal("0.037")), (None, Decimal("0.028"))),
    ),
}


def tiered_amount(sku: str, currency: str, quantity: int) -> int:
    """Return the price of a month's quantity of a tiered SKU, in minor units.

    Priced exactly and rounded once, half away from zero, to cents, as the
    usage importer rates it.
    """
    pricing, tiers = USAGE_TIERS[sku, currency]
    total = Decimal(0)
    below = 0
    for up_to, price in tiers:
        if pricing == VOLUME:
            if up_to is None or quantity <= up_to:
                total = price * quantity
                break
            continue
        top = quantity if up_to is None else min(quantity, up_to)
        if top > below:
            total += price * (top - below)
        if up_to is None or quantity <= up_to:
            break
        below = up_to
    return int((total * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# Opening cash per entity, in minor units.
OPENING_CASH: dict[str, int] = {"US": 25_000_000, "EU": 5_000_000}
