"""Month-end tie-outs: each subledger equals its general ledger account.

At every month end, by account and currency, exact to the minor unit:

- deferred revenue equals the remaining schedules of the deferred lines;
- the contract-cost asset equals the remaining amortization of commissions;
- the receivable equals the open invoices (every receivable posting names an
  invoice, by `invoice` metadata or a link, and no account is opened under
  the receivable but those the plugins post to themselves).

A break names the entry to fix: the first posting that is in the ledger but in
no subledger (a manual posting to deferred revenue, say), or, when there is
none, the first posting of the month that does not tie.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data

from plugins import commission_lines, deferred_lines, meta, usage_accruals
from plugins.commission_policy import CommissionPolicy
from plugins.currency import Precision
from plugins.receivables import invoice_of
from plugins.revenue_policy import RevenuePolicy
from plugins.schedule import month_end
from plugins.usage_accruals import Subledger

Break = tuple[dict[str, Any], str, Any]
Key = tuple[str, str]  # account, currency
Deltas = dict[Key, dict[datetime.date, Decimal]]


def _under(root: str) -> Callable[[str], bool]:
    return lambda name: name == root or name.startswith(root + ":")


def _ledger_deltas(
    entries: Sequence[data.Directive], wanted: Callable[[str], bool]
) -> tuple[Deltas, dict[Key, list[tuple[data.Transaction, int]]]]:
    """Returns month-end movements of the wanted accounts, and where each posting is."""
    deltas: Deltas = defaultdict(lambda: defaultdict(Decimal))
    postings: dict[Key, list[tuple[data.Transaction, int]]] = defaultdict(list)
    chosen: dict[str, bool] = {}
    month_of: dict[datetime.date, datetime.date] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for position, posting in enumerate(entry.postings, 1):
            name = posting.account
            keep = chosen.get(name)
            if keep is None:
                keep = chosen[name] = wanted(name)
            units = posting.units
            if keep and units is not None and units.number is not None:
                key = (name, units.currency)
                day = month_of.get(entry.date)
                if day is None:
                    day = month_of[entry.date] = month_end(entry.date)
                deltas[key][day] += units.number
                postings[key].append((entry, position))
    return deltas, postings


def _first_breaks(
    ledger: Deltas, subledger: Deltas
) -> list[tuple[Key, datetime.date, Decimal, Decimal]]:
    """Returns, per account and currency, the first month end where the two differ."""
    found = []
    for key in sorted(set(ledger) | set(subledger)):
        months = sorted(set(ledger.get(key, {})) | set(subledger.get(key, {})))
        ledger_total = subledger_total = Decimal(0)
        for day in months:
            ledger_total += ledger.get(key, {}).get(day, Decimal(0))
            subledger_total += subledger.get(key, {}).get(day, Decimal(0))
            if ledger_total != subledger_total:
                found.append((key, day, ledger_total, subledger_total))
                break
    return found


def _breaks(
    what: str,
    ledger: Deltas,
    subledger: Deltas,
    postings: dict[Key, list[tuple[data.Transaction, int]]],
    explained: set[tuple[int, int]],
) -> list[Break]:
    result: list[Break] = []
    for key, day, ledger_total, subledger_total in _first_breaks(ledger, subledger):
        account, currency = key
        located = postings.get(key, [])
        culprits = [
            (entry, position)
            for entry, position in located
            if (id(entry), position) not in explained and entry.date <= day
        ] or [(entry, position) for entry, position in located if month_end(entry.date) == day]
        message = (
            f"{what} '{account}' in {currency} does not tie at {day}: general ledger "
            f"{ledger_total}, subledger {subledger_total}, difference "
            f"{ledger_total - subledger_total}"
        )
        if not culprits:
            result.append(({"filename": "<tie_outs>", "lineno": 0}, message, None))
            continue
        entry, position = culprits[0]
        result.append((entry.postings[position - 1].meta or entry.meta, message, entry))
    return result


def _add(deltas: Deltas, key: Key, day: datetime.date, units: int, precision: Precision) -> None:
    deltas[key][month_end(day)] += precision.from_minor(units, key[1])


def deferred_revenue(
    entries: Sequence[data.Directive],
    policy: RevenuePolicy,
    usage_moves: Sequence[tuple[str, str, datetime.date, int]] = (),
) -> list[Break]:
    """Ties deferred revenue to the remaining schedules at every month end.

    The schedules are summed as the summarized releases sum them (lines that
    share a period and booking month at once), in minor units, through the
    plugin's horizon: with `horizon: books` no release is due after the month
    of the books' latest typed transaction, in the ledger or here.
    """
    reading = deferred_lines.read_books(entries, policy)
    through = deferred_lines.horizon(reading, policy)
    units_by: dict[Key, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    explained: set[tuple[int, int]] = set()
    for line in reading.lines:
        units_by[(line.deferred_account, line.currency)][month_end(line.booked)] += line.amount
        explained.add((id(line.entry), line.position))
    for (deferred, _, currency), day, units, _ in deferred_lines.summed_pieces(
        reading.lines, policy, through
    ):
        units_by[(deferred, currency)][day] -= units
    # Prepaid credit drawn down by usage, and its breakage (plugins.usage_revenue).
    for account, currency, day, units in usage_moves:
        units_by[(account, currency)][month_end(day)] += units
    subledger: Deltas = defaultdict(lambda: defaultdict(Decimal))
    for key, months in units_by.items():
        for day, units in months.items():
            subledger[key][day] = policy.precision.from_minor(units, key[1])
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.meta.get(meta.GENERATED_BY) in (
            "deferred_revenue",
            "usage_revenue",
        ):
            explained.update(
                (id(entry), position) for position in range(1, len(entry.postings) + 1)
            )
    ledger, postings = _ledger_deltas(entries, _under(policy.accounts.deferred_revenue))
    return _breaks("Deferred revenue", ledger, subledger, postings, explained)


def contract_costs(entries: Sequence[data.Directive], policy: CommissionPolicy) -> list[Break]:
    """Ties the contract-cost asset to the remaining amortization at every month end."""
    typed = [entry for entry in entries if not meta.is_generated(entry)]
    lines, _ = commission_lines.read(typed, policy)
    asset = policy.accounts.contract_costs
    subledger: Deltas = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        plan = commission_lines.schedule_of(line, policy)
        key = (asset, line.currency)
        if plan.capitalized:
            _add(subledger, key, line.booked, plan.capitalized, policy.precision)
        for day, units in plan.amortized:
            _add(subledger, key, day, -units, policy.precision)
        if plan.impaired is not None:
            _add(subledger, key, plan.impaired[0], -plan.impaired[1], policy.precision)
    explained = {
        (id(entry), position)
        for entry in entries
        if isinstance(entry, data.Transaction)
        and entry.meta.get(meta.GENERATED_BY) == "commissions"
        for position in range(1, len(entry.postings) + 1)
    }
    ledger, postings = _ledger_deltas(entries, lambda name: name == asset)
    return _breaks("Contract costs", ledger, subledger, postings, explained)


def receivables(entries: Sequence[data.Directive], receivable: str) -> list[Break]:
    """Ties the receivable to its open invoices: a posting with no invoice breaks it."""
    result = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if (
                posting.account == receivable
                and units is not None
                and units.number
                and invoice_of(entry, posting) is None
            ):
                source = posting.meta or entry.meta
                message = (
                    f"Receivable posting of '{units}' names no invoice; expected an "
                    f"'{meta.INVOICE}' or a link so it belongs to an open invoice"
                )
                result.append((source, message, entry))
    return result


def receivable_sub_accounts(
    entries: Iterable[data.Directive], receivable: str, allowed: Collection[str]
) -> list[Break]:
    """Breaks the receivable tie-out at each account opened under the receivable.

    The open invoices are the postings to the receivable itself, so a posting
    to a sub-account (`Assets:AccountsReceivable:Manual`) would escape cash
    application, the aging and the tie-out while the balance sheet counts it.

    Args:
      entries: The directives of the ledger (only Open directives are read).
      receivable: The receivable account.
      allowed: The sub-accounts the plugins post to themselves (the FX
        remeasurement account).
    """
    below = receivable + ":"
    return [
        (
            entry.meta,
            f"Account '{entry.account}' is opened under the receivable; expected "
            f"receivable postings on '{receivable}' itself, each naming an invoice: "
            "the open invoices, the aging and cash application read only that account",
            entry,
        )
        for entry in entries
        if isinstance(entry, data.Open)
        and entry.account.startswith(below)
        and entry.account not in allowed
    ]


def unbilled_receivables(entries: Sequence[data.Directive], usage: Subledger) -> list[Break]:
    """Ties the unbilled receivable to usage rated but not yet invoiced, at every month end.

    The subledger is plugins.usage_revenue's: accruals, less credit drawn and
    invoices' clearings. The accruals and the plugin's own entries explain
    their postings; any other posting to the account is where a break is named.
    """
    account = usage.policy.accounts.unbilled
    subledger: Deltas = defaultdict(lambda: defaultdict(Decimal))
    for day, (_, _, currency), units in usage.unbilled_changes():
        _add(subledger, (account, currency), day, units, usage.policy.precision)
    explained = {
        (id(entry), position)
        for entry in entries
        if isinstance(entry, data.Transaction)
        and (
            usage_accruals.USAGE in entry.meta
            or entry.meta.get(meta.GENERATED_BY) == "usage_revenue"
        )
        for position in range(1, len(entry.postings) + 1)
    }
    ledger, postings = _ledger_deltas(entries, lambda name: name == account)
    return _breaks("Unbilled receivables", ledger, subledger, postings, explained)
