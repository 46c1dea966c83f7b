"""The commission system's export: one transaction per commission or clawback.

A row of `documents/commissions/2026-03.csv`, with the columns mapped in
`config/importers.yaml`:

    commission_id,payee,opportunity_id,contract_id,customer_id,amount,currency,paid_date,plan_type
    COM-2026-03-0007,Dana Whitfield,OPP-0042-01,CTR-0042-01,CUS-0042,3600.00,USD,2026-03-12,initial

becomes the commission `plugins.commissions` capitalizes and amortizes:

    2026-03-12 * "Dana Whitfield" "Commission CTR-0042-01 initial" ^CTR-0042-01
      commission_id: "COM-2026-03-0007"
      customer: "CUS-0042"
      opportunity: "OPP-0042-01"
      Expenses:Commissions             3600.00 USD
        contract: "CTR-0042-01"
        plan_type: "initial"
      Liabilities:CommissionsPayable  -3600.00 USD

A negative amount is a clawback ("Commission clawback CTR-0042-01 initial").
Amounts are read as decimals (never floats) and must fit the currency's minor
unit; the currency is three upper-case letters; the plan type is one of the
source's labels in `plan_types`, each mapped to `initial` or `renewal`. Every
bad cell of every row is reported as `file:line: message`, and a file with a
problem yields nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from beancount.core import amount, data

from importers import csv_rows, source
from importers.config import Section
from importers.csv_rows import Cells, CsvLayout, Row
from importers.errors import Problem, raise_if_any
from importers.source import Placement, SourceImporter
from plugins import policy
from plugins.currency import Precision

T = TypeVar("T")

REQUIRED = ("id", "date", "payee", "contract", "customer", "amount", "currency", "plan_type")
OPTIONAL = ("opportunity",)
PLAN_TYPES = ("initial", "renewal")
FIELDS = ("date_format", "plan_types", "accounts")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LINK = re.compile(r"[A-Za-z0-9\-_/.]+")
_PRECISION = Precision()


@dataclass(frozen=True)
class CommissionLayout:
    """How the commission system writes its export, and the accounts its rows post to."""

    csv: CsvLayout
    date_format: str
    plan_types: Mapping[str, str]  # The source's label -> `initial` or `renewal`.
    expense: str
    payable: str


class CommissionsImporter(SourceImporter):
    """Imports the commission system's CSV export: one transaction per row."""

    id_key = "commission_id"

    def __init__(self, placement: Placement, layout: CommissionLayout) -> None:
        super().__init__(placement, layout.payable)
        self.layout = layout

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Transaction]:
        """Returns one transaction per row of the file.

        Raises:
          ImportFailed: Naming the file and line of every bad row or cell.
        """
        problems: list[Problem] = []
        entries: list[data.Transaction] = []
        for row in csv_rows.read_rows(filepath, self.layout.csv):
            cells = _Cells(row, self.layout)
            entry = cells.transaction()
            problems += cells.problems
            if entry is not None:
                entries.append(entry)
        raise_if_any(problems)
        return entries


class _Cells(Cells):
    """Reads the cells of one row, recording a problem for each bad one."""

    def __init__(self, row: Row, layout: CommissionLayout) -> None:
        super().__init__(row, layout.csv.columns)
        self.layout = layout

    def date(self, text: str) -> datetime.date:
        try:
            return datetime.datetime.strptime(text, self.layout.date_format).date()
        except ValueError:
            raise ValueError(
                f"is not a date; expected the format '{self.layout.date_format}'"
            ) from None

    def plan_type(self, text: str) -> str:
        if text not in self.layout.plan_types:
            labels = " or ".join(f"'{label}'" for label in self.layout.plan_types)
            raise ValueError(f"is not a plan type; expected {labels}")
        return self.layout.plan_types[text]

    def transaction(self) -> data.Transaction | None:
        """Returns the row's transaction, or None if a cell is bad."""
        commission_id = self.get("id", str)
        day = self.get("date", self.date)
        payee = self.get("payee", str)
        contract = self.get("contract", _link)
        customer = self.get("customer", str)
        currency = self.get("currency", _currency)
        number = self.get("amount", lambda text: _amount(text, currency))
        plan_type = self.get("plan_type", self.plan_type)
        opportunity = self.row.cells.get("opportunity")
        if self.problems:
            return None
        assert day and commission_id and contract and currency and number and plan_type, self.row
        kind = "Commission clawback" if number < 0 else "Commission"
        meta: dict[str, Any] = {"commission_id": commission_id, "customer": customer}
        if opportunity:
            meta["opportunity"] = opportunity
        return data.Transaction(
            data.new_metadata(self.row.path, self.row.line, meta),
            day,
            "*",
            payee,
            f"{kind} {contract} {plan_type}",
            data.EMPTY_SET,
            frozenset({contract}),
            [
                data.Posting(
                    self.layout.expense,
                    amount.Amount(number, currency),
                    None,
                    None,
                    None,
                    {"contract": contract, "plan_type": plan_type},
                ),
                data.Posting(
                    self.layout.payable, amount.Amount(-number, currency), None, None, None, None
                ),
            ],
        )


def _link(text: str) -> str:
    if not _LINK.fullmatch(text):
        raise ValueError("cannot be a link; expected letters, digits and '-_/.' only")
    return text


def _currency(text: str) -> str:
    if not _CURRENCY.fullmatch(text):
        raise ValueError("is not a currency; expected three upper-case letters like 'USD'")
    return text


def _amount(text: str, currency: str | None) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise ValueError(
            "is not an amount; expected digits with an optional sign and decimal point, "
            "like '-1200.50'"
        )
    number = Decimal(text)
    if not number:
        raise ValueError("is zero; expected a commission or a clawback")
    if currency is None:
        return number
    units = _PRECISION.to_minor(number, currency)
    if units is None:
        digits = _PRECISION.digits(currency)
        raise ValueError(f"has more decimals than {currency} allows ({digits})")
    return _PRECISION.from_minor(units, currency)


def _date_format(value: Any) -> str:
    text = policy.text(value)
    if "%" not in text:
        raise ValueError(value)
    datetime.date(2026, 1, 31).strftime(text)
    return text


def _plan_types(section: Section) -> dict[str, str]:
    """Reads `plan_types`: the source's label of each plan -> `initial` or `renewal`."""
    default = {plan_type: plan_type for plan_type in PLAN_TYPES}
    labels = section.section("plan_types") if "plan_types" in section.data else None
    if labels is None:
        return default
    found = {}
    for label in labels.data:
        if not isinstance(label, str):
            labels.error(str(label), f"Field '{labels.label(str(label))}' expected a text label")
            continue
        plan_type = labels.read(label, policy.choice(PLAN_TYPES), "'initial' or 'renewal'", "")
        if plan_type:
            found[label] = plan_type
    if not labels.data:
        labels.error(None, f"Field '{labels.path}' expected at least one label")
    return found or default


def from_config(section: Section, placement: Placement) -> CommissionsImporter:
    """Builds the importer of a `commissions` section, recording its problems in the section.

    Fields besides the placement: `encoding`, `delimiter`, `columns` (see
    `importers.csv_rows`), `date_format` (strftime codes, default `%Y-%m-%d`),
    `plan_types` (the source's label -> `initial` or `renewal`; default each
    to itself) and `accounts` (`expense` and `payable`, both required).
    """
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *FIELDS])
    layout = csv_rows.layout(section, REQUIRED, OPTIONAL)
    date_format = section.read(
        "date_format", _date_format, "strftime codes like '%Y-%m-%d'", "%Y-%m-%d"
    )
    plan_types = _plan_types(section)
    accounts = section.section("accounts")
    expense = payable = ""
    if accounts is not None:
        accounts.reject_unknown(["expense", "payable"])
        name = policy.ACCOUNT_EXPECTED
        expense = accounts.require("expense", policy.account_name, name, "")
        payable = accounts.require("payable", policy.account_name, name, "")
    return CommissionsImporter(
        placement, CommissionLayout(layout, date_format, plan_types, expense, payable)
    )
