"""Malformed billing exports: each stops the import with an error naming file, line and field.

Every case imports a good month first, then a run with the bad file beside a
good one: the run fails with exactly the expected message and no ledger file
changes. The sources are those of `tests/fixtures/billing/importers.yaml`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from importers import sources
from importers.errors import ImportFailed
from importers.source import SourceImporter
from tests.importing import failure, run, tree, workspace
from tests.test_billing_importers import (
    CONFIG,
    FIXTURES,
    SOURCES,
    stripe_invoice,
    stripe_line,
    stripe_list,
    ts,
    write,
)

Case = tuple[str, str, str, str]  # (source, file name, text, message after documents/<source>/)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with documents/<source>/ and ledger/, made the current folder."""
    return workspace(tmp_path, monkeypatch, *SOURCES)


@pytest.fixture(scope="module")
def importers() -> list[SourceImporter]:
    return sources.load(CONFIG)


# Stripe's API objects.


def stripe(change: Callable[[dict[str, Any]], Any], *more: dict[str, Any]) -> str:
    """A Stripe list of one good invoice (INV-5), changed in place by `change`."""
    invoice = stripe_invoice("INV-5", [stripe_line("il_5")])
    change(invoice)
    return stripe_list(invoice, *more)


def line(invoice: dict[str, Any]) -> dict[str, Any]:
    """The first line item of an invoice."""
    first: dict[str, Any] = invoice["lines"]["data"][0]
    return first


def nothing(invoice: dict[str, Any]) -> None:
    """Leaves the invoice as it is."""


GOOD = stripe(nothing)
BASE = "2026-03.json:5: Field 'data[0]"
LINE = "2026-03.json:5: Field 'data[0].lines.data[0]"
MISSING = "2026-03.json:5: Missing field 'data[0]"
MINOR = "expected an amount in minor units like '4900'"

STRIPE: dict[str, Case] = {
    "truncated file": (
        "stripe",
        "2026-03.json",
        GOOD[: len(GOOD) // 2],
        "2026-03.json:25: Malformed JSON: Expecting value (column 20)",
    ),
    "empty file": (
        "stripe",
        "2026-03.json",
        "  \n",
        "2026-03.json:1: File is empty; expected a JSON list of Stripe invoices and credit notes",
    ),
    "no invoices": (
        "stripe",
        "2026-03.json",
        '{"object": "list", "has_more": false, "data": []}',
        "2026-03.json:1: No Stripe invoices and credit notes in the file; expected at least one",
    ),
    "not a list": (
        "stripe",
        "2026-03.json",
        '{"object": "invoice", "id": "in_1"}',
        "2026-03.json:1: Not a list of Stripe invoices and credit notes: expected the field "
        "'data' at '$', holding the list",
    ),
    "missing field": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.pop("total")),
        f"{MISSING}.total'; the object has 'id', 'object', 'number', 'status', 'customer', "
        "'customer_name', 'currency', 'created', 'status_transitions', 'due_date', 'metadata', "
        "'lines'",
    ),
    "renamed field": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(amount_total=invoice.pop("total"))),
        f"{MISSING}.total'; the object has 'id', 'object', 'number', 'status', 'customer', "
        "'customer_name', 'currency', 'created', 'status_transitions', 'due_date', 'metadata', "
        "'lines', 'amount_total'",
    ),
    "bad date": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(due_date="2026-04-14")),
        f"{BASE}.due_date': '2026-04-14' is not a number; expected Unix seconds like '1767225600'",
    ),
    "amount as a float": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: line(invoice).update(amount=4900.0)),
        f"{LINE}.amount': '4900.0' is not a whole number; {MINOR}",
    ),
    "amount in major units": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(total="49.00")),
        f"{BASE}.total': '49.00' is not a whole number; {MINOR}",
    ),
    "amount in scientific notation": (
        "stripe",
        "2026-03.json",
        stripe(nothing).replace('"total": 4900', '"total": 4.9e3'),
        f"{BASE}.total': '4.9e3' is in scientific notation; {MINOR}",
    ),
    "amount NaN": (
        "stripe",
        "2026-03.json",
        stripe(nothing).replace('"total": 4900', '"total": NaN'),
        f"{BASE}.total': 'NaN' is not a number; {MINOR}",
    ),
    "unknown product": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: line(invoice)["price"].update(product="gpu-h200")),
        f"{LINE}.price.product': 'gpu-h200' is not a product of the importer's config; expected "
        "one of 'api-credits', 'gpu-hours', 'onboarding', 'starter-monthly', 'team-annual'",
    ),
    "unknown currency": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(currency="chf")),
        f"{BASE}.currency': 'chf' is not a billing currency; expected one of 'EUR', 'GBP', "
        "'JPY', 'USD'",
    ),
    "lines that do not add up to the total": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(total=5000)),
        "2026-03.json:5: Lines of invoice 'INV-5' add up to 49.00 USD (49.00 less discounts "
        "0.00 plus tax 0.00); expected the total 50.00 USD",
    ),
    "negative quantity": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: line(invoice).update(quantity=-1)),
        f"{LINE}.quantity': '-1' is negative; expected a quantity of at least 0 (a credit is a "
        "negative amount)",
    ),
    "draft invoice": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(status="draft")),
        f"{BASE}.status': 'draft' is a draft; expected a finalized invoice: 'open', 'paid', "
        "'void', 'uncollectible'",
    ),
    "one page of a longer list": (
        "stripe",
        "2026-03.json",
        stripe(nothing).replace('"has_more": false,\n  "data"', '"has_more": true,\n  "data"'),
        "2026-03.json:1: The file is one page of a longer list ('has_more' is true); expected all",
    ),
    "period that ends before it starts": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: line(invoice)["period"].update(end=ts("2026-03-01"))),
        f"{LINE}.period.end': '{ts('2026-03-01')}' ends before it starts ('2026-03-15'); "
        "expected an end on or after the start",
    ),
    "void without the day it was voided": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(status="void")),
        f"{MISSING}.status_transitions.voided_at'; the object has 'finalized_at'",
    ),
    "tax included in the price": (
        "stripe",
        "2026-03.json",
        stripe(
            lambda invoice: line(invoice).update(tax_amounts=[{"amount": 0, "inclusive": True}])
        ),
        f"{LINE}.tax_amounts[0].inclusive' is true; expected exclusive tax (tax-inclusive "
        "prices are not supported)",
    ),
    "credit note of an invoice that is not there": (
        "stripe",
        "2026-03.json",
        stripe_list(
            {
                "object": "credit_note",
                "number": "CN-1",
                "invoice": "in_missing",
                "customer": "CUS-0042",
                "currency": "usd",
                "created": ts("2026-03-20"),
                "total": 100,
                "lines": {"data": []},
            }
        ),
        f"{BASE}.invoice': 'in_missing' is not found; expected the invoice expanded "
        "(expand[]=data.invoice) or in the same file",
    ),
    "not an object": (
        "stripe",
        "2026-03.json",
        '{"object": "list", "has_more": false, "data": [\n  42\n]}',
        "2026-03.json:2: Field 'data[0]': '42' is not a Stripe object",
    ),
    "not a billing document": (
        "stripe",
        "2026-03.json",
        stripe(lambda invoice: invoice.update(object="charge")),
        f"{BASE}.object': 'charge' is not a billing document: 'invoice' or 'credit_note'",
    ),
    "bytes that are not UTF-8": (
        "stripe",
        "2026-03.json",
        GOOD.replace("Acme Robotics", "Acme Rob\udcf6tics"),
        "2026-03.json:11: Cannot decode the file as utf-8: invalid start byte",
    ),
}


# Stripe's flattened CSV.


HEADER = (
    "invoice_id,number,status,customer,customer_name,currency,created,due_date,total,entity,"
    "subscription_id,voided_at,void_reason,marked_uncollectible_at,amount_remaining,"
    "invoice_line_item_id,amount,product_id,period_start,period_end,quantity,unit_amount,"
    "discount_id,discount_amount,tax_amount"
)


def row(line_id: str = "il_5", header: str = HEADER, **cells: str) -> str:
    """A row of the CSV export for invoice INV-5; `cells` override columns by header."""
    values = {
        "invoice_id": "in_5",
        "number": "INV-5",
        "status": "open",
        "customer": "CUS-0042",
        "customer_name": "Acme Robotics",
        "currency": "usd",
        "created": "2026-03-15T00:00:00Z",
        "due_date": "2026-04-14T00:00:00Z",
        "total": "4900",
        "invoice_line_item_id": line_id,
        "amount": "4900",
        "product_id": "starter-monthly",
        "period_start": "2026-03-15T00:00:00Z",
        "period_end": "2026-04-15T00:00:00Z",
        "quantity": "1",
        "unit_amount": "4900",
        **cells,
    }
    return ",".join(values.get(column, "") for column in header.split(","))


def csv(*rows: str, header: str = HEADER) -> str:
    return "".join(text + "\n" for text in (header, *rows))


CSV: dict[str, Case] = {
    "missing column": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(header=HEADER.replace(",total,", ",")), header=HEADER.replace(",total,", ",")),
        "2026-03.csv:1: Missing column 'total'; the header has "
        + ", ".join(f"'{name}'" for name in HEADER.replace(",total,", ",").split(",")),
    ),
    "renamed column": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(), header=HEADER.replace(",total,", ",amount_total,")),
        "2026-03.csv:1: Missing column 'total'; the header has "
        + ", ".join(f"'{name}'" for name in HEADER.replace(",total,", ",amount_total,").split(",")),
    ),
    "bad date": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(created="2026-02-30T00:00:00Z")),
        "2026-03.csv:2: Column 'created': '2026-02-30T00:00:00Z' is not a date; expected an ISO "
        "8601 date like '2026-03-01' or date-time like '2026-03-01T00:00:00Z'",
    ),
    "amount in major units": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(amount="49.00")),
        f"2026-03.csv:2: Column 'amount': '49.00' is not a whole number; {MINOR}",
    ),
    "amount in scientific notation": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(total="4.9E3")),
        f"2026-03.csv:2: Column 'total': '4.9E3' is in scientific notation; {MINOR}",
    ),
    "amount NaN": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(amount="NaN")),
        f"2026-03.csv:2: Column 'amount': 'NaN' is not a number; {MINOR}",
    ),
    "unknown product": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(product_id="gpu-h200")),
        "2026-03.csv:2: Column 'product_id': 'gpu-h200' is not a product of the importer's "
        "config; expected one of 'api-credits', 'gpu-hours', 'onboarding', 'starter-monthly', "
        "'team-annual'",
    ),
    "unknown currency": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(currency="usdx")),
        "2026-03.csv:2: Column 'currency': 'usdx' is not a billing currency; expected one of "
        "'EUR', 'GBP', 'JPY', 'USD'",
    ),
    "lines that do not add up to the total": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(total="9800"), row("il_6", total="9800", amount="4800")),
        "2026-03.csv:2: Lines of invoice 'INV-5' add up to 97.00 USD (97.00 less discounts "
        "0.00 plus tax 0.00); expected the total 98.00 USD",
    ),
    "negative quantity": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(quantity="-2")),
        "2026-03.csv:2: Column 'quantity': '-2' is negative; expected a quantity of at least 0 "
        "(a credit is a negative amount)",
    ),
    "duplicate rows with one id": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(), row()),
        "2026-03.csv:3: Column 'invoice_line_item_id': line item 'il_5' is also on line 2; "
        "expected each line item once",
    ),
    "one invoice with different content on two rows": (
        "stripe-csv",
        "2026-03.csv",
        csv(row(total="9800"), row("il_6", total="9900")),
        "2026-03.csv:3: Column 'total': '9900' differs from line 2 ('9800') of the same invoice; "
        "expected one value",
    ),
    "empty file": (
        "stripe-csv",
        "2026-03.csv",
        "",
        "2026-03.csv:1: File is empty; expected a header and at least one row",
    ),
    "header only": (
        "stripe-csv",
        "2026-03.csv",
        csv(),
        "2026-03.csv:1: No rows after the header; expected at least one",
    ),
}


# The generic JSON: Orb and Metronome.


def orb(change: Callable[[dict[str, Any]], Any]) -> str:
    """The Orb fixture's first invoice, changed in place by `change`."""
    document = json.loads((FIXTURES / "orb" / "2026-03.json").read_text(encoding="utf-8"))
    invoice = copy.deepcopy(document["data"][0])
    change(invoice)
    return json.dumps({"data": [invoice]}, indent=2)


def metronome(change: Callable[[dict[str, Any]], Any]) -> str:
    """The Metronome fixture's first invoice, changed in place by `change`."""
    document = json.loads((FIXTURES / "metronome" / "2026-03.json").read_text(encoding="utf-8"))
    invoice = copy.deepcopy(document["data"][0])
    change(invoice)
    return json.dumps({"data": [invoice]}, indent=2)


ORB_LINE = "2026-03.json:3: Field 'data[0].line_items[0]"

GENERIC: dict[str, Case] = {
    "Orb amount as a JSON number": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice.update(total=75.13)),
        "2026-03.json:3: Field 'data[0].total': '75.13' is a JSON number; expected a decimal "
        "string like '12.00'",
    ),
    "Orb amount finer than a cent": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice["line_items"][0].update(subtotal="49.005")),
        f"{ORB_LINE}.subtotal': '49.005' has more decimals than USD allows (2)",
    ),
    "Orb amount with a thousands separator": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice.update(total="1,075.13")),
        "2026-03.json:3: Field 'data[0].total': '1,075.13' is not a number; expected a decimal "
        "string like '12.00'",
    ),
    "Orb invoice line without a product": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice["line_items"][0]["price"].pop("item")),
        "2026-03.json:3: Missing field 'data[0].line_items[0].price.item.id'; the object has "
        "'id', 'cadence', 'unit_config'",
    ),
    "Orb status the config does not map": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice.update(status="pending")),
        "2026-03.json:3: Field 'data[0].status': 'pending' is not a status of the config; "
        "expected one of 'issued', 'paid', 'synced', 'void', 'draft'",
    ),
    "Orb draft": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice.update(status="draft")),
        "2026-03.json:3: Field 'data[0].status': 'draft' is a draft; expected a finalized invoice",
    ),
    "Orb credit note with a negative total": (
        "orb",
        "2026-03.json",
        orb(lambda invoice: invoice.update(credits_invoice="ORB-0000", total="-75.13")),
        "2026-03.json:3: Field 'data[0].total': '-75.13' is negative; expected the amount "
        "credited as a positive number",
    ),
    "Metronome fraction of a cent": (
        "metronome",
        "2026-03.json",
        metronome(lambda invoice: invoice.update(total=7650.5)),
        "2026-03.json:3: Field 'data[0].total': '7650.5' is not a whole number; expected a whole "
        "number of minor units",
    ),
    "Metronome credit type that is no currency": (
        "metronome",
        "2026-03.json",
        metronome(lambda invoice: invoice["credit_type"].update(name="GPU credits")),
        "2026-03.json:3: Field 'data[0].credit_type.name': 'GPU credits' is not a billing "
        "currency; expected one of 'EUR', 'USD'",
    ),
    "Metronome void without the day it was voided": (
        "metronome",
        "2026-03.json",
        metronome(lambda invoice: invoice.update(status="VOID")),
        "2026-03.json:3: Field 'data[0]' is void, but the config maps no 'voided_at'; expected "
        "the date it was voided",
    ),
    "Metronome bad date": (
        "metronome",
        "2026-03.json",
        metronome(lambda invoice: invoice.update(issued_at="2026-03-32T00:00:00Z")),
        "2026-03.json:3: Field 'data[0].issued_at': '2026-03-32T00:00:00Z' is not a date; "
        "expected an ISO 8601 date like '2026-03-01' or date-time like '2026-03-01T00:00:00Z'",
    ),
}

CASES = {**STRIPE, **CSV, **GENERIC}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_stops_the_import_and_changes_nothing(
    case: str, here: Path, importers: list[SourceImporter]
) -> None:
    write("stripe", "2026-02.json", stripe_list(stripe_invoice("INV-2", day="2026-02-15")))
    run(importers)
    before = tree(here / "ledger")
    source, name, text, message = CASES[case]
    Path("documents", source, name).write_bytes(text.encode("utf-8", "surrogateescape"))
    write("stripe", "2026-04.json", stripe_list(stripe_invoice("INV-4", day="2026-04-15")))
    assert failure(importers) == f"documents/{source}/{message}"
    assert tree(here / "ledger") == before


def test_every_problem_of_a_file_is_reported(here: Path, importers: list[SourceImporter]) -> None:
    def broken(invoice: dict[str, Any]) -> None:
        invoice.update(currency="chf", due_date="soon")
        line(invoice).update(quantity=-1)

    write("stripe", "2026-03.json", stripe(broken, stripe_invoice("INV-6", total=1)))
    with pytest.raises(ImportFailed) as failed:
        run(importers)
    assert [problem.message.split(":")[0] for problem in failed.value.problems] == [
        "Field 'data[0].currency'",
        "Field 'data[0].due_date'",
        "Field 'data[0].lines.data[0].quantity'",
        "Lines of invoice 'INV-6' add up to 49.00 USD (49.00 less discounts 0.00 plus tax "
        "0.00); expected the total 0.01 USD",
    ]


def test_one_id_with_different_content_in_two_files_names_both(
    here: Path, importers: list[SourceImporter]
) -> None:
    write("stripe", "2026-03.json", stripe_list(stripe_invoice("INV-5")))
    changed = stripe_invoice("INV-5", [stripe_line(amount=5900)])
    write("stripe", "2026-04.json", stripe_list(changed))
    assert failure(importers) == (
        "documents/stripe/2026-04.json:5: invoice 'INV-5' is also on "
        "documents/stripe/2026-03.json:5 with different content"
    )
    assert tree(here / "ledger") == {}


def test_an_id_already_in_the_ledger_with_different_content_names_both(
    here: Path, importers: list[SourceImporter]
) -> None:
    write("stripe", "2026-03.json", stripe_list(stripe_invoice("INV-5")))
    run(importers)
    before = tree(here / "ledger")
    changed = stripe_invoice("INV-5", [stripe_line(amount=5900)])
    write("stripe", "2026-03.json", stripe_list(changed))
    assert failure(importers) == (
        "documents/stripe/2026-03.json:5: invoice 'INV-5' is already in the ledger at "
        "ledger/stripe/2026-03.beancount:3 with different content"
    )
    assert tree(here / "ledger") == before
