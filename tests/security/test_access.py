"""Access, completed: every role x every household-level route x every household (coordinators outside their
districts included), on the API and on the dashboard; brute-force lockout on the dashboard login; token expiry and
revocation ending a dashboard session; security headers on every kind of dashboard response.

(Role x route for every route, and the scope cases of one coordinator, are in tests/api/test_role_matrix.py and
tests/api/test_scope.py; token expiry/revocation and API brute force in tests/api/test_auth.py.)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.loadtest import DashCallbacks
from caregraph.auth.throttle import LoginThrottle
from caregraph.serve import build_app
from caregraph.services import CareServices
from tests.api.conftest import auth
from tests.services.world import AS_OF, World

Q = {"as_of": AS_OF.isoformat()}
CB = "/dashboard/_dash-update-component"
ROLES = ("anonymous", "manager", "coordinator", "coordinator_h3", "researcher", "admin")
HOUSEHOLDS = ("H1", "H2", "H3", "H4", "H404")
SCOPE = {"coordinator": {"H1", "H2"}, "coordinator_h3": {"H3"}}  # districts D1 / assigned case H3
NAMES = {"H1": "Anna Jansen", "H3": "Cora de Vries"}


def _fresh_throttle(world: World) -> None:
    """Forget failed logins (one test's wrong tokens must not lock out the next; the lockout is tested below)."""
    world.services.users.throttle = LoginThrottle()


@pytest.fixture(autouse=True)
def _throttle(world: World) -> None:
    _fresh_throttle(world)


@pytest.fixture(scope="module")
def both(world: World) -> Iterator[TestClient]:
    with TestClient(build_app(world.settings, mode="both", services=world.services),
                    raise_server_exceptions=False) as c:
        yield c


def _expected_single(who: str, hh: str) -> int:
    if who == "anonymous":
        return 401
    if hh in SCOPE.get(who, set()):
        return 200
    return 403  # other roles, and coordinators outside their scope (unknown ids too: existence is not revealed)


@pytest.mark.parametrize("suffix", ["", "/network", "/overlap"])
def test_role_route_household_matrix(both: TestClient, world: World, suffix: str) -> None:
    seen = 0
    for who, hh in itertools.product(ROLES, HOUSEHOLDS):
        _fresh_throttle(world)
        r = both.get(f"/api/v1/households/{hh}{suffix}", params=Q, headers=auth(world, who))
        assert r.status_code == _expected_single(who, hh), (who, hh, suffix, r.status_code, r.text[:200])
        if r.status_code == 403:
            assert not any(name in r.text for name in NAMES.values())
        seen += 1
    assert seen == len(ROLES) * len(HOUSEHOLDS)


def test_pair_overlap_matrix(both: TestClient, world: World) -> None:
    for who, (a, b) in itertools.product(ROLES, itertools.permutations(HOUSEHOLDS[:4], 2)):
        _fresh_throttle(world)
        r = both.get("/api/v1/overlap/households", params={**Q, "a": a, "b": b}, headers=auth(world, who))
        scope = SCOPE.get(who, set())
        want = 401 if who == "anonymous" else 200 if {a, b} <= scope else 403
        assert r.status_code == want, (who, a, b, r.status_code)


def test_lists_and_caseloads_stay_in_scope_for_every_district_filter(both: TestClient, world: World) -> None:
    for who in ("coordinator", "coordinator_h3"):
        for district in (None, "D1", "D2", "D404"):
            params = {**Q, **({"district": district} if district else {})}
            r = both.get("/api/v1/households", params=params, headers=auth(world, who))
            assert r.status_code in (200, 403), r.text
            if r.status_code == 200:
                assert {h["household_id"] for h in r.json()["items"]} <= SCOPE[who], (who, district, r.json())
        for pid in ("P1", "P2", "P3", "P4", "P5"):
            r = both.get(f"/api/v1/professionals/{pid}/caseload", params=Q, headers=auth(world, who))
            assert r.status_code == 200
            assert set(r.json()["households"]) <= SCOPE[who], (who, pid, r.json())


def _login(c: TestClient, cb: DashCallbacks, token: str) -> Any:
    return c.post(CB, json=cb.body("login-message.children", {"login-button.n_clicks": 1, "login-token.value": token}))


def _household_cb(c: TestClient, cb: DashCallbacks, hh: str) -> Any:
    return c.post(CB, json=cb.body("household-header.children", {"url.search": f"?hh={hh}",
                                                                 "as-of.date": AS_OF.isoformat()}))


def test_dashboard_household_page_matrix(both: TestClient, world: World) -> None:
    cb = DashCallbacks(both.get("/dashboard/_dash-dependencies").json())
    for who in ROLES:
        both.cookies.clear()
        if who != "anonymous":
            assert _login(both, cb, world.tokens[who]).status_code == 200
        for hh in HOUSEHOLDS:
            r = _household_cb(both, cb, hh)
            if who == "anonymous":
                assert r.status_code == 204, r.text  # no session: the callback does nothing
                continue
            assert r.status_code == 200
            allowed = hh in SCOPE.get(who, set())
            for owner, name in NAMES.items():
                assert (name in r.text) == (allowed and owner == hh), (who, hh, name)
    both.cookies.clear()


def test_dashboard_login_brute_force_is_locked_out(world: World) -> None:
    services = CareServices(world.settings, today=lambda: AS_OF)  # a fresh throttle
    try:
        with TestClient(build_app(world.settings, mode="both", services=services),
                        raise_server_exceptions=False) as c:
            cb = DashCallbacks(c.get("/dashboard/_dash-dependencies").json())
            for i in range(10):
                r = _login(c, cb, f"cg_0000000000{i:02d}_guess")
                assert r.status_code == 200 and "caregraph_dash" not in c.cookies
            r = _login(c, cb, world.tokens["manager"])  # even the right token is refused while locked out
            assert "too many failed logins" in r.text, r.text[:300]
            assert "caregraph_dash" not in c.cookies
            # the lockout is per client, for the API as well
            api = c.get("/api/v1/districts", headers=auth(world, "manager"))
            assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    finally:
        services.close()


def test_revoked_and_expired_tokens_end_dashboard_sessions(both: TestClient, world: World) -> None:
    cb = DashCallbacks(both.get("/dashboard/_dash-dependencies").json())
    users = world.services.users
    users.add_user("coord-short", "coordinator", districts=["D1"])
    for end in ("revoke", "expire"):
        issued = users.issue_token("coord-short", days=2 / 86400 if end == "expire" else 1)
        both.cookies.clear()
        assert _login(both, cb, issued.token).status_code == 200 and "caregraph_dash" in both.cookies
        assert "Anna Jansen" in _household_cb(both, cb, "H1").text
        if end == "revoke":
            users.revoke_token(issued.token_id)
        else:
            time.sleep(2.5)
        r = _household_cb(both, cb, "H1")
        assert r.status_code == 204 and "Anna Jansen" not in r.text, (end, r.status_code)
        route = both.post(CB, json=cb.body("page-content.children", {"url.pathname": "/dashboard/household"}))
        assert "login-token" in route.text  # back to the login page
        api = both.get("/api/v1/households/H1", params=Q, headers={"Authorization": f"Bearer {issued.token}"})
        assert api.status_code == 401
    both.cookies.clear()


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/cases", "/dashboard/no-such-page",
                                  "/dashboard/_dash-layout", "/dashboard/_dash-dependencies"])
def test_dashboard_security_headers(both: TestClient, path: str) -> None:
    r = both.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["default-src"] == "'self'"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_dashboard_headers_on_callbacks_and_session_cookie_flags(both: TestClient, world: World) -> None:
    cb = DashCallbacks(both.get("/dashboard/_dash-dependencies").json())
    both.cookies.clear()
    r = _login(both, cb, world.tokens["manager"])
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    both.cookies.clear()
