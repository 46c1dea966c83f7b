"""Sealing a closed month: its manifest, and its line in `config/close.yaml`.

The seal is one reviewable line under `sealed:` in the close policy; the
manifest beside it lists every sealed entry, so a broken seal can name the
first entry that differs. Reopening a month is deleting its line.
"""

from __future__ import annotations

import datetime
import os
import re

from plugins import close_policy, period_lock
from reports import period
from reports.books import Books

_SEALED = re.compile(r"^sealed:\s*(\{\s*\})?\s*(#.*)?$")
_SEAL_LINE = re.compile(r"^\s+(\d{4}-\d{2}):")


def seal_month(books: Books, month: datetime.date) -> tuple[str, str]:
    """Seals a month of loaded books; returns the policy file and the seal written.

    Raises:
      ValueError: if the ledger does not enable plugins.close_controls with a policy file.
    """
    config = books.plugin_config("plugins.close_controls")
    policy, errors = close_policy.load(config, books.options)
    if policy.path is None or errors:
        raise ValueError(
            'Sealing needs \'plugin "plugins.close_controls" "<close.yaml>"\' in the ledger'
            " and a valid close policy"
        )
    name = period.month_name(month)
    pairs = period_lock.by_month(books.entries, {name}).get(name, [])
    digest = period_lock.seal(pairs)
    assert policy.seals_folder is not None  # set whenever the policy has a path
    os.makedirs(policy.seals_folder, exist_ok=True)
    _replace(period_lock.manifest_path(policy.seals_folder, name), period_lock.manifest(pairs))
    with open(policy.path, encoding="utf-8") as stream:
        text = stream.read()
    _replace(policy.path, with_seal(text, name, digest))
    return policy.path, digest


def with_seal(text: str, month: str, digest: str) -> str:
    """Returns the policy text with `month: digest` under `sealed:`, months in order."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _SEALED.match(line)), None)
    if start is None:
        lines += ["sealed:"]
        start = len(lines) - 1
    lines[start] = "sealed:"
    end = start + 1
    seals = {}
    while end < len(lines) and (match := _SEAL_LINE.match(lines[end])):
        seals[match.group(1)] = lines[end].strip()
        end += 1
    seals[month] = f"{month}: {digest}"
    block = [f"  {seals[key]}" for key in sorted(seals)]
    return "\n".join([*lines[: start + 1], *block, *lines[end:]]) + "\n"


def _replace(path: str, text: str) -> None:
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
