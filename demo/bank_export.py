"""Write the banks' statements: the US account's CSV export and the EU account's CAMT.053.

Layout under the documents folder::

    bank/us/YYYY-MM.csv     Harbor National Bank's CSV export of the month (bank-us)
    bank/eu/YYYY-MM.xml     Noordzee Bank's CAMT.053 end-of-month statement (bank-eu)

Each month's statement of an entity's operating account lists, by day: the
customers' transfers (their remittance text naming the invoices they pay, or
nothing), refunds of credit notes, the commission payroll and the bank's
monthly fee; then the closing balance, which the import turns into a balance
assertion. The files follow the layouts in ``config/importers.yaml``: the CSV
has the bank's reference, the posted date as ``MM/DD/YYYY``, the counterparty
(as the payer's bank sent it), the description in capitals, the amount (money
in positive, with thousands separators) and the running balance; the
CAMT.053 (version .001.08) books every entry (``BOOK``) with the bank's
reference, the debtor or creditor and the unstructured remittance text.

The cash the books start with is not a statement line: it is the opening
balance in the ledger (``opening.beancount``), and the first statement's
running balance starts from it.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from demo import catalog
from demo.company import Company, Entity, Receipt
from demo.dates import Month
from demo.exports import write_files
from demo.ledger_writer import money

US_FOLDER = "bank/us"
EU_FOLDER = "bank/eu"
EU_IBAN = "NL91NOOR0417164300"  # config/importers.yaml: bank-eu's bank_accounts.
CSV_COLUMNS = ("Reference", "Posted Date", "Counterparty", "Description", "Amount", "Balance")
REFUND = "REFUND"  # config/importers.yaml: refunds post to customer credits.
PAYROLL = "COMMISSION PAYROLL"  # config/importers.yaml: clears the commissions payable.
ACCOUNT_FEE = "ACCOUNT FEE"  # config/importers.yaml: bank fees.

# Remittance texts, taken in turn; `{ids}` are the invoices a transfer names.
NAMED_TEXTS: dict[str, tuple[str, ...]] = {
    "US": ("ACH CREDIT {ids}", "WIRE IN REF {ids}", "PAYMENT INVOICE {ids}", "{ids} REMITTANCE"),
    "EU": ("Invoice {ids}", "Betaling factuur {ids}", "SEPA CT {ids}"),
}
UNNAMED_TEXTS: dict[str, tuple[str, ...]] = {
    "US": ("ACH CREDIT", "WIRE IN", "ONLINE TRANSFER", "PAYMENT THANK YOU"),
    "EU": ("SEPA overboeking", "Payment Kestrel AI", "Zahlung"),
}
# Within a day: money in first, then refunds, payroll and the fee.
_RECEIPT, _REFUND, _PAYROLL, _FEE = range(4)


@dataclass(frozen=True)
class _Line:
    """One booked line of a statement: signed minor units (money in positive)."""

    date: datetime.date
    order: int
    amount: int
    party: str
    text: str


@dataclass(frozen=True)
class _Booked:
    """A line as the bank books it: with its reference and the balance after it."""

    line: _Line
    reference: str
    balance: int


def _remittance(receipt: Receipt, index: int) -> str:
    if not receipt.named:
        texts = UNNAMED_TEXTS[receipt.entity]
        return texts[index % len(texts)]
    texts = NAMED_TEXTS[receipt.entity]
    return texts[index % len(texts)].format(ids=" ".join(receipt.invoice_ids))


def _lines(company: Company, entity: Entity) -> list[_Line]:
    """Return every line of an entity's account, by date then kind, in the model's order."""
    names = {customer.id: customer.name for customer in company.customers}
    receipts = [r for r in company.receipts if r.entity == entity.code]
    lines = [
        _Line(r.date, _RECEIPT, r.amount, names[r.customer_id], _remittance(r, index))
        for index, r in enumerate(receipts)
    ]
    lines += [
        _Line(
            r.date,
            _REFUND,
            -r.amount,
            names[r.customer_id],
            f"{REFUND} {r.credit_note_id} {r.invoice_id}",
        )
        for r in company.refunds
        if r.entity == entity.code
    ]
    payroll: dict[datetime.date, int] = defaultdict(int)
    for commission in company.commissions:
        if commission.currency == entity.currency:
            payroll[commission.date] += commission.amount
    lines += [
        _Line(day, _PAYROLL, -amount, f"{entity.legal_name} payroll", f"{PAYROLL} {day}")
        for day, amount in sorted(payroll.items())
        if amount
    ]
    lines += [
        _Line(fee.date, _FEE, -fee.amount, entity.bank_name, f"MONTHLY {ACCOUNT_FEE}")
        for fee in company.bank_fees
        if fee.entity == entity.code
    ]
    lines.sort(key=lambda line: (line.date, line.order))  # Stable: the model's order stays.
    return lines


def _statements(company: Company, entity: Entity, prefix: str) -> dict[Month, list[_Booked]]:
    """Return the booked lines of each month, with references and running balances."""
    balance = sum(o.amount for o in company.opening_balances if o.entity == entity.code)
    months: dict[Month, list[_Booked]] = {month: [] for month in company.months}
    per_day: dict[datetime.date, int] = defaultdict(int)
    for line in _lines(company, entity):
        per_day[line.date] += 1
        balance += line.amount
        reference = f"{prefix}{line.date:%Y%m%d}{per_day[line.date]:05d}"
        months[Month.of(line.date)].append(_Booked(line, reference, balance))
    return months


def _thousands(minor: int) -> str:
    """Format minor units as the US bank does: ``-12,000.00``."""
    whole, cents = divmod(abs(minor), 100)
    return f"{'-' if minor < 0 else ''}{whole:,}.{cents:02d}"


def _csv(booked: list[_Booked]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in booked:
        line = item.line
        writer.writerow(
            (
                item.reference,
                f"{line.date:%m/%d/%Y}",
                line.party,
                line.text.upper(),
                _thousands(line.amount),
                _thousands(item.balance),
            )
        )
    return buffer.getvalue()


def _amount(minor: int, currency: str) -> tuple[str, str]:
    """Return a CAMT amount element and its credit or debit indicator."""
    indicator = "CRDT" if minor >= 0 else "DBIT"
    return f'<Amt Ccy="{currency}">{money(abs(minor))}</Amt>', indicator


def _balance(code: str, minor: int, currency: str, day: datetime.date) -> str:
    amount, indicator = _amount(minor, currency)
    return (
        f"      <Bal>\n"
        f"        <Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>\n"
        f"        {amount}\n"
        f"        <CdtDbtInd>{indicator}</CdtDbtInd>\n"
        f"        <Dt><Dt>{day}</Dt></Dt>\n"
        f"      </Bal>\n"
    )


def _entry(item: _Booked, currency: str) -> str:
    line = item.line
    amount, indicator = _amount(line.amount, currency)
    party = "Dbtr" if line.amount >= 0 else "Cdtr"
    family = "RCDT" if line.amount >= 0 else "ICDT"
    return (
        f"      <Ntry>\n"
        f"        {amount}\n"
        f"        <CdtDbtInd>{indicator}</CdtDbtInd>\n"
        f"        <Sts><Cd>BOOK</Cd></Sts>\n"
        f"        <BookgDt><Dt>{line.date}</Dt></BookgDt>\n"
        f"        <ValDt><Dt>{line.date}</Dt></ValDt>\n"
        f"        <AcctSvcrRef>{item.reference}</AcctSvcrRef>\n"
        f"        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd>"
        f"<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n"
        f"        <NtryDtls>\n"
        f"          <TxDtls>\n"
        f"            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n"
        f"            <RltdPties><{party}><Pty><Nm>{escape(line.party)}</Nm></Pty></{party}>"
        f"</RltdPties>\n"
        f"            <RmtInf><Ustrd>{escape(line.text)}</Ustrd></RmtInf>\n"
        f"          </TxDtls>\n"
        f"        </NtryDtls>\n"
        f"      </Ntry>\n"
    )


def _camt(entity: Entity, month: Month, number: int, opening: int, booked: list[_Booked]) -> str:
    currency = entity.currency
    closing = booked[-1].balance if booked else opening
    created = f"{month.plus(1).first}T06:00:00+00:00"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">\n'
        "  <BkToCstmrStmt>\n"
        "    <GrpHdr>\n"
        f"      <MsgId>NOOR-{EU_IBAN}-{month.label}</MsgId>\n"
        f"      <CreDtTm>{created}</CreDtTm>\n"
        "    </GrpHdr>\n"
        "    <Stmt>\n"
        f"      <Id>{EU_IBAN}-{month.label}</Id>\n"
        f"      <ElctrncSeqNb>{number}</ElctrncSeqNb>\n"
        f"      <CreDtTm>{created}</CreDtTm>\n"
        f"      <FrToDt><FrDtTm>{month.first}T00:00:00+00:00</FrDtTm>"
        f"<ToDtTm>{month.last}T23:59:59+00:00</ToDtTm></FrToDt>\n"
        f"      <Acct><Id><IBAN>{EU_IBAN}</IBAN></Id><Ccy>{currency}</Ccy>"
        f"<Ownr><Nm>{escape(entity.legal_name)}</Nm></Ownr></Acct>\n"
        + _balance("OPBD", opening, currency, month.first)
        + _balance("CLBD", closing, currency, month.last)
        + "".join(_entry(item, currency) for item in booked)
        + "    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n"
    )


def document_files(company: Company) -> dict[str, str]:
    """Return the text of every statement file, keyed by its path relative to the documents folder.

    Args:
        company: The company whose bank accounts to export.

    Returns:
        File contents by relative path (with ``/`` separators): the US CSV
        exports, then the EU CAMT.053 statements, each in month order.
    """
    files = {}
    us = _statements(company, catalog.US, "")
    for month, booked in us.items():
        files[f"{US_FOLDER}/{month.label}.csv"] = _csv(booked)
    eu = _statements(company, catalog.EU, "NOOR")
    opening = sum(o.amount for o in company.opening_balances if o.entity == catalog.EU.code)
    for number, (month, booked) in enumerate(eu.items(), 1):
        files[f"{EU_FOLDER}/{month.label}.xml"] = _camt(catalog.EU, month, number, opening, booked)
        opening = booked[-1].balance if booked else opening
    return files


def write_documents(company: Company, out: Path) -> list[Path]:
    """Write the statement files under ``out``, removing statement files of an earlier run.

    Args:
        company: The company whose bank accounts to export.
        out: The documents folder; created if missing.

    Returns:
        The paths written: the US exports, then the EU statements, in month order.
    """
    files = document_files(company)
    written = []
    for folder, suffix in ((US_FOLDER, ".csv"), (EU_FOLDER, ".xml")):
        mine = {path: text for path, text in files.items() if path.startswith(f"{folder}/")}
        written += write_files(out, folder, suffix, mine)
    return written
