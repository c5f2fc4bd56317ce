"""Flag: missing regisseur (no active coordinator where one is needed)."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from foundation.periods import active_sql
from graph.tables import CareTables

__all__ = ["RULE", "missing_regisseur"]


def _sql(e: Engine, c: FlagConfig) -> str:
    return f"""
    WITH ag AS (SELECT household_id, count(DISTINCT agency_id) AS agencies FROM active_iv GROUP BY household_id),
    pd AS (
      SELECT household_id, count(*) AS problem_domains FROM latest_score
      WHERE score <= {int(c.problem_score_max)} GROUP BY household_id),
    flagged AS MATERIALIZED (
      SELECT coalesce(ag.household_id, pd.household_id) AS household_id, coalesce(agencies, 0) AS agencies,
             coalesce(problem_domains, 0) AS problem_domains
      FROM ag FULL JOIN pd ON ag.household_id = pd.household_id
      WHERE (coalesce(agencies, 0) >= {int(c.regisseur_min_agencies)}
             OR coalesce(problem_domains, 0) >= {int(c.regisseur_min_problem_domains)})
        AND coalesce(ag.household_id, pd.household_id) NOT IN (SELECT household_id FROM active_coord)),
    -- evidence lists only for the flagged households
    ev_iv AS (
      SELECT household_id, list_sort(list_distinct(list(agency_id))) AS agency_ids,
             list_sort(list_distinct(list(professional_id))) AS professional_ids
      FROM active_iv WHERE household_id IN (SELECT household_id FROM flagged) GROUP BY household_id),
    ev_pd AS (
      SELECT household_id, list_sort(list(domain_code)) AS problem_domain_codes FROM latest_score
      WHERE score <= {int(c.problem_score_max)} AND household_id IN (SELECT household_id FROM flagged)
      GROUP BY household_id),
    cand AS (
      SELECT household_id, agencies, coalesce(agency_ids, []) AS agency_ids,
             coalesce(professional_ids, []) AS professional_ids, problem_domains,
             coalesce(problem_domain_codes, []) AS problem_domain_codes
      FROM flagged LEFT JOIN ev_iv USING (household_id) LEFT JOIN ev_pd USING (household_id))
    SELECT household_id AS subject_id, hh.district_id, 'attention' AS severity,
      json_object('as_of', {e.D}, 'agencies', agencies, 'agency_ids', agency_ids,
                  'professional_ids', professional_ids, 'problem_domains', problem_domains,
                  'problem_domain_codes', problem_domain_codes, 'active_coordinations', 0) AS evidence,
      format('Op {{}} heeft dit huishouden geen actieve regisseur, terwijl {{}} organisaties betrokken zijn en '
             '{{}} domeinen een probleemscore (<= {int(c.problem_score_max)}) hebben (grens: '
             '{int(c.regisseur_min_agencies)} organisaties of {int(c.regisseur_min_problem_domains)} domeinen).',
             strftime({e.D}, '%d-%m-%Y'), agencies, problem_domains) AS explanation
    FROM cand JOIN hh USING (household_id)
    WHERE {active_sql(e.D, start="hh.opened_on", end="hh.closed_on")}
    """


RULE = Rule(
    name="missing_regisseur",
    version="1.0",
    subject_kind="household",
    threshold_names=("regisseur_min_agencies", "regisseur_min_problem_domains", "problem_score_max"),
    build_sql=_sql,
)


def missing_regisseur(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
    """Open households that need one regisseur and have none active on ``as_of``.

    Definition
    ----------
    A household needs a regisseur when at least ``regisseur_min_agencies`` (2) distinct agencies have an active
    intervention, or at least ``regisseur_min_problem_domains`` (3) domains are problem domains: the latest
    assessment on or before ``as_of`` in that domain scores ``<= problem_score_max`` (2, "not self-sufficient").
    It is flagged when no coordination (regisseur assignment) is active on ``as_of`` and the case is open on
    ``as_of`` (opened on or before it, not closed before it: the rule of :mod:`foundation.periods`).

    Formula
    -------
    ``(A >= 2 or P >= 3) and C = 0`` with A active agencies, P problem domains, C active coordinations.

    Source
    ------
    ``docs/domain.md#missing-regisseur``; seed 004 ("1 gezin, 1 plan, 1 regisseur").

    Examples
    --------
    Two agencies, and the regisseur's assignment ended on 2024-06-29:

    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(
    ...     interventions=[dict(household_id="H1", professional_id=p, agency_id=a, domain_code="FIN",
    ...                         start_date="2024-01-01") for p, a in (("P1", "A1"), ("P2", "A2"))],
    ...     coordinations=[dict(household_id="H1", professional_id="P1", start_date="2024-01-01",
    ...                         end_date="2024-06-29")])
    >>> [(r.subject_id, r.evidence["agency_ids"]) for r in missing_regisseur(t, date(2024, 6, 30))]
    [('H1', ['A1', 'A2'])]
    >>> missing_regisseur(t, date(2024, 6, 29))  # the regisseur is still active that day
    []
    """
    return RULE(tables, as_of, config)
