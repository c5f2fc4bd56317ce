"""Every Cypher statement the Neo4j adapter can send passes Neo4j's own offline linter.

``tests/cypherlint/lint.mjs`` runs ``lintCypherQuery`` of npm ``@neo4j-cypher/language-support`` with Neo4j's
built-in function list and the schema's labels, relationship types and property keys. The linter is run once over
:func:`graph.neo4j_queries.all_cypher` plus control statements that it must flag, so a silently broken linter cannot
pass the test.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from graph.ddl import all_rel_specs, node_specs
from graph.neo4j_queries import all_cypher
from graph.schema import TABLES, graph_property
from tests.graph.fixtures import import_query_modules

LINT_DIR = Path(__file__).resolve().parents[1] / "cypherlint"

BROKEN = "MATCH (h:Household {id: $id} RETURN h.id"
LADYBUG_ONLY = [
    "COPY X FROM 'f'",
    "CREATE NODE TABLE Household(id STRING PRIMARY KEY)",
    "MATCH (i:Intervention) RETURN list_extract(collect(i.id), 1) AS first",
    "MATCH (i:Intervention) RETURN i.start_date + interval('30 days') AS later",
]
UNKNOWN_LABEL = "MATCH (h:Housold) RETURN h.id AS id"


def _json_default(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return int(v)
    return str(v)


def _property_keys() -> list[str]:
    keys = {"src", "dst", "id"}  # src/dst: the keys of the relationship rows
    for t in TABLES:
        keys.update(graph_property(t, c.name) for c in t.columns)
        keys.update(c.name for c in t.columns)
    return sorted(keys)


@pytest.fixture(scope="module")
def lint() -> Any:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the offline Neo4j Cypher linter")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.skip("npm package @neo4j-cypher/language-support missing: run `npm install` in tests/cypherlint "
                    "(./run tests does this when npm is available)")

    def run(queries: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        payload = {
            "queries": [{"query": q, "parameters": p} for q, p in queries],
            "labels": sorted(t.label for t in node_specs() if t.label),
            "relationshipTypes": sorted({r.type for _, r in all_rel_specs()}),
            "propertyKeys": _property_keys(),
        }
        proc = subprocess.run([node, "lint.mjs"], cwd=LINT_DIR, input=json.dumps(payload, default=_json_default),
                              capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        out: list[dict[str, Any]] = json.loads(proc.stdout)
        assert len(out) == len(queries)
        return out

    return run


def test_every_neo4j_statement_lints_clean_and_the_linter_catches_mistakes(lint: Any) -> None:
    import_query_modules()
    statements = all_cypher()
    assert len(statements) > 60  # DDL, upserts, reads, counts, rel merges and deletions, named queries
    rows_stmt = next(q for q, p in statements if "$rows" in q)
    controls = [(BROKEN, {"id": "H1"}), *((q, {}) for q in LADYBUG_ONLY), (UNKNOWN_LABEL, {}), (rows_stmt, {})]
    results = lint([*statements, *controls])
    ours, checks = results[: len(statements)], results[len(statements) :]

    problems = [
        f"{r['query']!r}: {[e['message'] for e in r['errors']]}"
        for r in ours
        if r["errors"]
    ]
    assert not problems, "\n".join(problems)
    unknown_names = [
        f"{r['query']!r}: {w['message']}"
        for r in ours
        for w in r["warnings"]
        if "is not present in the database" in w["message"]
    ]
    assert not unknown_names, "\n".join(unknown_names)

    broken, *ladybug_only, unknown_label, no_params = checks
    assert broken["errors"], "the linter did not flag a syntax error"
    for r in ladybug_only:
        assert r["errors"], f"the linter did not flag LadybugDB-only Cypher: {r['query']}"
    assert any("Housold" in w["message"] for w in unknown_label["warnings"]), "unknown labels are not reported"
    # a statement linted without its parameters is flagged, so the example parameters of all_cypher matter
    assert any("Parameter $rows is not defined" in e["message"] for e in no_params["errors"])
