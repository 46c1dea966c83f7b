"""Cash matching's quick ways: each gives what the general rule gives.

The matcher takes shortcuts for the common cases of a large ledger: a receipt
of exactly what is open of the one invoice it names, an amount owed on one
invoice only, pools of open invoices made once the amount step is done. The
worked examples show the rules; the property tests hold each shortcut to the
rule it stands for.
"""

from __future__ import annotations

import datetime
import operator
from itertools import combinations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from plugins import cash_matching
from plugins.matching_terms import (
    NAMED,
    SEVERAL_RECEIPTS,
    Application,
    OpenInvoice,
    Paying,
    Payment,
)
from plugins.subset_search import subset_with_sum

DAY = datetime.date(2026, 1, 1)
TOLERANCE = 5
_age = operator.attrgetter("date", "id")


def _day(offset: int) -> datetime.date:
    return DAY + datetime.timedelta(days=offset)


def _matcher(invoices: list[OpenInvoice]) -> cash_matching._Matcher:
    by_id = {invoice.id: invoice for invoice in invoices}
    still_open = {invoice.id: invoice.open for invoice in invoices if invoice.open > 0}
    return cash_matching._Matcher(by_id, still_open, lambda _: TOLERANCE, 12)


def _match(invoices: list[OpenInvoice], payments: list[Payment]) -> list[Application]:
    return cash_matching.match(payments, invoices, lambda _: TOLERANCE)


# Worked examples.


def test_receipt_of_exactly_what_is_open_clears_the_invoice_it_names() -> None:
    invoices = [OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)]
    matcher = _matcher(invoices)
    left = matcher.named([Payment("R-1", "C1", "USD", _day(3), 10000, ("INV-1",))])
    assert left == []
    assert matcher.applications == [Application("R-1", "INV-1", 10000, 10000, 0, "named", _day(3))]
    assert matcher.amounts.open == {}


def test_receipt_naming_an_invoice_paid_already_becomes_a_credit() -> None:
    # R-1 pays INV-1 exactly; R-2, a day later, finds nothing open of it.
    invoices = [OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)]
    payments = [
        Payment("R-2", "C1", "USD", _day(4), 5000, ("INV-1",)),
        Payment("R-1", "C1", "USD", _day(3), 10000, ("INV-1",)),
    ]
    assert _match(invoices, payments) == [
        Application("R-1", "INV-1", 10000, 10000, 0, "named", _day(3)),
        Application("R-2", "INV-1", 0, 5000, 5000, "named", _day(4)),
    ]


def test_short_or_over_receipt_within_the_tolerance_clears_the_invoice() -> None:
    invoices = [
        OpenInvoice("INV-1", "C1", "USD", _day(0), 10000),
        OpenInvoice("INV-2", "C1", "USD", _day(0), 10000),
    ]
    payments = [
        Payment("R-1", "C1", "USD", _day(3), 9997, ("INV-1",)),
        Payment("R-2", "C1", "USD", _day(3), 10004, ("INV-2",)),
    ]
    found = _match(invoices, payments)
    assert found == [
        Application("R-1", "INV-1", 10000, 9997, 0, "named", _day(3)),
        Application("R-2", "INV-2", 10000, 10004, 0, "named", _day(3)),
    ]
    assert [application.written_off for application in found] == [3, -4]


def test_amount_open_on_two_invoices_is_paid_oldest_first() -> None:
    invoices = [
        OpenInvoice("INV-1", "C1", "USD", _day(5), 10000),
        OpenInvoice("INV-2", "C1", "USD", _day(2), 10000),
        OpenInvoice("INV-3", "C2", "USD", _day(1), 10000),
    ]
    payments = [
        Payment("R-1", "C1", "USD", _day(10), 10000),
        Payment("R-2", "C1", "USD", _day(11), 10000),
    ]
    assert _match(invoices, payments) == [
        Application("R-1", "INV-2", 10000, 10000, 0, "amount", _day(10)),
        Application("R-2", "INV-1", 10000, 10000, 0, "amount", _day(11)),
    ]


def test_invoice_dated_after_a_receipt_is_paid_by_it_as_a_prepayment() -> None:
    # R-1 predates INV-1 and waits unapplied; on INV-1's day (day 10) it is
    # the customer's oldest waiting receipt of exactly INV-1's 10,000, so it
    # pays INV-1 then, dated day 10. R-2 (day 12) finds nothing open and waits.
    invoices = [OpenInvoice("INV-1", "C1", "USD", _day(10), 10000)]
    payments = [
        Payment("R-1", "C1", "USD", _day(5), 10000),
        Payment("R-2", "C1", "USD", _day(12), 10000),
    ]
    assert _match(invoices, payments) == [
        Application("R-1", "INV-1", 10000, 10000, 0, "amount", _day(10)),
    ]


def test_receipt_of_a_face_amount_pays_the_oldest_invoice_a_credit_part_paid() -> None:
    # INV-1 and INV-3 of 10,000 (day 0), INV-2 of 10,000 (day 6). On day 2
    # customer credits pay 3,000 of INV-1 and 2,000 of INV-3 (open 7,000 and
    # 8,000), and 4 of INV-2 on day 6 (open 9,996). No invoice is open 10,000:
    # R-1 (day 10) pays the oldest whose face amount, open plus credited, is
    # 10,000: INV-1, clearing 7,000, its other 3,000 the customer's credit
    # again. R-2 (day 11) pays INV-3: 8,000 cleared, 2,000 credited. R-3 (day
    # 12) pays INV-2's 9,996 (its face amount 9,996 + 4 = 10,000, dated day
    # 12): the 4 over is within the tolerance of 5, so written off as any
    # over payment (cash 10,000 - cleared 9,996 = 4). R-4 (day 13) finds no
    # face amount left and waits.
    matcher = _matcher(
        [
            OpenInvoice("INV-1", "C1", "USD", _day(0), 10000),
            OpenInvoice("INV-3", "C1", "USD", _day(0), 10000),
            OpenInvoice("INV-2", "C1", "USD", _day(6), 10000),
        ]
    )
    matcher.amounts.settle("INV-3", 2000, _day(2))
    matcher.amounts.settle("INV-1", 3000, _day(2))
    matcher.amounts.settle("INV-2", 4, _day(6))
    payments: list[Paying] = [
        Payment(f"R-{n}", "C1", "USD", _day(9 + n), 10000) for n in range(1, 5)
    ]
    left = matcher.by_amount(payments)
    assert matcher.applications == [
        Application("R-1", "INV-1", 7000, 10000, 3000, "face-amount", _day(10)),
        Application("R-2", "INV-3", 8000, 10000, 2000, "face-amount", _day(11)),
        Application("R-3", "INV-2", 9996, 10000, 0, "face-amount", _day(12)),
    ]
    assert left == payments[3:]
    assert matcher.amounts.open == {}


def test_receipt_of_the_face_amount_of_an_invoice_credits_paid_in_full_waits() -> None:
    # Credits pay 3,000 of INV-1 10,000 on day 2, then its other 7,000 on
    # day 4: nothing is open of it, so R-1 of 10,000 (day 5) pays nothing.
    matcher = _matcher([OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)])
    matcher.amounts.settle("INV-1", 3000, _day(2))
    matcher.amounts.settle("INV-1", 7000, _day(4))
    payment = Payment("R-1", "C1", "USD", _day(5), 10000)
    assert matcher.by_amount([payment]) == [payment]
    assert matcher.applications == []


def test_receipt_of_a_face_amount_is_dated_no_earlier_than_the_credit() -> None:
    # R-1 of 10,000 (day 3) waits; a credit pays 3,000 of INV-1 10,000 on day
    # 8. Tried again then, R-1 pays INV-1's 7,000 by face amount, dated day
    # 8, the day the credit made the match possible, not day 3.
    matcher = _matcher([OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)])
    matcher.amounts.settle("INV-1", 3000, _day(8))
    assert matcher.by_amount([Payment("R-1", "C1", "USD", _day(3), 10000)]) == []
    assert matcher.applications == [
        Application("R-1", "INV-1", 7000, 10000, 3000, "face-amount", _day(8)),
    ]


# Each shortcut against the rule it stands for.

_customers = st.sampled_from(["C1", "C2"])
_amounts = st.sampled_from([100, 102, 150, 200, 250, 300])
_invoices = st.lists(
    st.tuples(_customers, st.integers(0, 6), _amounts), min_size=1, max_size=10
).map(
    lambda drawn: [
        OpenInvoice(f"I{n}", customer, "USD", _day(day), amount)
        for n, (customer, day, amount) in enumerate(drawn)
    ]
)
_payments = st.lists(
    st.tuples(
        _customers,
        st.integers(0, 8),
        st.one_of(_amounts, st.integers(-5, 400)),
        st.lists(st.sampled_from(["I0", "I1", "I2", "I3", "X"]), max_size=3),
    ),
    max_size=12,
).map(
    lambda drawn: [
        Payment(f"P{n}", customer, "USD", _day(day), amount, tuple(names))
        for n, (customer, day, amount, names) in enumerate(drawn)
    ]
)


@settings(max_examples=300, deadline=None)
@given(_invoices, _payments)
def test_exact_receipt_of_one_invoice_is_settled_as_any_named_receipt(
    invoices: list[OpenInvoice], payments: list[Payment]
) -> None:
    quick, general = _matcher(invoices), _matcher(invoices)
    left = quick.named(payments)
    for payment in payments:
        if payment.named and payment.amount > 0:
            general.pay_named(payment, NAMED)
    assert quick.applications == general.applications
    assert quick.amounts.open == general.amounts.open
    assert left == [p for p in payments if not p.named and p.amount > 0]


@settings(max_examples=300, deadline=None)
@given(_invoices)
def test_amounts_owed_index_the_oldest_invoice_of_each(invoices: list[OpenInvoice]) -> None:
    matcher = _matcher(invoices)
    index, more = matcher.amounts.index, matcher.amounts.more
    owed: dict[tuple[str, str, int], list[OpenInvoice]] = {}
    for invoice in sorted(invoices, key=_age):
        owed.setdefault((invoice.customer, invoice.currency, invoice.open), []).append(invoice)
    assert index == {key: same[0] for key, same in owed.items()}
    assert more == {key: same[1:] for key, same in owed.items() if len(same) > 1}


@settings(max_examples=300, deadline=None)
@given(_invoices, _payments)
def test_amount_step_pays_the_oldest_open_invoice_of_the_amount(
    invoices: list[OpenInvoice], payments: list[Payment]
) -> None:
    unnamed: list[Paying] = sorted((p for p in payments if not p.named and p.amount > 0), key=_age)
    matcher = _matcher(invoices)
    left = matcher.by_amount(unnamed)
    still_open = {invoice.id: invoice.open for invoice in invoices}
    expected, unmatched = [], []
    for payment in unnamed:  # the rule, one receipt at a time, scanning every invoice
        same = [
            invoice
            for invoice in sorted(invoices, key=_age)
            if invoice.id in still_open
            and (invoice.customer, invoice.currency) == (payment.customer, payment.currency)
            and still_open[invoice.id] == payment.amount
        ]
        if same and same[0].date <= payment.date:
            del still_open[same[0].id]
            paid, day = payment.amount, payment.date  # the receipt is dated on or after it
            expected.append(Application(payment.id, same[0].id, paid, paid, 0, "amount", day))
        else:
            unmatched.append(payment)
    assert matcher.applications == expected
    assert left == unmatched
    assert matcher.amounts.open == still_open


@settings(max_examples=300, deadline=None)
@given(_invoices, _payments, st.lists(st.tuples(st.integers(0, 9), st.integers(1, 120))))
def test_face_amount_step_pays_the_oldest_invoice_a_credit_part_paid_of_the_amount(
    invoices: list[OpenInvoice], payments: list[Payment], credits: list[tuple[int, int]]
) -> None:
    # Customer credits pay parts of some invoices on day 4 (each less than
    # what is open); then step 2 runs. The rule, scanning every invoice: an
    # exact open amount first, as above; else the oldest invoice of the
    # customer, dated on or before the receipt, that a credit part paid and
    # whose open amount plus what the credits paid is the receipt: it clears
    # what is open, and the rest is credited beyond the tolerance, dated the
    # later of the receipt, the invoice and the credit.
    unnamed: list[Paying] = sorted((p for p in payments if not p.named and p.amount > 0), key=_age)
    matcher = _matcher(invoices)
    still_open = {invoice.id: invoice.open for invoice in invoices}
    credited: dict[str, int] = {}
    for at, units in credits:
        name = invoices[at % len(invoices)].id
        if name in still_open and units < still_open[name]:
            matcher.amounts.settle(name, units, _day(4))
            still_open[name] -= units
            credited[name] = credited.get(name, 0) + units
    left = matcher.by_amount(unnamed)
    expected, unmatched = [], []
    for payment in unnamed:
        mine = [
            invoice
            for invoice in sorted(invoices, key=_age)
            if invoice.id in still_open
            and (invoice.customer, invoice.currency) == (payment.customer, payment.currency)
        ]
        same = [invoice for invoice in mine if still_open[invoice.id] == payment.amount]
        face = [
            invoice
            for invoice in mine
            if invoice.id in credited
            and still_open[invoice.id] + credited[invoice.id] == payment.amount
            and invoice.date <= payment.date
        ]
        if same and same[0].date <= payment.date:
            del still_open[same[0].id]
            # Open that amount from the credit's day on, if a credit paid part of it.
            since = _day(4) if same[0].id in credited else DAY
            paid, day = payment.amount, max(payment.date, since)
            expected.append(Application(payment.id, same[0].id, paid, paid, 0, "amount", day))
        elif face:
            cleared = still_open.pop(face[0].id)
            over = payment.amount - cleared
            back = over if over > TOLERANCE else 0
            day = max(payment.date, face[0].date, _day(4))
            made = (payment.id, face[0].id, cleared, payment.amount, back, "face-amount", day)
            expected.append(Application(*made))
        else:
            unmatched.append(payment)
    assert matcher.applications == expected
    assert left == unmatched
    assert matcher.amounts.open == still_open


@settings(max_examples=300, deadline=None)
@given(_invoices, _payments)
def test_pools_made_after_the_amount_step_match_as_if_made_before(
    invoices: list[OpenInvoice], payments: list[Payment]
) -> None:
    # The pools are made by the first step after the amount step that needs
    # them, on the first day it does; made before any receipt is matched (and
    # skipping what is paid since) they give the same matches.
    early = _matcher(invoices)
    for invoice in invoices:
        early.amounts.pool((invoice.customer, invoice.currency))
    early.run(payments, {})
    assert _match(invoices, payments) == early.applications


class _EveryInvoice(cash_matching._Matcher):
    """A matcher whose step 5 reads every invoice of a pool every day, as if all had changed."""

    def several_receipts(self, pools, today, changed=()):  # type: ignore[no-untyped-def]
        everyone = {customer for customer, _ in pools}
        super().several_receipts(pools, today, everyone)


# One customer's invoices over a week and many small receipts naming nothing,
# so that sets of receipts often pay an invoice (step 5).
_settled_by_sets = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from([100, 150, 200, 300])), min_size=1, max_size=8
).map(
    lambda drawn: [
        OpenInvoice(f"I{n}", "C1", "USD", _day(day), amount)
        for n, (day, amount) in enumerate(drawn)
    ]
)
_small_receipts = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from([25, 50, 75, 100])), max_size=24
).map(
    lambda drawn: [
        Payment(f"P{n:02d}", "C1", "USD", _day(day), amount)
        for n, (day, amount) in enumerate(drawn)
    ]
)


@settings(max_examples=300, deadline=None)
@given(_settled_by_sets, _small_receipts)
@example(  # day 0: P01 and P02 pay I1 150.00, after I0 200.00 was read; on day 1 I0 reads
    # P00, P03 and P04 (25 + 75 + 100 = 200.00), receipts of day 0 that it had not seen
    [OpenInvoice("I0", "C1", "USD", _day(0), 200), OpenInvoice("I1", "C1", "USD", _day(0), 150)],
    [
        Payment(f"P{n:02d}", "C1", "USD", _day(day), amount)
        for n, (day, amount) in enumerate([(0, 25), (0, 50), (0, 100), (0, 75), (0, 100), (1, 25)])
    ],
)
def test_step_5_reading_only_invoices_that_reach_a_new_receipt_matches_as_reading_all(
    invoices: list[OpenInvoice], payments: list[Payment]
) -> None:
    # On a day a pool receives receipts, step 5 reads only the invoices whose
    # oldest `candidates` receipts include one of that day's: the others saw
    # the same receipts and amounts before. Reading every invoice every day
    # gives the same matches; so does a pool whose waiting receipts were
    # applied since it was last read (the example). Three candidates, so that
    # a pool often waits with more receipts than an invoice reads.
    by_id = {invoice.id: invoice for invoice in invoices}
    runs = []
    for kind in (cash_matching._Matcher, _EveryInvoice):
        still_open = {invoice.id: invoice.open for invoice in invoices if invoice.open > 0}
        matcher = kind(by_id, still_open, lambda _: TOLERANCE, 3)
        matcher.run(payments, {})
        runs.append(matcher.applications)
    assert runs[0] == runs[1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 60), max_size=8), st.integers(-5, 200), st.integers(0, 4))
def test_subset_search_finds_the_earliest_exact_subset_of_at_least_least(
    values: list[int], target: int, least: int
) -> None:
    exact = [
        indices
        for size in range(max(least, 1), len(values) + 1)
        for indices in combinations(range(len(values)), size)
        if sum(values[i] for i in indices) == target
    ]
    found = subset_with_sum(values, target, least)
    assert found == (min(exact) if exact and target > 0 else None)


# The day of each application.


def test_receipts_completing_a_set_later_date_every_application_of_the_set() -> None:
    # INV-1 is open 10,000 since day 0; R-1 brings 6,000 on day 3 and R-2
    # 4,000 on day 9: 6,000 + 4,000 = 10,000 pays INV-1 (several receipts),
    # possible only once R-2 came, so both applications are dated day 9.
    invoices = [OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)]
    payments = [
        Payment("R-1", "C1", "USD", _day(3), 6000),
        Payment("R-2", "C1", "USD", _day(9), 4000),
    ]
    assert _match(invoices, payments) == [
        Application("R-1", "INV-1", 6000, 6000, 0, "several-receipts", _day(9)),
        Application("R-2", "INV-1", 4000, 4000, 0, "several-receipts", _day(9)),
    ]


def test_a_part_payment_lets_an_earlier_waiting_receipt_pay_what_it_leaves() -> None:
    # INV-1 is open 10,000 since day 0; R-1 brings 6,000 on day 3 naming
    # nothing and matches nothing: it waits. R-2 brings 4,000 on day 9 naming
    # INV-1: 10,000 - 4,000 = 6,000 is left open, more than the tolerance of
    # 5. On day 9 the customer's waiting receipts are tried again: R-1 is
    # exactly 6,000 and pays INV-1 by amount, dated day 9 (INV-1 has been
    # open 6,000 since then).
    invoices = [OpenInvoice("INV-1", "C1", "USD", _day(0), 10000)]
    payments = [
        Payment("R-1", "C1", "USD", _day(3), 6000),
        Payment("R-2", "C1", "USD", _day(9), 4000, ("INV-1",)),
    ]
    assert _match(invoices, payments) == [
        Application("R-2", "INV-1", 4000, 4000, 0, "named", _day(9)),
        Application("R-1", "INV-1", 6000, 6000, 0, "amount", _day(9)),
    ]


def test_receipts_are_matched_day_by_day_so_a_later_one_finds_what_earlier_ones_paid() -> None:
    # INV-1 6,000 and INV-2 4,000 are open since day 0. R-1 brings 10,000 on
    # day 3 naming nothing: 6,000 + 4,000 = 10,000 pays both (several
    # invoices). R-2 brings 4,000 on day 9 naming nothing and R-3 6,000 on
    # day 9 naming INV-1: on day 9 nothing is open, so R-2 waits and R-3,
    # naming a paid invoice, is the customer's credit. Run step by step over
    # all the receipts, R-3 would take INV-1 and R-2 INV-2, and R-1 nothing.
    invoices = [
        OpenInvoice("INV-1", "C1", "USD", _day(0), 6000),
        OpenInvoice("INV-2", "C1", "USD", _day(0), 4000),
    ]
    payments = [
        Payment("R-3", "C1", "USD", _day(9), 6000, ("INV-1",)),
        Payment("R-2", "C1", "USD", _day(9), 4000),
        Payment("R-1", "C1", "USD", _day(3), 10000),
    ]
    assert _match(invoices, payments) == [
        Application("R-1", "INV-1", 6000, 6000, 0, "several-invoices", _day(3)),
        Application("R-1", "INV-2", 4000, 4000, 0, "several-invoices", _day(3)),
        Application("R-3", "INV-1", 0, 6000, 6000, "named", _day(9)),
    ]


def test_an_open_amount_or_unapplied_amount_changed_later_dates_the_match() -> None:
    # INV-1 (day 0) is open 8,000 since a posting on day 7, INV-2 (day 0)
    # 5,000 since day 0; R-1 (day 2) is left 8,000 since a use on day 4, R-2
    # (day 2) brings 5,000. R-1 pays INV-1 by amount on day 7 (its open
    # amount's day), R-2 pays INV-2 on day 2 (its own). The match of day 7 is
    # made when day 7 is matched, so it comes after R-2's.
    invoices = [
        OpenInvoice("INV-1", "C1", "USD", _day(0), 8000, _day(7)),
        OpenInvoice("INV-2", "C1", "USD", _day(0), 5000),
    ]
    payments = [
        Payment("R-1", "C1", "USD", _day(2), 8000),
        Payment("R-2", "C1", "USD", _day(2), 5000),
    ]
    found = cash_matching.match(payments, invoices, lambda _: TOLERANCE, used={"R-1": _day(4)})
    assert found == [
        Application("R-2", "INV-2", 5000, 5000, 0, "amount", _day(2)),
        Application("R-1", "INV-1", 8000, 8000, 0, "amount", _day(7)),
    ]


@settings(max_examples=300, deadline=None)
@given(
    _invoices,
    _payments,
    st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=10, max_size=10),
    st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=12, max_size=12),
)
def test_no_application_is_dated_before_what_its_match_rests_on(
    drawn: list[OpenInvoice],
    payments: list[Payment],
    moved: list[int | None],
    used: list[int | None],
) -> None:
    # Each invoice's last posting and each receipt's last use on random days
    # (or none): every application is dated on or after its receipt, its
    # invoice and that use, and, unless its receipt named the invoice (step
    # 1, the customer's own word), that posting and the invoice's earlier
    # applications; the applications of one match (a receipt's in steps 1,
    # 3 and 4, an invoice's in step 5) share one day.
    invoices = [
        invoice if day is None else invoice._replace(moved=_day(day))
        for invoice, day in zip(drawn, moved, strict=False)
    ]
    last_used = {
        payment.id: _day(day)
        for payment, day in zip(payments, used, strict=False)
        if day is not None
    }
    found = cash_matching.match(payments, invoices, lambda _: TOLERANCE, used=last_used)
    invoice_of = {invoice.id: invoice for invoice in invoices}
    payment_of = {payment.id: payment for payment in payments}
    still_open = {invoice.id: invoice.open for invoice in invoices}
    days: dict[tuple[str, str], set[datetime.date]] = {}
    latest: dict[str, datetime.date] = {}
    for application in found:
        invoice, payment = invoice_of[application.invoice], payment_of[application.receipt]
        still_open[invoice.id] -= application.cleared
        floor = [payment.date, invoice.date, last_used.get(payment.id)]
        if application.step != NAMED:  # a match the open amounts made
            floor += [invoice.moved, latest.get(invoice.id)]
        assert application.date >= max(day for day in floor if day is not None)
        latest[invoice.id] = application.date
        match = invoice.id if application.step == SEVERAL_RECEIPTS else payment.id
        days.setdefault((application.step, match), set()).add(application.date)
    assert all(len(dates) == 1 for dates in days.values())


# One customer's few amounts, so that receipts often compete for an invoice.
_competing_invoices = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from([100, 200, 300])), min_size=1, max_size=6
).map(
    lambda drawn: [
        OpenInvoice(f"I{n}", "C1", "USD", _day(day), amount)
        for n, (day, amount) in enumerate(drawn)
    ]
)
_competing_payments = st.lists(
    st.tuples(
        st.integers(0, 8),
        st.sampled_from([50, 100, 150, 200, 300, 400, 500]),
        st.lists(st.sampled_from(["I0", "I1", "I2"]), max_size=2),
    ),
    max_size=8,
).map(
    lambda drawn: [
        Payment(f"P{n}", "C1", "USD", _day(day), amount, tuple(names))
        for n, (day, amount, names) in enumerate(drawn)
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(_invoices, _competing_invoices),
    st.one_of(_payments, _competing_payments),
    st.integers(0, 8),
)
def test_receipts_after_a_day_never_change_what_is_applied_by_then(
    invoices: list[OpenInvoice], payments: list[Payment], through: int
) -> None:
    # Matched day by day, the receipts dated after `through` find what the
    # earlier ones left: every application dated by then is the same with or
    # without them (at most 10 invoices and 12 receipts, fewer than a
    # customer's 12 candidates, so no later payment can bring an older item
    # into the window of steps 3 to 5).
    day = _day(through)
    earlier = [payment for payment in payments if payment.date <= day]
    found = [a for a in _match(invoices, payments) if a.date <= day]
    assert found == [a for a in _match(invoices, earlier) if a.date <= day]


_days = st.one_of(st.none(), st.integers(0, 12).map(_day))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), _days, _days, _days)
def test_the_day_of_one_receipt_and_one_invoice_is_the_day_of_the_rule(
    received: int,
    billed: int,
    moved: datetime.date | None,
    used: datetime.date | None,
    applied: datetime.date | None,
) -> None:
    # The amount step's quick `start` and `exactly` against `day`, the rule they stand for:
    # an `OpenInvoice` is open exactly what is open of it from its last posting on.
    invoice = OpenInvoice("INV-1", "C1", "USD", _day(billed), 100, moved)
    payment = Payment("R-1", "C1", "USD", _day(received), 100)
    matcher = cash_matching._Matcher(
        {"INV-1": invoice},
        {"INV-1": 100},
        lambda _: TOLERANCE,
        12,
        {} if used is None else {"R-1": used},
    )
    amounts = matcher.amounts
    if applied is not None:
        amounts.applied["INV-1"] = applied
    start = amounts.start(payment, invoice)
    assert start == amounts.day((payment,), (invoice,))
    since = () if moved is None else (moved,)
    assert amounts.exactly(invoice, start, 100) == amounts.day((payment,), (invoice,), since)
