"""A transfer between credit pools realizes nothing; the carrying amount moves with the units.

A transfer is an entry whose every posting is to the credits account
(`plugins.credit_transfers.transfers`, `is_transfer`): worked examples a
revenue accountant would type, each loading real books. From the review
of 56b02a8 (rev10), in 76110e0: the tests of nobody's euros assigned to
a customer by hand at a rate of their own, of a customer's moved to
another and of a transfer into an overdrawn pool failed before the rule,
which read the debit as a payout at its own rate. From the review of
76110e0 (rev12): the tests of two transfers on one day listed in either
order, of a split between two customers, of a gathering into one, of a
move between a customer's contracts, of a bank batch refunding one
customer and receiving another, of a transfer into a pool carried in its
own currency and of a customer's statement failed on 76110e0. The bank
batch's passed before it (76110e0 read it as a transfer). The tests of a
transfer typed without a price (read at the source pool's carrying rate,
session 32) failed on f1bde5b, where such a transfer stopped both pools.
From the review of a2603ac (rev16): a transfer read as typed stopping its
pools whatever else its day nets, in both passes, and a priced and an
unpriced move in one entry read as two transfers, failed on a2603ac.
Two more of rev12's pin what passed: a transfer in the
functional currency is left alone, and a transfer's restated legs name
the receipt its debit names.
From the review of fd6b90d (rev19): a move between a customer's
contracts typed inside a transfer between pools, moving nothing and
stopping nothing (a transfer moves each pool's legs net), failed on
fd6b90d; its two pins passed there.

Prices and the pool of every example but the last three: EUR at 1.20 from
Jan 1, 1.25 on Jan 31, 1.15 on Feb 28. CUS-1 prepays 100.00 EUR at 1.20
(-120.00 USD) on Jan 10 and 100.00 EUR at 1.28 (-128.00 USD) on Jan 12,
each naming CUS-1: one pool of -200.00 EUR carried at -248.00 (1.24).
Jan 31 (1.25): -250.00 + 248.00 = -2.00, a loss, reversed Feb 1.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from beancount.core import data

from reports import receivables as receivables_report
from tests import reporting
from tests.conftest import Books, generated
from tests.rated_books import postings_through, units_total
from tests.test_ar_credits_remeasured import (
    ACME_PREPAYS,
    BETA_PREPAYS,
    CREDITS_REMEASURED,
    CUS_1_BILLED,
    PRICES,
    _value,
    prepays,
)
from tests.test_ar_reconciliation import CREDITS, HEADER, POLICY, REALIZED, load

TRANSFER = "credits-transfer"  # the kind of the entry restating a transfer

# CUS-1's pool (see above): 100.00 EUR at 1.20 and 100.00 EUR at 1.28.
CUS_1_PREPAYS = "".join(
    prepays(day, "Acme", "100.00 EUR", rate, customer="CUS-1")
    for day, rate in (("2026-01-10", "1.20"), ("2026-01-12", "1.28"))
)
# The euro bank account, into which euros come without a price.
EURO_ACCOUNT = "\n2026-01-01 open Assets:Bank:Euro\n"
# CUS-2 prepays 10.00 EUR to the euro bank account on Jan 15, typed with no
# price: its pool is carried in its own currency from then on.
CUS_2_EUROS = """
2026-01-15 * "Beta" "Euro wire prepaying an order"
  customer: "CUS-2"
  Assets:Bank:Euro  10.00 EUR
  Liabilities:CustomerCredits  -10.00 EUR
"""


def leg(units: str, customer: str = "", rate: str = "", contract: str = "") -> str:
    """A posting to the credits account: `units`, at `rate` USD if typed, whose (none: nobody's)."""
    price = f" @ {rate} USD" if rate else ""
    whose = f'    customer: "{customer}"\n' if customer else ""
    of = f'    contract: "{contract}"\n' if contract else ""
    return f"  Liabilities:CustomerCredits  {units}{price}\n{whose}{of}"


def hand_entry(narration: str, *legs: str, day: str = "2026-02-03") -> str:
    """A hand entry of `legs` (`leg`), all to the credits account: a transfer between pools."""
    return f'\n{day} * "{narration}"\n' + "".join(legs)


def moved(source: str, destination: str, euros: str, rate: str = "1.25") -> str:
    """A hand entry moving `euros` of one customer's credits to another's, at `rate` typed."""
    return hand_entry(
        f"{source}'s {euros} EUR moved to {destination}",
        leg(f"{euros} EUR", source, rate),
        leg(f"-{euros} EUR", destination, rate),
    )


def unpriced(source: str, destination: str, euros: str, day: str = "2026-02-03") -> str:
    """A hand entry moving `euros` of one pool's credits to another's, typed without a price."""
    return hand_entry(
        f"{source}'s {euros} EUR moved to {destination}",
        leg(f"{euros} EUR", source),
        leg(f"-{euros} EUR", destination),
        day=day,
    )


def remeasured_on(entries: list[data.Directive], day: str) -> dict[str, Decimal]:
    """A month end's remeasurement of each credit pool, by whose it is (positive: a gain)."""
    return {
        str(entry.meta["revclose_source"]): units_total(
            [p for p in entry.postings if p.account == CREDITS_REMEASURED]
        )
        for entry in generated(entries)
        if entry.date == datetime.date.fromisoformat(day) and "fx-remeasurement" in entry.tags
    }


def february(entries: list[data.Directive]) -> dict[str, Decimal]:
    """Feb 28's remeasurement of each credit pool, by whose it is (positive: a gain)."""
    return remeasured_on(entries, "2026-02-28")


def restated_legs(entries: list[data.Directive]) -> list[tuple[str, str, str | None]]:
    """The postings of the entries restating transfers: units, price, and whose (`customer`)."""
    return [
        (str(posting.units), str(posting.price), (posting.meta or {}).get("customer"))
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") == TRANSFER
        for posting in entry.postings
    ]


def realized(entries: list[data.Directive]) -> Decimal:
    """The exchange difference realized in all (positive: a loss)."""
    return units_total(postings_through(entries, REALIZED, "2026-12-31"))


def kinds(entries: list[data.Directive]) -> list[str]:
    """The kinds of the entries restating own rates and transfers, in date order."""
    return [
        str(entry.meta["revclose_kind"])
        for entry in generated(entries)
        if entry.meta.get("revclose_kind") in ("own-rate", TRANSFER)
    ]


@pytest.mark.parametrize(
    ("later", "remeasured"),
    [
        # CUS-1's 100.00 EUR go to CUS-2 and on to CUS-3 the same day; the
        # entry moving them on is first in the books (typed first, or in a
        # file included before the other). Each read once its pools hold
        # what it takes out (CUS-2 holds nothing till CUS-1's move), they
        # leave CUS-1 at 248.00 x 100 / 200 = 124.00, come into CUS-2 at
        # 124.00, leave it at all it holds, 124.00, and come into CUS-3 at
        # 124.00: nothing realized. Feb 28 (1.15): CUS-1's -115.00 + 124.00
        # = 9.00, CUS-3's 9.00, CUS-2 holds nothing. On 76110e0 CUS-2's
        # debit was read first, overdrawing it at 1.25 (+125.00),
        # CUS-3's pool starts at -125.00, and CUS-1's 124.00 clear CUS-2's
        # overdraw of 125.00: 1.00 realized; CUS-3 is remeasured by 10.00.
        (moved("CUS-2", "CUS-3", "100.00") + moved("CUS-1", "CUS-2", "100.00"),
         {"CUS-1": "9.00", "CUS-3": "9.00"}),
        # The same day, 100.00 EUR go to CUS-2 and come back, the entry
        # moving them back first in the books. Nothing moves in all: CUS-1
        # holds -200.00 EUR at -248.00, Feb 28 -230.00 + 248.00 = 18.00;
        # nothing realized. On 76110e0 CUS-2 was overdrawn first (+125.00),
        # CUS-1 then holds -300.00 EUR at -373.00 and gives 373.00 x 100 / 300 =
        # 124.33 to clear it: 0.67 realized, and CUS-1's -248.67 remeasured
        # by 18.67.
        (moved("CUS-2", "CUS-1", "100.00") + moved("CUS-1", "CUS-2", "100.00"),
         {"CUS-1": "18.00"}),
        # The chain typed without a price, the entry moving them on first
        # in the books: read in the same order, each debit at its pool's
        # carrying rate (CUS-1's 248.00 x 100 / 200 = 124.00; CUS-2's all it
        # holds, 124.00): the same 9.00 and 9.00, nothing realized. On
        # f1bde5b the unpriced legs stopped all three pools: nothing on Feb 28.
        (unpriced("CUS-2", "CUS-3", "100.00") + unpriced("CUS-1", "CUS-2", "100.00"),
         {"CUS-1": "9.00", "CUS-3": "9.00"}),
    ],
    ids=["on to a third customer", "there and back", "on to a third customer unpriced"],
)  # fmt: skip
def test_transfers_on_one_day_realize_nothing_whichever_the_books_list_first(
    books: Books, later: str, remeasured: dict[str, str]
) -> None:
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + later)
    assert errors == []
    assert realized(entries) == 0
    assert february(entries) == {whose: Decimal(gain) for whose, gain in remeasured.items()}


def test_credits_split_between_two_customers_realize_nothing(books: Books) -> None:
    # On Feb 3 CUS-1's 100.00 EUR are split by hand, 60.00 to CUS-2 and
    # 40.00 to CUS-3 (a parent's prepayment shared by its subsidiaries),
    # typed at the day's 1.25. No euro leaves the books: nothing realized.
    # 100.00 EUR leave CUS-1 at 248.00 x 100 / 200 = 124.00; CUS-2's 60.00
    # come in at 124.00 x 60 / 100 = 74.40, CUS-3's 40.00 at 49.60.
    #   Feb 28 (1.15): CUS-1 -115.00 + 124.00 = 9.00; CUS-2 -69.00 + 74.40
    #   = 5.40; CUS-3 -46.00 + 49.60 = 3.60; 18.00 in all.
    # On 76110e0 an entry of three legs was no transfer: CUS-1's debit was
    # a payout at 1.25, realizing 125.00 - 124.00 = 1.00, and CUS-2 and
    # CUS-3 started at 75.00 and 50.00 (remeasured by 6.00 and 4.00).
    split = hand_entry(
        "CUS-1's 100.00 EUR split between CUS-2 and CUS-3",
        leg("100.00 EUR", "CUS-1", "1.25"),
        leg("-60.00 EUR", "CUS-2", "1.25"),
        leg("-40.00 EUR", "CUS-3", "1.25"),
    )
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + split)
    assert errors == []
    assert realized(entries) == 0
    assert february(entries) == {
        "CUS-1": Decimal("9.00"),
        "CUS-2": Decimal("5.40"),
        "CUS-3": Decimal("3.60"),
    }


def test_credits_of_two_customers_gathered_into_one_realize_nothing(books: Books) -> None:
    # CUS-2 prepays 100.00 EUR at 1.30 (-130.00 USD) on Jan 14. On Feb 3
    # 50.00 EUR of CUS-1's and 50.00 EUR of CUS-2's are gathered into
    # CUS-3's by one entry typed at 1.25. Nothing realized: CUS-1's leave
    # at 248.00 x 50 / 200 = 62.00, CUS-2's at its one rate, 50.00 x 1.30
    # = 65.00, and CUS-3's 100.00 EUR come in at 62.00 + 65.00 = 127.00.
    #   Feb 28 (1.15): CUS-1 -150.00 x 1.15 + 186.00 = -172.50 + 186.00 =
    #   13.50; CUS-2 -57.50 + 65.00 = 7.50; CUS-3 -115.00 + 127.00 = 12.00.
    # Before, an entry of three legs was no transfer: CUS-1's debit paid
    # out at 1.25 realized 62.50 - 62.00 = 0.50 of loss, CUS-2's 62.50 -
    # 65.00 = 2.50 of gain, and CUS-3 started at -125.00.
    gathered = """
2026-01-14 * "Beta" "Wire prepaying an order"
  customer: "CUS-2"
  Assets:Bank:Operating  130.00 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.30 USD

""" + hand_entry(
        "CUS-1's and CUS-2's 50.00 EUR each gathered into CUS-3",
        leg("50.00 EUR", "CUS-1", "1.25"),
        leg("50.00 EUR", "CUS-2", "1.25"),
        leg("-100.00 EUR", "CUS-3", "1.25"),
    )
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + gathered)
    assert errors == []
    assert realized(entries) == 0
    assert kinds(entries) == [TRANSFER]
    assert february(entries) == {
        "CUS-1": Decimal("13.50"),
        "CUS-2": Decimal("7.50"),
        "CUS-3": Decimal("12.00"),
    }


def test_credits_moved_between_a_customers_contracts_realize_nothing(books: Books) -> None:
    # On Feb 3 100.00 EUR of CUS-1's credits are moved from contract C-1 to
    # C-2, typed at 1.25: the same pool (credits are pooled per customer and
    # currency), so nothing moves at all: -200.00 EUR at -248.00, nothing
    # realized. Feb 28 (1.15): -230.00 + 248.00 = 18.00.
    # On 76110e0 the legs were read as typed: the credit first, -300.00
    # EUR at -373.00, the debit then took 373.00 x 100 / 300 = 124.33 out
    # at 1.25: 0.67 realized, and -248.67 remeasured by 18.67.
    contracts = """
2026-02-03 * "CUS-1's credits moved from contract C-1 to C-2"
  customer: "CUS-1"
  Liabilities:CustomerCredits  100.00 EUR @ 1.25 USD
    contract: "C-1"
  Liabilities:CustomerCredits  -100.00 EUR @ 1.25 USD
    contract: "C-2"
"""
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + contracts)
    assert errors == []
    assert realized(entries) == 0
    assert kinds(entries) == []  # restates nothing
    assert february(entries) == {"CUS-1": Decimal("18.00")}


def test_a_bank_batch_refunding_one_customer_and_receiving_another_is_no_transfer(
    books: Books,
) -> None:
    # One bank batch entry on Feb 3: CUS-1 is refunded 100.00 EUR at 1.25
    # (125.00 USD paid out) and CUS-2 prepays 100.00 EUR at 1.25 (125.00 USD
    # received). Cash moves both ways: a payout and a receipt, no transfer.
    # The refund takes 124.00 out of CUS-1's pool and paid 125.00: 1.00
    # realized, a loss; CUS-2's pool starts at its dollars, -125.00.
    #   Feb 28 (1.15): CUS-1 -115.00 + 124.00 = 9.00; CUS-2 -115.00 + 125.00
    #   = 10.00.
    # Before 76110e0 that was so; 76110e0 read the two legs, of the same
    # units, as a transfer: nothing realized, CUS-2 started at -124.00 and
    # was remeasured by 9.00.
    batch = """
2026-02-03 * "Bank batch"
  Liabilities:CustomerCredits  100.00 EUR @ 1.25 USD
    customer: "CUS-1"
  Assets:Bank:Operating  -125.00 USD
  Assets:Bank:Operating  125.00 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.25 USD
    customer: "CUS-2"
"""
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + batch)
    assert errors == []
    assert kinds(entries) == ["own-rate"]
    assert realized(entries) == Decimal("1.00")
    assert february(entries) == {"CUS-1": Decimal("9.00"), "CUS-2": Decimal("10.00")}


def test_a_transfer_typed_without_a_price_keeps_both_pools_remeasured(books: Books) -> None:
    # On Feb 3 CUS-1's 100.00 EUR are moved to CUS-2 by an entry with no
    # price (it balances in euros, the plainest way to type it). A
    # transfer realizes nothing and its carrying amount moves with the
    # units, 248.00 x 100 / 200 = 124.00 (1.24), whatever is typed: the
    # restating entry moves CUS-1's 100.00 EUR back unpriced and out at
    # 1.24, CUS-2's in at 1.24 and back unpriced (euros 0, dollars 124.00
    # - 124.00 = 0: it balances). CUS-1 -100.00 EUR at -124.00, CUS-2
    # -100.00 EUR at -124.00, both still carried at a rate: the unpriced
    # postings net to nothing in each pool on Feb 3.
    #   Feb 28 (1.15): each -115.00 + 124.00 = 9.00.
    # On f1bde5b the unpriced legs stopped both pools from Feb 3: nothing
    # on Feb 28, 18.00 of gain missing.
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + unpriced("CUS-1", "CUS-2", "100.00"))
    assert errors == []
    assert realized(entries) == 0
    assert restated_legs(entries) == [
        ("-100.00 EUR", "None", "CUS-1"),
        ("100.00 EUR", "1.24 USD", "CUS-1"),
        ("100.00 EUR", "None", "CUS-2"),
        ("-100.00 EUR", "1.24 USD", "CUS-2"),
    ]
    assert february(entries) == {"CUS-1": Decimal("9.00"), "CUS-2": Decimal("9.00")}


def test_nobodys_credits_assigned_without_a_price_take_their_carrying_amount(
    books: Books,
) -> None:
    # Acme's 100.00 EUR at 1.20 (-120.00) and Beta's at 1.28 (-128.00):
    # nobody's one pool of -200.00 EUR carried at -248.00. On Feb 3 100.00
    # EUR of it are assigned to CUS-1 by an entry with no price, the debit
    # under no payee. They leave nobody's at 248.00 x 100 / 200 = 124.00
    # and come into CUS-1's at 124.00; nothing realized. The restating
    # entry, "typed without a price, carried at 124.00 USD", moves
    # nobody's 100.00 EUR back unpriced and out at 1.24 (naming no one),
    # CUS-1's in at 1.24 and back unpriced.
    #   Feb 28 (1.15): nobody's -115.00 + 124.00 = 9.00; CUS-1's 9.00.
    # On f1bde5b both pools stopped on Feb 3: nothing on Feb 28.
    assigned = hand_entry(
        "Nobody's 100.00 EUR assigned to CUS-1", leg("100.00 EUR"), leg("-100.00 EUR", "CUS-1")
    )
    entries, errors = load(books, PRICES + ACME_PREPAYS + BETA_PREPAYS + assigned)
    assert errors == []
    assert realized(entries) == 0
    [restated] = [e for e in generated(entries) if e.meta.get("revclose_kind") == TRANSFER]
    assert restated.narration == (
        "Credits transfer of 100.00 EUR from (unassigned) to CUS-1: typed without a price, "
        "carried at 124.00 USD"
    )
    assert restated_legs(entries) == [
        ("-100.00 EUR", "None", None),
        ("100.00 EUR", "1.24 USD", None),
        ("100.00 EUR", "None", "CUS-1"),
        ("-100.00 EUR", "1.24 USD", "CUS-1"),
    ]
    assert february(entries) == {"(unassigned)": Decimal("9.00"), "CUS-1": Decimal("9.00")}


def test_credits_moved_between_a_customers_contracts_without_a_price_stop_nothing(
    books: Books,
) -> None:
    # On Feb 3 100.00 EUR of CUS-1's credits are moved from contract C-1 to
    # C-2 with no price: one pool, +100.00 and -100.00 EUR unpriced on one
    # day, net nothing. No entry; the pool stays -200.00 EUR at -248.00.
    #   Feb 28 (1.15): -230.00 + 248.00 = 18.00.
    # On f1bde5b the first unpriced posting stopped the pool: nothing on Feb 28.
    contracts = """
2026-02-03 * "CUS-1's credits moved from contract C-1 to C-2"
  customer: "CUS-1"
  Liabilities:CustomerCredits  100.00 EUR
    contract: "C-1"
  Liabilities:CustomerCredits  -100.00 EUR
    contract: "C-2"
"""
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + contracts)
    assert errors == []
    assert kinds(entries) == []
    assert february(entries) == {"CUS-1": Decimal("18.00")}


@pytest.mark.parametrize(
    ("back", "march"),
    [
        # On Mar 3 CUS-2's 10.00 EUR are moved to CUS-1 at 1.20: out of a
        # pool carried in its own currency the priced leg's typed weight
        # moves, 12.00. CUS-1 -110.00 EUR at -136.00; Mar 31 (1.10):
        # -121.00 + 136.00 = 15.00.
        (moved("CUS-2", "CUS-1", "10.00", "1.20").replace("2026-02-03", "2026-03-03"),
         {"CUS-1": "15.00"}),
        # Typed without a price, they have no carrying amount to move (CUS-2
        # is carried in euros): the legs are read as typed, and the unpriced
        # -10.00 EUR into CUS-1 stop it from Mar 3, as any unpriced posting
        # does. CUS-1 is not remeasured on Mar 31.
        (unpriced("CUS-2", "CUS-1", "10.00", "2026-03-03"), {}),
    ],
    ids=["back at a rate", "back without a price"],
)  # fmt: skip
def test_a_transfer_without_a_price_out_of_a_pool_in_its_own_currency_stops_its_destination(
    books: Books, back: str, march: dict[str, str]
) -> None:
    # CUS-2 prepaid 10.00 EUR to the euro bank account on Jan 15 with no
    # price: its pool is carried in its own currency. On Feb 3 CUS-1's
    # 100.00 EUR are moved to CUS-2 with no price: CUS-1's debit is read at
    # its carrying rate, 248.00 x 100 / 200 = 124.00, and restated; CUS-2's
    # credit is restated at -124.00 too (the priced postings weigh -248.00
    # still) and CUS-2 stays in euros. Nothing realized.
    #   Feb 28 (1.15): CUS-1's -115.00 + 124.00 = 9.00; CUS-2 none.
    # EUR at 1.10 on Mar 31. On f1bde5b CUS-1 stopped on Feb 3: nothing on
    # Feb 28 or Mar 31.
    euros = EURO_ACCOUNT + CUS_2_EUROS + "\n2026-03-31 price EUR 1.10 USD\n"
    text = PRICES + CUS_1_PREPAYS + euros + unpriced("CUS-1", "CUS-2", "100.00") + back
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == 0
    assert _priced_weight(entries, "2026-02-28") == Decimal("-248.00")
    assert february(entries) == {"CUS-1": Decimal("9.00")}
    assert remeasured_on(entries, "2026-03-31") == {
        whose: Decimal(gain) for whose, gain in march.items()
    }


# From the review of a2603ac (rev16): euros typed to credits from a euro
# bank account with no price (`EURO_ACCOUNT`, `CUS_2_EUROS`, `_euro_wire`,
# `_euro_refund`), and a refund of CUS-1's at the bank's 1.30.
def _euro_wire(euros: str, day: str = "2026-02-03") -> str:
    """CUS-1 sends `euros` to the euro bank account, typed to its credits with no price."""
    return f"""
{day} * "Acme" "Euro wire prepaying an order"
  customer: "CUS-1"
  Assets:Bank:Euro  {euros} EUR
  Liabilities:CustomerCredits  -{euros} EUR
"""


def _euro_refund(euros: str, day: str = "2026-02-03") -> str:
    """CUS-1 is refunded `euros` from the euro bank account, with no price."""
    return f"""
{day} * "Acme" "Euro refund"
  customer: "CUS-1"
  Assets:Bank:Euro  -{euros} EUR
  Liabilities:CustomerCredits  {euros} EUR
"""


# On Feb 10 CUS-1 is refunded 100.00 EUR from the dollar account at the
# bank's 1.30: 130.00 USD paid.
REFUND_AT_1_30 = """
2026-02-10 * "Acme" "Refund"
  customer: "CUS-1"
  Assets:Bank:Operating  -130.00 USD
  Liabilities:CustomerCredits  100.00 EUR @ 1.30 USD
"""


@pytest.mark.parametrize(
    "day",
    [
        # CUS-1's own 100.00 EUR come into the euro account unpriced on Feb 3
        # (read first, a receipt: CUS-1 stops) and the same day 100.00 EUR
        # are moved to CUS-2 without a price, out of a pool with no carrying
        # rate left: read as typed. CUS-1's unpriced postings that day net
        # -100.00 + 100.00 = 0, the transfer's leg among them.
        _euro_wire("100.00") + unpriced("CUS-1", "CUS-2", "100.00"),
        # The README's example (CUS-2's 10.00 EUR carried in euros moved to
        # CUS-1 without a price: read as typed), and the same day CUS-1 is
        # refunded 10.00 EUR from the euro account: CUS-1's unpriced -10.00
        # + 10.00 = 0.
        CUS_2_EUROS + unpriced("CUS-2", "CUS-1", "10.00") + _euro_refund("10.00"),
    ],
    ids=["euros in, moved on", "euros moved in, refunded"],
)
def test_a_transfer_read_as_typed_stops_its_pools_whatever_else_its_day_nets(
    books: Books, day: str
) -> None:
    # CUS-1 holds -200.00 EUR at -248.00 (1.24) till Feb 3. The transfer is
    # read as typed (its debit's pool has no carrying rate to move), so its
    # unpriced legs stop their pools from Feb 3 and net with nothing: CUS-1
    # is carried in euros from Feb 3 in the own-rate pass and at the month
    # end alike (`credits_own_rate.Found.stops`). The Feb 10 refund at 1.30
    # meets a pool with no carrying rate: nothing realized. Feb 28: CUS-1
    # and CUS-2 not remeasured, nothing to remeasure.
    # On a2603ac the own-rate pass stopped CUS-1 (nothing realized) while
    # the month end, netting all the day's unpriced postings, kept
    # remeasuring it on -248.00 + 130.00 = -118.00 for 100.00 EUR, a carrying
    # amount no pass kept: Feb 28 -115.00 + 118.00 = 3.00.
    text = PRICES + EURO_ACCOUNT + CUS_1_PREPAYS + day + REFUND_AT_1_30
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == 0
    assert kinds(entries) == []
    assert february(entries) == {}


def test_a_priced_and_an_unpriced_move_in_one_entry_are_two_transfers(books: Books) -> None:
    # CUS-2's pool is carried in euros (10.00 EUR unpriced, Jan 15). On Feb
    # 3 one hand entry makes two moves between pools: CUS-1's 100.00 EUR to
    # CUS-3 at the day's 1.25, and CUS-2's 10.00 EUR to CUS-4 without a
    # price. Its priced legs balance in units by themselves (+100.00 -
    # 100.00) and so do its unpriced ones (+10.00 - 10.00): two transfers,
    # as two entries would be. The priced one realizes nothing: CUS-1's
    # 100.00 EUR leave at 248.00 x 100 / 200 = 124.00 and come into CUS-3
    # at 124.00, restated from 1.25 to 1.24; the priced postings to credits
    # weigh -248.00 still. The unpriced one, out of a pool with no carrying
    # rate, is read as typed: CUS-2 and CUS-4 carried in euros.
    #   Feb 28 (1.15): CUS-1 -115.00 + 124.00 = 9.00; CUS-3 9.00.
    # On a2603ac the unpriced legs made the whole entry read as typed:
    # CUS-1's debit at 1.25 was a payout, realizing 125.00 - 124.00 = 1.00
    # of loss, the priced postings weighed -249.00, and CUS-3 started at
    # -125.00 (remeasured by 10.00).
    moves = hand_entry(
        "Moves between pools",
        leg("100.00 EUR", "CUS-1", "1.25"),
        leg("-100.00 EUR", "CUS-3", "1.25"),
        leg("10.00 EUR", "CUS-2"),
        leg("-10.00 EUR", "CUS-4"),
    )
    text = PRICES + EURO_ACCOUNT + CUS_1_PREPAYS + CUS_2_EUROS + moves
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == 0
    assert restated_legs(entries) == [
        ("-100.00 EUR", "1.25 USD", "CUS-1"),
        ("100.00 EUR", "1.24 USD", "CUS-1"),
        ("100.00 EUR", "1.25 USD", "CUS-3"),
        ("-100.00 EUR", "1.24 USD", "CUS-3"),
    ]
    assert _priced_weight(entries, "2026-02-28") == Decimal("-248.00")
    assert february(entries) == {"CUS-1": Decimal("9.00"), "CUS-3": Decimal("9.00")}


def test_pin_unpriced_euros_in_and_out_of_a_pool_on_one_day_keep_it_at_a_rate(
    books: Books,
) -> None:
    # On Feb 3 CUS-1 is refunded 100.00 EUR from the euro account and sends
    # 100.00 EUR to it, both typed with no price (two entries, no
    # transfer): CUS-1's unpriced postings that day net to nothing, so the
    # pool stays -200.00 EUR carried at -248.00 (1.24), the general
    # ledger's weight of it, and both passes read it so. The Feb 10 refund
    # of 100.00 EUR at 1.30 takes 124.00 out and paid 130.00: 6.00 USD of
    # loss realized; CUS-1 -100.00 EUR at -124.00, Feb 28 (1.15) -115.00 +
    # 124.00 = 9.00. (Passes on a2603ac: it pins `netted` and the month end
    # agreeing where no transfer is read; on f1bde5b the pool stopped on
    # Feb 3, nothing realized and nothing remeasured, while the general
    # ledger kept -118.00 USD for its 100.00 EUR.)
    text = (
        PRICES
        + EURO_ACCOUNT
        + CUS_1_PREPAYS
        + _euro_refund("100.00")
        + _euro_wire("100.00")
        + REFUND_AT_1_30
    )
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == Decimal("6.00")
    assert _priced_weight(entries, "2026-02-28") == Decimal("-124.00")
    assert february(entries) == {"CUS-1": Decimal("9.00")}


# CUS-2's 10.00 EUR (carried in euros) moved to CUS-3, and 50.00 EUR of
# CUS-1's moved from contract C-1 to C-2, in one hand entry, all unpriced.
BESIDE_A_TYPED_MOVE = CUS_2_EUROS + hand_entry(
    "Reclassifications",
    leg("10.00 EUR", "CUS-2"),
    leg("-10.00 EUR", "CUS-3"),
    leg("50.00 EUR", "CUS-1", contract="C-1"),
    leg("-50.00 EUR", "CUS-1", contract="C-2"),
)


# CUS-1's 100.00 EUR moved to CUS-2, and 150.00 EUR of CUS-1's moved from
# contract C-1 to C-2, in one hand entry, all unpriced.
BESIDE_A_CARRIED_MOVE = hand_entry(
    "Reclassifications",
    leg("100.00 EUR", "CUS-1"),
    leg("-100.00 EUR", "CUS-2"),
    leg("150.00 EUR", "CUS-1", contract="C-1"),
    leg("-150.00 EUR", "CUS-1", contract="C-2"),
)
# The same moves typed as 250.00 EUR out of CUS-1's contract C-1, 150.00
# into its C-2 and 100.00 into CUS-2, all unpriced.
ONE_LEG_OUT_OF_C1 = hand_entry(
    "Reclassifications",
    leg("250.00 EUR", "CUS-1", contract="C-1"),
    leg("-150.00 EUR", "CUS-1", contract="C-2"),
    leg("-100.00 EUR", "CUS-2"),
)


@pytest.mark.parametrize(
    ("moves", "made", "remeasured"),
    [
        # CUS-2 has no carrying rate to move: its move to CUS-3 is read as
        # typed, CUS-2 and CUS-3 carried in euros from Feb 3. CUS-1's legs,
        # +50.00 and -50.00 in its one pool, move no unit of it: its
        # carrying amount stays -248.00 for 200.00 EUR, as when the move is
        # typed as an entry of its own (a within-pool transfer, read not at
        # all). Feb 10, 100.00 EUR refunded at 1.30 (130.00 USD paid) take
        # 248.00 x 100 / 200 = 124.00 out: 130.00 - 124.00 = 6.00 of loss
        # ("own-rate"), CUS-1 -100.00 EUR at -124.00.
        #   Feb 28 (1.15): CUS-1 -115.00 + 124.00 = 9.00 of gain.
        # fd6b90d read CUS-1's legs as legs of the typed move: CUS-1 stopped
        # on Feb 3 in both passes, nothing realized, nothing remeasured.
        # (a2603ac stopped it in the own-rate pass only and remeasured it by
        # -115.00 + 118.00 = 3.00 on the -248.00 + 130.00 left; f1bde5b
        # stopped every pool an unpriced transfer touched.)
        (BESIDE_A_TYPED_MOVE, ["own-rate"], {"CUS-1": Decimal("9.00")}),
        # CUS-1 holds 200.00 EUR and moves 100.00 to CUS-2: carried at
        # 248.00 x 100 / 200 = 124.00, nothing realized; the 150.00 between
        # its contracts move nothing: CUS-1's legs net +100.00 + 150.00 -
        # 150.00 = +100.00, each restated at 1.24. CUS-1 -100.00 EUR at
        # -124.00; the Feb 10 refund realizes 130.00 - 124.00 = 6.00 and
        # empties it.
        #   Feb 28 (1.15): CUS-2 -115.00 + 124.00 = 9.00; CUS-1 holds nothing.
        # fd6b90d counted the 150.00 among the entry's debits out of CUS-1:
        # 250.00 > 200.00 held, so the whole entry was read as typed and
        # stopped CUS-1 and CUS-2 on Feb 3: nothing realized or remeasured
        # (so did a2603ac and f1bde5b, in both passes).
        (BESIDE_A_CARRIED_MOVE, [TRANSFER, "own-rate"], {"CUS-2": Decimal("9.00")}),
        # CUS-1's legs net +250.00 - 150.00 = +100.00: the same 124.00 moved
        # to CUS-2 (its -150.00 into C-2 at 1.24 too, -186.00 of the +310.00
        # its +250.00 out of C-1 are restated at), the same figures.
        # fd6b90d: 250.00 > 200.00 held, read as typed, as above.
        (ONE_LEG_OUT_OF_C1, [TRANSFER, "own-rate"], {"CUS-2": Decimal("9.00")}),
    ],
    ids=["beside a move read as typed", "beside a carried move", "one leg out of a contract"],
)
def test_a_move_between_a_customers_contracts_in_a_transfer_stops_nothing(
    books: Books, moves: str, made: list[str], remeasured: dict[str, Decimal]
) -> None:
    # Each pool's legs in a transfer are read net (`credit_transfers._nets`).
    text = PRICES + EURO_ACCOUNT + CUS_1_PREPAYS + moves + REFUND_AT_1_30
    entries, errors = load(books, text)
    assert errors == []
    assert remeasured_on(entries, "2026-01-31") == {"CUS-1": Decimal("-2.00")}
    assert kinds(entries) == made
    assert realized(entries) == Decimal("6.00")
    assert february(entries) == remeasured


def test_a_pools_legs_in_a_transfer_are_restated_at_the_one_rate_its_net_moves(
    books: Books,
) -> None:
    # ONE_LEG_OUT_OF_C1: CUS-1's legs net +100.00 EUR, which take 248.00 x
    # 100 / 200 = 124.00 out (1.24). Each of its legs moves its share of
    # that by units: +250.00 x 1.24 = 310.00 out of C-1, -150.00 x 1.24 =
    # -186.00 into C-2, 310.00 - 186.00 = 124.00 net; CUS-2's -100.00 take
    # the 124.00 in. Each leg, typed without a price, is moved back
    # unpriced and again at 1.24. The narration names what the pools net:
    # 100.00 EUR from CUS-1 to CUS-2, carried at 124.00. (fd6b90d: no
    # restating entry, the entry read as typed.)
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + ONE_LEG_OUT_OF_C1)
    assert errors == []
    [restated] = [e for e in generated(entries) if e.meta.get("revclose_kind") == TRANSFER]
    assert restated.narration == (
        "Credits transfer of 100.00 EUR from CUS-1 to CUS-2: typed without a price, "
        "carried at 124.00 USD"
    )
    assert restated_legs(entries) == [
        ("-250.00 EUR", "None", "CUS-1"),
        ("250.00 EUR", "1.24 USD", "CUS-1"),
        ("150.00 EUR", "None", "CUS-1"),
        ("-150.00 EUR", "1.24 USD", "CUS-1"),
        ("100.00 EUR", "None", "CUS-2"),
        ("-100.00 EUR", "1.24 USD", "CUS-2"),
    ]
    assert realized(entries) == 0
    assert february(entries) == {"CUS-1": Decimal("9.00"), "CUS-2": Decimal("9.00")}


def test_pin_a_priced_move_and_its_unpriced_way_back_in_one_entry_move_nothing(
    books: Books,
) -> None:
    # One entry: CUS-1's 100.00 EUR to CUS-2 at 1.25, and 100.00 EUR of
    # CUS-2's back to CUS-1 without a price (CUS-2 holds nothing before).
    # Each set balances by itself (`_moves`): two transfers. The priced one
    # is ready first (CUS-1 holds 200.00): 124.00 leave CUS-1 for CUS-2;
    # then CUS-2 holds 100.00 EUR at 124.00 and sends them back at 124.00.
    # CUS-1 is -200.00 EUR at -248.00 again, CUS-2 empty: nothing realized,
    # no pool stopped.
    #   Feb 28 (1.15): CUS-1 -230.00 + 248.00 = 18.00.
    # Before fd6b90d the whole entry was read as typed: 125.00 - 124.00 =
    # 1.00 realized and CUS-1 stopped (no Feb 28 remeasurement).
    swap = hand_entry(
        "Swap",
        leg("100.00 EUR", "CUS-1", "1.25"),
        leg("-100.00 EUR", "CUS-2", "1.25"),
        leg("100.00 EUR", "CUS-2"),
        leg("-100.00 EUR", "CUS-1"),
    )
    entries, errors = load(books, PRICES + CUS_1_PREPAYS + swap)
    assert errors == []
    assert realized(entries) == 0
    assert february(entries) == {"CUS-1": Decimal("18.00")}


def test_pin_three_priced_legs_and_two_unpriced_are_two_transfers(books: Books) -> None:
    # One entry: CUS-1's 100.00 EUR at 1.25 split 60.00 to CUS-3 and 40.00
    # to CUS-5, and CUS-2's 10.00 EUR (carried in euros) to CUS-4 unpriced.
    # The priced split moves 124.00 out of CUS-1, shared by units: 124.00 x
    # 60 / 100 = 74.40 to CUS-3, the last 49.60 to CUS-5; nothing realized.
    # The unpriced move is read as typed: CUS-2 and CUS-4 in euros.
    #   Feb 28 (1.15): CUS-1 -115.00 + 124.00 = 9.00; CUS-3 -69.00 + 74.40
    #   = 5.40; CUS-5 -46.00 + 49.60 = 3.60.
    # Before fd6b90d: 1.00 realized, CUS-3 6.00 and CUS-5 4.00 (at 1.25).
    split = hand_entry(
        "Moves",
        leg("100.00 EUR", "CUS-1", "1.25"),
        leg("-60.00 EUR", "CUS-3", "1.25"),
        leg("-40.00 EUR", "CUS-5", "1.25"),
        leg("10.00 EUR", "CUS-2"),
        leg("-10.00 EUR", "CUS-4"),
    )
    text = PRICES + EURO_ACCOUNT + CUS_1_PREPAYS + CUS_2_EUROS + split
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == 0
    assert february(entries) == {
        "CUS-1": Decimal("9.00"),
        "CUS-3": Decimal("5.40"),
        "CUS-5": Decimal("3.60"),
    }


def _priced_weight(entries: list[data.Directive], day: str) -> Decimal:
    """The USD weight of the credits account's postings in USD or priced in USD, through a day."""
    total = Decimal(0)
    for posting in postings_through(entries, CREDITS, day):
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        if posting.units.currency == "USD":
            total += posting.units.number
        elif posting.price is not None and isinstance(posting.price.number, Decimal):
            total += posting.units.number * posting.price.number
    return total


def test_a_transfer_into_a_pool_carried_in_its_own_currency_realizes_nothing(
    books: Books,
) -> None:
    # CUS-2 prepaid 10.00 EUR to the euro bank account on Jan 15, typed
    # with no price: its pool is carried in its own currency from then on.
    # On Feb 3 CUS-1's 100.00 EUR are moved to CUS-2 at 1.25. No euro
    # leaves the books: nothing realized. CUS-1's 100.00 EUR leave at
    # 124.00; the priced postings to credits weigh -248.00 still (CUS-1's
    # -124.00 and the -124.00 moved to CUS-2). Feb 28 (1.15): CUS-1's
    # -115.00 + 124.00 = 9.00; CUS-2's pool is not remeasured: it holds
    # 110.00 EUR in its own currency, its priced legs weighing the -124.00
    # moved, never remeasured.
    # On 76110e0 a leg into such a pool made no transfer: CUS-1's debit was
    # a payout at 1.25, 125.00 - 124.00 = 1.00 realized, and the priced
    # postings weighed -249.00.
    text = PRICES + EURO_ACCOUNT + CUS_1_PREPAYS + CUS_2_EUROS + moved("CUS-1", "CUS-2", "100.00")
    entries, errors = load(books, text)
    assert errors == []
    assert realized(entries) == 0
    assert _priced_weight(entries, "2026-02-28") == Decimal("-248.00")
    assert february(entries) == {"CUS-1": Decimal("9.00")}


def test_a_customers_statement_shows_a_transfer_not_a_refund(books: Books) -> None:
    # On Feb 3 CUS-1's 50.00 EUR are moved to CUS-2 by hand at 1.25 (the
    # restating entry moves 62.00, 248.00 x 50 / 200). Nothing is paid to
    # CUS-1: its statement shows a transfer of 50.00 EUR (a charge, -200.00
    # to -150.00), and CUS-2's a transfer of 50.00 EUR in (0.00 to -50.00),
    # as the statements show what moves between a customer's receipts and
    # credits. On 76110e0 the typed debit was a "refund" on CUS-1's
    # statement (a customer reading it expects 50.00 EUR in its bank) and
    # the credit a "credit" on CUS-2's.
    text = HEADER + PRICES + CUS_1_PREPAYS + moved("CUS-1", "CUS-2", "50.00")
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert loaded.errors == []
    start, end = datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    rows = {
        customer: [
            row[3:]
            for row in receivables_report.customer_statement(loaded, customer, start, end).rows
            if row[0] == datetime.date(2026, 2, 3)
        ]
        for customer in ("CUS-1", "CUS-2")
    }
    assert rows == {
        "CUS-1": [
            ["transfer", "CUS-1's 50.00 EUR moved to CUS-2", Decimal("50.00"), None,
             Decimal("-150.00")]
        ],
        "CUS-2": [
            ["transfer", "CUS-1's 50.00 EUR moved to CUS-2", None, Decimal("50.00"),
             Decimal("-50.00")]
        ],
    }  # fmt: skip


def test_a_transfer_in_the_functional_currency_is_left_as_typed(books: Books) -> None:
    # CUS-1 prepays 120.00 USD on Jan 10; on Feb 3 50.00 USD of it are moved
    # to CUS-2 by hand. Dollars have no exchange difference: no restating
    # entry, nothing realized, nothing remeasured. The schedule holds CUS-1's
    # 70.00 and CUS-2's 50.00 USD, 120.00 in all. (Passes: it pins the rule.)
    text = (
        HEADER
        + PRICES
        + """
2026-01-10 * "Acme" "Wire prepaying an order"
  customer: "CUS-1"
  Assets:Bank:Operating  120.00 USD
  Liabilities:CustomerCredits  -120.00 USD

"""
        + hand_entry(
            "CUS-1's 50.00 USD moved to CUS-2",
            leg("50.00 USD", "CUS-1"),
            leg("-50.00 USD", "CUS-2"),
        )
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    assert loaded.errors == []
    assert kinds(loaded.entries) == []
    assert realized(loaded.entries) == 0
    assert postings_through(loaded.entries, CREDITS_REMEASURED, "2026-12-31") == []
    table = receivables_report.customer_credits(loaded, datetime.date(2026, 2, 28))
    assert [row[:4] for row in table.rows] == [
        ["CUS-1", "", "USD", Decimal("70.00")],
        ["CUS-2", "", "USD", Decimal("50.00")],
        ["Total", "", "USD", Decimal("120.00")],
    ]


def test_a_transfer_out_of_a_receipt_of_nobodys_names_the_receipt_on_its_restated_legs(
    books: Books,
) -> None:
    # R-9, 100.00 EUR at 1.20 (120.00 USD) from "Acme", billed under no one,
    # is held as a credit on Jan 11, naming R-9: nobody's. Beta prepays
    # 100.00 EUR at 1.28 (128.00 USD) on Jan 12, nobody's too: one pool of
    # -200.00 EUR at -248.00. On Feb 3 R-9's euros are moved to CUS-1 by
    # hand at 1.20, the debit naming R-9. They leave nobody's at 124.00 and
    # come into CUS-1's at 124.00, nothing realized: the restating entry
    # moves 100.00 EUR back at 1.20 and out at 1.24 on nobody's side, naming
    # R-9 (`receipt`, so it stays in nobody's pool), and in at 1.24, back at
    # 1.20 on CUS-1's, linked to both pools.
    #   Feb 28 (1.15): nobody's -115.00 + 124.00 = 9.00; CUS-1's 9.00.
    # The schedule: (unassigned) 100.00 EUR, CUS-1 100.00 EUR. (Passes: it
    # pins the keys a restated leg carries, `credit_transfers._on`.)
    text = (
        HEADER
        + PRICES
        + """
2026-01-10 * "Acme" "Wire"
  receipt: "R-9"
  Assets:Bank:Operating  120.00 USD
  Liabilities:UnappliedCash  -100.00 EUR @ 1.20 USD

2026-01-11 * "Acme" "R-9 held as a credit"
  receipt: "R-9"
  Liabilities:UnappliedCash  100.00 EUR @ 1.20 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD

2026-01-12 * "Beta" "Wire prepaying an order"
  Assets:Bank:Operating  128.00 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.28 USD

2026-02-03 * "R-9 assigned to CUS-1"
  Liabilities:CustomerCredits  100.00 EUR @ 1.20 USD
    receipt: "R-9"
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD
    customer: "CUS-1"
"""
    )
    loaded = reporting.loaded(books, text, {"ar.yaml": POLICY})
    entries = loaded.entries
    assert loaded.errors == []
    [restated] = [e for e in generated(entries) if e.meta.get("revclose_kind") == TRANSFER]
    assert restated.links == {"CUS-1", "unassigned-credits"}
    assert [
        (str(posting.units), str(posting.price), dict(posting.meta or {}))
        for posting in restated.postings
    ] == [
        ("-100.00 EUR", "1.20 USD", {"receipt": "R-9"}),
        ("100.00 EUR", "1.24 USD", {"receipt": "R-9"}),
        ("100.00 EUR", "1.20 USD", {"customer": "CUS-1"}),
        ("-100.00 EUR", "1.24 USD", {"customer": "CUS-1"}),
    ]
    assert realized(entries) == 0
    assert february(entries) == {"(unassigned)": Decimal("9.00"), "CUS-1": Decimal("9.00")}
    table = receivables_report.customer_credits(loaded, datetime.date(2026, 2, 28))
    assert [row[:4] for row in table.rows] == [
        ["(unassigned)", "", "EUR", Decimal("100.00")],
        ["CUS-1", "", "EUR", Decimal("100.00")],
        ["Total", "", "EUR", Decimal("200.00")],
    ]


def test_a_three_way_split_at_an_uneven_average_moves_cents_that_add_up(books: Books) -> None:
    # CUS-1 prepays 100.00 EUR at 1.20 (120.00 USD) on Jan 10 and 200.00 EUR
    # at 1.25555 (251.11 USD) on Jan 12: one pool of -300.00 EUR carried at
    # -371.11 (1.237033...). On Feb 3 100.00 EUR of it are split by hand,
    # 33.33 to CUS-2, 33.33 to CUS-3 and 33.34 to CUS-4, typed at 1.25.
    # They leave CUS-1 at 371.11 x 100 / 300 = 123.7033 -> 123.70, shared
    # pro rata, rounded cumulatively, the last taking what is left:
    #   CUS-2 123.70 x 33.33 / 100 = 41.2292 -> 41.23
    #   CUS-3 123.70 x 66.66 / 100 = 82.4584 -> 82.46, less 41.23 = 41.23
    #   CUS-4 123.70 - 82.46 = 41.24;  41.23 + 41.23 + 41.24 = 123.70.
    # Nothing realized; the priced postings weigh -371.11 still.
    #   Feb 28 (1.15): CUS-1 -200.00 x 1.15 + (371.11 - 123.70) = -230.00 +
    #   247.41 = 17.41; CUS-2 -38.3295 + 41.23 = 2.90; CUS-3 2.90; CUS-4
    #   -38.341 + 41.24 = 2.90. In all 26.11 = 371.11 - 300.00 x 1.15.
    split = """
2026-01-10 * "Acme" "Wire prepaying an order"
  customer: "CUS-1"
  Assets:Bank:Operating  120.00 USD
  Liabilities:CustomerCredits  -100.00 EUR @ 1.20 USD

2026-01-12 * "Acme" "Wire prepaying an order"
  customer: "CUS-1"
  Assets:Bank:Operating  251.11 USD
  Liabilities:CustomerCredits  -200.00 EUR @ 1.25555 USD

""" + hand_entry(
        "CUS-1's 100.00 EUR split between three subsidiaries",
        leg("100.00 EUR", "CUS-1", "1.25"),
        leg("-33.33 EUR", "CUS-2", "1.25"),
        leg("-33.33 EUR", "CUS-3", "1.25"),
        leg("-33.34 EUR", "CUS-4", "1.25"),
    )
    entries, errors = load(books, PRICES + split)
    assert errors == []
    assert kinds(entries) == [TRANSFER]
    assert realized(entries) == 0
    assert _priced_weight(entries, "2026-02-27") == Decimal("-371.11")
    assert february(entries) == {
        "CUS-1": Decimal("17.41"),
        "CUS-2": Decimal("2.90"),
        "CUS-3": Decimal("2.90"),
        "CUS-4": Decimal("2.90"),
    }


# Transfers between credit pools (`plugins.credit_transfers.transfers`): the
# hand entry of the README, 100.00 EUR out of nobody's (under no payee),
# into CUS-1's, at a rate typed.
ASSIGNED = """
2026-02-03 * "Nobody's 100.00 EUR assigned to CUS-1"
  Liabilities:CustomerCredits  100.00 EUR @ {rate} USD
  Liabilities:CustomerCredits  -100.00 EUR @ {rate} USD
    customer: "CUS-1"
"""


@pytest.mark.parametrize(
    ("books_before", "rate", "gains"),
    [
        # Acme's 100.00 EUR at 1.20 (-120.00) and Beta's at 1.28 (-128.00),
        # one pool of -200.00 EUR carried at -248.00 (1.24). Jan 31 (1.25):
        # -250.00 + 248.00 = -2.00, a loss, reversed Feb 1. On Feb 3 Acme's
        # 100.00 EUR are assigned to CUS-1 at the rate they came in, 1.20.
        # No euro is paid to anyone: nothing is realized. Half the pool's
        # euros leave it with half its carrying amount, 248.00 x 100 / 200 =
        # 124.00: nobody's -100.00 EUR at -124.00, CUS-1's -100.00 EUR at
        # -124.00. Feb 28 (1.15): each -100.00 x 1.15 + 124.00 = -115.00 +
        # 124.00 = 9.00, a gain; 18.00 in all, -200.00 x 1.15 + 248.00.
        # Before the rule an own-rate entry "100.00 EUR paid out at 1.20 USD,
        # carried at 124.00 USD" realized 4.00 of gain, and CUS-1's pool
        # started at -120.00, remeasured by -115.00 + 120.00 = 5.00.
        (ACME_PREPAYS + BETA_PREPAYS, "1.20", {"(unassigned)": "9.00", "CUS-1": "9.00"}),
        # Acme's 100.00 EUR at 1.20 (-120.00) alone; Jan 31 (1.25): -125.00
        # + 120.00 = -5.00, reversed Feb 1. On Feb 3 they are assigned to
        # CUS-1 at the day's rate, 1.25 (the latest price). Nothing is
        # realized: the -120.00 carried move with the euros to CUS-1, and
        # nobody's pool is empty. Feb 28 (1.15): CUS-1's -115.00 + 120.00 =
        # 5.00, a gain. Before the rule 100.00 x (1.25 - 1.20) = 5.00 of
        # loss was realized, and CUS-1's pool, carried at -125.00, was
        # remeasured by -115.00 + 125.00 = 10.00: the same 5.00 in all,
        # half of it realized on no settlement.
        (ACME_PREPAYS, "1.25", {"CUS-1": "5.00"}),
    ],
    ids=["two payees at the rate the euros came in", "one payee at the day's rate"],
)
def test_nobodys_credits_assigned_by_hand_realize_nothing_and_take_their_carrying_amount(
    books: Books, books_before: str, rate: str, gains: dict[str, str]
) -> None:
    text = PRICES + books_before + ASSIGNED.format(rate=rate) + CUS_1_BILLED
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, REALIZED, "2026-12-31")) == 0
    found = february(entries)
    assert found == {whose: Decimal(gain) for whose, gain in gains.items()}
    # Both ways the credits are worth -200.00 or -100.00 EUR x 1.15 on Feb 28.
    euros = units_total(postings_through(entries, CREDITS, "2026-02-28"), "EUR")
    assert _value(entries, "2026-02-28") == euros * Decimal("1.15")


def test_a_customers_credits_transferred_to_another_customer_take_their_carrying_amount(
    books: Books,
) -> None:
    # CUS-1 prepays 100.00 EUR at 1.20 (-120.00) on Jan 10 and 100.00 EUR
    # at 1.28 (-128.00) on Jan 12, each naming CUS-1: one pool of -200.00
    # EUR carried at -248.00 (1.24). Jan 31 (1.25): -250.00 + 248.00 =
    # -2.00, reversed Feb 1. On Feb 3, 50.00 EUR are moved to CUS-2 by
    # hand at the day's rate, 1.25. A transfer: nothing is realized, and
    # 248.00 x 50 / 200 = 62.00 move with the euros, whatever the rate
    # typed: the entry restating it moves 50.00 EUR back at 1.25 and out
    # at 1.24 from CUS-1's pool, in at 1.24 and back at 1.25 to CUS-2's.
    # CUS-1's -150.00 EUR at -186.00, CUS-2's -50.00 EUR at -62.00.
    #   Feb 28 (1.15): CUS-1's -150.00 x 1.15 + 186.00 = -172.50 + 186.00
    #   = 13.50, a gain; CUS-2's -57.50 + 62.00 = 4.50; 18.00 in all,
    #   -200.00 x 1.15 + 248.00.
    # Before the rule 50.00 x 1.25 - 62.00 = 0.50 of loss was realized and
    # CUS-2's pool started at -62.50 (remeasured by 5.00).
    text = PRICES + CUS_1_PREPAYS + moved("CUS-1", "CUS-2", "50.00")
    entries, errors = load(books, text)
    assert errors == []
    assert postings_through(entries, REALIZED, "2026-12-31") == []
    [restated] = [e for e in generated(entries) if e.meta.get("revclose_kind") == TRANSFER]
    assert restated.narration == (
        "Credits transfer of 50.00 EUR from CUS-1 to CUS-2: typed at 1.25 USD, carried at 62.00 USD"
    )
    assert [
        (str(posting.units), str(posting.price), (posting.meta or {}).get("customer"))
        for posting in restated.postings
    ] == [
        ("-50.00 EUR", "1.25 USD", "CUS-1"),
        ("50.00 EUR", "1.24 USD", "CUS-1"),
        ("50.00 EUR", "1.25 USD", "CUS-2"),
        ("-50.00 EUR", "1.24 USD", "CUS-2"),
    ]
    assert february(entries) == {"CUS-1": Decimal("13.50"), "CUS-2": Decimal("4.50")}
    assert _value(entries, "2026-02-28") == Decimal("-200.00") * Decimal("1.15")


def test_a_transfer_into_an_overdrawn_pool_realizes_only_what_clears_the_overdraw(
    books: Books,
) -> None:
    # Nobody's pool: Acme's and Beta's prepayments, -200.00 EUR carried at
    # -248.00 (1.24). CUS-2 is refunded 40.00 EUR at 1.25 (50.00 USD) on
    # Jan 20 with nothing held: its pool is overdrawn, +40.00 EUR at
    # +50.00. On Feb 3, 100.00 EUR of nobody's are moved to CUS-2 by hand,
    # typed at 1.20. They leave nobody's at 248.00 x 100 / 200 = 124.00,
    # nothing realized there, and come into CUS-2's at 124.00 (1.24): the
    # first 40.00 EUR clear the overdraw carried at 50.00 with 40.00 x 1.24
    # = 49.60 of euros, 50.00 - 49.60 = 0.40 realized, a loss, as any
    # receipt clearing an overdraw realizes; 60.00 EUR stay at -74.40.
    # CUS-2's leg is restated at -50.00 - 74.40 = -124.40 (1.244).
    #   Feb 28 (1.15): nobody's -100.00 x 1.15 + 124.00 = 9.00; CUS-2's
    #   -60.00 x 1.15 + 74.40 = -69.00 + 74.40 = 5.40; both gains.
    # Value: -124.00 - 74.40 + 9.00 + 5.40 = -184.00 = -160.00 x 1.15.
    # Before the rule nobody's leg realized 124.00 - 120.00 = 4.00 of gain
    # and CUS-2's 50.00 - 48.00 = 2.00 of loss: 2.00 of gain in all.
    text = (
        PRICES
        + ACME_PREPAYS
        + BETA_PREPAYS
        + """
2026-01-20 * "Gamma" "Refund"
  customer: "CUS-2"
  Liabilities:CustomerCredits  40.00 EUR @ 1.25 USD
  Assets:Bank:Operating  -50.00 USD
"""
        + ASSIGNED.replace("CUS-1", "CUS-2").format(rate="1.20")
    )
    entries, errors = load(books, text)
    assert errors == []
    assert units_total(postings_through(entries, REALIZED, "2026-12-31")) == Decimal("0.40")
    [restated] = [e for e in generated(entries) if e.meta.get("revclose_kind") == TRANSFER]
    assert [(str(posting.units), str(posting.price)) for posting in restated.postings] == [
        ("-100.00 EUR", "1.20 USD"),
        ("100.00 EUR", "1.24 USD"),
        ("100.00 EUR", "1.20 USD"),
        ("-100.00 EUR", "1.244 USD"),
        ("0.40 USD", "None"),
    ]
    assert february(entries) == {"(unassigned)": Decimal("9.00"), "CUS-2": Decimal("5.40")}
    assert _value(entries, "2026-02-28") == Decimal("-184.00")
