"""The month files the writer wrote, read as text (`importers.ledger_index`), against the parser.

A plain file's ids and entries must be exactly what Beancount's parser reads;
any file the writer would not write is left to the parser; and an import
reads a hand-edited month file as the parser does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import parser
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from importers import ledger_files, ledger_index
from tests.importing import failure, run, tree
from tests.test_bank_bad_input import importers_of
from tests.test_bank_importers import CONFIG, HEADER, REPO, _pairs, _transactions

PLAIN = """\
; bank, 2026-03: imported by `python import.py import`; do not edit by hand.

2026-03-02 * "ACME ROBOTICS" "WIRE INV-1" ^INV-1
  bank_reference: "Assets:Bank:US:Operating/W-1"
  invoice: "INV-1"
  customer: "CUS-0001"
  Assets:Bank:US:Operating    49.00 USD
  Assets:AccountsReceivable  -49.00 USD

2026-03-02 ! "FEE" #fees ^a/b.c ^INV-2
  bank_reference: "Assets:Bank:US:Operating/W-2"
  Assets:Bank:US:Operating  -28.00 USD
    note: "a posting's own"
  Expenses:BankFees          28.00 USD
  Expenses:BankFees           0 EUR

2026-03-31 balance Assets:Bank:US:Operating                     21.00 USD
  bank_reference: "Assets:Bank:US:Operating/2026-03-30/closing USD"

2026-03-31 * "" "no payee" ^INV-1
  bank_reference: "Assets:Bank:US:Operating/W-1"
  invoice: "INV-1"
  Assets:Bank:US:Operating    1.00 USD
  Liabilities:UnappliedCash  -1.00 USD
"""


def written(text: str, tmp_path: Path) -> ledger_index.Written | None:
    path = tmp_path / "2026-03.beancount"
    path.write_text(text, encoding="utf-8")
    return ledger_index.plain(path, text)


def parsed(path: Path) -> list[data.Directive]:
    entries, errors, _ = parser.parse_file(str(path))
    assert not errors
    return sorted(entries, key=lambda entry: entry.meta["lineno"])


def test_a_plain_files_entries_are_the_parsers(tmp_path: Path) -> None:
    found = written(PLAIN, tmp_path)
    assert found is not None
    places = [at for _, at in found.ids("bank_reference")]
    assert list(found.entries(places).values()) == parsed(found.path)


def test_ids_are_found_in_file_order_with_their_entries(tmp_path: Path) -> None:
    found = written(PLAIN, tmp_path)
    assert found is not None
    ids = [source_id for source_id, _ in found.ids("bank_reference")]
    assert ids == [
        "Assets:Bank:US:Operating/W-1",
        "Assets:Bank:US:Operating/W-2",
        "Assets:Bank:US:Operating/2026-03-30/closing USD",
        "Assets:Bank:US:Operating/W-1",
    ]
    assert [source_id for source_id, _ in found.ids("invoice")] == ["INV-1", "INV-1"]
    assert list(found.ids("customer_id")) == []


def test_an_entry_holds_exactly_its_printed_text(tmp_path: Path) -> None:
    entries, errors, _ = parser.parse_string(PLAIN)
    assert not errors
    texts = [ledger_files.canonical(entry) for entry in entries]
    found = written(PLAIN[: PLAIN.index("\n") + 2] + "\n".join(texts), tmp_path)
    assert found is not None  # What the writer writes is plain.
    for (_, at), text in zip(found.ids("bank_reference"), texts, strict=True):
        place = ledger_index.Place(found, at)
        assert place.holds(text)
        assert not place.holds(text.replace("USD", "EUR"))
        assert not place.holds(text[:-12] + "\n")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("; bank", "bank"),  # A header that is no comment.
        ("; bank", "\n; bank"),  # A blank line before it.
        ("hand.\n\n", "hand.\n"),  # No blank line after it.
        ('"FEE"', '"F\\"EE"'),  # A string with an escaped quote.
        ('"FEE"', '"F\nEE"'),  # A string over two lines.
        ('"FEE"', '"F\n\n2026-03-01 * "x"'),  # A string that looks like two entries.
        ("2026-03-31 balance", "2026-02-30 balance"),  # A day that does not exist.
        ("2026-03-31 balance", "2026-02-29 balance"),  # Nor this one.
        ("2026-03-31 balance", "2026-04-31 balance"),  # Nor this one.
        ("Expenses:BankFees  ", "Costs:BankFees    "),  # A root the parser would reject.
        ('  invoice: "INV-1"\n  customer', "  invoice: 1 USD\n  customer"),  # An amount.
        ("  Assets:Bank:US:Operating  -28", "  ; typed\n  Assets:Bank:US:Operating  -28"),
        ("\n\n2026-03-31 balance", "\n\npushtag #x\n\n2026-03-31 balance"),
        ("-28.00 USD", "-28.00 USD ; a comment"),
        ("0 EUR", "0 EUR @ 1 USD"),  # A price.
        ("-28.00 USD", "-2800000000000000000000000000.1 USD"),  # Rounded by the parser.
        ("  customer", "    customer"),  # Metadata before any posting, indented as a posting's.
    ],
)
def test_a_file_the_writer_would_not_write_is_left_to_the_parser(
    old: str, new: str, tmp_path: Path
) -> None:
    assert old in PLAIN
    assert written(PLAIN.replace(old, new, 1), tmp_path) is None


def test_a_plain_file_needs_no_header(tmp_path: Path) -> None:
    found = written(PLAIN[PLAIN.index("\n") + 2 :], tmp_path)
    assert found is not None
    places = [at for _, at in found.ids("bank_reference")]
    assert list(found.entries(places).values()) == parsed(found.path)
    assert written("", tmp_path) is not None
    assert written(PLAIN.replace("2026-03-31 balance", "2028-02-29 balance"), tmp_path)
    loose = PLAIN.replace("\n\n2026", "\n\n\n2026") + "\n\n"  # More blank lines.
    found = written(loose, tmp_path)
    assert found is not None
    places = [at for _, at in found.ids("bank_reference")]
    assert list(found.entries(places).values()) == parsed(found.path)


def test_a_key_twice_in_one_entry_is_left_to_the_parser(tmp_path: Path) -> None:
    twice = PLAIN.replace('  customer: "CUS-0001"\n', '  customer: "CUS-0001"\n  customer: "x"\n')
    found = written(twice, tmp_path)
    assert found is not None  # The shape is plain; reading the keys tells.
    with pytest.raises(ValueError):
        list(found.ids("customer"))
    (_, at), *_ = found.ids("invoice")
    with pytest.raises(ValueError):
        found.entries([at])
    with pytest.raises(ValueError):
        found.all()


def test_an_id_that_is_no_string_is_left_to_the_parser(tmp_path: Path) -> None:
    number = PLAIN.replace('  invoice: "INV-1"\n  customer', "  invoice: 1\n  customer")
    found = written(number, tmp_path)
    assert found is not None  # A plain number: read as the parser reads it, but no id here.
    with pytest.raises(ValueError):
        found.ids("invoice")
    assert found.all() == parser.parse_file(str(found.path))[0]


# About two drawn lists in three hold a text that is not plain (a quote, a number's exponent)
# and are filtered out: by design, so hypothesis's check of how many it filters is off.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(entries=st.lists(st.one_of(_pairs(), _transactions()), max_size=4))
def test_a_plain_texts_entries_are_the_parsers_whatever_they_hold(
    entries: list[data.Transaction],
) -> None:
    # Each with an id, as the writer writes them: its printed text, a blank line between two.
    marked = [
        entry._replace(meta={**entry.meta, "src": f"ID-{index}"})
        for index, entry in enumerate(entries)
    ]
    texts = [ledger_files.canonical(entry) for entry in marked]
    text = ledger_files.HEADER.format(source="s", month="m") + "\n" + "\n".join(texts)
    found = ledger_index.plain(Path("m.beancount"), text)
    assume(found is not None)  # Others go to the parser; hypothesis fails if most did.
    assert found is not None
    from_parser, errors, _ = parser.parse_string(text, report_filename="m.beancount")
    assert not errors
    places = [at for _, at in found.ids("src")]
    assert list(found.entries(places).values()) == sorted(
        from_parser, key=lambda entry: entry.meta["lineno"]
    )
    for at, entry_text in zip(places, texts, strict=True):
        assert ledger_index.Place(found, at).holds(entry_text)


def test_the_demo_ledgers_month_files_read_as_the_parser_reads_them() -> None:
    plain = 0
    for path in sorted((REPO / "ledger").rglob("*.beancount")):
        found = ledger_index.plain(path, path.read_text(encoding="utf-8"))
        if found is None:
            continue
        plain += 1
        entries, errors, _ = parser.parse_file(str(path))
        assert not errors
        assert found.all() == entries
        # Each id found in the text is the first value of its key in the parser's entries.
        for key in {key for entry in entries for key in entry.meta}:
            values = [entry.meta[key] for entry in entries if key in entry.meta]
            if key in ("filename", "lineno") or not all(isinstance(v, str) for v in values):
                continue
            ids = found.ids(key)
            assert sorted(source_id for source_id, _ in ids) == sorted(values)
            lines = found.entries([at for _, at in ids])
            assert all(lines[at].meta[key] == source_id for source_id, at in ids)
    assert plain >= 100  # The month files of every source.


def test_entries_with_reads_text_as_the_parser_would(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = REPO / "ledger"
    keys = ["invoice", "bank_reference", "commission_id"]
    from_text = ledger_files.entries_with(ledger, keys)
    monkeypatch.setattr(ledger_index, "plain", lambda path, text: None)
    assert from_text == ledger_files.entries_with(ledger, keys)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("documents/bank", "ledger"):
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


ROWS = ("W-1,03/02/2026,Acme,Wire,10.00,10.00", "W-2,03/03/2026,Acme,Wire,5.00,15.00")


def csv(*rows: str) -> str:
    return "".join(row + "\n" for row in (HEADER, *rows))


def test_a_hand_edited_month_file_is_read_as_the_parser_reads_it(here: Path) -> None:
    importers = importers_of(CONFIG)
    Path("documents/bank/2026-03.csv").write_text(csv(*ROWS), encoding="utf-8")
    run(importers)
    month = Path("ledger/bank/2026-03.beancount")
    # Typed by hand: a comment, and other spacing. The same entries: nothing to add.
    edited = month.read_text(encoding="utf-8").replace("  10.00 USD", "    10.00 USD")
    month.write_text(edited.replace("\n\n2026-03-03", "\n\n; checked\n2026-03-03"), "utf-8")
    before = tree(here / "ledger")
    done = run(importers)
    assert (sum(done.added.values()), done.skipped) == (0, 3)
    assert tree(here / "ledger") == before
    # Other content under a typed line is named at its line, as the parser reads it.
    Path("documents/bank/2026-03.csv").write_text(
        csv(ROWS[0], ROWS[1].replace("Wire,5.00", "Wire,6.00")), encoding="utf-8"
    )
    assert failure(importers) == (
        "documents/bank/2026-03.csv:3: bank_reference 'Assets:Bank:US:Operating/W-2' is "
        "already in the ledger at ledger/bank/2026-03.beancount:9 with different content"
    )
    assert tree(here / "ledger") == before


def test_other_content_in_a_plain_month_file_is_named_at_its_line(here: Path) -> None:
    importers = importers_of(CONFIG)
    Path("documents/bank/2026-03.csv").write_text(csv(*ROWS), encoding="utf-8")
    run(importers)
    before = tree(here / "ledger")
    Path("documents/bank/2026-03.csv").write_text(
        csv(ROWS[0], ROWS[1].replace("Wire", "Check")), encoding="utf-8"
    )
    assert failure(importers) == (
        "documents/bank/2026-03.csv:3: bank_reference 'Assets:Bank:US:Operating/W-2' is "
        "already in the ledger at ledger/bank/2026-03.beancount:8 with different content"
    )
    assert tree(here / "ledger") == before
