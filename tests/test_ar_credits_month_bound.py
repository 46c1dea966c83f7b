"""Customer credits look ahead to the month end only: a later month leaves a closed one as it was.

Pins from the review of 28cf8d6 and d7960f5 (rev37): each failed before 28cf8d6.

`customer_credits.horizon` bounds what a credit may pay (`Crediting.usable`),
what it holds for a claim (`Crediting._take`) and whether it stays among
its customer's credits (`Crediting._holds`) at the month's end, so a debit
naming the receipt in a later month overdraws the credit and leaves a
closed month as it was. These tests read that bound where a chargeback
asks the credits to be paid out again (`Crediting.revisit`) and across a
month end within the credit's parkings. README: "Receipts posted straight
to the receivable".
"""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Books
from tests.test_ar_chargebacks import chargeback
from tests.test_ar_reconciliation import AR, CREDITS, balance, invoice, receipt
from tests.test_ar_straight_receipts_whose import (
    _bank_line,
    _books,
    _by_receipt,
    _held,
    _inv_2_over_paid,
    _refund_of,
    _schedule,
)

# All CUS-1's ("Acme"). INV-2 10.00 (Jan 2); BR-1's bank line of Jan 20 posts 30.00 straight
# to it: 20.00 over, BR-1's credit from Jan 20. INV-7 40.00 (Jan 21) paid that day by R-7
# 40.00 naming it; R-7 charged back on Jan 25: INV-7 open 40.00 again from Jan 25, paid in
# the chargeback's second matching round (`Crediting.revisit`).
_JANUARY_CHARGED_BACK = (
    _inv_2_over_paid("2026-01-20")
    + invoice(7, "2026-01-21", "40.00")
    + receipt("2026-01-21", "40.00 USD", "R-7", '\n  invoice: "INV-7"')
    + chargeback("2026-01-25", "40.00", "R-7")
)


def test_a_chargeback_reopening_an_invoice_is_paid_by_a_credit_a_later_month_refunds(
    books: Books,
) -> None:
    # January read alone: BR-1's credit holds 20.00 from Jan 20; the
    # chargeback opens INV-7 40.00 again on Jan 25, and the second round
    # pays it 20.00 of BR-1's credit that day (INV-7 20.00 open at Jan 31,
    # credits 0.00 at Jan 31).
    # February typed: 20.00 of the credit refunded on Feb 5, naming BR-1
    # (`receipt`) or only the customer.
    # Right (README: a debit of a later month holds back nothing of a
    # closed one, it overdraws the credit): January as sealed, BR-1 20.00
    # to INV-7 on Jan 25; the Feb 5 refund overdraws CUS-1 by 20.00:
    # credits -20 + 20 + 20 = 20.00 (a debit balance); AR 10 - 30 + 20
    # (BR-1's excess moved to credits) + 40 - 40 + 40 (the chargeback) -
    # 20 (the credit applied) = 20.00. Schedule: 0.00 at Jan 31, CUS-1
    # -20.00 at Feb 28 (the overdraw the close control reports).
    # Before 28cf8d6 (c14af50) the Feb 5 refund reached into January:
    # nothing paid INV-7 (the credit's `left` 20 - 20 = 0.00, whatever the
    # refund's month). Since then `usable` reads to Jan 31 only. Not
    # reached here: `Crediting.revisit` still asks `left > 0` (0.00 with the
    # Feb refund) but the second round pays on the chargeback's day anyway,
    # the customer's invoice posting day (`pay`'s `customers`).
    alone = _books(books, _JANUARY_CHARGED_BACK)
    assert _by_receipt(alone) == [("2026-01-25", "BR-1", "INV-7", Decimal("20.00"))]
    assert balance(alone.entries, AR, "USD") == Decimal("20.00")
    whole = _books(books, _JANUARY_CHARGED_BACK + _refund_of("BR-1", "20.00", "2026-02-05"))
    assert _by_receipt(whole) == _by_receipt(alone)
    assert _held(whole, "2026-01-31") == _held(alone, "2026-01-31") == _schedule(total="0.00")
    assert _held(whole, "2026-02-28") == _schedule(("CUS-1", "-20.00"), total="-20.00")
    assert balance(whole.entries, CREDITS, "USD") == Decimal("20.00")
    assert balance(whole.entries, AR, "USD") == Decimal("20.00")


# All CUS-1's. INV-2 10.00 (Jan 2); BR-1's bank line of Jan 30 posts 30.00 straight to it:
# 20.00 over, BR-1's credit from Jan 30. INV-3 60.00 billed Jan 31. BR-1's bank line of Feb 2
# posts 50.00 more straight to INV-2 (already paid): 50.00 more of BR-1's credit from Feb 2.
# INV-4 100.00 billed Feb 3. Feb 20: 60.00 refunded naming BR-1.
_ACROSS_THE_MONTH_END = (
    _inv_2_over_paid("2026-01-30")
    + invoice(3, "2026-01-31", "60.00")
    + _bank_line("2026-02-02", "50.00", "INV-2")
    + invoice(4, "2026-02-03", "100.00")
)


def test_a_refund_after_a_parking_across_the_month_end_leaves_january_and_holds_back_february(
    books: Books,
) -> None:
    # The credit holds 20.00 from Jan 30: nothing after it in January, it
    # pays INV-3 20.00 on Jan 31 (40.00 open). February: 0.00 on Feb 1,
    # 50.00 from Feb 2, 50 - 60 = -10.00 from Feb 20: on Feb 3 paying INV-4
    # anything would take it further below nothing, so it pays nothing
    # (`usable` = min(50, -10) < 0) and the refund overdraws it 10.00:
    # credits -20 + 20 - 50 + 60 = 10.00 (a debit balance); AR 10 - 30 +
    # 20 + 60 - 20 - 50 + 50 + 100 = 140.00. Schedule: 0.00 held at Jan 31,
    # CUS-1 -10.00 at Feb 28.
    # Before 28cf8d6 (c14af50) January paid 10.00, not 20.00: the credit's
    # look ahead from Jan 31 ran to the Feb 20 refund (20 + 50 - 60).
    loaded = _books(books, _ACROSS_THE_MONTH_END + _refund_of("BR-1", "60.00", "2026-02-20"))
    assert _by_receipt(loaded) == [("2026-01-31", "BR-1", "INV-3", Decimal("20.00"))]
    assert _held(loaded, "2026-01-31") == _schedule(total="0.00")
    assert _held(loaded, "2026-02-28") == _schedule(("CUS-1", "-10.00"), total="-10.00")
    assert balance(loaded.entries, CREDITS, "USD") == Decimal("10.00")
    assert balance(loaded.entries, AR, "USD") == Decimal("140.00")
