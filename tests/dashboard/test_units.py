"""Figure builders, CSV export, security headers and callback bodies, without a browser (real store behind)."""

from __future__ import annotations

import datetime as dt

from caregraph.services.models import InterventionOut
from dashboard.app import create_dash
from dashboard.callbacks.cases import case_rows, fetch_cases
from dashboard.callbacks.context import DashContext
from dashboard.callbacks.household import household_outputs
from dashboard.callbacks.overview import overview_outputs
from dashboard.csv_export import rows_to_csv
from dashboard.figures.timeline import gantt_figure, overlap_periods
from tests.dashboard.municipality import AS_OF, Municipality

D = dt.date


def _iv(i: str, domain: str, start: dt.date, end: dt.date | None) -> InterventionOut:
    return InterventionOut(intervention_id=i, professional_id="P", agency_id="A", domain_code=domain,
                           kind="support", start_date=start, end_date=end, active=end is None)


def test_gantt_marks_overlap_and_gap_and_has_titles() -> None:
    ivs = [_iv("a", "FIN", D(2024, 1, 1), D(2024, 3, 31)), _iv("b", "FIN", D(2024, 3, 1), D(2024, 4, 30)),
           _iv("c", "FIN", D(2024, 7, 1), None), _iv("d", "HUI", D(2024, 1, 1), None)]
    fig = gantt_figure(ivs, agencies={}, professional_names={}, as_of=D(2024, 12, 31))
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.line.dash == "dot"]
    assert [(r.x0, r.x1) for r in rects] == [("2024-03-01", "2024-04-01")]
    assert [(g.x0, g.x1) for g in lines] == [("2024-05-01", "2024-07-01")]
    assert all(tr.hovertext for tr in fig.data)


def test_overlap_needs_two_at_once() -> None:
    assert overlap_periods([(D(2024, 1, 1), D(2024, 1, 5)), (D(2024, 1, 6), D(2024, 1, 9))]) == []


def test_csv_neutralises_formulas() -> None:
    text = rows_to_csv([{"a": "=cmd|' /C calc'!A0", "b": "+1", "c": "@x", "d": 5}],
                       [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])
    assert text.splitlines()[1] == "'=cmd|' /C calc'!A0,'+1,'@x,5"


def test_overview_and_cases_for_manager(municipality: Municipality) -> None:
    ctx = DashContext(municipality.services, municipality.settings)
    p = municipality.services.authenticate(municipality.tokens["manager"])
    tiles, by_district, _per_flag, _trend, _helpers = overview_outputs(ctx, p, AS_OF, None, "nl")
    assert len(tiles) == 5
    assert {tr.name for tr in by_district.data} >= {"Te veel hulpverleners", "Bijtende interventies"}
    only_d2 = overview_outputs(ctx, p, AS_OF, "D2", "en")[1]
    assert {y for tr in only_d2.data for y in tr.y} == {"Noord"}
    summaries, cut = fetch_cases(ctx, p, as_of=AS_OF, district=None, flag=None, lang="nl")
    rows = case_rows(summaries, district_names={"D1": "Centrum"}, as_of=AS_OF, lang="nl")
    assert not cut and rows[0]["household_id"] == "HH0001" and rows[0]["helpers"] == 6
    assert len({r["household_id"] for r in rows}) == len(rows)


def test_household_outputs_for_coordinator(municipality: Municipality) -> None:
    p = municipality.services.authenticate(municipality.tokens["coordinator"])
    detail = municipality.services.household(p, "HH0001", as_of=AS_OF)
    _header, elements, gantt, flags, scores, _suggestion, _members = household_outputs(detail, "nl")
    kinds = {e["data"].get("kind") for e in elements}
    assert {"household", "member", "professional", "agency", "domain"} <= kinds
    assert any(s.type == "rect" for s in gantt.layout.shapes)  # the two HUI/OPV overlaps
    assert "Te veel hulpverleners" in str(flags) and "Woonstad" in str(flags)
    assert scores.layout.yaxis.range == (0.5, 5.5)


def test_security_headers_on_index(municipality: Municipality) -> None:
    app = create_dash(municipality.services, municipality.settings, requests_pathname_prefix="/")
    r = app.server.test_client().get("/")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
