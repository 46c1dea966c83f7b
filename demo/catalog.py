"""Kestrel AI's entities and price list: a GPU cloud plus a generative-media API."""

from __future__ import annotations

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


SUB, COMMIT, SERVICES, USAGE = (
    Stream.SUBSCRIPTIONS,
    Stream.COMMITMENTS,
    Stream.SERVICES,
    Stream.USAGE,
)
RATABLE, POINT, ARREARS = Recognition.RATABLE, Recognition.POINT, Recognition.ARREARS

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
# Hourly price of usage above a reservation.
OVERAGE_PRICE: dict[str, int] = {"USD": 199, "EUR": 179}

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
)

# Opening cash per entity, in minor units.
OPENING_CASH: dict[str, int] = {"US": 25_000_000, "EU": 5_000_000}
