"""Errors of authentication and user management, each with the HTTP status the API answers with."""

from __future__ import annotations

__all__ = ["AuthError", "AuthenticationError", "TooManyAttemptsError", "UserExistsError", "UnknownUserError"]


class AuthError(Exception):
    """Base of the auth errors."""

    status: int = 400
    title: str = "Bad request"


class AuthenticationError(AuthError):
    """No token, an unknown token, or an expired or revoked one (the message does not say which)."""

    status = 401
    title = "Unauthorized"


class TooManyAttemptsError(AuthError):
    """Too many failed logins from one client; retry after ``retry_after`` seconds."""

    status = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UserExistsError(AuthError):
    """A user with that name already exists."""

    status = 409
    title = "Conflict"


class UnknownUserError(AuthError):
    """No user (or token) with that name (or id)."""

    status = 404
    title = "Not found"
