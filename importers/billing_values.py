"""The values of a billing export, read exactly: amounts, instants, dates, ids, currencies.

Each reader takes one value as the export writes it (a CSV cell is text; a JSON
value is text, a whole number, a `JsonFloat` kept as written, or a
`JsonConstant` such as NaN) and returns it typed, or raises `ValueError` with
the rest of a message that the importer prefixes with the field and the value
it found: `'12.5' is not a whole number; expected an amount in minor units
like '4900'`.

No amount ever passes through a binary float: a JSON number is read from its
text, and an amount written with a fraction, an exponent or as NaN is refused
where the source promises whole minor units.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

_WHOLE = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_LINK = re.compile(r"[A-Za-z0-9\-_/.]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class JsonFloat(str):
    """A JSON number written with a fraction or an exponent, kept as its text."""


class JsonConstant(str):
    """`NaN`, `Infinity` or `-Infinity`, which Python's JSON reader accepts."""


def shown(value: Any) -> str:
    """Returns a value as a message quotes it: `'12.5'`, `null`, `an object`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


def _not_a_number(value: Any, expected: str) -> ValueError:
    if isinstance(value, JsonConstant):
        return ValueError(f"is not a number; expected {expected}")
    if isinstance(value, JsonFloat | str) and "e" in value.lower() and _looks_numeric(value):
        return ValueError(f"is in scientific notation; expected {expected}")
    return ValueError(f"is not a number; expected {expected}")


def _looks_numeric(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False


def whole_number(value: Any, expected: str) -> int:
    """Reads a whole number: a JSON integer or digits with an optional sign.

    Raises:
      ValueError: For a fraction, an exponent, NaN, a float or anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"is not a number; expected {expected}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and not isinstance(value, JsonConstant) and _WHOLE.fullmatch(value):
        return int(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        raise ValueError(f"is not a whole number; expected {expected}")
    raise _not_a_number(value, expected)


def decimal_text(value: Any, expected: str) -> Decimal:
    """Reads a decimal written as text, like `'12.00'` (never a JSON number: floats lose cents).

    Raises:
      ValueError: For a JSON number, an exponent, NaN, a thousands separator or anything else.
    """
    if isinstance(value, JsonFloat) or (isinstance(value, int) and not isinstance(value, bool)):
        raise ValueError(f"is a JSON number; expected {expected}")
    if isinstance(value, str) and not isinstance(value, JsonConstant) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise _not_a_number(value, expected)


def decimal_number(value: Any, expected: str) -> Decimal:
    """Reads a decimal written as a JSON number or as text (a quantity, a unit price).

    Raises:
      ValueError: For an exponent, NaN or anything that is not a plain decimal.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and not isinstance(value, JsonConstant) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise _not_a_number(value, expected)


def quantity(value: Any) -> Decimal:
    """Reads a quantity: a decimal of at least zero.

    Raises:
      ValueError: For a negative quantity or one that is not a plain decimal.
    """
    number = decimal_number(value, "a quantity like '3'")
    if number < 0:
        raise ValueError(
            "is negative; expected a quantity of at least 0 (a credit is a negative amount)"
        )
    return number


def text(value: Any) -> str:
    """Reads a non-empty text."""
    if not isinstance(value, str) or isinstance(value, JsonFloat | JsonConstant) or not value:
        raise ValueError("is not a text; expected a non-empty text")
    return value


def link(value: Any) -> str:
    """Reads an id that can be a Beancount link (an invoice or contract id)."""
    found = text(value)
    if not _LINK.fullmatch(found):
        raise ValueError("cannot be a link; expected letters, digits and '-_/.' only")
    return found


def currency(value: Any, allowed: Collection[str]) -> str:
    """Reads a currency code, upper-cased (Stripe writes `usd`), one of `allowed`."""
    code = text(value).upper()
    if code not in allowed:
        known = ", ".join(f"'{name}'" for name in sorted(allowed))
        raise ValueError(f"is not a billing currency; expected one of {known}")
    return code


def unix_date(value: Any, zone: datetime.tzinfo) -> datetime.date:
    """Reads Unix seconds (a JSON integer or digits) as the date they fall on in `zone`."""
    seconds = whole_number(value, "Unix seconds like '1767225600'")
    try:
        return datetime.datetime.fromtimestamp(seconds, zone).date()
    except (OverflowError, OSError, ValueError):
        raise ValueError("is out of range; expected Unix seconds like '1767225600'") from None


def iso_date(value: Any, zone: datetime.tzinfo) -> datetime.date:
    """Reads an ISO 8601 date, or a date-time as the date it falls on in `zone`.

    A date-time without an offset is taken to be in `zone`.
    """
    expected = "an ISO 8601 date like '2026-03-01' or date-time like '2026-03-01T00:00:00Z'"
    if not isinstance(value, str) or isinstance(value, JsonFloat | JsonConstant):
        raise ValueError(f"is not a date; expected {expected}")
    found = value
    try:
        if _ISO_DATE.fullmatch(found):
            return datetime.date.fromisoformat(found)
        moment = datetime.datetime.fromisoformat(found)
    except ValueError:
        raise ValueError(f"is not a date; expected {expected}") from None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()


def instant_date(value: Any, zone: datetime.tzinfo) -> datetime.date:
    """Reads Unix seconds or an ISO 8601 date-time (a flattened export writes either)."""
    if isinstance(value, int) or (isinstance(value, str) and _WHOLE.fullmatch(value)):
        return unix_date(value, zone)
    return iso_date(value, zone)


def inclusive_end(start: datetime.date, end: datetime.date, exclusive: bool) -> datetime.date:
    """Returns the last day of a service period from its end as the source writes it.

    An exclusive end (Stripe's `period.end`, Metronome's `ending_before`) is the
    first instant after the service: its last day is the day before, so
    2026-01-15 to 2026-02-15 exclusive is 2026-01-15 to 2026-02-14, 31 days. A
    period that starts and ends on the same day (a one-off item) is that day.

    Raises:
      ValueError: If the period ends before it starts.
    """
    if end < start:
        raise ValueError(
            f"ends before it starts ('{start}'); expected an end on or after the start"
        )
    if not exclusive:
        return end
    return max(start, end - datetime.timedelta(days=1))
