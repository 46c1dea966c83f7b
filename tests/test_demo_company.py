"""Tests of the demo company generator (``python -m demo.generate``).

The brief's features are counted from the books as Beancount loads them, so a
generator change that drops one makes a test fail. The generator also writes the
billing system's and the commission system's exports (``documents/``) and imports
them into the books, as ``python import.py import`` does: the invoices, credit
notes and voids under ``ledger/billing/`` come from the billing export.
"""

from __future__ import annotations

import datetime
import re
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from demo import catalog
from demo.company import Company
from demo.dates import Month, add_months, term_end
from demo.generate import IMPORTERS_CONFIG, main
from demo.ledger_writer import deferred_account
from demo.simulate import build_company
from importers import batch, sources
from importers.billing_source import BillingImporter
from reports import cli

REPO = Path(__file__).resolve().parents[1]
LEDGER = REPO / "ledger"
DOCUMENTS = REPO / "documents"
PLUGIN = REPO / "plugins" / "deferred_revenue.py"
RECEIVABLE = "Assets:AccountsReceivable"
DEFERRED = "Liabilities:DeferredRevenue:"
USAGE = "Income:Revenue:Usage"

Loaded = tuple[list[data.Directive], list[Any], dict[str, Any]]


def tree(folder: Path) -> dict[str, bytes]:
    """Returns the bytes of every ledger file under a folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*.beancount"))
        if not path.name.startswith(".")
    }


def exports(folder: Path) -> dict[str, bytes]:
    """Returns the bytes of every exported source file under a folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def documents_of(books: Path) -> Path:
    """Returns where `generate` writes the exported files of the books in `books`."""
    return books.with_name(books.name + "-documents")


def generate(out: Path, *args: str) -> Path:
    assert main([*args, "--out", str(out), "--documents", str(documents_of(out))]) == 0
    return out


def load_without_plugin(folder: Path) -> Loaded:
    """Loads generated books without the plugin line: only what the generator wrote."""
    main_text = (folder / "main.beancount").read_text(encoding="utf-8")
    raw = "".join(
        line for line in main_text.splitlines(keepends=True) if not line.startswith("plugin ")
    )
    # A hidden name keeps the copy out of `tree()`; includes resolve from the same folder.
    path = folder / ".raw-without-plugin.beancount"
    path.write_text(raw, encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    return list(entries), list(errors), dict(options)


def transactions(entries: list[data.Directive]) -> list[data.Transaction]:
    return [entry for entry in entries if isinstance(entry, data.Transaction)]


def meta_of(posting: data.Posting) -> dict[str, Any]:
    return dict(posting.meta or {})


def narration(entry: data.Transaction) -> str:
    return entry.narration or ""


def number(posting: data.Posting) -> Decimal:
    assert posting.units is not None and isinstance(posting.units.number, Decimal)
    return posting.units.number


def invoices(entries: list[data.Directive]) -> list[data.Transaction]:
    """Returns the invoices: entries with an `INV-` id that are not voids or payments."""
    return [
        entry
        for entry in transactions(entries)
        if str(entry.meta.get("invoice", "")).startswith("INV-")
        and narration(entry).startswith("Invoice ")
    ]


def deferred_lines(entries: list[data.Directive]) -> list[tuple[data.Transaction, data.Posting]]:
    """Returns (invoice, posting) for every deferred line of every invoice."""
    return [
        (entry, posting)
        for entry in invoices(entries)
        for posting in entry.postings
        if posting.account.startswith(DEFERRED)
    ]


@pytest.fixture(scope="module")
def default_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def default_entries(default_books: Path) -> list[data.Directive]:
    entries, errors, _ = load_without_plugin(default_books)
    assert errors == []
    return entries


@pytest.fixture(scope="module")
def small_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("small"), "--customers", "5", "--months", "3")


# Determinism.


def test_same_arguments_give_byte_identical_books(tmp_path: Path) -> None:
    args = ("--customers", "40", "--months", "12", "--start", "2025-03", "--seed", "7")
    first = tree(generate(tmp_path / "a", *args))
    second = tree(generate(tmp_path / "b", *args))
    assert first == second
    assert tree(generate(tmp_path / "c", *args[:-1], "8")) != first


def test_committed_ledger_is_a_fresh_default_generation(default_books: Path) -> None:
    # The fresh books include the import of the fresh documents (ledger/commissions/).
    committed, fresh = tree(LEDGER), tree(default_books)
    assert sorted(committed) == sorted(fresh)
    changed = [name for name in fresh if committed[name] != fresh[name]]
    assert changed == [], "ledger/ differs from `python -m demo.generate`; regenerate it"
    committed, fresh = exports(DOCUMENTS), exports(documents_of(default_books))
    assert sorted(committed) == sorted(fresh)
    changed = [name for name in fresh if committed[name] != fresh[name]]
    assert changed == [], "documents/ differs from `python -m demo.generate`; regenerate it"


def test_a_shorter_run_removes_month_files_of_a_longer_one(tmp_path: Path) -> None:
    generate(tmp_path, "--customers", "3", "--months", "4")
    generate(tmp_path, "--customers", "3", "--months", "2")
    assert sorted(path.name for path in (tmp_path / "billing").iterdir()) == [
        "2024-11.beancount",
        "2024-12.beancount",
    ]


# The books load cleanly.


def test_default_books_load_without_errors_through_the_plugin(tmp_path: Path) -> None:
    if not PLUGIN.exists():
        pytest.skip("plugins/deferred_revenue.py does not exist yet")
    # A copy keeps Beancount's pickle cache out of the repository.
    shutil.copytree(LEDGER, tmp_path / "ledger")
    shutil.copytree(REPO / "config", tmp_path / "config")
    entries, errors, _ = loader.load_file(str(tmp_path / "ledger" / "main.beancount"))
    assert [error.message for error in errors] == []
    assert len(entries) > len(invoices(list(entries)))


@pytest.mark.parametrize("books", ["small_books", "default_books"])
def test_books_follow_the_ledger_conventions(books: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(books)
    entries, errors, options = load_without_plugin(folder)
    assert errors == []
    assert options["title"] == "Kestrel AI"
    assert options["operating_currency"] == ["USD"]
    for entry in transactions(entries):
        for posting in entry.postings:
            assert number(posting).as_tuple().exponent == -2, (entry.meta["lineno"], posting)
            for key in ("service_start", "service_end"):
                value = (posting.meta or {}).get(key)
                assert value is None or type(value) is datetime.date
            if posting.account.startswith(DEFERRED):
                assert meta_of(posting)["service_start"] <= meta_of(posting)["service_end"]
            if posting.account == USAGE:
                assert "service_start" not in meta_of(posting)
                assert meta_of(posting)["product"] == "gpu-hours"
        assert type(entry.meta.get("due", datetime.date.min)) is datetime.date
        if "invoice" in entry.meta:
            assert entry.meta["invoice"] in entry.links
            assert isinstance(entry.meta["customer"], str)
    ids = [entry.meta["invoice"] for entry in invoices(entries)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("books", ["small_books", "default_books"])
def test_files_are_sorted_by_date_and_end_on_the_last_day(
    books: str, request: pytest.FixtureRequest
) -> None:
    folder: Path = request.getfixturevalue(books)
    last_days = []
    for path in sorted(folder.glob("*/*.beancount")):
        dates = re.findall(r"^(\d{4}-\d{2}-\d{2}) ", path.read_text(encoding="utf-8"), re.M)
        assert dates == sorted(dates), path
        assert all(day.startswith(path.stem) for day in dates), path
        last_days.append(max(dates, default=""))
    main_text = (folder / "main.beancount").read_text(encoding="utf-8")
    assert 'plugin "plugins.deferred_revenue" "../config/revenue.yaml"' in main_text
    assert 'include "billing/*.beancount"' in main_text
    months = sorted({path.stem for path in folder.glob("bank/*.beancount")})
    assert months == sorted(path.stem for path in folder.glob("billing/*.beancount"))
    assert max(last_days) == str(Month.parse(months[-1]).last)


@pytest.mark.parametrize("books", ["small_books", "default_books"])
def test_cash_never_exceeds_what_is_owed(books: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(books)
    entries, _, _ = load_without_plugin(folder)
    family = {
        entry.meta["invoice"]: entry.meta["credits"]
        for entry in transactions(entries)
        if "credits" in entry.meta
    }
    owed: dict[str, Decimal] = defaultdict(Decimal)
    voided = set()
    for entry in transactions(entries):
        if "invoice" not in entry.meta:
            continue
        invoice = str(family.get(entry.meta["invoice"], entry.meta["invoice"]))
        if entry.meta.get("status") == "void":
            voided.add(invoice)
        for posting in entry.postings:
            if posting.account == RECEIVABLE:
                owed[invoice] += number(posting)
    assert all(balance >= 0 for balance in owed.values())
    assert all(owed[invoice] == 0 for invoice in voided)


# The default company has everything the brief asks for.


def test_default_books_run_24_months_with_at_least_150_customers(
    default_entries: list[data.Directive],
) -> None:
    bills = invoices(default_entries)
    months = {(entry.date.year, entry.date.month) for entry in bills}
    assert len(months) >= 24
    assert min(entry.date for entry in default_entries) == datetime.date(2024, 11, 1)
    assert max(entry.date for entry in default_entries) == datetime.date(2026, 10, 31)
    customers = {entry.meta["customer"] for entry in bills}
    assert len(customers) >= 150
    directives = [e for e in default_entries if isinstance(e, data.Custom) and e.type == "customer"]
    assert len(directives) == len(customers)
    entities = Counter(entry.meta["entity"] for entry in bills)
    assert set(entities) == {"US", "EU"}


def test_default_books_have_customers_joining_and_leaving(
    default_entries: list[data.Directive],
) -> None:
    first: dict[str, datetime.date] = {}
    last: dict[str, datetime.date] = {}
    for entry in invoices(default_entries):
        customer = entry.meta["customer"]
        first.setdefault(customer, entry.date)
        last[customer] = entry.date
    assert sum(day >= datetime.date(2025, 6, 1) for day in first.values()) >= 40
    assert sum(day < datetime.date(2026, 6, 1) for day in last.values()) >= 20


def _term_months(start: datetime.date, end: datetime.date) -> int | None:
    for months in (1, 12, 24, 36):
        if term_end(start, months) == end:
            return months
    return None


def test_default_books_have_every_kind_of_deferred_line(
    default_entries: list[data.Directive],
) -> None:
    terms: Counter[tuple[str, int | None]] = Counter()
    points = late_deliveries = 0
    for entry, posting in deferred_lines(default_entries):
        start, end = meta_of(posting)["service_start"], meta_of(posting)["service_end"]
        if meta_of(posting).get("recognition") == "point":
            assert start == end
            points += 1
            late_deliveries += start > entry.date
            continue
        assert "recognition" not in meta_of(posting)
        if start == entry.date and start.day != 1:
            terms[posting.account, _term_months(start, end)] += 1
    assert terms[DEFERRED + "Subscriptions", 1] >= 100  # monthly, mid-month
    assert terms[DEFERRED + "Subscriptions", 12] >= 20  # annual, mid-month
    assert terms[DEFERRED + "Commitments", 24] + terms[DEFERRED + "Commitments", 36] >= 5
    assert points >= 5 and late_deliveries == points


def test_default_books_have_upgrades_with_prorations(
    default_entries: list[data.Directive],
) -> None:
    upgrades = 0
    for entry in invoices(default_entries):
        lines = [p for p in entry.postings if p.account.startswith(DEFERRED)]
        signs = {number(p) > 0 for p in lines}
        if signs == {True, False}:
            upgrades += 1
            credit, charge = sorted(lines, key=number, reverse=True)
            assert meta_of(credit)["product"] == "starter-monthly"
            assert meta_of(charge)["product"] == "team-monthly"
            assert meta_of(credit)["service_start"] == entry.date
            assert meta_of(credit)["service_end"] == meta_of(charge)["service_end"]
    assert upgrades >= 3


def test_default_books_have_credit_notes_for_remaining_periods(
    default_entries: list[data.Directive],
) -> None:
    issued = {entry.meta["invoice"]: entry for entry in invoices(default_entries)}
    notes = [e for e in transactions(default_entries) if "credits" in e.meta]
    assert len(notes) >= 3
    for note in notes:
        original = issued[note.meta["credits"]]
        assert note.links == {note.meta["invoice"], original.meta["invoice"]}
        assert str(note.meta["invoice"]).startswith("CN-")
        assert note.date > original.date
        (line,) = [p for p in note.postings if p.account.startswith(DEFERRED)]
        assert number(line) > 0
        assert meta_of(line)["service_start"] == note.date
        billed = [p for p in original.postings if p.account == line.account]
        assert meta_of(line)["service_end"] == meta_of(billed[0])["service_end"]
        receivable = [p for p in note.postings if p.account == RECEIVABLE]
        assert [number(p) for p in receivable] == [-number(line)]


def _posting_key(posting: data.Posting) -> tuple[Any, ...]:
    meta = {k: v for k, v in (posting.meta or {}).items() if k not in ("filename", "lineno")}
    return (posting.account, posting.units, sorted(meta.items()))


def test_default_books_have_voids_that_reverse_an_earlier_month(
    default_entries: list[data.Directive],
) -> None:
    issued = {entry.meta["invoice"]: entry for entry in invoices(default_entries)}
    voids = [e for e in transactions(default_entries) if e.meta.get("status") == "void"]
    assert len(voids) >= 1
    for void in voids:
        original = issued[void.meta["invoice"]]
        assert (void.date.year, void.date.month) > (original.date.year, original.date.month)
        assert void.links == {original.meta["invoice"]}
        reversed_ = [
            _posting_key(posting._replace(units=-posting.units))  # type: ignore[operator]
            for posting in original.postings
        ]
        assert [_posting_key(posting) for posting in void.postings] == reversed_


def test_default_books_have_varying_usage_in_arrears(
    default_entries: list[data.Directive],
) -> None:
    usage = [
        (entry, posting)
        for entry in invoices(default_entries)
        for posting in entry.postings
        if posting.account == USAGE
    ]
    assert len(usage) >= 100
    assert len({number(posting) for _, posting in usage}) >= 50
    assert all(entry.date == Month.of(entry.date).last for entry, _ in usage)


def test_default_books_have_prompt_late_and_open_invoices(
    default_entries: list[data.Directive],
) -> None:
    bills = {entry.meta["invoice"]: entry for entry in invoices(default_entries)}
    paid = {
        entry.meta["invoice"]: entry
        for entry in transactions(default_entries)
        if narration(entry).startswith("Payment ")
    }
    on_time = sum(paid[i].date <= bill.meta["due"] for i, bill in bills.items() if i in paid)
    late = sum(paid[i].date > bill.meta["due"] for i, bill in bills.items() if i in paid)
    still_open = len(bills) - len(paid)
    assert on_time >= 0.7 * len(bills)
    assert late >= 20
    assert still_open >= 20
    fees = [e for e in transactions(default_entries) if narration(e) == "Monthly account fees"]
    assert {fee.date for fee in fees} == {Month(2024, 11).plus(i).last for i in range(24)}


# The model, over many small companies.


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    customers=st.integers(min_value=1, max_value=12),
    months=st.integers(min_value=1, max_value=15),
)
def test_model_invariants(seed: int, customers: int, months: int) -> None:
    company = build_company(customers, Month(2025, 2), months, seed)
    assert company.end == Month(2025, 2).plus(months - 1).last
    assert len(company.customers) == customers
    totals = {invoice.id: invoice.total for invoice in company.invoices}
    assert len(totals) == len(company.invoices)
    for invoice in company.invoices:
        assert company.start <= invoice.date <= company.end
        for line in invoice.lines:
            if line.service_start is not None and line.service_end is not None:
                assert line.service_start <= line.service_end
    paid: Counter[str] = Counter()
    for payment in company.payments:
        assert invoice_date(company, payment.invoice_id) <= payment.date <= company.end
        paid[payment.invoice_id] += payment.amount
    assert all(0 < amount <= totals[invoice] for invoice, amount in paid.items())
    assert not paid.keys() & {void.invoice.id for void in company.voids}
    for note in company.credit_notes:
        assert note.total < 0 and note.invoice_id in totals
    assert [fee.date for fee in company.bank_fees] == sorted(f.date for f in company.bank_fees)


def invoice_date(company: Company, invoice_id: str) -> datetime.date:
    return next(invoice.date for invoice in company.invoices if invoice.id == invoice_id)


def test_add_months_keeps_the_day_or_clamps_to_month_end() -> None:
    assert add_months(datetime.date(2025, 1, 15), 1) == datetime.date(2025, 2, 15)
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert term_end(datetime.date(2025, 1, 15), 1) == datetime.date(2025, 2, 14)
    assert term_end(datetime.date(2025, 1, 15), 12) == datetime.date(2026, 1, 14)


@pytest.mark.parametrize(
    "args", [["--months", "0"], ["--customers", "-1"], ["--start", "2024-13"], ["--start", "2024"]]
)
def test_cli_rejects_bad_arguments(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert not (tmp_path / "main.beancount").exists()


# Contracts and commissions.


def customs(entries: list[data.Directive], kind: str) -> list[data.Custom]:
    return [entry for entry in entries if isinstance(entry, data.Custom) and entry.type == kind]


def commissions(entries: list[data.Directive]) -> list[data.Transaction]:
    return [entry for entry in transactions(entries) if "commission_id" in entry.meta]


def test_default_books_declare_every_fixed_term_contract(
    default_entries: list[data.Directive],
) -> None:
    declared = {entry.values[0].value: entry for entry in customs(default_entries, "contract")}
    terms: Counter[int | None] = Counter()
    for contract in declared.values():
        start, end = contract.meta["start"], contract.meta["end"]
        assert type(start) is datetime.date and type(end) is datetime.date
        assert contract.date == start
        assert str(contract.meta["customer"]).startswith("CUS-")
        terms[_term_months(start, end)] += 1
    assert set(terms) == {12, 24, 36}
    for entry, posting in deferred_lines(default_entries):
        is_declared = str(entry.meta["contract"]) in declared
        months = _term_months(meta_of(posting)["service_start"], meta_of(posting)["service_end"])
        if posting.account == DEFERRED + "Commitments" or months == 12:
            assert is_declared, entry.meta["contract"]
        elif months == 1:
            assert not is_declared, entry.meta["contract"]


def test_default_books_end_a_multi_year_contract_early_in_2026(
    default_entries: list[data.Directive],
) -> None:
    declared = {entry.values[0].value: entry for entry in customs(default_entries, "contract")}
    ended = customs(default_entries, "contract-terminated")
    assert any(entry.date.year == 2026 for entry in ended)
    notes = {
        (e.meta["contract"], e.date) for e in transactions(default_entries) if "credits" in e.meta
    }
    for entry in ended:
        contract = declared[entry.values[0].value]
        assert _term_months(contract.meta["start"], contract.meta["end"]) in (24, 36)
        assert contract.meta["start"] < entry.date < contract.meta["end"]
        assert (contract.values[0].value, entry.date) in notes  # The unused days are credited.


def test_default_books_import_a_year_of_commissions(
    default_books: Path, default_entries: list[data.Directive]
) -> None:
    months = [Month(2025, 11).plus(i).label for i in range(12)]
    exported = documents_of(default_books) / "commissions"
    assert sorted(path.stem for path in exported.glob("*.csv")) == months
    assert sorted(path.stem for path in (default_books / "commissions").glob("*")) == months
    rows = sum(len(path.read_text().splitlines()) - 1 for path in exported.glob("*.csv"))
    found = commissions(default_entries)
    assert len(found) == rows
    assert len({entry.meta["commission_id"] for entry in found}) == rows
    declared = {entry.values[0].value for entry in customs(default_entries, "contract")}
    kinds: Counter[tuple[str, str, bool]] = Counter()
    for entry in found:
        expense, payable = entry.postings
        assert expense.account == "Expenses:Commissions"
        assert payable.account == "Liabilities:CommissionsPayable"
        assert meta_of(expense)["contract"] in declared
        assert entry.links == {meta_of(expense)["contract"]}
        kinds[(meta_of(expense)["plan_type"], currency_of(expense), number(expense) < 0)] += 1
    assert {plan for plan, _, _ in kinds} == {"initial", "renewal"}
    assert {money for _, money, _ in kinds} == {"USD", "EUR"}
    assert sum(count for (_, _, clawback), count in kinds.items() if clawback) >= 1


def currency_of(posting: data.Posting) -> str:
    assert posting.units is not None
    return str(posting.units.currency)


def test_default_books_close_with_the_commission_rollforward(tmp_path: Path) -> None:
    # A copy keeps Beancount's pickle cache and the close package out of the repository.
    shutil.copytree(LEDGER, tmp_path / "ledger")
    shutil.copytree(REPO / "config", tmp_path / "config")
    out = tmp_path / "close"
    main_file = str(tmp_path / "ledger" / "main.beancount")
    assert cli.main(["close", main_file, "--month", "2026-10", "--out", str(out)]) == 0
    assert (out / "2026-10" / "commission_asset_rollforward.csv").exists()


# Billing: the generator writes the billing system's export; the importer writes the books.


def test_default_books_import_every_month_of_billing(default_books: Path) -> None:
    exported = documents_of(default_books) / "billing"
    months = sorted(path.stem for path in exported.glob("*.json"))
    assert months == [Month(2024, 11).plus(i).label for i in range(24)]
    assert sorted(path.stem for path in (default_books / "billing").glob("*")) == months
    for path in (default_books / "billing").glob("*.beancount"):
        header = f"; billing, {path.stem}: imported by `python import.py import`"
        assert path.read_text(encoding="utf-8").startswith(header), path


def test_importing_the_committed_documents_again_adds_nothing(tmp_path: Path) -> None:
    shutil.copytree(LEDGER, tmp_path / "ledger")
    importers = sources.load(IMPORTERS_CONFIG)
    done = batch.import_documents(importers, [DOCUMENTS], tmp_path / "ledger")
    assert done.added == {}
    assert tree(tmp_path / "ledger") == tree(LEDGER)


def test_every_product_of_the_catalog_is_mapped_to_its_account() -> None:
    (billing,) = [
        importer
        for importer in sources.load(IMPORTERS_CONFIG)
        if isinstance(importer, BillingImporter)
    ]
    mapped = {
        code: (product.deferred, product.revenue, product.recognition)
        for code, product in billing.book.products.items()
    }
    assert mapped == {
        product.code: (
            deferred_account(product.stream),
            deferred_account(product.stream).replace(
                "Liabilities:DeferredRevenue", "Income:Revenue"
            ),
            "point" if product.recognition.value == "point" else "ratable",
        )
        for product in catalog.PRODUCTS
    }
