"""The ``store`` fixture of the conformance suite: the same tests on every available backend.

LadybugDB always runs (a fresh database file in ``tmp_path``); Neo4j runs when ``CAREGRAPH_NEO4J_URI`` is set (with
``CAREGRAPH_NEO4J_USER``, ``CAREGRAPH_NEO4J_PASSWORD``, ``CAREGRAPH_NEO4J_DATABASE``) and is wiped before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore

BACKENDS = [pytest.param("ladybug", id="ladybug"), pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j)]


def open_neo4j_from_env() -> GraphStore:
    """A Neo4jStore on the server named by the environment, emptied, with its schema (skips when not configured)."""
    from graph.neo4j_store import Neo4jStore

    uri = os.environ.get("CAREGRAPH_NEO4J_URI")
    if not uri:
        pytest.skip("CAREGRAPH_NEO4J_URI not set")
    store = Neo4jStore.connect(
        uri,
        os.environ.get("CAREGRAPH_NEO4J_USER", "neo4j"),
        os.environ.get("CAREGRAPH_NEO4J_PASSWORD", ""),
        database=os.environ.get("CAREGRAPH_NEO4J_DATABASE", "neo4j"),
    )
    store.delete_all()
    store.ensure_schema()
    return store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store (schema and built-in domains only) of each backend."""
    if request.param == "ladybug":
        from graph.ladybug_store import LadybugStore

        s: GraphStore = LadybugStore.open(tmp_path / "graph.lbug")
    else:
        s = open_neo4j_from_env()
    try:
        yield s
    finally:
        s.close()
