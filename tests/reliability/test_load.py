"""The short version of ``bench/loadtest.py``: ``caregraph serve`` under 10 concurrent users (API and dashboard) for
10 seconds on loopback, with zero errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_short_load_has_no_errors(tmp_path: Path) -> None:
    cmd = [sys.executable, str(ROOT / "bench" / "loadtest.py"), "--households", "300", "--clients", "10",
           "--seconds", "10", "--requests", "5000", "--port", str(free_port()), "--dir", str(tmp_path), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=380, cwd=ROOT)
    assert r.stdout.strip(), r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    print("\n".join(r.stdout.strip().splitlines()[-20:-1]))
    assert out["errors"] == 0, out["error_kinds"]
    assert r.returncode == 0
    assert out["requests_served"] == out["requests_sent"] > 50
    kinds = set(out["per_kind"])
    # every part of the mix was exercised: the API calls and the dashboard page loads and callbacks
    assert {"api households list", "api household detail", "api household overlap", "api caseload",
            "api flags summary", "api statistics", "dash login", "dash callback route"} <= kinds, kinds
    assert any(k.startswith("dash page") for k in kinds) and any(
        k in kinds for k in ("dash callback cases", "dash callback household", "dash callback overview")), kinds
