"""Applies cash to invoices and proves the receivable at every load (AR reconciliation).

Receipts wait in unapplied cash until the plugin matches them to open
invoices (see plugins.cash_matching for the order of the steps) and moves
them to the receivable. Before:

    plugin "plugins.ar_reconciliation" "../config/ar.yaml"

    2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-14
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-02-03 * "Acme" "Wire 88123"
      customer: "CUS-1"
      Assets:Bank:Operating       100.00 USD
      Liabilities:UnappliedCash  -100.00 USD

After, one generated entry (the receipt has no id, so its file and line name it):

    2026-02-03 * "Acme" "Cash application INV-1 from main.beancount:12"
      #cash-application ^INV-1 ^main.beancount-12
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "main.beancount:12"
      revclose_kind: "amount"
      customer: "CUS-1"
      Liabilities:UnappliedCash   100.00 USD
      Assets:AccountsReceivable  -100.00 USD

It also writes off differences within the tolerance, moves larger over
payments to customer credits, books realized exchange differences and
remeasures open foreign-currency invoices at month end (plugins.fx), flags
old unapplied cash and invoices long past due with `!` entries, and reports
the receivable's control failures as errors (plugins.ar_controls). Put it
before `plugins.close_controls`, which ties the receivable with what it adds.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from beancount.core import data

from plugins import (
    ar_controls,
    ar_entries,
    ar_policy,
    cash_application,
    close_policy,
    fx,
    generated,
    meta,
    receipts,
    receivables,
    tie_outs,
)
from plugins import policy as policy_files
from plugins.ar_policy import ArPolicy

__plugins__ = ("ar_reconciliation",)

GENERATOR = ar_entries.GENERATOR
CLOSE_CONTROLS = "plugins.close_controls"


class ArReconciliationError(NamedTuple):
    """A receivable the user must fix; `source` points at the line."""

    source: dict[str, Any]
    message: str
    entry: Any


def ar_reconciliation(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds cash applications, exchange differences and review flags; checks the receivable.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the receivables policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the generated ones added, and the errors found. A bad
      policy returns the entries unchanged.
    """
    policy, policy_errors = ar_policy.load(config, options_map)
    if policy_errors:
        return entries, policy_errors
    with _collector_paused():
        made, findings = reconcile(entries, policy, _folder(options_map))
    if not _tied_out_by_close_controls(options_map):
        findings += tie_outs.receivables(entries, policy.accounts.receivable)
    first_use: dict[str, datetime.date] = {}
    for entry in made:
        for posting in entry.postings:
            first_use[posting.account] = min(entry.date, first_use.get(posting.account, entry.date))
    opens = generated.opens(entries, first_use, GENERATOR)
    return [*entries, *opens, *made], [ArReconciliationError(*found) for found in findings]


def reconcile(
    entries: Sequence[data.Directive], policy: ArPolicy, folder: str
) -> tuple[list[data.Transaction], list[receivables.Finding]]:
    """Returns the generated entries of the receivable and its control findings.

    Args:
      entries: The directives of the ledger.
      policy: The receivables policy.
      folder: The ledger's folder, for receipts identified by file and line.
    """
    receivable, unapplied = policy.accounts.receivable, policy.accounts.unapplied_cash
    precision = policy.precision
    subledger, findings = receivables.read(entries, receivable, precision)
    cash, found = receipts.read(entries, unapplied, precision, subledger, folder)
    findings += found
    rates = fx.Rates(entries, policy.functional_currency)
    applied = cash_application.apply(subledger, cash, rates, policy)
    findings += applied.findings
    subledger = subledger.with_movements(applied.movements)
    cash = cash.with_uses(applied.uses)
    made: list[data.Transaction] = list(applied.entries)
    through = _last_typed_date(entries)
    if through is not None:
        for remeasurement in fx.remeasurements(subledger.items.values(), rates, policy, through):
            made += ar_entries.remeasurement_entries(remeasurement, policy)
        made += ar_controls.review_flags(subledger, cash, policy, through)
    findings += ar_controls.overpaid(subledger, policy)
    findings += ar_controls.applications_to_nothing(subledger, unapplied)
    return made, findings


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while the plugin runs.

    The plugin makes no reference cycles, and on a large ledger the
    collector's passes over the millions of objects already loaded cost more
    than the plugin's own work (half its time at 200,000 entries).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _folder(options_map: dict[str, Any]) -> str:
    filename = options_map.get("filename") or ""
    return os.path.dirname(os.path.abspath(filename)) if os.path.isabs(filename) else ""


def _last_typed_date(entries: Sequence[data.Directive]) -> datetime.date | None:
    # Beancount hands plugins the entries in date order: the last typed one is near the end.
    return next(
        (
            entry.date
            for entry in reversed(entries)
            if isinstance(entry, data.Transaction) and not meta.is_generated(entry)
        ),
        None,
    )


def _tied_out_by_close_controls(options_map: dict[str, Any]) -> bool:
    """Tells whether plugins.close_controls already reports receivable postings with no invoice."""
    enabled, config = policy_files.plugin_line(options_map, CLOSE_CONTROLS)
    if not enabled:
        return False
    chosen, errors = close_policy.load(config, options_map)
    return bool(errors) or chosen.tie_outs
