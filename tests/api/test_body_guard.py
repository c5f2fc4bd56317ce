"""Authentication before the body, body limits on every route but ingest, and problem details for unreadable
bodies.

The big-body tests drive the ASGI application directly with a ``receive`` that counts the body bytes the server
pulls, so they show what the server *reads*, not only what it answers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message

from api.problems import UNREADABLE_BODY
from caregraph.serve import build_app
from tests.api.conftest import auth
from tests.services.world import World

CHUNK = 1024 * 1024
BIG = 150 * CHUNK


@pytest.fixture(scope="module")
def app(world: World) -> ASGIApp:
    return build_app(world.settings, mode="both", services=world.services)


@pytest.fixture(scope="module")
def client(app: ASGIApp) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _post(app: ASGIApp, path: str, headers: dict[str, str], *, size: int = BIG,
          declare: bool = True) -> tuple[int, dict[str, Any], int]:
    """POST a body of ``size`` bytes in 1 MiB chunks (with a Content-Length, or chunked when not ``declare``);
    returns the status, the JSON answer and how many body bytes the server pulled."""
    pulled = 0
    sent: list[Message] = []
    hdrs = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    hdrs += [(b"content-type", b"application/json")]
    hdrs += [(b"content-length", str(size).encode())] if declare else [(b"transfer-encoding", b"chunked")]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": hdrs,
             "client": ("127.0.0.7", 5000), "server": ("testserver", 80), "state": {}}

    async def receive() -> Message:
        nonlocal pulled
        if pulled >= size:
            return {"type": "http.disconnect"}
        n = min(CHUNK, size - pulled)
        pulled += n
        return {"type": "http.request", "body": b" " * n, "more_body": pulled < size}

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body) if body.startswith(b"{") else {"raw": body[:300]}, pulled


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("token", [None, "cg_wrong_guess"], ids=["no-token", "wrong-token"])
def test_unauthenticated_big_post_is_refused_before_its_body_is_read(app: ASGIApp, declare: bool,
                                                                     token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for path in ("/api/v1/users", "/api/v1/ingest"):
        status, problem, pulled = _post(app, path, headers, declare=declare)
        assert status == 401 and problem["title"] == "Unauthorized", problem
        assert pulled == 0, f"{path}: {pulled} bytes read before the token was checked"


def test_authenticated_oversize_body_is_413_without_reading_it(app: ASGIApp, world: World) -> None:
    status, problem, pulled = _post(app, "/api/v1/users", auth(world, "admin"))
    assert status == 413 and problem["title"] == "Payload too large" and problem["instance"] == "/api/v1/users"
    assert pulled == 0


def test_a_streamed_body_is_cut_off_at_the_limit(app: ASGIApp, world: World) -> None:
    status, problem, pulled = _post(app, "/api/v1/users", auth(world, "admin"), declare=False)
    assert status == 413 and problem["status"] == 413, problem
    assert pulled <= world.settings.max_body_bytes + CHUNK  # stopped at the limit, not after 150 MiB


def test_dashboard_callbacks_are_capped_too(app: ASGIApp, world: World) -> None:
    status, problem, pulled = _post(app, "/dashboard/_dash-update-component", {})
    assert status == 413 and problem["title"] == "Payload too large" and pulled == 0
    status, _, pulled = _post(app, "/dashboard/_dash-update-component", {}, declare=False)
    assert status in (400, 413) and pulled <= world.settings.max_body_bytes + CHUNK


def test_small_bodies_and_ingest_uploads_still_pass(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/users", json={"username": "body-guard", "role": "manager"}, headers=auth(world, "admin"))
    assert r.status_code == 201, r.text
    big_csv = ("household_id,district_id,composition,postcode,opened_on,closed_on\n"
               + "H9,D1,single,,2024-01-01,\n" * 60_000).encode()
    assert len(big_csv) > world.settings.max_body_bytes  # an upload may be larger than other bodies
    r = client.post("/api/v1/ingest", params={"dry_run": "true"}, headers=auth(world, "admin"),
                    files=[("files", ("households.csv", io.BytesIO(big_csv), "text/csv"))])
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("body,content_type", [(b'{"username": "\xc3\x28"}', "application/json"),
                                               (b"--x\r\nnot a form", "multipart/form-data")],
                         ids=["not-utf8-json", "form-without-boundary"])
def test_unreadable_bodies_answer_a_problem(client: TestClient, world: World, body: bytes,
                                            content_type: str) -> None:
    path = "/api/v1/users" if content_type == "application/json" else "/api/v1/ingest"
    r = client.post(path, content=body, headers={**auth(world, "admin"), "content-type": content_type})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["title"] == "Bad request" and problem["status"] == 400 and problem["instance"] == path
    assert "error parsing the body" not in problem["detail"]
    if content_type == "application/json":
        assert problem["detail"] == UNREADABLE_BODY


def test_body_statuses_are_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/users", "/api/v1/ingest"):
        responses = spec["paths"][path]["post"]["responses"]
        for code in ("400", "401", "413"):
            assert "application/problem+json" in responses[code]["content"], (path, code)
