"""The usage subledger: accruals of rated usage, the credit they draw, the invoices that bill them.

An accrual is a transaction with `usage` metadata (the usage importer writes
one per customer and month): it debits the unbilled receivable by the month's
rated total and credits usage revenue.

    2026-10-31 * "Alder Foods GmbH" "Usage of 2026-10" #usage
      usage: "CUS-0016/2026-10"
      customer: "CUS-0016"
      service_start: 2026-10-01
      service_end: 2026-10-31
      Assets:UnbilledReceivables   4366.87 USD
      Income:Revenue:Usage        -4366.87 USD

A usage month is a customer, a month and a currency. In date order (on one
day: grants, take-backs, accruals, invoices, then expiries):

1. each accrual draws the customer's prepaid credit (`plugins.prepaid_credits`)
   by its amount; what no grant covers stays unbilled (overage);
2. each billing document (a transaction with `invoice` and `customer`) whose
   lines on the accruals' revenue accounts have a service period within one
   month bills that usage month: an invoice clears what is still unbilled, a
   credit note clears nothing, a void undoes what its invoice cleared. The
   rest (invoiced less cleared) is a billing difference. A document is dated
   no earlier than the month's first accrual;
3. a billing document of a month without an accrual is billed revenue as
   booked: it is listed by the reconciliation, and nothing is generated.

`run` returns the `Subledger`; the plugin turns it into entries, and the
close and reports read the same figures through `load`.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import meta, policy, prepaid_credits, usage_policy
from plugins.prepaid_credits import Grant, Movement, TakeBack, Wallet
from plugins.usage_policy import UsagePolicy

PLUGIN = "plugins.usage_revenue"
USAGE = "usage"
INVOICED, CREDITED, VOIDED = "invoice", "credit note", "void"

Key = tuple[str, datetime.date, str]  # customer, first day of the month, currency


class UsageError(NamedTuple):
    """An accrual or billed usage line the user must fix; `source` points at it."""

    source: dict[str, Any]
    message: str
    entry: Any


def month_name(day: datetime.date) -> str:
    """Returns 'YYYY-MM' of the month of `day`."""
    return f"{day.year:04d}-{day.month:02d}"


def link_of(usage: str) -> str:
    """Returns a usage id as a link (characters a link cannot hold become '-')."""
    return re.sub(r"[^A-Za-z0-9\-_/.]", "-", usage)


@dataclass(frozen=True, slots=True)
class Accrual:
    """One accrual of rated usage: what it debits the unbilled receivable."""

    entry: data.Transaction
    usage: str
    customer: str
    currency: str
    month: datetime.date  # First day of the usage month.
    amount: int  # Minor units debited to the unbilled receivable.
    revenue_accounts: frozenset[str]

    @property
    def key(self) -> Key:
        return (self.customer, self.month, self.currency)


@dataclass(frozen=True, slots=True)
class BilledLine:
    """A billing document's line on usage revenue, within one usage month."""

    entry: data.Transaction
    position: int
    invoice: str
    customer: str
    currency: str
    month: datetime.date
    account: str
    amount: int  # Minor units billed: positive on an invoice, negative on a credit note or void.
    kind: str

    @property
    def key(self) -> Key:
        return (self.customer, self.month, self.currency)


@dataclass(frozen=True, slots=True)
class Clearing:
    """What one billing document does to one usage month's accrual."""

    date: datetime.date
    lines: tuple[BilledLine, ...]
    accruals: tuple[Accrual, ...]
    cleared: int  # Unbilled receivable cleared (credited).
    difference: int  # Billed less cleared.

    @property
    def billed(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def first(self) -> BilledLine:
        return self.lines[0]

    def by_account(self) -> dict[str, int]:
        """Returns what was billed on each revenue account, in the order of the lines."""
        totals: dict[str, int] = {}
        for line in self.lines:
            totals[line.account] = totals.get(line.account, 0) + line.amount
        return totals


@dataclass(frozen=True)
class GrantBalance:
    """A grant as of a date, in minor units."""

    grant: Grant
    granted: int  # Less what credit notes and voids took back.
    drawn: int
    breakage: int
    expired: int  # Promotional credit that expired unused.
    available: int  # What the customer can still use (zero once expired).

    @property
    def remaining(self) -> int:
        """The grant's balance: deferred revenue of a paid grant, unused promotional credit."""
        return self.granted - self.drawn - self.breakage - self.expired


@dataclass(frozen=True)
class Subledger:
    """Accruals, grants and billings, with every movement the plugin books."""

    policy: UsagePolicy
    accruals: list[Accrual]
    billed: list[BilledLine]
    grants: list[Grant]
    movements: list[Movement]
    clearings: list[Clearing]

    def open_unbilled(self, as_of: datetime.date) -> dict[tuple[str, str, str], Decimal]:
        """Returns usage rated but not yet billed (nor drawn from credit), as of a day's end.

        Keys are (customer, 'YYYY-MM', currency); months with nothing open are left out.
        """
        units: dict[Key, int] = defaultdict(int)
        for day, key, change in self.unbilled_changes():
            if day <= as_of:
                units[key] += change
        to_decimal = self.policy.precision.from_minor
        return {
            (customer, month_name(month), currency): to_decimal(amount, currency)
            for (customer, month, currency), amount in sorted(units.items())
            if amount
        }

    def unbilled_changes(self) -> Iterator[tuple[datetime.date, Key, int]]:
        """Yields every change to the unbilled receivable: (date, usage month's key, minor units).

        An accrual debits it; a draw of credit and an invoice's clearing credit it.
        """
        for accrual in self.accruals:
            yield accrual.entry.date, accrual.key, accrual.amount
        for move in self.movements:
            if move.kind == prepaid_credits.DRAW:
                yield move.date, move.cause.key, -move.units
        for clearing in self.clearings:
            yield clearing.date, clearing.first.key, -clearing.cleared

    def grant_balances(self, as_of: datetime.date) -> list[GrantBalance]:
        """Returns every grant made by a day, with its movements to the day's end."""
        moved: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for move in self.movements:
            if move.date <= as_of:
                moved[move.grant.id][move.kind] += move.units
        balances = []
        for grant in self.grants:
            if grant.granted_on > as_of:
                continue
            kinds = moved[grant.id]
            granted = grant.amount - kinds[prepaid_credits.TAKE_BACK]
            drawn = kinds[prepaid_credits.DRAW]
            available = 0 if grant.expires < as_of else granted - drawn
            balances.append(
                GrantBalance(
                    grant,
                    granted,
                    drawn,
                    kinds[prepaid_credits.BREAKAGE],
                    kinds[prepaid_credits.EXPIRY],
                    available,
                )
            )
        return balances

    def used_credit(self) -> list[Movement]:
        """Returns the draws and breakage of paid grants: its debits to deferred revenue."""
        return [
            move
            for move in self.movements
            if not move.grant.promotional
            and move.kind in (prepaid_credits.DRAW, prepaid_credits.BREAKAGE)
        ]

    def deferred_movements(self) -> list[tuple[str, str, datetime.date, int]]:
        """Returns what the plugin posts to deferred revenue: (account, currency, date, units).

        Units are debits (draws and breakage of paid grants): the deferred
        revenue tie-out adds them to the schedules of the deferred lines.
        """
        return [
            (move.grant.account, move.grant.currency, move.date, move.units)
            for move in self.used_credit()
        ]


# Reading the books.


class _Reader:
    def __init__(self, policy: UsagePolicy) -> None:
        self.policy = policy
        self.errors: list[UsageError] = []

    def fail(self, located: Mapping[str, Any], message: str, entry: Any) -> None:
        self.errors.append(UsageError(dict(located), message, entry))

    def period(
        self, values: Mapping[str, Any], what: str, located: Mapping[str, Any], entry: Any
    ) -> tuple[datetime.date, datetime.date] | None:
        dates = []
        for key, label in (
            (meta.SERVICE_START, "Service start"),
            (meta.SERVICE_END, "Service end"),
        ):
            if key not in values:
                self.fail(located, f"{what} has no '{key}'; expected both service dates", entry)
                return None
            parsed = meta.date_of(values[key])
            if parsed is None:
                self.fail(
                    located, f"{label} '{values[key]}' is not a date; expected YYYY-MM-DD", entry
                )
                return None
            dates.append(parsed)
        start, end = dates
        if end < start:
            self.fail(located, f"Service end '{end}' is before service start '{start}'", entry)
            return None
        return start, end

    def accrual(self, entry: data.Transaction) -> Accrual | None:
        usage = str(entry.meta[USAGE])
        what = f"Usage accrual '{usage}'"
        customer = entry.meta.get(meta.CUSTOMER)
        if not isinstance(customer, str) or not customer:
            self.fail(entry.meta, f"{what} names no customer; expected 'customer: \"<id>\"'", entry)
            return None
        currencies = sorted({p.units.currency for p in entry.postings if p.units is not None})
        if len(currencies) != 1:
            shown = ", ".join(currencies)
            self.fail(entry.meta, f"{what} is in {shown}; expected one currency", entry)
            return None
        month = self.month_of(entry, what)
        total = self.unbilled_total(entry, what)
        if month is None or total is None:
            return None
        revenue = self.policy.accounts.revenue
        accounts = frozenset(
            posting.account
            for posting in entry.postings
            if posting.account == revenue or posting.account.startswith(revenue + ":")
        )
        return Accrual(entry, usage, customer, currencies[0], month, total, accounts)

    def month_of(self, entry: data.Transaction, what: str) -> datetime.date | None:
        """Returns the first day of an accrual's month: its service period's, else its date's."""
        if meta.SERVICE_START not in entry.meta and meta.SERVICE_END not in entry.meta:
            return entry.date.replace(day=1)
        period = self.period(entry.meta, what, entry.meta, entry)
        if period is None:
            return None
        start, end = period
        if start.replace(day=1) != end.replace(day=1):
            self.fail(entry.meta, f"{what} covers '{start}' to '{end}'; expected one month", entry)
            return None
        return start.replace(day=1)

    def unbilled_total(self, entry: data.Transaction, what: str) -> int | None:
        """Returns what an accrual debits the unbilled receivable, in minor units."""
        unbilled = self.policy.accounts.unbilled
        total = None
        for posting in entry.postings:
            units = posting.units
            if posting.account != unbilled or units is None:
                continue
            if not isinstance(units.number, Decimal):
                continue  # Booking fills every amount before plugins run.
            minor = self.policy.precision.to_minor(units.number, units.currency)
            if minor is None:
                located = meta.source_of(entry, posting)
                self.fail(
                    located, self.policy.precision.excess(units.number, units.currency), entry
                )
                return None
            total = (total or 0) + minor
        if total is None:
            self.fail(entry.meta, f"{what} has no posting to '{unbilled}'", entry)
        return total

    def billed(self, entry: data.Transaction, accounts: frozenset[str]) -> Iterable[BilledLine]:
        invoice = str(entry.meta[meta.INVOICE])
        customer = str(entry.meta[meta.CUSTOMER])
        if meta.is_void(entry):
            kind = VOIDED
        elif prepaid_credits.CREDITS in entry.meta:
            kind = CREDITED
        else:
            kind = INVOICED
        for position, posting in enumerate(entry.postings, 1):
            values = posting.meta or {}
            if posting.account not in accounts or posting.units is None:
                continue
            if meta.SERVICE_START not in values and meta.SERVICE_END not in values:
                continue
            located = meta.source_of(entry, posting)
            period = self.period(values, f"Usage line of '{invoice}'", located, entry)
            number = posting.units.number
            if period is None or not isinstance(number, Decimal):
                continue
            start, end = period
            if start.replace(day=1) != end.replace(day=1):
                continue  # Not one month's usage: billed revenue as booked.
            currency = posting.units.currency
            minor = self.policy.precision.to_minor(number, currency)
            if minor is None:
                self.fail(located, self.policy.precision.excess(number, currency), entry)
                continue
            yield BilledLine(
                entry=entry,
                position=position,
                invoice=invoice,
                customer=customer,
                currency=currency,
                month=start.replace(day=1),
                account=posting.account,
                amount=-minor,
                kind=kind,
            )


def read(
    entries: Sequence[data.Directive], policy: UsagePolicy
) -> tuple[list[Accrual], list[BilledLine], list[UsageError]]:
    """Returns the accruals and billed usage lines of typed entries, and the errors found."""
    reader = _Reader(policy)
    typed = [
        entry
        for entry in entries
        if isinstance(entry, data.Transaction) and not meta.is_generated(entry)
    ]
    accruals = [
        accrual
        for entry in typed
        if USAGE in entry.meta and (accrual := reader.accrual(entry)) is not None
    ]
    accounts = frozenset(name for accrual in accruals for name in accrual.revenue_accounts)
    billed = [
        line
        for entry in typed
        if USAGE not in entry.meta and meta.INVOICE in entry.meta and meta.CUSTOMER in entry.meta
        for line in reader.billed(entry, accounts)
    ]
    return accruals, billed, reader.errors


# The timeline.

_GRANT, _TAKE_BACK, _ACCRUE, _BILL, _EXPIRE = range(5)


def _where(entry: Any) -> str:
    return f"{entry.meta.get('filename')}:{str(entry.meta.get('lineno')).zfill(9)}"


@dataclass
class _Run:
    policy: UsagePolicy
    wallet: Wallet
    grants: list[Grant]
    accruals_of: dict[Key, list[Accrual]]
    errors: list[Any]

    def __post_init__(self) -> None:
        self.open: dict[Key, int] = defaultdict(int)
        self.movements: list[Movement] = []
        self.clearings: list[Clearing] = []
        self.cleared_by: dict[tuple[str, Key], list[Clearing]] = defaultdict(list)

    def take_back(self, back: TakeBack) -> None:
        grants = [
            grant
            for grant in self.grants
            if grant.invoice == back.invoice
            and grant.granted_on <= back.date
            and grant.account == back.account
            and grant.currency == back.currency
            and grant.customer == back.customer
        ]
        shown = self.policy.precision.from_minor(back.amount, back.currency)
        if not grants:
            self.errors.append(
                UsageError(
                    back.located,
                    f"Takes back {shown} {back.currency} of credit from '{back.invoice}', which "
                    f"granted none on '{back.account}'",
                    back.entry,
                )
            )
            return
        moves, left = self.wallet.take_back(back, grants)
        self.movements += moves
        if left:
            names = ", ".join(f"'{grant.id}'" for grant in grants)
            missing = self.policy.precision.from_minor(left, back.currency)
            self.errors.append(
                UsageError(
                    back.located,
                    f"Takes back {shown} {back.currency} of credit, {missing} more than "
                    f"{names} has left",
                    back.entry,
                )
            )

    def accrue(self, accrual: Accrual) -> None:
        self.open[accrual.key] += accrual.amount
        if accrual.amount <= 0:
            return  # A negative adjustment stays unbilled: it gives no credit back.
        customer, _, currency = accrual.key
        moves = self.wallet.draw(customer, currency, accrual.entry.date, accrual.amount, accrual)
        self.movements += moves
        self.open[accrual.key] -= sum(m.units for m in moves if m.kind == prepaid_credits.DRAW)

    def bill(self, date: datetime.date, lines: tuple[BilledLine, ...]) -> None:
        first = lines[0]
        key = first.key
        if first.kind == INVOICED:
            cleared = self.open[key]
        elif first.kind == VOIDED:
            cleared = -sum(each.cleared for each in self.cleared_by[(first.invoice, key)])
        else:
            cleared = 0
        self.open[key] -= cleared
        billed = sum(line.amount for line in lines)
        clearing = Clearing(date, lines, tuple(self.accruals_of[key]), cleared, billed - cleared)
        self.clearings.append(clearing)
        if first.kind == INVOICED:
            self.cleared_by[(first.invoice, key)].append(clearing)


def run(entries: Sequence[data.Directive], policy: UsagePolicy) -> tuple[Subledger, list[Any]]:
    """Returns the usage subledger of the books, and every error in accruals and grants."""
    accruals, billed, errors = read(entries, policy)
    grants, take_backs, grant_errors = prepaid_credits.read(entries, policy)
    accruals_of: dict[Key, list[Accrual]] = defaultdict(list)
    for accrual in sorted(accruals, key=lambda each: (each.entry.date, each.usage)):
        accruals_of[accrual.key].append(accrual)
    documents: dict[tuple[int, Key], list[BilledLine]] = {}
    for line in billed:
        documents.setdefault((id(line.entry), line.key), []).append(line)
    events: list[tuple[datetime.date, int, str, int, Any]] = []
    for index, grant in enumerate(grants):
        events.append((grant.granted_on, _GRANT, grant.id, index, grant))
        events.append((grant.expires, _EXPIRE, grant.id, index, grant))
    for index, back in enumerate(take_backs):
        events.append((back.date, _TAKE_BACK, _where(back.entry), index, back))
    for index, accrual in enumerate(accruals):
        events.append((accrual.entry.date, _ACCRUE, accrual.usage, index, accrual))
    for index, lines in enumerate(documents.values()):
        matched = accruals_of.get(lines[0].key)
        if matched:
            date = max(lines[0].entry.date, matched[0].entry.date)
            events.append((date, _BILL, _where(lines[0].entry), index, tuple(lines)))
    state = _Run(policy, Wallet(policy), grants, accruals_of, [])
    for date, kind, _, _, payload in sorted(events, key=lambda event: event[:4]):
        if kind == _GRANT:
            state.wallet.grant(payload)
        elif kind == _TAKE_BACK:
            state.take_back(payload)
        elif kind == _ACCRUE:
            state.accrue(payload)
        elif kind == _BILL:
            state.bill(date, payload)
        else:
            state.movements += state.wallet.expire(payload)
    subledger = Subledger(policy, accruals, billed, grants, state.movements, state.clearings)
    return subledger, [*errors, *grant_errors, *state.errors]


def load(
    entries: Sequence[data.Directive], options_map: Mapping[str, Any]
) -> tuple[Subledger, list[Any]]:
    """Returns the usage subledger with the policy the ledger's `plugin` line names.

    For other modules (the close's unbilled tie-out, reports): the entries may
    include generated ones, which are skipped.
    """
    _, config = policy.plugin_line(options_map, PLUGIN)
    chosen, policy_errors = usage_policy.load(config, options_map)
    subledger, errors = run(entries, chosen)
    return subledger, [*policy_errors, *errors]
