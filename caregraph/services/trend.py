"""Flag counts per month for the trend: households per flag and district at each month's end.

A trend over n months needs the flags on n dates. Building the full per-date results (summary table, every
:class:`~analytics.results.FlagResult` with its evidence) for each of them costs seconds per date at 100,000
households; a count needs only who is flagged. :func:`flag_counts` therefore runs each rule's SQL
(:attr:`analytics.flags.RULES`) on one analytics engine per date and keeps only the distinct ``(subject, district)``
pairs, skipping the evidence and explanation columns. The counts of a date never change for the same snapshot, so
:class:`~caregraph.services.cache.SnapshotCache` keeps them per date until the snapshot is invalidated: moving the
as-of date by a day reuses the month ends already counted.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from graph.tables import CareTables

if TYPE_CHECKING:
    from analytics.config import FlagConfig
    from caregraph.services.cache import AsOfResults

__all__ = ["FlagCounts", "month_end_dates", "flag_counts", "counts_from_results"]

FlagCounts = dict[tuple[str, str | None], int]
"""(flag, district id) → households with that flag in that district."""


def month_end_dates(end: dt.date, months: int) -> list[dt.date]:
    """``end`` and the last days of the ``months − 1`` months before it, oldest first.

    >>> month_end_dates(dt.date(2025, 6, 30), 3)
    [datetime.date(2025, 4, 30), datetime.date(2025, 5, 31), datetime.date(2025, 6, 30)]
    >>> month_end_dates(dt.date(2025, 3, 15), 2)
    [datetime.date(2025, 2, 28), datetime.date(2025, 3, 15)]
    """
    dates = [end]
    for _ in range(max(0, months - 1)):
        dates.append(dates[-1].replace(day=1) - dt.timedelta(days=1))
    return list(reversed(dates))


def flag_counts(tables: CareTables, as_of: dt.date, config: FlagConfig) -> FlagCounts:
    """Households per (household flag, district) on ``as_of``; a household counts once per flag.

    Same subjects as :func:`analytics.flags.evaluate_flags` (the rules' own SQL), without building the evidence;
    the district is the household's own (as in :func:`counts_from_results`).
    """
    from analytics.engine import Engine
    from analytics.flags import RULES

    out: FlagCounts = {}
    with Engine(tables, as_of) as e:
        for name, rule in RULES.items():
            if rule.subject_kind != "household":
                continue
            t = e.query(f"SELECT CAST(h.district_id AS VARCHAR) AS district_id, count(DISTINCT f.subject_id) AS n "
                        f"FROM ({rule.build_sql(e, config)}) f LEFT JOIN hh h ON h.household_id = f.subject_id "
                        f"GROUP BY ALL")
            for district, n in zip(t.column("district_id").to_pylist(), t.column("n").to_pylist(), strict=True):
                out[(name, district)] = out.get((name, district), 0) + int(n)
    return out


def counts_from_results(res: AsOfResults) -> FlagCounts:
    """The same counts from results already built for that date (no engine run)."""
    out: FlagCounts = {}
    for flag, hids in res.flagged.items():
        for h in hids:
            key = (flag, res.index.household_district(h))
            out[key] = out.get(key, 0) + 1
    return out
