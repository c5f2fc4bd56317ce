"""Who is logged in: the bearer token the user pasted, kept in Flask's signed session cookie.

The cookie is signed with the ``session_secret`` setting (``CAREGRAPH_SESSION_SECRET``), which every process serving
the dashboard must share; when it is unset, with a per-process random key (a warning is logged: sessions then end at
a restart and do not span workers). The cookie is HttpOnly and ``SameSite=Strict``. The token in it is checked with
:meth:`CareServices.authenticate` on every request, so an expired or revoked token stops working at once: the session
is then cleared. A lockout of the client (429, too many wrong tokens from its address) refuses the request but keeps
the session.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Protocol

import flask

from caregraph.auth import AuthError, Principal, TooManyAttemptsError

__all__ = ["Authenticator", "configure_session", "session_secret", "current_principal", "log_in", "log_out",
           "SESSION_KEY", "MIN_SECRET_CHARS"]

log = logging.getLogger(__name__)

SESSION_KEY = "caregraph_token"
MIN_SECRET_CHARS = 32
"""Shortest accepted session secret."""


def session_secret(settings: Any) -> str:
    """The key for the session cookie: ``settings.session_secret`` (at least :data:`MIN_SECRET_CHARS` characters), or
    a random per-process key with a warning when it is unset.

    Raises
    ------
    ValueError
        When the configured secret is shorter than :data:`MIN_SECRET_CHARS`.
    """
    configured = getattr(settings, "session_secret", None)
    if configured is not None:
        value = configured.get_secret_value() if hasattr(configured, "get_secret_value") else str(configured)
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"CAREGRAPH_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters")
        return str(value)
    log.warning("CAREGRAPH_SESSION_SECRET is not set: the dashboard signs its sessions with a random key of this "
                "process, so logins do not survive a restart and do not span several workers or processes")
    return secrets.token_hex(32)


class Authenticator(Protocol):
    """What the session needs from the services."""

    def authenticate(self, token: str | None, *, client: str = "unknown") -> Principal: ...


def configure_session(server: flask.Flask, *, secret: str | None = None, secure_cookie: bool = False,
                      path: str = "/") -> None:
    """Set the signing key (``secret``; see :func:`session_secret`) and cookie flags of ``server``'s session; the
    cookie is only sent to ``path`` (the dashboard's prefix, so API requests do not carry it)."""
    server.secret_key = secret or secrets.token_hex(32)
    server.config.update(
        SESSION_COOKIE_NAME="caregraph_dash",
        SESSION_COOKIE_PATH=path,
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
    except TooManyAttemptsError:
        return None  # the client address is locked out, which says nothing about this token: the session stays
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
