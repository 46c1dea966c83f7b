"""How each kind of customer behaves over time: what it is billed, credited and voided.

A lifecycle turns one :class:`Prospect` and its own random source into a
:class:`CustomerHistory` of drafts. Drafts are numbered per customer (``seq``);
``demo.simulate`` later gives them company-wide ids and applies cash.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from dataclasses import dataclass

from demo import catalog
from demo.company import (
    Contract,
    Customer,
    Entity,
    InvoiceLine,
    Product,
    Recognition,
    Segment,
)
from demo.dates import ONE_DAY, Month, add_months, days_inclusive, term_end

MONTHLY_CHURN = 0.04  # Chance a monthly subscriber leaves at each renewal.
PAYG_CHURN = 0.03  # Chance a pay-as-you-go GPU customer leaves in a month.
UPGRADE_RATE = 0.35  # Share of Starter subscribers who upgrade to Team mid-cycle.
VOID_RATE = 0.05  # Share of customers whose first invoice is issued twice, then voided.
ONBOARDING_RATE = 0.4  # Share of annual customers buying onboarding.
FINE_TUNING_RATE = 0.5  # Share of reserved-capacity customers buying fine-tuning.
PAYG_FINE_TUNING_RATE = 0.15
OVERAGE_RATE = 0.4  # Chance a reserved-capacity customer has overage in a month.


@dataclass(frozen=True)
class Prospect:
    """A customer as decided before its lifecycle runs: who, where, what and when."""

    number: int
    id: str
    name: str
    entity: Entity
    segment: Segment
    signup: datetime.date


@dataclass(frozen=True)
class DraftInvoice:
    """An invoice before company-wide numbering; ``pay_after`` None means never paid."""

    seq: int
    date: datetime.date
    due: datetime.date
    contract_id: str | None
    lines: tuple[InvoiceLine, ...]
    pay_after: int | None

    @property
    def total(self) -> int:
        """The invoice total in minor units."""
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class DraftCredit:
    """A credit note against the customer's invoice number ``credits`` (its ``seq``)."""

    seq: int
    date: datetime.date
    credits: int
    contract_id: str | None
    reason: str
    lines: tuple[InvoiceLine, ...]
    refund_after: int

    @property
    def total(self) -> int:
        """The credit note total in minor units (negative)."""
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class DraftVoid:
    """The void, on ``date``, of the customer's invoice number ``invoice`` (its ``seq``)."""

    date: datetime.date
    invoice: int
    reason: str


@dataclass(frozen=True)
class CustomerHistory:
    """Everything one customer was billed, credited and voided, as drafts."""

    customer: Customer
    contracts: tuple[Contract, ...]
    invoices: tuple[DraftInvoice, ...]
    credits: tuple[DraftCredit, ...]
    voids: tuple[DraftVoid, ...]


@dataclass(frozen=True)
class _TermPlan:
    """How a customer on fixed terms (annual or reserved capacity) behaves."""

    renewal: float
    net_days: int
    credit_rate: float
    credit_percents: tuple[int, ...]
    credit_window: tuple[int, int]  # Days after the term starts.
    delivery: tuple[int, int]  # Days from signing to delivering a service.
    termination_rate: float = 0.0  # Chance a term is ended early (its unused days credited).
    termination_window: tuple[int, int] = (0, 0)  # Days after the term starts.


ANNUAL_PLAN = _TermPlan(0.8, 30, 0.15, (5, 10), (30, 240), (30, 61))
COMMITMENT_PLAN = _TermPlan(0.7, 45, 0.3, (2, 3), (60, 400), (30, 61), 0.25, (120, 540))
NET_DAYS = 30


class _Books:
    """The mutable ledger of one customer while its lifecycle runs."""

    def __init__(self, prospect: Prospect, rng: random.Random, end: datetime.date) -> None:
        self.prospect = prospect
        self.rng = rng
        self.end = end
        self.currency = prospect.entity.currency
        self.payer = rng.choices(("prompt", "slow", "delinquent"), weights=(75, 20, 5))[0]
        self.contracts: list[Contract] = []
        self.invoices: list[DraftInvoice] = []
        self.credits: list[DraftCredit] = []
        self.voids: list[DraftVoid] = []

    def price(self, product: Product) -> int:
        return product.price(self.currency)

    def contract(
        self, product: Product, start: datetime.date, end: datetime.date | None, amount: int
    ) -> str:
        number = self.prospect.id.removeprefix("CUS-")
        contract_id = f"CTR-{number}-{len(self.contracts) + 1:02d}"
        contract = Contract(
            contract_id, self.prospect.id, product.code, start, start, end, amount, self.currency
        )
        self.contracts.append(contract)
        return contract_id

    def terminate(self, contract_id: str, day: datetime.date) -> None:
        """Record that a contract's term was ended early on ``day``."""
        self.contracts = [
            dataclasses.replace(c, terminated=day) if c.id == contract_id else c
            for c in self.contracts
        ]

    def invoice(
        self, day: datetime.date, net_days: int, contract_id: str, lines: list[InvoiceLine]
    ) -> int:
        seq = len(self.invoices)
        due = day + datetime.timedelta(days=net_days)
        draft = DraftInvoice(seq, day, due, contract_id, tuple(lines), self.pay_after())
        self.invoices.append(draft)
        return seq

    def credit(
        self, day: datetime.date, invoice: int, reason: str, lines: list[InvoiceLine]
    ) -> None:
        contract_id = self.invoices[invoice].contract_id
        refund_after = self.rng.randint(5, 15)
        seq = len(self.credits)
        self.credits.append(
            DraftCredit(seq, day, invoice, contract_id, reason, tuple(lines), refund_after)
        )

    def pay_after(self) -> int | None:
        """Draw how many days after issue the customer pays an invoice (None: never)."""
        draw = self.rng.random()
        if self.payer == "prompt":
            return self.rng.randint(2, 27)
        if self.payer == "slow":
            return self.rng.randint(5, 28) if draw < 0.6 else self.rng.randint(35, 95)
        return None if draw < 0.4 else self.rng.randint(45, 180)


def ratable(product: Product, amount: int, start: datetime.date, end: datetime.date) -> InvoiceLine:
    """Return a line earned evenly over ``start`` .. ``end`` (inclusive)."""
    return InvoiceLine(product.code, product.stream, Recognition.RATABLE, amount, start, end)


def point(product: Product, amount: int, delivered: datetime.date) -> InvoiceLine:
    """Return a line earned on its delivery date."""
    return InvoiceLine(
        product.code, product.stream, Recognition.POINT, amount, delivered, delivered
    )


def usage(product: Product, quantity: int, unit_price: int) -> InvoiceLine:
    """Return a line for usage billed in arrears, earned when billed."""
    return InvoiceLine(
        product.code,
        product.stream,
        Recognition.ARREARS,
        quantity * unit_price,
        quantity=quantity,
        unit_price=unit_price,
    )


def prorate(amount: int, part_days: int, whole_days: int) -> int:
    """Return ``amount * part_days / whole_days`` rounded half away from zero."""
    magnitude = (abs(amount) * part_days * 2 + whole_days) // (whole_days * 2)
    return magnitude if amount >= 0 else -magnitude


def simulate_customer(
    prospect: Prospect, rng: random.Random, end: datetime.date
) -> CustomerHistory:
    """Run one customer's lifecycle from its signup until the books end.

    Args:
        prospect: Who the customer is and when it signs.
        rng: The customer's own random source.
        end: The last day of the books; nothing is dated after it.

    Returns:
        The customer's contracts, invoices, credit notes and voids.
    """
    books = _Books(prospect, rng, end)
    lifecycles = {
        Segment.MONTHLY: _monthly,
        Segment.ANNUAL: _annual,
        Segment.COMMITMENT: _commitment,
        Segment.PAYG: _payg,
    }
    until = lifecycles[prospect.segment](books, prospect.signup)
    _maybe_duplicate_and_void(books)
    customer = Customer(
        prospect.id,
        prospect.name,
        prospect.entity.code,
        books.currency,
        prospect.segment,
        prospect.signup,
        until,
    )
    return CustomerHistory(
        customer,
        tuple(books.contracts),
        tuple(books.invoices),
        tuple(books.credits),
        tuple(books.voids),
    )


def _monthly(books: _Books, start: datetime.date) -> datetime.date | None:
    rng = books.rng
    product = catalog.STARTER_MONTHLY if rng.random() < 0.6 else catalog.TEAM_MONTHLY
    upgrade_period = rng.randint(0, 5) if rng.random() < UPGRADE_RATE else None
    upgrade_offset = rng.randint(4, 24)
    contract = books.contract(product, start, None, books.price(product))
    period = 0
    while True:
        period_start = add_months(start, period)
        if period_start > books.end:
            return None
        if period > 0 and rng.random() < MONTHLY_CHURN:
            return period_start - ONE_DAY
        period_end = term_end(period_start, 1)
        line = ratable(product, books.price(product), period_start, period_end)
        books.invoice(period_start, NET_DAYS, contract, [line])
        upgrade_day = period_start + datetime.timedelta(days=upgrade_offset)
        is_upgrade = period == upgrade_period and product is catalog.STARTER_MONTHLY
        if is_upgrade and upgrade_day <= min(period_end, books.end):
            _upgrade(books, contract, period_start, period_end, upgrade_day)
            product = catalog.TEAM_MONTHLY
        period += 1


def _upgrade(
    books: _Books,
    contract: str,
    period_start: datetime.date,
    period_end: datetime.date,
    day: datetime.date,
) -> None:
    """Bill a Starter to Team upgrade: credit unused Starter days, charge the Team rest."""
    old, new = catalog.STARTER_MONTHLY, catalog.TEAM_MONTHLY
    remaining = days_inclusive(day, period_end)
    whole = days_inclusive(period_start, period_end)
    lines = [
        ratable(old, -prorate(books.price(old), remaining, whole), day, period_end),
        ratable(new, prorate(books.price(new), remaining, whole), day, period_end),
    ]
    books.invoice(day, NET_DAYS, contract, lines)


def _annual(books: _Books, start: datetime.date) -> datetime.date | None:
    rng = books.rng
    product = catalog.TEAM_ANNUAL if rng.random() < 0.7 else catalog.ENTERPRISE_ANNUAL
    service = catalog.ONBOARDING if rng.random() < ONBOARDING_RATE else None
    return _terms(books, start, product, service, ANNUAL_PLAN)


def _commitment(books: _Books, start: datetime.date) -> datetime.date | None:
    rng = books.rng
    product = catalog.GPU_RESERVED_2Y if rng.random() < 0.5 else catalog.GPU_RESERVED_3Y
    service = catalog.FINE_TUNING if rng.random() < FINE_TUNING_RATE else None
    until = _terms(books, start, product, service, COMMITMENT_PLAN)
    _overage(books, start, until)
    return until


def _terms(
    books: _Books,
    start: datetime.date,
    product: Product,
    service: Product | None,
    plan: _TermPlan,
) -> datetime.date | None:
    """Bill fixed terms upfront, renewing each with ``plan.renewal`` probability."""
    rng = books.rng
    term = 0
    while True:
        term_start = add_months(start, term * product.term_months)
        if term_start > books.end:
            return None
        if term > 0 and rng.random() >= plan.renewal:
            return term_start - ONE_DAY
        last_day = term_end(term_start, product.term_months)
        price = books.price(product)
        contract = books.contract(product, term_start, last_day, price)
        lines = [ratable(product, price, term_start, last_day)]
        if term == 0 and service is not None:
            delivered = term_start + datetime.timedelta(days=rng.randint(*plan.delivery))
            lines.append(point(service, books.price(service), delivered))
        invoice = books.invoice(term_start, plan.net_days, contract, lines)
        ended = _early_termination(books, plan, product, contract, invoice, term_start, last_day)
        if ended is not None:
            return ended
        if rng.random() < plan.credit_rate:
            day = term_start + datetime.timedelta(days=rng.randint(*plan.credit_window))
            credit = price * rng.choice(plan.credit_percents) // 100
            if day <= min(last_day, books.end):
                books.credit(day, invoice, "SLA credit", [ratable(product, -credit, day, last_day)])
        term += 1


def _early_termination(
    books: _Books,
    plan: _TermPlan,
    product: Product,
    contract: str,
    invoice: int,
    term_start: datetime.date,
    last_day: datetime.date,
) -> datetime.date | None:
    """Sometimes end a term early: credit its unused days and stop the contract.

    Returns:
        The customer's last day (the day before the termination), or None if
        the term runs on.
    """
    if not plan.termination_rate or books.rng.random() >= plan.termination_rate:
        return None
    day = term_start + datetime.timedelta(days=books.rng.randint(*plan.termination_window))
    if day > min(last_day, books.end):
        return None
    whole = days_inclusive(term_start, last_day)
    unused = prorate(books.price(product), days_inclusive(day, last_day), whole)
    lines = [ratable(product, -unused, day, last_day)]
    books.credit(day, invoice, "Early termination", lines)
    books.terminate(contract, day)
    return day - ONE_DAY


def _overage(books: _Books, start: datetime.date, until: datetime.date | None) -> None:
    """Bill GPU hours used above the reservation, monthly in arrears, in some months."""
    rng = books.rng
    unit_price = catalog.OVERAGE_PRICE[books.currency]
    contract = books.contract(catalog.GPU_HOURS, start, None, unit_price)
    month, last = Month.of(start), Month.of(min(until or books.end, books.end))
    while month <= last:
        if rng.random() < OVERAGE_RATE:
            hours = rng.randint(100, 4000)
            books.invoice(
                month.last, NET_DAYS, contract, [usage(catalog.GPU_HOURS, hours, unit_price)]
            )
        month = month.plus(1)


def _payg(books: _Books, start: datetime.date) -> datetime.date | None:
    """Bill on-demand GPU hours monthly in arrears until the customer leaves."""
    rng = books.rng
    unit_price = books.price(catalog.GPU_HOURS)
    contract = books.contract(catalog.GPU_HOURS, start, None, unit_price)
    if rng.random() < PAYG_FINE_TUNING_RATE:
        delivered = start + datetime.timedelta(days=rng.randint(30, 61))
        service = point(catalog.FINE_TUNING, books.price(catalog.FINE_TUNING), delivered)
        books.invoice(start, NET_DAYS, contract, [service])
    level = rng.randint(80, 6000)
    month, active = Month.of(start), 0
    while month.first <= books.end:
        if active >= 3 and rng.random() < PAYG_CHURN:
            return month.first - ONE_DAY
        level = max(10, level * rng.randint(75, 135) // 100)
        used_days = days_inclusive(max(start, month.first), month.last)
        hours = level * used_days // days_inclusive(month.first, month.last)
        if hours > 0:
            books.invoice(
                month.last, NET_DAYS, contract, [usage(catalog.GPU_HOURS, hours, unit_price)]
            )
        month, active = month.plus(1), active + 1
    return None


def _maybe_duplicate_and_void(books: _Books) -> None:
    """Sometimes issue the first invoice twice by mistake and void the copy next month."""
    if books.rng.random() >= VOID_RATE or not books.invoices:
        return
    original = books.invoices[0]
    offset = datetime.timedelta(days=books.rng.randint(1, 19))
    void_day = Month.of(original.date).plus(1).first + offset
    if void_day > books.end:
        return
    seq = len(books.invoices)
    copy = DraftInvoice(
        seq, original.date, original.due, original.contract_id, original.lines, None
    )
    books.invoices.append(copy)
    books.voids.append(DraftVoid(void_day, seq, "Issued twice in error"))
