"""The ASGI guard in front of every route: authentication before a request body is read, body size limits, and
security headers on API responses.

A route with a body parameter makes FastAPI read and parse the whole body *before* its dependencies run, so a
bearer-token dependency alone would let anyone without a token make the server buffer a body of any size. The guard
therefore checks the token of every API request that carries a body first (401/429 without reading a byte of it;
``GET``, ``HEAD`` and ``OPTIONS`` are let through as they are: no route reads their bodies),
and refuses bodies over the limit: by their declared ``Content-Length`` before reading, and by counting while they
stream in (chunked bodies, or a length that lies). The limit is ``max_body_bytes`` on every route but
``POST /api/v1/ingest``, whose limit is ``max_upload_bytes`` (plus 1 MiB for the multipart framing).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import auth_problem, problem_response
from caregraph.auth import AuthError, Principal

__all__ = ["ApiGuard", "PRINCIPAL_STATE", "API_PREFIX", "MULTIPART_ALLOWANCE"]

API_PREFIX = "/api/v1"
PRINCIPAL_STATE = "caregraph_principal"
"""Key of the request state under which the guard leaves the principal it authenticated (for the route's
dependency, which then does not check the token again)."""
MULTIPART_ALLOWANCE = 1024 * 1024
"""Bytes of multipart framing allowed on top of ``max_upload_bytes`` for an ingest upload."""

_HEADERS: list[tuple[bytes, bytes]] = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods whose bodies no route reads (so the guard spends nothing on them: most requests)."""


class BodyTooLargeError(HTTPException):
    """The body grew past the limit while it was read (FastAPI passes an ``HTTPException`` raised while reading the
    body on to the problem handlers)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is more than {limit} bytes; the limit is {limit} bytes")


def _bearer_token(headers: dict[bytes, bytes]) -> str | None:
    """The credentials of an ``Authorization: Bearer …`` header (what :class:`fastapi.security.HTTPBearer` takes)."""
    scheme, _, credentials = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _carries_body(headers: dict[bytes, bytes]) -> bool:
    declared = headers.get(b"content-length")
    return b"transfer-encoding" in headers or (declared is not None and declared.strip() not in (b"", b"0"))


class ApiGuard:
    """Pure ASGI middleware (see the module docstring).

    Parameters
    ----------
    app
        The application to guard.
    authenticate
        Turns a bearer token (or None) and the client address into a :class:`Principal`, raising
        :class:`caregraph.auth.AuthError` (:meth:`caregraph.services.CareServices.authenticate`).
    max_body_bytes
        Body limit of every route but the ingest upload.
    max_upload_bytes
        Limit of an ingest upload's files.
    """

    def __init__(self, app: ASGIApp, *, authenticate: Callable[..., Principal], max_body_bytes: int,
                 max_upload_bytes: int) -> None:
        self.app = app
        self.authenticate = authenticate
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        api = path.startswith(API_PREFIX)
        headers = dict(scope.get("headers") or []) if scope.get("method") not in _BODILESS else {}
        if _carries_body(headers):
            if api:
                client = scope["client"][0] if scope.get("client") else "unknown"
                try:
                    principal = self.authenticate(_bearer_token(headers), client=client)
                except AuthError as e:
                    await auth_problem(e, path)(scope, receive, send)
                    return
                scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
            ingest = scope.get("method") == "POST" and path == f"{API_PREFIX}/ingest"
            limit = self.max_upload_bytes + MULTIPART_ALLOWANCE if ingest else self.max_body_bytes
            declared = headers.get(b"content-length", b"").strip()
            if declared.isdigit() and int(declared) > limit:
                what = "upload" if ingest else "request body"
                await problem_response(413, "Payload too large", f"{what} is {int(declared)} bytes; the limit is "
                                       f"{limit} bytes", instance=path)(scope, receive, send)
                return
            receive = _capped(receive, limit)
        if not (api or path in ("/health", "/ready")):
            await self._run(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in _HEADERS if h[0] not in present)]
            await send(message)

        await self._run(scope, receive, send_with_headers)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; a body that outgrew its limit where no problem handler caught it (the dashboard's WSGI
        mount) still gets its 413, unless the response had already begun."""
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLargeError as e:
            if started:
                raise
            await problem_response(413, "Payload too large", str(e.detail),
                                   instance=scope.get("path"))(scope, receive, send)


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLargeError` once more than ``limit`` body bytes came in."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError(limit)
        return message

    return capped
