"""Benchmark of the command line as a user meets it: whole processes, start-up included.

Prints, each as min / median / max over ``--runs`` runs (wall seconds, and the child's own CPU seconds, user +
system, which other processes on the machine disturb far less):

* ``caregraph --help`` and ``caregraph X --help`` for every command, nested ones too (goal: <= 0.3 s each), beside
  the interpreter's own start-up (``python -c pass``) as the baseline;
* ``caregraph flags --format json`` on an embedded store of ``--households`` households (goal at 100,000:
  <= 2 s), beside the flag computation alone, in one process on the tables already read (the floor the command
  stands on).

With ``--compare PYTHON`` every process is also run with another installation's interpreter (another checkout's
virtual environment, e.g. an older commit), in turns with this one (A B A B ...), and the median of the per-pair
ratios A/B is printed: pairing keeps the ratio meaningful when the machine's speed drifts during the run.

The store is built once (``caregraph generate`` + ``caregraph load``, seed 7) in ``--work`` and reused. The
children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed from their environment), as an
installed package runs; the warm-up run of each command writes the caches.

Run: ``.venv/bin/python bench/bench_cli.py [--households 100000] [--runs 5] [--compare ../base/.venv/bin/python]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

AS_OF = "2025-06-30"
"""The date the synthetic municipality's planted cases are valid on (``caregraph generate``'s default)."""

HELP_GOAL_S = 0.3
FLAGS_GOAL_S = 2.0

_LIST_COMMANDS = textwrap.dedent("""
    import json, typer.main
    from caregraph.cli import app
    paths = [[]]
    def walk(cmd, path):
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            paths.append(path + [name])
            walk(sub, path + [name])
    walk(typer.main.get_command(app), [])
    print(json.dumps(paths))
""")

_FLAGS_IN_PROCESS = textwrap.dedent("""
    import json, sys, time
    from datetime import date
    from analytics.config import FlagConfig
    from analytics.flags import evaluate_flags_table
    from foundation.settings import get_settings
    from graph.factory import open_store
    store = open_store(get_settings(), read_only=True)
    tables = store.snapshot()
    store.close()
    config, day, out = FlagConfig.load(None), date.fromisoformat(sys.argv[1]), []
    for _ in range(int(sys.argv[2])):
        w, c = time.perf_counter(), time.process_time()
        rows = evaluate_flags_table(tables, day, config).num_rows
        out.append([time.perf_counter() - w, time.process_time() - c])
    print(json.dumps({"rows": rows, "runs": out}))
""")


class Run(NamedTuple):
    """One whole process: wall seconds and its own CPU seconds (user + system, all threads)."""

    wall: float
    cpu: float


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: this one, with bytecode caching on, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def command(python: str) -> list[str]:
    """How to start ``caregraph`` of the installation ``python`` belongs to: its console script when it has one."""
    script = Path(python).parent / "caregraph"
    return [str(script)] if script.exists() else [python, "-m", "caregraph.cli"]


def run_once(argv: Sequence[str], env: dict[str, str], stdout: int | None = subprocess.DEVNULL) -> Run:
    """Start ``argv``, wait for it, and return its wall time and the CPU time the OS accounted to it."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime)


def paired(runs: int, a: Sequence[str], b: Sequence[str] | None, env: dict[str, str]) -> tuple[list[Run], list[Run]]:
    """``runs`` runs of ``a`` (and of ``b``, in turns with ``a``) after one warm-up run of each."""
    run_once(a, env)
    if b is not None:
        run_once(b, env)
    ra: list[Run] = []
    rb: list[Run] = []
    for _ in range(runs):
        ra.append(run_once(a, env))
        if b is not None:
            rb.append(run_once(b, env))
    return ra, rb


def spread(values: Sequence[float]) -> str:
    """``min / median / max`` of seconds."""
    return f"{min(values):6.3f} {statistics.median(values):6.3f} {max(values):6.3f}"


def ratio(a: Sequence[Run], b: Sequence[Run]) -> str:
    """The median of the per-pair wall and CPU ratios a/b."""
    wall = statistics.median(x.wall / y.wall for x, y in zip(a, b, strict=True))
    cpu = statistics.median(x.cpu / y.cpu for x, y in zip(a, b, strict=True))
    return f"{wall:6.2f}x {cpu:6.2f}x"


def row(label: str, a: Sequence[Run], b: Sequence[Run], ref: Sequence[Run] | None = None) -> str:
    """One line of the report: A's wall and CPU spread, B's, and the paired ratios (to B, or to a reference)."""
    line = f"{label:34s} {spread([r.wall for r in a])}  {spread([r.cpu for r in a])}"
    if b:
        line += f"  | {spread([r.wall for r in b])}  {spread([r.cpu for r in b])}  {ratio(a, b)}"
    elif ref:
        line += f"  | x{statistics.median(r.wall for r in a) / statistics.median(r.wall for r in ref):5.1f} wall"
    return line


def header(compare: bool, ref_label: str) -> str:
    """The column titles."""
    cols = f"{'':34s} {'wall s: min    med    max':>20s}  {'cpu s: min    med    max':>20s}"
    if compare:
        cols += (f"  | {'B wall: min    med    max':>20s}  {'B cpu: min    med    max':>20s}"
                 f"  {'A/B wall':>7s} {'A/B cpu':>7s}")
    else:
        cols += f"  | median / {ref_label}"
    return cols


def list_commands(python: str, env: dict[str, str]) -> list[list[str]]:
    """Every command path of the installation's ``caregraph`` (``[]`` is the top level)."""
    out = subprocess.run([python, "-c", _LIST_COMMANDS], env=env, capture_output=True, text=True, check=True)
    paths: list[list[str]] = json.loads(out.stdout)
    return paths


def build_store(python: str, households: int, work: Path, env: dict[str, str]) -> None:
    """Generate and load a municipality of ``households`` into ``work/store`` unless it is there already."""
    if (work / "store" / "graph.lbug").exists():
        return
    tables = work / "tables"
    print(f"building the store: {households:,} households in {work} ...", flush=True)
    t0 = time.perf_counter()
    cli = command(python)
    subprocess.run([*cli, "generate", "--households", str(households), "--seed", "7", "--out", str(tables),
                    "--format", "parquet"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*cli, "load", str(tables)], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def bench_help(args: argparse.Namespace, env: dict[str, str]) -> None:
    """The help timings of every command, beside ``python -c pass``."""
    paths = list_commands(args.python, env)
    a_cli = command(args.python)
    b_cli = command(args.compare) if args.compare else None
    print(f"\n## Help: {len(paths)} commands, {args.runs} runs each (after one warm-up), goal <= {HELP_GOAL_S} s wall")
    print(header(b_cli is not None, "python -c pass"))
    base_a, base_b = paired(args.runs, [args.python, "-c", "pass"],
                            [args.compare, "-c", "pass"] if args.compare else None, env)
    print(row("python -c pass (start-up)", base_a, base_b))
    medians: list[float] = []
    for path in paths:
        a, b = paired(args.runs, [*a_cli, *path, "--help"], [*b_cli, *path, "--help"] if b_cli else None, env)
        medians.append(statistics.median(r.wall for r in a))
        print(row(" ".join(["caregraph", *path, "--help"]), a, b, base_a), flush=True)
    worst = max(medians)
    verdict = "met" if worst <= HELP_GOAL_S else "NOT met"
    print(f"slowest help (median wall): {worst:.3f} s; goal <= {HELP_GOAL_S} s: {verdict}")


def bench_flags(args: argparse.Namespace, env: dict[str, str]) -> None:
    """``caregraph flags --format json`` end to end, beside the flag computation in one process."""
    a_cli = command(args.python)
    b_cli = command(args.compare) if args.compare else None
    flags = ["flags", "--format", "json", "--as-of", AS_OF]
    with tempfile.TemporaryFile() as out:  # a check that the command really answers, before timing it
        run_once([*a_cli, *flags], env, stdout=out.fileno())
        out.seek(0)
        n = len(json.load(out))
    inner = subprocess.run([args.python, "-c", _FLAGS_IN_PROCESS, AS_OF, str(args.runs)], env=env,
                           capture_output=True, text=True, check=True)
    measured = json.loads(inner.stdout.strip().splitlines()[-1])
    in_process = [Run(w, c) for w, c in measured["runs"]]
    print(f"\n## caregraph flags --format json at {args.households:,} households ({n:,} flags), {args.runs} runs "
          f"(after one warm-up), goal <= {FLAGS_GOAL_S} s wall")
    print(header(b_cli is not None, "flags in process"))
    print(row("flags in process (tables read)", in_process, []))
    a, b = paired(args.runs, [*a_cli, *flags], [*b_cli, *flags] if b_cli else None, env)
    print(row("caregraph flags --format json", a, b, in_process))
    med = statistics.median(r.wall for r in a)
    verdict = "met" if med <= FLAGS_GOAL_S else "NOT met"
    print(f"end to end (median wall): {med:.3f} s; goal <= {FLAGS_GOAL_S} s: {verdict}; "
          f"CPU median {statistics.median(r.cpu for r in a):.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=100_000, help="size of the store for the flags timing")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per process (after one warm-up)")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the installation to time (A)")
    ap.add_argument("--compare", default=None, help="interpreter of another installation (B), run in turns with A")
    ap.add_argument("--work", type=Path, default=None,
                    help="folder for the store (default: <tmp>/caregraph-bench-cli/<households>)")
    ap.add_argument("--no-help", action="store_true", help="skip the help timings")
    ap.add_argument("--no-flags", action="store_true", help="skip the flags timing")
    args = ap.parse_args()

    work = args.work or Path(tempfile.gettempdir()) / "caregraph-bench-cli" / str(args.households)
    work.mkdir(parents=True, exist_ok=True)
    env = child_env({"CAREGRAPH_STORE": "embedded", "CAREGRAPH_STORE_PATH": str(work / "store"),
                     "CAREGRAPH_DATA_DIR": str(work / "state"), "CAREGRAPH_PSEUDONYM_KEY": "bench-cli-key-0123456789",
                     "CAREGRAPH_DEMO": "0"})
    print(f"A: {args.python}" + (f"\nB: {args.compare}" if args.compare else ""))
    print(f"{os.cpu_count()} cores; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the start")
    if not args.no_help:
        bench_help(args, env)
    if not args.no_flags:
        build_store(args.python, args.households, work, env)
        bench_flags(args, env)
    print(f"\nload average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
