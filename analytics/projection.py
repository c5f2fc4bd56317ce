"""Bipartite projections: professional–professional and agency–agency graphs weighted by shared households.

The bipartite graph links a professional (or agency) to a household when it has an intervention active on the as-of
date. Every edge of the projection carries three weights; results depend on ``min_shared`` (the least number of
shared households for an edge to be kept), so report it with them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pyarrow as pa

from analytics.engine import Engine
from graph.tables import CareTables

__all__ = ["jaccard", "newman_weight", "projection_edges", "projection_nodes", "projection_sql", "Side"]

Side = Literal["professional", "agency"]
_COLUMN: dict[str, str] = {"professional": "professional_id", "agency": "agency_id"}


def jaccard(a: set[object], b: set[object]) -> float:
    """Jaccard similarity of two household sets.

    Formula
    -------
    ``J(j, k) = |H_j ∩ H_k| / |H_j ∪ H_k|`` (0 when both are empty).

    Source
    ------
    Jaccard P. (1901); ``docs/domain.md#network-measures``.

    Examples
    --------
    >>> jaccard({"H1", "H2"}, {"H2", "H3"})
    0.3333333333333333
    """
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def newman_weight(shared_household_sizes: list[int]) -> float:
    """Newman's collaboration weight of a pair, from the sizes of the households they share.

    Formula
    -------
    ``w_jk = Σ_h 1 / (n_h − 1)`` over the households h that j and k share, with ``n_h`` the number of
    professionals (agencies) in h; a pair that shares a household with few others weighs more.

    Source
    ------
    Newman MEJ. Scientific collaboration networks. II. Shortest paths, weighted networks, and centrality.
    Phys Rev E 2001;64:016132.

    Examples
    --------
    Two households shared: one with 2 helpers, one with 5:

    >>> newman_weight([2, 5])
    1.25
    """
    return sum(1.0 / (n - 1) for n in shared_household_sizes if n >= 2)


def projection_sql(e: Engine, side: Side, min_shared: int) -> str:
    """SQL for the projection edges (source < target) with ``shared, jaccard, newman``.

    The Newman weight is summed deterministically: shared households are first counted per household size
    (integers), then ``Σ count / (n_h − 1)`` is added up in ``n_h`` order. A plain parallel ``sum`` of floats
    depends on the order the threads combine their partial sums, which changed the last digit between two runs
    and broke byte-for-byte reproducible exports.
    """
    col = _COLUMN[side]
    return f"""
    WITH b AS (SELECT DISTINCT household_id, {col} AS node FROM active_iv),
    size AS (SELECT household_id, count(*) AS n_h FROM b GROUP BY ALL),
    deg AS (SELECT node, count(*) AS households FROM b GROUP BY ALL),
    by_size AS (
      SELECT x.node AS source, y.node AS target, size.n_h, count(*) AS c
      FROM b x JOIN b y ON x.household_id = y.household_id AND x.node < y.node
      JOIN size ON size.household_id = x.household_id
      GROUP BY ALL),
    pairs AS (
      SELECT source, target, CAST(sum(c) AS BIGINT) AS shared,
             list_sum(list(c / (n_h - 1) ORDER BY n_h)) AS newman
      FROM by_size GROUP BY ALL HAVING sum(c) >= {int(min_shared)})
    SELECT source, target, shared, shared / (ds.households + dt.households - shared) AS jaccard, newman
    FROM pairs JOIN deg ds ON ds.node = source JOIN deg dt ON dt.node = target
    """


def projection_edges(tables: CareTables, as_of: date, *, side: Side = "professional", min_shared: int = 1
                     ) -> pa.Table:
    """Edges of the projection: ``source, target, shared, jaccard, newman`` (source < target).

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> iv = lambda h, p: dict(household_id=h, professional_id=p, agency_id="A" + p, domain_code="FIN",
    ...                        start_date="2024-01-01")
    >>> t = build_tables(interventions=[iv("H1", "P1"), iv("H1", "P2"), iv("H2", "P1"), iv("H2", "P2"),
    ...                                 iv("H2", "P3")])
    >>> [(r["source"], r["target"], r["shared"], round(r["jaccard"], 2), r["newman"])
    ...  for r in projection_edges(t, date(2024, 6, 30)).to_pylist()]
    [('P1', 'P2', 2, 1.0, 1.5), ('P1', 'P3', 1, 0.5, 0.5), ('P2', 'P3', 1, 0.5, 0.5)]
    >>> projection_edges(t, date(2024, 6, 30), min_shared=2).num_rows
    1
    """
    with Engine(tables, as_of, materialise=False) as e:  # one query: the shared relations as its CTEs
        return e.query(e.with_shared(f"SELECT * FROM ({projection_sql(e, side, min_shared)})",
                                     order_by="source, target"))


def projection_nodes(tables: CareTables, as_of: date, *, side: Side = "professional") -> pa.Table:
    """Nodes of the projection: ``id, households`` (active households), plus ``agency_id`` and ``sector``.

    For professionals ``agency_id`` is the current employer; for agencies it is the agency itself.
    """
    col = _COLUMN[side]
    with Engine(tables, as_of) as e:
        if side == "professional":
            sql = f"""
            SELECT p.professional_id AS id, p.agency_id, a.sector, coalesce(d.households, 0) AS households
            FROM t_professionals p LEFT JOIN t_agencies a USING (agency_id)
            LEFT JOIN (SELECT {col} AS node, count(DISTINCT household_id) AS households FROM active_iv GROUP BY ALL) d
              ON d.node = p.professional_id ORDER BY id"""
        else:
            sql = f"""
            SELECT a.agency_id AS id, a.agency_id, a.sector, coalesce(d.households, 0) AS households
            FROM t_agencies a
            LEFT JOIN (SELECT {col} AS node, count(DISTINCT household_id) AS households FROM active_iv GROUP BY ALL) d
              ON d.node = a.agency_id ORDER BY id"""
        return e.query(sql)
