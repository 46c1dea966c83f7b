"""The usage revenue plugin: accruals meet their invoices; policy, errors, reports."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import printer

from plugins import usage_accruals
from reports import cli
from tests import usage_books
from tests.conftest import Books, error_lines, generated, line_of
from tests.usage_books import CREDITS as DEFERRED
from tests.usage_books import UNBILLED, USAGE, balance, credit_pack, loaded

DIFFERENCES = "Income:Revenue:Usage:BillingDifferences"

OPENS = """
plugin "plugins.usage_revenue" "usage.yaml"
2020-01-01 open Assets:AccountsReceivable
2020-01-01 open Assets:UnbilledReceivables
2020-01-01 open Liabilities:DeferredRevenue:Credits
2020-01-01 open Income:Revenue:Usage
2020-01-01 open Income:Revenue:Subscriptions
"""


accrual = functools.partial(usage_books.accrual, product="gpu-hours")
usage_invoice = functools.partial(usage_books.usage_invoice, product="gpu-hours")
PACK = credit_pack("2026-06-15", "INV-1", "100.00 USD", "2027-06-15")


def postings(entry: data.Transaction) -> list[str]:
    return [f"{posting.account} {posting.units}" for posting in entry.postings]


# The accrual meets its invoice.


def test_an_invoice_equal_to_the_accrual_clears_it_with_no_difference(books: Books) -> None:
    ledger = (
        OPENS
        + accrual("2026-10", "4366.87 USD")
        + usage_invoice("2026-11-03", "INV-9", "4366.87 USD", "2026-10")
    )
    entries, options = loaded(books, ledger)
    (reversal,) = generated(entries)
    assert postings(reversal) == [f"{USAGE} 4366.87 USD", f"{UNBILLED} -4366.87 USD"]
    assert reversal.date == datetime.date(2026, 11, 3)
    assert reversal.narration == "Usage invoiced INV-9 for CUS-1 2026-10"
    assert reversal.links == {"INV-9", "CUS-1/2026-10"}
    assert reversal.tags == {"usage-billing"}
    assert reversal.meta["customer"] == "CUS-1"
    assert reversal.meta["revclose_source"] == "INV-9"
    assert reversal.meta["revclose_usage"] == "CUS-1/2026-10"
    # The invoice's usage line, for the audit trail.
    assert reversal.meta["lineno"] == line_of(ledger, '"Invoice INV-9"') + 4
    assert balance(entries, USAGE) == Decimal("-4366.87")  # Revenue stays as rated.
    assert balance(entries, UNBILLED) == 0
    subledger, _ = usage_accruals.load(entries, options)
    assert subledger.open_unbilled(datetime.date(2026, 10, 31)) == {
        ("CUS-1", "2026-10", "USD"): Decimal("4366.87")
    }
    assert subledger.open_unbilled(datetime.date(2026, 11, 3)) == {}


@pytest.mark.parametrize(
    ("invoiced", "difference"),
    [("4400.00", "-33.13"), ("4300.00", "66.87")],
    ids=["over", "under"],
)
def test_an_invoice_off_the_accrual_shows_the_difference_in_its_own_account(
    books: Books, invoiced: str, difference: str
) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-10", "4366.87 USD")
        + usage_invoice("2026-11-03", "INV-9", f"{invoiced} USD", "2026-10"),
    )
    (reversal,) = generated(entries)
    assert postings(reversal) == [
        f"{USAGE} {invoiced} USD",
        f"{UNBILLED} -4366.87 USD",
        f"{DIFFERENCES} {difference} USD",
    ]
    assert balance(entries, USAGE) == Decimal("-4366.87")
    assert balance(entries, DIFFERENCES) == Decimal(difference)
    assert balance(entries, UNBILLED) == 0
    opened = [entry.account for entry in entries if isinstance(entry, data.Open)]
    assert DIFFERENCES in opened


def test_an_invoice_for_a_month_without_an_accrual_generates_nothing(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-10-03", "INV-8", "80.00 USD", "2026-09"),
    )
    assert generated(entries) == []
    assert balance(entries, UNBILLED) == Decimal("100.00")


def test_an_invoice_dated_before_its_accrual_reverses_on_the_accrual_date(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-10-30", "INV-9", "100.00 USD", "2026-10"),
    )
    (reversal,) = generated(entries)
    assert reversal.date == datetime.date(2026, 10, 31)


def test_a_credit_note_on_usage_is_a_billing_difference(books: Books) -> None:
    # October was rated and invoiced at 100.00; a 10.00 credit note follows.
    # Usage revenue stays at 100.00; the credit shows as a billing difference.
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-11-03", "INV-9", "100.00 USD", "2026-10")
        + usage_invoice("2026-11-20", "CN-1", "10.00 USD", "2026-10", credits="INV-9"),
    )
    _, credit = generated(entries)
    assert postings(credit) == [f"{USAGE} -10.00 USD", f"{DIFFERENCES} 10.00 USD"]
    assert credit.narration == "Usage credited CN-1 for CUS-1 2026-10"
    assert credit.links == {"CN-1", "INV-9", "CUS-1/2026-10"}
    assert balance(entries, USAGE) == Decimal("-100.00")
    assert balance(entries, DIFFERENCES) == Decimal("10.00")
    assert balance(entries, UNBILLED) == 0


def test_a_void_reopens_what_its_invoice_cleared(books: Books) -> None:
    books.write("usage.yaml", "")
    void = usage_invoice(
        "2026-11-10", "INV-9", "105.00 USD", "2026-10", header='\n  status: "void"'
    )
    void = void.replace('"Invoice INV-9"', '"Void INV-9"')
    void = void.replace("AccountsReceivable  105.00", "AccountsReceivable  -105.00")
    void = void.replace(f"{USAGE}  -105.00", f"{USAGE}  105.00")
    entries, errors, options = books.load(
        OPENS
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-11-03", "INV-9", "105.00 USD", "2026-10")
        + void
    )
    assert errors == []
    _, undone = generated(entries)
    assert postings(undone) == [
        f"{USAGE} -105.00 USD",
        f"{UNBILLED} 100.00 USD",
        f"{DIFFERENCES} 5.00 USD",
    ]
    assert undone.narration == "Usage voided INV-9 for CUS-1 2026-10"
    subledger, _ = usage_accruals.load(entries, options)
    assert subledger.open_unbilled(datetime.date(2026, 11, 30)) == {
        ("CUS-1", "2026-10", "USD"): Decimal("100.00")
    }
    assert balance(entries, DIFFERENCES) == 0


def test_an_invoice_bills_only_the_overage_left_after_prepaid_credit(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + PACK
        + accrual("2026-10", "130.00 USD")
        + usage_invoice("2026-11-03", "INV-9", "30.00 USD", "2026-10"),
    )
    draw, reversal = generated(entries)
    assert postings(draw) == [f"{DEFERRED} 100.00 USD", f"{UNBILLED} -100.00 USD"]
    assert postings(reversal) == [f"{USAGE} 30.00 USD", f"{UNBILLED} -30.00 USD"]


def test_eur_usage_is_billed_in_eur(books: Books) -> None:
    entries, _ = loaded(
        books,
        OPENS
        + accrual("2026-10", "250.40 EUR")
        + usage_invoice("2026-11-03", "INV-9", "250.00 EUR", "2026-10")
        + accrual("2026-10", "10.00 USD").replace("CUS-1/2026-10", "CUS-1/2026-10/USD"),
    )
    (reversal,) = generated(entries)
    assert postings(reversal) == [
        f"{USAGE} 250.00 EUR",
        f"{UNBILLED} -250.40 EUR",
        f"{DIFFERENCES} 0.40 EUR",
    ]


# Policy, errors and the plugin line.


def test_the_plugin_line_reports_errors_as_bean_check_does(books: Books) -> None:
    books.write("usage.yaml", "")
    ledger = OPENS + accrual("2026-10", "100.00 USD").replace('  customer: "CUS-1"\n', "")
    _, errors, _ = books.load(ledger)
    shown = "".join(printer.format_error(error) for error in errors)  # type: ignore[no-untyped-call]
    where = f"{books.folder / 'main.beancount'}:{line_of(ledger, 'Usage of 2026-10')}"
    assert shown.startswith(
        f"{where}: Usage accrual 'CUS-1/2026-10' names no customer; expected 'customer: \"<id>\"'"
    )


def test_bad_accruals_are_errors_at_their_lines(books: Books) -> None:
    books.write("usage.yaml", "")
    ledger = (
        OPENS
        + accrual("2026-08", "10.00 USD").replace('  customer: "CUS-1"\n', "")
        + accrual("2026-09", "10.00 USD").replace(UNBILLED, "Assets:AccountsReceivable")
        + accrual("2026-10", "10.00 USD").replace("service_start: 2026-10-01", "service_start: 1")
        + accrual("2026-11", "10.00 USD").replace(
            "service_start: 2026-11-01", "service_start: 2026-10-01"
        )
    )
    entries, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (
            line_of(ledger, "Usage of 2026-08"),
            "Usage accrual 'CUS-1/2026-08' names no customer; expected 'customer: \"<id>\"'",
        ),
        (
            line_of(ledger, "Usage of 2026-09"),
            "Usage accrual 'CUS-1/2026-09' has no posting to 'Assets:UnbilledReceivables'",
        ),
        (
            line_of(ledger, "Usage of 2026-10"),
            "Service start '1' is not a date; expected YYYY-MM-DD",
        ),
        (
            line_of(ledger, "Usage of 2026-11"),
            "Usage accrual 'CUS-1/2026-11' covers '2026-10-01' to '2026-11-30'; expected one month",
        ),
    ]
    assert generated(entries) == []


def test_bad_policy_reports_every_problem_and_changes_nothing(books: Books) -> None:
    books.write(
        "usage.yaml",
        """
        breakage: sometimes
        expected_breakage: 1.5
        breakage_account: Breakage
        tolerance: -1
        control: maybe
        colour: blue
        """,
    )
    ledger = (
        OPENS
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-11-03", "INV-9", "90.00 USD", "2026-10")
    )
    entries, errors, _ = books.load(ledger)
    assert [(e.source["filename"].endswith("usage.yaml"), e.source["lineno"]) for e in errors] == [
        (True, 6),
        (True, 1),
        (True, 2),
        (True, 3),
        (True, 4),
        (True, 5),
    ]
    assert [error.message for error in errors] == [
        "Unknown field 'colour'; expected one of 'accounts_file', 'billing_differences_account', "
        "'breakage', 'breakage_account', 'control', 'expected_breakage', 'precision', "
        "'promotional_account', 'tolerance'",
        "Field 'breakage' expected 'at_expiry' or 'proportional', found 'sometimes'",
        "Field 'expected_breakage' expected a share between 0 and 1, like 0.10, found '1.5'",
        "Field 'breakage_account' expected an account name like 'Assets:Bank', found 'Breakage'",
        "Field 'tolerance' expected an amount of at least 0, like 0.50, found '-1'",
        "Field 'control' expected true or false, found 'maybe'",
    ]
    assert generated(entries) == []


def test_proportional_breakage_needs_its_expected_share(books: Books) -> None:
    books.write("usage.yaml", "breakage: proportional\n")
    _, errors, _ = books.load(OPENS)
    assert error_lines(errors) == [
        (
            1,
            "Missing field 'expected_breakage'; 'breakage: proportional' needs the share of "
            "paid credit expected to go unused, like 0.10",
        )
    ]
    books.write("usage.yaml", "breakage: at_expiry\nexpected_breakage: 0.1\n")
    _, errors, _ = books.load(OPENS)
    assert error_lines(errors) == [
        (
            2,
            "Field 'expected_breakage' applies only with 'breakage: proportional'; found "
            "'breakage: at_expiry'",
        )
    ]


def test_empty_ledger_gives_nothing(books: Books) -> None:
    books.write("usage.yaml", "")
    entries, errors, _ = books.load('plugin "plugins.usage_revenue" "usage.yaml"\n')
    assert (entries, errors) == ([], [])


def test_no_config_applies_the_defaults(books: Books) -> None:
    entries, errors, _ = books.load(
        OPENS.replace(' "usage.yaml"', "")
        + accrual("2026-10", "100.00 USD")
        + usage_invoice("2026-11-03", "INV-9", "101.00 USD", "2026-10")
    )
    assert errors == []
    assert postings(generated(entries)[0])[-1] == f"{DIFFERENCES} -1.00 USD"


def test_the_control_fails_a_difference_beyond_the_tolerance(books: Books) -> None:
    books.write("usage.yaml", "tolerance: 10.00\ncontrol: true\n")
    ledger = (
        OPENS
        + accrual("2026-09", "100.00 USD")
        + usage_invoice("2026-10-03", "INV-8", "105.00 USD", "2026-09")  # Within tolerance.
        + accrual("2026-10", "4366.87 USD")
        + usage_invoice("2026-11-03", "INV-9", "4400.00 USD", "2026-10")
    )
    entries, errors, _ = books.load(ledger)
    assert error_lines(errors) == [
        (
            line_of(ledger, f"{USAGE}  -4400.00 USD"),
            "Usage of 'CUS-1' for 2026-10 was rated 4366.87 USD (after 0.00 USD of prepaid "
            "credit) but invoiced 4400.00 USD: difference 33.13 USD, beyond the tolerance of "
            "10.00 USD",
        )
    ]
    assert len(generated(entries)) == 2  # The control adds errors, not changes.


# Reports.


def _company(books: Books) -> Path:
    books.write("usage.yaml", "tolerance: 1.00\n")
    return books.write(
        "main.beancount",
        OPENS
        + PACK
        + accrual("2026-09", "80.00 USD")
        + accrual("2026-10", "130.00 USD")
        + usage_invoice("2026-10-31", "INV-8", "70.00 USD", "2026-08")
        + usage_invoice("2026-11-03", "INV-9", "40.00 USD", "2026-10")
        + accrual("2026-10", "55.50 USD", "CUS-2"),
    )


def test_the_reconciliation_lists_rated_and_invoiced_per_customer_and_month(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _company(books)
    csv_path = books.folder / "usage.csv"
    status = cli.main(["usage", str(path), "reconciliation", "--csv", str(csv_path)])
    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        "customer,month,currency,rated,credit_drawn,billable,invoiced,difference,unbilled,status",
        "CUS-1,2026-08,USD,0.00,0.00,0.00,70.00,,0.00,not rated",
        "CUS-1,2026-09,USD,80.00,80.00,0.00,,,0.00,paid by credit",
        "CUS-1,2026-10,USD,130.00,20.00,110.00,40.00,-70.00,0.00,difference",
        "CUS-2,2026-10,USD,55.50,0.00,55.50,,,55.50,not invoiced",
    ]
    assert status == 1
    assert capsys.readouterr().err.splitlines() == [
        "DIFFERENCE: CUS-1 2026-10: billable 110.00 USD, invoiced 40.00 USD, difference -70.00 USD"
    ]
    assert cli.main(["usage", str(path), "reconciliation", "--month", "2026-09"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("Usage rated against invoiced, 2026-09 (tolerance 1.00)\n")
    assert "paid by credit" in shown and "2026-10" not in shown


def test_the_credit_grant_report_shows_each_grants_balance(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _company(books)
    csv_path = books.folder / "credits.csv"
    args = ["usage", str(path), "credits", "--as-of", "2026-09-30", "--csv", str(csv_path)]
    assert cli.main(args) == 0
    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        "grant,customer,kind,currency,granted_on,expires,account,granted,drawn,breakage,"
        "expired,remaining,available",
        f"INV-1,CUS-1,paid,USD,2026-06-15,2027-06-15,{DEFERRED},100.00,80.00,0.00,0.00,20.00,20.00",
    ]
