"""The OpenAPI document is complete (auth, problem responses, examples) and served at /docs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.services.world import World


def test_docs_and_document(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "Problem" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)
            if not path.startswith("/api/v1"):
                continue
            assert op.get("security"), (method, path)
            for code in ("401", "403"):
                content = op["responses"][code]["content"]
                assert "application/problem+json" in content, (method, path, code)
                assert content["application/problem+json"]["example"]["status"] == int(code)
            for p in op.get("parameters", []):
                if p["in"] in ("path", "query") and p["name"] in ("household_id", "as_of", "a", "b", "district"):
                    assert p["schema"].get("examples") or p.get("examples") or p.get("example"), (path, p["name"])


def test_problem_details_shape_and_security_headers(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/households", params={"limit": 0}, headers=auth(world, "manager"))
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "about:blank" and body["title"] == "Invalid parameter" and body["status"] == 422
    assert body["errors"][0]["field"] == "limit" and body["errors"][0]["location"] == "query"
    assert body["instance"] == "/api/v1/households"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get("/api/v1/no-such-route", headers=auth(world, "manager"))
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = client.put("/api/v1/households", headers=auth(world, "manager"))
    assert r.status_code == 405 and r.json()["title"] == "Method not allowed"
