"""AR review flags read only the few items that can matter.

The past-due flag (`plugins.ar_controls`) asks what was open of an invoice on
the day the flag would be raised, and on the later days it was posted to
(a returned payment reopens it). Nearly every item of large books is settled
by then, so a cheap screen over all of them (`_maybe_past_due`) passes on
only those that may be flagged, and the flag's rule runs on those alone.
The unapplied-cash flag likewise asks only the receipts not used up on their
own day (`Receipts.maybe_unapplied`). These tests hold the screens to their
rules: the flags are what the rules give when they look at everything.
Worked examples show both review flags on the day they look at.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

from beancount import loader
from beancount.core import amount, data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_controls, ar_entries, ar_policy, ar_reconciliation, receipts
from plugins import receivables as ledger
from plugins.ar_policy import ArPolicy
from plugins.currency import Precision
from plugins.receivables import Item, Movement, Subledger
from tests.conftest import Books
from tests.reporting import invoice
from tests.test_ar_closed_months import BANK_FEE, january_kept

AR = "Assets:AccountsReceivable"
UNAPPLIED = "Liabilities:UnappliedCash"
HEADER = """
option "operating_currency" "USD"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
"""
START = datetime.date(2026, 1, 1)


def receipt(name: str, day: str, amount: str, named: str) -> str:
    return f"""
{day} * "Acme" "Wire"
  receipt: "{name}"
  customer: "CUS-1"
  invoice: "{named}"
  Assets:Bank:Operating  {amount} USD
  Liabilities:UnappliedCash  -{amount} USD
"""


def flags_of(text: str) -> list[tuple[str, str]]:
    """(date, narration) of each review flag the plugin raises on the books."""
    entries, errors, options = loader.load_string(HEADER + text)
    assert errors == []
    policy, policy_errors = ar_policy.load(None, options)
    assert policy_errors == []
    books = ar_reconciliation.Books.of(entries, policy, "")
    made, _, _ = ar_reconciliation.reconcile(books, policy)
    return [(str(entry.date), str(entry.narration)) for entry in made if entry.flag == "!"]


def test_an_invoice_paid_after_its_flag_day_is_flagged_for_what_was_open_then() -> None:
    text = (
        invoice("INV-1", "2026-01-01", "100.00", due="2026-01-31")
        + receipt("R-1", "2026-03-01", "40.00", "INV-1")  # before the flag day 2026-04-01
        + receipt("R-2", "2026-04-15", "60.00", "INV-1")  # after it
    )
    assert flags_of(text) == [
        ("2026-04-01", "Invoice INV-1: 60.00 USD open 60 days past due (due 2026-01-31)"),
    ]


def test_an_invoice_paid_by_its_flag_day_is_not_flagged() -> None:
    text = (
        invoice("INV-1", "2026-01-01", "100.00", due="2026-01-31")
        + receipt("R-1", "2026-04-01", "100.00", "INV-1")  # on the flag day itself
        + invoice("INV-2", "2026-05-01", "1.00", due="2026-05-01")  # the books run on
    )
    assert flags_of(text) == []


def straight(reference: str, day: str, amount: str, named: str) -> str:
    """Cash the bank posted straight to the invoice: a payment, or (negative) its return."""
    return f"""
{day} * "Acme" "ACH {named}" ^{named}
  bank_reference: "{reference}"
  invoice: "{named}"
  customer: "CUS-1"
  Assets:Bank:Operating  {amount} USD
  Assets:AccountsReceivable  {-Decimal(amount)} USD
"""


def test_an_invoice_reopened_after_its_flag_day_is_flagged_the_day_it_is_reopened() -> None:
    # INV-1 is due 2026-01-31, so its flag day is 60 days later, 2026-04-01.
    # Paid in full 2026-03-20, it is open 0.00 then: no flag that day. The
    # bank returns 40.00 of the payment 2026-04-15, which reopens 40.00: the
    # first day it is open and more than 60 days past due, 28 (February)
    # + 31 (March) + 15 = 74 days past due. The old rule looked at
    # 2026-04-01 alone and never flagged it.
    text = (
        invoice("INV-1", "2026-01-01", "100.00", due="2026-01-31")
        + straight("BR-1", "2026-03-20", "100.00", "INV-1")
        + straight("BR-2", "2026-04-15", "-40.00", "INV-1")
    )
    assert flags_of(text) == [
        ("2026-04-15", "Invoice INV-1: 40.00 USD open 74 days past due (due 2026-01-31)"),
    ]


def test_an_invoice_reopened_and_paid_again_the_same_day_is_not_flagged() -> None:
    # Paid 2026-03-20, returned and paid again 2026-04-15: 0.00 is open at
    # the end of every day from the flag day 2026-04-01 on.
    text = (
        invoice("INV-1", "2026-01-01", "100.00", due="2026-01-31")
        + straight("BR-1", "2026-03-20", "100.00", "INV-1")
        + straight("BR-2", "2026-04-15", "-100.00", "INV-1")
        + straight("BR-3", "2026-04-15", "100.00", "INV-1")
    )
    assert flags_of(text) == []


def test_a_receipt_applied_after_its_flag_day_is_flagged_whole() -> None:
    # The receipt names an invoice billed later: it is applied on the invoice's date.
    text = receipt("R-1", "2026-01-05", "50.00", "INV-1") + invoice(
        "INV-1", "2026-02-20", "50.00", due="2026-02-20"
    )
    assert flags_of(text) == [
        ("2026-02-04", "Unapplied cash R-1: 50.00 USD unapplied 30 days after receipt"),
    ]


def test_a_receipt_applied_by_its_flag_day_is_not_flagged() -> None:
    text = receipt("R-1", "2026-01-05", "50.00", "INV-1") + invoice(
        "INV-1", "2026-02-04", "50.00", due="2026-02-04"
    )
    assert flags_of(text) == []


def credit_note(name: str, day: str, amount: str, credits: str) -> str:
    return f"""
{day} * "Acme" "Credit note {name}" ^{name}
  invoice: "{name}"
  credits: "{credits}"
  customer: "CUS-1"
  Assets:AccountsReceivable  -{amount} USD
  Income:Revenue:Services  {amount} USD
"""


def refund(name: str, day: str, amount: str) -> str:
    """Money paid back on a credit note, typed through the receivable naming the note."""
    return f"""
{day} * "Acme" "Refund {name}"
  invoice: "{name}"
  Assets:AccountsReceivable  {amount} USD
  Assets:Bank:Operating  {-Decimal(amount)} USD
"""


def flag_entries(text: str) -> list[data.Transaction]:
    """The review flags the plugin raises on the books, as loaded."""
    entries, errors, _ = loader.load_string(HEADER + PLUGIN + text)
    assert errors == []
    return [entry for entry in entries if ar_entries.is_review_flag(entry)]


PLUGIN = 'plugin "plugins.ar_reconciliation"\n'
NETTED_AND_REFUNDED = (
    invoice("INV-1", "2026-01-05", "100.00", due="2026-04-05")
    + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")  # netted: INV-1 open 75.00
    + refund("CN-1", "2026-02-10", "25.00")
)


def test_worked_example_a_credit_note_refunded_after_it_was_netted_is_flagged_owed() -> None:
    # INV-1 100.00; CN-1 25.00 is netted against it on Jan 20 (CN-1 -25.00
    # + 25.00 = 0.00, INV-1 open 100.00 - 25.00 = 75.00); on Feb 10 the
    # customer is also paid the 25.00 back on CN-1: CN-1 0.00 + 25.00 =
    # 25.00 owed by the customer, beside INV-1's 75.00. The total, 100.00,
    # is right, but the customer was both credited and refunded. At Feb 28,
    # the first month end that finds CN-1 owed, the flag is raised for
    # 25.00. (INV-1 is due Apr 5, so it is not past due by then.) The old
    # code raised nothing.
    flags = flag_entries(NETTED_AND_REFUNDED)
    assert [(str(flag.date), flag.narration) for flag in flags] == [
        ("2026-02-28", "Credit note CN-1: 25.00 USD owed by the customer "
         "(paid back beyond what is left of it)"),
    ]  # fmt: skip
    flag = flags[0]
    assert flag.flag == "!" and flag.postings == []
    assert flag.tags == {"receivables-review"}
    assert flag.links == {"CN-1"}
    assert flag.meta["revclose_kind"] == ar_entries.NOTE_OWED == "credit-note-owed"
    assert flag.meta["revclose_source"] == "CN-1"
    assert flag.meta["customer"] == "CUS-1"
    lines = (HEADER + PLUGIN + NETTED_AND_REFUNDED).splitlines()
    assert lines[flag.meta["lineno"] - 1].startswith('2026-01-20 * "Acme" "Credit note CN-1"')


def test_a_credit_note_owed_is_flagged_once_at_the_first_month_end_it_is_owed() -> None:
    # The books run on to March (INV-2): CN-1 is still owed 25.00 at Mar 31,
    # but it was flagged at Feb 28 already, once, as a past-due invoice is.
    text = NETTED_AND_REFUNDED + invoice("INV-2", "2026-03-10", "1.00", due="2026-06-10")
    assert [str(flag.date) for flag in flag_entries(text)] == ["2026-02-28"]


def test_a_refund_of_what_is_left_open_on_a_credit_note_is_not_flagged() -> None:
    # INV-1 100.00 is paid by R-1 on Jan 10, so CN-1 25.00 on Jan 20 finds
    # nothing open and stays open -25.00, the customer's; the 25.00 paid back
    # on Feb 10 closes it, -25.00 + 25.00 = 0.00: the customer is owed
    # nothing and owes nothing, so there is no flag.
    text = (
        invoice("INV-1", "2026-01-05", "100.00", due="2026-04-05")
        + receipt("R-1", "2026-01-10", "100.00", "INV-1")
        + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")
        + refund("CN-1", "2026-02-10", "25.00")
    )
    assert flag_entries(text) == []


def test_a_credit_note_owed_and_cleared_within_the_month_is_not_flagged() -> None:
    # As the worked example, but on Feb 20 the refund is taken back (the
    # bank returns it, typed through the receivable naming CN-1): CN-1 is
    # owed 25.00 from Feb 10 to Feb 20 and 0.00 at Feb 28, so no flag.
    text = NETTED_AND_REFUNDED + refund("CN-1", "2026-02-20", "-25.00")
    assert flag_entries(text) == []


def test_a_credit_note_refunded_beyond_what_it_credits_is_flagged_for_the_excess() -> None:
    # CN-1 25.00 is netted against INV-1, and 40.00 is paid back on it on
    # Feb 10: -25.00 + 25.00 + 40.00 = 40.00 owed at Feb 28.
    text = (
        invoice("INV-1", "2026-01-05", "100.00", due="2026-04-05")
        + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")
        + refund("CN-1", "2026-02-10", "40.00")
    )
    assert [(str(flag.date), str(flag.narration)) for flag in flag_entries(text)] == [
        ("2026-02-28", "Credit note CN-1: 40.00 USD owed by the customer "
         "(paid back beyond what is left of it)"),
    ]  # fmt: skip


def owed_flags(text: str) -> list[tuple[str, str]]:
    """The owed-note flags the plugin raises on the books: their dates and texts."""
    return [
        (str(flag.date), str(flag.narration))
        for flag in flag_entries(text)
        if flag.meta["revclose_kind"] == ar_entries.NOTE_OWED
    ]


def owed(units: str) -> str:
    shown = f"{units} USD owed by the customer (paid back beyond what is left of it)"
    return f"Credit note CN-1: {shown}"


def test_worked_example_a_credit_note_owed_again_after_it_was_paid_back_is_flagged_again() -> None:
    # The worked example, then the customer pays the 25.00 back on Mar 5
    # (typed through the receivable naming CN-1): CN-1 25.00 - 25.00 = 0.00
    # at Mar 31, and at Apr 30, so the spell flagged at Feb 28 is over. On
    # May 10 CN-1 is refunded 25.00 again: 0.00 + 25.00 = 25.00 owed at
    # May 31, the first month end of a new spell, so a second flag is raised
    # then for 25.00. (INV-1 75.00 due Dec 31 is not past due.) The old code
    # raised the Feb 28 flag only.
    text = (
        invoice("INV-1", "2026-01-05", "100.00", due="2026-12-31")
        + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")
        + refund("CN-1", "2026-02-10", "25.00")
        + refund("CN-1", "2026-03-05", "-25.00")
        + refund("CN-1", "2026-05-10", "25.00")
    )
    assert owed_flags(text) == [("2026-02-28", owed("25.00")), ("2026-05-31", owed("25.00"))]


def test_a_second_spell_is_flagged_for_what_is_owed_at_its_first_month_end() -> None:
    # As above, but the second refund, on May 10, is 60.00 and 20.00 of it
    # comes back on May 25: 60.00 - 20.00 = 40.00 owed at May 31, the amount
    # of the second flag. The old code raised the Feb 28 flag only.
    text = (
        invoice("INV-1", "2026-01-05", "100.00", due="2026-12-31")
        + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")
        + refund("CN-1", "2026-02-10", "25.00")
        + refund("CN-1", "2026-03-05", "-25.00")
        + refund("CN-1", "2026-05-10", "60.00")
        + refund("CN-1", "2026-05-25", "-20.00")
    )
    assert owed_flags(text) == [("2026-02-28", owed("25.00")), ("2026-05-31", owed("40.00"))]


def test_what_is_owed_changing_within_a_spell_raises_no_new_flag() -> None:
    # CN-1 owed 25.00 at Feb 28 (flagged); 15.00 more refunded on Mar 12:
    # 25.00 + 15.00 = 40.00 owed at Mar 31. Every month end from Feb 28
    # finds CN-1 owed, so it is one spell and one flag, for what was owed
    # when it was raised; the review list reads what is owed at its date
    # (40.00 at Mar 31), as it reads what is open of a past-due invoice.
    text = NETTED_AND_REFUNDED + refund("CN-1", "2026-03-12", "15.00")
    assert owed_flags(text) == [("2026-02-28", owed("25.00"))]


def test_a_credit_note_settled_and_owed_again_within_a_month_stays_one_spell() -> None:
    # Owed 25.00 at Feb 28; paid back on Mar 5 (0.00) and refunded again on
    # Mar 20 (25.00): Mar 31 finds it owed, as Feb 28 did, so no month end
    # found it settled and no second flag is raised.
    text = (
        NETTED_AND_REFUNDED
        + refund("CN-1", "2026-03-05", "-25.00")
        + refund("CN-1", "2026-03-20", "25.00")
    )
    assert owed_flags(text) == [("2026-02-28", owed("25.00"))]


def test_owed_spells_are_read_at_month_ends_with_the_day_each_began() -> None:
    # CN-1: -25.00 on Jan 20, netted +25.00 the same day (0.00), refunded
    # 25.00 on Feb 10 (owed 25.00), paid back on Mar 5 (0.00), refunded
    # 30.00 on May 10: spells Feb 10 / Feb 28 / 25.00 / settled Mar 31, and
    # May 10 / May 31 / 30.00 / still owed. Read through Apr 30, the second
    # is not there yet and the first is settled already.
    text = (
        invoice("INV-1", "2026-01-05", "100.00", due="2026-12-31")
        + credit_note("CN-1", "2026-01-20", "25.00", "INV-1")
        + refund("CN-1", "2026-02-10", "25.00")
        + refund("CN-1", "2026-03-05", "-25.00")
        + refund("CN-1", "2026-05-10", "30.00")
    )
    entries, errors, _ = loader.load_string(HEADER + PLUGIN + text)
    assert errors == []
    note = ledger.read(entries, "Assets:AccountsReceivable", Precision({}))[0].items["CN-1"]
    day = datetime.date.fromisoformat
    first = ar_controls.OwedSpell(day("2026-02-10"), day("2026-02-28"), 2500, day("2026-03-31"))
    second = ar_controls.OwedSpell(day("2026-05-10"), day("2026-05-31"), 3000, None)
    assert ar_controls.owed_spells(note, day("2026-05-31")) == [first, second]
    assert ar_controls.owed_spells(note, day("2026-04-30")) == [first]


def test_a_later_refund_never_changes_a_closed_january_s_owed_flag(books: Books) -> None:
    # January: INV-1 100.00, CN-1 25.00 netted on Jan 10, 25.00 refunded on
    # Jan 20: CN-1 owed 25.00 at Jan 31, flagged then. Later, the customer
    # pays it back on Feb 5 (0.00 at Feb 28) and is refunded 10.00 again on
    # Mar 10: a second flag at Mar 31 for 10.00. January's entries, its flag
    # with them, are the same loaded alone and with the later months.
    january = (
        BANK_FEE
        + invoice("INV-1", "2026-01-05", "100.00", due="2026-12-31")
        + credit_note("CN-1", "2026-01-10", "25.00", "INV-1")
        + refund("CN-1", "2026-01-20", "25.00")
    )
    later = refund("CN-1", "2026-02-05", "-25.00") + refund("CN-1", "2026-03-10", "10.00")
    alone, both = january_kept(books, january, later)

    def raised(entries: list[data.Directive]) -> list[tuple[str, str]]:
        return [
            (str(entry.date), str(entry.narration))
            for entry in entries
            if isinstance(entry, data.Transaction) and ar_entries.is_review_flag(entry)
        ]

    assert raised(alone) == [("2026-01-31", owed("25.00"))]
    assert raised(both) == [("2026-01-31", owed("25.00")), ("2026-03-31", owed("10.00"))]


# Hypothesis: books drawn at random, read into a subledger and receipts as the
# plugin reads them, with generated postings added in place as it adds them.


def transaction(
    day: datetime.date, meta: dict[str, object], *legs: data.Posting
) -> data.Transaction:
    where = {"filename": "books.beancount", "lineno": len(meta) + day.toordinal(), **meta}
    return data.Transaction(where, day, "*", "Acme", "", frozenset(), frozenset(), list(legs))


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def leg(account: str, cents: int) -> data.Posting:
    units = amount.Amount(Precision().from_minor(cents, "USD"), "USD")
    return data.Posting(account, units, None, None, None, None)


DAY = st.integers(0, 40)  # few days, so that postings fall on the days flags look at
INVOICE = st.integers(0, 3)
CENTS = st.integers(-100, 300).filter(bool)  # mostly debits, so most items are invoices
DUES = st.lists(st.integers(0, 20), min_size=4, max_size=4)
POSTINGS = st.lists(st.tuples(INVOICE, DAY, CENTS), min_size=1, max_size=10)
# A payment of what is open of an invoice, exact or short (or over) by a few cents.
SHORT = st.just(0) | st.integers(-2, 2)
SETTLEMENTS = st.lists(st.tuples(INVOICE, DAY, SHORT), min_size=1, max_size=4)
RECEIPTS = st.lists(st.tuples(DAY, st.integers(1, 300)), max_size=8)
# A use of a receipt: None uses all of it.
USES = st.lists(st.tuples(st.integers(0, 7), DAY, st.none() | st.integers(1, 300)), max_size=12)


def books(
    postings: list[tuple[int, int, int]],
    dues: list[int],
    settlements: list[tuple[int, int, int]],
    received: list[tuple[int, int]],
    used: list[tuple[int, int, int | None]],
) -> tuple[Subledger, receipts.Receipts]:
    """Reads random books: postings to four invoices, receipts, and debits using them up.

    The last third of the postings, the settlements and the last half of the
    uses are posted afterwards, in place, as the plugin posts what it generates.
    """
    split = len(postings) * 2 // 3 + 1
    uses = [
        (f"R-{n}", day(offset), received[n][1] if cents is None else cents)
        for n, offset, cents in used
        if n < len(received)
    ]
    entries: list[data.Transaction] = [
        transaction(
            day(offset),
            {"invoice": f"INV-{n}", "due": day(dues[n]), "customer": f"CUS-{n % 2}"},
            leg(AR, cents),
        )
        for n, offset, cents in postings[:split]
    ]
    entries += [
        transaction(day(offset), {"receipt": f"R-{n}"}, leg(UNAPPLIED, -cents))
        for n, (offset, cents) in enumerate(received)
    ]
    entries += [
        transaction(when, {"receipt": name}, leg(UNAPPLIED, cents))
        for name, when, cents in uses[: len(uses) // 2]
    ]
    entries.sort(key=data.entry_sortkey)
    subledger, _ = ledger.read(entries, AR, Precision())
    cash, _ = receipts.read(entries, UNAPPLIED, Precision(), subledger, "")
    place = entries[0]
    for n, offset, cents in postings[split:]:
        if f"INV-{n}" in subledger.items:
            subledger.post([(f"INV-{n}", Movement(day(offset), cents, place, 1, "USD"))])
    for n, offset, short in settlements:
        paid = short - subledger.open.get(f"INV-{n}", short)
        if paid:
            subledger.post([(f"INV-{n}", Movement(day(offset), paid, place, 1, "USD"))])
    cash.post(
        (name, receipts.Use(when, cents, place)) for name, when, cents in uses[len(uses) // 2 :]
    )
    return subledger, cash


def every_item(subledger: Subledger, age: datetime.timedelta) -> list[Item]:
    return list(subledger.items.values())


def every_receipt(cash: receipts.Receipts) -> list[receipts.Receipt]:
    return list(cash.by_id.values())


def flags_looking_at_everything(
    subledger: Subledger, cash: receipts.Receipts, policy: ArPolicy, through: datetime.date
) -> list[data.Transaction]:
    """The review flags when each flag's rule is asked of every item and every receipt."""
    with (
        mock.patch.object(ar_controls, "_maybe_past_due", every_item),
        mock.patch.object(receipts.Receipts, "maybe_unapplied", every_receipt),
    ):
        return ar_controls.review_flags(subledger, cash, policy, through)


@settings(max_examples=300, deadline=None)
@given(
    POSTINGS,
    DUES,
    SETTLEMENTS,
    RECEIPTS,
    USES,
    st.integers(1, 20),
    st.integers(1, 20),
    st.integers(0, 60),
)
def test_the_flags_are_the_rules_asked_of_every_item(
    postings: list[tuple[int, int, int]],
    dues: list[int],
    settlements: list[tuple[int, int, int]],
    received: list[tuple[int, int]],
    used: list[tuple[int, int, int | None]],
    unapplied_age: int,
    past_due_age: int,
    last_day: int,
) -> None:
    subledger, cash = books(postings, dues, settlements, received, used)
    policy = ArPolicy(unapplied_cash_age_days=unapplied_age, past_due_age_days=past_due_age)
    through = day(last_day)
    expected = flags_looking_at_everything(subledger, cash, policy, through)
    assert ar_controls.review_flags(subledger, cash, policy, through) == expected
    # With the balances in another order than the items, they are looked up instead.
    balances = subledger.open
    reordered = dict(reversed(balances.items()))
    balances.clear()
    balances.update(reordered)
    assert ar_controls.review_flags(subledger, cash, policy, through) == expected


def test_the_screen_passes_on_an_item_settled_only_after_its_flag_day() -> None:
    # INV-0: billed and due on day 0, paid in full on day 70.
    subledger, _ = books([(0, 0, 100)], [0] * 4, [(0, 70, 0)], [], [])
    assert subledger.open == {"INV-0": 0}
    screened = ar_controls._maybe_past_due
    assert [item.id for item in screened(subledger, datetime.timedelta(days=60))] == ["INV-0"]
    # Settled the day after the flag day: passed on; on the flag day itself: left out.
    assert [item.id for item in screened(subledger, datetime.timedelta(days=69))] == ["INV-0"]
    assert list(screened(subledger, datetime.timedelta(days=70))) == []


def test_the_screen_passes_on_a_receipt_used_up_only_after_its_own_day() -> None:
    # Four receipts of 100.00 on day 0: R-0 never used; R-1 used up on day 0 (50.00
    # twice); R-2 used up on day 10, after its own day; R-3 used 40.00 on day 0, 60.00 left.
    entries = [transaction(day(0), {"receipt": f"R-{n}"}, leg(UNAPPLIED, -10000)) for n in range(4)]
    subledger, _ = ledger.read([], AR, Precision())
    cash, _ = receipts.read(entries, UNAPPLIED, Precision(), subledger, "")
    place = entries[0]
    cash.post(
        [
            ("R-1", receipts.Use(day(0), 5000, place)),
            ("R-1", receipts.Use(day(0), 5000, place)),
            ("R-2", receipts.Use(day(10), 10000, place)),
            ("R-3", receipts.Use(day(0), 4000, place)),
        ]
    )
    # R-1 is used up on every day from its own on: 100.00 - 50.00 - 50.00 = 0 from day 0.
    # R-2 is 100.00 unapplied through day 9, so its flag day may find it unapplied.
    assert sorted(receipt.id for receipt in cash.maybe_unapplied()) == ["R-0", "R-2", "R-3"]
    assert [cash.unapplied(name, day(5)) for name in ("R-0", "R-1", "R-2", "R-3")] == [
        10000,
        0,
        10000,
        6000,
    ]
    # A chargeback taking R-1's uses back leaves it never used: passed on again.
    cash.withdraw("R-1", cash.uses["R-1"])
    assert sorted(receipt.id for receipt in cash.maybe_unapplied()) == ["R-0", "R-1", "R-2", "R-3"]
