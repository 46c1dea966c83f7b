"""What is wrong with a month's usage events, row by row: the messages behind the figures.

The aggregation counts the rows that break each rule (`importers.usage_aggregate`),
so a valid file costs nothing more. When a count is not zero, the rows that
break it are read back, in row order, and each gets a message naming its file
and row; the first `LISTED` rows of each rule are listed, the rest counted.

The ledger's rules are checked on the totals: every customer must be one of the
ledger's (`custom "customer"` directives), and every SKU must have a price in
the customer's price book for the month (looked into when rating fails).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from importers import usage_rating
from importers.usage_aggregate import FIGURES, RULES, Repeats, Totals, bounds
from importers.usage_events import NAMES, Events
from importers.usage_pricing import Pricing
from plugins.customers import Customer

LISTED = 20
Found = tuple[int, str]  # A row's key, and what is wrong with it.
_WHAT = {
    "incomplete": "with an empty or bad value",
    "outside_month": "outside the month",
    "unmarked_negative": "with a negative quantity and no adjustment mark",
}


def _cells(events: Events, raw: Mapping[str, Any], typed: Mapping[str, Any]) -> list[str]:
    """Returns a message for each empty or bad cell of a row."""
    found = []
    for field, name in NAMES.items():
        if field not in events.fields or typed[name] is not None:
            continue
        column, text = events.fields[field], raw[name]
        if text is None or text == "":
            found.append(f"Column '{column}' is empty; expected a value")
        elif field == "timestamp":
            found.append(
                f"Column '{column}': '{text}' is not a timestamp; expected ISO 8601 "
                "like '2026-10-05T14:30:00Z' (UTC when it has no offset)"
            )
        elif field == "quantity":
            found.append(
                f"Column '{column}': '{text}' is not a quantity; expected a decimal number like "
                "'12.5' or '-3' (no exponent, at most 29 digits before the point and 9 after)"
            )
        elif field == "adjustment":
            found.append(f"Column '{column}': '{text}' is not a flag; expected true or false")
        elif field == "events":
            message = "is not a number of events; expected a whole number, 1 or more"
            found.append(f"Column '{column}': '{text}' {message}")
    return found


def _instant(moment: datetime.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzinfo}"


def _message(
    events: Events, rule: str, raw: Mapping[str, Any], typed: Mapping[str, Any]
) -> list[str]:
    """Returns what is wrong with a row that breaks a rule."""
    if rule == "incomplete":
        return _cells(events, raw, typed)
    columns = events.fields
    if rule == "outside_month":
        limits = bounds(events.document.month, events.layout.zone)
        start, end = limits["month_start"], limits["month_end"]
        assert isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime)
        return [
            f"Column '{columns['timestamp']}': '{raw['occurred_at']}' is outside "
            f"{events.document.month:%Y-%m}, the month in the file's name; expected from "
            f"{_instant(start)} to before {_instant(end)}"
        ]
    marked = (
        f"mark the row in column '{columns['adjustment']}'"
        if "adjustment" in columns
        else "map an 'adjustment' column to mark them"
    )
    return [
        f"Column '{columns['quantity']}': '{raw['quantity']}' is negative on a row that is "
        f"not an adjustment; expected zero or more (only adjustments may be negative: {marked})"
    ]


def row_problems(
    events: Events, counted: Mapping[str, int], without_id: int
) -> tuple[list[Found], list[str]]:
    """Returns the rows that break a rule, with their messages, and what was not listed.

    Only the rules whose figure (`counted`, see `usage_aggregate.figures`) is
    not zero are read back; `without_id` is the number of rows without an
    event id (counted apart, see `usage_aggregate`).
    """
    found: list[Found] = []
    unlisted: list[str] = []
    names = list(NAMES.values())
    columns = ", ".join([*(f"raw_{name}" for name in names), *names])
    parameters = bounds(events.document.month, events.layout.zone, events.naive)
    for rule in FIGURES:
        count = counted[rule] + (without_id if rule == "incomplete" else 0)
        if not count:
            continue
        condition = RULES[rule]
        used = {name: parameters[name] for name in re.findall(r"\$(\w+)", condition)}
        rows = events.connection.execute(
            f"SELECT row_key, {columns} FROM usage_checked WHERE {condition} "
            f"ORDER BY row_key LIMIT {LISTED}",
            used,
        ).fetchall()
        for key, *values in rows:
            raw = dict(zip(names, values[: len(names)], strict=True))
            typed = dict(zip(names, values[len(names) :], strict=True))
            found += [(key, message) for message in _message(events, rule, raw, typed)]
        if count > len(rows):
            unlisted.append(f"{count - len(rows)} more rows {_WHAT[rule]} are not listed")
    return found, unlisted


def repeat_problems(events: Events, repeats: Repeats) -> list[Found]:
    """Returns a problem at each row whose event id is on an earlier row with other content."""
    return [
        (
            key,
            f"Event id '{event_id}' is also on {events.named(first)} with different content; "
            "expected one event per id",
        )
        for event_id, first, key in repeats.different
    ]


class Usage(NamedTuple):
    """A customer's totals in the month: its first row of events, and its rows of the totals."""

    first_row: int
    start: int  # Its first total (`Totals` are ordered by customer).
    end: int  # After its last total.


def by_customer(totals: Totals) -> dict[str, Usage]:
    """Returns each customer's totals (and first row), in the order of `totals`.

    Rows without a customer are left out (they are incomplete, a problem of their own).
    """
    starts = [0, *totals.ends[:-1]]
    return {
        customer: Usage(first_row, start, end)
        for customer, first_row, start, end in zip(
            totals.customers, totals.starts, starts, totals.ends, strict=True
        )
        if customer is not None
    }


def unknown_customers(usage: Mapping[str, Usage], customers: Mapping[str, Customer]) -> list[Found]:
    """Returns a problem at the first row of each customer the ledger does not have."""
    return [
        (
            each.first_row,
            f"Customer '{customer}' is not in the ledger; expected the id of a "
            "'custom \"customer\"' directive",
        )
        for customer, each in usage.items()
        if customer not in customers
    ]


def rating_problems(
    pricing: Pricing,
    customer: Customer,
    month: datetime.date,
    usage: Usage,
    totals: Totals,
    quantities: Mapping[str, Decimal],
) -> list[Found]:
    """Returns why a customer's month cannot be rated: each SKU without a price at its first row.

    Called when rating fails: the other reasons (no price book for the
    customer, a negative net quantity of a tiered SKU) are at the customer's
    first row.
    """
    terms = pricing.terms(customer.id, customer.entity, month)
    if terms is None:
        messages = usage_rating.problems(pricing, customer.id, customer.entity, month, quantities)
        return [(usage.first_row, message) for message in messages]
    unknown = set(
        usage_rating.unknown_skus(pricing, customer.id, customer.entity, month, quantities)
    )
    skus = [totals.skus[code] for code in totals.codes[usage.start : usage.end].tolist()]
    found = [
        (
            first_row,
            f"SKU '{sku}' has no price for customer '{customer.id}' in {month:%Y-%m} "
            f"(price book '{terms.book.name}'); expected a SKU of the price book",
        )
        for sku, first_row in zip(skus, totals.first_rows[usage.start : usage.end], strict=True)
        if sku in unknown
    ]
    priced = {sku: quantity for sku, quantity in quantities.items() if sku not in unknown}
    messages = usage_rating.problems(pricing, customer.id, customer.entity, month, priced)
    return found + [(usage.first_row, message) for message in messages]
