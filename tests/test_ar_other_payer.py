"""A receipt that pays another customer's invoice is applied, and flagged for review (AR).

Each example bills INV-1 to CUS-1 ("Argon Films BV") and INV-2 to CUS-2
("Crescent Dynamics Labs"), so that a payee names a customer as the plugin
reads it: the one customer whose invoices carry it.
"""

from __future__ import annotations

from typing import Any

from beancount.core import data

from tests.conftest import Books, generated, line_of
from tests.rated_books import sealed
from tests.test_ar_reconciliation import HEADER, applications, invoice, load, receipt, squeezed

ARGON, CRESCENT = "Argon Films BV", "Crescent Dynamics Labs"
BILLED = invoice(1, "2026-01-15", "100.00", "CUS-1", payee=ARGON) + invoice(
    2, "2026-01-20", "45.00", "CUS-2", payee=CRESCENT
)


def straight(date: str, amount: str, reference: str, payee: str) -> str:
    """A receipt the bank import posted straight to INV-1, with the invoice's customer."""
    return f"""
{date} * "{payee}" "SEPA CT INV-1" ^INV-1
  bank_reference: "{reference}"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  {amount} USD
  Assets:AccountsReceivable  -{amount} USD
"""


def flags(entries: list[data.Directive]) -> list[tuple[str, str, str, list[str], int]]:
    """(date, flag, narration, links, postings) of each other-payer flag."""
    return [
        (str(e.date), str(e.flag), str(e.narration), sorted(e.links), len(e.postings))
        for e in generated(entries)
        if "receivables-review" in e.tags and e.meta["revclose_kind"] == "other-payer"
    ]


def own_meta(entry: data.Transaction) -> dict[str, Any]:
    return {key: value for key, value in entry.meta.items() if key not in ("filename", "lineno")}


def test_receipt_naming_another_customers_invoice_is_applied_and_flagged(books: Books) -> None:
    # R-1 names no customer; its payee is CUS-2's (the payee of INV-2), so
    # CUS-2 paid. It names INV-1, CUS-1's: it pays INV-1 in full (the named
    # step), and one flag dated at R-1 tells the reviewer, at R-1's line.
    text = BILLED + receipt(
        "2026-02-03", "100.00 USD", "R-1", '\n  invoice: "INV-1"', payee=CRESCENT
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [
        (day, narration, squeezed(lines)) for day, narration, lines in applications(entries)
    ] == [
        (
            "2026-02-03",
            "Cash application INV-1 from R-1",
            ["Liabilities:UnappliedCash 100.00 USD", "Assets:AccountsReceivable -100.00 USD"],
        )
    ]
    assert flags(entries) == [
        (
            "2026-02-03",
            "!",
            "Receipt R-1 from Crescent Dynamics Labs (CUS-2) pays INV-1 of CUS-1",
            ["INV-1", "R-1"],
            0,
        )
    ]
    [flag] = [e for e in generated(entries) if e.flag == "!"]
    assert own_meta(flag) == {
        "revclose_generated_by": "ar_reconciliation",
        "revclose_kind": "other-payer",
        "revclose_source": "INV-1",
        "revclose_receipt": "R-1",
        "customer": "CUS-1",
    }
    assert flag.payee == CRESCENT
    assert flag.meta["lineno"] == line_of(HEADER + text, "Liabilities:UnappliedCash  -100.00")


def test_receipt_applied_to_a_later_invoice_is_flagged_the_day_it_is_applied(
    books: Books,
) -> None:
    # CUS-2's R-1 arrives 2026-01-25 naming INV-3, which CUS-1 is billed only
    # 2026-02-05: R-1 waits in unapplied cash and pays INV-3 on 2026-02-05.
    # The flag is that application's, so it is dated 2026-02-05, not at
    # R-1's 2026-01-25 (a January flag for a February payment), and located
    # at R-1's line all the same.
    text = (
        BILLED
        + receipt("2026-01-25", "30.00 USD", "R-1", '\n  invoice: "INV-3"', payee=CRESCENT)
        + invoice(3, "2026-02-05", "30.00", "CUS-1", payee=ARGON)
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [(day, narration) for day, narration, _ in applications(entries)] == [
        ("2026-02-05", "Cash application INV-3 from R-1")
    ]
    assert flags(entries) == [
        (
            "2026-02-05",
            "!",
            "Receipt R-1 from Crescent Dynamics Labs (CUS-2) pays INV-3 of CUS-1",
            ["INV-3", "R-1"],
            0,
        )
    ]
    [flag] = [e for e in generated(entries) if e.flag == "!"]
    assert flag.meta["lineno"] == line_of(HEADER + text, "Liabilities:UnappliedCash  -30.00")


def test_receipt_whose_customer_is_written_pays_as_that_customer(books: Books) -> None:
    # The `customer` of a receipt names its payer, whatever its payee (here a
    # treasury no invoice carries).
    text = BILLED + receipt(
        "2026-02-03",
        "100.00 USD",
        "R-1",
        '\n  customer: "CUS-2"\n  invoice: "INV-1"',
        payee="Crescent Treasury",
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, _, narration, _, _ in flags(entries)] == [
        "Receipt R-1 from Crescent Treasury (CUS-2) pays INV-1 of CUS-1"
    ]


def test_the_same_receipt_from_the_invoices_own_customer_is_not_flagged(books: Books) -> None:
    text = BILLED + receipt("2026-02-03", "100.00 USD", "R-1", '\n  invoice: "INV-1"', payee=ARGON)
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-1 from R-1"
    ]
    assert flags(entries) == []


def test_one_flag_per_invoice_of_another_customer_a_receipt_pays(books: Books) -> None:
    # R-1 from CUS-2 names INV-1 and INV-3 (both CUS-1's) and its own INV-2:
    # 100.00 + 30.00 + 45.00 = 175.00 pays all three, oldest first. INV-2 is
    # its own: two flags, by invoice.
    text = (
        BILLED
        + invoice(3, "2026-01-25", "30.00", "CUS-1", payee=ARGON)
        + receipt("2026-02-03", "175.00 USD", "R-1", narration="Wire", payee=CRESCENT).replace(
            '"Wire"', '"Wire" ^INV-1 ^INV-2 ^INV-3'
        )
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-1 from R-1",
        "Cash application INV-2 from R-1",
        "Cash application INV-3 from R-1",
    ]
    assert [narration for _, _, narration, _, _ in flags(entries)] == [
        "Receipt R-1 from Crescent Dynamics Labs (CUS-2) pays INV-1 of CUS-1",
        "Receipt R-1 from Crescent Dynamics Labs (CUS-2) pays INV-3 of CUS-1",
    ]


def test_bank_receipt_posted_straight_with_another_customers_payee_is_flagged(
    books: Books,
) -> None:
    # The bank import posted BR-1 straight to INV-1 and wrote INV-1's
    # customer on it; its payee, in the bank's capitals, is CUS-2's. INV-1
    # is paid (no application is needed), and the flag is at BR-1's line.
    text = BILLED + straight("2026-02-03", "100.00", "BR-1", CRESCENT.upper())
    entries, errors = load(books, text)
    assert errors == []
    assert applications(entries) == []
    assert flags(entries) == [
        (
            "2026-02-03",
            "!",
            "Receipt BR-1 from CRESCENT DYNAMICS LABS (CUS-2) pays INV-1 of CUS-1",
            ["BR-1", "INV-1"],
            0,
        )
    ]
    [flag] = [e for e in generated(entries) if e.flag == "!"]
    assert flag.meta["revclose_receipt"] == "BR-1"
    assert flag.meta["customer"] == "CUS-1"
    assert flag.meta["lineno"] == line_of(HEADER + text, "Assets:AccountsReceivable  -100.00")


def test_bank_receipt_posted_straight_with_the_invoices_payee_is_not_flagged(
    books: Books,
) -> None:
    text = BILLED + straight("2026-02-03", "100.00", "BR-1", ARGON.upper())
    entries, errors = load(books, text)
    assert errors == []
    assert flags(entries) == []


def test_payee_shared_by_two_customers_names_no_payer(books: Books) -> None:
    # "Crescent Group" is the payee of CUS-2's INV-2 and of CUS-3's INV-3:
    # it names no one payer, so neither its receipt posted straight to INV-1
    # (BR-1) nor its receipt naming INV-1 (R-1, applied to what BR-1 left) is
    # flagged.
    group = "Crescent Group"
    text = (
        invoice(1, "2026-01-15", "100.00", "CUS-1", payee=ARGON)
        + invoice(2, "2026-01-20", "45.00", "CUS-2", payee=group)
        + invoice(3, "2026-01-20", "30.00", "CUS-3", payee=group)
        + straight("2026-02-03", "60.00", "BR-1", group)
        + receipt("2026-02-04", "40.00 USD", "R-1", '\n  invoice: "INV-1"', payee=group)
    )
    entries, errors = load(books, text)
    assert errors == []
    assert [narration for _, narration, _ in applications(entries)] == [
        "Cash application INV-1 from R-1"
    ]
    assert flags(entries) == []


def test_a_payee_names_a_payer_only_from_the_day_it_is_first_billed(books: Books) -> None:
    # January: BILLED, and BR-1, 60.00 posted straight to INV-1 (CUS-1's) on
    # Jan 25 by "Borealis GmbH", a payee no invoice carries yet: no payer,
    # no flag. January is sealed.
    # February: INV-3 30.00 is billed to CUS-3 under "Borealis GmbH" on Feb
    # 5; BR-2 pays the 40.00 left of INV-1 straight on Feb 10, from the same
    # payee. From Feb 5 the payee is CUS-3's: BR-2 is flagged on its day,
    # "Receipt BR-2 from Borealis GmbH (CUS-3) pays INV-1 of CUS-1". BR-1 is
    # not: on Jan 25 the payee was no one's (reading every invoice of the
    # books, sealed January got the flag "Receipt BR-1 from Borealis GmbH
    # (CUS-3) pays INV-1 of CUS-1" once February was typed).
    borealis = "Borealis GmbH"
    january = BILLED + straight("2026-01-25", "60.00", "BR-1", borealis)
    february = (
        january
        + invoice(3, "2026-02-05", "30.00", "CUS-3", payee=borealis)
        + straight("2026-02-10", "40.00", "BR-2", borealis)
    )
    alone, errors = load(books, january)
    assert errors == []
    assert flags(alone) == []
    entries, errors = load(books, february)
    assert errors == []
    assert flags(entries) == [
        (
            "2026-02-10",
            "!",
            "Receipt BR-2 from Borealis GmbH (CUS-3) pays INV-1 of CUS-1",
            ["BR-2", "INV-1"],
            0,
        )
    ]
    assert sealed(entries, "2026-01-31") == sealed(alone, "2026-01-31")


def test_payee_of_no_customer_names_no_payer(books: Books) -> None:
    text = BILLED + straight("2026-02-03", "100.00", "BR-1", "Some Holding SA")
    entries, errors = load(books, text)
    assert errors == []
    assert flags(entries) == []


def test_a_blank_payee_names_no_payer(books: Books) -> None:
    # INV-1 100.00 is CUS-1's under "Argon Films BV" (Jan 15); INV-2 45.00
    # is CUS-2's with no payee at all (Jan 20). BR-1 100.00, posted straight
    # to INV-1 on Feb 3, has a payee of one space (a bank line with a blank
    # payee field). A blank is no payee: it names no payer and raises no
    # flag. (Before, its key was "", INV-2's: BR-1 read as paid by CUS-2,
    # the one customer billed with no payee, and was flagged as paying
    # CUS-1's INV-1.)
    billed = (
        invoice(1, "2026-01-15", "100.00", "CUS-1", payee=ARGON)
        + """
2026-01-20 * "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-2"
  due: 2026-01-20
  Assets:AccountsReceivable  45.00 USD
  Income:Revenue:Services  -45.00 USD
"""
    )
    entries, errors = load(books, billed + straight("2026-02-03", "100.00", "BR-1", " "))
    assert errors == []
    assert flags(entries) == []


def test_credit_posted_by_hand_without_a_receipt_id_is_not_a_receipt(books: Books) -> None:
    # A credit to INV-1 with CUS-2's payee but no `receipt` or `bank_reference`
    # is not a receipt posted straight to the receivable: no flag.
    text = BILLED + straight("2026-02-03", "100.00", "BR-1", CRESCENT).replace(
        '  bank_reference: "BR-1"\n', ""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert flags(entries) == []
