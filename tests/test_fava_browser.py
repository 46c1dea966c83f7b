"""Every page in a real headless Chromium: no console errors, Fava's charts drawn, a
screenshot each under test-artifacts/fava/; a customer named like a script stays text."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests import chromium, fava_server
from tests.fava_server import DEMO, HOSTILE, HOSTILE_SLUG, PAGES, ROOT, Server

ARTIFACTS = ROOT / "test-artifacts" / "fava"

# A page is ready when its content is in Fava's article and every Fava chart
# component has drawn (or failed, which the test then reports).
READY = (
    "document.querySelector('article .revclose') && [...document.querySelectorAll("
    "'article svelte-component')].every(e => e.querySelector('svg')"
    " || e.classList.contains('error'))"
)


@pytest.fixture(scope="module")
def fava() -> Server:
    return fava_server.server()


@pytest.fixture(scope="module")
def tab() -> Iterator[chromium.Page]:
    if chromium.executable() is None:
        subprocess.run(["sh", str(ROOT / "tests" / "browser_setup.sh")], check=True)
    with chromium.browser() as browser:
        yield browser.page()


def visit(tab: chromium.Page, url: str) -> None:
    tab.problems.clear()
    tab.open(url, READY)


@pytest.mark.parametrize("slug", [DEMO, HOSTILE_SLUG])
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_console_errors(
    fava: Server, tab: chromium.Page, slug: str, name: str
) -> None:
    visit(tab, fava.url(slug, name))
    tab.screenshot(ARTIFACTS / f"{slug}-{name}.png")
    assert tab.problems.console == []
    assert tab.problems.dialogs == []
    assert tab.evaluate("document.querySelectorAll('article svelte-component.error').length") == 0
    if name != "RevcloseClose":  # the close page is tables only
        assert tab.evaluate("document.querySelectorAll('article svg').length") > 0
    if slug == HOSTILE_SLUG:
        # Its customer is named <script>alert(1)</script>: no dialog opened
        # (checked above), the name is on the page as text, and the page's only
        # scripts are the JSON data of Fava's charts.
        assert tab.evaluate(f"document.querySelector('article').innerText.includes({HOSTILE!r})")
        assert tab.evaluate(
            "[...document.querySelectorAll('article script')]"
            ".every(s => s.type === 'application/json')"
        )
        assert tab.evaluate("document.querySelectorAll('article img').length") == 0


def test_the_receivables_page_shows_a_customers_credit(fava: Server, tab: chromium.Page) -> None:
    # Basalt Films BV's 420.00 credit of July 15 pays its invoice of August 6.
    visit(tab, fava.url(DEMO, "RevcloseReceivables", "?time=2026-07"))
    tab.screenshot(ARTIFACTS / f"{DEMO}-RevcloseReceivables-2026-07.png")
    text = tab.evaluate("document.querySelector('article').innerText")
    assert "Customer credits as of 2026-07-31" in text and "Basalt Films BV" in text
    assert tab.problems.console == []


def test_the_sidebar_opens_the_pages_inside_favas_app(fava: Server, tab: chromium.Page) -> None:
    visit(tab, fava.url(DEMO, "RevcloseRevenue"))
    for name, page_id in (("RevcloseReceivables", "receivables"), ("RevcloseClose", "close")):
        tab.evaluate(f"document.querySelector('aside a[href$=\"/extension/{name}/\"]').click()")
        tab.open_wait(f"document.querySelector('#revclose-{page_id}') && ({READY})")
        assert tab.problems.console == []
    tab.screenshot(ARTIFACTS / f"{DEMO}-navigated-close.png")


def test_an_open_invoice_opens_its_entries_in_the_journal(fava: Server, tab: chromium.Page) -> None:
    visit(tab, fava.url(DEMO, "RevcloseReceivables"))
    invoice = tab.evaluate(
        "(() => { const a = document.querySelector('a[href*=\"journal/?filter=%5EINV-\"]');"
        " a.click(); return a.textContent; })()"
    )
    tab.open_wait(
        f"location.pathname.endsWith('/journal/') && document.querySelector('article')"
        f".innerText.includes('Invoice {invoice}')"
    )
    assert tab.evaluate("new URLSearchParams(location.search).get('filter')") == f"^{invoice}"
    assert tab.problems.console == []
    tab.screenshot(ARTIFACTS / f"{DEMO}-invoice-journal.png")
