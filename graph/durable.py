"""Making writes durable: ``fsync`` of a file or a folder by path."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_path"]


def fsync_path(path: Path) -> None:
    """``fsync`` the file or folder at ``path`` (a folder: so that a rename or a new entry in it survives a crash).

    Never call it on a database file that a Database of this process has open: closing the descriptor it opens
    drops LadybugDB's POSIX (fcntl) file lock on that file.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
