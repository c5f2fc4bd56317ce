"""The store port: the one interface both graph stores (LadybugDB, Neo4j) implement, and its errors.

Services, ingest and the CLI only talk to a :class:`GraphStore`; which adapter is behind it comes from settings
(:func:`graph.factory.open_store`). Adapters re-raise driver errors as :class:`StoreError` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

from graph.queries import Query
from graph.schema import table_spec
from graph.tables import CareTables

__all__ = [
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "StoreDataError",
    "StoreQueryTimeout",
    "ProgressFn",
    "LoadReport",
    "StoreCounts",
    "GraphStore",
    "DELETABLE_TABLES",
    "check_delete",
    "drop_keys",
]


class StoreError(RuntimeError):
    """Base of every store error."""


class StoreLockedError(StoreError):
    """The embedded store is held by another writing process (LadybugDB allows one writer)."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached (Neo4j down, embedded store missing or not openable)."""


class StoreDataError(StoreError):
    """Data handed to the store breaks its rules (unknown reference, duplicate key); nothing was written."""


class StoreQueryTimeout(StoreError):
    """A query ran past its time limit and was interrupted."""


ProgressFn = Callable[[str, int, int], None]
"""Progress callback: (step description, steps done, steps total)."""


@dataclass
class LoadReport:
    """What a load did, per table: rows new, rows changed, rows unchanged (skipped)."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rebuilt: bool = False
    """True when the store was rebuilt into a new file and swapped in (large loads on the embedded store)."""
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows removed per table by the load's ``delete`` argument (keys that were stored)."""

    @property
    def changed_anything(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.deleted.values())


DELETABLE_TABLES: tuple[str, ...] = ("interventions", "assessments")
"""Entity tables whose rows :meth:`GraphStore.load` may delete: node tables no other table refers to."""


def check_delete(delete: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """The ``delete`` argument of :meth:`GraphStore.load`, checked: table → sorted distinct keys (empty dropped).

    Raises
    ------
    StoreDataError
        A table other than :data:`DELETABLE_TABLES` (their rows have dependants or are relationships).
    """
    out: dict[str, list[str]] = {}
    for name, keys in (delete or {}).items():
        if name not in DELETABLE_TABLES:
            raise StoreDataError(
                f"load(delete=...) can only remove rows of {', '.join(DELETABLE_TABLES)}, not {name!r}; "
                "nothing was written"
            )
        if isinstance(keys, str):
            raise StoreDataError(f"load(delete=...): the keys of {name} must be a sequence of keys, not one string")
        ks = sorted({str(k) for k in keys if k is not None})
        if ks:
            out[name] = ks
    return out


@dataclass(frozen=True)
class StoreCounts:
    """Node counts per label and relationship counts per type."""

    nodes: Mapping[str, int]
    relationships: Mapping[str, int]


@runtime_checkable
class GraphStore(Protocol):
    """The store interface.

    Every adapter stores the graph described in :mod:`graph.schema` and answers the named queries of
    :mod:`graph.queries`, rendering them in its own dialect.
    """

    backend: str

    def ensure_schema(self) -> None:
        """Create node/relationship tables (LadybugDB) or constraints and indexes (Neo4j) if absent."""

    def load(self, tables: CareTables, *, progress: ProgressFn | None = None,
             delete: Mapping[str, Sequence[str]] | None = None) -> LoadReport:
        """Upsert the tables (already pseudonymised) in one all-or-nothing unit; idempotent.

        Rows are keyed by their table's key: new keys are created, changed rows are updated (including their
        relationships), identical rows are left alone. Referential integrity is checked against the tables and the
        store before anything is written; a violation raises :class:`StoreDataError` and writes nothing.

        ``delete``: entity table → keys to remove in the same all-or-nothing unit (only :data:`DELETABLE_TABLES`,
        else :class:`StoreDataError` before anything is written; :func:`check_delete`). Keys not in the store are
        ignored; a key both loaded and deleted ends up deleted. ``LoadReport.deleted`` counts the rows removed.
        """
        ...

    def counts(self) -> StoreCounts:
        """Node and relationship counts."""
        ...

    def read_table(self, name: str) -> pa.Table:
        """The entity table ``name`` as stored, in the table's column layout (key column name, pseudonym for BSN)."""
        ...

    def snapshot(self) -> CareTables:
        """Every entity table as stored (for analytics and exports)."""
        ...

    def run(self, query: Query, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None) -> pa.Table:
        """Run a named read query with parameters; returns its columns as an Arrow table."""
        ...

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers a trivial query."""

    def delete_households(self, household_ids: Sequence[str]) -> dict[str, int]:
        """Delete these households and everything that hangs off them (members, interventions, assessments,
        coordinations: :func:`graph.household_deletion.household_dependants`) in ONE transaction (retention).

        Unknown ids are ignored. Returns the number of rows deleted per entity table, ``households`` included.
        """
        ...

    def stale(self) -> bool:
        """True when the content changed underneath this handle and it must be reopened to see it (an embedded
        read-only handle whose file a writer replaced); a server store never is."""
        ...

    def close(self) -> None:
        """Release the database (and its file lock)."""


def drop_keys(tables: CareTables, delete: Mapping[str, Sequence[str]]) -> CareTables:
    """``tables`` without the rows whose keys ``delete`` names (a row both loaded and deleted ends up deleted)."""
    out = dict(tables.tables)
    for name, keys in delete.items():
        if name in out and keys:
            t = out[name]
            mask = pc.fill_null(pc.is_in(t.column(table_spec(name).key), value_set=pa.array(list(keys), pa.string())),
                                False)
            out[name] = t.filter(pc.invert(mask))
    return CareTables(out)
