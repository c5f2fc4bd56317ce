"""Fixtures of the data-safety tests: a loaded embedded store on disk, and settings/CLI pointing at it."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from foundation.settings import get_settings
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


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Factory: mount a tmpfs of the given size (e.g. ``"200k"``) in ``tmp_path`` (root only; skips otherwise).

    Every mount is unmounted at teardown, also when the test fails.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    gc.collect()  # a traceback kept by pytest.raises may still hold an open file on the tmpfs
    for point in mounted:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], check=True)  # detach now, freed when the last file closes
