"""Made-up customer company names, drawn from word lists.

The names are plain ASCII without quotes or backslashes, so every writer can put
them in its format (Beancount strings, CSV cells) without escaping.
"""

from __future__ import annotations

import random

FIRST_WORDS: tuple[str, ...] = (
    "Acme", "Aether", "Alder", "Alpine", "Amber", "Anvil", "Apex", "Arbor", "Argon",
    "Ash", "Aspen", "Atlas", "Aurora", "Basalt", "Beacon", "Birch", "Bluefin", "Bolt",
    "Boreal", "Brightline", "Cairn", "Canyon", "Cedar", "Cinder", "Cobalt", "Comet",
    "Copper", "Coral", "Crescent", "Delta", "Drift", "Ember", "Falcon", "Fathom",
    "Fern", "Fjord", "Flint", "Gale", "Garnet", "Glacier", "Granite", "Harbor",
    "Hazel", "Helix", "Heron", "Horizon", "Indigo", "Iris", "Juniper", "Kite",
    "Lantern", "Larch", "Lumen", "Lynx", "Maple", "Meridian", "Mesa", "Nimbus",
    "Northwind", "Oak", "Onyx", "Orbit", "Osprey", "Pebble", "Pine", "Prism",
    "Quarry", "Quartz", "Raven", "Redwood", "Ridge", "River", "Saffron", "Sable",
    "Sierra", "Slate", "Solstice", "Spruce", "Summit", "Tidal", "Timber", "Topaz",
    "Tundra", "Vale", "Vector", "Willow", "Zenith", "Zephyr",
)  # fmt: skip

SECOND_WORDS: tuple[str, ...] = (
    "Analytics", "Animation", "Audio", "Bio", "Capital", "Cloud", "Commerce",
    "Compute", "Data", "Design", "Devices", "Diagnostics", "Dynamics", "Energy",
    "Films", "Foods", "Games", "Genomics", "Health", "Imaging", "Insights",
    "Interactive", "Learning", "Legal", "Logistics", "Machines", "Maps", "Media",
    "Medical", "Metrics", "Mobility", "Motion", "Networks", "Optics", "Pictures",
    "Pixels", "Quantum", "Research", "Retail", "Robotics", "Security", "Sensors",
    "Signals", "Software", "Sound", "Studios", "Systems", "Telematics", "Therapeutics",
    "Translate", "Travel", "Vision", "Voice", "Works",
)  # fmt: skip

SUFFIXES: tuple[str, ...] = (
    "", "AI", "Co", "Group", "Inc", "Labs", "Ltd", "GmbH", "BV", "SAS",
)  # fmt: skip


def _name_at(index: int) -> str:
    first, rest = divmod(index, len(SECOND_WORDS) * len(SUFFIXES))
    second, suffix = divmod(rest, len(SUFFIXES))
    parts = [FIRST_WORDS[first], SECOND_WORDS[second], SUFFIXES[suffix]]
    return " ".join(part for part in parts if part)


def company_names(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` distinct made-up company names in a deterministic random order.

    Args:
        rng: The random source; the names depend only on its state.
        count: How many names to return.

    Returns:
        The names. Beyond the size of the word lists, names repeat with a number
        appended so they stay distinct.
    """
    total = len(FIRST_WORDS) * len(SECOND_WORDS) * len(SUFFIXES)
    names = [_name_at(i) for i in rng.sample(range(total), min(count, total))]
    round_ = 2
    while len(names) < count:
        extra = rng.sample(range(total), min(count - len(names), total))
        names.extend(f"{_name_at(i)} {round_}" for i in extra)
        round_ += 1
    return names
