"""Flag: stagnation (long case, many helpers, no improvement)."""

from __future__ import annotations

from datetime import date, timedelta

from analytics.config import FlagConfig
from analytics.engine import Engine, date_literal, first_key, key_score, latest_key
from analytics.flags.rule import Rule
from analytics.results import FlagResult
from foundation.periods import active_sql
from graph.tables import CareTables

__all__ = ["RULE", "stagnation"]


def _sql(e: Engine, c: FlagConfig) -> str:
    ws = date_literal(e.as_of - timedelta(days=int(c.stagnation_window_days)))
    return f"""
    WITH cases AS MATERIALIZED (
      SELECT household_id, district_id, opened_on, {e.D} - opened_on AS case_days FROM hh
      WHERE {active_sql(e.D, start="opened_on", end="closed_on")}
        AND {e.D} - opened_on >= {int(c.stagnation_min_case_days)}),
    -- (household, professional) pairs active at some time in the window, for the open long cases
    hp AS MATERIALIZED (
      SELECT DISTINCT household_id, professional_id FROM t_interventions
      WHERE {active_sql(e.D, since=ws)}
        AND household_id IN (SELECT household_id FROM cases)),
    helpers AS MATERIALIZED (
      SELECT household_id, count(*) AS helpers FROM hp
      GROUP BY household_id HAVING count(*) >= {int(c.stagnation_min_helpers)}),
    -- one pass over the assessments: per domain the latest score (now), the latest on or before the window start
    -- and the first in the window (base is the one before the window, else the first in it)
    per_domain AS MATERIALIZED (
      SELECT household_id, domain_code,
             coalesce({key_score(latest_key("assessed_on", "score") + f" FILTER (WHERE assessed_on <= {ws})")},
                      {key_score(first_key("assessed_on", "score") + f" FILTER (WHERE assessed_on > {ws})")})
               AS base,
             {key_score(latest_key("assessed_on", "score"))} AS now, count(*) AS assessments
      FROM t_assessments
      WHERE assessed_on <= {e.D} AND household_id IN (SELECT household_id FROM helpers)
      GROUP BY ALL),
    -- a household is compared (not merely unassessed) when some domain has two assessments or more
    flagged AS MATERIALIZED (
      SELECT * FROM cases JOIN helpers USING (household_id)
      WHERE household_id IN (SELECT household_id FROM per_domain WHERE assessments >= 2)
        AND household_id NOT IN (SELECT household_id FROM per_domain WHERE now > base)),
    -- evidence only for the flagged households
    pros AS (
      SELECT household_id, list_sort(list(professional_id)) AS professional_ids FROM hp
      WHERE household_id IN (SELECT household_id FROM flagged) GROUP BY household_id),
    per_hh AS (
      SELECT household_id, list(json_object('domain_code', domain_code, 'score_at_window_start', base,
                                            'score_now', now, 'assessments', assessments)
                                ORDER BY domain_code) AS scores
      FROM per_domain WHERE household_id IN (SELECT household_id FROM flagged) GROUP BY household_id)
    SELECT household_id AS subject_id, district_id, 'attention' AS severity,
      json_object('as_of', {e.D}, 'opened_on', opened_on, 'case_days', case_days, 'window_start', {ws},
                  'helpers', helpers, 'professional_ids', professional_ids,
                  'domain_scores', scores) AS evidence,
      format('Dossier loopt {{}} dagen, {{}} hulpverleners waren betrokken sinds {{}}, en geen enkel domein '
             'is in die periode verbeterd.', case_days, helpers, strftime({ws}, '%d-%m-%Y')) AS explanation
    FROM flagged JOIN pros USING (household_id) JOIN per_hh USING (household_id)
    """


RULE = Rule(
    name="stagnation",
    version="1.1",
    subject_kind="household",
    threshold_names=("stagnation_min_case_days", "stagnation_window_days", "stagnation_min_helpers"),
    build_sql=_sql,
)


def stagnation(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> list[FlagResult]:
    """Long-running open cases with many helpers and no improvement of any domain score.

    Definition
    ----------
    Window ``W = [as_of - stagnation_window_days, as_of]``. A household is flagged when

    * its case is open on ``as_of`` (``opened_on <= as_of`` and (``closed_on`` empty or ``>= as_of``), the rule of
      :mod:`foundation.periods`) and
      ``as_of - opened_on >= stagnation_min_case_days`` (365);
    * at least ``stagnation_min_helpers`` (4) distinct professionals had an intervention active at some time in W
      (``start_date <= as_of`` and (``end_date`` empty or ``>= as_of - window``): :mod:`foundation.periods` with
      ``since``);
    * no domain improved: for each assessed domain, ``now`` is its latest score on or before ``as_of`` and
      ``base`` its latest score on or before the window start (or, when there is none, its first score in the
      window); improvement means ``now > base``;
    * the household is assessed: some domain has at least two assessments on or before ``as_of`` (a comparison
      needs two). A household without two assessments of any domain is not stagnating, it is unassessed.

    Formula
    -------
    ``case_days >= 365 and helpers(W) >= 4 and any(n_d >= 2) and not any(now_d > base_d)`` with ``n_d`` the
    assessments of domain d on or before ``as_of``. Severity ``attention``.

    Source
    ------
    ``docs/domain.md#stagnation``; seeds 001 and 004 (help is plentiful yet the situation gets
    stuck).

    Examples
    --------
    Four helpers over the last year, case open since 2022, FIN stayed at 2:

    >>> from analytics.tables_builder import build_tables
    >>> ivs = [dict(household_id="H1", professional_id=f"P{i}", agency_id="A1", domain_code="FIN",
    ...             start_date="2023-01-01", end_date="2023-07-01" if i == 0 else None) for i in range(4)]
    >>> scores = [dict(household_id="H1", domain_code="FIN", score=2, assessed_on=d)
    ...           for d in ("2023-01-01", "2024-01-01")]
    >>> t = build_tables(interventions=ivs, assessments=scores, households=[
    ...     dict(household_id="H1", opened_on="2022-01-01")])
    >>> [(r.subject_id, r.evidence["helpers"]) for r in stagnation(t, date(2024, 6, 30))]
    [('H1', 4)]
    >>> stagnation(t, date(2024, 7, 2))  # P0 ended 2023-07-01, before the window: 3 helpers
    []

    With only one FIN assessment the household is unassessed, not stagnating:

    >>> t = build_tables(interventions=ivs, assessments=scores[:1], households=[
    ...     dict(household_id="H1", opened_on="2022-01-01")])
    >>> stagnation(t, date(2024, 6, 30))
    []
    """
    return RULE(tables, as_of, config)
