"""Summaries, regisseur suggestion, consolidation, outcomes and network measures on small hand-built graphs."""

from __future__ import annotations

from datetime import date

from analytics.communities import components, louvain_communities
from analytics.outcomes import outcome_summary, outcome_view
from analytics.projection import projection_edges, projection_nodes
from analytics.regisseur import consolidation_candidates, suggest_regisseur
from analytics.summaries import district_summary, monthly_summary
from analytics.tables_builder import build_tables

from .helpers import coord, iv, score

D = date(2024, 6, 30)


def graph():  # type: ignore[no-untyped-def]
    rows = [iv("H1", f"P{i}", f"A{i}", d="FIN" if i < 2 else "HUI", start=f"2024-0{i + 1}-01") for i in range(4)]
    rows += [iv("H2", "P0", "A0"), iv("H2", "P1", "A1"), iv("H3", "P0", "A0", end="2024-03-31")]
    return build_tables(interventions=rows, coordinations=[coord("H2", "P0"), coord("H2", "P1")],
                        households=[dict(household_id="H3", district_id="D2")],
                        assessments=[score("H1", "FIN", 2, "2023-01-01"), score("H1", "FIN", 4, "2024-05-01")])


def test_district_and_monthly_summary() -> None:
    rows = {r["district_id"]: r for r in district_summary(graph(), D).to_pylist()}
    assert rows["D1"]["households"] == 2 and rows["D1"]["n_too_many_helpers"] == 1
    assert rows["D1"]["n_competing_regisseurs"] == 1 and rows["D2"]["active_households"] == 0
    months = monthly_summary(graph(), date(2024, 2, 1), date(2024, 6, 30))
    assert sorted(set(months.column("month_end").to_pylist()))[0] == date(2024, 2, 29)
    h1_tmh = {r["month_end"]: r["n_too_many_helpers"] for r in months.to_pylist() if r["district_id"] == "D1"}
    assert h1_tmh[date(2024, 3, 31)] == 0 and h1_tmh[date(2024, 4, 30)] == 1  # the 4th helper starts in April


def test_regisseur_suggestions_explain_themselves() -> None:
    s = {x.household_id: x for x in suggest_regisseur(graph(), D)}
    assert set(s) == {"H1", "H2"}
    assert s["H1"].flag == "missing_regisseur" and s["H1"].professional_id == "P0"  # longest involved, strong ties
    assert s["H2"].flag == "competing_regisseurs" and s["H2"].professional_id in ("P0", "P1")
    assert any("regisseur" in r for r in s["H2"].reasons) and len(s["H1"].reasons) == 3


def test_consolidation_candidates() -> None:
    c = consolidation_candidates(graph(), D)
    assert [(x.household_id, x.domain_code, x.professional_ids) for x in c] == [
        ("H1", "FIN", ["P0", "P1"]), ("H1", "HUI", ["P2", "P3"]), ("H2", "FIN", ["P0", "P1"])]


def test_outcome_view_and_summary() -> None:
    v = outcome_view(graph(), [D], period_days=365)
    r = {x["household_id"]: x for x in v.to_pylist()}
    assert r["H1"]["score_change"] == 2.0 and r["H2"]["score_change"] is None
    s = outcome_summary(v).to_pylist()
    assert s == [{"district_id": "D1", "period_end": D, "helper_band": "0", "households": 1,
                  "mean_score_change": 2.0, "mean_care_density": None, "share_with_regisseur": 0.0}]


def test_projection_nodes_and_communities() -> None:
    t = graph()
    nodes = {r["id"]: r for r in projection_nodes(t, D).to_pylist()}
    assert nodes["P0"]["households"] == 2 and nodes["P3"]["households"] == 1
    agency_edges = projection_edges(t, D, side="agency", min_shared=2).to_pylist()
    assert [(e["source"], e["target"], e["shared"]) for e in agency_edges] == [("A0", "A1", 2)]
    e = projection_edges(t, D)
    assert set(components(e).column("component").to_pylist()) == {0}
    assert louvain_communities(e).num_rows == 4
