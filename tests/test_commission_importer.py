"""The commissions importer and the import command: real beangulp, real Beancount loads.

Each test works in its own folder (the current folder while it runs), with
`documents/commissions/*.csv` and a `ledger/`, so messages read as a user sees
them: `documents/commissions/2026-03.csv:3: ...`.
"""

from __future__ import annotations

import importlib.util
import itertools
import tempfile
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from beancount import loader
from beangulp import identify, testing
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import batch, sources
from importers.commissions import CommissionsImporter
from importers.errors import ImportFailed
from importers.source import SourceImporter
from tests.conftest import generated
from tests.importing import (
    check_reimports_add_nothing,
    failure,
    only,
    printed,
    run,
    tree,
    workspace,
)

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "importers.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "commissions"
HEADER = (
    "commission_id,payee,opportunity_id,contract_id,customer_id,amount,currency,paid_date,plan_type"
)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with documents/commissions/ and ledger/, made the current folder."""
    return workspace(tmp_path, monkeypatch, "commissions")


@pytest.fixture(scope="module")
def importers() -> list[SourceImporter]:
    return sources.load(CONFIG)


@pytest.fixture(scope="module")
def importer(importers: list[SourceImporter]) -> CommissionsImporter:
    return only(importers, CommissionsImporter)


def export(name: str, *rows: str, header: str = HEADER) -> str:
    """Writes a commission export under documents/commissions/ and returns its path."""
    path = Path("documents", "commissions", name)
    path.write_text("".join(line + "\n" for line in (header, *rows)), encoding="utf-8")
    return path.as_posix()


def row(commission_id: str, amount: str, day: str = "2026-03-12", **cells: str) -> str:
    """A row of the export; `cells` overrides any other column by its header."""
    values = {
        "commission_id": commission_id,
        "payee": "Dana Whitfield",
        "opportunity_id": "OPP-0042-01",
        "contract_id": "CTR-0042-01",
        "customer_id": "CUS-0042",
        "amount": amount,
        "currency": "USD",
        "paid_date": day,
        "plan_type": "initial",
        **cells,
    }
    return ",".join(values[column] for column in HEADER.split(","))


# COM-2026-03-0007,Dana Whitfield,OPP-0042-01,CTR-0042-01,CUS-0042,3600.00,USD,2026-03-12,initial
ROW = row("COM-2026-03-0007", "3600.00")


# One row, one transaction.


def test_a_row_becomes_one_commission_transaction(
    here: Path, importer: CommissionsImporter
) -> None:
    path = export("2026-03.csv", ROW)
    assert importer.identify(str(here / path))
    assert printed(importer.extract(path, [])) == textwrap.dedent(
        """\
        2026-03-12 * "Dana Whitfield" "Commission CTR-0042-01 initial" ^CTR-0042-01
          commission_id: "COM-2026-03-0007"
          customer: "CUS-0042"
          opportunity: "OPP-0042-01"
          Expenses:Commissions             3600.00 USD
            contract: "CTR-0042-01"
            plan_type: "initial"
          Liabilities:CommissionsPayable  -3600.00 USD
        """
    )
    (entry,) = importer.extract(path, [])
    assert (entry.meta["filename"], entry.meta["lineno"]) == (path, 2)
    assert importer.account(path) == "Liabilities:CommissionsPayable"


def test_a_negative_amount_is_a_clawback(here: Path, importer: CommissionsImporter) -> None:
    path = export("2026-03.csv", row("COM-9", "-24.00", plan_type="renewal"))
    (entry,) = importer.extract(path, [])
    assert entry.narration == "Commission clawback CTR-0042-01 renewal"
    assert [str(posting.units) for posting in entry.postings] == ["-24.00 USD", "24.00 USD"]
    assert entry.postings[0].meta == {"contract": "CTR-0042-01", "plan_type": "renewal"}


def test_amounts_are_decimals_at_the_currency_minor_unit(
    here: Path, importer: CommissionsImporter
) -> None:
    path = export(
        "2026-03.csv",
        row("COM-1", "440", currency="EUR"),
        row("COM-2", "0.1", currency="USD"),
        row("COM-3", "1200", currency="JPY"),
        row("COM-4", "12345678901234567890.12"),
    )
    units = [entry.postings[0].units for entry in importer.extract(path, [])]
    assert [str(unit) for unit in units] == [
        "440.00 EUR",
        "0.10 USD",
        "1200 JPY",
        "12345678901234567890.12 USD",
    ]


def test_optional_opportunity_and_quoted_cells(here: Path, importer: CommissionsImporter) -> None:
    path = export("2026-03.csv", row("COM-1", " 50.00 ", opportunity_id="", payee='"Liu, Grace"'))
    (entry,) = importer.extract(path, [])
    assert entry.payee == "Liu, Grace"
    assert entry.meta["commission_id"] == "COM-1"
    assert "opportunity" not in entry.meta
    assert str(entry.postings[0].units) == "50.00 USD"


def test_plan_type_labels_map_to_the_ledger_plan_types(here: Path) -> None:
    config = CONFIG.read_text(encoding="utf-8").replace(
        "    initial: initial\n    renewal: renewal\n",
        '    "New business": initial\n    Renewal: renewal\n',
    )
    Path("importers.yaml").write_text(config, encoding="utf-8")
    (custom,) = [
        each for each in sources.load(Path("importers.yaml")) if each.name == "commissions"
    ]
    path = export("2026-03.csv", row("COM-1", "10.00", plan_type="New business"))
    (entry,) = custom.extract(path, [])
    assert entry.postings[0].meta["plan_type"] == "initial"
    bad = export("2026-04.csv", row("COM-2", "10.00", plan_type="initial"))
    with pytest.raises(ImportFailed) as failed:
        custom.extract(bad, [])
    assert str(failed.value) == (
        "documents/commissions/2026-04.csv:2: Column 'plan_type': 'initial' is not a plan type; "
        "expected 'New business' or 'Renewal'"
    )


def test_the_golden_file_with_beangulp_testing(importer: CommissionsImporter) -> None:
    document = str(FIXTURES / "2026-03.csv")
    assert importer.identify(document)
    results = testing.run_importer(importer, document)
    assert testing.compare_expected(document + ".beancount", *results) == []


def test_archiving_names_the_file_by_its_last_payment(importer: CommissionsImporter) -> None:
    document = str(FIXTURES / "2026-03.csv")
    assert str(importer.date(document)) == "2026-03-31"
    assert importer.filename(document) == "commissions.csv"


# Bad rows: every problem names the file and row, and nothing is written.

BAD_ROWS = {
    "missing column": (
        [HEADER.replace(",plan_type", ""), ROW.replace(",initial", "")],
        "2026-03.csv:1: Missing column 'plan_type'; the header has 'commission_id', 'payee', "
        "'opportunity_id', 'contract_id', 'customer_id', 'amount', 'currency', 'paid_date'",
    ),
    "bad date": (
        [HEADER, ROW, row("COM-2", "1.00", "2026-02-30")],
        "2026-03.csv:3: Column 'paid_date': '2026-02-30' is not a date; "
        "expected the format '%Y-%m-%d'",
    ),
    "non-numeric amount": (
        [HEADER, row("COM-2", '"1,200.00"')],
        "2026-03.csv:2: Column 'amount': '1,200.00' is not an amount; expected digits with an "
        "optional sign and decimal point, like '-1200.50'",
    ),
    "float notation": (
        [HEADER, row("COM-2", "1e3")],
        "2026-03.csv:2: Column 'amount': '1e3' is not an amount; expected digits with an "
        "optional sign and decimal point, like '-1200.50'",
    ),
    "too many decimals": (
        [HEADER, row("COM-2", "10.005")],
        "2026-03.csv:2: Column 'amount': '10.005' has more decimals than USD allows (2)",
    ),
    "zero amount": (
        [HEADER, row("COM-2", "0.00")],
        "2026-03.csv:2: Column 'amount': '0.00' is zero; expected a commission or a clawback",
    ),
    "unknown plan type": (
        [HEADER, row("COM-2", "1.00", plan_type="bonus")],
        "2026-03.csv:2: Column 'plan_type': 'bonus' is not a plan type; "
        "expected 'initial' or 'renewal'",
    ),
    "bad currency": (
        [HEADER, row("COM-2", "1.00", currency="usd")],
        "2026-03.csv:2: Column 'currency': 'usd' is not a currency; "
        "expected three upper-case letters like 'USD'",
    ),
    "empty cell": (
        [HEADER, row("COM-2", "1.00", payee="")],
        "2026-03.csv:2: Column 'payee' is empty; expected a value",
    ),
    "contract that cannot be a link": (
        [HEADER, row("COM-2", "1.00", contract_id="CTR 42")],
        "2026-03.csv:2: Column 'contract_id': 'CTR 42' cannot be a link; "
        "expected letters, digits and '-_/.' only",
    ),
    "missing cell": (
        [HEADER, ROW, ROW.rsplit(",", 1)[0]],
        "2026-03.csv:3: Row has 8 cells; expected 9 as in the header",
    ),
    "header only": (
        [HEADER],
        "2026-03.csv:1: No rows after the header; expected at least one",
    ),
    "empty file": (
        [],
        "2026-03.csv:1: File is empty; expected a header and at least one row",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_stops_the_import_and_changes_nothing(
    case: str, here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-02.csv", row("COM-1", "100.00", "2026-02-10"))
    run(importers)
    before = tree(here / "ledger")
    lines, message = BAD_ROWS[case]
    Path("documents/commissions/2026-03.csv").write_text(
        "".join(line + "\n" for line in lines), encoding="utf-8"
    )
    export("2026-04.csv", row("COM-3", "100.00", "2026-04-10"))
    assert failure(importers) == "documents/commissions/" + message
    assert tree(here / "ledger") == before


def test_every_problem_of_a_file_is_reported(here: Path, importer: CommissionsImporter) -> None:
    path = export(
        "2026-03.csv",
        row("COM-1", "x", "2026-13-01", currency="US"),
        ROW,
        row("COM-3", "1.00", plan_type=""),
    )
    with pytest.raises(ImportFailed) as failed:
        importer.extract(path, [])
    assert [problem.where for problem in failed.value.problems] == [
        "documents/commissions/2026-03.csv:2",
        "documents/commissions/2026-03.csv:2",
        "documents/commissions/2026-03.csv:2",
        "documents/commissions/2026-03.csv:4",
    ]


def test_a_file_no_source_claims_is_a_problem(here: Path, importers: list[SourceImporter]) -> None:
    export("2026-03.csv", ROW)
    Path("documents/bank.csv").write_text("date,amount\n", encoding="utf-8")
    Path("documents/.DS_Store").write_text("hidden files are not documents", encoding="utf-8")
    assert failure(importers) == (
        "documents/bank.csv: No source in the importers' config claims this file; expected one to"
    )
    assert tree(here / "ledger") == {}


def test_large_files_are_not_skipped(
    here: Path, importers: list[SourceImporter], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identify, "FILE_TOO_LARGE_THRESHOLD", 10)
    export("2026-03.csv", ROW)
    assert run(importers).added == {Path("ledger/commissions/2026-03.beancount"): 1}


# Idempotence and order.


def three_months() -> list[str]:
    return [
        export("2026-01.csv", row("COM-1", "100.00", "2026-01-15"), row("COM-2", "-5.00")),
        export("2026-02.csv", row("COM-3", "200.00", "2026-02-15", currency="EUR")),
        export("2026-03.csv", row("COM-4", "300.00", "2026-03-31"), ROW),
    ]


def test_importing_five_times_adds_nothing(here: Path, importers: list[SourceImporter]) -> None:
    three_months()
    first = run(importers)
    assert sum(first.added.values()) == 5 and first.skipped == 0
    written = tree(here / "ledger")
    assert sorted(written) == [
        "commissions/2026-01.beancount",
        "commissions/2026-02.beancount",
        "commissions/2026-03.beancount",
    ]
    check_reimports_add_nothing(importers, 5)


def test_a_row_goes_to_the_month_of_its_date(here: Path, importers: list[SourceImporter]) -> None:
    # COM-2 is dated 2026-03-12, though it is in the January export.
    three_months()
    run(importers)
    march = Path("ledger/commissions/2026-03.beancount").read_text(encoding="utf-8")
    assert march.startswith(
        "; commissions, 2026-03: imported by `python import.py import`; do not edit by hand.\n\n"
        "2026-03-12 * "
    )
    assert [line for line in march.splitlines() if "commission_id" in line] == [
        '  commission_id: "COM-2"',
        '  commission_id: "COM-2026-03-0007"',
        '  commission_id: "COM-4"',
    ]


def test_any_import_order_gives_the_same_bytes(here: Path, importers: list[SourceImporter]) -> None:
    files = three_months()
    run(importers)
    expected = tree(here / "ledger")
    for order in itertools.permutations(files):
        for path in (here / "ledger" / "commissions").iterdir():
            path.unlink()
        for document in order:
            run(importers, document)
        assert tree(here / "ledger") == expected, order


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(st.integers(min_value=-10_000, max_value=10_000).filter(bool), min_size=1),
    order=st.randoms(use_true_random=False),
)
def test_reimporting_in_any_grouping_adds_nothing(
    amounts: list[int], order: object, importers: list[SourceImporter], tmp_path: Path
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # One per example: the fixture is shared.
    rows = [
        row(f"COM-{index}", f"{cents / 100:.2f}", f"2026-0{index % 3 + 1}-1{index % 10}")
        for index, cents in enumerate(amounts)
    ]
    documents = folder / "documents" / "commissions"
    documents.mkdir(parents=True)
    paths = []
    for index in range(0, len(rows), 2):
        path = documents / f"part-{index}.csv"
        path.write_text("\n".join([HEADER, *rows[index : index + 2]]) + "\n", encoding="utf-8")
        paths.append(path)
    once = folder / "once"
    batch.import_documents(importers, [documents], once)
    piecewise = folder / "piecewise"
    order.shuffle(paths)  # type: ignore[attr-defined]
    for path in paths:
        batch.import_documents(importers, [path], piecewise)
    assert tree(piecewise) == tree(once)
    again = batch.import_documents(importers, [documents], piecewise)
    assert (again.added, again.skipped) == ({}, len(rows))


def test_an_id_with_different_content_names_both_places(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ROW)
    run(importers)
    before = tree(here / "ledger")
    export("2026-03.csv", ROW.replace("3600.00", "3700.00"))
    assert failure(importers) == (
        "documents/commissions/2026-03.csv:2: commission_id 'COM-2026-03-0007' is already in the "
        "ledger at ledger/commissions/2026-03.beancount:3 with different content"
    )
    assert tree(here / "ledger") == before


def test_two_rows_with_one_id_and_different_content_name_both_rows(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ROW)
    export("2026-04.csv", ROW.replace("Dana Whitfield", "Dana W."))
    assert failure(importers) == (
        "documents/commissions/2026-04.csv:2: commission_id 'COM-2026-03-0007' is also on "
        "documents/commissions/2026-03.csv:2 with different content"
    )
    assert tree(here / "ledger") == {}


def test_a_row_repeated_with_the_same_content_is_imported_once(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ROW)
    export("2026-04.csv", ROW)
    done = run(importers)
    assert (sum(done.added.values()), done.skipped) == (1, 1)


def test_an_id_typed_elsewhere_in_the_ledger_is_not_imported_again(
    here: Path, importers: list[SourceImporter], importer: CommissionsImporter
) -> None:
    path = export("2026-03.csv", ROW)
    Path("ledger/manual.beancount").write_text(printed(importer.extract(path, [])))
    done = run(importers)
    assert (done.added, done.skipped) == ({}, 1)


def test_entries_already_in_a_month_file_are_kept(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ROW)
    run(importers)
    month = Path("ledger/commissions/2026-03.beancount")
    note = '2026-03-01 note Liabilities:CommissionsPayable "March run approved"\n'
    month.write_text(month.read_text(encoding="utf-8") + "\n" + note, encoding="utf-8")
    export("2026-03.csv", ROW, row("COM-2", "10.00", "2026-03-20"))
    run(importers)
    text = month.read_text(encoding="utf-8")
    assert text.index(note) < text.index('"COM-2026-03-0007"') < text.index('"COM-2"')


def test_a_ledger_file_that_does_not_parse_stops_the_import(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ROW)
    Path("ledger/commissions").mkdir()
    broken = Path("ledger/commissions/2026-03.beancount")
    broken.write_text('2026-03-01 * "x" commission_id\n', encoding="utf-8")
    assert failure(importers).startswith("ledger/commissions/2026-03.beancount:1: Cannot parse: ")
    assert broken.read_text(encoding="utf-8") == '2026-03-01 * "x" commission_id\n'


# The imported books load through the commissions plugin.


def test_imported_commissions_load_through_the_plugin(
    here: Path, importers: list[SourceImporter]
) -> None:
    three_months()
    run(importers)
    Path("commissions.yaml").write_text(
        "amortization_account: Expenses:Commissions:Amortization\n", encoding="utf-8"
    )
    Path("ledger/main.beancount").write_text(
        textwrap.dedent(
            """\
            plugin "plugins.commissions" "../commissions.yaml"
            2026-01-01 open Expenses:Commissions USD,EUR
            2026-01-01 open Liabilities:CommissionsPayable USD,EUR
            2026-01-01 custom "contract" "CTR-0042-01"
              customer: "CUS-0042"
              start: 2026-01-01
              end: 2027-12-31
            include "commissions/*.beancount"
            """
        ),
        encoding="utf-8",
    )
    entries, errors, _ = loader.load_file(str(here / "ledger" / "main.beancount"))
    assert errors == []
    capitalized = [e for e in generated(entries) if e.meta["revclose_kind"] == "capitalize"]
    assert [(str(e.date), str(e.postings[0].units)) for e in capitalized] == [
        ("2026-01-15", "100.00 USD"),
        ("2026-02-15", "200.00 EUR"),
        ("2026-03-12", "-5.00 USD"),
        ("2026-03-12", "3600.00 USD"),
        ("2026-03-31", "300.00 USD"),
    ]


# The command line: import.py.


def import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_script", REPO / "import.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_command_and_beangulp_extract(here: Path) -> None:
    three_months()
    cli = import_script().ingest(CONFIG, here).cli
    result = CliRunner().invoke(cli, ["import"])
    assert (result.exit_code, result.output) == (
        0,
        "ledger/commissions/2026-01.beancount: 1 added\n"
        "ledger/commissions/2026-02.beancount: 1 added\n"
        "ledger/commissions/2026-03.beancount: 3 added\n"
        "Imported 3 documents: 5 entries added, 0 already in the ledger.\n",
    )
    Path("ledger/main.beancount").write_text('include "commissions/*.beancount"\n')
    extract = ["extract", "documents", "-e", "ledger/main.beancount", "-q"]
    result = CliRunner().invoke(cli, extract)
    assert result.exit_code == 0
    assert result.output.count("; duplicate of ") == 5


def test_the_import_command_reports_problems_and_exits_1(here: Path) -> None:
    export("2026-03.csv", row("COM-1", "ten"))
    result = CliRunner().invoke(import_script().ingest(CONFIG, here).cli, ["import"])
    assert result.exit_code == 1
    assert result.output.endswith("1 problem; no ledger file was changed.\n")


def test_an_unknown_importer_points_into_the_yaml(here: Path) -> None:
    Path("importers.yaml").write_text(
        textwrap.dedent(
            """\
            # The commission system.
            commissions:
              importer: commission
              documents: ../commissions/*.csv
              ledger: commissions
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed:
        import_script().ingest(Path("importers.yaml"), here)
    kinds = ", ".join(f"'{kind}'" for kind in sources.KINDS)
    assert str(failed.value).splitlines() == [
        f"importers.yaml:3: Field 'commissions.importer' expected one of {kinds}, "
        "found 'commission'",
        "importers.yaml:4: Field 'commissions.documents' expected a relative glob like "
        "'commissions/*.csv', without '..', found '../commissions/*.csv'",
    ]


def test_every_bad_field_of_a_source_points_into_the_yaml(here: Path) -> None:
    config = CONFIG.read_text(encoding="utf-8")
    for old, new in [
        ('delimiter: ","', 'delimiter: ";;"'),
        ("  ledger: commissions\n", ""),
        ("    amount: amount\n", "    amount: 12\n    colour: red\n"),
        ("    renewal: renewal\n", "    bonus: spiff\n"),
        ("payable: Liabilities:CommissionsPayable", "payable: commissions payable\n  color: blue"),
    ]:
        assert old in config
        config = config.replace(old, new, 1)  # The commissions section comes first.
    Path("importers.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    assert str(failed.value).splitlines() == [
        "importers.yaml:7: Missing field 'commissions.ledger'; "
        "expected a folder like 'commissions', without '..'",
        "importers.yaml:11: Field 'commissions.delimiter' expected a single character like ',', "
        "found ';;'",
        "importers.yaml:20: Field 'commissions.columns.amount' expected the header of a column, "
        "found '12'",
        "importers.yaml:21: Unknown field 'commissions.columns.colour'; expected one of 'amount', "
        "'contract', 'currency', 'customer', 'date', 'id', 'opportunity', 'payee', 'plan_type'",
        "importers.yaml:28: Field 'commissions.plan_types.bonus' expected 'initial' or 'renewal', "
        "found 'spiff'",
        "importers.yaml:31: Field 'commissions.accounts.payable' expected an account name like "
        "'Assets:Bank', found 'commissions payable'",
        "importers.yaml:32: Unknown field 'commissions.color'; expected one of 'accounts', "
        "'columns', 'date_format', 'delimiter', 'documents', 'encoding', 'importer', 'ledger', "
        "'plan_types'",
    ]
