"""The books of one load of a Fava ledger, and the report tables computed on them.

Fava loads the ledger with every plugin, as bean-check does; the pages read
the same entries as `reports.books.Books`, so a page and `revclose` compute
their figures with the same functions on the same books. A report's table is
computed once per load and reused until Fava reloads the ledger (a file
changed): the reports do not depend on anything else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from beancount.core import data
from fava.core import FavaLedger

from plugins import meta
from reports import books as books_module
from reports import period
from reports.books import Books
from revclose_fava.window import Span

T = TypeVar("T")


class Loaded:
    """One load of the books, with the report results computed on it so far."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self._results: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self.span = _span(books)

    def run(self, report: Callable[..., T], *args: Hashable) -> T:
        """Returns `report(books, *args)`, computed once per load."""
        key = (report.__module__, report.__qualname__, args)
        return self.remember(key, lambda: report(self.books, *args))

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Returns `compute()`, computed once per load for `key`.

        Fava serves requests from several threads: a second request for the
        same result waits for the first rather than computing it again.
        """
        with self._guard:
            if key in self._results:
                return self._results[key]  # type: ignore[no-any-return]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._results:
                    return self._results[key]  # type: ignore[no-any-return]
            result = compute()
            with self._guard:
                self._results[key] = result
        return result


def _span(books: Books) -> Span | None:
    """Returns what the typed books cover; None when they have no transaction."""
    dates = [
        entry.date
        for entry in books.entries
        if isinstance(entry, data.Transaction) and not meta.is_generated(entry)
    ]
    if not dates:
        return None
    complete = period.last_day(books_module.latest_complete_month(books))
    return Span(min(dates), max(dates), complete)


_LOADS: dict[int, tuple[object, Loaded]] = {}
_LOADS_GUARD = threading.Lock()


def loaded(ledger: FavaLedger) -> Loaded:
    """Returns the books of the ledger's current load (a new load after Fava reloads)."""
    entries = ledger.all_entries
    with _LOADS_GUARD:
        known = _LOADS.get(id(ledger))
        if known is not None and known[0] is entries:
            return known[1]
    books = Books(
        path=ledger.beancount_file_path,
        # Fava's entries are Beancount's own directives, typed by Fava as protocols.
        entries=cast("list[data.Directive]", list(entries)),
        errors=list(ledger.load_errors),
        options=dict(ledger.options),
    )
    fresh = Loaded(books)
    with _LOADS_GUARD:
        _LOADS[id(ledger)] = (entries, fresh)
    return fresh
