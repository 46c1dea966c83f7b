"""Invariants of the AR plugin on random small books of a quarter (review rev47).

A generator (`quarters`) writes books that mix what a real month holds
(invoices in USD and EUR at month-end prices, receipts naming one invoice,
two or none, short, over and exact within and beyond the tolerance, credit
notes, refunds and returned payments, chargebacks, goodwill credits,
write-offs, payments posted straight, customer credits used later, and,
in some books, what names an invoice typed before it is billed) and each is
loaded by real Beancount with the plugin. The invariants hold on every
example: no figure is asserted here that a hand-worked test does not pin
(tests/test_ar_closed_months.py and the others name the figures).
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data, interpolate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plugins import meta, period_lock
from reports import books as loaded_books
from reports import receivables as receivables_report
from tests.conftest import number
from tests.test_ar_reconciliation import made_at_typed_lines

AR = "Assets:AccountsReceivable"
UNAPPLIED = "Liabilities:UnappliedCash"
CENT = Decimal("0.01")
MONTH_ENDS = [datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31)]
PRICE_DAYS = ["2026-01-01", "2026-01-31", "2026-02-28", "2026-03-31"]

OPENS = """option "operating_currency" "USD"
plugin "plugins.ar_reconciliation" "ar.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash
2026-01-01 open Liabilities:CustomerCredits
2026-01-01 open Expenses:Goodwill
2026-01-01 open Expenses:BadDebt
2026-01-01 open Equity:Opening
"""
MONTH_FEE = """
{day} * "Bank" "Fee"
  Assets:Bank:Operating  -1.00 USD
  Equity:Opening  1.00 USD
"""
POLICY = "tolerance: {USD: 1.00, EUR: 1.00}\nfunctional_currency: USD\n"
PAYEES = {"CUS-1": "Acme", "CUS-2": "Basalt", "CUS-9": "Zeta"}


def cents(units: int) -> str:
    return f"{Decimal(units) / 100:.2f}"


@dataclass
class Quarter:
    """Books of a quarter: prices and typed entries, each a text with its date."""

    rates: dict[str, Decimal]  # USD a euro, by price day
    entries: list[tuple[str, str]] = field(default_factory=list)

    def rate(self, day: str) -> Decimal:
        known = [d for d in PRICE_DAYS if d <= day]
        return self.rates[known[-1]]

    def priced(self, units: int, currency: str, day: str) -> tuple[str, str]:
        """The units as written, and their weight in USD as the bank side writes it."""
        if currency == "USD":
            return f"{cents(units)} USD", f"{cents(units)} USD"
        rate = self.rate(day)
        weight = (Decimal(units) / 100 * rate).quantize(CENT)
        return f"{cents(units)} EUR @ {rate} USD", f"{weight} USD"

    def text(self) -> str:
        prices = "".join(f"{d} price EUR {r} USD\n" for d, r in self.rates.items())
        return prices + "".join(text for _, text in self.entries)


def invoice_text(q: Quarter, n: int, day: str, customer: str, units: int, cur: str) -> str:
    due = datetime.date.fromisoformat(day) + datetime.timedelta(days=30)
    ar, usd = q.priced(units, cur, day)
    return f"""
{day} * "{PAYEES[customer]}" "Invoice INV-{n}" ^INV-{n}
  invoice: "INV-{n}"
  customer: "{customer}"
  due: {due}
  {AR}  {ar}
  Income:Revenue:Services  -{usd}
"""


@st.composite
def quarters(
    draw: st.DrawFn,
    prepay: bool = True,
    size: int = 1,
    named_later: bool = True,
    used_later: bool = True,
) -> Quarter:
    """Books of a quarter: 1 to 6 invoices of two customers, then up to 10 events.

    With `prepay`, some books type what names an invoice before it is billed
    (a receipt in unapplied cash may come before its invoice in any book);
    `size` multiplies the counts. Without `named_later`, a receipt whose
    words name invoices (`invoice`, its narration) comes on or after them;
    without `used_later`, a chargeback or an application by hand of a
    receipt comes on the receipt's day.
    """
    rates = st.integers(10500, 13500).map(lambda n: Decimal(n).scaleb(-4))
    q = Quarter({d: draw(rates) for d in PRICE_DAYS})
    # A bank fee at each month end: the books run to March 31 (the horizon).
    q.entries += [(str(end), MONTH_FEE.format(day=end)) for end in MONTH_ENDS]
    days = st.integers(2, 88).map(
        lambda n: str(datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    )
    billed: list[tuple[str, str, int, str]] = []  # day, customer, units, currency
    for n in range(1, draw(st.integers(1, 6 * size)) + 1):
        day = draw(days)
        customer = draw(st.sampled_from(["CUS-1", "CUS-1", "CUS-2"]))
        cur = draw(st.sampled_from(["USD", "USD", "EUR"]))
        units = draw(st.integers(10, 500)) * 100 + draw(st.sampled_from([0, 0, 50, 37, 1, 99]))
        billed.append((day, customer, units, cur))
        q.entries.append((day, invoice_text(q, n, day, customer, units, cur)))
    received: list[tuple[str, int, str]] = []  # id, units, currency
    prepaying = draw(st.booleans()) if prepay else False
    for k in range(draw(st.integers(0, 10 * size))):
        kind = draw(
            st.sampled_from(
                ["receipt", "receipt", "receipt", "straight", "credit-note", "refund",
                 "chargeback", "goodwill", "write-off", "credit-refund", "by-hand"]
            )
        )  # fmt: skip
        day = draw(days)
        i = draw(st.integers(0, len(billed) - 1))
        n = i + 1
        on, customer, units, cur = billed[i]
        if kind != "receipt" and not prepaying:
            day = max(day, on)  # what names an invoice comes on or after it
        how = draw(
            st.sampled_from(["exact", "short-in", "short-out", "over-in", "over-out", "sum"])
        )
        amount = {
            "exact": units,
            "short-in": units - 50,
            "short-out": units // 2,
            "over-in": units + 40,
            "over-out": units + 2000,
            "sum": units
            + sum(b[2] for b in billed if b[1] == customer and b[3] == cur and b is not billed[i]),
        }[how]
        if kind == "receipt":
            rid = f"R-{k}"
            naming = draw(st.sampled_from(["none", "meta", "text", "two", "customer"]))
            if not named_later and naming in ("meta", "text", "two"):
                day = max(day, on, billed[(i + 1) % len(billed)][0] if naming == "two" else on)
            pay_cur = draw(st.sampled_from([cur, cur, "USD", "EUR"]))
            if pay_cur != cur:
                amount = int(Decimal(amount) * q.rate(day))
            if naming == "two" and len(billed) > 1:
                j = (i + 1) % len(billed)
                if billed[j][3] == pay_cur:
                    amount += billed[j][2]
                narration = f"Wire INV-{n}/INV-{j + 1}"
            else:
                narration = f"Wire INV-{n}" if naming == "text" else "Wire"
            names = f'\n  invoice: "INV-{n}"' if naming == "meta" else ""
            if naming != "none":
                names += f'\n  customer: "{customer}"'
            cash, weight = q.priced(amount, pay_cur, day)
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "{narration}"
  receipt: "{rid}"{names}
  Assets:Bank:Operating  {weight}
  {UNAPPLIED}  -{cash}
""",
                )
            )
            received.append((rid, amount, pay_cur))
        elif kind == "straight":
            ar, usd = q.priced(amount, cur, day)
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "Wire BR-{k}" ^INV-{n}
  bank_reference: "BR-{k}"
  invoice: "INV-{n}"
  Assets:Bank:Operating  {usd}
  {AR}  -{ar}
""",
                )
            )
        elif kind == "credit-note":
            part = draw(st.sampled_from([units, units // 4, 25]))
            ar, usd = q.priced(part, cur, day)
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "Credit note CN-{k}" ^CN-{k}
  invoice: "CN-{k}"
  credits: "INV-{n}"
  customer: "{customer}"
  {AR}  -{ar}
  Income:Revenue:Services  {usd}
""",
                )
            )
        elif kind == "refund":
            part = draw(st.sampled_from([units, units // 4, 25]))
            ar, usd = q.priced(part, cur, day)
            what = draw(st.sampled_from(["REFUND", "RETURNED ACH"]))
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "{what} INV-{n}" ^INV-{n}
  bank_reference: "RT-{k}"
  invoice: "INV-{n}"
  customer: "{customer}"
  Assets:Bank:Operating  -{usd}
  {AR}  {ar}
""",
                )
            )
        elif kind == "chargeback" and received:
            rid, got, rcur = received[draw(st.integers(0, len(received) - 1))]
            part = draw(st.sampled_from([got, got // 3]))
            cash, weight = q.priced(part, rcur, day)
            q.entries.append(
                (
                    _used(q, rid, day, used_later),
                    f"""
{_used(q, rid, day, used_later)} * "Acme" "Chargeback of {rid}"
  receipt: "{rid}"
  Assets:Bank:Operating  -{weight}
  {UNAPPLIED}  {cash}
""",
                )
            )
        elif kind == "goodwill":
            part = draw(st.sampled_from([units // 4, 25, 3000]))
            ar, usd = q.priced(part, cur, day)
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "Goodwill credit" ^INV-{n}
  invoice: "INV-{n}"
  Expenses:Goodwill  {usd}
  {AR}  -{ar}
""",
                )
            )
        elif kind == "write-off":
            part = draw(st.sampled_from([units, units // 2]))
            ar, usd = q.priced(part, cur, day)
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "Write off INV-{n}" ^INV-{n}
  invoice: "INV-{n}"
  status: "uncollectible"
  {AR}  -{ar}
  Expenses:BadDebt  {usd}
""",
                )
            )
        elif kind == "credit-refund":
            part = draw(st.sampled_from([2000, 40, units // 4]))
            q.entries.append(
                (
                    day,
                    f"""
{day} * "{PAYEES[customer]}" "REFUND OVERPAYMENT"
  bank_reference: "RC-{k}"
  customer: "{customer}"
  Assets:Bank:Operating  -{cents(part)} USD
  Liabilities:CustomerCredits  {cents(part)} USD
""",
                )
            )
        elif kind == "by-hand" and received:
            rid, got, rcur = received[draw(st.integers(0, len(received) - 1))]
            if rcur == cur:
                part = draw(st.sampled_from([got, got // 2, units]))
                ar, _ = q.priced(part, cur, day)
                when = _used(q, rid, day, used_later)
                q.entries.append(
                    (
                        when,
                        f"""
{when} * "{PAYEES[customer]}" "Applied by hand" ^INV-{n} ^{rid}
  receipt: "{rid}"
  invoice: "INV-{n}"
  {UNAPPLIED}  {ar}
  {AR}  -{ar}
""",
                    )
                )
    return q


def _day_of(q: Quarter, rid: str) -> str:
    return next(day for day, text in q.entries if f'receipt: "{rid}"' in text)


def _used(q: Quarter, rid: str, day: str, later: bool) -> str:
    """The day a receipt is used: `day` if on or after the receipt's, else the receipt's."""
    return max(day, _day_of(q, rid)) if later else _day_of(q, rid)


# --- loading -------------------------------------------------------------


def load_text(folder: Path, text: str, name: str = "main.beancount") -> loaded_books.Books:
    (folder / "ar.yaml").write_text(POLICY, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    return loaded_books.Books(str(path), entries, errors, options)


def load_quarter(q: Quarter, extra: str = "") -> tuple[loaded_books.Books, list[str]]:
    """The books loaded, and what the plugin made, located at typed lines."""
    with tempfile.TemporaryDirectory() as folder:
        books = load_text(Path(folder), OPENS + q.text() + extra)
        return books, made_at_typed_lines(books.entries, books.errors)


def load_split(q: Quarter, parts: int) -> tuple[loaded_books.Books, list[str]]:
    """The same books, the typed entries dealt over `parts` included files, last first."""
    with tempfile.TemporaryDirectory() as folder:
        texts = [""] * parts
        for index, (_, text) in enumerate(reversed(q.entries)):
            texts[index % parts] += text
        for index, text in enumerate(texts):
            (Path(folder) / f"part{index}.beancount").write_text(text, encoding="utf-8")
        includes = "".join(f'include "part{i}.beancount"\n' for i in range(parts))
        prices = "".join(f"{d} price EUR {r} USD\n" for d, r in q.rates.items())
        books = load_text(Path(folder), OPENS + includes + prices)
        return books, made_at_typed_lines(books.entries, books.errors)


# --- invariants ----------------------------------------------------------


def generated(entries: list[data.Directive]) -> list[data.Transaction]:
    return [e for e in entries if isinstance(e, data.Transaction) and meta.is_generated(e)]


def unbalanced(entries: list[data.Directive]) -> list[str]:
    """Generated entries whose weights do not sum to zero in some currency."""
    found = []
    for entry in generated(entries):
        residual = interpolate.compute_residual(entry.postings)  # type: ignore[no-untyped-call]
        if not residual.is_small(Decimal("0.005")):
            found.append(f"{entry.date} {entry.narration}: {residual}")
    return found


def posted_to_unopened(entries: list[data.Directive]) -> list[str]:
    opened = {e.account: e.date for e in entries if isinstance(e, data.Open)}
    return [
        f"{entry.date} {entry.narration}: {posting.account}"
        for entry in generated(entries)
        for posting in entry.postings
        if posting.account not in opened or opened[posting.account] > entry.date
    ]


def over_applied_receipts(entries: list[data.Directive]) -> list[str]:
    """Receipts whose unapplied cash goes into debit at the end of some day."""
    moves: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        rid = entry.meta.get("revclose_receipt") or entry.meta.get("receipt")
        for posting in entry.postings:
            if posting.account == UNAPPLIED and rid:
                moves[str(rid)].append((entry.date, number(posting)))
    found = []
    for rid, rows in moves.items():
        running = Decimal(0)
        for day in sorted({d for d, _ in rows}):
            running += sum((n for d, n in rows if d == day), Decimal(0))
            if running > 0:
                found.append(f"{rid} holds {running} on {day}")
                break
    return found


def differences(table: Any) -> list[str]:
    at = list(table.columns).index("difference")
    return [f"{table.title}: {row}" for row in table.rows if row[at] is not None and row[at] != 0]


def ties(books: loaded_books.Books) -> list[str]:
    found = []
    for day in MONTH_ENDS:
        found += differences(receivables_report.aging(books, day))
        found += differences(receivables_report.unapplied_cash(books, day))
    return found


def through(entries: list[data.Directive], day: datetime.date) -> list[str]:
    return sorted(period_lock.fingerprint(e) for e in entries if e.date <= day)


UNRELATED = """
{day} * "Zeta" "Wire"
  receipt: "RZ-1"
  customer: "CUS-9"
  Assets:Bank:Operating  12.34 USD
  {unapplied}  -12.34 USD
"""


def located(lines: list[str]) -> list[str]:
    """Text of what was made, with file:line ids (of credits by hand) read as one."""
    named = [re.sub(r"[\w./-]*\.beancount[:-]\d+", "<at>", line) for line in lines]
    # What a credit by hand makes is at the one of a day's credits typed last (README).
    return sorted(
        line.split("\n", 1)[1] if "\n" in line and ("<at>" in line or "Goodwill" in line) else line
        for line in named
    )


def broken_invariants(q: Quarter) -> list[str]:
    """The invariants the books break, named; an exception in the plugin escapes as it would.

    Held on every example the review ran (see the module's tests below): the
    generated entries balance and post to open accounts; the aging and the
    unapplied cash listing tie to the general ledger at each month end and no
    receipt applies more than it holds (on books without errors: a chargeback
    beyond its receipt is an error, and the listing then cannot tie); a
    receipt of another customer after a month end changes nothing through it;
    and the books dealt over three included files make the same entries.
    """
    books, made = load_quarter(q)
    broken = [f"unbalanced {x}" for x in unbalanced(books.entries)]
    broken += [f"unopened {x}" for x in posted_to_unopened(books.entries)]
    if not books.errors:
        broken += [f"over-applied {x}" for x in over_applied_receipts(books.entries)]
        broken += [f"tie {x}" for x in ties(books)]
    for end in MONTH_ENDS[:2]:
        after = end + datetime.timedelta(days=1)
        later, _ = load_quarter(q, UNRELATED.format(day=after, unapplied=UNAPPLIED))
        if through(later.entries, end) != through(books.entries, end):
            broken.append(f"a later receipt on {after} changed entries through {end}")
    # Where a day's debits use a receipt beyond what it received, the error's
    # line follows the typed order (a defect, tested below): split only books
    # without errors.
    _, split = load_split(q, 3)
    if not books.errors and located(split) != located(made):
        broken.append("split over files")
    return broken


# --- the pin: what held ------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarters(prepay=False))
def test_pin_random_quarters_keep_the_invariants_that_held(q: Quarter) -> None:
    # Fuzzed over about 20,000 examples (with prepayments, and three times
    # the size): none raised, and none broke these; what broke is below,
    # each on its smallest books.
    assert broken_invariants(q) == []


# --- the calendar rule: a closed month is what its own days made ------------


def through_end(q: Quarter, end: datetime.date) -> str:
    """The books' text with every typed entry dated after `end` left out.

    Each is left out as as many blank lines as it had, so what stays is at
    the same line: generated entries located at typed lines, and a credit by
    hand named by its file and line, read the same in both.
    """
    day = str(end)
    prices = "".join(f"{d} price EUR {r} USD\n" if d <= day else "\n" for d, r in q.rates.items())
    return prices + "".join(
        text if when <= day else "\n" * text.count("\n") for when, text in q.entries
    )


def made_through(folder: Path, text: str, end: datetime.date) -> list[str]:
    """The fingerprints of the generated entries dated on or before `end`, as a seal holds them."""
    books = load_text(folder, text)
    return sorted(period_lock.fingerprint(e) for e in generated(books.entries) if e.date <= end)


def later_days_changed(q: Quarter) -> list[str]:
    """The month ends through which the books make other entries than those days alone make.

    All that is generated is compared, the `!` review flags with it: a flag
    arises on its day from the books through it and is dated no later than
    the books' horizon, and a month end's bank fee keeps the horizon at or
    after it with the later days left out. Errors are not compared: a
    control such as the over-paid one reads the books at their end.
    """
    changed = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        whole = OPENS + q.text()
        for end in MONTH_ENDS[:2]:
            alone = made_through(folder, OPENS + through_end(q, end), end)
            if made_through(folder, whole, end) != alone:
                changed.append(f"typed entries after {end} changed what is made through it")
    return changed


def _paid_straight(day: str, units: int, k: int) -> tuple[str, str]:
    return (
        day,
        f"""
{day} * "Acme" "Wire BR-{k}" ^INV-1
  bank_reference: "BR-{k}"
  invoice: "INV-1"
  Assets:Bank:Operating  {cents(units)} USD
  {AR}  -{cents(units)} USD
""",
    )


def _prepaid() -> Quarter:
    """BR-1 100.00 straight to INV-1 on Jan 3, INV-1 billed Jan 22, BR-2 5.00 on Feb 10.

    The smallest books of review rev47's first defect (worked by hand in
    tests/test_ar_closed_months.py): February's receipt rewrote January.
    """
    q = Quarter({day: Decimal("1.2000") for day in PRICE_DAYS})
    q.entries += [(str(end), MONTH_FEE.format(day=end)) for end in MONTH_ENDS]
    q.entries.append(_paid_straight("2026-01-03", 10000, 1))
    q.entries.append(("2026-01-22", invoice_text(q, 1, "2026-01-22", "CUS-1", 10000, "USD")))
    q.entries.append(_paid_straight("2026-02-10", 500, 2))
    return q


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarters(named_later=False, used_later=False))
@example(_prepaid())
def test_what_is_made_through_a_month_end_depends_only_on_what_is_dated_by_then(
    q: Quarter,
) -> None:
    # The calendar rule (README, "Matching"): what the books made of a day
    # depends only on what is dated on or before it, so typing the next
    # month never changes a closed one. Books with prepayments too: what
    # names an invoice typed before it is billed. Two rules read later
    # days, so their books are not drawn: a receipt whose `invoice`
    # metadata names an invoice billed after it (before that invoice is
    # typed it names one that does not exist, an error; its words and links
    # name an invoice only from its day on, README "Matching", step 1), and
    # a receipt used after its
    # day (a chargeback, an application by hand), whose matches the README
    # dates at its last use ("Matching": the last use of each receipt).
    # `make test-explore` (or more examples) still finds rarer books of
    # other causes: a credit typed by hand to `Expenses` (goodwill) posted
    # to an invoice before it is billed is read as the item's document, a
    # credit note, until the invoice comes (its payee names a customer, a
    # credit settled at a rate); a write-off, a credit note and straight
    # receipts on one day,
    # then a refund a month later, share the write-off otherwise.
    assert later_days_changed(q) == []
