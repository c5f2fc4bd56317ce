"""The agency co-involvement network as Cytoscape elements, and its centrality bar chart.

Two agencies are linked when they have at least ``min_shared`` active households in common (the threshold the user
picks; it is shown with the picture because the picture depends on it). Nodes are coloured by community and sized
by degree; edge width grows with the number of shared households. At national scale there can be thousands of
links, so only the ``max_edges`` strongest are drawn and the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from caregraph.services.models import AgencyOut, AgencyPair
from dashboard.figures.common import base_layout, empty_figure, new_figure
from dashboard.i18n import Lang, sector_label, t
from dashboard.palette import OKABE_ITO, categorical

__all__ = ["agency_elements", "AGENCY_STYLESHEET", "strongest_pairs", "centrality_figure"]

Element = dict[str, Any]


def strongest_pairs(pairs: Sequence[AgencyPair], *, min_shared: int, max_edges: int) -> list[AgencyPair]:
    """The pairs with at least ``min_shared`` shared households, strongest first, at most ``max_edges``.

    Ties are broken by the agency ids so the choice is stable.
    """
    kept = [p for p in pairs if p.shared_households >= min_shared]
    kept.sort(key=lambda p: (-p.shared_households, p.agency_a, p.agency_b))
    return kept[:max_edges]


def agency_elements(
    pairs: Sequence[AgencyPair],
    *,
    agencies: Mapping[str, AgencyOut],
    communities: Mapping[str, int] | None = None,
    lang: Lang = "nl",
) -> list[Element]:
    """Cytoscape elements: one node per agency in ``pairs``, one edge per pair."""
    communities = communities or {}
    degree: dict[str, int] = {}
    for p in pairs:
        degree[p.agency_a] = degree.get(p.agency_a, 0) + 1
        degree[p.agency_b] = degree.get(p.agency_b, 0) + 1
    top = max([p.shared_households for p in pairs], default=1)
    nodes: list[Element] = []
    for aid in sorted(degree):
        agency = agencies.get(aid)
        community = communities.get(aid)
        colour = OKABE_ITO[7] if community is None else categorical(community)
        name = agency.name if agency else aid
        hover = (f"{name} — {sector_label(agency.sector if agency else None, lang)}; {t('degree', lang)} {degree[aid]}"
                 + ("" if community is None else f"; {t('community', lang)} {community}"))
        nodes.append({"data": {"id": aid, "label": name, "colour": colour, "size": 16 + 6 * math.sqrt(degree[aid]),
                               "hover": hover}})
    edges = [
        {"data": {"id": f"{p.agency_a}|{p.agency_b}", "source": p.agency_a, "target": p.agency_b,
                  "weight": p.shared_households, "width": 1 + 7 * p.shared_households / top,
                  "hover": f"{t('shared_households', lang)}: {p.shared_households}; Jaccard {p.jaccard:.2f}"}}
        for p in pairs
    ]
    return [*nodes, *edges]


AGENCY_STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "label": "data(label)", "background-color": "data(colour)", "width": "data(size)", "height": "data(size)",
        "font-size": "9px", "text-valign": "bottom", "border-width": 1, "border-color": "#333333"}},
    {"selector": "edge", "style": {"width": "data(width)", "line-color": "#9E9E9E", "opacity": 0.7,
                                   "curve-style": "haystack"}},
]
"""Cytoscape stylesheet of the agency network."""


def centrality_figure(rows: Sequence[Mapping[str, Any]], *, lang: Lang = "nl", top: int = 15) -> go.Figure:
    """Horizontal bars of the ``top`` agencies by betweenness (rows with ``name``, ``degree``, ``betweenness``)."""
    title = f"{t('centrality_title', lang)}: {t('betweenness', lang).lower()}"
    if not rows:
        return empty_figure(title, t("none", lang), x_title=t("betweenness", lang), y_title=t("agency", lang))
    best = sorted(rows, key=lambda r: (-float(r["betweenness"]), str(r["name"])))[:top]
    fig = new_figure(go.Bar(
        orientation="h", x=[float(r["betweenness"]) for r in best], y=[str(r["name"]) for r in best],
        marker_color=OKABE_ITO[4], showlegend=False,
        hovertext=[f"<b>{r['name']}</b><br>{t('degree', lang)}: {r['degree']}<br>"
                   f"{t('betweenness', lang)}: {float(r['betweenness']):.3f}" for r in best],
        hoverinfo="text",
    ))
    base_layout(fig, title=title, x_title=t("betweenness", lang), y_title=t("agency", lang),
                height=max(300, 120 + 24 * len(best)))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
