"""The 301/305/307 business rules: which allocations stand, and when care actually started and stopped.

Rules (``docs/istandaarden.md#allocation-rules`` and ``docs/istandaarden.md#start-and-stop-messages``), all
independent of the order in which messages arrive:

* An allocation is identified by (domain jw|wmo, gemeente, ToewijzingNummer) (OP275). Of all versions of one
  allocation the one with the latest ``Toewijzingsdatum`` + ``Toewijzingstijd`` wins (OP033x1); ties are broken by
  the message's Dagtekening and Identificatie, so the outcome never depends on the arrival order.
* A winning version with RedenWijziging 13 (or legacy 01) and Einddatum == Ingangsdatum deletes the allocation: it is
  treated as never sent (OP087, CS335).
* Starts (305) and stops (307) are keyed by (allocation, Product, Begindatum) (IV008). StatusAanlevering 1 adds a
  record, 3 deletes the earlier record with the same key; a record stands when it has a 1 and no 3 in a message of the
  same or a later Dagtekening.
* Versions held by the store count too: the ``allocations`` ledger (:mod:`graph.schema`) keeps, per allocation,
  the version the store holds or the deletion it saw (a tombstone). A batch version older than the stored one is
  ignored with a warning, so an original sent after its deletion, or after a newer version, stays out.
* The intervention's ``start_date`` is the earliest standing Begindatum (the allocation's Ingangsdatum when care has
  not started); its ``end_date`` is the Einddatum of the standing stop of the latest start, else the allocation's
  Einddatum (open when there is none).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ingest.messages import Allocation, Delivery
from ingest.report import Issue

__all__ = ["ResolvedAllocation", "StoredVersion", "Resolution", "allocation_id", "resolve_allocations"]


@dataclass(frozen=True, slots=True)
class ResolvedAllocation:
    """A standing allocation with its actual period."""

    allocation: Allocation
    start: dt.date
    end: dt.date | None
    started: bool


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """The version of an allocation that the store's ledger holds (one row of the ``allocations`` table)."""

    allocated_on: dt.date
    allocated_at: dt.time
    message_date: dt.date
    message_id: str
    deleted: bool

    @property
    def order(self) -> tuple[dt.date, dt.time, dt.date, str]:
        return (self.allocated_on, self.allocated_at, self.message_date, self.message_id)


@dataclass
class Resolution:
    """What :func:`resolve_allocations` decided.

    ``standing``: the allocations to load (sorted by key); ``deleted``: keys whose winning version deletes them;
    ``ledger``: the winning version per key of the batch, to record in the store's ``allocations`` ledger (keys where
    the store holds a newer version are not among them); ``issues``: warnings and reference errors.
    """

    standing: list[ResolvedAllocation]
    issues: list[Issue]
    deleted: list[tuple[str, str, str]]
    ledger: list[Allocation]


def allocation_id(key: tuple[str, str, str]) -> str:
    """The ledger key (and intervention id) of an allocation: ``domain-gemeente-ToewijzingNummer``.

    >>> allocation_id(("jw", "0599", "1001"))
    'jw-0599-1001'
    """
    return "-".join(key)


def _version_order(a: Allocation) -> tuple[dt.date, dt.time, dt.date, str, str, str]:
    return (a.allocated_on, a.allocated_at, a.message_date, a.message_id, a.file, a.path)


def _order(a: Allocation) -> tuple[dt.date, dt.time, dt.date, str]:
    return (a.allocated_on, a.allocated_at, a.message_date, a.message_id)


def _standing(records: list[Delivery]) -> list[Delivery]:
    """The records that stand after applying StatusAanlevering 1/3 per logical key."""
    by_key: dict[tuple[object, ...], list[Delivery]] = defaultdict(list)
    for r in records:
        by_key[r.key].append(r)
    out = []
    for recs in by_key.values():
        adds = [r for r in recs if r.status == "1"]
        if not adds:
            continue
        latest_add = max(adds, key=lambda r: (r.message_date, r.message_id))
        deleted = any(r.status == "3" and r.message_date >= latest_add.message_date for r in recs)
        if not deleted:
            out.append(latest_add)
    return out


def resolve_allocations(
    allocations: list[Allocation], deliveries: list[Delivery], *, known_interventions: frozenset[str] = frozenset(),
    stored: Mapping[str, StoredVersion] | None = None,
) -> Resolution:
    """Apply the rules above.

    ``known_interventions``: intervention ids in the store; ``stored``: the store's ledger, allocation id → version.
    """
    stored = stored or {}
    issues: list[Issue] = []
    versions: dict[tuple[str, str, str], list[Allocation]] = defaultdict(list)
    for a in allocations:
        versions[a.key].append(a)
    winners: dict[tuple[str, str, str], Allocation] = {}
    deleted: list[tuple[str, str, str]] = []
    ledger: list[Allocation] = []
    for key, vs in versions.items():
        vs.sort(key=_version_order)
        win = vs[-1]
        held = stored.get(allocation_id(key))
        if held is not None and held.order > _order(win):
            what = ("the store holds its deletion" if held.deleted else "the store holds a newer version")
            issues.append(Issue.make(win.file, f"older than the allocation's version in the store ({what}: "
                                     f"Toewijzingsdatum {held.allocated_on} {held.allocated_at}, message "
                                     f"{held.message_id}); ignored", severity="warning", path=win.path,
                                     field="Toewijzingsdatum", value=f"{win.allocated_on} {win.allocated_at}",
                                     table="interventions", rule="superseded"))
            continue
        ledger.append(win)
        if len(vs) > 1:
            prev = vs[-2]
            if (prev.allocated_on, prev.allocated_at) == (win.allocated_on, win.allocated_at) and (
                prev.start, prev.end, prev.category, prev.reason) != (win.start, win.end, win.category, win.reason):
                issues.append(Issue.make(win.file, "two versions of this allocation have the same Toewijzingsdatum "
                                         "and -tijd but differ; the later message (Dagtekening, Identificatie) wins",
                                         severity="warning", path=win.path, field="Toewijzingstijd",
                                         value=f"{win.allocated_on} {win.allocated_at}", table="interventions",
                                         rule="duplicate"))
            if prev.client.bsn != win.client.bsn or prev.agb != win.agb:
                issues.append(Issue.make(win.file, "ToewijzingNummer reused for another client or provider; the "
                                         "latest version wins", severity="warning", path=win.path,
                                         field="ToewijzingNummer", value=win.number, table="interventions",
                                         rule="duplicate"))
        if win.deleted:
            deleted.append(key)
        else:
            winners[key] = win
    starts = _standing([d for d in deliveries if d.kind == "start" and d.number is not None])
    stops = _standing([d for d in deliveries if d.kind == "stop" and d.number is not None])
    for d in deliveries:
        if d.number is None:
            issues.append(Issue.make(d.file, f"{d.kind} without ToewijzingNummer cannot be matched to an allocation "
                                     "(TR019); ignored", severity="warning", path=d.path, field="ToewijzingNummer",
                                     table="interventions", rule="reference"))
    starts_by: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for s in starts:
        starts_by[(s.domain, s.gemeente, s.number or "")].append(s)
    stops_by: dict[tuple[str, str, str], dict[dt.date, Delivery]] = defaultdict(dict)
    for s in stops:
        stops_by[(s.domain, s.gemeente, s.number or "")][s.begin] = s
    deleted_set = set(deleted)
    for d in starts + stops:
        key = (d.domain, d.gemeente, d.number or "")
        if key in winners or key in deleted_set:
            continue
        held = stored.get(allocation_id(key))
        if held is not None and held.deleted:
            issues.append(Issue.make(d.file, f"{d.kind} for an allocation the store holds as deleted; ignored",
                                     severity="warning", path=d.path, field="ToewijzingNummer", value=d.number,
                                     table="interventions", rule="reference"))
            continue
        iid = f"{d.domain}-{d.gemeente}-{d.number}"
        if iid in known_interventions:
            reason = ("applies to an allocation that is only in the store; send its 301 in the same batch to update "
                      "it; ignored")
            issues.append(Issue.make(d.file, reason, severity="warning", path=d.path, field="ToewijzingNummer",
                                     value=d.number, table="interventions", rule="reference"))
        else:
            issues.append(Issue.make(d.file, f"{d.kind} for an allocation that is in no 301 of the input nor in the "
                                     "store", path=d.path, field="ToewijzingNummer", value=d.number,
                                     table="interventions", rule="reference"))
    out: list[ResolvedAllocation] = []
    for key in sorted(winners):
        a = winners[key]
        ss = sorted(starts_by.get(key, []), key=lambda s: s.begin)
        if not ss:
            out.append(ResolvedAllocation(a, a.start, a.end, False))
            continue
        latest = ss[-1]
        stop = stops_by.get(key, {}).get(latest.begin)
        end = stop.end if stop is not None else a.end
        start = ss[0].begin
        if end is not None and end < start:
            end = start
        out.append(ResolvedAllocation(a, start, end, True))
    return Resolution(out, issues, sorted(deleted), sorted(ledger, key=lambda a: a.key))
