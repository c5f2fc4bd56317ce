"""The outcome view: change in assessment scores against the household's network measures.

The data to test whether less, better-coordinated help goes with better outcomes: for each household and period,
the mean change of its domain scores over the period next to its network measures at the period's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pyarrow as pa

from analytics.config import FlagConfig
from analytics.engine import Engine, connect, date_literal, exact_avg
from analytics.household_stats import household_statistics
from graph.tables import CareTables

__all__ = ["outcome_view", "outcome_summary", "HELPER_BANDS"]

HELPER_BANDS: tuple[tuple[int, int, str], ...] = ((0, 0, "0"), (1, 3, "1-3"), (4, 7, "4-7"), (8, 10**9, "8+"))
"""Helper-count bands of the outcome summary (4 and 8 are the flag thresholds)."""


def outcome_view(tables: CareTables, period_ends: Sequence[date], *, period_days: int = 365,
                 config: FlagConfig | None = None) -> pa.Table:
    """One row per household and period with a score change and the network measures at the period's start.

    Formula
    -------
    Period ``(start, end]`` with ``start = end − period_days``. For each domain scored in the household,
    ``base`` is its latest score on or before ``start`` (else its first score in the period) and ``now`` its
    latest score on or before ``end``; ``score_change = mean_d (now_d − base_d)`` over those domains (positive
    is better: ZRM 1 acute … 5 self-sufficient). The measures (helpers, agencies, care density, COC,
    fragmentation, regisseur) are :func:`~analytics.household_stats.household_statistics` as of ``start``.

    Source
    ------
    ``docs/domain.md#outcomes`` (change in assessment scores against the household's network measures, per
    district and period); seed 004 (half the families would be better off with half the help;
    ``docs/domain.md#sources``).

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(
    ...     interventions=[dict(household_id="H1", professional_id="P1", agency_id="A1", domain_code="FIN",
    ...                         start_date="2023-01-01")],
    ...     assessments=[dict(household_id="H1", domain_code="FIN", score=s, assessed_on=d)
    ...                  for s, d in ((2, "2023-01-01"), (4, "2024-01-01"))])
    >>> r = outcome_view(t, [date(2024, 6, 30)]).to_pylist()[0]
    >>> r["period_start"], r["score_change"], r["helpers"]
    (datetime.date(2023, 7, 1), 2.0, 1)
    """
    parts: list[pa.Table] = []
    for end in period_ends:
        start = end - timedelta(days=int(period_days))
        with Engine(tables, end) as e:
            change = e.query(f"""
            WITH a AS (SELECT * FROM t_assessments WHERE assessed_on <= {e.D}),
            r AS (SELECT *,
                    row_number() OVER (PARTITION BY household_id, domain_code
                                       ORDER BY assessed_on DESC, score, assessment_id) AS r_now,
                    CASE WHEN assessed_on <= {date_literal(start)} THEN row_number() OVER (
                      PARTITION BY household_id, domain_code, assessed_on <= {date_literal(start)}
                      ORDER BY assessed_on DESC, score, assessment_id) END AS r_before,
                    CASE WHEN assessed_on > {date_literal(start)} THEN row_number() OVER (
                      PARTITION BY household_id, domain_code, assessed_on > {date_literal(start)}
                      ORDER BY assessed_on, score, assessment_id) END AS r_first
                  FROM a),
            d AS (SELECT household_id, domain_code,
                         coalesce(max(score) FILTER (WHERE r_before = 1), max(score) FILTER (WHERE r_first = 1))
                           AS base,
                         max(score) FILTER (WHERE r_now = 1) AS now FROM r GROUP BY ALL)
            SELECT household_id, avg(now - base) AS score_change, count(*) AS domains_assessed
            FROM d GROUP BY household_id""")
        stats = household_statistics(tables, start, config)
        con = connect()
        try:
            con.register("c", change)
            con.register("s", stats)
            t = con.sql(f"""
            SELECT s.household_id, s.district_id, {date_literal(start)} AS period_start,
                   {date_literal(end)} AS period_end, c.score_change, coalesce(c.domains_assessed, 0)
                   AS domains_assessed, s.helpers, s.agencies, s.care_density, s.coc, s.fragmentation,
                   s.has_regisseur
            FROM s LEFT JOIN c USING (household_id) ORDER BY s.household_id""").to_arrow_table()
        finally:
            con.close()
        parts.append(t)
    return pa.concat_tables(parts) if parts else pa.table({})


def outcome_summary(view: pa.Table) -> pa.Table:
    """Mean score change per district, period and helper band (see :data:`HELPER_BANDS`).

    Columns: ``district_id, period_end, helper_band, households, mean_score_change, mean_care_density,
    share_with_regisseur`` (households with at least one assessed domain).
    """
    cases = " ".join(f"WHEN helpers BETWEEN {lo} AND {hi} THEN '{label}'" for lo, hi, label in HELPER_BANDS)
    con = connect()
    try:
        con.register("v", view)
        return con.sql(f"""
        SELECT district_id, period_end, CASE {cases} END AS helper_band, count(*) AS households,
               {exact_avg("score_change")} AS mean_score_change, {exact_avg("care_density")} AS mean_care_density,
               avg(CAST(has_regisseur AS DOUBLE)) AS share_with_regisseur
        FROM v WHERE domains_assessed > 0 GROUP BY ALL ORDER BY district_id, period_end, helper_band
        """).to_arrow_table()
    finally:
        con.close()
