"""The contract-cost subledger: each commission, its period of benefit and schedule.

A commission is a posting to the commission expense account naming its
`contract`. Its period of benefit is, in order of precedence:

1. `amortize_start` and `amortize_end` on the posting (inclusive);
2. `amortize_months` from `amortize_start`, else from the contract's start,
   else from the commission's date;
3. for an initial commission (`plan_type` absent or `initial`) when the policy
   sets `initial_customer_life_months`: that many months from the contract's
   start (renewals then carry no commensurate commission, so the initial one
   benefits the expected customer life);
4. the contract's term (`start` and `end` of its `custom "contract"`).

The schedule follows the revenue rules (plugins.schedule): capitalized on the
commission's date, amortized at month ends with catch-up and cumulative
rounding. If the contract is terminated early, amortization stops at the
termination date and the remaining asset is impaired on that date.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from plugins import contracts, meta, schedule
from plugins.commission_policy import CommissionPolicy

PLAN_TYPE = "plan_type"
INITIAL = "initial"


class CommissionError(NamedTuple):
    """A commission the user must fix; `source` points at its posting."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass(frozen=True, slots=True)
class CommissionLine:
    """One commission (or clawback) with its period of benefit."""

    entry: data.Transaction
    position: int
    contract: str
    currency: str
    amount: int  # minor units as posted: positive for a commission, negative for a clawback
    start: datetime.date
    end: datetime.date
    expensed: bool  # the practical expedient: a year or less, expensed as incurred
    terminated: datetime.date | None

    @property
    def booked(self) -> datetime.date:
        """The date the commission was incurred."""
        return self.entry.date


@dataclass(frozen=True)
class Schedule:
    """What happens to a capitalized commission: in minor units, in the line's sign."""

    capitalized: int
    amortized: list[schedule.Piece]
    impaired: schedule.Piece | None


def schedule_of(line: CommissionLine, policy: CommissionPolicy) -> Schedule:
    """Returns the capitalization, amortization and impairment of a commission."""
    if line.expensed:
        return Schedule(0, [], None)
    pieces = schedule.spread(line.amount, line.start, line.end, line.booked, policy.basis)
    if line.terminated is None:
        return Schedule(line.amount, pieces, None)
    kept = [(date, units) for date, units in pieces if date <= line.terminated]
    remaining = line.amount - sum(units for _, units in kept)
    impaired = (max(line.terminated, line.booked), remaining) if remaining else None
    return Schedule(line.amount, kept, impaired)


class _Reader:
    def __init__(self, policy: CommissionPolicy, book: contracts.Contracts) -> None:
        self.policy = policy
        self.contracts = book
        self.errors: list[CommissionError] = []

    def fail(self, entry: data.Transaction, posting: data.Posting, message: str) -> None:
        source = meta.source_of(entry, posting)
        self.errors.append(CommissionError(source, message, entry))

    def line(
        self, entry: data.Transaction, position: int, posting: data.Posting
    ) -> CommissionLine | None:
        values = {**entry.meta, **(posting.meta or {})}
        contract_id = values.get(meta.CONTRACT)
        if not contract_id:
            self.fail(
                entry, posting, "Commission has no 'contract'; expected the contract it obtained"
            )
            return None
        contract = self.contracts.by_id.get(str(contract_id))
        if contract is None:
            self.fail(
                entry,
                posting,
                f"Unknown contract '{contract_id}'; expected a custom \"contract\" declaring it",
            )
            return None
        period = self.period(entry, posting, values, contract)
        units = posting.units
        if period is None or units is None or not isinstance(units.number, Decimal):
            return None
        amount = self.policy.precision.to_minor(units.number, units.currency)
        if amount is None:
            self.fail(entry, posting, self.policy.precision.excess(units.number, units.currency))
            return None
        start, end = period
        expensed = self.policy.practical_expedient and end <= schedule.end_of_term(start, 12)
        terminated = self.contracts.terminated.get(contract.id)
        return CommissionLine(
            entry, position, contract.id, units.currency, amount, start, end, expensed, terminated
        )

    def period(
        self,
        entry: data.Transaction,
        posting: data.Posting,
        values: dict[str, Any],
        contract: contracts.Contract,
    ) -> tuple[datetime.date, datetime.date] | None:
        known = len(self.errors)
        start = self.given_date(entry, posting, values, meta.AMORTIZE_START, "Amortization start")
        end = self.given_date(entry, posting, values, meta.AMORTIZE_END, "Amortization end")
        if len(self.errors) > known:
            return None
        if end is not None:
            if start is None:
                missing = f"Missing '{meta.AMORTIZE_START}' beside '{meta.AMORTIZE_END}'"
                self.fail(entry, posting, missing)
                return None
            if end < start:
                backwards = f"Amortization end '{end}' is before amortization start '{start}'"
                self.fail(entry, posting, backwards)
                return None
            return start, end
        begin = start or contract.start or entry.date
        if meta.AMORTIZE_MONTHS in values:
            months = values[meta.AMORTIZE_MONTHS]
            if isinstance(months, Decimal) and months == months.to_integral_value() and months > 0:
                return begin, schedule.end_of_term(begin, int(months))
            not_whole = f"Amortization months '{months}' is not a whole number of months"
            self.fail(entry, posting, not_whole)
            return None
        life = self.policy.initial_customer_life_months
        if life and values.get(PLAN_TYPE, INITIAL) == INITIAL:
            return begin, schedule.end_of_term(begin, life)
        if contract.start and contract.end:
            return contract.start, contract.end
        self.fail(
            entry,
            posting,
            f"Commission on contract '{contract.id}' has no period of benefit; expected "
            f"'{meta.AMORTIZE_START}' and '{meta.AMORTIZE_END}', '{meta.AMORTIZE_MONTHS}', "
            "or a contract with 'start' and 'end'",
        )
        return None

    def given_date(
        self,
        entry: data.Transaction,
        posting: data.Posting,
        values: dict[str, Any],
        key: str,
        label: str,
    ) -> datetime.date | None:
        """Returns the date under `key`; None, with an error if present but not a date."""
        if key not in values:
            return None
        parsed = meta.date_of(values[key])
        if parsed is None:
            self.fail(entry, posting, f"{label} '{values[key]}' is not a date; expected YYYY-MM-DD")
        return parsed


def read(
    entries: Sequence[data.Directive], policy: CommissionPolicy
) -> tuple[list[CommissionLine], list[Any]]:
    """Returns the commissions of typed entries, and the errors found in them."""
    book, errors = contracts.read(entries)
    reader = _Reader(policy, book)
    expense = policy.accounts.commission_expense
    lines = []
    for entry in entries:
        if not isinstance(entry, data.Transaction) or meta.is_generated(entry):
            continue
        for position, posting in enumerate(entry.postings, 1):
            if posting.account == expense:
                line = reader.line(entry, position, posting)
                if line is not None:
                    lines.append(line)
    return lines, [*errors, *reader.errors]
