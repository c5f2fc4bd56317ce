"""Schema statements for each store, generated from :mod:`graph.schema`.

LadybugDB needs node and relationship tables before any write; Neo4j needs one uniqueness constraint per label (the
index MERGE uses) and range indexes for the filters the queries use. Labels and property names come only from the
schema's own definitions, never from input.
"""

from __future__ import annotations

from graph.schema import TABLES, ColumnType, RelSpec, TableSpec, graph_property

__all__ = ["ladybug_ddl", "neo4j_ddl", "all_rel_specs", "node_specs"]

_LB_TYPES: dict[ColumnType, str] = {"string": "STRING", "int": "INT64", "date": "DATE", "bool": "BOOLEAN"}

# Relationships with at most one target per source node get MANY_ONE, which LadybugDB enforces and optimises.
_MANY_ONE = {"WORKS_FOR", "IN_DISTRICT", "MEMBER_OF", "CONCERNS", "FOR_MEMBER", "ADDRESSES", "ON_BEHALF_OF",
             "ASSESSES", "ASSESSES_MEMBER", "SCORES_DOMAIN"}
# ... and ONE_MANY where each target has exactly one source (every intervention has one deliverer).
_ONE_MANY = {"DELIVERS"}

# Extra Neo4j range indexes for filtered properties.
_NEO4J_INDEXES: tuple[tuple[str, str], ...] = (
    ("Household", "district_id"),
    ("Intervention", "household_id"),
    ("Intervention", "start_date"),
    ("Intervention", "end_date"),
    ("Intervention", "professional_id"),
    ("Assessment", "household_id"),
    ("Member", "household_id"),
)


def node_specs() -> list[TableSpec]:
    """The tables that become nodes, in load order."""
    return [t for t in TABLES if t.label is not None]


def all_rel_specs() -> list[tuple[TableSpec, RelSpec]]:
    """Every relationship type with the table that defines it, in load order."""
    out: list[tuple[TableSpec, RelSpec]] = []
    for t in TABLES:
        out.extend((t, r) for r in t.rels)
        if t.rel_only is not None:
            out.append((t, t.rel_only))
    return out


def _rel_prop_type(spec: TableSpec, col: str) -> str:
    if col == spec.key:
        return "STRING"
    return _LB_TYPES[spec.column(col).type]


def ladybug_ddl() -> list[str]:
    """``CREATE … TABLE IF NOT EXISTS`` statements for LadybugDB."""
    stmts: list[str] = []
    for t in node_specs():
        cols = []
        for c in t.columns:
            prop = graph_property(t, c.name)
            cols.append(f"{prop} {_LB_TYPES[c.type]}" + (" PRIMARY KEY" if c.name == t.key else ""))
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {t.label}({', '.join(cols)})")
    for t, r in all_rel_specs():
        props = "".join(f", {('id' if p == t.key else p)} {_rel_prop_type(t, p)}" for p in r.properties)
        mult = ", MANY_ONE" if r.type in _MANY_ONE else ", ONE_MANY" if r.type in _ONE_MANY else ""
        stmts.append(
            f"CREATE REL TABLE IF NOT EXISTS {r.type}(FROM {r.source_label} TO {r.target_label}{props}{mult})"
        )
    return stmts


def neo4j_ddl() -> list[str]:
    """Uniqueness constraints (one per label) and range indexes for Neo4j 5, idempotent (``IF NOT EXISTS``)."""
    stmts = [
        f"CREATE CONSTRAINT {t.label.lower()}_id IF NOT EXISTS FOR (n:{t.label}) REQUIRE n.id IS UNIQUE"
        for t in node_specs()
        if t.label is not None
    ]
    stmts += [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label, prop in _NEO4J_INDEXES
    ]
    stmts.append("CREATE INDEX coordinates_id IF NOT EXISTS FOR ()-[r:COORDINATES]-() ON (r.id)")
    return stmts
