"""Overlap between two households or two professionals, and a professional's caseload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ID_PATTERN, AsOf, PrincipalDep, ProfessionalId, ServicesDep, call
from api.problems import problem_responses
from caregraph.services.models import Caseload, HouseholdPairOverlap, ProfessionalPairOverlap

router = APIRouter(tags=["overlap"])

_ERR = problem_responses(401, 403, 404, 422, 429, 503)


def _id(desc: str, example: str) -> object:
    return Query(pattern=ID_PATTERN, max_length=64, description=desc, examples=[example])


@router.get("/overlap/households", response_model=HouseholdPairOverlap, responses=_ERR)
async def households_overlap(
    principal: PrincipalDep,
    services: ServicesDep,
    a: Annotated[str, _id("First household id.", "HH000001")],
    b: Annotated[str, _id("Second household id.", "HH000002")],
    as_of: AsOf = None,
) -> HouseholdPairOverlap:
    """Professionals and agencies active in both households (coordinators: both must be in scope)."""
    return await call(services.households_overlap, principal, a, b, as_of=as_of,
                      inline=services.answers_from_memory(as_of))


@router.get("/overlap/professionals", response_model=ProfessionalPairOverlap, responses=_ERR)
async def professionals_overlap(
    principal: PrincipalDep,
    services: ServicesDep,
    a: Annotated[str, _id("First professional id.", "P000001")],
    b: Annotated[str, _id("Second professional id.", "P000002")],
    as_of: AsOf = None,
) -> ProfessionalPairOverlap:
    """Households both professionals actively help (pseudonymous ids; coordinators see only their scope listed)."""
    return await call(services.professionals_overlap, principal, a, b, as_of=as_of)


@router.get("/professionals/{professional_id}/caseload", response_model=Caseload, responses=_ERR)
async def caseload(
    professional_id: ProfessionalId, principal: PrincipalDep, services: ServicesDep, as_of: AsOf = None
) -> Caseload:
    """A professional's active households and whether the caseload is above the threshold (name: coordinators)."""
    return await call(services.caseload, principal, professional_id, as_of=as_of)
