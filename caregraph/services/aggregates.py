"""Municipality-wide aggregates: agencies and their co-involvement, flag counts, network statistics.

Researchers get small counts suppressed: a count under :data:`SUPPRESS_BELOW` (5, the usual threshold of public
statistics; ``shared/reference/domain.md``) is replaced by ``None`` and marked ``suppressed``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from caregraph.auth import Principal, Role
from caregraph.services.cache import AsOfResults
from caregraph.services.models import (
    AgencyActivity,
    AgencyOverview,
    AgencyPair,
    FlagCount,
    FlagSummary,
    NetworkStatistics,
)

__all__ = ["agencies", "agency_pairs", "flag_summary", "statistics", "SUPPRESS_BELOW", "MAX_PAIRS"]

log = logging.getLogger(__name__)

SUPPRESS_BELOW = 5
MAX_PAIRS = 500
"""At most this many agency pairs are returned (the most shared first)."""


def _suppress(principal: Principal, n: int) -> int | None:
    return None if principal.role is Role.researcher and n < SUPPRESS_BELOW else n


def agency_pairs(res: AsOfResults) -> pd.DataFrame:
    """Pairs of agencies active in the same household on ``as_of``, with ``shared`` households and
    ``jaccard = shared / (|H_a| + |H_b| − shared)``, where ``H_x`` is agency x's set of active households."""
    links = res.active.select(["agency_id", "household_id"]).group_by(["agency_id", "household_id"]).aggregate([])
    df = links.to_pandas()
    sizes = df.groupby("agency_id").size()
    m = df.merge(df, on="household_id", suffixes=("_a", "_b"))
    m = m[m["agency_id_a"] < m["agency_id_b"]]
    pairs = m.groupby(["agency_id_a", "agency_id_b"]).size().rename("shared").reset_index()
    if len(pairs):
        union = sizes.loc[pairs["agency_id_a"]].to_numpy() + sizes.loc[pairs["agency_id_b"]].to_numpy()
        pairs["jaccard"] = pairs["shared"] / (union - pairs["shared"])
    else:
        pairs["jaccard"] = pd.Series(dtype="float64")
    return pairs.sort_values(["shared", "agency_id_a", "agency_id_b"], ascending=[False, True, True])


def agencies(res: AsOfResults, principal: Principal, min_shared: int) -> AgencyOverview:
    """Agencies with their active households and professionals, and agency pairs sharing ≥ ``min_shared``
    households (researchers: at least 5, and small counts suppressed)."""
    idx = res.index
    per_agency = res.lazy("agency_households", lambda: _agency_households(res))
    staff: dict[str, int] = {}
    for p in idx.professionals.values():
        staff[p["agency_id"]] = staff.get(p["agency_id"], 0) + 1
    rows = []
    for aid in sorted(idx.agencies):
        a = idx.agency_out(aid)
        if a is None:
            continue
        rows.append(AgencyActivity(agency=a, active_households=_suppress(principal, per_agency.get(aid, 0)),
                                   professionals=staff.get(aid, 0)))
    floor = max(min_shared, SUPPRESS_BELOW) if principal.role is Role.researcher else min_shared
    pairs_df: pd.DataFrame = res.lazy("agency_pairs", lambda: agency_pairs(res))
    sel = pairs_df[pairs_df["shared"] >= floor].head(MAX_PAIRS)
    recs: list[dict[Any, Any]] = sel.to_dict("records")
    pairs = [AgencyPair(agency_a=str(r["agency_id_a"]), agency_b=str(r["agency_id_b"]),
                        shared_households=int(r["shared"]), jaccard=round(float(r["jaccard"]), 6)) for r in recs]
    return AgencyOverview(as_of=res.as_of, min_shared=floor, agencies=rows, pairs=pairs)


def _agency_households(res: AsOfResults) -> dict[str, int]:
    t = res.active.group_by("agency_id").aggregate([("household_id", "count_distinct")])
    return dict(zip(t.column("agency_id").to_pylist(), t.column("household_id_count_distinct").to_pylist(),
                    strict=True))


def flag_summary(
    results: Sequence[tuple[str | None, AsOfResults]], principal: Principal, *, by_district: bool
) -> FlagSummary:
    """Households per flag (per district when ``by_district``) for each ``(month, results)`` given; the month is
    ``None`` for a single as-of date. Only household flags are counted (a household counts once per flag)."""
    out: list[FlagCount] = []
    for month, res in results:
        counts: dict[tuple[str, str | None], int] = {}
        for flag, hids in sorted(res.flagged.items()):
            if by_district:
                for h in hids:
                    key = (flag, res.index.household_district(h))
                    counts[key] = counts.get(key, 0) + 1
            else:
                counts[(flag, None)] = len(hids)
        for (flag, district), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            shown = _suppress(principal, n)
            out.append(FlagCount(flag=flag, district_id=district, month=month, households=shown,
                                 suppressed=shown is None))
    group_by = (["district"] if by_district else []) + (["month"] if results and results[0][0] is not None else [])
    return FlagSummary(as_of=results[-1][1].as_of, group_by=group_by, rows=out)


def statistics(res: AsOfResults) -> NetworkStatistics:
    """Counts and the distribution of distinct helpers per household on ``as_of`` (over households with at least
    one active intervention), plus the means of the analytics' per-household measures when available."""
    s = res.summary
    act = s[s["active_interventions"] > 0]
    h = act["helpers"].to_numpy(dtype=np.int64)
    dist: dict[str, float] = {"mean": 0.0, "median": 0.0, "p90": 0.0, "max": 0.0}
    if len(h):
        dist = {"mean": round(float(h.mean()), 4), "median": float(np.median(h)),
                "p90": float(np.percentile(h, 90)), "max": float(h.max())}
    hist: dict[str, int] = {}
    for k in range(8):
        hist[str(k)] = int((h == k).sum())
    hist["8+"] = int((h >= 8).sum())
    idx = res.index
    return NetworkStatistics(
        as_of=res.as_of, households=len(s), active_households=len(act), professionals=len(idx.professionals),
        agencies=len(idx.agencies), active_interventions=res.active.num_rows, helpers_per_household=dist,
        helpers_histogram=hist, measures=res.lazy("measures", lambda: _measures(res)),
    )


def _measures(res: AsOfResults) -> dict[str, float | int | None]:
    """Means of the numeric columns of :func:`analytics.household_stats.household_statistics` (empty when the
    analytics do not provide it)."""
    try:
        from analytics.household_stats import household_statistics  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {}
    try:
        t: Any = household_statistics(res.index.tables, res.as_of)
    except Exception:  # an analytics failure must not take the statistics route down
        log.exception("household_statistics failed")
        return {}
    out: dict[str, float | int | None] = {}
    if isinstance(t, pa.Table):
        for name in t.column_names:
            col = t.column(name)
            if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
                vals = [v for v in col.to_pylist() if v is not None and v == v]
                out[f"{name}_mean"] = round(float(np.mean(vals)), 6) if vals else None
    return out
