"""Users, roles, bearer tokens and the audit log.

- :class:`Role`, :class:`Action`, :class:`Principal`: who may do what (deny by default).
- :class:`UserStore`: users and tokens (SHA-256 hashes at rest, expiry, revocation) in ``<data_dir>/auth/users.jsonl``;
  :meth:`UserStore.authenticate` turns a bearer token into a :class:`Principal` (with brute-force protection).
- :class:`AuditLog`: append-only, fsynced, hash-chained log in ``<data_dir>/audit/audit.jsonl``, exportable.
- :func:`create_demo_users`: one demo user per role (demo mode only).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caregraph.auth.audit import AuditLog, audit_file
    from caregraph.auth.demo import DEMO_USERNAMES, create_demo_users
    from caregraph.auth.errors import (
        AuthenticationError,
        AuthError,
        TooManyAttemptsError,
        UnknownUserError,
        UserExistsError,
    )
    from caregraph.auth.models import AuditEntryOut, TokenIssued, UserOut
    from caregraph.auth.roles import PERMISSIONS, SYSTEM_PRINCIPAL, Action, Principal, Role, role_may
    from caregraph.auth.throttle import LoginThrottle
    from caregraph.auth.users import UserStore, hash_token, users_file

__all__ = [
    "Role",
    "Action",
    "PERMISSIONS",
    "Principal",
    "SYSTEM_PRINCIPAL",
    "role_may",
    "UserStore",
    "users_file",
    "hash_token",
    "LoginThrottle",
    "AuditLog",
    "audit_file",
    "create_demo_users",
    "DEMO_USERNAMES",
    "AuthError",
    "AuthenticationError",
    "TooManyAttemptsError",
    "UserExistsError",
    "UnknownUserError",
    "UserOut",
    "TokenIssued",
    "AuditEntryOut",
]

_HOME: dict[str, str] = {
    "Role": "roles", "Action": "roles", "PERMISSIONS": "roles", "Principal": "roles", "SYSTEM_PRINCIPAL": "roles",
    "role_may": "roles",
    "UserStore": "users", "users_file": "users", "hash_token": "users",
    "LoginThrottle": "throttle",
    "AuditLog": "audit", "audit_file": "audit",
    "create_demo_users": "demo", "DEMO_USERNAMES": "demo",
    "AuthError": "errors", "AuthenticationError": "errors", "TooManyAttemptsError": "errors",
    "UserExistsError": "errors", "UnknownUserError": "errors",
    "UserOut": "models", "TokenIssued": "models", "AuditEntryOut": "models",
}
"""The submodule that defines each public name. Resolved on first use, so that ``caregraph.auth.roles`` (what the
command line needs to list the roles) loads without pydantic and the user store."""


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first use and keep the name here."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
