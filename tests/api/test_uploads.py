"""Upload for ingest (admins): validation report, load, cache invalidation, size limit, safe file names."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import auth
from tests.services.world import AS_OF, World, make_world

Q = {"as_of": AS_OF.isoformat()}
CSV = (
    "household_id,district_id,composition,postcode,opened_on,closed_on\n"
    "H9,D1,single,,2024-01-01,\n"
)


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    for w in make_world(tmp_path):
        with TestClient(create_app(w.settings, services=w.services), raise_server_exceptions=False) as c:
            yield w, c


def _files(name: str, data: str | bytes) -> list[tuple[str, tuple[str, io.BytesIO, str]]]:
    raw = data.encode() if isinstance(data, str) else data
    return [("files", (name, io.BytesIO(raw), "text/csv"))]


def test_upload_loads_and_invalidates_the_cache(own: tuple[World, TestClient]) -> None:
    w, c = own
    assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).json()["total"] == 4
    dry = c.post("/api/v1/ingest", params={"dry_run": "true"}, files=_files("households.csv", CSV),
                 headers=auth(w, "admin"))
    assert dry.status_code == 200, dry.text
    assert dry.json()["status"] == "dry-run" and not dry.json()["loaded"]
    assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).json()["total"] == 4
    r = c.post("/api/v1/ingest", files=_files("../../tmp/households.csv", CSV), headers=auth(w, "admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "loaded" and body["loaded"] and body["report"]["ok"]
    assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).json()["total"] == 5
    uploads = w.settings.data_dir / "uploads"
    assert not list(uploads.rglob("households.csv"))  # raw uploads (BSNs in clear) are deleted once ingested
    assert len(list(uploads.glob("*/report.json"))) == 2
    assert [e.action for e in w.services.audit.entries(user="admin")][-2:] == ["ingest", "ingest"]


def test_invalid_upload_returns_the_report(own: tuple[World, TestClient]) -> None:
    w, c = own
    bad = CSV.replace("2024-01-01", "2024-13-45").replace("D1", "D404")
    r = c.post("/api/v1/ingest", files=_files("households.csv", bad), headers=auth(w, "admin"))
    assert r.status_code == 200
    body = r.json()
    assert not body["report"]["ok"]  # the bad row is quarantined; nothing of it reaches the store
    assert body["quarantined"] == {"households": 1}, body
    assert {i["field"] for i in body["report"]["issues"]} >= {"opened_on"}, body["report"]
    assert c.get("/api/v1/households", params=Q, headers=auth(w, "manager")).json()["total"] == 4


def test_upload_limits(own: tuple[World, TestClient]) -> None:
    w, c = own
    w.services.max_upload_bytes = 100
    r = c.post("/api/v1/ingest", files=_files("households.csv", CSV * 5), headers=auth(w, "admin"))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    w.services.max_upload_bytes = 10_000
    r = c.post("/api/v1/ingest", files=_files("evil.sh", "rm -rf /"), headers=auth(w, "admin"))
    assert r.status_code == 422
    r = c.post("/api/v1/ingest", headers=auth(w, "admin"))
    assert r.status_code == 422


def test_upload_answers_name_files_without_server_paths(own: tuple[World, TestClient]) -> None:
    w, c = own
    bad = CSV.replace("2024-01-01", "2024-13-45")
    for params in ({"dry_run": "true"}, {}):
        r = c.post("/api/v1/ingest", params=params, files=_files("households.csv", bad), headers=auth(w, "admin"))
        assert r.status_code == 200, r.text
        report = r.json()["report"]
        assert report["files"] == ["households.csv"]
        assert report["issues"] and {i["file"] for i in report["issues"]} == {"households.csv"}
        assert str(w.settings.data_dir.resolve()) not in r.text and str(w.settings.data_dir) not in r.text
    saved = list((w.settings.data_dir / "uploads").glob("*/report.json"))
    assert len(saved) == 2
    for p in saved:
        text = p.read_text(encoding="utf-8")
        assert '"households.csv"' in text and str(w.settings.data_dir) not in text, text[:500]
