"""API uploads: nothing with a clear BSN stays on the server, the size limit comes from settings (413), and no upload
name reaches outside its folder."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.app import create_app
from caregraph.services import CareServices
from caregraph.services.uploads import safe_name
from tests.api.conftest import auth
from tests.services.world import World, make_world

HOUSEHOLDS = ("household_id,district_id,composition,postcode,opened_on,closed_on\n"
              "H9,D1,single,,2024-01-01,\n")
# M91 is valid; M92 has a BSN failing the 11-proef, M93 a bad year: both are quarantined with their clear input
MEMBERS = ("member_id,household_id,bsn,name,birth_year,role\n"
           "M91,H9,999900043,Ok Name,1980,parent\n"
           "M92,H9,999900042,Bad Bsn,1981,partner\n"
           "M93,H9,999900055,=2+3 Bad Year,year,child\n")
CLEAR_BSNS = ("999900043", "999900042", "999900055")


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    for w in make_world(tmp_path):
        with TestClient(create_app(w.settings, services=w.services), raise_server_exceptions=False) as c:
            yield w, c


def _files(*named: tuple[str, str]) -> list[tuple[str, tuple[str, io.BytesIO, str]]]:
    return [("files", (n, io.BytesIO(d.encode()), "text/csv")) for n, d in named]


def _all_bytes_outside_store(w: World) -> bytes:
    return b"".join(p.read_bytes() for p in w.settings.data_dir.rglob("*") if p.is_file())


def test_no_clear_bsn_is_kept_after_an_upload(own: tuple[World, TestClient]) -> None:
    w, c = own
    r = c.post("/api/v1/ingest", files=_files(("households.csv", HOUSEHOLDS), ("members.csv", MEMBERS)),
               headers=auth(w, "admin"))
    assert r.status_code == 200, r.text
    assert r.json()["quarantined"].get("members") == 2, r.json()
    assert r.json()["rows_loaded"]["members"] == 1
    uploads = w.settings.data_dir / "uploads"
    kept = sorted(p.relative_to(uploads).as_posix().split("/", 1)[1] for p in uploads.rglob("*") if p.is_file())
    assert kept == ["quarantine/members.csv", "quarantine/report.json", "report.json"], kept
    everything = _all_bytes_outside_store(w) + r.content
    for bsn in CLEAR_BSNS:
        assert bsn.encode() not in everything, bsn
    quarantined = (uploads.glob("*/quarantine/members.csv").__next__()).read_text(encoding="utf-8")
    assert "9999*****" in quarantined and "Bad Year" in quarantined
    assert "'=2+3 Bad Year" in quarantined  # the quarantine neutralises formulas in what it writes
    assert all(not line.split(",")[3].startswith(("=", "+", "-", "@")) for line in quarantined.splitlines()[1:])


def test_cli_quarantine_keeps_rows_as_read(tmp_path: Path) -> None:
    """The CLI's --quarantine is the data owner's fix-list next to their own input: rows as read (documented)."""
    from foundation.settings import Settings
    from ingest.pipeline import ingest

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "households.csv").write_text(HOUSEHOLDS)
    (tmp_path / "in" / "members.csv").write_text(MEMBERS)
    ingest([tmp_path / "in"], store=None, settings=Settings(demo=True, _env_file=None),  # type: ignore[call-arg]
           quarantine=tmp_path / "q", dry_run=False)
    assert "999900042" in (tmp_path / "q" / "members.csv").read_text()


def test_upload_limit_comes_from_settings(tmp_path: Path) -> None:
    for w in make_world(tmp_path):
        small = w.settings.model_copy(update={"max_upload_bytes": 200})
        services = CareServices(small, today=w.services.today)
        try:
            with TestClient(create_app(small, services=services), raise_server_exceptions=False) as c:
                ok = c.post("/api/v1/ingest", params={"dry_run": "true"},
                            files=_files(("households.csv", HOUSEHOLDS)), headers=auth(w, "admin"))
                assert ok.status_code == 200, ok.text
                big = c.post("/api/v1/ingest", files=_files(("households.csv", HOUSEHOLDS * 10)),
                             headers=auth(w, "admin"))
                assert big.status_code == 413 and "limit is 200 bytes" in big.json()["detail"]
                # a declared body far over the limit is refused before it is read
                huge = c.post("/api/v1/ingest", content=b"x" * (2 * 1024 * 1024),
                              headers={**auth(w, "admin"), "content-type": "multipart/form-data; boundary=x"})
                assert huge.status_code == 413
                assert huge.headers["content-type"].startswith("application/problem+json")
        finally:
            services.close()


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_safe_name_never_leaves_the_folder(name: str) -> None:
    safe = safe_name(name)
    base = Path("/srv/uploads/x")
    assert safe and "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert (base / safe).resolve().parent == base
    assert len(safe) <= 100


@pytest.mark.parametrize("name", ["../../../etc/passwd.csv", "..\\..\\windows\\x.csv", "/abs/path/households.csv",
                                  "....//....//x.csv", "%2e%2e%2fx.csv", "x.csv\x00.sh", "..", "."])
def test_traversal_names_are_flattened_in_uploads(own: tuple[World, TestClient], name: str) -> None:
    w, c = own
    r = c.post("/api/v1/ingest", params={"dry_run": "true"}, files=_files((name, HOUSEHOLDS)),
               headers=auth(w, "admin"))
    assert r.status_code in (200, 422), r.text
    outside = [p for p in w.settings.data_dir.parent.rglob("*") if p.name in ("passwd.csv", "x.csv")]
    assert not outside
