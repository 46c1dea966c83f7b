"""A receipt of an invoice's face amount pays it on the day its face became the receipt.

The face amount of an invoice a customer credit part paid is what is open
of it plus what customer credits paid of it: a customer usually pays it,
ignoring the credit (`plugins.matching_steps.MatchingSteps.by_face`, README
"face amount"). A part payment or credit to the invoice after the credit's
lowers its face as it lowers what is open, and a receipt of the new face
pays it from that day on, as a receipt of an open amount a credit note
makes possible does. The first face-amount cases are in
`tests/test_ar_closed_months.py`, those with a later chargeback or returned
payment in `tests/test_ar_chargebacks.py`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Books
from tests.test_ar_chargebacks import _made
from tests.test_ar_closed_months import _CREDIT_OF_30, BANK_FEE, CUSTOMER, january_kept
from tests.test_ar_payment_differences import paid
from tests.test_ar_reconciliation import (
    AR,
    CREDITS,
    UNAPPLIED,
    applications,
    balance,
    credit_note,
    invoice,
    load,
    receipt,
    squeezed,
)

# R-2 80.00 pays INV-1 by its face amount: 50.00 open, 30.00 back to credit.
_FACE_PAID = [
    "Liabilities:UnappliedCash 80.00 USD",
    "Assets:AccountsReceivable -50.00 USD",
    "Liabilities:CustomerCredits -30.00 USD",
]

# What lowers INV-1 by 20.00 on a day: a credit note netted to it, a receipt
# the import posted straight to it, or a receipt naming it.
_TWENTY_OFF = {
    "credit note": lambda day: credit_note(1, day, "20.00", "INV-1"),
    "straight receipt": lambda day: paid(day, "20.00", "BR-1"),
    "named receipt": lambda day: receipt(
        day, "20.00 USD", "R-3", '\n  invoice: "INV-1"' + CUSTOMER
    ),
}


@pytest.mark.parametrize("kind", sorted(_TWENTY_OFF))
def test_a_part_payment_after_the_credit_lowers_the_face_amount_a_receipt_pays(
    books: Books, kind: str
) -> None:
    # INV-1 100.00 (Jan 5). R-1 80.00 naming INV-2 50.00 on Jan 8 parks
    # 30.00, which pays 30.00 of INV-1 that day: open 70.00. On Jan 10 INV-1
    # is lowered by 20.00 (`kind`): open 50.00, face amount 50.00 + 30.00
    # credited = 80.00. R-2 80.00 naming nothing on Jan 15 is that face
    # amount and no invoice is open 80.00: it pays INV-1's 50.00 and parks
    # 80.00 - 50.00 = 30.00 (beyond the 1.00 tolerance). At the end AR 0.00
    # (billed 150.00 - 50.00 R-1 - 30.00 credit - 20.00 - 50.00 R-2),
    # credits -30.00 (-30.00 + 30.00 - 30.00), unapplied cash 0.00. The same
    # 20.00 dated Jan 6, before the credit, gives the same match.
    # Before, dated after the credit, R-2 waited in unapplied cash (AR 50.00,
    # unapplied -80.00): the face index was written only when a credit paid
    # (`OpenAmounts.settle`), at 70.00 + 30.00 = 100.00, and a later part
    # payment (`owe`) or a credit read on its day (`refresh`) did not write
    # the invoice under its new face amount, 80.00 (`OpenAmounts.face`).
    def books_with(day: str) -> str:
        return (
            invoice(1, "2026-01-05", "100.00")
            + _CREDIT_OF_30
            + _TWENTY_OFF[kind](day)
            + receipt("2026-01-15", "80.00 USD", "R-2", CUSTOMER)
            + BANK_FEE
        )

    for day in ("2026-01-06", "2026-01-10"):
        entries, errors = load(books, books_with(day))
        assert errors == []
        assert ("2026-01-15", "Cash application INV-1 from R-2", _FACE_PAID) in [
            (date, narration, squeezed(postings))
            for date, narration, postings in applications(entries)
        ], day
        assert balance(entries, AR, "USD") == Decimal("0.00")
        assert balance(entries, CREDITS, "USD") == Decimal("-30.00")
        assert balance(entries, UNAPPLIED, "USD") == Decimal("0.00")


@pytest.mark.parametrize("kind", ["credit note", "straight receipt"])
def test_a_later_credit_to_the_invoice_dates_the_face_match_it_makes_possible(
    books: Books, kind: str
) -> None:
    # January: INV-1 100.00 (Jan 5), 30.00 of it paid by R-1's credit on Jan
    # 8 (open 70.00, face amount 100.00). R-2 80.00 naming nothing on Jan 15
    # is no open amount and no face amount: it waits, AR 70.00, unapplied
    # -80.00 at Jan 31. On Feb 10 INV-1 is credited 20.00 (`kind`, read on
    # its day): open 50.00, face amount 50.00 + 30.00 = 80.00, R-2's. The
    # match became possible that day, as a later credit note dates a match by
    # amount (`test_worked_example_a_later_credit_note_dates_the_match_it_
    # makes_possible`: R-1 80.00 waiting pays INV-1 on the note's day): R-2
    # pays INV-1's 50.00 on Feb 10 and parks 30.00. January as it was; at the
    # end AR 0.00, credits -30.00, unapplied cash 0.00.
    # Before, R-2 waited for good (AR 50.00, unapplied -80.00): besides the
    # face index of the test above, `by_face` dated the match on the later of
    # the receipt and the credit's application (Jan 15) and read the face
    # that day, 70.00 + 30.00 = 100.00, never the day the credit made it
    # 80.00. It now finds that day as a match by amount does (`possible`).
    january = (
        invoice(1, "2026-01-05", "100.00")
        + _CREDIT_OF_30
        + receipt("2026-01-15", "80.00 USD", "R-2", CUSTOMER)
        + BANK_FEE
    )
    alone, both = january_kept(books, january, _TWENTY_OFF[kind]("2026-02-10"))
    assert balance(alone, UNAPPLIED, "USD") == Decimal("-80.00")
    assert ("2026-02-10", "Cash application INV-1 from R-2", _FACE_PAID) in _made(both, alone)
    assert balance(both, AR, "USD") == Decimal("0.00")
    assert balance(both, CREDITS, "USD") == Decimal("-30.00")
    assert balance(both, UNAPPLIED, "USD") == Decimal("0.00")
