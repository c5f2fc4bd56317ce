"""Users, roles, bearer tokens and the audit log.

- :class:`Role`, :class:`Action`, :class:`Principal`: who may do what (deny by default).
- :class:`UserStore`: users and tokens (SHA-256 hashes at rest, expiry, revocation) in ``<data_dir>/auth/users.jsonl``;
  :meth:`UserStore.authenticate` turns a bearer token into a :class:`Principal` (with brute-force protection).
- :class:`AuditLog`: append-only, fsynced, hash-chained log in ``<data_dir>/audit/audit.jsonl``, exportable.
- :func:`create_demo_users`: one demo user per role (demo mode only).
"""

from __future__ import annotations

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
