"""Hypothesis strategies: small random care graphs around 2024-06-30."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

BASE = date(2024, 6, 30)
DOMAINS = ("FIN", "HUI", "GGZ", "OPV")


@st.composite
def intervention_rows(draw: st.DrawFn, max_rows: int = 25) -> list[dict[str, Any]]:
    n = draw(st.integers(0, max_rows))
    rows = []
    for _ in range(n):
        start = BASE - timedelta(days=draw(st.integers(-5, 400)))
        dur = draw(st.one_of(st.none(), st.integers(0, 400)))
        rows.append(dict(
            household_id=f"H{draw(st.integers(0, 4))}", professional_id=f"P{draw(st.integers(0, 7))}",
            agency_id=f"A{draw(st.integers(0, 4))}", domain_code=draw(st.sampled_from(DOMAINS)),
            kind=draw(st.sampled_from(("support", "support", "enforcement", "coordination"))),
            start_date=start, end_date=None if dur is None else start + timedelta(days=dur),
            contact_count=draw(st.one_of(st.none(), st.integers(0, 6)))))
    return rows


@st.composite
def assessment_rows(draw: st.DrawFn, max_rows: int = 15) -> list[dict[str, Any]]:
    n = draw(st.integers(0, max_rows))
    return [dict(household_id=f"H{draw(st.integers(0, 4))}", domain_code=draw(st.sampled_from(DOMAINS)),
                 score=draw(st.integers(1, 5)), assessed_on=BASE - timedelta(days=draw(st.integers(-10, 600))))
            for _ in range(n)]


@st.composite
def coordination_rows(draw: st.DrawFn, max_rows: int = 6) -> list[dict[str, Any]]:
    n = draw(st.integers(0, max_rows))
    out = []
    for _ in range(n):
        start = BASE - timedelta(days=draw(st.integers(-5, 300)))
        dur = draw(st.one_of(st.none(), st.integers(0, 300)))
        out.append(dict(household_id=f"H{draw(st.integers(0, 4))}", professional_id=f"P{draw(st.integers(0, 7))}",
                        start_date=start, end_date=None if dur is None else start + timedelta(days=dur)))
    return out
