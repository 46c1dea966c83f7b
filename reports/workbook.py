"""The close package as one Excel workbook: one sheet per schedule.

Numbers are written as numbers, formatted with the decimals each one carries
(the schedules give amounts their currency's decimals, so USD shows
`#,##0.00` and JPY `#,##0`); dates as dates. The header row is bold and
frozen, with a filter, and columns are sized to their contents. Text that
Excel would read as a formula (starting with `=`, `+`, `-` or `@`, such as a
customer named `=HYPERLINK(...)`) is stored as text with Excel's quote prefix,
so opening the workbook never evaluates what the ledger says.
"""

from __future__ import annotations

import datetime
import os
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.table import Table

FORMULA_STARTS = ("=", "+", "-", "@")
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def number_format(value: Decimal | int) -> str:
    """Returns the Excel number format that shows exactly the decimals a number has."""
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0." + "0" * decimals if decimals else "#,##0"


def sheet_name(name: str) -> str:
    """Returns a valid sheet name: no `[]:*?/\\`, at most 31 characters."""
    return _SHEET_FORBIDDEN.sub(" ", name)[:31]


def _set(cell: Cell, value: Any) -> None:
    if isinstance(value, bool) or value is None:
        cell.value = value
    elif isinstance(value, Decimal | int):
        cell.value = value
        cell.number_format = number_format(value)
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        text = str(value)
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            # Stored as a string cell, with the prefix Excel keeps when it is edited.
            cell.data_type = "s"
            cell.quotePrefix = True


def _shown_width(value: Any) -> int:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return len(f"{value:,}") + 2
    return len(str(value)) if value is not None else 0


def _fill(sheet: Worksheet, table: Table) -> None:
    sheet.append([str(name) for name in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(table.rows, 2):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(number, column)
            if isinstance(cell, Cell):  # A new sheet has no merged cells.
                _set(cell, value)
    for column, name in enumerate(table.columns, 1):
        widths = [len(str(name)) + 2, *(_shown_width(row[column - 1]) for row in table.rows)]
        width = min(max(MIN_WIDTH, *widths), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if sheet.oddHeader is not None:
        sheet.oddHeader.center.text = table.title


def write_workbook(
    sheets: Sequence[tuple[str, Table]], path: str, stamp: datetime.datetime
) -> None:
    """Writes one sheet per (name, table), replacing the file only once it is complete.

    The workbook is stamped `stamp` (its created and modified times, and
    every member of its zip), not the clock's time: the same books give
    the same file, byte for byte.
    """
    book = Workbook()
    blank = book.sheetnames[0]
    for name, table in sheets:
        _fill(book.create_sheet(sheet_name(name)), table)
    del book[blank]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = path + ".partial"
    book.save(temporary)  # openpyxl stamps `modified` and the zip's members with the clock
    _restamp(temporary, stamp)
    os.replace(temporary, path)


_CORE = "docProps/core.xml"
_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _restamp(path: str, stamp: datetime.datetime) -> None:
    """Rewrites a saved workbook with `stamp` as its document times and its members' times."""
    with zipfile.ZipFile(path) as saved:
        members = [(info, saved.read(info)) for info in saved.infolist()]
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info, content in members:
            if info.filename == _CORE:
                content = _TIMES.sub(rb"\g<1>" + when + rb"\g<2>", content)
            member = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            rewritten.writestr(member, content)
