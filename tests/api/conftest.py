from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.services.world import World, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One loaded world per test module (tests must not break it for the others: mutate only the ``victim`` user)."""
    yield from make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, services=world.services), raise_server_exceptions=False) as c:
        yield c


def auth(world: World, who: str) -> dict[str, str]:
    """Authorization header of a test user (or none for ``anonymous``)."""
    return {} if who == "anonymous" else {"Authorization": f"Bearer {world.tokens[who]}"}
