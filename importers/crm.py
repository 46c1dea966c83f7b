"""The CRM's "Opportunities with Products" export: one contract per won opportunity.

A Salesforce report export has one row per opportunity product, with the
columns mapped in `config/importers.yaml` (labels as the report writes them;
see ../shared/fixtures/billing/COLUMNS.md, section D):

    Opportunity ID,Opportunity Name,Account ID,Stage,Close Date,Amount,Product Code,
        Quantity,Sales Price,List Price,Total Price,Date,Start Date,End Date
    0065g00000AbCdE,Acme 2026,CUS-0042,Closed Won,01/01/2026,"13,500.00",platform-annual,
        1,"10,500.00","12,000.00","10,500.00",,01/01/2026,12/31/2026
    0065g00000AbCdE,Acme 2026,CUS-0042,Closed Won,01/01/2026,"13,500.00",onboarding,
        1,"3,000.00","3,000.00","3,000.00",01/20/2026,,

(each row written on one line in the file)
becomes the contract and its performance obligations (plugins.obligations),
dated at the close date, which plugins.ssp_allocation allocates:

    2026-01-01 custom "contract" "0065g00000AbCdE"
      crm_id: "0065g00000AbCdE"
      name: "Acme 2026"
      customer: "CUS-0042"
      start: 2026-01-01
      end: 2026-12-31
      price: 13500.00 USD

    2026-01-01 custom "obligation" "0065g00000AbCdE/onboarding"
      crm_id: "0065g00000AbCdE/onboarding"
      contract: "0065g00000AbCdE"
      type: "services"
      product: "onboarding"
      ssp: 3000.00 USD
      quantity: 1
      recognition: "point"
      delivered: 2026-01-20
      revenue_account: "Income:Revenue:Services"

Rules: only opportunities in a `won_stages` stage become contracts; rows in an
`ignored_stages` stage are read and left out (a stage in neither list is an
error, so a new stage cannot slip through). The opportunity id is normalised to
Salesforce's 15-character form (an 18-character id ends with a checksum of
its case). The contract's id is the `contract` column when mapped, else the
opportunity id; every row of an opportunity must agree on its contract's
fields, and `Amount` must equal the sum of its lines' `Total Price`. A
product's SSP per unit is its `ssp` in the config, else the row's `List
Price`. A `usage` product's line is a minimum commitment over its start and
end (its `Total Price`, at its `Sales Price` per unit) and stays out of the
contract's fixed price. Every bad cell of every row is reported as
`file:line: message`, and a file with a problem yields nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import amount, data
from beancount.parser.grammar import ValueType

from importers import bank_numbers, csv_rows, source
from importers.bank_numbers import NumberFormat
from importers.config import Section
from importers.csv_rows import Cells, CsvLayout, Row
from importers.errors import Problem, raise_if_any
from importers.source import Placement, SourceImporter
from plugins import policy
from plugins.currency import Precision

REQUIRED = (
    "id",
    "customer",
    "stage",
    "date",
    "amount",
    "product",
    "quantity",
    "sales_price",
    "total",
)
OPTIONAL = ("name", "contract", "line", "list_price", "delivered", "start", "end", "currency")
FIELDS = (
    "date_format",
    "decimal",
    "thousands",
    "currency",
    "won_stages",
    "ignored_stages",
    "products",
)
PATTERNS = ("ratable", "point", "usage")
_ID = re.compile(r"[A-Za-z0-9\-_/.]+")
_SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{18}")
_PRECISION = Precision()


@dataclass(frozen=True)
class Product:
    """What a CRM product is in the ledger: its obligation's type, pattern, account and SSP."""

    type: str
    recognition: str
    revenue_account: str
    ssp: Decimal | None  # Per unit; None: the row's List Price.


@dataclass(frozen=True)
class CrmLayout:
    """How the CRM writes its export, and what its products are."""

    csv: CsvLayout
    date_format: str
    numbers: NumberFormat
    currency: str | None  # None: the `currency` column.
    won: tuple[str, ...]
    ignored: tuple[str, ...]
    products: Mapping[str, Product]


@dataclass(frozen=True)
class Line:
    """One won row, read: its opportunity's fields and its product's."""

    row: Row
    opportunity: str
    contract: str
    name: str
    customer: str
    date: datetime.date
    amount: Decimal
    currency: str
    product: str
    quantity: Decimal
    sales_price: Decimal
    total: Decimal
    list_price: Decimal | None
    line: str
    delivered: datetime.date | None
    start: datetime.date | None
    end: datetime.date | None


class CrmImporter(SourceImporter):
    """Imports the CRM's opportunity export: a contract and obligations per won opportunity."""

    id_key = "crm_id"

    def __init__(self, placement: Placement, layout: CrmLayout) -> None:
        super().__init__(placement, "Income:Revenue")
        self.layout = layout

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        """Returns the contract and obligation directives of every won opportunity.

        Raises:
          ImportFailed: Naming the file and line of every bad row or cell.
        """
        problems: list[Problem] = []
        opportunities: dict[str, list[Line]] = {}
        for row in csv_rows.read_rows(filepath, self.layout.csv):
            line = _read(row, self.layout, problems)
            if line is not None:
                opportunities.setdefault(line.opportunity, []).append(line)
        entries: list[data.Directive] = []
        for lines in opportunities.values():
            entries += _directives(lines, self.layout, problems)
        raise_if_any(sorted(problems, key=lambda problem: problem.line or 0))
        return entries


def _opportunity_id(text: str) -> str:
    if not _ID.fullmatch(text):
        raise ValueError("is not an id; expected letters, digits and '-_/.' only")
    return text[:15] if _SALESFORCE_ID.fullmatch(text) else text


def _positive(numbers: NumberFormat) -> Any:
    def read(text: str) -> Decimal:
        number = numbers.parse(text)
        if number <= 0:
            raise ValueError("is not a positive quantity")
        return number

    return read


def _read(row: Row, layout: CrmLayout, problems: list[Problem]) -> Line | None:
    """Returns a won row, read; None for an ignored stage or a bad row (with problems)."""
    cells = Cells(row, layout.csv.columns)
    stage = cells.get("stage", str)
    if stage in layout.ignored:
        return None
    if stage is not None and stage not in layout.won:
        stages = ", ".join(f"'{name}'" for name in (*layout.won, *layout.ignored))
        column = layout.csv.columns["stage"]
        cells.problems.append(
            row.problem(
                f"Column '{column}': '{stage}' is not a configured stage; expected one of {stages} "
                "(add it to 'won_stages' or 'ignored_stages')"
            )
        )
    numbers, dates = layout.numbers, bank_numbers.Dates(layout.date_format)
    opportunity = cells.get("id", _opportunity_id)
    currency = layout.currency or cells.get("currency", bank_numbers.currency)
    money = _money(numbers, currency)
    product = cells.get("product", lambda text: _product(text, layout))
    customer = cells.get("customer", str)
    day = cells.get("date", dates)
    total_price = cells.get("amount", money)
    quantity = cells.get("quantity", _positive(numbers))
    sales_price = cells.get("sales_price", numbers.parse)
    total = cells.get("total", money)
    list_price = cells.get("list_price", numbers.parse) if row.cells.get("list_price") else None
    delivered, start, end = (
        cells.get(field, dates) if row.cells.get(field) else None
        for field in ("delivered", "start", "end")
    )
    name, contract, line = (row.cells.get(field, "") for field in ("name", "contract", "line"))
    if contract and not _ID.fullmatch(contract):
        column = layout.csv.columns["contract"]
        message = f"Column '{column}': '{contract}' cannot be an id; expected letters, digits "
        cells.problems.append(row.problem(message + "and '-_/.' only"))
    problems += cells.problems
    if (
        cells.problems
        or opportunity is None
        or currency is None
        or product is None
        or customer is None
        or day is None
        or total_price is None
        or quantity is None
        or sales_price is None
        or total is None
    ):
        return None
    return Line(
        row,
        opportunity,
        contract or opportunity,
        name,
        customer,
        day,
        total_price,
        currency,
        product,
        quantity,
        sales_price,
        total,
        list_price,
        line,
        delivered,
        start,
        end,
    )


def _money(numbers: NumberFormat, currency: str | None) -> Any:
    def read(text: str) -> Decimal:
        number = numbers.parse(text)
        return bank_numbers.fit(number, currency) if currency else number

    return read


def _product(text: str, layout: CrmLayout) -> str:
    if text not in layout.products:
        known = ", ".join(f"'{name}'" for name in sorted(layout.products))
        raise ValueError(f"is not a configured product; expected one of {known}")
    return text


def _agree(lines: list[Line], problems: list[Problem]) -> bool:
    """Checks that every row of an opportunity says the same of its contract."""
    first = lines[0]
    fields = ("contract", "name", "customer", "date", "amount", "currency")
    agreed = True
    for line in lines[1:]:
        for field in fields:
            if getattr(line, field) != getattr(first, field):
                problems.append(
                    line.row.problem(
                        f"Opportunity '{first.opportunity}' has {field} '{getattr(line, field)}' "
                        f"here and '{getattr(first, field)}' on line {first.row.line}; expected "
                        "every row of an opportunity to agree"
                    )
                )
                agreed = False
    total = sum((line.total for line in lines), Decimal(0))
    if agreed and total != first.amount:
        problems.append(
            first.row.problem(
                f"Opportunity '{first.opportunity}' has Amount '{first.amount}' but its lines' "
                f"Total Price add up to '{total}'; expected them to be equal"
            )
        )
        agreed = False
    return agreed


def _directives(lines: list[Line], layout: CrmLayout, problems: list[Problem]) -> list[Any]:
    if not _agree(lines, problems):
        return []
    first = lines[0]
    made: list[Any] = []
    used: dict[str, int] = {}
    fixed = Decimal(0)
    starts, ends = [], []
    for line in lines:
        product = layout.products[line.product]
        suffix = line.line or line.product
        used[suffix] = used.get(suffix, 0) + 1
        if used[suffix] > 1:
            suffix = f"{suffix}-{used[suffix]}"
        obligation = _obligation(line, product, suffix, layout, problems)
        if obligation is None:
            continue
        made.append(obligation)
        if product.recognition != "usage":
            fixed += line.total
        starts += [day for day in (line.start, line.delivered) if day]
        ends += [day for day in (line.end, line.delivered) if day]
    if len(made) != len(lines):
        return []
    meta: dict[str, Any] = {"crm_id": first.opportunity}
    if first.name:
        meta["name"] = first.name
    meta["customer"] = first.customer
    if starts and ends:
        meta["start"], meta["end"] = min(starts), max(ends)
    if any(layout.products[line.product].recognition != "usage" for line in lines):
        meta["price"] = amount.Amount(fixed, first.currency)
    else:
        meta["currency"] = first.currency
    contract = _custom(first.row, first.date, "contract", first.contract, meta)
    return [contract, *made]


def _custom(row: Row, day: datetime.date, kind: str, name: str, meta: dict[str, Any]) -> Any:
    return data.Custom(
        data.new_metadata(row.path, row.line, meta), day, kind, [ValueType(name, str)]
    )


def _obligation(
    line: Line, product: Product, suffix: str, layout: CrmLayout, problems: list[Problem]
) -> Any:
    """Returns the obligation directive of a line: `<contract>/<line id or product>`."""
    meta: dict[str, Any] = {
        "crm_id": f"{line.opportunity}/{suffix}",
        "contract": line.contract,
        "type": product.type,
        "product": line.product,
    }
    columns = layout.csv.columns
    if product.recognition != "usage":
        ssp = product.ssp if product.ssp is not None else line.list_price
        if ssp is None:
            problems.append(
                line.row.problem(
                    f"Product '{line.product}' has no SSP; expected 'ssp' in its config or a "
                    "'list_price' column with a value"
                )
            )
            return None
        if _PRECISION.to_minor(ssp * line.quantity, line.currency) is None:
            problems.append(
                line.row.problem(
                    f"SSP '{ssp}' x quantity '{line.quantity}' has more decimals than "
                    f"{line.currency} allows ({_PRECISION.digits(line.currency)})"
                )
            )
            return None
        meta["ssp"] = amount.Amount(ssp, line.currency)
        meta["quantity"] = line.quantity
    meta["recognition"] = product.recognition
    if product.recognition == "point":
        delivered = line.delivered or line.start
        if delivered is None:
            problems.append(
                line.row.problem(
                    f"Column '{columns.get('delivered', 'delivered')}' is empty; expected the "
                    f"delivery date of point product '{line.product}'"
                )
            )
            return None
        meta["delivered"] = delivered
    else:
        if line.start is None or line.end is None:
            problems.append(
                line.row.problem(
                    f"Product '{line.product}' is {product.recognition}; expected its start and "
                    f"end in columns '{columns.get('start', 'start')}' and "
                    f"'{columns.get('end', 'end')}'"
                )
            )
            return None
        if line.end < line.start:
            problems.append(line.row.problem(f"End '{line.end}' is before start '{line.start}'"))
            return None
        meta["start"], meta["end"] = line.start, line.end
    if product.recognition == "usage":
        meta["rate"] = amount.Amount(line.sales_price, line.currency)
        if line.total:
            meta["minimum"] = amount.Amount(line.total, line.currency)
    meta["revenue_account"] = product.revenue_account
    return _custom(line.row, line.date, "obligation", f"{line.contract}/{suffix}", meta)


def _stages(section: Section, key: str, required: bool) -> tuple[str, ...]:
    def read(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(value)
        return tuple(value)

    expected = "a list of stage names like [Closed Won]"
    if required:
        return section.require(key, read, expected, ())
    return section.read(key, read, expected, ())


def _products(section: Section) -> dict[str, Product]:
    found: dict[str, Product] = {}
    products = section.section("products")
    if products is None:
        return found
    for code in products.data:
        item = products.section(str(code))
        if item is None:
            continue
        item.reject_unknown(["type", "recognition", "revenue_account", "ssp"])
        kind = item.require("type", policy.text, "a text like 'subscription'", "")
        pattern = item.read(
            "recognition", policy.choice(PATTERNS), "'ratable', 'point' or 'usage'", "ratable"
        )
        account = item.require("revenue_account", policy.account_name, policy.ACCOUNT_EXPECTED, "")
        ssp = item.read("ssp", _decimal, "a price per unit like 12000.00", None)
        found[str(code)] = Product(kind, pattern, account, ssp)
    if not products.data:
        products.error(None, f"Field '{products.path}' expected at least one product")
    return found


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise ValueError(value)
    return number


def from_config(section: Section, placement: Placement) -> CrmImporter:
    """Builds the importer of a `crm` section, recording its problems in the section.

    Fields besides the placement: `encoding`, `delimiter`, `columns` (see
    `importers.csv_rows`; required `id`, `customer`, `stage`, `date`,
    `amount`, `product`, `quantity`, `sales_price`, `total`; optional `name`,
    `contract`, `line`, `list_price`, `delivered`, `start`, `end`,
    `currency`), `date_format`, `decimal`, `thousands`, `currency` (when the
    export has no currency column), `won_stages`, `ignored_stages` and
    `products` (product code -> `type`, `recognition`, `revenue_account`,
    optional `ssp` per unit).
    """
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *FIELDS])
    layout = csv_rows.layout(section, REQUIRED, OPTIONAL)
    date_format = section.read(
        "date_format", bank_numbers.date_format, "strftime codes like '%m/%d/%Y'", "%Y-%m-%d"
    )
    currency = section.read(
        "currency",
        lambda value: bank_numbers.currency(policy.text(value)),
        "a currency code like 'USD'",
        "",
    )
    if not currency and "currency" not in layout.columns and "columns" in section.data:
        section.error(
            None,
            f"Missing field '{section.label('currency')}'; expected a currency "
            "code like 'USD', or a 'currency' column",
        )
    won = _stages(section, "won_stages", True)
    ignored = _stages(section, "ignored_stages", False)
    crm = CrmLayout(
        layout,
        date_format,
        bank_numbers.number_format(section),
        currency or None,
        won,
        ignored,
        _products(section),
    )
    return CrmImporter(placement, crm)
