"""Backup and restore of the embedded store (graph.backup, `caregraph backup` / `caregraph restore`), on real
LadybugDB files: round trip, manifest, refusals, damaged backups, a store held by another process."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import ladybug as lb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from caregraph.cli import app
from graph.backup import (
    BACKUP_DB_FILE,
    MANIFEST_FILE,
    BackupError,
    RestoreRefused,
    backup_store,
    before_restore_path,
    read_manifest,
    restore_store,
    verify_backup,
)
from graph.ladybug_store import LadybugStore
from graph.store import StoreLockedError
from tests.safety.conftest import N_HOUSEHOLDS, assert_same_tables, read_all
from tests.safety.data import safety_tables

ROOT = Path(__file__).resolve().parents[2]


def _backup(store_path: Path, out: Path) -> None:
    with LadybugStore.open(store_path, create=False) as s:
        backup_store(s, out)


def _change(store_path: Path) -> None:
    """Change the store in three ways: new rows, changed rows, deleted households."""
    with LadybugStore.open(store_path, create=False) as s:
        extra = safety_tables(N_HOUSEHOLDS + 5)
        hh = extra["households"]
        s.load(extra.with_table("households", hh.set_column(2, "composition", pa.array(["couple"] * hh.num_rows))))
        s.delete_households(["H0000001", "H0000002"])


def _dir_listing(folder: Path) -> list[str]:
    """Files in the store folder, leaving out the Arrow mirror (a cache that reads write; not part of the store)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lbug.arrow"))


def test_round_trip_restores_every_table_exactly(store_path: Path, tmp_path: Path) -> None:
    original = read_all(store_path)
    out = tmp_path / "backups" / "b1"
    _backup(store_path, out)
    _change(store_path)
    changed = read_all(store_path)
    assert changed["households"].num_rows == N_HOUSEHOLDS + 3
    assert not changed["households"].equals(original["households"])

    report = restore_store(out, store_path, force=True)

    assert report.replaced_existing and report.kept_old is None
    assert_same_tables(read_all(store_path), original)
    # the old store is gone after success, no temporary file is left, and the restored store takes writes
    assert _dir_listing(store_path.parent) == ["graph.lbug"]
    with LadybugStore.open(store_path, create=False) as s:
        s.delete_households(["H0000003"])
        assert s.counts().nodes["Household"] == N_HOUSEHOLDS - 1


def test_manifest_records_versions_counts_and_checksums(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    with LadybugStore.open(store_path, create=False) as s:
        manifest = backup_store(s, out)
        counts = s.counts()
    assert _dir_listing(out) == [BACKUP_DB_FILE, MANIFEST_FILE]
    raw = json.loads((out / MANIFEST_FILE).read_text())
    assert raw["ladybug_version"] == "0.22.0"
    assert raw["storage_version"] == lb.Database.get_storage_version()
    assert raw["caregraph_version"] not in ("", None)
    assert raw["nodes"] == dict(counts.nodes) and raw["relationships"] == dict(counts.relationships)
    assert raw["nodes"]["Household"] == N_HOUSEHOLDS and raw["relationships"]["COORDINATES"] == N_HOUSEHOLDS
    data = (out / BACKUP_DB_FILE).read_bytes()
    assert raw["files"][BACKUP_DB_FILE] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert dt.datetime.fromisoformat(raw["created_at"]).tzinfo is not None
    assert read_manifest(out) == manifest
    assert (out / BACKUP_DB_FILE).stat().st_mode & 0o077 == 0  # private to the owner
    # the backup is a self-contained database: it opens on its own and holds the same tables
    assert_same_tables(read_all(out / BACKUP_DB_FILE), read_all(store_path))


def test_backup_captures_writes_that_are_only_in_the_wal(tmp_path: Path) -> None:
    """Rows committed but not yet checkpointed (still in the WAL) are in the backup: it checkpoints first."""
    path = tmp_path / "s" / "graph.lbug"
    with LadybugStore.open(path) as s:
        s.load(safety_tables(10))
        with s._write() as conn:  # a committed write without the CHECKPOINT that load() does
            s._execute(conn, "CREATE (:District {id: 'DWAL', name: 'only in the WAL'})")
        assert Path(str(path) + ".wal").stat().st_size > 0
        backup_store(s, tmp_path / "b")
    with LadybugStore.open(tmp_path / "b" / BACKUP_DB_FILE, read_only=True) as b:
        assert "DWAL" in b.read_table("districts").column("district_id").to_pylist()


def test_the_writer_keeps_its_file_lock_through_a_backup(store_path: Path, tmp_path: Path) -> None:
    """LadybugDB's write lock is a POSIX fcntl lock, which a process loses when it closes ANY descriptor of the file:
    a backup that opened and closed the file to copy it let a second writer in (found while adding read-only workers).
    """
    probe = ("import ladybug as lb, sys\ntry:\n    lb.Database(sys.argv[1])\n    print('opened')\n"
             "except RuntimeError as e:\n    print('locked' if 'lock' in str(e).lower() else str(e))")
    with LadybugStore.open(store_path, create=False) as s:
        backup_store(s, tmp_path / "b")
        other = subprocess.run([sys.executable, "-c", probe, str(store_path)], capture_output=True, text=True,
                               cwd=ROOT, timeout=60)
        assert other.stdout.strip() == "locked", other.stdout + other.stderr
        assert s.counts().nodes["Household"] == N_HOUSEHOLDS  # and the store still works


def test_backup_refuses_an_existing_folder_and_a_read_only_store(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "exists"
    out.mkdir()
    with LadybugStore.open(store_path, create=False) as s, pytest.raises(BackupError, match="already exists"):
        backup_store(s, out)
    assert _dir_listing(out) == []
    with LadybugStore.open(store_path, read_only=True) as s, pytest.raises(BackupError, match="read-only"):
        backup_store(s, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_restore_refuses_an_existing_store_without_force(store_path: Path, tmp_path: Path) -> None:
    _backup(store_path, tmp_path / "b")
    _change(store_path)
    before = store_path.read_bytes()
    with pytest.raises(RestoreRefused, match="--force"):
        restore_store(tmp_path / "b", store_path)
    assert store_path.read_bytes() == before
    assert _dir_listing(store_path.parent) == ["graph.lbug"]


def test_restore_into_an_empty_place_and_keep_old(store_path: Path, tmp_path: Path) -> None:
    original = read_all(store_path)
    _backup(store_path, tmp_path / "b")
    fresh = tmp_path / "elsewhere" / "graph.lbug"
    report = restore_store(tmp_path / "b", fresh)
    assert not report.replaced_existing and report.kept_old is None
    assert_same_tables(read_all(fresh), original)

    _change(store_path)
    changed = read_all(store_path)
    report = restore_store(tmp_path / "b", store_path, force=True, keep_old=True)
    assert report.kept_old == before_restore_path(store_path)
    assert_same_tables(read_all(store_path), original)
    assert_same_tables(read_all(report.kept_old), changed)


@pytest.mark.parametrize("damage", ["flip_byte", "truncate", "no_manifest"])
def test_damaged_backup_is_refused_and_the_store_is_untouched(store_path: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "b"
    _backup(store_path, out)
    _change(store_path)
    db = out / BACKUP_DB_FILE
    if damage == "flip_byte":
        data = bytearray(db.read_bytes())
        data[len(data) // 2] ^= 0xFF
        db.write_bytes(bytes(data))
    elif damage == "truncate":
        db.write_bytes(db.read_bytes()[:-4096])
    elif damage == "missing_file":
        db.unlink()
    elif damage == "no_manifest":
        (out / MANIFEST_FILE).unlink()
    else:
        (out / MANIFEST_FILE).write_text("{not json")
    before = store_path.read_bytes()
    with pytest.raises(BackupError):
        restore_store(out, store_path, force=True)
    assert store_path.read_bytes() == before
    assert _dir_listing(store_path.parent) == ["graph.lbug"]


def test_counts_that_do_not_match_the_manifest_are_refused(store_path: Path, tmp_path: Path) -> None:
    """A manifest whose checksums match but whose counts do not (e.g. a file from another backup) is refused after
    opening the restored copy, before the swap."""
    out = tmp_path / "b"
    _backup(store_path, out)
    raw = json.loads((out / MANIFEST_FILE).read_text())
    raw["nodes"]["Household"] += 1
    (out / MANIFEST_FILE).write_text(json.dumps(raw))
    verify_backup(out)  # checksums still fine
    before = store_path.read_bytes()
    with pytest.raises(BackupError, match="Household: 60 instead of 61"):
        restore_store(out, store_path, force=True)
    assert store_path.read_bytes() == before
    assert _dir_listing(store_path.parent) == ["graph.lbug"]


def test_a_backup_from_a_newer_storage_version_is_refused(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    _backup(store_path, out)
    raw = json.loads((out / MANIFEST_FILE).read_text())
    raw["storage_version"] += 1
    (out / MANIFEST_FILE).write_text(json.dumps(raw))
    with pytest.raises(BackupError, match="storage version"):
        restore_store(out, tmp_path / "new" / "graph.lbug")
    assert not (tmp_path / "new" / "graph.lbug").exists()


def test_restore_refuses_while_another_process_holds_the_store(store_path: Path, tmp_path: Path) -> None:
    _backup(store_path, tmp_path / "b")
    _change(store_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from graph.ladybug_store import LadybugStore\n"
         f"s = LadybugStore.open({str(store_path)!r}, create=False)\n"
         "print('ready', flush=True); sys.stdin.read(); s.close()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        before = store_path.read_bytes()
        with pytest.raises(StoreLockedError, match=rf"in use.*PID {holder.pid}"):
            restore_store(tmp_path / "b", store_path, force=True)
        assert store_path.read_bytes() == before
        assert _dir_listing(store_path.parent) == ["graph.lbug"]
    finally:
        holder.communicate("", timeout=60)
    # once released, the restore goes through
    restore_store(tmp_path / "b", store_path, force=True)
    assert read_all(store_path)["households"].num_rows == N_HOUSEHOLDS


def test_restore_moves_a_stale_wal_of_the_replaced_store_aside(store_path: Path, tmp_path: Path) -> None:
    """A damaged old store (here: not a database at all) next to a WAL is replaced, and its WAL is not replayed
    into the restored file."""
    original = read_all(store_path)
    _backup(store_path, tmp_path / "b")
    store_path.write_bytes(b"garbage" * 1000)
    Path(str(store_path) + ".wal").write_bytes(b"old wal" * 100)
    restore_store(tmp_path / "b", store_path, force=True)
    assert_same_tables(read_all(store_path), original)
    assert _dir_listing(store_path.parent) == ["graph.lbug"]


def test_cli_backup_and_restore(store_path: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    original = read_all(store_path)
    out = tmp_path / "cli-backup"
    r = runner.invoke(app, ["backup", str(out)])
    assert r.exit_code == 0, r.output
    assert "backup written to" in r.output and (out / MANIFEST_FILE).is_file()
    r = runner.invoke(app, ["backup", str(out)])
    assert r.exit_code == 1 and "already exists" in r.output

    _change(store_path)
    r = runner.invoke(app, ["restore", str(out)])
    assert r.exit_code == 1 and "--force" in r.output
    r = runner.invoke(app, ["restore", str(out), "--force"])
    assert r.exit_code == 0, r.output
    assert_same_tables(read_all(store_path), original)


def test_cli_backup_without_a_store_and_with_neo4j(tmp_path: Path, cli_env: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from foundation.settings import get_settings

    runner = CliRunner()
    monkeypatch.setenv("CAREGRAPH_STORE_PATH", str(tmp_path / "nothing"))
    get_settings.cache_clear()
    r = runner.invoke(app, ["backup", str(tmp_path / "b")])
    assert r.exit_code == 1 and "no caregraph store" in r.output
    assert not (tmp_path / "nothing").exists()
    monkeypatch.setenv("CAREGRAPH_STORE", "neo4j")
    get_settings.cache_clear()
    r = runner.invoke(app, ["backup", str(tmp_path / "b")])
    assert r.exit_code == 1 and "neo4j-admin" in r.output
    assert not (tmp_path / "b").exists()
    assert os.listdir(tmp_path).count("b") == 0


def test_round_trip_of_a_generated_municipality(tmp_path: Path) -> None:
    """The same round trip on the synthetic generator's data (pseudonymised BSNs, enforcement, closed cases)."""
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    tables = pseudonymise_tables(generate_municipality(150, 11).tables, b"safety-test-key-0123")
    path = tmp_path / "m" / "graph.lbug"
    with LadybugStore.open(path) as s:
        s.load(tables)
    original = read_all(path)
    assert original["members"].column("bsn_pseudonym").null_count < original["members"].num_rows
    _backup(path, tmp_path / "b")
    with LadybugStore.open(path, create=False) as s:
        closed = [r["household_id"] for r in original["households"].to_pylist() if r["closed_on"] is not None]
        assert closed
        s.delete_households(closed)
    restore_store(tmp_path / "b", path, force=True)
    assert_same_tables(read_all(path), original)
