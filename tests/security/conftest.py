"""Fixtures of the security tests: the hand-built world of tests/services, one per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.world import World, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One loaded world per test module (a test that changes users adds its own)."""
    yield from make_world(tmp_path_factory.mktemp("world"))
