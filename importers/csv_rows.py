"""Reading a CSV export by its configured columns, keeping the line of every row.

An importer names the fields it needs and the configuration maps each field to
a column of the header (`columns: {amount: amount, date: paid_date}`). The
reader checks the file's shape and returns each row's cells by field, with its
line number, so that every later problem can point at the row:

- the file decodes in the configured encoding;
- it has a header naming every configured column, each once;
- it has at least one row, and each row has as many cells as the header.

Blank lines are not rows. Cells are stripped of surrounding spaces.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from importers.config import Section
from importers.errors import ImportFailed, Problem, raise_if_any
from plugins import policy

FIELDS = ("encoding", "delimiter", "columns")


@dataclass(frozen=True)
class CsvLayout:
    """How a source's CSV files are written."""

    columns: Mapping[str, str]  # Field name -> the header of its column.
    delimiter: str = ","
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Row:
    """One row of a CSV file: its first line, and its cells by field name."""

    path: str
    line: int
    cells: Mapping[str, str]

    def problem(self, message: str) -> Problem:
        """Returns a problem located at this row."""
        return Problem(self.path, self.line, message)


def _text(path: str, encoding: str) -> str:
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"Cannot decode the file as {encoding}: {error.reason}"
        raise ImportFailed([Problem(path, line, message)]) from error


def _records(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Returns every non-blank record with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    last = 0
    try:
        for record in reader:
            if record:
                records.append((last + 1, [cell.strip() for cell in record]))
            last = reader.line_num
    except csv.Error as error:
        raise ImportFailed([Problem(path, last + 1, f"Malformed CSV: {error}")]) from error
    return records


def read_rows(path: str, layout: CsvLayout) -> list[Row]:
    """Returns the rows of a CSV file, with the cells of the configured columns by field.

    Raises:
      ImportFailed: Naming the file and line of every problem with its shape.
    """
    records = _records(path, _text(path, layout.encoding), layout.delimiter)
    if not records:
        raise_if_any([Problem(path, 1, "File is empty; expected a header and at least one row")])
    (header_line, header), rows = records[0], records[1:]
    problems = _header_problems(path, header_line, header, layout)
    if not rows and not problems:
        message = "No rows after the header; expected at least one"
        problems.append(Problem(path, header_line, message))
    found: list[Row] = []
    for line, cells in rows:
        if len(cells) != len(header):
            message = f"Row has {len(cells)} cells; expected {len(header)} as in the header"
            problems.append(Problem(path, line, message))
        elif not problems:
            by_name = dict(zip(header, cells, strict=True))
            fields = {field: by_name[column] for field, column in layout.columns.items()}
            found.append(Row(path, line, fields))
    raise_if_any(problems)
    return found


def _header_problems(path: str, line: int, header: list[str], layout: CsvLayout) -> list[Problem]:
    problems = []
    repeated = sorted({name for name in header if header.count(name) > 1})
    for name in repeated:
        problems.append(Problem(path, line, f"Column '{name}' appears twice in the header"))
    has = ", ".join(f"'{name}'" for name in header)
    for column in layout.columns.values():
        if column not in header:
            message = f"Missing column '{column}'; the header has {has}"
            problems.append(Problem(path, line, message))
    return problems


def _delimiter(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 1 or value in '\r\n"':
        raise ValueError(value)
    return value


def _encoding(value: Any) -> str:
    try:
        return codecs.lookup(policy.text(value)).name
    except LookupError as error:
        raise ValueError(value) from error


def layout(section: Section, required: Sequence[str], optional: Sequence[str] = ()) -> CsvLayout:
    """Reads a source's CSV layout from its config section, recording problems in it.

    The section's `encoding` (default utf-8) and `delimiter` (default `,`), and
    under `columns` the header of the column of every required field (and of
    the optional fields the source has).
    """
    encoding = section.read("encoding", _encoding, "a text encoding like 'utf-8'", "utf-8")
    delimiter = section.read("delimiter", _delimiter, "a single character like ','", ",")
    columns: dict[str, str] = {}
    mapping = section.section("columns")
    if mapping is not None:
        mapping.reject_unknown([*required, *optional])
        expected = "the header of a column"
        for field in required:
            columns[field] = mapping.require(field, policy.text, expected, field)
        for field in optional:
            if field in mapping.data:
                columns[field] = mapping.read(field, policy.text, expected, field)
    return CsvLayout(columns, delimiter, encoding)
