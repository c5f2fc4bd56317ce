"""Login throttling counts only guesses: anonymous requests never lock out a valid token nor end a dashboard session,
a success never clears an attacker's count, and a flood of distinct wrong tokens cannot push the address records
out of the throttle's bounded memory."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bench.loadtest import DashCallbacks
from caregraph.auth import TooManyAttemptsError
from caregraph.auth.throttle import LoginThrottle, client_key, token_key
from caregraph.serve import build_app
from caregraph.services import CareServices
from tests.api.conftest import auth
from tests.services.world import AS_OF, World

CB = "/dashboard/_dash-update-component"


@pytest.fixture
def services(world: World) -> Iterator[CareServices]:
    """Services of their own (a fresh throttle per test) over the module's world."""
    s = CareServices(world.settings, today=lambda: AS_OF)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def client(services: CareServices, world: World) -> Iterator[TestClient]:
    with TestClient(build_app(world.settings, mode="both", services=services), raise_server_exceptions=False) as c:
        yield c


def _login(c: TestClient, cb: DashCallbacks, token: str) -> str:
    r = c.post(CB, json=cb.body("login-message.children", {"login-button.n_clicks": 1, "login-token.value": token}))
    assert r.status_code == 200
    return r.text


def _household_cb(c: TestClient, cb: DashCallbacks, hh: str) -> str:
    return c.post(CB, json=cb.body("household-header.children", {"url.search": f"?hh={hh}",
                                                                 "as-of.date": AS_OF.isoformat()})).text


def test_anonymous_requests_never_lock_out_a_valid_token(client: TestClient, world: World) -> None:
    for _ in range(30):
        assert client.get("/api/v1/districts").status_code == 401
        assert client.get("/api/v1/districts", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/api/v1/districts", headers=auth(world, "manager")).status_code == 200


def test_anonymous_requests_keep_a_dashboard_session(client: TestClient, world: World) -> None:
    cb = DashCallbacks(client.get("/dashboard/_dash-dependencies").json())
    _login(client, cb, world.tokens["coordinator"])
    assert "Anna Jansen" in _household_cb(client, cb, "H1")
    session = client.cookies.get("caregraph_dash")
    for _ in range(30):  # anonymous API calls and empty dashboard logins from the same client
        assert client.get("/api/v1/districts").status_code == 401
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    for _ in range(15):
        _login(anonymous, cb, "")
    assert client.cookies.get("caregraph_dash") == session
    assert "Anna Jansen" in _household_cb(client, cb, "H1")


def test_a_lockout_refuses_but_keeps_the_dashboard_session(client: TestClient, services: CareServices,
                                                           world: World) -> None:
    now = [0.0]
    services.users.throttle = LoginThrottle(max_failures=3, window_s=60, lockout_s=30, clock=lambda: now[0])
    cb = DashCallbacks(client.get("/dashboard/_dash-dependencies").json())
    _login(client, cb, world.tokens["coordinator"])
    for i in range(3):
        r = client.get("/api/v1/districts", headers={"Authorization": f"Bearer cg_guess{i}"})
        assert r.status_code == 401
    assert client.get("/api/v1/districts", headers=auth(world, "manager")).status_code == 429
    assert "Anna Jansen" not in _household_cb(client, cb, "H1")  # refused while the address is locked out
    now[0] = 31.0
    assert "Anna Jansen" in _household_cb(client, cb, "H1")  # ... and the session is still there afterwards


def test_a_success_does_not_wipe_an_attackers_count(client: TestClient, world: World) -> None:
    own = auth(world, "researcher")  # the attacker holds a valid token of their own
    for i in range(9):
        assert client.get("/api/v1/districts", headers={"Authorization": f"Bearer cg_guess{i}"}).status_code == 401
        assert client.get("/api/v1/flags/summary", headers=own).status_code != 401
    assert client.get("/api/v1/districts", headers={"Authorization": "Bearer cg_guess9"}).status_code == 401
    r = client.get("/api/v1/districts", headers=auth(world, "manager"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_a_success_clears_only_its_own_key() -> None:
    th = LoginThrottle(max_failures=5)
    th.failed(client_key("10.0.0.1"), token_key("ab" * 32))
    th.succeeded(token_key("ab" * 32))
    assert th.failures(token_key("ab" * 32)) == 0
    assert th.failures(client_key("10.0.0.1")) == 1


def test_distinct_wrong_tokens_do_not_evict_the_address_record() -> None:
    th = LoginThrottle(max_failures=3, max_clients=5)
    attacker = client_key("10.0.0.9")
    for i in range(3):
        th.failed(attacker, *(token_key(f"{i:02d}{j:062d}") for j in range(20)))
    with pytest.raises(TooManyAttemptsError):
        th.check(attacker)


def test_failed_logins_are_logged_but_not_audited(client: TestClient, services: CareServices, world: World,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    before = len(list(services.audit.entries()))
    guesses = [f"cg_000000000000_secretguess{i:02d}" for i in range(10)]
    with caplog.at_level(logging.INFO, logger="caregraph.auth"):
        assert client.get("/api/v1/districts").status_code == 401
        for g in guesses:
            assert client.get("/api/v1/districts", headers={"Authorization": f"Bearer {g}"}).status_code == 401
        assert client.get("/api/v1/districts", headers=auth(world, "manager")).status_code == 429
    failed = [r for r in caplog.records if r.getMessage().startswith("failed login from testclient: unknown token")]
    assert len(failed) == 10  # the anonymous request is not a failed login
    assert any(r.levelno == logging.WARNING and "login lockout: client:testclient" in r.getMessage()
               for r in caplog.records)
    assert not any(g in caplog.text for g in guesses)
    assert len(list(services.audit.entries())) == before  # 401 and 429 are not audit events (see SECURITY.md)
