"""The ledger's customers: `custom "customer" "<id>" "<name>" "<entity>"`.

    2024-11-02 custom "customer" "CUS-0036" "Sierra Games Inc" "US"

The id is what invoices, receipts and usage carry as `customer`; the name is
what reports and accruals show; the entity, when given, the legal entity that
books the customer. The name may be left out (the id is then its name), and
the first directive of an id is the one that counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from beancount.core import data

TYPE = "customer"


class Customer(NamedTuple):
    """A customer of the ledger."""

    id: str
    name: str
    entity: str | None


def read(entries: Iterable[data.Directive]) -> dict[str, Customer]:
    """Returns the customers of the entries' `custom "customer"` directives, by id."""
    found: dict[str, Customer] = {}
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == TYPE and entry.values:
            values = [str(value.value) for value in entry.values]
            name = values[1] if len(values) > 1 else values[0]
            entity = values[2] if len(values) > 2 else None
            found.setdefault(values[0], Customer(values[0], name, entity))
    return found
