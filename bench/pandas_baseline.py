"""The straightforward pandas / networkx baseline of the benchmark suite: what an analyst would write by hand.

* :func:`pandas_flags`: the eight flags of ``docs/domain.md#the-eight-flags`` (subjects only, no evidence), with the
  same definitions and thresholds as :mod:`analytics.flags` (and the DuckDB reference of ``bench/bench_analytics.py``).
* :func:`pandas_household_counts`: the simple per-household counts (helpers, agencies, problem domains, regisseur,
  case days); care density and the continuity indices of caregraph's statistics are left out, so the ratio flatters
  the baseline.
* :func:`networkx_network`: ``networkx.bipartite.weighted_projected_graph`` of the active household–professional and
  household–agency graphs, edges with at least ``min_shared`` shared households, then degree and sampled
  betweenness (k sources, distance 1 / shared) as in :func:`analytics.centrality.centralities`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analytics.config import FlagConfig
from analytics.flags.conflicting import linked_pairs


def _df(tables: Any, name: str) -> pd.DataFrame:
    return tables[name].to_pandas(date_as_object=False)


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a - b).dt.days


def _active(df: pd.DataFrame, d: pd.Timestamp, start: str = "start_date", end: str = "end_date") -> pd.DataFrame:
    return df[(df[start] <= d) & (df[end].isna() | (df[end] >= d))]


def _latest(a: pd.DataFrame) -> pd.DataFrame:
    """Latest score per (household, domain); on a tie of dates the lowest score."""
    s = a.sort_values(["assessed_on", "score"], ascending=[True, False])
    return s.groupby(["household_id", "domain_code"], as_index=False).last()[["household_id", "domain_code", "score"]]


def _overlap_days(p: pd.DataFrame, d: pd.Timestamp) -> pd.Series:
    end = np.minimum(p["end_date_x"].fillna(d), p["end_date_y"].fillna(d))
    start = np.maximum(p["start_date_x"], p["start_date_y"])
    return _days(pd.Series(end, index=p.index), pd.Series(start, index=p.index)) + 1


def pandas_flags(tables: Any, as_of: date, c: FlagConfig) -> set[tuple[str, str]]:
    """The eight flags as ``{(flag, subject_id)}``."""
    d = pd.Timestamp(as_of)
    ws = pd.Timestamp(as_of - timedelta(days=c.stagnation_window_days))
    iv, hh = _df(tables, "interventions"), _df(tables, "households")
    co, asm = _df(tables, "coordinations"), _df(tables, "assessments")
    act = _active(iv, d)
    coord = _active(co, d)
    out: set[tuple[str, str]] = set()

    def add(flag: str, ids: Any) -> None:
        out.update((flag, str(i)) for i in ids)

    g = act.groupby("household_id").agg(np_=("professional_id", "nunique"), na=("agency_id", "nunique"))
    add("too_many_helpers", g.index[(g.np_ >= c.helpers_attention) | (g.na >= c.agencies_attention)])

    cols = ["intervention_id", "household_id", "domain_code", "agency_id", "member_id", "kind", "start_date",
            "end_date"]
    m = act[cols]
    p = m.merge(m, on=["household_id", "domain_code"], suffixes=("_x", "_y"))
    p = p[(p.intervention_id_x < p.intervention_id_y) & (p.agency_id_x != p.agency_id_y)
          & (p.member_id_x.isna() | p.member_id_y.isna() | (p.member_id_x == p.member_id_y))]
    add("overlapping_interventions", p.household_id[_overlap_days(p, d) >= c.overlap_min_days].unique())

    latest = _latest(asm[asm.assessed_on <= d])
    problems = latest[latest.score <= c.problem_score_max].groupby("household_id").size()
    is_open = hh.closed_on.isna() | (hh.closed_on >= d)
    na = hh.household_id.map(g.na).fillna(0)
    npd = hh.household_id.map(problems).fillna(0)
    need = (na >= c.regisseur_min_agencies) | (npd >= c.regisseur_min_problem_domains)
    add("missing_regisseur", hh.household_id[need & is_open & ~hh.household_id.isin(coord.household_id)])

    cg = coord.groupby("household_id").professional_id.nunique()
    add("competing_regisseurs", cg.index[cg >= 2])

    e = act[act.kind == "enforcement"][cols]
    s = act[act.kind == "support"][cols]
    links = pd.DataFrame(list(linked_pairs(c.linked_domains)), columns=["domain_code_x", "domain_code_y"])
    q = e.merge(s, on="household_id", suffixes=("_x", "_y")).merge(links, on=["domain_code_x", "domain_code_y"])
    q = q[q.agency_id_x != q.agency_id_y]
    add("conflicting_interventions", q.household_id[_overlap_days(q, d) >= c.conflict_min_days].unique())

    deps = latest[latest.domain_code.isin(list(c.domino_dependencies))]
    add("domino_risk", deps.household_id[deps.score <= c.domino_crisis_score].unique())

    st_case = hh.household_id[(_days(pd.Series(d, index=hh.index), hh.opened_on) >= c.stagnation_min_case_days)
                              & is_open]
    recent = iv[(iv.start_date <= d) & (iv.end_date.isna() | (iv.end_date >= ws)) & iv.household_id.isin(st_case)]
    hc = recent.groupby("household_id").professional_id.nunique()
    st_help = hc.index[hc >= c.stagnation_min_helpers]
    a = asm[(asm.assessed_on <= d) & asm.household_id.isin(st_help)]
    now = _latest(a)
    before = _latest(a[a.assessed_on <= ws])
    first = (a[a.assessed_on > ws].sort_values(["assessed_on", "score"])
             .groupby(["household_id", "domain_code"], as_index=False).first()[["household_id", "domain_code",
                                                                               "score"]])
    j = (now.merge(before, on=["household_id", "domain_code"], how="left", suffixes=("", "_before"))
         .merge(first, on=["household_id", "domain_code"], how="left", suffixes=("", "_first")))
    improved = set(j.household_id[j.score > j.score_before.fillna(j.score_first)])
    add("stagnation", [h for h in st_help if h not in improved])

    pc = act.groupby("professional_id").household_id.nunique()
    add("overloaded_professional", pc.index[pc > c.caseload_max])
    return out


def pandas_household_counts(tables: Any, as_of: date, c: FlagConfig) -> pd.DataFrame:
    """Per household: helpers, agencies, problem domains, has_regisseur and case_days (no care density,
    no continuity indices)."""
    d = pd.Timestamp(as_of)
    hh = _df(tables, "households")
    act = _active(_df(tables, "interventions"), d)
    coord = _active(_df(tables, "coordinations"), d)
    asm = _df(tables, "assessments")
    g = act.groupby("household_id").agg(helpers=("professional_id", "nunique"), agencies=("agency_id", "nunique"))
    latest = _latest(asm[asm.assessed_on <= d])
    problems = latest[latest.score <= c.problem_score_max].groupby("household_id").size().rename("problem_domains")
    out = hh[["household_id", "district_id", "opened_on"]].set_index("household_id").join(g).join(problems)
    out[["helpers", "agencies", "problem_domains"]] = out[["helpers", "agencies", "problem_domains"]].fillna(0)
    out["has_regisseur"] = out.index.isin(coord.household_id)
    out["case_days"] = (d - out.opened_on).dt.days.where(out.opened_on <= d)
    return out.drop(columns="opened_on").reset_index()


def networkx_network(tables: Any, as_of: date, *, min_shared: int, k: int) -> dict[str, int]:
    """Both projections with networkx and their centralities; returns edge and node counts."""
    d = pd.Timestamp(as_of)
    act = _active(_df(tables, "interventions"), d)
    sizes: dict[str, int] = {}
    for side, col in (("professional", "professional_id"), ("agency", "agency_id")):
        pairs = act[["household_id", col]].drop_duplicates()
        b = nx.Graph()
        hs = [("h", h) for h in pairs.household_id]
        ns = [("n", n) for n in pairs[col]]
        b.add_nodes_from(set(hs), bipartite=0)
        b.add_nodes_from(set(ns), bipartite=1)
        b.add_edges_from(zip(hs, ns, strict=True))
        proj = nx.bipartite.weighted_projected_graph(b, set(ns))
        g = nx.Graph()
        g.add_edges_from((u, v, {"shared": w, "_dist": 1.0 / w}) for u, v, w in proj.edges(data="weight")
                         if w >= min_shared)
        nx.degree_centrality(g)
        nx.betweenness_centrality(g, k=min(k, g.number_of_nodes()) or None, seed=0, weight="_dist")
        sizes[f"{side}_edges"], sizes[f"{side}_nodes"] = g.number_of_edges(), g.number_of_nodes()
    return sizes
