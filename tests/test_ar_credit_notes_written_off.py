"""A credit note for an invoice written off as uncollectible lowers what was written off (AR).

Every example bills INV-1 (100.00 USD, Jan 5) and writes it off on May 31
against bad-debt expense (`status: "uncollectible"`), as
`tests/test_ar_recoveries.py` does; CN-1 then credits INV-1. The netting
of the note is `plugins.credit_notes`' (what is left open of the note once
netted against what is open of INV-1), what is still written off is
`plugins.recoveries`' (`Allocation`: the note takes its turn with the
receipts that recover INV-1, by date, then id).
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_entries, meta, period_lock
from reports import receivables as receivables_report
from tests import reporting
from tests import test_ar_recoveries_at_rates as rated
from tests.conftest import Books, generated, line_of, number
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    POLICY,
    balance,
    credit_note,
    invoice,
    load,
    open_items,
    receipt,
)
from tests.test_ar_recoveries import (
    ALLOWANCE,
    BAD_DEBT,
    NAMING_INV_1,
    OPENS,
    written_off,
)

WRITTEN_OFF = OPENS + invoice(1, "2026-01-05", "100.00") + written_off()
NOTED = "Credit note CN-1 applied to INV-1 written off"


def moves(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(date, narration, "account units" of each posting) of each cash application, in order."""
    return [
        (
            str(entry.date),
            str(entry.narration),
            [f"{posting.account} {posting.units}" for posting in entry.postings],
        )
        for entry in generated(entries)
        if "cash-application" in entry.tags
    ]


def _through(entries: list[data.Directive], day: str) -> list[str]:
    """The fingerprints of every entry dated through a day: what a seal holds."""
    last = datetime.date.fromisoformat(day)
    return sorted(period_lock.fingerprint(entry) for entry in entries if entry.date <= last)


def test_worked_example_a_credit_note_lowers_what_was_written_off(books: Books) -> None:
    # INV-1 100.00 is written off on May 31 (Dr bad debt 100.00, Cr AR
    # 100.00), so nothing of it is open. CN-1 30.00 credits INV-1 on Jun 5:
    # the customer owes 30.00 less, and 30.00 less of the debt is lost, so
    # the note reverses 30.00 of the write-off on its day (Dr AR 30.00 on
    # CN-1, Cr bad debt 30.00): CN-1 -30.00 + 30.00 = 0.00, bad debt
    # 100.00 - 30.00 = 70.00. R-1 70.00 naming INV-1 on Jun 10 recovers
    # what is still written off, 100.00 - 30.00 = 70.00, and pays it: bad
    # debt 70.00 - 70.00 = 0.00, AR 100 - 100 - 30 + 30 + 70 - 70 = 0.00.
    # The old code left CN-1 open -30.00 and R-1 reversed only 70.00: bad
    # debt 30.00 and AR -30.00.
    text = (
        WRITTEN_OFF
        + credit_note(1, "2026-06-05", "30.00", "INV-1")
        + receipt("2026-06-10", "70.00 USD", "R-1", NAMING_INV_1)
    )
    entries, errors = load(books, text)
    assert errors == []
    assert moves(entries) == [
        ("2026-06-05", NOTED, [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"]),
        (
            "2026-06-10",
            "Recovery of INV-1 written off, from R-1",
            [f"{AR} 70.00 USD", f"{BAD_DEBT} -70.00 USD"],
        ),
        (
            "2026-06-10",
            "Cash application INV-1 from R-1",
            ["Liabilities:UnappliedCash 70.00 USD", f"{AR} -70.00 USD"],
        ),
    ]
    noted = next(entry for entry in generated(entries) if entry.narration == NOTED)
    assert noted.postings[0].meta == {meta.INVOICE: "CN-1"}  # it closes the note
    assert noted.links == {"CN-1", "INV-1"}
    assert noted.meta[ar_entries.KIND] == "credit-note-written-off"
    assert noted.meta[meta.INVOICE] == "INV-1"
    assert noted.meta[meta.SOURCE] == "CN-1"
    assert noted.meta[meta.CUSTOMER] == "CUS-1"
    assert noted.meta["lineno"] == line_of(HEADER + text, "AccountsReceivable  -30.00 USD")
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")
    assert open_items(entries) == {"CN-1": Decimal("0.00"), "INV-1": Decimal("0.00")}


def test_a_credit_note_alone_leaves_the_rest_written_off_and_a_closed_may_as_it_was(
    books: Books,
) -> None:
    # CN-1 30.00 on Jun 5 and no cash: bad debt 100.00 - 30.00 = 70.00, the
    # receivable -100 + 100 - 30 + 30 = 0.00 (the old code: bad debt
    # 100.00, AR -30.00, CN-1 open). The reversal is dated Jun 5, so May,
    # closed with the write-off, is as it was.
    text = WRITTEN_OFF + credit_note(1, "2026-06-05", "30.00", "INV-1")
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, postings) for day, _, postings in moves(entries)] == [
        ("2026-06-05", [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"])
    ]
    assert balance(entries, BAD_DEBT, "USD") == Decimal("70.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    alone, _ = load(books, WRITTEN_OFF)
    assert _through(entries, "2026-05-31") == _through(alone, "2026-05-31")


def test_a_recovery_never_reverses_more_than_is_still_written_off(books: Books) -> None:
    # CN-1 30.00 on Jun 5 leaves 100.00 - 30.00 = 70.00 written off. R-1
    # brings 100.00 naming INV-1 on Jun 10: it recovers 70.00, and its other
    # 30.00, beyond the 1.00 tolerance, is the customer's credit (the
    # customer paid the 100.00 billed, forgetting the note). Bad debt
    # 100 - 30 - 70 = 0.00, AR 0.00, credits -30.00. The old code recovered
    # 100.00: bad debt 0.00 but AR -30.00 (CN-1) and no credit.
    text = (
        WRITTEN_OFF
        + credit_note(1, "2026-06-05", "30.00", "INV-1")
        + receipt("2026-06-10", "100.00 USD", "R-1", NAMING_INV_1)
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, postings) for day, _, postings in moves(entries)] == [
        ("2026-06-05", [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"]),
        ("2026-06-10", [f"{AR} 70.00 USD", f"{BAD_DEBT} -70.00 USD"]),
        ("2026-06-10", ["Liabilities:UnappliedCash 100.00 USD", f"{AR} -70.00 USD",
                        f"{CREDITS} -30.00 USD"]),
    ]  # fmt: skip
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")


def test_a_credit_note_after_a_recovery_takes_only_what_is_still_written_off(
    books: Books,
) -> None:
    # R-1 80.00 naming INV-1 recovers 80.00 on Jun 10; 100.00 - 80.00 =
    # 20.00 is still written off. CN-1 30.00 on Jul 5 reverses those 20.00
    # (bad debt 100 - 80 - 20 = 0.00) and stays open for the other 10.00, a
    # credit in the receivable for the customer to be refunded, as a note
    # beyond what is open of a paid invoice is. June, with R-1's recovery,
    # is as it was without the note. The old code left all 30.00 open on
    # CN-1 and bad debt 20.00.
    before = WRITTEN_OFF + receipt("2026-06-10", "80.00 USD", "R-1", NAMING_INV_1)
    text = before + credit_note(1, "2026-07-05", "30.00", "INV-1")
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, postings) for day, _, postings in moves(entries)] == [
        ("2026-06-10", [f"{AR} 80.00 USD", f"{BAD_DEBT} -80.00 USD"]),
        ("2026-06-10", ["Liabilities:UnappliedCash 80.00 USD", f"{AR} -80.00 USD"]),
        ("2026-07-05", [f"{AR} 20.00 USD", f"{BAD_DEBT} -20.00 USD"]),
    ]
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert open_items(entries) == {"CN-1": Decimal("-10.00"), "INV-1": Decimal("0.00")}
    alone, _ = load(books, before)
    assert _through(entries, "2026-06-30") == _through(alone, "2026-06-30")


def test_a_later_receipt_never_changes_what_a_credit_note_took(books: Books) -> None:
    # CN-1 30.00 on Jun 5 takes 30.00 of the write-off whether or not R-1
    # 100.00 comes in July: June is as it was without recovers
    # the 70.00 left, its other 30.00 the customer's credit from Jul 10.
    before = WRITTEN_OFF + credit_note(1, "2026-06-05", "30.00", "INV-1")
    text = before + receipt("2026-07-10", "100.00 USD", "R-1", NAMING_INV_1)
    entries, errors = load(books, text)
    assert errors == []
    alone, _ = load(books, before)
    assert _through(entries, "2026-06-30") == _through(alone, "2026-06-30")
    assert [(day, postings) for day, _, postings in moves(entries)][1] == (
        "2026-07-10",
        [f"{AR} 70.00 USD", f"{BAD_DEBT} -70.00 USD"],
    )
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")


def test_a_receipt_posted_straight_after_a_credit_note_recovers_the_rest(books: Books) -> None:
    # CN-1 30.00 on Jun 5, then BR-1 100.00 posted straight to INV-1 on
    # Jun 10, taking it to -100.00: BR-1 recovers what is still written
    # off, 70.00, and its other 30.00 is moved to customer credits (the
    # books are read twice: the note's turn is known to the straight
    # receipts once the first reading found it). Bad debt 0.00, AR 0.00.
    # The old code recovered 100.00 and left CN-1 open -30.00.
    text = (
        WRITTEN_OFF
        + credit_note(1, "2026-06-05", "30.00", "INV-1")
        + paid("2026-06-10", "100.00", "BR-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, postings) for day, _, postings in moves(entries)] == [
        ("2026-06-05", [f"{AR} 30.00 USD", f"{BAD_DEBT} -30.00 USD"]),
        ("2026-06-10", [f"{AR} 70.00 USD", f"{BAD_DEBT} -70.00 USD"]),
        ("2026-06-10", [f"{AR} 30.00 USD", f"{CREDITS} -30.00 USD"]),
    ]
    assert balance(entries, BAD_DEBT, "USD") == Decimal("0.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")


def test_a_credit_note_reverses_each_account_the_write_off_debited_in_proportion(
    books: Books,
) -> None:
    # The write-off debited the allowance 70.00 and bad debt 30.00, as in
    # the recoveries' example. CN-1 50.00 reverses 50.00 cumulatively:
    # 50.00 x 70/100 = 35.00 to the allowance, then 50.00 - 35.00 = 15.00 to
    # bad debt, as a recovery of 50.00 would (one rule, `reversal`).
    debits = f"{ALLOWANCE}  70.00 USD\n  {BAD_DEBT}  30.00 USD"
    text = (
        OPENS
        + invoice(1, "2026-01-05", "100.00")
        + written_off("100.00", debits)
        + credit_note(1, "2026-06-05", "50.00", "INV-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert moves(entries)[0][2] == [
        f"{AR} 50.00 USD",
        f"{ALLOWANCE} -35.00 USD",
        f"{BAD_DEBT} -15.00 USD",
    ]
    assert balance(entries, ALLOWANCE, "USD") == Decimal("35.00")
    assert balance(entries, BAD_DEBT, "USD") == Decimal("15.00")


def test_a_credit_note_nets_what_is_open_first_then_lowers_what_was_written_off(
    books: Books,
) -> None:
    # 40.00 of INV-1 is written off on May 31 (a settlement for 60.00), so
    # 60.00 is still open. CN-1 80.00 on Jun 5 nets 60.00 against what is
    # open (the ordinary netting), and its other 80.00 - 60.00 = 20.00
    # lowers what was written off: bad debt 40.00 - 20.00 = 20.00, INV-1
    # and CN-1 0.00. The old code left CN-1 open -20.00 and bad debt 40.00.
    text = (
        OPENS
        + invoice(1, "2026-01-05", "100.00")
        + written_off("40.00", f"{BAD_DEBT}  40.00 USD")
        + credit_note(1, "2026-06-05", "80.00", "INV-1")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(narration, postings) for _, narration, postings in moves(entries)] == [
        ("Credit note CN-1 applied to INV-1", [f"{AR} 60.00 USD", f"{AR} -60.00 USD"]),
        (NOTED, [f"{AR} 20.00 USD", f"{BAD_DEBT} -20.00 USD"]),
    ]
    assert balance(entries, BAD_DEBT, "USD") == Decimal("20.00")
    assert open_items(entries) == {"CN-1": Decimal("0.00"), "INV-1": Decimal("0.00")}


def test_a_credit_note_on_an_invoice_written_off_at_a_foreign_rate_stays_open(
    books: Books,
) -> None:
    # INV-1 100.00 EUR carried at 1.20 is written off at 1.20 (bad debt
    # 120.00 USD); CN-1 30.00 EUR at 1.15 credits it on Jun 5. A write-off
    # priced in USD is not lowered by a note (the known gap in the README):
    # CN-1 stays open -30.00 EUR, a credit in the receivable, and bad debt
    # stays 120.00 USD, as before this rule.
    note = """
2026-06-05 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -30.00 EUR @ 1.15 USD
  Income:Revenue:Services  34.50 USD
"""
    entries = rated._load(books, rated._invoice() + rated._written_off() + note)
    assert [entry for entry in generated(entries) if entry.narration == NOTED] == []
    assert open_items(entries) == {"CN-1": Decimal("-30.00"), "INV-1": Decimal("0.00")}
    assert balance(entries, BAD_DEBT, "USD") == Decimal("120.00")


def test_the_statement_shows_the_note_lowering_the_write_off_and_closes_at_nothing(
    books: Books,
) -> None:
    # June opens at 0.00 (billed 100.00, written off 100.00). CN-1 is a
    # credit of 30.00; what it lowers of the write-off is a charge of 30.00
    # under CN-1, shown as a recovery with the entry's narration (not as
    # "Over payment written off"); R-1's 70.00 is a payment and its
    # recovery a charge of 70.00: 0 - 30 + 30 - 70 + 70 = 0.00 at June's
    # end. The old code closed at -30.00 (CN-1 still open).
    text = (
        WRITTEN_OFF
        + credit_note(1, "2026-06-05", "30.00", "INV-1")
        + receipt("2026-06-10", "70.00 USD", "R-1", NAMING_INV_1)
    )
    loaded = reporting.loaded(books, HEADER + text, {"ar.yaml": POLICY})
    table = receivables_report.customer_statement(
        loaded, "CUS-1", datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)
    )
    D = Decimal
    noted, paid_on = datetime.date(2026, 6, 5), datetime.date(2026, 6, 10)
    assert [tuple(row) for row in table.rows] == [
        (datetime.date(2026, 6, 1), "USD", "", "", "Opening balance", None, None, D("0.00")),
        (noted, "USD", "CN-1", "credit note", "Credit note CN-1", None, D("30.00"), D("-30.00")),
        (noted, "USD", "CN-1", "recovery", NOTED, D("30.00"), None, D("0.00")),
        (paid_on, "USD", "R-1", "payment", "Wire", None, D("70.00"), D("-70.00")),
        (paid_on, "USD", "INV-1", "recovery", "Recovery of INV-1 written off, from R-1",
         D("70.00"), None, D("0.00")),
        (datetime.date(2026, 6, 30), "USD", "", "", "Closing balance", None, None, D("0.00")),
    ]  # fmt: skip


# Property: credit notes and receipts (in unapplied cash naming INV-1, or
# posted straight to it) after the write-off of 100.00 take what is still
# written off in one order, by date, then id: each takes the least of what
# it brings and what is left. A note takes it as a reversal on the note (the
# rest stays open on it), a receipt as a recovery (the rest is the
# customer's credit). So bad debt is 100.00 less everything taken, never
# below 0.00, and books cut at any month end hold the same entries through
# it as the full books.

_EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["note", "receipt", "straight"]),
        st.integers(0, 90),  # days after Jun 1
        st.integers(1, 10),  # steps of 5.00 brought
    ),
    min_size=1,
    max_size=5,
)
_CUTS = ["2026-06-30", "2026-07-31", "2026-08-31"]


@settings(max_examples=20, deadline=None)
@given(_EVENTS)
def test_notes_and_recoveries_take_what_is_still_written_off_in_one_order(
    events: list[tuple[str, int, int]],
) -> None:
    step = Decimal("5.00")
    blocks: list[tuple[datetime.date, str]] = []
    brought: list[tuple[datetime.date, str, Decimal]] = []
    for index, (kind, after, steps) in enumerate(events, 1):
        day = datetime.date(2026, 6, 1) + datetime.timedelta(days=after)
        amount = steps * step
        if kind == "note":
            name, text = f"CN-{index}", credit_note(index, str(day), f"{amount:.2f}", "INV-1")
        elif kind == "receipt":
            name, text = f"R-{index}", receipt(str(day), f"{amount:.2f} USD", f"R-{index}",
                                               NAMING_INV_1)  # fmt: skip
        else:
            name, text = f"BR-{index}", paid(str(day), f"{amount:.2f}", f"BR-{index}")
        blocks.append((day, text))
        brought.append((day, name, amount))
    # The one order, by hand: each takes min(what it brings, what is left).
    left, took = Decimal("100.00"), {}
    for _, name, amount in sorted(brought):
        took[name] = min(amount, left)
        left -= took[name]
    with tempfile.TemporaryDirectory() as folder:
        books = Books(Path(folder))
        entries, errors = load(books, WRITTEN_OFF + "".join(text for _, text in blocks))
        assert errors == []
        for cut in _CUTS:
            last = datetime.date.fromisoformat(cut)
            early = "".join(text for day, text in blocks if day <= last)
            alone, errors = load(books, WRITTEN_OFF + early)
            assert errors == []
            assert _through(entries, cut) == _through(alone, cut), cut
    reversed_by: dict[str, Decimal] = {}
    for entry in generated(entries):
        made = entry.meta.get(ar_entries.KIND)
        if made == "credit-note-written-off":
            reversed_by[str(entry.meta[meta.SOURCE])] = number(entry.postings[0])
        elif made == "recovery":
            reversed_by[str(entry.meta["revclose_receipt"])] = number(entry.postings[0])
    assert reversed_by == {name: units for name, units in took.items() if units}
    assert balance(entries, BAD_DEBT, "USD") == left
    notes_open = {name: -(amount - took[name]) for _, name, amount in brought if "CN" in name}
    cash = sum(amount - took[name] for _, name, amount in brought if "CN" not in name)
    assert balance(entries, CREDITS, "USD") == -cash
    items = open_items(entries)
    assert {name: items[name] for name in notes_open} == notes_open
    assert balance(entries, AR, "USD") == sum(notes_open.values(), Decimal(0))
