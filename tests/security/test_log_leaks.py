"""Secrets and BSNs never reach logs or files: a full demo run (``caregraph demo --households 300 --no-serve``) and a
short ``caregraph serve`` session with requests of every role (an upload with clear BSNs, a dashboard login, an
export, a bad token), both with logging at DEBUG, then a grep of everything they printed and every file under the
data dir (the store excepted) for: the pseudonym key, the secret part of every demo token (``caregraph demo`` prints
the tokens once by design: that block of lines is left out), the Neo4j password, and any 9999xxxxx BSN in clear.

The demo's generated input tables (``<dir>/tables``) are input files like a municipality's export, with synthetic
BSNs in clear by design; they are not scanned.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from foundation.settings import DEMO_PSEUDONYM_KEY
from tests.reliability.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ("import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, "
           "format='%(asctime)s %(levelname)s %(name)s %(message)s'); "
           "from caregraph.cli import main; sys.argv = ['caregraph', *sys.argv[1:]]; main()")
NEO4J_PASSWORD = "neo4j-Pw-MUST-NOT-LEAK-7731"
BSN_IN_CLEAR = re.compile(rb"(?<!\d)9999\d{5}(?!\d)")
MEMBERS = ("member_id,household_id,bsn,name,birth_year,role\n"
           "LEAK1,HH000001,999900067,Canary One,1980,parent\n"
           "LEAK2,HH000001,999900068,Canary Two,1981,partner\n")


def _env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREGRAPH_")}
    return {**env, "CAREGRAPH_DEMO": "1", "CAREGRAPH_STORE_PATH": str(base / "store"),
            "CAREGRAPH_DATA_DIR": str(base / "state"), "CAREGRAPH_AS_OF": "2025-06-30",
            "CAREGRAPH_NEO4J_PASSWORD": NEO4J_PASSWORD, "CAREGRAPH_NEO4J_URI": "bolt://127.0.0.1:1"}


def _session(url: str, tokens: dict[str, str]) -> list[int]:
    """Requests of every role; returns their statuses."""
    h = {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}
    q = {"as_of": "2025-06-30"}
    statuses = []
    with httpx.Client(base_url=url, timeout=120) as c:
        hid = c.get("/api/v1/households", params=q, headers=h["coordinator"]).json()["items"][0]["household_id"]
        for path, who in ((f"/api/v1/households/{hid}", "coordinator"), (f"/api/v1/households/{hid}/network",
                          "coordinator"), ("/api/v1/households", "manager"), ("/api/v1/statistics", "researcher"),
                          ("/api/v1/flags/summary", "manager"), ("/api/v1/users", "admin"),
                          ("/api/v1/audit", "admin"), ("/api/v1/exports/research", "researcher")):
            statuses.append(c.get(path, params=q, headers=h[who]).status_code)
        statuses.append(c.post("/api/v1/ingest", headers=h["admin"], params={"dry_run": "true"},
                               files=[("files", ("members.csv", io.BytesIO(MEMBERS.encode()), "text/csv"))]
                               ).status_code)
        statuses.append(c.get("/api/v1/households", headers={"Authorization": "Bearer cg_0123456789ab_wrong"}
                              ).status_code)
        statuses.append(c.get(f"/api/v1/households/{hid}", headers=h["manager"]).status_code)  # denied
        deps = c.get("/dashboard/_dash-dependencies").json()
        from bench.loadtest import DashCallbacks

        cb = DashCallbacks(deps)
        statuses.append(c.post("/dashboard/_dash-update-component", json=cb.body(
            "login-message.children", {"login-button.n_clicks": 1, "login-token.value": tokens["manager"]})
        ).status_code)
        statuses.append(c.post("/dashboard/_dash-update-component", json=cb.body(
            "cases-table.data", {"as-of.date": "2025-06-30", "lang-store.data": "nl"})).status_code)
    return statuses


def test_no_secret_or_bsn_in_logs_or_files(tmp_path: Path) -> None:
    base = tmp_path / "demo"
    env = _env(base)
    demo = subprocess.run([sys.executable, "-c", WRAPPER, "demo", "--households", "300", "--no-serve", "--dir",
                           str(base)], capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert demo.returncode == 0, demo.stderr[-3000:]
    token_lines = [ln for ln in demo.stdout.splitlines() if b"cg_" in ln]
    tokens = {}
    for ln in token_lines:
        role, token = ln.split()[:2]
        tokens[role.decode()] = token.decode()
    assert set(tokens) >= {"manager", "coordinator", "researcher", "admin"}, demo.stdout[-2000:]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", WRAPPER, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.3)
        statuses = _session(url, tokens)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert statuses.count(200) >= 10 and 401 in statuses and 403 in statuses, statuses
    assert b"DEBUG" in err + demo.stderr  # logging really was at DEBUG

    printed = {"demo stdout (token lines left out)": b"\n".join(ln for ln in demo.stdout.splitlines()
                                                               if ln not in token_lines),
               "demo stderr": demo.stderr, "serve stdout": out, "serve stderr": err}
    files = {str(p): p.read_bytes() for p in (base / "state").rglob("*") if p.is_file()}
    for name in [n for n in files if n.endswith(".zip")]:  # exports: scan what is inside, not the compressed bytes
        with zipfile.ZipFile(name) as z:
            files |= {f"{name}!{m}": z.read(m) for m in z.namelist()}
    assert any("audit" in name for name in files) and any("uploads" in name for name in files), sorted(files)
    secrets = {"pseudonym key": DEMO_PSEUDONYM_KEY.encode(), "neo4j password": NEO4J_PASSWORD.encode()}
    for role, token in tokens.items():
        secrets[f"{role} token secret"] = token.split("_", 2)[2].encode()
    leaks = []
    for where, data in {**printed, **files}.items():
        leaks += [f"{what} in {where}" for what, s in secrets.items() if s in data]
        leaks += [f"BSN {m.group(0)[:4].decode()}***** in {where}" for m in BSN_IN_CLEAR.finditer(data)]
    scanned = sum(len(d) for d in {**printed, **files}.values())
    print(f"\nscanned {len(printed)} outputs and {len(files)} files ({scanned:,} bytes): {len(leaks)} leaks")
    assert not leaks, leaks[:20]
