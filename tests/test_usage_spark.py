"""The aggregation step on Apache Spark in local mode: the same totals as DuckDB's.

`importers.usage_aggregate.AGGREGATE` is the step; Spark runs that very text,
rendered for its parameter markers (`importers.usage_warehouse.render`), over a
table of typed events of the documented shape, and DuckDB runs it through
`aggregate()` over the same events. Every total must be equal: the exact sums,
the counts, the first rows and the validation figures.

Slow (a Spark session takes seconds to start, and PySpark is a large download):
deselected by default; `make test-slow` installs the `spark` extra and runs it.
It is skipped where PySpark or Java (17 or later, for Spark 4) is missing.
"""

from __future__ import annotations

import datetime
import shutil
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pytest

from importers.usage_aggregate import AGGREGATE, aggregate, bounds, figures, totals
from importers.usage_warehouse import render

if shutil.which("java") is None:
    pytest.skip("Spark needs Java, and there is no `java` here", allow_module_level=True)
pytest.importorskip("pyspark", reason="the `spark` extra is not installed: make test-slow")

from pyspark.sql import SparkSession
from pyspark.sql import types as spark_types

pytestmark = [
    pytest.mark.slow,
    # PySpark's own warning about a pandas it has not caught up with; this test uses no pandas.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

MONTH = datetime.date(2026, 10, 1)
# New York's October runs from 04:00 UTC on 1 October to 04:00 UTC on 1 November:
# the events near midnight UTC fall in or out of it as only the zone decides.
ZONE = ZoneInfo("America/New_York")
UTC = datetime.UTC

Event = tuple[
    int, str | None, datetime.datetime | None, str | None, str | None, Decimal | None, bool, int
]

# The documented shape of the step's input (`importers.usage_aggregate`), in each engine.
ARROW = pa.schema(
    [
        ("row_key", pa.int64()),
        ("event_id", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("customer", pa.string()),
        ("sku", pa.string()),
        ("quantity", pa.decimal128(38, 9)),
        ("adjustment", pa.bool_()),
        ("event_count", pa.int64()),
    ]
)
SPARK = spark_types.StructType(
    [
        spark_types.StructField("row_key", spark_types.LongType()),
        spark_types.StructField("event_id", spark_types.StringType()),
        spark_types.StructField("occurred_at", spark_types.TimestampType()),
        spark_types.StructField("customer", spark_types.StringType()),
        spark_types.StructField("sku", spark_types.StringType()),
        spark_types.StructField("quantity", spark_types.DecimalType(38, 9)),
        spark_types.StructField("adjustment", spark_types.BooleanType()),
        spark_types.StructField("event_count", spark_types.LongType()),
    ]
)
# The step's output, to read Spark's totals back with the module's own functions.
TOTALS = pa.schema(
    [
        ("customer", pa.string()),
        ("sku", pa.string()),
        ("month", pa.date32()),
        ("quantity", pa.decimal128(38, 9)),
        ("events", pa.int64()),
        ("rows", pa.int64()),
        ("first_row", pa.int64()),
        ("incomplete", pa.int64()),
        ("outside_month", pa.int64()),
        ("unmarked_negative", pa.int64()),
    ]
)


def regular_events() -> list[Event]:
    """300 events of 6 customers and 3 SKUs over the month, quantities with 9 decimals."""
    customers = [f"CUS-{number:04d}" for number in range(1, 7)]
    skus = ["api-calls", "gpu-hours", "images"]
    start = datetime.datetime(2026, 10, 1, 4, 0, tzinfo=UTC)
    events: list[Event] = []
    for i in range(300):
        quantity = Decimal((i * i) % 997) + Decimal((i * 7919) % 10**9).scaleb(-9)
        events.append(
            (
                100 + 3 * i,
                f"ev-{i}",
                start + datetime.timedelta(minutes=137 * i),
                customers[i % 6],
                skus[(i // 6) % 3],
                quantity,
                False,
                3 if i % 10 == 0 else 1,
            )
        )
    return events


def event(
    row_key: int,
    when: str | None,
    customer: str | None,
    sku: str,
    quantity: str | None,
    adjustment: bool = False,
    count: int = 1,
) -> Event:
    """One event, its time in UTC and its quantity as text."""
    occurred_at = datetime.datetime.fromisoformat(when).replace(tzinfo=UTC) if when else None
    amount = Decimal(quantity) if quantity is not None else None
    return (row_key, f"ev-{row_key}", occurred_at, customer, sku, amount, adjustment, count)


# One customer's SKU summed by hand below, beyond a float's 15-17 digits.
HAND = [
    event(5001, "2026-10-02 12:00", "CUS-0900", "gpu-hours", "98765432109876543.123456789"),
    event(5002, "2026-10-15 08:30", "CUS-0900", "gpu-hours", "0.000000001"),
    # An adjustment: a negative quantity, allowed.
    event(5003, "2026-10-20 00:00", "CUS-0900", "gpu-hours", "-2.500000000", adjustment=True),
    # A pre-aggregated row of 40 events, on 31 October at 23:59:59.999999 in New York.
    event(5004, "2026-11-01 03:59:59.999999", "CUS-0900", "gpu-hours", "12.3456789", count=40),
]
BROKEN = [
    # 30 September at 23:59:59 in New York, and 1 November at midnight: outside the month.
    event(6001, "2026-10-01 03:59:59", "CUS-0001", "gpu-hours", "1"),
    event(6002, "2026-11-01 04:00:00", "CUS-0001", "gpu-hours", "1"),
    # A negative quantity on a row not marked as an adjustment.
    event(6003, "2026-10-05 10:00", "CUS-0002", "api-calls", "-1.000000001"),
    # Incomplete: no quantity; no customer; no time.
    event(6004, "2026-10-06 10:00", "CUS-0003", "images", None),
    event(6005, "2026-10-07 10:00", None, "images", "7.000000007"),
    event(6006, None, "CUS-0004", "images", "2.25"),
]


def all_events() -> list[Event]:
    """The events, last row key first: a total's first row is found, not read first."""
    return [*reversed(regular_events() + HAND + BROKEN)]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    folder = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("revclose-usage-aggregate")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
        .config("spark.local.dir", str(folder / "local"))
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def by_customer_and_sku(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of totals in one order, the totals without a customer or SKU last."""
    return sorted(
        rows, key=lambda row: (row[0] is None, row[0] or "", row[1] is None, row[1] or "")
    )


def duckdb_totals(
    events: Sequence[Event],
) -> tuple[duckdb.DuckDBPyConnection, list[str], list[Any]]:
    """Runs `aggregate()` over the events: DuckDB's connection, columns and rows of totals."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.register(
        "typed_events",
        pa.Table.from_pylist(
            [dict(zip(ARROW.names, event, strict=True)) for event in events], ARROW
        ),
    )
    connection.execute("CREATE TABLE usage_events AS SELECT * FROM typed_events")
    described = connection.execute("SELECT column_type FROM (DESCRIBE usage_events)").fetchall()
    assert [column_type for (column_type,) in described] == [
        "BIGINT", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "VARCHAR", "VARCHAR", "DECIMAL(38,9)",
        "BOOLEAN", "BIGINT",
    ]  # fmt: skip
    table = aggregate(connection, "usage_events", MONTH, ZONE)
    result = connection.execute(f"SELECT * FROM {table}")
    columns = [column[0] for column in result.description]
    return connection, columns, by_customer_and_sku(result.fetchall())


def spark_totals(spark: SparkSession, events: Sequence[Event]) -> tuple[list[str], list[Any]]:
    """Runs the same statement on Spark over the same events: its columns and rows of totals."""
    # Spread over partitions, so that Spark adds up partial sums as a cluster's executors do.
    frame = spark.createDataFrame(list(events), SPARK).repartition(3)
    frame.createOrReplaceTempView("usage_events")
    result = spark.sql(render(AGGREGATE, "usage_events", ":"), args=bounds(MONTH, ZONE))
    assert result.schema["quantity"].dataType == spark_types.DecimalType(38, 9)
    return result.columns, by_customer_and_sku([tuple(row) for row in result.collect()])


def test_spark_runs_the_aggregation_step_with_duckdbs_totals(
    spark: SparkSession,
) -> None:
    events = all_events()
    connection, duck_columns, duck_rows = duckdb_totals(events)
    spark_columns, spark_rows = spark_totals(spark, events)

    # Row for row, value for value: exact Decimals, counts, first rows, figures.
    assert spark_columns == duck_columns == TOTALS.names
    assert len(spark_rows) == len(duck_rows) == 6 * 3 + 1 + 1
    assert spark_rows == duck_rows

    # Spark's totals read back by the importer's own functions give the same figures and totals,
    # the sums' text included (the accruals are written from it).
    connection.register(
        "spark_totals",
        pa.Table.from_pylist(
            [dict(zip(TOTALS.names, row, strict=True)) for row in spark_rows], TOTALS
        ),
    )
    assert figures(connection, "spark_totals") == figures(connection, "usage_totals")
    assert figures(connection, "usage_totals") == {
        "rows": 310,
        "incomplete": 3,
        "outside_month": 2,
        "unmarked_negative": 1,
    }
    duck, from_spark = totals(connection, "usage_totals"), totals(connection, "spark_totals")
    for field in duck._fields:
        assert list(getattr(from_spark, field)) == list(getattr(duck, field)), field
    assert from_spark.quantities == [format(row[3], "f") for row in spark_rows]

    # One total summed by hand: 98765432109876543.123456789 + 0.000000001 - 2.5 + 12.3456789.
    (hand,) = [row for row in spark_rows if row[0] == "CUS-0900"]
    assert hand == (
        "CUS-0900",
        "gpu-hours",
        MONTH,
        Decimal("98765432109876552.969135690"),
        43,
        4,
        5001,
        0,
        0,
        0,
    )
    assert format(hand[3], "f") == "98765432109876552.969135690"
    # The rows that break a rule, each in its customer's SKU.
    broken = {row[:2]: row[7:] for row in spark_rows if any(row[7:])}
    assert broken == {
        ("CUS-0001", "gpu-hours"): (0, 2, 0),
        ("CUS-0002", "api-calls"): (0, 0, 1),
        ("CUS-0003", "images"): (1, 0, 0),
        ("CUS-0004", "images"): (1, 0, 0),
        (None, "images"): (1, 0, 0),
    }
