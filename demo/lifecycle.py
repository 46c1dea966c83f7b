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
    CreditGrant,
    Customer,
    Entity,
    InvoiceLine,
    Opportunity,
    OpportunityLine,
    Product,
    Recognition,
    Segment,
    UsageMonth,
)
from demo.dates import ONE_DAY, Month, add_months, days_inclusive, term_end
from demo.metering import Wallet

MONTHLY_CHURN = 0.04  # Chance a monthly subscriber leaves at each renewal.
PAYG_CHURN = 0.03  # Chance a pay-as-you-go GPU customer leaves in a month.
UPGRADE_RATE = 0.35  # Share of Starter subscribers who upgrade to Team mid-cycle.
VOID_RATE = 0.05  # Share of customers whose first invoice is issued twice, then voided.
ONBOARDING_RATE = 0.4  # Share of annual customers buying onboarding.
FINE_TUNING_RATE = 0.5  # Share of reserved-capacity customers buying fine-tuning.
PAYG_FINE_TUNING_RATE = 0.15
OVERAGE_RATE = 0.4  # Chance a reserved-capacity customer has overage in a month.
# Discounts on the one-off service of a first term, in percent, drawn in turn:
# the deal is a bundle whose price the allocation spreads by SSP.
ONBOARDING_DISCOUNTS = (0, 0, 50)
FINE_TUNING_DISCOUNTS = (0, 25)
MEDIA_RATE = 0.25  # Share of monthly subscribers metered for image and video generation.
VIDEO_RATE = 0.5  # Share of those who also generate video.
CREDIT_RATE = 0.35  # Share of pay-as-you-go customers who prepay GPU credit packs.
CREDIT_PACK_MONTHS = (3, 6, 13)  # A pack's size, in months of the customer's usage.
CREDIT_PACK_STEP = 100_000  # Packs are sold in steps of 1,000.00.
PROMOTION_FROM = datetime.date(2026, 1, 1)  # New customers from then may get free credit.
PROMOTION_RATE = 0.5
PROMOTION_AMOUNT = 50_000  # 500.00 of free credit...
PROMOTION_MONTHS = 3  # ...usable for three months.
ADJUSTMENT_RATE = 0.04  # Chance a usage month has an adjustment row (hours given back).
BILLING_ERROR_RATE = 0.006  # Chance the billing system bills other hours than metered.
BILLING_ERRORS = (-12, 8, 24)  # Hours billed beyond those metered, when it does.


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
        return sum(line.billed for line in self.lines)


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
    """Everything one customer was billed, credited and voided, as drafts.

    Also what the customer's meter read (``usage``), the free credit it was
    given (``grants``) and its deals in the CRM (``opportunities``).
    """

    customer: Customer
    contracts: tuple[Contract, ...]
    invoices: tuple[DraftInvoice, ...]
    credits: tuple[DraftCredit, ...]
    voids: tuple[DraftVoid, ...]
    usage: tuple[UsageMonth, ...] = ()
    grants: tuple[CreditGrant, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()


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
        self.usage: list[UsageMonth] = []
        self.grants: list[CreditGrant] = []
        self.opportunities: list[Opportunity] = []

    def price(self, product: Product) -> int:
        return product.price(self.currency)

    def contract(
        self,
        product: Product,
        start: datetime.date,
        end: datetime.date | None,
        amount: int,
        opportunity_id: str | None = None,
    ) -> str:
        number = self.prospect.id.removeprefix("CUS-")
        contract_id = f"CTR-{number}-{len(self.contracts) + 1:02d}"
        contract = Contract(
            contract_id,
            self.prospect.id,
            product.code,
            start,
            start,
            end,
            amount,
            self.currency,
            opportunity_id=opportunity_id,
        )
        self.contracts.append(contract)
        return contract_id

    def opportunity_id(self) -> str:
        """Return the next opportunity's id, in Salesforce's 15-character form."""
        return salesforce_id("0065g", self.prospect.number * 100 + len(self.opportunities) + 1)

    def opportunity(
        self,
        opportunity_id: str,
        stage: str,
        day: datetime.date,
        name: str,
        contract_id: str | None,
        lines: list[OpportunityLine],
    ) -> None:
        self.opportunities.append(
            Opportunity(
                opportunity_id,
                f"{self.prospect.name} - {name}",
                self.prospect.id,
                stage,
                day,
                self.currency,
                contract_id,
                tuple(lines),
            )
        )

    def meter(
        self, month: Month, sku: str, quantity: int, first: datetime.date, last: datetime.date
    ) -> None:
        """Record a month of metered usage, sometimes with hours given back by an adjustment."""
        adjustment = 0
        if self.rng.random() < ADJUSTMENT_RATE:
            adjustment = max(1, quantity // 50)
        self.usage.append(
            UsageMonth(self.prospect.id, month, sku, quantity, first, last, adjustment)
        )

    def bill_usage(self, month: Month, contract_id: str | None, lines: list[InvoiceLine]) -> None:
        """Invoice a usage month on the next month's first day (if the books reach it)."""
        day = month.plus(1).first
        billed = [line for line in lines if line.billed]
        if billed and day <= self.end:
            self.invoice(day, NET_DAYS, contract_id, billed)

    def terminate(self, contract_id: str, day: datetime.date) -> None:
        """Record that a contract's term was ended early on ``day``."""
        self.contracts = [
            dataclasses.replace(c, terminated=day) if c.id == contract_id else c
            for c in self.contracts
        ]

    def invoice(
        self, day: datetime.date, net_days: int, contract_id: str | None, lines: list[InvoiceLine]
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


def usage(
    product: Product, month: Month, quantity: int, unit_price: int, credit: int = 0
) -> InvoiceLine:
    """Return a line for a month of usage billed in arrears at a price per unit.

    ``credit`` is prepaid credit applied to it.
    """
    return InvoiceLine(
        product.code,
        product.stream,
        Recognition.ARREARS,
        quantity * unit_price,
        month.first,
        month.last,
        quantity=quantity,
        unit_price=unit_price,
        credit=credit,
    )


def tiered_usage(product: Product, month: Month, quantity: int, currency: str) -> InvoiceLine:
    """Return a line for a month of usage of a SKU priced by tiers."""
    amount = catalog.tiered_amount(product.code, currency, quantity)
    return InvoiceLine(
        product.code,
        product.stream,
        Recognition.ARREARS,
        amount,
        month.first,
        month.last,
        quantity=quantity,
    )


def credit_pack(amount: int, day: datetime.date) -> InvoiceLine:
    """Return a line selling prepaid GPU credit (one credit per unit of currency)."""
    product = catalog.GPU_CREDITS
    end = add_months(day, product.term_months)
    quantity = amount // product.prices["USD"]
    return InvoiceLine(
        product.code,
        product.stream,
        Recognition.PREPAID,
        amount,
        day,
        end,
        quantity=quantity,
        unit_price=product.prices["USD"],
    )


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def salesforce_id(prefix: str, number: int) -> str:
    """Return a 15-character Salesforce-style id: a key prefix and a number in base 62."""
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = _BASE62[digit] + digits
    return prefix + digits.rjust(15 - len(prefix), "0")


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
        tuple(books.usage),
        tuple(books.grants),
        tuple(books.opportunities),
    )


def _monthly(books: _Books, start: datetime.date) -> datetime.date | None:
    until = _monthly_plan(books, start)
    if books.rng.random() < MEDIA_RATE:
        _media_usage(books, start, until, books.contracts[0].id)
    return until


def _monthly_plan(books: _Books, start: datetime.date) -> datetime.date | None:
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


def _media_usage(
    books: _Books, start: datetime.date, until: datetime.date | None, contract: str
) -> None:
    """Meter generated images (and for some, video seconds), billed monthly in arrears."""
    rng = books.rng
    skus = [catalog.IMAGE_GENERATIONS]
    levels = [rng.randint(2_000, 60_000)]
    if rng.random() < VIDEO_RATE:
        skus.append(catalog.VIDEO_SECONDS)
        levels.append(rng.randint(600, 20_000))
    last_day = min(until or books.end, books.end)
    month = Month.of(start)
    while month.first <= last_day:
        first, last = max(start, month.first), min(last_day, month.last)
        lines = []
        for index, sku in enumerate(skus):
            levels[index] = max(100, levels[index] * rng.randint(80, 125) // 100)
            quantity = levels[index] * days_inclusive(first, last) // month.last.day
            if quantity > 0:
                books.meter(month, sku.code, quantity, first, last)
                lines.append(tiered_usage(sku, month, quantity, books.currency))
        books.bill_usage(month, contract, lines)
        month = month.plus(1)


def _annual(books: _Books, start: datetime.date) -> datetime.date | None:
    rng = books.rng
    product = catalog.TEAM_ANNUAL if rng.random() < 0.7 else catalog.ENTERPRISE_ANNUAL
    service = catalog.ONBOARDING if rng.random() < ONBOARDING_RATE else None
    return _terms(books, start, product, service, ANNUAL_PLAN, ONBOARDING_DISCOUNTS)


def _commitment(books: _Books, start: datetime.date) -> datetime.date | None:
    rng = books.rng
    product = catalog.GPU_RESERVED_2Y if rng.random() < 0.5 else catalog.GPU_RESERVED_3Y
    service = catalog.FINE_TUNING if rng.random() < FINE_TUNING_RATE else None
    until = _terms(books, start, product, service, COMMITMENT_PLAN, FINE_TUNING_DISCOUNTS)
    _overage(books, start, until)
    return until


WON, LOST = "Closed Won", "Closed Lost"


def _terms(
    books: _Books,
    start: datetime.date,
    product: Product,
    service: Product | None,
    plan: _TermPlan,
    discounts: tuple[int, ...],
) -> datetime.date | None:
    """Bill fixed terms upfront, renewing each with ``plan.renewal`` probability.

    Each term is a won opportunity in the CRM (its contract); a renewal that
    fails is a lost one. A first term may bundle a one-off service, at a
    discount in some deals; a discounted bundle of an annual plan bills the
    plan monthly instead of upfront (and gets no SLA credit).
    """
    rng = books.rng
    term = 0
    while True:
        term_start = add_months(start, term * product.term_months)
        if term_start > books.end:
            return None
        last_day = term_end(term_start, product.term_months)
        price = books.price(product)
        deal = OpportunityLine(product.code, 1, price, price, start=term_start, end=last_day)
        name = f"{product.name} {'renewal ' if term else ''}{term_start.year}"
        opportunity = books.opportunity_id()
        if term > 0 and rng.random() >= plan.renewal:
            books.opportunity(opportunity, LOST, term_start, name, None, [deal])
            return term_start - ONE_DAY
        contract = books.contract(product, term_start, last_day, price, opportunity)
        services = []
        deals = [deal]
        if term == 0 and service is not None:
            delivered = term_start + datetime.timedelta(days=rng.randint(*plan.delivery))
            listed = books.price(service)
            sold = listed * (100 - discounts[books.prospect.number % len(discounts)]) // 100
            services.append(point(service, sold, delivered))
            deals.append(OpportunityLine(service.code, 1, sold, listed, delivered=delivered))
        books.opportunity(opportunity, WON, term_start, name, contract, deals)
        monthly = product.term_months == 12 and any(d.sales_price < d.list_price for d in deals)
        if monthly:
            invoice = _bill_monthly(books, contract, product, term_start, services)
        else:
            lines = [ratable(product, price, term_start, last_day), *services]
            invoice = books.invoice(term_start, plan.net_days, contract, lines)
        ended = _early_termination(books, plan, product, contract, invoice, term_start, last_day)
        if ended is not None:
            return ended
        if rng.random() < plan.credit_rate:
            day = term_start + datetime.timedelta(days=rng.randint(*plan.credit_window))
            credit = price * rng.choice(plan.credit_percents) // 100
            if day <= min(last_day, books.end) and not monthly:
                books.credit(day, invoice, "SLA credit", [ratable(product, -credit, day, last_day)])
        term += 1


def _bill_monthly(
    books: _Books,
    contract: str,
    product: Product,
    start: datetime.date,
    services: list[InvoiceLine],
) -> int:
    """Bill a term's price in equal monthly parts in advance, the services with the first.

    Returns:
        The first invoice's number.
    """
    price, months = books.price(product), product.term_months
    first = None
    for month in range(months):
        period_start = add_months(start, month)
        if period_start > books.end:
            break
        part = price * (month + 1) // months - price * month // months
        lines = [ratable(product, part, period_start, term_end(period_start, 1))]
        seq = books.invoice(
            period_start, NET_DAYS, contract, lines + (services if month == 0 else [])
        )
        first = seq if first is None else first
    assert first is not None
    return first


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
    """Meter GPU hours used above the reservation, in some months, billed the month after.

    They are priced at the reservation's overage price: the contract's price
    in config/pricing.yaml.
    """
    rng = books.rng
    unit_price = catalog.OVERAGE_PRICE[books.currency]
    contract = books.contract(catalog.GPU_HOURS, start, None, unit_price)
    last_day = min(until or books.end, books.end)
    month = Month.of(start)
    while month.first <= last_day:
        if rng.random() < OVERAGE_RATE:
            hours = rng.randint(100, 4000)
            books.meter(
                month,
                catalog.GPU_HOURS.code,
                hours,
                max(start, month.first),
                min(last_day, month.last),
            )
            _bill_hours(books, month, contract, hours, unit_price)
        month = month.plus(1)


def _bill_hours(
    books: _Books, month: Month, contract: str, hours: int, unit_price: int, credit: int = 0
) -> None:
    """Invoice a month of GPU hours; rarely the billing system bills other hours than metered."""
    billed = hours
    if not credit and books.rng.random() < BILLING_ERROR_RATE:
        billed = hours + books.rng.choice(BILLING_ERRORS)
    books.bill_usage(month, contract, [usage(catalog.GPU_HOURS, month, billed, unit_price, credit)])


def _payg(books: _Books, start: datetime.date) -> datetime.date | None:
    """Bill on-demand GPU hours monthly in arrears until the customer leaves.

    Some customers prepay credit packs, which their usage draws down (they buy
    another when the credit runs low), and some new customers get free credit.
    """
    rng = books.rng
    unit_price = books.price(catalog.GPU_HOURS)
    contract = books.contract(catalog.GPU_HOURS, start, None, unit_price)
    if rng.random() < PAYG_FINE_TUNING_RATE:
        delivered = start + datetime.timedelta(days=rng.randint(30, 61))
        service = point(catalog.FINE_TUNING, books.price(catalog.FINE_TUNING), delivered)
        books.invoice(start, NET_DAYS, contract, [service])
    level = rng.randint(80, 6000)
    wallet = Wallet()
    pack_months = rng.choice(CREDIT_PACK_MONTHS) if rng.random() < CREDIT_RATE else 0
    if start >= PROMOTION_FROM and rng.random() < PROMOTION_RATE:
        _promote(books, start, wallet)
    month, active, last_amount = Month.of(start), 0, level * unit_price
    while month.first <= books.end:
        if active >= 3 and rng.random() < PAYG_CHURN:
            return month.first - ONE_DAY
        day = max(start, month.first)
        if pack_months and wallet.available(day) < last_amount:
            _buy_credit(books, day, contract, wallet, last_amount * pack_months)
        level = max(10, level * rng.randint(75, 135) // 100)
        used_days = days_inclusive(day, month.last)
        hours = level * used_days // days_inclusive(month.first, month.last)
        if hours > 0:
            books.meter(month, catalog.GPU_HOURS.code, hours, day, month.last)
            last_amount = hours * unit_price
            drawn = wallet.draw(month.last, last_amount)
            _bill_hours(books, month, contract, hours, unit_price, drawn)
        month, active = month.plus(1), active + 1
    return None


def _buy_credit(
    books: _Books, day: datetime.date, contract: str, wallet: Wallet, wanted: int
) -> None:
    """Sell a credit pack of about ``wanted``, in steps of 1,000.00, usable for 12 months."""
    amount = max(1, -(-wanted // CREDIT_PACK_STEP)) * CREDIT_PACK_STEP
    line = credit_pack(amount, day)
    assert line.service_end is not None
    books.invoice(day, NET_DAYS, contract, [line])
    wallet.grant(day, line.service_end, amount)


def _promote(books: _Books, day: datetime.date, wallet: Wallet) -> None:
    """Give a new customer free credit (a promotional grant the accountant types in)."""
    expires = add_months(day, PROMOTION_MONTHS)
    number = books.prospect.id.removeprefix("CUS-")
    grant = CreditGrant(
        f"PROMO-{number}", day, books.prospect.id, books.currency, PROMOTION_AMOUNT, expires
    )
    books.grants.append(grant)
    wallet.grant(day, expires, PROMOTION_AMOUNT, promotional=True)


def _maybe_duplicate_and_void(books: _Books) -> None:
    """Sometimes issue the first invoice twice by mistake and void the copy next month.

    A credit pack is never the copy: its void would take back credit already drawn.
    """
    if books.rng.random() >= VOID_RATE or not books.invoices:
        return
    original = books.invoices[0]
    if any(line.recognition is Recognition.PREPAID for line in original.lines):
        return
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
