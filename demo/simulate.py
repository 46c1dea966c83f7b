"""Build the demo company: sign customers up, run their lifecycles, number and settle.

Everything follows from ``random.Random(seed)``: the master source draws each
customer's name, entity, segment and signup date, then a seed for the customer's
own source, so one customer's draws never shift another's.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from demo import catalog, commission_plan, remittance
from demo.company import (
    BankFee,
    Company,
    CreditNote,
    Invoice,
    OpeningBalance,
    Payment,
    Receipt,
    Refund,
    Segment,
    Void,
)
from demo.dates import Month
from demo.lifecycle import CustomerHistory, DraftCredit, Prospect, simulate_customer
from demo.names import company_names

EU_SHARE = 0.15  # Share of customers billed by the EU entity.
LAUNCH_SHARE = 0.3  # Share of customers signing in the first month.
SEGMENT_WEIGHTS: dict[Segment, int] = {
    Segment.MONTHLY: 50,
    Segment.ANNUAL: 25,
    Segment.COMMITMENT: 10,
    Segment.PAYG: 15,
}
# Monthly bank charges: a base fee plus a fee per transfer received or refunded, in minor units.
BANK_FEE_BASE: dict[str, int] = {"USD": 1_500, "EUR": 1_250}
BANK_FEE_PER_ITEM: dict[str, int] = {"USD": 25, "EUR": 20}

DEFAULT_START = Month(2024, 11)
_Key = tuple[datetime.date, int, int]  # (date, customer index, seq within customer)


def build_company(
    customers: int = 160, start: Month = DEFAULT_START, months: int = 24, seed: int = 606
) -> Company:
    """Simulate the demo company.

    Args:
        customers: How many customers sign up over the period.
        start: The first month of the books.
        months: How many months the books cover.
        seed: The seed of the only random source.

    Returns:
        The company's full history from the first day of ``start`` to the last
        day of its last month.

    Raises:
        ValueError: If ``customers`` or ``months`` is below 1.
    """
    if customers < 1 or months < 1:
        raise ValueError(f"Need at least 1 customer and 1 month, got {customers} and {months}")
    rng = random.Random(seed)
    end = start.plus(months - 1).last
    names = company_names(rng, customers)
    width = max(4, len(str(customers)))
    histories = []
    for number in range(1, customers + 1):
        prospect = _prospect(rng, number, width, names[number - 1], start, months)
        own_rng = random.Random(rng.getrandbits(64))
        histories.append(simulate_customer(prospect, own_rng, end))
    return _assemble(histories, start.first, end, seed)


def _prospect(
    rng: random.Random, number: int, width: int, name: str, start: Month, months: int
) -> Prospect:
    entity = catalog.EU if rng.random() < EU_SHARE else catalog.US
    segment = rng.choices(list(SEGMENT_WEIGHTS), weights=list(SEGMENT_WEIGHTS.values()))[0]
    month = start if rng.random() < LAUNCH_SHARE else start.plus(rng.randrange(months))
    # Days 2..28: every signup is mid-month, and every later anniversary exists.
    signup = datetime.date(month.year, month.month, rng.randint(2, 28))
    return Prospect(number, f"CUS-{number:0{width}d}", name, entity, segment, signup)


def _numbered(keys: Iterable[_Key], prefix: str) -> dict[tuple[int, int], str]:
    """Give ids ``PREFIX-YYYY-NNNNNN`` in date order, numbered afresh each year."""
    counters: dict[int, int] = {}
    ids: dict[tuple[int, int], str] = {}
    for day, index, seq in sorted(keys):
        counters[day.year] = counters.get(day.year, 0) + 1
        ids[index, seq] = f"{prefix}-{day.year}-{counters[day.year]:06d}"
    return ids


def _assemble(
    histories: list[CustomerHistory], start: datetime.date, end: datetime.date, seed: int
) -> Company:
    invoice_keys = sorted(
        (draft.date, index, draft.seq)
        for index, history in enumerate(histories)
        for draft in history.invoices
    )
    credit_keys = sorted(
        (draft.date, index, draft.seq)
        for index, history in enumerate(histories)
        for draft in history.credits
    )
    invoice_ids = _numbered(invoice_keys, "INV")
    credit_ids = _numbered(credit_keys, "CN")
    invoices = {
        (index, seq): _invoice(histories, (day, index, seq), invoice_ids)
        for day, index, seq in invoice_keys
    }
    credit_notes = [_credit_note(histories, key, credit_ids, invoice_ids) for key in credit_keys]
    voids = sorted(
        (
            (void.date, index, void.invoice, void.reason)
            for index, history in enumerate(histories)
            for void in history.voids
        ),
    )
    due, refunds = _cash(histories, invoice_ids, credit_ids, end)
    voided = tuple(Void(day, invoices[index, seq], reason) for day, index, seq, reason in voids)
    payments, receipts = remittance.settle(
        due, tuple(invoices.values()), credit_notes, voided, seed
    )
    customers = tuple(history.customer for history in histories)
    contracts = tuple(contract for history in histories for contract in history.contracts)
    return Company(
        name=catalog.COMPANY_NAME,
        start=start,
        end=end,
        entities=catalog.ENTITIES,
        products=catalog.PRODUCTS,
        customers=customers,
        contracts=contracts,
        invoices=tuple(invoices.values()),
        credit_notes=tuple(credit_notes),
        voids=voided,
        payments=payments,
        receipts=receipts,
        refunds=refunds,
        bank_fees=_bank_fees(start, end, receipts, refunds),
        opening_balances=tuple(
            OpeningBalance(start, entity.code, entity.currency, catalog.OPENING_CASH[entity.code])
            for entity in catalog.ENTITIES
        ),
        commissions=commission_plan.commissions(customers, contracts, credit_notes, start, end),
        usage=tuple(month for history in histories for month in history.usage),
        credit_grants=tuple(grant for history in histories for grant in history.grants),
        opportunities=tuple(
            opportunity
            for history in histories
            for opportunity in history.opportunities
            if opportunity.close_date <= end
        ),
    )


def _invoice(
    histories: list[CustomerHistory], key: _Key, ids: dict[tuple[int, int], str]
) -> Invoice:
    _, index, seq = key
    customer = histories[index].customer
    draft = histories[index].invoices[seq]
    return Invoice(
        ids[index, seq],
        draft.date,
        draft.due,
        customer.id,
        customer.entity,
        customer.currency,
        draft.contract_id,
        draft.lines,
    )


def _credit_note(
    histories: list[CustomerHistory],
    key: _Key,
    ids: dict[tuple[int, int], str],
    invoice_ids: dict[tuple[int, int], str],
) -> CreditNote:
    _, index, seq = key
    customer = histories[index].customer
    draft = histories[index].credits[seq]
    return CreditNote(
        ids[index, seq],
        draft.date,
        invoice_ids[index, draft.credits],
        customer.id,
        customer.entity,
        customer.currency,
        draft.contract_id,
        draft.reason,
        draft.lines,
    )


def _cash(
    histories: list[CustomerHistory],
    invoice_ids: dict[tuple[int, int], str],
    credit_ids: dict[tuple[int, int], str],
    end: datetime.date,
) -> tuple[tuple[Payment, ...], tuple[Refund, ...]]:
    """Settle invoices: pay what is left after earlier credits, refund later ones."""
    payment_rows: list[tuple[datetime.date, int, int, int]] = []
    refund_rows: list[tuple[datetime.date, int, int, int]] = []
    for index, history in enumerate(histories):
        credits: dict[int, list[DraftCredit]] = {}
        for credit in history.credits:
            credits.setdefault(credit.credits, []).append(credit)
        for draft in history.invoices:
            if draft.pay_after is None:
                continue
            paid_on = draft.date + datetime.timedelta(days=draft.pay_after)
            if paid_on > end:
                continue
            own_credits = credits.get(draft.seq, ())
            due = draft.total + sum(c.total for c in own_credits if c.date <= paid_on)
            if due > 0:
                payment_rows.append((paid_on, index, draft.seq, due))
            for credit in own_credits:
                refund_on = credit.date + datetime.timedelta(days=credit.refund_after)
                if credit.date > paid_on and refund_on <= end:
                    refund_rows.append((refund_on, index, credit.seq, -credit.total))
    payment_rows.sort()
    refund_rows.sort()
    payment_ids = _numbered((row[:3] for row in payment_rows), "PAY")
    refund_ids = _numbered((row[:3] for row in refund_rows), "RFD")
    payments = []
    for day, index, seq, amount in payment_rows:
        customer = histories[index].customer
        payments.append(
            Payment(
                payment_ids[index, seq],
                day,
                invoice_ids[index, seq],
                customer.id,
                customer.entity,
                customer.currency,
                amount,
            )
        )
    refunds = []
    for day, index, seq, amount in refund_rows:
        customer = histories[index].customer
        credited = histories[index].credits[seq].credits
        refunds.append(
            Refund(
                refund_ids[index, seq],
                day,
                credit_ids[index, seq],
                invoice_ids[index, credited],
                customer.id,
                customer.entity,
                customer.currency,
                amount,
            )
        )
    return tuple(payments), tuple(refunds)


def _bank_fees(
    start: datetime.date,
    end: datetime.date,
    receipts: tuple[Receipt, ...],
    refunds: tuple[Refund, ...],
) -> tuple[BankFee, ...]:
    """Charge each entity's account on the last day of every month."""
    items: dict[tuple[Month, str], int] = {}
    dated = [(row.date, row.entity) for row in receipts]
    dated += [(row.date, row.entity) for row in refunds]
    for day, entity_code in dated:
        key = (Month.of(day), entity_code)
        items[key] = items.get(key, 0) + 1
    fees = []
    month = Month.of(start)
    while month.first <= end:
        for entity in catalog.ENTITIES:
            count = items.get((month, entity.code), 0)
            amount = BANK_FEE_BASE[entity.currency] + BANK_FEE_PER_ITEM[entity.currency] * count
            fees.append(BankFee(month.last, entity.code, entity.currency, amount))
        month = month.plus(1)
    return tuple(fees)
