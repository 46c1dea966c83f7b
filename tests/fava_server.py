"""A real Fava server on 127.0.0.1 for the page tests, serving two ledgers.

- the demo company, as `ledger/main.beancount` declares it, with the
  extension line added (in a temporary folder whose `ledger/` links to the
  demo's files, so the plugins' relative policy paths resolve as in the demo);
- a small ledger whose customer, payee and narration are HTML and script, to
  check that the pages show ledger text as text.

One server is started for the whole test session, on first use, and stopped
when the tests end; both test files (HTTP and browser) share it.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = 'custom "fava-extension" "revclose_fava"'
EXTENSION_LINE = f"2024-11-01 {EXTENSION}\n"
PAGES = ("RevcloseRevenue", "RevcloseReceivables", "RevcloseCommissions", "RevcloseClose")
DEMO = "kestrel-ai"
HOSTILE_SLUG = "hostile-names"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_NARRATION = '<img src=x onerror="alert(2)">'


def subscription_opening(customer: str) -> str:
    """The accounts of subscription books (Jan 1, 2026) and `customer`'s two-year contract CTR-1."""
    return f"""2026-01-01 open Assets:Bank:Operating USD
2026-01-01 open Assets:AccountsReceivable USD
2026-01-01 open Liabilities:DeferredRevenue:Subscriptions USD
2026-01-01 open Income:Revenue:Subscriptions USD
2026-01-01 open Liabilities:UnappliedCash USD
2026-01-01 open Expenses:Commissions USD
2026-01-01 open Liabilities:CommissionsPayable USD
2026-01-01 open Expenses:BankFees USD

2026-01-05 custom "contract" "CTR-1"
  customer: "{customer}"
  start: 2026-01-05
  end: 2028-01-04
"""


HOSTILE_LEDGER = f"""
option "title" "Hostile names"
option "operating_currency" "USD"
plugin "plugins.deferred_revenue"
plugin "plugins.commissions" "commissions.yaml"
plugin "plugins.close_controls" "close.yaml"
2026-01-01 {EXTENSION}

{subscription_opening(HOSTILE)}
2026-01-05 * "{HOSTILE}" "Invoice INV-1 {HOSTILE_NARRATION.replace('"', "'")}" ^INV-1
  invoice: "INV-1"
  customer: "{HOSTILE}"
  contract: "CTR-1"
  due: 2026-01-20
  Assets:AccountsReceivable                  2400.00 USD
  Liabilities:DeferredRevenue:Subscriptions -2400.00 USD
    service_start: 2026-01-05
    service_end: 2028-01-04

2026-03-10 * "{HOSTILE}" "Commission CTR-1" ^CTR-1
  Expenses:Commissions            240.00 USD
    contract: "CTR-1"
  Liabilities:CommissionsPayable -240.00 USD

2026-02-03 * "{HOSTILE}" "Wire {HOSTILE}"
  receipt: "RCPT-1"
  customer: "{HOSTILE}"
  Assets:Bank:Operating      500.00 USD
  Liabilities:UnappliedCash -500.00 USD

2026-03-31 * "Bank" "Fees"
  Expenses:BankFees          1.00 USD
  Assets:Bank:Operating     -1.00 USD
"""


def demo_ledger(folder: Path) -> Path:
    """Writes the demo's main file, with the extension declared, beside links to its files."""
    ledger = folder / "ledger"
    ledger.mkdir(parents=True)
    (folder / "config").symlink_to(ROOT / "config")
    for item in sorted((ROOT / "ledger").iterdir()):
        if item.name != "main.beancount":
            (ledger / item.name).symlink_to(item)
    text = (ROOT / "ledger" / "main.beancount").read_text(encoding="utf-8")
    if EXTENSION not in text:
        text += "\n" + EXTENSION_LINE
    main = ledger / "main.beancount"
    main.write_text(text, encoding="utf-8")
    return main


def hostile_ledger(folder: Path) -> Path:
    """Writes the small ledger whose names are markup, with its policy files."""
    folder.mkdir(parents=True)
    (folder / "commissions.yaml").write_text(
        "amortization_account: Expenses:Commissions:Amortization\n", encoding="utf-8"
    )
    (folder / "close.yaml").write_text("flux:\n  amount: 100\n  percent: 10\n", encoding="utf-8")
    main = folder / "main.beancount"
    main.write_text(textwrap.dedent(HOSTILE_LEDGER).lstrip(), encoding="utf-8")
    return main


def free_port() -> int:
    """Returns a TCP port of 127.0.0.1 that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    """Returns the status and text of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@dataclass(frozen=True)
class Server:
    """A running Fava: its base URL and the ledger files it serves."""

    base: str
    demo: Path
    hostile: Path

    def url(self, slug: str, page: str, query: str = "") -> str:
        """Returns the URL of an extension page of a ledger."""
        return f"{self.base}/{slug}/extension/{page}/{query}"


_STARTED: list[tuple[Server, subprocess.Popen[bytes], Path]] = []
_READY: list[Server] = []
# One page at a time, in order: Fava computes with one core (the GIL) anyway.
_POOL = ThreadPoolExecutor(max_workers=1)
_FETCHED: dict[str, Future[tuple[int, str]]] = {}
_GUARD = threading.Lock()


def start() -> Server:
    """Starts the session's Fava server (once) and returns without waiting for it."""
    with _GUARD:
        if _STARTED:
            return _STARTED[0][0]
        folder = Path(tempfile.mkdtemp(prefix="revclose-fava-"))
        demo, hostile = demo_ledger(folder / "demo"), hostile_ledger(folder / "hostile")
        port = free_port()
        fava = Path(sys.executable).parent / "fava"
        log = folder / "fava.log"
        with log.open("w") as stream:
            process = subprocess.Popen(
                [str(fava), "--host", "127.0.0.1", "--port", str(port), str(demo), str(hostile)],
                stdout=stream,
                stderr=subprocess.STDOUT,
            )
        atexit.register(_stop, process)
        running = Server(f"http://127.0.0.1:{port}", demo, hostile)
        _STARTED.append((running, process, log))
        return running


def server() -> Server:
    """Returns the session's Fava server once it answers, and asks it for every page.

    The pages are fetched in the background (`fetch` returns them), so that the
    server computes them while the tests compute the figures they expect.

    Raises:
      RuntimeError: if Fava exits or does not answer within a minute.
    """
    if _READY:
        return _READY[0]
    running = start()
    _, process, log = _STARTED[0]
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Fava exited: {log.read_text()}")
        try:
            if get(f"{running.base}/{DEMO}/api/changed", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Fava did not answer within a minute")
        time.sleep(0.2)
    for slug in (DEMO, HOSTILE_SLUG):
        for page in PAGES:
            prefetch(running.url(slug, page))
    _READY.append(running)
    return running


def prefetch(url: str) -> Future[tuple[int, str]]:
    """Starts a GET of `url` in the background, once per URL."""
    with _GUARD:
        if url not in _FETCHED:
            _FETCHED[url] = _POOL.submit(get, url)
        return _FETCHED[url]


def fetch(url: str) -> tuple[int, str]:
    """Returns the status and text of a page, fetched once per URL."""
    return prefetch(url).result()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
