"""Every flag rule on small hand-built graphs with hand-computed answers, at the edges of each rule."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.config import FlagConfig
from analytics.flags import FLAG_NAMES, RULES, evaluate_flags, evaluate_flags_table, flags_to_table
from analytics.flags.competing_regisseurs import competing_regisseurs
from analytics.flags.conflicting import conflicting_interventions
from analytics.flags.domino import domino_risk
from analytics.flags.missing_regisseur import missing_regisseur
from analytics.flags.overlapping import overlapping_interventions
from analytics.flags.overloaded import overloaded_professional
from analytics.flags.stagnation import stagnation
from analytics.flags.too_many_helpers import too_many_helpers
from analytics.results import table_to_flags
from analytics.tables_builder import build_tables

from .helpers import coord, iv, score

D = date(2024, 6, 30)


def helpers_hh(n: int, agencies: int | None = None, h: str = "H1") -> list[dict[str, object]]:
    return [iv(h, f"{h}P{i}", f"A{i % (agencies or n)}") for i in range(n)]


# --- too_many_helpers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "agencies", "expected"), [
    (3, 3, None), (4, 1, "attention"), (7, 2, "attention"), (8, 2, "alarm"), (6, 6, "alarm"), (5, 5, "attention"),
])
def test_too_many_helpers_thresholds(n: int, agencies: int, expected: str | None) -> None:
    res = too_many_helpers(build_tables(interventions=helpers_hh(n, agencies)), D)
    assert [r.severity for r in res] == ([expected] if expected else [])
    if res:
        assert res[0].evidence["helpers"] == n and res[0].evidence["agencies"] == agencies
        assert res[0].thresholds["helpers_attention"] == 4
        assert "4 hulpverleners" in res[0].explanation or str(n) in res[0].explanation


def test_too_many_helpers_activity_edges() -> None:
    rows = [iv("H1", "P1", "A1", end=None),            # open-ended: counts
            iv("H1", "P2", "A1", end="2024-06-30"),    # ends on as_of: counts
            iv("H1", "P3", "A1", start="2024-06-30"),  # starts on as_of: counts
            iv("H1", "P4", "A1", start="2024-07-01"),  # starts after: does not count
            iv("H1", "P5", "A1", end="2024-06-29"),    # ended before: does not count
            iv("H1", "P1", "A2", d="HUI")]             # same professional again (other agency): counts once
    [r] = too_many_helpers(build_tables(interventions=rows), D, FlagConfig(helpers_attention=3))
    assert r.evidence["professional_ids"] == ["P1", "P2", "P3"]
    assert r.evidence["agencies"] == 2
    assert r.evidence["helpers_by_domain"] == {"FIN": 3, "HUI": 1}
    assert too_many_helpers(build_tables(interventions=rows), D) == []


def test_too_many_helpers_per_problem_domain() -> None:
    t = build_tables(interventions=helpers_hh(4), assessments=[score("H1", "FIN", 2, "2024-01-01"),
                                                              score("H1", "HUI", 1, "2024-01-01"),
                                                              score("H1", "GGZ", 4, "2024-01-01")])
    [r] = too_many_helpers(t, D)
    assert r.evidence["problem_domains"] == 2 and r.evidence["helpers_per_problem_domain"] == 2.0


# --- overlapping_interventions ------------------------------------------------------------------------------------
def test_overlap_one_day() -> None:
    rows = [iv("H1", "P1", "A1", start="2024-01-01", end="2024-06-30"), iv("H1", "P2", "A2", start="2024-06-30")]
    t = build_tables(interventions=rows)
    [r] = overlapping_interventions(t, D, FlagConfig(overlap_min_days=1))
    assert r.evidence["pairs"][0]["overlap_days"] == 1
    assert r.evidence["pairs"][0]["overlap_start"] == r.evidence["pairs"][0]["overlap_end"] == "2024-06-30"
    assert overlapping_interventions(t, D, FlagConfig(overlap_min_days=2)) == []


def test_overlap_counts_planned_and_open_ends_up_to_as_of() -> None:
    rows = [iv("H1", "P1", "A1", start="2024-06-01", end="2024-12-31"), iv("H1", "P2", "A2", start="2024-06-10")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert r.evidence["pairs"][0]["overlap_days"] == 21  # 06-10 .. 06-30 (open end read as as_of)
    # both ends planned beyond as_of: still only up to as_of (the plans are not yet known to hold)
    planned = [rows[0], iv("H1", "P2", "A2", start="2024-06-10", end="2024-09-30")]
    [r] = overlapping_interventions(build_tables(interventions=planned), D)
    assert (r.evidence["pairs"][0]["overlap_days"], r.evidence["pairs"][0]["overlap_end"]) == (21, "2024-06-30")


@pytest.mark.parametrize(("a2", "d2", "m1", "m2", "flagged"), [
    ("A2", "FIN", None, None, True),
    ("A1", "FIN", None, None, False),    # same agency
    ("A2", "HUI", None, None, False),    # other domain
    ("A2", "FIN", "M1", "M2", False),    # two different members
    ("A2", "FIN", "M1", None, True),     # one for the whole household
    ("A2", "FIN", "M1", "M1", True),
])
def test_overlap_pair_conditions(a2: str, d2: str, m1: str | None, m2: str | None, flagged: bool) -> None:
    rows = [iv("H1", "P1", "A1", member_id=m1), iv("H1", "P2", a2, d=d2, member_id=m2)]
    members = [dict(member_id=m, household_id="H1") for m in {m1, m2} if m]
    assert bool(overlapping_interventions(build_tables(interventions=rows, members=members), D)) is flagged


def test_overlap_professional_who_changed_agency() -> None:
    # the same professional delivered FIN first for A1, then (after changing employer) for A2: two agencies
    rows = [iv("H1", "P1", "A1", start="2024-01-01"), iv("H1", "P1", "A2", start="2024-05-01")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert r.evidence["pairs"][0]["agency_ids"] == ["A1", "A2"]
    assert r.evidence["pairs"][0]["professional_ids"] == ["P1", "P1"]


# --- missing / competing regisseur --------------------------------------------------------------------------------
def test_missing_regisseur_agencies_threshold() -> None:
    one = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A1")])
    two = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A2")])
    assert missing_regisseur(one, D) == []
    [r] = missing_regisseur(two, D)
    assert r.evidence["agencies"] == 2 and r.district_id == "D1"


def test_missing_regisseur_problem_domains_use_latest_score() -> None:
    s = [score("H1", "FIN", 2, "2024-01-01"), score("H1", "HUI", 1, "2024-01-01"),
         score("H1", "GGZ", 2, "2024-01-01")]
    t = build_tables(interventions=[iv("H1", "P1", "A1")], assessments=s)
    [r] = missing_regisseur(t, D)
    assert r.evidence["problem_domain_codes"] == ["FIN", "GGZ", "HUI"]
    better = build_tables(interventions=[iv("H1", "P1", "A1")],
                          assessments=[*s, score("H1", "GGZ", 3, "2024-03-01")])
    assert missing_regisseur(better, D) == []
    later = build_tables(interventions=[iv("H1", "P1", "A1")],
                         assessments=[*s[:2], score("H1", "GGZ", 2, "2024-07-01")])
    assert missing_regisseur(later, D) == []  # an assessment after as_of does not count


@pytest.mark.parametrize(("end", "flagged"), [(None, False), ("2024-06-30", False), ("2024-06-29", True)])
def test_missing_regisseur_coordination_period(end: str | None, flagged: bool) -> None:
    t = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A2")],
                     coordinations=[coord("H1", "P1", end=end)])
    assert bool(missing_regisseur(t, D)) is flagged


def test_missing_regisseur_closed_case_is_not_flagged() -> None:
    rows = [iv("H1", "P1", "A1"), iv("H1", "P2", "A2")]
    closed = build_tables(interventions=rows, households=[dict(household_id="H1", closed_on="2024-06-29")])
    assert missing_regisseur(closed, D) == []


def test_competing_regisseurs_periods() -> None:
    t = build_tables(coordinations=[coord("H1", "P1"), coord("H1", "P2", end="2024-06-29"),
                                    coord("H2", "P1"), coord("H2", "P3", start="2024-06-30")])
    res = competing_regisseurs(t, D)
    assert [(r.subject_id, r.evidence["regisseurs"]) for r in res] == [("H2", 2)]


# --- conflicting_interventions ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("enf_dom", "sup_dom", "enf_agency", "sup_kind", "flagged"), [
    ("HUI", "FIN", "WOON", "support", True),
    ("GGZ", "HUI", "WOON", "support", True),    # only HUI -> GGZ is listed: read symmetrically
    ("HUI", "SOC", "WOON", "support", False),   # not linked
    ("HUI", "FIN", "SHV", "support", True),     # same agency: the household is hit either way
    ("HUI", "FIN", "WOON", "assessment", False),  # not support
])
def test_conflicting_conditions(enf_dom: str, sup_dom: str, enf_agency: str, sup_kind: str, flagged: bool) -> None:
    rows = [iv("H1", "P1", enf_agency, d=enf_dom, kind="enforcement", action="eviction"),
            iv("H1", "P2", "SHV", d=sup_dom, kind=sup_kind)]
    res = conflicting_interventions(build_tables(interventions=rows), D)
    assert bool(res) is flagged
    if res:
        assert res[0].severity == "alarm" and res[0].evidence["pairs"][0]["action"] == "eviction"
        assert res[0].evidence["pairs"][0]["same_agency"] is (enf_agency == "SHV")


def test_conflicting_custom_map_and_min_days() -> None:
    rows = [iv("H1", "P1", "A1", d="SOC", kind="enforcement", start="2024-06-20"), iv("H1", "P2", "A2", d="PAR")]
    t = build_tables(interventions=rows)
    assert conflicting_interventions(t, D) == []
    cfg = FlagConfig(linked_domains={"SOC": ("PAR",)}, conflict_min_days=11)
    [r] = conflicting_interventions(t, D, cfg)
    assert r.evidence["pairs"][0]["overlap_days"] == 11
    assert conflicting_interventions(t, D, FlagConfig(linked_domains={"SOC": ("PAR",)}, conflict_min_days=12)) == []


# --- domino_risk --------------------------------------------------------------------------------------------------
def test_domino_levels_and_custom_map() -> None:
    t = build_tables(assessments=[score("H1", "FIN", 1, "2024-01-01"), score("H2", "FIN", 2, "2024-01-01"),
                                  score("H3", "FIN", 1, "2024-01-01"), score("H3", "FIN", 3, "2024-06-30"),
                                  score("H4", "GGZ", 1, "2024-01-01")])
    assert [r.subject_id for r in domino_risk(t, D)] == ["H1"]
    cfg = FlagConfig(domino_dependencies={"GGZ": ("WRK",)}, domino_crisis_score=2)
    [r] = domino_risk(t, D, cfg)
    assert (r.subject_id, r.evidence["dependent_domains"]) == ("H4", ["WRK"])


# --- stagnation ---------------------------------------------------------------------------------------------------
def _stagnating(opened: str, scores: list[dict[str, object]], closed: str | None = None):  # type: ignore[no-untyped-def]
    ivs = [iv("H1", f"P{i}", "A1", start="2023-01-01") for i in range(4)]
    return build_tables(interventions=ivs, assessments=scores,
                        households=[dict(household_id="H1", opened_on=opened, closed_on=closed)])


def test_stagnation_case_age_exactly_at_threshold() -> None:
    s = [score("H1", "FIN", 2, "2023-01-01"), score("H1", "FIN", 2, "2024-06-01")]
    assert [r.evidence["case_days"] for r in stagnation(_stagnating("2023-07-01", s), D)] == [365]
    assert stagnation(_stagnating("2023-07-02", s), D) == []
    assert stagnation(_stagnating("2022-01-01", s, closed="2024-06-29"), D) == []


def test_stagnation_improvement() -> None:
    base = [score("H1", "FIN", 2, "2023-01-01")]
    assert stagnation(_stagnating("2022-01-01", [*base, score("H1", "FIN", 3, "2024-06-01")]), D) == []
    # worse in FIN and unchanged HUI: still no improvement
    worse = [*base, score("H1", "FIN", 1, "2024-06-01"), score("H1", "HUI", 3, "2024-01-01")]
    [r] = stagnation(_stagnating("2022-01-01", worse), D)
    assert {d["domain_code"]: (d["score_at_window_start"], d["score_now"]) for d in r.evidence["domain_scores"]} == {
        "FIN": (2, 1), "HUI": (3, 3)}
    # no score before the window start: the first score in the window is the base
    inside = [score("H1", "GGZ", 2, "2024-01-01"), score("H1", "GGZ", 3, "2024-05-01")]
    assert stagnation(_stagnating("2022-01-01", inside), D) == []
    assert stagnation(_stagnating("2022-01-01", []), D) == []  # no assessment at all: unassessed, not stagnating


# --- overloaded_professional --------------------------------------------------------------------------------------
def test_overloaded_threshold_and_agency_change() -> None:
    rows = [iv(f"H{i}", "P1", "A1" if i < 20 else "A2") for i in range(31)]
    [r] = overloaded_professional(build_tables(interventions=rows), D)
    assert (r.subject_kind, r.district_id, r.evidence["caseload"], r.evidence["agency_ids"]) == (
        "professional", None, 31, ["A1", "A2"])
    assert overloaded_professional(build_tables(interventions=rows[:30]), D) == []


# --- all together -------------------------------------------------------------------------------------------------
def test_evaluate_flags_selection_order_and_round_trip() -> None:
    rows = [*helpers_hh(4, 2), iv("H2", "P1", "A1", d="HUI", kind="enforcement"), iv("H2", "P2", "A2")]
    t = build_tables(interventions=rows, coordinations=[coord("H3", "X"), coord("H3", "Y")])
    res = evaluate_flags(t, D)
    assert [r.flag for r in res] == sorted((r.flag for r in res), key=FLAG_NAMES.index)
    assert {(r.flag, r.subject_id) for r in res} >= {("too_many_helpers", "H1"), ("competing_regisseurs", "H3"),
                                                    ("conflicting_interventions", "H2"), ("missing_regisseur", "H1")}
    assert [r.flag for r in evaluate_flags(t, D, flags=["competing_regisseurs"])] == ["competing_regisseurs"]
    assert table_to_flags(flags_to_table(res)) == res
    assert evaluate_flags_table(t, D, flags=[]).num_rows == 0
    with pytest.raises(KeyError, match="unknown flag"):
        evaluate_flags(t, D, flags=["nope"])
    assert all(r.explanation and r.rule_version == RULES[r.flag].version for r in res)
