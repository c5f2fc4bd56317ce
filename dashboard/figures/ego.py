"""The household's ego network as Cytoscape elements: the household, its members, the professionals helping it,
their agencies and the domains they work in.

Professionals and agencies are coloured by the agency's sector, domains by their domain colour; shapes tell the
node kinds apart (household: star, member: ellipse, professional: round rectangle, agency: rectangle, domain:
diamond), so colour is never the only cue. Interventions active on the as-of date are solid edges, ended ones
dashed; the regisseur's tie to the household is thick.
"""

from __future__ import annotations

from typing import Any

from caregraph.services.models import HouseholdDetail
from dashboard.i18n import Lang, domain_label, sector_label, t
from dashboard.palette import NODE_KIND_COLOURS, domain_colour, sector_colour

__all__ = ["ego_elements", "EGO_STYLESHEET", "node_id"]

Element = dict[str, Any]


def node_id(kind: str, key: str) -> str:
    """The element id of a node: kind and key, e.g. ``"professional:P0001"``.

    >>> node_id("agency", "A01")
    'agency:A01'
    """
    return f"{kind}:{key}"


def ego_elements(detail: HouseholdDetail, *, lang: Lang = "nl") -> list[Element]:
    """Cytoscape elements (nodes, then edges) of the household's network."""
    agencies = {a.agency_id: a for a in detail.agencies}
    hh = node_id("household", detail.household.household_id)
    nodes: dict[str, Element] = {}
    edges: dict[str, Element] = {}

    def add_node(nid: str, kind: str, label: str, colour: str, hover: str) -> None:
        nodes.setdefault(nid, {"data": {"id": nid, "label": label, "kind": kind, "colour": colour, "hover": hover},
                               "classes": kind})

    def add_edge(source: str, target: str, kind: str, hover: str, classes: str = "") -> None:
        eid = f"{kind}|{source}|{target}"
        if eid in edges:
            if "past" not in classes:  # an active tie wins over an ended one
                edges[eid]["classes"] = f"{kind} {classes}".strip()
            return
        edges[eid] = {"data": {"id": eid, "source": source, "target": target, "kind": kind, "hover": hover},
                      "classes": f"{kind} {classes}".strip()}

    add_node(hh, "household", f"{t('household_title', lang)} {detail.household.household_id}",
             NODE_KIND_COLOURS["household"], f"{t('household_title', lang)} {detail.household.household_id}")
    for m in detail.members:
        label = m.name or f"{m.role} ({m.birth_year})"
        mid = node_id("member", m.member_id)
        add_node(mid, "member", label, NODE_KIND_COLOURS["member"], f"{label} — {m.role}, {m.birth_year}")
        add_edge(mid, hh, "member_of", m.role)
    professionals = {p.professional_id: p for p in detail.professionals}
    for iv in detail.interventions:
        prof = professionals.get(iv.professional_id)
        agency = agencies.get(iv.agency_id)
        sector = agency.sector if agency else None
        pid = node_id("professional", iv.professional_id)
        plabel = (prof.name if prof and prof.name else f"{prof.role if prof else ''} {iv.professional_id}").strip()
        add_node(pid, "professional", plabel, sector_colour(sector),
                 f"{plabel} — {prof.role if prof else ''}, {agency.name if agency else iv.agency_id}")
        aid = node_id("agency", iv.agency_id)
        alabel = agency.name if agency else iv.agency_id
        add_node(aid, "agency", alabel, sector_colour(sector), f"{alabel} — {sector_label(sector, lang)}")
        did = node_id("domain", iv.domain_code)
        dlabel = domain_label(iv.domain_code, lang)
        add_node(did, "domain", dlabel, domain_colour(iv.domain_code), f"{t('domain', lang)}: {dlabel}")
        state = "" if iv.active else "past"
        add_edge(pid, aid, "works_for", alabel, state)
        add_edge(pid, did, "helps", f"{plabel} → {dlabel} ({iv.kind})", state)
        add_edge(did, hh, "addresses", dlabel, state)
    for c in detail.regisseur.active:
        pid = node_id("professional", c.professional_id)
        prof = professionals.get(c.professional_id)
        plabel = (prof.name if prof and prof.name else c.professional_id)
        if pid not in nodes:
            add_node(pid, "professional", plabel, NODE_KIND_COLOURS["professional"], plabel)
        add_edge(pid, hh, "coordinates", f"{t('col_regisseur', lang)}: {plabel}")
    return [*nodes.values(), *edges.values()]


EGO_STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "label": "data(label)", "background-color": "data(colour)", "font-size": "10px", "text-wrap": "wrap",
        "text-max-width": "110px", "text-valign": "bottom", "text-margin-y": "3px", "width": 22, "height": 22,
        "border-width": 1, "border-color": "#333333", "color": "#111111"}},
    {"selector": ".household", "style": {"shape": "star", "width": 38, "height": 38}},
    {"selector": ".member", "style": {"shape": "ellipse"}},
    {"selector": ".professional", "style": {"shape": "round-rectangle"}},
    {"selector": ".agency", "style": {"shape": "rectangle", "width": 28, "height": 28}},
    {"selector": ".domain", "style": {"shape": "diamond", "width": 28, "height": 28}},
    {"selector": "edge", "style": {"width": 1.5, "line-color": "#888888", "curve-style": "bezier"}},
    {"selector": "edge.past", "style": {"line-style": "dashed", "line-color": "#BBBBBB"}},
    {"selector": "edge.coordinates", "style": {"width": 4, "line-color": "#000000"}},
]
"""Cytoscape stylesheet of the ego network."""
