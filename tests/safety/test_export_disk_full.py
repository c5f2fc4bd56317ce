"""A full disk during the research export (analytics.export.export_research) leaves nothing behind.

What this shows about the export: it is all-or-nothing at the folder level. Every file is written into a hidden
temporary sibling folder that is renamed to the export folder only when all files (``metadata.json`` last) are
written; when the disk fills up, the temporary folder is removed, so there is no export folder, no half-written file
and no temporary file; an earlier export in the same folder stays as it was. A successful export is reproducible
byte for byte (the reference below is compared file by file, metadata.json included).
"""

from __future__ import annotations

import datetime as dt
import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from analytics.export import export_research
from graph.tables import CareTables
from tests.safety.data import safety_tables

AS_OF = dt.date(2024, 6, 1)
KEY = b"k" * 16


@pytest.fixture(scope="module")
def tables() -> CareTables:
    return safety_tables(60)


@pytest.fixture(scope="module")
def reference(tables: CareTables, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete export of the same tables on a disk with room (exports are reproducible byte for byte)."""
    out = tmp_path_factory.mktemp("reference")
    export_research(tables, AS_OF, out, key=KEY, betweenness_k=None)
    return out


def _export(tables: CareTables, out: Path) -> None:
    export_research(tables, AS_OF, out, key=KEY, betweenness_k=None)


def _assert_nothing_left(out: Path) -> None:
    assert not out.exists()
    leftovers = sorted(p.name for p in out.parent.iterdir())
    assert [n for n in leftovers if n.startswith(".") or n.endswith((".tmp", ".partial"))] == [], leftovers


def test_simulated_disk_full_in_a_parquet_file(tables: CareTables, reference: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real: Callable[..., Any] = pq.write_table
    calls = {"n": 0}

    def write_table(table: Any, where: Any, **kw: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the third parquet file: half written, then the disk is full
            real(table, where, **kw)
            with open(where, "r+b") as f:
                f.truncate(Path(where).stat().st_size // 2)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", write_table)
    out = tmp_path / "export"
    with pytest.raises(OSError) as info:
        _export(tables, out)
    assert info.value.errno == errno.ENOSPC
    del info  # its traceback holds the failed writer and its open file
    assert calls["n"] == 3
    _assert_nothing_left(out)


def test_full_disk_keeps_the_earlier_export(tables: CareTables, reference: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export"
    _export(tables, out)
    for p in reference.iterdir():  # reproducible: every file of a second export equals the reference
        assert (out / p.name).read_bytes() == p.read_bytes(), p.name
    real: Callable[..., Any] = pq.write_table

    def write_table(table: Any, where: Any, **kw: Any) -> None:
        real(table, where, **kw)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", write_table)
    with pytest.raises(OSError):
        _export(tables, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_real_full_disk_tmpfs(tables: CareTables, reference: Path, small_tmpfs: Callable[[str], Path]) -> None:
    total = sum(p.stat().st_size for p in reference.iterdir())
    disk = small_tmpfs(f"{max(64, total // 2048)}k")  # room for about half the export
    out = disk / "export"
    with pytest.raises(OSError) as info:
        _export(tables, out)
    assert info.value.errno == errno.ENOSPC
    del info  # its traceback holds the failed writer and its open file
    _assert_nothing_left(out)
    assert list(disk.iterdir()) == []  # the space is given back: the temporary folder is gone
