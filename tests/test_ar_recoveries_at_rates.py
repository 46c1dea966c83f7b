"""Recoveries of a foreign invoice written off at a rate: reinstated at the write-off's rate.

INV-1 is 100.00 EUR billed on Jan 5 at 1.20 (carried at 120.00 USD) and
written off as uncollectible on May 31 at a price in USD, as a bad debt of
a foreign invoice is typed (`-100.00 EUR @ 1.20 USD`, `Expenses:BadDebt
120.00 USD`). Cash naming it later reinstates what it recovers at the
write-off's own rate, crediting bad debt by that value, and then pays the
reinstated invoice as any receipt pays a foreign invoice: the exchange
difference between what the receivable carried and the receipt's rate is
realized (`plugins.recoveries`, README "Recoveries of invoices written
off"). Before this rule, the write-off was not reversed and the cash became
a customer credit. Each example checks that May (or the month before the
last receipt) is as it was and that the aging's functional total ties the
general ledger.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.fx import quantize
from tests import reporting
from tests.conftest import Books, generated
from tests.rated_books import aging_ties, postings_through, sealed, units_total, usd_weight
from tests.test_ar_reconciliation import AR, CREDITS, HEADER, REALIZED, UNAPPLIED

POLICY = {"ar.yaml": "tolerance: {USD: 1.00, EUR: 1.00}\n", "close.yaml": ""}
BAD_DEBT = "Expenses:BadDebt"
NIL = Decimal(0)
OPENS = f"""
2026-01-01 open Assets:Bank:Euro
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open {BAD_DEBT}
"""


def _invoice(rate: str = "1.20", usd: str = "120.00") -> str:
    return f"""
2026-01-01 price EUR {rate} USD
2026-07-10 price EUR 1.10 USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 EUR @ {rate} USD
  Income:Revenue:Services  -{usd} USD
"""


def _written_off(price: str = "@ 1.20 USD", debit: str = f"{BAD_DEBT}  120.00 USD") -> str:
    return f"""
2026-05-31 * "Acme" "Write off INV-1" ^INV-1
  invoice: "INV-1"
  status: "uncollectible"
  Assets:AccountsReceivable  -100.00 EUR {price}
  {debit}
"""


def _receipt(date: str, amount: str, receipt: str = "R-1") -> str:
    bank = "Assets:Bank:Euro" if amount.endswith("EUR") else "Assets:Bank:Operating"
    return f"""
{date} * "Acme" "Wire"
  receipt: "{receipt}"
  invoice: "INV-1"
  customer: "CUS-1"
  {bank}  {amount}
  {UNAPPLIED}  -{amount}
"""


def _load(books: Books, text: str) -> list[data.Directive]:
    return list(reporting.loaded(books, HEADER + OPENS + text, POLICY).entries)


def _made(entries: list[data.Directive], since: str) -> list[tuple[str, str, list[str]]]:
    """(date, kind, postings as account units [price]) of each entry generated from `since` on."""
    day = datetime.date.fromisoformat(since)
    return [
        (
            str(entry.date),
            str(entry.meta.get("revclose_kind")),
            [
                " ".join(
                    [p.account, str(p.units)] + ([f"@ {p.price}"] if p.price is not None else [])
                )
                for p in entry.postings
            ],
        )
        for entry in generated(entries)
        if entry.date >= day and entry.postings
    ]


def _closed(entries: list[data.Directive], through: str = "2026-07-31") -> tuple[Decimal, ...]:
    """The receivable's euros and USD weight, bad debt, realized FX and credits on a day."""
    held = postings_through(entries, AR, through)
    return (
        units_total(held, "EUR"),
        usd_weight(held),
        units_total(postings_through(entries, BAD_DEBT, through), "USD"),
        units_total(postings_through(entries, REALIZED, through), "USD"),
        units_total(postings_through(entries, CREDITS, through), "EUR")
        + units_total(postings_through(entries, CREDITS, through), "USD"),
    )


def test_worked_example_euros_on_an_invoice_written_off_at_its_rate_reinstate_it(
    books: Books,
) -> None:
    # INV-1 100.00 EUR at 1.20 is carried at 120.00 USD; the write-off of
    # May 31 at 1.20 takes the 100.00 EUR and 120.00 USD off the receivable
    # against bad debt 120.00 USD. R-1 brings 100.00 EUR naming INV-1 on
    # Jul 10, when EUR is 1.10 (110.00 USD). Nothing is open of INV-1 and
    # 100.00 EUR was written off: R-1 recovers 100.00 EUR, reinstated at the
    # write-off's rate, 100.00 x 1.20 = 120.00 USD (Dr AR 100.00 EUR @ 1.20,
    # Cr bad debt 120.00 USD). R-1 then pays them as any receipt in euros
    # pays the invoice: 100.00 EUR at 1.10 = 110.00 USD of cash clears
    # 120.00 USD of carrying amount, a realized loss of 10.00 USD. Bad debt
    # 120.00 - 120.00 = 0.00; the receivable 0.00 EUR weighing 120.00 -
    # 120.00 + 120.00 - 120.00 = 0.00 USD; no credit (before: a customer
    # credit of 100.00 EUR, bad debt 120.00 and no loss realized).
    before = _invoice() + _written_off()
    text = before + _receipt("2026-07-10", "100.00 EUR")
    alone, entries = _load(books, before), _load(books, text)
    assert _made(entries, "2026-06-01") == [
        (
            "2026-07-10",
            "recovery",
            [f"{AR} 100.00 EUR @ 1.20 USD", f"{BAD_DEBT} -120.00 USD"],
        ),
        (
            "2026-07-10",
            "named",
            [
                f"{UNAPPLIED} 100.00 EUR @ 1.10 USD",
                f"{AR} -100.00 EUR @ 1.20 USD",
                f"{REALIZED} 10.00 USD",
            ],
        ),
    ]
    assert _closed(entries) == (NIL, NIL, NIL, Decimal("10.00"), NIL)
    assert sealed(entries, "2026-06-30") == sealed(alone, "2026-06-30")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-06-30")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")


def test_a_partial_recovery_in_euros_reinstates_what_it_brings_at_the_write_off_s_rate(
    books: Books,
) -> None:
    # R-1 brings 40.00 EUR of the 100.00 EUR written off: 40.00 EUR is
    # reinstated at 1.20, 48.00 USD credited back to bad debt, and paid by
    # the 40.00 EUR at 1.10 = 44.00 USD: 48.00 - 44.00 = 4.00 USD of loss.
    # 60.00 EUR stays written off: bad debt 120.00 - 48.00 = 72.00 USD.
    text = _invoice() + _written_off() + _receipt("2026-07-10", "40.00 EUR")
    entries = _load(books, text)
    assert _made(entries, "2026-06-01") == [
        ("2026-07-10", "recovery", [f"{AR} 40.00 EUR @ 1.20 USD", f"{BAD_DEBT} -48.00 USD"]),
        (
            "2026-07-10",
            "named",
            [
                f"{UNAPPLIED} 40.00 EUR @ 1.10 USD",
                f"{AR} -40.00 EUR @ 1.20 USD",
                f"{REALIZED} 4.00 USD",
            ],
        ),
    ]
    assert _closed(entries) == (NIL, NIL, Decimal("72.00"), Decimal("4.00"), NIL)
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")


def test_a_receipt_in_usd_recovers_the_euros_it_is_worth_on_its_day(books: Books) -> None:
    # R-1 brings 132.00 USD naming INV-1 on Jul 10: at 1.10 that is 120.00
    # EUR, as a receipt in USD paying an invoice in euros is converted. Of
    # them 100.00 EUR recovers all that was written off (reinstated at 1.20,
    # bad debt -120.00 USD); R-1 pays them with 100.00 x 1.10 = 110.00 USD,
    # a loss of 120.00 - 110.00 = 10.00 USD; the other 20.00 EUR, 22.00
    # USD, beyond the 1.00 tolerance, is the customer's credit in USD, as
    # any receipt's over payment.
    before = _invoice() + _written_off()
    text = before + _receipt("2026-07-10", "132.00 USD")
    alone, entries = _load(books, before), _load(books, text)
    assert _made(entries, "2026-06-01") == [
        (
            "2026-07-10",
            "recovery",
            [f"{AR} 100.00 EUR @ 1.20 USD", f"{BAD_DEBT} -120.00 USD"],
        ),
        (
            "2026-07-10",
            "named",
            [
                f"{UNAPPLIED} 132.00 USD",
                f"{AR} -100.00 EUR @ 1.20 USD",
                f"{CREDITS} -22.00 USD",
                f"{REALIZED} 10.00 USD",
            ],
        ),
    ]
    assert _closed(entries) == (NIL, NIL, NIL, Decimal("10.00"), Decimal("-22.00"))
    assert sealed(entries, "2026-06-30") == sealed(alone, "2026-06-30")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")


def test_a_write_off_at_a_rate_of_its_own_is_reversed_at_that_rate(books: Books) -> None:
    # Written off at 1.15 (`-100.00 EUR @ 1.15 USD`, bad debt 115.00 USD):
    # the write-off settles the invoice at a rate of its own, so its
    # own-rate entry of May 31 moves the 100.00 EUR back at 1.15 and out at
    # the carrying 1.20, realizing 120.00 - 115.00 = 5.00 USD of loss. R-1
    # 100.00 EUR on Jul 10 reverses the write-off as it was typed: 100.00
    # EUR reinstated at 1.15, 115.00 USD credited back to bad debt; May's
    # 5.00 USD stays realized, in a closed month. R-1 then clears what is
    # left of the carrying amount, the 115.00 USD reinstated (the last
    # piece of an item is what is left, plugins.derecognition), with 110.00
    # USD of cash: 5.00 USD more of loss. Together 10.00 USD, 120.00 -
    # 110.00, as had INV-1 never been written off; bad debt 0.00.
    before = _invoice() + _written_off("@ 1.15 USD", f"{BAD_DEBT}  115.00 USD")
    text = before + _receipt("2026-07-10", "100.00 EUR")
    alone, entries = _load(books, before), _load(books, text)
    assert _made(entries, "2026-06-01") == [
        ("2026-07-10", "recovery", [f"{AR} 100.00 EUR @ 1.15 USD", f"{BAD_DEBT} -115.00 USD"]),
        (
            "2026-07-10",
            "named",
            [
                f"{UNAPPLIED} 100.00 EUR @ 1.10 USD",
                f"{AR} -100.00 EUR @ 1.15 USD",
                f"{REALIZED} 5.00 USD",
            ],
        ),
    ]
    assert units_total(postings_through(alone, REALIZED, "2026-05-31"), "USD") == Decimal("5.00")
    assert _closed(entries) == (NIL, NIL, NIL, Decimal("10.00"), NIL)
    assert sealed(entries, "2026-06-30") == sealed(alone, "2026-06-30")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")


def test_recoveries_at_a_rate_that_does_not_end_are_rounded_cumulatively(books: Books) -> None:
    # INV-1 100.00 EUR at 1.0837 is carried at 108.37 USD and written off
    # at 1.0837 against bad debt 108.37 USD. R-1 50.00 EUR on Jul 10 and R-2
    # 50.00 EUR on Aug 10 (EUR 1.10: 55.00 USD each). R-1 reinstates 50.00 x
    # 1.0837 = 54.185, rounded half to even 54.18 USD (price 54.18 / 50.00 =
    # 1.0836); R-2 what all 100.00 EUR are worth less that, 108.37 - 54.18 =
    # 54.19 USD (price 1.0838), not 54.18 again: bad debt nets 0.00, not
    # 0.01. Each application clears the piece reinstated: gains of 55.00 -
    # 54.18 = 0.82 and 55.00 - 54.19 = 0.81 USD, together 110.00 - 108.37 =
    # 1.63. R-2 leaves July as it was.
    july = (
        _invoice("1.0837", "108.37")
        + _written_off("@ 1.0837 USD", f"{BAD_DEBT}  108.37 USD")
        + _receipt("2026-07-10", "50.00 EUR")
    )
    text = july + _receipt("2026-08-10", "50.00 EUR", "R-2")
    alone, entries = _load(books, july), _load(books, text)
    made = [(day, kind, postings[:2]) for day, kind, postings in _made(entries, "2026-06-01")]
    assert made == [
        ("2026-07-10", "recovery", [f"{AR} 50.00 EUR @ 1.0836 USD", f"{BAD_DEBT} -54.18 USD"]),
        (
            "2026-07-10",
            "named",
            [f"{UNAPPLIED} 50.00 EUR @ 1.10 USD", f"{AR} -50.00 EUR @ 1.0836 USD"],
        ),
        ("2026-08-10", "recovery", [f"{AR} 50.00 EUR @ 1.0838 USD", f"{BAD_DEBT} -54.19 USD"]),
        (
            "2026-08-10",
            "named",
            [f"{UNAPPLIED} 50.00 EUR @ 1.10 USD", f"{AR} -50.00 EUR @ 1.0838 USD"],
        ),
    ]
    assert _closed(entries, "2026-08-31") == (NIL, NIL, NIL, Decimal("-1.63"), NIL)
    assert sealed(entries, "2026-07-31") == sealed(alone, "2026-07-31")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-08-31")


@pytest.mark.parametrize(
    ("rate", "carrying", "debit"),
    [
        ("1.20", "120.00", f"{BAD_DEBT}  100.00 EUR @ 1.20 USD"),
        ("1.08375", "108.375", f"{BAD_DEBT}  108.375 USD"),
    ],
)
def test_a_write_off_debiting_euros_or_fractions_of_a_cent_is_not_reversed(
    books: Books, rate: str, carrying: str, debit: str
) -> None:
    # Still gaps (README): a write-off whose debit is not in USD (100.00 EUR
    # to bad debt at 1.20), or is in fractions of a cent (100.00 EUR at
    # 1.08375 = 108.375 USD), is not reversed. R-1's 100.00 EUR stays what
    # it was before the rule: the customer's credit, at 1.10, and bad debt
    # keeps what the write-off debited.
    text = (
        _invoice(rate, carrying)
        + _written_off(f"@ {rate} USD", debit)
        + _receipt("2026-07-10", "100.00 EUR")
    )
    entries = _load(books, text)
    assert [kind for _, kind, _ in _made(entries, "2026-06-01")] == ["named"]
    assert units_total(postings_through(entries, CREDITS, "2026-07-31"), "EUR") == Decimal(
        "-100.00"
    )
    amount, currency = debit.split()[1:3]
    assert units_total(postings_through(entries, BAD_DEBT, "2026-07-31"), currency) == Decimal(
        amount
    )
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-07-31")


RATES = st.integers(min_value=8000, max_value=14000)  # 0.8000 to 1.4000 USD a euro


@st.composite
def _recovered(draw: st.DrawFn) -> tuple[str, Decimal, list[Decimal]]:
    """An invoice in euros written off whole at a total price, then receipts in euros naming it.

    The write-off is at the carrying rate or another, typed at its total in
    cents (`@@`); one to three receipts, a month apart, bring up to what was
    written off. Returns the books, the total written off and the receipts.
    """
    cents = draw(st.integers(min_value=100, max_value=1_000_000))
    eur = Decimal(cents).scaleb(-2)
    carrying = Decimal(draw(RATES)).scaleb(-4)
    rate = carrying if draw(st.booleans()) else Decimal(draw(RATES)).scaleb(-4)
    total = quantize(eur * carrying, 2)
    written = quantize(eur * rate, 2)
    cuts = sorted(draw(st.lists(st.integers(1, cents), min_size=1, max_size=3, unique=True)))
    pieces = [Decimal(b - a).scaleb(-2) for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]
    text = f"""
2026-01-01 price EUR {carrying} USD

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  {eur} EUR @ {carrying} USD
  Income:Revenue:Services  -{total} USD
""" + _written_off(f"@@ {written} USD", f"{BAD_DEBT}  {written} USD").replace("100.00", str(eur))
    for month, piece in enumerate(pieces, start=7):
        day_rate = Decimal(draw(RATES)).scaleb(-4)
        text += f"\n2026-{month:02d}-10 price EUR {day_rate} USD\n"
        text += _receipt(f"2026-{month:02d}-10", f"{piece} EUR", f"R-{month}")
    return text, written, pieces


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_recovered())
def test_recoveries_at_rates_reverse_bad_debt_to_the_cent_and_tie_the_receivable(
    books: Books, case: tuple[str, Decimal, list[Decimal]]
) -> None:
    # Whatever the invoice, its carrying rate, the write-off's rate and the
    # receipts' split and rates:
    # - what stays written off is the write-off's total less what the euros
    #   recovered are worth at its rate, rounded to the cent cumulatively
    #   (so the receipts' pieces add up to that): nothing once all of them
    #   are recovered;
    # - no credit is left to the customer, and the receivable is 0.00 EUR
    #   weighing nothing in USD (to a unit of the 28th digit where a price
    #   does not end);
    # - the aging's functional total ties the general ledger at the end.
    text, written, pieces = case
    entries = _load(books, text)
    recovered = sum(pieces, Decimal(0))
    eur = Decimal(_written_eur(text))
    price = written / eur  # Beancount's price of a unit of `@@`, to its 28 digits
    left = written - quantize(recovered * price, 2)
    assert units_total(postings_through(entries, BAD_DEBT, "2026-12-31"), "USD") == left
    assert units_total(postings_through(entries, CREDITS, "2026-12-31"), "EUR") == 0
    held = postings_through(entries, AR, "2026-12-31")
    assert units_total(held, "EUR") == 0
    assert abs(usd_weight(held)) < Decimal("1e-20")
    aging_ties(books, HEADER + OPENS + text, POLICY, "2026-12-31")


def _written_eur(text: str) -> str:
    """The euros the books' write-off takes off the receivable."""
    [line] = [line for line in text.splitlines() if " EUR @@ " in line]
    return line.split()[1].lstrip("-")
