"""Policy files: YAML read with the line of every key, so errors point into it.

Every plugin reads its policy the same way: the config string on its `plugin`
line is a path to a YAML file, resolved against the ledger file's folder. A
policy file is a mapping; each field is read by a small reader that either
returns a value or records an error naming the file, the line, the field path,
what was expected and what was found. All errors are collected, not the first.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import yaml
from beancount.core import account

T = TypeVar("T")
Lines = dict[tuple[str | int, ...], int]


class PolicyError(NamedTuple):
    """A problem in a policy file, pointing at the offending line."""

    source: dict[str, Any]
    message: str
    entry: None


def resolve(config: str | None, options_map: Mapping[str, Any]) -> str | None:
    """Returns the path of a plugin's config file, relative to the ledger's folder."""
    if not config or not config.strip():
        return None
    path = os.path.expanduser(config.strip())
    if os.path.isabs(path):
        return path
    ledger = options_map.get("filename") or ""
    folder = os.path.dirname(os.path.abspath(ledger)) if ledger else os.getcwd()
    return os.path.normpath(os.path.join(folder, path))


@dataclass
class Document:
    """A parsed YAML mapping that remembers the line of every key and item.

    `lines` holds where each key or item is written, `ends` the last line of
    each key's value (comments after it aside), both counted from 1.
    """

    path: str
    data: dict[str, Any]
    lines: Lines
    errors: list[PolicyError] = field(default_factory=list)
    ends: Lines = field(default_factory=dict)

    def line(self, keys: tuple[str | int, ...]) -> int:
        """Returns the line of `keys`, or of its nearest ancestor that has one."""
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines.get(keys, 1)

    def error(self, keys: tuple[str | int, ...], message: str) -> None:
        """Records an error at the line of `keys`."""
        where = {"filename": self.path, "lineno": self.line(keys)}
        self.errors.append(PolicyError(where, message, None))

    def read(
        self,
        key: str,
        reader: Callable[[Any], T],
        expected: str,
        default: T,
    ) -> T:
        """Reads a top-level field, recording an error and returning the default if bad."""
        if key not in self.data:
            return default
        value = self.data[key]
        try:
            return reader(value)
        except (TypeError, ValueError):
            self.error((key,), f"Field '{key}' expected {expected}, found {_shown(value)}")
            return default

    def reject_unknown(self, known: set[str]) -> None:
        """Records an error for every top-level key not in `known`."""
        for key in self.data:
            if key not in known:
                names = ", ".join(f"'{name}'" for name in sorted(known))
                self.error((key,), f"Unknown field '{key}'; expected one of {names}")


def _shown(value: Any) -> str:
    return f"'{value}'" if not isinstance(value, dict | list) else type(value).__name__


def _walk(node: yaml.Node, keys: tuple[str | int, ...], document: Document) -> None:
    document.lines[keys] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _walk(value_node, (*keys, key), document)
            # A key's line is where the key is written, not where its value starts.
            document.lines[(*keys, key)] = key_node.start_mark.line + 1
            document.ends[(*keys, key)] = _last_line(value_node) + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*keys, index), document)


def _last_line(node: yaml.Node) -> int:
    """Returns the last line (from 0) a YAML value is written on, comments after it aside.

    A block collection ends with its last item. An alias is the node it names,
    so its lines are those of its anchor.
    """
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style:
        if not node.value:
            return int(node.start_mark.line)
        last = node.value[-1]
        return _last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    # A block scalar (`|`) ends where the next line starts: its last line is the one before.
    return int(end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line)


_MERGE = "tag:yaml.org,2002:merge"


def duplicate_keys(node: yaml.Node) -> list[tuple[tuple[str | int, ...], int, int]]:
    """Returns (field path, line, line of the first) of every key written twice at one level.

    YAML loaders keep the last of two equal keys and drop the first without a word,
    so a policy holding one twice would lose what its first says: each repeat is
    found on the composed document, before merge keys (`<<`) are resolved.
    """
    found: list[tuple[tuple[str | int, ...], int, int]] = []
    seen: set[int] = set()

    def visit(node: yaml.Node, keys: tuple[str | int, ...]) -> None:
        if id(node) in seen:  # an alias: its node was visited where it is anchored
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                    line = key_node.start_mark.line + 1
                    if (key_node.tag, key) in first:
                        found.append(((*keys, key), line, first[(key_node.tag, key)]))
                    first.setdefault((key_node.tag, key), line)
                visit(value_node, (*keys, key) if isinstance(key, str) else keys)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*keys, index))

    visit(node, ())
    return found


# LibYAML's parser where PyYAML was built with it: the same documents and marks, some ten
# times faster than the pure-Python one (every plugin reads its policy at every load).
_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def load(path: str) -> Document:
    """Reads a policy file; problems become errors on the returned document.

    A file that cannot be read leaves the document empty with one error saying
    so; its text is then read as `parse` reads it.
    """
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as exc:
        document = Document(path, {}, {})
        document.errors.append(
            PolicyError({"filename": path, "lineno": 0}, f"Cannot read policy file: {exc}", None)
        )
        return document
    return parse(text, path)


def parse(text: str, path: str) -> Document:
    """Reads a policy's text, written in the file `path`; problems become errors on it.

    The one place a policy's YAML is read: composed once, then built into data
    with the lines of its keys. A YAML syntax error or a top level that is not
    a mapping leaves the document empty with one error saying so; a key written
    twice at one level leaves it empty with an error at each repeat.
    """
    document = Document(path, {}, {})
    try:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            repeats = duplicate_keys(node) if node is not None else []
            data = loader.construct_document(node) if node is not None and not repeats else {}
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        document.errors.append(
            PolicyError({"filename": path, "lineno": line}, f"Invalid YAML: {problem}", None)
        )
        return document
    for keys, line, first in repeats:
        name = ".".join(map(str, keys))
        message = (
            f"Field '{name}' is written twice (first at line {first}); expected each field"
            " once, as YAML keeps only the last"
        )
        document.errors.append(PolicyError({"filename": path, "lineno": line}, message, None))
    if data is None or repeats:
        return document
    if not isinstance(data, dict):
        document.error((), f"Expected a mapping of policy fields, found {type(data).__name__}")
        return document
    document.data = data
    if node is not None:
        _walk(node, (), document)
    return document


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    """Returns a reader accepting one of `options`."""

    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(value)
        return value

    return read


def boolean(value: Any) -> bool:
    """Reads a YAML boolean."""
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


def date(value: Any) -> datetime.date:
    """Reads a YAML date (an unquoted YYYY-MM-DD)."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValueError(value)
    return value


def text(value: Any) -> str:
    """Reads a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    return value


def account_name(value: Any) -> str:
    """Reads a valid Beancount account name."""
    if not isinstance(value, str) or not account.is_valid(value):
        raise ValueError(value)
    return value


def positive_int(value: Any) -> int:
    """Reads a whole number of at least one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(value)
    return value


def precision_map(value: Any) -> dict[str, int]:
    """Reads a mapping of currency code to decimals, 0 to 8."""
    if not isinstance(value, dict) or not all(
        isinstance(code, str) and isinstance(digits, int) and 0 <= digits <= 8
        for code, digits in value.items()
    ):
        raise ValueError(value)
    return dict(value)


PRECISION_EXPECTED = "a mapping of currency to decimals 0 to 8"
ACCOUNT_EXPECTED = "an account name like 'Assets:Bank'"


def plugin_line(options_map: Mapping[str, Any], module: str) -> tuple[bool, str | None]:
    """Returns whether the ledger enables the plugin `module`, and its config string."""
    for name, config in options_map.get("plugin", []):
        if name == module:
            return True, str(config) if config is not None else None
    return False, None
