"""The synthetic municipality: determinism, schema conformance, integrity, BSNs, dates, rates and ground truth."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from caregraph.cli import app
from foundation.privacy import bsn_is_valid
from graph.schema import CARE_TABLES, ENFORCEMENT_ACTIONS, SECTORS, TABLES, table_arrow_schema
from graph.tables import read_table_dir
from synthetic import FLAGS, PlantRates, SyntheticMunicipality, generate_municipality, write_municipality
from tests.synthetic.check import check_background, rule_subjects


@pytest.fixture(scope="module")
def muni() -> SyntheticMunicipality:
    return generate_municipality(1000, 7)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_municipality(1000, 7)
    b = generate_municipality(1000, 7)
    write_municipality(a, tmp_path / "a")
    write_municipality(b, tmp_path / "b")
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(fa) == {f"{t}.{ext}" for t in CARE_TABLES for ext in ("csv", "parquet")} | {"planted.csv",
                                                                                           "manifest.json"}
    assert fa == fb


def test_different_seeds_differ(muni: SyntheticMunicipality) -> None:
    other = generate_municipality(1000, 8)
    for name in ("households", "members", "interventions", "assessments"):
        assert not other.tables[name].equals(muni.tables[name]), name


def test_every_table_conforms_to_the_schema(muni: SyntheticMunicipality) -> None:
    for spec in (t for t in TABLES if not t.ledger):
        t = muni.tables[spec.name]
        assert spec.name in muni.tables, spec.name
        assert t.num_rows > 0, spec.name
        assert t.schema.equals(table_arrow_schema(spec)), spec.name
        keys = t.column(spec.key)
        assert pc.count_distinct(keys).as_py() == t.num_rows, f"{spec.name}: duplicate keys"
        for col in spec.columns:
            values = t.column(col.name)
            if col.required:
                assert values.null_count == 0, f"{spec.name}.{col.name} has nulls"
            present = [v for v in values.to_pylist() if v is not None]
            if col.choices:
                assert set(present) <= set(col.choices), f"{spec.name}.{col.name}"
            if col.pattern:
                rx = re.compile(col.pattern)
                assert all(rx.fullmatch(v) for v in present), f"{spec.name}.{col.name} breaks {col.pattern}"
            if col.low is not None:
                assert min(present) >= col.low
            if col.high is not None:
                assert max(present) <= col.high


def test_files_read_back_as_the_same_tables(muni: SyntheticMunicipality, tmp_path: Path) -> None:
    write_municipality(muni, tmp_path / "csv", ("csv",))
    back = read_table_dir(tmp_path / "csv")
    for name in CARE_TABLES:
        assert back[name].equals(muni.tables[name]), name


def test_every_reference_exists(muni: SyntheticMunicipality) -> None:
    for spec in TABLES:
        t = muni.tables[spec.name]
        for col in spec.columns:
            if col.references:
                key = next(s.key for s in TABLES if s.name == col.references)
                target = set(muni.tables[col.references].column(key).to_pylist())
                values = set(pc.drop_null(t.column(col.name)).to_pylist())
                assert values <= target, f"{spec.name}.{col.name}: {sorted(values - target)[:3]}"
    # an intervention for one member names a member of its own household
    iv = muni.tables["interventions"].to_pandas()
    members = muni.tables["members"].to_pandas().set_index("member_id")["household_id"]
    one = iv[iv["member_id"].notna()]
    assert len(one) > 0
    assert (members.loc[one["member_id"]].to_numpy() == one["household_id"].to_numpy()).all()


def test_bsns_are_synthetic_valid_and_unique(muni: SyntheticMunicipality) -> None:
    bsn = [b for b in muni.tables["members"].column("bsn").to_pylist() if b is not None]
    assert len(bsn) == muni.tables["members"].num_rows  # 1,000 households: the pool suffices
    assert len(set(bsn)) == len(bsn)
    assert all(b.startswith("9999") and bsn_is_valid(b) for b in bsn)


def test_bsn_pool_runs_out_beyond_9091_members() -> None:
    m = generate_municipality(4000, 3)
    bsn = m.tables["members"].column("bsn")
    assert m.tables["members"].num_rows > 9091
    present = [b for b in bsn.to_pylist() if b is not None]
    assert len(present) == 9091 == len(set(present))
    assert m.facts["members_without_bsn"] == m.tables["members"].num_rows - 9091


def test_dates_are_sane(muni: SyntheticMunicipality) -> None:
    as_of = muni.as_of
    hh = muni.tables["households"].to_pandas()
    assert (hh["opened_on"] < as_of).all()
    assert (hh["opened_on"] >= date(as_of.year - 3, as_of.month, as_of.day)).all()
    closed = hh[hh["closed_on"].notna()]
    assert len(closed) > 0 and (closed["closed_on"] > closed["opened_on"]).all() and (closed["closed_on"] < as_of).all()
    for name in ("interventions", "coordinations"):
        t = muni.tables[name].to_pandas()
        ended = t[t["end_date"].notna()]
        assert (ended["end_date"] >= ended["start_date"]).all(), name
        assert (t["start_date"] <= as_of).all(), name
        opened = t.merge(hh, on="household_id")
        assert (opened["start_date"] >= opened["opened_on"]).all(), name
        done = opened[opened["closed_on"].notna()]
        assert (done["end_date"] <= done["closed_on"]).all(), name
    a = muni.tables["assessments"].to_pandas()
    assert (a["assessed_on"] <= as_of).all()


def test_planted_rates_match_the_parameters(muni: SyntheticMunicipality) -> None:
    counts = muni.planted.to_pandas().groupby("flag").size().to_dict()
    n = muni.households
    rates = PlantRates()
    for flag in FLAGS:
        if flag == "overloaded_professional":
            assert counts.get(flag, 0) >= 1
            continue
        assert counts.get(flag, 0) == pytest.approx(getattr(rates, flag) * n, rel=0.1), flag
    assert muni.facts["planted"] == {f: counts.get(f, 0) for f in FLAGS}
    assert set(muni.planted.column("subject_kind").to_pylist()) == {"household", "professional"}


def test_rates_are_parameters() -> None:
    m = generate_municipality(1000, 5, rates=PlantRates(too_many_helpers=0.1, domino_risk=0.0))
    counts = m.planted.to_pandas().groupby("flag").size().to_dict()
    assert counts["too_many_helpers"] == 100
    assert "domino_risk" not in counts
    assert check_background(m)["too_many_helpers"] == 100


@pytest.mark.parametrize(("households", "seed"), [(1000, 7), (2500, 4), (300, 9), (40, 2)])
def test_background_triggers_no_flag_and_planted_cases_trigger_theirs(households: int, seed: int) -> None:
    m = generate_municipality(households, seed)
    counts = check_background(m)
    if households >= 1000:
        assert all(counts[f] > 0 for f in FLAGS)


def test_planted_cases_are_valid_on_as_of_only_by_design() -> None:
    # a different as-of date moves the whole municipality: the ground truth holds there too
    m = generate_municipality(800, 1, as_of=date(2024, 1, 15))
    assert m.as_of == date(2024, 1, 15)
    check_background(m)


def test_alarm_level_cases_exist(muni: SyntheticMunicipality) -> None:
    iv = muni.tables["interventions"].to_pandas()
    t = muni.as_of
    act = iv[(iv["start_date"] <= t) & (iv["end_date"].isna() | (iv["end_date"] >= t))]
    helpers = act.groupby("household_id")["professional_id"].nunique()
    assert (helpers >= 8).sum() >= 5
    assert helpers.max() <= 12


def test_realistic_shape(muni: SyntheticMunicipality) -> None:
    n = muni.households
    counts = muni.tables.row_counts()
    assert 2.0 <= counts["members"] / n <= 3.0
    assert 7 <= counts["interventions"] / n <= 13
    assert 0.15 <= counts["coordinations"] / n <= 0.6
    hh = muni.tables["households"].to_pandas()
    share = hh["composition"].value_counts(normalize=True)
    assert share["single"] > 0.2 and share["single_parent"] > 0.2
    iv = muni.tables["interventions"].to_pandas()
    assert set(iv["kind"]) == {"support", "assessment", "coordination", "enforcement"}
    enf = iv[iv["kind"] == "enforcement"]
    assert set(enf["action"]) <= set(ENFORCEMENT_ACTIONS) and enf["action"].notna().all()
    assert iv.loc[iv["kind"] != "enforcement", "action"].isna().all()
    assert (iv["source"] == "synthetic").all() and (iv["contact_count"] >= 1).all()
    ag = muni.tables["agencies"].to_pandas()
    assert set(ag["sector"]) == set(SECTORS)
    care = ag[ag["sector"].isin(["mental_health", "youth_care", "addiction_care", "health_care"])]
    assert care["agb_code"].notna().all()
    # problem domains per household: most 1-3, a tail with 4+
    a = muni.tables["assessments"].to_pandas()
    per = a.groupby("household_id")["domain_code"].nunique()
    assert 0.6 <= (per <= 3).mean() <= 0.9 and (per >= 4).mean() > 0.1


def test_some_professionals_changed_agency(muni: SyntheticMunicipality) -> None:
    iv = muni.tables["interventions"].to_pandas()
    prof = muni.tables["professionals"].to_pandas().set_index("professional_id")["agency_id"]
    moved = iv[iv["agency_id"].to_numpy() != prof.loc[iv["professional_id"]].to_numpy()]
    assert moved["professional_id"].nunique() == muni.facts["professionals_changed_agency"] > 0
    # the old agency is of the same sector, and no active intervention carries the old agency
    sector = muni.tables["agencies"].to_pandas().set_index("agency_id")["sector"]
    current = prof.loc[moved["professional_id"]]
    assert (sector.loc[moved["agency_id"]].to_numpy() == sector.loc[current].to_numpy()).all()
    assert moved["end_date"].notna().all() and (moved["end_date"] < muni.as_of).all()


def test_rule_subjects_sees_a_broken_background(muni: SyntheticMunicipality) -> None:
    """The checker is not vacuous: adding a fifth helper to a background household is caught."""
    iv = muni.tables["interventions"]
    planted = set(muni.planted.column("subject_id").to_pylist())
    row = iv.to_pandas()
    t = muni.as_of
    act = row[(row["start_date"] <= t) & (row["end_date"].isna() | (row["end_date"] >= t))]
    target = next(h for h in act["household_id"] if h not in planted)
    profs = muni.tables["professionals"].column("professional_id").to_pylist()[:4]
    extra = pa.table({
        "intervention_id": [f"X{i}" for i in range(4)], "household_id": [target] * 4, "member_id": [None] * 4,
        "professional_id": profs, "agency_id": [act["agency_id"].iloc[0]] * 4, "domain_code": ["SOC"] * 4,
        "kind": ["support"] * 4, "action": [None] * 4, "start_date": [t] * 4, "end_date": [None] * 4,
        "contact_count": [1] * 4, "source": ["test"] * 4,
    })
    broken = SyntheticMunicipality(
        tables=muni.tables.with_table("interventions", pa.concat_tables([iv, extra.cast(iv.schema)])),
        planted=muni.planted, as_of=muni.as_of, seed=muni.seed, households=muni.households,
    )
    assert target in rule_subjects(broken)["too_many_helpers"]
    with pytest.raises(AssertionError, match="too_many_helpers"):
        check_background(broken)


def test_generate_command_writes_tables_planted_and_manifest(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "gen"
    result = runner.invoke(app, ["generate", "--households", "300", "--seed", "5", "--out", str(out),
                                 "--as-of", "2025-01-31", "--format", "parquet"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert "interventions.parquet" in names and "interventions.csv" not in names
    assert {"planted.csv", "manifest.json"} <= names
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["seed"] == 5 and man["households"] == 300 and man["as_of"] == "2025-01-31"
    assert man["row_counts"]["households"] == 300
    assert set(man["rates"]) >= set(FLAGS)
    assert man["members_with_bsn"] + man["members_without_bsn"] == man["row_counts"]["members"]
    planted = pd.read_csv(out / "planted.csv")
    assert list(planted.columns) == ["subject_kind", "subject_id", "flag", "detail"]
    assert len(planted) == sum(man["planted"].values())


def test_generate_command_rejects_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_format = runner.invoke(app, ["generate", "--households", "50", "--out", str(tmp_path), "--format", "xlsx"])
    assert bad_format.exit_code != 0
    bad_date = runner.invoke(app, ["generate", "--households", "50", "--out", str(tmp_path), "--as-of", "30-06-2025"])
    assert bad_date.exit_code != 0
    assert not (tmp_path / "households.csv").exists()


def test_other_thresholds_are_respected() -> None:
    from analytics.config import FlagConfig

    cfg = FlagConfig(overlap_min_days=45, caseload_max=20, stagnation_min_helpers=5, stagnation_window_days=200,
                     stagnation_min_case_days=300, helpers_attention=5, helpers_alarm=9, agencies_attention=5,
                     linked_domains={"HUI": ("FIN",), "TIJ": ("LIC",)}, domino_dependencies={"HUI": ("FIN",)})
    m = generate_municipality(1500, 3, config=cfg)
    counts = check_background(m, cfg)
    assert all(counts[f] > 0 for f in FLAGS)
    assert m.facts["thresholds"]["overlap_min_days"] == 45


def test_too_low_thresholds_are_refused() -> None:
    from analytics.config import FlagConfig

    with pytest.raises(ValueError, match="helpers_attention"):
        generate_municipality(100, 1, config=FlagConfig(helpers_attention=3))


def test_the_analytics_find_exactly_the_planted_cases(muni: SyntheticMunicipality) -> None:
    """Cross-check with the flag rules of analytics/: recall and precision 1 on every flag."""
    flags = pytest.importorskip("analytics.flags")
    found: dict[str, set[str]] = {f: set() for f in FLAGS}
    for r in flags.evaluate_flags(muni.tables, muni.as_of):
        found.setdefault(r.flag, set()).add(r.subject_id)
    planted = muni.planted.to_pandas()
    for flag in FLAGS:
        assert found[flag] == set(planted.loc[planted["flag"] == flag, "subject_id"]), flag


def test_output_does_not_depend_on_the_process(tmp_path: Path) -> None:
    """Byte-identical files from two fresh interpreters with different hash seeds."""
    import os
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from synthetic import generate_municipality, "
            "write_municipality; write_municipality(generate_municipality(300, 11), Path(sys.argv[1]))")
    root = Path(__file__).resolve().parents[2]
    for name, hash_seed in (("a", "1"), ("b", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True, cwd=root, env=env)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
