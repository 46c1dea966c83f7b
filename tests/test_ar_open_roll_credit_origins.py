"""The open invoices' roll of a customer credit applied: credited when a credit note's, else paid.

A credit note's credit moved to customer credits is credited on the note;
applied to an invoice later, it is credited there too, not paid. A customer
credit that arose from cash (an over payment, a prepayment) is paid when it
is applied, in its own currency or another. Each debit to customer credits
takes the customer's credit in its currency by the customer credits
plugin's rule, in the order `reports.credit_origins` states: what goes back
onto a credit note, what its entry put in, the receipt or credit note it
names, then oldest first, the receipts' credits after the others. An
overdraw is cash, a negative part that what is put in next fills; a
transfer between customers' credits moves parts of their origin.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports import books as books_module
from reports import receivables
from tests.conftest import Books
from tests.test_ar_open_roll import CREDIT_NOTE_TO_CREDITS, HEADER, _cells, _rolls
from tests.test_customer_statements import _loaded

D = Decimal
JAN_1 = datetime.date(2026, 1, 1)
FEB_1 = datetime.date(2026, 2, 1)
FEB_28 = datetime.date(2026, 2, 28)
PAYEES = {"CUS-1": "Acme", "CUS-2": "Beta"}
EUR_AT_1_10 = "\n2026-01-01 price EUR 1.10 USD\n"

# The ledger pieces the examples below share. Each returns one entry, a
# blank line before it; amounts are written as in the ledger ("12.00 USD",
# "10.00 EUR @ 1.10 USD").


def _invoice(day: str, invoice: str, amount: str, customer: str = "CUS-1") -> str:
    """`invoice` for services billed to `customer` on `day`, due 30 days later."""
    due = datetime.date.fromisoformat(day) + datetime.timedelta(days=30)
    return f"""
{day} * "{PAYEES[customer]}" "Invoice {invoice}" ^{invoice}
  invoice: "{invoice}"
  customer: "{customer}"
  due: {due}
  Assets:AccountsReceivable  {amount}
  Income:Revenue:Services  -{amount}
"""


def _credit_note(day: str, note: str, amount: str) -> str:
    """Credit note `note` of CUS-1 for `amount` of services, left open on the receivable."""
    return f"""
{day} * "Acme" "Credit note {note}" ^{note}
  invoice: "{note}"
  customer: "CUS-1"
  Assets:AccountsReceivable  -{amount}
  Income:Revenue:Services  {amount}
"""


def _moved_to_credits(
    day: str,
    note: str,
    amount: str,
    narration: str | None = None,
    credits: str | None = None,
    linked: bool = False,
) -> str:
    """A typed move of `amount` of `note` to CUS-1's customer credits (`credits` there, if else)."""
    link = f" ^{note}" if linked else ""
    return f"""
{day} * "Acme" "{narration or f"Move {note} to customer credits"}"{link}
  customer: "CUS-1"
  Assets:AccountsReceivable  {amount}
    invoice: "{note}"
  Liabilities:CustomerCredits  -{credits or amount}
"""


def _credit_applied(
    day: str,
    invoice: str,
    amount: str,
    narration: str | None = None,
    credits: str | None = None,
    customer: str = "CUS-1",
) -> str:
    """Customer credits applied by hand to `invoice`, naming no origin (`credits` out, if else)."""
    return f"""
{day} * "{PAYEES[customer]}" "{narration or f"Apply customer credit to {invoice}"}"
  customer: "{customer}"
  Liabilities:CustomerCredits  {credits or amount}
  Assets:AccountsReceivable  -{amount}
    invoice: "{invoice}"
"""


def _prepayment(day: str, amount: str) -> str:
    """Cash of CUS-1 straight into customer credits."""
    narration = "Prepayment in euros" if amount.endswith("EUR") else "Prepayment"
    return f"""
{day} * "Acme" "{narration}"
  customer: "CUS-1"
  Assets:Bank:Operating  {amount}
  Liabilities:CustomerCredits  -{amount}
"""


def _euro_credits_of_both_origins_applied(
    prepaid: str, noted: str, applied: str, credits: str
) -> str:
    """Euro credits of cash and of a note, all applied by hand to a dollar invoice.

    EUR 1.10 from Jan 1. CUS-1 prepays `prepaid` EUR into customer credits
    (Jan 5, cash); CN-E1 `noted` EUR (Jan 10) is moved to customer credits in
    euros (Jan 15); INV-2 100.00 USD (Feb 1) is paid `applied` by hand with
    the `credits` taken out of customer credits (Feb 2).
    """
    return (
        HEADER
        + EUR_AT_1_10
        + _prepayment("2026-01-05", f"{prepaid} EUR")
        + _credit_note("2026-01-10", "CN-E1", f"{noted} EUR")
        + _moved_to_credits("2026-01-15", "CN-E1", f"{noted} EUR")
        + _invoice("2026-02-01", "INV-2", "100.00 USD")
        + _credit_applied(
            "2026-02-02",
            "INV-2",
            applied,
            narration="Apply the euro credits to INV-2",
            credits=credits,
        )
    )


def _cn_1_refunded_beside_cash(refund: str) -> str:
    """CN-1's credit refunded by `refund` (Jan 20), beside cash applied to INV-2 after it.

    CUS-1 prepays 30.00 into customer credits (Jan 5, cash); CN-1 12.00
    (Jan 10) is moved to customer credits by an entry linked to the note
    (Jan 15); INV-2 50.00 (Feb 1) is paid by hand with 30.00 of customer
    credits (Feb 2).
    """
    return (
        HEADER
        + _prepayment("2026-01-05", "30.00 USD")
        + _credit_note("2026-01-10", "CN-1", "12.00 USD")
        + _moved_to_credits("2026-01-15", "CN-1", "12.00 USD", linked=True)
        + refund
        + _invoice("2026-02-01", "INV-2", "50.00 USD")
        + _credit_applied("2026-02-02", "INV-2", "30.00 USD")
    )


def _r1_over_pays_inv_1(day: str) -> str:
    """R-1 130.00 naming INV-1 (100.00): the matcher parks 30.00 over in customer credits."""
    return f"""
{day} * "Acme" "Wire 1"
  receipt: "R-1"
  customer: "CUS-1"
  invoice: "INV-1"
  Assets:Bank:Operating  130.00 USD
  Liabilities:UnappliedCash  -130.00 USD
"""


def _cn_1_refunded_to_credits(day: str) -> str:
    """CN-1's 12.00 moved to customer credits by an entry naming the note, to be refunded."""
    return f"""
{day} * "Acme" "Refund CN-1" ^CN-1
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  12.00 USD
  Liabilities:CustomerCredits  -12.00 USD
"""


def _bank_refund_of_cn_1(day: str) -> str:
    """The bank's line paying 12.00 of customer credits back, naming only its reference BR-9."""
    return f"""
{day} * "Acme" "REFUND CN-1"
  bank_reference: "BR-9"
  Assets:Bank:Operating  -12.00 USD
  Liabilities:CustomerCredits  12.00 USD
"""


# CUS-1's credits: CN-1's 12.00 (billed Jan 10, moved in Jan 15, a note's),
# then R-1's 30.00 over payment of INV-1 100.00 (billed Jan 5), parked by
# the matcher on Jan 20 (cash).
NOTES_CREDIT_THEN_AN_OVER_PAYMENT = (
    HEADER
    + _invoice("2026-01-05", "INV-1", "100.00 USD")
    + _credit_note("2026-01-10", "CN-1", "12.00 USD")
    + _moved_to_credits("2026-01-15", "CN-1", "12.00 USD")
    + _r1_over_pays_inv_1("2026-01-20")
)

# CN-1 20.00 of CUS-1 on Jan 10, 12.00 of it moved to customer credits on
# Jan 15 (the receivable debited on CN-1, customer credits credited). INV-2
# 100.00 on Jan 20; R-1 88.00 waits in unapplied cash from Jan 25. On Feb 3
# one typed entry applies R-1 88.00 and the 12.00 customer credit to INV-2.
NOTE_CREDIT_APPLIED_WITH_CASH = (
    HEADER
    + _credit_note("2026-01-10", "CN-1", "20.00 USD")
    + _moved_to_credits(
        "2026-01-15", "CN-1", "12.00 USD", narration="Move 12.00 of CN-1 to customer credits"
    )
    + _invoice("2026-01-20", "INV-2", "100.00 USD")
    + """
2026-01-25 * "Acme" "Wire"
  receipt: "R-1"
  customer: "CUS-1"
  Assets:Bank:Operating  88.00 USD
  Liabilities:UnappliedCash  -88.00 USD

2026-02-03 * "Acme" "Apply R-1 and CN-1's credit to INV-2"
  customer: "CUS-1"
  Liabilities:UnappliedCash  88.00 USD
    receipt: "R-1"
  Liabilities:CustomerCredits  12.00 USD
  Assets:AccountsReceivable  -100.00 USD
    invoice: "INV-2"
"""
)


def _listed(loaded: books_module.Books, day: datetime.date) -> list[list[object]]:
    """Each open invoice's roll on `day`: invoice, billed, paid, credited, open."""
    table = receivables.open_invoices(loaded, day)
    return _cells(table, "invoice", "billed", "paid", "credited", "open")


def test_a_credit_notes_credit_applied_to_an_invoice_is_credited_there(books: Books) -> None:
    # At Feb 28, by hand. INV-2: billed 100.00; R-1's 88.00 is cash, paid
    # 88.00; the 12.00 of customer credits came from CN-1 (moved there on
    # Jan 15, CUS-1's only credit), so it is credited 12.00, not paid; open
    # 100.00 - 88.00 - 12.00 = 0.00, so not listed. CN-1: billed -20.00,
    # credited -12.00 (moved to credits), open -8.00. Before the credit's
    # origin was traced, INV-2 rolled 100.00, 100.00, 0.00.
    loaded = _loaded(books, NOTE_CREDIT_APPLIED_WITH_CASH)
    assert _rolls(loaded, FEB_28, "INV-2", "CN-1") == [(10000, 8800, 1200), (-2000, 0, -1200)]
    assert _listed(loaded, FEB_28) == [["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")]]


# CN-1 12.00 is moved to CUS-1's customer credits on Jan 15 and kept there.
# INV-1 100.00 is paid 130.00 by R-1 naming it on Jan 20: the matcher
# parks the 30.00 over in customer credits, R-1's. INV-2 50.00 is billed on
# Feb 1, and R-1's credit pays 30.00 of it that day (a generated entry
# naming R-1). INV-3 40.00 is billed on Feb 5 and 12.00 of customer
# credits, naming nothing, is applied to it by hand on Feb 6.
OVER_PAYMENT_APPLIED_AFTER_A_NOTES_CREDIT = (
    NOTES_CREDIT_THEN_AN_OVER_PAYMENT
    + _invoice("2026-02-01", "INV-2", "50.00 USD")
    + _invoice("2026-02-05", "INV-3", "40.00 USD")
    + _credit_applied("2026-02-06", "INV-3", "12.00 USD")
)


def test_an_over_payments_credit_applied_later_stays_paid(books: Books) -> None:
    # At Feb 28, by hand. CUS-1's credits: CN-1's 12.00 from Jan 15 (a
    # credit note's), R-1's 30.00 from Jan 20 (cash). The matcher's entry
    # of Feb 1 names R-1, so it takes R-1's credit, though CN-1's is older:
    # INV-2 billed 50.00, paid 30.00, credited 0.00, open 20.00. The debit
    # of Feb 6 names nothing and takes the oldest credit left, CN-1's 12.00:
    # INV-3 billed 40.00, paid 0.00, credited 12.00, open 28.00. Before the
    # origin was traced, INV-3 was paid 12.00, credited 0.00.
    loaded = _loaded(books, OVER_PAYMENT_APPLIED_AFTER_A_NOTES_CREDIT)
    assert _listed(loaded, FEB_28) == [
        ["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")],
        ["INV-3", D("40.00"), D("0.00"), D("12.00"), D("28.00")],
    ]


# CREDIT_NOTE_TO_CREDITS: CUS-1's credits are CN-1's 12.00 from Jan 15 and
# INV-7's over payment of 30.00 (cash, from BR-7) from Jan 16. INV-8 100.00
# is billed on Feb 1; 20.00 of customer credits is applied to it by hand on
# Feb 2 and 20.00 more on Feb 10, neither naming where it comes from.
BOTH_ORIGINS_APPLIED_IN_PARTS = (
    CREDIT_NOTE_TO_CREDITS
    + _invoice("2026-02-01", "INV-8", "100.00 USD")
    + _credit_applied("2026-02-02", "INV-8", "20.00 USD")
    + _credit_applied(
        "2026-02-10", "INV-8", "20.00 USD", narration="Apply more customer credit to INV-8"
    )
)


def test_a_credit_of_both_origins_is_applied_oldest_first(books: Books) -> None:
    # Oldest first: Feb 2's 20.00 takes CN-1's 12.00 (Jan 15, credited) and
    # 8.00 of INV-7's 30.00 (Jan 16, paid); Feb 10's 20.00 takes 20.00 more
    # of INV-7's (paid), leaving 2.00 of it in credits. INV-8 at Feb 2:
    # billed 100.00, paid 8.00, credited 12.00, open 80.00; at Feb 28: paid
    # 8.00 + 20.00 = 28.00, credited 12.00, open 60.00. CN-1 stays -20.00,
    # 0.00, -12.00, -8.00. Before the origin was traced, INV-8 was paid
    # 20.00 then 40.00 and credited 0.00.
    loaded = _loaded(books, BOTH_ORIGINS_APPLIED_IN_PARTS)
    assert _listed(loaded, datetime.date(2026, 2, 2)) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")],
        ["INV-8", D("100.00"), D("8.00"), D("12.00"), D("80.00")],
    ]
    assert _listed(loaded, FEB_28) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-12.00"), D("-8.00")],
        ["INV-8", D("100.00"), D("28.00"), D("12.00"), D("60.00")],
    ]


# Review rev30 of f170156 found five examples that rolled wrong (each says
# what f170156 found); they roll right now. Every figure is derived by hand
# in the comments, as a revenue accountant reads the books.


# INV-1 100.00 of CUS-1 (Jan 5) is paid 130.00 by R-1 naming it (Jan 10):
# the matcher parks R-1's 30.00 over in customer credits. CN-1 12.00 (Jan
# 12) is moved to customer credits (Jan 15) and refunded by the bank (Jan
# 20), as the demo books refund their notes' credits. INV-2 50.00 is billed
# on Feb 1: the matcher pays it 30.00 from R-1's credit ("Customer credit
# from R-1 applied to INV-2", naming R-1).
NOTE_REFUNDED_THEN_CASH_APPLIED = (
    HEADER
    + _invoice("2026-01-05", "INV-1", "100.00 USD")
    + _r1_over_pays_inv_1("2026-01-10")
    + _credit_note("2026-01-12", "CN-1", "12.00 USD")
    + _cn_1_refunded_to_credits("2026-01-15")
    + _bank_refund_of_cn_1("2026-01-20")
    + _invoice("2026-02-01", "INV-2", "50.00 USD")
)


def test_a_notes_credit_refunded_by_the_bank_leaves_the_over_payment_applied_as_cash(
    books: Books,
) -> None:
    # By hand, at Feb 28. CN-1's 12.00 went into customer credits and out
    # to the customer's bank: the refund pays back the note's credit (its
    # bank line says "REFUND CN-1"; the plugin leaves R-1's credit whole,
    # 30.00, as a debit naming no receipt does not use it). What pays INV-2
    # is R-1's 30.00 over payment, cash: INV-2 billed 50.00, paid 30.00,
    # credited 0.00, open 20.00. INV-1 and CN-1 are closed. f170156 found
    # INV-2 paid 18.00, credited 12.00: the bank refund, naming no part, took
    # the oldest, 12.00 of R-1's cash, so the matcher's application naming
    # R-1 found 18.00 of R-1 left and took CN-1's 12.00 as the rest. Its
    # parent read INV-2 paid 30.00 (right): a regression.
    loaded = _loaded(books, NOTE_REFUNDED_THEN_CASH_APPLIED)
    assert _listed(loaded, FEB_28) == [["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")]]


# CUS-1 prepays 30.00 into customer credits (Jan 5, cash). CN-1 20.00
# (Jan 10): 12.00 of it is moved to customer credits (Jan 15) and 5.00 of
# that moved back onto the note (Jan 20). INV-2 100.00 (Feb 1) is paid by
# hand with all 37.00 the account holds for CUS-1 (Feb 2).
PART_MOVED_BACK_ONTO_THE_NOTE = (
    HEADER
    + _prepayment("2026-01-05", "30.00 USD")
    + _credit_note("2026-01-10", "CN-1", "20.00 USD")
    + _moved_to_credits(
        "2026-01-15", "CN-1", "12.00 USD", narration="Move 12.00 of CN-1 to customer credits"
    )
    + """
2026-01-20 * "Acme" "Move 5.00 back onto CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -5.00 USD
    invoice: "CN-1"
  Liabilities:CustomerCredits  5.00 USD
"""
    + _invoice("2026-02-01", "INV-2", "100.00 USD")
    + _credit_applied("2026-02-02", "INV-2", "37.00 USD")
)


def test_a_notes_credit_moved_back_onto_the_note_leaves_the_cash_in_credits(
    books: Books,
) -> None:
    # By hand, at Feb 28. What goes back onto CN-1 is CN-1's own credit:
    # the account then holds the prepayment's 30.00 (cash) and 12.00 - 5.00
    # = 7.00 of CN-1's. The 37.00 applied to INV-2: paid 30.00, credited
    # 7.00, open 100.00 - 37.00 = 63.00. CN-1: billed -20.00, credited -12.00
    # + 5.00 = -7.00, open -13.00. f170156 found INV-2 paid 25.00, credited
    # 12.00: the move back onto the note (a debit naming no document) took
    # the oldest part, 5.00 of the prepayment's cash, though the roll credits
    # it back on CN-1 (its parent read INV-2 paid 37.00, the known gap).
    loaded = _loaded(books, PART_MOVED_BACK_ONTO_THE_NOTE)
    assert _listed(loaded, FEB_28) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-7.00"), D("-13.00")],
        ["INV-2", D("100.00"), D("30.00"), D("7.00"), D("63.00")],
    ]


# INV-2 100.00 of CUS-1 (Jan 15) and CN-B 12.00 (Jan 16): on Jan 20 one
# entry moves CN-B's 12.00 to customer credits and applies it to INV-2 (a
# posting in, a posting out). INV-3 50.00 (Feb 1) is paid 10.00 of customer
# credits by hand (Feb 2), all the account holds for CUS-1.
CN_B_THROUGH_CREDITS_ONTO_INV_2 = (
    _invoice("2026-01-15", "INV-2", "100.00 USD")
    + _credit_note("2026-01-16", "CN-B", "12.00 USD")
    + """
2026-01-20 * "Acme" "CN-B's credit through customer credits onto INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  12.00 USD
    invoice: "CN-B"
  Liabilities:CustomerCredits  -12.00 USD
  Liabilities:CustomerCredits  12.00 USD
  Assets:AccountsReceivable  -12.00 USD
    invoice: "INV-2"
"""
    + _invoice("2026-02-01", "INV-3", "50.00 USD")
    + _credit_applied("2026-02-02", "INV-3", "10.00 USD")
)

# CN-A 10.00 of CUS-1 (Jan 8) is moved to customer credits (Jan 10) and kept
# there; then CN_B_THROUGH_CREDITS_ONTO_INV_2.
NOTE_MOVED_AND_APPLIED_IN_ONE_ENTRY = (
    HEADER
    + _credit_note("2026-01-08", "CN-A", "10.00 USD")
    + _moved_to_credits("2026-01-10", "CN-A", "10.00 USD")
    + CN_B_THROUGH_CREDITS_ONTO_INV_2
)

# As NOTE_MOVED_AND_APPLIED_IN_ONE_ENTRY, but what the account holds for
# CUS-1 before Jan 20 is cash: a prepayment of 10.00 (Jan 10) in place of
# CN-A's credit.
NOTE_MOVED_AND_APPLIED_IN_ONE_ENTRY_AFTER_A_PREPAYMENT = (
    HEADER + _prepayment("2026-01-10", "10.00 USD") + CN_B_THROUGH_CREDITS_ONTO_INV_2
)


def test_a_notes_credit_moved_and_applied_in_one_entry_leaves_the_older_note_in_credits(
    books: Books,
) -> None:
    # By hand, at Feb 28. Jan 20 passes CN-B's 12.00 through customer
    # credits onto INV-2: INV-2 billed 100.00, paid 0.00, credited 12.00,
    # open 88.00 (f170156 gets this right). The account holds for CUS-1
    # only CN-A's 10.00 after it, so the 10.00 applied to INV-3 is a credit
    # note's: INV-3 billed 50.00, paid 0.00, credited 10.00, open 40.00.
    # f170156 found INV-3 paid 10.00, credited 0.00: the entry nets to
    # nothing on customer credits, so its 12.00 put in reads as cash, and
    # its 12.00 taken out takes the oldest part, CN-A's, leaving 10.00 of
    # "cash" for Feb 2.
    loaded = _loaded(books, NOTE_MOVED_AND_APPLIED_IN_ONE_ENTRY)
    assert _listed(loaded, FEB_28) == [
        ["INV-2", D("100.00"), D("0.00"), D("12.00"), D("88.00")],
        ["INV-3", D("50.00"), D("0.00"), D("10.00"), D("40.00")],
    ]


def test_a_notes_credit_moved_and_applied_in_one_entry_is_taken_before_older_cash(
    books: Books,
) -> None:
    # By hand, at Feb 28. CUS-1's credits before Jan 20: the prepayment's
    # 10.00 (Jan 10, cash). Jan 20 puts CN-B's 12.00 in and takes 12.00 out
    # onto INV-2: a debit takes what its own entry put in first (the
    # module's step 2), CN-B's 12.00, before the older cash. INV-2 billed
    # 100.00, paid 0.00, credited 12.00, open 88.00. The account then holds
    # the prepayment's 10.00, so Feb 2's 10.00 is cash: INV-3 billed 50.00,
    # paid 10.00, credited 0.00, open 40.00. CN-B -12.00, 0.00, -12.00,
    # 0.00 is closed. Taken oldest first instead, Jan 20 would take the
    # prepayment's 10.00 and 2.00 of CN-B's (INV-2 100.00, 10.00, 2.00,
    # 88.00) and Feb 2 CN-B's 10.00 left (INV-3 50.00, 0.00, 10.00, 40.00):
    # CN-B's 12.00 credited on INV-2 only in part. With CN-A's credit in
    # place of the prepayment (the test above) both orders read alike.
    loaded = _loaded(books, NOTE_MOVED_AND_APPLIED_IN_ONE_ENTRY_AFTER_A_PREPAYMENT)
    assert _listed(loaded, FEB_28) == [
        ["INV-2", D("100.00"), D("0.00"), D("12.00"), D("88.00")],
        ["INV-3", D("50.00"), D("10.00"), D("0.00"), D("40.00")],
    ]


# CN-E1 10.00 EUR of CUS-1 (Jan 10) is moved to customer credits in dollars,
# at 1.10: 11.00 USD (Jan 15). INV-2 100.00 USD (Feb 1) is paid 11.00 USD of
# customer credits by hand (Feb 2), all the account holds for CUS-1.
NOTE_MOVED_TO_CREDITS_IN_DOLLARS = (
    HEADER
    + EUR_AT_1_10
    + _credit_note("2026-01-10", "CN-E1", "10.00 EUR")
    + _moved_to_credits(
        "2026-01-15",
        "CN-E1",
        "10.00 EUR @ 1.10 USD",
        narration="Move CN-E1 to customer credits in dollars",
        credits="11.00 USD",
    )
    + _invoice("2026-02-01", "INV-2", "100.00 USD")
    + _credit_applied("2026-02-02", "INV-2", "11.00 USD")
)


def test_a_notes_credit_moved_to_credits_in_another_currency_is_credited_when_applied(
    books: Books,
) -> None:
    # By hand, at Feb 28. CUS-1's only credit is CN-E1's, 10.00 EUR at 1.10
    # = 11.00 USD: a credit note's credit, in whichever currency it is
    # held. INV-2 billed 100.00, paid 0.00, credited 11.00, open 89.00.
    # CN-E1 is closed (-10.00 EUR + 10.00 EUR). f170156 found INV-2 paid
    # 11.00, credited 0.00: the note's transfer is found under the note's
    # currency (EUR) and the credit put in under USD, so the 11.00 USD put
    # in reads as cash (its parent read the same).
    loaded = _loaded(books, NOTE_MOVED_TO_CREDITS_IN_DOLLARS)
    assert _listed(loaded, FEB_28) == [["INV-2", D("100.00"), D("0.00"), D("11.00"), D("89.00")]]


# CUS-1 prepays 50.00 EUR into customer credits (Jan 5, cash). INV-2 100.00
# USD (Feb 1) is paid by hand with the 50.00 EUR at 1.10: 55.00 USD (Feb 2).
CASH_CREDIT_APPLIED_IN_ANOTHER_CURRENCY = (
    HEADER
    + _prepayment("2026-01-05", "50.00 EUR")
    + _invoice("2026-02-01", "INV-2", "100.00 USD")
    + _credit_applied(
        "2026-02-02",
        "INV-2",
        "55.00 USD",
        narration="Apply the euro credit to INV-2",
        credits="50.00 EUR @ 1.10 USD",
    )
)


def test_a_cash_credit_applied_in_another_currency_is_paid(books: Books) -> None:
    # By hand, at Feb 28. The 50.00 EUR came from the bank (a prepayment,
    # cash by the README's rule); applied at 1.10 it pays INV-2 55.00 USD,
    # nothing written off: billed 100.00, paid 55.00, credited 0.00, open
    # 45.00. f170156 found paid 0.00, credited 55.00: the entry's cash is
    # read only off what it moves in INV-2's currency (USD), and its customer
    # credits move is in EUR. Not made by f170156 (its parent read the
    # same), but left: the README now says such a credit reads as paid.
    loaded = _loaded(books, CASH_CREDIT_APPLIED_IN_ANOTHER_CURRENCY)
    assert _listed(loaded, FEB_28) == [["INV-2", D("100.00"), D("55.00"), D("0.00"), D("45.00")]]


# CUS-1 prepays 10.00 EUR into customer credits (Jan 5, cash). CN-E1 10.00
# EUR (Jan 10) is moved to customer credits in euros (Jan 15). INV-2 100.00
# USD (Feb 1) is paid by hand with all 20.00 EUR at 1.10: 22.00 USD (Feb 2).
BOTH_ORIGINS_APPLIED_IN_ANOTHER_CURRENCY = _euro_credits_of_both_origins_applied(
    "10.00", "10.00", "22.00 USD", "20.00 EUR @ 1.10 USD"
)


def test_a_credit_of_both_origins_applied_in_another_currency_is_split_at_its_price(
    books: Books,
) -> None:
    # By hand, at Feb 28. CUS-1's 20.00 EUR of credits: 10.00 of cash (Jan
    # 5) and 10.00 of CN-E1's credit (Jan 15); the 20.00 EUR applied takes
    # both. At the entry's 1.10, the cash is 11.00 USD and CN-E1's credit
    # 11.00 USD: INV-2 billed 100.00, paid 11.00, credited 11.00, open
    # 100.00 - 22.00 = 78.00. CN-E1 is closed (-10.00 EUR + 10.00 EUR).
    # Before, the entry's cash was read only off its moves in USD: paid
    # 0.00, credited 22.00.
    loaded = _loaded(books, BOTH_ORIGINS_APPLIED_IN_ANOTHER_CURRENCY)
    assert _listed(loaded, FEB_28) == [["INV-2", D("100.00"), D("11.00"), D("11.00"), D("78.00")]]


# Review rev33 of f170156 and d283508 found three examples that rolled wrong
# (each says what d283508 found); they roll right now. A credit note's
# credit lost its origin when a refund naming the note took an older cash
# credit, when a dollar note was moved into euro credits with the price on
# the credits posting, and when it was transferred to another customer's
# credits. Every figure is derived by hand in the comments, as a revenue
# accountant reads the books (`total, paid, credited, open` of each row,
# open = total - paid - credited).


# CUS-1 prepays 30.00 into customer credits (Jan 5, cash). CN-1 12.00 (Jan
# 10) is moved to customer credits (Jan 15) and its 12.00 is refunded to the
# customer's bank on Jan 20 by an entry naming CN-1 (its `invoice` and its
# link, as the demo books' typed refunds of notes name them). INV-2 50.00
# (Feb 1) is paid by hand with the 30.00 the account then holds (Feb 2).
REFUND_NAMING_THE_NOTE = _cn_1_refunded_beside_cash(
    """
2026-01-20 * "Acme" "Refund CN-1's credit" ^CN-1
  customer: "CUS-1"
  invoice: "CN-1"
  Assets:Bank:Operating  -12.00 USD
  Liabilities:CustomerCredits  12.00 USD
"""
)


def test_a_refund_naming_the_note_pays_back_the_notes_credit_not_older_cash(
    books: Books,
) -> None:
    # By hand, at Feb 28. The refund of Jan 20 names CN-1: it pays back
    # CN-1's 12.00, so the account is left holding the prepayment's 30.00,
    # cash, all of it applied to INV-2: billed 50.00, paid 30.00, credited
    # 0.00, open 50.00 - 30.00 - 0.00 = 20.00. CN-1: -12.00, 0.00, -12.00,
    # 0.00 (closed). The receivable: -12.00 + 12.00 + 50.00 - 30.00 = 20.00,
    # the listing's one open row. d283508 finds INV-2 paid 18.00, credited
    # 12.00: the refund names no receipt, so it takes the parts of no
    # receipt oldest first, 12.00 of the prepayment's cash, whatever
    # document it names, and the application then reads CN-1's 12.00 as
    # applied to INV-2, a note's credit counted twice (refunded in cash and
    # credited on INV-2) while 12.00 of the prepayment is never applied.
    # f170156's parent read INV-2 paid 30.00 (every credit as cash): a
    # regression of f170156.
    loaded = _loaded(books, REFUND_NAMING_THE_NOTE)
    assert _listed(loaded, FEB_28) == [["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")]]
    assert _rolls(loaded, FEB_28, "CN-1") == [(-1200, 0, -1200)]


# CN-1 11.00 USD of CUS-1 (Jan 10) is moved to customer credits in euros on
# Jan 15, the price written on the euro leg as the functional currency's
# books write it (`-10.00 EUR @ 1.10 USD`, 11.00 USD). INV-E2 100.00 EUR
# (Feb 1) is paid 10.00 EUR of customer credits by hand (Feb 2), all the
# account holds for CUS-1.
DOLLAR_NOTE_MOVED_INTO_EURO_CREDITS = (
    HEADER
    + EUR_AT_1_10
    + _credit_note("2026-01-10", "CN-1", "11.00 USD")
    + _moved_to_credits(
        "2026-01-15",
        "CN-1",
        "11.00 USD",
        narration="Move CN-1 to customer credits in euros",
        credits="10.00 EUR @ 1.10 USD",
    )
    + _invoice("2026-02-01", "INV-E2", "100.00 EUR")
    + _credit_applied("2026-02-02", "INV-E2", "10.00 EUR")
)


def test_a_dollar_notes_credit_moved_into_euro_credits_is_credited_when_applied(
    books: Books,
) -> None:
    # By hand, at Feb 28. CUS-1's only credit is CN-1's 11.00 USD, held as
    # 10.00 EUR: a credit note's credit in whichever currency it is held,
    # as README says of CN-E1's euros held in dollars (the mirror case).
    # INV-E2 billed 100.00 EUR, paid 0.00, credited 10.00, open 90.00. CN-1
    # is closed: -11.00, 0.00, -11.00, 0.00 (d283508 gets this right).
    # d283508 finds INV-E2 paid 10.00, credited 0.00: `_held_in` looks for
    # the note's credit in the currency of the note's own posting's price,
    # and this one carries none (the price is on the credits leg), so the
    # 10.00 EUR put in reads as cash.
    loaded = _loaded(books, DOLLAR_NOTE_MOVED_INTO_EURO_CREDITS)
    assert _listed(loaded, FEB_28) == [["INV-E2", D("100.00"), D("0.00"), D("10.00"), D("90.00")]]
    assert _rolls(loaded, FEB_28, "CN-1") == [(-1100, 0, -1100)]


# CN-1 12.00 of CUS-1 (Jan 10) is moved to CUS-1's customer credits (Jan
# 15). On Jan 20 the 12.00 is moved from CUS-1's credits to those of CUS-2,
# its parent, by an entry posting only to the credits account (a transfer
# between pools, `plugins.credit_transfers`). INV-2 50.00 of CUS-2 (Feb 1)
# is paid 12.00 of CUS-2's customer credits by hand (Feb 2).
NOTES_CREDIT_TRANSFERRED_TO_ANOTHER_CUSTOMER = (
    HEADER
    + _credit_note("2026-01-10", "CN-1", "12.00 USD")
    + _moved_to_credits("2026-01-15", "CN-1", "12.00 USD")
    + """
2026-01-20 * "Move CUS-1's credit to its parent CUS-2"
  Liabilities:CustomerCredits  12.00 USD
    customer: "CUS-1"
  Liabilities:CustomerCredits  -12.00 USD
    customer: "CUS-2"
"""
    + _invoice("2026-02-01", "INV-2", "50.00 USD", customer="CUS-2")
    + _credit_applied("2026-02-02", "INV-2", "12.00 USD", customer="CUS-2")
)


def test_a_notes_credit_transferred_to_another_customer_is_credited_when_applied(
    books: Books,
) -> None:
    # By hand, at Feb 28. A transfer between pools moves no cash: what
    # CUS-2 receives is what it takes out of CUS-1's credits, CN-1's 12.00
    # (CUS-1's only credit). Applied to INV-2: billed 50.00, paid 0.00,
    # credited 12.00, open 38.00. CN-1: -12.00, 0.00, -12.00, 0.00
    # (closed). d283508 finds INV-2 paid 12.00, credited 0.00: the
    # transfer's credit to CUS-2 comes from no credit note posting in its
    # entry, so it reads as cash; the origin of what its debit took out of
    # CUS-1's credits is dropped.
    loaded = _loaded(books, NOTES_CREDIT_TRANSFERRED_TO_ANOTHER_CUSTOMER)
    assert _listed(loaded, FEB_28) == [["INV-2", D("50.00"), D("0.00"), D("12.00"), D("38.00")]]
    assert _rolls(loaded, FEB_28, "CN-1") == [(-1200, 0, -1200)]


# CUS-1 prepays 150.00 into customer credits (Jan 5, cash); CN-1 50.00 (Jan
# 10) is moved to CUS-1's customer credits (Jan 15). On Feb 3 one entry,
# posting only to the credits account, moves 100.00 of CUS-1's credits to
# CUS-2 and 150.00 of CUS-1's from contract C-1 to C-2. INV-1 120.00 of
# CUS-1 and INV-2 120.00 of CUS-2 (Feb 5) are each paid 100.00 of their
# customer's credits by hand (Feb 6), all each account then holds.
TRANSFER_BESIDE_A_MOVE_BETWEEN_CONTRACTS = (
    HEADER
    + _prepayment("2026-01-05", "150.00 USD")
    + _credit_note("2026-01-10", "CN-1", "50.00 USD")
    + _moved_to_credits("2026-01-15", "CN-1", "50.00 USD")
    + """
2026-02-03 * "CUS-1's 100.00 to CUS-2; 150.00 of CUS-1's from contract C-1 to C-2"
  Liabilities:CustomerCredits  100.00 USD
    customer: "CUS-1"
  Liabilities:CustomerCredits  -100.00 USD
    customer: "CUS-2"
  Liabilities:CustomerCredits  150.00 USD
    customer: "CUS-1"
    contract: "C-1"
  Liabilities:CustomerCredits  -150.00 USD
    customer: "CUS-1"
    contract: "C-2"
"""
    + _invoice("2026-02-05", "INV-1", "120.00 USD")
    + _invoice("2026-02-05", "INV-2", "120.00 USD", customer="CUS-2")
    + _credit_applied("2026-02-06", "INV-1", "100.00 USD")
    + _credit_applied("2026-02-06", "INV-2", "100.00 USD", customer="CUS-2")
)


def test_a_transfer_moves_a_pools_legs_net_beside_a_move_between_its_contracts(
    books: Books,
) -> None:
    # By hand, at Feb 28. CUS-1's credits before Feb 3: the prepayment's
    # 150.00 (Jan 5, cash), CN-1's 50.00 (Jan 15). The transfer moves each
    # pool's legs net (`plugins.credit_transfers`): CUS-1's +100.00 +
    # 150.00 - 150.00 = 100.00 out, oldest first, 100.00 of the
    # prepayment's; the 150.00 between its contracts move nothing. CUS-2
    # receives that 100.00 of cash, applied to INV-2: billed 120.00, paid
    # 100.00, credited 0.00, open 20.00. CUS-1 keeps 50.00 of the
    # prepayment's and CN-1's 50.00, both applied to INV-1: billed 120.00,
    # paid 50.00, credited 50.00, open 20.00. CN-1 -50.00, 0.00, -50.00,
    # 0.00 is closed. Read leg by leg instead, the +150.00 would take the
    # prepayment's 50.00 left and CN-1's 50.00 (and overdraw 50.00), and
    # the -150.00 put back 150.00 of cash: INV-1 paid 100.00, credited
    # 0.00, CN-1's credit credited nowhere.
    loaded = _loaded(books, TRANSFER_BESIDE_A_MOVE_BETWEEN_CONTRACTS)
    assert _listed(loaded, FEB_28) == [
        ["INV-1", D("120.00"), D("50.00"), D("50.00"), D("20.00")],
        ["INV-2", D("120.00"), D("100.00"), D("0.00"), D("20.00")],
    ]


# Pins (review rev30 of f170156): behaviour worth keeping, right before and after.


# As NOTE_REFUNDED_THEN_CASH_APPLIED, but CN-1's credit goes in (Jan 3) and
# out to the bank (Jan 6) before R-1 parks its 30.00 over (Jan 10): the
# demo books' order.
NOTE_REFUNDED_BEFORE_THE_OVER_PAYMENT = (
    HEADER
    + _credit_note("2026-01-02", "CN-1", "12.00 USD")
    + _cn_1_refunded_to_credits("2026-01-03")
    + _invoice("2026-01-05", "INV-1", "100.00 USD")
    + _bank_refund_of_cn_1("2026-01-06")
    + _r1_over_pays_inv_1("2026-01-10")
    + _invoice("2026-02-01", "INV-2", "50.00 USD")
)


def test_pin_a_notes_credit_refunded_first_leaves_the_over_payment_paid_and_tied(
    books: Books,
) -> None:
    """Pin: the demo books' order rolls right, and the listing ties to the aging and the GL."""
    # By hand, at Feb 28. CN-1's 12.00 is in and out of customer credits by
    # Jan 6; R-1's 30.00 parked on Jan 10 pays INV-2: billed 50.00, paid
    # 30.00, credited 0.00, open 20.00. CN-1: -12.00, 0.00, -12.00, 0.00 and
    # INV-1: 100.00, 100.00 (130.00 less the 30.00 parked), 0.00, 0.00, both
    # closed. The receivable: 100.00 - 12.00 + 12.00 - 100.00 + 50.00 - 30.00
    # = 20.00, the listing's open total, the aging's total and its GL
    # balance, with no difference. CUS-1's statement closes at 20.00 too:
    # customer credits hold 30.00 + 12.00 - 12.00 - 30.00 = 0.00 and
    # unapplied cash 130.00 - 130.00 = 0.00.
    loaded = _loaded(books, NOTE_REFUNDED_BEFORE_THE_OVER_PAYMENT)
    listed = _listed(loaded, FEB_28)
    assert listed == [["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")]]
    assert _rolls(loaded, FEB_28, "CN-1", "INV-1") == [(-1200, 0, -1200), (10000, 10000, 0)]
    total = receivables.aging(loaded, FEB_28).rows[-1]
    assert total[0] == "Total" and total[-3:] == [D("20.00"), D("20.00"), D("0.00")]
    assert [row[-1] for row in listed] == [total[-2]]  # the only open item: the same 20.00
    start = datetime.date(2026, 1, 1)
    statement = receivables.customer_statement(loaded, "CUS-1", start, FEB_28)
    assert statement.rows[-1][-1] == D("20.00")


# CN-1 12.00 of CUS-1 (Jan 10) and INV-2 100.00 (Jan 20). On Feb 2 one
# entry applies 12.00 of customer credits to INV-2, and a later one that
# day, in the books' order, moves CN-1's 12.00 to customer credits.
APPLIED_BEFORE_THE_NOTE_IS_MOVED_THAT_DAY = (
    HEADER
    + _credit_note("2026-01-10", "CN-1", "12.00 USD")
    + _invoice("2026-01-20", "INV-2", "100.00 USD")
    + _credit_applied("2026-02-02", "INV-2", "12.00 USD")
    + _moved_to_credits("2026-02-02", "CN-1", "12.00 USD")
)


def test_pin_a_notes_credit_put_in_and_applied_on_the_as_of_day_is_credited(
    books: Books,
) -> None:
    """Pin: on the as-of day what is put in comes before what is taken, whatever the order."""
    # At Feb 1 nothing has moved: CN-1 -12.00, 0.00, 0.00, -12.00 and INV-2
    # 100.00, 0.00, 0.00, 100.00. At Feb 2 (the as-of day) CN-1's 12.00 is
    # in customer credits by the day's end and is all the 12.00 applied to
    # INV-2 can be: INV-2 100.00, 0.00, 12.00, 88.00; CN-1 -12.00, 0.00,
    # -12.00, 0.00, closed. Taken before it was put in, in the books'
    # order, it would read as an overdraw, cash: paid 12.00.
    loaded = _loaded(books, APPLIED_BEFORE_THE_NOTE_IS_MOVED_THAT_DAY)
    assert _listed(loaded, datetime.date(2026, 2, 1)) == [
        ["CN-1", D("-12.00"), D("0.00"), D("0.00"), D("-12.00")],
        ["INV-2", D("100.00"), D("0.00"), D("0.00"), D("100.00")],
    ]
    assert _listed(loaded, datetime.date(2026, 2, 2)) == [
        ["INV-2", D("100.00"), D("0.00"), D("12.00"), D("88.00")],
    ]


# Pin (review rev33 of d283508): right before and after.


# CN-E1 10.00 EUR of CUS-1 (Jan 10) is moved to customer credits in euros
# (Jan 15). INV-2 100.00 USD (Feb 1) is paid by hand with the 10.00 EUR at
# 1.10: 11.00 USD (Feb 2).
EURO_NOTE_IN_EURO_CREDITS_APPLIED_TO_A_DOLLAR_INVOICE = (
    HEADER
    + EUR_AT_1_10
    + _credit_note("2026-01-10", "CN-E1", "10.00 EUR")
    + _moved_to_credits("2026-01-15", "CN-E1", "10.00 EUR")
    + _invoice("2026-02-01", "INV-2", "100.00 USD")
    + _credit_applied(
        "2026-02-02",
        "INV-2",
        "11.00 USD",
        narration="Apply the euro credit to INV-2",
        credits="10.00 EUR @ 1.10 USD",
    )
)


def test_pin_a_euro_notes_credit_applied_to_a_dollar_invoice_is_credited_and_ties(
    books: Books,
) -> None:
    """Pin: a euro note's euro credit applied at a price is credited, before and after, and ties."""
    # By hand. At Feb 1, the day before the credit is applied: CN-E1 is
    # closed (-10.00 EUR, 0.00, -10.00, 0.00: moved to credits) and INV-2
    # reads 100.00, 0.00, 0.00, 100.00. At Feb 28: the 10.00 EUR are CN-E1's
    # credit, applied at 1.10 they credit INV-2 11.00 USD: 100.00, 0.00,
    # 11.00, 89.00. The receivable in USD is 100.00 - 11.00 = 89.00, the
    # listing's open total, the aging's USD total and its GL balance, no
    # difference; in EUR -10.00 + 10.00 = 0.00.
    loaded = _loaded(books, EURO_NOTE_IN_EURO_CREDITS_APPLIED_TO_A_DOLLAR_INVOICE)
    assert _listed(loaded, FEB_1) == [["INV-2", D("100.00"), D("0.00"), D("0.00"), D("100.00")]]
    listed = _listed(loaded, FEB_28)
    assert listed == [["INV-2", D("100.00"), D("0.00"), D("11.00"), D("89.00")]]
    assert _rolls(loaded, FEB_28, "CN-E1") == [(-1000, 0, -1000)]
    totals = {
        row[2]: row[-3:] for row in receivables.aging(loaded, FEB_28).rows if row[0] == "Total"
    }
    assert totals == {
        "EUR": [D("0.00"), D("0.00"), D("0.00")],
        "USD": [D("89.00"), D("89.00"), D("0.00")],
    }
    assert [row[-1] for row in listed] == [totals["USD"][0]]  # the one open item: 89.00


# Review rev36 of the credits' origins (f170156, d283508, 9842e61): three
# worked examples that rolled wrong on 9842e61 (each says what it found),
# then two pins, right on 9842e61. Every figure is derived by hand in the
# comments, as a revenue accountant reads the books: `billed, paid,
# credited, open` of each row, open = billed - paid - credited.


# As REFUND_NAMING_THE_NOTE, but the refund is the bank's own line: the
# bank import writes its `bank_reference` (BR-9), and the user names the
# note on it as the README asks (`invoice: "CN-1"` and ^CN-1). CUS-1
# prepays 30.00 (Jan 5, cash); CN-1 12.00 (Jan 10) is moved to customer
# credits (Jan 15) and refunded by that bank line (Jan 20). INV-2 50.00
# (Feb 1) is paid by hand with the 30.00 the account then holds (Feb 2).
BANK_REFUND_NAMING_THE_NOTE = _cn_1_refunded_beside_cash(
    """
2026-01-20 * "Acme" "REFUND CN-1" ^CN-1
  bank_reference: "BR-9"
  invoice: "CN-1"
  Assets:Bank:Operating  -12.00 USD
  Liabilities:CustomerCredits  12.00 USD
"""
)


def test_a_bank_refund_naming_the_note_pays_back_the_notes_credit_not_older_cash(
    books: Books,
) -> None:
    # By hand, at Feb 28. The refund names CN-1 (`invoice`, ^CN-1), so it
    # pays back CN-1's 12.00; its bank reference is the bank line's id, no
    # receipt (no receipt BR-9 is in unapplied cash or posted straight).
    # The account keeps the prepayment's 30.00, cash, all applied to INV-2:
    # billed 50.00, paid 30.00, credited 0.00, open 20.00. CN-1 -12.00,
    # 0.00, -12.00, 0.00 (closed). The receivable: -12.00 + 12.00 + 50.00 -
    # 30.00 = 20.00, the one open row. 9842e61 finds INV-2 paid 18.00,
    # credited 12.00, as d283508 did for the typed refund: the debit's
    # document is read `used_receipt`, then `written_receipt_id` (the
    # `bank_reference`), then `invoice_of`, so BR-9 hides CN-1 and the
    # refund, naming no note, takes the oldest part of no receipt, 12.00
    # of the prepayment's cash.
    loaded = _loaded(books, BANK_REFUND_NAMING_THE_NOTE)
    assert _listed(loaded, FEB_28) == [["INV-2", D("50.00"), D("30.00"), D("0.00"), D("20.00")]]
    assert _rolls(loaded, FEB_28, "CN-1") == [(-1200, 0, -1200)]


# CUS-1 prepays 6.67 EUR into customer credits (Jan 5, cash). CN-E1 3.33
# EUR (Jan 10) is moved to customer credits in euros (Jan 15). INV-2
# 100.00 USD (Feb 1) is paid by hand with all 10.00 EUR at 1.099: 10.99
# USD (Feb 2).
EURO_CREDITS_OF_BOTH_ORIGINS_AT_A_PRICE = _euro_credits_of_both_origins_applied(
    "6.67", "3.33", "10.99 USD", "10.00 EUR @ 1.099 USD"
)


def test_a_notes_share_of_credits_applied_at_a_price_is_rounded_not_truncated(
    books: Books,
) -> None:
    # By hand, at Feb 28. The 10.00 EUR applied are the prepayment's 6.67
    # (cash) and CN-E1's 3.33 (a note's); at 1.099 CN-E1's weigh 3.33 x
    # 1.099 = 3.65967 USD, 3.66 to the cent (half up or half even alike),
    # and the prepayment's 10.99 - 3.66 = 7.33 (6.67 x 1.099 = 7.33033).
    # INV-2: billed 100.00, paid 7.33, credited 3.66, open 89.01. 9842e61
    # finds paid 7.34, credited 3.65: `_share_cash` weighs the notes' part
    # as 333 x 1099 // 1000 = 365, floor division, a cent moved from
    # credited to paid (the module rounds `_what_is_written_off` half to
    # even; `_transferred` floors a note's share across currencies too).
    loaded = _loaded(books, EURO_CREDITS_OF_BOTH_ORIGINS_AT_A_PRICE)
    assert _listed(loaded, FEB_28) == [["INV-2", D("100.00"), D("7.33"), D("3.66"), D("89.01")]]


# CN-1 12.00 of CUS-1 (Jan 10); INV-2 50.00 (Jan 20). 12.00 of customer
# credits is applied to INV-2 by hand on Feb 2, before CUS-1 holds any:
# CN-1's 12.00 is moved to customer credits only on Feb 5 (typed late,
# dated as the note's move was made). CUS-1 prepays 30.00 on Feb 10 (cash).
# INV-3 40.00 (Feb 12) is paid by hand with 30.00 of customer credits on
# Feb 13, all the account then holds for CUS-1.
NOTE_MOVED_IN_AFTER_AN_OVERDRAW = (
    HEADER
    + _credit_note("2026-01-10", "CN-1", "12.00 USD")
    + _invoice("2026-01-20", "INV-2", "50.00 USD")
    + _credit_applied("2026-02-02", "INV-2", "12.00 USD")
    + _moved_to_credits("2026-02-05", "CN-1", "12.00 USD")
    + _prepayment("2026-02-10", "30.00 USD")
    + _invoice("2026-02-12", "INV-3", "40.00 USD")
    + _credit_applied("2026-02-13", "INV-3", "30.00 USD")
)


def test_a_note_filling_an_overdraw_is_not_held_again_for_a_later_debit(books: Books) -> None:
    # By hand. CUS-1's customer credits day by day: Feb 2 -12.00 (an
    # overdraw, read as cash by the documented rule: INV-2 50.00, 12.00,
    # 0.00, 38.00, left as 9842e61 reads it), Feb 5 -12.00 + 12.00 = 0.00
    # (CN-1's credit makes the overdraw good), Feb 10 30.00, the
    # prepayment's cash and nothing else. The module's first rule: the
    # balance is made of its parts, so on Feb 13 the 30.00 applied to
    # INV-3 is the prepayment's: INV-3 billed 40.00, paid 30.00, credited
    # 0.00, open 10.00. 9842e61 finds INV-3 paid 18.00, credited 12.00: an
    # overdraw is not carried, so CN-1's 12.00 put in on Feb 5 stays a
    # part in full (the pools hold 42.00 on Feb 10 while the account holds
    # 30.00), and Feb 13 takes it first, oldest.
    loaded = _loaded(books, NOTE_MOVED_IN_AFTER_AN_OVERDRAW)
    rows = {row[0]: row[1:] for row in _listed(loaded, FEB_28)}
    assert rows["INV-3"] == [D("40.00"), D("30.00"), D("0.00"), D("10.00")]


# As CHARGEBACK_OUT_OF_A_CREDIT_BESIDE_A_NOTES, up to R-1's over payment of
# 30.00 parked in customer credits (Jan 20), after CN-1's 12.00 (Jan 15).
# A bank line pays 30.00 back out of customer credits on Feb 1, carrying
# R-1's own id as its `bank_reference`, and naming nothing else. INV-2
# 50.00 (Feb 2) is paid 12.00 of customer credits by hand (Feb 3).
BANK_REFUND_UNDER_THE_PARKED_RECEIPTS_ID = (
    NOTES_CREDIT_THEN_AN_OVER_PAYMENT
    + """
2026-02-01 * "Acme" "REFUND R-1"
  bank_reference: "R-1"
  Assets:Bank:Operating  -30.00 USD
  Liabilities:CustomerCredits  30.00 USD
"""
    + _invoice("2026-02-02", "INV-2", "50.00 USD")
    + _credit_applied("2026-02-03", "INV-2", "12.00 USD")
)


def test_a_bank_reference_of_a_receipt_holding_a_part_names_that_receipt(books: Books) -> None:
    # By hand, at Feb 28. A bank reference names a receipt only when that
    # receipt holds a part of customer credits (`credit_origins.named`);
    # R-1 holds its 30.00 over payment, so the refund pays back R-1's
    # 30.00 and leaves CN-1's 12.00, which the Feb 3 application takes:
    # INV-2 billed 50.00, paid 0.00, credited 12.00, open 38.00. INV-1
    # 100.00, 100.00, 0.00, 0.00 and CN-1 -12.00, 0.00, -12.00, 0.00 are
    # closed. 9842e61 read the refund as naming no receipt (the bank
    # reference only hid any note), took CN-1's 12.00 (no receipt) first
    # and 18.00 of R-1's, and left 12.00 of R-1's cash for INV-2: paid
    # 12.00, credited 0.00.
    loaded = _loaded(books, BANK_REFUND_UNDER_THE_PARKED_RECEIPTS_ID)
    assert _listed(loaded, FEB_28) == [["INV-2", D("50.00"), D("0.00"), D("12.00"), D("38.00")]]
    assert _rolls(loaded, FEB_28, "INV-1", "CN-1") == [(10000, 10000, 0), (-1200, 0, -1200)]


# Pins of review rev36: right on 9842e61, worth keeping.


# INV-1 100.00 of CUS-1 (Jan 5). CN-1 12.00 (Jan 10) is moved to customer
# credits (Jan 15). R-1 130.00 naming INV-1 (Jan 20): the matcher pays
# INV-1 and parks R-1's 30.00 over in customer credits. 20.00 of R-1 is
# charged back on Feb 15 (a debit to unapplied cash naming R-1): the plugin
# takes it back out of R-1's credit. INV-3 40.00 (Feb 20) is paid 22.00 of
# customer credits by hand (Feb 21), naming nothing.
CHARGEBACK_OUT_OF_A_CREDIT_BESIDE_A_NOTES = (
    NOTES_CREDIT_THEN_AN_OVER_PAYMENT
    + """
2026-02-15 * "Acme" "Chargeback of R-1"
  receipt: "R-1"
  Assets:Bank:Operating  -20.00 USD
  Liabilities:UnappliedCash  20.00 USD
"""
    + _invoice("2026-02-20", "INV-3", "40.00 USD")
    + _credit_applied("2026-02-21", "INV-3", "22.00 USD")
)


def test_pin_a_chargeback_out_of_a_parked_credit_takes_the_receipts_cash_not_the_notes(
    books: Books,
) -> None:
    """Pin: a chargeback's take-back from customer credits names its receipt; ties."""
    # By hand, at Feb 28. CUS-1's credits: CN-1's 12.00 (Jan 15, a note's)
    # and R-1's 30.00 (Jan 20, cash). The plugin's take-back of Feb 15
    # debits customer credits 20.00 naming R-1: 20.00 of R-1's, 10.00 of it
    # left. Feb 21's 22.00 names nothing: CN-1's 12.00 first (no receipt,
    # credited), then 10.00 of R-1's (paid). INV-3: billed 40.00, paid
    # 10.00, credited 12.00, open 18.00. INV-1 100.00, 100.00, 0.00, 0.00
    # and CN-1 -12.00, 0.00, -12.00, 0.00 are closed. The aging's CUS-1
    # row is the listing's 18.00; the statement closes at 18.00 too: the
    # receivable 18.00, unapplied cash 130.00 - 130.00 - 20.00 + 20.00 =
    # 0.00, customer credits 12.00 + 30.00 - 20.00 - 22.00 = 0.00.
    loaded = _loaded(books, CHARGEBACK_OUT_OF_A_CREDIT_BESIDE_A_NOTES)
    assert _listed(loaded, FEB_28) == [["INV-3", D("40.00"), D("10.00"), D("12.00"), D("18.00")]]
    assert _rolls(loaded, FEB_28, "INV-1", "CN-1") == [(10000, 10000, 0), (-1200, 0, -1200)]
    aging = receivables.aging(loaded, FEB_28)
    assert [row[8] for row in aging.rows if row[0] == "CUS-1"] == [D("18.00")]
    statement = receivables.customer_statement(loaded, "CUS-1", JAN_1, FEB_28)
    assert statement.rows[-1][-1] == D("18.00")


# CN-1 20.00 of CUS-1 (Jan 10); 12.00 of it is moved to customer credits
# (Jan 15). On Jan 20 one entry puts a prepayment of 30.00 into customer
# credits and moves 5.00 of them back onto CN-1. INV-2 100.00 (Feb 1) is
# paid by hand with all 37.00 the account holds for CUS-1 (Feb 2).
PREPAYMENT_IN_THE_ENTRY_MOVING_BACK_ONTO_THE_NOTE = (
    HEADER
    + _credit_note("2026-01-10", "CN-1", "20.00 USD")
    + _moved_to_credits(
        "2026-01-15", "CN-1", "12.00 USD", narration="Move 12.00 of CN-1 to customer credits"
    )
    + """
2026-01-20 * "Acme" "Prepayment; 5.00 of customer credits back onto CN-1"
  customer: "CUS-1"
  Assets:Bank:Operating  30.00 USD
  Liabilities:CustomerCredits  -30.00 USD
  Liabilities:CustomerCredits  5.00 USD
  Assets:AccountsReceivable  -5.00 USD
    invoice: "CN-1"
"""
    + _invoice("2026-02-01", "INV-2", "100.00 USD")
    + _credit_applied("2026-02-02", "INV-2", "37.00 USD")
)


def test_pin_a_move_back_onto_a_note_takes_the_notes_part_before_its_own_entrys(
    books: Books,
) -> None:
    """Pin: the module's step 1 (back onto a note) comes before its step 2 (own entry)."""
    # By hand, at Feb 28. What goes back onto CN-1 is CN-1's own credit,
    # as the roll credits it there: CN-1 billed -20.00, paid 0.00,
    # credited -12.00 + 5.00 = -7.00, open -13.00. The account then holds
    # 7.00 of CN-1's and the prepayment's 30.00 (cash): the 37.00 applied
    # to INV-2 pays 30.00 and credits 7.00, open 63.00. Paid in all 30.00,
    # the cash received; credited 7.00, what left CN-1 net. On 9842e61 the
    # module docstring listed "what its own entry put in" (1) before "what
    # its entry moves back onto a credit note" (2); taken in that order the
    # 5.00 back would be the prepayment's cash and INV-2 would read 25.00
    # paid, 12.00 credited: 12.00 of CN-1 credited on INV-2 while only
    # 7.00 left CN-1. 9842e61's code (`_Pools.take`) does 2 before 1, right;
    # the docstring now numbers them so (back onto a note 1, own entry 2).
    loaded = _loaded(books, PREPAYMENT_IN_THE_ENTRY_MOVING_BACK_ONTO_THE_NOTE)
    assert _listed(loaded, FEB_28) == [
        ["CN-1", D("-20.00"), D("0.00"), D("-7.00"), D("-13.00")],
        ["INV-2", D("100.00"), D("30.00"), D("7.00"), D("63.00")],
    ]
