"""Metered usage in the demo: prepaid credit drawn down by usage, as the books draw it.

The billing system bills a usage month what prepaid credit does not cover, so
the demo draws credit the way ``plugins.usage_revenue`` does at the month's
accrual (the month's last day): from the customer's live credit (granted on or
before that day, expiring on or after it), first to expire first; on a tie
promotional credit first, then the older grant. What is left of a paid grant
after its expiry day is breakage, which the plugin books; the demo only stops
drawing it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass
class _Grant:
    granted: datetime.date
    expires: datetime.date
    left: int
    promotional: bool
    seq: int


class Wallet:
    """One customer's prepaid credit, in minor units of the customer's currency."""

    def __init__(self) -> None:
        self._grants: list[_Grant] = []

    def grant(
        self, day: datetime.date, expires: datetime.date, amount: int, promotional: bool = False
    ) -> None:
        """Add credit usable from ``day`` through ``expires``."""
        self._grants.append(_Grant(day, expires, amount, promotional, len(self._grants)))

    def _live(self, day: datetime.date) -> list[_Grant]:
        live = [g for g in self._grants if g.granted <= day <= g.expires and g.left > 0]
        return sorted(live, key=lambda g: (g.expires, not g.promotional, g.granted, g.seq))

    def available(self, day: datetime.date) -> int:
        """Return the credit the customer can use on ``day``."""
        return sum(grant.left for grant in self._live(day))

    def draw(self, day: datetime.date, amount: int) -> int:
        """Draw up to ``amount`` of the credit live on ``day``; return what was drawn."""
        drawn = 0
        for grant in self._live(day):
            take = min(grant.left, amount - drawn)
            grant.left -= take
            drawn += take
            if drawn == amount:
                break
        return drawn
