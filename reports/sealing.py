"""Sealing a closed month: its manifest, and its line in `config/close.yaml`.

The seal is one reviewable line under `sealed:` in the close policy; the
manifest beside it lists every sealed entry, so a broken seal can name the
first entry that differs. Reopening a month is deleting its line.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any

from plugins import close_policy, period_lock, policy
from reports import period
from reports.books import Books


def seal_month(books: Books, month: datetime.date) -> tuple[str, str]:
    """Seals a month of loaded books; returns the policy file and the seal written.

    Raises:
      ValueError: if the ledger does not enable plugins.close_controls with a valid
        policy file, or `sealed:` in it is not written as a block that `with_seal`
        can edit (nothing is written then).
    """
    config = books.plugin_config("plugins.close_controls")
    chosen, errors = close_policy.load(config, books.options)
    if chosen.path is None or errors:
        first = f"; {_where(errors[0].source)}: {errors[0].message}" if errors else ""
        raise ValueError(
            'Sealing needs \'plugin "plugins.close_controls" "<close.yaml>"\' in the ledger'
            f" and a valid close policy{first}"
        )
    name = period.month_name(month)
    pairs = period_lock.by_month(books.entries, {name}).get(name, [])
    digest = period_lock.seal(pairs)
    with open(chosen.path, encoding="utf-8") as stream:
        text = with_seal(stream.read(), name, digest, chosen.path)
    assert chosen.seals_folder is not None  # set whenever the policy has a path
    os.makedirs(chosen.seals_folder, exist_ok=True)
    _replace(period_lock.manifest_path(chosen.seals_folder, name), period_lock.manifest(pairs))
    _replace(chosen.path, text)
    return chosen.path, digest


def with_seal(text: str, month: str, digest: str, path: str = "close.yaml") -> str:
    """Returns the policy text with `month: digest` under `sealed:`.

    `sealed:` is edited as a block, one month a line, and every other line is
    kept: a month's line already there stays as written (quotes, comment) when
    its seal is unchanged and is replaced when it changes; a new month's line
    goes after the latest month before it, or first. An empty `sealed:` (or
    `sealed: {}`) gets its first line, and a policy without one gets it at the
    end. The result is read back: every month sealed before, this one, and the
    rest of the policy as it was.

    Raises:
      ValueError: naming `path` and a line, nothing written, if the text is not
        a valid policy or `sealed:` is not written as such a block (a flow
        mapping of months, a seal over several lines, an anchor on `sealed:`,
        an alias among its months).
    """
    document = _read(text, path)
    lines = text.splitlines()
    if "sealed" not in document.data:
        return "\n".join([*lines, "sealed:", f"  {month}: {digest}"]) + "\n"
    first, last = document.lines[("sealed",)], document.ends[("sealed",)]
    seals = document.data["sealed"] or {}
    # Each month's line (from 1), if its seal is on it, below `sealed:`; an alias
    # ends where its anchor is written, elsewhere.
    rows: dict[str, int] = {}
    for name in seals if isinstance(seals, dict) else ():
        row = document.lines.get(("sealed", str(name)), 0)
        if first < row == document.ends.get(("sealed", str(name)), 0) <= last:
            rows[str(name)] = row
    head = _HEAD.fullmatch(lines[first - 1])
    refused = ValueError(
        f"{path}:{first}: cannot add {month} to 'sealed' as written; write 'sealed:' as a block,"
        " one month a line ('  2026-01: <seal>'), without aliases; nothing sealed"
    )
    if head is None or not isinstance(seals, dict) or len(rows) != len(seals):
        raise refused
    if seals.get(month) == digest:
        return text
    lines[first - 1] = "sealed:" + head.group(2)  # `sealed: {}` becomes a block's head
    if month in rows:
        lines[rows[month] - 1] = _indent(lines[rows[month] - 1]) + f"{month}: {digest}"
    else:
        indent = _indent(lines[min(rows.values()) - 1]) if rows else "  "
        below = max((row for name, row in rows.items() if name < month), default=first)
        lines.insert(below, f"{indent}{month}: {digest}")
    result = "\n".join(lines) + "\n"
    # A safety net no known input reaches (the checks above refuse every form
    # this edit could break): the edited policy must read as before plus the month.
    after = policy.parse(result, path)
    if after.errors or after.data != {**document.data, "sealed": {**seals, month: digest}}:
        raise refused
    return result


def _read(text: str, path: str) -> policy.Document:
    """Returns the policy text read as every policy is; raises ValueError at its first error."""
    document = policy.parse(text, path)
    if document.errors:
        error = document.errors[0]
        raise ValueError(f"{_where(error.source)}: {error.message}; nothing sealed")
    return document


_HEAD = re.compile(r"sealed:(\s*\{\s*\})?(\s*(#.*)?)")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _where(source: dict[str, Any]) -> str:
    return f"{source['filename']}:{source['lineno']}"


def _replace(path: str, text: str) -> None:
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
