"""A full disk during backup or restore never leaves a half-written backup or store under its final name, and removes
its temporary files. Simulated (ENOSPC raised by the writer midway) and real (a tmpfs too small for the backup)."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

import graph.backup as backup_mod
from graph.backup import BackupError, backup_store, restore_store
from graph.ladybug_store import LadybugStore
from tests.safety.conftest import N_HOUSEHOLDS, assert_same_tables, read_all


def _full_after(n_chunks: int) -> Callable[[BinaryIO, bytes], None]:
    """A chunk writer that writes ``n_chunks`` chunks, then half of the next one, then fails like a full disk."""
    calls = {"n": 0}

    def write(out: BinaryIO, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > n_chunks:
            out.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        out.write(data)

    return write


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".restore-" in p.name)


def test_disk_full_while_copying_the_database(store_path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_mod, "CHUNK", 64 * 1024)
    monkeypatch.setattr(backup_mod, "_write_chunk", _full_after(3))
    out = tmp_path / "backups" / "b"
    with LadybugStore.open(store_path, create=False) as s:
        with pytest.raises(BackupError, match="disk full"):
            backup_store(s, out)
        # the store is unharmed and still takes writes
        assert s.delete_households(["H0000001"])["households"] == 1
    assert not out.exists()
    assert _leftovers(out.parent) == [] and list(out.parent.iterdir()) == []


def test_disk_full_while_writing_the_manifest(store_path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(path: Path, text: str) -> None:
        path.write_text(text[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_mod, "_write_text_synced", no_space)
    out = tmp_path / "b"
    with LadybugStore.open(store_path, create=False) as s, pytest.raises(BackupError, match="disk full"):
        backup_store(s, out)
    assert not out.exists() and _leftovers(tmp_path) == []


def test_disk_full_during_restore_leaves_the_store_as_it_was(store_path: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with LadybugStore.open(store_path, create=False) as s:
        backup_store(s, tmp_path / "b")
        s.delete_households(["H0000001"])
    before = read_all(store_path)
    monkeypatch.setattr(backup_mod, "CHUNK", 64 * 1024)
    monkeypatch.setattr(backup_mod, "_write_chunk", _full_after(2))
    with pytest.raises(BackupError, match="disk full"):
        restore_store(tmp_path / "b", store_path, force=True)
    assert sorted(p.name for p in store_path.parent.iterdir() if not p.name.endswith(".lbug.arrow")) == ["graph.lbug"]
    assert_same_tables(read_all(store_path), before)


def test_real_full_disk_tmpfs(store_path: Path, small_tmpfs: Callable[[str], Path]) -> None:
    """A tmpfs half the size of the database file: the kernel's ENOSPC, not a simulated one."""
    size_kib = max(64, store_path.stat().st_size // 2048)
    disk = small_tmpfs(f"{size_kib}k")
    out = disk / "b"
    with LadybugStore.open(store_path, create=False) as s, pytest.raises(BackupError, match="disk full"):
        backup_store(s, out)
    assert list(disk.iterdir()) == []  # neither the final name nor the temporary folder
    # restoring onto the full disk fails the same clean way, and a store already there stays intact
    with LadybugStore.open(store_path, create=False) as s:
        backup_store(s, store_path.parent.parent / "ok")
    small = disk / "store" / "graph.lbug"
    with pytest.raises(BackupError, match="disk full"):
        restore_store(store_path.parent.parent / "ok", small)
    assert list((disk / "store").iterdir()) == []
    assert read_all(store_path)["households"].num_rows == N_HOUSEHOLDS
