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
(the invoice's number, or Stripe's `in_…` id the invoice keeps as
`stripe_invoice`), and a re-import compares it.

The counter account of each reporting category:

- `charge`, `payment`: the receivable when the row's `invoice_id` (Stripe's
  `in_…` id, or the invoice's number) or its description names an invoice of
  the books, linked to it; else unapplied cash. Either way the row's id is its
  `receipt`, the AR plugin's receipt id (a bank line's is its
  `bank_reference`): a receipt posted straight to the receivable.
- `refund`, `payment_refund`, `payment_failure_refund`, `dispute`: the
  receivable when the row names an invoice (the invoice is open again), with
  the row's id as `receipt` (cash refunded); else where the charge its
  `charge_id` names was booked (in its currency): a charge waiting in
  unapplied cash is taken back from there, naming the charge's `receipt`
  (the AR plugin takes it from what the receipt holds, then from what it
  paid: `plugins.chargebacks`); a charge paid straight to an invoice opens
  that invoice again, as a row naming it does; else `refunds`, or `disputes`.
- `dispute_reversal` (a dispute won): where its dispute was booked, the
  dispute being the row whose `source_id` it shares (`stripe_source`):
  from `disputes`; back to unapplied cash, as a receipt of its own (a second
  credit naming the charge's receipt would be a second receipt of one id);
  to the receivable, paying the dispute's invoice again. A dispute not
  found: the receivable when the row names an invoice, else `disputes`.
- `payout`, `payout_reversal`: `payouts`, the bank account the payout reaches.
- `fee`, `stripe_fee`, `network_cost`: `fees`.
- any other (`other_adjustment`, `transfer`, `tax`, ...): its account under
  `categories`, else a problem at the row.

Which charge or dispute a row names is read as the books hold it when
they hold its id: the books' entry wins (a report still in `documents/` is
read again by every import, and its rows the books hold are skipped, not
booked anew). Only one new to the books is read as the import books its
row, among every report imported together, whatever the order of the rows
and of the files: charges are booked before refunds and disputes, and those
before reversals. `StripeBalanceImporter.extract_together` asks the books
for every id the rows name, and those alone (`_Booked`).

For a charge, payment, refund or dispute, the books choose between the
receivable, unapplied cash and the category's own account (above), and add
the links, `invoice`, `customer` and `receipt`: the row's
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
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import amount, data

from importers import bank_numbers, csv_rows, source
from importers.bank_entries import clean
from importers.bank_invoices import CUSTOMER, INVOICE, Invoices, choice, credited
from importers.bank_numbers import NumberFormat
from importers.bank_statement import holds
from importers.config import Section
from importers.csv_rows import CsvLayout, Row
from importers.errors import ImportFailed, Problem, raise_if_any
from importers.ledger_text import BOOKS, Choice
from importers.source import Lookup, Placement, SourceImporter
from plugins import policy
from plugins.accounts import Accounts
from plugins.meta import RECEIPT, STRIPE_INVOICE  # A receipt's id; an invoice's Stripe id.

ID_KEY = "balance_transaction"
SOURCE_KEY = "stripe_source"  # The row's Stripe object: a charge's `ch_…` id.
REQUIRED = ("id", "date", "category", "currency", "gross", "fee", "net")
OPTIONAL = ("description", "source", "invoice", "customer", "customer_name", "charge")
FIELDS = ("date_format", "decimal", "accounts", "categories")
ROLES = ("clearing", "fees", "payouts", "refunds", "disputes")
RECEIPTS = ("charge", "payment")
REFUNDS = ("refund", "payment_refund", "payment_failure_refund")
DISPUTES = ("dispute", "dispute_reversal")
REVERSALS = ("dispute_reversal",)  # Money a dispute took, won back.
_TAKING = (*REFUNDS, "dispute")  # Money out of a charge, found by the row's `charge_id`.
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

        The receivable, unapplied cash or the category's own account: the
        rule is the module's (its docstring); the `receipt` each writes is
        the books' too.
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
    reads = ("invoice",)
    reads_itself = True  # A refund's charge, a reversal's dispute: in any report of the import.

    def __init__(self, placement: Placement, layout: StripeLayout) -> None:
        super().__init__(placement, layout.accounts["clearing"])
        self.layout = layout

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        """Returns one transaction per row of the report.

        Raises:
          ImportFailed: Naming the file and line of every bad row or cell.
        """
        return self.extract_together([filepath], existing)

    def extract_together(
        self, paths: Sequence[str], existing: list[data.Directive], lookup: Lookup | None = None
    ) -> list[data.Directive]:
        """Returns one transaction per row of the reports, in their order.

        The charges and disputes the rows name are found in the books first
        (`existing`, and what `lookup` finds of their ids), then among the
        rows (`_Booked`; the rule is the module's): all the charges are
        booked first, then the refunds and disputes, then the reversals.

        Raises:
          ImportFailed: Naming the file and line of every bad row or cell.
        """
        problems: list[Problem] = []
        invoices = Invoices(existing, aliases=(STRIPE_INVOICE,))
        dates = bank_numbers.Dates(self.layout.date_format)
        rows: list[Row] = []
        for path in paths:
            try:
                rows += csv_rows.stream_rows(path, self.layout.csv, problems)
            except ImportFailed as failed:  # An unreadable file: the others are still read.
                problems += failed.problems
        named = {name for row in rows if (name := _named(row))}
        booked = _Booked(self.layout.accounts, named)
        booked.add(existing)
        # The books' entry of an id wins over a row of the run: asked for every id named.
        if lookup is not None and named:
            booked.add(lookup({SOURCE_KEY: named}))
        built: list[data.Transaction | None] = [None] * len(rows)
        for index in sorted(range(len(rows)), key=lambda at: _rank(rows[at])):
            entry = _Row(rows[index], self.layout, dates).transaction(invoices, booked, problems)
            if entry is not None:
                built[index] = entry
                booked.add((entry,))
        # Each file's problems in line order (`batch.extract_all` orders the files).
        problems.sort(key=lambda problem: problem.line or 0)
        raise_if_any(problems)
        return [entry for entry in built if entry is not None]


def _named(row: Row) -> str | None:
    """Returns the Stripe id of the charge or dispute a row names, if it names one."""
    category = row.cells.get("category")
    if category in _TAKING:
        return row.cells.get("charge")
    return row.cells.get("source") if category in REVERSALS else None


def _rank(row: Row) -> int:
    """Returns when a row is booked: charges first, then what names them, then reversals."""
    category = row.cells.get("category")
    return 2 if category in REVERSALS else 1 if category in _TAKING else 0


class _Booking(NamedTuple):
    """Where the books put a charge's money in, or a dispute's money out."""

    account: str
    receipt: str | None
    links: frozenset[str]
    named: tuple[tuple[str, Any], ...]  # Its `invoice` and `customer`.
    currency: str

    def again(self, meta: dict[str, Any], receipt: str | None) -> tuple[str, frozenset[str]]:
        """Returns the account and links of money booked as this, its metadata added to `meta`."""
        meta.update(self.named)
        if receipt is not None:
            meta[RECEIPT] = receipt
        return self.account, self.links


class _Booked:
    """Where each charge and each dispute was booked, by its Stripe id (`stripe_source`).

    A charge (money in) counts when booked to the receivable or, with its
    `receipt`, to unapplied cash; a dispute (money out) when booked to the
    receivable, unapplied cash or `disputes`. The first one added of an id
    counts: the books' entries are added before the rows' (the module's rule).
    """

    def __init__(self, accounts: Mapping[str, str], named: Set[str]) -> None:
        self.named = named  # The ids rows name: only those are kept.
        self.receivable, self.unapplied = accounts["receivable"], accounts["unapplied_cash"]
        self.watched = {self.receivable, self.unapplied, accounts["disputes"]}
        self.paid: dict[str, _Booking] = {}
        self.taken: dict[str, _Booking] = {}

    def add(self, entries: Iterable[data.Directive]) -> None:
        """Adds the entries that are a charge or a dispute booked to a watched account."""
        for entry in entries:
            if not isinstance(entry, data.Transaction):
                continue
            source_id = entry.meta.get(SOURCE_KEY)
            if not isinstance(source_id, str) or source_id not in self.named:
                continue
            for posting in reversed(entry.postings):  # The counter posting is the last.
                units = posting.units
                if posting.account not in self.watched or not isinstance(units, amount.Amount):
                    continue
                if isinstance(units.number, Decimal) and units.number:
                    self._add(entry, source_id, posting.account, units)
                break

    def _add(
        self, entry: data.Transaction, source_id: str, account: str, units: amount.Amount
    ) -> None:
        receipt = entry.meta.get(RECEIPT)
        named = tuple((key, entry.meta[key]) for key in (INVOICE, CUSTOMER) if key in entry.meta)
        booking = _Booking(
            account, receipt if isinstance(receipt, str) else None, entry.links, named,
            str(units.currency),
        )  # fmt: skip
        if units.number is None or units.number > 0:
            self.taken.setdefault(source_id, booking)
        elif account == self.receivable or (account == self.unapplied and booking.receipt):
            self.paid.setdefault(source_id, booking)

    def charge(self, charge_id: str | None, currency: str | None) -> _Booking | None:
        """Returns where the books put a charge's money in a currency, or None."""
        found = self.paid.get(charge_id) if charge_id else None
        return found if found is not None and found.currency == currency else None

    def dispute(self, source_id: str | None, currency: str | None) -> _Booking | None:
        """Returns where the books put a dispute's money out in a currency, or None."""
        found = self.taken.get(source_id) if source_id else None
        return found if found is not None and found.currency == currency else None


class _Row(csv_rows.Cells):
    """Reads one balance transaction, recording a problem for each bad cell."""

    def __init__(self, row: Row, layout: StripeLayout, dates: bank_numbers.Dates) -> None:
        super().__init__(row, layout.csv.columns)
        self.layout = layout
        self.dates = dates

    def counter(
        self,
        category: str,
        found: tuple[Invoices, _Booked],
        meta: dict[str, Any],
        currency: str | None,
    ) -> tuple[str, frozenset[str]]:
        """Returns the counter account of the row's category and its links (the module's rule).

        Raises:
          ValueError: If the category has no account.
        """
        accounts = self.layout.accounts
        if category in self.layout.categories:
            return self.layout.categories[category], data.EMPTY_SET
        cells, (invoices, booked) = self.row.cells, found
        books = self.layout.choices.get(category)
        if books is None:
            if category in _FIXED:
                return accounts[_FIXED[category]], data.EMPTY_SET
            known = ", ".join(f"'{name}'" for name in sorted([*RECEIPTS, *_FIXED]))
            raise ValueError(
                f"is a reporting category with no account; expected one of {known}, "
                f"or an account for it under 'categories'"
            )
        meta[BOOKS] = books  # What the books chose: not compared on re-import.
        own = meta[ID_KEY]
        dispute = booked.dispute(cells.get("source"), currency) if category in REVERSALS else None
        if dispute is not None:  # Money won back goes where the dispute took it from.
            return dispute.again(meta, own if dispute.account != books.otherwise else None)
        named = invoices.named(cells.get("invoice"), cells.get("description"))
        account, links = credited(named, books, meta, currency)
        if category in RECEIPTS or account == books.receivable:
            # A receipt, or cash refunded, wherever the books post it: the AR
            # plugin reads one posted straight to the receivable by its id.
            meta[RECEIPT] = own
            return account, links
        charge = booked.charge(cells.get("charge"), currency) if category in _TAKING else None
        if charge is None:
            return account, links
        if charge.account == accounts["unapplied_cash"]:
            # Taken back from the charge's receipt, naming what the row names.
            meta[RECEIPT] = charge.receipt
            return charge.account, links
        return charge.again(meta, own)  # Its invoice is open again.

    def transaction(
        self, invoices: Invoices, booked: _Booked, problems: list[Problem]
    ) -> data.Transaction | None:
        """Returns the row's transaction, or None with its problems added to `problems`."""
        cells, parse = self.row.cells, self.layout.numbers.parse
        txn, day = self.get("id", str), self.get("date", self.dates)
        currency = self.get("currency", bank_numbers.currency)
        gross, fee, net = (self.get(name, parse) for name in ("gross", "fee", "net"))
        meta: dict[str, Any] = {"filename": self.row.path, "lineno": self.row.line, ID_KEY: txn}
        found = (invoices, booked)
        counter = self.get("category", lambda text: self.counter(text, found, meta, currency))
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
