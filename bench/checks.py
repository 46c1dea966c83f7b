"""Correctness of generated schedules: pieces sum to what was billed, to the cent.

The checks read the loaded books only; they do not call the plugin's code, so a
wrong schedule cannot hide behind the arithmetic that made it.

- This project's releases are entries whose `revclose_generated_by` is
  `deferred_revenue`; what they should release is every typed posting to a
  deferred revenue account that has a service period and is not `usage`.
- beancount-periodic's pieces are entries whose narration ends in
  `Amortized(i/n)`; what they should release is each invoice's receivable.

Both are compared in total per currency and per source (an invoice or its
link), and every piece is checked for the currency's number of decimals.

With a release horizon (`horizon: books`), what the releases should total is
each line's share through the horizon (the month end of the books' latest
typed transaction), computed here from the line's dates: on the daily basis
(every benchmark policy's), a ratable line's due amount is its amount times
the days of its period through the horizon over all its days, rounded half
away from zero to the currency's minor unit (cumulative rounding makes the
released total exactly that); a point line is due in full once the month of
its delivery has ended.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

GENERATED_BY = "revclose_generated_by"
SOURCE = "revclose_source"
GENERATOR = "deferred_revenue"
DEFERRED_ROOT = "Liabilities:DeferredRevenue"
RECEIVABLE = "Assets:AccountsReceivable"
_PERIODIC_NARRATION = re.compile(r"Amortized\(\d+/\d+\)$")
_SCHEDULED_KEYS = ("service_start", "service_end", "recognition")

Totals = dict[str, dict[str, Decimal]]  # source -> currency -> amount
Units = tuple[Decimal, str]  # (number, currency)


@dataclass(frozen=True)
class Check:
    """What a load's generated pieces add up to, against what was billed.

    Attributes:
      pieces: Generated postings on the release side (one per piece, or per
        summed piece in summary detail).
      billed: The total to release, per currency (as text): what was billed,
        or with a release horizon what is due through it.
      released: The total the pieces release, per currency (as text).
      totals_equal: Whether the two totals are equal as numbers, in every currency.
      sources: Sources whose pieces could be matched one by one (0 in summary detail).
      sources_off: Sources whose pieces do not sum to what they billed.
      not_exact_decimals: Pieces not written with exactly the currency's decimals.
      sub_minor_unit: Pieces finer than the currency's minor unit (a fraction of a cent).
    """

    pieces: int
    billed: dict[str, str]
    released: dict[str, str]
    totals_equal: bool
    sources: int
    sources_off: int
    not_exact_decimals: int
    sub_minor_unit: int

    @property
    def sum_exact(self) -> bool:
        """Tells whether every total, and every matched source, releases what it billed."""
        return self.totals_equal and self.sources_off == 0

    def to_json(self) -> dict[str, Any]:
        """Returns the check as plain JSON data."""
        return {**asdict(self), "sum_exact": self.sum_exact}


def _digits(currency: str) -> int:
    # The ISO 4217 table is data, not schedule arithmetic; reuse it.
    from plugins.currency import Precision

    return Precision().digits(currency)


def _units(posting: data.Posting) -> Units | None:
    """Returns a posting's (number, currency), or None if it has no number."""
    if posting.units is None or not isinstance(posting.units.number, Decimal):
        return None
    return posting.units.number, posting.units.currency


def _add(totals: Totals, source: str, units: Units, sign: int) -> None:
    number, currency = units
    totals[source][currency] += sign * number


def _by_currency(totals: Totals) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for per_currency in totals.values():
        for currency, number in per_currency.items():
            summed[currency] += number
    return summed


def _text(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {currency: str(number) for currency, number in sorted(amounts.items()) if number}


def _precision_faults(pieces: Sequence[Units]) -> tuple[int, int]:
    """Returns (pieces not at exactly the currency's decimals, pieces finer than its unit)."""
    not_exact = finer = 0
    for number, currency in pieces:
        digits = _digits(currency)
        if number.as_tuple().exponent != -digits:
            not_exact += 1
        if number != number.quantize(Decimal(1).scaleb(-digits)):
            finer += 1
    return not_exact, finer


def _equal(left: dict[str, Decimal], right: dict[str, Decimal]) -> bool:
    """Tells whether two per-currency totals are equal as numbers (1.10 equals 1.1)."""
    return all(left.get(currency, 0) == right.get(currency, 0) for currency in left.keys() | right)


def _compare(billed: Totals, released: Totals, pieces: Sequence[Units], matched: bool) -> Check:
    sources_off = 0
    if matched:
        for source in billed.keys() | released.keys():
            if not _equal(billed.get(source, {}), released.get(source, {})):
                sources_off += 1
    billed_total, released_total = _by_currency(billed), _by_currency(released)
    not_exact, finer = _precision_faults(pieces)
    return Check(
        pieces=len(pieces),
        billed=_text(billed_total),
        released=_text(released_total),
        totals_equal=_equal(billed_total, released_total),
        sources=len(billed) if matched else 0,
        sources_off=sources_off,
        not_exact_decimals=not_exact,
        sub_minor_unit=finer,
    )


def _transactions(entries: Iterable[data.Directive]) -> Iterable[data.Transaction]:
    return (entry for entry in entries if isinstance(entry, data.Transaction))


def _is_deferred(name: str) -> bool:
    return name == DEFERRED_ROOT or name.startswith(DEFERRED_ROOT + ":")


def _is_scheduled(posting: data.Posting) -> bool:
    values = posting.meta or {}
    if not any(key in values for key in _SCHEDULED_KEYS):
        return False
    return bool(values.get("recognition", "ratable") != "usage")


def _typed_source(entry: data.Transaction) -> str:
    invoice = entry.meta.get("invoice")
    if invoice:
        return str(invoice)
    return f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}"


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def books_horizon(entries: Sequence[data.Directive]) -> datetime.date | None:
    """Returns the month end of the latest typed (not generated) transaction, if any."""
    dates = [entry.date for entry in _transactions(entries) if GENERATED_BY not in entry.meta]
    return _month_end(max(dates)) if dates else None


def _due(posting: data.Posting, units: Units, through: datetime.date) -> Units:
    """Returns what a deferred line releases through `through`, in the line's sign."""
    number, currency = units
    values = posting.meta or {}
    start, end = values["service_start"], values["service_end"]
    if values.get("recognition", "ratable") == "point":
        return (number if _month_end(end) <= through else Decimal(0)), currency
    digits = _digits(currency)
    minor = int(number.scaleb(digits))
    days = (end - start).days + 1
    elapsed = min(max((through - start).days + 1, 0), days)
    magnitude = (2 * abs(minor) * elapsed + days) // (2 * days)  # half away from zero
    return Decimal(magnitude if minor >= 0 else -magnitude).scaleb(-digits), currency


def check_deferred_revenue(entries: Sequence[data.Directive], horizon: bool = False) -> Check:
    """Checks this project's releases against the deferred lines they release.

    Args:
      entries: The loaded books, with the plugin's releases.
      horizon: Whether the plugin released through the books' horizon only
        (`horizon: books`); then each line is due its share through it.
    Returns:
      The totals and faults found. Sources are matched one by one when the
      releases name theirs (detail `line`).
    """
    billed: Totals = defaultdict(lambda: defaultdict(Decimal))
    released: Totals = defaultdict(lambda: defaultdict(Decimal))
    pieces: list[Units] = []
    matched = True
    through = books_horizon(entries) if horizon else None
    for entry in _transactions(entries):
        generated = entry.meta.get(GENERATED_BY) == GENERATOR
        source = str(entry.meta.get(SOURCE, "")) if generated else _typed_source(entry)
        matched = matched and (not generated or bool(source))
        for posting in entry.postings:
            units = _units(posting)
            if units is None or not _is_deferred(posting.account):
                continue
            if generated:
                _add(released, source, units, 1)
                pieces.append(units)
            elif _is_scheduled(posting):
                due = units if through is None else _due(posting, units, through)
                _add(billed, source, due, -1)
    return _compare(billed, released, pieces, matched)


def _periodic_source(entry: data.Transaction) -> str:
    return ",".join(sorted(entry.links)) or _typed_source(entry)


def check_periodic(entries: Sequence[data.Directive]) -> Check:
    """Checks beancount-periodic's pieces against each invoice's receivable.

    Args:
      entries: The loaded books, with beancount-periodic's pieces.
    Returns:
      The totals and faults found, invoices matched by their link.
    """
    billed: Totals = defaultdict(lambda: defaultdict(Decimal))
    released: Totals = defaultdict(lambda: defaultdict(Decimal))
    pieces: list[Units] = []
    for entry in _transactions(entries):
        generated = bool(_PERIODIC_NARRATION.search(entry.narration or ""))
        source = _periodic_source(entry)
        for posting in entry.postings:
            units = _units(posting)
            if units is None:
                continue
            if generated and posting.account.startswith("Income:"):
                _add(released, source, units, -1)
                pieces.append(units)
            elif not generated and posting.account == RECEIVABLE:
                _add(billed, source, units, 1)
    return _compare(billed, released, pieces, matched=True)


CHECKS: dict[str, Callable[[Sequence[data.Directive]], Check]] = {
    "deferred_revenue": check_deferred_revenue,
    "deferred_revenue_books": functools.partial(check_deferred_revenue, horizon=True),
    "periodic": check_periodic,
}
