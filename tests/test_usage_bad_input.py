"""Malformed metering exports: each stops the import with an error naming file and row.

Every case imports a good month first, then a run with the bad month beside a
good one: the run fails with exactly the expected messages (a CSV row by its
line, a Parquet row by its row index, a price book by its YAML line) and no
ledger file changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from importers.errors import ImportFailed
from importers.usage_checks import LISTED
from tests.importing import run, tree
from tests.test_usage_importer import (
    EVENTS,
    HEADER,
    PRICING,
    TYPES,
    books,
    csv_export,
    importers,
    moved,
    parquet_export,
    typed,
)

GOOD = EVENTS[:2]
Writer = Callable[[], object]  # Writes the bad month's files.


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return books(tmp_path, monkeypatch)


def change(row: int, column: str, value: str) -> list[tuple[str, ...]]:
    """The month's events with one cell changed (row counts from 0, the header apart)."""
    rows = [tuple(event) for event in EVENTS]
    index = HEADER.index(column)
    rows[row] = (*rows[row][:index], value, *rows[row][index + 1 :])
    return rows


def bad_csv(rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> Writer:
    return lambda: csv_export("2026-10.csv", rows, header)


CSV_CASES: dict[str, tuple[Writer, list[str]]] = {
    "unknown SKU": (
        bad_csv(change(3, "sku", "tpu-hours")),
        [
            "2026-10.csv:5: SKU 'tpu-hours' has no price for customer 'CUS-0020' in 2026-10 "
            "(price book 'list-eur'); expected a SKU of the price book"
        ],
    ),
    "unknown customer": (
        bad_csv(change(2, "customer_id", "CUS-9999")),
        [
            "2026-10.csv:4: Customer 'CUS-9999' is not in the ledger; expected the id of a "
            "'custom \"customer\"' directive"
        ],
    ),
    "negative quantity without adjustment": (
        bad_csv(change(1, "quantity", "-737")),
        [
            "2026-10.csv:3: Column 'quantity': '-737' is negative on a row that is not an "
            "adjustment; expected zero or more (only adjustments may be negative: mark the row "
            "in column 'adjustment')"
        ],
    ),
    "timestamp outside the month": (
        bad_csv(change(4, "timestamp", "2026-11-01T00:00:00Z")),
        [
            "2026-10.csv:6: Column 'timestamp': '2026-11-01T00:00:00Z' is outside 2026-10, the "
            "month in the file's name; expected from 2026-10-01 00:00 UTC to before "
            "2026-11-01 00:00 UTC"
        ],
    ),
    "one event id with different content": (
        bad_csv([*EVENTS, ("ev-2", *EVENTS[1][1:4], "738", "")]),
        [
            "2026-10.csv:8: Event id 'ev-2' is also on line 3 with different content; "
            "expected one event per id"
        ],
    ),
    "missing column": (
        bad_csv([row[:4] + row[5:] for row in EVENTS], HEADER[:4] + HEADER[5:]),
        [
            "2026-10.csv:1: Missing column 'quantity'; the header has 'event_id', 'timestamp', "
            "'customer_id', 'sku', 'adjustment'"
        ],
    ),
    "non-numeric quantity": (
        bad_csv(change(0, "quantity", "ten")),
        [
            "2026-10.csv:2: Column 'quantity': 'ten' is not a quantity; expected a decimal number "
            "like '12.5' or '-3' (no exponent, at most 29 digits before the point and 9 after)"
        ],
    ),
    "quantity in scientific notation": (
        bad_csv(change(0, "quantity", "1e3")),
        [
            "2026-10.csv:2: Column 'quantity': '1e3' is not a quantity; expected a decimal number "
            "like '12.5' or '-3' (no exponent, at most 29 digits before the point and 9 after)"
        ],
    ),
    "quantity with ten decimals": (
        bad_csv(change(0, "quantity", "0.0000000001")),
        [
            "2026-10.csv:2: Column 'quantity': '0.0000000001' is not a quantity; expected a "
            "decimal number like '12.5' or '-3' (no exponent, at most 29 digits before the point "
            "and 9 after)"
        ],
    ),
    "bad timestamp and empty customer on one row": (
        bad_csv(
            [*change(2, "timestamp", "31/10/2026")[:2], ("ev-3", "31/10/2026", "", "sku", "1", "")]
        ),
        [
            "2026-10.csv:4: Column 'timestamp': '31/10/2026' is not a timestamp; expected ISO "
            "8601 like '2026-10-05T14:30:00Z' (UTC when it has no offset)",
            "2026-10.csv:4: Column 'customer_id' is empty; expected a value",
        ],
    ),
    "empty event id": (
        bad_csv(change(5, "event_id", "")),
        ["2026-10.csv:7: Column 'event_id' is empty; expected a value"],
    ),
    "bad adjustment flag": (
        bad_csv(change(5, "adjustment", "maybe")),
        ["2026-10.csv:7: Column 'adjustment': 'maybe' is not a flag; expected true or false"],
    ),
    "row with a missing cell": (
        bad_csv([*EVENTS[:3], EVENTS[3][:5], *EVENTS[4:]]),
        ["2026-10.csv:5: Row has 5 cells; expected 6 as in the header"],
    ),
    "header only": (
        bad_csv([]),
        ["2026-10.csv:1: No rows after the header; expected at least one"],
    ),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_a_bad_csv_export_stops_the_import_and_changes_nothing(here: Path, case: str) -> None:
    write, messages = CSV_CASES[case]
    assert_nothing_imported(here, write, ["documents/usage/" + message for message in messages])


def assert_nothing_imported(here: Path, write: Writer, messages: list[str]) -> None:
    """Imports a good month, then fails on the bad one beside another good one, changing nothing."""
    csv_export("2026-09.csv", moved(GOOD, "09", "s"))
    run(importers())
    before = tree(here / "ledger")
    write()
    csv_export("2026-11.csv", moved(GOOD, "11", "n"))
    with pytest.raises(ImportFailed) as failed:
        run(importers())
    assert [str(problem) for problem in failed.value.problems] == messages
    assert tree(here / "ledger") == before


PARQUET_CASES: dict[str, tuple[Writer, list[str]]] = {
    "missing column": (
        lambda: parquet_export("2026-10.parquet", [row[:5] for row in EVENTS], header=HEADER[:5]),
        [
            "documents/usage/2026-10.parquet: Missing column 'adjustment'; the file has "
            "'event_id', 'timestamp', 'customer_id', 'sku', 'quantity'"
        ],
    ),
    "float quantities": (
        lambda: parquet_export(
            "2026-10.parquet",
            [(*row[:4], float(row[4]), row[5]) for row in EVENTS],
            {"quantity": pa.float64()},
        ),
        [
            "documents/usage/2026-10.parquet: Column 'quantity' holds double; expected decimals, "
            "integers or text (floats are not exact)"
        ],
    ),
    "non-numeric quantity, by row index": (
        lambda: parquet_export("2026-10.parquet", change(3, "quantity", "1,5")),
        [
            "documents/usage/2026-10.parquet: Row index 3: Column 'quantity': '1,5' is not a "
            "quantity; expected a decimal number like '12.5' or '-3' (no exponent, at most 29 "
            "digits before the point and 9 after)"
        ],
    ),
    "unknown customer in a part of a folder": (
        lambda: (
            parquet_export("2026-10/part-0.parquet", typed(EVENTS[:3]), TYPES)
            and parquet_export(
                "2026-10/part-1.parquet", typed(change(4, "customer_id", "CUS-7")[3:]), TYPES
            )
        ),
        [
            "documents/usage/2026-10/part-1.parquet: Row index 1: Customer 'CUS-7' is not in the "
            "ledger; expected the id of a 'custom \"customer\"' directive"
        ],
    ),
    "one event id with different content across parts": (
        lambda: (
            parquet_export("2026-10/part-0.parquet", typed(EVENTS[:3]), TYPES)
            and parquet_export(
                "2026-10/part-1.parquet", typed(change(3, "event_id", "ev-1")[3:]), TYPES
            )
        ),
        [
            "documents/usage/2026-10/part-1.parquet: Row index 0: Event id 'ev-1' is also on row "
            "index 0 of part-0.parquet with different content; expected one event per id"
        ],
    ),
    "naive timestamp outside the month": (
        lambda: parquet_export(
            "2026-10.parquet",
            [
                (*row[:1], datetime.datetime(2026, 9, 30, 23, 59, 59), *row[2:])
                for row in typed(EVENTS[:1])
            ],
            TYPES | {"timestamp": pa.timestamp("s")},
        ),
        [
            "documents/usage/2026-10.parquet: Row index 0: Column 'timestamp': '2026-09-30 "
            "23:59:59' is outside 2026-10, the month in the file's name; expected from "
            "2026-10-01 00:00 UTC to before 2026-11-01 00:00 UTC"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(PARQUET_CASES))
def test_a_bad_parquet_export_stops_the_import_and_changes_nothing(here: Path, case: str) -> None:
    write, messages = PARQUET_CASES[case]
    assert_nothing_imported(here, write, messages)


def test_a_price_book_with_overlapping_tiers_names_its_yaml_line(here: Path) -> None:
    overlapping = PRICING.replace(
        "tiers: [{up_to: 10000, unit_price: 0.02}, {unit_price: 0.015}]",
        "tiers:\n          - {up_to: 10000, unit_price: 0.02}\n"
        "          - {up_to: 5000, unit_price: 0.015}\n          - {unit_price: 0.01}",
    )

    def write() -> None:
        Path("pricing.yaml").write_text(overlapping, encoding="utf-8")
        csv_export("2026-10.csv", EVENTS)

    assert_nothing_imported(
        here,
        write,
        [
            "pricing.yaml:10: Field 'price_books.list-usd.skus.image-generations.tiers.1.up_to' "
            "expected more than the previous tier's '10000', found '5000'; tiers must ascend "
            "without overlapping"
        ],
    )


def test_a_name_without_a_month_is_a_problem(here: Path) -> None:
    assert_nothing_imported(
        here,
        lambda: csv_export("october.csv", EVENTS),
        [
            "documents/usage/october.csv: Name has no month; expected YYYY-MM in it, like "
            "'usage/2026-10.parquet'"
        ],
    )


def test_many_bad_rows_list_the_first_and_count_the_rest(here: Path) -> None:
    rows = [
        (f"ev-{n}", "2026-11-02T00:00:00Z", "CUS-0016", "gpu-hours", "1", "") for n in range(30)
    ]
    csv_export("2026-10.csv", rows)
    with pytest.raises(ImportFailed) as failed:
        run(importers())
    problems = [str(problem) for problem in failed.value.problems]
    assert len(problems) == LISTED + 1
    assert problems[0].startswith("documents/usage/2026-10.csv:2: Column 'timestamp'")
    assert problems[-1] == (
        "documents/usage/2026-10.csv: 10 more rows outside the month are not listed"
    )


def test_a_changed_export_of_an_imported_month_names_both_places(here: Path) -> None:
    csv_export("2026-10.csv", EVENTS)
    run(importers())
    before = tree(here / "ledger")
    csv_export("2026-10.csv", change(4, "quantity", "101"))
    with pytest.raises(ImportFailed) as failed:
        run(importers())
    assert str(failed.value) == (
        "documents/usage/2026-10.csv:6: usage 'CUS-0031/2026-10' is already in the ledger at "
        "ledger/usage/2026-10.beancount:40 with different content"
    )
    assert tree(here / "ledger") == before


def test_a_negative_net_quantity_of_a_tiered_sku_cannot_be_rated(here: Path) -> None:
    rows = [("ev-1", "2026-10-02T00:00:00Z", "CUS-0031", "image-generations", "-5", "true")]
    csv_export("2026-10.csv", rows)
    with pytest.raises(ImportFailed) as failed:
        run(importers())
    assert str(failed.value) == (
        "documents/usage/2026-10.csv:2: Quantity '-5' of SKU 'image-generations' (customer "
        "'CUS-0031', 2026-10) is negative; graduated tiers price quantities of at least zero"
    )
    assert Decimal(-5) < 0
