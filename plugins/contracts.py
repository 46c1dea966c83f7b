"""Contracts declared in the ledger, and their early terminations.

    2026-01-15 custom "contract" "CTR-0042"
      customer: "CUS-0042"
      start: 2026-01-15
      end: 2029-01-14
      price: 15000.00 USD     ; optional: the transaction price (ASC 606 step 3)

    2026-10-20 custom "contract-terminated" "CTR-0042"

A contract's term (`start` to `end`, inclusive) is the period of benefit of a
commission that names the contract and gives no period of its own. A contract
with a `price` and performance obligations (`custom "obligation"`, read by
plugins.obligations) is allocated by plugins.ssp_allocation.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from beancount.core import amount, data

CONTRACT = "contract"
TERMINATED = "contract-terminated"


class ContractError(NamedTuple):
    """A contract directive the user must fix."""

    source: dict[str, Any]
    message: str
    entry: Any


@dataclass(frozen=True)
class Contract:
    """A contract's id, customer and term."""

    id: str
    customer: str | None
    start: datetime.date | None
    end: datetime.date | None
    entry: data.Custom
    price: amount.Amount | None = None


@dataclass(frozen=True)
class Contracts:
    """The contracts of the books by id, and the date each was terminated early."""

    by_id: dict[str, Contract]
    terminated: dict[str, datetime.date]


def _contract_id(entry: data.Custom) -> str | None:
    if not entry.values:
        return None
    value = entry.values[0].value
    return value if isinstance(value, str) and value else None


def _term_date(entry: data.Custom, key: str, errors: list[ContractError]) -> datetime.date | None:
    value = entry.meta.get(key)
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    errors.append(ContractError(entry.meta, f"Contract {key} '{value}' is not a date", entry))
    return None


def _price(entry: data.Custom) -> amount.Amount | None:
    """Returns the contract's transaction price; plugins.obligations reports a bad one."""
    value = entry.meta.get("price")
    return value if isinstance(value, amount.Amount) else None


def read(entries: Sequence[data.Directive]) -> tuple[Contracts, list[ContractError]]:
    """Returns the contracts and terminations of the books, and their errors."""
    errors: list[ContractError] = []
    by_id: dict[str, Contract] = {}
    terminated: dict[str, datetime.date] = {}
    termination: dict[str, data.Custom] = {}
    for entry in entries:
        if not isinstance(entry, data.Custom) or entry.type not in (CONTRACT, TERMINATED):
            continue
        contract_id = _contract_id(entry)
        if contract_id is None:
            errors.append(
                ContractError(entry.meta, f'Custom "{entry.type}" needs the contract id', entry)
            )
        elif entry.type == TERMINATED:
            terminated[contract_id] = min(entry.date, terminated.get(contract_id, entry.date))
            termination.setdefault(contract_id, entry)
        elif contract_id in by_id:
            errors.append(
                ContractError(entry.meta, f"Contract '{contract_id}' is declared twice", entry)
            )
        else:
            start = _term_date(entry, "start", errors)
            end = _term_date(entry, "end", errors)
            if start and end and end < start:
                errors.append(
                    ContractError(
                        entry.meta, f"Contract end '{end}' is before start '{start}'", entry
                    )
                )
                start = end = None
            customer = entry.meta.get("customer")
            by_id[contract_id] = Contract(
                contract_id,
                str(customer) if customer else None,
                start,
                end,
                entry,
                _price(entry),
            )
    for contract_id in sorted(set(terminated) - set(by_id)):
        where = termination[contract_id]
        errors.append(
            ContractError(where.meta, f"Unknown contract '{contract_id}' terminated", where)
        )
    return Contracts(by_id, terminated), errors
