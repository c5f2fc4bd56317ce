"""``caregraph serve --workers 2`` for real: two worker processes, each with its own listening socket on one port,
answering from read-only handles; ``caregraph ingest`` loads while they serve and both workers show the new data;
uploads get 503; SIGINT stops the supervisor and every worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from caregraph.auth import Role, UserStore, users_file
from tests.reliability.ports import free_port
from tests.services.world import load_world, world_settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _listeners(port: int) -> int:
    """Listening TCP sockets on ``port`` (``/proc/net/tcp``, state 0A)."""
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            n += 1
    return n


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _districts(url: str, token: str) -> set[str]:
    # a new connection each time, so the kernel may hand it to either worker
    r = httpx.get(f"{url}/api/v1/districts", headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                  timeout=30)
    assert r.status_code == 200, r.text
    return {d["district_id"] for d in r.json()}


def test_two_read_only_workers_serve_and_follow_an_ingest(tmp_path: Path) -> None:
    settings = world_settings(tmp_path)
    load_world(settings)
    users = UserStore(users_file(settings.data_dir))
    users.add_user("mgr", Role.manager)
    users.add_user("adm", Role.admin)
    mgr, adm = users.issue_token("mgr").token, users.issue_token("adm").token
    port = free_port()
    env = {**os.environ, "CAREGRAPH_DEMO": "1", "CAREGRAPH_STORE_PATH": str(settings.store_path),
           "CAREGRAPH_DATA_DIR": str(settings.data_dir), "CAREGRAPH_AS_OF": "2024-06-30"}
    server = subprocess.Popen([sys.executable, "-m", "caregraph.cli", "serve", "--api-only", "--workers", "2",
                               "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while _listeners(port) < 2 or httpx.get(f"{url}/ready", timeout=30).status_code != 200:
            assert server.poll() is None and time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.3)
        assert len(_children(server.pid)) >= 2  # two workers (multiprocessing may add its resource tracker)
        assert _listeners(port) == 2
        assert all(_districts(url, mgr) == {"D1", "D2"} for _ in range(10))

        up = httpx.post(f"{url}/api/v1/ingest", headers={"Authorization": f"Bearer {adm}"},
                        files={"files": ("districts.csv", b"district_id,name\nD9,Oost\n", "text/csv")}, timeout=30)
        assert up.status_code == 503 and "caregraph ingest" in up.json()["detail"], up.text

        new = tmp_path / "new"
        new.mkdir()
        (new / "districts.csv").write_text("district_id,name\nD3,Oost\n", encoding="utf-8")
        ing = subprocess.run([sys.executable, "-m", "caregraph.cli", "ingest", str(new)], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert ing.returncode == 0 and "Status: loaded" in ing.stdout, ing.stdout + ing.stderr

        deadline = time.monotonic() + 30
        streak = 0
        while streak < 20:  # 20 answers in a row with D3: both workers have reloaded
            streak = streak + 1 if "D3" in _districts(url, mgr) else 0
            assert time.monotonic() < deadline, "the workers did not pick up the ingest"
    finally:
        workers = _children(server.pid)
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, err.decode(errors="replace")[-2000:]
    time.sleep(0.5)
    assert not [p for p in workers if Path(f"/proc/{p}").exists()
                and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
