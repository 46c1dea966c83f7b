"""The CRM importer: a Salesforce "Opportunities with Products" export to contracts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beangulp import testing

from importers import sources
from importers.crm import CrmImporter
from importers.errors import ImportFailed
from importers.source import SourceImporter
from plugins import allocation_policy, ssp_allocation
from tests.importing import failure, only, run, tree, workspace

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "importers.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "crm" / "2026-03.csv"
HEADER = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
ACME = FIXTURE.read_text(encoding="utf-8").splitlines()[1]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with documents/crm/ and ledger/, made the current folder."""
    return workspace(tmp_path, monkeypatch, "crm")


@pytest.fixture(scope="module")
def importers() -> list[SourceImporter]:
    return sources.load(CONFIG)


@pytest.fixture(scope="module")
def importer(importers: list[SourceImporter]) -> CrmImporter:
    return only(importers, CrmImporter)


def export(name: str, *rows: str) -> str:
    path = Path("documents", "crm", name)
    path.write_text("".join(line + "\n" for line in (HEADER, *rows)), encoding="utf-8")
    return path.as_posix()


def cells(line: str, **changes: str) -> str:
    """The row `line` with some columns changed, by header label."""
    import csv
    import io

    names = next(csv.reader([HEADER]))
    values = dict(zip(names, next(csv.reader([line])), strict=True))
    values.update({name.replace("_", " "): value for name, value in changes.items()})
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([values[name] for name in names])
    return out.getvalue()


def test_the_golden_file_with_beangulp_testing(importer: CrmImporter) -> None:
    document = str(FIXTURE)
    assert importer.identify(document)
    results = testing.run_importer(importer, document)
    assert testing.compare_expected(document + ".beancount", *results) == []
    assert importer.filename(document) == "crm.csv"


def test_imported_contracts_load_and_allocate(here: Path, importers: list[SourceImporter]) -> None:
    # Acme: list prices 12,000 + 3,000 for 13,500: allocated 10,800 and 2,700,
    # whatever the sales prices (10,500 and 3,000) say. Bolt: the reserved
    # GPUs take the fixed 24,000; the 6,000 of GPU hours is a minimum commitment.
    shutil.copy(FIXTURE, "documents/crm/2026-03.csv")
    done = run(importers)
    assert done.added == {Path("ledger/crm/2026-03.beancount"): 6}
    Path("ledger/main.beancount").write_text(
        'plugin "plugins.ssp_allocation"\n'
        + "".join(
            f"2020-01-01 open Income:Revenue:{name}\n"
            for name in ("Subscriptions", "Services", "Commitments", "Usage")
        )
        + 'include "crm/*.beancount"\n',
        encoding="utf-8",
    )
    entries, errors, options = loader.load_file("ledger/main.beancount")
    assert errors == []
    chosen, _ = allocation_policy.load(None, options)
    worked, problems = ssp_allocation.analyse(entries, chosen)
    assert problems == []
    amounts = {
        ob_id: state.amount for contract in worked for ob_id, state in contract.recognitions.items()
    }
    assert amounts == {
        "0065g00000AcMeR/enterprise-annual": 1080000,
        "0065g00000AcMeR/onboarding": 270000,
        "CTR-0077-01/gpu-reserved-2y": 2400000,
    }


def test_the_contract_number_names_the_contract_its_invoices_carry(
    here: Path, importer: CrmImporter
) -> None:
    # Bolt's rows carry the contract number; Acme's cell is empty: its opportunity id stands.
    entries = [e for e in importer.extract(str(FIXTURE), []) if isinstance(e, data.Custom)]
    contracts = {e.values[0].value: e.meta["crm_id"] for e in entries if e.type == "contract"}
    assert contracts == {"0065g00000AcMeR": "0065g00000AcMeR", "CTR-0077-01": "0065g00000BoLtZ"}
    bolt = [e for e in entries if e.type == "obligation" and e.meta["contract"] == "CTR-0077-01"]
    assert [(e.values[0].value, e.meta["crm_id"]) for e in bolt] == [
        ("CTR-0077-01/gpu-reserved-2y", "0065g00000BoLtZ/gpu-reserved-2y"),
        ("CTR-0077-01/gpu-hours", "0065g00000BoLtZ/gpu-hours"),
    ]


def test_the_currency_column_gives_each_opportunity_its_currency(
    here: Path, importer: CrmImporter
) -> None:
    path = export("2026-03.csv", *FIXTURE.read_text().splitlines()[3:5])
    euro = Path(path).read_text().replace(",USD,", ",EUR,")
    Path(path).write_text(euro, encoding="utf-8")
    (contract, *obligations) = [e for e in importer.extract(path, []) if isinstance(e, data.Custom)]
    assert str(contract.meta["price"]) == "24000.00 EUR"
    assert [str(e.meta.get("ssp") or e.meta["rate"]) for e in obligations] == [
        "26000.00 EUR",
        "2.00 EUR",
    ]


def test_a_contract_number_that_cannot_be_an_id_is_an_error(
    here: Path, importers: list[SourceImporter]
) -> None:
    bolt = FIXTURE.read_text().splitlines()[3:5]
    export("2026-03.csv", *(row.replace("CTR-0077-01", "CTR 77") for row in bolt))
    assert failure(importers).splitlines()[0] == (
        "documents/crm/2026-03.csv:2: Column 'Contract Number': 'CTR 77' cannot be an id; "
        "expected letters, digits and '-_/.' only"
    )


def test_importing_twice_adds_nothing(here: Path, importers: list[SourceImporter]) -> None:
    shutil.copy(FIXTURE, "documents/crm/2026-03.csv")
    run(importers)
    written = tree(here / "ledger")
    again = run(importers)
    assert (again.added, again.skipped) == ({}, 6)
    assert tree(here / "ledger") == written


def test_a_changed_opportunity_is_an_error_naming_both_places(
    here: Path, importers: list[SourceImporter]
) -> None:
    export("2026-03.csv", ACME)
    with pytest.raises(ImportFailed):
        run(importers)  # Acme's Amount is 13,500.00 over two rows: one row does not add up.
    shutil.copy(FIXTURE, "documents/crm/2026-03.csv")
    run(importers)
    before = tree(here / "ledger")
    changed = FIXTURE.read_text(encoding="utf-8").replace("Acme Robotics 2026", "Acme 2026")
    Path("documents/crm/2026-03.csv").write_text(changed, encoding="utf-8")
    assert failure(importers).splitlines()[0] == (
        "documents/crm/2026-03.csv:2: crm_id '0065g00000AcMeR' is already in the ledger at "
        "ledger/crm/2026-03.beancount:3 with different content"
    )
    assert tree(here / "ledger") == before


BAD_ROWS = {
    "unknown stage": (
        [cells(ACME, Stage="Verbal")],
        "2026-03.csv:2: Column 'Stage': 'Verbal' is not a configured stage; expected one of "
        "'Closed Won', 'Prospecting', 'Qualification', 'Needs Analysis', 'Proposal', "
        "'Negotiation', 'Closed Lost' (add it to 'won_stages' or 'ignored_stages')",
    ),
    "unknown product": (
        [cells(ACME, **{"Product Code": "gold-plan", "Amount": "10,500.00"})],
        "2026-03.csv:2: Column 'Product Code': 'gold-plan' is not a configured product; expected "
        "one of 'enterprise-annual', 'fine-tuning', 'gpu-hours', 'gpu-reserved-2y', "
        "'gpu-reserved-3y', 'onboarding', 'starter-monthly', 'team-annual', 'team-monthly'",
    ),
    "swapped date": (
        [cells(ACME, **{"Close Date": "13/03/2026", "Amount": "10,500.00"})],
        "2026-03.csv:2: Column 'Close Date': '13/03/2026' is not a date in the format "
        "'%m/%d/%Y' but is one in '%d/%m/%Y' (day and month swapped): check the source's "
        "'date_format'",
    ),
    "amount with too many decimals": (
        [cells(ACME, Amount="10,500.005")],
        "2026-03.csv:2: Column 'Amount': '10,500.005' has more decimals than USD allows (2)",
    ),
    "amount is not the sum of the lines": (
        [ACME],
        "2026-03.csv:2: Opportunity '0065g00000AcMeR' has Amount '13500.00' but its lines' "
        "Total Price add up to '10500.00'; expected them to be equal",
    ),
    "rows disagree": (
        [ACME, cells(FIXTURE.read_text().splitlines()[2], **{"Account Number": "CUS-0043"})],
        "2026-03.csv:3: Opportunity '0065g00000AcMeR' has customer 'CUS-0043' here and "
        "'CUS-0042' on line 2; expected every row of an opportunity to agree",
    ),
    "ratable without a term": (
        [cells(ACME, **{"Contract End Date": "", "Amount": "10,500.00"})],
        "2026-03.csv:2: Product 'enterprise-annual' is ratable; expected its start and end in "
        "columns 'Contract Start Date' and 'Contract End Date'",
    ),
    "negative quantity": (
        [cells(ACME, Quantity="-1", Amount="10,500.00")],
        "2026-03.csv:2: Column 'Quantity': '-1' is not a positive quantity",
    ),
    "missing column": (
        [HEADER.replace(",Stage,", ",Phase,")],
        "2026-03.csv:1: Missing column 'Stage'; the header has 'Opportunity ID', 'Opportunity "
        "Name', 'Account Number', 'Phase', 'Close Date', 'Amount', 'Opportunity Currency', "
        "'Contract Number', 'Product Code', 'Quantity', 'Sales Price', 'List Price', "
        "'Total Price', 'Date', 'Contract Start Date', 'Contract End Date'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_stops_the_import_and_changes_nothing(
    case: str, here: Path, importers: list[SourceImporter]
) -> None:
    shutil.copy(FIXTURE, "documents/crm/2026-02.csv")
    run(importers)
    before = tree(here / "ledger")
    rows, message = BAD_ROWS[case]
    if case == "missing column":
        Path("documents/crm/2026-04.csv").write_text(rows[0] + "\n" + ACME + "\n")
        message = message.replace("2026-03.csv", "2026-04.csv")
    else:
        export("2026-04.csv", *rows)
        message = message.replace("2026-03.csv", "2026-04.csv")
    assert failure(importers) == "documents/crm/" + message
    assert tree(here / "ledger") == before


def test_lost_opportunities_are_read_and_left_out(here: Path, importer: CrmImporter) -> None:
    path = export("2026-03.csv", FIXTURE.read_text().splitlines()[5])
    assert importer.extract(path, []) == []


def test_every_bad_field_of_the_section_points_into_the_yaml(here: Path) -> None:
    config = CONFIG.read_text(encoding="utf-8")
    for old, new in [
        ("  won_stages: [Closed Won]\n", ""),
        ("    onboarding: {type: services, recognition: point,",
         "    onboarding: {type: services, recognition: later,"),
        ("    gpu-hours: {type: usage,", "    gpu-hours: {kind: usage,"),
    ]:  # fmt: skip
        assert old in config
        config = config.replace(old, new, 1)
    Path("importers.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    lines = str(failed.value).splitlines()
    assert any("Missing field 'crm.won_stages'" in line for line in lines)
    assert any(
        "Field 'crm.products.onboarding.recognition' expected 'ratable', 'point' or 'usage', "
        "found 'later'" in line
        for line in lines
    )
    assert any("Unknown field 'crm.products.gpu-hours.kind'" in line for line in lines)
    assert any("Missing field 'crm.products.gpu-hours.type'" in line for line in lines)


def test_the_decimal_separator_cannot_also_separate_thousands(here: Path) -> None:
    config = CONFIG.read_text(encoding="utf-8")
    old = '  decimal: "."\n  thousands: ","\n  won_stages'
    assert old in config
    config = config.replace(old, '  decimal: ","\n  thousands: ","\n  won_stages', 1)
    Path("importers.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        sources.load(Path("importers.yaml"))
    line = config[: config.index('  thousands: ","\n  won_stages')].count("\n") + 1
    assert str(failed.value).splitlines() == [
        f"importers.yaml:{line}: Field 'crm.thousands' is the decimal separator too; "
        "expected another"
    ]
