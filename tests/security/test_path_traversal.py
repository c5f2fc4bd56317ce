"""Path traversal in file names other than uploads (those are in test_uploads.py): backup manifests that name files
outside their folder, and the names of exports (research zip, dashboard cases CSV), which the server makes itself
from a parsed date, whatever the request says."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.loadtest import DashCallbacks
from caregraph.serve import build_app
from graph.backup import MANIFEST_FILE, BackupError, backup_store, restore_store, verify_backup
from graph.ladybug_store import LadybugStore
from tests.api.conftest import auth
from tests.services.world import AS_OF, World, world_tables

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    with LadybugStore.open(tmp_path / "store" / "graph.lbug") as store:
        store.load(world_tables())
        backup_store(store, tmp_path / "backup")
    return tmp_path / "backup"


@pytest.mark.parametrize("name", ["../graph.lbug", "../../etc/passwd", "/etc/passwd", "sub/../../x", "..", "a/b"])
def test_manifest_naming_a_file_outside_the_backup_is_refused(backup: Path, tmp_path: Path, name: str) -> None:
    manifest = json.loads((backup / MANIFEST_FILE).read_text())
    manifest["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    (backup / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match=r"outside the backup folder|missing|does not match"):
        verify_backup(backup)
    target = tmp_path / "restored" / "graph.lbug"
    with pytest.raises(BackupError):
        restore_store(backup, target)
    assert not target.exists()


def test_restore_reads_only_the_database_file_of_the_backup(backup: Path, tmp_path: Path) -> None:
    """A symlink planted in the backup folder is not followed into the store folder."""
    (tmp_path / "secret.txt").write_text("not for the store")
    (backup / "extra").symlink_to(tmp_path / "secret.txt")
    target = tmp_path / "restored" / "graph.lbug"
    restore_store(backup, target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["graph.lbug"]
    shutil.rmtree(target.parent)


def test_research_export_name_is_made_by_the_server(world: World) -> None:
    with TestClient(build_app(world.settings, mode="api", services=world.services),
                    raise_server_exceptions=False) as c:
        for as_of in ("../../etc/passwd", "2024-06-30/../../x", "2024-06-30%2F..%2Fx"):
            r = c.get("/api/v1/exports/research", params={"as_of": as_of}, headers=auth(world, "researcher"))
            assert r.status_code == 422, (as_of, r.status_code)
        r = c.get("/api/v1/exports/research", params={"as_of": AS_OF.isoformat()}, headers=auth(world, "researcher"))
        assert r.status_code == 200
        filename = re.search(r'filename="?([^";]+)', r.headers["content-disposition"]).group(1)  # type: ignore[union-attr]
        assert SAFE_NAME.match(filename) and filename.startswith("caregraph-research-2024-06-30-")
    exports = world.settings.data_dir / "exports"
    assert [p.name for p in exports.iterdir() if not p.name.startswith(".")] == [filename]


def test_dashboard_csv_name_comes_from_a_parsed_date(world: World) -> None:
    with TestClient(build_app(world.settings, mode="both", services=world.services),
                    raise_server_exceptions=False) as c:
        cb = DashCallbacks(c.get("/dashboard/_dash-dependencies").json())
        post = "/dashboard/_dash-update-component"
        c.post(post, json=cb.body("login-message.children", {"login-button.n_clicks": 1,
                                                             "login-token.value": world.tokens["manager"]}))
        for as_of in ("../../../etc/cron.d/x", "2024-06-30/../../x", "C:\\Windows\\x"):
            r = c.post(post, json=cb.body("cases-download.data", {
                "cases-export.n_clicks": 1, "cases-table.derived_virtual_data": [{"household_id": "H1"}],
                "as-of.date": as_of}))
            assert r.status_code == 200, r.text
            name = r.json()["response"]["cases-download"]["data"]["filename"]
            assert SAFE_NAME.match(name) and name.startswith("caregraph-cases-"), name
