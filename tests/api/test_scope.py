"""Coordinators: full detail only for the households in their districts or case assignments."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.services.world import AS_OF, World

Q = {"as_of": AS_OF.isoformat()}


@pytest.mark.parametrize(("who", "household", "status"), [
    ("coordinator", "H1", 200),       # district D1
    ("coordinator", "H2", 200),       # district D1
    ("coordinator", "H3", 403),       # district D2: not theirs
    ("coordinator", "H4", 403),
    ("coordinator", "NOPE", 403),     # unknown ids outside the scope do not reveal whether they exist
    ("coordinator_h3", "H3", 200),    # assigned case
    ("coordinator_h3", "H1", 403),
])
@pytest.mark.parametrize("suffix", ["", "/network", "/overlap"])
def test_household_scope(client: TestClient, world: World, who: str, household: str, status: int,
                         suffix: str) -> None:
    r = client.get(f"/api/v1/households/{household}{suffix}", params=Q, headers=auth(world, who))
    assert r.status_code == status, r.text


def test_pair_overlap_needs_both_in_scope(client: TestClient, world: World) -> None:
    ok = client.get("/api/v1/overlap/households", params={**Q, "a": "H1", "b": "H2"},
                    headers=auth(world, "coordinator"))
    assert ok.status_code == 200
    assert ok.json()["shared_professionals"] == ["P1", "P2"]
    assert ok.json()["shared_agencies"] == ["A1", "A2"]
    bad = client.get("/api/v1/overlap/households", params={**Q, "a": "H1", "b": "H3"},
                     headers=auth(world, "coordinator"))
    assert bad.status_code == 403


def test_list_is_limited_to_scope(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/households", params=Q, headers=auth(world, "coordinator"))
    assert [h["household_id"] for h in r.json()["items"]] == ["H1", "H2"]
    r = client.get("/api/v1/households", params=Q, headers=auth(world, "coordinator_h3"))
    assert [h["household_id"] for h in r.json()["items"]] == ["H3"]
    r = client.get("/api/v1/households", params=Q, headers=auth(world, "manager"))
    assert r.json()["total"] == 4


def test_caseload_lists_only_households_in_scope(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/professionals/P1/caseload", params=Q, headers=auth(world, "coordinator_h3")).json()
    assert r["count"] == 3 and r["households"] == ["H3"]
    r = client.get("/api/v1/professionals/P1/caseload", params=Q, headers=auth(world, "manager")).json()
    assert r["households"] == ["H1", "H2", "H3"]


def test_caseload_names_the_professional_only_in_scope(client: TestClient, world: World) -> None:
    def caseload(pid: str, who: str) -> dict[str, object]:
        r = client.get(f"/api/v1/professionals/{pid}/caseload", params=Q, headers=auth(world, who))
        assert r.status_code == 200
        out: dict[str, object] = r.json()
        return out

    assert caseload("P1", "coordinator")["name"]  # helps H1 and H2, in district D1
    out = caseload("P4", "coordinator")  # helps only H3, in district D2
    assert out["households"] == [] and out["count"] == 1 and out.get("name") is None
    assert caseload("P2", "coordinator_h3").get("name") is None  # H1 and H2 are not assigned to them
    assert caseload("P1", "manager").get("name") is None


def test_unknown_assigned_household_is_404(client: TestClient, world: World) -> None:
    world.services.users.add_user("coord-ghost", "coordinator", households=["H404"])
    token = world.services.users.issue_token("coord-ghost").token
    r = client.get("/api/v1/households/H404", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404
    assert r.json()["title"] == "Not found"
