"""Flag: too many helpers ("Frankenstein")."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from graph.tables import CareTables

__all__ = ["RULE", "too_many_helpers"]


def _sql(e: Engine, c: FlagConfig) -> str:
    return f"""
    WITH counts AS MATERIALIZED (
      SELECT household_id, count(DISTINCT professional_id) AS helpers, count(DISTINCT agency_id) AS agencies
      FROM active_iv GROUP BY household_id
      HAVING count(DISTINCT professional_id) >= {int(c.helpers_attention)}
          OR count(DISTINCT agency_id) >= {int(c.agencies_attention)}),
    -- evidence lists only for the flagged households
    agg AS MATERIALIZED (
      SELECT household_id, any_value(district_id) AS district_id, any_value(helpers) AS helpers,
             any_value(agencies) AS agencies,
             list_sort(list_distinct(list(professional_id))) AS professional_ids,
             list_sort(list_distinct(list(agency_id))) AS agency_ids,
             list_sort(list(intervention_id)) AS intervention_ids,
             min(start_date) AS earliest_start
      FROM active_iv JOIN counts USING (household_id) GROUP BY household_id),
    per_domain AS (
      -- keys in domain order (an ORDER BY in the subquery does not order a parallel aggregate)
      SELECT household_id, to_json(map(list(domain_code ORDER BY domain_code), list(n ORDER BY domain_code)))
               AS helpers_by_domain FROM (
        SELECT household_id, domain_code, count(DISTINCT professional_id) AS n FROM active_iv
        WHERE household_id IN (SELECT household_id FROM agg) GROUP BY ALL)
      GROUP BY household_id),
    pd AS (
      SELECT household_id, count(*) AS problem_domains FROM latest_score
      WHERE score <= {int(c.problem_score_max)} AND household_id IN (SELECT household_id FROM agg)
      GROUP BY household_id)
    SELECT household_id AS subject_id, district_id,
      CASE WHEN helpers >= {int(c.helpers_alarm)} OR agencies >= {int(c.agencies_alarm)}
           THEN 'alarm' ELSE 'attention' END AS severity,
      json_object('as_of', {e.D}, 'helpers', helpers, 'agencies', agencies, 'professional_ids', professional_ids,
                  'agency_ids', agency_ids, 'intervention_ids', intervention_ids, 'earliest_start', earliest_start,
                  'helpers_by_domain', helpers_by_domain, 'problem_domains', coalesce(problem_domains, 0),
                  'helpers_per_problem_domain',
                  CASE WHEN coalesce(problem_domains, 0) > 0 THEN round(helpers / problem_domains, 2) END)
        AS evidence,
      format('Op {{}} zijn {{}} hulpverleners van {{}} organisaties actief bij dit huishouden '
             '(aandacht vanaf {int(c.helpers_attention)} hulpverleners of {int(c.agencies_attention)} organisaties).',
             strftime({e.D}, '%d-%m-%Y'), helpers, agencies) AS explanation
    FROM agg LEFT JOIN per_domain USING (household_id) LEFT JOIN pd USING (household_id)
    """


RULE = Rule(
    name="too_many_helpers",
    version="1.0",
    subject_kind="household",
    threshold_names=("helpers_attention", "helpers_alarm", "agencies_attention", "agencies_alarm",
                     "problem_score_max"),
    build_sql=_sql,
)


def too_many_helpers(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
    """Households with too many distinct professionals or agencies actively involved on ``as_of``.

    Definition
    ----------
    An intervention is *active* on ``as_of`` when ``start_date <= as_of`` and (``end_date`` is empty or
    ``end_date >= as_of``). For each household let H be the number of distinct professionals and A the number of
    distinct agencies with an active intervention (any kind).

    Formula
    -------
    flag when ``H >= helpers_attention`` (4) or ``A >= agencies_attention`` (4); severity ``alarm`` when
    ``H >= helpers_alarm`` (8) or ``A >= agencies_alarm`` (6), else ``attention``. The evidence also gives the
    helpers per domain (distinct professionals per intervention domain) and helpers per problem domain
    ``H / P`` where P counts domains whose latest score on or before ``as_of`` is ``<= problem_score_max``.

    Source
    ------
    ``docs/domain.md#too-many-helpers``: a regional Dutch signalling index reports "4 or more
    professionals" per young person, hence 4 as attention and 8+ as alarm; seeds 001 (forty professionals on one
    case, "Frankenstein") and 004 (half the families better off with half the help).

    Examples
    --------
    Four professionals of two agencies on 2024-06-30; a fifth one's intervention ended the day before:

    >>> from analytics.tables_builder import build_tables
    >>> rows = [dict(household_id="H1", professional_id=f"P{i}", agency_id=f"A{i % 2}", domain_code="FIN",
    ...              start_date="2024-01-01") for i in range(4)]
    >>> rows.append(dict(household_id="H1", professional_id="P9", agency_id="A9", domain_code="HUI",
    ...                  start_date="2024-01-01", end_date="2024-06-29"))
    >>> [r] = too_many_helpers(build_tables(interventions=rows), date(2024, 6, 30))
    >>> r.severity, r.evidence["helpers"], r.evidence["agencies"], r.evidence["professional_ids"]
    ('attention', 4, 2, ['P0', 'P1', 'P2', 'P3'])
    """
    return RULE(tables, as_of, config)
