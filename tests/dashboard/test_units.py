"""Figure builders, CSV export, security headers and callback bodies, without a browser (real store behind)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import itsdangerous
import pytest
from pydantic import SecretStr

from caregraph.services.models import InterventionOut
from dashboard.app import create_dash
from dashboard.callbacks.cases import case_rows, fetch_cases
from dashboard.callbacks.context import DashContext
from dashboard.callbacks.household import household_outputs
from dashboard.callbacks.overview import TREND_MONTHS, overview_outputs, trend_output
from dashboard.csv_export import rows_to_csv
from dashboard.figures.timeline import gantt_figure, overlap_periods
from dashboard.session import session_secret
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
    tiles, by_district, _per_flag, _helpers = overview_outputs(ctx, p, AS_OF, None, "nl")
    values = {tile.id: tile.children[0].children for tile in tiles}
    # active households HH0001-HH0010 all have interventions; HH0004 and HH0008 have a regisseur → 20%
    assert values["kpi-active"] == "10" and values["kpi-share-regisseur"] == "20%"
    assert values["kpi-median-agencies"] == "2"  # agencies per household: 5,2,1,3,1,2,2,3,1,2
    assert {tr.name for tr in by_district.data} >= {"Te veel hulpverleners", "Bijtende interventies"}
    d2_tiles, only_d2, _f, _h = overview_outputs(ctx, p, AS_OF, "D2", "en")
    assert {y for tr in only_d2.data for y in tr.y} == {"Noord"}
    assert {tile.id: tile.children[0].children for tile in d2_tiles}["kpi-active"] == "3"
    trend = trend_output(ctx, p, AS_OF, None, "nl")
    assert len(trend.data[0].x) == TREND_MONTHS and trend.layout.title.text
    summaries, total = fetch_cases(ctx, p, as_of=AS_OF, district=None, flag=None, lang="nl")
    rows = case_rows(summaries, district_names={"D1": "Centrum"}, as_of=AS_OF, lang="nl")
    assert total == len(rows) and rows[0]["household_id"] == "HH0001" and rows[0]["helpers"] == 6
    assert rows[0]["domains"] == "FIN, GGZ, HUI, OPV" and rows[0]["regisseur"] == "nee"
    assert len({r["household_id"] for r in rows}) == len(rows)


def test_network_outputs_come_from_the_services(municipality: Municipality) -> None:
    p = municipality.services.authenticate(municipality.tokens["manager"])
    ov = municipality.services.agencies(p, as_of=AS_OF, min_shared=1)
    placed = [a for a in ov.agencies if a.degree is not None]
    assert placed and all(a.community is not None for a in placed)
    import dashboard

    assert not (Path(dashboard.__file__).parent / "network_measures.py").exists()


def test_suggestion_shows_the_reasons(municipality: Municipality) -> None:
    p = municipality.services.authenticate(municipality.tokens["coordinator"])
    detail = municipality.services.household(p, "HH0001", as_of=AS_OF)
    assert detail.regisseur.suggested_professional_id and detail.regisseur.reasons
    suggestion = household_outputs(detail, "nl")[5]
    text = str(suggestion)
    assert all(r in text for r in detail.regisseur.reasons) and "domeinen" in text


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


def test_session_secret_is_shared_by_processes_and_warns_when_unset(municipality: Municipality,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    settings = municipality.settings.model_copy(update={"session_secret": SecretStr("k" * 40)})
    one = create_dash(municipality.services, settings).server
    two = create_dash(municipality.services, settings).server  # another worker with the same settings
    cookie = one.session_interface.get_signing_serializer(one).dumps({"caregraph_token": "x"})
    assert two.session_interface.get_signing_serializer(two).loads(cookie) == {"caregraph_token": "x"}
    with caplog.at_level(logging.WARNING, logger="dashboard.session"):
        lone = create_dash(municipality.services, municipality.settings).server
    assert "CAREGRAPH_SESSION_SECRET is not set" in caplog.text
    with pytest.raises(itsdangerous.BadSignature):
        lone.session_interface.get_signing_serializer(lone).loads(cookie)
    with pytest.raises(ValueError, match="at least"):
        session_secret(municipality.settings.model_copy(update={"session_secret": SecretStr("short")}))


def test_overview_for_a_role_without_statistics(municipality: Municipality) -> None:
    ctx = DashContext(municipality.services, municipality.settings)
    p = municipality.services.authenticate(municipality.tokens["coordinator"])
    tiles, _by_district, _per_flag, helpers = overview_outputs(ctx, p, AS_OF, None, "nl")
    assert getattr(tiles[0], "id", None) == "kpi-flagged" and len(tiles) == 2
    assert "programmamanagers" in str(tiles[1]) and "—" not in str(tiles)
    assert helpers.layout.annotations[0].text.startswith("Alleen voor programmamanagers")
