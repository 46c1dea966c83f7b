"""Releases deferred revenue into revenue as it is earned (ASC 606).

Every line billed before it is earned (a posting to a deferred revenue account
with a service period) is released into the revenue account with the same
suffix, month by month, under the six recognition rules of DESIGN.md. Before:

    plugin "plugins.deferred_revenue" "../config/revenue.yaml"

    2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable                 310.00 USD
      Liabilities:DeferredRevenue:Subscriptions  -310.00 USD
        service_start: 2026-01-15
        service_end: 2026-02-14

After (detail level `line`, the default), two generated entries:

    2026-01-31 * "Acme" "Revenue recognition INV-1" #revenue-recognition ^INV-1
      customer: "CUS-1"
      revclose_generated_by: "deferred_revenue"
      revclose_source: "INV-1"
      revclose_line: 2
      Liabilities:DeferredRevenue:Subscriptions   170.00 USD
      Income:Revenue:Subscriptions               -170.00 USD

    2026-02-28 * "Acme" "Revenue recognition INV-1" #revenue-recognition ^INV-1
      ...
      Liabilities:DeferredRevenue:Subscriptions   140.00 USD
      Income:Revenue:Subscriptions               -140.00 USD

(17 of 31 days fall in January.) At detail level `summary` the plugin writes one
entry per month per account pair instead, with the same balances. Generated
entries point at the line they release (file and line number), so bean-check
and Fava lead from a release back to its invoice. With `horizon: books` in the
policy, no release is dated after the month end of the books' latest typed
transaction (deferred_lines.horizon); the months before are unchanged.
"""

from __future__ import annotations

import datetime
import gc
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from plugins import deferred_lines, generated, meta, revenue_policy
from plugins.deferred_lines import DeferredLine
from plugins.revenue_policy import RevenuePolicy

__plugins__ = ("deferred_revenue",)

GENERATOR = "deferred_revenue"
_TAGS = frozenset({meta.TAG_REVENUE_RECOGNITION})


def deferred_revenue(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds the release entries of every deferred line.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the revenue policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the releases added, and the errors found. A bad policy
      returns the entries unchanged.
    """
    policy, policy_errors = revenue_policy.load(config, options_map)
    if policy_errors:
        return entries, policy_errors
    # Reading the lines and building releases allocate many small objects that
    # hold no cycles; the cyclic collector's passes over them (and over the
    # whole ledger, when they trigger a full collection) cost more than the
    # work itself.
    collecting = gc.isenabled()
    gc.disable()
    try:
        reading = deferred_lines.read_books(entries, policy)
        through = deferred_lines.horizon(reading, policy)
        if policy.detail == revenue_policy.DETAIL_SUMMARY:
            releases = summarized_releases(reading.lines, policy, through)
        else:
            releases = line_releases(reading.lines, policy, through)
    finally:
        if collecting:
            gc.enable()
    return [*entries, *releases], list(reading.errors)


def _located(line: DeferredLine) -> dict[str, Any]:
    """Returns the metadata locating a line's releases: its posting's, else its entry's."""
    return line.entry.postings[line.position - 1].meta or line.entry.meta


def _line_number(line: DeferredLine) -> int:
    return int(_located(line).get("lineno") or 0)


def line_releases(
    lines: Sequence[DeferredLine], policy: RevenuePolicy, through: datetime.date | None = None
) -> list[data.Transaction]:
    """Returns one release per line per month, linked to the line's invoice.

    Releases are built and returned in Beancount's order (month end, then
    line number), the order it sorts the entries into after every plugin. A
    sorted run a month merges into the books faster than a short run per
    line; and objects built in the order the ledger lists them sit in memory
    in that order, so each later pass over the ledger (Python's cyclic
    collector's above all, which walks every entry more than once) reads
    memory in sequence: building them line by line made the collector's
    passes three times slower.

    Args:
      through: If given, no release is dated after it (see deferred_lines.horizon).
    """
    # What every release of a line shares, and its pieces month by month.
    by_month: dict[datetime.date, list[tuple[tuple[Any, ...], int]]] = {}
    exponents: dict[str, int] = {}
    # Per currency, the two amounts of each piece (+units, -units): amounts are
    # immutable values, and pieces repeat (a line's months of equal length, the
    # lines of one price), so one pair serves every release of a piece.
    amounts: dict[str, dict[int, tuple[Amount, Amount]]] = {}
    for line in sorted(lines, key=_line_number):
        pieces = deferred_lines.pieces(line, policy)
        if through is not None:
            pieces = [piece for piece in pieces if piece[0] <= through]
        if not pieces:
            continue
        source, located = line.entry, _located(line)
        # generated.transaction's keys, in its order; copied per release.
        base: dict[str, Any] = {
            "filename": located.get("filename", f"<{GENERATOR}>"),
            "lineno": located.get("lineno", 0),
            meta.GENERATED_BY: GENERATOR,
            meta.SOURCE: line.source,
            meta.SOURCE_LINE: Decimal(line.position),
        }
        customer = source.meta.get(meta.CUSTOMER)
        if customer is not None:
            base[meta.CUSTOMER] = customer
        exponent = exponents.get(line.currency)
        if exponent is None:  # Precision.from_minor, once per currency
            exponent = exponents[line.currency] = -policy.precision.digits(line.currency)
            amounts[line.currency] = {}
        shared = (
            base, source.payee, f"Revenue recognition {line.source}", source.links,
            line.deferred_account, line.revenue_account, line.currency, exponent,
            amounts[line.currency],
        )  # fmt: skip
        for date, units in pieces:
            month = by_month.get(date)
            if month is None:
                month = by_month[date] = []
            month.append((shared, units))
    # Beancount's entries are named tuples: built as `_make` builds them
    # (tuple.__new__), which skips Amount's type assertions, met here by
    # construction. Half the cost of a release was its constructors.
    new = tuple.__new__
    transaction, posting, amount = data.Transaction, data.Posting, Amount
    releases: list[data.Transaction] = []
    append = releases.append
    for date in sorted(by_month):
        for shared, units in by_month[date]:
            base, payee, narration, links, deferred, revenue, currency, exponent, pairs = shared
            pair = pairs.get(units)
            if pair is None:
                number = Decimal(-units).scaleb(exponent)
                pair = pairs[units] = (
                    new(amount, (number, currency)),
                    new(amount, (-number, currency)),
                )
            postings = [
                new(posting, (deferred, pair[0], None, None, None, None)),
                new(posting, (revenue, pair[1], None, None, None, None)),
            ]
            append(
                new(
                    transaction,
                    (base.copy(), date, "*", payee, narration, _TAGS, links, postings),
                )
            )
    return releases


def summarized_releases(
    lines: Sequence[DeferredLine], policy: RevenuePolicy, through: datetime.date | None = None
) -> list[data.Transaction]:
    """Returns one release per month per account pair, summing every line's piece.

    Args:
      through: If given, no release is dated after it (see deferred_lines.horizon).
    """
    totals: dict[tuple[datetime.date, str, str], dict[str, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    counts: dict[tuple[datetime.date, str, str], int] = defaultdict(int)
    for (deferred, revenue, currency), date, units, pieces in deferred_lines.summed_pieces(
        lines, policy, through
    ):
        totals[(date, deferred, revenue)][currency] += units
        counts[(date, deferred, revenue)] += pieces
    releases = []
    for key in sorted(totals):
        date, deferred, revenue = key
        postings = [
            posting
            for currency, units in sorted(totals[key].items())
            if units
            for posting in generated.transfer(deferred, revenue, -units, currency, policy.precision)
        ]
        if postings:
            narration = f"Revenue recognition {deferred} to {revenue} ({counts[key]} pieces)"
            releases.append(
                generated.transaction(
                    {},
                    GENERATOR,
                    date,
                    narration,
                    _TAGS,
                    data.EMPTY_SET,
                    postings,
                    extra={meta.LINE_COUNT: Decimal(counts[key])},
                )
            )
    return releases
