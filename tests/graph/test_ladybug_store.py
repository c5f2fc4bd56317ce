"""LadybugDB adapter behaviour the conformance suite does not cover: processes, locks, kills, recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pytest

from graph.ladybug_store import LadybugStore
from graph.store import StoreDataError, StoreLockedError, StoreUnavailableError
from tests.graph.bulk_tables import bulk_tables

ROOT = Path(__file__).resolve().parents[2]


def _hold_lock(db: Path) -> subprocess.Popen[str]:
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from graph.ladybug_store import LadybugStore
        s = LadybugStore.open({str(db)!r})
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_second_writer_gets_clear_lock_error(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    holder = _hold_lock(db)
    try:
        with pytest.raises(StoreLockedError) as err:
            LadybugStore.open(db)
        msg = str(err.value)
        assert f"PID {holder.pid}" in msg
        assert "one writing process" in msg
    finally:
        holder.kill()
        holder.wait()
    # once the holder is gone the store opens again
    LadybugStore.open(db).close()


def test_read_only_open_of_missing_store_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="caregraph load"):
        LadybugStore.open(tmp_path / "nothing.lbug", read_only=True)


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    LadybugStore.open(db).close()
    ro = LadybugStore.open(db, read_only=True)
    try:
        assert ro.counts().nodes["Domain"] == 15
        with pytest.raises(Exception, match="read-only"):
            ro.load(bulk_tables(10))
    finally:
        ro.close()


def test_failed_load_leaves_store_unchanged_and_usable(tmp_path: Path) -> None:
    """A rejected load writes nothing, and the store keeps working (also COPY after the failure)."""
    store = LadybugStore.open(tmp_path / "graph.lbug")
    tables = bulk_tables(50)
    store.load(tables)
    before = store.counts()
    bad_iv = tables["interventions"].set_column(1, "household_id", pa.array(["H9999999"] * (10 * 50)))
    bad = tables.with_table("interventions", bad_iv.set_column(0, "intervention_id",
                                                               pa.array([f"X{i}" for i in range(500)])))
    with pytest.raises(StoreDataError, match="household"):
        store.load(bad)
    assert store.counts() == before
    more = bulk_tables(60)  # 10 new households: a COPY after the failure must work
    report = store.load(more)
    assert report.created["households"] == 10
    store.close()


def test_clear_bsn_is_refused(tmp_path: Path) -> None:
    store = LadybugStore.open(tmp_path / "graph.lbug")
    tables = bulk_tables(5)
    members = pa.table({"member_id": ["M1"], "household_id": ["H0000000"], "bsn": ["999900006"],
                        "birth_year": [1980], "role": ["single"]})
    with pytest.raises(StoreDataError, match="pseudonymise"):
        store.load(tables.with_table("members", members))
    assert store.counts().nodes["Household"] == 0
    store.close()


def test_duplicate_keys_in_one_load_are_refused(tmp_path: Path) -> None:
    store = LadybugStore.open(tmp_path / "graph.lbug")
    t = bulk_tables(5)
    hh = t["households"]
    dup = pa.concat_tables([hh, hh.slice(0, 1)])
    with pytest.raises(StoreDataError, match="duplicate household_id"):
        store.load(t.with_table("households", dup))
    store.close()


_KILL_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from graph.ladybug_store import LadybugStore
from tests.graph.bulk_tables import bulk_tables
t = bulk_tables({n})
s = LadybugStore.open({db!r})
print("loading", flush=True)
s.load(t)
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5, 2.5])
def test_kill_during_load_leaves_all_or_nothing(tmp_path: Path, delay: float) -> None:
    """SIGKILL a loading process at several moments; the store must reopen with nothing or everything."""
    db = tmp_path / "graph.lbug"
    n = 20_000
    script = _KILL_SCRIPT.format(root=str(ROOT), n=n, db=str(db))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "loading"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = LadybugStore.open(db)
    counts = store.counts()
    ivs = counts.nodes["Intervention"]
    print(f"killed after {delay}s: {ivs} interventions")
    assert ivs in (0, 10 * n), f"partial load: {ivs} interventions"
    assert counts.nodes["Household"] in (0, n)
    assert counts.relationships["CONCERNS"] == ivs
    assert counts.nodes["Household"] == (n if ivs else 0)
    # and the store accepts a complete load afterwards
    store.load(bulk_tables(n))
    assert store.counts().nodes["Intervention"] == 10 * n
    store.close()


def test_close_releases_the_file_lock_even_after_reads(tmp_path: Path) -> None:
    """Reader connections keep the lock in LadybugDB; close() must close them all (found by the ingest tests)."""
    db = tmp_path / "graph.lbug"
    store = LadybugStore.open(db)
    store.counts()  # opens a reader connection in this thread
    store.close()
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from graph.ladybug_store import LadybugStore; " \
           f"LadybugStore.open({str(db)!r}).close(); print('opened')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "opened", out.stderr
