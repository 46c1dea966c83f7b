"""Allocating a transaction price to performance obligations (ASC 606 step 4).

The price is allocated by relative standalone selling price (SSP,
ASC 606-10-32-31), so a contract's discount falls on every obligation in
proportion to its SSP, with three refinements:

- **Assigned discount** (606-10-32-37): an obligation whose `discount` the
  contract assigns to it is allocated its SSP less that discount; the rest of
  the price is allocated to the others by relative SSP.
- **Residual approach** (606-10-32-34(c)): one obligation whose SSP is highly
  variable or uncertain (`residual: TRUE`) is allocated what the price leaves
  after the others' SSPs (less their assigned discounts).
- **Rounding**: parts are rounded cumulatively in obligation id order
  (plugins.schedule.proportional), so they sum exactly to the price.

Worked example: a 12-month platform subscription (SSP 12,000.00) and
implementation services (SSP 3,000.00) sold for 13,500.00: the 1,500.00
discount is 10% of the SSPs, so platform 12,000 x 13,500 / 15,000 =
10,800.00 and implementation 2,700.00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plugins.schedule import proportional


@dataclass(frozen=True)
class Claim:
    """An obligation as the allocation sees it: its SSP and any assigned discount."""

    id: str
    ssp: int | None  # Minor units; None for the residual obligation.
    discount: int = 0  # Assigned to this obligation, in minor units.


class AllocationProblem(ValueError):
    """A contract whose price cannot be allocated as its directives say."""


def allocate(price: int, claims: Sequence[Claim]) -> dict[str, int]:
    """Returns the part of `price` allocated to each claim, summing exactly to `price`.

    Raises:
      AllocationProblem: With the reason (more than one residual obligation, a
        residual left with nothing, no SSP to weigh by, assigned discounts
        larger than the contract's discount).
    """
    ordered = sorted(claims, key=lambda claim: claim.id)
    if not ordered:
        raise AllocationProblem("Contract has no obligations to allocate its price to")
    residual = [claim for claim in ordered if claim.ssp is None]
    if len(residual) > 1:
        names = ", ".join(f"'{claim.id}'" for claim in residual)
        raise AllocationProblem(f"More than one residual obligation ({names}); expected one")
    standalone = sum(claim.ssp or 0 for claim in ordered)
    assigned = sum(claim.discount for claim in ordered)
    if residual:
        return _residual(price, ordered, residual[0])
    if assigned and assigned > standalone - price:
        raise AllocationProblem(
            "Assigned discounts exceed the contract's discount (its obligations' SSPs "
            "less its price); expected at most that discount"
        )
    fixed = {claim.id: (claim.ssp or 0) - claim.discount for claim in ordered if claim.discount}
    rest = [claim for claim in ordered if not claim.discount]
    remaining = price - sum(fixed.values())
    weights = [claim.ssp or 0 for claim in rest]
    if not rest or not any(weights):
        if remaining:
            raise AllocationProblem(
                "Assigned discounts leave part of the price with no obligation to allocate "
                "it to; expected them to add up to the contract's discount"
            )
        return {**fixed, **{claim.id: 0 for claim in rest}}
    parts = dict(zip((claim.id for claim in rest), proportional(remaining, weights), strict=True))
    return {claim.id: fixed.get(claim.id, parts.get(claim.id, 0)) for claim in ordered}


def _residual(price: int, ordered: list[Claim], residual: Claim) -> dict[str, int]:
    """The residual approach: every other obligation at its SSP less its assigned discount."""
    others = {
        claim.id: (claim.ssp or 0) - claim.discount for claim in ordered if claim is not residual
    }
    left = price - sum(others.values())
    if left <= 0:
        raise AllocationProblem(
            f"The residual approach leaves nothing for '{residual.id}': the price is not "
            "more than the other obligations' SSPs"
        )
    return {claim.id: others.get(claim.id, left) for claim in ordered}
