"""The analytics' DuckDB connections never draw DuckDB's progress bar (it goes to standard output, into the JSON or
CSV a command writes there, whenever a query takes over two seconds)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from analytics.engine import Engine, connect
from analytics.tables_builder import build_tables

ANALYTICS = Path(__file__).resolve().parents[2] / "analytics"


def _progress_bar_on(con: object) -> bool:
    row = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()  # type: ignore[attr-defined]
    return bool(row[0])


def test_connect_and_the_engine_switch_the_progress_bar_off() -> None:
    import duckdb

    switched_on = duckdb.connect(":memory:")  # DuckDB's default depends on where it runs: the check sees it on
    switched_on.execute("SET enable_progress_bar = true")
    assert _progress_bar_on(switched_on)
    assert not _progress_bar_on(connect())
    with Engine(build_tables(), date(2024, 6, 30)) as engine:
        assert not _progress_bar_on(engine.con)


def test_every_analytics_connection_comes_from_connect() -> None:
    """No module opens DuckDB itself (``duckdb.connect``) but :func:`analytics.engine.connect`."""
    offenders = []
    for path in sorted(ANALYTICS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"):
                offenders.append(f"{path.relative_to(ANALYTICS)}:{node.lineno}")
    assert offenders == ["engine.py:" + str(_connect_line())], offenders


def _connect_line() -> int:
    source = (ANALYTICS / "engine.py").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(source) if line.startswith("def connect("))
    return next(i for i in range(start, len(source)) if "duckdb.connect(" in source[i]) + 1
