"""The router (path → page, by role), login, logout, language and the district filter's options."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from caregraph.auth import Action, AuthError, TooManyAttemptsError
from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service
from dashboard.i18n import Lang, lang_or_default, role_label, t
from dashboard.layouts import pages as layouts
from dashboard.layouts.common import message
from dashboard.pages import home_page, page_for_path, visible_pages
from dashboard.session import current_principal, log_in, log_out

__all__ = ["register", "render_route"]

_LAYOUTS = {
    "overview": layouts.overview_layout,
    "cases": layouts.cases_layout,
    "household": layouts.household_layout,
    "network": layouts.network_layout,
    "research": layouts.research_layout,
    "admin": layouts.admin_layout,
}

_HIDDEN = {"display": "none"}
_SHOWN: dict[str, str] = {}


def render_route(app: dash.Dash, ctx: DashContext, pathname: str | None, lang: Lang) -> tuple[Any, ...]:
    """Page, navigation, user badge and filter-bar style for ``pathname`` and the session's principal."""
    principal = current_principal(ctx.services)
    if principal is None:
        return layouts.login_layout(lang), [], "", _HIDDEN, _HIDDEN
    relative = app.strip_relative_path(pathname or "/") or ""
    page = page_for_path(relative) or (home_page(principal) if relative.strip("/") == "" else None)
    nav = [
        html.A(t(p.label, lang), href=app.get_relative_path(f"/{p.key}"),
               className="cg-nav-link" + (" cg-active" if page is not None and p.key == page.key else ""),
               id=f"nav-{p.key}")
        for p in visible_pages(principal) if p.in_nav
    ]
    badge = f"{t('logged_in_as', lang)} {principal.username} ({role_label(principal.role.value, lang)})"
    if page is None:
        content = layouts.not_found_layout(lang) if relative.strip("/") else layouts.forbidden_layout(lang)
        return content, nav, badge, _HIDDEN, _SHOWN
    if not principal.may(page.action):
        return layouts.forbidden_layout(lang), nav, badge, _HIDDEN, _SHOWN
    filters = _SHOWN if page.key in ("overview", "cases", "household", "network") else _HIDDEN
    return _LAYOUTS[page.key](lang), nav, badge, filters, _SHOWN


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the routing, login, logout, language and district-option callbacks on ``app``."""

    @app.callback(
        Output(ids.PAGE, "children"), Output(ids.NAV, "children"), Output(ids.USER_BADGE, "children"),
        Output(ids.FILTER_BAR, "style"), Output(ids.LOGOUT, "style"),
        Input(ids.URL, "pathname"), Input(ids.LANG_STORE, "data"),
    )
    def route(pathname: str | None, lang: str | None) -> tuple[Any, ...]:
        return render_route(app, ctx, pathname, lang_or_default(lang))

    @app.callback(
        Output(ids.LOGIN_MESSAGE, "children"), Output(ids.LOGIN_REDIRECT, "href"),
        Input(ids.LOGIN_BUTTON, "n_clicks"), Input(ids.LOGIN_TOKEN, "n_submit"),
        State(ids.LOGIN_TOKEN, "value"), State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def login(_clicks: int, _submits: int, token: str | None, lang_value: str | None) -> tuple[Any, Any]:
        lang = lang_or_default(lang_value)
        if not token or not token.strip():
            return message(t("login_failed", lang), "warning"), no_update
        try:
            log_in(ctx.services, token)
        except TooManyAttemptsError as e:
            return message(f"{e}", "error"), no_update
        except AuthError:
            return message(t("login_failed", lang), "warning"), no_update
        return no_update, app.get_relative_path("/")

    @app.callback(
        Output(ids.LOGIN_REDIRECT, "href", allow_duplicate=True),
        Input(ids.LOGOUT, "n_clicks"), prevent_initial_call=True,
    )
    def logout(n_clicks: int) -> str:
        if not n_clicks:
            raise PreventUpdate
        log_out()
        return app.get_relative_path("/")

    @app.callback(Output(ids.LANG_STORE, "data"), Input(ids.LANG_SWITCH, "value"))
    def set_lang(value: str | None) -> str:
        return lang_or_default(value)

    @app.callback(
        Output(ids.LOGOUT, "children"), Output("as-of-label", "children"), Output("district-label", "children"),
        Output(ids.DISTRICT, "placeholder"), Input(ids.LANG_STORE, "data"),
    )
    def shell_labels(lang_value: str | None) -> tuple[str, str, str, str]:
        lang = lang_or_default(lang_value)
        return t("logout", lang), t("as_of", lang), t("district", lang), t("all_districts", lang)

    @app.callback(Output(ids.DISTRICT, "options"), Output(ids.ERROR_BANNER, "children"),
                  Input(ids.USER_BADGE, "children"), State(ids.LANG_STORE, "data"))
    def district_options(badge: str | None, lang_value: str | None) -> tuple[Any, Any]:
        if not badge:
            return [], None
        principal = ctx.principal()
        if not (principal.may(Action.list_households) or principal.may(Action.flag_summary)):
            return [], None
        try:
            districts = call_service(ctx.services.districts, principal, lang=lang_or_default(lang_value))
        except ServiceFailure as failure:
            return [], failure.component
        return [{"label": d.name, "value": d.district_id} for d in districts], None
