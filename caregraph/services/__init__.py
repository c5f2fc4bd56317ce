"""The services layer: the one place the API and the dashboard get their answers from.

Every method takes the :class:`~caregraph.auth.Principal` who asks, checks the role (deny by default) and, for
coordinators, the household scope, writes an audit entry for every read of household-level data, and returns the
pydantic models of :mod:`caregraph.services.models`. Errors are :mod:`caregraph.services.errors` exceptions, each
with its HTTP status (403 forbidden, 404 not found, 422 invalid parameter, 503 store unavailable, 413 too large).

Usage (dashboard or API)::

    from caregraph.services import CareServices
    services = CareServices.from_settings(settings)
    principal = services.authenticate(token)            # raises AuthenticationError (401/429)
    page = services.list_households(principal, district="D01", limit=20)
    detail = services.household(principal, "HH000001")  # coordinators only, in scope

Household lists and municipality-wide aggregates are computed over a cached :meth:`GraphStore.snapshot` (and the
analytics over it), cached per as-of date; the cache is invalidated by :meth:`CareServices.ingest_upload` and
:meth:`CareServices.invalidate`.
"""

from __future__ import annotations

from caregraph.services.core import CareServices
from caregraph.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceError,
    ServiceUnavailableError,
)

__all__ = [
    "CareServices",
    "ServiceError",
    "NotFoundError",
    "ForbiddenError",
    "InvalidParameterError",
    "ServiceUnavailableError",
    "PayloadTooLargeError",
    "ConflictError",
]
