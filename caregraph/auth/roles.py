"""Roles, the principal (who is asking), and what each role may do.

Access is deny by default: a role may do exactly the actions listed for it in :data:`PERMISSIONS`. Coordinators are
further limited to the households in their *scope*: the districts they hold, the households assigned to them, and
(when the user is linked to a professional) the households that professional coordinates or helps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Role", "Action", "PERMISSIONS", "Principal", "role_may", "SYSTEM_PRINCIPAL"]


class Role(StrEnum):
    """The four roles. Values are what the users file and the API use."""

    manager = "manager"
    """Aggregates and pseudonymised case lists (no names, no BSN pseudonyms, no member/professional names)."""
    coordinator = "coordinator"
    """Full household detail, only for households in their districts or case assignments."""
    researcher = "researcher"
    """Pseudonymised exports and statistics only."""
    admin = "admin"
    """Ingest upload and user management; no household data."""


class Action(StrEnum):
    """Every permission-checked action of the services layer."""

    list_households = "list_households"
    household_detail = "household_detail"
    household_network = "household_network"
    household_overlap = "household_overlap"
    pair_overlap = "pair_overlap"
    professional_caseload = "professional_caseload"
    agencies = "agencies"
    flag_summary = "flag_summary"
    network_statistics = "network_statistics"
    export = "export"
    ingest = "ingest"
    manage_users = "manage_users"
    read_audit = "read_audit"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.manager: frozenset({
        Action.list_households, Action.pair_overlap, Action.professional_caseload, Action.agencies,
        Action.flag_summary, Action.network_statistics,
    }),
    Role.coordinator: frozenset({
        Action.list_households, Action.household_detail, Action.household_network, Action.household_overlap,
        Action.pair_overlap, Action.professional_caseload, Action.agencies, Action.flag_summary,
    }),
    Role.researcher: frozenset({Action.flag_summary, Action.network_statistics, Action.export, Action.agencies}),
    Role.admin: frozenset({Action.ingest, Action.manage_users, Action.read_audit}),
}
"""Role → the actions it may perform. Anything not listed is denied."""


def role_may(role: Role, action: Action) -> bool:
    """True when ``role`` may perform ``action``.

    >>> role_may(Role.coordinator, Action.household_detail), role_may(Role.manager, Action.household_detail)
    (True, False)
    """
    return action in PERMISSIONS.get(role, frozenset())


@dataclass(frozen=True)
class Principal:
    """An authenticated user as the services see it.

    Parameters
    ----------
    username
        The user's name (never a person's real name in tests; any label the admin chose).
    role
        The user's role.
    districts
        District ids a coordinator holds (all households living there are in scope).
    households
        Household ids assigned to a coordinator directly (case assignments).
    professional_id
        Optional link to a professional; the households this professional coordinates or helps are in scope.
    token_id
        Id of the token used (for the audit log), when authenticated by token.
    """

    username: str
    role: Role
    districts: frozenset[str] = field(default_factory=frozenset)
    households: frozenset[str] = field(default_factory=frozenset)
    professional_id: str | None = None
    token_id: str | None = None

    def may(self, action: Action) -> bool:
        """True when this principal's role may perform ``action``."""
        return role_may(self.role, action)

    @property
    def sees_names(self) -> bool:
        """Only coordinators see names of members and professionals (and then only in their scope)."""
        return self.role is Role.coordinator


SYSTEM_PRINCIPAL = Principal(username="system", role=Role.admin)
"""Used by command-line jobs that act on behalf of the operator (logged as ``system``)."""
