"""The basic workflow through the real command line: generate, load, stats, demo."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from caregraph.cli import app
from foundation.settings import get_settings
from graph.ddl import all_rel_specs

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAREGRAPH_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.setenv("CAREGRAPH_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CAREGRAPH_PSEUDONYM_KEY", "test-key-0123456789abcdef")
    monkeypatch.delenv("CAREGRAPH_DEMO", raising=False)
    monkeypatch.delenv("CAREGRAPH_STORE", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_generate_twice_is_byte_identical(env: Path) -> None:
    a, b = env / "a", env / "b"
    _invoke("generate", "--households", "1000", "--seed", "7", "--out", str(a))
    _invoke("generate", "--households", "1000", "--seed", "7", "--out", str(b))
    files = sorted(p.name for p in a.iterdir())
    assert "interventions.csv" in files and "interventions.parquet" in files
    assert files == sorted(p.name for p in b.iterdir())
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    _invoke("generate", "--households", "1000", "--seed", "8", "--out", str(env / "c"))
    assert (env / "c" / "interventions.csv").read_bytes() != (a / "interventions.csv").read_bytes()


def test_load_twice_same_counts_matching_tables(env: Path) -> None:
    out = env / "tables"
    _invoke("generate", "--households", "1000", "--seed", "7", "--out", str(out))
    _invoke("load", str(out))
    first = json.loads(_invoke("stats", "--json").strip().splitlines()[-1])
    _invoke("load", str(out))
    second = json.loads(_invoke("stats", "--json").strip().splitlines()[-1])
    assert first == second
    rows = {p.stem: pq.read_table(p) for p in out.glob("*.parquet") if p.stem != "planted"}
    labels = {"districts": "District", "agencies": "Agency", "professionals": "Professional",
              "households": "Household", "members": "Member", "domains": "Domain",
              "interventions": "Intervention", "assessments": "Assessment"}
    for table, label in labels.items():
        assert first["nodes"][label] == rows[table].num_rows, table
    # one relationship per non-empty foreign key
    for spec, rel in all_rel_specs():
        t = rows[spec.name]
        fk = rel.target_column if rel.source_column == spec.key else rel.source_column
        if rel.source_column != spec.key and rel.target_column != spec.key:  # relationship-only table
            fk = rel.target_column
        expected = t.num_rows - t.column(fk).null_count
        assert first["relationships"][rel.type] == expected, rel.type


def test_load_refuses_without_key_outside_demo(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = env / "tables"
    _invoke("generate", "--households", "50", "--seed", "1", "--out", str(out))
    monkeypatch.delenv("CAREGRAPH_PSEUDONYM_KEY")
    get_settings.cache_clear()
    result = runner.invoke(app, ["load", str(out)])
    assert result.exit_code == 1
    assert "CAREGRAPH_PSEUDONYM_KEY" in result.output


def test_stats_without_store_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 1
    assert "caregraph load" in result.output


def test_demo_without_serving(env: Path) -> None:
    out = _invoke("demo", "--households", "300", "--seed", "3", "--no-serve", "--dir", str(env / "demo"))
    assert "too_many_helpers" in out
    for role in ("manager", "coordinator", "researcher", "admin"):
        assert role in out
    assert (env / "demo" / "store" / "graph.lbug").exists()
    assert (env / "demo" / "tables" / "households.csv").exists()


def test_help_everywhere() -> None:
    out = _invoke("--help")
    for cmd in ("generate", "load", "stats", "demo"):
        assert cmd in out
        assert "Usage" in _invoke(cmd, "--help")
