"""Per-district and per-month summaries of flags and household measures (the manager's overview)."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from analytics.config import FlagConfig
from analytics.engine import Engine, connect, exact_avg
from analytics.flags import FLAG_NAMES, evaluate_flags_table
from analytics.household_stats import household_statistics
from graph.tables import CareTables

__all__ = ["district_summary", "summarise_by_district", "month_ends", "monthly_summary"]


def summarise_by_district(flags: pa.Table, stats: pa.Table) -> pa.Table:
    """One row per district from a flag table and a household statistics table of the same date.

    Columns: ``district_id, households, active_households`` (with at least one active helper),
    ``flagged_households`` (any household flag), one ``n_<flag>`` column per household flag (households flagged),
    and the means ``mean_helpers, mean_agencies, mean_care_density, mean_coc, share_with_regisseur`` over active
    households.

    Examples
    --------
    >>> from analytics.results import FLAG_TABLE_SCHEMA
    >>> stats = pa.table({"household_id": ["H1", "H2"], "district_id": ["D1", "D1"], "helpers": [5, 0],
    ...                   "agencies": [2, 0], "care_density": [1.0, None], "coc": [0.5, None],
    ...                   "has_regisseur": [False, False]})
    >>> f = pa.table({"flag": ["too_many_helpers"], "subject_kind": ["household"], "subject_id": ["H1"],
    ...               "district_id": ["D1"]})
    >>> r = summarise_by_district(f, stats).to_pylist()[0]
    >>> r["households"], r["active_households"], r["n_too_many_helpers"], r["mean_helpers"]
    (2, 1, 1, 5.0)
    """
    household_flags = [n for n in FLAG_NAMES if n != "overloaded_professional"]
    cols = ", ".join(
        f"count(DISTINCT f.subject_id) FILTER (WHERE f.flag = '{n}') AS n_{n}" for n in household_flags
    )
    con = connect()
    try:
        con.register("f_raw", flags.select(["flag", "subject_kind", "subject_id", "district_id"]))
        con.register("s", stats)
        return con.sql(f"""
        WITH f AS (SELECT * FROM f_raw WHERE subject_kind = 'household'),
        fc AS (SELECT district_id, count(DISTINCT subject_id) AS flagged_households, {cols}
               FROM f GROUP BY district_id),
        sc AS (SELECT district_id, count(*) AS households, count(*) FILTER (WHERE helpers > 0) AS active_households,
                      avg(helpers) FILTER (WHERE helpers > 0) AS mean_helpers,
                      avg(agencies) FILTER (WHERE helpers > 0) AS mean_agencies,
                      {exact_avg("care_density")} AS mean_care_density, {exact_avg("coc")} AS mean_coc,
                      avg(CAST(has_regisseur AS DOUBLE)) FILTER (WHERE helpers > 0) AS share_with_regisseur
               FROM s GROUP BY district_id)
        SELECT sc.district_id, sc.households, sc.active_households,
               coalesce(fc.flagged_households, 0) AS flagged_households,
               {", ".join(f"coalesce(fc.n_{n}, 0) AS n_{n}" for n in household_flags)},
               mean_helpers, mean_agencies, mean_care_density, mean_coc, share_with_regisseur
        FROM sc LEFT JOIN fc USING (district_id) ORDER BY sc.district_id
        """).to_arrow_table()
    finally:
        con.close()


def district_summary(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> pa.Table:
    """Flags and measures per district as of ``as_of`` (see :func:`summarise_by_district`)."""
    with Engine(tables, as_of) as e:
        flags = evaluate_flags_table(tables, as_of, config, engine=e)
        stats = household_statistics(tables, as_of, config, engine=e)
    return summarise_by_district(flags, stats)


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from ``start``'s month to ``end``'s month.

    >>> month_ends(date(2024, 1, 15), date(2024, 3, 1))
    [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 31)]
    """
    out: list[date] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
        y, m = nxt.year, nxt.month
    return out


def monthly_summary(tables: CareTables, start: date, end: date, config: FlagConfig | None = None) -> pa.Table:
    """Per month-end date and district: the district summary, with a leading ``month_end`` column.

    Flags and measures are evaluated as of each month's last day, so the manager sees whether things get
    better month by month.
    """
    parts = []
    for d in month_ends(start, end):
        t = district_summary(tables, d, config)
        parts.append(t.add_column(0, "month_end", pa.array([d] * t.num_rows, pa.date32())))
    if not parts:
        return pa.table({"month_end": pa.array([], pa.date32())})
    return pa.concat_tables(parts)
