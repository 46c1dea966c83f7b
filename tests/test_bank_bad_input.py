"""Malformed bank and Stripe files: each stops the import with a message naming file and line.

Every case is imported after a good file was, into the same ledger, through
the import command's code (`batch.import_documents`), and must leave every
ledger file as it was. The last test streams a 200 MB export and bounds the
memory the import takes (about 10 seconds on an idle machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from importers import batch, sources
from importers.errors import ImportFailed
from importers.source import SourceImporter
from tests.importing import failure, run, tree
from tests.test_bank_importers import (
    CONFIG,
    FIXTURES,
    HEADER,
    REPO,
    STRIPE_HEADER,
    stripe_row,
)

ROW = "W-1,03/02/2026,Acme,Wire,10.00,10.00"
CURRENCY_CONFIG = CONFIG.replace("  currency: USD\n", "").replace(
    "    balance: Balance\n", "    balance: Balance\n    currency: Ccy\n"
)
MULTI = (
    CONFIG
    + """\
multi:
  importer: {kind}
  documents: multi/*
  ledger: multi
  bank_accounts:
    NL26VAYB8060476890: Assets:Bank:NL:Operating
    "1234567890": Assets:Bank:US:SVB
    "0001234567": Assets:Bank:NL:Ing
    "1452687~7": Assets:Bank:US:Checking
  accounts:
    disbursements: Expenses:Unreconciled
"""
)
XXE = """\
<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt><Stmt><Ntry><AddtlNtryInf>&secret;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt>
</Document>
"""
LAUGHS = """\
<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
]>
<Document><BkToCstmrStmt><Stmt><Ntry><AddtlNtryInf>&b;</AddtlNtryInf></Ntry></Stmt>
</BkToCstmrStmt></Document>
"""


def lines(*rows: str, header: str = HEADER) -> bytes:
    return "".join(row + "\n" for row in (header, *rows)).encode()


def fixture(name: str, old: str = "", new: str = "") -> bytes:
    text = (FIXTURES / name).read_bytes()
    assert old.encode() in text, old
    return text.replace(old.encode(), new.encode(), 1)


# Why a `:61:` field is refused, after the field and its value.
NOT_AN_MT940_LINE = (
    "is not a statement line; expected its value date (YYMMDD), an optional entry date "
    "(MMDD), 'C' or 'D', an amount with ',' as the decimal separator and a transaction type, "
    "like '1105210523D11,59N426NONREF'"
)


# Case -> (config, the file under documents/, its bytes, the message after the file's path).
CASES: dict[str, tuple[str, str, bytes, str]] = {
    "truncated row": (
        CONFIG, "bank/2026-03.csv", lines(ROW, "W-2,03/03/2026,Ac"),
        ":3: Row has 3 cells; expected 6 as in the header",
    ),
    "truncated inside a quoted cell": (
        CONFIG, "bank/2026-03.csv", lines(ROW, 'W-2,03/03/2026,"Acme'),
        ":3: Malformed CSV: unexpected end of data",
    ),
    "missing column": (
        CONFIG, "bank/2026-03.csv", lines("W-1,03/02/2026,Acme,Wire,10.00", header=HEADER[:-8]),
        ":1: Missing column 'Balance'; the header has 'Reference', 'Date', 'Counterparty', "
        "'Description', 'Amount'",
    ),
    "renamed column": (
        CONFIG, "bank/2026-03.csv", lines(ROW, header=HEADER.replace("Amount", "Amt")),
        ":1: Missing column 'Amount'; the header has 'Reference', 'Date', 'Counterparty', "
        "'Description', 'Amt', 'Balance'",
    ),
    "extra column in a row": (
        CONFIG, "bank/2026-03.csv", lines(ROW, ROW + ",oops"),
        ":3: Row has 7 cells; expected 6 as in the header",
    ),
    "wrong delimiter": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace(",", ";"), header=HEADER.replace(",", ";")),
        ":1: Header has one column 'Reference;Date;Counterparty;Description;Amount;Balance'; "
        "expected columns separated by ',' (the file seems to use ';': set the source's "
        "'delimiter')",
    ),
    "UTF-16 byte-order mark": (
        CONFIG, "bank/2026-03.csv", b"\xff\xfe" + lines(ROW).decode().encode("utf-16-le"),
        ":1: File starts with a UTF-16 byte-order mark; expected utf-8 text",
    ),
    "stray carriage return in a row": (
        CONFIG, "bank/2026-03.csv", lines(ROW, "W-2,03/03/2026,Acme\rCorp,Wire,5.00,"),
        ":3: Row has 3 cells; expected 6 as in the header\n"
        "documents/bank/2026-03.csv:4: Row has 4 cells; expected 6 as in the header",
    ),
    "Latin-1 text in a UTF-8 source": (
        CONFIG, "bank/2026-03.csv", lines(ROW, "W-2,03/03/2026,Société,Wire,5.00,")
        .replace("é".encode(), b"\xe9"),
        ":3: Cannot decode the file as utf-8: invalid continuation byte; expected utf-8 text "
        "(set the source's 'encoding', e.g. latin-1)",
    ),
    "bad date": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("03/02/2026", "02/30/2026")),
        ":2: Column 'Date': '02/30/2026' is not a date; expected the format '%m/%d/%Y'",
    ),
    "ambiguous date": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("03/02/2026", "03/02/26")),
        ":2: Column 'Date': '03/02/26' is an ambiguous date: its year has two digits; "
        "expected the format '%m/%d/%Y'",
    ),
    "day-first date in a month-first file": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("03/02/2026", "13/02/2026")),
        ":2: Column 'Date': '13/02/2026' is not a date in the format '%m/%d/%Y' but is one in "
        "'%d/%m/%Y' (day and month swapped): check the source's 'date_format'",
    ),
    "scientific notation": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("10.00,10.00", "1.2E+3,")),
        ":2: Column 'Amount': '1.2E+3' is not an amount; expected digits with '.' as the "
        "decimal separator and ',' between thousands, like '-1,234.56'",
    ),
    "misplaced thousands separator": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("10.00,10.00", '"1,00.00",')),
        ":2: Column 'Amount': '1,00.00' is not an amount; expected digits with '.' as the "
        "decimal separator and ',' between thousands, like '-1,234.56'",
    ),
    "NaN": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("10.00,10.00", "NaN,")),
        ":2: Column 'Amount': 'NaN' is not an amount; expected digits with '.' as the "
        "decimal separator and ',' between thousands, like '-1,234.56'",
    ),
    "more decimals than the currency": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("10.00,10.00", "10.005,")),
        ":2: Amount '10.005 USD' has more decimals than USD allows (2)",
    ),
    "empty amount": (
        CONFIG, "bank/2026-03.csv", lines(ROW.replace("10.00,10.00", ",")),
        ":2: Column 'Amount' is empty; expected a value",
    ),
    "empty file": (
        CONFIG, "bank/2026-03.csv", b"",
        ":1: File is empty; expected a header and at least one row",
    ),
    "header only": (
        CONFIG, "bank/2026-03.csv", lines(),
        ":1: No rows after the header; expected at least one",
    ),
    "one id, two contents in a file": (
        CONFIG, "bank/2026-03.csv", lines(ROW, ROW.replace("Wire", "Cheque")),
        ":3: bank_reference 'Assets:Bank:US:Operating/W-1' is also on "
        "documents/bank/2026-03.csv:2 with different content",
    ),
    "unknown currency": (
        CURRENCY_CONFIG, "bank/2026-03.csv",
        lines(ROW + ",XYZ", header=HEADER + ",Ccy"),
        ":2: Currency 'XYZ' is not a known currency; expected an ISO 4217 code like 'USD'",
    ),
    "XML with an external entity": (
        MULTI.format(kind="camt053"), "multi/statement.xml", XXE.encode(),
        ":2: XML declares a document type (DTD), which can define external entities; "
        "a CAMT.053 statement has none, so the file is refused",
    ),
    "XML entity expansion": (
        MULTI.format(kind="camt053"), "multi/statement.xml", LAUGHS.encode(),
        ":2: XML declares a document type (DTD), which can define external entities; "
        "a CAMT.053 statement has none, so the file is refused",
    ),
    "truncated CAMT.053": (
        MULTI.format(kind="camt053"), "multi/statement.xml",
        fixture("camt053/camt053.v2.multi.statement.xml")[:3000],
        ":88: Not well-formed XML: Premature end of data in tag BkTxCd line 87, line 88, "
        "column 16",
    ),
    "CAMT.053 entry not booked": (
        MULTI.format(kind="camt053"), "multi/statement.xml",
        fixture("camt053/camt053.v2.multi.statement.xml", "<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>"),
        ":66: Entry status 'PDNG' is not booked; expected 'BOOK'",
    ),
    "CAMT.053 account not configured": (
        MULTI.format(kind="camt053").replace("NL26VAYB8060476890", "NL00BANK0000000000"),
        "multi/statement.xml", fixture("camt053/camt053.v2.multi.statement.xml"),
        ":66: Bank account 'NL26VAYB8060476890' is not in the source's 'bank_accounts'; "
        "expected one of 'NL00BANK0000000000', '1234567890', '0001234567', '1452687~7'",
    ),
    "truncated BAI2": (
        MULTI.format(kind="bai2"), "multi/statement.bai2",
        fixture("bai2/svb_us_example.bai2").rsplit(b"\n98,", 1)[0],
        ":18: File ends without its '99' trailer record; it looks truncated",
    ),
    "BAI2 control total off": (
        MULTI.format(kind="bai2"), "multi/statement.bai2",
        fixture("bai2/svb_us_example.bai2", "49,138884258,7/", "49,138884259,7/"),
        ":10: Not a valid BAI2 file: Invalid account control total for Account. "
        "expected 138884259, found 138884258",
    ),
    "BAI2 amount not a number": (
        MULTI.format(kind="bai2"), "multi/statement.bai2",
        fixture("bai2/svb_us_example.bai2", "16,142,490196", "16,142,49O196"),
        ":7: Not a valid BAI2 file: invalid literal for int() with base 10: '49O196'",
    ),
    "truncated MT940": (
        MULTI.format(kind="mt940"), "multi/statement.sta",
        fixture("mt940/jejik_ing.sta").split(b":62F:")[0],
        ":25: Statement from line 4 has no closing balance (:62F: or :62M:); "
        "the file looks truncated",
    ),
    "MT940 amount with a decimal point": (
        MULTI.format(kind="mt940"), "multi/statement.sta",
        fixture("mt940/jejik_ing.sta", ":61:100722D3,03NTRF", ":61:100722D3.03NTRF"),
        f":12: Field ':61:' '100722D3.03NTRFNONREF' {NOT_AN_MT940_LINE}",
    ),
    "MT940 line with neither C nor D": (
        MULTI.format(kind="mt940"), "multi/statement.sta",
        fixture("mt940/jejik_ing.sta", ":61:100722D3,03NTRF", ":61:100722X3,03NTRF"),
        f":12: Field ':61:' '100722X3,03NTRFNONREF' {NOT_AN_MT940_LINE}",
    ),
    "truncated OFX": (
        MULTI.format(kind="ofx"), "multi/statement.ofx", fixture("ofx/checking.ofx")[:900],
        ":51: File ends without its closing '</OFX>' tag; it looks truncated",
    ),
    "OFX amount in scientific notation": (
        MULTI.format(kind="ofx"), "multi/statement.ofx",
        fixture("ofx/checking.ofx", "<TRNAMT>-34.51", "<TRNAMT>-3.451E1"),
        ":54: Field 'TRNAMT' '-3.451E1' is not an amount; expected digits with '.' or ',' as "
        "the decimal separator and none between thousands, like '-1234.56'",
    ),
    "OFX amount with a thousands separator": (
        MULTI.format(kind="ofx"), "multi/statement.ofx",
        fixture("ofx/checking.ofx", "<TRNAMT>-34.51", "<TRNAMT>-1,034.51"),
        ":54: Field 'TRNAMT' '-1,034.51' is not an amount; expected digits with '.' or ',' as "
        "the decimal separator and none between thousands, like '-1234.56'",
    ),
    "Stripe net is not gross less fee": (
        CONFIG, "stripe/2026-03.csv",
        lines(stripe_row("txn_1", "charge", "10.00", "0.59", "9.40"), header=STRIPE_HEADER),
        ":2: Column 'net': '9.40' is not gross less fee (10.00 - 0.59 = 9.41)",
    ),
    "Stripe category with no account": (
        CONFIG, "stripe/2026-03.csv",
        lines(stripe_row("txn_1", "topup", "10.00", "0.00", "10.00"), header=STRIPE_HEADER),
        ":2: Column 'reporting_category': 'topup' is a reporting category with no account; "
        "expected one of 'charge', 'dispute', 'dispute_reversal', 'fee', 'network_cost', "
        "'payment', 'payment_failure_refund', 'payment_refund', 'payout', 'payout_reversal', "
        "'refund', 'stripe_fee', or an account for it under 'categories'",
    ),
    "Stripe unknown currency": (
        CONFIG, "stripe/2026-03.csv",
        lines(stripe_row("txn_1", "charge", "1", "0", "1", currency="usdt"), header=STRIPE_HEADER),
        ":2: Column 'currency': 'usdt' is not a known currency; expected an ISO 4217 code "
        "like 'USD'",
    ),
}  # fmt: skip


def importers_of(config: str) -> list[SourceImporter]:
    Path("importers.yaml").write_text(config, encoding="utf-8")
    return sources.load(Path("importers.yaml"))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("documents/bank", "documents/stripe", "documents/multi", "ledger"):
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_there_are_at_least_thirty_bad_files() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_stops_the_import_names_its_line_and_changes_nothing(
    case: str, here: Path
) -> None:
    config, name, content, message = CASES[case]
    importers = importers_of(config)
    good = "G-1,02/02/2026,Acme,Wire,10.00,10.00"
    with_currency = "Ccy" in config  # The good file has the columns the config names.
    header = HEADER + ",Ccy" if with_currency else HEADER
    good += ",USD" if with_currency else ""
    Path("documents/bank/2026-02.csv").write_bytes(lines(good, header=header))
    run(importers)
    before = tree(here / "ledger")
    assert before
    Path("documents", name).write_bytes(content)
    assert failure(importers) == f"documents/{name}{message}"
    assert tree(here / "ledger") == before


def test_an_id_already_in_the_ledger_with_other_content_names_both_places(here: Path) -> None:
    importers = importers_of(CONFIG)
    Path("documents/bank/2026-03.csv").write_bytes(lines(ROW))
    run(importers)
    before = tree(here / "ledger")
    Path("documents/bank/2026-03.csv").write_bytes(lines(ROW.replace("10.00,10.00", "11.00,")))
    assert failure(importers) == (
        "documents/bank/2026-03.csv:2: bank_reference 'Assets:Bank:US:Operating/W-1' is "
        "already in the ledger at ledger/bank/2026-03.beancount:3 with different content"
    )
    assert tree(here / "ledger") == before


def test_a_row_repeated_with_its_id_and_content_is_imported_once(here: Path) -> None:
    importers = importers_of(CONFIG)
    Path("documents/bank/2026-03.csv").write_bytes(lines(ROW, ROW))
    done = run(importers)
    assert (sum(done.added.values()), done.skipped) == (2, 1)  # The row, and the closing balance.


def test_every_bad_cell_of_a_file_is_reported(here: Path) -> None:
    importers = importers_of(CONFIG)
    Path("documents/bank/2026-03.csv").write_bytes(
        lines("W-1,13/02/2026,Acme,Wire,x,", ROW, "W-3,03/02/2026,Acme,Wire,1,2,3")
    )
    with pytest.raises(ImportFailed) as failed:
        run(importers)
    assert [problem.where for problem in failed.value.problems] == [
        "documents/bank/2026-03.csv:2",
        "documents/bank/2026-03.csv:2",
        "documents/bank/2026-03.csv:4",
    ]


# A 200 MB export: streamed, in memory that does not grow with the file.

ROWS = 20_000
NOTE = "x" * 10_000  # An unmapped column: bytes of the file that make no entry.


def export(path: Path, rows: int, note: str, last: str = "") -> int:
    """Writes a bank export with a wide unmapped column; returns its size in bytes."""
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(HEADER + ",Notes\n")
        for index in range(rows):
            stream.write(f"R-{index},03/{index % 28 + 1:02d}/2026,Acme,Wire,{index % 997}.25,,")
            stream.write(f"{note}\n")
        stream.write(last)
    return path.stat().st_size


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from importers import batch, sources
folder = Path(sys.argv[1])
importers = sources.load(folder / "importers.yaml")
started = time.perf_counter()
batch.import_documents(importers, [folder / "documents"], folder / "ledger")
seconds = time.perf_counter() - started
print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, seconds]))
"""


def peak_of_import(folder: Path) -> tuple[int, float]:
    """Imports folder/documents into folder/ledger in a process of its own.

    Returns its peak resident memory in bytes (Linux's `ru_maxrss`, the
    whole process) and the seconds the import took.
    """
    (folder / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    command = [sys.executable, "-c", MEASURE, str(folder)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
    peak, seconds = json.loads(done.stdout.splitlines()[-1])
    return int(peak), float(seconds)


def test_a_200_mb_export_streams_in_memory_that_does_not_grow_with_its_size(here: Path) -> None:
    small, large = here / "small", here / "large"
    for folder in (small, large):
        (folder / "documents" / "bank").mkdir(parents=True)
    export(small / "documents" / "bank" / "2026-03.csv", ROWS, "x")
    size = export(large / "documents" / "bank" / "2026-03.csv", ROWS, NOTE)
    assert size > 200_000_000
    small_peak, _ = peak_of_import(small)
    large_peak, seconds = peak_of_import(large)
    assert tree(large / "ledger") == tree(small / "ledger")
    # The same entries from a file 10,000 times larger (200 MB more): the peak grows < 16 MB.
    assert large_peak < small_peak + 16_000_000, (small_peak, large_peak)
    assert seconds < 120, seconds
    # A bad row at its very end is found and named, and nothing is written.
    with open(large / "documents" / "bank" / "2026-03.csv", "a", encoding="utf-8") as stream:
        stream.write("R-x,03/02/2026,Acme,Wire,NaN,,\n")
    importers = importers_of(CONFIG)
    ledger = here / "fresh"
    with pytest.raises(ImportFailed) as failed:
        batch.import_documents(importers, [large / "documents"], ledger)
    assert str(failed.value).startswith(f"large/documents/bank/2026-03.csv:{ROWS + 2}: Column")
    assert not ledger.exists()


# MT940 `:61:` lines the library would misread are errors at their own lines
# (review rev42), the last line of a statement as much as any other.

SWIFT = """\
swift:
  importer: mt940
  documents: swift/*.sta
  ledger: swift
  bank_accounts: {"517852257": Assets:Bank:US:Operating}
  accounts: {disbursements: Expenses:Unreconciled}
"""
STATEMENT = """\
:20:STATEMENT
:25:517852257
:28:{number}/1
:60F:C260301USD0,00
{lines}
:62F:C260302USD49,50
"""


@pytest.fixture
def swift(here: Path) -> list[SourceImporter]:
    Path("documents/swift").mkdir()
    return importers_of(SWIFT)


def test_the_last_mt940_line_with_a_decimal_point_is_an_error_not_its_cents_dropped(
    swift: list[SourceImporter],
) -> None:
    # One line of 49.50 USD in, written with a point (MT940 writes `49,50`),
    # the last `:61:` of its statement (line 5). The library's pattern reads
    # `49` as the amount and `.50NTRFINV-8` as the reference, with no
    # transaction type: it would import 49.00 USD (0.50 lost) to unapplied
    # cash, narration "WIRE .50NTRFINV-8". An error at its line instead.
    lines = ":61:2603020302C49.50NTRFINV-8//BR77\n:86:WIRE"
    Path("documents/swift/2026-03-02.sta").write_text(
        STATEMENT.format(number=1, lines=lines), encoding="utf-8"
    )
    assert failure(swift).startswith(
        "documents/swift/2026-03-02.sta:5: Field ':61:' '2603020302C49.50NTRFINV-8//BR77' "
        "is not a statement line"
    )
    assert not Path("ledger/swift").exists()


def test_pin_a_bad_mt940_line_of_a_later_statement_is_named_at_its_line(
    swift: list[SourceImporter],
) -> None:
    """Pin (review rev42; passed before it): the line number in a file of two statements."""
    good = STATEMENT.format(number=1, lines=":61:2603020302C49,50NTRFnonref//BR77\n:86:WIRE")
    # Lines 1-7 are the first statement; the second's `:61:` lines are 12 and 14,
    # the first of them with a point in its amount.
    bad = STATEMENT.format(
        number=2,
        lines=":61:2603020302C49.50NTRFINV-9//BR81\n:86:X\n"
        ":61:2603020302C0,00NTRFNONREF//BR82\n:86:Y",
    )
    Path("documents/swift/2026-03-02.sta").write_text(good + bad, encoding="utf-8")
    assert failure(swift).startswith(
        "documents/swift/2026-03-02.sta:12: Field ':61:' '2603020302C49.50NTRFINV-9//BR81' "
        "is not a statement line"
    )
    # A good file: `nonref` (any case) quotes nothing, so the text stays "WIRE";
    # its one line of 49,50 is 49.50 USD into the bank account.
    Path("documents/swift/2026-03-02.sta").write_text(good, encoding="utf-8")
    run(swift)
    written = Path("ledger/swift/2026-03.beancount").read_text(encoding="utf-8")
    assert '2026-03-02 * "WIRE"\n' in written
    assert "Assets:Bank:US:Operating    49.50 USD" in written
