"""Performance obligations and contract modifications declared in the ledger.

A contract with a transaction price (`custom "contract"`, plugins.contracts)
names what it promises, one `custom "obligation"` each (ASC 606 step 2):

    2026-01-01 custom "obligation" "CTR-1/platform"
      contract: "CTR-1"
      type: "subscription"           ; what it is, in the memo and reports
      ssp: 12000.00 USD              ; standalone selling price (per unit with quantity)
      quantity: 1                    ; optional, default 1
      recognition: "ratable"         ; ratable (start to end) | point (delivered) | usage
      start: 2026-01-01
      end: 2026-12-31                ; or months: 12
      revenue_account: Income:Revenue:Subscriptions
      residual: TRUE                 ; optional: SSP by the residual approach
      discount: 500.00 USD           ; optional: a discount assigned to this obligation

A usage obligation is variable consideration at contract rates: it takes no
SSP and may carry a minimum commitment over `start` to `end` (`minimum`), and
retroactive volume tiers (`rate`, `volume_tiers: "10000 1.80, 25000 1.60"`,
`expected_quantity`). A `custom "contract-modification"` changes a contract on
its date; the obligations it adds name it with `modification`:

    2026-07-01 custom "contract-modification" "CTR-1/MOD-1"
      contract: "CTR-1"
      method: "prospective"          ; separate | prospective | catch-up
      price: 1200.00 USD             ; consideration added (negative: removed)

This module reads and checks the directives; plugins.allocation and
plugins.performance do the arithmetic.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import account, amount, data

from plugins import contracts, meta
from plugins.currency import Precision
from plugins.schedule import end_of_term

OBLIGATION = "obligation"
MODIFICATION = "contract-modification"
RATABLE, POINT, USAGE = "ratable", "point", "usage"
PATTERNS = (RATABLE, POINT, USAGE)
SEPARATE, PROSPECTIVE, CATCH_UP = "separate", "prospective", "catch-up"
METHODS = (SEPARATE, PROSPECTIVE, CATCH_UP)
_TIER = re.compile(r"\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*")


class ObligationError(NamedTuple):
    """An obligation or modification directive the user must fix."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass(frozen=True)
class UsageTerms:
    """Variable consideration of a usage obligation (ASC 606-10-32-5)."""

    rate: Decimal | None  # The contract rate per unit, before volume tiers.
    minimum: int  # Minor units committed over the period; 0 for none.
    tiers: tuple[tuple[Decimal, Decimal], ...]  # (from this quantity, price of every unit)
    expected_quantity: Decimal | None


@dataclass(frozen=True)
class Obligation:
    """A performance obligation: what is promised, its SSP and how it is satisfied."""

    id: str
    contract: str
    type: str
    pattern: str
    currency: str
    ssp: int | None  # Minor units for the whole quantity; None for residual or usage.
    quantity: Decimal
    start: datetime.date | None  # Ratable and usage: the period; point: the delivery.
    end: datetime.date | None
    revenue_account: str
    residual: bool
    discount: int  # A discount assigned to this obligation, in minor units.
    modification: str | None
    usage: UsageTerms | None
    entry: data.Custom

    @property
    def booked(self) -> datetime.date:
        """The date of the directive: nothing is recognized in a month before it."""
        return self.entry.date


@dataclass(frozen=True)
class Modification:
    """A change of a contract on a date (ASC 606-10-25-10)."""

    id: str
    contract: str
    method: str
    price: int  # Consideration added, in minor units (negative: removed).
    added: tuple[Obligation, ...]
    entry: data.Custom

    @property
    def date(self) -> datetime.date:
        """The day the modification takes effect."""
        return self.entry.date


@dataclass(frozen=True)
class ContractTerms:
    """A contract with its transaction price, obligations and modifications."""

    contract: contracts.Contract
    price: int  # The transaction price at inception, in minor units.
    currency: str
    obligations: tuple[Obligation, ...]  # At inception, by id.
    modifications: tuple[Modification, ...]  # By date, then id.

    @property
    def id(self) -> str:
        """The contract's id."""
        return self.contract.id

    def all_obligations(self) -> list[Obligation]:
        """Returns the obligations at inception and those modifications added."""
        return [*self.obligations, *(o for m in self.modifications for o in m.added)]


class _Reader:
    """Reads one directive's fields, collecting an error for each bad one."""

    def __init__(self, entry: data.Custom, precision: Precision, errors: list[Any]) -> None:
        self.entry = entry
        self.precision = precision
        self.errors = errors
        self.known = len(errors)

    @property
    def failed(self) -> bool:
        return len(self.errors) > self.known

    def fail(self, message: str) -> None:
        self.errors.append(ObligationError(self.entry.meta, message, self.entry))

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.entry.meta.get(key)
        if value is None:
            if required:
                self.fail(f"Missing '{key}' on {self._what()}; expected a text value")
            return None
        if not isinstance(value, str) or not value:
            self.fail(f"Field '{key}' '{value}' is not text; expected a quoted value")
            return None
        return value

    def date(self, key: str) -> datetime.date | None:
        value = self.entry.meta.get(key)
        if value is None:
            return None
        parsed = meta.date_of(value)
        if parsed is None:
            self.fail(f"Field '{key}' '{value}' is not a date; expected YYYY-MM-DD")
        return parsed

    def money(self, key: str, currency: str | None, scale: Decimal = Decimal(1)) -> int | None:
        """Reads an amount (times `scale`) in minor units of `currency`, if present."""
        value = self.entry.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, amount.Amount) or not isinstance(value.number, Decimal):
            self.fail(
                f"Field '{key}' '{value}' is not an amount; expected a number and a currency "
                "like '12000.00 USD'"
            )
            return None
        if currency is not None and value.currency != currency:
            self.fail(f"Field '{key}' is in {value.currency}; expected the contract's {currency}")
            return None
        if value.number < 0:
            self.fail(f"Field '{key}' '{value}' is negative; expected zero or more")
            return None
        units = self.precision.to_minor(value.number * scale, value.currency)
        if units is None:
            self.fail(
                f"Field '{key}' '{value}' x {scale} has more decimals than {value.currency} "
                f"allows ({self.precision.digits(value.currency)})"
            )
        return units

    def number(self, key: str) -> Decimal | None:
        value = self.entry.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal) or value <= 0:
            self.fail(f"Field '{key}' '{value}' is not a positive number")
            return None
        return value

    def _what(self) -> str:
        return f'custom "{self.entry.type}"'


def _directive_id(entry: data.Custom) -> str | None:
    value = entry.values[0].value if entry.values else None
    return value if isinstance(value, str) and value else None


def _period(reader: _Reader, pattern: str) -> tuple[datetime.date | None, datetime.date | None]:
    """Reads the period of a ratable or usage obligation, or the delivery of a point one."""
    if pattern == POINT:
        delivered = reader.date("delivered")
        if delivered is None and not reader.failed:
            reader.fail("Missing 'delivered' on a point obligation; expected the delivery date")
        return delivered, delivered
    start = reader.date("start")
    end = reader.date("end")
    months = reader.entry.meta.get("months")
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, Decimal) or months != int(months):
            reader.fail(f"Field 'months' '{months}' is not a whole number of months")
        elif start is not None and end is None:
            end = end_of_term(start, int(months))
    needed = pattern == RATABLE or any(
        key in reader.entry.meta for key in ("minimum", "volume_tiers", "expected_quantity")
    )
    if needed and (start is None or end is None) and not reader.failed:
        reader.fail(
            f"A {pattern} obligation needs 'start' and 'end' (or 'months'); "
            f"found start '{start}', end '{end}'"
        )
    if start and end and end < start:
        reader.fail(f"Obligation end '{end}' is before start '{start}'")
    return start, end


def _tiers(reader: _Reader) -> tuple[tuple[Decimal, Decimal], ...]:
    text = reader.entry.meta.get("volume_tiers")
    if text is None:
        return ()
    parts = str(text).split(",")
    matches = [_TIER.fullmatch(part) for part in parts]
    if not isinstance(text, str) or not all(matches):
        reader.fail(
            f"Field 'volume_tiers' '{text}' is not a list of tiers; expected "
            "'<from quantity> <unit price>' pairs separated by commas, "
            "like '10000 1.80, 25000 1.60'"
        )
        return ()
    tiers = tuple((Decimal(m.group(1)), Decimal(m.group(2))) for m in matches if m)
    if list(tiers) != sorted(tiers) or len({q for q, _ in tiers}) != len(tiers):
        reader.fail(f"Field 'volume_tiers' '{text}' expected increasing quantities")
    return tiers


def _usage_terms(reader: _Reader, currency: str) -> UsageTerms:
    rate = reader.entry.meta.get("rate")
    unit_rate = None
    if rate is not None:
        if not isinstance(rate, amount.Amount) or rate.currency != currency:
            reader.fail(f"Field 'rate' '{rate}' expected a unit price in {currency}")
        else:
            unit_rate = rate.number
    tiers = _tiers(reader)
    expected = reader.number("expected_quantity")
    if tiers and (unit_rate is None or expected is None):
        reader.fail("Volume tiers need the contract 'rate' and the 'expected_quantity'")
    return UsageTerms(unit_rate, reader.money("minimum", currency) or 0, tiers, expected)


def obligation(
    entry: data.Custom,
    terms: contracts.Contract | None,
    currency: str | None,
    precision: Precision,
    open_accounts: set[str],
    errors: list[Any],
) -> Obligation | None:
    """Returns the obligation a directive declares, or None with errors if it is bad."""
    reader = _Reader(entry, precision, errors)
    ob_id = _directive_id(entry)
    contract_id = reader.text("contract")
    pattern = entry.meta.get(meta.RECOGNITION, RATABLE)
    if ob_id is None:
        reader.fail('Custom "obligation" needs the obligation id')
    if contract_id is not None and terms is None:
        reader.fail(f"Obligation names unknown contract '{contract_id}'")
    if pattern not in PATTERNS:
        choices = ", ".join(f"'{name}'" for name in PATTERNS)
        reader.fail(f"Unknown recognition pattern '{pattern}'; expected {choices}")
        pattern = RATABLE
    kind = reader.text("type") or ""
    revenue = entry.meta.get(meta.REVENUE_ACCOUNT)
    if revenue is None or not (isinstance(revenue, str) and account.is_valid(revenue)):
        reader.fail(
            f"Obligation needs 'revenue_account', an account like 'Income:Revenue:Services'; "
            f"found '{revenue}'"
        )
    elif revenue not in open_accounts:
        reader.fail(f"Revenue account '{revenue}' is not opened")
    start, end = _period(reader, pattern)
    quantity = reader.number("quantity") or Decimal(1)
    residual = entry.meta.get("residual", False) is True
    ssp = reader.money("ssp", currency, quantity)
    if pattern == USAGE and ssp is not None:
        reader.fail(
            "A usage obligation is variable consideration at contract rates; expected no 'ssp'"
        )
    elif pattern != USAGE and "ssp" not in entry.meta and not residual:
        reader.fail("Missing 'ssp'; expected the standalone selling price, or 'residual: TRUE'")
    discount = reader.money("discount", currency) or 0
    if residual and discount:
        reader.fail(
            "A residual obligation is allocated what the price leaves; expected no 'discount'"
        )
    elif ssp is not None and discount > ssp:
        reader.fail("Assigned discount is more than the obligation's SSP")
    usage = _usage_terms(reader, currency or "") if pattern == USAGE else None
    modification = reader.text("modification", required=False)
    if reader.failed or ob_id is None or contract_id is None or currency is None:
        return None
    assert start is not None or pattern == USAGE, entry
    return Obligation(
        ob_id,
        contract_id,
        kind,
        pattern,
        currency,
        None if residual else ssp,
        quantity,
        start,
        end,
        str(revenue),
        residual,
        discount,
        modification,
        usage,
        entry,
    )


def modification(
    entry: data.Custom,
    currency: str | None,
    precision: Precision,
    errors: list[Any],
) -> tuple[str, str, str, int] | None:
    """Returns (id, contract, method, added price) of a modification, or None if bad."""
    reader = _Reader(entry, precision, errors)
    mod_id = _directive_id(entry)
    contract_id = reader.text("contract")
    method = entry.meta.get("method")
    if mod_id is None:
        reader.fail('Custom "contract-modification" needs the modification id')
    if method not in METHODS:
        choices = ", ".join(f"'{name}'" for name in METHODS)
        reader.fail(f"Unknown modification method '{method}'; expected {choices}")
    price = entry.meta.get("price")
    units = 0
    if price is not None:
        if not isinstance(price, amount.Amount) or price.currency != currency:
            reader.fail(f"Field 'price' '{price}' expected an amount in {currency}")
        else:
            found = precision.to_minor(price.number or Decimal(0), price.currency)
            if found is None:
                reader.fail(precision.excess(price.number or Decimal(0), price.currency))
            units = found or 0
    if reader.failed or mod_id is None or contract_id is None:
        return None
    return mod_id, contract_id, str(method), units


def _currency_of(contract: contracts.Contract | None) -> str | None:
    """Returns the `currency` of a contract without a price (usage obligations only)."""
    value = contract.entry.meta.get("currency") if contract is not None else None
    return value if isinstance(value, str) and value else None


def _priceless(contract: contracts.Contract) -> ObligationError:
    """The error of a contract with obligations and no usable price, at the contract."""
    found = contract.entry.meta.get("price")
    message = (
        f"Contract '{contract.id}' has obligations but no 'price'; expected the transaction "
        "price, a number and a currency like '15000.00 USD' (or a 'currency' when every "
        "obligation is usage)"
    )
    if found is not None:
        message = (
            f"Contract price '{found}' is not an amount; expected a number and a currency "
            "like '15000.00 USD'"
        )
    return ObligationError(contract.entry.meta, message, contract.entry)


def read(
    entries: Sequence[data.Directive], book: contracts.Contracts, precision: Precision
) -> tuple[list[ContractTerms], list[ObligationError]]:
    """Returns every contract that has obligations, with its terms, and the errors found."""
    errors: list[Any] = []
    open_accounts = {entry.account for entry in entries if isinstance(entry, data.Open)}
    customs = sorted(
        (e for e in entries if isinstance(e, data.Custom) and e.type in (OBLIGATION, MODIFICATION)),
        key=lambda e: (e.date, e.type, _directive_id(e) or ""),
    )
    found: dict[str, list[Obligation]] = {}
    mods: dict[str, tuple[str, str, int, data.Custom]] = {}
    seen: set[str] = set()
    priceless: set[str] = set()
    for entry in customs:
        contract_id = entry.meta.get("contract")
        contract = book.by_id.get(str(contract_id)) if contract_id is not None else None
        price = contract.price if contract is not None else None
        currency = price.currency if price is not None else _currency_of(contract)
        if contract is not None and currency is None:
            if contract.id not in priceless:
                priceless.add(contract.id)
                errors.append(_priceless(contract))
            continue
        if entry.type == MODIFICATION:
            if contract is None:
                errors.append(
                    ObligationError(
                        entry.meta, f"Modification of unknown contract '{contract_id}'", entry
                    )
                )
                continue
            parsed = modification(entry, currency, precision, errors)
            if parsed is not None:
                if parsed[0] in mods:
                    errors.append(
                        ObligationError(
                            entry.meta, f"Modification '{parsed[0]}' is declared twice", entry
                        )
                    )
                    continue
                mods[parsed[0]] = (parsed[1], parsed[2], parsed[3], entry)
            continue
        made = obligation(entry, contract, currency, precision, open_accounts, errors)
        if made is None:
            continue
        if made.id in seen:
            errors.append(
                ObligationError(entry.meta, f"Obligation '{made.id}' is declared twice", entry)
            )
            continue
        seen.add(made.id)
        found.setdefault(made.contract, []).append(made)
    return _assemble(book, found, mods, precision, errors), errors


def _assemble(
    book: contracts.Contracts,
    found: dict[str, list[Obligation]],
    mods: dict[str, tuple[str, str, int, data.Custom]],
    precision: Precision,
    errors: list[Any],
) -> list[ContractTerms]:
    """Groups obligations under their contract and the modification that added them."""
    added: dict[str, list[Obligation]] = {}
    initial: dict[str, list[Obligation]] = {}
    for contract_id, obligations in found.items():
        for ob in obligations:
            if ob.modification is None:
                initial.setdefault(contract_id, []).append(ob)
                continue
            mod = mods.get(ob.modification)
            if mod is None or mod[0] != contract_id:
                message = f"Obligation names unknown modification '{ob.modification}'"
                if mod is not None:
                    message = (
                        f"Modification '{ob.modification}' is of contract '{mod[0]}', "
                        f"not '{contract_id}'"
                    )
                errors.append(ObligationError(ob.entry.meta, message, ob.entry))
            elif ob.booked < mod[3].date:
                errors.append(
                    ObligationError(
                        ob.entry.meta,
                        (
                            f"Obligation '{ob.id}' is dated before its modification "
                            f"'{ob.modification}' ({mod[3].date})"
                        ),
                        ob.entry,
                    )
                )
            else:
                added.setdefault(ob.modification, []).append(ob)
    terms = []
    for contract_id in sorted(set(initial) | {contract for contract, *_ in mods.values()}):
        contract = book.by_id[contract_id]
        currency = contract.price.currency if contract.price is not None else _currency_of(contract)
        number = contract.price.number if contract.price is not None else Decimal(0)
        assert currency is not None and number is not None, contract
        price = precision.to_minor(number, currency)
        fixed = [ob.id for ob in initial.get(contract_id, []) if ob.pattern != USAGE]
        if contract.price is None and fixed:
            errors.append(_priceless(contract))
            continue
        changes = sorted(
            (
                Modification(
                    mod_id,
                    contract_id,
                    method,
                    units,
                    tuple(sorted(added.get(mod_id, []), key=lambda o: o.id)),
                    entry,
                )
                for mod_id, (owner, method, units, entry) in mods.items()
                if owner == contract_id
            ),
            key=lambda m: (m.date, m.id),
        )
        if price is None:
            errors.append(
                ObligationError(
                    contract.entry.meta,
                    precision.excess(number, currency),
                    contract.entry,
                )
            )
            continue
        promised = tuple(sorted(initial.get(contract_id, []), key=lambda o: o.id))
        terms.append(ContractTerms(contract, price, currency, promised, tuple(changes)))
    return terms
