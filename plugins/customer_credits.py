"""Customer credits: over payments parked in the credits account pay the customer's next invoices.

An over payment beyond the tolerance is credited to the customer
credits account by its cash application (`plugins.cash_matching`), or, for a
receipt the bank import posted straight to the receivable, by the entry that
moves its excess there (`plugins.over_payments`). It pays the customer's
open invoices in its currency **day by day, inside the matcher's calendar**
(`Crediting`, asked by `plugins.cash_matching` once each day's receipts are
matched): on the day it is parked, it pays the invoices open that day,
oldest first (and the customer's oldest credit first); on each later day an
invoice of the customer is billed or posted to, it pays what is open then.
Each application is one entry per invoice, located at the receipt's line,
linked to both and dated the day it is made: the later of the credit and
the invoice when nothing is posted to the invoice after them, the day a
returned payment reopens it when it was paid in full before. A receipt
matched on a later day sees what the credit left open, so a later month
does not take back what a closed one applied (a chargeback of the receipt
that parked the credit takes back what the credit paid on its own day,
`plugins.chargebacks`). What a receipt
recovering a written-off invoice leaves over is parked on its day too,
once the recoveries dated up to that day are decided
(`plugins.recoveries.Recovering.due`); a receipt of the invoice's
face amount pays what is open and parks what the credit paid again, on its
own day (`plugins.cash_matching`, step 2):

    2026-02-01 * "Acme" "Cash application INV-1 from R-1" #cash-application ^INV-1 ^R-1
      ...
      Liabilities:UnappliedCash      150.00 USD
      Assets:AccountsReceivable     -100.00 USD
      Liabilities:CustomerCredits    -50.00 USD

    2026-02-10 * "Acme" "Customer credit from R-1 applied to INV-2" #cash-application ^INV-2 ^R-1
      revclose_generated_by: "ar_reconciliation"
      invoice: "INV-2"
      revclose_source: "INV-2"
      revclose_receipt: "R-1"
      revclose_kind: "customer-credit"
      customer: "CUS-1"
      Liabilities:CustomerCredits     50.00 USD
      Assets:AccountsReceivable      -50.00 USD

A receipt keeps a credit per customer (`parked_by`): one posted straight to
invoices of two customers, over paying both, parks a credit for each, and
each pays its own customer's invoices.
A typed debit to the credits account that names the receipt (by `receipt`
metadata or the receipt's link: a refund of the over payment, or an
application by hand) uses the credit up first within its month, so it is
never applied twice; one of a later month does not take back what a closed
month applied: it overdraws the credit (`horizon`, `Crediting.usable`);
of a receipt with credits for several customers, the part of each
customer whose the debit is (`Owner.part`: an application by hand to
invoices of two of them takes each invoice's amount from its customer's).
Credits typed into the account (a credit note refunded to the customer's
balance, an opening balance) are the user's to apply: they are left alone.
An invoice is paid only as far as it is open on the application's day,
once that day's receipts are matched, and stays open on every later day
through its last typed posting, as known that day
(`open_amounts.OpenAmounts.open_for`: a refund posted to it later opens it only
from then; a payment the bank import posts straight to it later, or a
credit note netted to it later, is read on its own day, and what it then
over pays is the customer's credit from that day,
`plugins.over_payments.InCalendar`); a credit pays an invoice it
paid before again on the day a returned payment reopens it, as far as that
opened it, and never gives more than it holds.

Nor does it give more than the credits account holds for its customer, on
the application's day and every day after to its month's end (`Held`; a
refund in a later month does not rewrite a closed one): a refund the bank import
typed by a rule names no receipt, but it is the customer's (`Owner`), so
what it paid out is not spent again (unless it pays back what its payee
put into nobody's credits, `PayeeDebits`). A debit that belongs to no customer
cannot limit anyone's credit: the customer credits schedule shows it on its
"(unassigned)" row, and its close control fails while that row is negative.

A typed debit to the invoice a receipt over paid (a refund, a returned
payment) takes the receipt's excess back (`plugins.over_payments`): it is a
claim on the credit, decided with the credit's applications in date order
(the claim first on its day). It takes what the credit still holds on its
day (a debit naming the receipt in a later month does not count:
`Crediting._take`), and no more than the account holds for the customer
from then to its month's end, so what the credit paid before it stays
paid. So does a chargeback or refund of the receipt in unapplied cash
whose application parked the credit (`plugins.chargebacks`); it is known
only once cash is matched, so when it asks more than the credit still
holds after applications dated after it, the books are read again with
the claim given to the credits before matching
(`plugins.ar_reconciliation`). Beyond what
the credit still holds and what the receipt put on invoices, the
chargeback takes back what the credit paid (`by_receipt`), on its day.

`Owner` is the one rule that tells whose credit a posting to the account
moves; the customer statement and the customer credits schedule
(`reports.receivables`) read it from here.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from collections import defaultdict, deque
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from plugins import ar_entries, fx, meta, recoveries
from plugins.ar_policy import ArPolicy
from plugins.matching_terms import Application, Owing
from plugins.receipts import (
    Receipt,
    StraightReceipt,
    customer_by_payee,
    customers_by_payee,
    link_of,
    payee_key,
    straight_receipts,
    used_receipt,
)
from plugins.receivables import Finding, Item, Movement, Subledger, invoice_of
from plugins.schedule import month_end

KIND = "customer-credit"
UNASSIGNED = "(unassigned)"  # the customer of what is nobody's, in every report and entry made
# On an entry made of a debit its payee would read as a customer's, or on its
# posting: the debit is nobody's (`Owner.keys`).
POOL = meta.PREFIX + "credits_pool"


class Credit(NamedTuple):
    """An over payment parked in customer credits, as its entries show, in minor units."""

    receipt: str
    customer: str
    currency: str
    source: Mapping[str, Any]  # the line it comes from: its earliest entry's (the receipt's)
    payee: str | None
    # Its first invoice: the earliest (day, invoice id) of the entries parking it (`customers_of`).
    first: tuple[datetime.date, str]
    rate: Decimal | None = None  # the rate it was parked at in the functional currency, if any
    # What each entry parking it parked, as (its day, units), in the order read: each is
    # available from its own day (`Crediting.add`).
    parkings: tuple[tuple[datetime.date, int], ...] = ()

    @property
    def date(self) -> datetime.date:
        """The earliest day of the entries parking it (`first`): its order among credits."""
        return self.first[0]

    @property
    def parked(self) -> Parked:
        """Returns it as the credits step sees it."""
        return Parked(self.receipt, self.date, self.customer, self.currency)

    @property
    def key(self) -> CreditKey:
        """Names it among a receipt's credits: one per customer (`parked_by`)."""
        return (self.receipt, self.customer)


class Claim(NamedTuple):
    """A debit that takes part of a receipt's credit back on its day.

    A take-back of an over payment (`plugins.over_payments`), or a
    chargeback of the receipt (`plugins.chargebacks`). What it takes is
    kept under its key, the debit's (`Crediting.taken`).
    """

    key: Hashable  # names the debit: a take-back's key, or a chargeback's
    receipt: str
    date: datetime.date
    units: int  # what it asks for, in minor units
    # The customer whose part of the receipt's credit it takes (`Parked.key`): a take-back's,
    # its invoice's; a chargeback's, that of the application that parked the credit.
    customer: str
    # What it takes beyond what the account holds for the customer, overdrawing it: a
    # chargeback's rest that the receipt's uses can no longer give back (`plugins.chargebacks`).
    beyond: int = 0


class CreditsApplied(NamedTuple):
    """The entries that apply customer credits, the receivable postings they add, their errors."""

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    findings: list[Finding]  # a credit and an invoice with a rate on one side only (`unrated`)


class Owner:
    """Tells whose customer credit a posting to the credits account moves.

    It is the customer its posting or entry names, whatever receipt it
    names; else the customer of the receipt it names (by `revclose_receipt`,
    `receipt` metadata or the receipt's link: a refund of an over payment),
    in unapplied cash or posted straight to the receivable (`receipt_of`):
    whose credit its over payment became, as the matcher parked it (`_shares`:
    of one whose over payment became credits of several customers, the one
    of them whose invoice its entry credits, else the one billed under its
    payee, else the part parked first; a debit is shared among the parts of
    the invoices' customers it pays, `reads`); else the
    one customer billed under its payee by its entry's day, the rule that
    gives a receipt naming no customer its customer (the bank's line paying
    a refund out names none; `receipts.customer_by_payee`: a customer first
    billed under the payee later does not change whose it is, so a sealed
    month stays as it was); else nobody (""). The receipts' links and the invoices' payees
    are read only when a posting needs them: most name their customer.

    A debit read by its payee pays back nobody's credits when both what
    its payee put into them (`payee_of`) and what they hold cover the
    whole of it (`PayeeDebits`); else it is the customer's. Nobody's
    credits are nobody's whatever payee they name, if any: one pool until
    assigned (`plugins.credits_remeasurement`). An entry made of a
    posting, on its day and under its payee, is whose the posting is when
    it carries the posting's keys (`keys`): its customer, the receipt it
    names, or nobody's pool.

    Attributes:
      receipts: The receipts in unapplied cash, by id.
      invoices: The open items, for the customers billed under each payee
        and the receipts posted straight to them.
      policy: The receivables policy (the customer credits account, `account`).
      entries: The entries posting to it: what each payee put into nobody's
        credits, and what the receipts parked in them.
      parts: The customers each receipt parked credits for, the first
        first, by receipt (`customers_of`), when the caller has read them:
        before matching, what the typed postings alone over pay with what
        an earlier reading of the books found once cash was matched (a
        receipt posted straight over paying inside the matcher's calendar,
        `plugins.over_payments.InCalendar`; one in unapplied cash parking
        its excess, `Crediting.park`). Else read off `entries` (`parts`).
    """

    def __init__(
        self,
        receipts: Mapping[str, Receipt],
        invoices: Subledger,
        policy: ArPolicy,
        entries: Sequence[data.Directive],  # read more than once
        parts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.receipts = receipts
        self.invoices = invoices
        self.policy = policy
        self.account = policy.customer_credits_account
        self.entries = entries
        self._links: dict[str, str] | None = None
        self._straight: dict[str, StraightReceipt] | None = None
        self._straight_links: dict[str, str] = {}
        self._parts = parts
        self._payees: dict[str, list[tuple[datetime.date, str]]] | None = None
        self._debits: PayeeDebits | None = None

    def of(self, entry: data.Transaction, posting: data.Posting) -> str:
        """Returns the customer whose credit `posting` moves, or "" if nobody's."""
        return self._whose(entry, posting, *self.named(entry, posting))

    def _whose(
        self, entry: data.Transaction, posting: data.Posting, customer: str, by_payee: bool
    ) -> str:
        """Returns whose `posting` is, from whose it names (`named`), or "" if nobody's.

        The customer it names, unless it is a debit read by its payee that
        pays back what that payee put into nobody's credits (`PayeeDebits`).
        """
        units = posting.units
        if not (by_payee and customer and units is not None):
            return customer
        number = units.number
        if not isinstance(number, Decimal) or number <= 0:
            return customer  # a credit to the account: the customer's, as a receipt is
        if self._debits is None:
            self._debits = PayeeDebits.of(self)
        return "" if self._debits.pays_back(entry, units.currency, number) else customer

    def named(self, entry: data.Transaction, posting: data.Posting) -> tuple[str, bool]:
        """Returns whose `posting` is as it names it, and whether that was read by its payee.

        Its customer, nobody's pool (`POOL`), its receipt's part (`_part`),
        else the one customer billed under its payee by its day (or "").
        """
        named = _customer_named(entry, posting)
        if named:
            return named, False
        if _pooled(entry, posting):
            return "", False
        receipt = self.receipt_of(entry, posting)
        if receipt is not None:
            return self._part(entry, posting, receipt), False
        return customer_by_payee(self._by_payee(), entry.payee, entry.date), True

    def _by_payee(self) -> dict[str, list[tuple[datetime.date, str]]]:
        if self._payees is None:
            self._payees = customers_by_payee(self.invoices)
        return self._payees

    def part(
        self, entry: data.Transaction, posting: data.Posting, number: Decimal
    ) -> tuple[Receipt | StraightReceipt, list[tuple[str, Decimal]]] | None:
        """Returns the receipt a posting names and whose parts of its credits it moves, if any.

        Each part with its share of `number`, the posting's, as posted. The
        part of the customer the posting names, whatever receipt it names:
        of a customer holding no part of the receipt's credits, none of
        them (BR-1 over paid INV-1 of CUS-1 only: a refund naming BR-1 and
        CUS-9 is CUS-9's, and leaves CUS-1's credit alone). Else the parts
        `_shares` tells.
        """
        receipt = self.receipt_of(entry, posting)
        if receipt is None:
            return None
        named = _customer_named(entry, posting)
        if named:
            return receipt, [(named, number)]
        return receipt, self._shares(entry, posting, receipt, number)

    def _shares(
        self,
        entry: data.Transaction,
        posting: data.Posting,
        receipt: Receipt | StraightReceipt,
        number: Decimal,
    ) -> list[tuple[str, Decimal]]:
        """Returns whose parts of a receipt's credits a posting naming no customer moves, how much.

        The one home of whose part of a receipt's credits a posting moves.
        Of a receipt that parked credits of one customer, that one's; of
        one that parked none yet, the receipt's customer (`Uses.read`): its
        own in unapplied cash, else the customer of the first invoice it
        pays (`receipts.straight_receipts`); if once cash is matched it
        parks for others, the books are read again with them
        (`plugins.ar_reconciliation`). R-1, Acme's wire in unapplied cash
        over paying INV-0 of CUS-9, is CUS-9's (`Crediting.park`).

        A debit naming a receipt with credits of several customers
        (`parts`) is shared among them: of the invoices its entry credits
        (`invoiced`, in the debit's currency), each of a customer holding a
        part takes its amount out of its customer's part, in the order of
        the postings, as far as the debit goes; the rest of the debit is
        the part `_rest` tells (the payee's, else the first). BR-1 with
        parts of CUS-9 and CUS-1, a debit of 70.00 naming it crediting INV-3
        of CUS-9 40.00 and INV-2 of CUS-1 30.00: 40.00 of CUS-9's part and
        30.00 of CUS-1's, in either order; a debit of 100.00 crediting
        INV-3 40.00 alone, under "Acme": 40.00 of CUS-9's and 60.00 of
        CUS-1's. Else (a credit, or a debit crediting no invoice in its
        currency) the whole of it is one part's: the customer of the first
        invoice its entry credits (an application by hand of the receipt's
        credit to an invoice uses the part of the invoice's customer, as a
        returned payment typed to an invoice takes back its customer's
        part, `plugins.over_payments`), else `_rest`'s. BR-1 from "Acme"
        over paying INV-0 of CUS-9 ("Beta") and INV-1 of CUS-1 ("Acme"): a
        refund to "Acme" naming BR-1, or one under no payee, pays back
        CUS-1's part; one to "Gamma", billed to no one, CUS-9's (parked
        first, INV-0 before INV-1); an entry naming BR-1 that pays INV-3 of
        CUS-9 from customer credits, under any payee, uses CUS-9's.
        """
        customers = self.parts().get(receipt.id, ())
        if len(customers) < 2:
            return [(customers[0] if customers else receipt.customer, number)]
        currency = posting.units.currency if posting.units is not None else None
        shares: dict[str, Decimal] = {}
        rest, first = number, ""
        for invoiced, credited, paid_in in self.invoiced(entry):
            if invoiced not in customers:
                continue
            first = first or invoiced
            if paid_in == currency and rest > 0:
                share = min(credited, rest)
                shares[invoiced] = shares.get(invoiced, Decimal(0)) + share
                rest -= share
        if not shares:
            return [(first or self._rest(entry, posting, customers), number)]
        if rest > 0:
            other = self._rest(entry, posting, customers)
            shares[other] = shares.get(other, Decimal(0)) + rest
        return list(shares.items())

    def _part(
        self, entry: data.Transaction, posting: data.Posting, receipt: Receipt | StraightReceipt
    ) -> str:
        """Returns whose part of a receipt's credits a posting naming no customer moves: its first.

        The part of its first share (`_shares`): of a debit shared among
        several parts, whose part each share moves is read by `reads`.
        """
        units = posting.units
        number = units.number if units is not None else None
        whole = number if isinstance(number, Decimal) else Decimal(0)
        return self._shares(entry, posting, receipt, whole)[0][0]

    def _rest(
        self, entry: data.Transaction, posting: data.Posting, customers: Sequence[str]
    ) -> str:
        """Returns the part of several (`customers`) a debit uses beyond the invoices it credits.

        The one billed under the posting's payee (`payee_of`) by its day,
        else the part parked first.
        """
        payee = self.payee_of(entry, posting)
        billed = customer_by_payee(self._by_payee(), payee, entry.date)
        return billed if billed in customers else customers[0]

    def invoiced(self, entry: data.Transaction) -> Iterator[tuple[str, Decimal, str]]:
        """Yields the invoices' customers an entry credits, what and in what currency, in order.

        A credit to the receivable (`receivables.invoice_of`) of an item of
        the books, in the order of the entry's postings: Dr customer
        credits 40.00 naming BR-1, Cr the receivable 40.00 of INV-3 of
        CUS-9 says (CUS-9, 40.00, USD).
        """
        receivable, items = self.policy.accounts.receivable, self.invoices.items
        for posting in entry.postings:
            units = posting.units
            if posting.account != receivable or units is None:
                continue
            if not isinstance(units.number, Decimal) or units.number >= 0:
                continue
            item = items.get(invoice_of(entry, posting, items) or "")
            if item is not None and item.customer:
                yield item.customer, -units.number, units.currency

    def receipt_of(
        self, entry: data.Transaction, posting: data.Posting
    ) -> Receipt | StraightReceipt | None:
        """Returns the receipt a posting names (`used_receipt`), if any.

        One in unapplied cash, else one posted straight to the receivable
        (`receipts.straight_receipts`), as the matcher reads a typed debit
        naming either (`typed_uses`): BR-1, 600.00 posted straight to
        INV-1 of CUS-1, parks its 551.00 over in CUS-1's credits, and a
        refund naming BR-1 pays them back, whatever its payee, and though
        BR-1 paid INV-0 of CUS-9 first (`_shares`). The receipts posted
        straight are read only when a posting names a receipt not in
        unapplied cash.
        """
        if self._links is None:
            self._links = {receipt.link: receipt.id for receipt in self.receipts.values()}
        named = used_receipt(entry, posting, self._links)
        found = self.receipts.get(named)
        if found is not None or not (named or entry.links):
            return found
        if self._straight is None:
            self._straight = straight_receipts(self.invoices)
            self._straight_links = {one.link: one.id for one in self._straight.values()}
        if not named:
            named = used_receipt(entry, posting, self._straight_links)
        return self._straight.get(named)

    def parts(self) -> Mapping[str, Sequence[str]]:
        """Returns the customers each receipt parked credits for, the first first, by receipt.

        The matcher's rule (`parked_by`: a credit per receipt and customer),
        read on the generated entries naming a receipt and crediting the
        account (its over payment moved to customer credits, its cash
        application parking one), the part parked first first
        (`customers_of`): BR-1's over payment of INV-1 moved to customer
        credits says CUS-1. Read once, unless given (`Owner`).
        """
        if self._parts is None:
            parking = (
                entry
                for entry in self.entries
                if isinstance(entry, data.Transaction)
                and meta.APPLIED_RECEIPT in entry.meta
                and meta.is_generated(entry)
                and any(_credits(posting, self.account) for posting in entry.postings)
            )
            self._parts = customers_of(parked_by(parking, self.policy).values())
        return self._parts

    def payee_of(self, entry: data.Transaction, posting: data.Posting) -> str:
        """Returns the payee (`receipts.payee_key`) whose money a posting moves, "" for none.

        Its entry's payee, else the payee of the receipt it names: R-9,
        Acme's wire in unapplied cash, held as nobody's credit or charged
        back by an entry naming R-9 under no payee, is Acme's. So a debit
        read by its payee pays back what its payee put into nobody's
        credits, however that was typed (`PayeeDebits`), and a debit naming
        a receipt under no payee is the part of the customer billed under
        the receipt's payee (`_shares`).
        """
        payee = payee_key(entry.payee or "")
        if payee:
            return payee
        receipt = self.receipt_of(entry, posting)
        return payee_key(receipt.payee or "") if receipt is not None else ""

    def keys(self, move: CreditPosting) -> dict[str, str]:
        """Returns the metadata an entry made of a posting (`reads`) carries to be whose it is.

        Its customer (`customer`), as read: of a debit shared among a
        receipt's parts, its share's part's. Of nobody's, the receipt it
        names (`revclose_receipt`), if any; else, of a debit its payee
        would read as a customer's, nobody's pool (`POOL`). A posting of
        nobody's naming none is nobody's by its payee on its day, which an
        entry on that day under that payee is too: R-9, a receipt of
        nobody's, refunded on Feb 20 naming it, realizes its exchange
        difference in an entry naming R-9, not read by its payee as the
        customer billed under it on Feb 5.
        """
        if move.customer:
            return {meta.CUSTOMER: move.customer}
        entry, posting = move.entry, move.posting
        customer, by_payee = self.named(entry, posting)
        if by_payee:  # so it names no receipt (`named`): it pays nobody's back, or names nobody
            return {POOL: UNASSIGNED} if customer else {}
        receipt = self.receipt_of(entry, posting)
        return {meta.APPLIED_RECEIPT: receipt.id} if receipt is not None else {}

    def reads(self, entry: data.Transaction, posting: data.Posting) -> list[CreditPosting]:
        """Returns a posting to the credits account as each customer's share of it moves.

        One, whose `of` tells (none if it has no number), unless it is a
        debit naming a receipt and no customer, nor nobody's pool: then one
        per part of the receipt's credits it uses (`_shares`), as the matcher
        reads it (`typed_uses`). **Each share is a posting of its units at
        the posting's price**, so it weighs its share of the posting's
        weight by units, and the shares weigh what the posting does: BR-1
        with parts of CUS-9 and CUS-1, `30.00 EUR @ 1.30 USD` (39.00 USD)
        naming it and crediting INV-3 of CUS-9 10.00 EUR and INV-2 of CUS-1
        20.00 EUR is CUS-9's `10.00 EUR @ 1.30 USD` (13.00) and CUS-1's
        `20.00 EUR @ 1.30 USD` (26.00), in every pass that reads it (the
        schedule, the statements, `plugins.credits_own_rate` and
        `plugins.credits_remeasurement`).
        """
        units = posting.units
        if units is None or not isinstance(number := units.number, Decimal):
            return []
        currency = units.currency
        if number > 0 and not _customer_named(entry, posting) and not _pooled(entry, posting):
            receipt = self.receipt_of(entry, posting)
            if receipt is not None:
                return [
                    CreditPosting(
                        entry,
                        whose,
                        currency,
                        share,
                        posting._replace(units=Amount(share, currency)),
                    )
                    for whose, share in self._shares(entry, posting, receipt, number)
                ]
        return [CreditPosting(entry, self.of(entry, posting), currency, number, posting)]


def _customer_named(entry: data.Transaction, posting: data.Posting) -> str:
    """Returns the customer a posting or its entry names (`customer`), or ""."""
    named = (posting.meta or {}).get(meta.CUSTOMER) or entry.meta.get(meta.CUSTOMER)
    return str(named) if named else ""


def _pooled(entry: data.Transaction, posting: data.Posting) -> bool:
    """Tells whether a posting or its entry says it is nobody's (`POOL`)."""
    return (posting.meta or {}).get(POOL) == UNASSIGNED or entry.meta.get(POOL) == UNASSIGNED


def _credits(posting: data.Posting, account: str) -> bool:
    """Tells whether a posting credits `account` (a negative number): it parks a credit."""
    units = posting.units
    return (
        posting.account == account
        and units is not None
        and isinstance(units.number, Decimal)
        and units.number < 0
    )


class PayeeDebits:
    """Tells which debits read by their payee pay back what that payee put into nobody's credits.

    A refund the bank import types by a rule names only its payee. It pays
    back nobody's credits when what that payee put into nobody's pool of
    its currency, and the pool itself, both hold the whole of it on its
    day. What a payee put in is what nobody's postings of the payee
    (`Owner.payee_of`: under it, or naming its receipt) put in, less what
    they and its earlier debits so read took out (its prepayment, sent
    before it was billed, paid back). Else the debit is the customer's
    billed under the payee by its day: an overdraw when the customer holds
    nothing, as the customer credits schedule's control reports. It is
    never split. Another payee's cash in nobody's pool (one per currency)
    never pays it; nor does what the payee put in once it has left the
    pool (a transfer to a customer by hand, under no payee). The
    customer's pool is not read: the matcher parks credits there day by
    day, and the matcher and the reports read a refund alike. The pool
    and each payee hold on a day what their postings dated up to it put in
    or take out; that day's debits read by their payee are decided after
    them, smallest first, identical ones together, each against what the
    ones before it left, whatever their order in the books. An entry dated
    later never changes whose an earlier debit is, so a sealed month stays
    as it was.

    Acme's 100.00 EUR, nobody's (sent before CUS-1 was billed under
    "Acme"), and a 40.00 EUR refund to "Acme" after: Acme put 100.00 into
    nobody's, the whole 40.00, so the refund pays nobody's back (60.00 EUR
    left), whatever CUS-1 holds. Had Beta sent the 100.00 EUR, or had the
    100.00 EUR been moved to CUS-1 by hand before, the refund is CUS-1's.

    Attributes:
      nobodys: The debits read by payee that pay back nobody's, as
        (payee key, currency, day, number as posted).
    """

    def __init__(self, nobodys: Collection[tuple[str, str, datetime.date, Decimal]]) -> None:
        self.nobodys = nobodys

    @classmethod
    def of(cls, owner: Owner) -> PayeeDebits:
        """Returns the debits read by payee of the entries `owner` reads, decided.

        One pass gathers nobody's postings and the debits read by payee, by
        currency; one sorted pass over each currency's decides them.
        """
        nobodys: set[tuple[str, str, datetime.date, Decimal]] = set()
        for currency, moves in _payees_moves(owner).items():
            nobodys.update(
                (payee, currency, day, number) for day, number, payee in _paid_back(moves)
            )
        return cls(nobodys)

    def pays_back(self, entry: data.Transaction, currency: str, number: Decimal) -> bool:
        """Returns whether a debit of `entry` read by its payee pays back nobody's credits."""
        return (payee_key(entry.payee or ""), currency, entry.date, number) in self.nobodys


# A posting of nobody's or a debit read by payee: (day, whether it is such a
# debit, number as posted, payee key, "" for none).
_PayeeMove = tuple[datetime.date, bool, Decimal, str]


def _payees_moves(owner: Owner) -> dict[str, list[_PayeeMove]]:
    """Returns nobody's postings and the debits read by payee, by currency, each with its payee.

    The payee of either is `Owner.payee_of`'s: a posting of nobody's under
    no payee and naming no receipt is no payee's, but moves the pool.
    """
    moves: dict[str, list[_PayeeMove]] = defaultdict(list)
    for entry in owner.entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if posting.account != owner.account or units is None:
                continue
            number = units.number
            if not isinstance(number, Decimal):
                continue
            customer, by_payee = owner.named(entry, posting)
            debit = by_payee and bool(customer) and number > 0
            if debit or not customer:
                payee = owner.payee_of(entry, posting)
                moves[units.currency].append((entry.date, debit, number, payee))
    return moves


def _paid_back(moves: Iterable[_PayeeMove]) -> Iterator[tuple[datetime.date, Decimal, str]]:
    """Yields (day, number, payee key) of each debit read by payee that pays back nobody's.

    `moves` are one currency's (`_payees_moves`). In date order, a day's
    postings of nobody's first: what nobody's pool holds is their running
    sum, negated, and what each payee holds that of its own. Then the
    day's debits read by payee, smallest first, identical ones together:
    each pays back nobody's when what its payee and the pool still hold
    both cover it whole, and is taken out of both. So the day's debits
    never take more than the payee put in, nor than the pool holds,
    whatever their order in the books.
    """
    pool = Decimal(0)
    held: dict[str, Decimal] = defaultdict(Decimal)
    for (day, by_payee, number, payee), same in itertools.groupby(sorted(moves)):
        whole = number * sum(1 for _ in same)
        if by_payee and not (held[payee] >= whole and pool >= whole):
            continue
        pool -= whole
        held[payee] -= whole
        if by_payee:
            yield day, number, payee


class CreditPosting(NamedTuple):
    """A posting to the customer credits account, with the customer it belongs to ("" if none)."""

    entry: data.Transaction
    customer: str
    currency: str
    number: Decimal  # as posted: negative credits the customer
    posting: data.Posting  # of a share of a posting (`Owner.reads`), its share's units


def postings(
    entries: Iterable[data.Directive], account: str, owner: Owner
) -> Iterator[CreditPosting]:
    """Yields every posting to the credits account, in entry order, with its customer."""
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account == account:
                yield from owner.reads(entry, posting)


def horizon(day: datetime.date) -> datetime.date:
    """Returns the last day a payment out of customer credits on `day` looks ahead to.

    Its month's end: what the account holds for the customer (`Held.available`)
    and what a credit may pay (`Crediting.usable`) are read to then, so a
    debit of a later month, naming the customer or the receipt, does not take
    back what a closed month applied. It overdraws the credit instead, which
    the customer credits schedule's control reports.
    """
    return month_end(day)


class Held:
    """What the credits account holds for some customers, per currency, day by day.

    Amounts are minor units, positive when held for the customer (the
    account's credits). `available` is what can be paid out of it on a day
    without the account holding less than nothing for the customer on that
    day or any later one; `take` records a payment out.
    """

    def __init__(self, foreseen: Mapping[Parked, int] | None = None) -> None:
        self.moves: dict[tuple[str, str], list[tuple[datetime.date, int]]] = defaultdict(list)
        # The days of the typed debits out of each customer's credits (`of`, `draws`).
        self.debits: dict[tuple[str, str], list[datetime.date]] = defaultdict(list)
        # What an earlier reading of the books found the matcher's calendar park, where it could
        # change the reading (`Crediting.foreseen`), not yet parked in this one (`park`), by
        # customer and currency: a day reads only its customer's (`ahead`).
        self.foreseen: dict[Pool, dict[Parked, int]] = {}
        for credit, units in (foreseen or {}).items():
            self.foreseen.setdefault((credit.customer, credit.currency), {})[credit] = units

    @classmethod
    def of(
        cls,
        entries: Iterable[data.Directive],
        owner: Owner,
        policy: ArPolicy,
        foreseen: Mapping[Parked, int] | None = None,
    ) -> Held:
        """Returns what the credits account holds for each customer, from the entries posting to it.

        Args:
          entries: The entries that post to customer credits (others are skipped).
          owner: The rule that tells whose credit each posting moves.
          policy: The receivables policy (the credits account and precision).
          foreseen: The parkings an earlier reading found in the matcher's
            calendar that could change the reading (`Crediting.foreseen`).
        """
        held = cls(foreseen)
        account = policy.customer_credits_account
        for posting in postings(entries, account, owner):
            if posting.customer:
                units = policy.precision.to_minor(posting.number, posting.currency) or 0
                day = posting.entry.date
                held.take(posting.customer, posting.currency, day, units)
                if units > 0:
                    held.debits[(posting.customer, posting.currency)].append(day)
        return held

    def take(self, customer: str, currency: str, day: datetime.date, units: int) -> None:
        """Records `units` paid out of the customer's credit on a day (negative: put in)."""
        self.moves[(customer, currency)].append((day, -units))

    def park(self, credit: Parked, units: int) -> None:
        """Records `units` the matcher's calendar parks in a credit on its day, foreseen no more."""
        foreseen = self.foreseen.get((credit.customer, credit.currency))
        if foreseen:
            foreseen.pop(credit, None)
        self.take(credit.customer, credit.currency, credit.date, -units)

    def draws(
        self, customer: str, currency: str, first: datetime.date, last: datetime.date
    ) -> bool:
        """Tells whether a typed debit out of the customer's credits is dated `first` to `last`."""
        return any(first <= day <= last for day in self.debits.get((customer, currency), ()))

    def ahead(self, customer: str, currency: str, day: datetime.date) -> list[tuple[Parked, int]]:
        """Returns the foreseen parkings of the customer's credits in a currency dated after `day`.

        The matcher's calendar finds a parking on its day; an earlier reading
        of the books found it, so the days before it count it as to come.
        Empty unless a parking found in the calendar could change the reading
        (`Crediting.foreseen`).
        """
        foreseen = self.foreseen.get((customer, currency), {})
        return [(credit, units) for credit, units in foreseen.items() if credit.date > day]

    def available(self, customer: str, currency: str, day: datetime.date) -> int:
        """Returns the least the account holds for the customer at the end of `day` or later.

        Later means to the end of `day`'s month (`horizon`). The later days
        count what the matcher's calendar parks on them as an earlier
        reading of the books found (`ahead`).
        """
        last = horizon(day)
        moves = list(self.moves.get((customer, currency), ()))
        # What the calendar will park after `day`, as an earlier reading found.
        moves += [(credit.date, units) for credit, units in self.ahead(customer, currency, day)]
        # Within a day, what is put in comes first: the least is at a day's end.
        moves.sort(key=lambda move: (move[0], -move[1]))
        balance = sum(units for when, units in moves if when <= day)
        least = balance
        for when, units in moves:
            if day < when <= last:
                balance += units
                least = min(least, balance)
        return max(least, 0)


def parked_by(
    generated: Iterable[data.Transaction],
    policy: ArPolicy,
    into: dict[CreditKey, Credit] | None = None,
) -> dict[CreditKey, Credit]:
    """Returns what each receipt parked in customer credits by the entries generated.

    One credit per receipt and customer (`Credit.key`), the customer each
    entry names: BR-1 posted straight to INV-0 of CUS-9 and INV-1 of
    CUS-1, over paying both, parks a credit for each, and each pays its own
    customer's invoices. The credit is dated by the earliest of the entries
    parking it, whatever their order (of one day, the one read first),
    located at it and priced as it is (`Credit.source`, `Credit.rate`); its
    first invoice is the earliest (day, invoice id) of them. Each entry's
    amount is available from its own day (`Credit.parkings`,
    `Crediting.add`). BR-1, Acme's reference on a bank line of Feb 6 over
    paying INV-2 by 20.00 and on one of Feb 10 over paying INV-1 by 50.00:
    CUS-1's credit of 70.00, dated Feb 6, of which 20.00 is available
    from Feb 6 and 50.00 from Feb 10.

    Args:
      generated: The cash applications and moved over payments generated in
        this run (those that post to customer credits suffice).
      policy: The receivables policy (the credits account and precision).
      into: What entries read before parked (`parked_by` of them), if
        any: `generated` adds to it in place, as if read after them (a
        credit parked again on a later day or the same keeps its day and
        place), and it is returned.
    """
    account, precision = policy.customer_credits_account, policy.precision
    credits: dict[CreditKey, Credit] = {} if into is None else into
    for entry in generated:
        for posting in entry.postings:
            if posting.account != account or posting.units is None:
                continue
            number, currency = posting.units.number, posting.units.currency
            receipt = str(entry.meta[meta.APPLIED_RECEIPT])
            customer = str(entry.meta.get(meta.CUSTOMER, ""))
            units = -(precision.to_minor(number, currency) or 0) if number is not None else 0
            credit = Credit(
                receipt,
                customer,
                currency,
                entry.meta,
                entry.payee,
                (entry.date, str(entry.meta.get(meta.INVOICE, ""))),
                fx.own_rate(posting, policy.functional_currency),
                ((entry.date, units),),
            )
            known = credits.get(credit.key)
            if known is not None:
                # Of one day, the entry read first (`min` keeps the first of equals).
                earliest = min(known, credit, key=operator.attrgetter("date"))
                first = min(known.first, credit.first)
                parkings = known.parkings + credit.parkings
                credit = earliest._replace(first=first, parkings=parkings)
            credits[credit.key] = credit
    return credits


def customers_of(credits: Iterable[Credit]) -> dict[str, list[str]]:
    """Returns the customers each receipt parked `credits` for (`parked_by`), the first first.

    First is the part parked first: by its first invoice (`Credit.first`),
    its day, then the invoice's id, whatever the order of the postings that
    parked it. BR-1 over paying INV-5 and INV-1 of CUS-1 and INV-3 of CUS-9
    on one day, posted in that order: CUS-1's part first (INV-1).
    """
    customers: dict[str, list[str]] = defaultdict(list)
    for credit in sorted(credits, key=lambda credit: (credit.first, credit.customer)):
        customers[credit.receipt].append(credit.customer)
    return dict(customers)


class Uses(NamedTuple):
    """What typed debits to customer credits naming a receipt used (`typed_uses`)."""

    # By receipt, currency and the customer whose part of the receipt's credits they use: each
    # debit's (day, units), in the books' order.
    parts: dict[tuple[str, str, str], list[tuple[datetime.date, int]]]
    # The receipts named by debits naming no customer, each with its own customer (`Owner._shares`,
    # of a receipt that parked no credit): whose part they use is read off the receipt's parts,
    # so it changes with the parts found once cash is matched.
    read: dict[str, str]


def typed_uses(typed: Iterable[data.Directive], policy: ArPolicy, owner: Owner) -> Uses:
    """Returns what typed debits to customer credits naming a receipt used.

    By receipt, currency and the customer whose part of the receipt's
    credits it uses (`Owner.part`), each by its day. A debit names its receipt by `receipt`
    metadata or the receipt's link (a refund of the over payment, an
    application by hand; `Owner.receipt_of`): it uses the credit the
    receipt parks up first within its month, so it is never applied twice
    (`Crediting.usable`; one of a later month overdraws it instead).

    Args:
      typed: The typed entries (those that post to customer credits suffice).
      policy: The receivables policy (the credits account and precision).
      owner: Whose each posting to the account is.
    """
    account, precision = policy.customer_credits_account, policy.precision
    uses: dict[tuple[str, str, str], list[tuple[datetime.date, int]]] = defaultdict(list)
    read: dict[str, str] = {}
    for directive in typed:
        if not isinstance(directive, data.Transaction) or meta.is_generated(directive):
            continue
        for posting in directive.postings:
            debit = posting.units
            if posting.account != account or debit is None or debit.number is None:
                continue
            if debit.number <= 0:
                continue
            part = owner.part(directive, posting, debit.number)
            if part is not None:
                receipt, shares = part
                for customer, share in shares:
                    used = precision.to_minor(share, debit.currency) or 0
                    uses[(receipt.id, debit.currency, customer)].append((directive.date, used))
                if not _customer_named(directive, posting):
                    read[receipt.id] = receipt.customer
    return Uses(dict(uses), read)


class Parked(NamedTuple):
    """A credit as the matching sees it: whose, in what currency, available from when."""

    receipt: str
    date: datetime.date
    customer: str
    currency: str

    @property
    def key(self) -> CreditKey:
        """Names it among a receipt's credits: one per customer (`parked_by`)."""
        return (self.receipt, self.customer)


Pool = tuple[str, str]  # (customer, currency)
CreditKey = tuple[str, str]  # (receipt, customer): a receipt's credit for one customer


class Crediting:
    """The customer credits, applied on the matcher's days (`plugins.matching_terms.Crediting`).

    A credit available on a day pays its customer's invoices in its
    currency open on that day, oldest first (and the customer's oldest
    credit first), no more than it has parked by then (`usable`), as far
    as each stays open from that day on
    (`Owing.open_for`: an invoice it paid before only from a reopening) and
    the account holds for the customer (`Held.available`). The matcher asks
    on the days a credit is parked or becomes available and on the days its
    customer's invoices are billed or posted; every application is dated
    the day it is made. The claims on a customer's credits dated on or
    before the day are decided before any of them pays (`decide`): the
    claim first on its day, whichever credit is older; the claims one by
    one in date order, those of one day on the oldest credit first.

    Attributes:
      made: Each application, as (its credit's key, invoice, units, day), in
        the order made; the key names the receipt and the customer
        (`Parked.key`).
      taken: What each claim took back, by its key (nothing yet: 0).
    """

    def __init__(
        self,
        policy: ArPolicy,
        held: Held,
        uses: Mapping[tuple[str, str, str], list[tuple[datetime.date, int]]],
        receipts: Mapping[str, Receipt],
        items: Mapping[str, Item],
        recovering: recoveries.Recovering | None = None,
    ) -> None:
        """Makes the step.

        Args:
          policy: The receivables policy.
          held: What the credits account holds for each customer, before any
            application or claim and any credit parked by matching.
          uses: What the typed debits naming receipts used, by receipt,
            currency and customer, each by its day (`Uses.parts`).
          receipts: The receipts in unapplied cash, by id.
          items: The receivable's items, by id.
          recovering: The recoveries of invoices written off
            (`plugins.recoveries.Recovering`): what a receipt naming one
            leaves over is parked once they are decided, on its day.
        """
        self.enabled = policy.apply_customer_credits
        self.functional = policy.functional_currency
        self.held = held
        self.uses = dict(uses)
        self.receipts, self.items, self.recovering = receipts, items, recovering
        self.ratios: Mapping[tuple[str, str], Fraction] = {}  # set by `plugins.cash_application`
        self.credits: dict[CreditKey, Parked] = {}
        self.left: dict[CreditKey, int] = {}
        # What each credit's parkings put in, as (day, units): each available from its day.
        self.parkings: dict[CreditKey, list[tuple[datetime.date, int]]] = defaultdict(list)
        # What the typed debits naming each credit use, as (day, units) (`typed_uses`).
        self.used: dict[CreditKey, list[tuple[datetime.date, int]]] = {}
        self.holding: dict[Pool, list[Parked]] = {}  # credits of a customer, oldest first
        self.currencies: dict[str, set[str]] = defaultdict(set)
        self.fresh: dict[datetime.date, set[Pool]] = defaultdict(set)  # pools to pay on a day
        self.made: list[tuple[CreditKey, str, int, datetime.date]] = []
        self.pending: dict[CreditKey, deque[Claim]] = defaultdict(deque)
        self.claimed: dict[Pool, set[CreditKey]] = defaultdict(set)  # credits claimed, by pool
        self.taken: dict[Hashable, int] = {}
        self.typed: set[CreditKey] = set()  # credits with a price typed on them (`own_rate`)
        # What the matcher's calendar parked (`straight`, `park`), by credit and day.
        self.found: dict[Parked, int] = defaultdict(int)

    def claim(self, claims: Iterable[Claim]) -> None:
        """Adds claims on credits, decided with their applications in date order.

        A claim is on the receipt's credit for its customer, parked or to be
        parked. A claim given again under its key (a chargeback read again
        with another amount) is of the same receipt and day, so it is
        decided after the one given before: what it takes is what the key
        took.
        """
        keys = set()
        for claim in claims:
            self.taken[claim.key] = 0
            key = (claim.receipt, claim.customer)
            self.pending[key].append(claim)
            keys.add(key)
            known = self.credits.get(key)
            if known is not None and known.customer:
                self.claimed[(known.customer, known.currency)].add(key)
        for key in keys:  # in date order, with earlier ones
            self.pending[key] = deque(sorted(self.pending[key], key=operator.attrgetter("date")))

    def add(self, credit: Parked, units: int) -> None:
        """Takes in `units` a receipt parks in customer credits, less what typed debits used.

        One credit per receipt and customer (`Parked.key`), with the typed
        debits using that customer's part (`typed_uses`), in order among its
        customer's credits by the earliest day anything of it is parked, as
        `parked_by` dates it. It grows as it is parked: what each parking
        puts in is available from the parking's day (`credit.date`), so the
        credit never pays out on a day more than it has parked by then
        (`usable`). BR-1's 50.00 over paid in its typed postings on Feb 10,
        and 10.00 over paid on Feb 6 once cash is matched, are one credit
        from Feb 6 that pays 10.00 from Feb 6 and 50.00 more from Feb 10.
        """
        key = credit.key
        self.parkings[key].append((credit.date, units))
        known = self.credits.get(key)
        if known is None:
            self.credits[key] = known = credit
            used = self.uses.pop((credit.receipt, credit.currency, credit.customer), [])
            self.used[key] = used
            self.left[key] = units - sum(amount for _, amount in used)
            if credit.customer and self.pending.get(key):
                self.claimed[(credit.customer, credit.currency)].add(key)
        else:
            self.left[key] += units
            if credit.date < known.date:  # it leaves its place among its customer's credits
                pool = self.holding.get((known.customer, known.currency))
                if pool:
                    pool[:] = [one for one in pool if one.key != key]
                self.credits[key] = known = known._replace(date=credit.date)
        if known.customer:  # a credit of nobody's pays nothing: a claim can take it back
            pool = self.holding.setdefault((known.customer, known.currency), [])
            if known not in pool:
                pool.append(known)
                pool.sort(key=operator.attrgetter("date", "receipt"))
                self.currencies[known.customer].add(known.currency)
        self.fresh[credit.date].add((known.customer, known.currency))

    def usable(self, key: CreditKey, day: datetime.date) -> int:
        """Returns what a credit may pay out on `day` so that it never goes below nothing after.

        The least, from `day` to its month's end (`horizon`), of what it has
        parked by each day (`add`) less what it paid and what the typed
        debits naming it dated by then use (`typed_uses`). BR-1's credit
        parked 20.00 on Feb 6 and 50.00 on Feb 10, nothing of it paid, may
        pay 20.00 on Feb 7 with 50.00 refunded on Feb 12, nothing with 50.00
        refunded on Feb 8 (it would hold -30.00 from Feb 8 to Feb 10), and
        20.00 on Jan 31 with 20.00 refunded on Feb 5 (January stays as
        closed: the refund overdraws the credit). A parking the matcher's
        calendar finds is parked on its day, but the days before it count
        it as an earlier reading of the books found it (`foreseen`): so it
        is the same when both parkings are found only once cash is matched.
        """
        left, parkings, foreseen = self.left[key], self.parkings[key], self._foreseen(key, day)
        last, used = horizon(day), self.used.get(key, ())
        if len(parkings) == 1 and not foreseen and all(when <= last for when, _ in used):
            return left  # most credits are parked once and used, if at all, in its month
        later = [(when, units) for when, units in parkings if when > day]
        later += [(when, -units) for when, units in used if when > day]
        least = balance = left - sum(units for _, units in later)  # held on `day`
        later += foreseen  # not parked yet: not in `left`
        for when, units in sorted(later, key=lambda one: (one[0], -one[1])):  # parkings first
            if when > last:
                break
            balance += units
            least = min(least, balance)
        return least

    def _foreseen(self, key: CreditKey, day: datetime.date) -> list[tuple[datetime.date, int]]:
        """Returns the parkings of a credit after `day` an earlier reading found in the calendar."""
        held = self.held
        if not held.foreseen:  # most books: no parking in the calendar a typed debit follows
            return []
        credit = self.credits[key]
        ahead = held.ahead(credit.customer, credit.currency, day)
        return [(parked.date, units) for parked, units in ahead if parked.key == key]

    def _holds(self, key: CreditKey, day: datetime.date) -> bool:
        """Tells whether a credit may pay on a day after `day`: it holds some, or will be parked.

        What it holds then is before the debits naming it dated after `day`:
        on a later day they may be past its month's end (`usable`).
        """
        later = sum(units for when, units in self.used.get(key, ()) if when > day)
        return self.left[key] + later > 0 or bool(self._foreseen(key, day))

    def foreseen(self) -> dict[Parked, int]:
        """Returns what the calendar parked where it could change the reading, for the next one.

        The matcher's calendar (`straight`, `park`) finds a parking on its
        day: on the days before, it is not yet found, and a typed debit
        dated on or after it holds back the customer's earlier credits as if
        it were never parked, in what the account will hold (`Held.available`,
        to the parking's month end) and what its credit may pay out
        (`usable`, a debit naming it). R-2's 50.00 over paid on Feb 10 in
        unapplied cash, refunded on Feb 12, foreseen, leaves BR-1's 20.00 of
        Feb 6 paying CUS-1's invoice of Feb 7; so it does when BR-1 itself
        parks the 50.00 on Feb 10. The books are read again with these known
        (`Held.foreseen`). A parking no typed debit follows, or of a customer
        with no credit before it (nothing pays out before it), changes
        nothing: none, as in most books, reads them once. Nor does any
        parking when no credit pays (`pay`: the policy applies none).
        """
        if not self.enabled:
            return {}
        first: dict[Pool, datetime.date] = {}
        for credit in self.credits.values():
            pool = (credit.customer, credit.currency)
            first[pool] = min(first.get(pool, credit.date), credit.date)
        return {
            credit: units
            for credit, units in self.found.items()
            if first.get((credit.customer, credit.currency), credit.date) < credit.date
            and self._followed(credit)
        }

    def _followed(self, parking: Parked) -> bool:
        """Tells whether a typed debit dated on or after a parking reads the days before it.

        One of its customer's (those naming its credit among them), to the
        parking's month end: what the account holds (`Held.available`) and
        what the credit may pay (`usable`) look no further (`horizon`).
        """
        if not parking.customer:  # a credit of nobody's pays nothing
            return False
        day = parking.date
        return self.held.draws(parking.customer, parking.currency, day, horizon(day))

    def straight(self, credit: Parked, units: int, typed: bool = False) -> None:
        """Takes in `units` a receipt posted straight to the receivable over paid, on its day.

        Moved to customer credits inside the matcher's calendar
        (`plugins.over_payments.InCalendar`): available from its day on.
        `typed` tells whether the receipt's posting has a price typed on it
        (`own_rate`).
        """
        if typed:
            self.typed.add(credit.key)
        self._found(credit, units)

    def days(self) -> list[datetime.date]:
        """Returns the days credits are available from that were not yet paid out on."""
        return sorted(self.fresh)

    def park(self, application: Application) -> datetime.date | None:
        """Takes in the credit a cash application parks, in the receipt's currency.

        Returns the day the credits step must pay on for it: the day its
        credit is available from, or, of a receipt naming an invoice written
        off, the day what it over pays is decided. That is what it may
        recover, within the tolerance or not: what is left of it is parked
        on its day once the recoveries dated up to that day are decided
        (`plugins.recoveries.Recovering.due`). None if it parks nothing and
        recovers nothing.
        """
        recovering = self.recovering
        if recovering is not None and application.receipt in recovering.receipts:
            recovering.wait(application)
            return application.date
        if not application.credited:
            return None
        return self._park(application)

    def _park(self, application: Application) -> datetime.date:
        receipt = self.receipts[application.receipt]
        item = self.items[application.invoice]
        ratio = self.ratios.get((receipt.id, item.currency))
        units = application.credited if ratio is None else round(application.credited * ratio)
        customer = item.customer or receipt.customer
        credit = Parked(receipt.id, application.date, customer, receipt.currency)
        if fx.own_rate(receipt.posting, self.functional) is not None:
            self.typed.add(credit.key)
        self._found(credit, units)
        return application.date

    def _found(self, credit: Parked, units: int) -> None:
        """Takes in `units` the matcher's calendar parks in a credit on its day (`foreseen`)."""
        self.found[credit] += units
        self.held.park(credit, units)
        self.add(credit, units)

    def pay(self, today: datetime.date, customers: Collection[str], owing: Owing) -> set[str]:
        """Applies the credits available today to the invoices open today; returns whose it paid.

        The pools paid are those of credits parked or available from today
        (or earlier, not yet paid out on), and those of `customers`.
        """
        if self.recovering is not None:
            for application in self.recovering.due(today):  # parked on its day, as it is dated
                self._park(application)
        pools: set[Pool] = set()
        fresh, currencies, holding = self.fresh, self.currencies, self.holding
        if fresh:
            for day in [day for day in fresh if day <= today]:
                pools |= fresh.pop(day)
        for customer in customers:
            held_in = currencies.get(customer)
            if held_in:
                for currency in held_in:
                    pools.add((customer, currency))
        paid: set[str] = set()
        if not self.enabled:
            return paid
        for key in sorted(pools):
            self.decide(key, today)
            credits = holding.get(key)
            if not credits:
                continue
            for credit in credits:
                if credit.date > today:
                    break
                if self.pay_from(credit, today, owing):
                    paid.add(credit.customer)
            left = [credit for credit in credits if self._holds(credit.key, today)]
            if left:
                holding[key] = left
            else:  # spent: its customer's invoices need not be read for it again
                del holding[key]
                currencies[key[0]].discard(key[1])
        return paid

    def decide(self, pool: Pool, today: datetime.date | None) -> None:
        """Takes back what the claims on a customer's credits dated up to `today` (all if None) ask.

        Before any of its credits pays on `today`: a claim is decided
        before the applications of its day, whichever credit is older. The
        claims are decided one by one in their date order, those of one day
        on the customer's oldest credit first (`in_turn`), each taking what
        the account holds for the customer from its day on (`_take_back`).
        R-0's credit (20.00, Jan 5) and R-1's (50.00, Jan 20) of CUS-1, who
        holds 60.00, all of R-1 charged back on Feb 15: its claim takes
        R-1's 50.00 first, and R-0's credit pays 10.00 of the invoice the
        chargeback opened again, not 20.00.
        """
        for key in self.in_turn(pool, today):
            self._take(key, self.pending[key].popleft())

    def _take(self, key: CreditKey, claim: Claim) -> None:
        """Takes back what one claim on a credit asks (`_take_back`).

        The credit holds for it what is left of it before the typed debits
        naming it dated after the claim's month (`horizon`): a debit of a
        later month does not undo what a closed month's claim took back; it
        overdraws the credit instead.
        """
        last = horizon(claim.date)
        later = sum(units for when, units in self.used.get(key, ()) if when > last)
        credit, left = self.credits[key], self.left[key]
        self.left[key] = _take_back(credit, left, claim, self.held, self.taken, later)

    def in_turn(self, pool: Pool, today: datetime.date | None) -> list[CreditKey]:
        """Returns the credits of a customer's claims dated up to `today` (all if None), in turn.

        Ordered by the claim's day, then its credit's (the oldest credit
        first), then the receipt's id; a receipt's claims of one day as
        given (`claim`). A claim left undecided on its day (a chargeback
        that opens no invoice waits for the customer's next payout day)
        still comes before a later one: what the later one takes is out of
        what the account holds from the earlier one's day on. R-2's claim
        of Feb 10 before R-1's of Feb 15; on Feb 15, R-1's credit (Jan 20)
        before R-0's (Jan 21).
        """
        due = []
        for key in self.claimed.get(pool, ()):
            credit = self.credits[key]
            for number, claim in enumerate(self.pending.get(key, ())):
                if today is not None and claim.date > today:
                    break
                due.append((claim.date, credit.date, key, number))
        return [key for _, _, key, _ in sorted(due)]

    def pay_from(self, credit: Parked, today: datetime.date, owing: Owing) -> bool:
        """Pays a customer's invoices open today from one credit; returns whether it paid any.

        What the account holds for the customer is read at the first
        invoice the credit can pay: most visits find none.
        """
        key, customer, currency = credit.key, credit.customer, credit.currency
        left, usable = self.left[key], self.usable(key, today)
        available = None
        for invoice in owing.open_invoices((customer, currency), today):
            if usable <= 0:
                break
            name = invoice.id
            found = owing.open_for(invoice, max(credit.date, invoice.date))
            if found is None or found[0] > today:  # open for it only from a later posting
                continue
            if available is None:
                available = self.held.available(customer, currency, today)
            units = min(usable, found[1], available)
            if units <= 0:
                break
            owing.settle(name, units, today)
            self.held.take(customer, currency, today, units)
            self.made.append((key, name, units, today))
            left -= units
            usable -= units
            available -= units
        paid = left < self.left[key]
        self.left[key] = left
        return paid

    def finish(self) -> None:
        """Takes back what the claims not yet decided ask, once every application is made.

        A customer's in turn, as on a payout day (`decide`); those on a
        credit of nobody's, credit by credit.
        """
        for pool in sorted(self.claimed):
            self.decide(pool, None)
        for key, pending in self.pending.items():
            if key in self.credits:
                while pending:
                    self._take(key, pending.popleft())
            pending.clear()

    def revisit(self, customers: Collection[str]) -> None:
        """Has the credits of `customers` still holding something paid out again from their day.

        For a second matching of those customers' receipts, once a
        chargeback opened some of their invoices again.
        """
        for credit in self.credits.values():
            if credit.customer in customers and self.left[credit.key] > 0:
                self.fresh[credit.date].add((credit.customer, credit.currency))

    def waiting(self) -> set[str]:
        """Returns the customers of credits not yet paid out on.

        Those parked on a day after that day's credits were paid (by a
        receipt the matcher tried again once a credit paid some of its
        customer's invoices), when no later day was matched.
        """
        return {customer for pools in self.fresh.values() for customer, _ in pools if customer}

    def applied(
        self, credits: Mapping[CreditKey, Credit], policy: ArPolicy, rates: fx.Rates
    ) -> CreditsApplied:
        """Returns the entries of the applications made since last asked, their postings, errors.

        Ordered by credit, oldest first, then by day. Each pays at the
        credit's rate read as its receipt's (`rate`), and is reported when
        it has a rate on one side only (`unrated`).

        Args:
          credits: The credits parked, as their entries show (`parked_by`).
          policy: The receivables policy.
          rates: The ledger's prices, for the carrying rates of foreign-currency invoices.
        """
        done = CreditsApplied([], [], [])
        made, self.made = self.made, []
        ordered = sorted(made, key=lambda one: (self.credits[one[0]].date, one[0], one[3]))
        for key, name, units, day in ordered:
            item, credit = self.items[name], credits[key]
            carrying = rates.carrying(item)
            paid = (day, self.rate(credit, day, carrying, rates))
            entry = credit_entry(credit, item, units, paid, policy, carrying)
            done.entries.append(entry)
            done.movements.append((name, Movement(entry.date, -units, entry, 2, item.currency)))
            message = unrated(credit, item, paid, carrying, rates)
            if message is not None:
                done.findings.append((dict(credit.source), message, entry))
        return done

    def rate(
        self, credit: Credit, day: datetime.date, carrying: Decimal | None, rates: fx.Rates
    ) -> Decimal | None:
        """Returns a credit's rate to pay an item on a day, its receipt's rule (`fx.payment_rate`).

        Its own rate is the one it was parked at when its receipt's posting
        had a price typed (`typed`; a straight receipt's excess is parked
        at the invoice's carrying rate, so that is its own); parked without one
        (at the ledger's price of the receipt's day, or unpriced) it has
        none: it pays an item carried at a rate at the ledger's price on
        the application's day, and an item carried in its own currency
        alone unpriced, as the receipt itself would. 10.00 EUR left over
        by R-1, received without a price and applied unpriced to an invoice
        carried in EUR alone, pay INV-1, carried at 1.20, on a day EUR is
        1.10: 10 x (1.20 - 1.10) = 1.00 USD of loss realized.
        """
        own = credit.rate if credit.key in self.typed else None
        return fx.payment_rate(own, credit.currency, day, carrying, rates)


def by_receipt(entries: Iterable[data.Transaction]) -> dict[str, list[data.Transaction]]:
    """Returns the payments of invoices by customer credits among `entries`, by receipt.

    A chargeback of the receipt beyond what its credit still holds and what
    its own applications put on invoices, or naming an invoice its credit
    paid, takes back what its credit paid (`plugins.chargebacks.Charging`):
    these are those payments, as made (`Crediting.applied`), in order.
    """
    found: dict[str, list[data.Transaction]] = {}
    for entry in entries:
        where = entry.meta
        if where.get(ar_entries.KIND) == KIND and meta.APPLIED_RECEIPT in where:
            found.setdefault(str(where[meta.APPLIED_RECEIPT]), []).append(entry)
    return found


def _take_back(
    credit: Parked | Credit,
    left: int,
    claim: Claim,
    held: Held,
    taken: dict[Hashable, int],
    later: int,
) -> int:
    """Takes back what one claim on a credit asks; returns what is left of the credit.

    It takes the least of what it asks, what is left of the credit (with
    `later` added back: what the typed debits naming it after the claim's
    month use, `Crediting._take`), and what the account holds for the
    customer from its day on, recorded in `taken` by its key; then all it
    takes beyond that (`Claim.beyond`), overdrawing the account for the
    customer, whatever the credit has left (a typed debit naming the
    receipt in the claim's month may have used it first): the overdraw is
    the customer's, and the next credit makes it good first. The credit
    gives what it has of the two.
    """
    holds = left + later
    units = min(claim.units, holds)
    if credit.customer:
        units = min(units, held.available(credit.customer, credit.currency, claim.date))
    units = max(units, 0)
    taken[claim.key] = units
    out = units + claim.beyond
    if out > 0:
        held.take(credit.customer, credit.currency, claim.date, out)
        left -= min(out, max(holds, 0))
    return left


def unrated(
    credit: Credit,
    item: Item,
    paid: tuple[datetime.date, Decimal | None],
    carrying: Decimal | None,
    rates: fx.Rates,
) -> str | None:
    """Returns why a credit cannot pay an invoice, one of them without a rate, or None.

    A credit pays at its rate read as its receipt's (`Crediting.rate`), an
    invoice is carried at its carrying rate: with a rate on one side only,
    its units move unpriced (`credit_entry`) and what the rated side
    carries stays behind with nothing open, the rule of a receipt
    (`plugins.fx.without_a_rate`). 10.00 EUR over paid at a typed 1.10
    (-11.00 USD in customer credits) paying an invoice carried in EUR alone
    leave -11.00 USD in customer credits and 0.00 EUR; 10.00 EUR parked
    without a price paying an invoice carried at 1.20 on a day with no EUR
    price on or before it leave the invoice carried at 12.00 USD less than
    the general ledger has. The error is located at the credit's source,
    the receipt's line its entry is at, and asks for the missing side's
    price: of a credit without a rate, the one fix that fixes it, a price
    in the ledger on or before the application's day; of one at a rate
    paying an item carried alone, the item's.
    Not an '@' price on the receipt's posting: R-1 110.00 EUR paying
    INV-E1, carried in euros alone, typed `@ 1.10 USD` pays it at a rate on
    one side only, so unpriced (an error of its own), and parks its 10.00
    EUR over without a rate still. (A receipt without a rate that paid an
    invoice carried at one is reported itself, asking for that '@'.)

    Args:
      credit: The credit.
      item: The invoice it pays.
      paid: The application's day and the credit's rate on it (`Crediting.rate`).
      carrying: The invoice's carrying rate (`fx.Rates.carrying`), or None.
      rates: The ledger's prices.
    """
    return fx.without_a_rate(
        f"Customer credit from '{credit.receipt}'",
        paid,
        item,
        carrying,
        rates.functional,
        None,
    )


def credit_entry(
    credit: Credit,
    item: Item,
    units: int,
    paid: tuple[datetime.date, Decimal | None],
    policy: ArPolicy,
    carrying: Decimal | None,
) -> data.Transaction:
    """Returns the entry that pays `units` of an invoice from a customer's credit on a day.

    `paid` is the application's day and the credit's rate on it, read as
    its receipt's (`Crediting.rate`), the invoice is carried at `carrying`:
    the difference is realized (`ar_entries.carried_transfer`); with
    either rate missing the units move unpriced. In a pool of credits
    received at several rates, what the credit's rate differs from the
    pool's average is realized too (`plugins.credits_own_rate`).
    """
    day, rate = paid
    postings = ar_entries.carried_transfer(
        (policy.customer_credits_account, rate, None),
        (policy.accounts.receivable, carrying, None),
        units,
        item.currency,
        policy,
    )
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        meta.APPLIED_RECEIPT: credit.receipt,
        ar_entries.KIND: KIND,
        meta.CUSTOMER: credit.customer,
    }
    return ar_entries.transaction(
        credit.source,
        day,
        f"Customer credit from {credit.receipt} applied to {item.id}",
        ar_entries.APPLICATION_TAGS,
        frozenset((item.id, link_of(credit.receipt))),
        postings,
        credit.payee or item.document.payee,
        extra,
    )
