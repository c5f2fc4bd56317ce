"""The Arrow mirror behind LadybugStore.snapshot(): used only when it matches the stored content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from graph.ladybug_store import LadybugStore
from graph.schema import TABLE_ORDER
from tests.graph.bulk_tables import bulk_tables, only_new

ROOT = Path(__file__).resolve().parents[2]


def _cypher_tables(store: LadybugStore) -> dict[str, pa.Table]:
    return {n: store.read_table(n) for n in TABLE_ORDER}


def _same(a: dict[str, pa.Table], b: object) -> None:
    for n in TABLE_ORDER:
        assert a[n].equals(b[n]), n  # type: ignore[index]


def test_mirror_follows_every_write(tmp_path: Path) -> None:
    store = LadybugStore.open(tmp_path / "graph.lbug")
    store.load(bulk_tables(100))  # insert-only transaction
    v1 = store.content_version()
    _same(_cypher_tables(store), store.snapshot())
    assert (store.mirror_path / "version.json").exists()
    _same(_cypher_tables(store), store.snapshot())  # served from the mirror

    store.load(only_new(bulk_tables(150), bulk_tables(100)))  # another insert-only write
    v2 = store.content_version()
    assert v2 != v1
    _same(_cypher_tables(store), store.snapshot())

    changed = bulk_tables(150)  # different random values for existing keys: updates → rebuild
    report = store.load(changed)
    assert report.rebuilt
    assert store.content_version() not in (v1, v2)
    _same(_cypher_tables(store), store.snapshot())

    deleted = store.delete_households(["H0000001"])
    assert deleted["households"] == 1
    snap = store.snapshot()
    assert "H0000001" not in snap["households"].column("household_id").to_pylist()
    _same(_cypher_tables(store), snap)
    store.close()


def test_a_stale_mirror_is_never_used(tmp_path: Path) -> None:
    """A mirror whose version does not match (e.g. copied from elsewhere) is ignored and replaced."""
    store = LadybugStore.open(tmp_path / "graph.lbug")
    store.load(bulk_tables(50))
    store.snapshot()
    version_file = store.mirror_path / "version.json"
    version_file.write_text('{"version": "something-else"}', encoding="utf-8")
    snap = store.snapshot()
    _same(_cypher_tables(store), snap)
    assert store.content_version() in version_file.read_text(encoding="utf-8")
    store.close()


def test_mirror_is_shared_with_a_read_only_process(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with LadybugStore.open(db) as store:
        store.load(bulk_tables(200))
        expected = store.snapshot()["interventions"].num_rows
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from graph.ladybug_store import LadybugStore; "
        f"s = LadybugStore.open({str(db)!r}, read_only=True); print(s.snapshot()['interventions'].num_rows)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.strip()) == expected == 2000
