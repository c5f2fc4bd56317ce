"""Research exports on the server: written with mode 0600, and kept only as configured (count and age); older ones
are removed when a new one is written."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from caregraph.export_retention import exports_dir, prune_exports
from tests.api.conftest import auth
from tests.services.world import AS_OF, World

DAY = 86400.0


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, services=world.services), raise_server_exceptions=False) as c:
        yield c


def _export(c: TestClient, world: World) -> str:
    r = c.get("/api/v1/exports/research", params={"as_of": AS_OF.isoformat()}, headers=auth(world, "researcher"))
    assert r.status_code == 200, r.text
    name = r.headers["content-disposition"].split("filename=")[1].strip('"')
    return name


def test_exports_are_private_and_pruned(client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = exports_dir(world.settings.data_dir)
    monkeypatch.setattr(world.services, "settings",
                        world.services.settings.model_copy(update={"export_keep_count": 2, "export_keep_days": 7}))
    names = [_export(client, world) for _ in range(3)]
    kept = sorted(p.name for p in folder.glob("*.zip"))
    assert len(kept) == 2 and names[-1] in kept and names[0] not in kept
    for p in folder.glob("*.zip"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    aged = folder / kept[0]
    os.utime(aged, (time.time() - 8 * DAY, time.time() - 8 * DAY))
    newest = _export(client, world)
    assert sorted(p.name for p in folder.glob("*.zip")) == sorted({newest, *kept} - {aged.name})


def _zips(folder: Path, ages_days: list[float]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    now = time.time()
    for i, age in enumerate(ages_days):
        p = folder / f"caregraph-research-2024-06-30-2024070{i}T000000-abc{i:03d}.zip"
        p.write_bytes(b"zip")
        os.utime(p, (now - age * DAY, now - age * DAY))
        out.append(p)
    return out


def test_prune_by_count_and_age(tmp_path: Path) -> None:
    zips = _zips(tmp_path, [0.1, 0.2, 0.3, 9.0])
    other = tmp_path / "notes.txt"
    other.write_text("not an export")
    dry = prune_exports(tmp_path, keep_count=2, keep_days=7, dry_run=True)
    assert sorted(dry.removed) == sorted(p.name for p in zips[2:]) and all(p.exists() for p in zips)
    out = prune_exports(tmp_path, keep_count=2, keep_days=7)
    assert out.kept == 2 and sorted(out.removed) == sorted(p.name for p in zips[2:])
    assert [p.exists() for p in zips] == [True, True, False, False] and other.exists()
    assert prune_exports(tmp_path, keep_count=10, keep_days=0.15).removed == [zips[1].name]


def test_the_export_being_sent_is_spared(tmp_path: Path) -> None:
    (new,) = _zips(tmp_path, [0.0])
    assert prune_exports(tmp_path, keep_count=0, keep_days=0, spare=new.name).removed == []
    assert prune_exports(tmp_path, keep_count=0, keep_days=0).removed == [new.name]
