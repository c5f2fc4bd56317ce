"""The analytics commands on a real LadybugDB store in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analytics.tables_builder import build_tables
from caregraph.privacy import pseudonymise_tables
from caregraph.settings import get_settings

from .helpers import coord, iv


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from graph.ladybug_store import LadybugStore

    folder = tmp_path_factory.mktemp("store")
    rows = [iv("H1", f"P{i}", f"A{i % 2}") for i in range(4)]
    rows += [iv("H2", "P1", "A1", d="HUI", kind="enforcement", action="eviction"), iv("H2", "P5", "A5", d="FIN")]
    tables = build_tables(interventions=rows, coordinations=[coord("H3", "P1"), coord("H3", "P2")],
                          members=[dict(member_id="M1", household_id="H1", bsn="999900006")])
    tables = pseudonymise_tables(tables, b"caregraph-demo-key-NOT-SECRET")
    store = LadybugStore.open(folder / "graph.lbug", create=True)
    try:
        store.load(tables)
    finally:
        store.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("CAREGRAPH_STORE_PATH", str(folder))
    mp.setenv("CAREGRAPH_STORE", "embedded")
    mp.setenv("CAREGRAPH_DEMO", "1")
    get_settings.cache_clear()
    yield folder
    mp.undo()
    get_settings.cache_clear()


def _run(*args: str) -> str:
    from caregraph.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_flags_json_from_the_store(store_env: Path) -> None:
    out = json.loads(_run("flags", "--as-of", "2024-06-30", "--format", "json"))
    found = {(r["flag"], r["subject_id"]) for r in out}
    assert {("too_many_helpers", "H1"), ("conflicting_interventions", "H2"),
            ("competing_regisseurs", "H3")} <= found
    assert all(isinstance(r["evidence"], dict) for r in out)


def test_flags_filter_csv_and_table(store_env: Path) -> None:
    csv_text = _run("flags", "--as-of", "2024-06-30", "--format", "csv", "--flag", "competing_regisseurs")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith('"flag"') and len(lines) == 2 and "H3" in lines[1]
    assert "Flags as of 2024-06-30: 7" in _run("flags", "--as-of", "2024-06-30")


def test_flags_rejects_unknown_flag(store_env: Path) -> None:
    from caregraph.cli import app

    result = CliRunner().invoke(app, ["flags", "--as-of", "2024-06-30", "--flag", "nope"])
    assert result.exit_code == 2


def test_netstats_and_export(store_env: Path, tmp_path: Path) -> None:
    hh = json.loads(_run("netstats", "--as-of", "2024-06-30", "--households", "--format", "json"))
    assert {r["household_id"]: r["helpers"] for r in hh}["H1"] == 4
    net = json.loads(_run("netstats", "--as-of", "2024-06-30", "--network", "--min-shared", "1", "--format", "json"))
    assert {"id", "degree", "betweenness", "community"} <= set(net[0])
    _run("export", "--as-of", "2024-06-30", "--out", str(tmp_path / "x"), "--k", "2", "--formats", "csv,json")
    meta = json.loads((tmp_path / "x" / "metadata.json").read_text())
    assert meta["k"] == 2 and meta["formats"] == ["csv", "json"]
    assert not list((tmp_path / "x").glob("*.parquet"))
