"""The bank statement and Stripe balance importers: golden files, receipts, ids and balances.

Each test works in its own folder (the current folder while it runs), with
`documents/` and `ledger/`, so messages read as a user sees them.
"""

from __future__ import annotations

import datetime
import itertools
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from beancount import loader
from beancount.core import amount, data
from beancount.parser import parser, printer
from beangulp import extract, testing
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from importers import bank_entries, bank_invoices, ledger_files, ledger_text, sources
from importers.bank_importer import StatementImporter
from importers.errors import ImportFailed
from importers.source import Placement, SourceImporter
from plugins import invoice_words
from tests.importing import check_refused, check_reimports_add_nothing, failure, run, tree

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "banks"
GOLDEN = sorted(
    path.relative_to(FIXTURES).as_posix()
    for path in FIXTURES.glob("*/*")
    if path.suffix not in (".md", ".txt", ".beancount")
)

CONFIG = """\
bank:
  importer: bank_csv
  documents: bank/*.csv
  ledger: bank
  account: Assets:Bank:US:Operating
  currency: USD
  date_format: "%m/%d/%Y"
  thousands: ","
  columns:
    id: Reference
    date: Date
    payee: Counterparty
    narration: Description
    amount: Amount
    balance: Balance
  accounts:
    disbursements: Expenses:Unreconciled
  rules:
    - contains: account fee
      account: Expenses:BankFees
    - contains: STRIPE
      direction: in
      account: Assets:Bank:InTransit
stripe:
  importer: stripe_balance
  documents: stripe/*.csv
  ledger: stripe
  columns:
    id: balance_transaction_id
    date: created_utc
    category: reporting_category
    currency: currency
    gross: gross
    fee: fee
    net: net
    description: description
    source: source_id
    invoice: invoice_id
    customer: customer_id
  accounts:
    clearing: Assets:Stripe
    fees: Expenses:PaymentProcessing
    payouts: Assets:Bank:InTransit
    refunds: Liabilities:CustomerCredits
    disputes: Expenses:Disputes
  categories:
    other_adjustment: Expenses:PaymentProcessing
"""
HEADER = "Reference,Date,Counterparty,Description,Amount,Balance"
STRIPE_HEADER = (
    "balance_transaction_id,created_utc,reporting_category,currency,gross,fee,net,"
    "description,source_id,invoice_id,customer_id"
)
INVOICE = """\
2026-02-20 * "Acme Robotics" "Invoice INV-7" ^INV-7
  invoice: "INV-7"
  customer: "CUS-0042"
  Assets:AccountsReceivable   1200.00 USD
  Income:Revenue:Services    -1200.00 USD
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the test config, documents/ and ledger/, made the current folder."""
    for folder in ("documents/bank", "documents/stripe", "ledger"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def importers(here: Path) -> list[SourceImporter]:
    return sources.load(Path("importers.yaml"))


def document(name: str, *lines: str, header: str = HEADER) -> str:
    """Writes a document under documents/ and returns its path."""
    path = Path("documents", name)
    path.write_text("".join(line + "\n" for line in (header, *lines)), encoding="utf-8")
    return path.as_posix()


def written(folder: str = "bank") -> str:
    """The text of every ledger file of a source, in name order."""
    return "".join(path.read_text() for path in sorted(Path("ledger", folder).glob("*")))


# Golden files: every third-party fixture imports, exactly as recorded.


@pytest.mark.parametrize("name", GOLDEN)
def test_each_fixture_statement_matches_its_golden_file(name: str) -> None:
    importers = {importer.name: importer for importer in sources.load(FIXTURES / "importers.yaml")}
    importer = importers[name.split("/")[0]]
    document = str(FIXTURES / name)
    assert importer.identify(document)
    results = testing.run_importer(importer, document)
    assert testing.compare_expected(document + ".beancount", *results) == []


def test_every_fixture_format_is_covered() -> None:
    assert {name.split("/")[0] for name in GOLDEN} == {"bai2", "camt053", "mt940", "ofx"}
    assert len(GOLDEN) == 13


def test_several_statements_of_one_day_assert_the_last_closing_balance() -> None:
    text = (FIXTURES / "camt053" / "camt053.v2.multi.statement.xml.beancount").read_text()
    assert text.count(" balance ") == 1
    assert "2015-01-01 balance Assets:Bank:NL:Operating" in text and "20.00 EUR" in text


# Receipts: the invoice they name, else unapplied cash.


def test_a_receipt_naming_an_invoice_of_the_books_pays_it(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document(
        "bank/2026-03.csv",
        'W-1,03/02/2026,ACME ROBOTICS,"WIRE REF inv-7.",1200.00,',
        "W-2,03/02/2026,Lumen BV,Payment for INV-7 and INV-8,50.00,",
        "W-3,03/03/2026,Unknown,Transfer,25.00,",
    )
    run(importers)
    assert written() == textwrap.dedent(
        """\
        ; bank, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "ACME ROBOTICS" "WIRE REF inv-7." ^INV-7
          bank_reference: "Assets:Bank:US:Operating/W-1"
          invoice: "INV-7"
          customer: "CUS-0042"
          Assets:Bank:US:Operating    1200.00 USD
          Assets:AccountsReceivable  -1200.00 USD

        2026-03-02 * "Lumen BV" "Payment for INV-7 and INV-8"
          bank_reference: "Assets:Bank:US:Operating/W-2"
          invoice: "INV-7"
          customer: "CUS-0042"
          Assets:Bank:US:Operating    50.00 USD
          Assets:AccountsReceivable  -50.00 USD

        2026-03-03 * "Unknown" "Transfer"
          bank_reference: "Assets:Bank:US:Operating/W-3"
          Assets:Bank:US:Operating    25.00 USD
          Liabilities:UnappliedCash  -25.00 USD
        """
    ).replace('"Payment for INV-7 and INV-8"\n', '"Payment for INV-7 and INV-8" ^INV-7\n')


def test_a_date_in_a_lines_text_names_no_invoice_numbered_as_its_year(
    here: Path, importers: list[SourceImporter]
) -> None:
    # Invoice 2026 of the books. "Wire 03/02/2026" is read as the AR plugin reads
    # it (`plugins.invoice_words`): the word is no id, its parts "03", "02" and
    # "2026" are digits alone, so it names nothing and waits in unapplied cash.
    # "Wire 2026" names the invoice by a whole word: it pays invoice 2026.
    Path("ledger/billing.beancount").write_text(INVOICE.replace("INV-7", "2026"), encoding="utf-8")
    document(
        "bank/2026-03.csv",
        "W-1,03/02/2026,ACME ROBOTICS,Wire 03/02/2026,1200.00,",
        "W-2,03/03/2026,ACME ROBOTICS,Wire 2026,1200.00,",
    )
    run(importers)
    assert written() == textwrap.dedent(
        """\
        ; bank, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "ACME ROBOTICS" "Wire 03/02/2026"
          bank_reference: "Assets:Bank:US:Operating/W-1"
          Assets:Bank:US:Operating    1200.00 USD
          Liabilities:UnappliedCash  -1200.00 USD

        2026-03-03 * "ACME ROBOTICS" "Wire 2026" ^2026
          bank_reference: "Assets:Bank:US:Operating/W-2"
          invoice: "2026"
          customer: "CUS-0042"
          Assets:Bank:US:Operating    1200.00 USD
          Assets:AccountsReceivable  -1200.00 USD
        """
    )


def test_a_receipt_naming_two_invoices_is_unapplied_cash_linked_to_both(
    here: Path, importers: list[SourceImporter]
) -> None:
    second = INVOICE.replace("INV-7", "INV-8").replace("CUS-0042", "CUS-0043")
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + second, encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,Acme,INV-7/INV-8,2400.00,")
    run(importers)
    assert '"INV-7/INV-8" ^INV-7 ^INV-8\n' in written()
    assert "Liabilities:UnappliedCash  -2400.00 USD" in written()
    assert "invoice:" not in written()


def test_beangulp_extract_names_the_invoices_of_existing_entries(
    here: Path, importers: list[SourceImporter]
) -> None:
    importer = next(item for item in importers if isinstance(item, StatementImporter))
    path = document("bank/2026-03.csv", "W-1,03/02/2026,Acme,INV-7,1200.00,")
    invoice, _, _ = loader.load_string(INVOICE)
    (entry,) = importer.extract(path, invoice)
    assert isinstance(entry, data.Transaction)
    assert entry.links == {"INV-7"}
    assert entry.postings[1].account == "Assets:AccountsReceivable"


def test_pin_two_invoices_named_and_a_receipt_naming_nothing_flagged(
    here: Path, importers: list[SourceImporter]
) -> None:
    """Pin (review rev40; passed before it): naming two invoices, and naming nothing."""
    second = INVOICE.replace("INV-7", "INV-8").replace("CUS-0042", "CUS-0043")
    second = second.replace("2026-02-20", "2026-02-21").replace("1200.00", "800.00")
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + second, encoding="utf-8")
    document(
        "bank/2026-03.csv",
        'W-1,03/02/2026,ACME ROBOTICS,"WIRE INV-7, INV-8","2,000.00",',
        'W-2,03/03/2026,Nobody Ltd,Transfer,"1,234.56",',
        "W-3,04/20/2026,Harbor Bank,Fee,-1.00,",
    )
    run(importers)
    assert '"WIRE INV-7, INV-8" ^INV-7 ^INV-8\n' in written()
    assert "Liabilities:UnappliedCash  -2000.00 USD" in written()
    assert "Liabilities:UnappliedCash  -1234.56 USD" in written()
    Path("ledger/ar.yaml").write_text(
        "tolerance: {USD: 1.00}\nunapplied_cash_age_days: 30\n", encoding="utf-8"
    )
    books = AR_BOOKS.format(folder="bank") + "2026-01-01 open Expenses:Unreconciled\n"
    Path("ledger/main.beancount").write_text(books, encoding="utf-8")
    entries, errors, _ = loader.load_file("ledger/main.beancount")
    assert errors == []
    # Step 1 (named), oldest first: 2,000.00 = 1,200.00 to INV-7 (Feb 20)
    # + 800.00 to INV-8 (Feb 21), both on Mar 2.
    applied = [
        (str(entry.date), str(entry.meta["invoice"]), str(entry.postings[-1].units))
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.meta.get("revclose_kind") == "named"
    ]
    assert applied == [
        ("2026-03-02", "INV-7", "-1200.00 USD"),
        ("2026-03-02", "INV-8", "-800.00 USD"),
    ]
    # W-2 names nothing and its payee is no customer's: it stays unapplied, and
    # is flagged Mar 3 + 30 days = Apr 2 (the books reach April through W-3).
    flagged = [
        (str(entry.date), entry.narration)
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.flag == "!"
    ]
    assert flagged == [
        (
            "2026-04-02",
            "Unapplied cash Assets:Bank:US:Operating/W-2: 1234.56 USD unapplied 30 days "
            "after receipt",
        )
    ]


# What a line or row already imported with other content is refused with.
W_1_CHANGED = (
    "documents/bank/2026-03.csv:2: bank_reference 'Assets:Bank:US:Operating/W-1' is "
    "already in the ledger at ledger/bank/2026-03.beancount:3 with different content"
)
TXN_1_CHANGED = (
    "documents/stripe/2026-03.csv:2: balance_transaction 'txn_1' is already in the "
    "ledger at ledger/stripe/2026-03.beancount:3 with different content"
)


# Re-importing a statement after the invoice it names was booked: the line is
# compared by what its row says, not by what the books add (the invoice's link,
# `invoice` and `customer`, the receivable over unapplied cash).


def test_a_statement_imported_again_after_its_invoice_is_booked_adds_nothing(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    document("bank/2026-03.csv", 'W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,"1,200.00",')
    # INV-7 is not booked yet: the 1,200.00 waits in unapplied cash, linked to nothing.
    first = run(importers)
    assert first.added == {Path("ledger/bank/2026-03.beancount"): 1}
    assert '"WIRE INV-7"\n' in written()
    assert "Liabilities:UnappliedCash  -1200.00 USD" in written()
    # The billing export then books INV-7 (1,200.00 USD, Feb 20), and the
    # unchanged statement is imported again, as `make import` does every time:
    # W-1 is already in the ledger, so nothing is added and no byte changes.
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)
    # The AR plugin applies the waiting receipt by the invoice its narration
    # names (step 1): 1,200.00 of 1,200.00 off INV-7's receivable on Mar 2.
    entries, errors = loaded_with_ar()
    assert errors == []
    assert ar_generated(entries) == [
        (
            "named",
            "Cash application INV-7 from Assets:Bank:US:Operating/W-1",
            [
                "Liabilities:UnappliedCash 1200.00 USD",
                "Assets:AccountsReceivable -1200.00 USD",
            ],
        )
    ]
    (applied,) = [entry for entry in entries if "revclose_kind" in entry.meta]
    assert applied.date == datetime.date(2026, 3, 2)


def test_a_line_changed_since_it_was_imported_is_an_error_though_its_invoice_is_booked(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1200.00,")
    run(importers)
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    # The same reference with another amount (1,100.00) is another line, not W-1.
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1100.00,")
    check_refused(importers, W_1_CHANGED)


def test_beangulp_marks_a_receipt_imported_before_its_invoice_was_booked_a_duplicate(
    here: Path, importers: list[SourceImporter]
) -> None:
    importer = next(item for item in importers if isinstance(item, StatementImporter))
    path = document("bank/2026-03.csv", "W-1,03/02/2026,Acme,WIRE INV-7,1200.00,")
    (unapplied,) = importer.extract(path, [])  # Before INV-7: unapplied cash, no link.
    invoice, _, _ = loader.load_string(INVOICE)
    (paying,) = importer.extract(path, invoice)  # After: INV-7's receivable, linked.
    assert isinstance(paying, data.Transaction) and paying.links == {"INV-7"}
    importer.deduplicate([paying], [unapplied])
    assert paying.meta[extract.DUPLICATE] is unapplied
    # Another date is another line: not marked.
    (moved,) = importer.extract(
        document("bank/2026-03.csv", "W-1,03/03/2026,Acme,WIRE INV-7,1200.00,"), invoice
    )
    importer.deduplicate([moved], [unapplied])
    assert extract.DUPLICATE not in moved.meta


def test_a_stripe_charge_imported_again_after_its_invoice_is_booked_adds_nothing(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    document(
        "stripe/2026-03.csv",
        stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", invoice_id="INV-7"),
        header=STRIPE_HEADER,
    )
    run(importers)
    # INV-7 not booked yet: 1,200.00 gross to unapplied cash, with the row's id as `receipt`.
    assert 'receipt: "txn_1"' in written("stripe")
    assert "Liabilities:UnappliedCash   -1200.00 USD" in written("stripe")
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)


# What the books chose is left out of the comparison, and nothing else: the
# receivable over the row's other account, the links, `invoice`, `customer` and
# Stripe's `receipt`. What the row says (a Stripe row's `invoice_id` cell, written
# in its narration; its reporting category, kept only as its account) is compared
# (reviews rev42, rev44).

# A second invoice beside INV-7 (1,200.00 USD, CUS-0042): INV-9, 1,200.00 USD, CUS-0044.
INV_9 = (
    INVOICE.replace("INV-7", "INV-9")
    .replace("CUS-0042", "CUS-0044")
    .replace("2026-02-20", "2026-02-21")
)


def stripe_file(*rows: str) -> None:
    document("stripe/2026-03.csv", *rows, header=STRIPE_HEADER)


def test_a_stripe_row_whose_invoice_id_changed_is_an_error(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + INV_9, encoding="utf-8")
    paying_7 = dict(invoice_id="INV-7", description="Subscription")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_7))
    run(importers)
    # txn_1 pays INV-7: its receivable credited the gross 1,200.00 (net 1,164.90
    # + fee 35.10); INV-9 stays open for its 1,200.00. The cell is in the narration.
    assert '"Subscription INV-7" ^INV-7\n' in written("stripe")
    assert 'invoice: "INV-7"' in written("stripe")
    assert "Assets:AccountsReceivable   -1200.00 USD" in written("stripe")
    # The same balance transaction now says it paid INV-9: its invoice_id cell
    # changed, so its narration is "Subscription INV-9" where the twin's is
    # "Subscription INV-7": the error naming both places, as for any other
    # changed cell.
    paying_9 = dict(invoice_id="INV-9", description="Subscription")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_9))
    check_refused(importers, TXN_1_CHANGED)


@pytest.mark.parametrize(
    ("first", "then", "gross", "account"),
    [
        # A refund of 100.00 (gross -100.00: `refunds`, Liabilities:CustomerCredits,
        # +100.00) that the report now calls a dispute (Expenses:Disputes +100.00).
        ("refund", "dispute", "-100.00", "Liabilities:CustomerCredits 100.00 USD"),
        # A dispute reversal of 100.00 back (gross +100.00: Expenses:Disputes -100.00)
        # that the report now calls a charge (unapplied cash -100.00, a customer's money).
        ("dispute_reversal", "charge", "100.00", "Expenses:Disputes -100.00 USD"),
    ],
)
def test_a_stripe_row_of_another_reporting_category_than_its_twin_is_an_error(
    here: Path, importers: list[SourceImporter], first: str, then: str, gross: str, account: str
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    stripe_file(stripe_row("txn_1", first, gross, "0.00", gross, description="Order 1234"))
    run(importers)
    assert account in [" ".join(line.split()) for line in written("stripe").splitlines()]
    # Its category (a cell of the row, not the books) chose the account; no
    # invoice is named either time, so the books chose nothing but between the
    # receivable and the category's own account: the error naming both places.
    stripe_file(stripe_row("txn_1", then, gross, "0.00", gross, description="Order 1234"))
    check_refused(importers, TXN_1_CHANGED)


def test_a_receipt_naming_a_second_invoice_booked_since_is_the_same_line(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7 INV-9,2400.00,")
    run(importers)
    # Only INV-7 is booked: the 2,400.00 credits its receivable, linked to INV-7.
    assert '"WIRE INV-7 INV-9" ^INV-7\n' in written()
    assert "Assets:AccountsReceivable  -2400.00 USD" in written()
    # INV-9 is booked since: the line names two invoices, so the books would now
    # put it in unapplied cash linked to both. Nothing the row says changed (its
    # links are the books'): skipped, no byte changes.
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + INV_9, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)


def test_a_month_file_edited_by_hand_is_compared_by_what_it_says_after_its_invoice_is_booked(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1200.00,")
    run(importers)
    # The month file respaced by hand (one space before each amount): the line
    # it holds is still W-1's, waiting in unapplied cash (-1,200.00).
    month = Path("ledger/bank/2026-03.beancount")
    respaced = month.read_text(encoding="utf-8").replace("    1200.00 USD", " 1200.00 USD")
    respaced = respaced.replace("  -1200.00 USD", " -1200.00 USD")
    assert respaced != month.read_text(encoding="utf-8")
    month.write_text(respaced, encoding="utf-8")
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    # INV-7 booked since: the same line, however it is spaced.
    check_reimports_add_nothing(importers, 1)
    # Its amount edited (1,100.00 in the ledger against 1,200.00 in the row): an error.
    month.write_text(respaced.replace("1200.00", "1100.00"), encoding="utf-8")
    check_refused(importers, W_1_CHANGED)


def test_pin_beangulp_marks_what_the_writer_skips_in_books_loaded_with_the_ar_plugin(
    here: Path, importers: list[SourceImporter]
) -> None:
    """Pin (review rev42; passed before it): `extract -e` loads the books, plugins run."""
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    path = document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1200.00,")
    run(importers)  # INV-7 not booked yet: 1,200.00 to unapplied cash.
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)  # The writer skips it.
    entries, errors = loaded_with_ar()  # As `extract -e ledger/main.beancount` loads them.
    assert errors == []
    importer = next(item for item in importers if isinstance(item, StatementImporter))
    (paying,) = importer.extract(path, entries)  # Now INV-7's receivable, linked.
    assert "Assets:AccountsReceivable  -1200.00 USD" in ledger_files.canonical(paying)
    importer.deduplicate([paying], entries)
    assert extract.DUPLICATE in paying.meta


AR_BOOKS = """\
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:US:Operating
2026-01-01 open Assets:Stripe
2026-01-01 open Expenses:PaymentProcessing
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-02-01 price EUR 1.25 USD
include "billing.beancount"
include "{folder}/*.beancount"
"""


def loaded_with_ar(folder: str = "bank") -> tuple[list[data.Directive], list[Any]]:
    """Loads the imported books with the AR plugin (tolerance 1.00 USD and EUR)."""
    Path("ledger/ar.yaml").write_text("tolerance: {USD: 1.00, EUR: 1.00}\n", encoding="utf-8")
    Path("ledger/main.beancount").write_text(AR_BOOKS.format(folder=folder), encoding="utf-8")
    entries, errors, _ = loader.load_file("ledger/main.beancount")
    return entries, errors


def ar_generated(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(kind, narration, postings squeezed) of each entry the AR plugin generated."""
    return [
        (
            str(entry.meta["revclose_kind"]),
            str(entry.narration),
            [" ".join(line.split()) for line in printer.format_entry(entry).splitlines()[-2:]],
        )
        for entry in entries
        if isinstance(entry, data.Transaction) and "revclose_kind" in entry.meta
    ]


def test_a_receipt_over_paying_its_invoice_is_the_customers_credit_once_loaded(
    here: Path, importers: list[SourceImporter]
) -> None:
    # INV-7 is 1,200.00 USD; the wire naming it brings 1,500.00: the import
    # credits the receivable with all of it, and the AR plugin moves the
    # 1,500.00 - 1,200.00 = 300.00 over paid to the customer's credit.
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1500.00,")
    run(importers)
    assert "Assets:AccountsReceivable  -1500.00 USD" in written()
    entries, errors = loaded_with_ar()
    assert errors == []
    assert ar_generated(entries) == [
        (
            "over-payment",
            "Over payment of INV-7 from Assets:Bank:US:Operating/W-1 moved to customer credit",
            ["Assets:AccountsReceivable 300.00 USD", "Liabilities:CustomerCredits -300.00 USD"],
        )
    ]


EUR_INVOICE = INVOICE.replace(" USD", " EUR").replace(
    '  invoice: "INV-7"\n', '  invoice: "INV-7"\n  stripe_invoice: "in_7"\n'
)


def test_a_stripe_charge_in_another_currency_than_its_invoice_waits_in_unapplied_cash(
    here: Path, importers: list[SourceImporter]
) -> None:
    # INV-7 is 1,200.00 EUR; a charge of 50.00 USD names it. The receivable
    # holds the invoice in EUR, so the charge goes to unapplied cash, still
    # naming INV-7, and the AR plugin converts it at the day's price:
    # 50.00 USD / 1.25 = 40.00 EUR, carried at 1.25, so no exchange difference.
    # The narration ends with the row's invoice_id, as the row says it.
    Path("ledger/billing.beancount").write_text(EUR_INVOICE, encoding="utf-8")
    document(
        "stripe/2026-03.csv",
        stripe_row("txn_1", "charge", "50.00", "0.00", "50.00", invoice_id="in_7"),
        header=STRIPE_HEADER,
    )
    run(importers)
    assert written("stripe") == textwrap.dedent(
        """\
        ; stripe, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "charge ch_1 in_7" ^INV-7
          balance_transaction: "txn_1"
          invoice: "INV-7"
          customer: "CUS-0042"
          receipt: "txn_1"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe               50.00 USD
          Liabilities:UnappliedCash  -50.00 USD
        """
    )
    entries, errors = loaded_with_ar("stripe")
    assert errors == []
    (application,) = [
        entry
        for entry in entries
        if isinstance(entry, data.Transaction) and "revclose_kind" in entry.meta
    ]
    assert application.meta["revclose_kind"] == "named"
    assert [str(posting.units) for posting in application.postings] == ["50.00 USD", "-40.00 EUR"]


def test_a_wire_in_another_currency_than_its_invoice_waits_in_unapplied_cash(
    here: Path, importers: list[SourceImporter]
) -> None:
    # The bank's 50.00 USD names INV-7 of 1,200.00 EUR: unapplied cash, naming
    # INV-7, which the AR plugin converts (50.00 USD at 1.25 is 40.00 EUR).
    Path("ledger/billing.beancount").write_text(EUR_INVOICE, encoding="utf-8")
    document("bank/2026-03.csv", "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,50.00,")
    run(importers)
    assert 'invoice: "INV-7"' in written()
    assert "Liabilities:UnappliedCash  -50.00 USD" in written()
    entries, errors = loaded_with_ar()
    assert errors == []
    assert [kind for kind, _, _ in ar_generated(entries)] == ["named"]


# A Stripe row's invoice_id is what the row says: written in its narration
# always, whether or not the books have the invoice yet (review rev44). Links
# are the books' choice, as `invoice` and the receivable are: left out of a
# re-import's comparison for bank lines and Stripe rows alike.


def test_a_stripe_charge_imported_before_its_invoice_is_applied_by_its_invoice_id_once_booked(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    paying_7 = dict(invoice_id="INV-7", description="Subscription March")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_7))
    run(importers)
    # INV-7 is not booked yet: the gross 1,200.00 (net 1,164.90 + fee 35.10) waits
    # in unapplied cash, unlinked; the description does not name INV-7, the cell
    # does, so the narration is the description followed by the cell.
    assert '2026-03-02 * "Subscription March INV-7"\n' in written("stripe")
    assert "Liabilities:UnappliedCash   -1200.00 USD" in written("stripe")
    # INV-7 (1,200.00 USD) booked since: the AR plugin applies the receipt to it by
    # the word INV-7 of its narration (it names no customer: no amount match
    # could pay it). 1,200.00 received - 1,200.00 open = 0.00 left in either.
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    entries, errors = loaded_with_ar("stripe")
    assert errors == []
    assert ar_generated(entries) == [
        (
            "named",
            "Cash application INV-7 from txn_1",
            ["Liabilities:UnappliedCash 1200.00 USD", "Assets:AccountsReceivable -1200.00 USD"],
        )
    ]
    # The re-import finds the row unchanged: skipped, no byte changes.
    check_reimports_add_nothing(importers, 1)


def test_a_stripe_row_whose_invoice_id_changed_before_its_invoice_was_booked_is_an_error(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text("", encoding="utf-8")
    paying_7 = dict(invoice_id="INV-7", description="Subscription")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_7))
    run(importers)
    # No invoice booked: 1,200.00 gross to unapplied cash, no link, no `invoice`;
    # the cell is kept in the narration alone.
    assert '2026-03-02 * "Subscription INV-7"\n' in written("stripe")
    # The cell now says INV-9 (still not booked): the books chose nothing either
    # time, and the narration "Subscription INV-9" is not the twin's
    # "Subscription INV-7": the error naming both places.
    paying_9 = dict(invoice_id="INV-9", description="Subscription")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_9))
    check_refused(importers, TXN_1_CHANGED)


def test_a_stripe_row_whose_invoice_id_changed_is_an_error_though_its_description_names_the_first(
    here: Path, importers: list[SourceImporter]
) -> None:
    # Both invoices are booked before the first import, and stay as they are.
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + INV_9, encoding="utf-8")
    paying_7 = dict(invoice_id="INV-7", description="Payment for INV-7")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_7))
    run(importers)
    # txn_1 names INV-7 alone (cell and description; the description holds the
    # cell, so the narration is the description): its receivable credited the
    # gross 1,200.00 (net 1,164.90 + fee 35.10 = 1,200.00), linked to INV-7.
    assert '"Payment for INV-7" ^INV-7\n' in written("stripe")
    assert "Assets:AccountsReceivable   -1200.00 USD" in written("stripe")
    # The report now says txn_1's invoice_id is INV-9 (the description unchanged):
    # the row names INV-7 and INV-9, and its narration is "Payment for INV-7
    # INV-9", not the twin's "Payment for INV-7": the error naming both places
    # (review rev44: it was skipped, as the twin's link {INV-7} was among
    # {INV-7, INV-9}).
    paying_9 = dict(invoice_id="INV-9", description="Payment for INV-7")
    stripe_file(stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", **paying_9))
    check_refused(importers, TXN_1_CHANGED)


def test_a_returned_payment_naming_a_second_invoice_booked_since_is_the_same_line(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document("bank/2026-03.csv", "R-1,03/05/2026,ACME ROBOTICS,RETURN INV-7 INV-9,-1200.00,")
    run(importers)
    # Only INV-7 is booked: the 1,200.00 returned is taken back from its
    # receivable (+1,200.00), linked to INV-7.
    assert '"RETURN INV-7 INV-9" ^INV-7\n' in written()
    assert "Assets:AccountsReceivable   1200.00 USD" in written()
    # INV-9 is booked since; the statement is unchanged. The books would now put
    # the return in disbursements (money out naming two invoices), unlinked. The
    # link, like the receivable, is the books' choice: the same line (skipped,
    # no byte changed). Review rev44: refused, as the twin's link {INV-7} was
    # not among the new line's links {}.
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + INV_9, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)


def test_pin_a_stripe_refund_naming_a_second_invoice_booked_since_is_the_same_row(
    here: Path, importers: list[SourceImporter]
) -> None:
    """Pin (review rev44; passed before it): Stripe's money out naming two invoices."""
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    refund = stripe_row("txn_2", "refund", "-100.00", "0.00", "-100.00", description="INV-7 INV-9")
    stripe_file(refund)
    run(importers)
    # Only INV-7 is booked: the 100.00 refunded is taken back from its receivable
    # (+100.00), linked to INV-7.
    assert '"INV-7 INV-9" ^INV-7\n' in written("stripe")
    assert "Assets:AccountsReceivable   100.00 USD" in written("stripe")
    # INV-9 booked since: `credited` puts it in refunds linked to both; the row
    # says what it said: skipped, no byte changed.
    Path("ledger/billing.beancount").write_text(INVOICE + "\n" + INV_9, encoding="utf-8")
    check_reimports_add_nothing(importers, 1)


@pytest.mark.parametrize("receipt_first", [True, False])
def test_an_invoices_currency_is_its_receivables_whatever_entry_names_it_first(
    receipt_first: bool,
) -> None:
    # INV-8 is receivable in EUR. A receipt naming it that waits in unapplied
    # cash in USD (paid early, so the books list it first), read before or
    # after the invoice, does not make USD money naming INV-8 go to the
    # receivable: it waits in unapplied cash too.
    invoice = """
2026-03-01 * "Lumen" "Invoice INV-8" ^INV-8
  invoice: "INV-8"
  Assets:AccountsReceivable   100.00 EUR
  Income:Revenue:Services    -100.00 EUR
"""
    receipt = """
2026-02-25 * "Lumen" "Wire INV-8" ^INV-8
  invoice: "INV-8"
  Assets:Bank:US:Operating     50.00 USD
  Liabilities:UnappliedCash   -50.00 USD
"""
    entries, _, _ = parser.parse_string(receipt + invoice if receipt_first else invoice + receipt)
    invoices = bank_invoices.Invoices(entries)
    receivable, unapplied = "Assets:AccountsReceivable", "Liabilities:UnappliedCash"
    named = invoices.named("WIRE INV-8")
    books = bank_invoices.choice(receivable, unapplied)
    assert bank_invoices.credited(named, books, {}, "USD")[0] == unapplied
    assert bank_invoices.credited(named, books, {}, "EUR")[0] == receivable


class _Billing(SourceImporter):
    """A stand-in billing source: its documents are ledger text, one invoice each."""

    id_key = "invoice"

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        entries, _, _ = parser.parse_file(filepath)
        return list(entries)


def test_an_invoice_imported_in_the_same_run_is_named_whatever_the_order(
    here: Path, importers: list[SourceImporter]
) -> None:
    billing = _Billing(Placement("billing", "billing/*.beancount", "billing"), "")
    Path("documents/billing").mkdir()
    # The bank file sorts before the invoice's: the bank source is still extracted last.
    document("bank/2026-01.csv", "W-1,03/02/2026,Acme,Wire INV-7,1200.00,")
    Path("documents/billing/2026-02.beancount").write_text(INVOICE, encoding="utf-8")
    run([*importers, billing])
    assert "Assets:AccountsReceivable  -1200.00 USD" in written()


def test_rules_send_fees_and_stripe_payouts_to_their_accounts(
    here: Path, importers: list[SourceImporter]
) -> None:
    document(
        "bank/2026-03.csv",
        "F-1,03/31/2026,Harbor National Bank,Monthly ACCOUNT FEE,-28.00,",
        'S-1,03/05/2026,STRIPE,STRIPE TRANSFER,"1,940.00",',
        "S-2,03/06/2026,STRIPE,STRIPE REFUND OF PAYOUT,-10.00,",
    )
    run(importers)
    text = written()
    assert "Expenses:BankFees          28.00 USD" in text
    assert "Assets:Bank:InTransit     -1940.00 USD" in text
    assert "Expenses:Unreconciled      10.00 USD" in text  # The rule is for money in only.


# OFX: amounts with a decimal comma, and a second download of the same day.


def ofx_importer() -> list[SourceImporter]:
    """The fixtures' sources (`ofx`: account 1452687~7 is Assets:Bank:US:Checking)."""
    Path("documents/ofx").mkdir()
    return sources.load(FIXTURES / "importers.yaml")


def test_an_ofx_amount_with_a_decimal_comma_is_read(here: Path) -> None:
    # OFX 1.6 and 2.x, section 3.2.9.1: "the radix point is indicated with
    # either a period or a comma"; OFX has no thousands separator.
    (ofx,) = [each for each in ofx_importer() if each.name == "ofx"]
    sample = (FIXTURES / "ofx" / "checking.ofx").read_text(encoding="ascii")
    memo = "<MEMO>DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 ANNUAL "
    memo += "PERCENTAGE YIELD EARNED IS 0.05%"
    variant = sample.replace("<TRNAMT>0.01", "<TRNAMT>1200,00").replace(memo, "<MEMO>WIRE INV-7")
    variant = variant.replace("<TRNAMT>-34.51", "<TRNAMT>-34,51")
    path = Path("documents/ofx/checking.ofx")
    path.write_text(variant, encoding="ascii")
    invoice, _, _ = loader.load_string(INVOICE.replace("2026-02-20", "2011-03-01"))
    wire, withdrawal, *_ = ofx.extract(str(path), invoice)
    # 1200,00 is 1,200.00 USD in; its memo names INV-7 (1,200.00 USD), so it
    # credits INV-7's receivable by 1,200.00. -34,51 is 34.51 out.
    assert ledger_files.canonical(wire) == textwrap.dedent(
        """\
        2011-03-31 * "DIVIDEND EARNED FOR PERIOD OF 03" "WIRE INV-7" ^INV-7
          bank_reference: "1452687~7/0000486"
          invoice: "INV-7"
          customer: "CUS-0042"
          Assets:Bank:US:Checking     1200.00 USD
          Assets:AccountsReceivable  -1200.00 USD
        """
    )
    assert isinstance(withdrawal, data.Transaction)
    assert withdrawal.postings[0].units == amount.Amount(Decimal("-34.51"), "USD")


@pytest.mark.xfail(
    strict=True,
    raises=ImportFailed,
    reason="README limitation: a second download of one day is refused, not superseding",
)
def test_a_second_ofx_download_of_the_same_day_supersedes_its_closing_balance(
    here: Path,
) -> None:
    importers = ofx_importer()
    sample = (FIXTURES / "ofx" / "checking.ofx").read_text(encoding="ascii")
    morning = sample.replace("<DTASOF>20130525225731.258", "<DTASOF>20130525080000.000")
    Path("documents/ofx/morning.ofx").write_text(morning, encoding="ascii")
    assert sum(run(importers).added.values()) == 4  # 3 lines and the balance
    new_line = (
        "\t\t\t\t\t<STMTTRN>\n\t\t\t\t\t\t<TRNTYPE>CREDIT\n"
        "\t\t\t\t\t\t<DTPOSTED>20130525140000.000\n\t\t\t\t\t\t<TRNAMT>1200.00\n"
        "\t\t\t\t\t\t<FITID>0000489\n\t\t\t\t\t\t<NAME>ACME ROBOTICS\n"
        "\t\t\t\t\t\t<MEMO>WIRE\n\t\t\t\t\t</STMTTRN>\n\t\t\t\t</BANKTRANLIST>"
    )
    # The evening download: the same three lines, one more of 1,200.00 at
    # 14:00, and the ledger balance then: 100.99 + 1,200.00 = 1,300.99.
    evening = sample.replace("\t\t\t\t</BANKTRANLIST>", new_line, 1).replace(
        "<BALAMT>100.99", "<BALAMT>1300.99", 1
    )
    Path("documents/ofx/evening.ofx").write_text(evening, encoding="ascii")
    # Wanted: 0000489 added, the day's closing balance the later 1,300.99.
    # Found: ImportFailed, "documents/ofx/evening.ofx:80: bank_reference
    # '1452687~7/2013-05-25/closing USD' is already in the ledger at
    # ledger/ofx/2013-05.beancount:3 with different content" (README).
    run(importers)
    text = written("ofx")
    assert 'bank_reference: "1452687~7/0000489"' in text
    balances = [" ".join(line.split()) for line in text.splitlines() if " balance " in line]
    assert balances == ["2013-05-26 balance Assets:Bank:US:Checking 1300.99 USD"]


# Source ids and balances.


def test_rows_without_a_reference_get_ids_from_account_date_amount_and_count(
    here: Path, importers: list[SourceImporter]
) -> None:
    config = CONFIG.replace("    id: Reference\n", "")
    Path("importers.yaml").write_text(config, encoding="utf-8")
    importers = sources.load(Path("importers.yaml"))
    document(
        "bank/2026-03.csv",
        "W-1,03/02/2026,Acme,Coffee,-4.50,",
        "W-2,03/02/2026,Acme,Coffee,-4.50,",
        "W-3,03/03/2026,Acme,Coffee,-4.50,",
    )
    run(importers)
    ids = [line.strip() for line in written().splitlines() if "bank_reference" in line]
    assert ids == [
        'bank_reference: "Assets:Bank:US:Operating/2026-03-02/-4.50 USD/1"',
        'bank_reference: "Assets:Bank:US:Operating/2026-03-02/-4.50 USD/2"',
        'bank_reference: "Assets:Bank:US:Operating/2026-03-03/-4.50 USD/1"',
    ]
    # A later export that overlaps the first adds only its new rows.
    document(
        "bank/2026-03b.csv",
        "X-1,03/03/2026,Acme,Coffee,-4.50,",
        "X-2,03/04/2026,Acme,Coffee,-4.50,",
    )
    again = run(importers)
    assert (sum(again.added.values()), again.skipped) == (1, 4)


def test_the_running_balance_of_the_last_day_becomes_an_exact_assertion(
    here: Path, importers: list[SourceImporter]
) -> None:
    document(
        "bank/2026-03.csv",
        'W-1,03/02/2026,Acme,Wire,"1,000.00","1,000.00"',
        "W-2,03/31/2026,Acme,Wire,-0.5,999.5",
        "W-3,03/31/2026,Acme,Wire,-0.50,999",
    )
    run(importers)
    april = Path("ledger/bank/2026-04.beancount").read_text(encoding="utf-8")
    assert april.endswith(
        "2026-04-01 balance Assets:Bank:US:Operating                        999.00 USD\n"
        '  bank_reference: "Assets:Bank:US:Operating/2026-03-31/closing USD"\n'
    )
    Path("ledger/main.beancount").write_text(
        "2026-01-01 open Assets:Bank:US:Operating USD\n"
        "2026-01-01 open Liabilities:UnappliedCash USD\n"
        "2026-01-01 open Expenses:Unreconciled USD\n"
        'include "bank/*.beancount"\n',
        encoding="utf-8",
    )
    _, errors, _ = loader.load_file("ledger/main.beancount")
    assert errors == []


def test_a_newest_first_export_takes_the_balance_of_its_first_row(
    here: Path, importers: list[SourceImporter]
) -> None:
    document(
        "bank/2026-03.csv",
        "W-3,03/31/2026,Acme,Wire,-1.00,998.00",
        "W-2,03/31/2026,Acme,Wire,-1.00,999.00",
        "W-1,03/02/2026,Acme,Wire,1000.00,1000.00",
    )
    run(importers)
    assert "balance Assets:Bank:US:Operating                        998.00 USD" in written()


def test_importing_five_times_in_any_order_gives_the_same_bytes(
    here: Path, importers: list[SourceImporter]
) -> None:
    files = [
        document("bank/a.csv", "W-1,03/02/2026,Acme,Wire,10.00,10.00"),
        document("bank/b.csv", "W-2,04/02/2026,Acme,Wire,-3.00,7.00"),
        document("bank/c.csv", "W-3,03/15/2026,Acme,Wire,5.00,"),
    ]
    run(importers)
    expected = tree(here / "ledger")
    for _ in range(4):
        again = run(importers)
        assert (again.added, again.skipped) == ({}, 5)
    for order in itertools.permutations(files):
        for path in Path("ledger/bank").iterdir():
            path.unlink()
        for name in order:
            run(importers, name)
        assert tree(here / "ledger") == expected, order


def test_entries_typed_by_hand_into_a_month_file_keep_their_place_by_date_and_text(
    here: Path, importers: list[SourceImporter]
) -> None:
    document("bank/2026-03.csv", "W-1,03/02/2026,Acme,Wire,10.00,")
    run(importers)
    month = Path("ledger/bank/2026-03.beancount")
    typed = [  # No id: sorted by their text among the entries of their day, before the ids.
        f'2026-03-02 * "{payee}" "Typed by hand"\n'
        "  Assets:Bank:US:Operating  1.00 USD\n"
        "  Expenses:Unreconciled  -1.00 USD\n"
        for payee in ("Zeta", "Alpha")
    ]
    month.write_text("\n".join([month.read_text(encoding="utf-8"), *typed]), encoding="utf-8")
    document("bank/2026-03b.csv", "W-2,03/01/2026,Acme,Wire,5.00,")
    assert sum(run(importers).added.values()) == 1
    text = month.read_text(encoding="utf-8")
    places = [text.index(word) for word in ("/W-2", '"Alpha"', '"Zeta"', "/W-1")]
    assert places == sorted(places)


# Layouts: debit and credit columns, signs, separators, encodings.


def layout(**fields: str) -> list[SourceImporter]:
    """Loads the config with the bank section's fields set."""
    config = CONFIG
    for key, value in fields.items():
        old = [line for line in config.splitlines() if line.startswith(f"  {key}:")][:1]
        config = config.replace(old[0] + "\n", "") if old else config
        config = config.replace("  ledger: bank\n", f"  ledger: bank\n  {key}: {value}\n")
    Path("importers.yaml").write_text(config, encoding="utf-8")
    return sources.load(Path("importers.yaml"))


def test_debit_and_credit_columns(here: Path) -> None:
    config = CONFIG.replace("    amount: Amount\n", "    debit: Out\n    credit: In\n")
    Path("importers.yaml").write_text(config, encoding="utf-8")
    importers = sources.load(Path("importers.yaml"))
    header = "Reference,Date,Counterparty,Description,Out,In,Balance"
    document(
        "bank/a.csv",
        "W-1,03/02/2026,Acme,Wire,,10.00,",
        "W-2,03/03/2026,Acme,X,4.00,,",
        header=header,
    )
    run(importers)
    assert "Assets:Bank:US:Operating    10.00 USD" in written()
    assert "Assets:Bank:US:Operating  -4.00 USD" in written()


def test_european_separators_latin1_and_debits_positive(here: Path) -> None:
    importers = layout(
        decimal='","', thousands='"."', encoding="latin-1", sign="debits-positive",
        delimiter='";"', date_format='"%d.%m.%Y"',
    )  # fmt: skip
    path = Path("documents/bank/a.csv")
    rows = [HEADER.replace(",", ";"), "W-1;02.03.2026;Société Générale;Frais;1.234,50;"]
    path.write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    run(importers)
    assert '"Société Générale" "Frais"' in written()
    assert "Assets:Bank:US:Operating  -1234.50 USD" in written()


def test_a_utf8_byte_order_mark_and_crlf_lines_import_as_a_plain_file(
    here: Path, importers: list[SourceImporter]
) -> None:
    rows = [HEADER, "W-1,03/02/2026,Acme,Wire,10.00,10.00"]
    Path("documents/bank/a.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run(importers)
    plain = tree(here / "ledger")
    for path in Path("ledger/bank").iterdir():
        path.unlink()
    Path("documents/bank/a.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")
    run(importers)
    assert tree(here / "ledger") == plain


# Stripe's balance change report.


def stripe_row(txn: str, category: str, gross: str, fee: str, net: str, **cells: str) -> str:
    values = {
        "balance_transaction_id": txn,
        "created_utc": "2026-03-02 23:59:59",
        "reporting_category": category,
        "currency": "usd",
        "gross": gross,
        "fee": fee,
        "net": net,
        "description": "",
        "source_id": "ch_1",
        "invoice_id": "",
        "customer_id": "cus_1",
        **cells,
    }
    return ",".join(values[column] for column in STRIPE_HEADER.split(","))


def test_stripe_charges_fees_refunds_and_payouts(
    here: Path, importers: list[SourceImporter]
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document(
        "stripe/2026-03.csv",
        stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", invoice_id="INV-7"),
        stripe_row("txn_2", "charge", "10.00", "0.59", "9.41", invoice_id="in_unknown"),
        stripe_row("txn_3", "refund", "-10.00", "0.00", "-10.00", source_id="re_1"),
        stripe_row("txn_4", "payout", "-1164.31", "0.00", "-1164.31", source_id="po_1"),
        stripe_row("txn_5", "dispute", "-1200.00", "15.00", "-1215.00", invoice_id="INV-7"),
        header=STRIPE_HEADER,
    )
    run(importers)
    # A row without a description is narrated by its category and source, then its
    # invoice_id (whether the books have that invoice or not: txn_2's in_unknown).
    # Cash posted to the receivable (txn_1 paid, txn_5 disputed) carries its row's id
    # as `receipt`, as a bank line its `bank_reference`: the AR plugin's receipt id.
    assert written("stripe") == textwrap.dedent(
        """\
        ; stripe, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "charge ch_1 INV-7" ^INV-7
          balance_transaction: "txn_1"
          invoice: "INV-7"
          customer: "CUS-0042"
          receipt: "txn_1"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe                1164.90 USD
          Expenses:PaymentProcessing     35.10 USD
          Assets:AccountsReceivable   -1200.00 USD

        2026-03-02 * "charge ch_1 in_unknown"
          balance_transaction: "txn_2"
          receipt: "txn_2"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe                 9.41 USD
          Expenses:PaymentProcessing    0.59 USD
          Liabilities:UnappliedCash   -10.00 USD

        2026-03-02 * "refund re_1"
          balance_transaction: "txn_3"
          stripe_source: "re_1"
          stripe_customer: "cus_1"
          Assets:Stripe                -10.00 USD
          Liabilities:CustomerCredits   10.00 USD

        2026-03-02 * "payout po_1"
          balance_transaction: "txn_4"
          stripe_source: "po_1"
          stripe_customer: "cus_1"
          Assets:Stripe          -1164.31 USD
          Assets:Bank:InTransit   1164.31 USD

        2026-03-02 * "dispute ch_1 INV-7" ^INV-7
          balance_transaction: "txn_5"
          invoice: "INV-7"
          customer: "CUS-0042"
          receipt: "txn_5"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe               -1215.00 USD
          Expenses:PaymentProcessing     15.00 USD
          Assets:AccountsReceivable    1200.00 USD
        """
    )


def test_a_stripe_charge_names_its_invoice_by_stripes_own_id(
    here: Path, importers: list[SourceImporter]
) -> None:
    # The billing importer books a Stripe invoice under its number, with Stripe's id beside it.
    invoice = INVOICE.replace(
        '  invoice: "INV-7"\n', '  invoice: "INV-7"\n  stripe_invoice: "in_7"\n'
    )
    Path("ledger/billing.beancount").write_text(invoice, encoding="utf-8")
    document(
        "stripe/2026-03.csv",
        stripe_row("txn_1", "charge", "1200.00", "35.10", "1164.90", invoice_id="in_7"),
        stripe_row("txn_2", "refund", "-100.00", "0.00", "-100.00", invoice_id="IN_7"),
        header=STRIPE_HEADER,
    )
    run(importers)
    assert written("stripe") == textwrap.dedent(
        """\
        ; stripe, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "charge ch_1 in_7" ^INV-7
          balance_transaction: "txn_1"
          invoice: "INV-7"
          customer: "CUS-0042"
          receipt: "txn_1"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe                1164.90 USD
          Expenses:PaymentProcessing     35.10 USD
          Assets:AccountsReceivable   -1200.00 USD

        2026-03-02 * "refund ch_1 IN_7" ^INV-7
          balance_transaction: "txn_2"
          invoice: "INV-7"
          customer: "CUS-0042"
          receipt: "txn_2"
          stripe_source: "ch_1"
          stripe_customer: "cus_1"
          Assets:Stripe              -100.00 USD
          Assets:AccountsReceivable   100.00 USD
        """
    )


def test_the_ledger_writer_indexes_invoices_for_the_bank_sources(here: Path) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    (entry,) = ledger_files.entries_with(Path("ledger"), ["invoice"])
    assert entry.meta["invoice"] == "INV-7"


def test_a_bank_csv_config_names_its_amount_columns_and_currency(here: Path) -> None:
    config = CONFIG.replace("  currency: USD\n", "").replace(
        "    amount: Amount\n", "    amount: Amount\n    debit: Out\n"
    )
    Path("importers.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    assert str(failed.value).splitlines() == [
        "importers.yaml:1: Missing field 'bank.currency'; expected a currency code like 'USD', "
        "or a 'currency' column",
        "importers.yaml:8: Field 'bank.columns' expected an 'amount' column, or 'debit' and "
        "'credit' columns",
    ]


# The ledger writer's fast printing agrees with Beancount's printer.

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_NUMBERS: st.SearchStrategy[Decimal] = st.decimals(
    allow_nan=False, allow_infinity=False, places=None
).filter(
    lambda number: abs(number.as_tuple().exponent) < 30  # type: ignore[arg-type]
)
_ACCOUNTS = st.sampled_from(["Assets:Bank:US:Operating", "Liabilities:UnappliedCash", "Income:X"])
_VALUES = st.one_of(_TEXT, _NUMBERS, st.dates(), st.booleans())
_META = st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), _VALUES, max_size=3)


@st.composite
def _transactions(draw: st.DrawFn) -> data.Transaction:
    postings = [
        data.Posting(
            draw(_ACCOUNTS),
            amount.Amount(draw(_NUMBERS), draw(st.sampled_from(["USD", "EUR", "JPY", "A1"]))),
            None,
            None,
            None,
            draw(st.none() | _META),
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    return data.Transaction(
        {"filename": "f", "lineno": 1, **draw(_META)},
        draw(st.dates()),
        draw(st.sampled_from(["*", "!"])),
        draw(st.none() | _TEXT),
        draw(_TEXT),
        frozenset(draw(st.sets(st.from_regex(r"[a-z]{1,5}", fullmatch=True), max_size=2))),
        frozenset(draw(st.sets(st.from_regex(r"[A-Z0-9-]{1,5}", fullmatch=True), max_size=2))),
        postings,
    )


@settings(max_examples=300, deadline=None)
@given(entry=_transactions())
def test_fast_printing_is_beancounts_printing(entry: data.Transaction) -> None:
    assert ledger_files.canonical(entry) == printer.format_entry(entry)


_BOOKS = bank_invoices.choice("Assets:AccountsReceivable", "Liabilities:UnappliedCash")


@settings(max_examples=300, deadline=None)
@given(entry=_transactions())
def test_a_line_differing_from_its_twin_in_what_the_books_chose_alone_is_the_same_row(
    entry: data.Transaction,
) -> None:
    assume(not {"invoice", "customer"} & entry.meta.keys())
    # The books chose INV-7 since: the receivable over unapplied cash, the link,
    # `invoice` and `customer`. The twin is the line as first imported.
    otherwise, receivable = _BOOKS.otherwise, _BOOKS.receivable
    booked = entry._replace(
        meta={**entry.meta, "invoice": "INV-7", "customer": "CUS-1"},
        links=entry.links | {"INV-7"},
        postings=[
            posting._replace(account=receivable) if posting.account == otherwise else posting
            for posting in entry.postings
        ],
    )
    text = ledger_files.canonical(booked)
    assert ledger_text.same_row(text, ledger_files.canonical(entry), _BOOKS)
    assert ledger_text.same_row(text, printer.format_entry(entry), _BOOKS)
    # What the row says differs: another narration (where a row names its invoices).
    changed = entry._replace(narration=(entry.narration or "") + "x")
    assert not ledger_text.same_row(text, ledger_files.canonical(changed), _BOOKS)
    # A twin linked to another invoice: links are the books' (review rev44), so the
    # same row (a returned payment linked to INV-7, now naming INV-7 and INV-9 booked).
    other = entry._replace(links=entry.links | {"INV-9"})
    assert ledger_text.same_row(text, ledger_files.canonical(other), _BOOKS)
    # Without a choice recorded (a rule claimed the line), all is compared.
    assert not ledger_text.same_row(text, ledger_files.canonical(entry), None)


_PLAIN_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'),
    max_size=12,
)


@st.composite
def _pairs(
    draw: st.DrawFn,
    texts: st.SearchStrategy[str] = _PLAIN_TEXT,
    values: st.SearchStrategy[object] = _PLAIN_TEXT,
) -> data.Transaction:
    """Transactions of the shape a bank line makes: two plain postings, metadata of `values`.

    Texts without a quote or a backslash by default, as the ledger index reads them.
    """
    currency = draw(st.sampled_from(["USD", "EUR", "JPY", "A1"]))
    number = draw(
        st.decimals(allow_nan=False, allow_infinity=False, places=draw(st.integers(0, 3)))
    )
    accounts = draw(st.lists(_ACCOUNTS, min_size=2, max_size=2))
    postings = [
        data.Posting(account, amount.Amount(units, currency), None, None, None, None)
        for account, units in zip(accounts, (number, -number), strict=True)
    ]
    keys = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
    return data.Transaction(
        {"filename": "f", "lineno": 1, **draw(st.dictionaries(keys, values, max_size=3))},
        draw(st.dates()),
        draw(st.sampled_from(["*", "!"])),
        draw(st.none() | texts),
        draw(texts),
        frozenset(),
        frozenset(draw(st.sets(st.from_regex(r"[A-Z0-9-]{1,5}", fullmatch=True), max_size=2))),
        postings,
    )


@settings(max_examples=300, deadline=None)
@given(entry=_pairs(_TEXT, _VALUES))
def test_fast_printing_of_two_postings_is_beancounts_printing(entry: data.Transaction) -> None:
    assert ledger_text._pair(entry) == printer.format_entry(entry)


@settings(max_examples=200, deadline=None)
@given(entry=_pairs(_TEXT, _TEXT), line=st.integers(1, 10**6))
def test_a_line_made_as_text_reads_back_as_the_entry_it_prints(
    entry: data.Transaction, line: int
) -> None:
    assume(all(len(key) > 1 for key in entry.meta))  # Beancount's keys have two letters or more.
    # Beancount's parser reads numbers of at most 28 digits exactly.
    numbers = [posting.units.number for posting in entry.postings if posting.units]
    assume(all(number is not None and len(number.as_tuple().digits) < 28 for number in numbers))
    text = ledger_text.printed(entry)
    made = ledger_text.Printed(entry.date, "id-1", text, "bank.csv", line)
    (read,) = ledger_text.entries([made])
    assert ledger_text.printed(made) == text == printer.format_entry(read)
    assert (read.meta["filename"], read.meta["lineno"]) == ("bank.csv", line)
    assert isinstance(read, data.Transaction)
    assert read.postings == [posting._replace(meta=None) for posting in read.postings]


# The fast paths of reading a line agree with the plain rules they stand for.

_IDS = ["INV-1", "INV-12", "inv-2/3", "CN.7", "X_9"]


def _booked(ids: list[str]) -> list[data.Directive]:
    """An entry with `invoice` metadata for each id: the invoices of the books."""
    return [
        data.Transaction(
            {"filename": "f", "lineno": 1, "invoice": invoice_id},
            datetime.date(2026, 1, 1),
            "*",
            None,
            "",
            frozenset(),
            frozenset(),
            [],
        )
        for invoice_id in ids
    ]


_BOOKED_INVOICES = _booked(_IDS)


_WORDS = st.lists(
    st.sampled_from([*_IDS, "wire", "inv", "(INV-1)", "INV-1.", "x/INV-12", "-CN.7-", "  "])
    | st.text(alphabet="INVinv-_/.0123 \t\u00a0", max_size=8),
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(words=_WORDS)
def test_the_invoices_a_text_names_are_those_its_words_name_in_order(words: list[str]) -> None:
    invoices = bank_invoices.Invoices(_BOOKED_INVOICES)
    folded = " ".join(words).casefold()
    assert invoices.named(folded) == invoices._in_order(folded)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_WORDS.map(" ".join), max_size=6))
def test_the_invoices_texts_name_together_are_those_each_names(texts: list[str]) -> None:
    invoices = bank_invoices.Invoices(_BOOKED_INVOICES)
    found = invoices.named_in_each(texts)
    assert list(map(list, found)) == list(map(invoices.named, texts))


# The import and the AR plugin read which invoices a text names by one rule
# (`plugins.invoice_words`): ids that differ only in case, an id of digits
# alone, ids holding `.` or `/`, and one whose folded spelling is ASCII
# though it is not ("Straße-1" folds to "strasse-1").
_RULE_IDS = ["INV-1", "inv-1", "INV-10", "2026", "CN.7", "inv-2/3", "X_9", "Straße-1", "in_Ab"]
_SPELLINGS: list[Callable[[str], str]] = [str, str.upper, str.lower, str.swapcase, str.title]
_PIECES = st.lists(
    st.tuples(st.sampled_from(_RULE_IDS), st.sampled_from(_SPELLINGS)).map(
        lambda drawn: drawn[1](drawn[0])
    )
    | st.from_regex(r"[0-9]{1,4}", fullmatch=True)
    | st.sampled_from([" ", "/", ".", "-", "_", "(", ")", ":", "\t", "\u00a0", "ß", "wire", "inv"]),
    max_size=8,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(texts=st.lists(_PIECES, min_size=1, max_size=6))
def test_the_import_and_the_ar_plugin_name_the_same_invoices_in_a_text(texts: list[str]) -> None:
    invoices = bank_invoices.Invoices(_booked(_RULE_IDS))
    rule = invoice_words.InvoiceIds(_RULE_IDS)
    for text in texts:
        # Each id once, in the order first named: the import's reading.
        assert [invoice.id for invoice in invoices.named(text)] == list(
            dict.fromkeys(rule.named(text))
        )
    found = invoices.named_in_each(texts)
    assert [{invoice.id for invoice in each} for each in found] == [
        set(rule.named(text)) for text in texts
    ]


# Other ids (`stripe_invoice`) as both homes read them: `invoice_words.other_ids`
# picks an invoice for each, whatever the order of the entries (review rev49).
_OTHER_IDS = ["in_x", "IN_X", "inv-1", "in_Ab", "INV-10", "in_y"]


@settings(max_examples=500, deadline=None)
@given(
    others=st.lists(
        st.none() | st.sampled_from(_OTHER_IDS), min_size=len(_RULE_IDS), max_size=len(_RULE_IDS)
    ),
    days=st.lists(st.integers(1, 3), min_size=len(_RULE_IDS), max_size=len(_RULE_IDS)),
    order=st.permutations(range(len(_RULE_IDS))),
    texts=st.lists(
        st.lists(st.sampled_from(_OTHER_IDS) | _PIECES, max_size=4).map(" ".join), max_size=4
    ),
)
def test_the_import_and_the_ar_plugin_read_other_ids_alike(
    others: list[str | None], days: list[int], order: list[int], texts: list[str]
) -> None:
    dated = [datetime.date(2026, 1, day) for day in days]
    entries = [
        entry._replace(
            meta=entry.meta | ({} if other is None else {"stripe_invoice": other}), date=day
        )
        for entry, other, day in zip(_booked(_RULE_IDS), others, dated, strict=True)
    ]
    invoices = bank_invoices.Invoices([entries[at] for at in order], aliases=("stripe_invoice",))
    carried = [
        (other, name, day)
        for name, other, day in zip(_RULE_IDS, others, dated, strict=True)
        if other is not None
    ]
    rule = invoice_words.InvoiceIds(_RULE_IDS, invoice_words.other_ids(carried))
    for text in texts:
        assert [invoice.id for invoice in invoices.named(text)] == list(
            dict.fromkeys(rule.named(text))
        )


@given(text=st.text(max_size=20))
def test_cleaning_a_text_makes_its_runs_of_whitespace_single_spaces(text: str) -> None:
    assert bank_entries.clean(text) == " ".join(text.split())


@given(texts=st.lists(st.none() | st.text(max_size=8), max_size=6))
def test_cleaning_texts_together_cleans_each(texts: list[str | None]) -> None:
    assert bank_entries.cleaned(texts) == list(map(bank_entries.clean, texts))


# Bank lines are built and printed a few thousand at a time, as columns.


@st.composite
def _pair_columns(draw: st.DrawFn) -> tuple[list[str], list[data.Transaction]]:
    """Transactions of a bank line's shape, and the one order their metadata keys come in."""
    keys = draw(st.lists(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), unique=True))
    entries = []
    for entry in draw(st.lists(_pairs(_TEXT, _VALUES), max_size=5)):
        present = {key: draw(_VALUES) for key in keys if draw(st.booleans())}
        entries.append(entry._replace(meta={"filename": "f", "lineno": 1, **present}))
    return keys, entries


@settings(max_examples=300, deadline=None)
@given(drawn=_pair_columns())
def test_printing_bank_lines_as_columns_is_beancounts_printing(
    drawn: tuple[list[str], list[data.Transaction]],
) -> None:
    keys, entries = drawn
    accounts = [[entry.postings[at].account for entry in entries] for at in (0, 1)]
    units = [[cast(amount.Amount, entry.postings[at].units) for entry in entries] for at in (0, 1)]
    numbers = [[cast(Decimal, unit.number) for unit in column] for column in units]
    texts = ledger_text.pairs(
        [entry.date for entry in entries],
        [entry.flag for entry in entries],
        [entry.payee for entry in entries],
        [entry.narration or "" for entry in entries],
        [entry.links for entry in entries],
        {key: [entry.meta.get(key) for entry in entries] for key in keys},
        accounts[0],
        numbers[0],
        accounts[1],
        numbers[1],
        [unit.currency for unit in units[0]],
    )
    assert texts == list(map(printer.format_entry, entries))


CHUNKED = (
    "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1200.00,",
    ",03/02/2026,Acme,Coffee  shop,-4.50,",
    ',03/02/2026,"Acme ""East""",Coffee,-4.50,',
    "W-4,03/03/2026,Bank,MONTHLY ACCOUNT FEE,-28.00,",
    "W-5,03/03/2026,,Transfer,25.00,",
    ",03/02/2026,Acme,Coffee,-4.50,",
    "W-7,03/04/2026,Lumen,Payment for INV-7 and INV-8,50.00,1221.50",
    "W-8,3/4/2026,Acme,Refund,(5.00),",  # Read cell by cell: no plain date or amount.
    "W-9,03/04/2026,Acme,Wire,7.00,1223.50",
)


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_lines_built_a_few_at_a_time_are_the_lines_built_all_at_once(
    here: Path, importers: list[SourceImporter], monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    Path("ledger/billing.beancount").write_text(INVOICE, encoding="utf-8")
    document("bank/2026-03.csv", *CHUNKED)
    run(importers)
    at_once = tree(here / "ledger")
    # Counted ids (the two Coffee lines of 03/02), invoices, rules and the closing balance.
    assert "Operating/2026-03-02/-4.50 USD/2" in written()
    assert '"WIRE INV-7" ^INV-7\n' in written()
    assert "Expenses:BankFees" in written()
    assert "1223.50 USD" in written()
    assert "Operating/W-8" in written()
    monkeypatch.setattr(bank_entries, "LINES_AT_ONCE", size)
    for path in Path("ledger/bank").iterdir():
        path.unlink()
    run(importers)
    assert tree(here / "ledger") == at_once


@pytest.mark.parametrize("size", [1, 2, 4096])
def test_bad_lines_are_named_in_file_order_however_many_are_built_at_once(
    here: Path, importers: list[SourceImporter], monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(bank_entries, "LINES_AT_ONCE", size)
    path = document(
        "bank/2026-03.csv",
        "W-1,03/02/2026,Acme,Wire,1.00,",
        "W-2,03/02/2026,Acme,Wire,1.005,",
        "W-3,03/02/2026,Acme,Wire,1.00,",
        "W-4,03/02/2026,Acme,Wire,2.001,",
    )
    message = failure(importers)
    first = f"{path}:3: Amount '1.005 USD' has more decimals than USD allows (2)"
    assert message.splitlines()[0] == first
    # A CSV is read no further than its first problem; the lines read are all checked.
    later = f"{path}:5: Amount '2.001 USD'"
    assert (later in message) == (size > 2)
    assert not Path("ledger/bank").exists()
