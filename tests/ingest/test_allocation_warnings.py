"""The 301/305/307 rules of :func:`ingest.allocations.resolve_allocations` on hand-made versions, with every warning.

Each case builds the parsed message objects directly (no XML), so the rule itself is what is tested: which version
wins, when two versions collide ("duplicate"), starts and stops (StatusAanlevering 1/3), deliveries without a
ToewijzingNummer (TR019), and deliveries for allocations that are deleted, only in the store, or nowhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ingest.allocations import ResolvedAllocation, StoredVersion, allocation_id, resolve_allocations
from ingest.messages import Allocation, Client, Delivery
from ingest.report import Issue

D = dt.date
T = dt.time
KEY = ("jw", "0599", "1001")


def alloc(*, number: str = "1001", on: dt.date = D(2025, 3, 1), at: dt.time = T(9), start: dt.date = D(2025, 3, 3),
          end: dt.date | None = D(2025, 8, 31), reason: str | None = None, category: str | None = "45",
          message_date: dt.date = D(2025, 3, 1), message_id: str = "M1", bsn: str = "999900006",
          agb: str = "41000001", file: str = "301.xml") -> Allocation:
    return Allocation(domain="jw", gemeente="0599", agb=agb, number=number, category=category, product_code=None,
                      allocated_on=on, allocated_at=at, start=start, end=end, reason=reason,
                      message_date=message_date, message_id=message_id, file=file, path=f"/Bericht/{message_id}",
                      client=Client(bsn=bsn, birth_date=None, surname=None, name=None))


def delivery(kind: str, *, number: str | None = "1001", begin: dt.date = D(2025, 3, 5), end: dt.date | None = None,
             status: str = "1", message_date: dt.date = D(2025, 3, 6), message_id: str = "S1",
             file: str = "305.xml") -> Delivery:
    return Delivery(kind=kind, domain="jw", gemeente="0599", agb="41000001", number=number,  # type: ignore[arg-type]
                    category="45", product_code=None, begin=begin, end=end, reason=None, status=status,
                    message_date=message_date, message_id=message_id, file=file, path=f"/Bericht/{message_id}",
                    bsn="999900006")


def stored(*, on: dt.date = D(2025, 3, 1), at: dt.time = T(9), message_date: dt.date = D(2025, 3, 1),
           message_id: str = "M1", deleted: bool = False) -> StoredVersion:
    return StoredVersion(allocated_on=on, allocated_at=at, message_date=message_date, message_id=message_id,
                         deleted=deleted)


def period(r: ResolvedAllocation) -> tuple[dt.date, dt.date | None, bool]:
    return (r.start, r.end, r.started)


# --- which version wins ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reverse", [False, True])
def test_the_latest_toewijzing_wins_whatever_the_order(reverse: bool) -> None:
    old = alloc(end=D(2025, 8, 31), message_id="M1")
    new = alloc(on=D(2025, 5, 1), end=D(2025, 12, 31), message_date=D(2025, 5, 1), message_id="M2")
    res = resolve_allocations([new, old] if reverse else [old, new], [])
    [r] = res.standing
    assert r.allocation is new and period(r) == (D(2025, 3, 3), D(2025, 12, 31), False)
    assert res.ledger == [new] and res.issues == [] and res.deleted == []


def test_same_toewijzing_moment_is_broken_by_dagtekening_and_warned_when_the_content_differs() -> None:
    first = alloc(end=D(2025, 8, 31), message_date=D(2025, 3, 1), message_id="M1")
    second = alloc(end=D(2025, 9, 30), message_date=D(2025, 3, 2), message_id="M0", file="b.xml")
    res = resolve_allocations([second, first], [])
    assert [r.end for r in res.standing] == [D(2025, 9, 30)]
    assert res.issues == [Issue("b.xml", "two versions of this allocation have the same Toewijzingsdatum and -tijd "
                                "but differ; the later message (Dagtekening, Identificatie) wins", "warning",
                                None, "/Bericht/M0", "Toewijzingstijd", "2025-03-01 09:00:00", "interventions",
                                "duplicate")]


def test_same_moment_and_same_content_is_no_warning() -> None:
    res = resolve_allocations([alloc(message_id="M1"), alloc(message_id="M2")], [])
    assert res.issues == [] and len(res.standing) == 1


def test_different_moments_with_different_content_is_no_warning() -> None:
    res = resolve_allocations([alloc(), alloc(at=T(10), end=D(2025, 12, 31), message_id="M2")], [])
    assert res.issues == [] and [r.end for r in res.standing] == [D(2025, 12, 31)]


def test_only_the_last_two_versions_are_compared() -> None:
    # versions at 09:00 (differs), 10:00 and 10:00 (identical): the two latest agree, so no warning
    vs = [alloc(end=D(2025, 5, 31)), alloc(at=T(10), message_id="M2"), alloc(at=T(10), message_id="M3")]
    assert resolve_allocations(vs, []).issues == []


@pytest.mark.parametrize(("bsn", "agb"), [("999996770", "41000001"), ("999900006", "41000002")])
def test_a_number_reused_for_another_client_or_provider_is_warned(bsn: str, agb: str) -> None:
    other = alloc(on=D(2025, 4, 1), bsn=bsn, agb=agb, message_id="M2", file="later.xml")
    res = resolve_allocations([alloc(), other], [])
    assert [r.allocation for r in res.standing] == [other]
    assert res.issues == [Issue("later.xml", "ToewijzingNummer reused for another client or provider; the latest "
                                "version wins", "warning", None, "/Bericht/M2", "ToewijzingNummer", "1001",
                                "interventions", "duplicate")]


def test_a_deletion_wins_and_is_listed_and_kept_in_the_ledger() -> None:
    original = alloc()
    deletion = alloc(on=D(2025, 3, 2), start=D(2025, 3, 3), end=D(2025, 3, 3), reason="13", message_id="M2")
    other = alloc(number="1002")
    res = resolve_allocations([deletion, other, original], [])
    assert res.deleted == [KEY]
    assert [r.allocation.number for r in res.standing] == ["1002"]
    assert res.ledger == [deletion, other]  # sorted by key


# --- versions held by the store -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("deleted", "what"), [(False, "the store holds a newer version"),
                                               (True, "the store holds its deletion")])
def test_an_older_batch_version_than_the_store_is_ignored(deleted: bool, what: str) -> None:
    held = stored(on=D(2025, 4, 1), at=T(8), message_id="M9", deleted=deleted)
    res = resolve_allocations([alloc()], [], stored={"jw-0599-1001": held})
    assert res.standing == [] and res.ledger == [] and res.deleted == []
    assert res.issues == [Issue("301.xml", f"older than the allocation's version in the store ({what}: "
                                "Toewijzingsdatum 2025-04-01 08:00:00, message M9); ignored", "warning", None,
                                "/Bericht/M1", "Toewijzingsdatum", "2025-03-01 09:00:00", "interventions",
                                "superseded")]


def test_the_same_version_as_the_store_stands() -> None:
    res = resolve_allocations([alloc()], [], stored={"jw-0599-1001": stored()})
    assert len(res.standing) == 1 and res.ledger == [alloc()] and res.issues == []


def test_a_newer_batch_version_than_the_store_stands() -> None:
    res = resolve_allocations([alloc(on=D(2025, 5, 1))], [], stored={"jw-0599-1001": stored(deleted=True)})
    assert len(res.standing) == 1 and res.issues == []


# --- starts and stops -----------------------------------------------------------------------------------------------
def test_earliest_start_and_the_stop_of_the_latest_start() -> None:
    ds = [delivery("start", begin=D(2025, 4, 1), message_id="S2"), delivery("start", begin=D(2025, 3, 5)),
          delivery("stop", begin=D(2025, 3, 5), end=D(2025, 3, 31), message_id="T1", file="307.xml"),
          delivery("stop", begin=D(2025, 4, 1), end=D(2025, 6, 30), message_id="T2", file="307.xml")]
    res = resolve_allocations([alloc(end=None)], ds)
    assert [period(r) for r in res.standing] == [(D(2025, 3, 5), D(2025, 6, 30), True)] and res.issues == []


def test_a_stop_of_an_earlier_start_only_leaves_the_allocation_end() -> None:
    ds = [delivery("start", begin=D(2025, 3, 5)), delivery("start", begin=D(2025, 4, 1), message_id="S2"),
          delivery("stop", begin=D(2025, 3, 5), end=D(2025, 3, 31), message_id="T1")]
    [r] = resolve_allocations([alloc()], ds).standing
    assert period(r) == (D(2025, 3, 5), D(2025, 8, 31), True)


def test_a_start_without_a_stop_on_an_open_allocation_stays_open() -> None:
    [r] = resolve_allocations([alloc(end=None)], [delivery("start")]).standing
    assert period(r) == (D(2025, 3, 5), None, True)


def test_a_stop_before_its_start_ends_on_the_start() -> None:
    ds = [delivery("start", begin=D(2025, 5, 1)), delivery("stop", begin=D(2025, 5, 1), end=D(2025, 4, 15))]
    [r] = resolve_allocations([alloc()], ds).standing
    assert period(r) == (D(2025, 5, 1), D(2025, 5, 1), True)


def test_without_a_start_the_allocation_period_is_used() -> None:
    [r] = resolve_allocations([alloc()], []).standing
    assert period(r) == (D(2025, 3, 3), D(2025, 8, 31), False)


def test_the_latest_correction_of_a_stop_wins() -> None:
    ds = [delivery("start"),
          delivery("stop", end=D(2025, 6, 30), message_date=D(2025, 7, 1), message_id="T1"),
          delivery("stop", end=D(2025, 5, 31), message_date=D(2025, 7, 5), message_id="T2")]
    [r] = resolve_allocations([alloc()], list(reversed(ds))).standing
    assert r.end == D(2025, 5, 31)


@pytest.mark.parametrize(("withdrawn_on", "stands"), [
    (D(2025, 3, 6), False),   # same Dagtekening as the start: withdrawn
    (D(2025, 3, 7), False),   # later: withdrawn
    (D(2025, 3, 5), True),    # earlier than the start it would withdraw: the start stands
])
def test_status_3_withdraws_a_start_of_the_same_or_an_earlier_day(withdrawn_on: dt.date, stands: bool) -> None:
    ds = [delivery("start"), delivery("start", status="3", message_date=withdrawn_on, message_id="S3")]
    [r] = resolve_allocations([alloc()], ds).standing
    assert r.started is stands
    assert r.start == (D(2025, 3, 5) if stands else D(2025, 3, 3))


def test_a_lone_withdrawal_is_no_start() -> None:
    [r] = resolve_allocations([alloc()], [delivery("start", status="3")]).standing
    assert r.started is False


# --- deliveries that match no standing allocation -------------------------------------------------------------------
def test_a_delivery_without_toewijzingnummer_is_a_tr019_warning_and_ignored() -> None:
    res = resolve_allocations([alloc()], [delivery("start", number=None, begin=D(2025, 3, 4), file="305b.xml"),
                                          delivery("stop", number=None, end=D(2025, 3, 10), file="307b.xml")])
    [r] = res.standing
    assert period(r) == (D(2025, 3, 3), D(2025, 8, 31), False)
    assert res.issues == [
        Issue(f, f"{k} without ToewijzingNummer cannot be matched to an allocation (TR019); ignored", "warning",
              None, "/Bericht/S1", "ToewijzingNummer", None, "interventions", "reference")
        for k, f in (("start", "305b.xml"), ("stop", "307b.xml"))]


def test_a_delivery_for_an_allocation_deleted_in_the_batch_is_dropped_silently() -> None:
    deletion = alloc(end=D(2025, 3, 3), reason="13")
    res = resolve_allocations([deletion], [delivery("start"), delivery("stop", end=D(2025, 4, 1))])
    assert res.standing == [] and res.issues == [] and res.deleted == [KEY]


def test_a_delivery_for_an_allocation_the_store_deleted_is_a_warning() -> None:
    res = resolve_allocations([], [delivery("start")], stored={"jw-0599-1001": stored(deleted=True)})
    assert res.issues == [Issue("305.xml", "start for an allocation the store holds as deleted; ignored", "warning",
                                None, "/Bericht/S1", "ToewijzingNummer", "1001", "interventions", "reference")]


def test_a_delivery_for_an_allocation_only_in_the_store_is_a_warning() -> None:
    res = resolve_allocations([], [delivery("stop", end=D(2025, 4, 1))], known_interventions=frozenset({
        allocation_id(KEY)}), stored={"jw-0599-1001": stored()})
    assert res.issues == [Issue("305.xml", "applies to an allocation that is only in the store; send its 301 in "
                                "the same batch to update it; ignored", "warning", None, "/Bericht/S1",
                                "ToewijzingNummer", "1001", "interventions", "reference")]


def test_a_delivery_for_an_unknown_allocation_is_an_error() -> None:
    res = resolve_allocations([alloc(number="1002")], [delivery("start")], known_interventions=frozenset({"x"}))
    assert [r.allocation.number for r in res.standing] == ["1002"]
    assert res.issues == [Issue("305.xml", "start for an allocation that is in no 301 of the input nor in the store",
                                "error", None, "/Bericht/S1", "ToewijzingNummer", "1001", "interventions",
                                "reference")]


def test_results_are_immutable_values() -> None:
    [r] = resolve_allocations([alloc()], []).standing
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.started = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored().deleted = True  # type: ignore[misc]
    assert allocation_id(("wmo", "0363", "77")) == "wmo-0363-77"
