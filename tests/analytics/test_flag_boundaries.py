"""The flag rules at their boundaries, with hand-computed answers.

Each case is small enough to check by hand: the exact threshold (``>=`` and not ``>``), counts of *distinct*
professionals and agencies, the joins (a household present in only one side of a rule), the severity, and the
evidence fields a coordinator reads (agency and domain lists, overlap periods). As of 2024-06-30 throughout.
"""

from __future__ import annotations

import dataclasses
import importlib
from datetime import date
from typing import Any

import pytest

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.conflicting import RULE as CONFLICTING
from analytics.flags.conflicting import conflicting_interventions
from analytics.flags.missing_regisseur import RULE as MISSING
from analytics.flags.missing_regisseur import missing_regisseur
from analytics.flags.overlapping import RULE as OVERLAPPING
from analytics.flags.overlapping import overlapping_interventions
from analytics.flags.rule import Rule
from analytics.flags.too_many_helpers import RULE as TOO_MANY
from analytics.flags.too_many_helpers import too_many_helpers
from analytics.tables_builder import build_tables

from .helpers import coord, iv, score

D = date(2024, 6, 30)


# --- the rule objects -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "name", "version", "thresholds"), [
    (TOO_MANY, "too_many_helpers", "1.0", {"helpers_attention": 4, "helpers_alarm": 8, "agencies_attention": 4,
                                    "agencies_alarm": 6, "problem_score_max": 2}),
    (OVERLAPPING, "overlapping_interventions", "1.1", {"overlap_min_days": 14}),
    (MISSING, "missing_regisseur", "1.0", {"regisseur_min_agencies": 2, "regisseur_min_problem_domains": 3,
                                    "problem_score_max": 2}),
    (CONFLICTING, "conflicting_interventions", "1.1", {"conflict_min_days": 1,
                                                "linked_domains": FlagConfig().linked_domains}),
])
def test_rule_identity_and_thresholds(rule: Rule, name: str, version: str, thresholds: dict[str, object]) -> None:
    assert (rule.name, rule.version, rule.subject_kind) == (name, version, "household")
    assert rule.thresholds(FlagConfig()) == thresholds


def test_a_result_carries_the_rule_identity_and_thresholds() -> None:
    t = build_tables(interventions=[iv("H1", f"P{i}", "A1") for i in range(4)])
    [r] = TOO_MANY(t, D, FlagConfig(helpers_alarm=9))
    assert (r.flag, r.rule_version, r.subject_kind, r.subject_id) == ("too_many_helpers", "1.0", "household", "H1")
    assert r.thresholds["helpers_alarm"] == 9


def test_rule_is_frozen_and_ignores_unknown_threshold_names() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TOO_MANY.name = "other"  # type: ignore[misc]
    odd = dataclasses.replace(OVERLAPPING, threshold_names=("overlap_min_days", "no_such_threshold"))
    assert odd.thresholds(FlagConfig(overlap_min_days=3)) == {"overlap_min_days": 3}


def test_one_rule_runs_as_one_query_without_temp_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # one rule is one query: the shared relations are CTEs of it (cheaper than building temp tables first; see
    # analytics/engine.py)
    engines: list[Engine] = []

    class Recording(Engine):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            engines.append(self)

    # the module by its path (the package also exports a function named ``rule``)
    monkeypatch.setattr(importlib.import_module("analytics.flags.rule"), "Engine", Recording)
    t = build_tables(interventions=[iv("H1", f"P{i}", "A1") for i in range(4)])
    assert [r.subject_id for r in TOO_MANY(t, D)] == ["H1"]
    assert [e.materialised for e in engines] == [False]


# --- too_many_helpers -----------------------------------------------------------------------------------------------
def test_helpers_are_counted_once_per_professional() -> None:
    # P1 has two active FIN interventions: 4 distinct professionals, 5 interventions, one agency
    rows = [iv("H1", "P1", "A1", start="2024-03-01"), iv("H1", "P1", "A1", start="2024-02-01"),
            iv("H1", "P2", "A1"), iv("H1", "P3", "A1"), iv("H1", "P4", "A1", d="HUI")]
    [r] = too_many_helpers(build_tables(interventions=rows), D)
    assert (r.severity, r.evidence["helpers"], r.evidence["agencies"]) == ("attention", 4, 1)
    assert r.evidence["helpers_by_domain"] == {"FIN": 3, "HUI": 1}
    assert r.evidence["intervention_ids"] == ["I1", "I2", "I3", "I4", "I5"]
    assert r.evidence["earliest_start"] == "2024-01-01"
    assert "4 hulpverleners van 1 organisaties" in r.explanation


def test_three_professionals_with_four_interventions_are_not_flagged() -> None:
    # 4 interventions at one agency, but only 3 distinct professionals and 1 distinct agency
    rows = [iv("H1", "P1", "A1"), iv("H1", "P1", "A1", d="HUI"), iv("H1", "P2", "A1"), iv("H1", "P3", "A1")]
    assert too_many_helpers(build_tables(interventions=rows), D) == []


def test_four_agencies_with_two_professionals_flag_by_agencies() -> None:
    # each professional worked for two agencies: H = 2 < 4 but A = 4 >= 4
    rows = [iv("H1", "P1", "A1"), iv("H1", "P1", "A2"), iv("H1", "P2", "A3"), iv("H1", "P2", "A4")]
    [r] = too_many_helpers(build_tables(interventions=rows), D)
    assert (r.severity, r.evidence["helpers"], r.evidence["agencies"]) == ("attention", 2, 4)
    assert r.evidence["agency_ids"] == ["A1", "A2", "A3", "A4"]
    assert r.evidence["professional_ids"] == ["P1", "P2"]
    assert too_many_helpers(build_tables(interventions=rows[:3]), D) == []  # 3 agencies


@pytest.mark.parametrize(("helpers", "agencies", "severity"), [
    (4, 1, "attention"),   # helpers exactly at attention
    (8, 1, "alarm"),       # helpers exactly at alarm
    (7, 1, "attention"),
    (6, 6, "alarm"),       # agencies exactly at alarm, helpers below
    (5, 5, "attention"),
])
def test_helpers_severity_boundaries(helpers: int, agencies: int, severity: str) -> None:
    rows = [iv("H1", f"P{i}", f"A{i % agencies}") for i in range(helpers)]
    [r] = too_many_helpers(build_tables(interventions=rows), D)
    assert (r.severity, r.evidence["helpers"], r.evidence["agencies"]) == (severity, helpers, agencies)


def test_helpers_per_problem_domain_counts_only_scores_at_most_the_max() -> None:
    rows = [iv("H1", f"P{i}", "A1") for i in range(4)]
    s = [score("H1", "FIN", 2, "2024-01-01"), score("H1", "HUI", 3, "2024-01-01"), score("H1", "GGZ", 4, "2024-01-01"),
         score("H2", "FIN", 1, "2024-01-01")]  # H2 is not flagged: its score does not count for H1
    [r] = too_many_helpers(build_tables(interventions=rows, assessments=s), D)
    assert (r.evidence["problem_domains"], r.evidence["helpers_per_problem_domain"]) == (1, 4.0)


def test_helpers_without_problem_domains() -> None:
    rows = [iv("H1", f"P{i}", "A1") for i in range(4)]
    [r] = too_many_helpers(build_tables(interventions=rows), D)
    assert r.evidence["problem_domains"] == 0
    assert r.evidence["helpers_per_problem_domain"] is None


# --- overlapping_interventions --------------------------------------------------------------------------------------
def test_overlap_exactly_the_minimum_days_with_different_starts_and_ends() -> None:
    # A1 from 2024-01-01 until 2024-12-31; A2 from 2024-06-17, open (read as 2024-06-30): 06-17..06-30 = 14 days
    rows = [iv("H1", "P1", "A1", start="2024-01-01", end="2024-12-31"), iv("H1", "P2", "A2", start="2024-06-17")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert r.severity == "attention"
    assert r.evidence["pair_count"] == 1 and r.evidence["domains"] == ["FIN"]
    [pair] = r.evidence["pairs"]
    assert (pair["overlap_start"], pair["overlap_end"], pair["overlap_days"]) == ("2024-06-17", "2024-06-30", 14)
    assert pair["agency_ids"] == ["A1", "A2"] and pair["intervention_ids"] == ["I1", "I2"]


def test_overlap_one_day_short_is_not_flagged() -> None:
    # 06-18..06-30 = 13 days; using the later end (12-31) or the earlier start (01-01) would pass the threshold
    rows = [iv("H1", "P1", "A1", start="2024-01-01", end="2024-12-31"), iv("H1", "P2", "A2", start="2024-06-18")]
    assert overlapping_interventions(build_tables(interventions=rows), D) == []


def test_overlap_pairs_stay_within_one_household() -> None:
    rows = [iv("H1", "P1", "A1"), iv("H2", "P2", "A2")]
    assert overlapping_interventions(build_tables(interventions=rows), D) == []


def test_overlap_explanation_names_the_longest_overlap() -> None:
    # FIN pair: 2024-01-01..06-30 = 182 days; HUI pair: 06-01..06-30 = 30 days
    rows = [iv("H1", "P1", "A1"), iv("H1", "P2", "A2"),
            iv("H1", "P3", "A1", d="HUI", start="2024-06-01"), iv("H1", "P4", "A3", d="HUI", start="2024-05-01")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert r.evidence["pair_count"] == 2 and r.evidence["domains"] == ["FIN", "HUI"]
    assert [p["overlap_days"] for p in r.evidence["pairs"]] == [182, 30]
    assert "de langste overlap is 182 dagen" in r.explanation
    assert "(FIN, HUI)" in r.explanation


# --- missing_regisseur ----------------------------------------------------------------------------------------------
def test_missing_regisseur_by_problem_domains_only() -> None:
    # three problem domains scored exactly 2 and no active intervention at all; a fourth domain is fine
    s = [score("H1", d, 2, "2024-01-01") for d in ("FIN", "HUI", "GGZ")] + [score("H1", "WRK", 4, "2024-01-01")]
    [r] = missing_regisseur(build_tables(assessments=s), D)
    assert (r.subject_id, r.severity) == ("H1", "attention")
    assert r.evidence == {"as_of": "2024-06-30", "agencies": 0, "agency_ids": [], "professional_ids": [],
                          "problem_domains": 3, "problem_domain_codes": ["FIN", "GGZ", "HUI"],
                          "active_coordinations": 0}
    assert missing_regisseur(build_tables(assessments=s[1:]), D) == []  # two problem domains


def test_missing_regisseur_by_agencies_only() -> None:
    rows = [iv("H1", "P1", "A1"), iv("H1", "P2", "A2", d="HUI"), iv("H1", "P3", "A2")]
    s = [score("H1", "FIN", 3, "2024-01-01"), score("H2", "FIN", 1, "2024-01-01")]
    [r] = missing_regisseur(build_tables(interventions=rows, assessments=s), D)
    assert (r.subject_id, r.severity) == ("H1", "attention")
    assert r.evidence == {"as_of": "2024-06-30", "agencies": 2, "agency_ids": ["A1", "A2"],
                          "professional_ids": ["P1", "P2", "P3"], "problem_domains": 0, "problem_domain_codes": [],
                          "active_coordinations": 0}


def test_missing_regisseur_two_households_each_from_one_side() -> None:
    # H1 needs one by its agencies (no scores), H2 by its problem domains (no interventions): both flagged, each
    # with its own evidence
    rows = [iv("H1", "P1", "A1"), iv("H1", "P2", "A2")]
    s = [score("H2", d, 1, "2024-01-01") for d in ("FIN", "HUI", "GGZ")]
    res = missing_regisseur(build_tables(interventions=rows, assessments=s), D)
    assert [(r.subject_id, r.evidence["agencies"], r.evidence["problem_domains"]) for r in res] == [
        ("H1", 2, 0), ("H2", 0, 3)]


def test_missing_regisseur_thresholds_of_one_count_absent_sides_as_zero() -> None:
    only_score = build_tables(assessments=[score("H1", "FIN", 2, "2024-01-01")])  # one problem domain
    only_iv = build_tables(interventions=[iv("H1", "P1", "A1")])
    assert missing_regisseur(only_score, D, FlagConfig(regisseur_min_agencies=1)) == []
    assert missing_regisseur(only_iv, D, FlagConfig(regisseur_min_problem_domains=1)) == []
    assert [r.evidence["agencies"] for r in missing_regisseur(only_iv, D, FlagConfig(regisseur_min_agencies=1))] == [1]


@pytest.mark.parametrize(("closed_on", "flagged"), [(None, True), ("2024-06-30", True), ("2024-06-29", False)])
def test_missing_regisseur_case_closed_on_the_as_of_date_still_counts(closed_on: str | None, flagged: bool) -> None:
    t = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A2")],
                     households=[dict(household_id="H1", closed_on=closed_on)])
    assert bool(missing_regisseur(t, D)) is flagged


def test_missing_regisseur_an_active_coordination_elsewhere_does_not_help() -> None:
    t = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A2")], coordinations=[coord("H2", "P1")])
    assert [r.subject_id for r in missing_regisseur(t, D)] == ["H1"]


# --- conflicting_interventions --------------------------------------------------------------------------------------
def _eviction(h: str = "H1", a: str = "WOON", **kw: object) -> dict[str, object]:
    return iv(h, "P1", a, d="HUI", kind="enforcement", action="eviction", **kw)


def test_conflict_overlap_period_uses_the_later_start_and_the_earlier_end() -> None:
    # eviction from 06-20 (open, read as 06-30); debt support from 01-01 until 12-31: 06-20..06-30 = 11 days
    rows = [_eviction(start="2024-06-20"), iv("H1", "P2", "SHV", start="2024-01-01", end="2024-12-31")]
    [r] = conflicting_interventions(build_tables(interventions=rows), D)
    assert r.severity == "alarm" and r.evidence["pair_count"] == 1
    [p] = r.evidence["pairs"]
    assert (p["overlap_start"], p["overlap_end"], p["overlap_days"]) == ("2024-06-20", "2024-06-30", 11)
    assert (p["enforcement_id"], p["support_id"], p["enforcement_agency_id"], p["support_agency_id"]) == (
        "I1", "I2", "WOON", "SHV")
    assert (p["enforcement_domain"], p["support_domain"]) == ("HUI", "FIN")
    cfg = FlagConfig(conflict_min_days=11)
    assert conflicting_interventions(build_tables(interventions=rows), D, cfg) != []
    assert conflicting_interventions(build_tables(interventions=rows), D, FlagConfig(conflict_min_days=12)) == []


def test_conflict_one_day_at_the_default_minimum() -> None:
    rows = [_eviction(start="2024-06-30"), iv("H1", "P2", "SHV")]
    [r] = conflicting_interventions(build_tables(interventions=rows), D)
    assert r.evidence["pairs"][0]["overlap_days"] == 1


def test_conflict_needs_the_same_household() -> None:
    rows = [_eviction("H1"), iv("H2", "P2", "SHV")]
    assert conflicting_interventions(build_tables(interventions=rows), D) == []


def test_conflict_without_linked_domains_flags_nothing() -> None:
    rows = [_eviction(), iv("H1", "P2", "SHV")]
    assert conflicting_interventions(build_tables(interventions=rows), D, FlagConfig(linked_domains={})) == []
