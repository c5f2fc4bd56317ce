"""Municipality-wide aggregates: agencies and their co-involvement, flag counts, network statistics.

Researchers get small counts suppressed: a count under :data:`SUPPRESS_BELOW` (5, the usual threshold of public
statistics; ``docs/domain.md#privacy``) is replaced by ``None`` and marked ``suppressed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caregraph.auth import Principal, Role
from caregraph.services.cache import AsOfResults, FlagCounts, SnapshotCache
from caregraph.services.models import (
    AgencyActivity,
    AgencyOverview,
    AgencyPair,
    FlagCount,
    FlagSummary,
    NetworkStatistics,
)

__all__ = ["agencies", "agency_pairs", "pair_graph_measures", "flag_summary", "trend_counts", "statistics",
           "SUPPRESS_BELOW", "MAX_PAIRS", "BETWEENNESS_K"]

log = logging.getLogger(__name__)

SUPPRESS_BELOW = 5
MAX_PAIRS = 500
"""At most this many agency pairs are returned (the most shared first)."""


def _suppress(principal: Principal, n: int) -> int | None:
    return None if principal.role is Role.researcher and n < SUPPRESS_BELOW else n


def agency_pairs(res: AsOfResults) -> pd.DataFrame:
    """Pairs of agencies active in the same household on ``as_of`` (``agency_id_a < agency_id_b``), with ``shared``
    households and their Jaccard index, most shared first: the agency projection of
    :func:`analytics.projection.projection_edges` (``jaccard = shared / (|H_a| + |H_b| − shared)``)."""
    from analytics.projection import projection_edges

    edges = projection_edges(res.index.tables, res.as_of, side="agency")
    pairs = edges.select(["source", "target", "shared", "jaccard"]).to_pandas()
    pairs.columns = pd.Index(["agency_id_a", "agency_id_b", "shared", "jaccard"])
    return pairs.sort_values(["shared", "agency_id_a", "agency_id_b"], ascending=[False, True, True])


def agencies(res: AsOfResults, principal: Principal, min_shared: int) -> AgencyOverview:
    """Agencies with their active households and professionals, and agency pairs sharing ≥ ``min_shared``
    households (researchers: at least 5, and small counts suppressed); each agency with its degree, betweenness
    and Louvain community in the graph of the pairs returned (:func:`pair_graph_measures`)."""
    idx = res.index
    per_agency = res.lazy("agency_households", lambda: _agency_households(res))
    staff: dict[str, int] = res.lazy("agency_staff", lambda: _agency_staff(res))
    floor = max(min_shared, SUPPRESS_BELOW) if principal.role is Role.researcher else min_shared
    pairs_df: pd.DataFrame = res.lazy("agency_pairs", lambda: agency_pairs(res))
    sel = pairs_df[pairs_df["shared"] >= floor].head(MAX_PAIRS)
    recs: list[dict[Any, Any]] = sel.to_dict("records")
    pairs = [AgencyPair(agency_a=str(r["agency_id_a"]), agency_b=str(r["agency_id_b"]),
                        shared_households=int(r["shared"]), jaccard=round(float(r["jaccard"]), 6)) for r in recs]
    measures, communities = res.lazy(f"agency_measures:{floor}", lambda: pair_graph_measures(pairs))
    rows = []
    for aid in sorted(idx.agencies):
        a = idx.agency_out(aid)
        if a is None:
            continue
        m = measures.get(aid)
        rows.append(AgencyActivity(
            agency=a, active_households=_suppress(principal, per_agency.get(aid, 0)), professionals=staff.get(aid, 0),
            degree=None if m is None else round(m[0], 6), betweenness=None if m is None else round(m[1], 6),
            community=communities.get(aid),
        ))
    return AgencyOverview(as_of=res.as_of, min_shared=floor, agencies=rows, pairs=pairs)


BETWEENNESS_K = 200
"""Betweenness is estimated from this many sampled sources (fixed seed) when the pair graph is larger."""


def pair_graph_measures(pairs: Sequence[AgencyPair]) -> tuple[dict[str, tuple[float, float]], dict[str, int]]:
    """(agency → (degree, betweenness), agency → community) in the undirected graph of ``pairs`` weighted by shared
    households.

    Degree and betweenness are :func:`analytics.centrality.centralities` (``degree(v) = |N(v)| / (n − 1)``;
    betweenness with distance ``1 / shared``, normalised, estimated from :data:`BETWEENNESS_K` sources on larger
    graphs; Freeman 1979, Brandes 2001); communities are :func:`analytics.communities.louvain_communities`
    (modularity, Blondel et al. 2008; numbered by size, largest 0). Both deterministic (seed 0).
    """
    if not pairs:
        return {}, {}
    from analytics.centrality import centralities
    from analytics.communities import louvain_communities

    edges = pa.table({"source": [p.agency_a for p in pairs], "target": [p.agency_b for p in pairs],
                      "shared": [p.shared_households for p in pairs]})
    cent = centralities(edges, weight="shared", betweenness_k=BETWEENNESS_K)
    measures = {str(r["id"]): (float(r["degree"]), float(r["betweenness"])) for r in cent.to_pylist()}
    communities = {str(r["id"]): int(r["community"]) for r in louvain_communities(edges, weight="shared").to_pylist()}
    return measures, communities


def _agency_staff(res: AsOfResults) -> dict[str, int]:
    staff: dict[str, int] = {}
    for p in res.index.professionals.values():
        staff[p["agency_id"]] = staff.get(p["agency_id"], 0) + 1
    return staff


def _agency_households(res: AsOfResults) -> dict[str, int]:
    """Active households per agency: the agency side of :func:`analytics.projection.projection_nodes`."""
    from analytics.projection import projection_nodes

    t = projection_nodes(res.index.tables, res.as_of, side="agency")
    return dict(zip(t.column("id").to_pylist(), t.column("households").to_pylist(), strict=True))


def flag_summary(
    batches: Sequence[tuple[str | None, FlagCounts]], as_of: dt.date, principal: Principal, *, by_district: bool
) -> FlagSummary:
    """Households per flag (per district when ``by_district``) for each ``(month, counts)`` given; the month is
    ``None`` for a single as-of date. Only household flags are counted (a household counts once per flag)."""
    out: list[FlagCount] = []
    for month, counts in batches:
        merged: dict[tuple[str, str | None], int] = {}
        for (flag, district), n in counts.items():
            key = (flag, district if by_district else None)
            merged[key] = merged.get(key, 0) + n
        for (flag, district), n in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            shown = _suppress(principal, n)
            out.append(FlagCount(flag=flag, district_id=district, month=month, households=shown,
                                 suppressed=shown is None))
    group_by = (["district"] if by_district else []) + (["month"] if batches and batches[0][0] is not None else [])
    return FlagSummary(as_of=as_of, group_by=group_by, rows=out)


def trend_counts(cache: SnapshotCache, end: dt.date, months: int) -> list[tuple[str | None, FlagCounts]]:
    """The flag counts :func:`flag_summary` shows: of ``end`` alone (month ``None``) when ``months`` is 0, else of
    each date of :func:`analytics.summaries.trend_dates` labelled ``YYYY-MM`` (kept per date by ``cache``)."""
    from analytics.summaries import trend_dates

    if months == 0:
        return [(None, cache.flag_counts(end))]
    return [(d.strftime("%Y-%m"), cache.flag_counts(d)) for d in trend_dates(end, months)]


def _distribution(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {"mean": 0.0, "median": 0.0, "p90": 0.0, "max": 0.0}
    return {"mean": round(float(values.mean()), 4), "median": float(np.median(values)),
            "p90": float(np.percentile(values, 90)), "max": float(values.max())}


def statistics(res: AsOfResults, district: str | None = None) -> NetworkStatistics:
    """Counts and distributions on ``as_of``, over the whole municipality or one ``district``.

    Over households with at least one active intervention ("active"): the distribution (mean, median, p90, max) of
    distinct helpers and of distinct agencies per household, and ``share_with_regisseur`` = active households with
    an active coordination / active households (as :func:`analytics.summaries.summarise_by_district`). Plus the
    means of the analytics' per-household measures (:func:`analytics.household_stats.household_statistics`).
    """
    s = res.summary
    if district is not None:
        s = s[s["district_id"] == district]
    act = s[s["active_interventions"] > 0]
    h = act["helpers"].to_numpy(dtype=np.int64)
    hist: dict[str, int] = {}
    for k in range(8):
        hist[str(k)] = int((h == k).sum())
    hist["8+"] = int((h >= 8).sum())
    idx = res.index
    if district is None:
        professionals, agencies_n, interventions = len(idx.professionals), len(idx.agencies), res.active.num_rows
    else:
        active = res.lazy("active_with_district", lambda: _active_with_district(res))
        here = active.filter(pc.equal(active.column("district_id"), pa.scalar(district, pa.string())))
        professionals = len(pc.unique(here.column("professional_id")))
        agencies_n = len(pc.unique(here.column("agency_id")))
        interventions = here.num_rows
    share = round(float(act["has_regisseur"].mean()), 6) if len(act) else None
    return NetworkStatistics(
        as_of=res.as_of, district_id=district, households=len(s), active_households=len(act),
        professionals=professionals, agencies=agencies_n, active_interventions=interventions,
        helpers_per_household=_distribution(h),
        agencies_per_household=_distribution(act["agencies"].to_numpy(dtype=np.int64)),
        share_with_regisseur=share, helpers_histogram=hist, measures=_measures(res, district),
    )


def _active_with_district(res: AsOfResults) -> pa.Table:
    hh = res.index.tables["households"].select(["household_id", "district_id"])
    return res.active.select(["household_id", "professional_id", "agency_id"]).join(hh, "household_id")


def _measures(res: AsOfResults, district: str | None) -> dict[str, float | int | None]:
    """Means of the numeric columns of :func:`analytics.household_stats.household_statistics` (over one district's
    households when given; empty when the analytics do not provide it)."""
    t: pa.Table | None = res.lazy("household_statistics", lambda: _household_statistics(res))
    if t is None:
        return {}
    if district is not None and "district_id" in t.column_names:
        t = t.filter(pc.equal(t.column("district_id"), pa.scalar(district, pa.string())))
    out: dict[str, float | int | None] = {}
    for name in t.column_names:
        col = t.column(name)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            mean = pc.mean(col).as_py() if t.num_rows else None
            out[f"{name}_mean"] = None if mean is None or mean != mean else round(float(mean), 6)
    return out


def _household_statistics(res: AsOfResults) -> pa.Table | None:
    try:
        from analytics.household_stats import household_statistics  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        t: Any = household_statistics(res.index.tables, res.as_of, res.config)
    except Exception:  # an analytics failure must not take the statistics route down
        log.exception("household_statistics failed")
        return None
    return t if isinstance(t, pa.Table) else None
