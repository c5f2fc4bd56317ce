"""Liveness and readiness (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServicesDep, call
from caregraph.services.models import HealthStatus

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthStatus)
async def health(services: ServicesDep) -> HealthStatus:
    """The process is up."""
    return await call(services.health)


@router.get("/ready", response_model=HealthStatus,
            responses={503: {"model": HealthStatus, "description": "The store is not reachable."}})
async def ready(services: ServicesDep) -> JSONResponse:
    """The store answers (503 with ``Retry-After`` when it does not)."""
    status = await call(services.ready)
    if status.status == "ok":
        return JSONResponse(status.model_dump(exclude_none=True))
    return JSONResponse(status.model_dump(exclude_none=True), status_code=503, headers={"Retry-After": "5"})
