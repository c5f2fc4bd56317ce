"""Property-based run against the OpenAPI document: no server errors, every response conforms to the schema.

Bounded: a few examples per operation (the whole run stays well under a minute on a loaded 2-core machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from tests.services.world import World, make_world

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture(scope="module")
def st_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("schemathesis"))


@pytest.fixture(scope="module")
def api_schema(st_world: World) -> Any:
    app = create_app(st_world.settings, services=st_world.services)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _role(path: str) -> str:
    if path.startswith(("/api/v1/users", "/api/v1/audit", "/api/v1/ingest")):
        return "admin"
    if path.startswith(("/api/v1/exports", "/api/v1/statistics")):
        return "researcher"
    return "coordinator"


MAX_EXAMPLES = 8
CALLS: dict[str, int] = {}


def _run_operation(op: Any, token: str) -> None:
    """``MAX_EXAMPLES`` generated requests against one operation, validated by :data:`CHECKS`."""

    @given(case=op.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if op.method.upper() == "DELETE":  # never revoke a test user
            case.path_parameters = {**(case.path_parameters or {}), "username": "no-such-user"}
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        CALLS[op.method.upper() + " " + op.path] = CALLS.get(op.method.upper() + " " + op.path, 0) + 1

    run()


def test_api_conforms(api_schema: Any, st_world: World) -> None:
    """Every operation, ``MAX_EXAMPLES`` generated requests each, as a user whose role may call it."""
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 18
    tried = 0
    for op in operations:
        _run_operation(op, st_world.tokens[_role(op.path)])
        tried += 1
    assert tried >= len(operations)
    assert len(CALLS) == len(operations)  # every operation was called
    assert sum(CALLS.values()) >= 3 * len(operations), CALLS
