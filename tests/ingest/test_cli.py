"""The ``ingest`` and ``template`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from caregraph.cli import app
from foundation.settings import get_settings


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREGRAPH_DEMO", "1")
    monkeypatch.setenv("CAREGRAPH_STORE_PATH", str(tmp_path / "store"))
    get_settings.cache_clear()


def test_template_then_ingest_of_empty_templates(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["template", str(tmp_path / "t"), "--format", "csv"])
    assert r.exit_code == 0 and (tmp_path / "t" / "columns.csv").exists()
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "t"), "--dry-run"])
    assert r.exit_code == 0, r.output
    for fmt in ("xlsx", "parquet"):
        assert CliRunner().invoke(app, ["template", str(tmp_path / fmt), "--format", fmt]).exit_code == 0
        assert CliRunner().invoke(app, ["ingest", str(tmp_path / fmt), "--dry-run"]).exit_code == 0


def test_ingest_reports_and_exit_codes(csv_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["ingest", str(csv_dir), "--report", str(tmp_path / "r.json")])
    assert r.exit_code == 0 and "Status: loaded" in r.output
    p = csv_dir / "members.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("999996770", "999996771"), encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", str(csv_dir), "--format", "json"])
    assert r.exit_code == 1 and '"rule": "bsn"' in r.output and "999996771" not in r.output
