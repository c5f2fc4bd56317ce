"""Spreadsheet formula injection: no cell of an exported CSV starts with ``=``, ``+``, ``-``, ``@``, tab or CR unless it
is a number. Covered here: the research export zip (API), the dashboard's cases-table CSV (served by its callback, from
rows the browser sends), the audit log CSV export, and the analytics CLI CSV output. The quarantine written by the
server is covered in test_uploads.py. No code path writes an Excel file with data (``caregraph template`` writes
headers only).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from bench.loadtest import DashCallbacks
from caregraph.auth import AuditLog, Principal, Role
from caregraph.serve import build_app
from caregraph.services import CareServices
from tests.services.world import AS_OF, World, load_world, make_world, world_settings, world_tables

PAYLOADS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1",
            "=cmd|' /C notepad'!A1"]
RISKY = ("=", "+", "-", "@", "\t", "\r")


def _risky_cells(text: str) -> list[str]:
    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(RISKY):
                try:
                    float(cell)
                except ValueError:
                    bad.append(cell)
    return bad


def hostile_world_tables() -> object:
    """The test world with formula payloads in every free-text field a research export carries."""
    t = world_tables()
    for name, cols in (("agencies", ("name",)), ("professionals", ("name", "role")), ("districts", ("name",))):
        table = t[name]
        for col in cols:
            values = [PAYLOADS[i % len(PAYLOADS)] + f" {i}" for i in range(table.num_rows)]
            table = table.set_column(table.column_names.index(col), col, pa.array(values, pa.string()))
        t = t.with_table(name, table)
    return t


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile")
    settings = world_settings(root)
    load_world(settings, hostile_world_tables())  # type: ignore[arg-type]
    services = CareServices(settings, today=lambda: AS_OF)
    tokens = {}
    for role in ("researcher", "manager"):
        services.users.add_user(role, role)
        tokens[role] = services.users.issue_token(role).token
    try:
        yield World(services, settings, tokens)
    finally:
        services.close()


def test_research_export_neutralises_every_csv(hostile: World) -> None:
    with TestClient(build_app(hostile.settings, mode="api", services=hostile.services),
                    raise_server_exceptions=False) as c:
        r = c.get("/api/v1/exports/research", params={"as_of": AS_OF.isoformat()},
                  headers={"Authorization": f"Bearer {hostile.tokens['researcher']}"})
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    csvs = [n for n in z.namelist() if n.endswith(".csv")]
    assert len(csvs) >= 5
    neutralised = 0
    for name in csvs:
        text = z.read(name).decode("utf-8")
        assert not _risky_cells(text), (name, _risky_cells(text)[:5])
        neutralised += text.count("'=") + text.count("'+") + text.count("'@")
    assert neutralised >= 3, "the payloads must reach the export (else this test proves nothing)"


def test_dashboard_cases_csv_neutralises_what_the_browser_sends(tmp_path: Path) -> None:
    for w in make_world(tmp_path):
        with TestClient(build_app(w.settings, mode="both", services=w.services),
                        raise_server_exceptions=False) as c:
            cb = DashCallbacks(c.get("/dashboard/_dash-dependencies").json())
            post = "/dashboard/_dash-update-component"
            c.post(post, json=cb.body("login-message.children", {"login-button.n_clicks": 1,
                                                                 "login-token.value": w.tokens["manager"]}))
            cases = c.post(post, json=cb.body("cases-table.data", {"as-of.date": AS_OF.isoformat()})).json()
            table = cases["response"]["cases-table"]
            columns = [col["id"] for col in table["columns"]]
            rows = [{col: PAYLOADS[(i + j) % len(PAYLOADS)] for j, col in enumerate(columns)} for i in range(5)]
            rows.append({col: [PAYLOADS[0], "x"] for col in columns})
            r = c.post(post, json=cb.body("cases-download.data", {"cases-export.n_clicks": 1,
                                                                  "cases-table.derived_virtual_data": rows,
                                                                  "as-of.date": AS_OF.isoformat()}))
            assert r.status_code == 200, r.text
            data = r.json()["response"]["cases-download"]["data"]
            text = base64.b64decode(data["content"]).decode() if data.get("base64") else data["content"]
            assert text.count("\n") == 7
            assert not _risky_cells(text), _risky_cells(text)


def test_audit_csv_export_neutralises_every_field(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i, p in enumerate(PAYLOADS):
        log.record(Principal(username=p, role=Role.admin), p, household_id=p, outcome=p,
                   detail={"x": p, "n": i})
    log.export(tmp_path / "audit.csv", fmt="csv")
    text = (tmp_path / "audit.csv").read_text(encoding="utf-8")
    assert text.count("'=") >= 3
    assert not _risky_cells(text), _risky_cells(text)[:5]


def test_analytics_cli_csv_output_is_neutralised(capsys: pytest.CaptureFixture[str]) -> None:
    from caregraph.commands.analytics_cmds import _write_csv

    _write_csv(pa.table({"a": PAYLOADS, "n": list(range(-3, len(PAYLOADS) - 3))}))
    out = capsys.readouterr().out
    assert not _risky_cells(out), _risky_cells(out)
    assert json.dumps(out)  # text, not bytes
