"""The demo company's model: entities, products, customers, contracts and events.

Everything here is a plain frozen dataclass with amounts in integer minor units
(cents) and dates as ``datetime.date``. Nothing here knows about Beancount or any
file format: writers (``demo.ledger_writer`` and later billing, bank, usage,
commission and CRM exports) all read the same :class:`Company`.

Sign convention: an invoice line's ``amount`` is what it bills, so an invoice's
lines are positive (a proration for unused days is negative), and a credit
note's lines are negative. A void reverses a whole invoice. A commission is
positive and its clawback negative.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from demo.dates import Month, months_between


class Stream(enum.Enum):
    """The revenue stream a line belongs to; writers map it to accounts."""

    SUBSCRIPTIONS = "Subscriptions"
    COMMITMENTS = "Commitments"
    SERVICES = "Services"
    USAGE = "Usage"
    CREDITS = "Credits"  # Prepaid credit packs, drawn down by usage.


class Recognition(enum.Enum):
    """How a line's revenue is earned."""

    RATABLE = "ratable"  # Spread over the service period.
    POINT = "point"  # Earned on delivery (service_start == service_end).
    ARREARS = "arrears"  # Usage billed after the fact, straight to revenue.
    PREPAID = "usage"  # Prepaid credit: earned as usage draws it down, or when it expires.


class Segment(enum.Enum):
    """The kind of customer, which decides its lifecycle."""

    MONTHLY = "monthly"
    ANNUAL = "annual"
    COMMITMENT = "commitment"
    PAYG = "payg"


@dataclass(frozen=True)
class Entity:
    """A legal entity of the company, billing in one currency."""

    code: str
    legal_name: str
    currency: str
    bank_name: str


@dataclass(frozen=True)
class Product:
    """Something the company sells, with a list price per currency in minor units."""

    code: str
    name: str
    stream: Stream
    recognition: Recognition
    term_months: int  # 0 for one-off services and usage.
    prices: Mapping[str, int]

    def price(self, currency: str) -> int:
        """Return the list price (per term, or per unit for usage) in minor units."""
        return self.prices[currency]


@dataclass(frozen=True)
class Customer:
    """A customer of one entity, active from ``since`` until ``until`` (None: still active)."""

    id: str
    name: str
    entity: str
    currency: str
    segment: Segment
    since: datetime.date
    until: datetime.date | None


@dataclass(frozen=True)
class Contract:
    """An agreement with a customer; ``end`` is None for evergreen or usage contracts.

    ``terminated`` is the day a fixed term was ended early (its unused days are
    credited from that day), or None.
    """

    id: str
    customer_id: str
    product: str
    signed: datetime.date
    start: datetime.date
    end: datetime.date | None
    amount: int  # Price per term (subscriptions, commitments) or per unit (usage).
    currency: str
    terminated: datetime.date | None = None
    opportunity_id: str | None = None  # The CRM's won opportunity, for fixed terms.


@dataclass(frozen=True)
class InvoiceLine:
    """One billed line; service dates are set for lines billed before they are earned.

    A usage line billed in arrears has the usage month as its service period,
    its quantity, and its unit price (None when tiers price it). ``credit``
    is prepaid credit applied to the line (a discount on the invoice): the
    line bills ``amount - credit``.
    """

    product: str
    stream: Stream
    recognition: Recognition
    amount: int
    service_start: datetime.date | None = None
    service_end: datetime.date | None = None
    quantity: int | None = None
    unit_price: int | None = None
    credit: int = 0

    @property
    def billed(self) -> int:
        """What the line bills, after prepaid credit applied."""
        return self.amount - self.credit


@dataclass(frozen=True)
class Invoice:
    """An invoice issued on ``date`` by ``entity`` to a customer."""

    id: str
    date: datetime.date
    due: datetime.date
    customer_id: str
    entity: str
    currency: str
    contract_id: str | None
    lines: tuple[InvoiceLine, ...]

    @property
    def total(self) -> int:
        """The invoice total in minor units."""
        return sum(line.billed for line in self.lines)


@dataclass(frozen=True)
class CreditNote:
    """A credit note against an earlier invoice; its lines are negative."""

    id: str
    date: datetime.date
    invoice_id: str
    customer_id: str
    entity: str
    currency: str
    contract_id: str | None
    reason: str
    lines: tuple[InvoiceLine, ...]

    @property
    def total(self) -> int:
        """The credit note total in minor units (negative)."""
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class Void:
    """The cancellation, on ``date``, of an invoice issued in an earlier month."""

    date: datetime.date
    invoice: Invoice
    reason: str


@dataclass(frozen=True)
class Payment:
    """What a customer settles of one invoice on a day: what was due of it.

    The money arrives in a :class:`Receipt`, which may pay several invoices
    and may be short or over.
    """

    id: str
    date: datetime.date
    invoice_id: str
    customer_id: str
    entity: str
    currency: str
    amount: int


@dataclass(frozen=True)
class Receipt:
    """A customer's bank transfer, as the bank shows it: what arrived, and for what.

    ``invoice_ids`` are the invoices it pays (their payments are due
    ``expected`` in all); ``amount`` is what arrived, less on a short payment
    and more on an over payment. ``named`` tells whether the customer's
    remittance text names those invoices; an unnamed receipt is left to the
    books' cash application to match.
    """

    date: datetime.date
    customer_id: str
    entity: str
    currency: str
    amount: int
    expected: int
    invoice_ids: tuple[str, ...]
    named: bool

    @property
    def difference(self) -> int:
        """What arrived beyond what was due: negative for a short payment."""
        return self.amount - self.expected


@dataclass(frozen=True)
class Refund:
    """Money paid back to a customer for a credit note on an invoice already paid."""

    id: str
    date: datetime.date
    credit_note_id: str
    invoice_id: str
    customer_id: str
    entity: str
    currency: str
    amount: int


@dataclass(frozen=True)
class BankFee:
    """The bank's monthly charge on an entity's operating account."""

    date: datetime.date
    entity: str
    currency: str
    amount: int


@dataclass(frozen=True)
class OpeningBalance:
    """Cash in an entity's operating account when the books start."""

    date: datetime.date
    entity: str
    currency: str
    amount: int


class PlanType(enum.Enum):
    """The commission plan a commission is paid under."""

    INITIAL = "initial"  # The customer's first fixed-term contract.
    RENEWAL = "renewal"  # A later fixed term of the same customer.


@dataclass(frozen=True)
class Commission:
    """A sales commission paid on ``date`` on a fixed-term contract; negative: a clawback."""

    id: str
    date: datetime.date
    payee: str
    opportunity_id: str
    contract_id: str
    customer_id: str
    currency: str
    amount: int
    plan_type: PlanType


@dataclass(frozen=True)
class UsageMonth:
    """A customer's metered use of one SKU in one month, as the metering system exports it.

    The meter's readings run from ``first_day`` to ``last_day`` (the days of
    the month the customer was active) and add up to ``quantity`` plus
    ``adjustment``; an adjustment row (a negative quantity marked as one, e.g.
    hours of a failed node given back) takes ``adjustment`` off again.
    ``quantity`` is what the month is rated on.
    """

    customer_id: str
    month: Month
    sku: str
    quantity: int
    first_day: datetime.date
    last_day: datetime.date
    adjustment: int = 0


@dataclass(frozen=True)
class CreditGrant:
    """Free (promotional) credit given to a customer, usable until ``expires``."""

    id: str
    date: datetime.date
    customer_id: str
    currency: str
    amount: int
    expires: datetime.date


@dataclass(frozen=True)
class OpportunityLine:
    """One product of an opportunity, as the CRM prices it (minor units per unit)."""

    product: str
    quantity: int
    sales_price: int
    list_price: int
    delivered: datetime.date | None = None  # A one-off service's delivery date.
    start: datetime.date | None = None  # A subscription's or reservation's term.
    end: datetime.date | None = None

    @property
    def total(self) -> int:
        """The line's total price in minor units."""
        return self.quantity * self.sales_price


@dataclass(frozen=True)
class Opportunity:
    """A deal in the CRM: won ones are the fixed-term contracts, lost ones renewals that failed."""

    id: str
    name: str
    customer_id: str
    stage: str
    close_date: datetime.date
    currency: str
    contract_id: str | None
    lines: tuple[OpportunityLine, ...]

    @property
    def amount(self) -> int:
        """The opportunity's amount: the sum of its lines."""
        return sum(line.total for line in self.lines)


@dataclass(frozen=True)
class MonthEvents:
    """Everything that happened in one month, each kind sorted by date then id."""

    month: Month
    invoices: tuple[Invoice, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    voids: tuple[Void, ...] = ()
    payments: tuple[Payment, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    refunds: tuple[Refund, ...] = ()
    bank_fees: tuple[BankFee, ...] = ()
    opening_balances: tuple[OpeningBalance, ...] = ()


@dataclass(frozen=True)
class Company:
    """The whole history of the demo company from ``start`` to ``end`` (inclusive)."""

    name: str
    start: datetime.date
    end: datetime.date
    entities: tuple[Entity, ...]
    products: tuple[Product, ...]
    customers: tuple[Customer, ...]
    contracts: tuple[Contract, ...]
    invoices: tuple[Invoice, ...]
    credit_notes: tuple[CreditNote, ...]
    voids: tuple[Void, ...]
    payments: tuple[Payment, ...]
    receipts: tuple[Receipt, ...]
    refunds: tuple[Refund, ...]
    bank_fees: tuple[BankFee, ...]
    opening_balances: tuple[OpeningBalance, ...]
    commissions: tuple[Commission, ...]
    usage: tuple[UsageMonth, ...]
    credit_grants: tuple[CreditGrant, ...]
    opportunities: tuple[Opportunity, ...]
    customer_by_id: Mapping[str, Customer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {customer.id: customer for customer in self.customers}
        object.__setattr__(self, "customer_by_id", index)

    @property
    def months(self) -> list[Month]:
        """Every month of the books, in order."""
        return months_between(Month.of(self.start), Month.of(self.end))

    def events_by_month(self) -> list[MonthEvents]:
        """Return the events of every month of the books, in month order.

        Returns:
            One :class:`MonthEvents` per month, including months with no events.
        """
        invoices = _by_month(self.invoices)
        credit_notes = _by_month(self.credit_notes)
        voids = _by_month(self.voids)
        payments = _by_month(self.payments)
        receipts = _by_month(self.receipts)
        refunds = _by_month(self.refunds)
        bank_fees = _by_month(self.bank_fees)
        opening_balances = _by_month(self.opening_balances)
        return [
            MonthEvents(
                month=month,
                invoices=invoices.get(month, ()),
                credit_notes=credit_notes.get(month, ()),
                voids=voids.get(month, ()),
                payments=payments.get(month, ()),
                receipts=receipts.get(month, ()),
                refunds=refunds.get(month, ()),
                bank_fees=bank_fees.get(month, ()),
                opening_balances=opening_balances.get(month, ()),
            )
            for month in self.months
        ]


class _Dated(Protocol):
    @property
    def date(self) -> datetime.date: ...


_E = TypeVar("_E", bound=_Dated)


def _by_month(events: tuple[_E, ...]) -> dict[Month, tuple[_E, ...]]:
    found: dict[tuple[int, int], list[_E]] = {}
    for event in events:
        day = event.date
        found.setdefault((day.year, day.month), []).append(event)
    return {Month(*key): tuple(items) for key, items in found.items()}
