"""The demo company's sales commission plan: who is paid what on which contract, and when.

Reps are paid on every fixed-term contract (annual plans and reserved GPU
capacity) signed or renewed, as a share of its first-year value (the term's
price over its years):

- ``initial``, the customer's first fixed term: 10% for annual plans, 8% for
  reserved capacity;
- ``renewal``, every later term: 4%.

A credit note or an early termination within twelve months of a term's start
claws back the commission's share of the credited value (a negative
commission). Commissions are paid semi-monthly: what is earned on the 1st to
the 15th is paid on the 15th, the rest on the month's last day.

The commission system went live twelve months before the books end, so only
what it paid from then on is exported (and clawed back). Each customer has one
account owner, drawn from the reps of its entity in turn; nothing here is
random.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from demo import catalog
from demo.company import Commission, Contract, CreditNote, Customer, PlanType
from demo.dates import Month, add_months
from demo.lifecycle import prorate

# Rates in basis points of the first-year value.
INITIAL_RATE_BP: Mapping[str, int] = {
    catalog.TEAM_ANNUAL.code: 1_000,
    catalog.ENTERPRISE_ANNUAL.code: 1_000,
    catalog.GPU_RESERVED_2Y.code: 800,
    catalog.GPU_RESERVED_3Y.code: 800,
}
RENEWAL_RATE_BP = 400
CLAWBACK_MONTHS = 12  # Credits within this many months of a term's start claw back.
EXPORT_MONTHS = 12  # The commission system's history: the books' last twelve months.
PAYROLL_MID_MONTH = 15

REPS: Mapping[str, tuple[str, ...]] = {
    "US": ("Dana Whitfield", "Marcus Oyelaran", "Priya Raman", "Tom Castellano", "Grace Liu"),
    "EU": ("Sofie de Vries", "Lukas Brandt", "Ines Moreau"),
}

_PRODUCTS = {product.code: product for product in catalog.PRODUCTS}


@dataclass(frozen=True)
class _Draft:
    """A commission before numbering: what earned it, and on which day."""

    earned: datetime.date
    kind: int  # 0 a commission, 1 a clawback: commissions come first on a day.
    contract: Contract
    plan_type: PlanType
    amount: int


def export_start(start: datetime.date, end: datetime.date) -> datetime.date:
    """Return the first day the commission system exported: twelve months before ``end``."""
    return max(start, Month.of(end).plus(1 - EXPORT_MONTHS).first)


def paid_on(day: datetime.date) -> datetime.date:
    """Return the payroll date that pays what was earned on ``day``."""
    if day.day <= PAYROLL_MID_MONTH:
        return day.replace(day=PAYROLL_MID_MONTH)
    return Month.of(day).last


def first_year_value(contract: Contract) -> int:
    """Return a fixed-term contract's value for its first twelve months, in minor units."""
    return prorate(contract.amount, 12, _PRODUCTS[contract.product].term_months)


def commissions(
    customers: Iterable[Customer],
    contracts: Iterable[Contract],
    credit_notes: Iterable[CreditNote],
    start: datetime.date,
    end: datetime.date,
) -> tuple[Commission, ...]:
    """Return the commissions and clawbacks the commission system paid, in payment order.

    Args:
        customers: Every customer (for its entity, which decides its rep).
        contracts: Every contract, in the order each customer signed them.
        credit_notes: Every credit note; those naming a commissioned contract claw back.
        start: The first day of the books.
        end: The last day of the books; nothing is paid after it.

    Returns:
        The commissions numbered ``COM-YYYY-MM-NNNN`` within each payment month.
    """
    first = export_start(start, end)
    drafts = _earned(contracts)
    paid = {d.contract.id: d for d in drafts if first <= paid_on(d.earned) <= end}
    drafts = [d for d in drafts if d.contract.id in paid]
    drafts += _clawbacks(paid, credit_notes, end)
    owners = _owners(customers)
    drafts.sort(key=lambda d: (paid_on(d.earned), d.kind, d.contract.id, d.earned))
    counters: dict[Month, int] = {}
    made = []
    for draft in drafts:
        day = paid_on(draft.earned)
        counters[Month.of(day)] = counters.get(Month.of(day), 0) + 1
        contract = draft.contract
        made.append(
            Commission(
                id=f"COM-{Month.of(day).label}-{counters[Month.of(day)]:04d}",
                date=day,
                payee=owners[contract.customer_id],
                opportunity_id=contract.opportunity_id or contract.id.replace("CTR-", "OPP-", 1),
                contract_id=contract.id,
                customer_id=contract.customer_id,
                currency=contract.currency,
                amount=draft.amount,
                plan_type=draft.plan_type,
            )
        )
    return tuple(made)


def _earned(contracts: Iterable[Contract]) -> list[_Draft]:
    """Return the commission earned on signing each fixed-term contract."""
    drafts = []
    seen: set[str] = set()
    for contract in contracts:
        if contract.end is None:
            continue
        initial = contract.customer_id not in seen
        seen.add(contract.customer_id)
        rate = INITIAL_RATE_BP[contract.product] if initial else RENEWAL_RATE_BP
        plan_type = PlanType.INITIAL if initial else PlanType.RENEWAL
        amount = prorate(first_year_value(contract), rate, 10_000)
        drafts.append(_Draft(contract.signed, 0, contract, plan_type, amount))
    return drafts


def _clawbacks(
    paid: Mapping[str, _Draft], credit_notes: Iterable[CreditNote], end: datetime.date
) -> list[_Draft]:
    """Return the clawback of each credit within the clawback window of a paid commission."""
    drafts = []
    for note in credit_notes:
        original = paid.get(note.contract_id or "")
        if original is None:
            continue
        contract = original.contract
        window_end = add_months(contract.start, CLAWBACK_MONTHS)
        if note.date >= window_end or paid_on(note.date) > end:
            continue
        amount = -prorate(original.amount, -note.total, contract.amount)
        if amount:
            drafts.append(_Draft(note.date, 1, contract, original.plan_type, amount))
    return drafts


def _owners(customers: Iterable[Customer]) -> dict[str, str]:
    """Return each customer's account owner: its entity's reps in turn, by customer number."""
    owners = {}
    for customer in customers:
        reps = REPS[customer.entity]
        number = int(customer.id.rsplit("-", 1)[-1])
        owners[customer.id] = reps[number % len(reps)]
    return owners
