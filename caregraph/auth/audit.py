"""The audit log: who (user, role) did what, to which household, when, and with what outcome.

An append-only JSON-lines file under ``settings.data_dir`` (fsynced per write, so it survives restarts and crashes).
Each entry carries ``prev``, the SHA-256 of the previous line, so :meth:`AuditLog.verify` detects an edited or
deleted line. :meth:`AuditLog.export` writes the log (or a filtered part) as JSON lines or CSV for an auditor.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from caregraph.auth.jsonl import ensure_private_file
from caregraph.auth.models import AuditEntryOut
from caregraph.auth.roles import Principal

__all__ = ["AuditLog", "audit_file", "neutralise_cell"]

GENESIS = "0" * 64


def audit_file(data_dir: Path) -> Path:
    """Where the audit log lives."""
    return data_dir / "audit" / "audit.jsonl"


def neutralise_cell(value: str) -> str:
    """Prefix a quote to a CSV cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR).

    >>> neutralise_cell("=HYPERLINK(1)"), neutralise_cell("HH001")
    ("'=HYPERLINK(1)", 'HH001')
    """
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


class _Pending:
    __slots__ = ("done", "entry", "error")

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.done = False
        self.error: BaseException | None = None


class AuditLog:
    """Append-only audit log.

    Parameters
    ----------
    path
        The JSON-lines file (created on first write, mode 0600).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: list[_Pending] = []
        self._pending_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._tail: tuple[int, str] | None = None  # (file size, hash of the last line) after our last write

    def record(
        self,
        principal: Principal,
        action: str,
        *,
        household_id: str | None = None,
        outcome: str = "allowed",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry; durable (fsynced) when this returns.

        Group commit: concurrent callers queue their entries; whoever holds the write lock writes every queued
        entry in one append and one fsync, so 50 concurrent requests cost a few fsyncs, not 50. The previous
        line's hash is read under the same file lock as the append, so entries written by several processes still
        form one chain.
        """
        item = _Pending({
            "at": dt.datetime.now(dt.UTC).isoformat(), "user": principal.username, "role": principal.role.value,
            "token_id": principal.token_id, "action": action, "household_id": household_id,
            "outcome": outcome, "detail": detail or {},
        })
        with self._pending_lock:
            self._pending.append(item)
        with self._write_lock:
            if not item.done:
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                try:
                    self._write_batch([b.entry for b in batch])
                except BaseException as e:
                    for b in batch:
                        b.done, b.error = True, e
                    raise
                for b in batch:
                    b.done = True
        if item.error is not None:
            raise OSError(f"audit entry not written: {item.error}") from item.error

    def _write_batch(self, entries: list[dict[str, Any]]) -> None:
        ensure_private_file(self.path)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                prefix = ""
                prev = GENESIS
                if self._tail is not None and self._tail[0] == size:
                    prev = self._tail[1]
                elif size:
                    tail = os.pread(fd, min(size, 65536), max(0, size - 65536))
                    if not tail.endswith(b"\n"):
                        prefix = "\n"
                    lines = [ln for ln in tail.split(b"\n") if ln.strip()]
                    if lines:
                        prev = _line_hash(lines[-1].decode("utf-8", "replace"))
                out = []
                for entry in entries:
                    entry["prev"] = prev
                    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str)
                    prev = _line_hash(line)
                    out.append(line + "\n")
                data = (prefix + "".join(out)).encode("utf-8")
                os.write(fd, data)
                os.fsync(fd)
                self._tail = (size + len(data), prev)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def entries(
        self,
        *,
        user: str | None = None,
        household_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Iterator[AuditEntryOut]:
        """Entries in order, optionally filtered by user, household and time (``since`` ≤ at < ``until``)."""
        if not self.path.exists():
            return
        with self.path.open("r", encoding="utf-8") as f:
            for line in f:
                try:
                    raw = json.loads(line)
                    at = dt.datetime.fromisoformat(raw["at"])
                except (ValueError, KeyError, TypeError):
                    continue
                if user is not None and raw.get("user") != user:
                    continue
                if household_id is not None and raw.get("household_id") != household_id:
                    continue
                if since is not None and at < since:
                    continue
                if until is not None and at >= until:
                    continue
                yield AuditEntryOut(
                    at=at, user=str(raw.get("user")), role=str(raw.get("role")), action=str(raw.get("action")),
                    household_id=raw.get("household_id"), detail=raw.get("detail") or {},
                    outcome=str(raw.get("outcome")),
                )

    def verify(self) -> tuple[bool, int]:
        """Check the hash chain: ``(intact, lines checked)``; ``intact`` is False at the first broken link."""
        prev = GENESIS
        n = 0
        if not self.path.exists():
            return True, 0
        with self.path.open("r", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError:
                    return False, n
                if raw.get("prev") != prev:
                    return False, n
                prev = _line_hash(line)
                n += 1
        return True, n

    def export(self, out: Path, *, fmt: Literal["jsonl", "csv"] = "jsonl", **filters: Any) -> int:
        """Write the (filtered) entries to ``out`` atomically; returns the number written.

        CSV cells that a spreadsheet would run as formulas are neutralised (see :func:`neutralise_cell`).
        """
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        n = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                if fmt == "csv":
                    w = csv.writer(f)
                    w.writerow(["at", "user", "role", "action", "household_id", "outcome", "detail"])
                    for e in self.entries(**filters):
                        w.writerow([neutralise_cell(str(v)) for v in (
                            e.at.isoformat(), e.user, e.role, e.action, e.household_id or "", e.outcome,
                            json.dumps(e.detail, sort_keys=True, default=str))])
                        n += 1
                else:
                    for e in self.entries(**filters):
                        f.write(e.model_dump_json() + "\n")
                        n += 1
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return n

    def touch(self) -> None:
        """Create the file if absent (mode 0600)."""
        ensure_private_file(self.path)
