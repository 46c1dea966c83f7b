"""The importers' configuration file, `config/importers.yaml`, read section by section.

One top-level section per source system. The file is read with the line of
every key (`plugins.policy`), so every problem points into it and names the
field's path:

    config/importers.yaml:9: Field 'commissions.delimiter' expected a single character, found ';;'

A `Section` is a mapping at some path in the file; readers (`plugins.policy`'s
`text`, `account_name`, ... or the importer's own) turn its values into typed
settings and record a problem for every bad or missing one. All problems are
collected; `problems()` returns them once every section has been read.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from importers.errors import ImportFailed, Problem
from plugins import policy

T = TypeVar("T")


def _found(value: Any) -> str:
    return type(value).__name__ if isinstance(value, dict | list) else f"'{value}'"


@dataclass(frozen=True)
class Section:
    """A mapping in the configuration file, at `keys` from its top."""

    document: policy.Document
    keys: tuple[str | int, ...]  # An int is the index of an item of a list.

    @property
    def name(self) -> str:
        """The section's own key, e.g. `commissions`."""
        return str(self.keys[-1])

    @property
    def data(self) -> dict[str, Any]:
        """The section's values by key."""
        node: Any = self.document.data
        for key in self.keys:
            node = node[key]
        return node if isinstance(node, dict) else {}

    @property
    def path(self) -> str:
        """The section's dotted path, e.g. `commissions.columns` (or `bank.rules.0`)."""
        return ".".join(str(key) for key in self.keys)

    def label(self, key: str) -> str:
        """Returns the dotted path of a field, e.g. `commissions.columns.amount`."""
        return f"{self.path}.{key}"

    def error(self, key: str | None, message: str) -> None:
        """Records a problem at the line of `key` (or of the section itself)."""
        self.document.error((*self.keys, key) if key is not None else self.keys, message)

    def read(self, key: str, reader: Callable[[Any], T], expected: str, default: T) -> T:
        """Returns the field read by `reader`; the default if absent, or if bad (with a problem)."""
        if key not in self.data:
            return default
        value = self.data[key]
        try:
            return reader(value)
        except (TypeError, ValueError):
            self.error(key, f"Field '{self.label(key)}' expected {expected}, found {_found(value)}")
            return default

    def require(self, key: str, reader: Callable[[Any], T], expected: str, default: T) -> T:
        """Like `read`, and records a problem when the field is missing."""
        if key not in self.data:
            self.error(None, f"Missing field '{self.label(key)}'; expected {expected}")
            return default
        return self.read(key, reader, expected, default)

    def section(self, key: str) -> Section | None:
        """Returns the mapping under `key`, or None with a problem if it is missing or not one."""
        if not isinstance(self.data.get(key), dict):
            if key in self.data:
                found = _found(self.data[key])
                self.error(key, f"Field '{self.label(key)}' expected a mapping, found {found}")
            else:
                self.error(None, f"Missing field '{self.label(key)}'; expected a mapping")
            return None
        return Section(self.document, (*self.keys, key))

    def sections(self, key: str) -> list[Section]:
        """Returns the mappings of the list under `key` (none if absent), recording bad items."""
        if key not in self.data:
            return []
        items = self.data[key]
        if not isinstance(items, list):
            self.error(key, f"Field '{self.label(key)}' expected a list, found {_found(items)}")
            return []
        found = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                found.append(Section(self.document, (*self.keys, key, index)))
            else:
                label = f"{self.label(key)}.{index}"
                self.document.error(
                    (*self.keys, key, index),
                    f"Field '{label}' expected a mapping, found {_found(item)}",
                )
        return found

    def reject_unknown(self, known: Iterable[str]) -> None:
        """Records a problem for every key of the section not in `known`."""
        names = sorted(known)
        for key in self.data:
            if key not in names:
                expected = ", ".join(f"'{name}'" for name in names)
                self.error(key, f"Unknown field '{self.label(key)}'; expected one of {expected}")


def time_zone(section: Section) -> datetime.tzinfo:
    """Returns the section's `timezone` field: UTC if absent, or if bad (with a problem)."""
    expected = "a time zone like 'UTC' or 'Europe/Amsterdam'"
    utc: datetime.tzinfo = datetime.UTC
    return section.read("timezone", _zone, expected, utc)


def _zone(value: Any) -> datetime.tzinfo:
    name = policy.text(value)
    if name == "UTC":
        return datetime.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(value) from error


def load(path: Path) -> tuple[policy.Document, list[Section]]:
    """Reads the configuration file and returns it with its top-level sections.

    Raises:
      ImportFailed: If the file cannot be read, is not YAML, or a section is not a mapping.
    """
    document = policy.load(str(path))
    sections = []
    for key, value in document.data.items():
        if isinstance(value, dict):
            sections.append(Section(document, (str(key),)))
        else:
            document.error((key,), f"Section '{key}' expected a mapping, found {_found(value)}")
    if not sections and not document.errors:
        document.error((), "No sources; expected a section per source system")
    failed = problems(document)
    if failed:
        raise ImportFailed(failed)
    return document, sections


def problems(document: policy.Document) -> list[Problem]:
    """Returns the problems recorded in the configuration file, in line order."""
    found = [
        Problem(error.source["filename"], error.source["lineno"], error.message)
        for error in document.errors
    ]
    return sorted(found, key=lambda problem: problem.line or 0)
