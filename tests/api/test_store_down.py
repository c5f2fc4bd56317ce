"""A store that is unavailable gives 503 problem details with Retry-After; the API recovers by itself."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.store import StoreUnavailableError
from tests.api.conftest import auth
from tests.services.world import AS_OF, World, make_world

Q = {"as_of": AS_OF.isoformat()}

HOLDER = """
import sys, time
from graph.ladybug_store import LadybugStore
s = LadybugStore.open(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def own_world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def _assert_503(r: object) -> None:
    assert r.status_code == 503, r.text  # type: ignore[attr-defined]
    assert int(r.headers["retry-after"]) > 0  # type: ignore[attr-defined]


def test_locked_store_gives_503_and_recovers(own_world: World) -> None:
    w = own_world
    with TestClient(create_app(w.settings, services=w.services), raise_server_exceptions=False) as c:
        assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).status_code == 200
        w.services.close()  # the server loses its store; another process takes the write lock
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(w.settings.store_file)],
                                  stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
            r = c.get("/api/v1/households", params=Q, headers=auth(w, "manager"))
            _assert_503(r)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "locked" in r.json()["detail"]
            _assert_503(c.get("/api/v1/households/H1", params=Q, headers=auth(w, "coordinator")))
            _assert_503(c.get("/ready"))
            assert c.get("/health").status_code == 200
        finally:
            holder.kill()
            holder.wait()
        deadline = time.monotonic() + 20
        while True:
            r = c.get("/api/v1/households/H1", params=Q, headers=auth(w, "coordinator"))
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 200
        assert c.get("/ready").status_code == 200


def test_unreachable_store_gives_503_then_recovers(own_world: World) -> None:
    w = own_world
    s = w.services
    real = s.handle.factory
    down = {"yes": True}

    def flaky() -> object:
        if down["yes"]:
            raise StoreUnavailableError("connection refused")
        return real()

    s.close()
    s.handle.factory = flaky  # type: ignore[assignment]
    with TestClient(create_app(w.settings, services=s), raise_server_exceptions=False) as c:
        r = c.get("/api/v1/statistics", params=Q, headers=auth(w, "manager"))
        _assert_503(r)
        assert r.json()["detail"] == "the graph store is unavailable"
        down["yes"] = False
        assert c.get("/api/v1/statistics", params=Q, headers=auth(w, "manager")).status_code == 200


def test_failing_analytics_give_503_not_500(own_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from caregraph.services.cache import AsOfResults

    def broken(self: object, tables: object) -> list[object]:
        raise RuntimeError("analytics bug")

    monkeypatch.setattr(AsOfResults, "_evaluate_flags", broken)
    w = own_world
    with TestClient(create_app(w.settings, services=w.services), raise_server_exceptions=False) as c:
        r = c.get("/api/v1/households", params={"as_of": "2024-06-29"}, headers=auth(w, "manager"))
        _assert_503(r)
        assert "analytics failed" in r.json()["detail"]
        monkeypatch.undo()
        r = c.get("/api/v1/households", params={"as_of": "2024-06-29"}, headers=auth(w, "manager"))
        assert r.status_code == 200
