"""Users, tokens and the audit log as services (admins), with the check of a token every request starts with.

:class:`AccountServices` is the part of :class:`~caregraph.services.core.CareServices` that never touches the graph
store: it holds the :class:`~caregraph.auth.UserStore` and the :class:`~caregraph.auth.AuditLog` of ``data_dir``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from caregraph.auth import Action, AuditLog, Principal, UserStore, audit_file, users_file
from caregraph.auth.models import AuditEntryOut, TokenIssued, UserOut
from caregraph.services.access import require
from caregraph.services.errors import InvalidParameterError
from caregraph.services.models import Page
from caregraph.services.params import check_page

__all__ = ["AccountServices"]


class AccountServices:
    """Authentication, user management and the audit log over the files in ``data_dir``.

    Parameters
    ----------
    data_dir
        The folder holding the users file and the audit log.
    """

    def __init__(self, data_dir: Path) -> None:
        self.users = UserStore(users_file(data_dir))
        self.audit = AuditLog(audit_file(data_dir))

    def authenticate(self, token: str | None, *, client: str = "unknown") -> Principal:
        """The principal holding ``token`` (raises :class:`caregraph.auth.AuthenticationError`, 401, or
        :class:`caregraph.auth.TooManyAttemptsError`, 429, after repeated failures from ``client``)."""
        return self.users.authenticate(token, client=client)

    def list_users(self, principal: Principal) -> list[UserOut]:
        """Every user (admins)."""
        require(principal, Action.manage_users, self.audit, "list_users")
        return self.users.list_users()

    def add_user(
        self,
        principal: Principal,
        username: str,
        role: str,
        *,
        districts: Sequence[str] = (),
        households: Sequence[str] = (),
        professional_id: str | None = None,
        token_days: float = 30.0,
    ) -> TokenIssued:
        """Add a user and issue their first token (admins). The token is in the result, once."""
        require(principal, Action.manage_users, self.audit, "add_user")
        try:
            self.users.add_user(username, role, districts=districts, households=households,
                                professional_id=professional_id)
            issued = self.users.issue_token(username, days=token_days)
        except ValueError as e:
            raise InvalidParameterError("username" if "name" in str(e) else "role", str(e)) from None
        self.audit.record(principal, "add_user", detail={"username": username, "role": role})
        return issued

    def revoke_user(self, principal: Principal, username: str) -> None:
        """Deactivate a user and revoke their tokens (admins)."""
        require(principal, Action.manage_users, self.audit, "revoke_user")
        self.users.revoke_user(username)
        self.audit.record(principal, "revoke_user", detail={"username": username})

    def audit_entries(
        self, principal: Principal, *, user: str | None = None, household_id: str | None = None,
        offset: int = 0, limit: int = 100,
    ) -> Page[AuditEntryOut]:
        """A page of the audit log (admins), oldest first."""
        require(principal, Action.read_audit, self.audit, "read_audit")
        check_page(offset, limit)
        rows = list(self.audit.entries(user=user, household_id=household_id))
        self.audit.record(principal, "read_audit", detail={"user": user, "household_id": household_id})
        return Page[AuditEntryOut](items=rows[offset:offset + limit], total=len(rows), offset=offset, limit=limit)
