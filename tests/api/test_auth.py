"""Bearer tokens: hashed at rest, expiry, revocation (also from another process), brute-force protection."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from caregraph.auth import (
    AuthenticationError,
    LoginThrottle,
    Role,
    TooManyAttemptsError,
    UserExistsError,
    UserStore,
    create_demo_users,
    hash_token,
    users_file,
)
from caregraph.services import CareServices
from tests.services.world import World, world_settings


def test_tokens_are_stored_only_as_hashes(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.jsonl")
    users.add_user("ann", Role.manager)
    token = users.issue_token("ann").token
    text = (tmp_path / "users.jsonl").read_text()
    assert token not in text
    assert hash_token(token) in text
    assert oct((tmp_path / "users.jsonl").stat().st_mode & 0o777) == "0o600"
    assert users.authenticate(token).username == "ann"


def test_expired_token_is_refused(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.jsonl")
    users.add_user("ann", Role.manager)
    token = users.issue_token("ann", days=0.5 / 86400).token  # half a second
    assert users.authenticate(token).role is Role.manager
    time.sleep(0.6)
    with pytest.raises(AuthenticationError):
        users.authenticate(token)


def test_revocation_by_token_and_by_user(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.jsonl")
    users.add_user("ann", Role.coordinator, districts=["D1"])
    t1, t2 = users.issue_token("ann"), users.issue_token("ann")
    users.revoke_token(t1.token_id)
    with pytest.raises(AuthenticationError):
        users.authenticate(t1.token)
    assert users.authenticate(t2.token).districts == frozenset({"D1"})
    # another process (the CLI) revokes the user: this store sees it at the next request
    UserStore(tmp_path / "users.jsonl").revoke_user("ann")
    with pytest.raises(AuthenticationError):
        users.authenticate(t2.token)
    with pytest.raises(UserExistsError):
        users.add_user("ann", Role.manager)


def test_bad_user_names_and_roles(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.jsonl")
    for name in ("", "a b", "../x", "x" * 65, "'; DROP"):
        with pytest.raises(ValueError):
            users.add_user(name, Role.manager)
    with pytest.raises(ValueError):
        users.add_user("ok", "god")


def test_throttle_locks_out_after_failures() -> None:
    now = [0.0]
    th = LoginThrottle(max_failures=3, window_s=60, lockout_s=30, clock=lambda: now[0])
    for _ in range(3):
        th.check("1.2.3.4")
        th.failed("1.2.3.4")
    with pytest.raises(TooManyAttemptsError) as e:
        th.check("1.2.3.4")
    assert e.value.retry_after == 30
    th.check("5.6.7.8")  # other clients are not affected
    now[0] = 31.0
    th.check("1.2.3.4")


def test_brute_force_over_http_gives_429_even_for_a_valid_token(world: World) -> None:
    services = CareServices(world.settings)  # its own throttle; the store is never opened by these requests
    with TestClient(create_app(world.settings, services=services), raise_server_exceptions=False) as c:
        for i in range(10):
            assert c.get("/api/v1/districts", headers={"Authorization": f"Bearer cg_wrong{i}"}).status_code == 401
        r = c.get("/api/v1/districts", headers={"Authorization": f"Bearer {world.tokens['manager']}"})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert r.headers["content-type"].startswith("application/problem+json")


def test_demo_users_only_in_demo_mode(tmp_path: Path) -> None:
    settings = world_settings(tmp_path)
    tokens = create_demo_users(settings, districts=["D1"])
    assert set(tokens) == {r.value for r in Role}
    users = UserStore(users_file(settings.data_dir))
    assert users.authenticate(tokens["coordinator"]).districts == frozenset({"D1"})
    again = create_demo_users(settings, districts=["D1"])  # idempotent: new tokens for the same users
    assert users.authenticate(again["admin"]).username == "demo-admin"
    with pytest.raises(PermissionError):
        create_demo_users(settings.model_copy(update={"demo": False}))


def test_users_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from caregraph.cli import app
    from foundation.settings import get_settings

    monkeypatch.setenv("CAREGRAPH_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["users", "add", "kim", "--role", "coordinator", "--district", "D1", "--days", "2"])
        assert r.exit_code == 0, r.output
        token = r.output.strip().splitlines()[-1]
        users = UserStore(users_file(tmp_path))
        assert users.authenticate(token).username == "kim"
        r = runner.invoke(app, ["users", "list"])
        assert "kim" in r.output and token not in r.output
        r = runner.invoke(app, ["users", "add", "kim", "--role", "manager"])
        assert r.exit_code == 1
        r = runner.invoke(app, ["users", "revoke", "kim"])
        assert r.exit_code == 0
        with pytest.raises(AuthenticationError):
            users.authenticate(token)
        r = runner.invoke(app, ["users", "audit", "--verify"])
        assert r.exit_code == 0 and "intact" in r.output
        events = [json.loads(x)["event"] for x in (tmp_path / "auth" / "users.jsonl").read_text().splitlines()]
        assert events == ["user_added", "token_issued", "user_revoked"]
    finally:
        get_settings.cache_clear()
