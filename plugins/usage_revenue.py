"""Usage revenue: accruals draw prepaid credit, unused credit breaks, invoices reverse accruals.

Put it before the close controls:

    plugin "plugins.usage_revenue" "../config/usage.yaml"

The usage importer accrues each customer's rated usage at month end (debit
`Assets:UnbilledReceivables`, credit usage revenue). The plugin then books,
in date order (see plugins.usage_accruals and plugins.prepaid_credits):

1. Draw-down of prepaid credit by each accrual, first to expire first:

       2026-07-31 * "Acme" "Credit draw-down INV-1 for usage CUS-1/2026-07" #prepaid-credits
         Liabilities:DeferredRevenue:Credits    10.00 USD
         Assets:UnbilledReceivables            -10.00 USD

   Promotional credit debits `Income:Revenue:PromotionalCredits` instead, so
   the usage it pays for nets to no revenue. What no grant covers stays
   unbilled (overage).

2. Breakage of unused paid credit, on its expiry date (or, with `breakage:
   proportional`, in proportion to use with the rest at expiry):

       2027-06-15 * "Acme" "Breakage of credit INV-1" #prepaid-credits
         Liabilities:DeferredRevenue:Credits    40.00 USD
         Income:Revenue:Breakage               -40.00 USD

3. Reversal of an accrual when its invoice arrives: the invoiced usage lines
   (service period within the month) leave revenue as rated, the unbilled
   receivable still open is cleared, and the rest is a visible difference:

       2026-11-03 * "Acme" "Usage invoiced INV-9 for CUS-1 2026-10" #usage-billing
         Income:Revenue:Usage                      4400.00 USD
         Assets:UnbilledReceivables               -4366.87 USD
         Income:Revenue:Usage:BillingDifferences    -33.13 USD

Generated entries carry the customer, `revclose_` metadata and links to the
grant's invoice and the accrual (`^CUS-1/2026-07`); the accounts they
introduce are opened. With `control: true`, each usage month whose invoices
differ from what was rated (less credit drawn) by more than the tolerance is
an error at its invoice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import amount, data

from plugins import (
    generated,
    meta,
    prepaid_credits,
    usage_accruals,
    usage_policy,
    usage_reconciliation,
)
from plugins.prepaid_credits import Movement
from plugins.usage_accruals import Clearing, Subledger
from plugins.usage_policy import UsagePolicy

__plugins__ = ("usage_revenue",)

GENERATOR = "usage_revenue"
KIND = meta.PREFIX + "kind"
USAGE_SOURCE = meta.PREFIX + "usage"
TAG_CREDITS = "prepaid-credits"
TAG_BILLING = "usage-billing"


class UsageControlError(NamedTuple):
    """A usage month billed differently from what was rated; `source` points at its invoice."""

    source: dict[str, Any]
    message: str
    entry: Any


def usage_revenue(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds draw-downs, breakage and accrual reversals of usage.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the usage policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the generated ones added, and the errors found. A bad
      policy returns the entries unchanged.
    """
    policy, policy_errors = usage_policy.load(config, options_map)
    if policy_errors:
        return entries, list(policy_errors)
    subledger, errors = usage_accruals.run(entries, policy)
    made = [
        *(entry for move in subledger.movements if (entry := _movement_entry(move, policy))),
        *(
            entry
            for clearing in subledger.clearings
            if (entry := _clearing_entry(clearing, policy))
        ),
    ]
    made.sort(key=lambda entry: entry.date)
    first_use: dict[str, Any] = {}
    for entry in made:
        for posting in entry.postings:
            first_use[posting.account] = min(entry.date, first_use.get(posting.account, entry.date))
    if policy.control:
        errors += control_failures(subledger)
    return [*entries, *generated.opens(entries, first_use, GENERATOR), *made], errors


def _posting(account: str, units: int, currency: str, policy: UsagePolicy) -> data.Posting:
    number = policy.precision.from_minor(units, currency)
    return data.Posting(account, amount.Amount(number, currency), None, None, None, None)


def _movement_entry(move: Movement, policy: UsagePolicy) -> data.Transaction | None:
    grant = move.grant
    extra: dict[str, Any] = {meta.CUSTOMER: grant.customer, meta.SOURCE: grant.id, KIND: move.kind}
    links = set(grant.links) or {usage_accruals.link_of(grant.id)}
    if move.kind == prepaid_credits.DRAW:
        accrual = move.cause
        extra[USAGE_SOURCE] = accrual.usage
        links.add(usage_accruals.link_of(accrual.usage))
        narration = f"Credit draw-down {grant.id} for usage {accrual.usage}"
        debit, credit, units = grant.account, policy.accounts.unbilled, move.units
        located = accrual.entry.meta
        payee = accrual.entry.payee
    elif move.kind == prepaid_credits.BREAKAGE:
        narration = f"Breakage of credit {grant.id}"
        debit, credit, units = grant.account, policy.breakage_account, move.units
        if units < 0:  # Less breakage is expected now: part of it goes back to deferred.
            debit, credit, units = credit, debit, -units
            narration = f"Breakage of credit {grant.id} reversed"
        if isinstance(move.cause, usage_accruals.Accrual):
            extra[USAGE_SOURCE] = move.cause.usage
        located = grant.located
        payee = None
    else:
        # A take-back is the credit note's own posting; promotional credit expires with no entry.
        return None
    return generated.transaction(
        located,
        GENERATOR,
        move.date,
        narration,
        frozenset({TAG_CREDITS}),
        frozenset(links),
        generated.transfer(debit, credit, units, grant.currency, policy.precision),
        payee=payee,
        extra=extra,
    )


def _clearing_entry(clearing: Clearing, policy: UsagePolicy) -> data.Transaction | None:
    first = clearing.first
    currency = first.currency
    postings = [
        _posting(account, units, currency, policy)
        for account, units in clearing.by_account().items()
        if units
    ]
    if clearing.cleared:
        postings.append(_posting(policy.accounts.unbilled, -clearing.cleared, currency, policy))
    if clearing.difference:
        account = policy.billing_differences_account
        postings.append(_posting(account, -clearing.difference, currency, policy))
    if not postings:
        return None
    month = usage_accruals.month_name(first.month)
    usages = [accrual.usage for accrual in clearing.accruals]
    extra: dict[str, Any] = {
        meta.CUSTOMER: first.customer,
        meta.SOURCE: first.invoice,
        meta.SOURCE_LINE: Decimal(first.position),
        KIND: "billing",
        USAGE_SOURCE: ", ".join(usages),
    }
    what = {usage_accruals.INVOICED: "invoiced", usage_accruals.CREDITED: "credited"}
    verb = what.get(first.kind, "voided")
    return generated.transaction(
        meta.source_of(first.entry, first.entry.postings[first.position - 1]),
        GENERATOR,
        clearing.date,
        f"Usage {verb} {first.invoice} for {first.customer} {month}",
        frozenset({TAG_BILLING}),
        first.entry.links | {usage_accruals.link_of(usage) for usage in usages},
        postings,
        payee=first.entry.payee,
        extra=extra,
    )


def control_failures(subledger: Subledger) -> list[UsageControlError]:
    """Returns an error for each rated usage month billed beyond the tolerance."""
    failures = []
    for row in usage_reconciliation.rows(subledger):
        if row.beyond_tolerance and row.accruals:
            located = row.located or row.accruals[0].entry.meta
            failures.append(UsageControlError(dict(located), row.message(), None))
    return failures
