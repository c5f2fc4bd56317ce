"""The embedded store: LadybugDB (the maintained fork of Kuzu) in one file on disk.

Design, from what was measured (``docs/graph-stores.md#ladybugdb``):

- **One writer.** A LadybugDB file has one read-write process; a second one fails at once with a lock error, which
  is turned into :class:`~graph.store.StoreLockedError` naming the holder's PID. Read-only processes may open it.
- **Bulk, all-or-nothing loads.** :meth:`LadybugStore.load` first diffs the incoming tables against what is stored
  (in Arrow/polars, not row by row in Cypher). Identical rows are not touched, so a second load of the same data
  writes nothing. Then one of two write paths:

  * **rebuild and swap** (any load that changes or deletes rows, and any load of at least
    :attr:`LadybugStore.rebuild_min_rows` rows): the complete new content is ``COPY``-ed into a fresh file, which is
    checkpointed, closed and renamed over the store. The live file is never modified in place.
  * **one insert-only transaction** (small loads of new rows only): ``COPY`` of the new nodes and relationships
    between ``BEGIN TRANSACTION`` and ``COMMIT``.

  Why no in-place updates: killing ladybug 0.22.0 during the checkpoint of a transaction that deleted and
  re-created relationships left a store that reopened with the old nodes but most of their relationships gone
  (measured: 11 of 50,000 ``DELIVERS`` left; ``tests/graph/test_ladybug_store.py`` kills both paths). Insert-only
  transactions recovered correctly in every kill (here and in ``docs/graph-stores.md#ladybugdb``).
- **After a failed write the Database is reopened**: in ladybug 0.22.0 a ``COPY`` after a rolled-back ``COPY`` in
  the same Database crashes the process, so a rollback always closes and reopens the file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ladybug as lb
import pyarrow as pa
import pyarrow.compute as pc

from graph.ddl import all_rel_specs, ladybug_ddl, node_specs
from graph.domains import DOMAINS
from graph.durable import fsync_path
from graph.household_deletion import LEDGER_CLIENT_COLUMNS, LEDGER_TABLE, MEMBERS_TABLE, household_dependants
from graph.queries import Query
from graph.schema import TABLE_ORDER, RelSpec, TableSpec, graph_property, table_arrow_schema, table_spec
from graph.store import (
    LoadReport,
    ProgressFn,
    StoreCounts,
    StoreDataError,
    StoreError,
    StoreLockedError,
    StoreQueryTimeout,
    StoreUnavailableError,
    check_delete,
    drop_keys,
)
from graph.tables import CareTables, conform

if TYPE_CHECKING:
    import polars as pl

__all__ = ["LadybugStore", "domains_table"]

log = logging.getLogger(__name__)

_LOCK_RE = re.compile(r"Could not set lock on file.*?\(Lock is held by PID (\d+)\)", re.S)


def domains_table() -> pa.Table:
    """The built-in domains as an entity table."""
    return pa.table(
        {
            "domain_code": [d.code for d in DOMAINS],
            "name_nl": [d.name_nl for d in DOMAINS],
            "name_en": [d.name_en for d in DOMAINS],
            "zrm": [d.zrm for d in DOMAINS],
        }
    )


def _translate(e: Exception, path: Path) -> StoreError:
    msg = str(e)
    m = _LOCK_RE.search(msg)
    if m or "Could not set lock" in msg:
        pid = m.group(1) if m else "?"
        return StoreLockedError(
            f"The embedded store {path} is in use by another process (PID {pid}), probably `caregraph serve` or a "
            "running load. LadybugDB allows one writing process at a time: stop that process and try again, or send "
            "the data through the running server (POST /api/v1/ingest)."
        )
    if "Interrupted" in msg:
        return StoreQueryTimeout(f"query interrupted after its time limit: {msg}")
    return StoreError(msg)


def _stored_schema(spec: TableSpec) -> pa.Schema:
    return table_arrow_schema(spec, pseudonymised=True)


def _node_layout(spec: TableSpec) -> list[tuple[str, str]]:
    """(table column as stored, node property) pairs in DDL order."""
    out = []
    for f in _stored_schema(spec):
        src = "bsn" if f.name == "bsn_pseudonym" else f.name
        out.append((f.name, graph_property(spec, src)))
    return out


def _rel_columns(spec: TableSpec, rel: RelSpec) -> list[tuple[str, str]]:
    """(table column, relationship property) pairs of a relationship's properties."""
    return [(p, "id" if p == spec.key else p) for p in rel.properties]


class LadybugStore:
    """:class:`graph.store.GraphStore` on an embedded LadybugDB file."""

    backend = "ladybug"

    rebuild_min_rows = 50_000
    """Loads that write at least this many rows build a new file and swap it in (see :meth:`_rebuild`)."""

    def __init__(self, path: Path, *, read_only: bool, query_timeout_s: float) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.query_timeout_s = query_timeout_s
        self._lock = threading.RLock()
        self._gate = _SharedExclusiveLock()  # reads share it; closing or swapping the Database takes it alone
        self._local = threading.local()
        self._readers: list[Any] = []  # every reader connection, so close() can close them all
        self._generation = 0
        self._db: Any = None
        self._conn: Any = None
        self._inode: int | None = None
        self._kept_fds: list[int] = []  # descriptors of the database file, closed only after the Database
        self._readers_fd: int | None = _hold_reader_lock(self.path) if read_only else None
        try:
            self._connect()
        except BaseException:
            self._release_reader_lock()
            raise

    # ------------------------------------------------------------------ opening and closing
    @classmethod
    def open(
        cls, path: Path | str, *, read_only: bool = False, create: bool = True, query_timeout_s: float = 30.0
    ) -> LadybugStore:
        """Open (and, unless ``read_only``, create) the database file at ``path``.

        Raises
        ------
        StoreLockedError
            Another process holds the write lock.
        StoreUnavailableError
            ``read_only`` (or not ``create``) and there is no database at ``path``.
        """
        path = Path(path)
        if (read_only or not create) and not path.exists():
            raise StoreUnavailableError(
                f"no caregraph store at {path}: run `caregraph load DIR` or `caregraph demo` first"
            )
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, read_only=read_only, query_timeout_s=query_timeout_s)
        if not read_only:
            _remove_db_files(_rebuild_path(path))  # left by a load killed before its swap: never complete
        if not read_only:
            store.ensure_schema()
        return store

    def _connect(self) -> None:
        try:
            self._inode = os.stat(self.path).st_ino if self.path.exists() else None  # before opening: see stale()
            self._db = lb.Database(str(self.path), read_only=self.read_only)
            self._conn = lb.Connection(self._db)
        except RuntimeError as e:
            raise _translate(e, self.path) from e
        self._generation += 1

    def _reopen(self) -> None:
        """Close and reopen the Database (after any failed write; see the module docstring)."""
        with self._lock, self._gate.exclusive():
            self._close_handles()
            self._connect()

    def _close_handles(self) -> None:
        """Close every connection, then the Database: LadybugDB keeps the file lock while any connection lives."""
        readers, self._readers = self._readers, []
        self._generation += 1  # thread-local readers of the old Database are stale from now on
        for obj in (*readers, self._conn, self._db):
            if obj is not None:
                with contextlib.suppress(Exception):  # closing a broken handle must not mask the real error
                    obj.close()
        self._conn = None
        self._db = None
        kept, self._kept_fds = self._kept_fds, []
        for fd in kept:  # after the Database: closing them earlier would drop LadybugDB's fcntl lock
            os.close(fd)

    def open_descriptor(self) -> int:
        """A read-only descriptor of the database file that stays open until the store is closed (never close it:
        LadybugDB's file lock is a POSIX ``fcntl`` lock, which a process loses when it closes any descriptor of the
        file, so reading the file through a descriptor of one's own would let a second writer in)."""
        with self._lock:
            fd = os.open(self.path, os.O_RDONLY)
            self._kept_fds.append(fd)
            return fd

    def close(self) -> None:
        """Close the database and release its file lock."""
        with self._lock, self._gate.exclusive():
            self._close_handles()
            self._release_reader_lock()

    def _release_reader_lock(self) -> None:
        fd, self._readers_fd = self._readers_fd, None
        if fd is not None:
            _release_reader_lock(fd, self.path)

    def stale(self) -> bool:
        """True when this read-only handle reads a file that a writer has since replaced (rebuild and swap): close
        it and open the store again to see the new content. Always False for the read-write handle.

        While any read-only handle is open (in any process), writers never change the file in place: they take the
        rebuild-and-swap path (:func:`_readers_present`), so a replaced inode is the one sign of new content.
        """
        if not self.read_only or self._inode is None:
            return False
        try:
            return os.stat(self.path).st_ino != self._inode
        except FileNotFoundError:
            return True

    def __enter__(self) -> LadybugStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ low level
    def _execute(self, conn: Any, text: str, params: Mapping[str, Any] | None = None) -> Any:
        try:
            return conn.execute(text, dict(params) if params else {})
        except RuntimeError as e:
            raise _translate(e, self.path) from e

    def _reader(self) -> Any:
        """A connection for reads in the calling thread (connections are cheap; reads run concurrently)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", -1) != self._generation:
            if self._db is None:
                raise StoreUnavailableError(f"the store {self.path} is closed")
            conn = lb.Connection(self._db)
            with self._lock:
                self._readers.append(conn)
            self._local.conn = conn
            self._local.generation = self._generation
        return conn

    def _arrow(self, text: str, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None) -> pa.Table:
        with self._gate.shared():
            conn = self._reader()
            conn.set_query_timeout(int(1000 * (timeout_s or self.query_timeout_s)))
            result = self._execute(conn, text, params)
            table = result.get_as_arrow()
        return _normalise(table)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """One write transaction; on any error it is rolled back and the Database reopened."""
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only")
        with self._lock:
            conn = self._conn
            conn.set_query_timeout(0)
            self._execute(conn, "BEGIN TRANSACTION")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(RuntimeError):  # LadybugDB may already have rolled back
                    conn.execute("ROLLBACK")
                self._reopen()
                raise
            self._execute(conn, "COMMIT")

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Create every node and relationship table (idempotent) and the built-in domains."""
        with self._lock:
            for stmt in (*ladybug_ddl(), _VERSION_DDL):
                self._execute(self._conn, stmt)
        if self._arrow("MATCH (d:Domain) RETURN count(d) AS n").column(0)[0].as_py() == 0:
            self.load(CareTables({"domains": domains_table()}))

    # ------------------------------------------------------------------ reads
    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers."""
        try:
            self._arrow("RETURN 1 AS one", timeout_s=5)
        except StoreError as e:
            raise StoreUnavailableError(f"store {self.path} does not answer: {e}") from e

    def counts(self) -> StoreCounts:
        """Node counts per label and relationship counts per type."""
        nodes = {
            t.label: int(self._arrow(f"MATCH (n:{t.label}) RETURN count(n) AS n").column(0)[0].as_py())
            for t in node_specs()
            if t.label
        }
        rels = {
            r.type: int(self._arrow(f"MATCH ()-[r:{r.type}]->() RETURN count(r) AS n").column(0)[0].as_py())
            for _, r in all_rel_specs()
        }
        return StoreCounts(nodes=nodes, relationships=rels)

    def read_table(self, name: str) -> pa.Table:
        """The stored entity table ``name`` (members with ``bsn_pseudonym``), sorted by key."""
        spec = table_spec(name)
        if spec.rel_only is not None:
            rel = spec.rel_only
            cols = [f"c.{prop} AS {col}" for col, prop in _rel_columns(spec, rel)]
            text = (
                f"MATCH (a:{rel.source_label})-[c:{rel.type}]->(b:{rel.target_label}) "
                f"RETURN {', '.join(cols)}, a.id AS {rel.source_column}, b.id AS {rel.target_column}"
            )
        else:
            cols = [f"n.{prop} AS {col}" for col, prop in _node_layout(spec)]
            text = f"MATCH (n:{spec.label}) RETURN {', '.join(cols)}"
        table = self._arrow(text + f" ORDER BY {spec.key}")
        return conform(table, spec)

    def snapshot(self) -> CareTables:
        """Every entity table as stored.

        Served from the Arrow mirror next to the database file when the mirror was written from the current content
        (same :meth:`content_version`), memory-mapped; otherwise read through Cypher and the mirror rewritten.
        """
        version = self.content_version()
        cached = _read_mirror(self.mirror_path, version) if version else None
        if cached is not None:
            return CareTables(cached)
        tables = {name: self.read_table(name) for name in TABLE_ORDER}
        if version and self.content_version() == version:  # nobody wrote while we read
            self._write_mirror(version, tables)
        return CareTables(tables)

    @property
    def mirror_path(self) -> Path:
        """Folder of the Arrow mirror of the stored tables (a cache; the graph is the system of record)."""
        return self.path.with_name(self.path.name + ".arrow")

    def content_version(self) -> str | None:
        """A token that changes with every write (a hash of the ``StoreVersion`` nodes each write adds).

        None for a store written before versions existed (opened read-only, so the table cannot be added).
        """
        try:
            ids = self._arrow("MATCH (v:StoreVersion) RETURN v.id AS id ORDER BY id").column(0).to_pylist()
        except StoreError:
            return None
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()

    def _write_mirror(self, version: str, tables: Mapping[str, pa.Table]) -> None:
        """Best effort: a mirror that cannot be written (read-only folder, full disk) is simply not there."""
        try:
            _write_mirror(self.mirror_path, version, tables)
        except OSError as e:
            log.warning("could not write the Arrow mirror %s: %s", self.mirror_path, e)

    def run(self, query: Query, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None) -> pa.Table:
        """Run a named read query; columns are renamed to ``query.columns``."""
        table = self._arrow(query.render("ladybug"), params, timeout_s=timeout_s)
        if query.columns and len(query.columns) == table.num_columns:
            table = table.rename_columns(list(query.columns))
        return table

    # ------------------------------------------------------------------ load
    def load(self, tables: CareTables, *, progress: ProgressFn | None = None,
             delete: Mapping[str, Sequence[str]] | None = None) -> LoadReport:
        """Upsert ``tables`` and remove the rows ``delete`` names, in one all-or-nothing unit (see the module
        docstring). Idempotent.

        A load that removes stored rows always takes the rebuild path (:meth:`_rebuild` of the merged tables minus
        those keys): deleting in place is not crash-safe in ladybug 0.22.

        Raises
        ------
        StoreDataError
            Clear BSNs in the members table, a foreign key that points at nothing in ``tables`` or the store, or a
            ``delete`` table other than :data:`graph.store.DELETABLE_TABLES`. Nothing is written.
        """
        t0 = time.perf_counter()
        if not tables.pseudonymised:
            raise StoreDataError("members.bsn holds BSNs in clear: pseudonymise them before loading")
        dels = check_delete(delete)
        if dels:
            tables = drop_keys(tables, dels)
        incoming = {n: _to_stored(tables[n], table_spec(n)) for n in tables}
        report = LoadReport()
        plans: list[_TablePlan] = []
        steps = len(incoming) + 1
        stored = self.snapshot()  # the Arrow mirror when it is current: no Cypher read of the whole store
        for i, name in enumerate(TABLE_ORDER):
            if name not in incoming:
                continue
            spec = table_spec(name)
            _check_unique(incoming[name], spec)
            existing = stored[name]
            plan = _diff(incoming[name], existing, spec)
            plan.existing = existing
            plans.append(plan)
            report.created[name] = plan.new.num_rows
            report.updated[name] = plan.changed.num_rows
            report.unchanged[name] = plan.unchanged
            if progress:
                progress(f"compared {name}", i + 1, steps)
        stored_keys = {n: stored[n].column(table_spec(n).key) for n in TABLE_ORDER}
        self._check_references(incoming, stored_keys)
        removing: dict[str, pa.Array] = {}  # table → mask of stored rows to remove
        for name, keys in dels.items():
            mask = pc.fill_null(pc.is_in(stored[name].column(table_spec(name).key),
                                         value_set=pa.array(keys, pa.string())), False)
            report.deleted[name] = int(pc.sum(mask).as_py() or 0)
            if report.deleted[name]:
                removing[name] = mask
        to_write = sum(p.new.num_rows + p.changed.num_rows for p in plans)
        updates = any(p.changed.num_rows for p in plans)
        if updates or removing or to_write >= self.rebuild_min_rows:
            report.rebuilt = True
            merged = _merged_tables(stored, plans)
            for name in removing:  # keys being deleted are not in the incoming tables (drop_keys above)
                keys = pa.array(dels[name], pa.string())
                t = merged[name]
                merged[name] = t.filter(pc.invert(pc.fill_null(
                    pc.is_in(t.column(table_spec(name).key), value_set=keys), False)))
            self._rebuild(merged, progress)
        elif to_write:
            with _no_readers(self.path) as alone:
                if alone:
                    with self._write() as conn:
                        for plan in plans:
                            self._insert(conn, plan)
                        self._execute(conn, _NEW_VERSION, {"v": _new_version()})
                    with self._lock:
                        self._execute(self._conn, "CHECKPOINT")
            # read-only processes have the file open and nothing synchronises them with a writer's checkpoints
            # (upstream LadybugDB/ladybug#666, docs/graph-stores.md#ladybugdb): never change the file under them
            if not alone:
                report.rebuilt = True
                self._rebuild(_merged_tables(stored, plans), progress)
        if progress:
            progress("written", steps, steps)
        report.seconds = time.perf_counter() - t0
        return report

    def _check_references(self, incoming: dict[str, pa.Table], stored_keys: dict[str, pa.Array]) -> None:
        for name, table in incoming.items():
            spec = table_spec(name)
            for col in spec.columns:
                if col.references is None or table.num_rows == 0:
                    continue
                target = table_spec(col.references)
                import polars as pl  # loading only: reading the store does without it

                known = []
                if col.references in incoming:
                    known.append(incoming[col.references].column(target.key))
                known.append(stored_keys[col.references])
                known_keys = pl.concat([_series(k) for k in known])
                frame = pl.DataFrame({"key": _series(table.column(spec.key)), "value": _series(table.column(col.name))})
                bad = frame.filter(pl.col("value").is_not_null() & ~pl.col("value").is_in(known_keys.implode()))
                if bad.height:
                    first = bad.row(0, named=True)
                    raise StoreDataError(
                        f"{name}: {bad.height} row(s) reference {col.references} that do not exist; first: "
                        f"{spec.key}={first['key']!r}, field {col.name!r}, value "
                        f"{first['value']!r} (not in this load and not in the store). Nothing was written."
                    )

    def _insert(self, conn: Any, plan: _TablePlan) -> None:
        """COPY the plan's new rows (nodes, then their relationships) inside the caller's transaction."""
        spec = plan.spec
        if not plan.new.num_rows:
            return
        if spec.rel_only is not None:
            self._copy_rel(conn, spec, spec.rel_only, plan.new)
            return
        node = pa.table({prop: plan.new.column(col) for col, prop in _node_layout(spec)})
        self._execute(conn, f"COPY {spec.label} FROM $t", {"t": node})
        for rel in spec.rels:
            self._copy_rel(conn, spec, rel, plan.new)

    def _copy_rel(self, conn: Any, spec: TableSpec, rel: RelSpec, rows: pa.Table) -> None:
        src = rows.column(rel.source_column)
        dst = rows.column(rel.target_column)
        mask = pc.and_(pc.is_valid(src), pc.is_valid(dst))
        data = {"from": src, "to": dst}
        for col, prop in _rel_columns(spec, rel):
            data[prop] = rows.column(col)
        t = pa.table(data).filter(mask)
        if t.num_rows:
            self._execute(conn, f"COPY {rel.type} FROM $t", {"t": t})


    # ------------------------------------------------------------------ retention
    def delete_households(self, household_ids: Sequence[str]) -> dict[str, int]:
        """Delete the households ``household_ids`` and everything that hangs off them, all or nothing.

        Dependants come from :func:`graph.household_deletion.household_dependants` (members, interventions,
        assessments, coordinations: every table with a ``household_id``). The store is rebuilt without them and
        swapped in (:meth:`_rebuild`); deleting in place is not crash-safe in ladybug 0.22 (see the module
        docstring). Unknown ids are ignored. Returns the number of rows deleted per entity table.
        """
        ids = pa.array(sorted(set(household_ids)), pa.string())
        deps = [d.table for d in household_dependants()]
        if len(ids) == 0:
            return {"households": 0, **{d: 0 for d in deps}}
        tables = {name: self.read_table(name) for name in TABLE_ORDER}
        counts: dict[str, int] = {}
        members = tables[MEMBERS_TABLE]
        gone = members.filter(pc.fill_null(pc.is_in(members.column("household_id"), value_set=ids), False))
        for name in ("households", *deps):
            t = tables[name]
            mask = pc.fill_null(pc.is_in(t.column("household_id"), value_set=ids), False)
            counts[name] = int(pc.sum(mask).as_py() or 0)
            tables[name] = t.filter(pc.invert(mask))
        tables[LEDGER_TABLE] = _forget_clients(tables[LEDGER_TABLE], gone.column("member_id"))
        if any(counts.values()):
            self._rebuild(tables, None)
        return counts

    def _rebuild(self, tables: dict[str, pa.Table], progress: ProgressFn | None) -> None:
        """Write ``tables`` (the complete new content) into a fresh file and swap it in place of the store.

        The new file is built with plain ``COPY`` statements (no enclosing transaction: twice as fast for bulk data,
        see ``bench/bench_foundation.py``), checkpointed and closed; only then is it renamed over the store file, so
        a kill at any moment leaves either the old store (and a stale ``.rebuild`` file that the next open removes)
        or the complete new one. Readers of this process wait on the gate during the swap only.
        """
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only")
        tmp = _rebuild_path(self.path)
        _remove_db_files(tmp)
        try:
            db = lb.Database(str(tmp))
            conn = lb.Connection(db)
            try:
                for stmt in (*ladybug_ddl(), _VERSION_DDL):
                    self._execute(conn, stmt)
                self._execute(conn, _NEW_VERSION, {"v": _new_version()})
                specs = [table_spec(n) for n in TABLE_ORDER]
                for i, spec in enumerate(specs):
                    rows = tables.get(spec.name)
                    if rows is None or rows.num_rows == 0:
                        continue
                    if spec.rel_only is None:
                        layout = _node_layout(spec)
                        node = pa.table({prop: rows.column(col) for col, prop in layout})
                        self._execute(conn, f"COPY {spec.label} FROM $t", {"t": node})
                    if progress:
                        progress(f"bulk copy {spec.name}", i, len(specs) * 2)
                for i, spec in enumerate(specs):
                    rows = tables.get(spec.name)
                    if rows is None or rows.num_rows == 0:
                        continue
                    for rel in (*spec.rels, *((spec.rel_only,) if spec.rel_only else ())):
                        self._copy_rel(conn, spec, rel, rows)
                    if progress:
                        progress(f"bulk copy {spec.name} relationships", len(specs) + i, len(specs) * 2)
                self._execute(conn, "CHECKPOINT")
            finally:
                conn.close()
                db.close()
            fsync_path(tmp)
        except BaseException:
            _remove_db_files(tmp)
            raise
        with self._lock, self._gate.exclusive():
            self._close_handles()
            try:
                wal = self.path.with_name(self.path.name + ".wal")
                if wal.exists() and wal.stat().st_size:
                    raise StoreError(f"{wal} is not empty after closing the store; refusing to swap")
                wal.unlink(missing_ok=True)
                os.replace(tmp, self.path)
                fsync_path(self.path.parent)
            finally:
                self._connect()
        version = self.content_version()
        if version:  # the mirror holds tables as read_table returns them: sorted by key
            self._write_mirror(version, {n: t.sort_by(table_spec(n).key) for n, t in tables.items()})


# ---------------------------------------------------------------------- diffing (pure functions)
class _TablePlan:
    def __init__(self, spec: TableSpec, new: pa.Table, changed: pa.Table, changed_old: pa.Table, unchanged: int):
        self.existing: pa.Table | None = None
        self.spec = spec
        self.new = new
        self.changed = changed
        self.changed_old = changed_old
        self.unchanged = unchanged


def _to_stored(table: pa.Table, spec: TableSpec) -> pa.Table:
    """The table in its stored layout: a members table without pseudonyms gets an empty ``bsn_pseudonym``."""
    if spec.name == "members" and "bsn_pseudonym" not in table.column_names:
        table = table.drop_columns([c for c in ("bsn",) if c in table.column_names])
        table = table.append_column(pa.field("bsn_pseudonym", pa.string()), pa.nulls(table.num_rows, pa.string()))
    return conform(table, spec)


def _check_unique(table: pa.Table, spec: TableSpec) -> None:
    import polars as pl

    keys = pl.from_arrow(table.column(spec.key))
    assert isinstance(keys, pl.Series)
    if keys.n_unique() != table.num_rows:
        dup = keys.filter(keys.is_duplicated()).unique().sort().head(3).to_list()
        raise StoreDataError(f"{spec.name}: duplicate {spec.key} in this load: {', '.join(map(repr, dup))}")


def _diff(incoming: pa.Table, existing: pa.Table, spec: TableSpec) -> _TablePlan:
    key = spec.key
    if existing.num_rows == 0:
        empty = incoming.slice(0, 0)
        return _TablePlan(spec, incoming, empty, empty, 0)
    import polars as pl

    inc = pl.from_arrow(incoming)
    ex = pl.from_arrow(existing)
    assert isinstance(inc, pl.DataFrame) and isinstance(ex, pl.DataFrame)
    new = inc.join(ex.select(key), on=key, how="anti")
    both = inc.join(ex, on=key, how="inner", suffix="__old")
    cols = [c for c in incoming.column_names if c != key]
    if cols:
        differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in cols])
        changed = both.filter(differs)
    else:
        changed = both.head(0)
    changed_new = changed.select(incoming.column_names)
    changed_old = changed.select([key, *[pl.col(f"{c}__old").alias(c) for c in cols]])
    schema = incoming.schema
    return _TablePlan(
        spec,
        new.to_arrow().cast(schema),
        changed_new.to_arrow().cast(schema),
        changed_old.to_arrow().cast(schema),
        both.height - changed.height,
    )


def _merged_tables(stored: CareTables, plans: list[_TablePlan]) -> dict[str, pa.Table]:
    """The complete content after a load: stored rows, with changed rows replaced and new rows added."""
    planned = {p.spec.name: p for p in plans}
    out: dict[str, pa.Table] = {}
    for name in TABLE_ORDER:
        plan = planned.get(name)
        if plan is None:
            out[name] = stored[name]
            continue
        existing = plan.existing if plan.existing is not None else stored[name]
        key = plan.spec.key
        if plan.changed.num_rows:
            keep = pc.invert(pc.is_in(existing.column(key), value_set=plan.changed.column(key)))
            existing = existing.filter(keep)
        parts = [t.cast(existing.schema) for t in (existing, plan.changed, plan.new) if t.num_rows]
        out[name] = pa.concat_tables(parts) if parts else existing
    return out


_VERSION_DDL = "CREATE NODE TABLE IF NOT EXISTS StoreVersion(id STRING PRIMARY KEY, written_at TIMESTAMP)"
_NEW_VERSION = "CREATE (:StoreVersion {id: $v, written_at: current_timestamp()})"


def _new_version() -> str:
    return f"{time.time_ns():020d}-{uuid.uuid4().hex}"


def _read_mirror(folder: Path, version: str) -> dict[str, pa.Table] | None:
    """The mirrored tables when the mirror at ``folder`` was written for ``version``; else None."""
    try:
        meta = json.loads((folder / "version.json").read_text(encoding="utf-8"))
        if meta.get("version") != version:
            return None
        out = {}
        for name in TABLE_ORDER:
            with pa.memory_map(str(folder / f"{name}.arrow")) as source:
                out[name] = pa.ipc.open_file(source).read_all()
        return out
    except (OSError, ValueError, KeyError, pa.ArrowInvalid):
        return None


def _write_mirror(folder: Path, version: str, tables: Mapping[str, pa.Table]) -> None:
    """Write the mirror into a temporary folder and rename it into place (never half a mirror)."""
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    tmp.mkdir(parents=True)
    try:
        for name in TABLE_ORDER:
            table = tables[name]
            with pa.OSFile(str(tmp / f"{name}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
                w.write_table(table)
        (tmp / "version.json").write_text(json.dumps({"version": version}), encoding="utf-8")
        old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _readers_path(path: Path) -> Path:
    return path.with_name(path.name + ".readers")


READER_LOCK_WAIT_S = 30.0
"""How long a read-only open waits for a writer's in-place transaction to finish (it holds the readers lock)."""


def _hold_reader_lock(path: Path) -> int | None:
    """Take a shared ``flock`` on ``<store>.readers`` for as long as a read-only handle is open; the descriptor.

    Writers test it (:func:`_no_readers`) and only write in place when nobody holds it. The lock is on a separate
    file, never on the database file: LadybugDB locks that file with POSIX ``fcntl`` locks, which a process loses when
    it closes ANY descriptor of the file. Whoever finds itself the last holder removes the lock file
    (:func:`_release_reader_lock`), so after each lock the inode is checked against the path (else: retry). None when
    the lock file cannot be created (a read-only folder: then nobody can write there either).
    """
    lock = _readers_path(path)
    deadline = time.monotonic() + READER_LOCK_WAIT_S
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise StoreLockedError(f"{path} is being written (a load holds it); try again shortly") from None
                time.sleep(0.05)
        if _same_file(fd, lock):
            return fd
        os.close(fd)  # the file was removed (and maybe re-created) meanwhile: lock the current one


def _release_reader_lock(fd: int, path: Path) -> None:
    """Close a reader's lock; the last reader (the exclusive lock is free to take) removes the lock file."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _same_file(fd, _readers_path(path)):
            _readers_path(path).unlink(missing_ok=True)
    except OSError:
        pass  # another reader holds it: it stays
    finally:
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def _no_readers(path: Path) -> Iterator[bool]:
    """Yield True, holding an exclusive ``flock`` on ``<store>.readers``, when no read-only handle is open in any
    process (so an in-place transaction cannot surprise one: readers wait for it); else yield False at once. The
    lock file is removed afterwards (readers waiting on it then lock a new one)."""
    lock = _readers_path(path)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield True  # no lock file possible, so no reader could have taken it
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        if _same_file(fd, lock):
            break
        os.close(fd)
    try:
        yield True
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _rebuild_path(path: Path) -> Path:
    return path.with_name(path.name + ".rebuild")


def _remove_db_files(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".shadow")):
        p.unlink(missing_ok=True)


class _SharedExclusiveLock:
    """Many holders in shared mode, or one in exclusive mode (writer-preferring)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._waiting:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._exclusive or self._shared:
                self._cond.wait()
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


def _series(values: pa.Array | pa.ChunkedArray) -> pl.Series:
    """A string polars Series of an Arrow column."""
    import polars as pl

    series = pl.from_arrow(values.cast(pa.string()))
    assert isinstance(series, pl.Series)
    return series.cast(pl.String)


def _normalise(table: pa.Table) -> pa.Table:
    """Arrow results as the rest of caregraph expects them: decimals (from sum) as int64, large strings as strings."""
    cols = []
    changed = False
    for f in table.schema:
        col = table.column(f.name)
        if pa.types.is_decimal(f.type):
            col = col.cast(pa.int64())
            changed = True
        elif pa.types.is_large_string(f.type):
            col = col.cast(pa.string())
            changed = True
        cols.append(col)
    if not changed:
        return table
    return pa.table(cols, names=table.column_names)


def _forget_clients(ledger: pa.Table, member_ids: pa.ChunkedArray) -> pa.Table:
    """``ledger`` with the client columns (:data:`graph.household_deletion.LEDGER_CLIENT_COLUMNS`) blanked on the
    rows of ``member_ids``; the versions themselves stay."""
    hit = pc.fill_null(pc.is_in(ledger.column("member_id"), value_set=member_ids.combine_chunks()), False)
    if not pc.any(hit).as_py():
        return ledger
    for name in LEDGER_CLIENT_COLUMNS:
        i = ledger.column_names.index(name)
        col = ledger.column(i)
        ledger = ledger.set_column(i, ledger.field(i), pc.if_else(hit, pa.scalar(None, col.type), col))
    return ledger
