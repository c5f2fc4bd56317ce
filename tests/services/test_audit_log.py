"""The audit log under concurrency: group commit loses nothing and keeps one valid chain."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from caregraph.auth import AuditLog, Principal, Role
from caregraph.auth import audit as audit_module
from caregraph.auth.audit import deferred_durability, wait_durable


def test_concurrent_writers_keep_every_entry_and_the_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    other = AuditLog(tmp_path / "audit.jsonl")  # a second writer (as another process would be)
    p = Principal(username="u", role=Role.coordinator)

    def work(i: int) -> None:
        for j in range(20):
            (log if i % 2 else other).record(p, "household_detail", household_id=f"H{i}-{j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = list(log.entries())
    assert len(entries) == 16 * 20
    assert len({e.household_id for e in entries}) == 16 * 20
    assert log.verify() == (True, 320)


def test_deferred_entries_are_durable_once_awaited(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    p = Principal(username="u", role=Role.coordinator)
    with deferred_durability() as pending:
        log.record(p, "household_detail", household_id="H1")
        log.record(p, "household_overlap", household_id="H1")
    assert len(pending) == 2  # queued, not waited for inside the block
    asyncio.run(wait_durable(pending))
    assert all(f.done() and f.exception() is None for f in pending)
    assert [e.action for e in log.entries()] == ["household_detail", "household_overlap"]
    assert log.verify() == (True, 2)


def test_a_failed_write_reaches_sync_and_deferred_callers_and_the_writer_recovers(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.mkdir()  # a directory where the log should be: every write fails
    log = AuditLog(path)
    p = Principal(username="u", role=Role.coordinator)
    with pytest.raises(OSError, match="audit entry not written"):
        log.record(p, "household_detail", household_id="H1")
    with deferred_durability() as pending:
        log.record(p, "household_detail", household_id="H2")
    with pytest.raises(OSError, match="audit entry not written"):
        asyncio.run(wait_durable(pending))
    path.rmdir()
    log.record(p, "household_detail", household_id="H3")  # the same writer goes on once the file can be written
    assert [e.household_id for e in log.entries()] == ["H3"]


def test_a_cancelled_waiter_still_gets_its_entry_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    p = Principal(username="u", role=Role.coordinator)
    with log._cond:  # hold the writer back, so the future is still queued when it is cancelled
        fut = log.submit(p, "household_detail", household_id="H1")
        assert fut.cancel()
    log.record(p, "household_detail", household_id="H2")
    assert [e.household_id for e in log.entries()] == ["H1", "H2"]
    assert log.verify() == (True, 2)


def test_writer_ends_when_idle_and_follows_a_replaced_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "WRITER_IDLE_S", 0.05)
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    p = Principal(username="u", role=Role.coordinator)
    log.record(p, "a")
    writer = log._writer
    assert writer is not None
    writer.join(5)
    assert not writer.is_alive() and log._writer is None and log._fd is None  # idle: file closed, thread gone
    log.record(p, "b")  # a new writer
    path.rename(tmp_path / "old.jsonl")  # moved away (as an auditor's archive would): the next entry starts a file
    log.record(p, "c")
    assert [e.action for e in log.entries()] == ["c"]
    assert [e.action for e in AuditLog(tmp_path / "old.jsonl").entries()] == ["a", "b"]
