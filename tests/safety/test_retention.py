"""Retention (caregraph.retention, `caregraph retention`, ``delete_households`` of the store port) on a real LadybugDB
file: expired households go with everything that hangs off them, others stay untouched, counts add up, the audit log
records the run, a dry run changes nothing."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from caregraph.auth.audit import AuditLog, audit_file
from caregraph.auth.roles import Principal, Role
from caregraph.cli import app
from caregraph.export_retention import exports_dir
from caregraph.retention import RETENTION_ACTION, expired_households, retention_cutoff, run_retention
from foundation.settings import get_settings
from graph.household_deletion import household_dependants
from graph.ladybug_store import LadybugStore
from graph.schema import TABLE_ORDER
from graph.tables import CareTables
from tests.safety.conftest import N_HOUSEHOLDS, assert_same_tables, read_all
from tests.safety.data import CLOSED_BASE

AS_OF = dt.date(2024, 2, 15)
DAYS = 30
# cutoff 2024-01-16: households i = 0, 3, 6, 9, 12 closed 2024-01-01 … 2024-01-13 are expired; i = 15 (closed on the
# cutoff day itself, exactly 30 days before AS_OF) is kept, as are later-closed and open households.
EXPECTED = [f"H{i:07d}" for i in (0, 3, 6, 9, 12)]
OPERATOR = Principal(username="retention-test", role=Role.admin)


def _rows_of(tables: CareTables, ids: list[str], keep: bool) -> dict[str, pa.Table]:
    """Every table's rows that belong (keep=False) or do not belong (keep=True) to the households ``ids``."""
    value_set = pa.array(ids, pa.string())
    out = {}
    for name in TABLE_ORDER:
        t = tables[name]
        if "household_id" not in t.column_names:  # districts, agencies, professionals, domains: never deleted
            out[name] = t if keep else t.slice(0, 0)
            continue
        mask = pc.is_in(t.column("household_id"), value_set=value_set)
        out[name] = t.filter(pc.invert(mask) if keep else mask)
    return out


def test_cutoff_and_selection() -> None:
    assert retention_cutoff(DAYS, AS_OF) == dt.date(2024, 1, 16)
    hh = pa.table({
        "household_id": ["a", "b", "c", "d"],
        "closed_on": pa.array([dt.date(2024, 1, 15), dt.date(2024, 1, 16), None, dt.date(2023, 1, 1)], pa.date32()),
    })
    assert expired_households(hh, dt.date(2024, 1, 16)) == ["a", "d"]
    with pytest.raises(ValueError):
        retention_cutoff(-1, AS_OF)


def test_retention_deletes_expired_households_with_their_dependants_only(store_path: Path, tmp_path: Path) -> None:
    before = read_all(store_path)
    audit = AuditLog(tmp_path / "audit.jsonl")
    with LadybugStore.open(store_path, create=False) as s:
        counts_before = s.counts()
        result = run_retention(s, audit, DAYS, as_of=AS_OF, principal=OPERATOR)
        counts_after = s.counts()
    after = read_all(store_path)

    assert result.household_ids == EXPECTED and result.cutoff == dt.date(2024, 1, 16)
    # per household: 2 members, 10 interventions, 2 assessments, 1 coordination
    assert result.counts == {"households": 5, "assessments": 10, "coordinations": 5, "interventions": 50, "members": 10}
    # gone: the expired households and everything that belonged to them
    gone = _rows_of(after, EXPECTED, keep=False)
    assert all(t.num_rows == 0 for t in gone.values())
    for name, t in _rows_of(before, EXPECTED, keep=False).items():
        assert before[name].num_rows - after[name].num_rows == t.num_rows, name
        assert result.counts.get(name, 0) == t.num_rows
    # untouched: every other row, value for value
    kept = _rows_of(before, EXPECTED, keep=True)
    for name in TABLE_ORDER:
        assert after[name].equals(kept[name]), name
    assert dt.date(2024, 1, 16) in after["households"].column("closed_on").to_pylist()  # the boundary day stays
    # the graph's own counts agree with the table counts
    assert counts_before.nodes["Household"] - counts_after.nodes["Household"] == 5
    assert counts_before.nodes["Intervention"] - counts_after.nodes["Intervention"] == 50
    assert counts_before.relationships["COORDINATES"] - counts_after.relationships["COORDINATES"] == 5
    assert counts_before.relationships["CONCERNS"] - counts_after.relationships["CONCERNS"] == 50
    assert counts_before.relationships["ASSESSES_MEMBER"] - counts_after.relationships["ASSESSES_MEMBER"] == 5
    assert counts_after.relationships["MEMBER_OF"] == counts_after.nodes["Member"]
    assert counts_after.relationships["DELIVERS"] == counts_after.nodes["Intervention"]

    # the audit log has exactly one entry for the run, with who, what, how many, the cutoff and the ids
    entries = list(audit.entries())
    assert len(entries) == 1
    e = entries[0]
    assert (e.user, e.action, e.outcome) == ("retention-test", RETENTION_ACTION, "done")
    assert e.detail["households"] == 5 and e.detail["cutoff"] == "2024-01-16"
    assert e.detail["household_ids"] == EXPECTED and e.detail["deleted"] == result.counts
    assert audit.verify() == (True, 1)

    # a second run finds nothing more, and is recorded too
    with LadybugStore.open(store_path, create=False) as s:
        again = run_retention(s, audit, DAYS, as_of=AS_OF, principal=OPERATOR)
    assert again.household_ids == [] and again.counts["households"] == 0
    assert [x.detail["households"] for x in audit.entries()] == [5, 0]
    assert_same_tables(read_all(store_path), after)


def test_dry_run_changes_nothing(store_path: Path, tmp_path: Path) -> None:
    before = read_all(store_path)
    audit = AuditLog(tmp_path / "audit.jsonl")
    with LadybugStore.open(store_path, read_only=True) as s:
        result = run_retention(s, audit, DAYS, as_of=AS_OF, dry_run=True, principal=OPERATOR)
    assert result.dry_run and result.household_ids == EXPECTED
    assert result.counts == {"households": 5, "assessments": 10, "coordinations": 5, "interventions": 50, "members": 10}
    assert_same_tables(read_all(store_path), before)
    assert not audit.path.exists()


def test_a_failed_deletion_deletes_nothing_and_is_audited(store_path: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The deletion is all or nothing: an error late in the rebuild that deletes leaves every table as it was."""
    before = read_all(store_path)
    audit = AuditLog(tmp_path / "audit.jsonl")
    with LadybugStore.open(store_path, create=False) as s:
        real = s._execute

        def failing(conn: Any, text: str, params: Any = None) -> Any:
            if text.startswith("COPY ON_BEHALF_OF"):  # one of the last statements of the rebuild
                raise RuntimeError("simulated failure in the last statement")
            return real(conn, text, params)

        monkeypatch.setattr(s, "_execute", failing)
        with pytest.raises(RuntimeError, match="simulated"):
            run_retention(s, audit, DAYS, as_of=AS_OF, principal=OPERATOR)
        monkeypatch.setattr(s, "_execute", real)
        assert s.counts().nodes["Intervention"] == 10 * N_HOUSEHOLDS
    assert_same_tables(read_all(store_path), before)
    (e,) = list(audit.entries())
    assert e.outcome == "failed" and e.detail["households"] == 5 and e.detail["error"] == "RuntimeError"


def test_delete_households_ignores_unknown_and_duplicate_ids(store_path: Path) -> None:
    with LadybugStore.open(store_path, create=False) as s:
        assert s.delete_households([]) == {"households": 0, **{d.table: 0 for d in household_dependants()}}
        out = s.delete_households(["nope", "H0000007", "H0000007"])
        assert out["households"] == 1 and out["interventions"] == 10 and out["members"] == 2
        assert s.counts().nodes["Household"] == N_HOUSEHOLDS - 1


def test_cli_retention_dry_run_then_real_run(store_path: Path, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    before = read_all(store_path)
    args = ["retention", "--closed-before-days", str(DAYS), "--as-of", AS_OF.isoformat(), "--json"]
    r = runner.invoke(app, [*args, "--dry-run"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out.pop("exports_removed") == []
    assert out == {
        "dry_run": True, "cutoff": "2024-01-16", "households": 5,
        "rows": {"households": 5, "assessments": 10, "coordinations": 5, "interventions": 50, "members": 10},
    }
    assert_same_tables(read_all(store_path), before)
    log = audit_file(Path(cli_env["CAREGRAPH_DATA_DIR"]))
    assert not log.exists()

    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["households"] == 5
    assert read_all(store_path)["households"].num_rows == N_HOUSEHOLDS - 5
    (e,) = list(AuditLog(log).entries())
    assert e.user == getpass.getuser() and e.action == "retention" and e.detail["household_ids"] == EXPECTED

    r = runner.invoke(app, ["retention", "--closed-before-days", "30", "--as-of", "15-02-2024"])
    assert r.exit_code == 1 and "YYYY-MM-DD" in r.output
    r = runner.invoke(app, ["retention", "--closed-before-days", "-3"])
    assert r.exit_code != 0


def test_cli_retention_removes_old_research_exports(store_path: Path, cli_env: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREGRAPH_EXPORT_KEEP_COUNT", "1")
    get_settings.cache_clear()
    folder = exports_dir(Path(cli_env["CAREGRAPH_DATA_DIR"]))
    folder.mkdir(parents=True)
    now = time.time()
    names = []
    for i, age_days in enumerate((0.5, 1.0, 30.0)):
        p = folder / f"caregraph-research-2024-06-30-2024070{i}T000000-abc{i:03d}.zip"
        p.write_bytes(b"zip")
        os.utime(p, (now - age_days * 86400, now - age_days * 86400))
        names.append(p.name)
    args = ["retention", "--closed-before-days", str(DAYS), "--as-of", AS_OF.isoformat(), "--json"]
    r = CliRunner().invoke(app, [*args, "--dry-run"])
    assert r.exit_code == 0, r.output
    assert sorted(json.loads(r.output)["exports_removed"]) == sorted(names[1:])
    assert len(list(folder.iterdir())) == 3
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert sorted(json.loads(r.output)["exports_removed"]) == sorted(names[1:])
    assert [p.name for p in folder.iterdir()] == names[:1]


def test_closing_dates_of_the_fixture() -> None:
    """The fixture's closing dates are what the expectations above assume."""
    from tests.safety.data import safety_tables

    hh = safety_tables(N_HOUSEHOLDS)["households"]
    closed = dict(zip(hh.column("household_id").to_pylist(), hh.column("closed_on").to_pylist(), strict=True))
    assert closed["H0000000"] == CLOSED_BASE and closed["H0000015"] == dt.date(2024, 1, 16)
    assert closed["H0000001"] is None
