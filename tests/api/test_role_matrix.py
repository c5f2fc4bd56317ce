"""Every route with every role: allowed or denied (deny by default), and anonymous callers get 401."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.services.world import World

ROLES = ("anonymous", "manager", "coordinator", "researcher", "admin")

# (method, path, extra request kwargs, roles allowed)
ROUTES: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("GET", "/api/v1/districts", {}, {"manager", "coordinator", "researcher"}),
    ("GET", "/api/v1/households", {}, {"manager", "coordinator"}),
    ("GET", "/api/v1/households/H1", {}, {"coordinator"}),
    ("GET", "/api/v1/households/H1/network", {}, {"coordinator"}),
    ("GET", "/api/v1/households/H1/overlap", {}, {"coordinator"}),
    ("GET", "/api/v1/overlap/households", {"params": {"a": "H1", "b": "H2"}}, {"coordinator"}),
    ("GET", "/api/v1/overlap/professionals", {"params": {"a": "P1", "b": "P2"}}, {"manager", "coordinator"}),
    ("GET", "/api/v1/professionals/P1/caseload", {}, {"manager", "coordinator"}),
    ("GET", "/api/v1/agencies", {}, {"manager", "coordinator", "researcher"}),
    ("GET", "/api/v1/flags/summary", {}, {"manager", "coordinator", "researcher"}),
    ("GET", "/api/v1/statistics", {}, {"manager", "researcher"}),
    ("GET", "/api/v1/exports/research", {}, {"researcher"}),
    ("POST", "/api/v1/ingest", {"params": {"dry_run": "true"}}, {"admin"}),
    ("GET", "/api/v1/users", {}, {"admin"}),
    ("POST", "/api/v1/users", {"json": {"username": "new-user", "role": "manager"}}, {"admin"}),
    ("DELETE", "/api/v1/users/victim", {}, {"admin"}),
    ("GET", "/api/v1/audit", {}, {"admin"}),
]

HOUSEHOLDS_CSV = (
    "household_id,district_id,composition,postcode,opened_on,closed_on\n"
    "H9,D1,single,,2024-01-01,\n"
)


def _call(client: TestClient, world: World, method: str, path: str, kw: dict[str, Any], who: str) -> Any:
    kw = dict(kw)
    if path.endswith("/ingest"):
        kw["files"] = [("files", ("households.csv", io.BytesIO(HOUSEHOLDS_CSV.encode()), "text/csv"))]
    return client.request(method, path, headers=auth(world, who), **kw)


@pytest.mark.parametrize(("method", "path", "kw", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_role_matrix(client: TestClient, world: World, method: str, path: str, kw: dict[str, Any],
                     allowed: set[str]) -> None:
    for who in ROLES:
        r = _call(client, world, method, path, kw, who)
        if who == "anonymous":
            assert r.status_code == 401, (who, r.text)
            assert r.headers["www-authenticate"] == "Bearer"
        elif who in allowed:
            assert r.status_code in (200, 201, 204), (who, r.status_code, r.text)
        else:
            assert r.status_code == 403, (who, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == 403


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_health_needs_no_token(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_denials_are_audited(client: TestClient, world: World) -> None:
    client.get("/api/v1/households/H1", headers=auth(world, "manager"))
    denied = [e for e in world.services.audit.entries(user="manager") if e.outcome == "denied"]
    assert denied and denied[-1].household_id == "H1"


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    covered = {(m, p.replace("H1", "{household_id}").replace("P1", "{professional_id}")
                .replace("victim", "{username}")) for m, p, _, _ in ROUTES}
    covered |= {("GET", "/health"), ("GET", "/ready")}
    assert documented == covered
