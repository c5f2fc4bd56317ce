"""The flags: one rule per module, evaluated together as of a date over the whole municipality.

>>> from datetime import date
>>> from analytics.tables_builder import build_tables
>>> t = build_tables(coordinations=[dict(household_id="H1", professional_id=p, start_date="2024-01-01")
...                                 for p in ("P1", "P2")])
>>> [(r.flag, r.subject_id) for r in evaluate_flags(t, date(2024, 6, 30))]
[('competing_regisseurs', 'H1')]
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import pyarrow as pa

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags import (
    competing_regisseurs,
    conflicting,
    domino,
    missing_regisseur,
    overlapping,
    overloaded,
    stagnation,
    too_many_helpers,
)
from analytics.flags.rule import Rule
from analytics.results import FlagResult, flags_to_table, table_to_flags
from graph.tables import CareTables

__all__ = ["RULES", "FLAG_NAMES", "evaluate_flags", "evaluate_flags_table", "flags_to_table", "rule"]

RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        too_many_helpers.RULE,
        overlapping.RULE,
        missing_regisseur.RULE,
        competing_regisseurs.RULE,
        conflicting.RULE,
        domino.RULE,
        stagnation.RULE,
        overloaded.RULE,
    )
}
"""Every rule by flag name, in reporting order."""

FLAG_NAMES: tuple[str, ...] = tuple(RULES)


def rule(name: str) -> Rule:
    """The rule of a flag name.

    Raises
    ------
    KeyError
        For an unknown flag name (the message lists the known ones).
    """
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown flag {name!r}; known: {', '.join(FLAG_NAMES)}") from None


def evaluate_flags_table(tables: CareTables, as_of: date, config: FlagConfig | None = None,
                         flags: Collection[str] | None = None, *, engine: Engine | None = None) -> pa.Table:
    """All (or the named) flags as of ``as_of`` as one flat Arrow table (see :data:`FLAG_TABLE_SCHEMA`).

    This is the vectorised path (DuckDB over the Arrow tables, every rule in one ``UNION ALL`` query);
    :func:`evaluate_flags` turns its rows into :class:`~analytics.results.FlagResult` objects. Pass ``engine`` to
    reuse an open engine for the same date.
    """
    config = config or FlagConfig()
    names = FLAG_NAMES if flags is None else tuple(flags)
    selected = [rule(n) for n in names]
    own = engine is None
    eng = engine or Engine(tables, as_of, materialise=False)  # one query: the shared relations as its CTEs
    try:
        return eng.flags_table([r.query(eng, config) for r in selected])
    finally:
        if own:
            eng.close()


def evaluate_flags(tables: CareTables, as_of: date, config: FlagConfig | None = None,
                   flags: Collection[str] | None = None) -> list[FlagResult]:
    """All (or the named) flags as of ``as_of``, each with its thresholds, evidence and explanation.

    Parameters
    ----------
    tables
        The care tables (e.g. ``store.snapshot()``); members' BSNs or pseudonyms are never read.
    as_of
        The date the flags are evaluated on.
    config
        Thresholds; the defaults of :class:`~analytics.config.FlagConfig` when None.
    flags
        Flag names to evaluate (default: all, see :data:`FLAG_NAMES`).

    Returns
    -------
    list of FlagResult
        Ordered by flag (in :data:`FLAG_NAMES` order) and subject id.
    """
    return table_to_flags(evaluate_flags_table(tables, as_of, config, flags))
