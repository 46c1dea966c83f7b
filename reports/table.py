"""A report table: named columns and rows, written as CSV or shown as text."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Table:
    """A titled table of rows; cells are str, int, Decimal or date.

    Notes are sentences a reader must see with the table (what it leaves
    out, say): shown under the title, never written into the CSV.
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = ()

    def column(self, name: str) -> list[Any]:
        """Returns the cells of one column."""
        index = list(self.columns).index(name)
        return [row[index] for row in self.rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def to_csv(table: Table) -> str:
    """Returns the table as CSV text (numbers unformatted, exact)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def write_csv(table: Table, path: str) -> None:
    """Writes the table as CSV, replacing the file only once it is complete."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8", newline="") as stream:
        stream.write(to_csv(table))
    os.replace(temporary, path)


def to_text(table: Table) -> str:
    """Returns the table aligned for a terminal, numbers with thousands separators."""

    def shown(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"{value:,f}"
        return _cell(value)

    cells = [[str(name) for name in table.columns]] + [
        [shown(value) for value in row] for row in table.rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    numeric = [
        any(isinstance(row[i], Decimal | int) for row in table.rows)
        for i in range(len(table.columns))
    ]
    lines = [table.title, *table.notes, ""]
    for row in cells:
        lines.append(
            "  ".join(
                cell.rjust(width) if right else cell.ljust(width)
                for cell, width, right in zip(row, widths, numeric, strict=True)
            ).rstrip()
        )
    return "\n".join(lines) + "\n"
