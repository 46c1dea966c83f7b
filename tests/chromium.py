"""A headless Chromium driven through its DevTools protocol over a pipe (no extra packages).

Chromium started with `--remote-debugging-pipe` reads protocol messages on
file descriptor 3 and writes its answers and events on 4, each a JSON text
ended by a NUL byte. `Browser.page` opens a tab that records console errors,
uncaught exceptions, failed loads and JavaScript dialogs (dismissing them).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def executable() -> str | None:
    """Returns Chromium's path, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _high(fd: int) -> int:
    """Returns a copy of a descriptor numbered 10 or more (closed on exec), closing the original."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


@dataclass
class Problems:
    """What went wrong on a page: console errors, exceptions, failed loads, dialogs."""

    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clear(self) -> None:
        """Forgets what was recorded."""
        self.console.clear()
        self.dialogs.clear()


class Browser:
    """One Chromium process; `call` sends a command and waits for its answer."""

    def __init__(self, path: str, profile: str) -> None:
        # Keep the pipes away from descriptors 3 and 4, so that putting them
        # there in the child never overwrites one with the other.
        commands_read, self._commands = (_high(fd) for fd in os.pipe())
        self._answers, answers_write = (_high(fd) for fd in os.pipe())

        def plumb() -> None:
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self.process = subprocess.Popen(
            [path, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=plumb,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._next = 0
        self._waiting: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._answers, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                with self._lock:
                    waiting = self._waiting.pop(message["id"], None) if "id" in message else None
                if waiting is not None:
                    waiting.put(message)
                else:
                    self.events.put(message)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Sends a command and returns its result.

        Raises:
          RuntimeError: if Chromium answers with an error or not within 30 seconds.
        """
        answer: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._next += 1
            number = self._next
            self._waiting[number] = answer
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        try:
            reply = answer.get(timeout=30)
        except queue.Empty as error:
            raise RuntimeError(f"Chromium did not answer {method}") from error
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def close(self) -> None:
        """Stops Chromium."""
        with suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._answers)

    def page(self, width: int = 1400, height: int = 900) -> Page:
        """Opens a tab that records its problems."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        tab = Page(self, session, width, height)
        tab.resize(height)
        return tab


class Page:
    """A tab: navigate, evaluate, screenshot; `problems` collects what went wrong."""

    def __init__(self, browser: Browser, session: str, width: int, height: int) -> None:
        self.browser = browser
        self.session = session
        self.width = width
        self.height = height
        self.problems = Problems()

    def resize(self, height: int) -> None:
        """Sets the height of the window (its width stays)."""
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            self.session,
            width=self.width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _drain(self, until: str | None = None, timeout: float = 0.0) -> bool:
        """Handles events until one named `until` arrives (True) or the time is up."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                event = self.browser.events.get(timeout=max(left, 0.01))
            except queue.Empty:
                if left <= 0:
                    return False
                continue
            if event.get("sessionId") != self.session:
                continue
            self._record(event)
            if until is not None and event.get("method") == until:
                return True

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params["args"]]
            self.problems.console.append("console.error: " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.problems.console.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.problems.console.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Page.javascriptDialogOpening":
            self.problems.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            threading.Thread(
                target=self.browser.call,
                args=("Page.handleJavaScriptDialog", self.session),
                kwargs={"accept": False},
                daemon=True,
            ).start()

    def evaluate(self, expression: str) -> Any:
        """Returns the value of a JavaScript expression in the page."""
        result = self.browser.call(
            "Runtime.evaluate",
            self.session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, ready: str, timeout: float = 20.0) -> None:
        """Loads a URL and waits until the JavaScript expression `ready` is true.

        Raises:
          TimeoutError: if the page is not ready in time.
        """
        self.resize(self.height)
        self.browser.call("Page.navigate", self.session, url=url)
        self._drain("Page.loadEventFired", timeout)
        self.open_wait(ready, timeout)

    def open_wait(self, ready: str, timeout: float = 20.0) -> None:
        """Waits until the JavaScript expression `ready` is true, recording problems meanwhile.

        Raises:
          TimeoutError: if it is not true in time.
        """
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({ready})"):
            self._drain(timeout=0.1)
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {ready}")
        self._drain(timeout=0.3)

    def screenshot(self, path: Path) -> None:
        """Saves the whole page (every part of Fava's scrolling article) as PNG."""
        self.resize(self.height)
        height = int(
            self.evaluate(
                "Math.max(document.body.scrollHeight,"
                " (document.querySelector('article') || document.body).scrollHeight + 60)"
            )
        )
        self.resize(min(height, 12000))
        self._drain(timeout=0.3)
        shot = self.browser.call(
            "Page.captureScreenshot", self.session, format="png", optimizeForSpeed=True
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@contextmanager
def browser() -> Iterator[Browser]:
    """Starts a headless Chromium with a new profile; stops it and removes the profile after.

    Raises:
      FileNotFoundError: if Chromium is not installed.
    """
    path = executable()
    if path is None:
        raise FileNotFoundError("chromium is not installed; run tests/browser_setup.sh")
    with tempfile.TemporaryDirectory(prefix="revclose-chromium-") as profile:
        running = Browser(path, profile)
        try:
            yield running
        finally:
            running.close()
