"""Access checks: role permissions and a coordinator's household scope; denials are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caregraph.auth import Action, AuditLog, Principal, Role
from caregraph.services.errors import ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from caregraph.services.index import SnapshotIndex

__all__ = ["require", "require_household", "in_scope"]


def require(principal: Principal, action: Action, audit: AuditLog, what: str) -> None:
    """Raise :class:`ForbiddenError` (and audit the denial) unless the principal's role may do ``action``."""
    if not principal.may(action):
        audit.record(principal, what, outcome="denied", detail={"reason": "role"})
        raise ForbiddenError(f"role {principal.role.value!r} may not {action.value.replace('_', ' ')}")


def in_scope(principal: Principal, index: SnapshotIndex, household_id: str) -> bool:
    """True when the household is in a coordinator's scope: its district is one they hold, it is assigned to them,
    or their linked professional coordinates or helps it. Other roles have no household scope."""
    if principal.role is not Role.coordinator:
        return False
    if household_id in principal.households:
        return True
    district = index.household_district(household_id)
    if district is not None and district in principal.districts:
        return True
    if principal.professional_id is not None:
        return household_id in index.professional_households(principal.professional_id)
    return False


def require_household(
    principal: Principal, action: Action, index: SnapshotIndex, household_id: str, audit: AuditLog
) -> None:
    """Role check, then existence (404), then scope (403). Denials are audited with the household id.

    A coordinator asking for a household outside their scope gets 403 whether or not it exists elsewhere, so the
    answer does not reveal which ids exist: existence is only checked inside the scope.
    """
    if not principal.may(action):
        audit.record(principal, action.value, household_id=household_id, outcome="denied",
                     detail={"reason": "role"})
        raise ForbiddenError(f"role {principal.role.value!r} may not {action.value.replace('_', ' ')}")
    if not in_scope(principal, index, household_id):
        audit.record(principal, action.value, household_id=household_id, outcome="denied",
                     detail={"reason": "scope"})
        raise ForbiddenError("this household is not in your districts or case assignments")
    if not index.has_household(household_id):
        audit.record(principal, action.value, household_id=household_id, outcome="not_found")
        raise NotFoundError(f"no household {household_id!r}")
