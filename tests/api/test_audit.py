"""Every read of household-level data is audited: who, role, what, which household, when; durable and exportable."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caregraph.auth import AuditLog, audit_file
from tests.api.conftest import auth
from tests.services.world import AS_OF, World

Q = {"as_of": AS_OF.isoformat()}


def test_household_reads_are_audited(client: TestClient, world: World) -> None:
    before = sum(1 for _ in world.services.audit.entries())
    for suffix in ("", "/network", "/overlap"):
        assert client.get(f"/api/v1/households/H2{suffix}", params=Q,
                          headers=auth(world, "coordinator")).status_code == 200
    entries = list(world.services.audit.entries())[before:]
    assert [(e.user, e.role, e.action, e.household_id, e.outcome) for e in entries] == [
        ("coordinator", "coordinator", "household_detail", "H2", "allowed"),
        ("coordinator", "coordinator", "household_network", "H2", "allowed"),
        ("coordinator", "coordinator", "household_overlap", "H2", "allowed"),
    ]
    assert all(e.detail["as_of"] == "2024-06-30" for e in entries)


def test_lists_and_pairs_are_audited(client: TestClient, world: World) -> None:
    client.get("/api/v1/households", params={**Q, "district": "D1"}, headers=auth(world, "manager"))
    client.get("/api/v1/overlap/households", params={**Q, "a": "H1", "b": "H2"}, headers=auth(world, "coordinator"))
    last = list(world.services.audit.entries())[-3:]
    assert last[0].action == "list_households" and last[0].detail["district"] == "D1"
    assert {(e.action, e.household_id) for e in last[1:]} == {("households_overlap", "H1"),
                                                               ("households_overlap", "H2")}


def test_audit_survives_restart_and_chain_verifies(world: World) -> None:
    path = audit_file(world.settings.data_dir)
    n = sum(1 for _ in world.services.audit.entries())
    reopened = AuditLog(path)  # a new process would do exactly this
    assert sum(1 for _ in reopened.entries()) == n > 0
    assert reopened.verify() == (True, n)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_tampering_is_detected(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "audit.jsonl"
    lines = audit_file(world.settings.data_dir).read_text().splitlines()
    assert len(lines) >= 3
    edited = json.loads(lines[1])
    edited["user"] = "someone-else"
    lines[1] = json.dumps(edited, sort_keys=True)
    copy.write_text("\n".join(lines) + "\n")
    ok, intact = AuditLog(copy).verify()
    assert not ok and intact == 2  # line 2 no longer links to the edited line 1


def test_export_csv_and_jsonl(world: World, tmp_path: Path) -> None:
    log = world.services.audit
    n = log.export(tmp_path / "a.csv", fmt="csv", user="coordinator")
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert len(rows) == n > 0 and {r["user"] for r in rows} == {"coordinator"}
    m = log.export(tmp_path / "a.jsonl", fmt="jsonl", household_id="H2")
    assert m == len((tmp_path / "a.jsonl").read_text().splitlines()) > 0


def test_admin_reads_the_audit_over_http(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/audit", params={"household_id": "H2", "limit": 2}, headers=auth(world, "admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 3 and len(body["items"]) == 2
    assert all(i["household_id"] == "H2" for i in body["items"])


def test_audit_export_formula_cells_neutralised(tmp_path: Path) -> None:
    from caregraph.auth import Principal, Role

    log = AuditLog(tmp_path / "log.jsonl")
    log.record(Principal(username="=cmd", role=Role.admin), "add_user", detail={"username": "@evil"})
    log.export(tmp_path / "out.csv", fmt="csv")
    row = next(iter(csv.DictReader((tmp_path / "out.csv").open())))
    assert row["user"] == "'=cmd"


def test_no_answer_leaves_without_its_audit_entry_on_either_path(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads answered on the event loop (cache warm) and in the thread pool (cache cold for the date) both wait for
    the audit entry: when it cannot be written, no household data is sent."""
    s = world.services
    assert client.get("/api/v1/households/H1", params=Q, headers=auth(world, "coordinator")).status_code == 200
    s.store()  # a fresh ping (the first read built the results, which may outlast the ping interval)
    assert s.answers_from_memory(AS_OF)  # the next read of AS_OF takes the inline path

    def fail(entries: list[dict[str, Any]]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(s.audit, "_write_batch", fail)
    for params in (Q, {"as_of": "2021-03-31"}):  # inline, then a date not yet built (thread pool)
        r = client.get("/api/v1/households/H1", params=params, headers=auth(world, "coordinator"))
        assert r.status_code == 500 and "Jansen" not in r.text and "I1" not in r.text
    monkeypatch.undo()
    r = client.get("/api/v1/households/H1", params=Q, headers=auth(world, "coordinator"))
    assert r.status_code == 200
    assert list(s.audit.entries())[-1].household_id == "H1"


def test_denials_on_the_inline_path_are_audited(client: TestClient, world: World) -> None:
    world.services.store()
    assert world.services.answers_from_memory(AS_OF)
    r = client.get("/api/v1/households/H3/overlap", params=Q, headers=auth(world, "coordinator"))
    assert r.status_code == 403
    last = list(world.services.audit.entries())[-1]
    assert (last.action, last.household_id, last.outcome) == ("household_overlap", "H3", "denied")
