"""What the dashboard needs from the services: domains and regisseur per household, the any-flag filter and the
helpers sort, statistics per district (agencies, regisseur share), flag counts for trends, agency centrality and
communities, and the suggested regisseur's reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.flags import evaluate_flags
from analytics.summaries import trend_dates
from caregraph.auth import Principal, Role
from caregraph.services import NotFoundError
from caregraph.services.cache import AsOfResults, count_flags, counts_from_results
from tests.services.world import AS_OF, World

MANAGER = Principal(username="m", role=Role.manager)
COORD = Principal(username="c", role=Role.coordinator, districts=frozenset({"D1", "D2"}))


def test_summaries_carry_domains_and_regisseur(world: World) -> None:
    items = {h.household_id: h for h in world.services.list_households(MANAGER, as_of=AS_OF).items}
    assert items["H1"].domains == ["FIN", "HUI"]  # I4 (OPV) ended 2024-05-01
    assert items["H1"].has_regisseur is True  # P2 and P3 coordinate
    assert items["H3"].domains == ["HUI", "JUS"] and items["H3"].has_regisseur is False
    assert items["H4"].domains == [] and items["H4"].has_regisseur is False


def test_any_flag_filter_and_helpers_sort(world: World) -> None:
    s = world.services
    flags = evaluate_flags(s.cache.index().tables, AS_OF)
    expected = sorted({f.subject_id for f in flags if f.subject_kind == "household"})
    assert expected  # the world has flagged households
    got = s.list_households(MANAGER, as_of=AS_OF, flagged=True)
    assert [h.household_id for h in got.items] == expected and all(h.flags for h in got.items)
    unflagged = s.list_households(MANAGER, as_of=AS_OF, flagged=False)
    assert got.total + unflagged.total == s.list_households(MANAGER, as_of=AS_OF).total
    assert all(not h.flags for h in unflagged.items)
    by_helpers = s.list_households(MANAGER, as_of=AS_OF, sort="helpers_desc").items
    assert [h.helpers for h in by_helpers] == sorted((h.helpers for h in by_helpers), reverse=True)
    assert by_helpers[0].household_id == "H1"


def test_statistics_per_district(world: World) -> None:
    s = world.services
    whole = s.network_statistics(MANAGER, as_of=AS_OF)
    # active households H1 (2 agencies, regisseur), H2 (A1, A2), H3 (A1, A4): agencies 2, 2, 2; one of three
    # has a regisseur
    assert whole.district_id is None and whole.active_households == 3
    assert whole.agencies_per_household["median"] == 2.0
    assert whole.share_with_regisseur == pytest.approx(1 / 3, abs=1e-6)
    d2 = s.network_statistics(MANAGER, as_of=AS_OF, district="D2")
    assert (d2.district_id, d2.households, d2.active_households) == ("D2", 2, 1)
    assert (d2.professionals, d2.agencies, d2.active_interventions) == (2, 2, 2)  # H3: P4/A4, P1/A1
    assert d2.share_with_regisseur == 0.0 and d2.helpers_per_household["median"] == 2.0
    assert d2.measures.get("helpers_mean") is not None
    with pytest.raises(NotFoundError):
        s.network_statistics(MANAGER, as_of=AS_OF, district="D99")


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 3, 31), dt.date(2024, 5, 31)])
def test_light_flag_counts_equal_full_results(world: World, as_of: dt.date) -> None:
    s = world.services
    res = AsOfResults(s.cache.index(), as_of, s._config())
    assert count_flags(s.cache.index().tables, as_of, s._config()) == counts_from_results(res)


def test_trend_uses_per_date_counts_and_reuses_them(world: World) -> None:
    s = world.services
    s.invalidate()
    out = s.flag_summary(MANAGER, as_of=AS_OF, months=3, by_district=True)
    assert sorted({r.month for r in out.rows if r.month}) <= ["2024-04", "2024-05", "2024-06"]
    assert trend_dates(AS_OF, 3) == [dt.date(2024, 4, 30), dt.date(2024, 5, 31), AS_OF]
    for d in trend_dates(AS_OF, 3):
        assert d in s.cache._counts  # counted once, kept per date
    single = s.flag_summary(MANAGER, as_of=AS_OF, by_district=True)
    last = [r for r in out.rows if r.month == "2024-06"]
    assert [(r.flag, r.district_id, r.households) for r in last] == [
        (r.flag, r.district_id, r.households) for r in single.rows]


def test_agency_centrality_and_communities(world: World) -> None:
    ov = world.services.agencies(MANAGER, as_of=AS_OF)
    in_pairs = {p.agency_a for p in ov.pairs} | {p.agency_b for p in ov.pairs}
    assert in_pairs
    for a in ov.agencies:
        if a.agency.agency_id in in_pairs:
            assert a.degree is not None and a.betweenness is not None and a.community is not None
            assert 0.0 < a.degree <= 1.0
        else:
            assert a.degree is None and a.community is None
    # A1 is in every active household but H1 → it sits between the others
    best = max(ov.agencies, key=lambda a: a.betweenness or -1.0)
    assert best.agency.agency_id == "A1" or (best.betweenness or 0.0) == 0.0


def test_suggested_regisseur_has_reasons(world: World) -> None:
    d = world.services.household(COORD, "H1", as_of=AS_OF)
    reg = d.regisseur
    assert len(reg.active) == 2 and reg.suggested_professional_id in {"P1", "P2", "P3", "P5"}
    assert len(reg.reasons) >= 3 and "domeinen" in reg.reasons[0]
    assert reg.reason == "; ".join(reg.reasons) and reg.score is not None
