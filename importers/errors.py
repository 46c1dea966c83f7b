"""Import problems: each names the file and line to fix, as `path:line: message`.

An importer collects every problem of a file before it stops, and raises them
together as one `ImportFailed`; the import command then writes nothing.
`ImportFailed` is a beangulp error, so `python import.py extract` prints its
message without a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from beangulp import exceptions


def shown(path: str | os.PathLike[str]) -> str:
    """Returns a path as a user would type it: relative to the current folder when inside it."""
    text = os.fspath(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # On another drive (Windows).
        return text
    return text if relative.startswith(os.pardir) else relative


class Problem(NamedTuple):
    """Something wrong in a source file (or config, or ledger file), at a line."""

    path: str
    line: int | None
    message: str

    @property
    def where(self) -> str:
        """The file and line, as `path:line` (or `path` for the whole file)."""
        return shown(self.path) if self.line is None else f"{shown(self.path)}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportFailed(exceptions.Error):  # type: ignore[misc]
    """The problems that stopped an import; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def raise_if_any(problems: Sequence[Problem]) -> None:
    """Raises `ImportFailed` with the problems, if there are any.

    Raises:
      ImportFailed: If `problems` is not empty.
    """
    if problems:
        raise ImportFailed(problems)
