"""Roles, scope and the audit entry of every denial, checked one decision at a time.

The permission table is written out here by hand (deny by default: every pair not listed is refused). The access
checks run on the hand-built world of tests/services (an index of its tables, a real audit log in ``tmp_path``):
a role denial is logged with reason ``role``, a coordinator outside their scope with reason ``scope`` (also for ids
that do not exist), an unknown id inside the scope as ``not_found``; the services log the action names below.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caregraph.auth import PERMISSIONS, SYSTEM_PRINCIPAL, Action, AuditLog, Principal, Role
from caregraph.auth.roles import role_may
from caregraph.services import CareServices, ForbiddenError, NotFoundError
from caregraph.services.access import in_scope, require, require_household
from caregraph.services.index import SnapshotIndex
from tests.services.world import World, world_tables

A = Action
ALLOWED: dict[Role, set[Action]] = {
    Role.manager: {A.list_households, A.pair_overlap, A.professional_caseload, A.agencies, A.flag_summary,
                   A.network_statistics},
    Role.coordinator: {A.list_households, A.household_detail, A.household_network, A.household_overlap,
                       A.pair_overlap, A.professional_caseload, A.agencies, A.flag_summary},
    Role.researcher: {A.flag_summary, A.network_statistics, A.export, A.agencies},
    Role.admin: {A.ingest, A.manage_users, A.read_audit},
}

MANAGER = Principal("mia", Role.manager, households=frozenset({"H1"}), districts=frozenset({"D1"}))
RESEARCHER = Principal("rob", Role.researcher, token_id="tok-1")
DISTRICT_D1 = Principal("cas", Role.coordinator, districts=frozenset({"D1"}))
CASE_H3 = Principal("cor", Role.coordinator, households=frozenset({"H3", "H404"}))
HELPER_P4 = Principal("pim", Role.coordinator, professional_id="P4")  # P4 helps H3 only
NOBODY = Principal("nel", Role.coordinator)


@pytest.fixture(scope="module")
def index() -> SnapshotIndex:
    return SnapshotIndex(world_tables())


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def entries(audit: AuditLog) -> list[tuple[Any, ...]]:
    return [(e.user, e.role, e.action, e.household_id, e.outcome, e.detail) for e in audit.entries()]


# --- roles and actions ----------------------------------------------------------------------------------------------
def test_every_role_and_action_pair() -> None:
    for role, action in itertools.product(Role, Action):
        want = action in ALLOWED[role]
        assert role_may(role, action) is want, (role, action)
        assert Principal("u", role).may(action) is want, (role, action)
    assert {r: set(a) for r, a in PERMISSIONS.items()} == ALLOWED


def test_role_and_action_values_are_their_names() -> None:
    assert [r.value for r in Role] == ["manager", "coordinator", "researcher", "admin"]
    assert all(Action(a.name) is a for a in Action)
    assert [a.value for a in Action] == [
        "list_households", "household_detail", "household_network", "household_overlap", "pair_overlap",
        "professional_caseload", "agencies", "flag_summary", "network_statistics", "export", "ingest",
        "manage_users", "read_audit"]


def test_principal_is_frozen_and_only_coordinators_see_names() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MANAGER.role = Role.admin  # type: ignore[misc]
    assert [Principal("u", r).sees_names for r in Role] == [False, True, False, False]
    assert (SYSTEM_PRINCIPAL.username, SYSTEM_PRINCIPAL.role) == ("system", Role.admin)


# --- scope ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("who", "in_", "out"), [
    (DISTRICT_D1, {"H1", "H2"}, {"H3", "H4", "H404"}),      # by district
    (CASE_H3, {"H3", "H404"}, {"H1", "H2", "H4"}),          # by case assignment (ids need not exist)
    (HELPER_P4, {"H3"}, {"H1", "H2", "H4", "H404"}),         # by the linked professional's interventions
    (NOBODY, set(), {"H1", "H2", "H3", "H4", "H404"}),
    (MANAGER, set(), {"H1", "H2", "H3", "H4"}),              # other roles have no household scope at all
])
def test_scope(index: SnapshotIndex, who: Principal, in_: set[str], out: set[str]) -> None:
    ids = sorted(in_ | out)
    assert [in_scope(who, index, h) for h in ids] == [h in in_ for h in ids]  # exactly True or False


# --- denials and their audit entries --------------------------------------------------------------------------------
def test_a_role_denial_is_audited_with_reason_role(audit: AuditLog) -> None:
    with pytest.raises(ForbiddenError, match=r"^role 'researcher' may not manage users$"):
        require(RESEARCHER, Action.manage_users, audit, "list_users")
    assert entries(audit) == [("rob", "researcher", "list_users", None, "denied", {"reason": "role"})]


def test_an_allowed_action_passes_without_an_entry(audit: AuditLog) -> None:
    require(RESEARCHER, Action.export, audit, "export")
    assert entries(audit) == []


def test_a_household_role_denial(index: SnapshotIndex, audit: AuditLog) -> None:
    with pytest.raises(ForbiddenError, match=r"^role 'manager' may not household detail$"):
        require_household(MANAGER, Action.household_detail, index, "H1", audit)
    assert entries(audit) == [("mia", "manager", "household_detail", "H1", "denied", {"reason": "role"})]


@pytest.mark.parametrize("household", ["H3", "H404"])  # existing or not: the same answer outside the scope
def test_a_scope_denial(index: SnapshotIndex, audit: AuditLog, household: str) -> None:
    with pytest.raises(ForbiddenError, match=r"^this household is not in your districts or case assignments$"):
        require_household(DISTRICT_D1, Action.household_network, index, household, audit)
    assert entries(audit) == [("cas", "coordinator", "household_network", household, "denied",
                               {"reason": "scope"})]


def test_an_unknown_household_inside_the_scope_is_not_found(index: SnapshotIndex, audit: AuditLog) -> None:
    with pytest.raises(NotFoundError, match=r"^no household 'H404'$"):
        require_household(CASE_H3, Action.household_overlap, index, "H404", audit)
    assert entries(audit) == [("cor", "coordinator", "household_overlap", "H404", "not_found", {})]


def test_a_household_in_scope_passes_without_an_entry(index: SnapshotIndex, audit: AuditLog) -> None:
    require_household(CASE_H3, Action.household_detail, index, "H3", audit)
    require_household(HELPER_P4, Action.household_detail, index, "H3", audit)
    assert entries(audit) == []


# --- the action names the services write ----------------------------------------------------------------------------
def _principal(world: World, who: str) -> Principal:
    return world.services.authenticate(world.tokens[who])


SERVICE_DENIALS: list[tuple[str, str, Callable[[CareServices, Principal], object], str, str | None]] = [
    ("researcher", "list_users", lambda s, p: s.list_users(p), "role", None),
    ("manager", "add_user", lambda s, p: s.add_user(p, "x", "manager"), "role", None),
    ("coordinator", "revoke_user", lambda s, p: s.revoke_user(p, "victim"), "role", None),
    ("manager", "read_audit", lambda s, p: s.audit_entries(p), "role", None),
    ("researcher", "list_households", lambda s, p: s.list_households(p), "role", None),
    ("admin", "caseload", lambda s, p: s.caseload(p, "P1"), "role", None),
    ("admin", "agencies", lambda s, p: s.agencies(p), "role", None),
    ("admin", "flag_summary", lambda s, p: s.flag_summary(p), "role", None),
    ("coordinator", "network_statistics", lambda s, p: s.network_statistics(p), "role", None),
    ("manager", "export", lambda s, p: s.export(p), "role", None),
    ("admin", "professionals_overlap", lambda s, p: s.professionals_overlap(p, "P1", "P2"), "role", None),
    ("manager", "household_detail", lambda s, p: s.household(p, "H1"), "role", "H1"),
    ("coordinator", "household_network", lambda s, p: s.household_network(p, "H3"), "scope", "H3"),
    ("coordinator_h3", "household_overlap", lambda s, p: s.household_overlap(p, "H1"), "scope", "H1"),
]


@pytest.mark.parametrize(("who", "action", "call", "reason", "household"), SERVICE_DENIALS,
                         ids=[d[1] for d in SERVICE_DENIALS])
def test_service_denials_are_audited_by_action_name(world: World, who: str, action: str,
                                                     call: Callable[[CareServices, Principal], object], reason: str,
                                                     household: str | None) -> None:
    p = _principal(world, who)
    before = len(list(world.services.audit.entries()))
    with pytest.raises(ForbiddenError):
        call(world.services, p)
    new = [(e.user, e.action, e.household_id, e.outcome, e.detail)
           for e in list(world.services.audit.entries())[before:]]
    assert new == [(who.replace("_", "-"), action, household, "denied", {"reason": reason})]
