"""A customer credit pays an invoice by the rule of a receipt: a rate on one side only is an error.

A credit is carried at the rate its receipt parked it at, or at none
(`plugins.customer_credits.Credit.rate`); applied to an invoice of its
currency with a rate on one side only, its units move unpriced and what the
rated side carries in the functional currency stays behind with nothing
open, as a receipt's would (`plugins.fx.without_a_rate`). It is reported at
the credit's source, the receipt's line its cash application is located
at (`plugins.customer_credits.unrated`). Both tests below failed before the
rule (found by the review of 8d7a001): nothing was said, and only the
aging's functional tie showed the second.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports import receivables
from tests.conftest import Books
from tests.test_ar_unpriced_receipts import (
    INVOICE_1,
    INVOICE_E1,
    functional_total,
    load_usd,
    usd_errors,
)

D = Decimal


def test_a_customer_credit_at_a_rate_paying_an_invoice_in_euros_alone_is_reported(
    books: Books,
) -> None:
    # EUR's first price is 1.10 on Jan 15: INV-E1 (Jan 1) is carried in
    # euros alone, INV-1 at its own 1.20. R-1, a USD wire of 121.00 for
    # 110.00 EUR at 1.10, names INV-1: it clears INV-1's 100.00 EUR, carried
    # at 120.00, for 100 x 1.10 = 110.00, a realized loss of 10.00, and its
    # 10.00 EUR over, at 1.10 = 11.00 USD, go to CUS-E's customer credits.
    # The credit is applied to INV-E1, the customer's other open invoice in
    # euros: its units move unpriced, so customer credits hold -10.00 +
    # 10.00 = 0.00 EUR but -11.00 + 0.00 = -11.00 USD, nothing open and
    # realized nowhere; INV-E1 is open 100.00 - 10.00 = 90.00 EUR. The same
    # 10.00 EUR at 1.10 reaching INV-E1 straight (`-10.00 EUR @ 1.10 USD`,
    # 8d7a001) or from unapplied cash (R-1 naming INV-E1) is an error, "at
    # 1.10 USD pays 'INV-E1', carried in EUR alone"; by a credit nothing was
    # said before the rule, and nothing breaks (the aging ties at 0.00:
    # INV-1 is closed and INV-E1 has no functional value). So it is
    # reported at R-1's priced line, where its rate is typed (the credit's
    # source, where its cash application is located).
    prices = "\n2026-01-15 price EUR 1.10 USD\n"
    wire = """
2026-02-01 * "Euro" "Wire in USD"
  receipt: "R-1"
  invoice: "INV-1"
  customer: "CUS-E"
  Assets:Bank:Operating  121.00 USD
  Liabilities:UnappliedCash  -110.00 EUR @ 1.10 USD
"""
    loaded, written = load_usd(books, prices + INVOICE_E1 + INVOICE_1 + wire)
    [row] = receivables.open_invoices(loaded, datetime.date(2026, 2, 28)).rows
    assert (row[0], row[-2]) == ("INV-E1", D("90.00"))
    assert functional_total(loaded, "2026-02-28") == [D("0.00"), D("0.00"), D("0.00")]
    line = written.index("  Liabilities:UnappliedCash  -110.00 EUR @ 1.10 USD") + 1
    [(at, message)] = usd_errors(loaded)
    assert at == line
    assert message == (
        "Customer credit from 'R-1' at 1.10 USD pays 'INV-E1', carried in EUR alone: the "
        "exchange difference is not realized; expected an '@' price on its receivable posting "
        "or a EUR price in USD on or before 2026-01-01"
    )


def test_a_customer_credit_without_a_rate_paying_an_invoice_carried_at_one_is_reported(
    books: Books,
) -> None:
    # No EUR price in the ledger at all. R-1 110.00 EUR into the euro
    # account, no price, names INV-E1 (carried in euros alone): it pays its
    # 100.00 EUR, neither side with a rate (no error, rightly), and its
    # 10.00 EUR over go to CUS-E's credits, with no rate either. The credit
    # is applied to INV-1, carried at 1.20: its units move unpriced, INV-1
    # is open 90.00 EUR carried at 120.00 - 10 x 1.20 = 108.00 while the
    # general ledger keeps 120.00 (the credit's euros have no price to weigh
    # them by): the aging's functional total is 108.00 against 120.00, a
    # break of 12.00 USD with nothing open. The same 10.00 EUR from
    # unapplied cash naming INV-1 is an error at the receipt ("in EUR has no
    # rate in USD on 2026-02-01 to pay 'INV-1', carried at 1.20 USD"); by a
    # credit only the tie showed it before the rule. So it is reported at
    # R-1's line (the credit's source), the day its credit was parked.
    wire = """
2026-02-01 * "Euro" "Wire in EUR"
  receipt: "R-1"
  invoice: "INV-E1"
  customer: "CUS-E"
  Assets:Bank:Euro  110.00 EUR
  Liabilities:UnappliedCash  -110.00 EUR
"""
    loaded, written = load_usd(books, INVOICE_E1 + INVOICE_1 + wire)
    assert functional_total(loaded, "2026-02-28") == [D("108.00"), D("120.00"), D("12.00")]
    line = written.index("  Liabilities:UnappliedCash  -110.00 EUR") + 1
    [(at, message)] = usd_errors(loaded)
    assert at == line
    assert message == (
        "Customer credit from 'R-1' in EUR has no rate in USD on 2026-02-01 to pay 'INV-1', "
        "carried at 1.20 USD: the exchange difference is not realized; expected an '@' price "
        "on its receipt's posting or a EUR price in USD on or before 2026-02-01"
    )
