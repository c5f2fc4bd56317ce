"""The frame around every page: title, navigation, language switch, user badge, the shared filters (as-of date and
district, which apply to every figure) and the page area the router fills."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from dashboard import ids
from dashboard.i18n import DEFAULT_LANG, t

__all__ = ["shell_layout"]


def shell_layout(today: dt.date) -> html.Div:
    """The static outer layout; the router fills :data:`ids.NAV`, :data:`ids.USER_BADGE` and :data:`ids.PAGE`."""
    lang = DEFAULT_LANG
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Location(id=ids.LOGIN_REDIRECT, refresh=True),
        dcc.Store(id=ids.LANG_STORE, storage_type="local", data=lang),
        html.Header([
            html.Div("caregraph", className="cg-brand"),
            html.Nav(id=ids.NAV, className="cg-nav"),
            html.Div([
                dcc.RadioItems(id=ids.LANG_SWITCH, options=[{"label": "NL", "value": "nl"},
                                                             {"label": "EN", "value": "en"}],
                               value=lang, inline=True, className="cg-lang", persistence=True),
                html.Span(id=ids.USER_BADGE, className="cg-user"),
                html.Button(t("logout", lang), id=ids.LOGOUT, className="cg-button cg-logout", n_clicks=0),
            ], className="cg-header-right"),
        ], className="cg-header"),
        html.Div([
            html.Label([html.Span(t("as_of", lang), id="as-of-label"),
                        dcc.DatePickerSingle(id=ids.AS_OF, date=today.isoformat(), display_format="YYYY-MM-DD",
                                             first_day_of_week=1, persistence=True, persistence_type="session",
                                             min_date_allowed="1990-01-01", max_date_allowed="2100-12-31")],
                       className="cg-filter"),
            html.Label([html.Span(t("district", lang), id="district-label"),
                        dcc.Dropdown(id=ids.DISTRICT, options=[], value=None, placeholder=t("all_districts", lang),
                                     clearable=True, persistence=True, persistence_type="session",
                                     className="cg-dropdown")],
                       className="cg-filter"),
        ], id=ids.FILTER_BAR, className="cg-filters"),
        html.Div(id=ids.ERROR_BANNER),
        html.Main(id=ids.PAGE, className="cg-main"),
    ], className="cg-app")
