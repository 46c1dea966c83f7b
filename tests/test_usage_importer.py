"""The usage importer: metering exports (CSV, Parquet, partitioned folders) become accruals.

Each test works in its own folder (the current folder while it runs), with
`documents/usage/`, a `ledger/` that holds the customers, and its own
`importers.yaml` and `pricing.yaml`, so messages read as a user sees them:
`documents/usage/2026-10.csv:3: ...`.
"""

from __future__ import annotations

import datetime
import importlib.util
import itertools
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from beancount import loader
from beancount.parser import printer
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from importers import ledger_text, sources, usage_aggregate, usage_pricing
from importers.errors import ImportFailed
from importers.ledger_text import PRINTED
from importers.source import SourceImporter
from importers.usage import NO_CUSTOMERS, UsageImporter
from importers.usage_entries import accruals
from importers.usage_pricing import PriceBook, Pricing, Sku, Tier
from importers.usage_rating import EXACT, Lines, rate_lines
from plugins.currency import Precision
from plugins.customers import Customer
from tests.importing import printed, run, tree

REPO = Path(__file__).resolve().parents[1]
HEADER = ("event_id", "timestamp", "customer_id", "sku", "quantity", "adjustment")
CONFIG = """\
usage:
  importer: usage
  documents: usage/*
  ledger: usage
  pricing: pricing.yaml
  columns:
    id: event_id
    timestamp: timestamp
    customer: customer_id
    sku: sku
    quantity: quantity
    adjustment: adjustment
"""
PRICING = """\
price_books:
  list-usd:
    currency: USD
    skus:
      gpu-hours: {unit_price: 2.49}
      image-generations:
        pricing: graduated
        tiers: [{up_to: 10000, unit_price: 0.02}, {unit_price: 0.015}]
  list-eur:
    currency: EUR
    skus:
      gpu-hours: {unit_price: 2.29}
entities: {US: list-usd, EU: list-eur}
contracts:
  CTR-0016-01:
    customer: CUS-0016
    start: 2026-01-01
    end: 2026-12-31
    prices: {gpu-hours: {unit_price: 2.20}}
    minimum: {amount: 5000.00, shortfall: revenue}
"""
CUSTOMERS = """\
2024-01-01 custom "customer" "CUS-0016" "Alder Foods GmbH" "US"
2024-01-01 custom "customer" "CUS-0020" "Birch Media BV" "EU"
2024-01-01 custom "customer" "CUS-0031" "Cedar Labs" "US"
"""
# A month of events: (event_id, timestamp, customer, sku, quantity, adjustment).
EVENTS = [
    ("ev-1", "2026-10-01T00:00:00Z", "CUS-0016", "gpu-hours", "1000.5", ""),
    ("ev-2", "2026-10-15T10:00:00Z", "CUS-0016", "gpu-hours", "737", ""),
    ("ev-3", "2026-10-20T08:00:00Z", "CUS-0016", "image-generations", "12000", ""),
    ("ev-4", "2026-10-02T12:00:00+02:00", "CUS-0020", "gpu-hours", "10.25", ""),
    ("ev-5", "2026-10-31T23:59:59Z", "CUS-0031", "gpu-hours", "100", ""),
    ("ev-6", "2026-10-31T12:00:00Z", "CUS-0031", "gpu-hours", "-4.5", "true"),
]
# What the month's events accrue: the contract's prices and minimum for CUS-0016
# (1737.5 h at 2.20 + 10,000 images at 0.02 and 2,000 at 0.015 = 4052.50, short of
# 5000.00 by 947.50), the EUR book for CUS-0020, list prices for CUS-0031.
EXPECTED = """\
; usage, 2026-10: imported by `python import.py import`; do not edit by hand.

2026-10-31 * "Alder Foods GmbH" "Usage of 2026-10" #usage
  usage: "CUS-0016/2026-10"
  customer: "CUS-0016"
  entity: "US"
  contract: "CTR-0016-01"
  price_book: "list-usd"
  service_start: 2026-10-01
  service_end: 2026-10-31
  Assets:UnbilledReceivables   5000.00 USD
  Income:Revenue:Usage        -3822.50 USD
    product: "gpu-hours"
    quantity: 1737.5
    unit_price: 2.20
    events: 2
  Income:Revenue:Usage         -230.00 USD
    product: "image-generations"
    quantity: 12000
    tiers: "10000 @ 0.02 + 2000 @ 0.015"
    events: 1
  Income:Revenue:Usage         -947.50 USD
    product: "minimum-commitment"
    shortfall: TRUE

2026-10-31 * "Birch Media BV" "Usage of 2026-10" #usage
  usage: "CUS-0020/2026-10"
  customer: "CUS-0020"
  entity: "EU"
  price_book: "list-eur"
  service_start: 2026-10-01
  service_end: 2026-10-31
  Assets:UnbilledReceivables   23.47 EUR
  Income:Revenue:Usage        -23.47 EUR
    product: "gpu-hours"
    quantity: 10.25
    unit_price: 2.29
    events: 1

2026-10-31 * "Cedar Labs" "Usage of 2026-10" #usage
  usage: "CUS-0031/2026-10"
  customer: "CUS-0031"
  entity: "US"
  price_book: "list-usd"
  service_start: 2026-10-01
  service_end: 2026-10-31
  Assets:UnbilledReceivables   237.80 USD
  Income:Revenue:Usage        -237.80 USD
    product: "gpu-hours"
    quantity: 95.5
    unit_price: 2.49
    events: 2
"""
MONTH_FILE = "ledger/usage/2026-10.beancount"


def moved(rows: Sequence[Sequence[str]], month: str, prefix: str) -> list[tuple[str, ...]]:
    """The events moved to another month of 2026 (the 31st becoming the 30th), ids prefixed."""
    return [
        (
            prefix + row[0],
            row[1].replace("-10-31", "-10-30").replace("-10-", f"-{month}-"),
            *row[2:],
        )
        for row in rows
    ]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with documents/usage/, a ledger of customers, and the config, made current."""
    return books(tmp_path, monkeypatch)


def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Writes documents/usage/, a ledger of customers and the config; makes the folder current."""
    (tmp_path / "documents" / "usage").mkdir(parents=True)
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "customers.beancount").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "pricing.yaml").write_text(PRICING, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def importers(config: str = "importers.yaml") -> list[SourceImporter]:
    return sources.load(Path(config))


def importer() -> UsageImporter:
    (found,) = [each for each in importers() if isinstance(each, UsageImporter)]
    return found


def csv_export(name: str, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    """Writes a CSV export under documents/usage/ and returns its path."""
    path = Path("documents", "usage", name)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header), *(",".join(row) for row in rows)]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path.as_posix()


def parquet_export(
    name: str,
    rows: Sequence[Sequence[Any]],
    types: dict[str, pa.DataType] | None = None,
    header: Sequence[str] = HEADER,
) -> str:
    """Writes a Parquet export under documents/usage/ (text columns unless `types` says)."""
    path = Path("documents", "usage", name)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {
        column: pa.array([row[index] for row in rows], (types or {}).get(column, pa.string()))
        for index, column in enumerate(header)
    }
    pq.write_table(pa.table(columns), path)
    return path.as_posix()


def typed(rows: Sequence[Sequence[str]]) -> list[tuple[Any, ...]]:
    """The rows as Parquet values: instants, decimals with 3 places, booleans."""
    return [
        (
            event_id,
            datetime.datetime.fromisoformat(moment).astimezone(datetime.UTC),
            customer,
            sku,
            Decimal(quantity).quantize(Decimal("0.001")),
            adjustment == "true",
        )
        for event_id, moment, customer, sku, quantity, adjustment in rows
    ]


TYPES = {
    "timestamp": pa.timestamp("us", tz="UTC"),
    "quantity": pa.decimal128(12, 3),
    "adjustment": pa.bool_(),
}


def written() -> str:
    return Path(MONTH_FILE).read_text(encoding="utf-8")


# Golden: one file, each format.


def test_a_csv_export_becomes_one_accrual_per_customer(here: Path) -> None:
    csv_export("2026-10.csv", EVENTS)
    done = run(importers())
    assert (done.added, done.skipped, done.notes) == ({Path(MONTH_FILE): 3}, 0, ())
    assert written() == EXPECTED


def test_a_parquet_export_of_text_columns_gives_the_same_accruals(here: Path) -> None:
    parquet_export("2026-10.parquet", EVENTS)
    run(importers())
    assert written() == EXPECTED


def test_a_parquet_export_of_typed_columns_keeps_the_decimals_of_its_quantities(
    here: Path,
) -> None:
    parquet_export("2026-10.parquet", typed(EVENTS), TYPES)
    run(importers())
    expected = (
        EXPECTED.replace("quantity: 1737.5\n", "quantity: 1737.500\n")
        .replace("quantity: 12000\n", "quantity: 12000.000\n")
        .replace("quantity: 10.25\n", "quantity: 10.250\n")
        .replace("quantity: 95.5\n", "quantity: 95.500\n")
    )
    assert written() == expected


def test_naive_parquet_timestamps_are_utc(here: Path) -> None:
    rows = [(*row[:1], datetime.datetime(2026, 10, 31, 23, 59), *row[2:]) for row in typed(EVENTS)]
    parquet_export("2026-10.parquet", rows, TYPES | {"timestamp": pa.timestamp("ms")})
    run(importers())
    assert written().count("#usage") == 3


def test_a_folder_of_parquet_parts_is_one_document(here: Path) -> None:
    parquet_export("2026-10/part-0.parquet", typed(EVENTS[:3]), TYPES)
    parquet_export("2026-10/part-1.parquet", typed(EVENTS[3:]), TYPES)
    Path("documents/usage/2026-10/_SUCCESS").write_text("", encoding="utf-8")
    csv_export("2026-10.csv", EVENTS)
    run(importers(), "documents/usage/2026-10.csv")
    from_csv = written()
    Path(MONTH_FILE).unlink()
    done = run(importers(), "documents/usage/2026-10")
    assert done.added == {Path(MONTH_FILE): 3}
    assert written() == from_csv.replace("1737.5\n", "1737.500\n").replace(
        "12000\n", "12000.000\n"
    ).replace("10.25\n", "10.250\n").replace("95.5\n", "95.500\n")


def test_hive_style_folders_are_read_with_their_partition_columns(here: Path) -> None:
    # The customer is in the folder names only: customer_id=CUS-0016/.
    header = [column for column in HEADER if column != "customer_id"]
    for customer in ("CUS-0016", "CUS-0020", "CUS-0031"):
        rows = [[v for i, v in enumerate(row) if i != 2] for row in EVENTS if row[2] == customer]
        parquet_export(f"month=2026-10/customer_id={customer}/data.parquet", rows, header=header)
    run(importers())
    assert written() == EXPECTED


def test_beangulp_identifies_a_part_by_its_month_folder(here: Path) -> None:
    part = parquet_export("2026-10/day=03/part-0.parquet", typed(EVENTS), TYPES)
    usage = importer()
    assert usage.identify(part)
    assert usage.document(part) == "documents/usage/2026-10"
    assert not usage.identify("documents/usage/2026-10/notes.txt")
    assert not usage.identify("documents/commissions/2026-10.csv")
    assert usage.date(part) == datetime.date(2026, 10, 31)
    assert usage.filename("documents/usage/2026-10.csv") == "usage.csv"
    entries = usage.extract(part, [*loader.load_string(CUSTOMERS)[0]])
    assert [entry.meta["usage"] for entry in entries] == [
        "CUS-0016/2026-10",
        "CUS-0020/2026-10",
        "CUS-0031/2026-10",
    ]
    assert (entries[0].meta["filename"], entries[0].meta["lineno"]) == (part, 0)


def test_an_entry_points_at_its_customers_first_row(here: Path) -> None:
    path = csv_export("2026-10.csv", list(reversed(EVENTS)))
    entries = importer().extract(path, [*loader.load_string(CUSTOMERS)[0]])
    where = {entry.meta["customer"]: entry.meta["lineno"] for entry in entries}
    assert where == {"CUS-0016": 5, "CUS-0020": 4, "CUS-0031": 2}
    assert printed(entries) == EXPECTED.split("\n\n", 1)[1]


# The month and its time zone.


def test_the_month_is_taken_in_the_sources_time_zone(here: Path) -> None:
    config = CONFIG + "  timezone: Europe/Amsterdam\n"
    Path("importers.yaml").write_text(config, encoding="utf-8")
    # 22:30 UTC on 30 September is 00:30 on 1 October in Amsterdam.
    rows = [("ev-1", "2026-09-30T22:30:00Z", "CUS-0031", "gpu-hours", "1", "")]
    csv_export("2026-10.csv", rows)
    run(importers())
    assert "quantity: 1\n" in written()


# Repeated events, idempotence, order.


def test_an_event_repeated_with_the_same_content_is_counted_once_and_noted(here: Path) -> None:
    csv_export("2026-10.csv", [*EVENTS, EVENTS[1], EVENTS[0], EVENTS[1]])
    done = run(importers())
    assert written() == EXPECTED
    assert [str(note) for note in done.notes] == [
        "documents/usage/2026-10.csv: 2 event ids repeated with the same content, counted once: "
        "'ev-1' on lines 2 and 9; 'ev-2' on lines 3, 8 and 10"
    ]


def test_importing_five_times_adds_nothing(here: Path) -> None:
    csv_export("2026-10.csv", EVENTS)
    parquet_export(
        "2026-09.parquet",
        moved(EVENTS, "09", "s"),
    )
    first = run(importers())
    assert (sum(first.added.values()), first.skipped) == (6, 0)
    before = tree(here / "ledger")
    for _ in range(4):
        again = run(importers())
        assert (again.added, again.skipped) == ({}, 6)
        assert tree(here / "ledger") == before


def test_any_order_of_documents_or_rows_gives_the_same_bytes(here: Path) -> None:
    september = moved(EVENTS, "09", "s")
    files = [
        csv_export("2026-10.csv", EVENTS),
        parquet_export("2026-09.parquet", september),
        csv_export(
            "2026-08.csv",
            moved(EVENTS, "08", "a"),
        ),
    ]
    run(importers())
    expected = tree(here / "ledger")
    for order in itertools.permutations(files):
        for path in (here / "ledger" / "usage").iterdir():
            path.unlink()
        for document in order:
            run(importers(), document)
        assert tree(here / "ledger") == expected, order
    for path in (here / "ledger" / "usage").iterdir():
        path.unlink()
    csv_export("2026-10.csv", EVENTS[::-1])
    parquet_export("2026-09.parquet", september[3:] + september[:3])
    run(importers())
    assert tree(here / "ledger") == expected


# The aggregation step runs on any table of events (a warehouse's, say).


def test_the_aggregation_step_runs_on_a_plain_table_of_events() -> None:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(WAREHOUSE)
    connection.execute(
        "INSERT INTO warehouse_events VALUES "
        "(1, 'a', '2026-10-01 00:00:00+00', 'C1', 'gpu', 1.5, false, 1), "
        "(2, 'b', '2026-10-31 23:59:59+00', 'C1', 'gpu', 0.000000001, false, 1), "
        "(3, 'c', '2026-11-01 00:00:00+00', 'C1', 'gpu', 2, false, 1), "
        "(4, 'd', '2026-10-09 00:00:00+00', 'C2', 'gpu', -1, false, 7)"
    )
    table = usage_aggregate.aggregate(
        connection, "warehouse_events", datetime.date(2026, 10, 1), datetime.UTC
    )
    rows = connection.execute(f"SELECT * FROM {table} ORDER BY customer").fetchall()
    assert rows == [
        ("C1", "gpu", datetime.date(2026, 10, 1), Decimal("3.500000001"), 3, 3, 1, 0, 1, 0),
        ("C2", "gpu", datetime.date(2026, 10, 1), Decimal("-1.000000000"), 7, 1, 4, 0, 0, 1),
    ]


WAREHOUSE = (
    "CREATE TABLE warehouse_events (row_key BIGINT, event_id VARCHAR, occurred_at TIMESTAMPTZ, "
    "customer VARCHAR, sku VARCHAR, quantity DECIMAL(38,9), adjustment BOOLEAN, "
    "event_count BIGINT)"
)
_OCTOBER = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
_warehouse_event = st.tuples(
    st.integers(0, 31 * 86400 - 1).map(lambda at: _OCTOBER + datetime.timedelta(seconds=at)),
    st.sampled_from(["C1", "C2", None]),
    st.sampled_from(["gpu", "api", None]),
    st.decimals(0, 10**6, places=9),
    st.booleans(),
    st.just(1),  # Each row one event, as a raw export has it.
)


def _warehouse(events: list[tuple[Any, ...]]) -> duckdb.DuckDBPyConnection:
    """Returns a DuckDB with the events in the table `warehouse_events`."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(WAREHOUSE)
    for key, event in enumerate(events, start=1):
        connection.execute(
            "INSERT INTO warehouse_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [key, f"e{key}", *event]
        )
    return connection


def _screened(connection: duckdb.DuckDBPyConnection) -> bool:
    """Tells whether `SCREEN` finds that no event of October can break a rule but by its key."""
    bounds = usage_aggregate.bounds(datetime.date(2026, 10, 1), datetime.UTC)
    instants = {key: bounds[key] for key in ("month_start", "month_end")}
    statement = usage_aggregate.SCREEN.format(events="warehouse_events")
    found = connection.execute(statement, instants).fetchone()
    return found is not None and bool(found[0])


def _aggregated(connection: duckdb.DuckDBPyConnection, screen: bool) -> list[tuple[Any, ...]]:
    """Returns the totals `aggregate` makes of the events, ordered by customer and SKU."""
    table = usage_aggregate.aggregate(
        connection, "warehouse_events", datetime.date(2026, 10, 1), datetime.UTC, screen=screen
    )
    order = "ORDER BY customer NULLS LAST, sku NULLS LAST"
    return connection.execute(f"SELECT * FROM {table} {order}").fetchall()


@settings(max_examples=60, deadline=None)
@given(st.lists(_warehouse_event, max_size=30))
def test_unbroken_events_give_the_statements_totals_without_testing_each_row(
    events: list[tuple[Any, ...]],
) -> None:
    # Every value there, every instant in October, no negative quantity: the screen
    # passes, and the totals, figures included, are the full statement's.
    connection = _warehouse(events)
    assert _screened(connection)
    assert _aggregated(connection, screen=True) == _aggregated(connection, screen=False)


@pytest.mark.parametrize(
    ("broken", "figures"),
    [
        ((None, "C1", "gpu", Decimal(1), False, 1), (1, 0, 0)),
        ((_OCTOBER - datetime.timedelta(seconds=1), "C1", "gpu", Decimal(1), False, 1), (0, 1, 0)),
        ((_OCTOBER, "C1", "gpu", Decimal(-1), False, 1), (0, 0, 1)),
        ((_OCTOBER, "C1", "gpu", Decimal(-1), True, 1), (0, 0, 0)),  # An adjustment.
        ((_OCTOBER, "C1", "gpu", None, False, 1), (1, 0, 0)),
        ((_OCTOBER, "C1", "gpu", Decimal(1), None, 1), (1, 0, 0)),
    ],
)
def test_a_row_that_may_break_a_rule_is_tested_by_the_full_statement(
    broken: tuple[Any, ...], figures: tuple[int, int, int]
) -> None:
    fine = (_OCTOBER + datetime.timedelta(days=3), "C1", "gpu", Decimal("2.5"), False, 1)
    connection = _warehouse([fine, broken])
    assert not _screened(connection)
    (row,) = _aggregated(connection, screen=True)
    assert row[-3:] == figures
    assert row[4:6] == (2, 2)  # Events, rows.


def test_a_pre_aggregated_export_counts_the_events_of_its_rows(here: Path) -> None:
    # What a warehouse that ran the aggregation exports: one row per customer and SKU.
    Path("importers.yaml").write_text(CONFIG + "    events: events\n", encoding="utf-8")
    rows = [
        ("CUS-0031/gpu-hours", "2026-10-01", "CUS-0031", "gpu-hours", "95.5", "", "2"),
        ("CUS-0020/gpu-hours", "2026-10-01", "CUS-0020", "gpu-hours", "10.25", "", "1"),
    ]
    csv_export("2026-10.csv", rows, (*HEADER, "events"))
    run(importers())
    assert written().split("\n\n", 1)[1] == EXPECTED.split("\n\n", 2)[2]


def test_a_pre_aggregated_parquet_export_counts_the_events_of_its_rows(here: Path) -> None:
    # Its rows are unbroken, but a row is not one event: the events are summed, not counted.
    Path("importers.yaml").write_text(CONFIG + "    events: events\n", encoding="utf-8")
    rows = [
        ("CUS-0031/gpu-hours", "2026-10-01T00:00:00Z", "CUS-0031", "gpu-hours", "95.5", ""),
        ("CUS-0020/gpu-hours", "2026-10-01T00:00:00Z", "CUS-0020", "gpu-hours", "10.25", ""),
    ]
    events = [(*row, count) for row, count in zip(typed(rows), (2, 1), strict=True)]
    parquet_export("2026-10.parquet", events, TYPES | {"events": pa.int64()}, (*HEADER, "events"))
    run(importers())
    expected = EXPECTED.split("\n\n", 2)[2]  # A DECIMAL(12,3) column's sums keep its scale:
    expected = expected.replace("quantity: 95.5\n", "quantity: 95.500\n")
    expected = expected.replace("quantity: 10.25\n", "quantity: 10.250\n")
    assert written().split("\n\n", 1)[1] == expected


# The import command.


def import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_script", REPO / "import.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_command_prints_repeated_events(here: Path) -> None:
    csv_export("2026-10.csv", [*EVENTS, EVENTS[4]])
    cli = import_script().ingest(Path("importers.yaml"), here).cli
    result = CliRunner().invoke(cli, ["import"])
    assert (result.exit_code, result.output) == (
        0,
        "documents/usage/2026-10.csv: 1 event id repeated with the same content, counted once: "
        "'ev-5' on lines 6 and 8\n"
        "ledger/usage/2026-10.beancount: 3 added\n"
        "Imported 1 documents: 3 entries added, 0 already in the ledger.\n",
    )


def test_beangulps_extract_without_the_ledger_says_it_needs_the_customers(here: Path) -> None:
    path = csv_export("2026-10.csv", EVENTS)
    with pytest.raises(ImportFailed) as failed:
        importer().extract(path, [])
    assert str(failed.value) == f"{path}: {NO_CUSTOMERS}"
    cli = import_script().ingest(Path("importers.yaml"), here).cli
    result = CliRunner().invoke(cli, ["extract", "documents"])
    assert "No customers to rate usage for" in result.output + str(result.exception)
    assert not (here / "ledger" / "usage").exists()


def test_the_demo_config_has_a_usage_source() -> None:
    (usage,) = [
        each for each in sources.load(REPO / "config" / "importers.yaml") if each.name == "usage"
    ]
    assert isinstance(usage, UsageImporter)
    assert usage.layout.pricing == REPO / "config" / "pricing.yaml"
    assert usage.identify("documents/usage/2026-10.parquet")


# The accruals load, and balance.


def test_the_accruals_load_without_errors(here: Path) -> None:
    csv_export("2026-10.csv", EVENTS)
    run(importers())
    Path("ledger/main.beancount").write_text(
        textwrap.dedent(
            """\
            2024-01-01 open Assets:UnbilledReceivables
            2024-01-01 open Income:Revenue:Usage
            include "customers.beancount"
            include "usage/*.beancount"
            """
        ),
        encoding="utf-8",
    )
    entries, errors, _ = loader.load_file(str(here / "ledger" / "main.beancount"))
    assert errors == []
    assert len(entries) == 2 + 3 + 3


# Each accrual carries its text, as the ledger writer prints it.

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_ACCOUNTS = st.sampled_from(["Income:Revenue:Usage", "Income:U", "Income:Revenue:Usage:Gpu:Long"])


@st.composite
def _priced_month(draw: st.DrawFn) -> tuple[Pricing, list[tuple[Customer, dict[str, Decimal]]]]:
    """A price book in a drawn currency, contracts with minimums, and customers' quantities."""
    currency = draw(st.sampled_from(["USD", "JPY", "XCR"]))  # 2, 0 and 8 decimals.
    names = draw(st.lists(_TEXT.filter(bool), min_size=1, max_size=4, unique=True))
    skus = {}
    for name in names:
        if draw(st.booleans()):
            price = draw(st.decimals(min_value=0, max_value=10**4, places=draw(st.integers(0, 9))))
            skus[name] = Sku(name, usage_pricing.FLAT, price, (), draw(_ACCOUNTS))
        else:
            method = draw(st.sampled_from([usage_pricing.GRADUATED, usage_pricing.VOLUME]))
            up_to = draw(st.decimals(min_value=1, max_value=10**4, places=2))
            low, high = (draw(st.decimals(min_value=0, max_value=9, places=4)) for _ in "ab")
            tiers = (Tier(up_to, low), Tier(None, high))
            skus[name] = Sku(name, method, None, tiers, draw(_ACCOUNTS))
    book = PriceBook("list", currency, skus)
    months, contracts = [], {}
    for index in range(draw(st.integers(1, 4))):
        customer = Customer(f"C{index}{draw(_TEXT)}", draw(_TEXT), draw(st.none() | _TEXT))
        if draw(st.booleans()):
            amount = draw(st.decimals(min_value=0, max_value=10**5, places=2))
            minimum = usage_pricing.Minimum(amount, usage_pricing.REVENUE)
            contracts[f"CTR-{index}"] = usage_pricing.Contract(
                f"CTR-{index}", customer.id, None, None, "list", {}, minimum
            )
        quantities = draw(
            st.dictionaries(
                st.sampled_from(names),
                st.decimals(min_value=0, max_value=10**4, places=draw(st.integers(0, 9)))
                | st.decimals(min_value=-1, max_value=1, places=9),
                min_size=1,
            )
        )
        months.append((customer, quantities))
    entities = {customer.entity or "": "list" for customer, _ in months}
    shortfall = draw(st.sampled_from(["Income:Revenue:Usage", "Income:Minimums:Shortfall"]))
    pricing = Pricing({"list": book}, entities, contracts, Precision({"XCR": 8}), shortfall)
    return pricing, months


@settings(max_examples=200, deadline=None)
@given(_priced_month(), st.lists(st.integers(1, 10**6), min_size=40, max_size=40))
def test_an_accruals_text_is_what_the_ledger_writer_prints(
    priced: tuple[Pricing, list[tuple[Customer, dict[str, Decimal]]]], counts: list[int]
) -> None:
    pricing, months = priced
    month = datetime.date(2026, 10, 1)
    skus = list(dict.fromkeys(sku for _, quantities in months for sku in quantities))
    numbers = [quantity for _, quantities in months for quantity in quantities.values()]
    scale = max(max(-int(quantity.as_tuple().exponent), 0) for quantity in numbers)
    lines = Lines(
        [(customer.id, customer.entity) for customer, _ in months],
        list(itertools.accumulate(len(quantities) for _, quantities in months)),
        skus,
        np.array([skus.index(sku) for _, quantities in months for sku in quantities]),
        [int(quantity.scaleb(scale, EXACT)) for quantity in numbers],
        scale,
    )
    rated = rate_lines(pricing, month, lines)
    where = [("documents/usage/2026-10.csv", index + 2) for index in range(len(months))]
    texts = [f"{quantity:f}" for quantity in numbers]
    events = counts[: len(numbers)] + [1] * (len(numbers) - len(counts))
    customers = [customer for customer, _ in months]
    entries = accruals(month, rated, customers, numbers, texts, events, "Assets:Unbilled", where)
    assert len(entries) == sum(found is not None for found in rated.months)
    for entry in entries:
        assert ledger_text.printed(entry) is entry.meta[PRINTED]  # The writer takes it as made.
        text = entry.meta.pop(PRINTED)
        assert text == ledger_text.printed(entry) == printer.format_entry(entry)
