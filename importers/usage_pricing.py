"""Price books for usage, `config/pricing.yaml`: what each SKU costs, for whom, when.

    price_books:
      list-usd:
        currency: USD
        skus:
          gpu-hours: {unit_price: 2.49}        # flat; account defaults to Income:Revenue:Usage
          image-generations:
            pricing: graduated                 # each tier prices the units within it
            tiers: [{up_to: 10000, unit_price: 0.02}, {unit_price: 0.015}]
          video-seconds: {pricing: volume, tiers: [...]}   # the tier the total reaches prices all
    entities: {US: list-usd}                   # a customer's book when no contract applies
    contracts:
      CTR-0016-01:
        customer: CUS-0016
        start: 2025-01-01                      # optional; whole months
        end: 2026-12-31
        price_book: list-usd                   # optional; default: the entity's book
        prices: {gpu-hours: {unit_price: 2.20}}
        minimum: {amount: 5000.00, shortfall: revenue}   # revenue | none
    shortfall_account: Income:Revenue:Usage    # optional; where a minimum's shortfall is earned
    precision: {XCR: 4}                        # optional; decimals beyond ISO 4217

The file is read with the line of every key (`plugins.policy`), every problem
is collected, and all are raised together as one `ImportFailed`, each at its
line: `config/pricing.yaml:12: Field 'price_books.list-usd.currency' expected
...`. Numbers are exact decimals: a YAML number is taken as written (up to 15
significant digits; longer ones must be quoted).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel import numbers as cldr

from importers import config
from importers.config import Section
from importers.errors import ImportFailed
from plugins import policy
from plugins.currency import Precision

FLAT, GRADUATED, VOLUME = "flat", "graduated", "volume"
REVENUE, NONE = "revenue", "none"
DEFAULT_ACCOUNT = "Income:Revenue:Usage"
FIELDS = {"price_books", "entities", "contracts", "shortfall_account", "precision"}

PRICE = "a non-negative decimal like 2.49"
UNITS = "a positive number of units"
AMOUNT = "a non-negative amount like 5000.00"
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CODE = re.compile(r"[A-Z]{3}")
_KNOWN = frozenset(cldr.list_currencies())
_FLOAT_DIGITS = 15  # A YAML float holds this many significant digits exactly.


@dataclass(frozen=True)
class Tier:
    """Units up to `up_to` (inclusive; None: no limit) at `unit_price` each."""

    up_to: Decimal | None
    unit_price: Decimal


@dataclass(frozen=True)
class Sku:
    """How one SKU is priced: a flat `unit_price`, or graduated or volume `tiers`."""

    name: str
    pricing: str  # FLAT, GRADUATED or VOLUME.
    unit_price: Decimal | None  # Flat pricing only.
    tiers: tuple[Tier, ...]  # Graduated and volume pricing only.
    account: str | None  # None only in a contract's override: the book's account applies.


@dataclass(frozen=True)
class PriceBook:
    """A currency's list of SKU prices, in the order the file lists them."""

    name: str
    currency: str
    skus: Mapping[str, Sku]


@dataclass(frozen=True)
class Minimum:
    """A monthly minimum commitment, and whether its shortfall is revenue."""

    amount: Decimal
    shortfall: str  # REVENUE or NONE.


@dataclass(frozen=True)
class Contract:
    """A customer's negotiated terms for the usage months from `start` to `end`."""

    name: str
    customer: str
    start: datetime.date | None
    end: datetime.date | None
    price_book: str | None
    prices: Mapping[str, Sku]
    minimum: Minimum | None

    def covers(self, month: datetime.date) -> bool:
        """Returns whether the contract applies to the usage month starting `month`."""
        return (self.start is None or self.start <= month) and (
            self.end is None or month <= self.end
        )


@dataclass(frozen=True)
class Terms:
    """What prices one customer's usage month: a book, maybe a contract, each SKU's pricing."""

    book: PriceBook
    contract: Contract | None
    skus: Mapping[str, Sku]  # The book's SKUs in its order, then SKUs only the contract prices.


def _merged(book: PriceBook, contract: Contract) -> dict[str, Sku]:
    """Returns the book's SKUs with the contract's prices in place of those it names."""
    skus = dict(book.skus)
    for name, override in contract.prices.items():
        listed = book.skus.get(name)
        account = override.account or (listed.account if listed else None) or DEFAULT_ACCOUNT
        skus[name] = replace(override, account=account)
    return skus


@dataclass(frozen=True)
class Pricing:
    """Everything `config/pricing.yaml` says."""

    books: Mapping[str, PriceBook]
    entities: Mapping[str, str]  # Entity -> the name of its default price book.
    contracts: Mapping[str, Contract]
    precision: Precision
    shortfall_account: str = DEFAULT_ACCOUNT

    @functools.cached_property
    def _by_customer(self) -> dict[str, tuple[Contract, ...]]:
        found: dict[str, tuple[Contract, ...]] = {}
        for contract in self.contracts.values():
            found[contract.customer] = (*found.get(contract.customer, ()), contract)
        return found

    @functools.cached_property
    def _terms(self) -> dict[tuple[str, str | None], Terms]:
        """Terms by book and contract name, built once: rating asks for them per customer."""
        found: dict[tuple[str, str | None], Terms] = {
            (name, None): Terms(book, None, book.skus) for name, book in self.books.items()
        }
        for contract in self.contracts.values():
            for name, book in self.books.items():
                if contract.price_book in (None, name):
                    found[name, contract.name] = Terms(book, contract, _merged(book, contract))
        return found

    def contract(self, customer: str, month: datetime.date) -> Contract | None:
        """Returns the customer's contract for the usage month starting `month`, if any."""
        for contract in self._by_customer.get(customer, ()):
            if contract.covers(month):
                return contract
        return None

    def terms(self, customer: str, entity: str | None, month: datetime.date) -> Terms | None:
        """Returns what prices the customer's usage month starting `month`.

        The contract covering the month applies, with its own book or else the
        entity's; without a contract, the entity's book. None if no book applies.
        """
        contract = self.contract(customer, month)
        book = (contract.price_book if contract else None) or self.entities.get(entity or "")
        if book is None:
            return None
        return self._terms.get((book, contract.name if contract else None))


def _canonical(number: Decimal) -> Decimal:
    """Returns the number without trailing zeros (2.50 as 2.5, 1000 as 1000).

    Equal prices are then written alike wherever they came from, so a line's
    text never depends on which of two equal prices was rated first.
    """
    number = number.normalize()
    exponent = number.as_tuple().exponent
    return number.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else number


def decimal(value: Any) -> Decimal:
    """Reads a decimal: a YAML integer or float (as written), or a plain decimal in quotes."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float's repr is the shortest text that reads back as it: what the file
        # says, as long as that fits in a float's 15 significant digits.
        number = Decimal(repr(value))
        if not number.is_finite() or len(number.normalize().as_tuple().digits) > _FLOAT_DIGITS:
            raise ValueError(value)
        return _canonical(number)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        try:
            return _canonical(Decimal(value.strip()))
        except InvalidOperation as error:
            raise ValueError(value) from error
    raise ValueError(value)


def non_negative(value: Any) -> Decimal:
    """Reads a decimal of at least zero."""
    number = decimal(value)
    if number < 0:
        raise ValueError(value)
    return number


def positive(value: Any) -> Decimal:
    """Reads a decimal above zero."""
    number = decimal(value)
    if number <= 0:
        raise ValueError(value)
    return number


def _name(items: Mapping[str, Any]) -> Callable[[Any], str]:
    """Returns a reader of a name that `items` defines."""

    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in items:
            raise ValueError(value)
        return value

    return read


def _one_of(names: Mapping[str, Any]) -> str:
    return ", ".join(f"'{name}'" for name in sorted(names)) or "none defined"


def _period(contract: Contract) -> str:
    start, end = contract.start or "open", contract.end or "open"
    return f"{start} to {end}"


def _top(document: policy.Document, key: str, required: str | None) -> Section | None:
    """Returns the top-level mapping `key`; a missing one is a problem if `required` says what.

    An optional section may be left empty (`contracts:` with only comments).
    """
    value = document.data.get(key)
    if value is None and key in document.data and required is None:
        return None
    if key not in document.data:
        if required is not None:
            document.error((), f"Missing field '{key}'; expected {required}")
        return None
    if not isinstance(value, dict):
        found = type(value).__name__ if isinstance(value, list) else f"'{value}'"
        document.error((key,), f"Field '{key}' expected a mapping, found {found}")
        return None
    return Section(document, (key,))


def _tiers(sku: Section) -> tuple[Tier, ...]:
    """Reads a tiered SKU's tiers: ascending, the last open-ended, each with a price."""
    if "tiers" not in sku.data:
        sku.error(None, f"Missing field '{sku.label('tiers')}'; expected a list of tiers")
        return ()
    items = sku.sections("tiers")
    count = len(sku.data["tiers"]) if isinstance(sku.data["tiers"], list) else 0
    if isinstance(sku.data["tiers"], list) and not count:
        sku.error("tiers", f"Field '{sku.label('tiers')}' expected at least one tier")
    tiers: list[Tier] = []
    previous: Decimal | None = None
    for item in items:
        index = int(item.keys[-1])
        item.reject_unknown(["up_to", "unit_price"])
        price = item.require("unit_price", non_negative, PRICE, None)
        up_to = item.read("up_to", positive, UNITS, None)
        if up_to is None and "up_to" in item.data:
            previous = None  # Already reported; the next tier is not compared with it.
            continue
        if up_to is None and index < count - 1:
            item.error(
                None,
                f"Tier '{item.path}' has no 'up_to' but is not the last tier; "
                "only the last tier may be open-ended",
            )
        if up_to is not None and index == count - 1:
            item.error(
                "up_to",
                f"Tier '{item.path}' ends at '{up_to}'; expected the last tier "
                "open-ended (without 'up_to'), so that every quantity has a price",
            )
        if up_to is not None and previous is not None and up_to <= previous:
            item.error(
                "up_to",
                f"Field '{item.label('up_to')}' expected more than the previous "
                f"tier's '{previous}', found '{up_to}'; tiers must ascend without "
                "overlapping",
            )
        previous = up_to if up_to is not None else previous
        if price is not None:
            tiers.append(Tier(up_to, price))
    return tuple(tiers) if len(tiers) == count and count else ()


def _sku(section: Section, override: bool) -> Sku | None:
    """Reads one SKU's pricing; an override's account may be left to the book."""
    method = section.read(
        "pricing", policy.choice((FLAT, GRADUATED, VOLUME)), "'flat', 'graduated' or 'volume'", ""
    )
    if not method and "pricing" in section.data:
        return None
    method = method or FLAT
    default = None if override else DEFAULT_ACCOUNT
    account = section.read("account", policy.account_name, policy.ACCOUNT_EXPECTED, default)
    if method == FLAT:
        if "tiers" in section.data:
            section.error(
                "tiers",
                f"Field '{section.label('tiers')}' needs 'pricing: graduated' "
                "or 'pricing: volume'; a flat SKU has one 'unit_price'",
            )
        section.reject_unknown(["account", "pricing", "unit_price", "tiers"])
        price = section.require("unit_price", non_negative, PRICE, None)
        return None if price is None else Sku(section.name, FLAT, price, (), account)
    if "unit_price" in section.data:
        section.error(
            "unit_price",
            f"Field '{section.label('unit_price')}' is for flat pricing; "
            f"a {method} SKU prices each of its 'tiers'",
        )
    section.reject_unknown(["account", "pricing", "unit_price", "tiers"])
    tiers = _tiers(section)
    return Sku(section.name, method, None, tiers, account) if tiers else None


def _skus(parent: Section, key: str, override: bool) -> dict[str, Sku]:
    """Reads a mapping of SKU name to its pricing."""
    if key not in parent.data and override:
        return {}
    skus = parent.section(key)
    if skus is None:
        return {}
    if not skus.data and not override:
        skus.error(None, f"Field '{skus.path}' expected at least one SKU")
    found = {}
    for name in skus.data:
        item = skus.section(str(name))
        sku = _sku(item, override) if item is not None else None
        if sku is not None:
            found[sku.name] = sku
    return found


def currency_code(value: Any) -> str:
    """Reads an ISO 4217 currency code that CLDR knows, like `USD`."""
    if not isinstance(value, str) or not _CODE.fullmatch(value) or value not in _KNOWN:
        raise ValueError(value)
    return value


def _books(document: policy.Document, digits: Mapping[str, int]) -> dict[str, PriceBook]:
    section = _top(document, "price_books", "a mapping of price books")
    if section is None:
        return {}
    books = {}
    codes = "an ISO 4217 currency code like 'USD'"
    for name in section.data:
        book = section.section(str(name))
        if book is None:
            continue
        book.reject_unknown(["currency", "skus"])
        currency = book.require("currency", _currency_of(digits), codes, "")
        skus = _skus(book, "skus", override=False)
        if currency:
            books[book.name] = PriceBook(book.name, currency, skus)
    return books


def _currency_of(digits: Mapping[str, int]) -> Callable[[Any], str]:
    """Returns a reader of ISO codes, and of the codes the `precision` field adds."""

    def read(value: Any) -> str:
        if isinstance(value, str) and value in digits:
            return value
        return currency_code(value)

    return read


def _entities(document: policy.Document, books: Mapping[str, PriceBook]) -> dict[str, str]:
    section = _top(document, "entities", None)
    if section is None:
        return {}
    found = {}
    for entity in section.data:
        book = section.read(str(entity), _name(books), f"a price book: {_one_of(books)}", "")
        if book:
            found[str(entity)] = book
    return found


def _minimum(contract: Section, book: PriceBook | None, precision: Precision) -> Minimum | None:
    if "minimum" not in contract.data:
        return None
    section = contract.section("minimum")
    if section is None:
        return None
    section.reject_unknown(["amount", "shortfall"])
    amount = section.require("amount", non_negative, AMOUNT, None)
    shortfall = section.require(
        "shortfall", policy.choice((REVENUE, NONE)), "'revenue' or 'none'", ""
    )
    if (
        amount is not None
        and book is not None
        and precision.to_minor(amount, book.currency) is None
    ):
        digits = precision.digits(book.currency)
        section.error(
            "amount",
            f"Field '{section.label('amount')}' expected an amount in {book.currency} with at "
            f"most {digits} decimals, found '{amount}'",
        )
        return None
    return Minimum(amount, shortfall) if amount is not None and shortfall else None


def _contract(
    section: Section, books: Mapping[str, PriceBook], precision: Precision
) -> Contract | None:
    section.reject_unknown(["customer", "start", "end", "price_book", "prices", "minimum"])
    customer = section.require("customer", policy.text, "a customer id like 'CUS-0016'", "")
    start = section.read("start", _first_day, "the first day of a month like 2026-01-01", None)
    end = section.read("end", _last_day, "the last day of a month like 2026-12-31", None)
    # A contract with bad dates is not compared with others: its period is unknown.
    dated = ("start" not in section.data or start is not None) and (
        "end" not in section.data or end is not None
    )
    if start is not None and end is not None and end < start:
        section.error(
            "end",
            f"Field '{section.label('end')}' expected a date on or after "
            f"start '{start}', found '{end}'",
        )
        dated = False
    name = section.read("price_book", _name(books), f"a price book: {_one_of(books)}", "")
    prices = _skus(section, "prices", override=True)
    minimum = _minimum(section, books.get(name), precision)
    if not customer or not dated:
        return None
    return Contract(section.name, customer, start, end, name or None, prices, minimum)


def _day(value: Any) -> datetime.date:
    """Reads a date, unquoted (a YAML date) or quoted."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return policy.date(value)


def _first_day(value: Any) -> datetime.date:
    day = _day(value)
    if day.day != 1:
        raise ValueError(value)
    return day


def _last_day(value: Any) -> datetime.date:
    day = _day(value)
    if (day + datetime.timedelta(days=1)).day != 1:
        raise ValueError(value)
    return day


def _overlaps(first: Contract, second: Contract) -> bool:
    return (first.end is None or second.start is None or second.start <= first.end) and (
        second.end is None or first.start is None or first.start <= second.end
    )


def _contracts(
    document: policy.Document, books: Mapping[str, PriceBook], precision: Precision
) -> dict[str, Contract]:
    section = _top(document, "contracts", None)
    if section is None:
        return {}
    found: dict[str, Contract] = {}
    for name in section.data:
        item = section.section(str(name))
        contract = _contract(item, books, precision) if item is not None else None
        if contract is None:
            continue
        for earlier in found.values():
            if earlier.customer == contract.customer and _overlaps(earlier, contract):
                period, other = _period(contract), _period(earlier)
                section.error(
                    str(name),
                    f"Contract '{contract.name}' of customer "
                    f"'{contract.customer}' ({period}) overlaps contract "
                    f"'{earlier.name}' ({other}); expected one contract per "
                    "customer at a time",
                )
        found[contract.name] = contract
    return found


def load(path: str | Path) -> Pricing:
    """Reads `config/pricing.yaml`.

    Raises:
      ImportFailed: With every problem of the file, each at its line.
    """
    document = policy.load(str(path))
    readable = not document.errors
    document.reject_unknown(FIELDS)
    digits: dict[str, int] = document.read(
        "precision", policy.precision_map, policy.PRECISION_EXPECTED, {}
    )
    precision = Precision(digits)
    shortfall = document.read(
        "shortfall_account", policy.account_name, policy.ACCOUNT_EXPECTED, DEFAULT_ACCOUNT
    )
    books = _books(document, digits) if readable else {}
    pricing = Pricing(
        books,
        _entities(document, books),
        _contracts(document, books, precision),
        precision,
        shortfall,
    )
    problems = config.problems(document)
    if problems:
        raise ImportFailed(problems)
    return pricing
