"""Reading a JSON export of billing documents, keeping the line where each one starts.

A file holds a list of documents (invoices, credit notes), at the top or under
a key (`{"object": "list", "data": [...]}`). Each document is parsed with
Python's own JSON scanner, and the file's line where it starts is kept, so a
problem points at `file:line` and names the field by its JSON path:

    documents/billing/2026-03.json:14: Field 'data[2].lines.data[0].amount': '12.5' is not a
    whole number; expected an amount in minor units like '4900'

Numbers are never read as binary floats: a number with a fraction or exponent is
kept as its text (`billing_values.JsonFloat`), and NaN or Infinity as a marker
(`JsonConstant`), so the readers can refuse them by name.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from importers.billing_values import JsonConstant, JsonFloat, shown
from importers.errors import ImportFailed, Problem, raise_if_any

T = TypeVar("T")

_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_float=JsonFloat, parse_constant=JsonConstant)


@dataclass(frozen=True)
class Listed:
    """The documents of a file, each with its JSON path and first line, and the list's siblings."""

    documents: list[tuple[str, int, Any]]  # (JSON path, line, value)
    siblings: dict[str, Any] = field(default_factory=dict)  # Other keys beside the list.


class _Walk:
    """Walks a JSON text down to one list, decoding every other value whole."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.counted = (0, 1)  # (offset, its line): lines are counted forward, once.
        self.found: list[tuple[str, int, Any]] = []
        self.siblings: dict[str, Any] = {}

    def fail(self, message: str, at: int) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, self.text, min(at, len(self.text)))

    def skip(self, at: int) -> int:
        end = _SPACE.match(self.text, at)
        return end.end() if end else at

    def char(self, at: int) -> str:
        return self.text[at] if at < len(self.text) else ""

    def line(self, at: int) -> int:
        offset, line = self.counted
        line += self.text.count("\n", offset, at)
        self.counted = (at, line)
        return line

    def value(self, at: int) -> tuple[Any, int]:
        return _DECODER.raw_decode(self.text, at)

    def down(self, at: int, keys: tuple[str, ...], path: str) -> int:
        """Walks the value at `at` along `keys` to the list; returns where the value ends."""
        if not keys:
            return self.documents(at, path)
        if self.char(at) != "{":
            raise _Shape(f"expected an object with the field '{keys[0]}' at '{path or '$'}'")
        at, seen = self.skip(at + 1), False
        while self.char(at) != "}":
            if self.char(at) != '"':
                raise self.fail("Expecting property name enclosed in double quotes", at)
            name, at = _scanstring(self.text, at + 1)
            at = self.skip(at)
            if self.char(at) != ":":
                raise self.fail("Expecting ':' delimiter", at)
            at = self.skip(at + 1)
            if name == keys[0] and not seen:
                at, seen = self.down(at, keys[1:], f"{path}.{name}" if path else name), True
            else:
                value, at = self.value(at)
                if not path:
                    self.siblings[name] = value
            at = self.next(at, "}")
        if not seen:
            raise _Shape(f"expected the field '{keys[0]}' at '{path or '$'}', holding the list")
        return at + 1

    def next(self, at: int, close: str) -> int:
        """Steps over the comma after a member or element; stops at the closing bracket."""
        at = self.skip(at)
        if self.char(at) == ",":
            at = self.skip(at + 1)
            if self.char(at) == close:
                raise self.fail("Illegal trailing comma before end of object or array", at)
            return at
        if self.char(at) != close:
            raise self.fail(f"Expecting ',' delimiter or '{close}'", at)
        return at

    def documents(self, at: int, path: str) -> int:
        if self.char(at) != "[":
            raise _Shape(f"expected a list of documents at '{path or '$'}'")
        at, index = self.skip(at + 1), 0
        while self.char(at) != "]":
            start = at
            value, at = self.value(at)
            self.found.append((f"{path}[{index}]", self.line(start), value))
            at, index = self.next(at, "]"), index + 1
        return at + 1


class _Shape(Exception):
    """Valid JSON of the wrong shape (no list where the documents should be)."""


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as error:
        raise ImportFailed([Problem(path, None, f"Cannot read the file: {error}")]) from error
    try:
        # A UTF-8 byte-order mark is not JSON, but editors write one; it is skipped.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"Cannot decode the file as utf-8: {error.reason}"
        raise ImportFailed([Problem(path, line, message)]) from error


def read_documents(path: str, keys: tuple[str, ...], what: str) -> Listed:
    """Returns the documents of a JSON file: the list at `keys` (the file itself if empty).

    Args:
      path: The file.
      keys: The object keys leading from the top to the list.
      what: What the list holds, for messages (`invoices`).
    Raises:
      ImportFailed: If the file is empty, is not JSON, or has no such list or an empty one.
    """
    text = _read_text(path)
    walk = _Walk(text)
    start = walk.skip(0)
    if start == len(text):
        raise_if_any([Problem(path, 1, f"File is empty; expected a JSON list of {what}")])
    try:
        end = walk.skip(walk.down(start, keys, ""))
        if end != len(text):
            raise walk.fail("Extra data", end)
    except json.JSONDecodeError as error:
        message = f"Malformed JSON: {error.msg} (column {error.colno})"
        raise ImportFailed([Problem(path, error.lineno, message)]) from error
    except _Shape as error:
        raise ImportFailed([Problem(path, 1, f"Not a list of {what}: {error}")]) from error
    if not walk.found:
        raise_if_any([Problem(path, 1, f"No {what} in the file; expected at least one")])
    return Listed(walk.found, walk.siblings)


_MISSING = object()


@functools.cache
def _split(keys: str) -> tuple[str, ...]:
    return tuple(keys.split("."))


class Fields:
    """Reads the fields of one JSON document, recording a problem at its line for each bad one."""

    def __init__(self, path: str, line: int, problems: list[Problem]) -> None:
        self.path = path
        self.line = line
        self.problems = problems
        self.known = len(problems)

    @property
    def failed(self) -> bool:
        """Tells whether any field of the document was bad."""
        return len(self.problems) > self.known

    def problem(self, message: str) -> None:
        """Records a problem at the document's line."""
        self.problems.append(Problem(self.path, self.line, message))

    def lookup(self, node: Any, keys: str) -> tuple[Any, Any]:
        """Returns the value at the dotted `keys`, or a marker and the object that lacks a key."""
        if isinstance(node, dict) and keys in node:  # The usual case: a key without dots.
            return node[keys], None
        for key in _split(keys):
            if not isinstance(node, dict) or key not in node:
                return _MISSING, node
            node = node[key]
        return node, None

    def has(self, node: Any, keys: str) -> bool:
        """Tells whether the field at the dotted `keys` is present and not null."""
        value, _ = self.lookup(node, keys)
        return value is not _MISSING and value is not None

    def get(self, node: Any, base: str, keys: str, read: Callable[[Any], T]) -> T | None:
        """Returns the field at `keys` under `node` (at JSON path `base`), read by `read`.

        A missing or null field, or one `read` refuses, is a problem and None.
        """
        value, parent = self.lookup(node, keys)
        if value is _MISSING:
            has = ", ".join(f"'{key}'" for key in parent) if isinstance(parent, dict) else ""
            where = f"; the object has {has}" if has else ""
            self.problem(f"Missing field '{base}.{keys}'{where}")
            return None
        if value is None:
            self.problem(f"Field '{base}.{keys}' is null; expected a value")
            return None
        return self.convert(base, keys, value, read)

    def optional(self, node: Any, base: str, keys: str, read: Callable[[Any], T]) -> T | None:
        """Like `get`, but a missing or null field is None without a problem."""
        value, _ = self.lookup(node, keys)
        if value is _MISSING or value is None:
            return None
        return self.convert(base, keys, value, read)

    def convert(self, base: str, keys: str, value: Any, read: Callable[[Any], T]) -> T | None:
        """Returns `read(value)`, or None with a problem naming the field (`base.keys`)."""
        try:
            return read(value)
        except ValueError as error:
            path = f"{base}.{keys}" if keys else base
            self.problem(f"Field '{path}': {shown(value)} {error}")
            return None

    def items(self, node: Any, base: str, keys: str) -> Iterator[tuple[str, Any]]:
        """Yields (JSON path, element) of the list at `keys`; missing or null is an empty list."""
        value, _ = self.lookup(node, keys)
        if value is _MISSING or value is None:
            return
        if not isinstance(value, list):
            self.problem(f"Field '{base}.{keys}': {shown(value)} is not a list; expected a list")
            return
        for index, element in enumerate(value):
            yield f"{base}.{keys}[{index}]", element
