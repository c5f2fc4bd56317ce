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
from tests.graph.bulk_tables import bulk_tables, only_new
LadybugStore.rebuild_min_rows = {threshold}
t = bulk_tables({n})
if {insert_only}:
    t = only_new(t, bulk_tables({old}))
s = LadybugStore.open({db!r})
print("loading", flush=True)
s.load(t)
print("done", flush=True)
"""


def _run_load(db: Path, n: int, old: int, path: str, kill_after: float | None) -> float:
    """Run the loading subprocess; SIGKILL it ``kill_after`` seconds after it starts loading. Returns seconds run."""
    threshold = 50_000 if path == "rebuild" else 10**12
    script = _KILL_SCRIPT.format(root=str(ROOT), n=n, old=old, db=str(db), threshold=threshold,
                                 insert_only=path == "transaction")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "loading"
    t0 = time.perf_counter()
    if kill_after is None:
        assert proc.stdout.readline().strip() == "done"
        proc.wait()
    else:
        time.sleep(kill_after)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.parametrize("path", ["rebuild", "transaction"])
def test_kill_during_load_leaves_all_or_nothing(tmp_path: Path, path: str) -> None:
    """SIGKILL a process loading 8k households into a store holding 2k, at 20/50/80/95% of a full load's time.

    Both write paths are covered: the rebuild-and-swap used for large loads and for any load with updates (here:
    8k households of which 2k changed), and the insert-only transaction used for small loads of new rows (forced
    here with a huge threshold and only the 6k new households). The store must reopen holding the old or the new
    data, never a mixture.
    """
    import shutil

    old, n = 2_000, 8_000
    base = tmp_path / "base" / "graph.lbug"
    with LadybugStore.open(base) as store:
        store.load(bulk_tables(old))
    ref = tmp_path / "ref"
    shutil.copytree(base.parent, ref)
    full = _run_load(ref / "graph.lbug", n, old, path, None)
    outcomes = []
    for fraction in (0.2, 0.5, 0.8, 0.95):
        trial = tmp_path / f"trial{fraction}"
        shutil.copytree(base.parent, trial)
        db = trial / "graph.lbug"
        _run_load(db, n, old, path, fraction * full)
        store = LadybugStore.open(db)
        counts = store.counts()
        ivs = counts.nodes["Intervention"]
        outcomes.append((fraction, ivs))
        assert ivs in (10 * old, 10 * n), f"partial load after {fraction:.0%} of {full:.1f}s: {ivs} interventions"
        assert counts.nodes["Household"] == ivs // 10
        assert counts.relationships["CONCERNS"] == ivs
        assert counts.relationships["DELIVERS"] == ivs
        assert not (trial / "graph.lbug.rebuild").exists()
        if ivs == 10 * old:  # the old data must be intact, relationships included
            assert counts.relationships["ON_BEHALF_OF"] == ivs and counts.relationships["ADDRESSES"] == ivs
        store.load(bulk_tables(n))  # and a complete load works afterwards
        assert store.counts().nodes["Intervention"] == 10 * n
        store.close()
    print(f"{path}: full load {full:.1f}s; kills (fraction, interventions): {outcomes}")
    assert any(ivs == 10 * old for _, ivs in outcomes), "no kill landed before the load completed"


def test_reads_continue_during_a_rebuild_swap(tmp_path: Path) -> None:
    """Readers in other threads see the old or the new content, never an error, while a large load swaps files."""
    import threading

    store = LadybugStore.open(tmp_path / "graph.lbug")
    store.load(bulk_tables(1_000))
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.add(int(store.counts().nodes["Household"]))
            except BaseException as e:
                errors.append(e)
                return

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    report = store.load(bulk_tables(8_000))
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    store.close()
    assert report.rebuilt
    assert not errors, errors
    assert seen <= {1_000, 8_000} and 8_000 in seen


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
