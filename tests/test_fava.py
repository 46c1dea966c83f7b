"""The Fava pages, served by a real Fava on 127.0.0.1: every page answers and shows the
figures the report functions (the command line's) give for the same books, formatted
as Fava formats numbers; the time and account filters; ledger text shown as text."""

from __future__ import annotations

import datetime
import html.parser
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from beancount.core.display_context import Precision
from fava.application import create_app
from fava.core.number import get_locale_format

from plugins.schedule import add_months
from reports import books as books_module
from reports import (
    commissions,
    deferred_revenue,
    disaggregation,
    flux,
    package,
    period,
    review_list,
)
from reports import receivables as receivables_report
from reports.books import Books
from reports.table import Table
from revclose_fava import detail, grids, window
from revclose_fava.close import FLUX_COLUMNS
from revclose_fava.window import Span
from tests import fava_server
from tests.fava_server import DEMO, HOSTILE, HOSTILE_SLUG, PAGES, Server


@cache
def _demo_books(path: str) -> Books:
    return books_module.load(path)


@pytest.fixture(scope="module")
def fava() -> Server:
    # The test process loads the books while Fava starts, then Fava computes
    # every page while the tests compute the figures they expect.
    _demo_books(str(fava_server.start().demo))
    return fava_server.server()


@pytest.fixture(scope="module")
def demo(fava: Server) -> Books:
    return _demo_books(str(fava.demo))


def page(url: str) -> str:
    status, text = fava_server.fetch(url)
    assert status == 200, f"{url}: {status}\n{text[-2000:]}"
    return text


class _Tables(html.parser.HTMLParser):
    """Every table of a page, as rows of cell texts (links kept as (text, href))."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.hrefs: dict[str, list[str]] = {}
        self._cell: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
            if self._href is not None and data.strip():
                self.hrefs.setdefault(data.strip(), []).append(self._href)
                self._href = None


def tables(text: str) -> _Tables:
    parser = _Tables()
    parser.feed(text)
    return parser


def table_with(text: str, header: Sequence[str]) -> list[list[str]]:
    """Returns the body rows of the page's first table whose header row is `header`."""
    found = [rows[1:] for rows in tables(text).tables if rows and rows[0] == list(header)]
    assert found, f"no table with header {list(header)}"
    return found[0]


def fava_number(books: Books, number: Decimal, currency: str) -> str:
    """Formats a number as Fava does: the currency's most common precision, no locale."""
    context = books.options["dcontext"].ccontexts.get(currency)
    precision = context.get_fractional(Precision.MOST_COMMON) if context else None
    return get_locale_format(None, 2 if precision is None else precision)(number)


PLAIN = ("dso", "countback_dso")


def shown(books: Books, table: Table, columns: Sequence[str] | None = None) -> list[list[str]]:
    """Returns a report table's rows as a page shows them."""
    names = list(columns or table.columns)
    result = []
    for values in table.rows:
        row = dict(zip(table.columns, values, strict=True))
        cells = []
        for name in names:
            value = row[name]
            if value is None:
                cells.append("")
            elif isinstance(value, Decimal) and name not in PLAIN:
                cells.append(fava_number(books, value, str(row.get("currency") or "")))
            else:
                cells.append(str(value))
        result.append(cells)
    return result


def header(table: Table, columns: Sequence[str] | None = None) -> list[str]:
    return [grids.title_of(name) for name in columns or table.columns]


def month_of(books: Books) -> datetime.date:
    return books_module.latest_complete_month(books)


# Figures ---------------------------------------------------------------------


def test_revenue_page_shows_the_roll_forward_and_waterfall(fava: Server, demo: Books) -> None:
    month = month_of(demo)
    roll = deferred_revenue.rollforward(demo, month)
    fall = deferred_revenue.waterfall(demo, period.last_day(month))
    text = page(fava.url(DEMO, "RevcloseRevenue"))
    assert table_with(text, header(roll)) == shown(demo, roll)
    assert table_with(text, header(fall)) == shown(demo, fall)
    assert f"As of <strong>{period.last_day(month)}</strong>" in text


def test_revenue_page_shows_each_months_disaggregation(fava: Server, demo: Books) -> None:
    month = month_of(demo)
    months = [period.month_name(add_months(month, back)) for back in range(-11, 1)]
    first = disaggregation.disaggregation(demo, period.parse_month(months[0]))
    latest = disaggregation.disaggregation(demo, month)
    text = page(fava.url(DEMO, "RevcloseRevenue"))
    rows = table_with(text, ["product line", "currency", *months, "total"])
    on_page = {(row[0], row[1]): row[2:-1] for row in rows}
    for column, table in ((0, first), (-1, latest)):
        for by, key, _, currency, revenue in table.rows:
            if by == disaggregation.PRODUCT_LINE:
                assert on_page[(key, currency)][column] == fava_number(demo, revenue, currency)
    customers = table_with(text, ["customer", "name", "currency", *months, "total"])
    by_customer = {(row[0], row[2]): row[-2] for row in customers}
    for by, key, _, currency, revenue in latest.rows:
        if by == disaggregation.CUSTOMER and revenue:
            assert by_customer[(key, currency)] == fava_number(demo, revenue, currency)


def test_receivables_page_shows_aging_dso_unapplied_credits_open_invoices_and_flags(
    fava: Server, demo: Books
) -> None:
    month = month_of(demo)
    as_of = period.last_day(month)
    aging = receivables_report.aging(demo, as_of)
    unapplied = receivables_report.unapplied_cash(demo, as_of)
    credits = receivables_report.customer_credits(demo, as_of)
    invoices = receivables_report.open_invoices(demo, as_of)
    dso = receivables_report.dso(demo, month)
    review = review_list.review_list(demo, as_of)
    text = page(fava.url(DEMO, "RevcloseReceivables"))
    assert table_with(text, header(aging)) == shown(demo, aging)
    if unapplied.rows:
        assert table_with(text, header(unapplied)) == shown(demo, unapplied)
    assert table_with(text, header(credits)) == shown(demo, credits)
    assert table_with(text, header(invoices)) == shown(demo, invoices)
    assert review.rows, "the demo books have review flags standing"
    assert table_with(text, header(review)) == shown(demo, review)
    columns = ["month", *receivables_report.DSO_COLUMNS]
    rows = table_with(text, [grids.title_of(name) for name in columns])
    assert [row[1:] for row in rows if row[0] == period.month_name(month)] == shown(demo, dso)


def test_receivables_page_shows_each_customers_credit_tied_to_the_ledger(fava: Server) -> None:
    # Basalt Films BV's 420.00 credit of July 15 pays its invoice of August 6.
    text = page(fava.url(DEMO, "RevcloseReceivables", "?time=2026-07"))
    assert "Customer credits as of 2026-07-31" in text
    columns = ["customer", "name", "currency", "credit", "GL balance", "difference"]
    assert table_with(text, columns) == [
        ["CUS-0147", "Basalt Films BV", "USD", "420.00", "", ""],
        ["Total", "", "EUR", "0.00", "0.00", "0.00"],
        ["Total", "", "USD", "420.00", "420.00", "0.00"],
    ]


def test_each_open_invoice_links_to_its_entries_in_the_journal(fava: Server, demo: Books) -> None:
    invoices = receivables_report.open_invoices(demo, period.last_day(month_of(demo)))
    text = page(fava.url(DEMO, "RevcloseReceivables"))
    found = tables(text).hrefs
    for invoice in invoices.column("invoice")[:20]:
        link = f"/{DEMO}/journal/?filter=%5E{invoice}&amp;time=&amp;account="
        assert link.replace("&amp;", "&") in found[invoice]
    query = f"filter=%5E{invoice}&page=1&order=desc"
    status, journal = fava_server.get(f"{fava.base}/{DEMO}/api/journal_page?{query}")
    assert status == 200 and f"Invoice {invoice}" in journal


def test_commissions_page_shows_the_contract_cost_roll_forward(fava: Server, demo: Books) -> None:
    month = month_of(demo)
    roll = commissions.rollforward(demo, month)
    booked = detail.commissions_booked(demo, month, period.last_day(month))
    text = page(fava.url(DEMO, "RevcloseCommissions"))
    assert table_with(text, header(roll)) == shown(demo, roll)
    assert table_with(text, header(booked)) == shown(demo, booked)
    over_time = table_with(text, ["month", *header(roll)])
    assert [row[1:] for row in over_time if row[0] == period.month_name(month)] == shown(demo, roll)


def test_close_page_shows_each_control_and_the_flagged_fluxes(fava: Server, demo: Books) -> None:
    month = month_of(demo)
    limits, _ = flux.thresholds(demo)
    built = package.build(demo, month, limits)
    text = page(fava.url(DEMO, "RevcloseClose"))
    rows = table_with(text, ["control", "result", "figure"])
    assert rows == [[c.name, c.result, c.figure] for c in built.checks]
    matrix = table_with(text, ["control", period.month_name(month)])
    assert matrix[:-1] == [[c.name, c.result] for c in built.checks]
    flagged = Table("", flux.COLUMNS, flux.flagged(built.table("flux_analysis.csv")))
    assert flagged.rows
    assert table_with(text, header(flagged, FLUX_COLUMNS)) == shown(demo, flagged, FLUX_COLUMNS)


# Filters ---------------------------------------------------------------------


def test_a_time_filter_shows_the_close_of_each_of_its_months(fava: Server, demo: Books) -> None:
    month = month_of(demo)
    three = [period.month_name(add_months(month, back)) for back in (-2, -1, 0)]
    text = page(fava.url(DEMO, "RevcloseClose", f"?time={three[0]}+-+{three[2]}"))
    matrix = table_with(text, ["control", *three])
    assert matrix[-1][0] == "failed" and len(matrix[-1]) == 4
    for name in three:
        assert f"Flagged fluxes, {name} (over 10000.00 and 10%)" in text


def test_the_time_filter_sets_the_as_of_date_and_the_month(fava: Server, demo: Books) -> None:
    text = page(fava.url(DEMO, "RevcloseRevenue", "?time=2026-09"))
    assert "As of <strong>2026-09-30</strong>" in text
    roll = deferred_revenue.rollforward(demo, datetime.date(2026, 9, 1))
    assert table_with(text, header(roll)) == shown(demo, roll)
    text = page(fava.url(DEMO, "RevcloseReceivables", "?time=2026-09-01+-+2026-09-15"))
    aging = receivables_report.aging(demo, datetime.date(2026, 9, 15))
    assert table_with(text, header(aging)) == shown(demo, aging)


def test_the_account_filter_narrows_the_rows_with_an_account(fava: Server, demo: Books) -> None:
    text = page(fava.url(DEMO, "RevcloseRevenue", "?account=Subscriptions"))
    roll = deferred_revenue.rollforward(demo, month_of(demo))
    expected = [row for row in shown(demo, roll) if row[0].endswith(":Subscriptions")]
    assert expected and table_with(text, header(roll)) == expected
    accounts = {row[0] for row in table_with(text, ["product line", *_months_header(demo)])}
    assert accounts == {"Income:Revenue:Subscriptions"}


def _months_header(books: Books) -> list[str]:
    month = month_of(books)
    months = [period.month_name(add_months(month, back)) for back in range(-11, 1)]
    return ["currency", *months, "total"]


def test_the_receivables_page_says_it_ignores_the_account_filter(fava: Server) -> None:
    text = page(fava.url(DEMO, "RevcloseReceivables", "?account=Subscriptions"))
    assert "Not applied on this page: account filter." in text


# Ledger text is data ---------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_customer_named_like_a_script_shows_as_text(fava: Server, name: str) -> None:
    text = page(fava.url(HOSTILE_SLUG, name))
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "onerror=" not in text.replace("onerror=&#34;", "").replace("onerror=&#39;", "")
    assert "\\u003cscript\\u003e" in text or "svelte-component" not in text


# The window rule -------------------------------------------------------------

SPAN = Span(datetime.date(2024, 11, 1), datetime.date(2026, 10, 31), datetime.date(2026, 10, 31))


def firsts(*names: str) -> tuple[datetime.date, ...]:
    return tuple(period.parse_month(name) for name in names)


def test_without_a_time_filter_the_window_is_the_latest_complete_month_and_a_year() -> None:
    shown_window = window.window(SPAN)
    assert shown_window.as_of == datetime.date(2026, 10, 31)
    assert shown_window.months[0] == datetime.date(2025, 11, 1) and len(shown_window.months) == 12
    assert not shown_window.filtered


def test_a_time_filter_ends_the_window_at_its_last_day() -> None:
    shown_window = window.window(SPAN, datetime.date(2026, 7, 1), datetime.date(2026, 10, 1))
    assert shown_window.as_of == datetime.date(2026, 9, 30)
    assert shown_window.months == firsts("2026-07", "2026-08", "2026-09")


def test_a_time_filter_past_the_books_stops_at_their_last_transaction() -> None:
    shown_window = window.window(SPAN, datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
    assert shown_window.as_of == datetime.date(2026, 10, 31)
    assert shown_window.months[0] == datetime.date(2026, 1, 1) and len(shown_window.months) == 10


def test_a_time_filter_after_the_books_keeps_its_own_last_day() -> None:
    shown_window = window.window(SPAN, datetime.date(2027, 1, 1), datetime.date(2028, 1, 1))
    assert shown_window.as_of == datetime.date(2027, 12, 31)
    assert shown_window.months[0] == datetime.date(2027, 1, 1) and len(shown_window.months) == 12


def test_a_long_time_filter_shows_its_latest_twelve_months_not_before_the_books() -> None:
    shown_window = window.window(SPAN, datetime.date(2020, 1, 1), datetime.date(2026, 7, 1))
    assert shown_window.as_of == datetime.date(2026, 6, 30)
    assert shown_window.months[0] == datetime.date(2025, 7, 1) and len(shown_window.months) == 12
    early = window.window(SPAN, datetime.date(2020, 1, 1), datetime.date(2025, 2, 1))
    assert early.months == firsts("2024-11", "2024-12", "2025-01")


def test_a_total_row_of_a_linked_column_links_to_nothing() -> None:
    # Unapplied cash links each receipt to its journal; its Total row is no receipt.
    table = Table("Unapplied cash", ("receipt", "currency", "unapplied"), [
        ["R-1", "USD", Decimal("10.00")],
        ["Total", "USD", Decimal("10.00")],
    ])  # fmt: skip
    shown = grids.grid(table, kinds={"receipt": grids.LINK})
    assert [row.cells[0].kind for row in shown.rows] == [grids.LINK, grids.TEXT]


def test_the_account_filter_matches_as_favas_does() -> None:
    keep = grids.account_filter("Subscriptions")
    assert keep("Income:Revenue:Subscriptions") and not keep("Income:Revenue:Usage")
    assert grids.account_filter("^Liabilities")("Liabilities:DeferredRevenue:Services")
    assert grids.account_filter("")("Anything")


# Every page ------------------------------------------------------------------


@pytest.mark.parametrize("slug", [DEMO, HOSTILE_SLUG])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers(fava: Server, slug: str, name: str) -> None:
    text = page(fava.url(slug, name))
    assert '<div class="revclose" id="revclose-' in text
    assert "Traceback" not in text


def test_the_sidebar_lists_the_four_pages(fava: Server) -> None:
    text = page(fava.url(DEMO, "RevcloseRevenue"))
    for name, title in zip(PAGES, ("Revenue", "Receivables", "Commissions", "Close"), strict=True):
        details = f'{{"has_js_module":false,"name":"{name}","report_title":"{title}"}}'
        assert details in text


# Edge cases, served in-process by Fava's own application ----------------------


def _served(tmp_path: Path, ledger: str, name: str, query: str = "") -> str:
    path = tmp_path / "main.beancount"
    path.write_text(textwrap.dedent(ledger).lstrip(), encoding="utf-8")
    client = create_app([str(path)], load=True).test_client()
    response = client.get(f"/edge/extension/{name}/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_books_without_transactions_say_there_is_nothing_to_report(tmp_path: Path) -> None:
    ledger = f"""
        option "title" "Edge"
        2026-01-01 {fava_server.EXTENSION}
        2026-01-01 open Assets:Bank:Operating USD
    """
    for name in PAGES:
        assert "The books have no transactions yet" in _served(tmp_path, ledger, name)


def test_books_with_errors_say_the_close_refuses_them(tmp_path: Path) -> None:
    ledger = f"""
        option "title" "Edge"
        2026-01-01 {fava_server.EXTENSION}
        2026-01-01 open Assets:Bank:Operating USD
        2026-01-31 * "Bank" "Fees"
          Assets:Bank:Operating  -1.00 USD
          Expenses:BankFees       1.00 USD
    """
    text = _served(tmp_path, ledger, "RevcloseClose")
    assert "The books have 1 bean-check error:" in text
    assert table_with(text, ["control", "2026-01"])[0] == ["bean-check errors", "FAIL"]


def _aging_names(tmp_path: Path, ledger: str, query: str, as_of: str) -> dict[str, str]:
    """Returns the name the aging of the receivables page as of `as_of` gives each customer."""
    page = _served(tmp_path, ledger, "RevcloseReceivables", query)
    assert f"As of <strong>{as_of}</strong>" in page
    columns = [grids.title_of(name) for name in receivables_report.AGING_COLUMNS]
    return {row[0]: row[1] for row in table_with(page, columns)}


# CUS-1 is billed as "Acme" in January (its only revenue) and renamed by its
# `custom "customer"` directive on Feb 15; CUS-2 is billed in March. The time
# filter January to March ends the window at the last typed transaction,
# Mar 10: the as-of date of every page (`revclose_fava.window`).
RENAMED = f"""
    option "title" "Edge"
    option "operating_currency" "USD"
    plugin "plugins.ar_reconciliation" "ar.yaml"
    2025-01-01 {fava_server.EXTENSION}
    2025-01-01 open Assets:AccountsReceivable
    2025-01-01 open Assets:Bank:Operating
    2025-01-01 open Income:Revenue:Services
    2025-01-01 open Liabilities:UnappliedCash
    2025-01-01 open Liabilities:CustomerCredits

    2026-01-10 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      due: 2026-02-09
      Assets:AccountsReceivable  100.00 USD
      Income:Revenue:Services  -100.00 USD

    2026-02-15 custom "customer" "CUS-1" "Acme Robotics"

    2026-03-10 * "Beta" "Invoice INV-2" ^INV-2
      invoice: "INV-2"
      customer: "CUS-2"
      due: 2026-04-09
      Assets:AccountsReceivable  50.00 USD
      Income:Revenue:Services  -50.00 USD
"""


def test_every_page_of_a_window_names_its_customers_as_of_the_windows_date(
    tmp_path: Path,
) -> None:
    (tmp_path / "ar.yaml").write_text("tolerance: {USD: 1.00}\n", encoding="utf-8")
    query = "?time=2026-01+-+2026-03"
    # The aging as of Mar 10: CUS-1 owes INV-1 100.00 (billed Jan 10, due
    # Feb 9: 29 days past due); its directive (Feb 15, on or before Mar 10)
    # names it "Acme Robotics".
    aging = _aging_names(tmp_path, RENAMED, query, "2026-03-10")
    assert aging["CUS-1"] == "Acme Robotics"
    # The revenue page of the same window names every customer as of Mar 10
    # too: CUS-1's revenue 100.00 (January), 0.00 + 100.00 = 100.00 in all,
    # under the same name; CUS-2's 50.00 (March), named "Beta" by INV-2
    # (Mar 10). (Review rev41 found CUS-1 named "Acme", as of January, the
    # last month of the window in which it had revenue, while CUS-2 was named
    # as of March: one grid naming customers at different dates.)
    revenue_page = _served(tmp_path, RENAMED, "RevcloseRevenue", query)
    months = ["2026-01", "2026-02", "2026-03"]
    rows = table_with(revenue_page, ["customer", "name", "currency", *months, "total"])
    by_customer = {row[0]: (row[1], row[-1]) for row in rows}
    assert by_customer == {"CUS-1": ("Acme Robotics", "100.00"), "CUS-2": ("Beta", "50.00")}


# CTR-1 is CUS-1's contract, billed as "Acme" on Jan 5; the commission on it
# is booked Mar 10; CUS-1's directive renames it "Acme Robotics" on Mar 20,
# after the window's date: the time filter Mar 1 to Mar 15 ends the window
# on Mar 15 (the books go on to Mar 25).
RENAMED_LATER = (
    textwrap.dedent(f"""
    option "title" "Edge"
    option "operating_currency" "USD"
    plugin "plugins.ar_reconciliation" "ar.yaml"
    plugin "plugins.deferred_revenue"
    plugin "plugins.commissions" "commissions.yaml"
    2026-01-01 {fava_server.EXTENSION}
    """)
    + fava_server.subscription_opening("CUS-1")
    + textwrap.dedent("""
    2026-01-05 * "Acme" "Invoice INV-1" ^INV-1
      invoice: "INV-1"
      customer: "CUS-1"
      contract: "CTR-1"
      due: 2026-02-04
      Assets:AccountsReceivable                  2400.00 USD
      Liabilities:DeferredRevenue:Subscriptions -2400.00 USD
        service_start: 2026-01-05
        service_end: 2028-01-04

    2026-03-10 * "Sales" "Commission CTR-1" ^CTR-1
      Expenses:Commissions            240.00 USD
        contract: "CTR-1"
      Liabilities:CommissionsPayable -240.00 USD

    2026-03-20 custom "customer" "CUS-1" "Acme Robotics"

    2026-03-25 * "Bank" "Fees"
      Expenses:BankFees          1.00 USD
      Assets:Bank:Operating     -1.00 USD
    """)
)


def test_the_commissions_booked_name_their_customers_as_of_the_windows_date(
    tmp_path: Path,
) -> None:
    (tmp_path / "ar.yaml").write_text("tolerance: {USD: 1.00}\n", encoding="utf-8")
    (tmp_path / "commissions.yaml").write_text(
        "amortization_account: Expenses:Commissions:Amortization\n", encoding="utf-8"
    )
    query = "?time=2026-03-01+-+2026-03-15"
    # As of Mar 15, CUS-1 owes INV-1 2400.00 and is named by INV-1's payee,
    # "Acme": its directive (Mar 20) does not count yet.
    aging = _aging_names(tmp_path, RENAMED_LATER, query, "2026-03-15")
    assert aging["CUS-1"] == "Acme"
    # The commissions page lists March's commission on CTR-1 (240.00, Mar
    # 10) under the same name, as of Mar 15. (Named as of the month's end,
    # Mar 31, it read "Acme Robotics" beside the aging's "Acme".)
    commissions_page = _served(tmp_path, RENAMED_LATER, "RevcloseCommissions", query)
    booked = table_with(commissions_page, [grids.title_of(name) for name in detail.COLUMNS])
    assert [(row[1], row[2], row[3], row[6]) for row in booked] == [
        ("CTR-1", "CUS-1", "Acme", "240.00")
    ]
