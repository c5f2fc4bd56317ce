"""A flag rule: its name, version, subject kind, the thresholds it uses, and the SQL that evaluates it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import pyarrow as pa

from analytics.config import FlagConfig
from analytics.engine import Engine, FlagQuery
from analytics.results import FlagResult, table_to_flags
from graph.tables import CareTables

__all__ = ["Rule"]


@dataclass(frozen=True)
class Rule:
    """One flag rule.

    ``build_sql(engine, config)`` returns SQL over the engine's views with columns ``subject_id, district_id,
    severity, evidence, explanation``; :meth:`table` runs it and adds the constant columns.
    """

    name: str
    version: str
    subject_kind: str
    threshold_names: tuple[str, ...]
    build_sql: Callable[[Engine, FlagConfig], str]

    def thresholds(self, config: FlagConfig) -> dict[str, Any]:
        """The thresholds this rule used, by name."""
        known = {f.name for f in fields(config)}
        return {n: getattr(config, n) for n in self.threshold_names if n in known}

    def query(self, engine: Engine, config: FlagConfig) -> FlagQuery:
        """The rule's query on ``engine`` with ``config`` (for :meth:`Engine.flags_table`)."""
        return FlagQuery(self.name, self.version, self.subject_kind, self.thresholds(config),
                         self.build_sql(engine, config))

    def table(self, engine: Engine, config: FlagConfig) -> pa.Table:
        """The rule's results as the flat flag table (one row per flagged subject)."""
        return engine.flags_table([self.query(engine, config)])

    def __call__(self, tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
        """Evaluate only this rule on ``tables`` as of ``as_of``."""
        with Engine(tables, as_of, materialise=False) as engine:
            return table_to_flags(self.table(engine, config or FlagConfig()))
