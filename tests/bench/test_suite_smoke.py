"""Smoke test of the benchmark suite (``bench/suite.py``) at 1,000 households: it completes and writes a well-formed
report (tables, targets, machine, plots, raw JSON). Timings are not checked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from suite import PLAN  # noqa: E402

pytestmark = pytest.mark.slow

HAVE_BROWSER = shutil.which("chromium") is not None and shutil.which("chromedriver") is not None


def _table(md: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table under ``heading`` (header row first, separator dropped)."""
    section = md.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    assert rows, f"no table under {heading!r}"
    assert all(set(c) <= set("-:") for c in rows[1]), "second row must be the separator"
    return [rows[0], *rows[2:]]


@pytest.mark.timeout(300)
def test_suite_at_1000_households_writes_a_well_formed_report(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "benchmarks.md"
    args = [sys.executable, str(ROOT / "bench" / "suite.py"), "--sizes", "1000", "--runs", "1", "--api-clients", "4",
            "--api-seconds", "2", "--work", str(tmp_path / "work"), "--out", str(out),
            "--dashboard-loads", "1", "--dashboard-timeout", "60"]
    if not HAVE_BROWSER:
        args.append("--no-dashboard")
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "FAILED" not in proc.stdout.replace("dashboard FAILED", ""), proc.stdout

    md = out.read_text(encoding="utf-8")
    for heading in ("# Benchmarks", "## Main table", "## Targets, at the largest size", "## API latency",
                    "## Dashboard render", "## Plots", "## Machine"):
        assert heading in md, heading

    main = _table(md, "## Main table")
    assert main[0][1] == "1,000 hh (s)"
    assert [r[0] for r in main[1:]] == [label for _s, label, _b in PLAN]
    for row in main[1:]:
        assert len(row) == len(main[0]), row
        assert re.fullmatch(r"\d+\.\d+", row[1]), f"time of {row[0]!r} is {row[1]!r}"
        assert re.fullmatch(r"[\d,]+", row[3]), f"peak RSS of {row[0]!r} is {row[3]!r}"
    ingest = next(r for r in main if r[0].startswith("ingest"))
    assert re.search(r"\d+\.\d+× load_duckdb", ingest[-1]), ingest

    targets = _table(md, "## Targets, at the largest size")
    assert len(targets) == 8
    assert all(r[2] in ("yes", "**no**", "not measured") for r in targets[1:])

    api = _table(md, "## API latency")
    assert [r[1] for r in api[1:]] == ["1", "1", "2", "2"], api  # one and two workers, two modes each
    for row in api[1:]:
        assert row[0] == "1,000" and row[2] == "4", row
        assert re.fullmatch(r"[\d.]+ / [\d.]+ / [\d.]+", row[5]), row
    assert api[1][3].startswith("closed loop") and api[2][3].startswith("think time"), api
    assert re.fullmatch(r"\d+ / \d+", api[1][-1]), api[1]  # the host-speed loop before and after the load
    assert re.search(r"host speed: a fixed pure-Python loop .* took \d+ / \d+ / \d+ ms", md)

    dash = _table(md, "## Dashboard render")
    assert dash[1][0] == "1,000"
    if not HAVE_BROWSER:
        assert "not measured" in dash[1][2]

    machine = md.split("## Machine", 1)[1]
    assert re.search(r"CPU: .+, \d+ cores; RAM [\d.]+ GiB", machine) and "Python 3." in machine
    assert "duckdb" in machine and "ladybug" in machine

    for name in ("bench-time.png", "bench-memory.png"):
        png = out.parent / "img" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"(img/{name})" in md

    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(data["sizes"]) == {"1000"}
    assert data["sizes"]["1000"]["flags_pandas"]["same_as_caregraph"] is True
    assert [a["errors"] for a in data["sizes"]["1000"]["api_runs"]] == [0, 0]
    assert [a["workers"] for a in data["sizes"]["1000"]["api_runs"]] == [1, 2]

    again = tmp_path / "again" / "benchmarks.md"
    rerender = [sys.executable, str(ROOT / "bench" / "suite.py"), "--from-json", str(out.with_suffix(".json")),
                "--out", str(again)]
    proc = subprocess.run(rerender, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _table(again.read_text(encoding="utf-8"), "## Main table") == main
