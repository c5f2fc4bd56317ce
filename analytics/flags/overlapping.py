"""Flag: overlapping interventions (same domain, different agencies)."""

from __future__ import annotations

from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags.rule import Rule
from analytics.overlaps import overlap_days_sql, overlap_end_sql
from analytics.results import FlagResult
from graph.tables import CareTables

__all__ = ["RULE", "overlapping_interventions", "overlap_pairs_sql"]


def overlap_pairs_sql(e: Engine, min_days: int) -> str:
    """SQL for the overlapping pairs (one row per pair) on the engine's as-of date, the overlap measured up to it
    (:mod:`analytics.overlaps`)."""
    days = overlap_days_sql("x.start_date", "x.end_date", "y.start_date", "y.end_date", e.D)
    return f"""
    SELECT x.household_id, x.district_id, x.domain_code,
           x.intervention_id AS i1, y.intervention_id AS i2, x.agency_id AS a1, y.agency_id AS a2,
           x.professional_id AS p1, y.professional_id AS p2,
           greatest(x.start_date, y.start_date) AS overlap_start,
           {overlap_end_sql("x.end_date", "y.end_date", e.D)} AS overlap_end, {days} AS overlap_days
    FROM active_iv x JOIN active_iv y
      ON x.household_id = y.household_id AND x.domain_code = y.domain_code
     AND x.intervention_id < y.intervention_id AND x.agency_id <> y.agency_id
     AND (x.member_id IS NULL OR y.member_id IS NULL OR x.member_id = y.member_id)
    WHERE {days} >= {int(min_days)}
    """


def _sql(e: Engine, c: FlagConfig) -> str:
    return f"""
    SELECT household_id AS subject_id, any_value(district_id) AS district_id, 'attention' AS severity,
      json_object('as_of', {e.D}, 'pair_count', count(*),
                  'domains', list_sort(list_distinct(list(domain_code))),
                  'pairs', list(json_object('domain_code', domain_code, 'intervention_ids', [i1, i2],
                                            'agency_ids', [a1, a2], 'professional_ids', [p1, p2],
                                            'overlap_start', overlap_start, 'overlap_end', overlap_end,
                                            'overlap_days', overlap_days) ORDER BY domain_code, i1, i2)) AS evidence,
      format('{{}} keer overlappen interventies van verschillende organisaties in hetzelfde domein ({{}}) '
             'minstens {int(c.overlap_min_days)} dagen; de langste overlap is {{}} dagen.',
             count(*), array_to_string(list_sort(list_distinct(list(domain_code))), ', '), max(overlap_days))
        AS explanation
    FROM ({overlap_pairs_sql(e, c.overlap_min_days)}) GROUP BY household_id
    """


RULE = Rule(
    name="overlapping_interventions",
    version="1.1",
    subject_kind="household",
    threshold_names=("overlap_min_days",),
    build_sql=_sql,
)


def overlapping_interventions(tables: CareTables, as_of: date, config: FlagConfig | None = None
                              ) -> list[FlagResult]:
    """Households with two active interventions in one domain by different agencies that overlap long enough.

    Definition
    ----------
    A pair of interventions i, j qualifies when both are active on ``as_of``, they concern the same household
    (and the same member when both name one), address the same ``domain_code``, and have different
    ``agency_id`` (the agency on whose behalf each was delivered, so a professional who changed agency counts
    under the agency of each intervention).

    Formula
    -------
    ``overlap_days = min(end_i, end_j, as_of) - max(start_i, start_j) + 1`` (both days included), with an open
    end read as ``as_of``: overlap is measured up to ``as_of`` for open and planned ends alike, since the future
    is not yet known (:mod:`analytics.overlaps`). Flag the household when some pair has
    ``overlap_days >= overlap_min_days`` (14). One result per household; the evidence lists every qualifying pair.

    Source
    ------
    ``docs/domain.md#overlapping-interventions`` and ``docs/domain.md#rules-every-flag-shares``; seed 004 (more
    agencies, more colliding interests, less coordination).

    Examples
    --------
    Two agencies on FIN from 2024-06-01 and 2024-06-17; as of 2024-06-30 they overlap 14 days:

    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(interventions=[
    ...     dict(household_id="H1", professional_id="P1", agency_id="A1", domain_code="FIN", start_date="2024-06-01"),
    ...     dict(household_id="H1", professional_id="P2", agency_id="A2", domain_code="FIN", start_date="2024-06-17")])
    >>> [r] = overlapping_interventions(t, date(2024, 6, 30))
    >>> r.evidence["pairs"][0]["overlap_days"], r.evidence["pairs"][0]["intervention_ids"]
    (14, ['I1', 'I2'])
    >>> overlapping_interventions(t, date(2024, 6, 29))  # 13 days: below the threshold
    []

    A planned end beyond the as-of date counts only up to it: with I2 planned until 2024-12-31 the pair still
    overlaps 14 days as of 2024-06-30, not the 184 days the plans promise:

    >>> t = build_tables(interventions=[
    ...     dict(household_id="H1", professional_id="P1", agency_id="A1", domain_code="FIN", start_date="2024-06-01"),
    ...     dict(household_id="H1", professional_id="P2", agency_id="A2", domain_code="FIN", start_date="2024-06-17",
    ...          end_date="2024-12-31")])
    >>> [p["overlap_days"] for p in overlapping_interventions(t, date(2024, 6, 30))[0].evidence["pairs"]]
    [14]
    """
    return RULE(tables, as_of, config)
