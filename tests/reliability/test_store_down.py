"""The API and the dashboard, served together, while the store is unavailable: 503 with a clear message, and back by
themselves when the store returns. Two ways to lose the store: the embedded database locked by another process, and
Neo4j down (the real Neo4j adapter pointed at a loopback port where nothing listens).

The dashboard answers 503 on page loads (:mod:`dashboard.availability`); its callbacks answer 200 with the message in
the page (Dash drops non-200 callback bodies).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.loadtest import DashCallbacks
from caregraph.serve import build_app
from caregraph.services import CareServices
from graph.neo4j_store import Neo4jStore
from tests.api.conftest import auth
from tests.reliability.ports import closed_port
from tests.services.world import AS_OF, USERS, World, make_world

ROOT = Path(__file__).resolve().parents[2]
Q = {"as_of": AS_OF.isoformat()}
HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from graph.ladybug_store import LadybugStore
s = LadybugStore.open(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""
NL, EN = "tijdelijk niet bereikbaar", "temporarily unavailable"
CB = "/dashboard/_dash-update-component"


@pytest.fixture
def own_world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def _dash_login(c: TestClient, callbacks: DashCallbacks, token: str) -> None:
    r = c.post(CB, json=callbacks.body("login-message.children", {"login-button.n_clicks": 1,
                                                                  "login-token.value": token}))
    assert r.status_code == 200, r.text
    assert "caregraph_dash" in c.cookies


def _household_callback(c: TestClient, callbacks: DashCallbacks) -> Any:
    return c.post(CB, json=callbacks.body("household-header.children", {"url.search": "?hh=H1",
                                                                        "as-of.date": AS_OF.isoformat()}))


def _assert_page_503(c: TestClient, reason: str) -> None:
    r = c.get("/dashboard/")
    assert r.status_code == 503, r.text[:300]
    assert int(r.headers["retry-after"]) > 0
    assert NL in r.text and EN in r.text and reason in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]  # headers stay on error pages


def _wait_until(fn: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        r = fn()
        if r.status_code == 200 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def test_locked_store_api_and_dashboard_503_then_recover(own_world: World) -> None:
    w = own_world
    with TestClient(build_app(w.settings, mode="both", services=w.services), raise_server_exceptions=False) as c:
        callbacks = DashCallbacks(c.get("/dashboard/_dash-dependencies").json())
        _dash_login(c, callbacks, w.tokens["coordinator"])
        assert c.get("/dashboard/").status_code == 200
        assert "Anna Jansen" in _household_callback(c, callbacks).text
        w.services.close()  # the server loses its store; another process takes the write lock
        holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT)), str(w.settings.store_file)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
            api = c.get("/api/v1/households/H1", params=Q, headers=auth(w, "coordinator"))
            assert api.status_code == 503 and "locked" in api.json()["detail"]
            _assert_page_503(c, "locked")
            cb = _household_callback(c, callbacks)  # a callback: 200, with the message in place of the data
            assert cb.status_code == 200 and NL in cb.text and "Anna Jansen" not in cb.text
            assert c.get("/dashboard/_dash-layout").status_code == 200  # the shell itself needs no store
        finally:
            holder.kill()
            holder.wait()
        assert _wait_until(lambda: c.get("/dashboard/")).status_code == 200
        assert "Anna Jansen" in _household_callback(c, callbacks).text
        assert c.get("/api/v1/households/H1", params=Q, headers=auth(w, "coordinator")).status_code == 200


def test_neo4j_down_api_and_dashboard_503_then_recover(tmp_path: Path) -> None:
    """A Neo4jStore on a closed loopback port: 503 everywhere; when Neo4j "returns" (here: the same adapter over a
    driver that works, the LadybugDB-backed shim of tests/graph), everything answers again without a restart."""
    from tests.graph.test_neo4j_on_ladybug import LadybugShimDriver
    from tests.services.world import load_world, world_settings

    settings = world_settings(tmp_path).model_copy(update={"store": "neo4j"})
    load_world(world_settings(tmp_path))  # the data "Neo4j" will hold once it is back
    uri = f"bolt://127.0.0.1:{closed_port()}"
    up = {"yes": False}

    def factory() -> Neo4jStore:
        if up["yes"]:
            return Neo4jStore(LadybugShimDriver(settings.store_file), owns_driver=True, schema_ready=True)
        # short retry: the default driver retries for 15 s before giving up, longer than this test should wait
        return Neo4jStore.connect(uri, "neo4j", "not-a-real-password", retry_time_s=0.5, connection_timeout_s=2)

    services = CareServices(settings, store_factory=factory, today=lambda: AS_OF)
    tokens = {}
    for name, (role, kw) in USERS.items():
        services.users.add_user(name.replace("_", "-"), role, **kw)  # type: ignore[arg-type]
        tokens[name] = services.users.issue_token(name.replace("_", "-")).token
    w = World(services, settings, tokens)
    try:
        with TestClient(build_app(settings, mode="both", services=services), raise_server_exceptions=False) as c:
            callbacks = DashCallbacks(c.get("/dashboard/_dash-dependencies").json())
            _dash_login(c, callbacks, tokens["manager"])
            for path, who in (("/api/v1/households", "manager"), ("/api/v1/statistics", "researcher"),
                              ("/api/v1/households/H1", "coordinator")):
                r = c.get(path, params=Q, headers=auth(w, who))
                assert r.status_code == 503, (path, r.text)
                assert r.json()["detail"] == "the graph store is unavailable"
                assert r.headers["content-type"].startswith("application/problem+json")
            assert c.get("/ready").status_code == 503
            _assert_page_503(c, "unavailable")
            up["yes"] = True
            assert _wait_until(lambda: c.get("/dashboard/")).status_code == 200
            assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).json()["total"] == 4
            assert c.get("/ready").status_code == 200
    finally:
        services.close()
