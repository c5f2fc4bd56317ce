"""Assessment scores over time: one line per domain, ZRM score 1 (acute) … 5 (fully self-sufficient)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from caregraph.services.models import AssessmentOut
from dashboard.figures.common import base_layout, empty_figure, new_figure
from dashboard.i18n import Lang, domain_label, t
from dashboard.palette import domain_colour

__all__ = ["scores_figure"]


def scores_figure(
    assessments: Sequence[AssessmentOut], *, member_labels: Mapping[str, str] | None = None, lang: Lang = "nl"
) -> go.Figure:
    """Lines of ZRM scores per domain (and per member where the score is for one member) against the date.

    Household-level and member-level scores of a domain are separate lines; the y axis is fixed at 1–5.
    """
    title = t("fig_scores", lang)
    if not assessments:
        return empty_figure(title, t("none", lang), x_title=t("date", lang), y_title=t("score", lang))
    member_labels = member_labels or {}
    series: dict[tuple[str, str | None], list[AssessmentOut]] = defaultdict(list)
    for a in assessments:
        series[(a.domain_code, a.member_id)].append(a)
    fig = new_figure()
    for domain, member in sorted(series, key=lambda k: (k[0], k[1] or "")):
        points = sorted(series[(domain, member)], key=lambda a: a.assessed_on)
        name = f"{domain_label(domain, lang)} ({domain})"
        if member:
            name += f" — {member_labels.get(member, member)}"
        fig.add_trace(go.Scatter(
            x=[a.assessed_on.isoformat() for a in points], y=[a.score for a in points], mode="lines+markers",
            name=name, line={"color": domain_colour(domain), "dash": "dot" if member else "solid"},
            hovertext=[f"<b>{name}</b><br>{t('date', lang)}: {a.assessed_on.isoformat()}<br>"
                       f"{t('score', lang)}: {a.score}" for a in points],
            hoverinfo="text",
        ))
    base_layout(fig, title=title, x_title=t("date", lang), y_title=t("score", lang))
    fig.update_yaxes(range=[0.5, 5.5], dtick=1)
    fig.update_xaxes(type="date")
    return fig
