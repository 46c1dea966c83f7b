"""Close controls: each seeded violation fails bean-check, naming what to fix."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from beancount import loader

from reports import books as books_module
from reports import cli, sealing
from tests.conftest import Books, error_lines, line_of

HEADER = """
plugin "plugins.deferred_revenue" "revenue.yaml"
plugin "plugins.commissions" "commissions.yaml"
plugin "plugins.close_controls" "close.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:Bank:Checking
2026-01-01 open Equity:Opening
2026-01-01 open Liabilities:DeferredRevenue:Subscriptions
2026-01-01 open Income:Revenue:Subscriptions
2026-01-01 open Expenses:Commissions
2026-01-01 open Liabilities:CommissionsPayable
2026-01-15 custom "contract" "CTR-1"
  start: 2026-01-15
  end: 2028-01-14
"""

INVOICE = """
2026-01-15 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  310.00 USD
  Liabilities:DeferredRevenue:Subscriptions  -310.00 USD
    service_start: 2026-01-15
    service_end: 2026-02-14

2026-01-20 * "Jane Doe" "Commission CTR-1"
  Expenses:Commissions  2400.00 USD
    contract: "CTR-1"
  Liabilities:CommissionsPayable  -2400.00 USD

2026-02-10 * "Acme" "Payment INV-1" ^INV-1
  invoice: "INV-1"
  Assets:Bank:Checking  310.00 USD
  Assets:AccountsReceivable  -310.00 USD

2026-03-01 balance Assets:Bank:Checking  310.00 USD
"""


def _write_policies(books: Books, close: str = "") -> None:
    books.write("revenue.yaml", "")
    books.write("commissions.yaml", "amortization_account: Expenses:Commissions:Amortization\n")
    books.write("close.yaml", close)


def test_clean_books_pass_every_control(books: Books) -> None:
    _write_policies(books)
    _, errors, _ = books.load(HEADER + INVOICE)
    assert errors == []


def test_deferred_revenue_off_by_a_cent_names_the_posting(books: Books) -> None:
    _write_policies(books)
    manual = """
2026-02-20 * "Manual" ^INV-1
  invoice: "INV-1"
  Assets:AccountsReceivable  0.01 USD
  Liabilities:DeferredRevenue:Subscriptions  -0.01 USD
"""
    _, errors, _ = books.load(HEADER + INVOICE + manual)
    assert error_lines(errors) == [
        (
            line_of(HEADER + INVOICE + manual, "DeferredRevenue:Subscriptions  -0.01"),
            "Deferred revenue 'Liabilities:DeferredRevenue:Subscriptions' in USD does not tie "
            "at 2026-02-28: general ledger -0.01, subledger 0.00, difference -0.01",
        )
    ]


def test_contract_cost_asset_must_equal_remaining_amortization(books: Books) -> None:
    _write_policies(books)
    manual = """
2026-03-05 * "Reclass"
  Assets:ContractCosts:Commissions  5.00 USD
  Assets:Bank:Checking  -5.00 USD
"""
    _, errors, _ = books.load(HEADER + INVOICE.replace('310.00 USD\n"""', "") + manual)
    messages = [message for _, message in error_lines(errors)]
    assert any(
        message.startswith(
            "Contract costs 'Assets:ContractCosts:Commissions' in USD does not tie at 2026-03-31"
        )
        and message.endswith("difference 5.00")
        for message in messages
    )


def test_receivable_posting_without_an_invoice_fails(books: Books) -> None:
    _write_policies(books)
    stray = """
2026-02-21 * "Unexplained"
  Assets:AccountsReceivable  25.00 USD
  Equity:Opening  -25.00 USD
"""
    _, errors, _ = books.load(HEADER + INVOICE + stray)
    assert error_lines(errors) == [
        (
            line_of(HEADER + INVOICE + stray, "AccountsReceivable  25.00"),
            "Receivable posting of '25.00 USD' names no invoice; expected an 'invoice' or a "
            "link so it belongs to an open invoice",
        )
    ]


def test_a_receivable_posting_names_its_invoice_in_its_own_metadata(books: Books) -> None:
    # One entry, two receivable postings: the first names INV-9 on the posting (as the AR
    # subledger reads it), the second nothing. Only the second breaks the tie-out.
    _write_policies(books)
    mixed = """
2026-02-21 * "Two lines"
  Assets:AccountsReceivable  40.00 USD
    invoice: "INV-9"
  Assets:AccountsReceivable  25.00 USD
  Equity:Opening  -65.00 USD
"""
    _, errors, _ = books.load(HEADER + INVOICE + mixed)
    assert [line for line, _ in error_lines(errors)] == [
        line_of(HEADER + INVOICE + mixed, "AccountsReceivable  25.00")
    ]


def test_pad_on_a_bank_account_fails(books: Books) -> None:
    _write_policies(books)
    pad = "\n2026-02-27 pad Assets:Bank:Checking Equity:Opening\n"
    _, errors, _ = books.load(HEADER + INVOICE + pad)
    # Beancount adds its own 'Unused Pad entry'; the control fails whether used or not.
    assert (
        line_of(HEADER + INVOICE + pad, " pad "),
        "Pad on 'Assets:Bank:Checking'; post the entries that explain the balance",
    ) in error_lines(errors)


def test_balance_assertions_must_be_exact(books: Books) -> None:
    _write_policies(books)
    assertion = "balance Assets:Bank:Checking  310.00 USD"
    loose = INVOICE.replace(assertion, "balance Assets:Bank:Checking  310 USD")
    _, errors, _ = books.load(HEADER + loose)
    assert [message for _, message in error_lines(errors)] == [
        "Balance assertion '310 USD' on 'Assets:Bank:Checking' has fewer decimals than USD (2), "
        "so Beancount would tolerate a difference"
    ]
    tolerant = INVOICE.replace(assertion, "balance Assets:Bank:Checking  310.00 ~ 0.10 USD")
    _, errors, _ = books.load(HEADER + tolerant)
    assert [message for _, message in error_lines(errors)] == [
        "Balance assertion on 'Assets:Bank:Checking' has a tolerance; assert the exact balance"
    ]


def test_revenue_posting_without_a_customer_fails(books: Books) -> None:
    _write_policies(books)
    sale = """
2026-02-22 * "Cash sale"
  Equity:Opening  5.00 USD
  Income:Revenue:Subscriptions  -5.00 USD
"""
    _, errors, _ = books.load(HEADER + INVOICE + sale)
    assert error_lines(errors) == [
        (
            line_of(HEADER + INVOICE + sale, "Income:Revenue:Subscriptions  -5.00"),
            "Revenue posting to 'Income:Revenue:Subscriptions' names no customer",
        )
    ]


def test_sealed_month_fails_when_an_entry_changes(books: Books, tmp_path: Path) -> None:
    _write_policies(books, "# Closed months.\nsealed: {}\n")
    path = books.write("main.beancount", HEADER + INVOICE)
    assert cli.main(["seal", str(path), "--month", "2026-01"]) == 0
    policy_text = (tmp_path / "close.yaml").read_text()
    assert policy_text.startswith("# Closed months.\nsealed:\n  2026-01: ")
    assert (tmp_path / "seals" / "2026-01.txt").read_text().count("\n") > 3
    _, errors, _ = loader.load_file(str(path))
    assert errors == []
    # Moving the January entries to another file changes nothing that matters.
    books.write("jan.beancount", INVOICE.split("2026-02-10")[0])
    moved = HEADER + 'include "jan.beancount"\n2026-02-10' + INVOICE.split("2026-02-10")[1]
    _, errors, _ = books.load(moved)
    assert errors == []
    # Changing an amount in January does.
    changed = (HEADER + INVOICE).replace("Commissions  2400.00 USD", "Commissions  2500.00 USD")
    changed = changed.replace(
        "CommissionsPayable  -2400.00 USD", "CommissionsPayable  -2500.00 USD"
    )
    _, errors, _ = books.load(changed)
    assert error_lines(errors)[0][1] == (
        'Closed month 2026-01 has changed: entry 2026-01-20 * "Jane Doe" "Commission CTR-1" '
        "differs from the sealed books"
    )
    # So does a policy change that alters January's generated releases.
    books.write("revenue.yaml", "basis: monthly\n")
    _, errors, _ = books.load(HEADER + INVOICE)
    assert error_lines(errors)[0][1].startswith(
        "Closed month 2026-01 has changed: entry 2026-01-31"
    )


def test_removing_a_sealed_entry_names_it(books: Books, tmp_path: Path) -> None:
    _write_policies(books, "sealed:\n")
    path = books.write("main.beancount", HEADER + INVOICE)
    sealing.seal_month(books_module.load(str(path)), datetime.date(2026, 1, 1))
    without = (
        (HEADER + INVOICE).split("2026-01-20 *")[0] + "2026-02-10" + INVOICE.split("2026-02-10")[1]
    )
    _, errors, _ = books.load(without)
    # The commission and the capitalization it generated are both gone; the
    # first missing entry in date and description order is named.
    assert error_lines(errors)[0][1] == (
        'Closed month 2026-01 has changed: sealed entry 2026-01-20 * "Capitalize commission '
        'CTR-1" is missing'
    )
    assert error_lines(errors)[0][0] == 2  # the month's line in close.yaml


def test_with_seal_keeps_months_in_order_and_the_rest_of_the_file() -> None:
    text = "# policy\nsealed:\n  2026-03: " + "c" * 64 + "\nhygiene: true\n"
    updated = sealing.with_seal(text, "2026-01", "a" * 64)
    assert updated == (
        "# policy\nsealed:\n  2026-01: "
        + "a" * 64
        + "\n  2026-03: "
        + "c" * 64
        + "\nhygiene: true\n"
    )
    assert sealing.with_seal("hygiene: true\n", "2026-01", "b" * 64) == (
        "hygiene: true\nsealed:\n  2026-01: " + "b" * 64 + "\n"
    )


def _hand_written_close_policy(books: Books, tmp_path: Path) -> tuple[Path, str]:
    """Seals January, then writes close.yaml by hand around its seal; returns main and the seal."""
    _write_policies(books, "sealed: {}\n")
    path = books.write("main.beancount", HEADER + INVOICE)
    assert cli.main(["seal", str(path), "--month", "2026-01"]) == 0
    january = yaml.safe_load((tmp_path / "close.yaml").read_text())["sealed"]["2026-01"]
    books.write("close.yaml", CLOSE.format(january=january))
    assert loader.load_file(str(path))[1] == []
    return path, january


# A close policy as a controller edits it: comments, a quoted month, a field in flow style.
CLOSE = """\
# Close policy.
sealed:  # months closed
  # January: closed by the controller
  "2026-01": {january}  # reviewed
flux: {{amount: 100}}
"""


def test_sealing_a_sealed_month_again_on_unchanged_books_changes_no_byte(
    books: Books, tmp_path: Path
) -> None:
    # Review rev48: the books are those January was sealed on, so its seal is the
    # same digest and its line is kept as written, quotes and comment included.
    # Found: the line rewritten as `  2026-01: <seal>`, its `# reviewed` dropped.
    path, january = _hand_written_close_policy(books, tmp_path)
    before = (tmp_path / "close.yaml").read_text()
    assert cli.main(["seal", str(path), "--month", "2026-01"]) == 0
    assert (tmp_path / "close.yaml").read_text() == before
    # A changed seal replaces the month's line (at its indentation); the rest stays.
    assert sealing.with_seal(before, "2026-01", "b" * 64) == before.replace(
        f'"2026-01": {january}  # reviewed', "2026-01: " + "b" * 64
    )


def test_pin_sealing_keeps_comments_quoted_months_and_flow_fields(
    books: Books, tmp_path: Path
) -> None:
    """Pin (review rev48): `revclose seal` of February beside a hand-written January."""
    path, january = _hand_written_close_policy(books, tmp_path)
    assert cli.main(["seal", str(path), "--month", "2026-02"]) == 0
    written = (tmp_path / "close.yaml").read_text()
    february = yaml.safe_load(written)["sealed"]["2026-02"]
    assert written == (
        "# Close policy.\n"
        "sealed:  # months closed\n"
        "  # January: closed by the controller\n"
        f'  "2026-01": {january}  # reviewed\n'
        f"  2026-02: {february}\n"
        "flux: {amount: 100}\n"
    )


def test_a_new_month_goes_after_the_month_before_it_at_the_blocks_indentation() -> None:
    text = (
        "sealed:\n"
        "    2026-01: " + "a" * 64 + "  # q1\n"
        "    # March closed late\n"
        "    2026-03: " + "c" * 64 + "\n"
        "hygiene: true\n"
    )
    # February goes below January's line (line 2), four spaces in like the others;
    # January's comment and the comment above March stay where they are.
    assert sealing.with_seal(text, "2026-02", "b" * 64) == (
        "sealed:\n"
        "    2026-01: " + "a" * 64 + "  # q1\n"
        "    2026-02: " + "b" * 64 + "\n"
        "    # March closed late\n"
        "    2026-03: " + "c" * 64 + "\n"
        "hygiene: true\n"
    )


@pytest.mark.parametrize(
    "sealed",
    [
        # Two empty months have the same seal; the second names the first's anchor.
        "sealed:\n  2026-01: &empty {a}\n  2026-02: *empty\n",
        # The whole block under an anchor.
        "sealed: &closed\n  2026-01: {a}\n",
    ],
)
def test_sealing_refuses_aliases_and_anchors_under_sealed_at_its_line(sealed: str) -> None:
    # Review rev48: an alias's lines are those of its anchor, so the month lines
    # read from them do not exist where the alias is written. Refused at the line
    # of `sealed:` (line 2), whatever the month.
    text = "hygiene: true\n" + sealed.format(a="a" * 64)
    with pytest.raises(ValueError) as refused:
        sealing.with_seal(text, "2026-03", "c" * 64)
    assert str(refused.value) == (
        "close.yaml:2: cannot add 2026-03 to 'sealed' as written; write 'sealed:' as a block,"
        " one month a line ('  2026-01: <seal>'), without aliases; nothing sealed"
    )


def test_sealing_refuses_sealed_written_as_a_flow_mapping_and_writes_nothing(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Review rev46: sealing February must not reopen January written in flow style
    # (`sealed: {2026-01: <seal>}`, which the policy reads). Sealing edits `sealed:`
    # as a block only, so it refuses at the line of `sealed:` and writes nothing.
    _write_policies(books, "sealed:\n")
    path = books.write("main.beancount", HEADER + INVOICE)
    assert cli.main(["seal", str(path), "--month", "2026-01"]) == 0
    policy_path = tmp_path / "close.yaml"
    january = yaml.safe_load(policy_path.read_text())["sealed"]["2026-01"]
    flow = f"tie_outs: true\nsealed: {{2026-01: {january}}}  # closed\n"
    books.write("close.yaml", flow)
    _, errors, _ = loader.load_file(str(path))
    assert errors == []
    assert cli.main(["seal", str(path), "--month", "2026-02"]) == 2
    assert capsys.readouterr().err == (
        f"revclose: {policy_path}:2: cannot add 2026-02 to 'sealed' as written; write"
        " 'sealed:' as a block, one month a line ('  2026-01: <seal>'), without aliases;"
        " nothing sealed\n"
    )
    assert policy_path.read_text() == flow
    assert not (tmp_path / "seals" / "2026-02.txt").exists()
    # So January's seal still holds: the commission raised from 2,400.00 to
    # 2,500.00 (both sides, so the entry balances) breaks it.
    changed = (HEADER + INVOICE).replace("2400.00 USD", "2500.00 USD")
    _, errors, _ = books.load(changed)
    assert error_lines(errors)[0][1] == (
        'Closed month 2026-01 has changed: entry 2026-01-20 * "Jane Doe" "Commission CTR-1" '
        "differs from the sealed books"
    )


def test_a_policy_field_written_twice_is_an_error_at_the_second(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # YAML keeps the last of two equal keys: a second `sealed:` would reopen
    # every month the first holds, a second `amount:` would replace the first.
    # Each repeat is an error at its own line, naming the first; nothing is read.
    seal = "a" * 64
    _write_policies(
        books,
        f"sealed:\n  2026-01: {seal}\nflux:\n  amount: 100\n  amount: 200\nsealed: {{}}\n",
    )
    path = books.write("main.beancount", HEADER + INVOICE)
    _, errors, _ = loader.load_file(str(path))
    policy_path = str(tmp_path / "close.yaml")
    expected = "is written twice (first at line {}); expected each field once, as YAML keeps"
    assert [(error.source["filename"], *error_lines([error])[0]) for error in errors] == [
        (policy_path, 5, f"Field 'flux.amount' {expected.format(4)} only the last"),
        (policy_path, 6, f"Field 'sealed' {expected.format(1)} only the last"),
    ]
    # Sealing refuses such books and writes nothing; the seal writer on its own
    # refuses the text too, naming the first repeat.
    before = (tmp_path / "close.yaml").read_text()
    assert cli.main(["seal", str(path), "--month", "2026-02"]) == 1
    assert f"{policy_path}:6: Field 'sealed' is written twice" in capsys.readouterr().err
    assert (tmp_path / "close.yaml").read_text() == before
    assert not (tmp_path / "seals").exists()
    with pytest.raises(ValueError) as refused:
        sealing.with_seal(before, "2026-02", "b" * 64)
    # In the policy's own words, as bean-check says it.
    assert str(refused.value) == (
        f"close.yaml:5: Field 'flux.amount' {expected.format(4)} only the last; nothing sealed"
    )


def test_bad_close_policy_points_into_the_yaml(books: Books) -> None:
    _write_policies(books, "sealed:\n  2026-13: abc\n  2026-01: xyz\ntie_outs: maybe\n")
    _, errors, _ = books.load(HEADER + INVOICE)
    assert [(error.source["lineno"], error.message) for error in errors] == [
        (2, "Sealed month '2026-13' is not a month; expected YYYY-MM"),
        (3, "Seal of '2026-01' expected 64 hexadecimal digits, found 'xyz'"),
        (4, "Field 'tie_outs' expected true or false, found 'maybe'"),
    ]


USAGE_HEADER = """
plugin "plugins.deferred_revenue" "revenue.yaml"
plugin "plugins.usage_revenue" "usage.yaml"
plugin "plugins.close_controls" "close.yaml"
2026-01-01 open Assets:AccountsReceivable
2026-01-01 open Assets:UnbilledReceivables
2026-01-01 open Equity:Opening
2026-01-01 open Liabilities:DeferredRevenue:Credits
2026-01-01 open Income:Revenue:Credits
2026-01-01 open Income:Revenue:Usage
"""

# June: 100.00 of credit (12-month expiry); July: 130.00 of usage rated, of which
# the credit pays 100.00 and 30.00 is overage; August 3: the overage is invoiced.
USAGE_BOOKS = """
2026-06-10 * "Acme" "Invoice INV-1" ^INV-1
  invoice: "INV-1"
  customer: "CUS-1"
  Assets:AccountsReceivable  100.00 USD
  Liabilities:DeferredRevenue:Credits  -100.00 USD
    service_start: 2026-06-10
    service_end: 2027-06-10
    recognition: "usage"
    expires: 2027-06-10

2026-07-31 * "Acme" "Usage of 2026-07" #usage
  usage: "CUS-1/2026-07"
  customer: "CUS-1"
  service_start: 2026-07-01
  service_end: 2026-07-31
  Assets:UnbilledReceivables  130.00 USD
  Income:Revenue:Usage  -130.00 USD
    product: "gpu-hours"

2026-08-03 * "Acme" "Invoice INV-2" ^INV-2
  invoice: "INV-2"
  customer: "CUS-1"
  Assets:AccountsReceivable  30.00 USD
  Income:Revenue:Usage  -30.00 USD
    service_start: 2026-07-01
    service_end: 2026-07-31
    product: "gpu-hours"
"""


def _write_usage_policies(books: Books) -> None:
    _write_policies(books)
    books.write("usage.yaml", "")


def test_credit_draws_and_overage_tie_deferred_and_unbilled(books: Books) -> None:
    _write_usage_policies(books)
    entries, errors, _ = books.load(USAGE_HEADER + USAGE_BOOKS)
    assert errors == []
    # By hand: unbilled 130.00 accrued - 100.00 drawn from credit - 30.00 invoiced = 0;
    # the credit pack's deferred revenue: 100.00 billed - 100.00 drawn = 0.
    totals: dict[str, int] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", []):
            if posting.account in (
                "Assets:UnbilledReceivables",
                "Liabilities:DeferredRevenue:Credits",
            ):
                totals[posting.account] = totals.get(posting.account, 0) + int(
                    posting.units.number * 100
                )
    assert totals == {"Assets:UnbilledReceivables": 0, "Liabilities:DeferredRevenue:Credits": 0}


def test_unbilled_posting_outside_the_usage_subledger_fails(books: Books) -> None:
    _write_usage_policies(books)
    stray = """
2026-08-20 * "Manual accrual"
  Assets:UnbilledReceivables  12.34 USD
  Equity:Opening  -12.34 USD
"""
    text = USAGE_HEADER + USAGE_BOOKS + stray
    _, errors, _ = books.load(text)
    assert error_lines(errors) == [
        (
            line_of(text, "UnbilledReceivables  12.34"),
            "Unbilled receivables 'Assets:UnbilledReceivables' in USD does not tie at "
            "2026-08-31: general ledger 12.34, subledger 0.00, difference 12.34",
        )
    ]
