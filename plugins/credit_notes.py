"""Credit notes netted against the invoices they credit, before cash is matched.

A credit note is an open item whose document credits the receivable. It
credits the invoice its `credits` metadata names (what the billing importers
write), else the one other invoice among its links. Before any cash is
matched, what is open of the credit note is moved onto what is open of that
invoice, so a receipt for the net amount matches the invoice exactly:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-01-20 * "Acme" "Credit note CN-1 for INV-1" ^CN-1 ^INV-1
      invoice: "CN-1"
      credits: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable   -20.00 USD
      Income:Revenue:Services      20.00 USD

generates, located at the credit note's receivable line and dated the
first day on which both are open with the amounts it moves (`_both_open`:
the later of the two documents when nothing is posted to either after
them; the day a returned payment reopens an invoice paid in full before):

    2026-01-20 * "Acme" "Credit note CN-1 applied to INV-1" #cash-application ^CN-1 ^INV-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "CN-1"
      revclose_kind: "credit-note"
      customer: "CUS-1"
      Assets:AccountsReceivable    20.00 USD
        invoice: "CN-1"
      Assets:AccountsReceivable   -20.00 USD
        invoice: "INV-1"

Each posting names its own item (`plugins.receivables` reads a posting's
`invoice` before its entry's), so the credit note closes and the invoice has
80.00 USD open; a receipt of 80.00 USD then pays it by amount. At most what
is open of each is moved: a credit note larger than what is left of its
invoice stays open (a credit in the receivable) for the rest. A credit note
in another currency or of another customer than its invoice is not netted.
In a foreign currency each side is priced at its carrying rate and the
difference realized; a note with a rate on one side only of its invoice
(typed without a price, none in the ledger on or before its day, for an
invoice carried at a rate) is netted unpriced and reported at its line,
as any payment of one rate is (`unrated`, `plugins.fx.payment_rate`).
Credit notes are taken by date, then id, so several credit notes of one
invoice net in that order.

What is open of each is what the typed postings leave, read as known on
the netting's day: a receipt posted straight to the invoice later, or a
credit typed by hand to it later (`credited_by_hand`), is read on its own
day (`_invoice_open_from`), so a later payment or credit never lowers what
is netted before it: of INV-1 100.00, CN-1 100.00 for it on January 10
nets 100.00 on January 10 though a goodwill credit of 30.00 is typed to
INV-1 on February 10, and the credit finds INV-1 open 0.00 on its day
(what it brings beyond is the customer's credit,
`plugins.over_payments.InCalendar`).
So is the credit note: what is typed to it after the netting's day (a
refund of it, typed through the receivable naming the note) is read on
its own day (`_note_open_from`), so a later refund never changes what
its month netted. Cash the plugin matches is known only in
the matcher's calendar (`plugins.cash_matching`), which reads a netting
dated after its invoice on its own day: one that finds the invoice paid
there by a receipt or a customer credit before it has what it nets beyond
what is open moved back to the credit note on its day
(`plugins.over_payments.InCalendar`, `left_open_entry`), so a later credit
note never changes what was paid before it, and its excess stays open on
the note however the invoice was paid:

    2026-02-11 * "Acme" "Credit note CN-1 beyond what is open of INV-1 left open on CN-1"
      #cash-application ^CN-1 ^INV-1
      revclose_kind: "credit-note-left-open"
      Assets:AccountsReceivable    25.00 USD
        invoice: "INV-1"
      Assets:AccountsReceivable   -25.00 USD
        invoice: "CN-1"

(INV-1 100.00 paid by matched cash on January 20, CN-1 25.00 for it on
February 11: INV-1 0.00 and CN-1 -25.00, as when INV-1 is paid straight and
CN-1 is not netted.) It parks no customer credit: the note stays a credit
in the receivable, for the customer to be refunded or for the user to apply.

What a credit note leaves open once netted, as known on its day, is handed
on for the invoice it credits (`Netted.left_open`): of an invoice written
off as uncollectible, it lowers what was written off, on the note's day
(or the first write-off's, if later), in turn with the receipts that
recover it (`plugins.recoveries`, which makes the entry: INV-1 100.00
written off, CN-1 30.00 for it debits CN-1 30.00 and credits bad debt
30.00). A write-off typed after the note is read on its own day: the note
nets what was open on its day, and what a write-off of the whole invoice
then takes it below zero is moved back to the note and lowers what was
written off on the write-off's day (`_beyond_write_offs`). A note netted
to an invoice written off is read by the matcher on its own day, as on
any invoice (`plugins.cash_application.credited_later`), and so is a
receipt posted straight to it: what it nets
beyond what cash paid before it left open is moved back to it
(`plugins.over_payments.InCalendar`) and lowers what was written off on
its day too.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, meta
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates, own_rate, payment_rate, without_a_rate
from plugins.receipts import posted_straight
from plugins.receivables import Finding, Item, Movement, Subledger, as_known, stays_open

KIND = "credit-note"
LEFT_OPEN_KIND = "credit-note-left-open"


class Netted(NamedTuple):
    """The entries that net credit notes, and the receivable postings they add.

    Attributes:
      left_open: Of each invoice posted more than once, the credit notes
        for it left open once netted (each note's day, id and what it
        leaves open, as known on its day): of an invoice written off as
        uncollectible, they lower what was written off, in turn with its
        recoveries (`plugins.recoveries.Allocation`); of any other, they
        stay open.
      findings: Each note netted to its invoice with a rate on one side
        only (`unrated`), at the note's receivable line.
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    left_open: dict[str, list[tuple[datetime.date, str, int]]]
    findings: list[Finding]  # a note and its invoice with a rate on one side only (`unrated`)


def netted(movement: Movement) -> str | None:
    """Returns the credit note a posting to an invoice nets (`netting_entry`'s), else None."""
    written = movement.entry.meta
    if movement.units >= 0 or written.get(ar_entries.KIND) != KIND:
        return None
    return str(written.get(meta.SOURCE))


def credited_invoice(note: Item, items: Mapping[str, Item]) -> Item | None:
    """Returns the invoice a credit note credits, or None if it names none that exists."""
    document = note.document
    named = document.meta.get(meta.CREDITS)
    if named is not None:
        found = items.get(str(named))
        return found if found is not None and found.is_invoice else None
    linked = [
        link
        for link in sorted(document.links)
        if link != note.id and link in items and items[link].is_invoice
    ]
    return items[linked[0]] if len(linked) == 1 else None


def _nettable(note: Item, invoice: Item) -> bool:
    same_customer = not note.customer or not invoice.customer or note.customer == invoice.customer
    return note.currency == invoice.currency and same_customer


def net(subledger: Subledger, policy: ArPolicy, rates: Rates) -> Netted:
    """Returns the entries that move each credit note's open amount onto its invoice.

    Args:
      subledger: The receivable's open items (typed postings only: nothing is posted yet).
      policy: The receivables policy (accounts and precision).
      rates: The ledger's prices, for the carrying rates of foreign-currency items.
    """
    done = Netted([], [], {}, [])
    if not policy.net_credit_notes:
        return done
    items, balances = subledger.items, subledger.open
    notes = [items[note] for note in subledger.notes]
    notes.sort(key=lambda note: (note.date, note.id))
    netted: dict[str, int] = {}  # what earlier credit notes netted of each invoice
    # Of each invoice, each note netted to it, what it netted and the netting's invoice posting.
    nettings: dict[str, list[tuple[Item, int, Movement]]] = {}
    for note in notes:
        # A note typed alone and not in credit nets nothing; one posted to later is
        # read as known on the netting's day (`_note_open_from`).
        maybe = balances[note.id] < 0 or note.movements[-1].date > note.date
        invoice = credited_invoice(note, items) if maybe else None
        if invoice is None or not _nettable(note, invoice):
            continue
        found = _both_open(subledger, note, invoice, netted.get(invoice.id, 0))
        units = 0
        if found is not None:
            day, units = found
            netted[invoice.id] = netted.get(invoice.id, 0) + units
            entry = netting_entry(note, invoice, units, day, policy, rates)
            done.entries.append(entry)
            done.movements.append((note.id, Movement(entry.date, units, entry, 1, note.currency)))
            moved = Movement(entry.date, -units, entry, 2, note.currency)
            done.movements.append((invoice.id, moved))
            nettings.setdefault(invoice.id, []).append((note, units, moved))
            message = unrated(note, invoice, rates)
            if message is not None:
                done.findings.append((note.origin.source, message, note.document))
        if len(invoice.movements) > 1:  # only an invoice posted again can be written off
            _left_for_write_off(done, subledger, note, invoice, units)
    for name, by_notes in nettings.items():
        _beyond_write_offs(done, items[name], by_notes, policy, rates)
    return done


def unrated(note: Item, invoice: Item, rates: Rates) -> str | None:
    """Returns why a credit note cannot be netted to its invoice, one without a rate, or None.

    The note is a payment of the invoice, its rate read as every payment's
    (`plugins.fx.payment_rate`: its own price, else, to an invoice carried
    at a rate, the ledger's price on or before its day). CN-1 10.00 EUR
    typed without a price for INV-1, carried at 1.20, with no EUR price in
    the ledger on or before its day, is netted unpriced: INV-1 is carried
    at 10 x 1.20 = 12.00 USD less, while the general ledger weighs CN-1's
    euros at nothing, a break of 12.00 USD with nothing open. So it is
    `plugins.fx.without_a_rate`'s error, at the note's line.
    """
    functional = rates.functional
    if functional is None or invoice.currency == functional:
        return None
    carrying = rates.carrying(invoice)
    own = own_rate(note.origin.posting, functional)
    paid = (note.date, payment_rate(own, note.currency, note.date, carrying, rates))
    payer = f"Credit note '{note.id}'"
    return without_a_rate(payer, paid, invoice, carrying, functional, "its receivable posting")


def written_off_by_hand(movement: Movement) -> bool:
    """Tells whether a posting to an invoice is a typed write-off of it as uncollectible."""
    entry = movement.entry
    return (
        movement.units < 0
        and entry.meta.get(meta.STATUS) == meta.UNCOLLECTIBLE
        and not meta.is_generated(entry)
    )


def credited_by_hand(movement: Movement) -> bool:
    """Tells whether a posting to an invoice is a credit typed by hand to it.

    A typed credit that is neither a receipt posted straight
    (`plugins.receipts.posted_straight`, with a receipt id), nor a credit
    note's (its entry names what it `credits`), nor a write-off as
    uncollectible (`written_off_by_hand`): a goodwill credit or an
    adjustment posted to the receivable naming the invoice.
    """
    entry = movement.entry
    return (
        movement.units < 0
        and not meta.is_generated(entry)
        and meta.CREDITS not in entry.meta
        and entry.meta.get(meta.STATUS) != meta.UNCOLLECTIBLE
        and meta.written_receipt_id(entry, movement.posting) is None
    )


def _beyond_write_offs(
    done: Netted,
    invoice: Item,
    found: list[tuple[Item, int, Movement]],
    policy: ArPolicy,
    rates: Rates,
) -> None:
    """Leaves open on its notes what a later write-off takes an invoice below zero by.

    A write-off as uncollectible after a note's netting is read on its own
    day (`_invoice_open_from`), so the note nets what was open on its day;
    a write-off typed for the whole invoice then writes off what the note
    netted too. On the write-off's day, what it takes the invoice below
    zero is moved back to the notes netted before it (the latest first,
    each at most what it netted, `left_open_entry` dated that day) and
    lowers what was written off, on that day (`Netted.left_open`,
    `plugins.recoveries`): CN-1 30.00 netted on March 5 and all 100.00 of
    INV-1 written off on May 31 move 30.00 back to CN-1 on May 31, which
    lowers bad debt to 70.00, March as it was.
    """
    days = sorted({m.date for m in invoice.movements if written_off_by_hand(m)})
    if not days or days[-1] <= min(moved.date for _, _, moved in found):
        return
    back: dict[str, int] = {}  # what was moved back to each note
    for day in days:
        end = invoice.balance(day)
        end -= sum(units for _, units, moved in found if moved.date <= day)
        end += sum(back.values())
        over = -end
        for note, units, moved in reversed(found):
            if over <= 0:
                break
            units_back = min(over, units - back.get(note.id, 0))
            if moved.date >= day or units_back <= 0:
                continue
            over -= units_back
            back[note.id] = back.get(note.id, 0) + units_back
            entry = left_open_entry(
                note, invoice, units_back, moved._replace(date=day), policy, rates
            )
            done.entries.append(entry)
            done.movements.append(
                (invoice.id, Movement(day, units_back, entry, 1, invoice.currency))
            )
            done.movements.append((note.id, Movement(day, -units_back, entry, 2, note.currency)))
            done.left_open.setdefault(invoice.id, []).append((day, note.id, units_back))


def _left_for_write_off(
    done: Netted, subledger: Subledger, note: Item, invoice: Item, netted: int
) -> None:
    """Adds to `done.left_open` what a credit note leaves open once `netted` of it is netted.

    What is open of the note as known on its day (`_note_open_from`), less
    what the netting moved: of an invoice written off as uncollectible, it
    may lower what was written off (`plugins.recoveries.Allocation`), from
    the first day the note stays open, on or after both documents (an
    invoice billed after the note is credited from its own day).
    """
    left = _note_open_from(subledger, note, max(note.date, invoice.date))
    if left is not None and left[1] > netted:
        day, units = left
        done.left_open.setdefault(invoice.id, []).append((day, note.id, units - netted))


def _both_open(
    subledger: Subledger, note: Item, invoice: Item, netted: int
) -> tuple[datetime.date, int] | None:
    """Returns the first day a credit note and its invoice are both open from on, and the least.

    It is the first day, on or after both documents, from which each stays
    open through its last posting (`Subledger.open_from`: the invoice less
    what earlier credit notes netted of it, as known on that day,
    `_invoice_open_from`); the amount is the least of what each is open
    from then on. Each side's first such day is found in
    turn from the other's until they agree, which takes a step or two: the
    days only move later, to a posting of one of the two. None if either
    is not open after its last posting.
    """
    day = max(note.date, invoice.date)
    while True:
        on_note = _note_open_from(subledger, note, day)
        on_invoice = _invoice_open_from(subledger, invoice, day, netted)
        if on_note is None or on_invoice is None:
            return None
        later = max(on_note[0], on_invoice[0])
        if later == day:
            return day, min(on_note[1], on_invoice[1])
        day = later


def _note_open_from(
    subledger: Subledger, note: Item, start: datetime.date
) -> tuple[datetime.date, int] | None:
    """Returns `Subledger.open_from` of a credit note as known on `start`.

    What is typed to the credit note after `start` (a refund of it, typed
    through the receivable naming the note) is read on its own day, not
    before: a later refund never changes what the note nets on its day, so
    a month once closed stays as it was.
    """
    movements = note.movements
    if movements[-1].date <= start:
        return subledger.open_from(note, start)
    days = {m.date for m in movements if m.date > start}
    return stays_open(as_known(note.ends(), days), start, 0)


def _invoice_open_from(
    subledger: Subledger, invoice: Item, start: datetime.date, less: int
) -> tuple[datetime.date, int] | None:
    """Returns `Subledger.open_from` of an invoice as known on `start`.

    A receipt posted straight to the invoice after `start` (the bank
    import's payment, `plugins.receipts.posted_straight`), a credit typed
    by hand to it (`credited_by_hand`), or a write-off of it as
    uncollectible typed by hand, is read on its own day, not before, as
    the matcher reads such a receipt or credit (`plugins.cash_matching`):
    what is posted to the invoice on such a later day is left out, so a
    later payment, credit or write-off never lowers what a credit note
    nets before it. What such a payment or credit then over pays is the
    customer's on its day (`plugins.over_payments.InCalendar`); what such
    a write-off takes below zero is moved back to the note
    (`_beyond_write_offs`).
    """
    movements = invoice.movements
    if movements[-1].date <= start:
        return subledger.open_from(invoice, start, less)
    days = {
        m.date
        for m in movements
        if m.date > start
        and (posted_straight(m) is not None or written_off_by_hand(m) or credited_by_hand(m))
    }
    if not days:
        return subledger.open_from(invoice, start, less)
    return stays_open(as_known(invoice.ends(), days), start, less)


def left_open_entry(
    note: Item, invoice: Item, units: int, netting: Movement, policy: ArPolicy, rates: Rates
) -> data.Transaction:
    """Returns the entry that moves back `units` a credit note netted beyond what is open.

    The reverse of the netting's posting (`netting` is its posting to the
    invoice): a debit to the invoice and a credit to the note, both in the
    receivable, dated and located at the netting (the credit note's line),
    linked to both. The note is left open by as much, a credit in the
    receivable for the customer to be refunded or for the user to apply.
    """
    narration = f"Credit note {note.id} beyond what is open of {invoice.id} left open on {note.id}"
    moved = (netting.source, netting.date, narration, LEFT_OPEN_KIND)
    return _transfer(invoice, note, (note, invoice), units, moved, policy, rates)


def netting_entry(
    note: Item, invoice: Item, units: int, day: datetime.date, policy: ArPolicy, rates: Rates
) -> data.Transaction:
    """Returns the entry that moves `units` of a credit note onto the invoice it credits on a day.

    In a foreign currency each side is priced at its own carrying rate, and
    the difference is realized (`ar_entries.carried_transfer`).
    """
    narration = f"Credit note {note.id} applied to {invoice.id}"
    moved = (note.origin.source, day, narration, KIND)
    return _transfer(note, invoice, (note, invoice), units, moved, policy, rates)


def _transfer(
    source: Item,
    target: Item,
    pair: tuple[Item, Item],
    units: int,
    moved: tuple[Mapping[str, Any], datetime.date, str, str],
    policy: ArPolicy,
    rates: Rates,
) -> data.Transaction:
    """Returns the entry moving `units` in the receivable from one item of a pair to the other.

    `pair` is the credit note and its invoice; `moved` is the entry's line,
    date, narration and kind. Each side is priced at its own carrying rate
    (`ar_entries.carried_transfer`).
    """
    note, invoice = pair
    source_meta, day, narration, kind = moved
    receivable = policy.accounts.receivable
    postings = ar_entries.carried_transfer(
        (receivable, rates.carrying(source), {meta.INVOICE: source.id}),
        (receivable, rates.carrying(target), {meta.INVOICE: target.id}),
        units,
        note.currency,
        policy,
    )
    return ar_entries.transaction(
        source_meta,
        day,
        narration,
        ar_entries.APPLICATION_TAGS,
        frozenset((note.id, invoice.id)),
        postings,
        note.document.payee or invoice.document.payee,
        ar_entries.note_meta(note, invoice, kind),
    )
