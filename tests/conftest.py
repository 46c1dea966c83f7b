"""Shared helpers: load a ledger written in a test, and read what the plugins made."""

from __future__ import annotations

import os
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from hypothesis import settings

from plugins import meta

# `make test` (CI) draws the property tests' examples from a fixed seed, so
# whether a change lands depends on the change, not on the draw; `make
# test-explore` draws new ones (HYPOTHESIS_PROFILE=explore) to look for cases.
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

Loaded = tuple[list[data.Directive], list[Any], dict[str, Any]]


class Books:
    """Writes ledgers (and their policy files) into a temporary folder and loads them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def load(self, ledger: str, name: str = "main.beancount") -> Loaded:
        path = self.write(name, ledger)
        entries, errors, options = loader.load_file(str(path))
        return entries, errors, options


@pytest.fixture
def books(tmp_path: Path) -> Books:
    return Books(tmp_path)


def generated(entries: list[data.Directive]) -> list[data.Transaction]:
    """Returns the entries the project's plugins generated, in date order."""
    return [e for e in entries if isinstance(e, data.Transaction) and meta.is_generated(e)]


def postings_of(entries: list[data.Directive], account: str) -> list[tuple[str, str]]:
    """Returns (date, amount) of the generated postings to `account`, in order."""
    return [
        (str(entry.date), str(posting.units))
        for entry in generated(entries)
        for posting in entry.postings
        if posting.account == account
    ]


def error_lines(errors: list[Any]) -> list[tuple[int, str]]:
    """Returns (line, message) of each error."""
    return [(error.source["lineno"], error.message) for error in errors]


def number(posting: data.Posting) -> Decimal:
    """Returns a booked posting's number (booking has filled every amount)."""
    assert posting.units is not None and isinstance(posting.units.number, Decimal)
    return posting.units.number


def currency(posting: data.Posting) -> str:
    """Returns a booked posting's currency."""
    assert posting.units is not None
    return str(posting.units.currency)


def line_of(text: str, needle: str) -> int:
    """Returns the line number of the first line containing `needle`, as Books writes it."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)
