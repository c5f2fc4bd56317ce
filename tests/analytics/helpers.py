"""Small builders for hand-made care graphs."""

from __future__ import annotations

from typing import Any

AS_OF = "2024-06-30"


def iv(h: str, p: str, a: str, d: str = "FIN", start: str = "2024-01-01", end: str | None = None,
       kind: str = "support", **kw: Any) -> dict[str, Any]:
    return dict(household_id=h, professional_id=p, agency_id=a, domain_code=d, start_date=start, end_date=end,
                kind=kind, **kw)


def score(h: str, d: str, s: int, on: str) -> dict[str, Any]:
    return dict(household_id=h, domain_code=d, score=s, assessed_on=on)


def coord(h: str, p: str, start: str = "2024-01-01", end: str | None = None) -> dict[str, Any]:
    return dict(household_id=h, professional_id=p, start_date=start, end_date=end)
