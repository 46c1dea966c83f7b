"""An import refuses to write a ledger file that `main.beancount` does not include.

Every id under the ledger folder counts as imported, so entries written
where no include reaches would be out of the books for good.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from beancount import loader

from importers import sources
from importers.source import SourceImporter
from tests.importing import failure, run, tree
from tests.test_bank_importers import CONFIG, document

OPENS = (
    "2026-01-01 open Assets:Bank:US:Operating USD\n"
    "2026-01-01 open Expenses:Unreconciled USD\n"
    "2026-01-01 open Liabilities:UnappliedCash USD\n"
)


@pytest.fixture
def importers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[SourceImporter]:
    """The bank importer of the bank tests, in a folder with documents/bank/ and ledger/."""
    for folder in ("documents/bank", "ledger"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    document("bank/2026-03.csv", "W-1,03/02/2026,Acme,Wire,250.00,")
    return sources.load(Path("importers.yaml"))


def test_a_file_main_does_not_include_is_refused_and_nothing_written(
    importers: list[SourceImporter],
) -> None:
    Path("ledger/main.beancount").write_text(OPENS + 'include "usage/*.beancount"\n')
    before = tree(Path("ledger"))
    assert failure(importers) == (
        "ledger/bank/2026-03.beancount: is not included by ledger/main.beancount, so its "
        'entries would not be in the books; expected a line `include "bank/*.beancount"` '
        "in ledger/main.beancount"
    )
    assert tree(Path("ledger")) == before


def test_the_include_line_the_problem_names_lets_the_import_through(
    importers: list[SourceImporter],
) -> None:
    # The include may sit in a file main includes, as Beancount follows it.
    Path("ledger/main.beancount").write_text(OPENS + 'include "sources.beancount"\n')
    Path("ledger/sources.beancount").write_text('include "bank/*.beancount"\n')
    done = run(importers)
    assert done.added == {Path("ledger/bank/2026-03.beancount"): 1}
    entries, errors, _ = loader.load_file("ledger/main.beancount")
    assert errors == []
    assert [
        str(posting.units) for entry in entries for posting in getattr(entry, "postings", [])
    ] == [
        "250.00 USD",
        "-250.00 USD",
    ]


def test_a_recursive_include_reaches_a_new_folder(importers: list[SourceImporter]) -> None:
    Path("ledger/main.beancount").write_text(OPENS + 'include "**/*.beancount"\n')
    assert sum(run(importers).added.values()) == 1


def test_a_ledger_folder_without_a_main_file_is_not_checked(
    importers: list[SourceImporter],
) -> None:
    assert sum(run(importers).added.values()) == 1
