"""Benchmark: the README's two commands from a fresh clone; seconds until the dashboard answers, until pytest runs.

Run: ``python3 bench/bench_setup.py [--repo PATH] [--rev REV] [--cold-cache] [--env NAME=VALUE ...]``.
Standard library only, so it runs before any environment exists (and against commits whose ``./run`` used pip).

Each run clones ``--repo`` (default: this checkout) at ``--rev`` into a temporary folder and measures there:

- ``demo``: ``./run demo --port P --dir D`` until ``GET /dashboard/`` answers 200 (polled every 0.2 s), then stops it;
  this covers the environment set-up, generating, loading and analysing the 2,000-household demo and starting the
  server;
- ``tests set-up``: ``./run tests --collect-only -q`` in the same clone after removing its ``.venv`` (so it installs
  the dev environment from scratch): environment, npm Cypher linter, ruff, mypy and pytest's collection, i.e. all of
  ``./run tests`` before the first test runs.

``--cold-cache`` gives uv an empty cache folder (``UV_CACHE_DIR``) and pip none (``PIP_NO_CACHE_DIR``) for the run,
as on a fresh machine; without it the caches of earlier installs on this machine make the install faster than a first
one. ``--pypi-only`` hides this machine's pip configuration (local indexes and wheel folders a fresh machine does not
have), so pip, like uv, installs from PyPI. ``--without-uv`` removes the folders holding a ``uv`` from ``PATH``, so
``./run`` installs uv from PyPI itself, as on a machine without uv. The load average (``os.getloadavg``) is printed
with the figures, as the host is shared.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_TIMEOUT_S = 900.0


def children_cpu_s() -> float:
    """User + system CPU seconds of the finished child processes (and theirs): a figure the host's load barely moves,
    where wall time on a shared host grows with the other jobs."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def python311() -> str:
    """The real path of Python 3.11 (not a shim that needs its folder on PATH)."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    return subprocess.check_output(
        ["python3.11", "-c", "import sys; print(sys.executable)"], text=True).strip()


def free_port() -> int:
    """A TCP port nobody listens on now (the host is shared; 8000 may be taken)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dashboard_answers(port: int) -> bool:
    """True when ``/dashboard/`` answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard/", timeout=2) as r:
            return int(r.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def time_demo(clone: Path, env: dict[str, str], log: Path) -> float:
    """Seconds from starting ``./run demo`` until the dashboard answers; stops the demo's process group after."""
    port = free_port()
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["./run", "demo", "--port", str(port), "--dir", str(clone / "data" / "demo")],
            cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            while not dashboard_answers(port):
                if proc.poll() is not None:
                    raise SystemExit(f"./run demo exited with {proc.returncode} before serving; see {log}")
                if time.perf_counter() - t0 > DEMO_TIMEOUT_S:
                    raise SystemExit(f"the dashboard did not answer within {DEMO_TIMEOUT_S:.0f} s; see {log}")
                time.sleep(0.2)
            return time.perf_counter() - t0
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def time_tests_setup(clone: Path, env: dict[str, str], log: Path) -> float:
    """Seconds of ``./run tests --collect-only -q`` on a clone without ``.venv`` (nor ``.tools``, the uv ./run
    installs)."""
    shutil.rmtree(clone / ".venv", ignore_errors=True)
    shutil.rmtree(clone / ".tools", ignore_errors=True)
    t0 = time.perf_counter()
    with log.open("w") as out:
        rc = subprocess.call(
            ["./run", "tests", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    seconds = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"./run tests --collect-only exited with {rc}; see {log}")
    return seconds


def print_steps(log: Path, label: str) -> None:
    """The set-up lines ``./run`` printed (``run: WHAT ... done in S s``) and the sum of their seconds."""
    steps = re.findall(r"^(run: .*done in ([0-9.]+) s)$", log.read_text(errors="replace"), re.MULTILINE)
    for line, _ in steps:
        print(f"  {line}")
    print(f"  set-up steps {label}: {sum(float(s) for _, s in steps):.1f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Clone, time both commands, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", default=str(ROOT), help="repository to clone (default: this checkout)")
    p.add_argument("--rev", default="HEAD", help="commit or branch to measure (default: HEAD)")
    p.add_argument("--cold-cache", action="store_true", help="an empty uv cache for the run (a fresh machine)")
    p.add_argument("--pypi-only", action="store_true", help="ignore this machine's pip configuration")
    p.add_argument("--without-uv", action="store_true", help="no uv on PATH: ./run installs it from PyPI")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for ./run")
    p.add_argument("--keep", action="store_true", help="keep the clone and the logs")
    p.add_argument("--skip-tests", action="store_true", help="time ./run demo only")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="caregraph-setup-"))
    clone = work / "c"
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in args.env)
    if args.cold_cache:
        env["UV_CACHE_DIR"] = str(work / "uv-cache")
        env["PIP_NO_CACHE_DIR"] = "1"
    if args.pypi_only:
        env["PIP_CONFIG_FILE"] = os.devnull
        for name in [n for n in env if n.startswith("PIP_") and n not in ("PIP_CONFIG_FILE", "PIP_NO_CACHE_DIR")]:
            del env[name]
    if args.without_uv:
        env["PYTHON"] = python311()
        env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists())
    try:
        subprocess.check_call(["git", "clone", "-q", args.repo, str(clone)])
        subprocess.check_call(["git", "-C", str(clone), "checkout", "-q", args.rev])
        rev = subprocess.check_output(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], text=True).strip()
        print(f"commit {rev}; caches {'cold (empty)' if args.cold_cache else 'as on this machine'}; "
              f"pip config {'none (PyPI only)' if args.pypi_only else 'as on this machine'}; "
              f"uv on PATH {'no' if args.without_uv else 'as on this machine'}; "
              f"extra env {args.env or 'none'}; load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        cpu0 = children_cpu_s()
        demo_s = time_demo(clone, env, work / "demo.log")
        cpu1 = children_cpu_s()
        print(f"./run demo until the dashboard answers: {demo_s:6.1f} s  (CPU {cpu1 - cpu0:.1f} s)", flush=True)
        print_steps(work / "demo.log", "before caregraph starts")
        if not args.skip_tests:
            if args.cold_cache:  # ./run tests on a fresh machine: nothing from the demo's install in the cache
                env["UV_CACHE_DIR"] = str(work / "uv-cache-tests")
            tests_s = time_tests_setup(clone, env, work / "tests.log")
            print(f"./run tests set-up (--collect-only):    {tests_s:6.1f} s  (CPU {children_cpu_s() - cpu1:.1f} s)",
                  flush=True)
            print_steps(work / "tests.log", "until pytest starts")
        print(f"load after: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        if args.keep:
            print(f"clone and logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
