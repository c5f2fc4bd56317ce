"""What hangs off a household, derived from :mod:`graph.schema`: what deleting a household must delete with it.

Used by both adapters' ``delete_households`` (retention). A *dependant* is either a node table whose row points at
its household through a relationship from the row's own node (members ``MEMBER_OF``, interventions ``CONCERNS``,
assessments ``ASSESSES``), or a relationship-only table into the household (coordinations ``COORDINATES``), which
disappears with the household's node (``DETACH DELETE``). No Cypher here: the adapters build their statements from
these specs.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.schema import TABLES, RelSpec, TableSpec, table_spec

__all__ = ["HOUSEHOLD_TABLE", "LEDGER_CLIENT_COLUMNS", "LEDGER_TABLE", "MEMBERS_TABLE", "Dependant",
           "household_dependants"]

HOUSEHOLD_TABLE = "households"
MEMBERS_TABLE = "members"
LEDGER_TABLE = "allocations"
LEDGER_CLIENT_COLUMNS: tuple[str, ...] = (
    "member_id", "birth_date", "name", "address_id", "postcode", "name_key", "relation_keys",
)
"""The allocation ledger's columns that describe the client of a 301 version. The ledger row itself stays when its
household is deleted (a version or tombstone still decides which later 301 wins), but these columns are blanked
for the deleted households' members: what retention deletes about a person must not survive in the bookkeeping."""


@dataclass(frozen=True, slots=True)
class Dependant:
    """A table whose rows belong to one household.

    Parameters
    ----------
    table
        The entity table (e.g. ``"interventions"``).
    rel
        The relationship that links a row to its household (source: the row's node or, for a relationship-only
        table, the other end; target: ``Household``).
    node_label
        The row's node label, or ``None`` for a relationship-only table (its rows are the relationships).
    """

    table: str
    rel: RelSpec
    node_label: str | None


def household_dependants() -> tuple[Dependant, ...]:
    """Every table whose rows hang off a household, in reverse load order (delete them before the household).

    >>> [d.table for d in household_dependants()]
    ['assessments', 'coordinations', 'interventions', 'members']
    """
    household = table_spec(HOUSEHOLD_TABLE)
    out: list[Dependant] = []
    for spec in reversed(TABLES):
        if spec.name == HOUSEHOLD_TABLE:
            continue
        dep = _dependant(spec, household)
        if dep is not None:
            out.append(dep)
    return tuple(out)


def _dependant(spec: TableSpec, household: TableSpec) -> Dependant | None:
    if spec.rel_only is not None:
        rel = spec.rel_only
        if rel.target_label == household.label and rel.target_column == household.key:
            return Dependant(spec.name, rel, None)
        return None
    for rel in spec.rels:
        own = rel.source_column == spec.key
        if own and rel.target_label == household.label and rel.target_column == household.key:
            col = spec.column(rel.target_column)
            if col.required:  # a row that must have a household belongs to it
                return Dependant(spec.name, rel, spec.label)
    return None
