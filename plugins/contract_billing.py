"""What a contract's invoices bill and recognize, month by month.

The invoices of a contract are the typed transactions whose `contract` names
it, and the credit notes of those invoices (`credits`). From them, in minor
units and credit positive:

- billed: each deferred line and each revenue posting, on its date;
- recognized by the invoices: each revenue posting on its date, and each
  deferred line's releases as plugins.deferred_revenue schedules them (the
  same plugins.deferred_lines and the same revenue policy, whatever the
  detail level);
- the deferred balance: deferred lines less their releases;
- usage lines: revenue postings with a `quantity`, for the usage obligation
  they name (`obligation`) or whose revenue account they post to.

This is what revenue would be without the allocation; plugins.contract_assets
moves it to what the allocation says.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import deferred_lines, meta
from plugins.obligations import USAGE, ContractTerms, Obligation
from plugins.revenue_policy import RevenuePolicy
from plugins.variable_consideration import UsageLine

Event = tuple[datetime.date, int]


class BillingError(NamedTuple):
    """An invoice line of an allocated contract the user must fix."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass
class ContractBilling:
    """A contract's invoices as events: (date, minor units), credit positive."""

    billed: list[Event] = field(default_factory=list)
    deferred: list[Event] = field(default_factory=list)
    recognized: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    usage: dict[str, list[UsageLine]] = field(default_factory=lambda: defaultdict(list))


def contract_of(entry: data.Transaction, invoices: dict[str, str]) -> str | None:
    """Returns the contract an invoice or credit note belongs to."""
    named = entry.meta.get(meta.CONTRACT)
    if named:
        return str(named)
    credited = entry.meta.get("credits")
    return invoices.get(str(credited)) if credited else None


def _usage_obligation(terms: ContractTerms, posting: data.Posting) -> Obligation | None:
    named = (posting.meta or {}).get(meta.OBLIGATION)
    usage = [ob for ob in terms.all_obligations() if ob.pattern == USAGE]
    if named:
        return next((ob for ob in usage if ob.id == named), None)
    matches = [ob for ob in usage if ob.revenue_account == posting.account]
    return matches[0] if len(matches) == 1 else None


def read(
    entries: Sequence[data.Directive], terms: dict[str, ContractTerms], policy: RevenuePolicy
) -> tuple[dict[str, ContractBilling], list[BillingError]]:
    """Returns the billing of every contract in `terms`, from the typed entries."""
    invoices = {
        str(entry.meta[meta.INVOICE]): str(entry.meta[meta.CONTRACT])
        for entry in entries
        if isinstance(entry, data.Transaction)
        and entry.meta.get(meta.INVOICE)
        and entry.meta.get(meta.CONTRACT)
    }
    owned: list[data.Directive] = []
    owner: dict[int, str] = {}
    for entry in entries:
        if isinstance(entry, data.Open):
            owned.append(entry)
        elif isinstance(entry, data.Transaction) and not meta.is_generated(entry):
            contract = contract_of(entry, invoices)
            if contract in terms:
                owned.append(entry)
                owner[id(entry)] = contract
    found: dict[str, ContractBilling] = {contract: ContractBilling() for contract in terms}
    errors: list[BillingError] = []
    lines, _ = deferred_lines.read(owned, policy)  # Its errors are the revenue plugin's.
    for line in lines:
        allocated = terms[owner[id(line.entry)]]
        posting = line.entry.postings[line.position - 1]
        if not _fits(allocated, line.currency, line.entry, posting, errors):
            continue
        if line.method == deferred_lines.USAGE:
            errors.append(
                BillingError(
                    meta.source_of(line.entry, posting),
                    (
                        f"Deferred line with recognition 'usage' on contract '{allocated.id}', "
                        "which has performance obligations: prepaid credits drawn down by usage "
                        "are not allocated yet; expected a ratable or point line"
                    ),
                    line.entry,
                )
            )
            continue
        billing = found[allocated.id]
        billing.billed.append((line.booked, -line.amount))
        billing.deferred.append((line.booked, -line.amount))
        for date, units in deferred_lines.pieces(line, policy):
            billing.recognized[line.revenue_account].append((date, -units))
            billing.deferred.append((date, units))
    root = policy.accounts.revenue
    for entry in owned:
        if isinstance(entry, data.Transaction):
            _revenue_postings(entry, terms[owner[id(entry)]], root, policy, found, errors)
    return found, errors


def _fits(
    terms: ContractTerms,
    currency: str,
    entry: data.Transaction,
    posting: data.Posting,
    errors: list[BillingError],
) -> bool:
    if currency == terms.currency:
        return True
    errors.append(
        BillingError(
            meta.source_of(entry, posting),
            (
                f"Invoice line in {currency} on contract '{terms.id}', whose price is in "
                f"{terms.currency}; expected {terms.currency}"
            ),
            entry,
        )
    )
    return False


def _revenue_postings(
    entry: data.Transaction,
    terms: ContractTerms,
    root: str,
    policy: RevenuePolicy,
    found: dict[str, ContractBilling],
    errors: list[BillingError],
) -> None:
    billing = found[terms.id]
    for posting in entry.postings:
        if not (posting.account == root or posting.account.startswith(root + ":")):
            continue
        units = posting.units
        if units is None or not isinstance(units.number, Decimal):
            continue
        if not _fits(terms, units.currency, entry, posting, errors):
            continue
        minor = policy.precision.to_minor(units.number, units.currency)
        if minor is None:
            errors.append(
                BillingError(
                    meta.source_of(entry, posting),
                    policy.precision.excess(units.number, units.currency),
                    entry,
                )
            )
            continue
        billing.billed.append((entry.date, -minor))
        billing.recognized[posting.account].append((entry.date, -minor))
        quantity = (posting.meta or {}).get("quantity")
        usage = _usage_obligation(terms, posting)
        if isinstance(quantity, Decimal) and usage is not None:
            served = meta.date_of((posting.meta or {}).get(meta.SERVICE_END)) or entry.date
            billing.usage[usage.id].append(UsageLine(entry.date, served, quantity, -minor))
