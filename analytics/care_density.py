"""Care density (Pollack 2013) and fragmented care density (Engels 2024), per household.

The provider network is the bipartite graph of professionals and households linked by an intervention active on
the as-of date; ``w_jk`` is the number of households professionals j and k share across the whole municipality.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date
from itertools import combinations

import pyarrow as pa

from analytics.engine import Engine, sql_str
from graph.tables import CareTables

__all__ = ["care_density", "fragmented_care_density", "care_density_table", "care_density_sql"]


def care_density(provider_sets: Mapping[Hashable, set[Hashable]]) -> dict[Hashable, float | None]:
    """Care density of each household.

    Formula
    -------
    For household h with provider set P (n = |P| ≥ 2):
    ``CD(h) = Σ_{{j,k} ⊂ P} w_jk / (n (n − 1) / 2)``, where ``w_jk`` is the number of households (across all of
    ``provider_sets``, h included) that have both j and k. Undefined (None) for n < 2. Higher means the helpers
    already work together on other households.

    Source
    ------
    Pollack CE, Weissman GE, Lemke KW, Hussey PS, Weiner JP. Patient sharing among physicians and costs of care:
    a network analytic approach to care coordination using claims data. J Gen Intern Med 2013;28(3):459–465.

    Examples
    --------
    P1 and P2 share H1 and H2; P3 only H2:

    >>> care_density({"H1": {"P1", "P2"}, "H2": {"P1", "P2", "P3"}, "H3": {"P3"}})
    {'H1': 2.0, 'H2': 1.3333333333333333, 'H3': None}
    """
    return fragmented_care_density(provider_sets, None, None)


def fragmented_care_density(
    provider_sets: Mapping[Hashable, set[Hashable]],
    provider_type: Mapping[Hashable, str] | None,
    type_weights: Mapping[tuple[str, str], float] | None,
) -> dict[Hashable, float | None]:
    """Fragmented care density: care density with the pair sum split by provider-type pair and weighted.

    Formula
    -------
    ``FCD(h) = Σ_{{j,k} ⊂ P} s(t_j, t_k) · w_jk / (n (n − 1) / 2)`` with ``t_j`` the provider type (here the
    agency sector) and ``s`` a weight per unordered type pair. Engels et al. estimate the weights from outcome
    models; caregraph's default (``type_weights=None`` with types given) is ``s = 1`` for pairs of different
    sectors and ``s = 0`` within a sector, i.e. the cross-sector part of care density. With no types at all
    it is plain care density.

    Source
    ------
    Engels A, Reber KC, Lindlbauer I, et al. Fragmented care density: a network measure of care coordination
    across provider types. BMC Med Res Methodol 2024;24.

    Examples
    --------
    >>> sets = {"H1": {"P1", "P2"}, "H2": {"P1", "P2", "P3"}}
    >>> fragmented_care_density(sets, {"P1": "ggz", "P2": "ggz", "P3": "housing"}, None)
    {'H1': 0.0, 'H2': 0.6666666666666666}
    """
    w: dict[tuple[Hashable, Hashable], int] = {}
    for ps in provider_sets.values():
        for j, k in combinations(sorted(ps, key=str), 2):
            w[(j, k)] = w.get((j, k), 0) + 1
    out: dict[Hashable, float | None] = {}
    for h, ps in provider_sets.items():
        n = len(ps)
        if n < 2:
            out[h] = None
            continue
        total = 0.0
        for j, k in combinations(sorted(ps, key=str), 2):
            s = 1.0
            if provider_type is not None:
                tj, tk = provider_type[j], provider_type[k]
                if type_weights is None:
                    s = 0.0 if tj == tk else 1.0
                else:
                    s = type_weights.get((tj, tk), type_weights.get((tk, tj), 0.0))
            total += s * w[(j, k)]
        out[h] = total / (n * (n - 1) / 2)
    return out


def care_density_sql(e: Engine, type_weights: Mapping[tuple[str, str], float] | None = None) -> str:
    """SQL for per-household ``helpers_in_pairs, care_density, fragmented_care_density`` on the engine's date."""
    if type_weights:
        rows = ", ".join(f"({sql_str(a)}, {sql_str(b)}, {float(s)!r})" for (a, b), s in type_weights.items())
        weight = ("coalesce((SELECT max(s) FROM tw WHERE (tw.a = p.s1 AND tw.b = p.s2) "
                  "OR (tw.a = p.s2 AND tw.b = p.s1)), 0.0)")
        tw = f"tw(a, b, s) AS (VALUES {rows}),"
    else:
        weight = "CASE WHEN p.s1 <> p.s2 THEN 1.0 ELSE 0.0 END"
        tw = ""
    return f"""
    WITH {tw}
    hp AS (
      SELECT i.household_id, i.professional_id, min(a.sector) AS sector
      FROM active_iv i LEFT JOIN t_agencies a USING (agency_id) GROUP BY ALL),
    pairs AS (
      SELECT x.household_id, x.professional_id AS p1, y.professional_id AS p2, x.sector AS s1, y.sector AS s2
      FROM hp x JOIN hp y ON x.household_id = y.household_id AND x.professional_id < y.professional_id),
    w AS (SELECT p1, p2, count(*) AS w FROM pairs GROUP BY ALL),
    n AS (SELECT household_id, count(*) AS helpers FROM hp GROUP BY ALL)
    SELECT n.household_id, n.helpers,
      CASE WHEN n.helpers >= 2 THEN sum(w.w) / (n.helpers * (n.helpers - 1) / 2) END AS care_density,
      CASE WHEN n.helpers >= 2 THEN sum({weight} * w.w) / (n.helpers * (n.helpers - 1) / 2) END
        AS fragmented_care_density
    FROM n LEFT JOIN pairs p ON p.household_id = n.household_id LEFT JOIN w ON w.p1 = p.p1 AND w.p2 = p.p2
    GROUP BY n.household_id, n.helpers
    """


def care_density_table(tables: CareTables, as_of: date,
                       type_weights: Mapping[tuple[str, str], float] | None = None) -> pa.Table:
    """Care density and fragmented care density (by agency sector) of every household with an active helper.

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> iv = lambda h, p, a: dict(household_id=h, professional_id=p, agency_id=a, domain_code="FIN",
    ...                           start_date="2024-01-01")
    >>> ags = [dict(agency_id="A1", sector="mental_health"), dict(agency_id="A2", sector="mental_health"),
    ...        dict(agency_id="A3", sector="housing")]
    >>> t = build_tables(interventions=[iv("H1", "P1", "A1"), iv("H1", "P2", "A2"), iv("H2", "P1", "A1"),
    ...                                 iv("H2", "P2", "A2"), iv("H2", "P3", "A3")], agencies=ags)
    >>> [(r["household_id"], round(r["care_density"], 4), round(r["fragmented_care_density"], 4))
    ...  for r in care_density_table(t, date(2024, 6, 30)).to_pylist()]
    [('H1', 2.0, 0.0), ('H2', 1.3333, 0.6667)]
    """
    with Engine(tables, as_of) as e:
        return e.query(care_density_sql(e, type_weights) + " ORDER BY n.household_id")
