"""One process: the API and the Dash dashboard (mounted via a2wsgi) side by side, or either alone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caregraph.serve import build_app
from tests.api.conftest import auth
from tests.services.world import World


def test_api_and_dashboard_together(world: World) -> None:
    pytest.importorskip("dashboard.app")
    app = build_app(world.settings, mode="both", services=world.services)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/dashboard/")
        assert r.status_code == 200 and "<html" in r.text.lower()
        assert c.get("/dashboard/_dash-layout").status_code == 200
        assert c.get("/api/v1/districts", headers=auth(world, "manager")).status_code == 200
        assert c.get("/health").json()["status"] == "ok"
        root = c.get("/", follow_redirects=False)
        assert root.status_code in (302, 307) and root.headers["location"] == "/dashboard/"


def test_api_only_and_dashboard_only(world: World) -> None:
    with TestClient(build_app(world.settings, mode="api", services=world.services)) as c:
        assert c.get("/dashboard/").status_code == 404
        assert c.get("/docs").status_code == 200
    pytest.importorskip("dashboard.app")
    with TestClient(build_app(world.settings, mode="dashboard", services=world.services)) as c:
        assert c.get("/api/v1/districts", headers=auth(world, "manager")).status_code == 404
        assert c.get("/ready").status_code == 200
        assert c.get("/dashboard/").status_code == 200
