"""Payment differences of receipts posted straight to the receivable, written off.

A bank import that knows which invoice a receipt pays credits the receivable
itself (`plugins.receipts` reads only receipts waiting in unapplied cash).
When such receipts pay an invoice within the tolerance of `config/ar.yaml`
but not exactly, the few cents left would stay open forever. At the end of
each day such a receipt is posted to an invoice, an invoice whose balance
then is not zero but within the tolerance has the difference written off
to the policy's write-off account, dated at that receipt (the day's with
the greatest id, if several), located at its line and linked to the
invoice and the receipt:

    2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      Assets:AccountsReceivable   100.00 USD
      Income:Revenue:Services    -100.00 USD

    2026-02-01 * "Acme" "Wire 88123" ^INV-1
      bank_reference: "BR-88123"
      invoice: "INV-1"
      Assets:Bank:Operating        99.97 USD
      Assets:AccountsReceivable   -99.97 USD

generates:

    2026-02-01 * "Acme" "Payment difference of INV-1 from BR-88123 written off"
      #cash-application ^INV-1 ^BR-88123
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "BR-88123"
      revclose_kind: "payment-difference"
      customer: "CUS-1"
      Expenses:PaymentDifferences   0.03 USD
      Assets:AccountsReceivable    -0.03 USD

A receipt here is a typed credit to the receivable in an entry that carries a
receipt id (`receipt` or `bank_reference` metadata, as the bank importers
write; `plugins.receipts.posted_straight`): a credit note or a write-off by
hand posted to the invoice is not a receipt, and what it leaves open is the
user's to settle. An over payment within the tolerance is written off the
same way (a credit to the write-off account); a larger one is moved to
customer credits (`plugins.over_payments`). Only an invoice in the functional
currency, or carried in its own currency with no rate, is written off: a
difference at a foreign carrying rate is left to the user.

The balance is the one at the end of that day, with everything dated on or
before it (cash matched, credit notes netted, earlier write-offs), so a
write-off depends only on what is known on its day: what is posted to the
invoice later never undoes it. A receipt of 0.50 naming INV-1 on March 3,
after 99.97 paid it and 0.03 was written off on February 1, finds INV-1
settled: it over pays it, and the excess is written off in March (a credit
to the write-off account) or, beyond the tolerance, becomes the customer's
credit. For cash matching not to pay what is written off, a write-off
followed by later postings is posted before cash is matched, as settling
the invoice from its day: such write-offs are found once cash is matched,
and the books are read again with them (`carried`,
`plugins.ar_reconciliation.reconcile`) until the write-offs found are those
posted. A write-off that nothing follows changes nothing the matcher could
do, and is made at once. Of an invoice's write-offs found anew (not posted
in the reading), a later one is not carried into the next reading once
the plugin made something of the invoice after the first (cash matched,
credits applied, an excess moved, a receipt naming it found it paid)
through the later one's day: that was made without the first, and the
next reading, with it posted, finds the later ones again or not.
Carried, such a later one would be posted before the day's receipts
and make itself true: INV-1 100.00, R-0 20.00 naming it on January 10,
BR-1 79.50 straight on January 25 (0.50 written off)
and BR-0 20.00 and BR-3 20.00 straight on March 20 and April 21. Read
without January's write-off, March 20 finds INV-1 at -19.50 and BR-0
parks 19.50, so 0.50 over is written off on March 20;
posted before BR-0 in the next reading, that write-off leaves BR-0 19.50
to park again and so is found again. Carried alone, January's 0.50 leaves
INV-1 at -20.00 on March 20: BR-0 parks 20.00 and nothing is written off
that day, as without BR-3. One carried from an earlier reading and found
again stays carried, though one found anew before it now: dropped, it
would be found again once the earlier one is carried, and the readings
would come round to write-offs tried before and fall back to the end of
the books, where a later receipt moves it. A chain of such write-offs,
each followed by cash the plugin matches, so settles one link a reading
(those readings are not counted against the limit,
`plugins.ar_reconciliation._written_more`).

A later receipt posted straight to the invoice is read by the matcher on
its own day (`plugins.cash_matching`), so it does not change what a receipt
naming the invoice pays before it: INV-1 100.00 paid 60.00 straight and
39.97 by a named receipt on January 20, then 0.50 straight on March 3: the
named receipt pays the 40.00 open and writes off its 0.03 short, and the
0.50 over is written off on March 3 (-0.47 in all). Nor does a later
credit note, or a later credit typed by hand to the invoice (a goodwill
credit): the matcher reads it on its own day too, and what it over pays of
cash matched before it is written off within the tolerance, or moved to
customer credits beyond it, then (`plugins.over_payments.InCalendar`); of
an invoice written off as uncollectible, what either brings beyond what is
open first recovers or lowers what is still written off, at a foreign
carrying rate too (`plugins.recoveries`).
When the write-offs found come round to ones already posted, the books are
written off at their end instead, as the plugin did before: an invoice
whose last posting is such a receipt has what it is open by then written
off at that receipt, if within the tolerance (`carried` is None). No error,
and the totals are right, but those invoices' write-offs may move with
later postings, as named receipts do.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from plugins import ar_entries, meta
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates
from plugins.receipts import Receipt, posted_straight
from plugins.receivables import Item, Movement, Subledger

KIND = "payment-difference"


Carried = list[tuple[str, Movement]]  # write-offs posted before cash is matched, by invoice


class WrittenOff(NamedTuple):
    """The entries that write payment differences off, and the receivable postings they add.

    Attributes:
      carried: The write-offs that later postings follow, if they are not
        those posted before cash was matched: the books are to be read
        again with them posted first (else None).
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    carried: Carried | None = None


def write_offs(
    subledger: Subledger,
    rates: Rates,
    policy: ArPolicy,
    carried: Sequence[tuple[str, Movement]] | None = (),
    made: Sequence[data.Transaction] = (),
    names: Mapping[str, Receipt] | None = None,
) -> WrittenOff:
    """Returns the write-offs of invoices that receipts paid within the tolerance, but not exactly.

    Each invoice is read day by day, with every posting made so far but the
    write-offs `carried` (posted before cash was matched): a day with a
    receipt posted straight to it, at whose end it is open (or in credit)
    by no more than the tolerance, writes that off (`_differences`). Only the
    items the books post to more than once are looked at: an item read with
    its document alone has no receipt posted straight to it.

    Args:
      subledger: The open items, with every cash application and credit in them.
      rates: The ledger's prices (an invoice carried at a foreign rate is left alone).
      policy: The tolerance and the write-off account.
      carried: The write-offs an earlier reading found followed by later
        postings, posted before cash was matched; None: write off what is
        left at the end of the books instead (the readings did not settle).
      made: What the plugin generated in this reading: its entries naming an
        invoice were made of it, also those not posted to it (a receipt's
        credit or write-off of what it over paid of an invoice already
        paid, `_made_between`).
      names: The receipts by id: an entry of a receipt was made of every
        invoice it names, also one it did not pay (`_named_days`).
    Returns:
      The write-offs that nothing follows, to post now; and, if the
      write-offs found followed by later postings are not `carried`, those
      but the ones found anew on what was made without an earlier one found
      anew (`_made_between`): one carried and found again stays carried.
    """
    at_end = carried is None
    carried = carried or ()
    posted = {id(movement.entry) for _, movement in carried}
    found: list[tuple[Item, Movement, str, int, bool]] = []
    tolerances: dict[str, int] = {}
    for item in (subledger.items[invoice] for invoice in subledger.several):
        if not item.is_invoice:
            continue
        movements = item.read_billed()  # what is posted before the invoice is read on its day
        # Most items: paid by the plugin (their last posting is generated), or
        # paid in full straight to the receivable with nothing posted since.
        if len(movements) == 2 and (
            meta.GENERATED_BY in movements[1].entry.meta or not subledger.open[item.id]
        ):
            continue
        if posted:
            movements = [m for m in movements if id(m.entry) not in posted]
        tolerance = tolerances.get(item.currency)
        if tolerance is None:
            tolerance = tolerances[item.currency] = policy.tolerance_units(item.currency)
        found += _differences(item, movements, tolerance, rates, at_end)
    done = WrittenOff([], [])
    later: Carried = []
    known = {_key(one) for one in carried}
    anew: dict[str, datetime.date] = {}  # the day of each invoice's first write-off found anew
    named: dict[str, list[datetime.date]] | None = None  # the days made of each invoice
    for item, paid, receipt, left, final in sorted(found, key=lambda one: one[0].id):
        entry = write_off_entry(item, paid, receipt, left, policy)
        movement = (item.id, Movement(entry.date, -left, entry, 2, item.currency))
        fresh = _key(movement) not in known
        if fresh:
            first = anew.setdefault(item.id, paid.date)
            if first < paid.date and named is None:
                named = _named_days(made, names or {})
            if _made_between(item, first, paid.date, named or {}):
                # Found on what the plugin made without the write-off found anew before
                # it: the next reading, with that one posted, finds it or not.
                continue
        # One carried stays so, though what followed it may follow no more.
        if final and fresh:
            done.entries.append(entry)
            done.movements.append(movement)
        else:
            later.append(movement)
    if not at_end and [_key(one) for one in later] != [_key(one) for one in carried]:
        return done._replace(carried=later)
    return done


def _made_between(
    item: Item,
    first: datetime.date,
    day: datetime.date,
    named: dict[str, list[datetime.date]],
) -> bool:
    """Tells whether the plugin made anything of an invoice after `first`, through `day`.

    Cash matched, credits applied, an excess moved: anything generated but
    a payment difference. Made after a write-off found anew on `first`, it
    was made without it, and a write-off on `day` found with it is so too;
    the typed postings alone are read the same with it or without. So is
    what a receipt naming the invoice did not pay of it, finding it paid:
    its credit or write-off of the excess names the invoice (`named`)
    though it posts nothing to it.
    """
    return any(first < made <= day for made in named.get(item.id, ())) or any(
        first < movement.date <= day
        and meta.GENERATED_BY in movement.entry.meta
        and movement.entry.meta.get(ar_entries.KIND) != KIND
        for movement in item.movements
    )


def _named_days(
    made: Sequence[data.Transaction], names: Mapping[str, Receipt]
) -> dict[str, list[datetime.date]]:
    """Returns the days of the generated entries naming each invoice, but payment differences.

    Among them those not posted to it: a receipt naming an invoice already
    paid has its excess written off or made the customer's credit, from
    unapplied cash, on the invoice's name; and a receipt naming two
    invoices, one found paid, writes its excess off on the other's
    application, which is made of both (`names`, the receipts by id).
    """
    named: dict[str, list[datetime.date]] = {}
    for entry in made:
        where = entry.meta
        if where.get(ar_entries.KIND) == KIND:
            continue
        invoice = where.get(meta.INVOICE)
        if invoice is not None:
            named.setdefault(invoice, []).append(entry.date)
        receipt = names.get(str(where.get(meta.APPLIED_RECEIPT, "")))
        for other in receipt.naming if receipt is not None else ():
            if other != invoice:
                named.setdefault(other, []).append(entry.date)
    return named


def keys(written: Sequence[tuple[str, Movement]]) -> tuple[tuple[str, str, object, int], ...]:
    """Names a set of write-offs across readings of the books (`reconcile` tells a round by it)."""
    return tuple(_key(one) for one in written)


def _differences(
    item: Item, movements: list[Movement], tolerance: int, rates: Rates, at_end: bool = False
) -> list[tuple[Item, Movement, str, int, bool]]:
    """Returns the differences to write off of an invoice, day by day, each with its receipt.

    A day with a receipt posted straight to the invoice, at whose end the
    invoice is open (or in credit) by no more than the tolerance, writes
    that off, whatever else is posted that day (a credit note netted, a
    fee): it is dated and located at the day's receipt with the greatest
    id, so neither the order of the files nor their names choose it. With
    what is left at the end of the day, and whether nothing is posted to
    the invoice after that day (`movements` are its postings but the
    write-offs carried). `at_end`: only the last day's, of what is open at
    the end of the books.
    """
    found = []
    running = written = 0
    last = len(movements) - 1
    paid: tuple[str, Movement] | None = None  # the day's receipt with the greatest id
    for at, movement in enumerate(movements):
        running += movement.units
        receipt = posted_straight(movement)
        if receipt is not None and (paid is None or receipt > paid[0]):
            paid = (receipt, movement)
        if at < last and movements[at + 1].date == movement.date:
            continue  # the day goes on
        day_paid, paid = paid, None
        left = running + written
        if day_paid is None or not left or abs(left) > tolerance:
            continue
        if rates.carrying(item) is not None:
            return []
        if not at_end:
            found.append((item, day_paid[1], day_paid[0], left, at == last))
            written -= left
        elif at == last:
            found.append((item, day_paid[1], day_paid[0], left, True))
    return found


def _key(movement: tuple[str, Movement]) -> tuple[str, str, object, int]:
    """Names a write-off across readings of the books: its invoice, receipt's line and amount."""
    invoice, posted = movement
    where = posted.entry.meta
    return (invoice, str(where.get("filename")), where.get("lineno", 0), posted.units)


def write_off_entry(
    item: Item,
    paid: Movement,
    receipt: str,
    left: int,
    policy: ArPolicy,
    rate: Decimal | None = None,
) -> data.Transaction:
    """Returns the entry that writes off what is `left` of an invoice after a receipt's day.

    Of an invoice carried at a foreign `rate`, priced at it on both legs, as
    the matcher writes off what a receipt in unapplied cash over pays of
    such an invoice (`plugins.over_payments.InCalendar`).
    """
    moved = (policy.write_off_account, policy.accounts.receivable, left)
    narration = f"Payment difference of {item.id} from {receipt} written off"
    return ar_entries.receivable_receipt_entry(
        item, paid, receipt, moved, KIND, narration, policy, rate
    )
