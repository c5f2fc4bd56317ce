"""Overview callbacks: key figures and the four overview figures, for the as-of date and district chosen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, State, html

from caregraph.auth import Action, Principal
from caregraph.services.models import FlagSummary, NetworkStatistics
from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call, parse_date
from dashboard.figures.common import empty_figure
from dashboard.figures.overview import (
    flag_trend_figure,
    flags_by_district_figure,
    flags_per_flag_figure,
    helpers_histogram_figure,
)
from dashboard.i18n import Lang, lang_or_default, t
from dashboard.layouts.common import kpi

__all__ = ["register", "overview_outputs", "key_figures", "TREND_MONTHS"]

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
    """The key-figure tiles. Municipality-wide statistics say so when a district is chosen.

    The flag tile is the number of flags raised (a household with two flags counts twice); the per-flag counts are
    in the figure beside it.
    """
    scope = f" ({t('whole_municipality', lang)})" if district else ""
    measures = stats.measures if stats else {}
    rows = [r for r in by_flag.rows if district is None or r.district_id == district]
    flagged_per_flag: dict[str, int] = {}
    for r in rows:
        flagged_per_flag[r.flag] = flagged_per_flag.get(r.flag, 0) + (r.households or 0)
    tiles = [
        kpi(t("kpi_active", lang) + scope, _fmt(stats.active_households if stats else None), "kpi-active"),
        kpi(t("kpi_flags_total", lang), _fmt(sum(flagged_per_flag.values())), "kpi-flagged"),
        kpi(t("kpi_median_helpers", lang) + scope,
            _fmt(stats.helpers_per_household.get("median") if stats else None), "kpi-median-helpers"),
        kpi(t("kpi_mean_agencies", lang) + scope, _fmt(_measure(measures, "agencies_mean")),
            "kpi-mean-agencies"),
        kpi(t("kpi_share_regisseur", lang) + scope, _fmt(_measure(measures, "share_with_regisseur"), percent=True),
            "kpi-share-regisseur"),
    ]
    return tiles


def _measure(measures: Any, *names: str) -> float | None:
    for n in names:
        v = measures.get(n) if isinstance(measures, dict) else None
        if isinstance(v, int | float):
            return float(v)
    return None


def overview_outputs(ctx: DashContext, principal: Principal, as_of: dt.date, district: str | None,
                     lang: Lang) -> tuple[Any, ...]:
    """Key figures and figures of the overview (the callback's body, callable without Dash)."""
    by_month = call(ctx.services.flag_summary, principal, as_of=as_of, by_district=True, months=TREND_MONTHS,
                    lang=lang)
    last_month = max((r.month for r in by_month.rows if r.month), default=None)
    by_district = FlagSummary(as_of=by_month.as_of, group_by=["district"],
                              rows=[r for r in by_month.rows if r.month == last_month])
    stats = (call(ctx.services.network_statistics, principal, as_of=as_of, lang=lang)
             if principal.may(Action.network_statistics) else None)
    names = {d.district_id: d.name for d in call(ctx.services.districts, principal, lang=lang)}
    district_rows = [r for r in by_district.rows if district is None or r.district_id == district]
    month_rows = [r for r in by_month.rows if district is None or r.district_id == district]
    tiles = key_figures(stats, by_district, district=district, lang=lang)
    helpers = (helpers_histogram_figure(stats.helpers_histogram, lang=lang) if stats is not None
               else empty_figure(t("col_helpers", lang), "—", x_title=t("col_helpers", lang),
                                 y_title=t("households", lang)))
    if stats is not None and district:
        helpers.update_layout(title_text=f"{helpers.layout.title.text} ({t('whole_municipality', lang)})")
    return (
        tiles,
        flags_by_district_figure(district_rows, district_names=names, lang=lang),
        flags_per_flag_figure(district_rows, lang=lang),
        flag_trend_figure(month_rows, lang=lang),
        helpers,
    )


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the overview callback."""

    @app.callback(
        Output(ids.KPI_ROW, "children"), Output(ids.FIG_FLAGS_BY_DISTRICT, "figure"),
        Output(ids.FIG_FLAGS_PER_FLAG, "figure"), Output(ids.FIG_TREND, "figure"), Output(ids.FIG_HELPERS, "figure"),
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
            return [failure.component], blank, blank, blank, blank
