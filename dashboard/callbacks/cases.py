"""Cases callbacks: the table of flagged households, opening a household, and the CSV export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, State, dcc, no_update
from dash.exceptions import PreventUpdate

from caregraph.auth import Action, Principal
from caregraph.services.models import HouseholdSummary
from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service, parse_date
from dashboard.csv_export import rows_to_csv
from dashboard.i18n import Lang, flag_label, lang_or_default, t
from dashboard.layouts.common import message

__all__ = ["register", "case_rows", "case_columns", "fetch_cases", "CASE_LIMIT"]

CASE_LIMIT = 500
"""Households fetched (the services' largest page; the most helpers first)."""


def case_columns(lang: Lang) -> list[dict[str, Any]]:
    """DataTable columns of the cases table."""
    return [
        {"id": "household_id", "name": t("col_household", lang)},
        {"id": "district", "name": t("district", lang)},
        {"id": "flags", "name": t("col_flags", lang)},
        {"id": "helpers", "name": t("col_helpers", lang), "type": "numeric"},
        {"id": "agencies", "name": t("col_agencies", lang), "type": "numeric"},
        {"id": "domains", "name": t("col_domains", lang)},
        {"id": "regisseur", "name": t("col_regisseur", lang)},
        {"id": "duration_days", "name": t("col_duration", lang), "type": "numeric"},
    ]


def case_rows(summaries: list[HouseholdSummary], *, district_names: dict[str, str], as_of: dt.date,
              lang: Lang) -> list[dict[str, Any]]:
    """Table rows of flagged households (households without a flag are left out; duplicates merged), most helpers
    first.

    ``duration_days`` = days from ``opened_on`` to the as-of date (or ``closed_on`` when earlier), inclusive;
    ``domains`` = the domains of the active interventions; ``regisseur`` = whether a regisseur is active.
    """
    seen: dict[str, dict[str, Any]] = {}
    for s in summaries:
        if not s.flags or s.household_id in seen:
            continue
        end = min(as_of, s.closed_on) if s.closed_on else as_of
        seen[s.household_id] = {
            "household_id": s.household_id,
            "district": district_names.get(s.district_id, s.district_id),
            "flags": ", ".join(flag_label(f, lang) for f in s.flags),
            "helpers": s.helpers,
            "agencies": s.agencies,
            "domains": ", ".join(s.domains),
            "regisseur": t("yes" if s.has_regisseur else "no", lang),
            "duration_days": max(0, (end - s.opened_on).days + 1),
        }
    return sorted(seen.values(), key=lambda r: (-int(r["helpers"]), str(r["household_id"])))


def fetch_cases(ctx: DashContext, principal: Principal, *, as_of: dt.date, district: str | None, flag: str | None,
                lang: Lang) -> tuple[list[HouseholdSummary], int]:
    """Flagged households (with the flag chosen, or any flag), most helpers first, up to :data:`CASE_LIMIT`; and how
    many match in all."""
    page = call_service(ctx.services.list_households, principal, district=district, flag=flag or None,
                flagged=None if flag else True, sort="helpers_desc", as_of=as_of, limit=CASE_LIMIT, lang=lang)
    return list(page.items), page.total


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the cases callbacks."""

    @app.callback(
        Output(ids.CASES_TABLE, "data"), Output(ids.CASES_TABLE, "columns"), Output(ids.CASES_NOTE, "children"),
        Input(ids.AS_OF, "date"), Input(ids.DISTRICT, "value"), Input(ids.CASES_FLAG, "value"),
        State(ids.LANG_STORE, "data"),
    )
    def cases(as_of_value: str | None, district: str | None, flag: str | None,
              lang_value: str | None) -> tuple[Any, ...]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        as_of = parse_date(as_of_value, ctx.today())
        try:
            summaries, total = fetch_cases(ctx, principal, as_of=as_of, district=district or None, flag=flag,
                                           lang=lang)
            names = {d.district_id: d.name for d in call_service(ctx.services.districts, principal, lang=lang)}
        except ServiceFailure as failure:
            return [], case_columns(lang), failure.component
        rows = case_rows(summaries, district_names=names, as_of=as_of, lang=lang)
        notes = [t("rows_count", lang).format(n=total), " ",
                 t("cases_help", lang) if principal.may(Action.household_detail) else t("cases_pseudonymised", lang)]
        if total > len(rows):
            notes += [" ", t("rows_limited", lang).format(limit=len(rows))]
        return rows, case_columns(lang), message("".join(notes))

    @app.callback(
        Output(ids.URL, "pathname"), Output(ids.URL, "search"),
        Input(ids.CASES_TABLE, "active_cell"), State(ids.CASES_TABLE, "derived_viewport_data"),
        prevent_initial_call=True,
    )
    def open_household(active_cell: dict[str, Any] | None, viewport: list[dict[str, Any]] | None) -> tuple[Any, Any]:
        if not active_cell or not viewport:
            raise PreventUpdate
        principal = ctx.principal()
        if not principal.may(Action.household_detail):
            raise PreventUpdate
        row = active_cell.get("row")
        if not isinstance(row, int) or not 0 <= row < len(viewport):
            raise PreventUpdate
        household_id = str(viewport[row]["household_id"])
        return app.get_relative_path("/household"), f"?hh={household_id}"

    @app.callback(
        Output(ids.CASES_DOWNLOAD, "data"),
        Input(ids.CASES_EXPORT, "n_clicks"), State(ids.CASES_TABLE, "derived_virtual_data"),
        State(ids.LANG_STORE, "data"), State(ids.AS_OF, "date"), prevent_initial_call=True,
    )
    def export_csv(n_clicks: int, rows: list[dict[str, Any]] | None, lang_value: str | None,
                   as_of_value: str | None) -> Any:
        if not n_clicks:
            raise PreventUpdate
        ctx.principal()
        lang = lang_or_default(lang_value)
        columns = [(c["id"], str(c["name"])) for c in case_columns(lang)]
        as_of = parse_date(as_of_value, ctx.today())
        if rows is None:
            return no_update
        return dcc.send_string(rows_to_csv(rows, columns), f"caregraph-cases-{as_of.isoformat()}.csv")
