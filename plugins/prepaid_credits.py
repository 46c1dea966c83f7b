"""Prepaid credit: the grants usage draws down, and what happens to unused credit.

A paid grant is a credit-pack line of an invoice: a credit to a deferred
revenue account with `recognition: "usage"` and `expires` (the last day its
credit can be used). Its id is the invoice's (`INV-1`, or `INV-1/2` for the
second credit pack of one invoice); discounts on the pack (lines with the
same account and expiry) net into it, so a grant is what the customer paid:

    2026-06-15 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable           100.00 USD
      Liabilities:DeferredRevenue:Credits  -100.00 USD
        service_start: 2026-06-15
        service_end: 2027-06-15
        recognition: "usage"
        expires: 2027-06-15

A promotional grant is free credit, written as a directive; using it recognizes
nothing (it is drawn against a contra-revenue account):

    2026-07-01 custom "credit-grant" "PROMO-1"
      customer: "CUS-1"
      amount: 50.00 USD
      expires: 2026-12-31
      promotional: TRUE

A credit note (`credits: "INV-1"`) or a void of the invoice that debits the
credit pack's account takes that credit back from the invoice's grant.

`Wallet` holds the grants of the books and applies, in date order, grants,
take-backs, draws and expiries; each returns the movements it made.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import amount, data

from plugins import meta
from plugins.usage_policy import PROPORTIONAL, UsagePolicy

EXPIRES = "expires"
PROMOTIONAL = "promotional"
GRANT_DIRECTIVE = "credit-grant"
CREDITS = "credits"


# What a movement does to a grant.
DRAW = "draw"
BREAKAGE = "breakage"
TAKE_BACK = "take-back"
EXPIRY = "expiry"


class CreditGrantError(NamedTuple):
    """A grant or credit-pack line the user must fix; `source` points at it."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass(frozen=True, slots=True)
class Grant:
    """Credit a customer can use: paid (a credit-pack line) or promotional (a directive)."""

    id: str
    customer: str
    currency: str
    granted_on: datetime.date
    expires: datetime.date  # The last day its credit can be used.
    amount: int  # Minor units, positive.
    account: str  # Paid: the deferred account; promotional: the contra-revenue account.
    promotional: bool
    invoice: str | None  # Paid: the invoice that sold it.
    located: dict[str, Any]  # The metadata of the line that made it.
    links: frozenset[str]


@dataclass(frozen=True, slots=True)
class TakeBack:
    """Credit taken back from an invoice's grants by a credit note or a void."""

    invoice: str  # The invoice whose grants lose credit.
    customer: str
    account: str
    currency: str
    date: datetime.date
    amount: int  # Minor units, positive.
    entry: data.Transaction
    located: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Movement:
    """A change to a grant: drawn, broken, taken back, or (promotional) expired unused."""

    date: datetime.date
    grant: Grant
    kind: str
    units: int  # Minor units taken off the grant (negative: breakage reversed).
    cause: Any = None  # The accrual of a draw (and of breakage in proportion to it).


@dataclass
class _State:
    grant: Grant
    granted: int
    drawn: int = 0
    breakage: int = 0
    expired: bool = False

    @property
    def available(self) -> int:
        """What the customer can still use."""
        return 0 if self.expired else self.granted - self.drawn


def _sort_key(grant: Grant) -> tuple[datetime.date, bool, datetime.date, str]:
    # First to expire first; on a tie promotional credit first, then older, then by id.
    return (grant.expires, not grant.promotional, grant.granted_on, grant.id)


def _round_half_away(numerator: int, denominator: int) -> int:
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


@dataclass
class Wallet:
    """The grants of the books, as usage draws them down."""

    policy: UsagePolicy
    _states: dict[str, _State] = field(default_factory=dict)
    _live: dict[tuple[str, str], list[_State]] = field(default_factory=lambda: defaultdict(list))

    def grant(self, grant: Grant) -> None:
        """Makes a grant's credit available from its date."""
        state = _State(grant, grant.amount)
        self._states[grant.id] = state
        self._live[(grant.customer, grant.currency)].append(state)
        self._live[(grant.customer, grant.currency)].sort(key=lambda each: _sort_key(each.grant))

    def draw(
        self, customer: str, currency: str, date: datetime.date, units: int, cause: Any
    ) -> list[Movement]:
        """Draws up to `units` of live credit, first to expire first; returns the movements."""
        moves: list[Movement] = []
        for state in self._live.get((customer, currency), []):
            if units <= 0:
                break
            if state.available <= 0 or state.grant.granted_on > date or state.grant.expires < date:
                continue
            taken = min(units, state.available)
            state.drawn += taken
            units -= taken
            moves.append(Movement(date, state.grant, DRAW, taken, cause))
            moves += self._true_up(state, date, cause)
        return moves

    def take_back(self, back: TakeBack, grants: Sequence[Grant]) -> tuple[list[Movement], int]:
        """Takes credit back from `grants`; returns the movements and what could not be taken."""
        moves: list[Movement] = []
        left = back.amount
        for grant in grants:
            state = self._states[grant.id]
            taken = min(left, max(state.available, 0))
            if taken <= 0:
                continue
            state.granted -= taken
            left -= taken
            moves.append(Movement(back.date, grant, TAKE_BACK, taken, back))
            moves += self._true_up(state, back.date, back)
        return moves, left

    def expire(self, grant: Grant) -> list[Movement]:
        """Expires a grant at the end of its last day: unused paid credit is breakage."""
        state = self._states[grant.id]
        unused = state.granted - state.drawn
        state.expired = True
        if grant.promotional:
            return [Movement(grant.expires, grant, EXPIRY, unused)] if unused else []
        broken = unused - state.breakage
        state.breakage = unused
        return [Movement(grant.expires, grant, BREAKAGE, broken)] if broken else []

    def _true_up(self, state: _State, date: datetime.date, cause: Any) -> list[Movement]:
        """Brings breakage recognized in proportion to use to its target (proportional policy).

        Target = round(drawn * b / (1 - b)), at most the credit not yet drawn,
        where b is the expected breakage: what a customer who uses the expected
        share of a grant leaves unused, in proportion to what they have used.
        """
        if state.grant.promotional or self.policy.breakage != PROPORTIONAL:
            return []
        numerator, denominator = self.policy.expected_breakage.as_integer_ratio()
        target = _round_half_away(state.drawn * numerator, denominator - numerator)
        target = min(target, state.granted - state.drawn)
        change = target - state.breakage
        state.breakage = target
        return [Movement(date, state.grant, BREAKAGE, change, cause)] if change else []


# Reading grants from the books.


def _is_under(name: str, root: str) -> bool:
    return name == root or name.startswith(root + ":")


class _Reader:
    def __init__(self, policy: UsagePolicy) -> None:
        self.policy = policy
        self.errors: list[CreditGrantError] = []
        self.grants: list[Grant] = []
        self.take_backs: list[TakeBack] = []
        self.ids: set[str] = set()

    def fail(self, located: dict[str, Any], message: str, entry: Any) -> None:
        self.errors.append(CreditGrantError(located, message, entry))

    def minor(self, units: amount.Amount, located: dict[str, Any], entry: Any) -> int | None:
        number = units.number
        if not isinstance(number, Decimal):
            return None
        minor = self.policy.precision.to_minor(number, units.currency)
        if minor is None:
            self.fail(located, self.policy.precision.excess(number, units.currency), entry)
        return minor

    def expiry(
        self, values: dict[str, Any], what: str, located: dict[str, Any], entry: Any
    ) -> datetime.date | None:
        if EXPIRES not in values:
            self.fail(
                located,
                f"{what} has no '{EXPIRES}'; expected the last day its credit can be used, "
                f"like 'expires: 2027-06-15'",
                entry,
            )
            return None
        parsed = meta.date_of(values[EXPIRES])
        if parsed is None:
            self.fail(
                located, f"Expires '{values[EXPIRES]}' is not a date; expected YYYY-MM-DD", entry
            )
        return parsed

    def transaction(self, entry: data.Transaction) -> None:
        lines = [
            (position, posting)
            for position, posting in enumerate(entry.postings, 1)
            if _is_under(posting.account, self.policy.accounts.deferred_revenue)
            and (posting.meta or {}).get(meta.RECOGNITION) == "usage"
            and posting.units is not None
        ]
        if not lines:
            return
        customer = entry.meta.get(meta.CUSTOMER)
        if not customer:
            located = meta.source_of(entry, lines[0][1])
            self.fail(
                located,
                "Credit-pack line names no customer; expected 'customer' on its invoice",
                entry,
            )
            return
        if CREDITS in entry.meta or meta.is_void(entry):
            self.take_back(entry, str(customer), lines)
        else:
            self.paid(entry, str(customer), lines)

    def paid(
        self, entry: data.Transaction, customer: str, lines: list[tuple[int, data.Posting]]
    ) -> None:
        invoice = str(entry.meta.get(meta.INVOICE) or _where(entry))
        groups: dict[tuple[str, str, datetime.date], list[tuple[int, data.Posting]]] = {}
        for position, posting in lines:
            located = meta.source_of(entry, posting)
            expires = self.expiry(posting.meta or {}, "Credit-pack line", located, entry)
            if expires is None or posting.units is None:
                continue
            if expires < entry.date:
                self.fail(
                    located,
                    f"Expires '{expires}' is before the invoice date '{entry.date}'",
                    entry,
                )
                continue
            key = (posting.account, posting.units.currency, expires)
            groups.setdefault(key, []).append((position, posting))
        for index, ((account, currency, expires), group) in enumerate(groups.items(), 1):
            located = meta.source_of(entry, group[0][1])
            total = self.credited(group, located, entry)
            if total is None or total == 0:
                continue  # A pack discounted to nothing grants nothing paid for.
            if total < 0:
                self.fail(
                    located,
                    f"Credit-pack lines of '{invoice}' on '{account}' add up to a debit; "
                    f"expected a credit, or a credit note naming the invoice in '{CREDITS}'",
                    entry,
                )
                continue
            grant = Grant(
                id=invoice if len(groups) == 1 else f"{invoice}/{index}",
                customer=customer,
                currency=currency,
                granted_on=entry.date,
                expires=expires,
                amount=total,
                account=account,
                promotional=False,
                invoice=invoice,
                located=located,
                links=entry.links,
            )
            self.add(grant, entry)

    def credited(
        self, group: list[tuple[int, data.Posting]], located: dict[str, Any], entry: Any
    ) -> int | None:
        """Returns what the lines credit in minor units, or None if one has too many decimals."""
        total = 0
        for _, posting in group:
            assert posting.units is not None
            minor = self.minor(posting.units, located, entry)
            if minor is None:
                return None
            total -= minor
        return total

    def take_back(
        self, entry: data.Transaction, customer: str, lines: list[tuple[int, data.Posting]]
    ) -> None:
        credited = entry.meta.get(CREDITS) or entry.meta.get(meta.INVOICE)
        totals: dict[tuple[str, str], int] = defaultdict(int)
        located_at: dict[tuple[str, str], dict[str, Any]] = {}
        for _, posting in lines:
            assert posting.units is not None
            located = meta.source_of(entry, posting)
            minor = self.minor(posting.units, located, entry)
            if minor is None:
                return
            key = (posting.account, posting.units.currency)
            totals[key] += minor
            located_at.setdefault(key, located)
        for (account, currency), units in totals.items():
            if units:
                back = TakeBack(
                    invoice=str(credited),
                    customer=customer,
                    account=account,
                    currency=currency,
                    date=entry.date,
                    amount=units,
                    entry=entry,
                    located=located_at[(account, currency)],
                )
                self.take_backs.append(back)

    def directive(self, entry: data.Custom) -> None:
        located = dict(entry.meta)
        grant_id = str(entry.values[0].value) if entry.values else ""
        if not grant_id:
            self.fail(
                located, 'Credit grant has no id; expected custom "credit-grant" "<id>"', entry
            )
            return
        what = f"Credit grant '{grant_id}'"
        values = entry.meta
        customer = values.get(meta.CUSTOMER)
        units = values.get("amount")
        expires = self.expiry(values, what, located, entry)
        problems = []
        if not isinstance(customer, str) or not customer:
            problems.append(f"{what} names no customer; expected 'customer: \"CUS-1\"'")
        if not isinstance(units, amount.Amount) or not isinstance(units.number, Decimal):
            problems.append(f"{what} has no amount; expected 'amount: 50.00 USD'")
        elif units.number <= 0:
            problems.append(f"{what} has amount '{units}'; expected a positive amount")
        if values.get(PROMOTIONAL) is not True:
            problems.append(
                f"{what} is not promotional; expected 'promotional: TRUE' (paid credit is an "
                f"invoice line with 'recognition: \"usage\"')"
            )
        if expires is not None and expires < entry.date:
            problems.append(f"Expires '{expires}' is before the grant date '{entry.date}'")
        for problem in problems:
            self.fail(located, problem, entry)
        if problems or expires is None:
            return
        assert isinstance(units, amount.Amount)
        minor = self.minor(units, located, entry)
        if minor is not None:
            grant = Grant(
                id=grant_id,
                customer=str(customer),
                currency=units.currency,
                granted_on=entry.date,
                expires=expires,
                amount=minor,
                account=self.policy.promotional_account,
                promotional=True,
                invoice=None,
                located=located,
                links=frozenset(),  # The plugin links its entries to the grant's id.
            )
            self.add(grant, entry)

    def add(self, grant: Grant, entry: Any) -> None:
        if grant.id in self.ids:
            self.fail(
                grant.located,
                f"Credit grant '{grant.id}' is granted twice; expected one id each",
                entry,
            )
            return
        self.ids.add(grant.id)
        self.grants.append(grant)


def read(
    entries: Sequence[data.Directive], policy: UsagePolicy
) -> tuple[list[Grant], list[TakeBack], list[CreditGrantError]]:
    """Returns the grants and take-backs of typed entries, and an error for each bad one."""
    reader = _Reader(policy)
    for entry in _typed(entries):
        if isinstance(entry, data.Transaction):
            reader.transaction(entry)
        elif isinstance(entry, data.Custom) and entry.type == GRANT_DIRECTIVE:
            reader.directive(entry)
    return reader.grants, reader.take_backs, reader.errors


def _where(entry: Any) -> str:
    return f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}"


def _typed(entries: Sequence[data.Directive]) -> Iterator[data.Directive]:
    return (entry for entry in entries if not meta.is_generated(entry))
