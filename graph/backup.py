"""Consistent backups of the embedded LadybugDB store, and restoring them.

A backup is a folder ``OUT/`` holding ``graph.lbug`` (a byte copy of the database file) and ``manifest.json``
(caregraph and ladybug versions, storage version, node and relationship counts, SHA-256 and size of every file).

How a backup is taken (:func:`backup_store`), through the writing process's own ``Database``:

1. take the store's write lock (:attr:`LadybugStore._lock`: every write transaction and checkpoint holds it, so no
   write of this process can run; other processes cannot write at all while this one holds the file lock);
2. ``CHECKPOINT``: everything in the WAL is written into the ``.lbug`` file and the WAL is emptied (a non-empty WAL
   left afterwards aborts the backup);
3. copy the ``.lbug`` file, computing its SHA-256 in the same pass, and ``fsync`` it;
4. write the manifest, ``fsync`` it, then ``rename`` the temporary folder (``.OUT.partial-…``) to ``OUT``.

So a folder named ``OUT`` only ever exists complete; any failure (disk full included) removes the temporary folder.

Why a file copy and not ``EXPORT DATABASE 'dir' (format='parquet')`` (both were tried on ladybug 0.22.0, see
``bench/bench_safety.py``): the copy is the exact database (same storage, no rebuild), is taken in milliseconds
after the checkpoint, and restores by a rename, whereas an export must be re-imported (``IMPORT DATABASE`` rebuilds
every table and its indexes, several times slower) and its ``schema.cypher`` names the export folder by absolute
path. The price is that a file copy can only be opened by a ladybug build with the same or a newer storage version
(the manifest records it and :func:`restore_store` refuses a newer one); before upgrading ladybug, also take an
``EXPORT DATABASE`` (``docs/graph-stores.md#ladybugdb``, "Format stability").

How a restore works (:func:`restore_store`): verify every checksum of the backup; refuse to replace an existing store
unless ``force``; copy the backup to a temporary file next to the store (verifying its checksum again), open it
read-only and compare its counts with the manifest; open the existing store read-write (which fails with
:class:`~graph.store.StoreLockedError` when another process has it open), checkpoint it and keep it open while the
swap happens: a hard link keeps the old file as ``<store>.before-restore``, then ``os.replace`` puts the new file in
place atomically. The restored store is opened and its counts compared once more; if anything fails, the old file
is put back. ``<store>.before-restore`` is removed after success unless ``keep_old``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import ladybug as lb

from graph.durable import fsync_path
from graph.ladybug_store import LadybugStore
from graph.store import StoreCounts, StoreError, StoreLockedError

__all__ = [
    "BACKUP_DB_FILE",
    "MANIFEST_FILE",
    "BackupError",
    "BackupManifest",
    "RestoreRefused",
    "RestoreReport",
    "backup_store",
    "read_manifest",
    "verify_backup",
    "restore_store",
    "before_restore_path",
]

BACKUP_DB_FILE = "graph.lbug"
"""Name of the database file inside a backup folder."""
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1
CHUNK = 1 << 20
"""Bytes per read/write when copying (1 MiB)."""


class BackupError(StoreError):
    """A backup could not be taken, or a backup folder is missing, damaged or does not match its manifest."""


class RestoreRefused(BackupError):
    """A restore would overwrite an existing store and ``force`` was not given."""


@dataclass
class BackupManifest:
    """What ``manifest.json`` records about a backup.

    Attributes
    ----------
    files
        ``{file name: {"sha256": hex digest, "bytes": size}}`` of every data file in the backup folder.
    nodes, relationships
        :meth:`LadybugStore.counts` of the store when it was backed up.
    storage_version
        LadybugDB storage version of the build that wrote the file (``lb.Database.get_storage_version()``; a build
        upgrades a file to its own version when it writes to it).
    """

    created_at: str
    caregraph_version: str
    ladybug_version: str
    storage_version: int
    method: str
    source: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    def counts(self) -> StoreCounts:
        """The recorded counts as a :class:`StoreCounts`."""
        return StoreCounts(nodes=dict(self.nodes), relationships=dict(self.relationships))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


@dataclass
class RestoreReport:
    """What a restore did."""

    target: Path
    manifest: BackupManifest
    replaced_existing: bool
    kept_old: Path | None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def before_restore_path(target: Path) -> Path:
    """Where :func:`restore_store` keeps the replaced store during (and with ``keep_old`` after) a restore."""
    return target.with_name(target.name + ".before-restore")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


# ---------------------------------------------------------------------------------------------------------- file I/O
def _write_chunk(out: BinaryIO, data: bytes) -> None:
    """Write one chunk (a separate function so tests can make it fail like a full disk)."""
    out.write(data)


def _copy_hashed_fd(src: int, dst: Path) -> tuple[str, int]:
    """Copy the file open as descriptor ``src`` (read with ``pread``; not closed here) to the new file ``dst``
    (fsynced); return the SHA-256 hex digest and the size of what was copied."""
    digest = hashlib.sha256()
    size = 0
    with open(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fout:
        while chunk := os.pread(src, CHUNK, size):
            digest.update(chunk)
            _write_chunk(fout, chunk)
            size += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest(), size


def _copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """:func:`_copy_hashed_fd` of the file ``src`` (only for files no Database of this process has open: closing
    the descriptor would drop that Database's lock)."""
    fd = os.open(src, os.O_RDONLY)
    try:
        return _copy_hashed_fd(fd, dst)
    finally:
        os.close(fd)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_text_synced(path: Path, text: str) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _disk_message(e: OSError, what: str) -> BackupError:
    if e.errno == errno.ENOSPC:
        return BackupError(f"disk full while {what}; nothing was left under the final name ({e})")
    return BackupError(f"{what} failed: {e}")


# ---------------------------------------------------------------------------------------------------------- backup
def backup_store(
    store: LadybugStore, out: Path | str, *, progress: Callable[[str], None] | None = None
) -> BackupManifest:
    """Write a consistent backup of ``store`` (open read-write, in this process) to the new folder ``out``.

    Raises
    ------
    BackupError
        ``out`` already exists, the store is read-only, the WAL could not be checkpointed, or writing failed
        (e.g. disk full); the temporary folder is removed and nothing exists under ``out``.
    """
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new name for the backup")
    if store.read_only:
        raise BackupError(f"the store {store.path} is open read-only; a backup needs the writing process's Database")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:12]}"
    try:
        tmp.mkdir(mode=0o700)
        with store._lock:  # no write transaction of this process can start while we copy
            store._execute(store._conn, "CHECKPOINT")
            wal = _wal(store.path)
            if wal.exists() and wal.stat().st_size > 0:
                raise BackupError(f"{wal} is not empty after CHECKPOINT; refusing to copy an inconsistent file")
            if progress:
                progress("copying the database file")
            # LadybugDB holds its write lock as a POSIX (fcntl) lock, which this process would lose on closing ANY
            # descriptor of the file: read through one that stays open until the store closes.
            sha, size = _copy_hashed_fd(store.open_descriptor(), tmp / BACKUP_DB_FILE)
            counts = store.counts()
        manifest = BackupManifest(
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            caregraph_version=_version("caregraph"),
            ladybug_version=_version("ladybug"),
            storage_version=int(lb.Database.get_storage_version()),
            method="checkpoint+file-copy",
            source=store.path.name,
            nodes=dict(counts.nodes),
            relationships=dict(counts.relationships),
            files={BACKUP_DB_FILE: {"sha256": sha, "bytes": size}},
        )
        _write_text_synced(tmp / MANIFEST_FILE, manifest.to_json())
        fsync_path(tmp)
        os.rename(tmp, out)  # fails (instead of merging) if `out` appeared meanwhile
        fsync_path(out.parent)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _disk_message(e, f"writing the backup {out}") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


# ---------------------------------------------------------------------------------------------------------- checks
def read_manifest(backup: Path | str) -> BackupManifest:
    """The manifest of the backup folder ``backup``.

    Raises
    ------
    BackupError
        No folder, no manifest, or a manifest that does not parse.
    """
    backup = Path(backup)
    path = backup / MANIFEST_FILE
    if not path.is_file():
        raise BackupError(f"{backup} is not a caregraph backup (no {MANIFEST_FILE})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != MANIFEST_FORMAT:
            raise BackupError(f"{path}: unknown manifest format {raw.get('format')!r}")
        return BackupManifest(**raw)
    except (ValueError, TypeError) as e:
        raise BackupError(f"{path} is damaged: {e}") from e


def verify_backup(backup: Path | str) -> BackupManifest:
    """Check every file of ``backup`` against the SHA-256 and size in its manifest; return the manifest.

    Raises
    ------
    BackupError
        A file is missing, has another size or another checksum, or the backup needs a newer ladybug.
    """
    backup = Path(backup)
    manifest = read_manifest(backup)
    if BACKUP_DB_FILE not in manifest.files:
        raise BackupError(f"{backup}: the manifest lists no {BACKUP_DB_FILE}")
    for name, meta in manifest.files.items():
        if Path(name).name != name:
            raise BackupError(f"{backup}: the manifest names a file outside the backup folder: {name!r}")
        path = backup / name
        if not path.is_file():
            raise BackupError(f"{backup}: {name} is missing")
        sha, size = _sha256(path)
        if size != meta.get("bytes") or sha != meta.get("sha256"):
            raise BackupError(
                f"{backup}: {name} does not match the manifest (sha256 {sha[:12]}…, {size} bytes; expected "
                f"{str(meta.get('sha256'))[:12]}…, {meta.get('bytes')} bytes): the backup is damaged"
            )
    current = int(lb.Database.get_storage_version())
    if manifest.storage_version > current:
        raise BackupError(
            f"{backup} was written by ladybug {manifest.ladybug_version} (storage version "
            f"{manifest.storage_version}); this ladybug ({_version('ladybug')}) reads up to storage version {current}"
        )
    return manifest


def _compare_counts(got: StoreCounts, want: StoreCounts, what: str) -> None:
    diffs = [
        f"{k}: {got.nodes.get(k, 0)} instead of {v}" for k, v in want.nodes.items() if got.nodes.get(k, 0) != v
    ] + [
        f"{k}: {got.relationships.get(k, 0)} instead of {v}"
        for k, v in want.relationships.items()
        if got.relationships.get(k, 0) != v
    ]
    if diffs:
        raise BackupError(f"{what} does not hold what the manifest says: " + "; ".join(diffs))


@contextmanager
def _held_store(target: Path, say: Callable[[str], None] | None = None) -> Iterator[LadybugStore | None]:
    """The existing store at ``target`` opened read-write (its file lock held) and checkpointed, or None if absent.

    Raises StoreLockedError (with the holder's PID) when another process has it open for writing.
    """
    if not target.exists():
        yield None
        return
    try:
        store = LadybugStore(target, read_only=False, query_timeout_s=60.0)
    except StoreLockedError as e:
        raise StoreLockedError(f"cannot restore while the store is in use: {e}") from e
    except StoreError as e:  # a damaged store is exactly what a restore replaces; its WAL is moved aside below
        if say:
            say(f"the existing store could not be opened ({e}); replacing it as it is")
        yield None
        return
    try:
        with store._lock:
            store._execute(store._conn, "CHECKPOINT")
        yield store
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------------------- restore
def restore_store(
    backup: Path | str,
    target: Path | str,
    *,
    force: bool = False,
    keep_old: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RestoreReport:
    """Replace (or create) the store file ``target`` with the backup folder ``backup``; see the module docstring.

    Raises
    ------
    RestoreRefused
        ``target`` exists and ``force`` is false.
    BackupError
        The backup is damaged or does not match its manifest; ``target`` is unchanged.
    StoreLockedError
        Another process has ``target`` open; ``target`` is unchanged.
    """
    backup, target = Path(backup), Path(target)
    say = progress or (lambda _m: None)
    say("verifying the backup's checksums")
    manifest = verify_backup(backup)
    existed = target.exists()
    if existed and not force:
        raise RestoreRefused(
            f"{target} already exists: pass --force to replace it (it is kept until the swap succeeded)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.restore-{uuid.uuid4().hex[:12]}"
    before = before_restore_path(target)
    swapped = False
    try:
        say("copying the backup next to the store")
        sha, size = _copy_hashed(backup / BACKUP_DB_FILE, tmp)
        expected = manifest.files[BACKUP_DB_FILE]
        if sha != expected["sha256"] or size != expected["bytes"]:
            raise BackupError(f"the copy of {backup / BACKUP_DB_FILE} differs from the manifest: disk or read error")
        say("opening the restored copy")
        probe = LadybugStore.open(tmp, read_only=True)
        try:
            _compare_counts(probe.counts(), manifest.counts(), f"the restored copy of {backup}")
        finally:
            probe.close()
        with _held_store(target, say):
            say("swapping it into place")
            for p in (before, _wal(before)):
                p.unlink(missing_ok=True)
            if existed:
                os.link(target, before)
            if _wal(target).exists():  # never let the restored file replay the old store's WAL
                os.replace(_wal(target), _wal(before))
            os.replace(tmp, target)
            swapped = True
            fsync_path(target.parent)
        say("checking the restored store")
        check = LadybugStore.open(target, read_only=True)
        try:
            _compare_counts(check.counts(), manifest.counts(), f"the restored store {target}")
        finally:
            check.close()
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if swapped and existed and before.exists():
            os.replace(before, target)  # put the old store back
            if _wal(before).exists():
                os.replace(_wal(before), _wal(target))
        elif swapped:
            target.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _disk_message(e, f"restoring {backup} to {target}") from e
        raise
    kept: Path | None = before if existed else None
    if existed and not keep_old:
        for p in (before, _wal(before)):
            with suppress(FileNotFoundError):
                p.unlink()
        kept = None
    return RestoreReport(target=target, manifest=manifest, replaced_existing=existed, kept_old=kept)
