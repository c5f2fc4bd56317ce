"""The services' cache: one store snapshot (indexed) and the analytics over it per as-of date.

Building is done once under a lock (50 concurrent first requests trigger one build, not 50). The snapshot lives
until :meth:`SnapshotCache.invalidate` (called after an ingest through the services); per-as-of results are kept for
the :data:`MAX_AS_OF` most recently used dates.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caregraph.services.errors import ServiceUnavailableError
from caregraph.services.index import SnapshotIndex
from foundation.periods import active_mask
from graph.tables import CareTables

if TYPE_CHECKING:
    from analytics.config import FlagConfig
    from analytics.results import FlagResult

__all__ = ["SnapshotCache", "AsOfResults", "FlagCounts", "count_flags", "counts_from_results", "MAX_AS_OF",
           "MAX_COUNT_DATES"]

log = logging.getLogger(__name__)

MAX_AS_OF = 14
"""How many as-of dates keep their results in memory."""
MAX_COUNT_DATES = 240
"""How many dates keep their flag counts (for trends; a few hundred bytes each)."""

FlagCounts = dict[tuple[str, str | None], int]
"""(flag, district id) → households with that flag in that district."""


def count_flags(tables: CareTables, as_of: dt.date, config: FlagConfig) -> FlagCounts:
    """:func:`analytics.summaries.household_flag_counts` as a mapping (flag, district) → households."""
    from analytics.summaries import household_flag_counts

    t = household_flag_counts(tables, as_of, config)
    return {(str(f), d): int(n) for f, d, n in zip(t.column("flag").to_pylist(), t.column("district_id").to_pylist(),
                                                   t.column("households").to_pylist(), strict=True)}


def counts_from_results(res: AsOfResults) -> FlagCounts:
    """The same counts as :func:`count_flags`, read off results already built for that date (no engine run)."""
    out: FlagCounts = {}
    for flag, hids in res.flagged.items():
        for h in hids:
            key = (flag, res.index.household_district(h))
            out[key] = out.get(key, 0) + 1
    return out


class AsOfResults:
    """Everything computed over the snapshot for one as-of date.

    Attributes
    ----------
    summary
        One row per household opened on or before ``as_of``, sorted by id: district, composition, dates, ``helpers``
        (distinct professionals active), ``agencies`` (distinct agencies active), ``active_interventions``,
        ``domains`` (sorted distinct domain codes of the active interventions) and ``has_regisseur`` (a
        coordination active on ``as_of``).
    flags
        Every :class:`analytics.results.FlagResult` raised on ``as_of``.
    """

    def __init__(self, index: SnapshotIndex, as_of: dt.date, config: FlagConfig) -> None:
        t0 = time.perf_counter()
        self.index = index
        self.as_of = as_of
        self.config = config
        tables = index.tables
        from analytics.household_stats import household_activity

        iv = tables["interventions"]
        self.active: pa.Table = iv.filter(active_mask(iv, as_of))
        hh = tables["households"].select(["household_id", "district_id", "composition", "opened_on", "closed_on"])
        hh = hh.filter(pc.less_equal(hh.column("opened_on"), pa.scalar(as_of, pa.date32())))
        df = hh.to_pandas(types_mapper=None, date_as_object=True)
        df = df.merge(household_activity(tables, as_of).to_pandas(), on="household_id", how="left")
        for c in ("helpers", "agencies", "active_interventions"):
            df[c] = df[c].fillna(0).astype("int64")
        df["domains"] = [list(v) if isinstance(v, (list, np.ndarray)) else [] for v in df["domains"]]
        df["has_regisseur"] = df["has_regisseur"].eq(True)  # households with nothing active: no row, NaN
        self.summary: pd.DataFrame = df.sort_values("household_id", kind="stable").reset_index(drop=True)
        self.flags: list[FlagResult] = self._evaluate_flags(tables)
        self.flags_by_subject: dict[str, list[FlagResult]] = {}
        self.flagged: dict[str, set[str]] = {}
        for f in self.flags:
            self.flags_by_subject.setdefault(f.subject_id, []).append(f)
            if f.subject_kind == "household":
                self.flagged.setdefault(f.flag, set()).add(f.subject_id)
        self._lazy: dict[str, Any] = {}
        self._lock = threading.Lock()
        log.info("as-of results for %s built in %.2f s (%d households, %d flags)", as_of,
                 time.perf_counter() - t0, len(self.summary), len(self.flags))

    def _evaluate_flags(self, tables: CareTables) -> list[FlagResult]:
        from analytics.flags import evaluate_flags

        return list(evaluate_flags(tables, self.as_of, self.config))

    @property
    def any_flagged(self) -> set[str]:
        """Households with at least one household flag raised on ``as_of``."""
        got: set[str] = self.lazy("any_flagged", lambda: set().union(*self.flagged.values()))
        return got

    def household_flags(self, household_id: str) -> list[FlagResult]:
        return [f for f in self.flags_by_subject.get(household_id, []) if f.subject_kind == "household"]

    def has_lazy(self, key: str) -> bool:
        """True when :meth:`lazy` has built ``key`` (so asking for it costs nothing)."""
        return key in self._lazy

    def lazy(self, key: str, build: Callable[[], Any]) -> Any:
        """A value computed once per as-of date on first use (e.g. regisseur suggestions, agency pairs)."""
        with self._lock:
            if key not in self._lazy:
                self._lazy[key] = build()
            return self._lazy[key]


class SnapshotCache:
    """Holds the snapshot index and per-as-of results.

    Parameters
    ----------
    snapshot
        Returns the store's tables (called on first use and after :meth:`invalidate`).
    config
        Returns the flag configuration.
    """

    def __init__(self, snapshot: Callable[[], CareTables], config: Callable[[], FlagConfig]) -> None:
        self._snapshot = snapshot
        self._config = config
        self._index: SnapshotIndex | None = None
        self._results: OrderedDict[dt.date, AsOfResults] = OrderedDict()
        self._generation = 0
        self._index_lock = threading.Lock()
        self._results_lock = threading.Lock()
        self._building: dict[dt.date, threading.Lock] = {}
        self._counts: OrderedDict[dt.date, FlagCounts] = OrderedDict()
        self._counting: dict[dt.date, threading.Lock] = {}

    def index(self) -> SnapshotIndex:
        """The indexed snapshot (built on first use)."""
        idx = self._index
        if idx is not None:
            return idx
        with self._index_lock:
            if self._index is None:
                t0 = time.perf_counter()
                self._index = SnapshotIndex(self._snapshot())
                log.info("snapshot index built in %.2f s", time.perf_counter() - t0)
            return self._index

    def peek(self, as_of: dt.date) -> AsOfResults | None:
        """The results for ``as_of`` if they are built, else None (never builds)."""
        with self._results_lock:
            return self._results.get(as_of)

    def results(self, as_of: dt.date) -> AsOfResults:
        """The results for ``as_of`` (built on first use, then kept for the most recent dates)."""
        with self._results_lock:
            got = self._results.get(as_of)
            if got is not None:
                self._results.move_to_end(as_of)
                return got
            lock = self._building.setdefault(as_of, threading.Lock())
            generation = self._generation
        with lock:
            with self._results_lock:
                got = self._results.get(as_of)
                if got is not None:
                    return got
            index = self.index()
            try:
                res = AsOfResults(index, as_of, self._config())
            except Exception as e:
                # analytics failing is not the caller's fault and must not look like a 500 or like "no flags"
                log.exception("analytics failed for %s", as_of)
                with self._results_lock:
                    self._building.pop(as_of, None)
                raise ServiceUnavailableError(
                    f"the analytics failed for {as_of.isoformat()} ({type(e).__name__}); see the server log", 60
                ) from None
            with self._results_lock:
                if generation == self._generation:
                    self._results[as_of] = res
                    while len(self._results) > MAX_AS_OF:
                        self._results.popitem(last=False)
                self._building.pop(as_of, None)
            return res

    def flag_counts(self, as_of: dt.date) -> FlagCounts:
        """Households per (flag, district) on ``as_of``: from the results when that date is built, else counted
        without evidence (:func:`count_flags`); kept per date until invalidated."""
        with self._results_lock:
            got = self._counts.get(as_of)
            if got is not None:
                return got
            built = self._results.get(as_of)
            lock = self._counting.setdefault(as_of, threading.Lock())
            generation = self._generation
        if built is not None:
            counts = counts_from_results(built)
        else:
            with lock:
                with self._results_lock:
                    got = self._counts.get(as_of)
                if got is not None:
                    return got
                index = self.index()
                t0 = time.perf_counter()
                try:
                    counts = count_flags(index.tables, as_of, self._config())
                except Exception as e:
                    log.exception("flag counts failed for %s", as_of)
                    raise ServiceUnavailableError(
                        f"the analytics failed for {as_of.isoformat()} ({type(e).__name__}); see the server log", 60
                    ) from None
                log.info("flag counts for %s in %.2f s", as_of, time.perf_counter() - t0)
        with self._results_lock:
            if generation == self._generation:
                self._counts[as_of] = counts
                while len(self._counts) > MAX_COUNT_DATES:
                    self._counts.popitem(last=False)
            self._counting.pop(as_of, None)
        return counts

    def invalidate(self) -> None:
        """Drop the snapshot and all results (the next request rebuilds them)."""
        with self._index_lock, self._results_lock:
            self._index = None
            self._results.clear()
            self._counts.clear()
            self._generation += 1

    @property
    def warm(self) -> bool:
        """True when a snapshot is cached."""
        return self._index is not None
