"""Flag: overloaded professional (caseload above a maximum)."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from graph.tables import CareTables

__all__ = ["RULE", "overloaded_professional"]


def _sql(e: Engine, c: FlagConfig) -> str:
    return f"""
    WITH flagged AS (
      SELECT professional_id FROM active_iv GROUP BY professional_id
      HAVING count(DISTINCT household_id) > {int(c.caseload_max)})
    -- evidence lists only for the flagged professionals
    SELECT professional_id AS subject_id, CAST(NULL AS VARCHAR) AS district_id,
      CASE WHEN count(DISTINCT household_id) > 2 * {int(c.caseload_max)} THEN 'alarm' ELSE 'attention' END
        AS severity,
      json_object('as_of', {e.D}, 'caseload', count(DISTINCT household_id),
                  'household_ids', list_sort(list_distinct(list(household_id))),
                  'agency_ids', list_sort(list_distinct(list(agency_id))),
                  'active_interventions', count(*)) AS evidence,
      format('Op {{}} heeft deze professional actieve interventies bij {{}} huishoudens '
             '(maximum {int(c.caseload_max)}).', strftime({e.D}, '%d-%m-%Y'), count(DISTINCT household_id))
        AS explanation
    FROM active_iv WHERE professional_id IN (SELECT professional_id FROM flagged) GROUP BY professional_id
    """


RULE = Rule(
    name="overloaded_professional",
    version="1.0",
    subject_kind="professional",
    threshold_names=("caseload_max",),
    build_sql=_sql,
)


def overloaded_professional(tables: CareTables, as_of: date, config: FlagConfig | None = None
                            ) -> list[FlagResult]:
    """Professionals whose caseload on ``as_of`` exceeds ``caseload_max``.

    Definition
    ----------
    Caseload = distinct households in which the professional has an intervention active on ``as_of`` (any kind,
    any agency: a professional who changed agency carries both caseloads).

    Formula
    -------
    flag when ``caseload > caseload_max`` (30); severity ``alarm`` when ``caseload > 2 * caseload_max``.

    Source
    ------
    ``docs/domain.md#overloaded-professional``.

    Examples
    --------
    >>> from analytics.config import FlagConfig
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(interventions=[dict(household_id=f"H{i}", professional_id="P1", agency_id="A1",
    ...                                      domain_code="FIN", start_date="2024-01-01") for i in range(3)])
    >>> [(r.subject_id, r.evidence["caseload"]) for r in overloaded_professional(t, date(2024, 6, 30),
    ...                                                                          FlagConfig(caseload_max=2))]
    [('P1', 3)]
    >>> overloaded_professional(t, date(2024, 6, 30), FlagConfig(caseload_max=3))
    []
    """
    return RULE(tables, as_of, config)
