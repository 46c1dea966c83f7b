"""Reading a CSV export by its configured columns, keeping the line of every row.

An importer names the fields it needs and the configuration maps each field to
a column of the header (`columns: {amount: amount, date: paid_date}`). The
reader checks the file's shape and returns each row's cells by field, with its
line number, so that every later problem can point at the row:

- the file decodes in the configured encoding;
- it has a header naming every configured column, each once;
- it has at least one row, and each row has as many cells as the header.

Blank lines are not rows. Cells are stripped of surrounding spaces. Files are
read as a stream (`stream_rows`, or `stream_cells` without a `Row` per row),
so a large export never sits in memory whole. A UTF-8 byte-order mark (Excel
writes one) is skipped in a UTF-8 file; any other byte-order mark that
contradicts the configured encoding is a problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from importers.config import Section
from importers.errors import ImportFailed, Problem, raise_if_any
from plugins import policy

T = TypeVar("T")

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


class Cells:
    """Reads the cells of a row by field, recording a problem for each empty or bad one."""

    def __init__(self, row: Row, columns: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns  # Field name -> the header of its column, for messages.
        self.problems: list[Problem] = []

    def get(self, field: str, convert: Callable[[str], T]) -> T | None:
        """Returns the field's cell converted, or None with a problem if empty or bad.

        `convert` raises `ValueError` with the end of a sentence that starts
        with the cell's value (`'x' is not an amount; expected ...`).
        """
        text = self.row.cells[field]
        column = self.columns[field]
        if not text:
            self.problems.append(self.row.problem(f"Column '{column}' is empty; expected a value"))
            return None
        try:
            return convert(text)
        except ValueError as error:
            self.problems.append(self.row.problem(f"Column '{column}': '{text}' {error}"))
            return None


_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _bom(head: bytes) -> str | None:
    """Returns the encoding whose byte-order mark starts `head`, if any."""
    return next((name for mark, name in _BOMS if head.startswith(mark)), None)


def _undecodable_line(path: str, encoding: str) -> tuple[int, str]:
    """Returns the line of the first byte that does not decode, and why, reading in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # A partial character held over from the last chunk holds no newline.
                return lines + error.object[: error.start].count(b"\n") + 1, error.reason
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return lines + 1, error.reason
    return lines + 1, "unknown"


def _open(path: str, encoding: str) -> tuple[io.TextIOWrapper, bool]:
    """Opens a CSV file as text, and tells whether it starts with a UTF-8 mark to skip."""
    try:
        with open(path, "rb") as raw:
            head = raw.read(4)
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error
    mark = _bom(head)
    codec = codecs.lookup(encoding).name
    if mark is not None and not codec.replace("-", "").startswith(mark.replace("-", "").lower()):
        message = f"File starts with a {mark} byte-order mark; expected {encoding} text"
        raise ImportFailed([Problem(path, 1, message)])
    stream = open(path, encoding=encoding, newline="")  # noqa: SIM115 (the reader closes it)
    return stream, mark == "UTF-8" and codec == "utf-8"


def read_rows(path: str, layout: CsvLayout) -> list[Row]:
    """Returns the rows of a CSV file, with the cells of the configured columns by field.

    Raises:
      ImportFailed: Naming the file and line of every problem with its shape.
    """
    problems: list[Problem] = []
    found = list(stream_rows(path, layout, problems))
    raise_if_any(problems)
    return found


def stream_rows(path: str, layout: CsvLayout, problems: list[Problem]) -> Iterator[Row]:
    """Yields the rows of a CSV file one at a time, never holding the whole file.

    A problem with the file's shape (a bad header, a row with the wrong number
    of cells) is appended to `problems`; after the first one, the rest of the
    file is still checked but no more rows are yielded.

    Raises:
      ImportFailed: If the file cannot be read or decoded, is empty, or is not CSV.
    """
    fields = tuple(layout.columns)
    for line, cells in stream_cells(path, layout, problems, fields):
        yield Row(path, line, dict(zip(fields, cells, strict=True)))


def stream_cells(
    path: str, layout: CsvLayout, problems: list[Problem], fields: Sequence[str]
) -> Iterator[tuple[int, list[str]]]:
    """Yields each row's line and its cells of `fields`, in that order, stripped.

    A field with no column in `layout.columns` reads as "". This is what
    `stream_rows` yields without a `Row` and a dictionary for every row, for
    an importer that reads millions of rows: the same checks, the same
    problems, the same stop after the first problem.
    """
    stream, marked = _open(path, layout.encoding)
    with stream:
        reader = csv.reader(stream, delimiter=layout.delimiter, strict=True)
        last = 0  # The line the last record ended on.
        try:
            if marked:
                stream.read(1)  # The mark Excel writes in front of UTF-8 files.
            header: list[str] = []
            for record in reader:
                header_line, last = last + 1, reader.line_num
                if record:
                    header = [cell.strip() for cell in record]
                    break
            if not header:
                message = "File is empty; expected a header and at least one row"
                raise ImportFailed([Problem(path, 1, message)])
            known = len(problems)
            problems += _header_problems(path, header_line, header, layout)
            columns = layout.columns
            positions = [
                header.index(columns[field]) if field in columns and not problems[known:] else -1
                for field in fields
            ]
            pick, width, rows = _picker(positions), len(header), 0
            # The loop of a million rows: a row is a record that is not blank, and its first
            # line is the one after the last record's.
            for record in reader:
                if record:
                    rows += 1
                    if len(record) != width:
                        message = f"Row has {len(record)} cells; expected {width} as in the header"
                        problems.append(Problem(path, last + 1, message))
                    elif len(problems) == known:
                        yield last + 1, pick(record)
                last = reader.line_num
        except csv.Error as error:
            raise ImportFailed([Problem(path, last + 1, f"Malformed CSV: {error}")]) from error
        except UnicodeDecodeError as error:
            line, reason = _undecodable_line(path, layout.encoding)
            encoding = layout.encoding
            message = (
                f"Cannot decode the file as {encoding}: {reason}; expected {encoding} text "
                "(set the source's 'encoding', e.g. latin-1)"
            )
            raise ImportFailed([Problem(path, line, message)]) from error
    if not rows and len(problems) == known:
        message = "No rows after the header; expected at least one"
        problems.append(Problem(path, header_line, message))


def _picker(positions: list[int]) -> Callable[[list[str]], list[str]]:
    """Returns what takes the cells at `positions` out of a record, stripped; -1 reads ""."""
    strip = str.strip
    if len(positions) == 1:  # itemgetter would return the cell, not a tuple of one.
        (at,) = positions
        return (lambda cells: [strip(cells[at])]) if at >= 0 else (lambda cells: [""])
    take = operator.itemgetter(*positions)
    if -1 not in positions:
        return lambda cells: list(map(strip, take(cells)))

    def pick(cells: list[str]) -> list[str]:
        cells.append("")  # What -1 reads: the record is the reader's own, made for this row.
        return list(map(strip, take(cells)))

    return pick


def _header_problems(path: str, line: int, header: list[str], layout: CsvLayout) -> list[Problem]:
    others = [mark for mark in ",;\t|" if mark != layout.delimiter and len(header) == 1]
    used = [mark for mark in others if mark in header[0]]
    if used and len(layout.columns) > 1:
        shown = repr(used[0]).strip("'")
        message = (
            f"Header has one column '{header[0]}'; expected columns separated by "
            f"'{layout.delimiter}' (the file seems to use '{shown}': set the source's 'delimiter')"
        )
        return [Problem(path, line, message)]
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
