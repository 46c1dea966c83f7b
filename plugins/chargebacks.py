"""Chargebacks: a refund or chargeback of a receipt the plugin already applied.

A typed debit to unapplied cash naming a receipt, in an entry that posts to
neither the receivable nor customer credits (the bank's chargeback, a refund
paid out), takes money back from the receipt on its own day. What the
receipt holds unapplied that day goes first. When the receipt's cash
applications, all dated before the debit, left it less than the debit
takes, the rest comes first out of the customer credit they parked, as far
as it still holds on the debit's day, then out of what the receipt paid:
the applications to the invoices the debit names first (by `invoice`
metadata or link, `plugins.receipts.named_invoices`), then the latest
first (on one day, the latest invoice first), each giving back at most
the receipt's cash it put on its invoice, by an entry on the debit's day,
at its line, that opens the invoice again (or debits the credit) and gives
the cash back to the receipt, so the debit uses it up:

    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1      ; INV-1 100.00, due 2026-02-04
    2026-01-20 * "Acme" "Wire"                       ; R-1 100.00, pays INV-1 by amount

    2026-02-15 * "Acme" "Chargeback of R-1"
      receipt: "R-1"
      Assets:Bank:Operating      -30.00 USD
      Liabilities:UnappliedCash   30.00 USD

generates, January left as it was:

    2026-02-15 * "Acme" "Chargeback of R-1 taken back from INV-1"
      #cash-application ^INV-1 ^R-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "R-1"
      revclose_kind: "chargeback"
      customer: "CUS-1"
      Assets:AccountsReceivable   30.00 USD
      Liabilities:UnappliedCash  -30.00 USD

INV-1 is owed 30.00 again from February 15 and ages from its own due date;
unapplied cash is 100.00 - 100.00 - 30.00 + 30.00 = 0.00. Had R-1 been
150.00 naming INV-1, it would have paid INV-1 and parked 50.00 in customer
credits on January 20; the chargeback then takes its 30.00 out of that
credit, January again as it was:

    2026-02-15 * "Acme" "Chargeback of R-1 taken back from its customer credit"
      #cash-application ^INV-1 ^R-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-1"
      revclose_source: "INV-1"
      revclose_receipt: "R-1"
      revclose_kind: "chargeback"
      customer: "CUS-1"
      Liabilities:CustomerCredits  30.00 USD
      Liabilities:UnappliedCash   -30.00 USD

An invoice never opens again by more than the application cleared. One
that wrote off a shortfall gives back the cash it used, one for one, the
write-off standing, until a take-back gives back the last of it: that one
opens the invoice again by what is left of what the application cleared
and reverses the write-off, in the same entry. R-1
99.50 naming INV-1 100.00, 0.50 short, written off on January 20: 30.00
charged back on February 15 opens INV-1 again by 30.00, and the other
69.50 on March 10 by 100.00 - 30.00 = 70.00, February left as it was:

    2026-03-10 * "Acme" "Chargeback of R-1 taken back from INV-1"
      Assets:AccountsReceivable     70.00 USD
      Liabilities:UnappliedCash    -69.50 USD
      Expenses:PaymentDifferences   -0.50 USD

INV-1 is owed the 100.00 billed and nothing stays written off. One that
wrote off an over payment (a credit) opens the invoice by the cash worth
what it cleared, and the cash given back beyond that debits the write-off
on its own day, as far as it goes: R-1 100.30 naming INV-1, 0.30 over,
100.10 charged back on February 15 opens INV-1 again by 100.00 and debits
the write-off 0.10, and 0.20 more on March 10 debit it 0.20, opening
nothing. One that parked an excess in customer credits
gives back what it put on the invoice, after the credit (it wrote nothing
off: only a difference within the tolerance is written off, only one
beyond it parked). A debit naming an invoice its receipt paid neither by
an application nor through the credit it parked is an error at its line,
and is taken back the latest first.

An application at exchange rates gives back its share at its own rates:
the invoice opens again at its carrying rate, the cash goes back to the
receipt at the receipt's, and the share of the exchange difference it
realized is reversed on the debit's day. INV-1 100.00 EUR billed at 1.20
(120.00 USD), paid on January 20 by R-1 100.00 EUR at 1.10 (a loss of
10.00 USD), and 30.00 EUR charged back on February 15:

    2026-02-15 * "Acme" "Chargeback of R-1 taken back from INV-1"
      Assets:AccountsReceivable         30.00 EUR @ 1.20 USD
      Liabilities:UnappliedCash        -30.00 EUR @ 1.10 USD
      Income:ForeignExchange:Realized   -3.00 USD

The receivable weighs 36.00 USD again, what is left of INV-1's carrying
amount, and the month end remeasures the 30.00 EUR from there
(`plugins.fx`); 7.00 USD of the loss stays realized, on the 70.00 EUR that
stay paid. The receivable posting is a debit at the carrying rate, so
`plugins.derecognition` gives back the carrying amount cumulatively, as it
clears it. A receipt in the functional currency that paid an invoice in
another opens it again in proportion to what it cleared: 33.00 USD that
paid 30.00 EUR at 1.10 reopen 10.00 EUR (12.00 USD) for 11.00 USD given
back, 1.00 USD of its loss reversed; several take-backs are rounded
cumulatively. A write-off is reversed at the rate it was booked, with the
last of the cash: 32.95 USD that paid those 30.00 EUR 0.05 short reopen
10.00 x 30.00 / 33.00 = 9.09 EUR for 10.00 of them, and 30.00 - 9.09 =
20.91 EUR for the other 22.95, with the 0.05 USD written off reversed. A
credit parked at the receipt's rate is taken back at it on both sides, and
nothing is realized; what a credit parked unpriced paid at the day's price
goes back into the credit at that price and out of it to the receipt
unpriced, as it was parked (`_at_parked_rate`). An over payment across
currencies opens the invoice by what the cash worth what it cleared
clears: R-1 33.30 USD that paid
INV-1 30.00 EUR carried at 1.20 when they were worth 33.00 USD, 0.30 USD
written off, 33.20 USD charged back opens all 30.00 EUR again at 36.00 USD
and debits the write-off 0.20 USD, reversing the whole 3.00 USD of loss
(36.00 - 33.20 + 0.20); the other 0.10 USD debit the write-off 0.10.
So the cash given back is the receipt's, at its rate; a debit typed at
another rate takes it out at that rate, and what the two differ by is
realized (`plugins.unapplied_own_rate`).

A take-back of an application that paid an invoice the receipt recovered,
once written off as uncollectible (`plugins.recoveries`), writes it off
again on the debit's day: the cash that recovered it is gone. The
recovery is reversed in proportion to what the take-back reopens of what
the application cleared, rounded half to even cumulatively, at the
recovery's own rate if priced. INV-9 20.00 written off on January 10, and
recovered and paid by R-1 20.00 on February 20; R-1 charged back in full
on March 15 generates, with the take-back opening INV-9 by 20.00:

    2026-03-15 * "Acme" "Chargeback of R-1: recovery of INV-9 reversed"
      Assets:AccountsReceivable  -20.00 USD
      Expenses:BadDebt            20.00 USD

INV-9 has nothing open and bad debt holds the 20.00 written off. 5.00
charged back writes 5.00 off again; of a receipt that paid 60.00 open and
recovered 40.00 of an invoice of 100.00, 30.00 charged back writes off
again 40.00 x 30.00 / 100.00 = 12.00, leaving 18.00 open. When the
receipt paid the invoice in several applications that day, they share the
recovery in proportion to what each cleared (`_unrecovered`), so all of
them taken back write it off again once. What is written
off again, a later receipt naming the invoice recovers again, as it would a
typed write-off on the debit's day: R-2 20.00 naming INV-9 on March 25
recovers the 20.00 and pays them. The recoveries are decided while cash is
matched, before the chargebacks are read, so the books are read again with
it (`Charged.written_again`), when a receipt naming the invoice, in
unapplied cash or posted straight to it, or a credit note for it, brought
something on or after that day; BR-3 10.00 posted straight to INV-9 on
March 20 recovers 10.00 of it, and CN-1 20.00 for INV-9 on March 25 lowers
the 20.00 written off again, as it would a typed write-off.

What a take-back opens again is open from the debit's day like any other
debit: a receipt waiting in unapplied cash or the customer's credit pays
it once cash is matched. A take-back is made once cash is matched, so
the calendar of `plugins.cash_matching` first finds the invoice paid on
the debit's day and after; the books are then read again with what was
opened posted to the invoice on the debit's day before matching
(`Charged.in_calendar`), whatever follows, so a later credit to it (a
receipt posted straight to it or a credit note netted to it, read on its
own day) or a receipt naming it pays it, and what the customer's cash did
between the two reads the same with or without that later credit. With
INV-0 200.00 open and INV-1 100.00 paid by R-1 naming it on January 20, 30.00 of R-1
charged back on February 15 and BR-1 30.00 posted straight to INV-1 on
March 1, BR-1 pays the 30.00 opened again, INV-1 100.00 - 100.00 +
30.00 - 30.00 = 0.00, instead of being the customer's credit and paying
INV-0; R-2 30.00 naming INV-1 on March 1, in unapplied cash, pays them
too.

What the credit still holds is decided with its applications to the
customer's invoices, in date order (`plugins.customer_credits.Crediting`, the
debit being a `Claim` on it, as a take-back of an over payment is): what
it paid before the debit's day stays paid. When it gave less than asked,
the books are read again with what it gave known.

Beyond what the credit still holds and what the receipt's applications
put on invoices, the debit takes back what the credit paid to invoices
before its day (`_spent`), on its day too, the latest paid first (on one
day the latest invoice, by its date then the greatest id), each by an
entry that opens the invoice again and gives the cash back to the
receipt, as an application's take-back does. The invoices the debit names
give back first, wherever the receipt's cash went, by its application or
through its credit (`_ranked`): R-1 150.00 naming INV-1 100.00 parks
50.00, which pays INV-2 20.00 and INV-3 30.00; 20.00 charged back naming
INV-2 opens INV-2 again by 20.00, INV-1 staying paid. What the credit paid
is known only once every credit is applied, after the customers whose
invoices the chargebacks opened again have their cash matched again: a
debit reaching into it is read then (`Charging`), and so is one naming an
invoice the receipt is not yet known to have paid, by its applications or
through its credit (an error only if still unpaid then). What those debits
open again, their customers' cash and credits pay once more, and a later
debit of the customer waits until they have (`Charging`). R-1 150.00
naming INV-1 100.00 parks 50.00 on January 20 and its credit pays INV-2
20.00 on January 25; 140.00 charged back on February 15 takes the 30.00
the credit holds, opens INV-1 again by 100.00 and INV-2 by 10.00, January
as it was:

    2026-02-15 * "Acme" "Chargeback of R-1 taken back from INV-2"
      #cash-application ^INV-2 ^R-1
      Assets:AccountsReceivable   10.00 USD
      Liabilities:UnappliedCash  -10.00 USD

When what its credit still holds, what its applications put on invoices
and what its credit paid, once every credit is applied, are less than the
rest (part of the credit moved by hand to another customer, refunded, or
applied by hand, which is not taken back), the rest comes out of the
credit too, on the debit's day, overdrawing the receipt's customer's
credit (which the customer credits schedule's control reports), as a
refund of a credit in a later month does: a debit after every application
of its receipt never changes a month before it. R-1 150.00 naming INV-1
100.00 parks 50.00 on January 20, 10.00 of the credit is moved to CUS-2 on
February 1, and all 150.00 is charged back on February 15: the 40.00 the
credit holds and the 10.00 it no longer does come out of it (50.00), and
INV-1 opens again by 100.00; CUS-1's credit is overdrawn by 10.00 and
January is as it was.

Otherwise the debit is read as every debit always was, taken off the
receipt before cash is matched (`plugins.receipts`), and the books are read
again so (`plugins.ar_reconciliation.reconcile`): when the receipt has an
application or another use dated on or after the debit's day, when it holds
unapplied that day all the debit takes (a refund of cash never applied,
which may then pay less or later), and, of a receipt that parked no
credit, when its applications give back less than the rest (one a
take-back cannot read). A receipt used by nothing else and refunded in
full is the same either way and is not read again.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from plugins import ar_entries, customer_credits, meta, recoveries
from plugins.ar_policy import ArPolicy
from plugins.customer_credits import Claim
from plugins.derecognition import price_of
from plugins.matching_terms import TAKEN_BACK
from plugins.receipts import (
    Receipts,
    Use,
    link_of,
    named_invoices,
    used_receipt,
)
from plugins.receivables import Finding, Movement, Subledger

KIND = TAKEN_BACK

Key = tuple[str, datetime.date, int, str, int]  # receipt, debit's date and units, file, line


class Withheld(NamedTuple):
    """A typed debit of a receipt kept off it while cash is matched."""

    receipt: str
    use: Use
    place: dict[str, object]  # its posting to unapplied cash (`_debit_place`): its entries' place

    @property
    def key(self) -> Key:
        """Names it in another reading of the books."""
        place = (str(self.place.get("filename", "")), int(str(self.place.get("lineno", 0))))
        return (self.receipt, self.use.date, self.use.units, *place)


class Reclaim(NamedTuple):
    """A debit's claim on the customer credit its receipt parked, and the entry that takes it."""

    key: Key  # the debit's
    claim: Claim  # for `plugins.customer_credits.Crediting`
    entry: data.Transaction  # posted as if the credit gives all the claim asks


class Charged(NamedTuple):
    """What the chargebacks add (posted into the receipts and the subledger as made).

    Their entries, the customers whose invoices they opened again and what
    they opened again of each, the debits to read as before, the claims on
    credits, errors, and what they wrote off again of invoices recovered.
    """

    entries: list[data.Transaction]
    customers: set[str]  # whose invoices were opened again
    reopened: list[tuple[str, Movement]]  # each take-back's posting to its invoice
    early: set[Key]  # to take off their receipts before matching, in another reading
    reclaims: list[Reclaim]  # the claims on the receipts' customer credits
    findings: list[Finding]  # debits naming an invoice their receipt did not pay
    again: dict[str, list[recoveries.WriteOff]]  # recoveries reversed, by invoice (`_unrecovered`)
    left: list[tuple[str, Movement]]  # what each take-back left open: reopened less written off

    def written_again(
        self,
        known: Mapping[str, list[recoveries.WriteOff]],
        brought: Mapping[str, Iterable[datetime.date]],
    ) -> dict[str, list[recoveries.WriteOff]] | None:
        """Returns what the chargebacks wrote off again, if the books are to be read again with it.

        The recoveries are decided while cash is matched, before the
        chargebacks are read: what a chargeback writes off again is read
        in the next reading, as a write-off on the debit's day that a later
        receipt naming the invoice recovers (`plugins.recoveries.written_off`).
        That is when some of it was found anew (`anew`). Else nothing changes.
        """
        return self.again if self.anew(known, brought) else None

    def anew(
        self,
        known: Mapping[str, list[recoveries.WriteOff]],
        brought: Mapping[str, Iterable[datetime.date]],
    ) -> list[tuple[str, recoveries.WriteOff]]:
        """Returns each write-off again changed from this reading's that a receipt or note read.

        One changed from `known` when it is new, gone or of another amount;
        a receipt or credit note read it when it brought the invoice
        something on or after its day (`brought`: the days of receipts in
        unapplied cash naming it, of credit notes for it and of receipts
        posted straight to it). One none read changes nothing: the
        allocation reads a write-off from its day.
        """
        found, read = self.again, []
        for invoice in sorted(found.keys() | known.keys()):
            now, before = Counter(found.get(invoice, ())), Counter(known.get(invoice, ()))
            days = list(brought.get(invoice, ()))
            read += [
                (invoice, write_off)
                for write_off in (now - before) + (before - now)
                if any(day >= write_off.date for day in days)
            ]
        return read

    def in_calendar(self) -> list[tuple[str, Movement]]:
        """Returns what the take-backs opened again of invoices the calendar reads on their days.

        A take-back is made once cash is matched, so the matcher's calendar
        did not know the invoice open again from the debit's day: what the
        customer's cash, credits and credit notes did on that day or later
        was matched as if it were paid. What a take-back opened again is
        read in the next reading of the books, posted to the invoice before
        cash is matched (`plugins.ar_reconciliation.reconcile`), as a
        returned payment typed to it would be, whatever follows it: so a
        closed month reads the same whether a later month repays it or not.
        So of every invoice: one carried at a foreign rate, in its own
        currency, as a later straight receipt to it is read on its day, and
        one written off as uncollectible, before or after the debit's day,
        so what the take-back opens again of what the cash paid is open
        from that day, for a later receipt or credit to pay before anything
        is recovered or lowered of the write-off (R-0 60.00 paying INV-1
        100.00, 40.00 written off, all of R-0 charged back on March 1: a
        goodwill credit of 30.00 on April 10 pays 30.00 of the 60.00 open).
        Of a take-back that writes off again what its receipt recovered of
        the invoice (`_unrecovered`), only what it leaves open: the write-off
        again is read once cash is matched, as a write-off on the debit's day
        (`written_again`). R-1 80.00 paying the 60.00 open of INV-1 and
        recovering 20.00 of its write-off, all charged back: 80.00 - 20.00 =
        60.00 open from the debit's day; a take-back of a receipt that only
        recovered opens nothing again.
        """
        return [(invoice, movement) for invoice, movement in self.left if movement.units > 0]

    def capped(self, taken: Mapping[Hashable, int]) -> dict[Key, int]:
        """Returns what each claim given less than it asked could take, by its debit's key.

        Args:
          taken: What each claim took, by its key (`plugins.customer_credits.Crediting`).
        """
        return {
            reclaim.key: taken[reclaim.key]
            for reclaim in self.reclaims
            if taken[reclaim.key] < reclaim.claim.units
        }


def withhold(cash: Receipts, policy: ArPolicy, early: Collection[Key]) -> list[Withheld]:
    """Takes the debits that may charge back an applied receipt off their receipts, in place.

    Each is a typed debit dated after its receipt, in an entry that posts to
    neither the receivable nor customer credits, of a receipt with no error.

    Args:
      cash: The receipts, with the typed debits that used them.
      policy: The receivables policy (the accounts).
      early: The debits an earlier reading found to be read as before.
    """
    kept = {policy.accounts.receivable, policy.customer_credits_account}
    withheld: list[Withheld] = []
    for receipt_id, uses in cash.uses.items():
        if receipt_id in cash.blocked:
            continue
        received = cash.by_id[receipt_id].date
        found = [
            Withheld(receipt_id, use, _debit_place(use.entry, receipt_id, policy))
            for use in uses
            if use.units > 0
            and use.date > received
            and meta.GENERATED_BY not in use.entry.meta
            and not any(posting.account in kept for posting in use.entry.postings)
        ]
        withheld += [one for one in found if one.key not in early]
    for receipt_id, group in _by_receipt(withheld):
        cash.withdraw(receipt_id, [one.use for one in group])
    return withheld


def _by_receipt(withheld: Iterable[Withheld]) -> list[tuple[str, list[Withheld]]]:
    grouped: dict[str, list[Withheld]] = {}
    for one in withheld:
        grouped.setdefault(one.receipt, []).append(one)
    return sorted(grouped.items())


class Charging:
    """Posts each withheld debit back to its receipt, taking back from its credit and what it paid.

    Taken in date order, then by receipt, those naming invoices first, then
    the smallest first (`_turn`): not in the order of the files. Each posts
    into `cash` and `subledger` as it goes, so the next reads what the one
    before left. What a debit asks of
    the customer credit its receipt parked is a claim, which
    `plugins.customer_credits.Crediting` decides with the credit's
    applications; when the credit held less on the debit's day, the books
    are read again with what it could give (`caps`).

    In two rounds: `charge` once cash is matched, and `charge_waiting` once
    the credits have paid again what the first round's take-backs opened
    (`plugins.ar_reconciliation`). A debit that would take back something
    its receipt's credit paid (`_reaches`: beyond what the credit holds and
    what the receipt's applications put on invoices, or naming an invoice
    the credit paid, or naming one the receipt is not known to have paid)
    waits for the second, and so do its receipt's later debits, which take
    what it leaves: the credit may yet pay, before the debit's day, an
    invoice another chargeback opened again, and the invoices named, then
    the latest paid, give back first. What the second round opens again,
    the customers' cash and credits pay once more
    (`plugins.ar_reconciliation`), and a debit of it still beyond all that,
    or naming an invoice still unpaid, waits for that too (`charge_waiting`
    with `hold`): its credit may pay what another debit of the round opened
    again. In every round, a debit dated after one of its customer's that
    waits, or that opens an invoice again, waits with it: the customer's
    cash and credits may pay what is opened again before its day, once
    they pay once more (R-3's cash waiting from January 30 pays INV-2,
    opened again on February 15 by R-1's debit, and R-3's debit of March 1
    takes that payment back, not the cash as it waited). Its customers are
    all a debit concerns (`_concerned`): its receipt's, and those whose
    invoices the receipt paid and whose credit it parked, so another
    payer's receipt waits on and holds the customer it paid. Only a debit
    still beyond all that once a round opens nothing again takes the rest
    out of its receipt's credit, overdrawing it (or, of a receipt that
    parked none, is read as before), and only one naming an invoice still
    unpaid then is an error.

    What an earlier reading found the take-backs left open, posted to the
    invoices before cash was matched (`Charged.in_calendar`), stays posted
    until its debit is charged again, which takes it off and makes the
    take-back anew, in whichever round: so while the customers' cash and
    credits are matched again after the first round, what a debit waiting
    for the second opens is open from its day, as it was before matching.
    R-0 60.00 paid INV-1 100.00 and 40.00 was written off; 20.00 of R-0
    charged back on March 1 and the other 40.00 on March 15 (which waits
    behind the first) leave 60.00 open from March 15, and a goodwill credit
    of 30.00 on April 10 pays 30.00 of them, lowering nothing of the
    write-off. Whatever is still posted once no debit waits, its debit not
    charged in this reading, is taken off then.

    Attributes:
      done: What the chargebacks added, in every round.
    """

    def __init__(
        self,
        cash: Receipts,
        subledger: Subledger,
        policy: ArPolicy,
        caps: Mapping[Key, int],
        posted: Iterable[tuple[str, Movement]] = (),
    ) -> None:
        """Makes the step.

        Args:
          cash: The receipts, with every application of the cash matched.
          subledger: The receivable's open items.
          policy: The receivables policy.
          caps: What the receipt's credit could give each debit, by its key, as an
            earlier reading found.
          posted: What an earlier reading found the take-backs left open, posted
            to the invoices before cash was matched (`Charged.in_calendar`).
        """
        self.cash, self.subledger, self.policy, self.caps = cash, subledger, policy, caps
        # Taken off each as its debit is charged again, by the debit's receipt, day and place.
        self._posted: dict[tuple[str, datetime.date, str, int], list[tuple[str, Movement]]] = {}
        for invoice, movement in posted:
            where = movement.entry.meta
            at = (str(where.get(meta.APPLIED_RECEIPT)), movement.date, *_located(where))
            self._posted.setdefault(at, []).append((invoice, movement))
        self.done = Charged([], set(), [], set(), [], [], {}, [])
        self._waiting: list[Withheld] = []
        self._taken: dict[int, int] = {}  # what was taken back of each payment, by its entry's id
        self._charged: set[int] = set()  # the debits posted back, by their use's id
        self._claimed: dict[str, int] = {}  # what was asked of each receipt's credit

    def charge(self, withheld: list[Withheld], credited: Iterable[data.Transaction]) -> Charged:
        """Charges the debits `withhold` took off, once cash is matched; returns `done`.

        Args:
          withheld: The debits `withhold` took off.
          credited: The applications of customer credits made while cash was
            matched (`plugins.customer_credits.Crediting.applied`): what a
            receipt's credit paid (`_spent`).
        """
        self._round(withheld, credited, last=False)
        return self.done

    def charge_waiting(
        self, credited: Iterable[data.Transaction], hold: bool
    ) -> list[data.Transaction]:
        """Charges the debits kept waiting; returns the entries it adds to `done`.

        With `hold`, a debit its receipt's credit still cannot cover (one to
        read as before, or naming an invoice its receipt did not pay) waits
        once more, with its receipt's later debits: the credit may yet pay
        what another debit of this round opens again, once its customer's
        cash and credits pay once more (`plugins.ar_reconciliation`).

        Args:
          credited: Every application of customer credits made, the first
            round's and those made once take-backs were matched again.
          hold: Whether such a debit waits once more.
        """
        waiting, self._waiting = self._waiting, []
        first = len(self.done.entries)
        self._round(waiting, credited, last=True, hold=hold)
        if not self._waiting:
            # A debit charged in no round leaves nothing posted of an earlier reading's.
            for at in list(self._posted):
                self._unpost(at)
        return self.done.entries[first:]

    def _unpost(self, at: tuple[str, datetime.date, str, int]) -> None:
        """Takes off the invoices what an earlier reading posted of a debit's take-backs.

        `at` is the debit's receipt, day, file and line: each take-back is
        dated and located at its debit and names its receipt (`_taken_back`).
        """
        for invoice, movement in self._posted.pop(at, ()):
            self.subledger.replace(invoice, movement, None)

    @property
    def waiting(self) -> bool:
        """Whether a debit still waits for a later round."""
        return bool(self._waiting)

    def _round(
        self,
        withheld: list[Withheld],
        credited: Iterable[data.Transaction],
        last: bool,
        hold: bool = False,
    ) -> None:
        cash, subledger, policy, done = self.cash, self.subledger, self.policy, self.done
        taken, claimed = self._taken, self._claimed
        spending: dict[str, list[data.Transaction]] | None = None  # made at the first need
        waits: set[str] = set()  # the receipts with a debit waiting for the second round
        # By customer, the first day of a debit of this round that waits or opens an invoice
        # again: the customer's cash and credits may yet pay what it opens, from that day.
        held: dict[str, datetime.date] = {}
        for one in sorted(withheld, key=lambda one: _turn(one, subledger)):
            receipt_id, debit = one.receipt, one.use
            customers = _concerned(cash, receipt_id, debit.date, subledger)
            days = [held[customer] for customer in customers if customer in held]
            if receipt_id in waits or any(day < debit.date for day in days):
                # It takes what its receipt's waiting debit leaves, or what its customers'
                # cash and credits do not pay of what an earlier debit opens again.
                waits.add(receipt_id)
                _hold(held, customers, debit.date)
                self._waiting.append(one)
                continue
            rest = debit.units - max(0, cash.unapplied(receipt_id, debit.date))
            named = named_invoices(debit.entry, subledger.items)
            paid = _applications(
                cash, receipt_id, debit.date, policy, (taken, self._charged), (named, subledger)
            )
            sources = None if paid is None else [(entry, left) for entry, left in paid if left > 0]
            entries: list[data.Transaction] = []
            movements: list[tuple[str, Movement]] = []
            uses: list[tuple[str, Use]] = []
            parked = None
            spent: list[tuple[data.Transaction, int]] = []  # what its credit paid
            if rest > 0 and sources is not None:
                parked = _parked(cash, receipt_id, debit.date, policy)
            credit = 0
            if parked is not None and sources is not None:
                most = self.caps.get(one.key, rest)
                credit = max(0, min(rest, most, parked[0] - claimed.get(receipt_id, 0)))
                if spending is None:
                    spending = customer_credits.by_receipt(credited)
                spent = _spent(
                    spending.get(receipt_id, ()), debit.date, policy, taken, (named, subledger)
                )
                sources = _ranked(sources, spent, (named, subledger))
            known = [*(paid or []), *spent]
            if (
                not last
                and parked is not None
                and (
                    _reaches(sources or (), spent, rest - credit)
                    or (rest > credit and _not_paid(named, known))
                )
            ):
                # What its credit paid is known once the first round's take-backs are matched
                # again: it may yet pay an invoice the debit names.
                waits.add(receipt_id)
                _hold(held, customers, debit.date)
                self._waiting.append(one)
                continue
            given = None if sources is None else credit + sum(left for _, left in sources)
            if (
                hold
                and parked is not None
                and given is not None
                and rest > credit
                and (given < rest or _not_paid(named, known))
            ):
                # Its credit may yet pay what another debit of this round opens again.
                waits.add(receipt_id)
                _hold(held, customers, debit.date)
                self._waiting.append(one)
                continue
            self._unpost((receipt_id, debit.date, *_located(one.place)))
            # What the uses of a receipt that parked a credit can no longer give back (the
            # credit moved to another customer, refunded or applied by hand) comes out of
            # that credit on the debit's day, overdrawing it: no earlier month moves.
            if rest > 0 and given is not None and (parked is not None or given >= rest):
                short = 0 if parked is None else max(0, rest - given)
                out = credit + short
                if parked is not None and out > 0:
                    entry = _from_credit(parked[1], one, out, policy)
                    claimed[receipt_id] = claimed.get(receipt_id, 0) + out
                    whose = str(parked[1].meta.get(meta.CUSTOMER, ""))  # as `_from_credit`
                    claim = Claim(one.key, receipt_id, debit.date, credit, whose, short)
                    done.reclaims.append(Reclaim(one.key, claim, entry))
                    rest -= out
                    entries.append(entry)
                    uses.append((receipt_id, Use(debit.date, -out, entry)))
                if rest > 0:
                    done.findings.extend(_unpaid(named, known, one))
                for application, left in sources or ():
                    if rest <= 0:
                        break
                    units = min(rest, left)
                    before = taken.get(id(application), 0)
                    share = _share(application, policy)
                    assert share is not None  # `_applications` or `_spent` gave it
                    if parked is not None:  # what its credit paid gives cash back at its rate
                        share = _at_parked_rate(application, share, parked[1], policy)
                    entry, movement = _taken_back(application, share, one, (before, units), policy)
                    invoice = str(application.meta[meta.INVOICE])
                    taken[id(application)] = taken.get(id(application), 0) + units
                    rest -= units
                    entries.append(entry)
                    if movement is not None:
                        movements.append((invoice, movement))
                        done.reopened.append((invoice, movement))
                        held.setdefault(subledger.items[invoice].customer, debit.date)
                        unrecovered = _unrecovered(
                            application, share, one, (before, units), (subledger, policy)
                        )
                        still = movement  # what it leaves open: less what it writes off again
                        if unrecovered is not None:
                            entries.append(unrecovered[0])
                            movements.append((invoice, unrecovered[1]))
                            done.again.setdefault(invoice, []).append(unrecovered[2])
                            still = movement._replace(units=movement.units + unrecovered[1].units)
                        done.left.append((invoice, still))
                    uses.append((receipt_id, Use(debit.date, -units, entry)))
                    done.customers.add(subledger.items[invoice].customer)
            elif rest < 0 or receipt_id in cash.uses:
                # Read as before: taken off the receipt before matching, in another
                # reading (a use on or after its day, cash it holds unapplied that day,
                # or, of a receipt that parked no credit, an application a take-back
                # cannot read). A receipt used by nothing else and refunded in full is
                # the same either way.
                done.early.add(one.key)
            uses.append((receipt_id, debit))
            self._charged.add(id(debit))
            cash.post(uses)
            subledger.post(movements)
            done.entries.extend(entries)


def _located(place: Mapping[str, object]) -> tuple[str, int]:
    """Returns the file and line a generated entry at `place` has (`ar_entries.transaction`)."""
    return (
        str(place.get("filename", ar_entries.GENERATED_FILE)),
        int(str(place.get("lineno", 0))),
    )


def _concerned(
    cash: Receipts, receipt_id: str, day: datetime.date, subledger: Subledger
) -> set[str]:
    """Returns the customers a debit of a receipt concerns: whose cash and credits it may touch.

    The receipt's own customer, and those of the invoices its applications
    before the debit's day paid and of the credit they parked: a receipt of
    another payer (CUS-2's wire naming CUS-1's INV-4) pays CUS-1's invoices
    and parks CUS-1's credit, so its debit waits behind CUS-1's debits that
    wait or open an invoice again, and holds CUS-1's later ones (`Charging`).
    """
    customers = {cash.by_id[receipt_id].customer}
    for use in cash.uses.get(receipt_id, ()):
        where = use.entry.meta
        if use.date >= day or where.get(meta.GENERATED_BY) != ar_entries.GENERATOR:
            continue
        item = subledger.items.get(str(where.get(meta.INVOICE, "")))
        if item is not None:
            customers.add(item.customer)
        if where.get(meta.CUSTOMER):
            customers.add(str(where[meta.CUSTOMER]))
    return customers


def _turn(
    one: Withheld, subledger: Subledger
) -> tuple[datetime.date, meta.NaturalKey, bool, int, list[meta.NaturalKey], str, str, int]:
    """Returns a debit's turn (`Charging`): by what it is, never where it is typed.

    By date and receipt; on a day the debits naming invoices first (a
    dispute of an invoice gives it back before a debit naming nothing takes
    the latest), then the smallest first, then by the invoices named and
    the narration; its file and line last, where the debits are otherwise
    alike. R-1 paying INV-1 and INV-2 (the latest), charged back 50.00
    twice on one day, A naming INV-2 and B nothing: A takes back INV-2 and
    B INV-1, whichever is typed first. Receipt and invoice ids are read as
    an accountant reads them, numbers as numbers (`meta.natural_key`):
    BR-9's debits before BR-10's.
    """
    receipt_id, date, units, filename, lineno = one.key
    named = sorted(map(meta.natural_key, named_invoices(one.use.entry, subledger.items)))
    narration = one.use.entry.narration or ""
    turn = (date, meta.natural_key(receipt_id), not named, units, named, narration)
    return (*turn, filename, lineno)


def _hold(held: dict[str, datetime.date], customers: Iterable[str], day: datetime.date) -> None:
    """Holds each customer's later debits from `day`, unless held from an earlier day already."""
    for customer in customers:
        held.setdefault(customer, day)


def _applications(
    cash: Receipts,
    receipt_id: str,
    day: datetime.date,
    policy: ArPolicy,
    done: tuple[dict[int, int], set[int]],
    invoices: tuple[Collection[str], Subledger],
) -> list[tuple[data.Transaction, int]] | None:
    """Returns the receipt's applications that can give back, in order, and what each still can.

    Those of the invoices the debit names come first, then the others; each
    group the latest first (on one day, the latest invoice first). None if
    the receipt has a use dated on or after `day` (other than a
    chargeback's): the debit is then read as before.

    Args:
      done: What was taken back of each application (by its entry's id),
        and the debits already posted back (by their use's id).
      invoices: The invoices the debit names (`plugins.receipts.named_invoices`),
        and the open items, for each invoice's date.
    """
    taken, charged = done
    found = []
    for use in cash.uses.get(receipt_id, ()):
        entry = use.entry
        if id(use) in charged or entry.meta.get(ar_entries.KIND) == KIND:
            continue
        if use.date >= day:
            return None
        takeable = _takeable(entry, policy)
        if takeable > 0:
            found.append((entry, takeable - taken.get(id(entry), 0)))
    return sorted(found, key=lambda one: _order(one, *invoices), reverse=True)


def _spent(
    applied: Iterable[data.Transaction],
    day: datetime.date,
    policy: ArPolicy,
    taken: Mapping[int, int],
    invoices: tuple[Collection[str], Subledger],
) -> list[tuple[data.Transaction, int]]:
    """Returns what a receipt's credit paid before `day` that can give back, in order, and how much.

    Each payment of an invoice by the credit (`applied`, the receipt's, by
    `plugins.customer_credits.by_receipt`) dated before the debit's day
    gives back what it paid, less what was taken back of it before: the
    latest paid first, on one day the latest invoice first (by its date,
    then the greatest id), those of invoices the debit names before the
    others, as the receipt's own applications are ranked (`_order`). One the
    take-back cannot read (`_share`) gives nothing.
    """
    found = []
    for entry in applied:
        if entry.date >= day:
            continue
        share = _share(entry, policy)
        if share is not None and share.cash - taken.get(id(entry), 0) > 0:
            found.append((entry, share.cash - taken.get(id(entry), 0)))
    return sorted(found, key=lambda one: _order(one, *invoices), reverse=True)


def _ranked(
    paid: list[tuple[data.Transaction, int]],
    spent: list[tuple[data.Transaction, int]],
    invoices: tuple[Collection[str], Subledger],
) -> list[tuple[data.Transaction, int]]:
    """Returns what a receipt paid in the order a debit takes it back.

    What it paid the invoices the debit names comes first, wherever the
    receipt's cash went, by its own application or by the credit it parked
    (`_spent`), the latest first; then its other applications, then what
    its credit paid other invoices, each the latest first (`_order`, which
    both lists are ranked by). R-1 150.00 pays INV-1 100.00 and parks
    50.00, which pays INV-2 20.00 and INV-3 30.00: a debit naming INV-2
    takes back INV-2's 20.00, then INV-1's 100.00, then INV-3's 30.00.
    """
    named = invoices[0]
    first = sorted(
        (one for one in [*paid, *spent] if str(one[0].meta[meta.INVOICE]) in named),
        key=lambda one: _order(one, *invoices),
        reverse=True,
    )
    others = [one for one in [*paid, *spent] if str(one[0].meta[meta.INVOICE]) not in named]
    return [*first, *others]


def _reaches(
    sources: Iterable[tuple[data.Transaction, int]],
    spent: Iterable[tuple[data.Transaction, int]],
    rest: int,
) -> bool:
    """Tells whether taking `rest` out of `sources`, in order, reaches what the credit paid.

    So it does when the sources give less than `rest`: the credit may have
    paid more than is known yet (`Charging`).
    """
    paid_by_credit = {id(entry) for entry, _ in spent}
    for entry, left in sources:
        if rest <= 0:
            return False
        if id(entry) in paid_by_credit:
            return True
        rest -= left
    return rest > 0


def _parked(
    cash: Receipts, receipt_id: str, day: datetime.date, policy: ArPolicy
) -> tuple[int, data.Transaction] | None:
    """Returns what the receipt's applications before `day` parked in customer credits, if any.

    Only a credit in the receipt's currency counts, with no rate or at the
    receipt's own (`50.00 EUR @ 1.10 USD`); with the latest application that
    parked one, for the entry taking it back.
    """
    account, currency = policy.customer_credits_account, cash.by_id[receipt_id].currency
    functional = policy.functional_currency
    parked, latest = 0, None
    for use in cash.uses.get(receipt_id, ()):
        entry = use.entry
        where = entry.meta
        if (
            use.date >= day
            or where.get(meta.GENERATED_BY) != ar_entries.GENERATOR
            or where.get(ar_entries.KIND) == KIND
        ):
            continue
        for posting in entry.postings:
            units = posting.units
            if (
                posting.account != account
                or units is None
                or (posting.price is not None and posting.price.currency != functional)
                or units.currency != currency
                or not isinstance(units.number, Decimal)
                or units.number >= 0
            ):
                continue
            parked -= policy.precision.to_minor(units.number, currency) or 0
            if latest is None or entry.date >= latest.date:
                latest = entry
    return (parked, latest) if latest is not None and parked > 0 else None


def _order(
    found: tuple[data.Transaction, int], named: Collection[str], subledger: Subledger
) -> tuple[bool, datetime.date, datetime.date, meta.NaturalKey]:
    """Ranks an application: of an invoice the debit names, by day, by invoice date, by id.

    The id as an accountant reads it, numbers as numbers (`meta.natural_key`):
    of INV-9 and INV-10 of one day, INV-10 is the greater.
    """
    entry = found[0]
    invoice = str(entry.meta[meta.INVOICE])
    item = subledger.items.get(invoice)
    day = item.date if item else entry.date
    return invoice in named, entry.date, day, meta.natural_key(invoice)


def _unpaid(
    named: Iterable[str],
    paid: Iterable[tuple[data.Transaction, int]],
    one: Withheld,
) -> list[Finding]:
    """Returns an error at the debit for each invoice it names that its receipt did not pay.

    The debit is still taken back from what the receipt paid, the latest first.
    """
    receipt_id, entry = one.receipt, one.use.entry
    return [
        (
            one.place,
            f"Chargeback of {receipt_id} names invoice '{name}', which {receipt_id} did not "
            f"pay before {one.use.date}; expected an invoice it paid (it is taken back from "
            f"what {receipt_id} paid, the latest first)",
            entry,
        )
        for name in _not_paid(named, paid)
    ]


def _not_paid(named: Iterable[str], paid: Iterable[tuple[data.Transaction, int]]) -> list[str]:
    """Returns the invoices a debit names that none of `paid` (applications, payments) paid."""
    invoices = {str(entry.meta[meta.INVOICE]) for entry, _ in paid}
    return [name for name in named if name not in invoices]


class _Share(NamedTuple):
    """What an application put on its invoice, as a take-back reads it.

    `cash` is the receipt's cash it put on the invoice (what it used less
    what it parked), `cleared` what it cleared of the invoice, in the
    invoice's minor units, and `worth` what that was worth in the receipt's
    minor units (the cash with the difference written off): the same as
    `cleared` when both are in one currency. `via_pool` tells that the cash
    goes back through the credit pool it was paid out of, unpriced
    (`_at_parked_rate`).
    """

    cash: int
    cleared: int
    worth: int
    receivable: data.Posting  # its posting to the receivable, with the carrying rate
    unapplied: data.Posting  # its debit of the receipt's cash (or credit), at the receipt's rate
    write_offs: tuple[data.Posting, ...]  # its postings to the write-off account, as booked
    via_pool: bool = False  # given back to the credit at `unapplied`'s rate, then out unpriced


def _takeable(entry: data.Transaction, policy: ArPolicy) -> int:
    """Returns what can be taken back of an entry: the receipt's cash it put on an invoice.

    Only the plugin's application of cash to an invoice gives anything back
    (`_share`). It gives back the cash it used less what it parked: 99.50
    of a receipt 0.50 short that cleared 100.00, 100.30 of one 0.30 over
    that cleared 100.00, and 100.00 of 150.00 that cleared 100.00 and parked
    50.00 (the credit is taken on its own). A short payment's write-off is
    reversed by the take-back that gives back the last of it, an over
    payment's by the cash given back beyond what was cleared
    (`_taken_back`). Any other entry gives back nothing.
    """
    share = _share(entry, policy)
    return 0 if share is None else max(0, share.cash)


def _share(entry: data.Transaction, policy: ArPolicy) -> _Share | None:
    """Returns what an application of a receipt's cash to an invoice put on it, else None.

    The application debits unapplied cash (a payment by the receipt's
    customer credit, its cash parked, debits the credit) and credits the
    receivable, with nothing else but a difference written off, an excess parked in customer
    credits and, at exchange rates, the realized difference. Either all in
    one currency with no rate, or at rates in the functional currency: the
    receivable at its carrying rate and a receipt in the invoice's currency
    at its own (`100.00 EUR @ 1.10 USD` paying `-100.00 EUR @ 1.20 USD`), or
    a receipt in the functional currency paying an invoice in another
    (`33.00 USD` paying `-30.00 EUR @ 1.20 USD`).
    """
    where = entry.meta
    if where.get(meta.GENERATED_BY) != ar_entries.GENERATOR or meta.INVOICE not in where:
        return None
    if where.get(ar_entries.KIND) == KIND:
        return None
    accounts, precision = policy.accounts, policy.precision
    # The receipt's cash: in unapplied cash, or parked in its credit when the credit paid.
    paying = accounts.unapplied_cash
    if where.get(ar_entries.KIND) == customer_credits.KIND:
        paying = policy.customer_credits_account
    functional = policy.functional_currency
    used = cleared = parked = written_off = 0
    receivable = unapplied = None
    write_offs: list[data.Posting] = []
    plain: set[str] = set()  # the currencies of the postings with no rate
    priced = realized = False
    for posting in entry.postings:
        units, price = posting.units, posting.price
        if units is None or not isinstance(units.number, Decimal):
            return None
        if price is not None and (functional is None or price.currency != functional):
            return None
        minor = precision.to_minor(units.number, units.currency)
        if minor is None:
            return None
        if posting.account == policy.realized_fx_account and units.currency == functional:
            realized = True
            continue
        priced = priced or price is not None
        if price is None:
            plain.add(units.currency)
        if posting.account == paying and minor > 0 and unapplied is None:
            used, unapplied = minor, posting
        elif posting.account == accounts.receivable and minor < 0 and receivable is None:
            cleared, receivable = -minor, posting
        elif posting.account == policy.customer_credits_account:
            parked -= minor
        elif posting.account == policy.write_off_account:
            written_off += minor
            write_offs.append(posting)
        else:
            return None
    if receivable is None or unapplied is None:
        return None
    assert receivable.units is not None and unapplied.units is not None
    paid_in = unapplied.units.currency
    if priced:
        # At rates: the receipt is in the invoice's currency, else in the functional one.
        if paid_in not in (receivable.units.currency, functional) or plain - {functional}:
            return None
    elif realized or len(plain) != 1:
        return None
    worth = used - parked + written_off
    if worth <= 0:
        return None
    return _Share(used - parked, cleared, worth, receivable, unapplied, tuple(write_offs))


def _taken_back(
    application: data.Transaction,
    share: _Share,
    one: Withheld,
    units: tuple[int, int],
    policy: ArPolicy,
) -> tuple[data.Transaction, Movement | None]:
    """Returns the entry taking cash back from an application, and its receivable posting.

    `units` are what was taken back of it before, and what is taken now, in
    the receipt's minor units. The invoice is opened again by what that
    cash cleared of it: as much in one currency, and in proportion across
    currencies (`_reopened`). At exchange rates, the entry reverses that
    share of the application at its own rates: the receivable at the
    invoice's carrying rate, the cash at the receipt's, and the share of the
    realized difference reversed (`plugins.ar_entries.with_realized_difference`).
    The invoice never opens again by more than the application cleared.
    A short payment's write-off (a debit) is reversed when `now` gives back
    the last of the application's cash: the invoice then opens again by
    what is left of all it cleared, and the entry reverses the write-off
    too, at the rate it was booked: the 69.50 left of 99.50 that cleared
    100.00 reopen 100.00 - 30.00 = 70.00 and credit the write-off 0.50. An
    over payment's write-off (a credit) is reversed by the cash given back
    beyond what was cleared, on the day it is given back (`_over_reversed`):
    100.10 of 100.30 that cleared 100.00 reopen 100.00 and debit the
    write-off 0.10. With nothing left to open (the other 0.20), the entry
    has no receivable posting, and no movement is returned. A payment by a
    credit parked unpriced gives its cash back through the credit
    (`_Share.via_pool`, `_at_parked_rate`). It is dated and located at the
    debit, and linked to the invoice and the receipt.
    """
    receipt_id, debit = one.receipt, one.use
    receivable, unapplied = share.receivable, share.unapplied
    assert receivable.units is not None and unapplied.units is not None
    currency, paid_in = receivable.units.currency, unapplied.units.currency
    before, now = units
    reopened = _reopened(share, before + now) - _reopened(share, before)
    precision = policy.precision
    cash = ar_entries.units_of(-now, paid_in, precision.digits(paid_in))
    postings = [
        ar_entries.posting(
            receivable.account, ar_entries.units_of(reopened, currency, precision.digits(currency))
        )._replace(price=receivable.price),
        # Back to the receipt, whether it paid by itself or by its credit.
        ar_entries.posting(policy.accounts.unapplied_cash, cash)._replace(price=unapplied.price),
    ]
    if share.via_pool:
        # Back into the credit at the rate it paid at, then out of it unpriced, as it was parked.
        postings[1:] = [
            ar_entries.posting(unapplied.account, cash)._replace(price=unapplied.price),
            ar_entries.posting(unapplied.account, -cash),
            ar_entries.posting(policy.accounts.unapplied_cash, cash),
        ]
    if _over(share):
        # Cash beyond what the application cleared reverses the over payment
        # written off, on this take-back's day, as far as it goes.
        postings += _over_reversed(share, before, now, policy)
    elif before + now == share.cash:
        # The last of its cash is back: its write-off is reversed, at the rate it was booked.
        postings += [_reversed(posting, policy, None) for posting in share.write_offs]
    if not reopened:
        # All it cleared was opened again before (100.00 of 100.30 that cleared
        # 100.00, then the 0.30): the entry only reverses the write-off.
        del postings[0]
    if receivable.price is not None:
        postings = ar_entries.with_realized_difference(postings, policy)
    invoice = str(application.meta[meta.INVOICE])
    extra = {
        meta.INVOICE: invoice,
        meta.SOURCE: invoice,
        meta.APPLIED_RECEIPT: receipt_id,
        ar_entries.KIND: KIND,
    }
    customer = application.meta.get(meta.CUSTOMER)
    if customer:
        extra[meta.CUSTOMER] = customer
    entry = ar_entries.transaction(
        one.place,
        debit.date,
        f"Chargeback of {receipt_id} taken back from {invoice}",
        ar_entries.APPLICATION_TAGS,
        frozenset(link for link in application.links),
        postings,
        debit.entry.payee or application.payee,
        extra,
    )
    return entry, Movement(debit.date, reopened, entry, 1, currency) if reopened else None


def _reopened(share: _Share, cash: int) -> int:
    """Returns what `cash` taken back of an application clears of its invoice, in its minor units.

    All the application cleared once all its cash is back: 100.00 for the
    99.50 of a receipt 0.50 short, and for the 100.30 of one 0.30 over.
    Before that, in one currency, `cash` itself (30.00 for 30.00); across
    currencies, in proportion to what the cleared units were worth, rounded
    half to even, cumulatively, so the pieces of several take-backs add up:
    33.00 USD that cleared 30.00 EUR gives back 10.00 EUR for 11.00, and
    32.95 USD that cleared them 0.05 short 9.09 EUR for 10.00 USD
    (10.00 x 30.00 / 33.00 = 9.0909...) and 30.00 EUR for all 32.95. Never
    more than it cleared: 100.10 of 100.30 that cleared 100.00 reopen
    100.00, and 33.20 USD of 33.30 that cleared 30.00 EUR (worth 33.00 USD)
    30.00 EUR, not 33.20 x 30.00 / 33.00 = 30.18.
    """
    if cash == share.cash:
        return share.cleared
    if share.cleared == share.worth:
        return min(cash, share.cleared)
    return min(round(Fraction(cash * share.cleared, share.worth)), share.cleared)


def _over(share: _Share) -> bool:
    """Tells whether the application wrote off an over payment: credits to the write-off only."""
    return bool(share.write_offs) and all(
        posting.units is not None
        and isinstance(posting.units.number, Decimal)
        and posting.units.number < 0
        for posting in share.write_offs
    )


def _over_reversed(share: _Share, before: int, now: int, policy: ArPolicy) -> list[data.Posting]:
    """Returns the debits to the write-off that cash given back beyond what was cleared makes.

    Of an over payment written off (`_over`), the cash worth what the
    application cleared (`share.worth`) opens the invoice again, and the
    rest, in the receipt's minor units, reverses the write-off one for one,
    on the day it is given back, the write-off's postings in order: 100.10
    of 100.30 that cleared 100.00 debit the write-off 0.10, the other 0.20
    then 0.20.
    """
    done, upto = max(0, before - share.worth), max(0, before + now - share.worth)
    postings = []
    for posting in share.write_offs:
        units = posting.units
        assert units is not None and isinstance(units.number, Decimal)
        credit = -(policy.precision.to_minor(units.number, units.currency) or 0)
        piece = max(0, min(upto, credit)) - max(0, min(done, credit))
        if piece:
            postings.append(_reversed(posting, policy, piece))
        done, upto = max(0, done - credit), max(0, upto - credit)
    return postings


def _unrecovered(
    application: data.Transaction,
    share: _Share,
    one: Withheld,
    units: tuple[int, int],
    books: tuple[Subledger, ArPolicy],
) -> tuple[data.Transaction, Movement, recoveries.WriteOff] | None:
    """Returns the entry writing off again what a take-back reopens of a recovery, if any.

    When the receipt recovered the invoice, written off as uncollectible
    (`plugins.recoveries`), the cash that recovered it is gone with the
    take-back: the recovery is reversed on the debit's day, the receivable
    credited and the accounts the recovery credited debited, at the
    recovery's own rate if priced. Each of the receipt's applications to the
    invoice on the application's day bears a share of the recovery, in
    proportion to what it cleared (`_recovery_share`), and a take-back
    writes off again that share in proportion to what it reopens of what
    its application cleared, both rounded half to even, cumulatively: so
    the recovery is written off again once, whatever the number of
    applications, and all charged back writes off again all recovered.
    INV-9 20.00 written off, recovered and paid by R-1 20.00, all charged
    back: INV-9 reopens by 20.00 and is written off again by 20.00, nothing
    open; 5.00 of it charged back reopens 5.00 and writes 5.00 off again.
    A receipt that paid 60.00 open and recovered 40.00 of an invoice of
    100.00 in one application, 30.00 charged back, writes off again
    40.00 x 30.00 / 100.00 = 12.00 of the 30.00 reopened. One that paid
    them in two applications, 60.00 and 40.00 (R-1 150.00 linking INV-1
    and INV-2), shares the 40.00 recovered as 40.00 x 60.00 / 100.00 =
    24.00 and 16.00: all charged back writes off again 24.00 + 16.00 =
    40.00, not 40.00 for each, and 30.00 taken back of either application
    writes off again 12.00 (24.00 x 30.00 / 60.00, 16.00 x 30.00 / 40.00).
    A recovery is made on the day its receipt is applied, so only the
    applications of that day bear it: one of a later day (the receipt's
    customer credit paying what another chargeback opened again) recovered
    nothing and writes nothing off again. R-1 120.00 recovering 40.00 of
    INV-1 on Feb 5 and parking 80.00, whose credit pays 60.00 INV-1 opened
    again on Mar 1, all charged back: 40.00 written off again, not 80.00.

    `units` are what was taken back of the application before, and now,
    in the receipt's minor units. With the entry and its receivable posting
    comes the write-off it makes, as `plugins.recoveries` reads a typed one:
    a later receipt naming the invoice recovers it again, in the next
    reading of the books (`written_again`).
    """
    receipt_id, debit = one.receipt, one.use
    subledger, policy = books
    invoice = str(application.meta[meta.INVOICE])
    item = subledger.items.get(invoice)
    if item is None or not share.cleared:
        return None
    found = [
        movement
        for movement in item.movements
        if recoveries.is_recovery(movement.entry)
        and movement.entry.meta.get(meta.APPLIED_RECEIPT) == receipt_id
        and movement.date == application.date
        and movement.units > 0
    ]
    if len(found) != 1:
        return None  # one recovery per receipt and invoice, on its day (`recoveries.Recovering`)
    recovery, recovered, reinstated = found[0].entry, found[0].units, found[0].posting
    before, now = units
    part = _recovery_share(application, share, (receipt_id, recovered), item.movements, policy)

    def undone(cash: int) -> int:  # what `cash` taken back writes off again, in the invoice's units
        return round(Fraction(part * _reopened(share, cash), share.cleared))

    done, upto = undone(before), undone(before + now)
    if upto == done:
        return None
    precision, receivable = policy.precision, policy.accounts.receivable
    credited = [  # the recovery's credits to the write-off's accounts, with their minor units
        (posting, -(precision.to_minor(posting.units.number, posting.units.currency) or 0))
        for posting in recovery.postings
        if posting.account != receivable
        and posting.units is not None
        and isinstance(posting.units.number, Decimal)
    ]
    worth = sum(minor for _, minor in credited)
    if worth <= 0:
        return None

    def value(units: int) -> int:  # what `units` written off again are worth in all
        return round(Fraction(worth * units, recovered))

    # Split as a reversal of the recovery's credits is, after what was written off again
    # before: no piece credits an account (`plugins.recoveries.reversal`).
    accounts = [(str(index), minor) for index, (_, minor) in enumerate(credited)]
    pieces = dict(recoveries.reversal(accounts, value(upto) - value(done), (value(done),)))
    debited = [pieces.get(str(index), 0) for index in range(len(credited))]
    currency, price = item.currency, reinstated.price
    number = precision.from_minor(upto - done, currency)
    own = None  # the recovery's rate, at which what is written off again is reversed again
    if price is None or not isinstance(price.number, Decimal):
        postings = [ar_entries.posting(receivable, _amount_of(done - upto, currency, policy))]
    else:
        own = price.number
        weight = precision.from_minor(sum(debited), price.currency)
        rate = price.number if number * price.number == weight else price_of(weight, number)
        postings = [ar_entries.leg(receivable, -number, currency, rate, price.currency)]
    for (posting, _), piece in zip(credited, debited, strict=True):
        assert posting.units is not None
        if piece:
            units_ = _amount_of(piece, posting.units.currency, policy)
            postings.append(ar_entries.posting(posting.account, units_))
    extra = {
        meta.INVOICE: invoice,
        meta.SOURCE: invoice,
        meta.APPLIED_RECEIPT: receipt_id,
        ar_entries.KIND: KIND,
    }
    if item.customer:
        extra[meta.CUSTOMER] = item.customer
    entry = ar_entries.transaction(
        one.place,
        debit.date,
        f"Chargeback of {receipt_id}: recovery of {invoice} reversed",
        ar_entries.APPLICATION_TAGS,
        frozenset(recovery.links),
        postings,
        debit.entry.payee or recovery.payee,
        extra,
    )
    debits = tuple(
        (posting.account, piece) for (posting, _), piece in zip(credited, debited, strict=True)
    )
    place = (str(one.place.get("filename", "")), int(str(one.place.get("lineno", 0))))
    again = recoveries.WriteOff(
        debit.date, upto - done, tuple(one for one in debits if one[1]) or None, own, place
    )
    return entry, Movement(debit.date, done - upto, entry, 1, currency), again


def _recovery_share(
    application: data.Transaction,
    share: _Share,
    recovery: tuple[str, int],
    movements: Iterable[Movement],
    policy: ArPolicy,
) -> int:
    """Returns what an application bears of its receipt's recovery of the invoice, in its units.

    `recovery` is the receipt and what it recovered. The receipt's
    applications to the invoice on the application's day, in the order the
    invoice's `movements` hold them, share it in proportion to what each
    cleared, rounded half to even, cumulatively, so the shares add up to
    what was recovered: 40.00 recovered by applications clearing 60.00 and
    40.00 gives 40.00 x 60.00 / 100.00 = 24.00 and 40.00 - 24.00 = 16.00.
    One application alone bears all of it.
    """
    receipt_id, recovered = recovery
    invoice = application.meta[meta.INVOICE]
    cleared: dict[int, int] = {}  # of each of the receipt's applications that day, by entry's id
    for movement in movements:
        entry = movement.entry
        where = entry.meta
        if (
            movement.date != application.date
            or movement.units >= 0
            or where.get(meta.APPLIED_RECEIPT) != receipt_id
            or where.get(meta.INVOICE) != invoice
            or id(entry) in cleared
        ):
            continue
        found = share if entry is application else _share(entry, policy)
        if found is not None and found.cleared > 0:
            cleared[id(entry)] = found.cleared
    if id(application) not in cleared:
        return recovered
    pieces = list(cleared)
    total = sum(cleared.values())
    upto = sum(cleared[key] for key in pieces[: pieces.index(id(application))])
    done = upto + cleared[id(application)]
    return round(Fraction(recovered * done, total)) - round(Fraction(recovered * upto, total))


def _amount_of(minor: int, currency: str, policy: ArPolicy) -> Amount:
    """Returns minor units of a currency as an amount with its decimals."""
    return ar_entries.units_of(minor, currency, policy.precision.digits(currency))


def _reversed(posting: data.Posting, policy: ArPolicy, part: int | None) -> data.Posting:
    """Returns the posting that reverses a write-off, or `part` of it, at the rate it was booked.

    `part` is in the write-off's minor units, of the same sign as its reversal.
    """
    units = posting.units
    assert units is not None and isinstance(units.number, Decimal)
    digits = policy.precision.digits(units.currency)
    minor = policy.precision.to_minor(units.number, units.currency)
    assert minor is not None  # `_share` read it
    reversed_ = -minor if part is None else part
    return ar_entries.posting(
        posting.account, ar_entries.units_of(reversed_, units.currency, digits)
    )._replace(price=posting.price)


def _parked_rate(parking: data.Transaction, policy: ArPolicy) -> tuple[str, Amount | None]:
    """Returns the currency and the price of the credit an application parked (none if unpriced)."""
    credit = policy.customer_credits_account
    return next(
        (posting.units.currency, posting.price)
        for posting in parking.postings
        if posting.account == credit and posting.units is not None
    )


def _at_parked_rate(
    application: data.Transaction, share: _Share, parking: data.Transaction, policy: ArPolicy
) -> _Share:
    """Returns the share of a payment by a receipt's credit with its cash back as it was parked.

    A credit pays an invoice at its rate read as its receipt's
    (`plugins.customer_credits.Crediting.rate`): parked without a typed
    price, at the ledger's price of the application's day. Taken back, the
    cash retraces its path to the receipt:

    - parked at a rate, what that rate differs from the payment's was
      realized out of the pool (`plugins.credits_own_rate`), so the cash
      goes back to the receipt at the rate the receipt parked it at, and
      the difference on the invoice is reversed from there: 50.00 EUR
      parked at 1.10, 20.00 EUR of them paying INV-2 carried at 1.30 on a
      day EUR is 1.30, 10.00 EUR charged back reopen INV-2 at 13.00 USD
      for 11.00, 2.00 USD of loss reversed;
    - parked unpriced (the pool carried in its own currency, nothing
      realized out of it), the payment goes back to the credit at the rate
      it paid at, its difference reversed, and the credit gives its units
      back to unapplied cash unpriced, as it parked them (`via_pool`):
      50.00 EUR parked unpriced, 20.00 EUR of them paying INV-2 carried at
      1.30 at the day's 1.10 (22.00 USD into the credit, 4.00 of loss),
      charged back reopen INV-2 at 26.00 USD, take 22.00 USD back out of
      the credit, reverse the 4.00, and move 20.00 EUR from the credit to
      unapplied cash: the credit and unapplied cash weigh in dollars what
      they did before the credit paid, nothing.

    A payment unpriced on both sides, or any other application, is left
    as it is.
    """
    if application.meta.get(ar_entries.KIND) != customer_credits.KIND:
        return share
    if share.unapplied.price is None:
        return share
    _, rate = _parked_rate(parking, policy)
    if rate is None:
        return share._replace(via_pool=True)
    return share._replace(unapplied=share.unapplied._replace(price=rate))


def _from_credit(
    parking: data.Transaction, one: Withheld, units: int, policy: ArPolicy
) -> data.Transaction:
    """Returns the entry taking `units` back from the credit a receipt's application parked.

    It is dated and located at the debit, linked to the receipt and the
    invoice of that application, and gives the cash back to the receipt. A
    credit parked at the receipt's rate is taken back at it, and the cash
    given back at it too: nothing is realized. `units` may be more than the
    credit still holds: what the receipt's uses can no longer give back
    comes out of it too, overdrawing it (`Charging`).
    """
    receipt_id, debit = one.receipt, one.use
    credit = policy.customer_credits_account
    currency, rate = _parked_rate(parking, policy)
    digits = policy.precision.digits(currency)
    postings = [
        ar_entries.posting(credit, ar_entries.units_of(units, currency, digits)),
        ar_entries.posting(
            policy.accounts.unapplied_cash, ar_entries.units_of(-units, currency, digits)
        ),
    ]
    if rate is not None:
        postings = [posting._replace(price=rate) for posting in postings]
    invoice = str(parking.meta.get(meta.INVOICE, ""))
    extra = {meta.INVOICE: invoice, meta.SOURCE: invoice} if invoice else {}
    extra |= {meta.APPLIED_RECEIPT: receipt_id, ar_entries.KIND: KIND}
    customer = parking.meta.get(meta.CUSTOMER)
    if customer:
        extra[meta.CUSTOMER] = customer
    links = {link_of(receipt_id), invoice} if invoice else {link_of(receipt_id)}
    return ar_entries.transaction(
        one.place,
        debit.date,
        f"Chargeback of {receipt_id} taken back from its customer credit",
        ar_entries.APPLICATION_TAGS,
        frozenset(links),
        postings,
        debit.entry.payee or parking.payee,
        extra,
    )


def _debit_place(entry: data.Transaction, receipt_id: str, policy: ArPolicy) -> dict[str, object]:
    """Returns the metadata locating the debit's posting to unapplied cash, else its entry's."""
    debits = [
        posting
        for posting in entry.postings
        if posting.account == policy.accounts.unapplied_cash
        and posting.units is not None
        and isinstance(posting.units.number, Decimal)
        and posting.units.number > 0
    ]
    named = [posting for posting in debits if used_receipt(entry, posting, {}) == receipt_id]
    chosen = named or debits
    return meta.source_of(entry, chosen[0]) if chosen else dict(entry.meta)
