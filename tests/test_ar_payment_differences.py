"""Payment differences that receipts posted straight to the receivable leave (AR)."""

from __future__ import annotations

from decimal import Decimal

from beancount.core import data

from plugins import ar_entries, meta
from tests.conftest import Books, generated, line_of
from tests.rated_books import sealed
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    HEADER,
    UNAPPLIED,
    WRITE_OFF,
    applications,
    balance,
    invoice,
    load,
    receipt,
    squeezed,
)


def paid(date: str, amount: str, reference: str, number: int = 1, extra: str = "") -> str:
    """A receipt the bank import posted straight to the receivable, naming its invoice."""
    return f"""
{date} * "Acme" "Wire {reference}" ^INV-{number}
  bank_reference: "{reference}"
  invoice: "INV-{number}"{extra}
  Assets:Bank:Operating  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def test_worked_example_named_receipts_short_by_four_cents_are_written_off(books: Books) -> None:
    # Invoice 1,000.00 USD, paid by two receipts naming it: 600.00 + 399.96 = 999.96.
    # Open after them: 1,000.00 - 999.96 = 0.04 USD, within the 1.00 USD tolerance,
    # so 0.04 USD goes to the write-off account on the day of the last receipt.
    text = (
        invoice(1, "2026-01-05", "1000.00")
        + paid("2026-02-01", "600.00", "BR-1")
        + paid("2026-02-10", "399.96", "BR-2")
    )
    entries, errors = load(books, text)
    assert errors == []
    ((day, narration, postings),) = applications(entries)
    assert (day, narration) == ("2026-02-10", "Payment difference of INV-1 from BR-2 written off")
    assert squeezed(postings) == [f"{WRITE_OFF} 0.04 USD", f"{AR} -0.04 USD"]
    (entry,) = [e for e in generated(entries) if "cash-application" in e.tags]
    assert entry.links == {"INV-1", "BR-2"}
    assert entry.meta[ar_entries.KIND] == "payment-difference"
    assert entry.meta[meta.INVOICE] == "INV-1"
    assert entry.meta["revclose_receipt"] == "BR-2"
    assert entry.meta["lineno"] == line_of(HEADER + text, "-399.96 USD")
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, WRITE_OFF, "USD") == Decimal("0.04")


def test_named_receipt_over_by_less_than_the_tolerance_is_written_off(books: Books) -> None:
    # 1,000.30 received for 1,000.00: the receivable is 0.30 in credit; the
    # write-off debits it back to zero and credits the write-off account.
    text = invoice(1, "2026-01-05", "1000.00") + paid("2026-02-01", "1000.30", "BR-1")
    entries, errors = load(books, text)
    assert errors == []
    assert squeezed(applications(entries)[0][2]) == [f"{WRITE_OFF} -0.30 USD", f"{AR} 0.30 USD"]
    assert balance(entries, AR, "USD") == Decimal("0.00")


def test_named_receipt_short_beyond_the_tolerance_leaves_the_invoice_open(books: Books) -> None:
    text = invoice(1, "2026-01-05", "1000.00") + paid("2026-02-01", "998.00", "BR-1")
    entries, errors = load(books, text)
    assert errors == []
    assert applications(entries) == []
    assert balance(entries, AR, "USD") == Decimal("2.00")


def test_credit_to_the_invoice_that_is_no_receipt_is_not_written_off(books: Books) -> None:
    text = invoice(1, "2026-01-05", "1000.00") + (
        """
2026-02-01 * "Acme" "Credit for downtime" ^INV-1
  invoice: "INV-1"
  Income:Revenue:Services  999.50 USD
  Assets:AccountsReceivable  -999.50 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert applications(entries) == []
    assert balance(entries, AR, "USD") == Decimal("0.50")


def test_cash_after_the_day_of_a_write_off_over_pays_the_invoice(books: Books) -> None:
    # BR-1 999.96 leaves 1,000.00 - 999.96 = 0.04 open at the end of Feb 1,
    # within the 1.00 tolerance: written off on Feb 1, whatever comes later.
    # R-2 0.04 naming INV-1 on Feb 15 finds it settled: it over pays it by
    # 0.04, within the tolerance, written off on Feb 15 (a credit). The
    # write-off account nets 0.04 - 0.04 = 0.00; the receivable is 0.00.
    text = (
        invoice(1, "2026-01-05", "1000.00")
        + paid("2026-02-01", "999.96", "BR-1")
        + receipt("2026-02-15", "0.04 USD", "R-2", '\n  invoice: "INV-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, text, squeezed(postings)) for day, text, postings in applications(entries)] == [
        (
            "2026-02-01",
            "Payment difference of INV-1 from BR-1 written off",
            [f"{WRITE_OFF} 0.04 USD", f"{AR} -0.04 USD"],
        ),
        (
            "2026-02-15",
            "Over payment from R-2 written off: INV-1 is already paid",
            [f"{UNAPPLIED} 0.04 USD", f"{WRITE_OFF} -0.04 USD"],
        ),
    ]
    assert balance(entries, AR, "USD") == Decimal("0.00")
    assert balance(entries, WRITE_OFF, "USD") == Decimal("0.00")


def test_a_payment_difference_each_month_settles_in_a_few_readings(books: Books) -> None:
    # Passing edge case. BR-01 99.90 leaves 0.10 of INV-1 100.00 written off
    # on Jan 20. From February to October, 10.00 is paid back to the
    # customer on the 5th (a debit typed to INV-1: open 10.00) and 9.90 paid
    # straight on the 10th leaves 0.10, written off that day: with
    # January's, ten write-offs that later postings follow, 10 x 0.10 =
    # 1.00. BR-99 30.00 straight on Dec 10 over pays INV-1 by 30.00, beyond
    # the tolerance: the customer's credit. Only the first of an invoice's
    # write-offs found anew is carried into the next reading when the plugin
    # made something of the invoice between it and the later ones; here
    # nothing is made between them (the Dec 10 excess comes after the
    # last), so all ten are carried at once and the books settle with no
    # error, not one write-off a reading.
    #   Dec 31: INV-1 100.00 - 99.90 - 0.10 + 9 x (10.00 - 9.90 - 0.10)
    #   - 30.00 + 30.00 = 0.00; differences 1.00; credits -30.00.
    text = invoice(1, "2026-01-05", "100.00") + paid("2026-01-20", "99.90", "BR-01")
    for month in range(2, 11):
        text += f"""
2026-{month:02d}-05 * "Acme" "Refund" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  10.00 USD
  Assets:Bank:Operating  -10.00 USD
"""
        text += paid(f"2026-{month:02d}-10", "9.90", f"BR-{month:02d}")
    entries, errors = load(books, text + paid("2026-12-10", "30.00", "BR-99"))
    assert errors == []
    written = [day for day, what, _ in applications(entries) if what.startswith("Payment diff")]
    assert written == ["2026-01-20", *(f"2026-{month:02d}-10" for month in range(2, 11))]
    assert balance(entries, WRITE_OFF, "USD") == Decimal("1.00")
    assert balance(entries, CREDITS, "USD") == Decimal("-30.00")
    assert balance(entries, AR, "USD") == Decimal("0.00")


def test_nine_payment_differences_each_after_a_matched_receipt_settle_with_no_error(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5). BR-01 99.90 posted straight on Jan 20 leaves 0.10,
    # within the 1.00 tolerance: written off that day (open 0.00). From
    # February to September (8 months), each month: 10.00 paid back to the
    # customer on the 5th (a debit typed to INV-1: open 10.00); R-mm 5.00
    # naming INV-1 on the 7th, matched by the plugin (open 5.00); BR-mm 4.90
    # straight on the 10th (open 0.10, written off that day). Nine write-offs,
    # each followed by later postings, 9 x 0.10 = 0.90:
    #   Sep 30: INV-1 100.00 - 99.90 - 0.10 + 8 x (10.00 - 5.00 - 4.90 - 0.10)
    #   = 0.00; differences 0.90.
    # No write-off depends on another (each month starts from 0.00 and the
    # matched 5.00 is what R-mm brings either way). Only the first write-off
    # found anew is carried into the next reading when a cash application
    # lies between it and the next (`_made_between`), so the chain settles
    # one link a reading: nine readings, each after the first only adding a
    # write-off to those carried, which are not counted against the limit of
    # readings. Before (0d716d4), every reading was counted: 8 errors "did
    # not settle in 8 readings", only seven write-offs made (0.70) and INV-1
    # left open 0.20. (Before that, all nine were carried at once.)
    named = '\n  invoice: "INV-1"'
    text = invoice(1, "2026-01-05", "100.00") + paid("2026-01-20", "99.90", "BR-01")
    for month in range(2, 10):
        text += f"""
2026-{month:02d}-05 * "Acme" "Refund" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  10.00 USD
  Assets:Bank:Operating  -10.00 USD
"""
        text += receipt(f"2026-{month:02d}-07", "5.00 USD", f"R-{month:02d}", named)
        text += paid(f"2026-{month:02d}-10", "4.90", f"BR-{month:02d}")
    entries, errors = load(books, text)
    assert [error.message for error in errors] == []
    written = [day for day, what, _ in applications(entries) if what.startswith("Payment diff")]
    assert written == ["2026-01-20", *(f"2026-{month:02d}-10" for month in range(2, 10))]
    assert balance(entries, WRITE_OFF, "USD") == Decimal("0.90")
    assert balance(entries, AR, "USD") == Decimal("0.00")


def paid_back(day: str, amount: str) -> str:
    """Cash paid back to the customer, typed to INV-1 (a debit that opens it again)."""
    return f"""
{day} * "Acme" "Refund" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  {amount} USD
  Assets:Bank:Operating  -{amount} USD
"""


def test_a_named_receipt_on_a_write_offs_day_stays_applied_whatever_a_later_month_holds(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5). BR-01 100.10 posted straight on Jan 20 over
    # pays it by 0.10, within the 1.00 tolerance: written off that day (Dr
    # AR 0.10, Cr differences 0.10), INV-1 0.00. 20.00 paid back to the
    # customer on Feb 25, typed to INV-1: open 20.00. On Mar 7 BR-12 19.90
    # is posted straight (open 0.10) and R-13 0.10 naming INV-1 is matched
    # to it (open 0.00): the day ends at 0.00, so nothing is written off on
    # Mar 7 and R-13 pays INV-1 0.10. That is what the books through March
    # give alone. BR-20 5.00 posted straight on Apr 15 finds INV-1 paid: its
    # 5.00, beyond the tolerance, is the customer's credit, and March stays
    # as it was.
    # Before (found by a review on 23 November 2026), with April typed: the
    # first reading matches R-13 without January's write-off, so INV-1 is
    # at 0.00 after BR-12 (100.00 - 100.10 + 20.00 - 19.90) and R-13 finds
    # it paid; the write-offs read 0.10 left on Mar 7 (0.10 of January's
    # carried in the reading) and, the plugin having posted nothing to INV-1
    # between Jan 20 and Mar 7, carried it with January's, though R-13's
    # excess, written off on Mar 7, names INV-1 (`_made_between` now counts
    # it). Posted before matching, it left R-13 nothing to pay, so it was
    # found again and stayed carried: March gained "Payment difference of
    # INV-1 from BR-12 written off" (Dr differences 0.10) and "Over payment
    # from R-13 written off: INV-1 is already paid" (Cr differences 0.10) in
    # place of R-13's cash application. Alone, the Mar 7 write-off is the
    # invoice's last posting, made at once, and the next reading (January's
    # posted first) no longer finds it.
    march = invoice(1, "2026-01-05", "100.00") + paid("2026-01-20", "100.10", "BR-01")
    march += paid_back("2026-02-25", "20.00") + paid("2026-03-07", "19.90", "BR-12")
    march += receipt("2026-03-07", "0.10 USD", "R-13", '\n  invoice: "INV-1"')
    alone, errors = load(books, march)
    assert errors == []
    both, errors = load(books, march + paid("2026-04-15", "5.00", "BR-20"))
    assert errors == []

    def in_march(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
        return [
            (day, what, squeezed(lines))
            for day, what, lines in applications(entries)
            if "2026-03-01" <= day <= "2026-03-31"
        ]

    assert in_march(alone) == [
        (
            "2026-03-07",
            "Cash application INV-1 from R-13",
            [f"{UNAPPLIED} 0.10 USD", f"{AR} -0.10 USD"],
        )
    ]
    assert in_march(both) == in_march(alone)
    assert sealed(both, "2026-03-31") == sealed(alone, "2026-03-31")
    assert balance(both, CREDITS, "USD") == Decimal("-5.00")


def _in_march(entries: list[data.Directive]) -> list[tuple[str, str, list[str]]]:
    """The cash applications dated in March, postings squeezed."""
    return [
        (day, what, squeezed(lines))
        for day, what, lines in applications(entries)
        if "2026-03-01" <= day <= "2026-03-31"
    ]


def test_a_receipt_naming_two_invoices_stays_applied_to_both_whatever_a_later_month_holds(
    books: Books,
) -> None:
    # INV-1 100.00 (Jan 5). BR-01 100.10 posted straight on Jan 20 over
    # pays it by 0.10, within the 1.00 tolerance: written off that day (Dr
    # AR 0.10, Cr differences 0.10), INV-1 0.00. 20.00 paid back on Feb 25,
    # typed to INV-1: open 20.00. INV-2 50.00 (Mar 1). On Mar 7 BR-12 19.90
    # is posted straight to INV-1 (open 0.10) and R-13 50.10 naming INV-1
    # and INV-2 pays INV-1 0.10 (open 0.00) and INV-2 50.00 (open 0.00):
    # both end the day at 0.00, nothing written off on Mar 7, differences
    # 0.10 credit in all. That is what the books through March give alone.
    # BR-20 5.00 posted straight to INV-1 on Apr 15 finds it paid: 5.00,
    # beyond the tolerance, is the customer's credit; March stays as it was.
    # Before (found by a review on 23 November 2026): with April typed, March gained
    # "Payment difference of INV-1 from BR-12 written off" (Dr differences
    # 0.10, Cr AR 0.10) and R-13's application to INV-2 wrote off 0.10 (Cr
    # differences) in place of paying INV-1 0.10. The first reading, without
    # January's write-off, found INV-1 paid after BR-12 (100.00 - 100.10 +
    # 20.00 - 19.90 = 0.00), so R-13's 0.10 over INV-1 was written off on
    # INV-2's application, which names INV-2 only; `_named_days` missed that
    # the plugin made something of INV-1 on Mar 7, the Mar 7 difference is
    # carried with January's (April follows it) and made itself true.
    march = invoice(1, "2026-01-05", "100.00") + paid("2026-01-20", "100.10", "BR-01")
    march += paid_back("2026-02-25", "20.00") + invoice(2, "2026-03-01", "50.00")
    march += paid("2026-03-07", "19.90", "BR-12")
    march += receipt("2026-03-07", "50.10 USD", "R-13", narration="Wire INV-1 INV-2")
    march = "\n2026-01-01 open Liabilities:CustomerCredits\n" + march
    alone, errors = load(books, march)
    assert errors == []
    both, errors = load(books, march + paid("2026-04-15", "5.00", "BR-20"))
    assert errors == []
    assert _in_march(alone) == [
        (
            "2026-03-07",
            "Cash application INV-1 from R-13",
            [f"{UNAPPLIED} 0.10 USD", f"{AR} -0.10 USD"],
        ),
        (
            "2026-03-07",
            "Cash application INV-2 from R-13",
            [f"{UNAPPLIED} 50.00 USD", f"{AR} -50.00 USD"],
        ),
    ]
    assert balance(alone, WRITE_OFF, "USD") == Decimal("-0.10")
    assert balance(alone, AR, "USD") == Decimal("0.00")
    assert _in_march(both) == _in_march(alone)
    assert sealed(both, "2026-03-31") == sealed(alone, "2026-03-31")
    assert balance(both, CREDITS, "USD") == Decimal("-5.00")
    assert balance(both, AR, "USD") == Decimal("0.00")
