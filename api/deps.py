"""Dependencies of the routes: the services object and the authenticated principal."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import Future
from typing import Annotated, Any, TypeVar, cast

import anyio.to_thread
from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.guard import PRINCIPAL_STATE
from caregraph.auth import Principal
from caregraph.auth.audit import deferred_durability, wait_durable
from caregraph.services import CareServices

T = TypeVar("T")

__all__ = ["call", "get_services", "ServicesDep", "PrincipalDep", "ID_PATTERN", "HouseholdId", "ProfessionalId",
           "AsOf", "bearer"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""Identifiers in paths and filters: 1–64 letters, digits, ``.``, ``_``, ``:``, ``-`` (so no query language, quotes,
spaces or slashes ever reach the services)."""


async def get_services(request: Request) -> CareServices:
    """The application's :class:`CareServices` (created by :func:`api.app.create_app`)."""
    services: CareServices = request.app.state.services
    return services


ServicesDep = Annotated[CareServices, Depends(get_services)]


class BearerPrincipal(HTTPBearer):
    """The bearer-token security scheme (``HTTPBearer`` in the OpenAPI document), resolving straight to the
    :class:`Principal` of the token: 401 without a valid one, 429 after repeated failures from the client. A request
    with a body was already authenticated by :class:`api.guard.ApiGuard` (before the body was read): its principal
    is taken as it is.

    One dependency instead of three (scheme, services, principal): FastAPI's dependency solving costs more per request
    than checking the token, which is a hash and a dict lookup (plus a ``stat`` of the users file), so it runs on the
    event loop.
    """

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)
        if isinstance(checked, Principal):
            return checked
        credentials = await super().__call__(request)
        token = credentials.credentials if credentials is not None else None
        client = request.client.host if request.client is not None else "unknown"
        services: CareServices = request.app.state.services
        return services.authenticate(token, client=client)


bearer = BearerPrincipal(auto_error=False, scheme_name="HTTPBearer",
                         description="A token issued by `caregraph users token` (shown once).")
PrincipalDep = Annotated[Principal, Depends(bearer)]

HouseholdId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="Household id.",
                                  examples=["HH000001"])]
ProfessionalId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="Professional id.",
                                     examples=["P000001"])]
AsOf = Annotated[dt.date | None, Query(description="Answer as of this date (default: today).",
                                       examples=["2024-06-30"])]
"""The ``as_of`` query parameter of every dated answer."""


API_THREADS = int(os.environ.get("CAREGRAPH_API_THREADS", "8"))
"""Worker threads for blocking service calls. Few: the work is short and holds the GIL, and many threads only
contend for it (CAREGRAPH_API_THREADS overrides)."""
_limiter_set = False


async def call(fn: Callable[..., T], *args: Any, inline: bool = False, **kwargs: Any) -> T:
    """Run a (blocking) service call: in the thread pool (one hop per request, while validation and serialisation
    of the result stay on the event loop; a sync route would pay several hops), or with ``inline`` on the event
    loop itself, for calls that need nothing but memory (see
    :meth:`caregraph.services.CareServices.answers_from_memory`).

    Either way the call's audit entries are only queued while it runs (:func:`caregraph.auth.audit.
    deferred_durability`) and awaited here, on the loop, before the answer (or the error) goes out: no thread and
    no loop waits for an fsync, and nothing is answered before its audit entry is durable.
    """
    global _limiter_set

    def run() -> tuple[T | None, Exception | None, list[Future[None]]]:
        with deferred_durability() as pending:
            try:
                return fn(*args, **kwargs), None, pending
            except Exception as e:  # raised after the audit entries (a denial is audited too) are durable
                return None, e, pending

    if inline:
        result, err, pending = run()
    else:
        if not _limiter_set:
            _limiter_set = True
            anyio.to_thread.current_default_thread_limiter().total_tokens = API_THREADS
        result, err, pending = await run_in_threadpool(run)
    await wait_durable(pending)
    if err is not None:
        raise err
    return cast(T, result)
