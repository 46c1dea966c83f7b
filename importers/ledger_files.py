"""Writing imported entries into the ledger: one file per source and month, idempotent.

Every imported entry carries its row's id in the source system under the
source's id key (`commission_id: "COM-2026-03-0007"`). Writing a batch:

1. Indexes the ids already in the ledger: every `.beancount` file under the
   ledger folder that mentions an id key is parsed (not loaded: no plugin
   runs), and each entry carrying an id is noted with its file and line.
2. An entry whose id is already there with the same content is skipped; with
   different content it is a problem naming both places. Two rows of the batch
   with one id: the same content is kept once, different content is a problem
   naming both rows.
3. Each new entry goes to `<ledger>/<source folder>/YYYY-MM.beancount`, the
   month of its date. A file that receives entries is rewritten whole: its
   entries and the new ones, sorted by date and id and printed by Beancount's
   printer, so the same entries give the same bytes whatever order the
   documents were imported in. (Comments typed into such a file are not kept.)
4. Every file is first written to a hidden temporary beside it; only when all
   are written is each renamed over its file. On any problem nothing changes.

An entry's content is what Beancount's printer prints for it, which leaves out
the file and line it was read from.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from beancount.core import data
from beancount.parser import parser, printer

from importers.errors import Problem, raise_if_any

HEADER = "; {source}, {month}: imported by `python import.py import`; do not edit by hand.\n"


@dataclass(frozen=True)
class Batch:
    """The entries one source extracted, and where they go."""

    source: str  # The source's name, for the files' header.
    folder: str  # The folder under the ledger that receives its month files.
    id_key: str  # The metadata key of the source's row id.
    entries: Sequence[data.Directive]


@dataclass(frozen=True)
class Plan:
    """What writing a batch changes: the new text of each file, and what was skipped."""

    files: Mapping[Path, str]
    added: Mapping[Path, int]
    skipped: int


def canonical(entry: data.Directive) -> str:
    """Returns an entry as Beancount prints it: its content, without where it was read."""
    return str(printer.format_entry(entry))


def same_entry(first: data.Directive, second: data.Directive) -> bool:
    """Tells whether two entries say the same thing."""
    return canonical(first) == canonical(second)


def _at(entry: data.Directive, message: str) -> Problem:
    """Returns a problem located where the entry was read (a source row or a ledger line)."""
    return Problem(str(entry.meta.get("filename", "")), entry.meta.get("lineno"), message)


class _Ledger:
    """The ledger's files, parsed on demand, and the ids they hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parsed: dict[Path, list[data.Directive]] = {}
        self.problems: list[Problem] = []

    def files(self) -> list[Path]:
        """Returns every ledger file under the folder, hidden ones (temporaries) left out."""
        if not self.folder.is_dir():
            return []
        return sorted(
            path
            for path in self.folder.rglob("*.beancount")
            if not any(part.startswith(".") for part in path.relative_to(self.folder).parts)
        )

    def entries(self, path: Path) -> list[data.Directive]:
        """Returns the entries of a ledger file, recording its syntax errors as problems."""
        if path not in self.parsed:
            entries, errors, _ = parser.parse_file(str(path))
            self.problems += [
                Problem(str(path), error.source.get("lineno"), f"Cannot parse: {error.message}")
                for error in errors
            ]
            self.parsed[path] = list(entries)
        return self.parsed[path]

    def ids(self, keys: Iterable[str]) -> dict[tuple[str, str], data.Directive]:
        """Returns the first entry of the ledger carrying each (key, id)."""
        keys = sorted(set(keys))
        found: dict[tuple[str, str], data.Directive] = {}
        for path in self.files():
            text = path.read_text(encoding="utf-8")
            if not any(f"{key}:" in text for key in keys):
                continue
            for entry in self.entries(path):
                for key in keys:
                    if key in entry.meta:
                        found.setdefault((key, str(entry.meta[key])), entry)
        return found


def _id(entry: data.Directive, key: str) -> str:
    if key not in entry.meta:
        raise ValueError(f"Imported entry has no '{key}': {canonical(entry)}")
    return str(entry.meta[key])


def _new_entries(
    batches: Sequence[Batch], known: Mapping[tuple[str, str], data.Directive]
) -> tuple[list[tuple[Batch, data.Directive]], int, list[Problem]]:
    """Returns the entries to add, how many were skipped, and the conflicting ids."""
    pending: dict[tuple[str, str], data.Directive] = {}
    added: list[tuple[Batch, data.Directive]] = []
    skipped = 0
    problems = []
    located = [(batch, entry) for batch in batches for entry in batch.entries]
    # Rows are taken in file and line order, so the problem names the same rows every run.
    located.sort(key=lambda pair: (str(pair[1].meta["filename"]), pair[1].meta["lineno"]))
    for batch, entry in located:
        key = (batch.id_key, _id(entry, batch.id_key))
        twin = known.get(key) or pending.get(key)
        if twin is None:
            pending[key] = entry
            added.append((batch, entry))
        elif same_entry(entry, twin):
            skipped += 1
        else:
            where = "already in the ledger at" if key in known else "also on"
            message = f"{key[0]} '{key[1]}' is {where} {_at(twin, '').where} with different content"
            problems.append(_at(entry, message))
    return added, skipped, problems


def _render(source: str, month: str, entries: Iterable[data.Directive], id_key: str) -> str:
    ordered = sorted(
        (entry.date, str(entry.meta.get(id_key, "")), canonical(entry)) for entry in entries
    )
    body = "".join("\n" + text for _, _, text in ordered)
    return HEADER.format(source=source, month=month) + body


def plan(ledger: Path, batches: Sequence[Batch]) -> Plan:
    """Returns the files to write to add the batches' new entries to the ledger.

    Args:
      ledger: The ledger folder (where `main.beancount` is).
      batches: The entries of each source, each with its file and line in its metadata.
    Returns:
      The new text of every file that receives entries.
    Raises:
      ImportFailed: With every id whose content differs from the ledger's or
        another row's, or every syntax error of a ledger file read.
    """
    books = _Ledger(ledger)
    known = books.ids(batch.id_key for batch in batches)
    raise_if_any(books.problems)
    added, skipped, problems = _new_entries(batches, known)
    raise_if_any(problems)
    targets: dict[Path, tuple[Batch, list[data.Directive]]] = {}
    for batch, entry in added:
        path = ledger / batch.folder / f"{entry.date:%Y-%m}.beancount"
        targets.setdefault(path, (batch, []))[1].append(entry)
    files = {}
    for path, (batch, entries) in sorted(targets.items()):
        kept = books.entries(path) if path.exists() else []
        files[path] = _render(batch.source, path.stem, [*kept, *entries], batch.id_key)
    raise_if_any(books.problems)
    return Plan(files, {path: len(entries) for path, (_, entries) in targets.items()}, skipped)


def _mode(path: Path) -> int:
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write(changes: Plan) -> None:
    """Writes the planned files: all to temporaries first, then each renamed over its file.

    If writing any temporary fails, the temporaries are removed and no file is changed.
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, text in sorted(changes.files.items()):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            written.append((temporary, path))
            # mkstemp makes the file private; the ledger file keeps its mode, or gets the usual one.
            os.chmod(temporary, _mode(path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
    except BaseException:
        _remove(temporary for temporary, _ in written)
        raise
    for done, (temporary, path) in enumerate(written):
        try:
            os.replace(temporary, path)
        except BaseException:
            _remove(temporary for temporary, _ in written[done:])
            raise


def _remove(temporaries: Iterable[str]) -> None:
    for temporary in temporaries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
