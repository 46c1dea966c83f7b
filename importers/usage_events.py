"""A month's usage events, read with DuckDB: from CSV, Parquet, or a folder of Parquet files.

A document is one month of a metering system's export, named for the month
(`YYYY-MM` anywhere in its name): `usage/2026-10.csv`, `usage/2026-10.parquet`,
or a folder `usage/2026-10/` of Parquet files at any depth (`part-*.parquet`,
or hive-style folders such as `day=2026-10-01/`, whose `key=value` columns
DuckDB adds). In a folder, files whose name starts with `_` (Spark's `_SUCCESS`)
or `.` are not data.

`read` opens the document in DuckDB as two views, without loading it:

- `usage_checked`: every row's raw cells (as text, for messages) and its typed
  values, NULL where a cell is empty or not of its type;
- `usage_events`: the typed events, the input of the aggregation
  (`importers.usage_aggregate`):

      row_key     BIGINT       -- where the row is (see `Events.locate`)
      event_id    VARCHAR
      occurred_at TIMESTAMPTZ  -- a timestamp without offset is UTC (a Parquet
                               -- column of naive timestamps stays TIMESTAMP, in UTC)
      customer    VARCHAR
      sku         VARCHAR
      quantity    DECIMAL      -- a Parquet DECIMAL's own type (at most 9 decimals),
                               -- DECIMAL(38,0) for integers, DECIMAL(38,9) for text
      adjustment  BOOLEAN      -- FALSE without an adjustment column
      event_count BIGINT       -- the events a row stands for: 1 without an events column

Quantities are exact decimals of at most 29 digits before the point and 9
after it: text like `12`, `-3.5` or `0.000000125` (no exponent, no thousands
separator), a Parquet integer, or a Parquet DECIMAL. A float column is refused
(its values are not the decimals that were metered). CSV cells are stripped of
surrounding spaces, like every CSV source's.

Rows are located the way a user finds them: a CSV row by its line in the
file; a Parquet row by its row index in its file, from 0 (what DuckDB calls
`file_row_number`, and pandas' default index).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from importers import csv_rows
from importers.errors import ImportFailed, Problem, raise_if_any
from importers.usage_config import ENCODINGS, UsageLayout

MONTH = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")
PART = 1 << 40  # row_key = the file's index in the document x PART + the row's number.
QUANTITY = r"[+-]?[0-9]{1,29}(\.[0-9]{1,9})?"
_CSV_OPTIONS = "header = true, auto_detect = false, strict_mode = true, quote = '\"', escape = '\"'"


def month_in(name: str) -> datetime.date | None:
    """Returns the first day of the month a document's name says (`2026-10` -> 2026-10-01)."""
    found = MONTH.search(name)
    return datetime.date(int(found[1]), int(found[2]), 1) if found else None


def is_part(path: PurePath) -> bool:
    """Tells whether a file can belong to a folder document: Parquet data, or a `_` marker."""
    return path.suffix == ".parquet" or path.name.startswith("_")


def parts(folder: Path) -> list[Path]:
    """Returns the Parquet files of a folder document, at any depth, sorted."""
    found = []
    for path in folder.rglob("*.parquet"):
        names = path.relative_to(folder).parts
        if path.is_file() and not any(name.startswith((".", "_")) for name in names):
            found.append(path)
    return sorted(found)


@dataclass(frozen=True)
class Document:
    """A month's export: its path (a file or a folder), its month and its data files."""

    path: str
    month: datetime.date  # The month's first day.
    files: tuple[str, ...]  # The CSV file, or the Parquet files.
    csv: bool


def document(path: str) -> Document:
    """Returns the document at a path: its month and files.

    Raises:
      ImportFailed: If its name has no month, or it is neither CSV, Parquet nor a folder of it.
    """
    month = month_in(PurePath(path).name)
    if month is None:
        message = "Name has no month; expected YYYY-MM in it, like 'usage/2026-10.parquet'"
        raise ImportFailed([Problem(path, None, message)])
    if Path(path).is_dir():
        files = tuple(str(part) for part in parts(Path(path)))
        if not files:
            message = "Folder has no Parquet files; expected a month's events as '*.parquet'"
            raise ImportFailed([Problem(path, None, message)])
        return Document(path, month, files, csv=False)
    suffix = PurePath(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        message = f"File type '{suffix}' is not read; expected '.csv' or '.parquet'"
        raise ImportFailed([Problem(path, None, message)])
    return Document(path, month, (path,), csv=suffix == ".csv")


# How each field's typed value is read from its raw column, by the column's kind.
_TEXT = "NULLIF({c}, '')"
_TYPED = {
    ("id", "text"): _TEXT,
    ("id", "integer"): "CAST({c} AS VARCHAR)",
    ("customer", "text"): _TEXT,
    ("customer", "integer"): "CAST({c} AS VARCHAR)",
    ("sku", "text"): _TEXT,
    ("sku", "integer"): "CAST({c} AS VARCHAR)",
    ("timestamp", "text"): "TRY_CAST({c} AS TIMESTAMPTZ)",
    ("timestamp", "timestamp"): "{c}",
    # Kept naive (UTC): DuckDB's conversion of every value to TIMESTAMPTZ costs more than the
    # whole aggregation; the month's bounds are given naive, in UTC, instead.
    ("timestamp", "naive timestamp"): "{c}",
    ("timestamp", "date"): "CAST({c} AS TIMESTAMP)",
    ("quantity", "text"): (
        f"CASE WHEN regexp_full_match({{c}}, '{QUANTITY}') THEN CAST({{c}} AS DECIMAL(38,9)) END"
    ),
    ("quantity", "integer"): "CAST({c} AS DECIMAL(38,0))",
    # A DECIMAL keeps its scale: its sums are written with the decimals the export has.
    ("quantity", "decimal"): "{c}",
    # A DECIMAL with more than 9 decimals converts only when it has no more than 9.
    (
        "quantity",
        "fine decimal",
    ): "CASE WHEN {c} = round({c}, 9) THEN TRY_CAST({c} AS DECIMAL(38,9)) END",
    (
        "adjustment",
        "text",
    ): "CASE WHEN NULLIF({c}, '') IS NULL THEN false ELSE TRY_CAST({c} AS BOOLEAN) END",
    ("adjustment", "boolean"): "coalesce({c}, false)",
    ("adjustment", "integer"): "coalesce({c} <> 0, false)",
    # A pre-aggregated export's rows each stand for a number of events, at least one.
    ("events", "text"): (
        "CASE WHEN regexp_full_match({c}, '[0-9]{1,18}') AND CAST({c} AS BIGINT) >= 1 "
        "THEN CAST({c} AS BIGINT) END"
    ),
    ("events", "integer"): "CASE WHEN {c} >= 1 THEN CAST({c} AS BIGINT) END",
}
# The typed value of an optional field the export does not have.
_ABSENT = {"adjustment": "false", "events": "1::BIGINT"}
_EXPECTED = {
    "id": "text or integers",
    "customer": "text or integers",
    "sku": "text or integers",
    "timestamp": "timestamps, dates or text",
    "quantity": "decimals, integers or text (floats are not exact)",
    "adjustment": "booleans, integers or text",
    "events": "whole numbers or text",
}
NAMES = {
    "id": "event_id",
    "timestamp": "occurred_at",
    "customer": "customer",
    "sku": "sku",
    "quantity": "quantity",
    "adjustment": "adjustment",
    "events": "event_count",
}


def _kind(kind: pa.DataType) -> str:
    """Returns the kind of a Parquet column's type, as `_TYPED` knows them."""
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_decimal(kind):
        return "decimal" if kind.scale <= 9 else "fine decimal"
    if pa.types.is_timestamp(kind):
        return "timestamp" if kind.tz else "naive timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_boolean(kind):
        return "boolean"
    return str(kind)


def _hive_keys(document: Document, file: str) -> set[str]:
    """Returns the `key=value` folder names between a folder document and one of its files."""
    inside = PurePath(file).relative_to(document.path).parts[:-1]
    return {name.split("=", 1)[0] for name in inside if "=" in name}


def _parquet_kinds(document: Document, columns: Mapping[str, str]) -> dict[str, str]:
    """Returns each field's kind, checking every file has every column, of a kind we read."""
    problems: list[Problem] = []
    kinds: dict[str, str] = {}
    for file in document.files:
        try:
            schema = pq.read_schema(file)
        except (OSError, pa.ArrowException) as error:
            problems.append(Problem(file, None, f"Cannot read the Parquet file: {error}"))
            continue
        hive = _hive_keys(document, file) if file != document.path else set()
        has = ", ".join(f"'{name}'" for name in [*schema.names, *sorted(hive)])
        for field, column in columns.items():
            if column in hive and column not in schema.names:
                kinds.setdefault(field, "text")
                continue
            if column not in schema.names:
                problems.append(
                    Problem(file, None, f"Missing column '{column}'; the file has {has}")
                )
                continue
            kind = _kind(schema.field(column).type)
            if (field, kind) not in _TYPED:
                found = schema.field(column).type
                message = f"Column '{column}' holds {found}; expected {_EXPECTED[field]}"
                problems.append(Problem(file, None, message))
            elif kinds.setdefault(field, kind) != kind:
                # Parts of one folder that disagree are read as text, and checked row by row.
                kinds[field] = "text" if (field, "text") in _TYPED else kinds[field]
    raise_if_any(problems)
    return kinds


def _csv_header(document: Document, layout: UsageLayout) -> tuple[list[str], int]:
    """Returns the CSV file's header and its line, checking the file has the columns and a row."""
    problems: list[Problem] = []
    path = document.files[0]
    next(csv_rows.stream_rows(path, layout.csv, problems), None)
    raise_if_any(problems)
    with open(path, encoding=layout.csv.encoding, newline="") as stream:
        for line, record in enumerate(csv.reader(stream, delimiter=layout.csv.delimiter)):
            if record:
                return [cell.strip().lstrip("\ufeff") for cell in record], line + 1
    raise AssertionError("stream_rows has checked the file has a header.")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Events:
    """A document opened in DuckDB as the views `usage_checked` and `usage_events`."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, document: Document, layout: UsageLayout
    ) -> None:
        self.connection = connection
        self.document = document
        self.layout = layout
        self.header_line = 1  # The CSV header's line.
        self.fields = layout.columns  # Field -> its column in the export.
        self.naive = False  # Whether `occurred_at` is a naive TIMESTAMP (UTC), not TIMESTAMPTZ.
        self.text_quantities = True  # Whether quantities are read from text (9 decimals).
        self._lines: dict[int, int] = {}

    @property
    def one_event_a_row(self) -> bool:
        """Tells whether each row is one event: the export has no column of event counts."""
        return "events" not in self.fields

    def _source(self) -> tuple[str, dict[str, str]]:
        """Returns the FROM clause reading the document, and each field's column kind."""
        layout = self.layout
        if self.document.csv:
            header, self.header_line = _csv_header(self.document, layout)
            columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header)
            options = (
                f"{_CSV_OPTIONS}, delim = {_literal(layout.csv.delimiter)}, "
                f"encoding = {_literal(ENCODINGS[layout.csv.encoding])}, columns = {{{columns}}}"
            )
            path = _literal(self.document.files[0])
            source = f"read_csv({path}, {options}) WITH ORDINALITY AS events"
            return source, {field: "text" for field in self.fields}
        kinds = _parquet_kinds(self.document, self.fields)
        files = ", ".join(_literal(file) for file in self.document.files)
        hive = "false" if self.document.files == (self.document.path,) else "true"
        options = f"hive_partitioning = {hive}, union_by_name = true"
        return f"read_parquet([{files}], {options}) AS events", kinds

    def open(self) -> None:
        """Creates the views over the document.

        Raises:
          ImportFailed: If the document lacks a column, or one holds values of the wrong type.
        """
        source, kinds = self._source()
        self.naive = kinds["timestamp"] in ("naive timestamp", "date")
        self.text_quantities = kinds["quantity"] in ("text", "fine decimal")
        row_key = "events.ordinality"
        if not self.document.csv:
            row_key = f"events.file_index::BIGINT * {PART} + events.file_row_number"
        raw = {}
        for field, column in self.fields.items():
            cell = f"events.{_quoted(column)}"
            if self.document.csv:
                raw[field] = f"trim({cell})"
            else:
                raw[field] = f"CAST({cell} AS VARCHAR)" if kinds[field] == "text" else cell
        selected = [f"{row_key} AS row_key"]
        for field, name in NAMES.items():
            if field in raw:
                selected.append(f"CAST({raw[field]} AS VARCHAR) AS raw_{name}")
                typed = _TYPED[field, kinds[field]].replace("{c}", raw[field])
                selected.append(f"{typed} AS {name}")
            else:
                selected += [f"NULL::VARCHAR AS raw_{name}", f"{_ABSENT[field]} AS {name}"]
        self.connection.execute(
            f"CREATE VIEW usage_checked AS SELECT {', '.join(selected)} FROM {source}"
        )
        names = ", ".join(NAMES.values())
        self.connection.execute(
            f"CREATE VIEW usage_events AS SELECT row_key, {names} FROM usage_checked"
        )

    def failure(self, error: duckdb.Error) -> ImportFailed:
        """Returns why DuckDB could not read the document: for CSV, its bad rows, line by line.

        DuckDB stops at a CSV file's first malformed row; the file is then read
        again as every CSV source reads, for a message on every bad row.
        """
        if self.document.csv:
            problems: list[Problem] = []
            try:
                for _ in csv_rows.stream_rows(self.document.files[0], self.layout.csv, problems):
                    pass
            except ImportFailed as failed:
                return failed
            if problems:
                return ImportFailed(problems)
        message = str(error).splitlines()[0]
        return ImportFailed([Problem(self.document.path, None, f"Cannot read: {message}")])

    def locate(self, keys: Iterable[int], rows: int) -> None:
        """Finds the line of the CSV rows with these keys (their numbers, from 1), once.

        When the file has exactly one line per row after its header (no blank
        lines, no quoted line breaks), a row's line is counted; otherwise the
        file is read once more, row by row, for the lines of these rows alone.
        """
        wanted = sorted({key for key in keys if key not in self._lines})
        if not self.document.csv or not wanted:
            return
        path = self.document.files[0]
        with open(path, "rb") as stream:
            newlines, last = 0, b""
            while chunk := stream.read(1 << 22):
                newlines, last = newlines + chunk.count(b"\n"), chunk[-1:]
        lines = newlines + (last not in (b"\n", b""))
        if lines == self.header_line + rows:
            self._lines.update((key, self.header_line + key) for key in wanted)
            return
        targets = set(wanted)
        for number, row in enumerate(csv_rows.stream_rows(path, self.layout.csv, []), start=1):
            if number in targets:
                self._lines[number] = row.line
                if len(targets) == 1:
                    break
                targets.discard(number)

    def where(self, key: int) -> tuple[str, int | None, str]:
        """Returns a row's file, its line (CSV), and how a message names it (Parquet)."""
        if self.document.csv:
            return self.document.files[0], self._lines.get(key), ""
        file, row = self.document.files[key // PART], key % PART
        return file, None, f"Row index {row}: "

    def named(self, key: int) -> str:
        """Returns how a message names a row: `line 12`, or `row index 7 of part-1.parquet`."""
        file, line, _ = self.where(key)
        if self.document.csv:
            return f"line {line}"
        shown = "" if len(self.document.files) == 1 else f" of {PurePath(file).name}"
        return f"row index {key % PART}{shown}"

    def named_all(self, keys: Sequence[int]) -> str:
        """Returns how a message names rows: `lines 3, 8 and 10`, or `row indexes 2 and 7`."""
        if self.document.csv:
            return "lines " + _and([str(self._lines.get(key)) for key in keys])
        if len(self.document.files) == 1:
            return "row indexes " + _and([str(key % PART) for key in keys])
        return _and([self.named(key) for key in keys])

    def problem(self, key: int, message: str) -> Problem:
        """Returns a problem located at a row (call `locate` first for CSV rows)."""
        file, line, prefix = self.where(key)
        return Problem(file, line, prefix + message)

    def position(self, key: int) -> tuple[str, int]:
        """Returns the file and number an entry from this row carries as `filename`, `lineno`."""
        file, line, _ = self.where(key)
        return file, line if line is not None else key % PART


def _and(items: Sequence[str]) -> str:
    """Returns `a`, `a and b`, or `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def read(connection: duckdb.DuckDBPyConnection, document: Document, layout: UsageLayout) -> Events:
    """Opens a document's events in DuckDB (see the module's docstring).

    Raises:
      ImportFailed: If the file cannot be read, lacks a column, or a column has the wrong type.
    """
    events = Events(connection, document, layout)
    try:
        events.open()
    except duckdb.Error as error:
        raise events.failure(error) from error
    return events
