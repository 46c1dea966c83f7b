"""The CAMT.053 reader: batch entries, the references a payer quotes, ids and reversals.

Each test writes a small statement (one account, the entries it needs) and
reads it as the importer does (`bank_camt.read`), or imports it against a few
invoices, and asserts the lines made, worked out by hand from the XML.
"""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from importers import bank_camt, sources
from importers.bank_statement import Booked
from importers.errors import ImportFailed, Problem
from tests.importing import check_reimports_add_nothing, run, workspace

IBAN = "DE89370400440532013000"
DAY = datetime.date(2026, 10, 31)
CONFIG = f"""\
bank-eu:
  importer: camt053
  documents: bank/*.xml
  ledger: bank
  bank_accounts:
    {IBAN}: Assets:Bank:EU:Operating
  accounts:
    disbursements: Expenses:Unreconciled
"""
INVOICES = """\
2026-09-30 * "Jade Co" "Invoice INV-632" ^INV-632
  invoice: "INV-632"
  customer: "CUS-0632"
  Assets:AccountsReceivable   459.00 EUR
  Income:Revenue:Services    -459.00 EUR

2026-09-30 * "Crescent Dynamics Labs" "Invoice INV-611" ^INV-611
  invoice: "INV-611"
  customer: "CUS-0611"
  Assets:AccountsReceivable   45.00 EUR
  Income:Revenue:Services    -45.00 EUR
"""


def statement(*entries: str) -> str:
    """Returns a CAMT.053 document of one statement of the account with the entries."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>\n'
        f"<Stmt><Id>S1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>\n"
        + "".join(entry + "\n" for entry in entries)
        + "</Stmt></BkToCstmrStmt></Document>\n"
    )


def entry(amount: str, *details: str, sign: str = "CRDT", refs: str = "") -> str:
    """Returns an `Ntry` of 31 October 2026 with its references and transactions."""
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
        f"<Sts>BOOK</Sts><BookgDt><Dt>2026-10-31</Dt></BookgDt>{refs}"
        f"<NtryDtls>{''.join(details)}</NtryDtls></Ntry>"
    )


def transaction(payer: str, text: str = "", amount: str = "", refs: str = "") -> str:
    """Returns a `TxDtls` paid by the payer, with its amount (`AmtDtls/TxAmt`) if given."""
    amounts = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    remittance = f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>" if text else ""
    return (
        f"<TxDtls>{f'<Refs>{refs}</Refs>' if refs else ''}{amounts}"
        f"<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>{remittance}</TxDtls>"
    )


def read(tmp_path: Path, text: str, name: str = "statement.xml") -> list[Booked]:
    """Returns the booked lines of a statement without balances, which reads without problems."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    items = bank_camt.read(str(path), problems)
    assert problems == []
    return [item for item in items if isinstance(item, Booked)]


def line(row: int, amount: str, reference: str | None, payee: str | None, text: str) -> Booked:
    """A booked line of the account on 31 October 2026, in EUR."""
    return Booked(IBAN, row, DAY, Decimal(amount), "EUR", reference, payee, text)


BATCH = entry(
    "504.00",
    transaction("Jade Co", "INV-632", "459.00"),
    transaction("Crescent Dynamics Labs", "INV-611", "45.00"),
    refs="<AcctSvcrRef>E2</AcctSvcrRef>",
)


# A batch entry: one line per transaction when their amounts make up the entry's.


def test_a_batch_entry_is_one_line_per_transaction_with_its_own_text_and_payer(
    tmp_path: Path,
) -> None:
    assert read(tmp_path, statement(BATCH)) == [
        line(4, "459.00", "E2", "Jade Co", "INV-632"),
        line(4, "45.00", "E2/2", "Crescent Dynamics Labs", "INV-611"),
    ]


def test_a_batch_transaction_with_its_own_bank_reference_keeps_it(tmp_path: Path) -> None:
    batch = BATCH.replace("<TxDtls>", "<TxDtls><Refs><AcctSvcrRef>T{}</AcctSvcrRef></Refs>", 2)
    batch = batch.replace("T{}", "T1", 1).replace("T{}", "T2", 1)
    assert [item.reference for item in read(tmp_path, statement(batch))] == ["T1", "T2"]


def test_a_batch_of_money_out_is_negative_in_each_transaction(tmp_path: Path) -> None:
    batch = BATCH.replace("CRDT", "DBIT").replace("Dbtr", "Cdtr")
    assert [item.amount for item in read(tmp_path, statement(batch))] == [
        Decimal("-459.00"),
        Decimal("-45.00"),
    ]


def test_transactions_that_do_not_make_up_the_entry_are_one_line_naming_every_invoice(
    tmp_path: Path,
) -> None:
    short = BATCH.replace(">459.00<", ">450.00<")  # 450.00 + 45.00 is not 504.00.
    text = "INV-632 INV-611"
    assert read(tmp_path, statement(short)) == [
        line(4, "504.00", "E2", "Jade Co; Crescent Dynamics Labs", text)
    ]


def test_transactions_without_amounts_are_one_line_naming_every_invoice(tmp_path: Path) -> None:
    batch = entry(
        "504.00",
        transaction("Jade Co", "INV-632"),
        transaction("Jade Co", "INV-611"),
        refs="<AcctSvcrRef>E2</AcctSvcrRef>",
    )
    assert read(tmp_path, statement(batch)) == [
        line(4, "504.00", "E2", "Jade Co", "INV-632 INV-611")
    ]


def test_a_batch_entry_pays_each_invoice_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace(tmp_path, monkeypatch, "bank")
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    Path("ledger/billing.beancount").write_text(INVOICES, encoding="utf-8")
    Path("documents/bank/2026-10-31.xml").write_text(statement(BATCH), encoding="utf-8")
    importers = sources.load(Path("importers.yaml"))
    run(importers)
    written = Path("ledger/bank/2026-10.beancount").read_text(encoding="utf-8")
    assert written.endswith(
        textwrap.dedent(
            f"""\
            2026-10-31 * "Jade Co" "INV-632" ^INV-632
              bank_reference: "{IBAN}/E2"
              invoice: "INV-632"
              customer: "CUS-0632"
              Assets:Bank:EU:Operating    459.00 EUR
              Assets:AccountsReceivable  -459.00 EUR

            2026-10-31 * "Crescent Dynamics Labs" "INV-611" ^INV-611
              bank_reference: "{IBAN}/E2/2"
              invoice: "INV-611"
              customer: "CUS-0611"
              Assets:Bank:EU:Operating    45.00 EUR
              Assets:AccountsReceivable  -45.00 EUR
            """
        )
    )
    check_reimports_add_nothing(importers, 2)


# What a payer quotes: remittance text, structured references, the end-to-end id.


def test_the_end_to_end_reference_a_payer_quotes_is_read(tmp_path: Path) -> None:
    quoted = entry(
        "45.00",
        transaction("Crescent Dynamics Labs", refs="<EndToEndId>INV-546</EndToEndId>"),
        refs="<AcctSvcrRef>E4</AcctSvcrRef>",
    )
    assert read(tmp_path, statement(quoted)) == [
        line(4, "45.00", "E4", "Crescent Dynamics Labs", "INV-546")
    ]


def test_structured_references_are_read_beside_free_text(tmp_path: Path) -> None:
    remittance = (
        "<RmtInf><Ustrd>Payment October</Ustrd>"
        "<Strd><CdtrRefInf><Ref>RF18INV611</Ref></CdtrRefInf></Strd></RmtInf>"
    )
    both = entry("45.00", f"<TxDtls>{remittance}</TxDtls>", refs="<AcctSvcrRef>E5</AcctSvcrRef>")
    assert read(tmp_path, statement(both)) == [
        line(4, "45.00", "E5", None, "Payment October RF18INV611")
    ]


def test_a_reference_the_text_already_holds_is_not_repeated(tmp_path: Path) -> None:
    refs = "<EndToEndId>INV-611</EndToEndId>"
    quoted = entry("45.00", transaction("Jade Co", "Payment INV-611", refs=refs))
    assert [item.narration for item in read(tmp_path, statement(quoted))] == ["Payment INV-611"]


def test_an_end_to_end_reference_not_provided_is_left_out(tmp_path: Path) -> None:
    refs = "<EndToEndId>NOTPROVIDED</EndToEndId>"
    plain = entry("45.00", transaction("Jade Co", "Payment", refs=refs))
    assert [(item.reference, item.narration) for item in read(tmp_path, statement(plain))] == [
        (None, "Payment")
    ]


# Ids: the bank's reference, else another id of the line after its date.


@pytest.mark.parametrize(
    ("entry_refs", "transaction_refs", "reference"),
    [
        ("<AcctSvcrRef>B-1</AcctSvcrRef><NtryRef>N-1</NtryRef>", "<TxId>T-1</TxId>", "B-1"),
        ("<NtryRef>N-1</NtryRef>", "<AcctSvcrRef>B-2</AcctSvcrRef>", "B-2"),
        ("<NtryRef>N-1</NtryRef>", "<TxId>T-1</TxId>", None),
        ("", "<TxId>T-1</TxId><EndToEndId>E-1</EndToEndId>", None),
        ("", "<EndToEndId>NOTPROVIDED</EndToEndId>", None),
    ],
)
def test_a_line_without_the_banks_reference_is_counted(
    tmp_path: Path, entry_refs: str, transaction_refs: str, reference: str | None
) -> None:
    # Only the bank's AcctSvcrRef is unique within the account: a payer's ids
    # repeat (below), so a line without it is counted by `bank_entries`.
    found = entry(
        "45.00", transaction("Jade Co", "Payment", refs=transaction_refs), refs=entry_refs
    )
    assert [item.reference for item in read(tmp_path, statement(found))] == [reference]


def test_two_payments_with_one_end_to_end_id_on_a_day_are_both_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A payer who reuses an id (or pays twice): two lines, 459.00 each, counted 1 and 2.
    workspace(tmp_path, monkeypatch, "bank")
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    refs = "<EndToEndId>PAY-2026-10</EndToEndId>"
    twice = [entry("459.00", transaction("Jade Co", "Payment", refs=refs)) for _ in range(2)]
    Path("documents/bank/2026-10-31.xml").write_text(statement(*twice), encoding="utf-8")
    importers = sources.load(Path("importers.yaml"))
    run(importers)
    written = Path("ledger/bank/2026-10.beancount").read_text(encoding="utf-8")
    assert f'bank_reference: "{IBAN}/2026-10-31/459.00 EUR/1"' in written
    assert f'bank_reference: "{IBAN}/2026-10-31/459.00 EUR/2"' in written
    check_reimports_add_nothing(importers, 2)


def test_like_lines_without_ids_in_two_files_of_no_pages_are_refused_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing tells two files' like lines apart from one line exported twice,
    # but the payers' texts differ: the second is an error, never lost unseen.
    workspace(tmp_path, monkeypatch, "bank")
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    for page in (1, 2):
        refs = f"<EndToEndId>PAY-{page}</EndToEndId>"
        credit = entry("45.00", transaction("Jade Co", "Payment", refs=refs))
        text = statement(credit)
        Path(f"documents/bank/2026-10-31-{page}.xml").write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed, match="with different content"):
        run(sources.load(Path("importers.yaml")))


def test_lines_without_ids_on_pages_of_a_statement_are_told_apart_by_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace(tmp_path, monkeypatch, "bank")
    Path("importers.yaml").write_text(CONFIG, encoding="utf-8")
    for page, last in ((1, "false"), (2, "true")):
        pagination = f"<StmtPgntn><PgNb>{page}</PgNb><LastPgInd>{last}</LastPgInd></StmtPgntn>"
        text = statement(entry("45.00", transaction("Jade Co", "SEPA CREDIT")))
        text = text.replace("<Id>S1</Id>", f"<Id>S1</Id>{pagination}")
        Path(f"documents/bank/2026-10-31-{page}.xml").write_text(text, encoding="utf-8")
    importers = sources.load(Path("importers.yaml"))
    run(importers)
    written = Path("ledger/bank/2026-10.beancount").read_text(encoding="utf-8")
    assert f'bank_reference: "{IBAN}/S1/page 1/1"' in written
    assert f'bank_reference: "{IBAN}/S1/page 2/1"' in written
    check_reimports_add_nothing(importers, 2)


def test_a_line_without_ids_on_a_statement_of_one_page_is_counted(tmp_path: Path) -> None:
    pagination = "<StmtPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></StmtPgntn>"
    text = statement(entry("45.00", transaction("Jade Co", "SEPA CREDIT")))
    text = text.replace("<Id>S1</Id>", f"<Id>S1</Id>{pagination}")
    assert [item.reference for item in read(tmp_path, text)] == [None]


# A reversal: the parties and references of the transaction it undoes.


def test_a_returned_credit_names_its_payer_and_invoice(tmp_path: Path) -> None:
    returned = entry(
        "45.00",
        transaction("Crescent Dynamics Labs", "RETURN INV-546 AC04"),
        sign="DBIT",
        refs="<RvslInd>true</RvslInd><AcctSvcrRef>E3</AcctSvcrRef>",
    )
    assert read(tmp_path, statement(returned)) == [
        line(4, "-45.00", "E3", "Crescent Dynamics Labs", "RETURN INV-546 AC04")
    ]


def test_a_batch_transaction_amount_that_is_no_amount_is_a_problem_at_its_line(
    tmp_path: Path,
) -> None:
    bad = BATCH.replace(">459.00<", ">4S9.00<").replace("<TxDtls>", "\n<TxDtls>")
    path = tmp_path / "statement.xml"
    path.write_text(statement(bad), encoding="utf-8")
    problems: list[Problem] = []
    assert bank_camt.read(str(path), problems) == []
    assert problems == [
        Problem(str(path), 5, "Amount '4S9.00' is not an amount; expected like '100.00'")
    ]
