"""How customers pay: which invoices each bank transfer settles, how much arrives, what it names.

Most transfers pay one invoice. About four in five name it in their
remittance text, so the bank import applies them to it; the rest name
nothing and wait in unapplied cash for the books' cash application, which
matches them by customer and exact amount. A receipt can only go unnamed when
it pays its invoice's full total (no credit note changed what was due), or
no exact amount could ever match it.

A few customers pay two invoices with one transfer, on the day the second
is paid:

- one names both invoices, and one names neither (cash application finds the
  pair of open invoices that sums to it; its customer names every other
  transfer, so no other unnamed receipt takes one of the two first);
- some name both and arrive a little short (an intermediary bank's charge)
  or a little over, within the write-off tolerance, and one far over (the
  customer's credit balance).

Differences ride on transfers that name two invoices because a transfer that
names one is posted by the bank import straight to its invoice, where the
books' tolerance rules do not see it. Every choice is drawn from a random
source of its own, seeded from the company's seed, so the customers'
histories never shift.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from demo.company import CreditNote, Invoice, Payment, Receipt, Void

UNNAMED_SHARE = 0.2  # Share of single-invoice transfers that name no invoice.
TOLERANCE = 100  # Minor units written off: config/ar.yaml's tolerance (1.00 USD and EUR).
PAIR_WINDOW = datetime.timedelta(days=40)  # Two payments this close may share a transfer.
FAR_OVER = (5_000, 50_000)  # Minor units beyond the tolerance: the customer's credit.


@dataclass(frozen=True)
class _PairKind:
    """What a two-invoice transfer looks like: does it name them, and what differs."""

    named: bool
    difference: str  # "exact", "short", "over" (within the tolerance) or "far-over"


PAIR_KINDS: tuple[_PairKind, ...] = (
    _PairKind(False, "exact"),  # First: its customer must owe nothing else.
    _PairKind(True, "exact"),
    _PairKind(True, "short"),
    _PairKind(True, "short"),
    _PairKind(True, "short"),
    _PairKind(True, "over"),
    _PairKind(True, "over"),
    _PairKind(True, "far-over"),
)

_Pair = tuple[Payment, Payment]


def settle(
    payments: Sequence[Payment],
    invoices: Sequence[Invoice],
    credit_notes: Sequence[CreditNote],
    voids: Sequence[Void],
    seed: int,
) -> tuple[tuple[Payment, ...], tuple[Receipt, ...]]:
    """Group invoice payments into bank transfers and decide what each says and brings.

    Args:
        payments: What customers settle of each invoice, by date then id.
        invoices: Every invoice, for totals and for customers still owing.
        credit_notes: Every credit note: a credited invoice is always named.
        voids: Every void: a voided invoice is owed by nobody.
        seed: The company's seed.

    Returns:
        The payments (the first of a pair moves to its transfer's day), and
        the receipts by date, customer and invoices.
    """
    rng = random.Random(f"remittance/{seed}")
    totals = {invoice.id: invoice.total for invoice in invoices}
    credited = {note.invoice_id for note in credit_notes}
    full = [
        p for p in payments if p.invoice_id not in credited and p.amount == totals[p.invoice_id]
    ]
    pairs = _pairs(rng, _candidates(full), _owing(payments, invoices, voids), invoices)
    receipts, moved, paired = [], {}, set()
    for kind, (first, second) in pairs:
        moved[first.id] = dataclasses.replace(first, date=second.date)
        paired |= {first.id, second.id}
        expected = first.amount + second.amount
        receipts.append(
            Receipt(
                second.date,
                second.customer_id,
                second.entity,
                second.currency,
                expected + _difference(rng, kind.difference),
                expected,
                (first.invoice_id, second.invoice_id),
                kind.named,
            )
        )
    always_named = {first.customer_id for kind, (first, _) in pairs if not kind.named}
    may_go_unnamed = {p.id for p in full if p.customer_id not in always_named}
    for payment in payments:
        if payment.id in paired:
            continue
        unnamed = rng.random() < UNNAMED_SHARE and payment.id in may_go_unnamed
        receipts.append(
            Receipt(
                payment.date,
                payment.customer_id,
                payment.entity,
                payment.currency,
                payment.amount,
                payment.amount,
                (payment.invoice_id,),
                not unnamed,
            )
        )
    receipts.sort(key=lambda r: (r.date, r.customer_id, r.invoice_ids))
    settled = sorted((moved.get(p.id, p) for p in payments), key=lambda p: (p.date, p.id))
    return tuple(settled), tuple(receipts)


def _owing(
    payments: Iterable[Payment], invoices: Iterable[Invoice], voids: Iterable[Void]
) -> set[str]:
    """Return the customers with an invoice that is never paid (and not voided)."""
    paid = {payment.invoice_id for payment in payments}
    voided = {void.invoice.id for void in voids}
    return {
        invoice.customer_id
        for invoice in invoices
        if invoice.id not in paid and invoice.id not in voided
    }


def _candidates(payments: Iterable[Payment]) -> list[_Pair]:
    """Return consecutive full payments of one customer close enough to share a transfer."""
    by_customer: dict[str, list[Payment]] = defaultdict(list)
    for payment in payments:
        by_customer[payment.customer_id].append(payment)
    found = []
    for customer in sorted(by_customer):
        rows = sorted(by_customer[customer], key=lambda p: (p.date, p.id))
        found += [
            (first, second)
            for first, second in itertools.pairwise(rows)
            if first.date < second.date <= first.date + PAIR_WINDOW
        ]
    return found


def _pairs(
    rng: random.Random, candidates: list[_Pair], owing: set[str], invoices: Sequence[Invoice]
) -> list[tuple[_PairKind, _Pair]]:
    """Draw one pair of payments per kind, each of a different customer."""
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    totals: dict[str, set[int]] = defaultdict(set)
    for invoice in invoices:
        totals[invoice.customer_id].add(invoice.total)
    chosen: list[tuple[_PairKind, _Pair]] = []
    used: set[str] = set()
    for kind in PAIR_KINDS:
        for pair in shuffled:
            customer = pair[0].customer_id
            if customer in used:
                continue
            # Unnamed, the pair must be the only way to match it: a customer owing
            # nothing else, with no single invoice of the pair's sum.
            if not kind.named and (
                customer in owing or pair[0].amount + pair[1].amount in totals[customer]
            ):
                continue
            chosen.append((kind, pair))
            used.add(customer)
            break
    return chosen


def _difference(rng: random.Random, kind: str) -> int:
    if kind == "short":
        return -rng.randint(1, TOLERANCE)
    if kind == "over":
        return rng.randint(1, TOLERANCE)
    if kind == "far-over":
        return rng.randint(*FAR_OVER)
    return 0
