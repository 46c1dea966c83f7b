"""Period locks: a closed month carries a seal of every entry dated in it.

An entry's fingerprint is a hash of what it says (type, date, flag, payee,
narration, tags, links, metadata, postings), not of where it is written: moving
an entry to another file does not break a seal, changing it does. A month's
seal is the hash of its entries' sorted fingerprints, generated entries
included, so a policy change that alters a closed month's releases breaks it
too. Beside each seal, a manifest lists the fingerprint and a description of
every sealed entry, so a broken seal names the first entry that differs.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beancount.core import data

_LOCATION = frozenset({"filename", "lineno"})


def _canonical_meta(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not values:
        return []
    return sorted((key, repr(value)) for key, value in values.items() if key not in _LOCATION)


def _canonical_posting(posting: data.Posting) -> tuple[Any, ...]:
    return (
        posting.account,
        str(posting.units),
        str(posting.cost),
        str(posting.price),
        posting.flag,
        _canonical_meta(posting.meta),
    )


def fingerprint(entry: data.Directive) -> str:
    """Returns the hex SHA-256 of what an entry says, wherever it is written."""
    fields: list[Any] = []
    for name in entry._fields:
        value = getattr(entry, name)
        if name == "meta":
            fields.append(_canonical_meta(value))
        elif name == "postings":
            fields.append([_canonical_posting(posting) for posting in value])
        elif name in ("tags", "links"):
            fields.append(sorted(value or ()))
        else:
            fields.append(repr(value))
    text = repr((type(entry).__name__, fields))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def describe(entry: data.Directive) -> str:
    """Returns a one-line description of an entry, for manifests and messages."""
    if isinstance(entry, data.Transaction):
        payee = f'"{entry.payee}" ' if entry.payee else ""
        return f'{entry.date} {entry.flag} {payee}"{entry.narration}"'
    subject = getattr(entry, "account", None) or getattr(entry, "type", "")
    return f"{entry.date} {type(entry).__name__.lower()} {subject}".rstrip()


def month_of(day: datetime.date) -> str:
    """Returns the 'YYYY-MM' of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def by_month(
    entries: Iterable[data.Directive], months: set[str]
) -> dict[str, list[tuple[str, data.Directive]]]:
    """Returns the (fingerprint, entry) pairs of each wanted month, sorted by fingerprint."""
    chosen: dict[str, list[tuple[str, data.Directive]]] = defaultdict(list)
    for entry in entries:
        month = month_of(entry.date)
        if month in months:
            chosen[month].append((fingerprint(entry), entry))
    for pairs in chosen.values():
        pairs.sort(key=lambda pair: pair[0])
    return chosen


def seal(pairs: Sequence[tuple[str, data.Directive]]) -> str:
    """Returns the seal of a month: the hash of its sorted fingerprints."""
    return hashlib.sha256("".join(f"{print_}\n" for print_, _ in pairs).encode()).hexdigest()


def manifest(pairs: Sequence[tuple[str, data.Directive]]) -> str:
    """Returns a month's manifest: one 'fingerprint description' line per entry."""
    return "".join(f"{print_} {describe(entry)}\n" for print_, entry in pairs)


def manifest_path(folder: str, month: str) -> str:
    """Returns where the manifest of a sealed month lives."""
    return os.path.join(folder, f"{month}.txt")


def first_difference(
    pairs: Sequence[tuple[str, data.Directive]], manifest_text: str | None
) -> tuple[data.Directive | None, str]:
    """Returns the first entry (in date order) not in the manifest, with a message.

    If every entry is in the manifest, an entry was removed: returns None and
    the description of the first missing one.
    """
    sealed: dict[str, str] = {}
    for line in (manifest_text or "").splitlines():
        print_, _, description = line.partition(" ")
        sealed[print_] = description
    changed = [entry for print_, entry in pairs if print_ not in sealed]
    if changed:
        entry = min(changed, key=data.entry_sortkey)
        return entry, f"entry {describe(entry)} differs from the sealed books"
    present = {print_ for print_, _ in pairs}
    missing = sorted(description for print_, description in sealed.items() if print_ not in present)
    if missing:
        return None, f"sealed entry {missing[0]} is missing"
    return None, "its manifest does not match its seal"
