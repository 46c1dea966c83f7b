"""Stripe's balance report through the AR plugin: charges, refunds and disputes as receipts.

Review rev45 followed a Stripe-billed company's month: the itemized balance
change report imported by `importers.stripe_balance` (charges, fees,
refunds, disputes, payouts through `Assets:Stripe`), the payout cleared by
the bank statement's STRIPE rule, `plugins.ar_reconciliation` applying the
cash, and the receivables reports (`revclose ar ... open|unapplied|credits|
statement`) on the result. Each test imports real files with the configured
importers (as `python import.py import` does) into a folder of its own, then
loads the books with the AR plugin as bean-check does.

The invoices are booked as the billing importer books a Stripe invoice:
under its number (`INV-1`), with Stripe's own id beside it
(`stripe_invoice: "in_1"`), which is what the report's `invoice_id` names.
Tests named `test_pin_...` passed before the review's fixes.
"""

from __future__ import annotations

import datetime
import importlib.util
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from click.testing import CliRunner

from importers import sources
from importers.source import SourceImporter
from reports import books as books_module
from reports import receivables
from tests.conftest import currency, number
from tests.importing import check_refused, check_reimports_add_nothing, failure, run, tree

D = Decimal

CONFIG = """\
bank:
  importer: bank_csv
  documents: bank/*.csv
  ledger: bank
  account: Assets:Bank:US:Operating
  currency: USD
  date_format: "%m/%d/%Y"
  columns: {id: Reference, date: Date, payee: Counterparty, narration: Description,
            amount: Amount, balance: Balance}
  accounts: {disbursements: Expenses:Unreconciled}
  rules:
    - {contains: STRIPE, direction: in, account: Assets:Bank:InTransit}
stripe:
  importer: stripe_balance
  documents: stripe/*.csv
  ledger: stripe
  columns: {id: balance_transaction_id, date: created_utc, category: reporting_category,
            currency: currency, gross: gross, fee: fee, net: net, description: description,
            source: source_id, invoice: invoice_id, customer: customer_id,
            customer_name: customer_name, charge: charge_id}
  accounts:
    clearing: Assets:Stripe
    fees: Expenses:PaymentProcessing
    payouts: Assets:Bank:InTransit
    refunds: Liabilities:CustomerCredits
    disputes: Expenses:Disputes
"""
MAIN = """\
option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:US:Operating
2026-01-01 open Assets:Bank:InTransit
2026-01-01 open Assets:Stripe
2026-01-01 open Expenses:PaymentProcessing
2026-01-01 open Expenses:Disputes
2026-01-01 open Expenses:Unreconciled
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Liabilities:CustomerCredits
include "billing.beancount"
include "stripe/*.beancount"
"""
AR_POLICY = "tolerance: {USD: 1.00, EUR: 1.00}\n"

HEADER = (
    "balance_transaction_id,created_utc,reporting_category,currency,gross,fee,net,"
    "description,source_id,invoice_id,customer_id,customer_name,charge_id"
)
BANK_HEADER = "Reference,Date,Counterparty,Description,Amount,Balance"


def invoice(
    number: int,
    day: str,
    total: str,
    customer: str = "CUS-1",
    payee: str = "Acme",
    money: str = "USD",
) -> str:
    """An invoice as the billing importer books one from Stripe, due 30 days after `day`."""
    due = datetime.date.fromisoformat(day) + datetime.timedelta(days=30)
    return (
        f'{day} * "{payee}" "Invoice INV-{number}" ^INV-{number}\n'
        f'  invoice: "INV-{number}"\n'
        f'  stripe_invoice: "in_{number}"\n'
        f'  customer: "{customer}"\n'
        f"  due: {due.isoformat()}\n"
        f"  Assets:AccountsReceivable   {total} {money}\n"
        f"  Income:Revenue:Services    -{total} {money}\n\n"
    )


def row(txn: str, day: str, category: str, gross: str, fee: str, net: str, **cells: str) -> str:
    """A row of the itemized balance change report (amounts in major units, as Stripe's)."""
    values = {
        "balance_transaction_id": txn,
        "created_utc": f"{day} 10:00:00",
        "reporting_category": category,
        "currency": "usd",
        "gross": gross,
        "fee": fee,
        "net": net,
        "description": "Subscription",
        "source_id": "ch_" + txn,
        "invoice_id": "",
        "customer_id": "cus_A",
        "customer_name": "Acme",
        "charge_id": "",
        **cells,
    }
    return ",".join(values[column] for column in HEADER.split(","))


def report(name: str, *rows: str) -> None:
    """Writes documents/stripe/<name>.csv."""
    Path("documents/stripe", name + ".csv").write_text(
        "".join(line + "\n" for line in (HEADER, *rows)), encoding="utf-8"
    )


def book(*invoices: str) -> None:
    """Books the invoices (the billing importer's file), replacing what was there."""
    Path("ledger/billing.beancount").write_text("".join(invoices), encoding="utf-8")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company folder: documents/, ledger/ with the books' main file, made current."""
    for folder in ("documents/stripe", "documents/bank", "ledger"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "ledger/main.beancount").write_text(MAIN, encoding="utf-8")
    (tmp_path / "ledger/ar.yaml").write_text(AR_POLICY, encoding="utf-8")
    (tmp_path / "ledger/billing.beancount").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def importers(here: Path) -> list[SourceImporter]:
    """The configured importers (Stripe's `customer_name` is the payee)."""
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    return sources.load(Path("importers.yaml"))


def imported(importers: list[SourceImporter]) -> books_module.Books:
    """Runs the import, then loads the books as bean-check does: with no error."""
    run(importers)
    books = loaded()
    assert [error.message for error in books.errors] == []
    return books


def loaded() -> books_module.Books:
    """The books as bean-check and `revclose ar` load them."""
    return books_module.load("ledger/main.beancount")


def rows_of(
    books: books_module.Books, name: str, as_of: str, **options: Any
) -> list[dict[str, Any]]:
    """The rows of a `revclose ar` report, each as {column: value}."""
    table = receivables.report(books, name, datetime.date.fromisoformat(as_of), **options)
    return [dict(zip(table.columns, line, strict=True)) for line in table.rows]


def opened(books: books_module.Books, as_of: str) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """The open listing: invoice -> (paid, credited, open)."""
    return {
        line["invoice"]: (line["paid"], line["credited"], line["open"])
        for line in rows_of(books, "open", as_of)
    }


def unapplied(books: books_module.Books, as_of: str) -> dict[str, tuple[str, Decimal]]:
    """The unapplied cash listing: receipt -> (customer, unapplied)."""
    return {
        line["receipt"]: (line["customer"], line["unapplied"])
        for line in rows_of(books, "unapplied", as_of)
        if line["receipt"] != "Total"
    }


def balances(books: books_module.Books) -> dict[tuple[str, str], Decimal]:
    """Every account's balance at the end of the books, by currency."""
    found: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in books.entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                found[(posting.account, currency(posting))] += number(posting)
    return dict(found)


def generated(books: books_module.Books) -> list[tuple[str, list[str]]]:
    """(kind, sorted postings) of each entry the AR plugin generated."""
    return [
        (
            str(entry.meta["revclose_kind"]),
            sorted(f"{posting.account} {posting.units}" for posting in entry.postings),
        )
        for entry in books.entries
        if isinstance(entry, data.Transaction) and "revclose_kind" in entry.meta
    ]


# A charge posted straight to the receivable is not a receipt to the AR plugin.
#
# When the report's invoice_id names a booked invoice, the importer credits the
# receivable with the gross and writes `balance_transaction` but no `receipt`
# (only a charge sent to unapplied cash gets one). The plugin knows a receipt
# posted straight to the receivable by `receipt` or `bank_reference`
# (README "Receipts posted straight to the receivable"), so a Stripe charge
# there is a typed adjustment: its over payment is an error, its short payment
# is never written off, and the reports call it a credit, not a payment. A
# bank wire naming the invoice, the same money by the other road, is all three.
# Now every charge and payment carries its row's id as `receipt`, wherever the
# books post it, and so does a refund or dispute posted to the receivable (cash
# refunded, as a bank line's `bank_reference`).


def test_a_stripe_charge_over_paying_its_invoice_is_the_customers_credit(
    importers: list[SourceImporter],
) -> None:
    book(invoice(2, "2026-03-01", "1200.00", customer="CUS-2", payee="Beta"))
    # Beta pays 1,500.00 by card for INV-2 of 1,200.00; Stripe keeps 43.80
    # (2.9% of 1,500.00 = 43.50, + 0.30), so net = 1,500.00 - 43.80 = 1,456.20.
    beta = dict(invoice_id="in_2", customer_id="cus_B", customer_name="Beta")
    report("2026-03", row("txn_2", "2026-03-05", "charge", "1500.00", "43.80", "1456.20", **beta))
    run(importers)
    books = loaded()
    # Expected, as for a bank wire of 1,500.00 naming INV-2 (README, bank rule 2:
    # "what it pays beyond the invoice's total becomes the customer's credit"):
    # no error, and 1,500.00 - 1,200.00 = 300.00 moved to Beta's credit.
    # Found: bean-check's error "Invoice 'INV-2' is paid 300.00 USD more than its
    # total 1200.00 USD; expected at most the tolerance 1.00 USD", no credit.
    assert [error.message for error in books.errors] == []
    assert generated(books) == [
        (
            "over-payment",
            ["Assets:AccountsReceivable 300.00 USD", "Liabilities:CustomerCredits -300.00 USD"],
        )
    ]
    credits = rows_of(books, "credits", "2026-03-31")
    assert [
        (line["customer"], line["credit"]) for line in credits if line["customer"] != "Total"
    ] == [("CUS-2", D("300.00"))]


def test_a_stripe_charge_short_of_its_invoice_within_tolerance_is_written_off(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "1000.00"))
    # 999.50 charged for INV-1 of 1,000.00: fee 29.29, net 999.50 - 29.29 = 970.21.
    report(
        "2026-03",
        row("txn_1", "2026-03-05", "charge", "999.50", "29.29", "970.21", invoice_id="in_1"),
    )
    books = imported(importers)
    # Expected: 1,000.00 - 999.50 = 0.50 short, within the 1.00 tolerance, written
    # off on the charge's day (README: 600.00 + 399.96 for 1,000.00 writes off
    # 0.04), so INV-1 is settled and not on the open listing.
    # Found: no entry generated; INV-1 open for 0.50 (paid 0.00, credited 999.50).
    assert generated(books) == [
        (
            "payment-difference",
            ["Assets:AccountsReceivable -0.50 USD", "Expenses:PaymentDifferences 0.50 USD"],
        )
    ]
    assert opened(books, "2026-03-31") == {}


def test_a_stripe_charge_and_its_partial_refund_are_paid_on_the_open_listing_and_statement(
    importers: list[SourceImporter],
) -> None:
    book(invoice(3, "2026-03-01", "800.00", customer="CUS-3", payee="Cobalt"))
    cobalt = dict(invoice_id="in_3", customer_id="cus_C", customer_name="Cobalt")
    report(
        "2026-03",
        # 400.00 of INV-3 paid by card (fee 11.90: net 400.00 - 11.90 = 388.10) ...
        row("txn_3", "2026-03-05", "charge", "400.00", "11.90", "388.10", **cobalt),
        # ... and 100.00 of it refunded (no fee: net -100.00).
        row("txn_4", "2026-03-20", "refund", "-100.00", "0.00", "-100.00", **cobalt),
    )
    books = imported(importers)
    # Expected (README, open listing: `paid` is "a receipt posted straight to it
    # by the bank import, a refund ... the bank import posts to it (negative)"):
    # paid 400.00 - 100.00 = 300.00, credited 0.00 (no credit note, no write-off),
    # open 800.00 - 300.00 - 0.00 = 500.00.
    # Found: paid 0.00, credited 300.00 (400.00 - 100.00): cash shown as a credit.
    assert opened(books, "2026-03-31") == {"INV-3": (D("300.00"), D("0.00"), D("500.00"))}
    # The customer's statement: the charge is a payment under its id (Stripe's
    # balance transaction), the refund a refund; found: both "adjustment" of INV-3.
    lines = rows_of(books, "statement", "2026-03-31", customer="CUS-3")
    assert [(line["type"], line["document"]) for line in lines if line["type"]] == [
        ("invoice", "INV-3"),
        ("payment", "txn_3"),
        ("refund", "txn_4"),
    ]


# A refund or dispute of a charge that waits in unapplied cash.
#
# A charge naming no invoice (a top-up, or an invoice not booked yet) is
# unapplied cash with `receipt: "txn_9"`. Its refund or dispute names no
# invoice either, so the importer books it to the `refunds` account
# (Liabilities:CustomerCredits here, as in config/importers.yaml) or the
# `disputes` account (Expenses:Disputes), and the charge's cash stays
# unapplied: the customer's money is counted both as still held and as paid
# back (or lost). Now a refund or dispute whose `charge_id` is a charge in
# unapplied cash (booked with `stripe_source: "ch_…"` and `receipt`, in the
# books or earlier in the report) debits unapplied cash naming that receipt,
# as a typed refund of a receipt does. Acme pays 10.00 by card on March 6
# (fee 0.59: net 9.41).


@pytest.mark.parametrize(
    ("category", "fee", "net", "account"),
    [
        # A refund of all 10.00, no fee: net -10.00.
        ("refund", "0.00", "-10.00", "Liabilities:CustomerCredits"),
        # A dispute of all 10.00, the dispute fee 15.00: net -10.00 - 15.00 = -25.00.
        ("dispute", "15.00", "-25.00", "Expenses:Disputes"),
    ],
)
def test_a_refund_or_dispute_of_an_unapplied_charge_takes_back_its_unapplied_cash(
    importers: list[SourceImporter], category: str, fee: str, net: str, account: str
) -> None:
    report(
        "2026-03",
        row("txn_9", "2026-03-06", "charge", "10.00", "0.59", "9.41", description="Tokens"),
        row("txn_10", "2026-03-07", category, "-10.00", fee, net, charge_id="ch_txn_9"),
    )
    books = imported(importers)
    # Expected: the 10.00 received and the 10.00 given back net to nothing:
    # unapplied cash 10.00 - 10.00 = 0.00, and nothing on the refund's or the
    # dispute's account (10.00 - 10.00 = 0.00: no customer credit paid out that
    # was never held, no dispute loss on money that was never revenue).
    # Found (review rev45): txn_9 unapplied 10.00 for good, customer "(unassigned)" (no invoice
    # tells whose), and the refund an overdrawn customer credit of -10.00
    # (`revclose ar credits`: "FAIL: No customer credit is overdrawn, USD:
    # overdrawn: (unassigned) -10.00", exit 1), or the dispute a 10.00 loss in
    # Expenses:Disputes beside the 10.00 still owed in unapplied cash.
    assert unapplied(books, "2026-03-31") == {}
    held = balances(books)
    assert held.get((account, "USD"), D("0")) == D("0.00")
    assert held[("Liabilities:UnappliedCash", "USD")] == D("0.00")


@pytest.mark.parametrize("month_by_month", [True, False], ids=["month-by-month", "in-one-run"])
def test_a_refund_finds_its_charge_in_an_earlier_report_and_takes_back_its_unapplied_cash(
    importers: list[SourceImporter], month_by_month: bool
) -> None:
    # February's report: Acme pays 10.00 naming nothing (fee 0.59: net 9.41). Its
    # charge is in the books when March's is imported, or in the same run before it.
    report("2026-02", row("txn_9", "2026-02-26", "charge", "10.00", "0.59", "9.41"))
    if month_by_month:
        run(importers)
    # March's report: 4.00 of it refunded (no fee: net -4.00).
    refund = row("txn_10", "2026-03-02", "refund", "-4.00", "0.00", "-4.00", charge_id="ch_txn_9")
    report("2026-03", refund)
    run(importers)
    text = Path("ledger/stripe/2026-03.beancount").read_text(encoding="utf-8")
    assert '  receipt: "txn_9"\n' in text  # The charge's receipt, found in the books.
    assert "  Liabilities:UnappliedCash   4.00 USD\n" in text
    books = loaded()
    assert [error.message for error in books.errors] == []
    # txn_9 holds 10.00 - 4.00 = 6.00 unapplied; nothing paid out of customer credits.
    assert unapplied(books, "2026-03-31") == {"txn_9": ("(unassigned)", D("6.00"))}
    assert balances(books).get(("Liabilities:CustomerCredits", "USD"), D("0")) == D("0")


def test_a_refund_of_a_charge_the_matcher_applied_opens_its_invoice_again(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "10.00"))
    report(
        "2026-03",
        # Acme (the payee, billed as CUS-1) pays 10.00 naming nothing: the matcher
        # pays INV-1 of 10.00 by amount and customer on March 6.
        row("txn_9", "2026-03-06", "charge", "10.00", "0.59", "9.41", description="Card"),
        # All 10.00 refunded on March 20 (no fee: net -10.00).
        row("txn_10", "2026-03-20", "refund", "-10.00", "0.00", "-10.00", charge_id="ch_txn_9"),
    )
    books = imported(importers)
    # The receipt holds nothing unapplied on March 20 (10.00 - 10.00 applied = 0.00),
    # so the refund takes back what it paid INV-1 (README, chargebacks): INV-1 is
    # open 10.00 again, paid 10.00 - 10.00 = 0.00, and unapplied cash nets
    # -10.00 (the receipt) + 10.00 (applied) + 10.00 (refund) - 10.00 (taken back) = 0.00.
    assert generated(books) == [
        ("amount", ["Assets:AccountsReceivable -10.00 USD",
                    "Liabilities:UnappliedCash 10.00 USD"]),
        ("chargeback", ["Assets:AccountsReceivable 10.00 USD",
                        "Liabilities:UnappliedCash -10.00 USD"]),
    ]  # fmt: skip
    assert opened(books, "2026-03-31") == {"INV-1": (D("0.00"), D("0.00"), D("10.00"))}
    assert balances(books)[("Liabilities:UnappliedCash", "USD")] == D("0.00")


@pytest.mark.parametrize("month_by_month", [False, True], ids=["in-one-report", "won-later"])
def test_a_won_dispute_of_an_unapplied_charge_puts_the_cash_back_as_a_receipt_of_its_own(
    importers: list[SourceImporter], month_by_month: bool
) -> None:
    # The dispute and its reversal are of one dispute object (`source_id`), as Stripe
    # writes them; won later, the dispute is found in the books, not in the report.
    on_9 = dict(charge_id="ch_txn_9", source_id="du_10")
    march = [
        row("txn_9", "2026-03-06", "charge", "10.00", "0.59", "9.41"),
        # Disputed: 10.00 taken back and a 15.00 fee (net -10.00 - 15.00 = -25.00) ...
        row("txn_10", "2026-03-07", "dispute", "-10.00", "15.00", "-25.00", **on_9),
    ]
    # ... and won: the 10.00 comes back (a receipt of a charge used up can take no more).
    won = row("txn_11", "2026-03-20", "dispute_reversal", "10.00", "0.00", "10.00", **on_9)
    if month_by_month:
        report("2026-03", *march)
        run(importers)
        Path("documents/stripe/2026-03.csv").unlink()
        report("2026-03-late", won)
    else:
        report("2026-03", *march, won)
    books = imported(importers)
    # txn_9: 10.00 - 10.00 disputed = 0.00; txn_11 waits with the 10.00 returned.
    assert unapplied(books, "2026-03-31") == {"txn_11": ("(unassigned)", D("10.00"))}
    held = balances(books)
    assert held.get(("Expenses:Disputes", "USD"), D("0")) == D("0")
    assert held[("Expenses:PaymentProcessing", "USD")] == D("15.59")  # 0.59 + 15.00.


def test_a_refund_naming_no_invoice_follows_its_charge_to_its_invoice_else_goes_to_refunds(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "10.00"))
    report(
        "2026-03",
        # Paid straight to INV-1: no cash of txn_1 waits in unapplied cash.
        row("txn_1", "2026-03-06", "charge", "10.00", "0.59", "9.41", invoice_id="in_1"),
        # Refunds naming no invoice: of txn_1, and of a charge the books do not have.
        row("txn_2", "2026-03-07", "refund", "-4.00", "0.00", "-4.00", charge_id="ch_txn_1"),
        row("txn_3", "2026-03-08", "refund", "-3.00", "0.00", "-3.00", charge_id="ch_other"),
    )
    run(importers)
    text = Path("ledger/stripe/2026-03.beancount").read_text(encoding="utf-8")
    # txn_2 opens INV-1 again, as a refund naming in_1 does: to the receivable,
    # linked to INV-1, its own id its receipt (cash refunded). txn_3's charge is
    # not found: to `refunds` (Liabilities:CustomerCredits), with no receipt id.
    assert (
        '2026-03-07 * "Acme" "Subscription" ^INV-1\n'
        '  balance_transaction: "txn_2"\n'
        '  invoice: "INV-1"\n'
        '  customer: "CUS-1"\n'
        '  receipt: "txn_2"\n'
    ) in text
    assert "  Assets:AccountsReceivable   4.00 USD\n" in text
    assert "  Liabilities:CustomerCredits   3.00 USD\n" in text
    assert text.count("  receipt: ") == 2  # txn_1's and txn_2's.
    books = loaded()
    assert [error.message for error in books.errors] == []
    # INV-1: paid 10.00 - 4.00 = 6.00, credited 0.00, open 10.00 - 6.00 = 4.00;
    # customer credits debited only by txn_3: 3.00.
    assert opened(books, "2026-03-31") == {"INV-1": (D("6.00"), D("0.00"), D("4.00"))}
    assert balances(books)[("Liabilities:CustomerCredits", "USD")] == D("3.00")


# Review rev48: which charge or dispute a row names does not depend on the order
# of the rows or of the files, a charge paid straight to its invoice is found
# too, and money a dispute took comes back where the dispute took it from. Acme
# pays 10.00 by card naming no invoice (fee 0.59: net 10.00 - 0.59 = 9.41), so
# the charge waits in unapplied cash as receipt txn_9; 4.00 of it is refunded
# later (no fee: net -4.00), the refund row naming the charge by charge_id.
CHARGE = row("txn_9", "2026-03-06", "charge", "10.00", "0.59", "9.41")
REFUND = row("txn_10", "2026-03-20", "refund", "-4.00", "0.00", "-4.00", charge_id="ch_txn_9")


@pytest.mark.parametrize(
    "layout",
    [
        # One report listing its rows newest first (the refund above its charge).
        "newest-first",
        # Two reports imported in one run whose names do not sort by date:
        # "april.csv" (the refund) sorts before "march.csv" (the charge).
        "month-names",
    ],
)
def test_a_refund_takes_back_its_waiting_charge_whatever_the_order_of_rows_and_files(
    importers: list[SourceImporter], layout: str
) -> None:
    if layout == "newest-first":
        report("2026-03", REFUND, CHARGE)
    else:
        report("march", CHARGE)
        report("april", REFUND.replace("2026-03-20", "2026-04-02"))
    run(importers)
    check_reimports_add_nothing(importers, 2)
    books = loaded()
    assert [error.message for error in books.errors] == []
    # As the same rows listed oldest first, or the two files imported one after
    # the other: the refund debits unapplied cash naming txn_9, which holds
    # 10.00 - 4.00 = 6.00, and nothing is paid out of customer credits (0.00).
    # Found (review rev48): the refund booked before its charge was seen, to
    # `refunds`: txn_9 kept all 10.00, and customer credits were debited 4.00.
    assert unapplied(books, "2026-04-30") == {"txn_9": ("(unassigned)", D("6.00"))}
    assert balances(books).get(("Liabilities:CustomerCredits", "USD"), D("0")) == D("0")


def test_a_refund_naming_no_invoice_of_a_charge_that_paid_its_invoice_opens_it_again(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "10.00"))
    report(
        "2026-03",
        # 10.00 paid straight to INV-1 (invoice_id in_1): fee 0.59, net 9.41.
        row("txn_1", "2026-03-06", "charge", "10.00", "0.59", "9.41", invoice_id="in_1"),
        # 4.00 of that charge refunded; the row names the charge, not the invoice.
        row("txn_2", "2026-03-07", "refund", "-4.00", "0.00", "-4.00", charge_id="ch_txn_1"),
    )
    books = imported(importers)
    # As the same row naming in_1: cash refunded on INV-1, which is paid
    # 10.00 - 4.00 = 6.00, credited 0.00, open 10.00 - 6.00 = 4.00; customer
    # credits untouched (0.00). Found (review rev48): the row went to `refunds`,
    # INV-1 stayed settled and CUS-1's credit was overdrawn -4.00.
    assert opened(books, "2026-03-31") == {"INV-1": (D("6.00"), D("0.00"), D("4.00"))}
    assert balances(books).get(("Liabilities:CustomerCredits", "USD"), D("0")) == D("0")


def test_pin_refunds_of_a_waiting_charge_beyond_it_are_an_error_at_its_receipt(
    importers: list[SourceImporter],
) -> None:
    """Pin (review rev48): two partial refunds summing to more than their charge."""
    on_9 = dict(charge_id="ch_txn_9")
    report(
        "2026-03",
        CHARGE,
        row("txn_10", "2026-03-07", "refund", "-6.00", "0.00", "-6.00", **on_9),
        row("txn_11", "2026-03-08", "refund", "-6.00", "0.00", "-6.00", **on_9),
    )
    run(importers)
    check_reimports_add_nothing(importers, 3)
    # 6.00 + 6.00 = 12.00 taken from txn_9's 10.00: 12.00 - 10.00 = 2.00 too much,
    # said at the receipt rather than absorbed.
    assert [error.message for error in loaded().errors] == [
        "Receipt 'txn_9' is used 2.00 USD more than it received; expected at most 10.00"
    ]


# Rows imported before these fixes (24 November 2026's importer) are skipped by
# a re-import, not refused: the receivable's `receipt`, and unapplied cash over
# `refunds` or `disputes`, are the books' choice (`ledger_text.Choice`). This is
# the month file that importer wrote of the report below (its config without
# `charge`): txn_1 and txn_3 to the receivable and txn_4 refunded from it, with no
# `receipt`; txn_10 and txn_11, of txn_9 in unapplied cash, to `refunds` and `disputes`.
HEAD_TEXT = """\
; stripe, 2026-03: imported by `python import.py import`; do not edit by hand.

2026-03-05 * "Acme" "Subscription in_1" ^INV-1
  balance_transaction: "txn_1"
  invoice: "INV-1"
  customer: "CUS-1"
  stripe_source: "ch_1"
  stripe_customer: "cus_A"
  Assets:Stripe                970.21 USD
  Expenses:PaymentProcessing    29.29 USD
  Assets:AccountsReceivable   -999.50 USD

2026-03-05 * "Cobalt" "Subscription in_3" ^INV-3
  balance_transaction: "txn_3"
  invoice: "INV-3"
  customer: "CUS-3"
  stripe_source: "ch_3"
  stripe_customer: "cus_C"
  Assets:Stripe                388.10 USD
  Expenses:PaymentProcessing    11.90 USD
  Assets:AccountsReceivable   -400.00 USD

2026-03-06 * "Acme" "Tokens"
  balance_transaction: "txn_9"
  receipt: "txn_9"
  stripe_source: "ch_9"
  stripe_customer: "cus_A"
  Assets:Stripe                19.12 USD
  Expenses:PaymentProcessing    0.88 USD
  Liabilities:UnappliedCash   -20.00 USD

2026-03-07 * "Acme" "Tokens back"
  balance_transaction: "txn_10"
  stripe_source: "re_10"
  stripe_customer: "cus_A"
  Assets:Stripe                -10.00 USD
  Liabilities:CustomerCredits   10.00 USD

2026-03-08 * "Acme" "Tokens"
  balance_transaction: "txn_11"
  stripe_source: "du_11"
  stripe_customer: "cus_A"
  Assets:Stripe               -25.00 USD
  Expenses:PaymentProcessing   15.00 USD
  Expenses:Disputes            10.00 USD

2026-03-20 * "Cobalt" "Subscription in_3" ^INV-3
  balance_transaction: "txn_4"
  invoice: "INV-3"
  customer: "CUS-3"
  stripe_source: "re_4"
  stripe_customer: "cus_C"
  Assets:Stripe              -100.00 USD
  Assets:AccountsReceivable   100.00 USD
"""


def test_rows_imported_before_receipts_were_written_are_imported_again_adding_nothing(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "1000.00"), invoice(3, "2026-03-01", "800.00", "CUS-3"))
    cobalt = dict(customer_id="cus_C", customer_name="Cobalt")
    report(
        "2026-03",
        row("txn_1", "2026-03-05", "charge", "999.50", "29.29", "970.21", invoice_id="in_1",
            source_id="ch_1"),
        row("txn_3", "2026-03-05", "charge", "400.00", "11.90", "388.10", invoice_id="in_3",
            source_id="ch_3", **cobalt),
        row("txn_4", "2026-03-20", "refund", "-100.00", "0.00", "-100.00", invoice_id="in_3",
            source_id="re_4", charge_id="ch_3", **cobalt),
        row("txn_9", "2026-03-06", "charge", "20.00", "0.88", "19.12", description="Tokens",
            source_id="ch_9"),
        row("txn_10", "2026-03-07", "refund", "-10.00", "0.00", "-10.00",
            description="Tokens back", source_id="re_10", charge_id="ch_9"),
        row("txn_11", "2026-03-08", "dispute", "-10.00", "15.00", "-25.00",
            description="Tokens", source_id="du_11", charge_id="ch_9"),
    )  # fmt: skip
    Path("ledger/stripe").mkdir()
    Path("ledger/stripe/2026-03.beancount").write_text(HEAD_TEXT, encoding="utf-8")
    check_reimports_add_nothing(importers, 6)
    # Imported afresh, the same rows carry receipts and take back txn_9's cash.
    Path("ledger/stripe/2026-03.beancount").unlink()
    run(importers)
    text = Path("ledger/stripe/2026-03.beancount").read_text(encoding="utf-8")
    assert [line.split()[1] for line in text.splitlines() if "receipt:" in line] == [
        '"txn_1"', '"txn_3"', '"txn_9"', '"txn_9"', '"txn_9"', '"txn_4"'
    ]  # fmt: skip
    assert "Liabilities:CustomerCredits" not in text and "Expenses:Disputes" not in text


def test_a_won_dispute_reverses_the_dispute_the_previous_importer_booked_to_disputes(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "1000.00"), invoice(3, "2026-03-01", "800.00", "CUS-3"))
    # March as the previous importer wrote it (HEAD_TEXT): txn_9, 20.00 of ch_9,
    # waits in unapplied cash; txn_11 disputed 10.00 of it, booked to
    # Expenses:Disputes (10.00) with a 15.00 fee.
    Path("ledger/stripe").mkdir()
    Path("ledger/stripe/2026-03.beancount").write_text(HEAD_TEXT, encoding="utf-8")
    # April: the dispute (du_11) is won, the 10.00 comes back (no fee: net 10.00).
    won = row(
        "txn_12", "2026-04-02", "dispute_reversal", "10.00", "0.00", "10.00",
        description="Tokens", source_id="du_11", charge_id="ch_9",
    )  # fmt: skip
    report("2026-04", won)
    books = imported(importers)
    # The reversal undoes its dispute where the dispute was booked:
    # Expenses:Disputes 10.00 - 10.00 = 0.00, and unapplied cash holds what it
    # held before April: txn_9's 20.00 alone (the refund txn_10 of 10.00 went to
    # `refunds`, not to txn_9). Found (review rev48): the reversal found ch_9 in
    # unapplied cash and waited there as a new receipt txn_12 of 10.00, while
    # Expenses:Disputes kept the 10.00 loss.
    assert balances(books).get(("Expenses:Disputes", "USD"), D("0")) == D("0")
    assert unapplied(books, "2026-04-30") == {"txn_9": ("(unassigned)", D("20.00"))}


def test_a_won_dispute_of_a_charge_paid_straight_to_its_invoice_pays_it_again(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "10.00"))
    on_1 = dict(charge_id="ch_txn_1", source_id="du_2")
    # Newest first: the reversal, then the dispute, then the charge (10.00 straight
    # to INV-1: fee 0.59, net 9.41). Disputed: 10.00 and a 15.00 fee (net -25.00);
    # won: 10.00 back (net 10.00). Neither row names the invoice.
    report(
        "2026-03",
        row("txn_3", "2026-03-20", "dispute_reversal", "10.00", "0.00", "10.00", **on_1),
        row("txn_2", "2026-03-07", "dispute", "-10.00", "15.00", "-25.00", **on_1),
        row("txn_1", "2026-03-06", "charge", "10.00", "0.59", "9.41", invoice_id="in_1"),
    )
    books = imported(importers)
    # The dispute opens INV-1 again (10.00 - 10.00 = 0.00 paid), the reversal, to
    # the receivable as its dispute was, pays it again: paid 10.00 - 10.00 + 10.00
    # = 10.00, INV-1 settled (not on the open listing); nothing in Expenses:Disputes
    # (0.00), the fees 0.59 + 15.00 = 15.59.
    assert opened(books, "2026-03-31") == {}
    held = balances(books)
    assert held[("Assets:AccountsReceivable", "USD")] == D("0.00")  # 10.00 - 10.00 + 10.00 - 10.00.
    assert held.get(("Expenses:Disputes", "USD"), D("0")) == D("0")
    assert held[("Expenses:PaymentProcessing", "USD")] == D("15.59")
    # On the statement: the dispute is cash refunded on INV-1, the reversal paid again.
    lines = rows_of(books, "statement", "2026-03-31", customer="CUS-1")
    assert [(line["type"], line["document"]) for line in lines if line["type"]] == [
        ("invoice", "INV-1"),
        ("payment", "txn_1"),
        ("refund", "txn_2"),
        ("payment", "txn_3"),
    ]


# Pins (review rev45): verified to hold.


def test_pin_fees_are_expensed_gross_clears_the_receivable_and_a_payout_is_counted_once(
    here: Path, importers: list[SourceImporter]
) -> None:
    """Pin (review rev45): gross vs net, EUR, and the payout through the bank's STRIPE rule."""
    Path("ledger/main.beancount").write_text(MAIN + 'include "bank/*.beancount"\n', "utf-8")
    book(
        invoice(1, "2026-03-01", "1000.00"),
        invoice(5, "2026-03-01", "200.00", customer="CUS-5", payee="Euro GmbH", money="EUR"),
    )
    euro = dict(invoice_id="in_5", currency="eur", customer_name="Euro GmbH")
    report(
        "2026-03",
        # 1,000.00 for INV-1: fee 29.30 (2.9% = 29.00, + 0.30), net 970.70.
        row("txn_1", "2026-03-05", "charge", "1000.00", "29.30", "970.70", invoice_id="in_1"),
        # 200.00 EUR for INV-5 (in EUR): fee 6.10 EUR, net 193.90 EUR.
        row("txn_5", "2026-03-06", "charge", "200.00", "6.10", "193.90", **euro),
        # The USD balance paid out: -970.70.
        row("txn_6", "2026-03-08", "payout", "-970.70", "0.00", "-970.70", source_id="po_1"),
    )
    Path("documents/bank/2026-03.csv").write_text(
        f"{BANK_HEADER}\nB-1,03/10/2026,STRIPE,STRIPE PAYOUT po_1,970.70,\n", "utf-8"
    )
    books = imported(importers)
    held = balances(books)
    # Receivables cleared by the gross: 1,000.00 - 1,000.00 = 0.00 USD and
    # 200.00 - 200.00 = 0.00 EUR; fees expensed: 29.30 USD and 6.10 EUR.
    assert held[("Assets:AccountsReceivable", "USD")] == D("0.00")
    assert held[("Assets:AccountsReceivable", "EUR")] == D("0.00")
    assert held[("Expenses:PaymentProcessing", "USD")] == D("29.30")
    assert held[("Expenses:PaymentProcessing", "EUR")] == D("6.10")
    # Clearing: 970.70 net in - 970.70 paid out = 0.00 USD; 193.90 EUR stays
    # (not paid out). In transit: 970.70 sent - 970.70 arrived = 0.00. The bank
    # holds the payout once: 970.70.
    assert held[("Assets:Stripe", "USD")] == D("0.00")
    assert held[("Assets:Stripe", "EUR")] == D("193.90")
    assert held[("Assets:Bank:InTransit", "USD")] == D("0.00")
    assert held[("Assets:Bank:US:Operating", "USD")] == D("970.70")
    assert generated(books) == []  # Both invoices paid by name: nothing for the matcher.


def test_pin_an_overlapping_report_adds_only_its_new_rows_and_a_bad_row_changes_nothing(
    importers: list[SourceImporter],
) -> None:
    """Pin (review rev45): re-import, the same charge in two reports, a bad row."""
    book(invoice(1, "2026-03-01", "1000.00"))
    first = row("txn_1", "2026-03-05", "charge", "1000.00", "29.30", "970.70", invoice_id="in_1")
    report("2026-03", first)
    run(importers)
    check_reimports_add_nothing(importers, 1)
    # A second export overlapping the first: txn_1 again and txn_7, new
    # (50.00, fee 1.75 = 2.9% of 50.00 = 1.45 + 0.30; net 48.25).
    tip = row("txn_7", "2026-03-20", "charge", "50.00", "1.75", "48.25", description="Tip")
    report("2026-03-late", first, tip)
    done = run(importers)
    assert (done.added, done.skipped) == ({Path("ledger/stripe/2026-03.beancount"): 1}, 2)
    assert (
        Path("ledger/stripe/2026-03.beancount").read_text().count('balance_transaction: "txn_1"')
        == 1
    )
    # Line 3 of April's report: net 9.40 where 10.00 - 0.59 = 9.41.
    written = tree(Path("ledger"))
    report(
        "2026-04",
        row("txn_8", "2026-04-01", "charge", "10.00", "0.59", "9.41"),
        row("txn_9", "2026-04-02", "charge", "10.00", "0.59", "9.40"),
    )
    check_refused(
        importers,
        "documents/stripe/2026-04.csv:3: Column 'net': '9.40' is not gross less fee "
        "(10.00 - 0.59 = 9.41)",
    )
    assert tree(Path("ledger")) == written


# Review rev51: a run re-reads every report under documents/, so the charge or
# dispute a new row names is often both in the books (kept as first imported)
# and among the run's rows. The books' entry wins: an id the books hold is read
# as they hold it, and only rows new to the books are read as the run books them.


def test_a_refund_follows_its_charge_as_the_books_hold_it_not_as_a_re_read_report_books_it(
    importers: list[SourceImporter],
) -> None:
    # February: Acme pays 10.00 naming in_1 (fee 0.59: net 9.41); INV-1 is not
    # booked yet, so the charge waits in unapplied cash as receipt txn_9.
    feb = row("txn_9", "2026-02-26", "charge", "10.00", "0.59", "9.41", invoice_id="in_1")
    report("2026-02", feb)
    run(importers)
    assert "Liabilities:UnappliedCash   -10.00 USD" in Path(
        "ledger/stripe/2026-02.beancount"
    ).read_text(encoding="utf-8")
    # March: INV-1 of 25.00 is booked, and the 10.00 charge is refunded in full
    # (no fee: net -10.00); the refund names the charge, not the invoice. The
    # run re-reads February's report: txn_9 is skipped (already in the books).
    book(invoice(1, "2026-03-01", "25.00"))
    refund = row("txn_10", "2026-03-02", "refund", "-10.00", "0.00", "-10.00", charge_id="ch_txn_9")
    report("2026-03", refund)
    imported = run(importers)
    assert imported.skipped == 1  # txn_9.
    # The refund is taken back from txn_9's unapplied cash, as the books hold
    # txn_9 (found before, review rev51: `^INV-1`, to the receivable, as the run
    # re-booked txn_9 to INV-1 booked since).
    march = Path("ledger/stripe/2026-03.beancount").read_text(encoding="utf-8")
    assert 'receipt: "txn_9"\n' in march and "Liabilities:UnappliedCash   10.00 USD" in march
    assert "INV-1" not in march
    books = loaded()
    assert [error.message for error in books.errors] == []
    # The books hold txn_9 in unapplied cash, so the refund takes it back from
    # there: txn_9 10.00 - 10.00 = 0.00 unapplied (off the listing), and INV-1 is
    # untouched: paid 0.00, credited 0.00, open 25.00. Found (review rev51, at
    # e2f9804): the refund on ^INV-1 gave paid -10.00, open 25.00 + 10.00 = 35.00,
    # and txn_9's 10.00 stayed unapplied (since 9c5048f the AR plugin applies
    # txn_9 to INV-1 by its word `in_1`: 10.00 - 10.00 = 0.00 paid, hiding it here).
    assert unapplied(books, "2026-03-31") == {}
    assert opened(books, "2026-03-31") == {"INV-1": (D("0.00"), D("0.00"), D("25.00"))}


def beangulp_extract(*args: str) -> str:
    """The output of `python import.py extract ARGS` (beangulp's own command)."""
    spec = importlib.util.spec_from_file_location(
        "import_py", Path(__file__).parent.parent / "import.py"
    )
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = CliRunner().invoke(module.ingest(Path("importers.yaml"), Path(".")).cli, list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_a_won_dispute_reverses_the_books_dispute_though_its_report_is_imported_again(
    importers: list[SourceImporter],
) -> None:
    book(invoice(1, "2026-03-01", "1000.00"), invoice(3, "2026-03-01", "800.00", "CUS-3"))
    cobalt = dict(customer_id="cus_C", customer_name="Cobalt")
    # March's report, still in documents/, and the month file the previous
    # importer wrote of it (HEAD_TEXT): the dispute du_11 (10.00 of ch_9, whose
    # 20.00 waits in unapplied cash as txn_9) is in Expenses:Disputes.
    report(
        "2026-03",
        row("txn_1", "2026-03-05", "charge", "999.50", "29.29", "970.21", invoice_id="in_1",
            source_id="ch_1"),
        row("txn_3", "2026-03-05", "charge", "400.00", "11.90", "388.10", invoice_id="in_3",
            source_id="ch_3", **cobalt),
        row("txn_4", "2026-03-20", "refund", "-100.00", "0.00", "-100.00", invoice_id="in_3",
            source_id="re_4", charge_id="ch_3", **cobalt),
        row("txn_9", "2026-03-06", "charge", "20.00", "0.88", "19.12", description="Tokens",
            source_id="ch_9"),
        row("txn_10", "2026-03-07", "refund", "-10.00", "0.00", "-10.00",
            description="Tokens back", source_id="re_10", charge_id="ch_9"),
        row("txn_11", "2026-03-08", "dispute", "-10.00", "15.00", "-25.00",
            description="Tokens", source_id="du_11", charge_id="ch_9"),
    )  # fmt: skip
    Path("ledger/stripe").mkdir()
    Path("ledger/stripe/2026-03.beancount").write_text(HEAD_TEXT, encoding="utf-8")
    # April: du_11 is won, the 10.00 comes back (no fee: net 10.00).
    won = row(
        "txn_12", "2026-04-02", "dispute_reversal", "10.00", "0.00", "10.00",
        description="Tokens", source_id="du_11", charge_id="ch_9",
    )  # fmt: skip
    report("2026-04", won)
    # beangulp's own `extract -e` reads the books' du_11 and reverses it from
    # Expenses:Disputes (README's "Upgrading"); the import command does the same.
    assert "  Expenses:Disputes  -10.00 USD\n" in beangulp_extract(
        "extract", "documents/stripe/2026-04.csv", "-e", "ledger/main.beancount"
    )
    imported = run(importers)
    assert imported.skipped == 6  # March's six rows, as the previous importer wrote them.
    books = loaded()
    assert [error.message for error in books.errors] == []
    # Expenses:Disputes 10.00 - 10.00 = 0.00; unapplied cash is txn_9's 20.00
    # alone (txn_10 went to `refunds`). Found (review rev51): the run's txn_11 row,
    # re-booked today, took 10.00 from txn_9's unapplied cash, so txn_12 became a
    # new receipt of 10.00: Expenses:Disputes kept 10.00 and the listing showed
    # txn_9 20.00 and txn_12 10.00 (20.00 + 10.00 = 30.00 held).
    assert balances(books).get(("Expenses:Disputes", "USD"), D("0")) == D("0")
    assert unapplied(books, "2026-04-30") == {"txn_9": ("(unassigned)", D("20.00"))}


def test_pin_a_bad_row_in_one_of_two_reports_is_named_and_nothing_is_written(
    importers: list[SourceImporter],
) -> None:
    """Pin (review rev51): a run of two reports, a bad row in the second."""
    report("2026-02", row("txn_9", "2026-02-26", "charge", "10.00", "0.59", "9.41"))
    # 10.00 - 0.59 = 9.41, not 9.00.
    report("2026-03", row("txn_10", "2026-03-02", "charge", "10.00", "0.59", "9.00"))
    assert failure(importers) == (
        "documents/stripe/2026-03.csv:2: Column 'net': '9.00' is not gross less fee "
        "(10.00 - 0.59 = 9.41)"
    )
    assert not Path("ledger/stripe").exists()  # Not February's good row either.


def test_pin_a_won_dispute_of_unapplied_cash_is_a_receipt_overdrawing_nothing(
    importers: list[SourceImporter],
) -> None:
    """Pin (review rev51): the reversal waits as receipt txn_11; no invoice ages, no credit."""
    on_9 = dict(charge_id="ch_txn_9", source_id="du_10")
    # txn_9: 10.00 (fee 0.59, net 9.41); txn_10 disputes it all, 10.00 and a 15.00
    # fee (net -25.00); txn_11 wins it back, 10.00 (no fee).
    report(
        "2026-03",
        row("txn_9", "2026-03-06", "charge", "10.00", "0.59", "9.41"),
        row("txn_10", "2026-03-07", "dispute", "-10.00", "15.00", "-25.00", **on_9),
        row("txn_11", "2026-03-20", "dispute_reversal", "10.00", "0.00", "10.00", **on_9),
    )
    run(importers)
    books = loaded()
    assert rows_of(books, "aging", "2026-03-31") == []  # No invoice.
    assert rows_of(books, "credits", "2026-03-31") == []  # Nothing overdrawn.
    (line,) = [x for x in rows_of(books, "unapplied", "2026-03-31") if x["receipt"] == "txn_11"]
    # Received 10.00, applied 0.00, paid out 0.00: 10.00 - 0.00 - 0.00 = 10.00 unapplied,
    # 31 - 20 = 11 days old; txn_9 (10.00 - 10.00 disputed = 0.00) is not listed.
    assert (line["received"], line["unapplied"], line["age_days"]) == (D("10.00"), D("10.00"), 11)
    assert unapplied(books, "2026-03-31") == {"txn_11": ("(unassigned)", D("10.00"))}
