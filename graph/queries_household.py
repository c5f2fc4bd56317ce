"""Named queries for one household's detail (used by the services when ``detail_source="cypher"``).

Each starts from the household's primary key and follows one relationship type inward, so LadybugDB does a hash
lookup plus an adjacency scan (no label scan, no cyclic pattern, no variable-length path). Column names match the
entity tables' column names, so the services handle rows from either source the same way.
"""

from __future__ import annotations

from graph.queries import Query, register

__all__ = [
    "HOUSEHOLD_BY_ID",
    "HOUSEHOLD_MEMBERS",
    "HOUSEHOLD_INTERVENTIONS",
    "HOUSEHOLD_COORDINATIONS",
    "HOUSEHOLD_ASSESSMENTS",
    "PROFESSIONAL_INTERVENTIONS",
]

_HH = (("household_id", "HH000001"),)

HOUSEHOLD_BY_ID = register(Query(
    name="household_by_id",
    text=(
        "MATCH (h:Household {id: $household_id}) "
        "RETURN h.id AS household_id, h.district_id AS district_id, h.composition AS composition, "
        "h.postcode AS postcode, h.opened_on AS opened_on, h.closed_on AS closed_on"
    ),
    columns=("household_id", "district_id", "composition", "postcode", "opened_on", "closed_on"),
    params=_HH,
))

HOUSEHOLD_MEMBERS = register(Query(
    name="household_members",
    text=(
        "MATCH (h:Household {id: $household_id})<-[:MEMBER_OF]-(m:Member) "
        "RETURN m.id AS member_id, h.id AS household_id, m.bsn_pseudonym AS bsn_pseudonym, m.name AS name, "
        "m.birth_year AS birth_year, m.role AS role ORDER BY member_id"
    ),
    columns=("member_id", "household_id", "bsn_pseudonym", "name", "birth_year", "role"),
    params=_HH,
))

HOUSEHOLD_INTERVENTIONS = register(Query(
    name="household_interventions",
    text=(
        "MATCH (h:Household {id: $household_id})<-[:CONCERNS]-(i:Intervention) "
        "RETURN i.id AS intervention_id, h.id AS household_id, i.member_id AS member_id, "
        "i.professional_id AS professional_id, i.agency_id AS agency_id, i.domain_code AS domain_code, "
        "i.kind AS kind, i.action AS action, i.start_date AS start_date, i.end_date AS end_date, "
        "i.contact_count AS contact_count, i.source AS source ORDER BY intervention_id"
    ),
    columns=("intervention_id", "household_id", "member_id", "professional_id", "agency_id", "domain_code", "kind",
             "action", "start_date", "end_date", "contact_count", "source"),
    params=_HH,
))

HOUSEHOLD_COORDINATIONS = register(Query(
    name="household_coordinations",
    text=(
        "MATCH (h:Household {id: $household_id})<-[c:COORDINATES]-(p:Professional) "
        "RETURN c.id AS coordination_id, h.id AS household_id, p.id AS professional_id, "
        "c.start_date AS start_date, c.end_date AS end_date ORDER BY coordination_id"
    ),
    columns=("coordination_id", "household_id", "professional_id", "start_date", "end_date"),
    params=_HH,
))

HOUSEHOLD_ASSESSMENTS = register(Query(
    name="household_assessments",
    text=(
        "MATCH (h:Household {id: $household_id})<-[:ASSESSES]-(a:Assessment) "
        "RETURN a.id AS assessment_id, h.id AS household_id, a.member_id AS member_id, "
        "a.domain_code AS domain_code, a.score AS score, a.assessed_on AS assessed_on ORDER BY assessment_id"
    ),
    columns=("assessment_id", "household_id", "member_id", "domain_code", "score", "assessed_on"),
    params=_HH,
))

PROFESSIONAL_INTERVENTIONS = register(Query(
    name="professional_interventions",
    text=(
        "MATCH (p:Professional {id: $professional_id})-[:DELIVERS]->(i:Intervention) "
        "RETURN i.id AS intervention_id, i.household_id AS household_id, i.agency_id AS agency_id, "
        "i.domain_code AS domain_code, i.start_date AS start_date, i.end_date AS end_date ORDER BY intervention_id"
    ),
    columns=("intervention_id", "household_id", "agency_id", "domain_code", "start_date", "end_date"),
    params=(("professional_id", "P00001"),),
))
