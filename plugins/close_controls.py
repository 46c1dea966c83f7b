"""Close controls as bean-check errors: period locks, tie-outs and hygiene.

Put it after the other plugins, so it sees what they generate:

    plugin "plugins.deferred_revenue" "../config/revenue.yaml"
    plugin "plugins.commissions" "../config/commissions.yaml"
    plugin "plugins.close_controls" "../config/close.yaml"

Every control is an error naming the entry to fix (see plugins.period_lock,
plugins.tie_outs and plugins.hygiene). The plugin adds no entries.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from beancount.core import data

from plugins import (
    ar_policy,
    close_policy,
    commission_policy,
    hygiene,
    period_lock,
    revenue_policy,
    tie_outs,
    usage_accruals,
)
from plugins import policy as policy_files
from plugins.close_policy import ClosePolicy

__plugins__ = ("close_controls",)


class CloseControlError(NamedTuple):
    """A failed close control; `source` points at the entry to fix."""

    source: dict[str, Any]
    message: str
    entry: Any


def close_controls(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Checks the close controls; returns the entries unchanged and the failures."""
    policy, errors = close_policy.load(config, options_map)
    if errors:
        return entries, errors
    uses_revenue, revenue_config = policy_files.plugin_line(options_map, "plugins.deferred_revenue")
    revenue, _ = revenue_policy.load(revenue_config, options_map)
    findings = sealed_month_changes(entries, policy)
    if policy.tie_outs:
        usage = None
        if policy_files.plugin_line(options_map, usage_accruals.PLUGIN)[0]:
            usage, _ = usage_accruals.load(entries, options_map)
            findings += tie_outs.unbilled_receivables(entries, usage)
        if uses_revenue:
            moves = usage.deferred_movements() if usage is not None else []
            findings += tie_outs.deferred_revenue(entries, revenue, moves)
        findings += _other_tie_outs(entries, options_map, policy)
    if policy.hygiene:
        findings += hygiene.check(entries, policy.accounts, policy.bank_root, revenue.precision)
    return entries, [CloseControlError(*finding) for finding in findings]


def _other_tie_outs(
    entries: list[data.Directive], options_map: dict[str, Any], policy: ClosePolicy
) -> list[tie_outs.Break]:
    found: list[tie_outs.Break] = []
    uses_commissions, commission_config = policy_files.plugin_line(
        options_map, "plugins.commissions"
    )
    if uses_commissions:
        costs, _ = commission_policy.load(commission_config, options_map)
        found += tie_outs.contract_costs(entries, costs)
    receivable = policy.accounts.receivable
    found += tie_outs.receivables(entries, receivable)
    uses_ar, ar_config = policy_files.plugin_line(options_map, "plugins.ar_reconciliation")
    allowed = set()
    if uses_ar:  # the plugin remeasures foreign receivables in a sub-account
        allowed.add(ar_policy.load(ar_config, options_map)[0].remeasurement_account)
    found += tie_outs.receivable_sub_accounts(entries, receivable, allowed)
    return found


def sealed_month_changes(
    entries: list[data.Directive], policy: ClosePolicy
) -> list[tuple[dict[str, Any], str, Any]]:
    """Returns a failure for each sealed month whose entries no longer match its seal."""
    if not policy.sealed:
        return []
    months = period_lock.by_month(entries, set(policy.sealed))
    failures = []
    for month, digest in sorted(policy.sealed.items()):
        pairs = months.get(month, [])
        if period_lock.seal(pairs) == digest:
            continue
        manifest = None
        if policy.seals_folder:
            path = period_lock.manifest_path(policy.seals_folder, month)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as stream:
                    manifest = stream.read()
        entry, what = period_lock.first_difference(pairs, manifest)
        # An entry no file holds (the `open` of an account a plugin
        # introduces, located at "<plugin>:0") is named at the month's seal.
        source = entry.meta if entry is not None and _in_a_file(entry.meta) else {
            "filename": policy.path, "lineno": policy.sealed_lines.get(month, 0)
        }  # fmt: skip
        failures.append((source, f"Closed month {month} has changed: {what}", entry))
    return failures


def _in_a_file(located: dict[str, Any] | None) -> bool:
    """Tells whether metadata locates its entry at a line of a file (not at "<plugin>:0")."""
    filename = (located or {}).get("filename")
    return isinstance(filename, str) and not filename.startswith("<")
