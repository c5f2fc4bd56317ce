"""Network callbacks: the agency co-involvement graph for the threshold chosen, centrality and communities."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import dash
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service, parse_date
from dashboard.figures.agency_network import agency_elements, centrality_figure, strongest_pairs
from dashboard.figures.common import empty_figure
from dashboard.i18n import Lang, lang_or_default, sector_label, t
from dashboard.layouts.common import message

__all__ = ["register", "MAX_EDGES"]

MAX_EDGES = 500
"""Most links drawn at once (the strongest; the services return at most 500 pairs, and the centrality and
communities are computed over those); the note under the slider says when more exist."""


def _centrality_columns(lang: Lang) -> list[dict[str, Any]]:
    return [
        {"id": "name", "name": t("agency", lang)},
        {"id": "sector", "name": t("sector", lang)},
        {"id": "degree", "name": t("degree", lang), "type": "numeric"},
        {"id": "betweenness", "name": t("betweenness", lang), "type": "numeric"},
        {"id": "community", "name": t("community", lang), "type": "numeric"},
        {"id": "households", "name": t("households", lang), "type": "numeric"},
    ]


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the network callbacks."""

    @app.callback(
        Output(ids.NET_GRAPH, "elements"), Output(ids.NET_NOTE, "children"), Output(ids.NET_CENTRALITY, "data"),
        Output(ids.NET_CENTRALITY, "columns"), Output(ids.FIG_CENTRALITY, "figure"),
        Output(ids.NET_COMMUNITIES, "children"),
        Input(ids.NET_THRESHOLD, "value"), Input(ids.AS_OF, "date"), State(ids.LANG_STORE, "data"),
    )
    def network(threshold: int | None, as_of_value: str | None, lang_value: str | None) -> tuple[Any, ...]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        as_of = parse_date(as_of_value, ctx.today())
        min_shared = max(1, int(threshold or 1))
        try:
            overview = call_service(ctx.services.agencies, principal, as_of=as_of, min_shared=min_shared, lang=lang)
        except ServiceFailure as failure:
            return [], failure.component, [], _centrality_columns(lang), empty_figure("", ""), None
        agencies = {a.agency.agency_id: a.agency for a in overview.agencies}
        pairs = strongest_pairs(overview.pairs, min_shared=min_shared, max_edges=MAX_EDGES)
        placed = [a for a in overview.agencies if a.degree is not None]
        communities = {a.agency.agency_id: a.community for a in placed if a.community is not None}
        rows = [{
            "name": a.agency.name,
            "sector": sector_label(a.agency.sector, lang),
            "degree": round(a.degree or 0.0, 3), "betweenness": round(a.betweenness or 0.0, 3),
            "community": a.community, "households": a.active_households,
        } for a in placed]
        rows.sort(key=lambda r: (-float(r["betweenness"] or 0.0), str(r["name"])))
        members: dict[int, list[str]] = defaultdict(list)
        for a, c in communities.items():
            members[c].append(agencies[a].name if a in agencies else a)
        comm = html.Ul([html.Li(f"{t('community', lang)} {c} ({len(m)}): {', '.join(sorted(m)[:12])}"
                                + (" …" if len(m) > 12 else "")) for c, m in sorted(members.items())])
        total = sum(1 for p in overview.pairs if p.shared_households >= min_shared)
        note: Any = f"{t('threshold', lang)}: {min_shared}. " + t("shown_edges", lang).format(n=len(pairs),
                                                                                               total=total)
        if not pairs:
            note = message(t("no_edges", lang), "warning")
        return (agency_elements(pairs, agencies=agencies, communities=communities, lang=lang), note, rows,
                _centrality_columns(lang), centrality_figure(rows, lang=lang), comm)

    @app.callback(Output(ids.NET_HOVER, "children"), Input(ids.NET_GRAPH, "mouseoverNodeData"),
                  Input(ids.NET_GRAPH, "mouseoverEdgeData"))
    def network_hover(node: dict[str, Any] | None, edge: dict[str, Any] | None) -> str:
        triggered = dash.callback_context.triggered
        data = edge if triggered and triggered[0]["prop_id"].endswith("EdgeData") else node
        if not data:
            raise PreventUpdate
        return str(data.get("hover") or data.get("label") or "")
