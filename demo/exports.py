"""Writing a source system's export files under the documents folder, one folder per system."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_files(out: Path, folder: str, suffix: str, files: Mapping[str, str]) -> list[Path]:
    """Write export files, removing the folder's files of an earlier, longer run.

    Args:
        out: The documents folder; created if missing.
        folder: The system's folder under ``out`` (e.g. ``billing``).
        suffix: The files' extension (e.g. ``.json``); other files are left alone.
        files: File contents by path relative to ``out``, all inside ``folder``.

    Returns:
        The paths written, in the order of ``files``.
    """
    (out / folder).mkdir(parents=True, exist_ok=True)
    for stale in sorted((out / folder).glob(f"*{suffix}")):
        if f"{folder}/{stale.name}" not in files:
            stale.unlink()
    written = []
    for relative, text in files.items():
        path = out / relative
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
