"""Per-household network statistics as of a date, computed for all households at once (DuckDB over Arrow)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics.care_density import care_density_sql
from analytics.config import FlagConfig
from analytics.continuity import continuity_sql
from analytics.engine import Engine
from graph.tables import CareTables

__all__ = ["household_statistics", "household_statistics_sql", "HOUSEHOLD_STAT_COLUMNS"]

HOUSEHOLD_STAT_COLUMNS: tuple[str, ...] = (
    "household_id", "district_id", "helpers", "agencies", "problem_domains", "helpers_per_domain", "care_density",
    "fragmented_care_density", "coc", "upc", "secon", "hhi", "fragmentation", "has_regisseur", "case_days",
)


def household_statistics_sql(e: Engine, config: FlagConfig) -> str:
    """SQL for :func:`household_statistics` on the engine's date."""
    return f"""
    WITH act AS (SELECT household_id, count(DISTINCT professional_id) AS helpers,
                        count(DISTINCT agency_id) AS agencies FROM active_iv GROUP BY ALL),
    pd AS (SELECT household_id, count(*) AS problem_domains FROM latest_score
           WHERE score <= {int(config.problem_score_max)} GROUP BY ALL),
    cd AS ({care_density_sql(e)}),
    co AS ({continuity_sql(e)}),
    rg AS (SELECT DISTINCT household_id FROM active_coord)
    SELECT h.household_id, h.district_id,
      CAST(coalesce(act.helpers, 0) AS BIGINT) AS helpers, CAST(coalesce(act.agencies, 0) AS BIGINT) AS agencies,
      CAST(coalesce(pd.problem_domains, 0) AS BIGINT) AS problem_domains,
      CASE WHEN coalesce(pd.problem_domains, 0) > 0 THEN coalesce(act.helpers, 0) / pd.problem_domains END
        AS helpers_per_domain,
      CAST(cd.care_density AS DOUBLE) AS care_density,
      CAST(cd.fragmented_care_density AS DOUBLE) AS fragmented_care_density,
      CAST(co.coc AS DOUBLE) AS coc, CAST(co.upc AS DOUBLE) AS upc, CAST(co.secon AS DOUBLE) AS secon,
      CAST(co.hhi AS DOUBLE) AS hhi, CAST(co.fragmentation AS DOUBLE) AS fragmentation,
      rg.household_id IS NOT NULL AS has_regisseur,
      CASE WHEN h.opened_on <= {e.D} THEN CAST({e.D} - h.opened_on AS BIGINT) END AS case_days
    FROM hh h LEFT JOIN act USING (household_id) LEFT JOIN pd USING (household_id)
    LEFT JOIN cd USING (household_id) LEFT JOIN co USING (household_id) LEFT JOIN rg USING (household_id)
    """


def household_statistics(tables: CareTables, as_of: date, config: FlagConfig | None = None, *,
                         engine: Engine | None = None) -> pa.Table:
    """One row per household: counts, care density, continuity, regisseur and case age as of ``as_of``.

    Columns (see :data:`HOUSEHOLD_STAT_COLUMNS`): ``helpers`` and ``agencies`` (distinct, active interventions);
    ``problem_domains`` (latest score ``<= problem_score_max``); ``helpers_per_domain`` (helpers / problem domains,
    null without problem domains); ``care_density`` and ``fragmented_care_density``
    (:mod:`analytics.care_density`); ``coc, upc, secon, hhi, fragmentation`` (:mod:`analytics.continuity`);
    ``has_regisseur`` (a coordination active on ``as_of``); ``case_days`` (``as_of − opened_on``, null before
    the case opened).

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(
    ...     interventions=[dict(household_id="H1", professional_id=p, agency_id=p, domain_code="FIN",
    ...                         start_date="2024-01-01") for p in ("P1", "P2")],
    ...     assessments=[dict(household_id="H1", domain_code="FIN", score=2, assessed_on="2024-01-01")],
    ...     households=[dict(household_id="H1", opened_on="2024-06-01")])
    >>> r = household_statistics(t, date(2024, 6, 30)).to_pylist()[0]
    >>> r["helpers"], r["helpers_per_domain"], r["care_density"], r["upc"], r["has_regisseur"], r["case_days"]
    (2, 2.0, 1.0, 0.5, False, 29)
    """
    config = config or FlagConfig()
    own = engine is None
    e = engine or Engine(tables, as_of)
    try:
        return e.query(household_statistics_sql(e, config) + " ORDER BY h.household_id")
    finally:
        if own:
            e.close()
