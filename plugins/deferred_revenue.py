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
and Fava lead from a release back to its invoice.
"""

from __future__ import annotations

import datetime
import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data

from plugins import deferred_lines, generated, meta, revenue_policy, schedule
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
    lines, errors = deferred_lines.read(entries, policy)
    if policy.detail == revenue_policy.DETAIL_SUMMARY:
        releases = summarized_releases(lines, policy)
    else:
        # Building a release a month per line allocates many small objects that
        # hold no cycles; the cyclic collector's passes over them cost more
        # than the building itself.
        collecting = gc.isenabled()
        gc.disable()
        try:
            releases = line_releases(lines, policy)
        finally:
            if collecting:
                gc.enable()
    return [*entries, *releases], list(errors)


def line_releases(lines: Sequence[DeferredLine], policy: RevenuePolicy) -> list[data.Transaction]:
    """Returns one release per line per month, linked to the line's invoice."""
    releases = []
    for line in lines:
        source = line.entry
        located = source.postings[line.position - 1].meta or source.meta
        extra: dict[str, Any] = {meta.SOURCE: line.source, meta.SOURCE_LINE: Decimal(line.position)}
        customer = source.meta.get(meta.CUSTOMER)
        if customer is not None:
            extra[meta.CUSTOMER] = customer
        narration = f"Revenue recognition {line.source}"
        for date, units in deferred_lines.pieces(line, policy):
            postings = generated.transfer(
                line.deferred_account,
                line.revenue_account,
                -units,
                line.currency,
                policy.precision,
            )
            releases.append(
                generated.transaction(
                    located,
                    GENERATOR,
                    date,
                    narration,
                    _TAGS,
                    source.links,
                    postings,
                    payee=source.payee,
                    extra=extra,
                )
            )
    return releases


def _summed_pieces(
    lines: Sequence[DeferredLine], policy: RevenuePolicy
) -> Iterator[tuple[tuple[str, str, str], datetime.date, int, int]]:
    """Yields (account pair and currency, month end, units, pieces) summed over lines.

    Ratable lines on the daily basis that share a period, a booking month and
    accounts are spread together, all at once (schedule.spread_daily_many);
    this runs at every load over every line of the books.
    """
    together: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for line in lines:
        group = (line.deferred_account, line.revenue_account, line.currency)
        if line.method == deferred_lines.RATABLE and policy.basis is schedule.Basis.DAILY:
            key = (group, line.start, line.end, schedule.month_end(line.booked))
            together[key].append(line.amount)
            continue
        for date, units in deferred_lines.pieces(line, policy):
            yield group, date, units, 1
    for (group, start, end, first_due), amounts in together.items():
        for date, units, pieces in schedule.spread_daily_many(amounts, start, end, first_due):
            yield group, date, units, pieces


def summarized_releases(
    lines: Sequence[DeferredLine], policy: RevenuePolicy
) -> list[data.Transaction]:
    """Returns one release per month per account pair, summing every line's piece."""
    totals: dict[tuple[datetime.date, str, str], dict[str, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    counts: dict[tuple[datetime.date, str, str], int] = defaultdict(int)
    for (deferred, revenue, currency), date, units, pieces in _summed_pieces(lines, policy):
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
