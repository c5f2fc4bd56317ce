"""Flag: competing regisseurs (more than one active coordinator)."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from foundation.periods import active_sql
from graph.tables import CareTables

__all__ = ["RULE", "competing_regisseurs"]


def _sql(e: Engine, c: FlagConfig) -> str:
    return f"""
    SELECT household_id AS subject_id, any_value(hh.district_id) AS district_id, 'attention' AS severity,
      json_object('as_of', {e.D}, 'regisseurs', count(DISTINCT professional_id),
                  'professional_ids', list_sort(list_distinct(list(professional_id))),
                  'coordinations', list(json_object('coordination_id', coordination_id,
                                                    'professional_id', professional_id,
                                                    'start_date', start_date, 'end_date', end_date)
                                        ORDER BY start_date, coordination_id)) AS evidence,
      format('Op {{}} zijn {{}} verschillende regisseurs tegelijk actief voor dit huishouden '
             '(zie professional_ids).', strftime({e.D}, '%d-%m-%Y'), count(DISTINCT professional_id))
        AS explanation
    FROM active_coord JOIN hh USING (household_id)
    WHERE {active_sql(e.D, start="hh.opened_on", end="hh.closed_on")}
      AND household_id IN (SELECT household_id FROM active_coord GROUP BY household_id
                           HAVING count(DISTINCT professional_id) >= 2)  -- evidence only for these
    GROUP BY household_id
    """


RULE = Rule(
    name="competing_regisseurs",
    version="1.1",
    subject_kind="household",
    threshold_names=(),
    build_sql=_sql,
)


def competing_regisseurs(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
    """Open households with two or more different professionals coordinating at once on ``as_of``.

    Definition
    ----------
    Coordinations (regisseur assignments) active on ``as_of`` (same rule as interventions); two assignments of
    the same professional count once. The flag is about the case's coordination, so it applies only to a case that
    is open on ``as_of`` (opened on or before it, not closed before it: the rule of :mod:`foundation.periods`).

    Formula
    -------
    flag when the case is open and ``|{professional of an active coordination}| >= 2``.

    Source
    ------
    ``docs/domain.md#competing-regisseurs``; seed 004 ("1 gezin, 1 plan, 1 regisseur").

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(coordinations=[
    ...     dict(household_id="H1", professional_id="P1", start_date="2024-01-01"),
    ...     dict(household_id="H1", professional_id="P2", start_date="2024-06-30"),
    ...     dict(household_id="H2", professional_id="P3", start_date="2024-01-01"),
    ...     dict(household_id="H2", professional_id="P3", start_date="2024-03-01")])
    >>> [(r.subject_id, r.evidence["professional_ids"]) for r in competing_regisseurs(t, date(2024, 6, 30))]
    [('H1', ['P1', 'P2'])]
    """
    return RULE(tables, as_of, config)
