"""Cash applications are dated the day their match became possible: a closed month stays closed.

A receipt or credit note that arrives after a month is closed can make a
match of receipts and invoices that month already held: the application is
dated when the last thing the match rests on arrived, never back in the
closed month (`plugins.cash_matching`, README "Matching, in this order").
Receipts are matched day by day, so a later receipt never changes which
receipt paid an invoice before it, and a payment posted straight to the
receivable, or a credit note netted to an invoice later, is read on its own
day (the calendar rule), so it never lowers what a receipt, credit or
credit note paid before it: what a receipt pays beyond what is open then
is the customer's credit on its day, what a credit note nets beyond it is
left open on the note (a later credit typed by hand is read on its day
too: tests/test_ar_credits_typed_later.py). Customer
credits and credit notes are applied from the first day the invoice stays
open for them (`Subledger.open_from`), and a named receipt pays what the
invoice stays open by from its day on, so an invoice paid in January and
reopened in February takes them in February. Customer credits are applied
day by day with the receipts, so a later receipt sees what a credit paid.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plugins import period_lock, receivables
from plugins.currency import Precision
from reports import books as loaded_books
from reports import cli
from reports import receivables as receivables_report
from tests.conftest import Books, generated
from tests.rated_books import EURO_INV_1, postings_through, usd_weight
from tests.test_ar_payment_differences import paid, paid_back
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    POLICY,
    REALIZED,
    UNAPPLIED,
    WRITE_OFF,
    applications,
    balance,
    credit_note,
    invoice,
    load,
    receipt,
    squeezed,
)

JANUARY_END = datetime.date(2026, 1, 31)
CUSTOMER = '\n  customer: "CUS-1"'
# A typed entry on the month's last day: the books run to January 31 either way.
BANK_FEE = """
2026-01-31 * "Bank" "Fee"
  Assets:Bank:Operating  -1.00 USD
  Equity:Opening  1.00 USD
"""


def _january(entries: list[data.Directive]) -> list[str]:
    """The fingerprints of every entry dated in January, typed and generated: what a seal holds."""
    return sorted(period_lock.fingerprint(entry) for entry in entries if entry.date <= JANUARY_END)


def alone_and_both(
    books: Books, closed: str, later: str
) -> tuple[list[data.Directive], list[data.Directive]]:
    """The books of a closed month loaded alone, and with a later month's text after them.

    Both load with no error.
    """
    alone, errors = load(books, closed)
    assert errors == []
    both, errors = load(books, closed + later)
    assert errors == []
    return alone, both


def january_kept(
    books: Books, january: str, later: str
) -> tuple[list[data.Directive], list[data.Directive]]:
    """January's books alone and with a later month (`alone_and_both`), January the same in both."""
    alone, both = alone_and_both(books, january, later)
    assert _january(both) == _january(alone)
    return alone, both


def _aged_at_january_end(books: Books, text: str) -> Decimal:
    """The receivable's total in the AR aging as of January 31, as the report shows it."""
    books.write("ar.yaml", POLICY)
    path = books.write("aged.beancount", HEADER + text)
    table = receivables_report.aging(loaded_books.load(str(path)), JANUARY_END)
    total: Decimal = table.rows[-1][list(table.columns).index("total")]
    return total


def test_worked_example_receipts_completing_a_set_later_are_applied_when_the_last_arrives(
    books: Books,
) -> None:
    # INV-1 100.00 and INV-2 77.00 are billed on Jan 5; R-1 brings 60.00 on
    # Jan 20 naming nothing. In January nothing is open 60.00 and no set of
    # receipts sums to an invoice, so R-1 waits in unapplied cash and the
    # aging at Jan 31 is 100.00 + 77.00 = 177.00. R-2 brings 40.00 on Feb 10:
    # 60.00 + 40.00 = 100.00 pays INV-1 (several receipts). That match became
    # possible on Feb 10, so both applications are dated Feb 10: January is as
    # it was, and its aging is still 177.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + invoice(2, "2026-01-05", "77.00")
        + receipt("2026-01-20", "60.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    february = receipt("2026-02-10", "40.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert applications(alone) == []
    assert applications(both) == [
        (
            "2026-02-10",
            "Cash application INV-1 from R-1",
            ["Liabilities:UnappliedCash   60.00 USD", "Assets:AccountsReceivable  -60.00 USD"],
        ),
        (
            "2026-02-10",
            "Cash application INV-1 from R-2",
            ["Liabilities:UnappliedCash   40.00 USD", "Assets:AccountsReceivable  -40.00 USD"],
        ),
    ]
    assert _aged_at_january_end(books, january) == Decimal("177.00")
    assert _aged_at_january_end(books, january + february) == Decimal("177.00")


def test_worked_example_a_later_credit_note_dates_the_match_it_makes_possible(
    books: Books,
) -> None:
    # INV-1 100.00 is billed on Jan 5; R-1 brings 80.00 on Jan 25 and matches
    # nothing: 100.00 is open, and the aging at Jan 31 is 100.00. CN-1
    # credits INV-1 20.00 on Feb 3: netted on Feb 3, 100.00 - 20.00 = 80.00
    # is open and R-1 pays it by amount. The open 80.00 dates from Feb 3, so
    # is the application: January is as it was, its aging still 100.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-25", "80.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    february = credit_note(1, "2026-02-03", "20.00", "INV-1")
    alone, both = january_kept(books, january, february)
    assert applications(alone) == []
    assert [(date, narration) for date, narration, _ in applications(both)] == [
        ("2026-02-03", "Cash application INV-1 from R-1"),
        ("2026-02-03", "Credit note CN-1 applied to INV-1"),
    ]
    assert _aged_at_january_end(books, january) == Decimal("100.00")
    assert _aged_at_january_end(books, january + february) == Decimal("100.00")


def test_a_match_after_a_customer_credit_is_dated_no_earlier_than_the_credit(
    books: Books,
) -> None:
    # INV-1 100.00 and INV-2 50.00 (Jan 5); R-2 brings 20.00 on Jan 20 and
    # matches nothing in January. R-1 brings 130.00 naming INV-1 on Feb 10:
    # 100.00 pays it and 30.00 over, beyond the 1.00 tolerance, is the
    # customer's credit, which pays INV-2 on Feb 10. What is left of INV-2,
    # 50.00 - 30.00 = 20.00, matches R-2 by amount in the second pass: it is
    # open since Feb 10, so R-2's application is dated Feb 10, not Jan 20.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + invoice(2, "2026-01-05", "50.00")
        + receipt("2026-01-20", "20.00 USD", "R-2", CUSTOMER)
        + BANK_FEE
    )
    february = receipt("2026-02-10", "130.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert applications(alone) == []
    assert [(date, narration) for date, narration, _ in applications(both)] == [
        ("2026-02-10", "Cash application INV-2 from R-2"),  # at R-2's line, before R-1's
        ("2026-02-10", "Cash application INV-1 from R-1"),
        ("2026-02-10", "Customer credit from R-1 applied to INV-2"),
    ]


@pytest.mark.parametrize("credited", ["20.00", "70.00"])
def test_a_part_payment_stays_in_its_month_when_the_invoice_is_credited_later(
    books: Books, credited: str
) -> None:
    # INV-1 100.00 (Jan 5); R-1 brings 30.00 naming it on Jan 10: it pays
    # 30.00 and leaves 70.00 open, more than the 1.00 tolerance. CN-1
    # credits INV-1 20.00 on Feb 3, netted that day: 100.00 - 20.00 = 80.00
    # is open before R-1, which still pays 30.00 of it (80.00 - 30.00 =
    # 50.00 left). A credit note of 70.00 (the disputed rest) leaves 30.00
    # open before R-1, which R-1 pays exactly. Either way R-1 pays what it
    # names on its own word: its application stays dated Jan 10, and January
    # is as it was (aged 100.00 - 30.00 = 70.00 at Jan 31).
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-10", "30.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
        + BANK_FEE
    )
    february = credit_note(1, "2026-02-03", credited, "INV-1")
    alone, both = january_kept(books, january, february)
    assert [(date, narration) for date, narration, _ in applications(alone)] == [
        ("2026-01-10", "Cash application INV-1 from R-1"),
    ]
    assert [(date, narration) for date, narration, _ in applications(both)] == [
        ("2026-01-10", "Cash application INV-1 from R-1"),
        ("2026-02-03", "Credit note CN-1 applied to INV-1"),
    ]
    assert _aged_at_january_end(books, january) == Decimal("70.00")
    assert _aged_at_january_end(books, january + february) == Decimal("70.00")


def test_a_receipt_used_later_is_matched_no_earlier_than_its_use(books: Books) -> None:
    # R-1 brings 100.00 on Jan 20; INV-1 of 70.00 (Jan 5) matches none of it.
    # On Feb 4 a typed refund of 30.00 uses R-1: 100.00 - 30.00 = 70.00 is
    # left, which pays INV-1 by amount, dated Feb 4, when it became 70.00.
    january = (
        invoice(1, "2026-01-05", "70.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    february = """
2026-02-04 * "Acme" "Refund of part of R-1"
  receipt: "R-1"
  Liabilities:UnappliedCash  30.00 USD
  Assets:Bank:Operating  -30.00 USD
"""
    alone, both = january_kept(books, january, february)
    assert applications(alone) == []
    assert [(date, narration) for date, narration, _ in applications(both)] == [
        ("2026-02-04", "Cash application INV-1 from R-1"),
    ]


def _returned(date: str, amount: str, number: int = 1) -> str:
    """The bank's return of a payment of INV-`number`, which the import debits to its receivable."""
    return f"""
{date} * "Acme" "RETURNED ACH INV-{number}" ^INV-{number}
  bank_reference: "RT-{number}-{date}"
  invoice: "INV-{number}"
  customer: "CUS-1"
  Assets:Bank:Operating  -{amount} USD
  Assets:AccountsReceivable  {amount} USD
"""


def _open(entries: list[data.Directive], item: str, through: str) -> Decimal:
    """What is open of an item at the end of a day: the receivable postings naming it."""
    day = datetime.date.fromisoformat(through)
    return sum(
        (
            posting.units.number
            for entry in entries
            if isinstance(entry, data.Transaction) and entry.date <= day
            for posting in entry.postings
            if posting.account == "Assets:AccountsReceivable"
            and posting.units is not None
            and posting.units.number is not None
            and ((posting.meta or {}).get("invoice") or entry.meta.get("invoice")) == item
        ),
        Decimal(0),
    )


def _dated(entries: list[data.Directive]) -> list[tuple[str, str]]:
    return [(date, narration) for date, narration, _ in applications(entries)]


# R-1 brings 80.00 naming INV-2 of 50.00 on Jan 8: 30.00 over, beyond the
# 1.00 tolerance, is the customer's credit from Jan 8.
_CREDIT_OF_30 = invoice(2, "2026-01-05", "50.00") + receipt(
    "2026-01-08", "80.00 USD", "R-1", '\n  invoice: "INV-2"' + CUSTOMER
)


def test_worked_example_a_credit_pays_a_reopened_invoice_on_the_day_it_reopens(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is paid in full by BR-1, posted straight to the
    # receivable on Jan 10; the customer holds a 30.00 credit from Jan 8. On
    # Jan 8 INV-1 is open 100.00 (BR-1 is not yet known), so the credit pays
    # 30.00 of it that day. BR-1 then finds 70.00 open on Jan 10: its other
    # 30.00, beyond the 1.00 tolerance, is the customer's credit from Jan 10
    # (an over payment moved to credits), which pays nothing that month: the
    # aging at Jan 31 is 100.00 - 30.00 - 100.00 + 30.00 = 0.00 and the
    # credits hold BR-1's 30.00. BR-1 comes back on Feb 3 (a returned
    # payment): INV-1 is open 100.00 from Feb 3, and BR-1's credit pays
    # 30.00 of it that day. (Before the calendar rule the credit read BR-1
    # before Jan 8 and paid nothing until Feb 3.)
    #   Feb 28: INV-1 0.00 + 100.00 - 30.00 = 70.00; credits 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + paid("2026-01-10", "100.00", "BR-1")
        + BANK_FEE
    )
    february = _returned("2026-02-03", "100.00")
    alone, both = january_kept(books, january, february)
    assert _dated(alone) == [
        ("2026-01-08", "Cash application INV-2 from R-1"),
        ("2026-01-08", "Customer credit from R-1 applied to INV-1"),
        ("2026-01-10", "Over payment of INV-1 from BR-1 moved to customer credit"),
    ]
    assert balance(alone, CREDITS, "USD") == Decimal("-30.00")
    assert applications(both)[3:] == [
        (
            "2026-02-03",
            "Customer credit from BR-1 applied to INV-1",
            ["Liabilities:CustomerCredits   30.00 USD", "Assets:AccountsReceivable    -30.00 USD"],
        ),
    ]
    assert _aged_at_january_end(books, january) == Decimal("0.00")
    assert _aged_at_january_end(books, january + february) == Decimal("0.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("70.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_credit_pays_what_was_open_all_along_and_the_rest_when_the_invoice_is_reopened(
    books: Books,
) -> None:
    # As above, but BR-1 pays 90.00 of INV-1. On Jan 8 INV-1 is open 100.00,
    # so the credit pays 30.00 of it, in January alone and with February
    # alike; BR-1 finds 70.00 open on Jan 10 and its other 20.00 is the
    # customer's credit from Jan 10: the credits hold 20.00 at Jan 31, as
    # before the calendar rule (when R-1's credit paid only the 10.00 BR-1
    # left and held 20.00). The return of BR-1 on Feb 3 opens 90.00 more:
    # BR-1's credit pays its 20.00 on Feb 3, the day INV-1 is posted to.
    #   Feb 28: INV-1 100.00 - 30.00 - 90.00 + 20.00 + 90.00 - 20.00 = 70.00; credits 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + paid("2026-01-10", "90.00", "BR-1")
        + BANK_FEE
    )
    february = _returned("2026-02-03", "90.00")
    alone, both = january_kept(books, january, february)
    assert _dated(alone) == [
        ("2026-01-08", "Cash application INV-2 from R-1"),
        ("2026-01-08", "Customer credit from R-1 applied to INV-1"),
        ("2026-01-10", "Over payment of INV-1 from BR-1 moved to customer credit"),
    ]
    assert applications(both)[1:] == [
        (
            "2026-01-08",
            "Customer credit from R-1 applied to INV-1",
            ["Liabilities:CustomerCredits   30.00 USD", "Assets:AccountsReceivable    -30.00 USD"],
        ),
        (
            "2026-01-10",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            ["Assets:AccountsReceivable     20.00 USD", "Liabilities:CustomerCredits  -20.00 USD"],
        ),
        (
            "2026-02-03",
            "Customer credit from BR-1 applied to INV-1",
            ["Liabilities:CustomerCredits   20.00 USD", "Assets:AccountsReceivable    -20.00 USD"],
        ),
    ]
    assert balance(alone, CREDITS, "USD") == Decimal("-20.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("70.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_worked_example_a_credit_pays_an_invoice_again_only_what_its_reopening_opens(
    books: Books,
) -> None:
    # R-1 brings 250.00 naming INV-1 of 100.00 on Jan 20: 150.00 is the
    # customer's credit from Jan 20. INV-2 100.00 is billed on Jan 25; BR-1
    # pays 60.00 of it straight to the receivable on Jan 28. On Jan 25 INV-2
    # is open 100.00, so R-1's credit pays all of it and holds 50.00; BR-1
    # finds INV-2 paid on Jan 28, and its 60.00 is the customer's credit from
    # then: the credits hold 50.00 + 60.00 = 110.00 at Jan 31 (INV-2 open
    # 0.00), as before the calendar rule (when R-1's credit paid only the
    # 40.00 BR-1 left). BR-1 comes back on Feb 5: INV-2 is open 60.00 from
    # Feb 5. The credits pay that 60.00 on Feb 5, the oldest first (R-1's
    # 50.00, then 10.00 of BR-1's), and no more: BR-1's keeps 60.00 - 10.00
    # = 50.00.
    #   Feb 28: INV-2 100.00 - 100.00 - 60.00 + 60.00 + 60.00 - 50.00 - 10.00 = 0.00;
    #   credits 50.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "250.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
        + invoice(2, "2026-01-25", "100.00")
        + paid("2026-01-28", "60.00", "BR-1", 2)
        + BANK_FEE
    )
    february = _returned("2026-02-05", "60.00", 2)
    alone, both = january_kept(books, january, february)
    credited = [
        (
            "2026-01-25",
            "Customer credit from R-1 applied to INV-2",
            [
                "Liabilities:CustomerCredits   100.00 USD",
                "Assets:AccountsReceivable    -100.00 USD",
            ],
        ),
        (
            "2026-01-28",
            "Over payment of INV-2 from BR-1 moved to customer credit",
            ["Assets:AccountsReceivable     60.00 USD", "Liabilities:CustomerCredits  -60.00 USD"],
        ),
    ]
    assert applications(alone)[1:] == credited
    assert balance(alone, CREDITS, "USD") == Decimal("-110.00")
    assert applications(both)[1:] == [
        *credited,
        (
            "2026-02-05",
            "Customer credit from R-1 applied to INV-2",
            ["Liabilities:CustomerCredits   50.00 USD", "Assets:AccountsReceivable    -50.00 USD"],
        ),
        (
            "2026-02-05",
            "Customer credit from BR-1 applied to INV-2",
            ["Liabilities:CustomerCredits   10.00 USD", "Assets:AccountsReceivable    -10.00 USD"],
        ),
    ]
    assert _open(both, "INV-2", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-50.00")


def test_a_credit_spent_on_a_later_invoice_pays_nothing_when_an_older_one_reopens(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); the 30.00 credit from Jan 8 pays 30.00 of INV-1,
    # open 100.00 that day; BR-1 pays 90.00 of INV-1 on Jan 10, when 70.00
    # is open: its other 20.00 is the customer's credit from Jan 10. INV-3
    # 50.00 is billed on Jan 20, when INV-1 is open 0.00: BR-1's credit pays
    # its 20.00 to INV-3 on Jan 20. The return of BR-1 on Feb 3 reopens
    # INV-1 by 90.00, but the credits hold nothing: they pay nothing more,
    # and January's applications stand.
    #   Feb 28: INV-1 100.00 - 30.00 - 90.00 + 20.00 + 90.00 = 90.00;
    #           INV-3 50.00 - 20.00 = 30.00; credits 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + paid("2026-01-10", "90.00", "BR-1")
        + invoice(3, "2026-01-20", "50.00")
        + BANK_FEE
    )
    february = _returned("2026-02-03", "90.00")
    alone, both = january_kept(books, january, february)
    assert (
        _dated(both)
        == _dated(alone)
        == [
            ("2026-01-08", "Cash application INV-2 from R-1"),
            ("2026-01-08", "Customer credit from R-1 applied to INV-1"),
            ("2026-01-10", "Over payment of INV-1 from BR-1 moved to customer credit"),
            ("2026-01-20", "Customer credit from BR-1 applied to INV-3"),
        ]
    )
    assert _open(both, "INV-1", "2026-02-28") == Decimal("90.00")
    assert _open(both, "INV-3", "2026-02-28") == Decimal("30.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_worked_example_a_credit_note_nets_a_reopened_invoice_on_the_day_it_reopens(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is paid in full by BR-1 straight to the
    # receivable on Jan 10; CN-1 credits it 20.00 on Jan 15. In January
    # INV-1 is open 0.00 from Jan 10 on, so CN-1 is not netted: it is a
    # credit of 20.00 in the receivable, and the aging at Jan 31 is
    # 100.00 - 100.00 - 20.00 = -20.00. BR-1 comes back on Feb 3: from then
    # INV-1 is open 100.00 and CN-1 20.00, so CN-1 is netted on Feb 3, not on
    # Jan 15, when INV-1 was open nothing. January is as it was.
    #   Feb 28: INV-1 100.00 - 100.00 + 100.00 - 20.00 = 80.00; CN-1 -20.00 + 20.00 = 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-01-10", "100.00", "BR-1")
        + credit_note(1, "2026-01-15", "20.00", "INV-1")
        + BANK_FEE
    )
    february = _returned("2026-02-03", "100.00")
    alone, both = january_kept(books, january, february)
    assert applications(alone) == []
    assert _dated(both) == [("2026-02-03", "Credit note CN-1 applied to INV-1")]
    assert _aged_at_january_end(books, january) == Decimal("-20.00")
    assert _aged_at_january_end(books, january + february) == Decimal("-20.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("80.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("0.00")


def test_a_credit_note_is_netted_on_its_day_when_the_invoice_is_partly_paid_later(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); CN-1 credits it 20.00 on Jan 15; BR-1 pays the
    # 80.00 left straight to the receivable on Feb 10. Before netting INV-1
    # is open 100.00 from Jan 15 and 100.00 - 80.00 = 20.00 from Feb 10: at
    # least CN-1's 20.00 all along, so the netting stays on Jan 15, as
    # January alone nets it (aging at Jan 31: 100.00 - 20.00 = 80.00), and
    # INV-1 ends at 20.00 - 20.00 = 0.00. A rule of "the invoice's last
    # posting" would move it to Feb 10, out of the month it was sealed in.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + credit_note(1, "2026-01-15", "20.00", "INV-1")
        + BANK_FEE
    )
    february = paid("2026-02-10", "80.00", "BR-1")
    alone, both = january_kept(books, january, february)
    assert _dated(both) == _dated(alone) == [("2026-01-15", "Credit note CN-1 applied to INV-1")]
    assert _aged_at_january_end(books, january + february) == Decimal("80.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")


def test_a_later_receipt_naming_an_invoice_leaves_januarys_match_alone(books: Books) -> None:
    # R-1 100.00 (Jan 20, naming nothing) pays INV-1 100.00 by amount in
    # January. R-2 100.00 names INV-1 on Feb 10: receipts are matched day by
    # day, so on Feb 10 R-2 finds INV-1 paid and becomes the customer's
    # credit (100.00 over, beyond the 1.00 tolerance), January as it was.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    february = receipt("2026-02-10", "100.00 USD", "R-2", '\n  invoice: "INV-1"' + CUSTOMER)
    _, both = january_kept(books, january, february)
    assert _dated(both) == [
        ("2026-01-20", "Cash application INV-1 from R-1"),
        ("2026-02-10", "Customer credit from R-2: INV-1 is already paid"),
    ]


def test_worked_example_a_later_exact_receipt_leaves_januarys_several_invoices_match_alone(
    books: Books,
) -> None:
    # INV-1 60.00 and INV-2 40.00 are billed on Jan 5; R-1 brings 100.00 on
    # Jan 20 naming nothing. No invoice is open 100.00, but 60.00 + 40.00 =
    # 100.00: R-1 pays both (several invoices) on Jan 20, and January ages
    # 100.00 - 100.00 = 0.00. R-2 brings 40.00 on Feb 10 naming nothing.
    # Matched day by day, on Feb 10 nothing is open 40.00 (INV-2 was paid on
    # Jan 20), so R-2 waits in unapplied cash and January is as it was. (Run
    # step by step over the whole books, the amount step would give INV-2 to
    # R-2 first, and R-1, with only INV-1's 60.00 open, would pay nothing.)
    january = (
        invoice(1, "2026-01-05", "60.00")
        + invoice(2, "2026-01-05", "40.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    february = receipt("2026-02-10", "40.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert (
        _dated(both)
        == _dated(alone)
        == [
            ("2026-01-20", "Cash application INV-1 from R-1"),
            ("2026-01-20", "Cash application INV-2 from R-1"),
        ]
    )
    assert _aged_at_january_end(books, january + february) == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("-40.00")


# The property for which receipt pays: January's books of one customer hold
# up to four invoices, each left open or paid by receipts exactly (one
# receipt), in halves (two receipts) or together with the next invoice (one
# receipt of both), each receipt naming what it pays or naming nothing; one
# receipt arrives on Feb `day`, naming an invoice or nothing, of an amount
# that could pay something January paid (an invoice, half of one, two of
# them) or of nothing January holds. January is as it was, and what the
# newcomer adds is dated on or after it. The invoices' amounts are such that
# no half or sum of two is another invoice's amount, so a January receipt
# never pays an invoice another January receipt names (that one would then
# park a credit in January: credits have worked examples of their own below).

_BILLED = [1000, 2600, 6800, 17600]  # halves 500 1300 3400 8800; sums 3600 9400 24400 ...
_PLAN = st.tuples(
    st.sampled_from(["open", "exact", "halves", "together"]),
    st.booleans(),  # its receipts name what they pay
    st.integers(11, 28),  # their day in January
)


@settings(max_examples=200, deadline=None)
@given(
    st.permutations(_BILLED),
    st.integers(1, 4),
    st.lists(_PLAN, min_size=4, max_size=4),
    st.integers(0, 3),
    st.sampled_from(["exact", "half", "together", "noise"]),
    st.booleans(),
    st.integers(1, 28),
    st.sampled_from(["unapplied", "straight", "credit-note"]),
)
def test_a_later_receipt_never_changes_which_receipt_paid_in_a_closed_month(
    reopened: Books,
    amounts: list[int],
    count: int,
    plan: list[tuple[str, bool, int]],
    which: int,
    size: str,
    naming: bool,
    day: int,
    into: str,
) -> None:
    # `into`: the newcomer waits in unapplied cash; or it is posted straight
    # to the receivable of the invoice it names (the bank import's payment),
    # or it is a credit note of that invoice. The matcher reads those on
    # their day, so they never lower what a January receipt paid, and what
    # they pay beyond what is open then is written off or the customer's
    # credit that day, never left as an invoice in credit.
    billed = amounts[:count]
    january = "".join(
        invoice(n, f"2026-01-{n + 1:02d}", _cents(amount)) for n, amount in enumerate(billed, 1)
    )
    number = 1
    while number <= count:
        kind, named, on = plan[number - 1]
        if kind == "together" and number == count:
            kind = "exact"  # no next invoice to pay together
        owed, names = billed[number - 1], [number]
        if kind == "open":
            received: list[int] = []
        elif kind == "exact":
            received = [owed]
        elif kind == "halves":
            received = [owed // 2] * 2
        else:
            received, names = [owed + billed[number]], [number, number + 1]
        words = "Wire" + "".join(f" INV-{n}" for n in names) if named else "Wire"
        for part, amount in enumerate(received):
            paid_in = f"{_cents(amount)} USD"
            january += receipt(f"2026-01-{on:02d}", paid_in, f"R-{number}-{part}", CUSTOMER, words)
        number += len(names)
    january += BANK_FEE
    target = which % count
    amount = {
        "exact": billed[target],
        "half": billed[target] // 2,
        "together": billed[target] + billed[(target + 1) % count],
        "noise": billed[target] + 100,
    }[size]
    words = f"Wire INV-{target + 1}" if naming else "Wire"
    added = datetime.date(2026, 2, day)
    newcomer = receipt(str(added), f"{_cents(amount)} USD", "R-9", CUSTOMER, words)
    if into == "straight":
        newcomer = paid(str(added), _cents(amount), "BR-9", target + 1)
    elif into == "credit-note":
        newcomer = credit_note(9, str(added), _cents(amount), f"INV-{target + 1}")
    alone, both = january_kept(reopened, january, newcomer)
    made = [one for one in applications(both) if one not in applications(alone)]
    assert all(datetime.date.fromisoformat(date) >= added for date, _, _ in made)
    if into != "unapplied":
        for number in range(1, count + 1):
            assert _open(both, f"INV-{number}", "2026-02-28") >= 0


def test_a_later_payment_in_full_leaves_januarys_credit_application_alone(books: Books) -> None:
    # INV-1 100.00 (Jan 5); the 30.00 credit of Jan 8 pays 30.00 of it on
    # Jan 8. BR-1 pays 100.00 straight to the receivable on Feb 10, ignoring
    # the credit: INV-1 was open 100.00 - 30.00 = 70.00, so BR-1 over pays it
    # by 30.00, beyond the 1.00 tolerance, and that is the customer's credit
    # from Feb 10, January as it was. (Before the calendar rule the credit
    # read BR-1 before Jan 8, found INV-1 with nothing open and paid nothing:
    # January's application was gone; a review on 22 November 2026.)
    #   Feb 28: INV-1 100.00 - 30.00 - 100.00 + 30.00 = 0.00; credits 30.00 (BR-1's).
    january = invoice(1, "2026-01-05", "100.00") + _CREDIT_OF_30 + BANK_FEE
    february = paid("2026-02-10", "100.00", "BR-1")
    alone, both = alone_and_both(books, january, february)
    assert _dated(alone)[-1] == ("2026-01-08", "Customer credit from R-1 applied to INV-1")
    assert _january(both) == _january(alone)
    assert applications(both)[len(applications(alone)) :] == [
        (
            "2026-02-10",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            ["Assets:AccountsReceivable     30.00 USD", "Liabilities:CustomerCredits  -30.00 USD"],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-30.00")


def test_worked_example_a_later_payment_straight_to_a_matched_invoice_pays_the_next_one(
    books: Books,
) -> None:
    # INV-1 499.00 (Jan 5) and INV-2 499.00 (Jan 8); R-1 499.00 naming only
    # the customer on Jan 12 pays the oldest invoice open 499.00 that day,
    # INV-1. The bank import then posts BR-1 499.00 straight to INV-1 on
    # Feb 3: INV-1 has been paid since Jan 12, so BR-1's 499.00 over pays
    # it, beyond the 1.00 tolerance, and is the customer's credit from Feb 3,
    # which pays INV-2 that day. January is as it was (INV-2 open 499.00 at
    # Jan 31). (Before the calendar rule the matcher read BR-1 before Jan 12:
    # R-1 paid INV-2 instead, and January's application moved.)
    #   Feb 28: INV-1 499.00 - 499.00 - 499.00 + 499.00 = 0.00;
    #           INV-2 499.00 - 499.00 = 0.00; credits and unapplied cash 0.00.
    january = invoice(1, "2026-01-05", "499.00") + invoice(2, "2026-01-08", "499.00")
    january += receipt("2026-01-12", "499.00 USD", "R-1", CUSTOMER) + BANK_FEE
    alone, both = january_kept(books, january, paid("2026-02-03", "499.00", "BR-1"))
    assert _dated(alone) == [("2026-01-12", "Cash application INV-1 from R-1")]
    assert _aged_at_january_end(books, january) == Decimal("499.00")
    assert applications(both)[1:] == [
        (
            "2026-02-03",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            [
                "Assets:AccountsReceivable     499.00 USD",
                "Liabilities:CustomerCredits  -499.00 USD",
            ],
        ),
        (
            "2026-02-03",
            "Customer credit from BR-1 applied to INV-2",
            [
                "Liabilities:CustomerCredits   499.00 USD",
                "Assets:AccountsReceivable    -499.00 USD",
            ],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "INV-2", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_a_later_receipt_posted_straight_leaves_an_earlier_payment_difference_alone(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-0 20.00 naming it pays 20.00 on Jan 10 (open
    # 80.00); BR-1 79.50 posted straight on Jan 25 leaves 0.50, within the
    # 1.00 tolerance, written off as a payment difference that day (open
    # 0.00). BR-0 20.00 posted straight on Mar 20 over pays INV-1 by 20.00:
    # the customer's credit, -20.00. BR-3 20.00 on Apr 21 likewise: credits
    # -40.00, the difference still 0.50, every entry through March as
    # without BR-3. (Before, BR-3 changed March: the first reading matched
    # Mar 20 without January's write-off, found INV-1 at 100.00 - 20.00 -
    # 79.50 - 20.00 = -19.50, so BR-0 parked 19.50 and the 0.50 was
    # credited back on Mar 20; carried into the next reading, that
    # write-off made itself true again: credits -39.50, differences 0.00.)
    named = '\n  invoice: "INV-1"'
    march = invoice(1, "2026-01-05", "100.00") + receipt("2026-01-10", "20.00 USD", "R-0", named)
    march += paid("2026-01-25", "79.50", "BR-1") + paid("2026-03-20", "20.00", "BR-0")
    alone, both = alone_and_both(books, march, paid("2026-04-21", "20.00", "BR-3"))
    assert balance(alone, CREDITS, "USD") == Decimal("-20.00")
    assert balance(alone, WRITE_OFF, "USD") == Decimal("0.50")
    assert balance(both, WRITE_OFF, "USD") == Decimal("0.50")
    assert balance(both, CREDITS, "USD") == Decimal("-40.00")
    march_end = datetime.date(2026, 3, 31)
    assert sorted(period_lock.fingerprint(e) for e in both if e.date <= march_end) == sorted(
        period_lock.fingerprint(e) for e in alone if e.date <= march_end
    )


def test_worked_example_two_later_receipts_leave_an_earlier_over_payment_written_off_alone(
    books: Books,
) -> None:
    # INV-1 200.00 (Jan 5); R-0 50.00 naming it pays 50.00 on Jan 10 (open
    # 150.00); BR-1 150.40 posted straight on Jan 25 over pays it by 0.40,
    # within the 1.00 tolerance: written off that day, a credit of 0.40 to
    # the write-off account (differences -0.40, open 0.00). BR-0 30.00
    # straight on Feb 14 over pays INV-1 by 30.00: the customer's credit,
    # -30.00. BR-2 10.00 and BR-4 5.00 straight on Apr 8 over pay it by
    # 15.00, moved in one entry at BR-4 (the day's greatest id): credits
    # -30.00 - 15.00 = -45.00, differences still -0.40, every entry through
    # March as without them. (Before, the first reading of the books with
    # April matched Feb 14 without January's write-off, found INV-1 at
    # 200.00 - 50.00 - 150.40 - 30.00 = -30.40, moved 30.40 and wrote off
    # the 0.40 back on Feb 14; carried into the next reading, that
    # write-off made itself true again: credits -45.40, differences 0.00,
    # and February changed.)
    #   Apr 30: INV-1 200.00 - 50.00 - 150.40 + 0.40 - 30.00 + 30.00 - 15.00
    #   + 15.00 = 0.00.
    named = '\n  invoice: "INV-1"'
    march = invoice(1, "2026-01-05", "200.00") + receipt("2026-01-10", "50.00 USD", "R-0", named)
    march += paid("2026-01-25", "150.40", "BR-1") + paid("2026-02-14", "30.00", "BR-0")
    april = paid("2026-04-08", "10.00", "BR-2") + paid("2026-04-08", "5.00", "BR-4")
    alone, both = alone_and_both(books, march, april)
    assert balance(alone, CREDITS, "USD") == Decimal("-30.00")
    assert balance(alone, WRITE_OFF, "USD") == Decimal("-0.40")
    assert _dated(both) == [
        ("2026-01-10", "Cash application INV-1 from R-0"),
        ("2026-01-25", "Payment difference of INV-1 from BR-1 written off"),
        ("2026-02-14", "Over payment of INV-1 from BR-0 moved to customer credit"),
        ("2026-04-08", "Over payment of INV-1 from BR-4 moved to customer credit"),
    ]
    assert balance(both, CREDITS, "USD") == Decimal("-45.00")
    assert balance(both, WRITE_OFF, "USD") == Decimal("-0.40")
    assert _open(both, "INV-1", "2026-04-30") == Decimal("0.00")
    march_end = datetime.date(2026, 3, 31)
    assert sorted(period_lock.fingerprint(e) for e in both if e.date <= march_end) == sorted(
        period_lock.fingerprint(e) for e in alone if e.date <= march_end
    )


def _posted(entry: data.Directive) -> bool:
    """A transaction with postings (the aging notes follow the books' last day)."""
    return isinstance(entry, data.Transaction) and bool(entry.postings)


def test_a_later_receipt_leaves_a_closed_august_write_off_alone_when_an_earlier_one_is_found_late(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is paid straight 20.00 + 9.70 (Jan 15), 20.00
    # (Jan 25), 19.50 (Feb 15, with R-05 10.30 naming it: open 20.50), then
    # over paid 30.00 (Feb 25) and 10.30 (Mar 10): both excesses moved to
    # customer credits. Refunds of 20.00 on Mar 25 and May 25 open it again
    # (take-backs), and straight receipts of 0.30 (Mar 25, Apr 10), 20.00 +
    # 0.40 (Apr 20) and 10.30 (May 20) follow; R-28 19.50 names it on Jun 15
    # and BR-33 0.40 over pays it on Aug 10, the last posting through
    # August. Loaded through August, INV-1 is at 0.00 before Aug 10, so BR-33's
    # 0.40 over, within the 1.00 tolerance, is written off on Aug 10 (a
    # credit of 0.40 to the write-off account). Typing BR-90 10.00 straight
    # and R-91 15.00 naming INV-1 on Sep 21 must leave August as it was:
    # INV-1 is at 0.00 after Aug 10, so BR-90's 10.00 over, beyond the
    # tolerance, is all the customer's credit, and R-91 finds INV-1 paid
    # (15.00 parked). A write-off carried from an earlier reading (May 20)
    # stays carried when an earlier one (Apr 10) is found anew with a
    # generated entry between, so the readings settle (four, with September).
    # Before (0d716d4), the readings did not settle: the write-off carried
    # (May 20) was dropped once the earlier one (Apr 10) was found anew
    # (`write_offs`: `anew[...] = None` dropped known ones too), the carried
    # sets came round ([Apr 10] twice) and the books fell back to writing off
    # at their end, at the last straight receipt: with September that was
    # Sep 21, so Aug 10's write-off was gone (August changed; Sep 21 moved
    # 10.40 to credits). Before that, the readings settled in three, August
    # the same with and without September.
    named = '\n  invoice: "INV-1"'
    august = invoice(1, "2026-01-05", "100.00")
    august += paid("2026-01-15", "20.00", "BR-01") + paid("2026-01-15", "9.70", "BR-02")
    august += paid("2026-01-25", "20.00", "BR-03")
    august += receipt("2026-02-15", "10.30 USD", "R-05", named) + paid(
        "2026-02-15", "19.50", "BR-07"
    )
    august += paid("2026-02-25", "30.00", "BR-06") + paid("2026-03-10", "10.30", "BR-09")
    august += paid_back("2026-03-25", "20.00") + paid("2026-03-25", "0.30", "BR-14")
    august += paid("2026-04-10", "0.30", "BR-17")
    august += paid("2026-04-20", "20.00", "BR-15") + paid("2026-04-20", "0.40", "BR-20")
    august += paid("2026-05-20", "10.30", "BR-23") + paid_back("2026-05-25", "20.00")
    august += receipt("2026-06-15", "19.50 USD", "R-28", named)
    august += paid("2026-08-10", "0.40", "BR-33")
    september = paid("2026-09-21", "10.00", "BR-90")
    september += receipt("2026-09-21", "15.00 USD", "R-91", named)
    alone, both = alone_and_both(books, august, september)
    aug_end = datetime.date(2026, 8, 31)
    assert sorted(
        period_lock.fingerprint(e) for e in both if e.date <= aug_end and _posted(e)
    ) == sorted(period_lock.fingerprint(e) for e in alone if e.date <= aug_end and _posted(e))
    written = [day for day, what, _ in applications(both) if what.startswith("Payment diff")]
    assert "2026-08-10" in written
    assert [
        (what, squeezed(lines)) for day, what, lines in applications(both) if day > "2026-08-31"
    ] == [
        (
            "Over payment of INV-1 from BR-90 moved to customer credit",
            [f"{AR} 10.00 USD", f"{CREDITS} -10.00 USD"],
        ),
        (
            "Customer credit from R-91: INV-1 is already paid",
            [f"{UNAPPLIED} 15.00 USD", f"{CREDITS} -15.00 USD"],
        ),
    ]


def test_a_later_payment_in_full_leaves_januarys_netting_alone(books: Books) -> None:
    # INV-1 100.00 (Jan 5); CN-1 credits it 20.00 on Jan 15, netted that day:
    # INV-1 open 80.00 at Jan 31. BR-1 pays 100.00 straight to INV-1 on Feb 10,
    # ignoring the credit note: it finds 80.00 open, and its other 20.00,
    # beyond the 1.00 tolerance, is the customer's credit from Feb 10, January
    # as it was. (Before, the netting read BR-1 before Jan 15: INV-1 stayed
    # open 0.00 from Jan 15, CN-1 was not netted and January's netting was
    # gone.)
    #   Feb 28: INV-1 100.00 - 20.00 - 100.00 + 20.00 = 0.00; CN-1 -20.00 + 20.00
    #   = 0.00; credits 20.00 (BR-1's).
    january = invoice(1, "2026-01-05", "100.00") + credit_note(1, "2026-01-15", "20.00", "INV-1")
    january += BANK_FEE
    alone, both = january_kept(books, january, paid("2026-02-10", "100.00", "BR-1"))
    assert _dated(alone) == [("2026-01-15", "Credit note CN-1 applied to INV-1")]
    assert _aged_at_january_end(books, january) == Decimal("80.00")
    assert applications(both)[1:] == [
        (
            "2026-02-10",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            ["Assets:AccountsReceivable     20.00 USD", "Liabilities:CustomerCredits  -20.00 USD"],
        ),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-20.00")


def _left_open(note: str, day: str) -> tuple[str, str]:
    """A credit note's excess over what is open of INV-1, moved back to the note on a day."""
    return (day, f"Credit note {note} beyond what is open of INV-1 left open on {note}")


def test_worked_example_a_later_credit_note_leaves_januarys_match_by_amount_alone(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-1 100.00 naming only the customer pays it by
    # amount on Jan 20. CN-1 credits INV-1 25.00 on Feb 11: it is netted onto
    # INV-1 that day, which was paid in full in January, so all 25.00 is
    # moved back and left open on CN-1 from Feb 11, January as it was.
    # (Before the calendar rule the matcher read CN-1 before January: INV-1
    # was open only 75.00 from Jan 20, R-1 paid nothing and waited, and
    # January's match was gone.)
    #   Feb 28: INV-1 100.00 - 100.00 - 25.00 + 25.00 = 0.00;
    #   CN-1 -25.00 + 25.00 - 25.00 = -25.00; credits 0.00; unapplied cash 0.00.
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER) + BANK_FEE
    alone, both = january_kept(books, january, credit_note(1, "2026-02-11", "25.00", "INV-1"))
    assert _dated(alone) == [("2026-01-20", "Cash application INV-1 from R-1")]
    assert _dated(both)[1:] == [
        ("2026-02-11", "Credit note CN-1 applied to INV-1"),
        _left_open("CN-1", "2026-02-11"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_worked_example_a_later_credit_note_leaves_januarys_match_by_amount_alone_at_a_rate(
    books: Books,
) -> None:
    # The example above in euros, USD functional. INV-1 100.00 EUR (Jan 5)
    # at 1.20 is carried at 120.00 USD; R-1 100.00 EUR naming only the
    # customer pays it by amount on Jan 20 (EUR at 1.20 that day: 120.00 USD
    # cleared, nothing realized). CN-1 credits INV-1 25.00 EUR on Feb 11 at
    # 1.10 (27.50 USD): it is netted onto INV-1 that day (the note at 1.10,
    # INV-1 at 1.20: 30.00 - 27.50 = 2.50 USD of loss), which was paid in
    # full in January, so all 25.00 EUR are moved back and left open on CN-1
    # from Feb 11 (the same rates the other way: 2.50 USD of gain), January
    # as it was, no customer credit. (Before, CN-1 was read before January:
    # INV-1 was open only 75.00 EUR from Jan 20, R-1 paid nothing and waited.)
    #   Feb 28: INV-1 100.00 - 100.00 - 25.00 + 25.00 = 0.00 EUR (0.00 USD);
    #   CN-1 -25.00 + 25.00 - 25.00 = -25.00 EUR, at 1.10 -27.50 USD;
    #   realized 2.50 - 2.50 = 0.00 USD; credits 0.00; unapplied cash 0.00.
    january = (
        EURO_INV_1
        + """

2026-01-20 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Euro  100.00 EUR @ 1.20 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD
"""
    )
    later = """
2026-02-11 * "Acme" "Credit note CN-1" ^CN-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -25.00 EUR @ 1.10 USD
  Income:Revenue:Services  27.50 USD
"""
    alone, both = january_kept(books, january + BANK_FEE, later)
    assert _dated(alone) == [("2026-01-20", "Cash application INV-1 from R-1")]
    assert _dated(both)[1:] == [
        ("2026-02-11", "Credit note CN-1 applied to INV-1"),
        _left_open("CN-1", "2026-02-11"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert usd_weight(postings_through(both, AR, "2026-02-28")) == Decimal("-27.50")
    assert balance(both, REALIZED, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "EUR") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "EUR") == Decimal("0.00")


def test_a_later_credit_note_never_makes_an_earlier_receipt_the_match(books: Books) -> None:
    # INV-1 100.00 (Jan 5); R-1 80.00 (Jan 20) and R-2 100.00 (Jan 22) name
    # only the customer: R-2 pays INV-1 by amount on Jan 22 and R-1 waits.
    # CN-9 of 20.00 on Feb 3 finds INV-1 paid: its 20.00 is left open on
    # CN-9, and R-1 still waits, January as it was. (Before, CN-9 read
    # first made INV-1 open 80.00 and R-1, the older receipt, paid it.)
    #   Feb 28: INV-1 0.00; CN-9 -20.00; credits 0.00; unapplied cash 80.00 (R-1).
    january = invoice(1, "2026-01-05", "100.00")
    january += receipt("2026-01-20", "80.00 USD", "R-1", CUSTOMER)
    january += receipt("2026-01-22", "100.00 USD", "R-2", CUSTOMER) + BANK_FEE
    alone, both = january_kept(books, january, credit_note(9, "2026-02-03", "20.00", "INV-1"))
    assert _dated(alone) == [("2026-01-22", "Cash application INV-1 from R-2")]
    assert _dated(both)[-1] == _left_open("CN-9", "2026-02-03")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-9", "2026-02-28") == Decimal("-20.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("-80.00")


def test_a_later_credit_note_leaves_a_named_receipts_payment_alone(books: Books) -> None:
    # R-1 100.00 naming INV-1 100.00 pays it on Jan 20. CN-1 of 25.00 on
    # Feb 11 is netted onto INV-1, paid: its 25.00 is left open on CN-1
    # from Feb 11, parking no customer credit, so INV-2 40.00 billed on
    # Feb 20 stays open in full. (Before, R-1 paid only the 75.00 INV-1
    # stayed open by and parked 25.00 on Jan 20.)
    #   Feb 28: INV-1 0.00; CN-1 -25.00; INV-2 40.00; credits 0.00.
    january = invoice(1, "2026-01-05", "100.00") + BANK_FEE
    january += receipt("2026-01-20", "100.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
    later = credit_note(1, "2026-02-11", "25.00", "INV-1") + invoice(2, "2026-02-20", "40.00")
    alone, both = january_kept(books, january, later)
    assert _dated(alone) == [("2026-01-20", "Cash application INV-1 from R-1")]
    assert _dated(both)[1:] == [
        ("2026-02-11", "Credit note CN-1 applied to INV-1"),
        _left_open("CN-1", "2026-02-11"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "CN-1", "2026-02-28") == Decimal("-25.00")
    assert _open(both, "INV-2", "2026-02-28") == Decimal("40.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


# INV-9 20.00 (Jan 2) written off as uncollectible on Jan 10; R-1 150.00 of
# Jan 20 names INV-1 100.00 (Jan 5) and links INV-9: it pays INV-1 100.00,
# recovers and pays INV-9 20.00, and parks 150.00 - 120.00 = 30.00.
_RECOVERING = (
    "\n2026-01-01 open Liabilities:CustomerCredits\n2026-01-01 open Expenses:BadDebt\n"
    + invoice(9, "2026-01-02", "20.00")
    + """
2026-01-10 * "Acme" "Write off INV-9" ^INV-9
  invoice: "INV-9"
  status: "uncollectible"
  Assets:AccountsReceivable  -20.00 USD
  Expenses:BadDebt  20.00 USD
"""
    + invoice(1, "2026-01-05", "100.00")
    + """
2026-01-20 * "Acme" "Wire" ^INV-9
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  150.00 USD
  Liabilities:UnappliedCash  -150.00 USD
"""
)


def test_a_later_receipt_leaves_alone_what_a_recovering_receipts_credit_paid(
    books: Books,
) -> None:
    # R-1's 30.00 credit pays INV-2 30.00 (Jan 25) in full on Jan 25. R-2
    # 30.00 naming nothing on Feb 10 finds INV-2 paid and waits, January as
    # it was: the credit is parked on R-1's day, once R-1's recovery is
    # decided, inside the matcher's calendar. (Before, it was applied only
    # once cash was matched, a code review on 22 November 2026 found: R-2
    # paid INV-2 first, and January's credit application was gone.)
    january = _RECOVERING + invoice(2, "2026-01-25", "30.00") + BANK_FEE
    february = receipt("2026-02-10", "30.00 USD", "R-2", CUSTOMER)
    alone, both = alone_and_both(books, january, february)
    assert _dated(alone)[-1] == ("2026-01-25", "Customer credit from R-1 applied to INV-2")
    assert balance(alone, CREDITS, "USD") == Decimal("0.00")
    assert _january(both) == _january(alone)
    # R-2's 30.00 waits unapplied: nothing of CUS-1 is open.
    assert applications(both) == applications(alone)
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("-30.00")


def test_worked_example_a_recovering_receipts_credit_pays_on_its_day_and_later_days(
    books: Books,
) -> None:
    # As above, INV-2 billed for 10.00 on Jan 25: R-1 recovers INV-9 20.00
    # and pays it and INV-1 100.00 on Jan 20, parking 150.00 - 100.00 -
    # 20.00 = 30.00 that day; the credit pays INV-2's 10.00 on Jan 25 and
    # holds 20.00 at Jan 31. INV-3 25.00 billed on Feb 5 takes the 20.00
    # that day and stays open 5.00; R-2 5.00 naming nothing on Feb 10 pays
    # it by amount. January is as it was, bad debt 20.00 - 20.00 = 0.00.
    january = _RECOVERING + invoice(2, "2026-01-25", "10.00") + BANK_FEE
    february = invoice(3, "2026-02-05", "25.00") + receipt(
        "2026-02-10", "5.00 USD", "R-2", CUSTOMER
    )
    alone, both = january_kept(books, january, february)
    assert balance(alone, CREDITS, "USD") == Decimal("-20.00")
    assert balance(both, "Expenses:BadDebt", "USD") == Decimal("0.00")
    assert applications(both)[len(applications(alone)) :] == [
        (
            "2026-02-05",
            "Customer credit from R-1 applied to INV-3",
            ["Liabilities:CustomerCredits   20.00 USD", "Assets:AccountsReceivable    -20.00 USD"],
        ),
        (
            "2026-02-10",
            "Cash application INV-3 from R-2",
            ["Liabilities:UnappliedCash   5.00 USD", "Assets:AccountsReceivable  -5.00 USD"],
        ),
    ]
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_receipts_recover_in_date_order_when_one_over_pays_within_the_tolerance(
    books: Books,
) -> None:
    # INV-9 20.00 written off on Jan 10 (as above). R-0 0.50 naming INV-9 on
    # Jan 15 leaves 0.50 over, within the 1.00 tolerance, so it parks
    # nothing, yet it recovers 0.50 first; R-1 150.00 of Jan 20 then
    # recovers 20.00 - 0.50 = 19.50 and parks 150.00 - 100.00 - 19.50 =
    # 30.50, which pays INV-2 30.00 on Jan 25 and holds 0.50. Bad debt
    # 20.00 - 0.50 - 19.50 = 0.00. A February receipt of 30.00 leaves it so.
    r0 = receipt("2026-01-15", "0.50 USD", "R-0", '\n  invoice: "INV-9"')
    january = _RECOVERING + r0 + invoice(2, "2026-01-25", "30.00") + BANK_FEE
    february = receipt("2026-02-10", "30.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    recovered = [
        (date, narration, postings)
        for date, narration, postings in applications(alone)
        if narration.startswith("Recovery")
    ]
    assert [(date, narration, squeezed(postings)) for date, narration, postings in recovered] == [
        (
            "2026-01-15",
            "Recovery of INV-9 written off, from R-0",
            ["Assets:AccountsReceivable 0.50 USD", "Expenses:BadDebt -0.50 USD"],
        ),
        (
            "2026-01-20",
            "Recovery of INV-9 written off, from R-1",
            ["Assets:AccountsReceivable 19.50 USD", "Expenses:BadDebt -19.50 USD"],
        ),
    ]
    assert _dated(alone)[-1] == ("2026-01-25", "Customer credit from R-1 applied to INV-2")
    assert balance(alone, "Expenses:BadDebt", "USD") == Decimal("0.00")
    assert balance(alone, CREDITS, "USD") == Decimal("-0.50")
    assert applications(both) == applications(alone)  # R-2 finds nothing of 30.00 open


def test_a_later_receipt_naming_the_invoice_pays_what_a_credit_left_open(books: Books) -> None:
    # As above, but R-2 brings 100.00 naming INV-1 into unapplied cash on
    # Feb 10. The credit's 30.00 of Jan 8 is known on Feb 10: INV-1 is open
    # 70.00, so R-2 should pay 70.00 and its 30.00 over, beyond the
    # tolerance, be the customer's credit from Feb 10, January as it was.
    # Today R-2 is matched first and pays INV-1's 100.00, so the credit
    # finds nothing open and January's application is gone.
    january = invoice(1, "2026-01-05", "100.00") + _CREDIT_OF_30 + BANK_FEE
    february = receipt("2026-02-10", "100.00 USD", "R-2", CUSTOMER, "Wire INV-1")
    january_kept(books, january, february)


def test_worked_example_a_receipt_of_the_face_amount_pays_what_a_credit_left_open(
    books: Books,
) -> None:
    # As above, but R-2's 100.00 names no invoice: the customer pays INV-1's
    # face amount, ignoring its credit. On Feb 10 INV-1 is open 100.00 -
    # 30.00 = 70.00 and no invoice is open 100.00, but INV-1's face amount,
    # what is open of it plus what the credit paid, is 70.00 + 30.00 =
    # 100.00: R-2 pays INV-1's 70.00 on Feb 10, and its other 100.00 - 70.00
    # = 30.00, beyond the 1.00 tolerance, is the customer's credit again from
    # Feb 10, as a named receipt's over payment is. January is as it was (the
    # credit's 30.00 of Jan 8 stays applied); INV-5 40.00 billed on Feb 20
    # takes R-2's 30.00 that day and is open 40.00 - 30.00 = 10.00.
    # (Before the face-amount step R-2 waited in unapplied cash, INV-1 open
    # 70.00.)
    january = invoice(1, "2026-01-05", "100.00") + _CREDIT_OF_30 + BANK_FEE
    february = receipt("2026-02-10", "100.00 USD", "R-2", CUSTOMER) + invoice(
        5, "2026-02-20", "40.00"
    )
    alone, both = january_kept(books, january, february)
    assert applications(both)[len(applications(alone)) :] == [
        (
            "2026-02-10",
            "Cash application INV-1 from R-2",
            [
                "Liabilities:UnappliedCash    100.00 USD",
                "Assets:AccountsReceivable    -70.00 USD",
                "Liabilities:CustomerCredits  -30.00 USD",
            ],
        ),
        (
            "2026-02-20",
            "Customer credit from R-2 applied to INV-5",
            ["Liabilities:CustomerCredits   30.00 USD", "Assets:AccountsReceivable    -30.00 USD"],
        ),
    ]
    assert _open(both, "INV-1", "2026-01-31") == Decimal("70.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert _open(both, "INV-5", "2026-02-28") == Decimal("10.00")
    # R-1 parks 30.00, applied 30.00; R-2 parks 30.00, applied 30.00.
    assert balance(both, CREDITS, "USD") == Decimal("0.00")
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


def test_a_receipt_of_the_face_amount_parks_what_the_credit_paid_when_nothing_else_is_open(
    books: Books,
) -> None:
    # As above without INV-5: R-2 pays INV-1's 70.00 on Feb 10 and the
    # customer holds its other 30.00: the credits account holds 30.00 + 30.00
    # - 30.00 = 30.00 for the customer at the end of February.
    january = invoice(1, "2026-01-05", "100.00") + _CREDIT_OF_30 + BANK_FEE
    february = receipt("2026-02-10", "100.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert _dated(both)[len(_dated(alone)) :] == [
        ("2026-02-10", "Cash application INV-1 from R-2"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-30.00")


def test_a_receipt_of_an_open_amount_comes_before_one_of_a_face_amount(books: Books) -> None:
    # INV-1 100.00 (Jan 5) is open 70.00 after the credit's 30.00 of Jan 8;
    # INV-3 100.00 (Jan 20) is open 100.00. R-2 100.00 of Feb 10, naming
    # nothing, is INV-3's open amount and INV-1's face amount (70.00 + 30.00):
    # an exact open amount comes first, though INV-1 is older, so R-2 pays
    # INV-3 and INV-1 stays open 70.00. The face amount is tried only for a
    # receipt no invoice is open exactly.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + invoice(3, "2026-01-20", "100.00")
        + BANK_FEE
    )
    february = receipt("2026-02-10", "100.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert _dated(both)[len(_dated(alone)) :] == [
        ("2026-02-10", "Cash application INV-3 from R-2"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("70.00")
    assert _open(both, "INV-3", "2026-02-28") == Decimal("0.00")


def test_a_receipt_of_the_face_amount_of_an_invoice_a_receipt_part_paid_waits(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5); R-1 30.00 naming INV-1 on Jan 8 pays 30.00 of
    # it, a receipt's part payment, not a credit's. R-2 100.00 naming nothing
    # on Feb 10: no invoice is open 100.00, and none is one a customer credit
    # part paid, so R-2 waits in unapplied cash and INV-1 stays open 70.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-08", "30.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
        + BANK_FEE
    )
    february = receipt("2026-02-10", "100.00 USD", "R-2", CUSTOMER)
    alone, both = january_kept(books, january, february)
    assert _dated(both) == _dated(alone)
    assert _open(both, "INV-1", "2026-02-28") == Decimal("70.00")


def test_a_later_receipt_of_what_a_credit_paid_finds_it_paid(books: Books) -> None:
    # The 30.00 credit of Jan 8 pays INV-3 30.00 (Jan 12) in full on Jan 12.
    # R-3 brings 30.00 naming no invoice on Feb 10: INV-3 is open 0.00 from
    # Jan 12, so R-3 should match nothing and wait, January as it was. Today
    # R-3 pays INV-3 by amount, and January's application is gone.
    january = _CREDIT_OF_30 + invoice(3, "2026-01-12", "30.00") + BANK_FEE
    alone, both = alone_and_both(
        books, january, receipt("2026-02-10", "30.00 USD", "R-3", CUSTOMER)
    )
    assert _dated(alone)[-1] == ("2026-01-12", "Customer credit from R-1 applied to INV-3")
    assert _january(both) == _january(alone)


def test_the_days_receipts_are_matched_before_the_credits_of_that_day(books: Books) -> None:
    # INV-1 100.00 (Jan 5). On Jan 8, R-1 80.00 names INV-2 50.00 and parks
    # 80.00 - 50.00 = 30.00, and R-3 brings 100.00 naming nothing. The day's
    # receipts come first: R-3 pays INV-1 by amount, so the credit, applied
    # once they are matched, finds nothing open and holds 30.00. With
    # February's INV-5 40.00 (Feb 2) it pays 30.00 of it that day, and
    # January is as it was.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + receipt("2026-01-08", "100.00 USD", "R-3", CUSTOMER)
        + BANK_FEE
    )
    alone, both = january_kept(books, january, invoice(5, "2026-02-02", "40.00"))
    assert _dated(alone) == [
        ("2026-01-08", "Cash application INV-2 from R-1"),
        ("2026-01-08", "Cash application INV-1 from R-3"),
    ]
    assert balance(alone, CREDITS, "USD") == Decimal("-30.00")
    assert _dated(both)[2:] == [("2026-02-02", "Customer credit from R-1 applied to INV-5")]
    assert _open(both, "INV-5", "2026-02-28") == Decimal("10.00")


# The property: January matches nothing (each invoice is more than all its
# receipts together), and one receipt or credit note arrives on Feb `day`.
# Whatever it makes possible, January is as it was, and every application it
# adds is dated on or after it.

_RECEIPTS = st.lists(st.integers(1, 5_000), min_size=1, max_size=4)
_INVOICES = st.lists(st.integers(1, 20_000), min_size=1, max_size=3)


def _cents(units: int) -> str:
    return f"{Decimal(units) / 100:.2f}"


@settings(max_examples=40, deadline=None)
@given(
    _RECEIPTS,
    _INVOICES,
    st.integers(1, 28),
    st.booleans(),
    st.integers(0, 2),
    st.integers(0, 15),
    st.integers(0, 10_000),
)
def test_a_later_receipt_or_credit_note_never_changes_a_closed_month(
    received: list[int],
    extra: list[int],
    day: int,
    is_receipt: bool,
    which: int,
    subset: int,
    noise: int,
) -> None:
    everything = sum(received)
    billed = [everything + more for more in extra]  # each more than all the receipts
    january = "".join(
        invoice(n, f"2026-01-{n + 1:02d}", _cents(amount)) for n, amount in enumerate(billed, 1)
    )
    january += "".join(
        receipt(f"2026-01-{10 + n:02d}", f"{_cents(amount)} USD", f"R-{n}", CUSTOMER)
        for n, amount in enumerate(received, 1)
    )
    january += BANK_FEE
    # The newcomer completes a match with some January receipts (a subset by
    # the bits of `subset`), or, with `noise`, likely none.
    target = billed[which % len(billed)]
    chosen = sum(amount for n, amount in enumerate(received) if subset >> n & 1)
    amount = max(target - chosen - noise, 1)
    added = datetime.date(2026, 2, day)
    if is_receipt:
        newcomer = receipt(str(added), f"{_cents(amount)} USD", "R-9", CUSTOMER)
    else:
        newcomer = credit_note(9, str(added), _cents(amount), f"INV-{which % len(billed) + 1}")
    with tempfile.TemporaryDirectory() as folder:
        books = Books(Path(folder))
        alone, both = alone_and_both(books, january, newcomer)
    assert applications(alone) == []
    assert _january(both) == _january(alone)
    made = applications(both)
    assert all(datetime.date.fromisoformat(date) >= added for date, _, _ in made)


# The property for credits and credit notes: January's books pay INV-1 and
# INV-2 straight to the receivable (in full or half) and credit them, and
# receipts naming INV-3 over pay it, parking customer credits; one debit (a
# returned payment) to INV-1 or INV-2 arrives on Feb `day`. (Reopening an
# invoice a receipt in unapplied cash paid can change what the receipt pays:
# the matcher's known gap, not this property's.) Whatever it reopens, January is as it was,
# and every credit applied or credit note netted that it adds is dated on
# or after it. Amounts are in steps of 5.00, so nothing is ever left open
# or over paid within the 1.00 tolerance: payment differences are written
# off on their day, a rule of their own (tests/test_ar_write_offs_on_their_day.py).

_STEP = 500  # cents
_JANUARY = st.lists(
    st.tuples(
        st.sampled_from(["paid", "credit-note", "over-payment"]),
        st.integers(4, 30),  # the day in January
        st.integers(1, 2),  # the invoice it pays or credits
        st.integers(1, 20),  # steps: what it credits or over pays
        st.booleans(),  # a payment in full (else of half the invoice)
    ),
    min_size=1,
    max_size=7,
)


@pytest.fixture(scope="module")
def reopened(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return Books(tmp_path_factory.mktemp("reopened"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 20).map(lambda steps: 2 * steps * _STEP), min_size=3, max_size=3),
    _JANUARY,
    st.integers(1, 2),
    st.integers(1, 40).map(lambda steps: steps * _STEP),
    st.integers(1, 28),
)
def test_a_later_debit_never_changes_what_credits_and_credit_notes_applied_before_it(
    reopened: Books,
    billed: list[int],
    events: list[tuple[str, int, int, int, bool]],
    which: int,
    cents: int,
    day: int,
) -> None:
    january = "".join(
        invoice(n, f"2026-01-0{n}", _cents(amount)) for n, amount in enumerate(billed, 1)
    )
    for index, (kind, on, number, steps, in_full) in enumerate(events):
        date, amount = f"2026-01-{on:02d}", steps * _STEP
        if kind == "paid":
            paying = billed[number - 1] // (1 if in_full else 2)
            january += paid(date, _cents(paying), f"BR-{index}", number)
        elif kind == "credit-note":
            january += credit_note(index, date, _cents(amount), f"INV-{number}")
        else:  # a receipt naming INV-3, over paying it by `amount`
            extra = '\n  invoice: "INV-3"' + CUSTOMER
            over = f"{_cents(billed[2] + amount)} USD"
            january += receipt(date, over, f"R-{index}", extra)
    january += BANK_FEE
    added = datetime.date(2026, 2, day)
    alone, _ = load(reopened, january)
    both, _ = load(reopened, january + _returned(str(added), _cents(cents), which))
    assert _january(both) == _january(alone)
    made = [one for one in applications(both) if one not in applications(alone)]
    assert all(datetime.date.fromisoformat(date) >= added for date, _, _ in made)


def test_a_receipt_naming_an_invoice_paid_before_it_waits_for_the_reopening(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is paid by the bank straight to the receivable on
    # Jan 10 (BR-1). R-1 brings 100.00 naming INV-1 on Jan 20: a second
    # payment, so in January it is the customer's credit and INV-1 ages
    # 0.00 at Jan 31. The bank returns BR-1's 100.00 on Feb 3: INV-1 is owed
    # again from then, and R-1 can pay it only from Feb 3. From Jan 20 INV-1
    # is open 0.00 until Feb 3, so R-1 pays nothing of it on Jan 20 and is
    # the customer's credit, as in January alone; the credit pays INV-1's
    # 100.00 on Feb 3. January is as it was (aged 0.00).
    #   Feb 28: INV-1 100.00 - 100.00 + 100.00 - 100.00 = 0.00; credits 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-01-10", "100.00", "BR-1")
        + receipt("2026-01-20", "100.00 USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
        + BANK_FEE
    )
    february = """
2026-02-03 * "Acme" "RETURNED ACH INV-1" ^INV-1
  bank_reference: "RT-1"
  invoice: "INV-1"
  Assets:Bank:Operating  -100.00 USD
  Assets:AccountsReceivable  100.00 USD
"""
    _, both = january_kept(books, january, february)
    assert _aged_at_january_end(books, january + february) == Decimal("0.00")
    assert _dated(both) == [
        ("2026-01-20", "Customer credit from R-1: INV-1 is already paid"),
        ("2026-02-03", "Customer credit from R-1 applied to INV-1"),
    ]
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


@pytest.mark.parametrize(
    ("returned", "received", "credited"),
    [
        # BR-1 100.00 on Jan 10, 40.00 of it returned on Feb 3; R-1 40.00.
        # From Jan 20 INV-1 is open 0.00 until Feb 3, then 40.00: R-1 pays
        # nothing of it on Jan 20 and is the customer's 40.00 credit, as in
        # January alone; the credit pays INV-1's 40.00 on Feb 3.
        #   Feb 28: INV-1 100.00 - 100.00 + 40.00 - 40.00 = 0.00.
        ("40.00", "40.00", "40.00"),
        # BR-1 pays 60.00 on Jan 10 and is returned on Feb 3; R-1 100.00.
        # From Jan 20 INV-1 is open 100.00 - 60.00 = 40.00 until Feb 3, then
        # 100.00: R-1 pays 40.00 of it on Jan 20 and 100.00 - 40.00 = 60.00
        # is the customer's credit, as in January alone; the credit pays
        # the 60.00 reopened on Feb 3.
        #   Feb 28: INV-1 100.00 - 60.00 - 40.00 + 60.00 - 60.00 = 0.00.
        ("60.00", "100.00", "60.00"),
    ],
)
def test_worked_example_a_named_receipt_pays_of_a_reopened_invoice_what_was_open_on_its_day(
    books: Books, returned: str, received: str, credited: str
) -> None:
    # INV-1 100.00 (Jan 5); BR-1 pays it straight to the receivable on
    # Jan 10; R-1 names INV-1 on Jan 20; the bank returns `returned` of BR-1
    # on Feb 3. R-1 pays what INV-1 stays open by from Jan 20 on; the rest
    # is its credit from Jan 20, which pays the reopened part from Feb 3.
    # January is as it was, and ages 0.00 at Jan 31 either way.
    paying = "100.00" if returned == "40.00" else returned
    january = (
        invoice(1, "2026-01-05", "100.00")
        + paid("2026-01-10", paying, "BR-1")
        + receipt("2026-01-20", f"{received} USD", "R-1", '\n  invoice: "INV-1"' + CUSTOMER)
        + BANK_FEE
    )
    february = _returned("2026-02-03", returned)
    alone, both = january_kept(books, january, february)
    assert [one for one in applications(both) if one not in applications(alone)] == [
        (
            "2026-02-03",
            "Customer credit from R-1 applied to INV-1",
            [
                f"Liabilities:CustomerCredits   {credited} USD",
                f"Assets:AccountsReceivable    -{credited} USD",
            ],
        ),
    ]
    assert _aged_at_january_end(books, january) == Decimal("0.00")
    assert _aged_at_january_end(books, january + february) == Decimal("0.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


# The property for named receipts: January's books pay the invoices straight
# to the receivable (in full or half) and by receipts naming one of them
# (more or less than what is open, the rest a customer credit); one debit
# (a returned payment) to INV-1 or INV-2 arrives on Feb `day`. A named
# receipt pays what the invoice stays open by from its day on, so whatever
# the debit reopens, January is as it was, and every application it adds is
# dated on or after it. Amounts are in steps of 5.00, so nothing is ever
# left open or over paid within the 1.00 tolerance.

_NAMED_JANUARY = st.lists(
    st.tuples(
        st.sampled_from(["paid", "named"]),
        st.integers(4, 30),  # the day in January
        st.integers(1, 3),  # the invoice it pays or names
        st.integers(1, 40),  # steps: what a named receipt brings
        st.booleans(),  # a bank payment in full (else of half the invoice)
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 20).map(lambda steps: 2 * steps * _STEP), min_size=3, max_size=3),
    _NAMED_JANUARY,
    st.integers(1, 2),
    st.integers(1, 40).map(lambda steps: steps * _STEP),
    st.integers(1, 28),
)
def test_a_later_debit_never_changes_what_named_receipts_paid_before_it(
    reopened: Books,
    billed: list[int],
    events: list[tuple[str, int, int, int, bool]],
    which: int,
    cents: int,
    day: int,
) -> None:
    january = "".join(
        invoice(n, f"2026-01-0{n}", _cents(amount)) for n, amount in enumerate(billed, 1)
    )
    for index, (kind, on, number, steps, in_full) in enumerate(events):
        date = f"2026-01-{on:02d}"
        if kind == "paid":
            paying = billed[number - 1] // (1 if in_full else 2)
            january += paid(date, _cents(paying), f"BR-{index}", number)
        else:
            extra = f'\n  invoice: "INV-{number}"' + CUSTOMER
            january += receipt(date, f"{_cents(steps * _STEP)} USD", f"R-{index}", extra)
    january += BANK_FEE
    added = datetime.date(2026, 2, day)
    alone, _ = load(reopened, january)
    both, _ = load(reopened, january + _returned(str(added), _cents(cents), which))
    assert _january(both) == _january(alone)
    made = [one for one in applications(both) if one not in applications(alone)]
    assert all(datetime.date.fromisoformat(date) >= added for date, _, _ in made)


def _refunded(date: str, amount: str) -> str:
    """A refund paid to the customer against INV-1: a debit of its receivable."""
    return f"""
{date} * "Acme" "REFUND INV-1" ^INV-1
  bank_reference: "RF-{date}"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  -{amount} USD
  Assets:AccountsReceivable  {amount} USD
"""


@pytest.mark.parametrize(
    ("debit", "left"),
    [
        # A 10.00 refund against INV-1 on Feb 15: from Jan 20 INV-1 is open
        # 100.00 until Feb 15, then 110.00.
        #   Feb 28: INV-1 100.00 - 100.00 + 10.00 = 10.00 open.
        (_refunded("2026-02-15", "10.00"), "10.00"),
        # The bank returns a 100.00 item against INV-1 on Feb 15: from Jan 20
        # INV-1 is open 100.00 until Feb 15, then 200.00.
        #   Feb 28: INV-1 100.00 - 100.00 + 100.00 = 100.00 open.
        (_returned("2026-02-15", "100.00"), "100.00"),
    ],
)
def test_worked_example_a_later_debit_leaves_the_amount_match_it_follows_alone(
    books: Books, debit: str, left: str
) -> None:
    # INV-1 100.00 is billed on Jan 5; R-1 brings 100.00 on Jan 20 naming
    # only the customer. On Jan 20 INV-1 is open exactly 100.00 and stays
    # open at least that through the end of the books (the debit of Feb 15
    # only raises it), so R-1 pays it by amount on Jan 20: January ages 0.00
    # with nothing unapplied, with or without the debit. The debit is what
    # is open of INV-1 afterwards, and nothing is unapplied at Feb 28.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER)
        + BANK_FEE
    )
    alone, both = january_kept(books, january, debit)
    made = [
        (
            "2026-01-20",
            "Cash application INV-1 from R-1",
            ["Liabilities:UnappliedCash   100.00 USD", "Assets:AccountsReceivable  -100.00 USD"],
        )
    ]
    assert applications(alone) == made
    assert applications(both) == made
    assert _aged_at_january_end(books, january + debit) == Decimal("0.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal(left)
    assert balance(both, "Liabilities:UnappliedCash", "USD") == Decimal("0.00")


# The property for receipts matched by amount: January's books bill three
# invoices of one customer and bring receipts naming only the customer: each
# exactly one invoice, two invoices together, or half of one (two halves pay
# it as several receipts). One debit (a refund or a returned payment naming
# it) to INV-1 or INV-2 arrives on Feb `day`. The matches compare what each
# invoice stays open by from their day on, which a later debit only raises,
# so January is as it was, and every application it adds is dated on or
# after it. Amounts are in steps of 5.00 (halves too), away from the 1.00
# tolerance.

_AMOUNT_JANUARY = st.lists(
    st.tuples(
        st.sampled_from(["exact", "combined", "half"]),
        st.integers(4, 30),  # the day in January
        st.integers(1, 3),  # the invoice it pays
        st.integers(1, 3),  # the other invoice, for a combined receipt
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 20).map(lambda steps: 2 * steps * _STEP), min_size=3, max_size=3),
    _AMOUNT_JANUARY,
    st.integers(1, 2),
    st.integers(1, 40).map(lambda steps: steps * _STEP),
    st.integers(1, 28),
    st.booleans(),
)
@example(  # R-0 pays INV-1 10.00 and R-1 INV-3 90.00 on Jan 4; a return of 90.00 to INV-1 on
    # Feb 1 makes INV-1 open 90.00 after R-0, but only from Feb 1: R-1 still pays INV-3
    billed=[1000, 18000, 9000],
    events=[("exact", 4, 1, 1), ("half", 4, 2, 1)],
    which=1,
    cents=9000,
    day=1,
    refund=False,
)
def test_a_later_debit_never_changes_what_receipts_paid_by_amount_before_it(
    reopened: Books,
    billed: list[int],
    events: list[tuple[str, int, int, int]],
    which: int,
    cents: int,
    day: int,
    refund: bool,
) -> None:
    january = "".join(
        invoice(n, f"2026-01-0{n}", _cents(amount)) for n, amount in enumerate(billed, 1)
    )
    for index, (kind, on, number, other) in enumerate(events):
        amount = billed[number - 1]
        if kind == "combined" and other != number:
            amount += billed[other - 1]
        elif kind == "half":
            amount //= 2
        date = f"2026-01-{on:02d}"
        january += receipt(date, f"{_cents(amount)} USD", f"R-{index}", CUSTOMER)
    january += BANK_FEE
    added = datetime.date(2026, 2, day)
    debit = _returned(str(added), _cents(cents), which)
    if refund:
        debit = debit.replace("RETURNED ACH", "REFUND")
    alone, _ = load(reopened, january)
    both, _ = load(reopened, january + debit)
    assert _january(both) == _january(alone)
    made = [one for one in applications(both) if one not in applications(alone)]
    assert all(datetime.date.fromisoformat(date) >= added for date, _, _ in made)


# A receipt's words name an invoice only from the invoice's day on (review rev46).
#
# On the receipt's day the books may not hold the invoice its text quotes
# yet; what they made of that day stays when the invoice is typed later.
# R-1 100.00 "Wire INV-3" on Jan 20 quotes an invoice billed only on Feb 2.


def test_a_word_naming_a_later_invoice_leaves_januarys_match_by_amount_alone(
    books: Books,
) -> None:
    # January: INV-1 100.00 (Jan 5); R-1 100.00 "Wire INV-3" (Jan 20) names no
    # invoice of January, so it pays INV-1 by exact amount and customer on
    # Jan 20: INV-1 open 100.00 - 100.00 = 0.00, R-1 unapplied 0.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER, "Wire INV-3")
        + BANK_FEE
    )
    # February: INV-3 100.00 billed Feb 2. R-1 was used up on Jan 20, so it
    # pays nothing of INV-3, which stays open 100.00.
    february = invoice(3, "2026-02-02", "100.00")
    alone, both = january_kept(books, january, february)
    # Before: once INV-3 was typed, R-1 named it from Jan 20 on and paid it
    # on Feb 2; Jan 20's application to INV-1 was gone and INV-1 open again.
    assert _dated(alone) == _dated(both) == [("2026-01-20", "Cash application INV-1 from R-1")]
    assert _open(both, "INV-3", "2026-02-28") == Decimal("100.00")
    assert _aged_at_january_end(books, january + february) == Decimal("0.00")


def test_a_receipt_naming_invoices_of_its_day_and_a_later_one_keeps_its_credit(
    books: Books,
) -> None:
    # INV-1 400.00 (Jan 3) and INV-2 100.00 (Jan 4); R-1 100.00 "Wire INV-2"
    # pays INV-2 on Jan 10. R-2 700.00 "Wire INV-1 INV-2 INV-3" on Jan 27
    # names INV-1 and INV-2 of January (INV-3 is not billed yet): it pays
    # INV-1 400.00 (INV-2 is paid), and 700.00 - 400.00 = 300.00, beyond the
    # 1.00 tolerance, is the customer's credit from Jan 27.
    january = (
        invoice(1, "2026-01-03", "400.00")
        + invoice(2, "2026-01-04", "100.00")
        + receipt("2026-01-10", "100.00 USD", "R-1", CUSTOMER, "Wire INV-2")
        + receipt("2026-01-27", "700.00 USD", "R-2", CUSTOMER, "Wire INV-1 INV-2 INV-3")
        + BANK_FEE
    )
    # February: INV-3 300.00 billed Feb 2; the 300.00 credit pays it that day
    # (credits pay the customer's invoices billed on their day):
    # 300.00 - 300.00 = 0.00 open, and January as it was.
    february = invoice(3, "2026-02-02", "300.00")
    alone, both = january_kept(books, january, february)
    january_applications = [
        ("2026-01-10", "Cash application INV-2 from R-1"),
        ("2026-01-27", "Cash application INV-1 from R-2"),
    ]
    # Before: R-2 named INV-3 from Jan 27 on and paid INV-1 400.00 and INV-3
    # 300.00 on Feb 2; January's application and its 300.00 credit were gone.
    assert _dated(alone) == january_applications
    assert _dated(both) == [
        *january_applications,
        ("2026-02-02", "Customer credit from R-2 applied to INV-3"),
    ]
    assert balance(alone, CREDITS, "USD") == Decimal("-300.00")
    assert _open(both, "INV-3", "2026-02-28") == Decimal("0.00")
    # Credits at Feb 28: 300.00 parked - 300.00 paid to INV-3 = 0.00.
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


def test_a_sealed_month_holds_when_the_invoice_a_receipt_quoted_is_billed_later(
    books: Books,
) -> None:
    # The first test's books closed as the team closes them: January sealed
    # with `revclose seal` (books with the close controls), then February's
    # INV-3 typed. R-1 paid INV-1 by amount on Jan 20, and the books load as
    # bean-check loads them with no error: the seal holds.
    books.write("ar.yaml", POLICY)
    books.write("close.yaml", "hygiene: false\nsealed: {}\n")
    sealed = HEADER + 'plugin "plugins.close_controls" "close.yaml"\n'
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER, "Wire INV-3")
        + BANK_FEE
    )
    path = books.write("main.beancount", sealed + january)
    assert cli.main(["seal", str(path), "--month", "2026-01"]) == 0
    books.write("main.beancount", sealed + january + invoice(3, "2026-02-02", "100.00"))
    entries, errors, _ = loader.load_file(str(path))
    # Before: `Closed month 2026-01 has changed: sealed entry 2026-01-20 * "Acme"
    # "Cash application INV-1 from R-1" is missing`, at the seal in close.yaml.
    assert [error.message for error in errors] == []
    assert _dated(entries) == [("2026-01-20", "Cash application INV-1 from R-1")]


@pytest.mark.parametrize(
    ("payee", "extra"),
    [("Acme", CUSTOMER), ("Zeta Wire Desk", "")],
    ids=["its-customer", "no-customer"],
)
def test_worked_example_a_waiting_receipt_pays_the_later_invoice_it_names_on_its_day(
    books: Books, payee: str, extra: str
) -> None:
    # INV-1 100.00 (Jan 5) is open; R-1 250.00 "Wire INV-4" on Jan 20 names no
    # invoice of January and no open amount is 250.00: it waits in unapplied
    # cash, and January ages INV-1's 100.00. On Feb 3 INV-3 and INV-4, 250.00
    # each, are billed: R-1 pays INV-4 by name that day (the customer's word
    # before any guess: by amount it would pay the first by id, INV-3), and
    # INV-3 stays open 250.00. Whether R-1 names its customer or comes from a
    # payee billed nothing ("Zeta Wire Desk": no customer), the same.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "250.00 USD", "R-1", extra, "Wire INV-4", payee)
        + BANK_FEE
    )
    february = invoice(3, "2026-02-03", "250.00") + invoice(4, "2026-02-03", "250.00")
    alone, both = january_kept(books, january, february)
    assert _dated(alone) == []
    assert balance(alone, UNAPPLIED, "USD") == Decimal("-250.00")
    assert [
        (date, narration, entry_kind)
        for (date, narration), entry_kind in zip(_dated(both), _kinds(both), strict=True)
    ] == [("2026-02-03", "Cash application INV-4 from R-1", "named")]
    # Open at Feb 28: INV-1 100.00, INV-3 250.00, INV-4 250.00 - 250.00 = 0.00.
    assert _open(both, "INV-4", "2026-02-28") == Decimal("0.00")
    assert _open(both, "INV-3", "2026-02-28") == Decimal("250.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")
    assert _aged_at_january_end(books, january + february) == Decimal("100.00")


def test_worked_example_a_waiting_receipt_pays_each_later_invoice_it_names_on_that_invoices_day(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5) is open; R-1 300.00 "Wire INV-4 INV-5" on Jan 20
    # names two invoices billed later, INV-4 100.00 on Feb 3 and INV-5 200.00
    # on Feb 10: it waits. On Feb 3 it pays by name only what is billed by then,
    # INV-4 100.00, never INV-5 a week before it exists: 300.00 - 100.00 =
    # 200.00 is over paid, parked as CUS-1's credit that day, and the credit
    # pays the customer's open invoice, INV-1 100.00, the same day: 200.00 -
    # 100.00 = 100.00 left. On Feb 10 INV-5 is billed and the credit pays
    # 100.00 of it: INV-5 open 200.00 - 100.00 = 100.00.
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "300.00 USD", "R-1", CUSTOMER, "Wire INV-4 INV-5")
        + BANK_FEE
    )
    february = invoice(4, "2026-02-03", "100.00") + invoice(5, "2026-02-10", "200.00")
    _, both = january_kept(books, january, february)
    assert _dated(both) == [
        ("2026-02-03", "Cash application INV-4 from R-1"),
        ("2026-02-03", "Customer credit from R-1 applied to INV-1"),
        ("2026-02-10", "Customer credit from R-1 applied to INV-5"),
    ]
    assert _open(both, "INV-5", "2026-02-09") == Decimal("0.00")  # nothing before its day
    assert _open(both, "INV-5", "2026-02-28") == Decimal("100.00")
    assert _open(both, "INV-4", "2026-02-28") == Decimal("0.00")
    assert _open(both, "INV-1", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("0.00")


# Which invoices a word names is decided on the receipt's day (review rev49):
# among the ids and other ids (`stripe_invoice`) of the invoices billed by
# then, so an invoice typed later in another case, or carrying an other id
# in another case, takes back nothing a January receipt named.


def _aliased(number: int, day: str, amount: str, other: str) -> str:
    """An invoice of CUS-1 as the billing importer books it: Stripe's id beside its number."""
    return invoice(number, day, amount).replace(
        f'  invoice: "INV-{number}"\n', f'  invoice: "INV-{number}"\n  stripe_invoice: "{other}"\n'
    )


@pytest.mark.parametrize(
    ("other", "february"),
    [
        # INV-3's own id is "inv-3" in another case.
        ("inv-3", invoice(3, "2026-02-02", "100.00")),
        # INV-3's other id "IN_a" is "in_a" in another case.
        ("in_a", _aliased(3, "2026-02-02", "100.00", "IN_a")),
    ],
    ids=["later-own-id", "later-other-id-in-another-case"],
)
def test_a_later_invoice_leaves_the_other_id_a_january_receipt_named_alone(
    books: Books, other: str, february: str
) -> None:
    # January: INV-1 100.00 (Jan 4, the older) and INV-2 100.00 (Jan 5, Stripe
    # id `other`), both of CUS-1. R-1 100.00 on Jan 20 quotes INV-2's Stripe
    # id in upper case (words are read in any case): it names INV-2 and pays
    # it 100.00 by name on Jan 20 (by amount it would pay the older INV-1).
    # INV-1 stays open 100.00; INV-2 100.00 - 100.00 = 0.00.
    january = (
        invoice(1, "2026-01-04", "100.00")
        + _aliased(2, "2026-01-05", "100.00", other)
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER, f"Subscription {other.upper()}")
        + BANK_FEE
    )
    alone, both = alone_and_both(books, january, february)
    assert _dated(alone) == [("2026-01-20", "Cash application INV-2 from R-1")]
    # February: INV-3 100.00 billed Feb 2, after Jan 20, so Jan 20 is as it
    # was: R-1 paid INV-2 and INV-1 is open 100.00 at Jan 31. (Before: the
    # other id was dropped, or clashed, over the whole books: R-1's word named
    # INV-3 later, or nothing, and R-1 paid INV-1 by amount on Jan 20.)
    assert _dated(both) == [("2026-01-20", "Cash application INV-2 from R-1")]
    assert _open(both, "INV-1", "2026-01-31") == Decimal("100.00")
    assert _january(both) == _january(alone)


def test_an_id_typed_later_in_another_case_leaves_januarys_named_receipt_alone(
    books: Books,
) -> None:
    # January: INV-1 100.00 (Jan 4) and INV-2 100.00 (Jan 5); R-1 100.00
    # "Wire Inv-2" on Jan 20 names INV-2 in another case and pays it 100.00
    # by name (by amount it would pay the older INV-1).
    january = (
        invoice(1, "2026-01-04", "100.00")
        + invoice(2, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER, "Wire Inv-2")
        + BANK_FEE
    )
    # February: invoice "inv-2" 100.00 billed Feb 2, after R-1: Jan 20 is as
    # it was, R-1 paid INV-2 and INV-1 is open 100.00. (Before: "Inv-2" then
    # named neither INV-2 nor inv-2, and R-1 paid INV-1 by amount on Jan 20.)
    february = invoice(2, "2026-02-02", "100.00").replace("INV-2", "inv-2")
    alone, both = alone_and_both(books, january, february)
    assert _dated(alone) == [("2026-01-20", "Cash application INV-2 from R-1")]
    assert _dated(both) == [("2026-01-20", "Cash application INV-2 from R-1")]
    assert _open(both, "INV-1", "2026-01-31") == Decimal("100.00")
    assert _january(both) == _january(alone)


def test_an_id_billed_later_leaves_the_parts_a_january_word_named_alone(books: Books) -> None:
    # January: INV-5 100.00 (Jan 3), INV-1 40.00 (Jan 4) and INV-10 60.00
    # (Jan 5), all CUS-1's. R-1 100.00 "Wire INV-1/INV-10" (Jan 20): the word
    # is no id of January, so it is read in its parts and R-1 pays INV-1
    # 40.00 and INV-10 60.00 by name (40.00 + 60.00 = 100.00); INV-5 stays
    # open 100.00 (by amount R-1 would pay it).
    january = (
        invoice(5, "2026-01-03", "100.00")
        + invoice(1, "2026-01-04", "40.00")
        + invoice(10, "2026-01-05", "60.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", CUSTOMER, "Wire INV-1/INV-10")
        + BANK_FEE
    )
    # February: an invoice whose id is "INV-1/INV-10", 100.00, billed Feb 2:
    # Jan 20 is as it was. (Before: the whole word named the February
    # invoice, R-1 named nothing of its day and paid INV-5 by amount.)
    february = invoice(1, "2026-02-02", "100.00").replace("INV-1", "INV-1/INV-10")
    paid = [
        ("2026-01-20", "Cash application INV-1 from R-1"),
        ("2026-01-20", "Cash application INV-10 from R-1"),
    ]
    alone, both = alone_and_both(books, january, february)
    assert _dated(alone) == paid
    assert _dated(both) == paid
    assert _open(both, "INV-5", "2026-01-31") == Decimal("100.00")
    assert _january(both) == _january(alone)


# Pin (held in review rev49): `invoice` metadata naming an invoice billed
# later. January alone shows the error (the invoice does not exist) and
# leaves R-1 unapplied; once INV-3 is typed R-1 pays it on its billing day,
# Feb 2, so January's entries are the same either way (only the error goes).
def test_metadata_naming_a_later_invoice_errs_in_january_and_pays_on_its_day(
    books: Books,
) -> None:
    january = (
        invoice(1, "2026-01-05", "100.00")
        + receipt("2026-01-20", "100.00 USD", "R-1", '\n  invoice: "INV-3"' + CUSTOMER)
        + BANK_FEE
    )
    february = invoice(3, "2026-02-02", "100.00")
    alone, errors = load(books, january)
    assert [error.message for error in errors] == [
        "Receipt 'R-1' applies cash to invoice 'INV-3', which does not exist;"
        " expected the id of an invoice in the receivable"
    ]
    # R-1 left alone: unapplied -100.00; INV-1 open 100.00 (not paid by amount).
    assert balance(alone, UNAPPLIED, "USD") == Decimal("-100.00")
    assert _dated(alone) == []
    both, errors = load(books, january + february)
    assert errors == []
    # R-1 pays INV-3 on Feb 2: INV-3 100.00 - 100.00 = 0.00; unapplied 0.00.
    assert _dated(both) == [("2026-02-02", "Cash application INV-3 from R-1")]
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")
    assert _january(both) == _january(alone)


# Pin (held in review rev49): two receipts waiting and naming one later
# invoice pay it on its day as two receipts of that day naming it would.
def test_two_waiting_receipts_naming_one_later_invoice_pay_it_on_its_day(
    books: Books,
) -> None:
    # January: INV-1 10.00 (Jan 5); R-1 60.00 (Jan 20) and R-2 60.00 (Jan
    # 21) both "Wire INV-3": no open amount is 60.00, 60.00 + 60.00 = 120.00
    # is not 10.00, so both wait: unapplied -120.00.
    january = (
        invoice(1, "2026-01-05", "10.00")
        + receipt("2026-01-20", "60.00 USD", "R-1", CUSTOMER, "Wire INV-3")
        + receipt("2026-01-21", "60.00 USD", "R-2", CUSTOMER, "Wire INV-3")
        + BANK_FEE
    )
    # February: INV-3 100.00 (Feb 2). R-1 (older) pays 60.00, R-2 the other
    # 100.00 - 60.00 = 40.00; R-2's 60.00 - 40.00 = 20.00, beyond the 1.00
    # tolerance, is the customer's credit, which pays INV-1 10.00 that day:
    # credits 20.00 - 10.00 = 10.00; unapplied 0.00.
    february = invoice(3, "2026-02-02", "100.00")
    alone, both = january_kept(books, january, february)
    assert balance(alone, UNAPPLIED, "USD") == Decimal("-120.00")
    assert _dated(both) == [
        ("2026-02-02", "Cash application INV-3 from R-1"),
        ("2026-02-02", "Cash application INV-3 from R-2"),
        ("2026-02-02", "Customer credit from R-2 applied to INV-1"),
    ]
    assert _open(both, "INV-3", "2026-02-28") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-10.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")


def _kinds(entries: list[data.Directive]) -> list[str]:
    """The `revclose_kind` of each cash application, in the order of `applications`."""
    return [
        str(entry.meta["revclose_kind"])
        for entry in generated(entries)
        if "cash-application" in entry.tags
    ]


# --- what is posted to an invoice before it is billed (review rev47) -------------


def _made(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """(date, narration, postings squeezed) of each generated cash application."""
    return [(date, text, squeezed(lines)) for date, text, lines in applications(entries)]


def test_a_later_payment_straight_to_a_prepaid_invoice_leaves_january_alone(
    books: Books,
) -> None:
    # January: BR-1 100.00 posted straight to INV-1 on Jan 3, before INV-1
    # 100.00 is billed on Jan 22. Until Jan 22 it is a credit the customer
    # holds on INV-1 (README, "Receivables reports": INV-1 open -100.00);
    # from Jan 22 INV-1 is 100.00 - 100.00 = 0.00 open. Nothing to make:
    # January alone has no generated entry.
    january = paid("2026-01-03", "100.00", "BR-1") + invoice(1, "2026-01-22", "100.00") + BANK_FEE
    # February: BR-2 5.00 straight to INV-1 on Feb 10 finds it paid: 0.00 -
    # 5.00 = -5.00, beyond the 1.00 tolerance, moved to customer credits that
    # day (AR +5.00, credits -5.00). January is closed and stays as it was.
    february = paid("2026-02-10", "5.00", "BR-2")
    alone, errors = load(books, january)
    assert errors == []
    assert _made(alone) == []
    both, errors = load(books, january + february)
    assert errors == []
    # (Before, February's receipt made two more entries dated in January:
    # BR-1's 100.00 "moved to customer credit" on Jan 3 and "taken back" on
    # Jan 22, as if BR-1 over paid an invoice the books did not hold yet.)
    assert _made(both) == [
        (
            "2026-02-10",
            "Over payment of INV-1 from BR-2 moved to customer credit",
            ["Assets:AccountsReceivable 5.00 USD", "Liabilities:CustomerCredits -5.00 USD"],
        )
    ]
    assert _january(both) == _january(alone)


def test_a_prepayment_beyond_the_invoice_is_moved_to_credits_on_the_invoices_day(
    books: Books,
) -> None:
    # BR-1 150.00 straight to INV-1 on Jan 3, INV-1 100.00 billed on Jan
    # 22: until Jan 22 the 150.00 is the customer's credit on INV-1 (open
    # -150.00). Billed, INV-1 is 100.00 - 150.00 = -50.00, beyond the 1.00
    # tolerance: 50.00 is moved to customer credits on Jan 22, at BR-1's
    # line (AR +50.00, credits -50.00).
    text = paid("2026-01-03", "150.00", "BR-1") + invoice(1, "2026-01-22", "100.00") + BANK_FEE
    entries, errors = load(books, text)
    assert errors == []
    # (Before, 150.00 was moved on Jan 3 and 100.00 taken back on Jan 22.)
    assert _made(entries) == [
        (
            "2026-01-22",
            "Over payment of INV-1 from BR-1 moved to customer credit",
            ["Assets:AccountsReceivable 50.00 USD", "Liabilities:CustomerCredits -50.00 USD"],
        )
    ]
    assert balance(entries, CREDITS, "USD") == Decimal("-50.00")


def test_a_prepayment_within_the_tolerance_is_written_off_on_the_invoices_day(
    books: Books,
) -> None:
    # BR-1 100.30 straight to INV-1 on Jan 3, INV-1 100.00 billed on Jan 22:
    # billed, INV-1 is 100.00 - 100.30 = -0.30, within the 1.00 tolerance,
    # written off on Jan 22 at BR-1's line (a credit of 0.30 to the
    # write-off account); nothing is the customer's credit.
    text = paid("2026-01-03", "100.30", "BR-1") + invoice(1, "2026-01-22", "100.00") + BANK_FEE
    entries, errors = load(books, text)
    assert errors == []
    # (Before, 100.30 was moved to credits on Jan 3 and 100.00 taken back on
    # Jan 22, leaving the customer a credit of 0.30.)
    assert _made(entries) == [
        (
            "2026-01-22",
            "Payment difference of INV-1 from BR-1 written off",
            ["Expenses:PaymentDifferences -0.30 USD", "Assets:AccountsReceivable 0.30 USD"],
        )
    ]
    assert balance(entries, CREDITS, "USD") == Decimal("0.00")


def test_a_payment_straight_to_an_invoice_not_yet_billed_bills_no_one_under_its_payee(
    books: Books,
) -> None:
    # INV-2 10.00 billed to CUS-1 as "Acme" on Jan 3; BR-1 10.00 from "Acme"
    # posted straight to INV-1 that day, before INV-1 is billed (Feb 1);
    # R-0 10.00 from "Acme" names no one. Through January "Acme" is billed
    # to CUS-1 alone (BR-1 bills no one), so R-0 is CUS-1's and pays INV-2
    # by amount on Jan 3 (10.00 open, 10.00 received), with or without
    # February.
    january = (
        invoice(2, "2026-01-03", "10.00")
        + paid("2026-01-03", "10.00", "BR-1")
        + receipt("2026-01-03", "10.00 USD", "R-0")
        + BANK_FEE
    )
    alone, errors = load(books, january)
    assert errors == []
    assert _made(alone) == [
        (
            "2026-01-03",
            "Cash application INV-2 from R-0",
            ["Liabilities:UnappliedCash 10.00 USD", "Assets:AccountsReceivable -10.00 USD"],
        )
    ]
    # (Before, January alone read BR-1's item as billed to no customer under
    # "Acme" (two customers: R-0 nobody's, waiting), and February's INV-1
    # made R-0 pay INV-2 in January.)
    both, errors = load(books, january + invoice(1, "2026-02-01", "10.00"))
    assert errors == []
    assert _january(both) == _january(alone)


_PREPAID_IN_EUR = """
2026-01-01 price EUR 1.20 USD
2026-01-31 price EUR 1.25 USD
2026-02-01 price EUR 1.10 USD

2026-01-03 * "Acme" "Wire BR-1" ^INV-1
  bank_reference: "BR-1"
  invoice: "INV-1"
  Assets:Bank:Operating  120.00 USD
  Assets:AccountsReceivable  -100.00 EUR @ 1.20 USD
"""
_BILLED_IN_FEBRUARY = """
2026-02-12 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-03-14
  Assets:AccountsReceivable  100.00 EUR @ 1.10 USD
  Income:Revenue:Services  -110.00 USD
"""


def test_an_invoice_billed_in_february_leaves_januarys_remeasured_prepayment_alone(
    books: Books,
) -> None:
    # January: BR-1 100.00 EUR at 1.20 (120.00 USD) posted straight to INV-1
    # on Jan 3; INV-1 is not billed yet, so it is -100.00 EUR carried at
    # -120.00 USD, and Jan 31 (EUR 1.25) remeasures it: -100.00 x 1.25 =
    # -125.00, -125.00 - (-120.00) = -5.00 USD to the remeasurement account,
    # reversed on Feb 1. That is what January alone makes.
    january = _PREPAID_IN_EUR + BANK_FEE
    alone, errors = load(books, january)
    assert errors == []
    assert [(str(e.date), e.narration) for e in generated(alone)] == [
        ("2026-01-31", "FX remeasurement INV-1 at 1.25 USD"),
        ("2026-02-01", "Reversal of FX remeasurement INV-1 of 2026-01-31"),
    ]
    # February: INV-1 100.00 EUR billed on Feb 12 at 1.10 (110.00 USD). The
    # prepayment settles it that day: 100.00 x (1.20 - 1.10) = 10.00 USD of
    # realized gain (a credit to the realized account), dated Feb 12: the
    # rate 1.10 is not known before. January, closed, keeps its
    # remeasurement.
    both, errors = load(books, january + _BILLED_IN_FEBRUARY)
    assert errors == []
    # (Before, January's remeasurement and its reversal were gone, and the
    # -10.00 USD realized was dated Jan 3, in closed January.)
    realized = [
        (str(entry.date), str(posting.units))
        for entry in generated(both)
        for posting in entry.postings
        if posting.account == REALIZED
    ]
    assert realized == [("2026-02-12", "-10.00 USD")]
    assert _january(both) == _january(alone)


# --- what is typed to an invoice before it is billed is not its document (review rev50) ---


def _aged_rows_at_january_end(books: Books, name: str, text: str) -> list[list[Any]]:
    """The rows of the AR aging as of January 31, as the report shows them."""
    books.write("ar.yaml", POLICY)
    path = books.write(name, HEADER + text)
    table = receivables_report.aging(loaded_books.load(str(path)), JANUARY_END)
    return [list(row) for row in table.rows]


def test_a_refund_typed_to_an_invoice_not_yet_billed_is_no_invoice_in_january(
    books: Books,
) -> None:
    # INV-2 100.00 billed to CUS-1 ("Acme") on Jan 5. On Jan 10 a refund of
    # 100.00 is typed to INV-1 by hand (a debit to the receivable against the
    # bank, no receipt id): cash, not a document, and INV-1 is billed only
    # on Feb 1. R-1 100.00 from "Acme" on Jan 12 names nothing. Through
    # January the one invoice open is INV-2 100.00, and R-1 100.00 pays it
    # by amount on Jan 12 (100.00 - 100.00 = 0.00 open), with or without
    # February.
    january = (
        invoice(2, "2026-01-05", "100.00")
        + paid_back("2026-01-10", "100.00")
        + receipt("2026-01-12", "100.00 USD", "R-1")
        + BANK_FEE
    )
    alone, both = january_kept(books, january, invoice(1, "2026-02-01", "100.00"))
    r_1_pays_inv_2 = [
        (
            "2026-01-12",
            "Cash application INV-2 from R-1",
            ["Liabilities:UnappliedCash 100.00 USD", "Assets:AccountsReceivable -100.00 USD"],
        )
    ]
    # (Before, January alone made nothing: the refund was read as INV-1's
    # document, an invoice of 100.00, so R-1 waited.)
    assert _made(alone) == r_1_pays_inv_2
    assert _made(both) == r_1_pays_inv_2


@pytest.mark.xfail(
    strict=True,
    reason="Known gap (README, 'Before its document's day'): a credit typed by hand against"
    " an expense to an invoice not yet billed is still read as its document",
)
def test_a_goodwill_credit_typed_to_an_invoice_not_yet_billed_bills_no_one_in_january(
    books: Books,
) -> None:
    # INV-2 100.00 billed to CUS-1 ("Acme") on Jan 5; a goodwill credit of
    # 2.50 typed by hand to INV-1 under "Acme" on Jan 10 (receivable against
    # Expenses:Goodwill), INV-1 billed on Feb 1; R-1 100.00 from "Acme" on
    # Jan 12 names nothing. Through January "Acme" is CUS-1 alone, and R-1
    # pays INV-2 by amount on Jan 12 (100.00 open, 100.00 received), with or
    # without February. Found (review rev50): January alone makes nothing,
    # the credit read as INV-1's document (a credit note billed under "Acme"
    # with no customer, so "Acme" names two and R-1 is nobody's). Inside the
    # item it looks like a credit note typed without `credits` (against
    # Income): only the account's root tells them apart, which the subledger
    # is not given.
    goodwill_to_inv_1 = """
2026-01-01 open Expenses:Goodwill
2026-01-10 * "Acme" "Goodwill credit" ^INV-1
  invoice: "INV-1"
  Expenses:Goodwill  2.50 USD
  Assets:AccountsReceivable  -2.50 USD
"""
    january = (
        invoice(2, "2026-01-05", "100.00")
        + goodwill_to_inv_1
        + receipt("2026-01-12", "100.00 USD", "R-1")
        + BANK_FEE
    )
    alone, both = alone_and_both(books, january, invoice(1, "2026-02-01", "100.00"))
    assert [text for _, text, _ in _made(alone)] == ["Cash application INV-2 from R-1"]
    assert _january(both) == _january(alone)


def _bank_refund(number: int, reference: str) -> str:
    """A refund of 10.00 the bank import posts to INV-<number> on Jan 3, with a receipt id."""
    return f"""
2026-01-03 * "Acme" "Refund INV-{number}" ^INV-{number}
  bank_reference: "{reference}"
  invoice: "INV-{number}"
  customer: "CUS-1"
  Assets:Bank:Operating  -10.00 USD
  Assets:AccountsReceivable  10.00 USD
"""


def test_a_bank_refund_to_an_invoice_not_yet_billed_is_no_invoice_to_match(
    books: Books,
) -> None:
    # INV-3 10.00 billed to CUS-1 on Jan 3; a bank refund RT-2 of 10.00
    # posted to INV-2 that day (INV-2 billed on Feb 1); R-1 10.00 from
    # "Acme" that day names nothing. Through January INV-2 is only the
    # refund (open +10.00), cash, never an invoice: the one invoice open is
    # INV-3, 10.00, and R-1 10.00 pays it by amount on Jan 3 (10.00 - 10.00
    # = 0.00 open), with or without February.
    january = (
        invoice(3, "2026-01-03", "10.00")
        + _bank_refund(2, "RT-2")
        + receipt("2026-01-03", "10.00 USD", "R-1")
        + BANK_FEE
    )
    alone, both = january_kept(books, january, invoice(2, "2026-02-01", "10.00"))
    r_1_pays_inv_3 = (
        "2026-01-03",
        "Cash application INV-3 from R-1",
        ["Liabilities:UnappliedCash 10.00 USD", "Assets:AccountsReceivable -10.00 USD"],
    )
    # (Before, January alone made "Cash application INV-2 from R-1": the
    # refund was matched as an invoice of 10.00.)
    assert _made(alone) == [r_1_pays_inv_3]
    assert _made(both) == [r_1_pays_inv_3]


def test_no_credit_note_nets_to_an_invoice_not_yet_billed(books: Books) -> None:
    # CN-0 10.00 credits INV-1 on Jan 3; a bank refund RT-3 of 10.00 is
    # posted to INV-1 that day; INV-1 10.00 is billed on Feb 1. The books
    # through January hold no invoice INV-1 (only the refund, +10.00), so
    # no credit note nets to it: January makes nothing (CN-0 open -10.00),
    # with or without February.
    january = credit_note(0, "2026-01-03", "10.00", "INV-1") + _bank_refund(1, "RT-3") + BANK_FEE
    alone, _ = january_kept(books, january, invoice(1, "2026-02-01", "10.00"))
    # (Before, January alone made "Credit note CN-0 applied to INV-1" on Jan 3.)
    assert [made for made in _made(alone) if made[0] <= "2026-01-31"] == []


def test_the_january_aging_of_a_prepayment_names_no_customer_a_later_invoice_gives(
    books: Books,
) -> None:
    # BR-1 100.00 posted straight to INV-1 on Jan 3 (no `customer`; a
    # receipt's payee never names one), INV-1 billed to CUS-1 on Feb 1. The
    # aging as of Jan 31 shows INV-1 as the books through Jan 31 know it:
    # -100.00, due on its first posting (Jan 3), 31 - 3 = 28 days past due,
    # in 1-30, on the "(unassigned)" row, with or without February.
    january = paid("2026-01-03", "100.00", "BR-1") + BANK_FEE
    alone = _aged_rows_at_january_end(books, "alone.beancount", january)
    both = _aged_rows_at_january_end(
        books, "both.beancount", january + invoice(1, "2026-02-01", "100.00")
    )
    assert alone[0][:3] == ["(unassigned)", "", "USD"]
    assert alone[0][4] == Decimal("-100.00")  # the 1-30 bucket
    # (Before, with February typed the -100.00 was on a "CUS-1" row.)
    assert both == alone


def test_an_item_as_known_through_a_day_before_anything_is_posted_to_it_is_none(
    books: Books,
) -> None:
    # BR-1 100.00 straight to INV-1 on Jan 3, INV-1 100.00 billed to CUS-1
    # on Feb 1. Through Jan 2 the books know nothing of INV-1 (None, no
    # item); through Jan 31 it is BR-1 alone: -100.00, dated Jan 3, no
    # customer, no invoice; from Feb 1 it is the item itself.
    entries, errors = load(
        books, paid("2026-01-03", "100.00", "BR-1") + invoice(1, "2026-02-01", "100.00")
    )
    assert errors == []
    item = receivables.read(entries, AR, Precision())[0].items["INV-1"]
    assert item.known_through(datetime.date(2026, 1, 2)) is None  # (before: IndexError)
    known = item.known_through(JANUARY_END)
    assert known is not None
    assert (known.balance(), known.date, known.customer) == (-10000, datetime.date(2026, 1, 3), "")
    assert not known.is_invoice
    assert item.known_through(datetime.date(2026, 2, 1)) is item


def test_a_prepayment_refunded_before_its_invoice_leaves_january_alone(books: Books) -> None:
    # BR-1 100.00 straight to INV-1 on Jan 3, refunded (100.00 typed to
    # INV-1, a debit) on Jan 10: INV-1 is -100.00 + 100.00 = 0.00 through
    # January, nothing made. INV-1 100.00 billed on Feb 1 and BR-2 100.00
    # straight to it on Feb 3: 0.00 + 100.00 - 100.00 = 0.00, January the
    # same.
    january = paid("2026-01-03", "100.00", "BR-1") + paid_back("2026-01-10", "100.00") + BANK_FEE
    february = invoice(1, "2026-02-01", "100.00") + paid("2026-02-03", "100.00", "BR-2")
    alone, _ = january_kept(books, january, february)
    assert _made(alone) == []


def test_the_january_aging_carries_a_euro_prepayment_at_its_own_rate(books: Books) -> None:
    # BR-1 -100.00 EUR at 1.20 (Jan 3) straight to INV-1, billed at 1.10 on
    # Feb 12. At Jan 31 (EUR 1.25) the aging's functional rows: carried
    # -100.00 x 1.20 = -120.00; remeasured -100.00 x 1.25 - (-120.00) =
    # -5.00; total -120.00 - 5.00 = -125.00, tied to the general ledger
    # (difference 0.00), whether February's invoice is typed or not.
    january = "2026-01-01 open Liabilities:CustomerCredits\n" + _PREPAID_IN_EUR + BANK_FEE
    for name, text in (("a.beancount", january), ("b.beancount", january + _BILLED_IN_FEBRUARY)):
        rows = _aged_rows_at_january_end(books, name, text)
        functional = {row[1]: row[8] for row in rows if row[0] == "Functional"}
        assert functional["EUR at carrying rates"] == Decimal("-120.00")
        assert functional["EUR remeasurement"] == Decimal("-5.00")
        assert rows[-1][8:] == [Decimal("-125.00"), Decimal("-125.00"), Decimal("0.00")]
