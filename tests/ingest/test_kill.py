"""Kill an ingest subprocess (SIGKILL) at several moments of a load that takes more than a second: the store reopens
and holds either the old data or the complete new data."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ingest.bigdata import write_big_input

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from ingest.pipeline import ingest
s = LadybugStore.open(Path({db!r}))
print("start", flush=True)
r = ingest([Path({src!r})], store=s, settings=Settings(demo=True))
s.close()
print(r.status, flush=True)
"""


COUNT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from graph.ladybug_store import LadybugStore
s = LadybugStore.open(Path({db!r}))
print(s.read_table("interventions").num_rows, flush=True)
s.close()
"""


def _count(db: Path) -> int:
    """Open the store in a fresh process (as a restart would) and count the interventions."""
    r = subprocess.run([sys.executable, "-c", COUNT.format(root=str(ROOT), db=str(db))], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_kill_midway_leaves_old_or_complete_new(tmp_path: Path) -> None:
    db = tmp_path / "store" / "graph.lbug"
    old, new = tmp_path / "old", tmp_path / "new"
    write_big_input(old, 5_000)
    n_new = write_big_input(new, 40_000, seed=2)["interventions"]
    first = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), db=str(db), src=str(old))],
                           capture_output=True, text=True, timeout=300)
    assert first.stdout.strip().endswith("loaded"), first.stderr
    n_old = _count(db)
    script = SCRIPT.format(root=str(ROOT), db=str(db), src=str(new))
    seen = set()
    killed_running = 0
    # Time one complete run on a copy of the store, then kill at fractions of that time (reading, validating,
    # comparing, writing, committing).
    copy = tmp_path / "copy"
    shutil.copytree(db.parent, copy)
    probe = subprocess.Popen([sys.executable, "-c", SCRIPT.format(root=str(ROOT), db=str(copy / db.name),
                                                                  src=str(new))], stdout=subprocess.PIPE, text=True)
    assert probe.stdout is not None and probe.stdout.readline().strip() == "start"
    t0 = time.perf_counter()
    assert probe.wait(timeout=300) == 0
    run_s = time.perf_counter() - t0
    assert run_s > 1.0, f"the load must take more than a second to kill it midway ({run_s:.2f} s)"
    base = tmp_path / "base"
    shutil.copytree(db.parent, base)
    for i, delay in enumerate((0.2 * run_s, 0.5 * run_s, 0.8 * run_s, 0.95 * run_s)):
        # every trial starts from the old store, so each kill is an independent trial
        trial = tmp_path / f"trial{i}"
        shutil.copytree(base, trial)
        trial_db = trial / db.name
        trial_script = SCRIPT.format(root=str(ROOT), db=str(trial_db), src=str(new))
        proc = subprocess.Popen([sys.executable, "-c", trial_script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"  # the store is open, the ingest begins
        time.sleep(delay)
        if proc.poll() is None:
            killed_running += 1
        with contextlib.suppress(ProcessLookupError):  # it may have finished in the meantime
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        n = _count(trial_db)
        assert n in (n_old, n_new), (delay, n)
        seen.add(n)
    assert killed_running >= 2, "the kills must land while the ingest runs"
    assert n_old in seen, "no kill landed before the ingest committed"
    print(f"run {run_s:.2f} s; kills during the run: {killed_running}; the stores then held {sorted(seen)} "
          f"interventions (old {n_old}, new {n_new})")
    # Finish the load and check it is complete.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().endswith("loaded"), done.stderr
    assert _count(db) == n_new
