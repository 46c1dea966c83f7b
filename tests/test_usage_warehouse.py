"""The aggregation statement rendered for another engine (`importers.usage_warehouse`).

That Spark runs the rendered statement, with the same totals as DuckDB, is
`tests/test_usage_spark.py` (slow: `make test-slow`).
"""

from __future__ import annotations

import datetime

from importers.usage_aggregate import AGGREGATE, RULES, bounds
from importers.usage_warehouse import parameters, render


def test_the_docstring_example_renders_as_shown() -> None:
    statement = "SELECT $month AS month FROM {events}"
    assert render(statement, "usage_events", ":") == "SELECT :month AS month FROM usage_events"


def test_spark_markers_replace_every_parameter_and_nothing_else() -> None:
    spark = render(AGGREGATE, "warehouse.usage_events", ":")
    assert "$" not in spark
    assert "FROM warehouse.usage_events\n" in spark
    assert "CAST(:month AS DATE) AS month" in spark
    assert "occurred_at < :month_start OR occurred_at >= :month_end" in spark
    # Back to DuckDB's markers, it is the statement DuckDB runs, character for character.
    assert spark.replace(":", "$") == AGGREGATE.format(events="warehouse.usage_events")


def test_duckdb_markers_render_the_statement_duckdb_runs() -> None:
    assert render(AGGREGATE, "usage_events", "$") == AGGREGATE.format(events="usage_events")


def test_a_parameter_whose_name_starts_another_is_kept_whole() -> None:
    statement = "SELECT $month, $month_start, $month_end FROM {events}"
    assert render(statement, "t", "@") == "SELECT @month, @month_start, @month_end FROM t"


def test_the_statement_asks_for_exactly_the_parameters_bounds_gives() -> None:
    given = bounds(datetime.date(2026, 10, 1), datetime.UTC)
    assert parameters(AGGREGATE) == set(given) == {"month", "month_start", "month_end"}
    assert parameters(RULES["outside_month"]) == {"month_start", "month_end"}
