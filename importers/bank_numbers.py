"""Reading the amounts, dates and currencies that bank and processor files write as text.

Every reader raises `ValueError` with the end of a sentence that starts with the
cell's value, so the importer can say `Column 'Amount': '1.2E+3' is not an
amount; expected ...`. Amounts are decimals, never floats:

- `NumberFormat` reads `-1,234.56` (or `-1.234,56`, `1 234,56`, ...) by the
  source's decimal and thousands separators: a sign, or parentheses around a
  negative amount, digits with a thousands separator every three digits (or
  none at all), and the decimal separator. Scientific notation, `NaN`, a
  thousands separator in the wrong place and stray characters are refused.
- `fit` checks an amount against its currency's minor unit (ISO 4217; JPY
  has none, KWD has three) and writes it with exactly that many decimals.
- `currency` accepts the ISO 4217 codes CLDR knows (Babel's list, current and
  historical), upper or lower case (Stripe writes `usd`).
- `day` reads a date by strftime codes, and says so when a cell that is not
  one is ambiguous: a two-digit year (`03/04/26` for `%d/%m/%Y`), or a date
  with day and month swapped (`13/02/2026` for `%m/%d/%Y`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, ClassVar

from babel import numbers as cldr

from importers.config import Section
from plugins.currency import Precision

PRECISION = Precision()
_KNOWN = frozenset(cldr.list_currencies())
_CODE = re.compile(r"[A-Za-z]{3}")
_UNITS: dict[str, Decimal] = {}  # Currency -> its minor unit, as a quantum.
_SEPARATORS = (".", ",", " ", "'", "\u00a0", "")


@dataclass(frozen=True)
class NumberFormat:
    """How a source writes its numbers: the decimal and thousands separators."""

    decimal: str = "."
    thousands: str = ""  # Empty when the source writes no thousands separator.

    CACHED: ClassVar[int] = 50_000  # Amounts `quick` keeps read: under 10 MiB.

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        point = re.escape(self.decimal)
        digits = r"\d+"
        if self.thousands:
            digits = rf"(?:\d{{1,3}}(?:{re.escape(self.thousands)}\d{{3}})+|\d+)"
        return re.compile(rf"(?P<sign>[+-]?)(?P<digits>{digits})(?:{point}(?P<fraction>\d+))?")

    @cached_property
    def _plain(self) -> re.Pattern[str]:
        # The pattern above for ASCII digits only: what `quick` reads without checks.
        return re.compile(self._pattern.pattern.replace(r"\d", "[0-9]"))

    @property
    def example(self) -> str:
        """An amount written in this format, for messages."""
        return f"-1{self.thousands}234{self.decimal}56"

    def parse(self, text: str) -> Decimal:
        """Returns the amount a cell writes.

        Raises:
          ValueError: If the text is not an amount in this format.
        """
        body = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text
        found = self._pattern.fullmatch(body)
        if found is None or (body is not text and found["sign"]):
            separators = f"'{self.decimal}' as the decimal separator"
            if self.thousands:
                separators += f" and '{self.thousands}' between thousands"
            raise ValueError(
                f"is not an amount; expected digits with {separators}, like '{self.example}'"
            )
        whole = found["digits"].replace(self.thousands, "") if self.thousands else found["digits"]
        number = Decimal(f"{whole}.{found['fraction']}" if found["fraction"] else whole)
        negative = found["sign"] == "-" or body is not text
        return -number if negative else number

    @cached_property
    def quick(self) -> Callable[[str], Decimal | None]:
        """Reads a plain amount (ASCII digits, no parentheses) as `parse` does, fast.

        Returns None for anything else, which `parse` then reads or explains:
        a reader of millions of rows calls this first. Each distinct text is
        read once, up to `CACHED` of them (amounts repeat: fees, prices).
        """
        match, thousands, decimal = self._plain.fullmatch, self.thousands, self.decimal
        seen: dict[str, Decimal] = {}

        def read(text: str) -> Decimal | None:
            found = seen.get(text)
            if found is not None:
                return found
            if match(text) is None:
                return None
            plain = text.replace(thousands, "") if thousands else text
            if decimal != ".":
                plain = plain.replace(decimal, ".")
            # Negated as `parse` does: "-0.00" is zero, not Decimal's negative zero.
            found = -Decimal(plain[1:]) if plain[0] == "-" else Decimal(plain)
            if len(seen) < self.CACHED:
                seen[text] = found
            return found

        return read


def number_format(section: Section) -> NumberFormat:
    """Reads a source's `decimal` and `thousands` separators, recording problems in the section."""
    separators = "one of '.', ',', ' ', \"'\" or a no-break space"
    decimal = section.read("decimal", _separator, separators, ".") or "."
    thousands = section.read("thousands", _separator, separators + ", or none", "")
    if decimal == thousands:
        section.error(
            "thousands",
            f"Field '{section.label('thousands')}' is the decimal separator too; expected another",
        )
    return NumberFormat(decimal, thousands)


def _separator(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or value not in _SEPARATORS:
        raise ValueError(value)
    return value


def unit(currency: str) -> Decimal:
    """Returns the currency's minor unit, as a quantum: 0.01 for USD, 1 for JPY."""
    found = _UNITS.get(currency)
    if found is None:
        found = _UNITS[currency] = Decimal(1).scaleb(-PRECISION.digits(currency))
    return found


def fit(number: Decimal, currency: str) -> Decimal:
    """Returns the amount with exactly its currency's decimals.

    Raises:
      ValueError: If it has more decimals than the currency's minor unit.
    """
    try:
        fitted = number.quantize(unit(currency))
    except InvalidOperation:
        raise ValueError("has more digits than an amount can hold (28)") from None
    if fitted != number:
        digits = PRECISION.digits(currency)
        raise ValueError(f"has more decimals than {currency} allows ({digits})")
    return fitted


def currency(text: str) -> str:
    """Returns an ISO 4217 currency code, upper case.

    Raises:
      ValueError: If the text is not a currency code CLDR knows.
    """
    code = text.upper()
    if not _CODE.fullmatch(text) or code not in _KNOWN:
        raise ValueError("is not a known currency; expected an ISO 4217 code like 'USD'")
    return code


def day(text: str, date_format: str) -> datetime.date:
    """Returns the date a cell writes in the source's strftime format.

    Raises:
      ValueError: If the text is not a date in that format; the message says
        when it is one with a two-digit year, or one with day and month swapped.
    """
    try:
        return datetime.datetime.strptime(text, date_format).date()
    except ValueError:
        pass
    expected = f"expected the format '{date_format}'"
    if "%Y" in date_format and _parses(text, date_format.replace("%Y", "%y")):
        raise ValueError(f"is an ambiguous date: its year has two digits; {expected}")
    swapped = date_format.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    if swapped != date_format and _parses(text, swapped):
        raise ValueError(
            f"is not a date in the format '{date_format}' but is one in '{swapped}' (day and "
            f"month swapped): check the source's 'date_format'"
        )
    raise ValueError(f"is not a date; {expected}")


def _parses(text: str, date_format: str) -> bool:
    try:
        datetime.datetime.strptime(text, date_format)
    except ValueError:
        return False
    return True


def date_format(value: object) -> str:
    """Reads strftime codes for a date from the config (a reader for `Section.read`)."""
    if not isinstance(value, str) or "%" not in value:
        raise ValueError(value)
    datetime.date(2026, 1, 31).strftime(value)
    return value


class Dates:
    """Reads dates in one format: strptime is slow, and a file has few distinct dates.

    Each distinct text is read once (up to `CACHED` of them: a timestamp
    column has as many as rows, and memory must not grow with the file), and
    a format of `%Y`, `%m`, `%d`, `%H`, `%M` and `%S` only is read without
    strptime when the text has exactly two digits for each (four for the
    year); any other text goes to `day`, which reads or explains it.
    """

    CACHED = 10_000

    def __init__(self, date_format: str) -> None:
        self.date_format = date_format
        self.seen: dict[str, datetime.date] = {}
        self.fixed = _fixed_width(date_format)

    def __call__(self, text: str) -> datetime.date:
        """Returns the date a cell writes; raises ValueError as `day` does."""
        found = self.quick(text)
        if found is None:
            found = day(text, self.date_format)
            if len(self.seen) < self.CACHED:
                self.seen[text] = found
        return found

    def quick(self, text: str) -> datetime.date | None:
        """Returns the date of a text read before or in the fixed-width form, else None."""
        found = self.seen.get(text)
        if found is not None or self.fixed is None:
            return found
        match = self.fixed.fullmatch(text)
        if match is None:
            return None
        try:
            found = datetime.date(int(match["Y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            return None  # Let `day` explain it.
        if len(self.seen) < self.CACHED:
            self.seen[text] = found
        return found


# Each code's digits, a subset of what strptime accepts for it: for a text
# that matches, strptime splits it the same way and reads the same values.
_FIXED = {
    "Y": "(?P<Y>[0-9]{4})",
    "m": "(?P<m>0[1-9]|1[0-2])",
    "d": "(?P<d>0[1-9]|[12][0-9]|3[01])",
    "H": "(?:[01][0-9]|2[0-3])",
    "M": "[0-5][0-9]",
    "S": "[0-5][0-9]",
}


def _fixed_width(date_format: str) -> re.Pattern[str] | None:
    """Returns a pattern of the format's fixed-width texts, or None if it has other codes."""
    parts = re.split(r"%(.)", date_format)
    codes = parts[1::2]
    if not {"Y", "m", "d"} <= set(codes) or any(
        codes.count(code) > 1 or code not in _FIXED for code in codes
    ):
        return None
    pattern = "".join(
        _FIXED[part] if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(pattern)
