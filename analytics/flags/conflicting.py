"""Flag: conflicting interventions ("bijtende instanties": enforcement during support in a linked domain, by any
agency)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine, sql_str
from analytics.flags.rule import Rule
from analytics.overlaps import overlap_days_sql, overlap_end_sql
from analytics.results import FlagResult
from graph.tables import CareTables

__all__ = ["RULE", "conflicting_interventions", "linked_pairs"]


def linked_pairs(linked_domains: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(enforcement domain, support domain) pairs of the linked-domain map, closed under symmetry.

    >>> linked_pairs({"HUI": ("HUI", "FIN")})
    [('FIN', 'HUI'), ('HUI', 'FIN'), ('HUI', 'HUI')]
    """
    pairs = {(e, s) for e, ss in linked_domains.items() for s in ss}
    pairs |= {(s, e) for e, s in pairs}
    return sorted(pairs)


def _sql(e: Engine, c: FlagConfig) -> str:
    pairs = linked_pairs(c.linked_domains)
    days = overlap_days_sql("enf.start_date", "enf.end_date", "sup.start_date", "sup.end_date", e.D)
    values = ", ".join(f"({sql_str(a)}, {sql_str(b)})" for a, b in pairs) or "(NULL, NULL)"
    return f"""
    WITH links(e_dom, s_dom) AS (VALUES {values}),
    enf AS (SELECT * FROM active_iv WHERE kind = 'enforcement'),
    sup AS (SELECT * FROM active_iv WHERE kind = 'support'),
    p AS (
      SELECT enf.household_id, enf.district_id, enf.intervention_id AS ei, sup.intervention_id AS si,
             enf.domain_code AS ed, sup.domain_code AS sd, enf.action, enf.agency_id AS ea, sup.agency_id AS sa,
             enf.agency_id = sup.agency_id AS same_agency,
             greatest(enf.start_date, sup.start_date) AS overlap_start,
             {overlap_end_sql("enf.end_date", "sup.end_date", e.D)} AS overlap_end, {days} AS overlap_days
      FROM enf JOIN sup ON enf.household_id = sup.household_id
      JOIN links ON links.e_dom = enf.domain_code AND links.s_dom = sup.domain_code)
    SELECT household_id AS subject_id, any_value(district_id) AS district_id, 'alarm' AS severity,
      json_object('as_of', {e.D}, 'pair_count', count(*),
                  'pairs', list(json_object('enforcement_id', ei, 'enforcement_domain', ed, 'action', action,
                                            'enforcement_agency_id', ea, 'support_id', si, 'support_domain', sd,
                                            'support_agency_id', sa, 'same_agency', same_agency,
                                            'overlap_start', overlap_start, 'overlap_end', overlap_end,
                                            'overlap_days', overlap_days)
                                ORDER BY ei, si)) AS evidence,
      format('Op {{}} loopt een handhavende interventie ({{}}) in {{}} terwijl {{}} '
             'ondersteuning biedt in een verbonden domein ({{}}).', strftime({e.D}, '%d-%m-%Y'),
             array_to_string(list_sort(list_distinct(list(coalesce(action, 'handhaving')))), ', '),
             array_to_string(list_sort(list_distinct(list(ed))), ', '),
             CASE WHEN bool_and(same_agency) THEN 'dezelfde organisatie'
                  WHEN bool_or(same_agency) THEN 'dezelfde en een andere organisatie'
                  ELSE 'een andere organisatie' END,
             array_to_string(list_sort(list_distinct(list(sd))), ', ')) AS explanation
    FROM p WHERE overlap_days >= {int(c.conflict_min_days)}
    GROUP BY household_id
    """


RULE = Rule(
    name="conflicting_interventions",
    version="1.1",
    subject_kind="household",
    threshold_names=("conflict_min_days", "linked_domains"),
    build_sql=_sql,
)


def conflicting_interventions(tables: CareTables, as_of: date, config: FlagConfig | None = None
                              ) -> list[FlagResult]:
    """Households where an enforcement bites a support intervention in a linked domain, by any agency.

    Definition
    ----------
    A pair (e, s) qualifies when e has kind ``enforcement`` and s kind ``support``, both are active on
    ``as_of``, they concern the same household, and the domains are linked (the agencies may differ or be the
    same one: an agency's own rules can bite its own support, and the household is hit either way; each pair's
    evidence says so in ``same_agency``):
    ``s.domain in linked_domains[e.domain]`` or, since the map is read symmetrically,
    ``e.domain in linked_domains[s.domain]``. The map is configurable (``linked_domains`` in
    ``analytics/thresholds.yaml``).

    Formula
    -------
    ``min(end_e, end_s, as_of) - max(start_e, start_s) + 1 >= conflict_min_days`` (1), both days included, with
    open ends read as ``as_of`` (overlap is measured up to ``as_of``, :mod:`analytics.overlaps`). Severity is always
    ``alarm``.

    Source
    ------
    ``docs/domain.md#conflicting-interventions`` and ``docs/domain.md#rules-every-flag-shares``; seeds 001 and 004
    (an eviction while debt counselling runs; a truancy fine for a child who cares for a sick parent).

    Examples
    --------
    An eviction (HUI) by the housing corporation while the debt counsellor (FIN) helps:

    >>> from analytics.tables_builder import build_tables
    >>> t = build_tables(interventions=[
    ...     dict(household_id="H1", professional_id="P1", agency_id="WOON", domain_code="HUI", kind="enforcement",
    ...          action="eviction", start_date="2024-06-01"),
    ...     dict(household_id="H1", professional_id="P2", agency_id="SHV", domain_code="FIN",
    ...          start_date="2024-03-01", end_date="2024-06-01")])
    >>> [(r.severity, r.evidence["pairs"][0]["overlap_days"]) for r in conflicting_interventions(t, date(2024, 6, 1))]
    [('alarm', 1)]
    >>> conflicting_interventions(t, date(2024, 6, 2))  # support ended the day before
    []

    A benefit stop by the social services while their own debt support runs is a conflict too:

    >>> t = build_tables(interventions=[
    ...     dict(household_id="H1", professional_id="P1", agency_id="SOZA", domain_code="FIN", kind="enforcement",
    ...          action="benefit_stop", start_date="2024-06-01"),
    ...     dict(household_id="H1", professional_id="P2", agency_id="SOZA", domain_code="FIN",
    ...          start_date="2024-03-01")])
    >>> [p["same_agency"] for p in conflicting_interventions(t, date(2024, 6, 30))[0].evidence["pairs"]]
    [True]
    """
    return RULE(tables, as_of, config)
