"""Metadata keys and tags: the names shared by the ledger, the plugins and reports.

Typed keys are DESIGN.md's public interface. Keys on generated entries share one
prefix, so anyone reading the books can tell generated from typed and find
where each generated entry came from.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

# On an invoice or credit note (transaction metadata).
INVOICE = "invoice"
CUSTOMER = "customer"
DUE = "due"
CREDITS = "credits"  # on a credit note: the invoice it credits
CONTRACT = "contract"
ENTITY = "entity"
# An invoice's other id, which a receipt's words name it by too (`plugins.invoice_words`):
# the `in_…` id of a Stripe invoice, kept by the billing import beside its number.
STRIPE_INVOICE = "stripe_invoice"
# On a status change of an invoice, as the billing importers write it: a void
# negates the invoice, an uncollectible one writes off what is still due.
STATUS = "status"
VOID = "void"
UNCOLLECTIBLE = "uncollectible"

# On a line billed before it is earned (posting metadata).
SERVICE_START = "service_start"
SERVICE_END = "service_end"
RECOGNITION = "recognition"
OBLIGATION = "obligation"
REVENUE_ACCOUNT = "revenue_account"

# On a commission (posting metadata).
AMORTIZE_START = "amortize_start"
AMORTIZE_END = "amortize_end"
AMORTIZE_MONTHS = "amortize_months"

# On a receipt (a credit to unapplied cash): its id, else its bank's reference.
RECEIPT = "receipt"
BANK_REFERENCE = "bank_reference"
_RECEIPT_IDS = (RECEIPT, BANK_REFERENCE)

# On generated entries.
PREFIX = "revclose_"
GENERATED_BY = PREFIX + "generated_by"
SOURCE = PREFIX + "source"
SOURCE_LINE = PREFIX + "line"
LINE_COUNT = PREFIX + "lines"
APPLIED_RECEIPT = PREFIX + "receipt"  # on cash applications: the receipt they use

# Tags naming what generated an entry.
TAG_REVENUE_RECOGNITION = "revenue-recognition"
TAG_CONTRACT_COSTS = "contract-costs"
TAG_CASH_APPLICATION = "cash-application"
TAG_FX_REMEASUREMENT = "fx-remeasurement"
TAG_RECEIVABLES_REVIEW = "receivables-review"


_DIGITS = re.compile("([0-9]+)")

NaturalKey = tuple[tuple[str | int, ...], str]


def natural_key(text: str) -> NaturalKey:
    """Returns an id's place among ids as an accountant reads them: numbers as numbers.

    Its runs of digits compare by their value, the rest as text: BR-9
    comes before BR-10, INV-2 before INV-10. Ids alike but for leading
    zeros (BR-09, BR-9) are then told apart as text. Every id the plugins
    order on a day is ordered by it (`plugins.receivables.day_order`,
    `plugins.chargebacks`).
    """
    pieces: list[Any] = _DIGITS.split(text)
    if len(pieces) == 3:  # one run of digits, as most ids have ("INV-000123"): at once
        return (pieces[0], int(pieces[1]), pieces[2]), text
    # The pieces alternate text and digits from the start, so like compares with like.
    pieces[1::2] = map(int, pieces[1::2])
    return tuple(pieces), text


def is_generated(entry: Any) -> bool:
    """Tells whether an entry was made by one of this project's plugins."""
    return GENERATED_BY in (entry.meta or {})


def is_void(entry: Any) -> bool:
    """Whether an entry voids its invoice (`status: "void"`), taking back what it billed."""
    return bool(entry.meta.get(STATUS) == VOID)


def date_of(value: Any) -> datetime.date | None:
    """Reads a metadata date: a date literal, or a string in YYYY-MM-DD; None if neither."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def source_of(entry: Any, posting: Any) -> dict[str, Any]:
    """Returns the metadata locating a posting (its own line, else its entry's)."""
    if posting.meta and "lineno" in posting.meta:
        return dict(posting.meta)
    return dict(entry.meta)


def written_receipt_id(entry: Any, posting: Any) -> str | None:
    """Returns the receipt id written on a posting, else on its entry, or None.

    The id is the `receipt`, else the `bank_reference`, trimmed; an empty one
    is none. A bank import writes one on every line of cash it reads.
    """
    own, shared = posting.meta or {}, entry.meta
    for key in _RECEIPT_IDS:
        value = own.get(key)
        if value is None:
            value = shared.get(key)
        if value is not None:
            text = value.strip() if type(value) is str else str(value).strip()
            if text:
                return text
    return None
