"""Append-only JSON-lines files: one JSON object per line, appended under an exclusive lock and fsynced.

Used for the users file and the audit log. A line is only ever appended, never rewritten; a torn last line (a crash
in the middle of a write) is skipped when reading.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["append_lines", "read_lines", "ensure_private_file"]


def ensure_private_file(path: Path) -> None:
    """Create ``path`` (and its folder) if absent, readable and writable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)


def append_lines(path: Path, records: list[dict[str, Any]]) -> None:
    """Append ``records`` as JSON lines in one write, under ``flock``, then fsync the file.

    A torn previous line (no trailing newline after a crash) is closed with a newline first, so every record lands
    on a line of its own.
    """
    if not records:
        return
    ensure_private_file(path)
    data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) + "\n" for r in records)
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size:
                last = os.pread(fd, 1, size - 1)
                if last != b"\n":
                    data = "\n" + data
            os.write(fd, data.encode("utf-8"))
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of ``path`` in order (none when absent); lines that are not valid JSON objects are skipped."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                yield obj
