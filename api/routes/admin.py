"""User management and the audit log (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ID_PATTERN, PrincipalDep, ServicesDep, call
from api.problems import problem_responses
from caregraph.auth import Role
from caregraph.auth.models import AuditEntryOut, TokenIssued, UserOut
from caregraph.auth.users import USERNAME_PATTERN
from caregraph.services.models import Page

router = APIRouter(tags=["admin"])

_ID_LIST = Annotated[list[Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]], Field(max_length=1000)]


class NewUser(BaseModel):
    """A user to add; the response holds their first token (shown once)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "coord-noord", "role": "coordinator", "districts": ["D01"], "households": [],
         "token_days": 30}]})

    username: str = Field(pattern="^" + USERNAME_PATTERN.pattern + "$", max_length=64)
    role: Role
    districts: _ID_LIST = Field(default_factory=list)
    households: _ID_LIST = Field(default_factory=list)
    professional_id: str | None = Field(None, pattern=ID_PATTERN, max_length=64)
    token_days: float = Field(30.0, gt=0, le=3660)


@router.get("/users", response_model=list[UserOut], responses=problem_responses(401, 403, 429))
async def list_users(principal: PrincipalDep, services: ServicesDep) -> list[UserOut]:
    """Every user (never tokens or hashes)."""
    return await call(services.list_users, principal)


@router.post("/users", response_model=TokenIssued, status_code=201,
             responses=problem_responses(400, 401, 403, 413, 422, 429) | {409: {"description": "User exists"}})
async def add_user(body: NewUser, principal: PrincipalDep, services: ServicesDep) -> TokenIssued:
    """Add a user and issue their first token (returned once; only its hash is stored)."""
    return await call(services.add_user, principal, body.username, body.role.value, districts=body.districts,
                             households=body.households, professional_id=body.professional_id,
                             token_days=body.token_days)


@router.delete("/users/{username}", status_code=204, response_class=Response,
               responses=problem_responses(401, 403, 404, 422, 429))
async def revoke_user(
    username: Annotated[str, Path(pattern="^" + USERNAME_PATTERN.pattern + "$", max_length=64)],
    principal: PrincipalDep,
    services: ServicesDep,
) -> Response:
    """Deactivate a user and revoke all their tokens."""
    await call(services.revoke_user, principal, username)
    return Response(status_code=204)


@router.get("/audit", response_model=Page[AuditEntryOut], responses=problem_responses(401, 403, 422, 429))
async def audit_log(
    principal: PrincipalDep,
    services: ServicesDep,
    user: Annotated[str | None, Query(pattern="^" + USERNAME_PATTERN.pattern + "$", max_length=64,
                                      description="Only this user.", examples=["coord-noord"])] = None,
    household_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64, description="Only this household.",
                                              examples=["HH000001"])] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[AuditEntryOut]:
    """The audit log (oldest first), filtered by user and household."""
    return await call(services.audit_entries, principal, user=user, household_id=household_id, offset=offset,
                      limit=limit)
