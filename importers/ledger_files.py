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
import datetime
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import amount, data
from beancount.parser import parser, printer

from importers.errors import Problem, raise_if_any

HEADER = "; {source}, {month}: imported by `python import.py import`; do not edit by hand.\n"

SourceId = Callable[[data.Directive], str | None]
"""Reads an entry's id in its source system; None for an entry that is not the source's."""


def meta_id(key: str) -> SourceId:
    """Returns the reader of the id kept under one metadata key (the usual case)."""

    def read(entry: data.Directive) -> str | None:
        return str(entry.meta[key]) if key in entry.meta else None

    return read


@dataclass(frozen=True)
class Batch:
    """The entries one source extracted, and where they go."""

    source: str  # The source's name, for the files' header.
    folder: str  # The folder under the ledger that receives its month files.
    id_key: str  # The metadata key of the source's row id.
    entries: Sequence[data.Directive]
    # How to read an entry's id, when it is not simply its `id_key` metadata (a billing
    # system's void has its invoice's id under `invoice`, and its own id is `<invoice>:void`).
    source_id: SourceId | None = None

    def id_of(self, entry: data.Directive) -> str | None:
        """Returns the entry's id in the source, or None if it is not one of the source's."""
        return (self.source_id or meta_id(self.id_key))(entry)


@dataclass(frozen=True)
class Plan:
    """What writing a batch changes: the new text of each file, and what was skipped."""

    files: Mapping[Path, str]
    added: Mapping[Path, int]
    skipped: int


def canonical(entry: data.Directive) -> str:
    """Returns an entry as Beancount prints it: its content, without where it was read."""
    text = _simple_transaction(entry) if type(entry) is data.Transaction else None
    return text if text is not None else str(printer.format_entry(entry))


_PRINTED = (str, Decimal, datetime.date, bool)


def _value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", r"\\").replace('"', r"\"") + '"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _meta_lines(meta: Mapping[str, object] | None, prefix: str) -> list[str] | None:
    """Returns the printed lines of metadata, or None if a value is not a plain one."""
    found = []
    for key, value in (meta or {}).items():
        if key == "filename" or key == "lineno" or key.startswith("__"):
            continue
        if type(value) is str or isinstance(value, _PRINTED):
            found.append(f"{prefix}{key}: {_value(value)}\n")
        else:
            return None
    return found


def _simple_transaction(entry: data.Transaction) -> str | None:
    """Returns what Beancount's printer prints for a transaction of plain postings, fast.

    Beancount's printer takes about 150 microseconds an entry, most of the time
    of a large import; this writes the same text for a transaction whose
    postings each have units and no cost, price or flag, and whose metadata
    are strings, numbers, dates and booleans (a test checks both agree).
    Anything else returns None, for the printer.
    """
    numbers, currencies = [], []
    for posting in entry.postings:
        units = posting.units
        if posting.cost is not None or posting.price is not None or posting.flag:
            return None
        if type(units) is not amount.Amount or not isinstance(units.number, Decimal):
            return None
        numbers.append(format(units.number, "f") + " ")
        currencies.append(units.currency)
    meta = _meta_lines(entry.meta, "  ")
    if not numbers or meta is None:
        return None
    words = [_value(text) for text in (entry.payee, entry.narration) if text]
    if entry.payee and not entry.narration:
        words.append('""')
    if entry.tags:
        words += [f"#{tag}" for tag in sorted(entry.tags)]
    if entry.links:
        words += [f"^{link}" for link in sorted(entry.links)]
    lines = [f"{entry.date} {entry.flag or ''} {' '.join(words)}\n", *meta]
    width = max(len(posting.account) for posting in entry.postings)
    before, after = max(map(len, numbers)), max(map(len, currencies))
    for posting, number, currency in zip(entry.postings, numbers, currencies, strict=True):
        line = f"  {posting.account:{width}}  {number:>{before}}{currency:{after}}"
        lines.append(line.rstrip() + "\n")
        if posting.meta:
            posting_meta = _meta_lines(posting.meta, "    ")
            if posting_meta is None:
                return None
            lines += posting_meta
    return "".join(lines)


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
        return self.first_entries({key: meta_id(key) for key in keys})

    def first_entries(
        self, readers: Mapping[str, SourceId]
    ) -> dict[tuple[str, str], data.Directive]:
        """Returns the first entry of the ledger with each (key, id), read by the key's reader.

        Only the files that mention a key (`key:`) are parsed.
        """
        keys = sorted(readers)
        found: dict[tuple[str, str], data.Directive] = {}
        for path in self.files():
            text = path.read_text(encoding="utf-8")
            present = [key for key in keys if f"{key}:" in text]
            for entry in self.entries(path) if present else ():
                for key in present:
                    source_id = readers[key](entry)
                    if source_id is not None:
                        found.setdefault((key, source_id), entry)
        return found


def entries_with(ledger: Path, keys: Iterable[str]) -> list[data.Directive]:
    """Returns the entries of the ledger's files that carry any of the metadata keys.

    The files are parsed, not loaded (no plugin runs), like the index of ids.

    Raises:
      ImportFailed: With every syntax error of a ledger file read.
    """
    books = _Ledger(ledger)
    found = list({id(entry): entry for entry in books.ids(keys).values()}.values())
    raise_if_any(books.problems)
    return found


def _id(entry: data.Directive, batch: Batch) -> str:
    source_id = batch.id_of(entry)
    if source_id is None:
        raise ValueError(f"Imported entry has no '{batch.id_key}': {canonical(entry)}")
    return source_id


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
        key = (batch.id_key, _id(entry, batch))
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


def _render(source: str, month: str, entries: Iterable[data.Directive], batch: Batch) -> str:
    ordered = sorted((entry.date, batch.id_of(entry) or "", canonical(entry)) for entry in entries)
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
    known = books.first_entries({batch.id_key: batch.id_of for batch in batches})
    raise_if_any(books.problems)
    added, skipped, problems = _new_entries(batches, known)
    raise_if_any(problems)
    targets: dict[Path, tuple[Batch, list[data.Directive]]] = {}
    paths: dict[tuple[str, int, int], Path] = {}  # Made once per month: a Path is slow to make.
    for batch, entry in added:
        month = (batch.folder, entry.date.year, entry.date.month)
        path = paths.get(month)
        if path is None:
            path = paths[month] = ledger / batch.folder / f"{entry.date:%Y-%m}.beancount"
        targets.setdefault(path, (batch, []))[1].append(entry)
    files = {}
    for path, (batch, entries) in sorted(targets.items()):
        kept = books.entries(path) if path.exists() else []
        files[path] = _render(batch.source, path.stem, [*kept, *entries], batch)
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
