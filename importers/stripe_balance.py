"""Stripe's itemized balance change report (`balance_change_from_activity.itemized.*`).

Every row is a balance transaction, booked through the processor's clearing
account: the clearing account receives the row's `net`, the fee account its
`fee`, and the counter account of its reporting category gives up its `gross`
(net = gross - fee, checked on every row). Amounts are in major units, as the
report writes them; the currency is upper-cased.

    txn_1,2026-03-02 14:05:07,charge,usd,100.00,3.20,96.80,ch_1,in_1,cus_1,Invoice 0042

becomes, when the books have the invoice `INV-0042` that Stripe calls `in_1`
(the billing importer books a Stripe invoice under its number, with
`stripe_invoice: "in_1"`):

    2026-03-02 * "Invoice 0042 in_1" ^INV-0042
      balance_transaction: "txn_1"
      invoice: "INV-0042"
      customer: "CUS-0042"
      receipt: "txn_1"
      stripe_source: "ch_1"
      stripe_customer: "cus_1"
      Assets:Stripe                  96.80 USD
      Expenses:PaymentProcessing      3.20 USD
      Assets:AccountsReceivable    -100.00 USD

The narration is the description (else the category and source), followed by
the row's `invoice_id` unless it already holds it as a word: the cell is what
the row says of the invoice it pays, written whether or not the books have
that invoice yet, so the AR plugin reads it as a receipt's words once they do
(when it is the invoice's number: it does not read Stripe's `in_…` ids), and
a re-import compares it.

The counter account of each reporting category:

- `charge`, `payment`: the receivable when the row's `invoice_id` (Stripe's
  `in_…` id, or the invoice's number) or its description names an invoice of
  the books, linked to it; else unapplied cash. Either way the row's id is its
  `receipt`, the AR plugin's receipt id (a bank line's is its
  `bank_reference`): a receipt posted straight to the receivable.
- `refund`, `payment_refund`, `payment_failure_refund`, `dispute`,
  `dispute_reversal`: the receivable when the row names an invoice (the
  invoice is open again), with the row's id as `receipt` (cash refunded);
  else unapplied cash when its `charge_id` is a charge waiting there
  (`_Charges`: in the books, or earlier in the import), money out naming the
  charge's `receipt` (the AR plugin takes it back from that receipt), money
  back (a dispute won) a receipt of its own; else `refunds`, or `disputes`.
- `payout`, `payout_reversal`: `payouts`, the bank account the payout reaches.
- `fee`, `stripe_fee`, `network_cost`: `fees`.
- any other (`other_adjustment`, `transfer`, `tax`, ...): its account under
  `categories`, else a problem at the row.

For a charge, payment, refund or dispute, the books choose between the
receivable, unapplied cash (a refund's or dispute's) and the category's own
account, and add the links, `invoice`, `customer` and `receipt`: the row's
entry records that choice (`ledger_text.BOOKS`), and a re-import compares
the row without it (`ledger_text.same_row`), but with its category's account
and its narration, `invoice_id` included.

    stripe:
      importer: stripe_balance
      documents: stripe/*.csv
      ledger: stripe
      date_format: "%Y-%m-%d %H:%M:%S"    # the created_utc column, UTC
      columns: {id: balance_transaction_id, date: created_utc, ..., charge: charge_id}
      accounts:
        clearing: Assets:Stripe
        fees: Expenses:PaymentProcessing
        payouts: Assets:Bank:US:Operating
        refunds: Liabilities:CustomerRefunds
        disputes: Expenses:Disputes
      categories: {other_adjustment: Expenses:PaymentProcessing}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import amount, data

from importers import bank_numbers, csv_rows, source
from importers.bank_entries import clean
from importers.bank_invoices import STRIPE_INVOICE, Invoices, choice, credited
from importers.bank_numbers import NumberFormat
from importers.bank_statement import holds
from importers.config import Section
from importers.csv_rows import CsvLayout, Row
from importers.errors import Problem, raise_if_any
from importers.ledger_text import BOOKS, Choice
from importers.source import Placement, SourceImporter
from plugins import policy
from plugins.accounts import Accounts
from plugins.meta import RECEIPT  # A receipt's id, for the AR plugin.

ID_KEY = "balance_transaction"
SOURCE_KEY = "stripe_source"  # The row's Stripe object: a charge's `ch_…` id.
REQUIRED = ("id", "date", "category", "currency", "gross", "fee", "net")
OPTIONAL = ("description", "source", "invoice", "customer", "customer_name", "charge")
FIELDS = ("date_format", "decimal", "accounts", "categories")
ROLES = ("clearing", "fees", "payouts", "refunds", "disputes")
RECEIPTS = ("charge", "payment")
REFUNDS = ("refund", "payment_refund", "payment_failure_refund")
DISPUTES = ("dispute", "dispute_reversal")
_FIXED = {
    **dict.fromkeys(("payout", "payout_reversal"), "payouts"),
    **dict.fromkeys(("fee", "stripe_fee", "network_cost"), "fees"),
    **dict.fromkeys(REFUNDS, "refunds"),
    **dict.fromkeys(DISPUTES, "disputes"),
}
_DEFAULTS = Accounts()


@dataclass(frozen=True)
class StripeLayout:
    """How the report is written, and the accounts its rows post to."""

    csv: CsvLayout
    date_format: str
    numbers: NumberFormat
    accounts: Mapping[str, str]  # Role (ROLES, receivable, unapplied_cash) -> account.
    categories: Mapping[str, str]  # Other reporting category -> account.

    @functools.cached_property
    def choices(self) -> dict[str, Choice]:
        """Returns what the books choose between for each category whose rows name invoices.

        A charge or payment: the receivable, or unapplied cash; a refund or
        dispute: the receivable (the invoice is open again), or unapplied
        cash (its charge waits there: `_Charges`), or `refunds` or
        `disputes` (`credited`). The `receipt` each writes is the books'
        too: rows imported before 24 November 2026 have none on the
        receivable, and a refund's none in `refunds` or `disputes`.
        """
        receivable, unapplied = self.accounts["receivable"], self.accounts["unapplied_cash"]
        found = dict.fromkeys(RECEIPTS, choice(receivable, unapplied, RECEIPT))
        for category in (*REFUNDS, *DISPUTES):
            books = choice(receivable, self.accounts[_FIXED[category]], RECEIPT)
            found[category] = books._replace(others=frozenset({unapplied}))
        return found


class StripeBalanceImporter(SourceImporter):
    """Imports Stripe's itemized balance change report: one transaction per balance transaction."""

    id_key = ID_KEY
    reads = ("invoice", SOURCE_KEY)
    reads_itself = True  # A refund's charge in an earlier report of the same import.

    def __init__(self, placement: Placement, layout: StripeLayout) -> None:
        super().__init__(placement, layout.accounts["clearing"])
        self.layout = layout

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        """Returns one transaction per row of the report.

        Raises:
          ImportFailed: Naming the file and line of every bad row or cell.
        """
        problems: list[Problem] = []
        invoices = Invoices(existing, aliases=(STRIPE_INVOICE,))
        charges = _Charges(self.layout.accounts["unapplied_cash"], existing)
        dates = bank_numbers.Dates(self.layout.date_format)
        entries: list[data.Directive] = []
        for row in csv_rows.stream_rows(filepath, self.layout.csv, problems):
            entry = _Row(row, self.layout, dates).transaction(invoices, charges, problems)
            if entry is not None and not problems:
                entries.append(entry)
                charges.add(entry)
        raise_if_any(problems)
        return entries


class _Charges:
    """The charges in unapplied cash: each one's receipt id and currency, by its Stripe id.

    A charge or payment booked to unapplied cash (it named no invoice of the
    books) is a receipt, `receipt` its row's id, and carries its charge's id
    (`ch_…`) as `stripe_source`: those of the books and of the report's
    earlier rows are found here by the `charge_id` of a refund or dispute.
    """

    def __init__(self, unapplied_cash: str, entries: list[data.Directive]) -> None:
        self.unapplied_cash = unapplied_cash
        self.receipts: dict[str, tuple[str, str]] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: data.Directive) -> None:
        """Adds an entry if it is a charge in unapplied cash."""
        if not isinstance(entry, data.Transaction):
            return
        charge, receipt = entry.meta.get(SOURCE_KEY), entry.meta.get(RECEIPT)
        if not isinstance(charge, str) or not isinstance(receipt, str):
            return
        for posting in entry.postings:
            units = posting.units
            if posting.account != self.unapplied_cash or not isinstance(units, amount.Amount):
                continue
            if isinstance(units.number, Decimal) and units.number < 0:
                self.receipts.setdefault(charge, (receipt, str(units.currency)))

    def receipt(self, charge: str | None, currency: str | None) -> str | None:
        """Returns the receipt id of a charge in unapplied cash in a currency, or None."""
        found = self.receipts.get(charge) if charge else None
        return found[0] if found is not None and found[1] == currency else None


class _Row(csv_rows.Cells):
    """Reads one balance transaction, recording a problem for each bad cell."""

    def __init__(self, row: Row, layout: StripeLayout, dates: bank_numbers.Dates) -> None:
        super().__init__(row, layout.csv.columns)
        self.layout = layout
        self.dates = dates

    def counter(
        self,
        category: str,
        found: tuple[Invoices, _Charges],
        meta: dict[str, Any],
        money: tuple[Decimal | None, str | None],
    ) -> tuple[str, frozenset[str]]:
        """Returns the counter account of the row's category and its links.

        Money naming one invoice in another currency than the invoice's goes
        to the category's other account, naming the invoice (`credited`).
        Money a refund or dispute takes out of a charge in unapplied cash
        (`_Charges`: by its `charge_id`, in its currency) is taken back from
        there, naming the charge's receipt; money one puts back (a
        `dispute_reversal`) waits there again, a receipt of its own.

        Raises:
          ValueError: If the category has no account.
        """
        accounts = self.layout.accounts
        if category in self.layout.categories:
            return self.layout.categories[category], data.EMPTY_SET
        cells, (invoices, charges), (gross, currency) = self.row.cells, found, money
        named = invoices.named(cells.get("invoice"), cells.get("description"))
        books = self.layout.choices.get(category)
        if books is not None:
            account, links = credited(named, books, meta, currency)
            meta[BOOKS] = books  # What the books chose: not compared on re-import.
            if category in RECEIPTS or account == books.receivable:
                # A receipt, or cash refunded, wherever the books post it: the AR
                # plugin reads one posted straight to the receivable by its id.
                meta[RECEIPT] = meta[ID_KEY]
                return account, links
            taken = charges.receipt(cells.get("charge"), currency)
            if taken is None:
                return account, links
            # Its charge waits in unapplied cash: money out is taken back from its receipt.
            meta[RECEIPT] = taken if gross is None or gross < 0 else meta[ID_KEY]
            return accounts["unapplied_cash"], links
        if category in _FIXED:
            return accounts[_FIXED[category]], data.EMPTY_SET
        known = ", ".join(f"'{name}'" for name in sorted([*RECEIPTS, *_FIXED]))
        raise ValueError(
            f"is a reporting category with no account; expected one of {known}, "
            f"or an account for it under 'categories'"
        )

    def transaction(
        self, invoices: Invoices, charges: _Charges, problems: list[Problem]
    ) -> data.Transaction | None:
        """Returns the row's transaction, or None with its problems added to `problems`."""
        cells, parse = self.row.cells, self.layout.numbers.parse
        txn, day = self.get("id", str), self.get("date", self.dates)
        currency = self.get("currency", bank_numbers.currency)
        gross, fee, net = (self.get(name, parse) for name in ("gross", "fee", "net"))
        meta: dict[str, Any] = {"filename": self.row.path, "lineno": self.row.line, ID_KEY: txn}
        found, money = (invoices, charges), (gross, currency)
        counter = self.get("category", lambda text: self.counter(text, found, meta, money))
        units = self.units(gross, fee, net, currency)
        problems += self.problems
        if self.problems or not (txn and day and counter and units):
            return None
        for name, key in (("source", SOURCE_KEY), ("customer", "stripe_customer")):
            if cells.get(name):
                meta[key] = cells[name]
        accounts = self.layout.accounts
        legs = [(accounts["clearing"], units[2]), (accounts["fees"], units[1])]
        legs.append((counter[0], -units[0]))
        # A zero fee or gross is left out; the clearing posting stays, so there is one.
        postings = [
            data.Posting(account, leg, None, None, None, None)
            for index, (account, leg) in enumerate(legs)
            if index == 0 or leg.number
        ]
        payee = clean(cells.get("customer_name")) or None
        narration = clean(cells.get("description")) or clean(
            f"{cells['category']} {cells.get('source', '')}"
        )
        # The invoice the row names is what it says, written whether or not the books
        # have it yet: the AR plugin reads it there once they do, and a re-import
        # compares it (`ledger_text.same_row` leaves out what the books made of it).
        invoice_id = clean(cells.get("invoice"))
        if invoice_id and not holds(narration, invoice_id):
            narration = f"{narration} {invoice_id}"
        links = counter[1]
        return data.Transaction(meta, day, "*", payee, narration, data.EMPTY_SET, links, postings)

    def units(
        self,
        gross: Decimal | None,
        fee: Decimal | None,
        net: Decimal | None,
        currency: str | None,
    ) -> tuple[amount.Amount, amount.Amount, amount.Amount] | None:
        """Returns gross, fee and net as amounts, checked: net is gross less fee."""
        if gross is None or fee is None or net is None or currency is None:
            return None
        try:
            fitted = [bank_numbers.fit(number, currency) for number in (gross, fee, net)]
        except ValueError as error:
            self.problems.append(self.row.problem(f"An amount {error}"))
            return None
        if fitted[0] - fitted[1] != fitted[2]:
            columns = self.layout.csv.columns
            self.problems.append(
                self.row.problem(
                    f"Column '{columns['net']}': '{net}' is not gross less fee "
                    f"({gross} - {fee} = {fitted[0] - fitted[1]})"
                )
            )
            return None
        gross_units, fee_units, net_units = (amount.Amount(n, currency) for n in fitted)
        return gross_units, fee_units, net_units


def _accounts(section: Section) -> dict[str, str]:
    names = section.section("accounts")
    found = {"receivable": _DEFAULTS.receivable, "unapplied_cash": _DEFAULTS.unapplied_cash}
    if names is None:
        return found
    names.reject_unknown([*ROLES, "receivable", "unapplied_cash"])
    expected = policy.ACCOUNT_EXPECTED
    for role in ROLES:
        found[role] = names.require(role, policy.account_name, expected, "")
    for role in ("receivable", "unapplied_cash"):
        found[role] = names.read(role, policy.account_name, expected, found[role])
    return found


def _categories(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(value)
    return {str(name): policy.account_name(account) for name, account in value.items()}


def from_config(section: Section, placement: Placement) -> StripeBalanceImporter:
    """Builds the importer of a `stripe_balance` section, recording its problems in the section."""
    section.reject_unknown([*source.FIELDS, *csv_rows.FIELDS, *FIELDS])
    csv = csv_rows.layout(section, REQUIRED, OPTIONAL)
    date_format = section.read(
        "date_format", bank_numbers.date_format, "strftime codes", "%Y-%m-%d %H:%M:%S"
    )
    decimal = section.read("decimal", policy.choice((".", ",")), "'.' or ','", ".")
    categories: dict[str, str] = section.read(
        "categories", _categories, "a mapping of reporting category to account name", {}
    )
    layout = StripeLayout(csv, date_format, NumberFormat(decimal), _accounts(section), categories)
    return StripeBalanceImporter(placement, layout)
