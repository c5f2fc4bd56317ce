"""Retention: remove households whose case was closed longer ago than the retention period, with an audit entry.

A household is *expired* when ``closed_on < as_of − closed_before_days`` (strictly more than ``closed_before_days``
days before ``as_of``, which defaults to today). Open households (``closed_on`` empty) are never expired. Deleting a
household deletes everything that hangs off it (members, interventions, assessments, coordinations) in one store
transaction (:meth:`graph.store.GraphStore.delete_households`).

Every real run appends one entry to the audit log (:class:`caregraph.auth.audit.AuditLog`): action ``retention``,
the user (the OS user running the command, or ``system``), the number of households, the cutoff and the household
ids (the source systems' ids, never BSNs) and the rows deleted per table; a failed deletion is recorded with outcome
``failed``. A dry run only reports: it writes neither to the store nor to the audit log.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from caregraph.auth.audit import AuditLog
from caregraph.auth.roles import SYSTEM_PRINCIPAL, Principal, Role
from graph.household_deletion import HOUSEHOLD_TABLE, household_dependants
from graph.schema import table_spec
from graph.store import GraphStore

__all__ = ["RETENTION_ACTION", "RetentionResult", "retention_cutoff", "expired_households", "run_retention",
           "operator_principal"]

RETENTION_ACTION = "retention"


@dataclass
class RetentionResult:
    """What a retention run found (and, unless ``dry_run``, deleted)."""

    cutoff: dt.date
    household_ids: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    """Rows per entity table: deleted, or for a dry run the rows that would be deleted."""
    dry_run: bool = False


def retention_cutoff(closed_before_days: int, as_of: dt.date | None = None) -> dt.date:
    """The first closing date that is kept: ``as_of − closed_before_days`` days.

    >>> retention_cutoff(365, dt.date(2026, 1, 1))
    datetime.date(2025, 1, 1)
    """
    if closed_before_days < 0:
        raise ValueError("closed_before_days must be 0 or more")
    return (as_of or dt.date.today()) - dt.timedelta(days=closed_before_days)


def expired_households(households: pa.Table, cutoff: dt.date) -> list[str]:
    """Ids of the households in ``households`` (the ``households`` entity table) closed before ``cutoff``, sorted."""
    key = table_spec(HOUSEHOLD_TABLE).key
    closed = households.column("closed_on")
    mask = pc.fill_null(pc.less(closed, pa.scalar(cutoff, pa.date32())), False)
    return sorted(households.filter(mask).column(key).to_pylist())


def _would_delete(store: GraphStore, ids: list[str]) -> dict[str, int]:
    """Rows per table a deletion of ``ids`` would remove (dry run), from the stored tables."""
    value_set = pa.array(ids, pa.string())
    out = {HOUSEHOLD_TABLE: len(ids)}
    for dep in household_dependants():
        col = store.read_table(dep.table).column(dep.rel.target_column)
        out[dep.table] = int(pc.sum(pc.is_in(col, value_set=value_set)).as_py() or 0)
    return out


def operator_principal() -> Principal:
    """Who runs a command-line job: the OS user (role admin, since only operators reach the store files), or the
    ``system`` principal when the OS user cannot be determined."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        return SYSTEM_PRINCIPAL
    return Principal(username=user, role=Role.admin) if user else SYSTEM_PRINCIPAL


def run_retention(
    store: GraphStore,
    audit: AuditLog,
    closed_before_days: int,
    *,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    principal: Principal | None = None,
) -> RetentionResult:
    """Find the expired households and (unless ``dry_run``) delete them and write the audit entry.

    Raises
    ------
    graph.store.StoreError
        The deletion failed; nothing was deleted (one transaction) and a ``failed`` audit entry was written.
    """
    cutoff = retention_cutoff(closed_before_days, as_of)
    ids = expired_households(store.read_table(HOUSEHOLD_TABLE), cutoff)
    if dry_run:
        return RetentionResult(cutoff, ids, _would_delete(store, ids) if ids else {}, dry_run=True)
    who = principal or operator_principal()
    detail: dict[str, object] = {
        "what": RETENTION_ACTION,
        "households": len(ids),
        "cutoff": cutoff.isoformat(),
        "closed_before_days": closed_before_days,
        "as_of": (as_of or dt.date.today()).isoformat(),
        "household_ids": ids,
    }
    try:
        counts = store.delete_households(ids)
    except Exception as e:
        audit.record(who, RETENTION_ACTION, outcome="failed", detail={**detail, "error": type(e).__name__})
        raise
    audit.record(who, RETENTION_ACTION, outcome="done", detail={**detail, "deleted": counts})
    return RetentionResult(cutoff, ids, counts)
