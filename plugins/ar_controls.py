"""Receivables controls: errors that stop a close, and flags a reviewer should see.

Errors (bean-check fails, naming the line to fix):

- a posting to the receivable that names no invoice (the receivable tie-out,
  `plugins.tie_outs.receivables`);
- an invoice left paid more than its total beyond the tolerance once every
  application is made: what receipts posted straight to it, and credits
  after cash matched to it, bring beyond what is open is moved to customer
  credits first (`plugins.over_payments`), what a credit note nets beyond
  it is left open on the note, so what is left is no one's money (what the
  typed postings of a credit typed by hand over pay);
- a cash application to an invoice that does not exist: a receipt whose
  `invoice` names none or names a credit note (see `plugins.receipts`), or a
  typed entry that moves unapplied cash to the receivable for an invoice
  nothing else posts.

Review flags (`!` entries with no postings, not errors):

- cash still unapplied `unapplied_cash_age_days` after it was received;
- an invoice still open `past_due_age_days` after its due date, or reopened
  later (a payment returned), on the day it is reopened;
- a receipt that pays an invoice of another customer than its payer
  (`plugins.other_payers`);
- a credit note the customer owes at a month end: refunded (or otherwise
  debited) beyond what is left of it once netted, so the customer was both
  credited and paid back; at the first month end of each spell it is owed.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Iterator
from itertools import compress, repeat
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, meta, other_payers
from plugins.ar_policy import ArPolicy
from plugins.receipts import Receipts
from plugins.receivables import Finding, Item, Movement, Subledger, ends_from
from plugins.schedule import month_end


def overpaid(subledger: Subledger, policy: ArPolicy) -> list[Finding]:
    """Returns a finding for each invoice paid more than its total beyond the tolerance.

    Read once every application is posted (`subledger` is the applied one):
    what receipts posted straight to the receivable over pay is moved to
    customer credits (`plugins.over_payments`), what a credit note nets
    beyond what is open is left open on the note, and what a credit typed
    by hand brings beyond what cash paid, or a credit note netted, before
    it is moved too. What is left over paid is no one's money: what the
    typed postings alone over pay. INV-1 100.00, BR-1 98.00 posted
    straight and a goodwill credit of 4.00 typed to it leave 100.00 -
    98.00 - 4.00 = -2.00, an error at the goodwill's line. The finding points at
    the posting that took the invoice over for the last time: after it,
    the invoice stays over paid. Only an item posted more than once when
    typed can be paid beyond its total, so only those are looked at.
    """
    findings: list[Finding] = []
    tolerances: dict[str, int] = {}
    for item in (subledger.items[invoice] for invoice in subledger.several):
        balance = subledger.open[item.id]
        if balance >= 0 or not item.is_invoice:
            continue
        tolerance = tolerances.setdefault(item.currency, policy.tolerance_units(item.currency))
        if balance >= -tolerance:
            continue
        movement = _took_over(item, tolerance)
        number = policy.precision.from_minor
        message = (
            f"Invoice '{item.id}' is paid {number(-balance, item.currency)} {item.currency} "
            f"more than its total {number(item.billed, item.currency)} {item.currency}; "
            f"expected at most the tolerance {number(tolerance, item.currency)} {item.currency}"
        )
        findings.append((movement.source, message, movement.entry))
    return sorted(findings, key=lambda finding: finding[1])


def _took_over(item: Item, tolerance: int) -> Movement:
    """Returns the posting after which an invoice stays paid over beyond the tolerance.

    Its postings are read in order (typed before generated on a day): a
    receipt whose excess is moved to credits on its day takes the invoice
    over only until the move, so a later credit that takes it over again
    is the one named.
    """
    running, found = 0, item.movements[-1]
    over = False
    for movement in item.movements:
        running += movement.units
        if running < -tolerance and not over:
            found = movement
        over = running < -tolerance
    return found


def applications_to_nothing(
    subledger: Subledger, unapplied_cash: str, entries: Iterable[data.Directive]
) -> list[Finding]:
    """Returns a finding for each typed cash application to an invoice that does not exist.

    An invoice exists when an entry other than a cash application posts it
    (one that does not touch unapplied cash), or when its document posting
    bills it: a debit, as an invoice billed with a deposit applied in the
    same entry is. Only an item whose document is a credit can be one, so
    only the credit notes (`Subledger.notes`) are looked at.

    Args:
      subledger: The open items.
      unapplied_cash: The unapplied cash account.
      entries: The entries of the books (those that post to unapplied cash suffice).
    """
    typed = {
        id(entry)
        for entry in entries
        if isinstance(entry, data.Transaction)
        and not meta.is_generated(entry)
        and any(posting.account == unapplied_cash for posting in entry.postings)
    }
    findings: list[Finding] = []
    for item in (subledger.items[invoice] for invoice in subledger.notes):
        if id(item.document) not in typed:
            continue
        if not all(id(movement.entry) in typed for movement in item.movements):
            continue
        first = item.origin
        message = (
            f"Cash application to invoice '{item.id}', which does not exist; expected the id "
            f"of an invoice in the receivable"
        )
        findings.append((first.source, message, first.entry))
    return sorted(findings, key=lambda finding: finding[1])


def review_flags(
    subledger: Subledger, receipts: Receipts, policy: ArPolicy, through: datetime.date
) -> list[data.Transaction]:
    """Returns the review flags up to the books' horizon.

    Args:
      subledger: The open items, with every cash application in them.
      receipts: The receipts, with every use of them.
      policy: The ages that raise a flag.
      through: The books' horizon (plugins.horizon): a flag is dated the day it
        is raised, and none after it.
    """
    unapplied = _unapplied_flags(receipts, policy, through)
    past_due = _past_due_flags(subledger, policy, through)
    owed = _owed_note_flags(subledger, policy, through)
    return unapplied + past_due + other_payers.flags(subledger, receipts) + owed


def _unapplied_flags(
    receipts: Receipts, policy: ArPolicy, through: datetime.date
) -> list[data.Transaction]:
    age = datetime.timedelta(days=policy.unapplied_cash_age_days)
    last_received = through - age
    old = [
        (receipt, left)
        for receipt in receipts.maybe_unapplied()
        if receipt.date <= last_received
        and (left := receipts.unapplied(receipt.id, receipt.date + age)) > 0
    ]
    old.sort(key=lambda found: found[0].id)  # by id: ids are unique
    flags = []
    for receipt, left in old:
        shown = policy.precision.from_minor(left, receipt.currency)
        narration = (
            f"Unapplied cash {receipt.id}: {shown} {receipt.currency} unapplied {age.days} days "
            f"after receipt"
        )
        flags.append(
            ar_entries.review_flag(
                receipt.source,
                receipt.date + age,
                ar_entries.UNAPPLIED_CASH,
                narration,
                receipt.link,
                receipt.payee,
                receipt.customer,
            )
        )
    return flags


def _maybe_past_due(subledger: Subledger, age: datetime.timedelta) -> Iterator[Item]:
    """Returns the items that may be open `age` or more after their due date.

    It leaves out only items the flag's rule clears: one with nothing open now,
    and nothing posted to it later than `age` after its due date, had nothing
    open then, nor on any day since. Nearly every item is one, so they are
    told apart by loops in C over columns of the items rather than by a
    Python call each, and the balances are read in order rather than looked
    up when they are kept in the items' order.
    """
    items, balances = subledger.items, subledger.open
    found = list(items.values())
    if len(balances) == len(found) and all(map(operator.is_, balances, items)):
        amounts: Iterable[int] = balances.values()
    else:
        amounts = map(balances.__getitem__, items)
    last_moved = map(_DATE, map(_LAST, map(_MOVEMENTS, found)))
    moved_late = map(operator.gt, map(operator.sub, last_moved, map(_DUE, found)), repeat(age))
    # For integers, `amount | late` is zero only when both are.
    return compress(found, map(operator.or_, amounts, moved_late))


_DATE = operator.attrgetter("date")
_DUE = operator.attrgetter("due")
_MOVEMENTS = operator.attrgetter("movements")
_LAST = operator.itemgetter(-1)


def _past_due_flags(
    subledger: Subledger, policy: ArPolicy, through: datetime.date
) -> list[data.Transaction]:
    past_due = datetime.timedelta(days=policy.past_due_age_days)
    last_due = through - past_due
    overdue = [
        (item, *found)
        for item in _maybe_past_due(subledger, past_due)
        if item.due <= last_due
        and item.is_invoice
        and (found := _first_past_due(subledger, item, item.due + past_due, through)) is not None
    ]
    overdue.sort(key=lambda found: found[0].id)  # by id: ids are unique
    flags = []
    for item, raised, left in overdue:
        shown = policy.precision.from_minor(left, item.currency)
        narration = (
            f"Invoice {item.id}: {shown} {item.currency} open {(raised - item.due).days} days "
            f"past due (due {item.due})"
        )
        flags.append(
            ar_entries.review_flag(
                item.document.meta,
                raised,
                ar_entries.PAST_DUE,
                narration,
                item.id,
                item.document.payee,
                item.customer,
            )
        )
    return flags


def _first_past_due(
    subledger: Subledger, item: Item, flag_day: datetime.date, through: datetime.date
) -> tuple[datetime.date, int] | None:
    """Returns the first day from `flag_day` through `through` an invoice is open, and what is open.

    It is `flag_day` itself (the due date plus the policy's age) if the
    invoice is open at its end; else the first later day at whose end a
    debit has reopened it (a payment returned, say). None if it is open on
    no such day. Only an invoice posted after `flag_day` can be reopened, so
    only those read their balances at day ends (`Item.ends`).
    """
    if item.moved <= flag_day:
        left = subledger.balance(item, flag_day)
        return (flag_day, left) if left > 0 else None
    for day, left in ends_from(item.ends(), flag_day):
        if day > through:
            break
        if left > 0:
            return day, left
    return None


def _owed_note_flags(
    subledger: Subledger, policy: ArPolicy, through: datetime.date
) -> list[data.Transaction]:
    """Returns a flag for each spell a credit note is owed by the customer, through `through`.

    A credit note is the customer's: a credit in the receivable. One with a
    debit balance at a month end was paid back (a refund typed through the
    receivable naming it) beyond what is left of it once netted against its
    invoice, so the customer was credited twice: INV-1 100.00, CN-1 25.00
    netted against it, and 25.00 refunded on CN-1 leave INV-1 75.00 and
    CN-1 owed 25.00. A flag is raised at the first month end of each spell
    the note is owed (`owed_spells`): once while it stays owed, again if it
    is owed anew after a month end that found it settled. It is located at
    the note's line and says how much is owed when it is raised. Only a note
    posted more than once can be owed.
    """
    owed = [
        (item, spell)
        for item in (subledger.items[note] for note in subledger.notes)
        if len(item.movements) > 1
        for spell in owed_spells(item, through)
    ]
    owed.sort(key=lambda found: (found[0].id, found[1].raised))  # ids are unique
    flags = []
    for item, spell in owed:
        shown = policy.precision.from_minor(spell.units, item.currency)
        narration = (
            f"Credit note {item.id}: {shown} {item.currency} owed by the customer "
            f"(paid back beyond what is left of it)"
        )
        flags.append(
            ar_entries.review_flag(
                item.document.meta,
                spell.raised,
                ar_entries.NOTE_OWED,
                narration,
                item.id,
                item.document.payee,
                item.customer,
            )
        )
    return flags


class OwedSpell(NamedTuple):
    """A run of month ends at which a credit note is owed by the customer.

    Attributes:
      since: The day from whose end it is owed through `raised`.
      raised: The first month end it is owed at: the day its flag is raised.
      units: What is owed at `raised`, in minor units (positive).
      settled: The first later month end it is not owed at, which ends the
        spell; None while it is owed at every month end through the date read.
    """

    since: datetime.date
    raised: datetime.date
    units: int
    settled: datetime.date | None


def owed_spells(item: Item, through: datetime.date) -> list[OwedSpell]:
    """Returns each spell a credit note is owed, read at month ends through `through`, oldest first.

    Owed is a debit balance (`Item.ends` reads a note's credit as positive).
    Only month ends count: a balance that a later posting of the same month
    clears is not owed at the month end and starts no spell, and one settled
    and owed again within a month leaves the spell running. What is owed may
    change within a spell (a further refund, a part paid back): the spell
    and its flag stand, and the review list reads what is owed at its date.
    Each spell is read from postings up to its month ends only, so a later
    posting never changes a spell raised before it.
    """
    ends = item.ends()
    spells: list[OwedSpell] = []
    since: datetime.date | None = None  # the day the current run of owed day ends began
    running = False
    for index, (day, left) in enumerate(ends):
        end = month_end(day)
        if end > through:
            break
        since = (since or day) if left < 0 else None
        if index + 1 < len(ends) and ends[index + 1][0] <= end:
            continue  # not the month's last posting: the month end reads a later one
        if left < 0 and not running and since is not None:
            spells.append(OwedSpell(since, end, -left, None))
            running = True
        elif left >= 0 and running:
            spells[-1] = spells[-1]._replace(settled=end)
            running = False
    return spells
