"""``caregraph bench``: the benchmark suite of ``bench/suite.py`` (scaling curves, baselines, ``docs/benchmarks.md``).

The suite lives in the source tree's ``bench/`` folder (it is not part of the installed package); the command runs it
with this interpreter from the repository root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "suite_script", "suite_args"]

ROOT = Path(__file__).resolve().parents[2]


def suite_script() -> Path:
    """``bench/suite.py`` of the source tree this package was installed from (editable install)."""
    return ROOT / "bench" / "suite.py"


def suite_args(sizes: str, runs: int, api_clients: int, api_seconds: float, dashboard: bool, out: Path | None,
               work: Path | None) -> list[str]:
    """The suite's command-line arguments for the command's options.

    >>> suite_args("1000, 10000", 3, 50, 10.0, False, None, None)
    ['--sizes', '1000', '10000', '--runs', '3', '--api-clients', '50', '--api-seconds', '10.0', '--no-dashboard']
    """
    try:
        sizes_list = [str(int(s)) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter("--sizes must be comma-separated household counts, e.g. 1000,10000,100000") from None
    if not sizes_list or any(int(s) < 100 for s in sizes_list):
        raise typer.BadParameter("--sizes needs at least one size of 100 households or more")
    args = ["--sizes", *sizes_list, "--runs", str(runs), "--api-clients", str(api_clients),
            "--api-seconds", str(api_seconds)]
    if not dashboard:
        args.append("--no-dashboard")
    if out is not None:
        args += ["--out", str(out)]
    if work is not None:
        args += ["--work", str(work)]
    return args


def register(app: typer.Typer) -> None:
    """Add ``bench`` to the command."""

    @app.command("bench")
    def bench_cmd(
        sizes: Annotated[str, typer.Option(help="Comma-separated municipality sizes (households).")]
        = "1000,10000,100000",
        runs: Annotated[int, typer.Option(help="Runs per measurement (median reported; fewer for slow steps).",
                                          min=1)] = 3,
        api_clients: Annotated[int, typer.Option(help="Concurrent API clients.", min=1)] = 50,
        api_seconds: Annotated[float, typer.Option(help="Seconds of API load per size.", min=1)] = 10.0,
        dashboard: Annotated[bool, typer.Option(help="Measure dashboard render time (needs chromium).")] = True,
        out: Annotated[Path | None, typer.Option(help="Report file (default docs/benchmarks.md).")] = None,
        work: Annotated[Path | None, typer.Option(help="Scratch folder (default /tmp/caregraph-suite).")] = None,
    ) -> None:
        """Benchmark generate, ingest, flags, statistics, network, API and dashboard at several sizes against
        DuckDB/pandas/networkx baselines, and write docs/benchmarks.md with log-log plots (< 15 min on 2 cores)."""
        script = suite_script()
        if not script.exists():
            typer.echo(f"the benchmark suite is not here ({script}): run from a source checkout", err=True)
            raise typer.Exit(2)
        args = suite_args(sizes, runs, api_clients, api_seconds, dashboard, out, work)
        raise typer.Exit(subprocess.call([sys.executable, str(script), *args], cwd=ROOT))
