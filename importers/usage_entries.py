"""The month-end accrual of a customer's rated usage: earned, not yet billed.

One transaction per customer and usage month, dated the month's last day:

    2026-10-31 * "Alder Foods GmbH" "Usage of 2026-10" #usage
      usage: "CUS-0016/2026-10"
      customer: "CUS-0016"
      entity: "US"
      contract: "CTR-0016-01"
      price_book: "list-usd"
      service_start: 2026-10-01
      service_end: 2026-10-31
      Assets:UnbilledReceivables   4366.87 USD
      Income:Revenue:Usage        -4325.13 USD
        product: "gpu-hours"
        quantity: 1737
        unit_price: 2.49
        events: 412
      Income:Revenue:Usage          -41.74 USD
        product: "minimum-commitment"
        shortfall: TRUE

`usage` is the entry's id (idempotent imports); `entity` is there when the
customer's directive names one, `contract` when a contract's prices applied.
Each SKU's line credits the account its price book gives, in the book's
order, with the exact quantity (without trailing zeros) and either its flat
`unit_price` or its `tiers` (`1000 @ 2.50 + 737 @ 2.40`); `events` counts the
events behind it. A shortfall line appears when the contract's monthly
minimum exceeds the rated lines and the shortfall is revenue. The unbilled
posting is the sum of the others.

An import writes thousands of accruals of a hundred thousand lines, so they
are built a column at a time (`accruals`), and each carries its text as the
ledger writer prints it (`importers.ledger_text.PRINTED`), made with it,
which the writer takes as it is: printing it again would cost more than
rating it.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
from beancount.core import data
from beancount.core.amount import Amount

from importers.ledger_text import PRINTED, quoted
from importers.usage_rating import EXACT, Plan, PricedSku, Rated, RatedLines, amount
from plugins.customers import Customer

TAG = frozenset({"usage"})
SHORTFALL = "minimum-commitment"


def plain_text(quantity: str) -> str:
    """Returns a decimal's text without trailing zeros: `1737.000000000` as `1737`, `0.0` as `0`."""
    if "." in quantity:
        quantity = quantity.rstrip("0").rstrip(".")
    return "0" if quantity == "-0" else quantity


def month_end(month: datetime.date) -> datetime.date:
    """Returns the last day of the month of `month`."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _number(number: Decimal) -> str:
    """Returns a posting's number as the printer writes it: never with an exponent."""
    text = str(number)
    return format(number, "f") if "E" in text else text


_AMOUNT = partial(tuple.__new__, Amount)  # Amount._make, without its checks: a C call.
_POSTING = partial(tuple.__new__, data.Posting)
_TRANSACTION = partial(tuple.__new__, data.Transaction)
_NONE = (None, None, None, None)  # A posting's cost, price, flag and metadata.
# A line's text is these pieces, as the printer writes a posting and its metadata:
# "  <account, padded>  ", "<number, right-aligned>", " <currency>\n    product:
# ...quantity: ", "<quantity>", "\n    unit_price: ...events: " (or tiers),
# "<events>", "\n". The printer pads every account of an entry to the longest,
# and right-aligns every number to the longest.
_PIECES = 7


def accruals(
    month: datetime.date,
    rated: RatedLines,
    customers: Sequence[Customer],
    quantities: Sequence[Decimal],
    quantities_text: Sequence[str],
    events: Sequence[int],
    unbilled: str,
    where: Sequence[tuple[str, int]],
) -> list[data.Transaction]:
    """Returns the accrual of each month `rated` could rate, its text in its metadata (`PRINTED`).

    Args:
      month: The usage month, its first day.
      rated: The months of the customers, rated (`importers.usage_rating.rate_lines`).
      customers: The customer of each month, as the ledger's directive names it.
      quantities: The exact net quantity of each line given to `rate_lines`.
      quantities_text: Each quantity's text, from which it was read.
      events: The number of events behind each of these lines.
      unbilled: The account of earned, unbilled usage.
      where: The file and row each month's entry comes from (its first event).

    The lines' postings and text are made a column at a time, for every month
    at once, then each month's entry from its lines.
    """
    last = month_end(month)
    heads = [
        _Head(customer, found, place, rated.shortfall_account)
        for customer, found, place in zip(customers, rated.months, where, strict=True)
        if found is not None
    ]
    for head in heads:
        head.width = max(head.width, len(unbilled))
    lines, priced, tiers = rated.lines, rated.priced, rated.tiers
    currencies: list[str] = []
    exponents: list[int] = []  # Each line's currency's, -digits.
    for head in heads:
        currencies += [head.plan.currency] * head.count
        exponents += [-head.plan.digits] * head.count
    # A posting credits a line: minus its amount, exactly (no rounding at any size).
    numbers = list(map(EXACT.scaleb, map(Decimal, map(operator.neg, rated.minor)), exponents))
    texts = list(map(str, numbers))
    if "E" in "".join(texts):  # Tiny amounts: the printer writes them without an exponent.
        texts = list(map(_number, numbers))
    quantity = list(map(quantities.__getitem__, lines))
    counts = list(map(events.__getitem__, lines))
    known = {count: Decimal(count) for count in set(counts)}
    metas = [
        {"product": sku.name, "quantity": each, "unit_price": sku.shown, "events": count}
        if pieces is None
        else {"product": sku.name, "quantity": each, "tiers": pieces, "events": count}
        for sku, each, pieces, count in zip(
            priced, quantity, tiers, map(known.__getitem__, counts), strict=True
        )
    ]
    accounts = [sku.account for sku in priced]
    units = map(_AMOUNT, zip(numbers, currencies, strict=True))
    nones = repeat(None)
    postings = list(map(_POSTING, zip(accounts, units, nones, nones, nones, metas, strict=False)))
    # A quantity is written as `str` writes it: its text, unless below 0.000001.
    written = list(map(quantities_text.__getitem__, lines))
    if "0.000000" in "".join(written):
        written = list(map(str, quantity))
    pieces = _pieces(heads, priced, tiers, accounts, texts, written, counts)
    tails: dict[Plan, str] = {}
    for head in heads:
        if head.plan not in tails:
            plan = head.plan
            tails[plan] = (
                (f"  contract: {quoted(plan.contract)}\n" if plan.contract else "")
                + f"  price_book: {quoted(plan.book)}\n"
                f"  service_start: {month}\n  service_end: {last}\n"
            )
    narration = f"Usage of {month:%Y-%m}"
    heading = f"{quoted(narration)} #usage\n"
    common = _Common(f"{month:%Y-%m}", narration, heading, tails, unbilled, rated.shortfall_account)
    return [head.entry(month, last, common, postings, pieces) for head in heads]


def _pieces(
    heads: list[_Head],
    priced: list[PricedSku],
    tiers: list[str | None],
    accounts: list[str],
    texts: list[str],
    quantities: list[str],
    counts: list[int],
) -> list[str]:
    """Returns the pieces of the text of every line (`_PIECES` a line), in order.

    Each piece is made for all lines at once; a month's text is then the join
    of its lines' pieces.
    """
    if not heads:
        return []
    # Every rated month has a line (its customer's totals come from its events).
    starts = [head.found.start for head in heads]
    lengths = np.fromiter(map(len, accounts), np.int64, len(accounts))
    longest_accounts = np.maximum.reduceat(lengths, starts).tolist()
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    longest_numbers = np.maximum.reduceat(lengths, starts).tolist()
    widths: list[int] = []
    befores: list[int] = []
    for head, account, number in zip(heads, longest_accounts, longest_numbers, strict=True):
        head.width = max(head.width, account)
        head.before = max(head.before, number)
        widths += [head.width] * head.count
        befores += [head.before] * head.count
    padded = {pair: f"  {pair[0]:{pair[1]}}  " for pair in set(zip(accounts, widths, strict=True))}
    named = {}  # Each SKU's text from its currency to its quantity.
    flat = {}  # Each flat SKU's text from its price to its events.
    for sku in set(priced):
        named[sku] = f" {sku.currency}\n    product: {quoted(sku.name)}\n    quantity: "
        if sku.flat:
            flat[sku] = f"\n    unit_price: {sku.shown}\n    events: "
    detail: list[str | None] = list(map(flat.get, priced))
    tiered = list(filter(tiers.__getitem__, range(len(tiers))))
    # Tiers' pieces are numbers, ` @ ` and ` + `: nothing to escape.
    shown = map('\n    tiers: "{}"\n    events: '.format, map(tiers.__getitem__, tiered))
    for index, text in zip(tiered, shown, strict=True):
        detail[index] = text
    written = {count: str(count) for count in set(counts)}
    pieces = np.empty((len(priced), _PIECES), dtype=object)
    pieces[:, 0] = list(map(padded.__getitem__, zip(accounts, widths, strict=True)))
    pieces[:, 1] = list(map(str.rjust, texts, befores))
    pieces[:, 2] = list(map(named.__getitem__, priced))
    pieces[:, 3] = quantities
    pieces[:, 4] = detail
    pieces[:, 5] = list(map(written.__getitem__, counts))
    pieces[:, 6] = "\n"
    in_order: list[str] = pieces.ravel().tolist()  # Line by line.
    return in_order


class _Head:
    """A rated month's accrual but its lines: the unbilled posting, and any shortfall."""

    __slots__ = (
        "before",
        "count",
        "customer",
        "found",
        "place",
        "plan",
        "shortfall",
        "shortfall_text",
        "total",
        "total_text",
        "width",
    )

    def __init__(
        self, customer: Customer, found: Rated, place: tuple[str, int], shortfall_account: str
    ) -> None:
        self.customer = customer
        self.found = found
        self.place = place
        self.plan = found.plan
        self.count = found.end - found.start
        digits = found.plan.digits
        self.total = amount(found.total, digits)
        self.total_text = _number(self.total)
        self.shortfall = amount(-found.shortfall, digits) if found.shortfall else None
        self.shortfall_text = "" if self.shortfall is None else _number(self.shortfall)
        # The widths of its accounts (but the unbilled's) and of its numbers, until its
        # lines' are known.
        self.width = len(shortfall_account) if self.shortfall is not None else 0
        self.before = max(len(self.total_text), len(self.shortfall_text))

    def entry(
        self,
        month: datetime.date,
        last: datetime.date,
        common: _Common,
        postings: list[Any],
        pieces: list[str],
    ) -> data.Transaction:
        """Returns the accrual, given every month's postings and the pieces of their text."""
        customer, found, plan = self.customer, self.found, self.plan
        currency = plan.currency
        usage = f"{customer.id}/{common.month}"
        meta: dict[str, Any] = {
            "filename": self.place[0],
            "lineno": self.place[1],
            "usage": usage,
            "customer": customer.id,
        }
        if customer.entity:
            meta["entity"] = customer.entity
        if plan.contract:
            meta["contract"] = plan.contract
        meta["price_book"] = plan.book
        meta["service_start"] = month
        meta["service_end"] = last
        width, before = self.width, self.before
        total = _POSTING((common.unbilled, _AMOUNT((self.total, currency)), *_NONE))
        entry_postings = [total, *postings[found.start : found.end]]
        parts = [
            f"{last} * {quoted(customer.name)} " if customer.name else f"{last} * ",
            common.heading,
            f"  usage: {quoted(usage)}\n  customer: {quoted(customer.id)}\n",
            f"  entity: {quoted(customer.entity)}\n" if customer.entity else "",
            common.tails[plan],
            f"  {common.unbilled:{width}}  {self.total_text:>{before}} {currency}\n",
            *pieces[found.start * _PIECES : found.end * _PIECES],
        ]
        if self.shortfall is not None:
            detail = {"product": SHORTFALL, "shortfall": True}
            units = _AMOUNT((self.shortfall, currency))
            account = common.shortfall_account
            entry_postings.append(_POSTING((account, units, None, None, None, detail)))
            parts.append(
                f"  {account:{width}}  {self.shortfall_text:>{before}} {currency}\n"
                f'    product: "{SHORTFALL}"\n    shortfall: TRUE\n'
            )
        if currency == currency.rstrip():  # Else the printer strips its lines: let it print.
            meta[PRINTED] = "".join(parts)
        return _TRANSACTION(
            (meta, last, "*", customer.name, common.narration, TAG, data.EMPTY_SET, entry_postings)
        )


class _Common(NamedTuple):
    """What the accruals of a month share."""

    month: str  # YYYY-MM.
    narration: str
    heading: str  # The first line's text after the payee.
    tails: dict[Plan, str]  # Each plan's metadata lines, after the customer's.
    unbilled: str
    shortfall_account: str
