"""Flag: domino risk (a crisis in a domain other domains depend on)."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine, sql_str
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from foundation.periods import active_sql
from graph.tables import CareTables

__all__ = ["RULE", "domino_risk"]


def _sql(e: Engine, c: FlagConfig) -> str:
    rows = [f"({sql_str(k)}, [{', '.join(sql_str(d) for d in v)}]::VARCHAR[])"
            for k, v in sorted(c.domino_dependencies.items())]
    values = ", ".join(rows) or "(NULL, []::VARCHAR[])"
    return f"""
    WITH deps(domain_code, dependents) AS (VALUES {values}),
    crisis AS MATERIALIZED (
      SELECT l.household_id, l.domain_code, l.score, l.assessed_on, deps.dependents
      FROM latest_score l JOIN deps USING (domain_code) WHERE l.score <= {int(c.domino_crisis_score)}),
    -- the assessment behind each crisis score (the lowest id on that date with that score), for the evidence
    ids AS (
      SELECT a.household_id, a.domain_code, min(a.assessment_id) AS assessment_id
      FROM t_assessments a JOIN crisis c ON a.household_id = c.household_id AND a.domain_code = c.domain_code
        AND a.assessed_on = c.assessed_on AND a.score = c.score
      GROUP BY ALL)
    SELECT household_id AS subject_id, any_value(hh.district_id) AS district_id, 'alarm' AS severity,
      json_object('as_of', {e.D}, 'crisis_domains', list_sort(list(domain_code)),
                  'assessments', list(json_object('domain_code', domain_code, 'score', score,
                                                  'assessed_on', assessed_on, 'assessment_id', assessment_id)
                                      ORDER BY domain_code),
                  'dependent_domains', list_sort(list_distinct(flatten(list(dependents))))) AS evidence,
      format('De laatste score in {{}} is crisis (<= {int(c.domino_crisis_score)}); daar hangen {{}} van af.',
             array_to_string(list_sort(list(domain_code)), ', '),
             array_to_string(list_sort(list_distinct(flatten(list(dependents)))), ', ')) AS explanation
    FROM crisis JOIN ids USING (household_id, domain_code) JOIN hh USING (household_id)
    WHERE {active_sql(e.D, start="hh.opened_on", end="hh.closed_on")}
    GROUP BY household_id
    """


RULE = Rule(
    name="domino_risk",
    version="1.1",
    subject_kind="household",
    threshold_names=("domino_crisis_score", "domino_dependencies"),
    build_sql=_sql,
)


def domino_risk(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
    """Open households in crisis in a domain that other domains depend on.

    Definition
    ----------
    For each household and domain take the latest assessment on or before ``as_of`` (ties on a date: the lowest
    score). Flag the household when such a latest score is ``<= domino_crisis_score`` (1, ZRM "acute") in a
    domain that is a key of ``domino_dependencies``; the evidence names the dependent domains. The flag is about
    the case's progress, so it applies only to a case that is open on ``as_of`` (opened on or before it, not
    closed before it: the rule of :mod:`foundation.periods`).

    Formula
    -------
    ``case open and exists d in keys(domino_dependencies): latest_score(d) <= domino_crisis_score``. Severity
    ``alarm``.

    Source
    ------
    ``docs/domain.md#domino-risk`` (: housing → registered address → benefits and allowances →
    childcare → work).

    Examples
    --------
    Housing (HUI) went from 3 to 1; a crisis in GGZ alone is not a domino key by default:

    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(assessments=[
    ...     dict(household_id="H1", domain_code="HUI", score=3, assessed_on="2024-01-01"),
    ...     dict(household_id="H1", domain_code="HUI", score=1, assessed_on="2024-05-01"),
    ...     dict(household_id="H2", domain_code="GGZ", score=1, assessed_on="2024-05-01")])
    >>> [(r.subject_id, r.evidence["dependent_domains"]) for r in domino_risk(t, date(2024, 6, 30))]
    [('H1', ['FIN', 'OPV', 'WRK'])]
    >>> domino_risk(t, date(2024, 4, 30))  # before the crisis score
    []
    """
    return RULE(tables, as_of, config)
