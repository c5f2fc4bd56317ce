"""Fixtures of the data-safety tests: a loaded embedded store on disk, and settings/CLI pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from caregraph.settings import get_settings
from graph.ladybug_store import LadybugStore
from graph.schema import TABLE_ORDER
from graph.tables import CareTables
from tests.safety.data import safety_tables

N_HOUSEHOLDS = 60


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store file (as the settings name it: ``<store_path>/graph.lbug``) loaded with ``safety_tables(60)``."""
    path = tmp_path / "store" / "graph.lbug"
    with LadybugStore.open(path) as s:
        s.load(safety_tables(N_HOUSEHOLDS))
    return path


@pytest.fixture
def cli_env(tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Environment for ``caregraph`` commands on ``store_path`` (settings cache cleared around the test)."""
    env = {
        "CAREGRAPH_STORE": "embedded",
        "CAREGRAPH_STORE_PATH": str(store_path.parent),
        "CAREGRAPH_DATA_DIR": str(tmp_path / "data"),
        "CAREGRAPH_DEMO": "1",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def read_all(path: Path) -> CareTables:
    """Every entity table of the store file ``path`` (opened read-only, then closed)."""
    with LadybugStore.open(path, read_only=True) as s:
        return CareTables({name: s.read_table(name) for name in TABLE_ORDER})


def assert_same_tables(a: CareTables, b: CareTables) -> None:
    """Every entity table equal, row for row and value for value."""
    for name in TABLE_ORDER:
        assert a[name].equals(b[name]), f"table {name} differs: {a[name].num_rows} vs {b[name].num_rows} rows"
