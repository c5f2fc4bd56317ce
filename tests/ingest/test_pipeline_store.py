"""Ingest into a real LadybugDB: all-or-nothing, quarantine, idempotency, newer exports, the pseudonym key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foundation.settings import MissingSecretError, Settings
from ingest.pipeline import ingest
from tests.ingest.test_validation_rules import _edit


def test_ingest_then_reingest_changes_nothing(csv_dir: Path, settings: Settings, store: object) -> None:
    r1 = ingest([csv_dir], store=store, settings=settings)  # type: ignore[arg-type]
    assert r1.status == "loaded" and r1.load is not None and r1.load.created["interventions"] == 4
    members = store.read_table("members")  # type: ignore[attr-defined]
    assert "999900006" not in str(members.to_pylist())
    r2 = ingest([csv_dir], store=store, settings=settings)  # type: ignore[arg-type]
    assert r2.load is not None and not r2.load.changed_anything
    _edit(csv_dir, "interventions", "2024-12-31", "2025-06-30")
    r3 = ingest([csv_dir], store=store, settings=settings)  # type: ignore[arg-type]
    assert r3.load is not None and r3.load.updated["interventions"] == 1 and r3.load.created["interventions"] == 0


def test_all_or_nothing_by_default(csv_dir: Path, settings: Settings, store: object) -> None:
    _edit(csv_dir, "members", "999996770", "999996771")
    r = ingest([csv_dir], store=store, settings=settings)  # type: ignore[arg-type]
    assert r.status == "rejected"
    assert store.read_table("interventions").num_rows == 0  # type: ignore[attr-defined]


def test_quarantine_loads_valid_rows_and_keeps_dependants(csv_dir: Path, settings: Settings, store: object,
                                                          tmp_path: Path) -> None:
    _edit(csv_dir, "households", "h2,d2", "h2,d9")
    q = tmp_path / "q"
    r = ingest([csv_dir], store=store, settings=settings, quarantine=q)  # type: ignore[arg-type]
    assert r.status == "loaded"
    assert r.quarantined == {"households": 1, "members": 1, "interventions": 1}
    assert sorted(store.read_table("interventions").column("intervention_id").to_pylist()) == [  # type: ignore[attr-defined]
        "i1", "i2", "i3"]
    text = (q / "interventions.csv").read_text(encoding="utf-8")
    assert "i4" in text and "dependency" not in text and "itself invalid" in text
    rep = json.loads((q / "report.json").read_text(encoding="utf-8"))
    assert rep["quarantined"]["households"] == 1 and rep["errors_by_rule"]["reference"] == 1


def test_dry_run_writes_nothing(csv_dir: Path, settings: Settings, store: object) -> None:
    r = ingest([csv_dir], store=store, settings=settings, dry_run=True)  # type: ignore[arg-type]
    assert r.status == "dry-run" and r.rows_loaded["interventions"] == 4
    assert store.read_table("households").num_rows == 0  # type: ignore[attr-defined]


def test_refuses_without_key_outside_demo(csv_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREGRAPH_PSEUDONYM_KEY", raising=False)
    s = Settings(demo=False, pseudonym_key=None, store_path=tmp_path / "s", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(MissingSecretError):
        ingest([csv_dir], store=None, settings=s)
    ok = Settings(demo=False, pseudonym_key="a-real-deployment-secret", _env_file=None)  # type: ignore[call-arg]
    assert ingest([csv_dir], store=None, settings=ok).status == "dry-run"
