"""The FastAPI application: routes under ``/api/v1``, ``/health`` and ``/ready``, problem details, OpenAPI at
``/docs``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, install_problem_handlers, problem_response
from api.routes import admin, aggregates, files, health, households, overlap
from caregraph import __version__ as _version
from caregraph.services import CareServices

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["create_app", "API_PREFIX"]

API_PREFIX = "/api/v1"

_DESCRIPTION = """
Coordinators' and researchers' questions about networks of care, over HTTP.

**Authentication**: a bearer token (`Authorization: Bearer cg_…`) issued with `caregraph users token`.
**Roles** (deny by default): `manager` (aggregates and pseudonymised case lists), `coordinator` (full household detail
for the districts and case assignments they hold), `researcher` (pseudonymised exports and statistics),
`admin` (ingest and user management). Every read of household-level data is written to the audit log.
**Errors** are RFC 9457 problem details (`application/problem+json`); 503 carries `Retry-After`.
"""


_HEADERS: list[tuple[bytes, bytes]] = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class ApiGuard:
    """Pure ASGI middleware: refuses uploads whose declared size is over the limit (413, before the body is read)
    and adds security headers (no-store, nosniff, DENY framing, no referrer) to API responses."""

    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if scope.get("method") == "POST" and path.endswith("/ingest"):
            declared = dict(scope.get("headers") or []).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.max_upload_bytes + 1024 * 1024:
                response = problem_response(413, "Payload too large", f"upload is {int(declared)} bytes; the limit "
                                            f"is {self.max_upload_bytes} bytes")
                await response(scope, receive, send)
                return
        if not (path.startswith(API_PREFIX) or path in ("/health", "/ready")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in _HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    app.add_middleware(ApiGuard, max_upload_bytes=services.max_upload_bytes)
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
