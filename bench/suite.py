"""caregraph's benchmark suite: every measurement its targets name, at several municipality sizes, with baselines.

For each size (default 1,000, 10,000 and 100,000 households) it generates a synthetic municipality and measures, each
in a fresh subprocess (``bench/suite_steps.py``; peak memory = that process's ``ru_maxrss``), as the median of up to
``--runs`` runs (fewer when a step's runs add up to more than ``--step-budget`` seconds, which is what happens at
100,000 households):

generate, ingest (CSV → embedded store), all flags as of the date (in memory, and end to end from the store),
per-household statistics, projections + centralities, API latency under concurrent clients (``bench/bench_api.py``'s
client) and dashboard render time (``bench/bench_dashboard.py``, headless chromium),

and on the same data the baselines: DuckDB ``read_csv`` and pandas ``read_csv`` for the load, the hand-written DuckDB
SQL of ``bench/bench_analytics.py`` for the flags, and the pandas / networkx implementation of
``bench/pandas_baseline.py``. It prints each of caregraph's figures as a ratio to its baselines and writes
``docs/benchmarks.md``, ``docs/benchmarks.json`` and log-log plots ``docs/img/bench-time.png`` and
``docs/img/bench-memory.png``.

Usage::

    .venv/bin/python bench/suite.py                       # the full run (< 15 min on 2 cores)
    .venv/bin/python bench/suite.py --sizes 1000 --runs 1 --api-clients 5 --api-seconds 2   # smoke
    .venv/bin/caregraph bench [same options]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from suite_report import write_report  # noqa: E402

STEPS_SCRIPT = Path(__file__).resolve().parent / "suite_steps.py"

#: (step, label, baselines) in the order they run; the baselines are steps measured on the same data.
PLAN: list[tuple[str, str, tuple[str, ...]]] = [
    ("generate", "generate (in memory + CSV write)", ()),
    ("ingest", "ingest CSV → embedded store", ("load_duckdb", "load_pandas")),
    ("load_duckdb", "baseline: DuckDB read_csv", ()),
    ("load_pandas", "baseline: pandas read_csv", ()),
    ("flags", "all 8 flags as of the date (in memory)", ("flags_duckdb", "flags_pandas")),
    ("flags_store", "all 8 flags end to end (store snapshot + flags)", ("flags_duckdb", "flags_pandas")),
    ("flags_duckdb", "baseline: hand-written DuckDB SQL flags", ()),
    ("flags_pandas", "baseline: pandas flags", ()),
    ("stats", "per-household statistics", ("stats_pandas",)),
    ("stats_pandas", "baseline: pandas household counts", ()),
    ("network", "projections + centralities (both sides)", ("network_nx",)),
    ("network_nx", "baseline: networkx bipartite projection + centralities", ()),
]


def run_step(step: str, folder: Path, run: int, extra: list[str] | None = None, timeout: float = 600) -> dict[str, Any]:
    """One measurement in a fresh interpreter; the step's JSON line. On ``timeout`` the step gets SIGINT first (so a
    server or browser it started is shut down by its own ``finally``), then SIGKILL."""
    proc = subprocess.Popen([sys.executable, str(STEPS_SCRIPT), step, str(folder), str(run), *(extra or [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise RuntimeError(f"{step} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{step} failed: {' | '.join(t.strip() for t in tail)}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def measure(step: str, folder: Path, runs: int, budget_s: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Up to ``runs`` runs of ``step`` (stopping once their wall time passes ``budget_s``); median and spread."""
    results: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for r in range(runs):
        results.append(run_step(step, folder, r))
        if time.perf_counter() - t0 > budget_s:
            break
    secs = [x["seconds"] for x in results]
    out = dict(results[0])
    out.update({"seconds": statistics.median(secs), "min_s": min(secs), "max_s": max(secs), "runs": len(secs),
                "peak_rss_mib": max(x["peak_rss_mib"] for x in results),
                "host_loop_ms_all": [x.get("host_loop_ms") for x in results]})
    log(f"  {step:<13} {out['seconds']:9.3f} s (median of {len(secs)}; {min(secs):.3f}–{max(secs):.3f})  "
        f"peak {out['peak_rss_mib']:7.0f} MiB")
    return out


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and library versions, load average."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    libs = {}
    for name in ("caregraph", "ladybug", "duckdb", "pyarrow", "pandas", "polars", "networkx", "numpy", "fastapi",
                 "uvicorn", "dash", "selenium"):
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = "absent"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram, "python": platform.python_version(),
            "platform": platform.platform(), "libraries": libs, "chromium": shutil.which("chromium") is not None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--runs", type=int, default=3, help="Runs per measurement (the median is reported).")
    ap.add_argument("--step-budget", type=float, default=25.0,
                    help="Stop repeating a measurement once its runs took this many seconds.")
    ap.add_argument("--api-clients", type=int, default=50)
    ap.add_argument("--api-seconds", type=float, default=10.0, help="Seconds of load per mode.")
    ap.add_argument("--api-workers", type=int, nargs="+", default=[1, 2],
                    help="Server processes to measure the API with (`caregraph serve --workers N`), one run each.")
    ap.add_argument("--api-think", type=float, default=1.0,
                    help="Mean pause (s) of the think-time mode (0: closed loop only).")
    ap.add_argument("--dashboard-loads", type=int, default=3)
    ap.add_argument("--dashboard-timeout", type=float, default=240.0, help="Give up on the browser after this.")
    ap.add_argument("--no-dashboard", action="store_true", help="Skip the browser measurement.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/caregraph-suite"), help="Scratch folder (data, stores).")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--img", type=Path, default=None, help="Folder of the plots (default: <out's folder>/img).")
    ap.add_argument("--keep", action="store_true", help="Keep the scratch folder.")
    ap.add_argument("--from-json", type=Path, help="Only write the report again from a run's benchmarks.json.")
    args = ap.parse_args(argv)
    img = args.img or args.out.parent / "img"
    if args.from_json:
        write_report(json.loads(args.from_json.read_text(encoding="utf-8")), args.out, img)
        return 0
    start = time.perf_counter()
    load_before = os.getloadavg()

    def log(msg: str) -> None:
        print(msg, flush=True)

    sizes: dict[int, dict[str, Any]] = {}
    notes: list[str] = []
    chromium = Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()
    for n in args.sizes:
        folder = args.work / f"h{n}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "households.txt").write_text(str(n))
        log(f"{n:,} households ({folder})")
        res: dict[str, Any] = {}
        for step, _label, _base in PLAN:
            try:
                res[step] = measure(step, folder, args.runs, args.step_budget, log)
            except RuntimeError as e:
                res[step] = {"error": str(e)[:300]}
                log(f"  {step:<13} FAILED: {e}")
        runs: list[dict[str, Any]] = []
        for w in args.api_workers:
            try:
                a = run_step("api", folder, 0, [f"clients={args.api_clients}", f"seconds={args.api_seconds}",
                                                f"think={args.api_think}", f"workers={w}"])
                runs.append(a)
                log(f"  {'api':<13} {w} worker(s), {a['clients']} users closed loop: {a['throughput']:.0f} req/s, "
                    f"detail p50/p95/p99 {a['detail_p50_ms']:.0f}/{a['detail_p95_ms']:.0f}/"
                    f"{a['detail_p99_ms']:.0f} ms; with think time: detail p95 "
                    f"{a.get('think_detail_p95_ms', float('nan')):.0f} ms; errors {a['errors']}")
            except RuntimeError as e:
                runs.append({"error": str(e)[:300], "workers": w})
                log(f"  api ({w} worker(s)) FAILED: {e}")
        res["api_runs"] = runs
        ok = [a for a in runs if "error" not in a]
        # the configuration the targets are judged on: the lowest closed-loop detail p95
        res["api"] = min(ok, key=lambda a: a["detail_p95_ms"]) if ok else runs[-1]
        if args.no_dashboard:
            res["dashboard"] = {"error": "skipped (--no-dashboard)"}
        elif not chromium:
            res["dashboard"] = {"error": "skipped: Debian's chromium and chromium-driver are not installed"}
        elif not (ROOT / "bench" / "bench_dashboard.py").exists():
            res["dashboard"] = {"error": "skipped: bench/bench_dashboard.py does not exist"}
        else:
            try:
                res["dashboard"] = run_step("dashboard", folder, 0, [f"loads={args.dashboard_loads}"],
                                            timeout=args.dashboard_timeout)
                dsh = res["dashboard"]
                log(f"  {'dashboard':<13} overview {dsh.get('overview_warm_s', float('nan')):.2f} s, household "
                    f"{dsh.get('household_warm_s', float('nan')):.2f} s (warm medians)")
            except RuntimeError as e:
                res["dashboard"] = {"error": str(e)[:300]}
                log(f"  dashboard FAILED: {e}")
        sizes[n] = res
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if any(r.get("dashboard", {}).get("error") for r in sizes.values()):
        notes.append("dashboard: " + next(r["dashboard"]["error"] for r in sizes.values()
                                          if r.get("dashboard", {}).get("error")))
    wall = time.perf_counter() - start
    data = {"sizes": {str(k): v for k, v in sizes.items()}, "machine": machine(), "plan": PLAN,
            "wall_s": wall, "load_before": load_before, "load_after": os.getloadavg(),
            "options": {"runs": args.runs, "step_budget": args.step_budget, "api_clients": args.api_clients,
                        "api_seconds": args.api_seconds, "api_think": args.api_think,
                        "api_workers": args.api_workers,
                        "dashboard_loads": args.dashboard_loads},
            "notes": notes, "command": "caregraph bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    write_report(data, args.out, img)
    log(f"\nwrote {args.out} and plots in {img} ({wall / 60:.1f} min in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
