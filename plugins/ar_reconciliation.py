"""Applies cash to invoices and proves the receivable at every load (AR reconciliation).

Receipts wait in unapplied cash until the plugin matches them to open
invoices (see plugins.cash_matching for the order of the steps) and moves
them to the receivable. Before:

    plugin "plugins.ar_reconciliation" "../config/ar.yaml"

    2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-14
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-02-03 * "Acme" "Wire 88123"
      customer: "CUS-1"
      Assets:Bank:Operating       100.00 USD
      Liabilities:UnappliedCash  -100.00 USD

After, one generated entry (the receipt has no id, so its file and line name it):

    2026-02-03 * "Acme" "Cash application INV-1 from main.beancount:12"
      #cash-application ^INV-1 ^main.beancount-12
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "main.beancount:12"
      revclose_kind: "amount"
      customer: "CUS-1"
      Liabilities:UnappliedCash   100.00 USD
      Assets:AccountsReceivable  -100.00 USD

It also nets credit notes against the invoices they credit before matching
(plugins.credit_notes), writes off differences within the tolerance, parks
larger over payments in customer credits and applies them to the customer's
next invoices (plugins.customer_credits), moves what receipts posted straight
to the receivable over pay beyond the tolerance to customer credits too
(plugins.over_payments), writes off what they leave open within the
tolerance (plugins.payment_differences), books realized exchange
differences and remeasures open foreign-currency invoices at month end
(plugins.fx), flags old unapplied cash, invoices long past due, receipts
paying another customer's invoice (plugins.other_payers) and credit notes
the customer owes with `!` entries,
and reports the receivable's control failures as errors
(plugins.ar_controls). Put it before `plugins.close_controls`, which ties the
receivable with what it adds.

While cash is matched, cash naming an invoice written off as uncollectible
reinstates it by what it recovers, on its day (plugins.recoveries). Once it is matched, a
later chargeback of a receipt takes back from what the receipt paid
(plugins.chargebacks); what it opens again of an invoice is open from
its day when the books are read again.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from beancount.core import data

from plugins import (
    ar_controls,
    ar_entries,
    ar_policy,
    cash_application,
    chargebacks,
    close_policy,
    credit_notes,
    credits_own_rate,
    credits_remeasurement,
    customer_credits,
    derecognition,
    fx,
    generated,
    horizon,
    meta,
    over_payments,
    payment_differences,
    receipts,
    receivables,
    recoveries,
    tie_outs,
    unapplied_own_rate,
    unapplied_remeasurement,
)
from plugins import policy as policy_files
from plugins.ar_policy import ArPolicy

__plugins__ = ("ar_reconciliation",)

GENERATOR = ar_entries.GENERATOR
CLOSE_CONTROLS = "plugins.close_controls"


class ArReconciliationError(NamedTuple):
    """A receivable the user must fix; `source` points at the line."""

    source: dict[str, Any]
    message: str
    entry: Any


def ar_reconciliation(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[Any]]:
    """Adds cash applications, exchange differences and review flags; checks the receivable.

    Args:
      entries: The directives of the ledger.
      options_map: The ledger's options.
      config: Path of the receivables policy YAML, relative to the ledger's folder.
    Returns:
      The entries with the generated ones added, and the errors found. A bad
      policy returns the entries unchanged.
    """
    policy, policy_errors = ar_policy.load(config, options_map)
    if policy_errors:
        return entries, policy_errors
    with _collector_paused():
        made, findings = _generated(entries, options_map, policy)
        result = [*entries, *made]
    return result, [ArReconciliationError(*found) for found in findings]


def _generated(
    entries: list[data.Directive], options_map: dict[str, Any], policy: ArPolicy
) -> tuple[list[data.Directive], list[receivables.Finding]]:
    """Returns the entries the plugin adds (the accounts it opens first) and its findings."""
    books = Books.of(entries, policy, _folder(options_map))
    made, findings, subledger = reconcile(books, policy)
    if not _tied_out_by_close_controls(options_map):
        receivable = policy.accounts.receivable
        findings += tie_outs.receivables(subledger.unnamed, receivable)
        allowed = {policy.remeasurement_account}
        findings += tie_outs.receivable_sub_accounts(books.opens, receivable, allowed)
    opens = generated.opens(books.opens, _first_use(made, books.opens), GENERATOR)
    return [*opens, *made], findings


_RECEIVABLE, _UNAPPLIED_CASH, _CUSTOMER_CREDITS = 1, 2, 4  # what a posting's account is


class Books(NamedTuple):
    """What the plugin reads of the ledger, found in one pass over its entries.

    Attributes:
      entries: Every directive.
      typed: The receivable's open items, as the typed entries leave them (until
        `reconcile` posts what it generates into them).
      receipts: The receipts, with the typed debits that used them (likewise).
      findings: The bad postings found reading them.
      customer_credits: The transactions that post to customer credits.
      both: The transactions that post to the receivable and to unapplied cash.
      opens: The Open directives.
      horizon: The books' horizon (plugins.horizon): the month end of their
        latest typed transaction, if any.
      folder: The ledger's folder, for receipts identified by file and line.
    """

    entries: Sequence[data.Directive]
    typed: receivables.Subledger
    receipts: receipts.Receipts
    findings: list[receivables.Finding]
    customer_credits: list[data.Transaction]
    both: list[data.Transaction]
    opens: list[data.Directive]
    horizon: datetime.date | None
    folder: str

    @classmethod
    def of(cls, entries: Sequence[data.Directive], policy: ArPolicy, folder: str) -> Books:
        """Returns the plugin's view of the ledger's entries.

        Each entry is visited once: its postings to the receivable and to
        unapplied cash are collected, each with its entry and position, for
        their readers.

        Args:
          entries: The directives of the ledger.
          policy: The receivables policy.
          folder: The ledger's folder, for receipts identified by file and line.
        """
        # A dict, so an account given two roles keeps the last, as it always has.
        roles = {
            policy.accounts.receivable: _RECEIVABLE,
            policy.accounts.unapplied_cash: _UNAPPLIED_CASH,
            policy.customer_credits_account: _CUSTOMER_CREDITS,
        }
        receivable: list[receivables.Row] = []
        cash: list[receivables.Row] = []
        add_receivable, add_cash = receivable.append, cash.append
        role_of = roles.get
        credits: list[data.Transaction] = []
        both: list[data.Transaction] = []
        opens: list[data.Directive] = []
        for entry in entries:
            if isinstance(entry, data.Transaction):
                position = touched = 0
                for posting in entry.postings:
                    position += 1
                    role = role_of(posting.account)
                    if role is None:
                        continue
                    touched |= role
                    if role == _RECEIVABLE:
                        add_receivable((entry, position, posting))
                    elif role == _UNAPPLIED_CASH:
                        add_cash((entry, position, posting))
                if touched:
                    if touched & _CUSTOMER_CREDITS:
                        credits.append(entry)
                    if touched & _RECEIVABLE and touched & _UNAPPLIED_CASH:
                        both.append(entry)
            elif isinstance(entry, data.Open):
                opens.append(entry)
        typed, findings = receivables.subledger(receivable, policy.precision)
        found, more = receipts.receipts_of(cash, policy.precision, folder, typed)
        through = horizon.books_horizon(horizon.latest_typed(entries))
        return cls(entries, typed, found, findings + more, credits, both, opens, through, folder)


Recoveries = dict[str, list[recoveries.Demand]]  # by invoice written off

# Readings of the books counted at most: each after the first knows what the one
# before found (take-backs capped, recoveries, write-offs later postings follow,
# chargebacks read as before, what chargebacks opened again). One such finding
# needs two. A reading that moves only reopenings forward in time, or only adds
# to the write-offs carried, is not counted (`_advanced`, `_written_more`).
_READINGS = 8


def reconcile(
    books: Books, policy: ArPolicy
) -> tuple[list[data.Transaction], list[receivables.Finding], receivables.Subledger]:
    """Returns the generated entries of the receivable, its control findings and open items.

    A take-back of an over payment is capped at what its credit still holds
    on its day, which is known only once the credits are applied. When one
    is capped, what it leaves open on the invoice is for the other steps
    (credit notes, cash matching, customer credits, the invoice's later
    postings) to see in their order: the books are read again with the caps
    known, until no take-back is capped anew. So they are when a receipt in
    unapplied cash recovers an invoice written off before a receipt posted
    straight to it (`plugins.recoveries.Allocation`): what it recovers is
    known only once cash is matched, and the straight receipt's excess, moved
    to customer credits first, follows from it. So they are when a payment
    difference is written off on a day after which the invoice is posted
    again (`plugins.payment_differences.write_offs`): the write-off settles
    the invoice from its day, so it is posted before anything else is read;
    and when a debit of a receipt kept off it while cash is matched is to be
    read as before (`plugins.chargebacks`): it is then taken off the receipt
    first; or asked more of the customer credit its receipt parked than the
    credit held on its day: it then asks what the credit could give. And
    when a chargeback of a receipt that recovered an invoice written off
    writes it off again (or a write-off again read before is gone or of
    another amount), and a receipt naming the invoice, in unapplied cash or
    posted straight to it, or a credit note for it, brought it something
    on or after that day (`plugins.recoveries.Recovering.brought`): the
    write-off is then read with the typed ones, and the receipt recovers it
    again, or the note lowers it. One neither follows is not read again:
    nothing would change.
    And when a chargeback's take-back opens an invoice again
    (`plugins.chargebacks.Charged.in_calendar`): what it opened is then
    posted to the invoice before cash is matched, as a returned payment
    typed to it would be, so the matcher's calendar knows it from that day
    on; the take-back made again once cash is matched replaces it.
    And when a receipt named by a typed debit to customer credits naming
    no customer parks credits, once cash is matched, for other customers
    than the debit was read with before matching (one posted straight to
    the receivable over paying in the matcher's calendar,
    `plugins.over_payments.InCalendar`; one in unapplied cash parking its
    excess for the customer of the invoice it over pays): whose the debit
    is (`customer_credits.Owner`) is then read with them
    (`_parked_in_calendar`). A debit naming its customer is that
    customer's whatever the receipt's parts: it is read once.
    And when the matcher's calendar parks in a customer credit and a typed
    debit dated on or after the parking reads the days before it, its
    customer holding an earlier credit (`customer_credits.Crediting.foreseen`):
    on the days before, the parking counts as to come, in what the account
    will hold for its customer and what its credit may pay out
    (`customer_credits.Held.available`, `customer_credits.Crediting.usable`),
    so the debit does not hold back the earlier credits.

    Args:
      books: The plugin's view of the ledger.
      policy: The receivables policy.
    """
    known = _Known()
    counted, reached = 0, None
    while True:
        made, findings, subledger, learned = _reconciled(books, policy, known)
        if learned.settled:
            break
        advanced = _advanced(learned, reached)
        if advanced is not None:
            reached = advanced
        elif not _written_more(learned, known.carried):
            counted += 1
        if counted == _READINGS:
            findings += _unsettled(learned, books.receipts, subledger)
            break
        known.absorb(learned)
        books = Books.of(books.entries, policy, books.folder)
    return made, findings, subledger


def _advanced(learned: _Learned, reached: datetime.date | None) -> datetime.date | None:
    """Returns the day a reading's new reopenings start from, if they alone move, past `reached`.

    A chain of chargebacks each repaid by a receipt that a later one takes
    back settles one link a reading: what the next chargeback opens again
    is known only once the receipt before it is matched to the invoice the
    last one opened. Such a reading moves the books forward in time (its
    first change is later than the last such reading's), so it is not
    counted against `_READINGS`: the readings stay bounded by the days of
    the books' take-backs, and a long chain settles rather than ending in
    an error. Any other change is counted.
    """
    if not learned.reopened_anew or not learned._replace(reopened=None).settled:
        return None
    first = min(movement.date for _, movement in learned.reopened_anew)
    return first if reached is None or first > reached else None


def _written_more(learned: _Learned, carried: payment_differences.Carried | None) -> bool:
    """Tells whether a reading only adds write-offs to those carried, every one found again.

    A chain of payment differences each followed by cash the plugin matches
    to the invoice settles one link a reading: a later write-off found anew
    is carried only once the one before it is (`plugins.payment_differences
    .write_offs`). Such a reading, after one that carried some, is not
    counted against `_READINGS`: each carries more write-offs than the one
    before, and an invoice has at most one on each day a receipt is posted
    straight to it, so between two counted readings there are no more such
    readings than those days, and a long chain settles rather than ending
    in an error. The first reading to find write-offs, and any other
    change, is counted.
    """
    if not carried or learned.written is None or not learned._replace(written=None).settled:
        return False
    return set(payment_differences.keys(carried)) < set(payment_differences.keys(learned.written))


class _Known:
    """What earlier readings of the books found, for the next to read first (`reconcile`)."""

    def __init__(self) -> None:
        self.caps: dict[over_payments.Key, int] = {}  # what each capped take-back can take back
        self.demands: Recoveries = {}  # what recovering receipts bring, by invoice written off
        # The write-offs posted before cash is matched; None: write off at the end of the books.
        self.carried: payment_differences.Carried | None = []
        self.early: set[chargebacks.Key] = set()  # debits taken off their receipts before matching
        self.reclaims: dict[chargebacks.Key, int] = {}  # what a receipt's credit can give a debit
        # The claims of debits on their receipts' credits, decided with the credits' applications.
        self.claims: dict[chargebacks.Key, customer_credits.Claim] = {}
        self.again: dict[str, list[recoveries.WriteOff]] = {}  # written off again by chargebacks
        # What chargebacks opened again of invoices the calendar reads, posted before matching.
        self.reopened: list[tuple[str, receivables.Movement]] = []
        # Whose credits receipts named by typed debits parked once cash was matched.
        self.parked: dict[str, list[str]] = {}
        # What the matcher's calendar parked where it could change a reading (`Crediting.foreseen`).
        self.foreseen: dict[customer_credits.Parked, int] = {}
        self._tried = {payment_differences.keys([])}  # the write-offs carried so far

    def absorb(self, learned: _Learned) -> None:
        """Takes in what a reading found anew."""
        self.caps.update(learned.caps)
        self.demands = learned.demands or self.demands
        if learned.written is not None:
            # Come round to write-offs carried before: write off at the end instead.
            keys = payment_differences.keys(learned.written)
            self.carried = None if keys in self._tried else learned.written
            self._tried.add(keys)
        self.early |= learned.early
        self.reclaims.update(learned.reclaims)
        if learned.claims is not None:
            self.claims = learned.claims
        if learned.again is not None:
            self.again = learned.again
        if learned.reopened is not None:
            self.reopened = learned.reopened
        if learned.parked is not None:
            self.parked = learned.parked
        if learned.foreseen is not None:
            self.foreseen = learned.foreseen


def _unsettled(
    learned: _Learned, cash: receipts.Receipts, subledger: receivables.Subledger
) -> list[receivables.Finding]:
    """Returns an error at each step still found anew after the last reading of the books.

    A take-back still capped, a recovery, a write-off or a chargeback still
    to be read first, or whose credits a receipt named by a typed debit
    parked once cash was matched: what it settles, and so the invoice's
    later steps, may then be wrong, and the user is told rather than handed
    figures that did not settle. Each error is at the line of the debit, receipt or
    write-off concerned (a recovery's, at its receipt in unapplied cash; a
    credit note's lowering of a write-off, at the note's line; a write-off
    again's, at its chargeback's debit; whose credits, at the receipt's).
    So is what the calendar still parks otherwise than the reading before
    foresaw, at the receipt's line (of a credit typed by hand, the line of
    the entry moving it to customer credits: `_receipt_lines`).
    """
    readings = f"did not settle in {_READINGS} readings of the books"
    found: list[receivables.Finding] = [
        (
            {"filename": filename, "lineno": lineno},
            f"The take-back of {receipt}'s over payment of {invoice} {readings}; "
            "book the refund against customer credits instead",
            None,
        )
        for invoice, receipt, filename, lineno, _ in sorted(learned.caps)
    ]
    found += [
        (
            {"filename": filename, "lineno": lineno},
            f"The debit of {receipt} on {day} {readings}; "
            "type it to the invoice it reopens or to the customer's credits instead",
            None,
        )
        for receipt, day, _, filename, lineno in sorted(
            learned.early | learned.reclaims.keys() | (learned.claims or {}).keys()
        )
    ]
    for invoice, movement in learned.written or ():
        where = movement.entry.meta
        found.append(
            (
                {"filename": where.get("filename"), "lineno": where.get("lineno", 0)},
                f"The write-off of {invoice}'s payment difference {readings}; "
                "book the difference by hand instead",
                None,
            )
        )
    reopened: dict[tuple[str, str, Any, Any], None] = {}  # one error at each debit and invoice
    for invoice, movement in learned.reopened_anew:
        where = movement.entry.meta  # the take-back's: at its debit
        receipt = str(where.get(meta.APPLIED_RECEIPT))
        reopened[(invoice, receipt, where.get("filename"), where.get("lineno", 0))] = None
    found += [
        (
            {"filename": filename, "lineno": lineno},
            f"The chargeback of {receipt} opening {invoice} again {readings}; "
            "type it to the invoice it reopens instead",
            None,
        )
        for invoice, receipt, filename, lineno in reopened
    ]
    places = {  # one error at each chargeback, for each invoice it wrote off again
        (invoice, write_off.place or ("<ar_reconciliation>", 0)): None
        for invoice, write_off in learned.again_anew
    }
    found += [
        (
            {"filename": filename, "lineno": lineno},
            f"The write-off of {invoice} again by a chargeback of its recovery {readings}; "
            "book its later recovery by hand instead",
            None,
        )
        for invoice, (filename, lineno) in places
    ]
    items = subledger.items
    for invoice, demanded in sorted((learned.demands or {}).items()):
        for receipt in sorted({receipt for _, receipt, _ in demanded}):
            note = items.get(receipt)
            if note is not None and not note.is_invoice:
                found.append(
                    (
                        dict(note.origin.source),
                        f"The credit note {receipt} lowering what was written off of "
                        f"{invoice} {readings}; book what it reverses of the write-off "
                        "by hand instead",
                        None,
                    )
                )
                continue
            paid = cash.by_id.get(receipt)
            found.append(
                (
                    dict(paid.place) if paid else {"filename": "<ar_reconciliation>", "lineno": 0},
                    f"The recovery of {invoice}, written off, by {receipt} {readings}; "
                    "book the recovery by hand instead",
                    None,
                )
            )
    whose = _receipt_lines({receipt for receipt, _ in learned.parked_anew}, cash, items)
    found += [
        (
            dict(where),
            f"Whose credit the debits naming {paying} use {readings}; "
            "name the customer on them instead",
            None,
        )
        for paying, where in whose
    ]
    parking = {credit.receipt for credit, _ in learned.foreseen_anew}
    found += [
        (
            dict(where),
            f"What {paying} parks in customer credits once cash is matched {readings}; "
            "move its over payments to customer credits by hand instead",
            None,
        )
        for paying, where in _receipt_lines(parking, cash, items)
    ]
    return found


def _receipt_lines(
    named: set[str], cash: receipts.Receipts, items: Mapping[str, receivables.Item]
) -> list[tuple[str, Mapping[str, Any]]]:
    """Returns the line of each receipt or credit `named`, by id: in unapplied cash, else its first.

    Of a receipt posted straight to the receivable, its first entry's: the
    earliest by date, then as an invoice's postings of a day are read
    (`receivables.day_order`: not by file and line), whatever invoice it
    pays (an entry moving its over payment to customer credits is at one
    of its postings, never before). Of a credit typed by hand, named by its file
    and line, the first entry moving what it over pays to customer credits
    (`over_payments.moved_from`): at its posting to the receivable.
    """
    if not named:
        return []
    first: dict[str, tuple[receivables.DayOrder, Mapping[str, Any]]] = {}
    for item in items.values():
        for movement in item.movements:
            paying = receipts.posted_straight(movement) or over_payments.moved_from(movement)
            if paying in named:
                at = receivables.day_order(movement)
                if paying not in first or at < first[paying][0]:
                    first[paying] = (at, movement.entry.meta)
    where_paid = {paying: where for paying, (_, where) in first.items()}
    for paying in named:
        paid = cash.by_id.get(paying)
        if paid is not None:
            where_paid[paying] = paid.place
    return sorted(where_paid.items(), key=lambda one: one[0])


def _reconciled(
    books: Books, policy: ArPolicy, known: _Known
) -> tuple[
    list[data.Transaction],
    list[receivables.Finding],
    receivables.Subledger,
    _Learned,
]:
    """Returns `reconcile`'s result with what earlier readings found, and what this one found anew.

    `known` is read first: take-backs capped, what recovering receipts
    bring, write-offs posted before cash is matched, debits taken off their
    receipts before matching, what receipts' credits can give debits,
    what chargebacks opened again of invoices the calendar reads and what
    it parks where that could change the reading.
    """
    unapplied = policy.accounts.unapplied_cash
    typed, findings = books.typed, list(books.findings)
    rates = fx.Rates(books.entries, policy.functional_currency)
    # A typed payment with a rate on one side only of the item it pays cannot settle it.
    findings += fx.paid_with_one_rate(typed, rates)
    typed.post(known.carried or [])  # write-offs settle their invoices from their day
    # What receipts posted straight to an invoice over pay on the typed
    # postings alone is moved to customer credits first. The typed items are
    # read before anything else is posted: the subledger grows in place.
    moved = over_payments.to_customer_credits(
        typed, rates, policy, known.caps, known.demands, known.again, books.folder
    )
    typed.post(moved.movements)
    controls = ar_controls.applications_to_nothing(typed, unapplied, books.both)
    applied = _applied(
        typed, books.receipts, books.customer_credits, moved, rates, policy, known, books.folder
    )
    # Over payments are read once every application is made, a credit
    # note's netting with them, and every rule has moved what is the
    # customer's (`plugins.ar_controls.overpaid`): what is left is no one's.
    controls = ar_controls.overpaid(applied.subledger, policy) + controls
    findings += applied.findings
    # Once every application is made, each clears its share of a foreign
    # invoice's carrying amount cumulatively, in the order they are dated.
    cleared = derecognition.cumulative(applied.entries, applied.subledger, rates, policy)
    made = [*moved.entries, *cleared]
    # A debit to a customer's foreign-currency credits at a rate other than the
    # pool's (a refund typed at its own, a credit applied at its receipt's)
    # realizes what it differs from the pool's carrying amount.
    crediting = _credit_entries(books.customer_credits, made, applied, policy)
    owner = customer_credits.Owner(applied.cash.by_id, applied.subledger, policy, crediting)
    own_rates = credits_own_rate.entries(crediting, owner, policy)
    made += own_rates.entries
    # So does a typed debit of a receipt in unapplied cash at a rate other than the receipt's;
    # one without a price of a receipt typed at one is an error at its line.
    paid_out = unapplied_own_rate.entries(applied.cash, made, rates, policy)
    made += paid_out.entries
    findings += paid_out.findings
    # Month-end entries are made through the books' horizon, not their last
    # date: December's remeasurement is due once the books reach December, so
    # typing January adds none to a closed December.
    through = books.horizon
    if through is not None:
        for remeasurement in fx.remeasurements(applied.subledger, rates, policy, through):
            made += ar_entries.remeasurement_entries(remeasurement, policy)
        # Customer credits in a foreign currency, pooled per customer, by the same rule,
        # each pool stopped on the day the own-rate pass stopped it.
        made += credits_remeasurement.entries(
            [*crediting, *own_rates.entries], owner, rates, policy, through, own_rates.stops
        )
        # Unapplied cash in a foreign currency, receipt by receipt, by the same rule,
        # each receipt stopped on the day the own-rate pass stopped it.
        made += unapplied_remeasurement.entries(
            applied.cash, made, rates, policy, through, paid_out.stops
        )
        made += ar_controls.review_flags(applied.subledger, applied.cash, policy, through)
    return made, findings + controls, applied.subledger, applied.learned


class _Learned(NamedTuple):
    """What a reading of the books found that the next must read first (`reconcile`)."""

    caps: dict[over_payments.Key, int]  # what each take-back capped anew could take back
    demands: Recoveries | None  # what recovering receipts brought, if to be read again
    written: payment_differences.Carried | None  # write-offs to post first, if to be read again
    early: set[chargebacks.Key]  # debits to take off their receipts before matching, found anew
    reclaims: dict[chargebacks.Key, int]  # what a receipt's credit could give each debit, anew
    # The claims of debits on credits to decide with the credits' applications, if to read again.
    claims: dict[chargebacks.Key, customer_credits.Claim] | None
    # What chargebacks of recoveries wrote off again, if a later receipt or note may take of it.
    again: dict[str, list[recoveries.WriteOff]] | None = None
    # Of it, what differs from what this reading read and a receipt or note read, by invoice.
    again_anew: Sequence[tuple[str, recoveries.WriteOff]] = ()
    # What chargebacks opened again of invoices the calendar reads, if to be read again.
    reopened: list[tuple[str, receivables.Movement]] | None = None
    # Of it, what this reading found and the one before did not, or the other way round.
    reopened_anew: Sequence[tuple[str, receivables.Movement]] = ()
    # Whose credits receipts named by typed debits parked once cash was matched, if read again.
    parked: dict[str, list[str]] | None = None
    # Of it, what this reading found and the one before did not, or the other way round.
    parked_anew: Sequence[tuple[str, list[str]]] = ()
    # What the calendar parked where it could change the reading, if to be read again.
    foreseen: dict[customer_credits.Parked, int] | None = None
    # Of it, what this reading found and the one before did not, or the other way round.
    foreseen_anew: Sequence[tuple[customer_credits.Parked, int]] = ()

    @property
    def settled(self) -> bool:
        """Whether the next reading would read what this one did."""
        return (
            not self.caps
            and self.demands is None
            and self.written is None
            and not self.early
            and not self.reclaims
            and self.claims is None
            and self.again is None
            and self.reopened is None
            and self.parked is None
            and self.foreseen is None
        )


class _Applied(NamedTuple):
    """What the receivable is once credit notes, cash and credits are applied."""

    entries: list[data.Transaction]
    subledger: receivables.Subledger
    cash: receipts.Receipts  # with every use of each receipt
    findings: list[receivables.Finding]
    learned: _Learned  # what the next reading of the books must read first


def _applied(
    subledger: receivables.Subledger,
    cash: receipts.Receipts,
    credit_entries: Sequence[data.Transaction],
    moved: over_payments.Moved,
    rates: fx.Rates,
    policy: ArPolicy,
    known: _Known,
    folder: str,
) -> _Applied:
    """Nets credit notes, matches receipts and applies credits, charges back, then writes off.

    Each step posts what it generates into the subledger and the receipts,
    in place, so the next reads what is left. Customer credits are applied
    day by day while receipts are matched (`customer_credits.Crediting`),
    with the take-backs of over payments (`plugins.over_payments`) as
    claims on them. A later debit that may charge back an applied receipt
    is kept off it until cash is matched (`plugins.chargebacks`): its claim
    on the credit its receipt parked is then added, and decided on the
    credit's later days, or at the end. The customers whose invoices a
    chargeback opened again have their receipts matched and credits
    applied again; a debit reaching into what its receipt's credit paid is
    charged only then, once all the credit paid is known
    (`chargebacks.Charging.charge_waiting`), and the customers whose
    invoices those debits opened again have their receipts matched and
    credits applied once more; a debit of that round its receipt's credit
    could not yet cover is charged again then, until a round opens
    nothing again. What an earlier reading found
    chargebacks opened again of invoices the calendar reads is posted to
    them first, open from the debit's day in the calendar, and taken off
    as each debit is charged again (`chargebacks.Charging`): a debit waiting
    for a later round leaves what it opened open while its customers' cash
    is matched again.

    Args:
      subledger: The open items of the typed books.
      cash: The receipts, with the typed debits that used them.
      credit_entries: The entries that post to customer credits.
      moved: What receipts posted straight to the receivable over paid, moved to
        customer credits, and the take-backs asked of it (`plugins.over_payments`).
      rates: The ledger's prices.
      policy: The receivables policy.
      known: What earlier readings of the books found (`reconcile`).
      folder: The ledger's folder: a credit typed by hand is named by its file and line.
    """
    # What chargebacks opened again, as an earlier reading found, is open from their day.
    subledger.post(known.reopened)
    netted = credit_notes.net(subledger, policy, rates)
    subledger.post(netted.movements)
    own_rates = _realized_own_rates(subledger, rates, policy)
    # A later chargeback of a receipt is posted to it once cash is matched.
    withheld = chargebacks.withhold(cash, policy, known.early)
    # Cash naming an invoice written off as uncollectible recovers it on its day, as it is matched.
    recovering = recoveries.Recovering(
        subledger, cash, policy, moved.straight, known.again, netted.left_open, rates
    )
    # What receipts posted straight to the receivable over pay in the typed postings alone,
    # and whose parts of their credits that makes them, the first first.
    straight = customer_credits.parked_by(moved.entries, policy)
    typed_parts = customer_credits.customers_of(straight.values())
    crediting, read = _crediting(
        subledger, cash, credit_entries, moved, straight, typed_parts, recovering, policy, known
    )
    # What receipts posted straight to the receivable over pay once cash is matched, on their day.
    over_paid = over_payments.InCalendar(
        subledger, rates, policy, crediting, moved.entries, recovering, folder
    )
    applied = cash_application.apply(
        subledger,
        cash,
        rates,
        policy,
        recovering=recovering,
        crediting=crediting,
        over_paid=over_paid,
    )
    subledger.post(recovering.movements)
    subledger.post(applied.movements)
    cash.post(applied.uses)
    # Every credit parked. `moved.entries` is read again, not `straight`: the matcher's calendar
    # replaces in place a moved excess that cash matched before its day grows, at the receipt's
    # first posting of that day (`over_payments.InCalendar`), where the credit is located.
    parked = customer_credits.parked_by(
        [*moved.entries, *over_paid.entries, *applied.crediting], policy
    )
    credited = crediting.applied(parked, policy, rates)
    subledger.post(credited.movements)
    # What chargebacks opened again stays posted until each debit is charged again.
    charging = chargebacks.Charging(cash, subledger, policy, known.reclaims, known.reopened)
    charged = charging.charge(withheld, credited.entries)
    _claim_anew(charged.reclaims, crediting, known.claims)
    made = [
        *netted.entries,
        *own_rates,
        *recovering.entries,
        *over_paid.entries,
        *applied.entries,
        *charged.entries,
        *credited.entries,
    ]
    findings = [*netted.findings, *applied.findings, *credited.findings, *charged.findings]

    def match_again(customers: set[str]) -> None:
        # A receipt of what a chargeback opened again is matched and
        # applied only now: match those customers' receipts again.
        crediting.revisit(customers)
        first = len(over_paid.entries)
        matched = cash_application.apply(
            subledger, cash, rates, policy, customers, crediting=crediting, over_paid=over_paid
        )
        findings.extend(matched.findings)
        subledger.post(matched.movements)
        cash.post(matched.uses)
        made.extend([*over_paid.entries[first:], *matched.entries])
        parking = [*over_paid.entries[first:], *matched.crediting]
        customer_credits.parked_by(parking, policy, parked)

    again = charged.customers | crediting.waiting()
    if again:
        match_again(again)
    rematched = crediting.applied(parked, policy, rates)
    subledger.post(rematched.movements)
    made += rematched.entries
    findings += rematched.findings
    # A debit reaching into what its receipt's credit paid, once the credits paid again.
    paid_by_credits = [*credited.entries, *rematched.entries]
    hold = True
    while True:
        claimed, opened = len(charged.reclaims), len(charged.reopened)
        found = len(charged.findings)
        made += charging.charge_waiting(paid_by_credits, hold)
        findings.extend(charged.findings[found:])
        _claim_anew(charged.reclaims[claimed:], crediting, known.claims)
        # What those debits opened again is paid by the customer's waiting cash and credits
        # once more, as the first round's reopenings are; what each leaves open, less what
        # it writes off again of a recovery, is posted before matching in the next reading
        # (`chargebacks.Charged.in_calendar`) and stays posted until its debit is charged.
        late = {subledger.items[invoice].customer for invoice, _ in charged.reopened[opened:]}
        if late:
            match_again(late)
            last = crediting.applied(parked, policy, rates)
            subledger.post(last.movements)
            made += last.entries
            findings += last.findings
            paid_by_credits += last.entries
        if not charging.waiting:
            break
        # A debit its credit could not cover waits while the round before opened something
        # again its credit may pay; then it is charged as it stands.
        hold = bool(late)
    crediting.finish()
    taken = crediting.taken
    made += over_payments.settled(moved.take_backs, taken, subledger, policy)
    asked = [(take_back, take_back.claim) for take_back in moved.take_backs]
    later = {
        take_back.key: taken[claim.key]
        for take_back, claim in asked
        if taken[claim.key] < claim.units
    }
    # Last, when every receipt is applied: what receipts posted straight to
    # the receivable leave open within the tolerance at a day's end.
    differences = payment_differences.write_offs(
        subledger, rates, policy, known.carried, made, cash.by_id
    )
    subledger.post(differences.movements)
    made += [movement.entry for _, movement in known.carried or ()]
    made += differences.entries
    reclaimed, claims = _claims_learned(charged, crediting, known.claims)
    demands = None if recovering.settled else recovering.demands
    brought = recovering.brought()
    written = charged.written_again(known.again, brought)
    reopened = charged.in_calendar()
    in_calendar = _parked_in_calendar(typed_parts, parked, read)
    foreseen = crediting.foreseen()
    learned = _Learned(
        later,
        demands,
        differences.carried,
        charged.early,
        reclaimed,
        claims,
        written,
        charged.anew(known.again, brought),
        None if reopened == known.reopened else reopened,
        _changed(known.reopened, reopened),
        None if in_calendar == known.parked else in_calendar,
        _changed(list(known.parked.items()), list(in_calendar.items())),
        None if foreseen == known.foreseen else foreseen,
        _changed(list(known.foreseen.items()), list(foreseen.items())),
    )
    return _Applied(made, subledger, cash, findings, learned)


_Found = TypeVar("_Found")  # what a reading found: a reopening, a receipt's parts


def _changed(before: Sequence[_Found], now: Sequence[_Found]) -> list[_Found]:
    """Returns what one of two readings found (reopenings, parts) the other did not.

    What is gone in the last reading unsettles the books as much as what
    it found anew: each is named in the error (`_unsettled`). Readings
    whose parts alternate (A, B, A, ...) end with the last's change named.
    """
    return [one for one in before if one not in now] + [one for one in now if one not in before]


def _crediting(
    subledger: receivables.Subledger,
    cash: receipts.Receipts,
    credit_entries: Sequence[data.Transaction],
    moved: over_payments.Moved,
    straight: Mapping[customer_credits.CreditKey, customer_credits.Credit],
    typed_parts: Mapping[str, Sequence[str]],
    recovering: recoveries.Recovering,
    policy: ArPolicy,
    earlier: _Known,
) -> tuple[customer_credits.Crediting, dict[str, str]]:
    """Returns the customer credits step the matcher runs on its days, with the credits known.

    Those are what receipts posted straight to the receivable over paid,
    moved to customer credits (`straight`, of `moved.entries`, and whose
    parts that makes them, `typed_parts`), and the take-backs claimed of
    them; and the claims of chargebacks an earlier reading found
    (`_claims_learned`). Whose a typed debit naming a receipt is reads
    whose credits an earlier reading found it parked once cash was matched
    (`_parked_in_calendar`). With it, the receipts whose part of their
    credits typed debits read (`customer_credits.Uses.read`).
    """
    known = [*credit_entries, *moved.entries]
    parts = {**typed_parts, **earlier.parked}
    owner = customer_credits.Owner(cash.by_id, subledger, policy, known, parts)
    held = customer_credits.Held.of(known, owner, policy, earlier.foreseen)
    uses = customer_credits.typed_uses(credit_entries, policy, owner)
    crediting = customer_credits.Crediting(
        policy, held, uses.parts, cash.by_id, subledger.items, recovering
    )
    for credit in straight.values():
        for day, units in credit.parkings:  # each entry's amount from its own day
            crediting.add(credit.parked._replace(date=day), units)
    crediting.claim([take_back.claim for take_back in moved.take_backs])
    crediting.claim(list(earlier.claims.values()))
    return crediting, uses.read


def _parked_in_calendar(
    typed_parts: Mapping[str, Sequence[str]],
    parked: Mapping[customer_credits.CreditKey, customer_credits.Credit],
    read: Mapping[str, str],
) -> dict[str, list[str]]:
    """Returns whose credits receipts named by typed debits parked once cash was matched, if new.

    Of the receipts a typed debit to customer credits naming no customer
    names (`customer_credits.Uses.read`: one naming its customer is that
    customer's whatever the receipt's parts), those that parked credits
    (`parked`) for other customers than the parts the debit was read with
    before matching (`customer_credits.Owner`): those its typed postings
    alone park (`typed_parts`), else, of a receipt they park none of, its
    own customer (`customer_credits.Uses.read`). So a receipt posted
    straight whose credits the matcher's calendar found for more or other
    customers (`plugins.over_payments.InCalendar`), or one in unapplied cash
    parking for another than its own customer (its excess is the
    customer's of the invoice its last application parked it on,
    `customer_credits.Crediting.park`). By receipt, the first first
    (`customer_credits.customers_of`); the books are read again with them.
    BR-1 posted straight to INV-0 of CUS-9 and INV-1 of CUS-1, paid before
    by cash matched: CUS-1's, and a refund naming BR-1 is CUS-1's, not
    CUS-9's (the customer of the first invoice BR-1 pays). R-1, Acme's
    (CUS-1's) wire naming INV-0 of CUS-9 and over paying it: CUS-9's, and
    a refund naming R-1 is CUS-9's. BR-1 posted straight to INV-1 of
    CUS-1 alone, over paying it only once cash is matched: CUS-1's, as
    read before, so nothing is read again.
    """
    if not read:
        return {}
    after = customer_credits.customers_of(
        credit for credit in parked.values() if credit.receipt in read
    )
    found = {}
    for receipt, customers in after.items():
        if customers != (typed_parts.get(receipt) or [read[receipt]]):
            found[receipt] = customers
    return found


def _claim_anew(
    reclaims: Iterable[chargebacks.Reclaim],
    crediting: customer_credits.Crediting,
    known: dict[chargebacks.Key, customer_credits.Claim],
) -> None:
    """Gives the credits step the chargebacks' claims not given to it before matching.

    A claim an earlier reading found, and found the same now, was given to
    it before matching (`_crediting`), and is not given again.
    """
    crediting.claim(one.claim for one in reclaims if known.get(one.key) != one.claim)


def _claims_learned(
    charged: chargebacks.Charged,
    crediting: customer_credits.Crediting,
    known: dict[chargebacks.Key, customer_credits.Claim],
) -> tuple[dict[chargebacks.Key, int], dict[chargebacks.Key, customer_credits.Claim] | None]:
    """Returns what the chargebacks' claims teach the next reading of the books.

    A claim known only once cash was matched comes after the credit's
    applications of that reading, even those dated after it: given less
    than it asked, the books are read again with it given to the credits
    step before matching, so it is decided in date order with them. A
    claim so given and still given less than it asked caps what the debit
    asks of the credit (`chargebacks.Charged.capped`).
    """
    found = {one.key: one.claim for one in charged.reclaims}
    capped = charged.capped(crediting.taken)
    fresh = {key for key in capped if known.get(key) != found[key]}
    claims = found if found != known and (known or fresh) else None
    return {key: units for key, units in capped.items() if key not in fresh}, claims


def _realized_own_rates(
    subledger: receivables.Subledger, rates: fx.Rates, policy: ArPolicy
) -> list[data.Transaction]:
    """Realizes each typed settlement at a rate of its own, posting its entry into the subledger.

    Each entry moves the units onto the same item and back (a debit, then a
    credit), so what is open of the item does not change.
    """
    made = []
    for found in fx.settled_at_own_rate(subledger, rates):
        entry = ar_entries.own_rate_entry(found, policy)
        moved, currency = abs(found.movement.units), found.item.currency
        debit = receivables.Movement(entry.date, moved, entry, 1, currency)
        credit = receivables.Movement(entry.date, -moved, entry, 2, currency)
        subledger.post([(found.item.id, debit), (found.item.id, credit)])
        made.append(entry)
    return made


def _credit_entries(
    typed: Sequence[data.Transaction],
    made: Sequence[data.Transaction],
    applied: _Applied,
    policy: ArPolicy,
) -> list[data.Transaction]:
    """Returns the entries that post to customer credits, typed and generated, for foreign pools.

    Only their postings in a foreign currency are read (`plugins.credits_own_rate`,
    `plugins.credits_remeasurement`). What the plugin generates moves the
    money of the items, receipts and typed credits it reads, each in its
    own currency: when all of those are in the functional currency, as
    most books' are, so is every posting it generated, and the generated
    entries (one or more a receipt) are not read, the typed ones alone are.
    Books with one EUR invoice among 100,000 USD ones have every generated
    entry read.
    """
    functional, account = policy.functional_currency, policy.customer_credits_account
    currencies = {
        units.currency
        for entry in typed
        for posting in entry.postings
        if posting.account == account and (units := posting.units) is not None
    }
    currencies |= applied.cash.currencies
    currencies.update(applied.subledger.by_currency)
    if currencies <= {functional}:
        return list(typed)
    return [*typed, *(entry for entry in made if _posts_to(entry, account))]


def _posts_to(entry: data.Transaction, account: str) -> bool:
    return any(posting.account == account for posting in entry.postings)


def _first_use(
    made: Sequence[data.Transaction], opens: Sequence[data.Directive]
) -> dict[str, datetime.date]:
    """Returns the first date each account the ledger does not open is posted to."""
    opened = {entry.account for entry in opens if isinstance(entry, data.Open)}
    first: dict[str, datetime.date] = {}
    for entry in made:
        for posting in entry.postings:
            account = posting.account
            if account not in opened and (account not in first or entry.date < first[account]):
                first[account] = entry.date
    return first


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while the plugin runs.

    The plugin makes no reference cycles, and on a large ledger the
    collector's passes over the millions of objects already loaded cost more
    than the plugin's own work. What the plugin makes lives as long as the
    books, so when it is done its objects are moved straight to the oldest
    generation (`gc.freeze` then `gc.unfreeze`) rather than scanned by the
    young generations' passes and counted toward a full pass: on 100,000
    cash applications that spared about 2 seconds of collection right after
    the plugin. Nothing is left frozen, and a host that froze objects itself
    (`gc.get_freeze_count()`) is left as it was.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _folder(options_map: dict[str, Any]) -> str:
    filename = options_map.get("filename") or ""
    return os.path.dirname(os.path.abspath(filename)) if os.path.isabs(filename) else ""


def _tied_out_by_close_controls(options_map: dict[str, Any]) -> bool:
    """Tells whether plugins.close_controls already ties out the receivable (plugins.tie_outs)."""
    enabled, config = policy_files.plugin_line(options_map, CLOSE_CONTROLS)
    if not enabled:
        return False
    chosen, errors = close_policy.load(config, options_map)
    return bool(errors) or chosen.tie_outs
