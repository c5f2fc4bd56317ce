"""Layouts of the pages (skeletons; their callbacks fill the figures and tables)."""

from __future__ import annotations

import dash_cytoscape as cyto
from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.figures.agency_network import AGENCY_STYLESHEET
from dashboard.figures.ego import EGO_STYLESHEET
from dashboard.i18n import Lang, flag_label, t
from dashboard.layouts.common import card, graph, message, section
from dashboard.palette import KNOWN_FLAGS

__all__ = ["login_layout", "overview_layout", "cases_layout", "household_layout", "network_layout",
           "research_layout", "admin_layout", "forbidden_layout", "not_found_layout"]

_TABLE_STYLE = {
    "style_table": {"overflowX": "auto"},
    "style_cell": {"fontFamily": "inherit", "fontSize": "13px", "padding": "4px 8px", "textAlign": "left",
                   "whiteSpace": "normal", "height": "auto"},
    "style_header": {"fontWeight": "600", "backgroundColor": "#F2F2F2"},
}


def login_layout(lang: Lang) -> html.Div:
    """The login page: paste a token."""
    return card(
        html.H1(t("login_title", lang)),
        html.P(t("login_help", lang)),
        html.Label(t("token", lang), htmlFor=ids.LOGIN_TOKEN),
        dcc.Input(id=ids.LOGIN_TOKEN, type="password", autoComplete="off", className="cg-input",
                  debounce=False, n_submit=0),
        html.Button(t("login_button", lang), id=ids.LOGIN_BUTTON, className="cg-button", n_clicks=0),
        html.Div(id=ids.LOGIN_MESSAGE),
        className="cg-card cg-login",
    )


def overview_layout(lang: Lang) -> html.Div:
    """Key figures, flags by district, households per flag, monthly trend, helpers per household."""
    return html.Div([
        html.H1(t("overview_title", lang)),
        html.Div(id=ids.KPI_ROW, className="cg-kpis"),
        html.Div([card(graph(ids.FIG_FLAGS_BY_DISTRICT)), card(graph(ids.FIG_FLAGS_PER_FLAG))], className="cg-grid2"),
        html.Div([card(graph(ids.FIG_TREND)), card(graph(ids.FIG_HELPERS))], className="cg-grid2"),
    ])


def cases_layout(lang: Lang) -> html.Div:
    """The table of flagged households, with a flag filter and CSV export."""
    return html.Div([
        html.H1(t("cases_title", lang)),
        html.Div([
            html.Label([t("flag_filter", lang),
                        dcc.Dropdown(id=ids.CASES_FLAG,
                                     options=[{"label": flag_label(f, lang), "value": f}
                                              for f in KNOWN_FLAGS if f != "overloaded_professional"],
                                     placeholder=t("all_flags", lang), clearable=True, className="cg-dropdown")],
                       className="cg-filter"),
            html.Button(t("export_csv", lang), id=ids.CASES_EXPORT, className="cg-button", n_clicks=0),
            dcc.Download(id=ids.CASES_DOWNLOAD),
        ], className="cg-toolbar"),
        html.Div(id=ids.CASES_NOTE),
        dcc.Loading(dash_table.DataTable(  # type: ignore[attr-defined]

            id=ids.CASES_TABLE, data=[], columns=[], sort_action="native", filter_action="native",
            page_action="native", page_size=20, sort_mode="multi", cell_selectable=True,
            filter_options={"case": "insensitive"}, **_TABLE_STYLE,
        ), type="dot"),
    ])


def household_layout(lang: Lang) -> html.Div:
    """One household: header, ego network, Gantt timeline, flags with evidence, scores, suggested regisseur."""
    return html.Div([
        html.Div(id=ids.HH_HEADER),
        html.Div([
            card(html.H2(t("ego_network", lang), className="cg-h2"),
                 cyto.Cytoscape(id=ids.HH_EGO, elements=[], stylesheet=EGO_STYLESHEET,
                                layout={"name": "cose", "animate": False, "randomize": False},
                                style={"width": "100%", "height": "440px"}, minZoom=0.3, maxZoom=3),
                 html.Div(t("ego_legend", lang), className="cg-note"),
                 html.Div(id=ids.HH_EGO_HOVER, className="cg-hover")),
            card(html.H2(t("flags_title", lang), className="cg-h2"), html.Div(id=ids.HH_FLAGS),
                 html.H2(t("suggestion_title", lang), className="cg-h2"), html.Div(id=ids.HH_SUGGESTION)),
        ], className="cg-grid2"),
        card(graph(ids.FIG_GANTT), html.Div(t("gantt_note", lang), className="cg-note")),
        html.Div([card(graph(ids.FIG_SCORES)), card(html.H2(t("members", lang), className="cg-h2"),
                                                    html.Div(id=ids.HH_MEMBERS))], className="cg-grid2"),
    ])


def network_layout(lang: Lang) -> html.Div:
    """The agency co-involvement network with a threshold slider, centrality and communities."""
    return html.Div([
        html.H1(t("network_title", lang)),
        html.P(t("network_help", lang)),
        html.Label(t("threshold", lang), htmlFor=ids.NET_THRESHOLD),
        dcc.Slider(id=ids.NET_THRESHOLD, min=1, max=50, step=1, value=5,
                   marks={v: str(v) for v in (1, 5, 10, 20, 30, 40, 50)},
                   tooltip={"placement": "bottom", "always_visible": False}),
        html.Div(id=ids.NET_NOTE, className="cg-note"),
        card(cyto.Cytoscape(id=ids.NET_GRAPH, elements=[], stylesheet=AGENCY_STYLESHEET,
                            layout={"name": "cose", "animate": False}, style={"width": "100%", "height": "480px"},
                            minZoom=0.2, maxZoom=3),
             html.Div(id=ids.NET_HOVER, className="cg-hover")),
        html.Div([
            card(graph(ids.FIG_CENTRALITY)),
            card(html.H2(t("centrality_title", lang), className="cg-h2"),
                 dash_table.DataTable(  # type: ignore[attr-defined]
            id=ids.NET_CENTRALITY, data=[], columns=[], sort_action="native",
                                      page_size=15, **_TABLE_STYLE)),
        ], className="cg-grid2"),
        section(t("communities_title", lang), html.Div(id=ids.NET_COMMUNITIES)),
    ])


def research_layout(lang: Lang) -> html.Div:
    """Export choices with their metadata, a download, and municipality statistics."""
    return html.Div([
        html.H1(t("research_title", lang)),
        dcc.Markdown(t("research_help", lang)),
        card(dash_table.DataTable(  # type: ignore[attr-defined]
            id=ids.RESEARCH_TABLE, data=[], columns=[], **_TABLE_STYLE)),
        html.Div([html.Button(t("download_export", lang), id=ids.RESEARCH_EXPORT, className="cg-button",
                              n_clicks=0),
                  dcc.Download(id=ids.RESEARCH_DOWNLOAD)], className="cg-toolbar"),
        html.Div(id=ids.RESEARCH_MESSAGE),
        section(t("statistics_title", lang), html.Div(id=ids.RESEARCH_STATS)),
    ])


def admin_layout(lang: Lang) -> html.Div:
    """Users and their roles (administrators)."""
    return html.Div([
        html.H1(t("admin_title", lang)),
        dcc.Markdown(t("admin_help", lang)),
        card(dash_table.DataTable(  # type: ignore[attr-defined]
            id=ids.ADMIN_TABLE, data=[], columns=[], sort_action="native", **_TABLE_STYLE)),
    ])


def forbidden_layout(lang: Lang) -> html.Div:
    """Shown when the role may not open the page."""
    return message(t("not_allowed", lang), "warning")


def not_found_layout(lang: Lang) -> html.Div:
    """Shown for an unknown path."""
    return message(t("not_found", lang), "warning")
