"""Retention of research exports: the zips under ``<data_dir>/exports`` are kept for a while, then removed.

An export is a pseudonymised copy of the whole network; once downloaded it has no use on the server, so it is kept
only as long as ``export_keep_count`` and ``export_keep_days`` allow: the newest ``export_keep_count`` exports younger
than ``export_keep_days`` days stay, every other one is removed. Pruning runs each time an export is written and in
``caregraph retention``. Only files named like an export (:data:`EXPORT_GLOB`) are touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EXPORT_GLOB", "EXPORT_MODE", "PrunedExports", "exports_dir", "prune_exports"]

EXPORT_GLOB = "caregraph-research-*.zip"
EXPORT_MODE = 0o600
"""Exports are readable by the server's own user only."""


def exports_dir(data_dir: Path) -> Path:
    """Where research exports are written."""
    return data_dir / "exports"


@dataclass
class PrunedExports:
    """What a pruning run removed (or, for a dry run, would remove) and kept."""

    removed: list[str] = field(default_factory=list)
    kept: int = 0


def prune_exports(folder: Path, *, keep_count: int, keep_days: float, now: float | None = None,
                  dry_run: bool = False, spare: str | None = None) -> PrunedExports:
    """Remove the exports in ``folder`` beyond the newest ``keep_count`` or older than ``keep_days`` days (by
    modification time; ``now`` in seconds since the epoch, default the current time). The export named ``spare``
    (the one just written, still to be sent) is always kept.

    >>> prune_exports(Path("/nonexistent"), keep_count=5, keep_days=7)
    PrunedExports(removed=[], kept=0)
    """
    if keep_count < 0 or keep_days < 0:
        raise ValueError("keep_count and keep_days must be 0 or more")
    if not folder.is_dir():
        return PrunedExports()
    cutoff = (time.time() if now is None else now) - keep_days * 86400
    found: list[tuple[float, Path]] = []
    for p in folder.glob(EXPORT_GLOB):
        try:
            found.append((p.stat().st_mtime, p))
        except FileNotFoundError:  # removed meanwhile by another process
            continue
    found.sort(key=lambda mp: (mp[0], mp[1].name), reverse=True)
    out = PrunedExports()
    for rank, (mtime, p) in enumerate(found):
        if p.name == spare or (rank < keep_count and mtime >= cutoff):
            out.kept += 1
            continue
        if not dry_run:
            p.unlink(missing_ok=True)
        out.removed.append(p.name)
    return out
