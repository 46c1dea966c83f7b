"""The bounded subset search of steps 4 and 5 (`plugins.cash_matching`).

Which of a few amounts sum exactly to a target: a receipt's several
invoices (step 4) or an invoice's several receipts (step 5). The search
meets in the middle, so the work is bounded by the number of amounts read
(the matcher's `candidates`), not by the size of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


def subset_with_sum(values: Sequence[int], target: int, least: int = 1) -> tuple[int, ...] | None:
    """Returns the indices of values that sum exactly to `target`, or None.

    Meets in the middle: the sums of every subset of each half (2^(n/2) each)
    are paired through a dictionary. Of all exact subsets of at least `least`
    values, the one whose sorted indices come first is returned, so the
    earliest values are preferred.
    """
    if target <= 0 or len(values) < least or sum(values) < target:
        return None
    half = len(values) // 2
    left = _sums(values[:half], 0)
    right: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for total, indices in _sums(values[half:], half):
        right[total].append(indices)
    found = [
        first + second
        for total, first in left
        for second in right.get(target - total, ())
        if len(first) + len(second) >= least
    ]
    return min(found) if found else None


def _sums(values: Sequence[int], offset: int) -> list[tuple[int, tuple[int, ...]]]:
    sums: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    for index, value in enumerate(values):
        sums += [(total + value, (*indices, offset + index)) for total, indices in sums]
    return sums
