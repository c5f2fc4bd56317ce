"""``Neo4jStore.load(delete=...)``'s own statements run by a real Cypher engine (the LadybugDB shim of
``test_neo4j_on_ladybug``): the ``load(delete=...)`` conformance tests again, on that store."""

from __future__ import annotations

from tests.graph.test_conformance_delete import (  # noqa: F401 - collected again here, on the shim store fixture
    test_load_delete_refuses_tables_with_dependants,
    test_load_delete_removes_exactly_those_rows,
    test_load_delete_together_with_upserts,
)
from tests.graph.test_neo4j_on_ladybug import store  # noqa: F401 - the fixture the tests above use
