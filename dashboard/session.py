"""Who is logged in: the bearer token the user pasted, kept in Flask's signed session cookie.

The cookie is signed with a per-process random key (so it cannot be forged or reused after a restart), HttpOnly and
``SameSite=Strict``. The token in it is checked with :meth:`CareServices.authenticate` on every request, so an
expired or revoked token stops working at once; on failure the session is cleared.
"""

from __future__ import annotations

import secrets
from typing import Protocol

import flask

from caregraph.auth import AuthError, Principal

__all__ = ["Authenticator", "configure_session", "current_principal", "log_in", "log_out", "SESSION_KEY"]

SESSION_KEY = "caregraph_token"


class Authenticator(Protocol):
    """What the session needs from the services."""

    def authenticate(self, token: str | None, *, client: str = "unknown") -> Principal: ...


def configure_session(server: flask.Flask, *, secret: str | None = None, secure_cookie: bool = False) -> None:
    """Set the signing key and cookie flags of ``server``'s session."""
    server.secret_key = secret or secrets.token_hex(32)
    server.config.update(
        SESSION_COOKIE_NAME="caregraph_dash",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure_cookie,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )


def _client() -> str:
    return flask.request.remote_addr or "unknown"


def current_principal(services: Authenticator) -> Principal | None:
    """The principal of the current request's session, or None (no token, or a token no longer valid)."""
    token = flask.session.get(SESSION_KEY)
    if not token:
        return None
    try:
        return services.authenticate(str(token), client=_client())
    except AuthError:
        flask.session.pop(SESSION_KEY, None)
        return None


def log_in(services: Authenticator, token: str) -> Principal:
    """Check ``token`` and keep it in the session. Raises :class:`caregraph.auth.AuthError` when it is refused."""
    principal = services.authenticate(token.strip(), client=_client())
    flask.session.clear()
    flask.session[SESSION_KEY] = token.strip()
    flask.session.permanent = True
    return principal


def log_out() -> None:
    """Forget the session's token."""
    flask.session.clear()
