"""AR reconciliation reads the receivable and unapplied cash in one visit per posting.

The readers (`receivables.subledger`, `receipts.receipts_of`) take a short
route for the common posting: no metadata of its own but its place, an entry
that names its invoice (or writes its receipt id) as plain text, an item
posted once with a text customer and a date `due`. The tests hold each short
route to the general rules it stands for (`invoice_of`, `_item`, `Index.add`,
`_credit`, the words a receipt names by), on worked examples and on ledgers
that hypothesis makes to hit every fallback: posting-level metadata, bad
`due` dates, customers that are not text, ids with spaces, repeated ids,
amounts with too many decimals, items posted more than once.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core import amount, data
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins import invoice_words, meta, receipts, receivables
from plugins.currency import Precision
from plugins.receivables import Finding, Item, Movement, Subledger, invoice_of

AR = "Assets:AccountsReceivable"
UNAPPLIED = "Liabilities:UnappliedCash"
BANK = "Assets:Bank:Operating"
START = datetime.date(2026, 1, 1)
FILE = "/books/main.beancount"

# ---------------------------------------------------------------------------- worked examples

BOOKS = """
option "operating_currency" "USD"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services
2026-01-01 open Liabilities:UnappliedCash

2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  due: 2026-02-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-01-06 * "Bolt" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-2"
  due: "2026-02-05"
  Assets:AccountsReceivable  50.00 USD
  Income:Revenue:Services  -50.00 USD

2026-01-07 * "Acme" "Credit note CN-1"
  invoice: "CN-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  -20.00 USD
  Income:Revenue:Services  20.00 USD

2026-01-08 * "Bolt" "Wire straight to the receivable"
  Assets:Bank:Operating  10.00 USD
  Assets:AccountsReceivable  -10.00 USD
    invoice: "INV-2"

2026-01-09 * "Acme" "Wire 881 INV-1"
  bank_reference: "BR-881"
  customer: "CUS-1"
  Assets:Bank:Operating  80.00 USD
  Liabilities:UnappliedCash  -80.00 USD

2026-01-10 * "Bolt" "Wire for INV-1"
  customer: "CUS-2"
  Assets:Bank:Operating  5.00 USD
  Liabilities:UnappliedCash  -5.00 USD
    receipt: "RCPT-9"

2026-01-11 * "Acme" "Cheque"
  invoice: "INV-1"
  Assets:Bank:Operating  7.00 USD
  Liabilities:UnappliedCash  -7.00 USD
"""


def test_worked_example_reads_each_item_by_its_document() -> None:
    entries, errors, _ = loader.load_string(BOOKS)
    assert errors == []
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    assert list(subledger.items) == ["INV-1", "INV-2", "CN-1"]
    inv1, inv2, note = subledger.items.values()
    assert (inv1.customer, inv1.due, inv1.date, inv1.billed) == (
        "CUS-1",
        datetime.date(2026, 2, 4),
        datetime.date(2026, 1, 5),
        10000,
    )
    # A `due` written as text is read as a date; the wire names INV-2 on its posting.
    assert (inv2.due, [m.units for m in inv2.movements]) == (
        datetime.date(2026, 2, 5),
        [5000, -1000],
    )
    assert (note.due, note.is_invoice) == (datetime.date(2026, 1, 7), False)
    assert subledger.open == {"INV-1": 10000, "INV-2": 4000, "CN-1": -2000}
    assert (subledger.notes, subledger.several) == (["CN-1"], ["INV-2"])
    assert subledger.by_customer == {"CUS-1": ["INV-1", "CN-1"], "CUS-2": ["INV-2"]}


def test_worked_example_reads_each_receipt_and_what_it_names() -> None:
    entries, errors, _ = loader.load_string(BOOKS)
    assert errors == []
    subledger, _ = receivables.read(entries, AR, Precision())
    found, findings = receipts.read(entries, UNAPPLIED, Precision(), subledger, "")
    assert findings == []
    assert [
        (receipt.id, receipt.customer, receipt.named, receipt.amount)
        for receipt in found.by_id.values()
    ] == [
        ("BR-881", "CUS-1", ("INV-1",), 8000),  # its narration names INV-1, of its customer
        ("RCPT-9", "CUS-2", (), 500),  # INV-1 is another customer's: not named
        ("<string>:48", "CUS-1", ("INV-1",), 700),  # no id: its place; its metadata names INV-1
    ]
    assert found.by_id["RCPT-9"].place["lineno"] == 42  # its posting's metadata


# ---------------------------------------------------------------------------- the short routes

INVOICES = ["INV-1", "INV-2", "CN-1"]
CUSTOMERS = ["CUS-1", "CUS-2"]

texts = st.sampled_from
invoice_values = st.one_of(texts([*INVOICES, "INV-9", "", " INV-1"]), st.just(7))
customer_values = st.one_of(texts([*CUSTOMERS, ""]), st.just(5))
due_values = st.one_of(
    st.just(datetime.date(2026, 3, 1)),
    texts(["2026-03-02", "soon"]),
    st.just(datetime.datetime(2026, 3, 3, 12, 0)),
)
link_sets = st.frozensets(texts([*INVOICES, "INV-9", "other"]), max_size=2)
days = st.integers(min_value=0, max_value=4).map(lambda n: START + datetime.timedelta(days=n))


@st.composite
def numbers(draw: st.DrawFn, sign: int) -> amount.Amount:
    """An amount: mostly cents, sometimes a third decimal (too many for USD)."""
    cents = draw(st.integers(min_value=0, max_value=5000)) * sign
    excess = draw(st.sampled_from([0, 0, 0, 5]))
    currency = draw(st.sampled_from(["USD", "USD", "EUR", "JPY"]))
    return amount.Amount(Decimal(cents * 10 + excess).scaleb(-3), currency)


@st.composite
def written(draw: st.DrawFn, keys: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Metadata with some of the keys."""
    chosen = draw(st.sets(st.sampled_from(sorted(keys)), max_size=len(keys)))
    return {key: draw(keys[key]) for key in sorted(chosen)}


@st.composite
def own_meta(draw: st.DrawFn, keys: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any] | None:
    """A posting's metadata: none, its place (as Beancount gives it), or its place and more."""
    kind = draw(st.sampled_from(["none", "place", "place", "more"]))
    if kind == "none":
        return None
    place: dict[str, Any] = {"filename": FILE, "lineno": draw(st.integers(1, 999))}
    return {**place, **draw(written(keys))} if kind == "more" else place


def entry_of(
    line: int,
    day: datetime.date,
    shared: dict[str, Any],
    postings: list[data.Posting],
    links: frozenset[str] = frozenset(),
    payee: str | None = "Acme",
    narration: str = "",
) -> data.Transaction:
    where = {"filename": FILE, "lineno": line, **shared}
    return data.Transaction(where, day, "*", payee, narration, frozenset(), links, postings)


@st.composite
def receivable_books(draw: st.DrawFn) -> list[data.Transaction]:
    """Entries that post to the receivable, in date order, with every kind of naming."""
    keys = {
        "invoice": invoice_values,
        "customer": customer_values,
        "due": due_values,
        "credits": invoice_values,
    }
    entries = []
    for line in range(draw(st.integers(min_value=0, max_value=8))):
        postings = [
            data.Posting(
                AR,
                draw(st.one_of(numbers(1), numbers(-1), st.none())),
                None,
                None,
                None,
                draw(own_meta({"invoice": invoice_values})),
            )
            for _ in range(draw(st.integers(min_value=1, max_value=2)))
        ]
        postings.append(data.Posting("Income:Revenue", None, None, None, None, None))
        shared = draw(written(keys))
        entries.append(entry_of(10 * line, draw(days), shared, postings, draw(link_sets)))
    return sorted(entries, key=data.entry_sortkey)


def subledger_by_the_general_rules(
    entries: list[data.Transaction], precision: Precision
) -> tuple[Subledger, list[Finding]]:
    """The subledger as the general rules make it: `invoice_of`, `_item`, then `Index.add`.

    A posting whose entry links several ids and writes no `invoice` belongs to
    the one the other postings name (`_linked`, worked in
    tests/test_ar_documents_and_links.py).
    """
    grouped: dict[str, list[Movement]] = {}
    unnamed: list[data.Transaction] = []
    rows = list(receivables.postings_to(entries, AR))
    linked, findings = receivables._linked(rows)
    for entry, position, posting in rows:
        units = posting.units
        if units is None or not isinstance(units.number, Decimal):
            continue
        invoice = linked.get((id(entry), position)) or invoice_of(entry, posting)
        if invoice is None:
            if not unnamed or unnamed[-1] is not entry:
                unnamed.append(entry)
            continue
        minor = precision.to_minor(units.number, units.currency)
        if minor is None:
            message = precision.excess(units.number, units.currency)
            findings.append((meta.source_of(entry, posting), message, entry))
            continue
        movement = Movement(entry.date, minor, entry, position, units.currency)
        grouped.setdefault(invoice, []).append(movement)
    items = {
        invoice: receivables._item(invoice, found, findings) for invoice, found in grouped.items()
    }
    return Subledger(items, tuple(unnamed)), findings


def view(subledger: Subledger) -> tuple[Any, ...]:
    return (
        subledger.items,
        subledger.unnamed,
        subledger.open,
        subledger.notes,
        subledger.several,
        subledger.by_currency,
        subledger.by_customer,
    )


@settings(max_examples=300, deadline=None)
@given(receivable_books())
def test_the_receivable_reads_as_the_general_rules_read_it(
    entries: list[data.Transaction],
) -> None:
    read, findings = receivables.read(entries, AR, Precision())
    expected, expected_findings = subledger_by_the_general_rules(entries, Precision())
    assert view(read) == view(expected)
    assert [type(item) for item in read.items.values()] == [Item] * len(read.items)
    assert findings == expected_findings


@settings(max_examples=100, deadline=None)
@given(receivable_books())
def test_the_index_the_reader_makes_is_the_one_the_items_make(
    entries: list[data.Transaction],
) -> None:
    read, _ = receivables.read(entries, AR, Precision())
    assert view(read) == view(Subledger(read.items, read.unnamed))


def invoices_subledger() -> Subledger:
    """INV-1 and INV-2 (of CUS-1 and CUS-2), a credit note, and an invoice of nothing."""
    documents = [
        ("INV-1", 10000, "CUS-1", "Acme"),
        ("INV-2", 5000, "CUS-2", "Bolt"),
        ("CN-1", -2000, "CUS-1", "Acme"),
        ("INV-0", 0, "CUS-2", "Bolt"),
    ]
    entries = [
        entry_of(
            line,
            START,
            {"invoice": name, "customer": customer},
            [
                data.Posting(
                    AR, amount.Amount(Decimal(cents).scaleb(-2), "USD"), None, None, None, None
                )
            ],
            payee=payee,
        )
        for line, (name, cents, customer, payee) in enumerate(documents, 1)
    ]
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    return subledger


receipt_ids = texts(["BR-1", "BR-2", "R 3", " BR-1", "", "BR/4"])
cash_keys = {
    "receipt": st.one_of(receipt_ids, st.just(12)),
    "bank_reference": receipt_ids,
    "customer": customer_values,
    "invoice": st.one_of(texts(["INV-1", "INV-2", "CN-1", "INV-9"]), st.just(3)),
}
narrations = st.lists(
    texts(
        [
            "Wire",
            "INV-1",
            "INV-2,",
            "CN-1",
            "INV-0",
            "inv-1",  # any case: INV-1
            "BR-1",
            "x.INV-2",  # parted at the dot: INV-2
            "INV-1/INV-2",  # two ids joined by a slash: both named
            "/INV-2/",  # a slash at the ends is no part of the word
            "INV-1/x.INV-2",  # INV-1 and INV-2, each a part
            "INV-2//CN-1",  # an empty part, and a credit note
            "PMT.Inv-1.",  # a prefix, in another case: INV-1
            "03/02/2026",  # parts of digits alone: nothing
            "INV-0/-_1",  # a part of digits within its edges: nothing
        ]
    ),
    max_size=4,
).map(" ".join)


@st.composite
def cash_books(draw: st.DrawFn) -> list[data.Transaction]:
    """Entries that post to unapplied cash: receipts, typed uses, generated entries."""
    entries = []
    for line in range(draw(st.integers(min_value=0, max_value=8))):
        sign = draw(st.sampled_from([-1, -1, -1, 1]))
        posting = data.Posting(
            UNAPPLIED,
            draw(st.one_of(numbers(sign), st.none())),
            None,
            None,
            None,
            draw(own_meta(cash_keys)),
        )
        postings = [data.Posting(BANK, None, None, None, None, None), posting]
        shared = draw(written(cash_keys))
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            shared[meta.GENERATED_BY] = "ar_reconciliation"
        entry = entry_of(
            10 * line,
            draw(days),
            shared,
            postings,
            draw(link_sets),
            draw(texts(["Acme", "Bolt", "ACME", None, ""])),
            draw(narrations),
        )
        entries.append(entry)
    return sorted(entries, key=data.entry_sortkey)


def receipts_by_the_general_rules(
    entries: list[data.Transaction], precision: Precision, invoices: Subledger
) -> tuple[receipts.Receipts, list[Finding]]:
    """The receipts as the general rules read them: every credit through `_credit`."""
    checker = receipts._Checker(invoices, precision)
    debits = []
    for entry, position, posting in receivables.postings_to(entries, UNAPPLIED):
        units = posting.units
        if units is None:
            continue
        number, currency = units
        if not isinstance(number, Decimal) or not number:
            continue
        if number > 0:
            debits.append(receipts._Line(entry, position, posting, number, currency))
            continue
        if meta.GENERATED_BY in entry.meta:
            continue
        minor = precision.to_minor(number, currency)
        received = None if minor is None else -minor
        checker.receipt(
            *receipts._credit(entry, position, posting, number, currency, received, FOLDER)
        )
    found = receipts.Receipts(checker.receipts, blocked=checker.blocked)
    return found, checker.findings + receipts._uses(found, debits, precision)


FOLDER = "/books"


@settings(max_examples=300, deadline=None)
@given(cash_books())
def test_unapplied_cash_reads_as_the_general_rules_read_it(
    entries: list[data.Transaction],
) -> None:
    invoices = invoices_subledger()
    found, findings = receipts.read(entries, UNAPPLIED, Precision(), invoices, FOLDER)
    expected, expected_findings = receipts_by_the_general_rules(entries, Precision(), invoices)
    assert found.by_id == expected.by_id
    assert (found.blocked, found.uses, found.left) == (
        expected.blocked,
        expected.uses,
        expected.left,
    )
    assert findings == expected_findings


_IN_WORDS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/.")


def words_as_written(text: str, items: Collection[str]) -> list[str]:
    """The ids a receipt's text names as `plugins.invoice_words`'s doc says, spelled another way.

    Runs of letters, digits and `-_/.`, less the `-_/.` at their ends,
    compared in any case (these items differ in more than case); a word
    that names no id is read in its parts between `/` and `.` too, each
    less the `-_` at its ends, right after it, a part of digits alone
    left out.
    """
    by_fold = {name.casefold(): name for name in items}
    runs = "".join(char if char in _IN_WORDS else " " for char in text).split()
    found = []
    for word in (run.strip("-_/.") for run in runs):
        if not word:
            continue
        if word.casefold() in by_fold:
            found.append(by_fold[word.casefold()])
            continue
        for part in word.replace(".", "/").split("/"):
            part = part.strip("-_")
            if part and not part.isdigit() and part.casefold() in by_fold:
                found.append(by_fold[part.casefold()])
    return found


def named_as_written(
    invoices: Subledger, entry: data.Transaction, invoice: Any, customer: str
) -> tuple[str, ...]:
    """`Receipt.named` as its doc says it: metadata, then links, then words; invoices only."""
    items = invoices.items
    named = [str(invoice)] if invoice is not None and str(invoice) in items else []
    named += [link for link in sorted(entry.links) if link in items]
    if invoice is None:
        narration = entry.narration or ""
        text = f"{entry.payee} {narration}" if entry.payee else narration
        named += [
            word
            for word in words_as_written(text, items)
            if not customer or items[word].customer == customer
        ]
    return tuple(name for name in dict.fromkeys(named) if items[name].is_invoice)


@settings(max_examples=300, deadline=None)
@given(
    narrations,
    link_sets,
    st.one_of(st.none(), texts(["INV-1", "INV-2", "CN-1", "INV-0"])),
    texts(["", *CUSTOMERS]),
)
def test_a_receipt_names_what_its_metadata_links_and_words_name(
    narration: str, links: frozenset[str], invoice: str | None, customer: str
) -> None:
    invoices = invoices_subledger()
    posting = data.Posting(UNAPPLIED, None, None, None, None, None)
    entry = entry_of(1, START, {}, [posting], links, "Acme", narration)
    checker = receipts._Checker(invoices, Precision())
    named, later = checker.named(entry, invoice, customer, "R-1", posting)
    assert named == named_as_written(invoices, entry, invoice, customer)
    assert later == ()  # Every invoice is dated on the receipt's day: none is named later.
    # A receipt cannot pay a credit note: `invoice` naming one is an error;
    # links and words that name one are passed over (INV-0, billing nothing,
    # is no credit note either).
    expected = (
        [
            "Receipt 'R-1' applies cash to credit note 'CN-1', which a receipt cannot pay; "
            "expected the id of an invoice in the receivable (money paid back on a credit note "
            "is a refund, a debit)"
        ]
        if invoice == "CN-1"
        else []
    )
    assert [message for _, message, _ in checker.findings] == expected
    assert checker.blocked == ({"R-1"} if expected else set())


def test_the_one_rule_reads_ids_in_any_case_in_parts_but_never_digits_alone() -> None:
    # `plugins.invoice_words`, the rule the plugin reads and the bank import
    # is to import: words in any case; a word that is no id in its parts
    # at `/` and `.`; parts of digits alone name nothing; a whole id first.
    ids = invoice_words.InvoiceIds(["INV-1", "Inv-2", "INV/7", "2026", "A-1", "a-1"])
    assert ids.named("PAYMENT INV-2, inv-1") == ["Inv-2", "INV-1"]
    assert ids.named("PMT.INV-2 x/inv-1") == ["Inv-2", "INV-1"]
    assert ids.named("Wire INV/7") == ["INV/7"]  # whole, not INV
    assert ids.named("03/02/2026 12.50 2026") == ["2026"]  # only the whole word
    assert ids.named("A-1 a-1 A-1/x") == ["A-1", "a-1", "A-1"]  # own spelling
    assert ids.named("Paid A-1.") == ["A-1"]
    assert ids.named("Paid a-1x") == []  # a longer word
    assert ids.id_of("A-1") == "A-1" and ids.id_of("a-1") == "a-1"
    assert invoice_words.parts("INV-1/-x_/2026.12") == ["INV-1", "x"]


def test_the_rule_reads_a_receipts_words_among_the_invoices_billed_by_its_day() -> None:
    # Review rev49: what a word names on a day is decided among the ids and
    # other ids billed by then; a later invoice adds only what it names later.
    jan_4, jan_5, jan_20, feb_2 = (
        datetime.date(2026, *day) for day in ((1, 4), (1, 5), (1, 20), (2, 2))
    )
    dates = {"INV-1": jan_4, "INV-10": jan_5, "INV-1/INV-10": feb_2, "INV-2": jan_5}
    dates |= {"inv-2": feb_2, "INV-3": feb_2}
    ids = invoice_words.InvoiceIds(dates, {"inv-3": "INV-2", "in_a": "INV-2"}, dates.__getitem__)
    # A word that is an id of February is read in its parts in January; the
    # ids named billed later follow those of the day.
    assert ids.named("Wire INV-1/INV-10") == ["INV-1/INV-10"]
    assert ids.named_on("Wire INV-1/INV-10", jan_20) == ["INV-1", "INV-10", "INV-1/INV-10"]
    assert ids.named_on("Wire INV-1/INV-10", feb_2) == ["INV-1/INV-10"]
    # inv-2 of February clashes with INV-2 from Feb 2 on, not before.
    assert ids.named_on("Wire Inv-2", jan_20) == ["INV-2"]
    assert ids.named_on("Wire Inv-2", feb_2) == []
    # INV-2's other id inv-3 gives way to INV-3's own id from Feb 2 on.
    assert ids.named_on("Wire INV-3 IN_A", jan_20) == ["INV-2", "INV-2", "INV-3"]
    assert ids.named_on("Wire INV-3 IN_A", feb_2) == ["INV-3", "INV-2"]
    # Spelled as neither, "Inv-3" names INV-3's own id, not the other id inv-3.
    assert ids.named_on("Wire Inv-3", feb_2) == ["INV-3"]
    # Of two carrying an other id, the earlier billed; on one day, the lesser id.
    carried = [("in_x", "INV-3", jan_5), ("in_x", "INV-2", jan_5), ("in_y", "INV-1", feb_2)]
    carried += [("in_y", "INV-4", jan_4)]
    assert invoice_words.other_ids(carried) == {"in_x": "INV-2", "in_y": "INV-4"}


def test_ids_are_ordered_with_their_numbers_as_numbers() -> None:
    # BR-9 before BR-10 (9 < 10), INV-2 before INV-10; BR-09 and BR-9 alike
    # but for a zero, then as text ("BR-09" < "BR-9", "0" < "9").
    ids = ["BR-10", "INV-10", "BR-9", "BR-9", "INV-2", "BR-09", "9", "BR-9a"]
    assert sorted(ids, key=meta.natural_key) == [
        "9", "BR-09", "BR-9", "BR-9", "BR-9a", "BR-10", "INV-2", "INV-10",
    ]  # fmt: skip


def test_ids_with_several_numbers_are_ordered_by_each_number() -> None:
    # Each run of digits by its value, in turn: BR-2025-11 before BR-2026-9
    # (2025 < 2026), BR-2026-9 before BR-2026-10 (9 < 10); A1B9 before A1B10
    # (9 < 10) before A10B1 (1 < 10). As text each pair reads the other way
    # ("BR-2026-10" < "BR-2026-9" and "A10B1" < "A1B10" < "A1B9": "1" < "9",
    # "0" < "B").
    ids = ["BR-2026-10", "A10B1", "BR-2026-9", "A1B10", "BR-2025-11", "A1B9"]
    assert sorted(ids, key=meta.natural_key) == [
        "A1B9", "A1B10", "A10B1", "BR-2025-11", "BR-2026-9", "BR-2026-10",
    ]  # fmt: skip


# BR-1 (150.00) is posted straight to two invoices of two customers on the
# day both are billed: 50.00 to INV-10 of CUS-10, written first, and 100.00
# to INV-9 of CUS-9.
TWO_CUSTOMERS_PAID_STRAIGHT = """
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Operating
2026-01-01 open Income:Revenue:Services

2026-02-02 * "Ten" "Invoice INV-10" ^INV-10
  invoice: "INV-10"
  customer: "CUS-10"
  due: 2026-03-04
  Assets:AccountsReceivable  50.00 USD
  Income:Revenue:Services  -50.00 USD

2026-02-02 * "Nine" "Invoice INV-9" ^INV-9
  invoice: "INV-9"
  customer: "CUS-9"
  due: 2026-03-04
  Assets:AccountsReceivable  100.00 USD
  Income:Revenue:Services  -100.00 USD

2026-02-02 * "Nine and Ten" "Wire INV-10 INV-9"
  bank_reference: "BR-1"
  Assets:Bank:Operating  150.00 USD
  Assets:AccountsReceivable  -50.00 USD
    invoice: "INV-10"
  Assets:AccountsReceivable  -100.00 USD
    invoice: "INV-9"
"""


def test_a_straight_receipt_is_the_customer_s_of_the_invoice_first_by_its_number() -> None:
    # Both on Feb 2: the first invoice BR-1 pays is by id, numbers as
    # numbers: INV-9 (9 < 10), so BR-1 is CUS-9's. (As text "INV-10" <
    # "INV-9", and it was CUS-10's.)
    entries, errors, _ = loader.load_string(TWO_CUSTOMERS_PAID_STRAIGHT)
    assert errors == []
    subledger, findings = receivables.read(entries, AR, Precision())
    assert findings == []
    [(receipt, straight)] = receipts.straight_receipts(subledger).items()
    assert (receipt, straight.customer, straight.payee) == ("BR-1", "CUS-9", "Nine and Ten")
