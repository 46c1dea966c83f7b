"""The aggregation step: a month's events in, one row per customer and SKU out.

Its input is a table of typed events (`importers.usage_events` makes the view
`usage_events` over a file; a warehouse has its own table of the same shape):

    row_key BIGINT, event_id VARCHAR, occurred_at TIMESTAMPTZ, customer VARCHAR,
    sku VARCHAR, quantity DECIMAL(38,9), adjustment BOOLEAN, event_count BIGINT

Its output has one row per customer and SKU: the month, the exact sum of the
quantities (an exact DECIMAL: never a float), the number of events (rows of a
pre-aggregated export stand for several), of rows, the first row, and the
validation figures, rows that break a rule:

- `incomplete`: a value missing, or not of its type (NULL in the input),
  except the event id: that column is read only by the search for repeated
  ids, which counts the rows without one (reading 10 million ids twice
  would cost more than the rest of the aggregation);
- `outside_month`: a timestamp outside the month the file is named for;
- `unmarked_negative`: a negative quantity on a row not marked as an adjustment.

A month is booked only when every figure is zero. The step is the one SQL
statement `AGGREGATE`, run as it is by DuckDB here, so that the same step runs
where the events are (a warehouse, Spark): see the README, "Usage metering".
Testing every row for the rules costs a third of the statement, and summing
the events of rows that are each one event another third; a Parquet file's
statistics tell at no cost whether any row can break a rule (`SCREEN`), and
when none can, and the export has no column of event counts, `UNBROKEN` gives
the same table without the tests, counting rows for events.

Event ids repeated in the input are found first (`repeated_events`): copies of
an event with the same content are left out of the aggregation (counted once),
and an id with different contents is a problem.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

_KEYS = """\
SELECT
    customer,
    sku,
    CAST($month AS DATE) AS month,
    sum(quantity) AS quantity,
"""
_TOTALS = """\
    count(*) AS rows,
    min(row_key) AS first_row,
"""
_GROUPS = """\
FROM {events}
GROUP BY customer, sku
"""
AGGREGATE = (
    _KEYS
    + "    sum(event_count) AS events,\n"
    + _TOTALS
    + """\
    count(*) FILTER (
        WHERE occurred_at IS NULL OR customer IS NULL OR sku IS NULL
           OR quantity IS NULL OR adjustment IS NULL OR event_count IS NULL
    ) AS incomplete,
    count(*) FILTER (
        WHERE occurred_at < $month_start OR occurred_at >= $month_end
    ) AS outside_month,
    count(*) FILTER (WHERE quantity < 0 AND NOT adjustment) AS unmarked_negative
"""
    + _GROUPS
)
# The statement for events that `SCREEN` finds unbroken, each row one event (a raw
# export): the same totals, the events counted, and the same figures, which are then
# known without testing each row: a row can break a rule only by a missing customer or
# SKU, which makes its group's key NULL.
UNBROKEN = (
    _KEYS
    + "    count(*) AS events,\n"
    + _TOTALS
    + """\
    CASE WHEN customer IS NULL OR sku IS NULL THEN count(*) ELSE 0 END AS incomplete,
    CAST(0 AS BIGINT) AS outside_month,
    CAST(0 AS BIGINT) AS unmarked_negative
"""
    + _GROUPS
)
# Whether no event can break a rule but by a missing customer or SKU: every other value
# there, every instant in the month, no quantity below zero. Counts, least and greatest
# values of a whole Parquet file are in its statistics: this reads no row of it.
SCREEN = """\
SELECT coalesce(
    count(*) = count(occurred_at) AND count(*) = count(quantity)
    AND count(*) = count(adjustment) AND count(*) = count(event_count)
    AND min(occurred_at) >= $month_start AND max(occurred_at) < $month_end
    AND min(quantity) >= 0,
    true
)
FROM {events}
"""

# The rows that break each rule, in row order: how the messages find them.
RULES = {
    "incomplete": (
        "event_id IS NULL OR occurred_at IS NULL OR customer IS NULL OR sku IS NULL "
        "OR quantity IS NULL OR adjustment IS NULL OR event_count IS NULL"
    ),
    "outside_month": "occurred_at < $month_start OR occurred_at >= $month_end",
    "unmarked_negative": "quantity < 0 AND NOT adjustment",
}
FIGURES = tuple(RULES)


class Totals(NamedTuple):
    """A table of totals as columns, ordered by customer and SKU.

    Customers and SKUs are each named once: a customer's totals are a range of
    rows, a total's SKU an index of `skus` (None names the totals without one).
    """

    customers: list[str | None]  # Each customer once, in order.
    ends: list[int]  # Customer i's totals are ends[i - 1] (0 for the first) to ends[i].
    starts: list[int]  # Each customer's first row: the least row_key of its totals.
    skus: list[str | None]  # Each SKU once.
    codes: np.ndarray  # Each total's SKU: an index of `skus`.
    quantities: list[str | None]  # Each total's exact sum, as DuckDB writes it; None: none.
    events: list[int | None]  # Each total's number of events.
    first_rows: list[int]  # The row_key of each total's first row.


def bounds(month: datetime.date, zone: datetime.tzinfo, naive: bool = False) -> dict[str, object]:
    """Returns the step's parameters: the month, and its first and last instants (end excluded).

    The instants are in `zone`; `naive` gives them as naive UTC times, for
    events whose timestamps are naive UTC times.
    """
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    start = datetime.datetime.combine(month, datetime.time(), zone)
    end = datetime.datetime.combine(following, datetime.time(), zone)
    if naive:
        start, end = (
            moment.astimezone(datetime.UTC).replace(tzinfo=None) for moment in (start, end)
        )
    return {"month": month, "month_start": start, "month_end": end}


def aggregate(
    connection: duckdb.DuckDBPyConnection,
    events: str,
    month: datetime.date,
    zone: datetime.tzinfo,
    naive: bool = False,
    screen: bool = False,
) -> str:
    """Runs the aggregation step over a table of events, into the table `usage_totals`.

    Args:
      connection: The DuckDB connection that has the events.
      events: The name of the table or view of typed events (see the module's docstring).
      month: The month the events belong to, its first day.
      zone: The time zone whose calendar says which month an instant is in.
      naive: Whether the events' `occurred_at` is a naive TIMESTAMP in UTC.
      screen: Whether to look at the events as a whole first (`SCREEN`): when no
        event can break a rule but by its key, the totals come from `UNBROKEN`,
        which tests no row. Only for events whose rows are each one event, and
        worth it where the whole is known without reading the rows (Parquet's
        statistics); a CSV file would be read once more.
    Returns:
      The name of the table of totals: one row per customer and SKU.
    """
    parameters = bounds(month, zone, naive)
    query = AGGREGATE
    if screen:
        instants = {key: parameters[key] for key in ("month_start", "month_end")}
        found = connection.execute(SCREEN.format(events=events), instants).fetchone()
        if found is not None and found[0]:
            query, parameters = UNBROKEN, {"month": month}
    statement = query.format(events=events)
    connection.execute(f"CREATE OR REPLACE TABLE usage_totals AS {statement}", parameters)
    return "usage_totals"


def figures(connection: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Returns the number of rows, and of rows breaking each rule, over all the totals."""
    columns = ", ".join(f"coalesce(sum({name}), 0)" for name in ("rows", *FIGURES))
    row = connection.execute(f"SELECT {columns} FROM {table}").fetchone()
    assert row is not None
    return dict(zip(("rows", *FIGURES), map(int, row), strict=True))


def totals(connection: duckdb.DuckDBPyConnection, table: str) -> Totals:
    """Returns the totals of a table of totals as columns, ordered by customer and SKU.

    The totals cross into Python a column at a time (NumPy arrays), sums as
    text, and each customer and SKU once: DuckDB's conversion of every row to
    Python objects, and of sums to Decimals, take several times as long.
    """
    customers = connection.execute(
        f"SELECT customer, count(*) AS totals, min(first_row) AS first_row FROM {table} "
        "GROUP BY customer ORDER BY customer NULLS LAST"
    ).fetchnumpy()
    skus = connection.execute(
        f"SELECT DISTINCT sku FROM {table} ORDER BY sku NULLS LAST"
    ).fetchnumpy()
    # Ordered by each customer's and SKU's rank: integers sort faster than their names.
    columns = connection.execute(
        f"""
        WITH customers AS (
            SELECT customer, row_number() OVER (ORDER BY customer NULLS LAST) AS rank
            FROM (SELECT DISTINCT customer FROM {table})
        ), skus AS (
            SELECT sku, row_number() OVER (ORDER BY sku NULLS LAST) - 1 AS code
            FROM (SELECT DISTINCT sku FROM {table})
        )
        SELECT code, CAST(quantity AS VARCHAR) AS quantity, CAST(events AS BIGINT) AS events,
               first_row
        FROM {table} AS totals
        JOIN customers ON totals.customer IS NOT DISTINCT FROM customers.customer
        JOIN skus ON totals.sku IS NOT DISTINCT FROM skus.sku
        ORDER BY rank, code
        """
    ).fetchnumpy()
    return Totals(
        _values(customers["customer"]),
        np.cumsum(customers["totals"]).tolist(),
        customers["first_row"].tolist(),
        _values(skus["sku"]),
        np.asarray(columns["code"], dtype=np.int64),
        _values(columns["quantity"]),
        _values(columns["events"]),
        columns["first_row"].tolist(),
    )


def _values(column: np.ndarray) -> list[Any]:
    """Returns a fetched column as Python values, None where it is NULL (masked)."""
    # A column with NULLs is a masked array; asking by its mask spares importing `numpy.ma`.
    found = getattr(column, "mask", None)
    if found is not None:
        mask = np.zeros(len(column), dtype=np.bool_) | found
        values: list[Any] = column.data.tolist()
        if mask.any():
            return [
                None if masked else value
                for value, masked in zip(values, mask.tolist(), strict=True)
            ]
        return values
    plain: list[Any] = column.tolist()
    return plain


class Repeats(NamedTuple):
    """Event ids on more than one row, and how many rows have an id."""

    same: Sequence[tuple[str, tuple[int, ...]]]  # Ids whose rows are all one event: its rows.
    different: Sequence[tuple[str, int, int]]  # An id, its first row, a row with other content.
    extra: Sequence[int]  # The rows to leave out: copies of an earlier row.
    ids: int  # The rows with an event id.


def repeated_hashes(connection: duckdb.DuckDBPyConnection, events: str) -> tuple[np.ndarray, int]:
    """Returns the 64-bit hashes of event ids on more than one row (and rare collisions), and
    how many rows have an id.

    Sorting the ids' hashes and comparing neighbours is the fastest exact
    test measured (`bench/usage_import.py --strategies`): about 1 s of CPU for
    10 million ids and 80 MB, where DuckDB's hash aggregate on the ids or
    COUNT(DISTINCT) take several times the time and memory. DuckDB writes the
    hashes into a NumPy array, sorted in place.
    """
    query = f"SELECT hash(event_id) AS h FROM {events} WHERE event_id IS NOT NULL"
    hashes = np.asarray(connection.execute(query).fetchnumpy()["h"], dtype=np.uint64)
    hashes.sort()
    same = hashes[1:] == hashes[:-1]
    return (np.unique(hashes[1:][same]) if same.any() else hashes[:0]), len(hashes)


def repeated_events(connection: duckdb.DuckDBPyConnection, events: str) -> Repeats:
    """Finds every event id on more than one row, exactly: equal hashes are then compared as ids."""
    candidates, ids = repeated_hashes(connection, events)
    if not len(candidates):
        return Repeats((), (), (), ids)
    connection.register("usage_candidates", pa.table({"h": candidates}))
    rows = connection.execute(
        f"""
        SELECT event_id,
               list(
                   (row_key, occurred_at, customer, sku, quantity, adjustment, event_count)
                   ORDER BY row_key
               )
        FROM {events}
        WHERE event_id IS NOT NULL AND hash(event_id) IN (SELECT h FROM usage_candidates)
        GROUP BY event_id
        HAVING count(*) > 1
        ORDER BY min(row_key)
        """
    ).fetchall()
    connection.unregister("usage_candidates")
    same, different, extra = [], [], []
    for event_id, structs in rows:
        copies = [tuple(copy) for copy in structs]  # (row_key, *content)
        (first, *content), later = copies[0], copies[1:]
        others = [key for key, *values in later if values != content]
        if others:
            different += [(event_id, first, key) for key in others]
        else:
            same.append((event_id, tuple(key for key, *_ in copies)))
        extra += [key for key, *values in later if values == content]
    return Repeats(same, different, extra, ids)


def once(connection: duckdb.DuckDBPyConnection, events: str, repeats: Repeats) -> str:
    """Returns the name of a view of the events without the copies of repeated events."""
    if not repeats.extra:
        return events
    connection.register("usage_copies", pa.table({"row_key": pa.array(repeats.extra, pa.int64())}))
    connection.execute(
        f"CREATE OR REPLACE VIEW usage_events_once AS SELECT * FROM {events} "
        "WHERE row_key NOT IN (SELECT row_key FROM usage_copies)"
    )
    return "usage_events_once"
