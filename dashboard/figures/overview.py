"""Overview figures: flags by district, households per flag, flags per month, helpers per household.

All take the rows of a :class:`~caregraph.services.models.FlagSummary` (or the histogram of
:class:`~caregraph.services.models.NetworkStatistics`) and return a titled figure with axis titles and hover text.
Suppressed counts (fewer than five households, for researchers) are drawn as zero and named as suppressed in the
hover text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from caregraph.services.models import FlagCount
from dashboard.figures.common import base_layout, empty_figure, new_figure
from dashboard.i18n import Lang, flag_label, t
from dashboard.palette import KNOWN_FLAGS, OKABE_ITO, flag_colour

__all__ = ["flags_by_district_figure", "flags_per_flag_figure", "flag_trend_figure", "helpers_histogram_figure"]

_SUPPRESSED = {"nl": "onderdrukt (minder dan 5)", "en": "suppressed (fewer than 5)"}


def _flag_order(codes: set[str]) -> list[str]:
    known = [c for c in KNOWN_FLAGS if c in codes]
    return known + sorted(codes - set(known))


def _value(row: FlagCount) -> int:
    return 0 if row.households is None else row.households


def flags_by_district_figure(
    rows: Sequence[FlagCount], *, district_names: Mapping[str, str], lang: Lang = "nl"
) -> go.Figure:
    """Stacked horizontal bars: per district, the number of households with each flag.

    Rows without a district are ignored; districts are sorted by name.
    """
    title = t("fig_flags_by_district", lang)
    rows = [r for r in rows if r.district_id is not None]
    if not rows:
        return empty_figure(title, t("no_flags", lang), x_title=t("households", lang), y_title=t("district", lang))
    districts = sorted({r.district_id for r in rows if r.district_id}, key=lambda d: district_names.get(d, d))
    labels = [district_names.get(d, d) for d in districts]
    cells: dict[tuple[str, str], FlagCount] = {(r.flag, r.district_id or ""): r for r in rows}
    fig = new_figure()
    for flag in _flag_order({r.flag for r in rows}):
        xs: list[int] = []
        hover: list[str] = []
        for d, label in zip(districts, labels, strict=True):
            cell = cells.get((flag, d))
            xs.append(0 if cell is None else _value(cell))
            shown = _SUPPRESSED[lang] if cell is not None and cell.suppressed else str(xs[-1])
            hover.append(f"<b>{label}</b><br>{flag_label(flag, lang)}: {shown} {t('households', lang).lower()}")
        fig.add_trace(go.Bar(name=flag_label(flag, lang), orientation="h", x=xs, y=labels,
                             marker_color=flag_colour(flag), hovertext=hover, hoverinfo="text"))
    base_layout(fig, title=title, x_title=t("households", lang), y_title=t("district", lang),
                height=max(380, 210 + 26 * len(districts)))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", automargin=True)
    return fig


def flags_per_flag_figure(rows: Sequence[FlagCount], *, lang: Lang = "nl") -> go.Figure:
    """Bars: households per flag (rows of a summary grouped by flag only)."""
    title = t("fig_flags_per_flag", lang)
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r.flag] += _value(r)
    if not totals:
        return empty_figure(title, t("no_flags", lang), x_title=t("flag", lang), y_title=t("households", lang))
    flags = _flag_order(set(totals))
    names = [flag_label(f, lang) for f in flags]
    fig = new_figure(go.Bar(
        x=names, y=[totals[f] for f in flags], marker_color=[flag_colour(f) for f in flags],
        hovertext=[f"<b>{n}</b><br>{totals[f]} {t('households', lang).lower()}" for f, n in zip(flags, names,
                                                                                              strict=True)],
        hoverinfo="text", showlegend=False,
    ))
    return base_layout(fig, title=title, x_title=t("flag", lang), y_title=t("households", lang))


def flag_trend_figure(rows: Sequence[FlagCount], *, lang: Lang = "nl") -> go.Figure:
    """Lines: households per flag per month (rows grouped by flag and month)."""
    title = t("fig_trend", lang)
    rows = [r for r in rows if r.month]
    if not rows:
        return empty_figure(title, t("no_flags", lang), x_title=t("month", lang), y_title=t("households", lang))
    months = sorted({r.month for r in rows if r.month})
    per: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        per[(r.flag, r.month or "")] += _value(r)
    fig = new_figure()
    for flag in _flag_order({r.flag for r in rows}):
        ys = [per.get((flag, m), 0) for m in months]
        name = flag_label(flag, lang)
        fig.add_trace(go.Scatter(
            x=[f"{m}-01" for m in months], y=ys, mode="lines+markers", name=name,
            line={"color": flag_colour(flag), "width": 2},
            hovertext=[f"<b>{name}</b><br>{m}: {y} {t('households', lang).lower()}" for m, y in zip(months, ys,
                                                                                                   strict=True)],
            hoverinfo="text",
        ))
    base_layout(fig, title=title, x_title=t("month", lang), y_title=t("households", lang))
    fig.update_xaxes(type="date", tickformat="%Y-%m")
    return fig


def helpers_histogram_figure(histogram: Mapping[str, int], *, lang: Lang = "nl") -> go.Figure:
    """Bars: number of households by number of distinct helpers (``"8+"`` last)."""
    title = t("fig_helpers", lang)
    if not histogram:
        return empty_figure(title, t("none", lang), x_title=t("col_helpers", lang), y_title=t("households", lang))

    def key(k: str) -> tuple[int, str]:
        digits = "".join(c for c in k if c.isdigit())
        return (int(digits) if digits else 10**6, k)

    bins = sorted(histogram, key=key)
    fig = new_figure(go.Bar(
        x=bins, y=[histogram[b] for b in bins], marker_color=OKABE_ITO[4], showlegend=False,
        hovertext=[f"{b} {t('col_helpers', lang).lower()}: {histogram[b]} {t('households', lang).lower()}"
                   for b in bins],
        hoverinfo="text",
    ))
    base_layout(fig, title=title, x_title=t("col_helpers", lang), y_title=t("households", lang))
    fig.update_xaxes(type="category")
    return fig
