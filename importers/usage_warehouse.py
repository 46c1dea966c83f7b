"""The aggregation step for another engine: `usage_aggregate.AGGREGATE`, rendered for it.

The step is one SQL statement, written for DuckDB (`importers.usage_aggregate`).
Everything in it but its parameter markers is standard SQL that Spark SQL runs
as it is (`count(*) FILTER (WHERE ...)` included), so the statement another
engine runs is the same text with two things filled in: the name of its table
of events, and its own spelling of named parameters. DuckDB writes `$month`;
Spark SQL (3.4 and later) writes `:month`, BigQuery `@month`:

    >>> print(render("SELECT $month AS month FROM {events}", "usage_events", ":"))
    SELECT :month AS month FROM usage_events

The parameters' values are the same: `usage_aggregate.bounds` gives them, a
date and two instants, e.g. for Spark
`spark.sql(render(AGGREGATE, "usage_events", ":"), args=bounds(month, zone))`.
"""

from __future__ import annotations

import re

# A DuckDB named parameter: `$` and a name. The statements rendered here have
# no string literals or comments, so every `$` starts a parameter.
PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def render(statement: str, events: str, marker: str = ":") -> str:
    """Returns a statement of `usage_aggregate` as another engine runs it.

    Args:
      statement: The statement as DuckDB runs it, such as `usage_aggregate.AGGREGATE`:
        `{events}` where the events' table goes, `$name` for each parameter.
      events: The name of the engine's table or view of typed events.
      marker: What comes before a parameter's name in the engine's SQL.
    Returns:
      The statement with the table's name and the engine's parameter markers in it.
    """
    return PARAMETER.sub(lambda found: marker + found.group(1), statement.format(events=events))


def parameters(statement: str) -> set[str]:
    """Returns the names of a statement's parameters: the values the engine must be given."""
    return set(PARAMETER.findall(statement))
