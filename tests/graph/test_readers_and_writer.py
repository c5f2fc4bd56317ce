"""A writer next to read-only handles (the multi-worker server): while any read-only handle is open, in this or
another process, a write never changes the file in place; it builds a new file and swaps it in, and the read-only
handles see that their file was replaced (``stale``) and keep reading the old content until reopened."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from graph.ladybug_store import LadybugStore
from tests.graph.bulk_tables import bulk_tables, only_new

ROOT = Path(__file__).resolve().parents[2]


def _households(store: LadybugStore) -> int:
    return store.read_table("households").num_rows


def test_a_small_insert_is_rebuilt_while_a_reader_is_open(tmp_path: Path) -> None:
    path = tmp_path / "graph.lbug"
    writer = LadybugStore.open(path)
    try:
        assert not writer.load(bulk_tables(100)).rebuilt  # alone: the insert-only transaction
        reader = LadybugStore.open(path, read_only=True)
        try:
            before = _households(reader)
            assert not reader.stale()
            report = writer.load(only_new(bulk_tables(150), bulk_tables(100)))
            assert report.rebuilt, "a reader is open: the writer must swap in a new file, not write in place"
            assert reader.stale()
            assert _households(reader) == before  # the replaced file is still intact for the old handle
            fresh = LadybugStore.open(path, read_only=True)
            try:
                assert not fresh.stale() and _households(fresh) == _households(writer) > before
            finally:
                fresh.close()
        finally:
            reader.close()
        # every reader gone: small inserts go back to the in-place transaction, and no lock file is left over
        assert not Path(str(path) + ".readers").exists()
        assert not writer.load(only_new(bulk_tables(200), bulk_tables(150))).rebuilt
        assert not writer.stale()  # the read-write handle never is
    finally:
        writer.close()
    assert not Path(str(path) + ".readers").exists()


def test_two_readers_share_the_lock_and_the_last_one_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "graph.lbug"
    LadybugStore.open(path).close()
    a = LadybugStore.open(path, read_only=True)
    b = LadybugStore.open(path, read_only=True)
    lock = Path(str(path) + ".readers")
    a.close()
    assert lock.exists()  # b still reads
    b.close()
    assert not lock.exists()


def test_a_reader_in_another_process_forces_the_swap(tmp_path: Path) -> None:
    path = tmp_path / "graph.lbug"
    writer = LadybugStore.open(path)
    try:
        writer.load(bulk_tables(100))
        code = ("import sys, time\nfrom graph.ladybug_store import LadybugStore\n"
                "s = LadybugStore.open(sys.argv[1], read_only=True)\nprint('open', flush=True)\n"
                "while not s.stale():\n    time.sleep(0.05)\nprint('stale', flush=True)\ns.close()\n")
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True)
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
            assert writer.load(only_new(bulk_tables(150), bulk_tables(100))).rebuilt
            deadline = time.monotonic() + 30
            assert proc.stdout.readline().strip() == "stale" and time.monotonic() < deadline
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()
        assert not writer.load(only_new(bulk_tables(200), bulk_tables(150))).rebuilt  # the reader has gone
    finally:
        writer.close()
    assert not Path(str(path) + ".readers").exists()
