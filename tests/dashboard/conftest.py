"""Fixtures of the dashboard tests: a small municipality in a real LadybugDB store, shared per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.municipality import Municipality, make_municipality


@pytest.fixture(scope="module")
def municipality(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Municipality]:
    root: Path = tmp_path_factory.mktemp("dash_muni")
    m = make_municipality(root)
    yield m
    m.services.close()
