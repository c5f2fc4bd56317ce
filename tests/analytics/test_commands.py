"""The analytics commands on a real LadybugDB store in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analytics.tables_builder import build_tables
from foundation.settings import get_settings
from ingest.pseudonyms import pseudonymise_tables

from .helpers import coord, iv, score


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from graph.ladybug_store import LadybugStore

    folder = tmp_path_factory.mktemp("store")
    rows = [iv("H1", f"P{i}", f"A{i % 2}") for i in range(4)]
    rows += [iv("H2", "P1", "A1", d="HUI", kind="enforcement", action="eviction"), iv("H2", "P5", "A5", d="FIN")]
    # scores: H1 FIN stays 2 (4 helpers), H2 FIN 3 -> 4 (2 helpers); no flag changes because of them
    scores = [score("H1", "FIN", 2, "2023-06-01"), score("H1", "FIN", 2, "2024-06-01"),
              score("H2", "FIN", 3, "2023-06-01"), score("H2", "FIN", 4, "2024-06-01")]
    tables = build_tables(interventions=rows, coordinations=[coord("H3", "P1"), coord("H3", "P2")],
                          members=[dict(member_id="M1", household_id="H1", bsn="999900006")], assessments=scores)
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


def test_netstats_district_summary(store_env: Path) -> None:
    rows = json.loads(_run("netstats", "--as-of", "2024-06-30", "--summary", "--format", "json"))
    assert len(rows) == 1
    d = rows[0]
    assert (d["district_id"], d["households"], d["active_households"]) == ("D1", 3, 2)
    assert (d["n_too_many_helpers"], d["n_competing_regisseurs"], d["n_conflicting_interventions"]) == (1, 1, 1)
    assert d["mean_helpers"] == 3.0  # (4 + 2) / 2 active households
    assert "district summary as of 2024-06-30" in _run("netstats", "--as-of", "2024-06-30", "--summary")


def test_netstats_monthly_summary_csv(store_env: Path) -> None:
    import csv
    import io

    text = _run("netstats", "--as-of", "2024-06-30", "--summary", "--since", "2024-04-15", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["month_end"] for r in rows] == ["2024-04-30", "2024-05-31", "2024-06-30"]
    assert {r["district_id"] for r in rows} == {"D1"}


def test_netstats_outcomes(store_env: Path) -> None:
    # period 2024-02-01 .. 2024-06-30: the measures are taken at its start (the helpers began 2024-01-01)
    rows = json.loads(_run("netstats", "--as-of", "2024-06-30", "--outcomes", "--period-days", "150",
                           "--format", "json"))
    by_band = {r["helper_band"]: r for r in rows}
    assert set(by_band) == {"1-3", "4-7"}
    assert (by_band["1-3"]["households"], by_band["1-3"]["mean_score_change"]) == (1, 1.0)  # H2: 3 -> 4
    assert (by_band["4-7"]["households"], by_band["4-7"]["mean_score_change"]) == (1, 0.0)  # H1: 2 -> 2
    assert {r["period_end"] for r in rows} == {"2024-06-30"}


def test_netstats_outcomes_per_household_over_periods(store_env: Path) -> None:
    rows = json.loads(_run("netstats", "--as-of", "2024-06-30", "--outcomes", "--outcome-level", "household",
                           "--periods", "2", "--format", "json"))
    got = {(r["household_id"], r["period_end"]): r for r in rows}
    assert len(rows) == 6  # three households, two periods
    assert got[("H2", "2024-06-30")]["score_change"] == 1.0
    assert got[("H2", "2024-06-30")]["helpers"] == 0  # at the period's start (2023-07-02) no helper was active
    # the earlier period (2022-07-01 .. 2023-07-01): H2's first score in it is also its latest
    assert got[("H2", "2023-07-01")]["score_change"] == 0.0
    assert got[("H3", "2024-06-30")]["score_change"] is None and got[("H3", "2024-06-30")]["domains_assessed"] == 0
    table = _run("netstats", "--as-of", "2024-06-30", "--outcomes")
    assert "outcomes per district" in table


def test_netstats_rejects_bad_options(store_env: Path) -> None:
    from caregraph.cli import app

    for args in (["--outcomes", "--outcome-level", "street"], ["--summary", "--since", "2025-01-01"],
                 ["--summary", "--format", "xml"]):
        result = CliRunner().invoke(app, ["netstats", "--as-of", "2024-06-30", *args])
        assert result.exit_code == 2, (args, result.output)


def test_export_refuses_a_folder_with_other_files(store_env: Path, tmp_path: Path) -> None:
    from caregraph.cli import app

    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["export", "--as-of", "2024-06-30", "--out", str(tmp_path), "--formats", "csv"])
    assert result.exit_code == 2 and "holds no earlier export" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_flags_json_parses_to_the_flag_table_with_its_json_columns_decoded(store_env: Path) -> None:
    from analytics.flags import evaluate_flags_table
    from caregraph.commands.analytics_cmds import load_tables

    text = _run("flags", "--as-of", "2024-06-30", "--format", "json")
    expected = evaluate_flags_table(load_tables(), date(2024, 6, 30)).to_pylist()
    for r in expected:
        r["thresholds"] = json.loads(r["thresholds"])
        r["evidence"] = json.loads(r["evidence"])
    got = json.loads(text)
    assert len(got) == 7
    assert json.dumps(got) == json.dumps(expected)  # same values and the same key order
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == got  # one flag per line


def test_flags_json_writer_escapes_every_string(capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa

    from analytics.results import FLAG_TABLE_SCHEMA
    from caregraph.commands.analytics_cmds import _write_flags_json

    tricky = 'quote " backslash \\ newline \n tab \t nul \x00 ë → 😀 </script>'
    row = {"flag": "too_many_helpers", "rule_version": "1.0", "subject_kind": "household", "subject_id": tricky,
           "district_id": None, "severity": "alarm", "thresholds": '{"max": 4, "names": ["a\\"b"]}',
           "evidence": '{"ids":["I1","I2"],"note":"é","n":null,"x":1.5}', "explanation": tricky}
    _write_flags_json(pa.Table.from_pylist([row, row], schema=FLAG_TABLE_SCHEMA))
    got = json.loads(capsys.readouterr().out)
    decoded = {**row, "thresholds": json.loads(row["thresholds"]), "evidence": json.loads(row["evidence"])}
    assert got == [decoded, decoded]
    _write_flags_json(FLAG_TABLE_SCHEMA.empty_table())
    assert capsys.readouterr().out == "[]\n"


def test_flags_command_loads_neither_pandas_nor_polars(store_env: Path) -> None:
    """Reading the store and evaluating the flags needs pyarrow and DuckDB only (pandas costs half a second)."""
    import os
    import subprocess
    import sys

    probe = ("import contextlib, io, json, sys\n"
             "from caregraph.cli import app\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
             "    try:\n"
             "        app(['flags', '--as-of', '2024-06-30', '--format', 'json'], prog_name='caregraph')\n"
             "    except SystemExit as e:\n"
             "        assert e.code == 0, e.code\n"
             "print(json.dumps({'flags': len(json.loads(out.getvalue())),\n"
             "                  'loaded': [m for m in ('pandas', 'polars') if m in sys.modules]}))\n")
    env = {**os.environ, "CAREGRAPH_STORE_PATH": str(store_env), "CAREGRAPH_STORE": "embedded",
           "CAREGRAPH_DEMO": "1"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"flags": 7, "loaded": []}
