"""Overview callbacks: key figures and the four overview figures, for the as-of date and district chosen.

The trend (12 month ends) is a separate callback, so the key figures and the other figures show as soon as the
as-of date's results are there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, html

from caregraph.auth import Action, Principal
from caregraph.services.models import FlagSummary, NetworkStatistics
from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service, parse_date
from dashboard.figures.common import empty_figure
from dashboard.figures.overview import (
    flag_trend_figure,
    flags_by_district_figure,
    flags_per_flag_figure,
    helpers_histogram_figure,
)
from dashboard.i18n import Lang, lang_or_default, t
from dashboard.layouts.common import kpi, message

__all__ = ["register", "overview_outputs", "trend_output", "key_figures", "TREND_MONTHS"]

TREND_MONTHS = 12
"""Months in the trend figure (the last is the as-of date itself; the others end on each month's last day)."""


def _fmt(value: float | int | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{100 * float(value):.0f}%"
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.1f}"


def key_figures(
    stats: NetworkStatistics | None, by_flag: FlagSummary, *, district: str | None, lang: Lang
) -> list[html.Div]:
    """The key-figure tiles, for the district chosen (or the whole municipality).

    The flag tile is the number of flags raised (a household with two flags counts twice); the per-flag counts are
    in the figure beside it. The medians and the regisseur share are over households with an active intervention
    (:meth:`CareServices.network_statistics`).
    """
    rows = [r for r in by_flag.rows if district is None or r.district_id == district]
    flagged = sum(r.households or 0 for r in rows)
    helpers = stats.helpers_per_household.get("median") if stats else None
    agencies = stats.agencies_per_household.get("median") if stats else None
    share = stats.share_with_regisseur if stats else None
    if stats is None:  # the role may not see municipality statistics (coordinators)
        return [kpi(t("kpi_flags_total", lang), _fmt(flagged), "kpi-flagged"),
                html.Div(message(t("stats_not_for_role", lang)), className="cg-kpi-note")]
    return [
        kpi(t("kpi_active", lang), _fmt(stats.active_households if stats else None), "kpi-active"),
        kpi(t("kpi_flags_total", lang), _fmt(flagged), "kpi-flagged"),
        kpi(t("kpi_median_helpers", lang), _fmt(helpers), "kpi-median-helpers"),
        kpi(t("kpi_median_agencies", lang), _fmt(agencies), "kpi-median-agencies"),
        kpi(t("kpi_share_regisseur", lang), _fmt(share, percent=True), "kpi-share-regisseur"),
    ]


def overview_outputs(ctx: DashContext, principal: Principal, as_of: dt.date, district: str | None,
                     lang: Lang) -> tuple[Any, ...]:
    """Key figures and the district, per-flag and helpers figures of the overview (the callback's body, callable
    without Dash). The trend has its own callback (:func:`trend_output`), so these do not wait for it."""
    by_district = call_service(ctx.services.flag_summary, principal, as_of=as_of, by_district=True, lang=lang)
    stats = (call_service(ctx.services.network_statistics, principal, as_of=as_of, district=district, lang=lang)
             if principal.may(Action.network_statistics) else None)
    names = {d.district_id: d.name for d in call_service(ctx.services.districts, principal, lang=lang)}
    district_rows = [r for r in by_district.rows if district is None or r.district_id == district]
    tiles = key_figures(stats, by_district, district=district, lang=lang)
    helpers = (helpers_histogram_figure(stats.helpers_histogram, lang=lang) if stats is not None
               else empty_figure(t("fig_helpers", lang), t("stats_not_for_role_short", lang),
                                 x_title=t("col_helpers", lang), y_title=t("households", lang)))
    if district:
        helpers.update_layout(title_text=f"{helpers.layout.title.text} ({names.get(district, district)})")
    return (
        tiles,
        flags_by_district_figure(district_rows, district_names=names, lang=lang),
        flags_per_flag_figure(district_rows, lang=lang),
        helpers,
    )


def trend_output(ctx: DashContext, principal: Principal, as_of: dt.date, district: str | None,
                 lang: Lang) -> go.Figure:
    """The flags-per-month figure over :data:`TREND_MONTHS` month ends (for the district chosen)."""
    by_month = call_service(ctx.services.flag_summary, principal, as_of=as_of, by_district=True, months=TREND_MONTHS,
                    lang=lang)
    return flag_trend_figure([r for r in by_month.rows if district is None or r.district_id == district], lang=lang)


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the overview callbacks (key figures and figures; the trend separately)."""

    @app.callback(
        Output(ids.KPI_ROW, "children"), Output(ids.FIG_FLAGS_BY_DISTRICT, "figure"),
        Output(ids.FIG_FLAGS_PER_FLAG, "figure"), Output(ids.FIG_HELPERS, "figure"),
        Input(ids.AS_OF, "date"), Input(ids.DISTRICT, "value"), State(ids.LANG_STORE, "data"),
    )
    def overview(as_of_value: str | None, district: str | None, lang_value: str | None) -> tuple[Any, ...]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        as_of = parse_date(as_of_value, ctx.today())
        try:
            return overview_outputs(ctx, principal, as_of, district or None, lang)
        except ServiceFailure as failure:
            blank = empty_figure("", "")
            return [failure.component], blank, blank, blank

    @app.callback(
        Output(ids.FIG_TREND, "figure"),
        Input(ids.AS_OF, "date"), Input(ids.DISTRICT, "value"), State(ids.LANG_STORE, "data"),
    )
    def trend(as_of_value: str | None, district: str | None, lang_value: str | None) -> go.Figure:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        as_of = parse_date(as_of_value, ctx.today())
        try:
            return trend_output(ctx, principal, as_of, district or None, lang)
        except ServiceFailure:
            return empty_figure(t("fig_trend", lang), t("store_unavailable", lang))
