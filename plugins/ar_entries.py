"""The entries AR reconciliation generates: cash applications, remeasurements, review flags.

Every entry is linked to its invoice (and its receipt), tagged, located at the
line it comes from, and carries `revclose_`-prefixed metadata. A cash
application moves a receipt from unapplied cash to the receivable:

    2026-02-01 * "Acme" "Cash application INV-1 from RCPT-7" #cash-application ^INV-1 ^RCPT-7
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "RCPT-7"
      revclose_kind: "named"
      customer: "CUS-1"
      Liabilities:UnappliedCash            33.00 USD
      Assets:AccountsReceivable           -30.00 EUR @ 1.20 USD
      Income:ForeignExchange:Realized       3.00 USD

The receivable is credited at its carrying rate and the receipt debited at
its own, so what they differ by is the realized exchange gain or loss. Once
every application is made, `plugins.derecognition` reprices the receivable
postings of a partly paid invoice so that each clears its cumulative share of
the carrying amount, and writes the difference again. A
short payment within the tolerance is written off (a debit to the write-off
account), an over payment within it too (a credit); a larger over payment is
credited to the customer's credit balance. A review flag is a `!` entry with
no postings, dated the day the cash or the invoice became too old.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple, TypeGuard

from beancount.core import amount, data

from plugins import generated, meta
from plugins.ar_policy import ArPolicy
from plugins.currency import Precision
from plugins.fx import OwnRate, Remeasurement, quantize
from plugins.matching_terms import Application
from plugins.receipts import Receipt, link_of
from plugins.receivables import Item, Movement

GENERATOR = "ar_reconciliation"
GENERATED_FILE = f"<{GENERATOR}>"
KIND = meta.PREFIX + "kind"
RATE = meta.PREFIX + "rate"
APPLICATION_TAGS = frozenset({meta.TAG_CASH_APPLICATION})
REMEASUREMENT_TAGS = frozenset({meta.TAG_FX_REMEASUREMENT})
REVIEW_TAGS = frozenset({meta.TAG_RECEIVABLES_REVIEW})
UNAPPLIED_CASH = "unapplied-cash"
PAST_DUE = "past-due"
OTHER_PAYER = "other-payer"  # a receipt paying another customer's invoice
NOTE_OWED = "credit-note-owed"  # a credit note the customer owes at a month end
OWN_RATE = "own-rate"  # the kind of an entry realizing a typed settlement's rate
_ONE_DAY = datetime.timedelta(days=1)


class Settlement(NamedTuple):
    """How a receipt's cash meets an invoice.

    Attributes:
      receipt: The receipt.
      item: The invoice.
      ratio: Receipt minor units per invoice minor unit when the receipt is in
        another currency (its amount over its equivalent); None when both are
        in the same currency.
      receipt_rate: The receipt's rate in the functional currency, if the
        exchange difference is realized; else None.
      invoice_rate: The invoice's carrying rate, likewise.
      day_rate: When the receipt is in another currency: the invoice's
        currency in the receipt's on the receipt's date, the rate a
        difference within the tolerance is measured at.
    """

    receipt: Receipt
    item: Item
    ratio: Fraction | None = None
    receipt_rate: Decimal | None = None
    invoice_rate: Decimal | None = None
    day_rate: Decimal | None = None


_new = tuple.__new__  # builds a NamedTuple without the Python call of its generated __new__


def posting(account: str, units: amount.Amount) -> data.Posting:
    """Returns a plain posting: units only, no cost, price, flag or metadata."""
    return _new(data.Posting, (account, units, None, None, None, None))


def _units(number: Decimal, currency: str) -> amount.Amount:
    return _new(amount.Amount, (number, currency))


def minor_unit_of(precision: Precision, currency: str) -> Decimal:
    """Returns the currency's minor unit as a Decimal with its decimals (`0.01` for USD)."""
    return Decimal(1).scaleb(-precision.digits(currency))


def units_of(minor: int, currency: str, digits: int) -> amount.Amount:
    """Returns minor units as an amount with exactly the currency's `digits` decimals."""
    return _units(Decimal(minor).scaleb(-digits), currency)


def leg(
    account: str,
    number: Decimal,
    currency: str,
    rate: Decimal | None,
    functional: str | None,
    posting_meta: dict[str, Any] | None = None,
) -> data.Posting:
    """Returns a posting of `number` units, priced at `rate` in the functional currency if given."""
    price = _units(rate, functional) if rate is not None and functional else None
    fields = (account, _units(number, currency), None, price, None, posting_meta)
    return _new(data.Posting, fields)


def with_realized_difference(postings: list[data.Posting], policy: ArPolicy) -> list[data.Posting]:
    """Returns priced postings with the realized exchange difference that balances them.

    What the postings' weights (units at their rates) leave over is the
    gain or loss realized, a posting to the realized FX account in the
    functional currency rounded to its decimals. Even a difference that
    rounds to 0.00 gets its posting: its decimals give Beancount the
    tolerance for the fraction of a cent the rates leave.
    """
    functional = policy.functional_currency
    residual = sum((weight(posting) for posting in postings), Decimal(0))
    if residual and functional is not None:
        difference = quantize(-residual, policy.precision.digits(functional))
        postings.append(leg(policy.realized_fx_account, difference, functional, None, None))
    return postings


def carried_transfer(
    debit: tuple[str, Decimal | None, dict[str, Any] | None],
    credit: tuple[str, Decimal | None, dict[str, Any] | None],
    units: int,
    currency: str,
    policy: ArPolicy,
) -> list[data.Posting]:
    """Returns the postings that move `units` of a currency from one carried position to another.

    Each side is (account, carrying rate, posting metadata). A position in
    a foreign currency is carried at a rate in the functional currency;
    when both sides have one, the debit is priced at its rate and the credit
    at its own, and the difference between them is realized (a credit note
    at 1.10 netted against an invoice at 1.20, a credit received at 1.10
    paying an invoice at 1.30). When either has none, the units move as they
    are: there is no rate to realize a difference at.
    """
    digits = policy.precision.digits(currency)
    number = Decimal(units).scaleb(-digits)
    (to_account, to_rate, to_meta), (from_account, from_rate, from_meta) = debit, credit
    functional = policy.functional_currency
    if to_rate is None or from_rate is None or functional is None:
        to_rate = from_rate = None
    postings = [
        leg(to_account, number, currency, to_rate, functional, to_meta),
        leg(from_account, -number, currency, from_rate, functional, from_meta),
    ]
    if to_rate is None:
        return postings
    return with_realized_difference(postings, policy)


def weight(posting: data.Posting) -> Decimal:
    """Returns a posting's weight: its units, at its price if it has one, as Beancount weighs."""
    assert posting.units is not None and isinstance(posting.units.number, Decimal)
    if posting.price is None:
        return posting.units.number
    assert isinstance(posting.price.number, Decimal)
    return posting.units.number * posting.price.number


class ExactWriter:
    """Writes the common cash application fast: a receipt pays exactly what it clears.

    One currency, no exchange rate, no difference, no credit: two postings of
    the same amount. It is the same entry `application_entry` writes, its
    postings made with the policy's accounts and each currency's minor unit
    read once: it runs once per receipt on a large ledger.
    """

    def __init__(self, policy: ArPolicy) -> None:
        self.unapplied = policy.accounts.unapplied_cash
        self.receivable = policy.accounts.receivable
        self.precision = policy.precision
        self.minor_units: dict[str, Decimal] = {}

    def entry(self, application: Application, receipt: Receipt, item: Item) -> data.Transaction:
        """Returns the entry of `application`, which must be exact (see the class doc)."""
        cash, currency = application.cash, item.currency
        minor_unit = self.minor_units.get(currency)
        if minor_unit is None:
            minor_unit = self.minor_units[currency] = minor_unit_of(self.precision, currency)
        # The minor unit times an int is the number `Decimal(cash).scaleb(-digits)` is
        # (the same digits and exponent), in a sixth of the time.
        number = minor_unit * cash
        postings = [
            posting(self.unapplied, _units(number, currency)),
            posting(self.receivable, _units(-number, currency)),
        ]
        return _application_entry(application, receipt, item, postings)


def application_postings(
    application: Application,
    settlement: Settlement,
    cash: int,
    policy: ArPolicy,
) -> list[data.Posting]:
    """Returns the postings of a cash application.

    Args:
      application: What the matcher applied, in the invoice's minor units.
      settlement: The receipt and the invoice, with their rates.
      cash: What the application takes from the receipt, in its minor units.
      policy: Accounts, precision and the functional currency.
    """
    receipt, item, ratio = settlement.receipt, settlement.item, settlement.ratio
    to_number = policy.precision.from_minor
    crossed = receipt.currency != item.currency
    # In one currency the difference is realized only when both sides have a rate.
    rated = crossed or None not in (settlement.receipt_rate, settlement.invoice_rate)
    functional = policy.functional_currency
    receipt_rate = settlement.receipt_rate if rated and not crossed else None
    invoice_rate = settlement.invoice_rate if rated else None
    paid_in = receipt.currency
    write_off = _scaled(application.written_off, ratio)
    if crossed and application.written_off and settlement.day_rate is not None:
        # What the receipt is short or over of what it cleared is worth that
        # day, in its own currency: converting the difference in the
        # invoice's currency back would round twice (32.95 USD for 30.00 EUR
        # at 1.10 is 0.05 short, not 0.06).
        scale = Fraction(10) ** (
            policy.precision.digits(paid_in) - policy.precision.digits(item.currency)
        )
        write_off = round(application.cleared * Fraction(settlement.day_rate) * scale) - cash
    credited = _scaled(application.credited, ratio)
    legs = [
        (policy.accounts.unapplied_cash, cash, paid_in, receipt_rate),
        (policy.accounts.receivable, -application.cleared, item.currency, invoice_rate),
        (policy.write_off_account, write_off, paid_in, receipt_rate),
        (policy.customer_credits_account, -credited, paid_in, receipt_rate),
    ]
    postings = [
        leg(account, to_number(units, currency), currency, rate, functional)
        for account, units, currency, rate in legs
        if units
    ]
    if not rated:
        return postings  # One currency and no rates: it balances by construction.
    return with_realized_difference(postings, policy)


def transaction(
    located: Mapping[str, Any],
    day: datetime.date,
    narration: str,
    tags: frozenset[str],
    links: frozenset[str],
    postings: list[data.Posting],
    payee: str | None,
    extra: dict[str, Any],
) -> data.Transaction:
    """Returns a generated entry at the file and line of `located`, as `generated.transaction`.

    The metadata is built in one dictionary (the place, the generator, then
    `extra` in its order), and the entry without the call of its NamedTuple
    constructor: this runs once per cash application.
    """
    entry_meta = {
        "filename": located.get("filename", GENERATED_FILE),
        "lineno": located.get("lineno", 0),
        meta.GENERATED_BY: GENERATOR,
    }
    entry_meta.update(extra)
    fields = (entry_meta, day, "*", payee, narration, tags, links, postings)
    return _new(data.Transaction, fields)


def application_entry(
    application: Application, settlement: Settlement, cash: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the cash application entry of a receipt's cash applied to an invoice."""
    postings = application_postings(application, settlement, cash, policy)
    return _application_entry(application, settlement.receipt, settlement.item, postings)


def _application_entry(
    application: Application, receipt: Receipt, item: Item, postings: list[data.Posting]
) -> data.Transaction:
    if application.cleared:
        narration = f"Cash application {item.id} from {receipt.id}"
    elif application.credited:
        narration = f"Customer credit from {receipt.id}: {item.id} is already paid"
    else:
        narration = f"Over payment from {receipt.id} written off: {item.id} is already paid"
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        meta.APPLIED_RECEIPT: receipt.id,
        KIND: application.step,
    }
    customer = item.customer or receipt.customer  # the receivable cleared is the invoice's
    if customer:
        extra[meta.CUSTOMER] = customer
    return transaction(
        receipt.place,  # read for its file and line only
        application.date,  # the day the match became possible (`plugins.cash_matching`)
        narration,
        APPLICATION_TAGS,
        frozenset((item.id, receipt.link)),
        postings,
        receipt.payee or item.document.payee,
        extra,
    )


def _scaled(units: int, ratio: Fraction | None) -> int:
    return units if ratio is None else round(units * ratio)


def cash_of(applications: Sequence[Application], ratio: Fraction | None) -> list[int]:
    """Returns what each application of one receipt takes from it, in the receipt's minor units.

    The cumulative amount is rounded, so the pieces add up to the receipt's
    own amount when it is used up.
    """
    if ratio is None:
        return [application.cash for application in applications]
    pieces = []
    before = total = 0
    for application in applications:
        total += application.cash
        pieces.append(round(total * ratio) - round(before * ratio))
        before = total
    return pieces


def note_meta(note: Item, invoice: Item, kind: str) -> dict[str, Any]:
    """Returns the metadata of an entry a credit note makes on its invoice.

    The invoice it is for, the note as its source, its kind and the
    customer (the invoice's, else the note's): the netting, the excess
    left open on the note (`plugins.credit_notes`) and the write-off a
    note lowers (`plugins.recoveries.note_entry`) read alike.
    """
    extra: dict[str, Any] = {meta.INVOICE: invoice.id, meta.SOURCE: note.id, KIND: kind}
    customer = invoice.customer or note.customer
    if customer:
        extra[meta.CUSTOMER] = customer
    return extra


def own_rate_entry(settled: OwnRate, policy: ArPolicy) -> data.Transaction:
    """Returns the entry that realizes the difference of a typed posting at a rate of its own.

    The typed posting moved the item's units at its own rate: the entry
    moves them back at that rate and again at the item's carrying rate, so
    the receivable leaves the books at what it was carried at and the
    difference is realized (`carried_transfer`):

        2026-02-01 * "Exchange difference on INV-1: settled at 1.10, carried at 1.20"
          Assets:AccountsReceivable          30.00 EUR @ 1.10 USD
          Assets:AccountsReceivable         -30.00 EUR @ 1.20 USD
          Income:ForeignExchange:Realized     3.00 USD
    """
    item, movement = settled.item, settled.movement
    postings = own_rate_postings(
        policy.accounts.receivable,
        movement.units,
        item.currency,
        (settled.rate, settled.carrying),
        policy,
    )
    narration = (
        f"Exchange difference on {item.id}: settled at {settled.rate}, "
        f"carried at {settled.carrying}"
    )
    return item_entry(item, movement, narration, OWN_RATE, postings)


def own_rate_postings(
    account: str, units: int, currency: str, rates: tuple[Decimal, Decimal], policy: ArPolicy
) -> list[data.Posting]:
    """Returns the postings that carry a posting's units at the carrying rate instead of its own.

    `units` are the posting's, in minor units as posted, and `rates`
    its own rate and the carrying rate. A credit to the account (a payment
    of an invoice) is moved back at its own rate and out at the carrying
    rate; a debit (a refund) out at its own rate and back at the carrying
    rate: the difference is realized (`carried_transfer`). The one shape
    of the receivable's own-rate entry and a liability's (`paid_out_entry`).
    """
    own, carried = ((account, rate, None) for rate in rates)
    if units < 0:
        return carried_transfer(own, carried, -units, currency, policy)
    return carried_transfer(carried, own, units, currency, policy)


def paid_out_entry(
    account: str,
    debit: tuple[data.Transaction, Mapping[str, Any]],
    moved: tuple[int, str, Decimal, Decimal],
    narration: str,
    links: frozenset[str],
    extra: dict[str, Any],
    policy: ArPolicy,
) -> data.Transaction:
    """Returns the entry realizing a typed debit to a carried liability at a rate of its own.

    `debit` is the debit's entry and the metadata locating it (its line);
    `moved` its units (minor units, positive), their currency, its own
    rate and the liability's carrying rate. On the debit's day, at its
    line, the entry moves the units back at the debit's rate and out at
    the carrying rate (`own_rate_postings`), so the liability leaves the
    books at what it was carried at and the difference is realized. The
    one shape of a customer credit's (`plugins.credits_own_rate`) and a
    receipt's in unapplied cash (`plugins.unapplied_own_rate`); `extra`
    names whose it is, with `revclose_kind: "own-rate"`.
    """
    entry, place = debit
    units, currency, rate, carrying = moved
    postings = own_rate_postings(account, units, currency, (rate, carrying), policy)
    return transaction(
        place, entry.date, narration, APPLICATION_TAGS, links, postings, entry.payee, extra
    )


def item_entry(
    item: Item, movement: Movement, narration: str, kind: str, postings: list[data.Posting]
) -> data.Transaction:
    """Returns an entry the plugin makes of an item's typed posting: on its day, at its line.

    It is linked to the item and names it and its customer, with `kind`
    (`own-rate`, `rounding`).
    """
    extra: dict[str, Any] = {meta.INVOICE: item.id, meta.SOURCE: item.id, KIND: kind}
    if item.customer:
        extra[meta.CUSTOMER] = item.customer
    return transaction(
        movement.source,
        movement.date,
        narration,
        APPLICATION_TAGS,
        frozenset({item.id}),
        postings,
        movement.entry.payee or item.document.payee,
        extra,
    )


def remeasurement_entries(remeasurement: Remeasurement, policy: ArPolicy) -> list[data.Transaction]:
    """Returns a month-end remeasurement of an open item and its reversal the next day."""
    item = remeasurement.item
    return month_end_pair(
        MonthEnd(item.origin.source, item.id, item.id, item.id, item.customer, item.document.payee),
        remeasurement.day,
        remeasurement.units,
        remeasurement.rate,
        remeasurement.currency,
        policy.remeasurement_account,
        policy,
    )


class MonthEnd(NamedTuple):
    """What a month-end remeasurement is of: where it is located and what it names."""

    source: Mapping[str, Any]  # the line it is located at
    subject: str  # in its narration: an invoice, or a customer's credits in a currency
    source_id: str  # its `revclose_source`: the invoice, or the customer
    link: str
    customer: str  # "" if none
    payee: str | None


def month_end_pair(
    of: MonthEnd,
    day: datetime.date,
    units: int,
    rate: Decimal,
    functional: str,
    account: str,
    policy: ArPolicy,
) -> list[data.Transaction]:
    """Returns a month-end remeasurement and its reversal the next day.

    `units` (functional minor units, positive: a gain) go to `account`, the
    remeasurement account of what is remeasured, against unrealized
    exchange gains and losses, tagged `#fx-remeasurement`, with the rate
    used in `revclose_rate`; the next day moves them back.
    """
    unrealized = policy.unrealized_fx_account
    extra: dict[str, Any] = {meta.SOURCE: of.source_id, RATE: rate}
    if of.customer:
        extra[meta.CUSTOMER] = of.customer
    moves = (
        (day, "remeasurement", account, unrealized,
         f"FX remeasurement {of.subject} at {rate} {functional}"),
        (day + _ONE_DAY, "remeasurement-reversal", unrealized, account,
         f"Reversal of FX remeasurement {of.subject} of {day}"),
    )  # fmt: skip
    return [
        generated.transaction(
            of.source,
            GENERATOR,
            date,
            narration,
            REMEASUREMENT_TAGS,
            frozenset({of.link}),
            generated.transfer(debit, credit, units, functional, policy.precision),
            payee=of.payee,
            extra={**extra, KIND: kind},
        )
        for date, kind, debit, credit, narration in moves
    ]


def review_flag(
    located: Mapping[str, Any],
    day: datetime.date,
    kind: str,
    narration: str,
    link: str,
    payee: str | None,
    customer: str,
    receipt: str | None = None,
) -> data.Transaction:
    """Returns a `!` entry with no postings: a warning a reviewer sees in Fava and in reports.

    Args:
      located: The metadata of the line the flag is about.
      day: The day the flag is raised.
      kind: What raised it (`revclose_kind`).
      narration: What the reviewer reads.
      link: The invoice or receipt it is about: its link and `revclose_source`.
      payee: The payee shown.
      customer: The customer it concerns, if any.
      receipt: A receipt it is also about, beside an invoice: linked too, and
        named by `revclose_receipt`.
    """
    extra: dict[str, Any] = {KIND: kind, meta.SOURCE: link}
    links = {link}
    if receipt is not None:
        extra[meta.APPLIED_RECEIPT] = receipt
        links.add(link_of(receipt))
    if customer:
        extra[meta.CUSTOMER] = customer
    flag = generated.transaction(
        located, GENERATOR, day, narration, REVIEW_TAGS, frozenset(links), [], payee, extra
    )
    return flag._replace(flag="!")


def is_review_flag(entry: data.Directive) -> TypeGuard[data.Transaction]:
    """Tells whether an entry is a review flag this plugin raised (see `review_flag`)."""
    return (
        isinstance(entry, data.Transaction)
        and entry.flag == "!"
        and meta.TAG_RECEIVABLES_REVIEW in (entry.tags or ())
        and entry.meta.get(meta.GENERATED_BY) == GENERATOR
    )


def receivable_receipt_entry(
    item: Item,
    paid: Movement,
    receipt: str,
    moved: tuple[str, str, int],
    kind: str,
    narration: str,
    policy: ArPolicy,
    rate: Decimal | None = None,
) -> data.Transaction:
    """Returns the entry settling what a receipt posted straight to an invoice left over.

    Dated at `paid`, at its line, linked to the invoice and the receipt
    (`plugins.payment_differences`, `plugins.over_payments`).

    Args:
      item: The invoice.
      paid: The posting to the receivable the entry comes from: the
        receipt's, or a later debit's that takes its excess back.
      receipt: The receipt's id.
      moved: The account debited, the account credited and the amount, in
        the invoice's minor units.
      kind: The entry's `revclose_kind`.
      narration: The entry's narration.
      policy: The receivables policy.
      rate: Of an invoice carried at a foreign rate, that rate: both legs are
        priced at it, so no difference is realized (`plugins.over_payments`).
    """
    debited, credited, units = moved
    if rate is not None:
        side = (debited, rate, None), (credited, rate, None)
        postings = carried_transfer(*side, units, item.currency, policy)
    else:
        digits = policy.precision.digits(item.currency)
        postings = [
            posting(debited, units_of(units, item.currency, digits)),
            posting(credited, units_of(-units, item.currency, digits)),
        ]
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        meta.APPLIED_RECEIPT: receipt,
        KIND: kind,
    }
    if item.customer:
        extra[meta.CUSTOMER] = item.customer
    return transaction(
        paid.source,
        paid.date,
        narration,
        APPLICATION_TAGS,
        frozenset((item.id, link_of(receipt))),
        postings,
        paid.entry.payee or item.document.payee,
        extra,
    )
