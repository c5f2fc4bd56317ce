"""RFC 9457 problem details: every error the API returns, mapped in one place.

A problem is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and, for invalid input,
``errors`` (one entry per field: where it is, which field, and why). A store that is down gives 503 with a
``Retry-After`` header. Unexpected exceptions give a 500 problem without internals (and are logged); the test suite
asserts no input reaches that path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from caregraph.auth.errors import AuthError, TooManyAttemptsError
from caregraph.services.errors import InvalidParameterError, ServiceError, ServiceUnavailableError

__all__ = ["Problem", "FieldError", "install_problem_handlers", "problem_response", "PROBLEM_MEDIA_TYPE",
           "problem_responses", "auth_problem", "UNREADABLE_BODY"]

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
FASTAPI_BODY_ERROR = "There was an error parsing the body"
"""FastAPI's own detail for a body it could not decode (not UTF-8 JSON, or a broken form)."""
UNREADABLE_BODY = ("the request body could not be read: send JSON in UTF-8 (Content-Type: application/json) or, "
                   "for uploads, multipart/form-data")


class FieldError(BaseModel):
    """One invalid field: where (``query``, ``path``, ``body``, ``header``), which field, and why."""

    location: str
    field: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field("about:blank", description="A URI naming the problem type.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    retry_after: int | None = Field(None, description="Seconds to wait before retrying (also in Retry-After).")


_EXAMPLES: dict[int, tuple[str, str]] = {
    400: ("Bad request", UNREADABLE_BODY),
    401: ("Unauthorized", "missing or invalid bearer token"),
    403: ("Forbidden", "this household is not in your districts or case assignments"),
    404: ("Not found", "no household 'HH999999'"),
    413: ("Payload too large", "request body is 2000000 bytes; the limit is 1048576 bytes"),
    422: ("Invalid parameter", "limit: must be between 1 and 500"),
    429: ("Too many requests", "too many failed logins; try again later"),
    503: ("Service unavailable", "the graph store is unavailable"),
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries (schema and example) for the given problem statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for c in codes:
        title, detail = _EXAMPLES[c]
        example: dict[str, Any] = {"type": "about:blank", "title": title, "status": c, "detail": detail}
        if c == 422:
            example["errors"] = [{"location": "query", "field": "limit", "reason": "must be between 1 and 500"}]
        out[c] = {
            "description": title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}},
        }
    return out


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    request: Request | None = None,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; ``instance`` is the request's path (taken from ``request`` when given)."""
    body = Problem(title=title, status=status, detail=detail, errors=errors, retry_after=retry_after,
                   instance=request.url.path if request is not None else instance)
    hdrs = dict(headers or {})
    if retry_after is not None:
        hdrs["Retry-After"] = str(retry_after)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=hdrs,
                        media_type=PROBLEM_MEDIA_TYPE)


def auth_problem(exc: AuthError, instance: str | None) -> JSONResponse:
    """The problem for a refused login: 401 with ``WWW-Authenticate: Bearer``, or 429 with ``Retry-After``."""
    retry = exc.retry_after if isinstance(exc, TooManyAttemptsError) else None
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem_response(exc.status, exc.title, str(exc), instance=instance, retry_after=retry, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        where = loc[0] if loc else "request"
        name = ".".join(loc[1:]) or where
        msg = str(e.get("msg", "invalid value"))
        out.append(FieldError(location=where, field=name[:200], reason=msg[:300]))
    return out


_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 413: "Payload too large"}


def install_problem_handlers(app: FastAPI) -> None:
    """Map service, auth, validation and HTTP errors (and anything unexpected) to problem details."""

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        errors = None
        if isinstance(exc, InvalidParameterError):
            errors = [FieldError(location="query", field=exc.field, reason=exc.reason)]
        retry = exc.retry_after if isinstance(exc, ServiceUnavailableError) else None
        return problem_response(exc.status, exc.title, exc.detail, request=request, errors=errors, retry_after=retry)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        return auth_problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
        return problem_response(422, "Invalid parameter", detail, request=request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 400 and detail == FASTAPI_BODY_ERROR:
            detail = UNREADABLE_BODY
        return problem_response(exc.status_code, title, detail, request=request,
                                headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__,
                  exc_info=exc)
        return problem_response(500, "Internal server error", "an unexpected error occurred", request=request)
