"""Invariants checked on random small graphs (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.care_density import care_density, care_density_table
from analytics.config import FlagConfig
from analytics.continuity import coc, continuity_table, fragmentation, hhi, secon, upc
from analytics.flags import evaluate_flags
from analytics.household_stats import household_statistics
from analytics.tables_builder import build_tables

from .strategies import BASE, assessment_rows, coordination_rows, intervention_rows

FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(st.lists(st.integers(0, 50), min_size=0, max_size=12))
def test_continuity_measures_in_unit_interval(counts: list[int]) -> None:
    for v in (coc(counts), upc(counts), hhi(counts), fragmentation(counts)):
        assert v is None or -1e-12 <= v <= 1 + 1e-12
    if sum(counts) >= 2:
        c, u = coc(counts), upc(counts)
        assert c is not None and u is not None
        assert (c == pytest.approx(1.0)) == (sum(1 for x in counts if x) == 1)


@given(st.lists(st.sampled_from("abc"), max_size=15))
def test_secon_in_unit_interval(seq: list[str]) -> None:
    v = secon(seq)
    assert v is None or 0 <= v <= 1


@FAST
@given(intervention_rows())
def test_vectorised_continuity_equals_the_definition(rows: list[dict[str, Any]]) -> None:
    t = build_tables(interventions=rows)
    got = {r["household_id"]: r for r in continuity_table(t, BASE).to_pylist()}
    for h in {r["household_id"] for r in rows}:
        mine = [r for r in rows if r["start_date"] <= BASE]
        mine = sorted((r for r in mine if r["household_id"] == h),
                      key=lambda r: (r["start_date"], int(r["intervention_id"][1:]) if "intervention_id" in r else 0))
        per: dict[str, int] = {}
        for r in mine:
            per[r["professional_id"]] = per.get(r["professional_id"], 0) + max(r["contact_count"] or 0, 0) + (
                1 if r["contact_count"] is None else 0)
        counts = list(per.values())
        if not mine:
            assert h not in got
            continue
        g = got[h]
        for name, f in (("coc", coc), ("upc", upc), ("hhi", hhi)):
            want = f(counts)
            assert (g[name] is None) == (want is None), name
            if want is not None:
                assert g[name] == pytest.approx(want), name
        assert g["coc"] is None or 0 <= g["coc"] <= 1
        assert g["upc"] is None or 0 <= g["upc"] <= 1
        assert g["secon"] is None or 0 <= g["secon"] <= 1


@FAST
@given(intervention_rows())
def test_vectorised_care_density_equals_the_definition(rows: list[dict[str, Any]]) -> None:
    t = build_tables(interventions=rows)
    active = [r for r in rows if r["start_date"] <= BASE and (r["end_date"] is None or r["end_date"] >= BASE)]
    sets: dict[str, set[str]] = {}
    for r in active:
        sets.setdefault(r["household_id"], set()).add(r["professional_id"])
    want = care_density(sets)  # type: ignore[arg-type]
    got = {r["household_id"]: r["care_density"] for r in care_density_table(t, BASE).to_pylist()}
    assert set(got) == set(want)
    for h, w in want.items():
        assert (got[h] is None) == (w is None)
        if w is not None:
            assert got[h] == pytest.approx(w)


def _relabel(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: (f"x{v[::-1]}_" if k in fields and v is not None else v) for k, v in r.items()} for r in rows]


@FAST
@given(intervention_rows(), assessment_rows(), coordination_rows())
def test_flags_and_stats_unchanged_when_ids_are_relabelled(ivs: list[dict[str, Any]], scores: list[dict[str, Any]],
                                                         coords: list[dict[str, Any]]) -> None:
    ids = ("household_id", "professional_id", "agency_id")
    t1 = build_tables(interventions=ivs, assessments=scores, coordinations=coords)
    t2 = build_tables(interventions=_relabel(ivs, ids), assessments=_relabel(scores, ids),
                      coordinations=_relabel(coords, ids))
    r1 = {(r.flag, f"x{r.subject_id[::-1]}_", r.severity, r.explanation) for r in evaluate_flags(t1, BASE)}
    r2 = {(r.flag, r.subject_id, r.severity, r.explanation) for r in evaluate_flags(t2, BASE)}
    assert r1 == r2
    def rows(t: Any) -> list[tuple[str, ...]]:
        stats = household_statistics(t, BASE).drop_columns(["household_id"]).to_pylist()
        return sorted(tuple(f"{v:.9f}" if isinstance(v, float) else str(v) for v in r.values()) for r in stats)

    assert rows(t1) == rows(t2)


MONOTONE = [  # (field, lower, higher): raising the threshold can only remove flags of that rule
    ("helpers_attention", 2, 4), ("agencies_attention", 2, 4), ("overlap_min_days", 1, 60),
    ("regisseur_min_agencies", 1, 3), ("regisseur_min_problem_domains", 1, 3), ("conflict_min_days", 1, 30),
    ("stagnation_min_helpers", 1, 4), ("stagnation_min_case_days", 30, 400), ("caseload_max", 1, 3),
]


@FAST
@given(intervention_rows(), assessment_rows(), coordination_rows(), st.sampled_from(MONOTONE))
def test_flags_monotone_in_thresholds(ivs: list[dict[str, Any]], scores: list[dict[str, Any]],
                                      coords: list[dict[str, Any]], case: tuple[str, int, int]) -> None:
    field, lo, hi = case
    t = build_tables(interventions=ivs, assessments=scores, coordinations=coords,
                     default_opened_on="2023-01-01")
    low_config: FlagConfig = replace(FlagConfig(), **{field: lo})  # type: ignore[arg-type]
    high_config: FlagConfig = replace(FlagConfig(), **{field: hi})  # type: ignore[arg-type]
    low = {(r.flag, r.subject_id) for r in evaluate_flags(t, BASE, low_config)}
    high = {(r.flag, r.subject_id) for r in evaluate_flags(t, BASE, high_config)}
    assert high <= low


@FAST
@given(intervention_rows(), assessment_rows())
def test_crisis_and_problem_score_monotone(ivs: list[dict[str, Any]], scores: list[dict[str, Any]]) -> None:
    t = build_tables(interventions=ivs, assessments=scores)
    strict = {r.subject_id for r in evaluate_flags(t, BASE, FlagConfig(domino_crisis_score=1), ["domino_risk"])}
    loose = {r.subject_id for r in evaluate_flags(t, BASE, FlagConfig(domino_crisis_score=2), ["domino_risk"])}
    assert strict <= loose
    s1 = {r.subject_id for r in evaluate_flags(t, BASE, FlagConfig(problem_score_max=1), ["missing_regisseur"])}
    s2 = {r.subject_id for r in evaluate_flags(t, BASE, FlagConfig(problem_score_max=3), ["missing_regisseur"])}
    assert s1 <= s2
