"""Customer credits: over payments parked in the credits account pay the customer's next invoices.

An over payment beyond the tolerance is credited to the customer credits
account by its cash application (`plugins.cash_matching`), or, for a receipt
the bank import posted straight to the receivable, by the entry that moves
its excess there (`plugins.over_payments`). What is left of
it after matching pays the customer's open invoices in its currency, oldest
first (and the customer's oldest credit first), in one entry per invoice
located at the receipt's line and linked to both, dated the first day the
invoice stays open for it (`_payable`): the later of the credit and the
invoice when nothing is posted to the invoice after them, the day a
returned payment reopens it when it was paid in full before:

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

A typed debit to the credits account that names the receipt (by `receipt`
metadata or the receipt's link: a refund of the over payment, or an
application by hand) uses the credit up first, so it is never applied twice.
Credits typed into the account (a credit note refunded to the customer's
balance, an opening balance) are the user's to apply: they are left alone.
An invoice is paid only as far as it is open after every receipt is matched
and on every day from the application's on (a refund posted to it later
opens it only from then), and a credit never gives more than it holds.

Nor does it give more than the credits account holds for its customer, on
the application's day and every day after to its month's end (`Held`; a
refund in a later month does not rewrite a closed one): a refund the bank import
typed by a rule names no receipt, but it is the customer's (`Owner`), so
what it paid out is not spent again. A debit that belongs to no customer
cannot limit anyone's credit: the customer credits schedule shows it on its
"(unassigned)" row, and its close control fails while that row is negative.

A typed debit to the invoice a receipt over paid (a refund, a returned
payment) takes the receipt's excess back (`plugins.over_payments`): it is a
claim on the credit, decided with the credit's applications in date order
(the claim first on its day). It takes what the credit still holds on its
day, and no more than the account holds for the customer from then to its
month's end, so what the credit paid before it stays paid. So does a
chargeback or refund of the receipt in unapplied cash whose application
parked the credit (`plugins.chargebacks`).

`Owner` is the one rule that tells whose credit a posting to the account
moves; the customer statement and the customer credits schedule
(`reports.receivables`) read it from here.
"""

from __future__ import annotations

import datetime
import heapq
import operator
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, compress, repeat
from typing import Any, NamedTuple

from beancount.core import data

from plugins import ar_entries, fx, meta
from plugins.ar_policy import ArPolicy
from plugins.receipts import (
    APPLIED_RECEIPT,
    Receipt,
    customer_by_payee,
    customers_by_payee,
    link_of,
    used_receipt,
)
from plugins.receivables import Item, Movement, Subledger
from plugins.schedule import month_end

KIND = "customer-credit"


class Credit(NamedTuple):
    """What is left of an over payment parked in customer credits, in minor units."""

    receipt: str
    date: datetime.date
    customer: str
    currency: str
    amount: int
    source: Mapping[str, Any]  # the line the credit comes from (the receipt's)
    payee: str | None
    rate: Decimal | None = None  # its carrying rate in the functional currency, if foreign


class Claim(NamedTuple):
    """A debit that takes part of a receipt's credit back on its day.

    A take-back of an over payment (`plugins.over_payments`), or a
    chargeback of the receipt (`plugins.chargebacks`).
    """

    receipt: str
    date: datetime.date
    units: int  # what it asks for, in minor units


class CreditsApplied(NamedTuple):
    """The entries that apply customer credits, the receivable postings they add, and claims taken.

    `taken` is, for each claim in the order given, what it takes back.
    """

    entries: list[data.Transaction]
    movements: list[tuple[str, Movement]]
    taken: list[int]


class Owner:
    """Tells whose customer credit a posting to the credits account moves.

    It is the customer its posting or entry names; else the customer of the
    receipt it names (by `revclose_receipt`, `receipt` metadata or the
    receipt's link: a refund of an over payment); else the one customer
    whose invoices carry its payee, the rule that gives a receipt naming no
    customer its customer (the bank's line paying a refund out names none);
    else nobody (""). The receipts' links and the invoices' payees are read
    only when a posting needs them: most name their customer.

    Attributes:
      receipts: The receipts in unapplied cash, by id.
      invoices: The open items, for the customers billed under each payee.
    """

    def __init__(self, receipts: Mapping[str, Receipt], invoices: Subledger) -> None:
        self.receipts = receipts
        self.invoices = invoices
        self._links: dict[str, str] | None = None
        self._payees: dict[str, set[str]] | None = None

    def of(self, entry: data.Transaction, posting: data.Posting) -> str:
        """Returns the customer whose credit `posting` moves, or "" if nobody's."""
        named = (posting.meta or {}).get(meta.CUSTOMER) or entry.meta.get(meta.CUSTOMER)
        if named:
            return str(named)
        if self._links is None:
            self._links = {receipt.link: receipt.id for receipt in self.receipts.values()}
        receipt = self.receipts.get(used_receipt(entry, posting, self._links))
        if receipt is not None:
            return receipt.customer
        if self._payees is None:
            self._payees = customers_by_payee(self.invoices)
        return customer_by_payee(self._payees, entry.payee)


class CreditPosting(NamedTuple):
    """A posting to the customer credits account, with the customer it belongs to ("" if none)."""

    entry: data.Transaction
    customer: str
    currency: str
    number: Decimal  # as posted: negative credits the customer
    posting: data.Posting


def postings(
    entries: Iterable[data.Directive], account: str, owner: Owner
) -> Iterator[CreditPosting]:
    """Yields every posting to the credits account, in entry order, with its customer."""
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if posting.account == account and units is not None and units.number is not None:
                yield CreditPosting(
                    entry, owner.of(entry, posting), units.currency, units.number, posting
                )


class Held:
    """What the credits account holds for some customers, per currency, day by day.

    Amounts are minor units, positive when held for the customer (the
    account's credits). `available` is what can be paid out of it on a day
    without the account holding less than nothing for the customer on that
    day or any later one; `take` records a payment out.
    """

    def __init__(self) -> None:
        self.moves: dict[tuple[str, str], list[tuple[datetime.date, int]]] = defaultdict(list)

    @classmethod
    def of(
        cls,
        entries: Iterable[data.Directive],
        owner: Owner,
        policy: ArPolicy,
        customers: set[str],
    ) -> Held:
        """Returns what the credits account holds for `customers`, from the entries posting to it.

        Args:
          entries: The entries that post to customer credits (others are skipped).
          owner: The rule that tells whose credit each posting moves.
          policy: The receivables policy (the credits account and precision).
          customers: The customers whose credits matter (those with a credit to apply).
        """
        held = cls()
        if not customers:
            return held
        account = policy.customer_credits_account
        for posting in postings(entries, account, owner):
            if posting.customer in customers:
                units = policy.precision.to_minor(posting.number, posting.currency) or 0
                held.take(posting.customer, posting.currency, posting.entry.date, units)
        return held

    def take(self, customer: str, currency: str, day: datetime.date, units: int) -> None:
        """Records `units` paid out of the customer's credit on a day (negative: put in)."""
        self.moves[(customer, currency)].append((day, -units))

    def available(self, customer: str, currency: str, day: datetime.date) -> int:
        """Returns the least the account holds for the customer at the end of `day` or later.

        Later means to the end of `day`'s month: a refund of a later month
        does not take back what a closed month applied (it overdraws the
        credit instead, which the customer credits schedule's control
        reports).
        """
        last = month_end(day)
        # Within a day, what is put in comes first: the least is at a day's end.
        moves = sorted(
            self.moves.get((customer, currency), ()), key=lambda move: (move[0], -move[1])
        )
        balance = sum(units for when, units in moves if when <= day)
        least = balance
        for when, units in moves:
            if day < when <= last:
                balance += units
                least = min(least, balance)
        return max(least, 0)


def credits_left(
    generated: Iterable[data.Transaction], typed: Iterable[data.Directive], policy: ArPolicy
) -> list[Credit]:
    """Returns what is left of each over payment parked in customer credits, oldest first.

    A credit of no customer is in the list: it is applied to nothing, but a
    claim can take it back.

    Args:
      generated: The cash applications and moved over payments generated in
        this run (those that post to customer credits suffice).
      typed: The typed entries (those that post to customer credits suffice).
      policy: The receivables policy (the credits account and precision).
    """
    account, precision = policy.customer_credits_account, policy.precision
    credits: dict[str, Credit] = {}
    for entry in generated:
        for posting in entry.postings:
            if posting.account == account and posting.units is not None:
                number, currency = posting.units.number, posting.units.currency
                receipt = str(entry.meta[APPLIED_RECEIPT])
                units = -(precision.to_minor(number, currency) or 0) if number is not None else 0
                known = credits.get(receipt)
                if known is not None:
                    credits[receipt] = known._replace(amount=known.amount + units)
                    continue
                credits[receipt] = Credit(
                    receipt,
                    entry.date,
                    str(entry.meta.get(meta.CUSTOMER, "")),
                    currency,
                    units,
                    entry.meta,
                    entry.payee,
                    fx.own_rate(posting, policy.functional_currency),
                )
    if not credits:
        return []
    links: dict[str, str] = {}  # made at the first typed debit: most books have none
    for directive in typed:
        if not isinstance(directive, data.Transaction) or meta.is_generated(directive):
            continue
        for posting in directive.postings:
            debit = posting.units
            if posting.account != account or debit is None or debit.number is None:
                continue
            links = links or {link_of(receipt): receipt for receipt in credits}
            receipt = used_receipt(directive, posting, links)  # typed: `receipt` or link
            known = credits.get(receipt)
            if known is not None and debit.number > 0 and debit.currency == known.currency:
                used = precision.to_minor(debit.number, debit.currency) or 0
                credits[receipt] = known._replace(amount=known.amount - used)
    left = [credit for credit in credits.values() if credit.amount > 0]
    return sorted(left, key=operator.attrgetter("date", "receipt"))


def apply(
    credits: list[Credit],
    subledger: Subledger,
    policy: ArPolicy,
    rates: fx.Rates,
    held: Held,
    claims: Sequence[Claim] = (),
) -> CreditsApplied:
    """Returns the entries that apply each credit to its customer's open invoices, and the claims.

    Each application is dated the first day the invoice stays open for it
    (`_payable`) and limited to what the credits account holds for the
    customer from that day on (`Held.available`), which it then takes. A
    credit's applications and the claims on it are decided together, in
    date order (a claim first on its day): a claim takes back what the
    credit still holds on its day, and no more than the account holds for
    the customer, so a later claim never takes back what an earlier
    application used.

    Args:
      credits: What is left of each credit, oldest first.
      subledger: The open items, with every cash application in them.
      policy: The receivables policy.
      rates: The ledger's prices, for the carrying rates of foreign-currency invoices.
      held: What the credits account holds for the credits' customers, before any
        application or claim.
      claims: The debits that take part of a credit back (a claim on no credit takes nothing).
    """
    done = CreditsApplied([], [], [0] * len(claims))
    claimed: dict[str, list[tuple[int, Claim]]] = defaultdict(list)
    for index, claim in sorted(enumerate(claims), key=lambda one: one[1].date):
        claimed[claim.receipt].append((index, claim))
    pools = _pools(credits, subledger) if policy.apply_customer_credits else {}
    balances = subledger.open
    still_open: dict[str, int] = {}
    for credit in credits:
        left = credit.amount
        pending = deque(claimed.get(credit.receipt, ()))
        pool = pools.get((credit.customer, credit.currency), [])
        for day, item, most in _payable(pool, credit.date, subledger, still_open):
            if pending:
                left = _claimed(credit, left, pending, day, held, done.taken)
            available = held.available(credit.customer, credit.currency, day)
            units = min(left, most, available)
            if units <= 0:
                continue
            still_open[item.id] = still_open.get(item.id, balances[item.id]) - units
            left -= units
            held.take(credit.customer, credit.currency, day, units)
            entry = credit_entry(credit, item, units, day, policy, rates)
            done.entries.append(entry)
            done.movements.append((item.id, Movement(entry.date, -units, entry, 2, item.currency)))
            if not left:
                break
        _claimed(credit, left, pending, None, held, done.taken)
    return done


def _payable(
    pool: list[Item], since: datetime.date, subledger: Subledger, still_open: Mapping[str, int]
) -> Iterator[tuple[datetime.date, Item, int]]:
    """Yields the day a credit can first pay each invoice of its pool, the invoice and how much.

    The day is the first, on or after the credit and the invoice, from
    which the invoice stays open through its last posting
    (`Subledger.open_from`), less what earlier credits paid of it
    (`still_open`); the amount is the least it is open from then on. A
    posting that reopens it (a returned payment) after it was paid puts
    the day at the reopening, never back in a closed month. Invoices are
    yielded by that day, then oldest first: the pool is oldest first, and
    an invoice whose day is later than its start waits in a heap until
    its turn, so a credit is never spent on a later day before an earlier
    one, and the caller can stop once the credit is used up.
    """
    waiting: list[tuple[datetime.date, datetime.date, str, int, Item]] = []
    for item in pool:
        start = max(since, item.date)
        while waiting and waiting[0][:3] < (start, item.date, item.id):
            day, _, _, most, later = heapq.heappop(waiting)
            yield day, later, most
        paid = subledger.open[item.id] - still_open.get(item.id, subledger.open[item.id])
        found = subledger.open_from(item, start, paid)
        if found is None:
            continue
        day, most = found
        if day == start:
            yield day, item, most
        else:
            heapq.heappush(waiting, (day, item.date, item.id, most, item))
    while waiting:
        day, _, _, most, later = heapq.heappop(waiting)
        yield day, later, most


def _pools(credits: list[Credit], subledger: Subledger) -> dict[tuple[str, str], list[Item]]:
    """Returns the open invoices each customer's credits in a currency can pay, oldest first."""
    wanted = {(credit.customer, credit.currency) for credit in credits if credit.customer}
    pools: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in _owing(subledger, {customer for customer, _ in wanted}):
        if (item.customer, item.currency) in wanted and item.is_invoice:
            pools[(item.customer, item.currency)].append(item)
    for pool in pools.values():
        pool.sort(key=lambda item: (item.date, item.id))
    return pools


def _claimed(
    credit: Credit,
    left: int,
    pending: deque[tuple[int, Claim]],
    through: datetime.date | None,
    held: Held,
    taken: list[int],
) -> int:
    """Takes back what the claims on a credit dated up to a day (all if None) ask; returns the rest.

    Each takes the least of what it asks, what is left of the credit, and
    what the account holds for the customer from its day on.
    """
    while pending and (through is None or pending[0][1].date <= through):
        index, claim = pending.popleft()
        units = min(claim.units, left)
        if credit.customer:
            units = min(units, held.available(credit.customer, credit.currency, claim.date))
        if units <= 0:
            continue
        held.take(credit.customer, credit.currency, claim.date, units)
        taken[index] = units
        left -= units
    return left


def _owing(subledger: Subledger, customers: Iterable[str]) -> list[Item]:
    """Returns the items of some customers with a debit balance: only those can take a credit.

    Most of a customer's items are paid, so their balances are read by loops
    in C over the customers' item ids, and only the few owing are looked up.
    """
    ids = list(chain.from_iterable(map(subledger.by_customer.get, customers, repeat(()))))
    owing = map(operator.lt, repeat(0), map(subledger.open.__getitem__, ids))
    return list(map(subledger.items.__getitem__, compress(ids, owing)))


def credit_entry(
    credit: Credit,
    item: Item,
    units: int,
    day: datetime.date,
    policy: ArPolicy,
    rates: fx.Rates,
) -> data.Transaction:
    """Returns the entry that pays `units` of an invoice from a customer's credit on a day.

    A credit in a foreign currency is carried at the rate it was received
    at, the invoice at its own: the difference is realized
    (`ar_entries.carried_transfer`).
    """
    postings = ar_entries.carried_transfer(
        (policy.customer_credits_account, credit.rate, None),
        (policy.accounts.receivable, rates.carrying(item), None),
        units,
        item.currency,
        policy,
    )
    extra: dict[str, Any] = {
        meta.INVOICE: item.id,
        meta.SOURCE: item.id,
        APPLIED_RECEIPT: credit.receipt,
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
