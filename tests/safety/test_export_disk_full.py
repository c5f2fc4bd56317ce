"""A full disk during the research export (analytics.export.export_research) leaves no half-written file under a
final name and no temporary file.

What this shows about the export (see the safety report): each file is written to a temporary name and renamed, so
every file that exists under its final name is complete. The export *folder* is not atomic: the files written before
the disk filled up stay (complete), and ``metadata.json``, written last, is missing, which marks the export as
unfinished.
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
    """A complete export of the same tables on a disk with room (the export is deterministic apart from
    metadata.json)."""
    out = tmp_path_factory.mktemp("reference")
    export_research(tables, AS_OF, out, key=KEY, betweenness_k=None)
    return out


def _export(tables: CareTables, out: Path) -> None:
    export_research(tables, AS_OF, out, key=KEY, betweenness_k=None)


def _assert_only_complete_files(out: Path, reference: Path) -> list[str]:
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.startswith(".") or n.endswith(".tmp")] == [], names
    assert "metadata.json" not in names  # written last: its absence marks the export as unfinished
    for n in names:
        assert (out / n).read_bytes() == (reference / n).read_bytes(), f"{n} is not complete"
    return names


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
    names = _assert_only_complete_files(out, reference)
    assert sum(n.endswith(".parquet") for n in names) == 2


def test_real_full_disk_tmpfs(tables: CareTables, reference: Path, small_tmpfs: Callable[[str], Path]) -> None:
    total = sum(p.stat().st_size for p in reference.iterdir())
    disk = small_tmpfs(f"{max(64, total // 2048)}k")  # room for about half the export
    out = disk / "export"
    with pytest.raises(OSError) as info:
        _export(tables, out)
    assert info.value.errno == errno.ENOSPC
    del info  # its traceback holds the failed writer and its open file
    names = _assert_only_complete_files(out, reference)
    assert 0 < len(names) < len(list(reference.iterdir())) - 1
