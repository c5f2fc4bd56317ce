"""Benchmark (not a test): backup/restore methods and retention speed of the embedded store.

On a synthetic municipality of ``--households`` households (``synthetic``, pseudonymised) loaded into a fresh
LadybugDB file, it prints:

- ``CHECKPOINT`` + copy of the ``.lbug`` file (what ``caregraph backup`` does: :func:`graph.backup.backup_store`)
  and the restore of that copy (:func:`graph.backup.restore_store`: checksums, copy, open, counts, swap, check);
- the alternative: ``EXPORT DATABASE 'dir' (format='parquet')`` and ``IMPORT DATABASE`` into an empty file (with the
  size of each form and whether the imported tables equal the original);
- retention: ``delete_households`` of every closed household, then of all the rest (one transaction each).

Usage::

    .venv/bin/python bench/bench_safety.py [--households 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import ladybug as lb

    from graph.backup import backup_store, restore_store
    from graph.ladybug_store import LadybugStore
    from graph.schema import TABLE_ORDER
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    def tables_of(path: Path) -> dict[str, object]:
        with LadybugStore.open(path, read_only=True) as s:
            return {n: s.read_table(n) for n in TABLE_ORDER}

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tables = pseudonymise_tables(generate_municipality(args.households, args.seed).tables, b"bench-key-0123456789")
        path = root / "store" / "graph.lbug"
        t0 = time.perf_counter()
        with LadybugStore.open(path) as s:
            s.load(tables)
            print(f"load: {time.perf_counter() - t0:.2f} s; {s.counts().nodes}")
            t0 = time.perf_counter()
            backup_store(s, root / "backup")
            print(f"backup (CHECKPOINT + copy + sha256 + manifest): {time.perf_counter() - t0:.2f} s, "
                  f"{_size(root / 'backup') / 1e6:.1f} MB")
            t0 = time.perf_counter()
            with s._lock:
                s._execute(s._conn, "CHECKPOINT")
                s._execute(s._conn, f"EXPORT DATABASE '{root / 'export'}' (format='parquet')")
            print(f"EXPORT DATABASE (parquet): {time.perf_counter() - t0:.2f} s, {_size(root / 'export') / 1e6:.1f} MB")
        original = tables_of(path)

        t0 = time.perf_counter()
        restore_store(root / "backup", path, force=True)
        print(f"restore of the file copy (verify, copy, open, counts, swap, check): {time.perf_counter() - t0:.2f} s")
        print(f"  tables equal after restore: {tables_of(path) == original}")

        imported = root / "imported" / "graph.lbug"
        imported.parent.mkdir()
        t0 = time.perf_counter()
        db = lb.Database(str(imported))
        conn = lb.Connection(db)
        conn.execute(f"IMPORT DATABASE '{root / 'export'}'")
        conn.close()
        db.close()
        print(f"IMPORT DATABASE into an empty file: {time.perf_counter() - t0:.2f} s, {_size(imported) / 1e6:.1f} MB")
        print(f"  tables equal after import: {tables_of(imported) == original}")

        with LadybugStore.open(path, create=False) as s:
            hh = s.read_table("households").to_pylist()
            closed = [r["household_id"] for r in hh if r["closed_on"] is not None]
            rest = [r["household_id"] for r in hh if r["closed_on"] is None]
            t0 = time.perf_counter()
            counts = s.delete_households(closed)
            print(f"delete_households of {len(closed)} closed households: {time.perf_counter() - t0:.2f} s; {counts}")
            t0 = time.perf_counter()
            counts = s.delete_households(rest)
            print(f"delete_households of the other {len(rest)}: {time.perf_counter() - t0:.2f} s; {counts}")


if __name__ == "__main__":
    main()
