"""Named Cypher queries: every query the application sends lives here (or in :mod:`graph.ddl`).

A :class:`Query` holds text in the Cypher subset both stores share (``docs/graph-stores.md#shared-cypher``), with an
optional per-dialect override where they differ. Shared text must not use constructs that silently differ or are
missing in LadybugDB (list indexing, ``substring``, ``labels()``, ``CALL {``, ``FOREACH``, ``+=``, ``REMOVE``, map
projections, ``date()`` without argument); ``tests/graph/test_queries.py`` checks this. Values are always
``$parameters``; dates are passed as Python ``date`` objects. A query that selects periods by date follows the one
active-on-a-date rule of ``foundation/periods.py`` (``start_date <= $day`` and (``end_date IS NULL`` or
``end_date >= $day``)).

The catalogue modules (:mod:`graph.queries_household`) import :func:`register` from here and add their queries to
:data:`ALL_QUERIES` when they are imported; this module imports none of them, so the catalogue has no import cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Dialect", "Query", "ALL_QUERIES", "BANNED_SHARED", "register"]

Dialect = Literal["ladybug", "neo4j"]

BANNED_SHARED: tuple[tuple[str, str], ...] = (
    (r"\[\s*-?\d+\s*\]", "list indexing (1-based in LadybugDB, 0-based in Neo4j)"),
    (r"\[\s*-?\d*\s*\.\.", "list slicing (differs between the stores)"),
    (r"(?i)\bsubstring\s*\(", "substring (1-based in LadybugDB, 0-based in Neo4j)"),
    (r"(?i)\blabels\s*\(", "labels() (a string in LadybugDB, a list in Neo4j)"),
    (r"(?i)\bCALL\s*(\(|\{)", "CALL subqueries (missing in LadybugDB)"),
    (r"(?i)\bFOREACH\b", "FOREACH (missing in LadybugDB)"),
    (r"\+=", "SET += (missing in LadybugDB)"),
    (r"(?i)\bREMOVE\b", "REMOVE (missing in LadybugDB)"),
    (r"(?i)\bdate\s*\(\s*\)", "date() without argument (current_date() in LadybugDB)"),
    (r"(?i)\b(id|elementId)\s*\(", "internal ids (use the id property)"),
    (r"\w\s*\{\s*\.", "map projection (missing in LadybugDB)"),
    (r"(?i)\*\s*(\]|\.\.\s*\])", "unbounded variable-length path"),
)

ALL_QUERIES: dict[str, Query] = {}


@dataclass(frozen=True)
class Query:
    """A named read query.

    Parameters
    ----------
    name
        Unique name (used in logs and tests).
    text
        Cypher in the shared subset, used by both stores unless overridden.
    columns
        Names of the result columns, in order.
    ladybug, neo4j
        Optional dialect-specific text replacing ``text`` for that store.
    params
        Names of the parameters with an example value each (used by the tests and the offline Neo4j linter).
    """

    name: str
    text: str
    columns: tuple[str, ...]
    ladybug: str | None = None
    neo4j: str | None = None
    params: tuple[tuple[str, object], ...] = ()

    def render(self, dialect: Dialect) -> str:
        """The text for ``dialect``."""
        override = self.ladybug if dialect == "ladybug" else self.neo4j
        return override if override is not None else self.text

    def shared_violations(self) -> list[str]:
        """Banned constructs found in the shared text (an empty list when it is clean)."""
        found = []
        for pattern, why in BANNED_SHARED:
            if re.search(pattern, self.text):
                found.append(why)
        return found


def register(q: Query) -> Query:
    """Add ``q`` to :data:`ALL_QUERIES` (names must be unique) and return it."""
    if q.name in ALL_QUERIES:
        raise ValueError(f"duplicate query name {q.name!r}")
    ALL_QUERIES[q.name] = q
    return q
