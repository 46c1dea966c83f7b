"""Which ledger files the books load: an imported file `main.beancount` does not include is lost.

The import skips every id found in any file under the ledger folder, so a
month file written where no `include` of `main.beancount` reaches would hold
its entries out of the books for good: later imports find them "already in
the ledger". An import that would write such a file is refused instead,
naming the `include` line to add. The includes are read as Beancount reads
them: `include "..."` lines, glob patterns relative to the including file,
followed into the files they include.
"""

from __future__ import annotations

import fnmatch
import glob
import re
from collections.abc import Iterable
from pathlib import Path, PurePath

from importers.errors import Problem, shown

MAIN = "main.beancount"
_INCLUDE = re.compile(r'^include\s+"([^"]+)"', re.MULTILINE)


def include_patterns(main: Path) -> list[str]:
    """Returns the absolute glob pattern of every include the main file loads, followed through."""
    patterns: list[str] = []
    seen: set[Path] = set()
    waiting = [main.resolve()]
    while waiting:
        path = waiting.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for pattern in _INCLUDE.findall(path.read_text(encoding="utf-8")):
            absolute = str(path.parent / pattern)
            patterns.append(absolute)
            waiting += (Path(found).resolve() for found in glob.glob(absolute, recursive=True))
    return patterns


def _matches(pattern: str, path: Path) -> bool:
    """Tells whether Beancount's `glob(pattern, recursive=True)` would find `path` once written."""
    if "**" in pattern:  # Spans folders: `*` may then match a separator too.
        return fnmatch.fnmatchcase(str(path), pattern)
    return PurePath(path).match(pattern)


def not_included(ledger: Path, written: Iterable[Path]) -> list[Problem]:
    """Returns a problem for each file to be written that the ledger's main file does not load.

    A ledger folder without a main file (a scratch folder) is not checked.

    Args:
      ledger: The ledger folder.
      written: The files an import would write.
    """
    main = ledger / MAIN
    if not main.is_file():
        return []
    patterns = include_patterns(main)
    problems = []
    for path in sorted(written):
        if any(_matches(pattern, path.resolve()) for pattern in patterns):
            continue
        folder = path.resolve().parent.relative_to(ledger.resolve()).as_posix()
        problems.append(
            Problem(
                str(path),
                None,
                f"is not included by {shown(main)}, so its entries would not be in the books; "
                f'expected a line `include "{folder}/*.beancount"` in {shown(main)}',
            )
        )
    return problems
