"""Households: list, detail, network and overlap."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import ID_PATTERN, AsOf, HouseholdId, PrincipalDep, ServicesDep, call
from api.problems import problem_responses
from caregraph.services.models import (
    DistrictOut,
    HouseholdDetail,
    HouseholdOverlap,
    HouseholdSummary,
    Network,
    Page,
)

router = APIRouter(tags=["households"])

_ERR = problem_responses(401, 403, 404, 422, 429, 503)


@router.get("/districts", response_model=list[DistrictOut], responses=problem_responses(401, 403, 429, 503))
async def list_districts(principal: PrincipalDep, services: ServicesDep) -> list[DistrictOut]:
    """All districts (for filters)."""
    return await call(services.districts, principal)


@router.get("/households", response_model=Page[HouseholdSummary], responses=problem_responses(401, 403, 422, 429, 503))
async def list_households(
    principal: PrincipalDep,
    services: ServicesDep,
    district: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64, description="District id.",
                                          examples=["D01"])] = None,
    flag: Annotated[str | None, Query(pattern=r"^[a-z_]{1,64}$", description="Flag raised on the date.",
                                      examples=["too_many_helpers"])] = None,
    flagged: Annotated[bool | None, Query(description="true: households with any flag on the date; false: with "
                                                      "none.")] = None,
    min_helpers: Annotated[int | None, Query(ge=0, le=100_000, description="At least this many helpers.")] = None,
    max_helpers: Annotated[int | None, Query(ge=0, le=100_000, description="At most this many helpers.")] = None,
    sort: Annotated[Literal["household_id", "helpers_desc"], Query(description="Order: by id, or most helpers "
                                                                               "first.")] = "household_id",
    as_of: AsOf = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[HouseholdSummary]:
    """Households matching the filters (pseudonymous: no names, no postcodes), sorted by id, one page at a time.

    Managers see every household; coordinators only those in their districts or case assignments.
    """
    return await call(services.list_households, principal, district=district, flag=flag, flagged=flagged,
                      min_helpers=min_helpers, max_helpers=max_helpers, sort=sort, as_of=as_of, offset=offset,
                      limit=limit)


@router.get("/households/{household_id}", response_model=HouseholdDetail, responses=_ERR)
async def household_detail(
    household_id: HouseholdId, principal: PrincipalDep, services: ServicesDep, as_of: AsOf = None
) -> HouseholdDetail:
    """One household in full: members, professionals, agencies, interventions, regisseur, assessments and flags
    with their evidence. Coordinators only, for households in their scope; every read is audited."""
    return await call(services.household, principal, household_id, as_of=as_of,
                      inline=services.answers_from_memory(as_of))


@router.get("/households/{household_id}/network", response_model=Network, responses=_ERR)
async def household_network(
    household_id: HouseholdId,
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: AsOf = None,
    include_ended: Annotated[bool, Query(description="Also draw interventions that ended before the date.")] = False,
) -> Network:
    """The household's network as nodes and edges, for drawing."""
    return await call(services.household_network, principal, household_id, as_of=as_of, include_ended=include_ended,
                      inline=services.answers_from_memory(as_of))


@router.get("/households/{household_id}/overlap", response_model=HouseholdOverlap, responses=_ERR)
async def household_overlap(
    household_id: HouseholdId,
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: AsOf = None,
    min_days: Annotated[int | None, Query(ge=1, le=36_500, description="Minimum days of overlap "
                                                                       "(default: the flag threshold).")] = None,
) -> HouseholdOverlap:
    """Which interventions in this household overlap (same domain, different agencies), where, and since when."""
    return await call(services.household_overlap, principal, household_id, as_of=as_of, min_days=min_days,
                      inline=services.answers_from_memory(as_of))
