"""The audit log: who (user, role) did what, to which household, when, and with what outcome.

An append-only JSON-lines file under ``settings.data_dir`` (fsynced per write, so it survives restarts and crashes).
Each entry carries ``prev``, the SHA-256 of the previous line, so :meth:`AuditLog.verify` detects an edited or
deleted line. :meth:`AuditLog.export` writes the log (or a filtered part) as JSON lines or CSV for an auditor.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Literal

from caregraph.auth.jsonl import ensure_private_file
from caregraph.auth.models import AuditEntryOut
from caregraph.auth.roles import Principal
from foundation.cells import neutralise_cell

__all__ = ["AuditLog", "audit_file", "deferred_durability", "wait_durable"]

GENESIS = "0" * 64
WRITER_IDLE_S = 10.0
"""The writer thread closes the file and ends after this many seconds without entries."""


def audit_file(data_dir: Path) -> Path:
    """Where the audit log lives."""
    return data_dir / "audit" / "audit.jsonl"


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


_DEFERRED: contextvars.ContextVar[list[Future[None]] | None] = contextvars.ContextVar("caregraph_audit_deferred",
                                                                                   default=None)


@contextlib.contextmanager
def deferred_durability() -> Iterator[list[Future[None]]]:
    """Inside this block, :meth:`AuditLog.record` queues its entry and returns at once; the futures of the queued
    entries are collected in the yielded list. The caller must wait for them (:func:`wait_durable`) before it
    answers: the promise "no household data leaves without a durable audit entry" then still holds, while the
    event loop (or the thread) is free during the fsync.

    >>> with deferred_durability() as pending:
    ...     pass
    >>> pending
    []
    """
    pending: list[Future[None]] = []
    token = _DEFERRED.set(pending)
    try:
        yield pending
    finally:
        _DEFERRED.reset(token)


async def wait_durable(pending: list[Future[None]]) -> None:
    """Wait (without blocking the event loop) until every entry of ``pending`` is written and fsynced.

    Raises
    ------
    OSError
        When an entry could not be written.
    """
    for fut in pending:
        if not fut.done():
            with contextlib.suppress(Exception):  # the failure is read from the future below
                await asyncio.wrap_future(fut)
        err = fut.exception()
        if err is not None:
            raise OSError(f"audit entry not written: {err}") from err


class AuditLog:
    """Append-only audit log.

    One writer thread per log and process appends the queued entries: each batch is one ``write`` and one
    ``fsync`` on a descriptor kept open (group commit), under ``flock`` so that several processes (API workers, the
    command line) extend one hash chain. The descriptor is reopened when the file was replaced or removed.

    Parameters
    ----------
    path
        The JSON-lines file (created on first write, mode 0600).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._queue: list[tuple[dict[str, Any], Future[None]]] = []
        self._writer: threading.Thread | None = None
        self._pid = 0
        self._fd: int | None = None
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
        """Append one entry; durable (fsynced) when this returns, or, inside :func:`deferred_durability`, queued
        (its future is added to the block's list).

        Raises
        ------
        OSError
            When the entry could not be written (not raised inside :func:`deferred_durability`: the future
            carries it).
        """
        fut = self.submit(principal, action, household_id=household_id, outcome=outcome, detail=detail)
        pending = _DEFERRED.get()
        if pending is not None:
            pending.append(fut)
            return
        err = fut.exception()  # waits
        if err is not None:
            raise OSError(f"audit entry not written: {err}") from err

    def submit(
        self,
        principal: Principal,
        action: str,
        *,
        household_id: str | None = None,
        outcome: str = "allowed",
        detail: dict[str, Any] | None = None,
    ) -> Future[None]:
        """Queue one entry for the writer thread; the future completes once it is fsynced."""
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(), "user": principal.username, "role": principal.role.value,
            "token_id": principal.token_id, "action": action, "household_id": household_id,
            "outcome": outcome, "detail": detail or {},
        }
        fut: Future[None] = Future()
        with self._cond:
            if self._writer is None or self._pid != os.getpid() or not self._writer.is_alive():
                self._start_writer()
            self._queue.append((entry, fut))
            self._cond.notify()
        return fut

    def _start_writer(self) -> None:
        """(Re)start the writer thread (first use, or in a forked child, where the parent's thread is gone)."""
        if self._pid != os.getpid():
            self._fd, self._tail = None, None  # a forked child shares no descriptor state with the parent's writer
        self._pid = os.getpid()
        self._writer = threading.Thread(target=self._write_loop, name="caregraph-audit", daemon=True)
        self._writer.start()

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    self._cond.wait(WRITER_IDLE_S)
                if not self._queue:  # idle: close the file and end (the next entry starts a new writer)
                    self._close_fd()
                    self._writer = None
                    return
                batch, self._queue = self._queue, []
            # a waiter that gave up (a cancelled request) still gets its entry written: the read happened
            waiting = [fut for _, fut in batch if fut.set_running_or_notify_cancel()]
            try:
                self._write_batch([entry for entry, _ in batch])
            except BaseException as e:  # every waiter learns of the failure; the writer lives on
                self._close_fd()
                for fut in waiting:
                    fut.set_exception(e)
            else:
                for fut in waiting:
                    fut.set_result(None)

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd, self._tail = None, None

    def _descriptor(self) -> int:
        """The open descriptor of :attr:`path`, reopened when the file was replaced or removed meanwhile."""
        fd = self._fd
        if fd is not None:
            try:
                st = os.stat(self.path)
                same = (st.st_ino, st.st_dev) == (os.fstat(fd).st_ino, os.fstat(fd).st_dev)
            except FileNotFoundError:
                same = False
            if same:
                return fd
            self._close_fd()
        ensure_private_file(self.path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        return self._fd

    def _write_batch(self, entries: list[dict[str, Any]]) -> None:
        fd = self._descriptor()
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

        CSV cells that a spreadsheet would run as formulas are neutralised
        (:func:`foundation.cells.neutralise_cell`).
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
