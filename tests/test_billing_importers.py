"""The billing importers: Stripe's API objects and flattened CSV, and the generic JSON.

Each test works in its own folder (the current folder while it runs), with
`documents/<source>/` and a `ledger/`, and the sources of
`tests/fixtures/billing/importers.yaml`: `stripe`, `stripe-csv`, `orb` and
`metronome`. Small documents are built in the test; the golden pairs under
`tests/fixtures/billing/` show a month of each source.
"""

from __future__ import annotations

import calendar
import datetime
import json
import re
import tempfile
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beangulp import testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import batch, ledger_files, sources
from importers.billing_invoice import document_id
from importers.billing_source import BillingImporter
from importers.errors import ImportFailed
from importers.source import SourceImporter
from tests.conftest import generated, number
from tests.importing import check_reimports_add_nothing, printed, run, tree, workspace

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "billing"
CONFIG = FIXTURES / "importers.yaml"
SOURCES = ("stripe", "stripe-csv", "orb", "metronome")


def ts(day: str, time: str = "00:00:00") -> int:
    """Unix seconds of a UTC date and time, as Stripe writes instants."""
    moment = datetime.datetime.fromisoformat(f"{day}T{time}")
    return calendar.timegm(moment.timetuple())


def stripe_line(
    line_id: str = "il_1",
    amount: int = 4900,
    product: str = "starter-monthly",
    start: str = "2026-03-15",
    end: str = "2026-04-15",
    **extra: Any,
) -> dict[str, Any]:
    """A Stripe invoice line item; `end` is the exclusive end of its period."""
    return {
        "id": line_id,
        "object": "line_item",
        "amount": amount,
        "currency": "usd",
        "period": {"start": ts(start), "end": ts(end)},
        "quantity": 1,
        "price": {"id": f"price_{product}", "product": product, "unit_amount": amount},
        "discount_amounts": [],
        "tax_amounts": [],
        **extra,
    }


def stripe_invoice(
    number: str = "INV-1",
    lines: Sequence[dict[str, Any]] = (),
    day: str = "2026-03-15",
    **extra: Any,
) -> dict[str, Any]:
    """A finalized Stripe invoice; its total is its lines' unless given."""
    items = list(lines) or [stripe_line()]
    return {
        "id": "in_" + number.replace("-", ""),
        "object": "invoice",
        "number": number,
        "status": "open",
        "customer": "CUS-0042",
        "customer_name": "Acme Robotics",
        "currency": "usd",
        "created": ts(day),
        "status_transitions": {"finalized_at": ts(day)},
        "due_date": ts("2026-04-14"),
        "total": sum(item["amount"] for item in items),
        "metadata": {"entity": "US", "contract": "CTR-0042-01"},
        "lines": {"object": "list", "has_more": False, "data": items},
        **extra,
    }


def stripe_list(*objects: dict[str, Any]) -> str:
    """The text of a Stripe list of objects."""
    return json.dumps({"object": "list", "has_more": False, "data": list(objects)}, indent=2)


def write(source: str, name: str, text: str) -> str:
    """Writes a document under documents/<source>/ and returns its path."""
    path = Path("documents", source, name)
    path.write_text(text, encoding="utf-8")
    return path.as_posix()


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with documents/<source>/ and ledger/, made the current folder."""
    return workspace(tmp_path, monkeypatch, *SOURCES)


@pytest.fixture(scope="module")
def importers() -> list[SourceImporter]:
    return sources.load(CONFIG)


def source(importers: list[SourceImporter], name: str) -> BillingImporter:
    (found,) = [each for each in importers if each.name == name]
    assert isinstance(found, BillingImporter)
    return found


def configured(old: str, new: str) -> list[SourceImporter]:
    """The test sources, with one piece of the YAML replaced."""
    text = CONFIG.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    Path("importers.yaml").write_text(text, encoding="utf-8")
    return sources.load(Path("importers.yaml"))


def extracted(importers: list[SourceImporter], name: str, *objects: dict[str, Any]) -> str:
    path = write("stripe", "2026-03.json", stripe_list(*objects))
    return printed(source(importers, name).extract(path, []))


# One invoice, one transaction.


def test_a_stripe_invoice_becomes_one_transaction(
    here: Path, importers: list[SourceImporter]
) -> None:
    assert extracted(importers, "stripe", stripe_invoice()) == textwrap.dedent(
        """\
        2026-03-15 * "Acme Robotics" "Invoice INV-1" ^INV-1
          invoice: "INV-1"
          stripe_invoice: "in_INV1"
          customer: "CUS-0042"
          entity: "US"
          contract: "CTR-0042-01"
          due: 2026-04-14
          Assets:AccountsReceivable                   49.00 USD
          Liabilities:DeferredRevenue:Subscriptions  -49.00 USD
            service_start: 2026-03-15
            service_end: 2026-04-14
            product: "starter-monthly"
        """
    )


_POSTING = re.compile(r"  [A-Z][^ ]*:[^ ]")


def postings(text: str) -> list[str]:
    """The posting lines of printed entries as `account amount currency`, without metadata."""
    return [" ".join(line.split()) for line in text.splitlines() if _POSTING.match(line)]


def test_stripe_amounts_are_minor_units_and_jpy_has_none(
    here: Path, importers: list[SourceImporter]
) -> None:
    yen = stripe_invoice("INV-2", [stripe_line(amount=120000, currency="jpy")], currency="jpy")
    euro = stripe_invoice("INV-3", [stripe_line(amount=1, currency="eur")], currency="eur")
    amounts = [
        line.split()[-2:]
        for line in extracted(importers, "stripe", stripe_invoice(), yen, euro).splitlines()
        if line.startswith("  Assets:AccountsReceivable")
    ]
    assert amounts == [["49.00", "USD"], ["120000", "JPY"], ["0.01", "EUR"]]


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        (ts("2026-01-15"), ts("2026-02-15"), "2026-01-15", "2026-02-14"),  # A month, 31 days.
        (ts("2026-01-15", "14:23:11"), ts("2026-02-15", "14:23:11"), "2026-01-15", "2026-02-14"),
        (ts("2026-03-20", "09:00:00"), ts("2026-03-20", "09:00:00"), "2026-03-20", "2026-03-20"),
        (ts("2026-03-20"), ts("2026-03-21"), "2026-03-20", "2026-03-20"),  # One day.
    ],
)
def test_stripe_period_ends_are_exclusive(
    start: int, end: int, first: str, last: str, here: Path, importers: list[SourceImporter]
) -> None:
    line = stripe_line(period={"start": start, "end": end})
    invoice = stripe_invoice(lines=[line], day="2026-01-01")
    invoice["status_transitions"]["finalized_at"] = ts("2026-01-01")
    text = extracted(importers, "stripe", invoice)
    assert f"service_start: {first}" in text and f"service_end: {last}" in text


def test_the_timezone_decides_the_day_of_an_instant(here: Path) -> None:
    custom = configured("  timezone: UTC\n", "  timezone: Asia/Tokyo\n")
    # 2026-03-14 20:00 UTC is 2026-03-15 05:00 in Tokyo.
    invoice = stripe_invoice(status_transitions={"finalized_at": ts("2026-03-14", "20:00:00")})
    assert extracted(custom, "stripe", invoice).startswith("2026-03-15 * ")


def test_a_line_whose_service_is_over_goes_straight_to_revenue(
    here: Path, importers: list[SourceImporter]
) -> None:
    lines = [
        stripe_line("il_1", 880, "gpu-hours", "2026-02-01", "2026-03-01", quantity=4),
        stripe_line("il_2", 249, "gpu-hours", "2026-03-01", "2026-03-16"),  # Ends on the day.
        stripe_line("il_3", 100, "gpu-hours", "2026-03-01", "2026-03-17"),  # Goes on a day more.
    ]
    lines[0]["price"]["unit_amount"] = 220
    text = extracted(importers, "stripe", stripe_invoice(lines=lines, day="2026-03-15"))
    assert postings(text) == [
        "Assets:AccountsReceivable 12.29 USD",
        "Income:Revenue:Usage -8.80 USD",
        "Income:Revenue:Usage -2.49 USD",
        "Liabilities:DeferredRevenue:Usage -1.00 USD",
    ]
    # Lines billed in arrears carry their inclusive service period, for usage accruals.
    assert (
        "    service_start: 2026-02-01\n"
        "    service_end: 2026-02-28\n"
        '    product: "gpu-hours"\n'
        "    quantity: 4\n"
        "    unit_price: 2.20\n"
    ) in text
    assert "service_start: 2026-03-01\n    service_end: 2026-03-15\n" in text
    assert "service_start: 2026-03-01\n    service_end: 2026-03-16\n" in text


def test_a_point_product_is_deferred_to_its_delivery_day(
    here: Path, importers: list[SourceImporter]
) -> None:
    line = stripe_line(amount=150000, product="onboarding", start="2026-04-02", end="2026-04-03")
    text = extracted(importers, "stripe", stripe_invoice(lines=[line]))
    assert postings(text)[1] == "Liabilities:DeferredRevenue:Services -1500.00 USD"
    assert text.endswith(
        "    service_start: 2026-04-02\n"
        "    service_end: 2026-04-02\n"
        '    recognition: "point"\n'
        '    product: "onboarding"\n'
    )


def test_a_usage_product_is_deferred_for_usage_to_draw_down(
    here: Path, importers: list[SourceImporter]
) -> None:
    # A credit pack's credit runs from the invoice's date to the same day twelve
    # months later (`expires_months: 12`), whatever period the source writes.
    line = stripe_line(amount=100000, product="api-credits", start="2026-03-01", end="2026-03-02")
    text = extracted(importers, "stripe", stripe_invoice(lines=[line]))
    assert text.endswith(
        "  Liabilities:DeferredRevenue:Credits  -1000.00 USD\n"
        "    service_start: 2026-03-15\n"
        "    service_end: 2027-03-15\n"
        '    recognition: "usage"\n'
        "    expires: 2027-03-15\n"
        '    product: "api-credits"\n'
    )


def test_a_credit_pack_bought_on_a_month_end_expires_on_a_shorter_months_end(
    here: Path, importers: list[SourceImporter]
) -> None:
    custom = configured("usage, expires_months: 12}", "usage, expires_months: 1}")
    line = stripe_line(amount=5000, product="api-credits", start="2026-01-31", end="2026-02-01")
    text = extracted(custom, "stripe", stripe_invoice(lines=[line], day="2026-01-31"))
    assert "    service_end: 2026-02-28\n" in text and "    expires: 2026-02-28\n" in text


def test_discounts_are_lines_of_their_own_and_tax_goes_to_sales_tax(
    here: Path, importers: list[SourceImporter]
) -> None:
    line = stripe_line(
        discount_amounts=[
            {"amount": 490, "discount": "di_SPRING"},
            {"amount": 10, "discount": "di_X"},
        ],
        tax_amounts=[{"amount": 352, "inclusive": False}, {"amount": 48, "inclusive": False}],
    )
    text = extracted(importers, "stripe", stripe_invoice(lines=[line], total=4800))
    assert postings(text) == [
        "Assets:AccountsReceivable 48.00 USD",
        "Liabilities:DeferredRevenue:Subscriptions -49.00 USD",
        "Liabilities:DeferredRevenue:Subscriptions 4.90 USD",
        "Liabilities:DeferredRevenue:Subscriptions 0.10 USD",
        "Liabilities:SalesTax -4.00 USD",
    ]
    assert text.count("service_end: 2026-04-14") == 3
    assert 'discount: "di_SPRING"' in text and 'discount: "di_X"' in text


def test_prorations_are_lines_with_their_own_periods_and_signs(
    here: Path, importers: list[SourceImporter]
) -> None:
    lines = [
        stripe_line("il_1", -1500, "starter-monthly", "2026-03-20", "2026-04-15", proration=True),
        stripe_line("il_2", 30000, "team-annual", "2026-03-20", "2027-03-20", proration=True),
    ]
    text = extracted(importers, "stripe", stripe_invoice(lines=lines, day="2026-03-20"))
    assert postings(text) == [
        "Assets:AccountsReceivable 285.00 USD",
        "Liabilities:DeferredRevenue:Subscriptions 15.00 USD",
        "Liabilities:DeferredRevenue:Subscriptions -300.00 USD",
    ]
    assert "service_start: 2026-03-20\n    service_end: 2026-04-14\n" in text
    assert "service_start: 2026-03-20\n    service_end: 2027-03-19\n" in text


def test_euro_and_pound_invoices_stay_in_their_currency(
    here: Path, importers: list[SourceImporter]
) -> None:
    euro = stripe_invoice("INV-E", [stripe_line(amount=45900, currency="eur")], currency="eur")
    pound = stripe_invoice("INV-G", [stripe_line(amount=3900, currency="gbp")], currency="gbp")
    text = extracted(importers, "stripe", euro, pound)
    assert [line.split()[-1] for line in postings(text)] == ["EUR", "EUR", "GBP", "GBP"]
    assert "@" not in text


# Status changes: each is its own linked transaction.


def test_a_void_negates_every_posting_with_the_same_periods(
    here: Path, importers: list[SourceImporter]
) -> None:
    lines = [stripe_line(discount_amounts=[{"amount": 490, "discount": "di_1"}])]
    voided = stripe_invoice(
        lines=lines,
        total=4410,
        status="void",
        status_transitions={"finalized_at": ts("2026-03-15"), "voided_at": ts("2026-04-02")},
        metadata={"entity": "US", "void_reason": "Issued twice in error"},
    )
    invoice, void = source(importers, "stripe").extract(
        write("stripe", "2026-04.json", stripe_list(voided)), []
    )
    assert (str(void.date), void.narration, void.links) == (
        "2026-04-02",
        "Void INV-1",
        frozenset({"INV-1"}),
    )
    assert {key: void.meta[key] for key in ("invoice", "status", "reason")} == {
        "invoice": "INV-1",
        "status": "void",
        "reason": "Issued twice in error",
    }
    assert [(p.account, -number(p), p.meta) for p in invoice.postings] == [
        (p.account, number(p), p.meta) for p in void.postings
    ]
    assert (document_id(invoice), document_id(void)) == ("INV-1", "INV-1:void")


def test_an_uncollectible_invoice_writes_off_what_is_still_due(
    here: Path, importers: list[SourceImporter]
) -> None:
    invoice = stripe_invoice(
        status="uncollectible",
        amount_remaining=2900,
        status_transitions={
            "finalized_at": ts("2026-03-15"),
            "marked_uncollectible_at": ts("2026-06-30"),
        },
    )
    text = extracted(importers, "stripe", invoice)
    assert text.split("\n\n")[1] == textwrap.dedent(
        """\
        2026-06-30 * "Acme Robotics" "Uncollectible INV-1" ^INV-1
          invoice: "INV-1"
          status: "uncollectible"
          customer: "CUS-0042"
          entity: "US"
          contract: "CTR-0042-01"
          Expenses:BadDebts           29.00 USD
          Assets:AccountsReceivable  -29.00 USD
        """
    )


def credit_note(
    number: str, invoice: Any, lines: Sequence[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    total = sum(line["amount"] for line in lines)
    return {
        "id": "cn_" + number,
        "object": "credit_note",
        "number": number,
        "invoice": invoice,
        "customer": "CUS-0042",
        "currency": "usd",
        "created": ts("2026-03-25"),
        "memo": "SLA credit",
        "status": "issued",
        "total": total,
        "lines": {"data": list(lines)},
        **extra,
    }


def credited(line_id: str, amount: int) -> dict[str, Any]:
    return {
        "id": "cnli_1",
        "type": "invoice_line_item",
        "invoice_line_item": line_id,
        "amount": amount,
    }


def test_a_credit_note_credits_the_rest_of_its_lines_service(
    here: Path, importers: list[SourceImporter]
) -> None:
    lines = [
        stripe_line("il_1", 4900, "starter-monthly", "2026-03-15", "2026-04-15"),
        stripe_line("il_2", 880, "gpu-hours", "2026-02-01", "2026-03-01"),
    ]
    invoice = stripe_invoice(lines=lines)
    note = credit_note("CN-1", "in_INV1", [credited("il_1", 1000), credited("il_2", 80)])
    text = extracted(importers, "stripe", invoice, note).split("\n\n")[1]
    assert text == textwrap.dedent(
        """\
        2026-03-25 * "Acme Robotics" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
          invoice: "CN-1"
          credits: "INV-1"
          customer: "CUS-0042"
          entity: "US"
          contract: "CTR-0042-01"
          reason: "SLA credit"
          Assets:AccountsReceivable                  -10.80 USD
          Liabilities:DeferredRevenue:Subscriptions   10.00 USD
            service_start: 2026-03-25
            service_end: 2026-04-14
            product: "starter-monthly"
          Income:Revenue:Usage                         0.80 USD
            service_start: 2026-02-01
            service_end: 2026-02-28
            product: "gpu-hours"
        """
    )


def test_a_credit_note_finds_its_invoice_expanded(
    here: Path, importers: list[SourceImporter]
) -> None:
    note = credit_note("CN-1", stripe_invoice(), [credited("il_1", 1000)])
    text = extracted(importers, "stripe", note)
    assert text.startswith('2026-03-25 * "Acme Robotics" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1')


def test_a_credit_note_without_lines_credits_the_credit_notes_account(
    here: Path, importers: list[SourceImporter]
) -> None:
    note = credit_note("CN-1", stripe_invoice(), [], total=2500, memo=None, reason="order_change")
    assert postings(extracted(importers, "stripe", note)) == [
        "Assets:AccountsReceivable -25.00 USD",
        "Income:Revenue:CreditNotes 25.00 USD",
    ]
    assert 'reason: "order_change"' in extracted(importers, "stripe", note)


# Units and bounds of the other sources.


def test_orb_amounts_are_decimal_strings_in_major_units(
    here: Path, importers: list[SourceImporter]
) -> None:
    orb = json.loads((FIXTURES / "orb" / "2026-03.json").read_text(encoding="utf-8"))
    (invoice,) = [orb["data"][1]]
    invoice.update(currency="JPY", total="1200")
    invoice["line_items"][0]["subtotal"] = "1200"
    usd = {**orb["data"][1], "invoice_number": "ORB-9", "currency": "USD", "total": "12.5"}
    usd["line_items"] = [{**invoice["line_items"][0], "subtotal": "12.5"}]
    path = write("orb", "2026-03.json", json.dumps({"data": [invoice, usd]}))
    entries = source(importers, "orb").extract(path, [])
    assert [str(entry.postings[0].units) for entry in entries] == [
        "1200 JPY",
        "-1200 JPY",  # The void.
        "12.50 USD",
        "-12.50 USD",
    ]


def test_metronome_amounts_are_cents_of_the_credit_type(importers: list[SourceImporter]) -> None:
    document = str(FIXTURES / "metronome" / "2026-03.json")
    entries = source(importers, "metronome").extract(document, [])
    assert [str(entry.postings[0].units) for entry in entries] == ["76.50 USD", "1100.00 EUR"]
    assert (entries[0].postings[2].meta or {})["unit_price"] == Decimal("2.20")


@pytest.mark.parametrize(
    ("bound", "last"), [("exclusive", "2026-03-31"), ("inclusive", "2026-04-01")]
)
def test_generic_period_ends_are_read_as_configured(bound: str, last: str, here: Path) -> None:
    custom = configured(
        "  period_end: exclusive\n  currencies: [USD, EUR]\n",
        f"  period_end: {bound}\n  currencies: [USD, EUR]\n",
    )
    text = printed(
        source(custom, "metronome").extract(str(FIXTURES / "metronome" / "2026-03.json"), [])
    )
    assert f"service_start: 2026-03-01\n    service_end: {last}\n" in text


def test_a_generic_credit_note_line_without_a_period_credits_revenue(
    importers: list[SourceImporter],
) -> None:
    entries = source(importers, "orb").extract(str(FIXTURES / "orb" / "2026-03.json"), [])
    note = entries[-1]
    assert (note.meta["invoice"], note.meta["credits"]) == ("ORB-CN-0001", "ORB-0001")
    assert [(p.account, str(p.units)) for p in note.postings] == [
        ("Assets:AccountsReceivable", "-10.00 USD"),
        ("Income:Revenue:Subscriptions", "10.00 USD"),
    ]


def test_the_flattened_csv_books_what_the_json_books(importers: list[SourceImporter]) -> None:
    from_json = source(importers, "stripe").extract(str(FIXTURES / "stripe" / "2026-03.json"), [])
    from_csv = source(importers, "stripe-csv").extract(
        str(FIXTURES / "stripe-csv" / "2026-03.csv"), []
    )
    by_id = {document_id(entry): ledger_files.canonical(entry) for entry in from_json}
    assert len(from_csv) == 6
    for entry in from_csv:
        assert ledger_files.canonical(entry) == by_id[document_id(entry)], entry.meta["lineno"]


@pytest.mark.parametrize(
    "document",
    ["stripe/2026-03.json", "stripe-csv/2026-03.csv", "orb/2026-03.json", "metronome/2026-03.json"],
)
def test_the_golden_files_with_beangulp_testing(
    document: str, importers: list[SourceImporter]
) -> None:
    path = str(FIXTURES / document)
    (importer,) = [each for each in importers if each.identify(path)]
    results = testing.run_importer(importer, path)
    assert testing.compare_expected(path + ".beancount", *results) == []


def test_archiving_names_the_file_by_its_source_and_last_date(
    importers: list[SourceImporter],
) -> None:
    importer = source(importers, "stripe")
    document = str(FIXTURES / "stripe" / "2026-03.json")
    assert (str(importer.date(document)), importer.filename(document)) == (
        "2026-03-31",
        "stripe.json",
    )
    assert importer.account(document) == "Assets:AccountsReceivable"


# Idempotence and order.


def month(number: int) -> str:
    """A Stripe export of one invoice finalized in 2026-0<number>."""
    day = f"2026-0{number}-10"
    line = stripe_line(f"il_{number}", 1000 * number, "team-annual", day, f"2027-0{number}-10")
    return write(
        "stripe", f"2026-0{number}.json", stripe_list(stripe_invoice(f"INV-{number}", [line], day))
    )


def test_importing_five_times_adds_nothing(here: Path, importers: list[SourceImporter]) -> None:
    for index in (1, 2, 3):
        month(index)
    write("stripe-csv", "2026-03.csv", (FIXTURES / "stripe-csv" / "2026-03.csv").read_text())
    first = run(importers)
    assert (sum(first.added.values()), first.skipped) == (3 + 6, 0)
    written = tree(here / "ledger")
    assert sorted(written) == [
        "stripe-csv/2026-03.beancount",
        "stripe/2026-01.beancount",
        "stripe/2026-02.beancount",
        "stripe/2026-03.beancount",
    ]
    check_reimports_add_nothing(importers, 9)


def test_any_import_order_gives_the_same_bytes(here: Path, importers: list[SourceImporter]) -> None:
    files = [month(index) for index in (1, 2, 3)]
    write("stripe", "golden.json", (FIXTURES / "stripe" / "2026-03.json").read_text())
    files.append("documents/stripe/golden.json")
    run(importers)
    expected = tree(here / "ledger")
    for order in (files[::-1], files[1:] + files[:1]):
        for path in (here / "ledger" / "stripe").iterdir():
            path.unlink()
        for document in order:
            run(importers, document)
        assert tree(here / "ledger") == expected, order


def test_a_later_export_of_a_voided_invoice_adds_only_its_void(
    here: Path, importers: list[SourceImporter]
) -> None:
    write("stripe", "2026-03.json", stripe_list(stripe_invoice()))
    assert sum(run(importers).added.values()) == 1
    voided = stripe_invoice(
        status="void",
        status_transitions={"finalized_at": ts("2026-03-15"), "voided_at": ts("2026-04-02")},
    )
    write("stripe", "2026-04.json", stripe_list(voided))
    done = run(importers)
    assert (done.added, done.skipped) == ({Path("ledger/stripe/2026-04.beancount"): 1}, 2)
    assert '"Void INV-1"' in Path("ledger/stripe/2026-04.beancount").read_text(encoding="utf-8")


def test_payments_that_name_an_invoice_are_not_billing_documents(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/bank.beancount").write_text(
        textwrap.dedent(
            """\
            2026-03-20 * "Acme Robotics" "Payment INV-1" ^INV-1
              invoice: "INV-1"
              customer: "CUS-0042"
              Assets:Bank:US:Operating    49.00 USD
              Assets:AccountsReceivable  -49.00 USD
            """
        ),
        encoding="utf-8",
    )
    write("stripe", "2026-03.json", stripe_list(stripe_invoice()))
    assert sum(run(importers).added.values()) == 1


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    invoices=st.lists(
        st.tuples(
            st.integers(min_value=-50_000, max_value=500_000),  # The line's amount in cents.
            st.integers(min_value=0, max_value=60),  # Days of service after the invoice's day.
            st.booleans(),  # Voided.
        ),
        min_size=1,
        max_size=8,
    ),
    order=st.randoms(use_true_random=False),
)
def test_reimporting_in_any_grouping_and_order_adds_nothing(
    invoices: list[tuple[int, int, bool]],
    order: Any,
    importers: list[SourceImporter],
    tmp_path: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # One per example: the fixture is shared.
    documents = folder / "documents" / "stripe"
    documents.mkdir(parents=True)
    objects = []
    for index, (cents, days, voided) in enumerate(invoices):
        day = datetime.date(2026, 3, 1) + datetime.timedelta(days=index * 3)
        end = day + datetime.timedelta(days=days + 1)
        line = stripe_line(f"il_{index}", cents, "team-annual", str(day), str(end))
        extra: dict[str, Any] = {}
        if voided:
            extra = {"status": "void", "status_transitions": {"voided_at": ts(str(end))}}
        objects.append(stripe_invoice(f"INV-{index}", [line], str(day), **extra))
    paths = []
    for index in range(0, len(objects), 3):
        paths.append(documents / f"part-{index}.json")
        paths[-1].write_text(stripe_list(*objects[index : index + 3]), encoding="utf-8")
    once = folder / "once"
    batch.import_documents(importers, [documents], once)
    piecewise = folder / "piecewise"
    order.shuffle(paths)
    for path in paths:
        batch.import_documents(importers, [path], piecewise)
    assert tree(piecewise) == tree(once)
    again = batch.import_documents(importers, [documents], piecewise)
    assert (again.added, again.skipped) == ({}, len(invoices) + sum(v for _, _, v in invoices))


# The imported books load through the deferred revenue plugin.


LEDGER = """\
plugin "plugins.deferred_revenue"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Liabilities:SalesTax
2026-01-01 open Expenses:BadDebts
2026-01-01 open Income:Revenue:CreditNotes
2026-01-01 open Income:Revenue:Usage
2026-01-01 open Liabilities:DeferredRevenue:Subscriptions
2026-01-01 open Income:Revenue:Subscriptions
2026-01-01 open Liabilities:DeferredRevenue:Services
2026-01-01 open Income:Revenue:Services
include "stripe/*.beancount"
"""


def test_imported_invoices_load_through_the_deferred_revenue_plugin(
    here: Path, importers: list[SourceImporter]
) -> None:
    write("stripe", "2026-03.json", (FIXTURES / "stripe" / "2026-03.json").read_text())
    run(importers)
    Path("ledger/main.beancount").write_text(LEDGER, encoding="utf-8")
    entries, errors, _ = loader.load_file(str(here / "ledger" / "main.beancount"))
    assert [error.message for error in errors] == []
    released: dict[str, Decimal] = {}
    for entry in generated(entries):
        for posting in entry.postings:
            if posting.account.startswith("Income:"):
                source_id = str(entry.meta["revclose_source"])
                released[source_id] = released.get(source_id, Decimal(0)) - number(posting)
    # All of each line over its service, the discount with it; the void takes back all of it.
    assert released == {
        "INV-0101": Decimal("1544.10"),  # 49.00 - 4.90 + 1500.00 (the usage was revenue at once)
        "INV-0102": Decimal("285.00"),
        "INV-0103": Decimal("0"),
        "INV-0104": Decimal("99.00"),
        "CN-0011": Decimal("-10.00"),
    }


# The configuration.


BAD_CONFIG = """\
billing:
  importer: billing_stripe
  documents: billing/*.json
  ledger: billing
  timezone: Mars/Olympus
  currencies: [usd]
  products:
    team-annual: Deferred revenue
    onboarding: {deferred: Liabilities:DeferredRevenue:Services, recognition: weekly}
    gpu-hours: Liabilities:Prepaid
    api: [1, 2]
  accounts:
    sales_tax: Liabilities:SalesTax
    vat: Liabilities:Vat
  colour: blue
orb:
  importer: billing_generic
  documents: orb/*.json
  ledger: orb
  amounts: cents
  period_end: sometimes
  currencies: [USD]
  products: {}
  fields: {id: invoice_number, date: invoice_date, customer: customer.id, currency: currency}
  line_fields: {product: price..id, amount: subtotal, colour: red}
"""


def test_every_bad_field_of_a_billing_source_points_into_the_yaml(here: Path) -> None:
    Path("importers.yaml").write_text(BAD_CONFIG, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    assert str(failed.value).splitlines() == [
        "importers.yaml:5: Field 'billing.timezone' expected a time zone like 'UTC' or "
        "'Europe/Amsterdam', found 'Mars/Olympus'",
        "importers.yaml:6: Field 'billing.currencies' expected a list of currency codes like "
        "[USD, EUR], found list",
        "importers.yaml:8: Field 'billing.products.team-annual' expected an account name like "
        "'Assets:Bank', found 'Deferred revenue'",
        "importers.yaml:9: Field 'billing.products.onboarding.recognition' expected 'ratable', "
        "'point' or 'usage', found 'weekly'",
        "importers.yaml:10: Field 'billing.products.gpu-hours' needs 'revenue': "
        "'Liabilities:Prepaid' is not under 'Liabilities:DeferredRevenue', so its revenue "
        "account cannot be derived",
        "importers.yaml:11: Field 'billing.products.api' expected an account or a mapping with "
        "'deferred'",
        "importers.yaml:14: Unknown field 'billing.accounts.vat'; expected one of 'credit_notes', "
        "'receivable', 'sales_tax', 'uncollectible'",
        "importers.yaml:15: Unknown field 'billing.colour'; expected one of 'accounts', "
        "'currencies', 'documents', 'importer', 'ledger', 'precision', 'products', 'timezone'",
        "importers.yaml:20: Field 'orb.amounts' expected 'major' (decimal strings like '12.00') "
        "or 'minor' (whole minor units like 1200), found 'cents'",
        "importers.yaml:21: Field 'orb.period_end' expected 'inclusive' or 'exclusive', "
        "found 'sometimes'",
        "importers.yaml:23: Field 'orb.products' expected at least one product",
        "importers.yaml:24: Missing field 'orb.fields.total'; expected a dotted path like "
        "'customer.id'",
        "importers.yaml:24: Missing field 'orb.fields.lines'; expected a dotted path like "
        "'customer.id'",
        "importers.yaml:25: Unknown field 'orb.line_fields.colour'; expected one of 'amount', "
        "'end', 'product', 'quantity', 'start', 'tax', 'unit_price'",
        "importers.yaml:25: Field 'orb.line_fields.product' expected a dotted path like "
        "'customer.id', found 'price..id'",
    ]


def test_a_credit_pack_needs_its_expiry_and_only_a_credit_pack_has_one(here: Path) -> None:
    Path("importers.yaml").write_text(
        textwrap.dedent(
            """\
            billing:
              importer: billing_stripe
              documents: billing/*.json
              ledger: billing
              currencies: [USD]
              products:
                api-credits: {deferred: Liabilities:DeferredRevenue:Credits, recognition: usage}
                image-credits:
                  deferred: Liabilities:DeferredRevenue:Credits
                  recognition: usage
                  expires_months: 0
                starter-monthly:
                  deferred: Liabilities:DeferredRevenue:Subscriptions
                  expires_months: 12
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    assert str(failed.value).splitlines() == [
        "importers.yaml:7: Field 'billing.products.api-credits' needs 'expires_months' with "
        "'recognition: usage': how many months after its invoice the credit expires",
        "importers.yaml:11: Field 'billing.products.image-credits.expires_months' expected a "
        "whole number of months, found '0'",
        "importers.yaml:14: Field 'billing.products.starter-monthly.expires_months' applies only "
        "with 'recognition: usage'",
    ]


def test_every_test_source_loads_and_the_demo_has_one_billing_source() -> None:
    assert [importer.name for importer in sources.load(CONFIG)] == list(SOURCES)
    demo = [
        importer
        for importer in sources.load(REPO / "config" / "importers.yaml")
        if isinstance(importer, BillingImporter)
    ]
    assert [(importer.name, importer.placement.folder) for importer in demo] == [
        ("billing", "billing")
    ]


def test_an_entry_that_is_no_billing_document_has_no_billing_id() -> None:
    entries, _, _ = loader.load_string(
        textwrap.dedent(
            """\
            2026-03-01 * "Invoice" ^INV-1
              invoice: "INV-1"
              due: 2026-03-31
            2026-03-02 * "Credit note" ^CN-1
              invoice: "CN-1"
              credits: "INV-1"
            2026-03-03 * "Void" ^INV-1
              invoice: "INV-1"
              status: "void"
            2026-03-04 * "Payment" ^INV-1
              invoice: "INV-1"
            2026-03-05 note Assets:Cash "invoice"
              invoice: "INV-1"
            """
        )
    )
    assert [document_id(entry) for entry in entries] == ["INV-1", "CN-1", "INV-1:void", None, None]
