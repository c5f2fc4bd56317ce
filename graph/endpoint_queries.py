"""Schema-derived read queries that list the stored endpoints of each relationship type.

Used by the store conformance suite (a relationship moved when its foreign key changed) and by consistency checks:
for every relationship type of :mod:`graph.schema`, the ``(source id, target id)`` pairs as stored. The text is in
the subset both stores share, built only from the schema's own labels and types. They are not registered in
:data:`graph.queries.ALL_QUERIES` (they are not part of the application's query catalogue).
"""

from __future__ import annotations

from graph.ddl import all_rel_specs
from graph.queries import Query

__all__ = ["ENDPOINT_QUERIES"]


def _build() -> dict[str, Query]:
    out: dict[str, Query] = {}
    for _, rel in all_rel_specs():
        out[rel.type] = Query(
            name=f"endpoints_{rel.type.lower()}",
            text=(
                f"MATCH (a:{rel.source_label})-[t:{rel.type}]->(b:{rel.target_label}) "
                "RETURN a.id AS src, b.id AS dst ORDER BY src, dst"
            ),
            columns=("src", "dst"),
        )
    return out


ENDPOINT_QUERIES: dict[str, Query] = _build()
"""Relationship type → its endpoints query."""
