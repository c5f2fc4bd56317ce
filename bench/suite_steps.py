"""One measurement of the benchmark suite, run in a fresh process: ``python bench/suite_steps.py STEP DIR [RUN]``.

``DIR`` is a size's work folder (``households.txt``, ``as_of.txt``, ``csv/`` and ``parquet/`` written by the
``generate`` step). The step prints one JSON line: ``seconds`` (the timed part only), ``peak_rss_mib`` (this
process's ``ru_maxrss``, which includes reading the input of the step, untimed) and step-specific figures.

Steps
-----
generate        ``generate_municipality`` + CSV write (the Parquet copy the other steps read is written untimed)
ingest          CSV → embedded store via :func:`ingest.pipeline.ingest` (read, validate, pseudonymise, load)
load_duckdb     baseline: DuckDB ``read_csv`` of the same CSVs into a new database file
load_pandas     baseline: ``pandas.read_csv`` of the same CSVs
flags           all eight flags as of the date, in memory (:func:`analytics.flags.evaluate_flags_table`)
flags_store     end to end from the embedded store: ``snapshot()`` + flags
flags_duckdb    baseline: the hand-written DuckDB SQL of ``bench/bench_analytics.py``
flags_pandas    baseline: :mod:`bench.pandas_baseline`
stats           per-household statistics (:func:`analytics.household_statistics.household_statistics`)
stats_pandas    baseline: the simple per-household counts in pandas
network         professional and agency projections (≥ 2 shared households) + centralities (betweenness k=200)
network_nx      baseline: ``networkx.bipartite.weighted_projected_graph`` + the same centralities
"""

from __future__ import annotations

import contextlib
import json
import resource
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

KEY = b"bench-key-0123456789"
BETWEENNESS_K = 200
MIN_SHARED = 2


def _as_of(d: Path) -> date:
    return date.fromisoformat((d / "as_of.txt").read_text().strip())


def _tables(d: Path) -> Any:
    from graph.tables import read_table_dir

    return read_table_dir(d / "parquet")


def host_loop_ms(n: int = 2_000_000) -> float:
    """CPU milliseconds of a fixed pure-Python loop: this host's speed at the moment (untimed in every step).

    On a shared virtual machine the same loop can take nearly twice as long from one minute to the next, which moves
    every absolute figure; the report shows this figure next to them.
    """
    t0 = time.process_time()
    x = 0
    for i in range(n):
        x += i * i
    return (time.process_time() - t0) * 1000


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def step_generate(d: Path, run: int) -> dict[str, Any]:
    from graph.tables import write_table_files
    from synthetic.municipality import generate_municipality

    n = int((d / "households.txt").read_text())
    t_gen, m = _timed(lambda: generate_municipality(n, 1))
    out = d / f"csv-run{run}"
    t_csv, _ = _timed(lambda: write_table_files(m.tables, out, ("csv",)))
    if run == 0:
        shutil.rmtree(d / "csv", ignore_errors=True)
        out.rename(d / "csv")
        write_table_files(m.tables, d / "parquet", ("parquet",))
        (d / "as_of.txt").write_text(m.as_of.isoformat())
    else:
        shutil.rmtree(out, ignore_errors=True)
    return {"seconds": t_gen + t_csv, "generate_s": t_gen, "write_csv_s": t_csv, "rows": m.tables.row_counts()}


def step_ingest(d: Path, run: int) -> dict[str, Any]:
    from foundation.settings import Settings
    from graph.factory import open_store
    from ingest.pipeline import ingest

    path = d / f"store-run{run}"
    shutil.rmtree(path, ignore_errors=True)
    settings = Settings(store_path=path, data_dir=d / "data", demo=True)
    store = open_store(settings)
    try:
        secs, res = _timed(lambda: ingest([d / "csv"], store=store, settings=settings))
    finally:
        store.close()
    if res.status != "loaded":
        raise RuntimeError(f"ingest {res.status}: {res.report.to_text(limit=5)}")
    # keep the newest store for the API step
    shutil.rmtree(d / "store", ignore_errors=True)
    path.rename(d / "store")
    return {"seconds": secs, "rows": sum(res.rows_loaded.values())}


def step_load_duckdb(d: Path, run: int) -> dict[str, Any]:
    import duckdb

    db = d / f"ref-run{run}.duckdb"
    db.unlink(missing_ok=True)

    def load() -> None:
        con = duckdb.connect(str(db))
        for p in sorted((d / "csv").glob("*.csv")):
            con.execute(f"CREATE TABLE {p.stem} AS SELECT * FROM read_csv('{p}', header=true)")
        con.close()

    secs, _ = _timed(load)
    db.unlink(missing_ok=True)
    return {"seconds": secs}


def step_load_pandas(d: Path, run: int) -> dict[str, Any]:
    import pandas as pd

    secs, frames = _timed(lambda: {p.stem: pd.read_csv(p) for p in sorted((d / "csv").glob("*.csv"))})
    return {"seconds": secs, "rows": sum(len(f) for f in frames.values())}


def _flag_pairs(table: Any) -> set[tuple[str, str]]:
    return {(r["flag"], r["subject_id"]) for r in table.select(["flag", "subject_id"]).to_pylist()}


def step_flags(d: Path, run: int) -> dict[str, Any]:
    from analytics.config import FlagConfig
    from analytics.flags import evaluate_flags_table

    tables, as_of = _tables(d), _as_of(d)
    secs, out = _timed(lambda: evaluate_flags_table(tables, as_of, FlagConfig()))
    return {"seconds": secs, "flags": len(_flag_pairs(out))}


def step_flags_store(d: Path, run: int) -> dict[str, Any]:
    from analytics.config import FlagConfig
    from analytics.flags import evaluate_flags_table
    from graph.ladybug_store import LadybugStore

    as_of = _as_of(d)
    store = LadybugStore.open(d / "store" / "graph.lbug", read_only=True)
    try:
        t_snap, snap = _timed(store.snapshot)
        t_flags, out = _timed(lambda: evaluate_flags_table(snap, as_of, FlagConfig()))
    finally:
        store.close()
    return {"seconds": t_snap + t_flags, "snapshot_s": t_snap, "flags": len(_flag_pairs(out))}


def step_flags_duckdb(d: Path, run: int) -> dict[str, Any]:
    from bench_analytics import run_reference

    from analytics.config import FlagConfig

    tables, as_of = _tables(d), _as_of(d)
    secs, out = _timed(lambda: run_reference(tables, as_of, FlagConfig()))
    return {"seconds": secs, "flags": len(out)}


def step_flags_pandas(d: Path, run: int) -> dict[str, Any]:
    from pandas_baseline import pandas_flags

    from analytics.config import FlagConfig

    tables, as_of = _tables(d), _as_of(d)
    secs, out = _timed(lambda: pandas_flags(tables, as_of, FlagConfig()))
    from analytics.flags import evaluate_flags_table

    same = out == _flag_pairs(evaluate_flags_table(tables, as_of, FlagConfig())) if run == 0 else None
    return {"seconds": secs, "flags": len(out), "same_as_caregraph": same}


def step_stats(d: Path, run: int) -> dict[str, Any]:
    from analytics.household_stats import household_statistics

    tables, as_of = _tables(d), _as_of(d)
    secs, out = _timed(lambda: household_statistics(tables, as_of))
    return {"seconds": secs, "rows": out.num_rows}


def step_stats_pandas(d: Path, run: int) -> dict[str, Any]:
    from pandas_baseline import pandas_household_counts

    from analytics.config import FlagConfig

    tables, as_of = _tables(d), _as_of(d)
    secs, out = _timed(lambda: pandas_household_counts(tables, as_of, FlagConfig()))
    return {"seconds": secs, "rows": len(out)}


def step_network(d: Path, run: int) -> dict[str, Any]:
    from analytics.centrality import centralities
    from analytics.projection import projection_edges

    tables, as_of = _tables(d), _as_of(d)

    def work() -> dict[str, int]:
        sizes: dict[str, int] = {}
        for side in ("professional", "agency"):
            edges = projection_edges(tables, as_of, side=side, min_shared=MIN_SHARED)
            cent = centralities(edges, weight="shared", betweenness_k=BETWEENNESS_K)
            sizes[f"{side}_edges"], sizes[f"{side}_nodes"] = edges.num_rows, cent.num_rows
        return sizes

    secs, sizes = _timed(work)
    return {"seconds": secs, **sizes}


def step_network_nx(d: Path, run: int) -> dict[str, Any]:
    from pandas_baseline import networkx_network

    tables, as_of = _tables(d), _as_of(d)
    secs, sizes = _timed(lambda: networkx_network(tables, as_of, min_shared=MIN_SHARED, k=BETWEENNESS_K))
    return {"seconds": secs, **sizes}


def _opts(argv: list[str]) -> dict[str, str]:
    return dict(a.split("=", 1) for a in argv)


def _vm_hwm_mib(pid: int) -> float:
    """Peak resident set of another live process (``VmHWM`` of /proc/PID/status), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (a multi-worker server: the supervisor and its worker processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants."""
    import bench_api

    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            total += bench_api.cpu_seconds(p)
    return total


def _tree_hwm_mib(pid: int) -> float:
    """Sum of the peak resident sets of ``pid`` and its descendants, MiB (an upper bound of their joint peak; pages
    they share, such as the memory-mapped Arrow mirror, count once per process)."""
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            total += _vm_hwm_mib(p)
    return total


def _settle(pid: int, limit_s: float = 120.0) -> float:
    """Wait until the server (and its workers) is idle, its background warm-up done: < 0.05 CPU seconds over 1 s.
    Seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        c0 = _tree_cpu(pid)
        time.sleep(1.0)
        if _tree_cpu(pid) - c0 < 0.05:
            break
    return time.perf_counter() - t0


def step_api(d: Path, run: int, opts: dict[str, str]) -> dict[str, Any]:
    """``caregraph serve --api-only`` on the step's store; once its warm-up is done, ``clients`` closed-loop users
    (household detail and overlap alternately) for ``seconds``, with the raw asyncio client of
    ``bench/raw_client.py`` (``client=httpx``: ``bench/bench_api.py``'s), then the same users with a ``think``
    seconds pause between requests. ``peak_rss_mib`` of the result is the server's (VmHWM)."""
    import asyncio
    import os
    import signal
    import socket
    import subprocess

    import bench_api
    import raw_client

    clients, seconds = int(opts.get("clients", "50")), float(opts.get("seconds", "10"))
    think, client = float(opts.get("think", "1.0")), opts.get("client", "raw")
    workers = int(opts.get("workers", "1"))
    as_of = _as_of(d).isoformat()
    token = bench_api.make_token(d, d / "store")
    ids = (d / "household_ids.txt").read_text().split()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "CAREGRAPH_STORE_PATH": str(d / "store"), "CAREGRAPH_DATA_DIR": str(d / "data"),
           "CAREGRAPH_DEMO": "1", "CAREGRAPH_AS_OF": as_of, "CAREGRAPH_DETAIL_SOURCE": "snapshot"}
    cmd = [sys.executable, "-m", "caregraph.cli", "serve", "--api-only", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"clients": clients, "client": client, "think_s": think, "workers": workers}

    def run_load(pause: float) -> tuple[dict[str, list[float]], dict[str, int], float]:
        if client == "httpx":
            return asyncio.run(bench_api.load(url, token, ids, clients, seconds, 10**9, as_of))
        return asyncio.run(raw_client.load("127.0.0.1", port, token, ids, clients, seconds, as_of, pause))

    try:
        t0 = time.perf_counter()
        asyncio.run(bench_api.wait_ready(url, token, ids[0], timeout=600))
        for hid in ids[1:2 * workers + 1]:  # every worker answered once (each builds its own cache)
            asyncio.run(bench_api.wait_ready(url, token, hid, timeout=600))
        _settle(server.pid)
        out["warm_up_s"] = time.perf_counter() - t0
        out["host_loop_ms_before"] = host_loop_ms()
        cpu0, own0 = _tree_cpu(server.pid), time.process_time()
        lat, errors, wall = run_load(0.0)
        server_cpu, client_cpu = _tree_cpu(server.pid) - cpu0, time.process_time() - own0
        out["host_loop_ms_after"] = host_loop_ms()
        total = sum(len(v) for v in lat.values())
        out["error_kinds"] = dict(errors)
        out.update({"requests": total, "throughput": total / wall, "errors": sum(errors.values()),
                    "server_cpu_ms_per_request": server_cpu / max(total, 1) * 1000,
                    "client_cpu_ms_per_request": client_cpu / max(total, 1) * 1000})
        for kind, v in lat.items():
            for p in (50, 95, 99):
                out[f"{kind}_p{p}_ms"] = bench_api.pct(v, p)
        if think > 0 and client == "raw":
            lat, errors, wall = run_load(think)
            out["think_throughput"] = sum(len(v) for v in lat.values()) / wall
            out["errors"] += sum(errors.values())
            for k, v in errors.items():
                out["error_kinds"][k] = out["error_kinds"].get(k, 0) + v
            for kind, v in lat.items():
                for p in (50, 95, 99):
                    out[f"think_{kind}_p{p}_ms"] = bench_api.pct(v, p)
        out["server_peak_rss_mib"] = _tree_hwm_mib(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    out["seconds"] = out["detail_p95_ms"] / 1000
    return out


def step_dashboard(d: Path, run: int, opts: dict[str, str]) -> dict[str, Any]:
    """``bench/bench_dashboard.py``'s ``measure`` on the step's store (headless chromium): overview and household
    page, cold and the median of ``loads`` warm loads. ``seconds`` is the slower page's warm median."""
    import bench_dashboard

    n = int((d / "households.txt").read_text())
    if _as_of(d).isoformat() != bench_dashboard.AS_OF:
        raise RuntimeError(f"bench_dashboard measures as of {bench_dashboard.AS_OF}, the data is as of {_as_of(d)}")
    (d / f"loaded-{n}-1.txt").write_text(bench_dashboard.AS_OF)  # the store is there: bench_dashboard's prepare skips
    r = bench_dashboard.measure(n, d, int(opts.get("loads", "3")))
    pages = {k: v for k, v in r.items() if isinstance(v, dict)}
    out: dict[str, Any] = {"seconds": max(p["warm_median"] for p in pages.values()), "server_warm_up_s": r["warmup"]}
    for name, p in pages.items():
        out[f"{name}_cold_s"], out[f"{name}_warm_s"] = p["cold"], p["warm_median"]
    return out


STEPS: dict[str, Callable[[Path, int], dict[str, Any]]] = {
    name[len("step_"):]: fn for name, fn in globals().items()
    if name.startswith("step_") and callable(fn) and name not in ("step_api", "step_dashboard")
}


OPTION_STEPS: dict[str, Callable[[Path, int, dict[str, str]], dict[str, Any]]] = {
    "api": step_api, "dashboard": step_dashboard}


def main() -> None:
    step, folder = sys.argv[1], Path(sys.argv[2])
    run = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    loop_ms = host_loop_ms()
    out = OPTION_STEPS[step](folder, run, _opts(sys.argv[4:])) if step in OPTION_STEPS else STEPS[step](folder, run)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["host_loop_ms"] = loop_ms
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
