"""Household callbacks: header, ego network, timeline, flags with evidence, scores and the suggested regisseur."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import dash
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from caregraph.services.models import HouseholdDetail
from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service, parse_date
from dashboard.evidence import flag_text
from dashboard.figures.common import empty_figure
from dashboard.figures.ego import ego_elements
from dashboard.figures.scores import scores_figure
from dashboard.figures.timeline import gantt_figure
from dashboard.i18n import Lang, lang_or_default, t
from dashboard.layouts.common import message

__all__ = ["register", "household_id_from_search", "household_outputs", "professional_names"]


def household_id_from_search(search: str | None) -> str | None:
    """The ``hh`` parameter of a query string.

    >>> household_id_from_search("?hh=HH000001"), household_id_from_search("?x=1"), household_id_from_search(None)
    ('HH000001', None, None)
    """
    if not search:
        return None
    values = parse_qs(search.lstrip("?")).get("hh")
    return values[0] if values else None


def professional_names(detail: HouseholdDetail) -> dict[str, str]:
    """Professional id → what to show: the name where the role may see it, else job title and id."""
    return {p.professional_id: p.name or f"{p.role} {p.professional_id}" for p in detail.professionals}


def _flags_component(detail: HouseholdDetail, names: dict[str, str], lang: Lang) -> html.Div | html.Ul:
    if not detail.flags:
        return message(t("no_flags", lang))
    items = []
    for f in detail.flags:
        text = flag_text(f, names=names, lang=lang)
        items.append(html.Li([
            html.Strong(text.title),
            html.Span(f" — {t('severity', lang).lower()}: {text.severity}" if text.severity else ""),
            html.P(text.explanation, className="cg-explanation"),
            html.Div(text.rule, className="cg-rule"),
            html.Ul([html.Li(line) for line in text.lines], className="cg-evidence"),
        ], className=f"cg-flag cg-flag-{f.severity}", title=f.flag))
    return html.Ul(items, className="cg-flags")


def _suggestion_component(detail: HouseholdDetail, names: dict[str, str], lang: Lang) -> html.Div:
    reg = detail.regisseur
    current = ", ".join(names.get(c.professional_id, c.professional_id) for c in reg.active) or t("none", lang)
    parts: list[Any] = [html.P(f"{t('current_regisseur', lang)}: {current}")]
    if reg.suggested_professional_id:
        who = names.get(reg.suggested_professional_id, reg.suggested_professional_id)
        parts.append(html.P([f"{t('suggested_regisseur', lang)}: ", html.Strong(who)], className="cg-suggested"))
        if reg.reasons:
            parts.append(html.Div([html.Span(f"{t('reasons', lang)}:"),
                                   html.Ul([html.Li(r) for r in reg.reasons], className="cg-reasons")]))
    else:
        parts.append(message(t("no_suggestion", lang)))
    return html.Div(parts)


def _members_component(detail: HouseholdDetail, lang: Lang) -> html.Table:
    rows = [html.Tr([html.Td(m.name or m.member_id), html.Td(m.role), html.Td(str(m.birth_year))])
            for m in detail.members]
    return html.Table([html.Tbody(rows)], className="cg-table")


def household_outputs(detail: HouseholdDetail, lang: Lang) -> tuple[Any, ...]:
    """Every output of the household page from one :class:`HouseholdDetail` (callable without Dash)."""
    names = professional_names(detail)
    agencies = {a.agency_id: a for a in detail.agencies}
    names.update({a.agency_id: a.name for a in detail.agencies})
    hh = detail.household
    header = html.Div([
        html.H1(f"{t('household_title', lang)} {hh.household_id}", id="household-title"),
        html.P(f"{t('district', lang)}: {hh.district_id} · {t('composition', lang)}: {hh.composition} · "
               f"{t('opened_on', lang)}: {hh.opened_on.isoformat()} · {t('as_of', lang)}: {detail.as_of.isoformat()}"),
    ])
    member_labels = {m.member_id: m.name or f"{m.role} ({m.birth_year})" for m in detail.members}
    return (
        header,
        ego_elements(detail, lang=lang),
        gantt_figure(detail.interventions, agencies=agencies, professional_names=names, as_of=detail.as_of,
                     lang=lang),
        _flags_component(detail, names, lang),
        scores_figure(detail.assessments, member_labels=member_labels, lang=lang),
        _suggestion_component(detail, names, lang),
        _members_component(detail, lang),
    )


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the household callbacks."""

    @app.callback(
        Output(ids.HH_HEADER, "children"), Output(ids.HH_EGO, "elements"), Output(ids.FIG_GANTT, "figure"),
        Output(ids.HH_FLAGS, "children"), Output(ids.FIG_SCORES, "figure"), Output(ids.HH_SUGGESTION, "children"),
        Output(ids.HH_MEMBERS, "children"),
        Input(ids.URL, "search"), Input(ids.AS_OF, "date"), State(ids.LANG_STORE, "data"),
    )
    def household(search: str | None, as_of_value: str | None, lang_value: str | None) -> tuple[Any, ...]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        household_id = household_id_from_search(search)
        blank = empty_figure("", "")
        if not household_id:
            return message(t("choose_household", lang)), [], blank, None, blank, None, None
        as_of = parse_date(as_of_value, ctx.today())
        try:
            detail = call_service(ctx.services.household, principal, household_id, as_of=as_of, lang=lang)
        except ServiceFailure as failure:
            return failure.component, [], blank, None, blank, None, None
        return household_outputs(detail, lang)

    @app.callback(Output(ids.HH_EGO_HOVER, "children"), Input(ids.HH_EGO, "mouseoverNodeData"),
                  Input(ids.HH_EGO, "mouseoverEdgeData"))
    def ego_hover(node: dict[str, Any] | None, edge: dict[str, Any] | None) -> str:
        trigger = dash.callback_context.triggered_id
        data = edge if trigger and dash.callback_context.triggered[0]["prop_id"].endswith("EdgeData") else node
        if not data:
            raise PreventUpdate
        return str(data.get("hover") or data.get("label") or "")
