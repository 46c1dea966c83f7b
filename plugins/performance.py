"""Revenue of each performance obligation as it is satisfied (ASC 606 step 5).

An obligation's allocated consideration is recognized on its pattern with the
schedule rules of plugins.schedule: `ratable` spread over its period, `point`
at the month end of its delivery; none in a month before its directive.
Usage obligations are variable consideration (plugins.variable_consideration).

Contract modifications (ASC 606-10-25-10 to 25-13), each on its date `d`, in
date order; months before the month of `d` keep their revenue, and the month
of `d` takes the difference:

- `separate`: the added obligations and the added price are a contract of
  their own (distinct goods at their SSP, 25-12); nothing else changes.
- `prospective`: the consideration not yet recognized on the day before `d`,
  plus the added price, is allocated over what remains (the unrecognized part
  of each obligation, weighed by its SSP times the share of its period still
  to come, and the added obligations at their SSP), and each remainder is
  recognized from `d` to its end (25-13(a)).
- `catch-up`: the whole price, old and added, is allocated again over all the
  obligations by their SSPs and each one's revenue to date is restated at its
  progress, the difference recognized in the month of `d` (25-13(b)).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace

from plugins import allocation
from plugins.allocation import Claim
from plugins.obligations import (
    CATCH_UP,
    POINT,
    PROSPECTIVE,
    USAGE,
    ContractTerms,
    Modification,
    Obligation,
)
from plugins.schedule import Basis, Piece, at_point, elapsed, month_end, share, spread

_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Recognition:
    """Where an obligation stands: its consideration and how it is being recognized."""

    obligation: Obligation
    amount: int  # Allocated consideration, in minor units.
    fixed: int  # Recognized for the days before `since` (after a prospective change).
    since: datetime.date  # First day of the current stretch of the period.
    booked: datetime.date  # No revenue in a month before this day's.
    pieces: tuple[Piece, ...]  # The revenue schedule: (month end, minor units).
    ssp: int  # The SSP the obligation is weighed by when reallocated.


def _plan(state: Recognition, basis: Basis) -> list[Piece]:
    """Returns the full schedule of a state (cumulative from inception)."""
    ob = state.obligation
    assert ob.start is not None and ob.end is not None, ob
    if ob.pattern == POINT:
        return at_point(state.amount, ob.end, state.booked)
    rest = spread(state.amount - state.fixed, state.since, ob.end, state.booked, basis)
    return _merge([(month_end(state.booked), state.fixed), *rest]) if state.fixed else rest


def _merge(pieces: Sequence[Piece]) -> list[Piece]:
    totals: dict[datetime.date, int] = {}
    for date, units in pieces:
        totals[date] = totals.get(date, 0) + units
    return [(date, units) for date, units in sorted(totals.items()) if units]


def splice(old: Sequence[Piece], new: Sequence[Piece], month: datetime.date) -> tuple[Piece, ...]:
    """Returns `old` before `month`, then `new`, with the month taking the difference."""
    kept = [piece for piece in old if piece[0] < month]
    through = sum(units for date, units in new if date <= month) - sum(u for _, u in kept)
    later = [piece for piece in new if piece[0] > month]
    return tuple(_merge([*kept, (month, through), *later]))


def _start(ob: Obligation, amount: int, booked: datetime.date, basis: Basis) -> Recognition:
    assert ob.start is not None, ob
    state = Recognition(ob, amount, 0, ob.start, booked, (), ob.ssp or amount)
    return replace(state, pieces=tuple(_plan(state, basis)))


def _claims(obligations: Sequence[Obligation]) -> list[Claim]:
    return [Claim(ob.id, ob.ssp, ob.discount) for ob in obligations]


def schedules(terms: ContractTerms, basis: Basis) -> dict[str, Recognition]:
    """Returns the recognition of every fixed-price obligation of a contract.

    Raises:
      AllocationProblem: When the price (or a modification's) cannot be allocated.
    """
    fixed = [ob for ob in terms.obligations if ob.pattern != USAGE]
    parts = allocation.allocate(terms.price, _claims(fixed)) if fixed else {}
    states = {ob.id: _start(ob, parts[ob.id], ob.booked, basis) for ob in fixed}
    price = terms.price
    for change in terms.modifications:
        price += change.price
        states = _modified(states, change, price, basis)
    return states


def _modified(
    states: dict[str, Recognition], change: Modification, price: int, basis: Basis
) -> dict[str, Recognition]:
    added = [ob for ob in change.added if ob.pattern != USAGE]
    booked = change.date
    if change.method == PROSPECTIVE:
        return _prospective(states, added, change, basis)
    if change.method == CATCH_UP:
        everything = [state.obligation for state in states.values()] + added
        parts = allocation.allocate(price, _claims(everything))
        result = {}
        for ob_id, state in states.items():
            restated = replace(state, amount=parts[ob_id], fixed=0, booked=booked)
            assert state.obligation.start is not None
            restated = replace(restated, since=state.obligation.start)
            new = _plan(restated, basis)
            result[ob_id] = replace(restated, pieces=splice(state.pieces, new, month_end(booked)))
        for ob in added:
            result[ob.id] = _start(ob, parts[ob.id], max(ob.booked, booked), basis)
        return result
    parts = allocation.allocate(change.price, _claims(added)) if added else {}
    if not added and change.price:
        raise allocation.AllocationProblem(
            f"Modification '{change.id}' is a separate contract but adds no obligations "
            "for its price"
        )
    return {**states, **{ob.id: _start(ob, parts[ob.id], ob.booked, basis) for ob in added}}


def _remaining(state: Recognition, day: datetime.date, basis: Basis) -> tuple[int, int]:
    """Returns (consideration recognized for the days before `day`, SSP of what remains)."""
    ob = state.obligation
    assert ob.start is not None and ob.end is not None, ob
    before = day - _DAY
    if ob.pattern == POINT:
        return (state.amount, 0) if ob.end < day else (0, state.ssp)
    done = state.fixed + share(
        state.amount - state.fixed, elapsed(state.since, ob.end, before, basis)
    )
    left = state.ssp - share(state.ssp, elapsed(ob.start, ob.end, before, basis))
    return done, left


def _prospective(
    states: dict[str, Recognition], added: list[Obligation], change: Modification, basis: Basis
) -> dict[str, Recognition]:
    day = change.date
    pool = change.price
    claims = []
    done: dict[str, int] = {}
    for ob_id, state in states.items():
        done[ob_id], left = _remaining(state, day, basis)
        pool += state.amount - done[ob_id]
        if left > 0:
            claims.append(Claim(ob_id, left))
    claims += _claims(added)
    parts = allocation.allocate(pool, claims) if claims else {}
    result = dict(states)
    for ob_id, state in states.items():
        if ob_id not in parts:
            continue
        since = max(day, state.since)
        moved = replace(
            state,
            amount=done[ob_id] + parts[ob_id],
            fixed=done[ob_id],
            since=since,
            booked=max(day, state.booked),
        )
        if moved.obligation.pattern == POINT:
            moved = replace(moved, fixed=0)
        result[ob_id] = replace(
            moved, pieces=splice(state.pieces, _plan(moved, basis), month_end(day))
        )
    for ob in added:
        result[ob.id] = _start(ob, parts[ob.id], max(ob.booked, day), basis)
    return result
