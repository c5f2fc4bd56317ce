"""Continuity of care: Bice–Boxerman COC, UPC, SECON, HHI and fragmentation, per household.

The scalar functions define each measure on one household's contacts; :func:`continuity_table` computes all of them
for every household at once (DuckDB) from the interventions started on or before the as-of date, with each
intervention's ``contact_count`` as its number of contacts (an intervention without a recorded count counts as one
contact; a count of 0 adds nothing).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from itertools import pairwise

import pyarrow as pa

from analytics.engine import Engine
from graph.tables import CareTables

__all__ = ["coc", "upc", "secon", "hhi", "fragmentation", "continuity_table", "continuity_sql"]


def coc(counts: Sequence[int]) -> float | None:
    """Bice–Boxerman Continuity of Care index.

    Formula
    -------
    ``COC = (Σ n_i² − N) / (N (N − 1))`` with ``n_i`` the contacts with provider i and ``N = Σ n_i``; 1 when all
    contacts are with one provider, 0 when every contact is with a different provider. Undefined (None) for
    ``N < 2``.

    Source
    ------
    Bice TW, Boxerman SB. A quantitative measure of continuity of care. Med Care 1977;15(4):347–349;
    ``docs/domain.md#network-measures``.

    Examples
    --------
    >>> coc([3, 1]), coc([1, 1, 1]), coc([4]), coc([1])
    (0.5, 0.0, 1.0, None)
    """
    n = sum(counts)
    if n < 2:
        return None
    return (sum(c * c for c in counts) - n) / (n * (n - 1))


def upc(counts: Sequence[int]) -> float | None:
    """Usual Provider Continuity: the share of contacts with the most-seen provider.

    Formula
    -------
    ``UPC = max n_i / N``; undefined (None) for ``N = 0``.

    Source
    ------
    Breslau N, Reeb KG. Continuity of care in a university-based practice. J Med Educ 1975;50:965–969;
    ``docs/domain.md#network-measures``.

    Examples
    --------
    >>> upc([3, 1]), upc([])
    (0.75, None)
    """
    n = sum(counts)
    return None if n == 0 else max(counts) / n


def hhi(counts: Sequence[int]) -> float | None:
    """Herfindahl–Hirschman index of the contact shares.

    Formula
    -------
    ``HHI = Σ (n_i / N)²``; 1 for one provider, 1/k for k equal providers. Undefined (None) for ``N = 0``.

    Source
    ------
    ``docs/domain.md#network-measures``; Herfindahl (1950), Hirschman (1945).

    Examples
    --------
    >>> hhi([1, 1, 1, 1]), hhi([5])
    (0.25, 1.0)
    """
    n = sum(counts)
    return None if n == 0 else sum((c / n) ** 2 for c in counts)


def fragmentation(counts: Sequence[int]) -> float | None:
    """Fragmentation ``1 − HHI`` (0 for one provider, approaching 1 for many equal providers).

    Source
    ------
    ``docs/domain.md#network-measures``.

    Examples
    --------
    >>> fragmentation([1, 1, 1, 1])
    0.75
    """
    h = hhi(counts)
    return None if h is None else 1.0 - h


def secon(sequence: Sequence[Hashable]) -> float | None:
    """Sequential continuity: the share of consecutive contact pairs that are with the same provider.

    Formula
    -------
    ``SECON = |{i : s_i = s_{i+1}}| / (N − 1)`` over the provider sequence ``s_1 … s_N`` of contacts in time order;
    undefined (None) for ``N < 2``. From intervention records the sequence is approximated by ordering
    interventions by start date and treating each intervention's contacts as one consecutive block, so
    ``SECON = (N − runs) / (N − 1)`` with ``runs`` the number of maximal runs of the same professional.

    Source
    ------
    Steinwachs DM. Measuring provider continuity in ambulatory care. Med Care 1979;17(6):551–565;
    ``docs/domain.md#network-measures``.

    Examples
    --------
    >>> secon(["a", "a", "b", "a"]), secon(["a"])
    (0.3333333333333333, None)
    """
    if len(sequence) < 2:
        return None
    same = sum(1 for x, y in pairwise(sequence) if x == y)
    return same / (len(sequence) - 1)


def continuity_sql(e: Engine) -> str:
    """SQL for the per-household continuity measures (columns household_id, contacts, coc, upc, secon, hhi,
    fragmentation)."""
    return f"""
    -- two direct scans of the Arrow table are cheaper than materialising a shared CTE of ~1M rows
    WITH per_prof AS (
      SELECT household_id, professional_id, sum(greatest(coalesce(contact_count, 1), 0)) AS n
      FROM t_interventions WHERE start_date <= {e.D} GROUP BY ALL),
    agg AS (SELECT household_id, sum(n) AS big_n, sum(n * n) AS sq, max(n) AS mx FROM per_prof GROUP BY ALL),
    seq AS (
      SELECT household_id, professional_id,
             lag(professional_id) OVER (PARTITION BY household_id ORDER BY start_date, intervention_id) AS prev
      FROM t_interventions WHERE start_date <= {e.D} AND greatest(coalesce(contact_count, 1), 0) > 0),
    runs AS (SELECT household_id, count(*) FILTER (WHERE prev IS NULL OR prev <> professional_id) AS runs
             FROM seq GROUP BY ALL)
    SELECT household_id, CAST(big_n AS BIGINT) AS contacts,
      CASE WHEN big_n >= 2 THEN (sq - big_n) / (big_n * (big_n - 1)) END AS coc,
      CASE WHEN big_n > 0 THEN mx / big_n END AS upc,
      CASE WHEN big_n >= 2 THEN (big_n - runs) / (big_n - 1) END AS secon,
      CASE WHEN big_n > 0 THEN sq / (big_n * big_n) END AS hhi,
      CASE WHEN big_n > 0 THEN 1 - sq / (big_n * big_n) END AS fragmentation
    FROM agg LEFT JOIN runs USING (household_id)
    """


def continuity_table(tables: CareTables, as_of: date) -> pa.Table:
    """COC, UPC, SECON, HHI and fragmentation for every household with contacts up to ``as_of``.

    Examples
    --------
    Three contacts with P1, then one with P2:

    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(interventions=[
    ...     dict(household_id="H1", professional_id="P1", agency_id="A", domain_code="FIN", start_date="2024-01-01",
    ...          contact_count=3),
    ...     dict(household_id="H1", professional_id="P2", agency_id="A", domain_code="FIN", start_date="2024-02-01",
    ...          contact_count=1)])
    >>> row = continuity_table(t, date(2024, 6, 30)).to_pylist()[0]
    >>> row["coc"], row["upc"], round(row["secon"], 4), row["hhi"]
    (0.5, 0.75, 0.6667, 0.625)
    """
    with Engine(tables, as_of) as e:
        return e.query(continuity_sql(e) + " ORDER BY household_id")
