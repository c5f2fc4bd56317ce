"""The Cypher text the Neo4j adapter (:mod:`graph.neo4j_store`) sends, built from the schema.

Every statement is built from :mod:`graph.schema` / :mod:`graph.ddl` objects: labels, relationship types and property
names come only from the schema, values only from ``$parameters``. :func:`all_cypher` lists every statement with
example parameters so the offline Neo4j linter (``tests/cypherlint``) checks each one without a server. This module
imports no driver, so the statements can be built and linted where the ``neo4j`` package is not loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph.ddl import all_rel_specs, neo4j_ddl, node_specs
from graph.endpoint_queries import ENDPOINT_QUERIES
from graph.household_deletion import (
    HOUSEHOLD_TABLE,
    LEDGER_CLIENT_COLUMNS,
    LEDGER_TABLE,
    MEMBERS_TABLE,
    Dependant,
    household_dependants,
)
from graph.queries import ALL_QUERIES
from graph.schema import TABLE_ORDER, RelSpec, TableSpec, graph_property, table_spec
from graph.store import DELETABLE_TABLES

__all__ = [
    "DELETE_ALL_CYPHER",
    "PERSONAL_BSN_COLUMN",
    "PING_CYPHER",
    "PSEUDONYM_COLUMN",
    "all_cypher",
    "coordination_existing_cypher",
    "household_delete_cypher",
    "ledger_forget_clients_cypher",
    "household_dependant_delete_cypher",
    "ids_exist_cypher",
    "node_count_cypher",
    "node_delete_cypher",
    "node_existing_cypher",
    "node_label",
    "node_upsert_cypher",
    "read_table_cypher",
    "rel_count_cypher",
    "rel_delete_stale_cypher",
    "rel_merge_cypher",
    "rel_property",
]

PING_CYPHER = "RETURN 1 AS ok"
DELETE_ALL_CYPHER = "MATCH (n) DETACH DELETE n"
"""Wipes the database (tests and resets of small databases only)."""

PERSONAL_BSN_COLUMN = "bsn"
PSEUDONYM_COLUMN = "bsn_pseudonym"


# --------------------------------------------------------------------------------------------------------------------
# Statement builders. Each takes only schema objects, so every name in the text is one of the schema's own.
# --------------------------------------------------------------------------------------------------------------------


def _node_props(spec: TableSpec) -> list[str]:
    """Graph property names of a node table, key (``id``) first."""
    return [graph_property(spec, c.name) for c in spec.columns]


def node_label(spec: TableSpec) -> str:
    if spec.label is None:
        raise ValueError(f"table {spec.name!r} is not a node table")
    return spec.label


def node_upsert_cypher(spec: TableSpec) -> str:
    """``UNWIND $rows AS r MERGE (n:Label {id: r.id}) SET n.p = r.p, …`` for a node table.

    One assignment per property (no ``+=``); a null value removes the property, which reads back as null.
    """
    sets = ", ".join(f"n.{p} = r.{p}" for p in _node_props(spec) if p != "id")
    return f"UNWIND $rows AS r\nMERGE (n:{node_label(spec)} {{id: r.id}})\nSET {sets}"


def node_existing_cypher(spec: TableSpec) -> str:
    """The stored properties of the nodes whose ids are in ``$ids`` (to classify rows as new/changed/unchanged)."""
    cols = ", ".join(f"n.{p} AS {p}" for p in _node_props(spec))
    return f"UNWIND $ids AS key\nMATCH (n:{node_label(spec)} {{id: key}})\nRETURN {cols}"


def ids_exist_cypher(label: str) -> str:
    """Which of ``$ids`` exist as nodes of ``label`` (``label`` must be a schema label)."""
    if label not in {t.label for t in node_specs()}:
        raise ValueError(f"{label!r} is not a label of the schema")
    return f"UNWIND $ids AS key\nMATCH (n:{label} {{id: key}})\nRETURN n.id AS id"


def _own_end(spec: TableSpec, rel: RelSpec) -> str:
    """Which end of ``rel`` is the row's own node: ``"src"`` or ``"dst"``."""
    if rel.source_column == spec.key:
        return "src"
    if rel.target_column == spec.key:
        return "dst"
    raise ValueError(f"{rel.type}: neither end is the key of {spec.name}")


def rel_property(spec: TableSpec, column: str) -> str:
    """Property name of a relationship property column (the key becomes ``id``, as in :func:`graph.ddl.ladybug_ddl`)."""
    return "id" if column == spec.key else column


def rel_delete_stale_cypher(spec: TableSpec, rel: RelSpec) -> str:
    """Delete a row's relationship of this type when it points elsewhere than the row now says.

    For a node table, rows are ``{src, dst}``: the row's own end keeps its id, the other end is the foreign key
    (null when the foreign key became empty). For a relationship-only table (``COORDINATES``) rows are
    ``{id, src, dst}`` and the relationship is found by its ``id`` property.
    """
    a, b = rel.source_label, rel.target_label
    if spec.rel_only is rel:
        return (
            f"UNWIND $rows AS r\nMATCH (a:{a})-[t:{rel.type} {{id: r.id}}]->(b:{b})\n"
            "WHERE a.id <> r.src OR b.id <> r.dst\nDELETE t"
        )
    if _own_end(spec, rel) == "src":
        return (
            f"UNWIND $rows AS r\nMATCH (a:{a} {{id: r.src}})-[t:{rel.type}]->(b:{b})\n"
            "WHERE r.dst IS NULL OR b.id <> r.dst\nDELETE t"
        )
    return (
        f"UNWIND $rows AS r\nMATCH (a:{a})-[t:{rel.type}]->(b:{b} {{id: r.dst}})\n"
        "WHERE r.src IS NULL OR a.id <> r.src\nDELETE t"
    )


def rel_merge_cypher(spec: TableSpec, rel: RelSpec) -> str:
    """``UNWIND $rows AS r MATCH (a:A {id: r.src}) MATCH (b:B {id: r.dst}) MERGE (a)-[t:T]->(b) [SET t.p = r.p]``.

    Two separate MATCH clauses (never comma-joined: ``docs/graph-stores.md#ladybugdb``). ``COORDINATES`` merges on
    its ``id``.
    """
    head = (
        f"UNWIND $rows AS r\nMATCH (a:{rel.source_label} {{id: r.src}})\n"
        f"MATCH (b:{rel.target_label} {{id: r.dst}})\n"
    )
    if spec.rel_only is rel:
        merge = f"MERGE (a)-[t:{rel.type} {{id: r.id}}]->(b)"
        props = [rel_property(spec, p) for p in rel.properties if p != spec.key]
    else:
        merge = f"MERGE (a)-[t:{rel.type}]->(b)"
        props = [rel_property(spec, p) for p in rel.properties]
    sets = f"\nSET {', '.join(f't.{p} = r.{p}' for p in props)}" if props else ""
    return head + merge + sets


def coordination_existing_cypher(spec: TableSpec) -> str:
    """The stored state of relationship-only rows whose ids are in ``$ids``, in the table's column layout."""
    rel = _rel_only(spec)
    return f"UNWIND $ids AS key\nMATCH (a:{rel.source_label})-[t:{rel.type} {{id: key}}]->(b:{rel.target_label})\n" + (
        "RETURN " + ", ".join(f"{_rel_only_expr(spec, c.name)} AS {c.name}" for c in spec.columns)
    )


def _rel_only(spec: TableSpec) -> RelSpec:
    if spec.rel_only is None:
        raise ValueError(f"table {spec.name!r} is not a relationship-only table")
    return spec.rel_only


def _rel_only_expr(spec: TableSpec, column: str) -> str:
    """Cypher expression for ``column`` of a relationship-only table, with ``a``/``t``/``b`` bound."""
    rel = _rel_only(spec)
    if column == rel.source_column:
        return "a.id"
    if column == rel.target_column:
        return "b.id"
    if column == spec.key or column in rel.properties:
        return f"t.{rel_property(spec, column)}"
    raise ValueError(f"{spec.name}.{column} is not stored on {rel.type}")


def _out_column(column: str) -> str:
    """Column name in the tables a store returns (BSN only as its pseudonym)."""
    return PSEUDONYM_COLUMN if column == PERSONAL_BSN_COLUMN else column


def read_table_cypher(spec: TableSpec) -> str:
    """Every stored row of an entity table, in the table's column layout (``bsn`` as ``bsn_pseudonym``), by key."""
    if spec.rel_only is not None:
        rel = spec.rel_only
        cols = ", ".join(f"{_rel_only_expr(spec, c.name)} AS {c.name}" for c in spec.columns)
        return (
            f"MATCH (a:{rel.source_label})-[t:{rel.type}]->(b:{rel.target_label})\n"
            f"RETURN {cols}\nORDER BY t.id"
        )
    cols = ", ".join(f"n.{graph_property(spec, c.name)} AS {_out_column(c.name)}" for c in spec.columns)
    return f"MATCH (n:{node_label(spec)})\nRETURN {cols}\nORDER BY n.id"


def node_count_cypher(label: str) -> str:
    """Number of nodes with ``label`` (a schema label); any other label is refused.

    >>> node_count_cypher("Household")
    'MATCH (n:Household) RETURN count(n) AS c'
    >>> node_count_cypher("Household) DETACH DELETE (n")
    Traceback (most recent call last):
    ...
    ValueError: 'Household) DETACH DELETE (n' is not a label of the schema
    """
    if label not in {t.label for t in node_specs()}:
        raise ValueError(f"{label!r} is not a label of the schema")
    return f"MATCH (n:{label}) RETURN count(n) AS c"


def rel_count_cypher(rel_type: str) -> str:
    """Number of relationships of ``rel_type`` (a schema relationship type)."""
    if rel_type not in {r.type for _, r in all_rel_specs()}:
        raise ValueError(f"{rel_type!r} is not a relationship type of the schema")
    return f"MATCH ()-[t:{rel_type}]->() RETURN count(t) AS c"


def household_dependant_delete_cypher(dep: Dependant) -> str:
    """Delete what hangs off the households in ``$ids`` through ``dep``; returns how many rows went.

    A node dependant (members, interventions, assessments) is ``DETACH DELETE``-d; a relationship-only dependant
    (coordinations) is only counted, since it goes with the household's ``DETACH DELETE``.
    """
    rel = dep.rel
    if dep.node_label is None:
        return (
            f"UNWIND $ids AS key\nMATCH (:{rel.source_label})-[t:{rel.type}]->(:{rel.target_label} {{id: key}})\n"
            "RETURN count(t) AS c"
        )
    return (
        f"UNWIND $ids AS key\nMATCH (n:{dep.node_label})-[:{rel.type}]->(:{rel.target_label} {{id: key}})\n"
        "WITH DISTINCT n\nDETACH DELETE n\nRETURN count(*) AS c"
    )


def household_delete_cypher() -> str:
    """``DETACH DELETE`` the households whose ids are in ``$ids``; returns how many were deleted."""
    label = node_label(table_spec(HOUSEHOLD_TABLE))
    return f"UNWIND $ids AS key\nMATCH (n:{label} {{id: key}})\nDETACH DELETE n\nRETURN count(*) AS c"


def ledger_forget_clients_cypher() -> str:
    """Blank the client columns of the ledger rows of the members of the households in ``$ids`` (run before the
    members go); returns how many ledger rows were blanked. See :data:`graph.household_deletion.LEDGER_CLIENT_COLUMNS`.
    """
    members = table_spec(MEMBERS_TABLE)
    rel = next(r for r in members.rels if r.target_label == table_spec(HOUSEHOLD_TABLE).label)
    ledger = table_spec(LEDGER_TABLE)
    props = [graph_property(ledger, c) for c in LEDGER_CLIENT_COLUMNS]
    member_prop = graph_property(ledger, "member_id")
    sets = ", ".join(f"a.{p} = null" for p in props)
    return (
        f"UNWIND $ids AS key\nMATCH (m:{node_label(members)})-[:{rel.type}]->(:{rel.target_label} {{id: key}})\n"
        f"MATCH (a:{node_label(ledger)} {{{member_prop}: m.id}})\nSET {sets}\nRETURN count(a) AS c"
    )


def node_delete_cypher(spec: TableSpec) -> str:
    """``DETACH DELETE`` the ``spec`` nodes whose ids are in ``$ids`` (``load(delete=...)``); returns how many."""
    if spec.rel_only is not None:
        raise ValueError(f"{spec.name} is stored as relationships, not nodes")
    return f"UNWIND $ids AS key\nMATCH (n:{node_label(spec)} {{id: key}})\nDETACH DELETE n\nRETURN count(*) AS c"


# --------------------------------------------------------------------------------------------------------------------
# Every statement, for the offline linter
# --------------------------------------------------------------------------------------------------------------------

_EXAMPLE: dict[str, Any] = {"string": "x1", "int": 1, "date": dt.date(2024, 1, 31), "bool": True}


def _example_node_row(spec: TableSpec) -> dict[str, Any]:
    return {graph_property(spec, c.name): _EXAMPLE[c.type] for c in spec.columns}


def all_cypher() -> list[tuple[str, dict[str, Any]]]:
    """Every statement text the adapter can send, each with example parameters.

    DDL, the existence/state reads, the node upserts, the relationship deletions and merges, the counts, the table
    reads, ping, the wipe, the relationship endpoint queries of :mod:`graph.endpoint_queries`, and every
    :class:`graph.queries.Query` registered in :data:`graph.queries.ALL_QUERIES` (import the modules that register
    queries first), rendered in the ``neo4j`` dialect.
    """
    out: list[tuple[str, dict[str, Any]]] = [(s, {}) for s in neo4j_ddl()]
    out.append((PING_CYPHER, {}))
    out.append((DELETE_ALL_CYPHER, {}))
    for spec in node_specs():
        label = node_label(spec)
        out.append((node_existing_cypher(spec), {"ids": ["x1"]}))
        out.append((ids_exist_cypher(label), {"ids": ["x1"]}))
        out.append((node_upsert_cypher(spec), {"rows": [_example_node_row(spec)]}))
        out.append((node_count_cypher(label), {}))
    for name in TABLE_ORDER:
        spec = table_spec(name)
        out.append((read_table_cypher(spec), {}))
        if spec.rel_only is not None:
            out.append((coordination_existing_cypher(spec), {"ids": ["x1"]}))
    for spec, rel in all_rel_specs():
        row: dict[str, Any] = {"src": "x1", "dst": "x2"}
        if spec.rel_only is rel:
            row["id"] = "x3"
        for p in rel.properties:
            if p != spec.key:
                row[rel_property(spec, p)] = _EXAMPLE[spec.column(p).type]
        out.append((rel_delete_stale_cypher(spec, rel), {"rows": [row]}))
        out.append((rel_merge_cypher(spec, rel), {"rows": [row]}))
        out.append((rel_count_cypher(rel.type), {}))
    for dep in household_dependants():
        out.append((household_dependant_delete_cypher(dep), {"ids": ["x1"]}))
    out.append((ledger_forget_clients_cypher(), {"ids": ["x1"]}))
    out.append((household_delete_cypher(), {"ids": ["x1"]}))
    for name in DELETABLE_TABLES:
        out.append((node_delete_cypher(table_spec(name)), {"ids": ["x1"]}))
    for q in [*ENDPOINT_QUERIES.values(), *ALL_QUERIES.values()]:
        out.append((q.render("neo4j"), dict(q.params)))
    return out
