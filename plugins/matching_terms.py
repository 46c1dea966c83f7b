"""The terms of cash matching: the steps, and what the matcher reads and makes.

The matcher (`plugins.cash_matching`) sees invoices and receipts as plain
numbers in whole minor units: an invoice is what it reads of one
(`Invoicing`: an `OpenInvoice`, or a `plugins.receivables.Item`), a receipt
likewise (`Paying`: a `Payment`, or a `plugins.receipts.Receipt`). What it
makes is cash of one receipt applied to one invoice (`Application`), named
for the step that matched them. The customer credits step it calls on its
days (`Crediting`) sees its open invoices through `Owing`, and a later
credit that pays an invoice over on its day is handed to `OverPaying`.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol

NAMED = "named"
AMOUNT = "amount"
CONVERTED = "converted-amount"
SEVERAL_INVOICES = "several-invoices"
SEVERAL_RECEIPTS = "several-receipts"
FACE = "face-amount"
# The kind of a chargeback's entries (`plugins.chargebacks.KIND`): the matcher reads what
# their take-backs opened again of an invoice (`plugins.open_amounts.OpenAmounts.credits_paid`).
TAKEN_BACK = "chargeback"


class Invoicing(Protocol):
    """What the matcher reads of an invoice (an `OpenInvoice`, or a `plugins.receivables.Item`)."""

    @property
    def id(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def moved(self) -> datetime.date | None:
        """The date of its last posting (its document's, or a later one), if known."""

    def open_from(self, start: datetime.date, less: int = 0) -> tuple[datetime.date, int] | None:
        """The first day on or after `start` from which it stays open by more than `less`.

        With what it is open from then on, less `less`; None if never. The
        rule is `plugins.receivables.Item.open_from`.
        """

    def ends(self) -> list[tuple[datetime.date, int]]:
        """Its balance at the end of each day it is posted, on its own side, by day."""


class OpenInvoice(NamedTuple):
    """An invoice as the matcher sees it: what is open of it, in minor units.

    Attributes:
      moved: The date of its last posting, if after its own: what is open of
        it has been what it is since then.
    """

    id: str
    customer: str
    currency: str
    date: datetime.date
    open: int
    moved: datetime.date | None = None

    def open_from(self, start: datetime.date, less: int = 0) -> tuple[datetime.date, int] | None:
        """Returns `start` and what is open of it beyond `less`, if anything.

        It keeps no postings, so it is taken to be open by what it is open
        all along: a reopening shows only through an `Item`'s postings.
        """
        least = self.open - less
        return (start, least) if least > 0 else None

    def ends(self) -> list[tuple[datetime.date, int]]:
        """Returns what is open of it from its last posting on: its balance is unknown before."""
        return [(self.moved or self.date, self.open)]


class Paying(Protocol):
    """What the matcher reads of a receipt (a `Payment`, or a `plugins.receipts.Receipt`)."""

    @property
    def id(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def amount(self) -> int: ...
    @property
    def named(self) -> tuple[str, ...]: ...
    @property
    def later(self) -> tuple[str, ...]: ...


class Payment(NamedTuple):
    """A receipt as the matcher sees it, in the currency of the invoices it may pay.

    Attributes:
      named: The invoices it names on its day (step 1).
      later: The invoices its words name that are dated after it
        (`plugins.receipts.Receipt`): one naming none on its day pays
        them by name if it still waits on their day.
    """

    id: str
    customer: str
    currency: str
    date: datetime.date
    amount: int
    named: tuple[str, ...] = ()
    later: tuple[str, ...] = ()


Converted = Mapping[str, Sequence[tuple[str, int]]]  # receipt: (currency, amount) for step 3
Pool = tuple[str, str]  # (customer, currency)
Amount = tuple[str, str, int]  # (customer, currency, open amount)
age = operator.attrgetter("date", "id")  # the order items are read in: oldest first, then by id


class Owing(Protocol):
    """What the matcher shows the credits step of its open invoices, and how it takes a payment."""

    def open_invoices(self, key: Pool, day: datetime.date) -> Iterator[Invoicing]:
        """Yields the open invoices of a customer in a currency dated by `day`, oldest first."""

    def open_for(
        self, invoice: Invoicing, start: datetime.date
    ) -> tuple[datetime.date, int] | None:
        """The first day on or after `start` an invoice stays open, and by how much at least."""

    def settle(self, invoice: str, units: int, day: datetime.date) -> None:
        """Takes `units` paid on a day (by a customer credit) off what is open of an invoice."""


class Crediting(Protocol):
    """The customer credits the matcher applies on its days (`customer_credits.Crediting`)."""

    def days(self) -> Iterable[datetime.date]:
        """The days on which credits known before matching become available."""

    def park(self, application: Application) -> datetime.date | None:
        """Takes in what an application over pays; returns the day to pay credits on for it.

        The day a credit it parks is available, or the day what it over
        pays is decided, when it may recover an invoice written off
        (`plugins.recoveries.Recovering.due`): credits are paid on that day.
        None when it parks none and recovers none.
        """

    def pay(self, today: datetime.date, customers: Collection[str], owing: Owing) -> set[str]:
        """Applies the credits available today; returns the customers whose invoices they paid.

        The credits of `customers` (their invoices billed or posted today)
        and those parked or available from today are applied.
        """


class OverPaying(Protocol):
    """What takes in a later credit to an invoice that pays it over on its day.

    `plugins.over_payments.InCalendar`: it moves the excess of a receipt
    posted straight to the invoice beyond the tolerance to customer credits,
    posting it to the invoice, and parks the credit for the credits step
    from that day on; the excess of a credit note netted to it it moves back
    to the note, left open there.
    """

    def __call__(self, invoice: Invoicing, day: datetime.date, units: int) -> None:
        """Takes in that an invoice is paid over by `units` at the end of `day`."""


class Application(NamedTuple):
    """Cash of one receipt applied to one invoice, in minor units of the invoice's currency.

    Attributes:
      cleared: Taken off the invoice's receivable.
      cash: Taken from the receipt (what it paid, including any credit).
      credited: Of the cash, moved to the customer's credit balance.
      step: The step that matched them.
      date: The day the match became possible (see `plugins.cash_matching`):
        its entry's date.
    """

    receipt: str
    invoice: str
    cleared: int
    cash: int
    credited: int
    step: str
    date: datetime.date

    @property
    def written_off(self) -> int:
        """The difference written off: positive for a short payment, negative for an over one."""
        return self.cleared + self.credited - self.cash
