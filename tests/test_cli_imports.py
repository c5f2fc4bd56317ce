"""The command line starts light: importing it, and asking any command for its help, loads no data stack.

Not a timing test (``bench/bench_cli.py`` measures the time): it checks *what* is imported, in a fresh interpreter,
which is what the start-up time follows from.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("pandas", "polars", "numpy", "pyarrow", "duckdb", "ladybug", "neo4j", "networkx", "dash", "plotly",
         "fastapi", "starlette", "uvicorn", "pydantic", "pydantic_settings", "rich", "openpyxl", "foundation.settings",
         "graph", "analytics", "ingest", "synthetic", "api", "dashboard", "caregraph.services")
"""Packages none of which ``import caregraph.cli`` or ``caregraph … --help`` may load (top-level names, or one
module). pydantic and rich are here too: typer can do without both when it only prints help."""

_PROBE = textwrap.dedent("""
    import contextlib, io, json, sys
    import typer.main
    from caregraph.cli import app
    heavy = json.loads(sys.argv[1])

    def loaded():
        return sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))

    after_import = loaded()
    paths = [[]]
    def walk(cmd, path):
        for name, sub in getattr(cmd, "commands", {}).items():
            paths.append(path + [name])
            walk(sub, path + [name])
    walk(typer.main.get_command(app), [])
    codes, texts = {}, {}
    for path in paths:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                app([*path, "--help"], prog_name="caregraph")
            except SystemExit as e:
                codes[" ".join(path)] = e.code
        texts[" ".join(path)] = out.getvalue()
    print(json.dumps({"after_import": after_import, "after_help": loaded(), "codes": codes, "texts": texts}))
""")


def _probe(heavy: tuple[str, ...]) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(heavy)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def probe() -> dict[str, object]:
    return _probe(HEAVY)


def test_importing_the_cli_loads_no_heavy_package(probe: dict[str, object]) -> None:
    assert probe["after_import"] == []


def test_every_help_prints_without_loading_a_heavy_package(probe: dict[str, object]) -> None:
    codes = probe["codes"]
    assert isinstance(codes, dict)
    # the walk found the nested commands too, and every help page printed and exited cleanly
    assert {"", "flags", "users", "users add", "users audit", "serve", "demo"} <= set(codes)
    assert set(codes.values()) == {0}
    assert probe["after_help"] == []


def test_help_keeps_the_options_and_their_texts(probe: dict[str, object]) -> None:
    texts = probe["texts"]
    assert isinstance(texts, dict)
    assert "Evaluate the flags (with their evidence)" in texts["flags"]
    assert "--format" in texts["flags"] and "json, csv or table." in texts["flags"]
    assert "manager|coordinator|researcher|admin" in texts["users add"]
    for name in ("flags", "users", "serve", "bench", "generate"):
        assert name in texts[""]


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: typer itself is imported by the command line, so listing it must be reported."""
    assert "typer" in _probe(("typer",))["after_import"]  # type: ignore[operator]


def test_auth_package_resolves_every_public_name_from_its_module() -> None:
    """``caregraph.auth`` loads its submodules on first use (so the command line can list the roles cheaply)."""
    import importlib

    import caregraph.auth as auth

    for name in auth.__all__:
        home = importlib.import_module(f"caregraph.auth.{auth._HOME[name]}")
        assert getattr(auth, name) is getattr(home, name), name
    assert set(auth._HOME) == set(auth.__all__)
    with pytest.raises(AttributeError, match="no_such_name"):
        auth.no_such_name  # noqa: B018
