"""Agencies and co-involvement, flag summaries and network statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ID_PATTERN, AsOf, PrincipalDep, ServicesDep, call
from api.problems import problem_responses
from caregraph.services.models import AgencyOverview, FlagSummary, NetworkStatistics

router = APIRouter(tags=["aggregates"])

_ERR = problem_responses(401, 403, 422, 429, 503)


@router.get("/agencies", response_model=AgencyOverview, responses=_ERR)
async def agencies(
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: AsOf = None,
    min_shared: Annotated[int, Query(ge=1, le=1_000_000, description="Only pairs sharing at least this many "
                                                                      "households (researchers: at least 5).")] = 1,
) -> AgencyOverview:
    """Agencies with their active households, and which agencies are involved together (shared households,
    Jaccard)."""
    return await call(services.agencies, principal, as_of=as_of, min_shared=min_shared)


@router.get("/flags/summary", response_model=FlagSummary, responses=_ERR)
async def flag_summary(
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: AsOf = None,
    by_district: Annotated[bool, Query(description="Count per district.")] = True,
    months: Annotated[int, Query(ge=0, le=24, description="Also the n−1 month ends before (a trend).")] = 0,
) -> FlagSummary:
    """Households per flag, per district and month (researchers: counts under 5 suppressed)."""
    return await call(services.flag_summary, principal, as_of=as_of, by_district=by_district, months=months)


@router.get("/statistics", response_model=NetworkStatistics, responses=problem_responses(401, 403, 404, 422, 429, 503))
async def statistics(
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: AsOf = None,
    district: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64, description="Only this district.",
                                          examples=["D01"])] = None,
) -> NetworkStatistics:
    """Network statistics of the whole municipality, or of one district."""
    return await call(services.network_statistics, principal, as_of=as_of, district=district)
