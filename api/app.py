"""The FastAPI application: routes under ``/api/v1``, ``/health`` and ``/ready``, problem details, OpenAPI at
``/docs``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.guard import API_PREFIX, ApiGuard
from api.problems import Problem, install_problem_handlers
from api.routes import admin, aggregates, files, health, households, overlap
from caregraph import __version__ as _version
from caregraph.services import CareServices

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["create_app", "API_PREFIX"]


_DESCRIPTION = """
Coordinators' and researchers' questions about networks of care, over HTTP.

**Authentication**: a bearer token (`Authorization: Bearer cg_…`) issued with `caregraph users token`.
**Roles** (deny by default): `manager` (aggregates and pseudonymised case lists), `coordinator` (full household detail
for the districts and case assignments they hold), `researcher` (pseudonymised exports and statistics),
`admin` (ingest and user management). Every read of household-level data is written to the audit log.
**Errors** are RFC 9457 problem details (`application/problem+json`); 503 carries `Retry-After`.
"""


def create_app(settings: Settings | None = None, *, services: CareServices | None = None) -> FastAPI:
    """The API application.

    Parameters
    ----------
    settings
        Configuration (default: :func:`foundation.settings.get_settings`); ignored when ``services`` is given.
    services
        The services to serve (tests and :mod:`caregraph.serve` pass theirs, shared with the dashboard).
    """
    if services is None:
        from foundation.settings import get_settings

        services = CareServices.from_settings(settings or get_settings())
    app = FastAPI(
        title="caregraph API",
        version=_version,
        description=_DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    install_problem_handlers(app)
    app.add_middleware(ApiGuard, authenticate=services.authenticate, max_body_bytes=services.settings.max_body_bytes,
                       max_upload_bytes=services.max_upload_bytes)
    app.include_router(health.router)
    for r in (households.router, overlap.router, aggregates.router, files.router, admin.router):
        app.include_router(r, prefix=API_PREFIX)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in list(comps["Problem"].pop("$defs", {}).items()):
            comps.setdefault(name, sub)
        # FastAPI's own 422 schema is replaced by the problem schema (that is what the handler returns).
        for path in schema.get("paths", {}).values():
            for op in path.values():
                resp = op.get("responses", {}).get("422")
                if resp is not None and "application/json" in resp.get("content", {}):
                    resp["content"] = {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
