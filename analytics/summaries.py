"""Per-district and per-month summaries of flags and household measures (the manager's overview)."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from analytics.config import FlagConfig
from analytics.engine import Engine, connect, exact_avg
from analytics.flags import FLAG_NAMES, RULES, evaluate_flags_table
from analytics.household_stats import household_statistics
from graph.tables import CareTables

__all__ = ["district_summary", "summarise_by_district", "month_ends", "trend_dates", "monthly_summary",
           "household_flag_counts"]


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


def trend_dates(end: date, months: int) -> list[date]:
    """The dates of a trend over ``months`` months up to ``end``: the last days (:func:`month_ends`) of the
    ``months − 1`` months before ``end``'s month, then ``end`` itself, oldest first (just ``[end]`` for
    ``months <= 1``).

    >>> trend_dates(date(2025, 6, 30), 3)
    [datetime.date(2025, 4, 30), datetime.date(2025, 5, 31), datetime.date(2025, 6, 30)]
    >>> trend_dates(date(2025, 3, 15), 2), trend_dates(date(2025, 3, 15), 0)
    ([datetime.date(2025, 2, 28), datetime.date(2025, 3, 15)], [datetime.date(2025, 3, 15)])
    """
    if months <= 1:
        return [end]
    back = end.year * 12 + end.month - 1 - (months - 1)  # months since year 0 of the trend's first month
    return [*month_ends(date(back // 12, back % 12 + 1, 1), end)[:-1], end]


def household_flag_counts(tables: CareTables, as_of: date, config: FlagConfig | None = None) -> pa.Table:
    """Households per household flag and district on ``as_of``, without building any evidence.

    Every household rule's own SQL (:attr:`analytics.flags.RULES`) runs in one query (``UNION ALL``, as
    :func:`~analytics.flags.evaluate_flags_table` does); only the distinct flagged households are kept and counted
    per the household's own district (``hh.district_id``; null when the household has none). The same subjects as
    :func:`analytics.flags.evaluate_flags`, at a fraction of its cost, which makes a trend over many dates
    affordable.

    Formula: ``households(flag, district) = |{h : flag raised for h on as_of, district(h) = district}|``.

    Returns
    -------
    pyarrow.Table
        ``flag, district_id, households``, one row per (flag, district) with at least one household, flags in
        :data:`~analytics.flags.FLAG_NAMES` order.

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(coordinations=[dict(household_id="H1", professional_id=p, start_date="2024-01-01")
    ...                                 for p in ("P1", "P2")])
    >>> household_flag_counts(t, date(2024, 6, 30)).to_pylist()
    [{'flag': 'competing_regisseurs', 'district_id': 'D1', 'households': 1}]
    """
    config = config or FlagConfig()
    names = [n for n, r in RULES.items() if r.subject_kind == "household"]
    with Engine(tables, as_of, materialise=False) as e:  # one query: the shared relations as its CTEs
        union = "\nUNION ALL\n".join(f"SELECT {i} AS rule_no, subject_id FROM ({RULES[n].build_sql(e, config)})"
                                     for i, n in enumerate(names))
        t = e.query(e.with_shared(
            f"SELECT f.rule_no, CAST(h.district_id AS VARCHAR) AS district_id, "
            f"count(DISTINCT f.subject_id) AS households "
            f"FROM ({union}) f LEFT JOIN hh h ON h.household_id = f.subject_id GROUP BY ALL",
            order_by="rule_no, district_id"))
    flag = pc.take(pa.array(names, pa.string()), t.column("rule_no").cast(pa.int32()))
    return pa.table({"flag": flag, "district_id": t.column("district_id").cast(pa.string()),
                     "households": t.column("households").cast(pa.int64())})


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
