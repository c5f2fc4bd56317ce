"""The household timeline: a Gantt chart of interventions per domain that shows overlaps and gaps.

Each intervention is a horizontal bar from its start to its end (or to the as-of date while it runs), on the row of
its domain, coloured by the sector of the agency delivering it. Interventions in one domain that run at the same time
are put on separate lanes of that domain so none hides another. For drawing only, the chart marks:

- an **overlap** where two or more interventions of the same domain run on the same days (a translucent vermillion
  band over the domain's lanes), and
- a **gap** where a domain had help before and after but not in between (a dotted line across the gap).

These marks are interval geometry for the picture; the flag rules themselves (minimum overlap days, different
agencies) are applied by the analytics and shown with their evidence beside the chart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import plotly.graph_objects as go

from caregraph.services.models import AgencyOut, InterventionOut
from dashboard.figures.common import base_layout, empty_figure, new_figure
from dashboard.i18n import Lang, domain_label, kind_label, sector_label, t
from dashboard.palette import sector_colour

__all__ = ["Bar", "bars_with_lanes", "covered_periods", "overlap_periods", "gap_periods", "gantt_figure"]

_DAY_MS = 86_400_000
_OVERLAP_FILL = "rgba(213, 94, 0, 0.18)"  # Okabe-Ito vermillion, translucent
_OVERLAP_LINE = "#D55E00"
_GAP_LINE = "#000000"


@dataclass(frozen=True)
class Bar:
    """One intervention as drawn: its domain, lane within the domain, and period (end inclusive)."""

    intervention: InterventionOut
    domain: str
    lane: int
    start: dt.date
    end: dt.date


def _end(iv: InterventionOut, as_of: dt.date) -> dt.date:
    return iv.end_date if iv.end_date is not None else max(as_of, iv.start_date)


def bars_with_lanes(interventions: Sequence[InterventionOut], as_of: dt.date) -> list[Bar]:
    """Place interventions on lanes: within a domain, a bar goes on the first lane whose last bar has ended.

    >>> from caregraph.services.models import InterventionOut as I
    >>> d = dt.date
    >>> ivs = [I(intervention_id=i, professional_id="p", agency_id="a", domain_code="FIN", kind="support",
    ...          start_date=s, end_date=e, active=False) for i, s, e in
    ...        [("a", d(2024, 1, 1), d(2024, 3, 1)), ("b", d(2024, 2, 1), d(2024, 4, 1)),
    ...         ("c", d(2024, 5, 1), d(2024, 6, 1))]]
    >>> [(b.intervention.intervention_id, b.lane) for b in bars_with_lanes(ivs, d(2024, 12, 31))]
    [('a', 0), ('b', 1), ('c', 0)]
    """
    out: list[Bar] = []
    by_domain: dict[str, list[InterventionOut]] = defaultdict(list)
    for iv in interventions:
        by_domain[iv.domain_code].append(iv)
    for domain in sorted(by_domain):
        lane_ends: list[dt.date] = []
        for iv in sorted(by_domain[domain], key=lambda i: (i.start_date, i.intervention_id)):
            end = _end(iv, as_of)
            for lane, lane_end in enumerate(lane_ends):
                if lane_end < iv.start_date:
                    lane_ends[lane] = end
                    break
            else:
                lane = len(lane_ends)
                lane_ends.append(end)
            out.append(Bar(iv, domain, lane, iv.start_date, end))
    return out


def covered_periods(periods: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Merge inclusive periods into the disjoint periods they cover (touching periods merge).

    >>> d = dt.date
    >>> covered_periods([(d(2024, 1, 1), d(2024, 1, 10)), (d(2024, 1, 11), d(2024, 1, 20)),
    ...                  (d(2024, 3, 1), d(2024, 3, 2))])
    [(datetime.date(2024, 1, 1), datetime.date(2024, 1, 20)), (datetime.date(2024, 3, 1), datetime.date(2024, 3, 2))]
    """
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap_periods(periods: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The disjoint periods (inclusive) on which two or more of ``periods`` run at once.

    >>> d = dt.date
    >>> overlap_periods([(d(2024, 1, 1), d(2024, 1, 10)), (d(2024, 1, 10), d(2024, 1, 20))])
    [(datetime.date(2024, 1, 10), datetime.date(2024, 1, 10))]
    """
    events: list[tuple[dt.date, int]] = []
    for start, end in periods:
        events.append((start, 1))
        events.append((end + dt.timedelta(days=1), -1))
    events.sort(key=lambda e: (e[0], e[1]))
    found: list[tuple[dt.date, dt.date]] = []
    running = 0
    began: dt.date | None = None
    for day, step in events:
        before = running
        running += step
        if before < 2 <= running:
            began = day
        elif before >= 2 > running and began is not None:
            found.append((began, day - dt.timedelta(days=1)))
            began = None
    return covered_periods(found)


def gap_periods(periods: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The periods (inclusive) between covered periods: days without any of ``periods`` between the first and last.

    >>> d = dt.date
    >>> gap_periods([(d(2024, 1, 1), d(2024, 1, 10)), (d(2024, 2, 1), d(2024, 2, 5))])
    [(datetime.date(2024, 1, 11), datetime.date(2024, 1, 31))]
    """
    covered = covered_periods(periods)
    return [(a[1] + dt.timedelta(days=1), b[0] - dt.timedelta(days=1)) for a, b in pairwise(covered)]


def _row_label(domain: str, lane: int, lanes: int, lang: Lang) -> str:
    name = f"{domain_label(domain, lang)} ({domain})"
    return name if lanes == 1 else f"{name} · {lane + 1}"


def gantt_figure(
    interventions: Sequence[InterventionOut],
    *,
    agencies: Mapping[str, AgencyOut],
    professional_names: Mapping[str, str],
    as_of: dt.date,
    lang: Lang = "nl",
) -> go.Figure:
    """Gantt chart of ``interventions`` per domain, coloured by agency sector, with overlaps and gaps marked.

    Parameters
    ----------
    interventions
        The household's interventions (any period; open ones are drawn up to ``as_of``).
    agencies
        Agency id → agency (for the name and sector in colours, legend and hover text).
    professional_names
        Professional id → what to show for them (a name for coordinators, else a role and id).
    as_of
        The as-of date: drawn as a vertical line; open interventions end there.
    lang
        Label language.
    """
    title = t("fig_gantt", lang)
    if not interventions:
        return empty_figure(title, t("none", lang), x_title=t("date", lang), y_title=t("domain", lang))
    bars = bars_with_lanes(interventions, as_of)
    lanes: dict[str, int] = defaultdict(int)
    for b in bars:
        lanes[b.domain] = max(lanes[b.domain], b.lane + 1)
    rows: list[str] = []
    row_index: dict[tuple[str, int], int] = {}
    for domain in sorted(lanes):
        for lane in range(lanes[domain]):
            row_index[(domain, lane)] = len(rows)
            rows.append(_row_label(domain, lane, lanes[domain], lang))

    fig = new_figure()
    by_sector: dict[str, list[Bar]] = defaultdict(list)
    for b in bars:
        agency = agencies.get(b.intervention.agency_id)
        by_sector[agency.sector if agency else ""].append(b)
    ongoing = t("ongoing", lang)
    for sector in sorted(by_sector):
        group = by_sector[sector]
        hover = []
        for b in group:
            iv = b.intervention
            agency = agencies.get(iv.agency_id)
            kind = kind_label(iv.kind, lang) + (f" — {kind_label(iv.action, lang)}" if iv.action else "")
            days = (b.end - b.start).days + 1
            hover.append(
                f"<b>{domain_label(b.domain, lang)}</b><br>"
                f"{t('professional', lang)}: {professional_names.get(iv.professional_id, iv.professional_id)}<br>"
                f"{t('agency', lang)}: {agency.name if agency else iv.agency_id}<br>"
                f"{t('kind', lang)}: {kind}<br>"
                f"{t('start', lang)}: {b.start.isoformat()}<br>"
                f"{t('end', lang)}: {iv.end_date.isoformat() if iv.end_date else ongoing} ({days} {t('days', lang)})"
            )
        fig.add_trace(
            go.Bar(
                name=sector_label(sector, lang),
                orientation="h",
                base=[b.start.isoformat() for b in group],
                x=[((b.end - b.start).days + 1) * _DAY_MS for b in group],
                y=[rows[row_index[(b.domain, b.lane)]] for b in group],
                marker={"color": sector_colour(sector), "line": {"color": "#333333", "width": 0.5}},
                hovertext=hover,
                hoverinfo="text",
                width=0.7,
            )
        )

    shapes: list[dict[str, object]] = []
    for domain in sorted(lanes):
        periods = [(b.start, b.end) for b in bars if b.domain == domain]
        first = row_index[(domain, 0)]
        last = row_index[(domain, lanes[domain] - 1)]
        for start, end in overlap_periods(periods):
            shapes.append({
                "type": "rect", "xref": "x", "yref": "y", "layer": "above",
                "x0": start.isoformat(), "x1": (end + dt.timedelta(days=1)).isoformat(),
                "y0": first - 0.48, "y1": last + 0.48,
                "fillcolor": _OVERLAP_FILL, "line": {"color": _OVERLAP_LINE, "width": 1.5, "dash": "dash"},
            })
        for start, end in gap_periods(periods):
            shapes.append({
                "type": "line", "xref": "x", "yref": "y",
                "x0": start.isoformat(), "x1": (end + dt.timedelta(days=1)).isoformat(),
                "y0": first, "y1": first,
                "line": {"color": _GAP_LINE, "width": 2, "dash": "dot"},
            })
    fig.add_vline(x=as_of.isoformat(), line={"color": "#000000", "width": 1, "dash": "dash"})
    fig.add_annotation(x=as_of.isoformat(), y=1.0, yref="paper", text=t("as_of", lang), showarrow=False,
                       yanchor="bottom", font={"size": 11})
    base_layout(fig, title=title, x_title=t("date", lang), y_title=t("domain", lang),
                height=max(300, 120 + 34 * len(rows)))
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes], barmode="overlay", bargap=0.2)
    fig.update_xaxes(type="date")
    fig.update_yaxes(categoryorder="array", categoryarray=rows, autorange="reversed", automargin=True)
    return fig
