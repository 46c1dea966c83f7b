"""Foreign-currency amounts moved between two carried positions realize their difference.

A credit note netted against its invoice, and a customer credit paying the
customer's next invoice, move units of a foreign currency from one position
to another. Each position is carried at its own rate in the functional
currency, so the move realizes what the rates differ by, as a cash
application does. Once no foreign balance is left, the functional-currency
postings of the books add up to zero: revenue, cash and exchange differences
account for each other to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import ar_entries
from plugins.ar_policy import ArPolicy
from tests.conftest import Books, generated
from tests.test_ar_reconciliation import AR, CREDITS, REALIZED, balance, load, receipt

EUR_RATES = """
2026-01-01 price EUR 1.20 USD
2026-01-20 price EUR 1.10 USD
2026-03-01 price EUR 1.30 USD
"""


def functional_total(entries: list[data.Directive]) -> Decimal:
    """The sum of every USD posting of the books, in every account."""
    return sum(
        (
            posting.units.number
            for entry in entries
            if isinstance(entry, data.Transaction)
            for posting in entry.postings
            if posting.units is not None
            and posting.units.currency == "USD"
            and isinstance(posting.units.number, Decimal)
        ),
        Decimal(0),
    )


def weight(posting: data.Posting) -> Decimal:
    """A posting's units times its price, if it has one."""
    assert posting.units is not None and isinstance(posting.units.number, Decimal)
    if posting.price is None:
        return posting.units.number
    assert isinstance(posting.price.number, Decimal)
    return posting.units.number * posting.price.number


def of_kind(entries: list[data.Directive], kind: str) -> list[list[str]]:
    """The postings of each generated entry of a kind, as `account units @ price`."""
    return [
        [
            " ".join(str(part) for part in (p.account, p.units, p.price and f"@ {p.price}") if part)
            for p in entry.postings
        ]
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") == kind
    ]


def test_credit_note_netted_at_another_rate_realizes_the_difference(books: Books) -> None:
    # INV-1: 30.00 EUR at 1.20 = 36.00 USD of revenue. CN-1 credits 10.00 EUR
    # of it at 1.10 = 11.00 USD of revenue reversed. R-1 pays the other 20.00
    # EUR with 22.00 USD at 1.10. Revenue 36.00 - 11.00 = 25.00, cash 22.00:
    # 3.00 USD lost on exchange. The receipt realizes 20 x (1.20 - 1.10) =
    # 2.00; netting moves 10.00 EUR carried at 1.10 onto 10.00 EUR carried at
    # 1.20 and realizes 10 x 0.10 = 1.00.
    text = (
        EUR_RATES
        + """
2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-01-20 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 EUR @ 1.10 USD
  Income:Revenue:Services  11.00 USD
"""
        + receipt("2026-01-25", "22.00 USD", "R-1", '\n  invoice: "INV-1"')
    )
    entries, errors = load(books, text)
    assert errors == []
    assert of_kind(entries, "credit-note") == [
        [
            f"{AR} 10.00 EUR @ 1.10 USD",
            f"{AR} -10.00 EUR @ 1.20 USD",
            f"{REALIZED} 1.00 USD",
        ]
    ]
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("3.00")
    assert functional_total(entries) == 0


def test_credit_note_at_the_invoices_rate_realizes_nothing(books: Books) -> None:
    # Both carried at 1.20: 10.00 EUR x (1.20 - 1.20) = 0, no exchange posting.
    text = """
2026-01-01 price EUR 1.20 USD

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-01-20 * "Acme" "Credit note CN-1" ^CN-1 ^INV-1
  invoice: "CN-1"
  credits: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -10.00 EUR @ 1.20 USD
  Income:Revenue:Services  12.00 USD
"""
    entries, errors = load(books, text)
    assert errors == []
    assert of_kind(entries, "credit-note") == [
        [f"{AR} 10.00 EUR @ 1.20 USD", f"{AR} -10.00 EUR @ 1.20 USD"]
    ]


def test_customer_credit_received_at_one_rate_pays_an_invoice_at_another(books: Books) -> None:
    # INV-1: 30.00 EUR at 1.20 = 36.00 USD. R-1 names it and pays 40.00 EUR
    # at 1.10 = 44.00 USD: 30.00 EUR clear INV-1 (a loss of 30 x 0.10 = 3.00)
    # and 10.00 EUR go to customer credits at 1.10 (11.00 USD). INV-2, 10.00
    # EUR at 1.30 = 13.00 USD, is paid from the credit: a receivable carried
    # at 13.00 settled with EUR received at 11.00, a loss of 10 x 0.20 = 2.00.
    # In all 44.00 USD received for 49.00 billed: 5.00 lost.
    text = (
        EUR_RATES
        + """
2026-01-01 open Liabilities:CustomerCredits

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD

2026-02-03 * "Acme" "Wire"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:Bank:Operating  44.00 USD
  Liabilities:UnappliedCash  -40.00 EUR @ 1.10 USD

2026-03-05 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  10.00 EUR @ 1.30 USD
  Income:Revenue:Services  -13.00 USD
"""
    )
    entries, errors = load(books, text)
    assert errors == []
    assert of_kind(entries, "customer-credit") == [
        [
            f"{CREDITS} 10.00 EUR @ 1.10 USD",
            f"{AR} -10.00 EUR @ 1.30 USD",
            f"{REALIZED} 2.00 USD",
        ]
    ]
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, CREDITS, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("5.00")
    assert functional_total(entries) == 0


_POLICY = ArPolicy(functional_currency="USD")
_rates = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=4)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**7), _rates, _rates)
def test_a_transfer_realizes_the_units_times_what_the_rates_differ_by(
    units: int, debit_rate: Decimal, credit_rate: Decimal
) -> None:
    # Moving N cents of EUR from a position at c onto one at d realizes
    # N/100 x (c - d) USD, rounded to the cent, and the entry balances within
    # half a cent (Beancount's tolerance for USD amounts with two decimals).
    postings = ar_entries.carried_transfer(
        ("Liabilities:CustomerCredits", debit_rate, None),
        (AR, credit_rate, None),
        units,
        "EUR",
        _POLICY,
    )
    moved = Decimal(units).scaleb(-2)
    realized = [str(p.units) for p in postings if p.account == _POLICY.realized_fx_account]
    exact = moved * (credit_rate - debit_rate)
    if exact:
        assert realized == [f"{exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN)} USD"]
    else:
        assert realized == []
    weights = sum((weight(p) for p in postings), Decimal(0))
    assert abs(weights) <= Decimal("0.005")


def test_a_transfer_without_a_rate_on_either_side_moves_the_units_as_they_are() -> None:
    # A credit received in EUR with no price on its day has no rate: 10.00
    # EUR move unpriced, and nothing is realized.
    postings = ar_entries.carried_transfer(
        ("Liabilities:CustomerCredits", None, None),
        (AR, Decimal("1.30"), None),
        1000,
        "EUR",
        _POLICY,
    )
    assert [(p.account, str(p.units), p.price) for p in postings] == [
        ("Liabilities:CustomerCredits", "10.00 EUR", None),
        (AR, "-10.00 EUR", None),
    ]


EUR_INVOICE_AT_120 = """
2026-01-01 price EUR 1.20 USD
2026-02-01 price EUR 1.10 USD

2026-01-01 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 EUR @ 1.20 USD
  Income:Revenue:Services  -36.00 USD
"""


def paid_straight(day: str, euros: str, rate: str) -> str:
    """A bank line that credits the receivable itself, at a rate of its own."""
    return f"""
{day} * "Acme" "Wire" ^INV-1
  bank_reference: "BR-{day}"
  invoice: "INV-1"
  Assets:Bank:Operating
  Assets:AccountsReceivable  -{euros} EUR @ {rate} USD
"""


def test_payment_posted_straight_to_the_receivable_at_its_own_rate_realizes_it(
    books: Books,
) -> None:
    # INV-1 is carried at 36.00 USD (30.00 EUR at 1.20). The bank line credits
    # it with 33.00 USD, at 1.10. Moving the 30.00 EUR back at 1.10 and out at
    # 1.20 realizes 30 x (1.20 - 1.10) = 3.00 USD of loss: revenue 36.00, cash
    # 33.00, loss 3.00.
    entries, errors = load(books, EUR_INVOICE_AT_120 + paid_straight("2026-02-01", "30.00", "1.10"))
    assert errors == []
    assert of_kind(entries, "own-rate") == [
        [
            f"{AR} 30.00 EUR @ 1.10 USD",
            f"{AR} -30.00 EUR @ 1.20 USD",
            f"{REALIZED} 3.00 USD",
        ]
    ]
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("3.00")
    assert functional_total(entries) == 0


def test_part_paid_straight_and_the_rest_through_unapplied_cash_realize_the_whole(
    books: Books,
) -> None:
    # 15.00 EUR paid straight at 1.10 (16.50 USD): 15 x 0.10 = 1.50 realized.
    # The other 15.00 EUR by R-1, 16.50 USD naming INV-1 on Feb 1 at 1.10:
    # 1.50 more. In all 33.00 USD for 36.00 billed: 3.00.
    text = EUR_INVOICE_AT_120 + paid_straight("2026-02-01", "15.00", "1.10")
    text += receipt("2026-02-01", "16.50 USD", "R-1", '\n  invoice: "INV-1"')
    entries, errors = load(books, text)
    assert errors == []
    assert [posting[-1] for posting in of_kind(entries, "own-rate")] == [f"{REALIZED} 1.50 USD"]
    assert balance(entries, AR, "EUR") == 0
    assert balance(entries, REALIZED, "USD") == Decimal("3.00")
    assert functional_total(entries) == 0


def test_payment_posted_straight_at_the_carrying_rate_realizes_nothing(books: Books) -> None:
    entries, errors = load(books, EUR_INVOICE_AT_120 + paid_straight("2026-01-20", "30.00", "1.20"))
    assert errors == []
    assert of_kind(entries, "own-rate") == []
    assert balance(entries, AR, "EUR") == 0
    assert functional_total(entries) == 0


def test_a_bounced_payment_at_its_own_rate_takes_back_what_it_realized(books: Books) -> None:
    # The 30.00 EUR paid at 1.10 on Feb 1 bounce on Feb 2, at the same 1.10:
    # the payment realized a 3.00 USD loss; the debit undoing it moves 30.00
    # EUR out at 1.10 and back at the carrying 1.20, a 3.00 USD gain. INV-1
    # is open again for 30.00 EUR, carried at 1.20, with nothing realized.
    bounced = """
2026-02-02 * "Acme" "Returned wire" ^INV-1
  invoice: "INV-1"
  Assets:Bank:Operating
  Assets:AccountsReceivable  30.00 EUR @ 1.10 USD
"""
    text = EUR_INVOICE_AT_120 + paid_straight("2026-02-01", "30.00", "1.10") + bounced
    entries, errors = load(books, text)
    assert errors == []
    assert of_kind(entries, "own-rate") == [
        [f"{AR} 30.00 EUR @ 1.10 USD", f"{AR} -30.00 EUR @ 1.20 USD", f"{REALIZED} 3.00 USD"],
        [f"{AR} 30.00 EUR @ 1.20 USD", f"{AR} -30.00 EUR @ 1.10 USD", f"{REALIZED} -3.00 USD"],
    ]
    assert balance(entries, AR, "EUR") == Decimal("30.00")
    assert balance(entries, REALIZED, "USD") == 0
