"""Bank lines that share a reference, payments returned, and what a payer quoted.

Worked examples of three rules of `importers.bank_entries` and
`importers.bank_bai2`: a BAI2 bank reference repeated within one file is
another line (`<reference>/2`, ...); money out naming exactly one invoice is taken back
from that invoice (a returned payment reopens it); a BAI2 detail's customer
reference, and an MT940 line's reference for the account owner, are searched
for invoices with its text.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from beancount import loader

from importers import bank_statement, sources
from importers.errors import ImportFailed
from importers.source import SourceImporter
from tests.importing import run, workspace

CONFIG = """\
bank:
  importer: bank_csv
  documents: bank/*.csv
  ledger: bank
  account: Assets:Bank:US:Operating
  currency: USD
  date_format: "%m/%d/%Y"
  columns: {id: Reference, date: Date, payee: Counterparty, narration: Description,
            amount: Amount}
  accounts: {disbursements: Expenses:Unreconciled}
  rules:
    - {contains: REFUND, direction: out, account: Liabilities:CustomerCredits}
lockbox:
  importer: bai2
  documents: lockbox/*.bai2
  ledger: lockbox
  bank_accounts: {"1234567890": Assets:Bank:US:Operating}
  accounts: {disbursements: Expenses:Unreconciled}
swift:
  importer: mt940
  documents: swift/*.sta
  ledger: swift
  bank_accounts: {"517852257": Assets:Bank:US:Operating}
  accounts: {disbursements: Expenses:Unreconciled}
"""
HEADER = "Reference,Date,Counterparty,Description,Amount"
BILLING = """\
2026-02-20 * "Acme Robotics" "Invoice INV-7" ^INV-7
  invoice: "INV-7"
  customer: "CUS-0042"
  due: 2026-03-22
  Assets:AccountsReceivable   1200.00 USD
  Income:Revenue:Services    -1200.00 USD

2026-02-21 * "Lumen BV" "Invoice INV-8" ^INV-8
  invoice: "INV-8"
  customer: "CUS-0043"
  due: 2026-03-23
  Assets:AccountsReceivable   49.00 USD
  Income:Revenue:Services    -49.00 USD
"""


@pytest.fixture
def importers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[SourceImporter]:
    workspace(tmp_path, monkeypatch, "bank", "lockbox", "swift")
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    Path("ledger/billing.beancount").write_text(BILLING, encoding="utf-8")
    return sources.load(Path("importers.yaml"))


def statement(name: str, *rows: str) -> None:
    Path("documents/bank", name).write_text(
        "".join(row + "\n" for row in (HEADER, *rows)), encoding="utf-8"
    )


def written(folder: str) -> str:
    return "".join(path.read_text() for path in sorted(Path("ledger", folder).glob("*")))


def ids(folder: str) -> list[str]:
    text = written(folder)
    return [line.split('"')[1] for line in text.splitlines() if "bank_reference:" in line]


# A BAI2 bank reference repeated within one file is another line.


def test_lockbox_items_sharing_a_reference_are_each_imported(
    importers: list[SourceImporter],
) -> None:
    # A lockbox batch LBX77 of three cheques, two of them alike: 49.00 + 49.00
    # + 120.00 = 218.00 USD received, three payments.
    Path("documents/lockbox/2026-03-02.bai2").write_text(
        bai2(
            ("115", 4900, "LBX77", "", "LOCKBOX ITEM"),
            ("115", 4900, "LBX77", "", "LOCKBOX ITEM"),
            ("115", 12000, "LBX77", "", "LOCKBOX ITEM NIMBUS"),
            ("195", 1000, "W-1", "", "WIRE"),
        ),
        encoding="ascii",
    )
    first = run(importers)
    assert ids("lockbox") == [
        "1234567890/LBX77",
        "1234567890/LBX77/2",
        "1234567890/LBX77/3",
        "1234567890/W-1",
        "1234567890/2026-03-02/closing USD",
    ]
    assert sum(first.added.values()) == 5
    assert written("lockbox").count("Liabilities:UnappliedCash  -") == 4
    again = run(importers)  # Re-importing the file adds nothing.
    assert (sum(again.added.values()), again.skipped) == (0, 5)


def test_a_reference_written_like_a_numbered_one_is_not_taken(
    importers: list[SourceImporter],
) -> None:
    # A, A/2, A: the third line is the second A, but `A/2` is the bank's own.
    Path("documents/lockbox/2026-03-02.bai2").write_text(
        bai2(
            ("115", 100, "A", "", "CHEQUE"),
            ("115", 200, "A/2", "", "CHEQUE"),
            ("115", 300, "A", "", "CHEQUE"),
        ),
        encoding="ascii",
    )
    run(importers)
    assert ids("lockbox")[:3] == ["1234567890/A", "1234567890/A/2", "1234567890/A/3"]


def test_a_csv_id_repeated_with_other_content_is_still_an_error(
    importers: list[SourceImporter],
) -> None:
    # An export's id column names one row each: a repeat is a broken file.
    statement(
        "2026-03.csv",
        "W-1,03/02/2026,Acme,Wire,10.00",
        "W-1,03/02/2026,Acme,Cheque,10.00",
    )
    with pytest.raises(ImportFailed, match=re.escape("is also on documents/bank/2026-03.csv:2")):
        run(importers)


# Money out naming one invoice is taken back from it.

RETURNED = """\
; bank, 2026-03: imported by `python import.py import`; do not edit by hand.

2026-03-02 * "ACME ROBOTICS" "WIRE INV-7" ^INV-7
  bank_reference: "Assets:Bank:US:Operating/W-1"
  invoice: "INV-7"
  customer: "CUS-0042"
  Assets:Bank:US:Operating    1200.00 USD
  Assets:AccountsReceivable  -1200.00 USD

2026-03-05 * "ACME ROBOTICS" "RETURNED ITEM INV-7" ^INV-7
  bank_reference: "Assets:Bank:US:Operating/R-1"
  invoice: "INV-7"
  customer: "CUS-0042"
  Assets:Bank:US:Operating   -1200.00 USD
  Assets:AccountsReceivable   1200.00 USD

2026-03-06 * "Lumen BV" "REFUND INV-8"
  bank_reference: "Assets:Bank:US:Operating/R-2"
  Assets:Bank:US:Operating     -5.00 USD
  Liabilities:CustomerCredits   5.00 USD

2026-03-07 * "Harbor" "CHARGEBACK INV-7 INV-8"
  bank_reference: "Assets:Bank:US:Operating/R-3"
  Assets:Bank:US:Operating  -30.00 USD
  Expenses:Unreconciled      30.00 USD
"""


def test_a_returned_payment_reopens_the_invoice_it_paid(importers: list[SourceImporter]) -> None:
    # INV-7 (1,200.00) is paid on 03-02 and the payment comes back on 03-05:
    # the bank's debit goes back to INV-7's receivable, not to an expense. A
    # refund is claimed by its rule first; money out naming two invoices is
    # the disbursements account's, as before.
    statement(
        "2026-03.csv",
        "W-1,03/02/2026,ACME ROBOTICS,WIRE INV-7,1200.00",
        "R-1,03/05/2026,ACME ROBOTICS,RETURNED ITEM INV-7,-1200.00",
        "R-2,03/06/2026,Lumen BV,REFUND INV-8,-5.00",
        "R-3,03/07/2026,Harbor,CHARGEBACK INV-7 INV-8,-30.00",
    )
    run(importers)
    assert written("bank") == RETURNED
    # Through the AR plugin: INV-7 is open again for its 1,200.00; INV-8's 49.00 too.
    main = Path("ledger/main.beancount")
    main.write_text(
        textwrap.dedent(
            f"""\
            option "operating_currency" "USD"
            plugin "plugins.ar_reconciliation" "{Path("ledger/ar.yaml").resolve()}"
            include "billing.beancount"
            include "bank/*.beancount"
            2026-01-01 open Assets:AccountsReceivable
            2026-01-01 open Assets:Bank:US:Operating
            2026-01-01 open Income:Revenue:Services
            2026-01-01 open Liabilities:UnappliedCash
            2026-01-01 open Liabilities:CustomerCredits
            2026-01-01 open Expenses:Unreconciled
            """
        ),
        encoding="utf-8",
    )
    Path("ledger/ar.yaml").write_text("tolerance: {USD: 1.00}\n", encoding="utf-8")
    entries, errors, _ = loader.load_file(str(main))
    assert errors == []
    receivable = [
        posting.units.number
        for entry in entries
        for posting in getattr(entry, "postings", ())
        if posting.account == "Assets:AccountsReceivable"
    ]
    assert sum(receivable) == 1249


def test_a_refund_naming_only_a_credit_note_takes_back_its_credit(
    importers: list[SourceImporter],
) -> None:
    # CN-1 (a credit note of INV-8) left 20.00 to the customer's credit in the
    # receivable; the bank pays it out naming CN-1 alone, with no rule's word.
    credit_note = """
2026-02-25 * "Lumen BV" "Credit note CN-1" ^CN-1 ^INV-8
  invoice: "CN-1"
  credits: "INV-8"
  customer: "CUS-0043"
  Assets:AccountsReceivable   -20.00 USD
  Income:Revenue:Services      20.00 USD
"""
    with Path("ledger/billing.beancount").open("a", encoding="utf-8") as books:
        books.write(credit_note)
    statement("2026-03.csv", "P-1,03/09/2026,Lumen BV,PAYMENT CN-1,-20.00")
    run(importers)
    assert '"PAYMENT CN-1" ^CN-1\n' in written("bank")
    assert 'invoice: "CN-1"\n  customer: "CUS-0043"\n' in written("bank")
    assert "Assets:AccountsReceivable   20.00 USD" in written("bank")


# BAI2: the customer reference is searched for invoices.


def bai2(*details: tuple[str, int, str, str, str]) -> str:
    """A BAI2 file of one account on 2026-03-02, its control totals made (type, cents, refs, text).

    Types below 400 are credits, the rest debits.
    """
    opening = 100_000
    moved = sum(cents if kind < "400" else -cents for kind, cents, *_ in details)
    account = [f"03,1234567890,USD,010,{opening},,,015,{opening + moved},,/"]
    total = opening + opening + moved
    for kind, cents, bank_ref, customer_ref, text in details:
        account.append(f"16,{kind},{cents},,{bank_ref},{customer_ref},{text}/")
        total += cents
    account.append(f"49,{total},{len(account) + 1}/")
    group = [
        "02,121140399,121140399,1,260302,,USD,2/",
        *account,
        f"98,{total},1,{len(account) + 2}/",
    ]
    records = [
        "01,121140399,121140399,260303,0754,1,,,2/",
        *group,
        f"99,{total},1,{len(group) + 2}/",
    ]
    return "".join(record + "\n" for record in records)


def test_a_bai2_customer_reference_names_the_invoice_it_pays(
    importers: list[SourceImporter],
) -> None:
    Path("documents/lockbox/2026-03-02.bai2").write_text(
        bai2(
            ("195", 4900, "REF7", "INV-8", ""),  # The invoice in the customer reference only.
            ("195", 1000, "REF8", "C-1", "WIRE C-1"),  # Already in its text: not repeated.
            ("555", 120000, "REF9", "", "RETURNED ITEM INV-7"),  # A deposited item returned.
        ),
        encoding="ascii",
    )
    run(importers)
    assert written("lockbox") == textwrap.dedent(
        """\
        ; lockbox, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "Incoming Money Transfer INV-8" ^INV-8
          bank_reference: "1234567890/REF7"
          invoice: "INV-8"
          customer: "CUS-0043"
          Assets:Bank:US:Operating    49.00 USD
          Assets:AccountsReceivable  -49.00 USD

        2026-03-02 * "WIRE C-1"
          bank_reference: "1234567890/REF8"
          Assets:Bank:US:Operating    10.00 USD
          Liabilities:UnappliedCash  -10.00 USD

        2026-03-02 * "RETURNED ITEM INV-7" ^INV-7
          bank_reference: "1234567890/REF9"
          invoice: "INV-7"
          customer: "CUS-0042"
          Assets:Bank:US:Operating   -1200.00 USD
          Assets:AccountsReceivable   1200.00 USD

        2026-03-03 balance Assets:Bank:US:Operating                        -141.00 USD
          bank_reference: "1234567890/2026-03-02/closing USD"
        """
    )


# MT940: the `:61:` reference for the account owner (before `//`) is what the payer quoted.

MT940 = """\
:20:STATEMENT
:25:517852257
:28:1/1
:60F:C260301USD0,00
:61:2603020302C49,00NTRFINV-8//BR77
:86:LUMEN BV
:61:2603020302C10,00NTRFNONREF//BR78
:86:TRANSFER
:61:2603020302C5,00NTRFC-1//BR79
:86:WIRE C-1
:62F:C260302USD64,00
"""


def test_an_mt940_customer_reference_names_the_invoice_it_pays(
    importers: list[SourceImporter],
) -> None:
    Path("documents/swift/2026-03-02.sta").write_text(MT940, encoding="utf-8")
    run(importers)
    # BR77 quotes INV-8 (49.00 USD) before `//`: 49.00 off INV-8's receivable.
    # NONREF quotes nothing; C-1 is in its text already (not repeated) and is no
    # invoice. The closing balance: 0.00 + 49.00 + 10.00 + 5.00 = 64.00.
    assert written("swift") == textwrap.dedent(
        """\
        ; swift, 2026-03: imported by `python import.py import`; do not edit by hand.

        2026-03-02 * "LUMEN BV INV-8" ^INV-8
          bank_reference: "517852257/BR77"
          invoice: "INV-8"
          customer: "CUS-0043"
          Assets:Bank:US:Operating    49.00 USD
          Assets:AccountsReceivable  -49.00 USD

        2026-03-02 * "TRANSFER"
          bank_reference: "517852257/BR78"
          Assets:Bank:US:Operating    10.00 USD
          Liabilities:UnappliedCash  -10.00 USD

        2026-03-02 * "WIRE C-1"
          bank_reference: "517852257/BR79"
          Assets:Bank:US:Operating    5.00 USD
          Liabilities:UnappliedCash  -5.00 USD

        2026-03-03 balance Assets:Bank:US:Operating                        64.00 USD
          bank_reference: "517852257/2026-03-02/closing USD"
        """
    )


def test_a_quoted_reference_is_held_by_the_text_only_as_a_word() -> None:
    # BAI2's customer reference and CAMT's payer references are added to the
    # text searched for invoices unless it names them already: INV-10 is not
    # named by "INV-100", so it is added; "c-1" is named by "WIRE C-1", and
    # RP123 by "TRID:RP123" (words are runs of letters, digits and -_/.).
    assert bank_statement.holds("WIRE C-1", "c-1")
    assert bank_statement.holds("TRID:RP123 BO1:DOE", "RP123")  # Citi's BAI2 example
    assert not bank_statement.holds("WIRE INV-100", "INV-10")
    # A reference of several words is held when each of its words is (ING's
    # MT940 example quotes "TMG TANGO", which its text holds).
    assert bank_statement.holds("IDEAL KN: TMG TANGO TRANSACTIENR 0050000534527978", "TMG TANGO")
    assert not bank_statement.holds("RETOURE EREF+TFNR 40001 00005", "TFNr 40001 MSGID")
    # What is added: each reference not held yet, none of "no reference" (MT940's
    # NONREF, ISO 20022's NOTPROVIDED), and one quoted twice once.
    quoted = ["NONREF", None, "INV-7", "inv-7", "NOTPROVIDED", "C-1"]
    assert bank_statement.quoted("WIRE C-1", quoted) == ["INV-7"]
