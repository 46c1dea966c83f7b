"""Writing imported entries into the ledger: one file per source and month, idempotent.

Every imported entry carries its row's id in the source system under the
source's id key (`commission_id: "COM-2026-03-0007"`). Writing a batch:

1. Indexes the ids already in the ledger: every `.beancount` file under the
   ledger folder that mentions an id key is read, and each entry carrying an
   id is noted with its file and line. A file as this writer writes it is
   read as text (`importers.ledger_index`): each id by its line, with the
   place of its entry (or, for a source that reads its ids its own way, the
   entries built from the text as the parser builds them). Any other file
   (typed by hand, say) is parsed (not loaded: no plugin runs).
2. An entry whose id is already there with the same content is skipped; with
   different content it is a problem naming both places. The content compared
   is what the source's row says: what the books chose of an entry (a bank
   receipt's receivable and link to an invoice booked since: its
   `ledger_text.Choice`, recorded by its importer) is not compared, so an
   unchanged row is skipped (`ledger_text.same_row`). Two rows of the batch
   with one id: the same content is kept once, different content is a
   problem naming both rows. An entry whose printed text is exactly its
   twin's text in a month file, or differs from it only in what the books
   chose, is the same; any other twin there is parsed and compared as
   printed, so an edited file is compared by what it says, and the problem
   names the line the parser reads.
3. Each new entry goes to `<ledger>/<source folder>/YYYY-MM.beancount`, the
   month of its date. A file that receives entries is rewritten whole: its
   entries and the new ones, sorted by date and id and printed as Beancount's
   printer prints them, so the same entries give the same bytes whatever order
   the documents were imported in. (Comments typed into such a file are not
   kept.)
4. Every file is first written to a hidden temporary beside it; only when all
   are written is each renamed over its file. On any problem nothing changes.
   Each file's text is made as it is written, so a large import holds its
   entries and the text of one file, not the text of every file.

An entry's content is what Beancount's printer prints for it, which leaves out
the file and line it was read from (`importers.ledger_text` prints the plain
transactions importers make without the printer, which is slow).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import operator
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import cast

from beancount.core import data
from beancount.parser import parser

from importers import ledger_index, ledger_text
from importers.errors import Problem, raise_if_any
from importers.ledger_index import Place
from importers.ledger_text import Entry, Printed

HEADER = "; {source}, {month}: imported by `python import.py import`; do not edit by hand.\n"

SourceId = Callable[[data.Directive], str | None]
"""Reads an entry's id in its source system; None for an entry that is not the source's."""

Twin = data.Directive | Place
"""An entry of the ledger: parsed, or where it is in a plain month file (not yet parsed)."""

Ids = dict[str, dict[str, Twin]]
"""Entries by id, by id key: the first entry with each id."""


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
    entries: Sequence[Entry]
    # How to read an entry's id, when it is not simply its `id_key` metadata (a billing
    # system's void has its invoice's id under `invoice`, and its own id is `<invoice>:void`).
    source_id: SourceId | None = None

    @functools.cached_property
    def id_of(self) -> SourceId:
        """Reads an entry's id in the source (None if it is not one of the source's)."""
        return self.source_id or meta_id(self.id_key)


_DATE = operator.attrgetter("date")


@dataclass(frozen=True)
class MonthFile:
    """What a ledger file will hold: its entries, and the new ones of one source."""

    batch: Batch
    month: str  # YYYY-MM, for the header.
    kept: Sequence[data.Directive]  # The entries already in the file.
    added: Sequence[Entry]
    added_ids: Sequence[str]  # The id of each added entry (known: they were deduplicated).

    def lines(self) -> list[str]:
        """Returns the file's text in pieces: the header, then the sorted entries.

        Entries are sorted by date, id and text, each after a blank line.
        """
        id_of, day = self.batch.id_of, ledger_text.day
        # Sorted by one string, "date NUL id" (dates print with four-digit years): strings
        # sort much faster than tuples of a date and an id, in the same order.
        keys = [f"{day(entry.date)}\0{id_of(entry) or ''}" for entry in self.kept]
        dates = list(map(_DATE, self.added))
        days = {date: day(date) for date in set(dates)}
        written = zip(map(days.__getitem__, dates), self.added_ids, strict=True)
        keys += [f"{written_day}\0{source_id}" for written_day, source_id in written]
        texts = ledger_text.printed_each(self.kept) + ledger_text.printed_each(self.added)
        if len(set(keys)) == len(keys):  # No two alike (no entry without an id): keys alone.
            texts = list(map(texts.__getitem__, sorted(range(len(keys)), key=keys.__getitem__)))
        else:
            texts = [text for _, text in sorted(zip(keys, texts, strict=True))]
        del keys
        return [HEADER.format(source=self.batch.source, month=self.month), "\n", "\n".join(texts)]


@dataclass(frozen=True)
class Plan:
    """What writing a batch changes: what each file will hold, and what was skipped."""

    files: Mapping[Path, MonthFile]
    added: Mapping[Path, int]
    skipped: int


_Parsed = tuple[tuple[int, int], list[data.Directive], list[Problem]]  # (mtime, size), ...


@dataclass
class _Bulk:
    """What `bulk` holds while it lasts: how deep it is, and the ledger files parsed."""

    depth: int = 0
    parsed: dict[Path, _Parsed] = field(default_factory=dict)
    written: dict[Path, tuple[tuple[int, int], ledger_index.Written | None]] = field(
        default_factory=dict
    )


_BULK = _Bulk()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pauses Python's cycle collector, and parses each ledger file once, while it lasts.

    The import command runs in one (`batch.import_documents`), and so do this
    module's steps when called alone:

    - The collector runs every few hundred allocations and, every so often,
      walks every container alive; an import of a million rows holds millions
      of them (entries, postings, metadata), all alive until written, so those
      walks cost a fifth of the import and free nothing: entries hold no
      cycles (reference counting frees them).
    - The books are read twice (the invoices the bank sources name, then the
      ids already imported), often from the same files: a file unchanged since
      (same modification time and size) is not parsed, or read as text, again.

    Nested pauses are fine; both end when the outermost ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    _BULK.depth += 1
    try:
        yield
    finally:
        _BULK.depth -= 1
        if not _BULK.depth:
            _BULK.parsed.clear()
            _BULK.written.clear()
        if enabled:
            gc.enable()


def _text(path: Path) -> str:
    """Returns a ledger file's text; "" if it is no UTF-8 (the parser then tells what is wrong)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def _parse(path: Path) -> tuple[list[data.Directive], list[Problem]]:
    """Returns a ledger file's entries and syntax errors; once only while `bulk` lasts.

    A plain file (`ledger_index`) is read from its text, as the parser reads it.
    """
    signature = _signature(path)
    known = _BULK.parsed.get(path)
    if known is not None and known[0] == signature:
        return known[1], known[2]
    entries, problems = _read(path)
    if _BULK.depth:
        _BULK.parsed[path] = (signature, entries, problems)
    return entries, problems


def _read(path: Path) -> tuple[list[data.Directive], list[Problem]]:
    """Returns a ledger file's entries and syntax errors: from its text if plain, else parsed."""
    written = _plain(path)
    if written is not None:
        with contextlib.suppress(ValueError):  # A key twice in one entry: the parser names it.
            return written.all(), []
    entries, errors, _ = parser.parse_file(str(path))
    problems = [
        Problem(str(path), error.source.get("lineno"), f"Cannot parse: {error.message}")
        for error in errors
    ]
    return list(entries), problems


def _signature(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


def _plain(path: Path, text: str | None = None) -> ledger_index.Written | None:
    """Returns a plain ledger file (`ledger_index`), or None; once only while `bulk` lasts."""
    signature = _signature(path)
    known = _BULK.written.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    written = ledger_index.plain(path, _text(path) if text is None else text)
    if _BULK.depth:
        _BULK.written[path] = (signature, written)
    return written


def canonical(entry: Entry) -> str:
    """Returns an entry as Beancount prints it: its content, without where it was read."""
    return ledger_text.printed(entry)


def same_entry(first: Entry, second: Entry) -> bool:
    """Tells whether two entries say the same thing, but for what the books chose of the first.

    `first` is a new entry; what its importer recorded the books chose of it
    (`ledger_text.Choice`: a bank receipt's receivable and link to an invoice
    booked since it was imported) is not compared (`ledger_text.same_row`).
    """
    return ledger_text.same_row(canonical(first), canonical(second), ledger_text.choice_of(first))


def _at(entry: Entry, message: str) -> Problem:
    """Returns a problem located where the entry was read (a source row or a ledger line)."""
    if isinstance(entry, Printed):
        return Problem(entry.filename, entry.lineno, message)
    return Problem(str(entry.meta.get("filename", "")), entry.meta.get("lineno"), message)


class _Ledger:
    """The ledger's files, read as text or parsed on demand, and the ids they hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parsed: dict[Path, list[data.Directive]] = {}
        self.parsed_ids: dict[tuple[Path, str], dict[str, data.Directive]] = {}
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
            self.parsed[path], problems = _parse(path)
            self.problems += problems
        return self.parsed[path]

    def ids(self, keys: Iterable[str]) -> Ids:
        """Returns the first entry of the ledger carrying each id, by key."""
        return self.first_entries({key: meta_id(key) for key in keys}, set(keys))

    def first_entries(self, readers: Mapping[str, SourceId], plain: Set[str] = frozenset()) -> Ids:
        """Returns the first entry of the ledger with each id, by key, read by the key's reader.

        Only the files that mention a key (`key:`) are read. The ids of the keys in
        `plain` (read as the key's metadata: `meta_id`) are found in the text of a
        file the writer wrote (`ledger_index`), as places; any other file is parsed.
        """
        keys = sorted(readers)
        found: Ids = {key: {} for key in keys}
        for path in self.files():
            text = path.read_text(encoding="utf-8")
            present = [key for key in keys if f"{key}:" in text]
            if not present:
                continue
            located = self._located(path, text, present) if plain >= set(present) else None
            del text
            if located is not None:
                for key, ids in located.items():
                    by_id = found[key]
                    for source_id, place in ids:
                        if source_id not in by_id:
                            by_id[source_id] = place
                continue
            for entry in self.entries(path):
                for key in present:
                    entry_id = readers[key](entry)
                    if entry_id is not None:
                        found[key].setdefault(entry_id, entry)
        return found

    @staticmethod
    def _located(
        path: Path, text: str, keys: Sequence[str]
    ) -> dict[str, list[tuple[str, Place]]] | None:
        """Returns each key's ids in a file and their places, or None if it is to be parsed."""
        written = _plain(path, text)
        if written is None:
            return None
        try:
            return {
                key: [(source_id, Place(written, at)) for source_id, at in written.ids(key)]
                for key in keys
            }
        except ValueError:  # A key twice in one entry: the parser names the error.
            return None

    def parsed_twin(self, place: Place, key: str, source_id: str) -> data.Directive | None:
        """Returns the entry with an id at a place of a plain file, parsed: what the parser reads.

        None if the parser does not read it (the file's syntax errors are then problems).
        """
        path = place.written.path
        index = self.parsed_ids.get((path, key))
        if index is None:
            index = self.parsed_ids[(path, key)] = {}
            for entry in self.entries(path):
                if key in entry.meta:
                    index.setdefault(str(entry.meta[key]), entry)
        return index.get(source_id)

    def resolved(self, ids: Ids) -> dict[str, dict[str, data.Directive]]:
        """Returns the ids' entries, those in plain files built from their text (`ledger_index`)."""
        places: dict[ledger_index.Written, set[int]] = {}
        for by_id in ids.values():
            for twin in by_id.values():
                if type(twin) is Place:
                    places.setdefault(twin.written, set()).add(twin.at)
        built: dict[Place, data.Directive] = {}
        for written, at in places.items():
            # A key twice in one entry: the parser reads it (and names the error).
            with contextlib.suppress(ValueError):
                built |= {
                    Place(written, place): entry for place, entry in written.entries(at).items()
                }
        found: dict[str, dict[str, data.Directive]] = {}
        for key, by_id in ids.items():
            entries = found[key] = {}
            for source_id, twin in by_id.items():
                if not isinstance(twin, Place):
                    entries[source_id] = twin
                    continue
                entry = built.get(twin) or self.parsed_twin(twin, key, source_id)
                if entry is not None:
                    entries[source_id] = entry
        return found


def entries_with(
    ledger: Path, keys: Iterable[str], values: Mapping[str, Set[str]] | None = None
) -> list[data.Directive]:
    """Returns the first entry of the ledger's files carrying each value of the metadata keys.

    The files are read as text where the writer wrote them (`ledger_index`),
    others parsed (not loaded: no plugin runs), like the index of ids. Of a
    key in `values`, only the entries of those values are built.

    Raises:
      ImportFailed: With every syntax error of a ledger file read.
    """
    books = _Ledger(ledger)
    with bulk():
        ids = books.ids(keys)
        if values:
            ids = {
                key: {value: at for value, at in by_id.items() if value in values[key]}
                if key in values
                else by_id
                for key, by_id in ids.items()
            }
        resolved = books.resolved(ids)
    found = {id(entry): entry for by_id in resolved.values() for entry in by_id.values()}
    raise_if_any(books.problems)
    return list(found.values())


def custom_entries(ledger: Path, types: Iterable[str]) -> list[data.Custom]:
    """Returns the ledger's `custom` directives of the given types (`customer`), in file order.

    Only the files that mention one (`custom "customer"`) are parsed, not loaded.

    Raises:
      ImportFailed: With every syntax error of a ledger file read.
    """
    books = _Ledger(ledger)
    wanted = set(types)
    found: list[data.Custom] = []
    for path in books.files():
        text = path.read_text(encoding="utf-8")
        if any(f'custom "{kind}"' in text for kind in wanted):
            found += [
                entry
                for entry in books.entries(path)
                if isinstance(entry, data.Custom) and entry.type in wanted
            ]
    raise_if_any(books.problems)
    return found


_Located = tuple[list[Entry], list[int], list[str | None]]  # Entries, lines, ids.


def _in_file_order(
    batches: Sequence[Batch],
) -> Iterator[tuple[Batch, list[Entry], list[str | None]]]:
    """Yields the batches' entries and their ids by the file they were read from, in line order.

    Files in name order (a file is one source's), each with the batch it is in. Each
    entry's metadata are read once, here: a million entries do not fit in a cache.
    """
    files: dict[tuple[str, int], _Located] = {}
    for index, batch in enumerate(batches):
        id_of, name = batch.id_of, None
        entries: list[Entry] = []  # Of the file `name`, once there is one.
        lines: list[int] = []
        ids: list[str | None] = []
        for entry in batch.entries:
            source_id: str | None
            if isinstance(entry, Printed):
                filename, line, source_id = entry.filename, entry.lineno, entry.source_id
            else:
                meta = entry.meta
                filename, line, source_id = meta["filename"], meta["lineno"], id_of(entry)
            if filename != name:  # A file's entries come together: look it up once.
                name = filename
                entries, lines, ids = files.setdefault((str(name), index), ([], [], []))
            entries.append(entry)
            lines.append(line)
            ids.append(source_id)
    for (_, index), (entries, lines, ids) in sorted(files.items(), key=lambda item: item[0]):
        if all(map(operator.le, lines, islice(lines, 1, None))):  # In order already: as they are.
            yield batches[index], entries, ids
            continue
        order = sorted(range(len(lines)), key=lines.__getitem__)
        yield batches[index], [entries[at] for at in order], [ids[at] for at in order]


def _all_new(
    entries: list[Entry],
    ids: list[str | None],
    ledger: Mapping[str, Twin],
    pending: dict[str, Entry],
) -> list[str] | None:
    """Returns the entries' ids if every one is new: in neither the ledger nor `pending`, once.

    Then each entry is added to `pending` under its id (a first import's
    million rows, at C speed); else `pending` is left as it was.
    """
    if pending or None in ids or not ledger.keys().isdisjoint(ids):
        return None
    fresh = cast(list[str], ids)  # None is not among them.
    pending.update(zip(fresh, entries, strict=True))
    if len(pending) == len(fresh):
        return fresh
    pending.clear()
    return None


def _new_entries(
    batches: Sequence[Batch], known: Ids, books: _Ledger
) -> tuple[list[tuple[Batch, list[Entry], list[str]]], int, list[Problem]]:
    """Returns the new entries and their ids by batch, the count skipped, and the conflicts.

    An entry whose twin in a month file (a `Place`) is its printed text exactly is
    skipped at once; any other twin there is parsed and compared as printed, so a
    file edited by hand (another spacing, say) is compared by what it says.
    """
    pending: dict[str, dict[str, Entry]] = {}
    added: list[tuple[Batch, list[Entry], list[str]]] = []
    skipped = 0
    problems = []
    printed, choice_of, same_row = ledger_text.printed, ledger_text.choice_of, ledger_text.same_row
    # Rows are taken in file and line order, so the problem names the same rows every run.
    for batch, entries, entry_ids in _in_file_order(batches):
        key = batch.id_key
        ledger, batch_ids = known.get(key, {}), pending.setdefault(key, {})
        fresh = _all_new(entries, entry_ids, ledger, batch_ids)
        if fresh is not None:
            added.append((batch, entries, fresh))
            continue
        new: list[Entry] = []
        ids: list[str] = []
        for entry, source_id in zip(entries, entry_ids, strict=True):
            if source_id is None:
                raise ValueError(f"Imported entry has no '{key}': {canonical(entry)}")
            twin = ledger.get(source_id) or batch_ids.get(source_id)
            if isinstance(twin, Place):
                text = printed(entry)
                if twin.holds(text):
                    skipped += 1
                    continue
                # What the books chose aside, compared with the twin's text as written: a
                # row imported before the invoice it names was booked is found the same
                # without parsing its twin's file.
                chosen = choice_of(entry)
                if chosen is not None and same_row(text, twin.text(), chosen):
                    skipped += 1
                    continue
                twin = books.parsed_twin(twin, key, source_id)
                if twin is None:  # Its file does not parse: its syntax errors are the problems.
                    continue
            if twin is None:
                batch_ids[source_id] = entry
                new.append(entry)
                ids.append(source_id)
            elif same_entry(entry, twin):
                skipped += 1
            else:
                where = "already in the ledger at" if source_id in ledger else "also on"
                message = (
                    f"{key} '{source_id}' is {where} {_at(twin, '').where} with different content"
                )
                problems.append(_at(entry, message))
        added.append((batch, new, ids))
    return added, skipped, problems


@bulk()
def plan(ledger: Path, batches: Sequence[Batch]) -> Plan:
    """Returns the files to write to add the batches' new entries to the ledger.

    Args:
      ledger: The ledger folder (where `main.beancount` is).
      batches: The entries of each source, each with its file and line in its metadata.
    Returns:
      What every file that receives entries will hold.
    Raises:
      ImportFailed: With every id whose content differs from the ledger's or
        another row's, or every syntax error of a ledger file read.
    """
    books = _Ledger(ledger)
    readers = {batch.id_key: batch.id_of for batch in batches}
    # Ids read as their key's metadata (not a source's own way) are found in the text.
    custom = {batch.id_key for batch in batches if batch.source_id is not None}
    known = books.first_entries(readers, set(readers) - custom)
    raise_if_any(books.problems)
    added, skipped, problems = _new_entries(batches, known, books)
    raise_if_any(books.problems)
    raise_if_any(problems)
    targets: dict[Path, tuple[Batch, list[Entry], list[str]]] = {}
    for batch, entries, ids in added:
        # The month file of each day (days are few): its entries and their ids.
        months: dict[datetime.date, tuple[Batch, list[Entry], list[str]]] = {}
        for entry, source_id in zip(entries, ids, strict=True):
            month = months.get(entry.date)
            if month is None:
                path = ledger / batch.folder / f"{entry.date:%Y-%m}.beancount"
                month = months[entry.date] = targets.setdefault(path, (batch, [], []))
            month[1].append(entry)
            month[2].append(source_id)
    del added
    files = {}
    for path, (batch, new, ids) in sorted(targets.items()):
        kept = books.entries(path) if path.exists() else []
        files[path] = MonthFile(batch, path.stem, kept, new, ids)
    raise_if_any(books.problems)
    return Plan(files, {path: len(new) for path, (_, new, _) in targets.items()}, skipped)


def _mode(path: Path) -> int:
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@bulk()
def write(changes: Plan) -> None:
    """Writes the planned files: all to temporaries first, then each renamed over its file.

    If writing any temporary fails, the temporaries are removed and no file is changed.
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, month in sorted(changes.files.items()):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            written.append((temporary, path))
            # mkstemp makes the file private; the ledger file keeps its mode, or gets the usual one.
            os.chmod(temporary, _mode(path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(month.lines())
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
