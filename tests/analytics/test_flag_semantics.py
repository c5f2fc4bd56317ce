"""The flag semantics every rule shares, pinned on hand-computed cases: conflicts by the same agency, which flags
apply to closed cases, stagnation needs two assessments, and overlap measured up to the as-of date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.config import FlagConfig
from analytics.engine import connect, date_literal
from analytics.flags import RULES, evaluate_flags
from analytics.flags.conflicting import conflicting_interventions
from analytics.flags.overlapping import overlapping_interventions
from analytics.flags.overloaded import overloaded_professional
from analytics.flags.stagnation import stagnation
from analytics.overlaps import overlap_days, overlap_days_sql
from analytics.tables_builder import build_tables

from .helpers import coord, iv, score

D = date(2024, 6, 30)


# --- conflicting interventions: any agency, the evidence says which --------------------------------------------------
def test_enforcement_during_support_of_the_same_agency_is_a_conflict() -> None:
    rows = [iv("H1", "P1", "SOZA", d="FIN", kind="enforcement", action="benefit_stop", start="2024-06-01"),
            iv("H1", "P2", "SOZA", d="FIN", start="2024-03-01")]
    [r] = conflicting_interventions(build_tables(interventions=rows), D)
    [pair] = r.evidence["pairs"]
    assert (pair["same_agency"], pair["enforcement_agency_id"], pair["support_agency_id"]) == (True, "SOZA", "SOZA")
    assert pair["overlap_days"] == 30  # 06-01 .. 06-30
    assert "dezelfde organisatie" in r.explanation


def test_conflict_evidence_tells_same_and_other_agencies_apart() -> None:
    rows = [iv("H1", "P1", "SOZA", d="FIN", kind="enforcement", action="benefit_stop"),
            iv("H1", "P2", "SOZA", d="FIN"), iv("H1", "P3", "SHV", d="WRK")]
    [r] = conflicting_interventions(build_tables(interventions=rows), D)
    assert [(p["support_agency_id"], p["same_agency"]) for p in r.evidence["pairs"]] == [("SOZA", True),
                                                                                          ("SHV", False)]
    assert "dezelfde en een andere organisatie" in r.explanation
    other = conflicting_interventions(build_tables(interventions=[rows[0], rows[2]]), D)
    assert [p["same_agency"] for p in other[0].evidence["pairs"]] == [False]
    assert "een andere organisatie" in other[0].explanation and "dezelfde" not in other[0].explanation


def test_same_agency_enforcement_needs_a_linked_domain_and_support() -> None:
    enf = iv("H1", "P1", "SOZA", d="FIN", kind="enforcement", action="benefit_stop")
    assert conflicting_interventions(build_tables(interventions=[enf, iv("H1", "P2", "SOZA", d="SOC")]), D) == []
    assert conflicting_interventions(build_tables(interventions=[
        enf, iv("H1", "P2", "SOZA", d="FIN", kind="assessment")]), D) == []


# --- closed cases --------------------------------------------------------------------------------------------------
def _closed_world(closed_on: str | None, opened_on: str = "2020-01-01"):  # type: ignore[no-untyped-def]
    """H1: four helpers of four agencies (two overlapping in FIN), an eviction during debt support, two regisseurs,
    a housing crisis, four helpers over a year without improvement (FIN assessed twice)."""
    rows = [iv("H1", "P1", "A1", d="FIN", start="2023-01-01"), iv("H1", "P2", "A2", d="FIN", start="2023-01-01"),
            iv("H1", "P3", "A3", d="HUI", kind="enforcement", action="eviction", start="2024-06-01"),
            iv("H1", "P4", "A4", d="GGZ", start="2023-01-01")]
    scores = [score("H1", "FIN", 2, "2023-01-01"), score("H1", "FIN", 2, "2024-06-01"),
              score("H1", "HUI", 1, "2024-06-01")]
    return build_tables(interventions=rows, assessments=scores,
                        coordinations=[coord("H1", "P1"), coord("H1", "P4")],
                        households=[dict(household_id="H1", opened_on=opened_on, closed_on=closed_on)])


HELP_FLAGS = {"too_many_helpers", "overlapping_interventions", "conflicting_interventions"}
CASE_FLAGS = {"competing_regisseurs", "domino_risk", "stagnation"}


@pytest.mark.parametrize(("closed_on", "opened_on", "case_open"), [
    (None, "2020-01-01", True),
    ("2024-06-30", "2020-01-01", True),    # closes on the as-of date: still open that day
    ("2024-06-29", "2020-01-01", False),   # closed the day before
    (None, "2024-07-01", False),           # opened after the as-of date
])
def test_closed_cases_count_help_but_not_coordination_or_progress(closed_on: str | None, opened_on: str,
                                                                  case_open: bool) -> None:
    cfg = FlagConfig(stagnation_min_case_days=0 if opened_on > "2024" else 365)
    got = {r.flag for r in evaluate_flags(_closed_world(closed_on, opened_on), D, cfg)}
    assert got & HELP_FLAGS == HELP_FLAGS  # the help a household receives counts whatever the case status
    assert got & CASE_FLAGS == (CASE_FLAGS if case_open else set())


def test_missing_regisseur_also_only_for_open_cases() -> None:
    rows = [iv("H1", "P1", "A1"), iv("H1", "P2", "A2")]
    for closed_on, flagged in ((None, True), ("2024-06-30", True), ("2024-06-29", False)):
        t = build_tables(interventions=rows, households=[dict(household_id="H1", closed_on=closed_on)])
        assert ("missing_regisseur" in {r.flag for r in evaluate_flags(t, D)}) is flagged, closed_on


def test_overloaded_professional_counts_active_help_in_closed_cases() -> None:
    rows = [iv(f"H{i}", "P1", "A1") for i in range(3)]
    t = build_tables(interventions=rows, households=[dict(household_id="H0", closed_on="2024-01-01")])
    [r] = overloaded_professional(t, D, FlagConfig(caseload_max=2))
    assert r.evidence["household_ids"] == ["H0", "H1", "H2"]


# --- stagnation needs two assessments of a domain --------------------------------------------------------------------
def _stagnating(scores: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    ivs = [iv("H1", f"P{i}", "A1", start="2023-01-01") for i in range(4)]
    return build_tables(interventions=ivs, assessments=scores,
                        households=[dict(household_id="H1", opened_on="2022-01-01")])


def test_one_assessment_is_not_stagnation() -> None:
    assert stagnation(_stagnating([score("H1", "FIN", 2, "2023-01-01")]), D) == []
    # one assessment in each of two domains: still no domain compared
    assert stagnation(_stagnating([score("H1", "FIN", 2, "2023-01-01"), score("H1", "HUI", 2, "2024-01-01")]),
                      D) == []
    # an assessment after the as-of date does not count as the second
    assert stagnation(_stagnating([score("H1", "FIN", 2, "2023-01-01"), score("H1", "FIN", 2, "2024-07-01")]),
                      D) == []


def test_two_assessments_of_a_domain_make_a_comparison() -> None:
    [r] = stagnation(_stagnating([score("H1", "FIN", 2, "2023-01-01"), score("H1", "FIN", 2, "2024-06-30"),
                                  score("H1", "HUI", 3, "2024-01-01")]), D)
    assert {d["domain_code"]: d["assessments"] for d in r.evidence["domain_scores"]} == {"FIN": 2, "HUI": 1}


# --- overlap up to the as-of date ------------------------------------------------------------------------------------
def test_planned_ends_beyond_as_of_count_only_up_to_as_of() -> None:
    # both planned to run to the end of the year: up to 06-30 they overlap 14 days (06-17 .. 06-30), not 198
    rows = [iv("H1", "P1", "A1", start="2024-06-01", end="2024-12-31"),
            iv("H1", "P2", "A2", start="2024-06-17", end="2024-12-31")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert (r.evidence["pairs"][0]["overlap_days"], r.evidence["pairs"][0]["overlap_end"]) == (14, "2024-06-30")
    later = [rows[0], iv("H1", "P2", "A2", start="2024-06-18", end="2024-12-31")]
    assert overlapping_interventions(build_tables(interventions=later), D) == []  # 13 days
    assert overlapping_interventions(build_tables(interventions=later), D + timedelta(days=1)) != []


def test_overlap_boundary_days() -> None:
    # a planned end on the as-of date itself: both days included
    rows = [iv("H1", "P1", "A1", start="2024-06-17", end="2024-06-30"), iv("H1", "P2", "A2", start="2024-01-01")]
    [r] = overlapping_interventions(build_tables(interventions=rows), D)
    assert r.evidence["pairs"][0]["overlap_days"] == 14
    assert overlapping_interventions(build_tables(interventions=rows), D + timedelta(days=1)) == []  # ended
    assert overlap_days(date(2024, 6, 30), None, date(2024, 6, 30), None, D) == 1
    assert overlap_days(date(2024, 6, 30), None, date(2024, 1, 1), date(2024, 6, 29), D) == 0


_days = st.integers(min_value=0, max_value=60).map(lambda n: date(2024, 5, 1) + timedelta(days=n))


@given(_days, st.none() | _days, _days, st.none() | _days, _days)
def test_sql_and_python_overlap_agree(sa: date, ea: date | None, sb: date, eb: date | None, as_of: date) -> None:
    def lit(d: date | None) -> str:
        return "CAST(NULL AS DATE)" if d is None else date_literal(d)

    con = connect()
    try:
        [(got,)] = con.sql(f"SELECT {overlap_days_sql(lit(sa), lit(ea), lit(sb), lit(eb), date_literal(as_of))}"
                           ).fetchall()
    finally:
        con.close()
    assert got == overlap_days(sa, ea, sb, eb, as_of)
    last = min(e for e in (ea, eb, as_of) if e is not None)
    assert max(got, 0) == sum(1 for n in range((as_of - date(2024, 5, 1)).days + 1)
                              if max(sa, sb) <= date(2024, 5, 1) + timedelta(days=n) <= last)  # counted one by one


def test_changed_rules_carry_a_new_version() -> None:
    assert {n: r.version for n, r in RULES.items()} == {
        "too_many_helpers": "1.0", "overlapping_interventions": "1.1", "missing_regisseur": "1.0",
        "competing_regisseurs": "1.1", "conflicting_interventions": "1.1", "domino_risk": "1.1",
        "stagnation": "1.1", "overloaded_professional": "1.0"}
