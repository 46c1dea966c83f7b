"""SSP analysis: the standalone selling prices the books observe, per product (ASC 606-10-32-32).

To support an SSP table, an accountant shows what each product sells for on
its own. A **standalone sale** here is an invoice (not a credit note) that
bills one product only: its lines of that product (discount lines included,
`product` on the posting) summed, divided by the units billed (the lines'
`quantity`, else one), is one observed price per unit. Sales up to the as-of
date count; each currency is analysed apart.

Per product and currency: the number of standalone sales, the lowest, the
median and the highest price, and how many of the sales (and what share) lie
within the band around the median (`ssp_band_percent` in the allocation
policy, default 15: within +/- 15% of the median, bounds included). The SSP
the contracts use (`ssp` per unit on their obligations naming the product,
their median) is shown beside it, so a stale SSP table stands out.
Prorations and one-off prices count like any other sale; the band is what
tells a consistent price from a scattered one.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from beancount.core import amount, data

from plugins import meta
from reports import contracts
from reports.books import Books
from reports.table import Table

COLUMNS = (
    "product",
    "currency",
    "sales",
    "low",
    "median",
    "high",
    "band_percent",
    "within_band",
    "share_within_band",
    "contract_ssp",
)
_HUNDRED = Decimal(100)
_UNIT = Decimal("0.0001")


def standalone_prices(books: Books, as_of: datetime.date) -> dict[tuple[str, str], list[Decimal]]:
    """Returns the observed standalone price per unit of each (product, currency), by date."""
    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for entry in books.typed_entries():
        if not isinstance(entry, data.Transaction) or entry.date > as_of:
            continue
        if not entry.meta.get(meta.INVOICE) or entry.meta.get("credits"):
            continue
        billed: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
        for posting in entry.postings:
            product = (posting.meta or {}).get("product")
            units = posting.units
            if not product or units is None or not isinstance(units.number, Decimal):
                continue
            tally = billed[(str(product), units.currency)]
            tally[0] -= units.number
            quantity = (posting.meta or {}).get("quantity")
            if not (posting.meta or {}).get("discount"):
                tally[1] += quantity if isinstance(quantity, Decimal) else Decimal(1)
        if len({product for product, _ in billed}) != 1:
            continue
        for key, (net, quantity) in billed.items():
            if net > 0 and quantity > 0:
                found[key].append(_per_unit(net, quantity))
    return found


def _per_unit(net: Decimal, quantity: Decimal) -> Decimal:
    """Returns the price per unit, to four decimals when it does not divide exactly."""
    price = net / quantity
    shown = price.quantize(_UNIT)
    return price if price == shown else shown


def _contract_ssps(books: Books, as_of: datetime.date) -> dict[tuple[str, str], list[Decimal]]:
    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for entry in books.typed_entries():
        if isinstance(entry, data.Custom) and entry.type == "obligation" and entry.date <= as_of:
            product, ssp = entry.meta.get("product"), entry.meta.get("ssp")
            if product and isinstance(ssp, amount.Amount) and isinstance(ssp.number, Decimal):
                found[(str(product), ssp.currency)].append(ssp.number)
    return found


def ssp_analysis(books: Books, as_of: datetime.date) -> Table:
    """Returns the SSP analysis of every product sold standalone up to `as_of`."""
    band = contracts.allocation_policy_of(books).ssp_band_percent
    prices = standalone_prices(books, as_of)
    quoted = _contract_ssps(books, as_of)
    rows = []
    for key in sorted(set(prices) | set(quoted)):
        product, currency = key
        observed = sorted(prices.get(key, []))
        ssps = quoted.get(key, [])
        contract_ssp = statistics.median(ssps) if ssps else None
        if not observed:
            rows.append([product, currency, 0, None, None, None, band, 0, None, contract_ssp])
            continue
        middle = statistics.median(observed)
        reach = abs(middle) * band / _HUNDRED
        within = sum(1 for price in observed if abs(price - middle) <= reach)
        share = (Decimal(within) * _HUNDRED / len(observed)).quantize(Decimal("0.1"))
        rows.append(
            [product, currency, len(observed), observed[0], middle, observed[-1], band, within,
             share, contract_ssp]
        )  # fmt: skip
    return Table(f"Standalone selling prices observed to {as_of}", COLUMNS, rows)
