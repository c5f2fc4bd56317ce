"""The analytics stay pure: no API, dashboard, database driver or graph store imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import imported_names

ANALYTICS = Path(__file__).resolve().parents[2] / "analytics"
FORBIDDEN = ("api", "dashboard", "ladybug", "neo4j", "graph.ladybug_store", "graph.neo4j_store", "graph.factory",
             "graph.store", "sqlite3", "psycopg", "fastapi", "dash", "caregraph.commands")


def _imports(path: Path) -> set[str]:
    return {i.module for i in imported_names(path)}


@pytest.mark.parametrize("path", sorted(ANALYTICS.rglob("*.py")), ids=lambda p: str(p.relative_to(ANALYTICS)))
def test_no_forbidden_imports(path: Path) -> None:
    bad = {n for n in _imports(path) for f in FORBIDDEN if n == f or n.startswith(f + ".")}
    assert not bad, f"{path} imports {sorted(bad)}"


def test_boundary_check_catches_a_violation(tmp_path: Path) -> None:
    p = tmp_path / "x.py"
    p.write_text("from graph.ladybug_store import LadybugStore\nimport neo4j\n")
    assert {"graph.ladybug_store", "neo4j"} <= _imports(p)


def test_no_bsn_or_pseudonym_column_is_read() -> None:
    for path in ANALYTICS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "bsn_pseudonym" not in text, path
        assert '"bsn"' not in text and "'bsn'" not in text, path
