""":class:`StoreHandle`: the services' one open graph store and the snapshot cache over it.

The store is opened on first use, pinged at most every :data:`PING_INTERVAL_S` (so a store that went away answers
503 instead of hanging), dropped and reopened after a failure (the services recover by themselves when it
returns), and, for read-only workers, watched: when a writer replaced the store, the new one is opened and analysed
in the background and swapped in together with its cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from caregraph.services.cache import SnapshotCache
from caregraph.services.errors import ServiceUnavailableError
from graph.store import GraphStore, StoreError, StoreLockedError, StoreQueryTimeout, StoreUnavailableError

if TYPE_CHECKING:
    from analytics.config import FlagConfig
    from graph.tables import CareTables

__all__ = ["StoreHandle", "PING_INTERVAL_S", "unavailable"]

log = logging.getLogger(__name__)

PING_INTERVAL_S = 1.0
"""A request re-checks that the store answers at most this often (so a store that went away gives 503)."""


def unavailable(e: Exception) -> ServiceUnavailableError:
    """The 503 error a store failure answers with (locked: retry after 10 s; otherwise after 5 s)."""
    if isinstance(e, StoreLockedError):
        return ServiceUnavailableError("the graph store is locked by another process (a load may be running)", 10)
    if isinstance(e, StoreQueryTimeout):
        return ServiceUnavailableError("the graph store did not answer in time", 5)
    return ServiceUnavailableError("the graph store is unavailable", 5)


class StoreHandle:
    """The open store, (re)opened when needed, and the :class:`SnapshotCache` of its content.

    Parameters
    ----------
    factory
        Opens the store; called lazily, and again after the store became unavailable. Replaceable (attribute
        :attr:`factory`).
    config
        Returns the flag configuration the cache's analytics use.
    read_only
        One of several worker processes: a store that a writer replaced is noticed (a watcher thread) and reloaded
        in the background (:meth:`_refresh`).
    prepare
        Called with the new cache after a reload, before it is swapped in: builds what the first requests need
        (so nobody waits for the rebuild).
    """

    def __init__(
        self,
        factory: Callable[[], GraphStore],
        config: Callable[[], FlagConfig],
        *,
        read_only: bool = False,
        prepare: Callable[[SnapshotCache], None] | None = None,
    ) -> None:
        self.factory = factory
        self.read_only = read_only
        self._config = config
        self._prepare = prepare
        self._store: GraphStore | None = None
        self._lock = threading.RLock()
        self._refreshing = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._closed = threading.Event()
        self.last_ok = 0.0
        """:func:`time.monotonic` of the last time the store answered."""
        self.cache = SnapshotCache(self.snapshot, config)

    def store(self) -> GraphStore:
        """The open store, (re)opened when needed and pinged at most every second.

        Raises
        ------
        ServiceUnavailableError
            When the store cannot be opened or does not answer (503, retry after a few seconds).
        """
        store = self._store
        if store is not None and time.monotonic() - self.last_ok <= PING_INTERVAL_S:
            return store  # pinged a moment ago: no lock (another thread may hold it for a long store call)
        with self._lock:
            try:
                if self._store is None:
                    self._store = self.factory()
                    self.last_ok = time.monotonic()
                    if self.read_only and self._watcher is None:
                        self._watcher = threading.Thread(target=self._watch, name="caregraph-watch", daemon=True)
                        self._watcher.start()
                elif time.monotonic() - self.last_ok > PING_INTERVAL_S:
                    self._store.ping()
                    self.last_ok = time.monotonic()
                    if self._store.stale():
                        self._start_refresh()
                return self._store
            except StoreError as e:  # unavailable, locked, timed out or otherwise failed: reopen next time
                self._drop()
                raise unavailable(e) from None

    def run(self, fn: Callable[[GraphStore], Any]) -> Any:
        """Call ``fn(store)``, turning store failures into :class:`ServiceUnavailableError` (and reopening later)."""
        store = self.store()
        try:
            with self._lock:
                if store is not self._store:  # replaced meanwhile (a reload after a writer's swap closes the old)
                    store = self.store()
                return fn(store)
        except (StoreUnavailableError, StoreLockedError, StoreQueryTimeout) as e:
            self._drop()
            raise unavailable(e) from None

    def snapshot(self) -> CareTables:
        """The store's tables (what :class:`SnapshotCache` indexes)."""
        tables: CareTables = self.run(lambda s: s.snapshot())
        return tables

    def fresh(self) -> bool:
        """True when the store is open and answered within :data:`PING_INTERVAL_S` (no ping due)."""
        return self._store is not None and time.monotonic() - self.last_ok <= PING_INTERVAL_S

    def close(self) -> None:
        """Close the store and stop watching it."""
        self._closed.set()
        self._drop()

    def _drop(self) -> None:
        with self._lock:
            if self._store is not None:
                try:
                    self._store.close()
                except Exception:  # closing a broken store may fail too; it is dropped either way
                    log.debug("closing a failed store raised", exc_info=True)
            self._store = None
            self.last_ok = 0.0

    def _watch(self) -> None:
        """Read-only workers: every :data:`PING_INTERVAL_S`, look whether a writer replaced the store (a ``stat``),
        whatever the requests ask for (some are answered from the cache alone)."""
        while not self._closed.wait(PING_INTERVAL_S):
            store = self._store
            try:
                if store is not None and store.stale():
                    self._start_refresh()
            except Exception:  # never let the watcher die
                log.debug("stale check failed", exc_info=True)

    def _start_refresh(self) -> None:
        """Start :meth:`_refresh` in the background unless it is running."""
        if self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="caregraph-refresh", daemon=True).start()

    def _refresh(self) -> None:
        """A writer replaced the store: open the new one, build its snapshot and what :attr:`prepare` asks for, then
        swap both in. Requests meanwhile keep being answered from the old handle and cache (the file they read stays
        intact), so nobody waits for the rebuild; the new content shows once it is analysed."""
        try:
            current = self._store
            if current is None or not current.stale():  # already reloaded (a late signal about the old handle)
                return
            t0 = time.perf_counter()
            new_store = self.factory()
            new_cache = SnapshotCache(new_store.snapshot, self._config)
            try:
                if self._prepare is not None:
                    self._prepare(new_cache)
            except BaseException:
                new_store.close()
                raise
            with self._lock:  # run() holds it while it uses the store: nobody is using `old` now
                old, self._store, self.cache = self._store, new_store, new_cache
                self.last_ok = time.monotonic()
                if old is not None:
                    old.close()
            log.info("store replaced by a writer: reloaded and analysed in %.1f s", time.perf_counter() - t0)
        except Exception:  # the next ping tries again
            log.exception("reloading the replaced store failed")
        finally:
            self._refreshing.release()
