"""The services layer, as the dashboard calls it: answers on the hand-built world, roles, caching."""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any

import pytest

from caregraph.auth import Principal, Role
from caregraph.services import CareServices, ForbiddenError, InvalidParameterError, NotFoundError
from graph.queries import ALL_QUERIES, Query
from graph.queries_household import HOUSEHOLD_INTERVENTIONS
from graph.store import GraphStore
from tests.services.world import AS_OF, World

MANAGER = Principal(username="m", role=Role.manager)
COORD = Principal(username="c", role=Role.coordinator, districts=frozenset({"D1"}))
COORD_PROF = Principal(username="p", role=Role.coordinator, professional_id="P4")
RESEARCHER = Principal(username="r", role=Role.researcher)
ADMIN = Principal(username="a", role=Role.admin)


def test_list_filters_and_pages(world: World) -> None:
    s = world.services
    page = s.list_households(MANAGER, as_of=AS_OF)
    assert [h.household_id for h in page.items] == ["H1", "H2", "H3", "H4"]
    h1 = page.items[0]
    assert (h1.helpers, h1.agencies, h1.active_interventions) == (3, 2, 3)  # I4 ended 2024-05-01
    assert page.items[3].helpers == 0
    assert [h.household_id for h in s.list_households(MANAGER, as_of=AS_OF, district="D2").items] == ["H3", "H4"]
    assert [h.household_id for h in s.list_households(MANAGER, as_of=AS_OF, min_helpers=3).items] == ["H1"]
    flagged = s.list_households(MANAGER, as_of=AS_OF, flag="overlapping_interventions")
    assert [h.household_id for h in flagged.items] == ["H1"]
    second = s.list_households(MANAGER, as_of=AS_OF, offset=1, limit=2)
    assert [h.household_id for h in second.items] == ["H2", "H3"] and second.total == 4
    # before H4 was opened it is not listed
    assert s.list_households(MANAGER, as_of=AS_OF.replace(year=2023)).total == 3
    with pytest.raises(InvalidParameterError) as e:
        s.list_households(MANAGER, limit=0)
    assert e.value.field == "limit"


def test_household_detail(world: World) -> None:
    d = world.services.household(COORD, "H1", as_of=AS_OF)
    assert [i.intervention_id for i in d.interventions if i.active] == ["I2", "I3", "I1"]
    assert {c.professional_id for c in d.regisseur.active} == {"P2", "P3"}
    assert {f.flag for f in d.flags} >= {"competing_regisseurs", "overlapping_interventions", "domino_risk",
                                         "conflicting_interventions"}
    ov = next(f for f in d.flags if f.flag == "overlapping_interventions")
    assert ov.evidence["pairs"][0]["intervention_ids"] == ["I1", "I3"]
    assert [a.score for a in d.assessments] == [1, 2]
    assert {p.professional_id for p in d.professionals} == {"P1", "P2", "P3", "P5"}


def test_detail_from_cypher_equals_detail_from_snapshot(world: World) -> None:
    s = world.services
    try:
        for hid in ("H1", "H2", "H3", "H4"):
            s.detail_source = "snapshot"
            a = s.household(COORD_PROF if hid == "H3" else COORD, hid, as_of=AS_OF) if hid != "H4" else None
            if a is None:
                continue
            s.detail_source = "cypher"
            b = s.household(COORD_PROF if hid == "H3" else COORD, hid, as_of=AS_OF)
            assert a == b, hid
    finally:
        s.detail_source = "snapshot"


def test_overlap_formula(world: World) -> None:
    s = world.services
    out = s.household_overlap(COORD, "H1", as_of=AS_OF)
    assert len(out.pairs) == 1
    p = out.pairs[0]
    # I1 (A1, from 2024-03-01) and I3 (A2, from 2024-02-01), both HUI and open: 2024-03-01 .. 2024-06-30
    assert (p.intervention_a, p.intervention_b, str(p.since), p.until, p.overlap_days) == (
        "I1", "I3", "2024-03-01", None, 122)
    assert s.household_overlap(COORD, "H1", as_of=AS_OF, min_days=123).pairs == []
    assert s.household_overlap(COORD, "H1", as_of=AS_OF.replace(month=3, day=5), min_days=1).pairs[0].overlap_days \
        == 5


def test_network(world: World) -> None:
    net = world.services.household_network(COORD, "H1", as_of=AS_OF)
    kinds = {n.kind for n in net.nodes}
    assert kinds == {"household", "member", "professional", "agency", "domain"}
    helps = [e for e in net.edges if e.kind == "helps"]
    assert {e.intervention_id for e in helps} == {"I1", "I2", "I3"}  # I4 ended
    assert next(e for e in helps if e.intervention_id == "I2").target == "member:M1"
    ids = {n.id for n in net.nodes}
    assert all(e.source in ids and e.target in ids for e in net.edges)
    full = world.services.household_network(COORD, "H1", as_of=AS_OF, include_ended=True)
    assert "I4" in {e.intervention_id for e in full.edges}


def test_linked_professional_scope(world: World) -> None:
    s = world.services
    assert s.household(COORD_PROF, "H3", as_of=AS_OF).household.household_id == "H3"
    with pytest.raises(ForbiddenError):
        s.household(COORD_PROF, "H1", as_of=AS_OF)


def test_roles_at_the_service_level(world: World) -> None:
    s = world.services
    for who in (MANAGER, RESEARCHER, ADMIN):
        with pytest.raises(ForbiddenError):
            s.household(who, "H1", as_of=AS_OF)
    with pytest.raises(ForbiddenError):
        s.export(MANAGER)
    with pytest.raises(ForbiddenError):
        s.list_households(RESEARCHER)
    with pytest.raises(ForbiddenError):
        s.network_statistics(ADMIN)
    with pytest.raises(NotFoundError):
        s.caseload(MANAGER, "P404", as_of=AS_OF)


def test_researchers_get_small_counts_suppressed(world: World) -> None:
    s = world.services
    m = s.flag_summary(MANAGER, as_of=AS_OF)
    r = s.flag_summary(RESEARCHER, as_of=AS_OF)
    assert all(row.households is not None for row in m.rows)
    assert all(row.households is None and row.suppressed for row in r.rows)  # every count here is below 5
    a = s.agencies(RESEARCHER, as_of=AS_OF)
    assert a.min_shared == 5 and a.pairs == []
    assert all(x.active_households is None for x in a.agencies)


def test_flag_trend_by_month(world: World) -> None:
    out = world.services.flag_summary(MANAGER, as_of=AS_OF, months=3, by_district=False)
    assert out.group_by == ["month"]
    assert sorted({r.month or "" for r in out.rows}) == ["2024-04", "2024-05", "2024-06"]
    june = {r.flag: r.households for r in out.rows if r.month == "2024-06"}
    assert june["overlapping_interventions"] == 1 and june["missing_regisseur"] == 2


def test_statistics_and_agencies(world: World) -> None:
    st = world.services.network_statistics(MANAGER, as_of=AS_OF)
    assert (st.households, st.active_households, st.active_interventions) == (4, 3, 7)
    assert st.helpers_histogram["2"] == 2 and st.helpers_histogram["3"] == 1
    ag = world.services.agencies(MANAGER, as_of=AS_OF)
    top = ag.pairs[0]
    assert (top.agency_a, top.agency_b, top.shared_households) == ("A1", "A2", 2)
    assert top.jaccard == pytest.approx(2 / 3, abs=1e-6)  # A1: H1,H2,H3; A2: H1,H2
    # active on 2024-06-30: A1 I1,I7,I8 (H1,H3,H2); A2 I2,I3,I5 (H1,H2); A3 only I4, ended 2024-05-01; A4 I6 (H3)
    active = {a.agency.agency_id: a.active_households for a in ag.agencies}
    assert (active["A1"], active["A2"], active["A3"], active["A4"]) == (3, 2, 0, 1)


def test_cache_builds_once_under_concurrency_and_invalidates(world: World) -> None:
    s: CareServices = world.services
    calls = {"n": 0}
    real = s.cache._snapshot

    def counting() -> object:
        calls["n"] += 1
        time.sleep(0.2)
        return real()

    s.cache._snapshot = counting  # type: ignore[assignment]
    try:
        s.invalidate()
        threads = [threading.Thread(target=s.list_households, args=(MANAGER,), kwargs={"as_of": AS_OF})
                   for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert calls["n"] == 1
        s.invalidate()
        s.list_households(MANAGER, as_of=AS_OF)
        assert calls["n"] == 2
    finally:
        s.cache._snapshot = real


def _run(st: GraphStore, q: Query) -> Any:
    return st.run(q, dict(q.params))


def test_household_queries_are_shared_cypher_and_fast(world: World) -> None:
    names = [n for n in ALL_QUERIES if n.startswith(("household_", "professional_interventions"))]
    assert len(names) >= 6
    for n in names:
        q = ALL_QUERIES[n]
        assert q.shared_violations() == [], n
        t0 = time.perf_counter()
        out = world.services.run_store(partial(_run, q=q))
        assert time.perf_counter() - t0 < 5.0, n
        assert tuple(out.column_names) == q.columns
    rows = world.services.run_store(lambda st: st.run(HOUSEHOLD_INTERVENTIONS, {"household_id": "H1"}))
    assert rows.column("intervention_id").to_pylist() == ["I1", "I2", "I3", "I4"]


def test_answers_from_memory_only_when_nothing_needs_building(world: World) -> None:
    s = world.services
    s.household(COORD, "H1", as_of=AS_OF)  # results and regisseur suggestions for AS_OF are built
    s.store()  # (building them may have taken longer than a ping interval on a busy machine)
    assert s.answers_from_memory(AS_OF)
    assert not s.answers_from_memory(AS_OF.replace(year=2019))  # not built: the thread pool builds it
    assert not s.answers_from_memory(AS_OF.replace(year=1800))  # invalid: the thread pool reports it
    s.handle.last_ok -= 60  # a ping is due: that is store work
    assert not s.answers_from_memory(AS_OF)
    s.store()
    assert s.answers_from_memory(AS_OF)
    s.detail_source = "cypher"
    try:
        assert not s.answers_from_memory(AS_OF)
    finally:
        s.detail_source = "snapshot"
