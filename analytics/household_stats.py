"""Per-household network statistics as of a date, computed for all households at once (DuckDB over Arrow)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics.care_density import care_density_sql
from analytics.config import FlagConfig
from analytics.continuity import continuity_sql
from analytics.engine import Engine
from foundation.periods import active_mask
from graph.tables import CareTables

__all__ = ["household_activity", "household_statistics", "household_statistics_sql", "HOUSEHOLD_STAT_COLUMNS",
           "HOUSEHOLD_ACTIVITY_COLUMNS"]

HOUSEHOLD_STAT_COLUMNS: tuple[str, ...] = (
    "household_id", "district_id", "helpers", "agencies", "problem_domains", "helpers_per_domain", "care_density",
    "fragmented_care_density", "coc", "upc", "secon", "hhi", "fragmentation", "has_regisseur", "case_days",
)


HOUSEHOLD_ACTIVITY_COLUMNS: tuple[str, ...] = (
    "household_id", "helpers", "agencies", "active_interventions", "domains", "has_regisseur",
)


def household_activity(tables: CareTables, as_of: date) -> pa.Table:
    """Who is active in each household on ``as_of``: the counts every household view starts from.

    "Active" is :func:`foundation.periods.is_active` (``start <= as_of`` and no end or ``end >= as_of``).

    Formula
    -------
    Over the interventions active on ``as_of`` of household h: ``helpers(h)`` = distinct professionals,
    ``agencies(h)`` = distinct agencies, ``active_interventions(h)`` = interventions, ``domains(h)`` = the sorted
    distinct domain codes; ``has_regisseur(h)`` = a coordination of h is active on ``as_of``.

    Source
    ------
    ``docs/analytics.md`` ("Active on a date"; the too-many-helpers flag counts helpers the same way).

    Returns
    -------
    pyarrow.Table
        :data:`HOUSEHOLD_ACTIVITY_COLUMNS`, one row per household with at least one active intervention or
        coordination, in no particular order (households without any have zero counts and no regisseur).

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(
    ...     interventions=[dict(household_id="H1", professional_id=p, agency_id="A1", domain_code=d,
    ...                         start_date="2024-01-01") for p, d in (("P1", "FIN"), ("P2", "HUI"), ("P2", "FIN"))],
    ...     coordinations=[dict(household_id="H2", professional_id="P1", start_date="2024-01-01")])
    >>> sorted(household_activity(t, date(2024, 6, 30)).to_pylist(), key=lambda r: r["household_id"])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'household_id': 'H1', 'helpers': 2, 'agencies': 1, 'active_interventions': 3, 'domains': ['FIN', 'HUI'],
      'has_regisseur': False},
     {'household_id': 'H2', 'helpers': 0, 'agencies': 0, 'active_interventions': 0, 'domains': [],
      'has_regisseur': True}]
    """
    iv = tables["interventions"]
    counts = iv.filter(active_mask(iv, as_of)).group_by("household_id").aggregate(
        [("professional_id", "count_distinct"), ("agency_id", "count_distinct"), ("intervention_id", "count"),
         ("domain_code", "distinct")]
    ).rename_columns(["household_id", "helpers", "agencies", "active_interventions", "domains"])
    counts = counts.set_column(4, "domains", _sorted_lists(counts.column("domains")))
    co = tables["coordinations"]
    coordinated = pc.unique(co.filter(active_mask(co, as_of)).column("household_id"))
    missing = pc.filter(coordinated, pc.invert(pc.is_in(coordinated, counts.column("household_id"))))
    zeros = pa.array([0] * len(missing), pa.int64())
    extra = pa.table({"household_id": missing.cast(pa.string()), "helpers": zeros, "agencies": zeros,
                      "active_interventions": zeros,
                      "domains": pa.array([[] for _ in range(len(missing))], pa.list_(pa.string()))})
    out = pa.concat_tables([counts.cast(extra.schema), extra])
    return out.append_column("has_regisseur", pc.is_in(out.column("household_id"), coordinated))


def _sorted_lists(lists: pa.ChunkedArray) -> pa.Array:
    """Each list of domain codes sorted, nulls dropped (vectorised: one sort by (list, value) over all of them)."""
    arr = lists.combine_chunks()
    flat = pa.table({"list": pc.list_parent_indices(arr), "value": pc.list_flatten(arr).cast(pa.string())})
    flat = flat.filter(pc.is_valid(flat.column("value")))
    flat = flat.take(pc.sort_indices(flat, sort_keys=[("list", "ascending"), ("value", "ascending")]))
    sizes = np.bincount(flat.column("list").to_numpy(), minlength=len(arr))
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, flat.column("value").combine_chunks())


def household_statistics_sql(e: Engine, config: FlagConfig) -> str:
    """SQL for :func:`household_statistics` on the engine's date; reads :func:`household_activity`'s table for that
    date registered on the engine as ``household_activity``."""
    return f"""
    WITH act AS (SELECT household_id, helpers, agencies FROM household_activity),
    pd AS (SELECT household_id, count(*) AS problem_domains FROM latest_score
           WHERE score <= {int(config.problem_score_max)} GROUP BY ALL),
    cd AS ({care_density_sql(e)}),
    co AS ({continuity_sql(e)}),
    rg AS (SELECT household_id FROM household_activity WHERE has_regisseur)
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
    ``has_regisseur`` (a coordination active on ``as_of``); the first three as in :func:`household_activity`;
    ``case_days`` (``as_of − opened_on``, null before
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
        e.con.register("household_activity", household_activity(tables, as_of).drop_columns(["domains"]))
        return e.query(household_statistics_sql(e, config) + " ORDER BY h.household_id")
    finally:
        if own:
            e.close()
