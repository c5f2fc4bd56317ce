"""Kill an ingest subprocess (SIGKILL) at several moments of a load that takes more than a second: the store reopens
and holds either the old data or the complete new data."""

from __future__ import annotations

import os
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
from caregraph.settings import Settings
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
    n_new = write_big_input(new, 60_000, seed=2)["interventions"]
    first = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), db=str(db), src=str(old))],
                           capture_output=True, text=True, timeout=300)
    assert first.stdout.strip().endswith("loaded"), first.stderr
    n_old = _count(db)
    script = SCRIPT.format(root=str(ROOT), db=str(db), src=str(new))
    seen = set()
    for delay in (0.4, 1.0, 2.0):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"  # the store is open, the ingest begins
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        n = _count(db)
        assert n in (n_old, n_new), (delay, n)
        seen.add(n)
        if n == n_new:
            break
    # Finish the load and check it is complete.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().endswith("loaded"), done.stderr
    assert _count(db) == n_new
