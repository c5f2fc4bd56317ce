"""Domain exceptions of the services layer. Each carries its HTTP status; the API maps them in one place.

The dashboard catches :class:`ServiceError` and shows ``str(error)`` (the message never holds personal data).
"""

from __future__ import annotations

__all__ = [
    "ServiceError",
    "NotFoundError",
    "ForbiddenError",
    "InvalidParameterError",
    "ServiceUnavailableError",
    "PayloadTooLargeError",
    "ConflictError",
]


class ServiceError(Exception):
    """Base of every service error: a status, a short title and a detail message."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ServiceError):
    """The named household, professional, agency or export does not exist."""

    status = 404
    title = "Not found"


class ForbiddenError(ServiceError):
    """The principal's role, or a coordinator's scope, does not allow this."""

    status = 403
    title = "Forbidden"


class InvalidParameterError(ServiceError):
    """A parameter is out of range or malformed; names the field."""

    status = 422
    title = "Invalid parameter"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ServiceUnavailableError(ServiceError):
    """The store cannot be reached or is locked; try again after ``retry_after`` seconds."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLargeError(ServiceError):
    """An upload is larger than ``settings.max_upload_bytes``."""

    status = 413
    title = "Payload too large"


class ConflictError(ServiceError):
    """The operation conflicts with the current state (e.g. a user name already taken)."""

    status = 409
    title = "Conflict"
