"""Sealing a closed month: its manifest, and its line in `config/close.yaml`.

The seal is one reviewable line under `sealed:` in the close policy; the
manifest beside it lists every sealed entry, so a broken seal can name the
first entry that differs. Reopening a month is deleting its line.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

import yaml

from plugins import close_policy, period_lock, policy
from reports import period
from reports.books import Books


def seal_month(books: Books, month: datetime.date) -> tuple[str, str]:
    """Seals a month of loaded books; returns the policy file and the seal written.

    Raises:
      ValueError: if the ledger does not enable plugins.close_controls with a valid
        policy file, or the seal cannot be added keeping every sealed month (nothing
        is written then).
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
    """Returns the policy text with `month: digest` under `sealed:`, months in order.

    `sealed:` is read as YAML, in whatever style it is written (a block, a flow
    mapping `{2026-09: ...}`, empty), and written back as a block, one line a
    month; a month's line written in a block stays as it was (with its comment).
    The result is read back: it must hold every month sealed before plus this
    one, and the rest of the policy unchanged.

    Raises:
      ValueError: naming `path` and the line of `sealed:`, if the text cannot be
        so rewritten (not YAML, `sealed` not a mapping or written twice).
    """
    lines = text.splitlines()
    before, node = _parsed(text, path)
    pairs = [(key, value) for key, value in node.value if key.value == "sealed"] if node else []
    if not pairs:
        return "\n".join([*lines, "sealed:", f"  {month}: {digest}"]) + "\n"
    key, value = pairs[0]
    first, last = key.start_mark.line, _last_line(value)
    seals = before.get("sealed") or {}
    if key.start_mark.column != 0 or not isinstance(seals, dict):
        raise ValueError(f"{path}:{first + 1}: 'sealed' is not a mapping; nothing sealed")
    block = {str(name): f"{name}: {seal}" for name, seal in seals.items()}
    if isinstance(value, yaml.MappingNode) and not value.flow_style:
        block.update(
            (str(item.value), lines[item.start_mark.line].strip())
            for item, seal in value.value
            if seal.end_mark.line == item.start_mark.line
        )
    block[month] = f"{month}: {digest}"
    rest = lines[first][len("sealed:") :].strip()
    head = (
        lines[first] if lines[first].startswith("sealed:") and rest[:1] in ("", "#") else "sealed:"
    )
    # Comment lines among the seals stay, ahead of them.
    notes = [line for line in lines[first + 1 : last + 1] if line.lstrip().startswith("#")]
    seal_lines = [f"  {block[name]}" for name in sorted(block)]
    result = "\n".join([*lines[:first], head, *notes, *seal_lines, *lines[last + 1 :]]) + "\n"
    expected = {
        **before,
        "sealed": {**{str(name): seal for name, seal in seals.items()}, month: digest},
    }
    if _parsed(result, path)[0] != expected:
        raise ValueError(
            f"{path}:{first + 1}: cannot add {month} to 'sealed' keeping every month sealed"
            " before; nothing sealed"
        )
    return result


def _parsed(text: str, path: str) -> tuple[dict[str, Any], yaml.MappingNode | None]:
    """Returns a policy text's mapping and its top-level node; raises ValueError if not one."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ValueError(f"{path}:{line}: not valid YAML; nothing sealed") from exc
    if node is None:
        return {}, None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        raise ValueError(f"{path}:1: expected a block mapping of policy fields; nothing sealed")
    repeats = policy.duplicate_keys(node)
    if repeats:
        keys, line, _ = repeats[0]
        raise ValueError(
            f"{path}:{line}: '{'.'.join(map(str, keys))}' is written twice; nothing sealed"
        )
    return data, node


def _last_line(value: yaml.Node) -> int:
    """Returns the last line (from 0) a YAML value is written on, comments after it aside."""
    if isinstance(value, yaml.MappingNode | yaml.SequenceNode) and not value.flow_style:
        items = [item[1] if isinstance(item, tuple) else item for item in value.value]
        return max((_last_line(item) for item in items), default=value.start_mark.line)
    end = value.end_mark
    # A block scalar (`|`) ends where the next line starts: its last line is the one before.
    return end.line - 1 if end.column == 0 and end.line > value.start_mark.line else end.line


def _where(source: dict[str, Any]) -> str:
    return f"{source['filename']}:{source['lineno']}"


def _replace(path: str, text: str) -> None:
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
