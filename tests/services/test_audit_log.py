"""The audit log under concurrency: group commit loses nothing and keeps one valid chain."""

from __future__ import annotations

import threading
from pathlib import Path

from caregraph.auth import AuditLog, Principal, Role


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
